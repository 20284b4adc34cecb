#include "auth/users.h"

#include "auth/password.h"
#include "auth/session.h"
#include "base/id.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

int user_normalise_email(struct arena *a, const char *in, const char **out, struct err *e)
{
    if (!in) return err_set(e, ERR_INVALID, "an email address is needed");
    char *s = str_trim(arena_strdup(a, in));
    size_t n = strlen(s);
    if (n == 0) return err_set(e, ERR_INVALID, "an email address is needed");
    if (n > USER_EMAIL_MAX) return err_set(e, ERR_INVALID, "an email address has at most 254 characters");
    if (!str_utf8_valid(s, n)) return err_set(e, ERR_INVALID, "the email address is not valid text");
    const char *at = strchr(s, '@');
    if (!at || at == s || !at[1] || strchr(at + 1, '@'))
        return err_set(e, ERR_INVALID, "an email address has the form name@example.org");
    for (char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= ' ' || c == 0x7F) return err_set(e, ERR_INVALID, "an email address has no spaces");
        /* ASCII only: other scripts' case rules depend on the language, and mail servers
         * compare the local part as written anyway. */
        if (c >= 'A' && c <= 'Z') *p = (char)(c - 'A' + 'a');
    }
    if (at[1] == '.' || s[n - 1] == '.')
        return err_set(e, ERR_INVALID, "an email address has the form name@example.org");
    *out = s;
    return 0;
}

static void now_iso(char buf[32])
{
    time_format_iso(time_now_ms(), buf, 32);
}

static const char user_columns[] =
    "id, email, display_name, role, institution_id, created_at, disabled_at, is_demo";

static void read_user(struct store_stmt *s, struct arena *a, struct user *u)
{
    u->id = arena_strdup(a, store_col_text(s, 0));
    u->email = arena_strdup(a, store_col_text(s, 1));
    u->display_name = arena_strdup(a, store_col_text(s, 2));
    u->role = auth_role_parse(store_col_text(s, 3));
    u->institution_id = store_col_null(s, 4) ? NULL : arena_strdup(a, store_col_text(s, 4));
    u->created_at = arena_strdup(a, store_col_text(s, 5));
    u->disabled_at = store_col_null(s, 6) ? NULL : arena_strdup(a, store_col_text(s, 6));
    u->is_demo = store_col_int(s, 7) != 0;
}

/* The audit entry of a change to an account: its id, never its email (the trail is kept after
 * an erasure; store/audit.h), and the role it was given when there is one. */
static int audit_user(struct store *st, const struct audit_actor *by, const char *action, const char *user_id,
                      const char *role, struct err *e)
{
    char detail[64] = "{}";
    if (role) snprintf(detail, sizeof detail, "{\"role\":\"%s\"}", role); /* a role's name: letters only */
    const char *ids[] = {user_id};
    return audit_record(st, by, action, "user", ids, 1, detail, e);
}

/* Inside the caller's transaction: user_id now speaks for institution_id (which must be in the
 * register and not merged away), audited with the institution it had before (previous). */
static int link_in(struct store *st, const char *user_id, const char *previous, const char *institution_id,
                   const struct audit_actor *by, struct err *e)
{
    struct store_stmt *s = store_prepare(st, "SELECT merged_into FROM institutions WHERE id = ?", e);
    if (!s) return -1;
    store_bind_text(s, 1, institution_id);
    int rc = store_step(s, e);
    char survivor[ID_TEXT_SIZE + 1] = "";
    if (rc == 1 && !store_col_null(s, 0)) snprintf(survivor, sizeof survivor, "%s", store_col_text(s, 0));
    store_done(s);
    if (rc < 0) return rc;
    if (rc == 0) return err_set(e, ERR_NOT_FOUND, "there is no institution %s in the register", institution_id);
    if (*survivor)
        return err_set(e, ERR_CONFLICT, "the institution %s was merged into %s: link the account to that one",
                       institution_id, survivor);
    s = store_prepare(st, "UPDATE users SET institution_id = ? WHERE id = ?", e);
    if (!s) return -1;
    store_bind_text(s, 1, institution_id);
    store_bind_text(s, 2, user_id);
    rc = store_run(s, e);
    store_done(s);
    if (rc < 0) return rc;
    const char *ids[] = {user_id, institution_id};
    return audit_record_json(st, by, "user.link", "user", ids, 2,
                             json_pack("{s:s, s:s?}", "institution_id", institution_id, "previous", previous), e);
}

int user_add(struct store *st, struct arena *a, const struct user_new *in, const char *password,
             struct user *out, struct err *e)
{
    const char *email;
    if (user_normalise_email(a, in->email, &email, e) < 0) return ERR_INVALID;
    if (!auth_role_name(in->role)) return err_set(e, ERR_INVALID, "a user needs a role");
    char *name = arena_strdup(a, in->display_name ? in->display_name : "");
    str_trim(name);
    if (!*name) name = arena_strndup(a, email, (size_t)(strchr(email, '@') - email));
    if (strlen(name) > USER_NAME_MAX || !str_utf8_valid(name, strlen(name)))
        return err_set(e, ERR_INVALID, "a name is text of at most 200 bytes");
    enum password_problem pp = password_acceptable(password);
    if (pp != PASSWORD_OK) return err_set(e, ERR_INVALID, "%s", password_problem_text(pp));
    if (in->institution_id && in->role != AUTH_ROLE_INSTITUTION)
        return err_set(e, ERR_INVALID, "only an institution contact's account (role institution) is linked to an institution");
    char hash[PASSWORD_HASH_SIZE];
    if (password_hash(password, hash, e) < 0) return -1;

    char id[ID_TEXT_SIZE], now[32];
    if (in->id) snprintf(id, sizeof id, "%s", in->id);
    else id_new(id);
    now_iso(now);
    if (store_begin(st, e) < 0) return -1;
    struct store_stmt *s = store_prepare(st,
        "INSERT INTO users (id, email, display_name, role, password_hash, is_demo, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)", e);
    if (!s) {
        store_rollback(st);
        return -1;
    }
    store_bind_text(s, 1, id);
    store_bind_text(s, 2, email);
    store_bind_text(s, 3, name);
    store_bind_text(s, 4, auth_role_name(in->role));
    store_bind_text(s, 5, hash);
    store_bind_int(s, 6, in->is_demo ? 1 : 0);
    store_bind_text(s, 7, now);
    int rc = store_run(s, e);
    store_done(s);
    sodium_memzero(hash, sizeof hash);
    if (rc == ERR_CONFLICT) {
        store_rollback(st);
        return err_set(e, ERR_CONFLICT, "there is already an account for %s", email);
    }
    if (rc == 0) rc = audit_user(st, in->by, "user.add", id, auth_role_name(in->role), e);
    if (rc == 0 && in->institution_id) rc = link_in(st, id, NULL, in->institution_id, in->by, e);
    if (rc == 0) rc = store_commit(st, e);
    if (rc < 0) store_rollback(st);
    if (rc < 0) return rc;
    if (out) {
        *out = (struct user){.id = arena_strdup(a, id), .email = email, .display_name = name,
                             .role = in->role, .created_at = arena_strdup(a, now), .is_demo = in->is_demo,
                             .institution_id = in->institution_id ? arena_strdup(a, in->institution_id) : NULL};
    }
    return 0;
}

int user_find_by_email(struct store *st, struct arena *a, const char *email, struct user *out,
                       const char **password_hash, struct err *e)
{
    const char *norm;
    struct err ignored;
    if (user_normalise_email(a, email, &norm, &ignored) < 0)
        return err_set(e, ERR_NOT_FOUND, "there is no account for that email address");
    struct store_stmt *s = store_prepare(st,
        "SELECT id, email, display_name, role, institution_id, created_at, disabled_at, is_demo,"
        " password_hash FROM users WHERE lower(email) = lower(?)", e);
    if (!s) return -1;
    store_bind_text(s, 1, norm);
    int rc = store_step(s, e);
    if (rc == 1) {
        read_user(s, a, out);
        if (password_hash) *password_hash = arena_strdup(a, store_col_text(s, 8));
    }
    store_done(s);
    if (rc < 0) return rc;
    if (rc == 0) return err_set(e, ERR_NOT_FOUND, "there is no account for %s", norm);
    return 0;
}

int user_list(struct store *st, struct arena *a, struct user **out, size_t *count, struct err *e)
{
    *out = NULL;
    *count = 0;
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT %s FROM users ORDER BY email", user_columns);
    struct store_stmt *s = store_prepare(st, sql, e);
    if (!s) return -1;
    size_t cap = 0;
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        if (*count == cap) {
            cap = cap ? cap * 2 : 16;
            struct user *grown = arena_alloc(a, cap * sizeof *grown);
            if (*count) memcpy(grown, *out, *count * sizeof *grown);
            *out = grown;
        }
        read_user(s, a, &(*out)[(*count)++]);
    }
    store_done(s);
    return rc < 0 ? rc : 0;
}

int user_disable(struct store *st, const char *email, const struct audit_actor *by, struct err *e)
{
    struct arena a;
    arena_init(&a, 1024);
    struct user u;
    int rc = user_find_by_email(st, &a, email, &u, NULL, e);
    if (rc == 0 && u.disabled_at) rc = err_set(e, ERR_CONFLICT, "the account %s is disabled already", u.email);
    char now[32];
    now_iso(now);
    if (rc == 0) rc = store_begin(st, e);
    if (rc == 0) {
        struct store_stmt *s = store_prepare(st, "UPDATE users SET disabled_at = ? WHERE id = ?", e);
        rc = s ? 0 : -1;
        if (s) {
            store_bind_text(s, 1, now);
            store_bind_text(s, 2, u.id);
            rc = store_run(s, e);
            store_done(s);
        }
        if (rc == 0) rc = session_end_all(st, u.id, e);
        if (rc == 0) rc = audit_user(st, by, "user.disable", u.id, NULL, e);
        if (rc == 0) rc = store_commit(st, e);
        if (rc < 0) store_rollback(st);
    }
    arena_free(&a);
    return rc;
}

int user_store_hash(struct store *st, const char *user_id, const char *hash, struct err *e)
{
    struct store_stmt *s = store_prepare(st, "UPDATE users SET password_hash = ? WHERE id = ?", e);
    if (!s) return -1;
    store_bind_text(s, 1, hash);
    store_bind_text(s, 2, user_id);
    int rc = store_run(s, e);
    store_done(s);
    if (rc == 0 && store_changes(st) == 0) return err_set(e, ERR_NOT_FOUND, "there is no such account");
    return rc;
}

int user_set_password(struct store *st, const char *user_id, const char *password, const struct audit_actor *by,
                      struct err *e)
{
    enum password_problem pp = password_acceptable(password);
    if (pp != PASSWORD_OK) return err_set(e, ERR_INVALID, "%s", password_problem_text(pp));
    /* Hashed before the transaction: the write lock is not held for the 100 ms of hashing. */
    char hash[PASSWORD_HASH_SIZE];
    if (password_hash(password, hash, e) < 0) return -1;
    int rc = store_begin(st, e);
    if (rc == 0) rc = user_store_hash(st, user_id, hash, e);
    /* Whoever knew the old password may be signed in: a new password ends every session. */
    if (rc == 0) rc = session_end_all(st, user_id, e);
    if (rc == 0) rc = audit_user(st, by, "user.passwd", user_id, NULL, e);
    if (rc == 0) rc = store_commit(st, e);
    if (rc < 0) store_rollback(st);
    sodium_memzero(hash, sizeof hash);
    return rc;
}

int user_link_institution(struct store *st, struct arena *a, const char *email, const char *institution_id,
                          const struct audit_actor *by, struct user *out, struct err *e)
{
    if (!institution_id || !*institution_id) return err_set(e, ERR_INVALID, "say which institution");
    struct user u;
    int rc = store_begin(st, e);
    if (rc < 0) return rc;
    rc = user_find_by_email(st, a, email, &u, NULL, e);
    if (rc == 0 && u.role != AUTH_ROLE_INSTITUTION)
        rc = err_set(e, ERR_INVALID, "%s is an account of role %s: only an institution contact's account (role"
                     " institution) is linked to an institution", u.email, auth_role_name(u.role));
    bool same = rc == 0 && u.institution_id && strcmp(u.institution_id, institution_id) == 0;
    if (rc == 0 && !same) rc = link_in(st, u.id, u.institution_id, institution_id, by, e);
    if (rc == 0) rc = store_commit(st, e);
    if (rc < 0) {
        store_rollback(st);
        return rc;
    }
    u.institution_id = arena_strdup(a, institution_id);
    if (out) *out = u;
    return 0;
}

int user_list_for_institution(struct store *st, struct arena *a, const char *institution_id, struct user **out,
                              size_t *count, struct err *e)
{
    *out = NULL;
    *count = 0;
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT %s FROM users WHERE institution_id = ? ORDER BY email", user_columns);
    struct store_stmt *s = store_prepare(st, sql, e);
    if (!s) return -1;
    store_bind_text(s, 1, institution_id ? institution_id : "");
    size_t cap = 0;
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        if (*count == cap) {
            cap = cap ? cap * 2 : 4;
            struct user *grown = arena_alloc(a, cap * sizeof *grown);
            if (*count) memcpy(grown, *out, *count * sizeof *grown);
            *out = grown;
        }
        read_user(s, a, &(*out)[(*count)++]);
    }
    store_done(s);
    return rc < 0 ? rc : 0;
}

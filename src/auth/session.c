#include "auth/session.h"

#include "base/timeutil.h"
#include "store/audit.h"

#include <stdio.h>
#include <string.h>

static void iso(int64_t ms, char buf[32])
{
    time_format_iso(ms, buf, 32);
}

int session_create(struct store *st, const char *user_id, int64_t now_ms, int idle_s,
                   char token[TOKEN_TEXT_SIZE], struct err *e)
{
    if (idle_s <= 0) idle_s = SESSION_IDLE_DEFAULT_S;
    char hash[TOKEN_HASH_SIZE], now[32], expires[32];
    token_new(token);
    token_hash(token, hash);
    iso(now_ms, now);
    iso(now_ms + (int64_t)idle_s * 1000, expires);
    /* Sweeping here keeps the table to the sessions alive now, with no timer to run. */
    struct store_stmt *s = store_prepare(st, "DELETE FROM sessions WHERE expires_at <= ?", e);
    if (!s) return -1;
    store_bind_text(s, 1, now);
    int rc = store_run(s, e);
    store_done(s);
    if (rc < 0) return rc;
    s = store_prepare(st, "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at)"
                          " VALUES (?, ?, ?, ?, ?)", e);
    if (!s) return -1;
    store_bind_text(s, 1, hash);
    store_bind_text(s, 2, user_id);
    store_bind_text(s, 3, now);
    store_bind_text(s, 4, now);
    store_bind_text(s, 5, expires);
    rc = store_run(s, e);
    store_done(s);
    return rc;
}

int session_lookup(struct store *st, struct arena *a, const char *token, int64_t now_ms, int idle_s,
                   struct auth_principal *out, struct err *e)
{
    if (!token_well_formed(token)) return err_set(e, ERR_NOT_FOUND, "no session");
    if (idle_s <= 0) idle_s = SESSION_IDLE_DEFAULT_S;
    char hash[TOKEN_HASH_SIZE], now[32];
    token_hash(token, hash);
    iso(now_ms, now);
    struct store_stmt *s = store_prepare(st,
        "SELECT s.last_seen_at, u.id, u.email, u.display_name, u.role, u.institution_id"
        " FROM sessions s JOIN users u ON u.id = s.user_id"
        " WHERE s.token_hash = ? AND s.expires_at > ? AND u.disabled_at IS NULL", e);
    if (!s) return -1;
    store_bind_text(s, 1, hash);
    store_bind_text(s, 2, now);
    int rc = store_step(s, e);
    char last_seen[32] = "";
    if (rc == 1) {
        snprintf(last_seen, sizeof last_seen, "%s", store_col_text(s, 0));
        *out = (struct auth_principal){
            .via = AUTH_VIA_SESSION,
            .role = auth_role_parse(store_col_text(s, 4)),
            .scope = AUTH_SCOPE_FULL,
            .user_id = arena_strdup(a, store_col_text(s, 1)),
            .email = arena_strdup(a, store_col_text(s, 2)),
            .display_name = arena_strdup(a, store_col_text(s, 3)),
            .institution_id = store_col_null(s, 5) ? NULL : arena_strdup(a, store_col_text(s, 5)),
            .session_token = arena_strdup(a, token),
        };
    }
    store_done(s);
    if (rc < 0) return rc;
    if (rc == 0 || out->role == AUTH_ROLE_NONE) return err_set(e, ERR_NOT_FOUND, "no session");

    char stale[32];
    iso(now_ms - (int64_t)SESSION_TOUCH_S * 1000, stale);
    if (strcmp(last_seen, stale) < 0) {
        char expires[32];
        iso(now_ms + (int64_t)idle_s * 1000, expires);
        s = store_prepare(st, "UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE token_hash = ?", e);
        if (!s) return -1;
        store_bind_text(s, 1, now);
        store_bind_text(s, 2, expires);
        store_bind_text(s, 3, hash);
        rc = store_run(s, e);
        store_done(s);
        if (rc < 0) return rc;
    }
    return 0;
}

int session_end(struct store *st, const char *token, struct err *e)
{
    if (!token_well_formed(token)) return 0;
    char hash[TOKEN_HASH_SIZE];
    token_hash(token, hash);
    struct store_stmt *s = store_prepare(st, "DELETE FROM sessions WHERE token_hash = ?", e);
    if (!s) return -1;
    store_bind_text(s, 1, hash);
    int rc = store_run(s, e);
    store_done(s);
    return rc;
}

int session_sign_out(struct store *st, const struct auth_principal *who, const char *token, struct err *e)
{
    int rc = store_begin(st, e);
    if (rc < 0) return rc;
    rc = session_end(st, token, e);
    if (rc == 0) {
        const struct audit_actor self = {who->user_id, who->email};
        const char *ids[] = {who->user_id};
        rc = audit_record(st, &self, "auth.signout", "user", ids, 1, NULL, e);
    }
    if (rc == 0) rc = store_commit(st, e);
    if (rc < 0) store_rollback(st);
    return rc;
}

int session_end_all(struct store *st, const char *user_id, struct err *e)
{
    struct store_stmt *s = store_prepare(st, "DELETE FROM sessions WHERE user_id = ?", e);
    if (!s) return -1;
    store_bind_text(s, 1, user_id);
    int rc = store_run(s, e);
    store_done(s);
    return rc;
}

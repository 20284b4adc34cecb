#include "auth/api_tokens.h"

#include "base/id.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char prefix[] = "eb_";

int api_token_create(struct store *st, struct arena *a, const char *user_id, const char *name,
                     enum auth_scope scope, const struct audit_actor *by, char token[API_TOKEN_TEXT_SIZE],
                     const char **id, struct err *e)
{
    char *clean = str_trim(arena_strdup(a, name ? name : ""));
    size_t n = strlen(clean);
    if (n == 0 || n > API_TOKEN_NAME_MAX || !str_utf8_valid(clean, n))
        return err_set(e, ERR_INVALID, "a token needs a name of 1 to 100 bytes");
    if (!auth_scope_name(scope)) return err_set(e, ERR_INVALID, "a token needs a scope: read, submit or admin");
    char secret[TOKEN_TEXT_SIZE], hash[TOKEN_HASH_SIZE], row[ID_TEXT_SIZE], now[32];
    token_new(secret);
    token_hash(secret, hash);
    id_new(row);
    time_format_iso(time_now_ms(), now, sizeof now);
    int rc = store_begin(st, e);
    if (rc < 0) return rc;
    struct store_stmt *s = store_prepare(st,
        "INSERT INTO api_tokens (id, user_id, name, scope, token_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)", e);
    if (!s) rc = -1;
    if (s) {
        store_bind_text(s, 1, row);
        store_bind_text(s, 2, user_id);
        store_bind_text(s, 3, clean);
        store_bind_text(s, 4, auth_scope_name(scope));
        store_bind_text(s, 5, hash);
        store_bind_text(s, 6, now);
        rc = store_run(s, e);
        store_done(s);
    }
    if (rc == 0) {
        /* The token's id and its user: the name is the user's own words, the secret never. */
        const char *ids[] = {row, user_id};
        char detail[48];
        snprintf(detail, sizeof detail, "{\"scope\":\"%s\"}", auth_scope_name(scope));
        rc = audit_record(st, by, "token.create", "api_token", ids, 2, detail, e);
    }
    if (rc == 0) rc = store_commit(st, e);
    if (rc < 0) {
        store_rollback(st);
        return rc;
    }
    snprintf(token, API_TOKEN_TEXT_SIZE, "%s%s", prefix, secret);
    if (id) *id = arena_strdup(a, row);
    return 0;
}

static const char *dup_or_null(struct arena *a, struct store_stmt *s, int col)
{
    return store_col_null(s, col) ? NULL : arena_strdup(a, store_col_text(s, col));
}

int api_token_list(struct store *st, struct arena *a, const char *user_id, struct api_token_info **out,
                   size_t *count, struct err *e)
{
    *out = NULL;
    *count = 0;
    struct store_stmt *s = store_prepare(st,
        "SELECT id, name, scope, created_at, last_used_at, revoked_at FROM api_tokens"
        " WHERE user_id = ? ORDER BY id DESC", e);
    if (!s) return -1;
    store_bind_text(s, 1, user_id);
    size_t cap = 0;
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        if (*count == cap) {
            cap = cap ? cap * 2 : 8;
            struct api_token_info *grown = arena_alloc(a, cap * sizeof *grown);
            if (*count) memcpy(grown, *out, *count * sizeof *grown);
            *out = grown;
        }
        struct api_token_info *t = &(*out)[(*count)++];
        t->id = arena_strdup(a, store_col_text(s, 0));
        t->name = arena_strdup(a, store_col_text(s, 1));
        t->scope = auth_scope_parse(store_col_text(s, 2));
        t->created_at = arena_strdup(a, store_col_text(s, 3));
        t->last_used_at = dup_or_null(a, s, 4);
        t->revoked_at = dup_or_null(a, s, 5);
    }
    store_done(s);
    return rc < 0 ? rc : 0;
}

int api_token_revoke(struct store *st, const char *user_id, const char *id, const struct audit_actor *by,
                     int64_t now_ms, struct err *e)
{
    char now[32];
    time_format_iso(now_ms, now, sizeof now);
    int rc = store_begin(st, e);
    if (rc < 0) return rc;
    struct store_stmt *s = store_prepare(st,
        "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL", e);
    if (!s) rc = -1;
    if (s) {
        store_bind_text(s, 1, now);
        store_bind_text(s, 2, id);
        store_bind_text(s, 3, user_id);
        rc = store_run(s, e);
        store_done(s);
    }
    if (rc == 0 && store_changes(st) == 0) rc = err_set(e, ERR_NOT_FOUND, "there is no such token to revoke");
    if (rc == 0) {
        const char *ids[] = {id, user_id};
        rc = audit_record(st, by, "token.revoke", "api_token", ids, 2, NULL, e);
    }
    if (rc == 0) rc = store_commit(st, e);
    if (rc < 0) store_rollback(st);
    return rc;
}

enum api_bearer api_token_from_header(const char *authorization, const char **token)
{
    *token = NULL;
    if (!authorization) return API_BEARER_NONE;
    if (strncasecmp(authorization, "Bearer ", 7) != 0) return API_BEARER_MALFORMED;
    const char *t = authorization + 7;
    while (*t == ' ') t++;
    *token = t;
    return API_BEARER_TOKEN;
}

bool api_token_well_formed(const char *token)
{
    return token && strncmp(token, prefix, API_TOKEN_PREFIX_LEN) == 0 && token_well_formed(token + API_TOKEN_PREFIX_LEN);
}

int api_token_lookup(struct store *st, struct arena *a, const char *token, int64_t now_ms,
                     struct auth_principal *out, struct err *e)
{
    if (!api_token_well_formed(token)) return err_set(e, ERR_NOT_FOUND, "not a valid token");
    char hash[TOKEN_HASH_SIZE];
    token_hash(token + API_TOKEN_PREFIX_LEN, hash);
    struct store_stmt *s = store_prepare(st,
        "SELECT t.id, t.scope, t.last_used_at, u.id, u.email, u.display_name, u.role, u.institution_id"
        " FROM api_tokens t JOIN users u ON u.id = t.user_id"
        " WHERE t.token_hash = ? AND t.revoked_at IS NULL AND u.disabled_at IS NULL", e);
    if (!s) return -1;
    store_bind_text(s, 1, hash);
    int rc = store_step(s, e);
    char last_used[32] = "";
    if (rc == 1) {
        snprintf(last_used, sizeof last_used, "%s", store_col_text(s, 2));
        *out = (struct auth_principal){
            .via = AUTH_VIA_TOKEN,
            .token_id = arena_strdup(a, store_col_text(s, 0)),
            .scope = auth_scope_parse(store_col_text(s, 1)),
            .user_id = arena_strdup(a, store_col_text(s, 3)),
            .email = arena_strdup(a, store_col_text(s, 4)),
            .display_name = arena_strdup(a, store_col_text(s, 5)),
            .role = auth_role_parse(store_col_text(s, 6)),
            .institution_id = dup_or_null(a, s, 7),
        };
    }
    store_done(s);
    if (rc < 0) return rc;
    if (rc == 0 || out->role == AUTH_ROLE_NONE || out->scope == AUTH_SCOPE_FULL)
        return err_set(e, ERR_NOT_FOUND, "not a valid token");
    char now[32], stale[32];
    time_format_iso(now_ms, now, sizeof now);
    time_format_iso(now_ms - (int64_t)API_TOKEN_TOUCH_S * 1000, stale, sizeof stale);
    if (strcmp(last_used, stale) < 0) { /* "" (never used) sorts first */
        s = store_prepare(st, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", e);
        if (!s) return -1;
        store_bind_text(s, 1, now);
        store_bind_text(s, 2, out->token_id);
        rc = store_run(s, e);
        store_done(s);
        if (rc < 0) return rc;
    }
    return 0;
}

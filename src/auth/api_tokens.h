/* api_tokens: long-lived tokens for programs that use the JSON API (table api_tokens, migration 5).
 *
 * A token belongs to a user and has a scope (read, submit, admin) that limits it below what the
 * user may do. It is "eb_" and a random token (auth/token.h): shown once when made, stored as a
 * hash, sent as "Authorization: Bearer eb_...". Revoking keeps the row (with revoked_at) so that
 * the list still shows what existed; a disabled user's tokens stop working at once. */
#ifndef EDUBRIDGE_API_TOKENS_H
#define EDUBRIDGE_API_TOKENS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/principal.h"
#include "auth/token.h"
#include "base/arena.h"
#include "base/err.h"
#include "store/audit.h"
#include "store/store.h"

enum {
    API_TOKEN_PREFIX_LEN = 3,                                   /* "eb_" */
    API_TOKEN_TEXT_SIZE = API_TOKEN_PREFIX_LEN + TOKEN_TEXT_SIZE,
    API_TOKEN_NAME_MAX = 100,
    API_TOKEN_TOUCH_S = 60,                                     /* last_used_at written at most once a minute */
};

struct api_token_info {
    const char *id;
    const char *name;
    enum auth_scope scope;
    const char *created_at;
    const char *last_used_at; /* NULL: never used */
    const char *revoked_at;   /* NULL: still valid */
};

/* Makes a token for user_id; the secret goes into token (shown once, never stored), the new
 * row's id into id (may be NULL). scope must not be AUTH_SCOPE_FULL; name is 1-100 bytes. The
 * audit entry token.create (by: who acted, NULL for edubridge itself; the token's id and user,
 * its scope, never the secret) is written in the same transaction. */
int api_token_create(struct store *st, struct arena *a, const char *user_id, const char *name,
                     enum auth_scope scope, const struct audit_actor *by, char token[API_TOKEN_TEXT_SIZE],
                     const char **id, struct err *e);
/* The user's tokens, newest first, strings in a. */
int api_token_list(struct store *st, struct arena *a, const char *user_id, struct api_token_info **out,
                   size_t *count, struct err *e);
/* Revokes the user's token id, with the audit entry token.revoke in the same transaction;
 * ERR_NOT_FOUND when the user has no such token still valid. */
int api_token_revoke(struct store *st, const char *user_id, const char *id, const struct audit_actor *by,
                     int64_t now_ms, struct err *e);
/* What an Authorization header says (RFC 6750): API_BEARER_NONE without one (the request is
 * anonymous), API_BEARER_TOKEN with *token pointing at the credentials after "Bearer" (any case)
 * and its spaces, API_BEARER_MALFORMED for another scheme or none at all. Whether the token is
 * well formed is for api_token_lookup to say. */
enum api_bearer { API_BEARER_NONE, API_BEARER_TOKEN, API_BEARER_MALFORMED };
enum api_bearer api_token_from_header(const char *authorization, const char **token);
/* True when token has the shape of one: "eb_" and a well-formed token (auth/token.h). */
bool api_token_well_formed(const char *token);
/* Fills out (via AUTH_VIA_TOKEN) when token is valid: not revoked, of an enabled user.
 * ERR_NOT_FOUND otherwise. */
int api_token_lookup(struct store *st, struct arena *a, const char *token, int64_t now_ms,
                     struct auth_principal *out, struct err *e);

#endif

/* session: signed-in browsers (table sessions, migration 5).
 *
 * A session is a random token (auth/token.h) in the cookie "sid"; the table holds its hash only,
 * so a copy of the database signs nobody in. Sessions expire when idle: each use moves the expiry
 * on, but the row is written at most once a minute (SESSION_TOUCH_S) so that browsing is not a
 * stream of writes. Sign-in always makes a new session (session_create) and never adopts a token
 * the browser brought, which defeats session fixation. */
#ifndef EDUBRIDGE_SESSION_H
#define EDUBRIDGE_SESSION_H

#include <stdint.h>

#include "auth/principal.h"
#include "auth/token.h"
#include "base/arena.h"
#include "base/err.h"
#include "store/store.h"

enum {
    SESSION_IDLE_DEFAULT_S = 8 * 3600,
    SESSION_TOUCH_S = 60,
};

/* idle_s <= 0 means SESSION_IDLE_DEFAULT_S. */

/* Makes a session for user_id that expires after idle_s seconds without use; the token (to put in
 * the cookie, never stored) is written into token. Expired sessions of anyone are swept here. */
int session_create(struct store *st, const char *user_id, int64_t now_ms, int idle_s,
                   char token[TOKEN_TEXT_SIZE], struct err *e);
/* Fills out (via AUTH_VIA_SESSION, strings in a) when token names a live session of an enabled
 * user, and slides its expiry; ERR_NOT_FOUND otherwise (unknown, expired, malformed, disabled). */
int session_lookup(struct store *st, struct arena *a, const char *token, int64_t now_ms, int idle_s,
                   struct auth_principal *out, struct err *e);
/* Ends the session of token (sign-out); no error when there is none. */
int session_end(struct store *st, const char *token, struct err *e);
/* Sign-out: ends the session of token and records auth.signout by who (its user), in one
 * transaction. */
int session_sign_out(struct store *st, const struct auth_principal *who, const char *token, struct err *e);
/* Ends every session of a user (new password, disabled account). */
int session_end_all(struct store *st, const char *user_id, struct err *e);

#endif

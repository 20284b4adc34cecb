/* reset: one-time links to set a new password (table password_resets, migration 5).
 *
 * A link carries a random token (auth/token.h); the table holds its hash, when it expires (an
 * hour after it was asked for) and when it was used. Using it sets the password, marks every
 * link of that user used, and ends the user's sessions, all in one transaction: a link works once,
 * and a second use (or a race of two) finds it used. */
#ifndef EDUBRIDGE_RESET_H
#define EDUBRIDGE_RESET_H

#include <stdint.h>

#include "auth/token.h"
#include "base/err.h"
#include "store/store.h"

enum {
    RESET_LIFETIME_S = 3600,
    RESET_MIN_INTERVAL_S = 60, /* one new link per account per minute: the outbox is no megaphone */
};

/* Makes a link token for user_id into token. ERR_LIMIT (nothing made) when the user was sent one
 * less than RESET_MIN_INTERVAL_S ago. The caller writes the message in the same transaction. */
int reset_create(struct store *st, const char *user_id, int64_t now_ms, char token[TOKEN_TEXT_SIZE],
                 struct err *e);
/* 0 when token is a link that can still be used at now_ms; ERR_NOT_FOUND otherwise. */
int reset_check(struct store *st, const char *token, int64_t now_ms, struct err *e);
/* Uses the link: sets the new password (which must be acceptable: ERR_INVALID), as described
 * above. ERR_NOT_FOUND when the link is unknown, used or expired; nothing changes then. */
int reset_use(struct store *st, const char *token, const char *new_password, int64_t now_ms, struct err *e);

#endif

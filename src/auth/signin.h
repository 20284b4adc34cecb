/* signin: checking an email and a password, with everything that guards it.
 *
 * In order: the throttle (auth/throttle.h) for the account and for the client's address; the
 * password, verified against the stored hash or, for an unknown or disabled account, against a
 * dummy hash of the same cost, so that both failures take the same time and give the same answer;
 * a failure counted under both keys; on success a rehash when the stored cost is out of date, the
 * account's failures cleared, the session the browser brought (if any) ended and a new one made. */
#ifndef EDUBRIDGE_SIGNIN_H
#define EDUBRIDGE_SIGNIN_H

#include <stdint.h>

#include "auth/token.h"
#include "auth/users.h"
#include "base/arena.h"
#include "base/err.h"
#include "store/store.h"

enum signin_result {
    SIGNIN_OK,
    SIGNIN_FAILED,      /* unknown email, wrong password or disabled account: one answer for all */
    SIGNIN_THROTTLED,   /* too many failures: wait_s seconds before the next try */
};

struct signin_outcome {
    enum signin_result result;
    int64_t wait_s;
    struct user user;               /* SIGNIN_OK */
    char token[TOKEN_TEXT_SIZE];    /* SIGNIN_OK: the new session's token for the cookie */
};

/* client_addr: the address throttled ("-" or NULL when unknown); old_token: the sid the browser
 * sent (NULL when none). Returns 0 with out filled, negative only when the database fails. */
int signin_attempt(struct store *st, struct arena *a, const char *email, const char *password,
                   const char *client_addr, const char *old_token, int64_t now_ms, int idle_s,
                   struct signin_outcome *out, struct err *e);

#endif

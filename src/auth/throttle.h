/* throttle: growing delays after failed sign-ins (table signin_throttle, migration 5).
 *
 * Failures are counted under two keys, the account ("email:ada@example.org", whether or not
 * such an account exists, so that the delay tells nothing) and the client's address
 * ("addr:192.0.2.7"). Under a key's free allowance nothing is delayed; after it, each failure
 * doubles the wait before the next attempt: 2 s, 4 s, 8 s... up to 15 minutes. An address gets a
 * larger allowance than an account, as a school's pupils and teachers may share one address.
 * A successful sign-in clears the account's count (not the address's, else an attacker with one
 * account could clear it between guesses); a count left alone for a day starts again. */
#ifndef EDUBRIDGE_THROTTLE_H
#define EDUBRIDGE_THROTTLE_H

#include <stdint.h>

#include "base/err.h"
#include "store/store.h"

enum {
    THROTTLE_ACCOUNT_FREE = 5,
    THROTTLE_ADDRESS_FREE = 20,
    THROTTLE_MAX_DELAY_S = 15 * 60,
    THROTTLE_FORGET_S = 24 * 3600,
};

/* The wait in seconds after failures failures under a key allowing free: 0 below free, then
 * 2^(failures - free + 1), at most THROTTLE_MAX_DELAY_S. */
int64_t throttle_delay_s(int64_t failures, int free);
/* Seconds still to wait at now_ms before key may try again (0: go ahead). */
int throttle_wait_s(struct store *st, const char *key, int free, int64_t now_ms, int64_t *wait,
                    struct err *e);
/* Counts one failure under key at now_ms. */
int throttle_fail(struct store *st, const char *key, int64_t now_ms, struct err *e);
/* Forgets key's failures. */
int throttle_clear(struct store *st, const char *key, struct err *e);

#endif

/* password: argon2id password hashes (libsodium's crypto_pwhash_str), in the PHC string form
 * "$argon2id$v=19$m=65536,t=2,p=1$salt$hash", which carries its own salt and cost.
 *
 * The cost is process configuration: set once before threads start (tests lower it with
 * password_set_cost to stay fast). A stored hash made with another cost still verifies; the
 * sign-in then stores a new hash at the current cost (password_needs_rehash). */
#ifndef EDUBRIDGE_PASSWORD_H
#define EDUBRIDGE_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

enum {
    PASSWORD_MIN_CHARS = 10,     /* characters (code points), as NIST SP 800-63B counts them */
    PASSWORD_MAX_BYTES = 1024,   /* longer is no safer and only costs hashing time */
    PASSWORD_HASH_SIZE = 128,    /* crypto_pwhash_STRBYTES */
};

/* The default cost: 2 passes over 64 MiB (libsodium's "interactive" level). Measured on the
 * 2-core development machine (libsodium 1.0.18, Debian 12): 97 ms per hash, best of 3; 1 pass
 * took 74 ms and 3 passes 124 ms, so 2 is the setting closest to the 100 ms the issue asks for. */
#define PASSWORD_DEFAULT_OPSLIMIT 2ULL
#define PASSWORD_DEFAULT_MEMLIMIT ((size_t)64 << 20)

/* For tests (and a board with little memory): ops >= 1, mem >= 8 KiB. Not thread-safe: call it
 * before any hashing starts. */
void password_set_cost(unsigned long long opslimit, size_t memlimit);

enum password_problem {
    PASSWORD_OK = 0,
    PASSWORD_TOO_SHORT,
    PASSWORD_TOO_LONG,
    PASSWORD_NOT_TEXT,           /* not UTF-8, or holds control characters */
};
/* Whether pw may be chosen as a new password (length and well-formed text only: a rule about
 * character classes would only make people write "Password1!"). */
enum password_problem password_acceptable(const char *pw);
/* The same as an English sentence for the command line; NULL for PASSWORD_OK. */
const char *password_problem_text(enum password_problem p);

/* Hashes pw into out (NUL-terminated). Fails only when memory for the hash cannot be had. */
int password_hash(const char *pw, char out[PASSWORD_HASH_SIZE], struct err *e);
/* True when pw matches the stored hash. A stored value that is not a hash never matches. */
bool password_verify(const char *stored, const char *pw);
/* Spends the time of one verification against a hash of the current cost and returns false: an
 * unknown email takes as long as a wrong password. */
bool password_verify_dummy(const char *pw);
/* True when the stored hash was made with another cost or algorithm than the current one. */
bool password_needs_rehash(const char *stored);

#endif

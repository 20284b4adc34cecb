#include "auth/password.h"

#include "base/str.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>

static unsigned long long cost_ops = PASSWORD_DEFAULT_OPSLIMIT;
static size_t cost_mem = PASSWORD_DEFAULT_MEMLIMIT;

void password_set_cost(unsigned long long opslimit, size_t memlimit)
{
    cost_ops = opslimit < crypto_pwhash_OPSLIMIT_MIN ? crypto_pwhash_OPSLIMIT_MIN : opslimit;
    cost_mem = memlimit < crypto_pwhash_MEMLIMIT_MIN ? crypto_pwhash_MEMLIMIT_MIN : memlimit;
}

enum password_problem password_acceptable(const char *pw)
{
    size_t n = pw ? strlen(pw) : 0;
    if (n > PASSWORD_MAX_BYTES) return PASSWORD_TOO_LONG;
    if (!str_utf8_valid(pw ? pw : "", n)) return PASSWORD_NOT_TEXT;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)pw[i] < 0x20 || pw[i] == 0x7F) return PASSWORD_NOT_TEXT;
    if (str_utf8_length(pw ? pw : "", n) < PASSWORD_MIN_CHARS) return PASSWORD_TOO_SHORT;
    return PASSWORD_OK;
}

const char *password_problem_text(enum password_problem p)
{
    switch (p) {
    case PASSWORD_OK: return NULL;
    case PASSWORD_TOO_SHORT: return "the password must have at least 10 characters";
    case PASSWORD_TOO_LONG: return "the password must not be longer than 1024 bytes";
    case PASSWORD_NOT_TEXT: return "the password must be text without control characters";
    }
    return "the password cannot be used";
}

int password_hash(const char *pw, char out[PASSWORD_HASH_SIZE], struct err *e)
{
    if (sodium_init() < 0) return err_set(e, ERR_INTERNAL, "the cryptography library cannot start");
    if (crypto_pwhash_str(out, pw, strlen(pw), cost_ops, cost_mem) != 0)
        return err_set(e, ERR_LIMIT, "there is not enough memory to hash a password (%zu MiB)", cost_mem >> 20);
    return 0;
}

bool password_verify(const char *stored, const char *pw)
{
    if (!stored || !pw || strncmp(stored, "$argon2", 7) != 0) return false;
    if (sodium_init() < 0) return false;
    return crypto_pwhash_str_verify(stored, pw, strlen(pw)) == 0;
}

/* One dummy hash per cost, made on first use: a constant would be made with some other cost and
 * be faster or slower to check than real ones. */
static pthread_mutex_t dummy_lock = PTHREAD_MUTEX_INITIALIZER;
static char dummy_hash[PASSWORD_HASH_SIZE];
static unsigned long long dummy_ops;
static size_t dummy_mem;

bool password_verify_dummy(const char *pw)
{
    char stored[PASSWORD_HASH_SIZE];
    pthread_mutex_lock(&dummy_lock);
    if (dummy_ops != cost_ops || dummy_mem != cost_mem || !dummy_hash[0]) {
        unsigned char seed[16];
        char random_pw[33];
        randombytes_buf(seed, sizeof seed);
        sodium_bin2hex(random_pw, sizeof random_pw, seed, sizeof seed);
        if (password_hash(random_pw, dummy_hash, NULL) == 0) {
            dummy_ops = cost_ops;
            dummy_mem = cost_mem;
        } else {
            dummy_hash[0] = '\0';
        }
    }
    memcpy(stored, dummy_hash, sizeof stored);
    pthread_mutex_unlock(&dummy_lock);
    (void)password_verify(stored, pw ? pw : "");
    return false;
}

bool password_needs_rehash(const char *stored)
{
    if (!stored || sodium_init() < 0) return true;
    /* Also 1 for another algorithm (argon2i) and -1 for a string that is no hash at all. */
    return crypto_pwhash_str_needs_rehash(stored, cost_ops, cost_mem) != 0;
}

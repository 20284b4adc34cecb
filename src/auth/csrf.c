#include "auth/csrf.h"

#include <sodium.h>
#include <string.h>

/* A label of its own, so that the value can never equal another keyed hash of the token. */
static const char label[] = "edubridge csrf v1";

void csrf_for_session(const char *session_token, char out[CSRF_TEXT_SIZE])
{
    unsigned char mac[32];
    size_t klen = strlen(session_token);
    if (klen > crypto_generichash_KEYBYTES_MAX) klen = crypto_generichash_KEYBYTES_MAX;
    crypto_generichash(mac, sizeof mac, (const unsigned char *)label, sizeof label - 1,
                       (const unsigned char *)session_token, klen);
    sodium_bin2base64(out, CSRF_TEXT_SIZE, mac, sizeof mac, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

bool csrf_session_ok(const char *session_token, const char *given)
{
    if (!token_well_formed(session_token) || !given) return false;
    char want[CSRF_TEXT_SIZE];
    csrf_for_session(session_token, want);
    return token_equal(want, given);
}

bool csrf_double_submit_ok(const char *cookie, const char *given)
{
    return token_well_formed(cookie) && token_equal(cookie, given);
}

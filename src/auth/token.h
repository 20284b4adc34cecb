/* token: the random secrets of the accounts layer (session cookies, reset links, API tokens) and
 * the one way they are stored.
 *
 * A token is 256 random bits from the kernel (libsodium's randombytes_buf) written as 43
 * characters of unpadded base64url, so that it travels in a cookie, a URL path or a header as is.
 * The database never holds a token: only its hash (BLAKE2b-256, hex). A plain hash suffices
 * because the input is 256 random bits: nothing can be guessed to match it, unlike a password. */
#ifndef EDUBRIDGE_TOKEN_H
#define EDUBRIDGE_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

enum {
    TOKEN_BYTES = 32,
    TOKEN_TEXT_LEN = 43,                   /* base64url of 32 bytes, no padding */
    TOKEN_TEXT_SIZE = TOKEN_TEXT_LEN + 1,
    TOKEN_HASH_SIZE = 65,                  /* 64 hex digits and a NUL */
};

/* Writes a new random token and its NUL into out. */
void token_new(char out[TOKEN_TEXT_SIZE]);
/* True when s has the shape of a token (43 base64url characters): anything else is refused before
 * it reaches the database. */
bool token_well_formed(const char *s);
/* The stored form of a token (of any text, in fact): BLAKE2b-256 as 64 lowercase hex digits. */
void token_hash(const char *token, char out[TOKEN_HASH_SIZE]);
/* Equal strings, compared in time that depends on their lengths only (sodium_memcmp). */
bool token_equal(const char *a, const char *b);

#endif

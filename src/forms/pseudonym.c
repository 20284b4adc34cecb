#include "forms/pseudonym.h"

#include <sodium.h>
#include <string.h>

static int read_key(struct store *st, unsigned char key[PSEUDONYM_KEY_SIZE], struct err *e)
{
    struct store_stmt *s = store_prepare(st, "SELECT value FROM settings WHERE key = 'pseudonym_key'", e);
    if (!s) return -1;
    int rc = store_step(s, e);
    if (rc == 1) {
        const char *hex = store_col_text(s, 0);
        size_t got = 0;
        if (strlen(hex) != 2 * PSEUDONYM_KEY_SIZE ||
            sodium_hex2bin(key, PSEUDONYM_KEY_SIZE, hex, strlen(hex), NULL, &got, NULL) != 0 ||
            got != PSEUDONYM_KEY_SIZE)
            rc = err_set(e, ERR_INTERNAL, "the pseudonym secret in settings is damaged");
    }
    store_done(s);
    return rc;
}

int pseudonym_key(struct store *st, unsigned char key[PSEUDONYM_KEY_SIZE], struct err *e)
{
    if (sodium_init() < 0) return err_set(e, ERR_INTERNAL, "the cryptography library cannot start");
    int rc = read_key(st, key, e);
    if (rc != 0) return rc < 0 ? rc : 0;
    unsigned char fresh[PSEUDONYM_KEY_SIZE];
    char hex[2 * PSEUDONYM_KEY_SIZE + 1];
    randombytes_buf(fresh, sizeof fresh);
    sodium_bin2hex(hex, sizeof hex, fresh, sizeof fresh);
    sodium_memzero(fresh, sizeof fresh);
    struct store_stmt *s = store_prepare(st,
        "INSERT INTO settings (key, value) VALUES ('pseudonym_key', ?) ON CONFLICT (key) DO NOTHING", e);
    if (!s) return -1;
    store_bind_text(s, 1, hex);
    rc = store_run(s, e);
    store_done(s);
    sodium_memzero(hex, sizeof hex);
    if (rc < 0) return rc;
    /* Read back rather than use ours: another connection may have stored its own first. */
    rc = read_key(st, key, e);
    if (rc == 0) return err_set(e, ERR_INTERNAL, "the pseudonym secret could not be stored");
    return rc < 0 ? rc : 0;
}

void pseudonym_of(const unsigned char key[PSEUDONYM_KEY_SIZE], const char *id, char out[PSEUDONYM_TEXT_SIZE])
{
    /* 16 bytes is BLAKE2b's shortest output in libsodium; the first 8 are kept. */
    unsigned char h[crypto_generichash_BYTES_MIN];
    crypto_generichash(h, sizeof h, (const unsigned char *)id, strlen(id), key, PSEUDONYM_KEY_SIZE);
    out[0] = 'p';
    out[1] = '-';
    sodium_bin2hex(out + 2, PSEUDONYM_TEXT_SIZE - 2, h, 8);
}

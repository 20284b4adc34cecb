#include "base/id.h"

#include "base/timeutil.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static void fill_random(void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n) {
        ssize_t got = getrandom(p, n, 0);
        if (got <= 0) abort(); /* no entropy means no safe ids: do not go on */
        p += got;
        n -= (size_t)got;
    }
}

void id_random(void *buf, size_t n)
{
    fill_random(buf, n);
}

void id_from(char out[ID_TEXT_SIZE], int64_t unix_ms, uint16_t counter, const uint8_t random8[8])
{
    uint8_t b[16];
    uint64_t ms = (uint64_t)unix_ms;
    for (int i = 0; i < 6; i++) b[i] = (uint8_t)(ms >> (40 - 8 * i));
    b[6] = (uint8_t)(0x70 | ((counter >> 8) & 0x0F));
    b[7] = (uint8_t)counter;
    memcpy(b + 8, random8, 8);
    b[8] = (uint8_t)(0x80 | (b[8] & 0x3F));
    static const char hex[] = "0123456789abcdef";
    char *o = out;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) *o++ = '-';
        *o++ = hex[b[i] >> 4];
        *o++ = hex[b[i] & 15];
    }
    *o = '\0';
}

void id_new(char out[ID_TEXT_SIZE])
{
    static _Thread_local int64_t last_ms = -1;
    static _Thread_local uint16_t counter;
    int64_t now = time_now_ms();
    if (now > last_ms) {
        uint16_t seed;
        fill_random(&seed, sizeof seed);
        counter = seed & 0x07FF; /* leave headroom to count up within this millisecond */
        last_ms = now;
    } else if (++counter > 0x0FFF) {
        /* Counter spent (4096 ids in a millisecond on one thread) or the clock went back:
         * borrow the next millisecond so that order still holds. */
        last_ms++;
        counter = 0;
    }
    uint8_t rnd[8];
    fill_random(rnd, sizeof rnd);
    id_from(out, last_ms, counter, rnd);
}

bool id_valid(const char *s)
{
    if (!s || strlen(s) != ID_TEXT_LEN) return false;
    for (int i = 0; i < ID_TEXT_LEN; i++) {
        char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') return false;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

int64_t id_time_ms(const char *s)
{
    if (!id_valid(s) || s[14] != '7') return -1;
    int64_t ms = 0;
    for (int i = 0; i < 13; i++) {
        if (s[i] == '-') continue;
        char c = s[i];
        ms = ms * 16 + (c <= '9' ? c - '0' : c - 'a' + 10);
    }
    return ms;
}

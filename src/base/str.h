/* str: growable byte buffers and small string helpers.
 *
 * A strbuf either grows in an arena (request-scoped text: the page being rendered) or on the heap
 * (long-lived text; the owner calls strbuf_free). Its data is always NUL-terminated. */
#ifndef EDUBRIDGE_STR_H
#define EDUBRIDGE_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;

struct strbuf {
    char *data;
    size_t len;
    size_t cap;
    struct arena *arena; /* NULL: heap */
};

void strbuf_init(struct strbuf *sb, struct arena *arena, size_t initial);
void strbuf_reserve(struct strbuf *sb, size_t extra);
void strbuf_append(struct strbuf *sb, const void *data, size_t len);
void strbuf_puts(struct strbuf *sb, const char *s);
void strbuf_putc(struct strbuf *sb, char c);
void strbuf_put_uint(struct strbuf *sb, uint64_t n); /* decimal, without printf's cost */
void strbuf_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_reset(struct strbuf *sb);
void strbuf_free(struct strbuf *sb);  /* heap buffers only */

/* UTF-8: true when the n bytes are well-formed UTF-8 (no overlongs, no surrogates). */
bool str_utf8_valid(const char *s, size_t n);
/* Number of code points in well-formed UTF-8. */
size_t str_utf8_length(const char *s, size_t n);

bool str_starts_with(const char *s, const char *prefix);
bool str_ends_with(const char *s, const char *suffix);
bool str_eq_nocase(const char *a, const char *b);
/* Trims ASCII white space at both ends, in place; returns s. */
char *str_trim(char *s);

/* Percent-decoding for URLs and form bodies; plus_as_space for application/x-www-form-urlencoded.
 * Returns a NUL-terminated copy in the arena, or NULL when an escape is malformed. */
char *str_url_decode(struct arena *a, const char *s, size_t n, bool plus_as_space);
/* Percent-encodes everything but RFC 3986 unreserved characters. */
void str_url_encode(struct strbuf *sb, const char *s);

/* Strict decimal parse of the whole string into [min, max]; false on anything else. */
bool str_to_int64(const char *s, int64_t min, int64_t max, int64_t *out);

#endif

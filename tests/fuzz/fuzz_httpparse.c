/* libFuzzer target for http/params.
 *
 * The whole input is parsed as an urlencoded body (exactly size bytes, not NUL-terminated, so
 * ASan sees any read past the end), then as a Cookie header and as an Accept-Encoding header
 * (NUL-terminated copies). Each run has a fresh arena.
 *
 * Invariants: an urlencoded success gives at most PARAMS_MAX pairs whose names and values are
 * NUL-terminated valid UTF-8, and encoding them again parses back to the same pairs; a failure is
 * ERR_INVALID or ERR_LIMIT with a message that is valid UTF-8. Cookies have non-empty names
 * without '=', ';' or surrounding blanks. Accept-Encoding answers the same twice, says yes only
 * when "gzip" or "*" appears, and always says yes once "gzip," is put in front. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/arena.h"
#include "base/str.h"
#include "http/params.h"

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                   \
        }                                                                              \
    } while (0)

static void check_text(const char *s)
{
    CHECK(s);
    CHECK(str_utf8_valid(s, strlen(s)));
}

static void fuzz_urlencoded(struct arena *a, const char *data, size_t size)
{
    struct http_params p;
    struct err e;
    err_clear(&e);
    int rc = params_parse_urlencoded(a, data, size, &p, &e);
    if (rc != 0) {
        CHECK(rc == ERR_INVALID || rc == ERR_LIMIT);
        CHECK(e.code == rc);
        CHECK(e.msg[0]);
        check_text(e.msg);
        return;
    }
    CHECK(p.count <= PARAMS_MAX);
    CHECK(2 * p.count <= size + 1); /* a pair is a byte at least, with '&' between */
    CHECK(p.count == 0 || p.items);
    for (size_t i = 0; i < p.count; i++) {
        check_text(p.items[i].name);
        check_text(p.items[i].value);
    }
    /* Encode what came out, parse it again: the same pairs, in the same order. */
    struct strbuf sb;
    strbuf_init(&sb, a, size + 16);
    for (size_t i = 0; i < p.count; i++) {
        if (i) strbuf_putc(&sb, '&');
        str_url_encode(&sb, p.items[i].name);
        strbuf_putc(&sb, '=');
        str_url_encode(&sb, p.items[i].value);
    }
    struct http_params q;
    rc = params_parse_urlencoded(a, sb.data, sb.len, &q, &e);
    CHECK(rc == 0);
    /* An empty name with an empty value encodes to "=", which parses back the same. */
    CHECK(q.count == p.count);
    for (size_t i = 0; i < p.count; i++) {
        CHECK(strcmp(p.items[i].name, q.items[i].name) == 0);
        CHECK(strcmp(p.items[i].value, q.items[i].value) == 0);
    }
}

static void fuzz_cookies(struct arena *a, const char *header)
{
    struct http_params p;
    params_parse_cookies(a, header, &p);
    CHECK(p.count <= PARAMS_MAX);
    for (size_t i = 0; i < p.count; i++) {
        const char *n = p.items[i].name, *v = p.items[i].value;
        CHECK(n && v);
        size_t nl = strlen(n);
        CHECK(nl > 0);
        CHECK(!strchr(n, '=') && !strchr(n, ';') && !strchr(v, ';'));
        CHECK(n[0] != ' ' && n[0] != '\t' && n[nl - 1] != ' ' && n[nl - 1] != '\t');
        /* both are pieces of the header */
        CHECK(strstr(header, n));
        CHECK(nl + strlen(v) + 1 <= strlen(header));
    }
}

static bool contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0) return true;
    return false;
}

static void fuzz_accept_encoding(struct arena *a, const char *header)
{
    bool yes = params_accepts_gzip(header);
    CHECK(yes == params_accepts_gzip(header));
    if (yes) CHECK(contains_nocase(header, "gzip") || strchr(header, '*'));
    char *prefixed = arena_printf(a, "gzip,%s", header);
    CHECK(params_accepts_gzip(prefixed));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena a;
    arena_init(&a, 4096);
    fuzz_urlencoded(&a, (const char *)data, size);
    char *text = arena_strndup(&a, (const char *)data, size); /* as a header: up to a NUL */
    fuzz_cookies(&a, text);
    fuzz_accept_encoding(&a, text);
    arena_free(&a);
    return 0;
}

/* libFuzzer target for http/multipart.
 *
 * Input: byte 0 picks where the body is split in two, byte 1 picks options (bit 0: tight limits),
 * the rest is the body, parsed with the boundary "bnd". The body is parsed whole, in two pieces
 * and byte by byte; all three must tell the receiver the same things and end with the same
 * error. The whole input is also tried as a Content-Type value for multipart_boundary. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/str.h"
#include "http/multipart.h"

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                   \
        }                                                                              \
    } while (0)

struct rec {
    struct strbuf log;  /* "<B name|file|type>" data... "<E>", as in the unit tests */
    bool in_part;
    size_t begins, ends, data_bytes;
};

static int on_begin(void *ctx, const struct multipart_part_info *info)
{
    struct rec *r = ctx;
    CHECK(!r->in_part);
    CHECK(info->name && info->name[0]);
    CHECK(info->content_type && info->content_type[0]);
    CHECK(str_utf8_valid(info->name, strlen(info->name)));
    CHECK(!info->filename || str_utf8_valid(info->filename, strlen(info->filename)));
    r->in_part = true;
    r->begins++;
    strbuf_printf(&r->log, "<B %s|%s|%s>", info->name, info->filename ? info->filename : "-",
                  info->content_type);
    return 0;
}

static int on_data(void *ctx, const char *data, size_t len)
{
    struct rec *r = ctx;
    CHECK(r->in_part);
    CHECK(len > 0);
    strbuf_append(&r->log, data, len);
    r->data_bytes += len;
    return 0;
}

static int on_end(void *ctx)
{
    struct rec *r = ctx;
    CHECK(r->in_part);
    r->in_part = false;
    r->ends++;
    strbuf_puts(&r->log, "<E>");
    return 0;
}

struct outcome {
    struct rec r;
    int rc;
    struct err e;
};

/* Feeds body[0, split) then body[split, n); step 0 feeds each in one piece, else step bytes at a time. */
static void parse(const char *body, size_t n, size_t split, size_t step,
                  const struct multipart_limits *lim, struct outcome *o)
{
    memset(o, 0, sizeof *o);
    strbuf_init(&o->r.log, NULL, 64);
    struct multipart_callbacks cb = {on_begin, on_data, on_end, &o->r};
    struct multipart_parser *p = multipart_new("bnd", &cb, lim);
    CHECK(p);
    size_t off = 0;
    while (o->rc == 0 && off < n) {
        size_t end = off < split ? split : n;
        size_t k = step && step < end - off ? step : end - off;
        o->rc = multipart_feed(p, body + off, k, &o->e);
        off += k;
    }
    if (o->rc == 0) {
        o->rc = multipart_finish(p, &o->e);
    } else {
        /* Once failed, the parser refuses everything, with the same error. */
        struct err again;
        size_t begins = o->r.begins;
        CHECK(multipart_feed(p, "--bnd\r\n", 7, &again) == o->rc);
        CHECK(strcmp(again.msg, o->e.msg) == 0);
        CHECK(multipart_finish(p, &again) == o->rc);
        CHECK(o->r.begins == begins);
    }
    CHECK(o->rc <= 0);
    if (o->rc == 0) {
        CHECK(!o->r.in_part);
        CHECK(o->r.begins == o->r.ends);
        CHECK(o->r.data_bytes <= n);
    } else {
        CHECK(o->e.code == o->rc && o->e.msg[0]);
    }
    multipart_free(p);
}

static void check_same(const struct outcome *a, const struct outcome *b)
{
    CHECK(a->rc == b->rc);
    CHECK(strcmp(a->e.msg, b->e.msg) == 0 || a->rc == 0);
    CHECK(a->r.log.len == b->r.log.len);
    CHECK(memcmp(a->r.log.data, b->r.log.data, a->r.log.len) == 0);
    CHECK(a->r.begins == b->r.begins && a->r.ends == b->r.ends);
}

static void fuzz_boundary(const uint8_t *data, size_t size)
{
    char *ct = malloc(size + 1);
    CHECK(ct);
    memcpy(ct, data, size);
    ct[size] = '\0';
    struct err e;
    err_clear(&e);
    char *b = multipart_boundary(ct, &e);
    if (b) {
        size_t n = strlen(b);
        CHECK(n >= 1 && n <= 70);
        /* What multipart_boundary accepts, the parser must accept too. */
        struct multipart_parser *p = multipart_new(b, NULL, NULL);
        CHECK(p);
        multipart_free(p);
        free(b);
    } else {
        CHECK(e.code != ERR_NONE && e.msg[0]);
    }
    free(ct);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_boundary(data, size);
    if (size < 2) return 0;
    const char *body = (const char *)data + 2;
    size_t n = size - 2;
    size_t split = (size_t)data[0] * n / 255;
    struct multipart_limits tight = {3, 64};
    const struct multipart_limits *lim = (data[1] & 1) ? &tight : NULL;

    struct outcome whole, halves, bytes;
    parse(body, n, 0, 0, lim, &whole);
    parse(body, n, split, 0, lim, &halves);
    parse(body, n, 0, 1, lim, &bytes);
    check_same(&whole, &halves);
    check_same(&whole, &bytes);
    strbuf_free(&whole.r.log);
    strbuf_free(&halves.r.log);
    strbuf_free(&bytes.r.log);
    return 0;
}

#include "http/compress.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static size_t deflate_into(const void *data, size_t len, int level, unsigned char *buf, size_t cap)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    /* windowBits 15 + 16 asks zlib for a gzip wrapper; memLevel 8 is zlib's default. */
    if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return 0;
    zs.next_in = (unsigned char *)data;
    zs.avail_in = (uInt)len;
    zs.next_out = buf;
    zs.avail_out = (uInt)cap;
    int rc = deflate(&zs, Z_FINISH);
    size_t out = zs.total_out;
    deflateEnd(&zs);
    return rc == Z_STREAM_END ? out : 0;
}

struct gzip_stream {
    z_stream zs;
};

struct gzip_stream *gzip_stream_new(int level)
{
    struct gzip_stream *gz = calloc(1, sizeof *gz);
    if (!gz) abort();
    /* windowBits 15 + 16 asks zlib for a gzip wrapper; memLevel 8 is zlib's default. */
    if (deflateInit2(&gz->zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        free(gz);
        return NULL;
    }
    return gz;
}

void gzip_stream_free(struct gzip_stream *gz)
{
    if (!gz) return;
    deflateEnd(&gz->zs);
    free(gz);
}

size_t compress_gzip(struct gzip_stream *gz, struct arena *a, const void *data, size_t len, void **out)
{
    size_t cap = compressBound((uLong)len) + 32; /* + gzip header and trailer */
    unsigned char *buf = arena_alloc(a, cap);
    *out = buf;
    if (!gz) return deflate_into(data, len, 6, buf, cap);
    if (deflateReset(&gz->zs) != Z_OK) return 0;
    gz->zs.next_in = (unsigned char *)data;
    gz->zs.avail_in = (uInt)len;
    gz->zs.next_out = buf;
    gz->zs.avail_out = (uInt)cap;
    int rc = deflate(&gz->zs, Z_FINISH);
    return rc == Z_STREAM_END ? gz->zs.total_out : 0;
}

size_t compress_gzip_heap(const void *data, size_t len, int level, void **out)
{
    size_t cap = compressBound((uLong)len) + 32;
    unsigned char *buf = malloc(cap);
    if (!buf) abort();
    size_t n = deflate_into(data, len, level, buf, cap);
    if (!n) {
        free(buf);
        buf = NULL;
    }
    *out = buf;
    return n;
}

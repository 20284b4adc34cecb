/* compress: gzip for responses (RFC 1952), the encoding every browser reads. */
#ifndef EDUBRIDGE_COMPRESS_H
#define EDUBRIDGE_COMPRESS_H

#include <stddef.h>

#include "base/arena.h"

/* A deflate state to reuse: setting one up costs ~256 KiB of allocations, more than compressing a
 * page, so each worker keeps one and resets it between responses. Owned by its creator. */
struct gzip_stream;
struct gzip_stream *gzip_stream_new(int level);
void gzip_stream_free(struct gzip_stream *gz);

/* Compresses len bytes into a new arena buffer with gz (NULL: a one-off state at level 6).
 * Returns its length, or 0 on failure. */
size_t compress_gzip(struct gzip_stream *gz, struct arena *a, const void *data, size_t len, void **out);
/* The same, into a malloc'd buffer the caller frees (long-lived static assets). */
size_t compress_gzip_heap(const void *data, size_t len, int level, void **out);

#endif

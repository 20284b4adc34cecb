/* compress: gzip for responses (RFC 1952), the encoding every browser reads. */
#ifndef EDUBRIDGE_COMPRESS_H
#define EDUBRIDGE_COMPRESS_H

#include <stddef.h>

#include "base/arena.h"

/* Compresses len bytes into a new arena buffer. Returns its length, or 0 on failure. */
size_t compress_gzip(struct arena *a, const void *data, size_t len, int level, void **out);
/* The same, into a malloc'd buffer the caller frees (long-lived static assets). */
size_t compress_gzip_heap(const void *data, size_t len, int level, void **out);

#endif

#include "base/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct arena_chunk {
    struct arena_chunk *prev;
    size_t size;  /* usable bytes in data[] */
    size_t used;
    max_align_t data[];
};

enum { ARENA_ALIGN = _Alignof(max_align_t) };

static struct arena_chunk *chunk_new(size_t size)
{
    struct arena_chunk *c = malloc(sizeof *c + size);
    if (!c) {
        fputs("edubridge: out of memory\n", stderr);
        abort();
    }
    c->prev = NULL;
    c->size = size;
    c->used = 0;
    return c;
}

void arena_init(struct arena *a, size_t chunk_size)
{
    a->head = NULL;
    a->chunk_size = chunk_size ? chunk_size : 16 * 1024;
    a->allocated = 0;
}

void *arena_alloc(struct arena *a, size_t size)
{
    size_t need = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (need < size) abort(); /* overflow */
    struct arena_chunk *c = a->head;
    if (!c || c->size - c->used < need) {
        /* A large request gets a chunk of its own, placed behind the current one so that the
         * current chunk's free space stays usable for the small allocations that follow. */
        if (need > a->chunk_size / 4 && c) {
            struct arena_chunk *big = chunk_new(need);
            big->used = need;
            big->prev = c->prev;
            c->prev = big;
            a->allocated += need;
            return big->data;
        }
        size_t sz = need > a->chunk_size ? need : a->chunk_size;
        c = chunk_new(sz);
        c->prev = a->head;
        a->head = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += need;
    a->allocated += need;
    return p;
}

void *arena_calloc(struct arena *a, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size) abort();
    void *p = arena_alloc(a, count * size);
    memset(p, 0, count * size);
    return p;
}

void *arena_memdup(struct arena *a, const void *p, size_t n)
{
    void *q = arena_alloc(a, n ? n : 1);
    if (n) memcpy(q, p, n);
    return q;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    char *q = arena_alloc(a, n + 1);
    memcpy(q, s, n);
    q[n] = '\0';
    return q;
}

char *arena_strdup(struct arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
    /* GCC 12 at -O2 with -fsanitize=undefined sees a path with a NULL fmt (from the nonnull check
     * it inserts) and fails the build with "null format string": end that path here. */
    if (!fmt) abort();
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    char *q = arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(q, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return q;
}

void arena_reset(struct arena *a)
{
    /* Keep the oldest ordinary chunk: it is the one every request needs. One-off large chunks go,
     * wherever they sit: a large chunk is linked behind the head, so it can be the oldest, and a
     * worker must not hold one request's upload-sized chunk for the rest of its life. */
    struct arena_chunk *keep = NULL;
    for (struct arena_chunk *c = a->head; c; c = c->prev)
        if (c->size == a->chunk_size) keep = c;
    struct arena_chunk *c = a->head;
    while (c) {
        struct arena_chunk *prev = c->prev;
        if (c != keep) free(c);
        c = prev;
    }
    if (keep) {
        keep->used = 0;
        keep->prev = NULL;
    }
    a->head = keep;
    a->allocated = 0;
}

void arena_free(struct arena *a)
{
    struct arena_chunk *c = a->head;
    while (c) {
        struct arena_chunk *prev = c->prev;
        free(c);
        c = prev;
    }
    a->head = NULL;
    a->allocated = 0;
}

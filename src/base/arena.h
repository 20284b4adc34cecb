/* arena: a region allocator for data that dies together (one request, one import).
 *
 * Allocations are bump-pointer from chunks; nothing is freed one by one. arena_reset() frees every
 * chunk but the first so a worker can reuse one arena for request after request without touching
 * malloc on the hot path; arena_free() releases everything. Memory returned by arena_* is owned by
 * the arena. Allocation failure aborts: a server out of memory cannot answer anyway. */
#ifndef EDUBRIDGE_ARENA_H
#define EDUBRIDGE_ARENA_H

#include <stddef.h>

struct arena_chunk;

struct arena {
    struct arena_chunk *head;   /* newest chunk, where allocation happens */
    size_t chunk_size;          /* size of ordinary chunks */
    size_t allocated;           /* bytes handed out since the last reset, for statistics */
};

void arena_init(struct arena *a, size_t chunk_size);
void *arena_alloc(struct arena *a, size_t size);            /* aligned for any type, uninitialised */
void *arena_calloc(struct arena *a, size_t count, size_t size);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
void *arena_memdup(struct arena *a, const void *p, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void arena_reset(struct arena *a);
void arena_free(struct arena *a);

#endif

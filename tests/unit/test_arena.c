/* Tests for base/arena: alignment, chunk boundaries, one-off large chunks, reset and reuse, and
 * the copying helpers. ASan (the asan build) checks that nothing leaks or overruns. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdalign.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"

static bool aligned(const void *p)
{
    return ((uintptr_t)p % alignof(max_align_t)) == 0;
}

/* Every size from 0 to 3 * chunk size, in several chunk sizes: each block is aligned, writable to
 * its full size, and does not overlap any other (checked by filling with a pattern and reading all
 * back at the end). */
static void test_alignment_every_size(void **state)
{
    (void)state;
    static const size_t chunk_sizes[] = {0, 64, 100, 1000, 4096};
    for (size_t c = 0; c < sizeof chunk_sizes / sizeof chunk_sizes[0]; c++) {
        struct arena a;
        arena_init(&a, chunk_sizes[c]);
        enum { N = 400 };
        unsigned char *blocks[N];
        size_t sizes[N];
        for (size_t i = 0; i < N; i++) {
            sizes[i] = i * 3 % 257;
            blocks[i] = arena_alloc(&a, sizes[i]);
            assert_non_null(blocks[i]);
            assert_true(aligned(blocks[i]));
            memset(blocks[i], (int)(i & 0xFF), sizes[i]);
        }
        for (size_t i = 0; i < N; i++)
            for (size_t k = 0; k < sizes[i]; k++) assert_int_equal(blocks[i][k], i & 0xFF);
        arena_free(&a);
        assert_null(a.head);
        assert_int_equal(a.allocated, 0);
    }
}

static void test_default_chunk_size(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 0);
    assert_int_equal(a.chunk_size, 16 * 1024);
    assert_null(a.head);
    arena_free(&a); /* freeing an unused arena is fine */
    arena_init(&a, 512);
    assert_int_equal(a.chunk_size, 512);
    arena_free(&a);
}

/* Many small allocations spill over many chunks; all stay intact. */
static void test_many_small_across_chunks(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 256);
    enum { N = 10000 };
    uint32_t **p = malloc(N * sizeof *p);
    assert_non_null(p);
    for (uint32_t i = 0; i < N; i++) {
        p[i] = arena_alloc(&a, sizeof(uint32_t) * 3);
        assert_true(aligned(p[i]));
        p[i][0] = i;
        p[i][1] = ~i;
        p[i][2] = i * 2654435761u;
    }
    for (uint32_t i = 0; i < N; i++) {
        assert_int_equal(p[i][0], i);
        assert_int_equal(p[i][1], ~i);
        assert_int_equal(p[i][2], i * 2654435761u);
    }
    assert_true(a.allocated >= (size_t)N * 12);
    free(p);
    arena_free(&a);
}

/* A request bigger than the chunk size gets a chunk of its own, both as the first allocation and
 * in the middle; the small allocations after it still work, and the current chunk's free space is
 * still used (the next small block lands right after the previous small one). */
static void test_large_allocation(void **state)
{
    (void)state;
    static const size_t big_sizes[] = {300, 1024, 4097, 100000, 1u << 22};
    for (size_t b = 0; b < sizeof big_sizes / sizeof big_sizes[0]; b++) {
        struct arena a;
        arena_init(&a, 1024);
        /* First allocation large. */
        unsigned char *first = arena_alloc(&a, big_sizes[b]);
        assert_true(aligned(first));
        memset(first, 0xA5, big_sizes[b]);

        char *s1 = arena_alloc(&a, 16);
        memcpy(s1, "before the big.", 16);
        unsigned char *big = arena_alloc(&a, big_sizes[b]);
        assert_true(aligned(big));
        memset(big, 0x5A, big_sizes[b]);
        char *s2 = arena_alloc(&a, 16);
        assert_true(aligned(s2));
        memcpy(s2, "after the big..", 16);
        if (big_sizes[b] >= a.chunk_size) {
            /* The big block went to its own chunk: s2 follows s1 in the ordinary chunk. */
            assert_ptr_equal(s2, s1 + 16);
        }
        for (int i = 0; i < 100; i++) {
            char *t = arena_printf(&a, "small %d", i);
            assert_string_equal(t, arena_printf(&a, "small %d", i));
        }
        for (size_t i = 0; i < big_sizes[b]; i++) {
            if (first[i] != 0xA5 || big[i] != 0x5A) fail_msg("large block overwritten at %zu", i);
        }
        assert_string_equal(s1, "before the big.");
        assert_string_equal(s2, "after the big..");
        arena_free(&a);
    }
}

/* After a reset the arena hands out the memory of its first ordinary chunk again, whatever came
 * between (large one-offs included), and everything else is freed (ASan's leak check). */
static void test_reset_reuses_memory(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 1024);
    void *first = arena_alloc(&a, 32);
    for (int round = 0; round < 50; round++) {
        /* a request: a large block while the first chunk is still the newest (it is linked
         * behind it), small blocks that spill into more chunks, more large ones */
        memset(arena_alloc(&a, 5000), 1, 5000);
        for (int i = 0; i < 200; i++) memset(arena_alloc(&a, 40), i, 40);
        memset(arena_alloc(&a, 600), 2, 600);   /* above chunk_size / 4, below chunk_size */
        memset(arena_alloc(&a, 100000), 3, 100000);
        arena_reset(&a);
        assert_int_equal(a.allocated, 0);
        void *again = arena_alloc(&a, 32);
        assert_ptr_equal(again, first);
    }
    arena_free(&a);
}

/* The first allocation of a fresh arena is large: after a reset the arena must not keep that
 * one-off chunk as its working chunk (a worker would hold it for ever). */
static void test_reset_after_large_first(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 1024);
    memset(arena_alloc(&a, 1 << 20), 7, 1 << 20);
    arena_reset(&a);
    assert_int_equal(a.allocated, 0);
    /* Blocks of half a chunk: two fit in an ordinary chunk, the third cannot follow them. Had the
     * 1 MiB chunk been kept, all three would sit side by side in it. */
    char *b0 = arena_alloc(&a, 512), *b1 = arena_alloc(&a, 512), *b2 = arena_alloc(&a, 512);
    assert_ptr_equal(b1, b0 + 512);
    assert_ptr_not_equal(b2, b1 + 512);
    memset(b0, 1, 512);
    memset(b1, 2, 512);
    memset(b2, 3, 512);
    arena_reset(&a);
    char *p = arena_strdup(&a, "reused");
    assert_string_equal(p, "reused");
    assert_ptr_equal(p, b0); /* the ordinary chunk is kept */
    char *q = arena_alloc(&a, 100);
    assert_ptr_equal(q, p + 16); /* "reused\0" rounded up to the alignment */
    arena_free(&a);
}

static void test_reset_empty_and_twice(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 128);
    arena_reset(&a);
    arena_reset(&a);
    assert_null(a.head);
    char *p = arena_strdup(&a, "after reset");
    assert_string_equal(p, "after reset");
    arena_reset(&a);
    arena_reset(&a);
    assert_ptr_equal(arena_strdup(&a, "again"), p);
    arena_free(&a);
    arena_free(&a); /* idempotent */
}

static void test_strdup_strndup(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 64);
    static const char *const texts[] = {"", "a", "hello, world", "ünïcødé ✓ 漢字",
                                        "a string longer than the sixty-four byte chunk size of this arena!"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        char *d = arena_strdup(&a, texts[i]);
        assert_ptr_not_equal(d, texts[i]);
        assert_string_equal(d, texts[i]);
        assert_true(aligned(d));
    }
    /* strndup stops at n and terminates, even in the middle of the source */
    char *n = arena_strndup(&a, "abcdef", 3);
    assert_string_equal(n, "abc");
    assert_string_equal(arena_strndup(&a, "abcdef", 0), "");
    assert_string_equal(arena_strndup(&a, "abcdef", 6), "abcdef");
    /* not NUL-terminated input: only n bytes are read */
    char raw[4] = {'w', 'x', 'y', 'z'};
    assert_string_equal(arena_strndup(&a, raw, 4), "wxyz");
    arena_free(&a);
}

static void test_printf(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 64);
    assert_string_equal(arena_printf(&a, "%d-%s-%c", 42, "x", 'y'), "42-x-y");
    assert_string_equal(arena_printf(&a, "%s", ""), "");
    assert_string_equal(arena_printf(&a, "%lld", (long long)INT64_MIN), "-9223372036854775808");
    /* longer than a chunk */
    char *long_text = arena_printf(&a, "%0200d|%s", 7, "end");
    assert_int_equal(strlen(long_text), 204);
    assert_int_equal(long_text[199], '7');
    assert_string_equal(long_text + 200, "|end");
    arena_free(&a);
}

static void test_memdup(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 64);
    const unsigned char bytes[] = {0, 1, 2, 0, 255, 0x80, 0};
    unsigned char *d = arena_memdup(&a, bytes, sizeof bytes);
    assert_memory_equal(d, bytes, sizeof bytes);
    assert_true(aligned(d));
    void *z = arena_memdup(&a, bytes, 0); /* a valid, distinct pointer even for nothing */
    assert_non_null(z);
    int big[100];
    for (int i = 0; i < 100; i++) big[i] = i * i;
    int *bd = arena_memdup(&a, big, sizeof big);
    assert_memory_equal(bd, big, sizeof big);
    arena_free(&a);
}

/* calloc zeroes, also memory that was dirty before a reset. */
static void test_calloc_zeroes(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 256);
    for (int i = 0; i < 20; i++) memset(arena_alloc(&a, 200), 0xFF, 200);
    arena_reset(&a);
    static const size_t shapes[][2] = {{1, 1}, {10, 8}, {3, 100}, {1000, 4}, {0, 16}, {16, 0}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        size_t n = shapes[s][0] * shapes[s][1];
        unsigned char *p = arena_calloc(&a, shapes[s][0], shapes[s][1]);
        assert_non_null(p);
        assert_true(aligned(p));
        for (size_t i = 0; i < n; i++) assert_int_equal(p[i], 0);
    }
    arena_free(&a);
}

/* allocated counts bytes handed out (rounded up to the alignment) since the last reset. */
static void test_allocated_statistic(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 1024);
    arena_alloc(&a, 1);
    assert_int_equal(a.allocated, alignof(max_align_t));
    arena_alloc(&a, alignof(max_align_t) + 1);
    assert_int_equal(a.allocated, 3 * alignof(max_align_t));
    arena_alloc(&a, 4096);
    assert_int_equal(a.allocated, 3 * alignof(max_align_t) + 4096);
    arena_reset(&a);
    assert_int_equal(a.allocated, 0);
    arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alignment_every_size),
        cmocka_unit_test(test_default_chunk_size),
        cmocka_unit_test(test_many_small_across_chunks),
        cmocka_unit_test(test_large_allocation),
        cmocka_unit_test(test_reset_reuses_memory),
        cmocka_unit_test(test_reset_after_large_first),
        cmocka_unit_test(test_reset_empty_and_twice),
        cmocka_unit_test(test_strdup_strndup),
        cmocka_unit_test(test_printf),
        cmocka_unit_test(test_memdup),
        cmocka_unit_test(test_calloc_zeroes),
        cmocka_unit_test(test_allocated_statistic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

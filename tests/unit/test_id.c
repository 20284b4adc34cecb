/* Tests for base/id: the UUIDv7 text format, validation, the time round trip, deterministic ids,
 * and the order and uniqueness of ids made in a burst (one thread and several). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/id.h"
#include "base/timeutil.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static bool is_lower_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* 8-4-4-4-12 lowercase hex, version 7, RFC 9562 variant (10xx). */
static void check_format(const char *id)
{
    assert_int_equal(strlen(id), ID_TEXT_LEN);
    for (int i = 0; i < ID_TEXT_LEN; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) assert_int_equal(id[i], '-');
        else if (!is_lower_hex(id[i])) fail_msg("'%s': not lowercase hex at %d", id, i);
    }
    assert_int_equal(id[14], '7');
    assert_non_null(strchr("89ab", id[19]));
    assert_true(id_valid(id));
}

static void test_format_of_new(void **state)
{
    (void)state;
    for (int i = 0; i < 1000; i++) {
        char id[ID_TEXT_SIZE];
        memset(id, 'Z', sizeof id);
        id_new(id);
        assert_int_equal(id[ID_TEXT_LEN], '\0');
        check_format(id);
    }
}

/* The example of RFC 9562 appendix A.6: 2022-02-22 19:22:22 UTC, rand_a 0xCC3,
 * rand_b 0x18C4DC0C0C07398F. */
static void test_rfc_vector(void **state)
{
    (void)state;
    const uint8_t rnd[8] = {0x18, 0xC4, 0xDC, 0x0C, 0x0C, 0x07, 0x39, 0x8F};
    char id[ID_TEXT_SIZE];
    id_from(id, 0x017F22E279B0, 0xCC3, rnd);
    assert_string_equal(id, "017f22e2-79b0-7cc3-98c4-dc0c0c07398f");
    assert_int_equal(id_time_ms(id), 0x017F22E279B0);
}

static void test_from_deterministic(void **state)
{
    (void)state;
    static const struct {
        int64_t ms;
        uint16_t counter;
        uint8_t rnd[8];
        const char *want;
    } cases[] = {
        {0, 0, {0, 0, 0, 0, 0, 0, 0, 0}, "00000000-0000-7000-8000-000000000000"},
        {1, 1, {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, "00000000-0001-7001-bfff-ffffffffffff"},
        {0xFFFFFFFFFFFF, 0xFFF, {0x40, 1, 2, 3, 4, 5, 6, 7}, "ffffffff-ffff-7fff-8001-020304050607"},
        /* only the low 12 bits of the counter are used */
        {1700000000000, 0xF123, {0xC0, 0xAB, 0xCD, 0xEF, 0x01, 0x23, 0x45, 0x67}, "018bcfe5-6800-7123-80ab-cdef01234567"},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        char a[ID_TEXT_SIZE], b[ID_TEXT_SIZE];
        id_from(a, cases[i].ms, cases[i].counter, cases[i].rnd);
        id_from(b, cases[i].ms, cases[i].counter, cases[i].rnd);
        assert_string_equal(a, b);
        assert_string_equal(a, cases[i].want);
        check_format(a);
        assert_int_equal(id_time_ms(a), cases[i].ms);
    }
}

static void test_time_round_trip(void **state)
{
    (void)state;
    static const int64_t times[] = {
        0, 1, 255, 256, 65535, 1000000, 1645557742000, 1767225600000, /* 2026-01-01 */
        4102444800000, /* 2100-01-01 */ 0xFFFFFFFFFFFF,
    };
    const uint8_t rnd[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    for (size_t i = 0; i < COUNT(times); i++) {
        for (uint16_t c = 0; c < 0x1000; c += 0x3FF) {
            char id[ID_TEXT_SIZE];
            id_from(id, times[i], c, rnd);
            assert_int_equal(id_time_ms(id), times[i]);
        }
    }
    /* id_new encodes the current time */
    int64_t before = time_now_ms();
    char id[ID_TEXT_SIZE];
    id_new(id);
    int64_t after = time_now_ms();
    int64_t t = id_time_ms(id);
    assert_true(t >= before);
    assert_true(t <= after + 2); /* it may borrow a millisecond ahead after a burst */
}

/* Ids sort by time: a later millisecond gives a larger string, whatever the counter and random. */
static void test_from_orders_by_time(void **state)
{
    (void)state;
    const uint8_t hi[8] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    const uint8_t lo[8] = {0};
    for (int64_t ms = 1; ms < 5000000000000; ms = ms * 3 + 1) {
        char a[ID_TEXT_SIZE], b[ID_TEXT_SIZE];
        id_from(a, ms, 0xFFF, hi);
        id_from(b, ms + 1, 0, lo);
        if (strcmp(a, b) >= 0) fail_msg("%s !< %s", a, b);
    }
}

static void test_valid(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        bool ok;
    } cases[] = {
        {"017f22e2-79b0-7cc3-98c4-dc0c0c07398f", true},
        {"00000000-0000-0000-0000-000000000000", true},   /* any version: nil */
        {"f81d4fae-7dec-11d0-a765-00a0c91e6bf6", true},   /* version 1 */
        {"01938a40-0000-7000-8000-00000000d001", true},   /* the demo programme */
        {"", false},
        {"017f22e2-79b0-7cc3-98c4-dc0c0c07398", false},   /* 35 */
        {"017f22e2-79b0-7cc3-98c4-dc0c0c07398f0", false}, /* 37 */
        {"017F22E2-79B0-7CC3-98C4-DC0C0C07398F", false},  /* uppercase */
        {"017f22e2-79b0-7cc3-98c4-dc0c0c07398g", false},
        {"017f22e279b07cc398c4dc0c0c07398f", false},      /* no dashes */
        {"017f22e2_79b0_7cc3_98c4_dc0c0c07398f", false},
        {"017f22e2-79b07-cc3-98c4-dc0c0c07398f", false},  /* dash moved */
        {"017f22e2-79b0-7cc3-98c4-dc0c0c07398-", false},
        {"-17f22e2-79b0-7cc3-98c4-dc0c0c07398f", false},
        {"{17f22e2-79b0-7cc3-98c4-dc0c0c07398}", false},
        {" 17f22e2-79b0-7cc3-98c4-dc0c0c07398f", false},
        {"017f22e2-79b0-7cc3-98c4-dc0c0c0739\xC3\xA9", false},
        {"../../../../../../../../etc/passwd/x", false},
        {"017f22e2-79b0-7cc3-98c4-dc0c0c07398f' OR '1'='1", false},
    };
    for (size_t i = 0; i < COUNT(cases); i++)
        if (id_valid(cases[i].s) != cases[i].ok) fail_msg("id_valid(\"%s\") != %d", cases[i].s, cases[i].ok);
    assert_false(id_valid(NULL));
    /* id_time_ms needs a valid version 7 id */
    assert_int_equal(id_time_ms("f81d4fae-7dec-11d0-a765-00a0c91e6bf6"), -1);
    assert_int_equal(id_time_ms("not an id"), -1);
    assert_int_equal(id_time_ms(NULL), -1);
    assert_int_equal(id_time_ms("017F22E2-79B0-7CC3-98C4-DC0C0C07398F"), -1);
}

/* 100,000 ids in a burst on one thread: each strictly greater than the one before (so all are
 * unique), all well-formed, none ahead of the clock by more than the counter can explain. */
static void test_new_burst_strictly_increasing(void **state)
{
    (void)state;
    enum { N = 100000 };
    char prev[ID_TEXT_SIZE] = "";
    int64_t start = time_now_ms();
    for (int i = 0; i < N; i++) {
        char id[ID_TEXT_SIZE];
        id_new(id);
        if (strcmp(prev, id) >= 0) fail_msg("id %d not increasing: %s then %s", i, prev, id);
        if (i % 997 == 0) check_format(id);
        memcpy(prev, id, sizeof id);
    }
    int64_t end = time_now_ms();
    int64_t last = id_time_ms(prev);
    assert_true(last >= start);
    /* at least 2048 ids fit in each millisecond before one is borrowed */
    assert_true(last <= end + N / 2048 + 1);
}

struct burst {
    char (*ids)[ID_TEXT_SIZE];
    size_t n;
    bool ordered;
};

static void *burst_thread(void *arg)
{
    struct burst *b = arg;
    b->ordered = true;
    for (size_t i = 0; i < b->n; i++) {
        id_new(b->ids[i]);
        if (i && strcmp(b->ids[i - 1], b->ids[i]) >= 0) b->ordered = false;
    }
    return NULL;
}

static int cmp_id(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* Threads making ids at once never collide (each thread counts on its own; the random part tells
 * them apart), and each thread's ids are ordered. */
static void test_new_threads_unique(void **state)
{
    (void)state;
    enum { THREADS = 4, PER = 25000 };
    char (*all)[ID_TEXT_SIZE] = malloc(sizeof *all * THREADS * PER);
    assert_non_null(all);
    pthread_t th[THREADS];
    struct burst b[THREADS];
    for (int t = 0; t < THREADS; t++) {
        b[t] = (struct burst){all + (size_t)t * PER, PER, false};
        assert_int_equal(pthread_create(&th[t], NULL, burst_thread, &b[t]), 0);
    }
    for (int t = 0; t < THREADS; t++) {
        pthread_join(th[t], NULL);
        assert_true(b[t].ordered);
    }
    qsort(all, (size_t)THREADS * PER, sizeof *all, cmp_id);
    for (size_t i = 1; i < (size_t)THREADS * PER; i++)
        if (strcmp(all[i - 1], all[i]) == 0) fail_msg("duplicate id %s", all[i]);
    free(all);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_of_new),
        cmocka_unit_test(test_rfc_vector),
        cmocka_unit_test(test_from_deterministic),
        cmocka_unit_test(test_time_round_trip),
        cmocka_unit_test(test_from_orders_by_time),
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_new_burst_strictly_increasing),
        cmocka_unit_test(test_new_threads_unique),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

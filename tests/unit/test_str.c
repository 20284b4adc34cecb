/* Tests for base/str: strbuf growth in an arena and on the heap, UTF-8 validation, URL decoding
 * and encoding, strict integer parsing, trimming and case-insensitive comparison. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/str.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- strbuf ---------------------------------------------------------------------------------- */

static void check_terminated(const struct strbuf *sb)
{
    assert_true(sb->len < sb->cap);
    assert_int_equal(sb->data[sb->len], '\0');
    assert_int_equal(strlen(sb->data), sb->len);
}

/* The same sequence of writes in an arena and on the heap gives the same text; every step leaves
 * the buffer NUL-terminated. */
static void strbuf_sequence(struct arena *arena)
{
    struct strbuf sb;
    strbuf_init(&sb, arena, 4);
    assert_int_equal(sb.len, 0);
    assert_string_equal(sb.data, "");
    check_terminated(&sb);

    char expect[8192];
    size_t n = 0;
    for (int i = 0; i < 500; i++) {
        switch (i % 4) {
        case 0:
            strbuf_puts(&sb, "ab");
            n += (size_t)sprintf(expect + n, "ab");
            break;
        case 1:
            strbuf_putc(&sb, 'c');
            expect[n++] = 'c';
            expect[n] = '\0';
            break;
        case 2:
            strbuf_printf(&sb, "[%d]", i);
            n += (size_t)sprintf(expect + n, "[%d]", i);
            break;
        case 3:
            strbuf_append(&sb, "xyz!", 3);
            n += (size_t)sprintf(expect + n, "xyz");
            break;
        }
        check_terminated(&sb);
        assert_int_equal(sb.len, n);
    }
    assert_string_equal(sb.data, expect);

    strbuf_reset(&sb);
    assert_int_equal(sb.len, 0);
    assert_string_equal(sb.data, "");
    strbuf_puts(&sb, "again");
    assert_string_equal(sb.data, "again");
    if (!arena) strbuf_free(&sb);
}

static void test_strbuf_arena(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 256);
    strbuf_sequence(&a);
    arena_free(&a);
}

static void test_strbuf_put_uint(void **state)
{
    (void)state;
    struct strbuf sb;
    strbuf_init(&sb, NULL, 4);
    strbuf_put_uint(&sb, 0);
    strbuf_putc(&sb, ' ');
    strbuf_put_uint(&sb, 7);
    strbuf_putc(&sb, ' ');
    strbuf_put_uint(&sb, 1234567890);
    strbuf_putc(&sb, ' ');
    strbuf_put_uint(&sb, UINT64_MAX);
    assert_string_equal(sb.data, "0 7 1234567890 18446744073709551615");
    strbuf_free(&sb);
}

static void test_strbuf_heap(void **state)
{
    (void)state;
    strbuf_sequence(NULL);
}

/* printf output that ends exactly at the capacity, one past it, and far past it, starting from
 * every fill level of a small buffer: the text is whole and terminated each time. */
static void test_strbuf_printf_growth_boundary(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 128);
    for (int heap = 0; heap < 2; heap++) {
        for (size_t prefill = 0; prefill < 16; prefill++) {
            for (size_t outlen = 0; outlen < 40; outlen++) {
                struct strbuf sb;
                strbuf_init(&sb, heap ? NULL : &a, 16);
                char pre[17];
                memset(pre, 'p', prefill);
                pre[prefill] = '\0';
                strbuf_puts(&sb, pre);
                size_t cap_before = sb.cap;
                static const char zeros[] = "0000000000000000000000000000000000000000";
                strbuf_printf(&sb, "%.*s", (int)outlen, zeros);
                assert_int_equal(sb.len, prefill + outlen);
                check_terminated(&sb);
                assert_memory_equal(sb.data, pre, prefill);
                for (size_t k = prefill; k < sb.len; k++) assert_int_equal(sb.data[k], '0');
                if (prefill + outlen + 1 <= cap_before) assert_int_equal(sb.cap, cap_before);
                else assert_true(sb.cap >= prefill + outlen + 1);
                if (heap) strbuf_free(&sb);
            }
        }
    }
    arena_free(&a);
}

/* A format with several arguments across the growth boundary, then 100 KB in one call. */
static void test_strbuf_printf_long(void **state)
{
    (void)state;
    struct strbuf sb;
    strbuf_init(&sb, NULL, 8);
    strbuf_puts(&sb, "head:");
    strbuf_printf(&sb, "%s|%d|%s|%lld", "a somewhat long string to force growth", -42,
                  "ünïcødé", (long long)INT64_MAX);
    assert_string_equal(sb.data, "head:a somewhat long string to force growth|-42|ünïcødé|"
                                 "9223372036854775807");
    check_terminated(&sb);
    size_t before = sb.len;
    /* 100 KB in one printf */
    char *big = malloc(100001);
    assert_non_null(big);
    memset(big, 'x', 100000);
    big[100000] = '\0';
    strbuf_printf(&sb, "<%s>", big);
    assert_int_equal(sb.len, before + 100002);
    assert_int_equal(sb.data[before], '<');
    assert_int_equal(sb.data[sb.len - 1], '>');
    check_terminated(&sb);
    free(big);
    strbuf_free(&sb);
    assert_null(sb.data);
}

static void test_strbuf_binary_append(void **state)
{
    (void)state;
    struct strbuf sb;
    strbuf_init(&sb, NULL, 0); /* 0: a default capacity */
    assert_true(sb.cap > 0);
    strbuf_append(&sb, "a\0b", 3);
    assert_int_equal(sb.len, 3);
    assert_memory_equal(sb.data, "a\0b", 4);
    strbuf_append(&sb, "", 0);
    assert_int_equal(sb.len, 3);
    strbuf_reserve(&sb, 1000);
    assert_true(sb.cap >= 1004);
    assert_memory_equal(sb.data, "a\0b", 4);
    strbuf_free(&sb);
}

/* ---- UTF-8 ----------------------------------------------------------------------------------- */

static void test_utf8_valid_scripts(void **state)
{
    (void)state;
    static const char *const valid[] = {
        "",
        "plain ASCII with punctuation !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
        "Français: déjà vu, ça, œuvre",
        "Deutsch: Größe, Straße",
        "Ελληνικά: καλημέρα",
        "Русский: образование",
        "Українська: ґаджет",
        "العربية: التعليم",
        "עברית: חינוך",
        "हिन्दी: शिक्षा",
        "বাংলা: শিক্ষা",
        "中文：教育",
        "日本語：きょういく、カタカナ",
        "한국어: 교육",
        "ไทย: การศึกษา",
        "ქართული: განათლება",
        "Kiswahili: elimu",
        "Emoji: 📱💻🎓 👩🏽‍🏫",
        "Math: ∀x∈ℝ, 𝔼[X] ≤ ∞",
        "\x7F",                    /* U+007F, last 1-byte */
        "\xC2\x80",                /* U+0080, first 2-byte */
        "\xDF\xBF",                /* U+07FF, last 2-byte */
        "\xE0\xA0\x80",            /* U+0800, first 3-byte */
        "\xED\x9F\xBF",            /* U+D7FF, just below the surrogates */
        "\xEE\x80\x80",            /* U+E000, just above the surrogates */
        "\xEF\xBF\xBD",            /* U+FFFD */
        "\xEF\xBF\xBF",            /* U+FFFF */
        "\xF0\x90\x80\x80",        /* U+10000, first 4-byte */
        "\xF4\x8F\xBF\xBF",        /* U+10FFFF, the last code point */
    };
    for (size_t i = 0; i < COUNT(valid); i++) {
        if (!str_utf8_valid(valid[i], strlen(valid[i]))) fail_msg("rejected valid text #%zu: %s", i, valid[i]);
    }
    /* An embedded NUL is U+0000: valid when counted in n. */
    assert_true(str_utf8_valid("a\0b", 3));
    /* Only n bytes are looked at: a valid prefix of invalid text. */
    assert_true(str_utf8_valid("ab\xFF", 2));
    assert_true(str_utf8_valid("\xFF", 0));
}

static void test_utf8_invalid(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        const char *why;
    } invalid[] = {
        /* overlong forms */
        {"\xC0\x80", "overlong NUL (2 bytes)"},
        {"\xC0\xAF", "overlong '/'"},
        {"\xC1\xBF", "overlong U+007F"},
        {"\xE0\x80\x80", "overlong NUL (3 bytes)"},
        {"\xE0\x9F\xBF", "overlong U+07FF"},
        {"\xF0\x80\x80\x80", "overlong NUL (4 bytes)"},
        {"\xF0\x8F\xBF\xBF", "overlong U+FFFF"},
        /* surrogates */
        {"\xED\xA0\x80", "U+D800"},
        {"\xED\xAD\xBF", "U+DB7F"},
        {"\xED\xB0\x80", "U+DC00"},
        {"\xED\xBF\xBF", "U+DFFF"},
        {"\xED\xA0\xBD\xED\xB2\xA9", "CESU-8 surrogate pair"},
        /* beyond U+10FFFF */
        {"\xF4\x90\x80\x80", "U+110000"},
        {"\xF5\x80\x80\x80", "lead F5"},
        {"\xF7\xBF\xBF\xBF", "lead F7"},
        {"\xF8\x88\x80\x80\x80", "5-byte form"},
        {"\xFC\x84\x80\x80\x80\x80", "6-byte form"},
        {"\xFE", "byte FE"},
        {"\xFF", "byte FF"},
        /* truncated sequences, at the end and before more text */
        {"\xC3", "2-byte lead alone"},
        {"\xE2\x82", "3-byte cut after 2"},
        {"\xE2", "3-byte cut after 1"},
        {"\xF0\x9F\x98", "4-byte cut after 3"},
        {"abc\xF0\x9F", "4-byte cut after 2 at the end"},
        {"\xC3" "a", "2-byte lead then ASCII"},
        {"\xE2\x82" "a", "3-byte lead, one continuation, then ASCII"},
        {"\xF0\x9F\x98" " ok", "4-byte cut then a space"},
        {"\xE2\xC3\xA9", "3-byte lead then a 2-byte sequence"},
        /* stray continuation bytes */
        {"\x80", "lone 0x80"},
        {"\xBF", "lone 0xBF"},
        {"a\x80" "b", "continuation between ASCII"},
        {"\xC3\xA9\xA9", "one continuation too many"},
        {"\xF0\x9F\x93\xB1\x80", "continuation after a complete emoji"},
        /* valid text with one bad byte in the middle */
        {"éducation \xFF numérique", "FF in the middle"},
    };
    for (size_t i = 0; i < COUNT(invalid); i++) {
        if (str_utf8_valid(invalid[i].s, strlen(invalid[i].s)))
            fail_msg("accepted invalid UTF-8: %s", invalid[i].why);
    }
}

static void test_utf8_length(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t n;
    } cases[] = {
        {"", 0}, {"abc", 3}, {"é", 1}, {"déjà", 4}, {"中文", 2}, {"📱💻", 2}, {"a€𝔼", 3},
    };
    for (size_t i = 0; i < COUNT(cases); i++)
        assert_int_equal(str_utf8_length(cases[i].s, strlen(cases[i].s)), cases[i].n);
}

/* ---- URL decoding and encoding ------------------------------------------------------------ */

static void test_url_decode(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        bool plus;
        const char *out; /* NULL: refused */
    } cases[] = {
        {"", true, ""},
        {"plain", true, "plain"},
        {"a+b", true, "a b"},
        {"a+b", false, "a+b"},
        {"a%20b", false, "a b"},
        {"a%2Bb", true, "a+b"},
        {"%2b%2B", true, "++"},
        {"100%25", true, "100%"},
        {"%C3%A9t%C3%A9", true, "été"},
        {"%c3%a9", true, "é"},
        {"%e2%9c%93 ok", false, "✓ ok"},
        {"%41%42%43", true, "ABC"},
        {"caf%C3%A9+cr%C3%A8me", true, "café crème"},
        {"a=b&c", true, "a=b&c"},
        {"%2F..%2F", false, "/../"},
        {"déjà", true, "déjà"},                 /* raw UTF-8 passes through */
        {"%", true, NULL},
        {"%%", true, NULL},
        {"%%41", true, NULL},
        {"abc%", true, NULL},
        {"abc%4", true, NULL},
        {"%4", false, NULL},
        {"%G0", true, NULL},
        {"%0G", true, NULL},
        {"%-1", true, NULL},
        {"% 1", true, NULL},
        {"%+1", true, NULL},
        {"ok%zzok", false, NULL},
    };
    struct arena a;
    arena_init(&a, 256);
    for (size_t i = 0; i < COUNT(cases); i++) {
        char *got = str_url_decode(&a, cases[i].in, strlen(cases[i].in), cases[i].plus);
        if (!cases[i].out) {
            if (got) fail_msg("'%s' decoded to '%s', expected refusal", cases[i].in, got);
        } else {
            if (!got) fail_msg("'%s' refused", cases[i].in);
            assert_string_equal(got, cases[i].out);
        }
    }
    /* Only n bytes are decoded: an escape cut by n is malformed, the text after n is ignored. */
    assert_string_equal(str_url_decode(&a, "a%41zzz", 4, true), "aA");
    assert_null(str_url_decode(&a, "a%41", 3, true));
    assert_string_equal(str_url_decode(&a, "xyz", 0, true), "");
    /* %00 decodes to a NUL byte (the caller decides whether it may appear) */
    char *nul = str_url_decode(&a, "a%00b", 5, false);
    assert_non_null(nul);
    assert_memory_equal(nul, "a\0b", 4);
    arena_free(&a);
}

static void test_url_encode(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *out;
    } cases[] = {
        {"", ""},
        {"AZaz09-._~", "AZaz09-._~"},
        {" ", "%20"},
        {"a b+c", "a%20b%2Bc"},
        {"/?#[]@!$&'()*,;=", "%2F%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2C%3B%3D"},
        {"\"<>\\^`{|}%", "%22%3C%3E%5C%5E%60%7B%7C%7D%25"},
        {"é", "%C3%A9"},
        {"中", "%E4%B8%AD"},
        {"\t\n\x7F", "%09%0A%7F"},
        {"\xFF", "%FF"},
    };
    struct arena a;
    arena_init(&a, 256);
    for (size_t i = 0; i < COUNT(cases); i++) {
        struct strbuf sb;
        strbuf_init(&sb, &a, 4);
        strbuf_puts(&sb, "<");
        str_url_encode(&sb, cases[i].in);
        strbuf_puts(&sb, ">");
        char want[128];
        snprintf(want, sizeof want, "<%s>", cases[i].out);
        assert_string_equal(sb.data, want);
        /* and back */
        char *back = str_url_decode(&a, sb.data + 1, sb.len - 2, false);
        assert_non_null(back);
        assert_string_equal(back, cases[i].in);
    }
    arena_free(&a);
}

/* ---- integers ---------------------------------------------------------------------------------- */

static void test_to_int64(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int64_t min, max;
        bool ok;
        int64_t v;
    } cases[] = {
        {"0", INT64_MIN, INT64_MAX, true, 0},
        {"-0", INT64_MIN, INT64_MAX, true, 0},
        {"42", INT64_MIN, INT64_MAX, true, 42},
        {"-42", INT64_MIN, INT64_MAX, true, -42},
        {"007", INT64_MIN, INT64_MAX, true, 7},
        {"9223372036854775807", INT64_MIN, INT64_MAX, true, INT64_MAX},
        {"-9223372036854775808", INT64_MIN, INT64_MAX, true, INT64_MIN},
        {"9223372036854775808", INT64_MIN, INT64_MAX, false, 0},
        {"-9223372036854775809", INT64_MIN, INT64_MAX, false, 0},
        {"99999999999999999999999", INT64_MIN, INT64_MAX, false, 0},
        /* bounds are inclusive */
        {"1", 1, 10, true, 1},
        {"10", 1, 10, true, 10},
        {"0", 1, 10, false, 0},
        {"11", 1, 10, false, 0},
        {"-1", 0, 100, false, 0},
        {"5", 5, 5, true, 5},
        /* garbage */
        {"", INT64_MIN, INT64_MAX, false, 0},
        {" 1", INT64_MIN, INT64_MAX, false, 0},
        {"\t1", INT64_MIN, INT64_MAX, false, 0},
        {"\n1", INT64_MIN, INT64_MAX, false, 0},
        {"1 ", INT64_MIN, INT64_MAX, false, 0},
        {"1\n", INT64_MIN, INT64_MAX, false, 0},
        {"1a", INT64_MIN, INT64_MAX, false, 0},
        {"a1", INT64_MIN, INT64_MAX, false, 0},
        {"0x10", INT64_MIN, INT64_MAX, false, 0},
        {"1.0", INT64_MIN, INT64_MAX, false, 0},
        {"1e3", INT64_MIN, INT64_MAX, false, 0},
        {"1,000", INT64_MIN, INT64_MAX, false, 0},
        {"--1", INT64_MIN, INT64_MAX, false, 0},
        {"-", INT64_MIN, INT64_MAX, false, 0},
        {"+", INT64_MIN, INT64_MAX, false, 0},
        {"abc", INT64_MIN, INT64_MAX, false, 0},
        {"١٢", INT64_MIN, INT64_MAX, false, 0},   /* Arabic-Indic digits */
        {"１２", INT64_MIN, INT64_MAX, false, 0},  /* full-width digits */
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        int64_t out = 12345;
        bool ok = str_to_int64(cases[i].s, cases[i].min, cases[i].max, &out);
        if (ok != cases[i].ok) fail_msg("'%s' in [%lld, %lld]: got %d", cases[i].s,
                                        (long long)cases[i].min, (long long)cases[i].max, ok);
        if (ok) assert_int_equal(out, cases[i].v);
        else assert_int_equal(out, 12345); /* untouched on failure */
    }
    int64_t out = 1;
    assert_false(str_to_int64(NULL, 0, 10, &out));
    assert_int_equal(out, 1);
}

/* ---- small helpers ----------------------------------------------------------------------------- */

static void test_trim(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"", ""},
        {"   ", ""},
        {" \t\r\n\v\f", ""},
        {"a", "a"},
        {"  a", "a"},
        {"a  ", "a"},
        {"  a b  ", "a b"},
        {"\t\nword\r\n", "word"},
        {"in  side", "in  side"},
        {" été ", "été"},
        {"\xC2\xA0nbsp\xC2\xA0", "\xC2\xA0nbsp\xC2\xA0"}, /* only ASCII white space */
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        char buf[64];
        snprintf(buf, sizeof buf, "%s", cases[i].in);
        char *r = str_trim(buf);
        assert_ptr_equal(r, buf);
        assert_string_equal(buf, cases[i].out);
    }
}

static void test_eq_nocase(void **state)
{
    (void)state;
    static const struct {
        const char *a, *b;
        bool eq;
    } cases[] = {
        {"", "", true},
        {"gzip", "GZIP", true},
        {"Content-Type", "content-type", true},
        {"abc", "abd", false},
        {"abc", "ab", false},
        {"ab", "abc", false},
        {"", "a", false},
        {"a", "", false},
        {"[", "{", false},   /* 0x5B vs 0x7B: differ by 0x20 but are not letters */
        {"@", "`", false},
        {"été", "été", true},
        {"É", "é", false},   /* ASCII only */
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        if (str_eq_nocase(cases[i].a, cases[i].b) != cases[i].eq)
            fail_msg("str_eq_nocase('%s', '%s') != %d", cases[i].a, cases[i].b, cases[i].eq);
        assert_int_equal(str_eq_nocase(cases[i].b, cases[i].a), cases[i].eq);
    }
}

static void test_starts_ends_with(void **state)
{
    (void)state;
    assert_true(str_starts_with("abcdef", "abc"));
    assert_true(str_starts_with("abc", ""));
    assert_true(str_starts_with("abc", "abc"));
    assert_false(str_starts_with("ab", "abc"));
    assert_false(str_starts_with("xabc", "abc"));
    assert_true(str_ends_with("abcdef", "def"));
    assert_true(str_ends_with("abc", ""));
    assert_true(str_ends_with("abc", "abc"));
    assert_false(str_ends_with("bc", "abc"));
    assert_false(str_ends_with("abcx", "abc"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strbuf_arena),
        cmocka_unit_test(test_strbuf_heap),
        cmocka_unit_test(test_strbuf_printf_growth_boundary),
        cmocka_unit_test(test_strbuf_printf_long),
        cmocka_unit_test(test_strbuf_binary_append),
        cmocka_unit_test(test_utf8_valid_scripts),
        cmocka_unit_test(test_utf8_invalid),
        cmocka_unit_test(test_utf8_length),
        cmocka_unit_test(test_url_decode),
        cmocka_unit_test(test_url_encode),
        cmocka_unit_test(test_to_int64),
        cmocka_unit_test(test_strbuf_put_uint),
        cmocka_unit_test(test_trim),
        cmocka_unit_test(test_eq_nocase),
        cmocka_unit_test(test_starts_ends_with),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

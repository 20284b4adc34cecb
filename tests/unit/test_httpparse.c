/* Tests for http/params: urlencoded bodies and query strings, the Cookie header, and whether
 * Accept-Encoding allows gzip. */
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
#include "http/params.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* "name=value|name=value" with each name and value in [] so that empty ones show. */
static const char *dump(struct arena *a, const struct http_params *p)
{
    struct strbuf sb;
    strbuf_init(&sb, a, 32);
    for (size_t i = 0; i < p->count; i++)
        strbuf_printf(&sb, "%s[%s]=[%s]", i ? "|" : "", p->items[i].name, p->items[i].value);
    return sb.data;
}

/* ---- urlencoded ------------------------------------------------------------------------------ */

static void test_urlencoded_ok(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *out;
    } cases[] = {
        {"", ""},
        {"a=1", "[a]=[1]"},
        {"a=1&b=2", "[a]=[1]|[b]=[2]"},
        {"name=Jo+Smith&city=S%C3%A3o+Paulo", "[name]=[Jo Smith]|[city]=[São Paulo]"},
        {"q=a%2Bb+c", "[q]=[a+b c]"},
        {"q=%26%3D%25%23", "[q]=[&=%#]"},
        {"a+b=c+d", "[a b]=[c d]"},
        {"%61=%62", "[a]=[b]"},
        {"a=", "[a]=[]"},
        {"a=&b=", "[a]=[]|[b]=[]"},
        {"a", "[a]=[]"},                      /* no '=': an empty value */
        {"a&b&c=3", "[a]=[]|[b]=[]|[c]=[3]"},
        {"=1", "[]=[1]"},                     /* an empty name is kept */
        {"=", "[]=[]"},
        {"a=1=2", "[a]=[1=2]"},               /* only the first '=' splits */
        {"a==", "[a]=[=]"},
        {"a=1&&b=2", "[a]=[1]|[b]=[2]"},      /* empty pairs are skipped */
        {"&&&", ""},
        {"&a=1&", "[a]=[1]"},
        {"a=1&a=2&a=3", "[a]=[1]|[a]=[2]|[a]=[3]"}, /* repeats kept in order */
        {"choice=x&choice=y", "[choice]=[x]|[choice]=[y]"},
        {"t=%E2%9C%93&u=%F0%9F%93%B1", "[t]=[✓]|[u]=[📱]"},
        {"raw=déjà", "[raw]=[déjà]"},         /* raw UTF-8 is fine */
        {"a=1;b=2", "[a]=[1;b=2]"},           /* ';' is not a separator */
        {"sp=a%20b+c", "[sp]=[a b c]"},
        {"x=%2e%2E", "[x]=[..]"},
    };
    struct arena a;
    arena_init(&a, 1024);
    for (size_t i = 0; i < COUNT(cases); i++) {
        struct http_params p = {NULL, 99};
        struct err e;
        err_clear(&e);
        int rc = params_parse_urlencoded(&a, cases[i].in, strlen(cases[i].in), &p, &e);
        if (rc != 0) fail_msg("'%s': %s", cases[i].in, e.msg);
        const char *got = dump(&a, &p);
        if (strcmp(got, cases[i].out) != 0) fail_msg("'%s' gave '%s', want '%s'", cases[i].in, got, cases[i].out);
    }
    /* only len bytes are read (a body is not NUL-terminated where the pair ends) */
    struct http_params p;
    struct err e;
    assert_int_equal(params_parse_urlencoded(&a, "a=1&b=2", 3, &p, &e), 0);
    assert_string_equal(dump(&a, &p), "[a]=[1]");
    assert_int_equal(params_parse_urlencoded(&a, "a=1&b=%41BCDEF", 9, &p, &e), 0);
    assert_string_equal(dump(&a, &p), "[a]=[1]|[b]=[A]");
    assert_string_equal(http_params_get(&p, "b"), "A");
    assert_null(http_params_get(&p, "c"));
    arena_free(&a);
}

static void test_urlencoded_errors(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t len; /* 0: strlen */
        const char *msg;
    } cases[] = {
        {"a=1&email=x%zz", 0, "parameter 2 ('email') has a malformed % escape"},
        {"email=100%", 0, "parameter 1 ('email') has a malformed % escape"},
        {"a=%4", 0, "parameter 1 ('a') has a malformed % escape"},
        {"a=%%41", 0, "parameter 1 ('a') has a malformed % escape"},
        {"a=1&b%=2", 0, "parameter 2 has a malformed % escape in its name"},
        {"%G1=x", 0, "parameter 1 has a malformed % escape in its name"},
        {"=%", 0, "parameter 1 has a malformed % escape"},
        {"a=1&&&b=%FF", 0, "parameter 2 ('b') is not valid UTF-8"},
        {"bad=%C0%AF", 0, "parameter 1 ('bad') is not valid UTF-8"},       /* overlong */
        {"s=%ED%A0%80", 0, "parameter 1 ('s') is not valid UTF-8"},        /* surrogate */
        {"cut=%E2%9C", 0, "parameter 1 ('cut') is not valid UTF-8"},       /* truncated */
        {"raw=\xFF", 0, "parameter 1 ('raw') is not valid UTF-8"},
        {"%FF=1", 0, "parameter 1 has a name that is not valid UTF-8"},
        {"a=1&\xC3=1", 0, "parameter 2 has a name that is not valid UTF-8"},
        /* a NUL would cut the text short: refused, whether escaped or raw */
        {"a=x%00y", 0, "parameter 1 ('a') has a NUL character in its value"},
        {"a=%00%FF", 0, "parameter 1 ('a') has a NUL character in its value"},
        {"a%00b=1", 0, "parameter 1 has a NUL character in its name"},
        {"a=x\0y", 5, "parameter 1 ('a') has a NUL character in its value"},
        /* a long name is cut in the message, on a character boundary */
        {"ééééééééééééééééééééééééééééééééééééééééé=%", 0,
         "parameter 1 ('éééééééééééééééééééééééééééééé...') has a malformed % escape"},
    };
    struct arena a;
    arena_init(&a, 1024);
    for (size_t i = 0; i < COUNT(cases); i++) {
        struct http_params p;
        struct err e;
        err_clear(&e);
        size_t len = cases[i].len ? cases[i].len : strlen(cases[i].in);
        int rc = params_parse_urlencoded(&a, cases[i].in, len, &p, &e);
        if (rc != ERR_INVALID) fail_msg("'%s': rc %d, want ERR_INVALID", cases[i].in, rc);
        assert_int_equal(e.code, ERR_INVALID);
        if (strcmp(e.msg, cases[i].msg) != 0) fail_msg("'%s': '%s', want '%s'", cases[i].in, e.msg, cases[i].msg);
        assert_true(str_utf8_valid(e.msg, strlen(e.msg)));
    }
    /* %2500 is the text "%00", not a NUL */
    struct http_params p;
    struct err e;
    assert_int_equal(params_parse_urlencoded(&a, "a=%2500", 7, &p, &e), 0);
    assert_string_equal(http_params_get(&p, "a"), "%00");
    arena_free(&a);
}

/* PARAMS_MAX pairs are fine; one more is ERR_LIMIT. Empty pairs do not count. */
static void test_urlencoded_limit(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 1 << 16);
    struct strbuf sb;
    strbuf_init(&sb, NULL, 1024);
    for (int i = 0; i < PARAMS_MAX; i++) strbuf_printf(&sb, "%sk%d=v%d&&", i ? "&" : "", i, i);
    struct http_params p;
    struct err e;
    err_clear(&e);
    assert_int_equal(params_parse_urlencoded(&a, sb.data, sb.len, &p, &e), 0);
    assert_int_equal(p.count, PARAMS_MAX);
    for (int i = 0; i < PARAMS_MAX; i += 97) {
        char k[16], v[16];
        snprintf(k, sizeof k, "k%d", i);
        snprintf(v, sizeof v, "v%d", i);
        assert_string_equal(http_params_get(&p, k), v);
    }
    assert_string_equal(p.items[PARAMS_MAX - 1].name, "k999");
    strbuf_puts(&sb, "&one=more");
    err_clear(&e);
    assert_int_equal(params_parse_urlencoded(&a, sb.data, sb.len, &p, &e), ERR_LIMIT);
    assert_int_equal(e.code, ERR_LIMIT);
    assert_string_equal(e.msg, "more than 1000 parameters");
    /* a long run of '&' alone is not a parameter */
    strbuf_reset(&sb);
    for (int i = 0; i < 5000; i++) strbuf_putc(&sb, '&');
    strbuf_puts(&sb, "x=1");
    assert_int_equal(params_parse_urlencoded(&a, sb.data, sb.len, &p, &e), 0);
    assert_int_equal(p.count, 1);
    strbuf_free(&sb);
    arena_free(&a);
}

/* ---- cookies ---------------------------------------------------------------------------------- */

static void test_cookies(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *out;
    } cases[] = {
        {"", ""},
        {"a=1", "[a]=[1]"},
        {"a=1; b=2", "[a]=[1]|[b]=[2]"},
        {"a=1;b=2", "[a]=[1]|[b]=[2]"},
        {"lang=fr; session=abc.def-123", "[lang]=[fr]|[session]=[abc.def-123]"},
        {"  a = 1 ;  b=2  ;", "[a]=[1]|[b]=[2]"},      /* spaces around names and values */
        {"\ta=1;\tb=2\t", "[a]=[1]|[b]=[2]"},
        {"a=\"quoted value\"", "[a]=[quoted value]"},   /* quotes removed */
        {"a=\"\"", "[a]=[]"},
        {"a=\"", "[a]=[\"]"},                           /* a lone quote stays */
        {"a=\"half", "[a]=[\"half]"},
        {"a=x\"y\"", "[a]=[x\"y\"]"},
        {"a=", "[a]=[]"},
        {"a=1=2", "[a]=[1=2]"},
        {"a=b,c=d", "[a]=[b,c=d]"},                     /* ',' is not a separator */
        /* malformed pairs are skipped, the rest kept */
        {"novalue; a=1", "[a]=[1]"},
        {"=nameless; b=2", "[b]=[2]"},
        {" =nameless; b=2", "[b]=[2]"},
        {";;; a=1 ;;; ", "[a]=[1]"},
        {"garbage", ""},
        {";", ""},
        {"a=1; a=2", "[a]=[1]|[a]=[2]"},
        {"été=ça", "[été]=[ça]"},
    };
    struct arena a;
    arena_init(&a, 1024);
    for (size_t i = 0; i < COUNT(cases); i++) {
        struct http_params p = {NULL, 99};
        params_parse_cookies(&a, cases[i].in, &p);
        const char *got = dump(&a, &p);
        if (strcmp(got, cases[i].out) != 0) fail_msg("'%s' gave '%s', want '%s'", cases[i].in, got, cases[i].out);
    }
    struct http_params p = {NULL, 99};
    params_parse_cookies(&a, NULL, &p);
    assert_int_equal(p.count, 0);
    /* the first of equal names wins a lookup */
    params_parse_cookies(&a, "lang=es; lang=fr", &p);
    assert_string_equal(http_params_get(&p, "lang"), "es");
    arena_free(&a);
}

static void test_cookies_limit(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 1 << 16);
    struct strbuf sb;
    strbuf_init(&sb, NULL, 1024);
    for (int i = 0; i < PARAMS_MAX + 50; i++) strbuf_printf(&sb, "c%d=%d; ", i, i);
    struct http_params p;
    params_parse_cookies(&a, sb.data, &p);
    assert_int_equal(p.count, PARAMS_MAX);
    assert_string_equal(p.items[0].name, "c0");
    assert_string_equal(p.items[PARAMS_MAX - 1].value, "999");
    strbuf_free(&sb);
    arena_free(&a);
}

/* ---- Accept-Encoding ------------------------------------------------------------------------ */

static void test_accepts_gzip(void **state)
{
    (void)state;
    static const struct {
        const char *header;
        bool yes;
    } cases[] = {
        {"gzip", true},
        {"gzip, deflate, br", true},
        {"deflate, gzip", true},
        {"br;q=1.0, gzip;q=0.8, *;q=0.1", true},
        {"GZIP", true},
        {"GZip;Q=0.5", true},
        {"  gzip  ", true},
        {"gzip ; q=0.5", true},
        {"gzip;q=1", true},
        {"gzip;q=0.001", true},
        {"gzip;level=9;q=0.5", true},
        {"x-gzip", true},                  /* RFC 9110: the same as gzip */
        {"*", true},
        {"identity, *;q=0.5", true},
        {"gzip;q=0", false},
        {"gzip;q=0.0", false},
        {"gzip;q=0.000", false},
        {"gzip; q=0", false},
        {"GZIP;Q=0", false},
        {"gzip;q=0, *", false},            /* an explicit refusal beats the wildcard */
        {"*, gzip;q=0", false},
        {"gzip;q=0, deflate", false},
        {"*;q=0", false},
        {"*;q=0, identity", false},
        {"identity", false},
        {"deflate, br", false},
        {"deflate;q=0.5", false},
        {"", false},
        {" , ,, ", false},
        {"gzipx", false},
        {"xgzip", false},
        {"gzi", false},
        {"gzip-ish", false},
        {"gzip;q=", false},
        {"gzip;q=abc", false},
        {"gzip;q=-1", false},
        {"gzip;q=nan", false},
        {";q=1", false},
        {"gzip;q", true},                  /* a broken parameter is ignored */
        {"br\tgzip", false},               /* "br gzip" is not a list */
    };
    for (size_t i = 0; i < COUNT(cases); i++)
        if (params_accepts_gzip(cases[i].header) != cases[i].yes)
            fail_msg("'%s': want %s", cases[i].header, cases[i].yes ? "yes" : "no");
    assert_false(params_accepts_gzip(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_urlencoded_ok),
        cmocka_unit_test(test_urlencoded_errors),
        cmocka_unit_test(test_urlencoded_limit),
        cmocka_unit_test(test_cookies),
        cmocka_unit_test(test_cookies_limit),
        cmocka_unit_test(test_accepts_gzip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

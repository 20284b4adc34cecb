/* Tests for html/html: hostile text in element content and attribute values, invalid UTF-8 and
 * control characters, link URLs (dangerous schemes refused, the rest escaped), literals and
 * integers. Beyond the tables, random bytes are pushed through every helper and the output is
 * checked for the invariants a page relies on. */
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
#include "html/html.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define FFFD "\xEF\xBF\xBD"

struct fixture {
    struct arena arena;
};

static int setup(void **state)
{
    struct fixture *f = malloc(sizeof *f);
    if (!f) return -1;
    arena_init(&f->arena, 4096);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    arena_free(&f->arena);
    free(f);
    return 0;
}

typedef void (*writer)(struct strbuf *, const char *);

static const char *render(struct arena *a, writer w, const char *in)
{
    struct strbuf sb;
    strbuf_init(&sb, a, 8);
    w(&sb, in);
    return sb.data;
}

/* What any escaped output must satisfy: valid UTF-8, no character that can open a tag or close a
 * quoted attribute, every '&' the start of one of our entities, no control characters. */
static void check_safe_text(const char *out)
{
    size_t n = strlen(out);
    if (!str_utf8_valid(out, n)) fail_msg("output is not valid UTF-8");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)out[i];
        if (c == '<' || c == '>' || c == '"' || c == '\'') fail_msg("raw '%c' at %zu in \"%s\"", c, i, out);
        if (c == '&') {
            const char *p = out + i;
            if (strncmp(p, "&amp;", 5) && strncmp(p, "&lt;", 4) && strncmp(p, "&gt;", 4) &&
                strncmp(p, "&quot;", 6) && strncmp(p, "&#39;", 5))
                fail_msg("bare '&' at %zu in \"%s\"", i, out);
        }
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F)
            fail_msg("control character 0x%02x at %zu", c, i);
        if (c == 0xC2 && i + 1 < n && (unsigned char)out[i + 1] >= 0x80 && (unsigned char)out[i + 1] <= 0x9F)
            fail_msg("C1 control at %zu", i);
    }
}

/* A URL attribute value: as above, and no white space or control at all (spaces are encoded). */
static void check_safe_url(const char *out)
{
    check_safe_text(out);
    for (const char *p = out; *p; p++)
        if ((unsigned char)*p <= 0x20) fail_msg("white space or control in URL \"%s\"", out);
}

/* ---- text and attributes ------------------------------------------------------------------- */

static const struct {
    const char *in, *out;
} escape_cases[] = {
    {"", ""},
    {"plain text", "plain text"},
    {"&", "&amp;"},
    {"<", "&lt;"},
    {">", "&gt;"},
    {"\"", "&quot;"},
    {"'", "&#39;"},
    {"&<>\"'", "&amp;&lt;&gt;&quot;&#39;"},
    {"a & b < c > d \"e\" 'f'", "a &amp; b &lt; c &gt; d &quot;e&quot; &#39;f&#39;"},
    {"&amp;", "&amp;amp;"}, /* already-escaped text is escaped again: data is data */
    {"&#60;script&#62;", "&amp;#60;script&amp;#62;"},
    {"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
    {"<SCRIPT SRC=//evil.example/x.js></SCRIPT>", "&lt;SCRIPT SRC=//evil.example/x.js&gt;&lt;/SCRIPT&gt;"},
    {"<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"},
    {"</textarea><script>", "&lt;/textarea&gt;&lt;script&gt;"},
    {"<!-- comment -->", "&lt;!-- comment --&gt;"},
    {"<![CDATA[x]]>", "&lt;![CDATA[x]]&gt;"},
    {"\" onmouseover=\"alert(1)", "&quot; onmouseover=&quot;alert(1)"},
    {"\"><script>alert(1)</script>", "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"},
    {"' onfocus='alert(1)' autofocus='", "&#39; onfocus=&#39;alert(1)&#39; autofocus=&#39;"},
    {"`backtick` {{template}} ${x}", "`backtick` {{template}} ${x}"},
    /* UTF-8 passes through */
    {"été, 中文, العربية, 📱", "été, 中文, العربية, 📱"},
    {"\xEF\xBF\xBD", "\xEF\xBF\xBD"},
    /* invalid UTF-8: one U+FFFD per byte that is not part of a well-formed sequence */
    {"a\xFF" "b", "a" FFFD "b"},
    {"\x80", FFFD},
    {"\xC3", FFFD},
    {"\xC3(", FFFD "("},
    {"\xE2\x82", FFFD FFFD},
    {"\xF0\x9F\x98", FFFD FFFD FFFD},
    {"\xC0\xAF", FFFD FFFD},                 /* overlong '/' */
    {"\xC0\xBC", FFFD FFFD},                 /* overlong '<' stays harmless */
    {"\xE0\x80\xBC", FFFD FFFD FFFD},        /* overlong '<', 3 bytes */
    {"\xED\xA0\x80", FFFD FFFD FFFD},        /* surrogate */
    {"\xF4\x90\x80\x80", FFFD FFFD FFFD FFFD}, /* above U+10FFFF */
    {"\xFE\xFF", FFFD FFFD},
    {"é\xFF" "é", "é" FFFD "é"},
    {"\xC3<", FFFD "&lt;"},
    /* control characters: C0 but tab, LF, CR; DEL; C1 */
    {"a\tb\nc\rd", "a\tb\nc\rd"},
    {"\x01", FFFD},
    {"a\x08" "b", "a" FFFD "b"},
    {"\x1B[31mred", FFFD "[31mred"},
    {"\x0B\x0C", FFFD FFFD},
    {"\x7F", FFFD},
    {"\xC2\x80", FFFD},
    {"x\xC2\x85y", "x" FFFD "y"},             /* NEL */
    {"\xC2\x9F", FFFD},
    {"\xC2\xA0", "\xC2\xA0"},                 /* NBSP is not a control */
};

static void test_text_table(void **state)
{
    struct fixture *f = *state;
    for (size_t i = 0; i < COUNT(escape_cases); i++) {
        const char *got = render(&f->arena, html_text, escape_cases[i].in);
        if (strcmp(got, escape_cases[i].out) != 0)
            fail_msg("html_text case %zu: got \"%s\", want \"%s\"", i, got, escape_cases[i].out);
        check_safe_text(got);
    }
}

static void test_attr_table(void **state)
{
    struct fixture *f = *state;
    for (size_t i = 0; i < COUNT(escape_cases); i++) {
        const char *got = render(&f->arena, html_attr, escape_cases[i].in);
        if (strcmp(got, escape_cases[i].out) != 0)
            fail_msg("html_attr case %zu: got \"%s\", want \"%s\"", i, got, escape_cases[i].out);
        check_safe_text(got);
    }
}

static void test_null_and_append(void **state)
{
    struct fixture *f = *state;
    struct strbuf sb;
    strbuf_init(&sb, &f->arena, 4);
    html_text(&sb, NULL);
    html_attr(&sb, NULL);
    assert_string_equal(sb.data, "");
    html_text(&sb, "a<");
    html_attr(&sb, "b\"");
    html_text(&sb, "c");
    assert_string_equal(sb.data, "a&lt;b&quot;c");
}

/* A whole element built from hostile parts stays one element with one attribute. */
static void test_element_composition(void **state)
{
    struct fixture *f = *state;
    struct strbuf sb;
    strbuf_init(&sb, &f->arena, 16);
    html_lit(&sb, "<a href=\"");
    html_url(&sb, "/search?q=\" onclick=\"alert(1)");
    html_lit(&sb, "\" title=\"");
    html_attr(&sb, "\" onmouseover=\"alert(2)");
    html_lit(&sb, "\">");
    html_text(&sb, "</a><script>alert(3)</script>");
    html_lit(&sb, "</a>");
    assert_string_equal(sb.data,
                        "<a href=\"/search?q=%22%20onclick=%22alert(1)\" title=\"&quot; onmouseover=&quot;alert(2)\">"
                        "&lt;/a&gt;&lt;script&gt;alert(3)&lt;/script&gt;</a>");
    /* exactly the quotes and angle brackets we wrote ourselves */
    size_t quotes = 0, lt = 0;
    for (const char *p = sb.data; *p; p++) {
        quotes += *p == '"';
        lt += *p == '<';
    }
    assert_int_equal(quotes, 4);
    assert_int_equal(lt, 2);
}

/* ---- URLs ------------------------------------------------------------------------------------ */

static void test_url_refused(void **state)
{
    struct fixture *f = *state;
    static const char *const refused[] = {
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "JavaScript:alert(document.cookie)",
        " javascript:alert(1)",
        "   \t\n javascript:alert(1)",
        "\x01\x02javascript:alert(1)",
        "\x1Fjavascript:alert(1)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "java\rscript:alert(1)",
        "j\ta\nv\ra\tscript:alert(1)",
        "javascript\t:alert(1)",
        "javascript:",
        "javascript://%0aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "DATA:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        " data:image/svg+xml,<svg onload=alert(1)>",
        "vbscript:msgbox(1)",
        "VBScript:msgbox(1)",
        "file:///etc/passwd",
        "blob:https://example.org/uuid",
        "filesystem:https://example.org/temporary/x",
        "ftp://example.org/",
        "tel:+33123456789",
        "foo:bar",
        "x:",
        "ja\xC2\xA0vascript:alert(1)",             /* NBSP inside the scheme */
        "\xEF\xBB\xBFjavascript:alert(1)",          /* BOM first */
        "javascriptjavascriptjavascript:alert(1)",  /* longer than any scheme we allow */
        "a-rather-long-relative-page-name:x",
        "http\x01:alert(1)",
        "https\x7F://example.org",
    };
    for (size_t i = 0; i < COUNT(refused); i++) {
        if (html_url_is_safe(refused[i])) fail_msg("html_url_is_safe accepted \"%s\"", refused[i]);
        const char *got = render(&f->arena, html_url, refused[i]);
        if (strcmp(got, "#") != 0) fail_msg("html_url(\"%s\") gave \"%s\", want \"#\"", refused[i], got);
    }
    assert_string_equal(render(&f->arena, html_url, NULL), "#");
}

static void test_url_allowed(void **state)
{
    struct fixture *f = *state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"http://example.org/", "http://example.org/"},
        {"https://example.org/a/b?c=d&e=f#g", "https://example.org/a/b?c=d&amp;e=f#g"},
        {"HTTPS://EXAMPLE.ORG/", "HTTPS://EXAMPLE.ORG/"},
        {"HtTp://example.org", "HtTp://example.org"},
        {"mailto:someone@example.org", "mailto:someone@example.org"},
        {"mailto:a@example.org?subject=Hello World", "mailto:a@example.org?subject=Hello%20World"},
        {"/", "/"},
        {"/institutions/0193-a/devices", "/institutions/0193-a/devices"},
        {"relative/path", "relative/path"},
        {"../up/one", "../up/one"},
        {"page.html", "page.html"},
        {"registration-form.html", "registration-form.html"},   /* longer than a scheme */
        {"a-rather-long-relative-page-name", "a-rather-long-relative-page-name"},
        {"a-rather-long-relative-page-name?x=1:2", "a-rather-long-relative-page-name?x=1:2"},
        {"?lang=fr", "?lang=fr"},
        {"?a=1&b=2", "?a=1&amp;b=2"},
        {"#main", "#main"},
        {"", ""},
        {"/javascript:alert(1)", "/javascript:alert(1)"},     /* a path, not a scheme */
        {"./javascript:alert(1)", "./javascript:alert(1)"},
        {"?next=javascript:alert(1)", "?next=javascript:alert(1)"},
        {"#javascript:alert(1)", "#javascript:alert(1)"},
        {"javascript&amp;x", "javascript&amp;amp;x"}, /* no ':': a relative path, '&' escaped */
        /* no ':' either: the browser reads "&amp;colon;" back as the text "&colon;", not ':' */
        {"javascript&colon;alert(1)", "javascript&amp;colon;alert(1)"},
        {"javascript&#58;alert(1)", "javascript&amp;#58;alert(1)"},
        {"/a:b", "/a:b"},
        /* escaping */
        {"/search?q=two words", "/search?q=two%20words"},
        {"/x\" onmouseover=\"alert(1)", "/x%22%20onmouseover=%22alert(1)"},
        {"/x' onmouseover='alert(1)", "/x%27%20onmouseover=%27alert(1)"},
        {"/<script>", "/%3Cscript%3E"},
        {"/a\tb\nc\rd", "/abcd"},
        {"/a\x01\x1F\x7F" "b", "/ab"},
        {"/é/中文", "/é/中文"},
        {"/\xFF", "/" FFFD},
        {"/a\xC3", "/a" FFFD},
        {"/\xE2\x82" "x", "/" FFFD FFFD "x"},
        {"/\xED\xA0\x80", "/" FFFD FFFD FFFD},
        {"/\xC0\xA2", "/" FFFD FFFD},                       /* overlong '"' */
        {"/x\xC2\x85y", "/xy"},                             /* C1 dropped like C0 */
        {"https://example.org/\xFF\"", "https://example.org/" FFFD "%22"},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        if (!html_url_is_safe(cases[i].in)) fail_msg("html_url_is_safe refused \"%s\"", cases[i].in);
        const char *got = render(&f->arena, html_url, cases[i].in);
        if (strcmp(got, cases[i].out) != 0)
            fail_msg("html_url(\"%s\") gave \"%s\", want \"%s\"", cases[i].in, got, cases[i].out);
        check_safe_url(got);
    }
}

/* ---- literals and integers ---------------------------------------------------------------- */

static void test_lit(void **state)
{
    struct fixture *f = *state;
    struct strbuf sb;
    strbuf_init(&sb, &f->arena, 4);
    html_lit(&sb, "<p class=\"note\">");
    html_lit(&sb, "");
    html_lit(&sb, "a & b" " joined");   /* literal concatenation is fine */
    html_lit(&sb, "</p>\n");
    /* literals are written as they are: they are our markup, not data */
    assert_string_equal(sb.data, "<p class=\"note\">a & b joined</p>\n");
    html_lit_(&sb, "xyz", 2);
    assert_string_equal(sb.data + strlen(sb.data) - 2, "xy");
}

static void test_int(void **state)
{
    struct fixture *f = *state;
    static const struct {
        int64_t v;
        const char *out;
    } cases[] = {
        {0, "0"}, {1, "1"}, {-1, "-1"}, {42, "42"}, {1234567890, "1234567890"},
        {INT64_MAX, "9223372036854775807"}, {INT64_MIN, "-9223372036854775808"},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        struct strbuf sb;
        strbuf_init(&sb, &f->arena, 2);
        html_lit(&sb, "[");
        html_int(&sb, cases[i].v);
        html_lit(&sb, "]");
        char want[32];
        snprintf(want, sizeof want, "[%s]", cases[i].out);
        assert_string_equal(sb.data, want);
    }
}

/* ---- random input -------------------------------------------------------------------------- */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 32);
}

/* Random strings biased towards the bytes that matter (quotes, brackets, '&', ':', controls,
 * UTF-8 lead and continuation bytes): every helper's output keeps the invariants, and html_url
 * gives "#" exactly when html_url_is_safe says no. */
static void test_random_bytes(void **state)
{
    struct fixture *f = *state;
    static const unsigned char interesting[] = {
        '<', '>', '"', '\'', '&', ':', '/', '?', '#', ' ', '\t', '\n', '\r', 0x01, 0x1F, 0x7F,
        0x80, 0xBF, 0xC2, 0xC3, 0xE2, 0xED, 0xF0, 0xF4, 0xF5, 0xFF, 'j', 'a', 'v', 's', 'c',
        'r', 'i', 'p', 't', 'h', 'A',
    };
    char buf[64];
    for (int iter = 0; iter < 20000; iter++) {
        size_t n = rng() % (sizeof buf - 1);
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (rng() & 1) ? interesting[rng() % sizeof interesting] : (unsigned char)(rng() % 255 + 1);
            buf[i] = (char)c;
        }
        buf[n] = '\0';
        if (iter % 3 == 0 && n > 11) memcpy(buf, "javascript:", 11);
        check_safe_text(render(&f->arena, html_text, buf));
        check_safe_text(render(&f->arena, html_attr, buf));
        const char *u = render(&f->arena, html_url, buf);
        check_safe_url(u);
        if (!html_url_is_safe(buf)) assert_string_equal(u, "#");
        if (iter % 1000 == 999) arena_reset(&f->arena);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_text_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_attr_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_null_and_append, setup, teardown),
        cmocka_unit_test_setup_teardown(test_element_composition, setup, teardown),
        cmocka_unit_test_setup_teardown(test_url_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_url_allowed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_int, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_bytes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

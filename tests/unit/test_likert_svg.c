/* Tests for web/likert_svg: the chart is well-formed (a tiny tag parser below checks nesting,
 * quoting and entities), labels come out escaped, the segments of each bar are contiguous, in
 * proportion to the counts and add up to the bar's width exactly, the middle level straddles the
 * centre line, groups under the anonymity threshold are neither drawn nor tabulated, and the table
 * carries the same numbers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/i18n.h"
#include "base/str.h"
#include "web/likert_svg.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static struct arena arena;

static int setup(void **state)
{
    (void)state;
    arena_init(&arena, 4096);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    arena_free(&arena);
    return 0;
}

/* ---- A tiny parser: enough of XML to check what the chart promises ---- */

enum { MAX_DEPTH = 32, MAX_ATTRS = 12, MAX_SEGS = 256 };

struct tag {
    char name[16];
    char attr[MAX_ATTRS][2][64]; /* name, value (as written, entities not decoded) */
    size_t nattr;
};

static const char *attr(const struct tag *t, const char *name)
{
    for (size_t i = 0; i < t->nattr; i++)
        if (strcmp(t->attr[i][0], name) == 0) return t->attr[i][1];
    return NULL;
}

static double num(const struct tag *t, const char *name)
{
    const char *v = attr(t, name);
    if (!v) fail_msg("<%s> has no %s", t->name, name);
    return strtod(v, NULL);
}

/* An entity where s points at '&': &name; or &#digits; */
static size_t entity(const char *s)
{
    size_t i = 1;
    if (s[i] == '#') i++;
    size_t start = i;
    while (isalnum((unsigned char)s[i])) i++;
    if (i == start || s[i] != ';') fail_msg("a bare & in \"%.20s\"", s);
    return i + 1;
}

/* Calls visit for every start tag with its depth and the name of the enclosing element's class
 * chain (inside_bar: within a <g class="bar">). Fails on any nesting, quoting or escaping error. */
typedef void (*visit_fn)(const struct tag *t, bool inside_bar, void *ctx);

static void parse(const char *s, visit_fn visit, void *ctx)
{
    char stack[MAX_DEPTH][16];
    bool bar[MAX_DEPTH + 1] = {false};
    size_t depth = 0;
    bool seen_root = false;
    while (*s) {
        if (*s == '&') {
            s += entity(s);
            continue;
        }
        if (*s == '>') fail_msg("a bare > in text: \"%.30s\"", s);
        if (*s != '<') {
            s++;
            continue;
        }
        s++;
        if (*s == '/') {
            s++;
            size_t n = 0;
            while (isalnum((unsigned char)s[n])) n++;
            if (!depth) fail_msg("</%.*s> closes nothing", (int)n, s);
            if (strlen(stack[depth - 1]) != n || strncmp(stack[depth - 1], s, n) != 0)
                fail_msg("</%.*s> closes <%s>", (int)n, s, stack[depth - 1]);
            if (s[n] != '>') fail_msg("junk in a closing tag");
            depth--;
            s += n + 1;
            continue;
        }
        struct tag t;
        memset(&t, 0, sizeof t);
        size_t n = 0;
        while (isalnum((unsigned char)s[n])) n++;
        if (n == 0 || n >= sizeof t.name) fail_msg("a bad tag name at \"%.20s\"", s);
        memcpy(t.name, s, n);
        if (!seen_root && strcmp(t.name, "svg") != 0 && strcmp(t.name, "div") != 0)
            fail_msg("the output starts with <%s>", t.name);
        seen_root = true;
        s += n;
        bool empty = false;
        for (;;) {
            while (*s == ' ') s++;
            if (*s == '>') break;
            if (s[0] == '/' && s[1] == '>') {
                empty = true;
                s++;
                break;
            }
            size_t an = 0;
            while (isalnum((unsigned char)s[an]) || s[an] == '-' || s[an] == ':') an++;
            if (an == 0) fail_msg("junk in <%s>: \"%.20s\"", t.name, s);
            if (t.nattr == MAX_ATTRS) fail_msg("too many attributes in <%s>", t.name);
            snprintf(t.attr[t.nattr][0], 64, "%.*s", (int)an, s);
            s += an;
            if (s[0] != '=' || s[1] != '"') {
                if (strcmp(t.attr[t.nattr][0], "selected") == 0) { t.nattr++; continue; }
                fail_msg("attribute %s of <%s> is not quoted", t.attr[t.nattr][0], t.name);
            }
            s += 2;
            size_t vn = 0;
            while (s[vn] && s[vn] != '"') {
                if (s[vn] == '<' || s[vn] == '>') fail_msg("a bare < or > in an attribute of <%s>", t.name);
                if (s[vn] == '&') vn += entity(s + vn) - 1;
                vn++;
            }
            if (!s[vn]) fail_msg("an attribute of <%s> never ends", t.name);
            snprintf(t.attr[t.nattr][1], 64, "%.*s", (int)vn, s);
            t.nattr++;
            s += vn + 1;
        }
        s++;
        visit(&t, bar[depth], ctx);
        if (!empty) {
            if (depth == MAX_DEPTH) fail_msg("too deep");
            snprintf(stack[depth], 16, "%s", t.name);
            const char *cls = attr(&t, "class");
            bar[depth + 1] = bar[depth] || (strcmp(t.name, "g") == 0 && cls && strcmp(cls, "bar") == 0);
            depth++;
        }
    }
    if (depth) fail_msg("<%s> is never closed", stack[depth - 1]);
}

/* What the visit collects: each bar's segments in order. */
struct seg { double x, w, y; };
struct seen {
    struct seg segs[MAX_SEGS];
    size_t nsegs, bars, tags;
    size_t bar_of[MAX_SEGS];
    double centre;        /* x of the thick centre line */
    double last_bar_y;
};

static void collect(const struct tag *t, bool inside_bar, void *ctx)
{
    struct seen *sn = ctx;
    sn->tags++;
    const char *cls = attr(t, "class");
    if (strcmp(t->name, "g") == 0 && cls && strcmp(cls, "bar") == 0) sn->bars++;
    if (strcmp(t->name, "rect") == 0 && inside_bar) {
        if (sn->nsegs == MAX_SEGS) fail_msg("too many segments");
        sn->segs[sn->nsegs] = (struct seg){num(t, "x"), num(t, "width"), num(t, "y")};
        sn->bar_of[sn->nsegs++] = sn->bars;
    }
    const char *sw = attr(t, "stroke-width");
    if (strcmp(t->name, "line") == 0 && sw && strcmp(sw, "1.5") == 0) sn->centre = num(t, "x1");
}

/* ---- The chart used below ---- */

static const char *const levels[] = {"Strongly disagree", "Disagree", "Neither", "Agree", "\"Strongly\" agree"};
/* Item 1: baseline 20 answers, left of centre 2+3 + 5/2 = 7.5 (37.5%), right 62.5%; endline
 * 20 answers, right 14 + 2 = 16 (80%). The widest side is 80%, so the scale reaches 100% (four
 * quarters): half the plot is 100%, and every bar is HALF units wide. */
#define HALF ((LIKERT_SVG_PLOT_RIGHT - LIKERT_SVG_PLOT_LEFT) / 2.0)
#define CENTRE (LIKERT_SVG_PLOT_LEFT + HALF)
static const int64_t i1_base[] = {2, 3, 5, 6, 4}, i1_end[] = {1, 1, 4, 8, 6};
/* Item 2: baseline 3 answers (under 5: not drawn), endline 6. */
static const int64_t i2_base[] = {1, 1, 1, 0, 0}, i2_end[] = {0, 1, 2, 2, 1};

static struct likert_item items[] = {
    {"I can use a tablet in class", i1_base, i1_end},
    {"<script>alert(1)</script> & co", i2_base, i2_end},
};

static struct likert_chart chart(void)
{
    return (struct likert_chart){.title = "Teachers' confidence <before & after>", .levels = levels, .k = 5,
                                 .items = items, .nitems = COUNT(items), .threshold = 5};
}

static const char *draw(const struct likert_chart *c, const struct i18n_lang *lang)
{
    struct strbuf b;
    strbuf_init(&b, &arena, 1024);
    struct err e;
    err_clear(&e);
    if (likert_svg(&b, &arena, lang, c, &e) < 0) fail_msg("likert_svg: %s", e.msg);
    return b.data;
}

static const char *tabulate(const struct likert_chart *c)
{
    struct strbuf b;
    strbuf_init(&b, &arena, 1024);
    struct err e;
    err_clear(&e);
    if (likert_table(&b, &arena, i18n_default(), c, &e) < 0) fail_msg("likert_table: %s", e.msg);
    return b.data;
}

static size_t occurrences(const char *s, const char *what)
{
    size_t n = 0;
    for (const char *p = strstr(s, what); p; p = strstr(p + 1, what)) n++;
    return n;
}

static void test_well_formed_and_accessible(void **state)
{
    (void)state;
    struct likert_chart c = chart();
    const char *svg = draw(&c, i18n_default());
    struct seen sn = {0};
    parse(svg, collect, &sn);
    assert_true(str_starts_with(svg, "<svg "));
    assert_true(str_ends_with(svg, "</svg>"));
    assert_non_null(strstr(svg, "role=\"img\""));
    assert_non_null(strstr(svg, "<title>Teachers&#39; confidence &lt;before &amp; after&gt;</title>"));
    assert_non_null(strstr(svg, "aria-label=\"Teachers&#39; confidence &lt;before &amp; after&gt;\""));
    assert_non_null(strstr(svg, "<desc>"));
    /* A legend entry per level, in order. */
    assert_non_null(strstr(svg, ">1. Strongly disagree<"));
    assert_non_null(strstr(svg, ">3. Neither<"));
    assert_true(strstr(svg, ">1. Strongly disagree<") < strstr(svg, ">2. Disagree<"));
}

static void test_escaping(void **state)
{
    (void)state;
    struct likert_chart c = chart();
    const char *svg = draw(&c, i18n_default());
    assert_null(strstr(svg, "<script"));
    assert_non_null(strstr(svg, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"));
    assert_null(strstr(svg, "<before"));
    assert_non_null(strstr(svg, "&lt;before &amp; after&gt;"));
    assert_null(strstr(svg, "\"Strongly\""));
    const char *table = tabulate(&c);
    assert_null(strstr(table, "<script"));
    assert_non_null(strstr(table, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"));
}

static void test_segments_add_up(void **state)
{
    (void)state;
    struct likert_chart c = chart();
    const char *svg = draw(&c, i18n_default());
    struct seen sn = {0};
    parse(svg, collect, &sn);
    /* Three bars: item 1 twice, item 2's endline; item 2's baseline (3 answers) is not drawn. */
    assert_int_equal(sn.bars, 3);
    const int64_t *counts[] = {i1_base, i1_end, i2_end};
    assert_true(fabs(sn.centre - CENTRE) < 1e-9);
    for (size_t b = 1; b <= 3; b++) {
        double sum = 0, start = -1, at = -1;
        size_t j = 0;
        int64_t n = 0;
        for (size_t l = 0; l < 5; l++) n += counts[b - 1][l];
        for (size_t i = 0; i < sn.nsegs; i++) {
            if (sn.bar_of[i] != b) continue;
            const struct seg *s = &sn.segs[i];
            if (start < 0) start = at = s->x;
            assert_true(fabs(s->x - at) < 1e-9); /* contiguous */
            while (counts[b - 1][j] == 0) j++;   /* empty levels draw nothing */
            /* In proportion: two boundaries rounded to a hundredth each. */
            assert_true(fabs(s->w - HALF * (double)counts[b - 1][j] / (double)n) <= 0.0100001);
            /* The middle level straddles the centre line, split in two. */
            if (j == 2) assert_true(fabs((sn.centre - s->x) - s->w / 2) <= 0.0100001);
            at += s->w;
            sum += s->w;
            j++;
        }
        assert_true(fabs(sum - HALF) < 1e-9);
        assert_true(fabs(at - start - HALF) < 1e-9);
    }
    /* Item 1 at baseline: 37.5% left of the centre, so it starts 0.375 HALF units to its left
     * (rounded to a hundredth). */
    assert_true(fabs(sn.segs[0].x - (CENTRE - round(0.375 * HALF * 100) / 100)) < 1e-9);
    /* Percentages on the segments wide enough: 6 of 20 at baseline is 30%. */
    assert_non_null(strstr(svg, ">30%</text>"));
}

/* A narrower spread makes the scale reach less far, and the bars wider. */
static void test_scale_follows_the_widest_side(void **state)
{
    (void)state;
    static const int64_t even[] = {1, 2, 2, 1}; /* 4 levels: no middle; 50% each side */
    static const char *const four[] = {"No", "Rather no", "Rather yes", "Yes"};
    static struct likert_item one[] = {{"Balanced", even, even}};
    struct likert_chart c = {.title = "t", .levels = four, .k = 4, .items = one, .nitems = 1, .threshold = 2};
    struct seen sn = {0};
    parse(draw(&c, i18n_default()), collect, &sn);
    assert_int_equal(sn.bars, 2);
    /* Reach: two quarters (50%), so 100% is the whole plot; the bar starts at its left edge. */
    double sum = 0;
    for (size_t i = 0; i < sn.nsegs; i++)
        if (sn.bar_of[i] == 1) sum += sn.segs[i].w;
    assert_true(fabs(sum - 2 * HALF) < 1e-9);
    assert_true(fabs(sn.segs[0].x - LIKERT_SVG_PLOT_LEFT) < 1e-9);
    /* No middle level: the centre line falls between levels 2 and 3. */
    assert_true(fabs(sn.segs[1].x + sn.segs[1].w - sn.centre) < 1e-9);
}

static void test_small_groups_not_drawn(void **state)
{
    (void)state;
    struct likert_chart c = chart();
    const char *svg = draw(&c, i18n_default());
    assert_int_equal(occurrences(svg, "Fewer than 5 answers: the figures are not shown, to protect the respondents."), 1);
    assert_null(strstr(svg, "n = 3"));
    assert_non_null(strstr(svg, "n = 6"));
    assert_non_null(strstr(svg, "n = 20"));
    /* Under a threshold of 7, item 2's endline (6 answers) goes too; one bar per time of item 1. */
    c.threshold = 7;
    struct seen sn = {0};
    svg = draw(&c, i18n_default());
    parse(svg, collect, &sn);
    assert_int_equal(sn.bars, 2);
    assert_int_equal(occurrences(svg, "Fewer than 7 answers"), 2);
    assert_null(strstr(svg, "n = 6"));
    /* Nothing drawn at all: the chart is still well-formed, notes only. */
    c.threshold = 100;
    svg = draw(&c, i18n_default());
    struct seen none = {0};
    parse(svg, collect, &none);
    assert_int_equal(none.bars, 0);
    assert_int_equal(occurrences(svg, "Fewer than 100 answers"), 4);
}

static void test_table_same_numbers(void **state)
{
    (void)state;
    struct likert_chart c = chart();
    const char *table = tabulate(&c);
    struct seen sn = {0};
    parse(table, collect, &sn);
    assert_non_null(strstr(table, "<caption>"));
    assert_int_equal(occurrences(table, "<tr>"), 5); /* a heading and four rows */
    assert_non_null(strstr(table, "<td class=\"num\">10.0% (2)</td>"));  /* item 1, baseline, level 1 */
    assert_non_null(strstr(table, "<td class=\"num\">30.0% (6)</td>"));
    assert_non_null(strstr(table, "<td class=\"num\">40.0% (8)</td>"));  /* item 1, endline, level 4 */
    assert_non_null(strstr(table, "<td class=\"num\">33.3% (2)</td>"));  /* item 2, endline, level 3 */
    assert_int_equal(occurrences(table, "Fewer than 5 answers"), 1);
    assert_null(strstr(table, ">3</td>"));                                /* item 2's baseline count */
    assert_non_null(strstr(table, "5. &quot;Strongly&quot; agree"));
}

static void test_invalid_changes_nothing(void **state)
{
    (void)state;
    struct likert_chart c = chart();
    struct strbuf b;
    strbuf_init(&b, &arena, 64);
    strbuf_puts(&b, "before");
    struct err e;
    err_clear(&e);
    c.k = 1;
    assert_int_equal(likert_svg(&b, &arena, i18n_default(), &c, &e), ERR_INVALID);
    assert_int_equal(likert_table(&b, &arena, i18n_default(), &c, &e), ERR_INVALID);
    c = chart();
    const char *missing[] = {"a", NULL, "c", "d", "e"};
    c.levels = missing;
    assert_int_equal(likert_svg(&b, &arena, i18n_default(), &c, &e), ERR_INVALID);
    assert_non_null(strstr(e.msg, "Level 2"));
    assert_string_equal(b.data, "before");
}

/* The fixed words come from the reader's catalogue. */
static void test_translated(void **state)
{
    (void)state;
    struct err e;
    err_clear(&e);
    if (i18n_init(&e) < 0) fail_msg("i18n_init: %s", e.msg);
    const struct i18n_lang *fr = i18n_find("fr");
    assert_non_null(fr);
    struct likert_chart c = chart();
    const char *svg = draw(&c, fr);
    const char *baseline = i18n_get(fr, "Baseline survey");
    assert_string_not_equal(baseline, "Baseline survey");
    assert_null(strstr(svg, ">Baseline survey"));
    assert_non_null(strstr(svg, i18n_get(fr, "Endline survey")));
    i18n_shutdown();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_well_formed_and_accessible),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_segments_add_up),
        cmocka_unit_test(test_scale_follows_the_widest_side),
        cmocka_unit_test(test_small_groups_not_drawn),
        cmocka_unit_test(test_table_same_numbers),
        cmocka_unit_test(test_invalid_changes_nothing),
        cmocka_unit_test(test_translated),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

#include "web/likert_svg.h"

#include <math.h>
#include <string.h>

#include "html/html.h"
#include "program/paired_stats.h"

enum {
    AXIS_H = 24,     /* the percentage scale above the bars */
    ITEM_H = 20,     /* an item's label line */
    ROW_H = 24,      /* one time's bar (or note) */
    BAR_H = 16,
    LEGEND_H = 20,   /* one line of the legend */
    LEGEND_COLS = 3,
    MIN_LABEL_W = 28, /* a segment narrower than this carries no percentage */
};

/* Positions are kept in hundredths of a unit, as integers, so that the segments' widths (the
 * differences of rounded boundaries) add up to the bar's width exactly. */
static void coord(struct strbuf *b, int64_t h)
{
    if (h < 0) {
        strbuf_putc(b, '-');
        h = -h;
    }
    strbuf_put_uint(b, (uint64_t)(h / 100));
    if (h % 100) strbuf_printf(b, ".%02d", (int)(h % 100));
}

/* At most max code points of s, with "…" when cut: the table beside has the whole text. */
static const char *shorten(struct arena *a, const char *s, size_t max)
{
    size_t cps = 0;
    for (size_t i = 0; s[i]; i++) {
        if (((unsigned char)s[i] & 0xC0) == 0x80) continue;
        if (cps++ == max) return arena_printf(a, "%.*s…", (int)i, s);
    }
    return s;
}

/* --- colours --------------------------------------------------------------------------------- */

struct rgb { double r, g, b; };

/* A diverging pair of hues (from ColorBrewer's PuOr, safe for the common colour blindnesses): light
 * next to the middle, dark at the ends. In grey (luminance 0-255) the light ends are about 190, the
 * dark ones 100 (orange) and 56 (purple), and the middle level of an odd scale is 232: a level is
 * at least 23 apart from its neighbours on an 11-level scale, and about 40 or more up to 7 levels. */
static const struct rgb NEG_LIGHT = {0xfd, 0xb8, 0x63}, NEG_DARK = {0xb3, 0x58, 0x06};
static const struct rgb POS_LIGHT = {0xbc, 0xb6, 0xdc}, POS_DARK = {0x54, 0x27, 0x88};
static const struct rgb MIDDLE = {0xe8, 0xe8, 0xe8};

/* -1: disagreeing, 0: the middle of an odd scale, +1: agreeing; *dist: 1 next to the middle. */
static int side(size_t level, size_t k, size_t *dist)
{
    size_t half = k / 2; /* levels on each side */
    if (level <= half) {
        *dist = half - level + 1;
        return -1;
    }
    if (k % 2 && level == half + 1) {
        *dist = 0;
        return 0;
    }
    *dist = level - (k + 1) / 2;
    return +1;
}

static struct rgb level_colour(size_t level, size_t k)
{
    size_t dist, half = k / 2;
    int s = side(level, k, &dist);
    if (s == 0) return MIDDLE;
    /* t from light (next to the middle) to dark (the end); one level per side is the dark end. */
    double t = half > 1 ? (double)(dist - 1) / (double)(half - 1) : 1;
    const struct rgb *lo = s < 0 ? &NEG_LIGHT : &POS_LIGHT, *hi = s < 0 ? &NEG_DARK : &POS_DARK;
    return (struct rgb){lo->r + t * (hi->r - lo->r), lo->g + t * (hi->g - lo->g), lo->b + t * (hi->b - lo->b)};
}

static const char *hex(struct arena *a, struct rgb c)
{
    return arena_printf(a, "#%02x%02x%02x", (unsigned)lround(c.r), (unsigned)lround(c.g), (unsigned)lround(c.b));
}

/* Text on a segment: black on light colours, white on dark ones (relative luminance, sRGB weights
 * on the gamma-encoded values: close enough to choose between two). */
static const char *ink(struct rgb c)
{
    return 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b > 140 ? "#000" : "#fff";
}

/* --- numbers --------------------------------------------------------------------------------- */

static int64_t total_of(const int64_t *counts, size_t k)
{
    int64_t n = 0;
    for (size_t j = 0; j < k; j++) n += counts[j];
    return n;
}

static bool shown(const struct likert_chart *c, const int64_t *counts)
{
    return counts && total_of(counts, c->k) >= c->threshold && total_of(counts, c->k) > 0;
}

/* The shares (0..1) left and right of the centre line. */
static void extents(const struct likert_chart *c, const int64_t *counts, double *left, double *right)
{
    double n = (double)total_of(counts, c->k), l = 0, r = 0;
    for (size_t j = 1; j <= c->k; j++) {
        size_t dist;
        int s = side(j, c->k, &dist);
        double share = (double)counts[j - 1] / n;
        if (s < 0) l += share;
        else if (s > 0) r += share;
        else {
            l += share / 2;
            r += share / 2;
        }
    }
    *left = l;
    *right = r;
}

/* The scale's reach on each side, in quarters of 100%: the widest side of any bar drawn, so that
 * the bars use the room there is, in steps a reader can take in. */
static int reach_quarters(const struct likert_chart *c)
{
    double most = 0;
    for (size_t i = 0; i < c->nitems; i++) {
        const int64_t *t[2] = {c->items[i].baseline, c->items[i].endline};
        for (int w = 0; w < 2; w++) {
            if (!shown(c, t[w])) continue;
            double l, r;
            extents(c, t[w], &l, &r);
            most = fmax(most, fmax(l, r));
        }
    }
    int q = (int)ceil(most * 4 - 1e-9);
    return q < 1 ? 1 : q > 4 ? 4 : q;
}

static const char *percent(struct arena *a, double share, int decimals)
{
    return arena_printf(a, "%.*f%%", decimals, 100 * share);
}

static int check(const struct likert_chart *c, struct err *e)
{
    if (c->k < 2 || c->k > PS_LIKERT_MAX)
        return err_set(e, ERR_INVALID, "A Likert chart has 2 to %d levels, not %zu.", PS_LIKERT_MAX, c->k);
    if (!c->title || !c->levels) return err_set(e, ERR_INVALID, "A Likert chart needs a title and its levels' labels.");
    for (size_t j = 0; j < c->k; j++)
        if (!c->levels[j]) return err_set(e, ERR_INVALID, "Level %zu of the Likert chart has no label.", j + 1);
    for (size_t i = 0; i < c->nitems; i++)
        if (!c->items[i].label) return err_set(e, ERR_INVALID, "Item %zu of the Likert chart has no label.", i + 1);
    return 0;
}

/* --- the drawing ----------------------------------------------------------------------------- */

struct canvas {
    struct strbuf *b;
    struct arena *a;
    const struct i18n_lang *lang;
    const struct likert_chart *c;
    int64_t centre, unit; /* hundredths: the centre line's x, and the width of 100% */
};

static void text(struct canvas *v, int64_t x, int64_t y, const char *anchor, const char *fill, const char *s)
{
    struct strbuf *b = v->b;
    html_lit(b, "<text x=\"");
    coord(b, x);
    html_lit(b, "\" y=\"");
    coord(b, y);
    html_lit(b, "\"");
    if (anchor) {
        html_lit(b, " text-anchor=\"");
        html_attr(b, anchor);
        html_lit(b, "\"");
    }
    if (fill) {
        html_lit(b, " fill=\"");
        html_attr(b, fill);
        html_lit(b, "\"");
    }
    html_lit(b, ">");
    html_text(b, s);
    html_lit(b, "</text>");
}

static void rect(struct canvas *v, int64_t x, int64_t y, int64_t w, int64_t h, const char *fill)
{
    struct strbuf *b = v->b;
    html_lit(b, "<rect x=\"");
    coord(b, x);
    html_lit(b, "\" y=\"");
    coord(b, y);
    html_lit(b, "\" width=\"");
    coord(b, w);
    html_lit(b, "\" height=\"");
    coord(b, h);
    html_lit(b, "\" fill=\"");
    html_attr(b, fill);
    html_lit(b, "\" stroke=\"#fff\" stroke-width=\"1\"/>");
}

static void line(struct canvas *v, int64_t x, int64_t y1, int64_t y2, const char *colour, const char *width)
{
    struct strbuf *b = v->b;
    html_lit(b, "<line x1=\"");
    coord(b, x);
    html_lit(b, "\" x2=\"");
    coord(b, x);
    html_lit(b, "\" y1=\"");
    coord(b, y1);
    html_lit(b, "\" y2=\"");
    coord(b, y2);
    html_lit(b, "\" stroke=\"");
    html_attr(b, colour);
    html_lit(b, "\" stroke-width=\"");
    html_attr(b, width);
    html_lit(b, "\"/>");
}

static void axis(struct canvas *v, int quarters, int64_t bottom)
{
    for (int q = -quarters; q <= quarters; q++) {
        int64_t x = v->centre + v->unit * q / 4;
        if (q) line(v, x, (AXIS_H - 6) * 100, bottom, "#bbb", "0.5");
        text(v, x, (AXIS_H - 10) * 100, "middle", NULL, arena_printf(v->a, "%d%%", 25 * (q < 0 ? -q : q)));
    }
}

/* One time's bar: segments from the left end, each boundary rounded once. */
static void bar(struct canvas *v, const int64_t *counts, int64_t y)
{
    const struct likert_chart *c = v->c;
    int64_t n = total_of(counts, c->k);
    double left, right;
    extents(c, counts, &left, &right);
    int64_t start = v->centre - llround((double)v->unit * left), at = start, cum = 0;
    html_lit(v->b, "<g class=\"bar\">");
    for (size_t j = 1; j <= c->k; j++) {
        cum += counts[j - 1];
        int64_t end = start + (int64_t)llround((double)v->unit * (double)cum / (double)n);
        if (cum == n) end = start + v->unit;
        if (end > at) {
            struct rgb col = level_colour(j, c->k);
            rect(v, at, y, end - at, BAR_H * 100, hex(v->a, col));
            if (end - at >= MIN_LABEL_W * 100)
                text(v, (at + end) / 2, y + 1200, "middle", ink(col),
                     percent(v->a, (double)counts[j - 1] / (double)n, 0));
        }
        at = end;
    }
    html_lit(v->b, "</g>");
}

static const char *hidden_note(const struct canvas *v)
{
    return arena_printf(v->a, i18n_get(v->lang, "Fewer than %d answers: the figures are not shown, to protect the respondents."),
                        v->c->threshold);
}

static int64_t legend(struct canvas *v, int64_t y)
{
    const struct likert_chart *c = v->c;
    int64_t colw = (LIKERT_SVG_WIDTH - 20) * 100 / LEGEND_COLS;
    for (size_t j = 0; j < c->k; j++) {
        int64_t x = 1000 + colw * (int64_t)(j % LEGEND_COLS), ly = y + LEGEND_H * 100 * (int64_t)(j / LEGEND_COLS);
        rect(v, x, ly + 300, 1400, 1400, hex(v->a, level_colour(j + 1, c->k)));
        text(v, x + 1900, ly + 1500, NULL, NULL,
             shorten(v->a, arena_printf(v->a, "%zu. %s", j + 1, c->levels[j]), 30));
    }
    return y + LEGEND_H * 100 * (int64_t)((c->k + LEGEND_COLS - 1) / LEGEND_COLS);
}

int likert_svg(struct strbuf *b, struct arena *a, const struct i18n_lang *lang, const struct likert_chart *c,
               struct err *e)
{
    if (check(c, e) < 0) return ERR_INVALID;
    int quarters = reach_quarters(c);
    int64_t half = (LIKERT_SVG_PLOT_RIGHT - LIKERT_SVG_PLOT_LEFT) * 100 / 2;
    struct canvas v = {.b = b, .a = a, .lang = lang, .c = c,
                       .centre = LIKERT_SVG_PLOT_LEFT * 100 + half, .unit = half * 4 / quarters};
    int64_t rows_h = 0;
    for (size_t i = 0; i < c->nitems; i++)
        rows_h += ITEM_H + ROW_H * (!!c->items[i].baseline + !!c->items[i].endline);
    int64_t plot_bottom = (AXIS_H + rows_h) * 100;
    int64_t height = plot_bottom + 1000 + LEGEND_H * 100 * (int64_t)((c->k + LEGEND_COLS - 1) / LEGEND_COLS);

    html_lit(b, "<svg class=\"chart likert\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"100%\" viewBox=\"0 0 ");
    html_int(b, LIKERT_SVG_WIDTH);
    html_lit(b, " ");
    coord(b, height);
    html_lit(b, "\" font-family=\"sans-serif\" font-size=\"12\" aria-label=\"");
    html_attr(b, c->title);
    html_lit(b, "\"><title>");
    html_text(b, c->title);
    html_lit(b, "</title><desc>");
    html_text(b, i18n_get(lang, "Each bar holds all the answers of one survey: disagreeing answers lie left of the centre line, agreeing ones right of it, and the middle answer is split across it. The table has the same numbers."));
    html_lit(b, "</desc>");
    axis(&v, quarters, plot_bottom);

    int64_t y = AXIS_H * 100;
    for (size_t i = 0; i < c->nitems; i++) {
        const struct likert_item *it = &c->items[i];
        html_lit(b, "<g class=\"item\">");
        html_lit(b, "<g font-weight=\"bold\">");
        text(&v, 0, y + 1400, NULL, NULL, shorten(a, it->label, 90));
        html_lit(b, "</g>");
        y += ITEM_H * 100;
        const int64_t *times[2] = {it->baseline, it->endline};
        const char *names[2] = {i18n_get(lang, "Baseline survey"), i18n_get(lang, "Endline survey")};
        for (int w = 0; w < 2; w++) {
            if (!times[w]) continue;
            if (shown(c, times[w])) {
                const char *label = arena_printf(a, i18n_get(lang, "%s (n = %lld)"), names[w],
                                                 (long long)total_of(times[w], c->k));
                text(&v, (LIKERT_SVG_PLOT_LEFT - 8) * 100, y + 1600, "end", NULL, shorten(a, label, 30));
                bar(&v, times[w], y + 400);
            } else {
                text(&v, (LIKERT_SVG_PLOT_LEFT - 8) * 100, y + 1600, "end", NULL, shorten(a, names[w], 30));
                /* Smaller: a translated note has about the plot's width to itself. */
                html_lit(b, "<g font-size=\"10\">");
                text(&v, LIKERT_SVG_PLOT_LEFT * 100, y + 1600, NULL, NULL, hidden_note(&v));
                html_lit(b, "</g>");
            }
            y += ROW_H * 100;
        }
        html_lit(b, "</g>");
    }
    line(&v, v.centre, (AXIS_H - 6) * 100, plot_bottom, "#000", "1.5");
    legend(&v, plot_bottom + 1000);
    html_lit(b, "</svg>");
    return 0;
}

/* --- the table ------------------------------------------------------------------------------- */

static void table_row(struct canvas *v, const struct likert_item *it, const char *time, const int64_t *counts)
{
    struct strbuf *b = v->b;
    const struct likert_chart *c = v->c;
    html_lit(b, "<tr><th scope=\"row\">");
    html_text(b, it->label);
    html_lit(b, "</th><td>");
    html_text(b, time);
    html_lit(b, "</td>");
    if (!shown(c, counts)) {
        html_lit(b, "<td colspan=\"");
        html_int(b, (int64_t)c->k + 1);
        html_lit(b, "\">");
        html_text(b, hidden_note(v));
        html_lit(b, "</td></tr>");
        return;
    }
    int64_t n = total_of(counts, c->k);
    html_lit(b, "<td class=\"num\">");
    html_int(b, n);
    html_lit(b, "</td>");
    for (size_t j = 0; j < c->k; j++) {
        html_lit(b, "<td class=\"num\">");
        html_text(b, percent(v->a, (double)counts[j] / (double)n, 1));
        html_lit(b, " (");
        html_int(b, counts[j]);
        html_lit(b, ")</td>");
    }
    html_lit(b, "</tr>");
}

int likert_table(struct strbuf *b, struct arena *a, const struct i18n_lang *lang, const struct likert_chart *c,
                 struct err *e)
{
    if (check(c, e) < 0) return ERR_INVALID;
    struct canvas v = {.b = b, .a = a, .lang = lang, .c = c};
    html_lit(b, "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"");
    html_attr(b, c->title);
    html_lit(b, "\"><table class=\"likert\"><caption>");
    html_text(b, c->title);
    html_lit(b, "</caption><thead><tr><th scope=\"col\">");
    html_text(b, i18n_get(lang, "Question"));
    html_lit(b, "</th><th scope=\"col\">");
    html_text(b, i18n_get(lang, "Survey"));
    html_lit(b, "</th><th scope=\"col\" class=\"num\">");
    html_text(b, i18n_get(lang, "Answers"));
    html_lit(b, "</th>");
    for (size_t j = 0; j < c->k; j++) {
        html_lit(b, "<th scope=\"col\" class=\"num\">");
        html_text(b, arena_printf(a, "%zu. %s", j + 1, c->levels[j]));
        html_lit(b, "</th>");
    }
    html_lit(b, "</tr></thead><tbody>");
    for (size_t i = 0; i < c->nitems; i++) {
        const struct likert_item *it = &c->items[i];
        if (it->baseline) table_row(&v, it, i18n_get(lang, "Baseline survey"), it->baseline);
        if (it->endline) table_row(&v, it, i18n_get(lang, "Endline survey"), it->endline);
    }
    html_lit(b, "</tbody></table></div>");
    return 0;
}

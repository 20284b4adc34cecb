/* likert_svg: Likert items at baseline and endline drawn as diverging stacked bars (inline SVG),
 * and the same numbers as a plain HTML table for readers who cannot see the drawing.
 *
 * One bar per item and time. Each bar is 100% of that time's answers: the disagreeing levels lie to
 * the left of a centre line, the agreeing ones to its right, and the middle level of an odd scale
 * is split across it, so that the balance of opinion reads off the line and a shift between the
 * two bars of an item is the change. Percentages are written on the segments wide enough to hold
 * them (the table has them all). The colours are a diverging pair of hues whose lightness falls
 * with the distance from the middle, the middle level a lighter grey than any of them, and segments
 * are parted by white lines: printed in grey, neighbouring levels stay apart, and the side of the
 * centre line tells agreeing from disagreeing. SVG presentation attributes only: the CSP allows no
 * style.
 *
 * Anonymity: a time whose answers number fewer than the threshold is not drawn and not tabulated;
 * a note says so in its place (the count itself is not shown either). The counts come from
 * ps_likert() (program/paired_stats.h).
 *
 * Every text goes through html/ escaping; the fixed words through the reader's catalogue. Nothing
 * is kept: the output is appended to b, with temporary text in a (the request's arena). */
#ifndef EDUBRIDGE_LIKERT_SVG_H
#define EDUBRIDGE_LIKERT_SVG_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/i18n.h"
#include "base/str.h"

struct likert_item {
    const char *label;       /* the item's question, in the reader's language */
    const int64_t *baseline; /* k counts, level 1 first; NULL: not asked at baseline (no bar) */
    const int64_t *endline;  /* likewise at endline */
};

struct likert_chart {
    const char *title;         /* what the chart shows: the SVG's <title>, the table's caption */
    const char *const *levels; /* k labels, level 1 (the most negative) first */
    size_t k;                  /* 2..PS_LIKERT_MAX */
    const struct likert_item *items;
    size_t nitems;
    int threshold;             /* the anonymity threshold (summary_threshold) */
};

/* Geometry, in the SVG's own units (it scales to the page's width). A bar's segments add up to
 * its width exactly; that width is 100% of its answers at the chart's scale. */
enum {
    LIKERT_SVG_WIDTH = 720,
    LIKERT_SVG_PLOT_LEFT = 200,  /* the plot between these; the labels of the times to its left */
    LIKERT_SVG_PLOT_RIGHT = 690, /* room on the right for the last tick's label */
};

/* Appends <svg>...</svg> for the chart. ERR_INVALID, appending nothing, when k is out of range or
 * a label is missing. */
int likert_svg(struct strbuf *b, struct arena *a, const struct i18n_lang *lang, const struct likert_chart *c,
               struct err *e);
/* Appends the table of the same numbers: per item and time, the answers and each level's share
 * and count. ERR_INVALID as likert_svg(). */
int likert_table(struct strbuf *b, struct arena *a, const struct i18n_lang *lang, const struct likert_chart *c,
                 struct err *e);

#endif

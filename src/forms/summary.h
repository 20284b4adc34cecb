/* summary: what the submitted answers to a form say, question by question, and one question
 * against another, read from the value index (forms/values.h), never from the stored JSON.
 *
 * Counts are of respondents: current, submitted answer sets. A select_multiple's percentages are
 * over the respondents who answered it, so they can add up to more than 100%; a cross-tab counts
 * a respondent once in every cell their answers meet, and its totals count respondents (so with a
 * select_multiple, a row's cells can add up to more than its total).
 *
 * Numbers: n, mean, minimum, maximum and the quartiles of the answers, where the p-quantile is
 * R's type 7 (the default of R and of NumPy): with the n answers sorted as x[0..n-1] and
 * h = (n - 1) p, it is x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h]), linear
 * interpolation between the two nearest ranks. The median is the 0.5-quantile.
 *
 * Privacy: a report never shows a group smaller than the anonymity threshold (the setting
 * anonymity_threshold, default 5: summary_threshold). This module returns true counts; whoever
 * shows them asks summary_hidden() for each count (and for the n of a number summary, whose mean,
 * quartiles, minimum and maximum then go too) and writes "fewer than 5" in its place. A zero is
 * hidden like any small count, so that "nobody" and "a few" read the same.
 *
 * Everything returned lives in the caller's arena; scratch memory is freed before returning. */
#ifndef EDUBRIDGE_SUMMARY_H
#define EDUBRIDGE_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "forms/form.h"
#include "store/audit.h"
#include "store/store.h"

/* The anonymity threshold (DESIGN.md: "default 5"), and the values the setting may take: below 2
 * a group of one would show, and a threshold past 100 hides nearly every report. */
enum { SUMMARY_THRESHOLD_DEFAULT = 5, SUMMARY_THRESHOLD_MIN = 2, SUMMARY_THRESHOLD_MAX = 100 };

static inline bool summary_hidden(int64_t count, int threshold) { return count < threshold; }

/* The threshold in force: the settings row anonymity_threshold, else the default. A value out of
 * range (set by hand in the database) counts as the default. */
int summary_threshold(struct store *st, int *out, struct err *e);
/* Stores a new threshold; ERR_INVALID outside SUMMARY_THRESHOLD_MIN..MAX. Recorded in the audit
 * trail (settings.set) as done by `by`, in one transaction. */
int summary_set_threshold(struct store *st, int threshold, const struct audit_actor *by, struct err *e);

enum summary_kind {
    SUMMARY_NONE,    /* not indexed: no summary (see values.h) */
    SUMMARY_CHOICES, /* select_one, select_multiple, rank: counts per choice */
    SUMMARY_NUMBERS, /* integer, decimal, range */
    SUMMARY_TEXT,    /* text: the answers themselves */
};
enum summary_kind summary_kind_of(const struct form_field *fd);

/* A row or column of a count: a choice, the or_other "other", the values the list does not have
 * (answers to an older version), or a range of numbers. */
struct summary_category {
    const char *value;                /* the stored value; NULL for the lump of unlisted values and for bins */
    const struct form_choice *choice; /* NULL unless a choice of the list */
    bool is_bin;                      /* numbers from lo (excluded, but included in the first bin) to hi */
    double lo, hi;
};

struct summary_choices {
    int64_t respondents;              /* who answered the question */
    struct summary_category *cats;    /* the list's choices in order, then "other" (or_other), */
    int64_t *counts;                  /* then the unlisted values together, only when counted */
    size_t n;
};
int summary_choices(struct store *st, struct arena *a, const char *form_id, const struct form_field *fd,
                    struct summary_choices *out, struct err *e);

struct summary_numbers {
    int64_t n;
    double mean, min, q1, median, q3, max; /* 0 when n is 0 */
};
int summary_numbers(struct store *st, const char *form_id, const struct form_field *fd,
                    struct summary_numbers *out, struct err *e);
/* The p-quantile (0 <= p <= 1) of n sorted numbers, as above; exposed for tests. */
double summary_quantile(const double *sorted, size_t n, double p);

/* Text answers, most recent first (by the order answer sets arrived), count of them from offset. */
struct summary_texts {
    int64_t total;
    const char **items;
    size_t n;
};
#define SUMMARY_TEXT_PAGE 50
int summary_texts(struct store *st, struct arena *a, const char *form_id, const struct form_field *fd,
                  int64_t offset, size_t count, struct summary_texts *out, struct err *e);

/* How many current submitted answer sets the form has. */
int summary_total(struct store *st, const char *form_id, int64_t *out, struct err *e);

/* row (a select or a number field: numbers are cut into ranges at their quartiles) by col (a
 * select field). ERR_INVALID for other kinds. */
struct summary_crosstab {
    struct summary_category *rows, *cols;
    size_t nrows, ncols;
    int64_t *cells;                   /* nrows * ncols, row by row */
    int64_t *row_totals, *col_totals; /* respondents who answered both questions */
    int64_t total;
};
int summary_crosstab(struct store *st, struct arena *a, const char *form_id, const struct form_field *row,
                     const struct form_field *col, struct summary_crosstab *out, struct err *e);

#endif

/* paired_stats: what changed between a baseline and an endline answer of the same respondents
 * (issue 6's structured feedback): for one item, the pairs (x_i at baseline, y_i at endline) of
 * the respondents who answered both, linked by their pseudonymous codes before this module is
 * called. Pure computation on GSL's distributions: no database, no HTTP. docs/feedback-statistics.md
 * says the same for coordinators, with the worked examples the tests check.
 *
 * Ownership: ps_paired() and ps_likert() only read their inputs; ps_paired() takes scratch memory
 * from the caller's arena (about 48 bytes a pair) and returns nothing there; ps_likert() allocates
 * its two count arrays in the caller's arena.
 *
 * ---- The method, exactly ----
 *
 * Pairs. x_i or y_i NaN is a missing answer: the pair is dropped (ps_result.dropped counts them).
 * The n pairs left give d_i = y_i - x_i, so a positive difference is a rise from baseline to endline.
 *
 * Anonymity. When n is below the threshold passed in, the result is PS_SUPPRESSED and nothing else
 * is filled in (n and dropped included, which would give n away): a caller cannot show what it
 * does not have. Otherwise:
 *
 *   means        x̄ = Σx_i / n,  ȳ = Σy_i / n,  d̄ = Σd_i / n = ȳ - x̄
 *   spread       s = sqrt(Σ(d_i - d̄)² / (n - 1))          (the sample standard deviation)
 *   95% CI       d̄ ± t* s / √n,  t* = the 0.975 quantile of Student's t with n - 1 df
 *                (gsl_cdf_tdist_Pinv)
 *   paired t     t = d̄ / (s / √n), df = n - 1, two-sided p = 2 Q_t(|t|; n - 1)  (gsl_cdf_tdist_Q)
 *   Cohen's d_z  d_z = d̄ / s  (so t = d_z √n)
 * With n < 2 (no spread can be estimated) or s = 0 (every difference the same: t would be infinite
 * or 0/0), the interval, t, p and d_z are NaN and the reason says which; s is NaN with n < 2 and 0
 * when there is no spread, which follows R's t.test: SE <= 10 eps |d̄| (eps the machine epsilon),
 * so that differences equal on paper but computed in binary count as equal.
 *
 *   Wilcoxon signed-rank (Wilcoxon's method): zero differences are dropped (m = n - zeros remain;
 *   Pratt's method would rank them and is not used), the |d_i| are ranked 1..m with tied values
 *   given the average of the ranks they span, W+ = the sum of the ranks of positive d_i, W- of
 *   negative ones, W+ + W- = m(m + 1)/2.
 *   - exact p, when m = n <= 25 (no zeros) and no |d_i| are tied: the null distribution of W+ (each
 *     rank's sign + or - with probability 1/2) counted by dynamic programming over the 2^m sign
 *     assignments, p = min(1, 2 min(P(W+ <= w), P(W+ >= w))) for the observed w = W+;
 *   - otherwise the normal approximation with the tie and continuity corrections:
 *         μ = m(m + 1)/4,  σ² = m(m + 1)(2m + 1)/24 - Σ_j (t_j³ - t_j)/48  (t_j: the size of each
 *         group of tied |d|),  z = (W+ - μ - ½ sign(W+ - μ)) / σ,  p = min(1, 2 Q_N(|z|)).
 *   These are the choices of R's wilcox.test (paired, exact where it allows), so its figures can
 *   be compared. |d_i| are compared for ties after rounding to 10 significant digits, so that
 *   0.7 - 0.4 and 0.5 - 0.2 tie as on paper (binary floating point makes them differ in the 17th
 *   digit). With no non-zero difference there is nothing to rank: W+, W-, z and p are NaN.
 *
 * Likert distributions (ps_likert): the number of answers at each level 1..k at baseline and at
 * endline, for the diverging bars (web/likert_svg.h). Values must be whole numbers 1..k or NaN. */
#ifndef EDUBRIDGE_PAIRED_STATS_H
#define EDUBRIDGE_PAIRED_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct err;

/* The largest m for which the exact Wilcoxon p is computed (2^25 sign assignments, counted by
 * dynamic programming over at most 326 sums). */
enum { PS_EXACT_MAX = 25 };

enum ps_status {
    PS_COMPUTED,   /* the figures below are filled in (some may be NaN with a reason) */
    PS_SUPPRESSED, /* n below the anonymity threshold: only status and threshold are set */
};

/* Why a figure is NaN. */
enum ps_reason {
    PS_REASON_NONE,      /* the figure is there */
    PS_REASON_NO_PAIRS,  /* no complete pair at all */
    PS_REASON_ONE_PAIR,  /* n = 1: no spread can be estimated */
    PS_REASON_NO_SPREAD, /* every difference is the same (s = 0) */
    PS_REASON_ALL_ZERO,  /* Wilcoxon: every difference is zero, nothing to rank */
};

enum ps_wilcoxon_method {
    PS_WILCOXON_NONE,   /* not computed (see w_reason) */
    PS_WILCOXON_EXACT,  /* exact p from the whole null distribution */
    PS_WILCOXON_NORMAL, /* normal approximation, tie and continuity corrections */
};

struct ps_result {
    enum ps_status status;
    int threshold;          /* as passed in */
    size_t n;               /* complete pairs used */
    size_t dropped;         /* pairs with either answer missing */

    double mean_x, mean_y;  /* baseline and endline means over the n pairs; NaN when n = 0 */
    double mean_diff;       /* d̄ = mean of y - x; NaN when n = 0 */
    enum ps_reason mean_reason;

    /* NaN together, with spread_reason, when n < 2 or s = 0 (see above). */
    double sd_diff;         /* s; 0 (not NaN) when the reason is PS_REASON_NO_SPREAD */
    double ci_low, ci_high; /* 95% confidence interval of d̄ */
    int df;                 /* n - 1 */
    double t, p_t;          /* paired t and its two-sided p */
    double dz;              /* Cohen's d_z */
    enum ps_reason spread_reason;

    /* Wilcoxon signed-rank test. */
    enum ps_wilcoxon_method w_method;
    size_t w_m;             /* differences ranked: n less the zeros */
    size_t w_zeros;         /* zero differences dropped (Wilcoxon's method) */
    bool w_ties;            /* some |d| are tied (average ranks) */
    double w_plus, w_minus; /* sums of the ranks of positive and negative differences */
    double w_z;             /* the normal approximation's z; NaN with the exact method */
    double p_w;             /* two-sided p */
    enum ps_reason w_reason;
};

/* Computes everything above for n pairs x[i], y[i] (NaN: missing) with the given anonymity
 * threshold (summary_threshold() in the web face; n < threshold suppresses). ERR_INVALID, naming
 * the pair, when a value is infinite; out is then cleared to PS_SUPPRESSED. */
int ps_paired(const double *x, const double *y, size_t n, int threshold, struct arena *scratch,
              struct ps_result *out, struct err *e);

/* The English sentence for a reason, marked for the catalogues: show it with i18n_get(). "" for
 * PS_REASON_NONE. */
const char *ps_reason_text(enum ps_reason r);
/* The method in English words for a report ("exact", "normal approximation"), marked likewise. */
const char *ps_wilcoxon_method_text(enum ps_wilcoxon_method m);

/* The exact two-sided p of the signed-rank statistic w (a whole number) for m untied ranks:
 * exposed for tests. NaN when m is 0 or above PS_EXACT_MAX. */
double ps_signrank_exact_p(double w, size_t m);

/* Answers per level of a k-level Likert item. */
struct ps_likert {
    size_t k;
    int64_t *baseline, *endline; /* k each: [0] counts level 1 */
    int64_t n_baseline, n_endline; /* answers counted at each time */
};

/* Counts x (baseline) and y (endline), n values each. paired_only: count only the pairs where both
 * are answered (the pairs of ps_paired), else every answer at each time. ERR_INVALID, naming the
 * pair, for a value that is not NaN and not a whole number in 1..k, or k outside 2..PS_LIKERT_MAX. */
enum { PS_LIKERT_MAX = 11 };
int ps_likert(const double *x, const double *y, size_t n, size_t k, bool paired_only, struct arena *a,
              struct ps_likert *out, struct err *e);

#endif

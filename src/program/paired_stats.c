#include "program/paired_stats.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <pthread.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/i18n.h"

const char *ps_reason_text(enum ps_reason r)
{
    switch (r) {
    case PS_REASON_NONE: return "";
    case PS_REASON_NO_PAIRS: return N_("No respondent answered both times.");
    case PS_REASON_ONE_PAIR: return N_("Only one respondent answered both times: a spread cannot be estimated from one difference.");
    case PS_REASON_NO_SPREAD: return N_("Every respondent changed by the same amount: with no spread, the test and the effect size cannot be computed.");
    case PS_REASON_ALL_ZERO: return N_("Every respondent gave the same answer both times: there is no change to rank.");
    }
    return "";
}

const char *ps_wilcoxon_method_text(enum ps_wilcoxon_method m)
{
    switch (m) {
    case PS_WILCOXON_NONE: return N_("not computed");
    case PS_WILCOXON_EXACT: return N_("exact");
    case PS_WILCOXON_NORMAL: return N_("normal approximation");
    }
    return "";
}

/* Everything a figure can be when it is not there. */
static void clear(struct ps_result *r, int threshold)
{
    memset(r, 0, sizeof *r);
    r->status = PS_SUPPRESSED;
    r->threshold = threshold;
    r->mean_x = r->mean_y = r->mean_diff = NAN;
    r->sd_diff = r->ci_low = r->ci_high = r->t = r->p_t = r->dz = NAN;
    r->w_plus = r->w_minus = r->w_z = r->p_w = NAN;
}

/* v to 10 significant digits: ties as on paper (see the header). */
static double round10(double v)
{
    if (v == 0 || !isfinite(v)) return v;
    int e = (int)floor(log10(fabs(v)));
    if (e > 280 || e < -280) return v; /* the scale would overflow; such values do not come from answers */
    double scale = pow(10, 9 - e);
    return round(v * scale) / scale;
}

double ps_signrank_exact_p(double w, size_t m)
{
    if (m == 0 || m > PS_EXACT_MAX) return NAN;
    size_t top = m * (m + 1) / 2;
    /* count[s]: how many of the sign assignments of ranks 1..r give W+ = s, r growing to m. */
    uint64_t count[PS_EXACT_MAX * (PS_EXACT_MAX + 1) / 2 + 1];
    memset(count, 0, sizeof count);
    count[0] = 1;
    for (size_t r = 1; r <= m; r++)
        for (size_t s = r * (r + 1) / 2; s >= r; s--) count[s] += count[s - r];
    double total = ldexp(1.0, (int)m), below = 0, above = 0;
    for (size_t s = 0; s <= top; s++) {
        if ((double)s <= w) below += (double)count[s];
        if ((double)s >= w) above += (double)count[s];
    }
    double p = 2 * fmin(below, above) / total;
    return p < 1 ? p : 1;
}

/* The signed-rank test on the n differences d (none NaN). */
static void wilcoxon(const double *d, size_t n, struct arena *a, struct ps_result *r)
{
    double *mag = arena_alloc(a, (n ? n : 1) * sizeof *mag);
    double *sign = arena_alloc(a, (n ? n : 1) * sizeof *sign);
    size_t *order = arena_alloc(a, (n ? n : 1) * sizeof *order);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (d[i] == 0) continue;
        mag[m] = round10(fabs(d[i]));
        sign[m++] = d[i] > 0 ? 1 : -1;
    }
    r->w_m = m;
    r->w_zeros = n - m;
    if (m == 0) {
        r->w_reason = n ? PS_REASON_ALL_ZERO : PS_REASON_NO_PAIRS;
        return;
    }
    gsl_sort_index(order, mag, 1, m);
    double plus = 0, minus = 0, ties = 0;
    for (size_t i = 0; i < m;) {
        size_t j = i + 1;
        while (j < m && mag[order[j]] == mag[order[i]]) j++;
        /* Positions i..j-1 hold equal values: each gets the average of ranks i+1..j. */
        double rank = (double)(i + 1 + j) / 2, t = (double)(j - i);
        ties += t * t * t - t;
        for (size_t k = i; k < j; k++) {
            if (sign[order[k]] > 0) plus += rank;
            else minus += rank;
        }
        i = j;
    }
    r->w_plus = plus;
    r->w_minus = minus;
    r->w_ties = ties > 0;
    if (r->w_zeros == 0 && !r->w_ties && m <= PS_EXACT_MAX) {
        r->w_method = PS_WILCOXON_EXACT;
        r->p_w = ps_signrank_exact_p(plus, m);
        return;
    }
    double dm = (double)m;
    double mu = dm * (dm + 1) / 4;
    double var = dm * (dm + 1) * (2 * dm + 1) / 24 - ties / 48;
    double diff = plus - mu;
    double correction = diff > 0 ? 0.5 : diff < 0 ? -0.5 : 0;
    r->w_method = PS_WILCOXON_NORMAL;
    /* var > 0: with m >= 1 it is at least m(m+1)(2m+1)/24 - (m³-m)/48 = m(m+1)(m+2)/16 > 0. */
    r->w_z = (diff - correction) / sqrt(var);
    double p = 2 * gsl_cdf_ugaussian_Q(fabs(r->w_z));
    r->p_w = p < 1 ? p : 1;
}

/* GSL's default error handler aborts the process; in a server a figure GSL cannot compute must be
 * NaN on one page, not the end of every request. The handler is process-wide, so it is turned off
 * once, before the first use. */
static pthread_once_t gsl_quiet = PTHREAD_ONCE_INIT;
static void gsl_handler_off(void) { gsl_set_error_handler_off(); }

int ps_paired(const double *x, const double *y, size_t n, int threshold, struct arena *scratch,
              struct ps_result *out, struct err *e)
{
    pthread_once(&gsl_quiet, gsl_handler_off);
    clear(out, threshold);
    if (n > 0 && (!x || !y)) return err_set(e, ERR_INVALID, "The paired analysis was given no values.");
    for (size_t i = 0; i < n; i++)
        if (isinf(x[i]) || isinf(y[i]))
            return err_set(e, ERR_INVALID, "Pair %zu has an infinite value: only numbers or missing answers can be analysed.", i + 1);
    double *bx = arena_alloc(scratch, (n ? n : 1) * sizeof *bx);
    double *by = arena_alloc(scratch, (n ? n : 1) * sizeof *by);
    double *d = arena_alloc(scratch, (n ? n : 1) * sizeof *d);
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(x[i]) || isnan(y[i])) continue;
        bx[used] = x[i];
        by[used] = y[i];
        d[used] = y[i] - x[i];
        used++;
    }
    if (used < (size_t)(threshold > 0 ? threshold : 0)) return 0; /* suppressed: nothing else leaves here */

    out->status = PS_COMPUTED;
    out->n = used;
    out->dropped = n - used;
    out->df = used > 0 ? (int)(used - 1) : 0;
    if (used == 0) {
        out->mean_reason = out->spread_reason = out->w_reason = PS_REASON_NO_PAIRS;
        return 0;
    }
    out->mean_x = gsl_stats_mean(bx, 1, used);
    out->mean_y = gsl_stats_mean(by, 1, used);
    out->mean_diff = gsl_stats_mean(d, 1, used);
    wilcoxon(d, used, scratch, out);
    if (used < 2) {
        out->spread_reason = PS_REASON_ONE_PAIR;
        return 0;
    }
    double s = gsl_stats_sd_m(d, 1, used, out->mean_diff), se = s / sqrt((double)used);
    /* R's t.test rule for "essentially constant" differences: a standard error within rounding
     * noise of the mean (equal differences computed in binary can differ in the last digit). */
    if (se <= 10 * DBL_EPSILON * fabs(out->mean_diff)) {
        out->sd_diff = 0;
        out->spread_reason = PS_REASON_NO_SPREAD;
        return 0;
    }
    double tcrit = gsl_cdf_tdist_Pinv(0.975, (double)out->df);
    out->sd_diff = s;
    out->ci_low = out->mean_diff - tcrit * se;
    out->ci_high = out->mean_diff + tcrit * se;
    out->t = out->mean_diff / se;
    out->p_t = 2 * gsl_cdf_tdist_Q(fabs(out->t), (double)out->df);
    if (out->p_t > 1) out->p_t = 1;
    out->dz = out->mean_diff / s;
    return 0;
}

/* 0 for NaN, else the level 1..k, else -1. */
static int level(double v, size_t k)
{
    if (isnan(v)) return 0;
    if (v >= 1 && v <= (double)k && v == floor(v)) return (int)v;
    return -1;
}

int ps_likert(const double *x, const double *y, size_t n, size_t k, bool paired_only, struct arena *a,
              struct ps_likert *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    if (k < 2 || k > PS_LIKERT_MAX)
        return err_set(e, ERR_INVALID, "A Likert item has 2 to %d levels, not %zu.", PS_LIKERT_MAX, k);
    if (n > 0 && (!x || !y)) return err_set(e, ERR_INVALID, "The Likert counts were given no values.");
    /* Checked before anything is counted, so that an error leaves out empty. */
    for (size_t i = 0; i < n; i++) {
        if (level(x[i], k) < 0)
            return err_set(e, ERR_INVALID, "Pair %zu: the baseline answer %g is not a level from 1 to %zu.", i + 1, x[i], k);
        if (level(y[i], k) < 0)
            return err_set(e, ERR_INVALID, "Pair %zu: the endline answer %g is not a level from 1 to %zu.", i + 1, y[i], k);
    }
    out->k = k;
    out->baseline = arena_calloc(a, k, sizeof *out->baseline);
    out->endline = arena_calloc(a, k, sizeof *out->endline);
    for (size_t i = 0; i < n; i++) {
        int lx = level(x[i], k), ly = level(y[i], k);
        if (paired_only && (!lx || !ly)) continue;
        if (lx) {
            out->baseline[lx - 1]++;
            out->n_baseline++;
        }
        if (ly) {
            out->endline[ly - 1]++;
            out->n_endline++;
        }
    }
    return 0;
}

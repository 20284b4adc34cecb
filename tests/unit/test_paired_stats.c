/* Tests for program/paired_stats: the paired t-test, its interval and Cohen's d_z against Student's
 * sleep data as R reports it; the exact Wilcoxon signed-rank p against Hollander & Wolfe's example
 * (R's wilcox.test documentation) and against a brute-force count of every sign assignment; the
 * normal approximation with zeros and ties against the formula worked by hand below; closed forms
 * for 2 degrees of freedom; missing pairs, the anonymity threshold, and the edge cases that give
 * NaN with a reason. The working is in the comments: docs/feedback-statistics.md repeats it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/err.h"
#include "program/paired_stats.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static bool near(double a, double b, double tol)
{
    if (fabs(a - b) <= tol) return true;
    print_error("%.12g is not %.12g (within %g)\n", a, b, tol);
    return false;
}
#define NEAR(a, b, tol) assert_true(near((a), (b), (tol)))

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

static struct ps_result run(const double *x, const double *y, size_t n, int threshold)
{
    struct ps_result r;
    struct err e;
    err_clear(&e);
    if (ps_paired(x, y, n, threshold, &arena, &r, &e) < 0) fail_msg("ps_paired: %s", e.msg);
    return r;
}

/* ---- Student's sleep data ----
 *
 * Cushny & Peebles (1905), analysed by Student (1908), R's `sleep`: extra hours of sleep of 10
 * patients under two drugs. R: t.test(extra ~ group, data = sleep, paired = TRUE), which takes
 * group 1 - group 2:
 *     t = -4.0621, df = 9, p-value = 0.002833
 *     95 percent confidence interval: -2.4598858 -0.7001142
 *     mean difference -1.58
 * Here d = y - x, so x is group 2 and y group 1. sd(d) = 1.229995 (R: sd(extra[1:10] - extra[11:20])),
 * d_z = -1.58 / 1.229995 = -1.284558 and t = d_z sqrt(10).
 *
 * Wilcoxon, R: wilcox.test(extra ~ group, data = sleep, paired = TRUE): V = 0, p-value = 0.009091,
 * with the warnings "cannot compute exact p-value with ties" and "... with zeroes". By hand: one
 * zero difference (patient 5) is dropped, m = 9; |d| = 1.2 2.4 1.3 1.3 1.0 1.8 0.8 4.6 1.4, the two
 * 1.3 tie (ranks 3 and 4, average 3.5); every difference is negative: W+ = 0, W- = 45.
 *     mu = 9 * 10 / 4 = 22.5
 *     sigma^2 = 9 * 10 * 19 / 24 - (2^3 - 2) / 48 = 71.25 - 0.125 = 71.125
 *     z = (0 - 22.5 + 0.5) / sqrt(71.125) = -2.608624
 *     p = 2 Phi(-2.608624) = 0.0090907 */
static const double sleep_group1[] = {0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0};
static const double sleep_group2[] = {1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4};

static double normal_two_sided(double z) { return erfc(fabs(z) / sqrt(2)); }

static void test_sleep_t(void **state)
{
    (void)state;
    struct ps_result r = run(sleep_group2, sleep_group1, 10, 5);
    assert_int_equal(r.status, PS_COMPUTED);
    assert_int_equal(r.n, 10);
    assert_int_equal(r.dropped, 0);
    assert_int_equal(r.df, 9);
    NEAR(r.mean_x, 2.33, 1e-12);
    NEAR(r.mean_y, 0.75, 1e-12);
    NEAR(r.mean_diff, -1.58, 1e-12);
    NEAR(r.sd_diff, 1.229995, 5e-7);
    NEAR(r.t, -4.0621, 5e-5);
    NEAR(r.p_t, 0.002833, 5e-7);
    NEAR(r.ci_low, -2.4598858, 5e-8);
    NEAR(r.ci_high, -0.7001142, 5e-8);
    NEAR(r.dz, -1.284558, 5e-7);
    NEAR(r.t, r.dz * sqrt(10), 1e-12);
    assert_int_equal(r.spread_reason, PS_REASON_NONE);

    /* Baseline and endline swapped: the same test with every sign turned. */
    struct ps_result s = run(sleep_group1, sleep_group2, 10, 5);
    NEAR(s.mean_diff, 1.58, 1e-12);
    NEAR(s.t, -r.t, 1e-12);
    NEAR(s.p_t, r.p_t, 1e-15);
    NEAR(s.ci_low, -r.ci_high, 1e-12);
    NEAR(s.ci_high, -r.ci_low, 1e-12);
    NEAR(s.dz, -r.dz, 1e-12);
}

static void test_sleep_wilcoxon(void **state)
{
    (void)state;
    struct ps_result r = run(sleep_group2, sleep_group1, 10, 5);
    assert_int_equal(r.w_method, PS_WILCOXON_NORMAL);
    assert_int_equal(r.w_zeros, 1);
    assert_int_equal(r.w_m, 9);
    assert_true(r.w_ties);
    NEAR(r.w_plus, 0, 0);
    NEAR(r.w_minus, 45, 0);
    double z = (0 - 22.5 + 0.5) / sqrt(9.0 * 10 * 19 / 24 - (8.0 - 2) / 48);
    NEAR(r.w_z, z, 1e-12);
    NEAR(r.w_z, -2.608624, 5e-7);
    NEAR(r.p_w, normal_two_sided(z), 1e-12);
    NEAR(r.p_w, 0.009091, 5e-7); /* R's figure */
    assert_int_equal(r.w_reason, PS_REASON_NONE);
}

/* ---- Hollander & Wolfe (1973), p. 29: the exact signed-rank test ----
 *
 * Hamilton depression scale factor IV of 9 patients at the first (x) and second (y) visit after a
 * tranquilliser; R's ?wilcox.test example: wilcox.test(x, y, paired = TRUE) gives V = 40 (for
 * x - y), p-value = 0.03906, exact. Here d = y - x:
 *     d  = -0.952 0.147 -1.022 -0.43 -0.62 -0.59 -0.49 0.08 -0.01
 *     |d| ranks: 0.01:1 0.08:2 0.147:3 0.43:4 0.49:5 0.59:6 0.62:7 0.952:8 1.022:9
 *     positive: 0.147 (3) and 0.08 (2): W+ = 5, W- = 40.
 * Exact: the subsets of ranks 1..9 with sum <= 5 are {}, {1}, {2}, {3}, {1,2}, {4}, {1,3}, {5},
 * {1,4}, {2,3}: 10 of 512, so P(W+ <= 5) = 10/512 and p = 2 * 10/512 = 0.0390625. */
static const double hw_x[] = {1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30};
static const double hw_y[] = {0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29};

/* The two-sided p by brute force: every one of the 2^m sign assignments of ranks 1..m. */
static double brute_p(double w, size_t m)
{
    uint64_t below = 0, above = 0, total = (uint64_t)1 << m;
    for (uint64_t mask = 0; mask < total; mask++) {
        double s = 0;
        for (size_t r = 0; r < m; r++)
            if (mask >> r & 1) s += (double)(r + 1);
        below += s <= w;
        above += s >= w;
    }
    double p = 2.0 * (double)(below < above ? below : above) / (double)total;
    return p < 1 ? p : 1;
}

static void test_hollander_wolfe_exact(void **state)
{
    (void)state;
    struct ps_result r = run(hw_x, hw_y, 9, 5);
    assert_int_equal(r.w_method, PS_WILCOXON_EXACT);
    assert_int_equal(r.w_zeros, 0);
    assert_false(r.w_ties);
    assert_int_equal(r.w_m, 9);
    NEAR(r.w_plus, 5, 0);
    NEAR(r.w_minus, 40, 0);
    assert_true(isnan(r.w_z));
    NEAR(r.p_w, 20.0 / 512, 1e-15);
    NEAR(r.p_w, 0.03906, 5e-6); /* R's figure */
    NEAR(r.p_w, brute_p(5, 9), 1e-15);

    /* The other way round, R's own orientation: V = 40, the same p. */
    struct ps_result s = run(hw_y, hw_x, 9, 5);
    NEAR(s.w_plus, 40, 0);
    NEAR(s.p_w, r.p_w, 1e-15);
}

/* The dynamic programme against brute force, every statistic for m = 1..14; and the critical
 * values printed in textbook tables of the signed-rank test (two-sided, 5%): m = 10: 8, m = 15: 25,
 * m = 20: 52, i.e. the largest W whose two-sided p is at most 0.05. For m = 10, P(W <= 8) = 25/1024
 * (the subsets of 1..10 summing to at most 8), so p = 50/1024. */
static void test_exact_distribution(void **state)
{
    (void)state;
    for (size_t m = 1; m <= 14; m++)
        for (size_t w = 0; w <= m * (m + 1) / 2; w++) NEAR(ps_signrank_exact_p((double)w, m), brute_p((double)w, m), 1e-15);
    NEAR(ps_signrank_exact_p(8, 10), 50.0 / 1024, 1e-15);
    const struct { size_t m; double w; } critical[] = {{10, 8}, {15, 25}, {20, 52}};
    for (size_t i = 0; i < COUNT(critical); i++) {
        assert_true(ps_signrank_exact_p(critical[i].w, critical[i].m) <= 0.05);
        assert_true(ps_signrank_exact_p(critical[i].w + 1, critical[i].m) > 0.05);
    }
    /* m = 25: only the all-minus assignment gives 0, so p = 2 / 2^25. */
    NEAR(ps_signrank_exact_p(0, 25), ldexp(1, -24), 1e-20);
    NEAR(ps_signrank_exact_p(25 * 26 / 4.0, 25), 1, 0);
    assert_true(isnan(ps_signrank_exact_p(3, 0)));
    assert_true(isnan(ps_signrank_exact_p(3, PS_EXACT_MAX + 1)));
}

/* ---- Zeros and ties on a 5-level item, the normal approximation by hand ----
 *
 *   x = 3 2 4 3 2 3 1 2 3 4
 *   y = 4 4 4 3 3 5 2 3 2 5
 *   d = 1 2 0 0 1 2 1 1 -1 1          mean 0.8
 * Two zeros dropped: m = 8. |d|: six 1s (ranks 1-6, average 3.5) and two 2s (ranks 7-8, 7.5).
 * W+ = 5 * 3.5 + 2 * 7.5 = 32.5, W- = 3.5 (sum 36 = 8 * 9 / 2).
 *     mu = 8 * 9 / 4 = 18
 *     sigma^2 = 8 * 9 * 17 / 24 - ((6^3 - 6) + (2^3 - 2)) / 48 = 51 - 4.5 = 46.5
 *     z = (32.5 - 18 - 0.5) / sqrt(46.5) = 2.053060,  p = 2 (1 - Phi(z)) = 0.040067
 * And the t-test: d sums to 8, its squares to 14; s^2 = (14 - 10 * 0.8^2) / 9 = 7.6 / 9, s = 0.918937;
 * t = 0.8 / (s / sqrt 10) = 2.752989, d_z = 0.8 / s = 0.870572. */
static void test_ties_and_zeros(void **state)
{
    (void)state;
    const double x[] = {3, 2, 4, 3, 2, 3, 1, 2, 3, 4};
    const double y[] = {4, 4, 4, 3, 3, 5, 2, 3, 2, 5};
    struct ps_result r = run(x, y, 10, 5);
    assert_int_equal(r.w_method, PS_WILCOXON_NORMAL);
    assert_int_equal(r.w_zeros, 2);
    assert_int_equal(r.w_m, 8);
    assert_true(r.w_ties);
    NEAR(r.w_plus, 32.5, 0);
    NEAR(r.w_minus, 3.5, 0);
    double z = (32.5 - 18 - 0.5) / sqrt(46.5);
    NEAR(r.w_z, z, 1e-12);
    NEAR(r.w_z, 2.053060, 5e-7);
    NEAR(r.p_w, normal_two_sided(z), 1e-12);
    NEAR(r.p_w, 0.040067, 5e-7);
    NEAR(r.mean_diff, 0.8, 1e-12);
    NEAR(r.sd_diff, sqrt(7.6 / 9), 1e-12);
    NEAR(r.t, 0.8 / sqrt(7.6 / 9 / 10), 1e-12);
    NEAR(r.t, 2.752989, 5e-7);
    NEAR(r.dz, 0.870572, 5e-7);
}

/* Ties that binary floating point hides: 0.7 - 0.4 and 0.5 - 0.2 differ in the 17th digit but are
 * the same 0.3, and are ranked as such (so the normal approximation, not the exact p, is used). */
static void test_ties_after_rounding(void **state)
{
    (void)state;
    const double x[] = {0.4, 0.2, 0, 0, 0};
    const double y[] = {0.7, 0.5, 1, 2, 3};
    assert_true(0.7 - 0.4 != 0.5 - 0.2);
    struct ps_result r = run(x, y, 5, 5);
    assert_true(r.w_ties);
    assert_int_equal(r.w_method, PS_WILCOXON_NORMAL);
    NEAR(r.w_plus, 15, 0);
}

/* ---- Closed forms for 2 degrees of freedom ----
 *
 * d = 1 2 3: mean 2, s = 1, d_z = 2, t = 2 sqrt 3. Student's t with 2 df has
 * P(T > t) = (1 - t / sqrt(t^2 + 2)) / 2, so p = 1 - t / sqrt(t^2 + 2) = 1 - sqrt(12/14) = 0.0741799,
 * and quantile t_a = (2a - 1) / sqrt(2 a (1 - a)): t_0.975 = 0.95 / sqrt(0.04875) = 4.302653,
 * so the interval is 2 -+ 4.302653 / sqrt 3. */
static void test_two_df_closed_forms(void **state)
{
    (void)state;
    const double x[] = {10, 10, 10};
    const double y[] = {11, 12, 13};
    struct ps_result r = run(x, y, 3, 2);
    assert_int_equal(r.df, 2);
    NEAR(r.dz, 2, 1e-12);
    NEAR(r.t, 2 * sqrt(3), 1e-12);
    NEAR(r.p_t, 1 - sqrt(12.0 / 14), 1e-10);
    double tcrit = 0.95 / sqrt(2 * 0.975 * 0.025);
    NEAR(r.ci_low, 2 - tcrit / sqrt(3), 1e-9);
    NEAR(r.ci_high, 2 + tcrit / sqrt(3), 1e-9);
    /* Wilcoxon: all 3 positive, no ties: exact, W+ = 6, p = 2 * 1/8. */
    assert_int_equal(r.w_method, PS_WILCOXON_EXACT);
    NEAR(r.p_w, 0.25, 1e-15);
}

/* ---- Missing answers, the threshold, edge cases ---- */

static void test_missing_pairs(void **state)
{
    (void)state;
    /* The sleep data with three extra pairs, each missing one side or both: the same figures. */
    double x[13], y[13];
    memcpy(x, sleep_group2, sizeof sleep_group2);
    memcpy(y, sleep_group1, sizeof sleep_group1);
    x[10] = NAN, y[10] = 1;
    x[11] = 2, y[11] = NAN;
    x[12] = NAN, y[12] = NAN;
    struct ps_result r = run(x, y, 13, 5);
    assert_int_equal(r.n, 10);
    assert_int_equal(r.dropped, 3);
    NEAR(r.t, -4.0621, 5e-5);
    NEAR(r.p_t, 0.002833, 5e-7);
    NEAR(r.mean_x, 2.33, 1e-12);
    NEAR(r.p_w, 0.009091, 5e-7);
}

static void assert_nothing(const struct ps_result *r, int threshold)
{
    assert_int_equal(r->status, PS_SUPPRESSED);
    assert_int_equal(r->threshold, threshold);
    assert_int_equal(r->n, 0);
    assert_int_equal(r->dropped, 0);
    const double figures[] = {r->mean_x, r->mean_y, r->mean_diff, r->sd_diff, r->ci_low, r->ci_high, r->t,
                              r->p_t, r->dz, r->w_plus, r->w_minus, r->w_z, r->p_w};
    for (size_t i = 0; i < COUNT(figures); i++) assert_true(isnan(figures[i]));
    assert_int_equal(r->w_m, 0);
    assert_int_equal(r->w_zeros, 0);
    assert_int_equal(r->w_method, PS_WILCOXON_NONE);
}

static void test_threshold(void **state)
{
    (void)state;
    /* 4 pairs under a threshold of 5: nothing at all. */
    struct ps_result r = run(hw_x, hw_y, 4, 5);
    assert_nothing(&r, 5);
    /* Exactly 5: shown. */
    r = run(hw_x, hw_y, 5, 5);
    assert_int_equal(r.status, PS_COMPUTED);
    assert_int_equal(r.n, 5);
    /* 9 answers at each time but 4 pairs: the pairs count, and the dropped ones are not told. */
    double x[9], y[9];
    memcpy(x, hw_x, sizeof x);
    memcpy(y, hw_y, sizeof y);
    for (size_t i = 0; i < 5; i++) (i % 2 ? x : y)[i] = NAN;
    r = run(x, y, 9, 5);
    assert_nothing(&r, 5);
}

static void test_one_pair_and_none(void **state)
{
    (void)state;
    const double x[] = {2}, y[] = {4};
    struct ps_result r = run(x, y, 1, 1);
    assert_int_equal(r.status, PS_COMPUTED);
    assert_int_equal(r.n, 1);
    NEAR(r.mean_diff, 2, 0);
    assert_int_equal(r.spread_reason, PS_REASON_ONE_PAIR);
    assert_true(isnan(r.sd_diff) && isnan(r.t) && isnan(r.p_t) && isnan(r.dz));
    assert_true(isnan(r.ci_low) && isnan(r.ci_high));
    /* One positive difference: W+ = 1, and both signs are as likely: p = 1. */
    assert_int_equal(r.w_method, PS_WILCOXON_EXACT);
    NEAR(r.p_w, 1, 0);

    const double mx[] = {NAN}, my[] = {3};
    r = run(mx, my, 1, 0);
    assert_int_equal(r.status, PS_COMPUTED);
    assert_int_equal(r.n, 0);
    assert_int_equal(r.dropped, 1);
    assert_int_equal(r.mean_reason, PS_REASON_NO_PAIRS);
    assert_int_equal(r.spread_reason, PS_REASON_NO_PAIRS);
    assert_int_equal(r.w_reason, PS_REASON_NO_PAIRS);
    assert_true(isnan(r.mean_x) && isnan(r.mean_diff) && isnan(r.p_w));

    r = run(NULL, NULL, 0, 0);
    assert_int_equal(r.n, 0);
    assert_int_equal(r.mean_reason, PS_REASON_NO_PAIRS);
}

static void test_no_spread(void **state)
{
    (void)state;
    /* Everyone one level up: s = 0, no t, no d_z; Wilcoxon still ranks them (all tied). */
    const double x[] = {1, 2, 3, 4, 2, 3};
    const double y[] = {2, 3, 4, 5, 3, 4};
    struct ps_result r = run(x, y, 6, 5);
    assert_int_equal(r.spread_reason, PS_REASON_NO_SPREAD);
    NEAR(r.mean_diff, 1, 0);
    NEAR(r.sd_diff, 0, 0);
    assert_true(isnan(r.t) && isnan(r.p_t) && isnan(r.dz) && isnan(r.ci_low) && isnan(r.ci_high));
    assert_int_equal(r.w_method, PS_WILCOXON_NORMAL);
    NEAR(r.w_plus, 21, 0);
    /* sigma^2 = 6*7*13/24 - (216 - 6)/48 = 22.75 - 4.375 = 18.375; z = (21 - 10.5 - 0.5) / sigma */
    NEAR(r.w_z, 10 / sqrt(18.375), 1e-12);

    /* The same change written in decimals that binary cannot hold: still no spread. */
    const double dx[] = {0.4, 0.2, 0.1, 0.6, 0.3};
    const double dy[] = {0.7, 0.5, 0.4, 0.9, 0.6};
    r = run(dx, dy, 5, 5);
    assert_int_equal(r.spread_reason, PS_REASON_NO_SPREAD);
    assert_true(isnan(r.dz));

    /* Nobody changed: no spread, and nothing for Wilcoxon to rank. */
    const double same[] = {3, 4, 2, 5, 1};
    r = run(same, same, 5, 5);
    assert_int_equal(r.spread_reason, PS_REASON_NO_SPREAD);
    NEAR(r.mean_diff, 0, 0);
    assert_int_equal(r.w_reason, PS_REASON_ALL_ZERO);
    assert_int_equal(r.w_method, PS_WILCOXON_NONE);
    assert_int_equal(r.w_zeros, 5);
    assert_true(isnan(r.p_w) && isnan(r.w_plus));
}

static void test_invalid(void **state)
{
    (void)state;
    const double x[] = {1, 2, INFINITY}, y[] = {1, 2, 3};
    struct ps_result r;
    struct err e;
    err_clear(&e);
    assert_int_equal(ps_paired(x, y, 3, 0, &arena, &r, &e), ERR_INVALID);
    assert_non_null(strstr(e.msg, "Pair 3"));
    assert_int_equal(r.status, PS_SUPPRESSED);
    assert_true(isnan(r.mean_x));
    assert_int_equal(ps_paired(NULL, y, 3, 0, &arena, &r, &e), ERR_INVALID);
}

static void test_reasons_have_text(void **state)
{
    (void)state;
    assert_string_equal(ps_reason_text(PS_REASON_NONE), "");
    enum ps_reason rs[] = {PS_REASON_NO_PAIRS, PS_REASON_ONE_PAIR, PS_REASON_NO_SPREAD, PS_REASON_ALL_ZERO};
    for (size_t i = 0; i < COUNT(rs); i++) assert_true(strlen(ps_reason_text(rs[i])) > 10);
    assert_string_equal(ps_wilcoxon_method_text(PS_WILCOXON_EXACT), "exact");
    assert_string_equal(ps_wilcoxon_method_text(PS_WILCOXON_NORMAL), "normal approximation");
}

/* ---- Likert counts ---- */

static void test_likert_counts(void **state)
{
    (void)state;
    const double x[] = {1, 2, 2, 5, NAN, 3};
    const double y[] = {2, 2, NAN, 5, 4, 4};
    struct ps_likert l;
    struct err e;
    err_clear(&e);
    assert_int_equal(ps_likert(x, y, 6, 5, false, &arena, &l, &e), 0);
    assert_int_equal(l.k, 5);
    const int64_t bx[] = {1, 2, 1, 0, 1}, ey[] = {0, 2, 0, 2, 1};
    for (size_t j = 0; j < 5; j++) {
        assert_int_equal(l.baseline[j], bx[j]);
        assert_int_equal(l.endline[j], ey[j]);
    }
    assert_int_equal(l.n_baseline, 5);
    assert_int_equal(l.n_endline, 5);

    /* Paired only: pairs 3 and 5 are left out at both times. */
    assert_int_equal(ps_likert(x, y, 6, 5, true, &arena, &l, &e), 0);
    const int64_t pbx[] = {1, 1, 1, 0, 1}, pey[] = {0, 2, 0, 1, 1};
    for (size_t j = 0; j < 5; j++) {
        assert_int_equal(l.baseline[j], pbx[j]);
        assert_int_equal(l.endline[j], pey[j]);
    }
    assert_int_equal(l.n_baseline, 4);
    assert_int_equal(l.n_endline, 4);
}

static void test_likert_invalid(void **state)
{
    (void)state;
    struct ps_likert l;
    struct err e;
    err_clear(&e);
    const double x[] = {1, 2.5}, y[] = {1, 2};
    assert_int_equal(ps_likert(x, y, 2, 5, false, &arena, &l, &e), ERR_INVALID);
    assert_non_null(strstr(e.msg, "Pair 2"));
    assert_non_null(strstr(e.msg, "baseline"));
    assert_null(l.baseline);
    assert_int_equal(l.n_baseline, 0);
    const double x2[] = {1, 2}, y2[] = {6, 2};
    assert_int_equal(ps_likert(x2, y2, 2, 5, false, &arena, &l, &e), ERR_INVALID);
    assert_non_null(strstr(e.msg, "Pair 1"));
    assert_non_null(strstr(e.msg, "endline"));
    assert_int_equal(ps_likert(x2, y2, 2, 1, false, &arena, &l, &e), ERR_INVALID);
    assert_int_equal(ps_likert(x2, y2, 2, PS_LIKERT_MAX + 1, false, &arena, &l, &e), ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sleep_t),
        cmocka_unit_test(test_sleep_wilcoxon),
        cmocka_unit_test(test_hollander_wolfe_exact),
        cmocka_unit_test(test_exact_distribution),
        cmocka_unit_test(test_ties_and_zeros),
        cmocka_unit_test(test_ties_after_rounding),
        cmocka_unit_test(test_two_df_closed_forms),
        cmocka_unit_test(test_missing_pairs),
        cmocka_unit_test(test_threshold),
        cmocka_unit_test(test_one_pair_and_none),
        cmocka_unit_test(test_no_spread),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_reasons_have_text),
        cmocka_unit_test(test_likert_counts),
        cmocka_unit_test(test_likert_invalid),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

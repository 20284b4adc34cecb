/* Tests for program/need_index, need_sensitivity and need_expr: the formulas against examples
 * computed by hand (the working is in the comments), the missing-data rule, explanations that add
 * up to the score, a sensitivity analysis that is reproducible and sane, and indicator expressions. */
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
#include "base/rng.h"
#include "forms/expr.h"
#define NI_INTERNAL /* the radix sort and ranks, tested directly below */
#include "program/need_expr.h"
#include "program/need_index.h"
#include "program/need_sensitivity.h"

static bool near(double a, double b, double tol)
{
    if (fabs(a - b) < tol) return true;
    print_error("%.12g is not %.12g\n", a, b);
    return false;
}
#define NEAR(a, b) assert_true(near((a), (b), 1e-9 * (1 + fabs((double)(b)))))
#define NEAR_TO(a, b, tol) assert_true(near((a), (b), (tol)))

/* ---- The hand-worked example ----
 *
 * Two domains of weight 1: devices (0) and connectivity (1). Three indicators of weight 1:
 *   j0 learners per device      more = more need (+1)  devices
 *   j1 share of devices working less = more need (-1)  devices
 *   j2 bandwidth in Mbit/s      less = more need (-1)  connectivity
 *
 *        j0    j1    j2
 *   A    40    0.2    2
 *   B    10    0.8   20
 *   C    20    0.5   10
 *   D    30    -      4     (j1 missing)
 *   E    -     -      6     (the whole devices domain missing)
 *
 * Min-max, y = 100 (x - min) / (max - min) with x taken as d*x:
 *   j0: min 10, max 40        A 100, B 0, C 100*10/30 = 33.33, D 100*20/30 = 66.67
 *   j1: (-1) d*x in -0.8..-0.2 A 100, B 0, C 100*0.3/0.6 = 50
 *   j2: (-1) d*x in -20..-2    A 100, B 0, C 100*10/18 = 55.56, D 100*16/18 = 88.89, E 100*14/18 = 77.78
 * Arithmetic within (D's j1 left out, so j0 has all of devices' weight):
 *   devices: A 100, B 0, C (33.33 + 50)/2 = 41.67 (= 125/3), D 66.67
 *   connectivity: A 100, B 0, C 55.56 (= 500/9), D 88.89
 * Arithmetic across, W' = 1/2 each:
 *   A 100, B 0, C (375/9 + 500/9)/2 = 875/18 = 48.61, D (600/9 + 800/9)/2 = 1400/18 = 77.78
 * A_min 0, A_max 100, so the scores are those numbers; E has none (a whole domain missing).
 * Ranks: A 1, D 2, C 3, B 4.
 *
 * C's explanation: effective weights j0 1/4, j1 1/4, j2 1/2; parts (= contributions, A_min being 0)
 *   j2 500/18 = 27.78, j1 12.5, j0 100/12 = 8.33; sum 875/18.
 *
 * Geometric at both levels: v = y + 1 (every indicator's smallest y is 0).
 *   C: devices sqrt(34.33 * 51) = 41.845, connectivity 56.556, A = sqrt(41.845 * 56.556) = 48.6473
 *   D: devices 67.667 (j0 alone), connectivity 89.889, A = sqrt(67.667 * 89.889) = 77.9903
 *   A: 101, B: 1; scores 100 (A - 1) / 100: C 47.6473, D 76.9903.
 */
static const double example_values[] = {
    40, 0.2, 2,
    10, 0.8, 20,
    20, 0.5, 10,
    30, NAN, 4,
    NAN, NAN, 6,
};
static const struct ni_domain example_domains[] = {{"devices", 1}, {"connectivity", 1}};
static const struct ni_indicator example_indicators[] = {
    {"learners_per_device", +1, 0, 1},
    {"devices_working", -1, 0, 1},
    {"bandwidth", -1, 1, 1},
};
static const struct ni_model example = {
    .ninst = 5, .nind = 3, .ndom = 2,
    .values = example_values, .indicators = example_indicators, .domains = example_domains,
};

static void test_minmax_arithmetic(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 4096);
    struct ni_options o = {.norm = NI_NORM_MINMAX};
    struct ni_result r;
    struct err e;
    assert_int_equal(ni_compute(&example, &o, &a, &r, &e), 0);
    NEAR(r.normalised[2 * 3 + 0], 100.0 / 3);
    NEAR(r.normalised[2 * 3 + 1], 50);
    NEAR(r.normalised[3 * 3 + 2], 1600.0 / 18);
    assert_true(isnan(r.normalised[3 * 3 + 1]));
    NEAR(r.score[0], 100);
    NEAR(r.score[1], 0);
    NEAR(r.score[2], 875.0 / 18);
    NEAR(r.score[3], 1400.0 / 18);
    assert_true(isnan(r.score[4]));
    assert_int_equal(r.status[4], NI_MISSING_DOMAIN);
    assert_int_equal(r.missing_domain[4], 0);
    assert_int_equal(r.scored, 4);
    assert_int_equal(r.rank[0], 1);
    assert_int_equal(r.rank[3], 2);
    assert_int_equal(r.rank[2], 3);
    assert_int_equal(r.rank[1], 4);
    assert_int_equal(r.rank[4], 0);

    struct ni_explanation x;
    assert_int_equal(ni_explain(&example, &o, &r, 2, &a, &x, &e), 0);
    assert_int_equal(x.terms[0].indicator, 2);
    assert_int_equal(x.terms[1].indicator, 1);
    assert_int_equal(x.terms[2].indicator, 0);
    NEAR(x.terms[0].contribution, 500.0 / 18);
    NEAR(x.terms[1].contribution, 12.5);
    NEAR(x.terms[2].contribution, 100.0 / 12);
    NEAR(x.terms[0].weight, 0.5);
    NEAR(x.terms[2].raw, 20);
    /* D: the missing indicator comes last, with no weight. */
    assert_int_equal(ni_explain(&example, &o, &r, 3, &a, &x, &e), 0);
    assert_false(x.terms[2].present);
    assert_int_equal(x.terms[2].indicator, 1);
    NEAR(x.terms[0].weight + x.terms[1].weight, 1);
    NEAR(x.terms[0].contribution + x.terms[1].contribution, 1400.0 / 18);
    /* E: no score, values still listed. */
    assert_int_equal(ni_explain(&example, &o, &r, 4, &a, &x, &e), 0);
    assert_int_equal(x.status, NI_MISSING_DOMAIN);
    assert_true(isnan(x.score));
    arena_free(&a);
}

static void test_geometric(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 4096);
    struct ni_options o = {.norm = NI_NORM_MINMAX, .within = NI_AGG_GEOMETRIC, .across = NI_AGG_GEOMETRIC};
    struct ni_result r;
    struct err e;
    assert_int_equal(ni_compute(&example, &o, &a, &r, &e), 0);
    NEAR(r.value[2 * 3 + 0], 100.0 / 3 + 1); /* the shift into [1, 101] */
    NEAR(r.aggregate[0], 101);
    NEAR(r.aggregate[1], 1);
    NEAR_TO(r.aggregate[2], 48.6473, 1e-4);
    NEAR_TO(r.aggregate[3], 77.9903, 1e-4);
    NEAR_TO(r.score[2], 47.6473, 1e-4);
    NEAR_TO(r.score[3], 76.9903, 1e-4);
    struct ni_explanation x;
    assert_int_equal(ni_explain(&example, &o, &r, 2, &a, &x, &e), 0);
    double sum = 0, parts = 0;
    for (size_t t = 0; t < x.nterms; t++) sum += x.terms[t].contribution, parts += x.terms[t].part;
    NEAR(sum, r.score[2]);
    NEAR(parts, r.aggregate[2]);
    arena_free(&a);
}

/* Rank with ties: values 5, 5, 1, 9 (more = more need). Ascending: 1 gets rank 1, the two 5s share
 * (2 + 3)/2 = 2.5, 9 gets 4; y = 100 (r - 1)/(4 - 1): 50, 50, 0, 100.
 * z-score of 2, 4, 4, 4, 5, 5, 7, 9 (less = more need): mean 5, population sd 2 (the textbook
 * example), so y = -(x - 5)/2: 1.5, 0.5, ..., -2. */
static void test_rank_and_zscore(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 4096);
    struct err e;
    struct ni_result r;
    static const struct ni_domain dom[] = {{"devices", 1}};
    static const struct ni_indicator ind[] = {{"x", +1, 0, 1}};
    static const double v1[] = {5, 5, 1, 9};
    struct ni_model m = {.ninst = 4, .nind = 1, .ndom = 1, .values = v1, .indicators = ind, .domains = dom};
    struct ni_options o = {.norm = NI_NORM_RANK};
    assert_int_equal(ni_compute(&m, &o, &a, &r, &e), 0);
    NEAR(r.normalised[0], 50);
    NEAR(r.normalised[1], 50);
    NEAR(r.normalised[2], 0);
    NEAR(r.normalised[3], 100);
    assert_int_equal(r.rank[0], 2); /* equal scores share the better rank */
    assert_int_equal(r.rank[1], 2);
    assert_int_equal(r.rank[2], 4);

    static const struct ni_indicator ind2[] = {{"x", -1, 0, 1}};
    static const double v2[] = {2, 4, 4, 4, 5, 5, 7, 9};
    struct ni_model m2 = {.ninst = 8, .nind = 1, .ndom = 1, .values = v2, .indicators = ind2, .domains = dom};
    o.norm = NI_NORM_ZSCORE;
    assert_int_equal(ni_compute(&m2, &o, &a, &r, &e), 0);
    NEAR(r.normalised[0], 1.5);
    NEAR(r.normalised[1], 0.5);
    NEAR(r.normalised[7], -2);
    /* The score rescales the aggregate: (1.5 - (-2)) / 3.5 = 100 for the first, 0 for the last. */
    NEAR(r.score[0], 100);
    NEAR(r.score[7], 0);
    NEAR(r.score[1], 100 * 2.5 / 3.5);

    /* No spread: 50 for everyone (min-max), score 50. */
    static const double v3[] = {3, 3, 3};
    struct ni_model m3 = {.ninst = 3, .nind = 1, .ndom = 1, .values = v3, .indicators = ind, .domains = dom};
    o.norm = NI_NORM_MINMAX;
    assert_int_equal(ni_compute(&m3, &o, &a, &r, &e), 0);
    NEAR(r.normalised[1], 50);
    NEAR(r.score[1], 50);
    arena_free(&a);
}

static void test_missing_rule(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 4096);
    struct err e;
    struct ni_result r;
    /* D has 2 of 3 indicators: enough at 0.6, too few at 0.75. */
    struct ni_options o = {.norm = NI_NORM_MINMAX, .min_share = 0.6};
    assert_int_equal(ni_compute(&example, &o, &a, &r, &e), 0);
    assert_int_equal(r.status[3], NI_SCORED);
    o.min_share = 0.75;
    assert_int_equal(ni_compute(&example, &o, &a, &r, &e), 0);
    assert_int_equal(r.status[3], NI_TOO_FEW);
    assert_true(isnan(r.score[3]));
    assert_int_equal(r.scored, 3);
    /* The rescaling: C's score without D equals the hand value (normalisation still uses D's values). */
    NEAR(r.score[2], 875.0 / 18);

    /* A switched-off indicator (weight 0) is not counted at all: D then has 2 of 2. */
    struct ni_indicator ind[3];
    memcpy(ind, example_indicators, sizeof ind);
    ind[1].weight = 0;
    struct ni_model m = example;
    m.indicators = ind;
    assert_int_equal(ni_compute(&m, &o, &a, &r, &e), 0);
    assert_int_equal(r.status[3], NI_SCORED);
    assert_true(isnan(r.normalised[1]));
    arena_free(&a);
}

static void test_bad_models(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 4096);
    struct err e;
    struct ni_result r;
    struct ni_options o = {.norm = NI_NORM_MINMAX};
    struct ni_indicator ind[3];
    memcpy(ind, example_indicators, sizeof ind);
    struct ni_model m = example;
    m.indicators = ind;
    ind[0].weight = -1;
    assert_int_equal(ni_compute(&m, &o, &a, &r, &e), ERR_INVALID);
    assert_non_null(strstr(e.msg, "learners_per_device"));
    ind[0].weight = 1;
    ind[2].direction = 0;
    assert_int_equal(ni_compute(&m, &o, &a, &r, &e), ERR_INVALID);
    ind[2].direction = -1;
    ind[2].weight = 0; /* connectivity has weight but nothing in it */
    assert_int_equal(ni_compute(&m, &o, &a, &r, &e), ERR_INVALID);
    assert_non_null(strstr(e.msg, "connectivity"));
    ind[2].weight = 1;
    o.min_share = 1.5;
    assert_int_equal(ni_compute(&m, &o, &a, &r, &e), ERR_INVALID);
    arena_free(&a);
}

/* ---- Random models, for properties ---- */

struct gen {
    double *values;
    struct ni_indicator ind[8];
    struct ni_domain dom[4];
    struct ni_model m;
};

static void gen_model(struct gen *g, size_t n, uint64_t seed, double missing)
{
    static const char *const dnames[] = {"devices", "connectivity", "skills", "support"};
    struct rng r;
    rng_seed(&r, seed);
    g->values = malloc(n * 8 * sizeof *g->values);
    for (size_t k = 0; k < 4; k++) g->dom[k] = (struct ni_domain){dnames[k], 0.5 + rng_uniform(&r)};
    for (size_t j = 0; j < 8; j++)
        g->ind[j] = (struct ni_indicator){"ind", (j % 3) ? 1 : -1, j / 2, 0.5 + rng_uniform(&r)};
    for (size_t i = 0; i < n * 8; i++)
        g->values[i] = rng_uniform(&r) < missing ? NAN : floor(rng_uniform(&r) * 50);
    g->m = (struct ni_model){.ninst = n, .nind = 8, .ndom = 4, .values = g->values, .indicators = g->ind, .domains = g->dom};
}

static void test_explanations_add_up(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 1 << 16);
    struct gen g;
    gen_model(&g, 60, 7, 0.1);
    struct err e;
    for (int norm = 0; norm < NI_NORM_COUNT; norm++) {
        for (int agg = 0; agg < 4; agg++) {
            struct ni_options o = {.norm = norm, .within = agg & 1, .across = agg >> 1};
            struct ni_result r;
            assert_int_equal(ni_compute(&g.m, &o, &a, &r, &e), 0);
            assert_true(r.scored > 30);
            for (size_t i = 0; i < g.m.ninst; i++) {
                struct ni_explanation x;
                assert_int_equal(ni_explain(&g.m, &o, &r, i, &a, &x, &e), 0);
                if (r.status[i] != NI_SCORED) continue;
                double sum = 0, parts = 0, weights = 0;
                for (size_t t = 0; t < x.nterms; t++) {
                    if (!x.terms[t].present) continue;
                    sum += x.terms[t].contribution;
                    parts += x.terms[t].part;
                    weights += x.terms[t].weight;
                    if (t > 0 && x.terms[t - 1].present) assert_true(x.terms[t - 1].contribution >= x.terms[t].contribution);
                }
                NEAR_TO(sum, r.score[i], 1e-9);
                NEAR_TO(parts, r.aggregate[i], 1e-9 * (1 + fabs(r.aggregate[i])));
                NEAR(weights, 1);
                assert_true(r.score[i] >= 0 && r.score[i] <= 100);
            }
        }
    }
    free(g.values);
    arena_free(&a);
}

/* ---- Sensitivity ---- */

static void test_sensitivity_reproducible(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 1 << 16);
    struct gen g;
    gen_model(&g, 200, 11, 0.05);
    struct err e;
    struct ni_options o = {.norm = NI_NORM_MINMAX};
    struct ni_sens_options so = {.draws = 300, .seed = 42, .vary_norm = true, .vary_agg = true};
    struct ni_sens_result r1, r2, r3;
    assert_int_equal(ni_sensitivity(&g.m, &o, &so, &a, &r1, &e), 0);
    so.threads = 2;
    assert_int_equal(ni_sensitivity(&g.m, &o, &so, &a, &r2, &e), 0);
    for (size_t i = 0; i < g.m.ninst; i++) {
        assert_true((isnan(r1.median[i]) && isnan(r2.median[i])) || r1.median[i] == r2.median[i]);
        assert_int_equal(r1.lo[i], r2.lo[i]);
        assert_int_equal(r1.hi[i], r2.hi[i]);
        if (!isnan(r1.median[i])) {
            assert_true(r1.lo[i] >= 1 && r1.lo[i] <= r1.median[i] && r1.median[i] <= r1.hi[i]);
            assert_true(r1.hi[i] <= r1.scored);
        }
    }
    assert_int_equal(r1.norm_drawn[0] + r1.norm_drawn[1] + r1.norm_drawn[2], 300);
    assert_true(r1.norm_drawn[0] > 50 && r1.norm_drawn[1] > 50 && r1.norm_drawn[2] > 50);
    so.seed = 43;
    assert_int_equal(ni_sensitivity(&g.m, &o, &so, &a, &r3, &e), 0);
    size_t differ = 0;
    for (size_t i = 0; i < g.m.ninst; i++) differ += r1.lo[i] != r3.lo[i] || r1.hi[i] != r3.hi[i];
    assert_true(differ > 0);
    free(g.values);
    arena_free(&a);
}

static void test_sensitivity_sane(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 1 << 16);
    struct gen g;
    gen_model(&g, 150, 5, 0.0);
    /* Institution 17 is in the most need on every indicator, by far. */
    for (size_t j = 0; j < 8; j++) g.values[17 * 8 + j] = g.ind[j].direction > 0 ? 1000 : -1000;
    struct err e;
    struct ni_options o = {.norm = NI_NORM_ZSCORE};
    struct ni_sens_options so = {.draws = 1000, .seed = 1, .vary_norm = true};
    struct ni_sens_result s;
    assert_int_equal(ni_sensitivity(&g.m, &o, &so, &a, &s, &e), 0);
    assert_int_equal(s.draws, 1000);
    NEAR(s.median[17], 1);
    assert_int_equal(s.lo[17], 1);
    assert_int_equal(s.hi[17], 1);

    /* No perturbation at all: every draw is the base ranking. */
    struct ni_result r;
    assert_int_equal(ni_compute(&g.m, &o, &a, &r, &e), 0);
    struct ni_sens_options fixed = {.draws = 20, .seed = 3, .factor_lo = 1, .factor_hi = 1};
    assert_int_equal(ni_sensitivity(&g.m, &o, &fixed, &a, &s, &e), 0);
    for (size_t i = 0; i < g.m.ninst; i++) {
        NEAR(s.median[i], (double)r.rank[i]);
        assert_int_equal(s.lo[i], r.rank[i]);
        assert_int_equal(s.hi[i], r.rank[i]);
    }
    struct ni_sens_options bad = {.factor_lo = -1, .factor_hi = 1};
    assert_int_equal(ni_sensitivity(&g.m, &o, &bad, &a, &s, &e), ERR_INVALID);
    free(g.values);
    arena_free(&a);
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* The draws exactly as need_sensitivity.h describes them, done the slow way: ni_compute() with the
 * drawn options and weights, ranks from its result, percentiles by sorting. The fast path (radix
 * sort, quickselect, threads) must agree rank for rank. */
static void naive_sensitivity(const struct ni_model *m, const struct ni_options *base, const struct ni_sens_options *so,
                              double *median, size_t *lo, size_t *hi)
{
    struct arena a;
    arena_init(&a, 1 << 16);
    size_t n = m->ninst, D = so->draws;
    size_t *ranks = calloc(n * D, sizeof *ranks);
    struct ni_indicator *ind = malloc(m->nind * sizeof *ind);
    struct ni_domain *dom = malloc(m->ndom * sizeof *dom);
    for (size_t d = 0; d < D; d++) {
        struct rng g;
        rng_seed(&g, so->seed + d);
        struct ni_options o = *base;
        if (so->vary_norm) o.norm = (enum ni_norm)rng_below(&g, 3);
        if (so->vary_agg) {
            o.within = rng_below(&g, 2) ? NI_AGG_GEOMETRIC : NI_AGG_ARITHMETIC;
            o.across = rng_below(&g, 2) ? NI_AGG_GEOMETRIC : NI_AGG_ARITHMETIC;
        }
        for (size_t j = 0; j < m->nind; j++) {
            ind[j] = m->indicators[j];
            ind[j].weight *= 0.5 + rng_uniform(&g);
        }
        for (size_t k = 0; k < m->ndom; k++) {
            dom[k] = m->domains[k];
            dom[k].weight *= 0.5 + rng_uniform(&g);
        }
        struct ni_model pm = *m;
        pm.indicators = ind;
        pm.domains = dom;
        struct ni_result r;
        struct err e;
        assert_int_equal(ni_compute(&pm, &o, &a, &r, &e), 0);
        for (size_t i = 0; i < n; i++) ranks[i * D + d] = r.rank[i];
        arena_reset(&a);
    }
    for (size_t i = 0; i < n; i++) {
        size_t *row = ranks + i * D;
        qsort(row, D, sizeof *row, cmp_size);
        median[i] = row[0] ? ((double)row[(D - 1) / 2] + (double)row[D / 2]) / 2 : NAN;
        lo[i] = row[(size_t)ceil(0.05 * (double)D) - 1];
        hi[i] = row[(size_t)ceil(0.95 * (double)D) - 1];
    }
    free(ranks), free(ind), free(dom);
    arena_free(&a);
}

static void test_sensitivity_as_documented(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 1 << 16);
    struct gen g;
    gen_model(&g, 600, 23, 0.08); /* ranks spread over more than 256: every level of the selection */
    struct ni_options o = {.norm = NI_NORM_RANK, .min_share = 0.5};
    for (int t = 0; t < 2; t++) {
        struct ni_sens_options so = {.draws = t ? 100 : 101, .seed = 77 + (uint64_t)t, .vary_norm = true,
                                     .vary_agg = t == 0, .threads = t + 1};
        struct ni_sens_result s;
        struct err e;
        assert_int_equal(ni_sensitivity(&g.m, &o, &so, &a, &s, &e), 0);
        static double med[600];
        static size_t lo[600], hi[600];
        naive_sensitivity(&g.m, &o, &so, med, lo, hi);
        for (size_t i = 0; i < 600; i++) {
            assert_true((isnan(med[i]) && isnan(s.median[i])) || med[i] == s.median[i]);
            assert_int_equal(lo[i], s.lo[i]);
            assert_int_equal(hi[i], s.hi[i]);
        }
    }
    free(g.values);
    arena_free(&a);
}

/* Edge cases: one institution alone (an even number of draws: the median is the mean of the two
 * middle ranks, both 1); institutions without a score stay out of the ranks; B, zero need on every
 * indicator, is last whatever the weights, and A first. */
static void test_sensitivity_edges(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 4096);
    struct err e;
    struct ni_options o = {.norm = NI_NORM_MINMAX};
    struct ni_sens_result s;
    struct ni_sens_options so = {.draws = 2, .seed = 9};
    struct ni_model one = example;
    one.ninst = 1;
    assert_int_equal(ni_sensitivity(&one, &o, &so, &a, &s, &e), 0);
    NEAR(s.median[0], 1);
    /* Unscored institutions are left out of the ranks. */
    so.draws = 50;
    assert_int_equal(ni_sensitivity(&example, &o, &so, &a, &s, &e), 0);
    assert_true(isnan(s.median[4]));
    assert_int_equal(s.lo[4], 0);
    assert_int_equal(s.scored, 4);
    assert_int_equal(s.hi[1], 4); /* B is last whatever the weights: zero on everything */
    assert_int_equal(s.lo[0], 1);
    arena_free(&a);
}

/* ---- The radix sort behind every ranking ---- */

/* Ranks from ni_rank_desc() against the definition (1 + how many are larger), and ni_sort()'s
 * order against the definition (non-decreasing keys, equal keys in index order), on data made to
 * reach every path: negatives, -0 and +0, many equal values, and a tight cluster of distinct values
 * beside an outlier, so that the cluster shares one 32-bit prefix and is ordered by the full keys. */
static void test_sort_and_rank(void **state)
{
    (void)state;
    struct rng g;
    rng_seed(&g, 31);
    enum { N = 3000 };
    static double x[N];
    static size_t rank[N];
    static uint32_t idx[N];
    for (int kind = 0; kind < 3; kind++) {
        for (size_t i = 0; i < N; i++) {
            if (kind == 0) x[i] = rng_below(&g, 10) == 0 ? 7.0 : (rng_uniform(&g) - 0.5) * 2e6;
            else if (kind == 1) x[i] = 1.0 + (double)rng_below(&g, 500) * 0x1p-52; /* 1 + k ulps */
            else x[i] = rng_below(&g, 3) == 0 ? 0.0 : -0.0;
        }
        if (kind == 1) x[N / 2] = 1e300, x[N / 3] = NAN;
        ni_rank_desc(x, N, rank);
        for (size_t i = 0; i < N; i++) {
            if (isnan(x[i])) {
                assert_int_equal(rank[i], 0);
                continue;
            }
            size_t larger = 0;
            for (size_t j = 0; j < N; j++) larger += !isnan(x[j]) && x[j] > x[i];
            assert_int_equal(rank[i], larger + 1);
        }
        struct ni_sorter srt;
        ni_sorter_init(&srt, N);
        size_t cnt = 0;
        for (size_t i = 0; i < N; i++)
            if (!isnan(x[i])) idx[cnt++] = (uint32_t)i;
        bool exact;
        const uint32_t *pre = ni_sort(&srt, x, idx, cnt, false, &exact);
        for (size_t c = 1; c < cnt; c++) {
            assert_true(x[idx[c - 1]] <= x[idx[c]]);
            if (x[idx[c - 1]] == x[idx[c]]) assert_true(idx[c - 1] < idx[c]);
            assert_true(pre[c - 1] <= pre[c]);
            if (exact) assert_true((pre[c - 1] == pre[c]) == (x[idx[c - 1]] == x[idx[c]]));
        }
        if (kind == 1) assert_false(exact); /* the outlier spreads the keys beyond 32 bits */
        ni_sorter_free(&srt);
    }
}

/* ---- Indicator expressions ---- */

static void test_expressions(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 4096);
    struct err e;
    static const char *const known[] = {"learners", "devices", "connection", "needs", "surveyed"};
    static const struct ni_field f1[] = {
        {"learners", "120"}, {"devices", "10"}, {"connection", "none"}, {"needs", "tablets training"},
        {"surveyed", "2026-01-31"},
    };
    static const struct ni_field f2[] = {{"learners", "45"}, {"devices", "0"}, {"connection", "fibre"}, {"needs", ""}};
    static const struct ni_field f3[] = {{"learners", ""}, {"devices", "3"}, {"surveyed", "31/01/2026"}};
    const struct ni_record recs[] = {{f1, 5}, {f2, 4}, {f3, 3}};
    double out[3];
    size_t failed;

    struct expr *x = ni_expr_parse(&a, "${learners} div max(${devices}, 1)", known, 5, &e);
    assert_non_null(x);
    assert_int_equal(ni_expr_column(x, recs, 3, 0, out, &failed, &e), 0);
    NEAR(out[0], 12);
    NEAR(out[1], 45);
    assert_true(isnan(out[2])); /* '' is not a number: missing */
    assert_int_equal(failed, 0);

    x = ni_expr_parse(&a, "if(${connection} = 'none', 1, 0)", known, 5, &e);
    assert_int_equal(ni_expr_column(x, recs, 3, 0, out, &failed, &e), 0);
    NEAR(out[0], 1);
    NEAR(out[1], 0);
    NEAR(out[2], 0); /* connection not given: '' is not 'none' */

    x = ni_expr_parse(&a, "selected(${needs}, 'tablets')", known, 5, &e);
    assert_int_equal(ni_expr_column(x, recs, 3, 0, out, &failed, &e), 0);
    NEAR(out[0], 1);
    NEAR(out[1], 0);

    /* Division by zero gives infinity: missing, not a huge need. */
    x = ni_expr_parse(&a, "${learners} div ${devices}", known, 5, &e);
    assert_int_equal(ni_expr_column(x, recs, 3, 0, out, &failed, &e), 0);
    assert_true(isnan(out[1]));

    /* A date that cannot be read is an evaluation error: missing, counted, reported with its place. */
    x = ni_expr_parse(&a, "decimal-date-time(${surveyed})", known, 5, &e);
    assert_non_null(x);
    struct err first;
    err_clear(&first);
    assert_int_equal(ni_expr_column(x, recs, 3, 0, out, &failed, &first), 0);
    NEAR(out[0], 20484); /* 2026-01-31 is day 20,484 since 1970-01-01 */
    assert_true(isnan(out[1]));
    assert_true(isnan(out[2]));
    assert_int_equal(failed, 1); /* '' (f2) is simply missing; '31/01/2026' (f3) is an error */
    assert_non_null(strstr(first.msg, "institution 3: '31/01/2026' is not a date"));

    /* A misspelt name is caught when the expression is read; syntax errors say where. */
    assert_null(ni_expr_parse(&a, "${lerners} div 2", known, 5, &e));
    assert_non_null(strstr(e.msg, "${lerners}"));
    assert_null(ni_expr_parse(&a, "${learners} div", known, 5, &e));
    assert_true(expr_error_position(&e) > 0);
    arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minmax_arithmetic),
        cmocka_unit_test(test_geometric),
        cmocka_unit_test(test_rank_and_zscore),
        cmocka_unit_test(test_missing_rule),
        cmocka_unit_test(test_bad_models),
        cmocka_unit_test(test_explanations_add_up),
        cmocka_unit_test(test_sensitivity_reproducible),
        cmocka_unit_test(test_sensitivity_sane),
        cmocka_unit_test(test_sensitivity_edges),
        cmocka_unit_test(test_sensitivity_as_documented),
        cmocka_unit_test(test_sort_and_rank),
        cmocka_unit_test(test_expressions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

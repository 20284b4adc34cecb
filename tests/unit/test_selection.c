/* Tests for program/selection: the integer programme against brute force on many small random
 * instances (the same optimum and tie-break, rules never broken, infeasibility found exactly when
 * there is none), infeasible rules reported with the right sentences, explanations, reserves
 * that keep every rule, and every sentence said through the rules' translator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <glpk.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/rng.h"
#include "program/selection.h"

/* ---- Brute force: every subset of the right size ---- */

struct brute {
    const struct sel_candidate *c;
    size_t n;
    const struct sel_rules *R;
    size_t target, rural;
    size_t *pos;       /* place in need order */
    int64_t *q;
    size_t pick[16], best[16];
    bool found;
    int64_t best_q, best_pos;
};

static bool eligible(const struct sel_candidate *x, const struct sel_rules *R)
{
    return !x->excluded && (x->consent || !R->require_consent) && !isnan(x->score) && x->score >= R->min_need;
}

static bool forced_ok(const struct sel_candidate *x, const struct sel_rules *R)
{
    return x->forced && !x->excluded && (x->consent || !R->require_consent);
}

static void brute_check(struct brute *b)
{
    size_t inf = 0, rur = 0;
    int64_t q = 0, pos = 0;
    for (size_t s = 0; s < b->target; s++) {
        const struct sel_candidate *x = &b->c[b->pick[s]];
        inf += x->informal;
        rur += x->rural;
        q += b->q[b->pick[s]];
        pos += (int64_t)b->pos[b->pick[s]];
        if (b->R->max_per_country > 0) {
            int same = 0;
            for (size_t t = 0; t < b->target; t++) same += strcmp(b->c[b->pick[t]].country, x->country) == 0;
            if (same > b->R->max_per_country) return;
        }
    }
    if (inf < (size_t)b->R->min_informal || rur < b->rural) return;
    for (size_t i = 0; i < b->n; i++) {
        if (!forced_ok(&b->c[i], b->R)) continue;
        bool in = false;
        for (size_t s = 0; s < b->target; s++) in |= b->pick[s] == i;
        if (!in) return;
    }
    if (!b->found || q > b->best_q || (q == b->best_q && pos < b->best_pos)) {
        b->found = true;
        b->best_q = q;
        b->best_pos = pos;
        memcpy(b->best, b->pick, sizeof b->pick);
    }
}

static void brute_rec(struct brute *b, size_t from, size_t depth)
{
    if (depth == b->target) {
        brute_check(b);
        return;
    }
    for (size_t i = from; i < b->n; i++) {
        if (!eligible(&b->c[i], b->R) && !forced_ok(&b->c[i], b->R)) continue;
        b->pick[depth] = i;
        brute_rec(b, i + 1, depth + 1);
    }
}

static int cmp_need(const void *pa, const void *pb, void *ctx)
{
    const struct sel_candidate *c = ctx;
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    bool sa = !isnan(c[a].score), sb = !isnan(c[b].score);
    if (sa != sb) return sa ? -1 : 1;
    if (sa && c[a].score != c[b].score) return c[a].score > c[b].score ? -1 : 1;
    return a < b ? -1 : a > b;
}

static void brute(struct brute *b, const struct sel_candidate *c, size_t n, const struct sel_rules *R)
{
    memset(b, 0, sizeof *b);
    b->c = c, b->n = n, b->R = R;
    size_t avail = 0;
    for (size_t i = 0; i < n; i++) avail += eligible(&c[i], R) || forced_ok(&c[i], R);
    b->target = avail < (size_t)R->size ? avail : (size_t)R->size;
    b->rural = (size_t)ceil(R->min_rural_share * (double)b->target - 1e-9);
    size_t order[64];
    b->pos = calloc(n, sizeof *b->pos);
    b->q = calloc(n, sizeof *b->q);
    for (size_t i = 0; i < n; i++) order[i] = i;
    qsort_r(order, n, sizeof *order, cmp_need, (void *)c);
    for (size_t p = 0; p < n; p++) b->pos[order[p]] = p;
    double unit = sel_score_unit(b->target);
    for (size_t i = 0; i < n; i++) b->q[i] = isnan(c[i].score) ? 0 : llround(c[i].score / unit);
    /* A forced inclusion that cannot stand (no consent, or excluded too) is a problem to fix, not
     * something to work around: no selection. */
    bool contradiction = false;
    for (size_t i = 0; i < n; i++) contradiction |= c[i].forced && !forced_ok(&c[i], R);
    if (b->target > 0 && !contradiction) brute_rec(b, 0, 0);
    free(b->pos), free(b->q);
}

/* ---- Random instances ---- */

static const char *const countries[] = {"AT", "BG", "CZ", "DE", "EE"};

static void random_instance(struct rng *g, struct sel_candidate *c, size_t n, struct sel_rules *R)
{
    bool ties = rng_below(g, 3) == 0; /* a third of the instances have scores from a few values */
    size_t ncountries = 1 + rng_below(g, 5);
    for (size_t i = 0; i < n; i++) {
        c[i] = (struct sel_candidate){
            .name = NULL,
            .country = countries[rng_below(g, ncountries)],
            .informal = rng_below(g, 10) < 3,
            .rural = rng_below(g, 10) < 4,
            .consent = rng_below(g, 10) < 9,
            .score = ties ? 10.0 * (double)rng_below(g, 5) : 100 * rng_uniform(g),
        };
        if (rng_below(g, 20) == 0) c[i].score = NAN;
        if (rng_below(g, 25) == 0) c[i].excluded = true;
        if (rng_below(g, 25) == 0) c[i].forced = true;
    }
    *R = (struct sel_rules){
        .size = 1 + (int)rng_below(g, 5),
        .max_per_country = (int)rng_below(g, 4),
        .min_informal = (int)rng_below(g, 3),
        .min_rural_share = rng_below(g, 2) ? 0 : 0.1 * (double)rng_below(g, 8),
        .min_need = rng_below(g, 4) == 0 ? 30 : 0,
        .require_consent = rng_below(g, 2),
    };
}

/* rounds instances of nmin..nmax candidates; large ones (many per country and type) are where the
 * reduction of selection.c drops candidates, small ones where infeasibility is common. */
static void against_brute_force(uint64_t seed, int rounds, size_t nmin, size_t nmax, int max_size)
{
    struct rng g;
    rng_seed(&g, seed);
    struct arena a;
    arena_init(&a, 1 << 16);
    size_t feasible = 0, infeasible = 0, tied = 0, reduced = 0;
    for (int round = 0; round < rounds; round++) {
        struct sel_candidate c[32];
        struct sel_rules R;
        size_t n = nmin + rng_below(&g, nmax - nmin + 1);
        random_instance(&g, c, n, &R);
        if (R.size > max_size) R.size = max_size;
        struct brute b;
        brute(&b, c, n, &R);
        struct sel_result r;
        struct err e;
        assert_int_equal(sel_run(c, n, &R, &a, &r, &e), 0);
        bool brute_feasible = b.found && b.target > 0;
        if (r.feasible != brute_feasible) {
            print_error("round %d: solver %s, brute force %s (%s)\n", round, r.feasible ? "feasible" : "infeasible",
                        brute_feasible ? "feasible" : "infeasible", r.nproblems ? r.problems[0] : "");
            fail();
        }
        if (!r.feasible) {
            infeasible++;
            assert_true(r.nproblems > 0);
            for (size_t p = 0; p < r.nproblems; p++) assert_true(strlen(r.problems[p]) > 10);
            arena_reset(&a);
            continue;
        }
        feasible++;
        reduced += r.reduced < n;
        assert_int_equal(r.nchosen, b.target);
        assert_true(sel_satisfies(c, n, &R, r.chosen, r.nchosen, &e));
        if (r.total_units != b.best_q || r.order_sum != b.best_pos) {
            print_error("round %d: solver %lld/%lld, brute force %lld/%lld\n", round, (long long)r.total_units,
                        (long long)r.order_sum, (long long)b.best_q, (long long)b.best_pos);
            fail();
        }
        double total = 0;
        for (size_t s = 0; s < r.nchosen; s++) total += isnan(c[r.chosen[s]].score) ? 0 : c[r.chosen[s]].score;
        assert_true(fabs(total - r.total) < 1e-9);
        for (size_t s = 1; s < r.nchosen; s++) tied += c[r.chosen[s]].score == c[r.chosen[s - 1]].score;
        /* Every member and every explained one has a sentence. */
        for (size_t s = 0; s < r.nchosen; s++) assert_non_null(r.why[s].text);
        for (size_t o = 0; o < r.nout; o++) {
            assert_non_null(r.out[o].text);
            assert_true(r.out[o].reasons != 0);
            assert_false(r.out[o].reasons & SEL_OUT_TIE);
        }
        arena_reset(&a);
    }
    print_message("# %zu feasible (%zu reduced), %zu infeasible, %zu ties among chosen\n", feasible, reduced, infeasible,
                  tied);
    assert_true(feasible > (size_t)rounds / 5 && (nmax > 14 || infeasible > (size_t)rounds / 10));
    arena_free(&a);
}

static void test_against_brute_force(void **state)
{
    (void)state;
    against_brute_force(2026, 1500, 4, 14, 5);
    against_brute_force(7, 80, 20, 30, 4);
}

/* Every reserve can replace someone; the replacement for each decline keeps every rule, and is the
 * best single replacement that does (checked by trying every candidate). */
static void test_reserve_keeps_rules(void **state)
{
    (void)state;
    struct rng g;
    rng_seed(&g, 99);
    struct arena a;
    arena_init(&a, 1 << 16);
    size_t replaced = 0, none = 0;
    for (int round = 0; round < 400; round++) {
        struct sel_candidate c[40];
        struct sel_rules R;
        size_t n = 10 + rng_below(&g, 31);
        random_instance(&g, c, n, &R);
        struct sel_result r;
        struct err e;
        assert_int_equal(sel_run(c, n, &R, &a, &r, &e), 0);
        if (!r.feasible) {
            arena_reset(&a);
            continue;
        }
        for (size_t s = 0; s < r.nchosen; s++) {
            size_t d = r.chosen[s], rep;
            size_t sel[16];
            memcpy(sel, r.chosen, r.nchosen * sizeof *sel);
            bool was_excluded = c[d].excluded;
            c[d].excluded = true; /* the decline, as the caller records it */
            int rc = sel_replacement(c, n, &R, r.chosen, r.nchosen, d, &rep, &e);
            /* The reference: the first in need order that keeps the rules. */
            size_t want = SIZE_MAX;
            for (size_t o = 0; o < n; o++) {
                bool in = false;
                for (size_t t = 0; t < r.nchosen; t++) in |= r.chosen[t] == o;
                if (in || !eligible(&c[o], &R)) continue;
                sel[s] = o;
                struct err ignore;
                if (!sel_satisfies(c, n, &R, sel, r.nchosen, &ignore)) continue;
                if (want == SIZE_MAX || c[o].score > c[want].score) want = o;
            }
            if (want == SIZE_MAX) {
                assert_int_equal(rc, ERR_NOT_FOUND);
                assert_non_null(strstr(e.msg, "run again"));
                none++;
            } else {
                assert_int_equal(rc, 0);
                assert_int_equal(rep, want);
                sel[s] = rep;
                assert_true(sel_satisfies(c, n, &R, sel, r.nchosen, &e));
                replaced++;
            }
            c[d].excluded = was_excluded;
        }
        /* Every reserve can stand in for at least one member. */
        for (size_t v = 0; v < r.nreserve; v++) {
            bool some = false;
            for (size_t s = 0; s < r.nchosen && !some; s++) {
                size_t sel[16];
                memcpy(sel, r.chosen, r.nchosen * sizeof *sel);
                sel[s] = r.reserve[v];
                struct err ignore;
                some = sel_satisfies(c, n, &R, sel, r.nchosen, &ignore) || c[r.chosen[s]].forced;
            }
            assert_true(some);
            if (v > 0) assert_true(c[r.reserve[v - 1]].score >= c[r.reserve[v]].score);
        }
        arena_reset(&a);
    }
    print_message("# %zu replacements, %zu declines with no replacement\n", replaced, none);
    assert_true(replaced > 200);
    arena_free(&a);
}

/* ---- Named cases ---- */

#define CAND(nm, cc, inf, rur, sc) {.name = nm, .country = cc, .informal = inf, .rural = rur, .consent = true, .score = sc}

static bool has_problem(const struct sel_result *r, const char *text)
{
    for (size_t p = 0; p < r->nproblems; p++)
        if (strstr(r->problems[p], text)) return true;
    for (size_t p = 0; p < r->nproblems; p++) print_message("# problem: %s\n", r->problems[p]);
    return false;
}

static void test_infeasible_reasons(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 1 << 16);
    struct err e;
    struct sel_result r;
    struct sel_candidate c[] = {
        CAND("Ash", "FR", false, false, 90), CAND("Birch", "FR", false, true, 80), CAND("Cedar", "FR", true, false, 70),
        CAND("Dogwood", "PL", false, false, 60), CAND("Elm", "PL", false, true, 50), CAND("Fir", "RO", true, true, 40),
    };
    size_t n = sizeof c / sizeof c[0];

    /* Too few countries for N under the cap: 3 countries x 1 = 3 < 4. */
    struct sel_rules R = {.size = 4, .max_per_country = 1};
    assert_int_equal(sel_run(c, n, &R, &a, &r, &e), 0);
    assert_false(r.feasible);
    assert_true(has_problem(&r, "With at most 1 per country, the 3 countries with eligible institutions can give at "
                                "most 3, fewer than the 4 to be selected."));

    /* Not enough informal, and not enough rural: both said. */
    R = (struct sel_rules){.size = 4, .min_informal = 3, .min_rural_share = 1};
    assert_int_equal(sel_run(c, n, &R, &a, &r, &e), 0);
    assert_false(r.feasible);
    assert_true(has_problem(&r, "At least 3 informal institutions are asked for, but only 2 eligible ones are informal."));
    assert_true(has_problem(&r, "At least 4 rural institutions are asked for, but only 3 eligible ones are rural."));

    /* Informal ones exist but the cap keeps them out: Cedar (FR) and Fir (RO) and a third informal in FR. */
    struct sel_candidate c2[] = {
        CAND("Ash", "FR", true, false, 90), CAND("Birch", "FR", true, false, 80), CAND("Cedar", "PL", false, false, 70),
        CAND("Dogwood", "PL", false, false, 60), CAND("Elm", "RO", false, false, 50),
    };
    R = (struct sel_rules){.size = 3, .max_per_country = 1, .min_informal = 2};
    assert_int_equal(sel_run(c2, 5, &R, &a, &r, &e), 0);
    assert_false(r.feasible);
    assert_true(has_problem(&r, "2 eligible ones are informal, but at most 1 of them fit under the cap of 1 per country"));

    /* Informal and rural each possible, but not together: 2 informal (urban), 2 rural (formal), N = 3
     * needs 2 + 2 - 3 = 1 that is both. */
    struct sel_candidate c3[] = {
        CAND("Ash", "FR", true, false, 90), CAND("Birch", "PL", true, false, 80), CAND("Cedar", "RO", false, true, 70),
        CAND("Dogwood", "DE", false, true, 60), CAND("Elm", "AT", false, false, 50),
    };
    R = (struct sel_rules){.size = 3, .min_informal = 2, .min_rural_share = 0.6};
    assert_int_equal(sel_run(c3, 5, &R, &a, &r, &e), 0);
    assert_false(r.feasible);
    assert_true(has_problem(&r, "2 informal and 2 rural institutions among 3 means at least 1 must be both informal and "
                                "rural, but only 0 eligible ones are both."));

    /* Forced inclusions: too many in one country, one without consent, one also excluded. */
    struct sel_candidate c4[6];
    memcpy(c4, c, sizeof c4);
    c4[0].forced = c4[1].forced = c4[2].forced = true;
    R = (struct sel_rules){.size = 4, .max_per_country = 2};
    assert_int_equal(sel_run(c4, 6, &R, &a, &r, &e), 0);
    assert_false(r.feasible);
    assert_true(has_problem(&r, "FR has 3 institutions forced in, more than the cap of 2 per country."));
    c4[2].forced = false;
    c4[4].forced = true;
    c4[4].consent = false;
    c4[5].forced = c4[5].excluded = true;
    R.require_consent = true;
    assert_int_equal(sel_run(c4, 6, &R, &a, &r, &e), 0);
    assert_false(r.feasible);
    assert_true(has_problem(&r, "Elm is forced in but has not given consent."));
    assert_true(has_problem(&r, "Fir is both forced in and excluded."));

    /* Nobody eligible. */
    R = (struct sel_rules){.size = 2, .min_need = 95};
    assert_int_equal(sel_run(c, n, &R, &a, &r, &e), 0);
    assert_false(r.feasible);
    assert_true(has_problem(&r, "No institution is eligible: of 6, 0 are excluded, 0 have given no consent, 0 have no "
                                "need score and 6 are below the minimum need."));

    /* Fewer eligible than N: all of them, and a note. */
    R = (struct sel_rules){.size = 10, .min_need = 55};
    assert_int_equal(sel_run(c, n, &R, &a, &r, &e), 0);
    assert_true(r.feasible);
    assert_int_equal(r.nchosen, 4);
    assert_string_equal(r.note, "Only 4 institutions are eligible, so 4 are selected instead of 10.");

    /* Bad rules are errors, not results. */
    R = (struct sel_rules){.size = 0};
    assert_int_equal(sel_run(c, n, &R, &a, &r, &e), ERR_INVALID);
    arena_free(&a);
}

/* Infeasible only in combination, which no single necessary condition shows. N = 3 with a cap of
 * 1 means one each from PL, FR and RO; RO has only Fir (formal, urban). Two informal ones need
 * PL's Cedar (informal, urban) and one of FR's informal rural ones, which gives 1 rural of the 2
 * asked for (ceil(0.5 * 3)); PL's Ash instead (formal, rural) gives 2 rural but 1 informal.
 * Every check passes on its own: informal under the cap 1 (PL) + 1 (FR) = 2, rural 1 + 1 = 2,
 * both kinds needed 2 + 2 - 3 = 1 and FR has them. Relaxing any one rule makes it possible. */
static void test_infeasible_combination(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 1 << 16);
    struct err e;
    struct sel_result r;
    struct sel_candidate c[] = {
        CAND("Ash", "PL", false, true, 90), CAND("Birch", "FR", false, true, 80), CAND("Cedar", "PL", true, false, 70),
        CAND("Dogwood", "FR", true, true, 60), CAND("Elm", "FR", true, true, 50), CAND("Fir", "RO", false, false, 40),
    };
    struct sel_rules R = {.size = 3, .max_per_country = 1, .min_informal = 2, .min_rural_share = 0.5};
    assert_int_equal(sel_run(c, 6, &R, &a, &r, &e), 0);
    assert_false(r.feasible);
    assert_int_equal(r.nproblems, 1);
    assert_string_equal(r.problems[0], "The rules cannot all be met together. Relaxing any one of these alone would "
                                       "make a selection possible: the cap of 1 per country; the minimum of 2 informal "
                                       "institutions; the minimum of 2 rural institutions.");
    arena_free(&a);
}

static void test_explanations(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 1 << 16);
    struct err e;
    struct sel_result r;
    struct sel_candidate c[] = {
        CAND("Ash", "FR", false, false, 95), CAND("Birch", "FR", false, false, 90), CAND("Cedar", "FR", false, false, 85),
        CAND("Dogwood", "PL", false, false, 80), CAND("Elm", "PL", true, false, 30), CAND("Fir", "RO", false, false, 75),
        CAND("Gum", "RO", false, false, 20), CAND("Hazel", "DE", false, false, 99),
    };
    c[7].consent = false;
    struct sel_rules R = {.size = 4, .max_per_country = 2, .min_informal = 1, .require_consent = true};
    assert_int_equal(sel_run(c, 8, &R, &a, &r, &e), 0);
    assert_true(r.feasible);
    /* Ash, Birch (FR cap), Dogwood, and Elm for the informal minimum: 95 + 90 + 80 + 30 = 295
     * beats Fir in Elm's place (no informal one), so: Ash, Birch, Dogwood, Elm. */
    assert_int_equal(r.nchosen, 4);
    assert_int_equal(r.chosen[0], 0);
    assert_int_equal(r.chosen[1], 1);
    assert_int_equal(r.chosen[2], 3);
    assert_int_equal(r.chosen[3], 4);
    assert_true(r.why[0].on_score);
    assert_string_equal(r.why[0].text, "Need score 95.0 (rank 2 of 8): among the 4 highest of the 7 eligible.");
    assert_true(r.why[3].for_informal);
    assert_false(r.why[3].on_score);
    assert_string_equal(r.why[3].text, "Need score 30.0 (rank 7 of 8): chosen to meet the minimum of 1 informal institution.");
    /* The nearest left out: Hazel (no consent), Cedar (cap), Fir (informal minimum). */
    assert_true(r.nout >= 3);
    assert_int_equal(r.out[0].cand, 7);
    assert_string_equal(r.out[0].text, "Not eligible: no consent given.");
    assert_int_equal(r.out[1].cand, 2);
    assert_int_equal(r.out[1].reasons, SEL_OUT_COUNTRY_CAP | SEL_OUT_INFORMAL_MIN);
    assert_non_null(strstr(r.out[1].text, "the country cap of 2 for FR is reached by Ash and Birch"));
    assert_non_null(strstr(r.out[1].text, "Elm is needed for the minimum of 1 informal institution, and it is formal"));
    assert_int_equal(r.out[2].cand, 5);
    assert_int_equal(r.out[2].reasons, SEL_OUT_INFORMAL_MIN);
    assert_string_equal(r.out[2].text, "Need score 75.0, higher than Elm (30.0), but it could take no such place: Elm is "
                                       "needed for the minimum of 1 informal institution, and it is formal.");
    /* Gum is below every member it could replace. */
    assert_int_equal(r.out[3].cand, 6);
    assert_int_equal(r.out[3].reasons, SEL_OUT_LOWER_SCORE);
    /* The reserve: Fir can replace Ash, Birch or Dogwood; Cedar can replace Ash or Birch. */
    assert_true(r.nreserve >= 2);
    assert_int_equal(r.reserve[0], 2);
    assert_int_equal(r.reserve[1], 5);
    /* If Elm declines, only an informal one keeps the minimum: none is left. */
    size_t rep;
    c[4].excluded = true;
    assert_int_equal(sel_replacement(c, 8, &R, r.chosen, r.nchosen, 4, &rep, &e), ERR_NOT_FOUND);
    assert_non_null(strstr(e.msg, "Elm"));
    c[4].excluded = false;
    /* If Ash declines, Cedar (FR, 85) takes the place. */
    assert_int_equal(sel_replacement(c, 8, &R, r.chosen, r.nchosen, 0, &rep, &e), 0);
    assert_int_equal(rep, 2);
    assert_int_equal(sel_replacement(c, 8, &R, r.chosen, r.nchosen, 2, &rep, &e), ERR_INVALID);
    arena_free(&a);
}

/* Equal scores: the earlier candidate wins, and the result is the same run after run. */
static void test_ties(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 1 << 16);
    struct err e;
    struct sel_candidate c[30];
    for (size_t i = 0; i < 30; i++) c[i] = (struct sel_candidate)CAND("x", i % 2 ? "FR" : "PL", i % 3 == 0, i % 5 == 0, 50);
    struct sel_rules R = {.size = 10, .max_per_country = 6, .min_informal = 4, .min_rural_share = 0.3};
    struct sel_result r1, r2;
    assert_int_equal(sel_run(c, 30, &R, &a, &r1, &e), 0);
    assert_int_equal(sel_run(c, 30, &R, &a, &r2, &e), 0);
    assert_true(r1.feasible);
    assert_int_equal(r1.nchosen, 10);
    assert_memory_equal(r1.chosen, r2.chosen, 10 * sizeof *r1.chosen);
    /* The best by the tie rule is the smallest sum of places meeting the rules: check by brute force
     * over the first 14 (the rest can never be better). */
    struct brute b;
    brute(&b, c, 14, &R);
    assert_int_equal(r1.order_sum, b.best_pos);
    arena_free(&a);
}

/* ---- Languages ---- */

/* A stand-in catalogue: each pattern upper-cased outside its printf conversions, so that a sentence
 * said through it is the English one upper-cased exactly when every word in it came through the
 * translator; and each distinct msgid asked for is counted. */
struct shouting {
    struct arena a;
    size_t calls;
    const char *seen[256];
    size_t nseen;
};

static const char *shout(void *ctx, const char *msgid)
{
    struct shouting *sh = ctx;
    sh->calls++;
    size_t k = 0;
    while (k < sh->nseen && strcmp(sh->seen[k], msgid) != 0) k++;
    if (k == sh->nseen && sh->nseen < 256) sh->seen[sh->nseen++] = msgid;
    size_t len = strlen(msgid);
    char *out = arena_alloc(&sh->a, len + 1);
    bool conv = false;
    for (size_t i = 0; i <= len; i++) {
        char ch = msgid[i];
        if (conv) {
            out[i] = ch;
            conv = !strchr("diouxXeEfgGcsp%", ch);
        } else {
            out[i] = ch >= 'a' && ch <= 'z' ? (char)(ch - 'a' + 'A') : ch;
            conv = ch == '%';
        }
    }
    return out;
}

static void assert_shouted(const char *english, const char *said)
{
    if (!english || !said) {
        assert_ptr_equal(english, said);
        return;
    }
    char *upper = strdup(english);
    for (char *p = upper; *p; p++)
        if (*p >= 'a' && *p <= 'z') *p = (char)(*p - 'a' + 'A');
    if (strcmp(upper, said) != 0) {
        print_error("English:    %s\ntranslated: %s\n", english, said);
        free(upper);
        fail();
    }
    free(upper);
}

/* Runs c both in English and through shout: the same result, every sentence the English one said
 * through the translator (names must hold no lower-case letter). Declines and a check of a selection
 * that breaks the rules are compared too. */
static void said_alike(struct shouting *sh, struct sel_candidate *c, size_t n, const struct sel_rules *R,
                       struct arena *a)
{
    struct sel_rules T = *R;
    T.translate = shout;
    T.translate_ctx = sh;
    struct sel_result en, tr;
    struct err e1, e2;
    err_clear(&e1), err_clear(&e2);
    int rc = sel_run(c, n, R, a, &en, &e1);
    assert_int_equal(sel_run(c, n, &T, a, &tr, &e2), rc);
    if (rc < 0) {
        assert_shouted(e1.msg, e2.msg);
        return;
    }
    assert_int_equal(en.feasible, tr.feasible);
    assert_shouted(en.note, tr.note);
    assert_int_equal(en.nproblems, tr.nproblems);
    for (size_t p = 0; p < en.nproblems; p++) assert_shouted(en.problems[p], tr.problems[p]);
    assert_int_equal(en.nchosen, tr.nchosen);
    assert_memory_equal(en.chosen, tr.chosen, en.nchosen * sizeof *en.chosen);
    for (size_t s = 0; s < en.nchosen; s++) assert_shouted(en.why[s].text, tr.why[s].text);
    assert_int_equal(en.nout, tr.nout);
    for (size_t o = 0; o < en.nout; o++) assert_shouted(en.out[o].text, tr.out[o].text);
    for (size_t s = 0; s < en.nchosen; s++) {
        size_t d = en.chosen[s], rep1 = 0, rep2 = 0;
        bool was = c[d].excluded;
        c[d].excluded = true;
        rc = sel_replacement(c, n, R, en.chosen, en.nchosen, d, &rep1, &e1);
        assert_int_equal(sel_replacement(c, n, &T, en.chosen, en.nchosen, d, &rep2, &e2), rc);
        if (rc < 0) {
            assert_shouted(e1.msg, e2.msg);
            /* What a stored decline says can be said again. */
            assert_string_equal(sel_unfilled(R, c[d].name, a), e1.msg);
            assert_string_equal(sel_unfilled(&T, c[d].name, a), e2.msg);
        }
        c[d].excluded = was;
    }
    /* The first size candidates in input order: often a selection that breaks some rule. */
    size_t pick[64], m = (size_t)R->size < n ? (size_t)R->size : n;
    for (size_t i = 0; i < m; i++) pick[i] = i;
    bool ok = sel_satisfies(c, n, R, pick, m, &e1);
    assert_int_equal(sel_satisfies(c, n, &T, pick, m, &e2), ok);
    if (!ok) assert_shouted(e1.msg, e2.msg);
}

static void test_every_sentence_through_the_translator(void **state)
{
    (void)state;
    struct shouting sh = {.calls = 0};
    arena_init(&sh.a, 1 << 16);
    struct arena a;
    arena_init(&a, 1 << 16);
    /* Random instances, unnamed ("candidate 3") and named. */
    struct rng g;
    rng_seed(&g, 31);
    static const char *const names[] = {"ASH", "BIRCH", "CEDAR", "DOGWOOD", "ELM", "FIR", "GUM", "HAZEL"};
    for (int round = 0; round < 2000; round++) {
        struct sel_candidate c[32];
        struct sel_rules R;
        size_t n = 4 + rng_below(&g, 20);
        random_instance(&g, c, n, &R);
        if (round % 2)
            for (size_t i = 0; i < n; i++) c[i].name = names[i % 8];
        R.explain_out = n; /* every one left out explained */
        said_alike(&sh, c, n, &R, &a);
        arena_reset(&a);
    }
    /* The named cases of the tests above, upper-cased. */
    struct sel_candidate c[] = {
        CAND("ASH", "FR", false, false, 90), CAND("BIRCH", "FR", false, true, 80), CAND("CEDAR", "FR", true, false, 70),
        CAND("DOGWOOD", "PL", false, false, 60), CAND("ELM", "PL", false, true, 50), CAND("FIR", "RO", true, true, 40),
    };
    struct sel_rules cases[] = {
        {.size = 4, .max_per_country = 1},
        {.size = 4, .min_informal = 3, .min_rural_share = 1},
        {.size = 1, .min_informal = 2, .min_rural_share = 1},
        {.size = 2, .min_need = 95},
        {.size = 10, .min_need = 55},
        {.size = 3, .max_per_country = 1, .min_informal = 2, .min_rural_share = 0.5},
        {.size = 3, .max_per_country = 1, .min_informal = 1, .min_rural_share = 0.4},
        {.size = 2, .min_informal = 1, .min_rural_share = 0.5},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) said_alike(&sh, c, 6, &cases[k], &a);
    struct sel_candidate combination[] = {
        CAND("ASH", "PL", false, true, 90), CAND("BIRCH", "FR", false, true, 80), CAND("CEDAR", "PL", true, false, 70),
        CAND("DOGWOOD", "FR", true, true, 60), CAND("ELM", "FR", true, true, 50), CAND("FIR", "RO", false, false, 40),
    };
    said_alike(&sh, combination, 6,
               &(struct sel_rules){.size = 3, .max_per_country = 1, .min_informal = 2, .min_rural_share = 0.5}, &a);
    struct sel_candidate explained[] = {
        CAND("ASH", "FR", false, false, 95), CAND("BIRCH", "FR", false, false, 90), CAND("CEDAR", "FR", false, false, 85),
        CAND("DOGWOOD", "PL", false, false, 80), CAND("ELM", "PL", true, false, 30), CAND("FIR", "RO", false, false, 75),
        CAND("GUM", "RO", false, false, 20), CAND("HAZEL", "DE", false, false, 99),
    };
    explained[7].consent = false;
    said_alike(&sh, explained, 8,
               &(struct sel_rules){.size = 4, .max_per_country = 2, .min_informal = 1, .require_consent = true}, &a);
    explained[2].country = explained[0].country = explained[1].country = NULL; /* a cap for a country with no code */
    said_alike(&sh, explained, 8,
               &(struct sel_rules){.size = 4, .max_per_country = 2, .min_informal = 1, .require_consent = true}, &a);
    /* One rule to relax (the informal minimum); only pairs of rules; both kinds held back by the cap;
     * informal ones held back by a cap of 2; more informal ones asked for than places. */
    struct sel_candidate one_rule[] = {
        CAND("A", "PL", false, true, 40), CAND("B", "FR", false, true, 90), CAND("C", "PL", true, false, 30),
        CAND("D", "PL", false, true, 80), CAND("E", "DE", false, false, 90),
    };
    one_rule[3].forced = one_rule[4].forced = true;
    said_alike(&sh, one_rule, 5,
               &(struct sel_rules){.size = 3, .max_per_country = 1, .min_informal = 1, .min_rural_share = 0.5}, &a);
    struct sel_candidate pairs[] = {
        CAND("A", "FR", false, false, 40), CAND("B", "DE", false, false, 60), CAND("C", "DE", true, false, 30),
        CAND("D", "DE", false, true, 60),
    };
    pairs[1].forced = true;
    said_alike(&sh, pairs, 4,
               &(struct sel_rules){.size = 2, .max_per_country = 1, .min_informal = 1, .min_rural_share = 0.25}, &a);
    struct sel_candidate both[] = {
        CAND("X", "FR", true, true, 90), CAND("Y", "FR", true, true, 85), CAND("P", "PL", true, false, 80),
        CAND("D", "DE", false, true, 75), CAND("R", "RO", true, false, 70), CAND("Q", "AT", false, true, 65),
    };
    said_alike(&sh, both, 6,
               &(struct sel_rules){.size = 4, .max_per_country = 1, .min_informal = 3, .min_rural_share = 0.75}, &a);
    struct sel_candidate capped[] = {
        CAND("I", "FR", true, false, 90), CAND("J", "FR", true, false, 85), CAND("K", "FR", true, false, 80),
        CAND("P", "PL", false, false, 75), CAND("D", "DE", false, false, 70),
    };
    said_alike(&sh, capped, 5, &(struct sel_rules){.size = 3, .max_per_country = 2, .min_informal = 3}, &a);
    said_alike(&sh, capped, 5, &(struct sel_rules){.size = 2, .min_informal = 3}, &a);
    /* Forced inclusions: over a country's cap (one country without a code), without consent, excluded too. */
    struct sel_candidate f[6];
    memcpy(f, c, sizeof f);
    f[0].forced = f[1].forced = f[2].forced = true;
    f[3].country = f[4].country = f[5].country = NULL;
    f[3].forced = f[4].forced = f[5].forced = true;
    said_alike(&sh, f, 6, &(struct sel_rules){.size = 6, .max_per_country = 2}, &a);
    f[2].forced = f[3].forced = false;
    f[4].consent = false;
    f[5].forced = f[5].excluded = true;
    said_alike(&sh, f, 6, &(struct sel_rules){.size = 4, .require_consent = true}, &a);
    /* Rules that make no sense, and a score out of range, named and not. */
    said_alike(&sh, c, 6, &(struct sel_rules){.size = 0}, &a);
    said_alike(&sh, c, 6, &(struct sel_rules){.size = 2, .max_per_country = -1}, &a);
    said_alike(&sh, c, 6, &(struct sel_rules){.size = 2, .min_rural_share = 2}, &a);
    said_alike(&sh, c, 6, &(struct sel_rules){.size = 2, .min_informal = -1}, &a);
    said_alike(&sh, c, 6, &(struct sel_rules){.size = 2, .min_need = NAN}, &a);
    /* Selections that name no candidate, or one twice; a decline by one not selected. */
    struct sel_rules T = {.size = 2, .translate = shout, .translate_ctx = &sh}, R = {.size = 2};
    const size_t twice[] = {0, 0}, stranger[] = {0, 9};
    struct err e1, e2;
    size_t rep;
    assert_false(sel_satisfies(c, 6, &R, twice, 2, &e1));
    assert_false(sel_satisfies(c, 6, &T, twice, 2, &e2));
    assert_shouted(e1.msg, e2.msg);
    assert_false(sel_satisfies(c, 6, &R, stranger, 2, &e1));
    assert_false(sel_satisfies(c, 6, &T, stranger, 2, &e2));
    assert_shouted(e1.msg, e2.msg);
    assert_int_equal(sel_replacement(c, 6, &R, twice, 1, 3, &rep, &e1), ERR_INVALID);
    assert_int_equal(sel_replacement(c, 6, &T, twice, 1, 3, &rep, &e2), ERR_INVALID);
    assert_shouted(e1.msg, e2.msg);
    f[0].score = 150;
    said_alike(&sh, f, 6, &(struct sel_rules){.size = 2}, &a);
    f[0].name = NULL;
    said_alike(&sh, f, 6, &(struct sel_rules){.size = 2}, &a);
    /* Every sentence came through the translator, and the translator was asked for many patterns. */
    print_message("# %zu calls, %zu distinct patterns\n", sh.calls, sh.nseen);
    assert_true(sh.nseen >= 85);
    arena_free(&a);
    arena_free(&sh.a);
}

/* A translator that has no answer (NULL) leaves the English. */
static const char *no_answer(void *ctx, const char *msgid)
{
    (void)msgid;
    (*(size_t *)ctx)++;
    return NULL;
}

static void test_no_translation_is_english(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 1 << 16);
    struct err e;
    struct sel_result r;
    size_t calls = 0;
    struct sel_candidate c[] = {
        CAND("Ash", "FR", false, false, 90), CAND("Birch", "FR", false, true, 80), CAND("Cedar", "PL", true, false, 70),
    };
    struct sel_rules R = {.size = 2, .min_informal = 1, .translate = no_answer, .translate_ctx = &calls};
    assert_int_equal(sel_run(c, 3, &R, &a, &r, &e), 0);
    assert_true(calls > 0);
    assert_string_equal(r.why[0].text, "Need score 90.0 (rank 1 of 3): among the 2 highest of the 3 eligible.");
    assert_string_equal(r.why[1].text, "Need score 70.0 (rank 3 of 3): chosen to meet the minimum of 1 informal "
                                       "institution.");
    arena_free(&a);
}

static int teardown(void **state)
{
    (void)state;
    glp_free_env(); /* GLPK's per-thread environment, so that the leak checker sees nothing left */
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_brute_force),
        cmocka_unit_test(test_reserve_keeps_rules),
        cmocka_unit_test(test_infeasible_reasons),
        cmocka_unit_test(test_infeasible_combination),
        cmocka_unit_test(test_explanations),
        cmocka_unit_test(test_ties),
        cmocka_unit_test(test_every_sentence_through_the_translator),
        cmocka_unit_test(test_no_translation_is_english),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}

#include "program/selection.h"

#include <glpk.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/i18n.h"
#include "base/str.h"

/* ---- The run's working state ---- */

struct ctx {
    const struct sel_candidate *c;
    size_t n;
    const struct sel_rules *rules;
    struct arena *a;
    size_t *order;      /* candidates in need order */
    size_t *pos;        /* candidate -> place in order */
    size_t *rank;       /* candidate -> competition rank among the scored, 0 without a score */
    size_t nscored;
    uint32_t *country;  /* candidate -> country id */
    size_t ncountries;
    const char **country_name; /* id -> code */
    bool *eligible;     /* may be chosen on its own merits */
    bool *forced;       /* a forced inclusion that can stand (consent, not excluded) */
    size_t N, r;        /* target and rural minimum */
    double unit;
    int64_t *q;         /* candidate -> score in units */
    /* problems found, as sentences */
    const char **problems;
    size_t nproblems, cap_problems;
};

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) abort(); /* as the arena does: out of memory is not a state to go on from */
    return p;
}

/* ---- Sentences ----
 *
 * Every sentence is said through the rules' translator (sel_rules.translate; English without one).
 * Each pattern passed to tr() is a whole sentence, or a whole phrase that another pattern places
 * after a colon or in a list, marked N_() so that tests/i18n_check.py holds every catalogue to it.
 * A count never splices an English word into a sentence: one_or_many() chooses between two whole
 * patterns, and where the English of both would read the same the "one" pattern writes its 1 out. */

static const char *tr(const struct sel_rules *R, const char *msgid)
{
    const char *t = R->translate ? R->translate(R->translate_ctx, msgid) : NULL;
    return t ? t : msgid;
}

static const char *one_or_many(size_t n, const char *one, const char *many) { return n == 1 ? one : many; }

/* "A; B" and "A and B" as the language joins them. */
static const char *join(struct arena *a, const struct sel_rules *R, const char *msgid, const char *x, const char *y)
{
    return *x ? arena_printf(a, tr(R, msgid), x, y) : y;
}

static const char *name_of(const struct ctx *X, size_t i)
{
    const struct sel_candidate *c = X->c;
    return c[i].name && c[i].name[0] ? c[i].name : arena_printf(X->a, tr(X->rules, N_("candidate %zu")), i + 1);
}

static bool has_score(const struct sel_candidate *x) { return !isnan(x->score); }

static void problem(struct ctx *X, const char *text)
{
    if (X->nproblems == X->cap_problems) {
        size_t cap = X->cap_problems ? 2 * X->cap_problems : 8;
        const char **p = arena_alloc(X->a, cap * sizeof *p);
        if (X->nproblems) memcpy(p, X->problems, X->nproblems * sizeof *p);
        X->problems = p;
        X->cap_problems = cap;
    }
    X->problems[X->nproblems++] = text;
}

double sel_score_unit(size_t n) { return 0.0001 * (double)(n > 10 ? n : 10); }

static bool elig(const struct sel_candidate *x, const struct sel_rules *rules)
{
    return !x->excluded && (x->consent || !rules->require_consent) && has_score(x) && x->score >= rules->min_need;
}

static bool forced_ok(const struct sel_candidate *x, const struct sel_rules *rules)
{
    return x->forced && !x->excluded && (x->consent || !rules->require_consent);
}

static size_t rural_needed(const struct sel_rules *rules, size_t target)
{
    /* The small margin keeps 0.4 * 10 at 4 when floating point makes it 4.000000000000001. */
    double r = ceil(rules->min_rural_share * (double)target - 1e-9);
    return r > 0 ? (size_t)r : 0;
}

/* ---- Need order and countries ---- */

static int cmp_need(const void *pa, const void *pb, void *ctx)
{
    const struct sel_candidate *c = ctx;
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    bool sa = has_score(&c[a]), sb = has_score(&c[b]);
    if (sa != sb) return sa ? -1 : 1;
    if (sa && c[a].score != c[b].score) return c[a].score > c[b].score ? -1 : 1;
    return a < b ? -1 : a > b;
}

static void need_order(struct ctx *X)
{
    for (size_t i = 0; i < X->n; i++) X->order[i] = i;
    qsort_r(X->order, X->n, sizeof *X->order, cmp_need, (void *)X->c);
    for (size_t p = 0; p < X->n; p++) {
        size_t i = X->order[p];
        X->pos[i] = p;
        X->nscored += has_score(&X->c[i]);
        if (!has_score(&X->c[i])) X->rank[i] = 0;
        else if (p > 0 && has_score(&X->c[X->order[p - 1]]) && X->c[X->order[p - 1]].score == X->c[i].score)
            X->rank[i] = X->rank[X->order[p - 1]];
        else X->rank[i] = p + 1;
    }
}

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* Country codes to small ids through an open-addressing table (n can be 100,000). */
static void countries(struct ctx *X)
{
    size_t cap = 16;
    while (cap < 2 * X->n) cap *= 2;
    uint32_t *slot = xcalloc(cap, sizeof *slot); /* id + 1; 0: empty */
    X->country_name = arena_alloc(X->a, (X->n ? X->n : 1) * sizeof *X->country_name);
    for (size_t i = 0; i < X->n; i++) {
        const char *code = X->c[i].country ? X->c[i].country : "";
        size_t h = hash_str(code) & (cap - 1);
        while (slot[h] && strcmp(X->country_name[slot[h] - 1], code) != 0) h = (h + 1) & (cap - 1);
        if (!slot[h]) {
            X->country_name[X->ncountries] = code;
            slot[h] = (uint32_t)++X->ncountries;
        }
        X->country[i] = slot[h] - 1;
    }
    free(slot);
}

/* ---- Checks before the integer programme: each necessary condition, in a plain sentence ---- */

/* How many of the candidates flagged in want fit under the country cap (every one without a cap). */
static size_t capped_supply(const struct ctx *X, const bool *want)
{
    size_t k = (size_t)X->rules->max_per_country, total = 0;
    size_t *cnt = xcalloc(X->ncountries, sizeof *cnt);
    for (size_t i = 0; i < X->n; i++) {
        if (!want[i]) continue;
        if (k == 0 || cnt[X->country[i]] < k) total++;
        cnt[X->country[i]]++;
    }
    free(cnt);
    return total;
}

/* The sentences of precheck_minimum; in the tables by kind, [0] is the informal minimum and [1] the
 * rural one. The rural minimum is a share of N, never more than N: only the informal one can ask for
 * more places than there are ([0]: one place; [1]: more). */
static const char *const asked_more_than_n[2] = {
    N_("At least %zu informal institutions are asked for, but only %zu is to be selected."),
    N_("At least %zu informal institutions are asked for, but only %zu are to be selected."),
};
/* [kind][0]: one asked for (and so none eligible); [1]: one eligible; [2]: another number eligible. */
static const char *const too_few_eligible[2][3] = {
    {N_("At least %zu informal institution is asked for, but only %zu eligible ones are informal."),
     N_("At least %zu informal institutions are asked for, but only %zu eligible one is informal."),
     N_("At least %zu informal institutions are asked for, but only %zu eligible ones are informal.")},
    {N_("At least %zu rural institution is asked for, but only %zu eligible ones are rural."),
     N_("At least %zu rural institutions are asked for, but only %zu eligible one is rural."),
     N_("At least %zu rural institutions are asked for, but only %zu eligible ones are rural.")},
};
/* [kind][0]: one of them fits under the cap; [1]: another number. */
static const char *const too_few_under_cap[2][2] = {
    {N_("At least %zu informal institutions are asked for; %zu eligible ones are informal, but at most 1 of them "
        "fit under the cap of %zu per country."),
     N_("At least %zu informal institutions are asked for; %zu eligible ones are informal, but at most %zu of them "
        "fit under the cap of %zu per country.")},
    {N_("At least %zu rural institutions are asked for; %zu eligible ones are rural, but at most 1 of them "
        "fit under the cap of %zu per country."),
     N_("At least %zu rural institutions are asked for; %zu eligible ones are rural, but at most %zu of them "
        "fit under the cap of %zu per country.")},
};
/* [kind][0]: one of the other kind forced in; [1]: more. */
static const char *const forced_leave_room[2][2] = {
    {N_("The %zu formal institution forced in leaves room for at most %zu informal ones, fewer than the %zu asked "
        "for."),
     N_("The %zu formal institutions forced in leave room for at most %zu informal ones, fewer than the %zu asked "
        "for.")},
    {N_("The %zu urban institution forced in leaves room for at most %zu rural ones, fewer than the %zu asked for."),
     N_("The %zu urban institutions forced in leave room for at most %zu rural ones, fewer than the %zu asked for.")},
};

static void precheck_minimum(struct ctx *X, bool informal)
{
    const struct sel_rules *R = X->rules;
    size_t need = informal ? (size_t)R->min_informal : X->r;
    if (need == 0) return;
    int kind = informal ? 0 : 1;
    size_t k = (size_t)R->max_per_country;
    if (informal && need > X->N) { /* so at least 2 are asked for */
        problem(X, arena_printf(X->a, tr(R, asked_more_than_n[X->N == 1 ? 0 : 1]), need, X->N));
        return;
    }
    bool *want = xcalloc(X->n, sizeof *want);
    size_t have = 0, forced_other = 0;
    for (size_t i = 0; i < X->n; i++) {
        bool is_kind = informal ? X->c[i].informal : X->c[i].rural;
        want[i] = is_kind && (X->eligible[i] || X->forced[i]);
        have += want[i];
        forced_other += X->forced[i] && !is_kind;
    }
    size_t fit = capped_supply(X, want);
    if (have < need)
        problem(X, arena_printf(X->a, tr(R, too_few_eligible[kind][need == 1 ? 0 : have == 1 ? 1 : 2]), need, have));
    else if (fit < need && fit == 1) /* with a cap, have >= need > fit >= 1: at least 2 asked for, and eligible */
        problem(X, arena_printf(X->a, tr(R, too_few_under_cap[kind][0]), need, have, k));
    else if (fit < need)
        problem(X, arena_printf(X->a, tr(R, too_few_under_cap[kind][1]), need, have, fit, k));
    if (forced_other > X->N - need)
        problem(X, arena_printf(X->a, tr(R, forced_leave_room[kind][forced_other == 1 ? 0 : 1]), forced_other,
                                X->N - forced_other, need));
    free(want);
}

static void precheck(struct ctx *X)
{
    const struct sel_rules *R = X->rules;
    size_t k = (size_t)R->max_per_country, nforced = 0;
    for (size_t i = 0; i < X->n; i++) nforced += X->forced[i];
    if (nforced > X->N) /* so at least 2 */
        problem(X, arena_printf(X->a, tr(R, N_("%zu institutions are forced in, more than the %zu to be selected.")),
                                nforced, X->N));
    if (k > 0) {
        size_t *cnt = xcalloc(X->ncountries, sizeof *cnt);
        for (size_t i = 0; i < X->n; i++) cnt[X->country[i]] += X->forced[i];
        for (size_t id = 0; id < X->ncountries; id++) {
            if (cnt[id] <= k) continue; /* so at least 2 */
            if (X->country_name[id][0])
                problem(X, arena_printf(X->a, tr(R, N_("%s has %zu institutions forced in, more than the cap of %zu "
                                                       "per country.")),
                                        X->country_name[id], cnt[id], k));
            else
                problem(X, arena_printf(X->a, tr(R, N_("A country with no code has %zu institutions forced in, more "
                                                       "than the cap of %zu per country.")),
                                        cnt[id], k));
        }
        free(cnt);
        bool *want = xcalloc(X->n, sizeof *want);
        size_t ncountries = 0;
        bool *seen = xcalloc(X->ncountries, sizeof *seen);
        for (size_t i = 0; i < X->n; i++) {
            want[i] = X->eligible[i] || X->forced[i];
            if (want[i] && !seen[X->country[i]]) seen[X->country[i]] = true, ncountries++;
        }
        size_t fit = capped_supply(X, want);
        if (fit < X->N)
            problem(X, arena_printf(X->a,
                                    tr(R, one_or_many(ncountries,
                                                      N_("With at most %zu per country, the %zu country with eligible "
                                                         "institutions can give at most %zu, fewer than the %zu to be "
                                                         "selected."),
                                                      N_("With at most %zu per country, the %zu countries with eligible "
                                                         "institutions can give at most %zu, fewer than the %zu to be "
                                                         "selected."))),
                                    k, ncountries, fit, X->N));
        free(want), free(seen);
    }
    size_t before = X->nproblems;
    precheck_minimum(X, true);
    precheck_minimum(X, false);
    size_t m = (size_t)R->min_informal;
    if (X->nproblems == before && m + X->r > X->N) {
        size_t need = m + X->r - X->N;
        bool *want = xcalloc(X->n, sizeof *want);
        size_t have = 0;
        for (size_t i = 0; i < X->n; i++) {
            want[i] = X->c[i].informal && X->c[i].rural && (X->eligible[i] || X->forced[i]);
            have += want[i];
        }
        size_t fit = capped_supply(X, want);
        if (fit < need && fit < have) /* the cap holds back some: it lets one of each country through, so have >= 2 */
            problem(X, arena_printf(X->a,
                                    tr(R, N_("%zu informal and %zu rural institutions among %zu means at least %zu "
                                             "must be both informal and rural, but only %zu eligible ones are both "
                                             "(%zu under the country cap).")),
                                    m, X->r, X->N, need, have, fit));
        else if (fit < need)
            problem(X, arena_printf(X->a,
                                    tr(R, one_or_many(have,
                                                      N_("%zu informal and %zu rural institutions among %zu means at "
                                                         "least %zu must be both informal and rural, but only %zu "
                                                         "eligible one is both."),
                                                      N_("%zu informal and %zu rural institutions among %zu means at "
                                                         "least %zu must be both informal and rural, but only %zu "
                                                         "eligible ones are both."))),
                                    m, X->r, X->N, need, have));
        free(want);
    }
}

/* ---- The reduction ----
 *
 * Why it is exact. Take an optimal selection S (the best total, then the least sum of places) and a
 * member c of it that is not forced, of country C and type t (informal or not, rural or not).
 * 1. If c is not among the best min(k, N) candidates of (C, t) in need order, one of those, c', is not
 *    in S: S holds at most k - 1 others in C (at most N - 1 in all). Putting c' in c's place keeps the
 *    size, the country counts and the type counts, and its total is no lower while its sum of places
 *    is lower: S was not optimal. So only those min(k, N) per (country, type) can be chosen.
 * 2. Among those, if c is not among the best (N - 1) min(k, N) + 1 of type t, then since the N - 1
 *    other members of S lie in at most N - 1 countries, each holding at most min(k, N) of the list
 *    after step 1, one of the best ones, c', is in a country with no other member of S; c' in c's
 *    place keeps every rule (its country then holds one) and is better again.
 * Without a cap the same argument needs only the best N of each type. Forced inclusions stay. */
static size_t reduce(const struct ctx *X, size_t *vars)
{
    size_t N = X->N, k = (size_t)X->rules->max_per_country;
    size_t per_ct = k > 0 && k < N ? k : N;
    size_t per_type = k > 0 ? (N - 1) * per_ct + 1 : N;
    uint32_t *cnt = xcalloc(X->ncountries * 4, sizeof *cnt);
    size_t type_cnt[4] = {0}, nv = 0;
    for (size_t p = 0; p < X->n; p++) {
        size_t i = X->order[p];
        if (X->forced[i]) {
            vars[nv++] = i;
            continue;
        }
        if (!X->eligible[i]) continue;
        size_t t = (size_t)X->c[i].informal * 2 + (size_t)X->c[i].rural;
        if (cnt[X->country[i] * 4 + t] >= per_ct) continue;
        cnt[X->country[i] * 4 + t]++;
        if (type_cnt[t] >= per_type) continue;
        type_cnt[t]++;
        vars[nv++] = i;
    }
    free(cnt);
    return nv; /* in need order */
}

/* ---- The integer programme ---- */

enum { USE_CAP = 1, USE_INFORMAL = 2, USE_RURAL = 4, USE_FORCED = 8, USE_ALL = 15 };

/* Solves over vars (nv candidates): stage 1 maximises the total; with tiebreak, the total is held at
 * least at opt and the sum of places minimised. x[v] gets the choice. Returns 1 feasible, 0 not,
 * < 0 when GLPK fails. */
static int solve(const struct ctx *X, const size_t *vars, size_t nv, unsigned use, bool tiebreak, int64_t opt,
                 unsigned char *x)
{
    const struct sel_rules *R = X->rules;
    size_t k = (size_t)R->max_per_country;
    if (nv == 0) return X->N == 0;
    glp_term_out(GLP_OFF);
    glp_prob *P = glp_create_prob();
    glp_set_obj_dir(P, tiebreak ? GLP_MIN : GLP_MAX);
    glp_add_cols(P, (int)nv);
    for (size_t v = 0; v < nv; v++) {
        size_t i = vars[v];
        glp_set_col_kind(P, (int)v + 1, GLP_BV);
        if ((use & USE_FORCED) && X->forced[i]) glp_set_col_bnds(P, (int)v + 1, GLP_FX, 1, 1);
        /* Places within vars order the same as in the whole need order and keep the objective small. */
        glp_set_obj_coef(P, (int)v + 1, tiebreak ? (double)v : (double)X->q[i]);
    }
    /* Rows and the matrix: every column is in the size row, its country's row (when capped and that
     * country has more than k columns), and the informal and rural rows when it is such. */
    size_t cap_nz = nv * 5 + 1;
    int *ia = xcalloc(cap_nz, sizeof *ia), *ja = xcalloc(cap_nz, sizeof *ja);
    double *ar = xcalloc(cap_nz, sizeof *ar);
    size_t nz = 0;
    int row = glp_add_rows(P, 1);
    glp_set_row_bnds(P, row, GLP_FX, (double)X->N, (double)X->N);
    for (size_t v = 0; v < nv; v++) ++nz, ia[nz] = row, ja[nz] = (int)v + 1, ar[nz] = 1;
    if ((use & USE_CAP) && k > 0) {
        size_t *cnt = xcalloc(X->ncountries, sizeof *cnt);
        int *crow = xcalloc(X->ncountries, sizeof *crow);
        for (size_t v = 0; v < nv; v++) cnt[X->country[vars[v]]]++;
        for (size_t v = 0; v < nv; v++) {
            uint32_t id = X->country[vars[v]];
            if (cnt[id] <= k) continue;
            if (!crow[id]) {
                crow[id] = glp_add_rows(P, 1);
                glp_set_row_bnds(P, crow[id], GLP_UP, 0, (double)k);
            }
            ++nz, ia[nz] = crow[id], ja[nz] = (int)v + 1, ar[nz] = 1;
        }
        free(cnt), free(crow);
    }
    if ((use & USE_INFORMAL) && R->min_informal > 0) {
        row = glp_add_rows(P, 1);
        glp_set_row_bnds(P, row, GLP_LO, R->min_informal, 0);
        for (size_t v = 0; v < nv; v++)
            if (X->c[vars[v]].informal) ++nz, ia[nz] = row, ja[nz] = (int)v + 1, ar[nz] = 1;
    }
    if ((use & USE_RURAL) && X->r > 0) {
        row = glp_add_rows(P, 1);
        glp_set_row_bnds(P, row, GLP_LO, (double)X->r, 0);
        for (size_t v = 0; v < nv; v++)
            if (X->c[vars[v]].rural) ++nz, ia[nz] = row, ja[nz] = (int)v + 1, ar[nz] = 1;
    }
    if (tiebreak) {
        /* The total is integral: half a unit below opt excludes every lower total. */
        row = glp_add_rows(P, 1);
        glp_set_row_bnds(P, row, GLP_LO, (double)opt - 0.5, 0);
        for (size_t v = 0; v < nv; v++)
            if (X->q[vars[v]] != 0) ++nz, ia[nz] = row, ja[nz] = (int)v + 1, ar[nz] = (double)X->q[vars[v]];
    }
    glp_load_matrix(P, (int)nz, ia, ja, ar);
    free(ia), free(ja), free(ar);

    glp_iocp parm;
    glp_init_iocp(&parm);
    parm.presolve = GLP_ON;
    parm.msg_lev = GLP_MSG_OFF;
    int ret = glp_intopt(P, &parm), feasible;
    if (ret == GLP_ENOPFS || ret == GLP_ENODFS) feasible = 0;
    else if (ret != 0) feasible = -1;
    else {
        int st = glp_mip_status(P);
        feasible = st == GLP_OPT || st == GLP_FEAS ? 1 : st == GLP_NOFEAS ? 0 : -1;
    }
    if (feasible == 1)
        for (size_t v = 0; v < nv; v++) x[v] = glp_mip_col_val(P, (int)v + 1) > 0.5;
    glp_delete_prob(P);
    return feasible;
}

/* The minimum of informal institutions as a phrase (in rule lists and reasons). */
static const char *informal_min(const struct ctx *X, size_t m)
{
    return arena_printf(X->a, tr(X->rules, one_or_many(m, N_("the minimum of %zu informal institution"),
                                                       N_("the minimum of %zu informal institutions"))),
                        m);
}

static const char *rural_min(const struct ctx *X)
{
    return arena_printf(X->a, tr(X->rules, one_or_many(X->r, N_("the minimum of %zu rural institution"),
                                                       N_("the minimum of %zu rural institutions"))),
                        X->r);
}

static const char *rule_name(const struct ctx *X, unsigned use)
{
    const struct sel_rules *R = X->rules;
    switch (use) {
    case USE_CAP: return arena_printf(X->a, tr(R, N_("the cap of %d per country")), R->max_per_country);
    case USE_INFORMAL: return informal_min(X, (size_t)R->min_informal);
    case USE_RURAL: return rural_min(X);
    default: return tr(R, N_("the forced inclusions"));
    }
}

/* Which rules, relaxed, would let a selection exist: one at a time, then two. */
static int diagnose(struct ctx *X, const size_t *vars, size_t nv, unsigned char *x)
{
    static const unsigned rules[] = {USE_CAP, USE_INFORMAL, USE_RURAL, USE_FORCED};
    const struct sel_rules *R = X->rules;
    bool active[4] = {R->max_per_country > 0, R->min_informal > 0, X->r > 0, false};
    for (size_t v = 0; v < nv; v++) active[3] |= X->forced[vars[v]];
    const char *list = "";
    size_t found = 0;
    for (int a = 0; a < 4; a++) {
        if (!active[a]) continue;
        int f = solve(X, vars, nv, USE_ALL & ~rules[a], false, 0, x);
        if (f < 0) return f;
        if (f) list = join(X->a, R, N_("%s; %s"), list, rule_name(X, rules[a])), found++;
    }
    if (found) {
        problem(X, arena_printf(X->a,
                                tr(R, one_or_many(found,
                                                  N_("The rules cannot all be met together. Relaxing this one of these "
                                                     "alone would make a selection possible: %s."),
                                                  N_("The rules cannot all be met together. Relaxing any one of these "
                                                     "alone would make a selection possible: %s."))),
                                list));
        return 0;
    }
    for (int a = 0; a < 4; a++) {
        for (int b = a + 1; b < 4; b++) {
            if (!active[a] || !active[b]) continue;
            int f = solve(X, vars, nv, USE_ALL & ~rules[a] & ~rules[b], false, 0, x);
            if (f < 0) return f;
            if (f) {
                const char *pair = arena_printf(X->a, tr(R, N_("%s and %s")), rule_name(X, rules[a]), rule_name(X, rules[b]));
                list = join(X->a, R, N_("%s; or %s"), list, pair);
                found++;
            }
        }
    }
    if (found)
        problem(X, arena_printf(X->a, tr(R, N_("The rules cannot all be met together, and no single rule is to blame. "
                                               "Relaxing both of %s would make a selection possible.")),
                                list));
    else
        problem(X, tr(R, N_("The rules cannot all be met together, even with any two of them relaxed.")));
    return 0;
}

/* ---- Checking a selection ---- */

static int cmp_size(const void *pa, const void *pb)
{
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    return a < b ? -1 : a > b;
}

bool sel_satisfies(const struct sel_candidate *c, size_t n, const struct sel_rules *R, const size_t *chosen,
                   size_t target, struct err *e)
{
    size_t informal = 0, rural = 0;
    size_t *sorted = xcalloc(target, sizeof *sorted);
    bool ok = false;
    for (size_t s = 0; s < target; s++) {
        size_t i = chosen[s];
        if (i >= n) {
            err_set(e, ERR_INVALID, "%s", tr(R, N_("The selection names an institution that is not a candidate.")));
            goto done;
        }
        if (!elig(&c[i], R) && !forced_ok(&c[i], R)) {
            if (c[i].name) err_set(e, ERR_INVALID, tr(R, N_("%s is selected but not eligible.")), c[i].name);
            else err_set(e, ERR_INVALID, "%s", tr(R, N_("An institution is selected but not eligible.")));
            goto done;
        }
        informal += c[i].informal;
        rural += c[i].rural;
        sorted[s] = i;
        if (R->max_per_country > 0) {
            size_t same = 0;
            for (size_t t = 0; t < target; t++) same += strcmp(c[chosen[t]].country ? c[chosen[t]].country : "",
                                                              c[i].country ? c[i].country : "") == 0;
            if (same > (size_t)R->max_per_country) { /* so at least 2 */
                if (c[i].country)
                    err_set(e, ERR_INVALID, tr(R, N_("%zu institutions from %s are selected; the cap is %d.")), same,
                            c[i].country, R->max_per_country);
                else
                    err_set(e, ERR_INVALID, tr(R, N_("%zu institutions from one country are selected; the cap is %d.")),
                            same, R->max_per_country);
                goto done;
            }
        }
    }
    qsort(sorted, target, sizeof *sorted, cmp_size);
    for (size_t s = 1; s < target; s++)
        if (sorted[s] == sorted[s - 1]) {
            err_set(e, ERR_INVALID, "%s", tr(R, N_("The selection names an institution twice.")));
            goto done;
        }
    for (size_t i = 0; i < n; i++)
        if (forced_ok(&c[i], R) && !bsearch(&i, sorted, target, sizeof *sorted, cmp_size)) {
            if (c[i].name) err_set(e, ERR_INVALID, tr(R, N_("%s is forced in but not selected.")), c[i].name);
            else err_set(e, ERR_INVALID, "%s", tr(R, N_("An institution is forced in but not selected.")));
            goto done;
        }
    if (informal < (size_t)(R->min_informal > 0 ? R->min_informal : 0)) {
        err_set(e, ERR_INVALID,
                tr(R, one_or_many(informal, N_("%zu informal institution is selected; at least %d are needed."),
                                  N_("%zu informal institutions are selected; at least %d are needed."))),
                informal, R->min_informal);
        goto done;
    }
    if (rural < rural_needed(R, target)) {
        err_set(e, ERR_INVALID,
                tr(R, one_or_many(rural, N_("%zu rural institution is selected; at least %zu are needed."),
                                  N_("%zu rural institutions are selected; at least %zu are needed."))),
                rural, rural_needed(R, target));
        goto done;
    }
    ok = true;
done:
    free(sorted);
    return ok;
}

/* ---- Explanations ---- */

/* Every score a sentence names is a real one: chosen or eligible candidates have one, except forced
 * inclusions, whose sentences say so without a number. */
static const char *fmt_score(struct arena *a, double s) { return arena_printf(a, "%.1f", s); }

/* What putting o in place of chosen member s would break (enum sel_out_reason bits). */
static unsigned swap_breaks(const struct ctx *X, const size_t *chosen, size_t nchosen, size_t informal, size_t rural,
                            size_t s, size_t o)
{
    const struct sel_candidate *c = X->c;
    unsigned broken = 0;
    size_t k = (size_t)X->rules->max_per_country;
    if (k > 0 && X->country[s] != X->country[o]) {
        size_t same = 0;
        for (size_t t = 0; t < nchosen; t++) same += X->country[chosen[t]] == X->country[o];
        if (same + 1 > k) broken |= SEL_OUT_COUNTRY_CAP;
    }
    if (informal - c[s].informal + c[o].informal < (size_t)(X->rules->min_informal > 0 ? X->rules->min_informal : 0))
        broken |= SEL_OUT_INFORMAL_MIN;
    if (rural - c[s].rural + c[o].rural < X->r) broken |= SEL_OUT_RURAL_MIN;
    return broken;
}

/* The minimums a member is needed for, as a phrase, or NULL. */
static const char *needed_for(const struct ctx *X, const struct sel_in *w, size_t m)
{
    if (w->for_informal && w->for_rural)
        return arena_printf(X->a, tr(X->rules, one_or_many(X->r, N_("the minimum of %zu informal and of %zu rural "
                                                                    "institution"),
                                                           N_("the minimum of %zu informal and of %zu rural "
                                                              "institutions"))),
                            m, X->r);
    if (w->for_informal) return informal_min(X, m);
    if (w->for_rural) return rural_min(X);
    return NULL;
}

static void explain_in(struct ctx *X, struct sel_result *r)
{
    const struct sel_candidate *c = X->c;
    const struct sel_rules *R = X->rules;
    struct arena *a = X->a;
    size_t m = (size_t)(R->min_informal > 0 ? R->min_informal : 0);
    /* Places among the eligible, to say whether a member would be in on score alone. */
    size_t *elig_place = xcalloc(X->n, sizeof *elig_place), seen = 0, nforced = 0;
    for (size_t p = 0; p < X->n; p++)
        if (X->eligible[X->order[p]]) elig_place[X->order[p]] = seen++;
    for (size_t s = 0; s < r->nchosen; s++) nforced += X->forced[r->chosen[s]];
    size_t open = X->N - nforced; /* the places not taken by forced inclusions */
    r->why = arena_calloc(a, r->nchosen ? r->nchosen : 1, sizeof *r->why);
    for (size_t s = 0; s < r->nchosen; s++) {
        size_t i = r->chosen[s];
        struct sel_in *w = &r->why[s];
        w->cand = i;
        w->rank = X->rank[i];
        w->forced = X->forced[i];
        w->on_score = !w->forced && X->eligible[i] && elig_place[i] < open;
        w->for_informal = c[i].informal && m > 0 && r->informal == m;
        w->for_rural = c[i].rural && X->r > 0 && r->rural == X->r;
        const char *score = fmt_score(a, c[i].score), *needs = needed_for(X, w, m);
        /* Only a forced inclusion can be chosen without a score (and so without a rank). */
        if (w->forced && !w->rank)
            w->text = tr(R, N_("No need score; forced in by the selection panel."));
        else if (w->forced)
            w->text = arena_printf(a, tr(R, N_("Need score %s (rank %zu of %zu); forced in by the selection panel.")),
                                   score, w->rank, X->nscored);
        else if (w->on_score) {
            w->text = arena_printf(a, tr(R, N_("Need score %s (rank %zu of %zu): among the %zu highest of the %zu "
                                               "eligible.")),
                                   score, w->rank, X->nscored, open, seen);
            if (needs)
                w->text = arena_printf(a, "%s %s", w->text,
                                       arena_printf(a, tr(R, N_("It also counts toward %s.")), needs));
        } else if (needs)
            w->text = arena_printf(a, tr(R, N_("Need score %s (rank %zu of %zu): chosen to meet %s.")), score, w->rank,
                                   X->nscored, needs);
        else
            w->text = arena_printf(a, tr(R, N_("Need score %s (rank %zu of %zu): higher-scoring institutions are held "
                                               "back by the country cap, so it is among the best that keep every "
                                               "rule.")),
                                   score, w->rank, X->nscored);
    }
    free(elig_place);
}

/* "A, B and C", the last joined as the language joins two. */
static const char *names_list(struct ctx *X, const size_t *idx, size_t count)
{
    struct strbuf sb;
    strbuf_init(&sb, X->a, 64);
    for (size_t t = 0; t + 1 < count; t++) {
        if (t) strbuf_puts(&sb, ", ");
        strbuf_puts(&sb, name_of(X, idx[t]));
    }
    return count ? join(X->a, X->rules, N_("%s and %s"), sb.data, name_of(X, idx[count - 1])) : "";
}

static const char *explain_ineligible(struct ctx *X, size_t o, unsigned *reasons)
{
    const struct sel_candidate *c = &X->c[o];
    const struct sel_rules *R = X->rules;
    if (c->excluded) return *reasons = SEL_OUT_EXCLUDED, tr(R, N_("Not eligible: excluded by the selection panel."));
    if (R->require_consent && !c->consent) return *reasons = SEL_OUT_NO_CONSENT, tr(R, N_("Not eligible: no consent given."));
    if (!has_score(c))
        return *reasons = SEL_OUT_NO_SCORE, tr(R, N_("Not eligible: no need score (too much data missing)."));
    *reasons = SEL_OUT_BELOW_MIN_NEED;
    return arena_printf(X->a, tr(R, N_("Not eligible: need score %.1f is below the minimum of %g.")), c->score,
                        R->min_need);
}

/* The clause of a left-out one's sentence for the members a minimum holds in place: [0] one member,
 * a minimum of one; [1] one member, a larger minimum; [2] several members (so a larger minimum). */
static const char *const informal_clause[3] = {
    N_("%s is needed for the minimum of %zu informal institution, and it is formal"),
    N_("%s is needed for the minimum of %zu informal institutions, and it is formal"),
    N_("%s are needed for the minimum of %zu informal institutions, and it is formal"),
};
static const char *const rural_clause[3] = {
    N_("%s is needed for the minimum of %zu rural institution, and it is urban"),
    N_("%s is needed for the minimum of %zu rural institutions, and it is urban"),
    N_("%s are needed for the minimum of %zu rural institutions, and it is urban"),
};

static const char *min_clause(struct ctx *X, const char *const clause[3], const size_t *held, size_t nheld, size_t min)
{
    return arena_printf(X->a, tr(X->rules, clause[nheld > 1 ? 2 : min == 1 ? 0 : 1]), names_list(X, held, nheld), min);
}

/* An eligible candidate o left out: why no chosen member it outscores could give up its place. */
static const char *explain_eligible_out(struct ctx *X, const struct sel_result *r, size_t o, unsigned *reasons)
{
    struct arena *a = X->a;
    const struct sel_candidate *c = X->c;
    const struct sel_rules *R = X->rules;
    size_t *worse = xcalloc(r->nchosen, sizeof *worse), *inf = xcalloc(r->nchosen, sizeof *inf),
           *rur = xcalloc(r->nchosen, sizeof *rur), *same = xcalloc(r->nchosen, sizeof *same);
    size_t nworse = 0, ninf = 0, nrur = 0, nsame = 0, lowest = SIZE_MAX;
    unsigned all = 0;
    bool tie = false;
    for (size_t s = 0; s < r->nchosen; s++) {
        size_t i = r->chosen[s];
        if (X->country[i] == X->country[o]) same[nsame++] = i;
        if (X->forced[i]) continue;
        if (lowest == SIZE_MAX || X->pos[i] > X->pos[lowest]) lowest = i;
        if (X->pos[i] < X->pos[o]) continue;
        worse[nworse++] = i;
        unsigned b = swap_breaks(X, r->chosen, r->nchosen, r->informal, r->rural, i, o);
        all |= b;
        if (b & SEL_OUT_INFORMAL_MIN) inf[ninf++] = i;
        if (b & SEL_OUT_RURAL_MIN) rur[nrur++] = i;
        tie |= b == 0;
    }
    const char *text;
    if (nworse == 0) {
        *reasons = lowest == SIZE_MAX ? SEL_OUT_FORCED : SEL_OUT_LOWER_SCORE;
        text = lowest == SIZE_MAX
                   ? tr(R, N_("Every place went to an institution forced in by the selection panel."))
                   : arena_printf(a, tr(R, N_("Need score %s, below every selected institution it could replace; the "
                                              "lowest of those is %s (%s).")),
                                  fmt_score(a, c[o].score), name_of(X, lowest), fmt_score(a, c[lowest].score));
    } else if (tie) {
        *reasons = SEL_OUT_TIE;
        text = tr(R, N_("Left out by the tie rule: a selection of the same total ranks its members higher."));
    } else {
        *reasons = all;
        const char *clauses = "";
        if (all & SEL_OUT_COUNTRY_CAP) {
            const char *country = X->country_name[X->country[o]];
            clauses = country[0] ? arena_printf(a, tr(R, N_("the country cap of %d for %s is reached by %s")),
                                                R->max_per_country, country, names_list(X, same, nsame))
                                 : arena_printf(a, tr(R, N_("the country cap of %d for its country is reached by %s")),
                                                R->max_per_country, names_list(X, same, nsame));
        }
        if (all & SEL_OUT_INFORMAL_MIN)
            clauses = join(a, R, N_("%s; %s"), clauses, min_clause(X, informal_clause, inf, ninf, (size_t)R->min_informal));
        if (all & SEL_OUT_RURAL_MIN)
            clauses = join(a, R, N_("%s; %s"), clauses, min_clause(X, rural_clause, rur, nrur, X->r));
        const char *score = fmt_score(a, c[o].score), *above = name_of(X, worse[nworse - 1]),
                   *above_score = fmt_score(a, c[worse[nworse - 1]].score);
        if (nworse == 1)
            text = arena_printf(a, tr(R, N_("Need score %s, higher than %s (%s), but it could take no such place: %s.")),
                                score, above, above_score, clauses);
        else if (nworse == 2)
            text = arena_printf(a, tr(R, N_("Need score %s, higher than %s (%s) and 1 other selected, but it could take "
                                            "no such place: %s.")),
                                score, above, above_score, clauses);
        else
            text = arena_printf(a, tr(R, N_("Need score %s, higher than %s (%s) and %zu other selected, but it could "
                                            "take no such place: %s.")),
                                score, above, above_score, nworse - 1, clauses);
    }
    free(worse), free(inf), free(rur), free(same);
    return text;
}

static void explain_out(struct ctx *X, struct sel_result *r)
{
    size_t want = X->rules->explain_out ? X->rules->explain_out : 10;
    bool *in = xcalloc(X->n, sizeof *in);
    for (size_t s = 0; s < r->nchosen; s++) in[r->chosen[s]] = true;
    r->out = arena_calloc(X->a, want, sizeof *r->out);
    for (size_t p = 0; p < X->n && r->nout < want; p++) {
        size_t o = X->order[p];
        if (in[o]) continue;
        struct sel_out *w = &r->out[r->nout++];
        w->cand = o;
        w->rank = X->rank[o];
        if (X->c[o].forced && !X->forced[o]) {
            w->reasons = X->c[o].excluded ? SEL_OUT_EXCLUDED : SEL_OUT_NO_CONSENT;
            w->text = X->c[o].excluded ? tr(X->rules, N_("Forced in and excluded at once: the exclusion counts."))
                                       : tr(X->rules, N_("Forced in, but no consent given."));
        } else if (!X->eligible[o]) {
            w->text = explain_ineligible(X, o, &w->reasons);
        } else {
            w->text = explain_eligible_out(X, r, o, &w->reasons);
        }
    }
    free(in);
}

static void reserve_list(struct ctx *X, struct sel_result *r)
{
    size_t want = X->rules->reserve_size ? X->rules->reserve_size : 10;
    bool *in = xcalloc(X->n, sizeof *in);
    for (size_t s = 0; s < r->nchosen; s++) in[r->chosen[s]] = true;
    r->reserve = arena_calloc(X->a, want, sizeof *r->reserve);
    for (size_t p = 0; p < X->n && r->nreserve < want; p++) {
        size_t o = X->order[p];
        if (in[o] || !X->eligible[o]) continue;
        for (size_t s = 0; s < r->nchosen; s++) {
            if (swap_breaks(X, r->chosen, r->nchosen, r->informal, r->rural, r->chosen[s], o) == 0) {
                r->reserve[r->nreserve++] = o;
                break;
            }
        }
    }
    free(in);
}

/* ---- The run ---- */

static int check_rules(const struct sel_candidate *c, size_t n, const struct sel_rules *R, struct err *e)
{
    if (R->size < 1) return err_set(e, ERR_INVALID, "%s", tr(R, N_("The pilot size must be at least 1.")));
    if (R->max_per_country < 0)
        return err_set(e, ERR_INVALID, "%s", tr(R, N_("The cap per country cannot be negative.")));
    if (R->min_informal < 0)
        return err_set(e, ERR_INVALID, "%s", tr(R, N_("The minimum of informal institutions cannot be negative.")));
    if (!(R->min_rural_share >= 0 && R->min_rural_share <= 1))
        return err_set(e, ERR_INVALID, "%s", tr(R, N_("The minimum share of rural institutions must be between 0 and 1.")));
    if (!isfinite(R->min_need)) return err_set(e, ERR_INVALID, "%s", tr(R, N_("The minimum need must be a number.")));
    if (n > UINT32_MAX) return err_set(e, ERR_LIMIT, "%s", tr(R, N_("Too many candidates for one selection.")));
    for (size_t i = 0; i < n; i++) {
        if (!has_score(&c[i]) || (c[i].score >= 0 && c[i].score <= 100)) continue;
        if (c[i].name)
            return err_set(e, ERR_INVALID, tr(R, N_("%s has need score %g; scores run from 0 to 100.")), c[i].name,
                           c[i].score);
        return err_set(e, ERR_INVALID, tr(R, N_("A candidate has need score %g; scores run from 0 to 100.")), c[i].score);
    }
    return 0;
}

static void classify(struct ctx *X)
{
    size_t no_consent = 0, excluded = 0, no_score = 0, low = 0;
    for (size_t i = 0; i < X->n; i++) {
        const struct sel_candidate *x = &X->c[i];
        X->eligible[i] = elig(x, X->rules) && !x->forced;
        X->forced[i] = forced_ok(x, X->rules);
        if (x->forced && x->excluded)
            problem(X, arena_printf(X->a, tr(X->rules, N_("%s is both forced in and excluded.")), name_of(X, i)));
        else if (x->forced && !X->forced[i])
            problem(X, arena_printf(X->a, tr(X->rules, N_("%s is forced in but has not given consent.")), name_of(X, i)));
        if (x->excluded) excluded++;
        else if (X->rules->require_consent && !x->consent) no_consent++;
        else if (!has_score(x)) no_score++;
        else if (x->score < X->rules->min_need) low++;
        X->q[i] = has_score(x) ? llround(x->score / X->unit) : 0;
    }
    size_t avail = 0;
    for (size_t i = 0; i < X->n; i++) avail += X->eligible[i] || X->forced[i];
    if (avail == 0)
        problem(X, arena_printf(X->a,
                                tr(X->rules, N_("No institution is eligible: of %zu, %zu are excluded, %zu have given no "
                                                "consent, %zu have no need score and %zu are below the minimum need.")),
                                X->n, excluded, no_consent, no_score, low));
}

static int run(const struct sel_candidate *c, size_t n, const struct sel_rules *R, struct arena *a,
               struct sel_result *r, struct err *e);

/* GLPK keeps an environment per thread, made at its first call and freed only by glp_free_env: a
 * server's worker thread would carry it until it ends and leak it then. Each run frees it, so
 * nothing of GLPK outlives a run (every problem it made is deleted by then). */
int sel_run(const struct sel_candidate *c, size_t n, const struct sel_rules *R, struct arena *a, struct sel_result *r,
            struct err *e)
{
    int rc = run(c, n, R, a, r, e);
    glp_free_env();
    return rc;
}

static int run(const struct sel_candidate *c, size_t n, const struct sel_rules *R, struct arena *a,
               struct sel_result *r, struct err *e)
{
    if (check_rules(c, n, R, e) < 0) return ERR_INVALID;
    memset(r, 0, sizeof *r);
    struct ctx X = {.c = c, .n = n, .rules = R, .a = a};
    X.order = xcalloc(n, sizeof *X.order);
    X.pos = xcalloc(n, sizeof *X.pos);
    X.rank = xcalloc(n, sizeof *X.rank);
    X.country = xcalloc(n, sizeof *X.country);
    X.eligible = xcalloc(n, sizeof *X.eligible);
    X.forced = xcalloc(n, sizeof *X.forced);
    X.q = xcalloc(n, sizeof *X.q);
    size_t *vars = xcalloc(n, sizeof *vars);
    unsigned char *x = xcalloc(n, 1), *x1 = xcalloc(n, 1);
    int rc = 0;

    need_order(&X);
    countries(&X);
    for (size_t i = 0; i < n; i++) r->eligible += elig(&c[i], R);
    size_t avail = 0;
    for (size_t i = 0; i < n; i++) avail += elig(&c[i], R) || forced_ok(&c[i], R);
    X.N = (size_t)R->size < avail ? (size_t)R->size : avail;
    X.unit = sel_score_unit(X.N);
    classify(&X);
    X.r = rural_needed(R, X.N);
    r->target = X.N;
    r->required_rural = X.r;
    if (X.N < (size_t)R->size && X.N > 0)
        r->note = arena_printf(a,
                               tr(R, one_or_many(X.N, N_("Only %zu institution is eligible, so %zu is selected instead "
                                                         "of %d."),
                                                 N_("Only %zu institutions are eligible, so %zu are selected instead of "
                                                    "%d."))),
                               X.N, X.N, R->size);
    if (X.nproblems == 0) precheck(&X);
    if (X.nproblems == 0) {
        size_t nv = reduce(&X, vars);
        r->reduced = nv;
        int f = solve(&X, vars, nv, USE_ALL, false, 0, x1);
        if (f < 0) goto glpk_failed;
        if (f == 0) {
            if (diagnose(&X, vars, nv, x) < 0) goto glpk_failed;
        } else {
            int64_t opt = 0;
            for (size_t v = 0; v < nv; v++) opt += x1[v] ? X.q[vars[v]] : 0;
            /* The tie-break run, accepted only when its total is exactly the optimum (its row has a
             * floating-point tolerance): otherwise the first run's choice stands. */
            f = solve(&X, vars, nv, USE_ALL, true, opt, x);
            int64_t got = 0;
            for (size_t v = 0; f == 1 && v < nv; v++) got += x[v] ? X.q[vars[v]] : 0;
            if (f != 1 || got != opt) memcpy(x, x1, nv);
            r->feasible = true;
            r->chosen = arena_calloc(a, X.N ? X.N : 1, sizeof *r->chosen);
            for (size_t v = 0; v < nv; v++) {
                if (!x[v]) continue;
                size_t i = vars[v];
                r->chosen[r->nchosen++] = i; /* vars are in need order, so chosen is too */
                r->total += has_score(&c[i]) ? c[i].score : 0;
                r->total_units += X.q[i];
                r->order_sum += (int64_t)X.pos[i];
                r->informal += c[i].informal;
                r->rural += c[i].rural;
            }
        }
    }
    if (r->feasible) {
        explain_in(&X, r);
        explain_out(&X, r);
        reserve_list(&X, r);
    }
    r->problems = X.problems;
    r->nproblems = X.nproblems;
    goto done;
glpk_failed:
    rc = err_set(e, ERR_INTERNAL, "%s", tr(R, N_("The optimisation library (GLPK) failed to solve the selection.")));
done:
    free(X.order), free(X.pos), free(X.rank), free(X.country), free(X.eligible), free(X.forced), free(X.q);
    free(vars), free(x), free(x1);
    return rc;
}

/* ---- Replacement after a decline ---- */

static const char *unfilled_pattern(const struct sel_rules *R, const char *name)
{
    return name && *name ? tr(R, N_("No institution left out can take the place of %s without breaking a rule; the "
                                    "selection has to be run again."))
                         : tr(R, N_("No institution left out can take the place of the institution that declines "
                                    "without breaking a rule; the selection has to be run again."));
}

int sel_replacement(const struct sel_candidate *c, size_t n, const struct sel_rules *R, const size_t *chosen,
                    size_t nchosen, size_t declining, size_t *out, struct err *e)
{
    size_t at = SIZE_MAX;
    for (size_t s = 0; s < nchosen; s++)
        if (chosen[s] == declining) at = s;
    if (at == SIZE_MAX || declining >= n)
        return err_set(e, ERR_INVALID, "%s", tr(R, N_("The institution that declines is not selected.")));
    size_t m = (size_t)(R->min_informal > 0 ? R->min_informal : 0), rr = rural_needed(R, nchosen), k = (size_t)R->max_per_country;
    size_t informal = 0, rural = 0;
    for (size_t s = 0; s < nchosen; s++) informal += c[chosen[s]].informal, rural += c[chosen[s]].rural;
    informal -= c[declining].informal;
    rural -= c[declining].rural;
    bool *in = xcalloc(n, sizeof *in);
    for (size_t s = 0; s < nchosen; s++) in[chosen[s]] = true;
    size_t best = SIZE_MAX;
    for (size_t o = 0; o < n; o++) {
        if (in[o] || !elig(&c[o], R)) continue;
        if (best != SIZE_MAX && (c[o].score < c[best].score || (c[o].score == c[best].score && o > best))) continue;
        if (informal + c[o].informal < m || rural + c[o].rural < rr) continue;
        if (k > 0) {
            size_t same = 0;
            const char *co = c[o].country ? c[o].country : "";
            for (size_t s = 0; s < nchosen; s++)
                same += s != at && strcmp(c[chosen[s]].country ? c[chosen[s]].country : "", co) == 0;
            if (same + 1 > k) continue;
        }
        best = o;
    }
    free(in);
    if (best == SIZE_MAX) {
        const char *name = c[declining].name;
        if (name && *name) return err_set(e, ERR_NOT_FOUND, unfilled_pattern(R, name), name);
        return err_set(e, ERR_NOT_FOUND, "%s", unfilled_pattern(R, name));
    }
    *out = best;
    return 0;
}

const char *sel_unfilled(const struct sel_rules *R, const char *declining_name, struct arena *a)
{
    const char *pattern = unfilled_pattern(R, declining_name);
    return declining_name && *declining_name ? arena_printf(a, pattern, declining_name) : pattern;
}

#define NI_INTERNAL
#include "program/need_index.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/err.h"

const char *ni_norm_name(enum ni_norm n)
{
    switch (n) {
    case NI_NORM_MINMAX: return "min-max";
    case NI_NORM_ZSCORE: return "z-score";
    case NI_NORM_RANK: return "rank";
    }
    return "?";
}

const char *ni_agg_name(enum ni_agg a) { return a == NI_AGG_GEOMETRIC ? "geometric" : "arithmetic"; }

static bool ind_on(const struct ni_model *m, size_t j)
{
    const struct ni_indicator *ind = &m->indicators[j];
    return ind->weight > 0 && m->domains[ind->domain].weight > 0;
}

int ni_check(const struct ni_model *m, const struct ni_options *o, struct err *e)
{
    if (m->ndom == 0 || m->nind == 0) return err_set(e, ERR_INVALID, "The need index needs at least one domain and one indicator.");
    if (m->ninst > 0 && !m->values) return err_set(e, ERR_INVALID, "The need index was given no values.");
    if (o->norm > NI_NORM_RANK) return err_set(e, ERR_INVALID, "Unknown normalisation method.");
    if ((o->within != NI_AGG_ARITHMETIC && o->within != NI_AGG_GEOMETRIC) ||
        (o->across != NI_AGG_ARITHMETIC && o->across != NI_AGG_GEOMETRIC))
        return err_set(e, ERR_INVALID, "Unknown aggregation method.");
    if (!(o->min_share >= 0 && o->min_share <= 1))
        return err_set(e, ERR_INVALID, "The minimum share of indicators present must be between 0 and 1.");
    bool any_domain = false;
    for (size_t k = 0; k < m->ndom; k++) {
        double w = m->domains[k].weight;
        if (!(w >= 0) || !isfinite(w))
            return err_set(e, ERR_INVALID, "Domain '%s' has weight %g; a weight must be a number, 0 or more.",
                           m->domains[k].name, w);
        any_domain |= w > 0;
    }
    if (!any_domain) return err_set(e, ERR_INVALID, "Every domain has weight 0: at least one must count.");
    for (size_t j = 0; j < m->nind; j++) {
        const struct ni_indicator *ind = &m->indicators[j];
        if (ind->domain >= m->ndom)
            return err_set(e, ERR_INVALID, "Indicator '%s' belongs to no known domain.", ind->name);
        if (!(ind->weight >= 0) || !isfinite(ind->weight))
            return err_set(e, ERR_INVALID, "Indicator '%s' has weight %g; a weight must be a number, 0 or more.",
                           ind->name, ind->weight);
        if (ind->direction != 1 && ind->direction != -1)
            return err_set(e, ERR_INVALID, "Indicator '%s' must say whether more means more need (+1) or less (-1).",
                           ind->name);
    }
    for (size_t k = 0; k < m->ndom; k++) {
        if (!(m->domains[k].weight > 0)) continue;
        bool has = false;
        for (size_t j = 0; j < m->nind; j++) has |= m->indicators[j].domain == k && m->indicators[j].weight > 0;
        if (!has)
            return err_set(e, ERR_INVALID, "Domain '%s' has a weight but no indicator of positive weight.",
                           m->domains[k].name);
    }
    return 0;
}

/* ---- Step 1 and 2 ---- */

/* ---- Sorting ----
 *
 * Ranking 100,000 institutions a thousand times (need_sensitivity.c) makes the sort the hot spot,
 * so it is a radix sort rather than qsort. A double maps to a 64-bit integer of the same order
 * (flip every bit of a negative, the sign bit of a positive). Only the bits that vary between the
 * smallest and the largest key matter: the sort runs on the top 32 of those (three passes of 11
 * bits over key/index pairs), and then every run of equal 32-bit prefixes, usually of length one,
 * is put in order by the full keys. LSD radix sorting is stable, and so is that last step, so equal
 * keys keep their order. */

static inline uint64_t key_bits(double x, bool desc)
{
    x += 0.0; /* -0 becomes +0: equal values, equal keys */
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    u = (u >> 63) ? ~u : u | (1ull << 63);
    return desc ? ~u : u;
}

void ni_sorter_init(struct ni_sorter *s, size_t cap)
{
    s->cap = cap;
    s->k32 = malloc((cap ? cap : 1) * sizeof *s->k32);
    s->k32b = malloc((cap ? cap : 1) * sizeof *s->k32b);
    s->ixb = malloc((cap ? cap : 1) * sizeof *s->ixb);
    if (!s->k32 || !s->k32b || !s->ixb) abort(); /* as the arena does */
}

void ni_sorter_free(struct ni_sorter *s)
{
    free(s->k32), free(s->k32b), free(s->ixb);
    memset(s, 0, sizeof *s);
}

struct full_key {
    uint64_t key;
    uint32_t at; /* place in the run, for stability */
    uint32_t idx;
};

static int cmp_full(const void *pa, const void *pb)
{
    const struct full_key *a = pa, *b = pb;
    if (a->key != b->key) return a->key < b->key ? -1 : 1;
    return a->at < b->at ? -1 : a->at > b->at;
}

/* Orders idx[from..to) by full key, stably. */
static void sort_run(const double *key, uint32_t *idx, size_t from, size_t to, bool desc)
{
    size_t n = to - from;
    if (n <= 16) { /* insertion sort: stable, and runs are nearly always this short */
        for (size_t i = from + 1; i < to; i++) {
            uint32_t v = idx[i];
            uint64_t k = key_bits(key[v], desc);
            size_t j = i;
            while (j > from && key_bits(key[idx[j - 1]], desc) > k) {
                idx[j] = idx[j - 1];
                j--;
            }
            idx[j] = v;
        }
        return;
    }
    struct full_key *f = malloc(n * sizeof *f);
    if (!f) abort();
    for (size_t i = 0; i < n; i++) f[i] = (struct full_key){key_bits(key[idx[from + i]], desc), (uint32_t)i, idx[from + i]};
    qsort(f, n, sizeof *f, cmp_full);
    for (size_t i = 0; i < n; i++) idx[from + i] = f[i].idx;
    free(f);
}

const uint32_t *ni_sort(struct ni_sorter *s, const double *key, uint32_t *idx, size_t n, bool desc, bool *exact)
{
    enum { BITS = 11, RADIX = 1 << BITS }; /* three passes cover 32 bits */
    if (n > s->cap) abort(); /* a caller's mistake, not a user's */
    *exact = true;
    uint64_t lo = UINT64_MAX, hi = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t k = key_bits(key[idx[i]], desc);
        lo = k < lo ? k : lo;
        hi = k > hi ? k : hi;
    }
    if (n < 2 || lo == hi) {
        memset(s->k32, 0, (n ? n : 1) * sizeof *s->k32);
        return s->k32;
    }
    int bits = 64 - __builtin_clzll(hi - lo);
    int shift = bits > 32 ? bits - 32 : 0;
    int pbits = bits - shift, passes = (pbits + BITS - 1) / BITS;
    /* The histograms of every pass in one read of the keys. */
    uint32_t h[3][RADIX];
    memset(h, 0, sizeof h);
    for (size_t i = 0; i < n; i++) {
        uint32_t k = (uint32_t)((key_bits(key[idx[i]], desc) - lo) >> shift);
        s->k32[i] = k;
        h[0][k & (RADIX - 1)]++;
        h[1][(k >> BITS) & (RADIX - 1)]++;
        h[2][k >> (2 * BITS)]++;
    }
    uint32_t *ks = s->k32, *kd = s->k32b, *is = idx, *id = s->ixb;
    for (int p = 0; p < passes; p++) {
        int sh = p * BITS;
        uint32_t sum = 0;
        for (int b = 0; b < RADIX; b++) {
            uint32_t c = h[p][b];
            h[p][b] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) {
            uint32_t at = h[p][(ks[i] >> sh) & (RADIX - 1)]++;
            kd[at] = ks[i];
            id[at] = is[i];
        }
        uint32_t *t = ks; ks = kd; kd = t;
        t = is; is = id; id = t;
    }
    if (is != idx) memcpy(idx, is, n * sizeof *idx);
    if (shift == 0) return ks; /* the prefix was the whole key */
    *exact = false;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && ks[j] == ks[i]) j++;
        if (j - i > 1) sort_run(key, idx, i, j, desc);
        i = j;
    }
    return ks;
}

/* Average ranks (1-based, ascending) of the n keys listed in idx, written to out[idx[..]]. */
static void average_ranks(const double *key, uint32_t *idx, size_t n, double *out, struct ni_sorter *srt)
{
    bool exact;
    ni_sort(srt, key, idx, n, false, &exact);
    for (size_t s = 0; s < n;) {
        size_t t = s + 1;
        while (t < n && key[idx[t]] == key[idx[s]]) t++;
        double r = (double)(s + 1 + t) / 2; /* the mean of ranks s+1 .. t */
        for (size_t u = s; u < t; u++) out[idx[u]] = r;
        s = t;
    }
}

void ni_normalise(const struct ni_model *m, enum ni_norm norm, bool shift, double *y, double *v,
                  double *tmp, uint32_t *order, struct ni_sorter *srt)
{
    size_t n = m->ninst, p = m->nind;
    for (size_t j = 0; j < p; j++) {
        if (!ind_on(m, j)) {
            for (size_t i = 0; i < n; i++) y[i * p + j] = v[i * p + j] = NAN;
            continue;
        }
        double d = m->indicators[j].direction;
        size_t cnt = 0;
        double lo = INFINITY, hi = -INFINITY, sum = 0;
        for (size_t i = 0; i < n; i++) {
            double x = m->values[i * p + j];
            if (isnan(x)) continue;
            tmp[i] = d * x;
            order[cnt++] = (uint32_t)i;
            lo = fmin(lo, d * x);
            hi = fmax(hi, d * x);
            sum += d * x;
        }
        bool flat = cnt < 2 || !(hi > lo);
        double mean = cnt ? sum / (double)cnt : 0, sd = 0;
        if (norm == NI_NORM_ZSCORE && !flat) {
            double ss = 0;
            for (size_t c = 0; c < cnt; c++) ss += (tmp[order[c]] - mean) * (tmp[order[c]] - mean);
            sd = sqrt(ss / (double)cnt);
            flat = !(sd > 0);
        }
        if (norm == NI_NORM_RANK && !flat) average_ranks(tmp, order, cnt, tmp, srt);
        for (size_t i = 0; i < n; i++) y[i * p + j] = NAN;
        double ymin = INFINITY;
        for (size_t c = 0; c < cnt; c++) {
            size_t i = order[c];
            double val;
            if (flat) val = norm == NI_NORM_ZSCORE ? 0 : 50;
            else if (norm == NI_NORM_MINMAX) val = 100 * (tmp[i] - lo) / (hi - lo);
            else if (norm == NI_NORM_ZSCORE) val = (tmp[i] - mean) / sd;
            else val = 100 * (tmp[i] - 1) / (double)(cnt - 1);
            y[i * p + j] = val;
            ymin = fmin(ymin, val);
        }
        for (size_t i = 0; i < n; i++) {
            double val = y[i * p + j];
            v[i * p + j] = shift && !isnan(val) ? val - ymin + 1 : val;
        }
    }
}

/* ---- Steps 3 and 4 ---- */

/* w: indicator weights, dw: domain weights (already the model's or perturbed ones). */
double ni_aggregate_row(const struct ni_model *m, const struct ni_options *o, const double *vrow,
                        const double *w, const double *dw, enum ni_status *status, size_t *missing_domain)
{
    size_t on = 0, present = 0;
    double dsum = 0, acc = 0;
    for (size_t j = 0; j < m->nind; j++) {
        if (!(w[j] > 0) || !(dw[m->indicators[j].domain] > 0)) continue;
        on++;
        present += !isnan(vrow[j]);
    }
    for (size_t k = 0; k < m->ndom; k++) {
        if (!(dw[k] > 0)) continue;
        double ws = 0, s = 0;
        for (size_t j = 0; j < m->nind; j++) {
            if (m->indicators[j].domain != k || !(w[j] > 0) || isnan(vrow[j])) continue;
            ws += w[j];
            s += w[j] * (o->within == NI_AGG_GEOMETRIC ? log(vrow[j]) : vrow[j]);
        }
        if (ws == 0) {
            *status = NI_MISSING_DOMAIN;
            *missing_domain = k;
            return NAN;
        }
        double dk = o->within == NI_AGG_GEOMETRIC ? exp(s / ws) : s / ws;
        dsum += dw[k];
        acc += dw[k] * (o->across == NI_AGG_GEOMETRIC ? log(dk) : dk);
    }
    if ((double)present < o->min_share * (double)on) {
        *status = NI_TOO_FEW;
        return NAN;
    }
    *status = NI_SCORED;
    return o->across == NI_AGG_GEOMETRIC ? exp(acc / dsum) : acc / dsum;
}

void ni_rank_desc(const double *x, size_t n, size_t *rank)
{
    uint32_t *order = malloc((n ? n : 1) * sizeof *order);
    if (!order) abort(); /* as the arena does: out of memory is not a state to go on from */
    size_t cnt = 0;
    for (size_t i = 0; i < n; i++) {
        rank[i] = 0;
        if (!isnan(x[i])) order[cnt++] = (uint32_t)i;
    }
    struct ni_sorter srt;
    ni_sorter_init(&srt, cnt);
    bool exact;
    ni_sort(&srt, x, order, cnt, true, &exact);
    for (size_t c = 0; c < cnt; c++)
        rank[order[c]] = c > 0 && x[order[c]] == x[order[c - 1]] ? rank[order[c - 1]] : c + 1;
    ni_sorter_free(&srt);
    free(order);
}

int ni_compute(const struct ni_model *m, const struct ni_options *o, struct arena *a,
               struct ni_result *r, struct err *e)
{
    if (ni_check(m, o, e) < 0) return ERR_INVALID;
    size_t n = m->ninst, p = m->nind;
    memset(r, 0, sizeof *r);
    r->ninst = n;
    r->nind = p;
    r->score = arena_calloc(a, n ? n : 1, sizeof *r->score);
    r->aggregate = arena_calloc(a, n ? n : 1, sizeof *r->aggregate);
    r->status = arena_calloc(a, n ? n : 1, sizeof *r->status);
    r->missing_domain = arena_calloc(a, n ? n : 1, sizeof *r->missing_domain);
    r->rank = arena_calloc(a, n ? n : 1, sizeof *r->rank);
    size_t cells = n * p > 0 ? n * p : 1;
    r->normalised = arena_calloc(a, cells, sizeof *r->normalised);
    r->value = arena_calloc(a, cells, sizeof *r->value);
    if (n > UINT32_MAX) return err_set(e, ERR_LIMIT, "Too many institutions for one need index.");
    double *tmp = malloc((n ? n : 1) * sizeof *tmp);
    uint32_t *order = malloc((n ? n : 1) * sizeof *order);
    struct ni_sorter srt;
    ni_sorter_init(&srt, n);
    double *w = malloc(p * sizeof *w), *dw = malloc(m->ndom * sizeof *dw);
    if (!tmp || !order || !w || !dw) abort();

    bool shift = o->within == NI_AGG_GEOMETRIC || o->across == NI_AGG_GEOMETRIC;
    ni_normalise(m, o->norm, shift, r->normalised, r->value, tmp, order, &srt);
    for (size_t j = 0; j < p; j++) w[j] = m->indicators[j].weight;
    for (size_t k = 0; k < m->ndom; k++) dw[k] = m->domains[k].weight;

    r->agg_min = INFINITY;
    r->agg_max = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        r->aggregate[i] = ni_aggregate_row(m, o, r->value + i * p, w, dw, &r->status[i], &r->missing_domain[i]);
        if (r->status[i] != NI_SCORED) continue;
        r->scored++;
        r->agg_min = fmin(r->agg_min, r->aggregate[i]);
        r->agg_max = fmax(r->agg_max, r->aggregate[i]);
    }
    if (!r->scored) r->agg_min = r->agg_max = NAN;
    double spread = r->agg_max - r->agg_min;
    for (size_t i = 0; i < n; i++) {
        if (r->status[i] != NI_SCORED) r->score[i] = NAN;
        else if (spread > 0) r->score[i] = fmin(100, fmax(0, 100 * (r->aggregate[i] - r->agg_min) / spread));
        else r->score[i] = 50;
    }
    ni_rank_desc(r->score, n, r->rank);
    ni_sorter_free(&srt);
    free(tmp), free(order), free(w), free(dw);
    return 0;
}

/* ---- Step 6 ---- */

static int cmp_term(const void *pa, const void *pb)
{
    const struct ni_term *x = pa, *y = pb;
    if (x->present != y->present) return x->present ? -1 : 1;
    if (x->present && x->contribution != y->contribution) return x->contribution > y->contribution ? -1 : 1;
    return x->indicator < y->indicator ? -1 : x->indicator > y->indicator;
}

int ni_explain(const struct ni_model *m, const struct ni_options *o, const struct ni_result *r,
               size_t i, struct arena *a, struct ni_explanation *out, struct err *e)
{
    if (i >= m->ninst || r->ninst != m->ninst || r->nind != m->nind)
        return err_set(e, ERR_INVALID, "No such institution in this need index.");
    size_t p = m->nind;
    const double *v = r->value + i * p;
    memset(out, 0, sizeof *out);
    out->institution = i;
    out->status = r->status[i];
    out->score = r->score[i];
    out->aggregate = r->aggregate[i];
    out->nterms = p;
    out->terms = arena_calloc(a, p, sizeof *out->terms);
    bool scored = r->status[i] == NI_SCORED;
    bool geo_in = o->within == NI_AGG_GEOMETRIC, geo_across = o->across == NI_AGG_GEOMETRIC;

    double dsum = 0;
    for (size_t k = 0; k < m->ndom; k++) dsum += m->domains[k].weight > 0 ? m->domains[k].weight : 0;
    /* Domain values D_k and the log-shares for the geometric cases. */
    double across_logs = 0;
    double *dk = arena_calloc(a, m->ndom, sizeof *dk), *ws = arena_calloc(a, m->ndom, sizeof *ws),
           *logsum = arena_calloc(a, m->ndom, sizeof *logsum);
    for (size_t j = 0; j < p; j++) {
        struct ni_term *t = &out->terms[j];
        t->indicator = j;
        t->raw = m->values[i * p + j];
        t->normalised = r->normalised[i * p + j];
        t->present = ind_on(m, j) && !isnan(v[j]);
        t->part = t->contribution = t->present && scored ? 0 : NAN;
        if (!t->present) continue;
        size_t k = m->indicators[j].domain;
        ws[k] += m->indicators[j].weight;
        logsum[k] += m->indicators[j].weight * (geo_in ? log(v[j]) : v[j]);
    }
    if (scored) {
        for (size_t k = 0; k < m->ndom; k++) {
            if (!(m->domains[k].weight > 0)) continue;
            dk[k] = geo_in ? exp(logsum[k] / ws[k]) : logsum[k] / ws[k];
            across_logs += m->domains[k].weight / dsum * log(dk[k]);
        }
        double spread = r->agg_max - r->agg_min, A = r->aggregate[i];
        for (size_t j = 0; j < p; j++) {
            struct ni_term *t = &out->terms[j];
            if (!t->present) continue;
            size_t k = m->indicators[j].domain;
            double wj = m->indicators[j].weight / ws[k], Wk = m->domains[k].weight / dsum;
            double pj; /* part of D_k */
            if (!geo_in) pj = wj * v[j];
            else if (logsum[k] > 0) pj = dk[k] * wj * log(v[j]) / (logsum[k] / ws[k]);
            else pj = dk[k] * wj;
            double Pj; /* part of A */
            if (!geo_across) Pj = Wk * pj;
            else if (across_logs > 0) Pj = A * (Wk * log(dk[k]) / across_logs) * pj / dk[k];
            else Pj = A * Wk * pj / dk[k];
            t->weight = wj * Wk;
            t->part = Pj;
            t->contribution = spread > 0 ? 100 * (Pj - t->weight * r->agg_min) / spread : 50 * t->weight;
        }
    } else {
        for (size_t j = 0; j < p; j++) {
            struct ni_term *t = &out->terms[j];
            if (t->present) {
                size_t k = m->indicators[j].domain;
                t->weight = m->indicators[j].weight / ws[k] * m->domains[k].weight / dsum;
            }
        }
    }
    qsort(out->terms, p, sizeof *out->terms, cmp_term);
    return 0;
}

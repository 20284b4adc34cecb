#define NI_INTERNAL
#include "program/need_sensitivity.h"

#include <math.h>
#include <pthread.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/rng.h"

enum {
    BATCH = 64,  /* draws whose ranks are gathered before they are written institution by institution */
    GROUP = 8,   /* draws aggregated in one pass over the values */
    BLOCK = 256, /* institutions aggregated together; columns are padded to a multiple */
};

/* Everything a draw reads, prepared once. For each normalisation, the scored institutions' values
 * as the aggregation cases want them (missing ones as 0), column by column: the switched-on
 * indicators ("slots") grouped by domain, each a column of stride values, so that a draw's loops
 * run along contiguous arrays that the compiler vectorises. The sum of a domain's present weights
 * is the same for every institution that has the whole domain, so only the others are listed, with
 * which of the domain's slots they have. */
struct prep {
    const struct ni_model *m;
    const struct ni_options *base;
    const struct ni_sens_options *so;
    size_t ns, p, draws;
    size_t stride;                  /* ns rounded up to a multiple of BLOCK */
    /* Only the sets the draws can use are made (NULL otherwise): */
    double *plain[NI_NORM_COUNT];   /* y: both levels arithmetic; nslots x stride */
    double *shifted[NI_NORM_COUNT]; /* v = y - min + 1: arithmetic within, geometric across */
    double *logv[NI_NORM_COUNT];    /* ln v: geometric within */
    size_t *dom_of_slot, nslots;    /* slot -> indicator */
    size_t *dom_first;              /* ndom + 1: the slots of domain k are dom_first[k] .. dom_first[k+1]-1 */
    /* Institutions missing part of a domain: exc_inst/exc_mask[exc_first[k * nblocks + b] ..
     * exc_first[k * nblocks + b + 1]) are those of domain k in block b, with a bit per slot present. */
    uint32_t *exc_inst;
    uint64_t *exc_mask;
    size_t *exc_first, nblocks;
    uint32_t *ranks;                /* ns x draws, institution-major */
    size_t ranks_bytes;
};

/* One draw's choices (need_sensitivity.h, steps 1-3). */
struct draw {
    enum ni_norm norm;
    bool geo_in, geo_across;
    double *wt, *dwt;               /* nind, ndom */
    double *wall;                   /* ndom: the sum of the domain's slot weights, in slot order */
};

struct worker {
    struct prep *P;
    int id, count;
    struct ni_sorter srt;
    uint32_t *idx, *batch;
    double *agg;                    /* GROUP x stride */
    struct draw dr[GROUP];
    size_t norm_drawn[NI_NORM_COUNT];
};

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) abort(); /* as the arena does: out of memory is not a state to go on from */
    return p;
}

static void draw_choose(const struct prep *P, size_t d, struct draw *dr)
{
    const struct ni_model *m = P->m;
    const struct ni_sens_options *so = P->so;
    struct rng g;
    rng_seed(&g, so->seed + d);
    dr->norm = so->vary_norm ? (enum ni_norm)rng_below(&g, NI_NORM_COUNT) : P->base->norm;
    enum ni_agg within = P->base->within, across = P->base->across;
    if (so->vary_agg) {
        within = rng_below(&g, 2) ? NI_AGG_GEOMETRIC : NI_AGG_ARITHMETIC;
        across = rng_below(&g, 2) ? NI_AGG_GEOMETRIC : NI_AGG_ARITHMETIC;
    }
    dr->geo_in = within == NI_AGG_GEOMETRIC;
    dr->geo_across = across == NI_AGG_GEOMETRIC;
    double span = so->factor_hi - so->factor_lo;
    for (size_t j = 0; j < m->nind; j++) dr->wt[j] = m->indicators[j].weight * (so->factor_lo + span * rng_uniform(&g));
    for (size_t k = 0; k < m->ndom; k++) dr->dwt[k] = m->domains[k].weight * (so->factor_lo + span * rng_uniform(&g));
    /* Renormalising is left out: D_k divides by the sum of present weights, and dividing every
     * aggregate by the sum of domain weights would change no rank. */
    for (size_t k = 0; k < m->ndom; k++) {
        double sum = 0;
        for (size_t t = P->dom_first[k]; t < P->dom_first[k + 1]; t++) sum += dr->wt[P->dom_of_slot[t]];
        dr->wall[k] = sum;
    }
}

/* Block blk of a draw's aggregates, into acc (BLOCK values; up to a factor common to all, which
 * ranks ignore). The sums run in the same order as ni_aggregate_row()'s (adding 0 for a missing
 * value changes no sum), so a draw gives exactly the aggregates ni_compute() would with the same
 * weights. Whole blocks (the padding is harmless: value 0, every slot present) and restrict let the
 * compiler vectorise the loops at -O2. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
/* Also built for AVX2 (four doubles a step instead of two), chosen when the processor has it (GCC
 * on glibc; other builds keep the plain one). Floating-point contraction stays off in ISO C mode,
 * so both give the same sums. */
__attribute__((target_clones("avx2", "default")))
#endif
static void draw_block(const struct prep *P, const struct draw *dr, size_t blk, double *restrict acc)
{
    const struct ni_model *m = P->m;
    const double *val = dr->geo_in ? P->logv[dr->norm] : dr->geo_across ? P->shifted[dr->norm] : P->plain[dr->norm];
    size_t i0 = blk * BLOCK;
    double s[BLOCK], ws[BLOCK];
    for (size_t i = 0; i < BLOCK; i++) acc[i] = 0;
    for (size_t k = 0; k < m->ndom; k++) {
        size_t t0 = P->dom_first[k], t1 = P->dom_first[k + 1];
        if (t0 == t1) continue;
        for (size_t i = 0; i < BLOCK; i++) s[i] = 0;
        for (size_t t = t0; t < t1; t++) {
            double wj = dr->wt[P->dom_of_slot[t]];
            const double *restrict v = val + t * P->stride + i0;
            for (size_t i = 0; i < BLOCK; i++) s[i] += wj * v[i];
        }
        for (size_t i = 0; i < BLOCK; i++) ws[i] = dr->wall[k];
        for (size_t x = P->exc_first[k * P->nblocks + blk]; x < P->exc_first[k * P->nblocks + blk + 1]; x++) {
            double sum = 0;
            for (size_t t = t0; t < t1; t++)
                if (P->exc_mask[x] >> (t - t0) & 1) sum += dr->wt[P->dom_of_slot[t]];
            ws[P->exc_inst[x] - i0] = sum;
        }
        /* ws > 0: the institution is scored, so every domain has a value. */
        double dk = dr->dwt[k];
        if (dr->geo_in == dr->geo_across) /* arithmetic twice, or geometric twice (in logarithms) */
            for (size_t i = 0; i < BLOCK; i++) acc[i] += dk * (s[i] / ws[i]);
        else if (dr->geo_in)
            for (size_t i = 0; i < BLOCK; i++) acc[i] += dk * exp(s[i] / ws[i]);
        else
            for (size_t i = 0; i < BLOCK; i++) acc[i] += dk * log(s[i] / ws[i]);
    }
}

/* Competition ranks of agg into out (ns), 1 = largest. Equal neighbours in the sorted order are
 * found from the sort's own keys, which avoids reading agg again in random order. */
static void rank_draw(struct worker *w, const double *agg, uint32_t *out)
{
    size_t ns = w->P->ns;
    for (size_t i = 0; i < ns; i++) w->idx[i] = (uint32_t)i;
    bool exact;
    const uint32_t *ks = ni_sort(&w->srt, agg, w->idx, ns, true, &exact);
    uint32_t r = 0;
    for (size_t c = 0; c < ns; c++) {
        if (c == 0 || ks[c] != ks[c - 1] || (!exact && agg[w->idx[c]] != agg[w->idx[c - 1]])) r = (uint32_t)(c + 1);
        out[w->idx[c]] = r;
    }
}

static void *work_draws(void *arg)
{
    struct worker *w = arg;
    struct prep *P = w->P;
    size_t nb = (P->draws + BATCH - 1) / BATCH;
    for (size_t b = (size_t)w->id; b < nb; b += (size_t)w->count) {
        size_t d0 = b * BATCH, nd = P->draws - d0 < BATCH ? P->draws - d0 : BATCH;
        for (size_t g0 = 0; g0 < nd; g0 += GROUP) {
            size_t ng = nd - g0 < GROUP ? nd - g0 : GROUP;
            for (size_t q = 0; q < ng; q++) {
                draw_choose(P, d0 + g0 + q, &w->dr[q]);
                w->norm_drawn[w->dr[q].norm]++;
            }
            /* A block's values are read once for the whole group while they are in cache. */
            for (size_t blk = 0; blk < P->nblocks; blk++)
                for (size_t q = 0; q < ng; q++) draw_block(P, &w->dr[q], blk, w->agg + q * P->stride + blk * BLOCK);
            for (size_t q = 0; q < ng; q++) rank_draw(w, w->agg + q * P->stride, w->batch + (g0 + q) * P->ns);
        }
        /* Institution-major writes of nd consecutive draws, by tiles of 16 institutions, where
         * writing each draw's ranks straight into the institution rows would touch a cache line
         * per institution per draw. */
        for (size_t i0 = 0; i0 < P->ns; i0 += 16) {
            size_t ib = P->ns - i0 < 16 ? P->ns - i0 : 16;
            for (size_t t = 0; t < nd; t++) {
                const uint32_t *src = w->batch + t * P->ns + i0;
                for (size_t u = 0; u < ib; u++) P->ranks[(i0 + u) * P->draws + d0 + t] = src[u];
            }
        }
    }
    return NULL;
}

/* The order statistics ks[0..nk) (0-based, ascending, distinct or not) of a[0..n), into out:
 * a radix select. One pass finds the range, one counts the values into 256 buckets of equal
 * width, and only the buckets holding a wanted statistic are looked into again, gathered into
 * scratch (4 levels of n each at most: 8 bits a level over 32). About three passes over a row
 * where quickselect, run three times, made many more. a is not changed. */
static void order_stats(const uint32_t *a, size_t n, const size_t *ks, size_t nk, uint32_t *out, uint32_t *scratch)
{
    uint32_t lo = a[0], hi = a[0];
    for (size_t i = 1; i < n; i++) {
        lo = a[i] < lo ? a[i] : lo;
        hi = a[i] > hi ? a[i] : hi;
    }
    if (lo == hi || n == 1) {
        for (size_t t = 0; t < nk; t++) out[t] = lo;
        return;
    }
    int bits = 32 - __builtin_clz(hi - lo);
    int shift = bits > 8 ? bits - 8 : 0;
    uint32_t start[257] = {0};
    for (size_t i = 0; i < n; i++) start[((a[i] - lo) >> shift) + 1]++;
    for (int b = 0; b < 256; b++) start[b + 1] += start[b];
    for (size_t t = 0; t < nk;) {
        size_t b = 0;
        while (start[b + 1] <= ks[t]) b++;
        /* Every wanted statistic in bucket b, at once. */
        size_t sub[8], into[8], m = 0;
        for (size_t u = t; u < nk && ks[u] < start[b + 1]; u++) sub[m] = ks[u] - start[b], into[m++] = u;
        size_t cnt = 0;
        uint32_t *g = scratch;
        for (size_t i = 0; i < n; i++)
            if (((a[i] - lo) >> shift) == b) g[cnt++] = a[i];
        uint32_t res[8];
        if (shift == 0) { /* a bucket of one value */
            for (size_t u = 0; u < m; u++) res[u] = g[0];
        } else {
            order_stats(g, cnt, sub, m, res, scratch + cnt);
        }
        for (size_t u = 0; u < m; u++) out[into[u]] = res[u];
        t += m;
    }
}

struct qjob {
    struct prep *P;
    struct ni_sens_result *r;
    const size_t *inst;
    size_t from, to;
};

static void *work_quantiles(void *arg)
{
    struct qjob *q = arg;
    size_t D = q->P->draws;
    /* Nearest rank: the ceil(p D)-th smallest, 0-based ceil(p D) - 1; the median of an even count is
     * the mean of the two middle ones. ks must be ascending. */
    size_t ks[4] = {(size_t)ceil(0.05 * (double)D) - 1, (D - 1) / 2, D / 2, (size_t)ceil(0.95 * (double)D) - 1};
    uint32_t *scratch = malloc(4 * D * sizeof *scratch), v[4];
    if (!scratch) abort();
    for (size_t s = q->from; s < q->to; s++) {
        order_stats(q->P->ranks + s * D, D, ks, 4, v, scratch);
        size_t i = q->inst[s];
        q->r->median[i] = ((double)v[1] + (double)v[2]) / 2;
        q->r->lo[i] = v[0];
        q->r->hi[i] = v[3];
    }
    free(scratch);
    return NULL;
}

static void run_threads(int count, void *(*fn)(void *), void *args, size_t argsize)
{
    pthread_t th[64];
    int started = 0;
    for (int t = 1; t < count; t++) {
        if (pthread_create(&th[t], NULL, fn, (char *)args + (size_t)t * argsize) != 0) break;
        started = t;
    }
    fn(args);
    for (int t = 1; t <= started; t++) pthread_join(th[t], NULL);
    /* Threads that could not start: the calling thread does their share after all. */
    for (int t = started + 1; t < count; t++) fn((char *)args + (size_t)t * argsize);
}

/* Large buffers (the rank matrix is 4 bytes per institution per draw) come straight from mmap,
 * with transparent huge pages asked for and the pages made at once: on this project's small
 * virtual machines, touching 400 MB page by page took 1.1 s of page faults, and reading it in
 * 4 KiB pages afterwards 0.2 s of TLB misses; with both it takes 0.02-0.5 s (as huge pages are
 * free or have to be assembled). Both are advice: a kernel that refuses them still works. */
static void *big_alloc(size_t bytes)
{
    size_t len = bytes ? bytes : 1;
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) abort(); /* as the arena does: out of memory is not a state to go on from */
#ifdef MADV_HUGEPAGE
    madvise(p, len, MADV_HUGEPAGE);
#endif
#ifdef MADV_POPULATE_WRITE
    madvise(p, len, MADV_POPULATE_WRITE);
#endif
    return p;
}

static void big_free(void *p, size_t bytes)
{
    if (p) munmap(p, bytes ? bytes : 1);
}

/* The scored institutions' values for each normalisation and aggregation the draws can use, and
 * the list of those missing part of a domain. */
static void prepare(struct prep *P, const size_t *inst)
{
    const struct ni_model *m = P->m;
    const struct ni_sens_options *so = P->so;
    size_t n = m->ninst, p = m->nind, cells = P->stride * P->nslots;
    double *y = xmalloc(n * p * sizeof *y), *v = xmalloc(n * p * sizeof *v), *tmp = xmalloc(n * sizeof *tmp);
    uint32_t *order = xmalloc(n * sizeof *order);
    struct ni_sorter srt;
    ni_sorter_init(&srt, n);
    bool geo_in = P->base->within == NI_AGG_GEOMETRIC, geo_across = P->base->across == NI_AGG_GEOMETRIC;
    bool need_plain = so->vary_agg || (!geo_in && !geo_across), need_shifted = so->vary_agg || (!geo_in && geo_across),
         need_log = so->vary_agg || geo_in;
    for (int k = 0; k < NI_NORM_COUNT; k++) {
        if (!so->vary_norm && k != (int)P->base->norm) continue;
        ni_normalise(m, (enum ni_norm)k, true, y, v, tmp, order, &srt);
        if (need_plain) P->plain[k] = calloc(cells ? cells : 1, sizeof(double));
        if (need_shifted) P->shifted[k] = calloc(cells ? cells : 1, sizeof(double));
        if (need_log) P->logv[k] = calloc(cells ? cells : 1, sizeof(double));
        if ((need_plain && !P->plain[k]) || (need_shifted && !P->shifted[k]) || (need_log && !P->logv[k])) abort();
        for (size_t t = 0; t < P->nslots; t++) {
            size_t j = P->dom_of_slot[t];
            for (size_t s = 0; s < P->ns; s++) {
                double yy = y[inst[s] * p + j], vv = v[inst[s] * p + j];
                bool here = !isnan(vv);
                size_t at = t * P->stride + s;
                if (need_plain) P->plain[k][at] = here ? yy : 0;
                if (need_shifted) P->shifted[k][at] = here ? vv : 0;
                if (need_log) P->logv[k][at] = here ? log(vv) : 0;
            }
        }
    }
    ni_sorter_free(&srt);
    free(y), free(v), free(tmp), free(order);

    /* Partly missing domains, domain by domain and block by block (so in institution order). */
    size_t nexc = 0, cap = 1024;
    P->exc_inst = xmalloc(cap * sizeof *P->exc_inst);
    P->exc_mask = xmalloc(cap * sizeof *P->exc_mask);
    P->exc_first = xmalloc((m->ndom * P->nblocks + 1) * sizeof *P->exc_first);
    for (size_t k = 0; k < m->ndom; k++) {
        size_t t0 = P->dom_first[k], t1 = P->dom_first[k + 1];
        for (size_t blk = 0; blk < P->nblocks; blk++) {
            P->exc_first[k * P->nblocks + blk] = nexc;
            for (size_t s = blk * BLOCK; s < (blk + 1) * BLOCK && s < P->ns; s++) {
                uint64_t mask = 0;
                for (size_t t = t0; t < t1; t++)
                    if (!isnan(m->values[inst[s] * p + P->dom_of_slot[t]])) mask |= 1ull << (t - t0);
                if (t1 - t0 == 64 ? mask == UINT64_MAX : mask == (1ull << (t1 - t0)) - 1) continue;
                if (nexc == cap) {
                    cap *= 2;
                    P->exc_inst = realloc(P->exc_inst, cap * sizeof *P->exc_inst);
                    P->exc_mask = realloc(P->exc_mask, cap * sizeof *P->exc_mask);
                    if (!P->exc_inst || !P->exc_mask) abort();
                }
                P->exc_inst[nexc] = (uint32_t)s;
                P->exc_mask[nexc++] = mask;
            }
        }
    }
    P->exc_first[m->ndom * P->nblocks] = nexc;
}

int ni_sensitivity(const struct ni_model *m, const struct ni_options *base, const struct ni_sens_options *so_in,
                   struct arena *a, struct ni_sens_result *r, struct err *e)
{
    if (ni_check(m, base, e) < 0) return ERR_INVALID;
    struct ni_sens_options so = *so_in;
    if (so.draws == 0) so.draws = 1000;
    if (so.factor_lo == 0 && so.factor_hi == 0) so.factor_lo = 0.5, so.factor_hi = 1.5;
    if (!(so.factor_lo > 0) || !(so.factor_hi >= so.factor_lo) || !isfinite(so.factor_hi))
        return err_set(e, ERR_INVALID, "The weight factors must lie in a range of positive numbers, low to high.");
    if (so.draws > UINT32_MAX || m->ninst > UINT32_MAX)
        return err_set(e, ERR_LIMIT, "Too many draws or institutions for one sensitivity analysis.");
    if (so.threads < 1) so.threads = 1;
    if (so.threads > 64) so.threads = 64;

    size_t n = m->ninst, p = m->nind;
    memset(r, 0, sizeof *r);
    r->ninst = n;
    r->draws = so.draws;
    r->median = arena_calloc(a, n ? n : 1, sizeof *r->median);
    r->lo = arena_calloc(a, n ? n : 1, sizeof *r->lo);
    r->hi = arena_calloc(a, n ? n : 1, sizeof *r->hi);

    /* Which institutions have a score: that depends on which values are missing only. */
    struct prep P = {.m = m, .base = base, .so = &so, .p = p, .draws = so.draws};
    size_t *inst = xmalloc(n * sizeof *inst);
    {
        double *w = xmalloc(p * sizeof *w), *dw = xmalloc(m->ndom * sizeof *dw), *row = xmalloc(p * sizeof *row);
        for (size_t j = 0; j < p; j++) w[j] = m->indicators[j].weight;
        for (size_t k = 0; k < m->ndom; k++) dw[k] = m->domains[k].weight;
        for (size_t i = 0; i < n; i++) {
            enum ni_status st;
            size_t md;
            for (size_t j = 0; j < p; j++) row[j] = isnan(m->values[i * p + j]) ? NAN : 1;
            struct ni_options o = *base;
            o.within = o.across = NI_AGG_ARITHMETIC;
            ni_aggregate_row(m, &o, row, w, dw, &st, &md);
            r->median[i] = NAN;
            if (st == NI_SCORED) inst[P.ns++] = i;
        }
        free(w), free(dw), free(row);
    }
    r->scored = P.ns;

    /* Switched-on indicators grouped by domain. */
    P.dom_first = xmalloc((m->ndom + 1) * sizeof *P.dom_first);
    P.dom_of_slot = xmalloc(p * sizeof *P.dom_of_slot);
    for (size_t k = 0; k < m->ndom; k++) {
        P.dom_first[k] = P.nslots;
        if (!(m->domains[k].weight > 0)) continue;
        for (size_t j = 0; j < p; j++)
            if (m->indicators[j].domain == k && m->indicators[j].weight > 0) P.dom_of_slot[P.nslots++] = j;
    }
    P.dom_first[m->ndom] = P.nslots;

    for (size_t k = 0; k < m->ndom; k++)
        if (P.dom_first[k + 1] - P.dom_first[k] > 64) {
            free(inst), free(P.dom_first), free(P.dom_of_slot);
            return err_set(e, ERR_LIMIT, "Domain '%s' has more than 64 indicators; the sensitivity analysis takes 64 at most.",
                           m->domains[k].name);
        }
    P.stride = (P.ns + BLOCK - 1) / BLOCK * BLOCK;
    P.nblocks = P.stride / BLOCK;
    prepare(&P, inst);
    P.ranks_bytes = P.ns * so.draws * sizeof *P.ranks;
    P.ranks = big_alloc(P.ranks_bytes);

    struct worker *ws = xmalloc((size_t)so.threads * sizeof *ws);
    for (int t = 0; t < so.threads; t++) {
        ws[t] = (struct worker){.P = &P, .id = t, .count = so.threads};
        ni_sorter_init(&ws[t].srt, P.ns);
        ws[t].idx = xmalloc(P.ns * sizeof(uint32_t));
        ws[t].batch = big_alloc(BATCH * P.ns * sizeof(uint32_t));
        ws[t].agg = xmalloc(GROUP * P.stride * sizeof(double));
        for (int q = 0; q < GROUP; q++) {
            ws[t].dr[q].wt = xmalloc(p * sizeof(double));
            ws[t].dr[q].dwt = xmalloc(m->ndom * sizeof(double));
            ws[t].dr[q].wall = xmalloc(m->ndom * sizeof(double));
        }
    }
    if (P.ns > 0) run_threads(so.threads, work_draws, ws, sizeof *ws);
    for (int t = 0; t < so.threads; t++) {
        for (int k = 0; k < NI_NORM_COUNT; k++) r->norm_drawn[k] += ws[t].norm_drawn[k];
        ni_sorter_free(&ws[t].srt);
        big_free(ws[t].batch, BATCH * P.ns * sizeof(uint32_t));
        free(ws[t].idx), free(ws[t].agg);
        for (int q = 0; q < GROUP; q++) free(ws[t].dr[q].wt), free(ws[t].dr[q].dwt), free(ws[t].dr[q].wall);
    }
    if (P.ns == 0) { /* nothing was ranked, but the draws still chose normalisations */
        for (size_t d = 0; d < so.draws && so.vary_norm; d++) {
            struct rng g;
            rng_seed(&g, so.seed + d);
            r->norm_drawn[rng_below(&g, NI_NORM_COUNT)]++;
        }
        if (!so.vary_norm) r->norm_drawn[base->norm] = so.draws;
    }
    free(ws);

    struct qjob *jobs = xmalloc((size_t)so.threads * sizeof *jobs);
    for (int t = 0; t < so.threads; t++)
        jobs[t] = (struct qjob){.P = &P, .r = r, .inst = inst, .from = P.ns * (size_t)t / (size_t)so.threads,
                                .to = P.ns * (size_t)(t + 1) / (size_t)so.threads};
    run_threads(so.threads, work_quantiles, jobs, sizeof *jobs);
    free(jobs);

    for (int k = 0; k < NI_NORM_COUNT; k++) free(P.plain[k]), free(P.shifted[k]), free(P.logv[k]);
    big_free(P.ranks, P.ranks_bytes);
    free(P.exc_inst), free(P.exc_mask), free(P.exc_first), free(P.dom_first), free(P.dom_of_slot), free(inst);
    return 0;
}

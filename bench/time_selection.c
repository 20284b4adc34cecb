/* time_selection: times the need index, its sensitivity analysis and a selection over generated
 * institutions, in-process, for bench/selection.sh.
 *
 *   time_selection [COUNT] [DRAWS] [SEED] [THREADS] [--vary-agg]
 *
 * Defaults: 100,000 institutions, 1,000 draws, seed 20260101, 1 thread. The institutions look like
 * a real register at scale: 40 countries of very different sizes (Zipf-like), 30% informal, 40%
 * rural, 90% with consent; 8 indicators in 4 domains (devices, connectivity, skills, support) drawn
 * from a latent need that rural and informal institutions have more of, with skewed distributions
 * (log-normal counts, Likert answers with ties); 4% of values missing at random and 1% of
 * institutions missing a whole domain. Prints each phase's wall time and what it found. Not
 * installed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/rng.h"
#include "base/timeutil.h"
#include "program/need_index.h"
#include "program/need_sensitivity.h"
#include "program/selection.h"

enum { NIND = 8, NDOM = 4, NCOUNTRY = 40 };

static double normal(struct rng *g) /* Box-Muller: one of the pair is enough here */
{
    double u = rng_uniform(g), v = rng_uniform(g);
    return sqrt(-2 * log(1 - u)) * cos(2 * M_PI * v);
}

/* CPU time of the whole process (every thread), in microseconds: steadier than wall time when the
 * machine is shared. */
static int64_t cpu_us(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (int64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

static void fail(const char *what, const struct err *e)
{
    fprintf(stderr, "time_selection: %s: %s\n", what, e->msg);
    exit(1);
}

int main(int argc, char **argv)
{
    size_t count = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
    size_t draws = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000;
    uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 10) : 20260101;
    int threads = argc > 4 ? atoi(argv[4]) : 1;
    bool vary_agg = argc > 5 && strcmp(argv[5], "--vary-agg") == 0;
    if (count < 10 || draws < 1) {
        fprintf(stderr, "usage: time_selection [COUNT >= 10] [DRAWS >= 1] [SEED] [THREADS] [--vary-agg]\n");
        return 2;
    }

    static const struct ni_domain domains[NDOM] = {{"devices", 1}, {"connectivity", 1}, {"skills", 1}, {"support", 1}};
    static const struct ni_indicator indicators[NIND] = {
        {"learners_per_device", +1, 0, 2},  {"devices_working_share", -1, 0, 1},
        {"bandwidth_mbps", -1, 1, 1},       {"days_offline_per_month", +1, 1, 1},
        {"teachers_trained_share", -1, 2, 1}, {"digital_skills_1_5", -1, 2, 1},
        {"it_support_days", -1, 3, 1},      {"budget_per_learner", -1, 3, 1},
    };
    static char codes[NCOUNTRY][3];
    for (int k = 0; k < NCOUNTRY; k++) codes[k][0] = (char)('A' + k / 26), codes[k][1] = (char)('A' + k % 26);
    double zipf[NCOUNTRY], zsum = 0;
    for (int k = 0; k < NCOUNTRY; k++) zsum += zipf[k] = 1.0 / (k + 1);

    struct rng g;
    rng_seed(&g, seed);
    double *values = malloc(count * NIND * sizeof *values);
    struct sel_candidate *cand = calloc(count, sizeof *cand);
    char (*names)[32] = malloc(count * sizeof *names);
    size_t missing = 0;
    for (size_t i = 0; i < count; i++) {
        double u = rng_uniform(&g) * zsum;
        int k = 0;
        while (k < NCOUNTRY - 1 && u > zipf[k]) u -= zipf[k++];
        bool informal = rng_uniform(&g) < 0.3, rural = rng_uniform(&g) < 0.4;
        double need = normal(&g) + 0.6 * rural + 0.4 * informal; /* latent */
        double *x = values + i * NIND;
        x[0] = exp(2.5 + 0.5 * need + 0.4 * normal(&g));                     /* learners per device */
        x[1] = 1 / (1 + exp(0.8 * need + 0.5 * normal(&g) - 1.5));            /* share working */
        x[2] = exp(3.5 - 0.9 * need + 0.7 * normal(&g));                      /* Mbit/s */
        x[3] = floor(fmax(0, 3 + 3 * need + 2 * normal(&g)));                 /* days offline */
        x[4] = 1 / (1 + exp(0.7 * need + 0.6 * normal(&g)));                  /* teachers trained */
        x[5] = fmin(5, fmax(1, round(3 - 0.8 * need + normal(&g))));          /* Likert 1-5 */
        x[6] = floor(fmax(0, 2.5 - need + normal(&g)));                       /* IT support days */
        x[7] = exp(4 - 0.5 * need + 0.6 * normal(&g));                        /* budget */
        for (int j = 0; j < NIND; j++)
            if (rng_uniform(&g) < 0.04) x[j] = NAN;
        if (rng_uniform(&g) < 0.01) { /* a whole domain unanswered */
            int d = (int)rng_below(&g, NDOM);
            for (int j = 0; j < NIND; j++)
                if (indicators[j].domain == (size_t)d) x[j] = NAN;
        }
        for (int j = 0; j < NIND; j++) missing += isnan(x[j]);
        snprintf(names[i], sizeof names[i], "inst-%zu", i + 1);
        cand[i] = (struct sel_candidate){.name = names[i], .country = codes[k], .informal = informal, .rural = rural,
                                         .consent = rng_uniform(&g) < 0.9};
    }
    struct ni_model m = {.ninst = count, .nind = NIND, .ndom = NDOM, .values = values, .indicators = indicators,
                         .domains = domains};
    struct ni_options o = {.norm = NI_NORM_MINMAX, .min_share = 0.75};
    struct arena a;
    arena_init(&a, 1 << 20);
    struct err e;
    printf("institutions %zu in %d countries, %d indicators in %d domains, %.1f%% of values missing; seed %llu\n",
           count, NCOUNTRY, NIND, NDOM, 100.0 * (double)missing / (double)(count * NIND), (unsigned long long)seed);

    int64_t t0 = time_monotonic_us(), c0 = cpu_us();
    struct ni_result r;
    if (ni_compute(&m, &o, &a, &r, &e) < 0) fail("need index", &e);
    int64_t t1 = time_monotonic_us(), c1 = cpu_us();
    struct ni_explanation x;
    size_t top = 0;
    for (size_t i = 0; i < count; i++)
        if (r.rank[i] == 1) top = i;
    if (ni_explain(&m, &o, &r, top, &a, &x, &e) < 0) fail("explanation", &e);
    int64_t t1b = time_monotonic_us();
    printf("need index (%s, %s): %.1f ms (cpu %.1f ms); %zu scored; explanation of the first: %.3f ms\n",
           ni_norm_name(o.norm), ni_agg_name(o.within), (double)(t1 - t0) / 1000, (double)(c1 - c0) / 1000, r.scored,
           (double)(t1b - t1) / 1000);

    struct ni_sens_options so = {.draws = draws, .seed = seed, .vary_norm = true, .vary_agg = vary_agg,
                                 .threads = threads};
    struct ni_sens_result s;
    int64_t t2 = time_monotonic_us(), c2 = cpu_us();
    if (ni_sensitivity(&m, &o, &so, &a, &s, &e) < 0) fail("sensitivity", &e);
    int64_t t3 = time_monotonic_us(), c3 = cpu_us();
    double width = 0;
    size_t widest = 0;
    for (size_t i = 0; i < count; i++) {
        if (isnan(s.median[i]) || r.rank[i] > 100) continue;
        width += (double)(s.hi[i] - s.lo[i]);
        widest = s.hi[i] - s.lo[i] > widest ? s.hi[i] - s.lo[i] : widest;
    }
    printf("sensitivity (%zu draws, weights x U[0.5, 1.5), normalisation varied%s, %d thread%s): %.1f ms (cpu %.1f ms); "
           "the top 100: mean 90%% interval %.1f ranks, widest %zu; the first: median %.1f [%zu, %zu]\n",
           draws, vary_agg ? ", aggregation varied" : "", threads, threads == 1 ? "" : "s",
           (double)(t3 - t2) / 1000, (double)(c3 - c2) / 1000, width / 100, widest, s.median[top], s.lo[top], s.hi[top]);

    for (size_t i = 0; i < count; i++) cand[i].score = r.score[i];
    struct sel_rules R = {.size = 10, .max_per_country = 2, .min_informal = 3, .min_rural_share = 0.4,
                          .min_need = 0, .require_consent = true};
    struct sel_result sr;
    int64_t t4 = time_monotonic_us(), c4 = cpu_us();
    if (sel_run(cand, count, &R, &a, &sr, &e) < 0) fail("selection", &e);
    int64_t t5 = time_monotonic_us(), c5 = cpu_us();
    if (!sr.feasible) {
        fprintf(stderr, "time_selection: infeasible: %s\n", sr.nproblems ? sr.problems[0] : "?");
        return 1;
    }
    size_t rep = 0;
    if (sel_replacement(cand, count, &R, sr.chosen, sr.nchosen, sr.chosen[0], &rep, &e) < 0) fail("replacement", &e);
    int64_t t6 = time_monotonic_us();
    printf("selection (N %d, at most %d per country, at least %d informal, at least %.0f%% rural, consent): %.1f ms "
           "(cpu %.1f ms); %zu eligible, %zu variables after the reduction, total need %.2f, %zu informal, %zu rural; "
           "a replacement: %.1f ms\n",
           R.size, R.max_per_country, R.min_informal, 100 * R.min_rural_share, (double)(t5 - t4) / 1000,
           (double)(c5 - c4) / 1000, sr.eligible, sr.reduced, sr.total, sr.informal, sr.rural, (double)(t6 - t5) / 1000);
    printf("all three: %.1f ms (cpu %.1f ms)\n", (double)(t1 - t0 + t3 - t2 + t5 - t4) / 1000,
           (double)(c1 - c0 + c3 - c2 + c5 - c4) / 1000);
    arena_free(&a);
    free(values), free(cand), free(names);
    return 0;
}

/* gen_submissions: fills a database with generated answer sets to a form, for bench/summary.sh.
 *
 *   gen_submissions DB FORM_ID COUNT [SEED]
 *
 * The form must be imported already (edubridge form import). Answers are drawn from a fixed
 * PRNG (the same SEED gives the same database) with shapes like real answers: a select_one leans
 * towards a few choices (Zipf-like weights, in an order drawn per question), each choice of a
 * select_multiple has its own probability, counts are log-normal around a median drawn per
 * question, optional questions are skipped now and then, and free text is sparse. The engine then
 * drops what would not have been asked (relevant), as the survey pages do.
 *
 * Rows go in through submission_insert_in, the same path as the API, so the value index is the
 * one a real server writes; commits every 20,000 answer sets (one transaction each) keep the WAL
 * small. Not installed: a tool for benchmarks only. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/i18n.h"
#include "base/timeutil.h"
#include "forms/answers.h"
#include "forms/engine.h"
#include "forms/form_store.h"
#include "forms/submissions.h"
#include "program/schema.h"

enum { BATCH = 20000 };

static uint64_t rng_state;

static uint64_t rng_next(void) /* splitmix64 */
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double rng_unit(void) { return (double)(rng_next() >> 11) / 9007199254740992.0; }

static double rng_normal(void) /* Box-Muller; one of the pair is enough here */
{
    double u = rng_unit(), v = rng_unit();
    return sqrt(-2.0 * log(u + 1e-300)) * cos(6.283185307179586 * v);
}

/* What is drawn for one question, fixed per database. */
struct profile {
    const struct form_field *fd;
    size_t nchoices;
    double *cum;          /* select_one: cumulative weights (the last one is 1) */
    double *p;            /* select_multiple: probability of each choice */
    double median, sigma; /* numbers */
    double answer_rate;   /* an optional question is answered this often */
    bool required;
};

static const char *phrases[] = {
    "We share one computer room between all classes.",
    "The internet stops working when it rains.",
    "Our teachers would like training in the evenings.",
    "Parents have asked for lessons on online safety.",
    "We have tablets but no way to charge them all.",
    "The nearest repair shop is two hours away.",
    "Most learners use their parents' phones at home.",
    "We need content in the local language.",
    "Thank you for this programme.",
    "A bus with a mobile classroom would help us a lot.",
};

static void profile_init(struct arena *a, struct profile *pr, const struct form_field *fd)
{
    memset(pr, 0, sizeof *pr);
    pr->fd = fd;
    pr->required = *fd->required_src != '\0';
    pr->answer_rate = pr->required ? 1.0 : 0.6 + 0.35 * rng_unit();
    if (fd->list) pr->nchoices = fd->list->count + (form_field_adds_other(fd) ? 1 : 0);
    size_t n = pr->nchoices;
    if (fd->type == FT_SELECT_ONE && n) {
        /* Zipf-like: the k-th most popular choice has weight 1 / (k + 1)^s; "other" comes last. */
        double s = 0.6 + 0.8 * rng_unit(), total = 0;
        size_t *order = arena_alloc(a, n * sizeof *order);
        for (size_t i = 0; i < n; i++) order[i] = i;
        for (size_t i = fd->list->count; i > 1; i--) {
            size_t j = rng_next() % i, t = order[i - 1];
            order[i - 1] = order[j];
            order[j] = t;
        }
        double *w = arena_alloc(a, n * sizeof *w);
        for (size_t k = 0; k < n; k++) total += w[order[k]] = 1.0 / pow((double)k + 1, s);
        pr->cum = arena_alloc(a, n * sizeof *pr->cum);
        double run = 0;
        for (size_t i = 0; i < n; i++) pr->cum[i] = (run += w[i] / total);
        pr->cum[n - 1] = 1.0;
    } else if (fd->type == FT_SELECT_MULTIPLE && n) {
        pr->p = arena_alloc(a, n * sizeof *pr->p);
        for (size_t i = 0; i < n; i++) pr->p[i] = 0.05 + 0.6 * rng_unit();
        if (form_field_adds_other(fd)) pr->p[n - 1] = 0.04;
    } else if (fd->type == FT_INTEGER || fd->type == FT_DECIMAL) {
        pr->median = exp(log(5.0) + (log(500.0) - log(5.0)) * rng_unit());
        pr->sigma = 0.6 + 0.5 * rng_unit();
    }
}

static const char *choice_value(const struct form_field *fd, size_t i)
{
    return i < fd->list->count ? fd->list->choices[i].value : "other";
}

/* One answer to one question, or NULL for none. */
static const char *draw(struct arena *a, const struct profile *pr, uint64_t serial)
{
    const struct form_field *fd = pr->fd;
    if (rng_unit() >= pr->answer_rate) return NULL;
    switch (fd->type) {
    case FT_SELECT_ONE: {
        double u = rng_unit();
        size_t i = 0;
        while (i + 1 < pr->nchoices && u > pr->cum[i]) i++;
        return choice_value(fd, i);
    }
    case FT_SELECT_MULTIPLE: {
        struct strbuf sb;
        strbuf_init(&sb, a, 64);
        for (size_t i = 0; i < pr->nchoices; i++) {
            if (rng_unit() >= pr->p[i]) continue;
            if (sb.len) strbuf_putc(&sb, ' ');
            strbuf_puts(&sb, choice_value(fd, i));
        }
        if (!sb.len && pr->required) strbuf_puts(&sb, choice_value(fd, rng_next() % pr->nchoices));
        return sb.len ? sb.data : NULL;
    }
    case FT_RANK: {
        size_t n = pr->nchoices, *order = arena_alloc(a, n * sizeof *order);
        for (size_t i = 0; i < n; i++) order[i] = i;
        for (size_t i = n; i > 1; i--) {
            size_t j = rng_next() % i, t = order[i - 1];
            order[i - 1] = order[j];
            order[j] = t;
        }
        struct strbuf sb;
        strbuf_init(&sb, a, 64);
        for (size_t i = 0; i < n; i++) {
            if (i) strbuf_putc(&sb, ' ');
            strbuf_puts(&sb, choice_value(fd, order[i]));
        }
        return sb.data;
    }
    case FT_INTEGER: {
        double x = round(pr->median * exp(pr->sigma * rng_normal()));
        return arena_printf(a, "%.0f", x < 1 ? 1 : x > 20000 ? 20000 : x);
    }
    case FT_DECIMAL:
        return arena_printf(a, "%.2f", pr->median * exp(pr->sigma * rng_normal()));
    case FT_RANGE: {
        double steps = floor((fd->range_end - fd->range_start) / (fd->range_step > 0 ? fd->range_step : 1));
        return arena_printf(a, "%g", fd->range_start + floor(rng_unit() * (steps + 1)) * fd->range_step);
    }
    case FT_TEXT:
        if (fd->personal && strstr(fd->name, "mail")) return arena_printf(a, "person%llu@example.org", (unsigned long long)serial);
        if (fd->personal && strstr(fd->name, "phone")) return arena_printf(a, "+48 600 %06llu", (unsigned long long)(serial % 1000000));
        if (fd->personal) return arena_printf(a, "Person %llu", (unsigned long long)serial);
        if (pr->required && strstr(fd->name, "name")) return arena_printf(a, "School no. %llu", (unsigned long long)serial);
        if (pr->required) return arena_printf(a, "District %llu", (unsigned long long)(rng_next() % 400 + 1));
        return rng_unit() < 0.3 ? phrases[rng_next() % (sizeof phrases / sizeof phrases[0])] : NULL;
    default:
        return NULL;
    }
}

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: gen_submissions DB FORM_ID COUNT [SEED]\n");
        return 2;
    }
    long long count = atoll(argv[3]);
    rng_state = argc == 5 ? strtoull(argv[4], NULL, 10) : 20260101;
    struct err e;
    err_clear(&e);
    struct store *st = schema_open(argv[1], false, NULL, &e);
    if (!st) {
        fprintf(stderr, "gen_submissions: %s\n", e.msg);
        return 1;
    }
    struct arena fa, row;
    arena_init(&fa, 0);
    arena_init(&row, 0);
    struct form_version_info info;
    struct form *f;
    if (form_store_latest(st, &fa, argv[2], &info, &e) < 0 || form_store_load(st, &fa, info.id, &f, &e) < 0) {
        fprintf(stderr, "gen_submissions: form %s: %s\n", argv[2], e.msg);
        return 1;
    }
    /* A big page cache for the load only: the indexes' hot pages stay in memory. */
    store_exec(st, "PRAGMA cache_size = -524288", NULL);
    struct profile *prof = arena_calloc(&fa, f->nfields, sizeof *prof);
    size_t nprof = 0;
    for (size_t i = 0; i < f->nfields; i++) {
        const struct form_field *fd = &f->fields[i];
        if (!form_type_is_input(fd->type) || form_type_is_meta(fd->type) || form_field_repeat(fd)) continue;
        profile_init(&fa, &prof[nprof++], fd);
    }
    int64_t t0 = time_monotonic_us(), start_ms = 1767603600000; /* 2026-01-05 09:00 UTC */
    double spread_ms = 90.0 * 86400000.0 / (double)(count > 0 ? count : 1);
    for (long long i = 0; i < count; i++) {
        if (i % BATCH == 0 && store_begin(st, &e) < 0) goto fail;
        arena_reset(&row);
        struct answers *ans = answers_new(&row);
        for (size_t k = 0; k < nprof; k++) {
            const char *v = draw(&row, &prof[k], (uint64_t)i + 1);
            if (v) answers_set(ans, prof[k].fd->name, 0, v);
        }
        size_t lang = f->nlang > 1 && rng_unit() < 0.5 ? rng_next() % f->nlang : f->default_lang;
        struct engine en;
        engine_init(&en, f, ans, &row, lang, i18n_default());
        engine_calculate(&en);
        engine_clear_irrelevant(&en);
        char when[32];
        time_format_iso(start_ms + (int64_t)((double)i * spread_ms), when, sizeof when);
        if (submission_insert_in(st, &row, f, info.id, f->languages[lang].code, ans, NULL, false, when, NULL, &e) < 0)
            goto fail;
        if ((i + 1) % BATCH == 0 || i + 1 == count) {
            if (store_commit(st, &e) < 0) goto fail;
            if ((i + 1) % 100000 == 0 || i + 1 == count)
                fprintf(stderr, "gen_submissions: %lld answer sets, %.1f s\n", i + 1,
                        (double)(time_monotonic_us() - t0) / 1e6);
        }
    }
    printf("generated %lld answer sets to %s in %.1f s\n", count, argv[2], (double)(time_monotonic_us() - t0) / 1e6);
    arena_free(&row);
    arena_free(&fa);
    store_close(st);
    return 0;
fail:
    fprintf(stderr, "gen_submissions: %s\n", e.msg);
    store_rollback(st);
    store_close(st);
    return 1;
}

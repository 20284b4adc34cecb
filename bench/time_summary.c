/* time_summary: times the summary functions in-process on a database, for bench/summary.sh.
 *
 *   time_summary DB FORM_ID Q BY [NUMBER_FIELD] [RUNS] [--json-scan]
 *
 * Prints, for RUNS runs each (default 5), the median and the fastest wall time of: the form's
 * answer count (summary_total), the counts of select question Q (summary_choices), the cross-tab
 * of Q by BY (summary_crosstab: a merge of two ordered index scans), the same cells by a SQL join
 * for comparison, and, when given (not ""), a number summary; then with --json-scan, once, what
 * counting Q by parsing every stored JSON answer set costs (what the value index saves). Not
 * installed. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/timeutil.h"
#include "forms/form_store.h"
#include "forms/summary.h"
#include "forms/values.h"
#include "program/schema.h"

static struct store *st;
static struct arena scratch;
static const char *form_id;
static const struct form_field *fq, *fb, *fn;
static struct err e;

static void fail(const char *what)
{
    fprintf(stderr, "time_summary: %s: %s\n", what, e.msg);
    exit(1);
}

static int64_t checksum; /* what each run found, printed so that runs can be compared */

static void run_total(void)
{
    if (summary_total(st, form_id, &checksum, &e) < 0) fail("total");
}

static void run_choices(void)
{
    struct summary_choices sc;
    if (summary_choices(st, &scratch, form_id, fq, &sc, &e) < 0) fail("choices");
    checksum = sc.respondents;
}

static void run_crosstab(void)
{
    struct summary_crosstab x;
    if (summary_crosstab(st, &scratch, form_id, fq, fb, &x, &e) < 0) fail("crosstab");
    checksum = 0;
    for (size_t i = 0; i < x.nrows * x.ncols; i++) checksum += x.cells[i];
}

/* The cells only (totals would need more queries): the join finds each of Q's rows' partners
 * through submission_values_by_submission, one index search per row. */
static void run_join(void)
{
    int64_t ka, kb;
    if (values_field_key(st, form_id, fq->name, &ka, &e) < 0 || values_field_key(st, form_id, fb->name, &kb, &e) < 0)
        fail("join");
    struct store_stmt *s = store_prepare(
        st, "SELECT a.value, b.value, COUNT(*) FROM submission_values a JOIN submission_values b"
            " ON b.field = ? AND b.submission = a.submission WHERE a.field = ? GROUP BY a.value, b.value", &e);
    if (!s) fail("join");
    store_bind_int(s, 1, kb);
    store_bind_int(s, 2, ka);
    int rc;
    checksum = 0;
    while ((rc = store_step(s, &e)) == 1) checksum += store_col_int(s, 2);
    store_done(s);
    if (rc < 0) fail("join");
}

static void run_numbers(void)
{
    struct summary_numbers sn;
    if (summary_numbers(st, form_id, fn, &sn, &e) < 0) fail("numbers");
    checksum = sn.n;
}

/* Without the index: every answer set's JSON, parsed, Q's value counted. */
static void run_json_scan(void)
{
    struct store_stmt *s = store_prepare(
        st, "SELECT answers FROM submissions WHERE form_id = ? AND status = 'submitted' AND is_current = 1", &e);
    if (!s) fail("json scan");
    store_bind_text(s, 1, form_id);
    int rc;
    checksum = 0;
    while ((rc = store_step(s, &e)) == 1) {
        json_t *doc = json_loads(store_col_text(s, 0), 0, NULL);
        if (json_is_string(json_object_get(doc, fq->name))) checksum++;
        json_decref(doc);
    }
    store_done(s);
    if (rc < 0) fail("json scan");
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void timed(const char *name, void (*fn_run)(void), int runs)
{
    double ms[64];
    for (int r = 0; r < runs; r++) {
        arena_reset(&scratch);
        int64_t t0 = time_monotonic_us();
        fn_run();
        ms[r] = (double)(time_monotonic_us() - t0) / 1000.0;
    }
    qsort(ms, (size_t)runs, sizeof ms[0], cmp_double);
    printf("%-34s median %8.1f ms   fastest %8.1f ms   (%d runs; result %lld)\n", name, ms[runs / 2], ms[0], runs,
           (long long)checksum);
}

int main(int argc, char **argv)
{
    bool json_scan = argc > 1 && strcmp(argv[argc - 1], "--json-scan") == 0;
    if (json_scan) argc--;
    if (argc < 5 || argc > 7) {
        fprintf(stderr, "usage: time_summary DB FORM_ID Q BY [NUMBER_FIELD] [RUNS] [--json-scan]\n");
        return 2;
    }
    int runs = argc == 7 ? atoi(argv[6]) : 5;
    if (runs < 1 || runs > 64) runs = 5;
    err_clear(&e);
    st = schema_open(argv[1], false, NULL, &e);
    if (!st) fail("open");
    arena_init(&scratch, 0);
    struct arena fa;
    arena_init(&fa, 0);
    form_id = argv[2];
    struct form_version_info info;
    struct form *f;
    if (form_store_latest(st, &fa, form_id, &info, &e) < 0 || form_store_load(st, &fa, info.id, &f, &e) < 0)
        fail("form");
    fq = form_field_by_name(f, argv[3]);
    fb = form_field_by_name(f, argv[4]);
    fn = argc >= 6 && *argv[5] ? form_field_by_name(f, argv[5]) : NULL;
    if (!fq || !fb || (argc >= 6 && *argv[5] && !fn)) {
        fprintf(stderr, "time_summary: no such field\n");
        return 1;
    }
    char label[128];
    timed("summary_total", run_total, runs);
    snprintf(label, sizeof label, "summary_choices %s", fq->name);
    timed(label, run_choices, runs);
    snprintf(label, sizeof label, "summary_crosstab %s by %s", fq->name, fb->name);
    timed(label, run_crosstab, runs);
    snprintf(label, sizeof label, "SQL join %s by %s", fq->name, fb->name);
    timed(label, run_join, runs);
    if (fn) {
        snprintf(label, sizeof label, "summary_numbers %s", fn->name);
        timed(label, run_numbers, runs);
    }
    if (json_scan) {
        snprintf(label, sizeof label, "JSON scan counting %s", fq->name);
        timed(label, run_json_scan, 1);
    }
    arena_free(&fa);
    arena_free(&scratch);
    store_close(st);
    return 0;
}

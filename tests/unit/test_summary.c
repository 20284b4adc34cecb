/* Tests for forms/values and forms/summary: answer sets stored through the indexed insert into a
 * real (temporary) database, then summarised; every expected figure is worked out by hand in the
 * comments. Also: quantiles (R type 7) of small sets, the anonymity threshold, what is and is not
 * indexed (repeats, personal text), revisions leaving the index, erasure cascading, rebuilding the
 * index from the JSON (also when a database from before the index is opened), and submitting a
 * draft. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "forms/answers.h"
#include "forms/form_store.h"
#include "forms/submissions.h"
#include "forms/summary.h"
#include "forms/values.h"
#include "forms/xlsform.h"
#include "program/schema.h"
#include "testdb.h"

static const char form_md[] =
    "| survey |\n"
    "| | type | name | label::English (en) | label::Français (fr) | personal |\n"
    "| | select_one yesno | online | Online? | En ligne ? | |\n"
    "| | select_multiple needs | needs | Needs | Besoins | |\n"
    "| | rank needs | priority | Priority | Priorité | |\n"
    "| | integer | learners | Learners | Élèves | |\n"
    "| | text | comment | Comment | Commentaire | |\n"
    "| | text | contact | Contact | Contact | yes |\n"
    "| | date | visit | Visit | Visite | |\n"
    "| | begin_repeat | staff | Staff | Personnel | |\n"
    "| | select_one yesno | trained | Trained? | Formé ? | |\n"
    "| | end_repeat | | | | |\n"
    "\n"
    "| choices |\n"
    "| | list_name | name | label::English (en) | label::Français (fr) |\n"
    "| | yesno | yes | Yes | Oui |\n"
    "| | yesno | no | No | Non |\n"
    "| | needs | devices | Devices | Appareils |\n"
    "| | needs | training | Training | Formation |\n"
    "\n"
    "| settings |\n"
    "| | form_title | form_id | version | default_language |\n"
    "| | Summary test | summary-test | 1 | English (en) |\n";

/* Ten answer sets. By hand:
 *  online:   yes 1,2,3,5,7,9,10 (7), no 4,6,8 (3): 10 respondents.
 *  needs:    devices 1,2,3,5,7,9 (6), training 1,3,4,7,8 (5); answered by 8 (not 6, 10):
 *            75% and 62.5%, 137.5% together.
 *  learners: 10..100 by 10: n 10, mean 55; h = 9p: q1 at 2.25 -> 30 + .25 * 10 = 32.5,
 *            median at 4.5 -> 55, q3 at 6.75 -> 70 + .75 * 10 = 77.5.
 *  comment:  "first" (1), "third" (3), "fifth" (5): newest first is fifth, third, first. */
static const char *answer_sets[10] = {
    ("{\"online\": \"yes\", \"needs\": \"devices training\", \"learners\": \"10\", \"comment\": \"first\","
     " \"contact\": \"ana@example.org\", \"visit\": \"2026-01-01\", \"staff\": [{\"trained\": \"yes\"}]}"),
    "{\"online\": \"yes\", \"needs\": \"devices\", \"learners\": \"20\", \"priority\": \"training devices\"}",
    "{\"online\": \"yes\", \"needs\": \"devices training\", \"learners\": \"30\", \"comment\": \"third\"}",
    "{\"online\": \"no\", \"needs\": \"training\", \"learners\": \"40\"}",
    "{\"online\": \"yes\", \"needs\": \"devices\", \"learners\": \"50\", \"comment\": \"fifth\"}",
    "{\"online\": \"no\", \"learners\": \"60\"}",
    "{\"online\": \"yes\", \"needs\": \"devices training\", \"learners\": \"70\"}",
    "{\"online\": \"no\", \"needs\": \"training\", \"learners\": \"80\"}",
    "{\"online\": \"yes\", \"needs\": \"devices\", \"learners\": \"90\"}",
    "{\"online\": \"yes\", \"learners\": \"100\"}",
};

/* testdb.h: a temporary database with the schema, the form imported and the ten answer sets
 * submitted (x->ids, in order). */
static struct answers *parse(struct testdb *x, const char *json)
{
    return testdb_answers(x, json);
}

static int setup(void **state)
{
    struct testdb *x = calloc(1, sizeof *x);
    testdb_open(x, "summary-test");
    testdb_import(x, form_md, "summary-test.md");
    for (int i = 0; i < 10; i++) testdb_submit(x, "en", NULL, answer_sets[i]);
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    struct testdb *x = *state;
    testdb_close(x);
    free(x);
    return 0;
}

static const struct form_field *field(struct testdb *x, const char *name)
{
    const struct form_field *fd = form_field_by_name(x->f, name);
    assert_non_null(fd);
    return fd;
}

static int64_t query_int(struct testdb *x, const char *sql, const char *param)
{
    struct store_stmt *s = store_prepare(x->st, sql, &x->e);
    assert_non_null(s);
    if (param) store_bind_text(s, 1, param);
    assert_int_equal(store_step(s, &x->e), 1);
    int64_t v = store_col_int(s, 0);
    store_done(s);
    return v;
}

/* The count of the category with this stored value (NULL: the lump of unlisted values). */
static int64_t count_of(const struct summary_choices *sc, const char *value)
{
    for (size_t i = 0; i < sc->n; i++) {
        const char *v = sc->cats[i].value;
        if ((!value && !v) || (value && v && strcmp(v, value) == 0)) return sc->counts[i];
    }
    return -1;
}

/* ---- tests ---------------------------------------------------------------------------------- */

static void test_quantiles_type7(void **state)
{
    (void)state;
    const double four[] = {1, 2, 3, 4};
    /* h = 3p: 0.75 -> 1.75; 1.5 -> 2.5; 2.25 -> 3.25 */
    assert_float_equal(summary_quantile(four, 4, 0.25), 1.75, 1e-12);
    assert_float_equal(summary_quantile(four, 4, 0.5), 2.5, 1e-12);
    assert_float_equal(summary_quantile(four, 4, 0.75), 3.25, 1e-12);
    const double five[] = {1, 3, 5, 7, 9};
    /* h = 4p lands on ranks: 3, 5, 7 */
    assert_float_equal(summary_quantile(five, 5, 0.25), 3, 1e-12);
    assert_float_equal(summary_quantile(five, 5, 0.5), 5, 1e-12);
    assert_float_equal(summary_quantile(five, 5, 0.75), 7, 1e-12);
    const double one[] = {7};
    assert_float_equal(summary_quantile(one, 1, 0.25), 7, 1e-12);
    assert_float_equal(summary_quantile(one, 1, 1), 7, 1e-12);
    assert_float_equal(summary_quantile(four, 4, 0), 1, 1e-12);
    assert_float_equal(summary_quantile(four, 4, 1), 4, 1e-12);
}

static void test_threshold(void **state)
{
    (void)state;
    assert_int_equal(SUMMARY_THRESHOLD_DEFAULT, 5);
    /* Zero is hidden like any small count: "nobody" must read as "a few". */
    assert_true(summary_hidden(0, 5));
    assert_true(summary_hidden(4, 5));
    assert_false(summary_hidden(5, 5));
    assert_false(summary_hidden(1000000, 5));
    assert_true(summary_hidden(9, 10));
}

/* The threshold is a setting: 5 until one is set, refused out of range (and then unchanged),
 * audited when changed. */
static void test_threshold_setting(void **state)
{
    struct testdb *x = *state;
    int t = 0;
    assert_int_equal(summary_threshold(x->st, &t, &x->e), 0);
    assert_int_equal(t, 5);
    assert_int_equal(summary_set_threshold(x->st, 10, NULL, &x->e), 0);
    assert_int_equal(summary_threshold(x->st, &t, &x->e), 0);
    assert_int_equal(t, 10);
    assert_int_equal(summary_set_threshold(x->st, 1, NULL, &x->e), ERR_INVALID);
    assert_int_equal(summary_set_threshold(x->st, 101, NULL, &x->e), ERR_INVALID);
    assert_int_equal(summary_threshold(x->st, &t, &x->e), 0);
    assert_int_equal(t, 10);
    struct store_stmt *s = store_prepare(x->st, "SELECT count(*) FROM audit_log WHERE action = 'settings.set'", &x->e);
    assert_non_null(s);
    assert_int_equal(store_step(s, &x->e), 1);
    assert_int_equal(store_col_int(s, 0), 1);
    store_done(s);
}

static void test_what_is_indexed(void **state)
{
    struct testdb *x = *state;
    assert_int_equal(summary_kind_of(field(x, "online")), SUMMARY_CHOICES);
    assert_int_equal(summary_kind_of(field(x, "needs")), SUMMARY_CHOICES);
    assert_int_equal(summary_kind_of(field(x, "priority")), SUMMARY_CHOICES);
    assert_int_equal(summary_kind_of(field(x, "learners")), SUMMARY_NUMBERS);
    assert_int_equal(summary_kind_of(field(x, "comment")), SUMMARY_TEXT);
    assert_int_equal(summary_kind_of(field(x, "contact")), SUMMARY_NONE);  /* personal */
    assert_int_equal(summary_kind_of(field(x, "visit")), SUMMARY_NONE);    /* a date */
    assert_int_equal(summary_kind_of(field(x, "trained")), SUMMARY_NONE);  /* in a repeat */
    static const char q[] = "SELECT COUNT(*) FROM submission_values v JOIN submission_value_fields f ON f.id = v.field"
                            " WHERE f.field = ?";
    assert_int_equal(query_int(x, q, "contact"), 0);
    assert_int_equal(query_int(x, q, "visit"), 0);
    assert_int_equal(query_int(x, q, "trained"), 0);
    /* 10 online + 11 needs + 2 priority + 10 learners + 3 comments */
    assert_int_equal(query_int(x, "SELECT COUNT(*) FROM submission_values", NULL), 36);
    /* rank keeps the position as its number: "training devices" */
    assert_int_equal(query_int(x, "SELECT number FROM submission_values WHERE value = ? AND field ="
                                  " (SELECT id FROM submission_value_fields WHERE field = 'priority')", "training"), 1);
    assert_int_equal(query_int(x, "SELECT number FROM submission_values WHERE value = ? AND field ="
                                  " (SELECT id FROM submission_value_fields WHERE field = 'priority')", "devices"), 2);
    int64_t total;
    assert_int_equal(summary_total(x->st, "summary-test", &total, &x->e), 0);
    assert_int_equal(total, 10);
}

static void test_select_one(void **state)
{
    struct testdb *x = *state;
    struct summary_choices sc;
    assert_int_equal(summary_choices(x->st, &x->a, "summary-test", field(x, "online"), &sc, &x->e), 0);
    assert_int_equal(sc.respondents, 10);
    assert_int_equal(sc.n, 2); /* no lump: every value is a choice */
    assert_string_equal(sc.cats[0].value, "yes");
    assert_ptr_equal(sc.cats[0].choice, &x->f->lists[0].choices[0]);
    assert_int_equal(count_of(&sc, "yes"), 7);
    assert_int_equal(count_of(&sc, "no"), 3);
    assert_false(summary_hidden(count_of(&sc, "yes"), SUMMARY_THRESHOLD_DEFAULT));
    assert_true(summary_hidden(count_of(&sc, "no"), SUMMARY_THRESHOLD_DEFAULT)); /* shown as "fewer than 5" */
}

static void test_select_multiple_percentages(void **state)
{
    struct testdb *x = *state;
    struct summary_choices sc;
    assert_int_equal(summary_choices(x->st, &x->a, "summary-test", field(x, "needs"), &sc, &x->e), 0);
    assert_int_equal(sc.respondents, 8);
    assert_int_equal(count_of(&sc, "devices"), 6);
    assert_int_equal(count_of(&sc, "training"), 5);
    double p1 = 100.0 * (double)count_of(&sc, "devices") / (double)sc.respondents;
    double p2 = 100.0 * (double)count_of(&sc, "training") / (double)sc.respondents;
    assert_float_equal(p1, 75.0, 1e-9);
    assert_float_equal(p2, 62.5, 1e-9);
    assert_float_equal(p1 + p2, 137.5, 1e-9); /* over respondents: more than 100% together */
}

static void test_numbers(void **state)
{
    struct testdb *x = *state;
    struct summary_numbers sn;
    assert_int_equal(summary_numbers(x->st, "summary-test", field(x, "learners"), &sn, &x->e), 0);
    assert_int_equal(sn.n, 10);
    assert_float_equal(sn.mean, 55, 1e-9);
    assert_float_equal(sn.min, 10, 1e-9);
    assert_float_equal(sn.max, 100, 1e-9);
    assert_float_equal(sn.q1, 32.5, 1e-9);
    assert_float_equal(sn.median, 55, 1e-9);
    assert_float_equal(sn.q3, 77.5, 1e-9);
    /* A field nobody answered with a number. */
    assert_int_equal(summary_numbers(x->st, "summary-test", field(x, "online"), &sn, &x->e), 0);
    assert_int_equal(sn.n, 0);
}

static void test_texts_newest_first_and_paged(void **state)
{
    struct testdb *x = *state;
    struct summary_texts t;
    assert_int_equal(summary_texts(x->st, &x->a, "summary-test", field(x, "comment"), 0, SUMMARY_TEXT_PAGE, &t, &x->e), 0);
    assert_int_equal(t.total, 3);
    assert_int_equal(t.n, 3);
    assert_string_equal(t.items[0], "fifth");
    assert_string_equal(t.items[1], "third");
    assert_string_equal(t.items[2], "first");
    assert_int_equal(summary_texts(x->st, &x->a, "summary-test", field(x, "comment"), 1, 1, &t, &x->e), 0);
    assert_int_equal(t.n, 1);
    assert_string_equal(t.items[0], "third");
    assert_int_equal(summary_texts(x->st, &x->a, "summary-test", field(x, "comment"), 3, 50, &t, &x->e), 0);
    assert_int_equal(t.n, 0);
    assert_int_equal(t.total, 3);
}

static void test_crosstab_select_by_select(void **state)
{
    struct testdb *x = *state;
    struct summary_crosstab c;
    assert_int_equal(summary_crosstab(x->st, &x->a, "summary-test", field(x, "needs"), field(x, "online"), &c, &x->e), 0);
    /* devices: 1,2,3,5,7,9, all online; training: yes 1,3,7, no 4,8. */
    assert_int_equal(c.nrows, 2);
    assert_int_equal(c.ncols, 2);
    assert_string_equal(c.rows[0].value, "devices");
    assert_string_equal(c.cols[1].value, "no");
    assert_int_equal(c.cells[0 * 2 + 0], 6);
    assert_int_equal(c.cells[0 * 2 + 1], 0);
    assert_int_equal(c.cells[1 * 2 + 0], 3);
    assert_int_equal(c.cells[1 * 2 + 1], 2);
    /* Totals count respondents who answered both: 8; needs' rows 6 and 5 add up to 11 > 8. */
    assert_int_equal(c.row_totals[0], 6);
    assert_int_equal(c.row_totals[1], 5);
    assert_int_equal(c.col_totals[0], 6);
    assert_int_equal(c.col_totals[1], 2);
    assert_int_equal(c.total, 8);
}

static void test_crosstab_numbers_by_select(void **state)
{
    struct testdb *x = *state;
    struct summary_crosstab c;
    assert_int_equal(summary_crosstab(x->st, &x->a, "summary-test", field(x, "learners"), field(x, "online"), &c, &x->e), 0);
    /* Ranges at the quartiles: [10, 32.5] 10 20 30; (32.5, 55] 40n 50; (55, 77.5] 60n 70;
     * (77.5, 100] 80n 90 100. */
    assert_int_equal(c.nrows, 4);
    assert_true(c.rows[0].is_bin);
    assert_float_equal(c.rows[0].lo, 10, 1e-9);
    assert_float_equal(c.rows[0].hi, 32.5, 1e-9);
    assert_float_equal(c.rows[3].lo, 77.5, 1e-9);
    assert_float_equal(c.rows[3].hi, 100, 1e-9);
    static const int64_t want[4][2] = {{3, 0}, {1, 1}, {1, 1}, {2, 1}};
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 2; j++) assert_int_equal(c.cells[i * 2 + j], want[i][j]);
    assert_int_equal(c.row_totals[0], 3);
    assert_int_equal(c.row_totals[3], 3);
    assert_int_equal(c.col_totals[0], 7);
    assert_int_equal(c.col_totals[1], 3);
    assert_int_equal(c.total, 10);
}

static void test_crosstab_refuses_text_and_non_select_columns(void **state)
{
    struct testdb *x = *state;
    struct summary_crosstab c;
    assert_int_equal(summary_crosstab(x->st, &x->a, "summary-test", field(x, "comment"), field(x, "online"), &c, &x->e),
                     ERR_INVALID);
    assert_int_equal(summary_crosstab(x->st, &x->a, "summary-test", field(x, "online"), field(x, "learners"), &c, &x->e),
                     ERR_INVALID);
}

static void test_unlisted_values_are_lumped(void **state)
{
    struct testdb *x = *state;
    /* A value no choice has (from an older version, say): counted, in one lump at the end. */
    struct answers *ans = parse(x, "{\"online\": \"yes\"}");
    answers_set(ans, "needs", 0, "devices laptops");
    assert_int_equal(submission_insert(x->st, &x->a, x->f, x->v.id, "en", ans, false, NULL, NULL, &x->e), 0);
    struct summary_choices sc;
    assert_int_equal(summary_choices(x->st, &x->a, "summary-test", field(x, "needs"), &sc, &x->e), 0);
    assert_int_equal(sc.n, 3);
    assert_null(sc.cats[2].value);
    assert_int_equal(count_of(&sc, NULL), 1);
    assert_int_equal(count_of(&sc, "devices"), 7);
    assert_int_equal(sc.respondents, 9);
}

static void test_revision_leaves_the_index(void **state)
{
    struct testdb *x = *state;
    /* Answer set 1 (online yes) is corrected to no. */
    struct submission rev;
    assert_int_equal(submission_revise(x->st, &x->a, x->f, x->v.id, x->ids[0],
                                       parse(x, "{\"online\": \"no\", \"learners\": \"10\"}"), NULL, &rev, &x->e), 0);
    assert_int_equal(rev.revision, 2);
    assert_string_equal(rev.status, "submitted");
    struct summary_choices sc;
    assert_int_equal(summary_choices(x->st, &x->a, "summary-test", field(x, "online"), &sc, &x->e), 0);
    assert_int_equal(sc.respondents, 10);
    assert_int_equal(count_of(&sc, "yes"), 6);
    assert_int_equal(count_of(&sc, "no"), 4);
    assert_int_equal(query_int(x, "SELECT COUNT(*) FROM submission_values WHERE submission ="
                                  " (SELECT seq FROM submissions WHERE id = ?)", x->ids[0]), 0);
    assert_int_equal(query_int(x, "SELECT COUNT(*) FROM submissions WHERE id = ? AND seq IS NULL AND is_current = 0",
                               x->ids[0]), 1);
    int64_t total;
    assert_int_equal(summary_total(x->st, "summary-test", &total, &x->e), 0);
    assert_int_equal(total, 10);
    /* Only the current revision can be revised. */
    assert_int_equal(submission_revise(x->st, &x->a, x->f, x->v.id, x->ids[0], parse(x, "{}"), NULL, NULL, &x->e),
                     ERR_CONFLICT);
}

static void test_erasure_cascades(void **state)
{
    struct testdb *x = *state;
    struct store_stmt *s = store_prepare(x->st, "DELETE FROM submissions WHERE id = ?", &x->e);
    store_bind_text(s, 1, x->ids[2]);
    assert_int_equal(store_run(s, &x->e), 0);
    store_done(s);
    /* Answer set 3 had online, two needs, learners and a comment: 5 rows fewer. */
    assert_int_equal(query_int(x, "SELECT COUNT(*) FROM submission_values", NULL), 31);
    assert_int_equal(query_int(x, "SELECT COUNT(*) FROM submission_values WHERE value = ?", "third"), 0);
}

static void test_rebuild_from_json(void **state)
{
    struct testdb *x = *state;
    assert_int_equal(store_exec(x->st, "DELETE FROM submission_values", &x->e), 0);
    struct arena scratch;
    arena_init(&scratch, 0);
    assert_int_equal(store_begin(x->st, &x->e), 0);
    assert_int_equal(values_rebuild(x->st, &scratch, x->f, &x->e), 10);
    assert_int_equal(store_commit(x->st, &x->e), 0);
    arena_free(&scratch);
    assert_int_equal(query_int(x, "SELECT COUNT(*) FROM submission_values", NULL), 36);
    /* The order of arrival is kept: newest text first as before. */
    struct summary_texts t;
    assert_int_equal(summary_texts(x->st, &x->a, "summary-test", field(x, "comment"), 0, 1, &t, &x->e), 0);
    assert_string_equal(t.items[0], "fifth");
}

static void test_submit_draft_indexes_once(void **state)
{
    struct testdb *x = *state;
    struct submission d;
    assert_int_equal(submission_create_draft(x->st, &x->a, "summary-test", x->v.id, "en", &d, &x->e), 0);
    assert_int_equal(query_int(x, "SELECT COUNT(*) FROM submissions WHERE id = ? AND seq IS NULL", d.id), 1);
    assert_int_equal(submission_insert(x->st, &x->a, x->f, x->v.id, "en", parse(x, "{\"comment\": \"meanwhile\"}"),
                                       false, NULL, NULL, &x->e), 0);
    struct answers *ans = parse(x, "{\"online\": \"no\", \"needs\": \"training\", \"comment\": \"late\"}");
    assert_int_equal(submission_submit(x->st, x->f, d.id, ans, &x->e), 0);
    assert_int_equal(submission_submit(x->st, x->f, d.id, ans, &x->e), ERR_CONFLICT);
    assert_int_equal(query_int(x, "SELECT COUNT(*) FROM submission_values WHERE value = ?", "late"), 1);
    /* It arrived last, so it is the newest text although its draft was started before 'meanwhile'. */
    struct summary_texts t;
    assert_int_equal(summary_texts(x->st, &x->a, "summary-test", field(x, "comment"), 0, 1, &t, &x->e), 0);
    assert_string_equal(t.items[0], "late");
    struct summary_choices sc;
    assert_int_equal(summary_choices(x->st, &x->a, "summary-test", field(x, "online"), &sc, &x->e), 0);
    assert_int_equal(count_of(&sc, "no"), 4);
    assert_int_equal(sc.respondents, 11); /* 'meanwhile' did not answer it */
}

/* A database made before migration 3, with answer sets in it: opening it with schema_open adds
 * the value index and fills it from the stored JSON. */
static void test_upgrade_indexes_earlier_answers(void **state)
{
    (void)state;
    struct testdb x;
    testdb_init(&x, "summary-test");
    x.st = store_open(x.db, NULL, &x.e);
    assert_non_null(x.st);
    assert_int_equal(store_migrate(x.st, schema_migrations, 2, NULL, &x.e), 0);
    /* The form as version 2 stored it: by hand, since today's import also writes the audit trail,
     * which did not exist yet. */
    struct form_problems ps = {0};
    assert_int_equal(xlsform_read_memory(&x.a, "md", form_md, strlen(form_md), NULL, &x.f, &ps), 0);
    assert_int_equal(store_exec(x.st, "INSERT INTO forms (form_id, title, created_at, updated_at) VALUES"
                                      " ('summary-test', 'Summary test', '2026-01-01', '2026-01-01')", &x.e), 0);
    struct store_stmt *v = store_prepare(x.st, "INSERT INTO form_versions (id, form_id, seq, version, source_format,"
                                               " source_name, source, created_at) VALUES ('v-1', 'summary-test', 1, '1',"
                                               " 'md', 'summary-test.md', ?, '2026-01-01')", &x.e);
    store_bind_blob(v, 1, form_md, strlen(form_md));
    assert_int_equal(store_run(v, &x.e), 0);
    store_done(v);
    x.v.id = "v-1";
    for (int i = 0; i < 10; i++) { /* as version 2 stored them: the answers as JSON, nothing else */
        struct store_stmt *s = store_prepare(
            x.st, "INSERT INTO submissions (id, instance_id, form_id, form_version_id, status, lang, answers,"
                  " started_at, submitted_at, updated_at) VALUES (?, ?, 'summary-test', ?, 'submitted', 'en', ?,"
                  " '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')", &x.e);
        char id[16];
        snprintf(id, sizeof id, "old-%02d", i);
        store_bind_text(s, 1, id);
        store_bind_text(s, 2, id);
        store_bind_text(s, 3, x.v.id);
        store_bind_text(s, 4, answer_sets[i]);
        assert_int_equal(store_run(s, &x.e), 0);
        store_done(s);
    }
    store_close(x.st);
    int applied = 0;
    x.st = schema_open(x.db, false, &applied, &x.e);
    if (!x.st) fail_msg("schema_open: %s", x.e.msg);
    assert_int_equal(applied, (int)schema_migration_count - 2); /* every migration after 2 */
    assert_int_equal(query_int(&x, "SELECT COUNT(*) FROM submission_values", NULL), 36);
    assert_int_equal(query_int(&x, "SELECT COUNT(*) FROM settings WHERE key = ?", "submission_values_pending"), 0);
    struct summary_texts t; /* the order of arrival is their order in the table */
    assert_int_equal(summary_texts(x.st, &x.a, "summary-test", field(&x, "comment"), 0, 1, &t, &x.e), 0);
    assert_string_equal(t.items[0], "fifth");
    testdb_close(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quantiles_type7),
        cmocka_unit_test(test_threshold),
        cmocka_unit_test_setup_teardown(test_threshold_setting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_what_is_indexed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_select_one, setup, teardown),
        cmocka_unit_test_setup_teardown(test_select_multiple_percentages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_numbers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_texts_newest_first_and_paged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crosstab_select_by_select, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crosstab_numbers_by_select, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crosstab_refuses_text_and_non_select_columns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unlisted_values_are_lumped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_revision_leaves_the_index, setup, teardown),
        cmocka_unit_test_setup_teardown(test_erasure_cascades, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rebuild_from_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_submit_draft_indexes_once, setup, teardown),
        cmocka_unit_test(test_upgrade_indexes_earlier_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

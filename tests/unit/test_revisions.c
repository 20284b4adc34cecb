/* Tests for forms/revisions: reading an answer set with its history, the list of current answer
 * sets, and corrections made through a draft (seeded, then turned into the new revision); the
 * conflict when two corrections of the same revision race; summaries counting current revisions
 * only; and the files of an answer set following it into its revisions (attachment_carry, also
 * through submission_revise). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forms/attachments.h"
#include "forms/revisions.h"
#include "forms/submissions.h"
#include "forms/summary.h"
#include "testdb.h"

static const char form_md[] =
    "| survey |\n"
    "| | type | name | label::English (en) | label::Français (fr) |\n"
    "| | select_one yesno | online | Online? | En ligne ? |\n"
    "| | integer | learners | Learners | Élèves |\n"
    "| | image | photo | Photo | Photo |\n"
    "\n"
    "| choices |\n"
    "| | list_name | name | label::English (en) | label::Français (fr) |\n"
    "| | yesno | yes | Yes | Oui |\n"
    "| | yesno | no | No | Non |\n"
    "\n"
    "| settings |\n"
    "| | form_title | form_id | version | default_language |\n"
    "| | Revisions test | rev-test | %s | English (en) |\n";

static const char png[] = "\x89PNG\r\n\x1a\n0000";

static void import_version(struct testdb *x, const char *version)
{
    char md[sizeof form_md + 16];
    snprintf(md, sizeof md, form_md, version);
    testdb_import(x, arena_strdup(&x->a, md), "rev-test.md");
}

/* Three answer sets, at known times (the list is newest first): ids[0] in French. */
static int setup(void **state)
{
    struct testdb *x = calloc(1, sizeof *x);
    testdb_open(x, "revisions-test");
    import_version(x, "1");
    testdb_submit(x, "fr", "2026-01-01T10:00:00.000Z", "{\"online\": \"yes\", \"learners\": \"10\"}");
    testdb_submit(x, "en", "2026-01-02T10:00:00.000Z", "{\"online\": \"yes\", \"learners\": \"20\"}");
    testdb_submit(x, "en", "2026-01-03T10:00:00.000Z", "{\"online\": \"no\", \"learners\": \"30\"}");
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

static int64_t count_online(struct testdb *x, const char *value)
{
    struct summary_choices sc;
    assert_int_equal(summary_choices(x->st, &x->a, "rev-test", form_field_by_name(x->f, "online"), &sc, &x->e), 0);
    for (size_t i = 0; i < sc.n; i++)
        if (sc.cats[i].value && strcmp(sc.cats[i].value, value) == 0) return sc.counts[i];
    return -1;
}

static struct submission start(struct testdb *x, const char *previous_id)
{
    struct submission d;
    if (revision_start_correction(x->st, &x->a, previous_id, NULL, &d, &x->e) < 0)
        fail_msg("start: %s", x->e.msg);
    return d;
}

/* ---- tests ---------------------------------------------------------------------------------- */

static void test_get_a_first_revision(void **state)
{
    struct testdb *x = *state;
    struct revision r;
    assert_int_equal(revision_get(x->st, &x->a, x->ids[0], &r, &x->e), 0);
    assert_string_equal(r.form_id, "rev-test");
    assert_string_equal(r.form_version, "1");
    assert_int_equal(r.revision, 1);
    assert_null(r.supersedes);
    assert_true(r.is_current);
    assert_string_equal(r.current_id, x->ids[0]);
    assert_string_equal(r.lang, "fr");
    assert_string_equal(r.submitted_at, "2026-01-01T10:00:00.000Z");
    assert_non_null(strstr(r.answers, "\"learners\":\"10\""));
    assert_int_equal(revision_get(x->st, &x->a, "no-such-id", &r, &x->e), ERR_NOT_FOUND);
}

static void test_list_newest_first_with_pages(void **state)
{
    struct testdb *x = *state;
    struct revision_row *rows;
    size_t n;
    int64_t total;
    assert_int_equal(revision_list_current(x->st, &x->a, "rev-test", 0, 2, &rows, &n, &total, &x->e), 0);
    assert_int_equal(total, 3);
    assert_int_equal(n, 2);
    assert_string_equal(rows[0].id, x->ids[2]);
    assert_string_equal(rows[1].id, x->ids[1]);
    assert_int_equal(revision_list_current(x->st, &x->a, "rev-test", 2, 2, &rows, &n, &total, &x->e), 0);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].id, x->ids[0]);
    assert_int_equal(rows[0].revision, 1);
    assert_int_equal(revision_list_current(x->st, &x->a, "other-form", 0, 50, &rows, &n, &total, &x->e), 0);
    assert_int_equal(n, 0);
    assert_int_equal(total, 0);
}

/* A correction through a draft, for the version the answer set answered even when a newer one
 * exists, seeded with its answers; the draft is not one of the form's unfinished answer sets. */
static void test_draft_is_seeded_and_not_counted(void **state)
{
    struct testdb *x = *state;
    const char *v1 = x->v.id;
    import_version(x, "2");
    int64_t submitted, drafts;
    assert_int_equal(form_store_counts(x->st, "rev-test", &submitted, &drafts, &x->e), 0);
    struct submission d = start(x, x->ids[0]);
    assert_non_null(d.token);
    assert_string_equal(d.instance_id, arena_printf(&x->a, "uuid:%s", x->ids[0]));
    assert_int_equal(d.revision, 2);
    assert_true(revision_is_correction(&d));
    struct submission by_token;
    assert_int_equal(submission_by_token(x->st, &x->a, d.token, &by_token, &x->e), 0);
    assert_string_equal(by_token.status, "draft");
    assert_string_equal(by_token.form_version_id, v1);
    assert_string_equal(by_token.lang, "fr");
    assert_string_equal(by_token.answers, d.answers);
    assert_non_null(strstr(by_token.answers, "\"learners\":\"10\""));
    int64_t submitted2, drafts2;
    assert_int_equal(form_store_counts(x->st, "rev-test", &submitted2, &drafts2, &x->e), 0);
    assert_int_equal(submitted2, submitted);
    assert_int_equal(drafts2, drafts);
    struct revision r;
    assert_int_equal(revision_get(x->st, &x->a, d.id, &r, &x->e), 0);
    assert_string_equal(r.supersedes, x->ids[0]);
    assert_false(r.is_current);
    assert_string_equal(r.current_id, x->ids[0]); /* the draft is not the answer set's current one */
    /* The language chosen by whoever corrects it is the draft's, while it is a draft. */
    struct submission d2;
    assert_int_equal(revision_start_correction(x->st, &x->a, x->ids[0], "en", &d2, &x->e), 0);
    assert_string_equal(d2.lang, "en");
}

static void test_submit_makes_the_draft_the_current_revision(void **state)
{
    struct testdb *x = *state;
    assert_int_equal(count_online(x, "yes"), 2);
    struct submission d = start(x, x->ids[0]);
    assert_int_equal(revision_submit_correction(x->st, &x->a, x->f, d.id,
                                                testdb_answers(x, "{\"online\": \"no\", \"learners\": \"11\"}"), NULL, &x->e), 0);
    struct revision old, now;
    assert_int_equal(revision_get(x->st, &x->a, x->ids[0], &old, &x->e), 0);
    assert_false(old.is_current);
    assert_string_equal(old.current_id, d.id);
    assert_int_equal(revision_get(x->st, &x->a, d.id, &now, &x->e), 0);
    assert_string_equal(now.status, "submitted");
    assert_true(now.is_current);
    assert_int_equal(now.revision, 2);
    assert_string_equal(now.supersedes, x->ids[0]);
    assert_string_equal(now.instance_id, old.instance_id);
    assert_string_equal(now.lang, "fr"); /* the respondent's language stays */
    assert_non_null(strstr(now.answers, "\"learners\":\"11\""));
    assert_int_equal(query_int(x, "SELECT COUNT(*) FROM submissions WHERE id = ? AND resume_code IS NULL AND seq IS NOT NULL",
                               d.id), 1);
    assert_int_equal(query_int(x, "SELECT COUNT(*) FROM submissions WHERE id = ? AND seq IS NULL", x->ids[0]), 1);
    /* Summaries count the current revision only: 3 answer sets, one more "no", one less "yes". */
    int64_t total;
    assert_int_equal(summary_total(x->st, "rev-test", &total, &x->e), 0);
    assert_int_equal(total, 3);
    assert_int_equal(count_online(x, "yes"), 1);
    assert_int_equal(count_online(x, "no"), 2);
    /* The list shows the answer set once, as its current revision, now the newest. */
    struct revision_row *rows;
    size_t n;
    assert_int_equal(revision_list_current(x->st, &x->a, "rev-test", 0, 50, &rows, &n, &total, &x->e), 0);
    assert_int_equal(n, 3);
    assert_string_equal(rows[0].id, d.id);
    assert_int_equal(rows[0].revision, 2);
    /* Submitting again: it is no longer a draft. */
    assert_int_equal(revision_submit_correction(x->st, &x->a, x->f, d.id, testdb_answers(x, "{}"), NULL, &x->e), ERR_CONFLICT);
}

/* Two corrections of the same revision: the second is refused and its draft kept as it was. */
static void test_second_correction_conflicts_and_keeps_its_draft(void **state)
{
    struct testdb *x = *state;
    struct submission a = start(x, x->ids[1]), b = start(x, x->ids[1]);
    assert_int_equal(revision_submit_correction(x->st, &x->a, x->f, a.id, testdb_answers(x, "{\"learners\": \"21\"}"), NULL, &x->e), 0);
    assert_int_equal(revision_submit_correction(x->st, &x->a, x->f, b.id, testdb_answers(x, "{\"learners\": \"22\"}"), NULL, &x->e),
                     ERR_CONFLICT);
    struct revision rb;
    assert_int_equal(revision_get(x->st, &x->a, b.id, &rb, &x->e), 0);
    assert_string_equal(rb.status, "draft");
    assert_string_equal(rb.current_id, a.id);
    assert_int_equal(query_int(x, "SELECT COUNT(*) FROM submissions WHERE instance_id = (SELECT instance_id FROM submissions"
                                  " WHERE id = ?) AND status = 'submitted' AND is_current = 1", x->ids[1]), 1);
    /* Nor can a correction start from a revision that is no longer current, or from nothing. */
    struct submission d;
    assert_int_equal(revision_start_correction(x->st, &x->a, x->ids[1], NULL, &d, &x->e), ERR_CONFLICT);
    assert_int_equal(revision_start_correction(x->st, &x->a, "no-such-id", NULL, &d, &x->e), ERR_NOT_FOUND);
    assert_int_equal(revision_start_correction(x->st, &x->a, b.id, NULL, &d, &x->e), ERR_NOT_FOUND);
    /* A respondent's draft is not a correction. */
    struct submission plain;
    assert_int_equal(submission_create_draft(x->st, &x->a, "rev-test", x->v.id, "en", &plain, &x->e), 0);
    assert_false(revision_is_correction(&plain));
    assert_int_equal(revision_submit_correction(x->st, &x->a, x->f, plain.id, testdb_answers(x, "{}"), NULL, &x->e), ERR_INVALID);
}

/* The chain, through the API's submission_revise and a draft alike. */
static void test_history_in_order(void **state)
{
    struct testdb *x = *state;
    struct submission r2;
    assert_int_equal(submission_revise(x->st, &x->a, x->f, x->v.id, x->ids[2], testdb_answers(x, "{\"learners\": \"31\"}"),
                                       NULL, &r2, &x->e), 0);
    struct submission d = start(x, r2.id);
    assert_int_equal(d.revision, 3);
    assert_int_equal(revision_submit_correction(x->st, &x->a, x->f, d.id, testdb_answers(x, "{\"learners\": \"32\"}"), NULL, &x->e), 0);
    struct revision r;
    assert_int_equal(revision_get(x->st, &x->a, x->ids[2], &r, &x->e), 0);
    struct revision_row *rows;
    size_t n;
    assert_int_equal(revision_history(x->st, &x->a, "rev-test", r.instance_id, &rows, &n, &x->e), 0);
    assert_int_equal(n, 3);
    assert_string_equal(rows[0].id, x->ids[2]);
    assert_string_equal(rows[1].id, r2.id);
    assert_string_equal(rows[2].id, d.id);
    assert_false(rows[0].is_current);
    assert_false(rows[1].is_current);
    assert_true(rows[2].is_current);
    assert_int_equal(rows[2].revision, 3);
    assert_string_equal(r.current_id, d.id);
}

/* A file answered earlier follows the answer set into a revision that still names it; one the
 * correction replaced or dropped does not. */
static void test_files_follow_the_revision(void **state)
{
    struct testdb *x = *state;
    const char *id = testdb_submit(x, "en", NULL, "{\"online\": \"yes\", \"photo\": \"class.png\"}");
    assert_int_equal(attachment_put(x->st, id, "photo", 0, "class.png", "image/png", png, sizeof png - 1, &x->e), 0);
    struct submission r2;
    assert_int_equal(submission_revise(x->st, &x->a, x->f, x->v.id, id,
                                       testdb_answers(x, "{\"online\": \"no\", \"photo\": \"class.png\"}"), NULL, &r2, &x->e), 0);
    assert_int_equal(query_int(x, "SELECT COUNT(*) FROM attachments WHERE submission_id = ? AND filename = 'class.png'", r2.id), 1);
    assert_int_equal(query_int(x, "SELECT COUNT(*) FROM attachments WHERE submission_id = ?", id), 1); /* kept too */
    /* Through a draft where a new photo was sent while correcting: the new one stays. */
    struct submission d = start(x, r2.id);
    assert_int_equal(attachment_put(x->st, d.id, "photo", 0, "new.png", "image/png", png, sizeof png - 1, &x->e), 0);
    assert_int_equal(revision_submit_correction(x->st, &x->a, x->f, d.id,
                                                testdb_answers(x, "{\"online\": \"no\", \"photo\": \"new.png\"}"), NULL, &x->e), 0);
    assert_int_equal(query_int(x, "SELECT COUNT(*) FROM attachments WHERE submission_id = ?", d.id), 1);
    assert_int_equal(query_int(x, "SELECT COUNT(*) FROM attachments WHERE submission_id = ? AND filename = 'new.png'", d.id), 1);
    /* A revision without the photo has no file. */
    struct submission r4;
    assert_int_equal(submission_revise(x->st, &x->a, x->f, x->v.id, d.id, testdb_answers(x, "{\"online\": \"no\"}"), NULL, &r4, &x->e), 0);
    assert_int_equal(query_int(x, "SELECT COUNT(*) FROM attachments WHERE submission_id = ?", r4.id), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_get_a_first_revision, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_newest_first_with_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_draft_is_seeded_and_not_counted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_submit_makes_the_draft_the_current_revision, setup, teardown),
        cmocka_unit_test_setup_teardown(test_second_correction_conflicts_and_keeps_its_draft, setup, teardown),
        cmocka_unit_test_setup_teardown(test_history_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_files_follow_the_revision, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Tests for program/programme and program/campaign: the rules (slugs, dates, sizes, the order of
 * phases), that every change is audited in its own transaction and a refused one writes nothing,
 * and campaigns' response counts (the form's answer sets first submitted between the campaign's
 * days, corrections counted once). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "forms/submissions.h"
#include "program/campaign.h"
#include "program/programme.h"
#include "testdb.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char form_md[] =
    "| survey |\n"
    "| | type | name | label |\n"
    "| | integer | learners | Learners |\n"
    "\n"
    "| settings |\n"
    "| | form_title | form_id | version |\n"
    "| | Campaign test | camp-test | 1 |\n";

static int setup(void **state)
{
    static struct testdb x;
    testdb_open(&x, "programmes");
    testdb_import(&x, form_md, "camp-test.md");
    *state = &x;
    return 0;
}

static int teardown(void **state)
{
    testdb_close(*state);
    return 0;
}

static int64_t query_int(struct testdb *x, const char *sql, const char *arg)
{
    struct store_stmt *s = store_prepare(x->st, sql, &x->e);
    if (!s) fail_msg("prepare: %s", x->e.msg);
    if (arg) store_bind_text(s, 1, arg);
    int64_t v = store_step(s, &x->e) == 1 ? store_col_int(s, 0) : -1;
    store_done(s);
    return v;
}

static const struct audit_actor coordinator = {"u-1", "coordinator@example.org"};

static struct programme valid(void)
{
    return (struct programme){.slug = "pilot-2026", .name = "Pilot 2026", .summary = "", .starts_on = "2026-01-01",
                              .ends_on = "2026-12-31", .pilot_size = 10, .devices_per_institution = 10};
}

static bool has_problem(const struct programme_problems *pp, const char *field)
{
    for (size_t i = 0; i < pp->n; i++)
        if (strcmp(pp->item[i].field, field) == 0) return true;
    return false;
}

static void test_dates_and_slugs(void **state)
{
    (void)state;
    assert_true(programme_date_valid("2026-01-12"));
    assert_true(programme_date_valid("2028-02-29")); /* leap year */
    assert_false(programme_date_valid("2026-02-29"));
    assert_false(programme_date_valid("2100-02-29")); /* not a leap year */
    assert_true(programme_date_valid("2000-02-29"));
    assert_false(programme_date_valid("2026-13-01"));
    assert_false(programme_date_valid("2026-04-31"));
    assert_false(programme_date_valid("26-01-12"));
    assert_false(programme_date_valid("2026-1-12"));
    assert_false(programme_date_valid(""));
    assert_false(programme_date_valid(NULL));
    assert_true(programme_slug_valid("bridging-2026"));
    assert_true(programme_slug_valid("ab"));
    assert_false(programme_slug_valid("a"));
    assert_false(programme_slug_valid("new"));
    assert_false(programme_slug_valid("-lead"));
    assert_false(programme_slug_valid("trail-"));
    assert_false(programme_slug_valid("two--hyphens"));
    assert_false(programme_slug_valid("Upper"));
    assert_false(programme_slug_valid("o'brien"));
    assert_false(programme_slug_valid("a/b"));
    assert_false(programme_slug_valid("caf\xc3\xa9"));
    char long_slug[PROGRAMME_SLUG_MAX + 2];
    memset(long_slug, 'a', sizeof long_slug - 1);
    long_slug[sizeof long_slug - 1] = '\0';
    assert_false(programme_slug_valid(long_slug));
    long_slug[PROGRAMME_SLUG_MAX] = '\0';
    assert_true(programme_slug_valid(long_slug));
}

static void test_programme_rules(void **state)
{
    (void)state;
    struct programme p = valid();
    struct programme_problems pp = {.n = 0};
    assert_int_equal(programme_validate(&p, &pp), 0);
    /* the bounds: pilot size 1 to 1000, devices 0 to 1000 */
    int pilots[] = {0, 1, 1000, 1001, -1}, pilot_ok[] = {0, 1, 1, 0, 0};
    for (size_t i = 0; i < COUNT(pilots); i++) {
        p = valid();
        p.pilot_size = pilots[i];
        pp.n = 0;
        programme_validate(&p, &pp);
        assert_int_equal(has_problem(&pp, "pilot_size"), !pilot_ok[i]);
    }
    int devices[] = {-1, 0, 1000, 1001}, devices_ok[] = {0, 1, 1, 0};
    for (size_t i = 0; i < COUNT(devices); i++) {
        p = valid();
        p.devices_per_institution = devices[i];
        pp.n = 0;
        programme_validate(&p, &pp);
        assert_int_equal(has_problem(&pp, "devices"), !devices_ok[i]);
    }
    /* everything wrong at once: every field named, so the page can say it beside each */
    p = (struct programme){.slug = "Bad Slug", .name = "", .starts_on = "2026-12-31", .ends_on = "2026-01-01",
                           .pilot_size = 5, .devices_per_institution = 10, .min_informal = 6,
                           .min_rural_percent = 101, .max_per_country = -1};
    pp.n = 0;
    assert_int_equal(programme_validate(&p, &pp), 6);
    const char *fields[] = {"name", "slug", "ends_on", "max_per_country", "min_informal", "min_rural_percent"};
    for (size_t i = 0; i < COUNT(fields); i++) assert_true(has_problem(&pp, fields[i]));
    /* open dates are fine; a date that is no day is not */
    p = valid();
    p.starts_on = NULL;
    p.ends_on = "";
    pp.n = 0;
    assert_int_equal(programme_validate(&p, &pp), 0);
    p.starts_on = "2026-02-30";
    assert_int_equal(programme_validate(&p, &pp), 1);
    assert_string_equal(pp.item[0].field, "starts_on");
}

static void test_phase_rules(void **state)
{
    (void)state;
    struct programme p = valid();
    struct programme_problems pp = {.n = 0};
    /* overlapping is fine (training and feedback together), in any order given */
    struct programme_phase ok[] = {
        {NULL, "feedback", "2026-09-14", "2026-12-01"},
        {NULL, "campaign", "2026-01-12", "2026-03-27"},
        {NULL, "training", "2026-09-14", "2026-11-30"},
        {NULL, "selection", "2026-03-01", "2026-05-22"}, /* starts while the campaign runs */
    };
    assert_int_equal(programme_validate_phases(&p, ok, COUNT(ok), &pp), 0);
    /* a later phase starting before an earlier one */
    struct programme_phase back[] = {
        {NULL, "campaign", "2026-03-01", "2026-03-27"},
        {NULL, "selection", "2026-02-01", "2026-05-22"},
    };
    assert_int_equal(programme_validate_phases(&p, back, COUNT(back), &pp), 1);
    assert_string_equal(pp.item[0].field, "phase-selection-start");
    /* ending before starting; outside the programme; twice the same kind; an unknown kind */
    struct programme_phase bad[] = {
        {NULL, "campaign", "2026-03-01", "2026-02-01"},
        {NULL, "reporting", "2026-12-01", "2027-01-31"},
        {NULL, "training", "2026-05-01", "2026-06-01"},
        {NULL, "training", "2026-05-01", "2026-06-01"},
        {NULL, "holiday", "2026-05-01", "2026-06-01"},
        {NULL, "equipment", "2026-04-31", "2026-06-01"},
    };
    pp.n = 0;
    assert_int_equal(programme_validate_phases(&p, bad, COUNT(bad), &pp), 5);
    assert_true(has_problem(&pp, "phase-campaign-end"));
    assert_true(has_problem(&pp, "phase-reporting-start"));
    assert_true(has_problem(&pp, "phase-training-start"));
    assert_true(has_problem(&pp, "phases"));
    assert_true(has_problem(&pp, "phase-equipment-start"));
}

static void test_changes_are_audited(void **state)
{
    struct testdb *x = *state;
    struct programme_phase phases[] = {{NULL, "campaign", "2026-01-12", "2026-03-27"}};
    struct programme p = valid();
    p.phases = phases;
    p.phase_count = 1;
    assert_int_equal(programme_create(x->st, &x->a, &p, &coordinator, &x->e), 0);
    assert_int_equal(query_int(x, "SELECT COUNT(*) FROM audit_log WHERE action = 'programme.create'"
                                  " AND actor_label = 'coordinator@example.org' AND target_ids LIKE '%' || ? || '%'",
                               p.id),
                     1);
    /* taken slug, broken rule: refused, and nothing written nor audited */
    struct programme dup = valid();
    err_clear(&x->e);
    assert_int_equal(programme_create(x->st, &x->a, &dup, &coordinator, &x->e), ERR_CONFLICT);
    struct programme bad = valid();
    bad.slug = "other";
    bad.pilot_size = 0;
    assert_int_equal(programme_create(x->st, &x->a, &bad, &coordinator, &x->e), ERR_INVALID);
    assert_string_equal(x->e.msg, "Enter a pilot size from 1 to 1000 institutions.");
    assert_int_equal(query_int(x, "SELECT COUNT(*) FROM programmes", NULL), 1);
    assert_int_equal(query_int(x, "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'programme.%'", NULL), 1);

    /* an edit records the fields that changed; no change records nothing */
    struct programme *found;
    assert_int_equal(programme_find(x->st, &x->a, "pilot-2026", &found, &x->e), 0);
    struct programme next = *found;
    next.pilot_size = 12;
    next.name = "Pilot 2026 (Europe)";
    assert_int_equal(programme_update(x->st, &x->a, &next, &coordinator, &x->e), 0);
    assert_int_equal(programme_update(x->st, &x->a, &next, &coordinator, &x->e), 0);
    assert_int_equal(query_int(x, "SELECT COUNT(*) FROM audit_log WHERE action = 'programme.update'"
                                  " AND detail = '{\"fields\":[\"name\",\"pilot_size\"]}'", NULL),
                     1);
    assert_int_equal(query_int(x, "SELECT COUNT(*) FROM audit_log WHERE action = 'programme.update'", NULL), 1);
    /* the dates may not leave a phase outside */
    next.starts_on = "2026-02-01";
    assert_int_equal(programme_update(x->st, &x->a, &next, &coordinator, &x->e), ERR_INVALID);
    assert_int_equal(programme_find(x->st, &x->a, "pilot-2026", &found, &x->e), 0);
    assert_string_equal(found->starts_on, "2026-01-01");
    assert_int_equal(found->pilot_size, 12);

    /* phases replaced: a kind kept keeps its id */
    const char *campaign_phase = found->phases[0].id;
    struct programme_phase two[] = {{NULL, "selection", "2026-04-01", "2026-04-30"},
                                    {NULL, "campaign", "2026-01-12", "2026-03-20"}};
    assert_int_equal(programme_set_phases(x->st, &x->a, found, two, 2, &coordinator, &x->e), 0);
    assert_int_equal(programme_find(x->st, &x->a, "pilot-2026", &found, &x->e), 0);
    assert_int_equal(found->phase_count, 2);
    assert_string_equal(found->phases[0].kind, "campaign"); /* stored in programme order */
    assert_string_equal(found->phases[0].id, campaign_phase);
    assert_string_equal(found->phases[0].ends_on, "2026-03-20");
    assert_int_equal(query_int(x, "SELECT COUNT(*) FROM audit_log WHERE action = 'programme.phases'"
                                  " AND detail = '{\"before\":1,\"kinds\":[\"campaign\",\"selection\"]}'", NULL),
                     1);
    /* a refused set leaves the phases as they were */
    struct programme_phase back[] = {{NULL, "selection", "2026-01-01", "2026-04-30"},
                                     {NULL, "campaign", "2026-01-12", "2026-03-20"}};
    assert_int_equal(programme_set_phases(x->st, &x->a, found, back, 2, &coordinator, &x->e), ERR_INVALID);
    assert_int_equal(query_int(x, "SELECT COUNT(*) FROM programme_phases", NULL), 2);
    assert_int_equal(query_int(x, "SELECT COUNT(*) FROM audit_log WHERE action = 'programme.phases'", NULL), 1);
}

static struct programme *made(struct testdb *x)
{
    struct programme p = valid();
    if (programme_create(x->st, &x->a, &p, NULL, &x->e) < 0) fail_msg("create: %s", x->e.msg);
    struct programme *found;
    if (programme_find(x->st, &x->a, p.slug, &found, &x->e) < 0) fail_msg("find: %s", x->e.msg);
    return found;
}

static void test_campaign_rules(void **state)
{
    struct testdb *x = *state;
    struct programme *p = made(x);
    struct programme_problems pp = {.n = 0};
    struct campaign c = {.name = "Needs survey", .form_id = "camp-test", .kind = "needs_survey",
                         .opens_on = "2026-01-12", .closes_on = "2026-03-27"};
    assert_int_equal(campaign_validate(x->st, p, &c, &pp, &x->e), 0);
    struct campaign bad = {.name = "", .form_id = "no-such-form", .kind = "party", .status = "maybe",
                           .opens_on = "2026-03-27", .closes_on = "2026-01-12"};
    assert_int_equal(campaign_validate(x->st, p, &bad, &pp, &x->e), 5);
    const char *fields[] = {"name", "form_id", "kind", "status", "closes_on"};
    for (size_t i = 0; i < COUNT(fields); i++) assert_true(has_problem(&pp, fields[i]));
    pp.n = 0;
    c.closes_on = "2027-01-10"; /* after the programme ends */
    assert_int_equal(campaign_validate(x->st, p, &c, &pp, &x->e), 1);
    assert_string_equal(pp.item[0].field, "closes_on");
    /* refused: nothing written, nothing audited */
    assert_int_equal(campaign_create(x->st, &x->a, p, &bad, &coordinator, &x->e), ERR_INVALID);
    assert_int_equal(query_int(x, "SELECT COUNT(*) FROM campaigns", NULL), 0);
    assert_int_equal(query_int(x, "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'campaign.%'", NULL), 0);
}

static void test_campaign_counts_and_audit(void **state)
{
    struct testdb *x = *state;
    struct programme *p = made(x);
    /* before, on the first day, inside, on the last day (late UTC), after */
    testdb_submit(x, "en", "2026-01-11T23:59:59.000Z", "{\"learners\": \"1\"}");
    const char *first = testdb_submit(x, "en", "2026-01-12T00:00:00.000Z", "{\"learners\": \"2\"}");
    testdb_submit(x, "en", "2026-02-10T10:00:00.000Z", "{\"learners\": \"3\"}");
    testdb_submit(x, "en", "2026-03-27T23:59:59.000Z", "{\"learners\": \"4\"}");
    testdb_submit(x, "en", "2026-03-28T00:00:00.000Z", "{\"learners\": \"5\"}");
    struct campaign c = {.name = "Needs survey", .form_id = "camp-test", .kind = "needs_survey",
                         .opens_on = "2026-01-12", .closes_on = "2026-03-27", .status = "open"};
    assert_int_equal(campaign_create(x->st, &x->a, p, &c, &coordinator, &x->e), 0);
    assert_int_equal(query_int(x, "SELECT COUNT(*) FROM audit_log WHERE action = 'campaign.create'"
                                  " AND target_kind = 'campaign' AND target_ids LIKE '%' || ? || '%'", c.id),
                     1);
    struct campaign *list;
    size_t n;
    assert_int_equal(campaign_list(x->st, &x->a, p->id, &list, &n, &x->e), 0);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].responses, 3);
    assert_string_equal(list[0].status, "open");
    /* a correction is the same answer set: still counted once, on its first day */
    struct submission r2;
    assert_int_equal(submission_revise(x->st, &x->a, x->f, x->v.id, first, testdb_answers(x, "{\"learners\": \"20\"}"),
                                       NULL, &r2, &x->e), 0);
    int64_t count;
    assert_int_equal(campaign_responses(x->st, &list[0], &count, &x->e), 0);
    assert_int_equal(count, 3);
    /* open ends count everything on that side */
    struct campaign open_start = {.form_id = "camp-test", .closes_on = "2026-02-10"};
    assert_int_equal(campaign_responses(x->st, &open_start, &count, &x->e), 0);
    assert_int_equal(count, 3);
    struct campaign open_both = {.form_id = "camp-test"};
    assert_int_equal(campaign_responses(x->st, &open_both, &count, &x->e), 0);
    assert_int_equal(count, 5);
    struct campaign other_form = {.form_id = "needs-survey"};
    assert_int_equal(campaign_responses(x->st, &other_form, &count, &x->e), 0);
    assert_int_equal(count, 0);
    /* an edit: the fields that changed, and the count follows the new days */
    struct campaign next = list[0];
    next.closes_on = "2026-03-28";
    next.status = "closed";
    assert_int_equal(campaign_update(x->st, &x->a, p, &next, &coordinator, &x->e), 0);
    assert_int_equal(query_int(x, "SELECT COUNT(*) FROM audit_log WHERE action = 'campaign.update'"
                                  " AND detail = '{\"fields\":[\"closes_on\",\"status\"]}'", NULL),
                     1);
    struct campaign *found;
    assert_int_equal(campaign_find(x->st, &x->a, p->id, c.id, &found, &x->e), 0);
    assert_int_equal(found->responses, 4);
    assert_string_equal(found->status, "closed");
    /* another programme's campaign is not found through this one */
    assert_int_equal(campaign_find(x->st, &x->a, "someone-else", c.id, &found, &x->e), ERR_NOT_FOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dates_and_slugs),
        cmocka_unit_test(test_programme_rules),
        cmocka_unit_test(test_phase_rules),
        cmocka_unit_test_setup_teardown(test_changes_are_audited, setup, teardown),
        cmocka_unit_test_setup_teardown(test_campaign_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_campaign_counts_and_audit, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

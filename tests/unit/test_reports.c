/* Tests for program/reports and program/report_export: the threshold on counts of people (a count
 * under it hidden, and a part of a group hidden when the rest would be a small group), the
 * dashboard's rules of lateness on a fixed clock (each kind of late item, and what is not late
 * yet), days and phases, the settings, the figures as a table and as JSON (a hidden count keeps
 * its row and loses its value), the programme's zip with and without personal data, and the whole
 * demo (selection, devices, training, feedback) read back with every shown count of people at or
 * above the threshold. Each test has a database of its own. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "base/id.h"
#include "base/str.h"
#include "base/timeutil.h"
#include "forms/summary.h"
#include "forms/table_out.h"
#include "program/campaign.h"
#include "program/demo.h"
#include "program/demo_feedback.h"
#include "program/demo_training.h"
#include "program/devices.h"
#include "program/programme.h"
#include "program/report_export.h"
#include "program/reports.h"
#include "program/respondent_codes.h"
#include "store/audit.h"
#include "testdb.h"

static const struct audit_actor coordinator = {"u-1", "coordinator@example.org"};

/* --- people and the threshold ------------------------------------------------------------------ */

static void test_people(void **state)
{
    (void)state;
    assert_false(rep_people_of(0, 5).shown);  /* nobody reads like a few */
    assert_false(rep_people_of(4, 5).shown);
    assert_true(rep_people_of(5, 5).shown);
    assert_true(rep_people_of(4, 3).shown);
    /* a part of a group: the rest must be none or at least the threshold too */
    assert_true(rep_people_part(7, 7, 5).shown);   /* the rest is nobody */
    assert_false(rep_people_part(5, 9, 5).shown);  /* 4 left: 9 - 5 would give them away */
    assert_true(rep_people_part(5, 10, 5).shown);
    assert_false(rep_people_part(4, 10, 5).shown); /* small itself */
    assert_false(rep_people_part(9, 10, 5).shown); /* the one who did not would be known */
    assert_int_equal(rep_people_part(9, 10, 5).n, 9);  /* the true count is kept, never shown */
}

static void test_days_and_phases(void **state)
{
    (void)state;
    assert_int_equal(rep_days_between("2026-01-01", "2026-03-01"), 59);
    assert_int_equal(rep_days_between("2028-02-28", "2028-03-01"), 2); /* a leap year */
    assert_int_equal(rep_days_between("2026-03-01", "2026-01-01"), -59);
    assert_int_equal(rep_days_between("2026-06-01T23:59:59.000Z", "2026-06-02T00:00:01Z"), 1);
    assert_int_equal(rep_days_between("2026-13-01", "2026-01-01"), 0);
    assert_int_equal(rep_days_between(NULL, "2026-01-01"), 0);
    assert_int_equal(rep_phase_state_on("2026-05-01", "2026-06-01", "2026-07-01"), REP_PHASE_NEXT);
    assert_int_equal(rep_phase_state_on("2026-06-01", "2026-06-01", "2026-07-01"), REP_PHASE_NOW);
    assert_int_equal(rep_phase_state_on("2026-07-01", "2026-06-01", "2026-07-01"), REP_PHASE_NOW);
    assert_int_equal(rep_phase_state_on("2026-07-02", "2026-06-01", "2026-07-01"), REP_PHASE_DONE);
    assert_int_equal(rep_phase_state_on("2026-07-02", NULL, NULL), REP_PHASE_UNDATED);
    assert_int_equal(rep_phase_state_on("2026-07-02", "2026-06-01", NULL), REP_PHASE_NOW);
    assert_true(fabs(rep_session_hours(90, NULL, NULL) - 1.5) < 1e-9);
    assert_true(fabs(rep_session_hours(0, "2026-10-05T09:00:00.000Z", "2026-10-05T12:30:00.000Z") - 3.5) < 1e-9);
    assert_true(rep_session_hours(0, "2026-10-05T09:00:00.000Z", "nonsense") == 0);
}

static void test_answers_late(void **state)
{
    (void)state;
    int64_t left;
    /* 40 of 100 answered, target 80%, closes in 10 days (within 14): late */
    assert_true(rep_answers_late("2026-11-20", "2026-11-01", "2026-11-30", 40, 100, 80, 14, &left));
    assert_int_equal(left, 10);
    /* the same 30 days before closing: not yet */
    assert_false(rep_answers_late("2026-10-31", "2026-10-01", "2026-11-30", 40, 100, 80, 14, &left));
    /* at the target: not late */
    assert_false(rep_answers_late("2026-11-20", "2026-11-01", "2026-11-30", 80, 100, 80, 14, &left));
    assert_true(rep_answers_late("2026-11-20", "2026-11-01", "2026-11-30", 79, 100, 80, 14, &left));
    /* past its closing day and still open */
    assert_true(rep_answers_late("2026-12-05", "2026-11-01", "2026-11-30", 10, 100, 80, 14, &left));
    assert_int_equal(left, -5);
    /* not open yet */
    assert_false(rep_answers_late("2026-10-01", "2026-11-01", "2026-11-30", 0, 100, 80, 14, &left));
    /* no code issued: below any target */
    assert_true(rep_answers_late("2026-11-20", "2026-11-01", "2026-11-30", 0, 0, 80, 14, &left));
    /* no closing day: late once open longer than the setting */
    assert_false(rep_answers_late("2026-11-10", "2026-11-01", NULL, 0, 100, 80, 14, &left));
    assert_true(rep_answers_late("2026-11-20", "2026-11-01", NULL, 0, 100, 80, 14, &left));
    assert_int_equal(left, -19);
}

static void exec_sql(struct testdb *x, const char *sql, const char *const *p, int n)
{
    struct store_stmt *s = store_prepare(x->st, sql, &x->e);
    if (!s) fail_msg("prepare: %s", x->e.msg);
    for (int i = 0; i < n; i++) store_bind_text(s, i + 1, p[i]);
    if (store_run(s, &x->e) < 0) fail_msg("%s: %s", sql, x->e.msg);
    store_done(s);
}

static void test_settings(void **state)
{
    (void)state;
    struct testdb t;
    testdb_open(&t, "reports-settings");
    int v;
    assert_int_equal(rep_late_days(t.st, &v, &t.e), 0);
    assert_int_equal(v, REP_LATE_DAYS_DEFAULT);
    assert_int_equal(rep_answer_target(t.st, &v, &t.e), 0);
    assert_int_equal(v, REP_ANSWER_TARGET_DEFAULT);
    exec_sql(&t, "INSERT INTO settings (key, value) VALUES ('late_after_days', '30'), ('answer_rate_target', '101')", NULL, 0);
    assert_int_equal(rep_late_days(t.st, &v, &t.e), 0);
    assert_int_equal(v, 30);
    assert_int_equal(rep_answer_target(t.st, &v, &t.e), 0);
    assert_int_equal(v, REP_ANSWER_TARGET_DEFAULT); /* out of range: the default */
    testdb_close(&t);
}

/* --- a small programme built by hand ----------------------------------------------------------- */

struct fixture {
    struct testdb t;
    struct programme p;
    const char *inst, *other, *course;
    int npeople;
};

static const char *add_institution(struct testdb *x, const char *name, const char *country, const char *kind)
{
    char id[ID_TEXT_SIZE];
    id_new(id);
    const char *p[] = {id, name, inst_name_key(&x->a, name), country, kind};
    exec_sql(x, "INSERT INTO institutions (id, name, name_key, country, kind, learners, status, source, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, '120', 'accepted', 'import', '2026-01-01T00:00:00Z',"
                " '2026-01-01T00:00:00Z')", p, 5);
    return arena_strdup(&x->a, id);
}

static int64_t ms(const char *iso)
{
    int64_t v = time_parse_iso(iso);
    if (v < 0) fail_msg("not a time: %s", iso);
    return v;
}

static void setup_fixture(struct fixture *f, const char *tag)
{
    memset(f, 0, sizeof *f);
    testdb_open(&f->t, tag);
    static struct programme_phase phases[] = {
        {NULL, "equipment", "2026-06-01", "2026-09-30"},
        {NULL, "training", "2026-09-01", "2027-03-31"},
        {NULL, "feedback", "2026-10-01", "2027-06-30"},
    };
    f->p = (struct programme){.slug = "pilot-test", .name = "Pilot test", .starts_on = "2026-01-01",
                              .ends_on = "2027-12-31", .pilot_size = 10, .devices_per_institution = 10,
                              .phases = phases, .phase_count = 3};
    if (programme_create(f->t.st, &f->t.a, &f->p, &coordinator, &f->t.e) < 0) fail_msg("programme: %s", f->t.e.msg);
    f->inst = add_institution(&f->t, "Escola Básica de Teste", "PT", "school");
    f->other = add_institution(&f->t, "Klub STEM Testowy", "PL", "stem_club");
    char id[ID_TEXT_SIZE];
    id_new(id);
    const char *p[] = {id, f->p.id};
    exec_sql(&f->t, "INSERT INTO courses (id, programme_id, title, language, mode, duration_minutes, created_at, updated_at)"
                    " VALUES (?, ?, 'Tablets in class', 'en', 'in_person', 180, '2026-01-01T00:00:00Z',"
                    " '2026-01-01T00:00:00Z')", p, 2);
    f->course = arena_strdup(&f->t.a, id);
}

/* A session of the fixture's course from starts to ends; its id. */
static const char *add_session(struct fixture *f, const char *starts, const char *ends)
{
    char id[ID_TEXT_SIZE];
    id_new(id);
    const char *p[] = {id, f->p.id, f->course, starts, ends};
    exec_sql(&f->t, "INSERT INTO training_sessions (id, programme_id, course_id, starts_at, ends_at, place, capacity,"
                    " created_at) VALUES (?, ?, ?, ?, ?, 'Lisboa', 30, '2026-01-01T00:00:00Z')", p, 5);
    return arena_strdup(&f->t.a, id);
}

/* A new person of institution enrolled in session with status. */
static void enrol(struct fixture *f, const char *session, const char *institution, const char *status)
{
    char pid[ID_TEXT_SIZE], eid[ID_TEXT_SIZE];
    id_new(pid);
    id_new(eid);
    const char *name = arena_printf(&f->t.a, "Teacher %d", ++f->npeople);
    const char *pseudo = arena_printf(&f->t.a, "PSEU-%04d", f->npeople);
    const char *cert = arena_printf(&f->t.a, "CERT-%04d", f->npeople);
    const char *p1[] = {pid, name, arena_printf(&f->t.a, "teacher%d@example.org", f->npeople), institution, pseudo};
    exec_sql(&f->t, "INSERT INTO training_participants (id, name, email, institution_id, role, pseudonym, created_at)"
                    " VALUES (?, ?, ?, ?, 'teacher', ?, '2026-01-01T00:00:00Z')", p1, 5);
    const char *p2[] = {eid, session, pid, status, cert};
    exec_sql(&f->t, "INSERT INTO training_enrolments (id, session_id, participant_id, status, enrolled_at, attended_at,"
                    " completed_at, certificate_code) VALUES (?, ?, ?, ?, '2026-09-01T00:00:00Z',"
                    " CASE WHEN ?4 IN ('attended','completed') THEN '2026-10-05T12:00:00Z' END,"
                    " CASE WHEN ?4 = 'completed' THEN '2026-10-05T12:00:00Z' END,"
                    " CASE WHEN ?4 = 'completed' THEN ? END)", p2, 5);
}

static void teardown_fixture(struct fixture *f) { testdb_close(&f->t); }

static void test_threshold_on_people(void **state)
{
    (void)state;
    struct fixture f;
    setup_fixture(&f, "reports-people");
    int64_t now = ms("2026-11-23T12:00:00.000Z");
    const char *s = add_session(&f, "2026-10-05T09:00:00.000Z", "2026-10-05T12:00:00.000Z");
    for (int i = 0; i < 4; i++) enrol(&f, s, f.inst, "completed");
    struct rep_institution r;
    assert_int_equal(rep_institution(f.t.st, &f.t.a, f.inst, "pilot-test", now, &r, &f.t.e), 0);
    assert_int_equal(r.threshold, 5);
    assert_int_equal(r.enrolled.n, 4);
    assert_false(r.enrolled.shown);
    assert_false(r.completed.shown);
    assert_false(r.attended.shown);
    assert_int_equal(r.sessions, 1); /* sessions are not people: always there */
    assert_true(fabs(r.person_hours - 12.0) < 1e-9); /* 4 people x 3 h (the course's duration) */
    /* the figures keep the rows and drop the values */
    struct rep_figures fig;
    rep_institution_figures(&r, &f.t.a, &fig);
    size_t hidden = 0;
    for (size_t i = 0; i < fig.n; i++) {
        if (strncmp(fig.items[i].key, "training.", 9) != 0 || strcmp(fig.items[i].key, "training.sessions") == 0) continue;
        assert_true(fig.items[i].hidden);
        assert_true(isnan(fig.items[i].value));
        hidden++;
    }
    assert_int_equal(hidden, 4); /* enrolled, attended, completed, person-hours */

    /* a fifth who did not come: 5 enrolled shown, but 4 completed of 5 would name the one */
    enrol(&f, s, f.inst, "no_show");
    assert_int_equal(rep_institution(f.t.st, &f.t.a, f.inst, "pilot-test", now, &r, &f.t.e), 0);
    assert_true(r.enrolled.shown);
    assert_int_equal(r.enrolled.n, 5);
    assert_false(r.completed.shown);
    /* 9 completed of 10: still one left over, hidden; 9 of 14: the rest is 5, shown */
    for (int i = 0; i < 5; i++) enrol(&f, s, f.inst, "completed");
    assert_int_equal(rep_institution(f.t.st, &f.t.a, f.inst, "pilot-test", now, &r, &f.t.e), 0);
    assert_int_equal(r.completed.n, 9);
    assert_false(r.completed.shown);
    for (int i = 0; i < 4; i++) enrol(&f, s, f.inst, "no_show");
    assert_int_equal(rep_institution(f.t.st, &f.t.a, f.inst, "pilot-test", now, &r, &f.t.e), 0);
    assert_true(r.completed.shown);
    assert_true(r.attended.shown);
    assert_true(fabs(r.person_hours - 27.0) < 1e-9);
    /* another institution's people are not this one's */
    assert_int_equal(rep_institution(f.t.st, &f.t.a, f.other, "pilot-test", now, &r, &f.t.e), 0);
    assert_int_equal(r.enrolled.n, 0);
    assert_false(r.enrolled.shown);

    /* the programme: a raised threshold hides what was shown */
    struct rep_programme pr;
    assert_int_equal(rep_programme(f.t.st, &f.t.a, "pilot-test", now, &pr, &f.t.e), 0);
    assert_int_equal(pr.enrolled.n, 14);
    assert_true(pr.enrolled.shown);
    assert_int_equal(pr.sessions_held, 1);
    assert_true(fabs(pr.hours_held - 3.0) < 1e-9);
    assert_true(pr.reached.shown);
    assert_int_equal(pr.reached.n, 9);
    assert_int_equal(summary_set_threshold(f.t.st, 15, &coordinator, &f.t.e), 0);
    assert_int_equal(rep_programme(f.t.st, &f.t.a, "pilot-test", now, &pr, &f.t.e), 0);
    assert_false(pr.enrolled.shown);
    assert_false(pr.reached.shown);
    for (size_t i = 0; i < pr.nlevels; i++) assert_false(pr.levels[i].reached.shown);
    rep_programme_figures(&pr, &f.t.a, &fig);
    struct table_out t;
    rep_figures_table(&fig, &f.t.a, &t);
    bool saw = false;
    for (size_t i = 0; i < t.rows; i++) {
        const struct table_cell *row = &t.cells[i * t.ncols];
        if (strcmp(row[1].text, "training.enrolled") != 0) continue;
        saw = true;
        assert_null(row[4].text); /* no value */
        assert_string_equal(row[5].text, "hidden: fewer than 15");
    }
    assert_true(saw);
    char *json = rep_figures_json(&fig, &f.t.a);
    json_error_t je;
    json_t *doc = json_loads(json, 0, &je);
    assert_non_null(doc);
    assert_int_equal(json_integer_value(json_object_get(doc, "anonymity_threshold")), 15);
    json_t *figs = json_object_get(doc, "figures");
    size_t i;
    json_t *o;
    saw = false;
    json_array_foreach(figs, i, o) {
        if (strcmp(json_string_value(json_object_get(o, "figure")), "training.enrolled") != 0) continue;
        saw = true;
        assert_true(json_is_null(json_object_get(o, "value")));
        assert_true(json_is_true(json_object_get(o, "hidden")));
    }
    assert_true(saw);
    json_decref(doc);
    teardown_fixture(&f);
}

/* A device allocated to institution at `allocated` (and shipped at `shipped`, when not NULL). */
static void add_device(struct fixture *f, const char *serial, const char *institution, const char *allocated,
                       const char *shipped)
{
    const char *v[DEVICE_FIELD_COUNT] = {"Tablet T1", serial, NULL, "B1", NULL};
    const char *id;
    if (store_begin(f->t.st, &f->t.e) < 0 ||
        device_insert(f->t.st, &f->t.a, v, f->p.id, false, "2026-05-01T00:00:00.000Z", &coordinator, &id, &f->t.e) < 0 ||
        store_commit(f->t.st, &f->t.e) < 0)
        fail_msg("device %s: %s", serial, f->t.e.msg);
    if (device_move(f->t.st, id, DEVICE_ALLOCATED, institution, NULL, allocated, &coordinator, &f->t.e) < 0)
        fail_msg("allocate: %s", f->t.e.msg);
    if (shipped && device_move(f->t.st, id, DEVICE_SHIPPED, NULL, NULL, shipped, &coordinator, &f->t.e) < 0)
        fail_msg("ship: %s", f->t.e.msg);
}

static const struct rep_late *late_of(const struct rep_dashboard *d, enum rep_late_kind k, size_t nth)
{
    for (size_t i = 0; i < d->nlate; i++)
        if (d->late[i].kind == k && nth-- == 0) return &d->late[i];
    return NULL;
}

static void test_dashboard(void **state)
{
    (void)state;
    struct fixture f;
    setup_fixture(&f, "reports-dashboard");
    int64_t now = ms("2026-11-23T12:00:00.000Z");
    struct rep_dashboard d;
    assert_int_equal(rep_dashboard(f.t.st, &f.t.a, "pilot-test", now, &d, &f.t.e), 0);
    assert_int_equal(d.nlate, 0);
    assert_string_equal(d.today, "2026-11-23");
    assert_int_equal(d.nphases, 3);
    assert_int_equal(d.phases[0].state, REP_PHASE_DONE); /* equipment ended in September */
    assert_int_equal(d.phases[1].state, REP_PHASE_NOW);
    assert_string_equal(d.first_day, "2026-01-01");
    assert_string_equal(d.last_day, "2027-12-31");

    /* devices: allocated 20 days ago (late), allocated 20 days ago and shipped yesterday (still
     * late: not delivered), allocated 10 days ago (not yet) */
    add_device(&f, "SER-1", f.inst, "2026-11-03T10:00:00.000Z", NULL);
    add_device(&f, "SER-2", f.inst, "2026-11-03T10:00:00.000Z", "2026-11-22T10:00:00.000Z");
    add_device(&f, "SER-3", f.other, "2026-11-13T10:00:00.000Z", NULL);
    /* a session over two days ago with two enrolments unmarked and three marked; one to come */
    const char *over = add_session(&f, "2026-11-20T09:00:00.000Z", "2026-11-21T12:00:00.000Z");
    enrol(&f, over, f.inst, "enrolled");
    enrol(&f, over, f.inst, "enrolled");
    enrol(&f, over, f.inst, "attended");
    enrol(&f, over, f.inst, "completed");
    enrol(&f, over, f.inst, "no_show");
    const char *coming = add_session(&f, "2026-12-01T09:00:00.000Z", "2026-12-01T12:00:00.000Z");
    enrol(&f, coming, f.inst, "enrolled");
    /* a curriculum plan: one item past due, one done late, one due later */
    char plan[ID_TEXT_SIZE];
    id_new(plan);
    const char *pp[] = {plan, f.other, f.p.id};
    exec_sql(&f.t, "INSERT INTO curriculum_plans (id, institution_id, programme_id, created_at) VALUES (?, ?, ?,"
                   " '2026-09-01T00:00:00Z')", pp, 3);
    static const char *const items[][4] = {{"1", "2026-11-01", NULL, "planned"},
                                           {"2", "2026-10-01", "2026-10-20", "done"},
                                           {"3", "2026-12-15", NULL, "in_progress"}};
    for (size_t i = 0; i < 3; i++) {
        char iid[ID_TEXT_SIZE];
        id_new(iid);
        const char *p[] = {iid, plan, items[i][0], items[i][1], items[i][2], items[i][3]};
        exec_sql(&f.t, "INSERT INTO curriculum_items (id, plan_id, position, domain, module, due_on, done_on, status,"
                       " created_at) VALUES (?, ?, ?, 'devices', 'Module', ?, ?, ?, '2026-09-01T00:00:00Z')", p, 6);
    }
    assert_int_equal(rep_dashboard(f.t.st, &f.t.a, "pilot-test", now, &d, &f.t.e), 0);
    /* one line per institution and state: SER-1 allocated, SER-2 shipped; SER-3 not late yet */
    assert_int_equal(d.late_of[REP_LATE_DEVICES], 2);
    int64_t devices = 0;
    for (size_t i = 0; i < d.nlate; i++)
        if (d.late[i].kind == REP_LATE_DEVICES) {
            assert_string_equal(d.late[i].subject_id, f.inst);
            assert_int_equal(d.late[i].days, 20);
            assert_string_equal(d.late[i].since, "2026-11-03");
            devices += d.late[i].count;
        }
    assert_int_equal(devices, 2);
    const struct rep_late *x;
    assert_int_equal(d.late_of[REP_LATE_ATTENDANCE], 1);
    x = late_of(&d, REP_LATE_ATTENDANCE, 0);
    assert_string_equal(x->id, over);
    assert_int_equal(x->count, 2);
    assert_int_equal(x->of, 5);
    assert_int_equal(x->days, 2);
    assert_string_equal(x->subject, "Tablets in class");
    assert_int_equal(d.late_of[REP_LATE_CURRICULUM], 1);
    x = late_of(&d, REP_LATE_CURRICULUM, 0);
    assert_string_equal(x->id, f.other);
    assert_int_equal(x->count, 1);
    assert_string_equal(x->since, "2026-11-01");
    assert_int_equal(x->days, 22);
    assert_int_equal(d.late_of[REP_LATE_INVITATION], 0); /* no selection */
    assert_int_equal(d.late_of[REP_LATE_ANSWERS], 0);    /* no baseline */
    teardown_fixture(&f);
}

/* Late devices by state, the setting that says when they are late, and the report's counts. */
static void test_dashboard_states(void **state)
{
    (void)state;
    struct fixture f;
    setup_fixture(&f, "reports-states");
    int64_t now = ms("2026-11-23T12:00:00.000Z");
    add_device(&f, "SER-1", f.inst, "2026-11-03T10:00:00.000Z", NULL);
    add_device(&f, "SER-2", f.inst, "2026-11-03T10:00:00.000Z", "2026-11-22T10:00:00.000Z");
    add_device(&f, "SER-3", f.inst, "2026-11-04T10:00:00.000Z", "2026-11-05T10:00:00.000Z");
    struct rep_dashboard d;
    assert_int_equal(rep_dashboard(f.t.st, &f.t.a, "pilot-test", now, &d, &f.t.e), 0);
    assert_int_equal(d.late_of[REP_LATE_DEVICES], 2);
    int64_t allocated = 0, shipped = 0;
    for (size_t i = 0; i < d.nlate; i++) {
        if (d.late[i].kind != REP_LATE_DEVICES) continue;
        if (strcmp(d.late[i].state, "allocated") == 0) allocated += d.late[i].count;
        else shipped += d.late[i].count, assert_string_equal(d.late[i].since, "2026-11-03");
    }
    assert_int_equal(allocated, 1);
    assert_int_equal(shipped, 2);
    /* a longer setting: nothing is late */
    exec_sql(&f.t, "INSERT INTO settings (key, value) VALUES ('late_after_days', '30')", NULL, 0);
    assert_int_equal(rep_dashboard(f.t.st, &f.t.a, "pilot-test", now, &d, &f.t.e), 0);
    assert_int_equal(d.late_of[REP_LATE_DEVICES], 0);
    assert_int_equal(d.late_days, 30);
    /* the report counts them allocated, none delivered */
    struct rep_programme pr;
    assert_int_equal(rep_programme(f.t.st, &f.t.a, "pilot-test", now, &pr, &f.t.e), 0);
    assert_int_equal(pr.devices.allocated, 3);
    assert_int_equal(pr.devices.delivered, 0);
    assert_int_equal(pr.devices.by_state[DEVICE_SHIPPED], 2);
    assert_false(pr.selection);
    teardown_fixture(&f);
}

/* --- the demo ---------------------------------------------------------------------------------- */

static void load_demo(struct testdb *t)
{
    struct demo_report report;
    if (demo_load(t->st, &t->a, &report, &t->e) < 0) fail_msg("demo: %s", t->e.msg);
    if (demo_training_load(t->st, &t->a, demo_programme_id, &t->e) < 0) fail_msg("demo training: %s", t->e.msg);
    if (demo_feedback_load(t->st, &t->a, demo_programme_id, &t->e) < 0) fail_msg("demo feedback: %s", t->e.msg);
}

static void check_people(struct rep_people p, int threshold)
{
    if (p.shown) assert_true(p.n >= threshold);
}

static void test_demo_reports(void **state)
{
    (void)state;
    struct testdb t;
    testdb_open(&t, "reports-demo");
    load_demo(&t);
    int64_t now = ms("2027-01-15T12:00:00.000Z");
    struct rep_programme r;
    assert_int_equal(rep_programme(t.st, &t.a, "bridging-2026", now, &r, &t.e), 0);
    int th = r.threshold;
    assert_true(r.selection);
    assert_int_equal(r.selected, 10);
    int64_t by_country = 0, by_kind = 0;
    for (size_t i = 0; i < r.ncountries; i++) by_country += r.countries[i].selected;
    for (size_t i = 0; i < r.nkinds; i++) by_kind += r.kinds[i].selected;
    assert_int_equal(by_country, r.selected);
    assert_int_equal(by_kind, r.selected);
    assert_true(r.accepted <= r.selected);
    assert_int_equal(r.devices.quota, 10);
    assert_true(r.devices.allocated > 0);
    assert_true(r.devices.delivered <= r.devices.allocated);
    assert_true(r.devices.in_use <= r.devices.delivered);
    assert_true(r.sessions > 0);
    assert_true(r.nlevels >= 2); /* the demo's cascade reaches a second level */
    check_people(r.enrolled, th);
    check_people(r.attended, th);
    check_people(r.reached, th);
    for (size_t i = 0; i < r.nlevels; i++) {
        check_people(r.levels[i].reached, th);
        check_people(r.levels[i].graduates, th);
        if (r.levels[i].graduates.shown) assert_true(r.levels[i].reached.shown);
    }
    for (size_t i = 0; i < r.ncampaigns; i++) check_people(r.campaigns[i].answers, th);
    for (size_t i = 0; i < r.nthemes; i++) check_people(r.themes[i].texts, th);
    assert_true(r.outcomes.nitems > 0);
    assert_true(r.outcomes.pairs >= th);
    for (size_t i = 0; i < r.outcomes.nitems; i++)
        if (r.outcomes.items[i].hidden == FB_SHOWN) assert_true(r.outcomes.items[i].r.n >= (size_t)th);

    /* every pilot institution's report keeps the same rule */
    struct rep_institution ir;
    struct store_stmt *s = store_prepare(t.st, "SELECT DISTINCT institution_id FROM selection_places", &t.e);
    const char *ids[64];
    size_t n = 0;
    while (n < 64 && store_step(s, &t.e) == 1) ids[n++] = arena_strdup(&t.a, store_col_text(s, 0));
    store_done(s);
    assert_true(n >= 10);
    size_t assessed = 0;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(rep_institution(t.st, &t.a, ids[i], NULL, now, &ir, &t.e), 0);
        assert_non_null(ir.programme);
        assert_string_equal(ir.programme->slug, "bridging-2026");
        assessed += ir.assessed;
        check_people(ir.enrolled, th);
        check_people(ir.attended, th);
        check_people(ir.completed, th);
        if (ir.outcomes.group_shown) assert_true(ir.outcomes.group_pairs >= th);
        else
            for (size_t j = 0; j < ir.outcomes.nitems; j++) assert_int_not_equal(ir.outcomes.items[j].hidden, FB_SHOWN);
        struct rep_figures fig;
        rep_institution_figures(&ir, &t.a, &fig);
        for (size_t j = 0; j < fig.n; j++)
            if (fig.items[j].hidden) assert_true(isnan(fig.items[j].value) && !fig.items[j].text);
    }
    assert_true(assessed >= 10);

    /* the dashboard of the demo */
    struct rep_dashboard d;
    assert_int_equal(rep_dashboard(t.st, &t.a, "bridging-2026", now, &d, &t.e), 0);
    assert_int_equal(d.nphases, 7);
    for (size_t i = 0; i < d.nlate; i++) {
        assert_non_null(d.late[i].subject);
        if (i) assert_true(d.late[i - 1].kind <= d.late[i].kind);
    }
    assert_int_equal(d.late_of[REP_LATE_INVITATION], 1); /* the demo's last invitation waits */
    testdb_close(&t);
}

/* --- the zip ----------------------------------------------------------------------------------- */

static int append_sb(void *ctx, const void *data, size_t len)
{
    strbuf_append(ctx, data, len);
    return 0;
}

/* The file name of the zip as text in a, NULL when it is not there. */
static const char *zip_text(struct arena *a, const struct strbuf *zipped, const char *name)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(zipped->data, zipped->len, 0, &ze);
    zip_t *z = src ? zip_open_from_source(src, ZIP_RDONLY, &ze) : NULL;
    if (!z) fail_msg("not a zip");
    const char *out = NULL;
    zip_stat_t st;
    if (zip_stat(z, name, 0, &st) == 0) {
        char *buf = arena_alloc(a, st.size + 1);
        zip_file_t *zf = zip_fopen(z, name, 0);
        zip_int64_t got = zf ? zip_fread(zf, buf, st.size) : -1;
        if (zf) zip_fclose(zf);
        if (got != (zip_int64_t)st.size) fail_msg("cannot read %s", name);
        buf[st.size] = 0;
        out = buf;
    }
    zip_close(z);
    zip_error_fini(&ze);
    return out;
}

static void test_export_zip(void **state)
{
    (void)state;
    struct testdb t;
    testdb_open(&t, "reports-zip");
    load_demo(&t);
    int64_t now = ms("2027-01-15T12:00:00.000Z");
    struct strbuf pseudo, full;
    strbuf_init(&pseudo, &t.a, 1 << 16);
    strbuf_init(&full, &t.a, 1 << 16);
    assert_int_equal(rep_export_zip(t.st, &t.a, "bridging-2026", false, now, append_sb, &pseudo, &t.e), 0);
    assert_int_equal(rep_export_zip(t.st, &t.a, "bridging-2026", true, now, append_sb, &full, &t.e), 0);
    static const char *const names[] = {"README.txt", "programme.json", "phases.csv", "campaigns.csv",
                                        "institutions.csv", "selection.csv", "invitations.csv", "need_ranking.csv",
                                        "devices.csv", "device_history.csv", "deliveries.csv", "courses.csv",
                                        "sessions.csv", "attendance.csv", "curriculum.csv", "respondent_codes.csv",
                                        "themes.csv", "report.csv", "answers/needs-survey.csv"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        assert_non_null(zip_text(&t.a, &pseudo, names[i]));
        assert_non_null(zip_text(&t.a, &full, names[i]));
    }
    /* pseudonymised: no contact, address, name or who-did-what anywhere in the tables */
    const char *inst = zip_text(&t.a, &pseudo, "institutions.csv");
    assert_null(strstr(inst, "contact_email"));
    assert_non_null(strstr(zip_text(&t.a, &full, "institutions.csv"), "contact_email"));
    static const char *const tables[] = {"institutions.csv", "invitations.csv", "device_history.csv", "deliveries.csv",
                                         "sessions.csv", "attendance.csv", "programme.json"};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        const char *text = zip_text(&t.a, &pseudo, tables[i]);
        if (strchr(text, '@')) fail_msg("%s has an address: %.80s", tables[i], strchr(text, '@') - 40);
    }
    assert_non_null(strchr(zip_text(&t.a, &full, "attendance.csv"), '@'));
    /* the JSON document has every table and the figures */
    json_error_t je;
    json_t *doc = json_loads(zip_text(&t.a, &pseudo, "programme.json"), 0, &je);
    assert_non_null(doc);
    assert_true(json_is_false(json_object_get(doc, "personal_data")));
    json_t *tabs = json_object_get(doc, "tables");
    assert_true(json_array_size(json_object_get(tabs, "institutions")) >= 10);
    assert_true(json_array_size(json_object_get(tabs, "devices")) > 0);
    assert_true(json_array_size(json_object_get(json_object_get(doc, "report"), "figures")) > 20);
    json_decref(doc);
    /* the report's figures in the zip hide what the page hides */
    const char *report = zip_text(&t.a, &pseudo, "report.csv");
    assert_non_null(strstr(report, "section,figure,label,group,value,note"));
    assert_int_equal(rep_export_zip(t.st, &t.a, "no-such-programme", false, now, append_sb, &pseudo, &t.e), -1);
    assert_int_equal(t.e.code, ERR_NOT_FOUND);
    testdb_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_people),
        cmocka_unit_test(test_days_and_phases),
        cmocka_unit_test(test_answers_late),
        cmocka_unit_test(test_settings),
        cmocka_unit_test(test_threshold_on_people),
        cmocka_unit_test(test_dashboard),
        cmocka_unit_test(test_dashboard_states),
        cmocka_unit_test(test_demo_reports),
        cmocka_unit_test(test_export_zip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

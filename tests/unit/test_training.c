/* Tests for program/training, program/training_cascade and program/curriculum: a session's
 * capacity is never exceeded (the refused enrolment adds no one); completion needs attendance and
 * attendance a started session (refused records change nothing), a completion's certificate code
 * and its loss when taken back; a graduate may run sessions only after their train-the-trainer
 * session ended; the cascade's levels, parents and counts on a hand-built tree; the catalogue's
 * import, all or nothing with its errors by row and column; a person's erasure; and, on the demo,
 * the weakest domains against the need index computed independently, the plans, the demo's two
 * levels of cascade and its loading twice. Each test has a database of its own. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/users.h"
#include "program/assessment.h"
#include "program/curriculum.h"
#include "program/demo.h"
#include "program/demo_training.h"
#include "program/institutions.h"
#include "program/privacy.h"
#include "program/programme.h"
#include "program/training.h"
#include "program/training_cascade.h"
#include "testdb.h"

static const struct audit_actor coordinator = {"u-1", "coordinator@example.org"};

struct fixture {
    struct testdb db;
    const char *programme_id, *course_id, *trainer_id;
};

static int setup(void **state)
{
    struct fixture *x = calloc(1, sizeof *x);
    testdb_open(&x->db, "training");
    struct arena *a = &x->db.a;
    struct err *e = &x->db.e;
    struct programme p = {.slug = "pilot-test", .name = "Pilot test", .pilot_size = 10, .devices_per_institution = 10};
    if (programme_create(x->db.st, a, &p, NULL, e) < 0) fail_msg("programme: %s", e->msg);
    x->programme_id = p.id;
    struct training_course c = {.title = "Tablet basics", .language = "en", .mode = "in_person", .topics = "devices"};
    if (training_course_add(x->db.st, a, &c, &coordinator, e) < 0) fail_msg("course: %s", e->msg);
    x->course_id = c.id;
    struct user u;
    struct user_new in = {.email = "trainer@example.org", .display_name = "Tess Trainer", .role = AUTH_ROLE_TRAINER};
    if (user_add(x->db.st, a, &in, "a long enough password for tests", &u, e) < 0) fail_msg("user: %s", e->msg);
    x->trainer_id = u.id;
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *x = *state;
    testdb_close(&x->db);
    free(x);
    return 0;
}

static int64_t query_int(struct fixture *x, const char *sql, const char *arg)
{
    struct store_stmt *s = store_prepare(x->db.st, sql, &x->db.e);
    if (!s) fail_msg("prepare: %s", x->db.e.msg);
    if (arg) store_bind_text(s, 1, arg);
    int64_t v = store_step(s, &x->db.e) == 1 ? store_col_int(s, 0) : -1;
    store_done(s);
    return v;
}

static const char *query_text(struct fixture *x, const char *sql, const char *arg)
{
    struct store_stmt *s = store_prepare(x->db.st, sql, &x->db.e);
    if (!s) fail_msg("prepare: %s", x->db.e.msg);
    if (arg) store_bind_text(s, 1, arg);
    const char *v = store_step(s, &x->db.e) == 1 && !store_col_null(s, 0)
                        ? arena_strdup(&x->db.a, store_col_text(s, 0)) : NULL;
    store_done(s);
    return v;
}

/* A session of the fixture's course; trainer: an account (user) or a graduate (participant). */
static const char *add_session(struct fixture *x, const char *user, const char *participant, const char *starts,
                               const char *ends, int capacity, bool tot)
{
    struct training_session s = {.programme_id = x->programme_id, .course_id = x->course_id,
                                 .trainer_user_id = user, .trainer_participant_id = participant,
                                 .starts_at = starts, .ends_at = ends, .place = "Room 1", .capacity = capacity,
                                 .is_tot = tot};
    if (training_session_add(x->db.st, &x->db.a, &s, &coordinator, &x->db.e) < 0)
        fail_msg("session: %s", x->db.e.msg);
    return s.id;
}

static const char *enrol(struct fixture *x, const char *session, const char *name)
{
    struct training_person_new p = {.name = name};
    const char *id = NULL;
    if (training_enrol(x->db.st, &x->db.a, session, &p, &coordinator, &id, NULL, &x->db.e) < 0)
        fail_msg("enrol %s: %s", name, x->db.e.msg);
    return id;
}

/* --- capacity ------------------------------------------------------------------------------------- */

static void test_capacity_is_never_exceeded(void **state)
{
    struct fixture *x = *state;
    const char *s = add_session(x, x->trainer_id, NULL, "2026-10-05T09:00:00.000Z", "2026-10-05T12:00:00.000Z", 2, false);
    enrol(x, s, "Ana");
    enrol(x, s, "Bruno");
    int64_t people = query_int(x, "SELECT count(*) FROM training_participants", NULL);
    int64_t audit = query_int(x, "SELECT count(*) FROM audit_log", NULL);
    struct training_person_new p = {.name = "Carla"};
    struct err e;
    err_clear(&e);
    assert_int_equal(training_enrol(x->db.st, &x->db.a, s, &p, &coordinator, NULL, NULL, &e), ERR_LIMIT);
    assert_non_null(strstr(e.msg, "full"));
    assert_non_null(strstr(e.msg, "2 places"));
    /* Refused: nobody new, no enrolment, no audit entry. */
    assert_int_equal(query_int(x, "SELECT count(*) FROM training_enrolments WHERE session_id = ?", s), 2);
    assert_int_equal(query_int(x, "SELECT count(*) FROM training_participants", NULL), people);
    assert_int_equal(query_int(x, "SELECT count(*) FROM audit_log", NULL), audit);
    /* An existing person is refused the same way, and twice in one session always. */
    const char *ana = query_text(x, "SELECT id FROM training_participants WHERE name = 'Ana'", NULL);
    const char *s2 = add_session(x, x->trainer_id, NULL, "2026-10-06T09:00:00.000Z", "2026-10-06T12:00:00.000Z", 5, false);
    struct training_person_new again = {.participant_id = ana};
    assert_int_equal(training_enrol(x->db.st, &x->db.a, s2, &again, &coordinator, NULL, NULL, &e), 0);
    assert_int_equal(training_enrol(x->db.st, &x->db.a, s2, &again, &coordinator, NULL, NULL, &e), ERR_CONFLICT);
    assert_int_equal(query_int(x, "SELECT count(*) FROM training_enrolments WHERE session_id = ?", s2), 1);
}

static void test_a_new_persons_problems_are_named(void **state)
{
    struct fixture *x = *state;
    const char *s = add_session(x, x->trainer_id, NULL, "2026-10-05T09:00:00.000Z", "2026-10-05T12:00:00.000Z", 5, false);
    struct training_person_new p = {.name = "  ", .email = "not an address", .institution_id = "nope", .role = "pilot"};
    struct programme_problems pp = {0};
    struct err e;
    err_clear(&e);
    assert_int_equal(training_enrol(x->db.st, &x->db.a, s, &p, &coordinator, NULL, &pp, &e), ERR_INVALID);
    assert_int_equal(pp.n, 4);
    assert_string_equal(pp.item[0].field, "name");
    assert_string_equal(pp.item[1].field, "email");
    assert_string_equal(pp.item[2].field, "institution");
    assert_string_equal(pp.item[3].field, "role");
    assert_int_equal(query_int(x, "SELECT count(*) FROM training_participants", NULL), 0);
}

/* --- attendance, completion, certificates -------------------------------------------------------- */

static void test_completion_needs_attendance(void **state)
{
    struct fixture *x = *state;
    const char *s = add_session(x, x->trainer_id, NULL, "2026-10-05T09:00:00.000Z", "2026-10-05T12:00:00.000Z", 5, false);
    const char *ana = enrol(x, s, "Ana"), *bruno = enrol(x, s, "Bruno");
    struct err e;
    err_clear(&e);
    /* Completed without attending: refused, naming the person, and nothing of the record is kept
     * (Ana's good mark included). */
    struct training_mark bad[] = {{ana, true, true}, {bruno, false, true}};
    assert_int_equal(training_record(x->db.st, &x->db.a, s, bad, 2, "2026-10-05T12:30:00.000Z", &coordinator, NULL, &e),
                     ERR_INVALID);
    assert_non_null(strstr(e.msg, "Bruno"));
    assert_int_equal(query_int(x, "SELECT count(*) FROM training_enrolments WHERE status = 'enrolled'", NULL), 2);
    /* Before the session starts: refused too. */
    struct training_mark early[] = {{ana, true, false}};
    assert_int_equal(training_record(x->db.st, &x->db.a, s, early, 1, "2026-10-05T08:59:00.000Z", &coordinator, NULL, &e),
                     ERR_INVALID);
    assert_int_equal(query_int(x, "SELECT count(*) FROM training_enrolments WHERE attended_at IS NOT NULL", NULL), 0);
    /* The schema keeps the rule whatever the code does. */
    assert_int_not_equal(store_exec(x->db.st, "UPDATE training_enrolments SET status = 'completed'", &e), 0);

    struct training_mark good[] = {{ana, true, true}, {bruno, false, false}};
    int changed;
    assert_int_equal(training_record(x->db.st, &x->db.a, s, good, 2, "2026-10-05T12:30:00.000Z", &coordinator, &changed, &e), 0);
    assert_int_equal(changed, 2);
    assert_string_equal(query_text(x, "SELECT status FROM training_enrolments WHERE id = ?", ana), "completed");
    assert_string_equal(query_text(x, "SELECT status FROM training_enrolments WHERE id = ?", bruno), "no_show");
    const char *code = query_text(x, "SELECT certificate_code FROM training_enrolments WHERE id = ?", ana);
    assert_non_null(code);
    assert_int_equal(strlen(code), 14);

    struct training_certificate c;
    assert_int_equal(training_certificate_get(x->db.st, &x->db.a, ana, &c, &e), 0);
    assert_string_equal(c.enrolment.person.name, "Ana");
    assert_string_equal(c.session.course_title, "Tablet basics");
    assert_string_equal(c.session.trainer_name, "Tess Trainer");
    assert_int_equal(training_certificate_get(x->db.st, &x->db.a, bruno, &c, &e), ERR_NOT_FOUND);
    /* Found by its code typed in lower case without dashes. */
    char typed[16];
    size_t k = 0;
    for (const char *p = code; *p; p++)
        if (*p != '-') typed[k++] = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
    typed[k] = '\0';
    assert_int_equal(training_certificate_find(x->db.st, &x->db.a, typed, &c, &e), 0);
    assert_string_equal(c.enrolment.id, ana);

    /* Recording again keeps the times and the code; taking the completion back drops the code. */
    const char *at = query_text(x, "SELECT completed_at FROM training_enrolments WHERE id = ?", ana);
    assert_int_equal(training_record(x->db.st, &x->db.a, s, good, 2, "2026-10-07T10:00:00.000Z", &coordinator, &changed, &e), 0);
    assert_int_equal(changed, 0);
    assert_string_equal(query_text(x, "SELECT completed_at FROM training_enrolments WHERE id = ?", ana), at);
    struct training_mark back[] = {{ana, true, false}};
    assert_int_equal(training_record(x->db.st, &x->db.a, s, back, 1, "2026-10-07T10:00:00.000Z", &coordinator, NULL, &e), 0);
    assert_null(query_text(x, "SELECT certificate_code FROM training_enrolments WHERE id = ?", ana));
    assert_int_equal(training_certificate_get(x->db.st, &x->db.a, ana, &c, &e), ERR_NOT_FOUND);

    /* An enrolment of another session is refused, and changes nothing. */
    const char *other = add_session(x, x->trainer_id, NULL, "2026-10-08T09:00:00.000Z", "2026-10-08T12:00:00.000Z", 5, false);
    struct training_mark foreign[] = {{enrol(x, other, "Dora"), true, false}};
    assert_int_equal(training_record(x->db.st, &x->db.a, s, foreign, 1, "2026-10-09T10:00:00.000Z", &coordinator, NULL, &e),
                     ERR_INVALID);
    assert_int_equal(query_int(x, "SELECT count(*) FROM training_enrolments WHERE session_id = ? AND status = 'enrolled'", other), 1);
}

static void test_a_graduate_trains_only_after_graduating(void **state)
{
    struct fixture *x = *state;
    const char *tot = add_session(x, x->trainer_id, NULL, "2026-09-15T08:00:00.000Z", "2026-09-17T15:00:00.000Z", 5, true);
    const char *en = enrol(x, tot, "Gina");
    const char *gina = query_text(x, "SELECT participant_id FROM training_enrolments WHERE id = ?", en);
    struct training_session s = {.programme_id = x->programme_id, .course_id = x->course_id,
                                 .trainer_participant_id = gina, .starts_at = "2026-10-01T08:00:00.000Z",
                                 .ends_at = "2026-10-01T10:00:00.000Z", .place = "Room 2", .capacity = 5};
    struct programme_problems pp = {0};
    /* Not completed yet: she may not train. */
    assert_int_equal(training_session_validate(x->db.st, &x->db.a, &s, &pp, &x->db.e), 1);
    assert_string_equal(pp.item[0].field, "trainer");
    struct training_mark done[] = {{en, true, true}};
    assert_int_equal(training_record(x->db.st, &x->db.a, tot, done, 1, "2026-09-17T15:00:00.000Z", &coordinator, NULL, &x->db.e), 0);
    pp.n = 0;
    assert_int_equal(training_session_validate(x->db.st, &x->db.a, &s, &pp, &x->db.e), 0);
    /* A session starting before her course ended: still no. */
    s.starts_at = "2026-09-16T08:00:00.000Z";
    s.ends_at = "2026-09-16T10:00:00.000Z";
    assert_int_equal(training_session_validate(x->db.st, &x->db.a, &s, &pp, &x->db.e), 1);
    /* A session's own trainer cannot enrol in it. */
    s.starts_at = "2026-10-01T08:00:00.000Z";
    s.ends_at = "2026-10-01T10:00:00.000Z";
    assert_int_equal(training_session_add(x->db.st, &x->db.a, &s, &coordinator, &x->db.e), 0);
    struct training_person_new self = {.participant_id = gina};
    assert_int_equal(training_enrol(x->db.st, &x->db.a, s.id, &self, &coordinator, NULL, NULL, &x->db.e), ERR_CONFLICT);
    /* The other rules, each by its field. */
    struct training_session bad = {.programme_id = x->programme_id, .course_id = "nope", .trainer_user_id = "nope",
                                   .starts_at = "2026-10-01T10:00:00.000Z", .ends_at = "2026-10-01T09:00:00.000Z",
                                   .link = "javascript:alert(1)", .capacity = 0};
    pp.n = 0;
    assert_int_equal(training_session_validate(x->db.st, &x->db.a, &bad, &pp, &x->db.e), 5);
    const char *fields[] = {"course", "ends_at", "trainer", "link", "capacity"};
    for (size_t i = 0; i < 5; i++) assert_string_equal(pp.item[i].field, fields[i]);
    assert_int_equal(training_session_add(x->db.st, &x->db.a, &bad, &coordinator, &x->db.e), ERR_INVALID);
    assert_int_equal(query_int(x, "SELECT count(*) FROM training_sessions", NULL), 2);
}

/* --- the cascade, by hand ----------------------------------------------------------------------- */

static void test_cascade_levels_and_counts(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 0);
    /* s0: staff ToT (A, B graduate). s1: A's ToT (C, D graduate). s2: C's session (E, F, and B
     * again). s3: B's session (G, C). s4: X's, who graduated nowhere. s5: A's, starting before
     * s0 ended: she was no graduate yet. s6: D's ToT before s1 ended (level 0 too), and s7: C's
     * second session, after s1: level 2 like s2. */
    const struct cascade_session s[] = {
        {"s0", NULL, true, "2026-09-01T08:00Z", "2026-09-03T16:00Z"},
        {"s1", "A", true, "2026-09-10T08:00Z", "2026-09-11T16:00Z"},
        {"s2", "C", false, "2026-09-20T08:00Z", "2026-09-20T12:00Z"},
        {"s3", "B", false, "2026-09-12T08:00Z", "2026-09-12T12:00Z"},
        {"s4", "X", false, "2026-09-05T08:00Z", "2026-09-05T12:00Z"},
        {"s5", "A", false, "2026-09-02T08:00Z", "2026-09-02T12:00Z"},
        {"s6", "D", true, "2026-09-11T08:00Z", "2026-09-11T12:00Z"},
        {"s7", "C", false, "2026-09-25T08:00Z", "2026-09-25T12:00Z"},
    };
    const struct cascade_completion c[] = {
        {0, "A"}, {0, "B"}, {1, "C"}, {1, "D"}, {2, "E"}, {2, "F"}, {2, "B"}, {3, "G"}, {3, "C"}, {4, "H"}, {5, "I"},
        {7, "E"},
    };
    struct training_cascade out;
    struct err e;
    err_clear(&e);
    assert_int_equal(training_cascade_compute(&a, s, 8, c, sizeof c / sizeof c[0], &out, &e), 0);
    const int levels[] = {0, 1, 2, 1, 0, 0, 0, 2};
    const long parents[] = {-1, 0, 1, 0, -1, -1, -1, 1};
    for (size_t i = 0; i < 8; i++) {
        assert_int_equal(out.level[i], levels[i]);
        assert_int_equal(out.parent[i], parents[i]);
    }
    assert_int_equal(out.nlevels, 3);
    /* Level 0: s0, s4, s5, s6; reached A, B (s0), H (s4), I (s5): 4; graduates A, B. */
    assert_int_equal(out.levels[0].sessions, 4);
    assert_int_equal(out.levels[0].reached, 4);
    assert_int_equal(out.levels[0].graduates, 2);
    /* Level 1: s1, s3; reached C, D (s1), G, C (s3): C once, so 3; graduates C, D. */
    assert_int_equal(out.levels[1].sessions, 2);
    assert_int_equal(out.levels[1].reached, 3);
    assert_int_equal(out.levels[1].graduates, 2);
    /* Level 2: s2, s7; reached E, F, B, E: 3; no train-the-trainer session. */
    assert_int_equal(out.levels[2].sessions, 2);
    assert_int_equal(out.levels[2].reached, 3);
    assert_int_equal(out.levels[2].graduates, 0);
    /* Everyone once: A B C D E F G H I. */
    assert_int_equal(out.reached, 9);
    /* A completion naming no session is refused. */
    const struct cascade_completion bad[] = {{9, "Z"}};
    assert_int_equal(training_cascade_compute(&a, s, 8, bad, 1, &out, &e), ERR_INVALID);
    arena_free(&a);
}

/* --- import ------------------------------------------------------------------------------------- */

static int import_csv(struct fixture *x, const char *csv, bool dry_run, struct training_import_result *r)
{
    struct sheet_book book;
    if (inst_read_table(&x->db.a, "csv", csv, strlen(csv), &book, &x->db.e) < 0) fail_msg("read: %s", x->db.e.msg);
    return training_import(x->db.st, &x->db.a, &book, dry_run, false, &coordinator, r, &x->db.e);
}

static void test_an_import_with_a_bad_row_imports_nothing(void **state)
{
    struct fixture *x = *state;
    const char *csv = "title,language,mode,duration_minutes,level,topics,url,file_name,programme\n"
                      "Online safety,en,online,90,beginner,\"Online Safety; skills\",https://example.org/a,,\n"
                      "Offline kit,fr,offline_package,,,connectivity,,,pilot-test\n"
                      "Coding club,english,online,ninety,expert,skills,ftp://example.org,,\n"
                      ",de,in person,60,,,,,no-such-programme\n";
    struct training_import_result r;
    int64_t before = query_int(x, "SELECT count(*) FROM courses", NULL);
    int64_t audit = query_int(x, "SELECT count(*) FROM audit_log", NULL);
    assert_int_equal(import_csv(x, csv, false, &r), 0);
    assert_false(r.imported);
    /* Row 3: the offline package without a file name. Row 4: language, duration, level, link.
     * Row 5: no such programme, no title ("in person" is read as in_person). */
    struct { int row; const char *column; } expected[] = {
        {3, "file_name"}, {4, "language"}, {4, "duration_minutes"}, {4, "level"}, {4, "url"},
        {5, "programme"}, {5, "title"},
    };
    assert_int_equal(r.nerrors, 7);
    for (size_t i = 0; i < 7; i++) {
        assert_int_equal(r.errors[i].row, expected[i].row);
        assert_string_equal(r.errors[i].column, expected[i].column);
    }
    assert_string_equal(r.errors[1].value, "english");
    assert_int_equal(query_int(x, "SELECT count(*) FROM courses", NULL), before);
    assert_int_equal(query_int(x, "SELECT count(*) FROM audit_log", NULL), audit);

    /* A header without its required columns, or with an unknown one, is refused before any row. */
    assert_int_equal(import_csv(x, "title,colour\nA,red\n", false, &r), 0);
    assert_int_equal(r.nerrors, 3);
    assert_string_equal(r.errors[0].column, "colour");
    assert_int_equal(query_int(x, "SELECT count(*) FROM courses", NULL), before);
}

static void test_a_good_import_adds_every_row(void **state)
{
    struct fixture *x = *state;
    const char *csv = "Title,Language,Mode,duration_minutes,topics,url,file_name,programme\r\n"
                      "Online safety,EN,Online,90,\"Online  Safety; skills, online safety\",https://example.org/a,,\r\n"
                      "Offline kit,pt-BR,offline_package,,connectivity,,kit.zip,pilot-test\r\n";
    struct training_import_result r;
    int64_t before = query_int(x, "SELECT count(*) FROM courses", NULL);
    assert_int_equal(import_csv(x, csv, true, &r), 0);
    assert_int_equal(r.nerrors, 0);
    assert_int_equal(r.nrows, 2);
    assert_false(r.imported);
    assert_int_equal(query_int(x, "SELECT count(*) FROM courses", NULL), before);
    assert_int_equal(import_csv(x, csv, false, &r), 0);
    assert_true(r.imported);
    assert_int_equal(query_int(x, "SELECT count(*) FROM courses", NULL), before + 2);
    assert_string_equal(query_text(x, "SELECT topics FROM courses WHERE title = 'Online safety'", NULL),
                        "online safety, skills");
    assert_string_equal(query_text(x, "SELECT language || ' ' || mode FROM courses WHERE title = 'Online safety'", NULL),
                        "en online");
    assert_string_equal(query_text(x, "SELECT programme_id FROM courses WHERE title = 'Offline kit'", NULL), x->programme_id);
    assert_int_equal(query_int(x, "SELECT count(*) FROM audit_log WHERE action = 'training.import'", NULL), 1);
    /* Topics name domains by id or label, any case. */
    struct training_course c = {.topics = "online safety, skills"};
    assert_true(training_course_matches(&c, "skills", "Digital skills"));
    assert_false(training_course_matches(&c, "devices", "Devices"));
    c.topics = "digital skills";
    assert_true(training_course_matches(&c, "skills", "Digital Skills"));
}

/* --- privacy ------------------------------------------------------------------------------------ */

static void test_erasure_empties_a_participants_name_and_email(void **state)
{
    struct fixture *x = *state;
    const char *s = add_session(x, x->trainer_id, NULL, "2026-10-05T09:00:00.000Z", "2026-10-05T12:00:00.000Z", 5, false);
    struct training_person_new p = {.name = "Erin Example", .email = "Erin@Example.org"};
    const char *en;
    assert_int_equal(training_enrol(x->db.st, &x->db.a, s, &p, &coordinator, &en, NULL, &x->db.e), 0);
    enrol(x, s, "Other Person");
    json_t *doc;
    assert_int_equal(training_person_json(x->db.st, "erin@example.org", NULL, &doc, &x->db.e), 0);
    assert_int_equal(json_array_size(doc), 1);
    assert_int_equal(json_array_size(json_object_get(json_array_get(doc, 0), "enrolments")), 1);
    json_decref(doc);
    struct privacy_erasure out;
    assert_int_equal(privacy_erase(x->db.st, &x->db.a, "erin@example.org", &coordinator, &out, &x->db.e), 0);
    assert_int_equal(query_int(x, "SELECT count(*) FROM training_participants WHERE name = 'Erin Example'", NULL), 0);
    assert_int_equal(query_int(x, "SELECT count(*) FROM training_participants WHERE email IS NOT NULL", NULL), 0);
    assert_int_equal(query_int(x, "SELECT count(*) FROM training_participants WHERE name = 'Other Person'", NULL), 1);
    /* The enrolment and the pseudonym stay: counts do not change. */
    assert_int_equal(query_int(x, "SELECT count(*) FROM training_enrolments WHERE session_id = ?", s), 2);
    struct training_enrolment got;
    assert_int_equal(training_enrolment_get(x->db.st, &x->db.a, en, &got, &x->db.e), 0);
    assert_string_equal(got.person.name, "");
    assert_int_equal(strlen(got.person.pseudonym), 14);
}

/* --- the demo: curriculum and cascade ----------------------------------------------------------- */

static void load_demo(struct fixture *x)
{
    struct demo_report report;
    if (demo_load(x->db.st, &x->db.a, &report, &x->db.e) < 0) fail_msg("demo: %s", x->db.e.msg);
    if (demo_training_load(x->db.st, &x->db.a, demo_programme_id, &x->db.e) < 0) fail_msg("training demo: %s", x->db.e.msg);
}

static void test_weakest_domains_follow_the_need_index(void **state)
{
    struct fixture *x = *state;
    load_demo(x);
    const char *inst = query_text(x, "SELECT institution_id FROM curriculum_plans ORDER BY institution_id LIMIT 1", NULL);
    assert_non_null(inst);
    struct curriculum_needs needs;
    assert_int_equal(curriculum_needs(x->db.st, &x->db.a, demo_programme_id, inst, &needs, &x->db.e), 0);
    assert_int_equal(needs.ndomains, 4);
    /* Independently: the weighted mean of the institution's normalised values per domain. */
    struct campaign *c;
    struct assessment as;
    assert_int_equal(assess_needs_campaign(x->db.st, &x->db.a, demo_programme_id, &c, &x->db.e), 0);
    assert_int_equal(assess_compute(x->db.st, &x->db.a, c, false, &as, &x->db.e), 0);
    long i = assess_find(&as, inst);
    assert_true(i >= 0);
    for (size_t k = 0; k < needs.ndomains; k++) {
        double sum = 0, w = 0;
        for (size_t j = 0; j < as.model.nindicators; j++) {
            double y = as.result.normalised[(size_t)i * as.model.nindicators + j];
            if (strcmp(as.model.indicators[j].domain, needs.domains[k].id) != 0 || isnan(y)) continue;
            sum += as.model.indicators[j].weight * y;
            w += as.model.indicators[j].weight;
        }
        if (w > 0) assert_true(fabs(needs.domains[k].need - sum / w) < 1e-9);
        else assert_true(isnan(needs.domains[k].need));
        if (k > 0 && !isnan(needs.domains[k].need)) assert_true(needs.domains[k - 1].need >= needs.domains[k].need);
    }
    /* The plan's items are of the two weakest domains, each a course that names its domain. */
    struct curriculum_plan plan;
    assert_int_equal(curriculum_plan_get(x->db.st, &x->db.a, inst, demo_programme_id, "2026-11-23", &plan, &x->db.e), 0);
    assert_true(plan.nitems > 0);
    size_t late = 0, done = 0;
    for (size_t k = 0; k < plan.nitems; k++) {
        const struct curriculum_item *it = &plan.items[k];
        assert_true(!strcmp(it->domain, needs.domains[0].id) || !strcmp(it->domain, needs.domains[1].id));
        bool is_done = !strcmp(it->status, "done");
        assert_int_equal(is_done, it->done_on != NULL);
        done += is_done;
        late += !is_done && strcmp(it->due_on, "2026-11-23") < 0;
    }
    assert_int_equal(plan.done, done);
    assert_int_equal(plan.late, late);
    /* Made again: nothing to add. */
    int added = -1;
    assert_int_equal(curriculum_make(x->db.st, &x->db.a, demo_programme_id, inst, "2026-09-21", 2, false, &coordinator,
                                     &added, &x->db.e), 0);
    assert_int_equal(added, 0);
    /* An item is moved on, and a bad item is refused by field and adds nothing. */
    assert_int_equal(curriculum_item_set(x->db.st, &x->db.a, inst, plan.items[plan.nitems - 1].id, "done", "2026-11-23",
                                         &coordinator, &x->db.e), 0);
    assert_int_equal(curriculum_item_set(x->db.st, &x->db.a, "another-institution", plan.items[0].id, "done", NULL,
                                         &coordinator, &x->db.e), ERR_NOT_FOUND);
    struct curriculum_item_new bad = {.domain = "weather", .module = "", .course_id = "nope", .due_on = "2026-02-30"};
    struct programme_problems pp = {0};
    int64_t items = query_int(x, "SELECT count(*) FROM curriculum_items", NULL);
    assert_int_equal(curriculum_item_add(x->db.st, &x->db.a, demo_programme_id, inst, &bad, &coordinator, &pp, &x->db.e),
                     ERR_INVALID);
    assert_int_equal(pp.n, 4);
    assert_int_equal(query_int(x, "SELECT count(*) FROM curriculum_items", NULL), items);
}

static void test_the_demo_has_a_cascade_of_two_levels_and_loads_once(void **state)
{
    struct fixture *x = *state;
    load_demo(x);
    const char *counts = "SELECT (SELECT count(*) FROM courses) || '/' || (SELECT count(*) FROM training_sessions) || '/'"
                         " || (SELECT count(*) FROM training_enrolments) || '/' || (SELECT count(*) FROM curriculum_items)";
    const char *first = query_text(x, counts, NULL);
    if (demo_training_load(x->db.st, &x->db.a, demo_programme_id, &x->db.e) < 0) fail_msg("again: %s", x->db.e.msg);
    assert_string_equal(query_text(x, counts, NULL), first);
    struct training_cascade_view cv;
    assert_int_equal(training_cascade_load(x->db.st, &x->db.a, demo_programme_id, &cv, &x->db.e), 0);
    assert_int_equal(cv.cascade.nlevels, 3);
    assert_int_equal(cv.cascade.levels[1].graduates > 0, 1);
    assert_true(cv.cascade.levels[2].reached > 0);
    assert_true(query_int(x, "SELECT count(*) FROM training_enrolments WHERE status = 'no_show'", NULL) > 0);
    assert_true(query_int(x, "SELECT count(*) FROM curriculum_items WHERE status <> 'done' AND due_on < '2026-11-23'", NULL) > 0);
}

/* --- a course's file ---------------------------------------------------------------------------- */

static const char pdf[] = "%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

static int64_t audit_count(struct fixture *x)
{
    return query_int(x, "SELECT count(*) FROM audit_log WHERE action = 'training.course_file'", NULL);
}

static void test_a_course_file_round_trips(void **state)
{
    struct fixture *x = *state;
    size_t n = sizeof pdf - 1;
    assert_int_equal(training_course_file_put(x->db.st, x->course_id, "C:\\docs\\hand\"out.pdf", pdf, n, &coordinator,
                                              &x->db.e), 0);
    const char *name, *type;
    const void *data;
    size_t len;
    assert_int_equal(training_course_file_get(x->db.st, &x->db.a, x->course_id, &name, &type, &data, &len, &x->db.e), 0);
    assert_string_equal(name, "handout.pdf"); /* the path and the quote are gone */
    assert_string_equal(type, "application/pdf");
    assert_int_equal(len, n);
    assert_memory_equal(data, pdf, n);
    assert_int_equal(audit_count(x), 1);
    /* The audit names the file, never its content. */
    const char *detail = query_text(x, "SELECT detail FROM audit_log WHERE action = 'training.course_file'", NULL);
    assert_non_null(strstr(detail, "\"sha256\""));
    assert_null(strstr(detail, "trailer"));
    struct training_course_file *files;
    size_t nf;
    assert_int_equal(training_course_files(x->db.st, &x->db.a, &files, &nf, &x->db.e), 0);
    assert_int_equal(nf, 1);
    assert_int_equal(files[0].size, (int64_t)n);
    assert_int_equal(strlen(files[0].sha256), 64);
    assert_string_equal(files[0].uploaded_by, "coordinator@example.org");
    /* Another course has none; an unknown course takes none. */
    assert_int_equal(training_course_file_get(x->db.st, &x->db.a, "nope", &name, &type, &data, &len, &x->db.e),
                     ERR_NOT_FOUND);
    assert_int_equal(training_course_file_put(x->db.st, "nope", "a.pdf", pdf, n, &coordinator, &x->db.e), ERR_NOT_FOUND);
    assert_int_equal(query_int(x, "SELECT count(*) FROM course_files", NULL), 1);
    /* A person's erasure takes the uploader's name, not the file. */
    struct privacy_erasure out;
    assert_int_equal(privacy_erase(x->db.st, &x->db.a, "Coordinator@example.org", &coordinator, &out, &x->db.e), 0);
    assert_string_equal(query_text(x, "SELECT uploaded_by FROM course_files", NULL), "(erased)");
    assert_int_equal(query_int(x, "SELECT size FROM course_files", NULL), (int64_t)n);
}

static void test_a_course_file_too_large_is_refused(void **state)
{
    struct fixture *x = *state;
    size_t n = TRAINING_FILE_MAX_BYTES + 1;
    char *big = calloc(1, n);
    memcpy(big, "%PDF-1.4\n", 9);
    assert_int_equal(training_course_file_put(x->db.st, x->course_id, "big.pdf", big, n, &coordinator, &x->db.e), ERR_LIMIT);
    assert_non_null(strstr(x->db.e.msg, "8 MiB"));
    /* Exactly the limit passes. */
    assert_int_equal(training_course_file_put(x->db.st, x->course_id, "big.pdf", big, n - 1, &coordinator, &x->db.e), 0);
    free(big);
    assert_int_equal(training_course_file_put(x->db.st, x->course_id, "empty.pdf", "", 0, &coordinator, &x->db.e),
                     ERR_INVALID);
    assert_int_equal(query_int(x, "SELECT count(*) FROM course_files", NULL), 1);
    assert_int_equal(audit_count(x), 1);
}

static void test_a_course_file_of_a_refused_type_stores_nothing(void **state)
{
    struct fixture *x = *state;
    static const char exe[] = "MZ\x90\x00\x03\x00\x00\x00\x04\x00";
    assert_int_equal(training_course_file_put(x->db.st, x->course_id, "handout.pdf", exe, sizeof exe - 1, &coordinator,
                                              &x->db.e), ERR_INVALID);
    assert_non_null(strstr(x->db.e.msg, "Windows program"));
    static const char unknown[] = "\x01\x02\x03\x04binary";
    assert_int_equal(training_course_file_put(x->db.st, x->course_id, "x.pdf", unknown, sizeof unknown - 1, &coordinator,
                                              &x->db.e), ERR_INVALID);
    static const char html[] = "  <!DOCTYPE html><script>alert(1)</script>";
    assert_int_equal(training_course_file_put(x->db.st, x->course_id, "x.txt", html, sizeof html - 1, &coordinator,
                                              &x->db.e), ERR_INVALID);
    assert_int_equal(query_int(x, "SELECT count(*) FROM course_files", NULL), 0);
    assert_int_equal(audit_count(x), 0);
    /* The type is the bytes', whatever the name says. */
    const char *type, *looks;
    int code;
    static const char png[] = "\x89PNG\r\n\x1a\n....";
    assert_null(training_course_file_check(png, sizeof png - 1, &type, &looks, &code));
    assert_string_equal(type, "image/png");
    static const char odt[] = "PK\x03\x04" "01234567890123456789012345" "mimetypeapplication/vnd.oasis.opendocument.textPK";
    assert_null(training_course_file_check(odt, sizeof odt - 1, &type, &looks, &code));
    assert_string_equal(type, "application/vnd.oasis.opendocument.text");
    static const char text[] = "Lesson 1: passwords.\r\n\tUse long ones. \xc3\xa9t\xc3\xa9\n";
    assert_null(training_course_file_check(text, sizeof text - 1, &type, &looks, &code));
    assert_string_equal(type, "text/plain; charset=utf-8");
}

static void test_a_new_course_file_replaces_the_old(void **state)
{
    struct fixture *x = *state;
    assert_int_equal(training_course_file_put(x->db.st, x->course_id, "one.pdf", pdf, sizeof pdf - 1, &coordinator,
                                              &x->db.e), 0);
    static const char txt[] = "Lesson notes\n";
    assert_int_equal(training_course_file_put(x->db.st, x->course_id, "notes.txt", txt, sizeof txt - 1, &coordinator,
                                              &x->db.e), 0);
    const char *name, *type;
    const void *data;
    size_t len;
    assert_int_equal(training_course_file_get(x->db.st, &x->db.a, x->course_id, &name, &type, &data, &len, &x->db.e), 0);
    assert_string_equal(name, "notes.txt");
    assert_string_equal(type, "text/plain; charset=utf-8");
    assert_int_equal(len, sizeof txt - 1);
    assert_memory_equal(data, txt, len);
    assert_int_equal(query_int(x, "SELECT count(*) FROM course_files", NULL), 1);
    assert_int_equal(audit_count(x), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_capacity_is_never_exceeded),
        T(test_a_new_persons_problems_are_named),
        T(test_completion_needs_attendance),
        T(test_a_graduate_trains_only_after_graduating),
        cmocka_unit_test(test_cascade_levels_and_counts),
        T(test_an_import_with_a_bad_row_imports_nothing),
        T(test_a_good_import_adds_every_row),
        T(test_erasure_empties_a_participants_name_and_email),
        T(test_weakest_domains_follow_the_need_index),
        T(test_the_demo_has_a_cascade_of_two_levels_and_loads_once),
        T(test_a_course_file_round_trips),
        T(test_a_course_file_too_large_is_refused),
        T(test_a_course_file_of_a_refused_type_stores_nothing),
        T(test_a_new_course_file_replaces_the_old),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

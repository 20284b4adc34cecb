/* Tests for what the register needs to run a programme: an institution's status (inst_set_status:
 * audited with old, new and note; an unknown status, a long note, a merged record refused and
 * nothing changed; the same status again records nothing); whether a form takes answers by its
 * campaigns (campaign_form_open: no campaign, open, draft, before opening, after closing, closed,
 * one open among others); the checks of a field mapping (register_mapping.h); linking an
 * institution contact's account (users.h: on adding it or later, refused for other roles, unknown
 * or merged institutions, with nothing changed); and the demo's link, which picks the first demo
 * institution by name that has a contact email. Each test has a database of its own. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/demo_accounts.h"
#include "auth/users.h"
#include "forms/xlsform.h"
#include "program/campaign.h"
#include "program/institutions.h"
#include "program/programme.h"
#include "program/register_mapping.h"
#include "store/audit.h"
#include "testdb.h"

/* The needs survey's names for a few questions, of several types, one inside a repeat. */
static const char form_md[] =
    "| survey |\n"
    "| | type | name | label | calculation |\n"
    "| | text | institution_name | Institution | |\n"
    "| | select_one kinds | institution_kind | Kind | |\n"
    "| | text | country | Country | |\n"
    "| | integer | learners | Learners | |\n"
    "| | decimal | share | Share | |\n"
    "| | select_multiple subjects | subjects | Subjects | |\n"
    "| | geopoint | location | Location | |\n"
    "| | date | founded | Founded | |\n"
    "| | calculate | total | | ${learners} * 2 |\n"
    "| | note | intro | Hello | |\n"
    "| | begin_repeat | classes | Classes | |\n"
    "| | text | class_name | Class | |\n"
    "| | end_repeat | | | |\n"
    "\n"
    "| choices |\n"
    "| | list_name | name | label |\n"
    "| | kinds | school | School |\n"
    "| | kinds | stem_club | STEM club |\n"
    "| | subjects | maths | Maths |\n"
    "| | subjects | physics | Physics |\n"
    "\n"
    "| settings |\n"
    "| | form_title | form_id | version |\n"
    "| | Register test | register-test | 1 |\n";

static const struct audit_actor coordinator = {"u-1", "coordinator@example.org"};

static int setup(void **state)
{
    struct testdb *x = calloc(1, sizeof *x);
    testdb_open(x, "register-extras");
    testdb_import(x, form_md, "register-test.md");
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    testdb_close(*state);
    free(*state);
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

static const char *query_text(struct testdb *x, const char *sql, const char *arg)
{
    struct store_stmt *s = store_prepare(x->st, sql, &x->e);
    if (!s) fail_msg("prepare: %s", x->e.msg);
    if (arg) store_bind_text(s, 1, arg);
    const char *v = store_step(s, &x->e) == 1 && !store_col_null(s, 0) ? arena_strdup(&x->a, store_col_text(s, 0))
                                                                        : NULL;
    store_done(s);
    return v;
}

static void import_csv(struct testdb *x, const char *csv, bool is_demo)
{
    struct sheet_book book;
    if (inst_read_table(&x->a, "csv", csv, strlen(csv), &book, &x->e) < 0) fail_msg("read: %s", x->e.msg);
    struct inst_import_result r;
    if (inst_import(x->st, &x->a, &book, false, is_demo, &coordinator, &r, &x->e) < 0 || r.nerrors)
        fail_msg("import: %s", r.nerrors ? r.errors[0].problem : x->e.msg);
}

static const char *id_by_name(struct testdb *x, const char *name)
{
    const char *id = query_text(x, "SELECT id FROM institutions WHERE name = ?", name);
    if (!id) fail_msg("no institution named %s", name);
    return id;
}

static int64_t audits(struct testdb *x, const char *action)
{
    return query_int(x, "SELECT count(*) FROM audit_log WHERE action = ?", action);
}

/* ---- status ---------------------------------------------------------------------------------- */

static void test_status_changes_are_audited_and_checked(void **state)
{
    struct testdb *x = *state;
    import_csv(x, "name,country\nEscola Alfa,PT\nEscola Beta,PT\n", false);
    const char *alfa = id_by_name(x, "Escola Alfa");
    bool changed = true;

    /* unknown status, long note, unknown record: refused, nothing written */
    assert_int_equal(inst_set_status(x->st, alfa, "equipped", NULL, &coordinator, &changed, &x->e), ERR_INVALID);
    assert_non_null(strstr(x->e.msg, "'equipped'"));
    assert_false(changed);
    char long_note[INST_NOTE_MAX + 2];
    memset(long_note, 'n', sizeof long_note - 1);
    long_note[sizeof long_note - 1] = '\0';
    assert_int_equal(inst_set_status(x->st, alfa, "selected", long_note, &coordinator, &changed, &x->e), ERR_INVALID);
    assert_int_equal(inst_set_status(x->st, "01938a40-0000-7000-8000-00000000ffff", "selected", NULL, &coordinator,
                                     &changed, &x->e), ERR_NOT_FOUND);
    assert_string_equal(query_text(x, "SELECT status FROM institutions WHERE id = ?", alfa), "registered");
    assert_int_equal(audits(x, "institution.status"), 0);

    /* a change: written, audited with old, new and the note (trimmed); in any case */
    assert_int_equal(inst_set_status(x->st, alfa, "Shortlisted", "  top of the need index ", &coordinator, &changed,
                                     &x->e), 0);
    assert_true(changed);
    assert_string_equal(query_text(x, "SELECT status FROM institutions WHERE id = ?", alfa), "shortlisted");
    assert_string_equal(query_text(x, "SELECT detail FROM audit_log WHERE action = 'institution.status'", NULL),
                        "{\"old\":\"registered\",\"new\":\"shortlisted\",\"note\":\"top of the need index\"}");
    assert_non_null(strstr(query_text(x, "SELECT target_ids FROM audit_log WHERE action = 'institution.status'", NULL),
                           alfa));
    assert_string_equal(query_text(x, "SELECT actor_label FROM audit_log WHERE action = 'institution.status'", NULL),
                        "coordinator@example.org");

    /* the same again: nothing written or recorded */
    assert_int_equal(inst_set_status(x->st, alfa, "shortlisted", "again", &coordinator, &changed, &x->e), 0);
    assert_false(changed);
    assert_int_equal(audits(x, "institution.status"), 1);

    /* a merged record: its survivor's status counts */
    const char *beta = id_by_name(x, "Escola Beta");
    assert_int_equal(inst_merge(x->st, alfa, beta, &coordinator, &x->e), 0);
    assert_int_equal(inst_set_status(x->st, beta, "selected", NULL, &coordinator, &changed, &x->e), ERR_CONFLICT);
    assert_non_null(strstr(x->e.msg, alfa));
    assert_string_equal(query_text(x, "SELECT status FROM institutions WHERE id = ?", beta), "registered");

    /* inside the caller's transaction: rolled back with it */
    assert_int_equal(store_begin(x->st, &x->e), 0);
    assert_int_equal(inst_set_status_in(x->st, alfa, "selected", NULL, &coordinator, &changed, &x->e), 0);
    assert_true(changed);
    store_rollback(x->st);
    assert_string_equal(query_text(x, "SELECT status FROM institutions WHERE id = ?", alfa), "shortlisted");
    assert_int_equal(audits(x, "institution.status"), 1);
}

/* ---- whether a form takes answers ------------------------------------------------------------- */

static struct programme *make_programme(struct testdb *x)
{
    struct programme *p = arena_calloc(&x->a, 1, sizeof *p);
    *p = (struct programme){.slug = "pilot", .name = "Pilot Nord", .summary = "", .pilot_size = 10,
                            .devices_per_institution = 10};
    if (programme_create(x->st, &x->a, p, &coordinator, &x->e) < 0) fail_msg("programme: %s", x->e.msg);
    return p;
}

static struct campaign *make_campaign(struct testdb *x, struct programme *p, const char *name, const char *status,
                                      const char *opens, const char *closes)
{
    struct campaign *c = arena_calloc(&x->a, 1, sizeof *c);
    *c = (struct campaign){.name = name, .form_id = "register-test", .kind = "needs_survey", .status = status,
                           .opens_on = opens, .closes_on = closes};
    if (campaign_create(x->st, &x->a, p, c, &coordinator, &x->e) < 0) fail_msg("campaign: %s", x->e.msg);
    return c;
}

static bool form_open(struct testdb *x, const char *today, struct campaign_closure *why)
{
    bool open = false;
    if (campaign_form_open(x->st, &x->a, "register-test", today, &open, why, &x->e) < 0)
        fail_msg("campaign_form_open: %s", x->e.msg);
    return open;
}

static void test_a_form_takes_answers_while_a_campaign_is_open(void **state)
{
    struct testdb *x = *state;
    struct campaign_closure why;
    /* no campaign: a form used outside programmes takes answers */
    assert_true(form_open(x, "2026-02-01", &why));
    assert_null(why.campaign);

    struct programme *p = make_programme(x);
    struct campaign *c = make_campaign(x, p, "Needs 2026", "draft", "2026-01-12", "2026-03-27");
    /* a draft campaign is not open yet */
    assert_false(form_open(x, "2026-02-01", &why));
    assert_string_equal(why.campaign, "Needs 2026");
    assert_string_equal(why.programme, "Pilot Nord");
    assert_null(why.opens_on);
    assert_null(why.closed_on);

    c->status = "open";
    assert_int_equal(campaign_update(x->st, &x->a, p, c, &coordinator, &x->e), 0);
    assert_true(form_open(x, "2026-01-12", &why)); /* both days included */
    assert_true(form_open(x, "2026-03-27", &why));
    assert_false(form_open(x, "2026-01-11", &why));
    assert_string_equal(why.opens_on, "2026-01-12");
    assert_false(form_open(x, "2026-03-28", &why));
    assert_string_equal(why.closed_on, "2026-03-27");
    assert_null(why.opens_on);

    /* an empty end counts as open on that side */
    c->closes_on = "";
    assert_int_equal(campaign_update(x->st, &x->a, p, c, &coordinator, &x->e), 0);
    assert_true(form_open(x, "2030-12-31", &why));
    c->opens_on = "";
    assert_int_equal(campaign_update(x->st, &x->a, p, c, &coordinator, &x->e), 0);
    assert_true(form_open(x, "2020-01-01", &why));

    /* closed by its status, whatever the days */
    c->status = "closed";
    assert_int_equal(campaign_update(x->st, &x->a, p, c, &coordinator, &x->e), 0);
    assert_false(form_open(x, "2026-02-01", &why));
    assert_string_equal(why.campaign, "Needs 2026");
    assert_null(why.closed_on);

    /* one open campaign among others is enough; among closed ones, the next to open is named */
    make_campaign(x, p, "Follow-up", "open", "2026-09-01", "2026-09-30");
    assert_false(form_open(x, "2026-05-01", &why));
    assert_string_equal(why.campaign, "Follow-up");
    assert_string_equal(why.opens_on, "2026-09-01");
    assert_true(form_open(x, "2026-09-15", &why));
    assert_false(form_open(x, "2026-10-01", &why));
    assert_string_equal(why.closed_on, "2026-09-30");
    assert_string_equal(why.campaign, "Follow-up");
}

/* ---- the mapping's checks --------------------------------------------------------------------- */

static void test_mapping_checks_name_the_field_and_why(void **state)
{
    struct testdb *x = *state;
    struct regmap_problem p[INST_FIELD_COUNT];
    struct inst_mapping m;
    memset(&m, 0, sizeof m);
    m.field[INST_NAME] = "institution_name";
    m.field[INST_KIND] = "institution_kind";
    m.field[INST_COUNTRY] = "country";
    m.field[INST_LEARNERS] = "learners";
    m.field[INST_LATITUDE] = "share";
    m.field[INST_TEACHERS] = "total";
    assert_int_equal(regmap_check(x->f, &m, p), 0);

    /* the default mapping names questions this form does not have */
    struct inst_mapping d;
    inst_mapping_default(&d);
    assert_true(regmap_check(x->f, &d, p) > 0);
    assert_null(p[INST_NAME].msgid);
    assert_string_equal(p[INST_AREA].arg, "area");
    assert_non_null(strstr(p[INST_AREA].msgid, "no question named %s"));

    /* types that cannot feed, a question inside a repeat, a missing name, a status */
    memset(&m, 0, sizeof m);
    m.field[INST_LEARNERS] = "subjects";
    m.field[INST_LATITUDE] = "location";
    m.field[INST_REGION] = "founded";
    m.field[INST_DEVICES] = "share";
    m.field[INST_CONTACT_NAME] = "class_name";
    m.field[INST_AREA] = "intro";
    m.field[INST_STATUS] = "institution_kind";
    assert_int_equal(regmap_check(x->f, &m, p), 8);
    assert_string_equal(p[INST_LEARNERS].arg, "select_multiple");
    assert_string_equal(p[INST_LATITUDE].arg, "geopoint");
    assert_string_equal(p[INST_REGION].arg, "date");
    assert_string_equal(p[INST_DEVICES].arg, "decimal");
    assert_non_null(strstr(p[INST_CONTACT_NAME].msgid, "repeat"));
    assert_string_equal(p[INST_AREA].arg, "note");
    assert_non_null(p[INST_NAME].msgid);
    assert_non_null(p[INST_STATUS].msgid);
    assert_null(p[INST_COUNTRY].msgid);

    assert_true(regmap_type_feeds(FT_SELECT_ONE, INST_FORMAL));
    assert_true(regmap_type_feeds(FT_INTEGER, INST_FORMAL));
    assert_false(regmap_type_feeds(FT_INTEGER, INST_CONTACT_EMAIL));
    assert_false(regmap_type_feeds(FT_TEXT, INST_LEARNERS));
    assert_false(regmap_type_feeds(FT_TEXT, INST_STATUS));
    assert_false(regmap_target_mappable(INST_STATUS));
    assert_false(regmap_question(form_field_by_name(x->f, "class_name")));
    assert_false(regmap_question(form_field_by_name(x->f, "classes")));
    assert_true(regmap_question(form_field_by_name(x->f, "total")));
}

/* ---- institution contacts' accounts ----------------------------------------------------------- */

static const char password[] = "a-long-password";

static void test_linking_an_institution_contact(void **state)
{
    struct testdb *x = *state;
    import_csv(x, "name,country\nClub Gamma,FR\nClub Delta,FR\n", false);
    const char *gamma = id_by_name(x, "Club Gamma"), *delta = id_by_name(x, "Club Delta");
    struct user u;

    /* on adding: refused for another role, an unknown institution; nothing made */
    struct user_new in = {.email = "panel@example.org", .role = AUTH_ROLE_PANEL, .by = &coordinator,
                          .institution_id = gamma};
    assert_int_equal(user_add(x->st, &x->a, &in, password, &u, &x->e), ERR_INVALID);
    in = (struct user_new){.email = "ines@example.org", .role = AUTH_ROLE_INSTITUTION, .by = &coordinator,
                           .institution_id = "01938a40-0000-7000-8000-00000000ffff"};
    assert_int_equal(user_add(x->st, &x->a, &in, password, &u, &x->e), ERR_NOT_FOUND);
    assert_int_equal(query_int(x, "SELECT count(*) FROM users", NULL), 0);
    assert_int_equal(audits(x, "user.add"), 0);

    in.institution_id = gamma;
    assert_int_equal(user_add(x->st, &x->a, &in, password, &u, &x->e), 0);
    assert_string_equal(u.institution_id, gamma);
    assert_string_equal(query_text(x, "SELECT institution_id FROM users WHERE email = 'ines@example.org'", NULL), gamma);
    assert_int_equal(audits(x, "user.link"), 1);

    /* later: to another institution, audited with the one it replaces; the same again is nothing */
    assert_int_equal(user_link_institution(x->st, &x->a, "INES@example.org", delta, &coordinator, &u, &x->e), 0);
    assert_string_equal(u.institution_id, delta);
    assert_int_equal(audits(x, "user.link"), 2);
    const char *detail = query_text(x, "SELECT detail FROM audit_log WHERE action = 'user.link' ORDER BY at DESC, id DESC"
                                       " LIMIT 1", NULL);
    assert_non_null(strstr(detail, gamma));
    assert_non_null(strstr(detail, delta));
    assert_null(strstr(detail, "ines@")); /* ids only in the trail */
    assert_int_equal(user_link_institution(x->st, &x->a, "ines@example.org", delta, &coordinator, &u, &x->e), 0);
    assert_int_equal(audits(x, "user.link"), 2);

    struct user *list;
    size_t n;
    assert_int_equal(user_list_for_institution(x->st, &x->a, delta, &list, &n, &x->e), 0);
    assert_int_equal(n, 1);
    assert_string_equal(list[0].email, "ines@example.org");
    assert_int_equal(user_list_for_institution(x->st, &x->a, gamma, &list, &n, &x->e), 0);
    assert_int_equal(n, 0);

    /* refused: a merged record (naming its survivor), an unknown one, another role, no account */
    assert_int_equal(inst_merge(x->st, gamma, delta, &coordinator, &x->e), 0); /* moves the link to gamma */
    assert_string_equal(query_text(x, "SELECT institution_id FROM users WHERE email = 'ines@example.org'", NULL), gamma);
    assert_int_equal(user_link_institution(x->st, &x->a, "ines@example.org", delta, &coordinator, &u, &x->e),
                     ERR_CONFLICT);
    assert_non_null(strstr(x->e.msg, gamma));
    assert_int_equal(user_link_institution(x->st, &x->a, "ines@example.org", "nope", &coordinator, &u, &x->e),
                     ERR_NOT_FOUND);
    in = (struct user_new){.email = "trainer@example.org", .role = AUTH_ROLE_TRAINER, .by = &coordinator};
    assert_int_equal(user_add(x->st, &x->a, &in, password, &u, &x->e), 0);
    assert_int_equal(user_link_institution(x->st, &x->a, "trainer@example.org", gamma, &coordinator, &u, &x->e),
                     ERR_INVALID);
    assert_int_equal(user_link_institution(x->st, &x->a, "nobody@example.org", gamma, &coordinator, &u, &x->e),
                     ERR_NOT_FOUND);
    assert_null(query_text(x, "SELECT institution_id FROM users WHERE email = 'trainer@example.org'", NULL));
    assert_string_equal(query_text(x, "SELECT institution_id FROM users WHERE email = 'ines@example.org'", NULL), gamma);
    assert_int_equal(audits(x, "user.link"), 2);
}

static void test_the_demo_links_its_institution_contact(void **state)
{
    struct testdb *x = *state;
    int added;
    assert_int_equal(demo_accounts_load(x->st, &added, &x->e), 0);
    const char *linked = "x";
    /* no register yet: nothing to link */
    assert_int_equal(demo_accounts_link_institution(x->st, &x->a, &linked, &x->e), 0);
    assert_null(linked);
    import_csv(x, "name,country,contact_email\n"
                  "Zeta School,PL,zeta@example.org\n"
                  "Alpha School,PL,\n"
                  "beta school,PL,beta@example.org\n"
                  "Gamma School,PL,gamma@example.org\n", true);
    import_csv(x, "name,country,contact_email\nAardvark Real School,PL,real@example.org\n", false); /* not demo */
    assert_int_equal(demo_accounts_link_institution(x->st, &x->a, &linked, &x->e), 0);
    /* the first by name that has a contact email, case aside */
    assert_string_equal(linked, id_by_name(x, "beta school"));
    assert_string_equal(query_text(x, "SELECT institution_id FROM users WHERE email = 'institution@demo.edubridge.test'",
                                   NULL), linked);
    assert_int_equal(audits(x, "user.link"), 1);
    /* again: linked already, left alone */
    assert_int_equal(demo_accounts_link_institution(x->st, &x->a, &linked, &x->e), 0);
    assert_null(linked);
    assert_int_equal(audits(x, "user.link"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_status_changes_are_audited_and_checked),
        T(test_a_form_takes_answers_while_a_campaign_is_open),
        T(test_mapping_checks_name_the_field_and_why),
        T(test_linking_an_institution_contact),
        T(test_the_demo_links_its_institution_contact),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Tests for the privacy part of the core: the audit trail (store/audit: append-only, filters,
 * exports), pseudonyms (forms/pseudonym: stable, different per database) and pseudonymised exports,
 * the consent recorded with each submission (forms/consent) and its import checks, and erasure
 * (program/privacy), which must leave the summaries of non-personal questions as they were. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/outbox.h"
#include "auth/users.h"
#include "forms/attachments.h"
#include "forms/consent.h"
#include "forms/export.h"
#include "forms/pseudonym.h"
#include "forms/revisions.h"
#include "forms/submissions.h"
#include "forms/summary.h"
#include "forms/xlsform.h"
#include "program/privacy.h"
#include "program/schema.h"
#include "store/audit.h"
#include "base/str.h"
#include "base/timeutil.h"
#include "testdb.h"

static const char form_md[] =
    "| survey |\n"
    "| | type | name | label | personal | relevant | calculation |\n"
    "| | instanceID | instance_id | | | | |\n"
    "| | select_one yesno | consent | May we keep your details? | | | |\n"
    "| | text | name | Name | yes | ${consent} = 'yes' | |\n"
    "| | text | email | Email | yes | ${consent} = 'yes' | |\n"
    "| | select_one yesno | online | Online? | | | |\n"
    "| | integer | learners | Learners | | | |\n"
    "| | select_one yesno | newsletter | Newsletter? | yes | | |\n"
    "| | image | photo | Photo | yes | | |\n"
    "| | calculate | greeting | | | | concat('Dear ', ${name}) |\n"
    "| | text | region | Region | | | |\n"
    "\n"
    "| choices |\n"
    "| | list_name | name | label |\n"
    "| | yesno | yes | Yes |\n"
    "| | yesno | no | No |\n"
    "\n"
    "| settings |\n"
    "| | form_id | version |\n"
    "| | privacy-test | 1 |\n";

/* --- fixture ------------------------------------------------------------------------------------- */

static int setup(void **state)
{
    struct testdb *x = calloc(1, sizeof *x);
    testdb_open(x, "privacy-test");
    testdb_import(x, form_md, "privacy-test.md");
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

static int64_t query_int(struct testdb *x, const char *sql, const char *p1)
{
    struct store_stmt *s = store_prepare(x->st, sql, &x->e);
    assert_non_null(s);
    if (p1) store_bind_text(s, 1, p1);
    assert_int_equal(store_step(s, &x->e), 1);
    int64_t v = store_col_int(s, 0);
    store_done(s);
    return v;
}

static const char *query_text(struct testdb *x, const char *sql, const char *p1)
{
    struct store_stmt *s = store_prepare(x->st, sql, &x->e);
    assert_non_null(s);
    if (p1) store_bind_text(s, 1, p1);
    assert_int_equal(store_step(s, &x->e), 1);
    const char *v = store_col_null(s, 0) ? NULL : arena_strdup(&x->a, store_col_text(s, 0));
    store_done(s);
    return v;
}

/* --- the audit trail ----------------------------------------------------------------------------- */

static void test_audit_is_append_only(void **state)
{
    struct testdb *x = *state;
    const struct audit_actor ada = {"u-1", "ada@example.org"};
    const char *ids[] = {"s-1"};
    assert_int_equal(audit_record(x->st, &ada, "submission.revise", "submission", ids, 1, "{\"n\":1}", &x->e), 0);
    int64_t before = query_int(x, "SELECT count(*) FROM audit_log", NULL);
    /* Neither a change nor a removal gets through, whatever the WHERE. */
    assert_true(store_exec(x->st, "UPDATE audit_log SET actor_label = 'someone else'", &x->e) < 0);
    assert_non_null(strstr(x->e.msg, "the audit trail cannot be changed"));
    err_clear(&x->e);
    assert_true(store_exec(x->st, "DELETE FROM audit_log", &x->e) < 0);
    assert_non_null(strstr(x->e.msg, "the audit trail cannot be changed"));
    err_clear(&x->e);
    assert_true(store_exec(x->st, "DELETE FROM audit_log WHERE action = 'form.import'", &x->e) < 0);
    assert_int_equal(query_int(x, "SELECT count(*) FROM audit_log", NULL), before);
    assert_string_equal(query_text(x, "SELECT actor_label FROM audit_log WHERE action = 'submission.revise'", NULL),
                        "ada@example.org");
    /* Bad input is refused and writes nothing. */
    assert_int_equal(audit_record(x->st, &ada, "Not An Action", "", NULL, 0, NULL, &x->e), ERR_INVALID);
    assert_int_equal(audit_record(x->st, &ada, "a.b", "", NULL, 0, "[1]", &x->e), ERR_INVALID);
    assert_int_equal(query_int(x, "SELECT count(*) FROM audit_log", NULL), before);
}

static void test_audit_filters_and_exports(void **state)
{
    struct testdb *x = *state;
    const struct audit_actor ada = {"u-1", "Ada@Example.org"}, cli = {NULL, "=cli:root"};
    const char *one[] = {"user-1"}, *two[] = {"sub_1", "sub%2"};
    assert_int_equal(audit_record(x->st, &ada, "user.add", "user", one, 1, NULL, &x->e), 0);
    assert_int_equal(audit_record(x->st, &ada, "user.disable", "user", one, 1, NULL, &x->e), 0);
    assert_int_equal(audit_record(x->st, &cli, "submission.revise", "submission", two, 2, NULL, &x->e), 0);
    struct audit_entry *list;
    size_t n;
    int64_t total;
    /* The import of the fixture's form is the first entry. */
    struct audit_filter all = {0};
    assert_int_equal(audit_list(x->st, &x->a, &all, 0, 50, &list, &n, &total, &x->e), 0);
    assert_int_equal(total, 4);
    assert_string_equal(list[0].action, "submission.revise"); /* newest first */
    assert_string_equal(list[3].action, "form.import");
    struct audit_filter f = {.actor = "ada@example.ORG"};
    assert_int_equal(audit_list(x->st, &x->a, &f, 0, 50, &list, &n, &total, &x->e), 0);
    assert_int_equal(total, 2);
    f = (struct audit_filter){.actor = "u-1", .action = "user"};
    assert_int_equal(audit_list(x->st, &x->a, &f, 0, 1, &list, &n, &total, &x->e), 0);
    assert_int_equal(total, 2);
    assert_int_equal(n, 1); /* a page of one */
    f = (struct audit_filter){.action = "user.dis"};
    assert_int_equal(audit_list(x->st, &x->a, &f, 0, 50, &list, &n, &total, &x->e), 0);
    assert_int_equal(total, 1);
    /* A target id is one of the ids, whole: LIKE's wildcards in it mean themselves. */
    f = (struct audit_filter){.target = "sub%2"};
    assert_int_equal(audit_list(x->st, &x->a, &f, 0, 50, &list, &n, &total, &x->e), 0);
    assert_int_equal(total, 1);
    f = (struct audit_filter){.target = "sub"};
    assert_int_equal(audit_list(x->st, &x->a, &f, 0, 50, &list, &n, &total, &x->e), 0);
    assert_int_equal(total, 0);
    f = (struct audit_filter){.target = "sub_"};
    assert_int_equal(audit_list(x->st, &x->a, &f, 0, 50, &list, &n, &total, &x->e), 0);
    assert_int_equal(total, 0);
    /* Days: today is in, tomorrow out; a wrong day or an upside-down range is refused. */
    char today[32], tomorrow[32];
    time_format_iso(time_now_ms(), today, sizeof today);
    time_format_iso(time_now_ms() + 86400000, tomorrow, sizeof tomorrow);
    today[10] = tomorrow[10] = '\0';
    f = (struct audit_filter){.from = today, .to = today};
    assert_int_equal(audit_list(x->st, &x->a, &f, 0, 50, &list, &n, &total, &x->e), 0);
    assert_int_equal(total, 4);
    f = (struct audit_filter){.from = tomorrow};
    assert_int_equal(audit_list(x->st, &x->a, &f, 0, 50, &list, &n, &total, &x->e), 0);
    assert_int_equal(total, 0);
    f = (struct audit_filter){.from = "2026-02-31"};
    assert_int_equal(audit_list(x->st, &x->a, &f, 0, 50, &list, &n, &total, &x->e), ERR_INVALID);
    f = (struct audit_filter){.from = tomorrow, .to = today};
    assert_int_equal(audit_filter_check(&f, &x->e), ERR_INVALID);
}

static int sb_write(void *ctx, const void *data, size_t len)
{
    strbuf_append(ctx, data, len);
    return 0;
}

static void test_audit_export_csv_and_json(void **state)
{
    struct testdb *x = *state;
    const struct audit_actor cli = {NULL, "=cli:root"};
    const char *two[] = {"s-1", "s-2"};
    assert_int_equal(audit_record(x->st, &cli, "submission.revise", "submission", two, 2, "{\"form_id\":\"f\"}", &x->e), 0);
    struct audit_filter f = {.action = "submission"};
    struct strbuf out;
    strbuf_init(&out, &x->a, 1024);
    assert_int_equal(audit_export_csv(x->st, &f, sb_write, &out, &x->e), 0);
    assert_true(str_starts_with(out.data, "id,at,actor_user_id,actor,action,target_kind,target_ids,detail\r\n"));
    /* A label a spreadsheet would run as a formula is guarded; JSON in a cell is quoted. */
    assert_non_null(strstr(out.data, ",'=cli:root,submission.revise,submission,\"[\"\"s-1\"\",\"\"s-2\"\"]\","));
    assert_null(strstr(out.data, "form.import"));
    strbuf_init(&out, &x->a, 1024);
    assert_int_equal(audit_export_json(x->st, &f, sb_write, &out, &x->e), 0);
    assert_non_null(strstr(out.data, "\"target_ids\":[\"s-1\",\"s-2\"],\"detail\":{\"form_id\":\"f\"}"));
    assert_non_null(strstr(out.data, "\"actor_user_id\":null"));
}

/* --- pseudonyms ---------------------------------------------------------------------------------- */

static void test_pseudonyms_stable_and_per_database(void **state)
{
    struct testdb *x = *state;
    unsigned char k1[PSEUDONYM_KEY_SIZE], k2[PSEUDONYM_KEY_SIZE];
    assert_int_equal(query_int(x, "SELECT count(*) FROM settings WHERE key = 'pseudonym_key'", NULL), 0);
    assert_int_equal(pseudonym_key(x->st, k1, &x->e), 0); /* made on first use */
    assert_int_equal(query_int(x, "SELECT count(*) FROM settings WHERE key = 'pseudonym_key'", NULL), 1);
    assert_int_equal(pseudonym_key(x->st, k2, &x->e), 0);
    assert_memory_equal(k1, k2, sizeof k1);
    char a[PSEUDONYM_TEXT_SIZE], b[PSEUDONYM_TEXT_SIZE], c[PSEUDONYM_TEXT_SIZE];
    pseudonym_of(k1, "01a208ab-1403-7694-a3a3-501caba3553b", a);
    pseudonym_of(k2, "01a208ab-1403-7694-a3a3-501caba3553b", b);
    pseudonym_of(k1, "01a208ab-1403-7694-a3a3-501caba3553c", c);
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    assert_int_equal(strlen(a), 18);
    assert_true(str_starts_with(a, "p-"));
    for (int i = 2; i < 18; i++) assert_non_null(strchr("0123456789abcdef", a[i]));

    /* The same after closing and opening again: the secret is in the database. */
    store_close(x->st);
    x->st = schema_open(x->db, false, NULL, &x->e);
    assert_non_null(x->st);
    assert_int_equal(pseudonym_key(x->st, k2, &x->e), 0);
    pseudonym_of(k2, "01a208ab-1403-7694-a3a3-501caba3553b", b);
    assert_string_equal(a, b);

    /* Another database: another secret, other pseudonyms. */
    struct testdb other;
    testdb_open(&other, "privacy-other");
    assert_int_equal(pseudonym_key(other.st, k2, &other.e), 0);
    pseudonym_of(k2, "01a208ab-1403-7694-a3a3-501caba3553b", b);
    assert_string_not_equal(a, b);
    testdb_close(&other);
}

/* A pseudonymised export has no personal column (nor the calculation that reads one), and no id
 * of the database: every id is its pseudonym, the same in every export. */
static void test_pseudonymised_export(void **state)
{
    struct testdb *x = *state;
    const char *id = testdb_submit(x, "en", "2026-01-01T10:00:00.000Z",
                                   "{\"consent\": \"yes\", \"name\": \"Ana Nowak\", \"email\": \"ana@example.org\","
                                   " \"online\": \"yes\", \"learners\": \"12\", \"newsletter\": \"yes\","
                                   " \"greeting\": \"Dear Ana Nowak\", \"region\": \"Mazowieckie\","
                                   " \"instance_id\": \"uuid:abc\"}");
    struct export_options o = {.pseudonymise = true, .no_bom = true};
    struct export_plan p;
    assert_int_equal(export_plan_build(&x->a, x->f, &o, &p, &x->e), 0);
    struct strbuf csv;
    strbuf_init(&csv, &x->a, 1024);
    struct export_sink sink = {sb_write, &csv};
    assert_int_equal(export_csv(x->st, &p, &sink, &x->e), 0);
    assert_true(str_starts_with(csv.data, "_id,_instance_id,_submitted_at,_form_version,_lang,instance_id,consent,online,learners,region\r\n"));
    const char *gone[] = {"Ana", "ana@example.org", "Dear", id, "uuid:abc"};
    for (size_t i = 0; i < sizeof gone / sizeof *gone; i++) assert_null(strstr(csv.data, gone[i]));
    unsigned char key[PSEUDONYM_KEY_SIZE];
    assert_int_equal(pseudonym_key(x->st, key, &x->e), 0);
    char pid[PSEUDONYM_TEXT_SIZE], pinst[PSEUDONYM_TEXT_SIZE];
    pseudonym_of(key, id, pid);
    pseudonym_of(key, "uuid:abc", pinst);
    assert_true(str_starts_with(strstr(csv.data, "\r\n") + 2, pid));
    assert_non_null(strstr(csv.data, pinst));
    assert_non_null(strstr(csv.data, ",yes,yes,12,Mazowieckie\r\n"));

    struct strbuf json;
    strbuf_init(&json, &x->a, 1024);
    sink.ctx = &json;
    assert_int_equal(export_json(x->st, &p, &sink, &x->e), 0);
    for (size_t i = 0; i < sizeof gone / sizeof *gone; i++) assert_null(strstr(json.data, gone[i]));
    assert_null(strstr(json.data, "\"newsletter\""));
    assert_non_null(strstr(json.data, pid));
    assert_non_null(strstr(json.data, "\"region\":\"Mazowieckie\""));

    /* Without the option, the same export holds everything. */
    o.pseudonymise = false;
    assert_int_equal(export_plan_build(&x->a, x->f, &o, &p, &x->e), 0);
    strbuf_init(&csv, &x->a, 1024);
    sink.ctx = &csv;
    assert_int_equal(export_csv(x->st, &p, &sink, &x->e), 0);
    assert_non_null(strstr(csv.data, "ana@example.org"));
    assert_non_null(strstr(csv.data, id));
}

/* --- consent ------------------------------------------------------------------------------------- */

static void test_consent_recorded_per_submission(void **state)
{
    struct testdb *x = *state;
    const char *yes = testdb_submit(x, "en", "2026-01-01T10:00:00.000Z", "{\"consent\": \"yes\", \"name\": \"A\"}");
    const char *no = testdb_submit(x, "en", "2026-01-02T10:00:00.000Z", "{\"consent\": \"no\"}");
    const char *none = testdb_submit(x, "en", "2026-01-03T10:00:00.000Z", "{\"online\": \"no\"}");
    assert_string_equal(query_text(x, "SELECT consent FROM submissions WHERE id = ?", yes), "yes");
    assert_string_equal(query_text(x, "SELECT consent_at FROM submissions WHERE id = ?", yes), "2026-01-01T10:00:00.000Z");
    assert_string_equal(query_text(x, "SELECT consent FROM submissions WHERE id = ?", no), "no");
    assert_null(query_text(x, "SELECT consent FROM submissions WHERE id = ?", none));
    assert_null(query_text(x, "SELECT consent_at FROM submissions WHERE id = ?", none));

    /* A correction that keeps the answer keeps its time; one that changes it is dated anew. */
    struct submission r2, r3;
    assert_int_equal(submission_revise(x->st, &x->a, x->f, x->v.id, yes, testdb_answers(x, "{\"consent\": \"yes\", \"online\": \"yes\"}"),
                                       NULL, &r2, &x->e), 0);
    assert_string_equal(query_text(x, "SELECT consent_at FROM submissions WHERE id = ?", r2.id), "2026-01-01T10:00:00.000Z");
    assert_int_equal(submission_revise(x->st, &x->a, x->f, x->v.id, r2.id, testdb_answers(x, "{\"consent\": \"no\"}"),
                                       NULL, &r3, &x->e), 0);
    assert_string_equal(query_text(x, "SELECT consent FROM submissions WHERE id = ?", r3.id), "no");
    assert_string_not_equal(query_text(x, "SELECT consent_at FROM submissions WHERE id = ?", r3.id), "2026-01-01T10:00:00.000Z");
    /* Through a correction draft, as the pages do. */
    struct submission d;
    assert_int_equal(revision_start_correction(x->st, &x->a, no, NULL, &d, &x->e), 0);
    assert_null(query_text(x, "SELECT consent FROM submissions WHERE id = ?", d.id)); /* a draft records nothing */
    assert_int_equal(revision_submit_correction(x->st, &x->a, x->f, d.id, testdb_answers(x, "{\"consent\": \"yes\"}"), NULL, &x->e), 0);
    assert_string_equal(query_text(x, "SELECT consent FROM submissions WHERE id = ?", d.id), "yes");
    assert_non_null(query_text(x, "SELECT consent_at FROM submissions WHERE id = ?", d.id));
    /* Both corrections are in the audit trail. */
    assert_int_equal(query_int(x, "SELECT count(*) FROM audit_log WHERE action = 'submission.revise'", NULL), 3);
}

static struct form_problems import_problems(struct testdb *x, const char *md)
{
    struct form_problems ps = {0};
    struct form *f = NULL;
    xlsform_read_memory(&x->a, "md", md, strlen(md), "t", &f, &ps);
    return ps;
}

static bool has_problem(const struct form_problems *ps, bool warning, const char *text)
{
    for (size_t i = 0; i < ps->count; i++)
        if (ps->items[i].warning == warning && strstr(ps->items[i].message, text)) return true;
    return false;
}

static void test_consent_rule_at_import(void **state)
{
    struct testdb *x = *state;
    assert_non_null(consent_field(x->f));
    assert_string_equal(consent_field(x->f)->name, "consent");
    struct form_problems ps = import_problems(x,
        "| survey |\n| | type | name | label |\n| | select_one yn | ok | OK? |\n| | text | agree | Agree? |\n"
        "| choices |\n| | list_name | name | label |\n| | yn | yes | Yes |\n| | yn | no | No |\n"
        "| settings |\n| | form_id | consent_field |\n| | t | missing |\n");
    assert_true(has_problem(&ps, false, "consent_field 'missing' names no field"));
    ps = import_problems(x,
        "| survey |\n| | type | name | label |\n| | select_one yn | ok | OK? |\n| | text | agree | Agree? |\n"
        "| choices |\n| | list_name | name | label |\n| | yn | yes | Yes |\n| | yn | no | No |\n"
        "| settings |\n| | form_id | consent_field |\n| | t | agree |\n");
    assert_true(has_problem(&ps, false, "consent_field 'agree' must name a select_one"));
    ps = import_problems(x,
        "| survey |\n| | type | name | label |\n| | text | consent | Consent? |\n");
    assert_true(has_problem(&ps, true, "the field 'consent' is not a select_one"));
    assert_false(has_problem(&ps, false, "consent"));
}

/* --- erasure ------------------------------------------------------------------------------------- */

struct counts {
    int64_t online_yes, online_no, online_n, learners_n;
    double learners_mean;
    int64_t newsletter_n, region_total;
};

static struct counts summarise(struct testdb *x)
{
    struct counts c = {0};
    struct summary_choices sc;
    assert_int_equal(summary_choices(x->st, &x->a, "privacy-test", form_field_by_name(x->f, "online"), &sc, &x->e), 0);
    c.online_n = sc.respondents;
    for (size_t i = 0; i < sc.n; i++) {
        if (sc.cats[i].value && strcmp(sc.cats[i].value, "yes") == 0) c.online_yes = sc.counts[i];
        if (sc.cats[i].value && strcmp(sc.cats[i].value, "no") == 0) c.online_no = sc.counts[i];
    }
    struct summary_numbers sn;
    assert_int_equal(summary_numbers(x->st, "privacy-test", form_field_by_name(x->f, "learners"), &sn, &x->e), 0);
    c.learners_n = sn.n;
    c.learners_mean = sn.mean;
    assert_int_equal(summary_choices(x->st, &x->a, "privacy-test", form_field_by_name(x->f, "newsletter"), &sc, &x->e), 0);
    c.newsletter_n = sc.respondents;
    struct summary_texts t;
    assert_int_equal(summary_texts(x->st, &x->a, "privacy-test", form_field_by_name(x->f, "region"), 0, 10, &t, &x->e), 0);
    c.region_total = t.total;
    return c;
}

static void test_erasure_keeps_aggregates(void **state)
{
    struct testdb *x = *state;
    const char *ana1 = testdb_submit(x, "en", NULL, "{\"consent\": \"yes\", \"name\": \"Ana\", \"email\": \"Ana@Example.org\","
                                                    " \"online\": \"yes\", \"learners\": \"10\", \"newsletter\": \"yes\","
                                                    " \"greeting\": \"Dear Ana\", \"region\": \"North\"}");
    testdb_submit(x, "en", NULL, "{\"consent\": \"yes\", \"name\": \"Bo\", \"email\": \"bo@example.org\", \"online\": \"no\","
                                 " \"learners\": \"20\", \"newsletter\": \"no\", \"region\": \"South\"}");
    testdb_submit(x, "en", NULL, "{\"consent\": \"no\", \"online\": \"yes\", \"learners\": \"30\"}");
    const char *ana2 = testdb_submit(x, "en", NULL, "{\"consent\": \"yes\", \"email\": \" ana@example.org \","
                                                    " \"online\": \"no\", \"learners\": \"40\", \"newsletter\": \"yes\"}");
    /* Ana's first answer set was corrected once: both revisions hold her address. */
    struct submission rev;
    assert_int_equal(submission_revise(x->st, &x->a, x->f, x->v.id, ana1,
                                       testdb_answers(x, "{\"consent\": \"yes\", \"name\": \"Ana N.\", \"email\": \"ana@example.org\","
                                                         " \"online\": \"yes\", \"learners\": \"11\", \"newsletter\": \"yes\", \"region\": \"North\"}"),
                                       NULL, &rev, &x->e), 0);
    assert_int_equal(attachment_put(x->st, rev.id, "photo", 0, "ana.png", "image/png", "png", 3, &x->e), 0);
    const struct user_new acct = {.email = "ana@example.org", .display_name = "Ana", .role = AUTH_ROLE_TRAINER};
    assert_int_equal(user_add(x->st, &x->a, &acct, "a long enough password", NULL, &x->e), 0);
    assert_int_equal(outbox_add(x->st, "ANA@example.org", "Hello", "A message", &x->e), 0);
    assert_int_equal(outbox_add(x->st, "bo@example.org", "Hello", "Another", &x->e), 0);

    struct privacy_report r;
    assert_int_equal(privacy_find(x->st, &x->a, "ana@EXAMPLE.org", &r, &x->e), 0);
    assert_int_equal(r.nsubs, 3); /* two revisions and another answer set */
    assert_true(r.has_account);
    assert_int_equal(r.noutbox, 1);

    struct counts before = summarise(x);
    struct privacy_erasure done;
    const struct audit_actor admin = {"u-admin", "admin@example.org"};
    assert_int_equal(privacy_erase(x->st, &x->a, " Ana@example.ORG", &admin, &done, &x->e), 0);
    assert_int_equal(done.submissions, 3);
    assert_int_equal(done.attachments, 1);
    assert_int_equal(done.outbox, 1);
    assert_true(done.account);
    struct counts after = summarise(x);
    /* Non-personal questions count exactly as before; the personal select lost Ana's answers. */
    assert_int_equal(after.online_yes, before.online_yes);
    assert_int_equal(after.online_no, before.online_no);
    assert_int_equal(after.online_n, before.online_n);
    assert_int_equal(after.learners_n, before.learners_n);
    assert_float_equal(after.learners_mean, before.learners_mean, 1e-9);
    assert_int_equal(after.region_total, before.region_total);
    assert_int_equal(before.newsletter_n, 3);
    assert_int_equal(after.newsletter_n, 1);

    /* Gone from every revision; what else was answered stays. */
    assert_int_equal(query_int(x, "SELECT count(*) FROM submissions WHERE lower(answers) LIKE '%ana%'", NULL), 0);
    assert_non_null(strstr(query_text(x, "SELECT answers FROM submissions WHERE id = ?", ana1), "\"region\":\"North\""));
    assert_null(strstr(query_text(x, "SELECT answers FROM submissions WHERE id = ?", ana2), "newsletter"));
    assert_int_equal(query_int(x, "SELECT count(*) FROM attachments", NULL), 0);
    assert_int_equal(query_int(x, "SELECT count(*) FROM users WHERE email = 'ana@example.org'", NULL), 0);
    assert_int_equal(query_int(x, "SELECT count(*) FROM outbox", NULL), 1);
    assert_non_null(strstr(query_text(x, "SELECT answers FROM submissions WHERE answers LIKE '%bo@%'", NULL), "Bo"));

    /* The erasure is audited, naming the person by a pseudonym only. */
    const char *detail = query_text(x, "SELECT detail FROM audit_log WHERE action = 'privacy.erase'", NULL);
    assert_non_null(strstr(detail, "\"submissions\":3"));
    const char *ids = query_text(x, "SELECT target_ids FROM audit_log WHERE action = 'privacy.erase'", NULL);
    assert_null(strstr(ids, "ana"));
    assert_non_null(strstr(ids, r.subject));
    assert_string_equal(query_text(x, "SELECT actor_label FROM audit_log WHERE action = 'privacy.erase'", NULL),
                        "admin@example.org");

    /* Nothing left to find; a second erasure finds nothing and changes nothing. */
    assert_int_equal(privacy_find(x->st, &x->a, "ana@example.org", &r, &x->e), 0);
    assert_int_equal(r.nsubs, 0);
    assert_false(r.has_account);
    assert_int_equal(privacy_erase(x->st, &x->a, "ana@example.org", NULL, &done, &x->e), 0);
    assert_int_equal(done.submissions, 0);
    assert_int_equal(privacy_erase(x->st, &x->a, "not an address", NULL, &done, &x->e), ERR_INVALID);
}

static void test_privacy_export_json(void **state)
{
    struct testdb *x = *state;
    const char *id = testdb_submit(x, "en", NULL, "{\"consent\": \"yes\", \"name\": \"Ana\", \"email\": \"ana@example.org\", \"online\": \"yes\"}");
    const struct user_new acct = {.email = "ana@example.org", .role = AUTH_ROLE_TRAINER};
    assert_int_equal(user_add(x->st, &x->a, &acct, "a long enough password", NULL, &x->e), 0);
    struct strbuf out;
    strbuf_init(&out, &x->a, 4096);
    assert_int_equal(privacy_export(x->st, &x->a, "ANA@example.org", NULL, &out, &x->e), 0);
    assert_non_null(strstr(out.data, id));
    assert_non_null(strstr(out.data, "\"name\": \"Ana\""));
    assert_non_null(strstr(out.data, "\"role\": \"trainer\""));
    assert_non_null(strstr(out.data, "\"consent\": \"yes\""));
    assert_null(strstr(out.data, "argon2")); /* never the password hash */
    assert_null(strstr(out.data, "password"));
    assert_int_equal(query_int(x, "SELECT count(*) FROM audit_log WHERE action = 'privacy.export'", NULL), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_audit_is_append_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_filters_and_exports, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_export_csv_and_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pseudonyms_stable_and_per_database, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pseudonymised_export, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consent_recorded_per_submission, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consent_rule_at_import, setup, teardown),
        cmocka_unit_test_setup_teardown(test_erasure_keeps_aggregates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_privacy_export_json, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

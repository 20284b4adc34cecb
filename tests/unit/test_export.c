/* Tests for forms/export: CSV quoting by RFC 4180 and the formula guard, the columns (metadata,
 * paths, select_multiple 1/0 columns), repeat tables, labels in a chosen language, answers given to
 * an older version, JSON parsed back with jansson, and XLSX read back with the project's own reader
 * (forms/sheet.h). Forms are built from markdown XLSForms and stored, with their answer sets, in a
 * temporary SQLite database made by schema_open. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#include "base/arena.h"
#include "base/str.h"
#include "forms/answers.h"
#include "forms/export.h"
#include "forms/form_store.h"
#include "forms/sheet.h"
#include "forms/submissions.h"
#include "forms/xlsform.h"
#include "program/schema.h"
#include "testdb.h"

static const char form_v1[] =
    "| survey |\n"
    "| | type | name | label::English (en) | label::Français (fr) |\n"
    "| | begin_group | profile | Profile | Profil |\n"
    "| | text | school_name | School | École |\n"
    "| | integer | learners | Learners | Élèves |\n"
    "| | end_group | | | |\n"
    "| | select_one yesno | online | Online? | En ligne ? |\n"
    "| | select_multiple needs | needs | Needs | Besoins |\n"
    "| | decimal | share | Share | Part |\n"
    "| | note | hello | Hello | Bonjour |\n"
    "| | begin_repeat | teacher | Teacher | Enseignant |\n"
    "| | text | teacher_name | Name | Nom |\n"
    "| | select_multiple subjects | subjects | Subjects | Matières |\n"
    "| | end_repeat | | | |\n"
    "\n"
    "| choices |\n"
    "| | list_name | name | label::English (en) | label::Français (fr) |\n"
    "| | yesno | yes | Yes | Oui |\n"
    "| | yesno | no | No | Non |\n"
    "| | needs | devices | Devices | Appareils |\n"
    "| | needs | training | Training | Formation |\n"
    "| | needs | power | Power, reliable | Électricité |\n"
    "| | subjects | maths | Maths | Mathématiques |\n"
    "| | subjects | science | Science | Sciences |\n"
    "\n"
    "| settings |\n"
    "| | form_title | form_id | version | default_language |\n"
    "| | Export test | export-test | 1 | English (en) |\n";

/* Version 2: share is gone, comment is new, online has moved out of nothing (same name, same
 * place): answers to version 1 map onto it by name. */
static const char form_v2[] =
    "| survey |\n"
    "| | type | name | label::English (en) | label::Français (fr) |\n"
    "| | begin_group | profile | Profile | Profil |\n"
    "| | text | school_name | School | École |\n"
    "| | integer | learners | Learners | Élèves |\n"
    "| | end_group | | | |\n"
    "| | select_one yesno | online | Online? | En ligne ? |\n"
    "| | text | comment | Comment | Commentaire |\n"
    "\n"
    "| choices |\n"
    "| | list_name | name | label::English (en) | label::Français (fr) |\n"
    "| | yesno | yes | Yes | Oui |\n"
    "| | yesno | no | No | Non |\n"
    "\n"
    "| settings |\n"
    "| | form_title | form_id | version | default_language |\n"
    "| | Export test | export-test | 2 | English (en) |\n";

/* --- fixture ------------------------------------------------------------------------------------- */

/* testdb.h: a temporary database with the schema and the form (version 1) imported; x->ids are the
 * submissions inserted with testdb_submit, in order. */

static void import_form(struct testdb *x, const char *md)
{
    testdb_import(x, md, "export-test.md");
}

static int setup(void **state)
{
    struct testdb *x = calloc(1, sizeof *x);
    testdb_open(x, "export-test");
    import_form(x, form_v1);
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

/* Two answer sets that exercise quoting, the guard, numbers, select_multiple and a repeat. */
static void submit_two(struct testdb *x)
{
    testdb_submit(x, "en", "2026-01-01T10:00:00.000Z",
                  "{\"school_name\": \"Zoë's \\\"Best\\\", School\\nLine 2\", \"learners\": \"120\", \"online\": \"yes\","
                  " \"needs\": [\"devices\", \"power\"], \"share\": \"-0.5\","
                  " \"teacher\": [{\"teacher_name\": \"=1+1\", \"subjects\": \"maths\"}, {\"teacher_name\": \"Ana\"}]}");
    testdb_submit(x, "fr", "2026-01-02T10:00:00.000Z",
                  "{\"school_name\": \"@home\", \"learners\": \"-3\", \"online\": \"no\", \"teacher\": []}");
}

/* A sink that gathers everything in a heap buffer, counting the calls. */
struct buf {
    struct strbuf sb;
    int calls;
};

static int buf_write(void *ctx, const void *data, size_t len)
{
    struct buf *b = ctx;
    strbuf_append(&b->sb, data, len);
    b->calls++;
    return 0;
}

static void buf_init(struct buf *b)
{
    strbuf_init(&b->sb, NULL, 1024);
    b->calls = 0;
}

static void plan(struct testdb *x, struct export_plan *p, bool labels, const char *lang, bool no_bom)
{
    struct export_options o = {.labels = labels, .lang = lang, .no_bom = no_bom};
    if (export_plan_build(&x->a, x->f, &o, p, &x->e) < 0) fail_msg("plan: %s", x->e.msg);
}

/* Exports every table as CSV into bufs (p->ntables of them). */
static void csv_all(struct testdb *x, struct export_plan *p, struct buf *bufs)
{
    struct export_sink sinks[8] = {{0}};
    assert_true(p->ntables <= 8);
    for (size_t t = 0; t < p->ntables; t++) {
        buf_init(&bufs[t]);
        sinks[t] = (struct export_sink){buf_write, &bufs[t]};
    }
    if (export_csv(x->st, p, sinks, &x->e) < 0) fail_msg("export_csv: %s", x->e.msg);
}

static void free_bufs(struct buf *bufs, size_t n)
{
    for (size_t i = 0; i < n; i++) strbuf_free(&bufs[i].sb);
}

/* --- CSV quoting ----------------------------------------------------------------------------------- */

static void check_field(const char *value, bool numeric, const char *expected)
{
    struct strbuf sb;
    strbuf_init(&sb, NULL, 64);
    export_csv_field(&sb, value, numeric);
    assert_string_equal(sb.data, expected);
    strbuf_free(&sb);
}

static void test_csv_field_quoting(void **state)
{
    (void)state;
    check_field("plain", false, "plain");
    check_field("", false, "");
    check_field("a,b", false, "\"a,b\"");
    check_field("say \"hi\"", false, "\"say \"\"hi\"\"\"");
    check_field("line\nbreak", false, "\"line\nbreak\"");
    check_field("cr\rhere", false, "\"cr\rhere\"");
    check_field("Zoë – ñ 学校 🙂", false, "Zoë – ñ 学校 🙂"); /* UTF-8 passes untouched */
    check_field("it's", false, "it's");
    check_field(" spaced ", false, " spaced ");
}

static void test_csv_formula_guard(void **state)
{
    (void)state;
    check_field("=1+1", false, "'=1+1");
    check_field("+33 1 23", false, "'+33 1 23");
    check_field("-5", false, "'-5");
    check_field("@SUM(A1)", false, "'@SUM(A1)");
    check_field("\tx", false, "'\tx");
    check_field("\rx", false, "\"'\rx\"");
    check_field("=HYPERLINK(\"http://x\",\"y\")", false, "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
    check_field("a=b", false, "a=b");
    /* In a number column a number is a number; anything else there is still guarded. */
    check_field("-5", true, "-5");
    check_field("-0.25", true, "-0.25");
    check_field("-1e3", true, "-1e3");
    check_field("-2+3", true, "'-2+3");
    check_field("=1", true, "'=1");
}

/* --- the tables -------------------------------------------------------------------------------------- */

static void test_plan_columns(void **state)
{
    struct testdb *x = *state;
    struct export_plan p;
    plan(x, &p, false, NULL, false);
    assert_int_equal(p.ntables, 2);
    assert_string_equal(p.tables[0].name, "submissions");
    assert_null(p.tables[0].repeat);
    assert_string_equal(p.tables[1].name, "teacher");
    const char *main_cols[] = {"_id", "_instance_id", "_submitted_at", "_form_version", "_lang",
                               "profile/school_name", "profile/learners", "online", "needs", "needs/devices",
                               "needs/training", "needs/power", "share"};
    assert_int_equal(p.tables[0].ncolumns, sizeof main_cols / sizeof *main_cols);
    for (size_t i = 0; i < p.tables[0].ncolumns; i++) assert_string_equal(p.tables[0].columns[i].name, main_cols[i]);
    assert_int_equal(export_table_index(&p, "teacher"), 1);
    assert_int_equal(export_table_index(&p, "nope"), -1);
    assert_int_equal(export_table_index(&p, "submissions"), -1);
}

static void test_csv_main_and_repeat(void **state)
{
    struct testdb *x = *state;
    submit_two(x);
    struct export_plan p;
    plan(x, &p, false, NULL, false);
    struct buf bufs[2];
    csv_all(x, &p, bufs);
    const char *a = x->ids[0], *b = x->ids[1];
    char *expected = arena_printf(
        &x->a,
        "\xEF\xBB\xBF"
        "_id,_instance_id,_submitted_at,_form_version,_lang,profile/school_name,profile/learners,online,needs,"
        "needs/devices,needs/training,needs/power,share\r\n"
        "%s,uuid:%s,2026-01-01T10:00:00.000Z,1,en,\"Zoë's \"\"Best\"\", School\nLine 2\",120,yes,devices power,"
        "1,0,1,-0.5\r\n"
        "%s,uuid:%s,2026-01-02T10:00:00.000Z,1,fr,'@home,-3,no,,,,,\r\n",
        a, a, b, b);
    assert_string_equal(bufs[0].sb.data, expected);
    expected = arena_printf(&x->a,
                            "\xEF\xBB\xBF"
                            "_parent_id,_index,teacher/teacher_name,teacher/subjects,teacher/subjects/maths,"
                            "teacher/subjects/science\r\n"
                            "%s,1,'=1+1,maths,1,0\r\n"
                            "%s,2,Ana,,,\r\n",
                            a, a);
    assert_string_equal(bufs[1].sb.data, expected);
    assert_int_equal(p.submissions, 2);
    assert_int_equal(p.tables[0].rows, 2);
    assert_int_equal(p.tables[1].rows, 2);
    assert_int_equal(p.unreadable, 0);
    free_bufs(bufs, 2);
}

/* Only the tables with a sink are written (the web's ?repeat=); no BOM on request; an empty export
 * is a header alone. */
static void test_csv_one_table_no_bom_and_empty(void **state)
{
    struct testdb *x = *state;
    struct export_plan p;
    plan(x, &p, false, NULL, true);
    struct buf b;
    buf_init(&b);
    struct export_sink sinks[2] = {{0}, {buf_write, &b}};
    assert_int_equal(export_csv(x->st, &p, sinks, &x->e), 0);
    assert_string_equal(b.sb.data, "_parent_id,_index,teacher/teacher_name,teacher/subjects,teacher/subjects/maths,"
                                   "teacher/subjects/science\r\n");
    assert_int_equal(p.submissions, 0);
    strbuf_free(&b.sb);
}

static void test_csv_labels(void **state)
{
    struct testdb *x = *state;
    submit_two(x);
    struct export_plan p;
    plan(x, &p, true, "fr", true);
    struct buf bufs[2];
    csv_all(x, &p, bufs);
    const char *a = x->ids[0], *b = x->ids[1];
    /* Headers stay paths; values become labels; the 1/0 columns stay 1/0; text is untouched. */
    char *expected = arena_printf(
        &x->a,
        "_id,_instance_id,_submitted_at,_form_version,_lang,profile/school_name,profile/learners,online,needs,"
        "needs/devices,needs/training,needs/power,share\r\n"
        "%s,uuid:%s,2026-01-01T10:00:00.000Z,1,en,\"Zoë's \"\"Best\"\", School\nLine 2\",120,Oui,"
        "Appareils; Électricité,1,0,1,-0.5\r\n"
        "%s,uuid:%s,2026-01-02T10:00:00.000Z,1,fr,'@home,-3,Non,,,,,\r\n",
        a, a, b, b);
    assert_string_equal(bufs[0].sb.data, expected);
    assert_non_null(strstr(bufs[1].sb.data, ",1,'=1+1,Mathématiques,1,0\r\n"));
    free_bufs(bufs, 2);

    /* Default language: the form's (English); a label with a comma gets quoted. */
    plan(x, &p, true, NULL, true);
    csv_all(x, &p, bufs);
    assert_non_null(strstr(bufs[0].sb.data, ",Yes,\"Devices; Power, reliable\",1,0,1,"));
    free_bufs(bufs, 2);
}

static void test_unknown_language(void **state)
{
    struct testdb *x = *state;
    struct export_plan p;
    struct export_options o = {.labels = true, .lang = "xx"};
    assert_int_equal(export_plan_build(&x->a, x->f, &o, &p, &x->e), ERR_INVALID);
    assert_non_null(strstr(x->e.msg, "no language 'xx'"));
    assert_non_null(strstr(x->e.msg, "en (English), fr (Français)"));
    /* A language's name works as well as its code. */
    o.lang = "Français";
    assert_int_equal(export_plan_build(&x->a, x->f, &o, &p, &x->e), 0);
    assert_int_equal(p.lang, 1);
}

/* Answers to version 1 land in version 2's columns by name; share (gone) has no column; the
 * version column says which version each answered. */
static void test_older_versions(void **state)
{
    struct testdb *x = *state;
    submit_two(x);
    import_form(x, form_v2);
    testdb_submit(x, "en", "2026-01-03T10:00:00.000Z",
                  "{\"school_name\": \"New\", \"online\": \"yes\", \"comment\": \"ok\"}");
    struct export_plan p;
    plan(x, &p, false, NULL, true);
    assert_int_equal(p.ntables, 1);
    struct buf b;
    buf_init(&b);
    struct export_sink sink = {buf_write, &b};
    assert_int_equal(export_csv(x->st, &p, &sink, &x->e), 0);
    char *expected = arena_printf(
        &x->a,
        "_id,_instance_id,_submitted_at,_form_version,_lang,profile/school_name,profile/learners,online,comment\r\n"
        "%s,uuid:%s,2026-01-01T10:00:00.000Z,1,en,\"Zoë's \"\"Best\"\", School\nLine 2\",120,yes,\r\n"
        "%s,uuid:%s,2026-01-02T10:00:00.000Z,1,fr,'@home,-3,no,\r\n"
        "%s,uuid:%s,2026-01-03T10:00:00.000Z,2,en,New,,yes,ok\r\n",
        x->ids[0], x->ids[0], x->ids[1], x->ids[1], x->ids[2], x->ids[2]);
    assert_string_equal(b.sb.data, expected);
    strbuf_free(&b.sb);

    /* JSON keeps what the CSV cannot: share, and the repeat, as stored. */
    buf_init(&b);
    assert_int_equal(export_json(x->st, &p, &sink, &x->e), 0);
    json_error_t je;
    json_t *doc = json_loads(b.sb.data, 0, &je);
    assert_non_null(doc);
    json_t *answers = json_object_get(json_array_get(doc, 0), "answers");
    assert_string_equal(json_string_value(json_object_get(answers, "share")), "-0.5");
    assert_int_equal(json_array_size(json_object_get(answers, "teacher")), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(doc, 2), "_form_version")), "2");
    json_decref(doc);
    strbuf_free(&b.sb);
}

/* Only the current revision of submitted answer sets: drafts and superseded revisions stay out. */
static void test_current_submitted_only(void **state)
{
    struct testdb *x = *state;
    submit_two(x);
    struct submission draft;
    assert_int_equal(submission_create_draft(x->st, &x->a, "export-test", x->v.id, "en", &draft, &x->e), 0);
    const char *json = "{\"school_name\": \"Corrected\"}";
    struct answers *ans = answers_from_json(&x->a, x->f, json, strlen(json), true, &x->e);
    struct submission rev;
    if (submission_revise(x->st, &x->a, x->f, x->v.id, x->ids[1], ans, NULL, &rev, &x->e) < 0)
        fail_msg("revise: %s", x->e.msg);
    struct export_plan p;
    plan(x, &p, false, NULL, true);
    struct buf bufs[2];
    csv_all(x, &p, bufs);
    assert_int_equal(p.submissions, 2);
    assert_null(strstr(bufs[0].sb.data, "@home"));
    assert_non_null(strstr(bufs[0].sb.data, ",Corrected,"));
    assert_non_null(strstr(bufs[0].sb.data, arena_printf(&x->a, "%s,uuid:%s,", rev.id, x->ids[1])));
    free_bufs(bufs, 2);
}

/* A stored answer set that does not read is still a row, with its metadata, and is counted. */
static void test_unreadable_answers(void **state)
{
    struct testdb *x = *state;
    submit_two(x);
    struct store_stmt *s = store_prepare(
        x->st, "INSERT INTO submissions (id, instance_id, form_id, form_version_id, status, lang, answers,"
               " started_at, submitted_at, updated_at) VALUES ('zz-broken', 'uuid:zz-broken', 'export-test', ?,"
               " 'submitted', 'en', 'not json', '2026-02-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z',"
               " '2026-02-01T00:00:00.000Z')", &x->e);
    assert_non_null(s);
    store_bind_text(s, 1, x->v.id);
    assert_int_equal(store_run(s, &x->e), 0);
    store_done(s);
    struct export_plan p;
    plan(x, &p, false, NULL, true);
    struct buf bufs[2];
    csv_all(x, &p, bufs);
    assert_int_equal(p.submissions, 3);
    assert_int_equal(p.unreadable, 1);
    assert_true(str_ends_with(bufs[0].sb.data, "zz-broken,uuid:zz-broken,2026-02-01T00:00:00.000Z,1,en,,,,,,,,\r\n"));
    free_bufs(bufs, 2);

    struct buf b;
    buf_init(&b);
    struct export_sink sink = {buf_write, &b};
    assert_int_equal(export_json(x->st, &p, &sink, &x->e), 0);
    json_t *doc = json_loads(b.sb.data, 0, NULL);
    assert_non_null(doc);
    assert_true(json_is_null(json_object_get(json_array_get(doc, 2), "answers")));
    assert_int_equal(p.unreadable, 1);
    json_decref(doc);
    strbuf_free(&b.sb);
}

/* --- JSON -------------------------------------------------------------------------------------------- */

static void test_json(void **state)
{
    struct testdb *x = *state;
    struct export_plan p;
    plan(x, &p, false, NULL, false);
    struct buf b;
    buf_init(&b);
    struct export_sink sink = {buf_write, &b};
    assert_int_equal(export_json(x->st, &p, &sink, &x->e), 0);
    json_t *doc = json_loads(b.sb.data, 0, NULL);
    assert_true(json_is_array(doc) && json_array_size(doc) == 0);
    json_decref(doc);
    strbuf_free(&b.sb);

    submit_two(x);
    buf_init(&b);
    assert_int_equal(export_json(x->st, &p, &sink, &x->e), 0);
    json_error_t je;
    doc = json_loads(b.sb.data, JSON_REJECT_DUPLICATES, &je);
    if (!doc) fail_msg("not JSON: %s (%s)", je.text, b.sb.data);
    assert_int_equal(json_array_size(doc), 2);
    json_t *first = json_array_get(doc, 0);
    const char *keys[] = {"_id", "_instance_id", "_submitted_at", "_form_version", "_lang", "answers"};
    size_t k = 0;
    const char *key;
    json_t *v;
    json_object_foreach(first, key, v) assert_string_equal(key, keys[k++]);
    assert_int_equal(k, 6);
    assert_string_equal(json_string_value(json_object_get(first, "_id")), x->ids[0]);
    assert_string_equal(json_string_value(json_object_get(first, "_submitted_at")), "2026-01-01T10:00:00.000Z");
    assert_string_equal(json_string_value(json_object_get(first, "_form_version")), "1");
    /* The answers are the stored object, unchanged. */
    struct store_stmt *s = store_prepare(x->st, "SELECT answers FROM submissions WHERE id = ?", &x->e);
    store_bind_text(s, 1, x->ids[0]);
    assert_int_equal(store_step(s, &x->e), 1);
    json_t *stored = json_loads(store_col_text(s, 0), 0, NULL);
    store_done(s);
    assert_true(json_equal(stored, json_object_get(first, "answers")));
    assert_string_equal(json_string_value(json_object_get(json_object_get(first, "answers"), "school_name")),
                        "Zoë's \"Best\", School\nLine 2");
    json_decref(stored);
    json_decref(doc);
    strbuf_free(&b.sb);
}

/* --- XLSX -------------------------------------------------------------------------------------------- */

static int file_write(void *ctx, const void *data, size_t len)
{
    return fwrite(data, 1, len, ctx) == len ? 0 : -1;
}

static void check_cells(const struct sheet *s, size_t row, size_t n, const char *const *cells)
{
    assert_true(row < s->nrows);
    const struct sheet_row *r = &s->rows[row];
    assert_int_equal(r->ncells, n);
    for (size_t i = 0; i < n; i++) assert_string_equal(r->cells[i], cells[i]);
}

static char *zip_part(const char *path, const char *name)
{
    int err;
    zip_t *z = zip_open(path, ZIP_RDONLY, &err);
    assert_non_null(z);
    zip_stat_t zs;
    assert_int_equal(zip_stat(z, name, 0, &zs), 0);
    char *buf = calloc(1, zs.size + 1);
    zip_file_t *zf = zip_fopen(z, name, 0);
    assert_int_equal(zip_fread(zf, buf, zs.size), (zip_int64_t)zs.size);
    zip_fclose(zf);
    zip_close(z);
    return buf;
}

static void test_xlsx_read_back(void **state)
{
    struct testdb *x = *state;
    submit_two(x);
    struct export_plan p;
    plan(x, &p, false, NULL, false);
    char path[64];
    snprintf(path, sizeof path, "/tmp/edubridge-export-test-%d.xlsx", (int)getpid());
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    struct export_sink sink = {file_write, fp};
    int rc = export_xlsx(x->st, &p, &sink, &x->e);
    fclose(fp);
    if (rc < 0) fail_msg("export_xlsx: %s", x->e.msg);

    struct sheet_book book;
    if (sheet_read_file(&x->a, path, &book, &x->e) < 0) fail_msg("read back: %s", x->e.msg);
    assert_int_equal(book.count, 2);
    assert_string_equal(book.sheets[0].name, "submissions");
    assert_string_equal(book.sheets[1].name, "teacher");
    const struct sheet *s = &book.sheets[0];
    assert_int_equal(s->nrows, 3);
    const char *header[] = {"_id", "_instance_id", "_submitted_at", "_form_version", "_lang", "profile/school_name",
                            "profile/learners", "online", "needs", "needs/devices", "needs/training",
                            "needs/power", "share"};
    check_cells(s, 0, 13, header);
    const char *row1[] = {x->ids[0], arena_printf(&x->a, "uuid:%s", x->ids[0]), "2026-01-01T10:00:00.000Z", "1",
                          "en", "Zoë's \"Best\", School\nLine 2", "120", "yes", "devices power", "1", "0", "1",
                          "-0.5"};
    check_cells(s, 1, 13, row1);
    /* Trailing empty cells are not written, so the reader's row stops at online. */
    const char *row2[] = {x->ids[1], arena_printf(&x->a, "uuid:%s", x->ids[1]), "2026-01-02T10:00:00.000Z", "1",
                          "fr", "'@home", "-3", "no"};
    check_cells(s, 2, 8, row2);
    s = &book.sheets[1];
    assert_int_equal(s->nrows, 3);
    const char *t1[] = {x->ids[0], "1", "'=1+1", "maths", "1", "0"};
    check_cells(s, 1, 6, t1);
    const char *t2[] = {x->ids[0], "2", "Ana"};
    check_cells(s, 2, 3, t2);

    /* Numbers are numbers (no t= attribute), text is text; the header row is frozen and bold. */
    char *xml = zip_part(path, "xl/worksheets/sheet1.xml");
    assert_non_null(strstr(xml, "state=\"frozen\""));
    assert_non_null(strstr(xml, "<c r=\"G2\"><v>120</v></c>"));
    assert_non_null(strstr(xml, "<c r=\"M2\"><v>-0.5</v></c>"));
    assert_non_null(strstr(xml, "<c r=\"G3\"><v>-3</v></c>"));
    assert_non_null(strstr(xml, "<c r=\"J2\"><v>1</v></c>"));
    assert_non_null(strstr(xml, "<c r=\"A1\" s=\"1\" t=\"inlineStr\">")); /* style 1: the bold one */
    assert_non_null(strstr(xml, "<c r=\"F3\" t=\"inlineStr\">"));
    free(xml);
    char *styles = zip_part(path, "xl/styles.xml");
    assert_non_null(strstr(styles, "<b/>"));
    free(styles);
    unlink(path);
}

/* Labels and a long or clashing repeat name: sheet names are cut to 31 and made unique. */
static void test_sheet_names(void **state)
{
    struct testdb *x = *state;
    const char *taken[] = {"submissions", "teacher"};
    assert_string_equal(export_sheet_name(&x->a, "Submissions", taken, 2), "Submissions~2");
    assert_string_equal(export_sheet_name(&x->a, "teachers", taken, 2), "teachers");
    assert_string_equal(export_sheet_name(&x->a, "a_very_long_repeat_name_that_goes_on_and_on", taken, 2),
                        "a_very_long_repeat_name_that_go");
    assert_string_equal(export_sheet_name(&x->a, "a/b[c]:d*e?f\\g", taken, 0), "a_b_c__d_e_f_g");
    assert_string_equal(export_sheet_name(&x->a, "'quoted'", taken, 0), "_quoted_");
    assert_string_equal(export_sheet_name(&x->a, "", taken, 0), "sheet");
    assert_string_equal(export_sheet_name(&x->a, "history", taken, 0), "history~2");
    /* 31 characters, not bytes; one beyond the BMP counts twice, as Excel counts. */
    const char *long_utf8 = "ééééééééééééééééééééééééééééééééééé";
    const char *cut = export_sheet_name(&x->a, long_utf8, taken, 0);
    assert_int_equal(strlen(cut), 62);
    const char *taken2[] = {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    assert_string_equal(export_sheet_name(&x->a, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", taken2, 1),
                        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaa~2");
}

static const char form_repeats[] =
    "| survey |\n"
    "| | type | name | label |\n"
    "| | text | q | Q |\n"
    "| | begin_repeat | submissions | S |\n"
    "| | text | s_name | N |\n"
    "| | end_repeat | | |\n"
    "| | begin_repeat | an_extremely_long_repeat_name_number_one | L1 |\n"
    "| | text | l1 | L |\n"
    "| | end_repeat | | |\n"
    "| | begin_repeat | an_extremely_long_repeat_name_number_two | L2 |\n"
    "| | text | l2 | L |\n"
    "| | end_repeat | | |\n"
    "\n"
    "| settings |\n"
    "| | form_id | version |\n"
    "| | export-test | 9 |\n";

static void test_xlsx_sheet_names_and_labels(void **state)
{
    struct testdb *x = *state;
    import_form(x, form_repeats);
    testdb_submit(x, "en", NULL, "{\"q\": \"+1 555\", \"submissions\": [{\"s_name\": \"x_x0041_\\u0007y\\tz\"}]}");
    struct export_plan p;
    plan(x, &p, true, NULL, false);
    char path[64];
    snprintf(path, sizeof path, "/tmp/edubridge-export-test-%d.xlsx", (int)getpid());
    FILE *fp = fopen(path, "wb");
    struct export_sink sink = {file_write, fp};
    int rc = export_xlsx(x->st, &p, &sink, &x->e);
    fclose(fp);
    if (rc < 0) fail_msg("export_xlsx: %s", x->e.msg);
    struct sheet_book book;
    if (sheet_read_file(&x->a, path, &book, &x->e) < 0) fail_msg("read back: %s", x->e.msg);
    assert_int_equal(book.count, 4);
    assert_string_equal(book.sheets[0].name, "submissions");
    assert_string_equal(book.sheets[1].name, "submissions~2");
    assert_string_equal(book.sheets[2].name, "an_extremely_long_repeat_name_n");
    assert_string_equal(book.sheets[3].name, "an_extremely_long_repeat_name~2");
    assert_string_equal(book.sheets[0].rows[1].cells[5], "'+1 555");
    /* Control characters and text that looks like OOXML's own _xHHHH_ escapes come back as written. */
    assert_string_equal(book.sheets[1].rows[1].cells[2], "x_x0041_\ay\tz");
    unlink(path);
}

/* --- streaming ---------------------------------------------------------------------------------------- */

static int progress_calls;
static void on_progress(void *ctx, uint64_t done)
{
    (void)ctx;
    progress_calls++;
    assert_int_equal(done % 500, 0);
}

/* Many answer sets: the output reaches the sink in pieces while rows are read (never one piece
 * at the end), and progress is reported. */
static void test_streaming(void **state)
{
    struct testdb *x = *state;
    enum { N = 3000 };
    assert_int_equal(store_begin(x->st, &x->e), 0);
    for (int i = 0; i < N; i++) {
        struct arena row;
        arena_init(&row, 0);
        char *json = arena_printf(&row, "{\"school_name\": \"School number %d with a reasonably long name\","
                                        " \"learners\": \"%d\", \"needs\": \"devices training\","
                                        " \"teacher\": [{\"teacher_name\": \"T%d\"}]}", i, i, i);
        struct answers *ans = answers_from_json(&row, x->f, json, strlen(json), true, &x->e);
        assert_non_null(ans);
        char when[32];
        snprintf(when, sizeof when, "2026-03-01T%02d:%02d:%02d.000Z", i / 3600, i / 60 % 60, i % 60);
        if (submission_insert_in(x->st, &row, x->f, x->v.id, "en", ans, json, false, when, NULL, &x->e) < 0)
            fail_msg("insert: %s", x->e.msg);
        arena_free(&row);
    }
    assert_int_equal(store_commit(x->st, &x->e), 0);
    struct export_plan p;
    struct export_options o = {.progress = on_progress, .progress_every = 500};
    assert_int_equal(export_plan_build(&x->a, x->f, &o, &p, &x->e), 0);
    struct buf bufs[2];
    progress_calls = 0;
    csv_all(x, &p, bufs);
    assert_int_equal(p.submissions, N);
    assert_int_equal(p.tables[1].rows, N);
    assert_int_equal(progress_calls, N / 500);
    assert_true(bufs[0].calls > 3);
    /* In order of submission: the first and last rows. */
    assert_non_null(strstr(bufs[0].sb.data, "School number 0 with"));
    assert_true(strstr(bufs[0].sb.data, "School number 1 with") < strstr(bufs[0].sb.data, "School number 2999 with"));
    size_t lines = 0;
    for (const char *q = bufs[0].sb.data; (q = strstr(q, "\r\n")); q += 2) lines++;
    assert_int_equal(lines, N + 1);
    free_bufs(bufs, 2);

    struct buf b;
    buf_init(&b);
    struct export_sink sink = {buf_write, &b};
    assert_int_equal(export_json(x->st, &p, &sink, &x->e), 0);
    assert_true(b.calls > 3);
    json_t *doc = json_loads(b.sb.data, 0, NULL);
    assert_int_equal(json_array_size(doc), N);
    json_decref(doc);
    strbuf_free(&b.sb);
}

/* A sink that fails stops the export with ERR_IO. */
static int failing_write(void *ctx, const void *data, size_t len)
{
    (void)ctx, (void)data, (void)len;
    return -1;
}

static void test_write_failure(void **state)
{
    struct testdb *x = *state;
    submit_two(x);
    struct export_plan p;
    plan(x, &p, false, NULL, false);
    struct export_sink bad = {failing_write, NULL};
    struct export_sink sinks[2] = {bad, bad};
    assert_int_equal(export_csv(x->st, &p, sinks, &x->e), ERR_IO);
    assert_int_equal(export_json(x->st, &p, &bad, &x->e), ERR_IO);
    assert_int_equal(export_xlsx(x->st, &p, &bad, &x->e), ERR_IO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_field_quoting),
        cmocka_unit_test(test_csv_formula_guard),
        cmocka_unit_test_setup_teardown(test_plan_columns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_main_and_repeat, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_one_table_no_bom_and_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_labels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_language, setup, teardown),
        cmocka_unit_test_setup_teardown(test_older_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_current_submitted_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreadable_answers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_xlsx_read_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sheet_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_xlsx_sheet_names_and_labels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_streaming, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_failure, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Tests for program/institutions: the default mapping from the needs survey's fields and a stored
 * one; building from answer sets (idempotent, a newer answer set updating the institution it
 * names, a correction replacing its revision's link); the import, all or nothing, with its errors
 * by row and column; the duplicate finder (same name and place, close with similar names, and not
 * unrelated neighbours); the merge (the merged record kept and pointing to the survivor, links,
 * earlier merges and contacts' accounts moved, refused twice) and its audit entry; exports with
 * and without the contact columns. Each test has a database of its own. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forms/submissions.h"
#include "program/institutions.h"
#include "store/audit.h"
#include "testdb.h"

/* The needs survey's names for the mapped questions, as text and integers (the mapping reads the
 * stored values, whatever the question's type). */
static const char form_md[] =
    "| survey |\n"
    "| | type | name | label |\n"
    "| | text | institution_name | Institution |\n"
    "| | text | institution_kind | Kind |\n"
    "| | text | education_type | Education |\n"
    "| | text | country | Country |\n"
    "| | text | region | Region |\n"
    "| | text | area | Area |\n"
    "| | integer | learners | Learners |\n"
    "| | integer | teachers | Teachers |\n"
    "| | integer | devices | Devices |\n"
    "| | text | connection | Connection |\n"
    "| | text | respondent_name | Name |\n"
    "| | text | email | Email |\n"
    "| | text | phone | Phone |\n"
    "| | text | school_title | Another name field |\n"
    "\n"
    "| settings |\n"
    "| | form_title | form_id | version |\n"
    "| | Needs test | needs-test | 1 |\n";

static const struct audit_actor coordinator = {"u-1", "coordinator@example.org"};

static int setup(void **state)
{
    struct testdb *x = calloc(1, sizeof *x);
    testdb_open(x, "institutions");
    testdb_import(x, form_md, "needs-test.md");
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

static struct inst_build_report build(struct testdb *x)
{
    struct inst_build_report r;
    if (inst_build(x->st, &x->a, "needs-test", false, &coordinator, &r, &x->e) < 0) fail_msg("build: %s", x->e.msg);
    return r;
}

/* The one institution an answer set (any of its revisions) is linked to. */
static const char *linked_institution(struct testdb *x, const char *submission_id)
{
    return query_text(x, "SELECT l.institution_id FROM institution_submissions l JOIN submissions s"
                         " ON s.instance_id = l.instance_id WHERE s.id = ?", submission_id);
}

static struct inst_import_result import_csv(struct testdb *x, const char *csv, bool dry_run)
{
    struct sheet_book book;
    if (inst_read_table(&x->a, "csv", csv, strlen(csv), &book, &x->e) < 0) fail_msg("read: %s", x->e.msg);
    struct inst_import_result r;
    if (inst_import(x->st, &x->a, &book, dry_run, false, &coordinator, &r, &x->e) < 0)
        fail_msg("import: %s", x->e.msg);
    return r;
}

static const char *id_by_name(struct testdb *x, const char *name)
{
    const char *id = query_text(x, "SELECT id FROM institutions WHERE name = ?", name);
    if (!id) fail_msg("no institution named %s", name);
    return id;
}

static int64_t institutions(struct testdb *x)
{
    return query_int(x, "SELECT count(*) FROM institutions", NULL);
}

/* ---- the mapping ----------------------------------------------------------------------------- */

static void test_default_mapping_reads_the_needs_survey(void **state)
{
    struct testdb *x = *state;
    struct inst_mapping m;
    inst_mapping_default(&m);
    assert_string_equal(m.field[INST_NAME], "institution_name");
    assert_string_equal(m.field[INST_KIND], "institution_kind");
    assert_string_equal(m.field[INST_FORMAL], "education_type");
    assert_string_equal(m.field[INST_COUNTRY], "country");
    assert_string_equal(m.field[INST_CONNECTIVITY], "connection");
    assert_string_equal(m.field[INST_CONTACT_NAME], "respondent_name");
    assert_string_equal(m.field[INST_CONTACT_EMAIL], "email");
    assert_string_equal(m.field[INST_CONTACT_PHONE], "phone");
    assert_null(m.field[INST_STATUS]); /* the programme sets it, never an answer */
    assert_null(m.field[INST_LATITUDE]);
    /* a form without stored rows reads the default */
    struct inst_mapping loaded;
    assert_int_equal(inst_mapping_load(x->st, &x->a, "needs-test", &loaded, &x->e), 0);
    for (int f = 0; f < INST_FIELD_COUNT; f++) {
        if (m.field[f]) assert_string_equal(loaded.field[f], m.field[f]);
        else assert_null(loaded.field[f]);
    }
    assert_true(inst_field_personal(INST_CONTACT_EMAIL));
    assert_false(inst_field_personal(INST_NAME));
    assert_int_equal(inst_field_parse("Contact_Email"), INST_CONTACT_EMAIL);
    assert_int_equal(inst_field_parse("nickname"), -1);

    /* the survey's values are normalised on the way in; one that does not check stays unknown */
    testdb_submit(x, "en", "2026-01-10T09:00:00.000Z",
                  "{\"institution_name\": \" Szkoła Podstawowa nr 3 \", \"institution_kind\": \"School\","
                  " \"education_type\": \"informal\", \"country\": \"pl\", \"region\": \"PL91\", \"area\": \"rural\","
                  " \"learners\": \"240\", \"devices\": \"4\", \"connection\": \"mobile_only\","
                  " \"respondent_name\": \"Ana Nowak\", \"email\": \"not an address\", \"phone\": \"+48 600 123 456\"}");
    struct inst_build_report r = build(x);
    assert_int_equal(r.created, 1);
    struct institution inst;
    assert_int_equal(inst_get(x->st, &x->a, id_by_name(x, "Szkoła Podstawowa nr 3"), &inst, &x->e), 0);
    assert_string_equal(inst.v[INST_KIND], "school");
    assert_string_equal(inst.v[INST_FORMAL], "0");
    assert_string_equal(inst.v[INST_COUNTRY], "PL");
    assert_string_equal(inst.v[INST_LEARNERS], "240");
    assert_string_equal(inst.v[INST_CONNECTIVITY], "mobile_only");
    assert_string_equal(inst.v[INST_CONTACT_NAME], "Ana Nowak");
    assert_null(inst.v[INST_CONTACT_EMAIL]);
    assert_null(inst.v[INST_TEACHERS]);
    assert_string_equal(inst.v[INST_STATUS], "registered");
    assert_string_equal(inst.source, "survey");
}

static void test_a_stored_mapping_replaces_the_default(void **state)
{
    struct testdb *x = *state;
    struct inst_mapping m;
    inst_mapping_default(&m);
    m.field[INST_NAME] = "school_title";
    assert_int_equal(inst_mapping_save(x->st, "needs-test", &m, &coordinator, &x->e), 0);
    struct inst_mapping loaded;
    assert_int_equal(inst_mapping_load(x->st, &x->a, "needs-test", &loaded, &x->e), 0);
    assert_string_equal(loaded.field[INST_NAME], "school_title");
    assert_string_equal(loaded.field[INST_COUNTRY], "country");
    assert_int_equal(query_int(x, "SELECT count(*) FROM audit_log WHERE action = 'institution.mapping'", NULL), 1);
    testdb_submit(x, "en", NULL, "{\"institution_name\": \"Ignored\", \"school_title\": \"Club Robotique\", \"country\": \"FR\"}");
    assert_int_equal(build(x).created, 1);
    assert_non_null(query_text(x, "SELECT id FROM institutions WHERE name = 'Club Robotique'", NULL));
    assert_null(query_text(x, "SELECT id FROM institutions WHERE name = 'Ignored'", NULL));
}

/* ---- building -------------------------------------------------------------------------------- */

static void test_build_twice_adds_nothing(void **state)
{
    struct testdb *x = *state;
    testdb_submit(x, "en", "2026-01-10T09:00:00.000Z", "{\"institution_name\": \"Escola Básica 1\", \"country\": \"PT\"}");
    testdb_submit(x, "en", "2026-01-11T09:00:00.000Z", "{\"institution_name\": \"STEM Club Lviv\", \"country\": \"UA\"}");
    testdb_submit(x, "en", "2026-01-12T09:00:00.000Z", "{\"country\": \"UA\"}"); /* no name: no institution */
    struct inst_build_report r = build(x);
    assert_int_equal(r.created, 2);
    assert_int_equal(r.skipped, 1);
    assert_int_equal(institutions(x), 2);
    assert_int_equal(query_int(x, "SELECT count(*) FROM audit_log WHERE action = 'institution.build'", NULL), 1);

    r = build(x);
    assert_int_equal(r.created, 0);
    assert_int_equal(r.updated, 0);
    assert_int_equal(r.linked, 0);
    assert_int_equal(r.unchanged, 2);
    assert_int_equal(institutions(x), 2);
    assert_int_equal(query_int(x, "SELECT count(*) FROM institution_submissions", NULL), 2);
    /* a run that changes nothing is not an event of the trail */
    assert_int_equal(query_int(x, "SELECT count(*) FROM audit_log WHERE action = 'institution.build'", NULL), 1);
}

static void test_a_newer_answer_set_updates_the_same_institution(void **state)
{
    struct testdb *x = *state;
    const char *first = testdb_submit(x, "en", "2026-01-10T09:00:00.000Z",
                                      "{\"institution_name\": \"Szkoła Podstawowa nr 1\", \"country\": \"PL\","
                                      " \"learners\": \"100\", \"email\": \"dyrektor@sp1.example.pl\"}");
    assert_int_equal(build(x).created, 1);
    /* another teacher of the same school, later, writing its name another way and leaving the
     * contact out: the same institution, newer numbers, the known contact kept */
    const char *second = testdb_submit(x, "en", "2026-02-01T09:00:00.000Z",
                                       "{\"institution_name\": \"SZKOŁA podstawowa NR 1.\", \"country\": \"PL\","
                                       " \"learners\": \"120\", \"teachers\": \"14\"}");
    struct inst_build_report r = build(x);
    assert_int_equal(r.created, 0);
    assert_int_equal(r.linked, 1);
    assert_int_equal(r.unchanged, 1);
    assert_int_equal(institutions(x), 1);
    const char *id = linked_institution(x, first);
    assert_non_null(id);
    assert_string_equal(linked_institution(x, second), id);
    struct institution inst;
    assert_int_equal(inst_get(x->st, &x->a, id, &inst, &x->e), 0);
    assert_string_equal(inst.v[INST_LEARNERS], "120");
    assert_string_equal(inst.v[INST_TEACHERS], "14");
    assert_string_equal(inst.v[INST_CONTACT_EMAIL], "dyrektor@sp1.example.pl");
    struct inst_link *links;
    size_t n;
    assert_int_equal(inst_links(x->st, &x->a, id, &links, &n, &x->e), 0);
    assert_int_equal(n, 2);
    /* the same name in another country is another institution */
    testdb_submit(x, "en", NULL, "{\"institution_name\": \"Szkoła Podstawowa nr 1\", \"country\": \"CZ\"}");
    assert_int_equal(build(x).created, 1);
    assert_int_equal(institutions(x), 2);
}

static void test_a_correction_replaces_the_link(void **state)
{
    struct testdb *x = *state;
    const char *first = testdb_submit(x, "en", "2026-01-10T09:00:00.000Z",
                                      "{\"institution_name\": \"Centro Educativo Sol\", \"country\": \"ES\","
                                      " \"devices\": \"2\"}");
    assert_int_equal(build(x).created, 1);
    const char *id = linked_institution(x, first);
    struct submission rev;
    assert_int_equal(submission_revise(x->st, &x->a, x->f, x->v.id, first,
                                       testdb_answers(x, "{\"institution_name\": \"Centro Educativo Sol\","
                                                         " \"country\": \"ES\", \"devices\": \"5\"}"),
                                       &coordinator, &rev, &x->e), 0);
    struct inst_build_report r = build(x);
    assert_int_equal(r.updated, 1);
    assert_int_equal(r.created, 0);
    assert_int_equal(institutions(x), 1);
    struct inst_link *links;
    size_t n;
    assert_int_equal(inst_links(x->st, &x->a, id, &links, &n, &x->e), 0);
    assert_int_equal(n, 1); /* replaced, not added */
    assert_string_equal(links[0].submission_id, rev.id);
    assert_int_equal(links[0].revision, 2);
    struct institution inst;
    assert_int_equal(inst_get(x->st, &x->a, id, &inst, &x->e), 0);
    assert_string_equal(inst.v[INST_DEVICES], "5");
    /* and once the correction is linked, building again changes nothing */
    r = build(x);
    assert_int_equal(r.updated, 0);
    assert_int_equal(r.unchanged, 1);
}

/* ---- import ---------------------------------------------------------------------------------- */

static void test_an_import_with_a_bad_row_imports_nothing(void **state)
{
    struct testdb *x = *state;
    struct inst_import_result r = import_csv(x,
        "name,country,learners,contact_email\n"
        "Escola Básica 2,PT,300,dir@eb2.example.pt\n"
        "Club STEM Nord,FR,many,club@example.fr\n"
        "Jugendzentrum Süd,DE,40,\n", false);
    assert_false(r.imported);
    assert_int_equal(r.nerrors, 1);
    assert_int_equal(r.errors[0].row, 3);
    assert_string_equal(r.errors[0].column, "learners");
    assert_string_equal(r.errors[0].value, "many");
    assert_int_equal(institutions(x), 0);
    assert_int_equal(query_int(x, "SELECT count(*) FROM audit_log WHERE action = 'institution.import'", NULL), 0);

    /* every problem is listed, each with its row and column */
    r = import_csv(x,
        "name,country,kind\n"
        "Escola Básica 2,PT,school\n"
        ",FR,school\n"
        "Jugendzentrum Süd,DD,club\n", false);
    assert_int_equal(r.nerrors, 3);
    assert_int_equal(r.errors[0].row, 3);
    assert_string_equal(r.errors[0].column, "name");
    assert_int_equal(r.errors[1].row, 4);
    assert_string_equal(r.errors[1].column, "country");
    assert_int_equal(r.errors[2].row, 4);
    assert_string_equal(r.errors[2].column, "kind");
    assert_int_equal(institutions(x), 0);

    /* an unknown column is an error of the header row */
    r = import_csv(x, "name,size\nEscola Básica 2,big\n", false);
    assert_int_equal(r.nerrors, 1);
    assert_int_equal(r.errors[0].row, 1);
    assert_string_equal(r.errors[0].column, "size");
    assert_int_equal(institutions(x), 0);
}

static void test_a_good_import_creates_every_row(void **state)
{
    struct testdb *x = *state;
    const char *csv = "name,kind,formal,country,region,area,latitude,longitude,learners,contact_email\r\n"
                      "Escola Básica 2,school,formal,pt,PT17,urban,38.7223,-9.1393,300,dir@eb2.example.pt\r\n"
                      "\"Club \"\"STEM\"\" Nord, Lille\",stem_club,informal,FR,,,,,25,\r\n";
    struct inst_import_result r = import_csv(x, csv, true);
    assert_int_equal(r.nerrors, 0);
    assert_int_equal(r.nrows, 2);
    assert_false(r.imported);
    assert_int_equal(institutions(x), 0); /* a dry run saves nothing */

    r = import_csv(x, csv, false);
    assert_int_equal(r.nerrors, 0);
    assert_true(r.imported);
    assert_int_equal(r.nrows, 2);
    assert_int_equal(r.row_numbers[0], 2);
    assert_int_equal(r.row_numbers[1], 3);
    assert_int_equal(institutions(x), 2);
    struct institution inst;
    assert_int_equal(inst_get(x->st, &x->a, r.rows[1].id, &inst, &x->e), 0);
    assert_string_equal(inst.v[INST_NAME], "Club \"STEM\" Nord, Lille");
    assert_string_equal(inst.v[INST_FORMAL], "0");
    assert_string_equal(inst.source, "import");
    assert_int_equal(inst_get(x->st, &x->a, r.rows[0].id, &inst, &x->e), 0);
    assert_string_equal(inst.v[INST_COUNTRY], "PT");
    assert_string_equal(inst.v[INST_LATITUDE], "38.722300");
    assert_string_equal(inst.v[INST_CONTACT_EMAIL], "dir@eb2.example.pt");
    assert_int_equal(query_int(x, "SELECT count(*) FROM audit_log WHERE action = 'institution.import'"
                                  " AND actor_label = 'coordinator@example.org'", NULL), 1);
}

/* Found by tests/fuzz/fuzz_institutions_csv.c: the CSV reader takes a quote inside an unquoted cell
 * literally (as Python's csv module and spreadsheets do), but inst_read_table counted it as opening
 * a quoted cell, so the records after it lost their sheet column and each became a sheet of its
 * own: a dry run passed with those rows missing, and the import dropped them without a word. */
static void test_a_stray_quote_keeps_every_row(void **state)
{
    struct testdb *x = *state;
    struct inst_import_result r = import_csv(x,
        "name,country\n"
        "O\"Brien School,IE\n"
        "\"Quoted\" then text\",FR\n"
        "Last School,DE\n", true);
    assert_int_equal(r.nerrors, 0);
    assert_int_equal(r.nrows, 3);
    assert_string_equal(r.rows[0].v[INST_NAME], "O\"Brien School");
    assert_int_equal(r.row_numbers[1], 3);
    assert_string_equal(r.rows[1].v[INST_NAME], "Quoted then text\"");
    assert_string_equal(r.rows[1].v[INST_COUNTRY], "FR");
    assert_int_equal(r.row_numbers[2], 4);
    assert_string_equal(r.rows[2].v[INST_NAME], "Last School");

    /* a quoted cell may still hold a newline, a comma and a doubled quote */
    r = import_csv(x, "name,country\n\"Club \"\"STEM\"\",\nNord\",FR\nNext,PT\n", true);
    assert_int_equal(r.nerrors, 0);
    assert_int_equal(r.nrows, 2);
    assert_string_equal(r.rows[0].v[INST_NAME], "Club \"STEM\",\nNord");
    assert_int_equal(r.row_numbers[1], 4);
    assert_string_equal(r.rows[1].v[INST_NAME], "Next");
}

/* ---- duplicates and merges ------------------------------------------------------------------- */

static const struct inst_duplicate *find_pair(const struct inst_duplicate *d, size_t n, const char *x, const char *y)
{
    for (size_t i = 0; i < n; i++)
        if ((!strcmp(d[i].a.v[INST_NAME], x) && !strcmp(d[i].b.v[INST_NAME], y)) ||
            (!strcmp(d[i].a.v[INST_NAME], y) && !strcmp(d[i].b.v[INST_NAME], x)))
            return &d[i];
    return NULL;
}

static void test_duplicates_are_found_and_neighbours_are_not(void **state)
{
    struct testdb *x = *state;
    /* Kraków's Old Town: the two lyceums ~500 m apart, the library ~100 m from the first */
    import_csv(x,
        "name,country,region,latitude,longitude\n"
        "Szkoła Podstawowa nr 1,PL,PL21,,\n"
        "Liceum Ogólnokształcące im. Kopernika,PL,PL21,50.0614,19.9366\n"
        "Biblioteka Publiczna,PL,PL21,50.0620,19.9370\n"
        "Szkoła Podstawowa nr 7,PL,PL92,,\n"
        "Szkoła Podstawowa nr 1,CZ,CZ01,,\n", false);
    import_csv(x,
        "name,country,region,latitude,longitude\n"
        "SZKOŁA-PODSTAWOWA NR 1.,PL,pl21,,\n"
        "Liceum Ogolnoksztalcace Kopernika,PL,PL22,50.0650,19.9400\n", false);
    struct inst_duplicate *d;
    size_t n;
    assert_int_equal(inst_duplicates(x->st, &x->a, &d, &n, &x->e), 0);
    /* capitals (Polish ones too), punctuation and the region's case do not make another place */
    const struct inst_duplicate *p = find_pair(d, n, "Szkoła Podstawowa nr 1", "SZKOŁA-PODSTAWOWA NR 1.");
    assert_non_null(p);
    assert_int_equal(p->reason, INST_DUP_SAME_NAME_PLACE);
    assert_string_equal(p->a.v[INST_REGION], "PL21");
    p = find_pair(d, n, "Liceum Ogólnokształcące im. Kopernika", "Liceum Ogolnoksztalcace Kopernika");
    assert_non_null(p);
    assert_int_equal(p->reason, INST_DUP_CLOSE_SIMILAR);
    assert_true(p->distance_km > 0.3 && p->distance_km < INST_DUP_MAX_KM);
    assert_string_equal(p->a.v[INST_NAME], "Liceum Ogólnokształcące im. Kopernika"); /* the older survives */
    assert_null(find_pair(d, n, "Liceum Ogólnokształcące im. Kopernika", "Biblioteka Publiczna"));
    assert_null(find_pair(d, n, "Szkoła Podstawowa nr 1", "Szkoła Podstawowa nr 7"));
    assert_null(find_pair(d, n, "Szkoła Podstawowa nr 7", "SZKOŁA-PODSTAWOWA NR 1."));
    for (size_t i = 0; i < n; i++) /* compared within a country only */
        assert_string_equal(d[i].a.v[INST_COUNTRY], d[i].b.v[INST_COUNTRY]);
}

static void test_same_name_and_place(void **state)
{
    struct testdb *x = *state;
    import_csv(x, "name,country,region\nEscola Básica 2,PT,PT17\nEscola Básica 3,PT,PT17\n", false);
    import_csv(x, "name,country,region\n\"ESCOLA BÁSICA  2 .\",pt,PT17\nEscola Básica 2,PT,PT11\n", false);
    struct inst_duplicate *d;
    size_t n;
    assert_int_equal(inst_duplicates(x->st, &x->a, &d, &n, &x->e), 0);
    const struct inst_duplicate *p = find_pair(d, n, "Escola Básica 2", "ESCOLA BÁSICA  2 .");
    assert_non_null(p);
    assert_int_equal(p->reason, INST_DUP_SAME_NAME_PLACE);
    assert_true(p->distance_km < 0); /* no coordinates */
    /* the same name in another region of the country is not the same place */
    for (size_t i = 0; i < n; i++) {
        bool other_region = (d[i].a.v[INST_REGION] && !strcmp(d[i].a.v[INST_REGION], "PT11")) ||
                            (d[i].b.v[INST_REGION] && !strcmp(d[i].b.v[INST_REGION], "PT11"));
        assert_false(other_region && d[i].reason == INST_DUP_SAME_NAME_PLACE);
    }
}

static void test_merge_keeps_the_merged_record_and_moves_links(void **state)
{
    struct testdb *x = *state;
    const char *sub = testdb_submit(x, "en", NULL, "{\"institution_name\": \"Escola Básica 2\", \"country\": \"PT\","
                                                   " \"learners\": \"300\"}");
    build(x);
    const char *merged = linked_institution(x, sub);
    import_csv(x, "name,country,region,devices\nEscola Basica 2 Lisboa,PT,PT17,12\nEscola Antiga,PT,PT17,\n", false);
    const char *survivor = id_by_name(x, "Escola Basica 2 Lisboa");
    const char *older = id_by_name(x, "Escola Antiga");
    /* a record merged into `merged` earlier follows it to the survivor */
    assert_int_equal(inst_merge(x->st, merged, older, &coordinator, &x->e), 0);
    /* an institution contact of the merged record now belongs to the survivor */
    struct store_stmt *s = store_prepare(x->st, "INSERT INTO users (id, email, display_name, role, institution_id,"
                                                " password_hash, created_at) VALUES ('u-9', 'ana@example.pt', 'Ana',"
                                                " 'institution', ?, 'x', '2026-01-01T00:00:00.000Z')", &x->e);
    assert_non_null(s);
    store_bind_text(s, 1, merged);
    assert_int_equal(store_run(s, &x->e), 0);
    store_done(s);

    assert_int_equal(inst_merge(x->st, survivor, merged, &coordinator, &x->e), 0);
    struct institution m, sv;
    assert_int_equal(inst_get(x->st, &x->a, merged, &m, &x->e), 0);
    assert_non_null(m.merged_into);
    assert_string_equal(m.merged_into, survivor);
    assert_string_equal(m.v[INST_NAME], "Escola Básica 2"); /* kept as it was */
    assert_int_equal(inst_get(x->st, &x->a, survivor, &sv, &x->e), 0);
    assert_null(sv.merged_into);
    assert_string_equal(sv.v[INST_NAME], "Escola Basica 2 Lisboa"); /* the survivor's own values stay */
    assert_string_equal(sv.v[INST_DEVICES], "12");
    assert_string_equal(sv.v[INST_LEARNERS], "300"); /* and it learns what only the other knew */
    assert_string_equal(linked_institution(x, sub), survivor);
    struct inst_link *links;
    size_t n;
    assert_int_equal(inst_links(x->st, &x->a, merged, &links, &n, &x->e), 0);
    assert_int_equal(n, 0);
    assert_int_equal(inst_links(x->st, &x->a, survivor, &links, &n, &x->e), 0);
    assert_int_equal(n, 1);
    const char **from;
    assert_int_equal(inst_merged_from(x->st, &x->a, survivor, &from, &n, &x->e), 0);
    assert_int_equal(n, 2);
    assert_string_equal(query_text(x, "SELECT merged_into FROM institutions WHERE id = ?", older), survivor);
    assert_string_equal(query_text(x, "SELECT institution_id FROM users WHERE id = 'u-9'", NULL), survivor);
    /* the register lists the survivor only */
    struct inst_filter f = {.country = "PT"};
    struct institution *list;
    int64_t total;
    assert_int_equal(inst_list(x->st, &x->a, &f, 0, 50, &list, &n, &total, &x->e), 0);
    assert_int_equal(total, 1);
    assert_string_equal(list[0].id, survivor);
    assert_int_equal(list[0].links, 1);
    /* a later answer set naming the merged record joins the survivor rather than making the
     * duplicate again, and the survivor keeps its name */
    const char *later = testdb_submit(x, "en", NULL, "{\"institution_name\": \"ESCOLA BÁSICA 2\", \"country\": \"PT\","
                                                     " \"teachers\": \"21\"}");
    struct inst_build_report r = build(x);
    assert_int_equal(r.created, 0);
    assert_int_equal(r.linked, 1);
    assert_string_equal(linked_institution(x, later), survivor);
    assert_int_equal(inst_get(x->st, &x->a, survivor, &sv, &x->e), 0);
    assert_string_equal(sv.v[INST_NAME], "Escola Basica 2 Lisboa");
    assert_string_equal(sv.v[INST_TEACHERS], "21");

    /* refused: twice, into itself, unknown ids; each changes nothing */
    assert_int_equal(inst_merge(x->st, survivor, merged, &coordinator, &x->e), ERR_CONFLICT);
    assert_int_equal(inst_merge(x->st, merged, survivor, &coordinator, &x->e), ERR_CONFLICT);
    assert_int_equal(inst_merge(x->st, survivor, survivor, &coordinator, &x->e), ERR_CONFLICT);
    assert_int_equal(inst_merge(x->st, survivor, "no-such-id", &coordinator, &x->e), ERR_NOT_FOUND);
    assert_int_equal(query_int(x, "SELECT count(*) FROM audit_log WHERE action = 'institution.merge'", NULL), 2);
}

static void test_merge_is_in_the_audit_trail(void **state)
{
    struct testdb *x = *state;
    import_csv(x, "name,country\nEscola Básica 2,PT\nEscola Basica 2,PT\n", false);
    const char *a = id_by_name(x, "Escola Básica 2"), *b = id_by_name(x, "Escola Basica 2");
    assert_int_equal(inst_merge(x->st, a, b, &coordinator, &x->e), 0);
    struct audit_filter f = {.action = "institution.merge", .target = b};
    struct audit_entry *list;
    size_t n;
    int64_t total;
    assert_int_equal(audit_list(x->st, &x->a, &f, 0, 10, &list, &n, &total, &x->e), 0);
    assert_int_equal(n, 1);
    assert_string_equal(list[0].action, "institution.merge");
    assert_string_equal(list[0].actor_label, "coordinator@example.org");
    assert_string_equal(list[0].actor_user_id, "u-1");
    assert_string_equal(list[0].target_kind, "institution");
    /* survivor first, then the merged record */
    const char *pa = strstr(list[0].target_ids, a), *pb = strstr(list[0].target_ids, b);
    assert_non_null(pa);
    assert_non_null(pb);
    assert_true(pa < pb);
    assert_non_null(strstr(list[0].detail, "\"links_moved\""));
}

/* ---- exports --------------------------------------------------------------------------------- */

static int collect(void *ctx, const void *data, size_t len)
{
    struct strbuf *b = ctx;
    strbuf_append(b, data, len);
    return 0;
}

static void test_exports_leave_contacts_out_unless_asked(void **state)
{
    struct testdb *x = *state;
    import_csv(x, "name,country,contact_name,contact_email\n"
                  "=HYPERLINK(\"x\"),PT,Ana Lima,ana@example.pt\n", false);
    struct strbuf b;
    strbuf_init(&b, &x->a, 256);
    assert_int_equal(inst_export_csv(x->st, true, collect, &b, &x->e), 0);
    strbuf_putc(&b, '\0');
    assert_non_null(strstr(b.data, ",contact_name,contact_email,contact_phone,"));
    assert_non_null(strstr(b.data, "ana@example.pt"));
    assert_non_null(strstr(b.data, "\"'=HYPERLINK(\"\"x\"\")\"")); /* a formula is written as text */
    strbuf_init(&b, &x->a, 256);
    assert_int_equal(inst_export_csv(x->st, false, collect, &b, &x->e), 0);
    strbuf_putc(&b, '\0');
    assert_null(strstr(b.data, "contact"));
    assert_null(strstr(b.data, "ana@example.pt"));
    assert_null(strstr(b.data, "Ana Lima"));
    strbuf_init(&b, &x->a, 256);
    assert_int_equal(inst_export_xlsx(x->st, false, collect, &b, &x->e), 0);
    assert_true(b.len > 4 && memcmp(b.data, "PK\3\4", 4) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_default_mapping_reads_the_needs_survey),
        T(test_a_stored_mapping_replaces_the_default),
        T(test_build_twice_adds_nothing),
        T(test_a_newer_answer_set_updates_the_same_institution),
        T(test_a_correction_replaces_the_link),
        T(test_an_import_with_a_bad_row_imports_nothing),
        T(test_a_good_import_creates_every_row),
        T(test_a_stray_quote_keeps_every_row),
        T(test_duplicates_are_found_and_neighbours_are_not),
        T(test_same_name_and_place),
        T(test_merge_keeps_the_merged_record_and_moves_links),
        T(test_merge_is_in_the_audit_trail),
        T(test_exports_leave_contacts_out_unless_asked),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

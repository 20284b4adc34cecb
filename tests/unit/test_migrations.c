/* Tests for store/ (with the SQLite backend): migrations (recorded, idempotent, rolled back on
 * failure, newer databases refused), the statement cache used re-entrantly, bound parameters that
 * round-trip hostile text unchanged, constraint violations as ERR_CONFLICT; then the program's
 * real schema on a file: programmes created and listed, and the demo loaded twice. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/id.h"
#include "program/demo.h"
#include "program/demo_survey.h"
#include "program/programme.h"
#include "program/schema.h"
#include "store/store.h"
#include "testdb.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ---------------------------------------------------------------------------------- */

struct tmpdb {
    char path[64];
};

static void tmpdb_make(struct tmpdb *t)
{
    testdb_temp_path(t->path, sizeof t->path, "test");
}

static void tmpdb_remove(struct tmpdb *t)
{
    testdb_remove_files(t->path);
}

static struct store *open_memory(void)
{
    struct err e;
    err_clear(&e);
    struct store *st = store_open(":memory:", NULL, &e);
    if (!st) fail_msg("store_open: %s", e.msg);
    return st;
}

/* The single integer a query returns (-999 when it returns no row). */
static int64_t query_int(struct store *st, const char *sql)
{
    struct err e;
    err_clear(&e);
    struct store_stmt *s = store_prepare(st, sql, &e);
    if (!s) fail_msg("prepare '%s': %s", sql, e.msg);
    int rc = store_step(s, &e);
    if (rc < 0) fail_msg("step '%s': %s", sql, e.msg);
    int64_t v = rc == 1 ? store_col_int(s, 0) : -999;
    store_done(s);
    return v;
}

static bool table_exists(struct store *st, const char *name)
{
    struct store_stmt *s = store_prepare(st, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", NULL);
    assert_non_null(s);
    store_bind_text(s, 1, name);
    assert_int_equal(store_step(s, NULL), 1);
    bool yes = store_col_int(s, 0) > 0;
    store_done(s);
    return yes;
}

/* ---- migrations ------------------------------------------------------------------------------ */

static const struct store_migration list3[] = {
    {1, "first", "CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT NOT NULL);"},
    {2, "second", "CREATE TABLE b (id INTEGER PRIMARY KEY); INSERT INTO b VALUES (1), (2);"},
    {3, "third", "ALTER TABLE a ADD COLUMN w INTEGER NOT NULL DEFAULT 7;"},
};

static void test_migrate_records_and_is_idempotent(void **state)
{
    (void)state;
    struct store *st = open_memory();
    struct err e;
    err_clear(&e);
    assert_int_equal(store_schema_version(st, &e), 0);

    int applied = -1;
    assert_int_equal(store_migrate(st, list3, 2, &applied, &e), 0);
    assert_int_equal(applied, 2);
    assert_int_equal(store_schema_version(st, &e), 2);
    assert_true(table_exists(st, "a"));
    assert_true(table_exists(st, "b"));
    assert_int_equal(query_int(st, "SELECT count(*) FROM b"), 2);

    /* each migration recorded with its name and an ISO 8601 UTC time */
    struct store_stmt *s = store_prepare(st, "SELECT version, name, applied_at FROM schema_migrations ORDER BY version", &e);
    assert_non_null(s);
    for (int v = 1; v <= 2; v++) {
        assert_int_equal(store_step(s, &e), 1);
        assert_int_equal(store_col_int(s, 0), v);
        assert_string_equal(store_col_text(s, 1), list3[v - 1].name);
        const char *at = store_col_text(s, 2);
        assert_int_equal(strlen(at), 24);
        assert_int_equal(at[4], '-');
        assert_int_equal(at[10], 'T');
        assert_int_equal(at[23], 'Z');
    }
    assert_int_equal(store_step(s, &e), 0);
    store_done(s);

    /* again: nothing to do, nothing changes */
    applied = -1;
    assert_int_equal(store_migrate(st, list3, 2, &applied, &e), 0);
    assert_int_equal(applied, 0);
    assert_int_equal(query_int(st, "SELECT count(*) FROM schema_migrations"), 2);
    assert_int_equal(query_int(st, "SELECT count(*) FROM b"), 2);

    /* a longer list applies only what is new */
    assert_int_equal(store_migrate(st, list3, 3, &applied, &e), 0);
    assert_int_equal(applied, 1);
    assert_int_equal(store_schema_version(st, &e), 3);
    assert_int_equal(store_migrate(st, list3, 3, NULL, &e), 0); /* applied may be NULL */
    assert_int_equal(query_int(st, "SELECT count(*) FROM schema_migrations"), 3);
    store_close(st);
}

static void test_migrate_failure_rolls_back(void **state)
{
    (void)state;
    static const struct store_migration bad[] = {
        {1, "first", "CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT NOT NULL);"},
        {2, "second", "CREATE TABLE b (id INTEGER PRIMARY KEY);"},
        /* the table is made, then the next statement fails: the whole migration must go */
        {3, "broken", "CREATE TABLE c (x TEXT); INSERT INTO c VALUES ('half'); INSERT INTO nowhere VALUES (1);"},
        {4, "never", "CREATE TABLE d (x TEXT);"},
    };
    struct store *st = open_memory();
    struct err e;
    err_clear(&e);
    int applied = -1;
    int rc = store_migrate(st, bad, COUNT(bad), &applied, &e);
    assert_true(rc < 0);
    assert_int_equal(e.code, ERR_INTERNAL);
    assert_non_null(strstr(e.msg, "migration 3 (broken) failed and was rolled back"));
    assert_non_null(strstr(e.msg, "nowhere")); /* the engine's reason is kept */
    assert_int_equal(applied, 2);
    assert_int_equal(store_schema_version(st, &e), 2);
    assert_false(table_exists(st, "c"));
    assert_false(table_exists(st, "d"));
    assert_true(table_exists(st, "b"));

    /* the connection is usable and out of any transaction: a later transaction works */
    err_clear(&e);
    assert_int_equal(store_begin(st, &e), 0);
    assert_int_equal(store_exec(st, "INSERT INTO a (v) VALUES ('after')", &e), 0);
    assert_int_equal(store_commit(st, &e), 0);
    assert_int_equal(query_int(st, "SELECT count(*) FROM a"), 1);

    /* trying again fails the same way and changes nothing */
    assert_true(store_migrate(st, bad, COUNT(bad), &applied, &e) < 0);
    assert_int_equal(applied, 0);
    assert_int_equal(store_schema_version(st, &e), 2);

    /* with no struct err to fill (e == NULL), it still fails cleanly */
    assert_true(store_migrate(st, bad, COUNT(bad), &applied, NULL) < 0);
    assert_int_equal(store_schema_version(st, NULL), 2);
    assert_false(table_exists(st, "c"));
    store_close(st);
}

/* A migration that is a syntax error fails before anything runs. */
static void test_migrate_syntax_error(void **state)
{
    (void)state;
    static const struct store_migration bad[] = {{1, "typo", "CREAT TABLE x (y);"}};
    struct store *st = open_memory();
    struct err e;
    err_clear(&e);
    assert_true(store_migrate(st, bad, 1, NULL, &e) < 0);
    assert_non_null(strstr(e.msg, "migration 1 (typo)"));
    assert_int_equal(store_schema_version(st, &e), 0);
    store_close(st);
}

static void test_migrate_refuses_newer_database(void **state)
{
    (void)state;
    struct store *st = open_memory();
    struct err e;
    err_clear(&e);
    assert_int_equal(store_migrate(st, list3, 3, NULL, &e), 0);
    int applied = -1;
    int rc = store_migrate(st, list3, 2, &applied, &e);
    assert_int_equal(rc, ERR_CONFLICT);
    assert_int_equal(e.code, ERR_CONFLICT);
    assert_int_equal(applied, 0);
    assert_string_equal(e.msg, "the database is at schema version 3, newer than this edubridge knows (2): "
                               "use a newer edubridge");
    /* an empty list knows version 0 */
    err_clear(&e);
    assert_int_equal(store_migrate(st, list3, 0, NULL, &e), ERR_CONFLICT);
    assert_non_null(strstr(e.msg, "version 3"));
    assert_int_equal(store_schema_version(st, &e), 3);
    store_close(st);

    /* a fresh database and an empty list: nothing to do */
    st = open_memory();
    assert_int_equal(store_migrate(st, list3, 0, &applied, &e), 0);
    assert_int_equal(applied, 0);
    store_close(st);
}

/* ---- statements ------------------------------------------------------------------------------ */

static void test_statement_cache_reentrant(void **state)
{
    (void)state;
    struct store *st = open_memory();
    struct err e;
    err_clear(&e);
    assert_int_equal(store_exec(st, "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2), (3);", &e), 0);
    static const char sql[] = "SELECT x FROM t ORDER BY x";

    struct store_stmt *outer = store_prepare(st, sql, &e);
    assert_non_null(outer);
    assert_int_equal(store_step(outer, &e), 1);
    assert_int_equal(store_col_int(outer, 0), 1);

    /* the same SQL while outer is in use: another statement, which works on its own */
    struct store_stmt *inner = store_prepare(st, sql, &e);
    assert_non_null(inner);
    assert_ptr_not_equal(inner, outer);
    for (int want = 1; want <= 3; want++) {
        assert_int_equal(store_step(inner, &e), 1);
        assert_int_equal(store_col_int(inner, 0), want);
        /* and a third level inside that */
        struct store_stmt *deeper = store_prepare(st, sql, &e);
        assert_non_null(deeper);
        assert_ptr_not_equal(deeper, outer);
        assert_ptr_not_equal(deeper, inner);
        assert_int_equal(store_step(deeper, &e), 1);
        assert_int_equal(store_col_int(deeper, 0), 1);
        store_done(deeper);
    }
    assert_int_equal(store_step(inner, &e), 0);
    store_done(inner);

    /* the outer statement carries on where it was */
    assert_int_equal(store_step(outer, &e), 1);
    assert_int_equal(store_col_int(outer, 0), 2);
    assert_int_equal(store_step(outer, &e), 1);
    assert_int_equal(store_col_int(outer, 0), 3);
    assert_int_equal(store_step(outer, &e), 0);
    store_done(outer);

    /* once handed back, the cached statement is given again, reset */
    struct store_stmt *again = store_prepare(st, sql, &e);
    assert_ptr_equal(again, outer);
    assert_int_equal(store_step(again, &e), 1);
    assert_int_equal(store_col_int(again, 0), 1);
    store_done(again); /* done in the middle of the rows: reset for the next user */
    again = store_prepare(st, sql, &e);
    assert_int_equal(store_step(again, &e), 1);
    assert_int_equal(store_col_int(again, 0), 1);
    store_done(again);

    /* a cached statement comes back unbound */
    struct store_stmt *b = store_prepare(st, "SELECT ?", &e);
    store_bind_int(b, 1, 42);
    assert_int_equal(store_step(b, &e), 1);
    assert_int_equal(store_col_int(b, 0), 42);
    store_done(b);
    b = store_prepare(st, "SELECT ?", &e);
    assert_int_equal(store_step(b, &e), 1);
    assert_true(store_col_null(b, 0));
    assert_string_equal(store_col_text(b, 0), "");
    store_done(b);
    store_done(NULL);

    /* a statement that does not compile is an error, not a crash */
    err_clear(&e);
    assert_null(store_prepare(st, "SELEC nonsense", &e));
    assert_true(e.code != ERR_NONE);
    assert_non_null(strstr(e.msg, "cannot prepare"));
    assert_true(store_ping(st));
    store_close(st);
}

/* Many distinct statements (more than the cache holds): all work, nothing leaks. */
static void test_many_statements(void **state)
{
    (void)state;
    struct store *st = open_memory();
    struct err e;
    for (int i = 0; i < 400; i++) {
        char sql[64];
        snprintf(sql, sizeof sql, "SELECT %d + ?", i);
        struct store_stmt *s = store_prepare(st, sql, &e);
        assert_non_null(s);
        store_bind_int(s, 1, 1000);
        assert_int_equal(store_step(s, &e), 1);
        assert_int_equal(store_col_int(s, 0), i + 1000);
        store_done(s);
    }
    for (int i = 0; i < 400; i += 7) {
        char sql[64];
        snprintf(sql, sizeof sql, "SELECT %d + ?", i);
        struct store_stmt *s = store_prepare(st, sql, &e);
        store_bind_int(s, 1, 1);
        assert_int_equal(store_step(s, &e), 1);
        assert_int_equal(store_col_int(s, 0), i + 1);
        store_done(s);
    }
    store_close(st);
}

static void test_bound_text_round_trips(void **state)
{
    (void)state;
    struct store *st = open_memory();
    struct err e;
    err_clear(&e);
    assert_int_equal(store_exec(st, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)", &e), 0);
    static const char *const texts[] = {
        "",
        "plain",
        "it's",
        "''",
        "\"double\" and 'single'",
        "'; DROP TABLE t; --",
        "Robert'); DROP TABLE Students;--",
        "1 OR 1=1",
        "? ?1 :name @name $name",
        "back\\slash \\' \\\"",
        "%_ wildcards %",
        "line\nbreak\r\ntab\t",
        "\x01\x02\x1F\x7F",
        "été, 中文, العربية, 📱",
        "/* comment */ SELECT 1",
        "x'00'",
        "CHAR(0)",
    };
    for (size_t i = 0; i < COUNT(texts); i++) {
        struct store_stmt *ins = store_prepare(st, "INSERT INTO t (id, v) VALUES (?, ?)", &e);
        store_bind_int(ins, 1, (int64_t)i);
        store_bind_text(ins, 2, texts[i]);
        assert_int_equal(store_run(ins, &e), 0);
        store_done(ins);
    }
    assert_true(table_exists(st, "t"));
    assert_int_equal(query_int(st, "SELECT count(*) FROM t"), (int64_t)COUNT(texts));
    for (size_t i = 0; i < COUNT(texts); i++) {
        /* read back by id, and found by equality with the same bound text */
        struct store_stmt *s = store_prepare(st, "SELECT v, length(CAST(v AS BLOB)) FROM t WHERE id = ?", &e);
        store_bind_int(s, 1, (int64_t)i);
        assert_int_equal(store_step(s, &e), 1);
        assert_string_equal(store_col_text(s, 0), texts[i]);
        assert_int_equal(store_col_int(s, 1), (int64_t)strlen(texts[i]));
        store_done(s);
        s = store_prepare(st, "SELECT id FROM t WHERE v = ?", &e);
        store_bind_text(s, 1, texts[i]);
        assert_int_equal(store_step(s, &e), 1);
        assert_int_equal(store_col_int(s, 0), (int64_t)i);
        assert_int_equal(store_step(s, &e), 0);
        store_done(s);
    }

    /* a long text; textn binds only the given length */
    size_t big_len = 1 << 20;
    char *big = malloc(big_len + 1);
    assert_non_null(big);
    for (size_t i = 0; i < big_len; i++) big[i] = "'\";-- ab"[i % 8];
    big[big_len] = '\0';
    struct store_stmt *s = store_prepare(st, "SELECT ?, ?", &e);
    store_bind_text(s, 1, big);
    store_bind_textn(s, 2, "abcdef", 3);
    assert_int_equal(store_step(s, &e), 1);
    assert_string_equal(store_col_text(s, 0), big);
    assert_string_equal(store_col_text(s, 1), "abc");
    store_done(s);
    free(big);

    /* NULL text binds SQL NULL; blobs keep their NUL bytes; numbers keep their range */
    const unsigned char blob[] = {0, 'a', 0, 0xFF, '\'', 0};
    s = store_prepare(st, "SELECT ?, ?, ?, ?, ?, ?", &e);
    store_bind_text(s, 1, NULL);
    store_bind_blob(s, 2, blob, sizeof blob);
    store_bind_int(s, 3, INT64_MIN);
    store_bind_int(s, 4, INT64_MAX);
    store_bind_double(s, 5, -0.1);
    store_bind_null(s, 6);
    assert_int_equal(store_step(s, &e), 1);
    assert_int_equal(store_col_count(s), 6);
    assert_true(store_col_null(s, 0));
    size_t len = 0;
    const void *got = store_col_blob(s, 1, &len);
    assert_int_equal(len, sizeof blob);
    assert_memory_equal(got, blob, sizeof blob);
    assert_int_equal(store_col_int(s, 2), INT64_MIN);
    assert_int_equal(store_col_int(s, 3), INT64_MAX);
    assert_true(store_col_double(s, 4) == -0.1);
    assert_true(store_col_null(s, 5));
    assert_false(store_col_null(s, 2));
    store_done(s);
    /* a bad parameter index is an error, not a crash */
    s = store_prepare(st, "SELECT ?", &e);
    assert_true(store_bind_int(s, 2, 1) < 0);
    assert_true(store_bind_text(s, 0, "x") < 0);
    store_done(s);
    store_close(st);
}

static void test_constraint_conflicts(void **state)
{
    (void)state;
    struct store *st = open_memory();
    struct err e;
    err_clear(&e);
    assert_int_equal(store_exec(st,
                                "CREATE TABLE p (id TEXT PRIMARY KEY, slug TEXT NOT NULL UNIQUE,"
                                " n INTEGER CHECK (n > 0));"
                                "CREATE TABLE c (id INTEGER PRIMARY KEY, p_id TEXT NOT NULL REFERENCES p(id));"
                                "INSERT INTO p VALUES ('a', 'first', 1);",
                                &e),
                     0);
    static const struct {
        const char *sql;
        const char *why;
    } cases[] = {
        {"INSERT INTO p VALUES ('a', 'other', 1)", "primary key"},
        {"INSERT INTO p VALUES ('b', 'first', 1)", "unique"},
        {"INSERT INTO p VALUES ('c', NULL, 1)", "not null"},
        {"INSERT INTO p VALUES ('d', 'd', 0)", "check"},
        {"INSERT INTO c (p_id) VALUES ('missing')", "foreign key"},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        err_clear(&e);
        struct store_stmt *s = store_prepare(st, cases[i].sql, &e);
        assert_non_null(s);
        int rc = store_run(s, &e);
        store_done(s);
        if (rc != ERR_CONFLICT || e.code != ERR_CONFLICT)
            fail_msg("%s: rc %d, code %d (%s)", cases[i].why, rc, e.code, e.msg);
        assert_true(e.msg[0] != '\0');
        /* and through store_exec */
        err_clear(&e);
        assert_int_equal(store_exec(st, cases[i].sql, &e), ERR_CONFLICT);
        assert_int_equal(e.code, ERR_CONFLICT);
    }
    assert_int_equal(query_int(st, "SELECT count(*) FROM p"), 1);
    assert_int_equal(query_int(st, "SELECT count(*) FROM c"), 0);

    /* a conflict inside a transaction leaves it to the caller to roll back */
    assert_int_equal(store_begin(st, &e), 0);
    assert_int_equal(store_exec(st, "INSERT INTO p VALUES ('x', 'x', 1)", &e), 0);
    assert_int_equal(store_exec(st, "INSERT INTO p VALUES ('y', 'x', 1)", &e), ERR_CONFLICT);
    store_rollback(st);
    assert_int_equal(query_int(st, "SELECT count(*) FROM p"), 1);
    /* other errors are not conflicts */
    err_clear(&e);
    assert_int_equal(store_exec(st, "INSERT INTO nowhere VALUES (1)", &e), ERR_IO);
    store_close(st);
}

static void test_open_errors(void **state)
{
    (void)state;
    static const struct {
        const char *target;
        const char *msg_part;
    } cases[] = {
        {"", "no database given"},
        {"postgres://u@host/db", "PostgreSQL is not supported"},
        {"postgresql://u@host/db", "PostgreSQL is not supported"},
        {"/nonexistent-dir/sub/x.db", "cannot open database /nonexistent-dir/sub/x.db"},
        {"sqlite:/nonexistent-dir/y.db", "cannot open database /nonexistent-dir/y.db"},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        struct err e;
        err_clear(&e);
        assert_null(store_open(cases[i].target, NULL, &e));
        assert_true(e.code != ERR_NONE);
        if (!strstr(e.msg, cases[i].msg_part)) fail_msg("'%s': '%s'", cases[i].target, e.msg);
    }
    struct err e;
    assert_null(store_open(NULL, NULL, &e));
    /* create = false on a missing file */
    struct store_options noc = {.read_only = false, .create = false, .busy_timeout_ms = 0};
    assert_null(store_open("/tmp/edubridge-surely-missing-file.db", &noc, &e));
    assert_int_equal(e.code, ERR_IO);
    /* "sqlite:" prefix and a plain path both reach SQLite */
    struct store *st = store_open("sqlite::memory:", NULL, &e);
    assert_non_null(st);
    assert_string_equal(store_backend_name(st), "sqlite");
    assert_true(store_ping(st));
    store_close(st);
    store_close(NULL);
}

/* A file database: written by one connection, read by another after close. */
static void test_file_database(void **state)
{
    (void)state;
    struct tmpdb t;
    tmpdb_make(&t);
    struct err e;
    err_clear(&e);
    struct store *st = store_open(t.path, NULL, &e);
    assert_non_null(st);
    assert_int_equal(store_migrate(st, list3, 3, NULL, &e), 0);
    assert_int_equal(store_exec(st, "INSERT INTO a (v) VALUES ('kept')", &e), 0);
    assert_int_equal(store_changes(st), 1);
    store_close(st);
    struct store_options ro = {.read_only = true, .create = false, .busy_timeout_ms = 0};
    st = store_open(t.path, &ro, &e);
    if (!st) fail_msg("%s", e.msg);
    assert_int_equal(query_int(st, "SELECT count(*) FROM a WHERE v = 'kept' AND w = 7"), 1);
    assert_int_equal(query_int(st, "SELECT max(version) FROM schema_migrations"), 3);
    assert_true(store_exec(st, "INSERT INTO a (v) VALUES ('no')", &e) < 0); /* read only */
    store_close(st);
    tmpdb_remove(&t);
}

/* ---- the program's schema --------------------------------------------------------------------- */

static void test_schema_programmes_and_demo(void **state)
{
    (void)state;
    struct tmpdb t;
    tmpdb_make(&t);
    struct err e;
    err_clear(&e);
    int applied = -1;
    struct store *st = schema_open(t.path, true, &applied, &e);
    if (!st) fail_msg("schema_open: %s", e.msg);
    assert_int_equal(applied, (int)schema_migration_count);
    assert_int_equal(store_schema_version(st, &e), schema_migrations[schema_migration_count - 1].version);
    /* versions only grow */
    for (size_t i = 1; i < schema_migration_count; i++)
        assert_true(schema_migrations[i].version > schema_migrations[i - 1].version);

    struct arena a;
    arena_init(&a, 4096);
    struct programme *list;
    size_t count = 99;
    assert_int_equal(programme_list(st, &a, &list, &count, &e), 0);
    assert_int_equal(count, 0);

    struct programme_phase phases[] = {
        {NULL, "campaign", "2026-01-01", "2026-02-01"},
        {NULL, "training", "2026-03-01", "2026-04-30"},
    };
    struct programme p = {
        .slug = "obrien-2026",
        .name = "Pilot \"Ireland\" <2026> & more",
        .summary = "Quotes ' \" and ; -- stay text",
        .starts_on = "2026-01-01",
        .ends_on = "2026-12-31",
        .pilot_size = 12,
        .devices_per_institution = 0,
        .phases = phases,
        .phase_count = COUNT(phases),
    };
    assert_int_equal(programme_create(st, &a, &p, NULL, &e), 0);
    assert_non_null(p.id);
    assert_true(id_valid(p.id));

    assert_int_equal(programme_list(st, &a, &list, &count, &e), 0);
    assert_int_equal(count, 1);
    assert_string_equal(list[0].id, p.id);
    assert_string_equal(list[0].slug, p.slug);
    assert_string_equal(list[0].name, p.name);
    assert_string_equal(list[0].summary, p.summary);
    assert_string_equal(list[0].starts_on, "2026-01-01");
    assert_string_equal(list[0].ends_on, "2026-12-31");
    assert_int_equal(list[0].pilot_size, 12);
    assert_int_equal(list[0].devices_per_institution, 0);
    assert_false(list[0].is_demo);
    assert_int_equal(list[0].phase_count, 2);
    assert_string_equal(list[0].phases[0].kind, "campaign");
    assert_string_equal(list[0].phases[1].kind, "training");
    assert_string_equal(list[0].phases[1].ends_on, "2026-04-30");

    /* the same address again: a conflict with a message for the user, and nothing half-written */
    struct programme dup = {.slug = "obrien-2026", .name = "Another", .pilot_size = 10, .phases = phases, .phase_count = 1};
    err_clear(&e);
    assert_int_equal(programme_create(st, &a, &dup, NULL, &e), ERR_CONFLICT);
    assert_string_equal(e.msg, "a programme with the address 'obrien-2026' already exists");
    /* a bad phase rolls back the programme too */
    struct programme_phase bad_phase[] = {{NULL, "holiday", "2026-01-01", "2026-01-02"}};
    struct programme badp = {.slug = "bad-phase", .name = "Bad", .phases = bad_phase, .phase_count = 1};
    assert_true(programme_create(st, &a, &badp, NULL, &e) < 0);
    /* missing name or slug */
    struct programme noname = {.slug = "x"};
    assert_int_equal(programme_create(st, &a, &noname, NULL, &e), ERR_INVALID);
    struct programme noslug = {.name = "x"};
    assert_int_equal(programme_create(st, &a, &noslug, NULL, &e), ERR_INVALID);
    assert_int_equal(programme_list(st, &a, &list, &count, &e), 0);
    assert_int_equal(count, 1);

    /* the demo: loaded once, then found and left alone */
    struct demo_report rep;
    if (demo_load(st, &a, &rep, &e) != 0) fail_msg("demo_load: %s", e.msg);
    assert_true(rep.programme);
    assert_int_equal(rep.survey_answers, DEMO_SURVEY_RESPONSES);
    assert_int_equal(demo_load(st, &a, &rep, &e), 0);
    assert_false(rep.programme);
    assert_int_equal(rep.survey_answers, 0);
    assert_int_equal(programme_list(st, &a, &list, &count, &e), 0);
    assert_int_equal(count, 2);
    const struct programme *demo = NULL;
    for (size_t i = 0; i < count; i++)
        if (strcmp(list[i].id, demo_programme_id) == 0) demo = &list[i];
    assert_non_null(demo);
    assert_true(demo->is_demo);
    assert_int_equal(demo->pilot_size, 10);
    assert_int_equal(demo->devices_per_institution, 10);
    assert_int_equal(demo->phase_count, PROGRAMME_PHASE_KINDS);
    for (size_t i = 0; i < demo->phase_count; i++)
        assert_string_equal(demo->phases[i].kind, programme_phase_kinds[i]);
    store_close(st);

    /* reopened: nothing to migrate, the data is there, the demo still not loaded twice */
    st = schema_open(t.path, false, &applied, &e);
    if (!st) fail_msg("schema_open again: %s", e.msg);
    assert_int_equal(applied, 0);
    assert_int_equal(demo_load(st, &a, &rep, &e), 0);
    assert_false(rep.programme);
    assert_int_equal(rep.survey_answers, 0);
    assert_int_equal(programme_list(st, &a, &list, &count, &e), 0);
    assert_int_equal(count, 2);
    store_close(st);
    arena_free(&a);
    tmpdb_remove(&t);
}

/* Migration 5: the accounts tables, their checks, and emails unique whatever their case. */
static void test_schema_accounts(void **state)
{
    (void)state;
    struct tmpdb t;
    tmpdb_make(&t);
    struct err e;
    err_clear(&e);
    struct store *st = schema_open(t.path, true, NULL, &e);
    if (!st) fail_msg("schema_open: %s", e.msg);
    assert_true(store_schema_version(st, &e) >= 5);
    static const char *const tables[] = {"users", "sessions", "api_tokens", "password_resets", "outbox", "signin_throttle"};
    for (size_t i = 0; i < COUNT(tables); i++)
        if (!table_exists(st, tables[i])) fail_msg("no table %s", tables[i]);

    static const char user_sql[] = "INSERT INTO users (id, email, display_name, role, password_hash, created_at)"
                                   " VALUES (?, ?, 'x', ?, '$argon2id$', '2026-01-01T00:00:00.000Z')";
    static const struct {
        const char *id, *email, *role;
        int rc;
    } users[] = {
        {"u1", "ada@example.org", "admin", 0},
        {"u2", "ADA@Example.org", "panel", ERR_CONFLICT},       /* the same address in another case */
        {"u3", "bob@example.org", "root", ERR_CONFLICT},        /* not a role */
        {"u4", "bob@example.org", "partner", 0},
        {"u1", "carol@example.org", "trainer", ERR_CONFLICT},   /* the id is taken */
    };
    for (size_t i = 0; i < COUNT(users); i++) {
        struct store_stmt *s = store_prepare(st, user_sql, &e);
        store_bind_text(s, 1, users[i].id);
        store_bind_text(s, 2, users[i].email);
        store_bind_text(s, 3, users[i].role);
        int rc = store_run(s, &e);
        store_done(s);
        if (rc != users[i].rc) fail_msg("user %zu: %d (%s)", i, rc, e.msg);
    }
    assert_int_equal(store_exec(st, "INSERT INTO api_tokens (id, user_id, name, scope, token_hash, created_at)"
                                    " VALUES ('t1', 'u1', 'n', 'read', 'h1', 'now')", &e), 0);
    assert_int_equal(store_exec(st, "INSERT INTO api_tokens (id, user_id, name, scope, token_hash, created_at)"
                                    " VALUES ('t2', 'u1', 'n', 'write', 'h2', 'now')", &e), ERR_CONFLICT);
    assert_int_equal(store_exec(st, "INSERT INTO api_tokens (id, user_id, name, scope, token_hash, created_at)"
                                    " VALUES ('t3', 'u1', 'n', 'read', 'h1', 'now')", &e), ERR_CONFLICT); /* hash unique */
    assert_int_equal(store_exec(st, "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at)"
                                    " VALUES ('s1', 'u1', 'a', 'b', 'c')", &e), 0);
    assert_int_equal(store_exec(st, "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at)"
                                    " VALUES ('s2', 'nobody', 'a', 'b', 'c')", &e), ERR_CONFLICT); /* foreign key */
    assert_int_equal(store_exec(st, "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at)"
                                    " VALUES ('r1', 'u1', 'a', 'b')", &e), 0);
    assert_int_equal(store_exec(st, "INSERT INTO signin_throttle (key, failures, last_failure_at) VALUES ('k', -1, 'a')", &e),
                     ERR_CONFLICT);
    /* a user's sessions, tokens and links go with the user (erasure is real) */
    assert_int_equal(store_exec(st, "DELETE FROM users WHERE id = 'u1'", &e), 0);
    assert_int_equal(query_int(st, "SELECT count(*) FROM sessions"), 0);
    assert_int_equal(query_int(st, "SELECT count(*) FROM api_tokens"), 0);
    assert_int_equal(query_int(st, "SELECT count(*) FROM password_resets"), 0);
    store_close(st);
    tmpdb_remove(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migrate_records_and_is_idempotent),
        cmocka_unit_test(test_migrate_failure_rolls_back),
        cmocka_unit_test(test_migrate_syntax_error),
        cmocka_unit_test(test_migrate_refuses_newer_database),
        cmocka_unit_test(test_statement_cache_reentrant),
        cmocka_unit_test(test_many_statements),
        cmocka_unit_test(test_bound_text_round_trips),
        cmocka_unit_test(test_constraint_conflicts),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_file_database),
        cmocka_unit_test(test_schema_programmes_and_demo),
        cmocka_unit_test(test_schema_accounts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

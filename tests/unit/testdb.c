/* See testdb.h. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "forms/submissions.h"
#include "forms/xlsform.h"
#include "program/schema.h"
#include "testdb.h"

void testdb_temp_path(char *path, size_t size, const char *tag)
{
    snprintf(path, size, "/tmp/edubridge-%s-XXXXXX", tag);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
}

void testdb_remove_files(const char *path)
{
    char p[96];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}

void testdb_init(struct testdb *t, const char *tag)
{
    memset(t, 0, sizeof *t);
    arena_init(&t->a, 0);
    err_clear(&t->e);
    testdb_temp_path(t->db, sizeof t->db, tag);
}

void testdb_open(struct testdb *t, const char *tag)
{
    testdb_init(t, tag);
    t->st = schema_open(t->db, true, NULL, &t->e);
    if (!t->st) fail_msg("schema_open: %s", t->e.msg);
}

void testdb_import(struct testdb *t, const char *md, const char *source_name)
{
    struct form_problems ps = {0};
    t->f = NULL;
    assert_int_equal(xlsform_read_memory(&t->a, "md", md, strlen(md), NULL, &t->f, &ps), 0);
    assert_non_null(t->f);
    ps = (struct form_problems){0};
    if (form_store_import(t->st, &t->a, "md", md, strlen(md), source_name, false, NULL, &t->v, &ps, &t->e) < 0)
        fail_msg("import: %s", t->e.msg);
}

struct answers *testdb_answers(struct testdb *t, const char *json)
{
    struct answers *ans = answers_from_json(&t->a, t->f, json, strlen(json), true, &t->e);
    if (!ans) fail_msg("answers: %s", t->e.msg);
    return ans;
}

const char *testdb_submit(struct testdb *t, const char *lang, const char *when, const char *json)
{
    struct answers *ans = testdb_answers(t, json);
    struct submission sub;
    if (submission_insert(t->st, &t->a, t->f, t->v.id, lang, ans, false, when, &sub, &t->e) < 0)
        fail_msg("insert: %s", t->e.msg);
    assert_true(t->nids < TESTDB_MAX_IDS);
    t->ids[t->nids++] = sub.id;
    return sub.id;
}

void testdb_close(struct testdb *t)
{
    if (t->st) store_close(t->st);
    t->st = NULL;
    testdb_remove_files(t->db);
    arena_free(&t->a);
}

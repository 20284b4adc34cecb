/* A shared fixture for the unit tests that need a real database: a temporary SQLite file made by
 * schema_open, a form imported from markdown XLSForm text, answer sets inserted as submissions, and
 * the files removed again at the end. Failures end the current test through cmocka (fail_msg). */
#ifndef EDUBRIDGE_TESTS_TESTDB_H
#define EDUBRIDGE_TESTS_TESTDB_H

#include <stddef.h>

#include "base/arena.h"
#include "base/err.h"
#include "forms/answers.h"
#include "forms/form.h"
#include "forms/form_store.h"
#include "store/store.h"

#define TESTDB_MAX_IDS 16

struct testdb {
    struct arena a;
    char db[64];                     /* the database file's path */
    struct store *st;
    struct form *f;                  /* the form last imported */
    struct form_version_info v;      /* its stored version */
    const char *ids[TESTDB_MAX_IDS]; /* the submissions inserted by testdb_submit, in order */
    size_t nids;
    struct err e;
};

/* Makes an empty file /tmp/edubridge-TAG-XXXXXX (path: at least 64 bytes). */
void testdb_temp_path(char *path, size_t size, const char *tag);
/* Removes the database file and its -wal and -shm files. */
void testdb_remove_files(const char *path);

/* Zeroes t, starts its arena and makes its temporary file (without opening it). */
void testdb_init(struct testdb *t, const char *tag);
/* testdb_init, then opens the file with schema_open (every migration applied). */
void testdb_open(struct testdb *t, const char *tag);
/* Parses md (xlsform_read_memory, which must succeed) into t->f and stores it as a form version
 * from the file source_name into t->v. */
void testdb_import(struct testdb *t, const char *md, const char *source_name);
/* The answer set a JSON text gives for t->f. */
struct answers *testdb_answers(struct testdb *t, const char *json);
/* Inserts a submitted answer set (JSON) for t->v; records and returns its id. when: NULL for now. */
const char *testdb_submit(struct testdb *t, const char *lang, const char *when, const char *json);
/* Closes the store (if open), removes the files and frees the arena. */
void testdb_close(struct testdb *t);

#endif

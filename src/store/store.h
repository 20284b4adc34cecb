/* store: the only way to the database.
 *
 * Callers see connections, prepared statements with bound parameters, rows and transactions, and
 * nothing of the engine: SQL uses '?' placeholders and portable syntax (standard SQL, ON CONFLICT
 * as SQLite and PostgreSQL both read it), so a PostgreSQL backend can be added behind the same
 * functions (a second struct store_backend; see store_backend.h) without touching a caller.
 *
 * A connection belongs to one thread at a time. Statements are prepared once per connection and
 * kept: store_prepare() with the same SQL text returns the cached statement, reset and unbound,
 * so hot paths pay for parsing only once. store_done() hands it back. Text returned by
 * store_col_text() is valid until the next step, reset or done on that statement. */
#ifndef EDUBRIDGE_STORE_H
#define EDUBRIDGE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct store;
struct store_stmt;

struct store_options {
    bool read_only;
    bool create;         /* create the database file when missing */
    int busy_timeout_ms; /* 0: 5000 */
};

/* target: a file path (SQLite), or "sqlite:PATH". Other schemes are refused with a clear message
 * until their backend exists. */
struct store *store_open(const char *target, const struct store_options *opt, struct err *e);
void store_close(struct store *st);
const char *store_backend_name(const struct store *st);

/* Runs SQL with no parameters and no rows (schema, pragmas); several statements allowed. */
int store_exec(struct store *st, const char *sql, struct err *e);

struct store_stmt *store_prepare(struct store *st, const char *sql, struct err *e);
void store_done(struct store_stmt *s);

/* Parameters are numbered from 1. Text is copied by the engine; NULL text binds SQL NULL. */
int store_bind_text(struct store_stmt *s, int idx, const char *text);
int store_bind_textn(struct store_stmt *s, int idx, const char *text, size_t len);
int store_bind_int(struct store_stmt *s, int idx, int64_t v);
int store_bind_double(struct store_stmt *s, int idx, double v);
int store_bind_blob(struct store_stmt *s, int idx, const void *data, size_t len);
int store_bind_null(struct store_stmt *s, int idx);

/* 1: a row is ready; 0: done; negative: error in e (constraint violations are ERR_CONFLICT). */
int store_step(struct store_stmt *s, struct err *e);
/* Steps a statement that returns no rows, then resets it for reuse. */
int store_run(struct store_stmt *s, struct err *e);

int store_col_count(struct store_stmt *s);
bool store_col_null(struct store_stmt *s, int col);
const char *store_col_text(struct store_stmt *s, int col); /* "" for NULL */
int64_t store_col_int(struct store_stmt *s, int col);
double store_col_double(struct store_stmt *s, int col);
const void *store_col_blob(struct store_stmt *s, int col, size_t *len);

/* Transactions: begin takes the write lock at once, so two writers never deadlock mid-way. */
int store_begin(struct store *st, struct err *e);
int store_commit(struct store *st, struct err *e);
void store_rollback(struct store *st);
int64_t store_changes(struct store *st);

/* Migrations: numbered, applied in order, each in its own transaction, recorded in the table
 * schema_migrations. A database newer than the list is refused. */
struct store_migration {
    int version;
    const char *name;
    const char *sql;
};
int store_migrate(struct store *st, const struct store_migration *list, size_t count,
                  int *applied, struct err *e);
/* The highest applied migration, 0 for a new database, negative on error. */
int store_schema_version(struct store *st, struct err *e);

/* A trivial query: true when the database answers. */
bool store_ping(struct store *st);

#endif

/* The SQLite backend of store.h: WAL journal, a busy timeout, foreign keys on, and full sync so
 * that a committed answer survives a power cut (a school's board may lose power any time). */
#include "store/store_backend.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

static int fail(struct err *e, sqlite3 *db, int rc, const char *what)
{
    int ext = db ? sqlite3_extended_errcode(db) : rc;
    const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    enum err_code code = ERR_IO;
    if ((ext & 0xFF) == SQLITE_CONSTRAINT) code = ERR_CONFLICT;
    else if ((ext & 0xFF) == SQLITE_BUSY || (ext & 0xFF) == SQLITE_LOCKED) code = ERR_IO;
    return err_set(e, code, "%s: %s", what, msg);
}

/* SQLite's own busy handler sleeps in growing steps (up to 100 ms), which leaves the database idle
 * while a second worker waits for the first's commit to end. Commits here take a few milliseconds,
 * so waiting in 200 µs steps hands the lock over almost as soon as it is free. */
static int busy_handler(void *arg, int attempts)
{
    intptr_t timeout_ms = (intptr_t)arg; /* the timeout itself travels as the argument */
    if ((int64_t)attempts * 200 >= (int64_t)timeout_ms * 1000) return 0;
    struct timespec ts = {0, 200 * 1000};
    nanosleep(&ts, NULL);
    return 1;
}

/* SQLite counts every allocation under one process-wide mutex unless told not to; workers then
 * queue on it for each of the hundreds of mallocs of a submission. Nothing here reads those
 * counts. sqlite3_config only works before SQLite initialises, so this runs once, before the
 * first open; if something initialised SQLite earlier, the call fails harmlessly. */
static pthread_once_t config_once = PTHREAD_ONCE_INIT;

static void configure_sqlite(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_initialize();
}

static void *sq_open(const char *path, const struct store_options *opt, struct err *e)
{
    pthread_once(&config_once, configure_sqlite);
    sqlite3 *db = NULL;
    int flags = SQLITE_OPEN_NOMUTEX; /* one connection per thread: SQLite's own locks are waste */
    flags |= opt->read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    if (opt->create && !opt->read_only) flags |= SQLITE_OPEN_CREATE;
    int rc = sqlite3_open_v2(path, &db, flags, NULL);
    if (rc != SQLITE_OK) {
        err_set(e, ERR_IO, "cannot open database %s: %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_extended_result_codes(db, 1);
    intptr_t timeout_ms = opt->busy_timeout_ms > 0 ? opt->busy_timeout_ms : 5000;
    sqlite3_busy_handler(db, busy_handler, (void *)timeout_ms);
    const char *setup = opt->read_only ? "PRAGMA foreign_keys = ON;"
                                       : "PRAGMA journal_mode = WAL;"
                                         "PRAGMA synchronous = FULL;"
                                         /* Statement and savepoint journals in memory: a batch of
                                          * submissions has a savepoint each, and on disk these
                                          * cost hundreds of writes per submission. */
                                         "PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = 8000;"
                                         "PRAGMA foreign_keys = ON;";
    char *msg = NULL;
    rc = sqlite3_exec(db, setup, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        err_set(e, ERR_IO, "cannot use database %s: %s", path, msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

static void sq_close(void *conn)
{
    sqlite3_close_v2(conn);
}

static int sq_exec(void *conn, const char *sql, struct err *e)
{
    char *msg = NULL;
    int rc = sqlite3_exec(conn, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        int code = (rc & 0xFF) == SQLITE_CONSTRAINT ? ERR_CONFLICT : ERR_IO;
        err_set(e, code, "%s", msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return code;
    }
    return 0;
}

static void *sq_prepare(void *conn, const char *sql, struct err *e)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v3(conn, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK) {
        fail(e, conn, rc, "cannot prepare a statement");
        return NULL;
    }
    return st;
}

static void sq_finalize(void *stmt) { sqlite3_finalize(stmt); }

static void sq_reset(void *stmt)
{
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
}

static int bind_rc(int rc) { return rc == SQLITE_OK ? 0 : ERR_INVALID; }

static int sq_bind_text(void *stmt, int idx, const char *text, size_t len)
{
    return bind_rc(sqlite3_bind_text64(stmt, idx, text, len, SQLITE_TRANSIENT, SQLITE_UTF8));
}
static int sq_bind_int(void *stmt, int idx, int64_t v) { return bind_rc(sqlite3_bind_int64(stmt, idx, v)); }
static int sq_bind_double(void *stmt, int idx, double v) { return bind_rc(sqlite3_bind_double(stmt, idx, v)); }
static int sq_bind_blob(void *stmt, int idx, const void *d, size_t len)
{
    return bind_rc(sqlite3_bind_blob64(stmt, idx, d, len, SQLITE_TRANSIENT));
}
static int sq_bind_null(void *stmt, int idx) { return bind_rc(sqlite3_bind_null(stmt, idx)); }

static int sq_step(void *conn, void *stmt, struct err *e)
{
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) return 1;
    if (rc == SQLITE_DONE) return 0;
    int code = fail(e, conn, rc, "database error");
    sqlite3_reset(stmt);
    return code;
}

static int sq_col_count(void *stmt) { return sqlite3_column_count(stmt); }
static bool sq_col_null(void *stmt, int col) { return sqlite3_column_type(stmt, col) == SQLITE_NULL; }
static const char *sq_col_text(void *stmt, int col)
{
    const unsigned char *t = sqlite3_column_text(stmt, col);
    return t ? (const char *)t : "";
}
static int64_t sq_col_int(void *stmt, int col) { return sqlite3_column_int64(stmt, col); }
static double sq_col_double(void *stmt, int col) { return sqlite3_column_double(stmt, col); }
static const void *sq_col_blob(void *stmt, int col, size_t *len)
{
    const void *p = sqlite3_column_blob(stmt, col);
    *len = (size_t)sqlite3_column_bytes(stmt, col);
    return p;
}
static int64_t sq_changes(void *conn) { return sqlite3_changes64(conn); }

const struct store_backend store_sqlite_backend = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .exec = sq_exec,
    .prepare = sq_prepare,
    .finalize = sq_finalize,
    .reset = sq_reset,
    .bind_text = sq_bind_text,
    .bind_int = sq_bind_int,
    .bind_double = sq_bind_double,
    .bind_blob = sq_bind_blob,
    .bind_null = sq_bind_null,
    .step = sq_step,
    .col_count = sq_col_count,
    .col_null = sq_col_null,
    .col_text = sq_col_text,
    .col_int = sq_col_int,
    .col_double = sq_col_double,
    .col_blob = sq_col_blob,
    .changes = sq_changes,
    .begin_sql = "BEGIN IMMEDIATE",
};

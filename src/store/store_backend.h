/* store_backend: what a database engine provides to store.c (private to src/store).
 *
 * store.c holds the engine-independent parts (statement cache, migrations); each backend fills a
 * struct store_backend. Adding PostgreSQL means writing store_pg.c with libpq and registering it
 * in store_open(); callers do not change. */
#ifndef EDUBRIDGE_STORE_BACKEND_H
#define EDUBRIDGE_STORE_BACKEND_H

#include "store/store.h"

struct store_backend {
    const char *name;
    void *(*open)(const char *target, const struct store_options *opt, struct err *e);
    void (*close)(void *conn);
    int (*exec)(void *conn, const char *sql, struct err *e);
    void *(*prepare)(void *conn, const char *sql, struct err *e);
    void (*finalize)(void *stmt);
    void (*reset)(void *stmt);
    int (*bind_text)(void *stmt, int idx, const char *text, size_t len);
    int (*bind_int)(void *stmt, int idx, int64_t v);
    int (*bind_double)(void *stmt, int idx, double v);
    int (*bind_blob)(void *stmt, int idx, const void *data, size_t len);
    int (*bind_null)(void *stmt, int idx);
    int (*step)(void *conn, void *stmt, struct err *e);
    int (*col_count)(void *stmt);
    bool (*col_null)(void *stmt, int col);
    const char *(*col_text)(void *stmt, int col);
    int64_t (*col_int)(void *stmt, int col);
    double (*col_double)(void *stmt, int col);
    const void *(*col_blob)(void *stmt, int col, size_t *len);
    int64_t (*changes)(void *conn);
    const char *begin_sql; /* how this engine opens a write transaction */
};

extern const struct store_backend store_sqlite_backend;

#endif

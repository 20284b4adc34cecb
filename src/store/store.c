#include "store/store.h"

#include "base/timeutil.h"
#include "store/store_backend.h"

#include <stdlib.h>
#include <string.h>

struct store_stmt {
    struct store *st;
    void *native;
    char *sql;     /* owned copy: the cache key */
    bool cached;   /* belongs to the cache (else finalized by store_done) */
    bool in_use;
};

enum { CACHE_SLOTS = 256 }; /* power of two; a module has a few dozen statements at most */

struct store {
    const struct store_backend *be;
    void *conn;
    struct store_stmt *cache[CACHE_SLOTS];
    size_t cached;
};

static uint64_t hash_sql(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

struct store *store_open(const char *target, const struct store_options *opt, struct err *e)
{
    static const struct store_options defaults = {false, true, 5000};
    if (!opt) opt = &defaults;
    const struct store_backend *be = NULL;
    const char *where = target;
    if (!target || !*target) {
        err_set(e, ERR_INVALID, "no database given");
        return NULL;
    }
    if (strncmp(target, "sqlite:", 7) == 0) {
        be = &store_sqlite_backend;
        where = target + 7;
    } else if (strncmp(target, "postgres://", 11) == 0 || strncmp(target, "postgresql://", 13) == 0) {
        err_set(e, ERR_INVALID, "PostgreSQL is not supported by this build yet; use a file path for SQLite");
        return NULL;
    } else {
        be = &store_sqlite_backend;
    }
    void *conn = be->open(where, opt, e);
    if (!conn) return NULL;
    struct store *st = calloc(1, sizeof *st);
    if (!st) abort();
    st->be = be;
    st->conn = conn;
    return st;
}

void store_close(struct store *st)
{
    if (!st) return;
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        struct store_stmt *s = st->cache[i];
        if (!s) continue;
        st->be->finalize(s->native);
        free(s->sql);
        free(s);
    }
    st->be->close(st->conn);
    free(st);
}

const char *store_backend_name(const struct store *st)
{
    return st->be->name;
}

int store_exec(struct store *st, const char *sql, struct err *e)
{
    return st->be->exec(st->conn, sql, e);
}

static struct store_stmt *stmt_new(struct store *st, const char *sql, struct err *e)
{
    void *native = st->be->prepare(st->conn, sql, e);
    if (!native) return NULL;
    struct store_stmt *s = calloc(1, sizeof *s);
    if (!s) abort();
    s->st = st;
    s->native = native;
    s->sql = strdup(sql);
    if (!s->sql) abort();
    return s;
}

struct store_stmt *store_prepare(struct store *st, const char *sql, struct err *e)
{
    size_t slot = hash_sql(sql) & (CACHE_SLOTS - 1);
    for (size_t probe = 0; probe < CACHE_SLOTS; probe++) {
        struct store_stmt *s = st->cache[slot];
        if (!s) break;
        if (strcmp(s->sql, sql) == 0) {
            if (s->in_use) break; /* used re-entrantly: give a private statement */
            s->in_use = true;
            return s;
        }
        slot = (slot + 1) & (CACHE_SLOTS - 1);
    }
    struct store_stmt *s = stmt_new(st, sql, e);
    if (!s) return NULL;
    s->in_use = true;
    /* Cache it when there is room (a full table means dynamic SQL: do not grow without end). */
    if (st->cached < CACHE_SLOTS * 3 / 4 && !st->cache[slot]) {
        st->cache[slot] = s;
        s->cached = true;
        st->cached++;
    }
    return s;
}

void store_done(struct store_stmt *s)
{
    if (!s) return;
    if (s->cached) {
        s->st->be->reset(s->native);
        s->in_use = false;
    } else {
        s->st->be->finalize(s->native);
        free(s->sql);
        free(s);
    }
}

int store_bind_text(struct store_stmt *s, int idx, const char *text)
{
    if (!text) return s->st->be->bind_null(s->native, idx);
    return s->st->be->bind_text(s->native, idx, text, strlen(text));
}

int store_bind_textn(struct store_stmt *s, int idx, const char *text, size_t len)
{
    return s->st->be->bind_text(s->native, idx, text, len);
}

int store_bind_int(struct store_stmt *s, int idx, int64_t v)
{
    return s->st->be->bind_int(s->native, idx, v);
}

int store_bind_double(struct store_stmt *s, int idx, double v)
{
    return s->st->be->bind_double(s->native, idx, v);
}

int store_bind_blob(struct store_stmt *s, int idx, const void *data, size_t len)
{
    return s->st->be->bind_blob(s->native, idx, data, len);
}

int store_bind_null(struct store_stmt *s, int idx)
{
    return s->st->be->bind_null(s->native, idx);
}

int store_step(struct store_stmt *s, struct err *e)
{
    return s->st->be->step(s->st->conn, s->native, e);
}

int store_run(struct store_stmt *s, struct err *e)
{
    int rc;
    while ((rc = store_step(s, e)) > 0) {}
    s->st->be->reset(s->native);
    return rc;
}

int store_col_count(struct store_stmt *s) { return s->st->be->col_count(s->native); }
bool store_col_null(struct store_stmt *s, int col) { return s->st->be->col_null(s->native, col); }
const char *store_col_text(struct store_stmt *s, int col) { return s->st->be->col_text(s->native, col); }
int64_t store_col_int(struct store_stmt *s, int col) { return s->st->be->col_int(s->native, col); }
double store_col_double(struct store_stmt *s, int col) { return s->st->be->col_double(s->native, col); }
const void *store_col_blob(struct store_stmt *s, int col, size_t *len)
{
    return s->st->be->col_blob(s->native, col, len);
}

int store_begin(struct store *st, struct err *e)
{
    return st->be->exec(st->conn, st->be->begin_sql, e);
}

int store_commit(struct store *st, struct err *e)
{
    return st->be->exec(st->conn, "COMMIT", e);
}

void store_rollback(struct store *st)
{
    st->be->exec(st->conn, "ROLLBACK", NULL);
}

int64_t store_changes(struct store *st)
{
    return st->be->changes(st->conn);
}

bool store_ping(struct store *st)
{
    struct store_stmt *s = store_prepare(st, "SELECT 1", NULL);
    if (!s) return false;
    bool ok = store_step(s, NULL) == 1 && store_col_int(s, 0) == 1;
    store_done(s);
    return ok;
}

/* --- migrations ------------------------------------------------------------------------------ */

static const char migrations_table[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " applied_at TEXT NOT NULL)";

int store_schema_version(struct store *st, struct err *e)
{
    if (store_exec(st, migrations_table, e) < 0) return -1;
    struct store_stmt *s = store_prepare(st, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", e);
    if (!s) return -1;
    int rc = store_step(s, e);
    int v = rc == 1 ? (int)store_col_int(s, 0) : -1;
    store_done(s);
    return v;
}

int store_migrate(struct store *st, const struct store_migration *list, size_t count, int *applied,
                  struct err *e)
{
    struct err local; /* e may be NULL, but a failed migration's reason is read from it below */
    if (!e) {
        err_clear(&local);
        e = &local;
    }
    if (applied) *applied = 0;
    int current = store_schema_version(st, e);
    if (current < 0) return -1;
    int latest = count ? list[count - 1].version : 0;
    if (current > latest) {
        return err_set(e, ERR_CONFLICT,
                       "the database is at schema version %d, newer than this edubridge knows (%d): "
                       "use a newer edubridge", current, latest);
    }
    for (size_t i = 0; i < count; i++) {
        const struct store_migration *m = &list[i];
        if (m->version <= current) continue;
        if (store_begin(st, e) < 0) return -1;
        if (store_exec(st, m->sql, e) < 0) {
            char why[sizeof e->msg];
            strcpy(why, e->msg);
            store_rollback(st);
            return err_set(e, ERR_INTERNAL, "migration %d (%s) failed and was rolled back: %s",
                           m->version, m->name, why);
        }
        char now[32];
        time_format_iso(time_now_ms(), now, sizeof now);
        struct store_stmt *s = store_prepare(
            st, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", e);
        if (!s) {
            store_rollback(st);
            return -1;
        }
        store_bind_int(s, 1, m->version);
        store_bind_text(s, 2, m->name);
        store_bind_text(s, 3, now);
        int rc = store_run(s, e);
        store_done(s);
        if (rc < 0 || store_commit(st, e) < 0) {
            store_rollback(st);
            return -1;
        }
        if (applied) (*applied)++;
    }
    return 0;
}

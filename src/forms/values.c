#include "forms/values.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

bool values_field_indexed(const struct form_field *fd)
{
    if (form_field_repeat(fd)) return false;
    switch (fd->type) {
    case FT_SELECT_ONE: case FT_SELECT_MULTIPLE: case FT_RANK:
    case FT_INTEGER: case FT_DECIMAL: case FT_RANGE:
        return true;
    case FT_TEXT:
        return !fd->personal;
    default:
        return false;
    }
}

static const char sql_insert[] = "INSERT INTO submission_values (submission, field, value, number) VALUES (?, ?, ?, ?)";

static int put(struct store_stmt *s, int64_t seq, int64_t key, const char *value, size_t len, const double *number,
               struct err *e)
{
    store_bind_int(s, 1, seq);
    store_bind_int(s, 2, key);
    store_bind_textn(s, 3, value, len);
    if (number) store_bind_double(s, 4, *number);
    else store_bind_null(s, 4);
    return store_run(s, e);
}

int values_field_key(struct store *st, const char *form_id, const char *field, int64_t *out, struct err *e)
{
    *out = 0;
    struct store_stmt *s = store_prepare(st, "SELECT id FROM submission_value_fields WHERE form_id = ? AND field = ?", e);
    if (!s) return -1;
    store_bind_text(s, 1, form_id);
    store_bind_text(s, 2, field);
    int rc = store_step(s, e);
    if (rc == 1) *out = store_col_int(s, 0);
    store_done(s);
    return rc < 0 ? -1 : 0;
}

/* The keys of every question of f that has one, by field index (0: none yet), in one query. */
static int load_keys(struct store *st, const struct form *f, int64_t *keys, struct err *e)
{
    struct store_stmt *s = store_prepare(st, "SELECT field, id FROM submission_value_fields WHERE form_id = ?", e);
    if (!s) return -1;
    store_bind_text(s, 1, f->form_id);
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        const struct form_field *fd = form_field_by_name(f, store_col_text(s, 0));
        if (fd) keys[fd->index] = store_col_int(s, 1);
    }
    store_done(s);
    return rc < 0 ? -1 : 0;
}

static int64_t make_key(struct store *st, const char *form_id, const char *field, struct err *e)
{
    struct store_stmt *s = store_prepare(
        st, "INSERT INTO submission_value_fields (form_id, field) VALUES (?, ?) ON CONFLICT DO NOTHING", e);
    if (!s) return -1;
    store_bind_text(s, 1, form_id);
    store_bind_text(s, 2, field);
    int rc = store_run(s, e);
    store_done(s);
    int64_t key;
    if (rc < 0 || values_field_key(st, form_id, field, &key, e) < 0) return -1;
    return key;
}

/* A number as the engine accepted it; NULL-like (false) for anything strtod does not take whole,
 * so a stray value is still counted as text rather than skewing a mean. */
static bool parse_number(const char *v, double *out)
{
    char *end;
    double d = strtod(v, &end);
    if (end == v || *end || !isfinite(d)) return false;
    *out = d;
    return true;
}

/* select_multiple and rank: each space-separated value once, in order. */
static int put_list(struct store_stmt *s, int64_t seq, int64_t key, const struct form_field *fd, const char *v,
                    struct err *e)
{
    double position = 0;
    const char *cur = v, *one;
    size_t len;
    while (answers_next_value(&cur, &one, &len)) {
        bool seen = false; /* the engine refuses repeats, but a row twice would count twice */
        const char *q = v, *w;
        size_t wl;
        while (!seen && answers_next_value(&q, &w, &wl) && w < one) seen = wl == len && memcmp(w, one, len) == 0;
        if (!seen) {
            position++;
            if (put(s, seq, key, one, len, fd->type == FT_RANK ? &position : NULL, e) < 0) return -1;
        }
    }
    return 0;
}

static int64_t assign_seq(struct store *st, const char *submission_id, struct err *e)
{
    /* Kept when it has one (values_rebuild keeps the order of arrival); the next one otherwise.
     * MAX reads the end of submissions_by_seq, and the caller's transaction holds the write lock,
     * so two submissions never get the same seq. */
    struct store_stmt *s = store_prepare(
        st, "UPDATE submissions SET seq = (SELECT COALESCE(MAX(seq), 0) + 1 FROM submissions)"
            " WHERE id = ? AND seq IS NULL", e);
    if (!s) return -1;
    store_bind_text(s, 1, submission_id);
    int rc = store_run(s, e);
    store_done(s);
    if (rc < 0) return -1;
    s = store_prepare(st, "SELECT seq FROM submissions WHERE id = ?", e);
    if (!s) return -1;
    store_bind_text(s, 1, submission_id);
    rc = store_step(s, e);
    int64_t seq = rc == 1 && !store_col_null(s, 0) ? store_col_int(s, 0) : 0;
    store_done(s);
    if (rc < 0) return -1;
    if (seq <= 0) return err_set(e, ERR_NOT_FOUND, "submission %s is not stored", submission_id);
    return seq;
}

static int index_field(struct store *st, struct store_stmt *s, const struct form *f, const struct form_field *fd,
                       const char *v, int64_t seq, int64_t *keys, struct err *e)
{
    if (!keys[fd->index] && (keys[fd->index] = make_key(st, f->form_id, fd->name, e)) <= 0) return -1;
    int64_t key = keys[fd->index];
    double d;
    switch (fd->type) {
    case FT_SELECT_MULTIPLE: case FT_RANK:
        return put_list(s, seq, key, fd, v, e);
    case FT_INTEGER: case FT_DECIMAL: case FT_RANGE:
        return put(s, seq, key, v, strlen(v), parse_number(v, &d) ? &d : NULL, e);
    default:
        return put(s, seq, key, v, strlen(v), NULL, e);
    }
}

int values_index(struct store *st, const struct form *f, const struct answers *ans,
                 const char *submission_id, struct err *e)
{
    int64_t seq = assign_seq(st, submission_id, e);
    if (seq < 0) return -1;
    int64_t *keys = calloc(f->nfields + 1, sizeof *keys);
    if (!keys) abort();
    int rc = load_keys(st, f, keys, e);
    struct store_stmt *s = rc < 0 ? NULL : store_prepare(st, sql_insert, e);
    if (!s) rc = -1;
    for (size_t i = 0; i < f->nfields && rc == 0; i++) {
        const struct form_field *fd = &f->fields[i];
        if (!values_field_indexed(fd)) continue;
        const char *v = answers_get(ans, fd->name, 0);
        if (v && *v) rc = index_field(st, s, f, fd, v, seq, keys, e);
    }
    if (s) store_done(s);
    free(keys);
    return rc < 0 ? -1 : 0;
}

int values_unindex(struct store *st, const char *submission_id, struct err *e)
{
    /* One search of the clustered key (field, submission, value) per field of the form. */
    struct store_stmt *s = store_prepare(
        st, "DELETE FROM submission_values WHERE submission = (SELECT seq FROM submissions WHERE id = ?)"
            " AND field IN (SELECT k.id FROM submission_value_fields k JOIN submissions s"
            " ON s.form_id = k.form_id WHERE s.id = ?)", e);
    if (!s) return -1;
    store_bind_text(s, 1, submission_id);
    store_bind_text(s, 2, submission_id);
    int rc = store_run(s, e);
    store_done(s);
    if (rc < 0) return -1;
    s = store_prepare(st, "UPDATE submissions SET seq = NULL WHERE id = ?", e);
    if (!s) return -1;
    store_bind_text(s, 1, submission_id);
    rc = store_run(s, e);
    store_done(s);
    return rc < 0 ? -1 : 0;
}

int values_forget(struct store *st, const char *submission_id, const char *field, struct err *e)
{
    struct store_stmt *s = store_prepare(
        st, "DELETE FROM submission_values WHERE submission = (SELECT seq FROM submissions WHERE id = ?)"
            " AND field = (SELECT k.id FROM submission_value_fields k JOIN submissions s"
            " ON s.form_id = k.form_id WHERE s.id = ? AND k.field = ?)", e);
    if (!s) return -1;
    store_bind_text(s, 1, submission_id);
    store_bind_text(s, 2, submission_id);
    store_bind_text(s, 3, field);
    int rc = store_run(s, e);
    store_done(s);
    return rc < 0 ? -1 : 0;
}

int64_t values_rebuild(struct store *st, struct arena *scratch, const struct form *f, struct err *e)
{
    struct store_stmt *s = store_prepare(
        st, "DELETE FROM submission_values WHERE field IN (SELECT id FROM submission_value_fields WHERE form_id = ?)", e);
    if (!s) return -1;
    store_bind_text(s, 1, f->form_id);
    int rc = store_run(s, e);
    store_done(s);
    if (rc < 0) return -1;
    /* In pages by id, so that no read is open on submissions while its rows are updated. */
    static const char q[] =
        "SELECT id, answers FROM submissions WHERE form_id = ? AND status = 'submitted' AND is_current = 1"
        " AND id > ? ORDER BY id LIMIT 500";
    int64_t done = 0;
    char *after = strdup("");
    if (!after) abort();
    for (;;) {
        arena_reset(scratch);
        s = store_prepare(st, q, e);
        if (!s) goto fail;
        store_bind_text(s, 1, f->form_id);
        store_bind_text(s, 2, after);
        const char **ids = NULL, **texts = NULL;
        size_t n = 0, cap = 0;
        while ((rc = store_step(s, e)) == 1) {
            if (n == cap) {
                cap = cap ? cap * 2 : 64;
                const char **ni = arena_alloc(scratch, cap * sizeof *ni), **nt = arena_alloc(scratch, cap * sizeof *nt);
                if (n) {
                    memcpy(ni, ids, n * sizeof *ni);
                    memcpy(nt, texts, n * sizeof *nt);
                }
                ids = ni;
                texts = nt;
            }
            ids[n] = arena_strdup(scratch, store_col_text(s, 0));
            texts[n++] = arena_strdup(scratch, store_col_text(s, 1));
        }
        store_done(s);
        if (rc < 0) goto fail;
        if (n == 0) break;
        for (size_t i = 0; i < n; i++) {
            struct err ignored;
            /* Not strict: a name the latest version dropped is no reason to leave a set out. */
            struct answers *ans = answers_from_json(scratch, f, texts[i], strlen(texts[i]), false, &ignored);
            if (!ans) continue;
            if (values_index(st, f, ans, ids[i], e) < 0) goto fail;
            done++;
        }
        free(after);
        after = strdup(ids[n - 1]);
        if (!after) abort();
    }
    free(after);
    return done;
fail:
    free(after);
    return -1;
}

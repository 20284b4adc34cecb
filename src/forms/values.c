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

static const char sql_insert[] =
    "INSERT INTO submission_values (submission, form_id, field, value, number) VALUES (?, ?, ?, ?, ?)";

static int put(struct store_stmt *s, int64_t seq, const char *form_id, const char *field,
               const char *value, size_t len, const double *number, struct err *e)
{
    store_bind_int(s, 1, seq);
    store_bind_text(s, 2, form_id);
    store_bind_text(s, 3, field);
    store_bind_textn(s, 4, value, len);
    if (number) store_bind_double(s, 5, *number);
    else store_bind_null(s, 5);
    return store_run(s, e);
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
static int put_list(struct store_stmt *s, int64_t seq, const char *form_id, const struct form_field *fd,
                    const char *v, struct err *e)
{
    double position = 0;
    for (const char *p = v; *p;) {
        while (*p == ' ') p++;
        if (!*p) break;
        const char *end = strchr(p, ' ');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        bool seen = false; /* the engine refuses repeats, but a row twice would count twice */
        for (const char *q = v; q < p && !seen;) {
            while (*q == ' ') q++;
            const char *qe = strchr(q, ' ');
            size_t ql = qe ? (size_t)(qe - q) : strlen(q);
            seen = q < p && ql == len && memcmp(q, p, len) == 0;
            q += ql;
        }
        if (!seen) {
            position++;
            if (put(s, seq, form_id, fd->name, p, len, fd->type == FT_RANK ? &position : NULL, e) < 0) return -1;
        }
        p += len;
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

int values_index(struct store *st, const struct form *f, const struct answers *ans,
                 const char *submission_id, struct err *e)
{
    int64_t seq = assign_seq(st, submission_id, e);
    if (seq < 0) return -1;
    struct store_stmt *s = store_prepare(st, sql_insert, e);
    if (!s) return -1;
    int rc = 0;
    for (size_t i = 0; i < f->nfields && rc == 0; i++) {
        const struct form_field *fd = &f->fields[i];
        if (!values_field_indexed(fd)) continue;
        const char *v = answers_get(ans, fd->name, 0);
        if (!v || !*v) continue;
        double d;
        switch (fd->type) {
        case FT_SELECT_MULTIPLE: case FT_RANK:
            rc = put_list(s, seq, f->form_id, fd, v, e);
            break;
        case FT_INTEGER: case FT_DECIMAL: case FT_RANGE:
            rc = put(s, seq, f->form_id, fd->name, v, strlen(v), parse_number(v, &d) ? &d : NULL, e);
            break;
        default:
            rc = put(s, seq, f->form_id, fd->name, v, strlen(v), NULL, e);
            break;
        }
    }
    store_done(s);
    return rc < 0 ? -1 : 0;
}

int values_unindex(struct store *st, const char *submission_id, struct err *e)
{
    struct store_stmt *s = store_prepare(
        st, "DELETE FROM submission_values WHERE submission = (SELECT seq FROM submissions WHERE id = ?)", e);
    if (!s) return -1;
    store_bind_text(s, 1, submission_id);
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

int64_t values_rebuild(struct store *st, struct arena *scratch, const struct form *f, struct err *e)
{
    struct store_stmt *s = store_prepare(st, "DELETE FROM submission_values WHERE form_id = ?", e);
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

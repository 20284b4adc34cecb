#include "forms/summary.h"

#include "forms/values.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum summary_kind summary_kind_of(const struct form_field *fd)
{
    if (!values_field_indexed(fd)) return SUMMARY_NONE;
    switch (fd->type) {
    case FT_SELECT_ONE: case FT_SELECT_MULTIPLE: case FT_RANK:
        return fd->list ? SUMMARY_CHOICES : SUMMARY_NONE;
    case FT_INTEGER: case FT_DECIMAL: case FT_RANGE:
        return SUMMARY_NUMBERS;
    case FT_TEXT:
        return SUMMARY_TEXT;
    default:
        return SUMMARY_NONE;
    }
}

/* --- categories of a select field, found by value ------------------------------------------- */

struct catmap {
    struct summary_category *cats; /* choices, "other" when or_other, then the lump (always last) */
    size_t n;
    size_t *slots;                 /* open addressing: index + 1, 0 when empty */
    size_t mask;
};

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static void catmap_add(struct catmap *m, const char *value, const struct form_choice *choice)
{
    size_t i = m->n++;
    m->cats[i] = (struct summary_category){.value = value, .choice = choice};
    if (!value) return;
    for (size_t slot = hash_str(value) & m->mask;; slot = (slot + 1) & m->mask) {
        if (!m->slots[slot]) {
            m->slots[slot] = i + 1;
            return;
        }
        if (strcmp(m->cats[m->slots[slot] - 1].value, value) == 0) return; /* a duplicate choice: the first wins */
    }
}

static void catmap_build(struct arena *a, const struct form_field *fd, struct catmap *m)
{
    size_t nchoices = fd->list ? fd->list->count : 0;
    size_t cap = nchoices + 2, nslots = 8;
    while (nslots < cap * 2) nslots *= 2;
    m->cats = arena_calloc(a, cap, sizeof *m->cats);
    m->slots = arena_calloc(a, nslots, sizeof *m->slots);
    m->mask = nslots - 1;
    m->n = 0;
    for (size_t i = 0; i < nchoices; i++) catmap_add(m, fd->list->choices[i].value, &fd->list->choices[i]);
    if (form_field_adds_other(fd)) catmap_add(m, "other", NULL);
    catmap_add(m, NULL, NULL);
}

static size_t catmap_find(const struct catmap *m, const char *value)
{
    for (size_t slot = hash_str(value) & m->mask; m->slots[slot]; slot = (slot + 1) & m->mask)
        if (strcmp(m->cats[m->slots[slot] - 1].value, value) == 0) return m->slots[slot] - 1;
    return m->n - 1;
}

/* --- one question ---------------------------------------------------------------------------- */

/* The one number a query gives; its parameter is a text or, when text is NULL, a key. */
static int count_one(struct store *st, const char *sql, const char *text, int64_t key, int64_t *out, struct err *e)
{
    struct store_stmt *s = store_prepare(st, sql, e);
    if (!s) return -1;
    if (text) store_bind_text(s, 1, text);
    else store_bind_int(s, 1, key);
    int rc = store_step(s, e);
    *out = rc == 1 ? store_col_int(s, 0) : 0;
    store_done(s);
    return rc < 0 ? -1 : 0;
}

int summary_total(struct store *st, const char *form_id, int64_t *out, struct err *e)
{
    return count_one(st, "SELECT COUNT(*) FROM submissions WHERE form_id = ? AND status = 'submitted' AND is_current = 1",
                     form_id, 0, out, e);
}

int summary_choices(struct store *st, struct arena *a, const char *form_id, const struct form_field *fd,
                    struct summary_choices *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    struct catmap m;
    catmap_build(a, fd, &m);
    out->cats = m.cats;
    out->counts = arena_calloc(a, m.n, sizeof *out->counts);
    int64_t key;
    if (values_field_key(st, form_id, fd->name, &key, e) < 0) return -1;
    if (!key) { /* nobody answered: every choice at 0 */
        out->n = m.n - 1;
        return 0;
    }
    /* One pass along the field's range of the clustered key (field, submission, value): each row
     * counts for its category, and a change of submission is one more respondent. An index by
     * value would hand back counts directly but cost every submission far more to write
     * (schema.c, migration 6); this reads a million answers in a fraction of a second. */
    struct store_stmt *s = store_prepare(st, "SELECT submission, value FROM submission_values WHERE field = ?", e);
    if (!s) return -1;
    store_bind_int(s, 1, key);
    int rc;
    int64_t last = 0;
    size_t last_cat = m.n; /* no category: the first row always looks up its value */
    const char *last_value = NULL; /* the category's own value: it outlives the row */
    while ((rc = store_step(s, e)) == 1) {
        int64_t submission = store_col_int(s, 0);
        const char *value = store_col_text(s, 1);
        /* Runs of the same answer are common (select_one): skip the lookup when it repeats. */
        size_t cat = last_value && strcmp(last_value, value) == 0 ? last_cat : catmap_find(&m, value);
        out->counts[cat]++;
        if (submission != last) out->respondents++;
        last = submission;
        last_cat = cat;
        last_value = out->cats[cat].value;
    }
    store_done(s);
    if (rc < 0) return -1;
    out->n = out->counts[m.n - 1] ? m.n : m.n - 1;
    return 0;
}

double summary_quantile(const double *sorted, size_t n, double p)
{
    if (n == 0) return 0;
    double h = (double)(n - 1) * p;
    size_t lo = (size_t)floor(h);
    if (lo + 1 >= n) return sorted[n - 1];
    return sorted[lo] + (h - (double)lo) * (sorted[lo + 1] - sorted[lo]);
}

int summary_numbers(struct store *st, const char *form_id, const struct form_field *fd,
                    struct summary_numbers *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    int64_t key;
    if (values_field_key(st, form_id, fd->name, &key, e) < 0) return -1;
    if (!key) return 0;
    struct store_stmt *s = store_prepare(
        st, "SELECT COUNT(number), SUM(number), MIN(number), MAX(number) FROM submission_values"
            " WHERE field = ? AND number IS NOT NULL", e);
    if (!s) return -1;
    store_bind_int(s, 1, key);
    int rc = store_step(s, e);
    if (rc == 1 && store_col_int(s, 0) > 0) {
        out->n = store_col_int(s, 0);
        out->mean = store_col_double(s, 1) / (double)out->n;
        out->min = store_col_double(s, 2);
        out->max = store_col_double(s, 3);
    }
    store_done(s);
    if (rc < 0) return -1;
    if (out->n == 0) return 0;
    /* The quartiles need only the two numbers around each of three ranks: read them in order from
     * submission_values_by_number, up to the last rank needed, and keep just those six. */
    static const double ps[3] = {0.25, 0.5, 0.75};
    int64_t at[3];
    double lo_v[3] = {0}, hi_v[3] = {0};
    for (int k = 0; k < 3; k++) at[k] = (int64_t)floor((double)(out->n - 1) * ps[k]);
    int64_t last = at[2] + 1 < out->n ? at[2] + 1 : at[2];
    s = store_prepare(st, "SELECT number FROM submission_values WHERE field = ? AND number IS NOT NULL"
                          " ORDER BY number LIMIT ?", e);
    if (!s) return -1;
    store_bind_int(s, 1, key);
    store_bind_int(s, 2, last + 1);
    int64_t i = 0;
    while ((rc = store_step(s, e)) == 1) {
        double x = store_col_double(s, 0);
        for (int k = 0; k < 3; k++) {
            if (i == at[k]) lo_v[k] = hi_v[k] = x;
            if (i == at[k] + 1) hi_v[k] = x;
        }
        i++;
    }
    store_done(s);
    if (rc < 0) return -1;
    double q[3];
    for (int k = 0; k < 3; k++) {
        double h = (double)(out->n - 1) * ps[k];
        q[k] = lo_v[k] + (h - (double)at[k]) * (hi_v[k] - lo_v[k]);
    }
    out->q1 = q[0];
    out->median = q[1];
    out->q3 = q[2];
    return 0;
}

int summary_texts(struct store *st, struct arena *a, const char *form_id, const struct form_field *fd,
                  int64_t offset, size_t count, struct summary_texts *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    int64_t key;
    if (values_field_key(st, form_id, fd->name, &key, e) < 0) return -1;
    if (!key) return 0;
    if (count_one(st, "SELECT COUNT(*) FROM submission_values WHERE field = ?", NULL, key, &out->total, e) < 0)
        return -1;
    if (offset < 0) offset = 0;
    if (offset >= out->total || count == 0) return 0;
    out->items = arena_alloc(a, count * sizeof *out->items);
    struct store_stmt *s = store_prepare(
        st, "SELECT value FROM submission_values WHERE field = ? ORDER BY submission DESC LIMIT ? OFFSET ?", e);
    if (!s) return -1;
    store_bind_int(s, 1, key);
    store_bind_int(s, 2, (int64_t)count);
    store_bind_int(s, 3, offset);
    int rc;
    while ((rc = store_step(s, e)) == 1 && out->n < count) out->items[out->n++] = arena_strdup(a, store_col_text(s, 0));
    store_done(s);
    return rc < 0 ? -1 : 0;
}

/* --- cross-tab ------------------------------------------------------------------------------- */

/* A cross-tab's rows or columns: the categories of a select, or ranges of numbers. */
struct axis {
    struct catmap m;  /* selects */
    bool numeric;
    struct summary_category *bins;
    size_t nbins;
};

static size_t axis_count(const struct axis *x) { return x->numeric ? x->nbins : x->m.n; }
static struct summary_category *axis_cats(const struct axis *x) { return x->numeric ? x->bins : x->m.cats; }

/* Ranges cut at the quartiles: [min, q1], (q1, median], (median, q3], (q3, max], without the
 * empty ones that equal quartiles make. */
static int axis_bins(struct store *st, struct arena *a, const char *form_id, const struct form_field *fd,
                     struct axis *x, struct err *e)
{
    struct summary_numbers sn;
    if (summary_numbers(st, form_id, fd, &sn, e) < 0) return -1;
    x->numeric = true;
    x->bins = arena_calloc(a, 4, sizeof *x->bins);
    x->nbins = 0;
    if (sn.n == 0) return 0;
    double cuts[4] = {sn.q1, sn.median, sn.q3, sn.max};
    for (int k = 0; k < 4; k++) {
        if (x->nbins && cuts[k] <= x->bins[x->nbins - 1].hi) continue;
        double lo = x->nbins ? x->bins[x->nbins - 1].hi : sn.min;
        x->bins[x->nbins++] = (struct summary_category){.is_bin = true, .lo = lo, .hi = cuts[k]};
    }
    return 0;
}

static size_t bin_of(const struct axis *x, double v)
{
    for (size_t i = 0; i + 1 < x->nbins; i++)
        if (v <= x->bins[i].hi) return i;
    return x->nbins - 1;
}

/* The category of the cursor's current row; SIZE_MAX for a row that belongs to none (a value
 * that is not a number, on a numeric axis). */
static size_t category_at(const struct axis *x, struct store_stmt *s)
{
    if (!x->numeric) return catmap_find(&x->m, store_col_text(s, 1));
    if (store_col_null(s, 2) || x->nbins == 0) return SIZE_MAX;
    return bin_of(x, store_col_double(s, 2));
}

/* Reads the cursor's rows of one submission into list (each category once, stamped with the
 * submission's key); returns the next step's result. */
static int gather(struct store_stmt *s, int64_t key, const struct axis *x, int64_t *stamp, size_t *list,
                  size_t *n, struct err *e)
{
    int rc;
    *n = 0;
    do {
        size_t c = category_at(x, s);
        if (c != SIZE_MAX && stamp[c] != key) {
            stamp[c] = key;
            list[(*n)++] = c;
        }
    } while ((rc = store_step(s, e)) == 1 && store_col_int(s, 0) == key);
    return rc;
}

/* Drops the lump of unlisted values when nothing fell in it (it is always last). */
static size_t trimmed(const struct axis *x, const int64_t *totals)
{
    size_t n = axis_count(x);
    if (!x->numeric && n && totals[n - 1] == 0) n--;
    return n;
}

int summary_crosstab(struct store *st, struct arena *a, const char *form_id, const struct form_field *row,
                     const struct form_field *col, struct summary_crosstab *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    enum summary_kind rk = summary_kind_of(row), ck = summary_kind_of(col);
    if (ck != SUMMARY_CHOICES)
        return err_set(e, ERR_INVALID, "%s is not a select question: a cross-tab's columns are choices", col->name);
    if (rk != SUMMARY_CHOICES && rk != SUMMARY_NUMBERS)
        return err_set(e, ERR_INVALID, "%s has answers that cannot be counted in a cross-tab", row->name);
    struct axis rx = {0}, cx = {0};
    if (rk == SUMMARY_NUMBERS) {
        if (axis_bins(st, a, form_id, row, &rx, e) < 0) return -1;
    } else {
        catmap_build(a, row, &rx.m);
    }
    catmap_build(a, col, &cx.m);
    size_t nr = axis_count(&rx), nc = axis_count(&cx);
    /* Counted at full size, then the empty lumps are cut away below. */
    int64_t *cells = arena_calloc(a, nr * nc + 1, sizeof *cells);
    int64_t *rt = arena_calloc(a, nr + 1, sizeof *rt), *ct = arena_calloc(a, nc + 1, sizeof *ct);
    int64_t *rstamp = calloc(nr + 1, sizeof *rstamp), *cstamp = calloc(nc + 1, sizeof *cstamp);
    size_t *rlist = calloc(nr + 1, sizeof *rlist), *clist = calloc(nc + 1, sizeof *clist);
    if (!rstamp || !cstamp || !rlist || !clist) abort();

    /* Both fields' rows in submission order along submission_values_by_submission, merged like two
     * sorted lists: one pass over each, no join. (Two SQL texts: two cached statements.) A field
     * without a key has no rows: key 0 matches none. */
    int rc = -1, ra = 0, rb = 0;
    struct store_stmt *sr = NULL, *sc = NULL;
    int64_t rkey, ckey;
    if (values_field_key(st, form_id, row->name, &rkey, e) < 0 || values_field_key(st, form_id, col->name, &ckey, e) < 0)
        goto done;
    sr = store_prepare(st, "SELECT submission, value, number FROM submission_values WHERE field = ? ORDER BY submission", e);
    sc = store_prepare(st, "SELECT submission, value, number FROM submission_values AS c WHERE field = ? ORDER BY submission", e);
    if (!sr || !sc) goto done;
    store_bind_int(sr, 1, rkey);
    store_bind_int(sc, 1, ckey);
    ra = store_step(sr, e);
    rb = store_step(sc, e);
    while (ra == 1 && rb == 1) {
        int64_t ka = store_col_int(sr, 0), kb = store_col_int(sc, 0);
        if (ka < kb) {
            ra = store_step(sr, e);
            continue;
        }
        if (kb < ka) {
            rb = store_step(sc, e);
            continue;
        }
        size_t nra, nca;
        ra = gather(sr, ka, &rx, rstamp, rlist, &nra, e);
        rb = gather(sc, kb, &cx, cstamp, clist, &nca, e);
        if (!nra || !nca) continue;
        out->total++;
        for (size_t i = 0; i < nra; i++) {
            rt[rlist[i]]++;
            int64_t *line = cells + rlist[i] * nc;
            for (size_t j = 0; j < nca; j++) line[clist[j]]++;
        }
        for (size_t j = 0; j < nca; j++) ct[clist[j]]++;
    }
    if (ra < 0 || rb < 0) goto done;
    rc = 0;

    out->nrows = trimmed(&rx, rt);
    out->ncols = trimmed(&cx, ct);
    out->rows = axis_cats(&rx);
    out->cols = axis_cats(&cx);
    out->row_totals = rt;
    out->col_totals = ct;
    out->cells = arena_alloc(a, (out->nrows * out->ncols + 1) * sizeof *out->cells);
    for (size_t i = 0; i < out->nrows; i++)
        memcpy(out->cells + i * out->ncols, cells + i * nc, out->ncols * sizeof *cells);
done:
    if (sr) store_done(sr);
    if (sc) store_done(sc);
    free(rstamp);
    free(cstamp);
    free(rlist);
    free(clist);
    return rc;
}

int summary_threshold(struct store *st, int *out, struct err *e)
{
    *out = SUMMARY_THRESHOLD_DEFAULT;
    struct store_stmt *s = store_prepare(st, "SELECT value FROM settings WHERE key = 'anonymity_threshold'", e);
    if (!s) return -1;
    int rc = store_step(s, e);
    int64_t v;
    if (rc == 1 && str_to_int64(store_col_text(s, 0), SUMMARY_THRESHOLD_MIN, SUMMARY_THRESHOLD_MAX, &v)) *out = (int)v;
    store_done(s);
    return rc < 0 ? -1 : 0;
}

int summary_set_threshold(struct store *st, int threshold, const struct audit_actor *by, struct err *e)
{
    if (threshold < SUMMARY_THRESHOLD_MIN || threshold > SUMMARY_THRESHOLD_MAX)
        return err_set(e, ERR_INVALID, "the anonymity threshold is a whole number from %d to %d",
                       SUMMARY_THRESHOLD_MIN, SUMMARY_THRESHOLD_MAX);
    char value[16], detail[64];
    snprintf(value, sizeof value, "%d", threshold);
    snprintf(detail, sizeof detail, "{\"value\":%d}", threshold);
    if (store_begin(st, e) < 0) return -1;
    struct store_stmt *s = store_prepare(st,
        "INSERT INTO settings (key, value) VALUES ('anonymity_threshold', ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value", e);
    int rc = s ? 0 : -1;
    if (s) {
        store_bind_text(s, 1, value);
        rc = store_run(s, e);
        store_done(s);
    }
    const char *ids[] = {"anonymity_threshold"};
    if (rc == 0) rc = audit_record(st, by, "settings.set", "setting", ids, 1, detail, e);
    if (rc == 0) rc = store_commit(st, e);
    if (rc < 0) store_rollback(st);
    return rc;
}

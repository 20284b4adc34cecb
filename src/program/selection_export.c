#include "program/selection_export.h"

#include "base/str.h"
#include "forms/table_out.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { COL_TEXT, COL_NUMBER };

static const struct {
    const char *name;
    int kind;
} columns[] = {
    {"place", COL_NUMBER},   {"institution_id", COL_TEXT}, {"institution", COL_TEXT}, {"country", COL_TEXT},
    {"kind", COL_TEXT},      {"informal", COL_NUMBER},     {"rural", COL_NUMBER},     {"score", COL_NUMBER},
    {"rank", COL_NUMBER},    {"role", COL_TEXT},           {"state", COL_TEXT},       {"reason", COL_TEXT},
    {"contact_name", COL_TEXT}, {"contact_email", COL_TEXT},
};
enum { NCOLS = sizeof columns / sizeof columns[0], NCOLS_PUBLIC = NCOLS - 2 };

/* One row: each cell as text (NULL: empty), numbers written as numbers in XLSX. */
struct row {
    const char *cell[NCOLS];
};

static const char *num(struct arena *a, long long v) { return arena_printf(a, "%lld", v); }

static int contacts_of(struct store *st, struct arena *a, const char *id, const char **name, const char **email,
                       struct err *e)
{
    *name = *email = NULL;
    struct store_stmt *s = store_prepare(st, "SELECT contact_name, contact_email FROM institutions WHERE id = ?", e);
    if (!s) return -1;
    store_bind_text(s, 1, id);
    int rc = store_step(s, e);
    if (rc == 1) {
        if (!store_col_null(s, 0)) *name = arena_strdup(a, store_col_text(s, 0));
        if (!store_col_null(s, 1)) *email = arena_strdup(a, store_col_text(s, 1));
    }
    store_done(s);
    return rc < 0 ? -1 : 0;
}

static int fill(struct store *st, struct arena *a, const struct selection_run *r, const size_t *rank, size_t cand,
                const char *place, const char *role, const char *state, const char *reason, bool contacts,
                struct row *out, struct err *e)
{
    const struct selrun_input *x = &r->inputs[cand];
    memset(out, 0, sizeof *out);
    out->cell[0] = place;
    out->cell[1] = x->institution_id;
    out->cell[2] = x->name;
    out->cell[3] = x->country;
    out->cell[4] = x->kind;
    out->cell[5] = x->informal ? "1" : "0";
    out->cell[6] = x->rural ? "1" : "0";
    out->cell[7] = isnan(x->score) ? NULL : arena_printf(a, "%.1f", x->score);
    out->cell[8] = rank[cand] ? num(a, (long long)rank[cand]) : NULL;
    out->cell[9] = role;
    out->cell[10] = state;
    out->cell[11] = reason;
    if (contacts) return contacts_of(st, a, x->institution_id, &out->cell[12], &out->cell[13], e);
    return 0;
}

static const char *name_of(const struct selection_run *r, const char *institution_id)
{
    const struct selrun_place *p = selrun_place_of(r, institution_id);
    return p && r->inputs[p->cand].name ? r->inputs[p->cand].name : institution_id;
}

/* Every candidate once, in the order the header comment gives. */
static int build(struct store *st, struct arena *a, const struct selection_run *r, bool contacts, struct row **rows,
                 size_t *n, struct err *e)
{
    size_t *rank = selrun_ranks(r, a), *order = selrun_need_order(r, a);
    bool *done = arena_calloc(a, r->ninputs + 1, sizeof *done);
    struct row *out = arena_calloc(a, r->ninputs + 1, sizeof *out);
    size_t k = 0;
    for (size_t i = 0; i < r->nplaces; i++) {
        const struct selrun_place *p = &r->places[i];
        if (strcmp(p->role, "selected") != 0 || done[p->cand]) continue;
        const char *reason = p->replaces
                                 ? arena_printf(a, "Took the place of %s, who declined: the best left out that keeps every rule.",
                                                name_of(r, p->replaces))
                                 : selrun_reason_in(r, p->cand);
        if (p->note) reason = arena_printf(a, "%s %s", reason ? reason : "", p->note);
        if (fill(st, a, r, rank, p->cand, num(a, p->position), "selected", p->state, reason, contacts, &out[k++], e) < 0)
            return -1;
        done[p->cand] = true;
    }
    for (size_t i = 0; i < r->result.nreserve; i++) {
        size_t c = r->result.reserve[i];
        if (done[c]) continue;
        if (fill(st, a, r, rank, c, num(a, (long long)i + 1), "reserve", "waiting", selrun_reason_out(r, c), contacts,
                 &out[k++], e) < 0)
            return -1;
        done[c] = true;
    }
    for (size_t p = 0; p < r->ninputs; p++) {
        size_t c = order[p];
        if (done[c]) continue;
        if (fill(st, a, r, rank, c, NULL, "not selected", NULL, selrun_reason_out(r, c), contacts, &out[k++], e) < 0)
            return -1;
        done[c] = true;
    }
    *rows = out;
    *n = k;
    return 0;
}

/* The rows as a plain table (forms/table_out.h writes it as CSV or XLSX, formulas guarded). */
static int table(struct store *st, struct arena *a, const struct selection_run *r, bool contacts,
                 struct table_out *t, struct err *e)
{
    struct row *rows;
    size_t n;
    if (build(st, a, r, contacts, &rows, &n, e) < 0) return -1;
    size_t ncols = contacts ? NCOLS : NCOLS_PUBLIC;
    const char *head[NCOLS];
    for (size_t c = 0; c < ncols; c++) head[c] = columns[c].name;
    table_out_init(t, a, "selection", head, ncols);
    for (size_t i = 0; i < n; i++) {
        struct table_cell *cells = table_out_row(t);
        for (size_t c = 0; c < ncols; c++) {
            if (!rows[i].cell[c]) continue;
            if (columns[c].kind == COL_NUMBER) table_out_number(t, cells, c, strtod(rows[i].cell[c], NULL));
            else table_out_text(t, cells, c, rows[i].cell[c]);
        }
    }
    return 0;
}

int selexp_csv(struct store *st, struct arena *a, const struct selection_run *r, bool contacts, selexp_write_fn write,
               void *ctx, struct err *e)
{
    struct table_out t;
    if (table(st, a, r, contacts, &t, e) < 0) return -1;
    return table_out_csv(&t, write, ctx, e);
}

int selexp_xlsx(struct store *st, struct arena *a, const struct selection_run *r, bool contacts,
                selexp_write_fn write, void *ctx, struct err *e)
{
    struct table_out t;
    if (table(st, a, r, contacts, &t, e) < 0) return -1;
    return table_out_xlsx(&t, write, ctx, e);
}

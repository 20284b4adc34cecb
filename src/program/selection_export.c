#include "program/selection_export.h"

#include "base/str.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

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

/* ---- CSV ---- */

static void csv_cell(struct strbuf *b, const char *v, bool number)
{
    if (!v) return;
    /* OWASP: a text cell a spreadsheet would read as a formula gets a leading '. */
    bool guard = !number && v[0] && strchr("=+-@\t\r", v[0]);
    strbuf_putc(b, '"');
    if (guard) strbuf_putc(b, '\'');
    for (const char *c = v; *c; c++) {
        if (*c == '"') strbuf_putc(b, '"');
        strbuf_putc(b, *c);
    }
    strbuf_putc(b, '"');
}

int selexp_csv(struct store *st, struct arena *a, const struct selection_run *r, bool contacts, selexp_write_fn write,
               void *ctx, struct err *e)
{
    struct row *rows;
    size_t n;
    if (build(st, a, r, contacts, &rows, &n, e) < 0) return -1;
    size_t ncols = contacts ? NCOLS : NCOLS_PUBLIC;
    struct strbuf b;
    strbuf_init(&b, a, 4096);
    for (size_t c = 0; c < ncols; c++) {
        if (c) strbuf_putc(&b, ',');
        strbuf_puts(&b, columns[c].name);
    }
    strbuf_puts(&b, "\r\n");
    for (size_t i = 0; i < n; i++) {
        for (size_t c = 0; c < ncols; c++) {
            if (c) strbuf_putc(&b, ',');
            csv_cell(&b, rows[i].cell[c], columns[c].kind == COL_NUMBER);
        }
        strbuf_puts(&b, "\r\n");
    }
    return write(ctx, b.data, b.len) ? err_set(e, ERR_IO, "the export could not be written") : 0;
}

/* ---- XLSX ---- */

static int send_file(int fd, selexp_write_fn write, void *ctx, struct err *e)
{
    if (lseek(fd, 0, SEEK_SET) < 0) return err_set(e, ERR_IO, "the XLSX file could not be read back");
    char buf[16384];
    ssize_t got;
    while ((got = read(fd, buf, sizeof buf)) > 0)
        if (write(ctx, buf, (size_t)got)) return err_set(e, ERR_IO, "the export could not be written");
    return got < 0 ? err_set(e, ERR_IO, "the XLSX file could not be read back") : 0;
}

static void xlsx_cell(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const char *v, bool number)
{
    if (!v) return;
    if (number) {
        worksheet_write_number(ws, row, col, strtod(v, NULL), NULL);
        return;
    }
    /* Text that a spreadsheet would read as a formula is guarded as in the CSV. */
    if (v[0] && strchr("=+-@\t\r", v[0])) {
        size_t len = strlen(v);
        char *g = malloc(len + 2);
        if (!g) abort();
        g[0] = '\'';
        memcpy(g + 1, v, len + 1);
        worksheet_write_string(ws, row, col, g, NULL);
        free(g);
        return;
    }
    worksheet_write_string(ws, row, col, v, NULL);
}

int selexp_xlsx(struct store *st, struct arena *a, const struct selection_run *r, bool contacts,
                selexp_write_fn write, void *ctx, struct err *e)
{
    struct row *rows;
    size_t n;
    if (build(st, a, r, contacts, &rows, &n, e) < 0) return -1;
    size_t ncols = contacts ? NCOLS : NCOLS_PUBLIC;
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir) dir = "/tmp";
    char path[4096];
    snprintf(path, sizeof path, "%s/edubridge-selection-XXXXXX", dir);
    int fd = mkstemp(path);
    if (fd < 0) return err_set(e, ERR_IO, "cannot create a temporary file in %s: %s", dir, strerror(errno));
    lxw_workbook_options o = {.constant_memory = LXW_TRUE, .tmpdir = (char *)dir, .use_zip64 = LXW_FALSE};
    lxw_workbook *wb = workbook_new_opt(path, &o);
    int rc = 0;
    if (!wb) {
        rc = err_set(e, ERR_IO, "the XLSX file could not be started in %s", dir);
    } else {
        lxw_worksheet *ws = workbook_add_worksheet(wb, "selection");
        for (size_t c = 0; c < ncols; c++) worksheet_write_string(ws, 0, (lxw_col_t)c, columns[c].name, NULL);
        for (size_t i = 0; i < n; i++)
            for (size_t c = 0; c < ncols; c++)
                xlsx_cell(ws, (lxw_row_t)i + 1, (lxw_col_t)c, rows[i].cell[c], columns[c].kind == COL_NUMBER);
        lxw_error le = workbook_close(wb); /* also frees it */
        if (le != LXW_NO_ERROR) rc = err_set(e, ERR_IO, "the XLSX file could not be written: %s", lxw_strerror(le));
        if (rc == 0) rc = send_file(fd, write, ctx, e);
    }
    close(fd);
    unlink(path);
    return rc;
}

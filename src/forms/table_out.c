#include "forms/table_out.h"

#include "base/arena.h"
#include "base/err.h"
#include "base/str.h"
#include "forms/export.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

void table_out_init(struct table_out *t, struct arena *a, const char *sheet, const char *const *head, size_t ncols)
{
    memset(t, 0, sizeof *t);
    t->arena = a;
    t->sheet = sheet;
    t->ncols = ncols;
    t->head = arena_memdup(a, head, ncols * sizeof *head);
}

struct table_cell *table_out_row(struct table_out *t)
{
    if (t->rows == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        struct table_cell *c = arena_calloc(t->arena, cap * t->ncols, sizeof *c);
        if (t->rows) memcpy(c, t->cells, t->rows * t->ncols * sizeof *c);
        t->cells = c, t->cap = cap;
    }
    return &t->cells[t->rows++ * t->ncols];
}

void table_out_text(struct table_out *t, struct table_cell *r, size_t col, const char *text)
{
    if (col < t->ncols) r[col] = (struct table_cell){text ? arena_strdup(t->arena, text) : NULL, false};
}

void table_out_number(struct table_out *t, struct table_cell *r, size_t col, double v)
{
    if (col >= t->ncols) return;
    if (!isfinite(v)) {
        r[col] = (struct table_cell){NULL, false};
        return;
    }
    /* The shortest text that reads back as the same double, as the exports of answers write. */
    char buf[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) break;
    }
    r[col] = (struct table_cell){arena_strdup(t->arena, buf), true};
}

int table_out_csv(const struct table_out *t, table_write_fn write, void *ctx, struct err *e)
{
    struct strbuf sb;
    strbuf_init(&sb, t->arena, 4096);
    for (size_t c = 0; c < t->ncols; c++) {
        if (c) strbuf_putc(&sb, ',');
        export_csv_field(&sb, t->head[c], false);
    }
    strbuf_puts(&sb, "\r\n");
    for (size_t r = 0; r < t->rows; r++) {
        const struct table_cell *row = &t->cells[r * t->ncols];
        for (size_t c = 0; c < t->ncols; c++) {
            if (c) strbuf_putc(&sb, ',');
            if (row[c].text) export_csv_field(&sb, row[c].text, row[c].numeric);
        }
        strbuf_puts(&sb, "\r\n");
    }
    if (write(ctx, sb.data, sb.len)) return err_set(e, ERR_IO, "the CSV file could not be written");
    return 0;
}

static int send_file(int fd, table_write_fn write, void *ctx, struct err *e)
{
    if (lseek(fd, 0, SEEK_SET) < 0) return err_set(e, ERR_IO, "the XLSX file could not be read back");
    char buf[16384];
    ssize_t got;
    while ((got = read(fd, buf, sizeof buf)) > 0)
        if (write(ctx, buf, (size_t)got)) return err_set(e, ERR_IO, "the export could not be written");
    return got < 0 ? err_set(e, ERR_IO, "the XLSX file could not be read back") : 0;
}

int table_out_xlsx(const struct table_out *t, table_write_fn write, void *ctx, struct err *e)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir) dir = "/tmp";
    char path[4096];
    snprintf(path, sizeof path, "%s/edubridge-table-XXXXXX", dir);
    int fd = mkstemp(path);
    if (fd < 0) return err_set(e, ERR_IO, "cannot create a temporary file in %s: %s", dir, strerror(errno));
    lxw_workbook_options o = {.constant_memory = LXW_TRUE, .tmpdir = (char *)dir, .use_zip64 = LXW_FALSE};
    lxw_workbook *wb = workbook_new_opt(path, &o);
    int rc = 0;
    if (!wb) {
        rc = err_set(e, ERR_IO, "the XLSX file could not be started in %s", dir);
    } else {
        lxw_worksheet *ws = workbook_add_worksheet(wb, t->sheet && *t->sheet ? t->sheet : "table");
        for (size_t c = 0; c < t->ncols && ws; c++) worksheet_write_string(ws, 0, (lxw_col_t)c, t->head[c], NULL);
        for (size_t r = 0; r < t->rows && ws; r++) {
            const struct table_cell *row = &t->cells[r * t->ncols];
            for (size_t c = 0; c < t->ncols; c++) {
                if (!row[c].text) continue;
                if (row[c].numeric) worksheet_write_number(ws, (lxw_row_t)(r + 1), (lxw_col_t)c, strtod(row[c].text, NULL), NULL);
                else worksheet_write_string(ws, (lxw_row_t)(r + 1), (lxw_col_t)c, row[c].text, NULL);
            }
        }
        lxw_error le = workbook_close(wb); /* also frees it */
        if (!ws) rc = err_set(e, ERR_INVALID, "the sheet name '%s' is not allowed in XLSX", t->sheet);
        else if (le != LXW_NO_ERROR) rc = err_set(e, ERR_IO, "the XLSX file could not be written: %s", lxw_strerror(le));
        if (rc == 0) rc = send_file(fd, write, ctx, e);
    }
    close(fd);
    unlink(path);
    return rc;
}

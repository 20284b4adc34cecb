/* table_out: a plain table (a header row, then rows of text or number cells) written as CSV or as
 * an XLSX workbook of one sheet, for the downloads that are not a form's answers (the need ranking,
 * a selection, the device inventory...). The answers have their own writer (export.h), which
 * streams from the database; these tables are small enough to be built in memory first.
 *
 * CSV: RFC 4180, UTF-8 with CRLF line ends, cells quoted when they need it, and a cell that a
 * spreadsheet would read as a formula guarded with a leading ' (OWASP), as export.h does; number
 * cells are written as numbers. XLSX: libxlsxwriter through a private temporary file, removed
 * whatever happens; numbers as numbers, so that a spreadsheet sorts them. */
#ifndef EDUBRIDGE_TABLE_OUT_H
#define EDUBRIDGE_TABLE_OUT_H

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct err;

struct table_cell {
    const char *text; /* NULL: an empty cell */
    bool numeric;     /* text is a number (written as one in XLSX) */
};

struct table_out {
    struct arena *arena;
    const char *sheet;     /* the XLSX sheet's name (at most 31 characters) */
    size_t ncols;
    const char **head;     /* ncols */
    struct table_cell *cells; /* rows x ncols, row-major */
    size_t rows, cap;
};

void table_out_init(struct table_out *t, struct arena *a, const char *sheet, const char *const *head, size_t ncols);
/* A new row of empty cells; returns its ncols cells to fill. */
struct table_cell *table_out_row(struct table_out *t);
/* Fills one cell of row r (from table_out_row): text (copied), or a number (NaN: empty). */
void table_out_text(struct table_out *t, struct table_cell *r, size_t col, const char *text);
void table_out_number(struct table_out *t, struct table_cell *r, size_t col, double v);

typedef int (*table_write_fn)(void *ctx, const void *data, size_t len);
int table_out_csv(const struct table_out *t, table_write_fn write, void *ctx, struct err *e);
int table_out_xlsx(const struct table_out *t, table_write_fn write, void *ctx, struct err *e);

#endif

/* sheet: spreadsheet files read into one in-memory workbook of named sheets of string cells.
 *
 * An XLSForm arrives as an .xlsx workbook, as pyxform's .csv layout or as pyxform's markdown-table
 * layout. This module turns any of them into the same struct sheet_book, keeping each row's number
 * in the source (xlsx row number, or line number for csv and md) so that the XLSForm layer above can
 * say "sheet survey, row 12". It knows nothing about XLSForm columns: that is the caller's job.
 *
 * Ownership: everything a reader returns lives in the caller's arena. On failure *out is empty and
 * e says what is wrong and where; whatever was allocated stays in the arena until the caller frees it.
 *
 * Shape of the result, the same for every format:
 *   - sheets appear in file order; names are unique ignoring case;
 *   - rows whose cells are all empty are left out, so row numbers may jump but are always true;
 *   - trailing empty cells are dropped, so rows have different lengths: a cell at or past ncells
 *     is empty; a missing cell before the last is "" (never NULL);
 *   - cells are valid UTF-8 with no NUL, untrimmed (csv/md sheet names and md cells are trimmed,
 *     as pyxform does).
 * In .xlsx, numbers keep the text Excel wrote in the file ("1", "2.5", "1E+20"); booleans read
 * "true"/"false"; dates are the serial numbers Excel stores, since styles are not read; formulas
 * give their cached result; "_x000D_"-style escapes are decoded; chart sheets are skipped; rows
 * keep the file's order (ascending in every file Excel or LibreOffice writes). */
#ifndef EDUBRIDGE_SHEET_H
#define EDUBRIDGE_SHEET_H

#include <stddef.h>

struct arena;
struct err;

struct sheet_row {
    int number;          /* 1-based row number in the source (xlsx row, csv/md line where it starts) */
    const char **cells;  /* cells[0]: column A in xlsx; in csv/md, the column after the sheet names */
    size_t ncells;       /* the last cell is never empty; ncells >= 1 */
};

struct sheet {
    const char *name;
    struct sheet_row *rows;
    size_t nrows;
};

/* A problem with one row of an imported sheet, or one of its cells: the register's, the device
 * inventory's and the training catalogue's imports report theirs so, and their pages list them
 * with web/import_errors.h. */
struct sheet_row_error {
    int row;             /* the row in the file */
    const char *column;  /* the column's header, "" for the row as a whole */
    const char *problem; /* an English sentence (msgid); a "%d" in it is other_row */
    int other_row;       /* the other row of a duplicate in the file, 0 otherwise */
    const char *value;   /* the value at fault, or NULL */
};

struct sheet_book {
    struct sheet *sheets;
    size_t count;
};

/* Limits, so that a small hostile upload cannot take a school hub's memory. An XLSForm needs a tiny
 * fraction of each; they are refused with ERR_LIMIT and a message naming the limit. */
#define SHEET_MAX_BYTES   ((size_t)64 << 20) /* input file, and uncompressed .xlsx parts read, in total */
#define SHEET_MAX_ROWS    100000             /* non-empty rows per sheet */
#define SHEET_MAX_COLUMNS 1000               /* columns per sheet (a non-empty cell past it is refused) */
#define SHEET_MAX_CELLS   5000000            /* cells in the whole book, gaps included */
#define SHEET_MAX_SHEETS  1000

/* Reads the file at path, choosing the reader by extension: .xlsx, .csv or .md, any case. */
int sheet_read_file(struct arena *a, const char *path, struct sheet_book *out, struct err *e);

/* Reads len bytes (an upload) as format "xlsx", "csv" or "md"; data is not kept. */
int sheet_read_memory(struct arena *a, const char *format, const void *data, size_t len,
                      struct sheet_book *out, struct err *e);

/* The sheet of that name ignoring ASCII case, or NULL. */
const struct sheet *sheet_find(const struct sheet_book *b, const char *name);

/* Spreadsheet column letters for a 0-based index: 0 -> "A", 25 -> "Z", 26 -> "AA". An index that
 * needs more than 7 letters gives "?". */
void sheet_column_name(size_t index, char out[8]);

/* --- For the readers in sheet_csv.c, sheet_md.c and sheet_xlsx.c only; not for callers. --- */

/* Collects sheets and rows while a reader runs, enforcing the limits and the shape above. */
struct sheet_builder {
    struct arena *arena;
    struct sheet *sheets;
    size_t count, cap;
    size_t rows_cap;     /* capacity of sheets[count - 1].rows */
    size_t total_cells;
};

void sheet_builder_init(struct sheet_builder *b, struct arena *a);
/* name must already be in the arena; refuses a duplicate name (ignoring case). */
int sheet_builder_add_sheet(struct sheet_builder *b, const char *name, struct err *e);
/* Adds a row to the last sheet: trailing "" dropped, an all-empty row skipped. The cell strings must
 * already be in the arena (or static); the pointer array is copied. */
int sheet_builder_add_row(struct sheet_builder *b, int number, const char **cells, size_t ncells,
                          struct err *e);
void sheet_builder_finish(struct sheet_builder *b, struct sheet_book *out);

int sheet_read_csv(struct arena *a, const char *data, size_t len, struct sheet_book *out, struct err *e);
int sheet_read_md(struct arena *a, const char *data, size_t len, struct sheet_book *out, struct err *e);
int sheet_read_xlsx(struct arena *a, const void *data, size_t len, struct sheet_book *out, struct err *e);

/* For csv and md: refuses UTF-16 and NUL bytes with a message naming the line. */
int sheet_check_text(const char *data, size_t len, const char *kind, struct err *e);

#endif

/* libFuzzer target: an institution register import (program/institutions) from a CSV upload, read
 * with inst_read_table and checked with inst_import as a dry run. A dry run never touches the
 * store, so no database is opened: every input is independent and nothing accumulates. Beyond
 * crashes, leaks and sanitizer reports it checks what the import page relies on (abort() marks a
 * broken reader):
 *   - a file the reader refuses says why and leaves the book empty (fuzz_sheet.h's checks);
 *   - a plain table is one sheet: records that landed in another sheet would be skipped silently;
 *   - a rejected file lists at least one problem, each with a row of the file and a column;
 *   - an accepted file gives at least one institution, each with a name, at a row after the
 *     header, in file order, with values that are already normalised (checking one again leaves
 *     it as it is), which is what the confirmation step stores. */
#include "fuzz_sheet.h"

#include "program/institutions.h"

/* Physical lines of the input, counted as the CSV reader counts them (LF, CRLF or a lone CR):
 * no row number may lie past the last one. */
static int count_lines(const uint8_t *data, size_t size)
{
    int lines = 1;
    for (size_t i = 0; i < size; i++)
        if (data[i] == '\n' || (data[i] == '\r' && (i + 1 == size || data[i + 1] != '\n'))) lines++;
    return lines;
}

static void check_result(struct arena *a, const struct sheet_book *b, const struct inst_import_result *r,
                         int lines)
{
    if (r->imported) abort(); /* a dry run */
    if (r->nerrors) {
        for (size_t i = 0; i < r->nerrors; i++) {
            const struct sheet_row_error *x = &r->errors[i];
            if (x->row < 1 || x->row > lines || !x->column || !x->problem || !x->problem[0]) abort();
            if (!str_utf8_valid(x->column, strlen(x->column))) abort();
            if (x->value && !str_utf8_valid(x->value, strlen(x->value))) abort();
        }
        return;
    }
    if (!r->nrows || !r->rows || !r->row_numbers || b->count != 1) abort();
    int header = b->sheets[0].rows[0].number;
    for (size_t i = 0; i < r->nrows; i++) {
        const struct institution *inst = &r->rows[i];
        int row = r->row_numbers[i];
        if (row <= header || row > lines || (i && row <= r->row_numbers[i - 1])) abort();
        if (!inst->v[INST_NAME] || !inst->v[INST_STATUS] || strcmp(inst->source, "import") != 0) abort();
        for (int f = 0; f < INST_FIELD_COUNT; f++) {
            const char *v = inst->v[f], *again, *problem;
            if (!v) continue;
            if (!v[0] || inst_value_check(a, (enum inst_field)f, v, &again, &problem) < 0 || !again ||
                strcmp(again, v) != 0)
                abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena a;
    arena_init(&a, 0);
    struct sheet_book b;
    struct err e;
    err_clear(&e);
    int rc = inst_read_table(&a, "csv", data, size, &b, &e);
    fuzz_sheet_check(rc, &b, &e, true);
    if (rc == 0) {
        if (b.count != 1 || strcmp(b.sheets[0].name, "institutions") != 0) abort();
        struct inst_import_result r;
        /* No store and no actor: a dry run returns before either is used. */
        if (inst_import(NULL, &a, &b, true, false, NULL, &r, &e) != 0) abort();
        check_result(&a, &b, &r, count_lines(data, size));
    }
    arena_free(&a);
    return 0;
}

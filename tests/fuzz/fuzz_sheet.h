/* Shared by fuzz_sheet_csv.c, fuzz_sheet_md.c and fuzz_sheet_xlsx.c: read the input as a sheet book
 * (forms/sheet) and, beyond crashes and sanitizer reports, check the shape sheet.h promises, so a
 * reader that returns nonsense fails. abort() marks a broken one. */
#ifndef EDUBRIDGE_FUZZ_SHEET_H
#define EDUBRIDGE_FUZZ_SHEET_H

#include "base/arena.h"
#include "base/err.h"
#include "base/str.h"
#include "forms/sheet.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ascending: row numbers must ascend (csv, md); xlsx rows keep the file's order, which need not
 * ascend, and are only bounded by the format's 1048576 rows. */
static void fuzz_sheet_check(int rc, const struct sheet_book *b, const struct err *e, bool ascending)
{
    if (rc) {
        if (rc >= 0 || e->code != rc || !e->msg[0] || b->sheets || b->count) abort();
        return;
    }
    for (size_t i = 0; i < b->count; i++) {
        const struct sheet *s = &b->sheets[i];
        if (!s->name[0] || !str_utf8_valid(s->name, strlen(s->name))) abort();
        if (sheet_find(b, s->name) != s || s->nrows > SHEET_MAX_ROWS) abort();
        for (size_t r = 0; r < s->nrows; r++) {
            const struct sheet_row *row = &s->rows[r];
            if (row->number < 1) abort();
            if (ascending ? r && row->number <= s->rows[r - 1].number : row->number > 1048576) abort();
            if (!row->ncells || row->ncells > SHEET_MAX_COLUMNS || !row->cells[row->ncells - 1][0]) abort();
            for (size_t c = 0; c < row->ncells; c++)
                if (!str_utf8_valid(row->cells[c], strlen(row->cells[c]))) abort();
        }
    }
}

/* Reads the input as format (csv or md) and checks the result. */
static inline void fuzz_sheet(const char *format, const uint8_t *data, size_t size)
{
    struct arena a;
    arena_init(&a, 0);
    struct sheet_book b;
    struct err e;
    err_clear(&e);
    int rc = sheet_read_memory(&a, format, data, size, &b, &e);
    fuzz_sheet_check(rc, &b, &e, true);
    arena_free(&a);
}

#endif

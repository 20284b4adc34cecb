/* libFuzzer target: pyxform's CSV layout read from memory (forms/sheet). Beyond crashes and
 * sanitizer reports, it checks the shape sheet.h promises, so a reader that returns nonsense fails. */
#include "base/arena.h"
#include "base/err.h"
#include "base/str.h"
#include "forms/sheet.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check(int rc, const struct sheet_book *b, const struct err *e)
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
            if (row->number < 1 || (r && row->number <= s->rows[r - 1].number)) abort();
            if (!row->ncells || row->ncells > SHEET_MAX_COLUMNS || !row->cells[row->ncells - 1][0]) abort();
            for (size_t c = 0; c < row->ncells; c++)
                if (!str_utf8_valid(row->cells[c], strlen(row->cells[c]))) abort();
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
    int rc = sheet_read_memory(&a, "csv", data, size, &b, &e);
    check(rc, &b, &e);
    arena_free(&a);
    return 0;
}

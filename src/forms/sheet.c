#include "forms/sheet.h"

#include "base/arena.h"
#include "base/err.h"
#include "base/str.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void sheet_builder_init(struct sheet_builder *b, struct arena *a)
{
    memset(b, 0, sizeof *b);
    b->arena = a;
}

int sheet_builder_add_sheet(struct sheet_builder *b, const char *name, struct err *e)
{
    for (size_t i = 0; i < b->count; i++)
        if (str_eq_nocase(b->sheets[i].name, name))
            return err_set(e, ERR_INVALID, "there are two sheets named \"%.100s\"; sheet names must "
                           "be unique (ignoring case)", name);
    if (b->count == SHEET_MAX_SHEETS)
        return err_set(e, ERR_LIMIT, "the file has more than %d sheets", SHEET_MAX_SHEETS);
    if (b->count == b->cap) {
        /* Arena growth leaves the old array behind; with doubling that costs at most as much again. */
        size_t cap = b->cap ? b->cap * 2 : 4;
        struct sheet *s = arena_alloc(b->arena, cap * sizeof *s);
        if (b->count) memcpy(s, b->sheets, b->count * sizeof *s);
        b->sheets = s;
        b->cap = cap;
    }
    b->sheets[b->count++] = (struct sheet){.name = name};
    b->rows_cap = 0;
    return 0;
}

int sheet_builder_add_row(struct sheet_builder *b, int number, const char **cells, size_t ncells,
                          struct err *e)
{
    while (ncells && !cells[ncells - 1][0]) ncells--;
    if (!ncells) return 0;
    if (!b->count) return err_set(e, ERR_INTERNAL, "row %d comes before any sheet", number);
    struct sheet *s = &b->sheets[b->count - 1];
    if (ncells > SHEET_MAX_COLUMNS)
        return err_set(e, ERR_LIMIT, "sheet %.100s, row %d: more than %d columns", s->name, number,
                       SHEET_MAX_COLUMNS);
    if (s->nrows == SHEET_MAX_ROWS)
        return err_set(e, ERR_LIMIT, "sheet %.100s has more than %d rows (at row %d)", s->name,
                       SHEET_MAX_ROWS, number);
    if (ncells > SHEET_MAX_CELLS - b->total_cells)
        return err_set(e, ERR_LIMIT, "the file has more than %d cells (at sheet %.100s, row %d)",
                       SHEET_MAX_CELLS, s->name, number);
    if (s->nrows == b->rows_cap) {
        size_t cap = b->rows_cap ? b->rows_cap * 2 : 16;
        struct sheet_row *r = arena_alloc(b->arena, cap * sizeof *r);
        if (s->nrows) memcpy(r, s->rows, s->nrows * sizeof *r);
        s->rows = r;
        b->rows_cap = cap;
    }
    b->total_cells += ncells;
    s->rows[s->nrows++] = (struct sheet_row){
        .number = number,
        .cells = arena_memdup(b->arena, cells, ncells * sizeof *cells),
        .ncells = ncells,
    };
    return 0;
}

void sheet_builder_finish(struct sheet_builder *b, struct sheet_book *out)
{
    out->sheets = b->sheets;
    out->count = b->count;
}

int sheet_check_text(const char *data, size_t len, const char *kind, struct err *e)
{
    const unsigned char *u = (const unsigned char *)data;
    /* Excel's "Unicode text" export is UTF-16; say so rather than report garbage on line 1. */
    if (len >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF)))
        return err_set(e, ERR_INVALID, "the %s file is UTF-16 text; save it as UTF-8", kind);
    const char *nul = memchr(data, '\0', len);
    if (nul) {
        int line = 1;
        for (const char *p = data; p < nul; p++) line += *p == '\n';
        return err_set(e, ERR_INVALID, "line %d: the %s file contains a NUL byte; it is not a "
                       "UTF-8 text file", line, kind);
    }
    return 0;
}

void sheet_column_name(size_t index, char out[8])
{
    /* Bijective base 26: A..Z, AA..ZZ, AAA.. */
    char tmp[8];
    size_t n = 0;
    size_t v = index;
    for (;;) {
        if (n == 7) {
            out[0] = '?';
            out[1] = '\0';
            return;
        }
        tmp[n++] = (char)('A' + v % 26);
        if (v < 26) break;
        v = v / 26 - 1;
    }
    for (size_t i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
    out[n] = '\0';
}

const struct sheet *sheet_find(const struct sheet_book *b, const char *name)
{
    if (!b || !name) return NULL;
    for (size_t i = 0; i < b->count; i++)
        if (str_eq_nocase(b->sheets[i].name, name)) return &b->sheets[i];
    return NULL;
}

int sheet_read_memory(struct arena *a, const char *format, const void *data, size_t len,
                      struct sheet_book *out, struct err *e)
{
    out->sheets = NULL;
    out->count = 0;
    if (len > SHEET_MAX_BYTES)
        return err_set(e, ERR_LIMIT, "the file is larger than %zu MiB", SHEET_MAX_BYTES >> 20);
    if (!data && len) return err_set(e, ERR_INTERNAL, "no data");
    if (!data) data = "";
    if (format && str_eq_nocase(format, "xlsx")) return sheet_read_xlsx(a, data, len, out, e);
    if (format && str_eq_nocase(format, "csv")) return sheet_read_csv(a, data, len, out, e);
    if (format && str_eq_nocase(format, "md")) return sheet_read_md(a, data, len, out, e);
    return err_set(e, ERR_INVALID, "unsupported spreadsheet format \"%.20s\"; use .xlsx, .csv or .md",
                   format ? format : "");
}

static const char *format_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    if (!dot) return NULL;
    static const char *known[] = {"xlsx", "csv", "md"};
    for (size_t i = 0; i < sizeof known / sizeof *known; i++)
        if (str_eq_nocase(dot + 1, known[i])) return known[i];
    return NULL;
}

int sheet_read_file(struct arena *a, const char *path, struct sheet_book *out, struct err *e)
{
    out->sheets = NULL;
    out->count = 0;
    const char *format = format_of(path);
    if (!format) {
        const char *dot = strrchr(path, '.');
        if (dot && str_eq_nocase(dot, ".xls"))
            return err_set(e, ERR_INVALID, "old .xls files cannot be read; save the form as .xlsx");
        return err_set(e, ERR_INVALID, "%.200s: unsupported file type; use .xlsx, .csv or .md", path);
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_set(e, errno == ENOENT ? ERR_NOT_FOUND : ERR_IO, "cannot open %.200s: %s", path,
                       strerror(errno));
    char *buf = NULL;
    int rc;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        rc = err_set(e, ERR_IO, "cannot read %.200s: %s", path, strerror(errno));
        goto fail;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = err_set(e, ERR_INVALID, "%.200s is not a regular file", path);
        goto fail;
    }
    if ((unsigned long long)st.st_size > SHEET_MAX_BYTES) {
        rc = err_set(e, ERR_LIMIT, "%.200s is larger than %zu MiB", path, SHEET_MAX_BYTES >> 20);
        goto fail;
    }
    size_t size = (size_t)st.st_size, got = 0;
    buf = malloc(size ? size : 1);
    if (!buf) abort();
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            rc = err_set(e, ERR_IO, "cannot read %.200s: %s", path, strerror(errno));
            goto fail;
        }
        if (n == 0) break; /* the file shrank while we read: parse what is there */
        got += (size_t)n;
    }
    rc = sheet_read_memory(a, format, buf, got, out, e);
fail:
    free(buf);
    close(fd);
    return rc;
}

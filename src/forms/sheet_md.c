/* pyxform's markdown layout, the one its tests are written in:
 *
 *     | survey |          |       |           |
 *     |        | type     | name  | label     |
 *     |        | text     | q1    | Your name |
 *     | choices |         |       |           |
 *
 * A line whose first non-blank character is '|' is a table row; every other line is prose and is
 * ignored. A row whose first cell is non-empty starts the sheet of that name; the rest of each row
 * is a row of the current sheet. Cells are trimmed and "\|" stands for a literal pipe, as in pyxform's
 * md_table_to_ss_structure. Separator rows ("|---|---|", "| --- | :-: |") are skipped.
 *
 * Where pyxform silently drops text, this reader keeps it: text after the last pipe of a line is a
 * last cell (GitHub tables may leave off the closing pipe), and a row before any sheet name is
 * refused rather than lost. */
#include "forms/sheet.h"

#include "base/arena.h"
#include "base/err.h"
#include "base/str.h"

#include <stdbool.h>
#include <string.h>

struct md_cell {
    const char *s;
    size_t n;
};

struct md {
    struct md_cell raw[SHEET_MAX_COLUMNS + 1]; /* +1: the sheet-name column */
    const char *cells[SHEET_MAX_COLUMNS + 1];
    size_t ncells;
    size_t nseen;
};

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static struct md_cell trim(struct md_cell c)
{
    while (c.n && is_blank(c.s[0])) c.s++, c.n--;
    while (c.n && is_blank(c.s[c.n - 1])) c.n--;
    return c;
}

static int push_cell(struct md *m, const char *s, size_t n, int line, struct err *e)
{
    struct md_cell c = {s, n};
    size_t index = m->nseen++;
    if (m->ncells == index && m->ncells < sizeof m->raw / sizeof *m->raw) {
        m->raw[m->ncells++] = c;
        return 0;
    }
    /* Empty cells past the limit (a long run of "|  |") cost nothing; text there is refused. */
    if (!trim(c).n) return 0;
    return err_set(e, ERR_LIMIT, "line %d: more than %d columns", line, SHEET_MAX_COLUMNS);
}

/* Splits the text after a row's opening pipe on unescaped pipes. */
static int split_row(struct md *m, const char *s, size_t n, int line, struct err *e)
{
    m->ncells = m->nseen = 0;
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '|' || (i > 0 && s[i - 1] == '\\')) continue;
        int rc = push_cell(m, s + start, i - start, line, e);
        if (rc) return rc;
        start = i + 1;
    }
    if (trim((struct md_cell){s + start, n - start}).n) return push_cell(m, s + start, n - start, line, e);
    return 0;
}

static bool only_chars(struct md_cell c, const char *set)
{
    for (size_t i = 0; i < c.n; i++)
        if (!strchr(set, c.s[i])) return false;
    return true;
}

static bool is_separator(const struct md *m)
{
    bool pyxform = true, gfm = true; /* "|---|---|" and "| --- | :-: |" */
    for (size_t i = 0; i < m->ncells; i++) {
        struct md_cell t = trim(m->raw[i]);
        pyxform = pyxform && only_chars(m->raw[i], "-");
        gfm = gfm && t.n && only_chars(t, ":-") && memchr(t.s, '-', t.n);
    }
    return m->ncells && (pyxform || gfm);
}

static const char *cell_text(struct arena *a, struct md_cell c)
{
    c = trim(c);
    if (!c.n) return "";
    char *out = arena_alloc(a, c.n + 1), *o = out;
    for (size_t i = 0; i < c.n; i++) {
        if (c.s[i] == '\\' && i + 1 < c.n && c.s[i + 1] == '|') continue;
        *o++ = c.s[i];
    }
    *o = '\0';
    return out;
}

static int check_utf8(const struct md *m, int line, const char *sheet, struct err *e)
{
    for (size_t i = 0; i < m->ncells; i++) {
        if (str_utf8_valid(m->cells[i], strlen(m->cells[i]))) continue;
        if (i == 0)
            return err_set(e, ERR_INVALID, "line %d: the sheet name is not valid UTF-8", line);
        if (sheet)
            return err_set(e, ERR_INVALID, "sheet %.100s, line %d, cell %zu: the text is not valid "
                           "UTF-8", sheet, line, i + 1);
        return err_set(e, ERR_INVALID, "line %d, cell %zu: the text is not valid UTF-8", line, i + 1);
    }
    return 0;
}

static int add_row(struct sheet_builder *b, struct md *m, int line, struct err *e)
{
    for (size_t i = 0; i < m->ncells; i++) m->cells[i] = cell_text(b->arena, m->raw[i]);
    int rc = check_utf8(m, line, b->count ? b->sheets[b->count - 1].name : NULL, e);
    if (rc) return rc;
    if (m->cells[0][0]) {
        rc = sheet_builder_add_sheet(b, m->cells[0], e);
        if (rc) return rc;
    }
    bool empty = true;
    for (size_t i = 1; i < m->ncells && empty; i++) empty = !m->cells[i][0];
    if (empty) return 0;
    if (!b->count)
        return err_set(e, ERR_INVALID, "line %d: this row comes before any sheet name; the first "
                       "cell of a row names the sheet (| survey |)", line);
    return sheet_builder_add_row(b, line, m->cells + 1, m->ncells - 1, e);
}

int sheet_read_md(struct arena *a, const char *data, size_t len, struct sheet_book *out,
                  struct err *e)
{
    int rc = sheet_check_text(data, len, "markdown", e);
    if (rc) return rc;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        data += 3;
        len -= 3;
    }
    struct sheet_builder b;
    sheet_builder_init(&b, a);
    struct md *m = arena_alloc(a, sizeof *m); /* ~24 KB: too big for a worker's stack */
    const char *p = data, *end = data + len;
    for (int line = 1; p < end; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        const char *s = p;
        p = nl ? nl + 1 : end;
        while (s < eol && (*s == ' ' || *s == '\t')) s++;
        if (s == eol || *s != '|') continue;
        rc = split_row(m, s + 1, (size_t)(eol - s - 1), line, e);
        if (rc) return rc;
        if (!m->ncells || is_separator(m)) continue;
        rc = add_row(&b, m, line, e);
        if (rc) return rc;
    }
    sheet_builder_finish(&b, out);
    return 0;
}

/* pyxform's CSV layout: the whole workbook in one CSV file. A record whose first field is non-empty
 * starts the sheet of that name; the rest of that record and the records up to the next sheet name
 * are the sheet's rows, with the first column dropped:
 *
 *     survey,type,name,label
 *     ,text,q1,Your name
 *     choices,list_name,name,label
 *     ,yn,yes,Yes
 *
 * Fields follow RFC 4180 ("" inside quotes, newlines inside quotes, CRLF or LF). Like Python's csv
 * module, which pyxform uses, a stray quote inside an unquoted field and text after a closing quote
 * are taken literally rather than refused. */
#include "forms/sheet.h"

#include "base/arena.h"
#include "base/err.h"
#include "base/str.h"

#include <string.h>

struct csv {
    const char *p, *end;
    int line;                 /* physical line of p, 1-based */
    struct strbuf field;      /* heap: reused for every field */
    const char *fields[SHEET_MAX_COLUMNS + 1]; /* +1: the sheet-name column */
    size_t nfields;           /* fields stored in this record */
    size_t nseen;             /* fields seen, including empty ones past the limit */
};

/* Consumes one end of line (LF, CRLF or a lone CR, as Python's csv module reads them). */
static void eat_newline(struct csv *c)
{
    if (c->p < c->end && *c->p == '\r') c->p++;
    if (c->p < c->end && *c->p == '\n') c->p++;
    c->line++;
}

static int read_quoted(struct csv *c, struct err *e)
{
    int open_line = c->line;
    c->p++; /* the opening quote */
    for (;;) {
        if (c->p == c->end)
            return err_set(e, ERR_INVALID, "line %d: a quoted field is never closed (a \" without "
                           "its closing \")", open_line);
        char ch = *c->p++;
        if (ch == '"') {
            if (c->p < c->end && *c->p == '"') {
                strbuf_putc(&c->field, '"');
                c->p++;
                continue;
            }
            return 0;
        }
        if (ch == '\n' || (ch == '\r' && (c->p == c->end || *c->p != '\n'))) c->line++;
        strbuf_putc(&c->field, ch);
    }
}

static int store_field(struct csv *c, struct arena *a, int record_line, struct err *e)
{
    size_t index = c->nseen++;
    if (!c->field.len) {
        if (c->nfields < sizeof c->fields / sizeof *c->fields) c->fields[c->nfields++] = "";
        return 0;
    }
    if (c->nfields != index || c->nfields == sizeof c->fields / sizeof *c->fields)
        return err_set(e, ERR_LIMIT, "line %d: more than %d columns", record_line, SHEET_MAX_COLUMNS);
    c->fields[c->nfields++] = arena_strndup(a, c->field.data, c->field.len);
    return 0;
}

/* Reads one record into c->fields; returns 1 when there was one, 0 at the end of the input. */
static int read_record(struct csv *c, struct arena *a, int *record_line, struct err *e)
{
    if (c->p == c->end) return 0;
    *record_line = c->line;
    c->nfields = c->nseen = 0;
    for (;;) {
        strbuf_reset(&c->field);
        if (c->p < c->end && *c->p == '"') {
            int rc = read_quoted(c, e);
            if (rc) return rc;
        }
        size_t n = 0;
        while (c->p + n < c->end && c->p[n] != ',' && c->p[n] != '\n' && c->p[n] != '\r') n++;
        strbuf_append(&c->field, c->p, n);
        c->p += n;
        int rc = store_field(c, a, *record_line, e);
        if (rc) return rc;
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            continue;
        }
        if (c->p < c->end) eat_newline(c);
        return 1;
    }
}

static int check_utf8(const struct csv *c, int line, const char *sheet, struct err *e)
{
    for (size_t i = 0; i < c->nfields; i++) {
        if (str_utf8_valid(c->fields[i], strlen(c->fields[i]))) continue;
        if (i == 0)
            return err_set(e, ERR_INVALID, "line %d: the sheet name is not valid UTF-8 (save the "
                           "file as CSV UTF-8)", line);
        char col[8];
        sheet_column_name(i, col);
        if (sheet)
            return err_set(e, ERR_INVALID, "sheet %.100s, line %d, column %s: the text is not valid "
                           "UTF-8 (save the file as CSV UTF-8)", sheet, line, col);
        return err_set(e, ERR_INVALID, "line %d, column %s: the text is not valid UTF-8 (save the "
                       "file as CSV UTF-8)", line, col);
    }
    return 0;
}

int sheet_read_csv(struct arena *a, const char *data, size_t len, struct sheet_book *out,
                   struct err *e)
{
    int rc = sheet_check_text(data, len, "CSV", e);
    if (rc) return rc;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        data += 3;
        len -= 3;
    }
    struct sheet_builder b;
    sheet_builder_init(&b, a);
    struct csv c = {.p = data, .end = data + len, .line = 1};
    strbuf_init(&c.field, NULL, 256);
    int line = 0;
    while ((rc = read_record(&c, a, &line, e)) == 1) {
        rc = check_utf8(&c, line, b.count ? b.sheets[b.count - 1].name : NULL, e);
        if (rc) goto fail;
        if (c.fields[0][0]) {
            /* Names are lookup keys: "survey " typed by hand should still be the survey. */
            char *name = str_trim((char *)c.fields[0]);
            if (!*name) {
                rc = err_set(e, ERR_INVALID, "line %d: the sheet name is blank", line);
                goto fail;
            }
            rc = sheet_builder_add_sheet(&b, name, e);
            if (rc) goto fail;
        }
        bool empty = true;
        for (size_t i = 1; i < c.nfields && empty; i++) empty = !c.fields[i][0];
        if (empty) continue;
        if (!b.count) {
            rc = err_set(e, ERR_INVALID, "line %d: this row comes before any sheet name; in the CSV "
                         "layout the first column names the sheet (survey, choices, settings)", line);
            goto fail;
        }
        rc = sheet_builder_add_row(&b, line, c.fields + 1, c.nfields - 1, e);
        if (rc) goto fail;
    }
    if (rc < 0) goto fail;
    strbuf_free(&c.field);
    sheet_builder_finish(&b, out);
    return 0;
fail:
    strbuf_free(&c.field);
    return rc;
}

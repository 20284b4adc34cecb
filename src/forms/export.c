#include "forms/export.h"

#include "base/i18n.h"
#include "forms/answers.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

/* Output is gathered in a buffer and handed to the sink in pieces of about this size: few calls
 * for the CLI's fwrite and the web's append, and bounded memory whatever the export's size. */
enum { OUT_CHUNK = 64 * 1024 };

/* Excel's limits: characters in a cell, and in a worksheet's name. */
enum { XLSX_CELL_MAX = 32767, XLSX_SHEETNAME_MAX = 31 };

static const char *const meta_names[] = {"_id", "_instance_id", "_submitted_at", "_form_version", "_lang"};
enum { META_COUNT = 5 };

/* --- small text helpers -------------------------------------------------------------------------- */

/* What answers.c stores: everything but the structure and the notes. */
static bool stored(const struct form_field *fd)
{
    return fd->type != FT_GROUP && fd->type != FT_REPEAT && fd->type != FT_NOTE;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* A plain decimal number ("-12", "3.5", "1e6"): what a spreadsheet reads as a number and nothing
 * else. strtod alone would also take "0x1A", "inf" and "nan", which are not answers' numbers. */
static bool is_number(const char *s)
{
    const char *p = s;
    if (*p == '-') p++;
    size_t digits = 0;
    while (is_digit(*p)) p++, digits++;
    if (*p == '.') {
        p++;
        while (is_digit(*p)) p++, digits++;
    }
    if (!digits) return false;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (!is_digit(*p)) return false;
        while (is_digit(*p)) p++;
    }
    return *p == '\0';
}

/* OWASP's list of characters that make a spreadsheet read a cell as a formula. */
static bool needs_guard(const char *s, bool numeric)
{
    if (!s[0] || !strchr("=+-@\t\r", s[0])) return false;
    return !(numeric && is_number(s));
}

void export_csv_field(struct strbuf *sb, const char *value, bool numeric)
{
    bool guard = needs_guard(value, numeric);
    bool quote = strpbrk(value, "\",\r\n") != NULL;
    if (!quote && !guard) {
        strbuf_puts(sb, value);
        return;
    }
    if (quote) strbuf_putc(sb, '"');
    if (guard) strbuf_putc(sb, '\'');
    for (const char *p = value; *p; p++) {
        if (*p == '"') strbuf_putc(sb, '"');
        strbuf_putc(sb, *p);
    }
    if (quote) strbuf_putc(sb, '"');
}

/* Bytes of the longest prefix of s (well-formed UTF-8) that is at most max UTF-16 units, the way
 * Excel counts characters: a character outside the BMP counts twice. */
static size_t utf16_prefix(const char *s, size_t max)
{
    size_t units = 0, i = 0;
    while (s[i]) {
        unsigned char c = (unsigned char)s[i];
        size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        size_t u = n == 4 ? 2 : 1;
        if (units + u > max) break;
        units += u;
        for (size_t k = 0; k < n && s[i]; k++) i++;
    }
    return i;
}

const char *export_languages_text(struct arena *a, const struct form *f)
{
    struct strbuf sb;
    strbuf_init(&sb, a, 64);
    for (size_t i = 0; i < f->nlang; i++) {
        const struct form_language *l = &f->languages[i];
        if (i) strbuf_puts(&sb, ", ");
        strbuf_puts(&sb, l->code);
        if (l->name && *l->name && strcmp(l->name, l->code) != 0) strbuf_printf(&sb, " (%s)", l->name);
    }
    return sb.data;
}

const char *export_sheet_name(struct arena *a, const char *name, const char *const *taken, size_t n)
{
    char *base = arena_strdup(a, name && *name ? name : "sheet");
    for (char *p = base; *p; p++)
        if (strchr("[]:*?/\\", *p)) *p = '_';
    /* Excel refuses a name that begins or ends with an apostrophe. */
    if (base[0] == '\'') base[0] = '_';
    base[utf16_prefix(base, XLSX_SHEETNAME_MAX)] = '\0';
    size_t len = strlen(base);
    if (len && base[len - 1] == '\'') base[len - 1] = '_';
    const char *candidate = base;
    for (int k = 2;; k++) {
        bool clash = str_eq_nocase(candidate, "History"); /* Excel keeps that name for itself */
        for (size_t i = 0; i < n && !clash; i++) clash = str_eq_nocase(taken[i], candidate);
        if (!clash) return candidate;
        char suffix[16];
        int sl = snprintf(suffix, sizeof suffix, "~%d", k);
        size_t keep = utf16_prefix(base, XLSX_SHEETNAME_MAX - (size_t)sl);
        candidate = arena_printf(a, "%.*s%s", (int)keep, base, suffix);
    }
}

/* --- the plan ------------------------------------------------------------------------------------ */

static bool numeric_type(enum form_type t)
{
    return t == FT_INTEGER || t == FT_DECIMAL || t == FT_RANGE;
}

/* --- pseudonymised exports ---------------------------------------------------------------------- */

struct reads_personal {
    const struct form *f;
    int depth;
    bool found;
};

static bool personal_at(const struct form *f, const struct form_field *fd, int depth);

static void on_ref(void *ctx, const char *name, int pos)
{
    (void)pos;
    struct reads_personal *r = ctx;
    const struct form_field *ref = form_field_by_name(r->f, name);
    if (!r->found && ref && personal_at(r->f, ref, r->depth + 1)) r->found = true;
}

/* The importer refuses calculation cycles; the depth bound only keeps a damaged form finite. */
static bool personal_at(const struct form *f, const struct form_field *fd, int depth)
{
    if (fd->personal || fd->type == FT_USERNAME) return true;
    if (fd->type != FT_CALCULATE || !fd->calculation || depth > 32) return false;
    struct reads_personal r = {f, depth, false};
    expr_foreach_ref(fd->calculation, on_ref, &r);
    return r.found;
}

bool export_field_personal(const struct form *f, const struct form_field *fd)
{
    return personal_at(f, fd, 0);
}

/* The value a pseudonymised export shows for an id. */
static const char *pseudo(const struct export_plan *p, struct arena *a, const char *id)
{
    if (!p->opt.pseudonymise || !id || !*id) return id;
    char *out = arena_alloc(a, PSEUDONYM_TEXT_SIZE);
    pseudonym_of(p->key, id, out);
    return out;
}

static size_t choice_columns(const struct form_field *fd)
{
    if (fd->type != FT_SELECT_MULTIPLE) return 0;
    return (fd->list ? fd->list->count : 0) + (form_field_adds_other(fd) ? 1 : 0);
}

static void add_column(struct export_table *t, const char *name, enum export_col_kind kind,
                       const struct form_field *fd, const char *choice, bool numeric)
{
    t->columns[t->ncolumns++] = (struct export_column){name, kind, fd, choice, numeric};
}

static void plan_columns(struct arena *a, struct export_table *t)
{
    size_t n = t->repeat ? 2 : META_COUNT;
    for (size_t i = 0; i < t->nfields; i++) n += 1 + choice_columns(t->fields[i]);
    t->columns = arena_calloc(a, n, sizeof *t->columns);
    if (t->repeat) {
        add_column(t, "_parent_id", EXPORT_COL_PARENT_ID, NULL, NULL, false);
        add_column(t, "_index", EXPORT_COL_INDEX, NULL, NULL, true);
    } else {
        for (int k = 0; k < META_COUNT; k++)
            add_column(t, meta_names[k], (enum export_col_kind)(EXPORT_COL_ID + k), NULL, NULL, false);
    }
    for (size_t i = 0; i < t->nfields; i++) {
        const struct form_field *fd = t->fields[i];
        add_column(t, fd->path, EXPORT_COL_FIELD, fd, NULL, numeric_type(fd->type));
        if (fd->type != FT_SELECT_MULTIPLE) continue;
        for (size_t c = 0; fd->list && c < fd->list->count; c++) {
            const char *v = fd->list->choices[c].value;
            add_column(t, arena_printf(a, "%s/%s", fd->path, v), EXPORT_COL_CHOICE, fd, v, true);
        }
        if (form_field_adds_other(fd))
            add_column(t, arena_printf(a, "%s/other", fd->path), EXPORT_COL_CHOICE, fd, "other", true);
    }
}

int export_plan_build(struct arena *a, const struct form *f, const struct export_options *opt,
                      struct export_plan *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    out->form = f;
    if (opt) out->opt = *opt;
    out->lang = f->default_lang;
    if (opt && opt->lang && *opt->lang) {
        int li = form_language_index(f, opt->lang);
        if (li < 0)
            return err_set(e, ERR_INVALID, "the form '%s' has no language '%s'; its languages are: %s",
                           f->form_id, opt->lang, export_languages_text(a, f));
        out->lang = (size_t)li;
    }

    size_t nt = 1;
    for (size_t i = 0; i < f->nfields; i++)
        if (f->fields[i].type == FT_REPEAT) nt++;
    struct export_table *tables = arena_calloc(a, nt, sizeof *tables);
    tables[0].name = "submissions";
    for (size_t i = 0, k = 1; i < f->nfields; i++) {
        if (f->fields[i].type != FT_REPEAT) continue;
        tables[k].name = f->fields[i].name;
        tables[k++].repeat = &f->fields[i];
    }

    /* Which table each field's answers go to: its nearest repeat's, else the main one. Repeats
     * inside repeats get a table, but answers (forms/answers.h) never hold one, so it stays empty. */
    size_t *table_of = arena_alloc(a, (f->nfields ? f->nfields : 1) * sizeof *table_of);
    size_t *slot_of = arena_calloc(a, f->nfields ? f->nfields : 1, sizeof *slot_of);
    bool *left_out = arena_calloc(a, f->nfields ? f->nfields : 1, sizeof *left_out);
    for (size_t i = 0; i < f->nfields; i++) {
        const struct form_field *fd = &f->fields[i];
        table_of[i] = SIZE_MAX;
        left_out[i] = out->opt.pseudonymise && export_field_personal(f, fd);
        if (!stored(fd) || left_out[i]) continue;
        const struct form_field *r = form_field_repeat(fd);
        size_t t = 0;
        for (size_t k = 1; r && k < nt; k++)
            if (tables[k].repeat == r) t = k;
        table_of[i] = t;
        slot_of[i] = tables[t].nfields++;
    }
    for (size_t t = 0; t < nt; t++) {
        tables[t].fields = arena_calloc(a, tables[t].nfields ? tables[t].nfields : 1, sizeof *tables[t].fields);
        tables[t].nfields = 0;
    }
    for (size_t i = 0; i < f->nfields; i++)
        if (table_of[i] != SIZE_MAX) tables[table_of[i]].fields[tables[table_of[i]].nfields++] = &f->fields[i];
    for (size_t t = 0; t < nt; t++) plan_columns(a, &tables[t]);

    out->tables = tables;
    out->ntables = nt;
    out->table_of = table_of;
    out->slot_of = slot_of;
    out->left_out = left_out;
    return 0;
}

int export_table_index(const struct export_plan *p, const char *repeat_name)
{
    for (size_t t = 1; repeat_name && t < p->ntables; t++)
        if (strcmp(p->tables[t].name, repeat_name) == 0) return (int)t;
    return -1;
}

/* --- buffered output ----------------------------------------------------------------------------- */

struct out {
    const struct export_sink *sink;
    struct strbuf buf;   /* heap: it lives across the per-row arena resets */
    bool failed;
};

static void out_init(struct out *o, const struct export_sink *sink)
{
    o->sink = sink;
    o->failed = false;
    strbuf_init(&o->buf, NULL, OUT_CHUNK + 4096);
}

static int out_flush(struct out *o)
{
    if (o->buf.len && !o->failed && o->sink->write(o->sink->ctx, o->buf.data, o->buf.len) != 0) o->failed = true;
    strbuf_reset(&o->buf);
    return o->failed ? -1 : 0;
}

static int out_maybe_flush(struct out *o)
{
    return o->buf.len >= OUT_CHUNK ? out_flush(o) : (o->failed ? -1 : 0);
}

static int write_failed(struct err *e)
{
    return err_set(e, ERR_IO, "the export could not be written");
}

/* --- reading the answer sets --------------------------------------------------------------------- */

/* One statement for the whole export: the current revision of every submitted answer set, all
 * versions of the form, with the version's text. */
static const char sql_rows[] =
    "SELECT s.id, s.instance_id, s.submitted_at, v.version, s.lang, s.answers"
    " FROM submissions s JOIN form_versions v ON v.id = s.form_version_id"
    " WHERE s.form_id = ? AND s.status = 'submitted' AND s.is_current = 1"
    " ORDER BY s.submitted_at, s.id";

struct row {
    const char *meta[META_COUNT]; /* as meta_names */
    const char *answers;
    size_t answers_len;
};

/* Calls fn for each answer set. Everything fn allocates goes in a, which is reset before the next
 * row: that is what keeps an export of a million answer sets in bounded memory. */
static int each_row(struct store *st, struct export_plan *p,
                    int (*fn)(void *ctx, const struct row *r, struct arena *a, struct err *e), void *ctx,
                    struct err *e)
{
    p->submissions = p->unreadable = 0;
    for (size_t t = 0; t < p->ntables; t++) p->tables[t].rows = 0;
    if (p->opt.pseudonymise && pseudonym_key(st, p->key, e) < 0) return -1;
    struct store_stmt *s = store_prepare(st, sql_rows, e);
    if (!s) return -1;
    store_bind_text(s, 1, p->form->form_id);
    struct arena a;
    arena_init(&a, 64 * 1024);
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        arena_reset(&a);
        struct row r;
        for (int k = 0; k < META_COUNT; k++) r.meta[k] = store_col_text(s, k);
        r.answers = store_col_text(s, META_COUNT);
        r.answers_len = strlen(r.answers);
        if (fn(ctx, &r, &a, e) < 0) {
            rc = -1;
            break;
        }
        p->submissions++;
        if (p->opt.progress && p->opt.progress_every && p->submissions % p->opt.progress_every == 0)
            p->opt.progress(p->opt.progress_ctx, p->submissions);
    }
    store_done(s);
    arena_free(&a);
    return rc < 0 ? -1 : 0;
}

/* --- rows into cells (CSV and XLSX) -------------------------------------------------------------- */

struct cell {
    const char *text;    /* "" when empty */
    bool number;         /* a number column holding a well-formed number */
};

/* The answers of one answer set laid out per table: vals[t][(instance - 1) * nfields + slot]. */
struct layout {
    const char ***vals;
    int *counts;
};

static void lay_out(struct export_plan *p, struct arena *a, const struct row *r, struct layout *l)
{
    struct err e;
    err_clear(&e);
    /* Not strict: answers to fields the latest version no longer has are simply left out. */
    struct answers *ans = answers_from_json(a, p->form, r->answers, r->answers_len, false, &e);
    if (!ans) p->unreadable++;
    l->vals = arena_calloc(a, p->ntables, sizeof *l->vals);
    l->counts = arena_calloc(a, p->ntables, sizeof *l->counts);
    for (size_t t = 0; t < p->ntables; t++) {
        int c = t == 0 ? 1 : ans ? answers_repeat_count(ans, p->tables[t].repeat->name) : 0;
        l->counts[t] = c < 0 ? 0 : c;
        size_t cells = (size_t)l->counts[t] * p->tables[t].nfields;
        l->vals[t] = arena_calloc(a, cells ? cells : 1, sizeof **l->vals);
    }
    for (size_t i = 0; ans && i < ans->count; i++) {
        const struct answer *an = &ans->items[i];
        const struct form_field *fd = form_field_by_name(p->form, an->name);
        if (!fd || p->table_of[fd->index] == SIZE_MAX) continue;
        size_t t = p->table_of[fd->index];
        if (t == 0 ? an->instance != 0 : (an->instance < 1 || an->instance > l->counts[t])) continue;
        size_t row = t == 0 ? 0 : (size_t)an->instance - 1;
        l->vals[t][row * p->tables[t].nfields + p->slot_of[fd->index]] = an->value;
    }
}

static const char *other_label(const struct export_plan *p)
{
    const struct i18n_lang *ui = i18n_find(p->form->languages[p->lang].code);
    return i18n_get(ui ? ui : i18n_default(), N_("Other"));
}

static const char *choice_label(const struct export_plan *p, const struct form_field *fd, const char *value)
{
    const struct form_choice *c = form_choice_by_value(fd->list, value);
    if (c) {
        const char *label = form_text(p->form, c->label, p->lang);
        return *label ? label : value;
    }
    if (fd->or_other && strcmp(value, "other") == 0) return other_label(p);
    return value; /* a choice the latest version no longer has: its value is all there is */
}

/* The text of an answer as the export shows it: the value, or with labels the choices' labels
 * (several joined by "; ", since labels hold spaces and commas more often than semicolons). */
static const char *field_text(const struct export_plan *p, struct arena *a, const struct form_field *fd,
                              const char *v)
{
    if (!v || !*v) return "";
    if (!p->opt.labels || (!fd->list && !fd->or_other)) return v;
    if (fd->type == FT_SELECT_ONE) return choice_label(p, fd, v);
    if (fd->type != FT_SELECT_MULTIPLE && fd->type != FT_RANK) return v;
    struct strbuf sb;
    strbuf_init(&sb, a, 64);
    const char *cur = v, *one;
    size_t len;
    while (answers_next_value(&cur, &one, &len)) {
        if (sb.len) strbuf_puts(&sb, "; ");
        strbuf_puts(&sb, choice_label(p, fd, arena_strndup(a, one, len)));
    }
    return sb.data;
}

static void fill_cells(const struct export_plan *p, struct arena *a, const struct row *r, size_t t,
                       const char **vals, int index, struct cell *cells)
{
    const struct export_table *tb = &p->tables[t];
    for (size_t c = 0; c < tb->ncolumns; c++) {
        const struct export_column *col = &tb->columns[c];
        const char *v = "";
        switch (col->kind) {
        case EXPORT_COL_ID: case EXPORT_COL_INSTANCE_ID:
            v = pseudo(p, a, r->meta[col->kind - EXPORT_COL_ID]);
            break;
        case EXPORT_COL_SUBMITTED_AT: case EXPORT_COL_FORM_VERSION: case EXPORT_COL_LANG:
            v = r->meta[col->kind - EXPORT_COL_ID];
            break;
        case EXPORT_COL_PARENT_ID: v = pseudo(p, a, r->meta[0]); break;
        case EXPORT_COL_INDEX: v = arena_printf(a, "%d", index); break;
        case EXPORT_COL_FIELD:
            v = field_text(p, a, col->field, vals[p->slot_of[col->field->index]]);
            if (col->field->type == FT_INSTANCE_ID) v = pseudo(p, a, v);
            break;
        case EXPORT_COL_CHOICE: {
            const char *sel = vals[p->slot_of[col->field->index]];
            v = !sel || !*sel ? "" : answers_has_value(sel, col->choice, strlen(col->choice)) ? "1" : "0";
            break;
        }
        }
        cells[c] = (struct cell){v, col->numeric && is_number(v)};
    }
}

/* Lays out one answer set and hands each of its rows, table by table, to emit. Tables for which
 * wanted[t] is false are skipped; wanted NULL: every table. */
typedef int (*emit_fn)(void *ctx, size_t t, const struct cell *cells, struct err *e);

static int table_rows(struct export_plan *p, struct arena *a, const struct row *r, const bool *wanted,
                      emit_fn emit, void *ctx, struct err *e)
{
    struct layout l;
    lay_out(p, a, r, &l);
    for (size_t t = 0; t < p->ntables; t++) {
        if (wanted && !wanted[t]) continue;
        struct export_table *tb = &p->tables[t];
        struct cell *cells = arena_alloc(a, (tb->ncolumns ? tb->ncolumns : 1) * sizeof *cells);
        for (int k = 0; k < l.counts[t]; k++) {
            fill_cells(p, a, r, t, l.vals[t] + (size_t)k * tb->nfields, k + 1, cells);
            if (emit(ctx, t, cells, e) < 0) return -1;
            tb->rows++;
        }
    }
    return 0;
}

/* --- CSV ----------------------------------------------------------------------------------------- */

struct csv {
    struct export_plan *p;
    struct out *outs;    /* per table; sink NULL: skipped */
    bool *wanted;
};

static int csv_emit(void *ctx, size_t t, const struct cell *cells, struct err *e)
{
    struct csv *c = ctx;
    struct out *o = &c->outs[t];
    const struct export_table *tb = &c->p->tables[t];
    for (size_t i = 0; i < tb->ncolumns; i++) {
        if (i) strbuf_putc(&o->buf, ',');
        export_csv_field(&o->buf, cells[i].text, tb->columns[i].numeric);
    }
    strbuf_puts(&o->buf, "\r\n");
    return out_maybe_flush(o) < 0 ? write_failed(e) : 0;
}

static int csv_row(void *ctx, const struct row *r, struct arena *a, struct err *e)
{
    struct csv *c = ctx;
    return table_rows(c->p, a, r, c->wanted, csv_emit, c, e);
}

int export_csv(struct store *st, struct export_plan *p, const struct export_sink *sinks, struct err *e)
{
    struct out *outs = calloc(p->ntables, sizeof *outs);
    bool *wanted = calloc(p->ntables, sizeof *wanted);
    if (!outs || !wanted) abort();
    for (size_t t = 0; t < p->ntables; t++) {
        wanted[t] = sinks[t].write != NULL;
        if (!wanted[t]) continue;
        out_init(&outs[t], &sinks[t]);
        if (!p->opt.no_bom) strbuf_puts(&outs[t].buf, "\xEF\xBB\xBF");
        for (size_t i = 0; i < p->tables[t].ncolumns; i++) {
            if (i) strbuf_putc(&outs[t].buf, ',');
            export_csv_field(&outs[t].buf, p->tables[t].columns[i].name, false);
        }
        strbuf_puts(&outs[t].buf, "\r\n");
    }
    struct csv c = {p, outs, wanted};
    int rc = each_row(st, p, csv_row, &c, e);
    for (size_t t = 0; t < p->ntables; t++) {
        if (!wanted[t]) continue;
        if (rc == 0 && out_flush(&outs[t]) < 0) rc = write_failed(e);
        strbuf_free(&outs[t].buf);
    }
    free(outs);
    free(wanted);
    return rc;
}

/* --- XLSX ---------------------------------------------------------------------------------------- */

struct xlsx {
    struct export_plan *p;
    lxw_worksheet **ws;
    lxw_row_t *next;     /* per table: the row the next answer set's row goes to */
    struct arena *a;     /* the current row's arena, for guarded and cut strings */
};

static int lxw_failed(struct err *e, lxw_error le)
{
    return err_set(e, ERR_INTERNAL, "the XLSX file could not be made: %s", lxw_strerror(le));
}

static bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

static bool at_escape(const char *p)
{
    return p[0] == '_' && p[1] == 'x' && is_hex(p[2]) && is_hex(p[3]) && is_hex(p[4]) && is_hex(p[5]) && p[6] == '_';
}

/* Text that happens to look like OOXML's "_xHHHH_" escape (which libxlsxwriter uses for control
 * characters) would be decoded by Excel into another character: its '_' is escaped as "_x005F_". */
static const char *escape_ooxml(struct arena *a, const char *s)
{
    const char *p = strstr(s, "_x");
    while (p && !at_escape(p)) p = strstr(p + 1, "_x");
    if (!p) return s;
    struct strbuf sb;
    strbuf_init(&sb, a, strlen(s) + 16);
    for (p = s; *p; p++) {
        if (at_escape(p)) strbuf_puts(&sb, "_x005F");
        strbuf_putc(&sb, *p);
    }
    return sb.data;
}

static int xlsx_cell(struct xlsx *x, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const struct cell *c,
                     struct err *e)
{
    if (!c->text[0]) return 0;
    lxw_error le;
    double d = c->number ? strtod(c->text, NULL) : 0;
    if (c->number && isfinite(d)) {
        le = worksheet_write_number(ws, row, col, d, NULL);
    } else {
        const char *s = c->text;
        if (needs_guard(s, false)) s = arena_printf(x->a, "'%s", s);
        size_t keep = utf16_prefix(s, XLSX_CELL_MAX);
        if (s[keep]) s = arena_strndup(x->a, s, keep); /* Excel's limit for a cell; CSV keeps it all */
        le = worksheet_write_string(ws, row, col, escape_ooxml(x->a, s), NULL);
    }
    return le == LXW_NO_ERROR ? 0 : lxw_failed(e, le);
}

static int xlsx_emit(void *ctx, size_t t, const struct cell *cells, struct err *e)
{
    struct xlsx *x = ctx;
    if (x->next[t] >= LXW_ROW_MAX)
        return err_set(e, ERR_LIMIT, "the sheet '%s' would need more than %d rows, Excel's limit: export as CSV instead",
                       x->p->tables[t].name, LXW_ROW_MAX - 1);
    lxw_row_t row = x->next[t]++;
    for (size_t c = 0; c < x->p->tables[t].ncolumns; c++)
        if (xlsx_cell(x, x->ws[t], row, (lxw_col_t)c, &cells[c], e) < 0) return -1;
    return 0;
}

static int xlsx_row(void *ctx, const struct row *r, struct arena *a, struct err *e)
{
    struct xlsx *x = ctx;
    x->a = a;
    return table_rows(x->p, a, r, NULL, xlsx_emit, x, e);
}

static int xlsx_sheets(lxw_workbook *wb, struct export_plan *p, struct xlsx *x, struct arena *a, struct err *e)
{
    lxw_format *bold = workbook_add_format(wb);
    format_set_bold(bold);
    const char **names = arena_calloc(a, p->ntables, sizeof *names);
    for (size_t t = 0; t < p->ntables; t++) {
        const struct export_table *tb = &p->tables[t];
        names[t] = export_sheet_name(a, tb->name, names, t);
        x->ws[t] = workbook_add_worksheet(wb, names[t]);
        if (!x->ws[t]) return err_set(e, ERR_INTERNAL, "the XLSX file could not be made: sheet '%s'", names[t]);
        for (size_t c = 0; c < tb->ncolumns; c++) {
            /* Wide enough for the header, within reason: the answers below vary too much to measure. */
            size_t w = strlen(tb->columns[c].name) + 2;
            worksheet_set_column(x->ws[t], (lxw_col_t)c, (lxw_col_t)c, (double)(w < 10 ? 10 : w > 40 ? 40 : w), NULL);
            lxw_error le = worksheet_write_string(x->ws[t], 0, (lxw_col_t)c, tb->columns[c].name, bold);
            if (le != LXW_NO_ERROR) return lxw_failed(e, le);
        }
        worksheet_freeze_panes(x->ws[t], 1, 0);
        x->next[t] = 1;
    }
    return 0;
}

/* Streams the finished file at fd to out. */
static int send_file(int fd, const struct export_sink *out, struct err *e)
{
    if (lseek(fd, 0, SEEK_SET) < 0) return err_set(e, ERR_IO, "the XLSX file could not be read back: %s", strerror(errno));
    char *buf = malloc(OUT_CHUNK);
    if (!buf) abort();
    int rc = 0;
    for (;;) {
        ssize_t n = read(fd, buf, OUT_CHUNK);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            rc = err_set(e, ERR_IO, "the XLSX file could not be read back: %s", strerror(errno));
            break;
        }
        if (n == 0) break;
        if (out->write(out->ctx, buf, (size_t)n) != 0) {
            rc = write_failed(e);
            break;
        }
    }
    free(buf);
    return rc;
}

int export_xlsx(struct store *st, struct export_plan *p, const struct export_sink *out, struct err *e)
{
    for (size_t t = 0; t < p->ntables; t++)
        if (p->tables[t].ncolumns > LXW_COL_MAX)
            return err_set(e, ERR_LIMIT, "the sheet '%s' would need %zu columns, more than Excel's %d: export as CSV instead",
                           p->tables[t].name, p->tables[t].ncolumns, LXW_COL_MAX);
    /* libxlsxwriter writes files, not streams: a private temporary file, removed whatever happens. */
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir) dir = "/tmp";
    struct arena a;
    arena_init(&a, 16 * 1024);
    char *path = arena_printf(&a, "%s/edubridge-export-XXXXXX", dir);
    int fd = mkstemp(path);
    if (fd < 0) {
        int rc = err_set(e, ERR_IO, "cannot create a temporary file in %s: %s", dir, strerror(errno));
        arena_free(&a);
        return rc;
    }
    /* Constant memory: each row goes to disk once the next begins, so a sheet of a million rows
     * costs no more memory than one of ten (its strings are written inline, not shared). */
    lxw_workbook_options o = {.constant_memory = LXW_TRUE, .tmpdir = (char *)dir, .use_zip64 = LXW_FALSE};
    lxw_workbook *wb = workbook_new_opt(path, &o);
    int rc;
    if (!wb) {
        rc = err_set(e, ERR_IO, "the XLSX file could not be started in %s", dir);
        goto done;
    }
    struct xlsx x = {p, arena_calloc(&a, p->ntables, sizeof *x.ws), arena_calloc(&a, p->ntables, sizeof *x.next), NULL};
    rc = xlsx_sheets(wb, p, &x, &a, e);
    if (rc == 0) rc = each_row(st, p, xlsx_row, &x, e);
    lxw_error le = workbook_close(wb); /* also frees it, on success or not */
    if (rc == 0 && le != LXW_NO_ERROR) rc = lxw_failed(e, le);
    if (rc == 0) rc = send_file(fd, out, e);
done:
    close(fd);
    unlink(path);
    arena_free(&a);
    return rc;
}

/* --- JSON ---------------------------------------------------------------------------------------- */

struct json_ctx {
    struct export_plan *p;
    struct out o;
};

static int json_piece(const char *buffer, size_t size, void *data)
{
    struct out *o = data;
    strbuf_append(&o->buf, buffer, size);
    return 0;
}

static json_t *jstr(const char *s)
{
    json_t *v = json_string(s);
    return v ? v : json_string("");
}

/* A pseudonymised export's answers: personal keys dropped (inside repeats too), instanceID
 * answers replaced by their pseudonyms. Names the latest version does not know are kept, as they
 * are in a full export: no form marks them personal. */
static void pseudonymise_answers(const struct export_plan *p, struct arena *a, json_t *obj)
{
    const char *name;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(obj, tmp, name, v) {
        const struct form_field *fd = form_field_by_name(p->form, name);
        if (!fd) continue;
        if (p->left_out[fd->index]) {
            json_object_del(obj, name);
        } else if (fd->type == FT_INSTANCE_ID && json_is_string(v)) {
            json_object_set_new(obj, name, jstr(pseudo(p, a, json_string_value(v))));
        } else if (fd->type == FT_REPEAT && json_is_array(v)) {
            size_t i;
            json_t *item;
            json_array_foreach(v, i, item) if (json_is_object(item)) pseudonymise_answers(p, a, item);
        }
    }
}

static int json_row(void *ctx, const struct row *r, struct arena *a, struct err *e)
{
    struct json_ctx *c = ctx;
    strbuf_puts(&c->o.buf, c->p->submissions ? ",\n" : "\n");
    json_t *obj = json_object();
    for (int k = 0; k < META_COUNT; k++)
        json_object_set_new(obj, meta_names[k], jstr(k < 2 ? pseudo(c->p, a, r->meta[k]) : r->meta[k]));
    /* The stored object as it is: parsed only to be sure the output stays valid JSON. */
    json_t *answers = json_loadb(r->answers, r->answers_len, 0, NULL);
    if (!answers || !json_is_object(answers)) {
        json_decref(answers);
        answers = json_null();
        c->p->unreadable++;
    } else if (c->p->opt.pseudonymise) {
        pseudonymise_answers(c->p, a, answers);
    }
    json_object_set_new(obj, "answers", answers);
    json_dump_callback(obj, json_piece, &c->o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(obj);
    return out_maybe_flush(&c->o) < 0 ? write_failed(e) : 0;
}

int export_json(struct store *st, struct export_plan *p, const struct export_sink *out, struct err *e)
{
    struct json_ctx c = {.p = p};
    out_init(&c.o, out);
    strbuf_putc(&c.o.buf, '[');
    int rc = each_row(st, p, json_row, &c, e);
    if (rc == 0) {
        strbuf_puts(&c.o.buf, "\n]\n");
        if (out_flush(&c.o) < 0) rc = write_failed(e);
    }
    strbuf_free(&c.o.buf);
    return rc;
}

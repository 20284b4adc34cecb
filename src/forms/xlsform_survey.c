/* xlsform_survey: the survey sheet, row by row, into fields; begin/end rows into the group tree;
 * select types linked to their choice lists. Checks that need the whole form (names, references,
 * cycles) wait for xlsform_check.c, so that a row is judged against every other row. */
#define XLSFORM_INTERNAL
#include "forms/xlsform.h"

#include "base/arena.h"
#include "base/i18n.h"
#include "base/str.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* --- types ------------------------------------------------------------------------------------- */

enum tkind {
    TY_FIELD,        /* an ordinary type */
    TY_PHONE_META,   /* phone metadata a web form cannot collect: kept as hidden, with a warning */
    TY_UNSUPPORTED,
    TY_BEGIN_GROUP, TY_END_GROUP, TY_BEGIN_REPEAT, TY_END_REPEAT,
    TY_SELECT,
    TY_UNKNOWN,
    TY_BAD_SELECT,   /* a select written wrong: message in why */
};

struct tword {
    const char *word; /* lower case, single spaces */
    enum tkind kind;
    enum form_type type;
};

static const struct tword types[] = {
    {"text", TY_FIELD, FT_TEXT}, {"string", TY_FIELD, FT_TEXT},
    {"integer", TY_FIELD, FT_INTEGER}, {"int", TY_FIELD, FT_INTEGER},
    {"decimal", TY_FIELD, FT_DECIMAL},
    {"range", TY_FIELD, FT_RANGE},
    {"note", TY_FIELD, FT_NOTE},
    {"acknowledge", TY_FIELD, FT_ACKNOWLEDGE}, {"trigger", TY_FIELD, FT_ACKNOWLEDGE},
    {"date", TY_FIELD, FT_DATE},
    {"time", TY_FIELD, FT_TIME},
    {"datetime", TY_FIELD, FT_DATETIME}, {"date time", TY_FIELD, FT_DATETIME},
    {"calculate", TY_FIELD, FT_CALCULATE},
    {"hidden", TY_FIELD, FT_HIDDEN},
    {"geopoint", TY_FIELD, FT_GEOPOINT}, {"gps", TY_FIELD, FT_GEOPOINT},
    {"location", TY_FIELD, FT_GEOPOINT},
    {"image", TY_FIELD, FT_IMAGE}, {"photo", TY_FIELD, FT_IMAGE},
    {"file", TY_FIELD, FT_FILE},
    {"start", TY_FIELD, FT_START},
    {"end", TY_FIELD, FT_END},
    {"today", TY_FIELD, FT_TODAY},
    {"username", TY_FIELD, FT_USERNAME},
    {"instanceid", TY_FIELD, FT_INSTANCE_ID},
    {"deviceid", TY_PHONE_META, FT_HIDDEN}, {"imei", TY_PHONE_META, FT_HIDDEN},
    {"phonenumber", TY_PHONE_META, FT_HIDDEN}, {"simserial", TY_PHONE_META, FT_HIDDEN},
    {"subscriberid", TY_PHONE_META, FT_HIDDEN}, {"email", TY_PHONE_META, FT_HIDDEN},
    {"audit", TY_PHONE_META, FT_HIDDEN},
    {"begin group", TY_BEGIN_GROUP, FT_GROUP}, {"begin_group", TY_BEGIN_GROUP, FT_GROUP},
    {"end group", TY_END_GROUP, FT_GROUP}, {"end_group", TY_END_GROUP, FT_GROUP},
    {"begin repeat", TY_BEGIN_REPEAT, FT_REPEAT}, {"begin_repeat", TY_BEGIN_REPEAT, FT_REPEAT},
    {"end repeat", TY_END_REPEAT, FT_REPEAT}, {"end_repeat", TY_END_REPEAT, FT_REPEAT},
};

/* XLSForm types edubridge refuses, by their first word; docs/forms.md lists them. */
static const char *const unsupported[] = {
    "geotrace", "geoshape", "audio", "video", "barcode", "xml-external", "csv-external",
    "background-audio", "background-geopoint", "start-geopoint", "osm", "select_one_from_file",
    "select_multiple_from_file", "select_one_external", "select_multiple_external",
    "begin_looped_group", "begin looped group",
};

struct selcmd {
    const char *words; /* lower case, single spaces */
    enum form_type type;
    bool supported;
};

/* Longest spellings first, so that "select one from file x" is not read as list "from". */
static const struct selcmd selects[] = {
    {"select all that apply from", FT_SELECT_MULTIPLE, true},
    {"select multiple from file", FT_SELECT_MULTIPLE, false},
    {"select one from file", FT_SELECT_ONE, false},
    {"select all that apply", FT_SELECT_MULTIPLE, true},
    {"select one external", FT_SELECT_ONE, false},
    {"select multiple from", FT_SELECT_MULTIPLE, true},
    {"select one from", FT_SELECT_ONE, true},
    {"select multiple", FT_SELECT_MULTIPLE, true},
    {"select one", FT_SELECT_ONE, true},
    {"select_one_from_file", FT_SELECT_ONE, false},
    {"select_multiple_from_file", FT_SELECT_MULTIPLE, false},
    {"select_one_external", FT_SELECT_ONE, false},
    {"select_one", FT_SELECT_ONE, true},
    {"select1", FT_SELECT_ONE, true},
    {"select_multiple", FT_SELECT_MULTIPLE, true},
    {"rank", FT_RANK, true},
};

struct tparse {
    enum tkind kind;
    enum form_type type;
    const char *list;   /* TY_SELECT */
    bool or_other;
    const char *why;    /* TY_BAD_SELECT, TY_UNSUPPORTED: the type word as meant */
};

#define MAX_TYPE_WORDS 8

/* Splits on white space; at most max words, the count of all words returned. */
static size_t split_words(struct arena *a, const char *s, const char **w, size_t max)
{
    size_t n = 0;
    while (*s) {
        while (*s && isspace((unsigned char)*s)) s++;
        if (!*s) break;
        const char *start = s;
        while (*s && !isspace((unsigned char)*s)) s++;
        if (n < max) w[n] = arena_strndup(a, start, (size_t)(s - start));
        n++;
    }
    return n;
}

/* Whether words w[0..] start with the space-separated lower-case spelling; its word count in *n. */
static bool words_match(const char *const *w, size_t nw, const char *spelling, size_t *n)
{
    size_t k = 0;
    const char *p = spelling;
    while (*p) {
        size_t len = strcspn(p, " ");
        if (k >= nw || strlen(w[k]) != len || strncasecmp(w[k], p, len) != 0) return false;
        k++;
        p += len;
        if (*p == ' ') p++;
    }
    *n = k;
    return true;
}

static void parse_select(const char *const *w, size_t nw, const struct selcmd *c, size_t used,
                         struct tparse *t)
{
    t->type = c->type;
    t->why = c->words;
    if (!c->supported) {
        t->kind = TY_UNSUPPORTED;
        return;
    }
    if (used >= nw) {
        t->kind = TY_BAD_SELECT;
        return;
    }
    t->kind = TY_SELECT;
    t->list = w[used++];
    size_t n;
    if (used == nw) return;
    if (c->type != FT_RANK && (words_match(w + used, nw - used, "or_other", &n) ||
                               words_match(w + used, nw - used, "or other", &n) ||
                               words_match(w + used, nw - used, "or specify other", &n)) &&
        used + n == nw) {
        t->or_other = true;
        return;
    }
    t->kind = TY_BAD_SELECT;
}

static void parse_type(struct arena *a, const char *type, struct tparse *t)
{
    *t = (struct tparse){.kind = TY_UNKNOWN};
    const char *w[MAX_TYPE_WORDS];
    size_t nw = split_words(a, type, w, MAX_TYPE_WORDS);
    if (nw > MAX_TYPE_WORDS) return;
    for (size_t i = 0; i < sizeof selects / sizeof *selects; i++) {
        size_t used;
        if (words_match(w, nw, selects[i].words, &used)) {
            parse_select(w, nw, &selects[i], used, t);
            return;
        }
    }
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        size_t used;
        if (words_match(w, nw, types[i].word, &used) && used == nw) {
            t->kind = types[i].kind;
            t->type = types[i].type;
            return;
        }
    }
    for (size_t i = 0; i < sizeof unsupported / sizeof *unsupported; i++) {
        size_t used;
        if (words_match(w, nw, unsupported[i], &used)) {
            t->kind = TY_UNSUPPORTED;
            t->why = unsupported[i];
            return;
        }
    }
}

/* --- rows -------------------------------------------------------------------------------------- */

struct open {
    size_t field;
    int row;
    bool repeat;
};

struct survey {
    struct xb *b;
    ssize_t type_col, name_col;
    struct open *stack;
    size_t depth, cap;
};

static void grow_fields(struct xb *b, size_t cap)
{
    struct form_field *fields = arena_alloc(b->a, cap * sizeof *fields);
    struct xfield *xf = arena_alloc(b->a, cap * sizeof *xf);
    if (b->nfields) {
        memcpy(fields, b->fields, b->nfields * sizeof *fields);
        memcpy(xf, b->xf, b->nfields * sizeof *xf);
    }
    b->fields = fields;
    b->xf = xf;
    b->fieldcap = cap;
}

/* A row makes at most one field, and an or_other select one more (its NAME_other): counting the
 * type cells that mention "other" sizes the array once, with no copies left behind in a form's
 * arena. A list named "mother" only makes it a little larger. */
static void reserve_fields(struct xb *b, size_t type_col)
{
    size_t cap = b->survey->nrows;
    for (size_t r = 1; r < b->survey->nrows; r++) {
        const struct sheet_row *row = &b->survey->rows[r];
        if (type_col >= row->ncells) continue;
        for (const char *p = row->cells[type_col]; *p; p++)
            if (strncasecmp(p, "other", 5) == 0) {
                cap++;
                break;
            }
    }
    grow_fields(b, cap);
}

static size_t new_field(struct xb *b)
{
    if (b->nfields == b->fieldcap) grow_fields(b, b->fieldcap ? 2 * b->fieldcap : 16);
    size_t i = b->nfields++;
    memset(&b->fields[i], 0, sizeof b->fields[i]);
    memset(&b->xf[i], 0, sizeof b->xf[i]);
    return i;
}

static void push_open(struct survey *sv, size_t field, int row, bool repeat)
{
    if (sv->depth == sv->cap) {
        size_t cap = sv->cap ? 2 * sv->cap : 8;
        struct open *stack = arena_alloc(sv->b->a, cap * sizeof *stack);
        if (sv->depth) memcpy(stack, sv->stack, sv->depth * sizeof *stack);
        sv->stack = stack;
        sv->cap = cap;
    }
    sv->stack[sv->depth++] = (struct open){field, row, repeat};
}

static const char *kind_word(bool repeat) { return repeat ? "repeat" : "group"; }

/* An end row closes the innermost open group or repeat. When that one is of the other kind but an
 * outer one matches, the inner one was left open: say so and close both, so that one forgotten end
 * row is one problem rather than one per row after it. */
static void close_open(struct survey *sv, const struct sheet_row *r, bool repeat, const char *col)
{
    struct xb *b = sv->b;
    size_t k = sv->depth;
    while (k > 0 && sv->stack[k - 1].repeat != repeat) k--;
    if (k == 0) {
        if (sv->depth) {
            const struct open *top = &sv->stack[sv->depth - 1];
            xb_error(b, "survey", r->number, col, "end %s has no begin %s to close; the %s '%.*s' "
                     "begun on row %d needs end %s", kind_word(repeat), kind_word(repeat),
                     kind_word(top->repeat), xb_qlen(b->fields[top->field].name),
                     b->fields[top->field].name, top->row, kind_word(top->repeat));
        } else {
            xb_error(b, "survey", r->number, col, "end %s has no begin %s to close", kind_word(repeat),
                     kind_word(repeat));
        }
        return;
    }
    for (size_t i = sv->depth; i > k; i--) {
        const struct open *o = &sv->stack[i - 1];
        xb_error(b, "survey", o->row, col, "begin %s '%.*s' is not closed before the end %s on row %d; "
                 "add an end %s", kind_word(o->repeat), xb_qlen(b->fields[o->field].name),
                 b->fields[o->field].name, kind_word(repeat), r->number, kind_word(o->repeat));
    }
    sv->depth = k - 1;
}

static const char *col_header(const struct xb *b, enum xcol_kind kind)
{
    for (size_t i = 0; i < b->nscol; i++)
        if (b->scol[i].kind == kind) return b->scol[i].header;
    return NULL;
}

static void set_expr_src(struct form_field *f, enum xexpr k, const char *src)
{
    switch (k) {
    case XE_RELEVANT: f->relevant_src = src; break;
    case XE_CONSTRAINT: f->constraint_src = src; break;
    case XE_CALCULATION: f->calculation_src = src; break;
    case XE_REQUIRED: f->required_src = src; break;
    case XE_READ_ONLY: f->read_only_src = src; break;
    case XE_CHOICE_FILTER: f->choice_filter_src = src; break;
    case XE_REPEAT_COUNT: f->repeat_count_src = src; break;
    case XE_COUNT: break;
    }
}

/* Copies the row's cells into the field: texts, expression sources, the plain columns, extras. */
static void fill_columns(struct xb *b, const struct sheet_row *r, size_t fi)
{
    struct form_field *f = &b->fields[fi];
    struct xfield *x = &b->xf[fi];
    f->label = xb_texts(b, r, b->scol, b->nscol, XC_LABEL);
    f->hint = xb_texts(b, r, b->scol, b->nscol, XC_HINT);
    f->required_message = xb_texts(b, r, b->scol, b->nscol, XC_REQUIRED_MSG);
    f->constraint_message = xb_texts(b, r, b->scol, b->nscol, XC_CONSTRAINT_MSG);
    f->relevant_src = f->constraint_src = f->calculation_src = f->required_src = f->read_only_src =
        f->choice_filter_src = f->repeat_count_src = "";
    f->default_value = f->appearance = f->parameters = "";
    for (size_t i = 0; i < b->nscol; i++) {
        const struct xcol *c = &b->scol[i];
        if (c->kind < XC_EXPR_FIRST || c->kind > XC_PERSONAL) continue;
        const char *v = xb_cell(b->a, r, i);
        if (c->kind <= XC_REPEAT_COUNT) {
            enum xexpr k = (enum xexpr)(c->kind - XC_EXPR_FIRST);
            x->expr_col[k] = c->header;
            set_expr_src(f, k, v);
        } else if (c->kind == XC_DEFAULT) {
            f->default_value = v;
            x->default_col = c->header;
        } else if (c->kind == XC_APPEARANCE) {
            f->appearance = v;
        } else if (c->kind == XC_PARAMETERS) {
            f->parameters = v;
            x->params_col = c->header;
        } else if (xb_yes(v)) {
            f->personal = true;
        } else if (!xb_no(v)) {
            xb_error(b, "survey", r->number, c->header, "personal must be yes or no, not '%.*s'",
                     xb_qlen(v), v);
        }
    }
    xb_extras(b, r, b->scol, b->nscol, &f->extra, &f->nextra);
    x->has_media = xb_has_media(r, b->scol, b->nscol);
    for (size_t i = 0; i < f->nextra; i++)
        if (str_eq_nocase(f->extra[i].name, "disabled") && xb_yes(f->extra[i].value))
            xb_warn(b, "survey", r->number, f->extra[i].name, "the disabled column is not supported; "
                    "this row is part of the form");
}

/* "did you mean": a list whose name differs only in case, the usual slip. */
static const char *similar_list(const struct xb *b, const char *name)
{
    for (size_t i = 0; i < b->nlists && i < 1000; i++)
        if (str_eq_nocase(b->lists[i].name, name)) return b->lists[i].name;
    return NULL;
}

static void link_list(struct xb *b, const struct sheet_row *r, size_t fi, const struct tparse *t)
{
    struct form_field *f = &b->fields[fi];
    const char *col = b->xf[fi].type_col;
    b->xf[fi].list_name = t->list;
    if (b->choices_unreadable) return; /* already reported: its header is broken */
    ssize_t li = xmap_get(&b->list_index, t->list);
    if (li < 0) {
        const char *near = similar_list(b, t->list);
        if (!b->choices)
            xb_error(b, "survey", r->number, col, "choice list '%.*s' is not in the choices sheet: the "
                     "form has no choices sheet", xb_qlen(t->list), t->list);
        else if (near)
            xb_error(b, "survey", r->number, col, "choice list '%.*s' is not in the choices sheet (did "
                     "you mean '%.*s'? list names are case-sensitive)", xb_qlen(t->list), t->list,
                     xb_qlen(near), near);
        else
            xb_error(b, "survey", r->number, col, "choice list '%.*s' is not in the choices sheet",
                     xb_qlen(t->list), t->list);
        return;
    }
    struct xlist *l = &b->lists[li];
    if (!l->count) {
        xb_error(b, "survey", r->number, col, "choice list '%.*s' has no usable choices (its rows on "
                 "the choices sheet have no name)", xb_qlen(t->list), t->list);
        return;
    }
    f->list = &b->form->lists[li];
    if (t->type != FT_SELECT_ONE) l->used_multiple = true;
}

/* Reports a type that makes no field; true when the row is to be skipped (or made a placeholder). */
static bool type_problem(struct xb *b, const struct sheet_row *r, const char *col, const char *type,
                         const struct tparse *t)
{
    switch (t->kind) {
    case TY_UNKNOWN:
        xb_error(b, "survey", r->number, col, "unknown type '%.*s'", xb_qlen(type), type);
        return true;
    case TY_UNSUPPORTED:
        xb_error(b, "survey", r->number, col, "type '%s' is not supported by edubridge", t->why);
        return true;
    case TY_BAD_SELECT:
        xb_error(b, "survey", r->number, col, "type '%.*s' is not understood: write '%s LIST_NAME'%s",
                 xb_qlen(type), type, t->why, t->type == FT_RANK ? "" : ", optionally followed by or_other");
        return true;
    default:
        return false;
    }
}

static void check_name(struct xb *b, const struct sheet_row *r, size_t fi, const char *col)
{
    struct form_field *f = &b->fields[fi];
    if (!f->name[0]) {
        b->xf[fi].name_bad = true;
        xb_error(b, "survey", r->number, col ? col : "name", "this %s row has no name",
                 f->type == FT_GROUP ? "begin group" : f->type == FT_REPEAT ? "begin repeat" : "question");
    } else if (!xb_valid_name(f->name)) {
        b->xf[fi].name_bad = true;
        xb_error(b, "survey", r->number, col, "name '%.*s' is not valid: a name starts with a letter or "
                 "'_' and has only letters, digits, '_', '-' and '.'", xb_qlen(f->name), f->name);
    }
}

/* pyxform follows a select with or_other by a text question NAME_other, "Specify other.", asked
 * when "other" is chosen: forms made for ODK expect it, and without it the respondent could not say
 * what the other is. It goes right after its select, in the same group or repeat. Its label is the
 * translation in each form language that has a catalogue (the same mapping as the pages' own
 * words), English for the others. */
static void add_other_text(struct xb *b, size_t si)
{
    size_t fi = new_field(b);
    const struct form_field *sel = &b->fields[si]; /* after new_field, which may move fields */
    struct form_field *f = &b->fields[fi];
    f->type = FT_TEXT;
    f->name = arena_printf(b->a, "%s_other", sel->name);
    f->row = sel->row;
    f->index = fi;
    const char **label = arena_alloc(b->a, b->nlang * sizeof *label);
    const char **none = arena_alloc(b->a, b->nlang * sizeof *none);
    for (size_t l = 0; l < b->nlang; l++) {
        /* copied: the form's arena may outlive the catalogues (i18n_shutdown) */
        label[l] = arena_strdup(b->a, i18n_get(i18n_find(b->langs[l].code), N_("Specify other.")));
        none[l] = "";
    }
    f->label = label;
    f->hint = f->required_message = f->constraint_message = none;
    f->relevant_src = arena_printf(b->a, "selected(${%s}, 'other')", sel->name);
    f->constraint_src = f->calculation_src = f->required_src = f->read_only_src =
        f->choice_filter_src = f->repeat_count_src = "";
    f->default_value = f->appearance = f->parameters = "";
    f->personal = sel->personal; /* what a personal answer's "other" is, is as personal */
    struct xfield *x = &b->xf[fi];
    x->parent = b->xf[si].parent;
    x->type_col = b->xf[si].type_col;
    x->name_col = b->xf[si].name_col;
    x->made = true;
    x->other_of = si;
}

static bool row_has_label(const struct xb *b, const struct sheet_row *r)
{
    for (size_t i = 0; i < b->nscol && i < r->ncells; i++)
        if (b->scol[i].kind == XC_LABEL && !xb_blank(r, i)) return true;
    return false;
}

static void read_row(struct survey *sv, const struct sheet_row *r)
{
    struct xb *b = sv->b;
    const char *tcol = b->scol[sv->type_col].header;
    const char *type = xb_cell(b->a, r, (size_t)sv->type_col);
    const char *name = sv->name_col >= 0 ? xb_cell(b->a, r, (size_t)sv->name_col) : "";
    if (!type[0]) {
        /* pyxform reads a row with neither type, name nor label as a comment. */
        if (name[0] || row_has_label(b, r))
            xb_error(b, "survey", r->number, tcol, "this row has no type");
        return;
    }
    struct tparse t;
    parse_type(b->a, type, &t);
    if (t.kind == TY_END_GROUP || t.kind == TY_END_REPEAT) {
        close_open(sv, r, t.kind == TY_END_REPEAT, tcol);
        return;
    }
    bool bad = type_problem(b, r, tcol, type, &t);
    size_t fi = new_field(b);
    struct form_field *f = &b->fields[fi];
    struct xfield *x = &b->xf[fi];
    /* A refused type still makes a placeholder field, so that its name is known and references to
     * it are not reported as well; the form is refused anyway. */
    f->type = bad ? FT_TEXT : t.type;
    f->name = name;
    f->row = r->number;
    f->index = fi;
    x->bad = bad;
    x->type_col = tcol;
    x->name_col = sv->name_col >= 0 ? b->scol[sv->name_col].header : NULL;
    x->parent = sv->depth ? (ssize_t)sv->stack[sv->depth - 1].field : -1;
    fill_columns(b, r, fi);
    f = &b->fields[fi]; /* fill_columns does not grow fields, but stay safe */
    check_name(b, r, fi, x->name_col);
    if (t.kind == TY_PHONE_META)
        xb_warn(b, "survey", r->number, tcol, "type '%.*s' is phone metadata a web form cannot collect; "
                "it is kept as a hidden field that stays empty", xb_qlen(type), type);
    if (t.kind == TY_SELECT) {
        f->or_other = t.or_other;
        link_list(b, r, fi, &t);
    }
    bool add_other = t.kind == TY_SELECT && t.or_other && !x->name_bad;
    if (t.kind == TY_BEGIN_GROUP || t.kind == TY_BEGIN_REPEAT)
        push_open(sv, fi, r->number, t.kind == TY_BEGIN_REPEAT);
    if (!bad && f->repeat_count_src[0] && f->type != FT_REPEAT)
        xb_warn(b, "survey", r->number, x->expr_col[XE_REPEAT_COUNT], "repeat_count is only read on "
                "begin repeat rows; it is ignored here");
    if (!bad && f->choice_filter_src[0] && !f->list && !x->list_name)
        xb_warn(b, "survey", r->number, x->expr_col[XE_CHOICE_FILTER], "choice_filter is only read on "
                "select and rank rows; it is ignored here");
    if (add_other) add_other_text(b, fi); /* last: it may move f and x */
}

/* --- the tree ---------------------------------------------------------------------------------- */

static void build_tree(struct xb *b)
{
    struct form *f = b->form;
    f->fields = b->fields;
    f->nfields = b->nfields;
    size_t *nkids = arena_calloc(b->a, b->nfields + 1, sizeof *nkids);
    for (size_t i = 0; i < b->nfields; i++) {
        struct form_field *fd = &f->fields[i];
        ssize_t p = b->xf[i].parent;
        fd->parent = p >= 0 ? &f->fields[p] : NULL;
        if (p >= 0) nkids[p]++;
        else f->ntop++;
        fd->path = fd->parent ? arena_printf(b->a, "%s/%s", fd->parent->path, fd->name) : fd->name;
        fd->other_of = b->xf[i].made ? &f->fields[b->xf[i].other_of] : NULL;
    }
    f->top = arena_alloc(b->a, (f->ntop ? f->ntop : 1) * sizeof *f->top);
    for (size_t i = 0; i < b->nfields; i++)
        if (nkids[i]) f->fields[i].children = arena_alloc(b->a, nkids[i] * sizeof *f->fields[i].children);
    size_t ntop = 0;
    for (size_t i = 0; i < b->nfields; i++) {
        struct form_field *fd = &f->fields[i], *p = fd->parent;
        if (p) p->children[p->nchildren++] = fd;
        else f->top[ntop++] = fd;
    }
}

void xb_read_survey(struct xb *b)
{
    struct survey sv = {.b = b, .type_col = -1, .name_col = -1};
    for (size_t i = 0; i < b->nscol; i++) {
        if (b->scol[i].kind == XC_TYPE && sv.type_col < 0) sv.type_col = (ssize_t)i;
        if (b->scol[i].kind == XC_NAME && sv.name_col < 0) sv.name_col = (ssize_t)i;
    }
    int hrow = b->survey->rows[0].number;
    if (sv.type_col < 0) {
        xb_error(b, "survey", hrow, NULL, "the survey sheet has no type column");
        return;
    }
    if (sv.name_col < 0) xb_error(b, "survey", hrow, NULL, "the survey sheet has no name column");
    size_t errors = b->probs->errors;
    reserve_fields(b, (size_t)sv.type_col);
    for (size_t r = 1; r < b->survey->nrows; r++) read_row(&sv, &b->survey->rows[r]);
    const char *tcol = col_header(b, XC_TYPE);
    for (size_t i = sv.depth; i > 0; i--) {
        const struct open *o = &sv.stack[i - 1];
        xb_error(b, "survey", o->row, tcol, "begin %s '%.*s' is never closed: add an end %s row after "
                 "its last question", kind_word(o->repeat), xb_qlen(b->fields[o->field].name),
                 b->fields[o->field].name, kind_word(o->repeat));
    }
    if (!b->nfields && b->probs->errors == errors) /* rows that made no field said why already */
        xb_error(b, "survey", hrow, NULL, "the survey sheet has no questions");
    build_tree(b);
}

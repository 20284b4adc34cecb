/* xlsform_check: what needs the whole form: unique names, expressions parsed and their ${references}
 * resolved, texts' references, labels, range parameters, calculation cycles, choice values.
 * Runs after the tree is built and the name index made, on fields that are final. */
#define XLSFORM_INTERNAL
#include "forms/xlsform.h"

#include "base/arena.h"
#include "base/err.h"
#include "base/str.h"
#include "forms/consent.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool xb_valid_name(const char *s)
{
    unsigned char c = (unsigned char)s[0];
    if (!(isalpha(c) || c == '_' || c >= 0x80)) return false;
    for (s++; *s; s++) {
        c = (unsigned char)*s;
        if (!(isalnum(c) || c == '_' || c == '-' || c == '.' || c >= 0x80)) return false;
    }
    return true;
}

static const char *const expr_names[XE_COUNT] = {
    "relevant", "constraint", "calculation", "required", "read_only", "choice_filter", "repeat_count",
};

static const char **expr_src(struct form_field *f, enum xexpr k)
{
    switch (k) {
    case XE_RELEVANT: return &f->relevant_src;
    case XE_CONSTRAINT: return &f->constraint_src;
    case XE_CALCULATION: return &f->calculation_src;
    case XE_REQUIRED: return &f->required_src;
    case XE_READ_ONLY: return &f->read_only_src;
    case XE_CHOICE_FILTER: return &f->choice_filter_src;
    default: return &f->repeat_count_src;
    }
}

static struct expr **expr_tree(struct form_field *f, enum xexpr k)
{
    switch (k) {
    case XE_RELEVANT: return &f->relevant;
    case XE_CONSTRAINT: return &f->constraint;
    case XE_CALCULATION: return &f->calculation;
    case XE_REQUIRED: return &f->required;
    case XE_READ_ONLY: return &f->read_only;
    case XE_CHOICE_FILTER: return &f->choice_filter;
    default: return &f->repeat_count;
    }
}

/* --- names ------------------------------------------------------------------------------------- */

/* The index keeps the first field of each name, so any other field found there is a duplicate.
 * ODK allows one name in two groups, but then ${name} would mean two fields: refused everywhere. */
static void check_duplicates(struct xb *b)
{
    const struct form *f = b->form;
    for (size_t i = 0; i < f->nfields; i++) {
        const struct form_field *fd = &f->fields[i];
        if (!fd->name[0]) continue;
        const struct form_field *first = form_field_by_name(f, fd->name);
        if (!first || first == fd) continue;
        bool made = b->xf[i].made, first_made = b->xf[first->index].made;
        if (made && first_made) continue; /* two selects of one name: reported at the second select */
        if (made || first_made) {
            /* pyxform refuses it too: NAME_other is the name of the question or_other adds */
            const struct form_field *own = made ? first : fd, *sel = (made ? fd : first)->other_of;
            xb_error(b, "survey", own->row, b->xf[own->index].name_col, "name '%.*s' is the name of "
                     "the text question that or_other adds after '%.*s' on row %d (\"Specify other.\"); "
                     "rename this field, or remove or_other from '%.*s' if this is your own such question",
                     xb_qlen(own->name), own->name, xb_qlen(sel->name), sel->name, sel->row,
                     xb_qlen(sel->name), sel->name);
            continue;
        }
        xb_error(b, "survey", fd->row, b->xf[i].name_col, "name '%.*s' is already used on row %d; "
                 "every name must be different in the whole form, even in different groups, so "
                 "that ${%.*s} means one field", xb_qlen(fd->name), fd->name, first->row,
                 xb_qlen(fd->name), fd->name);
    }
}

/* --- references -------------------------------------------------------------------------------- */

struct refctx {
    struct xb *b;
    const struct form_field *self; /* NULL: settings */
    const char *sheet, *column, *what;
    int row;
    bool self_is_cycle;            /* relevant, required, read_only: depending on oneself loops */
    const char *reported[8];       /* names already reported in this text */
    size_t nreported;
};

/* Lower-case name -> first field, built on the first unknown reference only. */
static struct xmap *lower_names(struct xb *b)
{
    struct xmap *m = arena_calloc(b->a, 1, sizeof *m);
    xmap_init(b->a, m, b->form->nfields);
    for (size_t i = 0; i < b->form->nfields; i++) {
        char *low = arena_strdup(b->a, b->form->fields[i].name);
        for (char *p = low; *p; p++) *p = (char)tolower((unsigned char)*p);
        xmap_put(b->a, m, low, i);
    }
    return m;
}

static void ref_unknown(struct refctx *c, const char *name, int pos)
{
    for (size_t i = 0; i < c->nreported; i++)
        if (!strcmp(c->reported[i], name)) return;
    if (c->nreported < sizeof c->reported / sizeof *c->reported) c->reported[c->nreported++] = name;
    struct xb *b = c->b;
    char *low = arena_strdup(b->a, name);
    for (char *p = low; *p; p++) *p = (char)tolower((unsigned char)*p);
    if (!b->lower_names) b->lower_names = lower_names(b);
    ssize_t near = xmap_get(b->lower_names, low);
    char where[40] = "";
    if (pos > 0) snprintf(where, sizeof where, " (at character %d)", pos);
    if (near >= 0)
        xb_error(b, c->sheet, c->row, c->column, "${%.*s}%s refers to no field (did you mean ${%.*s}? "
                 "names are case-sensitive)", xb_qlen(name), name, where,
                 xb_qlen(b->form->fields[near].name), b->form->fields[near].name);
    else
        xb_error(b, c->sheet, c->row, c->column, "${%.*s}%s refers to no field", xb_qlen(name), name,
                 where);
}

static void on_ref(void *ctx, const char *name, int pos)
{
    struct refctx *c = ctx;
    const struct form_field *target = form_field_by_name(c->b->form, name);
    if (!target) {
        ref_unknown(c, arena_strdup(c->b->a, name), pos);
    } else if (target == c->self && c->self_is_cycle) {
        for (size_t i = 0; i < c->nreported; i++)
            if (!strcmp(c->reported[i], name)) return;
        if (c->nreported < sizeof c->reported / sizeof *c->reported)
            c->reported[c->nreported++] = target->name;
        xb_error(c->b, c->sheet, c->row, c->column, "%s refers to the field itself (${%.*s}): a field "
                 "cannot depend on its own answer; use '.' in a constraint instead", c->what,
                 xb_qlen(name), name);
    }
}

/* A bare name in a choice_filter is a column of the choices sheet, as the engine resolves them:
 * "name", "label" (also "label::..."), or a column kept as a choice's extra. */
static void on_column(void *ctx, const char *name, int pos)
{
    struct refctx *c = ctx;
    const struct xb *b = c->b;
    if (!strcmp(name, "name") || !strcmp(name, "label") || str_starts_with(name, "label::")) return;
    for (size_t i = 0; i < b->nccol; i++) {
        const struct xcol *col = &b->ccol[i];
        if (col->kind == XC_EXTRA && !strcmp(col->name, name)) return;
    }
    for (size_t i = 0; i < c->nreported; i++)
        if (!strcmp(c->reported[i], name)) return;
    if (c->nreported < sizeof c->reported / sizeof *c->reported)
        c->reported[c->nreported++] = arena_strdup(b->a, name);
    xb_error(c->b, c->sheet, c->row, c->column, "'%.*s' (at character %d) is not a column of the "
             "choices sheet; in a choice_filter a bare name is a choice's column and a field is "
             "written ${name}", xb_qlen(name), name, pos);
}

/* ${name} in plain text (labels, hints, messages, defaults): a reference when it looks like one. */
static void scan_text_refs(struct refctx *c, const char *text)
{
    for (const char *p = strstr(text, "${"); p; p = strstr(p + 2, "${")) {
        const char *end = strchr(p + 2, '}');
        if (!end) return;
        char *name = arena_strndup(c->b->a, p + 2, (size_t)(end - p - 2));
        if (xb_valid_name(name) && !form_field_by_name(c->b->form, name)) ref_unknown(c, name, 0);
    }
}

static void check_texts(struct xb *b, const struct form_field *fd, const char **texts, int kind)
{
    for (size_t l = 0; l < b->nlang; l++) {
        if (l > 0 && texts[l] == texts[0]) continue; /* the default's text, already checked */
        const char *col = b->stext_col[kind] ? b->stext_col[kind][l] : NULL;
        struct refctx c = {.b = b, .self = fd, .sheet = "survey", .row = fd->row, .column = col};
        scan_text_refs(&c, texts[l]);
    }
}

/* --- expressions ------------------------------------------------------------------------------- */

static struct expr *parse_one(struct xb *b, const char *src, const char *sheet, int row, const char *col,
                              bool filter)
{
    struct err e;
    err_clear(&e);
    struct expr *x = filter ? expr_parse_filter(b->a, src, &e) : expr_parse(b->a, src, &e);
    if (!x)
        xb_error(b, sheet, row, col, "the expression cannot be read: %s", e.msg);
    return x;
}

static void parse_field_exprs(struct xb *b, size_t i)
{
    struct form_field *fd = &b->form->fields[i];
    for (int k = 0; k < XE_COUNT; k++) {
        const char *src = *expr_src(fd, k), *col = b->xf[i].expr_col[k];
        struct expr **tree = expr_tree(fd, k);
        *tree = NULL;
        if (!src[0]) continue;
        if (k == XE_REQUIRED || k == XE_READ_ONLY) {
            /* yes/no are what people write; anything else is an expression */
            if (xb_no(src)) continue;
            if (xb_yes(src)) src = "true()";
        }
        *tree = parse_one(b, src, "survey", fd->row, col, k == XE_CHOICE_FILTER);
        if (!*tree) continue;
        if (k == XE_CHOICE_FILTER && b->ccol) {
            struct refctx c = {.b = b, .self = fd, .sheet = "survey", .row = fd->row, .column = col};
            expr_foreach_column(*tree, on_column, &c);
        }
        struct refctx c = {.b = b, .self = fd, .sheet = "survey", .row = fd->row, .column = col,
                           .what = expr_names[k],
                           .self_is_cycle = k == XE_RELEVANT || k == XE_REQUIRED || k == XE_READ_ONLY};
        expr_foreach_ref(*tree, on_ref, &c);
    }
}

static void check_field(struct xb *b, size_t i)
{
    struct form_field *fd = &b->form->fields[i];
    const struct xfield *x = &b->xf[i];
    parse_field_exprs(b, i);
    check_texts(b, fd, fd->label, 0);
    check_texts(b, fd, fd->hint, 1);
    check_texts(b, fd, fd->required_message, 2);
    check_texts(b, fd, fd->constraint_message, 3);
    struct refctx c = {.b = b, .self = fd, .sheet = "survey", .row = fd->row, .column = x->default_col};
    scan_text_refs(&c, fd->default_value);
    if (x->bad) return;
    if (fd->type == FT_CALCULATE && !fd->calculation_src[0])
        xb_error(b, "survey", fd->row, x->expr_col[XE_CALCULATION] ? x->expr_col[XE_CALCULATION]
                 : "calculation", "calculate '%.*s' has no calculation", xb_qlen(fd->name), fd->name);
    if (form_type_is_input(fd->type) || fd->type == FT_NOTE) {
        bool any = x->has_media;
        for (size_t l = 0; l < b->nlang && !any; l++) any = fd->label[l][0] || fd->hint[l][0];
        const char *col = "label";
        for (size_t l = 0; b->stext_col[0] && l < b->nlang; l++)
            if (b->stext_col[0][l]) {
                col = b->stext_col[0][l];
                break;
            }
        if (!any)
            xb_error(b, "survey", fd->row, col,
                     "%s '%.*s' has no label (nor hint): a respondent would not know what is asked",
                     fd->type == FT_NOTE ? "note" : "question", xb_qlen(fd->name), fd->name);
    }
    if ((fd->type == FT_GROUP || fd->type == FT_REPEAT) && !fd->nchildren)
        xb_warn(b, "survey", fd->row, x->type_col, "%s '%.*s' is empty", fd->type == FT_GROUP ?
                "group" : "repeat", xb_qlen(fd->name), fd->name);
}

/* --- range ------------------------------------------------------------------------------------- */

static bool read_number(const char *s, double *out)
{
    char *end;
    if (!s[0]) return false;
    *out = strtod(s, &end);
    return *end == '\0' && isfinite(*out);
}

/* "start=0 end=10 step=2", separated by spaces, commas or semicolons, as pyxform reads them. */
static void check_range(struct xb *b, size_t i)
{
    struct form_field *fd = &b->form->fields[i];
    const char *col = b->xf[i].params_col ? b->xf[i].params_col : "parameters";
    double v[3] = {1, 10, 1};
    static const char *const keys[3] = {"start", "end", "step"};
    bool ok = true;
    const char *p = fd->parameters;
    while (*p) {
        while (*p && strchr(" \t;,", *p)) p++;
        if (!*p) break;
        size_t klen = strcspn(p, "= \t;,");
        const char *key = arena_strndup(b->a, p, klen), *q = p + klen;
        while (*q == ' ' || *q == '\t') q++;
        if (*q != '=') {
            xb_error(b, "survey", fd->row, col, "parameters must read like 'start=0 end=10 step=1'; "
                     "'%.*s' has no '='", xb_qlen(key), key);
            return;
        }
        for (q++; *q == ' ' || *q == '\t'; q++) {}
        size_t vlen = strcspn(q, " \t;,");
        const char *val = arena_strndup(b->a, q, vlen);
        p = q + vlen;
        int k = -1;
        for (int j = 0; j < 3; j++)
            if (str_eq_nocase(key, keys[j])) k = j;
        if (k < 0) {
            xb_error(b, "survey", fd->row, col, "range parameter '%.*s' is not one of start, end and "
                     "step", xb_qlen(key), key);
            ok = false;
        } else if (!read_number(val, &v[k])) {
            xb_error(b, "survey", fd->row, col, "range %s '%.*s' is not a number", keys[k],
                     xb_qlen(val), val);
            ok = false;
        }
    }
    if (ok && !(v[2] > 0))
        xb_error(b, "survey", fd->row, col, "range step must be greater than 0");
    else if (ok && v[0] == v[1])
        xb_error(b, "survey", fd->row, col, "range start and end are both %g: nothing to choose", v[0]);
    else if (ok) {
        double steps = fabs(v[1] - v[0]) / v[2];
        if (fabs(steps - round(steps)) > 1e-9 * (steps > 1 ? steps : 1))
            xb_error(b, "survey", fd->row, col, "range from %g to %g is not a whole number of steps "
                     "of %g", v[0], v[1], v[2]);
    }
    fd->range_start = v[0];
    fd->range_end = v[1];
    fd->range_step = v[2];
}

/* --- calculation cycles ------------------------------------------------------------------------ */

struct graph {
    struct xb *b;
    size_t from;
    size_t *edges; /* pairs from, to */
    size_t n, cap;
};

static void add_edge(void *ctx, const char *name, int pos)
{
    (void)pos;
    struct graph *g = ctx;
    const struct form_field *t = form_field_by_name(g->b->form, name);
    if (!t || !t->calculation) return;
    if (g->n == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 64;
        size_t *edges = arena_alloc(g->b->a, cap * 2 * sizeof *edges);
        if (g->n) memcpy(edges, g->edges, g->n * 2 * sizeof *edges);
        g->edges = edges;
        g->cap = cap;
    }
    g->edges[2 * g->n] = g->from;
    g->edges[2 * g->n + 1] = t->index;
    g->n++;
}

static void report_cycle(struct xb *b, const size_t *path, size_t len, size_t to)
{
    const struct form *f = b->form;
    struct strbuf sb;
    strbuf_init(&sb, b->a, 128);
    strbuf_puts(&sb, "calculation cycle: ");
    for (size_t i = 0; i < len; i++) {
        if (i == 8 && len > 10) {
            strbuf_printf(&sb, "... (%zu more) → ", len - 9);
            i = len - 1;
        }
        const char *name = f->fields[path[i]].name;
        strbuf_printf(&sb, "%.*s → ", xb_qlen(name), name);
    }
    strbuf_printf(&sb, "%.*s", xb_qlen(f->fields[to].name), f->fields[to].name);
    const struct form_field *first = &f->fields[to];
    xb_error(b, "survey", first->row, b->xf[to].expr_col[XE_CALCULATION], "%s; a calculation cannot "
             "depend on its own result", sb.data);
}

/* Depth-first over the calculation graph, without recursion: a chain of thousands of calculations
 * must not exhaust the stack. Each edge back into the current path is one cycle, reported once. */
static void check_cycles(struct xb *b)
{
    const struct form *f = b->form;
    struct graph g = {.b = b};
    for (size_t i = 0; i < f->nfields; i++) {
        if (!f->fields[i].calculation) continue;
        g.from = i;
        expr_foreach_ref(f->fields[i].calculation, add_edge, &g);
    }
    if (!g.n) return;
    size_t n = f->nfields;
    size_t *start = arena_calloc(b->a, n + 1, sizeof *start), *adj = arena_alloc(b->a, g.n * sizeof *adj);
    for (size_t e = 0; e < g.n; e++) start[g.edges[2 * e] + 1]++;
    for (size_t i = 0; i < n; i++) start[i + 1] += start[i];
    size_t *fill = arena_alloc(b->a, n * sizeof *fill);
    memcpy(fill, start, n * sizeof *fill);
    for (size_t e = 0; e < g.n; e++) adj[fill[g.edges[2 * e]]++] = g.edges[2 * e + 1];

    unsigned char *color = arena_calloc(b->a, n, 1); /* 0 new, 1 on the path, 2 done */
    size_t *path = arena_alloc(b->a, n * sizeof *path), *next = arena_alloc(b->a, n * sizeof *next);
    size_t *pos = arena_alloc(b->a, n * sizeof *pos);
    for (size_t root = 0; root < n; root++) {
        if (color[root] || start[root] == start[root + 1]) continue;
        size_t depth = 0;
        path[depth] = root, next[depth] = start[root], pos[root] = depth++, color[root] = 1;
        while (depth) {
            size_t u = path[depth - 1];
            if (next[depth - 1] == start[u + 1]) {
                color[u] = 2;
                depth--;
                continue;
            }
            size_t v = adj[next[depth - 1]++];
            if (color[v] == 1) report_cycle(b, path + pos[v], depth - pos[v], v);
            else if (color[v] == 0) path[depth] = v, next[depth] = start[v], pos[v] = depth++, color[v] = 1;
        }
    }
}

/* --- choices ----------------------------------------------------------------------------------- */

static const char *name_column(const struct xb *b)
{
    for (size_t i = 0; i < b->nccol; i++)
        if (b->ccol[i].kind == XC_NAME) return b->ccol[i].header;
    return NULL;
}

/* select_multiple stores its choices joined by spaces, so a value with a space cannot be stored. */
static void check_choice_values(struct xb *b)
{
    for (size_t i = 0; i < b->nlists; i++) {
        const struct xlist *l = &b->lists[i];
        if (!l->used_multiple) continue;
        for (size_t c = 0; c < l->count; c++) {
            const char *v = l->choices[c].value;
            if (strpbrk(v, " \t\r\n"))
                xb_error(b, "choices", l->rows[c], name_column(b),
                         "choice '%.*s' of list '%.*s' contains a space; a select_multiple or rank "
                         "stores its answers separated by spaces, so a value cannot hold one",
                         xb_qlen(v), v, xb_qlen(l->name), l->name);
        }
    }
}

static void check_choice_labels(struct xb *b)
{
    for (size_t i = 0; i < b->nlists; i++) {
        const struct xlist *l = &b->lists[i];
        for (size_t c = 0; c < l->count; c++) {
            const char **texts = l->choices[c].label;
            for (size_t lang = 0; lang < b->nlang; lang++) {
                if (lang > 0 && texts[lang] == texts[0]) continue;
                struct refctx rc = {.b = b, .sheet = "choices", .row = l->rows[c],
                                    .column = b->clabel_col ? b->clabel_col[lang] : NULL};
                scan_text_refs(&rc, texts[lang]);
            }
        }
    }
}

static void check_settings(struct xb *b)
{
    struct form *f = b->form;
    int row = b->settings && b->settings->nrows > 1 ? b->settings->rows[1].number : 0;
    f->instance_name = NULL;
    if (!f->instance_name_src || !f->instance_name_src[0]) return;
    f->instance_name = parse_one(b, f->instance_name_src, "settings", row, "instance_name", false);
    struct refctx c = {.b = b, .sheet = "settings", .row = row, .column = "instance_name",
                       .what = "instance_name"};
    if (f->instance_name) expr_foreach_ref(f->instance_name, on_ref, &c);
}

/* The consent question (forms/consent.h): one named in settings must fit the rule; a field that
 * is called consent but does not fit is only a warning, as it may be a question about something
 * else, but its answers will not be recorded as consent. */
static void check_consent(struct xb *b)
{
    const struct form *f = b->form;
    int row = b->settings && b->settings->nrows > 1 ? b->settings->rows[1].number : 0;
    const char *named = xb_setting(f, "consent_field");
    const struct form_field *fd = form_field_by_name(f, *named ? named : "consent");
    if (*named && !fd) {
        xb_error(b, "settings", row, "consent_field", "consent_field '%.*s' names no field", xb_qlen(named), named);
    } else if (*named && !consent_field_fits(fd)) {
        xb_error(b, "settings", row, "consent_field", "consent_field '%.*s' must name a select_one, outside "
                 "repeats, whose choices include yes and no", xb_qlen(named), named);
    } else if (!*named && fd && !consent_field_fits(fd)) {
        xb_warn(b, "survey", fd->row, "name", "the field 'consent' is not a select_one with the choices yes and "
                "no, so no consent is recorded with the answers; name the consent question in the settings "
                "column consent_field");
    }
}

void xb_check(struct xb *b)
{
    check_duplicates(b);
    for (size_t i = 0; i < b->form->nfields; i++) {
        check_field(b, i);
        if (b->form->fields[i].type == FT_RANGE && !b->xf[i].bad) check_range(b, i);
    }
    check_cycles(b);
    check_choice_values(b);
    check_choice_labels(b);
    check_settings(b);
    check_consent(b);
}

/* xlsform: the entry points, the problem list, the settings and choices sheets, the column headers
 * and the languages they name. The survey sheet is read in xlsform_survey.c and the whole form
 * checked in xlsform_check.c; all three share struct xb, the build in progress. */
#define XLSFORM_INTERNAL
#include "forms/xlsform.h"

#include "base/arena.h"
#include "base/err.h"
#include "base/str.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- small helpers shared by the three files ---------------------------------------------------- */

/* Problems end up on web pages and in JSON, which need valid UTF-8; a message quoting a reader's
 * error or cut by the buffer could hold a broken sequence: each bad byte becomes '?'. */
static void utf8_repair(char *s)
{
    while (*s) {
        unsigned char c = (unsigned char)*s;
        size_t n = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
                 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
        size_t have = 0;
        while (have < n && s[have]) have++;
        if (n && have == n && str_utf8_valid(s, n)) {
            s += n;
        } else {
            *s++ = '?';
        }
    }
}

void xb_problem(struct xb *b, bool warning, const char *sheet, int row, const char *column,
                const char *fmt, ...)
{
    struct form_problems *ps = b->probs;
    if (!warning) ps->errors++;
    if (ps->count >= XLSFORM_MAX_PROBLEMS) {
        ps->omitted++;
        return;
    }
    char buf[600];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof buf) { /* cut on a character boundary: messages stay valid UTF-8 */
        size_t end = sizeof buf - 1;
        while (end > 0 && ((unsigned char)buf[end] & 0xC0) == 0x80) end--;
        buf[end] = '\0';
    }
    utf8_repair(buf);
    if (ps->count == ps->cap) {
        size_t cap = ps->cap ? 2 * ps->cap : 16;
        struct form_problem *items = arena_alloc(b->a, cap * sizeof *items);
        if (ps->count) memcpy(items, ps->items, ps->count * sizeof *items);
        ps->items = items;
        ps->cap = cap;
    }
    ps->items[ps->count++] = (struct form_problem){
        .sheet = sheet, .row = row, .column = column, .message = arena_strdup(b->a, buf),
        .warning = warning,
    };
}

/* Spreadsheets carry no-break spaces (U+00A0) in from copied text; pyxform's strip() removes them. */
static size_t space_at(const char *s)
{
    unsigned char c = (unsigned char)s[0];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') return 1;
    if (c == 0xC2 && (unsigned char)s[1] == 0xA0) return 2;
    return 0;
}

const char *xb_trim(struct arena *a, const char *s)
{
    size_t n;
    while ((n = space_at(s)) > 0) s += n;
    size_t len = strlen(s);
    for (;;) {
        if (len && strchr(" \t\n\r\v\f", s[len - 1])) len--;
        else if (len >= 2 && (unsigned char)s[len - 2] == 0xC2 && (unsigned char)s[len - 1] == 0xA0) len -= 2;
        else break;
    }
    return len ? arena_strndup(a, s, len) : "";
}

const char *xb_cell(struct arena *a, const struct sheet_row *r, size_t c)
{
    return c < r->ncells ? xb_trim(a, r->cells[c]) : "";
}

bool xb_blank(const struct sheet_row *r, size_t c)
{
    if (c >= r->ncells) return true;
    size_t n;
    for (const char *s = r->cells[c]; *s; s += n)
        if ((n = space_at(s)) == 0) return false;
    return true;
}

int xb_qlen(const char *s)
{
    size_t n = strlen(s);
    if (n <= 60) return (int)n;
    n = 60;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    return (int)n;
}

bool xb_yes(const char *s)
{
    return str_eq_nocase(s, "yes") || str_eq_nocase(s, "true") || str_eq_nocase(s, "true()") ||
           strcmp(s, "1") == 0;
}

bool xb_no(const char *s)
{
    return !s[0] || str_eq_nocase(s, "no") || str_eq_nocase(s, "false") ||
           str_eq_nocase(s, "false()") || strcmp(s, "0") == 0;
}

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

void xmap_init(struct arena *a, struct xmap *m, size_t hint)
{
    size_t cap = 8;
    while (cap < 2 * hint) cap *= 2;
    m->keys = arena_calloc(a, cap, sizeof *m->keys);
    m->vals = arena_alloc(a, cap * sizeof *m->vals);
    m->cap = cap;
    m->count = 0;
}

ssize_t xmap_get(const struct xmap *m, const char *key)
{
    if (!m->cap) return -1;
    size_t mask = m->cap - 1;
    for (size_t k = (size_t)hash_str(key) & mask; m->keys[k]; k = (k + 1) & mask)
        if (strcmp(m->keys[k], key) == 0) return (ssize_t)m->vals[k];
    return -1;
}

size_t xmap_put(struct arena *a, struct xmap *m, const char *key, size_t val)
{
    if (!m->cap) xmap_init(a, m, 4);
    ssize_t old = xmap_get(m, key);
    if (old >= 0) return (size_t)old;
    if (2 * (m->count + 1) > m->cap) {
        struct xmap bigger;
        xmap_init(a, &bigger, m->cap);
        for (size_t i = 0; i < m->cap; i++)
            if (m->keys[i]) xmap_put(a, &bigger, m->keys[i], m->vals[i]);
        *m = bigger;
    }
    size_t mask = m->cap - 1, k = (size_t)hash_str(key) & mask;
    while (m->keys[k]) k = (k + 1) & mask;
    m->keys[k] = key;
    m->vals[k] = val;
    m->count++;
    return val;
}

static char *lower_copy(struct arena *a, const char *s)
{
    char *d = arena_strdup(a, s);
    for (char *p = d; *p; p++) *p = (char)tolower((unsigned char)*p);
    return d;
}

/* --- languages ------------------------------------------------------------------------------- */

/* Right-to-left scripts, by primary language subtag, and by English name for "label::Arabic". */
static bool lang_is_rtl(const char *code, const char *name)
{
    static const char *const codes[] = {"ar", "he", "iw", "fa", "ur", "ps", "yi", "dv", "ckb"};
    static const char *const names[] = {"arabic", "hebrew", "persian", "farsi", "urdu", "pashto",
                                        "yiddish", "dhivehi", "sorani"};
    char sub[16];
    size_t n = strcspn(code, "-_");
    if (n < sizeof sub) {
        memcpy(sub, code, n);
        sub[n] = '\0';
        for (size_t i = 0; i < sizeof codes / sizeof *codes; i++)
            if (str_eq_nocase(sub, codes[i])) return true;
    }
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (str_eq_nocase(name, names[i])) return true;
    return false;
}

/* "English (en)" -> name English, code en; "en" alone is both name and code. */
static void parse_lang(struct arena *a, const char *spec, struct form_language *out, bool *coded)
{
    size_t n = strlen(spec);
    const char *open = n && spec[n - 1] == ')' ? strrchr(spec, '(') : NULL;
    *coded = false;
    if (open) {
        const char *code = xb_trim(a, arena_strndup(a, open + 1, (size_t)(spec + n - 1 - (open + 1))));
        const char *name = xb_trim(a, arena_strndup(a, spec, (size_t)(open - spec)));
        if (code[0]) {
            out->code = code;
            out->name = name[0] ? name : code;
            *coded = true;
        }
    }
    if (!*coded) out->code = out->name = arena_strdup(a, spec);
    out->rtl = lang_is_rtl(out->code, out->name);
}

/* The index of the language spec names, added when new. A language first met as "en" takes the
 * name of a later "English (en)", so that either spelling in a header finds the same language. */
static size_t lang_register(struct xb *b, const char *spec)
{
    struct form_language l;
    bool coded;
    parse_lang(b->a, spec, &l, &coded);
    for (size_t i = 0; i < b->nlang; i++) {
        struct form_language *o = &b->langs[i];
        if (str_eq_nocase(o->code, l.code) || str_eq_nocase(o->name, l.name) ||
            (!b->lang_coded[i] && str_eq_nocase(o->name, l.code)) ||
            (!coded && str_eq_nocase(o->code, l.name))) {
            if (coded && !b->lang_coded[i]) {
                *o = l;
                b->lang_coded[i] = true;
            }
            return i;
        }
    }
    if (b->nlang == b->langcap) {
        size_t cap = b->langcap ? 2 * b->langcap : 4;
        struct form_language *langs = arena_alloc(b->a, cap * sizeof *langs);
        bool *coded_arr = arena_alloc(b->a, cap * sizeof *coded_arr);
        if (b->nlang) {
            memcpy(langs, b->langs, b->nlang * sizeof *langs);
            memcpy(coded_arr, b->lang_coded, b->nlang * sizeof *coded_arr);
        }
        b->langs = langs;
        b->lang_coded = coded_arr;
        b->langcap = cap;
    }
    b->langs[b->nlang] = l;
    b->lang_coded[b->nlang] = coded;
    return b->nlang++;
}

/* --- column headers ---------------------------------------------------------------------------- */

struct alias {
    const char *key;
    enum xcol_kind kind;
};

/* pyxform's spellings (aliases.py), lower case; "bind::" and "control::" are stripped first. */
static const struct alias survey_aliases[] = {
    {"type", XC_TYPE}, {"command", XC_TYPE},
    {"name", XC_NAME}, {"value", XC_NAME},
    {"label", XC_LABEL}, {"caption", XC_LABEL},
    {"hint", XC_HINT},
    {"required_message", XC_REQUIRED_MSG}, {"required message", XC_REQUIRED_MSG},
    {"jr:requiredmsg", XC_REQUIRED_MSG}, {"requiredmsg", XC_REQUIRED_MSG},
    {"constraint_message", XC_CONSTRAINT_MSG}, {"constraint message", XC_CONSTRAINT_MSG},
    {"jr:constraintmsg", XC_CONSTRAINT_MSG}, {"constraining message", XC_CONSTRAINT_MSG},
    {"relevant", XC_RELEVANT}, {"relevance", XC_RELEVANT},
    {"constraint", XC_CONSTRAINT},
    {"calculation", XC_CALCULATION}, {"calculate", XC_CALCULATION},
    {"required", XC_REQUIRED},
    {"read_only", XC_READ_ONLY}, {"readonly", XC_READ_ONLY},
    {"choice_filter", XC_CHOICE_FILTER},
    {"repeat_count", XC_REPEAT_COUNT}, {"jr:count", XC_REPEAT_COUNT}, {"count", XC_REPEAT_COUNT},
    {"default", XC_DEFAULT},
    {"appearance", XC_APPEARANCE},
    {"parameters", XC_PARAMETERS},
    {"personal", XC_PERSONAL},
};

static const struct alias choices_aliases[] = {
    {"list_name", XC_LIST_NAME}, {"list name", XC_LIST_NAME},
    {"name", XC_NAME}, {"value", XC_NAME},
    {"label", XC_LABEL}, {"caption", XC_LABEL},
};

static bool is_media(const char *key)
{
    return !strcmp(key, "image") || !strcmp(key, "big-image") || !strcmp(key, "audio") ||
           !strcmp(key, "video");
}

/* Classifies one header cell. Translatable columns ("label::French (fr)", "image::fr") record the
 * language spec; the languages themselves are numbered later, once all headers are known. */
static void classify(struct xb *b, const char *header, bool survey, struct xcol *c)
{
    *c = (struct xcol){.kind = XC_IGNORE, .header = header};
    if (!header[0]) return;
    const char *low = lower_copy(b->a, header);
    size_t skip = str_starts_with(low, "bind::") ? 6 : str_starts_with(low, "control::") ? 9 : 0;
    const char *key = low + skip, *sep = strstr(key, "::");
    const char *lang = sep ? xb_trim(b->a, header + (sep - low) + 2) : NULL;
    char *k = arena_strndup(b->a, key, sep ? (size_t)(sep - key) : strlen(key));
    k = (char *)xb_trim(b->a, k);

    if (!strcmp(k, "media") && lang) {          /* media::image[::lang] */
        const char *rest = lang, *sep2 = strstr(rest, "::");
        k = lower_copy(b->a, xb_trim(b->a, arena_strndup(b->a, rest, sep2 ? (size_t)(sep2 - rest) : strlen(rest))));
        lang = sep2 ? xb_trim(b->a, sep2 + 2) : NULL;
        if (!is_media(k)) {
            c->kind = XC_EXTRA;
            c->name = header;
            return;
        }
    }
    if (lang && !lang[0]) lang = NULL;
    if (is_media(k) || !strcmp(k, "guidance_hint")) {
        c->kind = XC_EXTRA;
        c->translatable = true;
        c->lang_spec = lang;
        c->has_lang = lang != NULL;
        const char *base = is_media(k) ? arena_printf(b->a, "media::%s", k) : "guidance_hint";
        c->name = lang ? arena_printf(b->a, "%s::%s", base, lang) : base;
        return;
    }
    const struct alias *tab = survey ? survey_aliases : choices_aliases;
    size_t n = survey ? sizeof survey_aliases / sizeof *survey_aliases
                      : sizeof choices_aliases / sizeof *choices_aliases;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(k, tab[i].key) != 0) continue;
        bool text = tab[i].kind >= XC_LABEL && tab[i].kind <= XC_CONSTRAINT_MSG;
        if (lang && !text) break; /* "relevant::fr" means nothing to XLSForm: keep it as extra */
        c->kind = tab[i].kind;
        c->translatable = text;
        c->lang_spec = lang;
        c->has_lang = lang != NULL;
        return;
    }
    c->kind = XC_EXTRA;
    c->name = header;
}

static struct xcol *read_header(struct xb *b, const struct sheet *s, bool survey, size_t *n)
{
    const struct sheet_row *h = &s->rows[0];
    struct xcol *cols = arena_calloc(b->a, h->ncells, sizeof *cols);
    for (size_t i = 0; i < h->ncells; i++) classify(b, xb_cell(b->a, h, i), survey, &cols[i]);
    *n = h->ncells;
    return cols;
}

/* Only texts make the "default" language: a plain image column beside label::en columns would
 * otherwise add a language with no words at all (pyxform does; its users meet "default" in Collect).
 * Plain media and guidance_hint columns simply go with the first language. */
static bool any_plain_text(const struct xcol *cols, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (cols[i].kind >= XC_LABEL && cols[i].kind <= XC_CONSTRAINT_MSG && !cols[i].has_lang)
            return true;
    return false;
}

static void register_langs(struct xb *b, struct xcol *cols, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!cols[i].translatable) continue;
        cols[i].lang = cols[i].has_lang ? lang_register(b, cols[i].lang_spec) : 0;
    }
}

/* Languages in order: settings' default_language, else "default" when a plain column exists, then
 * every language in column order (survey, then choices). A form with no text at all still has one. */
static void read_languages(struct xb *b)
{
    bool plain = any_plain_text(b->scol, b->nscol) || any_plain_text(b->ccol, b->nccol);
    if (b->default_language) lang_register(b, b->default_language);
    else if (plain) lang_register(b, "default");
    register_langs(b, b->scol, b->nscol);
    register_langs(b, b->ccol, b->nccol);
    if (!b->nlang) lang_register(b, "default");
}

/* Two columns that mean the same thing would silently overwrite each other. */
static void check_duplicate_columns(struct xb *b, const char *sheet, int row, const struct xcol *cols,
                                    size_t n)
{
    struct xmap seen = {0};
    for (size_t i = 0; i < n; i++) {
        const struct xcol *c = &cols[i];
        if (c->kind == XC_IGNORE) continue;
        const char *key = c->kind == XC_EXTRA
            ? arena_printf(b->a, "x:%s:%zu", lower_copy(b->a, c->name), c->translatable ? c->lang : 0)
            : arena_printf(b->a, "k:%d:%zu", (int)c->kind, c->translatable ? c->lang : 0);
        size_t first = xmap_put(b->a, &seen, key, i);
        if (first != i)
            xb_error(b, sheet, row, c->header, "column '%.*s' says the same as column '%.*s' before it; "
                     "keep one of them", xb_qlen(c->header), c->header, xb_qlen(cols[first].header),
                     cols[first].header);
    }
}

/* Values under a header cell that is empty are not read: say so once per column. */
static void check_headless(struct xb *b, const char *sheet, const struct sheet *s, const struct xcol *cols,
                           size_t ncols)
{
    bool *warned = NULL;
    for (size_t r = 1; r < s->nrows; r++) {
        const struct sheet_row *row = &s->rows[r];
        for (size_t c = 0; c < row->ncells; c++) {
            if ((c < ncols && cols[c].kind != XC_IGNORE) || xb_blank(row, c)) continue;
            if (!warned) warned = arena_calloc(b->a, SHEET_MAX_COLUMNS + 1, sizeof *warned);
            if (c > SHEET_MAX_COLUMNS || warned[c]) continue;
            warned[c] = true;
            char letters[8];
            sheet_column_name(c, letters);
            xb_warn(b, sheet, row->number, NULL, "a value in column %zu (%s), which has no header, "
                    "is ignored", c + 1, letters);
        }
    }
}

/* Per text kind and language, the header giving it; and a warning when a language lacks a column
 * that others have, since its pages then show the default language's words. */
static const char **text_columns(struct xb *b, const char *sheet, int row, const struct xcol *cols,
                                 size_t n, enum xcol_kind kind, const char *what)
{
    const char **by_lang = arena_calloc(b->a, b->nlang, sizeof *by_lang);
    bool any = false;
    for (size_t i = 0; i < n; i++)
        if (cols[i].kind == kind && !by_lang[cols[i].lang]) by_lang[cols[i].lang] = cols[i].header, any = true;
    if (!any) return NULL;
    for (size_t l = 0; l < b->nlang; l++) {
        if (by_lang[l]) continue;
        if (l == 0)
            xb_warn(b, sheet, row, NULL, "there is no %s column for the default language %.*s",
                    what, xb_qlen(b->langs[0].name), b->langs[0].name);
        else
            xb_warn(b, sheet, row, NULL, "there is no %s column for %.*s; its %ss show the %.*s text",
                    what, xb_qlen(b->langs[l].name), b->langs[l].name, what,
                    xb_qlen(b->langs[0].name), b->langs[0].name);
    }
    return by_lang;
}

/* --- settings ---------------------------------------------------------------------------------- */

static const char *settings_key(struct arena *a, const char *header)
{
    const char *k = lower_copy(a, header);
    if (!strcmp(k, "title") || !strcmp(k, "set form title")) return "form_title";
    if (!strcmp(k, "id_string") || !strcmp(k, "set form id")) return "form_id";
    return k;
}

const char *xb_setting(const struct form *f, const char *key)
{
    for (size_t i = 0; i < f->nsettings; i++)
        if (!strcmp(f->settings[i].name, key)) return f->settings[i].value;
    return "";
}

/* A settings sheet is a header row and one row of values under it. */
static void read_settings(struct xb *b)
{
    const struct sheet *s = b->settings;
    if (!s || !s->nrows) return;
    const struct sheet_row *h = &s->rows[0], *v = s->nrows > 1 ? &s->rows[1] : NULL;
    struct form *f = b->form;
    f->settings = arena_calloc(b->a, h->ncells, sizeof *f->settings);
    struct xmap seen = {0};
    for (size_t i = 0; i < h->ncells; i++) {
        const char *header = xb_cell(b->a, h, i);
        if (!header[0]) continue;
        const char *key = settings_key(b->a, header);
        if (xmap_put(b->a, &seen, key, i) != i) {
            xb_error(b, "settings", h->number, header, "the setting '%.*s' appears twice",
                     xb_qlen(header), header);
            continue;
        }
        f->settings[f->nsettings++] = (struct form_extra){key, v ? xb_cell(b->a, v, i) : ""};
    }
    for (size_t r = 2; r < s->nrows; r++)
        xb_warn(b, "settings", s->rows[r].number, NULL, "only the first row under the settings "
                "header is read; this row is ignored");
    const char *dl = xb_setting(f, "default_language");
    b->default_language = dl[0] ? dl : NULL;
}

static bool valid_form_id(const char *s)
{
    if (!s[0] || strlen(s) > 255) return false;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (!(isalnum(c) || c == '_' || c == '-' || c == '.' || c >= 0x80)) return false;
    }
    return true;
}

static void finish_settings(struct xb *b, const char *fallback_id)
{
    struct form *f = b->form;
    int row = b->settings && b->settings->nrows > 1 ? b->settings->rows[1].number : 0;
    const char *id = xb_setting(f, "form_id");
    if (id[0]) {
        if (!valid_form_id(id))
            xb_error(b, "settings", row, "form_id", "form_id '%.*s' may only contain letters, digits, "
                     "'_', '-' and '.' (at most 255)", xb_qlen(id), id);
    } else if (fallback_id && fallback_id[0]) {
        id = arena_strdup(b->a, fallback_id);
    } else {
        xb_error(b, "settings", 0, NULL, "form_id is missing: add a settings sheet with a form_id "
                 "column and the form's id under it");
    }
    f->form_id = id;
    f->version = xb_setting(f, "version");
    f->style = xb_setting(f, "style");
    f->instance_name_src = xb_setting(f, "instance_name");
    const char *title = xb_setting(f, "form_title");
    if (!title[0]) title = id;
    f->title = arena_alloc(b->a, b->nlang * sizeof *f->title);
    for (size_t l = 0; l < b->nlang; l++) f->title[l] = title;
}

/* --- choices ----------------------------------------------------------------------------------- */

static struct xlist *list_for(struct xb *b, const char *name, int row)
{
    ssize_t i = xmap_get(&b->list_index, name);
    if (i >= 0) return &b->lists[i];
    if (b->nlists == b->listcap) {
        size_t cap = b->listcap ? 2 * b->listcap : 8;
        struct xlist *lists = arena_alloc(b->a, cap * sizeof *lists);
        if (b->nlists) memcpy(lists, b->lists, b->nlists * sizeof *lists);
        b->lists = lists;
        b->listcap = cap;
    }
    struct xlist *l = &b->lists[b->nlists];
    *l = (struct xlist){.name = name, .first_row = row};
    l->values = arena_calloc(b->a, 1, sizeof *l->values);
    xmap_put(b->a, &b->list_index, name, b->nlists++);
    return l;
}

static void list_add(struct xb *b, struct xlist *l, const struct form_choice *c, int row)
{
    if (l->count == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 8;
        struct form_choice *choices = arena_alloc(b->a, cap * sizeof *choices);
        int *rows = arena_alloc(b->a, cap * sizeof *rows);
        if (l->count) {
            memcpy(choices, l->choices, l->count * sizeof *choices);
            memcpy(rows, l->rows, l->count * sizeof *rows);
        }
        l->choices = choices;
        l->rows = rows;
        l->cap = cap;
    }
    l->rows[l->count] = row;
    l->choices[l->count++] = *c;
}

/* Texts per language from the row's text columns of kind; missing ones take the default's. */
const char **xb_texts(struct xb *b, const struct sheet_row *r, const struct xcol *cols, size_t ncols,
                      enum xcol_kind kind)
{
    const char **t = arena_alloc(b->a, b->nlang * sizeof *t);
    for (size_t l = 0; l < b->nlang; l++) t[l] = "";
    for (size_t i = 0; i < ncols; i++) {
        if (cols[i].kind != kind) continue;
        const char *v = xb_cell(b->a, r, i);
        if (v[0] && !t[cols[i].lang][0]) t[cols[i].lang] = v;
    }
    for (size_t l = 1; l < b->nlang; l++)
        if (!t[l][0]) t[l] = t[0];
    return t;
}

/* Columns kept as extra: every non-empty XC_EXTRA cell of the row. */
void xb_extras(struct xb *b, const struct sheet_row *r, const struct xcol *cols, size_t ncols,
               struct form_extra **out, size_t *n)
{
    size_t count = 0;
    for (size_t i = 0; i < ncols && i < r->ncells; i++)
        if (cols[i].kind == XC_EXTRA && !xb_blank(r, i)) count++;
    *out = count ? arena_alloc(b->a, count * sizeof **out) : NULL;
    *n = 0;
    for (size_t i = 0; i < ncols && i < r->ncells; i++) {
        if (cols[i].kind != XC_EXTRA) continue;
        const char *v = xb_cell(b->a, r, i);
        if (v[0]) (*out)[(*n)++] = (struct form_extra){cols[i].name, v};
    }
}

bool xb_has_media(const struct sheet_row *r, const struct xcol *cols, size_t ncols)
{
    for (size_t i = 0; i < ncols && i < r->ncells; i++)
        if (cols[i].kind == XC_EXTRA && str_starts_with(cols[i].name, "media::") && !xb_blank(r, i))
            return true;
    return false;
}

static ssize_t find_col(const struct xcol *cols, size_t n, enum xcol_kind kind)
{
    for (size_t i = 0; i < n; i++)
        if (cols[i].kind == kind) return (ssize_t)i;
    return -1;
}

/* The trimmed list name of a choice row; every row repeats it, so a known one is not copied again. */
static const char *row_list_name(struct xb *b, const struct sheet_row *r, size_t c)
{
    if (c >= r->ncells) return "";
    const char *s = r->cells[c];
    size_t n;
    while ((n = space_at(s)) > 0) s += n;
    size_t len = strlen(s);
    while (len && strchr(" \t\n\r\v\f", s[len - 1])) len--;
    char buf[128];
    if (len < sizeof buf) {
        memcpy(buf, s, len);
        buf[len] = '\0';
        ssize_t i = xmap_get(&b->list_index, buf);
        if (i >= 0) return b->lists[i].name;
    }
    return xb_cell(b->a, r, c);
}

static void read_choice_row(struct xb *b, const struct sheet_row *r, size_t list_col, size_t name_col)
{
    const char *list_name = row_list_name(b, r, list_col), *value = xb_cell(b->a, r, name_col);
    const char *list_h = b->ccol[list_col].header, *name_h = b->ccol[name_col].header;
    if (!list_name[0]) {
        xb_error(b, "choices", r->number, list_h, "this choice has no list_name, so no question can "
                 "use it");
        return;
    }
    struct xlist *l = list_for(b, list_name, r->number);
    if (!value[0]) {
        xb_error(b, "choices", r->number, name_h, "this choice of list '%.*s' has no name (the value "
                 "stored when it is chosen)", xb_qlen(list_name), list_name);
        return;
    }
    ssize_t first = xmap_get(l->values, value);
    if (first >= 0) {
        xb_error(b, "choices", r->number, name_h, "choice '%.*s' appears twice in list '%.*s' (first "
                 "on row %d); each value of a list must be different", xb_qlen(value), value,
                 xb_qlen(list_name), list_name, l->rows[first]);
        return;
    }
    struct form_choice c = {.value = value};
    c.label = xb_texts(b, r, b->ccol, b->nccol, XC_LABEL);
    xb_extras(b, r, b->ccol, b->nccol, &c.extra, &c.nextra);
    if (b->clabel_col && !c.label[0][0] && !xb_has_media(r, b->ccol, b->nccol)) {
        bool any = false;
        for (size_t i = 0; i < b->nlang; i++) any |= c.label[i][0] != '\0';
        if (!any)
            xb_warn(b, "choices", r->number, b->clabel_col ? b->clabel_col[0] : NULL,
                    "choice '%.*s' of list '%.*s' has no label; its name is shown instead",
                    xb_qlen(value), value, xb_qlen(list_name), list_name);
    }
    xmap_put(b->a, l->values, value, l->count);
    list_add(b, l, &c, r->number);
}

static void read_choices(struct xb *b)
{
    const struct sheet *s = b->choices;
    if (!s || !s->nrows) return;
    int hrow = s->rows[0].number;
    ssize_t list_col = find_col(b->ccol, b->nccol, XC_LIST_NAME);
    ssize_t name_col = find_col(b->ccol, b->nccol, XC_NAME);
    if (list_col < 0)
        xb_error(b, "choices", hrow, NULL, "the choices sheet has no list_name column");
    if (name_col < 0)
        xb_error(b, "choices", hrow, NULL, "the choices sheet has no name column");
    if (!b->clabel_col && s->nrows > 1)
        xb_warn(b, "choices", hrow, NULL, "the choices sheet has no label column; pages show each "
                "choice's name");
    if (list_col < 0 || name_col < 0) {
        b->choices_unreadable = true;
        return;
    }
    for (size_t r = 1; r < s->nrows; r++)
        read_choice_row(b, &s->rows[r], (size_t)list_col, (size_t)name_col);
}

static void finish_lists(struct xb *b)
{
    struct form *f = b->form;
    f->lists = arena_calloc(b->a, b->nlists ? b->nlists : 1, sizeof *f->lists);
    f->nlists = b->nlists;
    for (size_t i = 0; i < b->nlists; i++)
        f->lists[i] = (struct form_choice_list){b->lists[i].name, b->lists[i].choices, b->lists[i].count};
}

/* --- the build --------------------------------------------------------------------------------- */

static int sheet_rank(const char *sheet)
{
    if (!sheet) return 0;
    if (!strcmp(sheet, "survey")) return 1;
    if (!strcmp(sheet, "choices")) return 2;
    if (!strcmp(sheet, "settings")) return 3;
    return 4;
}

struct ranked {
    struct form_problem p;
    size_t seq;
};

static int cmp_ranked(const void *x, const void *y)
{
    const struct ranked *a = x, *b = y;
    int ra = sheet_rank(a->p.sheet), rb = sheet_rank(b->p.sheet);
    if (ra != rb) return ra < rb ? -1 : 1;
    if (ra == 4 && a->p.sheet && b->p.sheet) {
        int c = strcmp(a->p.sheet, b->p.sheet);
        if (c) return c;
    }
    if (a->p.row != b->p.row) return a->p.row < b->p.row ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Problems are found check by check; a person reads them best in sheet and row order. */
static void sort_problems(struct arena *a, struct form_problems *ps)
{
    if (ps->count < 2) return;
    struct ranked *tmp = arena_alloc(a, ps->count * sizeof *tmp);
    for (size_t i = 0; i < ps->count; i++) tmp[i] = (struct ranked){ps->items[i], i};
    qsort(tmp, ps->count, sizeof *tmp, cmp_ranked);
    for (size_t i = 0; i < ps->count; i++) ps->items[i] = tmp[i].p;
}

/* Sheets other than the three are not read; pyxform's external_choices and entities included. */
static void find_sheets(struct xb *b, const struct sheet_book *book)
{
    b->survey = sheet_find(book, "survey");
    b->choices = sheet_find(book, "choices");
    b->settings = sheet_find(book, "settings");
    for (size_t i = 0; i < book->count; i++) {
        const struct sheet *s = &book->sheets[i];
        if (s == b->survey || s == b->choices || s == b->settings) continue;
        const char *name = arena_strdup(b->a, s->name);
        xb_warn(b, name, 0, NULL, "sheet '%.*s' is not read by edubridge (only survey, choices and "
                "settings are)", xb_qlen(name), name);
    }
    if (!b->survey) {
        struct strbuf sb;
        strbuf_init(&sb, b->a, 64);
        for (size_t i = 0; i < book->count && i < 10; i++)
            strbuf_printf(&sb, "%s'%.*s'", i ? ", " : "", xb_qlen(book->sheets[i].name), book->sheets[i].name);
        if (book->count)
            xb_error(b, NULL, 0, NULL, "the file has no survey sheet (it has %s)", sb.data);
        else
            xb_error(b, NULL, 0, NULL, "the file has no survey sheet (it has no sheets at all)");
    } else if (b->survey->nrows < 2) {
        xb_error(b, "survey", b->survey->nrows ? b->survey->rows[0].number : 0, NULL,
                 "the survey sheet has no questions under its header row");
    }
}

static void read_headers(struct xb *b)
{
    if (b->survey && b->survey->nrows) b->scol = read_header(b, b->survey, true, &b->nscol);
    if (b->choices && b->choices->nrows) b->ccol = read_header(b, b->choices, false, &b->nccol);
    read_languages(b);
    static const char *const what[XT_COUNT] = {"label", "hint", "required_message", "constraint_message"};
    if (b->scol) {
        int row = b->survey->rows[0].number;
        check_duplicate_columns(b, "survey", row, b->scol, b->nscol);
        check_headless(b, "survey", b->survey, b->scol, b->nscol);
        for (int k = 0; k < XT_COUNT; k++)
            b->stext_col[k] = text_columns(b, "survey", row, b->scol, b->nscol, XC_LABEL + k, what[k]);
    }
    if (b->ccol) {
        int row = b->choices->rows[0].number;
        check_duplicate_columns(b, "choices", row, b->ccol, b->nccol);
        check_headless(b, "choices", b->choices, b->ccol, b->nccol);
        b->clabel_col = text_columns(b, "choices", row, b->ccol, b->nccol, XC_LABEL, "label");
    }
}

int xlsform_build(struct arena *a, const struct sheet_book *book, const char *fallback_id,
                  struct form **out, struct form_problems *problems)
{
    size_t errors_before = problems->errors;
    struct xb b = {.a = a, .probs = problems};
    b.form = arena_calloc(a, 1, sizeof *b.form);
    *out = NULL;

    find_sheets(&b, book);
    read_settings(&b);
    read_headers(&b);
    struct form *f = b.form;
    f->languages = b.langs;
    f->nlang = b.nlang;
    f->default_lang = 0;
    read_choices(&b);
    finish_lists(&b);
    finish_settings(&b, fallback_id);
    if (b.survey && b.survey->nrows >= 2) xb_read_survey(&b);
    form_index(f, a);
    xb_check(&b);

    sort_problems(a, problems);
    if (problems->errors > errors_before) return ERR_INVALID;
    *out = f;
    return 0;
}

/* pyxform names a form without form_id after its file: "Needs survey (v2).xlsx" -> "Needs_survey__v2_". */
static const char *id_from_path(struct arena *a, const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    char *id = arena_strndup(a, base, dot && dot != base ? (size_t)(dot - base) : strlen(base));
    for (char *p = id; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (!(isalnum(c) || c == '_' || c == '-' || c == '.' || c >= 0x80)) *p = '_';
    }
    return id;
}

static int read_failed(struct arena *a, struct form_problems *problems, const struct err *e)
{
    struct xb b = {.a = a, .probs = problems};
    xb_error(&b, NULL, 0, NULL, "%s", e->msg[0] ? e->msg : "the file cannot be read");
    return e->code < 0 ? e->code : ERR_INVALID;
}

int xlsform_read_file(struct arena *a, const char *path, const char *fallback_id, struct form **out,
                      struct form_problems *problems)
{
    struct arena scratch; /* the workbook dies with the read: the form copies what it keeps */
    arena_init(&scratch, 0);
    struct sheet_book book;
    struct err e;
    err_clear(&e);
    *out = NULL;
    int rc = sheet_read_file(&scratch, path, &book, &e);
    if (rc) rc = read_failed(a, problems, &e);
    else rc = xlsform_build(a, &book, fallback_id ? fallback_id : id_from_path(a, path), out, problems);
    arena_free(&scratch);
    return rc;
}

int xlsform_read_memory(struct arena *a, const char *format, const void *data, size_t len,
                        const char *fallback_id, struct form **out, struct form_problems *problems)
{
    struct arena scratch;
    arena_init(&scratch, 0);
    struct sheet_book book;
    struct err e;
    err_clear(&e);
    *out = NULL;
    int rc = sheet_read_memory(&scratch, format, data, len, &book, &e);
    if (rc) rc = read_failed(a, problems, &e);
    else rc = xlsform_build(a, &book, fallback_id, out, problems);
    arena_free(&scratch);
    return rc;
}

void xlsform_problem_format(const struct form_problem *p, struct strbuf *sb)
{
    if (p->warning) strbuf_puts(sb, "warning: ");
    if (p->sheet) {
        strbuf_printf(sb, "sheet %s", p->sheet);
        if (p->row > 0) strbuf_printf(sb, ", row %d", p->row);
        if (p->column) strbuf_printf(sb, ", column %s", p->column);
        strbuf_puts(sb, ": ");
    } else if (p->row > 0) {
        strbuf_printf(sb, "row %d: ", p->row);
    }
    strbuf_puts(sb, p->message);
}

void xlsform_problems_format(const struct form_problems *ps, struct strbuf *sb)
{
    for (size_t i = 0; i < ps->count; i++) {
        xlsform_problem_format(&ps->items[i], sb);
        strbuf_putc(sb, '\n');
    }
    if (ps->omitted)
        strbuf_printf(sb, "... and %zu more problem%s not listed\n", ps->omitted, ps->omitted == 1 ? "" : "s");
}

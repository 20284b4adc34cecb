#include "base/i18n.h"

#include "base/assets.h"
#include "base/str.h"

#include <ctype.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

struct i18n_entry {
    char *msgid;
    char *msgstr[2]; /* [1] only for plural entries */
    bool plural;     /* had a msgid_plural: a missing msgstr[1] falls back to English */
};

struct i18n_catalogue {
    struct i18n_entry *entries; /* sorted by msgid for bsearch */
    size_t count;
};

static struct i18n_lang languages[] = {
    {"en", "English", false, 0, NULL, NULL},
    {"fr", "Français", false, 1, "po/fr.po", NULL},
    {"es", "Español", false, 0, "po/es.po", NULL},
    {"de", "Deutsch", false, 0, "po/de.po", NULL},
    {"pl", "Polski", false, 0, "po/pl.po", NULL},
};
enum { LANG_COUNT = sizeof languages / sizeof languages[0] };
static const struct i18n_lang *language_menu[LANG_COUNT + 1];

/* --- .po parsing ------------------------------------------------------------------------------- */

struct po_parser {
    const char *name;
    const char *p;
    int line;
    struct err *e;
};

/* Spaces, tabs, and the '\r' of a file saved with CRLF line ends. */
static void skip_blank(const char **p)
{
    while (**p == ' ' || **p == '\t' || **p == '\r') (*p)++;
}

/* Reads one C-style quoted string at p->p and appends its value to sb. */
static int po_string(struct po_parser *pp, struct strbuf *sb)
{
    const char *s = pp->p;
    skip_blank(&s);
    if (*s != '"') return err_set(pp->e, ERR_INVALID, "%s, line %d: expected a quoted string", pp->name, pp->line);
    s++;
    while (*s && *s != '"') {
        if (*s == '\n') break;
        if (*s == '\\') {
            s++;
            switch (*s) {
            case 'n': strbuf_putc(sb, '\n'); break;
            case 't': strbuf_putc(sb, '\t'); break;
            case '"': strbuf_putc(sb, '"'); break;
            case '\\': strbuf_putc(sb, '\\'); break;
            default:
                return err_set(pp->e, ERR_INVALID, "%s, line %d: unknown escape '\\%c'", pp->name, pp->line, *s ? *s : ' ');
            }
            s++;
        } else {
            strbuf_putc(sb, *s++);
        }
    }
    if (*s != '"') return err_set(pp->e, ERR_INVALID, "%s, line %d: unterminated string", pp->name, pp->line);
    s++;
    skip_blank(&s);
    if (*s && *s != '\n')
        return err_set(pp->e, ERR_INVALID, "%s, line %d: unexpected text after a string", pp->name, pp->line);
    pp->p = s;
    return 0;
}

static void po_next_line(struct po_parser *pp)
{
    while (*pp->p && *pp->p != '\n') pp->p++;
    if (*pp->p == '\n') {
        pp->p++;
        pp->line++;
    }
}

/* Reads `keyword "..."` followed by any continuation lines `"..."`. */
static int po_field(struct po_parser *pp, struct strbuf *sb)
{
    if (po_string(pp, sb) < 0) return -1;
    po_next_line(pp);
    for (;;) {
        const char *q = pp->p;
        skip_blank(&q);
        if (*q != '"') return 0;
        pp->p = q;
        if (po_string(pp, sb) < 0) return -1;
        po_next_line(pp);
    }
}

static int entry_cmp(const void *a, const void *b)
{
    return strcmp(((const struct i18n_entry *)a)->msgid, ((const struct i18n_entry *)b)->msgid);
}

static char *take(struct strbuf *sb)
{
    char *s = strdup(sb->data);
    if (!s) abort();
    strbuf_reset(sb);
    return s;
}

struct i18n_catalogue *i18n_catalogue_parse(const char *name, const char *text, struct err *e)
{
    struct po_parser pp = {name, text, 1, e};
    struct i18n_catalogue *c = calloc(1, sizeof *c);
    size_t cap = 0;
    struct strbuf id, plural, str0, str1;
    strbuf_init(&id, NULL, 128);
    strbuf_init(&plural, NULL, 128);
    strbuf_init(&str0, NULL, 128);
    strbuf_init(&str1, NULL, 128);
    bool have_id = false, have_str = false, have_plural = false;
    int id_line = 0;

    for (;;) {
        const char *q = pp.p;
        skip_blank(&q);
        bool end = *q == '\0';
        bool starts_entry = end || str_starts_with(q, "msgid ") || *q == '\n' || *q == '#';
        if (starts_entry && have_id) {
            if (!have_str) {
                err_set(e, ERR_INVALID, "%s, line %d: msgid without msgstr", name, id_line);
                goto fail;
            }
            /* The header entry (empty msgid) and untranslated entries add nothing. */
            if (id.len && str0.len) {
                if (c->count == cap) {
                    cap = cap ? cap * 2 : 64;
                    c->entries = realloc(c->entries, cap * sizeof *c->entries);
                    if (!c->entries) abort();
                }
                struct i18n_entry *en = &c->entries[c->count++];
                en->msgid = take(&id);
                en->msgstr[0] = take(&str0);
                en->msgstr[1] = str1.len ? take(&str1) : NULL;
                en->plural = have_plural;
            }
            strbuf_reset(&id);
            strbuf_reset(&plural);
            strbuf_reset(&str0);
            strbuf_reset(&str1);
            have_id = have_str = have_plural = false;
        }
        if (end) break;
        pp.p = q;
        if (*q == '\n' || *q == '#') {
            po_next_line(&pp);
        } else if (str_starts_with(q, "msgctxt ")) {
            err_set(e, ERR_INVALID, "%s, line %d: msgctxt is not supported", name, pp.line);
            goto fail;
        } else if (str_starts_with(q, "msgid_plural ")) {
            if (!have_id || have_str) {
                err_set(e, ERR_INVALID, "%s, line %d: msgid_plural without msgid", name, pp.line);
                goto fail;
            }
            pp.p = q + 13;
            if (po_field(&pp, &plural) < 0) goto fail;
            have_plural = true;
        } else if (str_starts_with(q, "msgid ")) {
            id_line = pp.line;
            pp.p = q + 6;
            if (po_field(&pp, &id) < 0) goto fail;
            have_id = true;
        } else if (str_starts_with(q, "msgstr[0] ") || str_starts_with(q, "msgstr ")) {
            if (!have_id) {
                err_set(e, ERR_INVALID, "%s, line %d: msgstr without msgid", name, pp.line);
                goto fail;
            }
            if (have_str) {
                err_set(e, ERR_INVALID, "%s, line %d: a second msgstr for the same msgid", name, pp.line);
                goto fail;
            }
            pp.p = q + (q[6] == '[' ? 10 : 7);
            if (po_field(&pp, &str0) < 0) goto fail;
            have_str = true;
        } else if (str_starts_with(q, "msgstr[1] ")) {
            if (!have_id) {
                err_set(e, ERR_INVALID, "%s, line %d: msgstr without msgid", name, pp.line);
                goto fail;
            }
            pp.p = q + 10;
            if (po_field(&pp, &str1) < 0) goto fail;
        } else if (str_starts_with(q, "msgstr[")) {
            if (!have_id) {
                err_set(e, ERR_INVALID, "%s, line %d: msgstr without msgid", name, pp.line);
                goto fail;
            }
            po_next_line(&pp); /* further plural forms: our languages use two */
            while (*pp.p == '"') po_next_line(&pp);
        } else {
            err_set(e, ERR_INVALID, "%s, line %d: unexpected text", name, pp.line);
            goto fail;
        }
    }
    strbuf_free(&id);
    strbuf_free(&plural);
    strbuf_free(&str0);
    strbuf_free(&str1);
    if (c->count) qsort(c->entries, c->count, sizeof *c->entries, entry_cmp); /* entries is NULL when empty */
    for (size_t i = 1; i < c->count; i++) {
        if (strcmp(c->entries[i - 1].msgid, c->entries[i].msgid) == 0) {
            err_set(e, ERR_INVALID, "%s: \"%s\" is translated twice", name, c->entries[i].msgid);
            i18n_catalogue_free(c);
            return NULL;
        }
    }
    return c;
fail:
    strbuf_free(&id);
    strbuf_free(&plural);
    strbuf_free(&str0);
    strbuf_free(&str1);
    i18n_catalogue_free(c);
    return NULL;
}

const char *i18n_catalogue_lookup(const struct i18n_catalogue *c, const char *msgid, int form)
{
    if (!c || !c->count) return NULL;
    struct i18n_entry key = {(char *)msgid, {NULL, NULL}, false};
    const struct i18n_entry *en = bsearch(&key, c->entries, c->count, sizeof key, entry_cmp);
    if (!en) return NULL;
    if (form == 1 && en->msgstr[1]) return en->msgstr[1];
    if (form == 1 && en->plural) return NULL; /* plural not translated: English, not the singular */
    return en->msgstr[0];
}

void i18n_catalogue_free(struct i18n_catalogue *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->count; i++) {
        free(c->entries[i].msgid);
        free(c->entries[i].msgstr[0]);
        free(c->entries[i].msgstr[1]);
    }
    free(c->entries);
    free(c);
}

/* --- languages --------------------------------------------------------------------------------- */

int i18n_init(struct err *e)
{
    for (size_t i = 0; i < LANG_COUNT; i++) {
        struct i18n_lang *l = &languages[i];
        language_menu[i] = l;
        if (!l->po_asset || l->catalogue) continue;
        const struct asset *a = asset_find(l->po_asset);
        if (!a) return err_set(e, ERR_INTERNAL, "catalogue %s is not in the binary", l->po_asset);
        l->catalogue = i18n_catalogue_parse(l->po_asset, (const char *)a->data, e);
        if (!l->catalogue) return -1;
    }
    language_menu[LANG_COUNT] = NULL;
    return 0;
}

void i18n_shutdown(void)
{
    for (size_t i = 0; i < LANG_COUNT; i++) {
        i18n_catalogue_free(languages[i].catalogue);
        languages[i].catalogue = NULL;
    }
}

const struct i18n_lang *i18n_default(void)
{
    return &languages[0];
}

const struct i18n_lang *const *i18n_languages(void)
{
    return language_menu;
}

const struct i18n_lang *i18n_find(const char *code)
{
    if (!code || !*code) return NULL;
    /* "fr-BE" and "fr_BE" find French: compare the primary subtag. */
    size_t n = strcspn(code, "-_");
    for (size_t i = 0; i < LANG_COUNT; i++) {
        const char *c = languages[i].code;
        if (strlen(c) == n && strncasecmp(c, code, n) == 0) return &languages[i];
    }
    return NULL;
}

/* Picks the supported language with the highest q in an Accept-Language header (RFC 9110 12.5.4);
 * on equal q the first listed wins. */
static const struct i18n_lang *from_accept_language(const char *header)
{
    const struct i18n_lang *best = NULL;
    double best_q = 0.0;
    const char *p = header;
    while (p && *p) {
        while (*p == ' ' || *p == ',') p++;
        char tag[32];
        size_t n = 0;
        while (*p && *p != ',' && *p != ';' && *p != ' ') {
            if (n + 1 < sizeof tag) tag[n++] = *p;
            p++;
        }
        tag[n] = '\0';
        double q = 1.0;
        while (*p == ' ') p++;
        if (*p == ';') {
            p++;
            while (*p == ' ') p++;
            if ((p[0] == 'q' || p[0] == 'Q') && p[1] == '=') q = strtod(p + 2, NULL);
            while (*p && *p != ',') p++;
        }
        const struct i18n_lang *l = i18n_find(tag);
        if (l && q > best_q) {
            best = l;
            best_q = q;
        }
        while (*p && *p != ',') p++;
    }
    return best;
}

const struct i18n_lang *i18n_negotiate(const char *query_lang, const char *cookie_lang,
                                       const char *accept_language)
{
    const struct i18n_lang *l = i18n_find(query_lang);
    if (!l) l = i18n_find(cookie_lang);
    if (!l && accept_language) l = from_accept_language(accept_language);
    return l ? l : i18n_default();
}

const char *i18n_get(const struct i18n_lang *lang, const char *msgid)
{
    const char *t = lang ? i18n_catalogue_lookup(lang->catalogue, msgid, 0) : NULL;
    return t ? t : msgid;
}

const char *i18n_nget(const struct i18n_lang *lang, const char *singular, const char *plural, long n)
{
    int form;
    if (lang && lang->plural_kind == 1) form = n > 1;
    else form = n != 1;
    const char *t = lang ? i18n_catalogue_lookup(lang->catalogue, singular, form) : NULL;
    if (t) return t;
    return form ? plural : singular;
}

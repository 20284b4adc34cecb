/* Tests for base/i18n: the .po parser (escapes, continuation lines, the header entry, plural
 * forms, comments, errors with line numbers, duplicates), language negotiation (query, cookie,
 * Accept-Language with q-values), the catalogues compiled into the binary, and plural rules. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assets.h"
#include "base/i18n.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- .po parsing ------------------------------------------------------------------------------ */

static const char sample_po[] =
    "# A translator's comment.\n"
    "#, fuzzy\n"
    "msgid \"\"\n"
    "msgstr \"\"\n"
    "\"Content-Type: text/plain; charset=UTF-8\\n\"\n"
    "\"Plural-Forms: nplurals=2; plural=(n > 1);\\n\"\n"
    "\n"
    "#: src/web/layout.c:17\n"
    "msgid \"Home\"\n"
    "msgstr \"Accueil\"\n"
    "\n"
    "msgid \"Say \\\"hello\\\"\\tthen\\\\wait\\n\"\n"
    "msgstr \"Dites \\\"bonjour\\\"\\tpuis\\\\attendez\\n\"\n"
    "\n"
    "msgid \"\"\n"
    "\"A long text \"\n"
    "  \"on several lines\"\n"
    "msgstr \"\"\n"
    "\"Un long texte \"\n"
    "\t\"sur plusieurs lignes\"\n"
    "\n"
    "msgid \"%d device\"\n"
    "msgid_plural \"%d devices\"\n"
    "msgstr[0] \"%d appareil\"\n"
    "msgstr[1] \"%d appareils\"\n"
    "\n"
    "# untranslated: falls back to English\n"
    "msgid \"Untranslated\"\n"
    "msgstr \"\"\n"
    "\n"
    "msgid \"%d school\"\n"
    "msgid_plural \"%d schools\"\n"
    "msgstr[0] \"%d école\"\n"
    "msgstr[1] \"\"\n"
    "\n"
    "msgid \"%d club\"\n"
    "msgid_plural \"%d clubs\"\n"
    "msgstr[0] \"%d club\"\n"
    "msgstr[1] \"%d clubs\"\n"
    "msgstr[2] \"ignored third form\"\n"
    "\n"
    "   msgid   \"Indented\"   \n"
    "msgstr \"Indenté\"\n"
    "msgid \"No blank line before\"\n"
    "msgstr \"Pas de ligne vide avant\"\n"
    "#~ msgid \"Obsolete\"\n"
    "#~ msgstr \"Obsolète\"\n"
    "msgid \"Last, without a final newline\"\n"
    "msgstr \"Dernier, sans saut de ligne final\"";

static void test_parse_sample(void **state)
{
    (void)state;
    struct err e;
    err_clear(&e);
    struct i18n_catalogue *c = i18n_catalogue_parse("sample.po", sample_po, &e);
    if (!c) fail_msg("parse failed: %s", e.msg);
    static const struct {
        const char *msgid;
        int form;
        const char *want; /* NULL: not in the catalogue */
    } cases[] = {
        {"Home", 0, "Accueil"},
        {"Home", 1, "Accueil"},                 /* not a plural entry: the one form */
        {"Say \"hello\"\tthen\\wait\n", 0, "Dites \"bonjour\"\tpuis\\attendez\n"},
        {"A long text on several lines", 0, "Un long texte sur plusieurs lignes"},
        {"%d device", 0, "%d appareil"},
        {"%d device", 1, "%d appareils"},
        {"%d devices", 0, NULL},                /* looked up by the singular */
        {"Untranslated", 0, NULL},
        {"%d school", 0, "%d école"},
        {"%d school", 1, NULL},                 /* plural not translated: English, not singular */
        {"%d club", 1, "%d clubs"},
        {"Indented", 0, "Indenté"},
        {"No blank line before", 0, "Pas de ligne vide avant"},
        {"Obsolete", 0, NULL},
        {"Last, without a final newline", 0, "Dernier, sans saut de ligne final"},
        {"", 0, NULL},                          /* the header entry is skipped */
        {"home", 0, NULL},
        {"Missing", 0, NULL},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        const char *got = i18n_catalogue_lookup(c, cases[i].msgid, cases[i].form);
        if (!cases[i].want) {
            if (got) fail_msg("'%s'[%d] found as '%s'", cases[i].msgid, cases[i].form, got);
        } else {
            if (!got) fail_msg("'%s'[%d] not found", cases[i].msgid, cases[i].form);
            assert_string_equal(got, cases[i].want);
        }
    }
    i18n_catalogue_free(c);
}

/* A file saved with CRLF line ends reads the same. */
static void test_parse_crlf(void **state)
{
    (void)state;
    struct err e;
    err_clear(&e);
    const char *text = "msgid \"\"\r\nmsgstr \"\"\r\n\"Language: fr\\n\"\r\n\r\n"
                       "# comment\r\nmsgid \"Home\"\r\nmsgstr \"Accueil\"\r\n\r\n"
                       "msgid \"A\"\r\n\"B\"\r\nmsgstr \"C\"\r\n\"D\"\r\n";
    struct i18n_catalogue *c = i18n_catalogue_parse("crlf.po", text, &e);
    if (!c) fail_msg("parse failed: %s", e.msg);
    assert_string_equal(i18n_catalogue_lookup(c, "Home", 0), "Accueil");
    assert_string_equal(i18n_catalogue_lookup(c, "AB", 0), "CD");
    i18n_catalogue_free(c);
}

static void test_parse_empty(void **state)
{
    (void)state;
    struct err e;
    err_clear(&e);
    static const char *const texts[] = {"", "\n\n", "# only comments\n#\n", "msgid \"\"\nmsgstr \"x\"\n"};
    for (size_t i = 0; i < COUNT(texts); i++) {
        struct i18n_catalogue *c = i18n_catalogue_parse("empty.po", texts[i], &e);
        assert_non_null(c);
        assert_null(i18n_catalogue_lookup(c, "anything", 0));
        i18n_catalogue_free(c);
    }
    assert_null(i18n_catalogue_lookup(NULL, "x", 0));
    i18n_catalogue_free(NULL);
}

/* Every error names the file and the line, and nothing is returned. */
static void test_parse_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *msg;
    } cases[] = {
        {"msgid \"a\"\nmsgstr \"b\"\n\nmsgid \"c\n", "bad.po, line 4: unterminated string"},
        {"msgid \"a\"\nmsgstr \"b\\q\"\n", "bad.po, line 2: unknown escape '\\q'"},
        {"msgid \"a\"\nmsgstr \"b\\", "bad.po, line 2: unknown escape '\\ '"},
        {"msgid a\nmsgstr \"b\"\n", "bad.po, line 1: expected a quoted string"},
        {"msgid \"a\"\nmsgstr\n", "bad.po, line 2: unexpected text"},
        {"\n\nmsgid \"a\"\n\nmsgstr \"b\"\n", "bad.po, line 3: msgid without msgstr"},
        {"msgid \"a\"\nmsgid \"b\"\nmsgstr \"c\"\n", "bad.po, line 1: msgid without msgstr"},
        {"msgid \"a\"\n", "bad.po, line 1: msgid without msgstr"},
        {"msgstr \"orphan\"\n", "bad.po, line 1: msgstr without msgid"},
        {"\nmsgstr[1] \"orphan\"\n\nmsgid \"a\"\nmsgstr \"b\"\n", "bad.po, line 2: msgstr without msgid"},
        {"msgstr[2] \"orphan\"\n", "bad.po, line 1: msgstr without msgid"},
        {"msgid_plural \"as\"\n", "bad.po, line 1: msgid_plural without msgid"},
        {"msgid \"a\"\nmsgstr \"b\"\nmsgstr \"c\"\n", "bad.po, line 3: a second msgstr for the same msgid"},
        {"msgctxt \"menu\"\nmsgid \"a\"\nmsgstr \"b\"\n", "bad.po, line 1: msgctxt is not supported"},
        {"msgid \"a\"\nmsgstr \"b\"\nhello\n", "bad.po, line 3: unexpected text"},
        {"msgid \"a\" trailing\nmsgstr \"b\"\n", "bad.po, line 1: unexpected text after a string"},
        {"msgid \"a\"\nmsgstr \"b\"\n\"c\" \"d\"\n", "bad.po, line 3: unexpected text after a string"},
        {"msgid \"a\"\nmsgstr \"b\"\n\nmsgid \"x\"\nmsgstr \"y\"\n\nmsgid \"a\"\nmsgstr \"c\"\n",
         "bad.po: \"a\" is translated twice"},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        struct err e;
        err_clear(&e);
        struct i18n_catalogue *c = i18n_catalogue_parse("bad.po", cases[i].text, &e);
        if (c) fail_msg("case %zu parsed, want error '%s'", i, cases[i].msg);
        assert_int_equal(e.code, ERR_INVALID);
        if (strcmp(e.msg, cases[i].msg) != 0) fail_msg("case %zu: '%s', want '%s'", i, e.msg, cases[i].msg);
    }
}

/* A catalogue with two entries for the same text but one untranslated is fine: only
 * translations count. */
static void test_duplicate_untranslated_ok(void **state)
{
    (void)state;
    struct err e;
    err_clear(&e);
    struct i18n_catalogue *c =
        i18n_catalogue_parse("dup.po", "msgid \"a\"\nmsgstr \"\"\n\nmsgid \"a\"\nmsgstr \"b\"\n", &e);
    assert_non_null(c);
    assert_string_equal(i18n_catalogue_lookup(c, "a", 0), "b");
    i18n_catalogue_free(c);
}

/* Many entries: lookups by binary search find each one. */
static void test_many_entries(void **state)
{
    (void)state;
    enum { N = 500 };
    size_t cap = N * 64;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t n = 0;
    for (int i = N - 1; i >= 0; i--)
        n += (size_t)snprintf(text + n, cap - n, "msgid \"key %04d\"\nmsgstr \"valeur %d\"\n\n", i, i);
    struct err e;
    err_clear(&e);
    struct i18n_catalogue *c = i18n_catalogue_parse("many.po", text, &e);
    if (!c) fail_msg("%s", e.msg);
    for (int i = 0; i < N; i++) {
        char key[32], want[32];
        snprintf(key, sizeof key, "key %04d", i);
        snprintf(want, sizeof want, "valeur %d", i);
        assert_string_equal(i18n_catalogue_lookup(c, key, 0), want);
    }
    assert_null(i18n_catalogue_lookup(c, "key 9999", 0));
    i18n_catalogue_free(c);
    free(text);
}

/* ---- negotiation ------------------------------------------------------------------------------ */

static void test_find(void **state)
{
    (void)state;
    static const struct {
        const char *code, *want;
    } cases[] = {
        {"en", "en"}, {"fr", "fr"}, {"es", "es"}, {"FR", "fr"}, {"Es", "es"},
        {"fr-BE", "fr"}, {"fr_CA", "fr"}, {"en-GB", "en"}, {"es-419", "es"},
        {"tlh", NULL}, {"zz", NULL}, {"f", NULL}, {"fra", NULL}, {"french", NULL}, {"", NULL}, {"-", NULL},
        {"*", NULL}, {"fr ", NULL}, {" fr", NULL},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        const struct i18n_lang *l = i18n_find(cases[i].code);
        if (!cases[i].want) {
            if (l) fail_msg("i18n_find('%s') found %s", cases[i].code, l->code);
        } else {
            if (!l) fail_msg("i18n_find('%s') found nothing", cases[i].code);
            assert_string_equal(l->code, cases[i].want);
        }
    }
    assert_null(i18n_find(NULL));
    assert_string_equal(i18n_default()->code, "en");
}

static void test_negotiate(void **state)
{
    (void)state;
    static const struct {
        const char *query, *cookie, *accept;
        const char *want;
    } cases[] = {
        {NULL, NULL, NULL, "en"},
        /* query beats cookie beats Accept-Language */
        {"fr", "es", "es", "fr"},
        {NULL, "es", "fr", "es"},
        {NULL, NULL, "es", "es"},
        {"es", NULL, "fr", "es"},
        /* an unknown or empty choice passes to the next */
        {"xx", "es", "fr", "es"},
        {"", "es", "fr", "es"},
        {"xx", "yy", "fr", "fr"},
        {"tlh", "zz", "tlh", "en"},
        {"fr-BE", NULL, NULL, "fr"},
        {NULL, "es-MX", NULL, "es"},
        /* Accept-Language */
        {NULL, NULL, "fr-BE", "fr"},
        {NULL, NULL, "fr-BE,fr;q=0.9,en;q=0.8", "fr"},
        {NULL, NULL, "tlh-KL,tlh;q=0.9,es;q=0.7,en;q=0.5", "es"},
        {NULL, NULL, "en;q=0.5, fr;q=0.8", "fr"},
        {NULL, NULL, "en;q=0.5,fr;q=0.8,es;q=0.9", "es"},
        {NULL, NULL, "es;q=0.5, fr", "fr"},              /* no q is 1 */
        {NULL, NULL, "fr, es", "fr"},                     /* equal q: the first listed */
        {NULL, NULL, "es;q=0.7,fr;q=0.7", "es"},
        {NULL, NULL, "fr;q=0", "en"},                     /* q=0 means not acceptable */
        {NULL, NULL, "fr;q=0, es;q=0.1", "es"},
        {NULL, NULL, "FR;Q=0.5", "fr"},
        {NULL, NULL, "  es ;  q=0.4 ,  fr ; q=0.3  ", "es"},
        {NULL, NULL, "*", "en"},
        {NULL, NULL, "*;q=0.5, fr;q=0.1", "fr"},
        {NULL, NULL, "tlh, zz-ZZ, x-pig", "en"},         /* nothing we speak: English */
        {NULL, NULL, "zz-Hant-TW", "en"},
        /* garbage never crashes and falls back */
        {NULL, NULL, "", "en"},
        {NULL, NULL, ",,,", "en"},
        {NULL, NULL, ";;;", "en"},
        {NULL, NULL, ";q=1", "en"},
        {NULL, NULL, "fr;q=", "en"},
        {NULL, NULL, "fr;q=abc", "en"},
        {NULL, NULL, "fr;q=-1", "en"},
        {NULL, NULL, "fr;q", "fr"},                        /* a broken parameter is ignored */
        {NULL, NULL, "fr;;;q=0.5", "fr"},
        {NULL, NULL, "q=0.5", "en"},
        {NULL, NULL, "\xFF\xFE,\x01", "en"},
        {NULL, NULL, "frfrfrfrfrfrfrfrfrfrfrfrfrfrfrfrfrfrfrfrfrfrfrfrfrfrfrfrfrfr", "en"},
        {NULL, NULL, "fr-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "fr"},
        {NULL, NULL, "zz;q=0.9,,,  ,es;q=0.2", "es"},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        const struct i18n_lang *l = i18n_negotiate(cases[i].query, cases[i].cookie, cases[i].accept);
        assert_non_null(l);
        if (strcmp(l->code, cases[i].want) != 0)
            fail_msg("case %zu (%s | %s | %s): %s, want %s", i, cases[i].query ? cases[i].query : "-",
                     cases[i].cookie ? cases[i].cookie : "-", cases[i].accept ? cases[i].accept : "-",
                     l->code, cases[i].want);
    }
}

/* ---- the catalogues in the binary ------------------------------------------------------------ */

static int init_catalogues(void **state)
{
    (void)state;
    struct err e;
    err_clear(&e);
    if (i18n_init(&e) < 0) {
        fprintf(stderr, "i18n_init: %s\n", e.msg);
        return -1;
    }
    return 0;
}

static int shutdown_catalogues(void **state)
{
    (void)state;
    i18n_shutdown();
    return 0;
}

static void test_builtin_catalogues(void **state)
{
    (void)state;
    const struct i18n_lang *fr = i18n_find("fr"), *es = i18n_find("es"), *en = i18n_find("en");
    assert_non_null(fr);
    assert_non_null(es);
    assert_non_null(en);
    assert_non_null(fr->catalogue);
    assert_non_null(es->catalogue);
    assert_null(en->catalogue); /* English is the source language */
    assert_string_equal(i18n_get(fr, "Home"), "Accueil");
    assert_string_equal(i18n_get(es, "Home"), "Inicio");
    assert_string_equal(i18n_get(en, "Home"), "Home");
    assert_string_equal(i18n_get(NULL, "Home"), "Home");
    /* a missing msgid falls back to the English text itself: never NULL, never blank */
    const char *missing = "This sentence is in no catalogue";
    assert_ptr_equal(i18n_get(fr, missing), missing);
    assert_ptr_equal(i18n_get(es, missing), missing);
    assert_string_equal(i18n_get(fr, ""), "");
    /* the menu lists every language once, English first, and each has its catalogue */
    const struct i18n_lang *const *menu = i18n_languages();
    assert_non_null(menu);
    size_t n = 0;
    bool has_fr = false, has_es = false;
    for (; menu[n]; n++) {
        assert_non_null(menu[n]->native_name);
        assert_ptr_equal(i18n_find(menu[n]->code), menu[n]);
        if (n) assert_non_null(menu[n]->catalogue);
        for (size_t k = 0; k < n; k++) assert_ptr_not_equal(menu[k], menu[n]);
        has_fr |= menu[n] == fr;
        has_es |= menu[n] == es;
    }
    assert_true(n >= 3);
    assert_true(has_fr && has_es);
    assert_ptr_equal(menu[0], en);
    assert_string_equal(fr->native_name, "Français");
    /* i18n_init is idempotent */
    struct err e;
    err_clear(&e);
    assert_int_equal(i18n_init(&e), 0);
    assert_string_equal(i18n_get(fr, "Home"), "Accueil");
}

/* Every translation in the shipped catalogues keeps the printf conversions of its msgid, in
 * order: a translation that drops or swaps a %d would print garbage or crash. */
static void check_formats(const struct i18n_lang *l, const char *msgid)
{
    const char *t = i18n_get(l, msgid);
    const char *a = msgid, *b = t;
    for (;;) {
        a = strchr(a, '%');
        b = strchr(b, '%');
        if (!a || !b) break;
        if (a[1] != b[1]) fail_msg("%s: '%s' has %%%c where '%s' has %%%c", l->code, t, b[1], msgid, a[1]);
        a += 2;
        b += 2;
    }
    if (a || b) fail_msg("%s: '%s' and '%s' differ in conversions", l->code, msgid, t);
}

static void test_builtin_formats(void **state)
{
    (void)state;
    for (const struct i18n_lang *const *l = i18n_languages(); *l; l++) {
        if (!(*l)->po_asset) continue;
        const struct asset *as = asset_find((*l)->po_asset);
        assert_non_null(as);
        /* each one-line msgid of the shipped file (the ones with escapes are skipped) */
        size_t checked = 0;
        for (const char *line = (const char *)as->data; line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
            if (strncmp(line, "msgid \"", 7) != 0) continue;
            const char *start = line + 7, *end = strchr(start, '"');
            if (!end || end == start || memchr(start, '\\', (size_t)(end - start))) continue;
            char msgid[512];
            snprintf(msgid, sizeof msgid, "%.*s", (int)(end - start), start);
            check_formats(*l, msgid);
            checked++;
        }
        assert_true(checked > 10);
    }
}

static void test_nget_rules(void **state)
{
    (void)state;
    /* With no catalogue entry, the English forms, chosen by each language's rule. */
    static const struct {
        const char *lang;
        long n;
        const char *want;
    } cases[] = {
        {"en", 0, "%d schools"}, {"en", 1, "%d school"}, {"en", 2, "%d schools"}, {"en", 100, "%d schools"},
        {"en", -1, "%d schools"},
        {"es", 0, "%d schools"}, {"es", 1, "%d school"}, {"es", 2, "%d schools"},
        {"fr", 0, "%d school"}, {"fr", 1, "%d school"}, {"fr", 2, "%d schools"}, {"fr", 1000, "%d schools"},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        const char *got = i18n_nget(i18n_find(cases[i].lang), "%d school", "%d schools", cases[i].n);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("%s, n=%ld: '%s', want '%s'", cases[i].lang, cases[i].n, got, cases[i].want);
    }
    assert_string_equal(i18n_nget(NULL, "a", "as", 1), "a");
    assert_string_equal(i18n_nget(NULL, "a", "as", 0), "as");
}

/* The same rules with a catalogue that translates the forms. */
static void test_nget_with_catalogue(void **state)
{
    (void)state;
    struct err e;
    err_clear(&e);
    struct i18n_catalogue *c = i18n_catalogue_parse("fr-test.po", sample_po, &e);
    assert_non_null(c);
    struct i18n_lang fr = {"fr", "Français", false, 1, NULL, c};
    struct i18n_lang en_like = {"xx", "Test", false, 0, NULL, c};
    static const struct {
        int kind; /* 1: fr rule, 0: en rule */
        long n;
        const char *singular, *plural, *want;
    } cases[] = {
        {1, 0, "%d device", "%d devices", "%d appareil"},
        {1, 1, "%d device", "%d devices", "%d appareil"},
        {1, 2, "%d device", "%d devices", "%d appareils"},
        {0, 0, "%d device", "%d devices", "%d appareils"},
        {0, 1, "%d device", "%d devices", "%d appareil"},
        {0, 7, "%d device", "%d devices", "%d appareils"},
        /* plural form not translated: English plural, not the French singular */
        {1, 1, "%d school", "%d schools", "%d école"},
        {1, 5, "%d school", "%d schools", "%d schools"},
        /* no entry: English */
        {1, 5, "%d bus", "%d buses", "%d buses"},
        {1, 0, "%d bus", "%d buses", "%d bus"},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        const char *got = i18n_nget(cases[i].kind ? &fr : &en_like, cases[i].singular, cases[i].plural, cases[i].n);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("case %zu: '%s', want '%s'", i, got, cases[i].want);
    }
    i18n_catalogue_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_sample),
        cmocka_unit_test(test_parse_crlf),
        cmocka_unit_test(test_parse_empty),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_duplicate_untranslated_ok),
        cmocka_unit_test(test_many_entries),
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_negotiate),
        cmocka_unit_test(test_builtin_catalogues),
        cmocka_unit_test(test_builtin_formats),
        cmocka_unit_test(test_nget_rules),
        cmocka_unit_test(test_nget_with_catalogue),
    };
    return cmocka_run_group_tests(tests, init_catalogues, shutdown_catalogues);
}

/* i18n: every user-facing string goes through here.
 *
 * English is the source language: a msgid is the English text itself. Other languages are gettext
 * catalogues (po/xx.po), compiled into the binary and read once at start-up by i18n_init(). A
 * missing translation falls back to the English text, so a page never shows a blank.
 *
 * The language of a request is chosen by ?lang=, then the "lang" cookie, then Accept-Language,
 * then English (i18n_negotiate). Catalogue memory is owned by this module for the process's life. */
#ifndef EDUBRIDGE_I18N_H
#define EDUBRIDGE_I18N_H

#include <stdbool.h>

#include "base/err.h"

struct i18n_catalogue;

struct i18n_lang {
    const char *code;        /* BCP 47: "en", "fr", "es" */
    const char *native_name; /* the language's own name for itself: "Français" */
    bool rtl;                /* written right to left: pages get dir="rtl" */
    int plural_kind;         /* 0: n != 1 is plural (en, es); 1: n > 1 is plural (fr) */
    const char *po_asset;    /* embedded catalogue, NULL for English */
    struct i18n_catalogue *catalogue;
};

/* Loads every catalogue. Call once before threads start; an unreadable catalogue is an error
 * naming the file and line. */
int i18n_init(struct err *e);
void i18n_shutdown(void);

const struct i18n_lang *i18n_default(void);
const struct i18n_lang *i18n_find(const char *code);     /* exact or primary subtag; NULL if none */
const struct i18n_lang *const *i18n_languages(void);     /* NULL-terminated, in menu order */

/* Marks an English string for the catalogues where it is translated later (tables of labels);
 * tests/i18n_check.py finds these and every T(req, "...") and checks each catalogue has them. */
#define N_(msgid) (msgid)

/* query_lang and cookie_lang may be NULL. */
const struct i18n_lang *i18n_negotiate(const char *query_lang, const char *cookie_lang,
                                       const char *accept_language);

/* The translation of msgid, or msgid itself. Never NULL. */
const char *i18n_get(const struct i18n_lang *lang, const char *msgid);
/* Plural: singular/plural are the English forms; n chooses. */
const char *i18n_nget(const struct i18n_lang *lang, const char *singular, const char *plural, long n);

/* Parses a .po text into a catalogue (exposed for tests). Returns NULL with e on error. */
struct i18n_catalogue *i18n_catalogue_parse(const char *name, const char *text, struct err *e);
const char *i18n_catalogue_lookup(const struct i18n_catalogue *c, const char *msgid, int form);
void i18n_catalogue_free(struct i18n_catalogue *c);

#endif

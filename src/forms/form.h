/* form: the definition of a form, as the forms engine uses it everywhere (pages, validation of
 * answers, API, exports, summaries). xlsform.c builds one from a spreadsheet; nothing else does.
 *
 * A form and everything it points to live in one arena owned by whoever loaded it. Once built, a
 * form is read-only, so one parsed form can be shared by all worker threads.
 *
 * Texts that XLSForm allows per language (label, hint, messages) are arrays of nlang strings
 * indexed like form->languages; a missing translation holds the default language's text (never
 * NULL, possibly ""). */
#ifndef EDUBRIDGE_FORM_H
#define EDUBRIDGE_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "forms/expr.h"

struct arena;

enum form_type {
    FT_TEXT, FT_INTEGER, FT_DECIMAL, FT_RANGE,
    FT_SELECT_ONE, FT_SELECT_MULTIPLE, FT_RANK,
    FT_NOTE, FT_ACKNOWLEDGE,
    FT_DATE, FT_TIME, FT_DATETIME,
    FT_CALCULATE, FT_HIDDEN,
    FT_GEOPOINT, FT_IMAGE, FT_FILE,
    FT_GROUP, FT_REPEAT,
    /* Metadata: filled by the server, never shown. */
    FT_START, FT_END, FT_TODAY, FT_USERNAME, FT_INSTANCE_ID,
};

/* "select_one", "begin_group"...: the XLSForm name of a type. */
const char *form_type_name(enum form_type t);
/* True for types a respondent answers on a page (not notes, groups, calculations or metadata). */
bool form_type_is_input(enum form_type t);
bool form_type_is_meta(enum form_type t);

struct form_language {
    const char *code;  /* "en", "fr"; from "English (en)", or the name itself when no code is given */
    const char *name;  /* "English" */
    bool rtl;          /* Arabic, Hebrew, Persian, Urdu...: pages get dir="rtl" */
};

/* A column XLSForm does not define, kept as metadata: name and value. */
struct form_extra {
    const char *name;
    const char *value;
};

struct form_choice {
    const char *value;           /* the "name" column: what is stored */
    const char **label;          /* per language */
    struct form_extra *extra;    /* other columns (used by choice_filter: e.g. "country") */
    size_t nextra;
};

struct form_choice_list {
    const char *name;
    struct form_choice *choices;
    size_t count;
};

struct form_field {
    enum form_type type;
    const char *name;
    const char *path;            /* group path joined by '/': "profile/school_name" */
    int row;                     /* row in the survey sheet, for messages */
    size_t index;                /* position in form->fields */
    struct form_field *parent;   /* enclosing group or repeat; NULL at the top */
    struct form_field **children;/* groups and repeats: fields inside, in order */
    size_t nchildren;

    const char **label;          /* per language */
    const char **hint;
    const char **required_message;
    const char **constraint_message;

    /* Source text of each expression ("" when absent) and its parsed tree (NULL when absent).
     * required and read_only are "yes"/"true" or an expression; they become expressions. */
    const char *relevant_src, *constraint_src, *calculation_src, *required_src, *read_only_src,
        *choice_filter_src, *repeat_count_src;
    struct expr *relevant, *constraint, *calculation, *required, *read_only, *choice_filter,
        *repeat_count;

    const char *default_value;   /* "" when absent */
    const char *appearance;      /* "" when absent; "field-list" on a group makes one page */
    const char *parameters;      /* "" when absent; range: start/end/step */
    double range_start, range_end, range_step;
    const struct form_choice_list *list; /* selects and rank */
    bool or_other;               /* select_one x or_other: adds "other" and a text box */
    /* The text question NAME_other that the importer adds after an or_other select, as pyxform
     * does, points to that select; NULL for every field written in the form. */
    const struct form_field *other_of;
    bool personal;               /* the "personal" column: personal data (privacy rules) */
    struct form_extra *extra;    /* unknown columns, kept */
    size_t nextra;
};

struct form {
    const char *form_id;
    const char *version;         /* settings "version"; "" when absent (the importer then sets one) */
    const char **title;          /* per language; from settings form_title, else form_id */
    const char *instance_name_src;
    struct expr *instance_name;
    const char *style;
    struct form_language *languages;
    size_t nlang;
    size_t default_lang;         /* index in languages */
    struct form_field *fields;   /* every row of the survey sheet that makes a field, in order */
    size_t nfields;
    struct form_field **top;     /* fields at the top level, in order */
    size_t ntop;
    struct form_choice_list *lists;
    size_t nlists;
    struct form_extra *settings; /* every settings column, kept: lower-case key, trimmed value */
    size_t nsettings;
    /* Index for form_field_by_name, filled by form_index(): open addressing over name_nslots slots
     * (a power of two, NULL when empty). A form without it (name_nslots 0) is scanned instead. */
    const struct form_field **name_slots;
    size_t name_nslots;
};

/* Builds f's name index in a; xlsform.c calls it once the fields are final. Where names repeat
 * (only in a form the importer refused), the first field of a name is the one found. */
void form_index(struct form *f, struct arena *a);

/* Lookups; NULL when absent. */
const struct form_field *form_field_by_name(const struct form *f, const char *name);
const struct form_choice_list *form_list_by_name(const struct form *f, const char *name);
const struct form_choice *form_choice_by_value(const struct form_choice_list *l, const char *value);
/* The language whose code or name matches (ASCII case ignored); -1 when none. */
int form_language_index(const struct form *f, const char *code);
/* The text for language lang, falling back to the default language. */
const char *form_text(const struct form *f, const char **texts, size_t lang);
/* True when fd's or_other offers an "other" choice of its own: its list has none (a list that has
 * one already offers it, and no second one is added, as in pyxform). */
bool form_field_adds_other(const struct form_field *fd);
/* The nearest enclosing repeat of a field, or NULL. */
const struct form_field *form_field_repeat(const struct form_field *fd);

#endif

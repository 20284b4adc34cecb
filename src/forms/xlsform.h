/* xlsform: builds a struct form (forms/form.h) from an XLSForm workbook (forms/sheet.h), checking it.
 *
 * Whoever uploads a broken form should learn everything that is wrong with it at once, each problem
 * with the sheet, row and column to look at, so the builder does not stop at the first error: it
 * collects problems and keeps going. Warnings (something ignored, or filled in) do not stop a form
 * from being built; any error does, and then no form is returned. docs/forms.md lists the columns,
 * types and checks.
 *
 * Ownership: the form and every string it holds live in the arena given; the form never points into
 * the sheet_book, which the caller may free. Problems (array and strings) go in the same arena.
 * A struct form_problems starts zeroed ({0}); each call appends to it. */
#ifndef EDUBRIDGE_XLSFORM_H
#define EDUBRIDGE_XLSFORM_H

#include <stdbool.h>
#include <stddef.h>

#include "forms/form.h"
#include "forms/sheet.h"

struct arena;
struct strbuf;

struct form_problem {
    const char *sheet;   /* "survey", "choices", "settings"...; NULL: the file as a whole */
    int row;             /* row as the reader numbers it (line in .csv and .md); 0: the whole sheet */
    const char *column;  /* the column's header as written; NULL when no one column is at fault */
    const char *message; /* one plain sentence, without a final period */
    bool warning;        /* true: the form is built all the same */
};

/* A hostile or badly broken file must not fill memory with messages: past this many, problems
 * are counted in omitted but not listed. */
#define XLSFORM_MAX_PROBLEMS 1000

struct form_problems {
    struct form_problem *items; /* after a build: by sheet (survey, choices, settings), row, then as found */
    size_t count, cap;
    size_t errors;              /* problems that are errors, listed or not */
    size_t omitted;             /* problems past XLSFORM_MAX_PROBLEMS, not in items */
};

/* Builds *out from book. fallback_id is the form_id to use when settings give none (pyxform uses the
 * file's base name); NULL makes form_id required. Returns 0 with *out set when there is no error
 * (warnings may have been added), else ERR_INVALID with *out NULL. */
int xlsform_build(struct arena *a, const struct sheet_book *book, const char *fallback_id,
                  struct form **out, struct form_problems *problems);

/* Reads the file (.xlsx, .csv or .md by extension) and builds the form. fallback_id NULL: the file's
 * base name, made into a valid id. A file that cannot be read becomes one problem (sheet NULL) and
 * the reader's code (ERR_INVALID, ERR_LIMIT, ERR_IO, ERR_NOT_FOUND) is returned. */
int xlsform_read_file(struct arena *a, const char *path, const char *fallback_id, struct form **out,
                      struct form_problems *problems);

/* The same for len bytes of format "xlsx", "csv" or "md" (an upload); data is not kept.
 * fallback_id is used as given (the upload's file name, say), or NULL. */
int xlsform_read_memory(struct arena *a, const char *format, const void *data, size_t len,
                        const char *fallback_id, struct form **out, struct form_problems *problems);

/* "sheet survey, row 12, column relevant: ${school} refers to no field"; a warning starts with
 * "warning: ". Appends to sb, no newline. */
void xlsform_problem_format(const struct form_problem *p, struct strbuf *sb);

/* Every problem, one a line, and a last line for omitted ones. */
void xlsform_problems_format(const struct form_problems *ps, struct strbuf *sb);

/* ---- Below: shared by xlsform.c, xlsform_survey.c and xlsform_check.c only. ---- */
#ifdef XLSFORM_INTERNAL

#include <sys/types.h> /* ssize_t */

/* What a header cell means once aliases are resolved. */
enum xcol_kind {
    XC_IGNORE,   /* no header */
    XC_TYPE, XC_NAME, XC_LIST_NAME,
    XC_LABEL, XC_HINT, XC_REQUIRED_MSG, XC_CONSTRAINT_MSG, /* per language: XC_TEXT_FIRST..LAST */
    XC_RELEVANT, XC_CONSTRAINT, XC_CALCULATION, XC_REQUIRED, XC_READ_ONLY, XC_CHOICE_FILTER,
    XC_REPEAT_COUNT,                                       /* expressions, in enum xexpr order */
    XC_DEFAULT, XC_APPEARANCE, XC_PARAMETERS, XC_PERSONAL,
    XC_EXTRA,    /* kept in extra under name */
};
#define XC_TEXT_FIRST XC_LABEL
#define XT_COUNT 4 /* label, hint, required_message, constraint_message */
#define XC_EXPR_FIRST XC_RELEVANT

enum xexpr {
    XE_RELEVANT, XE_CONSTRAINT, XE_CALCULATION, XE_REQUIRED, XE_READ_ONLY, XE_CHOICE_FILTER,
    XE_REPEAT_COUNT, XE_COUNT,
};

struct xcol {
    enum xcol_kind kind;
    const char *header;   /* trimmed, as written: what messages name */
    const char *name;     /* XC_EXTRA: the name kept ("media::image", or the header) */
    size_t lang;          /* text columns: index in the builder's languages */
    bool has_lang;        /* the header named a language ("label::fr") */
    bool translatable;    /* registers its language (texts, media, guidance_hint) */
    const char *lang_spec;/* "English (en)", or NULL for a plain column */
};

/* What the builder knows about a field beyond struct form_field. */
struct xfield {
    ssize_t parent;       /* index in fields, -1 at the top */
    bool bad;             /* the type was refused: skip checks that depend on it */
    bool name_bad;        /* missing or invalid name: already reported */
    const char *list_name;
    const char *type_col; /* header of the type column */
    const char *expr_col[XE_COUNT];
    const char *name_col, *params_col, *default_col;
    bool has_media;       /* an image/audio/video column is filled: it counts as a label */
    bool made;            /* added by the importer (NAME_other of an or_other select): no row of its own */
    size_t other_of;      /* made: index of its select in fields */
};

/* A growing list of choices while the choices sheet is read. */
struct xlist {
    const char *name;
    int first_row;
    struct form_choice *choices;
    size_t count, cap;
    int *rows;            /* row of each choice */
    struct xmap *values;  /* value -> index, for duplicates */
    bool used_multiple;   /* a select_multiple or rank uses it: values cannot hold spaces */
};

/* String -> index map in an arena (open addressing). */
struct xmap {
    const char **keys;
    size_t *vals;
    size_t cap, count;
};

struct xb {
    struct arena *a;
    struct form_problems *probs;
    struct form *form;
    const struct sheet *survey, *choices, *settings;

    const char *default_language; /* settings, trimmed; NULL when absent */
    struct form_language *langs;
    bool *lang_coded;             /* the language came with an explicit "(code)" */
    size_t nlang, langcap;

    struct xcol *scol, *ccol;     /* survey and choices headers */
    size_t nscol, nccol;
    const char **stext_col[XT_COUNT]; /* survey: header of each text kind per language, or NULL */
    const char **clabel_col;          /* choices: header of label per language, or NULL */

    struct xlist *lists;
    size_t nlists, listcap;
    struct xmap list_index;
    bool choices_unreadable;      /* its header lacks list_name or name: selects are not checked */
    struct xmap *lower_names;     /* lower-case field name -> index, made on the first unknown ${ref} */

    struct form_field *fields;
    struct xfield *xf;
    size_t nfields, fieldcap;
};

/* Adds a problem; message printf-style. sheet and column must outlive the problems (literals or
 * arena strings). */
void xb_problem(struct xb *b, bool warning, const char *sheet, int row, const char *column,
                const char *fmt, ...) __attribute__((format(printf, 6, 7)));
#define xb_error(b, ...) xb_problem((b), false, __VA_ARGS__)
#define xb_warn(b, ...) xb_problem((b), true, __VA_ARGS__)

/* A trimmed copy (ASCII white space and no-break spaces) of s in the arena. */
const char *xb_trim(struct arena *a, const char *s);
/* Cell c of row r, trimmed; "" when absent. */
const char *xb_cell(struct arena *a, const struct sheet_row *r, size_t c);
/* True when cell c of row r is absent or only white space; allocates nothing. */
bool xb_blank(const struct sheet_row *r, size_t c);
/* Quoting user text in a message: at most ~60 bytes, cut on a character boundary. */
int xb_qlen(const char *s);
bool xb_yes(const char *s);
bool xb_no(const char *s);

void xmap_init(struct arena *a, struct xmap *m, size_t hint);
/* The index stored under key, or -1. */
ssize_t xmap_get(const struct xmap *m, const char *key);
/* Stores key -> val unless key is there; returns the index stored under key either way. */
size_t xmap_put(struct arena *a, struct xmap *m, const char *key, size_t val);

/* The value of a settings key ("form_id"), "" when absent. */
const char *xb_setting(const struct form *f, const char *key);
/* The row's texts of a text kind, one per language, missing ones holding the default's. */
const char **xb_texts(struct xb *b, const struct sheet_row *r, const struct xcol *cols, size_t ncols,
                      enum xcol_kind kind);
/* The row's non-empty XC_EXTRA cells. */
void xb_extras(struct xb *b, const struct sheet_row *r, const struct xcol *cols, size_t ncols,
               struct form_extra **out, size_t *n);
/* True when a media column (image, audio...) of the row is filled: it can stand for a label. */
bool xb_has_media(const struct sheet_row *r, const struct xcol *cols, size_t ncols);

/* xlsform_survey.c: the survey sheet into b->fields with its tree; lists linked by name. */
void xb_read_survey(struct xb *b);
/* xlsform_check.c: names, expressions, references, cycles, ranges; after the tree is final. */
void xb_check(struct xb *b);
/* True for a valid XML name as fields need: letter, '_' or non-ASCII first, then those and
 * digits, '-', '.'. */
bool xb_valid_name(const char *s);

#endif /* XLSFORM_INTERNAL */

#endif

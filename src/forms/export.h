/* export: a form's submitted answer sets as CSV, XLSX or JSON, streamed row by row.
 *
 * Which answer sets: the current revision of every submitted answer set of the form, whatever
 * version of the form it answered, in the order they were submitted (submitted_at, then id).
 * Columns come from the LATEST version's definition; answers given to an older version are mapped
 * onto it by field name, so a question kept across versions stays one column. An answer to a field
 * the latest version no longer has (or has moved into or out of a repeat) has no column: the JSON
 * export, which carries the stored answers untouched, still has it.
 *
 * Tables: the main table "submissions" has one row per answer set: _id, _instance_id, _submitted_at,
 * _form_version, _lang, then one column per stored field (not groups, repeats or notes) in form
 * order, named by its path ("profile/school_name"). A select_multiple also gets one column per
 * choice, "path/choice_value", holding 1 or 0 (empty when the question was not answered). Each
 * repeat gets a table of its own, named by the repeat: _parent_id (the answer set's _id), _index
 * (1-based), then the repeat's fields the same way.
 *
 * Spreadsheet formula injection (OWASP, "CSV Injection"): a text cell starting with = + - @, a tab
 * or a carriage return is written with a single quote ' in front, in CSV and XLSX alike, so that no
 * spreadsheet runs it as a formula. A number in a number column (integer, decimal, range) is left
 * as it is: "-5" there is a number, not a formula.
 *
 * Memory: rows are read with one statement and written as they come; everything about one row
 * lives in an arena reset before the next, so an export's memory does not grow with the number of
 * answer sets (the output itself goes to the caller's sink). XLSX is written with libxlsxwriter in
 * constant-memory mode into a temporary file (in $TMPDIR, else /tmp), streamed to the sink, then
 * removed.
 *
 * Ownership: a plan and everything it points to live in the arena given to export_plan_build; the
 * form must outlive the plan. */
#ifndef EDUBRIDGE_EXPORT_H
#define EDUBRIDGE_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/str.h"
#include "forms/form.h"
#include "forms/pseudonym.h"
#include "store/store.h"

/* Where output goes: the CLI writes to a FILE*, the web handler appends to the response body.
 * write returns 0, or non-zero to stop the export (it then fails with ERR_IO). */
typedef int (*export_write_fn)(void *ctx, const void *data, size_t len);
struct export_sink {
    export_write_fn write;
    void *ctx;
};

struct export_options {
    bool labels;           /* CSV, XLSX: choices as their labels (headers stay paths) */
    const char *lang;      /* the labels' language, code or name; NULL: the form's default */
    bool no_bom;           /* CSV: leave out the UTF-8 byte order mark (Excel needs it) */
    /* For readers who may not see personal data (docs/security.md, "Privacy"): the answers of
     * fields marked personal, of username metadata and of calculations that read them are left
     * out (no column; no key in JSON answers), and the answer sets' ids (_id, _instance_id,
     * _parent_id, instanceID fields) are replaced by their pseudonyms (forms/pseudonym.h). */
    bool pseudonymise;
    /* Called every progress_every answer sets (0: never) with the number done so far. */
    void (*progress)(void *ctx, uint64_t done);
    void *progress_ctx;
    uint64_t progress_every;
};

enum export_col_kind {
    EXPORT_COL_ID, EXPORT_COL_INSTANCE_ID, EXPORT_COL_SUBMITTED_AT, EXPORT_COL_FORM_VERSION,
    EXPORT_COL_LANG,                         /* the main table's metadata */
    EXPORT_COL_PARENT_ID, EXPORT_COL_INDEX,  /* a repeat table's link to its answer set */
    EXPORT_COL_FIELD,                        /* a field's answer */
    EXPORT_COL_CHOICE,                       /* a select_multiple's 1/0 column for one choice */
};

struct export_column {
    const char *name;                /* the header: "_id", "profile/school_name", "needs/devices" */
    enum export_col_kind kind;
    const struct form_field *field;  /* FIELD and CHOICE */
    const char *choice;              /* CHOICE: the choice's value */
    bool numeric;                    /* written as a number when the value is one */
};

struct export_table {
    const char *name;                /* "submissions", or the repeat's name */
    const struct form_field *repeat; /* NULL for the main table */
    struct export_column *columns;
    size_t ncolumns;
    const struct form_field **fields;/* the stored fields whose answers it holds, in form order */
    size_t nfields;
    uint64_t rows;                   /* rows written by the last export (header not counted) */
};

struct export_plan {
    const struct form *form;
    size_t lang;                     /* index in form->languages */
    struct export_options opt;
    struct export_table *tables;     /* [0]: the main table; then one per repeat, in form order */
    size_t ntables;
    size_t *table_of;                /* per form field index: its table, or SIZE_MAX (not stored) */
    size_t *slot_of;                 /* per form field index: its place in table->fields */
    /* Filled by each export: */
    uint64_t submissions;            /* answer sets exported */
    uint64_t unreadable;             /* of those, answer sets whose stored answers did not read:
                                      * exported with their metadata only (JSON: "answers": null) */
    bool *left_out;                  /* per form field index: personal, not exported (pseudonymise) */
    unsigned char key[PSEUDONYM_KEY_SIZE]; /* the database's pseudonym secret, read by each export */
};

/* True when a pseudonymised export leaves fd out: personal, username metadata, or a calculation
 * that reads such a field (directly or through other calculations). */
bool export_field_personal(const struct form *f, const struct form_field *fd);

/* Works out the tables and columns of f. ERR_INVALID when opt->lang is none of the form's
 * languages; the message lists them ("en (English), fr (Français)"). */
int export_plan_build(struct arena *a, const struct form *f, const struct export_options *opt,
                      struct export_plan *out, struct err *e);

/* The index of the table of the repeat named name (>= 1), or -1 when the form has no such repeat. */
int export_table_index(const struct export_plan *p, const char *repeat_name);

/* "en (English), fr (Français)": the form's languages, for messages. */
const char *export_languages_text(struct arena *a, const struct form *f);

/* CSV (RFC 4180: CRLF line ends; a field holding '"', ',', CR or LF is quoted, with '"' doubled),
 * UTF-8, one file per table, each starting with a byte order mark unless opt.no_bom. sinks has
 * p->ntables entries, in the order of p->tables; a sink whose write is NULL skips its table. */
int export_csv(struct store *st, struct export_plan *p, const struct export_sink *sinks, struct err *e);

/* One XLSX workbook: a worksheet per table ("submissions", then the repeats, names cut to 31
 * characters and made unique); header row bold and frozen; integer, decimal and range answers and
 * the 1/0 columns as numbers, everything else as text. ERR_LIMIT past Excel's 1,048,576 rows or
 * 16,384 columns; ERR_IO when the temporary file cannot be written. */
int export_xlsx(struct store *st, struct export_plan *p, const struct export_sink *out, struct err *e);

/* JSON: an array of objects, one per answer set, in the same order:
 * {"_id", "_instance_id", "_submitted_at", "_form_version", "_lang", "answers": {stored answers}}.
 * The answers are the stored object as it is, whatever version it answered; labels do not apply. */
int export_json(struct store *st, struct export_plan *p, const struct export_sink *out, struct err *e);

/* Appends one CSV field: the formula guard above, then RFC 4180 quoting. numeric: the column is
 * a number column (a well-formed number is then left unguarded). Exposed for tests. */
void export_csv_field(struct strbuf *sb, const char *value, bool numeric);

/* The worksheet name for a table: at most 31 characters (UTF-16 units, as Excel counts), none of
 * []:*?/\, not empty, and unlike (ignoring ASCII case) the n names in taken. In the arena. */
const char *export_sheet_name(struct arena *a, const char *name, const char *const *taken, size_t n);

#endif

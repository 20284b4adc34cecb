/* institutions: the register of schools, STEM clubs and education centres (issue 5).
 *
 * An institution is built from needs-survey answer sets through a mapping of form fields to
 * institution fields (stored per form in institution_mappings; the shipped needs survey's mapping
 * is the built-in default), or imported from a CSV/XLSX sheet, all or nothing. Its fields are kept
 * as normalised text in one array indexed by enum inst_field, so that the mapping, the import, the
 * pages and the exports share one description of what each field holds and how it is checked.
 *
 * Building is idempotent: each answer set (instance_id, all its revisions) feeds one institution
 * (institution_submissions); a correction replaces the earlier revision's link and its values;
 * a newer answer set naming the same institution (same normalised name and country) updates it,
 * and one naming a record merged away updates the survivor (whose name stays).
 * Likely duplicates are suggested; a merge keeps the merged record (merged_into points to the
 * survivor), moves its links and is written to the audit trail.
 *
 * The contact fields are personal data: pseudonymised exports leave them out, and a person's
 * erasure (program/privacy.h) clears them. Everything returned lives in the caller's arena. */
#ifndef EDUBRIDGE_INSTITUTIONS_H
#define EDUBRIDGE_INSTITUTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "forms/sheet.h"
#include "store/audit.h"
#include "store/store.h"

enum inst_field {
    INST_NAME,
    INST_KIND,          /* school, stem_club, education_centre */
    INST_FORMAL,        /* "1" formal, "0" informal */
    INST_COUNTRY,       /* ISO 3166-1 alpha-2, upper case */
    INST_REGION,        /* a NUTS code where given, free text otherwise */
    INST_AREA,          /* the survey's values: urban, suburban, rural, remote */
    INST_LATITUDE,
    INST_LONGITUDE,
    INST_LEARNERS,
    INST_TEACHERS,
    INST_DEVICES,
    INST_CONNECTIVITY,  /* the survey's connection values */
    INST_CONTACT_NAME,  /* personal */
    INST_CONTACT_EMAIL, /* personal */
    INST_CONTACT_PHONE, /* personal */
    INST_STATUS,        /* registered, shortlisted, selected, invited, accepted, declined */
    INST_FIELD_COUNT
};

/* The column name of a field ("contact_email"), and whether it is personal data. */
const char *inst_field_name(enum inst_field f);
bool inst_field_personal(enum inst_field f);
/* -1 when name is no field's. */
int inst_field_parse(const char *name);

/* Checks and normalises one value given as text (trimmed; "" means none: *out NULL). On a bad
 * value returns -1 and *problem is an English sentence (a msgid, to be translated by the face). */
int inst_value_check(struct arena *a, enum inst_field f, const char *raw, const char **out, const char **problem);

/* True for an ISO 3166-1 alpha-2 code (upper case), Kosovo's XK included. */
bool inst_country_valid(const char *code);

struct institution {
    const char *id;
    const char *v[INST_FIELD_COUNT]; /* NULL: unknown */
    const char *source;              /* "survey" or "import" */
    const char *created_at, *updated_at;
    const char *merged_into;         /* NULL, or the survivor's id */
    int64_t links;                   /* linked answer sets (lists only) */
};

/* --- the mapping ---------------------------------------------------------------------------------- */

struct inst_mapping {
    const char *field[INST_FIELD_COUNT]; /* the form field feeding each institution field; NULL: none */
};

/* The mapping of form_id: its rows in institution_mappings, else the shipped needs survey's. */
int inst_mapping_load(struct store *st, struct arena *a, const char *form_id, struct inst_mapping *out,
                      struct err *e);
void inst_mapping_default(struct inst_mapping *out);
/* Replaces the stored mapping of form_id (one transaction, audited). */
int inst_mapping_save(struct store *st, const char *form_id, const struct inst_mapping *m,
                      const struct audit_actor *by, struct err *e);

/* --- building from answer sets -------------------------------------------------------------------- */

struct inst_build_report {
    int created, updated, linked, unchanged, skipped; /* skipped: no institution name */
};

/* Every current submitted answer set of form_id, in order of submission; one transaction, audited
 * (institution.build) when anything changed. is_demo marks new institutions as demo data. */
int inst_build(struct store *st, struct arena *a, const char *form_id, bool is_demo, const struct audit_actor *by,
               struct inst_build_report *out, struct err *e);

/* --- import ---------------------------------------------------------------------------------------- */

struct inst_import_result {
    struct institution *rows; /* what would be created, in file order */
    int *row_numbers;
    size_t nrows;
    struct sheet_row_error *errors;
    size_t nerrors;
    bool imported;            /* committed (not a dry run, no error) */
};

/* Reads an import file: "xlsx" (its first sheet), or "csv", a plain table (RFC 4180), which is
 * turned into the sheet readers' one-sheet layout (forms/sheet.h). Row numbers are the file's. */
int inst_read_table(struct arena *a, const char *format, const void *data, size_t len, struct sheet_book *out,
                    struct err *e);
/* The same from a file, the format by its extension (.csv or .xlsx). */
int inst_read_table_file(struct arena *a, const char *path, struct sheet_book *out, struct err *e);

/* The first sheet of book: a header row naming institution fields (inst_field_name; "name" is
 * required), then one institution per row. Every row is checked; when any is wrong, or dry_run,
 * nothing is written. Otherwise all rows are created in one transaction and audited
 * (institution.import). Returns -1 only for a failure of the database (e says why): problems of
 * the file are in out->errors. */
int inst_import(struct store *st, struct arena *a, const struct sheet_book *book, bool dry_run, bool is_demo,
                const struct audit_actor *by, struct inst_import_result *out, struct err *e);

/* --- reading --------------------------------------------------------------------------------------- */

enum inst_sort { INST_SORT_NAME, INST_SORT_COUNTRY, INST_SORT_LEARNERS, INST_SORT_DEVICES, INST_SORT_NEED };

struct inst_filter {
    const char *country, *kind, *status; /* NULL or "": any */
    const char *q;                       /* a part of the name */
    enum inst_sort sort;                 /* INST_SORT_NEED: name order here; web/institution_pages.c orders by
                                            the need index (program/assessment.h), which lives above */
    bool descending;
};

/* "name", "country", "learners", "devices", "need"; -1 otherwise. */
int inst_sort_parse(const char *s);

/* Institutions not merged away that match, at most limit from offset; *total: how many match. */
int inst_list(struct store *st, struct arena *a, const struct inst_filter *f, int64_t offset, int limit,
              struct institution **out, size_t *n, int64_t *total, struct err *e);
/* ERR_NOT_FOUND when there is none (merged ones are found too). */
int inst_get(struct store *st, struct arena *a, const char *id, struct institution *out, struct err *e);

struct inst_link {
    const char *instance_id, *submission_id, *form_id, *linked_at;
    int revision;
};
int inst_links(struct store *st, struct arena *a, const char *id, struct inst_link **out, size_t *n, struct err *e);
/* The records merged into id. */
int inst_merged_from(struct store *st, struct arena *a, const char *id, const char ***ids, size_t *n, struct err *e);

/* --- duplicates and merges ------------------------------------------------------------------------- */

/* The normalised name: lower case (ASCII, and the capitals of Latin-1, Latin Extended-A, Greek and
 * Cyrillic), ASCII punctuation as spaces, spaces collapsed. Accents are kept: "Basica" and
 * "Básica" differ, and the similarity below is what pairs them. */
const char *inst_name_key(struct arena *a, const char *name);
/* Similarity of two names in [0, 1]: Jaccard of their normalised character trigrams. */
double inst_name_similarity(struct arena *a, const char *x, const char *y);
/* Great-circle distance in km (haversine). */
double inst_distance_km(double lat1, double lon1, double lat2, double lon2);

enum inst_dup_reason { INST_DUP_SAME_NAME_PLACE, INST_DUP_CLOSE_SIMILAR, INST_DUP_SIMILAR_SAME_REGION };

struct inst_duplicate {
    struct institution a, b; /* a is the older: the suggested survivor */
    enum inst_dup_reason reason;
    double similarity, distance_km; /* distance_km < 0: unknown */
};

#define INST_DUP_MAX_KM 1.0

/* Likely duplicates among institutions not merged away, compared within a country. */
int inst_duplicates(struct store *st, struct arena *a, struct inst_duplicate **out, size_t *n, struct err *e);

/* Merges merged into survivor in one transaction: survivor's unknown fields are filled from
 * merged, links (and records merged into it earlier, and institution contacts' accounts) move to
 * survivor, merged keeps its fields with merged_into set; audited (institution.merge).
 * ERR_NOT_FOUND for an unknown id, ERR_CONFLICT for the same id twice or one merged already. */
int inst_merge(struct store *st, const char *survivor, const char *merged, const struct audit_actor *by,
               struct err *e);

/* --- exports --------------------------------------------------------------------------------------- */

typedef int (*inst_write_fn)(void *ctx, const void *data, size_t len);

/* The register (not merged away) as CSV (RFC 4180, header row, formulas guarded) or XLSX; with
 * personal false the contact columns are left out. */
int inst_export_csv(struct store *st, bool personal, inst_write_fn write, void *ctx, struct err *e);
int inst_export_xlsx(struct store *st, bool personal, inst_write_fn write, void *ctx, struct err *e);

/* --- status ---------------------------------------------------------------------------------------- */

enum { INST_NOTE_MAX = 1000 }; /* characters of a status change's note */

/* Sets the status of id (registered, shortlisted, selected, invited, accepted, declined), audited
 * as institution.status with the old and new status and the note (NULL or "": none), which is kept
 * only there: the trail cannot be edited or erased, so a note must hold no personal data. The same
 * status again changes nothing and records nothing. ERR_INVALID (e names the status) for an unknown
 * status or a note too long, ERR_NOT_FOUND for an unknown id, ERR_CONFLICT for a record merged
 * away (its survivor's status is the one that counts). inst_set_status runs its own transaction;
 * inst_set_status_in runs inside the caller's (the selection changes many at once). *changed may
 * be NULL. */
int inst_set_status(struct store *st, const char *id, const char *status, const char *note,
                    const struct audit_actor *by, bool *changed, struct err *e);
int inst_set_status_in(struct store *st, const char *id, const char *status, const char *note,
                       const struct audit_actor *by, bool *changed, struct err *e);

#endif

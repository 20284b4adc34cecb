/* form_store: forms and their versions in the database.
 *
 * Importing keeps the file itself (format, name, bytes) with each version: the definition is
 * always rebuilt from exactly what was imported, and an export of a form can hand back the
 * original. A form is addressed by its XLSForm form_id; importing the same form_id again adds a
 * version. Returned strings live in the caller's arena. */
#ifndef EDUBRIDGE_FORM_STORE_H
#define EDUBRIDGE_FORM_STORE_H

#include <stdbool.h>

#include "base/arena.h"
#include "base/err.h"
#include "forms/form.h"
#include "forms/xlsform.h"
#include "store/audit.h"
#include "store/store.h"

struct form_version_info {
    const char *id;          /* the version's record id */
    const char *form_id;
    const char *version;
    int seq;                 /* 1, 2, 3... per form */
    const char *title;       /* in the form's default language */
    const char *source_name;
    const char *created_at;
    bool is_demo;
};

/* Reads, checks and stores a form file. On problems nothing is stored: *problems lists them and
 * the return is ERR_INVALID. format: "xlsx", "csv" or "md"; source_name: the file's name. The
 * audit trail records the import (form.import) as made by `by` (NULL: the system). */
int form_store_import(struct store *st, struct arena *a, const char *format, const void *data,
                      size_t len, const char *source_name, bool is_demo, const struct audit_actor *by,
                      struct form_version_info *out, struct form_problems *problems, struct err *e);

/* The latest version's record (no parsing); ERR_NOT_FOUND when the form does not exist. */
int form_store_latest(struct store *st, struct arena *a, const char *form_id,
                      struct form_version_info *out, struct err *e);
/* Builds the definition of a version from its stored file. */
int form_store_load(struct store *st, struct arena *a, const char *version_id, struct form **out,
                    struct err *e);
/* Every form's latest version, by form_id. */
int form_store_list(struct store *st, struct arena *a, struct form_version_info **out, size_t *count,
                    struct err *e);

/* How many current submitted answer sets and open drafts a form has. */
int form_store_counts(struct store *st, const char *form_id, int64_t *submitted, int64_t *drafts,
                      struct err *e);

/* "xlsx", "csv" or "md" from a file name's extension (any case); NULL otherwise. */
const char *form_store_format_of(const char *filename);

#endif

/* audit: the audit trail, who changed what and when (table audit_log, migration 7).
 *
 * Every change of state that matters records one entry: when (UTC, ISO 8601), who (the account's
 * id when one acted, and a label: its email, "cli:USER" for the command line, "system" for
 * edubridge itself, "anonymous" for a web request with no account), what (a short dotted verb:
 * form.import, submission.revise, user.add, privacy.erase...), the kind and ids of what it touched,
 * and a detail object. The trail is append-only: the table's triggers refuse UPDATE and DELETE,
 * so neither the application nor an erasure can edit it. Entries never hold answers or other
 * personal data beyond the acting staff member's label: ids and counts only.
 *
 * audit_record runs inside the caller's transaction, so that an entry exists exactly when the
 * change it describes was committed. Listed entries live in the caller's arena. */
#ifndef EDUBRIDGE_AUDIT_H
#define EDUBRIDGE_AUDIT_H

#include <stdbool.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "store/store.h"

struct audit_actor {
    const char *user_id; /* NULL when no account acted */
    const char *label;   /* "ada@example.org", "cli:root", "system", "anonymous" */
};

/* edubridge itself (demo data, migrations): what a NULL actor means. */
extern const struct audit_actor audit_system;

/* The command line's actor, "cli:USER" from the process's user, written into buf. */
void audit_cli_actor(struct audit_actor *out, char *buf, size_t size);

/* Appends an entry. action: lower-case letters, digits, '_' and '.' ("user.add"); target_kind:
 * "form", "submission", "user", "person"... ("" when none); ids: n texts (may be NULL when n is
 * 0); detail_json: a JSON object, or NULL for {}. ERR_INVALID for a malformed action or detail. */
int audit_record(struct store *st, const struct audit_actor *actor, const char *action,
                 const char *target_kind, const char *const *ids, size_t n, const char *detail_json,
                 struct err *e);
/* The same with the detail as a jansson object, which it takes (decrefs) whatever happens: for
 * callers that build the detail with jansson, so that it is not dumped and parsed again. */
int audit_record_json(struct store *st, const struct audit_actor *actor, const char *action,
                      const char *target_kind, const char *const *ids, size_t n, json_t *detail,
                      struct err *e);

struct audit_entry {
    const char *id;
    const char *at;
    const char *actor_user_id;   /* NULL when no account acted */
    const char *actor_label;
    const char *action;
    const char *target_kind;
    const char *target_ids;      /* JSON array text */
    const char *detail;          /* JSON object text */
};

/* What to list; NULL or "" fields do not filter. */
struct audit_filter {
    const char *actor;   /* the actor's label (ASCII case ignored) or account id */
    const char *action;  /* a prefix of the action: "user" finds user.add and user.disable */
    const char *target;  /* one of the target ids */
    const char *from;    /* a day, YYYY-MM-DD: entries on or after it (UTC) */
    const char *to;      /* a day, YYYY-MM-DD: entries on or before it (UTC) */
};

/* ERR_INVALID with a message fit for a person when a day is not a real YYYY-MM-DD date, or
 * from comes after to. */
int audit_filter_check(const struct audit_filter *f, struct err *e);

/* The entries that match, newest first, at most limit from offset; *total: how many match. */
int audit_list(struct store *st, struct arena *a, const struct audit_filter *f, int64_t offset, int limit,
               struct audit_entry **out, size_t *n, int64_t *total, struct err *e);

/* The entries about someone, oldest first: those whose target ids hold one of ids (n of them),
 * and those made by the account actor_user_id (NULL: none). For a person's privacy export. */
int audit_about(struct store *st, struct arena *a, const char *const *ids, size_t n, const char *actor_user_id,
                struct audit_entry **out, size_t *count, struct err *e);

/* Export of the entries that match, oldest first, handed to write in pieces (non-zero stops it:
 * ERR_IO). CSV: RFC 4180 with CRLF, a header row, UTF-8 without byte order mark, text that a
 * spreadsheet would read as a formula guarded with a leading '; JSON: an array of objects with
 * target_ids and detail as JSON values. */
typedef int (*audit_write_fn)(void *ctx, const void *data, size_t len);
int audit_export_csv(struct store *st, const struct audit_filter *f, audit_write_fn write, void *ctx,
                     struct err *e);
int audit_export_json(struct store *st, const struct audit_filter *f, audit_write_fn write, void *ctx,
                      struct err *e);

#endif

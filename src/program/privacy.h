/* privacy: what edubridge holds about a person, given as JSON, and its erasure (GDPR articles 15
 * and 17), for `edubridge privacy export|erase EMAIL` and the page /admin/privacy.
 *
 * A person is found by an email address, compared ignoring ASCII case: their account, every answer
 * set (all its revisions and drafts) in which a field marked personal holds that address, the
 * messages to it in the outbox, and the audit entries about them. Only personal fields are
 * searched: an address typed into a free-text question not marked personal is not found.
 *
 * Erasure deletes for real, in one transaction: the answers of personal fields (and of username
 * metadata and calculations that read them: forms/export.h) are removed from those answer sets'
 * stored answers, every revision and draft; the files answered to personal questions are deleted;
 * their rows in the value index go; the outbox messages to the address are deleted; the account
 * is deleted with its sessions, API tokens and reset links (and the sign-in throttle's record of
 * the address); an institution whose contact email is the address loses its contact fields. Everything else in the answer sets stays, so summaries of non-personal questions
 * count the same before and after. This is the one place where stored answers are changed in
 * place rather than by a new revision: a revision would keep the old answers. The audit trail is
 * not changed (store/audit.h): the erasure adds an entry that names the person only by a pseudonym
 * of the address (forms/pseudonym.h) and lists the ids and counts.
 *
 * Everything returned lives in the caller's arena. */
#ifndef EDUBRIDGE_PRIVACY_H
#define EDUBRIDGE_PRIVACY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/outbox.h"
#include "auth/users.h"
#include "base/arena.h"
#include "base/err.h"
#include "base/str.h"
#include "store/audit.h"
#include "store/store.h"

struct privacy_attachment {
    const char *id;
    const char *field;
    int instance;
    const char *filename;
    const char *content_type;
    int64_t size;
    const char *created_at;
};

struct privacy_submission {
    const char *id;
    const char *instance_id;
    const char *form_id;
    const char *form_version_id;
    const char *form_version;
    int revision;
    const char *status;          /* "draft" or "submitted" */
    bool is_current;
    const char *lang;
    const char *started_at;
    const char *submitted_at;    /* NULL for drafts */
    const char *consent;         /* "yes", "no" or NULL */
    const char *consent_at;
    const char *answers;         /* the stored JSON */
    size_t personal_answers;     /* how many answers of personal fields it holds (erasure removes them) */
    struct privacy_attachment *attachments;
    size_t nattachments;
};

struct privacy_report {
    const char *email;           /* as searched: trimmed, ASCII lower case */
    const char *subject;         /* the pseudonym of the address: how audit entries name the person */
    bool has_account;
    struct user account;
    struct privacy_submission *subs;
    size_t nsubs;
    struct outbox_message *outbox;
    size_t noutbox;
    struct audit_entry *audit;
    size_t naudit;
    const char *training;        /* JSON: the person's enrolments as a participant (program/training.h) */
};

/* Everything held about email. ERR_INVALID when it is not an email address. */
int privacy_find(struct store *st, struct arena *a, const char *email, struct privacy_report *out, struct err *e);

/* The report as JSON (an object: email, exported_at, account or null, submissions with answers and
 * attachments' metadata, outbox, audit), indented, into out. */
void privacy_report_json(const struct privacy_report *r, struct strbuf *out);

/* privacy_find, its JSON into out, and the audit entry privacy.export by `by`. */
int privacy_export(struct store *st, struct arena *a, const char *email, const struct audit_actor *by,
                   struct strbuf *out, struct err *e);

/* What an erasure removed. */
struct privacy_erasure {
    int64_t submissions;         /* answer sets (rows: revisions and drafts) that held personal answers */
    int64_t answers;             /* personal answers removed from them */
    int64_t attachments;         /* files deleted */
    int64_t outbox;              /* messages deleted */
    int64_t institutions;        /* institutions whose contact was this address: contact fields cleared */
    bool account;                /* the account was deleted */
    int64_t sessions, tokens;    /* of the account, deleted with it */
};

/* Erases what privacy_find finds, as above, and records privacy.erase by `by`; one transaction.
 * ERR_INVALID when email is not an email address; finding nothing erases nothing (and records it). */
int privacy_erase(struct store *st, struct arena *a, const char *email, const struct audit_actor *by,
                  struct privacy_erasure *out, struct err *e);

#endif

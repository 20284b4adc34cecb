/* submissions: answer sets in the database, drafts and submitted.
 *
 * A respondent's draft is found again by its token (a 128-bit random value in the page address,
 * never shown elsewhere) or by its resume code (8 letters and digits shown on the page, for coming
 * back from another device). Submitting turns the draft into a submitted answer set in one
 * transaction with its rows in the value index (forms/values.h), committed (synchronously) before
 * the caller says thank you. A submitted answer set is never edited: submission_revise adds a
 * revision that supersedes it. */
#ifndef EDUBRIDGE_SUBMISSIONS_H
#define EDUBRIDGE_SUBMISSIONS_H

#include <stdbool.h>

#include "base/arena.h"
#include "base/err.h"
#include "forms/answers.h"
#include "forms/form.h"
#include "store/audit.h"
#include "store/store.h"

struct submission {
    const char *id;
    const char *instance_id;     /* stable across revisions: "uuid:..." as ODK writes it */
    const char *form_id;
    const char *form_version_id;
    int revision;
    const char *status;          /* "draft" or "submitted" */
    const char *lang;
    const char *answers;         /* JSON (forms/answers.h) */
    const char *token;           /* drafts */
    const char *resume_code;     /* drafts: "ABCD-2345" */
    int page;                    /* drafts: the page the respondent was on */
    const char *started_at;
    const char *submitted_at;
    bool is_demo;
};

int submission_create_draft(struct store *st, struct arena *a, const char *form_id,
                            const char *version_id, const char *lang, struct submission *out,
                            struct err *e);
/* ERR_NOT_FOUND when no draft or submission has that token / code. */
int submission_by_token(struct store *st, struct arena *a, const char *token, struct submission *out,
                        struct err *e);
int submission_by_resume_code(struct store *st, struct arena *a, const char *form_id, const char *code,
                              struct submission *out, struct err *e);
int submission_save_draft(struct store *st, const char *id, const char *answers, int page,
                          const char *lang, struct err *e);
/* Submits a draft: its answers (stored as JSON made from ans) and their rows in the value index
 * (forms/values.h) in one transaction, committed before it returns. f is the form version the
 * draft answers. ERR_CONFLICT when it was submitted already. */
int submission_submit(struct store *st, const struct form *f, const char *id, const struct answers *ans,
                      struct err *e);
/* A submitted answer set in one go (the API, imports, demo data), indexed and committed in one
 * transaction like submission_submit. f is the version version_id; submitted_at NULL: now. */
int submission_insert(struct store *st, struct arena *a, const struct form *f, const char *version_id,
                      const char *lang, const struct answers *ans, bool is_demo, const char *submitted_at,
                      struct submission *out, struct err *e);
/* The same inside the caller's transaction, for loads of many answer sets in one commit (imports,
 * benchmarks): the caller begins, commits, and rolls back on failure. json: ans as JSON, made by
 * the caller (answers_to_json) when it has it already; NULL: made here. */
int submission_insert_in(struct store *st, struct arena *a, const struct form *f, const char *version_id,
                         const char *lang, const struct answers *ans, const char *json, bool is_demo,
                         const char *submitted_at, struct submission *out, struct err *e);
/* A correction: a new revision of a current submitted answer set (same instance_id, revision + 1,
 * supersedes it), which becomes current while the previous one stops being current and leaves the
 * value index; recorded in the audit trail as made by `by`; one transaction, committed before it
 * returns. ERR_CONFLICT when previous_id is not
 * the current submitted revision. */
int submission_revise(struct store *st, struct arena *a, const struct form *f, const char *version_id,
                      const char *previous_id, const struct answers *ans, const struct audit_actor *by,
                      struct submission *out, struct err *e);
/* The audit entry of a correction (submission.revise, by whoever made it; NULL: the system),
 * inside the caller's transaction: submission_revise and revision_submit_correction write it. */
int submission_audit_revision(struct store *st, const struct audit_actor *by, const char *form_id,
                              const char *previous_id, const char *id, struct err *e);
/* Normalises a code typed by a person ("abcd 2345", "ABCD-2345") to the stored form; NULL if
 * it cannot be one. */
const char *submission_normalise_code(struct arena *a, const char *typed);

#endif

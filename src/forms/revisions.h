/* revisions: a submitted answer set with its history, and corrections made through a draft.
 *
 * A submitted answer set is never edited in place (DESIGN.md): a correction is a new revision
 * with the same instance_id and revision + 1 that points to the one it replaces (supersedes);
 * only the newest is current, and only current revisions are counted, summarised and exported.
 * submission_revise (submissions.h) makes a revision in one call, as the API does.
 *
 * A correction through the survey pages needs a draft, so that a coordinator can go through the
 * same pages as a respondent: revision_start_correction makes a draft seeded with the answers of
 * the current revision, already numbered as the revision it will become and not current (so it
 * is neither counted nor listed as a respondent's unfinished answers), and
 * revision_submit_correction turns that draft itself into the new revision, in one transaction
 * with the same checks as submission_revise. The draft row becomes the revision (rather than a
 * new row being added) so that its token still opens the "saved" page and files sent while
 * correcting stay with it. A correction answers the version of the form its original answered.
 *
 * Returned strings live in the caller's arena. */
#ifndef EDUBRIDGE_REVISIONS_H
#define EDUBRIDGE_REVISIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "forms/answers.h"
#include "forms/form.h"
#include "forms/submissions.h"
#include "store/store.h"

struct revision {
    const char *id;
    const char *instance_id;
    const char *form_id;
    const char *form_version_id;
    const char *form_version;    /* the version's text ("2026.1") */
    int revision;                /* 1 for the first answer set, 2 for its first correction... */
    const char *supersedes;      /* the revision this one replaces; NULL for revision 1 */
    bool is_current;
    const char *current_id;      /* the current submitted revision of the answer set (this one's id
                                    when current); NULL when there is none (a draft's own) */
    const char *status;          /* "draft" or "submitted" */
    const char *lang;
    const char *answers;         /* JSON (forms/answers.h) */
    const char *started_at;
    const char *submitted_at;    /* NULL for drafts */
    bool is_demo;
};

/* One line of a list: a current answer set, or one revision of a history. */
struct revision_row {
    const char *id;
    int revision;                /* for a current answer set, also how many revisions it has */
    bool is_current;
    const char *lang;
    const char *submitted_at;
    bool is_demo;
};

/* Every row with a revision above 1 replaces another one: a correction, or a draft of one. */
static inline bool revision_is_correction(const struct submission *s)
{
    return s->revision > 1;
}

/* Any answer set or draft by id; ERR_NOT_FOUND when there is none. */
int revision_get(struct store *st, struct arena *a, const char *id, struct revision *out, struct err *e);

/* The submitted revisions of an answer set, oldest first. */
int revision_history(struct store *st, struct arena *a, const char *form_id, const char *instance_id,
                     struct revision_row **out, size_t *n, struct err *e);

/* The current submitted answer sets of a form, newest first (by the time of their current
 * revision), limit of them from offset; *total: how many there are in all. */
int revision_list_current(struct store *st, struct arena *a, const char *form_id, int64_t offset,
                          int limit, struct revision_row **out, size_t *n, int64_t *total, struct err *e);

/* Makes a correction draft of previous_id, seeded with its answers, for the version it answered,
 * in the language lang (NULL: the one it was answered in). ERR_NOT_FOUND when there is no such
 * submitted answer set; ERR_CONFLICT when it is not the current revision. */
int revision_start_correction(struct store *st, struct arena *a, const char *previous_id, const char *lang,
                              struct submission *draft, struct err *e);

/* Submits a correction draft: the revision it corrects stops being current and leaves the value
 * index, the draft becomes the current submitted revision with the answers ans (read with f, the
 * version it answers) and enters the index; the files of the earlier revision that the answers
 * still name come along; the audit trail records it as made by `by` (NULL: the system). One
 * transaction, committed before it returns. ERR_CONFLICT when the
 * revision it corrects is no longer current (someone corrected it meanwhile: the draft is kept as
 * it was) or the draft was submitted already; ERR_INVALID when draft_id is not a correction. */
int revision_submit_correction(struct store *st, struct arena *a, const struct form *f, const char *draft_id,
                               const struct answers *ans, const struct audit_actor *by, struct err *e);

#endif

/* submissions: answer sets in the database, drafts and submitted.
 *
 * A respondent's draft is found again by its token (a 128-bit random value in the page address,
 * never shown elsewhere) or by its resume code (8 letters and digits shown on the page, for coming
 * back from another device). Submitting turns the draft into a submitted answer set in one
 * statement, committed (synchronously) before the caller says thank you. A submitted answer set is
 * never edited: submission_revise adds a revision that supersedes it. */
#ifndef EDUBRIDGE_SUBMISSIONS_H
#define EDUBRIDGE_SUBMISSIONS_H

#include <stdbool.h>

#include "base/arena.h"
#include "base/err.h"
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
int submission_submit(struct store *st, const char *id, const char *answers, struct err *e);
/* A submitted answer set in one go (the API, imports, demo data). submitted_at NULL: now. */
int submission_insert(struct store *st, struct arena *a, const char *form_id, const char *version_id,
                      const char *lang, const char *answers, bool is_demo, const char *submitted_at,
                      struct submission *out, struct err *e);
/* Normalises a code typed by a person ("abcd 2345", "ABCD-2345") to the stored form; NULL if
 * it cannot be one. */
const char *submission_normalise_code(struct arena *a, const char *typed);

#endif

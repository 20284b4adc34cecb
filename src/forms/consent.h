/* consent: the consent question of a form, and what each submission says to it.
 *
 * The rule (docs/forms.md, "Consent"): a form's consent question is the field its settings column
 * consent_field names, else a field named "consent". It must be a select_one outside repeats whose
 * list has the choices "yes" and "no" (the importer refuses a consent_field that is not, and
 * warns about a field named consent that is not). Every path that submits or corrects an answer
 * set stores, with it, whether consent was given ('yes', 'no', or NULL when the form has no
 * consent question or it was not answered) and when (submissions.consent and consent_at,
 * migration 8): forms/submissions.c and forms/revisions.c call consent_value. */
#ifndef EDUBRIDGE_CONSENT_H
#define EDUBRIDGE_CONSENT_H

#include <stdbool.h>

#include "base/err.h"
#include "forms/answers.h"
#include "forms/form.h"
#include "store/store.h"

/* True when fd may be a consent question: a select_one, not in a repeat, offering yes and no. */
bool consent_field_fits(const struct form_field *fd);

/* The form's consent question, or NULL when it has none (or the one it names does not fit). */
const struct form_field *consent_field(const struct form *f);

/* "yes" or "no" as answered in ans; NULL when there is no consent question or no such answer. */
const char *consent_value(const struct form *f, const struct answers *ans);

/* Fills consent and consent_at of answer sets submitted before migration 8, from their stored
 * answers, once (the setting submission_consent_pending says it is to do). */
int consent_backfill(struct store *st, struct err *e);

#endif

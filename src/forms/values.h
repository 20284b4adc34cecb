/* values: the value index of submitted answers, which summaries read instead of the JSON.
 *
 * Each current, submitted answer set has one row per answer value in submission_values
 * (migration 3): one row per chosen value of select_one, select_multiple and rank (rank's row
 * carries the position, 1 first, as its number), one row with its number for integer, decimal and
 * range, and one row for a text answer. Empty answers have no row. Not indexed: fields inside
 * repeats (a repeat's instances are not respondents, so they would need counts of their own; not
 * yet), text fields marked personal (their answers are never listed, and a copy would only be one
 * more place to erase), and every other type (dates, notes, calculations, media, metadata).
 *
 * Rows are keyed by the submission's seq, a small integer that values_index gives it, and name
 * their question by a small integer too (values_field_key), given the first time the question has
 * an answer to index. Every
 * function here writes without a transaction of its own: the caller wraps them with the change to
 * the submission itself, so that the index never disagrees with what is stored. */
#ifndef EDUBRIDGE_VALUES_H
#define EDUBRIDGE_VALUES_H

#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "forms/answers.h"
#include "forms/form.h"
#include "store/store.h"

/* True when values_index writes rows for this field. */
bool values_field_indexed(const struct form_field *fd);

/* Gives the submission (already stored, current and submitted) the next seq and writes its rows
 * from ans, read with f: the form version it answered. */
int values_index(struct store *st, const struct form *f, const struct answers *ans,
                 const char *submission_id, struct err *e);

/* The key of a form's question in submission_values; 0 (and 0 returned) when it has none yet:
 * nobody answered it. */
int values_field_key(struct store *st, const char *form_id, const char *field, int64_t *out,
                     struct err *e);

/* Removes a submission's rows and its seq: for a revision that a newer one supersedes. */
int values_unindex(struct store *st, const char *submission_id, struct err *e);

/* Removes one question's rows of a submission, which keeps its others and its seq: for the
 * erasure of a personal answer (program/privacy.h). Nothing to do when it has none. */
int values_forget(struct store *st, const char *submission_id, const char *field, struct err *e);

/* Indexes again every current submitted answer set of f's form from its stored JSON, read with f
 * (the latest version: fields that changed type since are read as they are now). For answer sets
 * stored before the index existed, or after a change to what is indexed. Returns the number of
 * answer sets indexed. scratch is reset between answer sets. */
int64_t values_rebuild(struct store *st, struct arena *scratch, const struct form *f, struct err *e);

#endif

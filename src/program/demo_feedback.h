/* demo_feedback: the structured feedback of the demo programme (issue 6): the pilot's baseline,
 * endline and session feedback forms, their campaigns, respondent codes for the pilot
 * institutions, about 120 baseline and 100 endline answer sets, feedback after the programme's
 * training sessions (program/training.h: call this after the training demo, demo_training_load;
 * without sessions there is none), and a few theme tags given to free texts.
 *
 * Deterministic: a seeded generator (base/rng.h) draws the codes and the answers, so every machine
 * gets the same demo. The answers show a realistic rise from baseline to endline on most items and
 * none on one (the connection's speed: the pilot brought tablets, not bandwidth); some respondents
 * answer only the baseline; a few write a free text, in several languages. The endline lies in
 * the programme's future (May and June 2027), so that the demo can show a finished comparison.
 * Loading again changes nothing: each part is made only when missing. Everything is marked
 * is_demo, audited as the system. */
#ifndef EDUBRIDGE_DEMO_FEEDBACK_H
#define EDUBRIDGE_DEMO_FEEDBACK_H

#include "base/arena.h"
#include "base/err.h"
#include "store/store.h"

enum { DEMO_FEEDBACK_BASELINE = 120, DEMO_FEEDBACK_ENDLINE = 100 };

/* Loads the demo feedback into programme_id (the demo programme: demo_programme_id), whose phases
 * hold the campaigns' days. A programme that is not there is left alone (0). */
int demo_feedback_load(struct store *st, struct arena *a, const char *programme_id, struct err *e);

#endif

/* demo_survey: the shipped needs survey and about 200 deterministic demo answers to it.
 *
 * The answers come from a seeded pseudo-random generator shaped like the programme's reality
 * (more rural schools, fewer devices and weaker connections where the area is rural or remote,
 * more than 20 countries), and each one passes the same checks as a respondent's: generated
 * values that the form refuses are drawn again. Everything is marked as demo data. */
#ifndef EDUBRIDGE_DEMO_SURVEY_H
#define EDUBRIDGE_DEMO_SURVEY_H

#include <stdbool.h>

#include "base/arena.h"
#include "base/err.h"
#include "store/store.h"

enum { DEMO_SURVEY_RESPONSES = 200 };

/* Imports data/forms/needs-survey.md (compiled into the binary) unless the form exists, then adds
 * the demo answers unless the form already has demo answers. *added: how many answers were added. */
int demo_survey_load(struct store *st, struct arena *a, int *added, struct err *e);

#endif

/* demo: deterministic demo data, so that `make run` shows a programme in progress.
 *
 * Loading twice changes nothing (the demo programme is found by its fixed id). Everything made
 * here is marked is_demo so that it can be told apart and removed. Later modules add their part
 * to demo_load(). */
#ifndef EDUBRIDGE_DEMO_H
#define EDUBRIDGE_DEMO_H

#include <stdbool.h>

#include "base/arena.h"
#include "base/err.h"
#include "store/store.h"

/* What a demo load added. */
struct demo_report {
    bool programme;     /* the demo programme */
    int survey_answers; /* demo answers to the needs survey */
    int institutions;   /* institutions added to the register (program/demo_institutions.h) */
    bool selection;     /* the confirmed selection of 10, invitations and a decline replaced */
};

/* Loads the demo programme, the needs survey and its demo answers; each part only when missing. */
int demo_load(struct store *st, struct arena *a, struct demo_report *report, struct err *e);

/* The fixed id of the demo programme. */
extern const char demo_programme_id[];

#endif

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

/* Loads the demo programme; *loaded says whether anything was added. */
int demo_load(struct store *st, struct arena *a, bool *loaded, struct err *e);

/* The fixed id of the demo programme. */
extern const char demo_programme_id[];

#endif

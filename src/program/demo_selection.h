/* demo_selection: the demo programme's confirmed selection, so that `make run` shows a pilot chosen
 * and invited: a run of 10 over the needs survey's need index (at most 2 per country, at least 2
 * informal, at least 30% rural), confirmed, every selected institution invited (no message is
 * written: demo addresses are not real), 8 of them accepted, one declined with a reason and its
 * place taken by the best replacement that keeps the rules, who is invited and accepts; the last
 * invitation is still waiting for an answer. Everything is marked demo data and audited as
 * "system". Loading twice changes nothing: an existing demo run of the demo programme is kept. */
#ifndef EDUBRIDGE_DEMO_SELECTION_H
#define EDUBRIDGE_DEMO_SELECTION_H

#include <stdbool.h>

#include "base/arena.h"
#include "base/err.h"
#include "store/store.h"

/* After the demo programme, its campaign and the register are loaded. *loaded: whether this load
 * made the run. Nothing is made when the demo programme is missing or was renamed. */
int demo_selection_load(struct store *st, struct arena *a, bool *loaded, struct err *e);

#endif

/* demo_institutions: the demo register, built from the demo answers to the needs survey, plus two
 * deliberate near-duplicates (imported spellings of two surveyed institutions) so that the
 * duplicates page has something to show. Loading twice changes nothing. */
#ifndef EDUBRIDGE_DEMO_INSTITUTIONS_H
#define EDUBRIDGE_DEMO_INSTITUTIONS_H

#include "base/arena.h"
#include "base/err.h"
#include "store/store.h"

/* *created: institutions added by this load. */
int demo_institutions_load(struct store *st, struct arena *a, int *created, struct err *e);

#endif

/* demo_training: the demo's training (program/training.h, curriculum.h): a catalogue of thirteen
 * courses in six languages and three modes, a train-the-trainer session run by the demo trainer
 * account with four graduates, each of whom runs a session for teachers of the pilot
 * institutions (one of those a train-the-trainer session itself, whose graduate runs a session
 * of the second level), attendance and completions over plausible dates with some no-shows, two
 * sessions still to come, and a curriculum plan for each pilot institution from the need index,
 * some items done and some late. The pilot institutions are those selected, invited or accepted;
 * without any, the first ten of the register. Loading twice changes nothing: courses and
 * sessions have fixed ids, and an institution with a plan keeps it. The demo accounts are loaded
 * first when the trainer's is missing (auth/demo_accounts.h). */
#ifndef EDUBRIDGE_DEMO_TRAINING_H
#define EDUBRIDGE_DEMO_TRAINING_H

#include "base/arena.h"
#include "base/err.h"
#include "store/store.h"

int demo_training_load(struct store *st, struct arena *a, const char *programme_id, struct err *e);

#endif

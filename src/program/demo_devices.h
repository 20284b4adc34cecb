/* demo_devices: the demo's device inventory (program/devices.h): 100 tablets in two batches,
 * allocated to the demo programme's pilot institutions and spread over the lifecycle with a
 * history over plausible dates, and one delivery short of what was shipped. Loading twice changes
 * nothing. */
#ifndef EDUBRIDGE_DEMO_DEVICES_H
#define EDUBRIDGE_DEMO_DEVICES_H

#include "base/arena.h"
#include "base/err.h"
#include "store/store.h"

int demo_devices_load(struct store *st, struct arena *a, const char *programme_id, struct err *e);

#endif

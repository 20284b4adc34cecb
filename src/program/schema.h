/* schema: the numbered migrations of the whole database, in order.
 *
 * Versions only grow; a released migration is never edited, a change is a new one. Each module's
 * tables are created by the migration that introduced them. */
#ifndef EDUBRIDGE_SCHEMA_H
#define EDUBRIDGE_SCHEMA_H

#include <stddef.h>

#include "store/store.h"

extern const struct store_migration schema_migrations[];
extern const size_t schema_migration_count;

/* Opens (creating when asked) and migrates a database; prints nothing. */
struct store *schema_open(const char *target, bool create, int *applied, struct err *e);

#endif

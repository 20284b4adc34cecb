#include "program/schema.h"

const struct store_migration schema_migrations[] = {
    {1, "programmes and phases",
     /* A programme runs phases (campaign, identification, selection, equipment, training,
      * feedback, reporting) over dates; a pilot selects pilot_size institutions and gives each
      * devices_per_institution devices. is_demo marks the demo data so it can be told apart. */
     "CREATE TABLE programmes ("
     " id TEXT PRIMARY KEY,"
     " slug TEXT NOT NULL UNIQUE,"
     " name TEXT NOT NULL,"
     " summary TEXT NOT NULL DEFAULT '',"
     " starts_on TEXT,"
     " ends_on TEXT,"
     " pilot_size INTEGER NOT NULL DEFAULT 10 CHECK (pilot_size > 0),"
     " devices_per_institution INTEGER NOT NULL DEFAULT 10 CHECK (devices_per_institution >= 0),"
     " is_demo INTEGER NOT NULL DEFAULT 0,"
     " created_at TEXT NOT NULL,"
     " updated_at TEXT NOT NULL);"
     "CREATE TABLE programme_phases ("
     " id TEXT PRIMARY KEY,"
     " programme_id TEXT NOT NULL REFERENCES programmes(id) ON DELETE CASCADE,"
     " position INTEGER NOT NULL,"
     " kind TEXT NOT NULL CHECK (kind IN ('campaign','identification','selection','equipment',"
     "'training','feedback','reporting')),"
     " starts_on TEXT NOT NULL,"
     " ends_on TEXT NOT NULL,"
     " UNIQUE (programme_id, position));"
     "CREATE TABLE settings ("
     " key TEXT PRIMARY KEY,"
     " value TEXT NOT NULL);"},
};
const size_t schema_migration_count = sizeof schema_migrations / sizeof schema_migrations[0];

struct store *schema_open(const char *target, bool create, int *applied, struct err *e)
{
    struct store_options opt = {.read_only = false, .create = create, .busy_timeout_ms = 5000};
    struct store *st = store_open(target, &opt, e);
    if (!st) return NULL;
    if (store_migrate(st, schema_migrations, schema_migration_count, applied, e) < 0) {
        store_close(st);
        return NULL;
    }
    return st;
}

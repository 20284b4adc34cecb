/* devices_schema: the SQL of the device inventory's migration, listed in schema.c.
 *
 * Kept beside program/devices.c, which is its only reader and writer, so that schema.c holds one
 * line for it. A released migration is never edited: a change is a new migration. */
#ifndef EDUBRIDGE_DEVICES_SCHEMA_H
#define EDUBRIDGE_DEVICES_SCHEMA_H

/* The Phase 2 pilot's devices (program/devices.h). A device has a serial number or an IMEI or
 * both, each unique when given (serials are stored in upper case, IMEIs as their 15 digits, the
 * Luhn digit checked in devices.c). programme_id is the programme it was bought for or allocated
 * in (NULL: general stock); institution_id the institution it was allocated to, kept while it is
 * there (and when it is lost or retired there, for the record), cleared when it goes back to
 * stock. state is checked in devices.c against the lifecycle's one table, not by a CHECK, as the
 * institutions' status is: a new state is then a line of code, not a rebuild of the table.
 * device_events holds every move (and the creation, from_state NULL) with who, when, the note
 * and where the device was: it is the device's history, never edited. by_label is the acting
 * account's email as the audit trail keeps it. deliveries are the institutions' confirmations of
 * what arrived: expected is what was shipped to them at the time, received what they counted; a
 * shortfall (received < expected) is flagged to the coordinator until the devices not counted
 * are marked delivered or lost. */
#define DEVICES_SCHEMA_SQL                                                                              \
    "CREATE TABLE devices ("                                                                            \
    " id TEXT PRIMARY KEY,"                                                                             \
    " programme_id TEXT REFERENCES programmes(id),"                                                     \
    " model TEXT NOT NULL,"                                                                             \
    " serial TEXT,"                                                                                     \
    " imei TEXT CHECK (imei IS NULL OR length(imei) = 15),"                                            \
    " batch TEXT,"                                                                                      \
    " notes TEXT,"                                                                                      \
    " state TEXT NOT NULL DEFAULT 'in_stock',"                                                          \
    " institution_id TEXT REFERENCES institutions(id),"                                                 \
    " is_demo INTEGER NOT NULL DEFAULT 0,"                                                              \
    " created_at TEXT NOT NULL,"                                                                        \
    " updated_at TEXT NOT NULL,"                                                                        \
    " CHECK (serial IS NOT NULL OR imei IS NOT NULL));"                                                 \
    "CREATE UNIQUE INDEX devices_by_serial ON devices (serial) WHERE serial IS NOT NULL;"               \
    "CREATE UNIQUE INDEX devices_by_imei ON devices (imei) WHERE imei IS NOT NULL;"                     \
    "CREATE INDEX devices_by_state ON devices (state, created_at);"                                     \
    "CREATE INDEX devices_by_institution ON devices (institution_id, state)"                            \
    " WHERE institution_id IS NOT NULL;"                                                                \
    "CREATE INDEX devices_by_batch ON devices (batch) WHERE batch IS NOT NULL;"                         \
    "CREATE TABLE device_events ("                                                                      \
    " id TEXT PRIMARY KEY,"                                                                             \
    " device_id TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,"                               \
    " from_state TEXT,"                                                                                 \
    " to_state TEXT NOT NULL,"                                                                          \
    " at TEXT NOT NULL,"                                                                                \
    " by_user_id TEXT,"                                                                                 \
    " by_label TEXT NOT NULL,"                                                                          \
    " note TEXT,"                                                                                       \
    " institution_id TEXT);"                                                                            \
    "CREATE INDEX device_events_by_device ON device_events (device_id, at, id);"                        \
    "CREATE TABLE deliveries ("                                                                         \
    " id TEXT PRIMARY KEY,"                                                                             \
    " programme_id TEXT REFERENCES programmes(id),"                                                     \
    " institution_id TEXT NOT NULL REFERENCES institutions(id),"                                        \
    " expected INTEGER NOT NULL CHECK (expected > 0),"                                                  \
    " received INTEGER NOT NULL CHECK (received >= 0 AND received <= expected),"                       \
    " confirmed_by_user_id TEXT,"                                                                       \
    " confirmed_by TEXT NOT NULL,"                                                                      \
    " confirmed_at TEXT NOT NULL,"                                                                      \
    " note TEXT);"                                                                                      \
    "CREATE INDEX deliveries_by_institution ON deliveries (institution_id, confirmed_at);"              \
    "CREATE INDEX deliveries_short ON deliveries (confirmed_at) WHERE received < expected;"

#endif

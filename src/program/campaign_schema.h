/* campaign_schema: migration 10's SQL, kept beside the module it serves (program/campaign.h) so
 * that schema.c lists it in one line.
 *
 * A campaign runs one form (the needs survey, a baseline...) for a programme between two days; its
 * answers are the form's submissions between those days. kind is checked in campaign.c, not here,
 * so that a new kind needs no migration (SQLite cannot change a CHECK). The programme keeps the
 * defaults its selection runs start from: at most max_per_country per country (0: no cap), at
 * least min_informal informal institutions, at least min_rural_percent per cent rural ones. */
#ifndef EDUBRIDGE_CAMPAIGN_SCHEMA_H
#define EDUBRIDGE_CAMPAIGN_SCHEMA_H

#define CAMPAIGN_SCHEMA_SQL                                                                              \
    "CREATE TABLE campaigns ("                                                                           \
    " id TEXT PRIMARY KEY,"                                                                              \
    " programme_id TEXT NOT NULL REFERENCES programmes(id) ON DELETE CASCADE,"                           \
    " name TEXT NOT NULL,"                                                                               \
    " form_id TEXT NOT NULL REFERENCES forms(form_id),"                                                  \
    " kind TEXT NOT NULL,"                                                                               \
    " opens_on TEXT,"                                                                                    \
    " closes_on TEXT,"                                                                                   \
    " status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft','open','closed')),"                 \
    " created_at TEXT NOT NULL,"                                                                         \
    " updated_at TEXT NOT NULL);"                                                                        \
    "CREATE INDEX campaigns_by_programme ON campaigns (programme_id, opens_on);"                         \
    "CREATE INDEX campaigns_by_form ON campaigns (form_id);"                                             \
    "ALTER TABLE programmes ADD COLUMN max_per_country INTEGER NOT NULL DEFAULT 0"                       \
    " CHECK (max_per_country BETWEEN 0 AND 1000);"                                                       \
    "ALTER TABLE programmes ADD COLUMN min_informal INTEGER NOT NULL DEFAULT 0 CHECK (min_informal >= 0);" \
    "ALTER TABLE programmes ADD COLUMN min_rural_percent INTEGER NOT NULL DEFAULT 0"                     \
    " CHECK (min_rural_percent BETWEEN 0 AND 100);"

#endif

/* assessment_schema: migration 12's SQL, kept beside program/assessment.c, its only reader and
 * writer, so that schema.c lists it in one line. A released migration is never edited.
 *
 * need_models holds each campaign's need-index model (indicators, domains, weights, method) as the
 * JSON that assessment.c writes and reads; a campaign without a row uses the shipped default. The
 * model is JSON rather than rows because it is read and written whole, and because a selection run
 * freezes exactly this text with its inputs. */
#ifndef EDUBRIDGE_ASSESSMENT_SCHEMA_H
#define EDUBRIDGE_ASSESSMENT_SCHEMA_H
#define ASSESSMENT_SCHEMA_SQL                                                            \
    "CREATE TABLE need_models ("                                                         \
    " campaign_id TEXT PRIMARY KEY REFERENCES campaigns(id) ON DELETE CASCADE,"          \
    " model TEXT NOT NULL CHECK (json_valid(model)),"                                    \
    " updated_at TEXT NOT NULL,"                                                         \
    " updated_by TEXT);"
#endif

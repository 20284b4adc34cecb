/* institutions_schema: the SQL of the institution register's migration, listed in schema.c.
 *
 * Kept beside program/institutions.c, which is its only reader and writer, so that schema.c holds
 * one line for it. A released migration is never edited: a change is a new migration. */
#ifndef EDUBRIDGE_INSTITUTIONS_SCHEMA_H
#define EDUBRIDGE_INSTITUTIONS_SCHEMA_H

/* Schools, STEM clubs and education centres (program/institutions.h), from needs-survey answer
 * sets and imports. name_key is the normalised name that building and the duplicate finder
 * compare. contact_name, contact_email and contact_phone are PERSONAL DATA: pseudonymised exports
 * leave them out and a person's erasure clears them (program/privacy.c). status is checked in
 * institutions.c, not here, so that a new status needs no migration (SQLite cannot change a
 * CHECK). A merged record stays, merged_into pointing to the survivor; the merge is in the audit
 * trail. institution_submissions links each answer set (instance_id: all its revisions) to one
 * institution, through the revision that last fed it. institution_mappings says which form field
 * feeds which institution field, per form (no rows: the needs survey's default). */
#define INSTITUTIONS_SCHEMA_SQL                                                                             \
    "CREATE TABLE institutions ("                                                                           \
    " id TEXT PRIMARY KEY,"                                                                                 \
    " name TEXT NOT NULL,"                                                                                  \
    " name_key TEXT NOT NULL,"                                                                              \
    " kind TEXT CHECK (kind IN ('school','stem_club','education_centre')),"                                \
    " formal INTEGER CHECK (formal IN (0,1)),"                                                              \
    " country TEXT CHECK (length(country) = 2),"                                                            \
    " region TEXT,"                                                                                         \
    " area TEXT CHECK (area IN ('urban','suburban','rural','remote')),"                                    \
    " latitude REAL CHECK (latitude BETWEEN -90 AND 90),"                                                   \
    " longitude REAL CHECK (longitude BETWEEN -180 AND 180),"                                               \
    " learners INTEGER CHECK (learners >= 0),"                                                              \
    " teachers INTEGER CHECK (teachers >= 0),"                                                              \
    " devices INTEGER CHECK (devices >= 0),"                                                                \
    " connectivity TEXT CHECK (connectivity IN"                                                             \
    " ('none','mobile_only','fixed_slow','fixed_medium','fixed_fast','dont_know')),"                        \
    " contact_name TEXT,"                                                                                   \
    " contact_email TEXT,"                                                                                  \
    " contact_phone TEXT,"                                                                                  \
    " status TEXT NOT NULL DEFAULT 'registered',"                                                           \
    " source TEXT NOT NULL CHECK (source IN ('survey','import')),"                                         \
    " is_demo INTEGER NOT NULL DEFAULT 0,"                                                                  \
    " created_at TEXT NOT NULL,"                                                                            \
    " updated_at TEXT NOT NULL,"                                                                            \
    " merged_into TEXT REFERENCES institutions(id));"                                                       \
    "CREATE INDEX institutions_by_name ON institutions (name_key, country) WHERE merged_into IS NULL;"      \
    "CREATE INDEX institutions_by_country ON institutions (country, created_at) WHERE merged_into IS NULL;" \
    "CREATE INDEX institutions_by_merged ON institutions (merged_into) WHERE merged_into IS NOT NULL;"      \
    "CREATE INDEX institutions_by_contact ON institutions (lower(contact_email))"                           \
    " WHERE contact_email IS NOT NULL;"                                                                     \
    "CREATE TABLE institution_submissions ("                                                                \
    " instance_id TEXT PRIMARY KEY,"                                                                        \
    " institution_id TEXT NOT NULL REFERENCES institutions(id),"                                            \
    " submission_id TEXT NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,"                            \
    " form_id TEXT NOT NULL,"                                                                               \
    " linked_at TEXT NOT NULL);"                                                                            \
    "CREATE INDEX institution_submissions_by_institution ON institution_submissions (institution_id);"     \
    "CREATE INDEX institution_submissions_by_submission ON institution_submissions (submission_id);"       \
    "CREATE TABLE institution_mappings ("                                                                   \
    " form_id TEXT NOT NULL,"                                                                               \
    " target TEXT NOT NULL,"                                                                                \
    " field TEXT NOT NULL,"                                                                                 \
    " PRIMARY KEY (form_id, target));"

#endif

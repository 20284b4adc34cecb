/* training_schema: the SQL of the training migration, listed in schema.c.
 *
 * Kept beside program/training.c, program/training_cascade.c and program/curriculum.c, its only
 * readers and writers, so that schema.c holds one line for it. A released migration is never
 * edited: a change is a new migration. */
#ifndef EDUBRIDGE_TRAINING_SCHEMA_H
#define EDUBRIDGE_TRAINING_SCHEMA_H

/* The Phase 2 pilot's training (program/training.h, program/curriculum.h).
 *
 * courses: the catalogue; programme_id NULL means a course any programme may use. mode is one of
 * three and checked here as well as in training.c; level and the text fields are checked in
 * training.c only, so that a new level needs no rebuild of the table (SQLite cannot change a
 * CHECK). topics is a normalised list ("online safety, skills"), compared with need-index
 * domains by curriculum.c. file_name names the offline package's file, one too large to upload,
 * that travels outside edubridge (a USB stick, a hub's share); a file of at most 8 MiB is uploaded
 * to the course instead and kept in course_files (migration 17, program/training_files_schema.h).
 *
 * training_sessions: one course given at a time and place (or a link) to at most capacity people.
 * The trainer is an account (trainer_user_id, role trainer) or a participant who completed an
 * earlier train-the-trainer session (trainer_participant_id), one of them; the cascade (who
 * trained whom) is derived from that, never stored. ON DELETE SET NULL: a trainer's account
 * erased (program/privacy.c) leaves the session without a named trainer.
 *
 * training_participants: the people trained. name and email are PERSONAL DATA: pseudonymised
 * exports show pseudonym instead (a random code, unguessable, that a feedback form can ask for
 * to link answers to training without a name), and a person's erasure empties name and email
 * (training_erase_person). user_id links a participant who also has an account (a trainer who
 * graduated), at most one participant per account.
 *
 * training_enrolments: a person in a session, and what became of it: enrolled, attended,
 * completed (only after attending: the CHECK keeps it so whatever the code does) or no_show.
 * certificate_code is set on completion, unique.
 *
 * curriculum_plans: one per institution and programme; curriculum_items link a need-index domain
 * (its id in the campaign's model) to a module and lesson, a course of the catalogue or none,
 * with the day it is due and the day it was done (set exactly when status is done). */
#define TRAINING_SCHEMA_SQL                                                                              \
    "CREATE TABLE courses ("                                                                             \
    " id TEXT PRIMARY KEY,"                                                                              \
    " programme_id TEXT REFERENCES programmes(id),"                                                      \
    " title TEXT NOT NULL,"                                                                              \
    " provider TEXT,"                                                                                    \
    " language TEXT NOT NULL,"                                                                           \
    " mode TEXT NOT NULL CHECK (mode IN ('online','in_person','offline_package')),"                     \
    " duration_minutes INTEGER CHECK (duration_minutes > 0),"                                           \
    " level TEXT,"                                                                                       \
    " topics TEXT NOT NULL DEFAULT '',"                                                                  \
    " url TEXT,"                                                                                         \
    " file_name TEXT,"                                                                                   \
    " is_demo INTEGER NOT NULL DEFAULT 0,"                                                               \
    " created_at TEXT NOT NULL,"                                                                         \
    " updated_at TEXT NOT NULL);"                                                                        \
    "CREATE INDEX courses_by_title ON courses (title, id);"                                             \
    "CREATE TABLE training_participants ("                                                               \
    " id TEXT PRIMARY KEY,"                                                                              \
    " name TEXT NOT NULL,"                                                                               \
    " email TEXT,"                                                                                       \
    " institution_id TEXT REFERENCES institutions(id),"                                                  \
    " role TEXT NOT NULL CHECK (role IN ('teacher','trainer','other')),"                                \
    " user_id TEXT REFERENCES users(id) ON DELETE SET NULL,"                                             \
    " pseudonym TEXT NOT NULL UNIQUE,"                                                                   \
    " is_demo INTEGER NOT NULL DEFAULT 0,"                                                               \
    " created_at TEXT NOT NULL);"                                                                        \
    "CREATE UNIQUE INDEX training_participants_by_user ON training_participants (user_id)"              \
    " WHERE user_id IS NOT NULL;"                                                                        \
    "CREATE INDEX training_participants_by_email ON training_participants (lower(email))"               \
    " WHERE email IS NOT NULL;"                                                                          \
    "CREATE TABLE training_sessions ("                                                                   \
    " id TEXT PRIMARY KEY,"                                                                              \
    " programme_id TEXT NOT NULL REFERENCES programmes(id),"                                             \
    " course_id TEXT NOT NULL REFERENCES courses(id),"                                                   \
    " trainer_user_id TEXT REFERENCES users(id) ON DELETE SET NULL,"                                     \
    " trainer_participant_id TEXT REFERENCES training_participants(id),"                                 \
    " starts_at TEXT NOT NULL,"                                                                          \
    " ends_at TEXT NOT NULL,"                                                                            \
    " place TEXT,"                                                                                       \
    " link TEXT,"                                                                                        \
    " capacity INTEGER NOT NULL CHECK (capacity > 0),"                                                  \
    " is_tot INTEGER NOT NULL DEFAULT 0 CHECK (is_tot IN (0,1)),"                                       \
    " is_demo INTEGER NOT NULL DEFAULT 0,"                                                               \
    " created_at TEXT NOT NULL,"                                                                         \
    " CHECK (ends_at > starts_at),"                                                                      \
    " CHECK (trainer_user_id IS NULL OR trainer_participant_id IS NULL));"                              \
    "CREATE INDEX training_sessions_by_programme ON training_sessions (programme_id, starts_at);"       \
    "CREATE INDEX training_sessions_by_trainer ON training_sessions (trainer_user_id)"                  \
    " WHERE trainer_user_id IS NOT NULL;"                                                                \
    "CREATE TABLE training_enrolments ("                                                                 \
    " id TEXT PRIMARY KEY,"                                                                              \
    " session_id TEXT NOT NULL REFERENCES training_sessions(id),"                                        \
    " participant_id TEXT NOT NULL REFERENCES training_participants(id),"                                \
    " status TEXT NOT NULL DEFAULT 'enrolled'"                                                           \
    " CHECK (status IN ('enrolled','attended','completed','no_show')),"                                 \
    " enrolled_at TEXT NOT NULL,"                                                                        \
    " attended_at TEXT,"                                                                                 \
    " completed_at TEXT,"                                                                                \
    " certificate_code TEXT UNIQUE,"                                                                     \
    " UNIQUE (session_id, participant_id),"                                                              \
    " CHECK (status <> 'completed' OR (attended_at IS NOT NULL AND completed_at IS NOT NULL"            \
    " AND certificate_code IS NOT NULL)));"                                                              \
    "CREATE INDEX training_enrolments_by_participant ON training_enrolments (participant_id, status);" \
    "CREATE TABLE curriculum_plans ("                                                                    \
    " id TEXT PRIMARY KEY,"                                                                              \
    " institution_id TEXT NOT NULL REFERENCES institutions(id),"                                         \
    " programme_id TEXT NOT NULL REFERENCES programmes(id),"                                             \
    " is_demo INTEGER NOT NULL DEFAULT 0,"                                                               \
    " created_at TEXT NOT NULL,"                                                                         \
    " UNIQUE (institution_id, programme_id));"                                                           \
    "CREATE TABLE curriculum_items ("                                                                    \
    " id TEXT PRIMARY KEY,"                                                                              \
    " plan_id TEXT NOT NULL REFERENCES curriculum_plans(id) ON DELETE CASCADE,"                          \
    " position INTEGER NOT NULL,"                                                                        \
    " domain TEXT NOT NULL,"                                                                             \
    " module TEXT NOT NULL,"                                                                             \
    " lesson TEXT,"                                                                                      \
    " course_id TEXT REFERENCES courses(id),"                                                            \
    " due_on TEXT NOT NULL,"                                                                             \
    " done_on TEXT,"                                                                                     \
    " status TEXT NOT NULL DEFAULT 'planned' CHECK (status IN ('planned','in_progress','done')),"      \
    " created_at TEXT NOT NULL,"                                                                         \
    " CHECK ((status = 'done') = (done_on IS NOT NULL)),"                                                \
    " UNIQUE (plan_id, position));"

#endif

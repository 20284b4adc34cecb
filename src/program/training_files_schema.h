/* training_files_schema: the SQL of the course files' migration (17), listed in schema.c.
 *
 * Kept beside program/training.c, its only reader and writer, so that schema.c holds one line for
 * it. A released migration is never edited: a change is a new migration. */
#ifndef EDUBRIDGE_TRAINING_FILES_SCHEMA_H
#define EDUBRIDGE_TRAINING_FILES_SCHEMA_H

/* course_files: the one file a course of the catalogue may carry (a handout, a lesson pack), kept
 * in the database so that it travels with the catalogue (backups, a hub's copy) and is served to
 * whoever may read the catalogue. One per course: a new upload replaces it (the primary key), and
 * deleting a course deletes its file. content_type is what training.c found in the file's first
 * bytes, never what the browser said; name is the uploaded name cleaned of any path
 * (attachment_clean_name); sha256 (hex) lets a school check a copy that travelled by USB stick.
 * uploaded_by is the uploader's label (their email: PERSONAL DATA, replaced by '(erased)' in a
 * person's erasure, program/privacy.c). courses.file_name stays for the offline package's file,
 * too large to upload, that travels outside edubridge. */
#define TRAINING_FILES_SCHEMA_SQL                                                                      \
    "CREATE TABLE course_files ("                                                                      \
    " course_id TEXT PRIMARY KEY REFERENCES courses(id) ON DELETE CASCADE,"                            \
    " name TEXT NOT NULL,"                                                                             \
    " content_type TEXT NOT NULL,"                                                                     \
    " size INTEGER NOT NULL,"                                                                          \
    " sha256 TEXT NOT NULL,"                                                                           \
    " data BLOB NOT NULL,"                                                                             \
    " uploaded_by TEXT,"                                                                               \
    " uploaded_at TEXT NOT NULL);"

#endif

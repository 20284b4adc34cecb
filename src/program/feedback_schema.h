/* feedback_schema: the SQL of the structured feedback's migration (16), listed in schema.c.
 *
 * Kept beside program/respondent_codes.c and program/feedback.c, its only readers and writers, so
 * that schema.c holds one line for it. A released migration is never edited: a change is a new
 * migration. */
#ifndef EDUBRIDGE_FEEDBACK_SCHEMA_H
#define EDUBRIDGE_FEEDBACK_SCHEMA_H

/* respondent_codes: the pseudonymous codes a coordinator issues for a programme, per institution
 * and role (program/respondent_codes.h). A code is stored normalised (8 characters, upper case, no
 * hyphen) and is unique across programmes, so that an answer's code names one programme. There is
 * no name, no email and no link to an account: who holds which slip is known only on paper, at the
 * institution. role NULL: the code was issued for any role, and the answer's own role question
 * counts. batch is the id of the issue it came from, so that one issue's slips can be printed
 * again. The institution is kept when it is merged away (its survivor is found through
 * merged_into).
 *
 * feedback_tags: a programme's theme tags for free-text feedback; name_key (lower case) keeps two
 * tags from differing only in case. feedback_tagging: which tag a coordinator gave to which free
 * text (a submission's field), by whom and when; the audit trail records the same. A corrected
 * answer set keeps its tags (feedback.c reads them through the instance), and erasing an answer
 * set deletes its tags (the cascade). */
#define FEEDBACK_SCHEMA_SQL                                                                             \
    "CREATE TABLE respondent_codes ("                                                                   \
    " code TEXT PRIMARY KEY CHECK (length(code) = 8),"                                                  \
    " programme_id TEXT NOT NULL REFERENCES programmes(id) ON DELETE CASCADE,"                          \
    " institution_id TEXT NOT NULL REFERENCES institutions(id),"                                        \
    " role TEXT,"                                                                                       \
    " batch TEXT NOT NULL,"                                                                             \
    " is_demo INTEGER NOT NULL DEFAULT 0,"                                                              \
    " issued_at TEXT NOT NULL);"                                                                        \
    "CREATE INDEX respondent_codes_by_programme ON respondent_codes (programme_id, institution_id);"    \
    "CREATE INDEX respondent_codes_by_batch ON respondent_codes (batch);"                               \
    "CREATE TABLE feedback_tags ("                                                                      \
    " id TEXT PRIMARY KEY,"                                                                             \
    " programme_id TEXT NOT NULL REFERENCES programmes(id) ON DELETE CASCADE,"                          \
    " name TEXT NOT NULL,"                                                                              \
    " name_key TEXT NOT NULL,"                                                                          \
    " is_demo INTEGER NOT NULL DEFAULT 0,"                                                              \
    " created_at TEXT NOT NULL,"                                                                        \
    " UNIQUE (programme_id, name_key));"                                                                \
    "CREATE TABLE feedback_tagging ("                                                                   \
    " submission_id TEXT NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,"                        \
    " field TEXT NOT NULL,"                                                                             \
    " tag_id TEXT NOT NULL REFERENCES feedback_tags(id) ON DELETE CASCADE,"                             \
    " by_user_id TEXT,"                                                                                 \
    " by_label TEXT NOT NULL,"                                                                          \
    " at TEXT NOT NULL,"                                                                                \
    " PRIMARY KEY (submission_id, field, tag_id));"                                                     \
    "CREATE INDEX feedback_tagging_by_tag ON feedback_tagging (tag_id);"

#endif

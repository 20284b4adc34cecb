#include "program/schema.h"

#include "forms/consent.h"
#include "forms/form_store.h"
#include "forms/values.h"
#include "program/assessment_schema.h"
#include "program/campaign_schema.h"
#include "program/devices_schema.h"
#include "program/feedback_schema.h"
#include "program/institutions_schema.h"
#include "program/selection_schema.h"
#include "program/training_files_schema.h"
#include "program/training_schema.h"

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
    {2, "forms, versions and submissions",
     /* A form (addressed by its XLSForm form_id) has numbered versions, each keeping the file it
      * was imported from: the definition is rebuilt from it, so nothing of a form is lost. A
      * submission names the exact version it answered; a correction is a new revision pointing
      * to the one it replaces (supersedes), and only the newest revision is current. Drafts are
      * saved as respondents go, found again by their token (in the page address) or resume code. */
     "CREATE TABLE forms ("
     " form_id TEXT PRIMARY KEY,"
     " title TEXT NOT NULL,"
     " is_demo INTEGER NOT NULL DEFAULT 0,"
     " created_at TEXT NOT NULL,"
     " updated_at TEXT NOT NULL);"
     "CREATE TABLE form_versions ("
     " id TEXT PRIMARY KEY,"
     " form_id TEXT NOT NULL REFERENCES forms(form_id),"
     " seq INTEGER NOT NULL,"
     " version TEXT NOT NULL,"
     " source_format TEXT NOT NULL CHECK (source_format IN ('xlsx','csv','md')),"
     " source_name TEXT NOT NULL,"
     " source BLOB NOT NULL,"
     " created_at TEXT NOT NULL,"
     " UNIQUE (form_id, seq),"
     " UNIQUE (form_id, version));"
     "CREATE TABLE submissions ("
     " id TEXT PRIMARY KEY,"
     " instance_id TEXT NOT NULL,"
     " form_id TEXT NOT NULL REFERENCES forms(form_id),"
     " form_version_id TEXT NOT NULL REFERENCES form_versions(id),"
     " revision INTEGER NOT NULL DEFAULT 1,"
     " supersedes TEXT REFERENCES submissions(id),"
     " is_current INTEGER NOT NULL DEFAULT 1,"
     " status TEXT NOT NULL CHECK (status IN ('draft','submitted')),"
     " lang TEXT NOT NULL,"
     " answers TEXT NOT NULL,"
     " token TEXT UNIQUE,"
     " resume_code TEXT UNIQUE,"
     " page INTEGER NOT NULL DEFAULT 0,"
     " is_demo INTEGER NOT NULL DEFAULT 0,"
     " started_at TEXT NOT NULL,"
     " submitted_at TEXT,"
     " updated_at TEXT NOT NULL);"
     "CREATE INDEX submissions_by_form ON submissions (form_id, status, is_current);"
     "CREATE INDEX submissions_by_instance ON submissions (instance_id, revision);"},
    {3, "submission values for summaries",
     /* Summaries read one row per answer value instead of parsing every stored JSON answer set
      * (forms/values.h says which fields and values). Rows are small on purpose, as there are
      * dozens per answer set: a question is a small integer (submission_value_fields maps it to
      * form_id and field name), and an answer set is its seq, a small integer given when it
      * becomes current and submitted (NULL before). Measured on the needs survey, that halves the
      * index against text form_id, field and id columns. SQLite's own rowid would not do for
      * seq: VACUUM may renumber it. The cascade keeps erasure real: deleting a submission deletes
      * its values.
      *  - by_value: counts per value of one field, read from the index alone;
      *  - by_submission: one field's values in submission order, so that a cross-tab merges two
      *    ordered scans, and free text reads newest first; it carries number for numeric ranges;
      *  - by_number: numbers in order, for medians and quartiles without sorting;
      *  - by_key: the cascade and re-indexing find a submission's rows.
      * Submissions from before this migration get a seq here (in their order of arrival) but no
      * values: the setting submission_values_pending asks schema_open to index them from their
      * JSON (a migration is SQL and cannot read JSON with the form), and it goes once that is done. */
     "ALTER TABLE submissions ADD COLUMN seq INTEGER;"
     "UPDATE submissions SET seq = rowid WHERE status = 'submitted' AND is_current = 1;"
     "CREATE UNIQUE INDEX submissions_by_seq ON submissions (seq);"
     "CREATE TABLE submission_value_fields ("
     " id INTEGER PRIMARY KEY,"
     " form_id TEXT NOT NULL REFERENCES forms(form_id),"
     " field TEXT NOT NULL,"
     " UNIQUE (form_id, field));"
     "CREATE TABLE submission_values ("
     " submission INTEGER NOT NULL REFERENCES submissions(seq) ON DELETE CASCADE,"
     " field INTEGER NOT NULL REFERENCES submission_value_fields(id),"
     " value TEXT NOT NULL,"
     " number REAL);"
     "CREATE INDEX submission_values_by_value ON submission_values (field, value);"
     "CREATE INDEX submission_values_by_submission ON submission_values (field, submission, value, number);"
     "CREATE INDEX submission_values_by_number ON submission_values (field, number) WHERE number IS NOT NULL;"
     "CREATE INDEX submission_values_by_key ON submission_values (submission);"
     "INSERT INTO settings (key, value) SELECT 'submission_values_pending', 'yes'"
     " WHERE EXISTS (SELECT 1 FROM submissions WHERE status = 'submitted');"},
    {4, "files sent with answers",
     /* Photos and documents answered to image and file questions, kept with the answer set they
      * belong to; the answer itself holds the file's name. Personal data as the answers are. */
     "CREATE TABLE attachments ("
     " id TEXT PRIMARY KEY,"
     " submission_id TEXT NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,"
     " field TEXT NOT NULL,"
     " instance INTEGER NOT NULL DEFAULT 0,"
     " filename TEXT NOT NULL,"
     " content_type TEXT NOT NULL,"
     " size INTEGER NOT NULL,"
     " data BLOB NOT NULL,"
     " created_at TEXT NOT NULL,"
     " UNIQUE (submission_id, field, instance));"},
    {5, "accounts, sessions, tokens and the outbox",
     /* Accounts (src/auth). Secrets are never stored: sessions, API tokens and reset links are
      * kept as the BLAKE2b hash of their random token, passwords as argon2id hashes. Emails are
      * stored normalised and are unique whatever their case (the expression index, which
      * PostgreSQL reads too). institution_id links an institution's contact once institutions
      * exist. Personal data: users.email and display_name, outbox.to_addr and body. The throttle
      * counts failed sign-ins under 'email:ADDRESS' and 'addr:IP' keys. */
     "CREATE TABLE users ("
     " id TEXT PRIMARY KEY,"
     " email TEXT NOT NULL,"
     " display_name TEXT NOT NULL,"
     " role TEXT NOT NULL CHECK (role IN ('admin','coordinator','panel','institution','trainer','partner')),"
     " institution_id TEXT,"
     " password_hash TEXT NOT NULL,"
     " is_demo INTEGER NOT NULL DEFAULT 0,"
     " created_at TEXT NOT NULL,"
     " disabled_at TEXT);"
     "CREATE UNIQUE INDEX users_by_email ON users (lower(email));"
     "CREATE TABLE sessions ("
     " token_hash TEXT PRIMARY KEY,"
     " user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
     " created_at TEXT NOT NULL,"
     " last_seen_at TEXT NOT NULL,"
     " expires_at TEXT NOT NULL);"
     "CREATE INDEX sessions_by_user ON sessions (user_id);"
     "CREATE INDEX sessions_by_expiry ON sessions (expires_at);"
     "CREATE TABLE api_tokens ("
     " id TEXT PRIMARY KEY,"
     " user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
     " name TEXT NOT NULL,"
     " scope TEXT NOT NULL CHECK (scope IN ('read','submit','admin')),"
     " token_hash TEXT NOT NULL UNIQUE,"
     " created_at TEXT NOT NULL,"
     " last_used_at TEXT,"
     " revoked_at TEXT);"
     "CREATE INDEX api_tokens_by_user ON api_tokens (user_id);"
     "CREATE TABLE password_resets ("
     " token_hash TEXT PRIMARY KEY,"
     " user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
     " created_at TEXT NOT NULL,"
     " expires_at TEXT NOT NULL,"
     " used_at TEXT);"
     "CREATE INDEX password_resets_by_user ON password_resets (user_id, created_at);"
     "CREATE TABLE outbox ("
     " id TEXT PRIMARY KEY,"
     " created_at TEXT NOT NULL,"
     " to_addr TEXT NOT NULL,"
     " subject TEXT NOT NULL,"
     " body TEXT NOT NULL,"
     " sent_at TEXT,"
     " error TEXT);"
     "CREATE TABLE signin_throttle ("
     " key TEXT PRIMARY KEY,"
     " failures INTEGER NOT NULL CHECK (failures >= 0),"
     " last_failure_at TEXT NOT NULL);"},
    {6, "a leaner submission value index",
     /* Migration 3's index cost five B-trees and two foreign-key searches per row, and a needs-survey
      * answer set has about 38 rows: most of the CPU of a submission. The table is now clustered on
      * (field, submission, value), which is what by_submission was, so that index and the table's
      * rowid go. New rows land at the end of each field's range, so a batch of submissions dirties
      * a few pages per field; by_value put each row in the middle of its value's run, many more
      * pages to write to the WAL and checkpoint (dropping it took a quarter of the CPU of a
      * submission): counts per choice now read the field's range in one pass. by_key goes too, as
      * deleting a submission's rows searches the clustered key once per field of its form. The
      * foreign keys go (the program writes keys it has just read), and the cascade that erasure
      * relies on is a trigger. The rows are rebuilt from the answers at the next open
      * (submission_values_pending). */
     "DROP TABLE submission_values;"
     "CREATE TABLE submission_values ("
     " field INTEGER NOT NULL,"
     " submission INTEGER NOT NULL,"
     " value TEXT NOT NULL,"
     " number REAL,"
     " PRIMARY KEY (field, submission, value)) WITHOUT ROWID;"
     "CREATE INDEX submission_values_by_number ON submission_values (field, number) WHERE number IS NOT NULL;"
     "CREATE TRIGGER submission_values_cascade AFTER DELETE ON submissions WHEN OLD.seq IS NOT NULL BEGIN"
     " DELETE FROM submission_values WHERE submission = OLD.seq"
     " AND field IN (SELECT id FROM submission_value_fields WHERE form_id = OLD.form_id); END;"
     "INSERT INTO settings (key, value) SELECT 'submission_values_pending', 'yes'"
     " WHERE EXISTS (SELECT 1 FROM submissions WHERE status = 'submitted')"
     " ON CONFLICT (key) DO NOTHING;"},
    {7, "the audit trail",
     /* Who changed what, when (store/audit.h). Append-only: the triggers refuse every UPDATE and
      * DELETE, so no path through the application (erasure included) can edit or trim it. There is
      * no foreign key to users on purpose: an erased account's id stays as the record of what it
      * did. target_ids is a JSON array of text; detail a JSON object. (PostgreSQL will need the
      * same triggers written as a trigger function.) */
     "CREATE TABLE audit_log ("
     " id TEXT PRIMARY KEY,"
     " at TEXT NOT NULL,"
     " actor_user_id TEXT,"
     " actor_label TEXT NOT NULL,"
     " action TEXT NOT NULL,"
     " target_kind TEXT NOT NULL DEFAULT '',"
     " target_ids TEXT NOT NULL DEFAULT '[]',"
     " detail TEXT NOT NULL DEFAULT '{}');"
     "CREATE INDEX audit_log_by_at ON audit_log (at, id);"
     "CREATE INDEX audit_log_by_action ON audit_log (action, at);"
     "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN"
     " SELECT RAISE(ABORT, 'the audit trail cannot be changed'); END;"
     "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN"
     " SELECT RAISE(ABORT, 'the audit trail cannot be changed'); END;"},
    {8, "consent recorded with each submission",
     /* Whether the respondent agreed to the form's consent question (forms/consent.h), and when,
      * set when an answer set is submitted or corrected; NULL when the form asks no consent. Answer
      * sets submitted before this migration get theirs from their stored answers at the next open
      * (submission_consent_pending), as migration 3 did for the value index. */
     "ALTER TABLE submissions ADD COLUMN consent TEXT CHECK (consent IN ('yes','no'));"
     "ALTER TABLE submissions ADD COLUMN consent_at TEXT;"
     "INSERT INTO settings (key, value) SELECT 'submission_consent_pending', 'yes'"
     " WHERE EXISTS (SELECT 1 FROM submissions WHERE status = 'submitted')"
     " ON CONFLICT (key) DO NOTHING;"},
    {9, "outbox delivery attempts",
     /* The SMTP sender (auth/mailer.h) counts its tries and waits longer after each failure:
      * next_attempt_at is when a message may be tried again (NULL: at once), and also the lease
      * of a message being sent, so that two senders (the server's thread, `edubridge outbox
      * send` from cron) never send it twice. */
     "ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE outbox ADD COLUMN next_attempt_at TEXT;"
     "CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;"},
    {10, "campaigns and the selection's defaults", CAMPAIGN_SCHEMA_SQL}, /* program/campaign_schema.h */
    {11, "the institution register", INSTITUTIONS_SCHEMA_SQL}, /* program/institutions_schema.h */
    {12, "need models per campaign", ASSESSMENT_SCHEMA_SQL}, /* program/assessment_schema.h */
    {13, "selection runs, places and invitations", SELECTION_SCHEMA_SQL}, /* program/selection_schema.h */
    {14, "the device inventory and deliveries", DEVICES_SCHEMA_SQL}, /* program/devices_schema.h */
    {15, "training: courses, sessions, enrolments, curriculum plans", TRAINING_SCHEMA_SQL}, /* program/training_schema.h */
    {16, "respondent codes and feedback theme tags", FEEDBACK_SCHEMA_SQL}, /* program/feedback_schema.h */
    {17, "a file for each course of the training catalogue", TRAINING_FILES_SCHEMA_SQL}, /* program/training_files_schema.h */
};
const size_t schema_migration_count = sizeof schema_migrations / sizeof schema_migrations[0];

/* Answer sets stored before migration 3 have no value rows: they are indexed here, each form in
 * one transaction. The setting goes only once every form is done, so an interrupted run starts
 * again at the next open (rebuilding a form twice gives the same rows). A form whose stored file
 * no longer reads is left out rather than keeping the database shut. */
static int index_earlier_answers(struct store *st, struct err *e)
{
    struct store_stmt *s = store_prepare(st, "SELECT 1 FROM settings WHERE key = 'submission_values_pending'", e);
    if (!s) return -1;
    int rc = store_step(s, e);
    store_done(s);
    if (rc <= 0) return rc;
    struct arena a, scratch;
    arena_init(&a, 0);
    arena_init(&scratch, 0);
    struct form_version_info *forms;
    size_t n;
    rc = form_store_list(st, &a, &forms, &n, e);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct form *f;
        struct err ignored;
        if (form_store_load(st, &a, forms[i].id, &f, &ignored) < 0) continue;
        if (store_begin(st, e) < 0 || values_rebuild(st, &scratch, f, e) < 0 || store_commit(st, e) < 0) {
            store_rollback(st);
            rc = -1;
        }
    }
    if (rc == 0) rc = store_exec(st, "DELETE FROM settings WHERE key = 'submission_values_pending'", e);
    arena_free(&scratch);
    arena_free(&a);
    return rc < 0 ? -1 : 0;
}

struct store *schema_open(const char *target, bool create, int *applied, struct err *e)
{
    struct store_options opt = {.read_only = false, .create = create, .busy_timeout_ms = 5000};
    struct store *st = store_open(target, &opt, e);
    if (!st) return NULL;
    if (store_migrate(st, schema_migrations, schema_migration_count, applied, e) < 0 ||
        index_earlier_answers(st, e) < 0 || consent_backfill(st, e) < 0) {
        store_close(st);
        return NULL;
    }
    return st;
}

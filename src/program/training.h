/* training: the Phase 2 pilot's teacher training (issue 6): the course catalogue and its import,
 * sessions, the people trained, enrolment, attendance, completion and certificates, the
 * attendance export. The cascade (who trained whom) is program/training_cascade.h; curriculum
 * plans are program/curriculum.h. docs/training.md says it for coordinators.
 *
 * The rules kept here, whatever face asks:
 *  - a course has a title, a language code and a mode (online, in person, an offline package);
 *    an online course needs a link, an offline package a file name; the import checks every row
 *    and imports all of them or none;
 *  - a session has a course, a trainer (an account with the trainer role, or a participant who
 *    completed a train-the-trainer session that ended before this one starts), a start before its
 *    end, a place or a link, and a capacity that is never exceeded: the enrolment that would take
 *    one place too many is refused with a sentence saying so, and changes nothing;
 *  - attendance is recorded once a session has started; completion needs attendance; a
 *    completion gets a certificate code, unique, which a completion taken back loses.
 *
 * Participants' names and emails are personal data: pseudonymised exports give their pseudonym
 * (a random code) instead, and training_erase_person empties them for a person's erasure.
 *
 * Every change runs in one transaction with its audit entry (training.*), which holds ids and
 * counts only. Everything returned lives in the caller's arena; a struct err's message is English
 * (the command line's); the problems of forms and imports are msgids for the faces to translate. */
#ifndef EDUBRIDGE_TRAINING_H
#define EDUBRIDGE_TRAINING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "base/arena.h"
#include "base/err.h"
#include "forms/sheet.h"
#include "program/programme.h"
#include "store/audit.h"
#include "store/store.h"

enum {
    TRAINING_TITLE_MAX = 200,     /* characters */
    TRAINING_TEXT_MAX = 500,      /* provider, topics, place, lesson... */
    TRAINING_URL_MAX = 1000,
    TRAINING_CAPACITY_MAX = 1000,
    TRAINING_DURATION_MAX = 100000, /* minutes */
};

/* --- words ----------------------------------------------------------------------------------------- */

enum { TRAINING_MODES = 3, TRAINING_LEVELS = 3, TRAINING_ROLES = 3, TRAINING_STATUSES = 4 };
/* The stored names, in the order the pages list them. */
extern const char *const training_modes[TRAINING_MODES];       /* online, in_person, offline_package */
extern const char *const training_levels[TRAINING_LEVELS];     /* beginner, intermediate, advanced */
extern const char *const training_roles[TRAINING_ROLES];       /* teacher, trainer, other */
extern const char *const training_statuses[TRAINING_STATUSES]; /* enrolled, attended, completed, no_show */
/* English labels (msgids) of a stored name; the name itself when it is none of them. */
const char *training_mode_label(const char *mode);
const char *training_level_label(const char *level);
const char *training_role_label(const char *role);
const char *training_status_label(const char *status);
/* Whether s is one of the n names. */
bool training_word_valid(const char *const *words, size_t n, const char *s);

/* --- the catalogue --------------------------------------------------------------------------------- */

struct training_course {
    const char *id;            /* NULL: a new id is made */
    const char *programme_id;  /* NULL: any programme */
    const char *programme_slug; /* read only: the programme's slug, NULL for any */
    const char *title;
    const char *provider;      /* NULL unknown */
    const char *language;      /* "en", "pt-BR" */
    const char *mode;
    int duration_minutes;      /* 0 unknown */
    const char *level;         /* NULL unknown */
    const char *topics;        /* normalised: "online safety, skills"; "" none */
    const char *url;           /* NULL none */
    const char *file_name;     /* NULL none */
    bool is_demo;
};

/* The fields a course is written with: the import's column names and the form's input names. */
enum training_course_field {
    TC_TITLE, TC_PROVIDER, TC_LANGUAGE, TC_MODE, TC_DURATION, TC_LEVEL, TC_TOPICS, TC_URL, TC_FILE, TC_PROGRAMME,
    TC_FIELD_COUNT
};
/* "title", "provider", "language", "mode", "duration_minutes", "level", "topics", "url", "file_name",
 * "programme" (a programme's slug; empty: any). */
const char *training_course_field_name(enum training_course_field f);
int training_course_field_parse(const char *name); /* -1: none */

/* Checks and normalises one field given as text (trimmed; "" means none: *out NULL, and for
 * TC_PROGRAMME the slug is looked up: *out is the programme's id). On a bad value returns -1 and
 * *problem is a msgid. -2 with e when the database cannot be read. */
int training_course_value(struct store *st, struct arena *a, enum training_course_field f, const char *raw,
                          const char **out, const char **problem, struct err *e);
/* Builds a course from the values of each field (NULL: not given), with the rules between fields
 * (a title and a language; an online course's link, an offline package's file name). Problems
 * are added to out with the field's name. -1 with e when the database cannot be read. */
int training_course_from(struct store *st, struct arena *a, const char *const raw[TC_FIELD_COUNT],
                         struct training_course *c, struct programme_problems *out, struct err *e);

/* Adds c (c->id filled), audited as training.course. ERR_INVALID when a rule is broken. */
int training_course_add(struct store *st, struct arena *a, struct training_course *c, const struct audit_actor *by,
                        struct err *e);

struct training_course_filter {
    const char *language, *mode, *level; /* NULL or "": any */
    const char *topic;                   /* a part of a topic or title, any case */
    const char *programme_id;            /* NULL: every course; else that programme's and the general ones */
};
/* The catalogue by title. */
int training_courses(struct store *st, struct arena *a, const struct training_course_filter *f,
                     struct training_course **out, size_t *n, struct err *e);
int training_course_get(struct store *st, struct arena *a, const char *id, struct training_course *out,
                        struct err *e);
/* The languages the catalogue holds, sorted (for the filter). */
int training_course_languages(struct store *st, struct arena *a, const char ***out, size_t *n, struct err *e);

/* Whether a course's topics (or title) name the domain: one of its topics is the domain's id or
 * its label, ignoring ASCII case. */
bool training_course_matches(const struct training_course *c, const char *domain_id, const char *domain_label);

/* --- import ---------------------------------------------------------------------------------------- */

struct training_import_result {
    struct training_course *rows; /* what would be added, in file order */
    int *row_numbers;
    size_t nrows;
    struct sheet_row_error *errors;
    size_t nerrors;
    bool imported;
};

/* The first sheet of book (read with inst_read_table: CSV or XLSX): a header row naming course
 * fields (title, language and mode are required), then one course per row. Every row is checked;
 * with any problem, or dry_run, nothing is written; otherwise every row is added in one
 * transaction, audited as training.import. -1 only when the database fails. */
int training_import(struct store *st, struct arena *a, const struct sheet_book *book, bool dry_run, bool is_demo,
                    const struct audit_actor *by, struct training_import_result *out, struct err *e);

/* --- people ---------------------------------------------------------------------------------------- */

struct training_participant {
    const char *id;
    const char *name;             /* "" once erased */
    const char *email;            /* NULL none */
    const char *institution_id;   /* NULL none */
    const char *institution_name; /* read only */
    const char *role;             /* teacher, trainer, other */
    const char *user_id;          /* NULL: no account */
    const char *pseudonym;        /* "K7QX-M2PA-9FRT" */
};

/* People who may be enrolled again, by name, erased ones left out: every participant
 * (trainer_account NULL), or those enrolled in the sessions this account records (a trainer sees
 * the names of their own people only). */
int training_participants(struct store *st, struct arena *a, const char *trainer_account,
                          struct training_participant **out, size_t *n, struct err *e);

/* Graduates: participants who completed a train-the-trainer session, by name, each once. */
int training_graduates(struct store *st, struct arena *a, struct training_participant **out, size_t *n,
                       struct err *e);

/* The pilot's institutions (status selected, invited or accepted, not merged away), by name:
 * where the people trained come from. */
int training_pilot_institutions(struct store *st, struct arena *a, const char ***ids, const char ***names, size_t *n,
                                struct err *e);

/* --- sessions -------------------------------------------------------------------------------------- */

struct training_session {
    const char *id;               /* NULL: a new id is made */
    const char *programme_id;
    const char *course_id;
    const char *trainer_user_id;        /* one of these two */
    const char *trainer_participant_id;
    const char *starts_at, *ends_at;    /* ISO 8601 UTC, "2026-10-05T09:00:00.000Z" */
    const char *place, *link;           /* NULL none; at least one */
    int capacity;
    bool is_tot;
    bool is_demo;
    /* read only */
    const char *course_title, *course_language, *course_mode;
    int course_minutes;
    const char *programme_slug;
    const char *trainer_name;     /* the account's display name or the participant's name */
    const char *trainer_account;  /* the account that may record the session's attendance (policy
                                   * target trainer_user_id): trainer_user_id, or the graduate's own
                                   * account; NULL none */
    int enrolled, attended, completed, no_show; /* enrolled counts every enrolment, whatever became of it */
};

/* The session's trainer in a form's value: "u:ID" (an account) or "p:ID" (a graduate). */
int training_trainer_parse(const char *value, const char **user_id, const char **participant_id);

/* A local time from a form ("2026-10-05T09:00", seconds optional) as stored (UTC, the same
 * clock: edubridge keeps session times in UTC and says so); NULL when it is not one. */
const char *training_time_parse(struct arena *a, const char *local);

/* The problems of s: fields "programme", "course", "trainer", "starts_at", "ends_at", "place",
 * "link", "capacity". -1 with e when the database cannot be read, else how many it added. */
int training_session_validate(struct store *st, struct arena *a, const struct training_session *s,
                              struct programme_problems *out, struct err *e);
/* Adds s (s->id filled), audited as training.session. ERR_INVALID with the first problem. */
int training_session_add(struct store *st, struct arena *a, struct training_session *s,
                         const struct audit_actor *by, struct err *e);

struct training_session_filter {
    const char *programme_id;    /* NULL: every programme */
    const char *trainer_account; /* NULL: every trainer; else the sessions this account records */
};
/* Sessions, earliest first, with their counts. */
int training_sessions(struct store *st, struct arena *a, const struct training_session_filter *f,
                      struct training_session **out, size_t *n, struct err *e);
/* ERR_NOT_FOUND when there is none. */
int training_session_get(struct store *st, struct arena *a, const char *id, struct training_session *out,
                         struct err *e);

/* --- enrolment, attendance, completion ----------------------------------------------------------- */

struct training_enrolment {
    const char *id;
    const char *session_id;
    struct training_participant person;
    const char *status;
    const char *enrolled_at, *attended_at, *completed_at; /* NULL: not yet */
    const char *certificate_code;                         /* NULL: not completed */
};

/* A person to enrol: an existing participant (participant_id), or a new one. */
struct training_person_new {
    const char *participant_id; /* NULL or "": a new person from the fields below */
    const char *name;
    const char *email;          /* NULL or "": none */
    const char *institution_id; /* NULL or "": none */
    const char *role;           /* NULL or "": teacher */
    bool is_demo;               /* a new person is demo data */
};

/* Enrols a person in a session, audited as training.enrol. ERR_NOT_FOUND for an unknown session
 * or participant; ERR_INVALID for a person's problem (field "name", "email", "institution",
 * "role": in problems when not NULL, the first in e); ERR_LIMIT when the session is full (e says
 * how many places it has), ERR_CONFLICT when the person is enrolled already or is the session's
 * own trainer. *enrolment_id (may be NULL) in a. */
int training_enrol(struct store *st, struct arena *a, const char *session_id, const struct training_person_new *p,
                   const struct audit_actor *by, const char **enrolment_id, struct programme_problems *problems,
                   struct err *e);

/* The enrolments of a session, by name. */
int training_enrolments(struct store *st, struct arena *a, const char *session_id, struct training_enrolment **out,
                        size_t *n, struct err *e);
/* One enrolment with its person; ERR_NOT_FOUND. */
int training_enrolment_get(struct store *st, struct arena *a, const char *id, struct training_enrolment *out,
                           struct err *e);

/* What a trainer ticked for one person. */
struct training_mark {
    const char *enrolment_id;
    bool attended, completed;
};

/* Records the attendance of a session as of now (now_iso: the clock, for tests; NULL: now), every
 * enrolment named in marks, all or none, audited as training.attendance with the counts.
 * Not attended: no_show; attended: attended; attended and completed: completed, with a
 * certificate code (kept when it was completed before). ERR_INVALID: completed without attended
 * (e names the person), the session not started yet, an enrolment of another session;
 * ERR_NOT_FOUND: no such session. *changed (may be NULL): enrolments whose status changed. */
int training_record(struct store *st, struct arena *a, const char *session_id, const struct training_mark *marks,
                    size_t n, const char *now_iso, const struct audit_actor *by, int *changed, struct err *e);

/* A completion's certificate. */
struct training_certificate {
    struct training_enrolment enrolment;
    struct training_session session;
    const char *institution_name; /* the person's, NULL none */
};
/* ERR_NOT_FOUND when there is no such enrolment or it is not completed. */
int training_certificate_get(struct store *st, struct arena *a, const char *enrolment_id,
                             struct training_certificate *out, struct err *e);
/* The completion with this certificate code (any case, dashes optional); ERR_NOT_FOUND. */
int training_certificate_find(struct store *st, struct arena *a, const char *code, struct training_certificate *out,
                              struct err *e);

/* --- exports --------------------------------------------------------------------------------------- */

struct table_out;
/* The catalogue as a table (no personal data). */
void training_catalogue_table(const struct training_course *c, size_t n, struct arena *a, struct table_out *t);
/* Attendance: one row per enrolment of the sessions (programme_id NULL: all), by session then
 * name. personal: the participant's name, email and certificate code; otherwise their pseudonym
 * only, and a graduate trainer by pseudonym too. */
int training_attendance_table(struct store *st, struct arena *a, const char *programme_id, bool personal,
                              struct table_out *t, struct err *e);

/* --- privacy --------------------------------------------------------------------------------------- */

/* A person's erasure (program/privacy.c, inside its transaction): the participants with this
 * email (normalised) or linked to user_id (NULL: none) lose their name, email and account link;
 * their enrolments, pseudonym and certificates' codes stay, so that counts do not change.
 * *erased (may be NULL): how many participants. */
int training_erase_person(struct store *st, const char *email, const char *user_id, int64_t *erased, struct err *e);

/* For a person's privacy export: the participants with this email or linked to user_id, each
 * with its enrolments, as a new JSON array in *out (the caller's reference). */
int training_person_json(struct store *st, const char *email, const char *user_id, json_t **out, struct err *e);

/* --- a course's file (migration 17) ---------------------------------------------------------------- */

/* A course may carry one file (a handout, a lesson pack) that anyone who reads the catalogue
 * downloads. Its type is judged by its first bytes, never by its name or what the browser says:
 * PDF, OpenDocument (ODT, ODS, ODP), Office Open XML (DOCX, XLSX, PPTX), ZIP, PNG, JPEG, MP4, EPUB
 * or plain UTF-8 text. courses.file_name stays the offline package's name, for files too large. */
enum { TRAINING_FILE_MAX_BYTES = 8 * 1024 * 1024 };

struct training_course_file {
    const char *course_id;
    const char *name;          /* cleaned of any path (attachment_clean_name) */
    const char *content_type;
    int64_t size;
    const char *sha256;        /* hex */
    const char *uploaded_by;   /* a label, "(erased)" after an erasure; NULL none */
    const char *uploaded_at;
};

/* Whether data may be a course's file. NULL with *content_type set when it may; else a msgid
 * saying why not, and for a refused type *looks_like is a msgid naming what the bytes look like
 * ("a Windows program (EXE)") or NULL when they look like nothing known. *code: ERR_INVALID, or
 * ERR_LIMIT when the file is larger than TRAINING_FILE_MAX_BYTES. */
const char *training_course_file_check(const void *data, size_t len, const char **content_type,
                                       const char **looks_like, int *code);

/* Stores data as the course's file, replacing the one it had, audited as training.course_file
 * (name, size, sha256: never the content), in one transaction. ERR_NOT_FOUND: no such course;
 * ERR_LIMIT: too large; ERR_INVALID: empty or of a type refused (e says which, in English).
 * Bad input changes nothing. */
int training_course_file_put(struct store *st, const char *course_id, const char *name, const void *data, size_t len,
                             const struct audit_actor *by, struct err *e);

/* The course's file, in a; ERR_NOT_FOUND when the course has none. */
int training_course_file_get(struct store *st, struct arena *a, const char *course_id, const char **name,
                             const char **content_type, const void **data, size_t *len, struct err *e);

/* The files of the catalogue, without their content, by course id. */
int training_course_files(struct store *st, struct arena *a, struct training_course_file **out, size_t *n,
                          struct err *e);

#endif

#include "program/demo_training.h"

#include "auth/demo_accounts.h"
#include "program/curriculum.h"
#include "program/training.h"

#include <stdio.h>
#include <string.h>

/* Fixed ids: "...0000c1NN" for courses, "...0000c2NN" for sessions. */
#define COURSE_ID(n) "01938a40-0000-7000-8000-00000000c1" n
#define SESSION_ID(n) "01938a40-0000-7000-8000-00000000c2" n

struct demo_course {
    const char *id, *title, *provider, *language, *mode;
    int minutes;
    const char *level, *topics, *url, *file;
    bool programme_only; /* this programme's own course, not the general catalogue's */
};

static const struct demo_course courses[] = {
    {COURSE_ID("01"), "Staying safe online: a course for teachers", "Safer Internet Centre", "en", "online", 90,
     "beginner", "online safety, skills, digital skills", "https://learn.example.org/online-safety", NULL, false},
    {COURSE_ID("02"), "La sécurité en ligne en classe", "Centre pour un internet plus sûr", "fr", "online", 60,
     "beginner", "online safety, skills", "https://apprendre.example.org/securite-en-ligne", NULL, false},
    {COURSE_ID("03"), "Digital pedagogy: planning lessons with tablets", "edubridge pilot team", "en", "in_person",
     360, "intermediate", "digital pedagogy, support, planning", NULL, NULL, true},
    {COURSE_ID("04"), "Pedagogía digital en el aula", "Red de escuelas digitales", "es", "in_person", 240,
     "intermediate", "digital pedagogy, support", NULL, NULL, false},
    {COURSE_ID("05"), "Tablet basics for teachers", "edubridge pilot team", "en", "in_person", 180, "beginner",
     "tablet basics, devices", NULL, NULL, true},
    {COURSE_ID("06"), "Tablet-Grundlagen für Lehrkräfte", "Medienzentrum", "de", "offline_package", 120, "beginner",
     "tablet basics, devices", NULL, "tablet-grundlagen.zip", false},
    {COURSE_ID("07"), "Podstawy pracy z tabletem", "Centrum Edukacji Cyfrowej", "pl", "offline_package", 120,
     "beginner", "tablet basics, devices", NULL, "podstawy-tablet.zip", false},
    {COURSE_ID("08"), "Starting a coding club", "Code Club network", "en", "online", 120, "intermediate",
     "coding clubs, skills", "https://learn.example.org/coding-clubs", NULL, false},
    {COURSE_ID("09"), "Clubes de programación: primeros pasos", "Red de clubes de código", "es", "online", 90,
     "beginner", "coding clubs, digital skills", "https://aprende.example.org/clubes", NULL, false},
    {COURSE_ID("10"), "Teaching without a connection: offline resources", "edubridge pilot team", "en",
     "offline_package", 150, "beginner", "connectivity, offline resources", NULL, "offline-lessons-kit.zip", true},
    {COURSE_ID("11"), "Mobile data and hotspots for schools", "Connect Schools", "en", "online", 45, "beginner",
     "connectivity", "https://learn.example.org/hotspots", NULL, false},
    {COURSE_ID("12"), "Train the trainer: running peer workshops", "edubridge pilot team", "en", "in_person", 960,
     "advanced", "train the trainer, support", NULL, NULL, true},
    {COURSE_ID("13"), "Cuidar dos equipamentos da escola", "Rede Escolas Digitais", "pt", "in_person", 120,
     "intermediate", "devices, maintenance", NULL, NULL, false},
};
enum { NCOURSES = sizeof courses / sizeof courses[0] };

/* Who runs a session: the demo trainer's account, or a graduate (by their order of graduation). */
enum { BY_ACCOUNT = -1, GRADUATES_MAX = 8 };

struct demo_session {
    const char *id;
    int course;              /* index into courses */
    int trainer;             /* BY_ACCOUNT or a graduate's index */
    const char *starts_at, *ends_at;
    const char *place, *link;
    int capacity;
    bool tot;
    int completed, attended, no_show, enrolled_only; /* what becomes of the people enrolled, in that order */
};

/* The cascade: the account's train-the-trainer session (graduates 0-3), each graduate's session
 * for teachers (graduate 0's a train-the-trainer session itself, whose first graduate is 4), and
 * graduate 4's session of the second level; then two sessions still to come. */
static const struct demo_session sessions[] = {
    {SESSION_ID("01"), 11, BY_ACCOUNT, "2026-09-15T08:00:00.000Z", "2026-09-17T15:00:00.000Z",
     "Lisbon, programme office", NULL, 6, true, 4, 0, 1, 0},
    {SESSION_ID("02"), 11, 0, "2026-10-05T08:00:00.000Z", "2026-10-06T15:00:00.000Z", "Regional teachers' centre", NULL,
     8, true, 3, 1, 1, 0},
    {SESSION_ID("03"), 2, 1, "2026-10-12T08:00:00.000Z", "2026-10-12T14:00:00.000Z", "School library", NULL, 10, false,
     5, 0, 1, 0},
    {SESSION_ID("04"), 4, 2, "2026-10-19T08:00:00.000Z", "2026-10-19T11:00:00.000Z", "Computer room", NULL, 8, false, 4,
     1, 1, 0},
    {SESSION_ID("05"), 0, 3, "2026-10-26T15:00:00.000Z", "2026-10-26T16:30:00.000Z", NULL,
     "https://meet.example.org/online-safety", 12, false, 6, 0, 1, 0},
    {SESSION_ID("06"), 4, 4, "2026-11-09T08:00:00.000Z", "2026-11-09T11:00:00.000Z", "Staff room", NULL, 8, false, 4, 0,
     1, 0},
    {SESSION_ID("07"), 7, BY_ACCOUNT, "2026-12-07T15:00:00.000Z", "2026-12-07T17:00:00.000Z", NULL,
     "https://meet.example.org/coding-clubs", 15, false, 0, 0, 0, 3},
    {SESSION_ID("08"), 2, 1, "2027-01-18T08:00:00.000Z", "2027-01-18T14:00:00.000Z", "School library", NULL, 10, false,
     0, 0, 0, 2},
};
enum { NSESSIONS = sizeof sessions / sizeof sessions[0] };

static const char *const names[] = {
    "Ana Ferreira",      "Jonas Becker",     "Marta Kowalska",    "Lucía Moreno",      "Élodie Martin",
    "Tiago Santos",      "Sofia Romano",     "Piotr Nowak",       "Inês Carvalho",     "Hugo Lefèvre",
    "Carmen Ruiz",       "Lena Hoffmann",    "Mateusz Wiśniewski", "Giulia Conti",     "Rui Almeida",
    "Claire Dubois",     "Pablo Ortega",     "Anna Schmidt",      "Zofia Lewandowska", "Marco Bianchi",
    "Beatriz Sousa",     "Julien Bernard",   "Elena Navarro",     "Felix Wagner",      "Katarzyna Zielińska",
    "Chiara Ricci",      "Duarte Pereira",   "Camille Petit",     "Diego Serrano",     "Miriam Braun",
    "Tomasz Kamiński",   "Francesca Greco",  "Leonor Costa",      "Antoine Moreau",    "Irene Castillo",
    "Paul Richter",      "Agnieszka Wójcik", "Luca Marino",       "Vera Lopes",        "Nora Fischer",
    "Raúl Domínguez",    "Mathilde Roux",    "Sara Gallo",        "Jakub Mazur",       "Helena Rocha",
};
enum { NNAMES = sizeof names / sizeof names[0] };

static int exists(struct store *st, const char *sql, const char *id, struct err *e)
{
    struct store_stmt *s = store_prepare(st, sql, e);
    if (!s) return -1;
    store_bind_text(s, 1, id);
    int rc = store_step(s, e);
    store_done(s);
    return rc;
}

static int load_courses(struct store *st, struct arena *a, const char *programme_id, struct err *e)
{
    for (size_t i = 0; i < NCOURSES; i++) {
        const struct demo_course *d = &courses[i];
        int rc = exists(st, "SELECT 1 FROM courses WHERE id = ?", d->id, e);
        if (rc < 0) return -1;
        if (rc) continue;
        struct training_course c = {.id = d->id, .programme_id = d->programme_only ? programme_id : NULL,
                                    .title = d->title, .provider = d->provider, .language = d->language,
                                    .mode = d->mode, .duration_minutes = d->minutes, .level = d->level,
                                    .topics = d->topics, .url = d->url, .file_name = d->file, .is_demo = true};
        if (training_course_add(st, a, &c, NULL, e) < 0) return -1;
    }
    return 0;
}

/* The pilot institutions (selected, invited, accepted), else the first ten of the register. */
static int pilot_institutions(struct store *st, struct arena *a, const char ***out, size_t *n, struct err *e)
{
    static const char *const queries[] = {
        "SELECT id FROM institutions WHERE merged_into IS NULL AND status IN ('selected','invited','accepted')"
        " ORDER BY name_key, id LIMIT 10",
        "SELECT id FROM institutions WHERE merged_into IS NULL ORDER BY is_demo DESC, name_key, id LIMIT 10",
    };
    *out = arena_calloc(a, 10, sizeof **out);
    *n = 0;
    for (size_t q = 0; q < 2 && *n == 0; q++) {
        struct store_stmt *s = store_prepare(st, queries[q], e);
        if (!s) return -1;
        int rc;
        while ((rc = store_step(s, e)) == 1) (*out)[(*n)++] = arena_strdup(a, store_col_text(s, 0));
        store_done(s);
        if (rc < 0) return -1;
    }
    return 0;
}

static const char *trainer_account(void)
{
    for (size_t i = 0; i < demo_account_count; i++)
        if (demo_accounts[i].role == AUTH_ROLE_TRAINER) return demo_accounts[i].id;
    return NULL;
}

/* One session: made, people enrolled, and (when it has ended) attendance recorded as of its end. */
static int load_session(struct store *st, struct arena *a, const char *programme_id, const struct demo_session *d,
                        const char *account, const char **graduates, size_t *ngraduates, const char **insts,
                        size_t ninst, size_t *next_name, struct err *e)
{
    if (d->trainer != BY_ACCOUNT && (size_t)d->trainer >= *ngraduates)
        return err_set(e, ERR_INTERNAL, "the demo cascade names a graduate it does not have");
    struct training_session s = {.id = d->id, .programme_id = programme_id, .course_id = courses[d->course].id,
                                 .trainer_user_id = d->trainer == BY_ACCOUNT ? account : NULL,
                                 .trainer_participant_id = d->trainer == BY_ACCOUNT ? NULL : graduates[d->trainer],
                                 .starts_at = d->starts_at, .ends_at = d->ends_at, .place = d->place, .link = d->link,
                                 .capacity = d->capacity, .is_tot = d->tot, .is_demo = true};
    if (training_session_add(st, a, &s, NULL, e) < 0) return -1;
    int people = d->completed + d->attended + d->no_show + d->enrolled_only;
    struct training_mark marks[16];
    for (int k = 0; k < people && k < 16; k++) {
        size_t who = (*next_name)++;
        const char *name = names[who % NNAMES];
        char email[96] = "";
        if (d->tot) { /* future trainers are reached by email; teachers need not give one */
            snprintf(email, sizeof email, "trainer%zu@schools.example.org", who + 1);
        }
        struct training_person_new p = {.name = name, .email = email, .institution_id = ninst ? insts[who % ninst] : NULL,
                                        .role = d->tot ? "trainer" : "teacher", .is_demo = true};
        const char *enrolment;
        if (training_enrol(st, a, d->id, &p, NULL, &enrolment, NULL, e) < 0) return -1;
        marks[k] = (struct training_mark){enrolment, k < d->completed + d->attended, k < d->completed};
        if (d->tot && k < d->completed && *ngraduates < GRADUATES_MAX) {
            struct training_enrolment en;
            if (training_enrolment_get(st, a, enrolment, &en, e) < 0) return -1;
            graduates[(*ngraduates)++] = en.person.id;
        }
    }
    int recorded = d->completed + d->attended + d->no_show;
    return recorded ? training_record(st, a, d->id, marks, (size_t)recorded, d->ends_at, NULL, NULL, e) : 0;
}

static int load_sessions(struct store *st, struct arena *a, const char *programme_id, const char **insts, size_t ninst,
                         struct err *e)
{
    const char *account = trainer_account();
    if (!account) return 0;
    int rc = exists(st, "SELECT 1 FROM users WHERE id = ?", account, e);
    if (rc == 0) {
        int added;
        if (demo_accounts_load(st, &added, e) < 0) return -1;
        rc = exists(st, "SELECT 1 FROM users WHERE id = ? AND role = 'trainer' AND disabled_at IS NULL", account, e);
    }
    if (rc <= 0) return rc; /* the trainer's account was changed by someone: the demo leaves it */
    const char *graduates[GRADUATES_MAX];
    size_t ngraduates = 0, next_name = 0;
    for (size_t i = 0; i < NSESSIONS; i++)
        if (load_session(st, a, programme_id, &sessions[i], account, graduates, &ngraduates, insts, ninst, &next_name,
                         e) < 0)
            return -1;
    return 0;
}

/* A plan per pilot institution from the need index, from the week after the first session: the
 * first item done, the second done at every other institution and under way (and late) at the
 * others. An institution the index does not assess gets none. */
static int load_plans(struct store *st, struct arena *a, const char *programme_id, const char **insts, size_t ninst,
                      struct err *e)
{
    for (size_t i = 0; i < ninst; i++) {
        struct curriculum_plan plan;
        int rc = curriculum_plan_get(st, a, insts[i], programme_id, NULL, &plan, e);
        if (rc == 0) continue;
        if (rc != ERR_NOT_FOUND) return -1;
        err_clear(e);
        rc = curriculum_make(st, a, programme_id, insts[i], "2026-09-21", 2, true, NULL, NULL, e);
        if (rc == ERR_NOT_FOUND) {
            err_clear(e);
            continue;
        }
        if (rc < 0 || curriculum_plan_get(st, a, insts[i], programme_id, NULL, &plan, e) < 0) return -1;
        if (plan.nitems > 0 && curriculum_item_set(st, a, insts[i], plan.items[0].id, "done", "2026-10-14", NULL, e) < 0)
            return -1;
        if (plan.nitems > 1 && curriculum_item_set(st, a, insts[i], plan.items[1].id, i % 2 ? "in_progress" : "done",
                                                   "2026-11-12", NULL, e) < 0)
            return -1;
    }
    return 0;
}

int demo_training_load(struct store *st, struct arena *a, const char *programme_id, struct err *e)
{
    if (load_courses(st, a, programme_id, e) < 0) return -1;
    const char **insts;
    size_t ninst;
    if (pilot_institutions(st, a, &insts, &ninst, e) < 0) return -1;
    int rc = exists(st, "SELECT 1 FROM training_sessions WHERE id = ?", sessions[0].id, e);
    if (rc < 0) return -1;
    if (!rc && load_sessions(st, a, programme_id, insts, ninst, e) < 0) return -1;
    return load_plans(st, a, programme_id, insts, ninst, e);
}

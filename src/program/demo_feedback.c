#include "program/demo_feedback.h"

#include "base/assets.h"
#include "base/rng.h"
#include "base/timeutil.h"
#include "forms/answers.h"
#include "forms/engine.h"
#include "forms/form_store.h"
#include "forms/submissions.h"
#include "program/campaign.h"
#include "program/feedback.h"
#include "program/programme.h"
#include "program/respondent_codes.h"
#include "program/training.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The demo's campaigns, by fixed ids so that a second load finds them. Their days lie in the demo
 * programme's feedback and training phases (program/demo.c). */
static const struct {
    const char *id, *name, *form_id, *kind, *opens, *closes, *status;
} demo_campaigns[] = {
    {"01938a40-0000-7000-8000-00000000d601", "Pilot baseline 2026", "pilot-baseline", "baseline", "2026-09-14",
     "2026-10-09", "closed"},
    {"01938a40-0000-7000-8000-00000000d602", "Pilot endline 2027", "pilot-endline", "endline", "2027-05-17",
     "2027-06-25", "open"},
    {"01938a40-0000-7000-8000-00000000d603", "Training session feedback", "session-feedback", "session_feedback",
     "2026-09-14", "2027-03-26", "open"},
};
enum { DEMO_CAMPAIGNS = sizeof demo_campaigns / sizeof demo_campaigns[0] };

static const char *const demo_forms[] = {"pilot-baseline", "pilot-endline", "session-feedback"};

/* Each pilot institution hands out 12 slips: its leader, 4 teachers and 7 learners. */
static const struct {
    const char *role;
    int n;
} slips[] = {{"leader", 1}, {"teacher", 4}, {"learner", 7}};
enum { DEMO_INSTITUTIONS = 10 };

/* Where the items start (a mean on the 1..5 scale) and how far the pilot moves them. The
 * connection's speed does not move: tablets do not bring bandwidth. */
static const struct {
    const char *name;
    double base, gain;
} items[] = {
    {"conf_devices", 2.9, 0.8},  {"conf_find", 2.8, 0.6},     {"conf_create", 2.4, 0.9}, {"safe_privacy", 2.7, 0.7},
    {"safe_help", 2.6, 0.5},     {"lessons_help", 2.5, 0.8},  {"lessons_interest", 3.3, 0.4},
    {"access_lesson", 2.1, 1.2}, {"access_outside", 2.3, 0.5}, {"net_works", 2.4, 0.5}, {"net_fast", 2.2, 0.0},
};
enum { ITEMS = sizeof items / sizeof items[0] };

static const char *const session_items[] = {"useful", "clear", "will_use", "pace", "materials"};

/* Free texts in the respondents' languages, each with the theme a coordinator would give it. */
struct demo_text {
    const char *lang, *text, *tag;
};
static const struct demo_text baseline_texts[] = {
    {"en", "We share one projector between six classes.", "Devices"},
    {"en", "The Wi-Fi only works in the staff room.", "Connectivity"},
    {"en", "I would like training on online safety for my pupils.", "Online safety"},
    {"fr", "Le réseau tombe souvent en panne l'après-midi.", "Connectivity"},
    {"fr", "Nous avons besoin de tablettes pour les élèves.", "Devices"},
    {"de", "Die Geräte sind zu alt für die neuen Lernprogramme.", "Devices"},
    {"de", "Wir wünschen uns eine Fortbildung zu Lern-Apps.", "Training"},
    {"pl", "Brakuje szkoleń z bezpieczeństwa w internecie.", "Online safety"},
    {"pl", "Internet działa tylko w jednej sali.", "Connectivity"},
};
static const struct demo_text endline_texts[] = {
    {"en", "The tablets made group work much easier.", "Devices"},
    {"en", "The connection is still too slow for videos.", "Connectivity"},
    {"en", "My pupils now know how to report something that worries them online.", "Online safety"},
    {"fr", "Les élèves utilisent les tablettes chaque semaine.", "Devices"},
    {"fr", "La connexion reste trop lente pour les vidéos.", "Connectivity"},
    {"de", "Die Fortbildung hat mir Sicherheit gegeben.", "Training"},
    {"de", "Wir brauchen mehr Ladegeräte im Klassenraum.", "Devices"},
    {"pl", "Uczniowie chętniej pracują na lekcjach z tabletami.", "Devices"},
    {"pl", "Szkolenie było bardzo praktyczne.", "Training"},
};
static const char *const demo_tags[] = {"Connectivity", "Devices", "Training", "Online safety"};
enum { DEMO_TAGGED = 12 }; /* texts given their theme, as a coordinator would have started to */

static const char *const session_texts[] = {
    "More time for practice, please.",
    "Plus d'exemples pour les petites classes.",
    "Sehr praktisch, danke!",
    "Materiały przydadzą się na lekcjach.",
};

/* --- helpers ------------------------------------------------------------------------------------ */

static double normal(struct rng *r)
{
    double u = rng_uniform(r), v = rng_uniform(r);
    if (u < 1e-12) u = 1e-12;
    return sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
}

static const char *likert(struct arena *a, double latent)
{
    long v = lround(latent);
    if (v < 1) v = 1;
    if (v > 5) v = 5;
    return arena_printf(a, "%ld", v);
}

static int count_of(struct store *st, const char *sql, const char *arg, int64_t *n, struct err *e)
{
    struct store_stmt *s = store_prepare(st, sql, e);
    if (!s) return -1;
    store_bind_text(s, 1, arg);
    int rc = store_step(s, e);
    *n = rc == 1 ? store_col_int(s, 0) : 0;
    store_done(s);
    return rc < 0 ? -1 : 0;
}

static int import_forms(struct store *st, struct arena *a, struct err *e)
{
    for (size_t i = 0; i < sizeof demo_forms / sizeof demo_forms[0]; i++) {
        struct form_version_info info;
        if (form_store_latest(st, a, demo_forms[i], &info, e) == 0) continue;
        if (e->code != ERR_NOT_FOUND) return -1;
        err_clear(e);
        const char *name = arena_printf(a, "%s.md", demo_forms[i]);
        const struct asset *src = asset_find(arena_printf(a, "data/forms/%s", name));
        if (!src) return err_set(e, ERR_INTERNAL, "the form %s is not in the binary", name);
        struct form_problems problems = {0};
        if (form_store_import(st, a, "md", src->data, src->len, name, true, NULL, &info, &problems, e) < 0) return -1;
    }
    return 0;
}

static int make_campaigns(struct store *st, struct arena *a, const struct programme *p, struct err *e)
{
    for (size_t i = 0; i < DEMO_CAMPAIGNS; i++) {
        struct campaign *found;
        if (campaign_find(st, a, p->id, demo_campaigns[i].id, &found, e) == 0) continue;
        if (e->code != ERR_NOT_FOUND) return -1;
        err_clear(e);
        struct campaign c = {
            .id = demo_campaigns[i].id,
            .name = demo_campaigns[i].name,
            .form_id = demo_campaigns[i].form_id,
            .kind = demo_campaigns[i].kind,
            .opens_on = demo_campaigns[i].opens,
            .closes_on = demo_campaigns[i].closes,
            .status = demo_campaigns[i].status,
        };
        if (campaign_create(st, a, p, &c, NULL, e) < 0) return -1;
    }
    return 0;
}

/* The pilot institutions (selected, invited or accepted), else the first of the register. */
static int pilot_institutions(struct store *st, struct arena *a, const char **ids, size_t *n, struct err *e)
{
    static const char *const queries[] = {
        "SELECT id FROM institutions WHERE merged_into IS NULL AND status IN ('selected','invited','accepted')"
        " ORDER BY name, id LIMIT 10",
        "SELECT id FROM institutions WHERE merged_into IS NULL ORDER BY name, id LIMIT 10",
    };
    *n = 0;
    for (size_t q = 0; q < 2 && *n == 0; q++) {
        struct store_stmt *s = store_prepare(st, queries[q], e);
        if (!s) return -1;
        int rc;
        while ((rc = store_step(s, e)) == 1 && *n < DEMO_INSTITUTIONS) ids[(*n)++] = arena_strdup(a, store_col_text(s, 0));
        store_done(s);
        if (rc < 0) return -1;
    }
    return 0;
}

static int issue_codes(struct store *st, struct arena *a, const char *programme_id, struct err *e)
{
    int64_t have;
    if (count_of(st, "SELECT COUNT(*) FROM respondent_codes WHERE programme_id = ? AND is_demo = 1", programme_id,
                 &have, e) < 0)
        return -1;
    if (have) return 0;
    const char *inst[DEMO_INSTITUTIONS];
    size_t ni;
    if (pilot_institutions(st, a, inst, &ni, e) < 0) return -1;
    uint64_t seed = 0xFEEDBAC2026ull;
    for (size_t i = 0; i < ni; i++)
        for (size_t k = 0; k < sizeof slips / sizeof slips[0]; k++)
            if (rcode_issue_seeded(st, a, programme_id, inst[i], slips[k].role, slips[k].n, seed++, NULL, NULL, e) < 0)
                return -1;
    return 0;
}

/* A respondent as the demo imagines them. */
struct person {
    const char *code, *role, *lang;
    double effect; /* how confident they are to start with, against the item's mean */
    double hours;  /* devices in their lessons, hours a week, at baseline */
};

static const struct form *latest_form(struct store *st, struct arena *a, const char *form_id, const char **version,
                                      struct err *e)
{
    struct form_version_info v;
    struct form *f;
    if (form_store_latest(st, a, form_id, &v, e) < 0 || form_store_load(st, a, v.id, &f, e) < 0) return NULL;
    *version = v.id;
    return f;
}

/* Checks the answers as the survey would and stores them; *id receives the submission's id. */
static int store_answers(struct store *st, struct arena *a, const struct form *f, const char *version,
                         struct answers *ans, const char *lang, int64_t when, const char **id, struct err *e)
{
    struct engine en;
    engine_init(&en, f, ans, a, f->default_lang, NULL);
    en.now_ms = when;
    engine_calculate(&en);
    engine_clear_irrelevant(&en);
    struct engine_problem *problems;
    if (engine_check_all(&en, &problems))
        return err_set(e, ERR_INTERNAL, "a demo answer set to %s does not pass the form's checks", f->form_id);
    char stamp[32];
    time_format_iso(when, stamp, sizeof stamp);
    struct submission out;
    if (submission_insert_in(st, a, f, version, lang, ans, NULL, true, stamp, &out, e) < 0) return -1;
    *id = out.id;
    return 0;
}

struct to_tag {
    const char *submission_id, *field, *tag;
};

static void answer_pilot(struct arena *a, struct rng *r, struct answers *ans, const struct person *p, bool endline)
{
    answers_set(ans, "respondent_code", 0, p->code);
    answers_set(ans, "role", 0, p->role);
    for (size_t j = 0; j < ITEMS; j++) {
        double latent = items[j].base + p->effect + (endline ? items[j].gain : 0) + 0.7 * normal(r);
        bool dont_know = rng_uniform(r) < (endline ? 0.02 : 0.04);
        answers_set(ans, items[j].name, 0, dont_know ? "dont_know" : likert(a, latent));
    }
    double hours = p->hours + (endline ? 2.5 + 1.2 * normal(r) : 0);
    if (hours < 0) hours = 0;
    if (hours > 60) hours = 60;
    answers_set(ans, "device_hours", 0, arena_printf(a, "%ld", lround(hours)));
}

static const struct demo_text *pick_text(struct rng *r, const struct demo_text *texts, size_t n, const char *lang)
{
    size_t start = (size_t)rng_below(r, n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(texts[(start + i) % n].lang, lang) == 0) return &texts[(start + i) % n];
    return &texts[start];
}

static int pilot_answers(struct store *st, struct arena *a, const char *programme_id, struct to_tag *tags,
                         size_t *ntags, struct err *e)
{
    int64_t have;
    if (count_of(st, "SELECT COUNT(*) FROM submissions WHERE form_id = ? AND is_demo = 1", "pilot-baseline", &have,
                 e) < 0)
        return -1;
    if (have) return 0;
    struct rcode *codes;
    size_t nc;
    if (rcode_list(st, a, programme_id, NULL, &codes, &nc, e) < 0) return -1;
    if (!nc) return 0;
    const char *bv, *ev;
    const struct form *bf = latest_form(st, a, "pilot-baseline", &bv, e), *ef = bf ? latest_form(st, a, "pilot-endline", &ev, e) : NULL;
    if (!bf || !ef) return -1;
    struct rng r;
    rng_seed(&r, 0xBA5E11E2026ull);
    static const char *const langs[] = {"en", "en", "fr", "de", "pl"};
    struct person *people = arena_alloc(a, nc * sizeof *people);
    for (size_t i = 0; i < nc; i++) {
        const char *role = codes[i].role ? codes[i].role : "teacher";
        double role_hours = strcmp(role, "learner") == 0 ? 1.5 : strcmp(role, "teacher") == 0 ? 2.5 : 1.0;
        people[i] = (struct person){codes[i].code, role, langs[rng_below(&r, 5)], 0.6 * normal(&r),
                                    role_hours + 1.2 * normal(&r)};
    }
    int64_t base_start = time_parse_iso("2026-09-14T08:00:00Z"), end_start = time_parse_iso("2027-05-17T08:00:00Z");
    if (store_begin(st, e) < 0) return -1;
    struct arena row;
    arena_init(&row, 16 * 1024);
    int rc = 0;
    for (int pass = 0; pass < 2 && rc == 0; pass++) {
        bool endline = pass == 1;
        const struct form *f = endline ? ef : bf;
        for (size_t i = 0; i < nc && rc == 0; i++) {
            /* About one in six answers only the baseline; three answer it twice (the newer counts). */
            bool stays = rng_uniform(&r) >= (double)(DEMO_FEEDBACK_BASELINE - DEMO_FEEDBACK_ENDLINE) / DEMO_FEEDBACK_BASELINE;
            int times = !endline && i % 40 == 7 ? 2 : 1;
            if (endline && !stays) continue;
            for (int t = 0; t < times && rc == 0; t++) {
                arena_reset(&row);
                struct answers *ans = answers_new(&row);
                answer_pilot(&row, &r, ans, &people[i], endline);
                const struct demo_text *text = NULL;
                if (rng_uniform(&r) < (endline ? 0.3 : 0.25)) {
                    text = endline ? pick_text(&r, endline_texts, sizeof endline_texts / sizeof *endline_texts, people[i].lang)
                                   : pick_text(&r, baseline_texts, sizeof baseline_texts / sizeof *baseline_texts, people[i].lang);
                    answers_set(ans, "changes", 0, text->text);
                }
                int64_t when = (endline ? end_start : base_start) + (int64_t)rng_below(&r, endline ? 30 : 18) * 86400000 +
                               (int64_t)rng_below(&r, 8 * 3600) * 1000 + t * 3 * 86400000;
                const char *id;
                rc = store_answers(st, &row, f, endline ? ev : bv, ans, people[i].lang, when, &id, e);
                if (rc == 0 && text && *ntags < DEMO_TAGGED)
                    tags[(*ntags)++] = (struct to_tag){arena_strdup(a, id), "changes", text->tag};
            }
        }
    }
    arena_free(&row);
    if (rc < 0 || store_commit(st, e) < 0) {
        store_rollback(st);
        return -1;
    }
    return 0;
}

/* Session feedback for the programme's first training sessions, when the training demo has made
 * some (program/training.h): each session's code is its id, as a link or a QR code to the form
 * gives it; the answers arrive in the hour after the session ends, when that lies within the
 * session feedback campaign's days. */
static int session_answers(struct store *st, struct arena *a, const char *programme_id, struct err *e)
{
    int64_t have;
    if (count_of(st, "SELECT COUNT(*) FROM submissions WHERE form_id = ? AND is_demo = 1", "session-feedback", &have,
                 e) < 0)
        return -1;
    if (have) return 0;
    struct training_session *list;
    size_t n;
    struct training_session_filter filter = {.programme_id = programme_id};
    if (training_sessions(st, a, &filter, &list, &n, e) < 0) return -1;
    if (!n) return 0;
    const char *version;
    const struct form *f = latest_form(st, a, "session-feedback", &version, e);
    if (!f) return -1;
    const char *opens = demo_campaigns[2].opens, *closes = demo_campaigns[2].closes;
    struct rng r;
    rng_seed(&r, 0x5E5510A2026ull);
    if (store_begin(st, e) < 0) return -1;
    struct arena row;
    arena_init(&row, 8 * 1024);
    int rc = 0;
    for (size_t k = 0, used = 0; k < n && used < 8 && rc == 0; k++) {
        int64_t end = time_parse_iso(list[k].ends_at);
        if (end < 0 || strncmp(list[k].ends_at, opens, 10) < 0 || strncmp(list[k].ends_at, closes, 10) > 0) continue;
        used++;
        int answers = 6 + (int)rng_below(&r, 7);
        double mood = 0.5 * normal(&r);
        for (int i = 0; i < answers && rc == 0; i++) {
            arena_reset(&row);
            struct answers *ans = answers_new(&row);
            answers_set(ans, "session", 0, list[k].id);
            for (size_t j = 0; j < sizeof session_items / sizeof *session_items; j++)
                answers_set(ans, session_items[j], 0, likert(&row, 4.0 + mood + 0.8 * normal(&r)));
            if (rng_uniform(&r) < 0.2) answers_set(ans, "comment", 0, session_texts[rng_below(&r, 4)]);
            int64_t when = end + (int64_t)rng_below(&r, 3600) * 1000;
            const char *id;
            rc = store_answers(st, &row, f, version, ans, "en", when, &id, e);
        }
    }
    arena_free(&row);
    if (rc < 0 || store_commit(st, e) < 0) {
        store_rollback(st);
        return -1;
    }
    return 0;
}

static int tag_texts(struct store *st, struct arena *a, const char *programme_id, const struct to_tag *tags,
                     size_t ntags, struct err *e)
{
    int64_t have;
    if (count_of(st, "SELECT COUNT(*) FROM feedback_tags WHERE programme_id = ?", programme_id, &have, e) < 0) return -1;
    if (have) return 0;
    const char *ids[sizeof demo_tags / sizeof *demo_tags];
    for (size_t k = 0; k < sizeof demo_tags / sizeof *demo_tags; k++)
        if (fb_tag_create(st, a, programme_id, demo_tags[k], true, NULL, &ids[k], e) < 0) return -1;
    for (size_t i = 0; i < ntags; i++)
        for (size_t k = 0; k < sizeof demo_tags / sizeof *demo_tags; k++)
            if (strcmp(tags[i].tag, demo_tags[k]) == 0 &&
                fb_tag_set(st, a, programme_id, tags[i].submission_id, tags[i].field, ids[k], true, NULL, e) < 0)
                return -1;
    return 0;
}

int demo_feedback_load(struct store *st, struct arena *a, const char *programme_id, struct err *e)
{
    struct store_stmt *s = store_prepare(st, "SELECT slug FROM programmes WHERE id = ?", e);
    if (!s) return -1;
    store_bind_text(s, 1, programme_id);
    int rc = store_step(s, e);
    const char *slug = rc == 1 ? arena_strdup(a, store_col_text(s, 0)) : NULL;
    store_done(s);
    if (rc <= 0) return rc;
    struct programme *p;
    if (programme_find(st, a, slug, &p, e) < 0) return -1;
    struct to_tag tags[DEMO_TAGGED];
    size_t ntags = 0;
    if (import_forms(st, a, e) < 0 || make_campaigns(st, a, p, e) < 0 || issue_codes(st, a, p->id, e) < 0 ||
        pilot_answers(st, a, p->id, tags, &ntags, e) < 0 || session_answers(st, a, p->id, e) < 0)
        return -1;
    return tag_texts(st, a, p->id, tags, ntags, e);
}

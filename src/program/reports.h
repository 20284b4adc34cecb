/* reports: the figures of the Phase 2 pilot's reports and of the coordinator's dashboard (issue
 * 6), gathered from the modules that keep them, with no HTML: the pages (web/report_pages.c) and
 * the downloads (program/report_export.h) show what is gathered here. docs/reports.md says it for
 * coordinators and partners.
 *
 * The institution report: the register's profile (no contact: it is personal data), the need
 * score with its rank, interval and weakest domains (curriculum.h's reading of the need index),
 * the devices by state and the deliveries with their shortfall, the people trained and the hours,
 * the curriculum plan's progress, and baseline against endline for the institution's respondents
 * (feedback.h, filtered to the institution). The programme report: coverage by country and kind
 * of the confirmed selection's institutions, devices delivered and in use against those
 * allocated, training sessions, hours and the cascade's levels, outcomes per item, and the
 * feedback themes.
 *
 * The anonymity threshold (forms/summary.h's setting) holds for every count of PEOPLE: a count of
 * people below it is hidden (struct rep_people), and a part of a group (the people who completed,
 * of those enrolled; a cascade level, of everyone reached) is hidden too when what is left of the
 * group would be a small group that subtraction gives away (feedback.h's fb_suppress, the one rule
 * of the project). Figures derived from people (person-hours of training, a theme's texts) follow
 * the people they are summed over. Counts of institutions, devices, sessions and curriculum items
 * are not of people and are shown. The outcomes come from fb_analyse, which applies the same rule
 * item by item.
 *
 * The dashboard: the programme's phases on a timeline with today, and what is late, each with
 * the ids the pages need to link to where it is fixed: devices allocated more than N days ago
 * (the setting late_after_days, default 14) and not delivered; delivery shortfalls still open;
 * training sessions that have ended with attendance not recorded; baseline and endline campaigns
 * open and closing within N days (or open N days without a closing day) whose answer rate (answer
 * sets with a code issued for the programme over the codes issued) is below the target (the
 * setting answer_rate_target, per cent, default 80); curriculum items past their due day; and
 * invitations of the confirmed selection unanswered for more than 14 days.
 *
 * Every function only reads. "now" is passed in (milliseconds since the epoch) so that the tests
 * fix the clock; the pages pass time_now_ms(). Everything returned lives in the caller's arena. */
#ifndef EDUBRIDGE_REPORTS_H
#define EDUBRIDGE_REPORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "program/curriculum.h"
#include "program/devices.h"
#include "program/feedback.h"
#include "program/institutions.h"
#include "program/programme.h"
#include "store/store.h"

enum {
    REP_LATE_DAYS_DEFAULT = 14,     /* setting late_after_days: 1 to 365 */
    REP_LATE_DAYS_MAX = 365,
    REP_ANSWER_TARGET_DEFAULT = 80, /* setting answer_rate_target: 1 to 100 per cent */
    REP_INVITATION_DAYS = 14,       /* an invitation unanswered longer is late */
};

/* --- people and the threshold --------------------------------------------------------------- */

/* A count of people: n is the true count; only shown may be shown (else "fewer than T"). */
struct rep_people {
    int64_t n;
    bool shown;
};

/* n people: shown when n reaches the threshold. */
struct rep_people rep_people_of(int64_t n, int threshold);
/* part people of a group of whole (part <= whole): shown when the part reaches the threshold and
 * the rest of the group (whole - part) is none or reaches it too, so that neither can be worked
 * out from the other (fb_suppress over the two). */
struct rep_people rep_people_part(int64_t part, int64_t whole, int threshold);

/* The settings the dashboard reads: late_after_days and answer_rate_target, their defaults when
 * unset or out of range. */
int rep_late_days(struct store *st, int *out, struct err *e);
int rep_answer_target(struct store *st, int *out, struct err *e);
/* Sets one of them (checked against its range), audited as settings.set. */
int rep_set_late_days(struct store *st, int days, const struct audit_actor *by, struct err *e);
int rep_set_answer_target(struct store *st, int percent, const struct audit_actor *by, struct err *e);

/* Hours of a training session: its course's duration when the catalogue gives one, else the
 * session's own span (its end less its start); 0 when neither reads. */
double rep_session_hours(int course_minutes, const char *starts_at, const char *ends_at);

/* --- devices -------------------------------------------------------------------------------- */

struct rep_devices {
    int64_t by_state[DEVICE_STATE_COUNT]; /* now */
    int64_t allocated;  /* devices sent to institutions: every device not in stock */
    int64_t delivered;  /* of those, devices ever delivered (their history says so) */
    int64_t in_use;     /* now */
    int quota;          /* per institution (the programme's devices_per_institution) */
    struct device_delivery *deliveries; /* newest first */
    size_t ndeliveries;
    int64_t shortfalls; /* deliveries short of what was shipped whose devices are still shipped */
};

/* --- the institution report ------------------------------------------------------------------- */

struct rep_institution {
    int threshold;
    const char *today;                /* YYYY-MM-DD, UTC */
    struct institution inst;          /* the register's record (contacts are not read out) */
    const struct programme *programme; /* NULL: it takes part in no programme yet */
    struct programme *others;         /* every programme it takes part in (for the choice) */
    size_t nothers;
    /* need */
    bool assessed;                    /* the programme's needs-survey campaign assesses it */
    const char *campaign_name;
    double score;                     /* NaN: no score */
    const char *why_none;             /* msgid (a %s for a domain: why_domain), when no score */
    const char *why_domain;
    size_t rank, scored, rank_lo, rank_hi;
    double median_rank;               /* NaN without the sensitivity */
    enum ni_norm norm;
    struct curriculum_domain *domains; /* weakest first */
    size_t ndomains;
    /* devices at the institution, of every programme */
    struct rep_devices devices;
    /* training of its people (participants of the institution) in the programme */
    struct rep_people enrolled, completed, attended;
    double person_hours;              /* over attended and completed enrolments; shown with attended */
    int64_t sessions;                 /* sessions its people were enrolled in */
    /* curriculum */
    bool has_plan;
    size_t items, items_done, items_late, items_in_progress;
    /* baseline against endline, filtered to the institution */
    struct fb_analysis outcomes;
};

/* The report of institution_id within the programme programme_slug (NULL or "": the programme it
 * takes part in, the newest first; else the newest programme). ERR_NOT_FOUND for an unknown
 * institution or programme. */
int rep_institution(struct store *st, struct arena *a, const char *institution_id, const char *programme_slug,
                    int64_t now_ms, struct rep_institution *out, struct err *e);

/* --- the programme report --------------------------------------------------------------------- */

/* Institutions of one country or one kind (counts of institutions: always shown). */
struct rep_share {
    const char *key;    /* ISO country code, or the kind ("" when unknown) */
    int64_t selected;   /* places of the confirmed selection, declined ones left out */
    int64_t accepted;
};

struct rep_level {
    int level;
    int64_t sessions;
    struct rep_people reached, graduates;
};

struct rep_theme {
    const char *name;
    struct rep_people texts; /* texts given the theme (each from one person) */
};

struct rep_campaign {
    const char *name, *kind, *status, *opens_on, *closes_on;
    struct rep_people answers; /* answer sets (people) in its days */
};

struct rep_programme {
    int threshold;
    const char *today;
    const struct programme *programme;
    struct rep_campaign *campaigns;
    size_t ncampaigns;
    /* coverage */
    bool selection;               /* a confirmed selection run exists */
    const char *selection_id;
    int64_t selected, accepted, declined, invited;
    struct rep_share *countries, *kinds; /* by count, then key */
    size_t ncountries, nkinds;
    int64_t learners;             /* learners in the selected institutions, as the register says */
    /* devices of the programme */
    struct rep_devices devices;
    /* training */
    int64_t sessions, sessions_held, sessions_tot;
    double hours_held;            /* hours of the sessions that ended */
    struct rep_people enrolled, attended, reached;
    double person_hours;          /* shown with attended */
    struct rep_level *levels;     /* the cascade's levels, 0 first */
    size_t nlevels;
    /* feedback */
    struct fb_analysis outcomes;
    struct rep_theme *themes;     /* by name */
    size_t nthemes;
};

int rep_programme(struct store *st, struct arena *a, const char *slug, int64_t now_ms, struct rep_programme *out,
                  struct err *e);

/* --- the coordinator's dashboard -------------------------------------------------------------- */

enum rep_phase_state { REP_PHASE_UNDATED, REP_PHASE_DONE, REP_PHASE_NOW, REP_PHASE_NEXT };

struct rep_phase {
    const char *kind, *starts_on, *ends_on; /* days may be NULL */
    enum rep_phase_state state;
};

enum rep_late_kind {
    REP_LATE_DEVICES,    /* subject: the institution; count devices in state since `since` */
    REP_LATE_SHORTFALL,  /* subject: the institution; count received of `of`; id: the delivery */
    REP_LATE_ATTENDANCE, /* subject: the course; id: the session; count enrolments not marked of `of` */
    REP_LATE_ANSWERS,    /* subject: the campaign; count answered of `of` codes; days: until it closes */
    REP_LATE_CURRICULUM, /* subject: the institution; count items past due; since: the oldest due day */
    REP_LATE_INVITATION, /* subject: the institution; id: the run; since: the day it was sent */
    REP_LATE_KINDS
};

struct rep_late {
    enum rep_late_kind kind;
    const char *id;          /* the record to fix: see the kinds */
    const char *subject;     /* what it is about, for people */
    const char *subject_id;  /* the institution or campaign it is about */
    const char *state;       /* devices: allocated or shipped */
    const char *since;       /* YYYY-MM-DD */
    int64_t days;            /* days late (REP_LATE_ANSWERS: days left before it closes) */
    int64_t count, of;
};

struct rep_dashboard {
    const char *today;
    const struct programme *programme;
    struct rep_phase *phases;   /* in programme order, dated ones first by start */
    size_t nphases;
    const char *first_day, *last_day; /* the timeline's span (the programme's or its phases') */
    int late_days, answer_target;
    struct rep_late *late;      /* by kind, then most late first */
    size_t nlate;
    size_t late_of[REP_LATE_KINDS];
};

int rep_dashboard(struct store *st, struct arena *a, const char *slug, int64_t now_ms, struct rep_dashboard *out,
                  struct err *e);

/* The dashboard's rules, pure, for the tests: whether a campaign with this answer rate is late on
 * today (see above; days_left: days before its closing day, negative once past it). */
bool rep_answers_late(const char *today, const char *opens_on, const char *closes_on, int64_t answered,
                      int64_t issued, int target_percent, int late_days, int64_t *days_left);
/* Days from the day `from` to the day `to` (both YYYY-MM-DD, or longer ISO 8601 texts whose first
 * ten characters are a day); 0 when either does not read. */
int64_t rep_days_between(const char *from, const char *to);
/* The state of a phase on today. */
enum rep_phase_state rep_phase_state_on(const char *today, const char *starts_on, const char *ends_on);

#endif

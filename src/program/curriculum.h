/* curriculum: a curriculum plan per institution and programme (issue 6): the institution's
 * weakest need-index domains linked to modules and lessons, with the day each is due, and how far
 * it has got. docs/training.md says it for coordinators.
 *
 * Which domains are weakest. The need index of the programme's needs-survey campaign
 * (assess_needs_campaign, assess_compute, assess_explain) gives each of the institution's
 * indicators its normalised value y (need_index.h, step 1: with min-max or rank normalisation 0
 * for the least need among the institutions assessed, 100 for the most). A domain's need is the
 * weighted mean of y over its indicators that were answered, with the model's weights within the
 * domain; the weakest domain has the highest need. Not its share of the score's points: points
 * are measured from the least needy institution's aggregate and can be negative, and an
 * institution without a score (too little answered) has no points but may still have values for
 * the domains it answered. A domain with no indicator answered has no need value and comes last.
 *
 * Suggested modules: the catalogue's courses (the programme's and the general ones) whose topics
 * name the domain, by its id or its label (training_course_matches). Making a plan adds, for each
 * of its weakest domains, one item per suggested course (at most three), or one item named after
 * the domain when the catalogue has none, due four weeks apart from a starting day; making it
 * again adds only the suggestions it does not hold yet.
 *
 * Progress: done items over all items; an item is late when its due day is before today and it
 * is not done. Every change runs in one transaction with its audit entry (curriculum.*).
 * Everything returned lives in the caller's arena; problems are msgids. */
#ifndef EDUBRIDGE_CURRICULUM_H
#define EDUBRIDGE_CURRICULUM_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/err.h"
#include "program/need_index.h"
#include "program/programme.h"
#include "store/audit.h"
#include "store/store.h"

enum { CURRICULUM_STATUSES = 3, CURRICULUM_SUGGESTED_MAX = 3, CURRICULUM_WEAKEST_DEFAULT = 2 };
extern const char *const curriculum_statuses[CURRICULUM_STATUSES]; /* planned, in_progress, done */
const char *curriculum_status_label(const char *status);            /* msgid */

struct curriculum_domain {
    const char *id;
    const char *label;   /* as the model says it: the shipped model's labels are msgids */
    double need;         /* the weighted mean of its normalised values; NaN: nothing answered */
    double points;       /* its indicators' points of the score; NaN without a score */
    size_t answered, indicators;
};

struct curriculum_needs {
    const char *campaign_id, *campaign_name;
    enum ni_norm norm;           /* how need reads: 0-100, or standard deviations for z-scores */
    double score;                /* the institution's score, NaN none */
    size_t rank;                 /* 0 none */
    struct curriculum_domain *domains; /* weakest first */
    size_t ndomains;
};

/* The institution's domains in the need index of the programme's needs-survey campaign.
 * ERR_NOT_FOUND when the programme has no such campaign or the institution is not assessed
 * (merged away, or unknown). */
int curriculum_needs(struct store *st, struct arena *a, const char *programme_id, const char *institution_id,
                     struct curriculum_needs *out, struct err *e);

struct curriculum_item {
    const char *id;
    int position;
    const char *domain;
    const char *module;
    const char *lesson;       /* NULL none */
    const char *course_id;    /* NULL none */
    const char *course_title; /* read only */
    const char *due_on;       /* YYYY-MM-DD */
    const char *done_on;      /* NULL until done */
    const char *status;
    bool late;
};

struct curriculum_plan {
    const char *id;
    const char *institution_id, *programme_id;
    const char *created_at;
    struct curriculum_item *items; /* by due day, then position */
    size_t nitems;
    size_t done, late;
};

/* The plan with its items as of today ("YYYY-MM-DD"; NULL: today, UTC); ERR_NOT_FOUND when the
 * institution has none in this programme. */
int curriculum_plan_get(struct store *st, struct arena *a, const char *institution_id, const char *programme_id,
                        const char *today, struct curriculum_plan *out, struct err *e);

/* Makes (or completes) the plan from the need index as above: the weakest `weakest` domains that
 * have a need value (0: CURRICULUM_WEAKEST_DEFAULT), items due from starts_on (NULL: today) on.
 * Audited as curriculum.make with the number of items added (*added, may be NULL).
 * ERR_NOT_FOUND as curriculum_needs; ERR_INVALID for a starting day that is not one. */
int curriculum_make(struct store *st, struct arena *a, const char *programme_id, const char *institution_id,
                    const char *starts_on, int weakest, bool is_demo, const struct audit_actor *by, int *added,
                    struct err *e);

struct curriculum_item_new {
    const char *domain;    /* a domain id of the campaign's model (or a slug when there is none) */
    const char *module;
    const char *lesson;    /* NULL or "": none */
    const char *course_id; /* NULL or "": none */
    const char *due_on;
};

/* Adds an item to the plan (made when missing), audited as curriculum.item. ERR_INVALID with the
 * problems (fields "domain", "module", "lesson", "course", "due_on") in pp. */
int curriculum_item_add(struct store *st, struct arena *a, const char *programme_id, const char *institution_id,
                        const struct curriculum_item_new *in, const struct audit_actor *by,
                        struct programme_problems *pp, struct err *e);

/* Sets an item of the institution's plan to status (done: done on today, NULL: today UTC),
 * audited as curriculum.progress. ERR_NOT_FOUND when the item is not of this institution's plans;
 * ERR_INVALID for an unknown status. The same status again changes nothing. */
int curriculum_item_set(struct store *st, struct arena *a, const char *institution_id, const char *item_id,
                        const char *status, const char *today, const struct audit_actor *by, struct err *e);

#endif

/* campaign: a programme's campaigns. A campaign runs one form (the needs survey, a baseline or
 * endline survey, session feedback, applications) between two days, and its answers are the
 * form's submitted answer sets first submitted on a day (UTC) between them, both days included;
 * an open end counts everything on that side. Its status (draft, open, closed) is the
 * coordinator's to set.
 *
 * A campaign's status closes its survey (campaign_form_open): a form takes answers when it has no
 * campaign at all (a form used outside programmes) or when at least one of its campaigns is open,
 * that is its status is 'open' and today (UTC) lies between its opening and closing days, both
 * included, an empty day counting as open on that side. Otherwise its survey pages say it is
 * closed and refuse starting and submitting (drafts are kept), and the API refuses new answer
 * sets with 409; corrections by coordinators still go through.
 *
 * The rules (campaign_validate): a name (at most 200 characters); a form that exists; a known kind;
 * real days, opening not after closing, and within the programme's dates when those are set.
 * Every change is audited in the same transaction. Strings returned live in the caller's arena. */
#ifndef EDUBRIDGE_CAMPAIGN_H
#define EDUBRIDGE_CAMPAIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "program/programme.h"

enum { CAMPAIGN_KINDS = 5, CAMPAIGN_STATUSES = 3 };
/* The kinds a campaign may be; a new one is added here (and its label in campaign.c). */
extern const char *const campaign_kinds[CAMPAIGN_KINDS];
extern const char *const campaign_statuses[CAMPAIGN_STATUSES];
const char *campaign_kind_label(const char *kind);     /* English msgid: "Needs survey" */
const char *campaign_status_label(const char *status); /* English msgid: "Open" */

struct campaign {
    const char *id;           /* NULL: a new id is made */
    const char *programme_id;
    const char *name;
    const char *form_id;
    const char *kind;
    const char *opens_on;     /* NULL or "": open */
    const char *closes_on;
    const char *status;       /* NULL: draft */
    int64_t responses;        /* filled by campaign_list and campaign_find */
};

/* The problems of c for programme p; -1 with e when the database cannot be read (to see whether
 * the form exists), else how many problems it added to out. */
int campaign_validate(struct store *st, const struct programme *p, const struct campaign *c,
                      struct programme_problems *out, struct err *e);

/* The campaigns of a programme (NULL: of every programme), in the order they open, each with its
 * response count. */
int campaign_list(struct store *st, struct arena *a, const char *programme_id, struct campaign **out, size_t *n,
                  struct err *e);
/* One campaign of programme_id, with its count; ERR_NOT_FOUND when there is none. */
int campaign_find(struct store *st, struct arena *a, const char *programme_id, const char *id, struct campaign **out,
                  struct err *e);
/* How many answer sets the campaign's form received between its days. */
int campaign_responses(struct store *st, const struct campaign *c, int64_t *out, struct err *e);

/* Adds c to p (c->programme_id is set from p; c->id filled when NULL), audited as campaign.create.
 * ERR_INVALID with the first problem's sentence when a rule is broken. */
int campaign_create(struct store *st, struct arena *a, const struct programme *p, struct campaign *c,
                    const struct audit_actor *by, struct err *e);
/* Writes c (c->id names it, within p), audited as campaign.update with the fields that changed. */
int campaign_update(struct store *st, struct arena *a, const struct programme *p, const struct campaign *c,
                    const struct audit_actor *by, struct err *e);

/* Why a form takes no answers: the campaign that says most about when (the next to open, else
 * the last to close, else the one changed last) and who runs it. Strings in the caller's arena. */
struct campaign_closure {
    const char *campaign;  /* its name */
    const char *programme; /* the programme's name: who runs it */
    const char *opens_on;  /* the day it opens, when an open campaign is due to; else NULL */
    const char *closed_on; /* else the day the last one closed, when one closed by its dates; else NULL */
};

/* Whether form_id takes answers on today ("YYYY-MM-DD", UTC) by the rule above; when it does not,
 * *why says why (zeroed when it does). */
int campaign_form_open(struct store *st, struct arena *a, const char *form_id, const char *today, bool *open,
                       struct campaign_closure *why, struct err *e);

#endif

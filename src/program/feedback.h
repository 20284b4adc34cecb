/* feedback: a programme's structured feedback (issue 6): baseline against endline, the feedback
 * after each training session, and the free texts with the theme tags that coordinators give them.
 *
 * Answer sets. A campaign's answer sets are its form's current submitted ones first submitted
 * between its days (program/campaign.h); every campaign of a kind counts (two baseline campaigns
 * are one baseline). An answer set of the baseline or endline belongs to the respondent whose code
 * it gives (respondent_code, read as program/respondent_codes.h reads typed codes), and only when
 * that code was issued for this programme: others are counted as unmatched and left out. The
 * newest answer set per code and kind counts (by when it was first submitted), so a respondent who
 * answered twice counts once. A pair is a code with a baseline and an endline answer set.
 *
 * Items. The baseline form's Likert items (a select_one whose list's values, "dont_know" aside,
 * are exactly 1..k for k from 2 to 11) and numbers (integer, decimal, range) that the endline form
 * asks too, with the same kind. An unanswered item, "dont_know" or a value out of range is missing
 * (NaN): program/paired_stats.h drops such pairs. Each item gets ps_paired() and, for Likert,
 * ps_likert() over the same pairs (the bars compare the same people).
 *
 * The anonymity threshold (forms/summary.h's setting) holds for every figure, by one rule: a
 * group's figures are shown when it has at least the threshold, and the groups that are hidden
 * within the larger group they belong to add up to nothing or to at least the threshold, so that
 * no hidden group can be worked out by subtracting shown ones from their total (when they would
 * add up to fewer, the smallest shown groups are hidden too, until they do). It applies to the
 * respondents of each institution and each role (the filters), to each item's pairs within those,
 * to each training session within its course and each course within the programme, and to each
 * Likert item's answers within those. One filter applies at a time (an institution or a role),
 * since two together would make groups that subtract from each other. Free texts are listed only
 * for a campaign (or a session) with at least the threshold of answer sets, and their institution
 * and role are named only where that group has at least the threshold in the campaign: texts can
 * identify people by what they say, and a role in a small institution is one person.
 *
 * A respondent's institution is the one its code was issued for; its role is the code's, or, for a
 * code issued for any role, what the baseline (else the endline) answer says.
 *
 * Sessions. A session feedback answer set names its session by the code the trainer gave: the
 * session's id in the training catalogue (program/training.h), or the last FB_SESSION_CODE_MIN or
 * more characters of it when no other session of the programme ends the same (short enough to
 * write on a board), compared without case and spaces at either end. Sessions of this programme
 * in the catalogue are grouped by their course; codes it does not know form one group, "course
 * not known".
 *
 * Tags: feedback_tags and feedback_tagging (program/feedback_schema.h); creating a tag, tagging and
 * untagging each run in one transaction with their audit entry (feedback.tag_create, feedback.tag,
 * feedback.untag: ids only). Messages in a struct err are English msgids for the pages.
 *
 * Everything returned lives in the caller's arena, which also holds the forms it loads. */
#ifndef EDUBRIDGE_FEEDBACK_H
#define EDUBRIDGE_FEEDBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "forms/form.h"
#include "program/campaign.h"
#include "program/paired_stats.h"
#include "store/audit.h"
#include "store/store.h"

/* True when a group of n, within a larger one, may show: n >= threshold. The rule about the
 * groups left hidden is fb_suppress(). */
static inline bool fb_enough(int64_t n, int threshold) { return n >= threshold; }
/* Decides which of n sibling groups (counts[i], within a total that may hold more than their sum:
 * respondents in no group) may show: shown[i] when counts[i] >= threshold, and then, while what
 * is hidden (total less the shown counts) is between 1 and threshold - 1, the smallest shown group
 * is hidden too. allowed (NULL: all) names the groups that may show at all. Exposed for tests. */
void fb_suppress(const int64_t *counts, const bool *allowed, size_t n, int64_t total, int threshold, bool *shown);

/* --- baseline against endline --------------------------------------------------------------- */

enum fb_item_kind { FB_LIKERT, FB_NUMBER };

/* Why an item's figures are not shown. */
enum fb_hidden {
    FB_SHOWN,
    FB_HIDDEN_SMALL, /* fewer pairs than the threshold */
    FB_HIDDEN_REST,  /* enough here, but the respondents left hidden elsewhere would be too few */
};

struct fb_item {
    const struct form_field *field;   /* in the baseline form: name, label, choices */
    enum fb_item_kind kind;
    size_t k;                         /* Likert levels */
    const struct form_choice **levels;/* Likert: k choices, level 1 first */
    enum fb_hidden hidden;
    struct ps_result r;               /* status PS_SUPPRESSED when hidden */
    struct ps_likert dist;            /* Likert and shown: the answers per level of the pairs */
};

/* Respondents in one institution or role. */
struct fb_group {
    const char *id;       /* the institution's id, or the role ("" for a role not known) */
    const char *name;     /* the institution's name; the role's English label (a msgid) */
    int64_t pairs;
    bool shown;           /* may be chosen as a filter (fb_suppress over its siblings) */
};

struct fb_filter {
    const char *institution_id; /* NULL or "": any */
    const char *role;           /* NULL or "": any */
};

struct fb_analysis {
    int threshold;
    size_t baseline_campaigns, endline_campaigns;
    const struct form *form;          /* the baseline form (labels, languages); NULL without one */
    int64_t baseline_sets, endline_sets, pairs; /* respondents with an issued code, newest set each */
    int64_t unmatched;                /* answer sets without a code issued for this programme */
    bool filtered;                    /* a filter was given */
    bool group_shown;                 /* the filter's group may show (always true unfiltered when
                                       * pairs reach the threshold) */
    enum fb_hidden group_hidden;      /* why not */
    int64_t group_pairs;              /* the pairs in the filter's group (only show when group_shown) */
    struct fb_item *items;
    size_t nitems;
    struct fb_group *institutions, *roles;
    size_t ninstitutions, nroles;
};

/* The analysis of a programme's baseline and endline, for filter f (NULL: everyone). ERR_INVALID
 * (a msgid) when f names both an institution and a role; an institution or role that has no
 * respondents makes an empty group (hidden, FB_HIDDEN_SMALL), not an error. */
int fb_analyse(struct store *st, struct arena *a, const char *programme_id, const struct fb_filter *f,
               struct fb_analysis *out, struct err *e);

/* Cohen's d_z in words, by his conventions for |d|: below 0.2 "negligible", then "small" up to 0.5,
 * "medium" up to 0.8, "large" beyond (English msgids). "" for NaN. */
const char *fb_magnitude(double dz);

/* --- training sessions ---------------------------------------------------------------------- */

enum { FB_SESSION_CODE_MIN = 6 }; /* characters at the end of a session's id that name it */
/* The code a trainer gives for a session: the last FB_SESSION_CODE_MIN characters of its id. */
static inline const char *fb_session_code(const char *session_id)
{
    size_t n = 0;
    while (session_id[n]) n++;
    return n > FB_SESSION_CODE_MIN ? session_id + n - FB_SESSION_CODE_MIN : session_id;
}

struct fb_mean {
    int64_t n;    /* answers (not "dont_know") */
    double mean;  /* NaN when hidden */
    bool shown;
};

struct fb_session {
    const char *session;   /* the session's id, or the code as answered when the catalogue does not
                            * know it (trimmed, lower case); for a course: its id */
    const char *course;    /* the course's name, or NULL when the catalogue does not say */
    const char *starts_at; /* a session's start, from the catalogue; NULL when it does not say */
    int64_t answers;       /* answer sets */
    bool shown;
    struct fb_mean *means; /* nitems, like fb_sessions.items */
};

struct fb_sessions {
    int threshold;
    size_t campaigns;
    const struct form *form;              /* the session feedback form; NULL without a campaign */
    const struct form_field **items;      /* its Likert items */
    size_t nitems;
    struct fb_session *sessions, *courses; /* sessions by course then code; courses by name */
    size_t nsessions, ncourses;
    struct fb_session overall;
    bool catalogue;                       /* courses come from the training catalogue */
};
int fb_sessions(struct store *st, struct arena *a, const char *programme_id, struct fb_sessions *out,
                struct err *e);

/* --- free texts and their themes ------------------------------------------------------------ */

enum { FB_TAG_NAME_MAX = 60 };

struct fb_tag {
    const char *id;
    const char *name;
    int64_t uses;   /* texts it is given to */
};

struct fb_comment {
    const char *submission_id;       /* the current revision */
    const char *kind;                /* the campaign's kind: baseline, endline, session_feedback */
    const char *campaign;            /* the campaign's name */
    const struct form *form;
    const struct form_field *field;  /* the question */
    const char *text;
    const char *institution;         /* the institution's name; NULL: not named (small group) */
    const char *role;                /* likewise; a role value */
    const char *session;             /* session feedback: its session */
    const struct fb_tag **tags;
    size_t ntags;
    const char *first_at;
};

struct fb_comments {
    int threshold;
    struct fb_tag *tags;             /* the programme's tags, by name */
    size_t ntags;
    struct fb_comment *items;        /* untagged first, then newest first */
    size_t n;
    int64_t hidden;                  /* texts not listed: too few answer sets where they were given */
    int64_t untagged;                /* of those listed */
};

/* The free texts of the programme's baseline, endline and session feedback. tag: NULL or "" for
 * all, "none" for the untagged ones, else a tag's id. */
int fb_comments(struct store *st, struct arena *a, const char *programme_id, const char *tag,
                struct fb_comments *out, struct err *e);
/* The programme's tags, by name, with their uses. */
int fb_tags(struct store *st, struct arena *a, const char *programme_id, struct fb_tag **out, size_t *n,
            struct err *e);
/* A new tag. ERR_INVALID for a name empty or longer than FB_TAG_NAME_MAX characters, ERR_CONFLICT
 * for a name the programme has (case aside). *id (may be NULL) receives its id. */
int fb_tag_create(struct store *st, struct arena *a, const char *programme_id, const char *name, bool is_demo,
                  const struct audit_actor *by, const char **id, struct err *e);
/* Gives (on) or takes away a tag from one free text: the answer set submission_id (a current
 * revision in a feedback campaign of the programme) and its text question field. ERR_INVALID (a
 * msgid) when the answer set, the question or the tag is not the programme's, or the text is empty;
 * doing what is done already changes nothing and records nothing. */
int fb_tag_set(struct store *st, struct arena *a, const char *programme_id, const char *submission_id,
               const char *field, const char *tag_id, bool on, const struct audit_actor *by, struct err *e);

#endif

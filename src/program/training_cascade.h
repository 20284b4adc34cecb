/* training_cascade: the train-the-trainer cascade (issue 6): who trained whom, and how many people
 * each level of it reached. Derived from the sessions and their completions, never stored.
 *
 * The rule, exactly. Sessions are taken in order of their start. A session whose trainer is a
 * staff account (no participant record) is at level 0. A session whose trainer is a participant
 * p is at level 1 + L, where L is the lowest level of the train-the-trainer sessions that p
 * completed and that ended no later than this session starts; its parent is that session (the
 * one that ended first among those of level L). When p completed no such session, the session is
 * at level 0 with no parent: p trained others without the programme having trained them. As a
 * parent always ends before its child starts, the cascade has no cycles, whatever is recorded.
 *
 * Per level: the sessions, the people who completed them (each counted once per level: a
 * teacher who completed two sessions of level 1 is one teacher reached at level 1), and of those
 * the ones who completed a train-the-trainer session (the level's graduates). reached counts
 * each person once over all levels.
 *
 * training_cascade_compute is pure (no database), for the tests on a hand-built tree;
 * training_cascade_load reads a programme's sessions and computes. Everything returned lives in
 * the caller's arena. */
#ifndef EDUBRIDGE_TRAINING_CASCADE_H
#define EDUBRIDGE_TRAINING_CASCADE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/err.h"
#include "program/training.h"
#include "store/store.h"

struct cascade_session {
    const char *id;
    const char *trainer;   /* the participant who runs it; NULL: a staff account */
    bool is_tot;
    const char *starts_at; /* ISO 8601 UTC as stored: they compare as text */
    const char *ends_at;
};

struct cascade_completion {
    size_t session;          /* index into the sessions */
    const char *participant; /* who completed it */
};

struct cascade_level {
    int level;
    size_t sessions;
    size_t reached;   /* distinct people who completed a session of this level */
    size_t graduates; /* of them, distinct people who completed a train-the-trainer session of it */
};

struct training_cascade {
    size_t nsessions;
    int *level;            /* per session */
    long *parent;          /* per session: its parent's index, -1 none */
    struct cascade_level *levels; /* levels 0 .. nlevels - 1 */
    size_t nlevels;
    size_t reached;        /* distinct people who completed any session */
};

int training_cascade_compute(struct arena *a, const struct cascade_session *s, size_t n,
                             const struct cascade_completion *c, size_t nc, struct training_cascade *out,
                             struct err *e);

/* A programme's cascade with what the pages show. */
struct training_cascade_view {
    struct training_session *sessions; /* earliest first */
    size_t nsessions;
    const char **trainer_participant;  /* per session: the participant who runs it, NULL: an account */
    struct cascade_completion *completions;
    struct training_participant *people; /* per completion: who */
    size_t ncompletions;
    struct training_cascade cascade;
};

/* The cascade of programme_id's sessions. */
int training_cascade_load(struct store *st, struct arena *a, const char *programme_id,
                          struct training_cascade_view *out, struct err *e);

#endif

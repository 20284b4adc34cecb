#include "program/training_cascade.h"

#include <stdlib.h>
#include <string.h>

/* --- the computation ------------------------------------------------------------------------------- */

struct by_start {
    const struct cascade_session *s;
    size_t index;
};

static int cmp_start(const void *x, const void *y)
{
    const struct by_start *a = x, *b = y;
    int c = strcmp(a->s->starts_at, b->s->starts_at);
    return c ? c : (a->index < b->index ? -1 : a->index > b->index);
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

struct pair {
    int level;
    const char *participant;
};

static int cmp_pair(const void *x, const void *y)
{
    const struct pair *a = x, *b = y;
    if (a->level != b->level) return a->level < b->level ? -1 : 1;
    return strcmp(a->participant, b->participant);
}

/* Distinct (level, participant) pairs per level into counts[level]; distinct people over all
 * levels into *all (when not NULL). pairs is sorted here. */
static void count_distinct(struct arena *a, struct pair *pairs, size_t n, size_t *counts, size_t *all)
{
    qsort(pairs, n, sizeof *pairs, cmp_pair);
    for (size_t i = 0; i < n; i++)
        if (i == 0 || cmp_pair(&pairs[i - 1], &pairs[i]) != 0) counts[pairs[i].level]++;
    if (!all) return;
    const char **people = arena_alloc(a, (n ? n : 1) * sizeof *people);
    for (size_t i = 0; i < n; i++) people[i] = pairs[i].participant;
    *all = 0;
    qsort(people, n, sizeof *people, cmp_str); /* by person alone: each counted once whatever their levels */
    for (size_t i = 0; i < n; i++)
        if (i == 0 || strcmp(people[i - 1], people[i]) != 0) (*all)++;
}

int training_cascade_compute(struct arena *a, const struct cascade_session *s, size_t n,
                             const struct cascade_completion *c, size_t nc, struct training_cascade *out,
                             struct err *e)
{
    memset(out, 0, sizeof *out);
    for (size_t k = 0; k < nc; k++)
        if (c[k].session >= n || !c[k].participant)
            return err_set(e, ERR_INVALID, "a completion names no session of the cascade");
    out->nsessions = n;
    out->level = arena_calloc(a, n ? n : 1, sizeof *out->level);
    out->parent = arena_calloc(a, n ? n : 1, sizeof *out->parent);
    struct by_start *order = arena_alloc(a, (n ? n : 1) * sizeof *order);
    for (size_t i = 0; i < n; i++) order[i] = (struct by_start){&s[i], i};
    qsort(order, n, sizeof *order, cmp_start);
    bool *done = arena_calloc(a, n ? n : 1, sizeof *done);
    /* Only completions of train-the-trainer sessions make parents: usually a few among many. */
    size_t *tot = arena_alloc(a, (nc ? nc : 1) * sizeof *tot), ntot = 0;
    for (size_t k = 0; k < nc; k++)
        if (s[c[k].session].is_tot) tot[ntot++] = k;
    int max_level = 0;
    for (size_t o = 0; o < n; o++) {
        size_t i = order[o].index;
        out->level[i] = 0;
        out->parent[i] = -1;
        for (size_t q = 0; s[i].trainer && q < ntot; q++) {
            size_t k = tot[q], t = c[k].session;
            /* A parent ends before its child starts, so it was placed earlier in this order. */
            if (!done[t] || strcmp(c[k].participant, s[i].trainer) != 0 ||
                strcmp(s[t].ends_at, s[i].starts_at) > 0)
                continue;
            long p = out->parent[i];
            if (p < 0 || out->level[t] < out->level[p] ||
                (out->level[t] == out->level[p] && strcmp(s[t].ends_at, s[p].ends_at) < 0))
                out->parent[i] = (long)t;
        }
        if (out->parent[i] >= 0) out->level[i] = out->level[out->parent[i]] + 1;
        if (out->level[i] > max_level) max_level = out->level[i];
        done[i] = true;
    }
    out->nlevels = n ? (size_t)max_level + 1 : 0;
    out->levels = arena_calloc(a, out->nlevels ? out->nlevels : 1, sizeof *out->levels);
    for (size_t l = 0; l < out->nlevels; l++) out->levels[l].level = (int)l;
    for (size_t i = 0; i < n; i++) out->levels[out->level[i]].sessions++;

    struct pair *reached = arena_alloc(a, (nc ? nc : 1) * sizeof *reached);
    struct pair *grads = arena_alloc(a, (nc ? nc : 1) * sizeof *grads);
    size_t ngrads = 0;
    for (size_t k = 0; k < nc; k++) {
        struct pair p = {out->level[c[k].session], c[k].participant};
        reached[k] = p;
        if (s[c[k].session].is_tot) grads[ngrads++] = p;
    }
    size_t *counts = arena_calloc(a, out->nlevels ? out->nlevels : 1, sizeof *counts);
    count_distinct(a, reached, nc, counts, &out->reached);
    for (size_t l = 0; l < out->nlevels; l++) out->levels[l].reached = counts[l], counts[l] = 0;
    count_distinct(a, grads, ngrads, counts, NULL);
    for (size_t l = 0; l < out->nlevels; l++) out->levels[l].graduates = counts[l];
    return 0;
}

/* --- from the database ----------------------------------------------------------------------------- */

struct id_index {
    const char *id;
    size_t index;
};

static int cmp_id(const void *x, const void *y)
{
    return strcmp(((const struct id_index *)x)->id, ((const struct id_index *)y)->id);
}

/* The participant record of an account that runs sessions (a trainer who graduated), or NULL. */
static int participant_of_account(struct store *st, struct arena *a, const char *user_id, const char **out,
                                  struct err *e)
{
    *out = NULL;
    struct store_stmt *s = store_prepare(st, "SELECT id FROM training_participants WHERE user_id = ?", e);
    if (!s) return -1;
    store_bind_text(s, 1, user_id);
    int rc = store_step(s, e);
    if (rc == 1) *out = arena_strdup(a, store_col_text(s, 0));
    store_done(s);
    return rc < 0 ? -1 : 0;
}

int training_cascade_load(struct store *st, struct arena *a, const char *programme_id,
                          struct training_cascade_view *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    struct training_session_filter f = {.programme_id = programme_id};
    if (training_sessions(st, a, &f, &out->sessions, &out->nsessions, e) < 0) return -1;
    size_t n = out->nsessions;
    struct cascade_session *cs = arena_calloc(a, n ? n : 1, sizeof *cs);
    out->trainer_participant = arena_calloc(a, n ? n : 1, sizeof *out->trainer_participant);
    struct id_index *ids = arena_alloc(a, (n ? n : 1) * sizeof *ids);
    for (size_t i = 0; i < n; i++) {
        const struct training_session *x = &out->sessions[i];
        const char *p = x->trainer_participant_id;
        if (!p && x->trainer_user_id && participant_of_account(st, a, x->trainer_user_id, &p, e) < 0) return -1;
        out->trainer_participant[i] = p;
        cs[i] = (struct cascade_session){x->id, p, x->is_tot, x->starts_at, x->ends_at};
        ids[i] = (struct id_index){x->id, i};
    }
    qsort(ids, n, sizeof *ids, cmp_id);

    struct store_stmt *s = store_prepare(st,
        "SELECT e.session_id, t.id, t.name, t.email, t.institution_id, i.name, t.role, t.user_id, t.pseudonym"
        " FROM training_enrolments e JOIN training_sessions x ON x.id = e.session_id"
        " JOIN training_participants t ON t.id = e.participant_id LEFT JOIN institutions i ON i.id = t.institution_id"
        " WHERE e.status = 'completed' AND x.programme_id = ? ORDER BY x.starts_at, t.name, t.id", e);
    if (!s) return -1;
    store_bind_text(s, 1, programme_id);
    size_t cap = 0, pcap = 0;
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        struct id_index key = {store_col_text(s, 0), 0};
        const struct id_index *hit = bsearch(&key, ids, n, sizeof *ids, cmp_id);
        if (!hit) continue;
        if (out->ncompletions == cap) {
            cap = cap ? 2 * cap : 32;
            struct cascade_completion *more = arena_alloc(a, cap * sizeof *more);
            if (out->ncompletions) memcpy(more, out->completions, out->ncompletions * sizeof *more);
            out->completions = more;
        }
        if (out->ncompletions == pcap) {
            pcap = pcap ? 2 * pcap : 32;
            struct training_participant *more = arena_alloc(a, pcap * sizeof *more);
            if (out->ncompletions) memcpy(more, out->people, out->ncompletions * sizeof *more);
            out->people = more;
        }
        struct training_participant *p = &out->people[out->ncompletions];
        *p = (struct training_participant){
            .id = arena_strdup(a, store_col_text(s, 1)), .name = arena_strdup(a, store_col_text(s, 2)),
            .email = store_col_null(s, 3) ? NULL : arena_strdup(a, store_col_text(s, 3)),
            .institution_id = store_col_null(s, 4) ? NULL : arena_strdup(a, store_col_text(s, 4)),
            .institution_name = store_col_null(s, 5) ? NULL : arena_strdup(a, store_col_text(s, 5)),
            .role = arena_strdup(a, store_col_text(s, 6)),
            .user_id = store_col_null(s, 7) ? NULL : arena_strdup(a, store_col_text(s, 7)),
            .pseudonym = arena_strdup(a, store_col_text(s, 8))};
        out->completions[out->ncompletions++] = (struct cascade_completion){hit->index, p->id};
    }
    store_done(s);
    if (rc < 0) return -1;
    return training_cascade_compute(a, cs, n, out->completions, out->ncompletions, &out->cascade, e);
}

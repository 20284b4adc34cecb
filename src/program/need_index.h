/* need_index: a composite need index over institutions, following the OECD/JRC Handbook on
 * Constructing Composite Indicators (2008): indicators normalised, weighted, aggregated within
 * domains and then across domains, with a stated rule for missing data, scores on 0-100 and an
 * explanation of each score indicator by indicator. Pure computation: no database, no HTTP.
 * docs/need-index.md says the same for coordinators and partners.
 *
 * Ownership: ni_compute() and ni_explain() allocate everything they return in the caller's
 * arena; the inputs (struct ni_model) are only read and must outlive nothing.
 *
 * ---- The method, exactly ----
 *
 * Input: x[i][j], institution i = 1..n, indicator j = 1..m, NaN where missing. Indicator j has a
 * direction d_j (+1: more means more need, e.g. learners per device; -1: less means more need,
 * e.g. devices per learner), a domain and a weight w_j >= 0 within its domain; domain k has a
 * weight W_k >= 0. Weights are relative: only their ratios matter. An indicator or a domain of
 * weight 0 is switched off and takes no part in anything below.
 *
 * 1. Normalisation, per indicator, over the institutions where it is present (n_j of them), so
 *    that a higher normalised value y always means more need:
 *    - min-max:  y = 100 (x - min) / (max - min)  when d = +1,
 *                y = 100 (max - x) / (max - min)  when d = -1;      y in [0, 100]
 *    - z-score:  y = d (x - mean) / sd, sd the population standard deviation (divisor n_j);
 *                y in standard deviations, mean 0
 *    - rank:     r = the average rank of d*x in ascending order (1 = least need; tied values
 *                share the average of the ranks they span), y = 100 (r - 1) / (n_j - 1); y in [0, 100]
 *    An indicator with no spread (max = min, or only one institution has it) separates no one:
 *    y = 50 (min-max, rank) or 0 (z-score) for every institution that has it.
 *
 * 2. Positivity for geometric means: when either level below is geometric, every normalised value
 *    is first shifted so that the smallest one of its indicator is 1:  v = y - min_i(y) + 1.
 *    Min-max and rank values then lie in [1, 101]; z-scores in [1, 1 + their range]. When both
 *    levels are arithmetic, v = y (no shift).
 *
 * 3. Missing data. For institution i, an indicator that is missing (NaN) is left out and the
 *    weights of the indicators present in its domain are rescaled to sum to 1:
 *        w'_j = w_j / sum(w_k : k in the domain, present for i).
 *    Institution i gets no score (NaN, status NI_MISSING_DOMAIN) when a domain has no indicator
 *    present, and none (NI_TOO_FEW) when fewer than min_share of the indicators (counted, not
 *    weighted) are present. Normalisation (step 1) uses every value present, also those of
 *    institutions that end without a score.
 *
 * 4. Aggregation within domain k:   arithmetic  D_k = sum_j w'_j v_j
 *                                   geometric   D_k = prod_j v_j ^ w'_j
 *    and across domains (W'_k = W_k / sum W):  arithmetic  A = sum_k W'_k D_k
 *                                              geometric   A = prod_k D_k ^ W'_k
 *    (With the shift of step 2, every v >= 1, so every D_k >= 1 and the geometric means exist.)
 *
 * 5. Score: the aggregate rescaled min-max over the institutions that have one:
 *        S = 100 (A - A_min) / (A_max - A_min),
 *    so the institution in most need scores 100 and the one in least need 0; scores are relative
 *    to the institutions assessed together. When all aggregates are equal, every S = 50.
 *
 * 6. Explanation. Each indicator's part p_j of the aggregate, with sum_j p_j = A exactly:
 *    arithmetic within: p_j = w'_j v_j;  geometric within: p_j = D_k w'_j ln v_j / sum_l w'_l ln v_l
 *    (by weight, p_j = D_k w'_j, when every ln v is 0); then across: arithmetic P_j = W'_k p_j;
 *    geometric P_j = A (W'_k ln D_k / sum_l W'_l ln D_l) p_j / D_k (the same by-weight fallback).
 *    The contribution to the score, in points, with sum_j c_j = S exactly:
 *        c_j = 100 (P_j - e_j A_min) / (A_max - A_min),   e_j = W'_k w'_j (its effective weight),
 *    i.e. what the indicator adds above its weighted share of the lowest aggregate. A contribution
 *    can be negative: that indicator pulls the institution below the least needy one.
 */
#ifndef EDUBRIDGE_NEED_INDEX_H
#define EDUBRIDGE_NEED_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct err;

enum ni_norm { NI_NORM_MINMAX, NI_NORM_ZSCORE, NI_NORM_RANK };
enum { NI_NORM_COUNT = 3 };
enum ni_agg { NI_AGG_ARITHMETIC, NI_AGG_GEOMETRIC };

const char *ni_norm_name(enum ni_norm n); /* "min-max", "z-score", "rank" */
const char *ni_agg_name(enum ni_agg a);   /* "arithmetic", "geometric" */

struct ni_indicator {
    const char *name;   /* short, for messages and explanations */
    int direction;      /* +1: more means more need; -1: less means more need */
    size_t domain;      /* index into ni_model.domains */
    double weight;      /* >= 0, relative within the domain; 0 switches it off */
};

struct ni_domain {
    const char *name;   /* "devices", "connectivity", "skills", "support", ... */
    double weight;      /* >= 0, relative across domains; 0 switches the domain off */
};

struct ni_model {
    size_t ninst, nind, ndom;
    const double *values;                 /* ninst x nind, row-major (institution by institution); NaN: missing */
    const struct ni_indicator *indicators; /* nind */
    const struct ni_domain *domains;       /* ndom */
};

struct ni_options {
    enum ni_norm norm;
    enum ni_agg within, across;
    double min_share; /* in [0, 1]: the least share of (switched-on) indicators present for a score */
};

enum ni_status {
    NI_SCORED,
    NI_MISSING_DOMAIN, /* a whole domain missing: no score */
    NI_TOO_FEW,        /* fewer indicators present than min_share: no score */
};

struct ni_result {
    size_t ninst, nind;
    double *score;             /* ninst: 0-100, NaN without a score */
    double *aggregate;         /* ninst: A of step 4, NaN without a score */
    enum ni_status *status;    /* ninst */
    size_t *missing_domain;    /* ninst: for NI_MISSING_DOMAIN, the first domain with nothing present */
    size_t *rank;              /* ninst: 1 = most need; equal scores share the best rank; 0 without a score */
    double *normalised;        /* ninst x nind: y of step 1, NaN where missing or switched off */
    double *value;             /* ninst x nind: v of step 2 (what is aggregated), NaN likewise */
    double agg_min, agg_max;   /* A_min, A_max over the scored institutions */
    size_t scored;             /* how many have a score */
};

/* Checks the model and the options: ERR_INVALID with a sentence naming what is wrong (a weight
 * that is negative or not a number, a direction other than +1/-1, a domain index out of range, a
 * domain with weight but no indicator of positive weight, no domain of positive weight,
 * min_share outside [0, 1]). */
int ni_check(const struct ni_model *m, const struct ni_options *o, struct err *e);

/* Computes the index (steps 1-5) into r, every array in a. */
int ni_compute(const struct ni_model *m, const struct ni_options *o, struct arena *a,
               struct ni_result *r, struct err *e);

/* One indicator's line in an explanation. */
struct ni_term {
    size_t indicator;
    bool present;         /* false: missing (or switched off); the numbers below are then NaN or 0 */
    double raw;           /* x */
    double normalised;    /* y (step 1) */
    double weight;        /* effective weight e_j = W'_k w'_j after the missing-data rule; 0 when missing */
    double part;          /* P_j: its part of the aggregate (step 6) */
    double contribution;  /* c_j: points of the 0-100 score (step 6) */
};

struct ni_explanation {
    size_t institution;
    enum ni_status status;
    double score, aggregate;
    struct ni_term *terms; /* nind: present ones by contribution, largest first (ties: indicator order),
                              then the missing ones in indicator order */
    size_t nterms;
};

/* The explanation of institution i's score from a result of ni_compute() with the same model and
 * options. For an institution without a score the terms are still listed (raw and normalised
 * values), with contributions NaN. */
int ni_explain(const struct ni_model *m, const struct ni_options *o, const struct ni_result *r,
               size_t i, struct arena *a, struct ni_explanation *out, struct err *e);

/* ---- Shared with need_sensitivity.c only. ---- */
#ifdef NI_INTERNAL
struct ni_sorter;
/* Step 1 for one normalisation: y (ninst x nind) and, when shift, step 2's v in place of y. For
 * indicators switched off, NaN. tmp, order: scratch of ninst each; srt: a sorter for ninst. */
void ni_normalise(const struct ni_model *m, enum ni_norm norm, bool shift, double *y, double *v,
                  double *tmp, uint32_t *order, struct ni_sorter *srt);
/* Steps 3-4 for one institution from its row of v: the aggregate, or NaN with *status set. */
double ni_aggregate_row(const struct ni_model *m, const struct ni_options *o, const double *vrow,
                        const double *w, const double *dw, enum ni_status *status, size_t *missing_domain);
/* Competition ranks (1 = largest; NaN: rank 0) of n values. */
void ni_rank_desc(const double *x, size_t n, size_t *rank);

/* Sorts idx[0..n) by key[idx[.]], highest first when desc, else lowest first; stable (equal keys
 * keep their order in idx); no key may be NaN. A radix sort: see need_index.c. */
struct ni_sorter {
    size_t cap;
    uint32_t *k32, *k32b;  /* cap: the keys' varying top 32 bits, two buffers */
    uint32_t *ixb;         /* cap: the second index buffer */
};
void ni_sorter_init(struct ni_sorter *s, size_t cap);
void ni_sorter_free(struct ni_sorter *s);
/* Returns the sorted keys' 32-bit prefixes (in s, valid until the next call): equal neighbours
 * there mean equal keys when *exact, and may when not (then compare the keys themselves). */
const uint32_t *ni_sort(struct ni_sorter *s, const double *key, uint32_t *idx, size_t n, bool desc, bool *exact);
#endif

#endif

/* need_sensitivity: how much an institution's place in the need ranking depends on choices that
 * could reasonably have been made otherwise (the weights, the normalisation, optionally the
 * aggregation): the uncertainty analysis of the OECD/JRC Handbook, step 7, by Monte Carlo.
 *
 * Each draw d = 0 .. draws-1 has its own xoshiro256** generator seeded with splitmix64 of
 * (seed + d) (base/rng.h), so a draw's outcome does not depend on the order draws run in or on how
 * many threads run them, and the same seed gives the same result everywhere. Within a draw, in
 * this order:
 *   1. when vary_norm, the normalisation: min-max, z-score or rank with probability 1/3 each
 *      (otherwise the base options' one);
 *   2. when vary_agg, the aggregation within domains, then across domains: arithmetic or
 *      geometric with probability 1/2 each (otherwise the base options');
 *   3. each indicator's weight multiplied by a factor uniform in [factor_lo, factor_hi)
 *      (default [0.5, 1.5)), in indicator order; then each domain's weight likewise, in domain
 *      order. Weights are then renormalised (to sum 1 within each domain, and across domains),
 *      which need_index.h's rescaling does anyway.
 * Then every scored institution's aggregate is computed as in need_index.h and the institutions are
 * ranked (1 = most need; equal aggregates share the best rank). The set of institutions with a
 * score does not change between draws (a factor is never 0), so ranks always run over the same set.
 *
 * Per institution: the median of its ranks over the draws (the mean of the two middle ones when
 * draws is even) and the 90% interval, from the 5th to the 95th percentile by the nearest-rank rule:
 * the ceil(0.05 draws)-th and the ceil(0.95 draws)-th smallest rank (50th and 950th of 1,000).
 *
 * Cost: draws x (a pass over the values + a radix sort of the scored institutions), spread over
 * threads when asked; memory 4 bytes per scored institution per draw (400 MB for 100,000 x 1,000)
 * plus a copy of the normalised values per normalisation drawn (three kinds of copy when the
 * aggregation varies too). Ownership: arrays returned live in the caller's arena. */
#ifndef EDUBRIDGE_NEED_SENSITIVITY_H
#define EDUBRIDGE_NEED_SENSITIVITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "program/need_index.h"

struct ni_sens_options {
    size_t draws;               /* 0: 1,000 */
    uint64_t seed;
    double factor_lo, factor_hi; /* both 0: 0.5 and 1.5; else 0 < lo <= hi */
    bool vary_norm;
    bool vary_agg;
    int threads;                /* 0 or 1: the calling thread only; the result never depends on it */
};

struct ni_sens_result {
    size_t ninst, draws;
    double *median;     /* ninst: median rank, NaN for an institution without a score */
    size_t *lo, *hi;    /* ninst: 5th and 95th percentile of its rank; 0 without a score */
    size_t norm_drawn[NI_NORM_COUNT]; /* how many draws used each normalisation */
    size_t scored;      /* institutions ranked in every draw */
};

/* Runs the analysis around the base options (min_share and, unless varied, the normalisation and
 * aggregation come from there). ERR_INVALID for a bad model, options or factor range. */
int ni_sensitivity(const struct ni_model *m, const struct ni_options *base, const struct ni_sens_options *so,
                   struct arena *a, struct ni_sens_result *r, struct err *e);

#endif

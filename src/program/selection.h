/* selection: the fair choice of pilot institutions as a binary integer programme (GLPK), with the
 * reasons for every choice, a reserve list, and a plain account of constraints that cannot be met.
 * Pure computation: no database, no HTTP. docs/need-index.md explains it for coordinators.
 *
 * The model. Candidates are the institutions with their need score (0-100, need_index.h), country,
 * formal or informal, urban or rural, and consent. Eligible: consent given (when required), a score
 * of at least min_need, not excluded. A forced inclusion is in whatever its score (even without
 * one, counted as 0) but never without consent or when also excluded. With N = size, or the number
 * eligible when fewer (result.note says so), choose x_i in {0, 1} over the eligible:
 *     maximise   sum_i q_i x_i
 *     subject to sum_i x_i = N
 *                sum_{i in country c} x_i <= k         for every country c (when max_per_country > 0)
 *                sum_{i informal} x_i >= m              (min_informal)
 *                sum_{i rural} x_i >= r,  r = ceil(min_rural_share * N)
 *                x_i = 1 for forced inclusions
 * where q_i is the score counted in units of u = 0.0001 * max(10, N) points (a thousandth of a point
 * for a pilot of 10), rounded: integral totals below a million units are where GLPK's
 * branch-and-bound is exact (it prunes on a tolerance of 1e-7 of the objective).
 *
 * Ties. The need order is by score, highest first, and by input order among equal scores. Among
 * selections of equal total (in units of u), the one whose members' places in the need order add up
 * to the least is taken (a second GLPK run, minimising that sum with the total fixed, checked in
 * exact integers afterwards), so a run is reproducible and an equal score never loses to a later one.
 *
 * Size. Only few candidates can matter, which keeps the programme small whatever n is (provably
 * exact; see reduce() in selection.c): per country and type (formal/informal x urban/rural) the best
 * min(k, N) in need order, and per type the best (N - 1) min(k, N) + 1 of those.
 *
 * Ownership: everything in struct sel_result lives in the caller's arena; candidates are only read,
 * and their strings are referred to, not copied. */
#ifndef EDUBRIDGE_SELECTION_H
#define EDUBRIDGE_SELECTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct err;

struct sel_candidate {
    const char *name;    /* in sentences */
    const char *country; /* ISO 3166 code; compared as text */
    bool informal, rural, consent;
    double score;        /* need score 0-100; NaN: none */
    bool excluded;       /* by the panel (or a decline): never chosen */
    bool forced;         /* by the panel: always chosen when it can be */
};

struct sel_rules {
    int size;               /* N, the pilot size, >= 1 */
    int max_per_country;    /* k; 0: no cap */
    int min_informal;       /* m; 0: none */
    double min_rural_share; /* in [0, 1] */
    double min_need;        /* a score below this is not eligible; 0: every score */
    bool require_consent;
    size_t explain_out;     /* how many left-out institutions to explain; 0: 10 */
    size_t reserve_size;    /* length of the reserve list; 0: 10 */
    /* The language of every sentence (reasons, problems, the note, errors): translate(translate_ctx,
     * msgid) gives the pattern for an English msgid (a whole sentence or phrase, marked N_() in
     * selection.c, with the same printf placeholders in the same order, as tests/i18n_check.py holds
     * the catalogues to). NULL, or a NULL answer: English. It is called during the call only. */
    const char *(*translate)(void *ctx, const char *msgid);
    void *translate_ctx;
};

/* Why a chosen institution is in. */
struct sel_in {
    size_t cand;
    size_t rank;          /* its place in the need ranking of every scored candidate, 1 = most need; 0: no score */
    bool forced;
    bool on_score;        /* among the N highest in need order of the eligible */
    bool for_informal;    /* informal, and the informal minimum is exactly met: it was needed */
    bool for_rural;       /* likewise for the rural minimum */
    const char *text;     /* the reason as a sentence */
};

enum sel_out_reason {
    SEL_OUT_EXCLUDED = 1 << 0,
    SEL_OUT_NO_CONSENT = 1 << 1,
    SEL_OUT_NO_SCORE = 1 << 2,
    SEL_OUT_BELOW_MIN_NEED = 1 << 3,
    SEL_OUT_LOWER_SCORE = 1 << 4,   /* below every selected one it could replace */
    SEL_OUT_COUNTRY_CAP = 1 << 5,   /* a swap would break its country's cap */
    SEL_OUT_INFORMAL_MIN = 1 << 6,  /* a swap would leave too few informal ones */
    SEL_OUT_RURAL_MIN = 1 << 7,     /* a swap would leave too few rural ones */
    SEL_OUT_FORCED = 1 << 8,        /* the places below its score all went to forced inclusions */
    SEL_OUT_TIE = 1 << 9,           /* an equal total without it: the tie rule chose (should not occur) */
};

/* Why one of the nearest left out is out. */
struct sel_out {
    size_t cand;
    size_t rank;
    unsigned reasons; /* enum sel_out_reason bits */
    const char *text;
};

struct sel_result {
    bool feasible;
    size_t eligible;       /* candidates eligible */
    size_t target;         /* N, or fewer when fewer are eligible */
    size_t required_rural; /* r */
    const char *note;      /* NULL, or why fewer than size are chosen */
    /* When infeasible: every reason found, each a sentence; chosen is then empty. */
    const char **problems;
    size_t nproblems;
    size_t *chosen;        /* indices into the candidates, in need order */
    size_t nchosen;
    double total;          /* the sum of the chosen scores */
    int64_t total_units;   /* the objective: sum of q_i */
    int64_t order_sum;     /* the tie-break: sum of the chosen places in the need order (0-based) */
    size_t informal, rural;
    struct sel_in *why;    /* nchosen, parallel to chosen */
    struct sel_out *out;   /* the nearest left out, in need order */
    size_t nout;
    size_t *reserve;       /* eligible, not chosen, each able to replace some chosen one: in need order */
    size_t nreserve;
    size_t reduced;        /* variables in the integer programme after the reduction */
};

/* The unit u of the objective for a selection of n (see above). */
double sel_score_unit(size_t n);

/* Runs the selection. Returns 0 with r filled: r->feasible false, with every reason found in
 * r->problems, when the rules cannot be met (a candidate both forced and excluded, or forced without
 * consent, is such a problem, not an error). ERR_INVALID for rules that make no sense (size < 1, a
 * negative cap or minimum, a share outside [0, 1], a score outside 0-100); ERR_INTERNAL when GLPK
 * fails unexpectedly. Single runs are independent: GLPK keeps its state per thread. */
int sel_run(const struct sel_candidate *c, size_t n, const struct sel_rules *rules, struct arena *a,
            struct sel_result *r, struct err *e);

/* Whether chosen (target members) keeps every rule: target members, all eligible or forced, no
 * exclusion, caps, minimums. false with a sentence in e naming the first rule broken. */
bool sel_satisfies(const struct sel_candidate *c, size_t n, const struct sel_rules *rules, const size_t *chosen,
                   size_t target, struct err *e);

/* The best replacement for chosen[..] member declining (a candidate index in chosen): the first
 * candidate in need order, eligible, not chosen, not declining itself, such that the selection with
 * it in declining's place keeps every rule. Mark earlier declines as excluded in c. 0 with *out set,
 * or ERR_NOT_FOUND with a sentence when none keeps the rules, ERR_INVALID when declining is not chosen. */
int sel_replacement(const struct sel_candidate *c, size_t n, const struct sel_rules *rules, const size_t *chosen,
                    size_t nchosen, size_t declining, size_t *out, struct err *e);

/* The sentence sel_replacement gives when nobody can take the place of declining_name (NULL or "": an
 * unnamed one), through rules->translate, in a: a caller that stored the English one can say it again
 * in a reader's language. */
const char *sel_unfilled(const struct sel_rules *rules, const char *declining_name, struct arena *a);

#endif

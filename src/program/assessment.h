/* assessment: a campaign's need index over the institution register (issue 5), from the database
 * to need_index.h's pure computation and back: which indicators (expressions over the register
 * fields and the survey answers, need_expr.h), their domains, weights and method, stored per
 * campaign; which institutions are assessed, with what data; their scores, ranks, sensitivity
 * intervals and the explanation of each score. docs/need-index.md says it for coordinators.
 *
 * Who is assessed. Every institution of the register that is not merged away. Its data is its
 * register fields (names as in institutions.h: learners, devices, connectivity...) and the answers
 * of the newest answer set linked to it from the campaign's form within the campaign's days
 * (names as in the form: the survey's question names). An imported institution without an answer
 * set has only its register fields; the missing-data rule then decides whether it gets a score.
 *
 * The model is stored as JSON per campaign (need_models, migration 12); a campaign without one
 * uses the shipped default (assess_model_default), written for the needs survey. Saving checks
 * every expression against the names the register and the form know, and the whole model with
 * ni_check(), so a stored model always computes. Everything returned lives in the caller's arena. */
#ifndef EDUBRIDGE_ASSESSMENT_H
#define EDUBRIDGE_ASSESSMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "program/campaign.h"
#include "program/need_index.h"
#include "program/need_sensitivity.h"
#include "store/audit.h"

struct arena;
struct err;
struct store;

enum { ASSESS_DOMAINS_MAX = 8, ASSESS_INDICATORS_MAX = 64, ASSESS_NAME_MAX = 64, ASSESS_EXPR_MAX = 1000 };

struct assess_indicator {
    const char *id;         /* a slug, [a-z0-9_], unique in the model: "learners_per_device" */
    const char *label;      /* what it measures, for people (English; shown as written) */
    const char *domain;     /* the id of one of the model's domains */
    const char *expr;       /* need_expr.h expression */
    int direction;          /* +1 more means more need, -1 less means more need */
    double weight;          /* >= 0 within the domain */
};

struct assess_domain {
    const char *id;         /* "devices", "connectivity", "skills", "support" */
    const char *label;
    double weight;          /* >= 0 across domains */
};

struct assess_model {
    struct assess_domain *domains;
    size_t ndomains;
    struct assess_indicator *indicators;
    size_t nindicators;
    enum ni_norm norm;
    enum ni_agg within, across;
    double min_share;       /* 0-1: least share of indicators present for a score */
    size_t draws;           /* sensitivity draws, default 1,000 */
    uint64_t seed;          /* sensitivity seed: the same seed, the same intervals */
};

/* The shipped model for the needs survey: four domains (devices, connectivity, skills, support)
 * of equal weight, min-max, arithmetic, min_share 0.5, 1,000 draws, seed 2025. */
void assess_model_default(struct arena *a, struct assess_model *m);

/* The campaign's stored model, or the default when none is stored (*stored false). */
int assess_model_load(struct store *st, struct arena *a, const struct campaign *c, struct assess_model *m,
                      bool *stored, struct err *e);

/* Checks m against the names the register and the campaign's form know, and with ni_check():
 * ERR_INVALID naming the indicator and what is wrong. */
int assess_model_check(struct store *st, struct arena *a, const struct campaign *c, const struct assess_model *m,
                       struct err *e);

/* Checks and stores m for the campaign, audited as need.model with the JSON. */
int assess_model_save(struct store *st, struct arena *a, const struct campaign *c, const struct assess_model *m,
                      const struct audit_actor *by, struct err *e);

/* Removes the campaign's own model, so that it uses the shipped one again; audited as
 * need.model_reset. */
int assess_model_reset(struct store *st, const struct campaign *c, const struct audit_actor *by, struct err *e);

/* The model as JSON text and back (the stored form; also what a selection run freezes). */
char *assess_model_json(struct arena *a, const struct assess_model *m);
int assess_model_parse(struct arena *a, const char *json, struct assess_model *m, struct err *e);

/* One assessed institution. */
struct assess_row {
    const char *institution_id;
    const char *name;
    const char *kind;        /* school, stem_club, education_centre; NULL unknown */
    const char *country;     /* ISO code; NULL unknown */
    const char *status;      /* the register's status */
    bool informal;           /* formal == "0" */
    bool rural;              /* area rural or remote */
    bool consent;            /* its newest linked answer set gave consent; false without one */
    const char *submission_id; /* the answer set read, NULL none */
    double score;            /* 0-100, NaN none */
    size_t rank;             /* 1 = most need; 0 none */
    enum ni_status why_none; /* when no score */
    const char *missing_domain; /* for NI_MISSING_DOMAIN: the domain's label */
    double median_rank;      /* sensitivity; NaN when not run or no score */
    size_t rank_lo, rank_hi; /* 90% interval; 0 when not run or no score */
};

struct assessment {
    const struct campaign *campaign;
    struct assess_model model;
    bool model_stored;
    struct assess_row *rows;   /* in register order (name); see assess_order for need order */
    size_t nrows;
    size_t *order;             /* nrows indices, highest score first, unscored last by name */
    size_t scored;
    size_t eval_failures;      /* values that could not be computed (counted as missing) */
    const char *first_failure; /* the first such, as a sentence, or NULL */
    bool sensitivity;          /* whether median_rank and the intervals are filled */
    int64_t computed_ms;       /* the clock today() and now() read */
    /* What ni_compute was given and gave, for explanations. */
    struct ni_model ni;
    struct ni_options opts;
    struct ni_result result;
};

/* Computes the campaign's index with its model (stored or default); with sensitivity, also the
 * 1,000-draw analysis (model.draws, model.seed). */
int assess_compute(struct store *st, struct arena *a, const struct campaign *c, bool sensitivity,
                   struct assessment *out, struct err *e);

/* The row of institution_id, or -1. */
long assess_find(const struct assessment *as, const char *institution_id);

/* The explanation of row i's score (need_index.h's ni_explain). */
int assess_explain(const struct assessment *as, size_t i, struct arena *a, struct ni_explanation *out,
                   struct err *e);

/* The ranking as a table for the downloads (forms/table_out.h), in need order: rank, the
 * institution, its country, kind, informal, rural, consent, score, the sensitivity figures when
 * computed, the reason for no score, then each indicator's raw value. No personal data. */
struct table_out;
void assess_table(const struct assessment *as, struct arena *a, struct table_out *t);

/* Why row r has no score, as an English sentence (a msgid with %s for the domain): NULL when it
 * has one. */
const char *assess_why_none(const struct assess_row *r);

/* The campaign used for selection by default: the programme's needs-survey campaign (kind
 * "needs_survey"), the newest opening first; ERR_NOT_FOUND when it has none. */
int assess_needs_campaign(struct store *st, struct arena *a, const char *programme_id, struct campaign **out,
                          struct err *e);

#endif

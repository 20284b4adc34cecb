#include "program/assessment.h"

#include "base/arena.h"
#include "base/err.h"
#include "base/i18n.h"
#include "base/str.h"
#include "base/timeutil.h"
#include "forms/form.h"
#include "forms/form_store.h"
#include "program/institutions.h"
#include "forms/table_out.h"
#include "program/need_expr.h"
#include "store/store.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- the shipped model ------------------------------------------------------------------------ */

/* Written for the needs survey (data/forms/needs-survey.md) and the register. Each indicator maps
 * an answer to a number where the answer is an ordered choice; "don't know" and unanswered give ''
 * (missing), so the missing-data rule, not a guess, decides. Register fields (learners, devices,
 * connectivity) are used where the register has them, so that imported institutions are assessed
 * on the same footing as surveyed ones. */
static const struct assess_domain default_domains[] = {
    {"devices", N_("Devices"), 1},
    {"connectivity", N_("Connectivity"), 1},
    {"skills", N_("Digital skills"), 1},
    {"support", N_("Support and planning"), 1},
};

static const struct assess_indicator default_indicators[] = {
    {"learners_per_device", N_("Learners per working device"), "devices", "${learners} div max(${devices}, 1)", +1, 1},
    {"device_care", N_("Nobody looks after the devices"), "devices",
     "if(${maintainer} = 'nobody', 2, if(${maintainer} = 'staff', 1, if(${maintainer} = 'technician' or "
     "${maintainer} = 'external' or ${maintainer} = 'authority', 0, '')))",
     +1, 1},
    {"connection", N_("How poor the internet connection is"), "connectivity",
     "if(${connectivity} = 'none', 4, if(${connectivity} = 'mobile_only', 3, if(${connectivity} = 'fixed_slow', 2, "
     "if(${connectivity} = 'fixed_medium', 1, if(${connectivity} = 'fixed_fast', 0, '')))))",
     +1, 1},
    {"reliability", N_("How often the connection fails"), "connectivity",
     "if(${connectivity} = 'none', 2, if(${reliability} = 'rarely_works', 2, if(${reliability} = "
     "'often_interrupted', 1, if(${reliability} = 'almost_always', 0, ''))))",
     +1, 1},
    {"teachers_confident", N_("Teachers confident with digital tools (1-5)"), "skills", "${teachers_confident}", -1, 1},
    {"teachers_trained", N_("Share of teachers trained in the last 2 years (%)"), "skills",
     "if(${training_share} = 'none', 0, if(${training_share} = 'pct_1_25', 13, if(${training_share} = "
     "'pct_26_50', 38, if(${training_share} = 'pct_51_75', 63, if(${training_share} = 'pct_76_100', 88, '')))))",
     -1, 1},
    {"learners_safe_online", N_("Learners know how to stay safe online (1-5)"), "skills", "${learners_safe_online}",
     -1, 1},
    {"digital_plan", N_("No plan for digital technology"), "support",
     "if(${digital_plan} = 'no', 2, if(${digital_plan} = 'in_progress', 1, if(${digital_plan} = 'yes', 0, '')))", +1,
     1},
    {"tech_use", N_("How rarely technology is used in lessons"), "support",
     "if(${tech_frequency} = 'never', 3, if(${tech_frequency} = 'less_than_weekly', 2, if(${tech_frequency} = "
     "'weekly', 1, if(${tech_frequency} = 'daily', 0, ''))))",
     +1, 1},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

void assess_model_default(struct arena *a, struct assess_model *m)
{
    memset(m, 0, sizeof *m);
    m->ndomains = COUNT(default_domains);
    m->domains = arena_memdup(a, default_domains, sizeof default_domains);
    m->nindicators = COUNT(default_indicators);
    m->indicators = arena_memdup(a, default_indicators, sizeof default_indicators);
    m->norm = NI_NORM_MINMAX;
    m->within = m->across = NI_AGG_ARITHMETIC;
    m->min_share = 0.5;
    m->draws = 1000;
    m->seed = 2025;
}

/* ---- JSON ------------------------------------------------------------------------------------- */

static const char *norm_id(enum ni_norm n) { return n == NI_NORM_ZSCORE ? "z-score" : n == NI_NORM_RANK ? "rank" : "min-max"; }
static const char *agg_id(enum ni_agg g) { return g == NI_AGG_GEOMETRIC ? "geometric" : "arithmetic"; }

char *assess_model_json(struct arena *a, const struct assess_model *m)
{
    json_t *doms = json_array(), *inds = json_array();
    for (size_t k = 0; k < m->ndomains; k++)
        json_array_append_new(doms, json_pack("{s:s, s:s, s:f}", "id", m->domains[k].id, "label",
                                              m->domains[k].label ? m->domains[k].label : "", "weight",
                                              m->domains[k].weight));
    for (size_t j = 0; j < m->nindicators; j++) {
        const struct assess_indicator *x = &m->indicators[j];
        json_array_append_new(inds, json_pack("{s:s, s:s, s:s, s:s, s:i, s:f}", "id", x->id, "label",
                                              x->label ? x->label : "", "domain", x->domain, "expr", x->expr,
                                              "direction", x->direction, "weight", x->weight));
    }
    char seed[24];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)m->seed);
    json_t *root = json_pack("{s:o, s:o, s:s, s:s, s:s, s:f, s:I, s:s}", "domains", doms, "indicators", inds,
                             "normalisation", norm_id(m->norm), "within", agg_id(m->within), "across",
                             agg_id(m->across), "min_share", m->min_share, "draws", (json_int_t)m->draws, "seed",
                             seed);
    char *text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(root);
    char *out = arena_strdup(a, text ? text : "{}");
    free(text);
    return out;
}

static const char *jstr(struct arena *a, json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? arena_strdup(a, json_string_value(v)) : NULL;
}

static bool jnum(json_t *o, const char *key, double *out)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_number(v)) return false;
    *out = json_number_value(v);
    return true;
}

int assess_model_parse(struct arena *a, const char *text, struct assess_model *m, struct err *e)
{
    memset(m, 0, sizeof *m);
    json_error_t je;
    json_t *root = json_loads(text ? text : "", 0, &je);
    if (!json_is_object(root)) {
        json_decref(root);
        return err_set(e, ERR_INVALID, "The need model is not a JSON object (line %d: %s).", je.line, je.text);
    }
    int rc = 0;
    json_t *doms = json_object_get(root, "domains"), *inds = json_object_get(root, "indicators");
    if (!json_is_array(doms) || !json_is_array(inds)) {
        rc = err_set(e, ERR_INVALID, "The need model needs a list of domains and a list of indicators.");
        goto out;
    }
    m->ndomains = json_array_size(doms);
    m->nindicators = json_array_size(inds);
    if (m->ndomains > ASSESS_DOMAINS_MAX || m->nindicators > ASSESS_INDICATORS_MAX) {
        rc = err_set(e, ERR_LIMIT, "A need model has at most %d domains and %d indicators.", ASSESS_DOMAINS_MAX,
                     ASSESS_INDICATORS_MAX);
        goto out;
    }
    m->domains = arena_calloc(a, m->ndomains ? m->ndomains : 1, sizeof *m->domains);
    m->indicators = arena_calloc(a, m->nindicators ? m->nindicators : 1, sizeof *m->indicators);
    for (size_t k = 0; k < m->ndomains; k++) {
        json_t *d = json_array_get(doms, k);
        struct assess_domain *x = &m->domains[k];
        x->id = jstr(a, d, "id");
        x->label = jstr(a, d, "label");
        if (!x->id || !jnum(d, "weight", &x->weight)) {
            rc = err_set(e, ERR_INVALID, "Domain %zu of the need model lacks an id or a weight.", k + 1);
            goto out;
        }
    }
    for (size_t j = 0; j < m->nindicators; j++) {
        json_t *d = json_array_get(inds, j);
        struct assess_indicator *x = &m->indicators[j];
        double dir = 0;
        x->id = jstr(a, d, "id");
        x->label = jstr(a, d, "label");
        x->domain = jstr(a, d, "domain");
        x->expr = jstr(a, d, "expr");
        if (!x->id || !x->domain || !x->expr || !jnum(d, "direction", &dir) || !jnum(d, "weight", &x->weight)) {
            rc = err_set(e, ERR_INVALID,
                         "Indicator %zu of the need model lacks an id, a domain, an expression, a direction or a weight.",
                         j + 1);
            goto out;
        }
        x->direction = dir > 0 ? 1 : dir < 0 ? -1 : 0;
    }
    const char *norm = json_string_value(json_object_get(root, "normalisation"));
    m->norm = norm && strcmp(norm, "z-score") == 0 ? NI_NORM_ZSCORE
              : norm && strcmp(norm, "rank") == 0  ? NI_NORM_RANK
                                                   : NI_NORM_MINMAX;
    const char *w = json_string_value(json_object_get(root, "within"));
    const char *c = json_string_value(json_object_get(root, "across"));
    m->within = w && strcmp(w, "geometric") == 0 ? NI_AGG_GEOMETRIC : NI_AGG_ARITHMETIC;
    m->across = c && strcmp(c, "geometric") == 0 ? NI_AGG_GEOMETRIC : NI_AGG_ARITHMETIC;
    if (!jnum(root, "min_share", &m->min_share)) m->min_share = 0.5;
    double draws = 1000;
    jnum(root, "draws", &draws);
    m->draws = draws >= 1 && draws <= 100000 ? (size_t)draws : 1000;
    const char *seed = json_string_value(json_object_get(root, "seed"));
    m->seed = seed ? strtoull(seed, NULL, 10) : 2025;
out:
    json_decref(root);
    return rc;
}

/* ---- checking --------------------------------------------------------------------------------- */

/* The names an indicator may read: the register's fields that describe the institution (not its
 * contact person, which is personal data and says nothing of need, nor its status) and the
 * campaign form's questions and calculations. */
static int known_names(struct store *st, struct arena *a, const struct campaign *c, const char ***out, size_t *n,
                       struct err *e)
{
    struct form *f = NULL;
    struct form_version_info v;
    if (c && c->form_id && form_store_latest(st, a, c->form_id, &v, e) == 0) {
        if (form_store_load(st, a, v.id, &f, e) < 0) return e->code;
    } else {
        err_clear(e);
    }
    size_t cap = INST_FIELD_COUNT + (f ? f->nfields : 0);
    const char **names = arena_calloc(a, cap ? cap : 1, sizeof *names);
    size_t k = 0;
    for (int i = 0; i < INST_FIELD_COUNT; i++)
        if (!inst_field_personal((enum inst_field)i) && i != INST_STATUS) names[k++] = inst_field_name((enum inst_field)i);
    for (size_t i = 0; f && i < f->nfields; i++)
        if (form_type_is_input(f->fields[i].type) || f->fields[i].type == FT_CALCULATE)
            names[k++] = f->fields[i].name;
    *out = names;
    *n = k;
    return 0;
}

static bool slug_ok(const char *s)
{
    if (!s || !*s || strlen(s) > ASSESS_NAME_MAX) return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) return false;
    return true;
}

static long domain_index(const struct assess_model *m, const char *id)
{
    for (size_t k = 0; k < m->ndomains; k++)
        if (id && strcmp(m->domains[k].id, id) == 0) return (long)k;
    return -1;
}

/* The pure model of ni_check()/ni_compute() for m, over values (may be NULL when ninst is 0). */
static void to_ni(struct arena *a, const struct assess_model *m, size_t ninst, const double *values,
                  struct ni_model *ni, struct ni_options *o)
{
    struct ni_domain *d = arena_calloc(a, m->ndomains ? m->ndomains : 1, sizeof *d);
    struct ni_indicator *x = arena_calloc(a, m->nindicators ? m->nindicators : 1, sizeof *x);
    for (size_t k = 0; k < m->ndomains; k++) d[k] = (struct ni_domain){m->domains[k].id, m->domains[k].weight};
    for (size_t j = 0; j < m->nindicators; j++) {
        long k = domain_index(m, m->indicators[j].domain);
        x[j] = (struct ni_indicator){m->indicators[j].id, m->indicators[j].direction,
                                     k < 0 ? m->ndomains : (size_t)k, m->indicators[j].weight};
    }
    *ni = (struct ni_model){.ninst = ninst, .nind = m->nindicators, .ndom = m->ndomains, .values = values,
                            .indicators = x, .domains = d};
    *o = (struct ni_options){.norm = m->norm, .within = m->within, .across = m->across, .min_share = m->min_share};
}

int assess_model_check(struct store *st, struct arena *a, const struct campaign *c, const struct assess_model *m,
                       struct err *e)
{
    if (m->ndomains > ASSESS_DOMAINS_MAX || m->nindicators > ASSESS_INDICATORS_MAX)
        return err_set(e, ERR_LIMIT, "A need model has at most %d domains and %d indicators.", ASSESS_DOMAINS_MAX,
                       ASSESS_INDICATORS_MAX);
    for (size_t k = 0; k < m->ndomains; k++) {
        if (!slug_ok(m->domains[k].id))
            return err_set(e, ERR_INVALID, "Domain %zu: an id is lower-case letters, digits and '_', at most %d.",
                           k + 1, ASSESS_NAME_MAX);
        for (size_t l = 0; l < k; l++)
            if (strcmp(m->domains[l].id, m->domains[k].id) == 0)
                return err_set(e, ERR_INVALID, "Domain '%s' is listed twice.", m->domains[k].id);
    }
    const char **names;
    size_t nnames;
    if (known_names(st, a, c, &names, &nnames, e) < 0) return e->code;
    for (size_t j = 0; j < m->nindicators; j++) {
        const struct assess_indicator *x = &m->indicators[j];
        if (!slug_ok(x->id))
            return err_set(e, ERR_INVALID, "Indicator %zu: an id is lower-case letters, digits and '_', at most %d.",
                           j + 1, ASSESS_NAME_MAX);
        for (size_t l = 0; l < j; l++)
            if (strcmp(m->indicators[l].id, x->id) == 0)
                return err_set(e, ERR_INVALID, "Indicator '%s' is listed twice.", x->id);
        if (domain_index(m, x->domain) < 0)
            return err_set(e, ERR_INVALID, "Indicator '%s' names domain '%s', which the model does not have.", x->id,
                           x->domain ? x->domain : "");
        if (!x->expr || !*x->expr || strlen(x->expr) > ASSESS_EXPR_MAX)
            return err_set(e, ERR_INVALID, "Indicator '%s' needs an expression of at most %d characters.", x->id,
                           ASSESS_EXPR_MAX);
        struct err pe;
        err_clear(&pe);
        if (!ni_expr_parse(a, x->expr, names, nnames, &pe))
            return err_set(e, ERR_INVALID, "Indicator '%s': %s", x->id, pe.msg);
    }
    if (!(m->draws >= 1 && m->draws <= 100000))
        return err_set(e, ERR_INVALID, "The sensitivity analysis takes between 1 and 100,000 draws.");
    struct ni_model ni;
    struct ni_options o;
    to_ni(a, m, 0, NULL, &ni, &o);
    return ni_check(&ni, &o, e) < 0 ? e->code : 0;
}

/* ---- storing ---------------------------------------------------------------------------------- */

int assess_model_load(struct store *st, struct arena *a, const struct campaign *c, struct assess_model *m,
                      bool *stored, struct err *e)
{
    *stored = false;
    struct store_stmt *s = store_prepare(st, "SELECT model FROM need_models WHERE campaign_id = ?", e);
    if (!s) return e->code;
    store_bind_text(s, 1, c->id);
    int rc = store_step(s, e);
    char *text = rc == 1 ? arena_strdup(a, store_col_text(s, 0)) : NULL;
    store_done(s);
    if (rc < 0) return e->code;
    if (!text) {
        assess_model_default(a, m);
        return 0;
    }
    *stored = true;
    return assess_model_parse(a, text, m, e);
}

int assess_model_save(struct store *st, struct arena *a, const struct campaign *c, const struct assess_model *m,
                      const struct audit_actor *by, struct err *e)
{
    if (assess_model_check(st, a, c, m, e) < 0) return e->code;
    char *text = assess_model_json(a, m);
    char now[32];
    time_format_iso(time_now_ms(), now, sizeof now);
    if (store_begin(st, e) < 0) return e->code;
    struct store_stmt *s = store_prepare(st,
                                         "INSERT INTO need_models (campaign_id, model, updated_at, updated_by)"
                                         " VALUES (?, ?, ?, ?) ON CONFLICT (campaign_id) DO UPDATE SET"
                                         " model = excluded.model, updated_at = excluded.updated_at,"
                                         " updated_by = excluded.updated_by",
                                         e);
    if (!s) goto fail;
    store_bind_text(s, 1, c->id);
    store_bind_text(s, 2, text);
    store_bind_text(s, 3, now);
    if (by && by->label) store_bind_text(s, 4, by->label);
    else store_bind_null(s, 4);
    if (store_run(s, e) < 0) goto fail;
    json_t *detail = json_pack("{s:s, s:o}", "programme_id", c->programme_id, "model", json_loads(text, 0, NULL));
    const char *ids[] = {c->id};
    if (audit_record_json(st, by, "need.model", "campaign", ids, 1, detail, e) < 0) goto fail;
    if (store_commit(st, e) < 0) goto fail;
    return 0;
fail:
    store_rollback(st);
    return e->code ? e->code : ERR_IO;
}

int assess_model_reset(struct store *st, const struct campaign *c, const struct audit_actor *by, struct err *e)
{
    if (store_begin(st, e) < 0) return e->code;
    struct store_stmt *s = store_prepare(st, "DELETE FROM need_models WHERE campaign_id = ?", e);
    if (!s) goto fail;
    store_bind_text(s, 1, c->id);
    if (store_run(s, e) < 0) goto fail;
    const char *ids[] = {c->id};
    if (audit_record_json(st, by, "need.model_reset", "campaign", ids, 1,
                          json_pack("{s:s}", "programme_id", c->programme_id), e) < 0)
        goto fail;
    if (store_commit(st, e) < 0) goto fail;
    return 0;
fail:
    store_rollback(st);
    return e->code ? e->code : ERR_IO;
}

/* ---- computing -------------------------------------------------------------------------------- */

/* The register's columns an indicator may read, in enum inst_field order for those it lists. */
static const enum inst_field register_fields[] = {INST_NAME,      INST_KIND,     INST_FORMAL,   INST_COUNTRY,
                                                  INST_REGION,    INST_AREA,     INST_LATITUDE, INST_LONGITUDE,
                                                  INST_LEARNERS,  INST_TEACHERS, INST_DEVICES,  INST_CONNECTIVITY};
enum { NREG = COUNT(register_fields) };

struct loaded {
    const char *id, *status;
    const char *reg[NREG];
    const char *submission_id, *answers, *consent;
};

static const char *col_or_null(struct arena *a, struct store_stmt *s, int i)
{
    return store_col_null(s, i) ? NULL : arena_strdup(a, store_col_text(s, i));
}

static int load_register(struct store *st, struct arena *a, struct loaded **out, size_t *n, struct err *e)
{
    struct store_stmt *s = store_prepare(st,
                                         "SELECT id, status, name, kind, formal, country, region, area, latitude,"
                                         " longitude, learners, teachers, devices, connectivity FROM institutions"
                                         " WHERE merged_into IS NULL ORDER BY name_key, id",
                                         e);
    if (!s) return e->code;
    size_t cap = 64, k = 0;
    struct loaded *v = arena_alloc(a, cap * sizeof *v);
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        if (k == cap) {
            struct loaded *w = arena_alloc(a, 2 * cap * sizeof *w);
            memcpy(w, v, cap * sizeof *v);
            v = w, cap *= 2;
        }
        struct loaded *x = &v[k++];
        memset(x, 0, sizeof *x);
        x->id = col_or_null(a, s, 0);
        x->status = col_or_null(a, s, 1);
        for (int i = 0; i < NREG; i++) {
            /* Numbers as the register writes them: an integer column read as text is "12", a real "12.5". */
            x->reg[i] = col_or_null(a, s, 2 + i);
        }
    }
    store_done(s);
    if (rc < 0) return e->code;
    *out = v;
    *n = k;
    return 0;
}

struct id_pos {
    const char *id;
    size_t i;
};

static int id_pos_cmp(const void *x, const void *y)
{
    return strcmp(((const struct id_pos *)x)->id, ((const struct id_pos *)y)->id);
}

/* Each institution's newest answer set from the campaign's form, first submitted within its days. */
static int load_answers(struct store *st, struct arena *a, const struct campaign *c, struct loaded *v, size_t n,
                        struct err *e)
{
    struct store_stmt *s = store_prepare(
        st,
        "SELECT l.institution_id, s.id, s.answers, s.consent FROM institution_submissions l"
        " JOIN submissions s ON s.id = l.submission_id"
        " JOIN submissions f ON f.instance_id = s.instance_id AND f.revision = 1"
        " WHERE l.form_id = ?1 AND s.status = 'submitted'"
        " AND (?2 IS NULL OR substr(f.submitted_at, 1, 10) >= ?2)"
        " AND (?3 IS NULL OR substr(f.submitted_at, 1, 10) <= ?3)"
        " ORDER BY l.institution_id, f.submitted_at DESC, s.id DESC",
        e);
    if (!s) return e->code;
    store_bind_text(s, 1, c->form_id ? c->form_id : "");
    if (c->opens_on && *c->opens_on) store_bind_text(s, 2, c->opens_on);
    else store_bind_null(s, 2);
    if (c->closes_on && *c->closes_on) store_bind_text(s, 3, c->closes_on);
    else store_bind_null(s, 3);
    /* v is in name order; find each row's institution by id through a sorted index. */
    struct id_pos *idx = arena_alloc(a, (n ? n : 1) * sizeof *idx);
    for (size_t i = 0; i < n; i++) idx[i] = (struct id_pos){v[i].id, i};
    qsort(idx, n, sizeof *idx, id_pos_cmp);
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        struct id_pos key = {store_col_text(s, 0), 0};
        struct id_pos *hit = bsearch(&key, idx, n, sizeof *idx, id_pos_cmp);
        if (!hit) continue; /* linked to a record merged away */
        struct loaded *x = &v[hit->i];
        if (x->submission_id) continue; /* an older answer set of the same institution */
        x->submission_id = col_or_null(a, s, 1);
        x->answers = col_or_null(a, s, 2);
        x->consent = col_or_null(a, s, 3);
    }
    store_done(s);
    return rc < 0 ? e->code : 0;
}

/* The record an indicator reads: the register's fields first (so that ${devices} is the register's
 * figure, which an import may have corrected), then the answer set's answers that are text (a
 * repeat's answers are lists and cannot be read by name). */
static void make_record(struct arena *a, const struct loaded *x, struct ni_record *rec)
{
    json_t *answers = x->answers ? json_loads(x->answers, 0, NULL) : NULL;
    size_t cap = NREG + (json_is_object(answers) ? json_object_size(answers) : 0);
    struct ni_field *f = arena_calloc(a, cap ? cap : 1, sizeof *f);
    size_t k = 0;
    for (int i = 0; i < NREG; i++) f[k++] = (struct ni_field){inst_field_name(register_fields[i]), x->reg[i]};
    const char *key;
    json_t *val;
    if (json_is_object(answers)) {
        json_object_foreach(answers, key, val) {
            if (json_is_string(val)) f[k++] = (struct ni_field){arena_strdup(a, key), arena_strdup(a, json_string_value(val))};
        }
    }
    json_decref(answers);
    rec->fields = f;
    rec->count = k;
}

static const char *domain_label(const struct assess_model *m, size_t k)
{
    if (k >= m->ndomains) return "";
    return m->domains[k].label && *m->domains[k].label ? m->domains[k].label : m->domains[k].id;
}

static int by_need(const void *x, const void *y, void *ctx)
{
    const struct assess_row *r = ctx;
    size_t i = *(const size_t *)x, j = *(const size_t *)y;
    bool si = !isnan(r[i].score), sj = !isnan(r[j].score);
    if (si != sj) return si ? -1 : 1;
    if (si && r[i].score != r[j].score) return r[i].score > r[j].score ? -1 : 1;
    return i < j ? -1 : i > j; /* register (name) order among equals */
}

int assess_compute(struct store *st, struct arena *a, const struct campaign *c, bool sensitivity,
                   struct assessment *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    out->campaign = c;
    out->computed_ms = time_now_ms();
    if (assess_model_load(st, a, c, &out->model, &out->model_stored, e) < 0) return e->code;
    const struct assess_model *m = &out->model;
    struct loaded *v = NULL;
    size_t n = 0;
    if (load_register(st, a, &v, &n, e) < 0 || load_answers(st, a, c, v, n, e) < 0) return e->code;

    const char **names;
    size_t nnames;
    if (known_names(st, a, c, &names, &nnames, e) < 0) return e->code;
    struct ni_record *recs = arena_calloc(a, n ? n : 1, sizeof *recs);
    for (size_t i = 0; i < n; i++) make_record(a, &v[i], &recs[i]);

    /* values[i][j], row-major; one column at a time through the expression. */
    size_t nind = m->nindicators;
    double *values = arena_alloc(a, (n * nind > 0 ? n * nind : 1) * sizeof *values);
    double *col = arena_alloc(a, (n ? n : 1) * sizeof *col);
    for (size_t j = 0; j < nind; j++) {
        struct err pe;
        err_clear(&pe);
        struct expr *x = ni_expr_parse(a, m->indicators[j].expr, names, nnames, &pe);
        if (!x) return err_set(e, ERR_INVALID, "Indicator '%s': %s", m->indicators[j].id, pe.msg);
        size_t failed = 0;
        struct err first;
        err_clear(&first);
        ni_expr_column(x, recs, n, out->computed_ms, col, &failed, &first);
        if (failed && !out->first_failure)
            out->first_failure = arena_printf(a, "%s: %s", m->indicators[j].id, first.msg);
        out->eval_failures += failed;
        for (size_t i = 0; i < n; i++) values[i * nind + j] = col[i];
    }

    to_ni(a, m, n, values, &out->ni, &out->opts);
    if (n > 0) {
        if (ni_compute(&out->ni, &out->opts, a, &out->result, e) < 0) return e->code;
    } else if (ni_check(&out->ni, &out->opts, e) < 0) {
        return e->code;
    }
    struct ni_sens_result sens = {0};
    if (sensitivity && n > 0 && out->result.scored > 0) {
        struct ni_sens_options so = {.draws = m->draws, .seed = m->seed, .vary_norm = true};
        if (ni_sensitivity(&out->ni, &out->opts, &so, a, &sens, e) < 0) return e->code;
        out->sensitivity = true;
    }

    out->rows = arena_calloc(a, n ? n : 1, sizeof *out->rows);
    out->nrows = n;
    for (size_t i = 0; i < n; i++) {
        struct assess_row *r = &out->rows[i];
        const struct loaded *x = &v[i];
        r->institution_id = x->id;
        r->name = x->reg[0];
        r->kind = x->reg[1];
        r->country = x->reg[3];
        r->status = x->status;
        r->informal = x->reg[2] && strcmp(x->reg[2], "0") == 0;
        r->rural = x->reg[5] && (strcmp(x->reg[5], "rural") == 0 || strcmp(x->reg[5], "remote") == 0);
        r->consent = x->consent && strcmp(x->consent, "yes") == 0;
        r->submission_id = x->submission_id;
        r->score = out->result.score[i];
        r->rank = out->result.rank[i];
        r->why_none = out->result.status[i];
        if (r->why_none == NI_MISSING_DOMAIN) r->missing_domain = domain_label(m, out->result.missing_domain[i]);
        r->median_rank = out->sensitivity ? sens.median[i] : NAN;
        r->rank_lo = out->sensitivity ? sens.lo[i] : 0;
        r->rank_hi = out->sensitivity ? sens.hi[i] : 0;
    }
    out->scored = n > 0 ? out->result.scored : 0;
    out->order = arena_alloc(a, (n ? n : 1) * sizeof *out->order);
    for (size_t i = 0; i < n; i++) out->order[i] = i;
    qsort_r(out->order, n, sizeof *out->order, by_need, out->rows);
    return 0;
}

long assess_find(const struct assessment *as, const char *institution_id)
{
    for (size_t i = 0; institution_id && i < as->nrows; i++)
        if (strcmp(as->rows[i].institution_id, institution_id) == 0) return (long)i;
    return -1;
}

int assess_explain(const struct assessment *as, size_t i, struct arena *a, struct ni_explanation *out, struct err *e)
{
    if (i >= as->nrows) return err_set(e, ERR_NOT_FOUND, "That institution is not in this assessment.");
    return ni_explain(&as->ni, &as->opts, &as->result, i, a, out, e) < 0 ? e->code : 0;
}

int assess_needs_campaign(struct store *st, struct arena *a, const char *programme_id, struct campaign **out,
                          struct err *e)
{
    struct campaign *list;
    size_t n;
    *out = NULL;
    if (campaign_list(st, a, programme_id, &list, &n, e) < 0) return e->code;
    /* campaign_list gives them in the order they open: the newest needs survey is the last. */
    for (size_t i = n; i-- > 0;)
        if (strcmp(list[i].kind, "needs_survey") == 0) {
            *out = &list[i];
            return 0;
        }
    return err_set(e, ERR_NOT_FOUND, "This programme has no needs-survey campaign to assess.");
}

const char *assess_why_none(const struct assess_row *r)
{
    if (!isnan(r->score)) return NULL;
    switch (r->why_none) {
    case NI_MISSING_DOMAIN: return N_("Not enough data: nothing answered on %s.");
    case NI_TOO_FEW: return N_("Not enough data: too few indicators answered.");
    case NI_SCORED: break;
    }
    return N_("Not enough data.");
}

void assess_table(const struct assessment *as, struct arena *a, struct table_out *t)
{
    enum { FIXED = 13 };
    size_t ncols = FIXED + as->model.nindicators;
    const char **head = arena_calloc(a, ncols, sizeof *head);
    const char *fixed[FIXED] = {"rank", "institution_id", "name", "country", "kind", "informal", "rural", "consent",
                                "score", "median_rank", "rank_5th_percentile", "rank_95th_percentile", "no_score_because"};
    memcpy(head, fixed, sizeof fixed);
    for (size_t j = 0; j < as->model.nindicators; j++) head[FIXED + j] = as->model.indicators[j].id;
    table_out_init(t, a, "need ranking", head, ncols);
    size_t nind = as->model.nindicators;
    for (size_t k = 0; k < as->nrows; k++) {
        size_t i = as->order[k];
        const struct assess_row *r = &as->rows[i];
        struct table_cell *row = table_out_row(t);
        if (r->rank) table_out_number(t, row, 0, (double)r->rank);
        table_out_text(t, row, 1, r->institution_id);
        table_out_text(t, row, 2, r->name);
        table_out_text(t, row, 3, r->country);
        table_out_text(t, row, 4, r->kind);
        table_out_text(t, row, 5, r->informal ? "yes" : "no");
        table_out_text(t, row, 6, r->rural ? "yes" : "no");
        table_out_text(t, row, 7, r->consent ? "yes" : "no");
        table_out_number(t, row, 8, isnan(r->score) ? NAN : round(r->score * 100) / 100);
        table_out_number(t, row, 9, r->median_rank);
        if (r->rank_lo) table_out_number(t, row, 10, (double)r->rank_lo);
        if (r->rank_hi) table_out_number(t, row, 11, (double)r->rank_hi);
        const char *why = assess_why_none(r);
        if (why) table_out_text(t, row, 12, r->missing_domain ? arena_printf(a, why, r->missing_domain) : why);
        for (size_t j = 0; j < nind; j++) table_out_number(t, row, FIXED + j, as->ni.values[i * nind + j]);
    }
}

#include "program/selection_run.h"

#include "auth/mail_message.h"
#include "auth/outbox.h"
#include "base/id.h"
#include "base/str.h"
#include "base/timeutil.h"
#include "program/assessment.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- rules ------------------------------------------------------------------------------------ */

void selrun_rules_default(const struct programme *p, struct selrun_rules *r)
{
    memset(r, 0, sizeof *r);
    r->size = p->pilot_size;
    r->max_per_country = p->max_per_country;
    r->min_informal = p->min_informal;
    r->min_rural_percent = p->min_rural_percent;
    r->min_need = 0;
    r->require_consent = true;
}

static bool listed(const char *const *ids, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(ids[i], id) == 0) return true;
    return false;
}

size_t selrun_rules_check(const struct selrun_rules *r, struct programme_problems *out)
{
    size_t before = out->n;
    if (r->size < 1 || r->size > PROGRAMME_PILOT_MAX)
        programme_problem_add(out, "size", N_("Enter a pilot size from 1 to 1000 institutions."));
    if (r->max_per_country < 0 || r->max_per_country > PROGRAMME_PER_COUNTRY_MAX)
        programme_problem_add(out, "max_per_country", N_("Enter at most how many institutions per country, from 0 (no limit) to 1000."));
    if (r->min_informal < 0 || r->min_informal > PROGRAMME_PILOT_MAX || (r->size >= 1 && r->min_informal > r->size))
        programme_problem_add(out, "min_informal", N_("The least number of informal institutions must be from 0 to the pilot size."));
    if (r->min_rural_percent < 0 || r->min_rural_percent > 100)
        programme_problem_add(out, "min_rural_percent", N_("Enter the least rural share as a whole per cent from 0 to 100."));
    if (!(r->min_need >= 0 && r->min_need <= 100))
        programme_problem_add(out, "min_need", N_("Enter the minimum need score as a number from 0 to 100."));
    if (r->nexclude > SELRUN_IDS_MAX) programme_problem_add(out, "exclude", N_("Exclude at most 1000 institutions."));
    if (r->nforce > SELRUN_IDS_MAX) programme_problem_add(out, "force", N_("Force in at most 1000 institutions."));
    for (size_t i = 0; i < r->nforce && i < SELRUN_IDS_MAX; i++)
        if (listed(r->exclude, r->nexclude, r->force[i])) {
            programme_problem_add(out, "force", N_("An institution cannot be both excluded and forced in."));
            break;
        }
    return out->n - before;
}

void selrun_rules_sel(const struct selrun_rules *r, struct sel_rules *out)
{
    *out = (struct sel_rules){
        .size = r->size,
        .max_per_country = r->max_per_country,
        .min_informal = r->min_informal,
        .min_rural_share = r->min_rural_percent / 100.0,
        .min_need = r->min_need,
        .require_consent = r->require_consent,
        .explain_out = SELRUN_EXPLAIN,
        .reserve_size = SELRUN_RESERVE,
    };
}

/* ---- JSON: what a run freezes ----------------------------------------------------------------- */

static json_t *ids_json(const char *const *ids, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(arr, json_string(ids[i]));
    return arr;
}

static json_t *rules_json(const struct selrun_rules *r)
{
    return json_pack("{s:i, s:i, s:i, s:i, s:f, s:b, s:o, s:o}", "size", r->size, "max_per_country",
                     r->max_per_country, "min_informal", r->min_informal, "min_rural_percent", r->min_rural_percent,
                     "min_need", r->min_need, "require_consent", r->require_consent, "exclude",
                     ids_json(r->exclude, r->nexclude), "force", ids_json(r->force, r->nforce));
}

static const char *jtext(struct arena *a, json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? arena_strdup(a, json_string_value(v)) : NULL;
}

static int64_t jint(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

static double jreal(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static bool jbool(json_t *o, const char *key)
{
    return json_is_true(json_object_get(o, key));
}

static const char **ids_parse(struct arena *a, json_t *arr, size_t *n)
{
    *n = json_array_size(arr);
    const char **ids = arena_calloc(a, *n ? *n : 1, sizeof *ids);
    for (size_t i = 0; i < *n; i++) {
        json_t *v = json_array_get(arr, i);
        ids[i] = arena_strdup(a, json_is_string(v) ? json_string_value(v) : "");
    }
    return ids;
}

static void rules_parse(struct arena *a, json_t *o, struct selrun_rules *r)
{
    r->size = (int)jint(o, "size");
    r->max_per_country = (int)jint(o, "max_per_country");
    r->min_informal = (int)jint(o, "min_informal");
    r->min_rural_percent = (int)jint(o, "min_rural_percent");
    r->min_need = jreal(o, "min_need");
    if (isnan(r->min_need)) r->min_need = 0;
    r->require_consent = jbool(o, "require_consent");
    r->exclude = ids_parse(a, json_object_get(o, "exclude"), &r->nexclude);
    r->force = ids_parse(a, json_object_get(o, "force"), &r->nforce);
}

static json_t *opt_string(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *inputs_json(const struct selrun_input *in, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct selrun_input *x = &in[i];
        json_array_append_new(arr, json_pack("{s:s, s:s, s:o, s:o, s:b, s:b, s:b, s:o, s:b, s:b}", "id",
                                             x->institution_id, "name", x->name ? x->name : "", "country",
                                             opt_string(x->country), "kind", opt_string(x->kind), "informal",
                                             x->informal, "rural", x->rural, "consent", x->consent, "score",
                                             isnan(x->score) ? json_null() : json_real(x->score), "excluded",
                                             x->excluded, "forced", x->forced));
    }
    return arr;
}

static void inputs_parse(struct arena *a, json_t *arr, struct selection_run *r)
{
    r->ninputs = json_array_size(arr);
    r->inputs = arena_calloc(a, r->ninputs ? r->ninputs : 1, sizeof *r->inputs);
    for (size_t i = 0; i < r->ninputs; i++) {
        json_t *o = json_array_get(arr, i);
        struct selrun_input *x = &r->inputs[i];
        x->institution_id = jtext(a, o, "id");
        x->name = jtext(a, o, "name");
        x->country = jtext(a, o, "country");
        x->kind = jtext(a, o, "kind");
        x->informal = jbool(o, "informal");
        x->rural = jbool(o, "rural");
        x->consent = jbool(o, "consent");
        x->score = jreal(o, "score");
        x->excluded = jbool(o, "excluded");
        x->forced = jbool(o, "forced");
        if (!x->institution_id) x->institution_id = "";
    }
}

static json_t *result_json(const struct sel_result *s)
{
    json_t *problems = json_array(), *chosen = json_array(), *out = json_array(), *reserve = json_array();
    for (size_t i = 0; i < s->nproblems; i++) json_array_append_new(problems, json_string(s->problems[i]));
    for (size_t i = 0; i < s->nchosen; i++) {
        const struct sel_in *w = &s->why[i];
        json_array_append_new(chosen, json_pack("{s:I, s:I, s:b, s:b, s:b, s:b, s:s}", "cand", (json_int_t)w->cand,
                                                "rank", (json_int_t)w->rank, "forced", w->forced, "on_score",
                                                w->on_score, "for_informal", w->for_informal, "for_rural",
                                                w->for_rural, "text", w->text ? w->text : ""));
    }
    for (size_t i = 0; i < s->nout; i++) {
        const struct sel_out *w = &s->out[i];
        json_array_append_new(out, json_pack("{s:I, s:I, s:I, s:s}", "cand", (json_int_t)w->cand, "rank",
                                             (json_int_t)w->rank, "reasons", (json_int_t)w->reasons, "text",
                                             w->text ? w->text : ""));
    }
    for (size_t i = 0; i < s->nreserve; i++) json_array_append_new(reserve, json_integer((json_int_t)s->reserve[i]));
    return json_pack("{s:b, s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:f, s:I, s:I, s:I, s:I, s:I}", "feasible",
                     s->feasible, "eligible", (json_int_t)s->eligible, "target", (json_int_t)s->target,
                     "required_rural", (json_int_t)s->required_rural, "note", opt_string(s->note), "problems",
                     problems, "chosen", chosen, "out", out, "reserve", reserve, "total", s->total, "total_units",
                     (json_int_t)s->total_units, "order_sum", (json_int_t)s->order_sum, "informal",
                     (json_int_t)s->informal, "rural", (json_int_t)s->rural, "reduced", (json_int_t)s->reduced);
}

/* Candidate indices read back are checked against n: a stored run never points outside its inputs. */
static size_t cand_at(json_t *o, size_t n)
{
    int64_t v = json_is_integer(o) ? (int64_t)json_integer_value(o) : jint(o, "cand");
    return v >= 0 && (size_t)v < n ? (size_t)v : 0;
}

static void result_parse(struct arena *a, json_t *o, size_t n, struct sel_result *s)
{
    memset(s, 0, sizeof *s);
    s->feasible = jbool(o, "feasible");
    s->eligible = (size_t)jint(o, "eligible");
    s->target = (size_t)jint(o, "target");
    s->required_rural = (size_t)jint(o, "required_rural");
    s->note = jtext(a, o, "note");
    json_t *problems = json_object_get(o, "problems"), *chosen = json_object_get(o, "chosen"),
           *out = json_object_get(o, "out"), *reserve = json_object_get(o, "reserve");
    s->nproblems = json_array_size(problems);
    s->problems = arena_calloc(a, s->nproblems + 1, sizeof *s->problems);
    for (size_t i = 0; i < s->nproblems; i++) {
        json_t *v = json_array_get(problems, i);
        s->problems[i] = arena_strdup(a, json_is_string(v) ? json_string_value(v) : "");
    }
    s->nchosen = json_array_size(chosen);
    s->chosen = arena_calloc(a, s->nchosen + 1, sizeof *s->chosen);
    s->why = arena_calloc(a, s->nchosen + 1, sizeof *s->why);
    for (size_t i = 0; i < s->nchosen; i++) {
        json_t *w = json_array_get(chosen, i);
        s->chosen[i] = cand_at(w, n);
        s->why[i] = (struct sel_in){.cand = s->chosen[i], .rank = (size_t)jint(w, "rank"), .forced = jbool(w, "forced"),
                                    .on_score = jbool(w, "on_score"), .for_informal = jbool(w, "for_informal"),
                                    .for_rural = jbool(w, "for_rural"), .text = jtext(a, w, "text")};
    }
    s->nout = json_array_size(out);
    s->out = arena_calloc(a, s->nout + 1, sizeof *s->out);
    for (size_t i = 0; i < s->nout; i++) {
        json_t *w = json_array_get(out, i);
        s->out[i] = (struct sel_out){.cand = cand_at(w, n), .rank = (size_t)jint(w, "rank"),
                                     .reasons = (unsigned)jint(w, "reasons"), .text = jtext(a, w, "text")};
    }
    s->nreserve = json_array_size(reserve);
    s->reserve = arena_calloc(a, s->nreserve + 1, sizeof *s->reserve);
    for (size_t i = 0; i < s->nreserve; i++) s->reserve[i] = cand_at(json_array_get(reserve, i), n);
    s->total = jreal(o, "total");
    s->total_units = jint(o, "total_units");
    s->order_sum = jint(o, "order_sum");
    s->informal = (size_t)jint(o, "informal");
    s->rural = (size_t)jint(o, "rural");
    s->reduced = (size_t)jint(o, "reduced");
}

static char *dump(struct arena *a, json_t *j)
{
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    char *out = arena_strdup(a, text ? text : "null");
    free(text);
    return out;
}

static json_t *load_json(const char *text)
{
    json_t *j = json_loads(text ? text : "", JSON_DECODE_ANY, NULL);
    return j ? j : json_object();
}

/* ---- small store helpers ---------------------------------------------------------------------- */

static const char *now_iso(char buf[32], int64_t ms)
{
    time_format_iso(ms, buf, 32);
    return buf;
}

static int fail(struct store *st, struct err *e)
{
    store_rollback(st);
    return e && e->code ? e->code : ERR_IO;
}

/* Runs sql with text parameters (NULL binds SQL NULL). */
static int exec_text(struct store *st, const char *sql, const char *const *params, int n, struct err *e)
{
    struct store_stmt *s = store_prepare(st, sql, e);
    if (!s) return -1;
    for (int i = 0; i < n; i++) store_bind_text(s, i + 1, params[i]);
    int rc = store_run(s, e);
    store_done(s);
    return rc;
}

static int set_register_status(struct store *st, const char *institution_id, const char *status, const char *now,
                               struct err *e)
{
    const char *p[] = {status, now, institution_id};
    return exec_text(st, "UPDATE institutions SET status = ?, updated_at = ? WHERE id = ?", p, 3, e);
}

static int audit_run(struct store *st, const struct audit_actor *by, const char *action, const char *run_id,
                     const char *const *more, size_t nmore, json_t *detail, struct arena *a, struct err *e)
{
    const char **ids = arena_calloc(a, nmore + 1, sizeof *ids);
    ids[0] = run_id;
    for (size_t i = 0; i < nmore; i++) ids[i + 1] = more[i];
    return audit_record_json(st, by, action, "selection", ids, nmore + 1, detail, e);
}

static void candidates_of(struct arena *a, const struct selrun_input *in, size_t n, struct sel_candidate **out)
{
    struct sel_candidate *c = arena_calloc(a, n ? n : 1, sizeof *c);
    for (size_t i = 0; i < n; i++)
        c[i] = (struct sel_candidate){.name = in[i].name, .country = in[i].country, .informal = in[i].informal,
                                      .rural = in[i].rural, .consent = in[i].consent, .score = in[i].score,
                                      .excluded = in[i].excluded, .forced = in[i].forced};
    *out = c;
}

/* ---- making a run ----------------------------------------------------------------------------- */

int selrun_inputs(struct store *st, struct arena *a, const struct campaign *c, struct selrun_input **out, size_t *n,
                  const char **model_json, struct err *e)
{
    struct assessment as;
    if (assess_compute(st, a, c, false, &as, e) < 0) return e->code ? e->code : -1;
    struct selrun_input *in = arena_calloc(a, as.nrows ? as.nrows : 1, sizeof *in);
    for (size_t i = 0; i < as.nrows; i++) {
        const struct assess_row *x = &as.rows[i];
        in[i] = (struct selrun_input){.institution_id = x->institution_id, .name = x->name, .country = x->country,
                                      .kind = x->kind, .informal = x->informal, .rural = x->rural,
                                      .consent = x->consent, .score = x->score};
    }
    *out = in;
    *n = as.nrows;
    *model_json = assess_model_json(a, &as.model);
    return 0;
}

static int insert_place(struct store *st, const char *run_id, const struct selrun_input *in, size_t cand,
                        const char *role, int position, const char *state, const char *now, struct err *e)
{
    struct store_stmt *s = store_prepare(st,
        "INSERT INTO selection_places (run_id, institution_id, cand, role, position, state, updated_at)"
        " VALUES (?,?,?,?,?,?,?)", e);
    if (!s) return -1;
    store_bind_text(s, 1, run_id);
    store_bind_text(s, 2, in[cand].institution_id);
    store_bind_int(s, 3, (int64_t)cand);
    store_bind_text(s, 4, role);
    store_bind_int(s, 5, position);
    store_bind_text(s, 6, state);
    store_bind_text(s, 7, now);
    int rc = store_run(s, e);
    store_done(s);
    return rc;
}

static int store_run_row(struct store *st, struct arena *a, const char *id, const struct programme *p,
                         const char *campaign_id, const struct selrun_rules *rules, const char *model_json,
                         const struct selrun_input *in, size_t n, const struct sel_result *res, bool is_demo,
                         const struct audit_actor *by, const char *now, struct err *e)
{
    struct store_stmt *s = store_prepare(st,
        "INSERT INTO selection_runs (id, programme_id, campaign_id, status, feasible, rules, model, inputs, result,"
        " created_by, created_at, is_demo) VALUES (?,?,?,'draft',?,?,?,?,?,?,?,?)", e);
    if (!s) return -1;
    store_bind_text(s, 1, id);
    store_bind_text(s, 2, p->id);
    store_bind_text(s, 3, campaign_id);
    store_bind_int(s, 4, res->feasible);
    store_bind_text(s, 5, dump(a, rules_json(rules)));
    store_bind_text(s, 6, model_json && *model_json ? model_json : "{}");
    store_bind_text(s, 7, dump(a, inputs_json(in, n)));
    store_bind_text(s, 8, dump(a, result_json(res)));
    store_bind_text(s, 9, by && by->label ? by->label : audit_system.label);
    store_bind_text(s, 10, now);
    store_bind_int(s, 11, is_demo);
    int rc = store_run(s, e);
    store_done(s);
    return rc;
}

int selrun_create(struct store *st, struct arena *a, const struct programme *p, const char *campaign_id,
                  const struct selrun_rules *rules, const char *model_json, struct selrun_input *inputs, size_t n,
                  bool is_demo, const struct audit_actor *by, struct selection_run **out, struct err *e)
{
    struct programme_problems pp = {.n = 0};
    if (selrun_rules_check(rules, &pp)) return programme_problems_err(&pp, e);
    /* Every id the rules name must be a candidate: an exclusion that silently matched nothing would
     * leave the panel believing it had effect. */
    for (size_t i = 0; i < n; i++) {
        inputs[i].excluded = listed(rules->exclude, rules->nexclude, inputs[i].institution_id);
        inputs[i].forced = listed(rules->force, rules->nforce, inputs[i].institution_id);
    }
    for (int k = 0; k < 2; k++) {
        const char *const *ids = k ? rules->force : rules->exclude;
        size_t m = k ? rules->nforce : rules->nexclude;
        for (size_t j = 0; j < m; j++) {
            bool found = false;
            for (size_t i = 0; i < n && !found; i++) found = strcmp(inputs[i].institution_id, ids[j]) == 0;
            if (!found)
                return err_set(e, ERR_INVALID, "The institution %s is not among those the need index assesses.", ids[j]);
        }
    }
    struct sel_candidate *cands;
    candidates_of(a, inputs, n, &cands);
    struct sel_rules sr;
    selrun_rules_sel(rules, &sr);
    struct sel_result res;
    if (sel_run(cands, n, &sr, a, &res, e) < 0) return e->code;

    char id[ID_TEXT_SIZE], now[32];
    id_new(id);
    now_iso(now, time_now_ms());
    if (store_begin(st, e) < 0) return -1;
    if (store_run_row(st, a, id, p, campaign_id, rules, model_json, inputs, n, &res, is_demo, by, now, e) < 0)
        return fail(st, e);
    for (size_t i = 0; i < res.nchosen; i++)
        if (insert_place(st, id, inputs, res.chosen[i], "selected", (int)i + 1, "chosen", now, e) < 0)
            return fail(st, e);
    for (size_t i = 0; i < res.nreserve; i++)
        if (insert_place(st, id, inputs, res.reserve[i], "reserve", (int)i + 1, "waiting", now, e) < 0)
            return fail(st, e);
    json_t *d = json_pack("{s:s, s:o, s:b, s:I, s:I, s:I}", "programme", p->id, "campaign", opt_string(campaign_id),
                          "feasible", res.feasible, "candidates", (json_int_t)n, "chosen", (json_int_t)res.nchosen,
                          "problems", (json_int_t)res.nproblems);
    if (audit_run(st, by, "selection.run", id, NULL, 0, d, a, e) < 0) return fail(st, e);
    if (store_commit(st, e) < 0) return fail(st, e);
    return selrun_load(st, a, p->id, id, out, e);
}

int selrun_draft(struct store *st, struct arena *a, const struct programme *p, const char *campaign_id,
                 const struct selrun_rules *rules, bool is_demo, const struct audit_actor *by,
                 struct selection_run **out, struct err *e)
{
    struct programme_problems pp = {.n = 0};
    if (selrun_rules_check(rules, &pp)) return programme_problems_err(&pp, e);
    struct campaign *c;
    int rc = campaign_id && *campaign_id ? campaign_find(st, a, p->id, campaign_id, &c, e)
                                         : assess_needs_campaign(st, a, p->id, &c, e);
    if (rc < 0) return e->code ? e->code : rc;
    struct selrun_input *in;
    size_t n;
    const char *model;
    if (selrun_inputs(st, a, c, &in, &n, &model, e) < 0) return e->code ? e->code : -1;
    return selrun_create(st, a, p, c->id, rules, model, in, n, is_demo, by, out, e);
}

/* ---- reading ---------------------------------------------------------------------------------- */

static const char *opt_col(struct arena *a, struct store_stmt *s, int col)
{
    return store_col_null(s, col) ? NULL : arena_strdup(a, store_col_text(s, col));
}

int selrun_list(struct store *st, struct arena *a, const char *programme_id, struct selrun_summary **out, size_t *n,
                struct err *e)
{
    *out = NULL;
    *n = 0;
    struct store_stmt *s = store_prepare(st,
        "SELECT r.id, r.status, r.created_by, r.created_at, r.confirmed_at, r.feasible, r.is_demo, r.rules,"
        " (SELECT count(*) FROM selection_places p WHERE p.run_id = r.id AND p.role = 'selected' AND p.state <> 'declined'),"
        " (SELECT count(*) FROM selection_places p WHERE p.run_id = r.id AND p.state = 'accepted'),"
        " (SELECT count(*) FROM selection_places p WHERE p.run_id = r.id AND p.state = 'declined')"
        " FROM selection_runs r WHERE r.programme_id = ? ORDER BY r.created_at DESC, r.id DESC", e);
    if (!s) return -1;
    store_bind_text(s, 1, programme_id);
    size_t cap = 0;
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 8;
            struct selrun_summary *np = arena_alloc(a, cap * sizeof *np);
            if (*n) memcpy(np, *out, *n * sizeof *np);
            *out = np;
        }
        struct selrun_summary *x = &(*out)[(*n)++];
        json_t *rules = load_json(store_col_text(s, 7));
        *x = (struct selrun_summary){
            .id = arena_strdup(a, store_col_text(s, 0)),
            .status = arena_strdup(a, store_col_text(s, 1)),
            .created_by = arena_strdup(a, store_col_text(s, 2)),
            .created_at = arena_strdup(a, store_col_text(s, 3)),
            .confirmed_at = opt_col(a, s, 4),
            .feasible = store_col_int(s, 5) != 0,
            .is_demo = store_col_int(s, 6) != 0,
            .size = (int)jint(rules, "size"),
            .chosen = store_col_int(s, 8),
            .accepted = store_col_int(s, 9),
            .declined = store_col_int(s, 10),
        };
        json_decref(rules);
    }
    store_done(s);
    return rc < 0 ? -1 : 0;
}

static size_t cand_of(const struct selection_run *r, const char *institution_id)
{
    for (size_t i = 0; i < r->ninputs; i++)
        if (strcmp(r->inputs[i].institution_id, institution_id) == 0) return i;
    return 0;
}

static int load_places(struct store *st, struct arena *a, struct selection_run *r, struct err *e)
{
    /* A place's decliners first, oldest first, then whoever holds it now. */
    struct store_stmt *s = store_prepare(st,
        "SELECT institution_id, cand, role, position, state, replaces, note FROM selection_places WHERE run_id = ?"
        " ORDER BY role DESC, position, state = 'declined' DESC, updated_at, institution_id", e);
    if (!s) return -1;
    store_bind_text(s, 1, r->id);
    size_t cap = r->result.nchosen + r->result.nreserve + 8;
    r->places = arena_calloc(a, cap, sizeof *r->places);
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        if (r->nplaces == cap) {
            struct selrun_place *np = arena_calloc(a, 2 * cap, sizeof *np);
            memcpy(np, r->places, cap * sizeof *np);
            r->places = np;
            cap *= 2;
        }
        struct selrun_place *x = &r->places[r->nplaces++];
        int64_t cand = store_col_int(s, 1);
        *x = (struct selrun_place){
            .institution_id = arena_strdup(a, store_col_text(s, 0)),
            .cand = cand >= 0 && (size_t)cand < r->ninputs ? (size_t)cand : 0,
            .role = arena_strdup(a, store_col_text(s, 2)),
            .position = (int)store_col_int(s, 3),
            .state = arena_strdup(a, store_col_text(s, 4)),
            .replaces = opt_col(a, s, 5),
            .note = opt_col(a, s, 6),
        };
        if (strcmp(r->inputs[x->cand].institution_id, x->institution_id) != 0)
            x->cand = cand_of(r, x->institution_id);
    }
    store_done(s);
    return rc < 0 ? -1 : 0;
}

static int load_invitations(struct store *st, struct arena *a, struct selection_run *r, struct err *e)
{
    struct store_stmt *s = store_prepare(st,
        "SELECT id, institution_id, email, state, reason, created_at, responded_at, expires FROM invitations"
        " WHERE run_id = ? ORDER BY id", e);
    if (!s) return -1;
    store_bind_text(s, 1, r->id);
    size_t cap = 16;
    r->invitations = arena_calloc(a, cap, sizeof *r->invitations);
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        if (r->ninvitations == cap) {
            struct selrun_invitation *np = arena_calloc(a, 2 * cap, sizeof *np);
            memcpy(np, r->invitations, cap * sizeof *np);
            r->invitations = np;
            cap *= 2;
        }
        r->invitations[r->ninvitations++] = (struct selrun_invitation){
            .id = arena_strdup(a, store_col_text(s, 0)),
            .institution_id = arena_strdup(a, store_col_text(s, 1)),
            .email = opt_col(a, s, 2),
            .state = arena_strdup(a, store_col_text(s, 3)),
            .reason = opt_col(a, s, 4),
            .created_at = arena_strdup(a, store_col_text(s, 5)),
            .responded_at = opt_col(a, s, 6),
            .expires = arena_strdup(a, store_col_text(s, 7)),
        };
    }
    store_done(s);
    return rc < 0 ? -1 : 0;
}

#define RUN_COLS                                                                                              \
    "id, programme_id, campaign_id, status, feasible, is_demo, created_by, created_at, confirmed_by, confirmed_at," \
    " discarded_at, rules, model, inputs, result"

static int load_where(struct store *st, struct arena *a, const char *sql, const char *p1, const char *p2,
                      struct selection_run **out, struct err *e)
{
    *out = NULL;
    struct store_stmt *s = store_prepare(st, sql, e);
    if (!s) return -1;
    store_bind_text(s, 1, p1);
    if (p2) store_bind_text(s, 2, p2);
    int rc = store_step(s, e);
    if (rc <= 0) {
        store_done(s);
        return rc < 0 ? -1 : err_set(e, ERR_NOT_FOUND, "there is no such selection run");
    }
    struct selection_run *r = arena_calloc(a, 1, sizeof *r);
    r->id = arena_strdup(a, store_col_text(s, 0));
    r->programme_id = arena_strdup(a, store_col_text(s, 1));
    r->campaign_id = opt_col(a, s, 2);
    r->status = arena_strdup(a, store_col_text(s, 3));
    r->feasible = store_col_int(s, 4) != 0;
    r->is_demo = store_col_int(s, 5) != 0;
    r->created_by = arena_strdup(a, store_col_text(s, 6));
    r->created_at = arena_strdup(a, store_col_text(s, 7));
    r->confirmed_by = opt_col(a, s, 8);
    r->confirmed_at = opt_col(a, s, 9);
    r->discarded_at = opt_col(a, s, 10);
    json_t *rules = load_json(store_col_text(s, 11));
    rules_parse(a, rules, &r->rules);
    json_decref(rules);
    r->model_json = arena_strdup(a, store_col_text(s, 12));
    json_t *inputs = load_json(store_col_text(s, 13));
    inputs_parse(a, inputs, r);
    json_decref(inputs);
    json_t *result = load_json(store_col_text(s, 14));
    result_parse(a, result, r->ninputs, &r->result);
    json_decref(result);
    store_done(s);
    candidates_of(a, r->inputs, r->ninputs, &r->cands);
    if (load_places(st, a, r, e) < 0 || load_invitations(st, a, r, e) < 0) return -1;
    *out = r;
    return 0;
}

int selrun_load(struct store *st, struct arena *a, const char *programme_id, const char *id,
                struct selection_run **out, struct err *e)
{
    if (programme_id)
        return load_where(st, a, "SELECT " RUN_COLS " FROM selection_runs WHERE id = ? AND programme_id = ?", id,
                          programme_id, out, e);
    return load_where(st, a, "SELECT " RUN_COLS " FROM selection_runs WHERE id = ?", id, NULL, out, e);
}

int selrun_confirmed(struct store *st, struct arena *a, const char *programme_id, struct selection_run **out,
                     struct err *e)
{
    return load_where(st, a,
                      "SELECT " RUN_COLS " FROM selection_runs WHERE programme_id = ? AND status = 'confirmed'"
                      " ORDER BY confirmed_at DESC LIMIT 1",
                      programme_id, NULL, out, e);
}

static int cmp_need(const void *pa, const void *pb, void *ctx)
{
    const struct selrun_input *in = ctx;
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    bool sa = !isnan(in[a].score), sb = !isnan(in[b].score);
    if (sa != sb) return sa ? -1 : 1;
    if (sa && in[a].score != in[b].score) return in[a].score > in[b].score ? -1 : 1;
    return a < b ? -1 : a > b;
}

size_t *selrun_need_order(const struct selection_run *r, struct arena *a)
{
    size_t *order = arena_calloc(a, r->ninputs + 1, sizeof *order);
    for (size_t i = 0; i < r->ninputs; i++) order[i] = i;
    qsort_r(order, r->ninputs, sizeof *order, cmp_need, (void *)r->inputs);
    return order;
}

size_t *selrun_ranks(const struct selection_run *r, struct arena *a)
{
    size_t *order = selrun_need_order(r, a), *rank = arena_calloc(a, r->ninputs + 1, sizeof *rank);
    for (size_t p = 0; p < r->ninputs; p++) {
        size_t i = order[p];
        if (isnan(r->inputs[i].score)) rank[i] = 0;
        else if (p > 0 && r->inputs[order[p - 1]].score == r->inputs[i].score) rank[i] = rank[order[p - 1]];
        else rank[i] = p + 1;
    }
    return rank;
}

const char *selrun_reason_in(const struct selection_run *r, size_t cand)
{
    for (size_t i = 0; i < r->result.nchosen; i++)
        if (r->result.why[i].cand == cand) return r->result.why[i].text;
    return NULL;
}

const char *selrun_reason_out(const struct selection_run *r, size_t cand)
{
    for (size_t i = 0; i < r->result.nout; i++)
        if (r->result.out[i].cand == cand) return r->result.out[i].text;
    return NULL;
}

const struct selrun_place *selrun_place_of(const struct selection_run *r, const char *institution_id)
{
    for (size_t i = 0; i < r->nplaces; i++)
        if (strcmp(r->places[i].institution_id, institution_id) == 0) return &r->places[i];
    return NULL;
}

const struct selrun_invitation *selrun_invitation_of(const struct selection_run *r, const char *institution_id)
{
    const struct selrun_invitation *found = NULL;
    for (size_t i = 0; i < r->ninvitations; i++)
        if (strcmp(r->invitations[i].institution_id, institution_id) == 0) found = &r->invitations[i];
    return found;
}

/* A sentence of this module in the reader's language (translate NULL: English). */
static const char *say(selrun_translate *translate, void *ctx, const char *msgid)
{
    const char *t = translate ? translate(ctx, msgid) : NULL;
    return t ? t : msgid;
}

static const char *names_of(struct arena *a, const struct selection_run *r, const size_t *idx, size_t n,
                            selrun_translate *translate, void *ctx)
{
    struct strbuf sb;
    strbuf_init(&sb, a, 64);
    for (size_t i = 0; i < n; i++) {
        if (i) strbuf_puts(&sb, ", ");
        strbuf_puts(&sb, r->inputs[idx[i]].name ? r->inputs[idx[i]].name : r->inputs[idx[i]].institution_id);
    }
    return n ? sb.data : say(translate, ctx, N_("none"));
}

/* What differs between the run made again (now) and the stored one, or NULL. */
static const char *difference(const struct selection_run *r, const struct sel_result *now, struct arena *a,
                              selrun_translate *translate, void *ctx)
{
    const struct sel_result *then = &r->result;
    if (now->feasible != then->feasible)
        return now->feasible ? say(translate, ctx, N_("The rules can be met now, but could not when the run was made."))
                             : say(translate, ctx, N_("The rules cannot be met now, but could when the run was made."));
    bool chosen_same = now->nchosen == then->nchosen, reserve_same = now->nreserve == then->nreserve;
    for (size_t i = 0; chosen_same && i < now->nchosen; i++) chosen_same = now->chosen[i] == then->chosen[i];
    for (size_t i = 0; reserve_same && i < now->nreserve; i++) reserve_same = now->reserve[i] == then->reserve[i];
    if (!chosen_same)
        return arena_printf(a, say(translate, ctx, N_("The selection differs: now %s; stored %s.")),
                            names_of(a, r, now->chosen, now->nchosen, translate, ctx),
                            names_of(a, r, then->chosen, then->nchosen, translate, ctx));
    if (!reserve_same)
        return arena_printf(a, say(translate, ctx, N_("The reserve list differs: now %s; stored %s.")),
                            names_of(a, r, now->reserve, now->nreserve, translate, ctx),
                            names_of(a, r, then->reserve, then->nreserve, translate, ctx));
    if (!now->feasible && now->nproblems != then->nproblems)
        return say(translate, ctx, N_("The rules still cannot be met, but for other reasons than those stored."));
    return NULL;
}

static bool same_text(const char *x, const char *y)
{
    return x == y || (x && y && strcmp(x, y) == 0);
}

/* Whether the run made again in English says exactly what was stored, sentence for sentence: only
 * then may its words in another language stand for the record. */
static bool same_sentences(const struct sel_result *now, const struct sel_result *then)
{
    if (now->nchosen != then->nchosen || now->nout != then->nout || now->nproblems != then->nproblems ||
        !same_text(now->note, then->note))
        return false;
    for (size_t i = 0; i < now->nchosen; i++)
        if (now->why[i].cand != then->why[i].cand || !same_text(now->why[i].text, then->why[i].text)) return false;
    for (size_t i = 0; i < now->nout; i++)
        if (now->out[i].cand != then->out[i].cand || !same_text(now->out[i].text, then->out[i].text)) return false;
    for (size_t i = 0; i < now->nproblems; i++)
        if (!same_text(now->problems[i], then->problems[i])) return false;
    return true;
}

int selrun_explain(const struct selection_run *r, struct arena *a, selrun_translate *translate, void *ctx,
                   struct selrun_explained *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    out->result = r->result;
    struct sel_rules sr;
    selrun_rules_sel(&r->rules, &sr);
    struct sel_result now;
    if (sel_run(r->cands, r->ninputs, &sr, a, &now, e) < 0) return e->code;
    out->why = difference(r, &now, a, translate, ctx);
    out->same = out->why == NULL;
    if (!out->same || !translate || !same_sentences(&now, &r->result)) return 0;
    sr.translate = translate;
    sr.translate_ctx = ctx;
    if (sel_run(r->cands, r->ninputs, &sr, a, &now, e) < 0) return e->code;
    out->result = now;
    out->translated = true;
    return 0;
}

int selrun_verify(const struct selection_run *r, struct arena *a, bool *same, const char **why, struct err *e)
{
    struct selrun_explained x;
    *same = false;
    *why = NULL;
    if (selrun_explain(r, a, NULL, NULL, &x, e) < 0) return e->code;
    *same = x.same;
    *why = x.why;
    return 0;
}

const char *selrun_place_note(const struct selection_run *r, const struct selrun_place *pl, selrun_translate *translate,
                              void *ctx, struct arena *a)
{
    if (!pl->note || !translate) return pl->note;
    struct sel_rules sr;
    selrun_rules_sel(&r->rules, &sr);
    const char *name = r->inputs[pl->cand].name;
    if (strcmp(sel_unfilled(&sr, name, a), pl->note) != 0) return pl->note; /* not that sentence: as stored */
    sr.translate = translate;
    sr.translate_ctx = ctx;
    return sel_unfilled(&sr, name, a);
}

/* ---- confirming and discarding ---------------------------------------------------------------- */

static const char **place_ids(struct arena *a, const struct selection_run *r, bool (*keep)(const struct selrun_place *),
                              size_t *n)
{
    const char **ids = arena_calloc(a, r->nplaces + 1, sizeof *ids);
    *n = 0;
    for (size_t i = 0; i < r->nplaces; i++)
        if (keep(&r->places[i])) ids[(*n)++] = r->places[i].institution_id;
    return ids;
}

static bool is_selected(const struct selrun_place *p) { return strcmp(p->role, "selected") == 0; }
static bool is_open_place(const struct selrun_place *p)
{
    return is_selected(p) && (strcmp(p->state, "chosen") == 0 || strcmp(p->state, "invited") == 0);
}

int selrun_confirm(struct store *st, struct arena *a, const struct selection_run *r, const struct audit_actor *by,
                   struct err *e)
{
    if (strcmp(r->status, "draft") != 0)
        return err_set(e, ERR_CONFLICT, "Only a draft run can be confirmed; this one is %s.", r->status);
    if (!r->feasible || !r->result.nchosen)
        return err_set(e, ERR_CONFLICT, "This run's rules cannot be met: there is no selection to confirm.");
    char now[32];
    now_iso(now, time_now_ms());
    if (store_begin(st, e) < 0) return -1;
    struct store_stmt *s = store_prepare(st,
        "SELECT id FROM selection_runs WHERE programme_id = ? AND status = 'confirmed' AND id <> ?", e);
    if (!s) return fail(st, e);
    store_bind_text(s, 1, r->programme_id);
    store_bind_text(s, 2, r->id);
    int rc = store_step(s, e);
    store_done(s);
    if (rc < 0) return fail(st, e);
    if (rc == 1) {
        store_rollback(st);
        return err_set(e, ERR_CONFLICT, "The programme has a confirmed selection already: discard it first.");
    }
    /* The status is checked again in the UPDATE: of two confirmations racing, one changes nothing. */
    const char *p[] = {by && by->label ? by->label : audit_system.label, now, r->id};
    if (exec_text(st, "UPDATE selection_runs SET status = 'confirmed', confirmed_by = ?, confirmed_at = ?"
                      " WHERE id = ? AND status = 'draft'", p, 3, e) < 0)
        return fail(st, e);
    if (store_changes(st) != 1) {
        store_rollback(st);
        return err_set(e, ERR_CONFLICT, "This run was changed meanwhile: it is no longer a draft.");
    }
    size_t n;
    const char **ids = place_ids(a, r, is_selected, &n);
    for (size_t i = 0; i < n; i++)
        if (set_register_status(st, ids[i], "selected", now, e) < 0) return fail(st, e);
    json_t *d = json_pack("{s:I}", "chosen", (json_int_t)n);
    if (audit_run(st, by, "selection.confirm", r->id, ids, n, d, a, e) < 0) return fail(st, e);
    return store_commit(st, e) < 0 ? fail(st, e) : 0;
}

int selrun_discard(struct store *st, struct arena *a, const struct selection_run *r, const struct audit_actor *by,
                   struct err *e)
{
    if (strcmp(r->status, "discarded") == 0) return err_set(e, ERR_CONFLICT, "This run was discarded already.");
    char now[32];
    now_iso(now, time_now_ms());
    if (store_begin(st, e) < 0) return -1;
    const char *p[] = {now, r->id, r->status};
    if (exec_text(st, "UPDATE selection_runs SET status = 'discarded', discarded_at = ? WHERE id = ? AND status = ?",
                  p, 3, e) < 0)
        return fail(st, e);
    if (store_changes(st) != 1) {
        store_rollback(st);
        return err_set(e, ERR_CONFLICT, "This run was changed meanwhile: load it again.");
    }
    size_t n = 0;
    const char **ids = NULL;
    if (strcmp(r->status, "confirmed") == 0) {
        const char *q[] = {now, r->id};
        if (exec_text(st, "UPDATE invitations SET state = 'withdrawn', responded_at = ? WHERE run_id = ? AND state = 'sent'",
                      q, 2, e) < 0)
            return fail(st, e);
        ids = place_ids(a, r, is_open_place, &n);
        for (size_t i = 0; i < n; i++)
            if (set_register_status(st, ids[i], "registered", now, e) < 0) return fail(st, e);
    }
    json_t *d = json_pack("{s:s, s:I}", "was", r->status, "released", (json_int_t)n);
    if (audit_run(st, by, "selection.discard", r->id, ids, n, d, a, e) < 0) return fail(st, e);
    return store_commit(st, e) < 0 ? fail(st, e) : 0;
}

/* ---- invitations ------------------------------------------------------------------------------ */

static const char *programme_name(struct store *st, struct arena *a, const char *programme_id, struct err *e)
{
    struct store_stmt *s = store_prepare(st, "SELECT name FROM programmes WHERE id = ?", e);
    if (!s) return NULL;
    store_bind_text(s, 1, programme_id);
    const char *name = store_step(s, e) == 1 ? arena_strdup(a, store_col_text(s, 0)) : "";
    store_done(s);
    return name;
}

/* The register's contact email of an institution, when it is one a message can go to. */
static const char *contact_email(struct store *st, struct arena *a, const char *institution_id, struct err *e, int *rc)
{
    *rc = 0;
    struct store_stmt *s = store_prepare(st, "SELECT contact_email FROM institutions WHERE id = ?", e);
    if (!s) {
        *rc = -1;
        return NULL;
    }
    store_bind_text(s, 1, institution_id);
    int step = store_step(s, e);
    const char *email = step == 1 && !store_col_null(s, 0) ? arena_strdup(a, store_col_text(s, 0)) : NULL;
    store_done(s);
    if (step < 0) *rc = -1;
    return email && mail_address_ok(email) ? email : NULL;
}

static int mail_link(struct store *st, struct arena *a, const struct selrun_mail *mail, const char *to,
                     const char *institution, const char *programme, const char *token, const char *expires,
                     struct err *e)
{
    const struct i18n_lang *L = mail->lang;
    struct strbuf body;
    strbuf_init(&body, a, 512);
    strbuf_printf(&body, i18n_get(L, "%s has been selected for the pilot of %s."), institution, programme);
    strbuf_puts(&body, "\n\n");
    strbuf_printf(&body, i18n_get(L, "Open this link to accept or decline the invitation. It works once, until %s:"),
                  arena_strndup(a, expires, 10));
    strbuf_printf(&body, "\n%s/invitation/%s\n\n", mail->base_url ? mail->base_url : "", token);
    strbuf_puts(&body, i18n_get(L, "If someone else answers for the institution, please pass this message on."));
    strbuf_puts(&body, "\n");
    const char *subject = arena_printf(a, i18n_get(L, "Invitation to the pilot of %s"), programme);
    return outbox_add(st, to, subject, body.data, e);
}

/* One new invitation (inside the caller's transaction): the row, the place and the register marked
 * invited, the message, the audit entry. */
static int invite_one(struct store *st, struct arena *a, const struct selection_run *r, size_t cand,
                      const char *programme, const struct selrun_mail *mail, const struct audit_actor *by,
                      const char *now, int64_t now_ms, struct selrun_link *link, struct err *e)
{
    const struct selrun_input *x = &r->inputs[cand];
    int rc;
    const char *email = contact_email(st, a, x->institution_id, e, &rc);
    if (rc < 0) return -1;
    char id[ID_TEXT_SIZE], hash[TOKEN_HASH_SIZE], expires[32];
    id_new(id);
    memset(link, 0, sizeof *link);
    token_new(link->token);
    token_hash(link->token, hash);
    now_iso(expires, now_ms + (int64_t)SELRUN_INVITATION_DAYS * 86400 * 1000);
    link->institution_id = x->institution_id;
    link->name = x->name;
    const char *p[] = {id, r->id, x->institution_id, hash, email, now, expires};
    /* A run invites an institution once; a new link for it is selrun_relink's. */
    if (exec_text(st, "INSERT INTO invitations (id, run_id, institution_id, token_hash, email, state, created_at, expires)"
                      " VALUES (?,?,?,?,?,'sent',?,?)", p, 7, e) < 0)
        return -1;
    const char *q[] = {now, r->id, x->institution_id};
    if (exec_text(st, "UPDATE selection_places SET state = 'invited', updated_at = ? WHERE run_id = ? AND institution_id = ?",
                  q, 3, e) < 0)
        return -1;
    if (set_register_status(st, x->institution_id, "invited", now, e) < 0) return -1;
    if (email && mail) {
        if (mail_link(st, a, mail, email, x->name, programme, link->token, expires, e) < 0) return -1;
        link->mailed = true;
    }
    const char *ids[] = {id, r->id, x->institution_id};
    json_t *d = json_pack("{s:b}", "mailed", link->mailed);
    return audit_record_json(st, by, "invitation.send", "invitation", ids, 3, d, e);
}

int selrun_invite(struct store *st, struct arena *a, const struct selection_run *r, const struct selrun_mail *mail,
                  const struct audit_actor *by, struct selrun_link **links, size_t *n, struct err *e)
{
    *links = NULL;
    *n = 0;
    if (strcmp(r->status, "confirmed") != 0)
        return err_set(e, ERR_CONFLICT, "Invitations go out for a confirmed selection only; this run is %s.", r->status);
    int64_t now_ms = time_now_ms();
    char now[32];
    now_iso(now, now_ms);
    const char *programme = programme_name(st, a, r->programme_id, e);
    if (!programme) return -1;
    struct selrun_link *out = arena_calloc(a, r->nplaces + 1, sizeof *out);
    size_t made = 0;
    if (store_begin(st, e) < 0) return -1;
    /* Read again inside the transaction: of two senders racing, the second finds nobody left. */
    struct store_stmt *s = store_prepare(st,
        "SELECT institution_id FROM selection_places WHERE run_id = ? AND role = 'selected' AND state = 'chosen'"
        " ORDER BY position", e);
    if (!s) return fail(st, e);
    store_bind_text(s, 1, r->id);
    const char **todo = arena_calloc(a, r->nplaces + 1, sizeof *todo);
    size_t ntodo = 0;
    int rc;
    while ((rc = store_step(s, e)) == 1 && ntodo < r->nplaces) todo[ntodo++] = arena_strdup(a, store_col_text(s, 0));
    store_done(s);
    if (rc < 0) return fail(st, e);
    for (size_t i = 0; i < ntodo; i++)
        if (invite_one(st, a, r, cand_of(r, todo[i]), programme, mail, by, now, now_ms, &out[made++], e) < 0)
            return fail(st, e);
    if (store_commit(st, e) < 0) return fail(st, e);
    if (mail) outbox_notify();
    *links = out;
    *n = made;
    return 0;
}

int selrun_relink(struct store *st, struct arena *a, const struct selection_run *r, const char *institution_id,
                  const struct selrun_mail *mail, const struct audit_actor *by, struct selrun_link *out,
                  struct err *e)
{
    memset(out, 0, sizeof *out);
    const struct selrun_invitation *inv = selrun_invitation_of(r, institution_id);
    if (!inv || strcmp(inv->state, "sent") != 0 || strcmp(r->status, "confirmed") != 0)
        return err_set(e, ERR_NOT_FOUND, "This institution has no open invitation in this run.");
    const char *programme = programme_name(st, a, r->programme_id, e);
    if (!programme) return -1;
    int64_t now_ms = time_now_ms();
    char now[32], hash[TOKEN_HASH_SIZE], expires[32];
    now_iso(now, now_ms);
    now_iso(expires, now_ms + (int64_t)SELRUN_INVITATION_DAYS * 86400 * 1000);
    token_new(out->token);
    token_hash(out->token, hash);
    size_t cand = cand_of(r, institution_id);
    out->institution_id = r->inputs[cand].institution_id;
    out->name = r->inputs[cand].name;
    if (store_begin(st, e) < 0) return -1;
    int rc;
    const char *email = contact_email(st, a, institution_id, e, &rc);
    if (rc < 0) return fail(st, e);
    const char *p[] = {hash, email, expires, inv->id};
    if (exec_text(st, "UPDATE invitations SET token_hash = ?, email = ?, expires = ? WHERE id = ? AND state = 'sent'", p,
                  4, e) < 0)
        return fail(st, e);
    if (store_changes(st) != 1) {
        store_rollback(st);
        return err_set(e, ERR_NOT_FOUND, "This institution has no open invitation in this run.");
    }
    if (email && mail) {
        if (mail_link(st, a, mail, email, out->name, programme, out->token, expires, e) < 0) return fail(st, e);
        out->mailed = true;
    }
    const char *ids[] = {inv->id, r->id, institution_id};
    json_t *d = json_pack("{s:b, s:b}", "mailed", out->mailed, "new_link", 1);
    if (audit_record_json(st, by, "invitation.send", "invitation", ids, 3, d, e) < 0) return fail(st, e);
    if (store_commit(st, e) < 0) return fail(st, e);
    if (out->mailed) outbox_notify();
    return 0;
}

int selrun_lookup(struct store *st, struct arena *a, const char *token, int64_t now_ms, struct selrun_lookup *out,
                  struct err *e)
{
    memset(out, 0, sizeof *out);
    if (!token_well_formed(token)) return err_set(e, ERR_NOT_FOUND, "there is no invitation with this link");
    char hash[TOKEN_HASH_SIZE], now[32];
    token_hash(token, hash);
    now_iso(now, now_ms);
    struct store_stmt *s = store_prepare(st,
        "SELECT i.id, i.run_id, i.institution_id, i.state, i.expires, r.status, p.name, p.slug,"
        " p.devices_per_institution, coalesce(n.name, '') FROM invitations i"
        " JOIN selection_runs r ON r.id = i.run_id JOIN programmes p ON p.id = r.programme_id"
        " LEFT JOIN institutions n ON n.id = i.institution_id WHERE i.token_hash = ?", e);
    if (!s) return -1;
    store_bind_text(s, 1, hash);
    int rc = store_step(s, e);
    if (rc == 1) {
        out->invitation_id = arena_strdup(a, store_col_text(s, 0));
        out->run_id = arena_strdup(a, store_col_text(s, 1));
        out->institution_id = arena_strdup(a, store_col_text(s, 2));
        out->state = arena_strdup(a, store_col_text(s, 3));
        out->expires = arena_strdup(a, store_col_text(s, 4));
        bool confirmed = strcmp(store_col_text(s, 5), "confirmed") == 0;
        out->programme_name = arena_strdup(a, store_col_text(s, 6));
        out->programme_slug = arena_strdup(a, store_col_text(s, 7));
        out->devices_per_institution = (int)store_col_int(s, 8);
        out->institution_name = arena_strdup(a, store_col_text(s, 9));
        out->expired = strcmp(out->expires, now) <= 0;
        if (!confirmed && strcmp(out->state, "sent") == 0) out->state = "withdrawn";
        out->open = confirmed && strcmp(out->state, "sent") == 0 && !out->expired;
    }
    store_done(s);
    if (rc < 0) return -1;
    if (rc == 0) return err_set(e, ERR_NOT_FOUND, "there is no invitation with this link");
    return 0;
}

/* The place of a decliner offered to the best candidate that keeps every rule (inside the
 * caller's transaction, the decline already written). */
static int promote(struct store *st, struct arena *a, const struct selrun_lookup *lk, const struct selrun_mail *mail,
                   const struct audit_actor *by, const char *now, int64_t now_ms, struct selrun_outcome *out,
                   struct err *e)
{
    struct selection_run *r;
    if (selrun_load(st, a, NULL, lk->run_id, &r, e) < 0) return -1;
    size_t declining = cand_of(r, lk->institution_id);
    const struct selrun_place *place = selrun_place_of(r, lk->institution_id);
    /* Every decliner, this one included, is out for good; the current selection holds this one still
     * (sel_replacement swaps it) and every place not declined. */
    struct sel_candidate *c = arena_memdup(a, r->cands, (r->ninputs ? r->ninputs : 1) * sizeof *c);
    size_t *chosen = arena_calloc(a, r->nplaces + 1, sizeof *chosen), nchosen = 0;
    for (size_t i = 0; i < r->nplaces; i++) {
        const struct selrun_place *p = &r->places[i];
        if (!is_selected(p)) continue;
        if (strcmp(p->state, "declined") == 0) {
            c[p->cand].excluded = true;
            if (p->cand != declining) continue;
        }
        chosen[nchosen++] = p->cand;
    }
    struct sel_rules sr;
    selrun_rules_sel(&r->rules, &sr);
    size_t best;
    struct err why;
    err_clear(&why);
    int rc = sel_replacement(c, r->ninputs, &sr, chosen, nchosen, declining, &best, &why);
    if (rc == ERR_NOT_FOUND || rc == ERR_INVALID) {
        out->unfilled = arena_strdup(a, why.msg);
        const char *p[] = {out->unfilled, now, r->id, lk->institution_id};
        return exec_text(st, "UPDATE selection_places SET note = ?, updated_at = ? WHERE run_id = ? AND institution_id = ?",
                         p, 4, e);
    }
    if (rc < 0) return err_set(e, why.code, "%s", why.msg);
    const struct selrun_input *x = &r->inputs[best];
    const struct selrun_place *had = selrun_place_of(r, x->institution_id);
    struct store_stmt *s;
    if (had) {
        s = store_prepare(st, "UPDATE selection_places SET role = 'selected', state = 'chosen', replaces = ?,"
                              " position = ?, updated_at = ? WHERE run_id = ? AND institution_id = ?", e);
        if (!s) return -1;
        store_bind_text(s, 1, lk->institution_id);
        store_bind_int(s, 2, place ? place->position : 1);
        store_bind_text(s, 3, now);
        store_bind_text(s, 4, r->id);
        store_bind_text(s, 5, x->institution_id);
    } else {
        s = store_prepare(st, "INSERT INTO selection_places (run_id, institution_id, cand, role, position, state, replaces,"
                              " updated_at) VALUES (?,?,?,'selected',?,'chosen',?,?)", e);
        if (!s) return -1;
        store_bind_text(s, 1, r->id);
        store_bind_text(s, 2, x->institution_id);
        store_bind_int(s, 3, (int64_t)best);
        store_bind_int(s, 4, place ? place->position : 1);
        store_bind_text(s, 5, lk->institution_id);
        store_bind_text(s, 6, now);
    }
    rc = store_run(s, e);
    store_done(s);
    if (rc < 0) return -1;
    if (set_register_status(st, x->institution_id, "selected", now, e) < 0) return -1;
    const char *ids[] = {x->institution_id, lk->institution_id};
    json_t *d = json_pack("{s:I, s:b}", "position", (json_int_t)(place ? place->position : 1), "from_reserve",
                          had != NULL);
    if (audit_run(st, by, "selection.promote", r->id, ids, 2, d, a, e) < 0) return -1;
    out->promoted = true;
    out->replacement_id = x->institution_id;
    out->replacement_name = x->name;
    const char *programme = programme_name(st, a, r->programme_id, e);
    if (!programme) return -1;
    return invite_one(st, a, r, best, programme, mail, by, now, now_ms, &out->link, e);
}

int selrun_respond(struct store *st, struct arena *a, const char *token, bool accept, const char *reason,
                   int64_t now_ms, const struct selrun_mail *mail, const struct audit_actor *by,
                   struct selrun_outcome *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    size_t len = reason ? strlen(reason) : 0;
    if (!accept) {
        const char *r = reason ? reason : "";
        while (*r == ' ' || *r == '\t' || *r == '\r' || *r == '\n') r++;
        if (!*r) return err_set(e, ERR_INVALID, "Say why the institution declines.");
        if (!str_utf8_valid(reason, len) || str_utf8_length(reason, len) > SELRUN_REASON_MAX)
            return err_set(e, ERR_INVALID, "The reason is too long: 2000 characters at most.");
    }
    char now[32];
    now_iso(now, now_ms);
    struct selrun_lookup lk;
    if (store_begin(st, e) < 0) return -1;
    /* Looked up inside the transaction: of two answers racing, the second finds it answered. */
    int rc = selrun_lookup(st, a, token, now_ms, &lk, e);
    if (rc < 0) {
        store_rollback(st);
        return rc;
    }
    if (!lk.open) {
        store_rollback(st);
        return err_set(e, ERR_CONFLICT, strcmp(lk.state, "sent") != 0 ? "This invitation has been answered already or withdrawn."
                                                                        : "This invitation has expired.");
    }
    const char *state = accept ? "accepted" : "declined";
    const char *p[] = {state, accept ? NULL : reason, now, lk.invitation_id};
    if (exec_text(st, "UPDATE invitations SET state = ?, reason = ?, responded_at = ? WHERE id = ? AND state = 'sent'",
                  p, 4, e) < 0)
        return fail(st, e);
    const char *q[] = {state, now, lk.run_id, lk.institution_id};
    if (exec_text(st, "UPDATE selection_places SET state = ?, updated_at = ? WHERE run_id = ? AND institution_id = ?",
                  q, 4, e) < 0 ||
        set_register_status(st, lk.institution_id, state, now, e) < 0)
        return fail(st, e);
    const char *ids[] = {lk.invitation_id, lk.run_id, lk.institution_id};
    json_t *d = accept ? json_object() : json_pack("{s:I}", "reason_chars", (json_int_t)str_utf8_length(reason, len));
    if (audit_record_json(st, by, accept ? "invitation.accept" : "invitation.decline", "invitation", ids, 3, d, e) < 0)
        return fail(st, e);
    if (!accept && promote(st, a, &lk, mail, by, now, now_ms, out, e) < 0) return fail(st, e);
    if (store_commit(st, e) < 0) return fail(st, e);
    if (out->link.mailed) outbox_notify();
    return 0;
}

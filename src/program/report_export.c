#include "program/report_export.h"

#include "base/str.h"
#include "base/timeutil.h"
#include "forms/export.h"
#include "forms/form_store.h"
#include "forms/pseudonym.h"
#include "forms/table_out.h"
#include "program/assessment.h"
#include "program/campaign.h"
#include "program/respondent_codes.h"
#include "program/selection_run.h"
#include "program/training.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

static const char *col_or_null(struct arena *a, struct store_stmt *s, int col)
{
    return store_col_null(s, col) ? NULL : arena_strdup(a, store_col_text(s, col));
}

/* --- figures ----------------------------------------------------------------------------------- */

/* Six significant digits: a statistic's noise past that tells a reader nothing. */
static double tidy(double v)
{
    if (!isfinite(v)) return NAN;
    char buf[32];
    snprintf(buf, sizeof buf, "%.6g", v);
    return strtod(buf, NULL);
}

static struct rep_figure *fig(struct rep_figures *f, const char *section, const char *key, const char *label,
                              const char *group)
{
    if (f->n == f->cap) {
        size_t cap = f->cap ? 2 * f->cap : 64;
        struct rep_figure *grown = arena_calloc(f->arena, cap, sizeof *grown);
        if (f->n) memcpy(grown, f->items, f->n * sizeof *grown);
        f->items = grown;
        f->cap = cap;
    }
    struct rep_figure *x = &f->items[f->n++];
    *x = (struct rep_figure){section, key, label, group, NAN, NULL, false};
    return x;
}

static void fig_num(struct rep_figures *f, const char *section, const char *key, const char *label, const char *group,
                    double v)
{
    fig(f, section, key, label, group)->value = tidy(v);
}

static void fig_people(struct rep_figures *f, const char *section, const char *key, const char *label,
                       const char *group, struct rep_people p)
{
    struct rep_figure *x = fig(f, section, key, label, group);
    if (p.shown) x->value = (double)p.n;
    else x->hidden = true;
}

/* A figure summed over people (person-hours): shown with the people it is summed over. */
static void fig_of_people(struct rep_figures *f, const char *section, const char *key, const char *label,
                          double v, struct rep_people over)
{
    struct rep_figure *x = fig(f, section, key, label, NULL);
    if (over.shown) x->value = tidy(v);
    else x->hidden = true;
}

static void fig_text(struct rep_figures *f, const char *section, const char *key, const char *label,
                     const char *group, const char *text)
{
    if (text && *text) fig(f, section, key, label, group)->text = text;
}

static void start(struct rep_figures *f, struct arena *a, const char *report, const char *title, const char *today,
                  int threshold)
{
    memset(f, 0, sizeof *f);
    f->arena = a;
    f->report = report;
    f->title = title;
    f->today = today;
    f->threshold = threshold;
}

static void devices_figures(struct rep_figures *f, const struct rep_devices *d)
{
    fig_num(f, "devices", "devices.quota", "Devices per institution (quota)", NULL, d->quota);
    fig_num(f, "devices", "devices.allocated", "Devices allocated", NULL, (double)d->allocated);
    fig_num(f, "devices", "devices.delivered", "Devices delivered", NULL, (double)d->delivered);
    fig_num(f, "devices", "devices.in_use", "Devices in use", NULL, (double)d->in_use);
    for (int k = 0; k < DEVICE_STATE_COUNT; k++)
        fig_num(f, "devices", "devices.state", "Devices in this state now", device_state_name((enum device_state)k),
                (double)d->by_state[k]);
    fig_num(f, "devices", "devices.deliveries", "Deliveries confirmed", NULL, (double)d->ndeliveries);
    fig_num(f, "devices", "devices.shortfalls", "Deliveries short and still open", NULL, (double)d->shortfalls);
}

static const char *item_label(const struct fb_analysis *o, const struct fb_item *it)
{
    if (!o->form || !it->field->label) return it->field->name;
    int en = form_language_index(o->form, "en");
    const char *l = form_text(o->form, it->field->label, en >= 0 ? (size_t)en : o->form->default_lang);
    return l && *l ? l : it->field->name;
}

static void outcome_figures(struct rep_figures *f, const struct fb_analysis *o, bool filtered)
{
    int t = o->threshold;
    struct rep_people pairs = filtered ? (struct rep_people){o->group_pairs, o->group_shown}
                                       : rep_people_of(o->pairs, t);
    fig_people(f, "outcomes", "outcomes.pairs", "Respondents who answered baseline and endline", NULL, pairs);
    if (!filtered) {
        fig_people(f, "outcomes", "outcomes.baseline", "Respondents who answered the baseline", NULL,
                   rep_people_of(o->baseline_sets, t));
        fig_people(f, "outcomes", "outcomes.endline", "Respondents who answered the endline", NULL,
                   rep_people_of(o->endline_sets, t));
    }
    for (size_t i = 0; i < o->nitems; i++) {
        const struct fb_item *it = &o->items[i];
        const char *g = it->field->name;
        fig_text(f, "outcomes", "outcomes.item", "Item", g, item_label(o, it));
        if (it->hidden != FB_SHOWN || it->r.status != PS_COMPUTED) {
            fig(f, "outcomes", "outcomes.n", "Pairs", g)->hidden = true;
            continue;
        }
        const struct ps_result *r = &it->r;
        fig_num(f, "outcomes", "outcomes.n", "Pairs", g, (double)r->n);
        fig_num(f, "outcomes", "outcomes.mean_baseline", "Mean at baseline", g, r->mean_x);
        fig_num(f, "outcomes", "outcomes.mean_endline", "Mean at endline", g, r->mean_y);
        fig_num(f, "outcomes", "outcomes.difference", "Mean difference (endline less baseline)", g, r->mean_diff);
        fig_num(f, "outcomes", "outcomes.ci_low", "95% confidence interval, low", g, r->ci_low);
        fig_num(f, "outcomes", "outcomes.ci_high", "95% confidence interval, high", g, r->ci_high);
        fig_num(f, "outcomes", "outcomes.t", "Paired t", g, r->t);
        fig_num(f, "outcomes", "outcomes.p_t", "p (paired t)", g, r->p_t);
        fig_num(f, "outcomes", "outcomes.p_wilcoxon", "p (Wilcoxon signed-rank)", g, r->p_w);
        fig_num(f, "outcomes", "outcomes.d_z", "Effect size d_z", g, r->dz);
        fig_text(f, "outcomes", "outcomes.magnitude", "Effect size in words", g, fb_magnitude(r->dz));
    }
}

void rep_programme_figures(const struct rep_programme *r, struct arena *a, struct rep_figures *f)
{
    start(f, a, "programme", r->programme->name, r->today, r->threshold);
    fig_text(f, "programme", "programme.slug", "Programme", NULL, r->programme->slug);
    fig_text(f, "programme", "programme.starts_on", "Starts on", NULL, r->programme->starts_on);
    fig_text(f, "programme", "programme.ends_on", "Ends on", NULL, r->programme->ends_on);
    for (size_t i = 0; i < r->ncampaigns; i++)
        fig_people(f, "campaigns", "campaign.answers", "Answer sets", r->campaigns[i].name, r->campaigns[i].answers);

    fig_num(f, "coverage", "coverage.selected", "Institutions selected", NULL, (double)r->selected);
    fig_num(f, "coverage", "coverage.accepted", "Institutions that accepted", NULL, (double)r->accepted);
    fig_num(f, "coverage", "coverage.invited", "Institutions invited, no answer yet", NULL, (double)r->invited);
    fig_num(f, "coverage", "coverage.declined", "Institutions that declined", NULL, (double)r->declined);
    fig_num(f, "coverage", "coverage.learners", "Learners in the selected institutions", NULL, (double)r->learners);
    for (size_t i = 0; i < r->ncountries; i++) {
        fig_num(f, "coverage", "coverage.country.selected", "Institutions selected, by country", r->countries[i].key,
                (double)r->countries[i].selected);
        fig_num(f, "coverage", "coverage.country.accepted", "Institutions that accepted, by country",
                r->countries[i].key, (double)r->countries[i].accepted);
    }
    for (size_t i = 0; i < r->nkinds; i++) {
        fig_num(f, "coverage", "coverage.kind.selected", "Institutions selected, by kind", r->kinds[i].key,
                (double)r->kinds[i].selected);
        fig_num(f, "coverage", "coverage.kind.accepted", "Institutions that accepted, by kind", r->kinds[i].key,
                (double)r->kinds[i].accepted);
    }
    devices_figures(f, &r->devices);

    fig_num(f, "training", "training.sessions", "Training sessions", NULL, (double)r->sessions);
    fig_num(f, "training", "training.sessions_held", "Training sessions held", NULL, (double)r->sessions_held);
    fig_num(f, "training", "training.sessions_tot", "Train-the-trainer sessions", NULL, (double)r->sessions_tot);
    fig_num(f, "training", "training.hours_held", "Hours of training held", NULL, r->hours_held);
    fig_people(f, "training", "training.enrolled", "People enrolled", NULL, r->enrolled);
    fig_people(f, "training", "training.attended", "People who attended", NULL, r->attended);
    fig_of_people(f, "training", "training.person_hours", "Person-hours of training", r->person_hours, r->attended);
    fig_people(f, "training", "training.reached", "People who completed training", NULL, r->reached);
    for (size_t i = 0; i < r->nlevels; i++) {
        const struct rep_level *l = &r->levels[i];
        const char *g = arena_printf(a, "level %d", l->level);
        fig_num(f, "training", "training.level.sessions", "Sessions at this cascade level", g, (double)l->sessions);
        fig_people(f, "training", "training.level.reached", "People who completed a session at this level", g, l->reached);
        fig_people(f, "training", "training.level.graduates", "Of them, new trainers", g, l->graduates);
    }
    outcome_figures(f, &r->outcomes, false);
    for (size_t i = 0; i < r->nthemes; i++)
        fig_people(f, "themes", "themes.texts", "Free texts given this theme", r->themes[i].name, r->themes[i].texts);
}

void rep_institution_figures(const struct rep_institution *r, struct arena *a, struct rep_figures *f)
{
    start(f, a, "institution", r->inst.v[INST_NAME] ? r->inst.v[INST_NAME] : r->inst.id, r->today, r->threshold);
    fig_text(f, "profile", "profile.id", "Institution", NULL, r->inst.id);
    for (int k = 0; k < INST_FIELD_COUNT; k++)
        if (!inst_field_personal((enum inst_field)k))
            fig_text(f, "profile", arena_printf(a, "profile.%s", inst_field_name((enum inst_field)k)),
                     inst_field_name((enum inst_field)k), NULL, r->inst.v[k]);
    if (r->programme) fig_text(f, "programme", "programme.slug", "Programme", NULL, r->programme->slug);
    if (r->assessed) {
        fig_text(f, "need", "need.campaign", "Needs-survey campaign", NULL, r->campaign_name);
        fig_num(f, "need", "need.score", "Need score (0-100)", NULL, r->score);
        if (r->rank) fig_num(f, "need", "need.rank", "Rank (1 = most need)", NULL, (double)r->rank);
        fig_num(f, "need", "need.scored", "Institutions with a score", NULL, (double)r->scored);
        if (r->rank_lo) {
            fig_num(f, "need", "need.rank_low", "Rank, 90% interval, low", NULL, (double)r->rank_lo);
            fig_num(f, "need", "need.rank_high", "Rank, 90% interval, high", NULL, (double)r->rank_hi);
        }
        for (size_t i = 0; i < r->ndomains; i++)
            fig_num(f, "need", "need.domain", "Need in this domain (weakest first)", r->domains[i].id, r->domains[i].need);
    }
    devices_figures(f, &r->devices);
    if (!r->programme) return;
    fig_num(f, "training", "training.sessions", "Training sessions its people were enrolled in", NULL, (double)r->sessions);
    fig_people(f, "training", "training.enrolled", "People enrolled", NULL, r->enrolled);
    fig_people(f, "training", "training.attended", "People who attended", NULL, r->attended);
    fig_people(f, "training", "training.completed", "People who completed", NULL, r->completed);
    fig_of_people(f, "training", "training.person_hours", "Person-hours of training", r->person_hours, r->attended);
    if (r->has_plan) {
        fig_num(f, "curriculum", "curriculum.items", "Curriculum items", NULL, (double)r->items);
        fig_num(f, "curriculum", "curriculum.done", "Curriculum items done", NULL, (double)r->items_done);
        fig_num(f, "curriculum", "curriculum.in_progress", "Curriculum items in progress", NULL, (double)r->items_in_progress);
        fig_num(f, "curriculum", "curriculum.late", "Curriculum items past their due day", NULL, (double)r->items_late);
    }
    outcome_figures(f, &r->outcomes, true);
}

void rep_figures_table(const struct rep_figures *f, struct arena *a, struct table_out *t)
{
    static const char *const head[] = {"section", "figure", "label", "group", "value", "note"};
    table_out_init(t, a, "report", head, 6);
    const char *note = arena_printf(a, "hidden: fewer than %d", f->threshold);
    for (size_t i = 0; i < f->n; i++) {
        const struct rep_figure *x = &f->items[i];
        struct table_cell *r = table_out_row(t);
        table_out_text(t, r, 0, x->section);
        table_out_text(t, r, 1, x->key);
        table_out_text(t, r, 2, x->label);
        table_out_text(t, r, 3, x->group);
        if (x->hidden) table_out_text(t, r, 5, note);
        else if (x->text) table_out_text(t, r, 4, x->text);
        else table_out_number(t, r, 4, x->value);
    }
}

static json_t *number_json(double v)
{
    if (!isfinite(v)) return json_null();
    if (v == floor(v) && fabs(v) < 9007199254740992.0) return json_integer((json_int_t)v);
    return json_real(v);
}

static json_t *figures_json(const struct rep_figures *f)
{
    json_t *list = json_array();
    for (size_t i = 0; i < f->n; i++) {
        const struct rep_figure *x = &f->items[i];
        json_t *o = json_object();
        json_object_set_new(o, "section", json_string(x->section));
        json_object_set_new(o, "figure", json_string(x->key));
        json_object_set_new(o, "label", json_string(x->label));
        json_object_set_new(o, "group", x->group ? json_string(x->group) : json_null());
        json_object_set_new(o, "value", x->hidden ? json_null() : x->text ? json_string(x->text) : number_json(x->value));
        json_object_set_new(o, "hidden", json_boolean(x->hidden));
        json_array_append_new(list, o);
    }
    json_t *doc = json_object();
    json_object_set_new(doc, "report", json_string(f->report));
    json_object_set_new(doc, "title", json_string(f->title ? f->title : ""));
    json_object_set_new(doc, "date", json_string(f->today ? f->today : ""));
    json_object_set_new(doc, "anonymity_threshold", json_integer(f->threshold));
    json_object_set_new(doc, "figures", list);
    return doc;
}

static char *dump(struct arena *a, json_t *doc)
{
    char *text = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    json_decref(doc);
    if (!text) return NULL;
    char *copy = arena_strdup(a, text);
    free(text);
    return copy;
}

char *rep_figures_json(const struct rep_figures *f, struct arena *a)
{
    return dump(a, figures_json(f));
}

/* --- the programme's tables -------------------------------------------------------------------- */

struct zfile {
    const char *name;
    const char *data;
    size_t len;
};

struct bundle {
    struct store *st;
    struct arena *a;
    const struct programme *p;
    bool personal;
    int threshold;
    unsigned char key[PSEUDONYM_KEY_SIZE];
    struct zfile *files;
    size_t nfiles, cap;
    json_t *tables;       /* the JSON document's "tables" */
};

static int append_sb(void *ctx, const void *data, size_t len)
{
    strbuf_append(ctx, data, len);
    return 0;
}

static void add_file(struct bundle *b, const char *name, const char *data, size_t len)
{
    if (b->nfiles == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 32;
        struct zfile *grown = arena_calloc(b->a, cap, sizeof *grown);
        if (b->nfiles) memcpy(grown, b->files, b->nfiles * sizeof *grown);
        b->files = grown;
        b->cap = cap;
    }
    b->files[b->nfiles++] = (struct zfile){name, data, len};
}

static json_t *table_json(const struct table_out *t)
{
    json_t *rows = json_array();
    for (size_t i = 0; i < t->rows; i++) {
        const struct table_cell *r = &t->cells[i * t->ncols];
        json_t *o = json_object();
        for (size_t c = 0; c < t->ncols; c++) {
            json_t *v = !r[c].text ? json_null() : r[c].numeric ? number_json(strtod(r[c].text, NULL)) : json_string(r[c].text);
            json_object_set_new(o, t->head[c], v ? v : json_null());
        }
        json_array_append_new(rows, o);
    }
    return rows;
}

/* A table as name.csv in the zip and under name in the JSON document. */
static int add_table(struct bundle *b, const char *name, const struct table_out *t, struct err *e)
{
    struct strbuf sb;
    strbuf_init(&sb, b->a, 4096);
    if (table_out_csv(t, append_sb, &sb, e) < 0) return -1;
    add_file(b, arena_printf(b->a, "%s.csv", name), sb.data, sb.len);
    json_object_set_new(b->tables, name, table_json(t));
    return 0;
}

static void cell(struct table_out *t, struct table_cell *r, size_t *k, const char *text)
{
    table_out_text(t, r, (*k)++, text);
}

static void cell_num(struct table_out *t, struct table_cell *r, size_t *k, double v)
{
    table_out_number(t, r, (*k)++, v);
}

static int phases_table(struct bundle *b, struct err *e)
{
    static const char *const head[] = {"kind", "label", "starts_on", "ends_on"};
    struct table_out t;
    table_out_init(&t, b->a, "phases", head, 4);
    for (size_t i = 0; i < b->p->phase_count; i++) {
        const struct programme_phase *ph = &b->p->phases[i];
        struct table_cell *r = table_out_row(&t);
        size_t k = 0;
        cell(&t, r, &k, ph->kind);
        cell(&t, r, &k, programme_phase_label(ph->kind));
        cell(&t, r, &k, ph->starts_on);
        cell(&t, r, &k, ph->ends_on);
    }
    return add_table(b, "phases", &t, e);
}

static int campaigns_table(struct bundle *b, struct campaign *cs, size_t n, struct err *e)
{
    static const char *const head[] = {"id", "name", "kind", "form_id", "opens_on", "closes_on", "status",
                                       "answer_sets", "note"};
    struct table_out t;
    table_out_init(&t, b->a, "campaigns", head, 9);
    for (size_t i = 0; i < n; i++) {
        struct table_cell *r = table_out_row(&t);
        size_t k = 0;
        cell(&t, r, &k, cs[i].id);
        cell(&t, r, &k, cs[i].name);
        cell(&t, r, &k, cs[i].kind);
        cell(&t, r, &k, cs[i].form_id);
        cell(&t, r, &k, cs[i].opens_on);
        cell(&t, r, &k, cs[i].closes_on);
        cell(&t, r, &k, cs[i].status ? cs[i].status : "draft");
        if (fb_enough(cs[i].responses, b->threshold)) {
            cell_num(&t, r, &k, (double)cs[i].responses);
        } else {
            k++;
            cell(&t, r, &k, arena_printf(b->a, "hidden: fewer than %d", b->threshold));
        }
    }
    return add_table(b, "campaigns", &t, e);
}

static int selection_tables(struct bundle *b, struct err *e)
{
    struct selection_run *run;
    if (selrun_confirmed(b->st, b->a, b->p->id, &run, e) < 0) {
        if (e->code != ERR_NOT_FOUND) return -1;
        err_clear(e);
        run = NULL;
    }
    /* The pilot's institutions: every place of the confirmed selection, reserve included. */
    static const char *const inst_head[] = {"id", "name", "kind", "formal", "country", "region", "area", "learners",
                                            "teachers", "devices", "connectivity", "status", "place_role",
                                            "place_state", "contact_name", "contact_email", "contact_phone"};
    struct table_out it;
    table_out_init(&it, b->a, "institutions", inst_head, b->personal ? 17 : 14);
    static const char *const sel_head[] = {"position", "role", "state", "institution_id", "institution", "country",
                                           "kind", "informal", "rural", "score", "replaces", "note"};
    struct table_out st;
    table_out_init(&st, b->a, "selection", sel_head, 12);
    static const char *const inv_head[] = {"institution_id", "institution", "state", "created_at", "responded_at",
                                           "expires", "email", "reason"};
    struct table_out vt;
    table_out_init(&vt, b->a, "invitations", inv_head, b->personal ? 8 : 6);
    for (size_t i = 0; run && i < run->nplaces; i++) {
        const struct selrun_place *pl = &run->places[i];
        const struct selrun_input *in = pl->cand < run->ninputs ? &run->inputs[pl->cand] : NULL;
        struct table_cell *r = table_out_row(&st);
        size_t k = 0;
        cell_num(&st, r, &k, pl->position);
        cell(&st, r, &k, pl->role);
        cell(&st, r, &k, pl->state);
        cell(&st, r, &k, pl->institution_id);
        cell(&st, r, &k, in ? in->name : NULL);
        cell(&st, r, &k, in ? in->country : NULL);
        cell(&st, r, &k, in ? in->kind : NULL);
        cell(&st, r, &k, in ? (in->informal ? "yes" : "no") : NULL);
        cell(&st, r, &k, in ? (in->rural ? "yes" : "no") : NULL);
        cell_num(&st, r, &k, in ? in->score : NAN);
        cell(&st, r, &k, pl->replaces);
        cell(&st, r, &k, pl->note);

        struct institution inst;
        if (inst_get(b->st, b->a, pl->institution_id, &inst, e) < 0) return -1;
        r = table_out_row(&it);
        k = 0;
        cell(&it, r, &k, inst.id);
        static const enum inst_field plain[] = {INST_NAME, INST_KIND, INST_FORMAL, INST_COUNTRY, INST_REGION, INST_AREA,
                                                INST_LEARNERS, INST_TEACHERS, INST_DEVICES, INST_CONNECTIVITY, INST_STATUS};
        for (size_t f = 0; f < sizeof plain / sizeof plain[0]; f++) cell(&it, r, &k, inst.v[plain[f]]);
        cell(&it, r, &k, pl->role);
        cell(&it, r, &k, pl->state);
        if (b->personal) {
            cell(&it, r, &k, inst.v[INST_CONTACT_NAME]);
            cell(&it, r, &k, inst.v[INST_CONTACT_EMAIL]);
            cell(&it, r, &k, inst.v[INST_CONTACT_PHONE]);
        }
    }
    for (size_t i = 0; run && i < run->ninvitations; i++) {
        const struct selrun_invitation *v = &run->invitations[i];
        const struct selrun_place *pl = selrun_place_of(run, v->institution_id);
        struct table_cell *r = table_out_row(&vt);
        size_t k = 0;
        cell(&vt, r, &k, v->institution_id);
        cell(&vt, r, &k, pl && pl->cand < run->ninputs ? run->inputs[pl->cand].name : NULL);
        cell(&vt, r, &k, v->state);
        cell(&vt, r, &k, v->created_at);
        cell(&vt, r, &k, v->responded_at);
        cell(&vt, r, &k, v->expires);
        if (b->personal) {
            cell(&vt, r, &k, v->email);
            cell(&vt, r, &k, v->reason);
        }
    }
    if (add_table(b, "institutions", &it, e) < 0 || add_table(b, "selection", &st, e) < 0) return -1;
    return add_table(b, "invitations", &vt, e);
}

static int need_table(struct bundle *b, struct err *e)
{
    struct campaign *c;
    if (assess_needs_campaign(b->st, b->a, b->p->id, &c, e) < 0) {
        if (e->code != ERR_NOT_FOUND) return -1;
        err_clear(e);
        return 0;
    }
    struct assessment as;
    if (assess_compute(b->st, b->a, c, true, &as, e) < 0) return -1;
    struct table_out t;
    assess_table(&as, b->a, &t);
    return add_table(b, "need_ranking", &t, e);
}

static int device_tables(struct bundle *b, struct err *e)
{
    static const char *const head[] = {"id", "model", "serial", "imei", "batch", "notes", "state", "institution_id",
                                       "institution", "updated_at"};
    struct table_out t;
    table_out_init(&t, b->a, "devices", head, 10);
    struct device_filter f = {.programme_id = b->p->id};
    struct device *ds;
    size_t n;
    int64_t total;
    if (device_list(b->st, b->a, &f, 0, 1000000, &ds, &n, &total, e) < 0) return -1;
    for (size_t i = 0; i < n; i++) {
        struct table_cell *r = table_out_row(&t);
        size_t k = 0;
        const char *v[] = {ds[i].id, ds[i].model, ds[i].serial, ds[i].imei, ds[i].batch, ds[i].notes,
                           device_state_name(ds[i].state), ds[i].institution_id, ds[i].institution_name, ds[i].updated_at};
        for (size_t c = 0; c < 10; c++) cell(&t, r, &k, v[c]);
    }
    if (add_table(b, "devices", &t, e) < 0) return -1;

    /* The history: who moved a device (an account's email) and the notes people write are
     * personal data. */
    static const char *const hhead[] = {"device_id", "serial", "imei", "from_state", "to_state", "at", "institution_id",
                                        "by", "note"};
    struct table_out h;
    table_out_init(&h, b->a, "device_history", hhead, b->personal ? 9 : 7);
    struct store_stmt *s = store_prepare(b->st,
        "SELECT v.device_id, d.serial, d.imei, v.from_state, v.to_state, v.at, v.institution_id, v.by_label, v.note"
        " FROM device_events v JOIN devices d ON d.id = v.device_id WHERE d.programme_id = ?"
        " ORDER BY d.serial, d.imei, v.at, v.id", e);
    if (!s) return -1;
    store_bind_text(s, 1, b->p->id);
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        struct table_cell *r = table_out_row(&h);
        size_t k = 0;
        for (int c = 0; c < (b->personal ? 9 : 7); c++) cell(&h, r, &k, col_or_null(b->a, s, c));
    }
    store_done(s);
    if (rc < 0 || add_table(b, "device_history", &h, e) < 0) return -1;

    static const char *const dhead[] = {"id", "institution_id", "institution", "expected", "received", "confirmed_at",
                                        "still_shipped", "confirmed_by", "note"};
    struct table_out dt;
    table_out_init(&dt, b->a, "deliveries", dhead, b->personal ? 9 : 7);
    struct device_delivery *dl;
    if (device_deliveries(b->st, b->a, NULL, &dl, &n, e) < 0) return -1;
    for (size_t i = 0; i < n; i++) {
        if (!dl[i].programme_id || strcmp(dl[i].programme_id, b->p->id) != 0) continue;
        struct table_cell *r = table_out_row(&dt);
        size_t k = 0;
        cell(&dt, r, &k, dl[i].id);
        cell(&dt, r, &k, dl[i].institution_id);
        cell(&dt, r, &k, dl[i].institution_name);
        cell_num(&dt, r, &k, dl[i].expected);
        cell_num(&dt, r, &k, dl[i].received);
        cell(&dt, r, &k, dl[i].confirmed_at);
        cell_num(&dt, r, &k, (double)dl[i].still_shipped);
        if (b->personal) {
            cell(&dt, r, &k, dl[i].confirmed_by);
            cell(&dt, r, &k, dl[i].note);
        }
    }
    return add_table(b, "deliveries", &dt, e);
}

static int training_tables(struct bundle *b, struct err *e)
{
    struct training_course_filter cf = {.programme_id = b->p->id};
    struct training_course *courses;
    size_t n;
    if (training_courses(b->st, b->a, &cf, &courses, &n, e) < 0) return -1;
    struct table_out ct;
    training_catalogue_table(courses, n, b->a, &ct);
    if (add_table(b, "courses", &ct, e) < 0) return -1;

    static const char *const head[] = {"id", "course_id", "course", "starts_at", "ends_at", "train_the_trainer",
                                       "place", "link", "capacity", "enrolled", "attended", "completed", "no_show",
                                       "trainer"};
    struct table_out t;
    table_out_init(&t, b->a, "sessions", head, 14);
    /* A trainer as the attendance export names them: a name with personal data, else a graduate's
     * pseudonym or the exports' pseudonym of the account. */
    struct store_stmt *s = store_prepare(b->st,
        "SELECT ts.id, ts.trainer_user_id, tp.pseudonym FROM training_sessions ts"
        " LEFT JOIN training_participants tp ON tp.id = ts.trainer_participant_id WHERE ts.programme_id = ?", e);
    if (!s) return -1;
    struct training_session_filter f = {.programme_id = b->p->id};
    struct training_session *ss;
    size_t ns;
    const char **who = NULL;
    store_bind_text(s, 1, b->p->id);
    struct { const char *id, *label; } *map = NULL;
    size_t nmap = 0, capmap = 0;
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        if (nmap == capmap) {
            capmap = capmap ? 2 * capmap : 32;
            void *grown = arena_calloc(b->a, capmap, sizeof *map);
            if (nmap) memcpy(grown, map, nmap * sizeof *map);
            map = grown;
        }
        const char *label = NULL;
        if (!store_col_null(s, 2)) {
            label = arena_strdup(b->a, store_col_text(s, 2));
        } else if (!store_col_null(s, 1)) {
            char p[PSEUDONYM_TEXT_SIZE];
            pseudonym_of(b->key, store_col_text(s, 1), p);
            label = arena_strdup(b->a, p);
        }
        map[nmap].id = arena_strdup(b->a, store_col_text(s, 0));
        map[nmap++].label = label;
    }
    store_done(s);
    if (rc < 0) return -1;
    if (training_sessions(b->st, b->a, &f, &ss, &ns, e) < 0) return -1;
    who = arena_calloc(b->a, ns ? ns : 1, sizeof *who);
    for (size_t i = 0; i < ns; i++) {
        if (b->personal) {
            who[i] = ss[i].trainer_name;
            continue;
        }
        for (size_t j = 0; j < nmap; j++)
            if (strcmp(map[j].id, ss[i].id) == 0) who[i] = map[j].label;
    }
    for (size_t i = 0; i < ns; i++) {
        const struct training_session *x = &ss[i];
        struct table_cell *r = table_out_row(&t);
        size_t k = 0;
        cell(&t, r, &k, x->id);
        cell(&t, r, &k, x->course_id);
        cell(&t, r, &k, x->course_title);
        cell(&t, r, &k, x->starts_at);
        cell(&t, r, &k, x->ends_at);
        cell(&t, r, &k, x->is_tot ? "yes" : "no");
        cell(&t, r, &k, x->place);
        cell(&t, r, &k, x->link);
        cell_num(&t, r, &k, x->capacity);
        cell_num(&t, r, &k, x->enrolled);
        cell_num(&t, r, &k, x->attended);
        cell_num(&t, r, &k, x->completed);
        cell_num(&t, r, &k, x->no_show);
        cell(&t, r, &k, who[i]);
    }
    if (add_table(b, "sessions", &t, e) < 0) return -1;

    struct table_out at;
    if (training_attendance_table(b->st, b->a, b->p->id, b->personal, &at, e) < 0) return -1;
    if (add_table(b, "attendance", &at, e) < 0) return -1;

    static const char *const chead[] = {"institution_id", "institution", "position", "domain", "module", "lesson",
                                        "course_id", "due_on", "done_on", "status"};
    struct table_out cu;
    table_out_init(&cu, b->a, "curriculum", chead, 10);
    s = store_prepare(b->st,
        "SELECT p.institution_id, i.name, ci.position, ci.domain, ci.module, ci.lesson, ci.course_id, ci.due_on,"
        " ci.done_on, ci.status FROM curriculum_items ci JOIN curriculum_plans p ON p.id = ci.plan_id"
        " JOIN institutions i ON i.id = p.institution_id WHERE p.programme_id = ?"
        " ORDER BY i.name, p.institution_id, ci.due_on, ci.position", e);
    if (!s) return -1;
    store_bind_text(s, 1, b->p->id);
    while ((rc = store_step(s, e)) == 1) {
        struct table_cell *r = table_out_row(&cu);
        size_t k = 0;
        for (int c = 0; c < 10; c++) {
            if (c == 2) cell_num(&cu, r, &k, (double)store_col_int(s, c));
            else cell(&cu, r, &k, col_or_null(b->a, s, c));
        }
    }
    store_done(s);
    if (rc < 0) return -1;
    return add_table(b, "curriculum", &cu, e);
}

static int feedback_tables(struct bundle *b, struct err *e)
{
    struct rcode_count *counts;
    size_t n;
    if (rcode_counts(b->st, b->a, b->p->id, &counts, &n, e) < 0) return -1;
    static const char *const head[] = {"institution_id", "institution", "role", "codes_issued"};
    struct table_out t;
    table_out_init(&t, b->a, "respondent_codes", head, 4);
    for (size_t i = 0; i < n; i++) {
        struct table_cell *r = table_out_row(&t);
        size_t k = 0;
        cell(&t, r, &k, counts[i].institution_id);
        cell(&t, r, &k, counts[i].institution_name);
        cell(&t, r, &k, counts[i].role ? counts[i].role : "any");
        cell_num(&t, r, &k, (double)counts[i].codes);
    }
    if (add_table(b, "respondent_codes", &t, e) < 0) return -1;

    struct fb_tag *tags;
    if (fb_tags(b->st, b->a, b->p->id, &tags, &n, e) < 0) return -1;
    static const char *const thead[] = {"theme", "texts", "note"};
    struct table_out tt;
    table_out_init(&tt, b->a, "themes", thead, 3);
    for (size_t i = 0; i < n; i++) {
        struct table_cell *r = table_out_row(&tt);
        table_out_text(&tt, r, 0, tags[i].name);
        if (fb_enough(tags[i].uses, b->threshold)) table_out_number(&tt, r, 1, (double)tags[i].uses);
        else table_out_text(&tt, r, 2, arena_printf(b->a, "hidden: fewer than %d", b->threshold));
    }
    return add_table(b, "themes", &tt, e);
}

/* Only letters, digits, '-', '_': a form id as a file name inside the zip. */
static const char *safe_name(struct arena *a, const char *s)
{
    char *out = arena_strdup(a, s);
    for (char *p = out; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
            *p = '_';
    return out;
}

/* The answer sets of each form the campaigns use, once per form, as forms/export.h writes them. */
static int answer_files(struct bundle *b, struct campaign *cs, size_t n, struct err *e)
{
    for (size_t i = 0; i < n; i++) {
        bool seen = false;
        for (size_t j = 0; j < i; j++)
            if (strcmp(cs[j].form_id, cs[i].form_id) == 0) seen = true;
        if (seen) continue;
        struct form_version_info info;
        struct form *form;
        if (form_store_latest(b->st, b->a, cs[i].form_id, &info, e) < 0) {
            if (e->code != ERR_NOT_FOUND) return -1;
            err_clear(e);
            continue;
        }
        if (form_store_load(b->st, b->a, info.id, &form, e) < 0) return -1;
        struct export_options opt = {.pseudonymise = !b->personal};
        struct export_plan plan;
        if (export_plan_build(b->a, form, &opt, &plan, e) < 0) return -1;
        struct strbuf *bufs = arena_calloc(b->a, plan.ntables, sizeof *bufs);
        struct export_sink *sinks = arena_calloc(b->a, plan.ntables, sizeof *sinks);
        for (size_t k = 0; k < plan.ntables; k++) {
            strbuf_init(&bufs[k], b->a, 4096);
            sinks[k] = (struct export_sink){append_sb, &bufs[k]};
        }
        if (export_csv(b->st, &plan, sinks, e) < 0) return -1;
        const char *base = safe_name(b->a, cs[i].form_id);
        for (size_t k = 0; k < plan.ntables; k++)
            add_file(b, k == 0 ? arena_printf(b->a, "answers/%s.csv", base)
                               : arena_printf(b->a, "answers/%s-%s.csv", base, safe_name(b->a, plan.tables[k].name)),
                     bufs[k].data, bufs[k].len);
    }
    return 0;
}

static const char *readme(struct bundle *b, const char *today)
{
    return arena_printf(b->a,
        "%s (%s): every table of the programme, exported on %s.\r\n\r\n"
        "Each table is a CSV file (RFC 4180, UTF-8); programme.json holds the same tables and the report's\r\n"
        "figures in one document. answers/ holds the answer sets of the forms the programme's campaigns use.\r\n\r\n"
        "%s\r\n\r\n"
        "report.csv holds the programme report's figures. A count of people below the anonymity threshold (%d)\r\n"
        "is never written: its row says \"hidden\" instead, and so do the answer counts in campaigns.csv and the\r\n"
        "theme counts in themes.csv. docs/reports.md explains each figure.\r\n",
        b->p->name, b->p->slug, today,
        b->personal ? "This export holds PERSONAL DATA (contacts, names, emails, notes): keep it as the privacy rules say."
                    : "This export is pseudonymised: contacts, names, emails, notes, who did what and the personal\r\n"
                      "answers are left out; people and answer sets appear by pseudonym only.",
        b->threshold);
}

static int zip_bytes(struct bundle *b, rep_write_fn write, void *ctx, struct err *e)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
    if (!src) {
        zip_error_fini(&ze);
        return err_set(e, ERR_INTERNAL, "cannot start the zip");
    }
    zip_source_keep(src);
    zip_t *z = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
    if (!z) {
        zip_source_free(src);
        zip_error_fini(&ze);
        return err_set(e, ERR_INTERNAL, "cannot start the zip");
    }
    for (size_t i = 0; i < b->nfiles; i++) {
        zip_source_t *fs = zip_source_buffer(z, b->files[i].data, b->files[i].len, 0);
        if (!fs || zip_file_add(z, b->files[i].name, fs, ZIP_FL_ENC_UTF_8) < 0) {
            if (fs) zip_source_free(fs);
            zip_discard(z);
            zip_source_free(src);
            zip_error_fini(&ze);
            return err_set(e, ERR_INTERNAL, "cannot add %s to the zip", b->files[i].name);
        }
    }
    if (zip_close(z) < 0) {
        zip_discard(z);
        zip_source_free(src);
        zip_error_fini(&ze);
        return err_set(e, ERR_INTERNAL, "cannot write the zip");
    }
    int rc = 0;
    if (zip_source_open(src) < 0) {
        rc = err_set(e, ERR_INTERNAL, "cannot read the zip back");
    } else {
        char buf[16384];
        zip_int64_t got;
        while ((got = zip_source_read(src, buf, sizeof buf)) > 0)
            if (write(ctx, buf, (size_t)got) != 0) {
                rc = err_set(e, ERR_IO, "the download stopped");
                break;
            }
        if (got < 0 && rc == 0) rc = err_set(e, ERR_INTERNAL, "cannot read the zip back");
        zip_source_close(src);
    }
    zip_source_free(src);
    zip_error_fini(&ze);
    return rc;
}

int rep_export_zip(struct store *st, struct arena *a, const char *slug, bool personal, int64_t now_ms,
                   rep_write_fn write, void *ctx, struct err *e)
{
    struct rep_programme report;
    if (rep_programme(st, a, slug, now_ms, &report, e) < 0) return -1;
    struct bundle b = {.st = st, .a = a, .p = report.programme, .personal = personal, .threshold = report.threshold};
    if (pseudonym_key(st, b.key, e) < 0) return -1;
    b.tables = json_object();
    struct campaign *cs;
    size_t nc;
    int rc = campaign_list(st, a, b.p->id, &cs, &nc, e);
    if (rc == 0) rc = phases_table(&b, e);
    if (rc == 0) rc = campaigns_table(&b, cs, nc, e);
    if (rc == 0) rc = selection_tables(&b, e);
    if (rc == 0) rc = need_table(&b, e);
    if (rc == 0) rc = device_tables(&b, e);
    if (rc == 0) rc = training_tables(&b, e);
    if (rc == 0) rc = feedback_tables(&b, e);
    struct rep_figures figures;
    rep_programme_figures(&report, a, &figures);
    struct table_out ft;
    rep_figures_table(&figures, a, &ft);
    if (rc == 0) rc = add_table(&b, "report", &ft, e);
    if (rc == 0) rc = answer_files(&b, cs, nc, e);
    if (rc < 0) {
        json_decref(b.tables);
        return -1;
    }
    char iso[32];
    time_format_iso(now_ms, iso, sizeof iso);
    json_t *doc = json_object();
    json_t *prog = json_object();
    json_object_set_new(prog, "id", json_string(b.p->id));
    json_object_set_new(prog, "slug", json_string(b.p->slug));
    json_object_set_new(prog, "name", json_string(b.p->name));
    json_object_set_new(prog, "starts_on", b.p->starts_on && *b.p->starts_on ? json_string(b.p->starts_on) : json_null());
    json_object_set_new(prog, "ends_on", b.p->ends_on && *b.p->ends_on ? json_string(b.p->ends_on) : json_null());
    json_object_set_new(doc, "programme", prog);
    json_object_set_new(doc, "exported_at", json_string(iso));
    json_object_set_new(doc, "personal_data", json_boolean(personal));
    json_object_set_new(doc, "anonymity_threshold", json_integer(b.threshold));
    json_object_set_new(doc, "tables", b.tables);
    json_object_set_new(doc, "report", figures_json(&figures));
    char *text = dump(a, doc);
    if (!text) return err_set(e, ERR_INTERNAL, "cannot write programme.json");
    add_file(&b, "programme.json", text, strlen(text));
    const char *about = readme(&b, arena_strndup(a, iso, 10));
    add_file(&b, "README.txt", about, strlen(about));
    return zip_bytes(&b, write, ctx, e);
}

#include "program/feedback.h"

#include "base/i18n.h"
#include "base/id.h"
#include "base/str.h"
#include "base/timeutil.h"
#include "forms/form_store.h"
#include "forms/summary.h"
#include "program/respondent_codes.h"
#include "program/training.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* --- small helpers ------------------------------------------------------------------------------ */

static bool blank(const char *s)
{
    return !s || !*s;
}

static void *grow(struct arena *a, void *old, size_t n, size_t *cap, size_t size)
{
    if (n < *cap) return old;
    *cap = *cap ? *cap * 2 : 16;
    void *p = arena_alloc(a, *cap * size);
    if (n) memcpy(p, old, n * size);
    return p;
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

void fb_suppress(const int64_t *counts, const bool *allowed, size_t n, int64_t total, int threshold, bool *shown)
{
    int64_t visible = 0;
    for (size_t i = 0; i < n; i++) {
        shown[i] = (!allowed || allowed[i]) && counts[i] >= threshold;
        if (shown[i]) visible += counts[i];
    }
    /* Whatever stays hidden must not be a small group that subtraction would give away. */
    for (;;) {
        int64_t rest = total - visible;
        if (rest <= 0 || rest >= threshold) return;
        size_t smallest = n;
        for (size_t i = 0; i < n; i++)
            if (shown[i] && (smallest == n || counts[i] < counts[smallest])) smallest = i;
        if (smallest == n) return;
        shown[smallest] = false;
        visible -= counts[smallest];
    }
}

const char *fb_magnitude(double dz)
{
    if (isnan(dz)) return "";
    double m = fabs(dz);
    if (m < 0.2) return N_("negligible");
    if (m < 0.5) return N_("small");
    if (m < 0.8) return N_("medium");
    return N_("large");
}

/* Keys counted once each, then looked up: how many distinct respondents a group has. */
struct tally {
    const char **keys;
    size_t n, cap;
};

static void tally_add(struct tally *t, struct arena *a, const char *key)
{
    t->keys = grow(a, t->keys, t->n, &t->cap, sizeof *t->keys);
    t->keys[t->n++] = key;
}

static void tally_done(struct tally *t)
{
    if (t->n) qsort(t->keys, t->n, sizeof *t->keys, cmp_str);
}

static int64_t tally_count(const struct tally *t, const char *key)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) { /* the first key >= key */
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(t->keys[mid], key) < 0) lo = mid + 1;
        else hi = mid;
    }
    size_t end = lo;
    while (end < t->n && strcmp(t->keys[end], key) == 0) end++;
    return (int64_t)(end - lo);
}

/* --- campaigns, forms and answer sets ----------------------------------------------------------- */

struct loaded_form {
    const char *form_id;
    const struct form *form;
};

struct forms_cache {
    struct loaded_form items[16];
    size_t n;
};

/* The latest version of a form, parsed once per call. NULL (not an error) when it cannot be read:
 * its answers are then left out. */
static const struct form *form_of(struct store *st, struct arena *a, struct forms_cache *fc, const char *form_id)
{
    for (size_t i = 0; i < fc->n; i++)
        if (strcmp(fc->items[i].form_id, form_id) == 0) return fc->items[i].form;
    struct form_version_info v;
    struct form *f = NULL;
    struct err ignored;
    err_clear(&ignored);
    if (form_store_latest(st, a, form_id, &v, &ignored) < 0 || form_store_load(st, a, v.id, &f, &ignored) < 0)
        f = NULL;
    if (fc->n < sizeof fc->items / sizeof fc->items[0]) fc->items[fc->n++] = (struct loaded_form){form_id, f};
    return f;
}

/* An issued code: whom it stands for. */
struct code_info {
    const char *code, *institution_id, *institution_name, *role;
};

struct codes {
    struct code_info *items; /* by code */
    size_t n;
};

static int load_codes(struct store *st, struct arena *a, const char *programme_id, struct codes *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    struct store_stmt *s = store_prepare(
        st,
        "SELECT r.code, COALESCE(m.id, i.id), COALESCE(m.name, i.name), r.role FROM respondent_codes r"
        " JOIN institutions i ON i.id = r.institution_id LEFT JOIN institutions m ON m.id = i.merged_into"
        " WHERE r.programme_id = ? ORDER BY r.code",
        e);
    if (!s) return -1;
    store_bind_text(s, 1, programme_id);
    size_t cap = 0;
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        out->items = grow(a, out->items, out->n, &cap, sizeof *out->items);
        out->items[out->n++] = (struct code_info){
            arena_strdup(a, store_col_text(s, 0)), arena_strdup(a, store_col_text(s, 1)),
            arena_strdup(a, store_col_text(s, 2)), store_col_null(s, 3) ? NULL : arena_strdup(a, store_col_text(s, 3))};
    }
    store_done(s);
    return rc < 0 ? -1 : 0;
}

static const struct code_info *code_find(const struct codes *c, const char *code)
{
    size_t lo = 0, hi = c->n;
    while (code && lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int d = strcmp(c->items[mid].code, code);
        if (d == 0) return &c->items[mid];
        if (d < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

/* One answer set, its answers as text by field name. */
struct aset {
    const char *id, *instance_id, *first_at;
    const struct campaign *campaign;
    const struct form *form;
    const char **names, **vals;
    size_t nv;
    const char *code;               /* normalised; NULL when none could be read */
    const struct code_info *who;    /* the issued code; NULL when it is not this programme's */
};

static const char *aset_get(const struct aset *s, const char *name)
{
    for (size_t i = 0; i < s->nv; i++)
        if (strcmp(s->names[i], name) == 0) return s->vals[i];
    return NULL;
}

/* The top-level answers of the stored JSON as text (repeats are not read: no item lives in one). */
static void read_answers(struct arena *a, const char *json, struct aset *out)
{
    json_error_t jerr;
    json_t *root = json_loads(json, 0, &jerr);
    out->nv = 0;
    if (!json_is_object(root)) {
        json_decref(root);
        return;
    }
    size_t n = json_object_size(root);
    out->names = arena_alloc(a, (n + 1) * sizeof *out->names);
    out->vals = arena_alloc(a, (n + 1) * sizeof *out->vals);
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v) {
        const char *text = NULL;
        if (json_is_string(v)) text = arena_strdup(a, json_string_value(v));
        else if (json_is_integer(v)) text = arena_printf(a, "%lld", (long long)json_integer_value(v));
        else if (json_is_real(v)) text = arena_printf(a, "%.17g", json_real_value(v));
        if (!text) continue;
        out->names[out->nv] = arena_strdup(a, key);
        out->vals[out->nv++] = text;
    }
    json_decref(root);
}

struct sets {
    struct aset *items;
    size_t n, cap;
};

/* The campaign's answer sets (program/campaign.h: first submitted between its days), current
 * revisions, in the order they were first submitted. */
static int load_campaign_sets(struct store *st, struct arena *a, struct forms_cache *fc, const struct campaign *c,
                              const struct codes *codes, struct sets *out, struct err *e)
{
    const struct form *f = form_of(st, a, fc, c->form_id);
    if (!f) return 0;
    struct store_stmt *s = store_prepare(
        st,
        "SELECT s.id, s.instance_id, f.submitted_at, s.answers FROM submissions s"
        " JOIN submissions f ON f.instance_id = s.instance_id AND f.revision = 1"
        " WHERE s.form_id = ? AND s.status = 'submitted' AND s.is_current = 1"
        " AND (? IS NULL OR substr(f.submitted_at, 1, 10) >= ?) AND (? IS NULL OR substr(f.submitted_at, 1, 10) <= ?)"
        " ORDER BY f.submitted_at, s.id",
        e);
    if (!s) return -1;
    const char *opens = blank(c->opens_on) ? NULL : c->opens_on, *closes = blank(c->closes_on) ? NULL : c->closes_on;
    store_bind_text(s, 1, c->form_id);
    store_bind_text(s, 2, opens);
    store_bind_text(s, 3, opens);
    store_bind_text(s, 4, closes);
    store_bind_text(s, 5, closes);
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        out->items = grow(a, out->items, out->n, &out->cap, sizeof *out->items);
        struct aset *x = &out->items[out->n++];
        memset(x, 0, sizeof *x);
        x->id = arena_strdup(a, store_col_text(s, 0));
        x->instance_id = arena_strdup(a, store_col_text(s, 1));
        x->first_at = arena_strdup(a, store_col_text(s, 2));
        x->campaign = c;
        x->form = f;
        read_answers(a, store_col_text(s, 3), x);
        x->code = rcode_normalise(a, aset_get(x, "respondent_code"));
        x->who = codes ? code_find(codes, x->code) : NULL;
    }
    store_done(s);
    return rc < 0 ? -1 : 0;
}

static int cmp_set_id(const void *x, const void *y)
{
    return strcmp(((const struct aset *)x)->id, ((const struct aset *)y)->id);
}

static int cmp_set_time(const void *x, const void *y)
{
    const struct aset *p = x, *q = y;
    int d = strcmp(p->first_at, q->first_at);
    return d ? d : strcmp(p->id, q->id);
}

/* Every answer set of the programme's campaigns of kind, once each (campaigns of one form whose
 * days overlap would give one twice), oldest first. *ncampaigns: how many campaigns. */
static int load_kind(struct store *st, struct arena *a, struct forms_cache *fc, const struct campaign *cs, size_t nc,
                     const char *kind, const struct codes *codes, struct sets *out, size_t *ncampaigns,
                     struct err *e)
{
    memset(out, 0, sizeof *out);
    *ncampaigns = 0;
    for (size_t i = 0; i < nc; i++) {
        if (strcmp(cs[i].kind, kind) != 0) continue;
        (*ncampaigns)++;
        if (load_campaign_sets(st, a, fc, &cs[i], codes, out, e) < 0) return -1;
    }
    if (out->n < 2) return 0;
    qsort(out->items, out->n, sizeof *out->items, cmp_set_id);
    size_t k = 0;
    for (size_t i = 0; i < out->n; i++)
        if (!k || strcmp(out->items[k - 1].id, out->items[i].id) != 0) out->items[k++] = out->items[i];
    out->n = k;
    qsort(out->items, out->n, sizeof *out->items, cmp_set_time);
    return 0;
}

static const struct form *first_form(struct store *st, struct arena *a, struct forms_cache *fc,
                                     const struct campaign *cs, size_t nc, const char *kind)
{
    for (size_t i = 0; i < nc; i++)
        if (strcmp(cs[i].kind, kind) == 0) {
            const struct form *f = form_of(st, a, fc, cs[i].form_id);
            if (f) return f;
        }
    return NULL;
}

static int cmp_set_code(const void *x, const void *y)
{
    const struct aset *p = *(const struct aset *const *)x, *q = *(const struct aset *const *)y;
    int d = strcmp(p->code, q->code);
    return d ? d : cmp_set_time(p, q);
}

/* The newest answer set per issued code, by code; *unmatched counts those without one. */
static const struct aset **newest_per_code(struct arena *a, const struct sets *s, size_t *n, int64_t *unmatched)
{
    const struct aset **v = arena_alloc(a, (s->n + 1) * sizeof *v);
    size_t m = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (s->items[i].who) v[m++] = &s->items[i];
        else if (unmatched) (*unmatched)++;
    }
    if (m > 1) qsort(v, m, sizeof *v, cmp_set_code);
    size_t k = 0;
    for (size_t i = 0; i < m; i++) {
        if (k && strcmp(v[k - 1]->code, v[i]->code) == 0) v[k - 1] = v[i]; /* a newer one replaces it */
        else v[k++] = v[i];
    }
    *n = k;
    return v;
}

static bool role_value(const char *r)
{
    return !blank(r) && rcode_role_valid(r);
}

/* The code's role, else what the answer says; "" when neither says. */
static const char *role_of(const struct code_info *who, const struct aset *b, const struct aset *e)
{
    if (who && who->role) return who->role;
    const char *r = b ? aset_get(b, "role") : NULL;
    if (role_value(r)) return r;
    r = e ? aset_get(e, "role") : NULL;
    return role_value(r) ? r : "";
}

/* --- items ---------------------------------------------------------------------------------- */

/* A Likert item's levels: its list's choices 1..k (dont_know aside); 0 when it is not one. */
static size_t likert_levels(struct arena *a, const struct form_field *fd, const struct form_choice ***levels)
{
    if (fd->type != FT_SELECT_ONE || !fd->list) return 0;
    size_t k = 0;
    for (size_t i = 0; i < fd->list->count; i++)
        if (strcmp(fd->list->choices[i].value, "dont_know") != 0) k++;
    if (k < 2 || k > PS_LIKERT_MAX) return 0;
    const struct form_choice **l = arena_alloc(a, k * sizeof *l);
    for (size_t v = 1; v <= k; v++) {
        char name[4];
        snprintf(name, sizeof name, "%zu", v);
        l[v - 1] = form_choice_by_value(fd->list, name);
        if (!l[v - 1]) return 0;
    }
    if (levels) *levels = l;
    return k;
}

static bool is_number(const struct form_field *fd)
{
    return fd->type == FT_INTEGER || fd->type == FT_DECIMAL || fd->type == FT_RANGE;
}

/* The items the baseline form asks and the endline form asks too, the same way. */
static void find_items(struct arena *a, const struct form *bf, const struct form *ef, struct fb_analysis *out)
{
    out->items = arena_calloc(a, bf->nfields + 1, sizeof *out->items);
    out->nitems = 0;
    for (size_t i = 0; i < bf->nfields; i++) {
        const struct form_field *fd = &bf->fields[i];
        if (form_field_repeat(fd)) continue;
        const struct form_field *other = ef ? form_field_by_name(ef, fd->name) : NULL;
        if (!other) continue;
        struct fb_item *it = &out->items[out->nitems];
        size_t k = likert_levels(a, fd, &it->levels);
        if (k) {
            if (likert_levels(a, other, NULL) != k) continue;
            it->kind = FB_LIKERT;
            it->k = k;
        } else if (is_number(fd) && is_number(other)) {
            it->kind = FB_NUMBER;
        } else {
            continue;
        }
        it->field = fd;
        out->nitems++;
    }
}

/* An answer as a number for the item; NaN when missing, "dont_know" or out of range. */
static double item_value(const struct fb_item *it, const struct aset *s)
{
    const char *v = s ? aset_get(s, it->field->name) : NULL;
    if (blank(v)) return NAN;
    char *end;
    double x = strtod(v, &end);
    while (*end == ' ') end++;
    if (*end || !isfinite(x)) return NAN;
    if (it->kind == FB_LIKERT && (x != floor(x) || x < 1 || x > (double)it->k)) return NAN;
    return x;
}

/* --- baseline against endline -------------------------------------------------------------- */

struct pair {
    const struct aset *b, *e;
    const struct code_info *who;
    const char *role;
};

static const char *const role_groups[] = {"teacher", "learner", "leader", ""};
enum { ROLE_GROUPS = 4 };

/* The index of a pair's group in the filter's dimension: an institution in out->institutions, or
 * a role in role_groups. */
static size_t group_of(const struct fb_analysis *an, const struct pair *p, bool by_institution)
{
    if (by_institution) {
        for (size_t g = 0; g < an->ninstitutions; g++)
            if (strcmp(an->institutions[g].id, p->who->institution_id) == 0) return g;
        return an->ninstitutions;
    }
    for (size_t g = 0; g < ROLE_GROUPS; g++)
        if (strcmp(role_groups[g], p->role) == 0) return g;
    return ROLE_GROUPS - 1;
}

static int cmp_group_name(const void *x, const void *y)
{
    const struct fb_group *p = x, *q = y;
    int d = strcmp(p->name, q->name);
    return d ? d : strcmp(p->id, q->id);
}

static void breakdowns(struct arena *a, const struct pair *pairs, size_t np, int threshold, struct fb_analysis *out)
{
    out->institutions = arena_calloc(a, np + 1, sizeof *out->institutions);
    out->ninstitutions = 0;
    for (size_t i = 0; i < np; i++) {
        size_t g = group_of(out, &pairs[i], true);
        if (g == out->ninstitutions)
            out->institutions[out->ninstitutions++] =
                (struct fb_group){pairs[i].who->institution_id, pairs[i].who->institution_name, 0, false};
        out->institutions[g].pairs++;
    }
    qsort(out->institutions, out->ninstitutions, sizeof *out->institutions, cmp_group_name);
    out->roles = arena_calloc(a, ROLE_GROUPS, sizeof *out->roles);
    out->nroles = ROLE_GROUPS;
    for (size_t g = 0; g < ROLE_GROUPS; g++)
        out->roles[g] = (struct fb_group){role_groups[g], rcode_role_label(role_groups[g]), 0, false};
    out->roles[ROLE_GROUPS - 1].name = N_("Role not known");
    for (size_t i = 0; i < np; i++) out->roles[group_of(out, &pairs[i], false)].pairs++;

    int64_t *counts = arena_alloc(a, (np + ROLE_GROUPS) * sizeof *counts);
    bool *allowed = arena_alloc(a, (np + ROLE_GROUPS) * sizeof *allowed);
    bool *shown = arena_alloc(a, (np + ROLE_GROUPS) * sizeof *shown);
    for (size_t g = 0; g < out->ninstitutions; g++) counts[g] = out->institutions[g].pairs;
    fb_suppress(counts, NULL, out->ninstitutions, (int64_t)np, threshold, shown);
    for (size_t g = 0; g < out->ninstitutions; g++) out->institutions[g].shown = shown[g];
    /* A role not known is part of the whole but cannot be chosen. */
    for (size_t g = 0; g < ROLE_GROUPS; g++) {
        counts[g] = out->roles[g].pairs;
        allowed[g] = g < ROLE_GROUPS - 1;
    }
    fb_suppress(counts, allowed, ROLE_GROUPS, (int64_t)np, threshold, shown);
    for (size_t g = 0; g < ROLE_GROUPS; g++) out->roles[g].shown = shown[g];
}

/* The item's figures over the pairs in[0..n). */
static int item_stats(struct arena *a, struct fb_item *it, const struct pair *const *in, size_t n, int threshold,
                      struct err *e)
{
    double *x = arena_alloc(a, (n + 1) * sizeof *x), *y = arena_alloc(a, (n + 1) * sizeof *y);
    for (size_t i = 0; i < n; i++) {
        x[i] = item_value(it, in[i]->b);
        y[i] = item_value(it, in[i]->e);
    }
    if (ps_paired(x, y, n, threshold, a, &it->r, e) < 0) return -1;
    if (it->r.status == PS_SUPPRESSED) {
        it->hidden = FB_HIDDEN_SMALL;
        return 0;
    }
    it->hidden = FB_SHOWN;
    if (it->kind == FB_LIKERT && ps_likert(x, y, n, it->k, true, a, &it->dist, e) < 0) return -1;
    return 0;
}

static int64_t complete_pairs(const struct fb_item *it, const struct pair *p)
{
    return !isnan(item_value(it, p->b)) && !isnan(item_value(it, p->e));
}

static void hide_item(struct fb_item *it, enum fb_hidden why, int threshold)
{
    memset(&it->r, 0, sizeof it->r);
    it->r.status = PS_SUPPRESSED;
    it->r.threshold = threshold;
    memset(&it->dist, 0, sizeof it->dist);
    it->hidden = why;
}

/* A filtered group's items: an item shows when the group's pairs for it pass fb_suppress among the
 * groups of the same dimension (each item has its own counts: a "don't know" here and there makes
 * them differ from the respondents'). */
static int filtered_items(struct arena *a, struct fb_analysis *out, const struct pair *pairs, size_t np,
                          bool by_institution, size_t group, int threshold, struct err *e)
{
    size_t ng = by_institution ? out->ninstitutions : out->nroles;
    const struct fb_group *groups = by_institution ? out->institutions : out->roles;
    int64_t *counts = arena_alloc(a, (ng + 1) * sizeof *counts);
    bool *allowed = arena_alloc(a, (ng + 1) * sizeof *allowed), *shown = arena_alloc(a, (ng + 1) * sizeof *shown);
    size_t *gi = arena_alloc(a, (np + 1) * sizeof *gi);
    const struct pair **mine = arena_alloc(a, (np + 1) * sizeof *mine);
    size_t nmine = 0;
    for (size_t i = 0; i < np; i++) {
        gi[i] = group_of(out, &pairs[i], by_institution);
        if (gi[i] == group) mine[nmine++] = &pairs[i];
    }
    for (size_t g = 0; g < ng; g++) allowed[g] = groups[g].shown;
    for (size_t j = 0; j < out->nitems; j++) {
        struct fb_item *it = &out->items[j];
        memset(counts, 0, ng * sizeof *counts);
        int64_t total = 0;
        for (size_t i = 0; i < np; i++) {
            int64_t c = complete_pairs(it, &pairs[i]);
            total += c;
            if (gi[i] < ng) counts[gi[i]] += c;
        }
        fb_suppress(counts, allowed, ng, total, threshold, shown);
        if (!shown[group]) {
            hide_item(it, counts[group] < threshold ? FB_HIDDEN_SMALL : FB_HIDDEN_REST, threshold);
            continue;
        }
        if (item_stats(a, it, mine, nmine, threshold, e) < 0) return -1;
    }
    return 0;
}

int fb_analyse(struct store *st, struct arena *a, const char *programme_id, const struct fb_filter *f,
               struct fb_analysis *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    const char *inst = f && !blank(f->institution_id) ? f->institution_id : NULL;
    const char *role = f && !blank(f->role) ? f->role : NULL;
    if (inst && role)
        return err_set(e, ERR_INVALID, "%s", N_("Choose an institution or a role, not both: together they would make groups too small to show."));
    if (summary_threshold(st, &out->threshold, e) < 0) return -1;
    struct campaign *cs;
    size_t nc;
    if (campaign_list(st, a, programme_id, &cs, &nc, e) < 0) return -1;
    struct codes codes;
    if (load_codes(st, a, programme_id, &codes, e) < 0) return -1;
    struct forms_cache fc = {.n = 0};
    struct sets bs, es;
    if (load_kind(st, a, &fc, cs, nc, "baseline", &codes, &bs, &out->baseline_campaigns, e) < 0 ||
        load_kind(st, a, &fc, cs, nc, "endline", &codes, &es, &out->endline_campaigns, e) < 0)
        return -1;
    out->form = first_form(st, a, &fc, cs, nc, "baseline");
    const struct form *ef = first_form(st, a, &fc, cs, nc, "endline");
    if (out->form) find_items(a, out->form, ef, out);

    size_t nb, ne;
    const struct aset **b = newest_per_code(a, &bs, &nb, &out->unmatched);
    const struct aset **en = newest_per_code(a, &es, &ne, &out->unmatched);
    out->baseline_sets = (int64_t)nb;
    out->endline_sets = (int64_t)ne;
    struct pair *pairs = arena_alloc(a, (nb + 1) * sizeof *pairs);
    size_t np = 0;
    for (size_t i = 0, j = 0; i < nb && j < ne;) {
        int d = strcmp(b[i]->code, en[j]->code);
        if (d < 0) i++;
        else if (d > 0) j++;
        else {
            pairs[np] = (struct pair){b[i], en[j], b[i]->who, NULL};
            pairs[np].role = role_of(b[i]->who, b[i], en[j]);
            np++, i++, j++;
        }
    }
    out->pairs = (int64_t)np;
    breakdowns(a, pairs, np, out->threshold, out);

    out->filtered = inst || role;
    if (!out->filtered) {
        out->group_pairs = out->pairs;
        out->group_shown = fb_enough(out->pairs, out->threshold);
        out->group_hidden = out->group_shown ? FB_SHOWN : FB_HIDDEN_SMALL;
        const struct pair **all = arena_alloc(a, (np + 1) * sizeof *all);
        for (size_t i = 0; i < np; i++) all[i] = &pairs[i];
        for (size_t j = 0; j < out->nitems; j++)
            if (item_stats(a, &out->items[j], all, np, out->threshold, e) < 0) return -1;
        return 0;
    }
    size_t ng = inst ? out->ninstitutions : out->nroles, group = ng;
    const struct fb_group *groups = inst ? out->institutions : out->roles;
    for (size_t g = 0; g < ng; g++)
        if (strcmp(groups[g].id, inst ? inst : role) == 0) group = g;
    if (group == ng || !groups[group].shown || (role && !rcode_role_valid(role))) {
        out->group_pairs = group < ng ? groups[group].pairs : 0;
        out->group_shown = false;
        out->group_hidden = out->group_pairs < out->threshold ? FB_HIDDEN_SMALL : FB_HIDDEN_REST;
        for (size_t j = 0; j < out->nitems; j++) hide_item(&out->items[j], out->group_hidden, out->threshold);
        return 0;
    }
    out->group_pairs = groups[group].pairs;
    out->group_shown = true;
    out->group_hidden = FB_SHOWN;
    return filtered_items(a, out, pairs, np, inst != NULL, group, out->threshold, e);
}

/* --- training sessions ------------------------------------------------------------------------- */

/* A session's code as answered, compared without case and spaces at either end. */
static const char *session_key(struct arena *a, const char *v)
{
    if (!v) return "";
    char *s = str_trim(arena_strdup(a, v));
    for (char *p = s; *p; p++)
        if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
    return s;
}

/* The programme's session a code names in the training catalogue (program/training.h): its id,
 * or the end of its id, FB_SESSION_CODE_MIN characters or more, when only one session's id ends
 * so; NULL when none does. */
static const struct training_session *session_find(const struct training_session *list, size_t n, const char *key)
{
    size_t len = strlen(key);
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i].id, key) == 0) return &list[i];
    const struct training_session *hit = NULL;
    for (size_t i = 0; len >= FB_SESSION_CODE_MIN && i < n; i++) {
        size_t idlen = strlen(list[i].id);
        if (idlen <= len || strcmp(list[i].id + idlen - len, key) != 0) continue;
        if (hit) return NULL; /* two sessions end so: the code says neither */
        hit = &list[i];
    }
    return hit;
}

struct sess_set {
    const struct aset *set;
    const char *session, *course; /* course: "" when not known */
    const char *title;            /* the course's title */
    const char *starts_at;        /* the session's start */
    double *v;                    /* nitems */
};

static int cmp_sess_set(const void *x, const void *y)
{
    const struct sess_set *p = x, *q = y;
    int d = strcmp(p->course, q->course);
    return d ? d : strcmp(p->session, q->session);
}

static void mean_of(const struct sess_set *ss, size_t from, size_t to, size_t j, struct fb_mean *m)
{
    double sum = 0;
    m->n = 0;
    for (size_t i = from; i < to; i++)
        if (!isnan(ss[i].v[j])) {
            sum += ss[i].v[j];
            m->n++;
        }
    m->mean = m->n ? sum / (double)m->n : NAN;
}

/* Within a parent (a course, or the whole), which children show, for the answer sets and for each
 * item's answers (fb_suppress). */
static void suppress_children(struct arena *a, struct fb_session *kids, size_t n, const struct fb_session *parent,
                              size_t nitems, int threshold)
{
    int64_t *counts = arena_alloc(a, (n + 1) * sizeof *counts);
    bool *allowed = arena_alloc(a, (n + 1) * sizeof *allowed), *shown = arena_alloc(a, (n + 1) * sizeof *shown);
    for (size_t i = 0; i < n; i++) counts[i] = kids[i].answers;
    fb_suppress(counts, NULL, n, parent->answers, threshold, shown);
    for (size_t i = 0; i < n; i++) kids[i].shown = shown[i] && parent->shown;
    for (size_t j = 0; j < nitems; j++) {
        for (size_t i = 0; i < n; i++) {
            counts[i] = kids[i].means[j].n;
            allowed[i] = kids[i].shown;
        }
        fb_suppress(counts, allowed, n, parent->means[j].n, threshold, shown);
        for (size_t i = 0; i < n; i++) {
            kids[i].means[j].shown = shown[i];
            if (!shown[i]) kids[i].means[j].mean = NAN;
        }
    }
}

int fb_sessions(struct store *st, struct arena *a, const char *programme_id, struct fb_sessions *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    if (summary_threshold(st, &out->threshold, e) < 0) return -1;
    int T = out->threshold;
    struct campaign *cs;
    size_t nc;
    if (campaign_list(st, a, programme_id, &cs, &nc, e) < 0) return -1;
    struct codes codes;
    if (load_codes(st, a, programme_id, &codes, e) < 0) return -1;
    struct forms_cache fc = {.n = 0};
    struct sets ss;
    if (load_kind(st, a, &fc, cs, nc, "session_feedback", &codes, &ss, &out->campaigns, e) < 0) return -1;
    out->form = first_form(st, a, &fc, cs, nc, "session_feedback");
    if (!out->form) return 0;
    out->items = arena_alloc(a, (out->form->nfields + 1) * sizeof *out->items);
    struct fb_item *its = arena_calloc(a, out->form->nfields + 1, sizeof *its);
    for (size_t i = 0; i < out->form->nfields; i++) {
        const struct form_field *fd = &out->form->fields[i];
        size_t k = form_field_repeat(fd) ? 0 : likert_levels(a, fd, NULL);
        if (!k) continue;
        its[out->nitems] = (struct fb_item){.field = fd, .kind = FB_LIKERT, .k = k};
        out->items[out->nitems++] = fd;
    }
    struct training_session *catalogue;
    size_t ncat;
    struct training_session_filter filter = {.programme_id = programme_id};
    if (training_sessions(st, a, &filter, &catalogue, &ncat, e) < 0) return -1;
    size_t n = ss.n, ni = out->nitems;
    struct sess_set *v = arena_alloc(a, (n + 1) * sizeof *v);
    for (size_t i = 0; i < n; i++) {
        v[i].set = &ss.items[i];
        v[i].session = session_key(a, aset_get(&ss.items[i], "session"));
        const struct training_session *ts = session_find(catalogue, ncat, v[i].session);
        v[i].course = "";
        v[i].title = v[i].starts_at = NULL;
        if (ts) {
            v[i].session = ts->id; /* the whole id and its end are one session */
            v[i].course = ts->course_id;
            v[i].title = ts->course_title;
            v[i].starts_at = ts->starts_at;
            out->catalogue = true;
        }
        v[i].v = arena_alloc(a, (ni + 1) * sizeof *v[i].v);
        for (size_t j = 0; j < ni; j++) v[i].v[j] = item_value(&its[j], v[i].set);
    }
    qsort(v, n, sizeof *v, cmp_sess_set);

    out->overall.session = "";
    out->overall.answers = (int64_t)n;
    out->overall.shown = fb_enough(out->overall.answers, T);
    out->overall.means = arena_alloc(a, (ni + 1) * sizeof *out->overall.means);
    for (size_t j = 0; j < ni; j++) {
        mean_of(v, 0, n, j, &out->overall.means[j]);
        out->overall.means[j].shown = out->overall.shown && fb_enough(out->overall.means[j].n, T);
        if (!out->overall.means[j].shown) out->overall.means[j].mean = NAN;
    }
    out->sessions = arena_calloc(a, n + 1, sizeof *out->sessions);
    out->courses = arena_calloc(a, n + 1, sizeof *out->courses);
    size_t *first_session = arena_alloc(a, (n + 2) * sizeof *first_session);
    for (size_t i = 0; i < n;) {
        size_t c_end = i;
        while (c_end < n && strcmp(v[c_end].course, v[i].course) == 0) c_end++;
        struct fb_session *course = &out->courses[out->ncourses];
        first_session[out->ncourses++] = out->nsessions;
        course->session = v[i].course;
        course->course = *v[i].course ? (v[i].title ? v[i].title : v[i].course) : NULL;
        course->answers = (int64_t)(c_end - i);
        course->means = arena_alloc(a, (ni + 1) * sizeof *course->means);
        for (size_t j = 0; j < ni; j++) mean_of(v, i, c_end, j, &course->means[j]);
        for (size_t k = i; k < c_end;) {
            size_t s_end = k;
            while (s_end < c_end && strcmp(v[s_end].session, v[k].session) == 0) s_end++;
            struct fb_session *s = &out->sessions[out->nsessions++];
            s->session = v[k].session;
            s->course = course->course;
            s->starts_at = v[k].starts_at;
            s->answers = (int64_t)(s_end - k);
            s->means = arena_alloc(a, (ni + 1) * sizeof *s->means);
            for (size_t j = 0; j < ni; j++) mean_of(v, k, s_end, j, &s->means[j]);
            k = s_end;
        }
        i = c_end;
    }
    first_session[out->ncourses] = out->nsessions;
    suppress_children(a, out->courses, out->ncourses, &out->overall, ni, T);
    for (size_t c = 0; c < out->ncourses; c++)
        suppress_children(a, out->sessions + first_session[c], first_session[c + 1] - first_session[c],
                          &out->courses[c], ni, T);
    return 0;
}

/* --- free texts and their tags ----------------------------------------------------------------- */

/* The questions whose answers are free texts to read and tag: text questions that are not the
 * codes, and not the few words of an or_other. */
static bool comment_field(const struct form_field *fd)
{
    return fd->type == FT_TEXT && !fd->other_of && !form_field_repeat(fd) && strcmp(fd->name, "respondent_code") != 0 &&
           strcmp(fd->name, "session") != 0;
}

static const char *name_key(struct arena *a, const char *name)
{
    char *k = arena_strdup(a, name);
    for (char *p = k; *p; p++)
        if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
    return k;
}

int fb_tags(struct store *st, struct arena *a, const char *programme_id, struct fb_tag **out, size_t *n,
            struct err *e)
{
    *out = NULL;
    *n = 0;
    struct store_stmt *s = store_prepare(
        st,
        "SELECT g.id, g.name, (SELECT COUNT(*) FROM feedback_tagging t WHERE t.tag_id = g.id)"
        " FROM feedback_tags g WHERE g.programme_id = ? ORDER BY g.name_key, g.id",
        e);
    if (!s) return -1;
    store_bind_text(s, 1, programme_id);
    size_t cap = 0;
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        *out = grow(a, *out, *n, &cap, sizeof **out);
        (*out)[(*n)++] = (struct fb_tag){arena_strdup(a, store_col_text(s, 0)), arena_strdup(a, store_col_text(s, 1)),
                                         store_col_int(s, 2)};
    }
    store_done(s);
    return rc < 0 ? -1 : 0;
}

struct tagging {
    const char *instance_id, *field, *tag_id;
};

static int load_taggings(struct store *st, struct arena *a, const char *programme_id, struct tagging **out, size_t *n,
                         struct err *e)
{
    *out = NULL;
    *n = 0;
    struct store_stmt *s = store_prepare(
        st,
        "SELECT s.instance_id, t.field, t.tag_id FROM feedback_tagging t JOIN feedback_tags g ON g.id = t.tag_id"
        " JOIN submissions s ON s.id = t.submission_id WHERE g.programme_id = ?",
        e);
    if (!s) return -1;
    store_bind_text(s, 1, programme_id);
    size_t cap = 0;
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        *out = grow(a, *out, *n, &cap, sizeof **out);
        (*out)[(*n)++] = (struct tagging){arena_strdup(a, store_col_text(s, 0)), arena_strdup(a, store_col_text(s, 1)),
                                          arena_strdup(a, store_col_text(s, 2))};
    }
    store_done(s);
    return rc < 0 ? -1 : 0;
}

static const char *const comment_kinds[] = {"baseline", "endline", "session_feedback"};

/* Who answered: the institution and role groups of each kind, counted once per respondent (the
 * newest answer set per code), and the answer sets of each campaign and session. */
static void count_groups(struct arena *a, const char *kind, const struct sets *s, struct tally *t)
{
    size_t n;
    const struct aset **v = newest_per_code(a, s, &n, NULL);
    for (size_t i = 0; i < n; i++) {
        const char *inst = v[i]->who->institution_id, *role = role_of(v[i]->who, v[i], NULL);
        tally_add(t, a, arena_printf(a, "i\x1f%s\x1f%s", kind, inst));
        tally_add(t, a, arena_printf(a, "r\x1f%s\x1f%s\x1f%s", kind, inst, role));
        tally_add(t, a, arena_printf(a, "R\x1f%s\x1f%s", kind, role));
    }
    for (size_t i = 0; i < s->n; i++) {
        tally_add(t, a, arena_printf(a, "c\x1f%s", s->items[i].campaign->id));
        if (strcmp(kind, "session_feedback") == 0)
            tally_add(t, a, arena_printf(a, "s\x1f%s", session_key(a, aset_get(&s->items[i], "session"))));
    }
}

static int cmp_comment(const void *x, const void *y)
{
    const struct fb_comment *p = x, *q = y;
    if ((p->ntags == 0) != (q->ntags == 0)) return p->ntags == 0 ? -1 : 1;
    int d = strcmp(q->first_at, p->first_at);
    if (d) return d;
    d = strcmp(p->submission_id, q->submission_id);
    return d ? d : strcmp(p->field->name, q->field->name);
}

static void attach_tags(struct arena *a, struct fb_comment *c, const char *instance_id, const struct tagging *tg,
                        size_t ntg, const struct fb_tag *tags, size_t ntags)
{
    c->tags = arena_alloc(a, (ntags + 1) * sizeof *c->tags);
    c->ntags = 0;
    for (size_t k = 0; k < ntags; k++)
        for (size_t i = 0; i < ntg; i++)
            if (strcmp(tg[i].tag_id, tags[k].id) == 0 && strcmp(tg[i].instance_id, instance_id) == 0 &&
                strcmp(tg[i].field, c->field->name) == 0) {
                c->tags[c->ntags++] = &tags[k];
                break; /* once, whichever revision it was given to */
            }
}

int fb_comments(struct store *st, struct arena *a, const char *programme_id, const char *tag, struct fb_comments *out,
                struct err *e)
{
    memset(out, 0, sizeof *out);
    if (summary_threshold(st, &out->threshold, e) < 0) return -1;
    int T = out->threshold;
    struct campaign *cs;
    size_t nc;
    if (campaign_list(st, a, programme_id, &cs, &nc, e) < 0) return -1;
    struct codes codes;
    struct tagging *tg;
    size_t ntg;
    if (load_codes(st, a, programme_id, &codes, e) < 0 || fb_tags(st, a, programme_id, &out->tags, &out->ntags, e) < 0 ||
        load_taggings(st, a, programme_id, &tg, &ntg, e) < 0)
        return -1;
    struct forms_cache fc = {.n = 0};
    struct sets sets[3];
    struct tally t = {0};
    for (size_t k = 0; k < 3; k++) {
        size_t ncamp;
        if (load_kind(st, a, &fc, cs, nc, comment_kinds[k], &codes, &sets[k], &ncamp, e) < 0) return -1;
        count_groups(a, comment_kinds[k], &sets[k], &t);
    }
    tally_done(&t);
    size_t cap = 0;
    for (size_t k = 0; k < 3; k++) {
        const char *kind = comment_kinds[k];
        bool sessions = k == 2;
        for (size_t i = 0; i < sets[k].n; i++) {
            const struct aset *s = &sets[k].items[i];
            const char *session = sessions ? session_key(a, aset_get(s, "session")) : NULL;
            bool listed = fb_enough(tally_count(&t, arena_printf(a, "c\x1f%s", s->campaign->id)), T) &&
                          (!sessions || fb_enough(tally_count(&t, arena_printf(a, "s\x1f%s", session)), T));
            for (size_t j = 0; j < s->form->nfields; j++) {
                const struct form_field *fd = &s->form->fields[j];
                if (!comment_field(fd)) continue;
                const char *text = aset_get(s, fd->name);
                if (blank(text)) continue;
                char *trimmed = str_trim(arena_strdup(a, text));
                if (!*trimmed) continue;
                if (!listed) {
                    out->hidden++;
                    continue;
                }
                struct fb_comment c = {s->id, kind, s->campaign->name, s->form, fd, trimmed, NULL, NULL, session,
                                       NULL, 0, s->first_at};
                if (s->who) {
                    const char *inst = s->who->institution_id, *role = role_of(s->who, s, NULL);
                    if (fb_enough(tally_count(&t, arena_printf(a, "i\x1f%s\x1f%s", kind, inst)), T)) {
                        c.institution = s->who->institution_name;
                        if (*role && fb_enough(tally_count(&t, arena_printf(a, "r\x1f%s\x1f%s\x1f%s", kind, inst, role)), T))
                            c.role = role;
                    } else if (*role && fb_enough(tally_count(&t, arena_printf(a, "R\x1f%s\x1f%s", kind, role)), T)) {
                        c.role = role;
                    }
                }
                attach_tags(a, &c, s->instance_id, tg, ntg, out->tags, out->ntags);
                if (c.ntags == 0) out->untagged++;
                bool keep = blank(tag) || (strcmp(tag, "none") == 0 && c.ntags == 0);
                for (size_t x = 0; !keep && x < c.ntags; x++) keep = strcmp(c.tags[x]->id, tag) == 0;
                if (!keep) continue;
                out->items = grow(a, out->items, out->n, &cap, sizeof *out->items);
                out->items[out->n++] = c;
            }
        }
    }
    if (out->n > 1) qsort(out->items, out->n, sizeof *out->items, cmp_comment);
    return 0;
}

static int fail(struct store *st, struct err *e)
{
    store_rollback(st);
    return e && e->code ? e->code : ERR_IO;
}

int fb_tag_create(struct store *st, struct arena *a, const char *programme_id, const char *name, bool is_demo,
                  const struct audit_actor *by, const char **id, struct err *e)
{
    if (id) *id = NULL;
    char *n = str_trim(arena_strdup(a, name ? name : ""));
    if (!*n) return err_set(e, ERR_INVALID, "%s", N_("Enter the tag's name."));
    if (!str_utf8_valid(n, strlen(n)) || str_utf8_length(n, strlen(n)) > FB_TAG_NAME_MAX)
        return err_set(e, ERR_INVALID, "%s", N_("A tag's name has at most 60 characters."));
    for (const char *p = n; *p; p++)
        if ((unsigned char)*p < 0x20) return err_set(e, ERR_INVALID, "%s", N_("A tag's name is one line of text."));
    char *tid = arena_alloc(a, ID_TEXT_SIZE);
    id_new(tid);
    char now[32];
    time_format_iso(time_now_ms(), now, sizeof now);
    if (store_begin(st, e) < 0) return -1;
    struct store_stmt *s = store_prepare(st,
                                         "INSERT INTO feedback_tags (id, programme_id, name, name_key, is_demo, created_at)"
                                         " VALUES (?,?,?,?,?,?) ON CONFLICT (programme_id, name_key) DO NOTHING",
                                         e);
    if (!s) return fail(st, e);
    store_bind_text(s, 1, tid);
    store_bind_text(s, 2, programme_id);
    store_bind_text(s, 3, n);
    store_bind_text(s, 4, name_key(a, n));
    store_bind_int(s, 5, is_demo);
    store_bind_text(s, 6, now);
    int rc = store_run(s, e);
    store_done(s);
    if (rc < 0) return fail(st, e);
    if (store_changes(st) != 1) {
        store_rollback(st);
        return err_set(e, ERR_CONFLICT, "%s", N_("This programme has a tag with this name already."));
    }
    const char *ids[] = {tid, programme_id};
    if (audit_record_json(st, by, "feedback.tag_create", "feedback_tag", ids, 2, json_object(), e) < 0)
        return fail(st, e);
    if (store_commit(st, e) < 0) return fail(st, e);
    if (id) *id = tid;
    return 0;
}

/* The answer set to tag, checked: current, submitted, of a feedback campaign's form of the
 * programme, and its field a free-text question with an answer. */
static int check_tag_target(struct store *st, struct arena *a, const char *programme_id, const char *submission_id,
                            const char *field, const char *tag_id, const char **instance_id, struct err *e)
{
    struct store_stmt *s = store_prepare(st, "SELECT 1 FROM feedback_tags WHERE id = ? AND programme_id = ?", e);
    if (!s) return -1;
    store_bind_text(s, 1, tag_id ? tag_id : "");
    store_bind_text(s, 2, programme_id);
    int rc = store_step(s, e);
    store_done(s);
    if (rc < 0) return -1;
    if (rc == 0) return err_set(e, ERR_INVALID, "%s", N_("There is no such tag in this programme."));
    s = store_prepare(st,
                      "SELECT form_id, instance_id, answers FROM submissions WHERE id = ? AND status = 'submitted'"
                      " AND is_current = 1",
                      e);
    if (!s) return -1;
    store_bind_text(s, 1, submission_id ? submission_id : "");
    rc = store_step(s, e);
    const char *form_id = rc == 1 ? arena_strdup(a, store_col_text(s, 0)) : NULL;
    *instance_id = rc == 1 ? arena_strdup(a, store_col_text(s, 1)) : NULL;
    struct aset set = {0};
    if (rc == 1) read_answers(a, store_col_text(s, 2), &set);
    store_done(s);
    if (rc < 0) return -1;
    const char *not_ours = N_("There is no such answer in this programme's feedback.");
    if (rc == 0) return err_set(e, ERR_INVALID, "%s", not_ours);
    struct campaign *cs;
    size_t nc;
    if (campaign_list(st, a, programme_id, &cs, &nc, e) < 0) return -1;
    bool ours = false;
    for (size_t i = 0; i < nc && !ours; i++)
        for (size_t k = 0; k < 3; k++)
            if (strcmp(cs[i].kind, comment_kinds[k]) == 0 && strcmp(cs[i].form_id, form_id) == 0) ours = true;
    if (!ours) return err_set(e, ERR_INVALID, "%s", not_ours);
    struct forms_cache fc = {.n = 0};
    const struct form *f = form_of(st, a, &fc, form_id);
    const struct form_field *fd = f && field ? form_field_by_name(f, field) : NULL;
    if (!fd || !comment_field(fd))
        return err_set(e, ERR_INVALID, "%s", N_("That question is not a free-text question of this feedback."));
    const char *text = aset_get(&set, fd->name);
    if (blank(text) || !*str_trim(arena_strdup(a, text)))
        return err_set(e, ERR_INVALID, "%s", N_("That answer has no text to tag."));
    return 0;
}

int fb_tag_set(struct store *st, struct arena *a, const char *programme_id, const char *submission_id,
               const char *field, const char *tag_id, bool on, const struct audit_actor *by, struct err *e)
{
    const char *instance_id = NULL;
    if (check_tag_target(st, a, programme_id, submission_id, field, tag_id, &instance_id, e) < 0)
        return e->code ? e->code : -1;
    char now[32];
    time_format_iso(time_now_ms(), now, sizeof now);
    if (store_begin(st, e) < 0) return -1;
    struct store_stmt *s;
    if (on) {
        /* Given already, to this revision or an earlier one of the same answer set: nothing to do. */
        s = store_prepare(st,
                          "INSERT INTO feedback_tagging (submission_id, field, tag_id, by_user_id, by_label, at)"
                          " SELECT ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM feedback_tagging t"
                          " JOIN submissions s ON s.id = t.submission_id WHERE s.instance_id = ? AND t.field = ?"
                          " AND t.tag_id = ?)",
                          e);
        if (!s) return fail(st, e);
        store_bind_text(s, 1, submission_id);
        store_bind_text(s, 2, field);
        store_bind_text(s, 3, tag_id);
        store_bind_text(s, 4, by ? by->user_id : NULL);
        store_bind_text(s, 5, by && by->label ? by->label : "system");
        store_bind_text(s, 6, now);
        store_bind_text(s, 7, instance_id);
        store_bind_text(s, 8, field);
        store_bind_text(s, 9, tag_id);
    } else {
        s = store_prepare(st,
                          "DELETE FROM feedback_tagging WHERE field = ? AND tag_id = ?"
                          " AND submission_id IN (SELECT id FROM submissions WHERE instance_id = ?)",
                          e);
        if (!s) return fail(st, e);
        store_bind_text(s, 1, field);
        store_bind_text(s, 2, tag_id);
        store_bind_text(s, 3, instance_id);
    }
    int rc = store_run(s, e);
    store_done(s);
    if (rc < 0) return fail(st, e);
    if (store_changes(st) == 0) {
        store_rollback(st);
        return 0;
    }
    const char *ids[] = {submission_id, tag_id, programme_id};
    json_t *d = json_pack("{s:s}", "field", field);
    if (audit_record_json(st, by, on ? "feedback.tag" : "feedback.untag", "submission", ids, 3, d, e) < 0)
        return fail(st, e);
    if (store_commit(st, e) < 0) return fail(st, e);
    return 0;
}

#include "program/programme.h"

#include "base/i18n.h"
#include "base/id.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <jansson.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const programme_phase_kinds[PROGRAMME_PHASE_KINDS] = {
    "campaign", "identification", "selection", "equipment", "training", "feedback", "reporting",
};

const char *programme_phase_label(const char *kind)
{
    static const char *const labels[PROGRAMME_PHASE_KINDS] = {
        N_("Needs survey campaign"), N_("Identifying institutions"), N_("Selecting the pilot"),
        N_("Equipment"),             N_("Teacher training"),         N_("Feedback"),
        N_("Impact report"),
    };
    for (int i = 0; i < PROGRAMME_PHASE_KINDS; i++)
        if (strcmp(kind, programme_phase_kinds[i]) == 0) return labels[i];
    return kind;
}

/* --- rules ------------------------------------------------------------------------------------- */

void programme_problem_add(struct programme_problems *pp, const char *field, const char *msg)
{
    if (pp->n < PROGRAMME_PROBLEMS_MAX) pp->item[pp->n++] = (struct programme_problem){field, msg};
}

int programme_problems_err(const struct programme_problems *pp, struct err *e)
{
    return err_set(e, ERR_INVALID, "%s", pp->n ? pp->item[0].msg : "the input is not valid");
}

static bool blank(const char *s)
{
    return !s || !*s;
}

bool programme_date_valid(const char *s)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-') return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return false;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1900 || m < 1 || m > 12 || d < 1) return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= days[m - 1] + (m == 2 && leap);
}

/* The slug is a path segment and a CLI argument: plain ASCII that needs no escaping anywhere. */
bool programme_slug_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 2 || n > PROGRAMME_SLUG_MAX || s[0] == '-' || s[n - 1] == '-' || strcmp(s, "new") == 0) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '-' && s[i + 1] == '-') return false;
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    }
    return true;
}

static size_t chars(const char *s)
{
    return s ? str_utf8_length(s, strlen(s)) : 0;
}

/* Dates: each blank or real; start not after end. */
static void check_span(const char *from, const char *to, const char *from_field, const char *to_field,
                       const char *from_msg, const char *to_msg, const char *order_msg,
                       struct programme_problems *out)
{
    bool from_ok = blank(from) || programme_date_valid(from);
    bool to_ok = blank(to) || programme_date_valid(to);
    if (!from_ok) programme_problem_add(out, from_field, from_msg);
    if (!to_ok) programme_problem_add(out, to_field, to_msg);
    if (from_ok && to_ok && !blank(from) && !blank(to) && strcmp(from, to) > 0)
        programme_problem_add(out, to_field, order_msg);
}

size_t programme_validate(const struct programme *p, struct programme_problems *out)
{
    size_t before = out->n;
    if (blank(p->name)) programme_problem_add(out, "name", N_("Enter the programme's name."));
    else if (chars(p->name) > PROGRAMME_NAME_MAX)
        programme_problem_add(out, "name", N_("The name is too long: 200 characters at most."));
    if (blank(p->slug)) programme_problem_add(out, "slug", N_("Enter a short name for the programme's address."));
    else if (!programme_slug_valid(p->slug))
        programme_problem_add(out, "slug", N_("The short name may hold only lower-case letters a to z, digits and single hyphens inside, 2 to 64 of them, and cannot be \"new\"."));
    if (chars(p->summary) > PROGRAMME_SUMMARY_MAX)
        programme_problem_add(out, "summary", N_("The summary is too long: 2000 characters at most."));
    check_span(p->starts_on, p->ends_on, "starts_on", "ends_on", N_("Enter the start as a date, like 2026-01-12."),
               N_("Enter the end as a date, like 2026-12-18."), N_("The programme cannot end before it starts."), out);
    if (p->pilot_size < 1 || p->pilot_size > PROGRAMME_PILOT_MAX)
        programme_problem_add(out, "pilot_size", N_("Enter a pilot size from 1 to 1000 institutions."));
    if (p->devices_per_institution < 0 || p->devices_per_institution > PROGRAMME_DEVICES_MAX)
        programme_problem_add(out, "devices", N_("Enter a number of devices per institution from 0 to 1000."));
    if (p->max_per_country < 0 || p->max_per_country > PROGRAMME_PER_COUNTRY_MAX)
        programme_problem_add(out, "max_per_country", N_("Enter at most how many institutions per country, from 0 (no limit) to 1000."));
    if (p->min_informal < 0 || p->min_informal > PROGRAMME_PILOT_MAX ||
        (p->pilot_size >= 1 && p->min_informal > p->pilot_size))
        programme_problem_add(out, "min_informal", N_("The least number of informal institutions must be from 0 to the pilot size."));
    if (p->min_rural_percent < 0 || p->min_rural_percent > 100)
        programme_problem_add(out, "min_rural_percent", N_("Enter the least rural share as a whole per cent from 0 to 100."));
    /* A programme whose dates moved must still hold its phases: the phases are changed first. */
    for (size_t i = 0; i < p->phase_count; i++) {
        const struct programme_phase *ph = &p->phases[i];
        if ((!blank(p->starts_on) && programme_date_valid(p->starts_on) && strcmp(ph->starts_on, p->starts_on) < 0) ||
            (!blank(p->ends_on) && programme_date_valid(p->ends_on) && strcmp(ph->ends_on, p->ends_on) > 0)) {
            programme_problem_add(out, "starts_on", N_("The programme's dates must include all its phases: change the phases first."));
            break;
        }
    }
    return out->n - before;
}

static int kind_index(const char *kind)
{
    for (int i = 0; kind && i < PROGRAMME_PHASE_KINDS; i++)
        if (strcmp(kind, programme_phase_kinds[i]) == 0) return i;
    return -1;
}

static const char *phase_field(const char *kind, const char *end)
{
    /* Fields name known kinds only, so the names are static strings. */
    static const char *const names[PROGRAMME_PHASE_KINDS][2] = {
        {"phase-campaign-start", "phase-campaign-end"},
        {"phase-identification-start", "phase-identification-end"},
        {"phase-selection-start", "phase-selection-end"},
        {"phase-equipment-start", "phase-equipment-end"},
        {"phase-training-start", "phase-training-end"},
        {"phase-feedback-start", "phase-feedback-end"},
        {"phase-reporting-start", "phase-reporting-end"},
    };
    int k = kind_index(kind);
    return k < 0 ? "phases" : names[k][end ? 1 : 0];
}

size_t programme_validate_phases(const struct programme *p, const struct programme_phase *phases, size_t n,
                                 struct programme_problems *out)
{
    size_t before = out->n;
    const struct programme_phase *by_kind[PROGRAMME_PHASE_KINDS] = {0};
    for (size_t i = 0; i < n; i++) {
        const struct programme_phase *ph = &phases[i];
        int k = kind_index(ph->kind);
        const char *fs = phase_field(ph->kind, NULL), *fe = phase_field(ph->kind, "end");
        if (k < 0) {
            programme_problem_add(out, "phases", N_("A phase must be one of the programme's phases: campaign, identification, selection, equipment, training, feedback, reporting."));
            continue;
        }
        if (by_kind[k]) {
            programme_problem_add(out, fs, N_("Each phase can appear only once."));
            continue;
        }
        size_t had = out->n;
        if (!programme_date_valid(ph->starts_on)) programme_problem_add(out, fs, N_("Enter the phase's start as a date, like 2026-01-12."));
        if (!programme_date_valid(ph->ends_on)) programme_problem_add(out, fe, N_("Enter the phase's end as a date, like 2026-03-27."));
        if (out->n != had) continue;
        if (strcmp(ph->starts_on, ph->ends_on) > 0) {
            programme_problem_add(out, fe, N_("A phase cannot end before it starts."));
            continue;
        }
        if ((!blank(p->starts_on) && strcmp(ph->starts_on, p->starts_on) < 0) ||
            (!blank(p->ends_on) && strcmp(ph->ends_on, p->ends_on) > 0)) {
            programme_problem_add(out, fs, N_("A phase must lie within the programme's dates."));
            continue;
        }
        by_kind[k] = ph;
    }
    /* Overlaps are allowed; going back in programme order is not. */
    const struct programme_phase *last = NULL;
    for (int k = 0; k < PROGRAMME_PHASE_KINDS; k++) {
        if (!by_kind[k]) continue;
        if (last && strcmp(by_kind[k]->starts_on, last->starts_on) < 0)
            programme_problem_add(out, phase_field(by_kind[k]->kind, NULL),
                                  N_("A phase cannot start before the phases that come before it."));
        else last = by_kind[k];
    }
    return out->n - before;
}

/* --- reading ----------------------------------------------------------------------------------- */

#define PROGRAMME_COLS                                                                                     \
    "p.id, p.slug, p.name, p.summary, p.starts_on, p.ends_on, p.pilot_size, p.devices_per_institution," \
    " p.is_demo, p.max_per_country, p.min_informal, p.min_rural_percent, ph.id, ph.kind, ph.starts_on, ph.ends_on"
#define PROGRAMME_FROM " FROM programmes p LEFT JOIN programme_phases ph ON ph.programme_id = p.id"

/* One statement for programmes and their phases: one read transaction a page, not one a
 * programme (each costs the WAL's locks and system calls). */
static const char sql_list[] = "SELECT " PROGRAMME_COLS PROGRAMME_FROM
                               " ORDER BY p.created_at DESC, p.id DESC, ph.position";
static const char sql_by_slug[] = "SELECT " PROGRAMME_COLS PROGRAMME_FROM " WHERE p.slug = ? ORDER BY ph.position";
static const char sql_by_id[] = "SELECT " PROGRAMME_COLS PROGRAMME_FROM " WHERE p.id = ? ORDER BY ph.position";
static const char sql_insert[] =
    "INSERT INTO programmes (id, slug, name, summary, starts_on, ends_on, pilot_size,"
    " devices_per_institution, is_demo, max_per_country, min_informal, min_rural_percent, created_at, updated_at)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
static const char sql_update[] =
    "UPDATE programmes SET slug = ?, name = ?, summary = ?, starts_on = ?, ends_on = ?, pilot_size = ?,"
    " devices_per_institution = ?, max_per_country = ?, min_informal = ?, min_rural_percent = ?, updated_at = ?"
    " WHERE id = ?";
static const char sql_insert_phase[] =
    "INSERT INTO programme_phases (id, programme_id, position, kind, starts_on, ends_on)"
    " VALUES (?,?,?,?,?,?)";

static void add_phase(struct arena *a, struct programme *p, struct store_stmt *s)
{
    if (store_col_null(s, 12) || p->phase_count >= PROGRAMME_PHASE_KINDS * 2) return;
    if (!p->phases) p->phases = arena_alloc(a, PROGRAMME_PHASE_KINDS * 2 * sizeof *p->phases);
    struct programme_phase *ph = &p->phases[p->phase_count++];
    ph->id = arena_strdup(a, store_col_text(s, 12));
    ph->kind = arena_strdup(a, store_col_text(s, 13));
    ph->starts_on = arena_strdup(a, store_col_text(s, 14));
    ph->ends_on = arena_strdup(a, store_col_text(s, 15));
}

static void read_row(struct arena *a, struct programme *p, struct store_stmt *s)
{
    memset(p, 0, sizeof *p);
    p->id = arena_strdup(a, store_col_text(s, 0));
    p->slug = arena_strdup(a, store_col_text(s, 1));
    p->name = arena_strdup(a, store_col_text(s, 2));
    p->summary = arena_strdup(a, store_col_text(s, 3));
    p->starts_on = arena_strdup(a, store_col_text(s, 4));
    p->ends_on = arena_strdup(a, store_col_text(s, 5));
    p->pilot_size = (int)store_col_int(s, 6);
    p->devices_per_institution = (int)store_col_int(s, 7);
    p->is_demo = store_col_int(s, 8) != 0;
    p->max_per_country = (int)store_col_int(s, 9);
    p->min_informal = (int)store_col_int(s, 10);
    p->min_rural_percent = (int)store_col_int(s, 11);
    add_phase(a, p, s);
}

static int read_all(struct store_stmt *s, struct arena *a, struct programme **out, size_t *count, struct err *e)
{
    size_t cap = 0;
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        const char *id = store_col_text(s, 0);
        if (*count && strcmp((*out)[*count - 1].id, id) == 0) {
            add_phase(a, &(*out)[*count - 1], s);
            continue;
        }
        if (*count == cap) {
            cap = cap ? cap * 2 : 4;
            struct programme *np = arena_alloc(a, cap * sizeof *np);
            if (*count) memcpy(np, *out, *count * sizeof *np);
            *out = np;
        }
        read_row(a, &(*out)[(*count)++], s);
    }
    store_done(s);
    return rc < 0 ? -1 : 0;
}

int programme_list(struct store *st, struct arena *a, struct programme **out, size_t *count,
                   struct err *e)
{
    *out = NULL;
    *count = 0;
    struct store_stmt *s = store_prepare(st, sql_list, e);
    if (!s) return -1;
    return read_all(s, a, out, count, e);
}

static int find_one(struct store *st, struct arena *a, const char *sql, const char *key, struct programme **out,
                    struct err *e)
{
    *out = NULL;
    struct store_stmt *s = store_prepare(st, sql, e);
    if (!s) return -1;
    store_bind_text(s, 1, key ? key : "");
    size_t n = 0;
    if (read_all(s, a, out, &n, e) < 0) return -1;
    if (!n) return err_set(e, ERR_NOT_FOUND, "there is no programme '%s'", key ? key : "");
    return 0;
}

int programme_find(struct store *st, struct arena *a, const char *slug, struct programme **out, struct err *e)
{
    return find_one(st, a, sql_by_slug, slug, out, e);
}

/* --- writing ----------------------------------------------------------------------------------- */

static void bind_date(struct store_stmt *s, int i, const char *d)
{
    if (blank(d)) store_bind_null(s, i);
    else store_bind_text(s, i, d);
}

static int finish(struct store *st, struct err *e)
{
    store_rollback(st);
    return e && e->code ? e->code : ERR_IO;
}

/* The audit detail: a JSON object built by jansson, so that a name can never break it. */
static int audit_json(struct store *st, const struct audit_actor *by, const char *action, const char *id,
                      json_t *detail, struct err *e)
{
    char *text = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(detail);
    if (!text) return err_set(e, ERR_INTERNAL, "the audit entry could not be written");
    const char *ids[] = {id};
    int rc = audit_record(st, by, action, "programme", ids, 1, text, e);
    free(text);
    return rc;
}

static int insert_phases(struct store *st, const char *programme_id, const struct programme_phase *phases,
                         size_t n, struct err *e)
{
    /* Stored in programme order, whatever order they came in. */
    int pos = 0;
    for (int k = 0; k < PROGRAMME_PHASE_KINDS; k++) {
        for (size_t i = 0; i < n; i++) {
            const struct programme_phase *ph = &phases[i];
            if (strcmp(ph->kind, programme_phase_kinds[k]) != 0) continue;
            char pid[ID_TEXT_SIZE];
            if (ph->id) snprintf(pid, sizeof pid, "%s", ph->id);
            else id_new(pid);
            struct store_stmt *s = store_prepare(st, sql_insert_phase, e);
            if (!s) return -1;
            store_bind_text(s, 1, pid);
            store_bind_text(s, 2, programme_id);
            store_bind_int(s, 3, ++pos);
            store_bind_text(s, 4, ph->kind);
            store_bind_text(s, 5, ph->starts_on);
            store_bind_text(s, 6, ph->ends_on);
            int rc = store_run(s, e);
            store_done(s);
            if (rc < 0) return -1;
        }
    }
    return 0;
}

static const char *now_iso(char buf[32])
{
    time_format_iso(time_now_ms(), buf, 32);
    return buf;
}

int programme_create(struct store *st, struct arena *a, struct programme *p, const struct audit_actor *by,
                     struct err *e)
{
    struct programme_problems pp = {.n = 0};
    struct programme own = *p;
    own.phases = NULL;
    own.phase_count = 0;
    if (programme_validate(&own, &pp) || programme_validate_phases(p, p->phases, p->phase_count, &pp))
        return programme_problems_err(&pp, e);
    if (!p->id) {
        char *id = arena_alloc(a, ID_TEXT_SIZE);
        id_new(id);
        p->id = id;
    }
    char now[32];
    now_iso(now);
    if (store_begin(st, e) < 0) return -1;
    struct store_stmt *s = store_prepare(st, sql_insert, e);
    if (!s) return finish(st, e);
    store_bind_text(s, 1, p->id);
    store_bind_text(s, 2, p->slug);
    store_bind_text(s, 3, p->name);
    store_bind_text(s, 4, p->summary ? p->summary : "");
    bind_date(s, 5, p->starts_on);
    bind_date(s, 6, p->ends_on);
    store_bind_int(s, 7, p->pilot_size);
    store_bind_int(s, 8, p->devices_per_institution);
    store_bind_int(s, 9, p->is_demo);
    store_bind_int(s, 10, p->max_per_country);
    store_bind_int(s, 11, p->min_informal);
    store_bind_int(s, 12, p->min_rural_percent);
    store_bind_text(s, 13, now);
    store_bind_text(s, 14, now);
    int rc = store_run(s, e);
    store_done(s);
    if (rc < 0) {
        if (e && e->code == ERR_CONFLICT)
            err_set(e, ERR_CONFLICT, "a programme with the address '%s' already exists", p->slug);
        return finish(st, e);
    }
    if (insert_phases(st, p->id, p->phases, p->phase_count, e) < 0) return finish(st, e);
    json_t *d = json_pack("{s:s, s:i, s:i, s:i}", "slug", p->slug, "pilot_size", p->pilot_size,
                          "devices_per_institution", p->devices_per_institution, "phases", (int)p->phase_count);
    if (audit_json(st, by, "programme.create", p->id, d, e) < 0) return finish(st, e);
    if (store_commit(st, e) < 0) return finish(st, e);
    return 0;
}

static bool same_text(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

int programme_update(struct store *st, struct arena *a, const struct programme *p, const struct audit_actor *by,
                     struct err *e)
{
    struct programme *old;
    if (find_one(st, a, sql_by_id, p->id, &old, e) < 0) return e->code;
    struct programme_problems pp = {.n = 0};
    struct programme check = *p;
    check.phases = old->phases; /* the new dates must still hold the phases */
    check.phase_count = old->phase_count;
    if (programme_validate(&check, &pp)) return programme_problems_err(&pp, e);

    json_t *changed = json_array();
#define CHANGED(cond, name) \
    if (cond) json_array_append_new(changed, json_string(name))
    CHANGED(!same_text(old->slug, p->slug), "slug");
    CHANGED(!same_text(old->name, p->name), "name");
    CHANGED(!same_text(old->summary, p->summary), "summary");
    CHANGED(!same_text(old->starts_on, p->starts_on), "starts_on");
    CHANGED(!same_text(old->ends_on, p->ends_on), "ends_on");
    CHANGED(old->pilot_size != p->pilot_size, "pilot_size");
    CHANGED(old->devices_per_institution != p->devices_per_institution, "devices_per_institution");
    CHANGED(old->max_per_country != p->max_per_country, "max_per_country");
    CHANGED(old->min_informal != p->min_informal, "min_informal");
    CHANGED(old->min_rural_percent != p->min_rural_percent, "min_rural_percent");
#undef CHANGED
    if (json_array_size(changed) == 0) {
        json_decref(changed); /* nothing changed: nothing to write, nothing to audit */
        return 0;
    }
    char now[32];
    now_iso(now);
    if (store_begin(st, e) < 0) {
        json_decref(changed);
        return -1;
    }
    struct store_stmt *s = store_prepare(st, sql_update, e);
    if (!s) {
        json_decref(changed);
        return finish(st, e);
    }
    store_bind_text(s, 1, p->slug);
    store_bind_text(s, 2, p->name);
    store_bind_text(s, 3, p->summary ? p->summary : "");
    bind_date(s, 4, p->starts_on);
    bind_date(s, 5, p->ends_on);
    store_bind_int(s, 6, p->pilot_size);
    store_bind_int(s, 7, p->devices_per_institution);
    store_bind_int(s, 8, p->max_per_country);
    store_bind_int(s, 9, p->min_informal);
    store_bind_int(s, 10, p->min_rural_percent);
    store_bind_text(s, 11, now);
    store_bind_text(s, 12, p->id);
    int rc = store_run(s, e);
    store_done(s);
    if (rc < 0) {
        json_decref(changed);
        if (e && e->code == ERR_CONFLICT)
            err_set(e, ERR_CONFLICT, "a programme with the address '%s' already exists", p->slug);
        return finish(st, e);
    }
    if (audit_json(st, by, "programme.update", p->id, json_pack("{s:o}", "fields", changed), e) < 0)
        return finish(st, e);
    if (store_commit(st, e) < 0) return finish(st, e);
    return 0;
}

int programme_set_phases(struct store *st, struct arena *a, const struct programme *p,
                         const struct programme_phase *phases, size_t n, const struct audit_actor *by,
                         struct err *e)
{
    struct programme *old;
    if (find_one(st, a, sql_by_id, p->id, &old, e) < 0) return e->code;
    struct programme_problems pp = {.n = 0};
    if (programme_validate_phases(old, phases, n, &pp)) return programme_problems_err(&pp, e);
    /* A kind that stays keeps its id, so that whatever comes to refer to a phase still finds it. */
    struct programme_phase *keep = arena_alloc(a, (n ? n : 1) * sizeof *keep);
    for (size_t i = 0; i < n; i++) {
        keep[i] = phases[i];
        keep[i].id = NULL;
        for (size_t k = 0; k < old->phase_count; k++)
            if (strcmp(old->phases[k].kind, phases[i].kind) == 0) keep[i].id = old->phases[k].id;
    }
    if (store_begin(st, e) < 0) return -1;
    struct store_stmt *s = store_prepare(st, "DELETE FROM programme_phases WHERE programme_id = ?", e);
    if (!s) return finish(st, e);
    store_bind_text(s, 1, old->id);
    int rc = store_run(s, e);
    store_done(s);
    if (rc < 0 || insert_phases(st, old->id, keep, n, e) < 0) return finish(st, e);
    json_t *kinds = json_array();
    for (int k = 0; k < PROGRAMME_PHASE_KINDS; k++)
        for (size_t i = 0; i < n; i++)
            if (strcmp(phases[i].kind, programme_phase_kinds[k]) == 0)
                json_array_append_new(kinds, json_string(programme_phase_kinds[k]));
    if (audit_json(st, by, "programme.phases", old->id, json_pack("{s:o, s:i}", "kinds", kinds, "before",
                                                                 (int)old->phase_count), e) < 0)
        return finish(st, e);
    if (store_commit(st, e) < 0) return finish(st, e);
    return 0;
}

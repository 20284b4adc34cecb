#include "program/reports.h"

#include "base/str.h"
#include "base/timeutil.h"
#include "forms/summary.h"
#include "program/assessment.h"
#include "program/campaign.h"
#include "program/respondent_codes.h"
#include "program/selection_run.h"
#include "program/training.h"
#include "program/training_cascade.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *col_or_null(struct arena *a, struct store_stmt *s, int col)
{
    return store_col_null(s, col) ? NULL : arena_strdup(a, store_col_text(s, col));
}

static bool blank(const char *s) { return !s || !*s; }

/* --- people and the threshold ------------------------------------------------------------------ */

struct rep_people rep_people_of(int64_t n, int threshold)
{
    return (struct rep_people){n, fb_enough(n, threshold)};
}

struct rep_people rep_people_part(int64_t part, int64_t whole, int threshold)
{
    /* The rest of the group is never shown, but it is there to be worked out: fb_suppress hides
     * the part when the rest would be a small group. */
    int64_t counts[2] = {part, whole - part};
    bool allowed[2] = {true, false}, shown[2];
    fb_suppress(counts, allowed, 2, whole, threshold, shown);
    return (struct rep_people){part, shown[0]};
}

/* --- settings ---------------------------------------------------------------------------------- */

static int setting_int(struct store *st, const char *key, int64_t lo, int64_t hi, int def, int *out, struct err *e)
{
    *out = def;
    struct store_stmt *s = store_prepare(st, "SELECT value FROM settings WHERE key = ?", e);
    if (!s) return -1;
    store_bind_text(s, 1, key);
    int rc = store_step(s, e);
    int64_t v;
    if (rc == 1 && str_to_int64(store_col_text(s, 0), lo, hi, &v)) *out = (int)v;
    store_done(s);
    return rc < 0 ? -1 : 0;
}

int rep_late_days(struct store *st, int *out, struct err *e)
{
    return setting_int(st, "late_after_days", 1, REP_LATE_DAYS_MAX, REP_LATE_DAYS_DEFAULT, out, e);
}

int rep_answer_target(struct store *st, int *out, struct err *e)
{
    return setting_int(st, "answer_rate_target", 1, 100, REP_ANSWER_TARGET_DEFAULT, out, e);
}

static int set_setting_int(struct store *st, const char *key, int64_t lo, int64_t hi, int value,
                           const struct audit_actor *by, struct err *e)
{
    if (value < lo || value > hi)
        return err_set(e, ERR_INVALID, "%s is a whole number from %lld to %lld", key, (long long)lo, (long long)hi);
    char text[24];
    snprintf(text, sizeof text, "%d", value);
    if (store_begin(st, e) < 0) return -1;
    struct store_stmt *s = store_prepare(st, "INSERT INTO settings (key, value) VALUES (?, ?)"
                                             " ON CONFLICT (key) DO UPDATE SET value = excluded.value", e);
    int rc = s ? 0 : -1;
    if (s) {
        store_bind_text(s, 1, key);
        store_bind_text(s, 2, text);
        rc = store_run(s, e);
        store_done(s);
    }
    const char *ids[] = {key};
    if (rc == 0) rc = audit_record_json(st, by, "settings.set", "setting", ids, 1, json_pack("{s:i}", "value", value), e);
    if (rc == 0) rc = store_commit(st, e);
    if (rc < 0) store_rollback(st);
    return rc;
}

int rep_set_late_days(struct store *st, int days, const struct audit_actor *by, struct err *e)
{
    return set_setting_int(st, "late_after_days", 1, REP_LATE_DAYS_MAX, days, by, e);
}

int rep_set_answer_target(struct store *st, int percent, const struct audit_actor *by, struct err *e)
{
    return set_setting_int(st, "answer_rate_target", 1, 100, percent, by, e);
}

/* --- days -------------------------------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian day (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool day_number(const char *s, int64_t *out)
{
    if (!s || strlen(s) < 10 || s[4] != '-' || s[7] != '-') return false;
    int v[8], k = 0;
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7) continue;
        if (s[i] < '0' || s[i] > '9') return false;
        v[k++] = s[i] - '0';
    }
    int64_t y = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3], m = v[4] * 10 + v[5], d = v[6] * 10 + v[7];
    if (m < 1 || m > 12 || d < 1 || d > 31) return false;
    *out = days_from_civil(y, m, d);
    return true;
}

int64_t rep_days_between(const char *from, const char *to)
{
    int64_t a, b;
    if (!day_number(from, &a) || !day_number(to, &b)) return 0;
    return b - a;
}

static const char *day_of(struct arena *a, int64_t ms)
{
    char iso[32];
    time_format_iso(ms, iso, sizeof iso);
    return arena_strndup(a, iso, 10);
}

static const char *iso_of(struct arena *a, int64_t ms)
{
    char iso[32];
    time_format_iso(ms, iso, sizeof iso);
    return arena_strdup(a, iso);
}

double rep_session_hours(int course_minutes, const char *starts_at, const char *ends_at)
{
    if (course_minutes > 0) return course_minutes / 60.0;
    int64_t s = starts_at ? time_parse_iso(starts_at) : -1, t = ends_at ? time_parse_iso(ends_at) : -1;
    if (s < 0 || t < 0 || t <= s) return 0;
    return (double)(t - s) / 3600000.0;
}

enum rep_phase_state rep_phase_state_on(const char *today, const char *starts_on, const char *ends_on)
{
    if (blank(starts_on) && blank(ends_on)) return REP_PHASE_UNDATED;
    if (!blank(starts_on) && strcmp(today, starts_on) < 0) return REP_PHASE_NEXT;
    if (!blank(ends_on) && strcmp(ends_on, today) < 0) return REP_PHASE_DONE;
    return REP_PHASE_NOW;
}

bool rep_answers_late(const char *today, const char *opens_on, const char *closes_on, int64_t answered,
                      int64_t issued, int target_percent, int late_days, int64_t *days_left)
{
    *days_left = 0;
    if (!blank(opens_on) && strcmp(today, opens_on) < 0) return false; /* not open yet */
    bool below = issued <= 0 || answered * 100 < (int64_t)target_percent * issued;
    if (!below) return false;
    if (!blank(closes_on)) {
        *days_left = rep_days_between(today, closes_on);
        return *days_left <= late_days;
    }
    /* No closing day: late once it has been open longer than the lateness setting. */
    int64_t open_for = blank(opens_on) ? late_days + 1 : rep_days_between(opens_on, today);
    *days_left = -open_for;
    return open_for > late_days;
}

/* --- devices ----------------------------------------------------------------------------------- */

static int count_query(struct store *st, const char *sql, const char *p1, const char *p2, int64_t *out, struct err *e)
{
    *out = 0;
    struct store_stmt *s = store_prepare(st, sql, e);
    if (!s) return -1;
    store_bind_text(s, 1, p1);
    if (p2) store_bind_text(s, 2, p2);
    int rc = store_step(s, e);
    if (rc == 1) *out = store_col_int(s, 0);
    store_done(s);
    return rc < 0 ? -1 : 0;
}

/* The devices of a programme (programme_id) or at an institution (institution_id). */
static int devices_of(struct store *st, struct arena *a, const char *programme_id, const char *institution_id,
                      struct rep_devices *out, struct err *e)
{
    struct device_filter f = {.programme_id = programme_id, .institution_id = institution_id};
    if (device_state_counts(st, a, &f, out->by_state, e) < 0) return -1;
    out->allocated = 0;
    for (int k = 0; k < DEVICE_STATE_COUNT; k++)
        if (k != DEVICE_IN_STOCK) out->allocated += out->by_state[k];
    out->in_use = out->by_state[DEVICE_IN_USE];
    /* Delivered once, whatever happened since (in use, in repair, returned, lost there). */
    const char *sql = programme_id
        ? "SELECT count(*) FROM devices d WHERE d.programme_id = ? AND d.state <> 'in_stock' AND EXISTS"
          " (SELECT 1 FROM device_events v WHERE v.device_id = d.id AND v.to_state = 'delivered')"
        : "SELECT count(*) FROM devices d WHERE d.institution_id = ? AND d.state <> 'in_stock' AND EXISTS"
          " (SELECT 1 FROM device_events v WHERE v.device_id = d.id AND v.to_state = 'delivered')";
    if (count_query(st, sql, programme_id ? programme_id : institution_id, NULL, &out->delivered, e) < 0) return -1;

    struct device_delivery *all;
    size_t n;
    if (device_deliveries(st, a, institution_id, &all, &n, e) < 0) return -1;
    out->deliveries = arena_calloc(a, n ? n : 1, sizeof *out->deliveries);
    out->ndeliveries = 0;
    for (size_t i = 0; i < n; i++)
        if (!programme_id || (all[i].programme_id && strcmp(all[i].programme_id, programme_id) == 0))
            out->deliveries[out->ndeliveries++] = all[i];
    struct device_delivery *open;
    if (device_shortfalls(st, a, &open, &n, e) < 0) return -1;
    out->shortfalls = 0;
    for (size_t i = 0; i < n; i++) {
        if (institution_id && strcmp(open[i].institution_id, institution_id) != 0) continue;
        if (programme_id && (!open[i].programme_id || strcmp(open[i].programme_id, programme_id) != 0)) continue;
        out->shortfalls++;
    }
    return 0;
}

/* --- the institution report -------------------------------------------------------------------- */

/* The programmes the institution takes part in, newest first: a place in a confirmed selection,
 * devices, respondent codes, a curriculum plan or people in training. */
static int programmes_of(struct store *st, struct arena *a, const char *institution_id, struct programme **out,
                         size_t *n, struct err *e)
{
    *out = NULL;
    *n = 0;
    struct programme *all;
    size_t nall;
    if (programme_list(st, a, &all, &nall, e) < 0) return -1;
    struct store_stmt *s = store_prepare(st,
        "SELECT r.programme_id FROM selection_places sp JOIN selection_runs r ON r.id = sp.run_id"
        " WHERE sp.institution_id = ?1 AND r.status = 'confirmed'"
        " UNION SELECT programme_id FROM devices WHERE institution_id = ?1 AND programme_id IS NOT NULL"
        " UNION SELECT programme_id FROM respondent_codes WHERE institution_id = ?1"
        " UNION SELECT programme_id FROM curriculum_plans WHERE institution_id = ?1"
        " UNION SELECT ts.programme_id FROM training_enrolments en"
        " JOIN training_participants tp ON tp.id = en.participant_id"
        " JOIN training_sessions ts ON ts.id = en.session_id WHERE tp.institution_id = ?1", e);
    if (!s) return -1;
    store_bind_text(s, 1, institution_id);
    bool *in = arena_calloc(a, nall ? nall : 1, sizeof *in);
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        const char *id = store_col_text(s, 0);
        for (size_t i = 0; i < nall; i++)
            if (strcmp(all[i].id, id) == 0) in[i] = true;
    }
    store_done(s);
    if (rc < 0) return -1;
    *out = arena_calloc(a, nall ? nall : 1, sizeof **out);
    for (size_t i = 0; i < nall; i++)
        if (in[i]) (*out)[(*n)++] = all[i];
    return 0;
}

static int need_of(struct store *st, struct arena *a, const struct programme *p, const char *institution_id,
                   struct rep_institution *out, struct err *e)
{
    out->score = NAN;
    out->median_rank = NAN;
    struct campaign *c;
    if (assess_needs_campaign(st, a, p->id, &c, e) < 0) {
        if (e->code != ERR_NOT_FOUND) return -1;
        err_clear(e);
        return 0;
    }
    out->campaign_name = c->name;
    struct assessment as;
    if (assess_compute(st, a, c, true, &as, e) < 0) return -1;
    long i = assess_find(&as, institution_id);
    if (i < 0) return 0;
    const struct assess_row *r = &as.rows[i];
    out->assessed = true;
    out->scored = as.scored;
    out->norm = as.model.norm;
    out->score = r->score;
    out->rank = r->rank;
    out->rank_lo = r->rank_lo;
    out->rank_hi = r->rank_hi;
    out->median_rank = r->median_rank;
    out->why_none = assess_why_none(r);
    out->why_domain = r->missing_domain;
    struct curriculum_needs cn;
    if (curriculum_needs(st, a, p->id, institution_id, &cn, e) < 0) {
        if (e->code != ERR_NOT_FOUND) return -1;
        err_clear(e);
        return 0;
    }
    out->domains = cn.domains;
    out->ndomains = cn.ndomains;
    return 0;
}

/* Person-hours of the attended and completed enrolments that match (one placeholder: the
 * programme), and the distinct people they are of. */
static int person_hours(struct store *st, const char *sql, const char *p1, const char *p2, double *hours,
                        struct err *e)
{
    *hours = 0;
    struct store_stmt *s = store_prepare(st, sql, e);
    if (!s) return -1;
    store_bind_text(s, 1, p1);
    if (p2) store_bind_text(s, 2, p2);
    int rc;
    while ((rc = store_step(s, e)) == 1)
        *hours += rep_session_hours((int)store_col_int(s, 0), store_col_text(s, 1), store_col_text(s, 2));
    store_done(s);
    return rc < 0 ? -1 : 0;
}

static int training_of_institution(struct store *st, const char *programme_id, const char *institution_id,
                                   int threshold, struct rep_institution *out, struct err *e)
{
    struct store_stmt *s = store_prepare(st,
        "SELECT count(DISTINCT tp.id),"
        " count(DISTINCT CASE WHEN en.status IN ('attended','completed') THEN tp.id END),"
        " count(DISTINCT CASE WHEN en.status = 'completed' THEN tp.id END), count(DISTINCT ts.id)"
        " FROM training_enrolments en JOIN training_participants tp ON tp.id = en.participant_id"
        " JOIN training_sessions ts ON ts.id = en.session_id WHERE ts.programme_id = ? AND tp.institution_id = ?", e);
    if (!s) return -1;
    store_bind_text(s, 1, programme_id);
    store_bind_text(s, 2, institution_id);
    int rc = store_step(s, e);
    int64_t enrolled = 0, attended = 0, completed = 0;
    if (rc == 1) {
        enrolled = store_col_int(s, 0);
        attended = store_col_int(s, 1);
        completed = store_col_int(s, 2);
        out->sessions = store_col_int(s, 3);
    }
    store_done(s);
    if (rc < 0) return -1;
    out->enrolled = rep_people_of(enrolled, threshold);
    out->attended = rep_people_part(attended, enrolled, threshold);
    out->completed = rep_people_part(completed, enrolled, threshold);
    if (!out->enrolled.shown) out->attended.shown = out->completed.shown = false;
    return person_hours(st,
                        "SELECT c.duration_minutes, ts.starts_at, ts.ends_at FROM training_enrolments en"
                        " JOIN training_participants tp ON tp.id = en.participant_id"
                        " JOIN training_sessions ts ON ts.id = en.session_id JOIN courses c ON c.id = ts.course_id"
                        " WHERE ts.programme_id = ? AND tp.institution_id = ? AND en.status IN ('attended','completed')",
                        programme_id, institution_id, &out->person_hours, e);
}

int rep_institution(struct store *st, struct arena *a, const char *institution_id, const char *programme_slug,
                    int64_t now_ms, struct rep_institution *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    out->score = NAN;
    out->median_rank = NAN;
    out->today = day_of(a, now_ms);
    if (summary_threshold(st, &out->threshold, e) < 0) return -1;
    if (inst_get(st, a, institution_id, &out->inst, e) < 0) return -1;
    if (programmes_of(st, a, out->inst.id, &out->others, &out->nothers, e) < 0) return -1;
    struct programme *p = NULL;
    if (!blank(programme_slug)) {
        if (programme_find(st, a, programme_slug, &p, e) < 0) return -1;
    } else if (out->nothers) {
        p = &out->others[0];
    } else {
        struct programme *all;
        size_t n;
        if (programme_list(st, a, &all, &n, e) < 0) return -1;
        if (n) p = &all[0];
    }
    out->programme = p;
    if (devices_of(st, a, NULL, out->inst.id, &out->devices, e) < 0) return -1;
    if (!p) return 0;
    out->devices.quota = p->devices_per_institution;
    if (need_of(st, a, p, out->inst.id, out, e) < 0) return -1;
    if (training_of_institution(st, p->id, out->inst.id, out->threshold, out, e) < 0) return -1;

    struct curriculum_plan plan;
    if (curriculum_plan_get(st, a, out->inst.id, p->id, out->today, &plan, e) == 0) {
        out->has_plan = true;
        out->items = plan.nitems;
        out->items_done = plan.done;
        out->items_late = plan.late;
        for (size_t i = 0; i < plan.nitems; i++)
            if (strcmp(plan.items[i].status, "in_progress") == 0) out->items_in_progress++;
    } else if (e->code != ERR_NOT_FOUND) {
        return -1;
    } else {
        err_clear(e);
    }
    struct fb_filter f = {.institution_id = out->inst.id};
    return fb_analyse(st, a, p->id, &f, &out->outcomes, e);
}

/* --- the programme report ---------------------------------------------------------------------- */

static int by_count(const void *x, const void *y)
{
    const struct rep_share *a = x, *b = y;
    if (a->selected != b->selected) return a->selected > b->selected ? -1 : 1;
    return strcmp(a->key, b->key);
}

static struct rep_share *share_of(struct arena *a, struct rep_share *list, size_t *n, size_t cap, const char *key)
{
    if (!key) key = "";
    for (size_t i = 0; i < *n; i++)
        if (strcmp(list[i].key, key) == 0) return &list[i];
    if (*n == cap) return NULL;
    list[*n] = (struct rep_share){arena_strdup(a, key), 0, 0};
    return &list[(*n)++];
}

static int coverage(struct store *st, struct arena *a, struct rep_programme *out, struct err *e)
{
    struct selection_run *r;
    if (selrun_confirmed(st, a, out->programme->id, &r, e) < 0) {
        if (e->code != ERR_NOT_FOUND) return -1;
        err_clear(e);
        return 0;
    }
    out->selection = true;
    out->selection_id = r->id;
    size_t cap = r->nplaces ? r->nplaces : 1;
    out->countries = arena_calloc(a, cap, sizeof *out->countries);
    out->kinds = arena_calloc(a, cap, sizeof *out->kinds);
    for (size_t i = 0; i < r->nplaces; i++) {
        const struct selrun_place *pl = &r->places[i];
        if (strcmp(pl->role, "selected") != 0) continue;
        if (strcmp(pl->state, "declined") == 0) {
            out->declined++;
            continue;
        }
        bool accepted = strcmp(pl->state, "accepted") == 0;
        out->selected++;
        if (accepted) out->accepted++;
        if (strcmp(pl->state, "invited") == 0) out->invited++;
        const struct selrun_input *in = pl->cand < r->ninputs ? &r->inputs[pl->cand] : NULL;
        struct rep_share *c = share_of(a, out->countries, &out->ncountries, cap, in ? in->country : NULL);
        struct rep_share *k = share_of(a, out->kinds, &out->nkinds, cap, in ? in->kind : NULL);
        if (c) c->selected++, c->accepted += accepted;
        if (k) k->selected++, k->accepted += accepted;
        struct institution inst;
        if (inst_get(st, a, pl->institution_id, &inst, e) < 0) return -1;
        int64_t learners;
        if (inst.v[INST_LEARNERS] && str_to_int64(inst.v[INST_LEARNERS], 0, INT64_MAX / 4, &learners))
            out->learners += learners;
    }
    qsort(out->countries, out->ncountries, sizeof *out->countries, by_count);
    qsort(out->kinds, out->nkinds, sizeof *out->kinds, by_count);
    return 0;
}

static int training_of_programme(struct store *st, struct arena *a, const char *now_iso, struct rep_programme *out,
                                 struct err *e)
{
    const char *pid = out->programme->id;
    struct training_cascade_view v;
    if (training_cascade_load(st, a, pid, &v, e) < 0) return -1;
    for (size_t i = 0; i < v.nsessions; i++) {
        const struct training_session *s = &v.sessions[i];
        out->sessions++;
        if (s->is_tot) out->sessions_tot++;
        if (strcmp(s->ends_at, now_iso) <= 0) {
            out->sessions_held++;
            out->hours_held += rep_session_hours(s->course_minutes, s->starts_at, s->ends_at);
        }
    }
    int t = out->threshold;
    const struct training_cascade *c = &v.cascade;
    out->reached = rep_people_of((int64_t)c->reached, t);
    out->nlevels = c->nlevels;
    out->levels = arena_calloc(a, c->nlevels ? c->nlevels : 1, sizeof *out->levels);
    int64_t *counts = arena_calloc(a, c->nlevels ? c->nlevels : 1, sizeof *counts);
    bool *shown = arena_calloc(a, c->nlevels ? c->nlevels : 1, sizeof *shown);
    for (size_t i = 0; i < c->nlevels; i++) counts[i] = (int64_t)c->levels[i].reached;
    /* A person may be reached at two levels, so the levels can add up to more than everyone
     * reached: fb_suppress then finds nothing to give away, as it should. */
    fb_suppress(counts, NULL, c->nlevels, (int64_t)c->reached, t, shown);
    for (size_t i = 0; i < c->nlevels; i++) {
        struct rep_level *l = &out->levels[i];
        l->level = c->levels[i].level;
        l->sessions = (int64_t)c->levels[i].sessions;
        l->reached = (struct rep_people){counts[i], shown[i]};
        l->graduates = rep_people_part((int64_t)c->levels[i].graduates, counts[i], t);
        if (!shown[i]) l->graduates.shown = false;
    }

    struct store_stmt *s = store_prepare(st,
        "SELECT count(DISTINCT en.participant_id),"
        " count(DISTINCT CASE WHEN en.status IN ('attended','completed') THEN en.participant_id END)"
        " FROM training_enrolments en JOIN training_sessions ts ON ts.id = en.session_id WHERE ts.programme_id = ?", e);
    if (!s) return -1;
    store_bind_text(s, 1, pid);
    int rc = store_step(s, e);
    int64_t enrolled = 0, attended = 0;
    if (rc == 1) enrolled = store_col_int(s, 0), attended = store_col_int(s, 1);
    store_done(s);
    if (rc < 0) return -1;
    out->enrolled = rep_people_of(enrolled, t);
    out->attended = rep_people_part(attended, enrolled, t);
    if (!out->enrolled.shown) out->attended.shown = false;
    return person_hours(st,
                        "SELECT c.duration_minutes, ts.starts_at, ts.ends_at FROM training_enrolments en"
                        " JOIN training_sessions ts ON ts.id = en.session_id JOIN courses c ON c.id = ts.course_id"
                        " WHERE ts.programme_id = ? AND en.status IN ('attended','completed')",
                        pid, NULL, &out->person_hours, e);
}

int rep_programme(struct store *st, struct arena *a, const char *slug, int64_t now_ms, struct rep_programme *out,
                  struct err *e)
{
    memset(out, 0, sizeof *out);
    out->today = day_of(a, now_ms);
    if (summary_threshold(st, &out->threshold, e) < 0) return -1;
    struct programme *p;
    if (programme_find(st, a, slug, &p, e) < 0) return -1;
    out->programme = p;

    struct campaign *cs;
    size_t nc;
    if (campaign_list(st, a, p->id, &cs, &nc, e) < 0) return -1;
    out->campaigns = arena_calloc(a, nc ? nc : 1, sizeof *out->campaigns);
    out->ncampaigns = nc;
    for (size_t i = 0; i < nc; i++)
        out->campaigns[i] = (struct rep_campaign){cs[i].name, cs[i].kind, cs[i].status, cs[i].opens_on, cs[i].closes_on,
                                                  rep_people_of(cs[i].responses, out->threshold)};

    if (coverage(st, a, out, e) < 0) return -1;
    if (devices_of(st, a, p->id, NULL, &out->devices, e) < 0) return -1;
    out->devices.quota = p->devices_per_institution;
    if (training_of_programme(st, a, iso_of(a, now_ms), out, e) < 0) return -1;
    if (fb_analyse(st, a, p->id, NULL, &out->outcomes, e) < 0) return -1;

    struct fb_tag *tags;
    size_t nt;
    if (fb_tags(st, a, p->id, &tags, &nt, e) < 0) return -1;
    out->themes = arena_calloc(a, nt ? nt : 1, sizeof *out->themes);
    out->nthemes = nt;
    for (size_t i = 0; i < nt; i++) out->themes[i] = (struct rep_theme){tags[i].name, rep_people_of(tags[i].uses, out->threshold)};
    return 0;
}

/* --- the dashboard ----------------------------------------------------------------------------- */

struct late_list {
    struct arena *a;
    struct rep_late *items;
    size_t n, cap;
};

static struct rep_late *late_add(struct late_list *l, enum rep_late_kind kind)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        struct rep_late *grown = arena_calloc(l->a, cap, sizeof *grown);
        if (l->n) memcpy(grown, l->items, l->n * sizeof *grown);
        l->items = grown;
        l->cap = cap;
    }
    struct rep_late *x = &l->items[l->n++];
    memset(x, 0, sizeof *x);
    x->kind = kind;
    return x;
}

/* Devices allocated more than late_days ago (their last move to allocated) and still allocated or
 * shipped, by institution and state. */
static int late_devices(struct store *st, struct late_list *l, const char *pid, const char *today, int late_days,
                        struct err *e)
{
    struct store_stmt *s = store_prepare(st,
        "SELECT d.institution_id, i.name, d.state, count(*), min(v.at) FROM devices d"
        " JOIN institutions i ON i.id = d.institution_id"
        " JOIN (SELECT device_id, max(at) AS at FROM device_events WHERE to_state = 'allocated' GROUP BY device_id) v"
        " ON v.device_id = d.id"
        " WHERE d.programme_id = ? AND d.state IN ('allocated','shipped')"
        " GROUP BY d.institution_id, i.name, d.state ORDER BY min(v.at), i.name", e);
    if (!s) return -1;
    store_bind_text(s, 1, pid);
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        const char *since = store_col_text(s, 4);
        int64_t days = rep_days_between(since, today);
        if (days <= late_days) continue;
        struct rep_late *x = late_add(l, REP_LATE_DEVICES);
        x->subject_id = x->id = arena_strdup(l->a, store_col_text(s, 0));
        x->subject = arena_strdup(l->a, store_col_text(s, 1));
        x->state = arena_strdup(l->a, store_col_text(s, 2));
        x->count = store_col_int(s, 3);
        x->since = arena_strndup(l->a, since, 10);
        x->days = days;
    }
    store_done(s);
    return rc < 0 ? -1 : 0;
}

static int late_shortfalls(struct store *st, struct late_list *l, const char *pid, const char *today, struct err *e)
{
    struct device_delivery *open;
    size_t n;
    if (device_shortfalls(st, l->a, &open, &n, e) < 0) return -1;
    for (size_t i = 0; i < n; i++) {
        if (!open[i].programme_id || strcmp(open[i].programme_id, pid) != 0) continue;
        struct rep_late *x = late_add(l, REP_LATE_SHORTFALL);
        x->id = open[i].id;
        x->subject_id = open[i].institution_id;
        x->subject = open[i].institution_name;
        x->count = open[i].received;
        x->of = open[i].expected;
        x->since = arena_strndup(l->a, open[i].confirmed_at, 10);
        x->days = rep_days_between(x->since, today);
    }
    return 0;
}

static int late_attendance(struct store *st, struct late_list *l, const char *pid, const char *now_iso,
                           const char *today, struct err *e)
{
    struct training_session_filter f = {.programme_id = pid};
    struct training_session *ss;
    size_t n;
    if (training_sessions(st, l->a, &f, &ss, &n, e) < 0) return -1;
    for (size_t i = 0; i < n; i++) {
        const struct training_session *s = &ss[i];
        int unmarked = s->enrolled - s->attended - s->no_show; /* attended counts the completed too */
        if (strcmp(s->ends_at, now_iso) > 0 || unmarked <= 0) continue;
        struct rep_late *x = late_add(l, REP_LATE_ATTENDANCE);
        x->id = s->id;
        x->subject = s->course_title;
        x->subject_id = s->course_id;
        x->count = unmarked;
        x->of = s->enrolled;
        x->since = arena_strndup(l->a, s->ends_at, 10);
        x->days = rep_days_between(x->since, today);
    }
    return 0;
}

static int late_answers(struct store *st, struct late_list *l, const struct programme *p, const char *today,
                        int target, int late_days, struct err *e)
{
    struct campaign *cs;
    size_t nc;
    if (campaign_list(st, l->a, p->id, &cs, &nc, e) < 0) return -1;
    bool any = false;
    for (size_t i = 0; i < nc; i++)
        if (cs[i].status && strcmp(cs[i].status, "open") == 0 &&
            (strcmp(cs[i].kind, "baseline") == 0 || strcmp(cs[i].kind, "endline") == 0))
            any = true;
    if (!any) return 0;
    struct rcode_count *counts;
    size_t ncounts;
    if (rcode_counts(st, l->a, p->id, &counts, &ncounts, e) < 0) return -1;
    int64_t issued = 0;
    for (size_t i = 0; i < ncounts; i++) issued += counts[i].codes;
    struct fb_analysis fa;
    if (fb_analyse(st, l->a, p->id, NULL, &fa, e) < 0) return -1;
    for (size_t i = 0; i < nc; i++) {
        const struct campaign *c = &cs[i];
        if (!c->status || strcmp(c->status, "open") != 0) continue;
        bool baseline = strcmp(c->kind, "baseline") == 0;
        if (!baseline && strcmp(c->kind, "endline") != 0) continue;
        int64_t answered = baseline ? fa.baseline_sets : fa.endline_sets, days;
        if (!rep_answers_late(today, c->opens_on, c->closes_on, answered, issued, target, late_days, &days)) continue;
        struct rep_late *x = late_add(l, REP_LATE_ANSWERS);
        x->id = x->subject_id = c->id;
        x->subject = c->name;
        x->count = answered;
        x->of = issued;
        x->since = blank(c->closes_on) ? NULL : c->closes_on;
        x->days = days;
    }
    return 0;
}

static int late_curriculum(struct store *st, struct late_list *l, const char *pid, const char *today, struct err *e)
{
    struct store_stmt *s = store_prepare(st,
        "SELECT p.institution_id, i.name, count(*), min(ci.due_on) FROM curriculum_items ci"
        " JOIN curriculum_plans p ON p.id = ci.plan_id JOIN institutions i ON i.id = p.institution_id"
        " WHERE p.programme_id = ? AND ci.status <> 'done' AND ci.due_on < ?"
        " GROUP BY p.institution_id, i.name ORDER BY min(ci.due_on), i.name", e);
    if (!s) return -1;
    store_bind_text(s, 1, pid);
    store_bind_text(s, 2, today);
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        struct rep_late *x = late_add(l, REP_LATE_CURRICULUM);
        x->id = x->subject_id = arena_strdup(l->a, store_col_text(s, 0));
        x->subject = arena_strdup(l->a, store_col_text(s, 1));
        x->count = store_col_int(s, 2);
        x->since = col_or_null(l->a, s, 3);
        x->days = rep_days_between(x->since, today);
    }
    store_done(s);
    return rc < 0 ? -1 : 0;
}

static int late_invitations(struct store *st, struct late_list *l, const char *pid, const char *today, struct err *e)
{
    struct selection_run *r;
    if (selrun_confirmed(st, l->a, pid, &r, e) < 0) {
        if (e->code != ERR_NOT_FOUND) return -1;
        err_clear(e);
        return 0;
    }
    for (size_t i = 0; i < r->ninvitations; i++) {
        const struct selrun_invitation *v = &r->invitations[i];
        if (strcmp(v->state, "sent") != 0) continue;
        int64_t days = rep_days_between(v->created_at, today);
        if (days <= REP_INVITATION_DAYS) continue;
        const struct selrun_place *pl = selrun_place_of(r, v->institution_id);
        struct rep_late *x = late_add(l, REP_LATE_INVITATION);
        x->id = r->id;
        x->subject_id = v->institution_id;
        x->subject = pl && pl->cand < r->ninputs ? r->inputs[pl->cand].name : v->institution_id;
        x->since = arena_strndup(l->a, v->created_at, 10);
        x->days = days;
    }
    return 0;
}

static int by_lateness(const void *x, const void *y)
{
    const struct rep_late *a = x, *b = y;
    if (a->kind != b->kind) return a->kind < b->kind ? -1 : 1;
    /* Answers: the fewest days left first; everything else: the longest late first. */
    int64_t da = a->kind == REP_LATE_ANSWERS ? -a->days : a->days, db = b->kind == REP_LATE_ANSWERS ? -b->days : b->days;
    if (da != db) return da > db ? -1 : 1;
    return strcmp(a->subject ? a->subject : "", b->subject ? b->subject : "");
}

int rep_dashboard(struct store *st, struct arena *a, const char *slug, int64_t now_ms, struct rep_dashboard *out,
                  struct err *e)
{
    memset(out, 0, sizeof *out);
    out->today = day_of(a, now_ms);
    const char *now_iso = iso_of(a, now_ms);
    struct programme *p;
    if (programme_find(st, a, slug, &p, e) < 0) return -1;
    out->programme = p;
    if (rep_late_days(st, &out->late_days, e) < 0 || rep_answer_target(st, &out->answer_target, e) < 0) return -1;

    out->phases = arena_calloc(a, p->phase_count ? p->phase_count : 1, sizeof *out->phases);
    out->first_day = blank(p->starts_on) ? NULL : p->starts_on;
    out->last_day = blank(p->ends_on) ? NULL : p->ends_on;
    /* Programme order: the order of programme_phase_kinds, whatever order they are stored in. */
    for (size_t k = 0; k < PROGRAMME_PHASE_KINDS; k++)
        for (size_t i = 0; i < p->phase_count; i++) {
            const struct programme_phase *ph = &p->phases[i];
            if (strcmp(ph->kind, programme_phase_kinds[k]) != 0) continue;
            const char *s = blank(ph->starts_on) ? NULL : ph->starts_on, *t = blank(ph->ends_on) ? NULL : ph->ends_on;
            out->phases[out->nphases++] = (struct rep_phase){ph->kind, s, t, rep_phase_state_on(out->today, s, t)};
            if (s && (!out->first_day || strcmp(s, out->first_day) < 0)) out->first_day = s;
            if (t && (!out->last_day || strcmp(t, out->last_day) > 0)) out->last_day = t;
        }

    struct late_list l = {.a = a};
    if (late_devices(st, &l, p->id, out->today, out->late_days, e) < 0 ||
        late_shortfalls(st, &l, p->id, out->today, e) < 0 ||
        late_attendance(st, &l, p->id, now_iso, out->today, e) < 0 ||
        late_answers(st, &l, p, out->today, out->answer_target, out->late_days, e) < 0 ||
        late_curriculum(st, &l, p->id, out->today, e) < 0 || late_invitations(st, &l, p->id, out->today, e) < 0)
        return -1;
    if (l.n) qsort(l.items, l.n, sizeof *l.items, by_lateness);
    out->late = l.items;
    out->nlate = l.n;
    for (size_t i = 0; i < l.n; i++) out->late_of[l.items[i].kind]++;
    return 0;
}

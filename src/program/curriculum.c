#include "program/curriculum.h"

#include "base/i18n.h"
#include "base/id.h"
#include "base/str.h"
#include "base/timeutil.h"
#include "program/assessment.h"
#include "program/training.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const curriculum_statuses[CURRICULUM_STATUSES] = {"planned", "in_progress", "done"};

const char *curriculum_status_label(const char *status)
{
    static const char *const labels[CURRICULUM_STATUSES] = {N_("Planned"), N_("In progress"), N_("Done")};
    for (int i = 0; status && i < CURRICULUM_STATUSES; i++)
        if (strcmp(curriculum_statuses[i], status) == 0) return labels[i];
    return status ? status : "";
}

static bool blank(const char *s) { return !s || !*s; }

static void today_utc(char out[11])
{
    char now[32];
    time_format_iso(time_now_ms(), now, sizeof now);
    memcpy(out, now, 10);
    out[10] = '\0';
}

/* day + n days, "YYYY-MM-DD"; day must be valid. */
static const char *add_days(struct arena *a, const char *day, int n)
{
    int64_t ms = time_parse_iso(arena_printf(a, "%sT00:00:00Z", day)) + (int64_t)n * 86400000;
    char buf[32];
    time_format_iso(ms, buf, sizeof buf);
    return arena_strndup(a, buf, 10);
}

/* --- the need index's domains -------------------------------------------------------------------- */

static int cmp_weakest(const void *x, const void *y)
{
    const struct curriculum_domain *a = x, *b = y;
    bool na = isnan(a->need), nb = isnan(b->need);
    if (na != nb) return na ? 1 : -1;
    if (!na && a->need != b->need) return a->need > b->need ? -1 : 1;
    return strcmp(a->id, b->id);
}

int curriculum_needs(struct store *st, struct arena *a, const char *programme_id, const char *institution_id,
                     struct curriculum_needs *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    struct campaign *c;
    if (assess_needs_campaign(st, a, programme_id, &c, e) < 0) return e->code;
    struct assessment as;
    if (assess_compute(st, a, c, false, &as, e) < 0) return e->code ? e->code : -1;
    long i = assess_find(&as, institution_id);
    if (i < 0) return err_set(e, ERR_NOT_FOUND, "that institution is not in this programme's need index");
    struct ni_explanation ex;
    if (assess_explain(&as, (size_t)i, a, &ex, e) < 0) return e->code;
    const struct assess_model *m = &as.model;
    out->campaign_id = c->id;
    out->campaign_name = c->name;
    out->norm = m->norm;
    out->score = as.rows[i].score;
    out->rank = as.rows[i].rank;
    out->ndomains = m->ndomains;
    out->domains = arena_calloc(a, m->ndomains ? m->ndomains : 1, sizeof *out->domains);
    double *weights = arena_calloc(a, m->ndomains ? m->ndomains : 1, sizeof *weights);
    bool scored = !isnan(out->score);
    for (size_t k = 0; k < m->ndomains; k++)
        out->domains[k] = (struct curriculum_domain){m->domains[k].id, m->domains[k].label, 0, scored ? 0 : NAN, 0, 0};
    for (size_t t = 0; t < ex.nterms; t++) {
        const struct ni_term *term = &ex.terms[t];
        size_t k = as.ni.indicators[term->indicator].domain;
        double w = m->indicators[term->indicator].weight;
        if (k >= m->ndomains || !(w > 0)) continue; /* switched off: no part of any domain */
        struct curriculum_domain *d = &out->domains[k];
        d->indicators++;
        if (!term->present || isnan(term->normalised)) continue;
        d->answered++;
        d->need += w * term->normalised;
        weights[k] += w;
        if (scored && !isnan(term->contribution)) d->points += term->contribution;
    }
    for (size_t k = 0; k < m->ndomains; k++) out->domains[k].need = weights[k] > 0 ? out->domains[k].need / weights[k] : NAN;
    qsort(out->domains, out->ndomains, sizeof *out->domains, cmp_weakest);
    return 0;
}

/* --- reading -------------------------------------------------------------------------------------- */

static int find_plan(struct store *st, struct arena *a, const char *institution_id, const char *programme_id,
                     struct curriculum_plan *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    struct store_stmt *s = store_prepare(st,
        "SELECT id, created_at FROM curriculum_plans WHERE institution_id = ? AND programme_id = ?", e);
    if (!s) return -1;
    store_bind_text(s, 1, institution_id);
    store_bind_text(s, 2, programme_id);
    int rc = store_step(s, e);
    if (rc == 1) {
        out->id = arena_strdup(a, store_col_text(s, 0));
        out->created_at = arena_strdup(a, store_col_text(s, 1));
        out->institution_id = arena_strdup(a, institution_id);
        out->programme_id = arena_strdup(a, programme_id);
    }
    store_done(s);
    if (rc < 0) return -1;
    return rc == 1 ? 0 : err_set(e, ERR_NOT_FOUND, "this institution has no curriculum plan in this programme");
}

static const char *col_or_null(struct arena *a, struct store_stmt *s, int col)
{
    return store_col_null(s, col) ? NULL : arena_strdup(a, store_col_text(s, col));
}

int curriculum_plan_get(struct store *st, struct arena *a, const char *institution_id, const char *programme_id,
                        const char *today, struct curriculum_plan *out, struct err *e)
{
    char day[11];
    if (!today) today_utc(day), today = day;
    if (find_plan(st, a, institution_id, programme_id, out, e) < 0) return e->code ? e->code : -1;
    struct store_stmt *s = store_prepare(st,
        "SELECT x.id, x.position, x.domain, x.module, x.lesson, x.course_id, c.title, x.due_on, x.done_on, x.status"
        " FROM curriculum_items x LEFT JOIN courses c ON c.id = x.course_id WHERE x.plan_id = ?"
        " ORDER BY x.due_on, x.position", e);
    if (!s) return -1;
    store_bind_text(s, 1, out->id);
    size_t cap = 0;
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        if (out->nitems == cap) {
            cap = cap ? 2 * cap : 16;
            struct curriculum_item *more = arena_alloc(a, cap * sizeof *more);
            if (out->nitems) memcpy(more, out->items, out->nitems * sizeof *more);
            out->items = more;
        }
        struct curriculum_item *it = &out->items[out->nitems++];
        *it = (struct curriculum_item){
            .id = arena_strdup(a, store_col_text(s, 0)), .position = (int)store_col_int(s, 1),
            .domain = arena_strdup(a, store_col_text(s, 2)), .module = arena_strdup(a, store_col_text(s, 3)),
            .lesson = col_or_null(a, s, 4), .course_id = col_or_null(a, s, 5), .course_title = col_or_null(a, s, 6),
            .due_on = arena_strdup(a, store_col_text(s, 7)), .done_on = col_or_null(a, s, 8),
            .status = arena_strdup(a, store_col_text(s, 9))};
        bool done = strcmp(it->status, "done") == 0;
        it->late = !done && strcmp(it->due_on, today) < 0;
        out->done += done;
        out->late += it->late;
    }
    store_done(s);
    return rc < 0 ? -1 : 0;
}

/* --- writing -------------------------------------------------------------------------------------- */

/* The plan's id, made when missing (inside the caller's transaction). */
static int plan_id(struct store *st, struct arena *a, const char *institution_id, const char *programme_id,
                   bool is_demo, const char **id, bool *made, struct err *e)
{
    *made = false;
    struct curriculum_plan p;
    int rc = find_plan(st, a, institution_id, programme_id, &p, e);
    if (rc == 0) {
        *id = p.id;
        return 0;
    }
    if (rc != ERR_NOT_FOUND) return -1;
    err_clear(e);
    struct store_stmt *s = store_prepare(st, "SELECT 1 FROM institutions WHERE id = ? AND merged_into IS NULL", e);
    if (!s) return -1;
    store_bind_text(s, 1, institution_id);
    rc = store_step(s, e);
    store_done(s);
    if (rc < 0) return -1;
    if (rc == 0) return err_set(e, ERR_NOT_FOUND, "there is no institution %s in the register", institution_id);
    char buf[ID_TEXT_SIZE], now[32];
    id_new(buf);
    time_format_iso(time_now_ms(), now, sizeof now);
    s = store_prepare(st, "INSERT INTO curriculum_plans (id, institution_id, programme_id, is_demo, created_at)"
                          " VALUES (?, ?, ?, ?, ?)", e);
    if (!s) return -1;
    store_bind_text(s, 1, buf);
    store_bind_text(s, 2, institution_id);
    store_bind_text(s, 3, programme_id);
    store_bind_int(s, 4, is_demo);
    store_bind_text(s, 5, now);
    rc = store_run(s, e);
    store_done(s);
    if (rc < 0) return -1;
    *id = arena_strdup(a, buf);
    *made = true;
    return 0;
}

static int insert_item(struct store *st, const char *plan, const char *domain, const char *module, const char *lesson,
                       const char *course_id, const char *due_on, const char **id_out, struct arena *a, struct err *e)
{
    char id[ID_TEXT_SIZE], now[32];
    id_new(id);
    time_format_iso(time_now_ms(), now, sizeof now);
    struct store_stmt *s = store_prepare(st,
        "INSERT INTO curriculum_items (id, plan_id, position, domain, module, lesson, course_id, due_on, created_at)"
        " VALUES (?, ?, (SELECT COALESCE(max(position), 0) + 1 FROM curriculum_items WHERE plan_id = ?),"
        " ?, ?, ?, ?, ?, ?)", e);
    if (!s) return -1;
    const char *p[] = {id, plan, plan, domain, module, blank(lesson) ? NULL : lesson,
                       blank(course_id) ? NULL : course_id, due_on, now};
    for (int i = 0; i < 9; i++) store_bind_text(s, i + 1, p[i]);
    int rc = store_run(s, e);
    store_done(s);
    if (rc == 0 && id_out) *id_out = arena_strdup(a, id);
    return rc;
}

/* Whether the plan holds an item of this domain with this course (NULL: one named module). */
static int holds(struct store *st, const char *plan, const char *domain, const char *course_id, const char *module,
                 struct err *e)
{
    struct store_stmt *s = store_prepare(st,
        course_id ? "SELECT 1 FROM curriculum_items WHERE plan_id = ? AND domain = ? AND course_id = ?"
                  : "SELECT 1 FROM curriculum_items WHERE plan_id = ? AND domain = ? AND course_id IS NULL AND module = ?",
        e);
    if (!s) return -1;
    store_bind_text(s, 1, plan);
    store_bind_text(s, 2, domain);
    store_bind_text(s, 3, course_id ? course_id : module);
    int rc = store_step(s, e);
    store_done(s);
    return rc;
}

int curriculum_make(struct store *st, struct arena *a, const char *programme_id, const char *institution_id,
                    const char *starts_on, int weakest, bool is_demo, const struct audit_actor *by, int *added,
                    struct err *e)
{
    if (added) *added = 0;
    char day[11];
    if (blank(starts_on)) today_utc(day), starts_on = day;
    if (!programme_date_valid(starts_on)) return err_set(e, ERR_INVALID, "The starting day is not a real day (YYYY-MM-DD).");
    if (weakest <= 0) weakest = CURRICULUM_WEAKEST_DEFAULT;
    struct curriculum_needs needs;
    if (curriculum_needs(st, a, programme_id, institution_id, &needs, e) < 0) return e->code ? e->code : -1;
    struct training_course_filter f = {.programme_id = programme_id};
    struct training_course *courses;
    size_t ncourses;
    if (training_courses(st, a, &f, &courses, &ncourses, e) < 0) return -1;

    if (store_begin(st, e) < 0) return -1;
    const char *plan;
    bool made;
    int rc = plan_id(st, a, institution_id, programme_id, is_demo, &plan, &made, e);
    int count = 0;
    for (size_t k = 0; rc == 0 && k < needs.ndomains && (int)k < weakest; k++) {
        const struct curriculum_domain *d = &needs.domains[k];
        if (isnan(d->need)) break; /* nothing answered there: no ground to plan on */
        int suggested = 0;
        for (size_t c = 0; rc == 0 && c < ncourses && suggested < CURRICULUM_SUGGESTED_MAX; c++) {
            if (!training_course_matches(&courses[c], d->id, d->label)) continue;
            suggested++;
            int h = holds(st, plan, d->id, courses[c].id, NULL, e);
            if (h < 0) rc = -1;
            else if (!h) rc = insert_item(st, plan, d->id, courses[c].title, NULL, courses[c].id,
                                          add_days(a, starts_on, 28 * ++count), NULL, a, e);
        }
        if (rc == 0 && !suggested) {
            int h = holds(st, plan, d->id, NULL, d->label, e);
            if (h < 0) rc = -1;
            else if (!h) rc = insert_item(st, plan, d->id, d->label, NULL, NULL, add_days(a, starts_on, 28 * ++count),
                                          NULL, a, e);
        }
    }
    if (rc == 0) {
        const char *ids[] = {plan, institution_id};
        rc = audit_record(st, by, "curriculum.make", "curriculum_plan", ids, 2,
                          arena_printf(a, "{\"added\": %d, \"new_plan\": %s}", count, made ? "true" : "false"), e);
    }
    if (rc == 0) rc = store_commit(st, e);
    if (rc < 0) {
        store_rollback(st);
        return rc;
    }
    if (added) *added = count;
    return 0;
}

static bool slug(const char *s)
{
    if (!*s || strlen(s) > 64) return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) return false;
    return true;
}

static bool one_line(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (!str_utf8_valid(s, n) || str_utf8_length(s, n) > max) return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < ' ' || *p == 0x7F) return false;
    return true;
}

int curriculum_item_add(struct store *st, struct arena *a, const char *programme_id, const char *institution_id,
                        const struct curriculum_item_new *in, const struct audit_actor *by,
                        struct programme_problems *pp, struct err *e)
{
    const char *domain = str_trim(arena_strdup(a, in->domain ? in->domain : ""));
    const char *module = str_trim(arena_strdup(a, in->module ? in->module : ""));
    const char *lesson = str_trim(arena_strdup(a, in->lesson ? in->lesson : ""));
    const char *due = str_trim(arena_strdup(a, in->due_on ? in->due_on : ""));
    /* The domain: one of the model's when the programme has a need index, else any slug. */
    struct curriculum_needs needs;
    struct err ne;
    err_clear(&ne);
    int nrc = curriculum_needs(st, a, programme_id, institution_id, &needs, &ne);
    if (nrc < 0 && nrc != ERR_NOT_FOUND) return err_set(e, ne.code, "%s", ne.msg);
    bool known = false;
    for (size_t k = 0; nrc == 0 && k < needs.ndomains; k++) known |= strcmp(needs.domains[k].id, domain) == 0;
    if (!*domain || (nrc == 0 && !known) || (nrc != 0 && !slug(domain)))
        programme_problem_add(pp, "domain", N_("Choose one of the need index's domains."));
    if (!*module) programme_problem_add(pp, "module", N_("The module is missing."));
    else if (!one_line(module, TRAINING_TITLE_MAX))
        programme_problem_add(pp, "module", N_("This is too long or holds line breaks: at most 200 characters on one line."));
    if (*lesson && !one_line(lesson, TRAINING_TEXT_MAX))
        programme_problem_add(pp, "lesson", N_("This is too long or holds line breaks: at most 500 characters on one line."));
    if (!blank(in->course_id)) {
        struct training_course c;
        struct err ce;
        err_clear(&ce);
        int rc = training_course_get(st, a, in->course_id, &c, &ce);
        if (rc < 0 && rc != ERR_NOT_FOUND) return err_set(e, ce.code, "%s", ce.msg);
        if (rc == ERR_NOT_FOUND) programme_problem_add(pp, "course", N_("Choose a course of the catalogue."));
    }
    if (!programme_date_valid(due)) programme_problem_add(pp, "due_on", N_("Give the day it is due as a real day."));
    if (pp->n) return programme_problems_err(pp, e);

    if (store_begin(st, e) < 0) return -1;
    const char *plan, *id = NULL;
    bool made;
    int rc = plan_id(st, a, institution_id, programme_id, false, &plan, &made, e);
    if (rc == 0) rc = insert_item(st, plan, domain, module, lesson, in->course_id, due, &id, a, e);
    if (rc == 0) {
        const char *ids[] = {plan, id, institution_id};
        rc = audit_record(st, by, "curriculum.item", "curriculum_plan", ids, 3, NULL, e);
    }
    if (rc == 0) rc = store_commit(st, e);
    if (rc < 0) store_rollback(st);
    return rc;
}

int curriculum_item_set(struct store *st, struct arena *a, const char *institution_id, const char *item_id,
                        const char *status, const char *today, const struct audit_actor *by, struct err *e)
{
    bool known = false;
    for (int i = 0; status && i < CURRICULUM_STATUSES; i++) known |= strcmp(curriculum_statuses[i], status) == 0;
    if (!known) return err_set(e, ERR_INVALID, "An item is planned, in_progress or done.");
    char day[11];
    if (!today) today_utc(day), today = day;
    if (store_begin(st, e) < 0) return -1;
    struct store_stmt *s = store_prepare(st,
        "SELECT x.status, x.plan_id FROM curriculum_items x JOIN curriculum_plans p ON p.id = x.plan_id"
        " WHERE x.id = ? AND p.institution_id = ?", e);
    int rc = s ? 0 : -1;
    const char *old = NULL, *plan = NULL;
    if (s) {
        store_bind_text(s, 1, item_id);
        store_bind_text(s, 2, institution_id);
        int got = store_step(s, e);
        if (got == 1) old = arena_strdup(a, store_col_text(s, 0)), plan = arena_strdup(a, store_col_text(s, 1));
        store_done(s);
        if (got < 0) rc = -1;
        else if (got == 0) rc = err_set(e, ERR_NOT_FOUND, "this item is not in this institution's plan");
    }
    if (rc == 0 && strcmp(old, status) != 0) {
        s = store_prepare(st, "UPDATE curriculum_items SET status = ?, done_on = ? WHERE id = ?", e);
        rc = s ? 0 : -1;
        if (s) {
            store_bind_text(s, 1, status);
            store_bind_text(s, 2, strcmp(status, "done") == 0 ? today : NULL);
            store_bind_text(s, 3, item_id);
            rc = store_run(s, e);
            store_done(s);
        }
        if (rc == 0) {
            const char *ids[] = {plan, item_id, institution_id};
            rc = audit_record(st, by, "curriculum.progress", "curriculum_plan", ids, 3,
                              arena_printf(a, "{\"from\": \"%s\", \"to\": \"%s\"}", old, status), e);
        }
    }
    if (rc == 0) rc = store_commit(st, e);
    if (rc < 0) store_rollback(st);
    return rc;
}

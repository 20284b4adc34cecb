#include "program/campaign.h"

#include "base/i18n.h"
#include "base/id.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

const char *const campaign_kinds[CAMPAIGN_KINDS] = {
    "needs_survey", "baseline", "endline", "session_feedback", "application",
};
const char *const campaign_statuses[CAMPAIGN_STATUSES] = {"draft", "open", "closed"};

static const char *label_of(const char *key, const char *const *keys, const char *const *labels, int n)
{
    for (int i = 0; key && i < n; i++)
        if (strcmp(key, keys[i]) == 0) return labels[i];
    return key ? key : "";
}

const char *campaign_kind_label(const char *kind)
{
    static const char *const labels[CAMPAIGN_KINDS] = {
        N_("Needs survey"), N_("Baseline survey"), N_("Endline survey"), N_("Session feedback"), N_("Applications"),
    };
    return label_of(kind, campaign_kinds, labels, CAMPAIGN_KINDS);
}

const char *campaign_status_label(const char *status)
{
    static const char *const labels[CAMPAIGN_STATUSES] = {N_("Draft"), N_("Open"), N_("Closed")};
    return label_of(status, campaign_statuses, labels, CAMPAIGN_STATUSES);
}

static bool blank(const char *s)
{
    return !s || !*s;
}

static bool one_of(const char *s, const char *const *list, int n)
{
    for (int i = 0; s && i < n; i++)
        if (strcmp(s, list[i]) == 0) return true;
    return false;
}

static int form_exists(struct store *st, const char *form_id, bool *out, struct err *e)
{
    struct store_stmt *s = store_prepare(st, "SELECT 1 FROM forms WHERE form_id = ?", e);
    if (!s) return -1;
    store_bind_text(s, 1, form_id);
    int rc = store_step(s, e);
    store_done(s);
    *out = rc == 1;
    return rc < 0 ? -1 : 0;
}

static bool before(const char *a, const char *b)
{
    return !blank(a) && !blank(b) && strcmp(a, b) < 0;
}

int campaign_validate(struct store *st, const struct programme *p, const struct campaign *c,
                      struct programme_problems *out, struct err *e)
{
    size_t had = out->n;
    if (blank(c->name)) programme_problem_add(out, "name", N_("Enter the campaign's name."));
    else if (str_utf8_length(c->name, strlen(c->name)) > PROGRAMME_NAME_MAX)
        programme_problem_add(out, "name", N_("The name is too long: 200 characters at most."));
    if (blank(c->form_id)) {
        programme_problem_add(out, "form_id", N_("Choose the form the campaign runs."));
    } else {
        bool found;
        if (form_exists(st, c->form_id, &found, e) < 0) return -1;
        if (!found) programme_problem_add(out, "form_id", N_("There is no form with that id: import it first."));
    }
    if (!one_of(c->kind, campaign_kinds, CAMPAIGN_KINDS))
        programme_problem_add(out, "kind", N_("Choose a kind: needs survey, baseline, endline, session feedback or applications."));
    if (!blank(c->status) && !one_of(c->status, campaign_statuses, CAMPAIGN_STATUSES))
        programme_problem_add(out, "status", N_("Choose a status: draft, open or closed."));
    bool opens_ok = blank(c->opens_on) || programme_date_valid(c->opens_on);
    bool closes_ok = blank(c->closes_on) || programme_date_valid(c->closes_on);
    if (!opens_ok) programme_problem_add(out, "opens_on", N_("Enter the opening day as a date, like 2026-01-12."));
    if (!closes_ok) programme_problem_add(out, "closes_on", N_("Enter the closing day as a date, like 2026-03-27."));
    if (opens_ok && closes_ok) {
        if (before(c->closes_on, c->opens_on))
            programme_problem_add(out, "closes_on", N_("A campaign cannot close before it opens."));
        else if (before(c->opens_on, p->starts_on) || before(p->ends_on, c->opens_on))
            programme_problem_add(out, "opens_on", N_("A campaign must lie within the programme's dates."));
        else if (before(p->ends_on, c->closes_on) || before(c->closes_on, p->starts_on))
            programme_problem_add(out, "closes_on", N_("A campaign must lie within the programme's dates."));
    }
    return (int)(out->n - had);
}

/* An answer set counts once, on the day it was first submitted (revision 1, which stays when it
 * is corrected), so corrections neither add to a campaign nor move an answer into another. The
 * day is the UTC date of submitted_at. */
#define RESPONSES                                                                                   \
    "(SELECT COUNT(*) FROM submissions s WHERE s.form_id = c.form_id AND s.status = 'submitted'"  \
    " AND s.revision = 1 AND (c.opens_on IS NULL OR substr(s.submitted_at, 1, 10) >= c.opens_on)" \
    " AND (c.closes_on IS NULL OR substr(s.submitted_at, 1, 10) <= c.closes_on))"
#define CAMPAIGN_COLS \
    "c.id, c.programme_id, c.name, c.form_id, c.kind, c.opens_on, c.closes_on, c.status, " RESPONSES

static void read_row(struct arena *a, struct campaign *c, struct store_stmt *s)
{
    c->id = arena_strdup(a, store_col_text(s, 0));
    c->programme_id = arena_strdup(a, store_col_text(s, 1));
    c->name = arena_strdup(a, store_col_text(s, 2));
    c->form_id = arena_strdup(a, store_col_text(s, 3));
    c->kind = arena_strdup(a, store_col_text(s, 4));
    c->opens_on = arena_strdup(a, store_col_text(s, 5));
    c->closes_on = arena_strdup(a, store_col_text(s, 6));
    c->status = arena_strdup(a, store_col_text(s, 7));
    c->responses = store_col_int(s, 8);
}

int campaign_list(struct store *st, struct arena *a, const char *programme_id, struct campaign **out, size_t *n,
                  struct err *e)
{
    *out = NULL;
    *n = 0;
    struct store_stmt *s = store_prepare(
        st,
        "SELECT " CAMPAIGN_COLS " FROM campaigns c WHERE ? IS NULL OR c.programme_id = ?"
        " ORDER BY c.programme_id, c.opens_on IS NULL, c.opens_on, c.created_at, c.id",
        e);
    if (!s) return -1;
    if (programme_id) {
        store_bind_text(s, 1, programme_id);
        store_bind_text(s, 2, programme_id);
    } else {
        store_bind_null(s, 1);
        store_bind_null(s, 2);
    }
    size_t cap = 0;
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            struct campaign *nc = arena_alloc(a, cap * sizeof *nc);
            if (*n) memcpy(nc, *out, *n * sizeof *nc);
            *out = nc;
        }
        read_row(a, &(*out)[(*n)++], s);
    }
    store_done(s);
    return rc < 0 ? -1 : 0;
}

int campaign_find(struct store *st, struct arena *a, const char *programme_id, const char *id, struct campaign **out,
                  struct err *e)
{
    *out = NULL;
    struct store_stmt *s =
        store_prepare(st, "SELECT " CAMPAIGN_COLS " FROM campaigns c WHERE c.id = ? AND c.programme_id = ?", e);
    if (!s) return -1;
    store_bind_text(s, 1, id ? id : "");
    store_bind_text(s, 2, programme_id ? programme_id : "");
    int rc = store_step(s, e);
    if (rc == 1) {
        *out = arena_alloc(a, sizeof **out);
        read_row(a, *out, s);
    }
    store_done(s);
    if (rc < 0) return -1;
    if (rc == 0) return err_set(e, ERR_NOT_FOUND, "there is no such campaign in this programme");
    return 0;
}

int campaign_responses(struct store *st, const struct campaign *c, int64_t *out, struct err *e)
{
    *out = 0;
    struct store_stmt *s = store_prepare(
        st, "SELECT " RESPONSES " FROM (SELECT ? AS form_id, ? AS opens_on, ? AS closes_on) c", e);
    if (!s) return -1;
    store_bind_text(s, 1, c->form_id ? c->form_id : "");
    if (blank(c->opens_on)) store_bind_null(s, 2);
    else store_bind_text(s, 2, c->opens_on);
    if (blank(c->closes_on)) store_bind_null(s, 3);
    else store_bind_text(s, 3, c->closes_on);
    int rc = store_step(s, e);
    if (rc == 1) *out = store_col_int(s, 0);
    store_done(s);
    return rc < 0 ? -1 : 0;
}

static void bind_date(struct store_stmt *s, int i, const char *d)
{
    if (blank(d)) store_bind_null(s, i);
    else store_bind_text(s, i, d);
}

static int fail(struct store *st, struct err *e)
{
    store_rollback(st);
    return e && e->code ? e->code : ERR_IO;
}

static int audit_json(struct store *st, const struct audit_actor *by, const char *action, const char *campaign_id,
                      const char *programme_id, json_t *detail, struct err *e)
{
    char *text = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(detail);
    if (!text) return err_set(e, ERR_INTERNAL, "the audit entry could not be written");
    const char *ids[] = {campaign_id, programme_id};
    int rc = audit_record(st, by, action, "campaign", ids, 2, text, e);
    free(text);
    return rc;
}

static int check(struct store *st, const struct programme *p, const struct campaign *c, struct err *e)
{
    struct programme_problems pp = {.n = 0};
    int n = campaign_validate(st, p, c, &pp, e);
    if (n < 0) return -1;
    return n ? programme_problems_err(&pp, e) : 0;
}

int campaign_create(struct store *st, struct arena *a, const struct programme *p, struct campaign *c,
                    const struct audit_actor *by, struct err *e)
{
    if (check(st, p, c, e) < 0) return e->code ? e->code : -1;
    if (!c->id) {
        char *id = arena_alloc(a, ID_TEXT_SIZE);
        id_new(id);
        c->id = id;
    }
    c->programme_id = p->id;
    if (blank(c->status)) c->status = "draft";
    char now[32];
    time_format_iso(time_now_ms(), now, sizeof now);
    if (store_begin(st, e) < 0) return -1;
    struct store_stmt *s = store_prepare(
        st,
        "INSERT INTO campaigns (id, programme_id, name, form_id, kind, opens_on, closes_on, status, created_at,"
        " updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        e);
    if (!s) return fail(st, e);
    store_bind_text(s, 1, c->id);
    store_bind_text(s, 2, p->id);
    store_bind_text(s, 3, c->name);
    store_bind_text(s, 4, c->form_id);
    store_bind_text(s, 5, c->kind);
    bind_date(s, 6, c->opens_on);
    bind_date(s, 7, c->closes_on);
    store_bind_text(s, 8, c->status);
    store_bind_text(s, 9, now);
    store_bind_text(s, 10, now);
    int rc = store_run(s, e);
    store_done(s);
    if (rc < 0) return fail(st, e);
    json_t *d = json_pack("{s:s, s:s, s:s}", "form_id", c->form_id, "kind", c->kind, "status", c->status);
    if (audit_json(st, by, "campaign.create", c->id, p->id, d, e) < 0) return fail(st, e);
    if (store_commit(st, e) < 0) return fail(st, e);
    return 0;
}

static bool same(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

int campaign_update(struct store *st, struct arena *a, const struct programme *p, const struct campaign *c,
                    const struct audit_actor *by, struct err *e)
{
    struct campaign *old;
    if (campaign_find(st, a, p->id, c->id, &old, e) < 0) return e->code ? e->code : -1;
    if (check(st, p, c, e) < 0) return e->code ? e->code : -1;
    const char *status = blank(c->status) ? old->status : c->status;
    json_t *changed = json_array();
    if (!same(old->name, c->name)) json_array_append_new(changed, json_string("name"));
    if (!same(old->form_id, c->form_id)) json_array_append_new(changed, json_string("form_id"));
    if (!same(old->kind, c->kind)) json_array_append_new(changed, json_string("kind"));
    if (!same(old->opens_on, c->opens_on)) json_array_append_new(changed, json_string("opens_on"));
    if (!same(old->closes_on, c->closes_on)) json_array_append_new(changed, json_string("closes_on"));
    if (!same(old->status, status)) json_array_append_new(changed, json_string("status"));
    if (json_array_size(changed) == 0) {
        json_decref(changed); /* nothing changed: nothing written, nothing audited */
        return 0;
    }
    char now[32];
    time_format_iso(time_now_ms(), now, sizeof now);
    if (store_begin(st, e) < 0) {
        json_decref(changed);
        return -1;
    }
    struct store_stmt *s = store_prepare(st,
                                         "UPDATE campaigns SET name = ?, form_id = ?, kind = ?, opens_on = ?,"
                                         " closes_on = ?, status = ?, updated_at = ? WHERE id = ?",
                                         e);
    if (!s) {
        json_decref(changed);
        return fail(st, e);
    }
    store_bind_text(s, 1, c->name);
    store_bind_text(s, 2, c->form_id);
    store_bind_text(s, 3, c->kind);
    bind_date(s, 4, c->opens_on);
    bind_date(s, 5, c->closes_on);
    store_bind_text(s, 6, status);
    store_bind_text(s, 7, now);
    store_bind_text(s, 8, c->id);
    int rc = store_run(s, e);
    store_done(s);
    if (rc < 0) {
        json_decref(changed);
        return fail(st, e);
    }
    if (audit_json(st, by, "campaign.update", c->id, p->id, json_pack("{s:o}", "fields", changed), e) < 0)
        return fail(st, e);
    if (store_commit(st, e) < 0) return fail(st, e);
    return 0;
}

/* --- whether a form takes answers ---------------------------------------------------------------- */

static bool on_or_before(const char *a, const char *b)
{
    return strcmp(a, b) <= 0;
}

int campaign_form_open(struct store *st, struct arena *a, const char *form_id, const char *today, bool *open,
                       struct campaign_closure *why, struct err *e)
{
    memset(why, 0, sizeof *why);
    *open = true;
    /* Most recently changed first: with nothing better to say, that one is named. A form has a
     * handful of campaigns at most, read through campaigns_by_form. */
    struct store_stmt *s = store_prepare(st,
        "SELECT c.name, p.name, c.status, c.opens_on, c.closes_on FROM campaigns c"
        " JOIN programmes p ON p.id = c.programme_id WHERE c.form_id = ? ORDER BY c.updated_at DESC, c.id", e);
    if (!s) return -1;
    store_bind_text(s, 1, form_id ? form_id : "");
    struct campaign_closure next = {0}, last = {0}, first = {0};
    int rc;
    bool any = false;
    while ((rc = store_step(s, e)) == 1) {
        const char *status = store_col_text(s, 2);
        const char *opens = store_col_null(s, 3) ? NULL : store_col_text(s, 3);
        const char *closes = store_col_null(s, 4) ? NULL : store_col_text(s, 4);
        bool started = blank(opens) || on_or_before(opens, today);
        bool ended = !blank(closes) && !on_or_before(today, closes);
        if (strcmp(status, "open") == 0 && started && !ended) {
            any = false; /* one open campaign is enough */
            rc = 0;
            break;
        }
        struct campaign_closure here = {arena_strdup(a, store_col_text(s, 0)), arena_strdup(a, store_col_text(s, 1)),
                                        NULL, NULL};
        if (!any) first = here;
        any = true;
        if (strcmp(status, "open") == 0 && !started && (!next.opens_on || strcmp(opens, next.opens_on) < 0)) {
            next = here;
            next.opens_on = arena_strdup(a, opens);
        }
        if (ended && (!last.closed_on || strcmp(closes, last.closed_on) > 0)) {
            last = here;
            last.closed_on = arena_strdup(a, closes);
        }
    }
    store_done(s);
    if (rc < 0) return -1;
    if (!any) return 0;
    *open = false;
    *why = next.opens_on ? next : last.closed_on ? last : first;
    return 0;
}

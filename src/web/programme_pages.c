#include "web/programme_pages.h"

#include "auth/policy.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "forms/form_store.h"
#include "html/html.h"
#include "program/campaign.h"
#include "program/programme.h"
#include "web/access.h"
#include "web/audit_pages.h"
#include "web/form_errors.h"
#include "web/layout.h"
#include "web/pages.h"
#include "web/web.h"

#include <string.h>

/* --- the accessible error pattern -------------------------------------------------------------- */

/* A summary at the top, each message a link to its field (the GOV.UK pattern). */
struct input {
    const char *name;
    const char *label; /* translated */
    const char *hint;  /* translated, or NULL */
    const char *value; /* as typed, or as stored */
    const char *type;  /* "text", "date"; NULL: a textarea */
    bool numeric;
    bool required;
};

/* The label, hint and message of a field; the control names them in aria-describedby. */
static void field_open(struct http_request *req, struct strbuf *b, const struct input *in, const char *problem)
{
    html_lit(b, "<div class=\"field");
    if (problem) html_lit(b, " invalid");
    html_lit(b, "\"><label for=\"f-");
    html_attr(b, in->name);
    html_lit(b, "\">");
    html_text(b, in->label);
    html_lit(b, "</label>");
    if (in->hint) {
        html_lit(b, "<p class=\"hint\" id=\"f-");
        html_attr(b, in->name);
        html_lit(b, "-hint\">");
        html_text(b, in->hint);
        html_lit(b, "</p>");
    }
    if (problem) {
        html_lit(b, "<p class=\"field-error\" id=\"f-");
        html_attr(b, in->name);
        html_lit(b, "-error\"><span class=\"visually-hidden\">");
        html_text(b, T(req, "Error:"));
        html_lit(b, "</span> ");
        html_text(b, T(req, problem));
        html_lit(b, "</p>");
    }
}

static void control_attrs(struct strbuf *b, const struct input *in, const char *problem)
{
    html_lit(b, " id=\"f-");
    html_attr(b, in->name);
    html_lit(b, "\" name=\"");
    html_attr(b, in->name);
    html_lit(b, "\"");
    if (in->hint || problem) {
        html_lit(b, " aria-describedby=\"");
        if (in->hint) {
            html_lit(b, "f-");
            html_attr(b, in->name);
            html_lit(b, "-hint");
        }
        if (in->hint && problem) html_lit(b, " ");
        if (problem) {
            html_lit(b, "f-");
            html_attr(b, in->name);
            html_lit(b, "-error");
        }
        html_lit(b, "\"");
    }
    if (problem) html_lit(b, " aria-invalid=\"true\"");
    if (in->required) html_lit(b, " required");
}

static void field(struct http_request *req, struct strbuf *b, const struct programme_problems *pp,
                  const struct input *in)
{
    const char *problem = form_problem_for(pp, in->name);
    field_open(req, b, in, problem);
    if (!in->type) {
        html_lit(b, "<textarea rows=\"4\"");
        control_attrs(b, in, problem);
        html_lit(b, ">");
        html_text(b, in->value ? in->value : "");
        html_lit(b, "</textarea></div>");
        return;
    }
    html_lit(b, "<input type=\"");
    html_attr(b, in->type);
    html_lit(b, "\"");
    if (in->numeric) html_lit(b, " inputmode=\"numeric\" pattern=\"[0-9]*\"");
    control_attrs(b, in, problem);
    if (in->value) {
        html_lit(b, " value=\"");
        html_attr(b, in->value);
        html_lit(b, "\"");
    }
    html_lit(b, "></div>");
}

/* options: value, translated label pairs. */
static void select_field(struct http_request *req, struct strbuf *b, const struct programme_problems *pp,
                         const struct input *in, const char *const *values, const char *const *labels, size_t n)
{
    const char *problem = form_problem_for(pp, in->name);
    field_open(req, b, in, problem);
    html_lit(b, "<select");
    control_attrs(b, in, problem);
    html_lit(b, ">");
    for (size_t i = 0; i < n; i++) {
        html_lit(b, "<option value=\"");
        html_attr(b, values[i]);
        html_lit(b, "\"");
        if (in->value && strcmp(in->value, values[i]) == 0) html_lit(b, " selected");
        html_lit(b, ">");
        html_text(b, labels[i]);
        html_lit(b, "</option>");
    }
    html_lit(b, "</select></div>");
}

static void form_open(struct http_request *req, struct http_response *res, const char *action)
{
    struct strbuf *b = &res->body;
    html_lit(b, "<form method=\"post\" action=\"");
    html_url(b, action);
    html_lit(b, "\" novalidate>");
    access_csrf_field(req, res);
}

static void form_close(struct strbuf *b, const char *button)
{
    html_lit(b, "<p><button type=\"submit\">");
    html_text(b, button);
    html_lit(b, "</button></p></form>");
}

static void heading(struct http_request *req, struct http_response *res, const char *title)
{
    layout_begin(req, res, title, "programmes");
    html_lit(&res->body, "<h1>");
    html_text(&res->body, title);
    html_lit(&res->body, "</h1>");
}

static void back_link(struct strbuf *b, const char *href, const char *label)
{
    html_lit(b, "<p><a href=\"");
    html_url(b, href);
    html_lit(b, "\">");
    html_text(b, label);
    html_lit(b, "</a></p>");
}

/* A whole number as typed; -1 (which every rule refuses) when it is not one. blank_as: the value
 * of an empty field, -1 when the field is required. */
static int number(const char *s, int blank_as)
{
    if (!s || !*s) return blank_as;
    int64_t v;
    return str_to_int64(s, 0, 1000000, &v) ? (int)v : -1;
}

static const char *text_of(const char *s)
{
    return s ? s : "";
}

static const char *programme_url(struct http_request *req, const struct programme *p, const char *rest)
{
    struct strbuf sb;
    strbuf_init(&sb, req->arena, 64);
    strbuf_puts(&sb, "/programmes/");
    str_url_encode(&sb, p->slug);
    strbuf_puts(&sb, rest);
    return sb.data;
}

static bool may_manage(struct http_request *req)
{
    return policy_allows(web_state(req)->who, POLICY_PROGRAMMES_MANAGE, NULL);
}

/* The programme of the address, or NULL with the 404 (or 503) page written. */
static struct programme *programme_of(struct http_request *req, struct http_response *res)
{
    struct programme *p;
    struct err e;
    err_clear(&e);
    if (programme_find(web_state(req)->store, req->arena, http_route(req, "slug"), &p, &e) == 0) return p;
    if (e.code == ERR_NOT_FOUND) page_error(req, res, 404, T(req, "There is no programme at this address."));
    else {
        log_error("programme: %s", e.msg);
        page_error(req, res, 503, NULL);
    }
    return NULL;
}

static void date_range(struct http_request *req, struct strbuf *b, const char *from, const char *to)
{
    if ((!from || !*from) && (!to || !*to)) {
        html_text(b, T(req, "no dates yet"));
        return;
    }
    if (from && *from) layout_date(req, b, from);
    else html_text(b, "…");
    html_lit(b, " – ");
    if (to && *to) layout_date(req, b, to);
    else html_text(b, "…");
}

/* --- the list ---------------------------------------------------------------------------------- */

static void programmes_list(struct http_request *req, struct http_response *res)
{
    struct programme *list;
    size_t n;
    struct err e;
    err_clear(&e);
    if (programme_list(web_state(req)->store, req->arena, &list, &n, &e) < 0) {
        log_error("programmes: %s", e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    struct strbuf *b = &res->body;
    heading(req, res, T(req, "Programmes"));
    if (may_manage(req)) {
        html_lit(b, "<p><a class=\"button\" href=\"/programmes/new\">");
        html_text(b, T(req, "New programme"));
        html_lit(b, "</a></p>");
    }
    if (!n) {
        html_lit(b, "<p>");
        html_text(b, T(req, "There is no programme yet."));
        html_lit(b, "</p>");
        layout_end(req, res);
        return;
    }
    html_lit(b, "<table><thead><tr><th scope=\"col\">");
    html_text(b, T(req, "Programme"));
    html_lit(b, "</th><th scope=\"col\">");
    html_text(b, T(req, "Dates"));
    html_lit(b, "</th><th scope=\"col\" class=\"num\">");
    html_text(b, T(req, "Pilot size"));
    html_lit(b, "</th><th scope=\"col\" class=\"num\">");
    html_text(b, T(req, "Devices each"));
    html_lit(b, "</th></tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        html_lit(b, "<tr><td><a href=\"");
        html_url(b, programme_url(req, &list[i], ""));
        html_lit(b, "\">");
        html_text(b, list[i].name);
        html_lit(b, "</a>");
        if (list[i].is_demo) {
            html_lit(b, " <span class=\"tag\">");
            html_text(b, T(req, "Demo data"));
            html_lit(b, "</span>");
        }
        html_lit(b, "</td><td>");
        date_range(req, b, list[i].starts_on, list[i].ends_on);
        html_lit(b, "</td><td class=\"num\">");
        html_int(b, list[i].pilot_size);
        html_lit(b, "</td><td class=\"num\">");
        html_int(b, list[i].devices_per_institution);
        html_lit(b, "</td></tr>");
    }
    html_lit(b, "</tbody></table>");
    layout_end(req, res);
}

/* --- the overview ------------------------------------------------------------------------------ */

static void today_iso(char out[11])
{
    char buf[32];
    time_format_iso(time_now_ms(), buf, sizeof buf);
    memcpy(out, buf, 10);
    out[10] = '\0';
}

/* The phases in programme order, each marked done, in progress or upcoming: a list styled as a
 * timeline by the stylesheet, so it reads the same with no CSS and to a screen reader. */
static void timeline(struct http_request *req, struct strbuf *b, const struct programme *p)
{
    if (!p->phase_count) {
        html_lit(b, "<p>");
        html_text(b, T(req, "No phase has dates yet."));
        html_lit(b, "</p>");
        return;
    }
    char today[11];
    today_iso(today);
    html_lit(b, "<ol class=\"timeline\">");
    for (size_t i = 0; i < p->phase_count; i++) {
        const struct programme_phase *ph = &p->phases[i];
        const char *state, *cls;
        if (strcmp(ph->ends_on, today) < 0) {
            state = T(req, "done");
            cls = "done";
        } else if (strcmp(ph->starts_on, today) <= 0) {
            state = T(req, "in progress");
            cls = "now";
        } else {
            state = T(req, "upcoming");
            cls = "next";
        }
        html_lit(b, "<li class=\"");
        html_attr(b, cls);
        html_lit(b, "\"><strong>");
        html_text(b, T(req, programme_phase_label(ph->kind)));
        html_lit(b, "</strong> <span>");
        date_range(req, b, ph->starts_on, ph->ends_on);
        html_lit(b, "</span> <em>");
        html_text(b, state);
        html_lit(b, "</em></li>");
    }
    html_lit(b, "</ol>");
}

static void fact(struct http_request *req, struct strbuf *b, const char *label, int value)
{
    html_lit(b, "<dt>");
    html_text(b, label);
    html_lit(b, "</dt><dd>");
    html_int(b, value);
    html_lit(b, "</dd>");
    (void)req;
}

static void campaigns_table(struct http_request *req, struct strbuf *b, const struct programme *p,
                            const struct campaign *cs, size_t n)
{
    if (!n) {
        html_lit(b, "<p>");
        html_text(b, T(req, "No campaign yet."));
        html_lit(b, "</p>");
        return;
    }
    bool manage = may_manage(req), forms = policy_allows(web_state(req)->who, POLICY_FORM_VIEW, NULL);
    html_lit(b, "<table><thead><tr><th scope=\"col\">");
    html_text(b, T(req, "Campaign"));
    html_lit(b, "</th><th scope=\"col\">");
    html_text(b, T(req, "Form"));
    html_lit(b, "</th><th scope=\"col\">");
    html_text(b, T(req, "Dates"));
    html_lit(b, "</th><th scope=\"col\">");
    html_text(b, T(req, "Status"));
    html_lit(b, "</th><th scope=\"col\" class=\"num\">");
    html_text(b, T(req, "Answers"));
    html_lit(b, "</th></tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        const struct campaign *c = &cs[i];
        html_lit(b, "<tr><td>");
        html_text(b, c->name);
        html_lit(b, " <span class=\"tag\">");
        html_text(b, T(req, campaign_kind_label(c->kind)));
        html_lit(b, "</span>");
        if (strcmp(c->kind, "needs_survey") == 0 && policy_allows(web_state(req)->who, POLICY_NEED_VIEW, NULL)) {
            html_lit(b, " <a href=\"");
            html_url(b, programme_url(req, p, arena_printf(req->arena, "/need?campaign=%s", c->id)));
            html_lit(b, "\">");
            html_text(b, T(req, "Need ranking"));
            html_lit(b, "<span class=\"visually-hidden\"> ");
            html_text(b, c->name);
            html_lit(b, "</span></a>");
        }
        if (manage) {
            html_lit(b, " <a href=\"");
            html_url(b, programme_url(req, p, arena_printf(req->arena, "/campaigns/%s/edit", c->id)));
            html_lit(b, "\">");
            html_text(b, T(req, "Edit"));
            html_lit(b, "<span class=\"visually-hidden\"> ");
            html_text(b, c->name);
            html_lit(b, "</span></a>");
        }
        if (policy_allows(web_state(req)->who, POLICY_INSTITUTIONS_MANAGE, NULL)) { /* web/register_pages.c */
            html_lit(b, " <a href=\"");
            html_url(b, programme_url(req, p, arena_printf(req->arena, "/campaigns/%s/mapping", c->id)));
            html_lit(b, "\">");
            html_text(b, T(req, "Field mapping"));
            html_lit(b, "<span class=\"visually-hidden\"> ");
            html_text(b, c->name);
            html_lit(b, "</span></a>");
        }
        html_lit(b, "</td><td>");
        if (forms) {
            struct strbuf u;
            strbuf_init(&u, req->arena, 32);
            strbuf_puts(&u, "/forms/");
            str_url_encode(&u, c->form_id);
            html_lit(b, "<a href=\"");
            html_url(b, u.data);
            html_lit(b, "\"><code>");
            html_text(b, c->form_id);
            html_lit(b, "</code></a>");
        } else {
            html_lit(b, "<code>");
            html_text(b, c->form_id);
            html_lit(b, "</code>");
        }
        html_lit(b, "</td><td>");
        date_range(req, b, c->opens_on, c->closes_on);
        html_lit(b, "</td><td>");
        html_text(b, T(req, campaign_status_label(c->status)));
        html_lit(b, "</td><td class=\"num\">");
        html_int(b, c->responses);
        html_lit(b, "</td></tr>");
    }
    html_lit(b, "</tbody></table>");
}

static void programme_overview(struct http_request *req, struct http_response *res)
{
    struct programme *p = programme_of(req, res);
    if (!p) return;
    struct campaign *cs;
    size_t n;
    struct err e;
    err_clear(&e);
    if (campaign_list(web_state(req)->store, req->arena, p->id, &cs, &n, &e) < 0) {
        log_error("campaigns: %s", e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    struct strbuf *b = &res->body;
    bool manage = may_manage(req);
    heading(req, res, p->name);
    if (p->is_demo) {
        html_lit(b, "<p class=\"tag\">");
        html_text(b, T(req, "Demo data"));
        html_lit(b, "</p>");
    }
    const char *done = http_query(req, "done");
    if (done && strcmp(done, "saved") == 0) {
        html_lit(b, "<p class=\"notice\" role=\"status\">");
        html_text(b, T(req, "Saved."));
        html_lit(b, "</p>");
    }
    if (*p->summary) {
        html_lit(b, "<p class=\"lead\">");
        html_text(b, p->summary);
        html_lit(b, "</p>");
    }
    html_lit(b, "<p>");
    date_range(req, b, p->starts_on, p->ends_on);
    html_lit(b, "</p>");
    if (manage) {
        html_lit(b, "<p><a href=\"");
        html_url(b, programme_url(req, p, "/edit"));
        html_lit(b, "\">");
        html_text(b, T(req, "Edit the programme"));
        html_lit(b, "</a></p>");
    }
    html_lit(b, "<h2>");
    html_text(b, T(req, "Pilot"));
    html_lit(b, "</h2><dl class=\"facts\">");
    fact(req, b, T(req, "Pilot size (institutions)"), p->pilot_size);
    fact(req, b, T(req, "Devices per institution"), p->devices_per_institution);
    fact(req, b, T(req, "Selection: at most this many per country (0: no limit)"), p->max_per_country);
    fact(req, b, T(req, "Selection: at least this many informal institutions"), p->min_informal);
    fact(req, b, T(req, "Selection: at least this rural share, per cent"), p->min_rural_percent);
    html_lit(b, "</dl><h2>");
    html_text(b, T(req, "Phases"));
    html_lit(b, "</h2>");
    timeline(req, b, p);
    if (manage) back_link(b, programme_url(req, p, "/phases"), T(req, "Change the phases"));
    html_lit(b, "<h2>");
    html_text(b, T(req, "Campaigns"));
    html_lit(b, "</h2>");
    campaigns_table(req, b, p, cs, n);
    html_lit(b, "<p class=\"hint\">");
    html_text(b, T(req, "Answers: the answer sets of the campaign's form first submitted between its days (UTC)."));
    html_lit(b, "</p>");
    if (manage) back_link(b, programme_url(req, p, "/campaigns/new"), T(req, "New campaign"));
    if (policy_allows(web_state(req)->who, POLICY_SELECTION_VIEW, NULL)) /* web/selection_pages.c */
        back_link(b, programme_url(req, p, "/selections"), T(req, "Selection runs and invitations"));
    if (policy_allows(web_state(req)->who, POLICY_FEEDBACK_VIEW, NULL)) /* web/feedback_pages.c */
        back_link(b, programme_url(req, p, "/feedback"), T(req, "Baseline against endline: what changed"));
    if (manage) back_link(b, programme_url(req, p, "/codes"), T(req, "Respondent codes"));
    if (policy_allows(web_state(req)->who, POLICY_REPORT_PROGRAMME, NULL)) /* web/report_pages.c */
        back_link(b, programme_url(req, p, "/report"), T(req, "Programme report"));
    if (policy_allows(web_state(req)->who, POLICY_DASHBOARD_VIEW, NULL))
        back_link(b, programme_url(req, p, "/dashboard"), T(req, "Dashboard"));
    layout_end(req, res);
}

/* --- creating and editing a programme ---------------------------------------------------------- */

/* What the programme form shows: the stored values, or what was typed. */
struct programme_form {
    const char *name, *slug, *summary, *starts_on, *ends_on;
    const char *pilot_size, *devices, *max_per_country, *min_informal, *min_rural_percent;
};

static const char *int_text(struct http_request *req, int v)
{
    return arena_printf(req->arena, "%d", v);
}

static struct programme_form form_of_programme(struct http_request *req, const struct programme *p)
{
    return (struct programme_form){
        p->name, p->slug, p->summary, p->starts_on, p->ends_on, int_text(req, p->pilot_size),
        int_text(req, p->devices_per_institution), int_text(req, p->max_per_country),
        int_text(req, p->min_informal), int_text(req, p->min_rural_percent),
    };
}

static struct programme_form form_of_post(struct http_request *req)
{
    return (struct programme_form){
        http_form(req, "name"), http_form(req, "slug"), http_form(req, "summary"), http_form(req, "starts_on"),
        http_form(req, "ends_on"), http_form(req, "pilot_size"), http_form(req, "devices"),
        http_form(req, "max_per_country"), http_form(req, "min_informal"), http_form(req, "min_rural_percent"),
    };
}

/* Fills p's own fields from what was posted; numbers that are not numbers become -1, which the
 * rules refuse with the field's message. */
static void programme_from_form(struct programme *p, const struct programme_form *f)
{
    p->name = text_of(f->name);
    p->slug = text_of(f->slug);
    p->summary = text_of(f->summary);
    p->starts_on = text_of(f->starts_on);
    p->ends_on = text_of(f->ends_on);
    p->pilot_size = number(f->pilot_size, -1);
    p->devices_per_institution = number(f->devices, -1);
    p->max_per_country = number(f->max_per_country, 0);
    p->min_informal = number(f->min_informal, 0);
    p->min_rural_percent = number(f->min_rural_percent, 0);
}

static void programme_form_page(struct http_request *req, struct http_response *res, const char *title,
                                const char *action, const char *cancel, const struct programme_form *f,
                                const struct programme_problems *pp)
{
    struct strbuf *b = &res->body;
    heading(req, res, title);
    form_error_summary(req, b, pp);
    form_open(req, res, action);
    field(req, b, pp, &(struct input){"name", T(req, "Name"), NULL, f->name, "text", false, true});
    field(req, b, pp, &(struct input){"slug", T(req, "Short name for the address"),
                                      T(req, "Lower-case letters, digits and hyphens, like bridging-2026: the programme's page will be /programmes/bridging-2026."),
                                      f->slug, "text", false, true});
    field(req, b, pp, &(struct input){"summary", T(req, "Summary"), T(req, "Optional: what the programme does, in a few sentences."), f->summary, NULL, false, false});
    field(req, b, pp, &(struct input){"starts_on", T(req, "Starts on"), T(req, "Optional. A date, like 2026-01-12."), f->starts_on, "date", false, false});
    field(req, b, pp, &(struct input){"ends_on", T(req, "Ends on"), T(req, "Optional. A date, like 2027-09-30."), f->ends_on, "date", false, false});
    field(req, b, pp, &(struct input){"pilot_size", T(req, "Pilot size"), T(req, "How many institutions the pilot selects, from 1 to 1000."), f->pilot_size, "text", true, true});
    field(req, b, pp, &(struct input){"devices", T(req, "Devices per institution"), T(req, "From 0 to 1000."), f->devices, "text", true, true});
    html_lit(b, "<h2>");
    html_text(b, T(req, "Selection defaults"));
    html_lit(b, "</h2>");
    field(req, b, pp, &(struct input){"max_per_country", T(req, "At most this many institutions per country"), T(req, "0 for no limit."), f->max_per_country, "text", true, false});
    field(req, b, pp, &(struct input){"min_informal", T(req, "At least this many informal institutions"), T(req, "STEM clubs and education centres; 0 for none."), f->min_informal, "text", true, false});
    field(req, b, pp, &(struct input){"min_rural_percent", T(req, "At least this rural share, per cent"), T(req, "From 0 to 100."), f->min_rural_percent, "text", true, false});
    form_close(b, T(req, "Save"));
    back_link(b, cancel, T(req, "Cancel"));
    layout_end(req, res);
}

static void programme_new_get(struct http_request *req, struct http_response *res)
{
    struct programme_form f = {.pilot_size = "10", .devices = "10", .max_per_country = "0", .min_informal = "0",
                               .min_rural_percent = "0"};
    programme_form_page(req, res, T(req, "New programme"), "/programmes/new", "/programmes", &f, NULL);
}

/* After a refused save: 400 and the form again, as typed, with every problem. */
static void refused(struct http_response *res, int status)
{
    res->status = status;
}

static void programme_new_post(struct http_request *req, struct http_response *res)
{
    struct programme_form f = form_of_post(req);
    struct programme p = {0};
    programme_from_form(&p, &f);
    struct programme_problems pp = {.n = 0};
    if (programme_validate(&p, &pp)) {
        refused(res, 400);
        programme_form_page(req, res, T(req, "New programme"), "/programmes/new", "/programmes", &f, &pp);
        return;
    }
    struct audit_actor by;
    web_audit_actor(req, &by);
    struct err e;
    err_clear(&e);
    if (programme_create(web_state(req)->store, req->arena, &p, &by, &e) < 0) {
        if (e.code == ERR_CONFLICT) {
            programme_problem_add(&pp, "slug", N_("Another programme has this short name already: choose another."));
            refused(res, 409);
            programme_form_page(req, res, T(req, "New programme"), "/programmes/new", "/programmes", &f, &pp);
            return;
        }
        log_error("programme create: %s", e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    http_redirect(res, 303, programme_url(req, &p, "?done=saved"));
}

static void programme_edit_get(struct http_request *req, struct http_response *res)
{
    struct programme *p = programme_of(req, res);
    if (!p) return;
    struct programme_form f = form_of_programme(req, p);
    programme_form_page(req, res, T(req, "Edit the programme"), programme_url(req, p, "/edit"),
                        programme_url(req, p, ""), &f, NULL);
}

static void programme_edit_post(struct http_request *req, struct http_response *res)
{
    struct programme *p = programme_of(req, res);
    if (!p) return;
    struct programme_form f = form_of_post(req);
    struct programme next = *p;
    programme_from_form(&next, &f);
    struct programme_problems pp = {.n = 0};
    struct err e;
    err_clear(&e);
    int rc = ERR_INVALID;
    if (!programme_validate(&next, &pp)) {
        struct audit_actor by;
        web_audit_actor(req, &by);
        rc = programme_update(web_state(req)->store, req->arena, &next, &by, &e);
        if (rc == ERR_CONFLICT)
            programme_problem_add(&pp, "slug", N_("Another programme has this short name already: choose another."));
        else if (rc < 0 && rc != ERR_INVALID) {
            log_error("programme update: %s", e.msg);
            page_error(req, res, 503, NULL);
            return;
        }
    }
    if (rc < 0) {
        if (!pp.n) programme_problem_add(&pp, "starts_on", N_("The programme could not be saved: check its fields."));
        refused(res, rc == ERR_CONFLICT ? 409 : 400);
        programme_form_page(req, res, T(req, "Edit the programme"), programme_url(req, p, "/edit"),
                            programme_url(req, p, ""), &f, &pp);
        return;
    }
    http_redirect(res, 303, programme_url(req, &next, "?done=saved"));
}

/* --- phases ------------------------------------------------------------------------------------ */

static void phases_page(struct http_request *req, struct http_response *res, const struct programme *p,
                        const char *const *starts, const char *const *ends, const struct programme_problems *pp)
{
    struct strbuf *b = &res->body;
    heading(req, res, T(req, "Phases"));
    html_lit(b, "<p>");
    html_text(b, p->name);
    html_lit(b, "</p>");
    form_error_summary(req, b, pp);
    html_lit(b, "<p class=\"hint\">");
    html_text(b, T(req, "Give a phase both dates to add it or change it; clear both to remove it. Phases may overlap, but none may start before the phases above it, and all lie within the programme's dates."));
    html_lit(b, "</p>");
    form_open(req, res, programme_url(req, p, "/phases"));
    for (int k = 0; k < PROGRAMME_PHASE_KINDS; k++) {
        const char *kind = programme_phase_kinds[k];
        html_lit(b, "<fieldset><legend>");
        html_text(b, T(req, programme_phase_label(kind)));
        html_lit(b, "</legend>");
        field(req, b, pp, &(struct input){arena_printf(req->arena, "phase-%s-start", kind), T(req, "Starts on"), NULL,
                                          starts[k], "date", false, false});
        field(req, b, pp, &(struct input){arena_printf(req->arena, "phase-%s-end", kind), T(req, "Ends on"), NULL,
                                          ends[k], "date", false, false});
        html_lit(b, "</fieldset>");
    }
    form_close(b, T(req, "Save the phases"));
    back_link(b, programme_url(req, p, ""), T(req, "Cancel"));
    layout_end(req, res);
}

static void phases_get(struct http_request *req, struct http_response *res)
{
    struct programme *p = programme_of(req, res);
    if (!p) return;
    const char *starts[PROGRAMME_PHASE_KINDS] = {0}, *ends[PROGRAMME_PHASE_KINDS] = {0};
    for (int k = 0; k < PROGRAMME_PHASE_KINDS; k++)
        for (size_t i = 0; i < p->phase_count; i++)
            if (strcmp(p->phases[i].kind, programme_phase_kinds[k]) == 0) {
                starts[k] = p->phases[i].starts_on;
                ends[k] = p->phases[i].ends_on;
            }
    phases_page(req, res, p, starts, ends, NULL);
}

static void phases_post(struct http_request *req, struct http_response *res)
{
    struct programme *p = programme_of(req, res);
    if (!p) return;
    const char *starts[PROGRAMME_PHASE_KINDS], *ends[PROGRAMME_PHASE_KINDS];
    struct programme_phase phases[PROGRAMME_PHASE_KINDS];
    size_t n = 0;
    struct programme_problems pp = {.n = 0};
    for (int k = 0; k < PROGRAMME_PHASE_KINDS; k++) {
        const char *kind = programme_phase_kinds[k];
        starts[k] = http_form(req, arena_printf(req->arena, "phase-%s-start", kind));
        ends[k] = http_form(req, arena_printf(req->arena, "phase-%s-end", kind));
        /* Every field comes with the page's form, empty or not: a post without them is not from
         * it, and must not read as "remove every phase". */
        if (!starts[k] || !ends[k]) {
            page_error(req, res, 400, T(req, "The form was not complete. Nothing was changed."));
            return;
        }
        if (!*starts[k] && !*ends[k]) continue; /* removed, or never there */
        phases[n++] = (struct programme_phase){NULL, kind, starts[k], ends[k]};
    }
    programme_validate_phases(p, phases, n, &pp);
    struct err e;
    err_clear(&e);
    if (!pp.n) {
        struct audit_actor by;
        web_audit_actor(req, &by);
        if (programme_set_phases(web_state(req)->store, req->arena, p, phases, n, &by, &e) == 0) {
            http_redirect(res, 303, programme_url(req, p, "?done=saved"));
            return;
        }
        if (e.code != ERR_INVALID) {
            log_error("phases: %s", e.msg);
            page_error(req, res, 503, NULL);
            return;
        }
        programme_problem_add(&pp, "phase-campaign-start", N_("The phases could not be saved: check the dates."));
    }
    refused(res, 400);
    phases_page(req, res, p, starts, ends, &pp);
}

/* --- campaigns --------------------------------------------------------------------------------- */

static void campaign_form_page(struct http_request *req, struct http_response *res, const struct programme *p,
                               const char *title, const char *action, const struct campaign *c,
                               const struct programme_problems *pp)
{
    struct strbuf *b = &res->body;
    struct form_version_info *forms = NULL;
    size_t nforms = 0;
    struct err e;
    err_clear(&e);
    if (form_store_list(web_state(req)->store, req->arena, &forms, &nforms, &e) < 0) log_error("forms: %s", e.msg);
    heading(req, res, title);
    html_lit(b, "<p>");
    html_text(b, p->name);
    html_lit(b, "</p>");
    form_error_summary(req, b, pp);
    form_open(req, res, action);
    field(req, b, pp, &(struct input){"name", T(req, "Name"), NULL, c->name, "text", false, true});
    /* The forms as a choice; a form id that is no longer there stays offered, so that what was
     * chosen is kept and its message shown beside it. */
    const char **values = arena_alloc(req->arena, (nforms + 2) * sizeof *values);
    const char **labels = arena_alloc(req->arena, (nforms + 2) * sizeof *labels);
    size_t nv = 0;
    values[nv] = "";
    labels[nv++] = T(req, "Choose a form");
    bool listed = !c->form_id || !*c->form_id;
    for (size_t i = 0; i < nforms; i++) {
        values[nv] = forms[i].form_id;
        labels[nv++] = arena_printf(req->arena, "%s (%s)", forms[i].title, forms[i].form_id);
        if (c->form_id && strcmp(c->form_id, forms[i].form_id) == 0) listed = true;
    }
    if (!listed) {
        values[nv] = c->form_id;
        labels[nv++] = c->form_id;
    }
    select_field(req, b, pp, &(struct input){"form_id", T(req, "Form"), T(req, "The survey this campaign runs; import a form with: edubridge form import FILE"), c->form_id, NULL, false, true},
                 values, labels, nv);
    const char *kind_labels[CAMPAIGN_KINDS];
    for (int i = 0; i < CAMPAIGN_KINDS; i++) kind_labels[i] = T(req, campaign_kind_label(campaign_kinds[i]));
    select_field(req, b, pp, &(struct input){"kind", T(req, "Kind"), NULL, c->kind, NULL, false, true},
                 campaign_kinds, kind_labels, CAMPAIGN_KINDS);
    field(req, b, pp, &(struct input){"opens_on", T(req, "Opens on"), T(req, "Optional. A date, like 2026-01-12."), c->opens_on, "date", false, false});
    field(req, b, pp, &(struct input){"closes_on", T(req, "Closes on"), T(req, "Optional. A date, like 2026-03-27."), c->closes_on, "date", false, false});
    const char *status_labels[CAMPAIGN_STATUSES];
    for (int i = 0; i < CAMPAIGN_STATUSES; i++) status_labels[i] = T(req, campaign_status_label(campaign_statuses[i]));
    select_field(req, b, pp, &(struct input){"status", T(req, "Status"), NULL, c->status, NULL, false, true},
                 campaign_statuses, status_labels, CAMPAIGN_STATUSES);
    form_close(b, T(req, "Save"));
    back_link(b, programme_url(req, p, ""), T(req, "Cancel"));
    layout_end(req, res);
}

static struct campaign campaign_of_post(struct http_request *req)
{
    return (struct campaign){
        .name = text_of(http_form(req, "name")),
        .form_id = text_of(http_form(req, "form_id")),
        .kind = text_of(http_form(req, "kind")),
        .opens_on = text_of(http_form(req, "opens_on")),
        .closes_on = text_of(http_form(req, "closes_on")),
        .status = text_of(http_form(req, "status")),
    };
}

static void campaign_new_get(struct http_request *req, struct http_response *res)
{
    struct programme *p = programme_of(req, res);
    if (!p) return;
    struct campaign c = {.kind = "needs_survey", .status = "draft", .form_id = ""};
    for (size_t i = 0; i < p->phase_count; i++) /* the campaign phase's days, to start from */
        if (strcmp(p->phases[i].kind, "campaign") == 0) {
            c.opens_on = p->phases[i].starts_on;
            c.closes_on = p->phases[i].ends_on;
        }
    campaign_form_page(req, res, p, T(req, "New campaign"), programme_url(req, p, "/campaigns/new"), &c, NULL);
}

/* Saves a new campaign (old NULL) or a change; answers the request either way. */
static void campaign_save(struct http_request *req, struct http_response *res, const struct programme *p,
                          const struct campaign *old)
{
    struct campaign c = campaign_of_post(req);
    if (old) c.id = old->id;
    const char *title = old ? T(req, "Edit the campaign") : T(req, "New campaign");
    const char *action = old ? programme_url(req, p, arena_printf(req->arena, "/campaigns/%s/edit", old->id))
                             : programme_url(req, p, "/campaigns/new");
    struct programme_problems pp = {.n = 0};
    struct err e;
    err_clear(&e);
    int n = campaign_validate(web_state(req)->store, p, &c, &pp, &e);
    if (n == 0) {
        struct audit_actor by;
        web_audit_actor(req, &by);
        int rc = old ? campaign_update(web_state(req)->store, req->arena, p, &c, &by, &e)
                     : campaign_create(web_state(req)->store, req->arena, p, &c, &by, &e);
        if (rc == 0) {
            http_redirect(res, 303, programme_url(req, p, "?done=saved"));
            return;
        }
        if (rc != ERR_INVALID) n = -1;
        else programme_problem_add(&pp, "name", N_("The campaign could not be saved: check its fields."));
    }
    if (n < 0) {
        log_error("campaign: %s", e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    refused(res, 400);
    campaign_form_page(req, res, p, title, action, &c, &pp);
}

static void campaign_new_post(struct http_request *req, struct http_response *res)
{
    struct programme *p = programme_of(req, res);
    if (p) campaign_save(req, res, p, NULL);
}

static struct campaign *campaign_of(struct http_request *req, struct http_response *res, const struct programme *p)
{
    struct campaign *c;
    struct err e;
    err_clear(&e);
    if (campaign_find(web_state(req)->store, req->arena, p->id, http_route(req, "campaign"), &c, &e) == 0) return c;
    if (e.code == ERR_NOT_FOUND) page_error(req, res, 404, T(req, "There is no such campaign in this programme."));
    else {
        log_error("campaign: %s", e.msg);
        page_error(req, res, 503, NULL);
    }
    return NULL;
}

static void campaign_edit_get(struct http_request *req, struct http_response *res)
{
    struct programme *p = programme_of(req, res);
    struct campaign *c = p ? campaign_of(req, res, p) : NULL;
    if (!c) return;
    campaign_form_page(req, res, p, T(req, "Edit the campaign"),
                       programme_url(req, p, arena_printf(req->arena, "/campaigns/%s/edit", c->id)), c, NULL);
}

static void campaign_edit_post(struct http_request *req, struct http_response *res)
{
    struct programme *p = programme_of(req, res);
    struct campaign *c = p ? campaign_of(req, res, p) : NULL;
    if (c) campaign_save(req, res, p, c);
}

void programme_pages_routes(struct router *r)
{
    router_add(r, HTTP_GET, "/programmes", programmes_list);
    router_add(r, HTTP_GET, "/programmes/new", programme_new_get);
    router_add(r, HTTP_POST, "/programmes/new", programme_new_post);
    router_add(r, HTTP_GET, "/programmes/{slug}", programme_overview);
    router_add(r, HTTP_GET, "/programmes/{slug}/edit", programme_edit_get);
    router_add(r, HTTP_POST, "/programmes/{slug}/edit", programme_edit_post);
    router_add(r, HTTP_GET, "/programmes/{slug}/phases", phases_get);
    router_add(r, HTTP_POST, "/programmes/{slug}/phases", phases_post);
    router_add(r, HTTP_GET, "/programmes/{slug}/campaigns/new", campaign_new_get);
    router_add(r, HTTP_POST, "/programmes/{slug}/campaigns/new", campaign_new_post);
    router_add(r, HTTP_GET, "/programmes/{slug}/campaigns/{campaign}/edit", campaign_edit_get);
    router_add(r, HTTP_POST, "/programmes/{slug}/campaigns/{campaign}/edit", campaign_edit_post);
}

#include "web/curriculum_pages.h"

#include "auth/policy.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "html/html.h"
#include "program/curriculum.h"
#include "program/institutions.h"
#include "program/training.h"
#include "web/access.h"
#include "web/audit_pages.h"
#include "web/layout.h"
#include "web/pages.h"
#include "web/form_errors.h"
#include "web/training_ui.h"
#include "web/web.h"

#include <math.h>
#include <string.h>

static const char *nonempty(const char *s) { return s && *s ? s : NULL; }

/* What the page shows besides the plan: the problems of a form just posted. */
struct plan_notes {
    const struct programme_problems *pp; /* the add-an-item form's */
    const struct curriculum_item_new *typed;
    const char *message;                 /* translated */
};

struct plan_page {
    struct institution inst;
    struct programme *programme, *list;
    size_t nlist;
    struct curriculum_needs needs;
    bool has_needs;
    struct curriculum_plan plan;
    bool has_plan;
    struct training_course *courses;
    size_t ncourses;
};

static const char *plan_url(struct http_request *req, const struct plan_page *p)
{
    return arena_printf(req->arena, "/institutions/%s/curriculum?programme=%s", p->inst.id, p->programme->slug);
}

/* Reads what the page needs; false with the error page written. */
static bool load(struct http_request *req, struct http_response *res, struct plan_page *p)
{
    memset(p, 0, sizeof *p);
    struct store *st = web_state(req)->store;
    struct err e;
    err_clear(&e);
    int rc = inst_get(st, req->arena, http_route(req, "id"), &p->inst, &e);
    if (rc == ERR_NOT_FOUND) {
        page_error(req, res, 404, NULL);
        return false;
    }
    if (rc < 0) goto fail;
    p->programme = tui_programme(req, res, &p->list, &p->nlist);
    if (!p->programme) return false;
    rc = curriculum_needs(st, req->arena, p->programme->id, p->inst.id, &p->needs, &e);
    if (rc < 0 && rc != ERR_NOT_FOUND) goto fail;
    p->has_needs = rc == 0;
    err_clear(&e);
    rc = curriculum_plan_get(st, req->arena, p->inst.id, p->programme->id, NULL, &p->plan, &e);
    if (rc < 0 && rc != ERR_NOT_FOUND) goto fail;
    p->has_plan = rc == 0;
    err_clear(&e);
    struct training_course_filter f = {.programme_id = p->programme->id};
    if (training_courses(st, req->arena, &f, &p->courses, &p->ncourses, &e) < 0) goto fail;
    return true;
fail:
    log_error("curriculum %s: %s", http_route(req, "id"), e.msg);
    page_error(req, res, 503, NULL);
    return false;
}

static const char *domain_label(struct http_request *req, const struct plan_page *p, const char *id)
{
    for (size_t k = 0; p->has_needs && k < p->needs.ndomains; k++)
        if (!strcmp(p->needs.domains[k].id, id)) return T(req, p->needs.domains[k].label);
    return id;
}

static void domains_table(struct http_request *req, struct strbuf *b, const struct plan_page *p)
{
    struct policy_target t = {.institution_id = p->inst.id};
    bool numbers = policy_allows(web_state(req)->who, POLICY_NEED_VIEW, &t);
    html_lit(b, "<h2>");
    html_text(b, T(req, "Weakest domains first"));
    html_lit(b, "</h2><p>");
    html_text(b, arena_printf(req->arena, T(req, "From the need index of %s. A domain's need is the weighted mean of its indicators' normalised values: 100 is the neediest institution assessed, 0 the least needy."),
                              p->needs.campaign_name));
    html_lit(b, "</p><table><thead><tr><th scope=\"col\">");
    html_text(b, T(req, "Domain"));
    html_lit(b, "</th>");
    if (numbers) {
        html_lit(b, "<th scope=\"col\" class=\"num\">");
        html_text(b, T(req, "Need"));
        html_lit(b, "</th>");
    }
    html_lit(b, "<th scope=\"col\">");
    html_text(b, T(req, "Indicators answered"));
    html_lit(b, "</th><th scope=\"col\">");
    html_text(b, T(req, "Courses for it"));
    html_lit(b, "</th></tr></thead><tbody>");
    for (size_t k = 0; k < p->needs.ndomains; k++) {
        const struct curriculum_domain *d = &p->needs.domains[k];
        html_lit(b, "<tr><th scope=\"row\">");
        html_text(b, T(req, d->label));
        html_lit(b, "</th>");
        if (numbers) {
            html_lit(b, "<td class=\"num\">");
            if (isnan(d->need)) html_text(b, "–");
            else html_text(b, arena_printf(req->arena, "%.0f", d->need));
            html_lit(b, "</td>");
        }
        html_lit(b, "<td>");
        html_text(b, arena_printf(req->arena, T(req, "%d of %d"), (int)d->answered, (int)d->indicators));
        html_lit(b, "</td><td>");
        bool any = false;
        for (size_t c = 0; c < p->ncourses; c++) {
            if (!training_course_matches(&p->courses[c], d->id, d->label)) continue;
            if (any) html_lit(b, "; ");
            any = true;
            html_text(b, p->courses[c].title);
        }
        if (!any) html_text(b, "–");
        html_lit(b, "</td></tr>");
    }
    html_lit(b, "</tbody></table>");
}

static void status_form(struct http_request *req, struct http_response *res, const struct plan_page *p,
                        const struct curriculum_item *it)
{
    struct strbuf *b = &res->body;
    html_lit(b, "<form class=\"picker\" method=\"post\" action=\"");
    html_url(b, plan_url(req, p));
    html_lit(b, "\">");
    access_csrf_field(req, res);
    html_lit(b, "<input type=\"hidden\" name=\"do\" value=\"status\"><input type=\"hidden\" name=\"item\" value=\"");
    html_attr(b, it->id);
    html_lit(b, "\"><select name=\"status\" aria-label=\"");
    html_attr(b, arena_printf(req->arena, T(req, "Status of %s"), it->module));
    html_lit(b, "\">");
    for (int s = 0; s < CURRICULUM_STATUSES; s++) {
        html_lit(b, "<option value=\"");
        html_attr(b, curriculum_statuses[s]);
        html_lit(b, "\"");
        if (!strcmp(it->status, curriculum_statuses[s])) html_lit(b, " selected");
        html_lit(b, ">");
        html_text(b, T(req, curriculum_status_label(curriculum_statuses[s])));
        html_lit(b, "</option>");
    }
    html_lit(b, "</select> <button type=\"submit\" class=\"secondary\">");
    html_text(b, T(req, "Save"));
    html_lit(b, "</button></form>");
}

static void items_table(struct http_request *req, struct http_response *res, const struct plan_page *p, bool manage)
{
    struct strbuf *b = &res->body;
    const struct curriculum_plan *pl = &p->plan;
    int percent = pl->nitems ? (int)(100.0 * (double)pl->done / (double)pl->nitems + 0.5) : 0;
    html_lit(b, "<p>");
    html_text(b, arena_printf(req->arena, T(req, "Done: %d of %d items (%d%%)."), (int)pl->done, (int)pl->nitems, percent));
    if (pl->late) {
        html_lit(b, " <strong class=\"error\">");
        html_text(b, arena_printf(req->arena, T(req, "Late: %d."), (int)pl->late));
        html_lit(b, "</strong>");
    }
    html_lit(b, "</p><progress max=\"100\" value=\"");
    html_int(b, percent);
    html_lit(b, "\" aria-label=\"");
    html_attr(b, T(req, "Progress of the plan"));
    html_lit(b, "\">");
    html_int(b, percent);
    html_lit(b, "%</progress>");
    if (!pl->nitems) return;
    html_lit(b, "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"");
    html_attr(b, T(req, "The plan"));
    html_lit(b, "\"><table><thead><tr>");
    const char *heads[] = {T(req, "Due"), T(req, "Domain"), T(req, "Module"), T(req, "Lesson"), T(req, "Course"),
                           T(req, "Status")};
    for (size_t i = 0; i < 6; i++) {
        html_lit(b, "<th scope=\"col\">");
        html_text(b, heads[i]);
        html_lit(b, "</th>");
    }
    html_lit(b, "</tr></thead><tbody>");
    for (size_t i = 0; i < pl->nitems; i++) {
        const struct curriculum_item *it = &pl->items[i];
        html_lit(b, "<tr><td>");
        layout_date(req, b, it->due_on);
        html_lit(b, "</td>");
        tui_cell(b, domain_label(req, p, it->domain));
        tui_cell(b, it->module);
        tui_cell(b, it->lesson);
        tui_cell(b, it->course_title);
        html_lit(b, "<td>");
        html_text(b, T(req, curriculum_status_label(it->status)));
        if (it->done_on) {
            html_lit(b, " ");
            layout_date(req, b, it->done_on);
        }
        if (it->late) {
            html_lit(b, " <strong class=\"error\">");
            html_text(b, T(req, "late"));
            html_lit(b, "</strong>");
        }
        if (manage) status_form(req, res, p, it);
        html_lit(b, "</td></tr>");
    }
    html_lit(b, "</tbody></table></div>");
}

static void make_form(struct http_request *req, struct http_response *res, const struct plan_page *p)
{
    struct strbuf *b = &res->body;
    html_lit(b, "<h2>");
    html_text(b, T(req, "Make the plan from the need index"));
    html_lit(b, "</h2><p>");
    html_text(b, T(req, "Adds, for each of the two weakest domains, the catalogue's courses that name the domain in their topics (at most three), or one module named after the domain when none does, due four weeks apart. Making it again adds only what the plan does not hold yet."));
    html_lit(b, "</p>");
    tui_form_open(req, res, plan_url(req, p), false);
    html_lit(b, "<input type=\"hidden\" name=\"do\" value=\"make\">");
    char today[32];
    time_format_iso(time_now_ms(), today, sizeof today);
    today[10] = '\0';
    struct tui_input start = {"starts_on", T(req, "Starting from"), NULL, today, "date", true};
    tui_field(req, b, NULL, &start);
    tui_form_close(b, T(req, "Make the plan"));
}

static void add_form(struct http_request *req, struct http_response *res, const struct plan_page *p,
                     const struct plan_notes *notes)
{
    struct strbuf *b = &res->body;
    const struct programme_problems *pp = notes ? notes->pp : NULL;
    const struct curriculum_item_new *typed = notes ? notes->typed : NULL;
    html_lit(b, "<h2 id=\"add\">");
    html_text(b, T(req, "Add an item"));
    html_lit(b, "</h2>");
    form_error_summary(req, b, pp);
    tui_form_open(req, res, plan_url(req, p), false);
    html_lit(b, "<input type=\"hidden\" name=\"do\" value=\"add\">");
    if (p->has_needs) {
        const char **dv = arena_alloc(req->arena, (p->needs.ndomains + 1) * sizeof *dv);
        const char **dl = arena_alloc(req->arena, (p->needs.ndomains + 1) * sizeof *dl);
        for (size_t k = 0; k < p->needs.ndomains; k++) dv[k] = p->needs.domains[k].id, dl[k] = T(req, p->needs.domains[k].label);
        struct tui_input domain = {"domain", T(req, "Domain"), NULL, typed ? typed->domain : NULL, NULL, true};
        tui_select(req, b, pp, &domain, dv, dl, p->needs.ndomains, NULL);
    } else {
        struct tui_input domain = {"domain", T(req, "Domain"), T(req, "A short name: devices, connectivity, skills, support..."), typed ? typed->domain : NULL, "text", true};
        tui_field(req, b, pp, &domain);
    }
    struct tui_input fields[] = {
        {"module", T(req, "Module"), NULL, typed ? typed->module : NULL, "text", true},
        {"lesson", T(req, "Lesson (optional)"), NULL, typed ? typed->lesson : NULL, "text", false},
    };
    for (size_t i = 0; i < 2; i++) tui_field(req, b, pp, &fields[i]);
    const char **cv = arena_alloc(req->arena, (p->ncourses + 1) * sizeof *cv), **cl = arena_alloc(req->arena, (p->ncourses + 1) * sizeof *cl);
    for (size_t c = 0; c < p->ncourses; c++) cv[c] = p->courses[c].id, cl[c] = p->courses[c].title;
    struct tui_input course = {"course", T(req, "Course"), NULL, typed ? typed->course_id : NULL, NULL, false};
    tui_select(req, b, pp, &course, cv, cl, p->ncourses, T(req, "None"));
    struct tui_input due = {"due_on", T(req, "Due on"), NULL, typed ? typed->due_on : NULL, "date", true};
    tui_field(req, b, pp, &due);
    tui_form_close(b, T(req, "Add the item"));
}

static void render(struct http_request *req, struct http_response *res, const struct plan_page *p,
                   const struct plan_notes *notes)
{
    bool manage = policy_allows(web_state(req)->who, POLICY_TRAINING_MANAGE, NULL);
    struct strbuf *b = &res->body;
    const char *title = arena_printf(req->arena, T(req, "Curriculum plan: %s"), p->inst.v[INST_NAME]);
    layout_begin(req, res, title, "training");
    html_lit(b, "<h1>");
    html_text(b, title);
    html_lit(b, "</h1>");
    if (notes && notes->message) {
        html_lit(b, "<p class=\"error\" role=\"alert\">");
        html_text(b, notes->message);
        html_lit(b, "</p>");
    }
    tui_programme_choice(req, b, arena_printf(req->arena, "/institutions/%s/curriculum", p->inst.id), p->list, p->nlist,
                         p->programme);
    html_lit(b, "<p>");
    html_text(b, p->programme->name);
    html_lit(b, " · <a href=\"/training\">");
    html_text(b, T(req, "The catalogue"));
    html_lit(b, "</a></p>");
    if (p->has_needs) domains_table(req, b, p);
    else {
        html_lit(b, "<p>");
        html_text(b, T(req, "This programme's need index does not assess this institution (or the programme has no needs survey): the plan cannot be made from it, but items can be added one by one."));
        html_lit(b, "</p>");
    }
    html_lit(b, "<h2>");
    html_text(b, T(req, "The plan"));
    html_lit(b, "</h2>");
    if (!p->has_plan) {
        html_lit(b, "<p>");
        html_text(b, T(req, "No plan yet."));
        html_lit(b, "</p>");
    } else {
        items_table(req, res, p, manage);
    }
    if (manage) {
        if (p->has_needs) make_form(req, res, p);
        add_form(req, res, p, notes);
    }
    layout_end(req, res);
}

static void plan_page(struct http_request *req, struct http_response *res)
{
    struct plan_page p;
    if (load(req, res, &p)) render(req, res, &p, NULL);
}

static void plan_post(struct http_request *req, struct http_response *res)
{
    struct plan_page p;
    if (!load(req, res, &p)) return;
    if (p.inst.merged_into) {
        page_error(req, res, 409, T(req, "This record was merged into another one: plan the one the register keeps."));
        return;
    }
    struct store *st = web_state(req)->store;
    struct audit_actor by;
    web_audit_actor(req, &by);
    struct err e;
    err_clear(&e);
    const char *what = http_form(req, "do");
    struct plan_notes notes = {0};
    struct programme_problems pp = {0};
    struct curriculum_item_new in = {0};
    int rc;
    if (what && !strcmp(what, "make")) {
        rc = curriculum_make(st, req->arena, p.programme->id, p.inst.id, nonempty(http_form(req, "starts_on")), 0, false,
                             &by, NULL, &e);
        if (rc == ERR_INVALID) notes.message = T(req, "The starting day is not a real day.");
        else if (rc == ERR_NOT_FOUND) notes.message = T(req, "This programme's need index does not assess this institution: add items one by one.");
    } else if (what && !strcmp(what, "add")) {
        in = (struct curriculum_item_new){http_form(req, "domain"), http_form(req, "module"), http_form(req, "lesson"),
                                          nonempty(http_form(req, "course")), http_form(req, "due_on")};
        rc = curriculum_item_add(st, req->arena, p.programme->id, p.inst.id, &in, &by, &pp, &e);
        notes.pp = &pp;
        notes.typed = &in;
    } else if (what && !strcmp(what, "status")) {
        rc = curriculum_item_set(st, req->arena, p.inst.id, http_form(req, "item") ? http_form(req, "item") : "",
                                 http_form(req, "status"), NULL, &by, &e);
        if (rc == ERR_NOT_FOUND) {
            page_error(req, res, 404, NULL);
            return;
        }
        if (rc == ERR_INVALID) notes.message = T(req, "An item is planned, in progress or done.");
    } else {
        page_error(req, res, 400, T(req, "Say what to do: make the plan, add an item or change one."));
        return;
    }
    if (rc == 0) {
        http_redirect(res, 303, plan_url(req, &p));
        return;
    }
    if (rc != ERR_INVALID && rc != ERR_NOT_FOUND) {
        log_error("curriculum %s: %s", p.inst.id, e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    res->status = rc == ERR_NOT_FOUND ? 409 : 400;
    render(req, res, &p, &notes);
}

void curriculum_routes(struct router *r)
{
    router_add(r, HTTP_GET, "/institutions/{id}/curriculum", plan_page);
    router_add(r, HTTP_POST, "/institutions/{id}/curriculum", plan_post);
}

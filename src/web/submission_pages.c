#include "web/submission_pages.h"

#include "base/log.h"
#include "forms/engine.h"
#include "forms/revisions.h"
#include "html/html.h"
#include "web/access.h"
#include "web/layout.h"
#include "web/pages.h"
#include "web/survey.h"
#include "web/web.h"

#include <stdint.h>
#include <string.h>

/* These pages show every answer, personal data included, and start corrections. Who may see
 * them is the policy's to say: each route's action (SUBMISSIONS_LIST, SUBMISSION_VIEW,
 * SUBMISSION_CORRECT) is checked before the handler runs, and the handlers that read one
 * submission ask again with it as the target before showing or changing anything. */

enum { PER_PAGE = 50 };

static const char *list_url(struct http_request *req, const char *form_id)
{
    return arena_printf(req->arena, "/forms/%s/submissions", form_id);
}

static const char *view_url(struct http_request *req, const char *form_id, const char *id)
{
    return arena_printf(req->arena, "/forms/%s/submissions/%s", form_id, id);
}

/* A stored UTC time as the reader reads the date, with the time of day in UTC (the reader's own
 * zone is not known without a script). */
static void show_time(struct http_request *req, struct strbuf *b, const char *iso)
{
    html_lit(b, "<time datetime=\"");
    html_attr(b, iso);
    html_lit(b, "\">");
    layout_date(req, b, iso);
    if (iso && strlen(iso) >= 16 && iso[10] == 'T') {
        html_lit(b, ", ");
        html_text(b, arena_strndup(req->arena, iso + 11, 5));
        html_lit(b, " UTC");
    }
    html_lit(b, "</time>");
}

/* The name of an answer set's language in the form, or its code when the form has it no more. */
static const char *lang_name(const struct form *f, const char *code)
{
    int i = form_language_index(f, code);
    if (i < 0 || strcmp(f->languages[i].code, "default") == 0) return code;
    return f->languages[i].name;
}

static size_t reader_lang(struct http_request *req, const struct form *f)
{
    int i = form_language_index(f, web_state(req)->lang->code);
    return i >= 0 ? (size_t)i : f->default_lang;
}

static void para(struct strbuf *b, const char *text)
{
    html_lit(b, "<p>");
    html_text(b, text);
    html_lit(b, "</p>");
}

static void link_para(struct strbuf *b, const char *href, const char *text)
{
    html_lit(b, "<p><a href=\"");
    html_url(b, href);
    html_lit(b, "\">");
    html_text(b, text);
    html_lit(b, "</a></p>");
}

/* --- the list ---------------------------------------------------------------------------------- */

static void pager(struct http_request *req, struct strbuf *b, const char *base, int64_t page, int64_t pages)
{
    if (pages <= 1) return;
    html_lit(b, "<nav aria-label=\"");
    html_attr(b, T(req, "Pages"));
    html_lit(b, "\"><p>");
    if (page > 1) {
        html_lit(b, "<a rel=\"prev\" href=\"");
        html_url(b, arena_printf(req->arena, "%s?page=%lld", base, (long long)(page - 1)));
        html_lit(b, "\">");
        html_text(b, T(req, "Newer"));
        html_lit(b, "</a> · ");
    }
    html_text(b, arena_printf(req->arena, T(req, "Page %d of %d"), (int)page, (int)pages));
    if (page < pages) {
        html_lit(b, " · <a rel=\"next\" href=\"");
        html_url(b, arena_printf(req->arena, "%s?page=%lld", base, (long long)(page + 1)));
        html_lit(b, "\">");
        html_text(b, T(req, "Older"));
        html_lit(b, "</a>");
    }
    html_lit(b, "</p></nav>");
}

static void handle_list(struct http_request *req, struct http_response *res)
{
    const char *form_id = http_route(req, "form_id");
    struct survey_form sf;
    int rc = survey_latest(req, form_id, &sf);
    if (rc < 0) {
        page_error(req, res, rc == ERR_NOT_FOUND ? 404 : 503, NULL);
        return;
    }
    int64_t page = 1;
    const char *asked = http_query(req, "page");
    if (asked && !str_to_int64(asked, 1, INT32_MAX / PER_PAGE, &page)) {
        page_error(req, res, 404, NULL);
        return;
    }
    struct revision_row *rows;
    size_t n;
    int64_t total;
    struct err e;
    err_clear(&e);
    if (revision_list_current(web_state(req)->store, req->arena, form_id, (page - 1) * PER_PAGE, PER_PAGE, &rows,
                              &n, &total, &e) < 0) {
        log_error("submissions of %s: %s", form_id, e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    if (page > 1 && !n) {
        page_error(req, res, 404, NULL);
        return;
    }
    const struct form *f = sf.form;
    const char *title = form_text(f, f->title, reader_lang(req, f));
    struct strbuf *b = &res->body;
    layout_begin(req, res, arena_printf(req->arena, "%s – %s", T(req, "Submissions"), title), "forms");
    html_lit(b, "<p><a href=\"");
    html_url(b, arena_printf(req->arena, "/forms/%s", form_id));
    html_lit(b, "\">");
    html_text(b, title);
    html_lit(b, "</a></p><h1>");
    html_text(b, T(req, "Submissions"));
    html_lit(b, "</h1>");
    if (!total) {
        para(b, T(req, "No answers have been submitted yet."));
        layout_end(req, res);
        return;
    }
    html_lit(b, "<p>");
    html_text(b, T(req, "Answers submitted"));
    html_lit(b, ": ");
    html_int(b, total);
    html_lit(b, ". ");
    html_text(b, T(req, "The newest first; a corrected submission is listed once, as its current revision."));
    html_lit(b, "</p><div class=\"scroll\"><table><thead><tr><th scope=\"col\">");
    html_text(b, T(req, "Submitted on"));
    html_lit(b, "</th><th scope=\"col\">");
    html_text(b, T(req, "Language"));
    html_lit(b, "</th><th scope=\"col\">");
    html_text(b, T(req, "State"));
    html_lit(b, "</th><th scope=\"col\" class=\"num\">");
    html_text(b, T(req, "Revisions"));
    html_lit(b, "</th></tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        html_lit(b, "<tr><td><a href=\"");
        html_url(b, view_url(req, form_id, rows[i].id));
        html_lit(b, "\">");
        show_time(req, b, rows[i].submitted_at);
        html_lit(b, "</a></td><td>");
        html_text(b, lang_name(f, rows[i].lang));
        html_lit(b, "</td><td>");
        html_text(b, rows[i].revision > 1 ? T(req, "Corrected") : T(req, "Submitted"));
        if (rows[i].is_demo) {
            html_lit(b, " <span class=\"tag\">");
            html_text(b, T(req, "Demo data"));
            html_lit(b, "</span>");
        }
        html_lit(b, "</td><td class=\"num\">");
        html_int(b, rows[i].revision);
        html_lit(b, "</td></tr>");
    }
    html_lit(b, "</tbody></table></div>");
    pager(req, b, list_url(req, form_id), page, (total + PER_PAGE - 1) / PER_PAGE);
    layout_end(req, res);
}

/* --- one submission ---------------------------------------------------------------------------- */

/* The submitted answer set in the address, of the form in the address, when the reader may do
 * action to it; false with an error page when there is none or they may not. Drafts are their
 * respondents' own: not found here. */
static bool find_submission(struct http_request *req, struct http_response *res, enum policy_action action,
                            struct revision *r)
{
    struct err e;
    err_clear(&e);
    int rc = revision_get(web_state(req)->store, req->arena, http_route(req, "id"), r, &e);
    if (rc == 0 && (strcmp(r->form_id, http_route(req, "form_id")) != 0 || strcmp(r->status, "submitted") != 0))
        rc = ERR_NOT_FOUND;
    if (rc < 0) {
        if (rc != ERR_NOT_FOUND) log_error("submission %s: %s", http_route(req, "id"), e.msg);
        page_error(req, res, rc == ERR_NOT_FOUND ? 404 : 503, NULL);
        return false;
    }
    /* The action's rule again, with the record (policy_submission_view, _correct). Submissions
     * are not tied to institutions or training sessions yet: the target names the form only. */
    if (!policy_allows(web_state(req)->who, action, &(struct policy_target){.form_id = r->form_id})) {
        access_refuse(req, res, action);
        return false;
    }
    return true;
}

static void fact(struct strbuf *b, const char *term)
{
    html_lit(b, "<dt>");
    html_text(b, term);
    html_lit(b, "</dt><dd>");
}

static void history(struct http_request *req, struct strbuf *b, const struct revision *r,
                    const struct revision_row *rows, size_t n)
{
    html_lit(b, "<h2>");
    html_text(b, T(req, "Revisions"));
    html_lit(b, "</h2><ol>");
    for (size_t i = 0; i < n; i++) {
        const char *label = arena_printf(req->arena, T(req, "Revision %d"), rows[i].revision);
        html_lit(b, "<li>");
        if (strcmp(rows[i].id, r->id) == 0) {
            html_lit(b, "<strong aria-current=\"page\">");
            html_text(b, label);
            html_lit(b, "</strong>");
        } else {
            html_lit(b, "<a href=\"");
            html_url(b, view_url(req, r->form_id, rows[i].id));
            html_lit(b, "\">");
            html_text(b, label);
            html_lit(b, "</a>");
        }
        html_lit(b, ", ");
        show_time(req, b, rows[i].submitted_at);
        if (rows[i].is_current) {
            html_lit(b, " (");
            html_text(b, T(req, "current"));
            html_lit(b, ")");
        }
        html_lit(b, "</li>");
    }
    html_lit(b, "</ol>");
}

static void handle_view(struct http_request *req, struct http_response *res)
{
    struct revision r;
    if (!find_submission(req, res, POLICY_SUBMISSION_VIEW, &r)) return;
    struct survey_form sf;
    struct revision_row *rows;
    size_t n;
    struct err e;
    err_clear(&e);
    if (survey_version(req, r.form_version_id, &sf) < 0 ||
        revision_history(web_state(req)->store, req->arena, r.form_id, r.instance_id, &rows, &n, &e) < 0) {
        log_error("submission %s: %s", r.id, e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    const struct form *f = sf.form;
    size_t lang = reader_lang(req, f);
    const char *title = form_text(f, f->title, lang);
    struct strbuf *b = &res->body;
    layout_begin(req, res, arena_printf(req->arena, "%s – %s", T(req, "Submission"), title), "forms");
    html_lit(b, "<p><a href=\"");
    html_url(b, list_url(req, r.form_id));
    html_lit(b, "\">");
    html_text(b, arena_printf(req->arena, "%s – %s", T(req, "Submissions"), title));
    html_lit(b, "</a></p><h1>");
    html_text(b, T(req, "Submission"));
    html_lit(b, "</h1>");
    if (!r.is_current) {
        html_lit(b, "<p class=\"error\">");
        html_text(b, T(req, "This revision has been corrected since. It is kept for the record; only the current revision is counted and exported."));
        html_lit(b, "</p>");
        if (r.current_id) link_para(b, view_url(req, r.form_id, r.current_id), T(req, "See the current revision"));
    }
    html_lit(b, "<dl class=\"facts\">");
    fact(b, T(req, "Reference"));
    html_text(b, r.instance_id);
    html_lit(b, "</dd>");
    fact(b, T(req, "Submitted on"));
    show_time(req, b, r.submitted_at);
    html_lit(b, "</dd>");
    fact(b, T(req, "Language"));
    html_text(b, lang_name(f, r.lang));
    html_lit(b, "</dd>");
    fact(b, T(req, "Version"));
    html_text(b, r.form_version);
    html_lit(b, "</dd>");
    fact(b, T(req, "Revision"));
    html_text(b, arena_printf(req->arena, T(req, "%d of %d"), r.revision, (int)n));
    if (r.is_demo) {
        html_lit(b, " <span class=\"tag\">");
        html_text(b, T(req, "Demo data"));
        html_lit(b, "</span>");
    }
    html_lit(b, "</dd></dl><h2>");
    html_text(b, T(req, "Answers"));
    html_lit(b, "</h2>");
    struct answers *ans = answers_from_json(req->arena, f, r.answers, strlen(r.answers), false, &e);
    if (!ans) {
        para(b, T(req, "These answers cannot be read with their form."));
    } else {
        /* The answers as stored (calculations included), labelled in the reader's language. */
        struct engine en;
        engine_init(&en, f, ans, req->arena, lang, web_state(req)->lang);
        en.instance_id = r.instance_id;
        survey_render_answers(b, &en, sf.pages, NULL);
    }
    history(req, b, &r, rows, n);
    if (r.is_current && policy_submission_correct(web_state(req)->who, &(struct policy_target){.form_id = r.form_id})) {
        html_lit(b, "<form method=\"post\" action=\"");
        html_url(b, arena_printf(req->arena, "%s/correct", view_url(req, r.form_id, r.id)));
        html_lit(b, "\">");
        access_csrf_field(req, res);
        para(b, T(req, "A correction goes through the survey's pages with these answers filled in. Saving it adds a new revision; this one is kept."));
        html_lit(b, "<button type=\"submit\">");
        html_text(b, T(req, "Correct this submission"));
        html_lit(b, "</button></form>");
    }
    layout_end(req, res);
}

/* --- starting a correction --------------------------------------------------------------------- */

static void superseded_page(struct http_request *req, struct http_response *res, const struct revision *r,
                            const char *current_id)
{
    struct strbuf *b = &res->body;
    strbuf_reset(b);
    res->status = 409;
    layout_begin(req, res, T(req, "This submission has been corrected since"), "forms");
    html_lit(b, "<h1>");
    html_text(b, T(req, "This submission has been corrected since"));
    html_lit(b, "</h1>");
    para(b, T(req, "Only the current revision can be corrected. Nothing was changed."));
    if (current_id) link_para(b, view_url(req, r->form_id, current_id), T(req, "See the current revision"));
    layout_end(req, res);
}

static void handle_correct(struct http_request *req, struct http_response *res)
{
    /* This POST changes state (it makes a draft) and, unlike the survey flow, its address holds
     * no secret: the gate checked its CSRF value. */
    struct revision r;
    if (!find_submission(req, res, POLICY_SUBMISSION_CORRECT, &r)) return;
    if (!r.is_current) {
        superseded_page(req, res, &r, r.current_id);
        return;
    }
    /* The coordinator goes through the pages in their own language when the form has it. */
    struct survey_form sf;
    const char *lang = NULL;
    if (survey_version(req, r.form_version_id, &sf) == 0) {
        int li = form_language_index(sf.form, web_state(req)->lang->code);
        if (li >= 0) lang = sf.form->languages[li].code;
    }
    struct submission draft;
    struct err e;
    err_clear(&e);
    int rc = revision_start_correction(web_state(req)->store, req->arena, r.id, lang, &draft, &e);
    if (rc == ERR_CONFLICT) {
        struct revision now;
        superseded_page(req, res, &r, revision_get(web_state(req)->store, req->arena, r.id, &now, &e) == 0 ? now.current_id : NULL);
        return;
    }
    if (rc < 0) {
        log_error("starting a correction of %s: %s", r.id, e.msg);
        page_error(req, res, rc == ERR_NOT_FOUND ? 404 : 503, NULL);
        return;
    }
    /* To the review page: every answer with a "Change" link to its page. */
    http_redirect(res, 303, arena_printf(req->arena, "/s/%s/r/%s/review", r.form_id, draft.token));
}

void submission_pages_routes(struct router *r)
{
    router_add(r, HTTP_GET, "/forms/{form_id}/submissions", handle_list);
    router_add(r, HTTP_GET, "/forms/{form_id}/submissions/{id}", handle_view);
    router_add(r, HTTP_POST, "/forms/{form_id}/submissions/{id}/correct", handle_correct);
}

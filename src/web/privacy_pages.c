#include "web/privacy_pages.h"

#include "base/log.h"
#include "base/timeutil.h"
#include "html/html.h"
#include "program/privacy.h"
#include "web/access.h"
#include "web/audit_pages.h"
#include "web/layout.h"
#include "web/pages.h"
#include "web/web.h"

#include <string.h>

/* --- pieces -------------------------------------------------------------------------------------- */

static void para(struct strbuf *b, const char *cls, const char *text)
{
    if (cls) {
        html_lit(b, "<p class=\"");
        html_attr(b, cls);
        if (strcmp(cls, "error") == 0) html_lit(b, "\" role=\"alert\">");
        else html_lit(b, "\" role=\"status\">");
    } else {
        html_lit(b, "<p>");
    }
    html_text(b, text);
    html_lit(b, "</p>");
}

/* A form that posts the address on to action, with its CSRF value. */
static void form_begin(struct http_request *req, struct http_response *res, const char *action, const char *email)
{
    struct strbuf *b = &res->body;
    html_lit(b, "<form method=\"post\" action=\"");
    html_url(b, action);
    html_lit(b, "\">");
    access_csrf_field(req, res);
    if (email) {
        html_lit(b, "<input type=\"hidden\" name=\"email\" value=\"");
        html_attr(b, email);
        html_lit(b, "\">");
    }
}

static void button(struct strbuf *b, const char *cls, const char *label)
{
    html_lit(b, "<button type=\"submit\"");
    if (cls) {
        html_lit(b, " class=\"");
        html_attr(b, cls);
        html_lit(b, "\"");
    }
    html_lit(b, ">");
    html_text(b, label);
    html_lit(b, "</button>");
}

static void lookup_form(struct http_request *req, struct http_response *res, const char *email, const char *error)
{
    struct strbuf *b = &res->body;
    form_begin(req, res, "/admin/privacy", NULL);
    html_lit(b, "<div class=\"field");
    if (error) html_lit(b, " invalid");
    html_lit(b, "\"><label for=\"p-email\">");
    html_text(b, T(req, "Email address"));
    html_lit(b, "</label><p class=\"hint\" id=\"p-email-hint\">");
    html_text(b, T(req, "The person's address, as they gave it in an answer or as their account's. Case does not matter."));
    html_lit(b, "</p>");
    if (error) {
        html_lit(b, "<p class=\"field-error\" id=\"p-email-error\">");
        html_text(b, error);
        html_lit(b, "</p>");
    }
    html_lit(b, "<input id=\"p-email\" name=\"email\" type=\"email\" autocomplete=\"off\" required aria-describedby=\"p-email-hint");
    if (error) html_lit(b, " p-email-error\" aria-invalid=\"true");
    html_lit(b, "\"");
    if (email) {
        html_lit(b, " value=\"");
        html_attr(b, email);
        html_lit(b, "\"");
    }
    html_lit(b, "></div><p>");
    button(b, NULL, T(req, "Look up"));
    html_lit(b, "</p></form>");
}

static void page_top(struct http_request *req, struct http_response *res)
{
    struct strbuf *b = &res->body;
    layout_begin(req, res, T(req, "Privacy"), "privacy");
    html_lit(b, "<h1>");
    html_text(b, T(req, "Privacy"));
    html_lit(b, "</h1>");
}

/* The address as given, or NULL with the form shown again (400) and why. */
static const char *asked_email(struct http_request *req, struct http_response *res)
{
    const char *email = http_form(req, "email");
    struct err e;
    err_clear(&e);
    const char *norm;
    if (user_normalise_email(req->arena, email, &norm, &e) == 0) return norm;
    res->status = 400;
    page_top(req, res);
    lookup_form(req, res, email, T(req, "Enter an email address, like name@example.org."));
    layout_end(req, res);
    return NULL;
}

static void show_time(struct http_request *req, struct strbuf *b, const char *iso)
{
    if (!iso) return;
    html_lit(b, "<time datetime=\"");
    html_attr(b, iso);
    html_lit(b, "\">");
    layout_date(req, b, iso);
    html_lit(b, "</time>");
}

static void held_table(struct http_request *req, struct strbuf *b, const struct privacy_report *r)
{
    html_lit(b, "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"");
    html_attr(b, T(req, "Answer sets"));
    html_lit(b, "\"><table><thead><tr><th scope=\"col\">");
    html_text(b, T(req, "Form"));
    html_lit(b, "</th><th scope=\"col\">");
    html_text(b, T(req, "Revision"));
    html_lit(b, "</th><th scope=\"col\">");
    html_text(b, T(req, "Sent"));
    html_lit(b, "</th><th scope=\"col\">");
    html_text(b, T(req, "Consent"));
    html_lit(b, "</th><th scope=\"col\" class=\"num\">");
    html_text(b, T(req, "Personal answers"));
    html_lit(b, "</th><th scope=\"col\" class=\"num\">");
    html_text(b, T(req, "Files"));
    html_lit(b, "</th></tr></thead><tbody>");
    for (size_t i = 0; i < r->nsubs; i++) {
        const struct privacy_submission *s = &r->subs[i];
        html_lit(b, "<tr><td>");
        if (strcmp(s->status, "submitted") == 0) {
            html_lit(b, "<a href=\"");
            html_url(b, arena_printf(req->arena, "/forms/%s/submissions/%s", s->form_id, s->id));
            html_lit(b, "\">");
            html_text(b, s->form_id);
            html_lit(b, "</a>");
        } else {
            html_text(b, s->form_id);
        }
        html_lit(b, "</td><td>");
        html_int(b, s->revision);
        if (strcmp(s->status, "draft") == 0) {
            html_lit(b, " (");
            html_text(b, T(req, "draft"));
            html_lit(b, ")");
        } else if (!s->is_current) {
            html_lit(b, " (");
            html_text(b, T(req, "replaced"));
            html_lit(b, ")");
        }
        html_lit(b, "</td><td>");
        show_time(req, b, s->submitted_at);
        html_lit(b, "</td><td>");
        html_text(b, !s->consent ? "" : strcmp(s->consent, "yes") == 0 ? T(req, "given") : T(req, "refused"));
        html_lit(b, "</td><td class=\"num\">");
        html_int(b, (int64_t)s->personal_answers);
        html_lit(b, "</td><td class=\"num\">");
        html_int(b, (int64_t)s->nattachments);
        html_lit(b, "</td></tr>");
    }
    html_lit(b, "</tbody></table></div>");
}

static void held_list(struct http_request *req, struct strbuf *b, const struct privacy_report *r)
{
    html_lit(b, "<ul><li>");
    if (r->has_account) {
        html_text(b, arena_printf(req->arena, T(req, "An account: %s, %s."), r->account.display_name,
                                  T(req, auth_role_label(r->account.role))));
    } else {
        html_text(b, T(req, "No account."));
    }
    html_lit(b, "</li><li>");
    html_text(b, arena_printf(req->arena, T(req, "Answer sets that name the address in a personal question: %zu (revisions and drafts included)."),
                              r->nsubs));
    html_lit(b, "</li><li>");
    html_text(b, arena_printf(req->arena, T(req, "Messages to the address in the outbox: %zu."), r->noutbox));
    html_lit(b, "</li><li><a href=\"");
    html_url(b, arena_printf(req->arena, "/admin/audit?target=%s", r->subject));
    html_lit(b, "\">");
    html_text(b, arena_printf(req->arena, T(req, "Audit entries about them: %zu."), r->naudit));
    html_lit(b, "</a></li></ul>");
}

/* --- the pages ----------------------------------------------------------------------------------- */

static void privacy_get(struct http_request *req, struct http_response *res)
{
    struct strbuf *b = &res->body;
    page_top(req, res);
    para(b, NULL, T(req, "Find what edubridge holds about a person, give it to them as a file, or erase it. Only questions marked personal are searched. Both the download and the erasure are recorded in the audit trail."));
    lookup_form(req, res, NULL, NULL);
    layout_end(req, res);
}

static void privacy_post(struct http_request *req, struct http_response *res)
{
    const char *email = asked_email(req, res);
    if (!email) return;
    struct privacy_report r;
    struct err e;
    err_clear(&e);
    if (privacy_find(web_state(req)->store, req->arena, email, &r, &e) < 0) {
        log_error("privacy lookup: %s", e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    struct strbuf *b = &res->body;
    page_top(req, res);
    html_lit(b, "<h2>");
    html_text(b, arena_printf(req->arena, T(req, "What edubridge holds about %s"), email));
    html_lit(b, "</h2>");
    held_list(req, b, &r);
    if (r.nsubs) held_table(req, b, &r);
    form_begin(req, res, "/admin/privacy/export", email);
    html_lit(b, "<p>");
    button(b, NULL, T(req, "Download as JSON"));
    html_lit(b, "</p></form>");
    form_begin(req, res, "/admin/privacy/erase", email);
    html_lit(b, "<p>");
    button(b, "secondary", T(req, "Erase their personal data…"));
    html_lit(b, "</p></form><h2>");
    html_text(b, T(req, "Another person"));
    html_lit(b, "</h2>");
    lookup_form(req, res, NULL, NULL);
    layout_end(req, res);
}

static void export_post(struct http_request *req, struct http_response *res)
{
    const char *email = asked_email(req, res);
    if (!email) return;
    struct audit_actor by;
    web_audit_actor(req, &by);
    struct strbuf json;
    strbuf_init(&json, req->arena, 16 * 1024);
    struct err e;
    err_clear(&e);
    if (privacy_export(web_state(req)->store, req->arena, email, &by, &json, &e) < 0) {
        log_error("privacy export: %s", e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    char now[32];
    time_format_iso(time_now_ms(), now, sizeof now);
    strbuf_reset(&res->body);
    strbuf_append(&res->body, json.data, json.len);
    res->status = 200;
    res->content_type = "application/json; charset=utf-8";
    /* Not the address in the name: file names end up in download lists and logs. */
    http_set_header(res, "Content-Disposition", arena_printf(req->arena, "attachment; filename=\"personal-data-%.10s.json\"", now));
    http_set_header(res, "Cache-Control", "no-store");
}

static void confirm_page(struct http_request *req, struct http_response *res, const char *email)
{
    struct privacy_report r;
    struct err e;
    err_clear(&e);
    if (privacy_find(web_state(req)->store, req->arena, email, &r, &e) < 0) {
        log_error("privacy lookup: %s", e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    struct strbuf *b = &res->body;
    page_top(req, res);
    html_lit(b, "<h2>");
    html_text(b, arena_printf(req->arena, T(req, "Erase the personal data of %s?"), email));
    html_lit(b, "</h2>");
    held_list(req, b, &r);
    para(b, NULL, T(req, "Erasing deletes for good: the answers to personal questions in these answer sets (every revision and draft), the files answered to them, the messages, and the account with its sessions and API tokens. Answers to the other questions stay, so that summaries count the same. It cannot be undone."));
    form_begin(req, res, "/admin/privacy/erase", email);
    html_lit(b, "<input type=\"hidden\" name=\"confirm\" value=\"yes\"><p>");
    button(b, NULL, T(req, "Erase for good"));
    html_lit(b, " <a href=\"/admin/privacy\">");
    html_text(b, T(req, "Cancel"));
    html_lit(b, "</a></p></form>");
    layout_end(req, res);
}

static void erase_post(struct http_request *req, struct http_response *res)
{
    const char *email = asked_email(req, res);
    if (!email) return;
    const char *confirm = http_form(req, "confirm");
    if (!confirm || strcmp(confirm, "yes") != 0) {
        confirm_page(req, res, email);
        return;
    }
    struct audit_actor by;
    web_audit_actor(req, &by);
    struct privacy_erasure done;
    struct err e;
    err_clear(&e);
    if (privacy_erase(web_state(req)->store, req->arena, email, &by, &done, &e) < 0) {
        log_error("privacy erase: %s", e.msg);
        page_error(req, res, 503, T(req, "The erasure failed and nothing was erased. Try again."));
        return;
    }
    struct strbuf *b = &res->body;
    page_top(req, res);
    para(b, "notice", arena_printf(req->arena, T(req, "The personal data of %s has been erased."), email));
    html_lit(b, "<ul><li>");
    html_text(b, arena_printf(req->arena, T(req, "Personal answers removed: %lld, from %lld answer sets."),
                              (long long)done.answers, (long long)done.submissions));
    html_lit(b, "</li><li>");
    html_text(b, arena_printf(req->arena, T(req, "Files deleted: %lld."), (long long)done.attachments));
    html_lit(b, "</li><li>");
    html_text(b, arena_printf(req->arena, T(req, "Messages deleted: %lld."), (long long)done.outbox));
    html_lit(b, "</li><li>");
    html_text(b, done.account ? T(req, "The account was deleted, with its sessions and API tokens.") : T(req, "No account."));
    html_lit(b, "</li></ul><p><a href=\"/admin/privacy\">");
    html_text(b, T(req, "Another person"));
    html_lit(b, "</a></p>");
    layout_end(req, res);
}

void privacy_routes(struct router *r)
{
    router_add(r, HTTP_GET, "/admin/privacy", privacy_get);
    router_add(r, HTTP_POST, "/admin/privacy", privacy_post);
    router_add(r, HTTP_POST, "/admin/privacy/export", export_post);
    router_add(r, HTTP_POST, "/admin/privacy/erase", erase_post);
}

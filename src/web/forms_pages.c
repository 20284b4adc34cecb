#include "web/forms_pages.h"

#include "auth/policy.h"
#include "forms/form_store.h"
#include "html/html.h"
#include "web/layout.h"
#include "web/pages.h"
#include "web/web.h"

#include <string.h>

/* Counts and links only, no personal data: FORMS_LIST and FORM_VIEW, which the panel and partners
 * have too. The overview links to what the reader may open, as the policy says. */

static void forms_list(struct http_request *req, struct http_response *res)
{
    struct form_version_info *forms;
    size_t n;
    struct err e;
    err_clear(&e);
    if (form_store_list(web_state(req)->store, req->arena, &forms, &n, &e) < 0) {
        page_error(req, res, 503, NULL);
        return;
    }
    struct strbuf *b = &res->body;
    layout_begin(req, res, T(req, "Forms"), "forms");
    html_lit(b, "<h1>");
    html_text(b, T(req, "Forms"));
    html_lit(b, "</h1>");
    if (!n) {
        html_lit(b, "<p>");
        html_text(b, T(req, "There is no form yet. Import one with: edubridge form import FILE"));
        html_lit(b, "</p>");
        layout_end(req, res);
        return;
    }
    html_lit(b, "<table><thead><tr><th scope=\"col\">");
    html_text(b, T(req, "Form"));
    html_lit(b, "</th><th scope=\"col\">");
    html_text(b, T(req, "Version"));
    html_lit(b, "</th><th scope=\"col\">");
    html_text(b, T(req, "Answers"));
    html_lit(b, "</th></tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        int64_t submitted = 0, drafts = 0;
        form_store_counts(web_state(req)->store, forms[i].form_id, &submitted, &drafts, &e);
        html_lit(b, "<tr><td><a href=\"");
        html_url(b, arena_printf(req->arena, "/forms/%s", forms[i].form_id));
        html_lit(b, "\">");
        html_text(b, forms[i].title);
        html_lit(b, "</a>");
        if (forms[i].is_demo) {
            html_lit(b, " <span class=\"tag\">");
            html_text(b, T(req, "Demo data"));
            html_lit(b, "</span>");
        }
        html_lit(b, "</td><td>");
        html_text(b, forms[i].version);
        html_lit(b, "</td><td>");
        html_int(b, submitted);
        html_lit(b, "</td></tr>");
    }
    html_lit(b, "</tbody></table>");
    layout_end(req, res);
}

static void link_item(struct strbuf *b, const char *href, const char *label)
{
    html_lit(b, "<li><a href=\"");
    html_url(b, href);
    html_lit(b, "\">");
    html_text(b, label);
    html_lit(b, "</a></li>");
}

static void form_overview(struct http_request *req, struct http_response *res)
{
    const char *form_id = http_route(req, "form_id");
    struct form_version_info info;
    struct err e;
    err_clear(&e);
    if (form_store_latest(web_state(req)->store, req->arena, form_id, &info, &e) < 0) {
        page_error(req, res, e.code == ERR_NOT_FOUND ? 404 : 503, NULL);
        return;
    }
    int64_t submitted = 0, drafts = 0;
    form_store_counts(web_state(req)->store, form_id, &submitted, &drafts, &e);
    struct strbuf *b = &res->body;
    layout_begin(req, res, info.title, "forms");
    html_lit(b, "<h1>");
    html_text(b, info.title);
    html_lit(b, "</h1><dl class=\"facts\"><dt>");
    html_text(b, T(req, "Version"));
    html_lit(b, "</dt><dd>");
    html_text(b, info.version);
    html_lit(b, "</dd><dt>");
    html_text(b, T(req, "Imported from"));
    html_lit(b, "</dt><dd>");
    html_text(b, info.source_name);
    html_lit(b, "</dd><dt>");
    html_text(b, T(req, "Answers submitted"));
    html_lit(b, "</dt><dd>");
    html_int(b, submitted);
    html_lit(b, "</dd><dt>");
    html_text(b, T(req, "Answers in progress"));
    html_lit(b, "</dt><dd>");
    html_int(b, drafts);
    html_lit(b, "</dd></dl><h2>");
    html_text(b, T(req, "Share"));
    html_lit(b, "</h2><p>");
    html_text(b, T(req, "The public address of the survey:"));
    html_lit(b, " <a href=\"");
    html_url(b, arena_printf(req->arena, "/s/%s", form_id));
    html_lit(b, "\">");
    html_text(b, arena_printf(req->arena, "/s/%s", form_id));
    html_lit(b, "</a></p><h2>");
    html_text(b, T(req, "Results"));
    html_lit(b, "</h2><ul>");
    const struct auth_principal *who = web_state(req)->who;
    const struct policy_target t = {.form_id = form_id};
    if (policy_summary_view(who, &t))
        link_item(b, arena_printf(req->arena, "/forms/%s/summary", form_id), T(req, "Summary of the answers"));
    if (policy_submissions_list(who, &t))
        link_item(b, arena_printf(req->arena, "/forms/%s/submissions", form_id), T(req, "Each submission, to read or correct"));
    if (policy_export_pseudonymised(who, &t)) {
        link_item(b, arena_printf(req->arena, "/forms/%s/export.csv", form_id), T(req, "Download as CSV"));
        link_item(b, arena_printf(req->arena, "/forms/%s/export.xlsx", form_id), T(req, "Download as Excel (XLSX)"));
        link_item(b, arena_printf(req->arena, "/forms/%s/export.json", form_id), T(req, "Download as JSON"));
    }
    link_item(b, arena_printf(req->arena, "/api/v1/forms/%s", form_id), T(req, "The form's definition (JSON)"));
    html_lit(b, "</ul>");
    layout_end(req, res);
}

void forms_pages_routes(struct router *r)
{
    router_add(r, HTTP_GET, "/forms", forms_list);
    router_add(r, HTTP_GET, "/forms/{form_id}", form_overview);
}

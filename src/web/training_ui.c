#include "web/training_ui.h"

#include "base/log.h"
#include "base/timeutil.h"
#include "html/html.h"
#include "web/access.h"
#include "web/form_errors.h"
#include "web/layout.h"
#include "web/pages.h"
#include "web/web.h"

#include <string.h>

static void field_open(struct http_request *req, struct strbuf *b, const struct tui_input *in, const char *problem)
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
        html_text(b, i18n_get(web_state(req)->lang, problem));
        html_lit(b, "</p>");
    }
}

static void control_attrs(struct strbuf *b, const struct tui_input *in, const char *problem)
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

void tui_field(struct http_request *req, struct strbuf *b, const struct programme_problems *pp,
               const struct tui_input *in)
{
    const char *problem = form_problem_for(pp, in->name);
    field_open(req, b, in, problem);
    if (!in->type) {
        html_lit(b, "<textarea rows=\"3\"");
        control_attrs(b, in, problem);
        html_lit(b, ">");
        html_text(b, in->value ? in->value : "");
        html_lit(b, "</textarea></div>");
        return;
    }
    html_lit(b, "<input type=\"");
    html_attr(b, in->type);
    html_lit(b, "\"");
    if (!strcmp(in->type, "number")) html_lit(b, " inputmode=\"numeric\" min=\"1\"");
    control_attrs(b, in, problem);
    if (in->value) {
        html_lit(b, " value=\"");
        html_attr(b, in->value);
        html_lit(b, "\"");
    }
    html_lit(b, "></div>");
}

void tui_select(struct http_request *req, struct strbuf *b, const struct programme_problems *pp,
                const struct tui_input *in, const char *const *values, const char *const *labels, size_t n,
                const char *empty_label)
{
    const char *problem = form_problem_for(pp, in->name);
    field_open(req, b, in, problem);
    html_lit(b, "<select");
    control_attrs(b, in, problem);
    html_lit(b, ">");
    if (empty_label) {
        html_lit(b, "<option value=\"\">");
        html_text(b, empty_label);
        html_lit(b, "</option>");
    }
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

void tui_form_open(struct http_request *req, struct http_response *res, const char *action, bool multipart)
{
    struct strbuf *b = &res->body;
    html_lit(b, "<form method=\"post\" action=\"");
    html_url(b, action);
    html_lit(b, "\"");
    if (multipart) html_lit(b, " enctype=\"multipart/form-data\"");
    html_lit(b, " novalidate>");
    access_csrf_field(req, res);
}

void tui_form_close(struct strbuf *b, const char *button)
{
    html_lit(b, "<p><button type=\"submit\">");
    html_text(b, button);
    html_lit(b, "</button></p></form>");
}

struct programme *tui_programme(struct http_request *req, struct http_response *res, struct programme **all,
                                size_t *n)
{
    struct err e;
    err_clear(&e);
    if (programme_list(web_state(req)->store, req->arena, all, n, &e) < 0) {
        log_error("training: %s", e.msg);
        page_error(req, res, 503, NULL);
        return NULL;
    }
    const char *slug = http_query(req, "programme");
    if (!*n) {
        page_error(req, res, 404, T(req, "There is no programme yet."));
        return NULL;
    }
    for (size_t i = 0; i < *n; i++)
        if (!slug || !*slug || strcmp((*all)[i].slug, slug) == 0) return &(*all)[i];
    page_error(req, res, 404, T(req, "There is no programme at this address."));
    return NULL;
}

void tui_programme_choice(struct http_request *req, struct strbuf *b, const char *action,
                          const struct programme *list, size_t n, const struct programme *current)
{
    if (n < 2) return;
    html_lit(b, "<form class=\"picker\" method=\"get\" action=\"");
    html_url(b, action);
    html_lit(b, "\"><div class=\"field\"><label for=\"f-programme-choice\">");
    html_text(b, T(req, "Programme"));
    html_lit(b, "</label><select id=\"f-programme-choice\" name=\"programme\">");
    for (size_t i = 0; i < n; i++) {
        html_lit(b, "<option value=\"");
        html_attr(b, list[i].slug);
        html_lit(b, "\"");
        if (&list[i] == current) html_lit(b, " selected");
        html_lit(b, ">");
        html_text(b, list[i].name);
        html_lit(b, "</option>");
    }
    html_lit(b, "</select></div><p><button type=\"submit\" class=\"secondary\">");
    html_text(b, T(req, "Show"));
    html_lit(b, "</button></p></form>");
}

void tui_time(struct http_request *req, struct strbuf *b, const char *iso)
{
    if (!iso || strlen(iso) < 16) {
        html_text(b, iso ? iso : "");
        return;
    }
    layout_date(req, b, iso);
    html_lit(b, ", ");
    html_text(b, arena_strndup(req->arena, iso + 11, 5));
    html_lit(b, " UTC");
}

const char *tui_time_input(struct http_request *req, const char *iso)
{
    return iso && strlen(iso) >= 16 ? arena_strndup(req->arena, iso, 16) : iso;
}

void tui_cell(struct strbuf *b, const char *text)
{
    html_lit(b, "<td>");
    if (text) html_text(b, text);
    html_lit(b, "</td>");
}

void tui_download(struct http_request *req, struct http_response *res, const char *name, bool csv)
{
    char now[32];
    time_format_iso(time_now_ms(), now, sizeof now);
    res->status = 200;
    res->content_type = csv ? "text/csv; charset=utf-8"
                            : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    http_set_header(res, "Content-Disposition",
                    arena_printf(req->arena, "attachment; filename=\"%s-%.10s.%s\"", name, now, csv ? "csv" : "xlsx"));
    http_set_header(res, "Cache-Control", "no-store");
}

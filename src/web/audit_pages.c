#include "web/audit_pages.h"

#include "base/log.h"
#include "base/timeutil.h"
#include "html/html.h"
#include "web/layout.h"
#include "web/pages.h"
#include "web/web.h"

#include <jansson.h>
#include <stdint.h>
#include <string.h>

enum { PER_PAGE = 50 };

void web_audit_actor(const struct http_request *req, struct audit_actor *out)
{
    const struct auth_principal *who = web_state(req)->who;
    if (auth_signed_in(who)) {
        out->user_id = who->user_id;
        out->label = who->email && *who->email ? who->email : who->user_id;
    } else {
        out->user_id = NULL;
        out->label = "anonymous";
    }
}

/* Who may read the trail is AUDIT_VIEW's to say (auth/policy.h: administrators): the gate checks
 * it for every route below before the handler runs (web/route_policy.c). */

static const char *nonempty(const char *s) { return s && *s ? s : NULL; }

static void read_filter(struct http_request *req, struct audit_filter *f)
{
    f->actor = nonempty(http_query(req, "actor"));
    f->action = nonempty(http_query(req, "action"));
    f->target = nonempty(http_query(req, "target"));
    f->from = nonempty(http_query(req, "from"));
    f->to = nonempty(http_query(req, "to"));
}

/* path?actor=...&page=N, with only the filters given: the links of the pager and downloads. */
static const char *filter_url(struct http_request *req, const char *path, const struct audit_filter *f, int64_t page)
{
    struct strbuf u;
    strbuf_init(&u, req->arena, 128);
    strbuf_puts(&u, path);
    const char *names[] = {"actor", "action", "target", "from", "to"};
    const char *values[] = {f->actor, f->action, f->target, f->from, f->to};
    char sep = '?';
    for (size_t i = 0; i < 5; i++) {
        if (!values[i]) continue;
        strbuf_putc(&u, sep);
        strbuf_puts(&u, names[i]);
        strbuf_putc(&u, '=');
        str_url_encode(&u, values[i]);
        sep = '&';
    }
    if (page > 1) strbuf_printf(&u, "%cpage=%lld", sep, (long long)page);
    return u.data;
}

static void input(struct http_request *req, struct strbuf *b, const char *name, const char *type, const char *label,
                  const char *hint, const char *value)
{
    html_lit(b, "<div class=\"field\"><label for=\"a-");
    html_attr(b, name);
    html_lit(b, "\">");
    html_text(b, label);
    html_lit(b, "</label>");
    if (hint) {
        html_lit(b, "<p class=\"hint\" id=\"a-");
        html_attr(b, name);
        html_lit(b, "-hint\">");
        html_text(b, hint);
        html_lit(b, "</p>");
    }
    html_lit(b, "<input id=\"a-");
    html_attr(b, name);
    html_lit(b, "\" name=\"");
    html_attr(b, name);
    html_lit(b, "\" type=\"");
    html_attr(b, type);
    html_lit(b, "\"");
    if (hint) {
        html_lit(b, " aria-describedby=\"a-");
        html_attr(b, name);
        html_lit(b, "-hint\"");
    }
    if (value) {
        html_lit(b, " value=\"");
        html_attr(b, value);
        html_lit(b, "\"");
    }
    html_lit(b, "></div>");
    (void)req;
}

static void filter_form(struct http_request *req, struct strbuf *b, const struct audit_filter *f)
{
    html_lit(b, "<form class=\"card\" method=\"get\" action=\"/admin/audit\"><h2>");
    html_text(b, T(req, "Filter"));
    html_lit(b, "</h2>");
    input(req, b, "actor", "text", T(req, "Who"), T(req, "An email address, cli:USER, system, anonymous, or an account id."), f->actor);
    input(req, b, "action", "text", T(req, "Action"), T(req, "The action or its beginning: user finds user.add and user.disable."), f->action);
    input(req, b, "target", "text", T(req, "Target id"), T(req, "The id of a form, submission, account or person."), f->target);
    input(req, b, "from", "date", T(req, "First day (UTC)"), NULL, f->from);
    input(req, b, "to", "date", T(req, "Last day (UTC)"), NULL, f->to);
    html_lit(b, "<p><button type=\"submit\">");
    html_text(b, T(req, "Show"));
    html_lit(b, "</button> <a href=\"/admin/audit\">");
    html_text(b, T(req, "Show all"));
    html_lit(b, "</a></p></form>");
}

/* "2026-11-23T10:57:53.123Z" as "23 November 2026, 10:57:53 UTC". */
static void show_time(struct http_request *req, struct strbuf *b, const char *iso)
{
    html_lit(b, "<time datetime=\"");
    html_attr(b, iso);
    html_lit(b, "\">");
    layout_date(req, b, iso);
    if (strlen(iso) >= 19 && iso[10] == 'T') {
        html_lit(b, ", ");
        html_text(b, arena_strndup(req->arena, iso + 11, 8));
        html_lit(b, " UTC");
    }
    html_lit(b, "</time>");
}

/* The ids one per line, without the JSON around them. */
static void show_ids(struct strbuf *b, const char *kind, const char *ids_json)
{
    if (*kind) {
        html_text(b, kind);
        html_lit(b, ":");
    }
    json_t *ids = json_loads(ids_json, 0, NULL);
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v) {
        html_lit(b, "<br><code>");
        html_text(b, json_string_value(v) ? json_string_value(v) : "");
        html_lit(b, "</code>");
    }
    json_decref(ids);
}

static void pager(struct http_request *req, struct strbuf *b, const struct audit_filter *f, int64_t page, int64_t pages)
{
    if (pages <= 1) return;
    html_lit(b, "<nav aria-label=\"");
    html_attr(b, T(req, "Pages"));
    html_lit(b, "\"><p>");
    if (page > 1) {
        html_lit(b, "<a rel=\"prev\" href=\"");
        html_url(b, filter_url(req, "/admin/audit", f, page - 1));
        html_lit(b, "\">");
        html_text(b, T(req, "Newer"));
        html_lit(b, "</a> · ");
    }
    html_text(b, arena_printf(req->arena, T(req, "Page %d of %d"), (int)page, (int)pages));
    if (page < pages) {
        html_lit(b, " · <a rel=\"next\" href=\"");
        html_url(b, filter_url(req, "/admin/audit", f, page + 1));
        html_lit(b, "\">");
        html_text(b, T(req, "Older"));
        html_lit(b, "</a>");
    }
    html_lit(b, "</p></nav>");
}

static void entries_table(struct http_request *req, struct strbuf *b, const struct audit_entry *list, size_t n)
{
    html_lit(b, "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"");
    html_attr(b, T(req, "Audit trail"));
    html_lit(b, "\"><table><thead><tr><th scope=\"col\">");
    html_text(b, T(req, "When"));
    html_lit(b, "</th><th scope=\"col\">");
    html_text(b, T(req, "Who"));
    html_lit(b, "</th><th scope=\"col\">");
    html_text(b, T(req, "Action"));
    html_lit(b, "</th><th scope=\"col\">");
    html_text(b, T(req, "Target"));
    html_lit(b, "</th><th scope=\"col\">");
    html_text(b, T(req, "Details"));
    html_lit(b, "</th></tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        html_lit(b, "<tr><td>");
        show_time(req, b, list[i].at);
        html_lit(b, "</td><td>");
        html_text(b, list[i].actor_label);
        html_lit(b, "</td><td><code>");
        html_text(b, list[i].action);
        html_lit(b, "</code></td><td>");
        show_ids(b, list[i].target_kind, list[i].target_ids);
        html_lit(b, "</td><td><code>");
        html_text(b, strcmp(list[i].detail, "{}") == 0 ? "" : list[i].detail);
        html_lit(b, "</code></td></tr>");
    }
    html_lit(b, "</tbody></table></div>");
}

static void audit_page(struct http_request *req, struct http_response *res)
{
    struct audit_filter f;
    read_filter(req, &f);
    int64_t page = 1;
    const char *asked = http_query(req, "page");
    if (asked && !str_to_int64(asked, 1, INT32_MAX / PER_PAGE, &page)) {
        page_error(req, res, 404, NULL);
        return;
    }
    struct err e;
    err_clear(&e);
    const char *problem = NULL;
    struct audit_entry *list = NULL;
    size_t n = 0;
    int64_t total = 0;
    if (audit_filter_check(&f, &e) < 0) {
        problem = strstr(e.msg, "comes after") ? T(req, "The first day comes after the last.")
                                               : T(req, "Write the days as YYYY-MM-DD.");
    } else if (audit_list(web_state(req)->store, req->arena, &f, (page - 1) * PER_PAGE, PER_PAGE, &list, &n,
                          &total, &e) < 0) {
        log_error("audit list: %s", e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    if (!problem && page > 1 && !n) {
        page_error(req, res, 404, NULL);
        return;
    }
    struct strbuf *b = &res->body;
    layout_begin(req, res, T(req, "Audit trail"), "audit");
    html_lit(b, "<h1>");
    html_text(b, T(req, "Audit trail"));
    html_lit(b, "</h1><p>");
    html_text(b, T(req, "Who changed what, and when, newest first. Entries are only ever added: nobody can change or remove them, erasure included. They hold ids and counts, never answers."));
    html_lit(b, "</p>");
    filter_form(req, b, &f);
    if (problem) {
        res->status = 400;
        html_lit(b, "<p class=\"error\" role=\"alert\">");
        html_text(b, problem);
        html_lit(b, "</p>");
        layout_end(req, res);
        return;
    }
    html_lit(b, "<p>");
    html_text(b, arena_printf(req->arena, T(req, "Entries found: %lld."), (long long)total));
    if (total) {
        html_lit(b, " <a href=\"");
        html_url(b, filter_url(req, "/admin/audit.csv", &f, 1));
        html_lit(b, "\">");
        html_text(b, T(req, "Download as CSV"));
        html_lit(b, "</a> · <a href=\"");
        html_url(b, filter_url(req, "/admin/audit.json", &f, 1));
        html_lit(b, "\">");
        html_text(b, T(req, "Download as JSON"));
        html_lit(b, "</a>");
    }
    html_lit(b, "</p>");
    if (n) entries_table(req, b, list, n);
    pager(req, b, &f, page, (total + PER_PAGE - 1) / PER_PAGE);
    layout_end(req, res);
}

static int append_body(void *ctx, const void *data, size_t len)
{
    strbuf_append(ctx, data, len);
    return 0;
}

static void audit_download(struct http_request *req, struct http_response *res, bool csv)
{
    struct audit_filter f;
    read_filter(req, &f);
    struct err e;
    err_clear(&e);
    if (audit_filter_check(&f, &e) < 0) {
        page_error(req, res, 400, T(req, "Write the days as YYYY-MM-DD, the first before the last."));
        return;
    }
    strbuf_reset(&res->body);
    int rc = csv ? audit_export_csv(web_state(req)->store, &f, append_body, &res->body, &e)
                 : audit_export_json(web_state(req)->store, &f, append_body, &res->body, &e);
    if (rc < 0) {
        log_error("audit export: %s", e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    char now[32];
    time_format_iso(time_now_ms(), now, sizeof now);
    res->status = 200;
    res->content_type = csv ? "text/csv; charset=utf-8" : "application/json; charset=utf-8";
    http_set_header(res, "Content-Disposition",
                    arena_printf(req->arena, "attachment; filename=\"audit-%.10s.%s\"", now, csv ? "csv" : "json"));
    http_set_header(res, "Cache-Control", "no-store");
}

static void audit_csv(struct http_request *req, struct http_response *res) { audit_download(req, res, true); }
static void audit_json(struct http_request *req, struct http_response *res) { audit_download(req, res, false); }

void audit_routes(struct router *r)
{
    router_add(r, HTTP_GET, "/admin/audit", audit_page);
    router_add(r, HTTP_GET, "/admin/audit.csv", audit_csv);
    router_add(r, HTTP_GET, "/admin/audit.json", audit_json);
}

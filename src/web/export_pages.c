#include "web/export_pages.h"

#include "base/log.h"
#include "base/timeutil.h"
#include "auth/policy.h"
#include "forms/export.h"
#include "web/pages.h"
#include "web/survey.h"
#include "web/web.h"

#include <string.h>

enum format { FMT_CSV, FMT_XLSX, FMT_JSON };

static const struct {
    const char *ext;
    const char *content_type;
} formats[] = {
    [FMT_CSV] = {"csv", "text/csv; charset=utf-8"},
    [FMT_XLSX] = {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    [FMT_JSON] = {"json", "application/json; charset=utf-8"},
};

static int append_body(void *ctx, const void *data, size_t len)
{
    strbuf_append(ctx, data, len);
    return 0;
}

/* Only letters, digits, '-', '_' and '.' (never first): the name goes into a header, inside
 * quotes, and then onto a coordinator's disk, so nothing there may need escaping or mean a path. */
static void put_safe(struct strbuf *sb, const char *s)
{
    for (const char *p = s; *p; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                  c == '_' || (c == '.' && p != s);
        strbuf_putc(sb, ok ? c : '_');
    }
}

static const char *file_name(struct http_request *req, const char *form_id, const char *repeat, enum format fmt)
{
    char now[32];
    time_format_iso(time_now_ms(), now, sizeof now);
    struct strbuf sb;
    strbuf_init(&sb, req->arena, 64);
    put_safe(&sb, form_id);
    if (repeat) {
        strbuf_putc(&sb, '-');
        put_safe(&sb, repeat);
    }
    strbuf_printf(&sb, "-%.10s.%s", now, formats[fmt].ext);
    return sb.data;
}

static bool yes(const char *v)
{
    return v && (strcmp(v, "1") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "true") == 0);
}

static void export_page(struct http_request *req, struct http_response *res, enum format fmt)
{
    /* The routes' action is EXPORT_PSEUDONYMISED, checked before this handler runs
     * (web/route_policy.c); whether the reader gets personal data too is EXPORT_FULL's to say. */
    const char *form_id = http_route(req, "form_id");
    struct survey_form sf;
    int rc = survey_latest(req, form_id, &sf);
    if (rc < 0) {
        page_error(req, res, rc == ERR_NOT_FOUND ? 404 : 503, NULL);
        return;
    }
    /* JSON carries the stored answers as they are: labels do not apply, and ?lang= then only
     * chooses the page language, as everywhere else. */
    bool labels = fmt != FMT_JSON && yes(http_query(req, "labels"));
    const char *lang = labels ? http_query(req, "lang") : NULL;
    /* Who gets personal data: readers the policy allows EXPORT_FULL (admins and coordinators)
     * the full answers, anyone else (and anyone who asks with ?pseudonymise=1) a pseudonymised
     * export (forms/export.h). */
    bool full = policy_export_full(web_state(req)->who, &(struct policy_target){.form_id = form_id});
    struct export_options opt = {.labels = labels, .lang = lang,
                                 .pseudonymise = !full || yes(http_query(req, "pseudonymise"))};
    struct export_plan plan;
    struct err e;
    err_clear(&e);
    if (export_plan_build(req->arena, sf.form, &opt, &plan, &e) < 0) {
        page_error(req, res, 400, arena_printf(req->arena, T(req, "This form has no language %s. Its languages are: %s."),
                                               lang, export_languages_text(req->arena, sf.form)));
        return;
    }
    const char *repeat = http_query(req, "repeat");
    if (repeat && !*repeat) repeat = NULL;
    int table = 0;
    if (repeat && fmt != FMT_CSV) {
        page_error(req, res, 400, T(req, "Only the CSV download has one file per repeat: the XLSX and JSON downloads hold the repeats already."));
        return;
    }
    if (repeat && (table = export_table_index(&plan, repeat)) < 0) {
        page_error(req, res, 404, arena_printf(req->arena, T(req, "This form has no repeat %s."), repeat));
        return;
    }

    struct export_sink sink = {append_body, &res->body};
    strbuf_reset(&res->body);
    if (fmt == FMT_CSV) {
        struct export_sink *sinks = arena_calloc(req->arena, plan.ntables, sizeof *sinks);
        sinks[table] = sink;
        rc = export_csv(web_state(req)->store, &plan, sinks, &e);
    } else if (fmt == FMT_XLSX) {
        rc = export_xlsx(web_state(req)->store, &plan, &sink, &e);
    } else {
        rc = export_json(web_state(req)->store, &plan, &sink, &e);
    }
    if (rc < 0) {
        log_error("export of form %s as %s: %s", form_id, formats[fmt].ext, e.msg);
        page_error(req, res, e.code == ERR_LIMIT ? 500 : 503,
                   e.code == ERR_LIMIT ? T(req, "This export is too large for an XLSX file: download it as CSV.") : NULL);
        return;
    }
    res->status = 200;
    res->content_type = formats[fmt].content_type;
    res->compressible = fmt != FMT_XLSX; /* a workbook is a zip already */
    http_set_header(res, "Content-Disposition",
                    arena_printf(req->arena, "attachment; filename=\"%s\"", file_name(req, form_id, repeat, fmt)));
    http_set_header(res, "X-Content-Type-Options", "nosniff");
}

static void export_csv_page(struct http_request *req, struct http_response *res) { export_page(req, res, FMT_CSV); }
static void export_xlsx_page(struct http_request *req, struct http_response *res) { export_page(req, res, FMT_XLSX); }
static void export_json_page(struct http_request *req, struct http_response *res) { export_page(req, res, FMT_JSON); }

void export_routes(struct router *r)
{
    router_add(r, HTTP_GET, "/forms/{form_id}/export.csv", export_csv_page);
    router_add(r, HTTP_GET, "/forms/{form_id}/export.xlsx", export_xlsx_page);
    router_add(r, HTTP_GET, "/forms/{form_id}/export.json", export_json_page);
}

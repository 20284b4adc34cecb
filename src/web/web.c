#include "web/web.h"

#include "base/log.h"
#include "http/router.h"
#include "program/schema.h"
#include "web/access.h"
#include "web/account_pages.h"
#include "web/admin_pages.h"
#include "web/api.h"
#include "web/audit_pages.h"
#include "web/device_pages.h"
#include "web/feedback_pages.h"
#include "web/export_pages.h"
#include "web/forms_pages.h"
#include "web/institution_pages.h"
#include "web/pages.h"
#include "web/privacy_pages.h"
#include "web/need_pages.h"
#include "web/programme_pages.h"
#include "web/register_pages.h"
#include "web/route_policy.h"
#include "web/selection_pages.h"
#include "web/static_assets.h"
#include "web/submission_pages.h"
#include "web/summary_page.h"
#include "web/survey.h"
#include "web/training_pages.h"
#include "web/curriculum_pages.h"
#include "web/report_pages.h"

#include <stdlib.h>
#include <string.h>

/* Process configuration: written once by web_init before the workers start, then only read. */
static struct {
    struct web_config config;
    struct router *router;
} web;

struct web_worker {
    struct store *store;
    struct survey_cache *surveys;
    struct api_batch *batch;
};

static void build_routes(struct router *r)
{
    router_add(r, HTTP_GET, "/", page_home);
    router_add(r, HTTP_GET, "/healthz", page_healthz);
    router_add(r, HTTP_GET, "/static/{file...}", static_assets_handle);
    survey_routes(r);
    api_routes(r);
    forms_pages_routes(r);
    export_routes(r);
    summary_page_routes(r);
    account_routes(r);
    admin_routes(r);
    submission_pages_routes(r);
    audit_routes(r);
    privacy_routes(r);
    institution_routes(r);
    programme_pages_routes(r);
    register_pages_routes(r);
    need_pages_routes(r);
    device_routes(r);
    feedback_routes(r);
    selection_routes(r);
    training_routes(r);
    curriculum_routes(r);
    report_routes(r);
}

int web_init(const struct web_config *config, struct err *e)
{
    web.config = *config;
    access_init(&(struct access_config){.trust_proxy = config->trust_proxy, .public_url = config->public_url});
    if (i18n_init(e) < 0) return -1;
    if (static_assets_init() < 0) return err_set(e, ERR_INTERNAL, "an embedded asset is missing");
    web.router = router_new();
    build_routes(web.router);
    route_policy_apply(web.router);
    return 0;
}

bool web_mail_sent(void)
{
    return web.config.mail_sent;
}

void web_routes_each(web_route_fn fn, void *ctx)
{
    struct router *r = router_new();
    build_routes(r);
    route_policy_apply(r);
    for (size_t i = 0; i < router_count(r); i++) {
        struct router_route_info rt = router_route(r, i);
        fn(ctx, rt.methods, rt.pattern, (enum policy_action)rt.tag);
    }
    router_free(r);
}

void web_shutdown(void)
{
    router_free(web.router);
    web.router = NULL;
    static_assets_free();
    i18n_shutdown();
}

void *web_worker_start(int index, struct err *e)
{
    (void)index;
    /* The database was created and migrated before the server started: workers only open it. */
    struct store_options opt = {.read_only = false, .create = false, .busy_timeout_ms = 5000};
    struct store *st = store_open(web.config.db_target, &opt, e);
    if (!st) return NULL;
    struct web_worker *w = calloc(1, sizeof *w);
    if (!w) abort();
    w->store = st;
    w->surveys = survey_cache_new();
    w->batch = api_batch_new(st);
    return w;
}

void web_worker_stop(void *worker)
{
    struct web_worker *w = worker;
    if (!w) return;
    api_batch_free(w->batch);
    survey_cache_free(w->surveys);
    store_close(w->store);
    free(w);
}

/* ?lang= wins and is remembered in a cookie; then the cookie; then the browser's languages. */
static void choose_language(struct http_request *req, struct http_response *res, struct web_state *st)
{
    const char *asked = http_query(req, "lang");
    st->lang = i18n_negotiate(asked, http_cookie(req, "lang"), http_header_in(req, "Accept-Language"));
    if (asked && i18n_find(asked)) {
        char *cookie = arena_printf(req->arena, "lang=%s; Path=/; Max-Age=31536000; SameSite=Lax",
                                    i18n_find(asked)->code);
        http_add_header(res, "Set-Cookie", cookie);
    }
    http_set_header(res, "Content-Language", st->lang->code);
}

static void attach_state(struct http_request *req)
{
    struct web_state *st = arena_calloc(req->arena, 1, sizeof *st);
    struct web_worker *w = req->worker;
    st->store = w ? w->store : NULL;
    st->surveys = w ? w->surveys : NULL;
    st->batch = w ? w->batch : NULL;
    st->lang = i18n_default();
    st->who = &auth_anonymous;
    req->app = st;
}

void web_handle(struct http_request *req, struct http_response *res)
{
    attach_state(req);
    choose_language(req, res, web_state(req));
    if (!access_attach(req, res)) return;

    http_handler handler = NULL;
    unsigned allowed = 0;
    int action = POLICY_NONE;
    switch (router_match_tagged(web.router, req->method, req->path, req->arena, &handler, &req->route, &allowed,
                                &action)) {
    case ROUTER_FOUND:
        /* The route's policy action, checked here and never left to the handler (web/access.h). */
        if (access_permit(req, res, (enum policy_action)action)) handler(req, res);
        break;
    case ROUTER_METHOD_NOT_ALLOWED: {
        struct strbuf allow;
        strbuf_init(&allow, req->arena, 64);
        static const char *names[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"};
        for (int i = 0; i < 7; i++) {
            if (!(allowed & (1u << i))) continue;
            if (allow.len) strbuf_puts(&allow, ", ");
            strbuf_puts(&allow, names[i]);
        }
        page_error(req, res, 405, NULL);
        http_set_header(res, "Allow", allow.data);
        break;
    }
    case ROUTER_NOT_FOUND:
        page_error(req, res, 404, NULL);
        break;
    }
}

void web_handle_error(struct http_request *req, struct http_response *res, int status, const char *message)
{
    attach_state(req);
    if (req->path) choose_language(req, res, web_state(req));
    page_error(req, res, status, message);
}

/* web: the HTTP face of edubridge: routes, pages and the JSON answers.
 *
 * web_init() builds the routing table and the static assets once at start-up (the process
 * configuration); after that, worker threads only read them. Each worker gets its own database
 * connection from web_worker_start(). web_handle() is the one entry point the server calls:
 * it chooses the reader's language, routes, and renders errors in the project's look. */
#ifndef EDUBRIDGE_WEB_H
#define EDUBRIDGE_WEB_H

#include "auth/policy.h"
#include "base/err.h"
#include "base/i18n.h"
#include "http/http.h"
#include "store/store.h"

struct web_config {
    const char *db_target; /* where each worker opens its database connection */
    bool trust_proxy;      /* a proxy in front sets X-Forwarded-Proto/-For (web/access.h) */
    const char *public_url; /* the address links in emails start with, "https://host" */
    bool mail_sent;         /* an SMTP sender delivers the outbox (auth/mailer.h) */
};

/* What a handler needs beyond the request itself; reached through web_state(req). */
struct survey_cache;
struct api_batch;
struct auth_principal;

struct web_state {
    const struct i18n_lang *lang;
    struct store *store;
    struct survey_cache *surveys; /* the worker's parsed forms */
    struct api_batch *batch;      /* the worker's submissions waiting for their commit */
    const struct auth_principal *who; /* never NULL: auth_anonymous or the signed-in user (web/access.h) */
    const char *csrf_cookie;      /* an anonymous reader's CSRF cookie, once read or set */
};

int web_init(const struct web_config *config, struct err *e);
void web_shutdown(void);
/* True when an SMTP sender delivers the outbox (web_config.mail_sent). */
bool web_mail_sent(void);

void *web_worker_start(int index, struct err *e);
void web_worker_stop(void *worker);

/* Every route as web_init builds it, with its policy action (POLICY_NONE: none, refused to all),
 * in the order they are matched: for `edubridge routes` and the test that walks every route. */
typedef void (*web_route_fn)(void *ctx, unsigned methods, const char *pattern, enum policy_action action);
void web_routes_each(web_route_fn fn, void *ctx);

void web_handle(struct http_request *req, struct http_response *res);
void web_handle_error(struct http_request *req, struct http_response *res, int status, const char *message);

static inline struct web_state *web_state(const struct http_request *req)
{
    return (struct web_state *)req->app;
}

/* The translation of an English msgid in the reader's language. */
#define T(req, msgid) i18n_get(web_state(req)->lang, (msgid))

#endif

#include "web/access.h"

#include "auth/api_tokens.h"
#include "auth/csrf.h"
#include "auth/password.h"
#include "auth/session.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "html/html.h"
#include "web/pages.h"
#include "web/web.h"

#include <string.h>
#include <strings.h>

/* Process configuration: written once by access_init before the workers start, then only read. */
static struct access_config config = {.session_idle_s = SESSION_IDLE_DEFAULT_S};

void access_init(const struct access_config *c)
{
    config = *c;
    if (config.session_idle_s <= 0) config.session_idle_s = SESSION_IDLE_DEFAULT_S;
    if (!config.public_url) config.public_url = "";
    /* The dummy hash for unknown emails is made now, not in the first failed sign-in, which would
     * otherwise take twice as long as a wrong password and tell that the email is unknown. */
    password_verify_dummy("");
}

const char *access_public_url(void)
{
    return config.public_url;
}

int access_session_idle_s(void)
{
    return config.session_idle_s;
}

const char *access_client_addr(const struct http_request *req)
{
    if (config.trust_proxy) {
        /* The proxy appends the address it saw: the last entry is the one it vouches for; the
         * ones before it came from the client and could be anything. */
        const char *xff = http_header_in(req, "X-Forwarded-For");
        if (xff && *xff) {
            const char *last = strrchr(xff, ',');
            last = last ? last + 1 : xff;
            while (*last == ' ') last++;
            size_t n = strcspn(last, " ");
            if (n > 0 && n < 64) return arena_strndup(req->arena, last, n);
        }
    }
    return req->remote_addr ? req->remote_addr : "-";
}

bool access_is_https(const struct http_request *req)
{
    if (!config.trust_proxy) return false;
    const char *proto = http_header_in(req, "X-Forwarded-Proto");
    return proto && strcasecmp(proto, "https") == 0;
}

static void set_cookie(struct http_request *req, struct http_response *res, const char *name,
                       const char *value, bool expire)
{
    char *c = arena_printf(req->arena, "%s=%s; Path=/; HttpOnly; SameSite=Lax%s%s", name, value,
                           expire ? "; Max-Age=0" : "", access_is_https(req) ? "; Secure" : "");
    http_add_header(res, "Set-Cookie", c);
}

void access_set_session_cookie(struct http_request *req, struct http_response *res, const char *token)
{
    set_cookie(req, res, "sid", token, false);
}

void access_clear_session_cookie(struct http_request *req, struct http_response *res)
{
    set_cookie(req, res, "sid", "", true);
}

static void api_unauthorised(struct http_response *res)
{
    res->status = 401;
    res->content_type = "application/json";
    res->compressible = false;
    http_set_header(res, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
    strbuf_reset(&res->body);
    strbuf_puts(&res->body, "{\"error\":\"the API token is not valid: it may have been revoked\"}");
}

static bool attach_bearer(struct http_request *req, struct http_response *res, struct web_state *ws)
{
    const char *token;
    switch (api_token_from_header(http_header_in(req, "Authorization"), &token)) {
    case API_BEARER_NONE: return true;
    case API_BEARER_MALFORMED:
        api_unauthorised(res);
        return false;
    case API_BEARER_TOKEN: break;
    }
    struct auth_principal *p = arena_calloc(req->arena, 1, sizeof *p);
    struct err e;
    err_clear(&e);
    int rc = api_token_lookup(ws->store, req->arena, token, time_now_ms(), p, &e);
    if (rc < 0) {
        if (rc != ERR_NOT_FOUND) log_error("API token lookup: %s", e.msg);
        api_unauthorised(res);
        return false;
    }
    ws->who = p;
    return true;
}

bool access_attach(struct http_request *req, struct http_response *res)
{
    struct web_state *ws = web_state(req);
    ws->who = &auth_anonymous;
    if (!ws->store) return true;
    if (str_starts_with(req->path, "/api/")) return attach_bearer(req, res, ws);
    const char *sid = http_cookie(req, "sid");
    if (!sid || !*sid) return true;
    struct auth_principal *p = arena_calloc(req->arena, 1, sizeof *p);
    struct err e;
    err_clear(&e);
    int rc = session_lookup(ws->store, req->arena, sid, time_now_ms(), config.session_idle_s, p, &e);
    if (rc == 0) {
        ws->who = p;
    } else {
        if (rc != ERR_NOT_FOUND) log_error("session lookup: %s", e.msg);
        /* A session that ended (expired, signed out elsewhere): the browser may forget it. */
        else access_clear_session_cookie(req, res);
    }
    return true;
}

/* The double-submit value of an anonymous reader: the csrf cookie they brought, or a new one set
 * on this response (once per request, however many forms the page has). */
static const char *anonymous_csrf(struct http_request *req, struct http_response *res)
{
    struct web_state *ws = web_state(req);
    if (ws->csrf_cookie) return ws->csrf_cookie;
    const char *have = http_cookie(req, "csrf");
    if (token_well_formed(have)) return ws->csrf_cookie = have;
    char *fresh = arena_alloc(req->arena, TOKEN_TEXT_SIZE);
    token_new(fresh);
    set_cookie(req, res, "csrf", fresh, false);
    return ws->csrf_cookie = fresh;
}

void access_csrf_field(struct http_request *req, struct http_response *res)
{
    const struct auth_principal *who = web_state(req)->who;
    const char *value;
    char derived[CSRF_TEXT_SIZE];
    if (who && who->via == AUTH_VIA_SESSION) {
        csrf_for_session(who->session_token, derived);
        value = derived;
    } else {
        value = anonymous_csrf(req, res);
    }
    struct strbuf *b = &res->body;
    html_lit(b, "<input type=\"hidden\" name=\"_csrf\" value=\"");
    html_attr(b, value);
    html_lit(b, "\">");
}

bool access_csrf_ok(struct http_request *req, struct http_response *res)
{
    const struct auth_principal *who = web_state(req)->who;
    const char *given = http_form(req, "_csrf");
    bool ok;
    if (who && who->via == AUTH_VIA_SESSION) ok = csrf_session_ok(who->session_token, given);
    else if (who && who->via == AUTH_VIA_TOKEN) ok = true; /* no ambient credential to abuse */
    else ok = csrf_double_submit_ok(http_cookie(req, "csrf"), given);
    if (ok) return true;
    log_info("%s %s refused: missing or wrong CSRF value", req->method_name, req->path);
    page_error(req, res, 403, T(req, "This form has expired or was not sent from this site. Go back, reload the page and try again."));
    return false;
}

/* To the sign-in page, and back to this page after it (with its query); a POST's address is no
 * page to come back to. */
static void to_signin(struct http_request *req, struct http_response *res)
{
    struct strbuf to;
    strbuf_init(&to, req->arena, 64);
    strbuf_puts(&to, "/signin");
    if (req->method != HTTP_POST) {
        struct strbuf next;
        strbuf_init(&next, req->arena, 64);
        strbuf_puts(&next, req->path);
        for (size_t i = 0; i < req->query.count; i++) {
            strbuf_putc(&next, i ? '&' : '?');
            str_url_encode(&next, req->query.items[i].name);
            strbuf_putc(&next, '=');
            str_url_encode(&next, req->query.items[i].value);
        }
        strbuf_puts(&to, "?next=");
        str_url_encode(&to, next.data);
    }
    http_redirect(res, req->method == HTTP_POST ? 303 : 302, to.data);
}

static void api_refuse(struct http_request *req, struct http_response *res, enum policy_action action)
{
    const struct auth_principal *who = web_state(req)->who;
    res->content_type = "application/json";
    res->compressible = false;
    strbuf_reset(&res->body);
    if (!auth_signed_in(who)) {
        res->status = 401;
        http_set_header(res, "WWW-Authenticate", "Bearer realm=\"edubridge\"");
        strbuf_puts(&res->body, "{\"error\":\"this needs an API token: send Authorization: Bearer TOKEN\"}\n");
    } else if (policy_scope_limits(who, action, NULL)) {
        res->status = 403;
        http_set_header(res, "WWW-Authenticate", "Bearer error=\"insufficient_scope\"");
        strbuf_puts(&res->body, "{\"error\":\"the token's scope does not allow this: use a token with a wider scope\"}\n");
    } else {
        res->status = 403;
        strbuf_puts(&res->body, "{\"error\":\"this account may not do this\"}\n");
    }
}

void access_refuse(struct http_request *req, struct http_response *res, enum policy_action action)
{
    const struct policy_action_info *info = policy_action_info(action);
    log_info("%s %s refused: %s may not %s", req->method_name, req->path,
             auth_signed_in(web_state(req)->who) ? web_state(req)->who->email : "anonymous",
             info ? info->name : "?");
    if (info && info->surface == POLICY_API) {
        api_refuse(req, res, action);
        return;
    }
    if (!auth_signed_in(web_state(req)->who)) {
        to_signin(req, res);
        return;
    }
    page_error(req, res, 403, NULL);
}

bool access_permit(struct http_request *req, struct http_response *res, enum policy_action action)
{
    if (!policy_allows(web_state(req)->who, action, NULL)) {
        access_refuse(req, res, action);
        return false;
    }
    if (req->method != HTTP_POST) return true;
    const struct policy_action_info *info = policy_action_info(action);
    if (info->surface == POLICY_PAGE) return access_csrf_ok(req, res);
    if (info->surface == POLICY_RESPONDENT) {
        const char *site = http_header_in(req, "Sec-Fetch-Site");
        if (site && strcasecmp(site, "cross-site") == 0) {
            log_info("%s %s refused: posted from another site", req->method_name, req->path);
            page_error(req, res, 403, T(req, "This form has expired or was not sent from this site. Go back, reload the page and try again."));
            return false;
        }
    }
    return true;
}

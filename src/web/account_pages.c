#include "web/account_pages.h"

#include "auth/api_tokens.h"
#include "auth/outbox.h"
#include "auth/password.h"
#include "auth/reset.h"
#include "auth/session.h"
#include "auth/signin.h"
#include "auth/users.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "html/html.h"
#include "store/audit.h"
#include "web/access.h"
#include "web/layout.h"
#include "web/pages.h"
#include "web/web.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* --- small pieces ------------------------------------------------------------------------------ */

static void field(struct strbuf *b, const char *name, const char *type,
                  const char *label, const char *value, const char *autocomplete)
{
    html_lit(b, "<div class=\"field\"><label for=\"f-");
    html_attr(b, name);
    html_lit(b, "\">");
    html_text(b, label);
    html_lit(b, "</label><input id=\"f-");
    html_attr(b, name);
    html_lit(b, "\" name=\"");
    html_attr(b, name);
    html_lit(b, "\" type=\"");
    html_attr(b, type);
    html_lit(b, "\" autocomplete=\"");
    html_attr(b, autocomplete);
    html_lit(b, "\"");
    if (value) {
        html_lit(b, " value=\"");
        html_attr(b, value);
        html_lit(b, "\"");
    }
    html_lit(b, " required></div>");
}

static void message(struct strbuf *b, const char *cls, const char *text)
{
    html_lit(b, "<p class=\"");
    html_attr(b, cls);
    if (strcmp(cls, "error") == 0) html_lit(b, "\" role=\"alert\">");
    else html_lit(b, "\" role=\"status\">");
    html_text(b, text);
    html_lit(b, "</p>");
}

static void button(struct strbuf *b, const char *label)
{
    html_lit(b, "<p><button type=\"submit\">");
    html_text(b, label);
    html_lit(b, "</button></p>");
}

/* The sentence for a password that cannot be chosen, in the reader's language. */
static const char *password_problem_sentence(struct http_request *req, enum password_problem p)
{
    switch (p) {
    case PASSWORD_OK: return NULL;
    case PASSWORD_TOO_SHORT: return T(req, "The password must have at least 10 characters.");
    case PASSWORD_TOO_LONG: return T(req, "The password is too long.");
    case PASSWORD_NOT_TEXT: return T(req, "The password must be ordinary text.");
    }
    return T(req, "The password cannot be used.");
}

/* ?next= when it is a path on this site; "/" otherwise (never a link elsewhere). */
static const char *next_path(const char *next)
{
    if (!next || next[0] != '/' || next[1] == '/' || next[1] == '\\') return "/";
    return next;
}

/* --- sign in and out ---------------------------------------------------------------------------- */

static void signin_page(struct http_request *req, struct http_response *res, const char *email,
                        const char *error)
{
    struct strbuf *b = &res->body;
    const struct auth_principal *who = web_state(req)->who;
    layout_begin(req, res, T(req, "Sign in"), "signin");
    html_lit(b, "<h1>");
    html_text(b, T(req, "Sign in"));
    html_lit(b, "</h1>");
    if (auth_signed_in(who)) {
        html_lit(b, "<p>");
        html_text(b, T(req, "You are signed in as"));
        html_lit(b, " <strong>");
        html_text(b, who->display_name);
        html_lit(b, "</strong> (");
        html_text(b, who->email);
        html_lit(b, ").</p>");
        layout_end(req, res);
        return;
    }
    const char *q = http_query(req, "done");
    if (q && strcmp(q, "reset") == 0) message(b, "notice", T(req, "Your password has been changed. Sign in with the new one."));
    if (error) message(b, "error", error);
    html_lit(b, "<form method=\"post\" action=\"/signin\">");
    access_csrf_field(req, res);
    const char *next = http_query(req, "next");
    if (!next) next = http_form(req, "next");
    if (next) {
        html_lit(b, "<input type=\"hidden\" name=\"next\" value=\"");
        html_attr(b, next_path(next));
        html_lit(b, "\">");
    }
    field(b, "email", "email", T(req, "Email address"), email, "username");
    field(b, "password", "password", T(req, "Password"), NULL, "current-password");
    button(b, T(req, "Sign in"));
    html_lit(b, "</form><p><a href=\"/reset\">");
    html_text(b, T(req, "Forgot your password?"));
    html_lit(b, "</a></p>");
    layout_end(req, res);
}

static void signin_get(struct http_request *req, struct http_response *res)
{
    signin_page(req, res, NULL, NULL);
}

/* The POSTs below passed the gate (web/access.h): their CSRF value has been checked. */

static void signin_post(struct http_request *req, struct http_response *res)
{
    struct web_state *ws = web_state(req);
    const char *email = http_form(req, "email");
    const char *addr = access_client_addr(req);
    struct signin_outcome out;
    struct err e;
    err_clear(&e);
    /* The sid the browser brought is ended, never adopted: a token planted before sign-in
     * (session fixation) is worth nothing after it. */
    const char *old = http_cookie(req, "sid");
    if (signin_attempt(ws->store, req->arena, email, http_form(req, "password"), addr, old, time_now_ms(),
                       access_session_idle_s(), &out, &e) < 0) {
        log_error("sign-in: %s", e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    switch (out.result) {
    case SIGNIN_OK:
        access_set_session_cookie(req, res, out.token);
        http_redirect(res, 303, next_path(http_form(req, "next")));
        return;
    case SIGNIN_THROTTLED: {
        log_info("sign-in throttled for %s", addr);
        res->status = 429;
        http_set_header(res, "Retry-After", arena_printf(req->arena, "%lld", (long long)out.wait_s));
        char *msg = arena_printf(req->arena, T(req, "Too many failed attempts. Try again in %lld s."), (long long)out.wait_s);
        signin_page(req, res, email, msg);
        return;
    }
    case SIGNIN_FAILED:
        log_info("sign-in failed from %s", addr);
        res->status = 401;
        signin_page(req, res, email, T(req, "The email address or the password is not right."));
        return;
    }
}

static void signout_post(struct http_request *req, struct http_response *res)
{
    const struct auth_principal *who = web_state(req)->who;
    if (who->via != AUTH_VIA_SESSION) {
        http_redirect(res, 303, "/");
        return;
    }
    struct err e;
    err_clear(&e);
    if (session_sign_out(web_state(req)->store, who, who->session_token, &e) < 0) {
        log_error("sign-out: %s", e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    access_clear_session_cookie(req, res);
    http_redirect(res, 303, "/");
}

/* --- password reset ----------------------------------------------------------------------------- */

static void reset_request_page(struct http_request *req, struct http_response *res, const char *notice)
{
    struct strbuf *b = &res->body;
    layout_begin(req, res, T(req, "Forgot your password?"), NULL);
    html_lit(b, "<h1>");
    html_text(b, T(req, "Forgot your password?"));
    html_lit(b, "</h1>");
    if (notice) {
        message(b, "notice", notice);
        layout_end(req, res);
        return;
    }
    html_lit(b, "<p>");
    html_text(b, T(req, "Give the email address of your account: we will send it a link to choose a new password. The link works once, for an hour."));
    html_lit(b, "</p><form method=\"post\" action=\"/reset\">");
    access_csrf_field(req, res);
    field(b, "email", "email", T(req, "Email address"), NULL, "username");
    button(b, T(req, "Send the link"));
    html_lit(b, "</form>");
    layout_end(req, res);
}

static void reset_get(struct http_request *req, struct http_response *res)
{
    reset_request_page(req, res, NULL);
}

/* Writes the link to the outbox in the reader's language, with the link made at once. */
static int send_reset_link(struct http_request *req, const struct user *u, const char *token, struct err *e)
{
    struct strbuf body;
    strbuf_init(&body, req->arena, 512);
    strbuf_printf(&body, T(req, "Someone, probably you, asked to set a new password for the edubridge account %s."), u->email);
    strbuf_puts(&body, "\n\n");
    strbuf_puts(&body, T(req, "Open this link within an hour to choose a new password:"));
    strbuf_printf(&body, "\n%s/reset/%s\n\n", access_public_url(), token);
    strbuf_puts(&body, T(req, "If you did not ask for this, ignore this message: your password stays as it is."));
    strbuf_puts(&body, "\n");
    return outbox_add(web_state(req)->store, u->email, T(req, "Set a new edubridge password"), body.data, e);
}

static void reset_post(struct http_request *req, struct http_response *res)
{
    struct store *st = web_state(req)->store;
    struct user u;
    struct err e;
    err_clear(&e);
    int rc = user_find_by_email(st, req->arena, http_form(req, "email"), &u, NULL, &e);
    if (rc == 0 && !u.disabled_at) {
        char token[TOKEN_TEXT_SIZE];
        rc = store_begin(st, &e);
        if (rc == 0) rc = reset_create(st, u.id, time_now_ms(), token, &e);
        if (rc == 0) rc = send_reset_link(req, &u, token, &e);
        if (rc == 0) rc = store_commit(st, &e);
        if (rc < 0) store_rollback(st);
        if (rc == 0) outbox_notify(); /* after the commit: the sender's connection sees the row */
        if (rc < 0 && rc != ERR_LIMIT) log_error("password reset: %s", e.msg);
    } else if (rc < 0 && rc != ERR_NOT_FOUND) {
        log_error("password reset: %s", e.msg);
    }
    /* The same answer whether the address has an account or not: the page tells nobody who has one. */
    reset_request_page(req, res, T(req, "If there is an account for that address, a link to choose a new password is on its way. It works once, for an hour."));
}

static void reset_link_gone(struct http_request *req, struct http_response *res)
{
    page_error(req, res, 410, T(req, "This link has expired or has been used already. Ask for a new one on the page “Forgot your password?”."));
}

static void new_password_page(struct http_request *req, struct http_response *res, const char *error)
{
    struct strbuf *b = &res->body;
    layout_begin(req, res, T(req, "Choose a new password"), NULL);
    html_lit(b, "<h1>");
    html_text(b, T(req, "Choose a new password"));
    html_lit(b, "</h1>");
    if (error) message(b, "error", error);
    html_lit(b, "<form method=\"post\" action=\"/reset/");
    html_attr(b, http_route(req, "token"));
    html_lit(b, "\">");
    access_csrf_field(req, res);
    field(b, "password", "password", T(req, "New password (at least 10 characters)"), NULL, "new-password");
    field(b, "confirm", "password", T(req, "The new password again"), NULL, "new-password");
    button(b, T(req, "Set the password"));
    html_lit(b, "</form>");
    layout_end(req, res);
}

static void reset_token_get(struct http_request *req, struct http_response *res)
{
    struct err e;
    err_clear(&e);
    int rc = reset_check(web_state(req)->store, http_route(req, "token"), time_now_ms(), &e);
    if (rc == ERR_NOT_FOUND) {
        reset_link_gone(req, res);
        return;
    }
    if (rc < 0) {
        log_error("password reset: %s", e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    new_password_page(req, res, NULL);
}

static void reset_token_post(struct http_request *req, struct http_response *res)
{
    const char *pw = http_form(req, "password");
    const char *confirm = http_form(req, "confirm");
    enum password_problem pp = password_acceptable(pw);
    if (pp != PASSWORD_OK || !confirm || strcmp(pw, confirm) != 0) {
        res->status = 422;
        new_password_page(req, res, pp != PASSWORD_OK ? password_problem_sentence(req, pp)
                                                      : T(req, "The two passwords are not the same."));
        return;
    }
    struct err e;
    err_clear(&e);
    int rc = reset_use(web_state(req)->store, http_route(req, "token"), pw, time_now_ms(), &e);
    if (rc == ERR_NOT_FOUND) {
        reset_link_gone(req, res);
        return;
    }
    if (rc < 0) {
        log_error("password reset: %s", e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    /* Every session of the account ended, this browser's too if it had one. */
    if (http_cookie(req, "sid")) access_clear_session_cookie(req, res);
    http_redirect(res, 303, "/signin?done=reset");
}

/* --- API tokens --------------------------------------------------------------------------------- */

static void tokens_page(struct http_request *req, struct http_response *res, const char *created,
                        const char *error)
{
    struct strbuf *b = &res->body;
    const struct auth_principal *who = web_state(req)->who;
    struct api_token_info *list = NULL;
    size_t n = 0;
    struct err e;
    err_clear(&e);
    if (api_token_list(web_state(req)->store, req->arena, who->user_id, &list, &n, &e) < 0)
        log_error("API tokens: %s", e.msg);

    layout_begin(req, res, T(req, "API tokens"), "account");
    html_lit(b, "<h1>");
    html_text(b, T(req, "API tokens"));
    html_lit(b, "</h1><p>");
    html_text(b, T(req, "A program that uses the JSON API sends a token in the header “Authorization: Bearer TOKEN”. A token can do what its scope allows, and never more than your account."));
    html_lit(b, "</p>");
    if (created) {
        html_lit(b, "<div class=\"card\" role=\"status\"><p><strong>");
        html_text(b, T(req, "Your new token. Copy it now: it is not shown again."));
        html_lit(b, "</strong></p><p><code class=\"secret\">");
        html_text(b, created);
        html_lit(b, "</code></p></div>");
    }
    if (error) message(b, "error", error);
    if (n) {
        html_lit(b, "<div class=\"scroll\"><table><thead><tr><th scope=\"col\">");
        html_text(b, T(req, "Name"));
        html_lit(b, "</th><th scope=\"col\">");
        html_text(b, T(req, "Scope"));
        html_lit(b, "</th><th scope=\"col\">");
        html_text(b, T(req, "Created"));
        html_lit(b, "</th><th scope=\"col\">");
        html_text(b, T(req, "Last used"));
        html_lit(b, "</th><th scope=\"col\">");
        html_text(b, T(req, "State"));
        html_lit(b, "</th></tr></thead><tbody>");
        for (size_t i = 0; i < n; i++) {
            html_lit(b, "<tr><td id=\"token-");
            html_attr(b, list[i].id);
            html_lit(b, "\">");
            html_text(b, list[i].name);
            html_lit(b, "</td><td>");
            html_text(b, T(req, auth_scope_label(list[i].scope)));
            html_lit(b, "</td><td>");
            layout_date(req, b, list[i].created_at);
            html_lit(b, "</td><td>");
            if (list[i].last_used_at) layout_date(req, b, list[i].last_used_at);
            else html_text(b, T(req, "never"));
            html_lit(b, "</td><td>");
            if (list[i].revoked_at) {
                html_text(b, T(req, "revoked"));
            } else {
                html_lit(b, "<form method=\"post\" action=\"/account/tokens/");
                html_attr(b, list[i].id);
                html_lit(b, "/revoke\">");
                access_csrf_field(req, res);
                /* The button says which token it revokes through the name's cell: a hidden span
                 * would be positioned out of the scrolling table and widen the page. */
                html_lit(b, "<button type=\"submit\" class=\"secondary\" aria-describedby=\"token-");
                html_attr(b, list[i].id);
                html_lit(b, "\">");
                html_text(b, T(req, "Revoke"));
                html_lit(b, "</button></form>");
            }
            html_lit(b, "</td></tr>");
        }
        html_lit(b, "</tbody></table></div>");
    }
    html_lit(b, "<h2>");
    html_text(b, T(req, "New token"));
    html_lit(b, "</h2><form method=\"post\" action=\"/account/tokens\">");
    access_csrf_field(req, res);
    field(b, "name", "text", T(req, "Name (what the token is for)"), NULL, "off");
    html_lit(b, "<div class=\"field\"><label for=\"f-scope\">");
    html_text(b, T(req, "Scope"));
    html_lit(b, "</label><select id=\"f-scope\" name=\"scope\">");
    for (int s = AUTH_SCOPE_READ; s <= AUTH_SCOPE_ADMIN; s++) {
        if (!policy_may_grant_scope(who, (enum auth_scope)s)) continue;
        html_lit(b, "<option value=\"");
        html_attr(b, auth_scope_name((enum auth_scope)s));
        html_lit(b, "\">");
        html_text(b, T(req, auth_scope_label((enum auth_scope)s)));
        html_lit(b, "</option>");
    }
    html_lit(b, "</select></div>");
    button(b, T(req, "Create the token"));
    html_lit(b, "</form>");
    layout_end(req, res);
}

/* TOKENS_OWN: signed-in readers, their own tokens (the listing and the revocation are narrowed to
 * the reader's account in the queries: another account's token is not found). */
static void tokens_get(struct http_request *req, struct http_response *res)
{
    tokens_page(req, res, NULL, NULL);
}

static void tokens_post(struct http_request *req, struct http_response *res)
{
    const struct auth_principal *who = web_state(req)->who;
    enum auth_scope scope = auth_scope_parse(http_form(req, "scope"));
    /* A token never does more than its user: only administrators make admin tokens. */
    if (!policy_may_grant_scope(who, scope)) {
        res->status = 422;
        tokens_page(req, res, NULL, T(req, "Choose one of the scopes offered."));
        return;
    }
    char token[API_TOKEN_TEXT_SIZE];
    struct err e;
    err_clear(&e);
    const struct audit_actor by = {who->user_id, who->email};
    int rc = api_token_create(web_state(req)->store, req->arena, who->user_id, http_form(req, "name"), scope,
                              &by, token, NULL, &e);
    if (rc == ERR_INVALID) {
        res->status = 422;
        tokens_page(req, res, NULL, T(req, "Give the token a name of 1 to 100 characters."));
        return;
    }
    if (rc < 0) {
        log_error("API token: %s", e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    /* Shown in this response only (no-store): a redirect would have to carry the secret along. */
    tokens_page(req, res, token, NULL);
}

static void token_revoke_post(struct http_request *req, struct http_response *res)
{
    struct err e;
    err_clear(&e);
    const struct auth_principal *who = web_state(req)->who;
    const struct audit_actor by = {who->user_id, who->email};
    int rc = api_token_revoke(web_state(req)->store, who->user_id, http_route(req, "id"), &by, time_now_ms(), &e);
    if (rc == ERR_NOT_FOUND) {
        page_error(req, res, 404, NULL);
        return;
    }
    if (rc < 0) {
        log_error("API token: %s", e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    http_redirect(res, 303, "/account/tokens");
}

/* --- the API's principal ------------------------------------------------------------------------ */

/* API_ME: a token's holder only (the gate answered anonymous requests with 401). */
static void api_me(struct http_request *req, struct http_response *res)
{
    const struct auth_principal *who = web_state(req)->who;
    res->content_type = "application/json";
    res->compressible = false;
    json_t *doc = json_pack("{s:s, s:s, s:s, s:s, s:s?}", "id", who->user_id, "email", who->email, "name",
                            who->display_name, "role", auth_role_name(who->role), "scope", auth_scope_name(who->scope));
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    if (!text) {
        page_error(req, res, 500, NULL);
        return;
    }
    strbuf_puts(&res->body, text);
    strbuf_putc(&res->body, '\n');
    free(text);
}

void account_routes(struct router *r)
{
    router_add(r, HTTP_GET, "/signin", signin_get);
    router_add(r, HTTP_POST, "/signin", signin_post);
    router_add(r, HTTP_POST, "/signout", signout_post);
    router_add(r, HTTP_GET, "/reset", reset_get);
    router_add(r, HTTP_POST, "/reset", reset_post);
    router_add(r, HTTP_GET, "/reset/{token}", reset_token_get);
    router_add(r, HTTP_POST, "/reset/{token}", reset_token_post);
    router_add(r, HTTP_GET, "/account/tokens", tokens_get);
    router_add(r, HTTP_POST, "/account/tokens", tokens_post);
    router_add(r, HTTP_POST, "/account/tokens/{id}/revoke", token_revoke_post);
    router_add(r, HTTP_GET, "/api/v1/me", api_me);
}

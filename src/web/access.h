/* access: who a request comes from, and the guards of the pages that change things.
 *
 * access_attach() runs before routing and puts the principal (auth/principal.h) in
 * web_state(req)->who: from the "sid" cookie on pages, from "Authorization: Bearer" on the JSON API
 * (/api/...), which ignores cookies so that no other site can make a browser call it with the
 * reader's session. access_permit() is the gate web_handle runs before every handler: the route's
 * policy action (auth/policy.h, web/route_policy.c) and, for the POSTs of pages, the CSRF value.
 * The rest is for handlers:
 *  - access_csrf_field() writes the hidden _csrf input every state-changing form carries
 *    (access_csrf_ok() checks it; the gate calls it for every POST of a page);
 *  - access_refuse() answers a refusal the way the gate does, for handlers whose check needs the
 *    record they read (policy_submission_view(who, &target) and the like);
 *  - the session cookie is written and cleared here, with Secure when the request came over
 *    HTTPS (a trusted proxy's X-Forwarded-Proto; edubridge itself speaks plain HTTP). */
#ifndef EDUBRIDGE_ACCESS_H
#define EDUBRIDGE_ACCESS_H

#include <stdbool.h>

#include "auth/policy.h"
#include "auth/principal.h"
#include "http/http.h"

struct access_config {
    bool trust_proxy;        /* believe X-Forwarded-Proto and X-Forwarded-For (a proxy in front) */
    const char *public_url;  /* "https://edubridge.example.org": where links in emails point */
    int session_idle_s;      /* 0: SESSION_IDLE_DEFAULT_S */
};

/* Process configuration, before the workers start. */
void access_init(const struct access_config *config);
const char *access_public_url(void);
int access_session_idle_s(void);

/* Resolves the principal; false when the request has been answered already (an API request with
 * a token that is not valid gets 401). */
bool access_attach(struct http_request *req, struct http_response *res);

/* The client's address: the peer, or with a trusted proxy the last X-Forwarded-For entry. */
const char *access_client_addr(const struct http_request *req);
bool access_is_https(const struct http_request *req);

void access_set_session_cookie(struct http_request *req, struct http_response *res, const char *token);
void access_clear_session_cookie(struct http_request *req, struct http_response *res);

void access_csrf_field(struct http_request *req, struct http_response *res);
/* True when the POST carries the right _csrf; otherwise renders the 403 page and returns false:
 * the handler returns at once and changes nothing. */
bool access_csrf_ok(struct http_request *req, struct http_response *res);

/* The gate: true when the reader may do action (policy_allows with no target) and, when the
 * request is a POST of a page (not of the API nor of the survey flow), it carries the right CSRF
 * value. Otherwise the request has been answered (access_refuse, or the CSRF 403 page). A POST of
 * the survey flow that the browser says came from another site (Sec-Fetch-Site: cross-site) is
 * refused too: it carries no CSRF value, its address is its only secret. */
bool access_permit(struct http_request *req, struct http_response *res, enum policy_action action);

/* Answers a refusal of action: on pages, anonymous readers are sent to /signin?next=PATH (302; a
 * POST: 303 to /signin) and signed-in ones get the 403 page; on the API, 401 with
 * WWW-Authenticate: Bearer without a token, 403 with one (error="insufficient_scope" when only the
 * token's scope is short). */
void access_refuse(struct http_request *req, struct http_response *res, enum policy_action action);

#endif

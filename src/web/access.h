/* access: who a request comes from, and the guards of the pages that change things.
 *
 * access_attach() runs before routing and puts the principal (auth/principal.h) in
 * web_state(req)->who: from the "sid" cookie on pages, from "Authorization: Bearer" on the JSON API
 * (/api/...), which ignores cookies so that no other site can make a browser call it with the
 * reader's session. Everything else here is for handlers:
 *  - access_csrf_field() writes the hidden _csrf input every state-changing form carries, and
 *    access_csrf_ok() checks it on the POST (a 403 page when it is missing or wrong);
 *  - access_require() sends anonymous readers to the sign-in page and refuses other roles;
 *  - the session cookie is written and cleared here, with Secure when the request came over
 *    HTTPS (a trusted proxy's X-Forwarded-Proto; edubridge itself speaks plain HTTP).
 * Permission checks by role are to move into one policy module (policy_allows); access_require
 * is the stand-in until then. */
#ifndef EDUBRIDGE_ACCESS_H
#define EDUBRIDGE_ACCESS_H

#include <stdbool.h>

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

/* True when the reader is signed in with role (AUTH_ROLE_NONE: any role). Otherwise answers:
 * a redirect to /signin?next=PATH for anonymous readers, 403 for a role that may not. */
bool access_require(struct http_request *req, struct http_response *res, enum auth_role role);

#endif

/* audit_pages: the audit trail for administrators, and who a web request acts as.
 *
 *   GET /admin/audit        the entries, newest first, 50 a page, filtered by a GET form: actor,
 *                           action (or its beginning), target id, first and last day (UTC)
 *   GET /admin/audit.csv    the same filtered entries, oldest first, as a download
 *   GET /admin/audit.json
 *
 * Administrators only: the routes' action is AUDIT_VIEW (auth/policy.h), checked by the gate before
 * the handlers run.
 *
 * web_audit_actor() is what every handler that changes state passes to store/audit.h: the signed-in
 * account (its id and email, whether by session or by API token), or "anonymous". */
#ifndef EDUBRIDGE_AUDIT_PAGES_H
#define EDUBRIDGE_AUDIT_PAGES_H

#include "http/http.h"
#include "http/router.h"
#include "store/audit.h"

/* The actor of a request; its strings live as long as the request. */
void web_audit_actor(const struct http_request *req, struct audit_actor *out);

void audit_routes(struct router *r);

#endif

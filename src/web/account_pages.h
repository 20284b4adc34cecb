/* account_pages: signing in and out, setting a new password by a emailed link, API tokens.
 *
 *   GET/POST /signin              the sign-in form (?next=/path to come back to)
 *   POST     /signout             ends the session (a form with the CSRF value, in every header)
 *   GET/POST /reset               asks for a link by email (the same answer for any address)
 *   GET/POST /reset/{token}       sets a new password with the link, once
 *   GET/POST /account/tokens      the reader's API tokens; a new one is shown once
 *   POST     /account/tokens/{id}/revoke
 *   GET      /api/v1/me           who an API token belongs to (JSON; 401 without a valid token) */
#ifndef EDUBRIDGE_ACCOUNT_PAGES_H
#define EDUBRIDGE_ACCOUNT_PAGES_H

#include "http/router.h"

void account_routes(struct router *r);

#endif

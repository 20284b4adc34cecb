/* admin_pages: pages for administrators only.
 *
 *   GET /admin/outbox   the messages edubridge has written (password reset links...), newest
 *                       first: with no mail server configured, this is where they can be read. */
#ifndef EDUBRIDGE_ADMIN_PAGES_H
#define EDUBRIDGE_ADMIN_PAGES_H

#include "http/router.h"

void admin_routes(struct router *r);

#endif

/* route_policy: the policy action of every route, in one table.
 *
 * The handlers register their routes (web.c's build_routes); this table then tags each route with
 * the action it performs (auth/policy.h), and web_handle asks the policy before it calls the
 * handler. A route that the table does not name keeps tag 0, POLICY_NONE, which nobody is allowed:
 * a new route is closed until someone says who may use it, and `edubridge routes` (and the test
 * that walks it, tests/integration/test_policy.py) shows it as NONE. */
#ifndef EDUBRIDGE_ROUTE_POLICY_H
#define EDUBRIDGE_ROUTE_POLICY_H

#include <stddef.h>

#include "http/router.h"

/* Tags every route of r; logs each route left without an action and each entry that found no
 * route. Returns the number of routes left without one. */
size_t route_policy_apply(struct router *r);

#endif

/* router: maps a method and a path to a handler, with {name} segments as parameters.
 *
 * Patterns are literal segments and whole-segment parameters: "/institutions/{id}/devices".
 * A trailing "{name...}" takes the rest of the path ("/static/{file...}"). Routes are matched in
 * the order they were added, so put specific ones first. The router is built once at start-up and
 * then only read, so worker threads share it without locks. */
#ifndef EDUBRIDGE_ROUTER_H
#define EDUBRIDGE_ROUTER_H

#include "http/http.h"

typedef void (*http_handler)(struct http_request *req, struct http_response *res);

struct router;

struct router *router_new(void);
void router_free(struct router *r);
/* methods: a mask of enum http_method. GET routes answer HEAD too. */
void router_add(struct router *r, unsigned methods, const char *pattern, http_handler handler);

enum router_result { ROUTER_FOUND, ROUTER_NOT_FOUND, ROUTER_METHOD_NOT_ALLOWED };

/* On ROUTER_FOUND sets *handler and fills params (in the arena). On ROUTER_METHOD_NOT_ALLOWED,
 * *allowed is the mask of methods the path does answer. */
enum router_result router_match(const struct router *r, enum http_method method, const char *path,
                                struct arena *a, http_handler *handler, struct http_params *params,
                                unsigned *allowed);

#endif

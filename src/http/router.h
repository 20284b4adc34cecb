/* router: maps a method and a path to a handler, with {name} segments as parameters.
 *
 * Patterns are literal segments and whole-segment parameters: "/institutions/{id}/devices".
 * A trailing "{name...}" takes the rest of the path ("/static/{file...}"). Routes are matched in
 * the order they were added, so put specific ones first. The router is built once at start-up and
 * then only read, so worker threads share it without locks.
 *
 * A route may carry a tag, a number the router does not interpret: the web face tags each route
 * with its policy action (web/route_policy.c) and reads it back from router_match_tagged. Routes
 * can be listed, so that a command and a test can walk all of them. */
#ifndef EDUBRIDGE_ROUTER_H
#define EDUBRIDGE_ROUTER_H

#include "http/http.h"

typedef void (*http_handler)(struct http_request *req, struct http_response *res);

struct router;

struct router *router_new(void);
void router_free(struct router *r);
/* methods: a mask of enum http_method. GET routes answer HEAD too. */
void router_add(struct router *r, unsigned methods, const char *pattern, http_handler handler);

/* Sets the tag of the route added with exactly this pattern whose methods include method; false
 * when there is none. Untagged routes have tag 0. */
bool router_set_tag(struct router *r, unsigned method, const char *pattern, int tag);

/* The routes in the order they were added: router_route(r, i) for i < router_count(r). */
struct router_route_info {
    unsigned methods;     /* a mask of enum http_method, HEAD included with GET */
    const char *pattern;  /* as given to router_add; owned by the router */
    int tag;
};
size_t router_count(const struct router *r);
struct router_route_info router_route(const struct router *r, size_t i);

enum router_result { ROUTER_FOUND, ROUTER_NOT_FOUND, ROUTER_METHOD_NOT_ALLOWED };

/* On ROUTER_FOUND sets *handler and fills params (in the arena). On ROUTER_METHOD_NOT_ALLOWED,
 * *allowed is the mask of methods the path does answer. */
enum router_result router_match(const struct router *r, enum http_method method, const char *path,
                                struct arena *a, http_handler *handler, struct http_params *params,
                                unsigned *allowed);
/* The same, and on ROUTER_FOUND *tag is the route's tag. */
enum router_result router_match_tagged(const struct router *r, enum http_method method, const char *path,
                                       struct arena *a, http_handler *handler, struct http_params *params,
                                       unsigned *allowed, int *tag);

#endif

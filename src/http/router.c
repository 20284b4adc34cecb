#include "http/router.h"

#include <stdlib.h>
#include <string.h>

struct route_segment {
    char *text;     /* literal text, or the parameter's name */
    bool is_param;
    bool is_rest;   /* {name...}: matches the remainder of the path */
};

struct route {
    unsigned methods;
    char *pattern;
    int tag;
    struct route_segment *segs;
    size_t nsegs;
    http_handler handler;
};

struct router {
    struct route *routes;
    size_t count, cap;
};

struct router *router_new(void)
{
    struct router *r = calloc(1, sizeof *r);
    if (!r) abort();
    return r;
}

void router_free(struct router *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->count; i++) {
        for (size_t k = 0; k < r->routes[i].nsegs; k++) free(r->routes[i].segs[k].text);
        free(r->routes[i].segs);
        free(r->routes[i].pattern);
    }
    free(r->routes);
    free(r);
}

void router_add(struct router *r, unsigned methods, const char *pattern, http_handler handler)
{
    if (r->count == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 32;
        r->routes = realloc(r->routes, r->cap * sizeof *r->routes);
        if (!r->routes) abort();
    }
    struct route *rt = &r->routes[r->count++];
    rt->methods = (methods & HTTP_GET) ? (methods | HTTP_HEAD) : methods;
    rt->handler = handler;
    rt->pattern = strdup(pattern);
    if (!rt->pattern) abort();
    rt->tag = 0;
    rt->segs = NULL;
    rt->nsegs = 0;
    const char *p = pattern;
    while (*p == '/') p++;
    while (*p) {
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        rt->segs = realloc(rt->segs, (rt->nsegs + 1) * sizeof *rt->segs);
        if (!rt->segs) abort();
        struct route_segment *s = &rt->segs[rt->nsegs++];
        s->is_param = n >= 2 && p[0] == '{' && p[n - 1] == '}';
        s->is_rest = s->is_param && n > 5 && memcmp(p + n - 4, "...}", 4) == 0;
        if (s->is_param) s->text = strndup(p + 1, n - (s->is_rest ? 5 : 2));
        else s->text = strndup(p, n);
        if (!s->text) abort();
        p += n;
        while (*p == '/') p++;
    }
}

/* Matches one route; params get the arena copies of the matched segments. */
static bool match_route(const struct route *rt, const char *path, struct arena *a,
                        struct http_params *params)
{
    const char *p = path;
    while (*p == '/') p++;
    struct http_param found[16];
    size_t nfound = 0;
    for (size_t i = 0; i < rt->nsegs; i++) {
        const struct route_segment *s = &rt->segs[i];
        /* An empty segment ("//") matches nothing: a parameter is never "", and a rest never
         * starts with '/'. */
        if (!*p || *p == '/') return false;
        if (s->is_rest) {
            if (nfound < 16) found[nfound++] = (struct http_param){s->text, arena_strdup(a, p)};
            p += strlen(p);
            break;
        }
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (s->is_param) {
            if (nfound < 16) found[nfound++] = (struct http_param){s->text, arena_strndup(a, p, n)};
        } else if (strlen(s->text) != n || memcmp(s->text, p, n) != 0) {
            return false;
        }
        p += n;
        if (*p == '/') p++;
    }
    if (*p) return false;
    params->items = arena_memdup(a, found, nfound * sizeof found[0]);
    params->count = nfound;
    return true;
}

bool router_set_tag(struct router *r, unsigned method, const char *pattern, int tag)
{
    for (size_t i = 0; i < r->count; i++) {
        struct route *rt = &r->routes[i];
        if ((rt->methods & method) && strcmp(rt->pattern, pattern) == 0) {
            rt->tag = tag;
            return true;
        }
    }
    return false;
}

size_t router_count(const struct router *r)
{
    return r->count;
}

struct router_route_info router_route(const struct router *r, size_t i)
{
    if (i >= r->count) return (struct router_route_info){0, NULL, 0};
    return (struct router_route_info){r->routes[i].methods, r->routes[i].pattern, r->routes[i].tag};
}

enum router_result router_match(const struct router *r, enum http_method method, const char *path,
                                struct arena *a, http_handler *handler, struct http_params *params,
                                unsigned *allowed)
{
    return router_match_tagged(r, method, path, a, handler, params, allowed, NULL);
}

enum router_result router_match_tagged(const struct router *r, enum http_method method, const char *path,
                                       struct arena *a, http_handler *handler, struct http_params *params,
                                       unsigned *allowed, int *tag)
{
    unsigned other_methods = 0;
    for (size_t i = 0; i < r->count; i++) {
        const struct route *rt = &r->routes[i];
        struct http_params tmp;
        if (!match_route(rt, path, a, &tmp)) continue;
        if (rt->methods & method) {
            *handler = rt->handler;
            *params = tmp;
            if (tag) *tag = rt->tag;
            return ROUTER_FOUND;
        }
        other_methods |= rt->methods;
    }
    if (allowed) *allowed = other_methods;
    return other_methods ? ROUTER_METHOD_NOT_ALLOWED : ROUTER_NOT_FOUND;
}

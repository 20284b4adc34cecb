/* http: the request and response a handler sees, independent of libevent.
 *
 * A request and everything hanging off it (decoded path, parameters, cookies, uploaded files,
 * the response body) live in the request's arena, which the server frees as soon as the response
 * has been handed to the connection. Handlers never free anything they got from here. */
#ifndef EDUBRIDGE_HTTP_H
#define EDUBRIDGE_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/str.h"

enum http_method {
    HTTP_GET = 1 << 0,
    HTTP_HEAD = 1 << 1,
    HTTP_POST = 1 << 2,
    HTTP_PUT = 1 << 3,
    HTTP_DELETE = 1 << 4,
    HTTP_PATCH = 1 << 5,
    HTTP_OPTIONS = 1 << 6,
};

/* An ordered list of name/value pairs (query, form fields, cookies, route parameters). */
struct http_param {
    const char *name;
    const char *value;
};
struct http_params {
    struct http_param *items;
    size_t count;
};

struct http_upload {
    const char *field;
    const char *filename;
    const char *content_type;
    const char *data;
    size_t len;
};

struct http_request {
    struct arena *arena;
    enum http_method method;
    const char *method_name;
    const char *path;          /* percent-decoded, always starts with '/' */
    const char *raw_uri;       /* as received, for the access log */
    const char *remote_addr;
    struct http_params query;
    struct http_params form;   /* urlencoded or multipart text fields of a POST */
    struct http_params cookies;
    struct http_params route;  /* {name} segments matched by the router */
    struct http_upload *uploads;
    size_t upload_count;
    const char *body;          /* raw body (NUL-terminated), body_len bytes */
    size_t body_len;
    const char *content_type;
    void *worker;              /* the application's per-worker context (see server.h) */
    void *app;                 /* free for the application: per-request state (language, user) */
    void *native;              /* the server's own request object */
    void *server;              /* the server's worker, and a deferral (see server.h) */
    void *deferred;
};

struct http_header {
    const char *name;
    const char *value;
};

struct http_response {
    int status;
    const char *content_type;   /* default text/html; charset=utf-8 */
    struct strbuf body;
    struct http_header headers[16];
    size_t header_count;
    const char *cache_control;  /* default "no-store" for pages */
    bool compressible;          /* gzip when the client accepts it (default true) */
    /* Static bytes sent instead of body, without a copy (embedded assets); with their gzip form
     * when there is one. They must outlive the response: static or process-lifetime memory. */
    const void *fixed_body;
    size_t fixed_len;
    const void *fixed_gzip;
    size_t fixed_gzip_len;
};

/* Lookups return NULL when absent; the first of several equal names wins. */
const char *http_params_get(const struct http_params *p, const char *name);
const char *http_query(const struct http_request *r, const char *name);
const char *http_form(const struct http_request *r, const char *name);
const char *http_cookie(const struct http_request *r, const char *name);
const char *http_route(const struct http_request *r, const char *name);
const char *http_header_in(const struct http_request *r, const char *name);
const struct http_upload *http_upload_get(const struct http_request *r, const char *field);

void http_set_header(struct http_response *res, const char *name, const char *value);
/* Adds a header even when one of that name is there: Set-Cookie, once per cookie. */
void http_add_header(struct http_response *res, const char *name, const char *value);
/* A redirect after a POST (303) or elsewhere (302); location must be a local path. */
void http_redirect(struct http_response *res, int status, const char *location);

const char *http_status_reason(int status);

#endif

#include "http/http.h"

#include <string.h>
#include <strings.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

const char *http_params_get(const struct http_params *p, const char *name)
{
    for (size_t i = 0; i < p->count; i++)
        if (strcmp(p->items[i].name, name) == 0) return p->items[i].value;
    return NULL;
}

const char *http_query(const struct http_request *r, const char *name)
{
    return http_params_get(&r->query, name);
}

const char *http_form(const struct http_request *r, const char *name)
{
    return http_params_get(&r->form, name);
}

const char *http_cookie(const struct http_request *r, const char *name)
{
    return http_params_get(&r->cookies, name);
}

const char *http_route(const struct http_request *r, const char *name)
{
    return http_params_get(&r->route, name);
}

const char *http_header_in(const struct http_request *r, const char *name)
{
    if (!r->native) return NULL;
    return evhttp_find_header(evhttp_request_get_input_headers(r->native), name);
}

const struct http_upload *http_upload_get(const struct http_request *r, const char *field)
{
    for (size_t i = 0; i < r->upload_count; i++)
        if (strcmp(r->uploads[i].field, field) == 0) return &r->uploads[i];
    return NULL;
}

void http_set_header(struct http_response *res, const char *name, const char *value)
{
    for (size_t i = 0; i < res->header_count; i++) {
        if (strcasecmp(res->headers[i].name, name) == 0) {
            res->headers[i].value = value;
            return;
        }
    }
    if (res->header_count < sizeof res->headers / sizeof res->headers[0]) {
        res->headers[res->header_count].name = name;
        res->headers[res->header_count].value = value;
        res->header_count++;
    }
}

void http_add_header(struct http_response *res, const char *name, const char *value)
{
    if (res->header_count < sizeof res->headers / sizeof res->headers[0]) {
        res->headers[res->header_count].name = name;
        res->headers[res->header_count].value = value;
        res->header_count++;
    }
}

void http_redirect(struct http_response *res, int status, const char *location)
{
    /* Only local paths: an open redirect would let a link on our domain send people anywhere. */
    if (!location || location[0] != '/' || location[1] == '/' || location[1] == '\\') location = "/";
    res->status = status;
    http_set_header(res, "Location", location);
    strbuf_reset(&res->body);
}

const char *http_status_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
    }
}

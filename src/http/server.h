/* server: the HTTP/1.1 server on libevent's evhttp.
 *
 * Workers share nothing on the hot path: each worker thread has its own event loop, its own
 * listening socket on the same port (SO_REUSEPORT, so the kernel spreads connections), its own
 * arena for requests and its own application context (the database connection). The server parses
 * each request (query, cookies, urlencoded and multipart bodies, within limits), calls the one
 * handler it was given, then adds the security headers, compresses when the client accepts gzip,
 * sends, logs one line, and frees the request's arena.
 *
 * http_server_run() blocks until SIGTERM or SIGINT, then stops accepting, lets requests in flight
 * finish (up to drain_seconds), and returns 0. */
#ifndef EDUBRIDGE_SERVER_H
#define EDUBRIDGE_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "http/router.h"

struct http_server_config {
    const char *host;            /* numeric IPv4 or IPv6 address */
    int port;                    /* 0: an ephemeral port, printed on start */
    int workers;                 /* 0: one per CPU */
    size_t max_body;             /* larger bodies get 413 unread; 0: 8 MiB */
    size_t max_upload_parts;     /* multipart parts; 0: 200 */
    int drain_seconds;           /* 0: 10 */
    bool access_log;
    /* Called on each worker thread before it serves; returns the context put in request->worker. */
    void *(*worker_start)(int index, struct err *e);
    void (*worker_stop)(void *worker);
    /* Called for every request with a parsed request and a response to fill. */
    http_handler handle;
    /* Called when a request cannot be parsed (bad body, bad query): status and a plain message.
     * The application renders its error page into res. */
    void (*handle_error)(struct http_request *req, struct http_response *res, int status,
                         const char *message);
    /* Written on standard output once every worker listens: "…http://HOST:PORT". */
    const char *ready_message;
};

int http_server_run(const struct http_server_config *config, struct err *e);

/* Deferred responses, for work that is cheaper done for many requests at once (grouping the
 * commits of many submissions into one). A handler calls http_defer() and returns without a
 * response; the request stays open and nothing of its arena may be kept. Later, on the same
 * worker thread, http_deferred_send() answers it (with the usual security headers and access-log
 * line) and frees the deferral. */
struct http_deferred;
struct http_deferred *http_defer(struct http_request *req);
void http_deferred_send(struct http_deferred *d, int status, const char *content_type,
                        const char *body, size_t len, const char *location);
/* Runs fn(arg) on the request's worker thread once the events now ready have been handled, so that
 * requests arriving together are handled together. */
void http_call_soon(struct http_request *req, void (*fn)(void *arg), void *arg);

/* The header values sent with every response (exposed for tests and documentation). */
extern const char http_csp[];

#endif

#include "http/server.h"

#include "base/log.h"
#include "base/str.h"
#include "base/timeutil.h"
#include "http/compress.h"
#include "http/multipart.h"
#include "http/params.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>

/* No inline script or style anywhere: pages use the one stylesheet and the optional scripts served
 * from /static, so 'self' is all a page needs and injected markup cannot run. */
const char http_csp[] = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
                        "form-action 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'";

enum { GZIP_MIN_BYTES = 512 };

struct worker {
    int index;
    pthread_t thread;
    const struct http_server_config *cfg;
    struct event_base *base;
    struct evhttp *http;
    struct evhttp_bound_socket *bound;
    struct evbuffer *out;      /* reused for every response: evhttp_send_reply empties it */
    struct gzip_stream *gzip;  /* reused for every compressed response */
    struct arena arena;        /* the request's arena, reset after each response */
    void *app;
    int inflight;              /* requests whose response is not yet fully written */
    int64_t last_request_us;   /* when a request last arrived whole */
    struct event *drain_timer;
    int64_t drain_start_us, drain_deadline_us;
};

/* --- request parsing ----------------------------------------------------------------------- */

static enum http_method method_of(enum evhttp_cmd_type cmd, const char **name)
{
    switch (cmd) {
    case EVHTTP_REQ_GET: *name = "GET"; return HTTP_GET;
    case EVHTTP_REQ_HEAD: *name = "HEAD"; return HTTP_HEAD;
    case EVHTTP_REQ_POST: *name = "POST"; return HTTP_POST;
    case EVHTTP_REQ_PUT: *name = "PUT"; return HTTP_PUT;
    case EVHTTP_REQ_DELETE: *name = "DELETE"; return HTTP_DELETE;
    case EVHTTP_REQ_PATCH: *name = "PATCH"; return HTTP_PATCH;
    case EVHTTP_REQ_OPTIONS: *name = "OPTIONS"; return HTTP_OPTIONS;
    default: *name = "OTHER"; return 0;
    }
}

struct multipart_collect {
    struct http_request *req;
    struct err *e;
    size_t fields_cap, uploads_cap;
    struct multipart_part_info info;
    struct strbuf data;
};

static int mp_begin(void *ctx, const struct multipart_part_info *info)
{
    struct multipart_collect *mc = ctx;
    struct arena *a = mc->req->arena;
    mc->info.name = arena_strdup(a, info->name);
    mc->info.filename = info->filename ? arena_strdup(a, info->filename) : NULL;
    mc->info.content_type = arena_strdup(a, info->content_type);
    strbuf_init(&mc->data, a, 256);
    return 0;
}

static int mp_data(void *ctx, const char *data, size_t len)
{
    struct multipart_collect *mc = ctx;
    strbuf_append(&mc->data, data, len);
    return 0;
}

static int mp_end(void *ctx)
{
    struct multipart_collect *mc = ctx;
    struct http_request *r = mc->req;
    struct arena *a = r->arena;
    if (mc->info.filename) {
        if (r->upload_count == mc->uploads_cap) {
            mc->uploads_cap = mc->uploads_cap ? mc->uploads_cap * 2 : 4;
            struct http_upload *u = arena_alloc(a, mc->uploads_cap * sizeof *u);
            if (r->upload_count) memcpy(u, r->uploads, r->upload_count * sizeof *u);
            r->uploads = u;
        }
        r->uploads[r->upload_count++] = (struct http_upload){
            mc->info.name, mc->info.filename, mc->info.content_type, mc->data.data, mc->data.len};
    } else {
        if (!str_utf8_valid(mc->data.data, mc->data.len))
            return err_set(mc->e, ERR_INVALID, "the form field '%s' is not valid UTF-8", mc->info.name);
        if (r->form.count == mc->fields_cap) {
            mc->fields_cap = mc->fields_cap ? mc->fields_cap * 2 : 8;
            struct http_param *p = arena_alloc(a, mc->fields_cap * sizeof *p);
            if (r->form.count) memcpy(p, r->form.items, r->form.count * sizeof *p);
            r->form.items = p;
        }
        r->form.items[r->form.count++] = (struct http_param){mc->info.name, mc->data.data};
    }
    return 0;
}

static int parse_multipart(struct worker *w, struct http_request *r, struct err *e)
{
    char *boundary = multipart_boundary(r->content_type, e);
    if (!boundary) return -1;
    struct multipart_collect mc = {.req = r, .e = e};
    struct multipart_callbacks cb = {mp_begin, mp_data, mp_end, &mc};
    struct multipart_limits lim = {w->cfg->max_upload_parts ? w->cfg->max_upload_parts : 200, 8192};
    struct multipart_parser *mp = multipart_new(boundary, &cb, &lim);
    if (!mp) {
        free(boundary);
        return err_set(e, ERR_INVALID, "the multipart boundary is not valid");
    }
    int rc = multipart_feed(mp, r->body, r->body_len, e);
    if (rc == 0) rc = multipart_finish(mp, e);
    multipart_free(mp);
    free(boundary);
    return rc;
}

/* Fills r from the evhttp request. Returns an HTTP status other than 0 when the request is bad. */
static int parse_request(struct worker *w, struct evhttp_request *ev, struct http_request *r,
                         struct err *e)
{
    struct arena *a = r->arena;
    r->native = ev;
    r->worker = w->app;
    r->method = method_of(evhttp_request_get_command(ev), &r->method_name);
    const char *uri = evhttp_request_get_uri(ev);
    r->raw_uri = uri;
    struct evhttp_connection *conn = evhttp_request_get_connection(ev);
    char *peer = NULL;
    ev_uint16_t peer_port = 0;
    if (conn) evhttp_connection_get_peer(conn, &peer, &peer_port);
    r->remote_addr = peer ? peer : "-";

    if (!r->method) {
        err_set(e, ERR_INVALID, "method not supported");
        return 405;
    }
    if (!uri || uri[0] != '/') {
        err_set(e, ERR_INVALID, "the address must start with '/'");
        return 400;
    }
    size_t path_len = strcspn(uri, "?#");
    char *path = str_url_decode(a, uri, path_len, false);
    /* A decoded NUL would cut the path short of what was asked for: refuse it. */
    bool has_nul = false;
    for (size_t i = 0; i + 2 < path_len; i++)
        if (uri[i] == '%' && uri[i + 1] == '0' && uri[i + 2] == '0') has_nul = true;
    if (!path || has_nul || !str_utf8_valid(path, strlen(path))) {
        err_set(e, ERR_INVALID, "the address is not valid (a bad %% escape, or not UTF-8)");
        return 400;
    }
    r->path = path;
    if (uri[path_len] == '?') {
        const char *q = uri + path_len + 1;
        size_t qlen = strcspn(q, "#");
        if (params_parse_urlencoded(a, q, qlen, &r->query, e) < 0) return 400;
    }
    struct evkeyvalq *headers = evhttp_request_get_input_headers(ev);
    const char *cookie = evhttp_find_header(headers, "Cookie");
    if (cookie) params_parse_cookies(a, cookie, &r->cookies);

    struct evbuffer *in = evhttp_request_get_input_buffer(ev);
    size_t len = evbuffer_get_length(in);
    char *body = arena_alloc(a, len + 1);
    if (len) evbuffer_remove(in, body, len);
    body[len] = '\0';
    r->body = body;
    r->body_len = len;
    r->content_type = evhttp_find_header(headers, "Content-Type");
    if (len && r->content_type) {
        if (strncasecmp(r->content_type, "application/x-www-form-urlencoded", 33) == 0) {
            if (params_parse_urlencoded(a, body, len, &r->form, e) < 0) return 400;
        } else if (strncasecmp(r->content_type, "multipart/form-data", 19) == 0) {
            if (parse_multipart(w, r, e) < 0) return e->code == ERR_LIMIT ? 413 : 400;
        }
    }
    return 0;
}

/* --- response ------------------------------------------------------------------------------ */

static void add_security_headers(struct evkeyvalq *h)
{
    evhttp_add_header(h, "Content-Security-Policy", http_csp);
    evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
    evhttp_add_header(h, "X-Frame-Options", "DENY"); /* old browsers that predate frame-ancestors */
    evhttp_add_header(h, "Referrer-Policy", "same-origin");
    evhttp_add_header(h, "Cross-Origin-Opener-Policy", "same-origin");
    evhttp_add_header(h, "Permissions-Policy", "camera=(), microphone=(), geolocation=(self)");
}

static void send_response(struct worker *w, struct http_request *r, struct http_response *res)
{
    struct evhttp_request *ev = r->native;
    struct evkeyvalq *h = evhttp_request_get_output_headers(ev);
    add_security_headers(h);
    evhttp_add_header(h, "Content-Type", res->content_type ? res->content_type : "text/html; charset=utf-8");
    evhttp_add_header(h, "Cache-Control", res->cache_control ? res->cache_control : "no-store");
    for (size_t i = 0; i < res->header_count; i++)
        evhttp_add_header(h, res->headers[i].name, res->headers[i].value);

    const void *body = res->fixed_body ? res->fixed_body : res->body.data;
    size_t len = res->fixed_body ? res->fixed_len : res->body.len;
    bool no_body = res->status == 204 || res->status == 304;
    if (res->compressible && len >= GZIP_MIN_BYTES && !no_body) {
        evhttp_add_header(h, "Vary", "Accept-Encoding");
        const char *ae = evhttp_find_header(evhttp_request_get_input_headers(ev), "Accept-Encoding");
        if (params_accepts_gzip(ae)) {
            if (res->fixed_gzip) {
                body = res->fixed_gzip;
                len = res->fixed_gzip_len;
                evhttp_add_header(h, "Content-Encoding", "gzip");
            } else {
                void *gz;
                size_t gzlen = compress_gzip(w->gzip, r->arena, body, len, &gz);
                if (gzlen) {
                    body = gz;
                    len = gzlen;
                    evhttp_add_header(h, "Content-Encoding", "gzip");
                }
            }
        }
    }
    if (no_body) len = 0;
    if (r->method == HTTP_HEAD) {
        /* Same headers as GET, no body: say its length ourselves. */
        char n[32];
        snprintf(n, sizeof n, "%zu", len);
        evhttp_add_header(h, "Content-Length", n);
    } else if (len) {
        if (body == res->fixed_body || body == res->fixed_gzip)
            evbuffer_add_reference(w->out, body, len, NULL, NULL);
        else
            evbuffer_add(w->out, body, len);
    }
    evhttp_send_reply(ev, res->status, http_status_reason(res->status), w->out);
    evbuffer_drain(w->out, evbuffer_get_length(w->out));
    res->body.len = len; /* bytes sent, for the access log */
}

static void on_complete(struct evhttp_request *ev, void *arg)
{
    (void)ev;
    struct worker *w = arg;
    w->inflight--;
}

static void on_request(struct evhttp_request *ev, void *arg)
{
    struct worker *w = arg;
    const struct http_server_config *cfg = w->cfg;
    int64_t t0 = time_monotonic_us();
    w->inflight++;
    w->last_request_us = t0;
    evhttp_request_set_on_complete_cb(ev, on_complete, w);

    struct http_request req;
    memset(&req, 0, sizeof req);
    req.arena = &w->arena;
    req.server = w;
    struct http_response res;
    memset(&res, 0, sizeof res);
    res.status = 200;
    res.compressible = true;
    strbuf_init(&res.body, &w->arena, 8192);

    struct err e;
    err_clear(&e);
    int bad = parse_request(w, ev, &req, &e);
    if (bad) {
        res.status = bad;
        if (cfg->handle_error) cfg->handle_error(&req, &res, bad, e.msg);
        else strbuf_puts(&res.body, e.msg);
    } else {
        cfg->handle(&req, &res);
    }
    if (req.deferred && !bad) {
        arena_reset(&w->arena); /* the deferral kept its own copies */
        return;
    }
    send_response(w, &req, &res);

    if (cfg->access_log) {
        char line[1024];
        int n = snprintf(line, sizeof line, "%s \"%s %s\" %d %zu %.2fms", req.remote_addr,
                         req.method_name ? req.method_name : "-", req.raw_uri ? req.raw_uri : "-",
                         res.status, res.body.len, (double)(time_monotonic_us() - t0) / 1000.0);
        if (n > 0) log_line(line, (unsigned long)((size_t)n < sizeof line ? (size_t)n : sizeof line - 1));
    }
    arena_reset(&w->arena);
}

/* --- deferred responses --------------------------------------------------------------------- */

struct http_deferred {
    struct worker *w;
    struct evhttp_request *ev;
    enum http_method method;
    int64_t t0;
    char line[512]; /* the access log's "ADDR "METHOD URI"", written when the answer goes */
};

struct http_deferred *http_defer(struct http_request *req)
{
    struct http_deferred *d = calloc(1, sizeof *d);
    if (!d) abort();
    d->w = req->server;
    d->ev = req->native;
    d->method = req->method;
    d->t0 = time_monotonic_us();
    snprintf(d->line, sizeof d->line, "%s \"%s %s\"", req->remote_addr, req->method_name, req->raw_uri);
    req->deferred = d;
    return d;
}

void http_deferred_send(struct http_deferred *d, int status, const char *content_type,
                        const char *body, size_t len, const char *location)
{
    struct worker *w = d->w;
    struct arena a;
    arena_init(&a, 4096);
    struct http_request req;
    memset(&req, 0, sizeof req);
    req.arena = &a;
    req.native = d->ev;
    req.method = d->method;
    struct http_response res;
    memset(&res, 0, sizeof res);
    res.status = status;
    res.content_type = content_type;
    res.compressible = false; /* short answers: not worth compressing */
    strbuf_init(&res.body, &a, len + 1);
    strbuf_append(&res.body, body, len);
    if (location) http_set_header(&res, "Location", location);
    send_response(w, &req, &res);
    if (w->cfg->access_log) {
        char line[1024];
        int n = snprintf(line, sizeof line, "%s %d %zu %.2fms", d->line, status, res.body.len,
                         (double)(time_monotonic_us() - d->t0) / 1000.0);
        if (n > 0) log_line(line, (unsigned long)((size_t)n < sizeof line ? (size_t)n : sizeof line - 1));
    }
    arena_free(&a);
    free(d);
}

struct soon {
    void (*fn)(void *);
    void *arg;
};

static void run_soon(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct soon s = *(struct soon *)arg;
    free(arg);
    s.fn(s.arg);
}

void http_call_soon(struct http_request *req, void (*fn)(void *arg), void *arg)
{
    struct worker *w = req->server;
    struct soon *s = malloc(sizeof *s);
    if (!s) abort();
    s->fn = fn;
    s->arg = arg;
    struct timeval zero = {0, 0};
    if (event_base_once(w->base, -1, EV_TIMEOUT, run_soon, s, &zero) < 0) {
        free(s); /* cannot wait: run it now rather than leave the deferred requests unanswered */
        fn(arg);
    }
}

/* --- listening, workers, stopping ------------------------------------------------------------ */

static int open_listener(const char *host, int port, struct err *e)
{
    struct sockaddr_storage ss;
    socklen_t sslen;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)port);
        sslen = sizeof *s4;
    } else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        sslen = sizeof *s6;
    } else {
        return err_set(e, ERR_INVALID, "'%s' is not a numeric IP address (use 127.0.0.1 or ::1, for example)", host);
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return err_set(e, ERR_IO, "cannot create a socket: %s", strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) {
        close(fd);
        return err_set(e, ERR_IO, "SO_REUSEPORT is not available: %s", strerror(errno));
    }
    if (bind(fd, (struct sockaddr *)&ss, sslen) < 0 || listen(fd, 1024) < 0) {
        int saved = errno;
        close(fd);
        return err_set(e, ERR_IO, "cannot listen on %s:%d: %s", host, port, strerror(saved));
    }
    return fd;
}

static int bound_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) return -1;
    if (ss.ss_family == AF_INET) return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

/* libevent 2.1 tells a server nothing about a request until it has arrived whole, so a request
 * whose body is still arriving is invisible here. The drain therefore waits for a quiet spell as
 * well as for the responses in flight: it ends once no response is pending and no request has
 * arrived for DRAIN_QUIET_US, or at the deadline. */
enum { DRAIN_QUIET_US = 500 * 1000 };

static void drain_check(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct worker *w = arg;
    int64_t now = time_monotonic_us();
    int64_t last = w->last_request_us > w->drain_start_us ? w->last_request_us : w->drain_start_us;
    bool quiet = w->inflight <= 0 && now - last >= DRAIN_QUIET_US;
    if (quiet || now >= w->drain_deadline_us) {
        if (w->inflight > 0) log_warn("worker %d: stopping with %d responses unfinished", w->index, w->inflight);
        event_base_loopexit(w->base, NULL);
        return;
    }
    struct timeval tv = {0, 20000};
    evtimer_add(w->drain_timer, &tv);
}

/* Runs on the worker's own thread (scheduled by the main thread): stop accepting, then wait for
 * the responses in flight. */
static void begin_drain(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct worker *w = arg;
    if (w->bound) {
        evhttp_del_accept_socket(w->http, w->bound);
        w->bound = NULL;
    }
    int secs = w->cfg->drain_seconds > 0 ? w->cfg->drain_seconds : 10;
    w->drain_start_us = time_monotonic_us();
    w->drain_deadline_us = w->drain_start_us + (int64_t)secs * 1000000;
    w->drain_timer = evtimer_new(w->base, drain_check, w);
    drain_check(-1, 0, w);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    event_base_dispatch(w->base);
    return NULL;
}

static void worker_free(struct worker *w)
{
    if (w->drain_timer) event_free(w->drain_timer);
    if (w->http) evhttp_free(w->http);
    if (w->out) evbuffer_free(w->out);
    gzip_stream_free(w->gzip);
    if (w->base) event_base_free(w->base);
    if (w->app && w->cfg->worker_stop) w->cfg->worker_stop(w->app);
    arena_free(&w->arena);
}

static int worker_setup(struct worker *w, int fd, struct err *e)
{
    const struct http_server_config *cfg = w->cfg;
    arena_init(&w->arena, 64 * 1024);
    w->base = event_base_new();
    w->http = w->base ? evhttp_new(w->base) : NULL;
    w->out = evbuffer_new();
    w->gzip = gzip_stream_new(6);
    if (!w->http || !w->out) return err_set(e, ERR_INTERNAL, "cannot create the event loop");
    evhttp_set_max_body_size(w->http, (ev_ssize_t)(cfg->max_body ? cfg->max_body : 8u << 20));
    evhttp_set_max_headers_size(w->http, 32 * 1024);
    evhttp_set_timeout(w->http, 60);
    evhttp_set_allowed_methods(w->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
                                            EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH |
                                            EVHTTP_REQ_OPTIONS);
    evhttp_set_gencb(w->http, on_request, w);
    w->bound = evhttp_accept_socket_with_handle(w->http, fd);
    if (!w->bound) {
        close(fd);
        return err_set(e, ERR_IO, "cannot accept on the listening socket");
    }
    if (cfg->worker_start) {
        w->app = cfg->worker_start(w->index, e);
        if (!w->app) return -1;
    }
    return 0;
}

int http_server_run(const struct http_server_config *cfg, struct err *e)
{
    evthread_use_pthreads();
    int nworkers = cfg->workers > 0 ? cfg->workers : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (nworkers < 1) nworkers = 1;
    if (nworkers > 256) nworkers = 256;

    /* Signals go to the main thread only: block them before any worker exists. */
    sigset_t stop_signals, old;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, &old);
    signal(SIGPIPE, SIG_IGN);

    struct worker *workers = calloc((size_t)nworkers, sizeof *workers);
    if (!workers) abort();
    int rc = 0, started = 0, port = cfg->port;
    for (int i = 0; i < nworkers; i++) {
        struct worker *w = &workers[i];
        w->index = i;
        w->cfg = cfg;
        /* The first socket may take an ephemeral port; the others join it on the same port. */
        int fd = open_listener(cfg->host, port, e);
        if (fd < 0) {
            rc = -1;
            goto stop;
        }
        if (i == 0) port = bound_port(fd);
        if (worker_setup(w, fd, e) < 0) {
            rc = -1;
            worker_free(w);
            memset(w, 0, sizeof *w);
            goto stop;
        }
    }
    for (; started < nworkers; started++) {
        if (pthread_create(&workers[started].thread, NULL, worker_main, &workers[started]) != 0) {
            err_set(e, ERR_INTERNAL, "cannot start worker thread %d", started);
            rc = -1;
            goto stop;
        }
    }
    if (cfg->ready_message) {
        const char *shown = strchr(cfg->host, ':') ? "[%s]" : "%s";
        char hostbuf[80];
        snprintf(hostbuf, sizeof hostbuf, shown, cfg->host);
        printf("%s http://%s:%d/ (%d workers; Ctrl-C stops)\n", cfg->ready_message, hostbuf, port, nworkers);
        fflush(stdout);
    }
    log_info("listening on %s port %d with %d workers", cfg->host, port, nworkers);

    int sig = 0;
    sigwait(&stop_signals, &sig);
    log_info("%s received: finishing requests in flight", sig == SIGTERM ? "SIGTERM" : "SIGINT");

stop:
    for (int i = 0; i < started; i++) {
        struct timeval now = {0, 0};
        event_base_once(workers[i].base, -1, EV_TIMEOUT, begin_drain, &workers[i], &now);
    }
    for (int i = 0; i < started; i++) pthread_join(workers[i].thread, NULL);
    for (int i = 0; i < nworkers; i++)
        if (workers[i].cfg) worker_free(&workers[i]);
    free(workers);
    /* A second Ctrl-C during the drain is pending now: consume it rather than die of it. */
    struct timespec zero = {0, 0};
    while (sigtimedwait(&stop_signals, NULL, &zero) > 0) {}
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc == 0) log_info("stopped");
    return rc;
}

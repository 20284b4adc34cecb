#include "auth/mailer.h"

#include "auth/mail_message.h"
#include "auth/outbox.h"
#include "base/arena.h"
#include "base/log.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int mailer_config_check(const struct mailer_config *c, struct err *e)
{
    if (!c->url || (!str_starts_with(c->url, "smtp://") && !str_starts_with(c->url, "smtps://")))
        return err_set(e, ERR_INVALID, "the SMTP address must start with smtp:// or smtps://");
    for (const char *p = c->url; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f)
            return err_set(e, ERR_INVALID, "the SMTP address cannot hold spaces or control characters");
    if (!c->from || !*c->from) return err_set(e, ERR_INVALID, "sending mail needs a sender address (--smtp-from)");
    if (!mail_address_ok(c->from))
        return err_set(e, ERR_INVALID, "the sender address '%.100s' is not one mail can use", c->from);
    if (c->insecure && str_starts_with(c->url, "smtps://"))
        return err_set(e, ERR_INVALID, "--smtp-insecure goes with smtp:// only: smtps:// is always TLS");
    return 0;
}

int mailer_global_init(struct err *e)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return err_set(e, ERR_INTERNAL, "libcurl could not start");
    return 0;
}

void mailer_global_cleanup(void)
{
    curl_global_cleanup();
}

int64_t mailer_retry_delay_s(const struct mailer_config *c, int attempts)
{
    int64_t d = c->retry_s > 0 ? c->retry_s : MAILER_RETRY_S_DEFAULT;
    for (int i = 1; i < attempts && d < MAILER_RETRY_MAX_S; i++) d *= 2;
    return d < MAILER_RETRY_MAX_S ? d : MAILER_RETRY_MAX_S;
}

static int max_tries(const struct mailer_config *c)
{
    return c->max_tries > 0 ? c->max_tries : MAILER_MAX_TRIES_DEFAULT;
}

struct upload {
    const char *data;
    size_t len, pos;
};

static size_t read_upload(char *buf, size_t size, size_t nitems, void *ctx)
{
    struct upload *u = ctx;
    size_t n = size * nitems, left = u->len - u->pos;
    if (n > left) n = left;
    memcpy(buf, u->data + u->pos, n);
    u->pos += n;
    return n;
}

/* Non-zero cuts the transfer: set when the server stops. */
static int progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    const atomic_bool *stop = ctx;
    return stop && atomic_load(stop) ? 1 : 0;
}

static int send_message(const struct mailer_config *c, const char *to, const char *message,
                        const atomic_bool *stop, struct err *e)
{
    if (!mail_address_ok(to)) return err_set(e, ERR_INVALID, "the recipient's address is not one mail can use");
    CURL *curl = curl_easy_init();
    if (!curl) return err_set(e, ERR_INTERNAL, "libcurl could not start a transfer");
    char from[MAIL_ADDRESS_MAX + 3], rcpt[MAIL_ADDRESS_MAX + 3], errbuf[CURL_ERROR_SIZE] = "";
    snprintf(from, sizeof from, "<%s>", c->from);
    snprintf(rcpt, sizeof rcpt, "<%s>", to);
    struct curl_slist *rcpts = curl_slist_append(NULL, rcpt);
    struct upload up = {message, strlen(message), 0};
    curl_easy_setopt(curl, CURLOPT_URL, c->url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpts);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_upload);
    curl_easy_setopt(curl, CURLOPT_READDATA, &up);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)up.len);
    /* smtp:// must upgrade with STARTTLS or fail: a password or a reset link never crosses the
     * network in clear, unless the operator said the relay is local (--smtp-insecure). */
    if (!c->insecure) curl_easy_setopt(curl, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    if (c->user && *c->user) {
        curl_easy_setopt(curl, CURLOPT_USERNAME, c->user);
        curl_easy_setopt(curl, CURLOPT_PASSWORD, c->password ? c->password : "");
    }
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM for DNS timeouts */
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 20L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)MAILER_TIMEOUT_S);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, (void *)stop);
    CURLcode cc = curl_easy_perform(curl);
    long code = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(rcpts);
    curl_easy_cleanup(curl);
    if (cc == CURLE_OK) return 0;
    const char *why = errbuf[0] ? errbuf : curl_easy_strerror(cc);
    if (code) return err_set(e, ERR_IO, "SMTP %ld: %.400s", code, why);
    return err_set(e, ERR_IO, "%.400s", why);
}

int mailer_send_message(const struct mailer_config *c, const char *to, const char *message, struct err *e)
{
    return send_message(c, to, message, NULL, e);
}

/* One line of text for the outbox: the server's words without line breaks. */
static void one_line(char *s)
{
    for (; *s; s++)
        if (*s == '\r' || *s == '\n' || *s == '\t') *s = ' ';
}

static int send_due(struct store *st, const struct mailer_config *c, bool ignore_delay, const atomic_bool *stop,
                    struct mailer_result *r, struct err *e)
{
    struct mailer_result zero = {0, 0, 0};
    if (r) *r = zero;
    struct arena a;
    arena_init(&a, 0);
    int rc = 0;
    /* Each message is claimed once per run: a failure leaves it for a later run, not this one. */
    for (int guard = 0; guard < 10000 && !(stop && atomic_load(stop)); guard++) {
        arena_reset(&a);
        struct outbox_message m;
        int64_t now = time_now_ms();
        rc = outbox_claim(st, &a, now, max_tries(c), MAILER_LEASE_S, ignore_delay, &m, e);
        if (rc <= 0) break;
        if (ignore_delay && m.attempts >= max_tries(c)) break;
        struct strbuf msg;
        strbuf_init(&msg, &a, 1024);
        struct mail_message mm = {c->from, m.to_addr, m.subject, m.body, m.id, now};
        struct err why;
        err_clear(&why);
        int sent = mail_message_format(&msg, &mm, &why);
        if (sent == 0) sent = send_message(c, m.to_addr, msg.data, stop, &why);
        now = time_now_ms();
        if (sent == 0) {
            rc = outbox_mark_sent(st, m.id, now, e);
            if (r) r->sent++;
            log_info("mail: sent message %s", m.id);
        } else {
            int tries = m.attempts + 1;
            bool final = tries >= max_tries(c) || sent == ERR_INVALID; /* a malformed message stays so */
            one_line(why.msg);
            char *text = final ? arena_printf(&a, "%s (gave up after %d tries)", why.msg, tries)
                               : arena_printf(&a, "%s (try %d of %d)", why.msg, tries, max_tries(c));
            int64_t retry = final ? 0 : now + mailer_retry_delay_s(c, tries) * 1000;
            rc = outbox_mark_failed(st, m.id, text, retry, e);
            if (final && rc == 0 && sent == ERR_INVALID) {
                /* Never tried again: the row is past its tries. */
                struct store_stmt *s = store_prepare(st, "UPDATE outbox SET attempts = ? WHERE id = ?", e);
                if (s) {
                    store_bind_int(s, 1, max_tries(c));
                    store_bind_text(s, 2, m.id);
                    rc = store_run(s, e);
                    store_done(s);
                } else {
                    rc = -1;
                }
            }
            if (r) r->failed++, r->gave_up += final;
            log_warn("mail: message %s not sent: %s", m.id, text);
        }
        if (rc < 0) break;
    }
    arena_free(&a);
    return rc < 0 ? rc : 0;
}

int mailer_send_due(struct store *st, const struct mailer_config *c, bool ignore_delay,
                    struct mailer_result *r, struct err *e)
{
    return send_due(st, c, ignore_delay, NULL, r, e);
}

/* --- the server's thread ------------------------------------------------------------------------ */

struct mailer {
    const struct mailer_config *config;
    struct store *store;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool woken;
    atomic_bool stop;
};

static void *run(void *arg)
{
    struct mailer *m = arg;
    int poll_s = MAILER_POLL_S;
    if (m->config->retry_s > 0 && m->config->retry_s < poll_s) poll_s = m->config->retry_s;
    while (!atomic_load(&m->stop)) {
        struct err e;
        err_clear(&e);
        if (send_due(m->store, m->config, false, &m->stop, NULL, &e) < 0) log_error("mail: %s", e.msg);
        pthread_mutex_lock(&m->lock);
        if (!m->woken && !atomic_load(&m->stop)) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += poll_s;
            pthread_cond_timedwait(&m->wake, &m->lock, &until);
        }
        m->woken = false;
        pthread_mutex_unlock(&m->lock);
    }
    return NULL;
}

void mailer_wake(struct mailer *m)
{
    if (!m) return;
    pthread_mutex_lock(&m->lock);
    m->woken = true;
    pthread_cond_signal(&m->wake);
    pthread_mutex_unlock(&m->lock);
}

static void notify(void *ctx)
{
    mailer_wake(ctx);
}

struct mailer *mailer_start(const struct mailer_config *c, const char *db_target, struct err *e)
{
    if (mailer_config_check(c, e) < 0) return NULL;
    struct mailer *m = calloc(1, sizeof *m);
    if (!m) {
        err_set(e, ERR_INTERNAL, "out of memory");
        return NULL;
    }
    m->config = c;
    atomic_init(&m->stop, false);
    struct store_options opt = {.read_only = false, .create = false, .busy_timeout_ms = 5000};
    m->store = store_open(db_target, &opt, e);
    if (!m->store) {
        free(m);
        return NULL;
    }
    pthread_mutex_init(&m->lock, NULL);
    pthread_cond_init(&m->wake, NULL);
    /* Signals are the main thread's (http/server.c): the sender blocks them all. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&m->thread, NULL, run, m);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        err_set(e, ERR_INTERNAL, "could not start the mail sender: %s", strerror(rc));
        pthread_cond_destroy(&m->wake);
        pthread_mutex_destroy(&m->lock);
        store_close(m->store);
        free(m);
        return NULL;
    }
    outbox_set_notify(notify, m);
    return m;
}

void mailer_stop(struct mailer *m)
{
    if (!m) return;
    outbox_set_notify(NULL, NULL);
    atomic_store(&m->stop, true);
    mailer_wake(m);
    pthread_join(m->thread, NULL);
    pthread_cond_destroy(&m->wake);
    pthread_mutex_destroy(&m->lock);
    store_close(m->store);
    free(m);
}

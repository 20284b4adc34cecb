/* mailer: sends the outbox over SMTP with libcurl, when a mail server is configured.
 *
 * Each message is claimed (outbox_claim), formatted (auth/mail_message.h) and handed to the
 * server given by url: smtps:// is TLS from the first byte; smtp:// must upgrade with STARTTLS
 * unless insecure is set (a relay on the same machine or network). The result goes back to the
 * outbox with its audit entry: sent_at, or the error and the time of the next try, each failure
 * doubling the wait from retry_s, until max_tries have failed; the error then stays on
 * /admin/outbox. Credentials come from the environment (EDUBRIDGE_SMTP_USER and
 * EDUBRIDGE_SMTP_PASSWORD, read by the command line), never from arguments that `ps` shows.
 *
 * The server sends from a thread of its own (mailer_start) with its own database connection, so
 * that a slow mail server never holds an event loop: it wakes when outbox_notify is called and
 * every few seconds. `edubridge outbox send` calls mailer_send_due once. */
#ifndef EDUBRIDGE_MAILER_H
#define EDUBRIDGE_MAILER_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "store/store.h"

enum {
    MAILER_MAX_TRIES_DEFAULT = 5,
    MAILER_RETRY_S_DEFAULT = 300,   /* 5, 10, 20, 40 minutes between the tries */
    MAILER_RETRY_MAX_S = 6 * 3600,
    MAILER_POLL_S = 5,              /* the thread looks for due messages this often at least */
    MAILER_LEASE_S = 600,           /* a claimed message is left to its sender this long */
    MAILER_TIMEOUT_S = 60,          /* one message's whole exchange with the server */
};

struct mailer_config {
    const char *url;      /* smtp://host:port or smtps://host:port */
    const char *from;     /* the envelope and header sender */
    bool insecure;        /* smtp:// without STARTTLS */
    const char *user;     /* NULL: no authentication */
    const char *password;
    int max_tries;        /* <= 0: MAILER_MAX_TRIES_DEFAULT */
    int retry_s;          /* <= 0: MAILER_RETRY_S_DEFAULT */
};

/* ERR_INVALID with a message for the operator when the url or the sender cannot be used. */
int mailer_config_check(const struct mailer_config *c, struct err *e);

/* libcurl's process-wide set-up: once, on the main thread, before any other thread starts. */
int mailer_global_init(struct err *e);
void mailer_global_cleanup(void);

/* The delay before try number attempts + 1, after attempts failed ones (>= 1). */
int64_t mailer_retry_delay_s(const struct mailer_config *c, int attempts);

/* Sends one formatted message (CRLF lines) to one address; ERR_IO with the server's words. */
int mailer_send_message(const struct mailer_config *c, const char *to, const char *message, struct err *e);

struct mailer_result {
    int sent, failed, gave_up;
};
/* Sends every due message once, oldest first (every unsent one not given up when ignore_delay).
 * Negative only when the database fails; delivery failures are counted in r and recorded. */
int mailer_send_due(struct store *st, const struct mailer_config *c, bool ignore_delay,
                    struct mailer_result *r, struct err *e);

/* The server's sender thread. c and its strings must outlive it. It also installs itself as the
 * outbox's notify hook. */
struct mailer;
struct mailer *mailer_start(const struct mailer_config *c, const char *db_target, struct err *e);
void mailer_wake(struct mailer *m);
/* Stops the thread (a transfer in progress is cut) and frees m; NULL is fine. */
void mailer_stop(struct mailer *m);

#endif

/* outbox: email waiting to be sent (table outbox, migrations 5 and 9).
 *
 * Nothing here talks to a mail server: messages are written to the table in the same
 * transaction as what caused them, and an administrator can read them at /admin/outbox. The
 * SMTP sender (auth/mailer.h), when configured, claims due rows, sends them and records sent_at
 * or the error, each result with its audit entry (mail.sent, mail.failed) in one transaction.
 * Rows hold personal data (addresses) and secrets (reset links): only admins see them. */
#ifndef EDUBRIDGE_OUTBOX_H
#define EDUBRIDGE_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "store/store.h"

struct outbox_message {
    const char *id;
    const char *created_at;
    const char *to_addr;
    const char *subject;
    const char *body;
    const char *sent_at; /* NULL until sent */
    const char *error;   /* NULL unless the last try failed */
    int attempts;        /* tries made so far */
    const char *next_attempt_at; /* NULL: due at once (or given up, or sent) */
};

int outbox_add(struct store *st, const char *to_addr, const char *subject, const char *body, struct err *e);
/* The newest messages first, at most limit; strings in a. */
int outbox_list(struct store *st, struct arena *a, size_t limit, struct outbox_message **out, size_t *count,
                struct err *e);

/* Tells the sender that a message was queued (call after the commit): the hook set by
 * outbox_set_notify, or nothing. The hook is process configuration, set once before any worker
 * starts. */
void outbox_set_notify(void (*fn)(void *ctx), void *ctx);
void outbox_notify(void);

/* The sender's side. outbox_claim: in one transaction, the oldest message not sent, tried fewer
 * than max_tries times and due at now (all unsent ones when ignore_delay), leased for lease_s
 * seconds so that no other sender takes it; 1 with *out filled (strings in a), 0 when none. */
int outbox_claim(struct store *st, struct arena *a, int64_t now_ms, int max_tries, int lease_s, bool ignore_delay,
                 struct outbox_message *out, struct err *e);
/* Records a delivery: sent_at, one more try, the error cleared, and the audit entry mail.sent
 * (actor "system", the message's id: never the address), in one transaction. */
int outbox_mark_sent(struct store *st, const char *id, int64_t now_ms, struct err *e);
/* Records a failure: the error (kept visible on /admin/outbox), one more try, the time of the
 * next (retry_at_ms, or 0 when the sender gives up), and the audit entry mail.failed. */
int outbox_mark_failed(struct store *st, const char *id, const char *error, int64_t retry_at_ms, struct err *e);

#endif

/* outbox: email waiting to be sent (table outbox, migration 5).
 *
 * Nothing here talks to a mail server: messages are written to the table in the same
 * transaction as what caused them, and an administrator can read them at /admin/outbox. A
 * sender (SMTP through libcurl, when configured) will later take unsent rows and fill sent_at or
 * error. Rows hold personal data (addresses) and secrets (reset links): only admins see them. */
#ifndef EDUBRIDGE_OUTBOX_H
#define EDUBRIDGE_OUTBOX_H

#include <stddef.h>

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
};

int outbox_add(struct store *st, const char *to_addr, const char *subject, const char *body, struct err *e);
/* The newest messages first, at most limit; strings in a. */
int outbox_list(struct store *st, struct arena *a, size_t limit, struct outbox_message **out, size_t *count,
                struct err *e);

#endif

#include "auth/outbox.h"

#include "base/id.h"
#include "store/audit.h"
#include "base/timeutil.h"

#include <stdio.h>
#include <string.h>

int outbox_add(struct store *st, const char *to_addr, const char *subject, const char *body, struct err *e)
{
    char id[ID_TEXT_SIZE], now[32];
    id_new(id);
    time_format_iso(time_now_ms(), now, sizeof now);
    struct store_stmt *s = store_prepare(st,
        "INSERT INTO outbox (id, created_at, to_addr, subject, body) VALUES (?, ?, ?, ?, ?)", e);
    if (!s) return -1;
    store_bind_text(s, 1, id);
    store_bind_text(s, 2, now);
    store_bind_text(s, 3, to_addr);
    store_bind_text(s, 4, subject);
    store_bind_text(s, 5, body);
    int rc = store_run(s, e);
    store_done(s);
    return rc;
}

static const char *dup_or_null(struct arena *a, struct store_stmt *s, int col)
{
    return store_col_null(s, col) ? NULL : arena_strdup(a, store_col_text(s, col));
}

int outbox_list(struct store *st, struct arena *a, size_t limit, struct outbox_message **out, size_t *count,
                struct err *e)
{
    *out = NULL;
    *count = 0;
    /* Ids are time-ordered (UUIDv7): by id is by creation, and ties cannot reorder. */
    struct store_stmt *s = store_prepare(st,
        "SELECT id, created_at, to_addr, subject, body, sent_at, error, attempts, next_attempt_at"
        " FROM outbox ORDER BY id DESC LIMIT ?", e);
    if (!s) return -1;
    store_bind_int(s, 1, (int64_t)limit);
    *out = arena_calloc(a, limit ? limit : 1, sizeof **out);
    int rc;
    while ((rc = store_step(s, e)) == 1 && *count < limit) {
        struct outbox_message *m = &(*out)[(*count)++];
        m->id = arena_strdup(a, store_col_text(s, 0));
        m->created_at = arena_strdup(a, store_col_text(s, 1));
        m->to_addr = arena_strdup(a, store_col_text(s, 2));
        m->subject = arena_strdup(a, store_col_text(s, 3));
        m->body = arena_strdup(a, store_col_text(s, 4));
        m->sent_at = dup_or_null(a, s, 5);
        m->error = dup_or_null(a, s, 6);
        m->attempts = (int)store_col_int(s, 7);
        m->next_attempt_at = dup_or_null(a, s, 8);
    }
    store_done(s);
    return rc < 0 ? rc : 0;
}

static void (*notify_fn)(void *);
static void *notify_ctx;

void outbox_set_notify(void (*fn)(void *ctx), void *ctx)
{
    notify_fn = fn;
    notify_ctx = ctx;
}

void outbox_notify(void)
{
    if (notify_fn) notify_fn(notify_ctx);
}

static int claim_in_tx(struct store *st, struct arena *a, int64_t now_ms, int max_tries, int lease_s,
                       bool ignore_delay, struct outbox_message *out, struct err *e)
{
    char now[32], lease[32];
    time_format_iso(now_ms, now, sizeof now);
    time_format_iso(now_ms + (int64_t)lease_s * 1000, lease, sizeof lease);
    struct store_stmt *s = store_prepare(st,
        "SELECT id, created_at, to_addr, subject, body, attempts FROM outbox"
        " WHERE sent_at IS NULL AND attempts < ? AND (? = 1 OR next_attempt_at IS NULL OR next_attempt_at <= ?)"
        " ORDER BY id LIMIT 1", e);
    if (!s) return -1;
    store_bind_int(s, 1, max_tries);
    store_bind_int(s, 2, ignore_delay ? 1 : 0);
    store_bind_text(s, 3, now);
    int rc = store_step(s, e);
    if (rc == 1) {
        *out = (struct outbox_message){
            .id = arena_strdup(a, store_col_text(s, 0)),
            .created_at = arena_strdup(a, store_col_text(s, 1)),
            .to_addr = arena_strdup(a, store_col_text(s, 2)),
            .subject = arena_strdup(a, store_col_text(s, 3)),
            .body = arena_strdup(a, store_col_text(s, 4)),
            .attempts = (int)store_col_int(s, 5),
        };
    }
    store_done(s);
    if (rc <= 0) return rc;
    s = store_prepare(st, "UPDATE outbox SET next_attempt_at = ? WHERE id = ?", e);
    if (!s) return -1;
    store_bind_text(s, 1, lease);
    store_bind_text(s, 2, out->id);
    rc = store_run(s, e);
    store_done(s);
    return rc < 0 ? rc : 1;
}

int outbox_claim(struct store *st, struct arena *a, int64_t now_ms, int max_tries, int lease_s, bool ignore_delay,
                 struct outbox_message *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    /* store_begin takes the write lock: two senders cannot pick the same row. */
    int rc = store_begin(st, e);
    if (rc < 0) return rc;
    rc = claim_in_tx(st, a, now_ms, max_tries, lease_s, ignore_delay, out, e);
    if (rc >= 0 && store_commit(st, e) < 0) rc = -1;
    if (rc < 0) store_rollback(st);
    return rc;
}

/* Reads the tries made so far (after this one) for the audit entry's detail. */
static int audit_mail(struct store *st, const char *action, const char *id, bool final, struct err *e)
{
    struct store_stmt *s = store_prepare(st, "SELECT attempts FROM outbox WHERE id = ?", e);
    if (!s) return -1;
    store_bind_text(s, 1, id);
    int rc = store_step(s, e);
    int64_t attempts = rc == 1 ? store_col_int(s, 0) : 0;
    store_done(s);
    if (rc < 0) return rc;
    char detail[96];
    if (strcmp(action, "mail.failed") == 0)
        snprintf(detail, sizeof detail, "{\"attempt\":%lld,\"final\":%s}", (long long)attempts, final ? "true" : "false");
    else
        snprintf(detail, sizeof detail, "{\"attempt\":%lld}", (long long)attempts);
    const char *ids[] = {id};
    /* The address and the server's words stay out: the trail outlives an erasure. */
    return audit_record(st, &audit_system, action, "outbox", ids, 1, detail, e);
}

int outbox_mark_sent(struct store *st, const char *id, int64_t now_ms, struct err *e)
{
    char now[32];
    time_format_iso(now_ms, now, sizeof now);
    int rc = store_begin(st, e);
    if (rc < 0) return rc;
    struct store_stmt *s = store_prepare(st,
        "UPDATE outbox SET sent_at = ?, error = NULL, next_attempt_at = NULL, attempts = attempts + 1 WHERE id = ?", e);
    if (!s) rc = -1;
    if (s) {
        store_bind_text(s, 1, now);
        store_bind_text(s, 2, id);
        rc = store_run(s, e);
        store_done(s);
    }
    if (rc == 0) rc = audit_mail(st, "mail.sent", id, true, e);
    if (rc == 0) rc = store_commit(st, e);
    if (rc < 0) store_rollback(st);
    return rc;
}

int outbox_mark_failed(struct store *st, const char *id, const char *error, int64_t retry_at_ms, struct err *e)
{
    char retry[32];
    if (retry_at_ms > 0) time_format_iso(retry_at_ms, retry, sizeof retry);
    int rc = store_begin(st, e);
    if (rc < 0) return rc;
    struct store_stmt *s = store_prepare(st,
        "UPDATE outbox SET error = ?, next_attempt_at = ?, attempts = attempts + 1 WHERE id = ?", e);
    if (!s) rc = -1;
    if (s) {
        store_bind_text(s, 1, error);
        store_bind_text(s, 2, retry_at_ms > 0 ? retry : NULL);
        store_bind_text(s, 3, id);
        rc = store_run(s, e);
        store_done(s);
    }
    if (rc == 0) rc = audit_mail(st, "mail.failed", id, retry_at_ms <= 0, e);
    if (rc == 0) rc = store_commit(st, e);
    if (rc < 0) store_rollback(st);
    return rc;
}

#include "auth/outbox.h"

#include "base/id.h"
#include "base/timeutil.h"

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
        "SELECT id, created_at, to_addr, subject, body, sent_at, error FROM outbox ORDER BY id DESC LIMIT ?", e);
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
    }
    store_done(s);
    return rc < 0 ? rc : 0;
}

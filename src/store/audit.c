#include "store/audit.h"

#include "base/id.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <jansson.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const struct audit_actor audit_system = {NULL, "system"};

void audit_cli_actor(struct audit_actor *out, char *buf, size_t size)
{
    /* The account the command runs as, not $USER: sudo and su keep a caller's $USER. */
    struct passwd *pw = getpwuid(getuid());
    if (pw && pw->pw_name && *pw->pw_name) snprintf(buf, size, "cli:%s", pw->pw_name);
    else snprintf(buf, size, "cli:uid%lu", (unsigned long)getuid());
    out->user_id = NULL;
    out->label = buf;
}

static bool valid_action(const char *s)
{
    if (!s || !*s || strlen(s) > 64 || *s == '.') return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '.')) return false;
    return s[strlen(s) - 1] != '.';
}

int audit_record(struct store *st, const struct audit_actor *actor, const char *action,
                 const char *target_kind, const char *const *ids, size_t n, const char *detail_json,
                 struct err *e)
{
    json_t *detail = json_loads(detail_json && *detail_json ? detail_json : "{}", 0, NULL);
    return audit_record_json(st, actor, action, target_kind, ids, n, detail, e);
}

int audit_record_json(struct store *st, const struct audit_actor *actor, const char *action,
                      const char *target_kind, const char *const *ids, size_t n, json_t *detail,
                      struct err *e)
{
    if (!actor) actor = &audit_system;
    if (!valid_action(action)) {
        json_decref(detail);
        return err_set(e, ERR_INVALID, "'%s' is not an audit action", action ? action : "");
    }
    if (!json_is_object(detail)) {
        json_decref(detail);
        return err_set(e, ERR_INVALID, "the detail of an audit entry must be a JSON object");
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        if (ids[i]) json_array_append_new(arr, json_string(ids[i]));
    char *ids_text = json_dumps(arr, JSON_COMPACT);
    char *detail_text = json_dumps(detail, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(arr);
    json_decref(detail);
    char id[ID_TEXT_SIZE], now[32];
    id_new(id);
    time_format_iso(time_now_ms(), now, sizeof now);
    int rc = -1;
    struct store_stmt *s = store_prepare(st,
        "INSERT INTO audit_log (id, at, actor_user_id, actor_label, action, target_kind, target_ids, detail)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", e);
    if (s && ids_text && detail_text) {
        store_bind_text(s, 1, id);
        store_bind_text(s, 2, now);
        store_bind_text(s, 3, actor->user_id);
        store_bind_text(s, 4, actor->label && *actor->label ? actor->label : "system");
        store_bind_text(s, 5, action);
        store_bind_text(s, 6, target_kind ? target_kind : "");
        store_bind_text(s, 7, ids_text);
        store_bind_text(s, 8, detail_text);
        rc = store_run(s, e);
    } else if (s) {
        rc = err_set(e, ERR_INTERNAL, "the audit entry could not be written");
    }
    if (s) store_done(s);
    free(ids_text);
    free(detail_text);
    return rc;
}

/* --- filters ------------------------------------------------------------------------------------ */

static const char *nonempty(const char *s) { return s && *s ? s : NULL; }

/* A day as the ISO time of its first millisecond, and that of the next day; -1 when not a real
 * YYYY-MM-DD date (time_parse_iso accepts 2026-02-31 and rolls it over: the round trip tells). */
static int64_t day_start(const char *day)
{
    if (strlen(day) != 10) return -1;
    char iso[32];
    snprintf(iso, sizeof iso, "%sT00:00:00Z", day);
    int64_t ms = time_parse_iso(iso);
    if (ms < 0) return -1;
    char back[32];
    time_format_iso(ms, back, sizeof back);
    return strncmp(back, day, 10) == 0 ? ms : -1;
}

int audit_filter_check(const struct audit_filter *f, struct err *e)
{
    int64_t from = -1, to = -1;
    if (nonempty(f->from) && (from = day_start(f->from)) < 0)
        return err_set(e, ERR_INVALID, "'%s' is not a date: write it as YYYY-MM-DD", f->from);
    if (nonempty(f->to) && (to = day_start(f->to)) < 0)
        return err_set(e, ERR_INVALID, "'%s' is not a date: write it as YYYY-MM-DD", f->to);
    if (from >= 0 && to >= 0 && from > to)
        return err_set(e, ERR_INVALID, "the first day comes after the last");
    return 0;
}

/* The WHERE clause of a filter and its parameters, in the order they are bound. */
struct where {
    char sql[512];
    const char *params[8];
    int n;
};

static void like_pattern(struct strbuf *sb, const char *s)
{
    for (const char *p = s; *p; p++) {
        if (*p == '%' || *p == '_' || *p == '\\') strbuf_putc(sb, '\\');
        strbuf_putc(sb, *p);
    }
}

static int build_where(struct arena *a, const struct audit_filter *f, struct where *w, struct err *e)
{
    if (audit_filter_check(f, e) < 0) return -1;
    struct strbuf sb;
    strbuf_init(&sb, a, 256);
    w->n = 0;
    strbuf_puts(&sb, " WHERE 1 = 1");
    if (nonempty(f->actor)) {
        strbuf_puts(&sb, " AND (lower(actor_label) = lower(?) OR actor_user_id = ?)");
        w->params[w->n++] = f->actor;
        w->params[w->n++] = f->actor;
    }
    if (nonempty(f->action)) {
        strbuf_puts(&sb, " AND substr(action, 1, length(?)) = ?");
        w->params[w->n++] = f->action;
        w->params[w->n++] = f->action;
    }
    if (nonempty(f->target)) {
        /* The ids are a JSON array of strings: an id between its quotes is one of them. */
        struct strbuf pat;
        strbuf_init(&pat, a, 64);
        strbuf_puts(&pat, "%\"");
        like_pattern(&pat, f->target);
        strbuf_puts(&pat, "\"%");
        strbuf_puts(&sb, " AND target_ids LIKE ? ESCAPE '\\'");
        w->params[w->n++] = pat.data;
    }
    char iso[32];
    if (nonempty(f->from)) {
        time_format_iso(day_start(f->from), iso, sizeof iso);
        strbuf_puts(&sb, " AND at >= ?");
        w->params[w->n++] = arena_strdup(a, iso);
    }
    if (nonempty(f->to)) {
        time_format_iso(day_start(f->to) + 86400000, iso, sizeof iso);
        strbuf_puts(&sb, " AND at < ?");
        w->params[w->n++] = arena_strdup(a, iso);
    }
    snprintf(w->sql, sizeof w->sql, "%s", sb.data);
    return 0;
}

static void bind_where(struct store_stmt *s, const struct where *w)
{
    for (int i = 0; i < w->n; i++) store_bind_text(s, i + 1, w->params[i]);
}

static const char columns[] = "id, at, actor_user_id, actor_label, action, target_kind, target_ids, detail";

static void read_entry(struct store_stmt *s, struct arena *a, struct audit_entry *out)
{
    out->id = arena_strdup(a, store_col_text(s, 0));
    out->at = arena_strdup(a, store_col_text(s, 1));
    out->actor_user_id = store_col_null(s, 2) ? NULL : arena_strdup(a, store_col_text(s, 2));
    out->actor_label = arena_strdup(a, store_col_text(s, 3));
    out->action = arena_strdup(a, store_col_text(s, 4));
    out->target_kind = arena_strdup(a, store_col_text(s, 5));
    out->target_ids = arena_strdup(a, store_col_text(s, 6));
    out->detail = arena_strdup(a, store_col_text(s, 7));
}

int audit_list(struct store *st, struct arena *a, const struct audit_filter *f, int64_t offset, int limit,
               struct audit_entry **out, size_t *n, int64_t *total, struct err *e)
{
    *out = NULL;
    *n = 0;
    *total = 0;
    struct where w;
    if (build_where(a, f, &w, e) < 0) return -1;
    struct store_stmt *s = store_prepare(st, arena_printf(a, "SELECT count(*) FROM audit_log%s", w.sql), e);
    if (!s) return -1;
    bind_where(s, &w);
    int rc = store_step(s, e);
    if (rc == 1) *total = store_col_int(s, 0);
    store_done(s);
    if (rc < 0) return -1;
    if (limit <= 0 || *total <= offset) return 0;
    s = store_prepare(st, arena_printf(a, "SELECT %s FROM audit_log%s ORDER BY at DESC, id DESC LIMIT ? OFFSET ?",
                                       columns, w.sql), e);
    if (!s) return -1;
    bind_where(s, &w);
    store_bind_int(s, w.n + 1, limit);
    store_bind_int(s, w.n + 2, offset);
    *out = arena_calloc(a, (size_t)limit, sizeof **out);
    while ((rc = store_step(s, e)) == 1 && *n < (size_t)limit) read_entry(s, a, &(*out)[(*n)++]);
    store_done(s);
    return rc < 0 ? -1 : 0;
}

/* --- about one person --------------------------------------------------------------------------- */

struct found {
    struct audit_entry *items;
    size_t n, cap;
};

static int collect(struct store *st, struct arena *a, const char *sql, const char *param, struct found *f,
                   struct err *e)
{
    struct store_stmt *s = store_prepare(st, sql, e);
    if (!s) return -1;
    store_bind_text(s, 1, param);
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        bool seen = false;
        for (size_t i = 0; i < f->n && !seen; i++) seen = strcmp(f->items[i].id, store_col_text(s, 0)) == 0;
        if (seen) continue;
        if (f->n == f->cap) {
            f->cap = f->cap ? 2 * f->cap : 16;
            struct audit_entry *more = arena_alloc(a, f->cap * sizeof *more);
            if (f->n) memcpy(more, f->items, f->n * sizeof *more);
            f->items = more;
        }
        read_entry(s, a, &f->items[f->n++]);
    }
    store_done(s);
    return rc < 0 ? -1 : 0;
}

static int by_time(const void *x, const void *y)
{
    const struct audit_entry *a = x, *b = y;
    int c = strcmp(a->at, b->at);
    return c ? c : strcmp(a->id, b->id);
}

int audit_about(struct store *st, struct arena *a, const char *const *ids, size_t n, const char *actor_user_id,
                struct audit_entry **out, size_t *count, struct err *e)
{
    /* One query per id with one SQL text, rather than one text per number of ids: the statement
     * cache keeps each text it has seen. */
    struct found f = {0};
    const char *by_target = "SELECT id, at, actor_user_id, actor_label, action, target_kind, target_ids, detail"
                            " FROM audit_log WHERE target_ids LIKE ? ESCAPE '\\'";
    const char *by_actor = "SELECT id, at, actor_user_id, actor_label, action, target_kind, target_ids, detail"
                           " FROM audit_log WHERE actor_user_id = ?";
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (!ids[i] || !*ids[i]) continue;
        struct strbuf pat;
        strbuf_init(&pat, a, 64);
        strbuf_puts(&pat, "%\"");
        like_pattern(&pat, ids[i]);
        strbuf_puts(&pat, "\"%");
        rc = collect(st, a, by_target, pat.data, &f, e);
    }
    if (rc == 0 && actor_user_id) rc = collect(st, a, by_actor, actor_user_id, &f, e);
    if (f.n) qsort(f.items, f.n, sizeof *f.items, by_time);
    *out = f.items;
    *count = rc == 0 ? f.n : 0;
    return rc;
}

/* --- exports ------------------------------------------------------------------------------------ */

/* Calls fn for each matching entry, oldest first; the entry lives in an arena reset each row. */
static int each_entry(struct store *st, const struct audit_filter *f,
                      int (*fn)(void *ctx, const struct audit_entry *en, bool first, struct err *e), void *ctx,
                      struct err *e)
{
    struct arena a, row;
    arena_init(&a, 4096);
    arena_init(&row, 4096);
    struct where w;
    int rc = build_where(&a, f, &w, e);
    struct store_stmt *s = NULL;
    if (rc == 0) {
        s = store_prepare(st, arena_printf(&a, "SELECT %s FROM audit_log%s ORDER BY at, id", columns, w.sql), e);
        rc = s ? 0 : -1;
    }
    if (s) {
        bind_where(s, &w);
        bool first = true;
        while ((rc = store_step(s, e)) == 1) {
            arena_reset(&row);
            struct audit_entry en;
            read_entry(s, &row, &en);
            if (fn(ctx, &en, first, e) < 0) {
                rc = -1;
                break;
            }
            first = false;
        }
        store_done(s);
    }
    arena_free(&row);
    arena_free(&a);
    return rc < 0 ? -1 : 0;
}

struct sink {
    audit_write_fn write;
    void *ctx;
    struct strbuf buf;
};

static int sink_flush(struct sink *k, bool force, struct err *e)
{
    if (!k->buf.len || (!force && k->buf.len < 32 * 1024)) return 0;
    int rc = k->write(k->ctx, k->buf.data, k->buf.len);
    strbuf_reset(&k->buf);
    return rc ? err_set(e, ERR_IO, "the audit export could not be written") : 0;
}

/* RFC 4180 quoting, and OWASP's guard: a leading = + - @ tab or CR gets a ' so that no spreadsheet
 * reads an email address or an id as a formula. */
static void csv_field(struct strbuf *sb, const char *v)
{
    bool guard = v[0] && strchr("=+-@\t\r", v[0]);
    bool quote = strpbrk(v, "\",\r\n") != NULL;
    if (quote) strbuf_putc(sb, '"');
    if (guard) strbuf_putc(sb, '\'');
    for (const char *p = v; *p; p++) {
        if (*p == '"') strbuf_putc(sb, '"');
        strbuf_putc(sb, *p);
    }
    if (quote) strbuf_putc(sb, '"');
}

static int csv_row(void *ctx, const struct audit_entry *en, bool first, struct err *e)
{
    (void)first;
    struct sink *k = ctx;
    const char *cells[] = {en->id, en->at, en->actor_user_id ? en->actor_user_id : "", en->actor_label, en->action,
                           en->target_kind, en->target_ids, en->detail};
    for (size_t i = 0; i < sizeof cells / sizeof *cells; i++) {
        if (i) strbuf_putc(&k->buf, ',');
        csv_field(&k->buf, cells[i]);
    }
    strbuf_puts(&k->buf, "\r\n");
    return sink_flush(k, false, e);
}

int audit_export_csv(struct store *st, const struct audit_filter *f, audit_write_fn write, void *ctx,
                     struct err *e)
{
    struct sink k = {write, ctx, {0}};
    strbuf_init(&k.buf, NULL, 40 * 1024);
    strbuf_puts(&k.buf, "id,at,actor_user_id,actor,action,target_kind,target_ids,detail\r\n");
    int rc = each_entry(st, f, csv_row, &k, e);
    if (rc == 0) rc = sink_flush(&k, true, e);
    strbuf_free(&k.buf);
    return rc;
}

static int json_piece(const char *buffer, size_t size, void *data)
{
    strbuf_append(data, buffer, size);
    return 0;
}

static int json_row(void *ctx, const struct audit_entry *en, bool first, struct err *e)
{
    struct sink *k = ctx;
    strbuf_puts(&k->buf, first ? "\n" : ",\n");
    json_t *ids = json_loads(en->target_ids, 0, NULL);
    json_t *detail = json_loads(en->detail, 0, NULL);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(en->id));
    json_object_set_new(o, "at", json_string(en->at));
    json_object_set_new(o, "actor_user_id", en->actor_user_id ? json_string(en->actor_user_id) : json_null());
    json_object_set_new(o, "actor", json_string(en->actor_label));
    json_object_set_new(o, "action", json_string(en->action));
    json_object_set_new(o, "target_kind", json_string(en->target_kind));
    json_object_set_new(o, "target_ids", ids ? ids : json_array());
    json_object_set_new(o, "detail", detail ? detail : json_object());
    json_dump_callback(o, json_piece, &k->buf, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return sink_flush(k, false, e);
}

int audit_export_json(struct store *st, const struct audit_filter *f, audit_write_fn write, void *ctx,
                      struct err *e)
{
    struct sink k = {write, ctx, {0}};
    strbuf_init(&k.buf, NULL, 40 * 1024);
    strbuf_putc(&k.buf, '[');
    int rc = each_entry(st, f, json_row, &k, e);
    if (rc == 0) {
        strbuf_puts(&k.buf, "\n]\n");
        rc = sink_flush(&k, true, e);
    }
    strbuf_free(&k.buf);
    return rc;
}

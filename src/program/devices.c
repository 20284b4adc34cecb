#include "program/devices.h"

#include "base/i18n.h"
#include "base/id.h"
#include "base/str.h"
#include "base/timeutil.h"
#include "forms/table_out.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* --- the lifecycle --------------------------------------------------------------------------------- */

#define BIT(s) (1u << (s))

struct state_info {
    const char *name;   /* stored */
    const char *label;  /* msgid: a column or a button */
    const char *phrase; /* msgid: "A device that is ..." */
    const char *verb;   /* msgid: "it can be ..." */
    unsigned next;      /* the states it may go to */
};

/* The whole lifecycle, one row per state. Beyond the arrows, one is added: in stock ->
 * retired, for a device found broken before it ever left the store (written off without being
 * allocated and shipped first). Lost and retired are final: a device found again after being
 * written off comes back as a new record, so that the history of the written-off one stays true. */
static const struct state_info states[DEVICE_STATE_COUNT] = {
    [DEVICE_IN_STOCK] = {"in_stock", N_("In stock"), N_("in stock"), N_("put back in stock"),
                         BIT(DEVICE_ALLOCATED) | BIT(DEVICE_RETIRED)},
    [DEVICE_ALLOCATED] = {"allocated", N_("Allocated"), N_("allocated"), N_("allocated"),
                          BIT(DEVICE_IN_STOCK) | BIT(DEVICE_SHIPPED)},
    [DEVICE_SHIPPED] = {"shipped", N_("Shipped"), N_("shipped"), N_("shipped"),
                        BIT(DEVICE_DELIVERED) | BIT(DEVICE_LOST)},
    [DEVICE_DELIVERED] = {"delivered", N_("Delivered"), N_("delivered"), N_("delivered"),
                          BIT(DEVICE_IN_USE) | BIT(DEVICE_IN_REPAIR) | BIT(DEVICE_RETURNED) | BIT(DEVICE_LOST)},
    [DEVICE_IN_USE] = {"in_use", N_("In use"), N_("in use"), N_("put in use"),
                       BIT(DEVICE_IN_REPAIR) | BIT(DEVICE_RETURNED) | BIT(DEVICE_LOST) | BIT(DEVICE_RETIRED)},
    [DEVICE_IN_REPAIR] = {"in_repair", N_("In repair"), N_("in repair"), N_("sent for repair"),
                          BIT(DEVICE_IN_USE) | BIT(DEVICE_RETURNED) | BIT(DEVICE_LOST) | BIT(DEVICE_RETIRED)},
    [DEVICE_RETURNED] = {"returned", N_("Returned"), N_("returned"), N_("returned"),
                         BIT(DEVICE_IN_STOCK) | BIT(DEVICE_RETIRED)},
    [DEVICE_LOST] = {"lost", N_("Lost"), N_("lost"), N_("marked lost"), 0},
    [DEVICE_RETIRED] = {"retired", N_("Retired"), N_("retired"), N_("retired"), 0},
};

static const unsigned held_states =
    BIT(DEVICE_ALLOCATED) | BIT(DEVICE_SHIPPED) | BIT(DEVICE_DELIVERED) | BIT(DEVICE_IN_USE) | BIT(DEVICE_IN_REPAIR);

/* The same set for SQL, written out once so that the quota and the pages agree. */
#define HELD_SQL "('allocated','shipped','delivered','in_use','in_repair')"

const char *device_state_name(enum device_state s) { return (unsigned)s < DEVICE_STATE_COUNT ? states[s].name : ""; }
const char *device_state_label(enum device_state s) { return (unsigned)s < DEVICE_STATE_COUNT ? states[s].label : ""; }
const char *device_state_phrase(enum device_state s) { return (unsigned)s < DEVICE_STATE_COUNT ? states[s].phrase : ""; }
const char *device_state_verb(enum device_state s) { return (unsigned)s < DEVICE_STATE_COUNT ? states[s].verb : ""; }

int device_state_parse(const char *name)
{
    for (int s = 0; name && s < DEVICE_STATE_COUNT; s++)
        if (strcmp(states[s].name, name) == 0) return s;
    return -1;
}

bool device_transition_allowed(enum device_state from, enum device_state to)
{
    return (unsigned)from < DEVICE_STATE_COUNT && (unsigned)to < DEVICE_STATE_COUNT && (states[from].next & BIT(to));
}

size_t device_next_states(enum device_state from, enum device_state out[DEVICE_STATE_COUNT])
{
    size_t n = 0;
    for (int s = 0; s < DEVICE_STATE_COUNT; s++)
        if (device_transition_allowed(from, (enum device_state)s)) out[n++] = (enum device_state)s;
    return n;
}

bool device_state_held(enum device_state s) { return (unsigned)s < DEVICE_STATE_COUNT && (held_states & BIT(s)); }

static const char *tr_of(device_tr_fn tr, void *ctx, const char *msgid) { return tr ? tr(ctx, msgid) : msgid; }

const char *device_refusal(struct arena *a, enum device_state from, enum device_state to, device_tr_fn tr,
                           void *ctx)
{
    const char *was = tr_of(tr, ctx, states[from].phrase), *to_be = tr_of(tr, ctx, states[to].verb);
    if (from == to) return arena_printf(a, tr_of(tr, ctx, N_("This device is %s already.")), was);
    enum device_state next[DEVICE_STATE_COUNT];
    size_t n = device_next_states(from, next);
    if (!n) return arena_printf(a, tr_of(tr, ctx, N_("A device that is %s cannot be %s: that state is final.")), was, to_be);
    /* "a, b, c or d": the list's commas and its last "or" are the reader's language's. */
    const char *list = tr_of(tr, ctx, states[next[0]].verb);
    for (size_t i = 1; i < n; i++)
        list = arena_printf(a, tr_of(tr, ctx, i + 1 < n ? N_("%s, %s") : N_("%s or %s")), list,
                            tr_of(tr, ctx, states[next[i]].verb));
    return arena_printf(a, tr_of(tr, ctx, N_("A device that is %s cannot be %s: it can be %s.")), was, to_be, list);
}

/* --- values ---------------------------------------------------------------------------------------- */

static const char *const field_names[DEVICE_FIELD_COUNT] = {"model", "serial", "imei", "batch", "notes"};
static const size_t field_max[DEVICE_FIELD_COUNT] = {200, 64, 32, 100, 1000}; /* characters */

const char *device_field_name(enum device_field f) { return (unsigned)f < DEVICE_FIELD_COUNT ? field_names[f] : ""; }

int device_field_parse(const char *name)
{
    for (int f = 0; name && f < DEVICE_FIELD_COUNT; f++)
        if (strcasecmp(field_names[f], name) == 0) return f;
    return -1;
}

static char *trimmed(struct arena *a, const char *raw)
{
    while (*raw == ' ' || *raw == '\t' || *raw == '\r' || *raw == '\n') raw++;
    size_t n = strlen(raw);
    while (n && (raw[n - 1] == ' ' || raw[n - 1] == '\t' || raw[n - 1] == '\r' || raw[n - 1] == '\n')) n--;
    return arena_strndup(a, raw, n);
}

bool device_imei_valid(const char *imei)
{
    if (!imei || strlen(imei) != 15) return false;
    int sum = 0;
    for (int i = 0; i < 15; i++) {
        if (!isdigit((unsigned char)imei[i])) return false;
        int d = imei[i] - '0';
        /* Luhn: from the right, every second digit is doubled; the check digit (the 15th) is not. */
        if (i % 2 == 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
        sum += d;
    }
    return sum % 10 == 0;
}

int device_value_check(struct arena *a, enum device_field f, const char *raw, const char **out, const char **problem)
{
    *out = NULL;
    *problem = NULL;
    if ((unsigned)f >= DEVICE_FIELD_COUNT) return -1;
    char *v = trimmed(a, raw ? raw : "");
    if (!*v) return 0;
    if (!str_utf8_valid(v, strlen(v))) {
        *problem = N_("This is not valid text (UTF-8).");
        return -1;
    }
    if (str_utf8_length(v, strlen(v)) > field_max[f]) {
        *problem = f == DEVICE_MODEL   ? N_("This is longer than 200 characters.")
                   : f == DEVICE_BATCH ? N_("This is longer than 100 characters.")
                   : f == DEVICE_NOTES ? N_("This is longer than 1000 characters.")
                   : f == DEVICE_IMEI  ? N_("An IMEI has 15 digits.")
                                       : N_("A serial number has letters, digits, hyphens, dots and slashes, 64 at most.");
        return -1;
    }
    if (f == DEVICE_SERIAL) {
        /* Serials are printed in capitals; "r58n" and "R58N" on two rows are the same device. */
        for (char *p = v; *p; p++) {
            if (!isalnum((unsigned char)*p) && !strchr("-/._", *p)) {
                *problem = N_("A serial number has letters, digits, hyphens, dots and slashes, 64 at most.");
                return -1;
            }
            *p = (char)toupper((unsigned char)*p);
        }
    } else if (f == DEVICE_IMEI) {
        /* Written in groups ("35-209900-176148-1") or in one run: the digits are the IMEI. */
        char *d = v;
        for (const char *p = v; *p; p++) {
            if (*p == ' ' || *p == '-') continue;
            if (!isdigit((unsigned char)*p)) {
                *problem = N_("An IMEI has 15 digits.");
                return -1;
            }
            *d++ = *p;
        }
        *d = '\0';
        if (strlen(v) != 15) {
            *problem = N_("An IMEI has 15 digits.");
            return -1;
        }
        if (!device_imei_valid(v)) {
            *problem = N_("This IMEI's last digit does not match the others (Luhn check): look at it again.");
            return -1;
        }
    }
    *out = v;
    return 0;
}

/* --- small helpers --------------------------------------------------------------------------------- */

static const char *col_or_null(struct arena *a, struct store_stmt *s, int col)
{
    return store_col_null(s, col) ? NULL : arena_strdup(a, store_col_text(s, col));
}

static const char *nonempty(const char *s) { return s && *s ? s : NULL; }

static void now_iso(char *buf, size_t size) { time_format_iso(time_now_ms(), buf, size); }

/* One row's count; -1 on a failure of the database. */
static int64_t count_of(struct store *st, const char *sql, const char *const *p, int n, struct err *e)
{
    struct store_stmt *s = store_prepare(st, sql, e);
    if (!s) return -1;
    for (int i = 0; i < n; i++) store_bind_text(s, i + 1, p[i]);
    int rc = store_step(s, e);
    int64_t v = rc == 1 ? store_col_int(s, 0) : 0;
    store_done(s);
    return rc < 0 ? -1 : v;
}

const char *device_note_problem(const char *note)
{
    if (!note) return NULL;
    if (!str_utf8_valid(note, strlen(note))) return N_("This is not valid text (UTF-8).");
    if (str_utf8_length(note, strlen(note)) > DEVICE_NOTE_MAX) return N_("This is longer than 1000 characters.");
    return NULL;
}

/* A free-text note: trimmed, UTF-8, at most DEVICE_NOTE_MAX characters; "" is none (*out NULL). */
static int check_note(struct arena *a, const char *raw, const char **out, struct err *e)
{
    *out = NULL;
    char *v = trimmed(a, raw ? raw : "");
    if (!*v) return 0;
    if (!str_utf8_valid(v, strlen(v))) return err_set(e, ERR_INVALID, "the note is not valid text (UTF-8)");
    if (str_utf8_length(v, strlen(v)) > DEVICE_NOTE_MAX)
        return err_set(e, ERR_INVALID, "the note is longer than %d characters", DEVICE_NOTE_MAX);
    *out = v;
    return 0;
}

static int add_event(struct store *st, const char *device_id, int from, enum device_state to, const char *at,
                     const struct audit_actor *by, const char *note, const char *institution_id, struct err *e)
{
    if (!by) by = &audit_system;
    char id[ID_TEXT_SIZE];
    id_new(id);
    struct store_stmt *s = store_prepare(st,
        "INSERT INTO device_events (id, device_id, from_state, to_state, at, by_user_id, by_label, note, institution_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", e);
    if (!s) return -1;
    store_bind_text(s, 1, id);
    store_bind_text(s, 2, device_id);
    store_bind_text(s, 3, from < 0 ? NULL : states[from].name);
    store_bind_text(s, 4, states[to].name);
    store_bind_text(s, 5, at);
    store_bind_text(s, 6, by->user_id);
    store_bind_text(s, 7, by->label);
    store_bind_text(s, 8, note);
    store_bind_text(s, 9, institution_id);
    int rc = store_run(s, e);
    store_done(s);
    return rc;
}

/* 1 when a device other than except_id has this serial (or IMEI), 0 when none, -1 on failure. */
static int taken(struct store *st, enum device_field f, const char *value, struct err *e)
{
    const char *p[] = {value};
    int64_t n = count_of(st, f == DEVICE_SERIAL ? "SELECT count(*) FROM devices WHERE serial = ?"
                                                 : "SELECT count(*) FROM devices WHERE imei = ?", p, 1, e);
    return n < 0 ? -1 : n > 0;
}

/* --- devices --------------------------------------------------------------------------------------- */

int device_insert(struct store *st, struct arena *a, const char *const *v, const char *programme_id, bool is_demo,
                  const char *at, const struct audit_actor *by, const char **id_out, struct err *e)
{
    const char *clean[DEVICE_FIELD_COUNT];
    for (int f = 0; f < DEVICE_FIELD_COUNT; f++) {
        const char *problem;
        if (device_value_check(a, (enum device_field)f, v[f], &clean[f], &problem) < 0)
            return err_set(e, ERR_INVALID, "%s: %s", field_names[f], problem);
    }
    if (!clean[DEVICE_MODEL]) return err_set(e, ERR_INVALID, "a device needs its model");
    if (!clean[DEVICE_SERIAL] && !clean[DEVICE_IMEI]) return err_set(e, ERR_INVALID, "a device needs a serial number or an IMEI");
    for (int f = DEVICE_SERIAL; f <= DEVICE_IMEI; f++) {
        if (!clean[f]) continue;
        int t = taken(st, (enum device_field)f, clean[f], e);
        if (t < 0) return -1;
        if (t) return err_set(e, ERR_CONFLICT, "a device with the %s %s is in the inventory already",
                              f == DEVICE_SERIAL ? "serial number" : "IMEI", clean[f]);
    }
    char id[ID_TEXT_SIZE], now[32];
    id_new(id);
    now_iso(now, sizeof now);
    if (!at) at = now;
    struct store_stmt *s = store_prepare(st,
        "INSERT INTO devices (id, programme_id, model, serial, imei, batch, notes, state, is_demo, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, 'in_stock', ?, ?, ?)", e);
    if (!s) return -1;
    store_bind_text(s, 1, id);
    store_bind_text(s, 2, nonempty(programme_id));
    for (int f = 0; f < DEVICE_FIELD_COUNT; f++) store_bind_text(s, 3 + f, clean[f]);
    store_bind_int(s, 8, is_demo);
    store_bind_text(s, 9, at);
    store_bind_text(s, 10, at);
    int rc = store_run(s, e);
    store_done(s);
    if (rc == 0) rc = add_event(st, id, -1, DEVICE_IN_STOCK, at, by, NULL, NULL, e);
    if (rc == 0 && id_out) *id_out = arena_strdup(a, id);
    return rc;
}

#define SELECT_DEVICE                                                                                        \
    "SELECT d.id, d.programme_id, p.slug, d.model, d.serial, d.imei, d.batch, d.notes, d.state,"            \
    " d.institution_id, i.name, d.is_demo, d.created_at, d.updated_at"                                     \
    " FROM devices d LEFT JOIN programmes p ON p.id = d.programme_id"                                     \
    " LEFT JOIN institutions i ON i.id = d.institution_id"

static void read_device(struct arena *a, struct store_stmt *s, struct device *out)
{
    memset(out, 0, sizeof *out);
    out->id = arena_strdup(a, store_col_text(s, 0));
    out->programme_id = col_or_null(a, s, 1);
    out->programme_slug = col_or_null(a, s, 2);
    out->model = arena_strdup(a, store_col_text(s, 3));
    out->serial = col_or_null(a, s, 4);
    out->imei = col_or_null(a, s, 5);
    out->batch = col_or_null(a, s, 6);
    out->notes = col_or_null(a, s, 7);
    int state = device_state_parse(store_col_text(s, 8));
    out->state = state < 0 ? DEVICE_IN_STOCK : (enum device_state)state;
    out->institution_id = col_or_null(a, s, 9);
    out->institution_name = col_or_null(a, s, 10);
    out->is_demo = store_col_int(s, 11) != 0;
    out->created_at = arena_strdup(a, store_col_text(s, 12));
    out->updated_at = arena_strdup(a, store_col_text(s, 13));
}

int device_get(struct store *st, struct arena *a, const char *id, struct device *out, struct err *e)
{
    struct store_stmt *s = store_prepare(st, SELECT_DEVICE " WHERE d.id = ?", e);
    if (!s) return -1;
    store_bind_text(s, 1, id);
    int rc = store_step(s, e);
    if (rc == 1) read_device(a, s, out);
    store_done(s);
    if (rc == 0) return err_set(e, ERR_NOT_FOUND, "there is no device %s", id);
    return rc < 0 ? -1 : 0;
}

int device_find(struct store *st, struct arena *a, const char *key, struct device *out, struct err *e)
{
    if (id_valid(key)) {
        int rc = device_get(st, a, key, out, e);
        if (rc != ERR_NOT_FOUND) return rc;
    }
    for (int f = DEVICE_SERIAL; f <= DEVICE_IMEI; f++) {
        const char *v, *problem;
        if (device_value_check(a, (enum device_field)f, key, &v, &problem) < 0 || !v) continue;
        struct store_stmt *s = store_prepare(st, f == DEVICE_SERIAL ? SELECT_DEVICE " WHERE d.serial = ?"
                                                                    : SELECT_DEVICE " WHERE d.imei = ?", e);
        if (!s) return -1;
        store_bind_text(s, 1, v);
        int rc = store_step(s, e);
        if (rc == 1) read_device(a, s, out);
        store_done(s);
        if (rc != 0) return rc < 0 ? -1 : 0;
    }
    return err_set(e, ERR_NOT_FOUND, "there is no device with the id, serial number or IMEI %s", key);
}

static const char *like_pattern(struct arena *a, const char *text, bool upper)
{
    struct strbuf pat;
    strbuf_init(&pat, a, 64);
    strbuf_putc(&pat, '%');
    for (const char *c = text; *c; c++) {
        if (*c == '%' || *c == '_' || *c == '\\') strbuf_putc(&pat, '\\');
        strbuf_putc(&pat, upper ? (char)toupper((unsigned char)*c) : (char)tolower((unsigned char)*c));
    }
    strbuf_putc(&pat, '%');
    return pat.data;
}

/* The WHERE clause and its parameters (at most 7) for a filter; with_state false leaves the state
 * out (the counts per state). */
static const char *filter_sql(struct arena *a, const struct device_filter *f, bool with_state, const char **p, int *np)
{
    struct strbuf w;
    strbuf_init(&w, a, 256);
    strbuf_puts(&w, " WHERE 1 = 1");
    *np = 0;
    if (with_state && nonempty(f->state)) strbuf_puts(&w, " AND d.state = ?"), p[(*np)++] = f->state;
    if (nonempty(f->institution_id)) strbuf_puts(&w, " AND d.institution_id = ?"), p[(*np)++] = f->institution_id;
    if (f->stock_only) strbuf_puts(&w, " AND d.institution_id IS NULL");
    if (nonempty(f->batch)) strbuf_puts(&w, " AND d.batch = ?"), p[(*np)++] = f->batch;
    if (nonempty(f->programme_id)) strbuf_puts(&w, " AND d.programme_id = ?"), p[(*np)++] = f->programme_id;
    if (nonempty(f->model))
        strbuf_puts(&w, " AND lower(d.model) LIKE ? ESCAPE '\\'"), p[(*np)++] = like_pattern(a, f->model, false);
    if (nonempty(f->q)) {
        /* A serial is stored in capitals, an IMEI as digits: the part typed reads as either. */
        strbuf_puts(&w, " AND (d.serial LIKE ? ESCAPE '\\' OR d.imei LIKE ? ESCAPE '\\')");
        p[*np] = p[*np + 1] = like_pattern(a, f->q, true);
        *np += 2;
    }
    return w.data;
}

int device_list(struct store *st, struct arena *a, const struct device_filter *f, int64_t offset, int limit,
                struct device **out, size_t *n, int64_t *total, struct err *e)
{
    *out = NULL;
    *n = 0;
    *total = 0;
    if (nonempty(f->state) && device_state_parse(f->state) < 0)
        return err_set(e, ERR_INVALID, "there is no device state %s", f->state);
    const char *p[8];
    int np;
    const char *where = filter_sql(a, f, true, p, &np);
    *total = count_of(st, arena_printf(a, "SELECT count(*) FROM devices d%s", where), p, np, e);
    if (*total < 0) return -1;
    struct store_stmt *s = store_prepare(st, arena_printf(a, SELECT_DEVICE "%s ORDER BY d.serial IS NULL, d.serial,"
                                                             " d.imei, d.id LIMIT ? OFFSET ?", where), e);
    if (!s) return -1;
    for (int i = 0; i < np; i++) store_bind_text(s, i + 1, p[i]);
    store_bind_int(s, np + 1, limit);
    store_bind_int(s, np + 2, offset);
    struct device *list = arena_calloc(a, (size_t)(limit > 0 ? limit : 1), sizeof *list);
    size_t k = 0;
    int rc;
    while (k < (size_t)limit && (rc = store_step(s, e)) == 1) read_device(a, s, &list[k++]);
    store_done(s);
    if (rc < 0) return -1;
    *out = list;
    *n = k;
    return 0;
}

int device_state_counts(struct store *st, struct arena *a, const struct device_filter *f,
                        int64_t counts[DEVICE_STATE_COUNT], struct err *e)
{
    memset(counts, 0, DEVICE_STATE_COUNT * sizeof counts[0]);
    const char *p[8];
    int np;
    const char *where = filter_sql(a, f, false, p, &np);
    struct store_stmt *s = store_prepare(st, arena_printf(a, "SELECT d.state, count(*) FROM devices d%s"
                                                             " GROUP BY d.state", where), e);
    if (!s) return -1;
    for (int i = 0; i < np; i++) store_bind_text(s, i + 1, p[i]);
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        int state = device_state_parse(store_col_text(s, 0));
        if (state >= 0) counts[state] = store_col_int(s, 1);
    }
    store_done(s);
    return rc < 0 ? -1 : 0;
}

int device_batches(struct store *st, struct arena *a, const char ***out, size_t *n, struct err *e)
{
    *out = NULL;
    *n = 0;
    struct store_stmt *s = store_prepare(st, "SELECT DISTINCT batch FROM devices WHERE batch IS NOT NULL ORDER BY batch", e);
    if (!s) return -1;
    size_t cap = 8;
    const char **list = arena_alloc(a, cap * sizeof *list);
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        if (*n == cap) {
            const char **more = arena_alloc(a, 2 * cap * sizeof *more);
            memcpy(more, list, *n * sizeof *more);
            list = more;
            cap *= 2;
        }
        list[(*n)++] = arena_strdup(a, store_col_text(s, 0));
    }
    store_done(s);
    *out = list;
    return rc < 0 ? -1 : 0;
}

int device_history(struct store *st, struct arena *a, const char *id, struct device_event **out, size_t *n,
                   struct err *e)
{
    *out = NULL;
    *n = 0;
    struct store_stmt *s = store_prepare(st,
        "SELECT e.at, e.from_state, e.to_state, e.by_user_id, e.by_label, e.note, e.institution_id, i.name"
        " FROM device_events e LEFT JOIN institutions i ON i.id = e.institution_id"
        " WHERE e.device_id = ? ORDER BY e.at, e.id", e);
    if (!s) return -1;
    store_bind_text(s, 1, id);
    size_t cap = 8;
    struct device_event *list = arena_alloc(a, cap * sizeof *list);
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        if (*n == cap) {
            struct device_event *more = arena_alloc(a, 2 * cap * sizeof *more);
            memcpy(more, list, *n * sizeof *more);
            list = more;
            cap *= 2;
        }
        struct device_event *ev = &list[(*n)++];
        ev->at = arena_strdup(a, store_col_text(s, 0));
        ev->from = store_col_null(s, 1) ? -1 : device_state_parse(store_col_text(s, 1));
        int to = device_state_parse(store_col_text(s, 2));
        ev->to = to < 0 ? DEVICE_IN_STOCK : (enum device_state)to;
        ev->by_user_id = col_or_null(a, s, 3);
        ev->by_label = arena_strdup(a, store_col_text(s, 4));
        ev->note = col_or_null(a, s, 5);
        ev->institution_id = col_or_null(a, s, 6);
        ev->institution_name = col_or_null(a, s, 7);
    }
    store_done(s);
    *out = list;
    return rc < 0 ? -1 : 0;
}

/* --- moves ----------------------------------------------------------------------------------------- */

/* The device's state and institution; ERR_NOT_FOUND when there is none. */
static int current(struct store *st, struct arena *a, const char *id, enum device_state *state,
                   const char **institution_id, struct err *e)
{
    struct store_stmt *s = store_prepare(st, "SELECT state, institution_id FROM devices WHERE id = ?", e);
    if (!s) return -1;
    store_bind_text(s, 1, id);
    int rc = store_step(s, e);
    int parsed = -1;
    if (rc == 1) {
        parsed = device_state_parse(store_col_text(s, 0));
        *institution_id = col_or_null(a, s, 1);
    }
    store_done(s);
    if (rc == 0) return err_set(e, ERR_NOT_FOUND, "there is no device %s", id);
    if (rc < 0) return -1;
    if (parsed < 0) return err_set(e, ERR_INTERNAL, "device %s has a state this edubridge does not know", id);
    *state = (enum device_state)parsed;
    return 0;
}

/* Inside the caller's transaction: the move itself and its history, after the caller has checked
 * it. programme_id non-NULL also sets the device's programme (the allocation's). */
static int apply_move(struct store *st, const char *id, enum device_state from, enum device_state to,
                      const char *old_inst, const char *new_inst, const char *programme_id, const char *note,
                      const char *at, const struct audit_actor *by, struct err *e)
{
    struct store_stmt *s = store_prepare(st, "UPDATE devices SET state = ?, institution_id = ?, updated_at = ?,"
                                             " programme_id = COALESCE(?, programme_id) WHERE id = ?", e);
    if (!s) return -1;
    store_bind_text(s, 1, states[to].name);
    store_bind_text(s, 2, new_inst);
    store_bind_text(s, 3, at);
    store_bind_text(s, 4, programme_id);
    store_bind_text(s, 5, id);
    int rc = store_run(s, e);
    store_done(s);
    /* Back in stock, the history still says which institution it came back from. */
    if (rc == 0) rc = add_event(st, id, (int)from, to, at, by, note, new_inst ? new_inst : old_inst, e);
    return rc;
}

/* ERR_INVALID unless id is an institution of the register that was not merged away. */
static int institution_usable(struct store *st, const char *id, struct err *e)
{
    const char *p[] = {id};
    int64_t n = count_of(st, "SELECT count(*) FROM institutions WHERE id = ? AND merged_into IS NULL", p, 1, e);
    if (n < 0) return -1;
    return n ? 0 : err_set(e, ERR_INVALID, "there is no institution %s in the register", id);
}

/* The move's checks and the move itself, inside the caller's transaction; *from is the state it
 * left. */
static int move_within(struct store *st, struct arena *a, const char *id, enum device_state to,
                       const char *institution_id, const char *note, const char *at, const struct audit_actor *by,
                       enum device_state *from, struct err *e)
{
    if ((unsigned)to >= DEVICE_STATE_COUNT) return err_set(e, ERR_INVALID, "there is no such device state");
    char now[32];
    now_iso(now, sizeof now);
    if (!at) at = now;
    institution_id = nonempty(institution_id);
    const char *old_inst = NULL, *clean_note;
    int rc;
    if ((rc = check_note(a, note, &clean_note, e)) < 0 || (rc = current(st, a, id, from, &old_inst, e)) < 0) return rc;
    if (!device_transition_allowed(*from, to))
        return err_set(e, ERR_CONFLICT, "%s", device_refusal(a, *from, to, NULL, NULL));
    const char *new_inst = old_inst;
    if (to == DEVICE_ALLOCATED) {
        if (!institution_id) return err_set(e, ERR_INVALID, "say which institution the device is allocated to");
        if ((rc = institution_usable(st, institution_id, e)) < 0) return rc;
        new_inst = institution_id;
    } else if (institution_id) {
        return err_set(e, ERR_INVALID, "only an allocation sends a device to an institution");
    } else if (to == DEVICE_IN_STOCK) {
        new_inst = NULL;
    }
    return apply_move(st, id, *from, to, old_inst, new_inst, NULL, clean_note, at, by, e);
}

int device_move_within(struct store *st, const char *id, enum device_state to, const char *institution_id,
                       const char *note, const char *at, const struct audit_actor *by, struct err *e)
{
    struct arena a;
    arena_init(&a, 4096);
    enum device_state from;
    int rc = move_within(st, &a, id, to, institution_id, note, at, by, &from, e);
    arena_free(&a);
    return rc;
}

int device_move(struct store *st, const char *id, enum device_state to, const char *institution_id, const char *note,
                const char *at, const struct audit_actor *by, struct err *e)
{
    struct arena a;
    arena_init(&a, 4096);
    enum device_state from = DEVICE_IN_STOCK;
    int rc = store_begin(st, e);
    if (rc < 0) goto out;
    if ((rc = move_within(st, &a, id, to, institution_id, note, at, by, &from, e)) < 0) goto fail;
    const char *ids[] = {id};
    char *detail = arena_printf(&a, "{\"from\": \"%s\", \"to\": \"%s\"}", states[from].name, states[to].name);
    if ((rc = audit_record(st, by, "device.move", "device", ids, 1, detail, e)) < 0) goto fail;
    if ((rc = store_commit(st, e)) < 0) goto fail;
    goto out;
fail:
    store_rollback(st);
out:
    arena_free(&a);
    return rc;
}

/* --- import ---------------------------------------------------------------------------------------- */

static void add_error(struct arena *a, struct device_import_result *r, size_t *cap, int row, const char *column,
                      const char *problem, int other_row, const char *value)
{
    if (r->nerrors == *cap) {
        *cap = *cap ? 2 * *cap : 16;
        struct sheet_row_error *more = arena_alloc(a, *cap * sizeof *more);
        if (r->nerrors) memcpy(more, r->errors, r->nerrors * sizeof *more);
        r->errors = more;
    }
    r->errors[r->nerrors++] = (struct sheet_row_error){row, column, problem, other_row, value};
}

/* A set of texts with the row each was first seen on: open addressing, in the arena. */
struct seen {
    const char **keys;
    int *rows;
    size_t cap;
};

static void seen_init(struct arena *a, struct seen *t, size_t n)
{
    t->cap = 16;
    while (t->cap < 2 * n) t->cap *= 2;
    t->keys = arena_calloc(a, t->cap, sizeof *t->keys);
    t->rows = arena_calloc(a, t->cap, sizeof *t->rows);
}

/* The row key was seen on before, or 0 after recording it with row. */
static int seen_add(struct seen *t, const char *key, int row)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *c = key; *c; c++) h = (h ^ (unsigned char)*c) * 1099511628211ull;
    for (size_t i = h & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
        if (!t->keys[i]) {
            t->keys[i] = key;
            t->rows[i] = row;
            return 0;
        }
        if (strcmp(t->keys[i], key) == 0) return t->rows[i];
    }
}

/* The header row: which field each column feeds (-1: none). */
static int *read_header(struct arena *a, const struct sheet_row *head, struct device_import_result *out, size_t *ecap)
{
    int *col_field = arena_alloc(a, head->ncells * sizeof *col_field);
    bool has[DEVICE_FIELD_COUNT] = {false};
    for (size_t c = 0; c < head->ncells; c++) {
        col_field[c] = -1;
        const char *h = trimmed(a, head->cells[c]);
        if (!*h) continue;
        int f = device_field_parse(h);
        if (f < 0) add_error(a, out, ecap, head->number, h, N_("This column is not a field of the inventory."), 0, NULL);
        else if (has[f]) add_error(a, out, ecap, head->number, h, N_("This column appears twice."), 0, NULL);
        else col_field[c] = f, has[f] = true;
    }
    if (!has[DEVICE_MODEL]) add_error(a, out, ecap, head->number, "model", N_("The column model is missing."), 0, NULL);
    if (!has[DEVICE_SERIAL] && !has[DEVICE_IMEI])
        add_error(a, out, ecap, head->number, "", N_("The file needs a serial column, an imei column or both."), 0, NULL);
    return col_field;
}

static int read_row(struct store *st, struct arena *a, const struct sheet_row *head, const int *col_field,
                    const struct sheet_row *row, struct seen *serials, struct seen *imeis,
                    struct device_import_result *out, size_t *ecap, struct err *e)
{
    struct device *d = &out->rows[out->nrows];
    const char *v[DEVICE_FIELD_COUNT] = {NULL};
    for (size_t c = 0; c < row->ncells; c++) {
        if (c >= head->ncells) {
            if (*trimmed(a, row->cells[c])) {
                char col[8];
                sheet_column_name(c, col);
                add_error(a, out, ecap, row->number, arena_strdup(a, col), N_("This cell has no column header."), 0,
                          row->cells[c]);
            }
            continue;
        }
        if (col_field[c] < 0) continue;
        const char *problem;
        if (device_value_check(a, (enum device_field)col_field[c], row->cells[c], &v[col_field[c]], &problem) < 0)
            add_error(a, out, ecap, row->number, field_names[col_field[c]], problem, 0, row->cells[c]);
    }
    if (!v[DEVICE_MODEL]) add_error(a, out, ecap, row->number, "model", N_("The model is missing."), 0, NULL);
    bool bad_serial = false, bad_imei = false;
    for (size_t k = 0; k < out->nerrors; k++) {
        if (out->errors[k].row != row->number) continue;
        bad_serial |= strcmp(out->errors[k].column, "serial") == 0;
        bad_imei |= strcmp(out->errors[k].column, "imei") == 0;
    }
    if (!v[DEVICE_SERIAL] && !v[DEVICE_IMEI] && !bad_serial && !bad_imei)
        add_error(a, out, ecap, row->number, "", N_("Give a serial number or an IMEI."), 0, NULL);
    /* Duplicates: within the file, named by the row that has it first, and against the inventory. */
    static const char *const twice[] = {N_("This serial number is on row %d too."), N_("This IMEI is on row %d too.")};
    static const char *const known[] = {N_("A device with this serial number is in the inventory already."),
                                        N_("A device with this IMEI is in the inventory already.")};
    for (int f = DEVICE_SERIAL; f <= DEVICE_IMEI; f++) {
        if (!v[f]) continue;
        int first = seen_add(f == DEVICE_SERIAL ? serials : imeis, v[f], row->number);
        if (first) {
            add_error(a, out, ecap, row->number, field_names[f], twice[f - DEVICE_SERIAL], first, v[f]);
            continue;
        }
        int t = taken(st, (enum device_field)f, v[f], e);
        if (t < 0) return -1;
        if (t) add_error(a, out, ecap, row->number, field_names[f], known[f - DEVICE_SERIAL], 0, v[f]);
    }
    d->model = v[DEVICE_MODEL];
    d->serial = v[DEVICE_SERIAL];
    d->imei = v[DEVICE_IMEI];
    d->batch = v[DEVICE_BATCH];
    d->notes = v[DEVICE_NOTES];
    d->state = DEVICE_IN_STOCK;
    out->row_numbers[out->nrows++] = row->number;
    return 0;
}

int device_import(struct store *st, struct arena *a, const struct sheet_book *book, const char *programme_id,
                  bool dry_run, bool is_demo, const struct audit_actor *by, struct device_import_result *out,
                  struct err *e)
{
    memset(out, 0, sizeof *out);
    size_t ecap = 0;
    const struct sheet *sh = book->count ? &book->sheets[0] : NULL;
    if (!sh || sh->nrows < 2) {
        add_error(a, out, &ecap, sh && sh->nrows ? sh->rows[0].number : 1, "",
                  N_("The file needs a header row naming the columns, then one device per row."), 0, NULL);
        return 0;
    }
    const int *col_field = read_header(a, &sh->rows[0], out, &ecap);
    if (out->nerrors) return 0;
    programme_id = nonempty(programme_id);
    if (programme_id) {
        const char *p[] = {programme_id};
        int64_t n = count_of(st, "SELECT count(*) FROM programmes WHERE id = ?", p, 1, e);
        if (n < 0) return -1;
        if (!n) return err_set(e, ERR_NOT_FOUND, "there is no programme %s", programme_id);
    }
    out->rows = arena_calloc(a, sh->nrows - 1, sizeof *out->rows);
    out->row_numbers = arena_calloc(a, sh->nrows - 1, sizeof *out->row_numbers);
    struct seen serials, imeis;
    seen_init(a, &serials, sh->nrows);
    seen_init(a, &imeis, sh->nrows);
    for (size_t r = 1; r < sh->nrows; r++)
        if (read_row(st, a, &sh->rows[0], col_field, &sh->rows[r], &serials, &imeis, out, &ecap, e) < 0) return -1;
    if (out->nerrors || dry_run) return 0;

    /* All or nothing: every row in one transaction, or none. */
    if (store_begin(st, e) < 0) return -1;
    char now[32];
    now_iso(now, sizeof now);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < out->nrows; i++) {
        struct device *d = &out->rows[i];
        const char *v[DEVICE_FIELD_COUNT] = {d->model, d->serial, d->imei, d->batch, d->notes};
        rc = device_insert(st, a, v, programme_id, is_demo, now, by, &d->id, e);
        d->programme_id = programme_id;
    }
    if (rc == 0) {
        const char *ids[] = {programme_id};
        char *detail = arena_printf(a, "{\"created\": %zu}", out->nrows);
        rc = audit_record(st, by, "device.import", programme_id ? "programme" : "", ids, programme_id ? 1 : 0,
                          detail, e);
    }
    if (rc == 0) rc = store_commit(st, e);
    if (rc < 0) {
        store_rollback(st);
        return -1;
    }
    out->imported = true;
    return 0;
}

/* --- allocation ------------------------------------------------------------------------------------ */

static int places(struct store *st, struct arena *a, const char *sql, struct device_place **out, size_t *n,
                  struct err *e)
{
    *out = NULL;
    *n = 0;
    struct store_stmt *s = store_prepare(st, sql, e);
    if (!s) return -1;
    size_t cap = 16;
    struct device_place *list = arena_alloc(a, cap * sizeof *list);
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        if (*n == cap) {
            struct device_place *more = arena_alloc(a, 2 * cap * sizeof *more);
            memcpy(more, list, *n * sizeof *more);
            list = more;
            cap *= 2;
        }
        list[(*n)++] = (struct device_place){arena_strdup(a, store_col_text(s, 0)), arena_strdup(a, store_col_text(s, 1)),
                                             arena_strdup(a, store_col_text(s, 2))};
    }
    store_done(s);
    *out = list;
    return rc < 0 ? -1 : 0;
}

int device_pilot_institutions(struct store *st, struct arena *a, struct device_place **out, size_t *n, struct err *e)
{
    return places(st, a, "SELECT id, name, status FROM institutions WHERE status IN ('selected','invited','accepted')"
                         " AND merged_into IS NULL ORDER BY name_key, id", out, n, e);
}

int device_institutions(struct store *st, struct arena *a, struct device_place **out, size_t *n, struct err *e)
{
    return places(st, a, "SELECT id, name, status FROM institutions WHERE (status IN ('selected','invited','accepted')"
                         " AND merged_into IS NULL) OR id IN (SELECT institution_id FROM devices"
                         " WHERE institution_id IS NOT NULL) ORDER BY name_key, id", out, n, e);
}

/* The ids of the devices in stock that programme_id may take: its own first, then general stock,
 * oldest first (ids are time-ordered, so the order is stable). */
static int stock_for(struct store *st, struct arena *a, const char *programme_id, const char ***out, size_t *n,
                     struct err *e)
{
    *n = 0;
    struct store_stmt *s = store_prepare(st,
        "SELECT id FROM devices WHERE state = 'in_stock' AND institution_id IS NULL"
        " AND (programme_id = ? OR programme_id IS NULL)"
        " ORDER BY CASE WHEN programme_id IS NULL THEN 1 ELSE 0 END, created_at, id", e);
    if (!s) return -1;
    store_bind_text(s, 1, programme_id);
    size_t cap = 64;
    const char **list = arena_alloc(a, cap * sizeof *list);
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        if (*n == cap) {
            const char **more = arena_alloc(a, 2 * cap * sizeof *more);
            memcpy(more, list, *n * sizeof *more);
            list = more;
            cap *= 2;
        }
        list[(*n)++] = arena_strdup(a, store_col_text(s, 0));
    }
    store_done(s);
    *out = list;
    return rc < 0 ? -1 : 0;
}

int device_allocate(struct store *st, struct arena *a, const char *programme_id, const struct audit_actor *by,
                    struct device_allocation *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    char now[32];
    now_iso(now, sizeof now);
    if (store_begin(st, e) < 0) return -1;
    int rc = 0;
    struct store_stmt *s = store_prepare(st, "SELECT devices_per_institution FROM programmes WHERE id = ?", e);
    if (!s) goto fail_db;
    store_bind_text(s, 1, programme_id);
    rc = store_step(s, e);
    if (rc == 1) out->quota = (int)store_col_int(s, 0);
    store_done(s);
    if (rc == 0) rc = err_set(e, ERR_NOT_FOUND, "there is no programme %s", programme_id);
    if (rc < 0) goto fail;
    struct device_place *pilot;
    const char **stock;
    size_t npilot, nstock, next = 0;
    if ((rc = device_pilot_institutions(st, a, &pilot, &npilot, e)) < 0 ||
        (rc = stock_for(st, a, programme_id, &stock, &nstock, e)) < 0)
        goto fail;
    out->stock_before = (int64_t)nstock;
    out->lines = arena_calloc(a, npilot ? npilot : 1, sizeof *out->lines);
    out->n = npilot;
    /* In name order, each filled to its quota before the next: a class set of tablets is what a
     * pilot institution can teach with, so when stock runs short the last ones wait for the next
     * delivery rather than every institution getting a few. */
    for (size_t i = 0; i < npilot; i++) {
        struct device_allocation_line *l = &out->lines[i];
        l->institution_id = pilot[i].id;
        l->name = pilot[i].name;
        l->quota = out->quota;
        const char *p[] = {pilot[i].id};
        int64_t held = count_of(st, "SELECT count(*) FROM devices WHERE institution_id = ? AND state IN " HELD_SQL, p, 1, e);
        if (held < 0) goto fail_db;
        l->held = (int)held;
        int want = l->quota > l->held ? l->quota - l->held : 0;
        while (l->allocated < want && next < nstock) {
            if ((rc = apply_move(st, stock[next++], DEVICE_IN_STOCK, DEVICE_ALLOCATED, NULL, pilot[i].id, programme_id,
                                 NULL, now, by, e)) < 0)
                goto fail;
            l->allocated++;
        }
        l->short_by = want - l->allocated;
        out->allocated += l->allocated;
        out->short_by += l->short_by;
    }
    if (out->allocated) {
        const char *ids[] = {programme_id};
        char *detail = arena_printf(a, "{\"allocated\": %lld, \"short\": %lld, \"institutions\": %zu}",
                                    (long long)out->allocated, (long long)out->short_by, npilot);
        if ((rc = audit_record(st, by, "device.allocate", "programme", ids, 1, detail, e)) < 0) goto fail;
    }
    if ((rc = store_commit(st, e)) < 0) goto fail;
    return 0;
fail_db:
    rc = -1;
fail:
    store_rollback(st);
    memset(out, 0, sizeof *out);
    return rc;
}

/* --- deliveries ------------------------------------------------------------------------------------ */

int device_shipped_to(struct store *st, struct arena *a, const char *institution_id, struct device **out, size_t *n,
                      struct err *e)
{
    struct device_filter f = {.state = "shipped", .institution_id = institution_id};
    int64_t total;
    if (!nonempty(institution_id)) {
        *out = NULL;
        *n = 0;
        return 0;
    }
    const char *p[] = {institution_id};
    int64_t count = count_of(st, "SELECT count(*) FROM devices WHERE institution_id = ? AND state = 'shipped'", p, 1, e);
    if (count < 0) return -1;
    return device_list(st, a, &f, 0, (int)(count > 0 ? count : 1), out, n, &total, e);
}

const char *device_delivery_problem(int expected, int received, size_t narrived)
{
    if (received < 0 || received > expected) return N_("Count from 0 to %d: the devices shipped to you.");
    if (narrived && (int)narrived != received)
        return N_("You ticked a different number of devices than you counted: tick exactly the ones that arrived.");
    if (!narrived && received > 0 && received < expected)
        return N_("Some devices did not arrive: tick the ones that did, by the serial number on their label, so that the others can be traced.");
    return NULL;
}

int device_delivery_confirm_within(struct store *st, struct arena *a, const char *institution_id, int received,
                                   const char *const *arrived, size_t narrived, const char *note, const char *at,
                                   const struct audit_actor *by, const char **delivery_id, struct err *e)
{
    char now[32];
    now_iso(now, sizeof now);
    if (!at) at = now;
    if (!by) by = &audit_system;
    const char *clean_note;
    if (check_note(a, note, &clean_note, e) < 0) return ERR_INVALID;
    const char *p[] = {institution_id};
    int64_t known = count_of(st, "SELECT count(*) FROM institutions WHERE id = ?", p, 1, e);
    if (known < 0) return -1;
    if (!known) return err_set(e, ERR_NOT_FOUND, "there is no institution %s", institution_id);
    struct device *shipped;
    size_t expected;
    int rc;
    if ((rc = device_shipped_to(st, a, institution_id, &shipped, &expected, e)) < 0) return rc;
    if (!expected) return err_set(e, ERR_CONFLICT, "nothing shipped to this institution is waiting for its confirmation");
    const char *problem = device_delivery_problem((int)expected, received, narrived);
    if (problem) {
        char msg[512];
        snprintf(msg, sizeof msg, problem, (int)expected);
        return err_set(e, ERR_INVALID, "%s", msg);
    }
    /* Which arrived: the ones ticked, or all of them when every one was counted. */
    bool *came = arena_calloc(a, expected, sizeof *came);
    for (size_t k = 0; k < narrived; k++) {
        size_t i = 0;
        while (i < expected && strcmp(shipped[i].id, arrived[k]) != 0) i++;
        if (i == expected || came[i])
            return err_set(e, ERR_INVALID, "%s",
                           N_("One of the devices ticked is not among those shipped to you, or is ticked twice."));
        came[i] = true;
    }
    if (!narrived && received == (int)expected)
        for (size_t i = 0; i < expected; i++) came[i] = true;
    for (size_t i = 0; i < expected; i++)
        if (came[i] && (rc = apply_move(st, shipped[i].id, DEVICE_SHIPPED, DEVICE_DELIVERED, institution_id,
                                        institution_id, NULL, clean_note, at, by, e)) < 0)
            return rc;
    /* The programme of the shipment, when its devices share one. */
    const char *programme_id = shipped[0].programme_id;
    for (size_t i = 1; i < expected && programme_id; i++)
        if (!shipped[i].programme_id || strcmp(shipped[i].programme_id, programme_id) != 0) programme_id = NULL;
    char id[ID_TEXT_SIZE];
    id_new(id);
    struct store_stmt *s = store_prepare(st,
        "INSERT INTO deliveries (id, programme_id, institution_id, expected, received, confirmed_by_user_id,"
        " confirmed_by, confirmed_at, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", e);
    if (!s) return -1;
    store_bind_text(s, 1, id);
    store_bind_text(s, 2, programme_id);
    store_bind_text(s, 3, institution_id);
    store_bind_int(s, 4, (int64_t)expected);
    store_bind_int(s, 5, received);
    store_bind_text(s, 6, by->user_id);
    store_bind_text(s, 7, by->label);
    store_bind_text(s, 8, at);
    store_bind_text(s, 9, clean_note);
    rc = store_run(s, e);
    store_done(s);
    if (rc == 0 && delivery_id) *delivery_id = arena_strdup(a, id);
    return rc;
}

int device_delivery_confirm(struct store *st, struct arena *a, const char *institution_id, int received,
                            const char *const *arrived, size_t narrived, const char *note, const char *at,
                            const struct audit_actor *by, const char **delivery_id, struct err *e)
{
    const char *id = NULL;
    if (store_begin(st, e) < 0) return -1;
    int rc = device_delivery_confirm_within(st, a, institution_id, received, arrived, narrived, note, at, by, &id, e);
    if (rc == 0) {
        const char *ids[] = {institution_id};
        const char *p[] = {id};
        int64_t expected = count_of(st, "SELECT expected FROM deliveries WHERE id = ?", p, 1, e);
        char *detail = arena_printf(a, "{\"delivery\": \"%s\", \"expected\": %lld, \"received\": %d}", id,
                                    (long long)expected, received);
        rc = expected < 0 ? -1 : audit_record(st, by, "delivery.confirm", "institution", ids, 1, detail, e);
    }
    if (rc == 0) rc = store_commit(st, e);
    if (rc < 0) {
        store_rollback(st);
        return rc;
    }
    if (delivery_id) *delivery_id = id;
    return 0;
}

#define SELECT_DELIVERY                                                                                     \
    "SELECT d.id, d.programme_id, d.institution_id, i.name, d.expected, d.received, d.confirmed_by,"      \
    " d.confirmed_at, d.note, (SELECT count(*) FROM devices v WHERE v.institution_id = d.institution_id"  \
    " AND v.state = 'shipped') FROM deliveries d JOIN institutions i ON i.id = d.institution_id"

static void read_delivery(struct arena *a, struct store_stmt *s, struct device_delivery *out)
{
    out->id = arena_strdup(a, store_col_text(s, 0));
    out->programme_id = col_or_null(a, s, 1);
    out->institution_id = arena_strdup(a, store_col_text(s, 2));
    out->institution_name = arena_strdup(a, store_col_text(s, 3));
    out->expected = (int)store_col_int(s, 4);
    out->received = (int)store_col_int(s, 5);
    out->confirmed_by = arena_strdup(a, store_col_text(s, 6));
    out->confirmed_at = arena_strdup(a, store_col_text(s, 7));
    out->note = col_or_null(a, s, 8);
    out->still_shipped = store_col_int(s, 9);
}

static int delivery_rows(struct store *st, struct arena *a, const char *sql, const char *arg,
                         struct device_delivery **out, size_t *n, struct err *e)
{
    *out = NULL;
    *n = 0;
    struct store_stmt *s = store_prepare(st, sql, e);
    if (!s) return -1;
    if (arg) store_bind_text(s, 1, arg);
    size_t cap = 8;
    struct device_delivery *list = arena_alloc(a, cap * sizeof *list);
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        if (*n == cap) {
            struct device_delivery *more = arena_alloc(a, 2 * cap * sizeof *more);
            memcpy(more, list, *n * sizeof *more);
            list = more;
            cap *= 2;
        }
        read_delivery(a, s, &list[(*n)++]);
    }
    store_done(s);
    *out = list;
    return rc < 0 ? -1 : 0;
}

int device_deliveries(struct store *st, struct arena *a, const char *institution_id, struct device_delivery **out,
                      size_t *n, struct err *e)
{
    return institution_id
               ? delivery_rows(st, a, SELECT_DELIVERY " WHERE d.institution_id = ? ORDER BY d.confirmed_at DESC, d.id DESC",
                               institution_id, out, n, e)
               : delivery_rows(st, a, SELECT_DELIVERY " ORDER BY d.confirmed_at DESC, d.id DESC", NULL, out, n, e);
}

int device_delivery_get(struct store *st, struct arena *a, const char *id, struct device_delivery *out,
                        struct err *e)
{
    struct device_delivery *list;
    size_t n;
    if (delivery_rows(st, a, SELECT_DELIVERY " WHERE d.id = ?", id, &list, &n, e) < 0) return -1;
    if (!n) return err_set(e, ERR_NOT_FOUND, "there is no delivery %s", id);
    *out = list[0];
    return 0;
}

int device_shortfalls(struct store *st, struct arena *a, struct device_delivery **out, size_t *n, struct err *e)
{
    /* Only an institution's latest confirmation can be open: a later one has counted again. */
    return delivery_rows(st, a, SELECT_DELIVERY " WHERE d.received < d.expected"
                                                " AND d.confirmed_at = (SELECT max(x.confirmed_at) FROM deliveries x"
                                                " WHERE x.institution_id = d.institution_id)"
                                                " AND EXISTS (SELECT 1 FROM devices v WHERE v.institution_id ="
                                                " d.institution_id AND v.state = 'shipped')"
                                                " ORDER BY d.confirmed_at DESC, d.id DESC", NULL, out, n, e);
}

/* --- exports --------------------------------------------------------------------------------------- */

static const char *const export_columns[] = {"id", "model", "serial", "imei", "batch", "notes", "state",
                                             "institution_id", "institution", "programme", "updated_at"};
enum { EXPORT_COLUMNS = sizeof export_columns / sizeof export_columns[0] };

static void export_values(const struct device *d, const char *out[EXPORT_COLUMNS])
{
    const char *v[EXPORT_COLUMNS] = {d->id, d->model, d->serial, d->imei, d->batch, d->notes, states[d->state].name,
                                     d->institution_id, d->institution_name, d->programme_slug, d->updated_at};
    memcpy(out, v, sizeof v);
}

typedef int (*row_fn)(void *ctx, const struct device *d, struct err *e);

/* Each device that matches f, by serial, with a per-row arena. */
static int each_device(struct store *st, const struct device_filter *f, row_fn fn, void *ctx, struct err *e)
{
    struct arena a;
    arena_init(&a, 4096);
    const char *p[8];
    int np;
    const char *where = filter_sql(&a, f, true, p, &np);
    struct store_stmt *s = store_prepare(st, arena_printf(&a, SELECT_DEVICE "%s ORDER BY d.serial IS NULL, d.serial,"
                                                              " d.imei, d.id", where), e);
    if (!s) {
        arena_free(&a);
        return -1;
    }
    for (int i = 0; i < np; i++) store_bind_text(s, i + 1, p[i]);
    struct arena row;
    arena_init(&row, 4096);
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        struct device d;
        read_device(&row, s, &d);
        if (fn(ctx, &d, e) < 0) {
            rc = -1;
            break;
        }
        arena_reset(&row);
    }
    store_done(s);
    arena_free(&row);
    arena_free(&a);
    return rc < 0 ? -1 : 0;
}

/* The filtered inventory as a plain table; forms/table_out.h writes it as CSV or XLSX (formulas
 * guarded). The table lives in a, the caller's. */
static int add_row(void *ctx, const struct device *d, struct err *e)
{
    (void)e;
    struct table_out *t = ctx;
    const char *v[EXPORT_COLUMNS];
    export_values(d, v);
    struct table_cell *cells = table_out_row(t);
    for (size_t i = 0; i < EXPORT_COLUMNS; i++) table_out_text(t, cells, i, v[i]);
    return 0;
}

static int export_table(struct store *st, const struct device_filter *f, struct arena *a, struct table_out *t,
                        struct err *e)
{
    table_out_init(t, a, "devices", export_columns, EXPORT_COLUMNS);
    return each_device(st, f, add_row, t, e);
}

int device_export_csv(struct store *st, const struct device_filter *f, device_write_fn write, void *ctx,
                      struct err *e)
{
    struct arena a;
    arena_init(&a, 64 * 1024);
    struct table_out t;
    int rc = export_table(st, f, &a, &t, e);
    if (rc == 0) rc = table_out_csv(&t, write, ctx, e);
    arena_free(&a);
    return rc;
}

int device_export_xlsx(struct store *st, const struct device_filter *f, device_write_fn write, void *ctx,
                       struct err *e)
{
    struct arena a;
    arena_init(&a, 64 * 1024);
    struct table_out t;
    int rc = export_table(st, f, &a, &t, e);
    if (rc == 0) rc = table_out_xlsx(&t, write, ctx, e);
    arena_free(&a);
    return rc;
}

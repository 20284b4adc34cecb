#include "forms/answers.h"

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool answers_next_value(const char **cursor, const char **value, size_t *len)
{
    const char *p = *cursor ? *cursor : "";
    while (*p == ' ') p++;
    if (!*p) {
        *cursor = p;
        return false;
    }
    const char *end = strchr(p, ' ');
    *value = p;
    *len = end ? (size_t)(end - p) : strlen(p);
    *cursor = p + *len;
    return true;
}

bool answers_has_value(const char *list, const char *value, size_t n)
{
    const char *v;
    size_t len;
    while (answers_next_value(&list, &v, &len))
        if (len == n && memcmp(v, value, n) == 0) return true;
    return false;
}

struct answers *answers_new(struct arena *a)
{
    struct answers *s = arena_calloc(a, 1, sizeof *s);
    s->arena = a;
    return s;
}

static size_t slot_of(const char *name, int instance, size_t mask)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)(unsigned)instance; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) h = (h ^ *p) * 1099511628211ull;
    return (size_t)(h ^ (h >> 32)) & mask;
}

static void slot_put(struct answers *s, size_t index)
{
    size_t mask = s->nslots - 1, k = slot_of(s->items[index].name, s->items[index].instance, mask);
    while (s->slots[k]) k = (k + 1) & mask;
    s->slots[k] = index + 1;
}

/* Makes the table again, at least twice as large as the answers: after growth, and after a
 * removal (rare: open addressing cannot simply clear one slot). */
static void slots_rebuild(struct answers *s)
{
    size_t n = s->nslots ? s->nslots : 64;
    while (n < s->count * 2 + 2) n *= 2;
    if (n != s->nslots) {
        s->slots = arena_alloc(s->arena, n * sizeof *s->slots);
        s->nslots = n;
    }
    memset(s->slots, 0, n * sizeof *s->slots);
    for (size_t i = 0; i < s->count; i++) slot_put(s, i);
}

static struct answer *find(const struct answers *s, const char *name, int instance)
{
    if (!s->nslots) return NULL;
    size_t mask = s->nslots - 1;
    for (size_t k = slot_of(name, instance, mask); s->slots[k]; k = (k + 1) & mask) {
        struct answer *an = &s->items[s->slots[k] - 1];
        if (an->instance == instance && strcmp(an->name, name) == 0) return an;
    }
    return NULL;
}

const char *answers_get(const struct answers *s, const char *name, int instance)
{
    const struct answer *an = find(s, name, instance);
    return an ? an->value : NULL;
}

static void grow(struct arena *a, struct answer **items, size_t count, size_t *cap)
{
    if (count < *cap) return;
    size_t ncap = *cap ? *cap * 2 : 32;
    struct answer *n = arena_alloc(a, ncap * sizeof *n);
    if (count) memcpy(n, *items, count * sizeof *n);
    *items = n;
    *cap = ncap;
}

void answers_set(struct answers *s, const char *name, int instance, const char *value)
{
    struct answer *an = find(s, name, instance);
    if (!value) {
        if (an) {
            *an = s->items[--s->count];
            slots_rebuild(s);
        }
        return;
    }
    if (an) {
        if (strcmp(an->value, value) != 0) an->value = arena_strdup(s->arena, value);
        return;
    }
    grow(s->arena, &s->items, s->count, &s->cap);
    s->items[s->count++] = (struct answer){arena_strdup(s->arena, name), instance, arena_strdup(s->arena, value)};
    if (s->count * 2 + 2 > s->nslots) slots_rebuild(s);
    else slot_put(s, s->count - 1);
}

int answers_repeat_count(const struct answers *s, const char *repeat)
{
    for (size_t i = 0; i < s->nrepeats; i++)
        if (strcmp(s->repeat_counts[i].name, repeat) == 0) return atoi(s->repeat_counts[i].value);
    return 0;
}

void answers_set_repeat_count(struct answers *s, const char *repeat, int count)
{
    char buf[16];
    snprintf(buf, sizeof buf, "%d", count < 0 ? 0 : count);
    for (size_t i = 0; i < s->nrepeats; i++) {
        if (strcmp(s->repeat_counts[i].name, repeat) == 0) {
            s->repeat_counts[i].value = arena_strdup(s->arena, buf);
            return;
        }
    }
    grow(s->arena, &s->repeat_counts, s->nrepeats, &s->repeats_cap);
    s->repeat_counts[s->nrepeats++] = (struct answer){arena_strdup(s->arena, repeat), 0, arena_strdup(s->arena, buf)};
}

static bool inside(const struct form_field *fd, const struct form_field *repeat)
{
    for (const struct form_field *p = fd->parent; p; p = p->parent)
        if (p == repeat) return true;
    return false;
}

void answers_trim_repeat(struct answers *s, const struct form *f, const struct form_field *repeat, int count)
{
    for (size_t i = 0; i < s->count;) {
        const struct answer *an = &s->items[i];
        const struct form_field *fd = an->instance > count ? form_field_by_name(f, an->name) : NULL;
        if (fd && inside(fd, repeat)) s->items[i] = s->items[--s->count];
        else i++;
    }
    if (s->nslots) slots_rebuild(s);
    answers_set_repeat_count(s, repeat->name, count);
}

/* --- JSON -------------------------------------------------------------------------------------- */

static bool stored(const struct form_field *fd)
{
    return fd->type != FT_GROUP && fd->type != FT_REPEAT && fd->type != FT_NOTE;
}

/* A JSON string. Written here rather than through jansson's object tree: building and dumping
 * the tree was about 6 % of the CPU of an API submission, for output this simple. As jansson
 * does, a value that is not UTF-8 is not written at all (the caller leaves out its member). */
static void put_string(struct strbuf *out, const char *v)
{
    static const char hex[] = "0123456789abcdef";
    strbuf_putc(out, '"');
    const char *run = v;
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p >= 0x20 && *p != '"' && *p != '\\') continue;
        strbuf_append(out, run, (size_t)((const char *)p - run));
        switch (*p) {
        case '"': strbuf_puts(out, "\\\""); break;
        case '\\': strbuf_puts(out, "\\\\"); break;
        case '\n': strbuf_puts(out, "\\n"); break;
        case '\r': strbuf_puts(out, "\\r"); break;
        case '\t': strbuf_puts(out, "\\t"); break;
        case '\b': strbuf_puts(out, "\\b"); break;
        case '\f': strbuf_puts(out, "\\f"); break;
        default: {
            char u[7] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15], 0};
            strbuf_puts(out, u);
        }
        }
        run = (const char *)p + 1;
    }
    strbuf_puts(out, run);
    strbuf_putc(out, '"');
}

static void put_name(struct strbuf *out, bool *first, const char *name)
{
    if (!*first) strbuf_putc(out, ',');
    *first = false;
    put_string(out, name);
    strbuf_putc(out, ':');
}

static void put_fields(const struct answers *s, struct form_field *const *fields, size_t n, int instance,
                       struct strbuf *out, bool *first)
{
    for (size_t i = 0; i < n; i++) {
        const struct form_field *fd = fields[i];
        if (fd->type == FT_GROUP) {
            put_fields(s, fd->children, fd->nchildren, instance, out, first);
        } else if (fd->type == FT_REPEAT) {
            int count = answers_repeat_count(s, fd->name);
            put_name(out, first, fd->name);
            strbuf_putc(out, '[');
            for (int k = 1; k <= count; k++) {
                bool item_first = true;
                strbuf_puts(out, k > 1 ? ",{" : "{");
                put_fields(s, fd->children, fd->nchildren, k, out, &item_first);
                strbuf_putc(out, '}');
            }
            strbuf_putc(out, ']');
        } else if (stored(fd)) {
            const char *v = answers_get(s, fd->name, instance);
            if (!v || !str_utf8_valid(v, strlen(v))) continue;
            put_name(out, first, fd->name);
            put_string(out, v);
        }
    }
}

void answers_to_json(const struct form *f, const struct answers *s, struct strbuf *out)
{
    bool first = true;
    strbuf_putc(out, '{');
    put_fields(s, f->top, f->ntop, 0, out, &first);
    strbuf_putc(out, '}');
}

/* The text of a scalar JSON value; NULL for objects and nested arrays. */
static const char *scalar_text(struct arena *a, const json_t *v)
{
    if (json_is_string(v)) return arena_strdup(a, json_string_value(v));
    if (json_is_integer(v)) return arena_printf(a, "%lld", (long long)json_integer_value(v));
    if (json_is_real(v)) return arena_printf(a, "%.17g", json_real_value(v));
    if (json_is_true(v)) return "true";
    if (json_is_false(v)) return "false";
    if (json_is_null(v)) return "";
    return NULL;
}

static int read_object(struct answers *s, const struct form *f, const json_t *obj, int instance,
                       const struct form_field *repeat, bool strict, struct err *e)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v) {
        const struct form_field *fd = form_field_by_name(f, key);
        bool acceptable = fd && (stored(fd) || fd->type == FT_REPEAT) &&
                          (fd->type == FT_REPEAT || form_field_repeat(fd) == repeat);
        if (!acceptable) {
            if (!strict) continue;
            if (!fd) return err_set(e, ERR_INVALID, "%s: there is no such field in this form", key);
            return err_set(e, ERR_INVALID, "%s: this field cannot be answered here", key);
        }
        if (fd->type == FT_REPEAT) {
            if (!json_is_array(v)) return err_set(e, ERR_INVALID, "%s: a repeat must be a list of objects", key);
            if (instance) return err_set(e, ERR_INVALID, "%s: repeats inside repeats are not supported", key);
            size_t k;
            json_t *item;
            json_array_foreach(v, k, item) {
                if (!json_is_object(item))
                    return err_set(e, ERR_INVALID, "%s: item %zu is not an object", key, k + 1);
                if (read_object(s, f, item, (int)k + 1, fd, strict, e) < 0) return -1;
            }
            answers_set_repeat_count(s, fd->name, (int)json_array_size(v));
            continue;
        }
        const char *text;
        if (json_is_array(v)) {
            if (fd->type != FT_SELECT_MULTIPLE && fd->type != FT_RANK)
                return err_set(e, ERR_INVALID, "%s: a list is only allowed for select_multiple and rank", key);
            struct strbuf sb;
            strbuf_init(&sb, s->arena, 64);
            size_t k;
            json_t *item;
            json_array_foreach(v, k, item) {
                const char *t = scalar_text(s->arena, item);
                if (!t || strchr(t, ' '))
                    return err_set(e, ERR_INVALID, "%s: item %zu is not a choice value", key, k + 1);
                if (sb.len) strbuf_putc(&sb, ' ');
                strbuf_puts(&sb, t);
            }
            text = sb.data;
        } else {
            text = scalar_text(s->arena, v);
            if (!text) return err_set(e, ERR_INVALID, "%s: expected text, a number or a list", key);
        }
        answers_set(s, fd->name, instance, text);
    }
    return 0;
}

/* jansson allocates every value, string and hash table of a parsed text on its own, and frees
 * them one by one again: about a third of reading an answer set went to malloc and free. While
 * answers_from_json parses, this thread's jansson allocations come from the caller's arena instead
 * and frees are skipped (the arena goes as a whole). Everything jansson allocates in that window
 * is also released in it (the tree is dropped before the window closes); outside it, and in every
 * other thread, the functions are plain malloc and free. jansson's allocator is process-wide, so it
 * is set once. */
static _Thread_local struct arena *json_arena;

static void *json_alloc(size_t n)
{
    return json_arena ? arena_alloc(json_arena, n ? n : 1) : malloc(n);
}

static void json_release(void *p)
{
    if (!json_arena) free(p);
}

static pthread_once_t json_alloc_once = PTHREAD_ONCE_INIT;

static void json_alloc_install(void)
{
    json_set_alloc_funcs(json_alloc, json_release);
}

struct answers *answers_from_json(struct arena *a, const struct form *f, const char *json, size_t len,
                                  bool strict, struct err *e)
{
    pthread_once(&json_alloc_once, json_alloc_install);
    json_arena = a;
    json_error_t je;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        json_arena = NULL;
        err_set(e, ERR_INVALID, "not valid JSON (line %d, column %d): %s", je.line, je.column, je.text);
        return NULL;
    }
    struct answers *s = NULL;
    if (!json_is_object(root)) {
        err_set(e, ERR_INVALID, "the answers must be a JSON object of field names to values");
    } else {
        s = answers_new(a);
        if (read_object(s, f, root, 0, NULL, strict, e) < 0) s = NULL;
    }
    json_decref(root);
    json_arena = NULL;
    return s;
}

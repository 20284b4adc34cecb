#include "forms/answers.h"

#include <jansson.h>
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

static struct answer *find(const struct answers *s, const char *name, int instance)
{
    for (size_t i = 0; i < s->count; i++)
        if (s->items[i].instance == instance && strcmp(s->items[i].name, name) == 0) return &s->items[i];
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
        if (an) *an = s->items[--s->count];
        return;
    }
    if (an) {
        if (strcmp(an->value, value) != 0) an->value = arena_strdup(s->arena, value);
        return;
    }
    grow(s->arena, &s->items, s->count, &s->cap);
    s->items[s->count++] = (struct answer){arena_strdup(s->arena, name), instance, arena_strdup(s->arena, value)};
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
    answers_set_repeat_count(s, repeat->name, count);
}

/* --- JSON -------------------------------------------------------------------------------------- */

static bool stored(const struct form_field *fd)
{
    return fd->type != FT_GROUP && fd->type != FT_REPEAT && fd->type != FT_NOTE;
}

static void put_fields(const struct form *f, const struct answers *s, struct form_field *const *fields,
                       size_t n, int instance, json_t *obj)
{
    for (size_t i = 0; i < n; i++) {
        const struct form_field *fd = fields[i];
        if (fd->type == FT_GROUP) {
            put_fields(f, s, fd->children, fd->nchildren, instance, obj);
        } else if (fd->type == FT_REPEAT) {
            int count = answers_repeat_count(s, fd->name);
            json_t *arr = json_array();
            for (int k = 1; k <= count; k++) {
                json_t *item = json_object();
                put_fields(f, s, fd->children, fd->nchildren, k, item);
                json_array_append_new(arr, item);
            }
            json_object_set_new(obj, fd->name, arr);
        } else if (stored(fd)) {
            const char *v = answers_get(s, fd->name, instance);
            if (v) json_object_set_new(obj, fd->name, json_string(v));
        }
    }
}

void answers_to_json(const struct form *f, const struct answers *s, struct strbuf *out)
{
    json_t *obj = json_object();
    put_fields(f, s, f->top, f->ntop, 0, obj);
    char *text = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (text) {
        strbuf_puts(out, text);
        free(text);
    }
    json_decref(obj);
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

struct answers *answers_from_json(struct arena *a, const struct form *f, const char *json, size_t len,
                                  bool strict, struct err *e)
{
    json_error_t je;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
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
    return s;
}

/* form: the lookups over a built form. A form is read-only once built and shared by worker threads,
 * so nothing here caches or allocates; the name index is built once, by form_index(). */
#include "forms/form.h"

#include "base/arena.h"
#include "base/str.h"

#include <stdint.h>
#include <string.h>

const char *form_type_name(enum form_type t)
{
    switch (t) {
    case FT_TEXT: return "text";
    case FT_INTEGER: return "integer";
    case FT_DECIMAL: return "decimal";
    case FT_RANGE: return "range";
    case FT_SELECT_ONE: return "select_one";
    case FT_SELECT_MULTIPLE: return "select_multiple";
    case FT_RANK: return "rank";
    case FT_NOTE: return "note";
    case FT_ACKNOWLEDGE: return "acknowledge";
    case FT_DATE: return "date";
    case FT_TIME: return "time";
    case FT_DATETIME: return "datetime";
    case FT_CALCULATE: return "calculate";
    case FT_HIDDEN: return "hidden";
    case FT_GEOPOINT: return "geopoint";
    case FT_IMAGE: return "image";
    case FT_FILE: return "file";
    case FT_GROUP: return "begin_group";
    case FT_REPEAT: return "begin_repeat";
    case FT_START: return "start";
    case FT_END: return "end";
    case FT_TODAY: return "today";
    case FT_USERNAME: return "username";
    case FT_INSTANCE_ID: return "instanceID";
    }
    return "?";
}

bool form_type_is_input(enum form_type t)
{
    switch (t) {
    case FT_TEXT: case FT_INTEGER: case FT_DECIMAL: case FT_RANGE:
    case FT_SELECT_ONE: case FT_SELECT_MULTIPLE: case FT_RANK: case FT_ACKNOWLEDGE:
    case FT_DATE: case FT_TIME: case FT_DATETIME: case FT_GEOPOINT: case FT_IMAGE: case FT_FILE:
        return true;
    default:
        return false;
    }
}

bool form_type_is_meta(enum form_type t)
{
    return t == FT_START || t == FT_END || t == FT_TODAY || t == FT_USERNAME || t == FT_INSTANCE_ID;
}

/* FNV-1a: names are short and the index is built once, so a simple hash is enough. */
static uint64_t hash_name(const char *s)
{
    uint64_t h = 1469598103934665603u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

void form_index(struct form *f, struct arena *a)
{
    size_t n = 16;
    while (n < 2 * f->nfields) n *= 2; /* at most half full: short probes */
    const struct form_field **slots = arena_calloc(a, n, sizeof *slots);
    for (size_t i = 0; i < f->nfields; i++) {
        const struct form_field *fd = &f->fields[i];
        if (!fd->name || !fd->name[0]) continue;
        size_t k = (size_t)hash_name(fd->name) & (n - 1);
        while (slots[k] && strcmp(slots[k]->name, fd->name) != 0) k = (k + 1) & (n - 1);
        if (!slots[k]) slots[k] = fd;
    }
    f->name_slots = slots;
    f->name_nslots = n;
}

const struct form_field *form_field_by_name(const struct form *f, const char *name)
{
    if (!f || !name) return NULL;
    if (f->name_nslots) {
        size_t mask = f->name_nslots - 1, k = (size_t)hash_name(name) & mask;
        for (; f->name_slots[k]; k = (k + 1) & mask)
            if (strcmp(f->name_slots[k]->name, name) == 0) return f->name_slots[k];
        return NULL;
    }
    for (size_t i = 0; i < f->nfields; i++)
        if (f->fields[i].name && strcmp(f->fields[i].name, name) == 0) return &f->fields[i];
    return NULL;
}

const struct form_choice_list *form_list_by_name(const struct form *f, const char *name)
{
    if (!f || !name) return NULL;
    for (size_t i = 0; i < f->nlists; i++)
        if (strcmp(f->lists[i].name, name) == 0) return &f->lists[i];
    return NULL;
}

const struct form_choice *form_choice_by_value(const struct form_choice_list *l, const char *value)
{
    if (!l || !value) return NULL;
    for (size_t i = 0; i < l->count; i++)
        if (strcmp(l->choices[i].value, value) == 0) return &l->choices[i];
    return NULL;
}

int form_language_index(const struct form *f, const char *code)
{
    if (!f || !code) return -1;
    for (size_t i = 0; i < f->nlang; i++)
        if (str_eq_nocase(f->languages[i].code, code)) return (int)i;
    for (size_t i = 0; i < f->nlang; i++)
        if (str_eq_nocase(f->languages[i].name, code)) return (int)i;
    return -1;
}

const char *form_text(const struct form *f, const char **texts, size_t lang)
{
    if (!texts) return "";
    if (f && lang >= f->nlang) lang = f->default_lang;
    const char *t = texts[lang];
    if ((!t || !t[0]) && f) t = texts[f->default_lang];
    return t ? t : "";
}

bool form_field_adds_other(const struct form_field *fd)
{
    return fd->or_other && !form_choice_by_value(fd->list, "other");
}

const struct form_field *form_field_repeat(const struct form_field *fd)
{
    for (fd = fd ? fd->parent : NULL; fd; fd = fd->parent)
        if (fd->type == FT_REPEAT) return fd;
    return NULL;
}

/* answers: one respondent's answers to one form, by field name and repeat instance.
 *
 * Field names are unique in a form (the importer refuses duplicates), so a name and, inside a
 * repeat, the 1-based instance number identify an answer. Values are text exactly as stored:
 * select_multiple values joined by single spaces, dates as YYYY-MM-DD, numbers as entered.
 * Everything lives in the arena given to answers_new; nothing is freed one by one. */
#ifndef EDUBRIDGE_ANSWERS_H
#define EDUBRIDGE_ANSWERS_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/str.h"
#include "forms/form.h"

struct answer {
    const char *name;
    int instance;       /* 0 outside repeats; 1.. inside */
    const char *value;  /* never NULL; "" means no answer */
};

struct answers {
    struct arena *arena;
    struct answer *items;
    size_t count, cap;
    size_t *slots;                /* open addressing over items by name and instance: index + 1,
                                     0 when empty; a form's pages look answers up hundreds of times */
    size_t nslots;                /* a power of two, at least twice count; 0 before the first answer */
    struct answer *repeat_counts; /* name: the repeat's name; instance unused; value: decimal count */
    size_t nrepeats, repeats_cap;
};

/* The values of a select_multiple or rank answer ("devices training"), one after another:
 *     const char *cur = answer, *v; size_t n;
 *     while (answers_next_value(&cur, &v, &n)) ... v[0..n) is one value, not NUL-terminated
 * Extra spaces are skipped; an empty answer has no values. */
bool answers_next_value(const char **cursor, const char **value, size_t *len);
/* True when the space-separated list holds the value (n bytes). */
bool answers_has_value(const char *list, const char *value, size_t n);

struct answers *answers_new(struct arena *a);
/* The answer, or NULL when there is none (an empty answer returns ""). */
const char *answers_get(const struct answers *s, const char *name, int instance);
/* Sets (or replaces) an answer; value is copied into the arena. NULL removes it. */
void answers_set(struct answers *s, const char *name, int instance, const char *value);
int answers_repeat_count(const struct answers *s, const char *repeat);
void answers_set_repeat_count(struct answers *s, const char *repeat, int count);
/* Removes every answer of the fields inside repeat at instances above count. */
void answers_trim_repeat(struct answers *s, const struct form *f, const struct form_field *repeat, int count);

/* JSON as stored and as the API speaks: {"name": "value", "repeat": [{"child": "v"}, ...]}.
 * Only fields of the form are written, in form order. */
void answers_to_json(const struct form *f, const struct answers *s, struct strbuf *out);
/* Reads that JSON back. Unknown names are errors (ERR_INVALID naming them) when strict, else
 * skipped. A select_multiple may be an array of strings or a space-separated string; numbers and
 * booleans are accepted as their text. */
struct answers *answers_from_json(struct arena *a, const struct form *f, const char *json, size_t len,
                                  bool strict, struct err *e);

#endif

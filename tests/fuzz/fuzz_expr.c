/* libFuzzer target for forms/expr: parse any text (as a choice_filter when it starts with '?');
 * what parses is listed for references and evaluated against a small fixed environment (plain
 * fields, repeats, choice labels, choice columns). Everything lives in one arena, freed after each
 * input. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/err.h"
#include "forms/expr.h"

static const char *const repeat_items[] = {"3", "", "2024-01-31", "x y", "-1.5"};

static int lookup(void *ctx, const char *name, struct expr_value *out, struct arena *a)
{
    (void)ctx, (void)a;
    if (strcmp(name, "r") == 0) {
        *out = expr_value_nodeset(repeat_items, 5);
    } else if (strcmp(name, "none") == 0) {
        *out = expr_value_nodeset(NULL, 0);
    } else if (strcmp(name, "n") == 0) {
        *out = expr_value_number(42);
    } else if (strcmp(name, "d") == 0) {
        *out = expr_value_string("2024-02-29T23:59:59.999-11:30");
    } else if (strcmp(name, "s") == 0) {
        *out = expr_value_string("a b c \xC3\xA9");
    } else if (strcmp(name, "e") == 0) {
        *out = expr_value_string("");
    } else if (name[0] == 'x') {
        return -1;
    } else {
        *out = expr_value_string(name);
    }
    return 0;
}

static const char *label(void *ctx, const char *field, const char *value, struct arena *a)
{
    (void)ctx;
    return arena_printf(a, "%s:%s", field, value);
}

static const char *uuid(void *ctx, struct arena *a)
{
    (void)ctx;
    return arena_strdup(a, "00000000-0000-7000-8000-000000000000");
}

static int column(void *ctx, const char *name, struct expr_value *out, struct arena *a)
{
    (void)ctx, (void)a;
    if (name[0] == 'x') return -1;
    *out = name[0] == 'r' ? expr_value_nodeset(repeat_items, 5) : expr_value_string(name);
    return 0;
}

static void ref(void *ctx, const char *name, int pos)
{
    size_t *n = ctx;
    *n += strlen(name) + (size_t)pos;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct expr_env env = {
        .lookup = lookup,
        .choice_label = label,
        .uuid = uuid,
        .column = column,
        .current = "12",
        .position = 3,
        .now_ms = 1706689230400,
        .tz_offset_minutes = -330,
    };
    char *src = malloc(size + 1);
    if (!src) return 0;
    memcpy(src, data, size);
    src[size] = '\0';

    struct arena a;
    arena_init(&a, 0);
    struct err e;
    err_clear(&e);
    /* a choice_filter when the text starts with '?', which also parses bare names */
    bool filter = size > 0 && src[0] == '?';
    struct expr *x = filter ? expr_parse_filter(&a, src + 1, &e) : expr_parse(&a, src, &e);
    if (x) {
        size_t refs = 0;
        expr_foreach_ref(x, ref, &refs);
        expr_foreach_column(x, ref, &refs);
        struct expr_value v;
        if (expr_eval(x, &env, &a, &v, &e) == 0) {
            (void)expr_to_bool(&v);
            (void)expr_to_number(&v);
            (void)expr_to_string(&v, &a);
        } else {
            (void)expr_error_position(&e);
        }
    } else {
        (void)expr_error_position(&e);
    }
    arena_free(&a);
    free(src);
    return 0;
}

#include "program/need_expr.h"

#include <math.h>
#include <string.h>

#include "base/arena.h"
#include "base/err.h"
#include "forms/expr.h"

struct refcheck {
    const char *const *names;
    size_t nnames;
    const char *unknown; /* the first name not among them */
};

static void check_ref(void *ctx, const char *name, int pos)
{
    (void)pos;
    struct refcheck *rc = ctx;
    if (rc->unknown) return;
    for (size_t i = 0; i < rc->nnames; i++)
        if (strcmp(rc->names[i], name) == 0) return;
    rc->unknown = name;
}

struct expr *ni_expr_parse(struct arena *a, const char *src, const char *const *names, size_t nnames,
                           struct err *e)
{
    struct expr *x = expr_parse(a, src, e);
    if (!x || !names) return x;
    struct refcheck rc = {.names = names, .nnames = nnames};
    expr_foreach_ref(x, check_ref, &rc);
    if (rc.unknown) {
        err_set(e, ERR_INVALID, "Indicator expression reads ${%s}, which is not a field of the register or the survey.",
                rc.unknown);
        return NULL;
    }
    return x;
}

static int lookup(void *ctx, const char *name, struct expr_value *out, struct arena *a)
{
    (void)a;
    const struct ni_record *rec = ctx;
    for (size_t i = 0; i < rec->count; i++) {
        if (strcmp(rec->fields[i].name, name) == 0) {
            *out = expr_value_string(rec->fields[i].value);
            return 0;
        }
    }
    *out = expr_value_string(""); /* not given: unanswered, as in a form */
    return 0;
}

int ni_expr_eval(const struct expr *x, const struct ni_record *rec, int64_t now_ms, struct arena *scratch,
                 double *out, struct err *e)
{
    struct expr_env env = {.ctx = (void *)rec, .lookup = lookup, .now_ms = now_ms};
    struct expr_value v;
    *out = NAN;
    if (expr_eval(x, &env, scratch, &v, e) < 0) return e ? e->code : ERR_INVALID;
    double d = expr_to_number(&v);
    *out = isfinite(d) ? d : NAN;
    return 0;
}

int ni_expr_column(const struct expr *x, const struct ni_record *recs, size_t n, int64_t now_ms, double *out,
                   size_t *failed, struct err *first_failure)
{
    struct arena scratch;
    arena_init(&scratch, 4096);
    size_t nfail = 0;
    for (size_t i = 0; i < n; i++) {
        struct err e;
        err_clear(&e);
        if (ni_expr_eval(x, &recs[i], now_ms, &scratch, &out[i], &e) < 0) {
            out[i] = NAN;
            if (nfail++ == 0) err_set(first_failure, e.code, "institution %zu: %s", i + 1, e.msg);
        }
        arena_reset(&scratch);
    }
    arena_free(&scratch);
    if (failed) *failed = nfail;
    return 0;
}

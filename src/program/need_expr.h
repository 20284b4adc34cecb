/* need_expr: need-index indicators written as expressions of the forms engine (docs/expressions.md)
 * over an institution's data and survey answers, e.g. "${learners} div max(${devices}, 1)".
 *
 * An institution is given as a plain list of name -> text pairs (its register fields and its
 * answers, as the value index stores them), so no form is needed: the expression reads ${name}
 * through that list. A name the expression reads but the institution lacks counts as unanswered
 * (''), as an unanswered question does in a form; ni_expr_parse() catches misspelt names up front
 * by checking every ${name} against the names the caller knows.
 *
 * The result converts to a number as XPath does (a boolean is 1 or 0, a date a number of days);
 * '' , text that is not a number, NaN and infinities are a missing value (NaN), which need_index.h's
 * missing-data rule then handles. Ownership: the parsed tree lives in the caller's arena; nothing
 * else is kept. */
#ifndef EDUBRIDGE_NEED_EXPR_H
#define EDUBRIDGE_NEED_EXPR_H

#include <stddef.h>
#include <stdint.h>

struct arena;
struct err;
struct expr;

struct ni_field {
    const char *name;
    const char *value; /* NULL or "": unanswered */
};

struct ni_record {
    const struct ni_field *fields; /* looked up in order: the first of a name counts */
    size_t count;
};

/* Parses src and checks that every ${name} in it is one of names (nnames of them; names NULL:
 * no check). NULL with e filled (ERR_INVALID): a syntax error "... at character N", or
 * "Indicator expression reads ${x}, which is not a field of the register or the survey." */
struct expr *ni_expr_parse(struct arena *a, const char *src, const char *const *names, size_t nnames,
                           struct err *e);

/* Evaluates x for one institution into *out (NaN: missing). now_ms: the clock for today() and
 * now(), fixed by the caller so that an index computed twice comes out the same (0: the real clock).
 * scratch holds the evaluation's temporaries. < 0 with e filled when the evaluation fails (an
 * invalid date or pattern in the data). */
int ni_expr_eval(const struct expr *x, const struct ni_record *rec, int64_t now_ms, struct arena *scratch,
                 double *out, struct err *e);

/* One indicator column: out[i] for each of the n records. A record whose evaluation fails gets NaN
 * (missing) and is counted in *failed; the first such error, prefixed by the record's position
 * ("institution 3: ..."), goes to first_failure (may be NULL). Returns 0. */
int ni_expr_column(const struct expr *x, const struct ni_record *recs, size_t n, int64_t now_ms, double *out,
                   size_t *failed, struct err *first_failure);

#endif

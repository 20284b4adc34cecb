/* expr: the forms engine's expression language, the XPath subset that XLSForm/ODK forms use in
 * relevant, constraint, calculation, choice_filter and repeat_count.
 *
 * expr_parse() turns text into a tree that lives in the caller's arena and is read-only afterwards,
 * so one parsed form can be shared by worker threads. expr_eval() reads answers through a small
 * environment of callbacks; every value it returns (strings, node-set arrays) lives in the arena it
 * was given. Nothing here keeps global state or allocates outside the arenas, and no input, however
 * hostile, makes it crash: bad text is a parse error with its position, bad data an evaluation error.
 * docs/expressions.md describes the language and where it differs from ODK. */
#ifndef EDUBRIDGE_EXPR_H
#define EDUBRIDGE_EXPR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct err;

enum expr_type {
    EXPR_STRING,
    EXPR_NUMBER,
    EXPR_BOOL,
    EXPR_NODESET, /* the answers of a field inside a repeat, one per instance, read from outside it */
};

/* A value. Dates and date-times are strings in ISO 8601 ("2024-01-31", "2024-01-31T10:20:30.400+02:00")
 * that convert to numbers of days since 1970-01-01T00:00Z when arithmetic asks for numbers. */
struct expr_value {
    enum expr_type type;
    bool boolean;             /* EXPR_BOOL */
    double number;            /* EXPR_NUMBER */
    const char *string;       /* EXPR_STRING: never NULL; "" is an empty answer */
    const char *const *items; /* EXPR_NODESET: count strings, none NULL */
    size_t count;
};

static inline struct expr_value expr_value_string(const char *s)
{
    return (struct expr_value){.type = EXPR_STRING, .string = s ? s : ""};
}
static inline struct expr_value expr_value_number(double d)
{
    return (struct expr_value){.type = EXPR_NUMBER, .number = d};
}
static inline struct expr_value expr_value_bool(bool b)
{
    return (struct expr_value){.type = EXPR_BOOL, .boolean = b};
}
static inline struct expr_value expr_value_nodeset(const char *const *items, size_t count)
{
    return (struct expr_value){.type = EXPR_NODESET, .items = items, .count = count};
}

/* What an expression may read. Only lookup is needed in practice; NULL callbacks fall back as said. */
struct expr_env {
    void *ctx;
    /* The answer to ${name}: a string (a field outside any repeat, or in the current repeat instance),
     * or a node-set (a repeated field read from outside its repeat). Values go in a; strings stay
     * valid for the evaluation. Returns 0, or < 0 when no such field exists (an evaluation error). */
    int (*lookup)(void *ctx, const char *name, struct expr_value *out, struct arena *a);
    /* The label of choice value in the list of select field field, for jr:choice-name(); NULL: "". */
    const char *(*choice_label)(void *ctx, const char *field, const char *value, struct arena *a);
    /* A new unique id for uuid(); NULL callback: a fresh UUIDv7 (base/id.h). */
    const char *(*uuid)(void *ctx, struct arena *a);
    /* For an expression from expr_parse_filter(): the value of column name (name, or any other
     * column of the choices sheet) in the choice being tested. < 0: no such column. */
    int (*column)(void *ctx, const char *name, struct expr_value *out, struct arena *a);
    const char *current;   /* the answer '.' stands for (constraints, once()); NULL reads as "" */
    int position;          /* 1-based instance of the enclosing repeat for position(..); 0 outside */
    int64_t now_ms;        /* the clock for today() and now(), ms since the epoch; 0: the real clock */
    int tz_offset_minutes; /* the respondent's UTC offset (east positive), for today(), now(), dates */
};

/* Limits that keep hostile input from exhausting the stack (checked while parsing). */
enum {
    EXPR_MAX_NESTING = 200, /* parentheses, calls and unary minus inside one another */
    EXPR_MAX_HEIGHT = 500,  /* depth of the tree, which long chains like a+b+c+... also build */
    EXPR_MAX_ARGS = 1000,   /* arguments of one call */
};
/* What one evaluation may allocate in its arena, and the longest text a function may return,
 * before it stops with ERR_LIMIT. */
#define EXPR_MAX_EVAL_BYTES ((size_t)32 << 20)
enum { EXPR_MAX_STRING = 256 << 10 };

struct expr;

/* Parses src (UTF-8, NUL-terminated) into a tree allocated in a. Returns NULL with e filled
 * (ERR_INVALID) on a syntax error, an unknown function, a wrong number of arguments or an invalid
 * literal regex() pattern; the message ends "at character N" (1-based, counted in characters). */
struct expr *expr_parse(struct arena *a, const char *src, struct err *e);

/* The same for a choice_filter, where a bare name ("state = ${state}") is a column of the choices
 * sheet, read through env->column; elsewhere a bare name is a syntax error. */
struct expr *expr_parse_filter(struct arena *a, const char *src, struct err *e);

/* The N of "at character N" in a message from expr_parse() or expr_eval(); 0 when there is none. */
int expr_error_position(const struct err *e);

/* Calls fn once per ${name} reference in x, in source order, with its 1-based character position
 * (duplicates included). The field named inside jr:choice-name(v, '${field}') counts too. */
void expr_foreach_ref(const struct expr *x, void (*fn)(void *ctx, const char *name, int pos),
                      void *ctx);

/* The same for the bare column names of an expression from expr_parse_filter(). */
void expr_foreach_column(const struct expr *x, void (*fn)(void *ctx, const char *name, int pos),
                         void *ctx);

/* Evaluates x. Returns 0 and fills out (its strings in a), or < 0 with e filled: an unknown field
 * (ERR_NOT_FOUND), an invalid regex() pattern or date, position(..) outside a repeat (ERR_INVALID). */
int expr_eval(const struct expr *x, const struct expr_env *env, struct arena *a,
              struct expr_value *out, struct err *e);

/* XPath conversions as ODK applies them. A node-set converts through its first item (none: "").
 * Strings that hold ISO dates convert to day numbers; a date-time without an offset is read as UTC
 * here (expr_eval reads it in env's zone). expr_to_string returns v's own string or one in a. */
bool expr_to_bool(const struct expr_value *v);
double expr_to_number(const struct expr_value *v);
const char *expr_to_string(const struct expr_value *v, struct arena *a);

/* ---- Below: shared by expr_parse.c, expr_eval.c and expr_func.c only. ---- */
#ifdef EXPR_INTERNAL

#include "base/str.h"

#include <regex.h>

enum expr_node_kind {
    EN_NUM,     /* u.num */
    EN_STR,     /* u.str */
    EN_REF,     /* u.str: the field name */
    EN_CURRENT, /* . */
    EN_PARENT,  /* .., only as the argument of position() */
    EN_NEG,     /* u.kid[0] */
    EN_BIN,     /* op: enum expr_binop; u.kid[0], u.kid[1] */
    EN_CALL,    /* op: enum expr_func; nargs, u.args */
    EN_COLUMN,  /* u.str: a choices-sheet column, in a choice_filter */
};

enum expr_binop {
    EB_OR, EB_AND, EB_EQ, EB_NE, EB_LT, EB_LE, EB_GT, EB_GE, EB_ADD, EB_SUB, EB_MUL, EB_DIV, EB_MOD,
};

enum expr_func {
    EF_ABS, EF_ACOS, EF_ASIN, EF_ATAN, EF_ATAN2, EF_BOOLEAN, EF_BOOLEAN_FROM_STRING, EF_CEILING,
    EF_CHECKLIST, EF_COALESCE, EF_CONCAT, EF_CONTAINS, EF_COS, EF_COUNT, EF_COUNT_NON_EMPTY,
    EF_COUNT_SELECTED, EF_DATE, EF_DATE_TIME, EF_DECIMAL_DATE_TIME, EF_DECIMAL_TIME, EF_ENDS_WITH,
    EF_EXP, EF_EXP10, EF_FALSE, EF_FLOOR, EF_FORMAT_DATE, EF_FORMAT_DATE_TIME, EF_IF, EF_INT, EF_JOIN,
    EF_CHOICE_NAME, EF_LOG, EF_LOG10, EF_LOWER_CASE, EF_MAX, EF_MIN, EF_NORMALIZE_SPACE, EF_NOT,
    EF_NOW, EF_NUMBER, EF_ONCE, EF_PI, EF_POSITION, EF_POW, EF_RANDOM, EF_REGEX, EF_ROUND,
    EF_SELECTED, EF_SELECTED_AT, EF_SIN, EF_SQRT, EF_STARTS_WITH, EF_STRING, EF_STRING_LENGTH,
    EF_SUBSTR, EF_SUBSTRING_AFTER, EF_SUBSTRING_BEFORE, EF_SUM, EF_TAN, EF_TODAY, EF_TRANSLATE,
    EF_TRUE, EF_UPPER_CASE, EF_UUID, EF_WEIGHTED_CHECKLIST,
};

struct expr_node {
    uint8_t kind;    /* enum expr_node_kind */
    uint8_t op;      /* enum expr_binop or enum expr_func */
    uint16_t nargs;  /* EN_CALL */
    uint16_t height; /* 1 for a leaf */
    uint32_t pos;    /* 1-based character position in the source */
    union {
        double num;
        const char *str;
        struct expr_node *kid[2];
        struct expr_node **args;
    } u;
};

struct expr {
    const struct expr_node *root;
};

enum { EXPR_ARGS_MANY = 0xFFFF };

struct expr_funcdef {
    const char *name;
    uint8_t id;       /* enum expr_func */
    uint16_t min_args;
    uint16_t max_args; /* EXPR_ARGS_MANY: no limit */
};

/* The function named by the n bytes at name, or NULL. */
const struct expr_funcdef *expr_func_find(const char *name, size_t n);

/* One evaluation in progress. */
struct expr_ev {
    const struct expr_env *env;
    struct arena *a;
    size_t allocated_at_start; /* a->allocated when the evaluation began */
    struct err *e;
    int64_t now_ms;
    int tz;
};

int expr_ev_node(struct expr_ev *ev, const struct expr_node *n, struct expr_value *out);
int expr_ev_call(struct expr_ev *ev, const struct expr_node *n, struct expr_value *out);
double expr_ev_number(const struct expr_ev *ev, const struct expr_value *v);
const char *expr_ev_string(struct expr_ev *ev, const struct expr_value *v);

/* XPath number syntax as ODK reads it ("1,5" counts as 1.5); NaN when s is not a number. */
double expr_parse_number(const char *s);
/* Writes d as XPath prints numbers (no exponent, integers without ".0", NaN, Infinity). */
void expr_format_number(struct strbuf *sb, double d);
/* Reads "YYYY-MM-DD" with an optional "Thh:mm[:ss[.fff]]" and offset (Z, +hh, +hhmm, +hh:mm).
 * days: since 1970-01-01T00:00Z; a date alone counts as midnight UTC of that day, a date-time with
 * no offset is read at tz minutes east of UTC. */
bool expr_parse_date(const char *s, int tz, double *days, bool *has_time);
/* The field a jr:choice-name() second argument names: "${f}", "/data/group/f" or "f" give "f".
 * Returns the offset of the name in s and its length in *len; *len is 0 when nothing fits. */
size_t expr_choice_field(const char *s, size_t *len);
/* Translates a regex() pattern (Java/ODK flavour: \d, \s, \w, (?:...)) to POSIX ERE anchored at
 * both ends, or returns false with why filled. size (may be NULL): the estimated size of the
 * compiled pattern, for bounding the time a match may take. */
bool expr_regex_translate(const char *pattern, struct strbuf *out, double *size, char *why,
                          size_t why_size);
/* regcomp(REG_EXTENDED | REG_NOSUB) in a UTF-8 locale when the system has one (so that '.' and
 * classes take whole characters); regexec must run under the same: expr_regex_match(). */
int expr_regex_compile(regex_t *re, const char *ere);
int expr_regex_match(const regex_t *re, const char *s);

#endif /* EXPR_INTERNAL */

#endif

/* expr_eval: walks the tree; operators and the XPath conversions between types.
 *
 * Conversions follow JavaRosa (ODK Collect's engine) where XPath 1.0 leaves room: numbers compare
 * equal within 1e-12, "1,5" reads as 1.5, and numbers print without an exponent. */
#define EXPR_INTERNAL
#include "forms/expr.h"

#include "base/arena.h"
#include "base/err.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <ctype.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- numbers ---- */

double expr_parse_number(const char *s)
{
    /* JavaRosa's rule: trim, read ',' as the decimal point, allow only digits, '-' and '.'. */
    while (*s && (unsigned char)*s <= ' ') s++;
    size_t n = strlen(s);
    while (n && (unsigned char)s[n - 1] <= ' ') n--;
    if (n == 0 || n > 350) return NAN;
    char buf[360];
    size_t i = 0, digits = 0, points = 0;
    const char *dp = localeconv()->decimal_point;
    char point = dp && dp[0] && !dp[1] ? dp[0] : '.';
    if (s[0] == '-') buf[i++] = '-';
    for (size_t k = i; k < n; k++) {
        char c = s[k];
        if (isdigit((unsigned char)c)) {
            digits++;
            buf[i++] = c;
        } else if ((c == '.' || c == ',') && points++ == 0) {
            buf[i++] = point;
        } else {
            return NAN;
        }
    }
    if (digits == 0) return NAN;
    buf[i] = '\0';
    return strtod(buf, NULL);
}

/* Shortest decimal digits that read back as d (d finite, non-zero): digits without sign or point,
 * and exp, the power of ten of the first digit. Returns the number of digits. */
static int shortest_digits(double d, char digits[24], int *exp)
{
    char buf[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*e", prec - 1, d);
        if (strtod(buf, NULL) == d || prec == 17) break;
    }
    /* buf is like "-1.2345e+02" with the locale's decimal point. */
    int n = 0;
    const char *s = buf;
    while (*s && *s != 'e') {
        if (isdigit((unsigned char)*s)) digits[n++] = *s;
        s++;
    }
    *exp = *s == 'e' ? atoi(s + 1) : 0;
    while (n > 1 && digits[n - 1] == '0') n--;
    digits[n] = '\0';
    return n;
}

void expr_format_number(struct strbuf *sb, double d)
{
    if (isnan(d)) {
        strbuf_puts(sb, "NaN");
        return;
    }
    if (isinf(d)) {
        strbuf_puts(sb, d < 0 ? "-Infinity" : "Infinity");
        return;
    }
    /* JavaRosa's tolerances: what is within 1e-12 of an integer prints as that integer, so that
     * 0.1 * 3 * 10 shows as 3 as it does on the phone. */
    if (fabs(d) < 1e-12) {
        strbuf_putc(sb, '0');
        return;
    }
    if (fabs(d) < 1e15 && fabs(d - round(d)) < 1e-12) {
        strbuf_printf(sb, "%.0f", round(d));
        return;
    }
    char digits[24];
    int exp, n = shortest_digits(d, digits, &exp);
    if (d < 0) strbuf_putc(sb, '-');
    if (exp < 0) {
        strbuf_puts(sb, "0.");
        for (int i = 0; i < -exp - 1; i++) strbuf_putc(sb, '0');
        strbuf_append(sb, digits, (size_t)n);
        return;
    }
    for (int i = 0; i <= exp; i++) strbuf_putc(sb, i < n ? digits[i] : '0');
    if (n > exp + 1) {
        strbuf_putc(sb, '.');
        strbuf_append(sb, digits + exp + 1, (size_t)(n - exp - 1));
    }
}

/* ---- conversions ---- */

static double string_number(const char *s, int tz)
{
    double d = expr_parse_number(s);
    bool has_time;
    if (isnan(d) && *s && !expr_parse_date(s, tz, &d, &has_time)) d = NAN;
    return d;
}

static double value_number(const struct expr_value *v, int tz)
{
    switch (v->type) {
    case EXPR_NUMBER: return v->number;
    case EXPR_BOOL: return v->boolean ? 1 : 0;
    case EXPR_STRING: return string_number(v->string ? v->string : "", tz);
    case EXPR_NODESET: return v->count ? string_number(v->items[0], tz) : NAN;
    }
    return NAN;
}

double expr_ev_number(const struct expr_ev *ev, const struct expr_value *v)
{
    return value_number(v, ev->tz);
}

double expr_to_number(const struct expr_value *v)
{
    return value_number(v, 0);
}

bool expr_to_bool(const struct expr_value *v)
{
    switch (v->type) {
    case EXPR_BOOL: return v->boolean;
    case EXPR_NUMBER: return v->number != 0 && !isnan(v->number);
    case EXPR_STRING: return v->string && v->string[0];
    case EXPR_NODESET: return v->count > 0;
    }
    return false;
}

const char *expr_to_string(const struct expr_value *v, struct arena *a)
{
    switch (v->type) {
    case EXPR_STRING: return v->string ? v->string : "";
    case EXPR_BOOL: return v->boolean ? "true" : "false";
    case EXPR_NODESET: return v->count ? v->items[0] : "";
    case EXPR_NUMBER: {
        struct strbuf sb;
        strbuf_init(&sb, a, 32);
        expr_format_number(&sb, v->number);
        return sb.data;
    }
    }
    return "";
}

const char *expr_ev_string(struct expr_ev *ev, const struct expr_value *v)
{
    return expr_to_string(v, ev->a);
}

/* ---- comparison ---- */

static bool num_cmp(double x, double y, int op)
{
    switch (op) {
    case EB_EQ: return fabs(x - y) < 1e-12 || x == y;
    case EB_NE: return !(fabs(x - y) < 1e-12 || x == y);
    case EB_LT: return x < y;
    case EB_LE: return x <= y;
    case EB_GT: return x > y;
    default: return x >= y;
    }
}

static bool str_cmp(const char *x, const char *y, int op)
{
    int c = strcmp(x, y);
    switch (op) {
    case EB_EQ: return c == 0;
    case EB_NE: return c != 0;
    case EB_LT: return c < 0;
    case EB_LE: return c <= 0;
    case EB_GT: return c > 0;
    default: return c >= 0;
    }
}

/* Two values that are not node-sets. */
static bool scalar_cmp(struct expr_ev *ev, const struct expr_value *a, const struct expr_value *b,
                       int op)
{
    bool eq = op == EB_EQ || op == EB_NE;
    if (eq && (a->type == EXPR_BOOL || b->type == EXPR_BOOL)) {
        bool x = expr_to_bool(a), y = expr_to_bool(b);
        return op == EB_EQ ? x == y : x != y;
    }
    if (eq && a->type == EXPR_STRING && b->type == EXPR_STRING)
        return str_cmp(a->string, b->string, op);
    double x = expr_ev_number(ev, a), y = expr_ev_number(ev, b);
    if (!isnan(x) && !isnan(y)) return num_cmp(x, y, op);
    /* Not both numbers: a NaN number never matches; otherwise text against text, as the issue asks,
     * except that an empty answer never orders (so an unanswered age is not "< 18"). */
    if ((a->type == EXPR_NUMBER && isnan(a->number)) || (b->type == EXPR_NUMBER && isnan(b->number)))
        return op == EB_NE;
    if (a->type == EXPR_BOOL || b->type == EXPR_BOOL) return false;
    const char *s = expr_ev_string(ev, a), *t = expr_ev_string(ev, b);
    if (!eq && (!*s || !*t)) return false;
    return str_cmp(s, t, op);
}

/* XPath: a comparison involving a node-set holds when it holds for some member. */
static bool compare(struct expr_ev *ev, const struct expr_value *a, const struct expr_value *b, int op)
{
    if (a->type != EXPR_NODESET && b->type != EXPR_NODESET) return scalar_cmp(ev, a, b, op);
    if ((op == EB_EQ || op == EB_NE) && (a->type == EXPR_BOOL || b->type == EXPR_BOOL)) {
        bool x = expr_to_bool(a), y = expr_to_bool(b);
        return op == EB_EQ ? x == y : x != y;
    }
    size_t na = a->type == EXPR_NODESET ? a->count : 1;
    size_t nb = b->type == EXPR_NODESET ? b->count : 1;
    for (size_t i = 0; i < na; i++) {
        struct expr_value x = a->type == EXPR_NODESET ? expr_value_string(a->items[i]) : *a;
        for (size_t j = 0; j < nb; j++) {
            struct expr_value y = b->type == EXPR_NODESET ? expr_value_string(b->items[j]) : *b;
            if (scalar_cmp(ev, &x, &y, op)) return true;
        }
    }
    return false;
}

/* ---- the walk ---- */

static int eval_binary(struct expr_ev *ev, const struct expr_node *n, struct expr_value *out)
{
    struct expr_value l, r;
    int rc = expr_ev_node(ev, n->u.kid[0], &l);
    if (rc < 0) return rc;
    if (n->op == EB_AND || n->op == EB_OR) {
        bool b = expr_to_bool(&l);
        if (b == (n->op == EB_OR)) {
            *out = expr_value_bool(b);
            return 0;
        }
        if ((rc = expr_ev_node(ev, n->u.kid[1], &r)) < 0) return rc;
        *out = expr_value_bool(expr_to_bool(&r));
        return 0;
    }
    if ((rc = expr_ev_node(ev, n->u.kid[1], &r)) < 0) return rc;
    if (n->op <= EB_GE) {
        *out = expr_value_bool(compare(ev, &l, &r, n->op));
        return 0;
    }
    double x = expr_ev_number(ev, &l), y = expr_ev_number(ev, &r), z;
    switch (n->op) {
    case EB_ADD: z = x + y; break;
    case EB_SUB: z = x - y; break;
    case EB_MUL: z = x * y; break;
    case EB_DIV: z = x / y; break;
    default: z = fmod(x, y); break;
    }
    *out = expr_value_number(z);
    return 0;
}

static int eval_ref(struct expr_ev *ev, const struct expr_node *n, struct expr_value *out)
{
    const struct expr_env *env = ev->env;
    *out = expr_value_string("");
    if (!env->lookup || env->lookup(env->ctx, n->u.str, out, ev->a) < 0)
        return err_set(ev->e, ERR_NOT_FOUND, "no field named ${%s} at character %u", n->u.str, n->pos);
    if (out->type == EXPR_STRING && !out->string) out->string = "";
    if (out->type == EXPR_NODESET && !out->items) out->count = 0;
    return 0;
}

static int eval_column(struct expr_ev *ev, const struct expr_node *n, struct expr_value *out)
{
    const struct expr_env *env = ev->env;
    *out = expr_value_string("");
    if (!env->column || env->column(env->ctx, n->u.str, out, ev->a) < 0)
        return err_set(ev->e, ERR_NOT_FOUND, "no choice column named '%s' at character %u", n->u.str,
                       n->pos);
    if (out->type == EXPR_STRING && !out->string) out->string = "";
    if (out->type == EXPR_NODESET && !out->items) out->count = 0;
    return 0;
}

/* Function results are where text can grow faster than the expression that makes it (uuid(1000),
 * concat of node-sets, nested joins): each is held to EXPR_MAX_STRING, and the evaluation as a
 * whole to EXPR_MAX_EVAL_BYTES, so that time and memory stay bounded by the limits. */
static int eval_call(struct expr_ev *ev, const struct expr_node *n, struct expr_value *out)
{
    int rc = expr_ev_call(ev, n, out);
    if (rc < 0) return rc;
    if (ev->a->allocated - ev->allocated_at_start > EXPR_MAX_EVAL_BYTES)
        return err_set(ev->e, ERR_LIMIT, "the expression needs too much memory at character %u",
                       n->pos);
    if (out->type == EXPR_STRING && strnlen(out->string, EXPR_MAX_STRING + 1) > EXPR_MAX_STRING)
        return err_set(ev->e, ERR_LIMIT, "the expression makes a text longer than %d KiB at "
                       "character %u", EXPR_MAX_STRING >> 10, n->pos);
    return 0;
}

int expr_ev_node(struct expr_ev *ev, const struct expr_node *n, struct expr_value *out)
{
    switch (n->kind) {
    case EN_NUM:
        *out = expr_value_number(n->u.num);
        return 0;
    case EN_STR:
        *out = expr_value_string(n->u.str);
        return 0;
    case EN_REF:
        return eval_ref(ev, n, out);
    case EN_CURRENT:
        *out = expr_value_string(ev->env->current);
        return 0;
    case EN_NEG: {
        int rc = expr_ev_node(ev, n->u.kid[0], out);
        if (rc < 0) return rc;
        *out = expr_value_number(-expr_ev_number(ev, out));
        return 0;
    }
    case EN_BIN:
        return eval_binary(ev, n, out);
    case EN_CALL:
        return eval_call(ev, n, out);
    case EN_COLUMN:
        return eval_column(ev, n, out);
    default: /* EN_PARENT is read by position() alone */
        return err_set(ev->e, ERR_INVALID, "'..' is only supported as position(..) at character %u",
                       n->pos);
    }
}

int expr_eval(const struct expr *x, const struct expr_env *env, struct arena *a,
              struct expr_value *out, struct err *e)
{
    static const struct expr_env none;
    struct expr_ev ev = {.env = env ? env : &none, .a = a, .allocated_at_start = a->allocated, .e = e};
    ev.now_ms = ev.env->now_ms ? ev.env->now_ms : time_now_ms();
    ev.tz = ev.env->tz_offset_minutes;
    if (ev.tz < -18 * 60 || ev.tz > 18 * 60) ev.tz = 0;
    *out = expr_value_string("");
    if (!x) return err_set(e, ERR_INVALID, "no expression");
    int rc = expr_ev_node(&ev, x->root, out);
    if (rc < 0) *out = expr_value_string("");
    return rc < 0 ? rc : 0;
}

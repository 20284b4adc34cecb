/* expr_parse: text to tree, by recursive descent over XPath's precedence levels.
 *
 * The lexer works on demand, one token of lookahead. Every node records its character position so
 * that the validator and evaluation errors can point at the spot. */
#define EXPR_INTERNAL
#include "forms/expr.h"

#include "base/arena.h"
#include "base/err.h"
#include "base/str.h"

#include <ctype.h>
#include <locale.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum tok_kind {
    TK_END, TK_NUM, TK_STR, TK_REF, TK_DOT, TK_DOTDOT, TK_NAME, TK_LP, TK_RP, TK_COMMA,
    TK_PLUS, TK_MINUS, TK_STAR, TK_EQ, TK_NE, TK_LT, TK_LE, TK_GT, TK_GE, TK_OTHER,
};

struct token {
    enum tok_kind kind;
    size_t off; /* first byte in src */
    size_t len; /* bytes */
};

struct parser {
    struct arena *a;
    const char *src;
    size_t next;     /* first byte not yet lexed */
    struct token tok; /* lookahead */
    int nesting;
    bool columns; /* bare names are choice columns (expr_parse_filter) */
    struct err *e;
    size_t memo_off; /* parser_pos() memo: byte memo_off is character memo_pos */
    int memo_pos;
};

/* How much of s (n bytes) to quote in a message: at most ~40 bytes, cut on a character boundary. */
static int quote_len(const char *s, size_t n)
{
    if (n <= 40) return (int)n;
    size_t k = 40;
    while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80) k--;
    return (int)k;
}

/* The 1-based position of byte off in characters, not bytes: what a person counting in an editor
 * sees. Counted from the last answer: nodes are made nearly in source order, so parsing stays
 * linear where counting from the start each time would be quadratic in the length. */
static int parser_pos(struct parser *p, size_t off)
{
    const char *s = p->src;
    if (off >= p->memo_off) {
        for (size_t i = p->memo_off; i < off; i++)
            if (((unsigned char)s[i] & 0xC0) != 0x80) p->memo_pos++;
    } else {
        for (size_t i = off; i < p->memo_off; i++)
            if (((unsigned char)s[i] & 0xC0) != 0x80) p->memo_pos--;
    }
    p->memo_off = off;
    return p->memo_pos;
}

static void *fail_at(struct parser *p, size_t off, const char *what)
{
    err_set(p->e, ERR_INVALID, "%s at character %d", what, parser_pos(p, off));
    return NULL;
}

static bool is_name_start(unsigned char c) { return isalpha(c) || c == '_'; }
static bool is_name_char(unsigned char c) { return isalnum(c) || c == '_' || c == '-' || c == '.'; }

/* Spreadsheets bring non-breaking spaces along with the formula; they separate tokens as well. */
static size_t space_len(const char *s)
{
    unsigned char c = (unsigned char)s[0];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') return 1;
    if (c == 0xC2 && (unsigned char)s[1] == 0xA0) return 2;
    return 0;
}

static size_t skip_space(const char *src, size_t i)
{
    size_t n;
    while ((n = space_len(src + i)) > 0) i += n;
    return i;
}

/* Length of the well-formed UTF-8 character at s, 0 when it is not one. */
static size_t utf8_char_len(const char *s)
{
    unsigned char c = (unsigned char)s[0];
    size_t n = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
             : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    for (size_t i = 1; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) return 0;
    return n && str_utf8_valid(s, n) ? n : 0;
}

static bool lex_bad_char(struct parser *p, size_t i)
{
    const char *s = p->src + i;
    unsigned char c = (unsigned char)*s;
    char msg[160];
    if (c == '/')
        snprintf(msg, sizeof msg, "unexpected '/' (divide with 'div'; refer to a field as ${name})");
    else if (c == '$')
        snprintf(msg, sizeof msg, "'$' must start a reference such as ${name}");
    else if (c == '!')
        snprintf(msg, sizeof msg, "unexpected '!' (write != or not(...))");
    else if (c >= 0x20 && c < 0x7F)
        snprintf(msg, sizeof msg, "unexpected character '%c'", c);
    else if (c == 0xE2 && (unsigned char)s[1] == 0x80 && (unsigned char)s[2] >= 0x98 &&
             (unsigned char)s[2] <= 0x9D)
        snprintf(msg, sizeof msg, "curly quote %.3s (use straight quotes ' or \")", s);
    else if (utf8_char_len(s) > 1)
        snprintf(msg, sizeof msg, "unexpected character '%.*s'", (int)utf8_char_len(s), s);
    else
        snprintf(msg, sizeof msg, "unexpected byte 0x%02X", c);
    fail_at(p, i, msg);
    return false;
}

static bool lex_ref(struct parser *p, size_t i)
{
    const char *s = p->src;
    size_t j = i + 2;
    while (s[j] && s[j] != '}' && s[j] != '\'' && s[j] != '"' && s[j] != '$') j++;
    if (s[j] != '}') return fail_at(p, i, "unterminated reference '${'"), false;
    size_t n = j - (i + 2);
    bool ok = n > 0 && str_utf8_valid(s + i + 2, n) &&
              (is_name_start((unsigned char)s[i + 2]) || (unsigned char)s[i + 2] >= 0x80);
    for (size_t k = i + 3; ok && k < j; k++)
        ok = is_name_char((unsigned char)s[k]) || (unsigned char)s[k] >= 0x80;
    if (!ok) {
        char msg[120];
        snprintf(msg, sizeof msg, "invalid field name in ${%.*s}",
                 str_utf8_valid(s + i + 2, n) ? quote_len(s + i + 2, n) : 0, s + i + 2);
        return fail_at(p, i, msg), false;
    }
    p->tok = (struct token){TK_REF, i, j + 1 - i};
    p->next = j + 1;
    return true;
}

/* Reads the next token into p->tok; false (with p->e filled) on text that is no token. */
static bool lex(struct parser *p)
{
    const char *s = p->src;
    size_t i = skip_space(s, p->next);
    unsigned char c = (unsigned char)s[i];
    enum tok_kind k = TK_OTHER;
    size_t j = i + 1;

    if (c == '\0') {
        k = TK_END;
        j = i;
    } else if (isdigit(c) || (c == '.' && isdigit((unsigned char)s[i + 1]))) {
        j = i;
        while (isdigit((unsigned char)s[j])) j++;
        if (s[j] == '.') {
            j++;
            while (isdigit((unsigned char)s[j])) j++;
        }
        k = TK_NUM;
    } else if (c == '.') {
        k = s[i + 1] == '.' ? TK_DOTDOT : TK_DOT;
        j = i + (k == TK_DOTDOT ? 2 : 1);
    } else if (c == '\'' || c == '"') {
        const char *end = strchr(s + i + 1, c);
        if (!end) return fail_at(p, i, "unterminated string"), false;
        k = TK_STR;
        j = (size_t)(end - s) + 1;
    } else if (c == '$') {
        if (s[i + 1] != '{') return lex_bad_char(p, i);
        return lex_ref(p, i);
    } else if (is_name_start(c)) {
        j = i + 1;
        while (is_name_char((unsigned char)s[j])) j++;
        if (s[j] == ':' && is_name_start((unsigned char)s[j + 1])) {
            j += 2;
            while (is_name_char((unsigned char)s[j])) j++;
        }
        k = TK_NAME;
    } else {
        switch (c) {
        case '(': k = TK_LP; break;
        case ')': k = TK_RP; break;
        case ',': k = TK_COMMA; break;
        case '+': k = TK_PLUS; break;
        case '-': k = TK_MINUS; break;
        case '*': k = TK_STAR; break;
        case '=': k = TK_EQ; break;
        case '!':
            if (s[i + 1] != '=') return lex_bad_char(p, i);
            k = TK_NE;
            j = i + 2;
            break;
        case '<':
        case '>':
            if (s[i + 1] == '=') j = i + 2;
            k = c == '<' ? (j == i + 2 ? TK_LE : TK_LT) : (j == i + 2 ? TK_GE : TK_GT);
            break;
        default:
            return lex_bad_char(p, i);
        }
    }
    p->tok = (struct token){k, i, j - i};
    p->next = j;
    return true;
}

static bool tok_is_word(const struct token *t, const char *src, const char *word)
{
    size_t n = strlen(word);
    return t->kind == TK_NAME && t->len == n && memcmp(src + t->off, word, n) == 0;
}

static void *unexpected(struct parser *p)
{
    const struct token *t = &p->tok;
    const char *s = p->src + t->off;
    char msg[160];
    switch (t->kind) {
    case TK_END:
        return fail_at(p, t->off, "unexpected end of expression");
    case TK_STR:
        if (str_utf8_valid(s + 1, t->len - 2))
            snprintf(msg, sizeof msg, "unexpected string %c%.*s%s%c", s[0], quote_len(s + 1, t->len - 2),
                     s + 1, quote_len(s + 1, t->len - 2) < (int)t->len - 2 ? "..." : "", s[0]);
        else
            snprintf(msg, sizeof msg, "unexpected string");
        break;
    case TK_NUM:
        snprintf(msg, sizeof msg, "unexpected number %.*s%s", quote_len(s, t->len), s,
                 quote_len(s, t->len) < (int)t->len ? "..." : "");
        break;
    case TK_REF:
        snprintf(msg, sizeof msg, "unexpected reference %.*s%s", quote_len(s, t->len), s,
                 quote_len(s, t->len) < (int)t->len ? "..." : "");
        break;
    default:
        snprintf(msg, sizeof msg, "unexpected '%.*s'", quote_len(s, t->len), s);
        break;
    }
    return fail_at(p, t->off, msg);
}

static struct expr_node *new_node(struct parser *p, enum expr_node_kind kind, size_t off)
{
    struct expr_node *n = arena_calloc(p->a, 1, sizeof *n);
    n->kind = (uint8_t)kind;
    n->height = 1;
    n->pos = (uint32_t)parser_pos(p, off);
    return n;
}

/* Sets n's height from its children; false (error filled) when the tree grows too deep to walk. */
static bool set_height(struct parser *p, struct expr_node *n, unsigned kids_height, size_t off)
{
    if (kids_height + 1 > EXPR_MAX_HEIGHT) {
        char msg[80];
        snprintf(msg, sizeof msg, "expression is too long or too deeply nested (limit %d)",
                 EXPR_MAX_HEIGHT);
        fail_at(p, off, msg);
        return false;
    }
    n->height = (uint16_t)(kids_height + 1);
    return true;
}

static struct expr_node *parse_expr(struct parser *p);

static bool enter(struct parser *p)
{
    if (++p->nesting > EXPR_MAX_NESTING) {
        char msg[80];
        snprintf(msg, sizeof msg, "expression is nested too deeply (limit %d)", EXPR_MAX_NESTING);
        fail_at(p, p->tok.off, msg);
        return false;
    }
    return true;
}

static bool expect(struct parser *p, enum tok_kind k)
{
    if (p->tok.kind != k) return unexpected(p), false;
    return lex(p);
}

static const char *plural(unsigned n) { return n == 1 ? "" : "s"; }

static void *arity_error(struct parser *p, const struct expr_funcdef *f, unsigned got, size_t off)
{
    char want[64], msg[200];
    if (f->max_args == EXPR_ARGS_MANY)
        snprintf(want, sizeof want, "at least %u argument%s", f->min_args, plural(f->min_args));
    else if (f->min_args == f->max_args)
        snprintf(want, sizeof want, f->min_args ? "%u argument%s" : "no arguments", f->min_args,
                 plural(f->min_args));
    else if (f->max_args == f->min_args + 1)
        snprintf(want, sizeof want, "%u or %u arguments", f->min_args, f->max_args);
    else
        snprintf(want, sizeof want, "%u to %u arguments", f->min_args, f->max_args);
    snprintf(msg, sizeof msg, "%s() takes %s, not %u,", f->name, want, got);
    return fail_at(p, off, msg);
}

/* A literal regex() pattern is checked now, so that the form validator reports it at import. */
static bool check_literal_pattern(struct parser *p, const struct expr_node *pat)
{
    if (pat->kind != EN_STR) return true;
    struct strbuf sb;
    char why[160], msg[220];
    strbuf_init(&sb, p->a, 64);
    bool ok = expr_regex_translate(pat->u.str, &sb, NULL, why, sizeof why);
    if (ok) {
        regex_t re;
        int rc = expr_regex_compile(&re, sb.data);
        if (rc == 0) {
            regfree(&re);
        } else {
            regerror(rc, NULL, why, sizeof why);
            ok = false;
        }
    }
    if (!ok) {
        snprintf(msg, sizeof msg, "invalid regular expression in regex(): %s", why);
        err_set(p->e, ERR_INVALID, "%s at character %u", msg, pat->pos);
    }
    return ok;
}

/* After the name and '(' of a call: the arguments up to ')'. */
static struct expr_node *parse_call(struct parser *p, const struct expr_funcdef *f, size_t off)
{
    struct expr_node *n = new_node(p, EN_CALL, off);
    n->op = f->id;
    unsigned cap = 4, count = 0, height = 0;
    struct expr_node **args = arena_alloc(p->a, cap * sizeof *args);

    if (f->id == EF_POSITION && p->tok.kind == TK_DOTDOT) {
        args[count++] = new_node(p, EN_PARENT, p->tok.off);
        if (!lex(p)) return NULL;
        height = 1;
    } else if (p->tok.kind != TK_RP) {
        for (;;) {
            if (count == EXPR_MAX_ARGS) return fail_at(p, p->tok.off, "too many arguments");
            struct expr_node *arg = parse_expr(p);
            if (!arg) return NULL;
            if (count == cap) {
                struct expr_node **bigger = arena_alloc(p->a, 2 * cap * sizeof *args);
                memcpy(bigger, args, cap * sizeof *args);
                args = bigger;
                cap *= 2;
            }
            args[count++] = arg;
            if (arg->height > height) height = arg->height;
            if (p->tok.kind != TK_COMMA) break;
            if (!lex(p)) return NULL;
        }
    }
    if (!expect(p, TK_RP)) return NULL;
    if (count < f->min_args || (f->max_args != EXPR_ARGS_MANY && count > f->max_args))
        return arity_error(p, f, count, off);
    if (f->id == EF_POSITION && count == 1 && args[0]->kind != EN_PARENT)
        return fail_at(p, off, "position() takes '..' or nothing");
    if (f->id == EF_WEIGHTED_CHECKLIST && count % 2 != 0)
        return fail_at(p, off, "weighted-checklist() takes an even number of arguments");
    if (f->id == EF_REGEX && !check_literal_pattern(p, args[1])) return NULL;
    n->nargs = (uint16_t)count;
    n->u.args = args;
    return set_height(p, n, height, off) ? n : NULL;
}

static struct expr_node *parse_name(struct parser *p)
{
    const struct token t = p->tok;
    const char *name = p->src + t.off;
    size_t after = skip_space(p->src, t.off + t.len);
    if (p->src[after] != '(') {
        char msg[160];
        if (tok_is_word(&t, p->src, "and") || tok_is_word(&t, p->src, "or") ||
            tok_is_word(&t, p->src, "div") || tok_is_word(&t, p->src, "mod"))
            return unexpected(p);
        if (p->columns && !memchr(name, ':', t.len)) {
            struct expr_node *n = new_node(p, EN_COLUMN, t.off);
            n->u.str = arena_strndup(p->a, name, t.len);
            return lex(p) ? n : NULL;
        }
        snprintf(msg, sizeof msg, "unknown name '%.*s' (a field is written ${%.*s}, a function "
                 "call needs parentheses)", quote_len(name, t.len), name, quote_len(name, t.len), name);
        return fail_at(p, t.off, msg);
    }
    const struct expr_funcdef *f = expr_func_find(name, t.len);
    if (!f) {
        char msg[120];
        snprintf(msg, sizeof msg, "unknown function '%.*s'", quote_len(name, t.len), name);
        return fail_at(p, t.off, msg);
    }
    if (!enter(p) || !lex(p) || !lex(p)) return NULL; /* the name, then '(' */
    struct expr_node *n = parse_call(p, f, t.off);
    p->nesting--;
    return n;
}

/* A decimal literal. strtod follows the C locale's decimal point, so the '.' is swapped for it. */
static double literal_number(const char *s, size_t n)
{
    char buf[400];
    while (n > 1 && s[0] == '0' && isdigit((unsigned char)s[1])) s++, n--;
    if (n >= sizeof buf) {
        /* hundreds of digits: past 309 before the point it is beyond any double; otherwise the
         * digits cut off are far below a double's precision */
        size_t whole = 0;
        while (whole < n && s[whole] != '.') whole++;
        if (whole > 309) return INFINITY;
        n = sizeof buf - 1;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    const char *point = localeconv()->decimal_point;
    char *d = strchr(buf, '.');
    if (d && point && point[0] && point[0] != '.' && !point[1]) *d = point[0];
    return strtod(buf, NULL);
}

static struct expr_node *parse_primary(struct parser *p)
{
    const struct token t = p->tok;
    const char *s = p->src + t.off;
    struct expr_node *n;
    switch (t.kind) {
    case TK_NUM:
        n = new_node(p, EN_NUM, t.off);
        n->u.num = literal_number(s, t.len);
        return lex(p) ? n : NULL;
    case TK_STR:
        n = new_node(p, EN_STR, t.off);
        n->u.str = arena_strndup(p->a, s + 1, t.len - 2);
        return lex(p) ? n : NULL;
    case TK_REF:
        n = new_node(p, EN_REF, t.off);
        n->u.str = arena_strndup(p->a, s + 2, t.len - 3);
        return lex(p) ? n : NULL;
    case TK_DOT:
        n = new_node(p, EN_CURRENT, t.off);
        return lex(p) ? n : NULL;
    case TK_DOTDOT:
        return fail_at(p, t.off, "'..' is only supported as position(..)");
    case TK_LP:
        if (!enter(p) || !lex(p)) return NULL;
        n = parse_expr(p);
        if (!n || !expect(p, TK_RP)) return NULL;
        p->nesting--;
        return n;
    case TK_NAME:
        return parse_name(p);
    default:
        return unexpected(p);
    }
}

/* Unary minus, iteratively so that "- - - - 1" costs no stack: the chain of negations is built
 * first, outermost at the top, and the operand hung under its innermost link. */
static struct expr_node *parse_unary(struct parser *p)
{
    struct expr_node *outer = NULL, *inner = NULL;
    unsigned minus = 0;
    while (p->tok.kind == TK_MINUS) {
        if (++minus > EXPR_MAX_NESTING) return fail_at(p, p->tok.off, "too many '-' in a row");
        struct expr_node *neg = new_node(p, EN_NEG, p->tok.off);
        if (inner) inner->u.kid[0] = neg;
        else outer = neg;
        inner = neg;
        if (!lex(p)) return NULL;
    }
    struct expr_node *n = parse_primary(p);
    if (!n || !outer) return n;
    inner->u.kid[0] = n;
    if (n->height + minus > EXPR_MAX_HEIGHT) {
        set_height(p, outer, EXPR_MAX_HEIGHT, p->tok.off);
        return NULL;
    }
    unsigned h = n->height + minus;
    for (struct expr_node *k = outer; k != n; k = k->u.kid[0]) k->height = (uint16_t)h--;
    return outer;
}

/* Precedence levels, loosest first: or, and, = !=, < <= > >=, + -, * div mod. */
enum { LEVELS = 6 };

static int binop_at(const struct parser *p, int level)
{
    const struct token *t = &p->tok;
    switch (level) {
    case 0: return tok_is_word(t, p->src, "or") ? EB_OR : -1;
    case 1: return tok_is_word(t, p->src, "and") ? EB_AND : -1;
    case 2: return t->kind == TK_EQ ? EB_EQ : t->kind == TK_NE ? EB_NE : -1;
    case 3:
        return t->kind == TK_LT ? EB_LT : t->kind == TK_LE ? EB_LE : t->kind == TK_GT ? EB_GT
             : t->kind == TK_GE ? EB_GE : -1;
    case 4: return t->kind == TK_PLUS ? EB_ADD : t->kind == TK_MINUS ? EB_SUB : -1;
    default:
        return t->kind == TK_STAR ? EB_MUL : tok_is_word(t, p->src, "div") ? EB_DIV
             : tok_is_word(t, p->src, "mod") ? EB_MOD : -1;
    }
}

static struct expr_node *parse_level(struct parser *p, int level)
{
    if (level == LEVELS) return parse_unary(p);
    struct expr_node *left = parse_level(p, level + 1);
    int op;
    while (left && (op = binop_at(p, level)) >= 0) {
        size_t off = p->tok.off;
        if (!lex(p)) return NULL;
        struct expr_node *right = parse_level(p, level + 1);
        if (!right) return NULL;
        struct expr_node *n = new_node(p, EN_BIN, off);
        n->op = (uint8_t)op;
        n->u.kid[0] = left;
        n->u.kid[1] = right;
        unsigned h = left->height > right->height ? left->height : right->height;
        left = set_height(p, n, h, off) ? n : NULL;
    }
    return left;
}

static struct expr_node *parse_expr(struct parser *p)
{
    return parse_level(p, 0);
}

static struct expr *parse(struct arena *a, const char *src, bool columns, struct err *e)
{
    struct parser p = {.a = a, .src = src ? src : "", .e = e, .memo_pos = 1, .columns = columns};
    if (!lex(&p)) return NULL;
    struct expr_node *root = parse_expr(&p);
    if (!root) return NULL;
    if (p.tok.kind != TK_END) return unexpected(&p);
    struct expr *x = arena_alloc(a, sizeof *x);
    x->root = root;
    return x;
}

struct expr *expr_parse(struct arena *a, const char *src, struct err *e)
{
    return parse(a, src, false, e);
}

struct expr *expr_parse_filter(struct arena *a, const char *src, struct err *e)
{
    return parse(a, src, true, e);
}

int expr_error_position(const struct err *e)
{
    static const char key[] = " at character ";
    if (!e) return 0;
    const char *last = NULL;
    for (const char *s = strstr(e->msg, key); s; s = strstr(s + 1, key)) last = s;
    if (!last) return 0;
    const char *d = last + sizeof key - 1;
    long n = 0;
    if (!isdigit((unsigned char)*d)) return 0;
    while (isdigit((unsigned char)*d) && n < 100000000) n = n * 10 + (*d++ - '0');
    return (int)n;
}

struct walk {
    enum expr_node_kind kind; /* EN_REF or EN_COLUMN */
    void (*fn)(void *ctx, const char *name, int pos);
    void *ctx;
    char buf[256];
};

static void walk(struct walk *w, const struct expr_node *n)
{
    switch (n->kind) {
    case EN_REF:
    case EN_COLUMN:
        if (n->kind == w->kind) w->fn(w->ctx, n->u.str, (int)n->pos);
        break;
    case EN_NEG:
        walk(w, n->u.kid[0]);
        break;
    case EN_BIN:
        walk(w, n->u.kid[0]);
        walk(w, n->u.kid[1]);
        break;
    case EN_CALL:
        for (unsigned i = 0; i < n->nargs; i++) walk(w, n->u.args[i]);
        if (w->kind == EN_REF && n->op == EF_CHOICE_NAME && n->u.args[1]->kind == EN_STR) {
            const struct expr_node *lit = n->u.args[1];
            size_t len, off = expr_choice_field(lit->u.str, &len);
            if (len > 0 && len < sizeof w->buf) {
                memcpy(w->buf, lit->u.str + off, len);
                w->buf[len] = '\0';
                w->fn(w->ctx, w->buf, (int)lit->pos);
            }
        }
        break;
    default:
        break;
    }
}

void expr_foreach_ref(const struct expr *x, void (*fn)(void *ctx, const char *name, int pos),
                      void *ctx)
{
    struct walk w = {.kind = EN_REF, .fn = fn, .ctx = ctx};
    if (x && fn) walk(&w, x->root);
}

void expr_foreach_column(const struct expr *x, void (*fn)(void *ctx, const char *name, int pos),
                         void *ctx)
{
    struct walk w = {.kind = EN_COLUMN, .fn = fn, .ctx = ctx};
    if (x && fn) walk(&w, x->root);
}

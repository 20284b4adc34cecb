/* expr_func: the function library: its table (read by the parser) and each function's meaning.
 *
 * Semantics follow ODK Collect's engine (JavaRosa) unless docs/expressions.md says otherwise.
 * Strings are UTF-8 and measured in characters (code points); ill-formed bytes count as one each. */
#define EXPR_INTERNAL
#include "forms/expr.h"

#include "base/arena.h"
#include "base/err.h"
#include "base/id.h"
#include "base/str.h"

#include <ctype.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#define MANY EXPR_ARGS_MANY

/* Sorted by name. */
static const struct expr_funcdef funcs[] = {
    {"abs", EF_ABS, 1, 1},
    {"acos", EF_ACOS, 1, 1},
    {"asin", EF_ASIN, 1, 1},
    {"atan", EF_ATAN, 1, 1},
    {"atan2", EF_ATAN2, 2, 2},
    {"boolean", EF_BOOLEAN, 1, 1},
    {"boolean-from-string", EF_BOOLEAN_FROM_STRING, 1, 1},
    {"ceiling", EF_CEILING, 1, 1},
    {"checklist", EF_CHECKLIST, 2, MANY},
    {"coalesce", EF_COALESCE, 2, 2},
    {"concat", EF_CONCAT, 0, MANY},
    {"contains", EF_CONTAINS, 2, 2},
    {"cos", EF_COS, 1, 1},
    {"count", EF_COUNT, 1, 1},
    {"count-non-empty", EF_COUNT_NON_EMPTY, 1, 1},
    {"count-selected", EF_COUNT_SELECTED, 1, 1},
    {"date", EF_DATE, 1, 1},
    {"date-time", EF_DATE_TIME, 1, 1},
    {"decimal-date-time", EF_DECIMAL_DATE_TIME, 1, 1},
    {"decimal-time", EF_DECIMAL_TIME, 1, 1},
    {"ends-with", EF_ENDS_WITH, 2, 2},
    {"exp", EF_EXP, 1, 1},
    {"exp10", EF_EXP10, 1, 1},
    {"false", EF_FALSE, 0, 0},
    {"floor", EF_FLOOR, 1, 1},
    {"format-date", EF_FORMAT_DATE, 2, 2},
    {"format-date-time", EF_FORMAT_DATE_TIME, 2, 2},
    {"if", EF_IF, 3, 3},
    {"int", EF_INT, 1, 1},
    {"join", EF_JOIN, 1, MANY},
    {"jr:choice-name", EF_CHOICE_NAME, 2, 2},
    {"log", EF_LOG, 1, 1},
    {"log10", EF_LOG10, 1, 1},
    {"lower-case", EF_LOWER_CASE, 1, 1},
    {"max", EF_MAX, 1, MANY},
    {"min", EF_MIN, 1, MANY},
    {"normalize-space", EF_NORMALIZE_SPACE, 0, 1},
    {"not", EF_NOT, 1, 1},
    {"now", EF_NOW, 0, 0},
    {"number", EF_NUMBER, 0, 1},
    {"once", EF_ONCE, 1, 1},
    {"pi", EF_PI, 0, 0},
    {"position", EF_POSITION, 0, 1},
    {"pow", EF_POW, 2, 2},
    {"random", EF_RANDOM, 0, 0},
    {"regex", EF_REGEX, 2, 2},
    {"round", EF_ROUND, 1, 2},
    {"selected", EF_SELECTED, 2, 2},
    {"selected-at", EF_SELECTED_AT, 2, 2},
    {"sin", EF_SIN, 1, 1},
    {"sqrt", EF_SQRT, 1, 1},
    {"starts-with", EF_STARTS_WITH, 2, 2},
    {"string", EF_STRING, 0, 1},
    {"string-length", EF_STRING_LENGTH, 0, 1},
    {"substr", EF_SUBSTR, 2, 3},
    {"substring-after", EF_SUBSTRING_AFTER, 2, 2},
    {"substring-before", EF_SUBSTRING_BEFORE, 2, 2},
    {"sum", EF_SUM, 1, 1},
    {"tan", EF_TAN, 1, 1},
    {"today", EF_TODAY, 0, 0},
    {"translate", EF_TRANSLATE, 3, 3},
    {"true", EF_TRUE, 0, 0},
    {"upper-case", EF_UPPER_CASE, 1, 1},
    {"uuid", EF_UUID, 0, 1},
    {"weighted-checklist", EF_WEIGHTED_CHECKLIST, 2, MANY},
};

const struct expr_funcdef *expr_func_find(const char *name, size_t n)
{
    size_t lo = 0, hi = sizeof funcs / sizeof funcs[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strncmp(funcs[mid].name, name, n);
        if (c == 0 && funcs[mid].name[n] != '\0') c = 1;
        if (c == 0) return &funcs[mid];
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

/* ---- small helpers ---- */

enum { DAY_MS = 86400000 };

static int set_num(struct expr_value *out, double d)
{
    *out = expr_value_number(d);
    return 0;
}

static int set_str(struct expr_value *out, const char *s)
{
    *out = expr_value_string(s);
    return 0;
}

static int set_bool(struct expr_value *out, bool b)
{
    *out = expr_value_bool(b);
    return 0;
}

/* A user's text in a message: at most 40 bytes, only when it is well-formed UTF-8. */
static const char *msg_text(struct arena *a, const char *s)
{
    size_t n = strlen(s);
    if (!str_utf8_valid(s, n)) return "(text)";
    if (n <= 40) return arena_printf(a, "'%s'", s);
    size_t k = 40;
    while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80) k--;
    return arena_printf(a, "'%.*s...'", (int)k, s);
}

/* Every scalar among vals[from..n): node-sets contribute each member, as a string. */
static struct expr_value *flatten(struct arena *a, const struct expr_value *vals, size_t from,
                                  size_t n, size_t *count)
{
    size_t total = 0;
    for (size_t i = from; i < n; i++) total += vals[i].type == EXPR_NODESET ? vals[i].count : 1;
    struct expr_value *flat = arena_alloc(a, (total ? total : 1) * sizeof *flat);
    size_t k = 0;
    for (size_t i = from; i < n; i++) {
        if (vals[i].type != EXPR_NODESET) {
            flat[k++] = vals[i];
            continue;
        }
        for (size_t j = 0; j < vals[i].count; j++) flat[k++] = expr_value_string(vals[i].items[j]);
    }
    *count = total;
    return flat;
}

static bool is_empty_value(const struct expr_value *v)
{
    switch (v->type) {
    case EXPR_STRING: return !v->string[0];
    case EXPR_NUMBER: return isnan(v->number);
    case EXPR_NODESET: return v->count == 0 || !v->items[0][0];
    default: return false;
    }
}

/* ---- UTF-8 ---- */

/* Byte length of the character at s (NUL-terminated); an ill-formed byte counts as one character. */
static size_t u8_len_at(const char *s)
{
    unsigned char c = (unsigned char)s[0];
    size_t n = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
             : c >= 0xF0 && c <= 0xF4 ? 4 : 1;
    for (size_t i = 1; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) return 1;
    return n > 1 && !str_utf8_valid(s, n) ? 1 : n;
}

static size_t u8_count(const char *s)
{
    size_t n = 0;
    for (; *s; s += u8_len_at(s)) n++;
    return n;
}

/* Byte offset of character index idx (clamped to the end). */
static size_t u8_offset(const char *s, size_t idx)
{
    const char *p = s;
    while (idx-- > 0 && *p) p += u8_len_at(p);
    return (size_t)(p - s);
}

static uint32_t u8_decode(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    switch (len) {
    case 2: return (uint32_t)(u[0] & 0x1F) << 6 | (u[1] & 0x3F);
    case 3: return (uint32_t)(u[0] & 0x0F) << 12 | (uint32_t)(u[1] & 0x3F) << 6 | (u[2] & 0x3F);
    case 4:
        return (uint32_t)(u[0] & 0x07) << 18 | (uint32_t)(u[1] & 0x3F) << 12 |
               (uint32_t)(u[2] & 0x3F) << 6 | (u[3] & 0x3F);
    default: return u[0];
    }
}

static void u8_encode(struct strbuf *sb, uint32_t c)
{
    char b[4];
    size_t n;
    if (c < 0x80) {
        b[0] = (char)c;
        n = 1;
    } else if (c < 0x800) {
        b[0] = (char)(0xC0 | c >> 6);
        b[1] = (char)(0x80 | (c & 0x3F));
        n = 2;
    } else if (c < 0x10000) {
        b[0] = (char)(0xE0 | c >> 12);
        b[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        b[2] = (char)(0x80 | (c & 0x3F));
        n = 3;
    } else {
        b[0] = (char)(0xF0 | c >> 18);
        b[1] = (char)(0x80 | ((c >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((c >> 6) & 0x3F));
        b[3] = (char)(0x80 | (c & 0x3F));
        n = 4;
    }
    strbuf_append(sb, b, n);
}

/* Case mapping for the alphabets of the programme's languages: Latin (ASCII, Latin-1, Extended-A),
 * Greek and Cyrillic. Everything else, and mappings that change length (ß), stays as it is. */
static uint32_t to_upper(uint32_t c)
{
    if (c >= 'a' && c <= 'z') return c - 32;
    if (c >= 0xE0 && c <= 0xFE && c != 0xF7) return c - 32;
    if (c == 0xFF) return 0x178;
    if (c == 0x131) return 'I';
    if (c == 0x17F) return 'S';
    if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) return c & ~1u;
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return c % 2 ? c : c - 1;
    if (c == 0x3C2) return 0x3A3;
    if (c >= 0x3B1 && c <= 0x3C9) return c - 32;
    if (c == 0x3AC) return 0x386;
    if (c >= 0x3AD && c <= 0x3AF) return c - 37;
    if (c == 0x3CC) return 0x38C;
    if (c == 0x3CD || c == 0x3CE) return c - 63;
    if (c >= 0x430 && c <= 0x44F) return c - 32;
    if (c >= 0x450 && c <= 0x45F) return c - 80;
    return c;
}

static uint32_t to_lower(uint32_t c)
{
    if (c >= 'A' && c <= 'Z') return c + 32;
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
    if (c == 0x178) return 0xFF;
    if (c == 0x130) return 'i';
    if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) return c | 1u;
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return c % 2 ? c + 1 : c;
    if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32;
    if (c == 0x386) return 0x3AC;
    if (c >= 0x388 && c <= 0x38A) return c + 37;
    if (c == 0x38C) return 0x3CC;
    if (c == 0x38E || c == 0x38F) return c + 63;
    if (c >= 0x410 && c <= 0x42F) return c + 32;
    if (c >= 0x400 && c <= 0x40F) return c + 80;
    return c;
}

static const char *change_case(struct arena *a, const char *s, bool upper)
{
    struct strbuf sb;
    strbuf_init(&sb, a, strlen(s) + 1);
    while (*s) {
        size_t n = u8_len_at(s);
        uint32_t c = n == 1 && (unsigned char)*s >= 0x80 ? 0xFFFFFFFF : u8_decode(s, n);
        uint32_t m = c == 0xFFFFFFFF ? c : upper ? to_upper(c) : to_lower(c);
        if (m == c) strbuf_append(&sb, s, n);
        else u8_encode(&sb, m);
        s += n;
    }
    return sb.data;
}

static bool is_xml_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static const char *normalize_space(struct arena *a, const char *s)
{
    struct strbuf sb;
    strbuf_init(&sb, a, strlen(s) + 1);
    bool gap = false;
    for (; *s; s++) {
        if (is_xml_space(*s)) {
            gap = sb.len > 0;
            continue;
        }
        if (gap) strbuf_putc(&sb, ' ');
        gap = false;
        strbuf_putc(&sb, *s);
    }
    return sb.data;
}

enum { TRANSLATE_MAX = 1000 }; /* characters in translate()'s `from`, so that it stays linear */

/* XPath translate(): each character of s found in from becomes the character at the same index in
 * to, or goes when to is shorter. ASCII characters are found through a table, others by a scan. */
static const char *translate(struct arena *a, const char *s, const char *from, const char *to)
{
    size_t nfrom = u8_count(from);
    const char **fchar = arena_alloc(a, (nfrom + 1) * sizeof *fchar);
    const char **tchar = arena_alloc(a, (nfrom + 1) * sizeof *tchar);
    short ascii[128]; /* index in from of each ASCII character's first occurrence, or -1 */
    memset(ascii, 0xFF, sizeof ascii);
    const char *t = to;
    for (size_t k = 0; k < nfrom; k++) {
        fchar[k] = from;
        unsigned char c = (unsigned char)*from;
        if (c < 0x80 && ascii[c] < 0) ascii[c] = (short)k;
        from += u8_len_at(from);
        tchar[k] = *t ? t : NULL;
        if (*t) t += u8_len_at(t);
    }
    struct strbuf sb;
    strbuf_init(&sb, a, strlen(s) + 1);
    for (size_t n; *s; s += n) {
        n = u8_len_at(s);
        long idx = -1;
        if ((unsigned char)*s < 0x80) {
            idx = ascii[(unsigned char)*s];
        } else {
            for (size_t k = 0; k < nfrom && idx < 0; k++)
                if (u8_len_at(fchar[k]) == n && memcmp(fchar[k], s, n) == 0) idx = (long)k;
        }
        if (idx < 0) strbuf_append(&sb, s, n);
        else if (tchar[idx]) strbuf_append(&sb, tchar[idx], u8_len_at(tchar[idx]));
    }
    return sb.data;
}

/* ODK's substr(s, start[, end]): 0-based, end exclusive, negative indexes count from the end. */
static const char *substr(struct arena *a, const char *s, double start, double end, bool has_end)
{
    double len = (double)u8_count(s);
    if (isnan(start)) start = 0;
    if (!has_end) end = len;
    else if (isnan(end)) end = 0;
    start = trunc(start);
    end = trunc(end);
    if (start < 0) start += len;
    if (end < 0) end += len;
    start = fmin(fmax(start, 0), len);
    end = fmin(fmax(end, 0), len);
    if (start >= end) return "";
    size_t b = u8_offset(s, (size_t)start), e = u8_offset(s, (size_t)end);
    return arena_strndup(a, s + b, e - b);
}

/* ---- multiple-choice answers: space-separated values ---- */

static bool selected(struct arena *a, const char *list, const char *value)
{
    /* JavaRosa: (" " + list + " ").contains(" " + trim(value) + " ") */
    while (is_xml_space(*value)) value++;
    size_t n = strlen(value);
    while (n && is_xml_space(value[n - 1])) n--;
    const char *hay = arena_printf(a, " %s ", list);
    const char *needle = arena_printf(a, " %.*s ", (int)n, value);
    return strstr(hay, needle) != NULL;
}

/* The idx-th (0-based) non-empty space-separated item, or NULL; *count gets the number of items. */
static const char *list_item(struct arena *a, const char *list, long idx, long *count)
{
    long k = 0;
    const char *found = NULL;
    for (const char *s = list; *s;) {
        while (*s == ' ') s++;
        if (!*s) break;
        const char *e = s;
        while (*e && *e != ' ') e++;
        if (k++ == idx) found = arena_strndup(a, s, (size_t)(e - s));
        s = e;
    }
    if (count) *count = k;
    return found;
}

/* ---- numbers ---- */

/* ODK's round(x, places): decimal rounding of the shortest decimal form of x (so 2.675 -> 2.68,
 * as a person expects), halves towards positive infinity as XPath says. */
static double round_places(double x, double places_d)
{
    if (isnan(x) || isinf(x) || x == 0) return x;
    int places = isnan(places_d) ? 0 : (int)fmax(fmin(trunc(places_d), 1000), -1000);
    if (places > 30 || places < -30) return NAN;
    char buf[40], digits[24];
    int exp = 0, n = 0;
    /* The shortest form's digits, perhaps followed by zeros, which change nothing below: when a
     * form of at most 15 digits reads back as x, printing 15 digits gives those digits padded
     * (x is within half an ulp, 1.1e-16 relative, of it: less than half a unit of the 15th
     * digit). So 15 first, then 16 and 17, instead of trying every precision from 1 (up to 17
     * snprintf calls: round() in a calculation was 3 % of an API submission). */
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*e", prec - 1, fabs(x));
        if (strtod(buf, NULL) == fabs(x) || prec == 17) break;
    }
    const char *s = buf;
    for (; *s && *s != 'e'; s++)
        if (isdigit((unsigned char)*s)) digits[n++] = *s;
    while (n > 1 && digits[n - 1] == '0') n--; /* the padding: back to the shortest form */
    exp = *s == 'e' ? atoi(s + 1) : 0;
    /* x = 0.d1d2d3... * 10^(exp+1); keep = digits before the rounding point. */
    int keep = exp + 1 + places;
    if (keep >= n) return x;
    bool up;
    if (keep < 0) {
        up = false;
    } else {
        int r = digits[keep] - '0';
        bool rest = false;
        for (int i = keep + 1; i < n; i++) rest |= digits[i] != '0';
        /* a tie goes up in magnitude for positives, down for negatives */
        up = r > 5 || (r == 5 && (rest || x > 0));
    }
    uint64_t m = 0;
    for (int i = 0; i < keep; i++) m = m * 10 + (uint64_t)(digits[i] - '0');
    if (up) m++;
    double scale = -places; /* result = m * 10^-places */
    double r = m == 0 ? 0 : (scale >= 0 ? (double)m * pow(10, scale) : (double)m / pow(10, -scale));
    /* m / 10^k is correctly rounded for the k this can produce, which matches the literal. */
    return x < 0 ? -r : r;
}

static int random_bytes(void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n) {
        ssize_t got = getrandom(p, n, 0);
        if (got <= 0) return -1;
        p += got;
        n -= (size_t)got;
    }
    return 0;
}

/* ---- dates ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int days_in_month(int y, int m)
{
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    return m == 2 && leap ? 29 : dim[m - 1];
}

static bool digits_at(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i])) return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* Milliseconds of a fraction of a second written with n digits (the 4th digit on is dropped). */
static int frac_ms(const char *digits, int n)
{
    int v = 0;
    for (int i = 0; i < 3; i++) v = v * 10 + (i < n ? digits[i] - '0' : 0);
    return v;
}

/* "hh:mm[:ss[.fff]]" then an optional offset; returns the end or NULL. ms: since midnight. */
static const char *parse_time(const char *s, int64_t *ms, bool *has_offset, int *offset)
{
    int h, mi, sec = 0, frac = 0;
    if (!digits_at(s, 2, &h) || s[2] != ':' || !digits_at(s + 3, 2, &mi)) return NULL;
    s += 5;
    if (*s == ':') {
        if (!digits_at(s + 1, 2, &sec)) return NULL;
        s += 3;
        if (*s == '.') {
            const char *f = ++s;
            while (isdigit((unsigned char)*s)) s++;
            if (s == f) return NULL;
            frac = frac_ms(f, (int)(s - f));
        }
    }
    if (h > 23 || mi > 59 || sec > 59) return NULL;
    *has_offset = false;
    *offset = 0;
    if (*s == 'Z') {
        *has_offset = true;
        s++;
    } else if (*s == '+' || *s == '-') {
        int sign = *s == '-' ? -1 : 1, oh, om = 0;
        if (!digits_at(s + 1, 2, &oh)) return NULL;
        s += 3;
        if (*s == ':') s++;
        if (isdigit((unsigned char)*s)) {
            if (!digits_at(s, 2, &om)) return NULL;
            s += 2;
        } else if (s[-1] == ':') {
            return NULL;
        }
        if (oh > 18 || om > 59) return NULL;
        *has_offset = true;
        *offset = sign * (oh * 60 + om);
    }
    *ms = ((int64_t)h * 3600 + mi * 60 + sec) * 1000 + frac;
    return s;
}

bool expr_parse_date(const char *s, int tz, double *days, bool *has_time)
{
    while (*s == ' ') s++;
    int y, m, d;
    if (!digits_at(s, 4, &y) || s[4] != '-' || !digits_at(s + 5, 2, &m) || s[7] != '-' ||
        !digits_at(s + 8, 2, &d))
        return false;
    if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return false;
    int64_t day = days_from_civil(y, m, d);
    s += 10;
    *has_time = false;
    if (*s == 'T') {
        int64_t ms;
        bool has_offset;
        int offset;
        const char *e = parse_time(s + 1, &ms, &has_offset, &offset);
        if (!e) return false;
        int64_t utc_ms = day * (int64_t)DAY_MS + ms - (int64_t)(has_offset ? offset : tz) * 60000;
        *days = (double)utc_ms / DAY_MS;
        *has_time = true;
        s = e;
    } else {
        *days = (double)day;
    }
    while (*s == ' ') s++;
    return *s == '\0';
}

static void put_date(struct strbuf *sb, int64_t day)
{
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    strbuf_printf(sb, "%04d-%02d-%02d", y, m, d);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* local_ms: wall-clock milliseconds since 1970-01-01T00:00 in the zone offset minutes east. */
static void put_datetime(struct strbuf *sb, int64_t local_ms, int offset)
{
    int64_t day = floor_div(local_ms, DAY_MS), rest = local_ms - day * DAY_MS;
    put_date(sb, day);
    strbuf_printf(sb, "T%02d:%02d:%02d.%03d", (int)(rest / 3600000), (int)(rest / 60000 % 60),
                  (int)(rest / 1000 % 60), (int)(rest % 1000));
    if (offset == 0) strbuf_putc(sb, 'Z');
    else strbuf_printf(sb, "%c%02d:%02d", offset < 0 ? '-' : '+', abs(offset) / 60, abs(offset) % 60);
}

/* Years 0001 to 9999: what ISO 8601 writes with four digits. */
#define MIN_DAY (-719162.0)
#define MAX_DAY 2932897.0

/* A value as the date functions see it. */
struct moment {
    double days;      /* since 1970-01-01T00:00Z */
    bool has_time;    /* an instant (a date-time, or a number with a fraction), not a bare date */
    bool from_number; /* given as a number: an instant even when whole, for date-time() */
    bool empty;       /* '' or NaN, which the functions pass on as '' */
};

static int to_moment(struct expr_ev *ev, const struct expr_node *n, const struct expr_value *v,
                     struct moment *m)
{
    *m = (struct moment){0};
    struct expr_value first = *v;
    if (v->type == EXPR_NODESET) first = expr_value_string(v->count ? v->items[0] : "");
    if (first.type == EXPR_STRING) {
        const char *s = first.string;
        if (!s[0]) {
            m->empty = true;
            return 0;
        }
        if (expr_parse_date(s, ev->tz, &m->days, &m->has_time)) return 0;
        double d = expr_parse_number(s);
        if (isnan(d))
            return err_set(ev->e, ERR_INVALID, "%s is not a date at character %u",
                           msg_text(ev->a, s), n->pos);
        first = expr_value_number(d);
    }
    double d = expr_ev_number(ev, &first);
    if (isnan(d)) {
        m->empty = true;
        return 0;
    }
    if (!(d >= MIN_DAY && d < MAX_DAY)) {
        struct strbuf sb;
        strbuf_init(&sb, ev->a, 32);
        expr_format_number(&sb, d);
        return err_set(ev->e, ERR_INVALID, "the number %.40s is out of range for a date at "
                       "character %u", sb.data, n->pos);
    }
    m->days = d;
    m->has_time = d != floor(d);
    m->from_number = true;
    return 0;
}

/* Wall-clock ms of a moment in the evaluation's zone: a date stays on its own day. */
static int64_t moment_local_ms(const struct expr_ev *ev, const struct moment *m)
{
    int64_t ms = llround(m->days * DAY_MS);
    return m->has_time || m->from_number ? ms + (int64_t)ev->tz * 60000 : ms;
}

static const char *format_date(struct expr_ev *ev, const struct moment *mo, const char *fmt)
{
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    static const char *const wdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    /* A whole number of days is a date, whatever produced it; a fraction is an instant. */
    int64_t local = mo->has_time ? moment_local_ms(ev, mo) : llround(mo->days) * (int64_t)DAY_MS;
    int64_t day = floor_div(local, DAY_MS), rest = local - day * DAY_MS;
    int y, mon, d;
    civil_from_days(day, &y, &mon, &d);
    int wday = (int)((day % 7 + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
    struct strbuf sb;
    strbuf_init(&sb, ev->a, 32);
    for (const char *f = fmt; *f; f++) {
        if (*f != '%' || !f[1]) {
            strbuf_putc(&sb, *f);
            continue;
        }
        switch (*++f) {
        case 'Y': strbuf_printf(&sb, "%04d", y); break;
        case 'y': strbuf_printf(&sb, "%02d", y % 100); break;
        case 'm': strbuf_printf(&sb, "%02d", mon); break;
        case 'n': strbuf_printf(&sb, "%d", mon); break;
        case 'b': strbuf_puts(&sb, months[mon - 1]); break;
        case 'd': strbuf_printf(&sb, "%02d", d); break;
        case 'e': strbuf_printf(&sb, "%d", d); break;
        case 'H': strbuf_printf(&sb, "%02d", (int)(rest / 3600000)); break;
        case 'h': strbuf_printf(&sb, "%d", (int)(rest / 3600000)); break;
        case 'M': strbuf_printf(&sb, "%02d", (int)(rest / 60000 % 60)); break;
        case 'S': strbuf_printf(&sb, "%02d", (int)(rest / 1000 % 60)); break;
        case '3': strbuf_printf(&sb, "%03d", (int)(rest % 1000)); break;
        case 'a': strbuf_puts(&sb, wdays[wday]); break;
        case '%': strbuf_putc(&sb, '%'); break;
        default:
            strbuf_putc(&sb, '%');
            strbuf_putc(&sb, *f);
            break;
        }
    }
    return sb.data;
}

static int fn_date(struct expr_ev *ev, const struct expr_node *n, const struct expr_value *v,
                   struct expr_value *out)
{
    struct moment m;
    int rc = to_moment(ev, n, v, &m);
    if (rc < 0 || m.empty) return rc < 0 ? rc : set_str(out, "");
    struct strbuf sb;
    strbuf_init(&sb, ev->a, 16);
    if (m.from_number) put_date(&sb, (int64_t)trunc(m.days)); /* JavaRosa truncates */
    else if (m.has_time) put_date(&sb, floor_div(moment_local_ms(ev, &m), DAY_MS));
    else put_date(&sb, (int64_t)m.days);
    return set_str(out, sb.data);
}

static int fn_date_time(struct expr_ev *ev, const struct expr_node *n, const struct expr_value *v,
                        struct expr_value *out)
{
    struct moment m;
    int rc = to_moment(ev, n, v, &m);
    if (rc < 0 || m.empty) return rc < 0 ? rc : set_str(out, "");
    struct strbuf sb;
    strbuf_init(&sb, ev->a, 32);
    /* a date alone means its local midnight */
    int64_t local = m.has_time || m.from_number ? moment_local_ms(ev, &m)
                                                : llround(m.days) * (int64_t)DAY_MS;
    put_datetime(&sb, local, ev->tz);
    return set_str(out, sb.data);
}

static int fn_decimal_time(struct expr_ev *ev, const struct expr_node *n, const struct expr_value *v,
                           struct expr_value *out)
{
    const char *s = expr_ev_string(ev, v);
    if (v->type == EXPR_NUMBER) return set_num(out, v->number - floor(v->number));
    if (!s[0]) return set_str(out, "");
    int64_t ms;
    bool has_offset;
    int offset;
    const char *e = parse_time(s, &ms, &has_offset, &offset);
    if (e && !*e) {
        if (has_offset) ms += (int64_t)(ev->tz - offset) * 60000;
        ms = ((ms % DAY_MS) + DAY_MS) % DAY_MS;
        return set_num(out, (double)ms / DAY_MS);
    }
    struct moment m;
    int rc = to_moment(ev, n, v, &m);
    if (rc < 0) return rc;
    if (m.empty) return set_str(out, "");
    int64_t local = moment_local_ms(ev, &m);
    return set_num(out, (double)(local - floor_div(local, DAY_MS) * DAY_MS) / DAY_MS);
}

/* ---- regex ---- */

/* glibc's regcomp expands {m,n} by copying, so nested repetitions multiply, and its matcher slows
 * down badly on repeated groups that can match nothing ("(a*)*"); such patterns would let one
 * respondent's long answer hold a worker for minutes. The translation estimates the expanded size
 * and refuses both, well before that point. */
enum { REGEX_MAX_LEN = 2000, REGEX_MAX_SIZE = 2000, REGEX_MAX_DEPTH = 64 };
#define REGEX_MAX_WORK 1e7

struct rx_level {     /* one open group */
    double size;      /* estimated nodes so far */
    bool alt_null;    /* the current alternative can match nothing so far */
    bool any_null;    /* an earlier alternative can match nothing */
};

struct rx {
    struct strbuf *out;
    char *why;
    size_t why_size;
    struct rx_level lv[REGEX_MAX_DEPTH + 1];
    int depth;
    double last;       /* size of the latest atom, for a following repetition */
    bool can_repeat;   /* the latest item is an atom a quantifier may follow */
    bool last_group;   /* ... and it is a group */
    bool last_null;    /* ... that can match nothing */
    bool null_before;  /* the current alternative could match nothing before the latest atom */
};

static bool rx_fail(struct rx *r, const char *msg)
{
    snprintf(r->why, r->why_size, "%s", msg);
    return false;
}

static void rx_item(struct rx *r, double size, bool nullable, bool repeatable, bool group)
{
    struct rx_level *l = &r->lv[r->depth];
    r->can_repeat = repeatable;
    r->last_group = group;
    r->last_null = nullable;
    r->null_before = l->alt_null;
    r->last = size;
    l->size += size;
    l->alt_null = l->alt_null && nullable;
}

static void rx_atom(struct rx *r, double size)
{
    rx_item(r, size, false, true, false);
}

/* After a quantifier with minimum lo on the latest atom. */
static bool rx_repeated(struct rx *r, long lo, bool more_than_once)
{
    if (more_than_once && r->last_group && r->last_null)
        return rx_fail(r, "a repeated group that can match nothing, such as (a*)*");
    if (lo == 0) r->lv[r->depth].alt_null = r->null_before;
    r->can_repeat = false;
    return true;
}

/* Java's class escapes, for use outside brackets. */
static const char *class_escape(char c)
{
    switch (c) {
    case 'd': return "[0-9]";
    case 'D': return "[^0-9]";
    case 's': return "[[:space:]]";
    case 'S': return "[^[:space:]]";
    case 'w': return "[[:alnum:]_]";
    case 'W': return "[^[:alnum:]_]";
    default: return NULL;
    }
}

static bool rx_escape(struct rx *r, const char **pp)
{
    const char *p = *pp;
    char c = p[1];
    const char *cls = class_escape(c);
    if (c == '\0') return rx_fail(r, "the pattern ends with '\\'");
    if (cls) {
        strbuf_puts(r->out, cls);
    } else if (c >= '1' && c <= '9') {
        return rx_fail(r, "back-references such as \\1 are not supported");
    } else if (c == 't' || c == 'n' || c == 'r') {
        strbuf_putc(r->out, c == 't' ? '\t' : c == 'n' ? '\n' : '\r');
    } else if (c == 'b' || c == 'B') {
        strbuf_putc(r->out, '\\');
        strbuf_putc(r->out, c);
        *pp = p + 2;
        rx_item(r, 0, true, false, false); /* an assertion, not an atom */
        return true;
    } else if (isalnum((unsigned char)c)) {
        char msg[64];
        snprintf(msg, sizeof msg, "the escape \\%c is not supported", c);
        return rx_fail(r, msg);
    } else if (strchr(".[]()*+?{}|^$\\", c)) {
        strbuf_putc(r->out, '\\');
        strbuf_putc(r->out, c);
    } else {
        strbuf_putc(r->out, c); /* escaped punctuation or a UTF-8 lead byte: itself */
    }
    rx_atom(r, 1);
    *pp = p + 2;
    return true;
}

/* The code point of the character of n bytes at s, or -1 for an ill-formed byte. */
static long class_code(const char *s, size_t n)
{
    return n == 1 && (unsigned char)*s >= 0x80 ? -1 : (long)u8_decode(s, n);
}

/* A literal character inside [...], or a range from it. glibc refuses ranges between non-ASCII
 * characters when collation is plain ("[À-ÿ]": "Invalid collation character"), so such a range is
 * written out character by character; the characters POSIX treats specially become flags. */
static bool rx_class_char(struct rx *r, const char **pp, struct strbuf *items, bool *rb, bool *caret,
                          bool *dash, bool *lb)
{
    const char *p = *pp;
    size_t n = u8_len_at(p);
    const char *q = p + n;
    long lo = class_code(p, n), hi;
    if (q[0] != '-' || q[1] == ']' || q[1] == '\\' || q[1] == '\0' || q[1] == '[') {
        strbuf_append(items, p, n);
        *pp = q;
        return true;
    }
    size_t m = u8_len_at(q + 1);
    hi = class_code(q + 1, m);
    if (lo < 0 || hi < 0 || (lo < 0x80 && hi < 0x80)) {
        strbuf_append(items, p, (size_t)(q + 1 + m - p)); /* POSIX reads it as Java does */
        *pp = q + 1 + m;
        return true;
    }
    if (hi < lo) return rx_fail(r, "a range [x-y] with y before x");
    if (hi - lo > 4096) return rx_fail(r, "a range of more than 4096 characters");
    for (long c = lo; c <= hi; c++) {
        if (c == ']') *rb = true;
        else if (c == '^') *caret = true;
        else if (c == '-') *dash = true;
        else if (c == '[') *lb = true;
        else if (c < 0xD800 || c > 0xDFFF) u8_encode(items, (uint32_t)c);
    }
    *pp = q + 1 + m;
    return true;
}

/* A Java bracket expression to a POSIX one: escapes become literal characters or classes, and
 * ']', '^' and '-' move to where POSIX reads them literally. */
static bool rx_class(struct rx *r, const char **pp, struct arena *a)
{
    const char *p = *pp + 1;
    bool negate = *p == '^', rb = false, caret = false, dash = false, lb = false;
    if (negate) p++;
    struct strbuf items;
    strbuf_init(&items, a, 32);
    for (bool first = true;; first = false) {
        char c = *p;
        if (c == '\0') return rx_fail(r, "'[' without its ']'");
        if (c == ']' && !first) break;
        if (c == ']') {
            rb = true;
            p++;
        } else if (c == '[' && p[1] == ':') {
            const char *end = strstr(p + 2, ":]");
            if (!end) return rx_fail(r, "'[:' without its ':]'");
            strbuf_append(&items, p, (size_t)(end + 2 - p));
            p = end + 2;
        } else if (c == '[') {
            return rx_fail(r, "nested character classes are not supported");
        } else if (c == '&' && p[1] == '&') {
            return rx_fail(r, "class intersection (&&) is not supported");
        } else if (c == '-' && (first || p[1] == ']')) {
            dash = true;
            p++;
        } else if (c == '\\') {
            char e = p[1];
            if (e == 'd') strbuf_puts(&items, "0-9");
            else if (e == 's') strbuf_puts(&items, "[:space:]");
            else if (e == 'w') strbuf_puts(&items, "[:alnum:]_");
            else if (e == 'D' || e == 'S' || e == 'W')
                return rx_fail(r, "\\D, \\S and \\W are not supported inside [...]");
            else if (e == 't' || e == 'n' || e == 'r')
                strbuf_putc(&items, e == 't' ? '\t' : e == 'n' ? '\n' : '\r');
            else if (e == ']') rb = true;
            else if (e == '^') caret = true;
            else if (e == '-') dash = true;
            else if (e == '[') lb = true;
            else if (e == '\0') return rx_fail(r, "the pattern ends with '\\'");
            else if (isalnum((unsigned char)e)) {
                char msg[64];
                snprintf(msg, sizeof msg, "the escape \\%c is not supported", e);
                return rx_fail(r, msg);
            } else strbuf_putc(&items, e);
            p += 2;
        } else if (!rx_class_char(r, &p, &items, &rb, &caret, &dash, &lb)) {
            return false;
        }
    }
    if (items.len && items.data[0] == '^') { /* "[-^]" became "^": keep it from negating */
        caret = true;
        memmove(items.data, items.data + 1, items.len--);
    }
    if (!rb && !items.len && !lb && !dash && !caret) return rx_fail(r, "empty character class '[]'");
    if (!negate && !rb && !items.len && !lb && !dash) {
        strbuf_puts(r->out, "\\^"); /* "[\^]": a lone caret */
    } else {
        strbuf_puts(r->out, negate ? "[^" : "[");
        if (rb) strbuf_putc(r->out, ']');
        strbuf_append(r->out, items.data, items.len);
        if (lb) strbuf_putc(r->out, '[');
        /* a caret right after "[" would negate: put the dash first then */
        if (caret && dash && !rb && !items.len && !lb) strbuf_puts(r->out, "-^");
        else {
            if (caret) strbuf_putc(r->out, '^');
            if (dash) strbuf_putc(r->out, '-');
        }
        strbuf_putc(r->out, ']');
    }
    /* a long list of characters costs glibc a scan at each step: weigh it */
    rx_atom(r, 1 + (double)(items.len / 16));
    *pp = p + 1;
    return true;
}

static bool rx_bound(struct rx *r, const char **pp)
{
    const char *p = *pp + 1;
    long lo = 0, hi;
    static const char *const bad = "'{' must start a repetition such as {2} or {1,3} "
                                   "(write \\{ for the character)";
    if (!isdigit((unsigned char)*p)) return rx_fail(r, bad);
    while (isdigit((unsigned char)*p) && lo <= 100000) lo = lo * 10 + (*p++ - '0');
    hi = lo;
    if (*p == ',') {
        p++;
        if (isdigit((unsigned char)*p)) {
            hi = 0;
            while (isdigit((unsigned char)*p) && hi <= 100000) hi = hi * 10 + (*p++ - '0');
        } else {
            hi = lo + 1;
        }
    }
    if (*p != '}') return rx_fail(r, bad);
    if (lo > 1000 || hi > 1000) return rx_fail(r, "a repetition count above 1000");
    if (hi < lo) return rx_fail(r, "a repetition {m,n} with n below m");
    double copies = hi > 1 ? (double)hi - 1 : 0;
    r->lv[r->depth].size += r->last * copies;
    r->last *= (double)(hi > 0 ? hi : 1);
    strbuf_append(r->out, *pp, (size_t)(p + 1 - *pp));
    *pp = p + 1;
    return rx_repeated(r, lo, hi > 1);
}

bool expr_regex_translate(const char *pattern, struct strbuf *out, double *size, char *why,
                          size_t why_size)
{
    struct rx r = {.out = out, .why = why, .why_size = why_size};
    r.lv[0].alt_null = true;
    struct arena scratch;
    arena_init(&scratch, 1024);
    bool ok = strlen(pattern) <= REGEX_MAX_LEN;
    if (!ok) rx_fail(&r, "the pattern is longer than 2000 characters");
    strbuf_puts(out, "^(");
    for (const char *p = pattern; ok && *p;) {
        char c = *p;
        struct rx_level *l = &r.lv[r.depth];
        if (c == '\\') {
            ok = rx_escape(&r, &p);
        } else if (c == '[') {
            ok = rx_class(&r, &p, &scratch);
        } else if (c == '{' || c == '*' || c == '+' || c == '?') {
            /* Java refuses "**" and a leading "*"; glibc accepts them, and takes exponential time
             * over a run of stacked quantifiers, so they are refused here too. */
            if (!r.can_repeat) {
                char msg[64];
                snprintf(msg, sizeof msg, "'%c' has nothing to repeat", c);
                ok = rx_fail(&r, msg);
                break;
            }
            if (c == '{') {
                ok = rx_bound(&r, &p);
            } else {
                strbuf_putc(out, c);
                p++;
                ok = rx_repeated(&r, c == '+' ? 1 : 0, c != '?');
            }
            /* a lazy quantifier matches the same whole texts as a greedy one */
            if (ok && *p == '+') ok = rx_fail(&r, "possessive quantifiers (*+, ++, ?+) are not supported");
            else if (*p == '?') p++;
        } else if (c == '(') {
            if (r.depth == REGEX_MAX_DEPTH) {
                ok = rx_fail(&r, "groups are nested too deeply");
                break;
            }
            if (p[1] == '?' && p[2] != ':') {
                ok = rx_fail(&r, "only (?:...) groups are supported");
                break;
            }
            p += p[1] == '?' ? 3 : 1;
            strbuf_putc(out, '(');
            r.lv[++r.depth] = (struct rx_level){.alt_null = true};
            r.can_repeat = false;
        } else if (c == ')') {
            if (r.depth == 0) {
                ok = rx_fail(&r, "unmatched ')'");
                break;
            }
            strbuf_putc(out, ')');
            struct rx_level g = r.lv[r.depth--];
            rx_item(&r, g.size > 0 ? g.size : 1, g.alt_null || g.any_null, true, true);
            p++;
        } else if (c == '|') {
            strbuf_putc(out, c);
            l->any_null = l->any_null || l->alt_null;
            l->alt_null = true;
            r.can_repeat = false;
            p++;
        } else if (c == '^' || c == '$') {
            strbuf_putc(out, c);
            rx_item(&r, 0, true, false, false);
            p++;
        } else {
            strbuf_putc(out, c);
            rx_atom(&r, 1);
            p++;
        }
        if (ok && r.lv[r.depth].size > REGEX_MAX_SIZE) ok = rx_fail(&r, "the pattern repeats too much");
    }
    if (ok && r.depth > 0) ok = rx_fail(&r, "'(' without its ')'");
    if (size) *size = r.lv[0].size;
    strbuf_puts(out, ")$");
    arena_free(&scratch);
    return ok;
}

/* One UTF-8 character-type locale for the process, made once and never changed: regex() patterns
 * then see characters, not bytes, whatever locale the process runs in. uselocale() swaps it in for
 * the calling thread only. Without C.UTF-8 on the system, patterns work on bytes. */
static pthread_once_t utf8_once = PTHREAD_ONCE_INIT;
static locale_t utf8_locale;

static void utf8_locale_init(void)
{
    utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

static locale_t enter_utf8(void)
{
    pthread_once(&utf8_once, utf8_locale_init);
    return utf8_locale ? uselocale(utf8_locale) : (locale_t)0;
}

static void leave_utf8(locale_t previous)
{
    if (previous) uselocale(previous);
}

int expr_regex_compile(regex_t *re, const char *ere)
{
    locale_t previous = enter_utf8();
    int rc = regcomp(re, ere, REG_EXTENDED | REG_NOSUB);
    leave_utf8(previous);
    return rc;
}

int expr_regex_match(const regex_t *re, const char *s)
{
    locale_t previous = enter_utf8();
    int rc = regexec(re, s, 0, NULL, 0);
    leave_utf8(previous);
    return rc;
}

/* Compiled patterns, kept per thread: a form's constraint runs the same regex() for every answer
 * set, and regcomp costs several times the match (measured: about 5 % of the CPU of a needs-survey
 * submission through the API). Per thread, so there is no lock and no race between workers sharing
 * a parsed form; the thread's cache is freed when the thread ends. A few slots are enough: a form
 * has a handful of patterns; the oldest slot is reused when they are full. */
#define REGEX_CACHE_SLOTS 16

struct regex_cache {
    char *pattern[REGEX_CACHE_SLOTS]; /* the translated ERE; NULL: slot free */
    regex_t re[REGEX_CACHE_SLOTS];
    unsigned next;                    /* the slot to reuse next when all are taken */
};

static pthread_key_t regex_cache_key;
static pthread_once_t regex_cache_once = PTHREAD_ONCE_INIT;

static void regex_cache_free(void *p)
{
    struct regex_cache *c = p;
    for (unsigned i = 0; i < REGEX_CACHE_SLOTS; i++) {
        if (!c->pattern[i]) continue;
        regfree(&c->re[i]);
        free(c->pattern[i]);
    }
    free(c);
}

static void regex_cache_key_make(void)
{
    if (pthread_key_create(&regex_cache_key, regex_cache_free) != 0) abort();
}

/* The compiled ere, from this thread's cache or compiled now (regcomp's code in *rc on failure,
 * then NULL). Patterns that do not compile are not kept: they are an error every time. */
static const regex_t *regex_cached(const char *ere, int *rc)
{
    pthread_once(&regex_cache_once, regex_cache_key_make);
    struct regex_cache *c = pthread_getspecific(regex_cache_key);
    if (!c) {
        if (!(c = calloc(1, sizeof *c)) || pthread_setspecific(regex_cache_key, c) != 0) abort();
    }
    for (unsigned i = 0; i < REGEX_CACHE_SLOTS; i++)
        if (c->pattern[i] && strcmp(c->pattern[i], ere) == 0) return &c->re[i];
    regex_t re;
    if ((*rc = expr_regex_compile(&re, ere)) != 0) return NULL;
    unsigned slot = c->next;
    c->next = (c->next + 1) % REGEX_CACHE_SLOTS;
    if (c->pattern[slot]) {
        regfree(&c->re[slot]);
        free(c->pattern[slot]);
    }
    if (!(c->pattern[slot] = strdup(ere))) abort();
    c->re[slot] = re;
    return &c->re[slot];
}

static int fn_regex(struct expr_ev *ev, const struct expr_node *n, const char *s, const char *pat,
                    struct expr_value *out)
{
    struct strbuf sb;
    char why[160];
    double size;
    strbuf_init(&sb, ev->a, 64);
    if (!expr_regex_translate(pat, &sb, &size, why, sizeof why))
        return err_set(ev->e, ERR_INVALID, "invalid regular expression in regex(): %s at character %u",
                       why, n->pos);
    /* matching takes time in proportion to pattern size times text length (~100 ns a unit at worst
     * in measurements): hold one call to about a second */
    if (size * (double)(strlen(s) + 1) > REGEX_MAX_WORK)
        return err_set(ev->e, ERR_LIMIT, "regex() cannot test a text this long against this pattern "
                       "at character %u", n->pos);
    int rc = 0;
    const regex_t *re = regex_cached(sb.data, &rc);
    if (!re) {
        regerror(rc, NULL, why, sizeof why);
        return err_set(ev->e, ERR_INVALID, "invalid regular expression in regex(): %s at character %u",
                       why, n->pos);
    }
    rc = expr_regex_match(re, s);
    if (rc != 0 && rc != REG_NOMATCH)
        return err_set(ev->e, ERR_LIMIT, "regex() could not finish matching at character %u", n->pos);
    return set_bool(out, rc == 0);
}

/* ---- jr:choice-name ---- */

size_t expr_choice_field(const char *s, size_t *len)
{
    size_t b = 0, e = strlen(s);
    while (b < e && s[b] == ' ') b++;
    while (e > b && s[e - 1] == ' ') e--;
    if (e - b >= 3 && s[b] == '$' && s[b + 1] == '{' && s[e - 1] == '}') {
        b += 2;
        e--;
    } else {
        for (size_t i = b; i < e; i++)
            if (s[i] == '/') b = i + 1;
    }
    bool ok = b < e && (isalpha((unsigned char)s[b]) || s[b] == '_' || (unsigned char)s[b] >= 0x80);
    for (size_t i = b; ok && i < e; i++) {
        unsigned char c = (unsigned char)s[i];
        ok = isalnum(c) || c == '_' || c == '-' || c == '.' || c >= 0x80;
    }
    *len = ok ? e - b : 0;
    return b;
}

static int fn_choice_name(struct expr_ev *ev, const char *value, const char *field_arg,
                          struct expr_value *out)
{
    size_t len, off = expr_choice_field(field_arg, &len);
    const struct expr_env *env = ev->env;
    if (!len || !value[0] || !env->choice_label) return set_str(out, "");
    const char *field = arena_strndup(ev->a, field_arg + off, len);
    return set_str(out, env->choice_label(env->ctx, field, value, ev->a));
}

/* ---- aggregates ---- */

static int fn_aggregate(struct expr_ev *ev, const struct expr_node *n, const struct expr_value *v,
                        struct expr_value *out)
{
    size_t count;
    struct expr_value *all = flatten(ev->a, v, 0, n->nargs, &count);
    double acc = n->op == EF_SUM ? 0 : NAN;
    for (size_t i = 0; i < count; i++) {
        double d = expr_ev_number(ev, &all[i]);
        if (isnan(d)) continue; /* JavaRosa skips empty and non-numeric members */
        if (n->op == EF_SUM) acc += d;
        else if (isnan(acc) || (n->op == EF_MAX ? d > acc : d < acc)) acc = d;
    }
    return set_num(out, acc);
}

static int fn_checklist(struct expr_ev *ev, const struct expr_node *n, const struct expr_value *v,
                        struct expr_value *out)
{
    double lo = expr_ev_number(ev, &v[0]), hi = expr_ev_number(ev, &v[1]), sum = 0;
    if (n->op == EF_CHECKLIST) {
        size_t count;
        struct expr_value *f = flatten(ev->a, v, 2, n->nargs, &count);
        for (size_t i = 0; i < count; i++) sum += expr_to_bool(&f[i]);
        lo = isnan(lo) ? 0 : trunc(lo);
        hi = isnan(hi) ? 0 : trunc(hi);
        return set_bool(out, (lo < 0 || sum >= lo) && (hi < 0 || sum <= hi));
    }
    if (n->nargs == 4 && v[2].type == EXPR_NODESET && v[3].type == EXPR_NODESET) {
        if (v[2].count != v[3].count)
            return err_set(ev->e, ERR_INVALID, "weighted-checklist() needs node-sets of the same "
                           "length at character %u", n->pos);
        for (size_t i = 0; i < v[2].count; i++) {
            struct expr_value f = expr_value_string(v[2].items[i]);
            struct expr_value w = expr_value_string(v[3].items[i]);
            if (expr_to_bool(&f)) sum += expr_ev_number(ev, &w);
        }
    } else {
        for (size_t i = 2; i + 1 < n->nargs; i += 2)
            if (expr_to_bool(&v[i])) sum += expr_ev_number(ev, &v[i + 1]);
    }
    return set_bool(out, sum >= lo && sum <= hi);
}

static int fn_uuid(struct expr_ev *ev, const struct expr_node *n, const struct expr_value *v,
                   struct expr_value *out)
{
    const struct expr_env *env = ev->env;
    if (n->nargs == 0) {
        if (env->uuid) return set_str(out, env->uuid(env->ctx, ev->a));
        char id[ID_TEXT_SIZE];
        id_new(id);
        return set_str(out, arena_strdup(ev->a, id));
    }
    static const char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    double len = trunc(expr_ev_number(ev, &v[0]));
    if (isnan(len) || len <= 0) return set_str(out, "");
    if (len > 1000)
        return err_set(ev->e, ERR_LIMIT, "uuid() makes ids of at most 1000 characters at character %u",
                       n->pos);
    size_t k = (size_t)len;
    unsigned char *rnd = arena_alloc(ev->a, k);
    if (random_bytes(rnd, k) < 0)
        return err_set(ev->e, ERR_INTERNAL, "no randomness available at character %u", n->pos);
    char *s = arena_alloc(ev->a, k + 1);
    for (size_t i = 0; i < k; i++) s[i] = alphabet[rnd[i] % 62];
    s[k] = '\0';
    return set_str(out, s);
}

/* ---- dispatch ---- */

static double math1(int id, double x)
{
    switch (id) {
    case EF_ABS: return fabs(x);
    case EF_ACOS: return acos(x);
    case EF_ASIN: return asin(x);
    case EF_ATAN: return atan(x);
    case EF_CEILING: return ceil(x);
    case EF_COS: return cos(x);
    case EF_EXP: return exp(x);
    case EF_EXP10: return pow(10, x);
    case EF_FLOOR: return floor(x);
    case EF_INT: return trunc(x);
    case EF_LOG: return log(x);
    case EF_LOG10: return log10(x);
    case EF_SIN: return sin(x);
    case EF_SQRT: return sqrt(x);
    default: return tan(x);
    }
}

/* The functions that evaluate only some of their arguments. */
static int call_lazy(struct expr_ev *ev, const struct expr_node *n, struct expr_value *out)
{
    const struct expr_env *env = ev->env;
    struct expr_value v;
    int rc;
    switch (n->op) {
    case EF_IF:
        if ((rc = expr_ev_node(ev, n->u.args[0], &v)) < 0) return rc;
        return expr_ev_node(ev, n->u.args[expr_to_bool(&v) ? 1 : 2], out);
    case EF_COALESCE:
        if ((rc = expr_ev_node(ev, n->u.args[0], out)) < 0) return rc;
        return is_empty_value(out) ? expr_ev_node(ev, n->u.args[1], out) : 0;
    case EF_ONCE:
        /* the answer once given stays: a calculation re-run later keeps it */
        if (env->current && env->current[0]) return set_str(out, env->current);
        return expr_ev_node(ev, n->u.args[0], out);
    default: /* EF_POSITION */
        if (env->position < 1)
            return err_set(ev->e, ERR_INVALID, "position(..) is used outside a repeat at character %u",
                           n->pos);
        return set_num(out, env->position);
    }
}

int expr_ev_call(struct expr_ev *ev, const struct expr_node *n, struct expr_value *out)
{
    int id = n->op, rc;
    if (id == EF_IF || id == EF_COALESCE || id == EF_ONCE || id == EF_POSITION)
        return call_lazy(ev, n, out);

    /* Functions whose one argument defaults to '.' get it here. */
    struct expr_value cur = expr_value_string(ev->env->current);
    struct expr_value *v = n->nargs ? arena_alloc(ev->a, n->nargs * sizeof *v) : &cur;
    for (unsigned i = 0; i < n->nargs; i++)
        if ((rc = expr_ev_node(ev, n->u.args[i], &v[i])) < 0) return rc;
#define NUM(i) expr_ev_number(ev, &v[i])
#define STR(i) expr_ev_string(ev, &v[i])

    switch (id) {
    case EF_TRUE: return set_bool(out, true);
    case EF_FALSE: return set_bool(out, false);
    case EF_NOT: return set_bool(out, !expr_to_bool(&v[0]));
    case EF_BOOLEAN: return set_bool(out, expr_to_bool(&v[0]));
    case EF_BOOLEAN_FROM_STRING: {
        const char *s = STR(0);
        return set_bool(out, strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0);
    }
    case EF_NUMBER: return set_num(out, NUM(0));
    case EF_STRING: return set_str(out, STR(0));
    case EF_INT: case EF_ABS: case EF_ACOS: case EF_ASIN: case EF_ATAN: case EF_CEILING: case EF_COS:
    case EF_EXP: case EF_EXP10: case EF_FLOOR: case EF_LOG: case EF_LOG10: case EF_SIN: case EF_SQRT:
    case EF_TAN:
        return set_num(out, math1(id, NUM(0)));
    case EF_ATAN2: return set_num(out, atan2(NUM(0), NUM(1)));
    case EF_POW: return set_num(out, pow(NUM(0), NUM(1)));
    case EF_PI: return set_num(out, M_PI);
    case EF_ROUND: return set_num(out, round_places(NUM(0), n->nargs > 1 ? NUM(1) : 0));
    case EF_RANDOM: {
        uint64_t r;
        if (random_bytes(&r, sizeof r) < 0)
            return err_set(ev->e, ERR_INTERNAL, "no randomness available at character %u", n->pos);
        return set_num(out, (double)(r >> 11) / 9007199254740992.0);
    }
    case EF_STRING_LENGTH: return set_num(out, (double)u8_count(STR(0)));
    case EF_NORMALIZE_SPACE: return set_str(out, normalize_space(ev->a, STR(0)));
    case EF_UPPER_CASE: return set_str(out, change_case(ev->a, STR(0), true));
    case EF_LOWER_CASE: return set_str(out, change_case(ev->a, STR(0), false));
    case EF_TRANSLATE:
        if (u8_count(STR(1)) > TRANSLATE_MAX)
            return err_set(ev->e, ERR_LIMIT, "translate() replaces at most %d characters at "
                           "character %u", TRANSLATE_MAX, n->pos);
        return set_str(out, translate(ev->a, STR(0), STR(1), STR(2)));
    case EF_CONTAINS: return set_bool(out, strstr(STR(0), STR(1)) != NULL);
    case EF_STARTS_WITH: return set_bool(out, str_starts_with(STR(0), STR(1)));
    case EF_ENDS_WITH: return set_bool(out, str_ends_with(STR(0), STR(1)));
    case EF_SUBSTR:
        return set_str(out, substr(ev->a, STR(0), NUM(1), n->nargs > 2 ? NUM(2) : 0, n->nargs > 2));
    case EF_SUBSTRING_BEFORE:
    case EF_SUBSTRING_AFTER: {
        const char *s = STR(0), *t = STR(1), *at = strstr(s, t);
        if (!at) return set_str(out, "");
        if (id == EF_SUBSTRING_BEFORE) return set_str(out, arena_strndup(ev->a, s, (size_t)(at - s)));
        return set_str(out, at + strlen(t));
    }
    case EF_CONCAT:
    case EF_JOIN: {
        size_t count, from = id == EF_JOIN ? 1 : 0;
        const char *sep = id == EF_JOIN ? STR(0) : "";
        struct expr_value *all = flatten(ev->a, v, from, n->nargs, &count);
        struct strbuf sb;
        strbuf_init(&sb, ev->a, 64);
        for (size_t i = 0; i < count; i++) {
            if (i) strbuf_puts(&sb, sep);
            strbuf_puts(&sb, expr_ev_string(ev, &all[i]));
        }
        return set_str(out, sb.data);
    }
    case EF_SELECTED: return set_bool(out, selected(ev->a, STR(0), STR(1)));
    case EF_COUNT_SELECTED: {
        long count;
        list_item(ev->a, STR(0), -1, &count);
        return set_num(out, (double)count);
    }
    case EF_SELECTED_AT: {
        double i = trunc(NUM(1));
        const char *item = NULL;
        if (i >= 0 && i <= 1e9) item = list_item(ev->a, STR(0), (long)i, NULL);
        return set_str(out, item ? item : "");
    }
    case EF_CHOICE_NAME: return fn_choice_name(ev, STR(0), STR(1), out);
    case EF_REGEX: return fn_regex(ev, n, STR(0), STR(1), out);
    case EF_SUM: case EF_MAX: case EF_MIN: return fn_aggregate(ev, n, v, out);
    case EF_COUNT: return set_num(out, v[0].type == EXPR_NODESET ? (double)v[0].count : 1);
    case EF_COUNT_NON_EMPTY: {
        size_t count, k = 0;
        struct expr_value *all = flatten(ev->a, v, 0, 1, &count);
        for (size_t i = 0; i < count; i++) k += !is_empty_value(&all[i]);
        return set_num(out, (double)k);
    }
    case EF_CHECKLIST: case EF_WEIGHTED_CHECKLIST: return fn_checklist(ev, n, v, out);
    case EF_TODAY: {
        struct strbuf sb;
        strbuf_init(&sb, ev->a, 16);
        put_date(&sb, floor_div(ev->now_ms + (int64_t)ev->tz * 60000, DAY_MS));
        return set_str(out, sb.data);
    }
    case EF_NOW: {
        struct strbuf sb;
        strbuf_init(&sb, ev->a, 32);
        put_datetime(&sb, ev->now_ms + (int64_t)ev->tz * 60000, ev->tz);
        return set_str(out, sb.data);
    }
    case EF_DATE: return fn_date(ev, n, &v[0], out);
    case EF_DATE_TIME: return fn_date_time(ev, n, &v[0], out);
    case EF_DECIMAL_DATE_TIME: {
        struct moment m;
        if ((rc = to_moment(ev, n, &v[0], &m)) < 0) return rc;
        return m.empty ? set_str(out, "") : set_num(out, m.days);
    }
    case EF_DECIMAL_TIME: return fn_decimal_time(ev, n, &v[0], out);
    case EF_FORMAT_DATE:
    case EF_FORMAT_DATE_TIME: {
        struct moment m;
        if ((rc = to_moment(ev, n, &v[0], &m)) < 0) return rc;
        return set_str(out, m.empty ? "" : format_date(ev, &m, STR(1)));
    }
    case EF_UUID: return fn_uuid(ev, n, v, out);
    default:
        return err_set(ev->e, ERR_INTERNAL, "function not implemented at character %u", n->pos);
    }
#undef NUM
#undef STR
}

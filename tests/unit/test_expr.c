/* Tests for forms/expr: table-driven. Each case is an expression and its exact outcome, written as
 *   "b:true"  a boolean      "n:3.5"   a number, as XPath prints it      "s:text" a string
 *   "ns:a|b"  a node-set     "P:msg"   a parse error                     "E:msg"  an evaluation error
 * Every case runs; all mismatches are printed before the test fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/str.h"
#include "forms/expr.h"

/* ---- the environment every case reads ---- */

static const char *const score_items[] = {"3", "4", "", "5"};
static const char *const names_items[] = {"ann", "bob"};

struct field {
    const char *name;
    const char *value;
};

static const struct field fields[] = {
    {"name", "Ada"},
    {"age", "42"},
    {"empty", ""},
    {"pi", "3.14"},
    {"colors", "red green blue"},
    {"date", "2024-01-31"},
    {"dt", "2024-01-31T10:20:30.400+02:00"},
    {"dob", "2000-02-29"},
    {"flag", "true"},
    {"neg", "-7.5"},
    {"comma", "1,5"},
    {"fruit", "b"},
    {"text", "  hello \t big\n  world "},
    {"utf", "\xC3\x87" "a \xC3\xA9t\xC3\xA9"}, /* "Ça été" */
};

static int lookup(void *ctx, const char *name, struct expr_value *out, struct arena *a)
{
    (void)ctx, (void)a;
    if (strcmp(name, "score") == 0) {
        *out = expr_value_nodeset(score_items, 4);
        return 0;
    }
    if (strcmp(name, "names") == 0) {
        *out = expr_value_nodeset(names_items, 2);
        return 0;
    }
    if (strcmp(name, "none") == 0) {
        *out = expr_value_nodeset(NULL, 0);
        return 0;
    }
    if (strcmp(name, "num") == 0) {
        *out = expr_value_number(7);
        return 0;
    }
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        if (strcmp(fields[i].name, name) == 0) {
            *out = expr_value_string(fields[i].value);
            return 0;
        }
    }
    return -1;
}

static const char *choice_label(void *ctx, const char *field, const char *value, struct arena *a)
{
    (void)ctx, (void)a;
    if (strcmp(field, "fruit") == 0) {
        if (strcmp(value, "a") == 0) return "Apple";
        if (strcmp(value, "b") == 0) return "Banana";
    }
    if (strcmp(field, "colors") == 0 && strcmp(value, "red") == 0) return "Red";
    return NULL;
}

static const char *fixed_uuid(void *ctx, struct arena *a)
{
    (void)ctx;
    return arena_strdup(a, "uuid-fixed");
}

/* 2024-01-31T08:20:30.400Z, seen from UTC+02:00: 10:20:30.400 local. */
static const struct expr_env env = {
    .lookup = lookup,
    .choice_label = choice_label,
    .uuid = fixed_uuid,
    .current = "hello",
    .position = 2,
    .now_ms = 1706689230400,
    .tz_offset_minutes = 120,
};

/* ---- running a case ---- */

static const char *render(struct arena *a, const struct expr_value *v)
{
    switch (v->type) {
    case EXPR_BOOL: return v->boolean ? "b:true" : "b:false";
    case EXPR_NUMBER: return arena_printf(a, "n:%s", expr_to_string(v, a));
    case EXPR_STRING: return arena_printf(a, "s:%s", v->string);
    case EXPR_NODESET: {
        struct strbuf sb;
        strbuf_init(&sb, a, 32);
        strbuf_puts(&sb, "ns:");
        for (size_t i = 0; i < v->count; i++) {
            if (i) strbuf_putc(&sb, '|');
            strbuf_puts(&sb, v->items[i]);
        }
        return sb.data;
    }
    }
    return "?";
}

static const char *run(struct arena *a, const char *src, const struct expr_env *with)
{
    struct err e;
    err_clear(&e);
    struct expr *x = expr_parse(a, src, &e);
    if (!x) return arena_printf(a, "P:%s", e.msg);
    struct expr_value v;
    if (expr_eval(x, with, a, &v, &e) < 0) return arena_printf(a, "E:%s", e.msg);
    return render(a, &v);
}

struct ecase {
    const char *src;
    const char *want;
};

static int run_table(const struct ecase *cases, size_t n, const struct expr_env *with)
{
    struct arena a;
    arena_init(&a, 0);
    int failures = 0;
    for (size_t i = 0; i < n; i++) {
        const char *got = run(&a, cases[i].src, with);
        if (strcmp(got, cases[i].want) != 0) {
            fprintf(stderr, "# case %zu: %s\n#   want %s\n#   got  %s\n", i, cases[i].src,
                    cases[i].want, got);
            failures++;
        }
        arena_reset(&a);
    }
    arena_free(&a);
    return failures;
}

#define RUN_TABLE(t, with) assert_int_equal(run_table(t, sizeof t / sizeof t[0], with), 0)

/* ---- literals, arithmetic, precedence, number printing ---- */

static const struct ecase arith_cases[] = {
    {"1", "n:1"},
    {"1.5", "n:1.5"},
    {".5", "n:0.5"},
    {"5.", "n:5"},
    {"'abc'", "s:abc"},
    {"\"dq\"", "s:dq"},
    {"\"it's\"", "s:it's"},
    {"''", "s:"},
    {"1 + 2", "n:3"},
    {"5 - 7", "n:-2"},
    {"2 * 3.5", "n:7"},
    {"7 div 2", "n:3.5"},
    {"7 mod 3", "n:1"},
    {"-7 mod 3", "n:-1"},
    {"7.5 mod 2", "n:1.5"},
    {"1 div 0", "n:Infinity"},
    {"-1 div 0", "n:-Infinity"},
    {"0 div 0", "n:NaN"},
    {"5 mod 0", "n:NaN"},
    {"-3", "n:-3"},
    {"- -3", "n:3"},
    {"--3", "n:3"},
    {"2 - -3", "n:5"},
    {"2--3", "n:5"},
    {"1 + 2 * 3", "n:7"},
    {"(1 + 2) * 3", "n:9"},
    {"10 - 4 - 3", "n:3"},
    {"2 * 3 div 4", "n:1.5"},
    {"16 div 4 div 2", "n:2"},
    {"-2 * 3", "n:-6"},
    {"1 - 2 = -1", "b:true"},
    {"1 < 2 = true()", "b:true"},
    {"1 = 1 and 2 = 3", "b:false"},
    {"1 = 1 or 2 = 3 and 1 = 2", "b:true"},
    {"(1 = 1 or 2 = 3) and 1 = 2", "b:false"},
    {"0.1 + 0.2", "n:0.30000000000000004"},
    {"0.1 + 0.2 = 0.3", "b:true"},
    {"0.1 * 3 * 10", "n:3"},
    {"1 div 3", "n:0.3333333333333333"},
    {"2 div 3", "n:0.6666666666666666"},
    {"100000000000000000000", "n:100000000000000000000"},
    {"0.000001", "n:0.000001"},
    {"123456789012", "n:123456789012"},
    {"1.10", "n:1.1"},
    {"-0", "n:0"},
    {"1\xC2\xA0+\t2\n", "n:3"},
    {"${num} * 2", "n:14"},
    {"${neg} + 0", "n:-7.5"},
    {"${comma} * 2", "n:3"},
    {"${empty} + 1", "n:NaN"},
    {"${name} * 1", "n:NaN"},
    {"true() + true()", "n:2"},
};

static void test_arithmetic(void **state)
{
    (void)state;
    RUN_TABLE(arith_cases, &env);
}

/* ---- comparison and logic, with XPath/ODK coercions ---- */

static const struct ecase compare_cases[] = {
    {"1 = 1", "b:true"},
    {"1 != 1", "b:false"},
    {"2 > 1", "b:true"},
    {"2 >= 2", "b:true"},
    {"1 < 2", "b:true"},
    {"2 <= 1", "b:false"},
    {"'abc' = 'abc'", "b:true"},
    {"'abc' = 'ABC'", "b:false"},
    {"'5' = 5", "b:true"},
    {"'5.0' = 5", "b:true"},
    {"'5.0' = '5'", "b:false"},
    {"'abc' = 5", "b:false"},
    {"'abc' != 5", "b:true"},
    {"'10' > '9'", "b:true"},
    {"'b' > 'a'", "b:true"},
    {"'abc' < 5", "b:false"},
    {"'abc' > 5", "b:true"},
    {"${empty} < 18", "b:false"},
    {"${empty} > 18", "b:false"},
    {"${empty} >= ''", "b:false"},
    {"${empty} = ''", "b:true"},
    {"${empty} = 0", "b:false"},
    {"${empty} != 0", "b:true"},
    {"true() = 'x'", "b:true"},
    {"false() = ''", "b:true"},
    {"true() = 1", "b:true"},
    {"true() > false()", "b:true"},
    {"number('') = number('')", "b:false"},
    {"number('') != number('')", "b:true"},
    {"number('') = 'NaN'", "b:false"},
    {"${date} < '2024-02-01'", "b:true"},
    {"${date} = '2024-01-31'", "b:true"},
    {"${dt} > ${date}", "b:true"},
    {"'1,5' = 1.5", "b:true"},
    {"${age} > 18", "b:true"},
    {"${age} = 42", "b:true"},
    {"${age} = '42'", "b:true"},
    {"${age} > '9'", "b:true"},
    {"true()", "b:true"},
    {"false()", "b:false"},
    {"not(true())", "b:false"},
    {"not(${empty})", "b:true"},
    {"not('false')", "b:false"},
    {"boolean('false')", "b:true"},
    {"boolean(0)", "b:false"},
    {"boolean(-0.5)", "b:true"},
    {"boolean(number('x'))", "b:false"},
    {"boolean(${none})", "b:false"},
    {"boolean(${names})", "b:true"},
    {"boolean-from-string('true')", "b:true"},
    {"boolean-from-string('TRUE')", "b:true"},
    {"boolean-from-string('1')", "b:true"},
    {"boolean-from-string('yes')", "b:false"},
    {"boolean-from-string(${flag})", "b:true"},
    {"true() and 0", "b:false"},
    {"'' or 'x'", "b:true"},
    {"0 and ${nosuch}", "b:false"},
    {"1 or ${nosuch}", "b:true"},
    {"1 and ${nosuch}", "E:no field named ${nosuch} at character 7"},
};

static void test_compare(void **state)
{
    (void)state;
    RUN_TABLE(compare_cases, &env);
}

/* ---- references, '.', strings ---- */

static const struct ecase string_cases[] = {
    {"${name}", "s:Ada"},
    {"${age} + 1", "n:43"},
    {".", "s:hello"},
    {"${empty}", "s:"},
    {"${nosuch}", "E:no field named ${nosuch} at character 1"},
    {"1 + ${nosuch}", "E:no field named ${nosuch} at character 5"},
    {"concat('a', 'b', 'c')", "s:abc"},
    {"concat()", "s:"},
    {"concat(${name}, ' is ', ${age})", "s:Ada is 42"},
    {"concat(1 div 2, '|', true())", "s:0.5|true"},
    {"concat(${names})", "s:annbob"},
    {"concat('x', ${score})", "s:x345"},
    {"string(12.50)", "s:12.5"},
    {"string(1 div 0)", "s:Infinity"},
    {"string(number('x'))", "s:NaN"},
    {"string()", "s:hello"},
    {"string(${names})", "s:ann"},
    {"string(${none})", "s:"},
    {"string-length('')", "n:0"},
    {"string-length('h\xC3\xA9llo')", "n:5"},
    {"string-length(${utf})", "n:6"},
    {"string-length()", "n:5"},
    {"string-length(.)", "n:5"},
    {"substr('hello', 1)", "s:ello"},
    {"substr('hello', 1, 3)", "s:el"},
    {"substr('hello', 0, 10)", "s:hello"},
    {"substr('hello', -3)", "s:llo"},
    {"substr('hello', 0, -1)", "s:hell"},
    {"substr('hello', 3, 1)", "s:"},
    {"substr('hello', 9)", "s:"},
    {"substr('h\xC3\xA9llo', 1, 2)", "s:\xC3\xA9"},
    {"substr('hello', 1.7, 3.9)", "s:el"},
    {"substr(${empty}, 0, 2)", "s:"},
    {"contains('hello', 'ell')", "b:true"},
    {"contains('hello', '')", "b:true"},
    {"contains('hello', 'xyz')", "b:false"},
    {"starts-with('hello', 'he')", "b:true"},
    {"starts-with('hello', 'lo')", "b:false"},
    {"ends-with('hello', 'lo')", "b:true"},
    {"ends-with('', 'x')", "b:false"},
    {"substring-before('2024-01-31', '-')", "s:2024"},
    {"substring-after('2024-01-31', '-')", "s:01-31"},
    {"substring-after('abc', 'x')", "s:"},
    {"normalize-space(${text})", "s:hello big world"},
    {"normalize-space('   ')", "s:"},
    {"normalize-space()", "s:hello"},
    {"translate('abc', 'abc', 'ABC')", "s:ABC"},
    {"translate('a-b-c', '-', '')", "s:abc"},
    {"translate('h\xC3\xA9llo', '\xC3\xA9', 'e')", "s:hello"},
    {"translate('bar', 'abc', 'AB')", "s:BAr"},
    {"upper-case('stra\xC3\x9F" "e \xC3\xA9 \xC3\xBF')", "s:STRA\xC3\x9F" "E \xC3\x89 \xC5\xB8"},
    /* "ÇA ÉTÉ ΣΟΦΙΑ ПРИВЕТ" */
    {"lower-case('\xC3\x87" "A \xC3\x89T\xC3\x89 \xCE\xA3\xCE\x9F\xCE\xA6\xCE\x99\xCE\x91 "
     "\xD0\x9F\xD0\xA0\xD0\x98\xD0\x92\xD0\x95\xD0\xA2')",
     "s:\xC3\xA7" "a \xC3\xA9t\xC3\xA9 \xCF\x83\xCE\xBF\xCF\x86\xCE\xB9\xCE\xB1 "
     "\xD0\xBF\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82"},
    {"upper-case(${name})", "s:ADA"},
    {"upper-case('\xC5\x82\xC3\xB3" "d\xC5\xBA')", "s:\xC5\x81\xC3\x93" "D\xC5\xB9"}, /* łódź */
    {"join(', ', ${names})", "s:ann, bob"},
    {"join('-', 'a', 'b', 3)", "s:a-b-3"},
    {"join(', ', ${none})", "s:"},
    {"coalesce(${empty}, 'fallback')", "s:fallback"},
    {"coalesce(${name}, 'fallback')", "s:Ada"},
    {"coalesce(${empty}, ${empty})", "s:"},
    {"coalesce(${name}, ${nosuch})", "s:Ada"},
    {"coalesce(number(''), 5)", "n:5"},
    {"if(${age} > 18, 'adult', 'minor')", "s:adult"},
    {"if(${empty}, 'x', 'y')", "s:y"},
    {"if(true(), 1, ${nosuch})", "n:1"},
    {"if(false(), 1, 2) + 1", "n:3"},
};

static void test_strings(void **state)
{
    (void)state;
    RUN_TABLE(string_cases, &env);
}

/* ---- number functions ---- */

static const struct ecase number_cases[] = {
    {"number('12')", "n:12"},
    {"number(' 12 ')", "n:12"},
    {"number('1,5')", "n:1.5"},
    {"number('1e3')", "n:NaN"},
    {"number('+5')", "n:NaN"},
    {"number('-.5')", "n:-0.5"},
    {"number('1.2.3')", "n:NaN"},
    {"number('')", "n:NaN"},
    {"number(true())", "n:1"},
    {"number(${date})", "n:19753"},
    {"number()", "n:NaN"},
    {"int(3.7)", "n:3"},
    {"int(-3.7)", "n:-3"},
    {"int('')", "n:NaN"},
    {"int('12.9')", "n:12"},
    {"round(2.5)", "n:3"},
    {"round(-2.5)", "n:-2"},
    {"round(-2.6)", "n:-3"},
    {"round(0.5)", "n:1"},
    {"round(-0.4)", "n:0"},
    {"round(2.675, 2)", "n:2.68"},
    {"round(1.005, 2)", "n:1.01"},
    {"round(3.14159, 3)", "n:3.142"},
    {"round(1234.5678, -2)", "n:1200"},
    {"round(0.05, 1)", "n:0.1"},
    {"round(7, 2)", "n:7"},
    {"round(5, 40)", "n:NaN"},
    {"round(number(''))", "n:NaN"},
    {"round(${pi}, 1)", "n:3.1"},
    {"round(0.1 + 0.2, 16)", "n:0.3"},           /* 0.30000000000000004: 17 digits, rounded */
    {"round(0.1 + 0.2, 17)", "n:0.30000000000000004"},
    {"round(123456789012345.5)", "n:123456789012346"},
    {"round(-1.0000000000000002, 15)", "n:-1"},
    {"round(2.5, 3)", "n:2.5"},                   /* fewer digits than places: unchanged */
    {"round(0.000123456, 5)", "n:0.00012"},
    {"pow(2, 10)", "n:1024"},
    {"pow(2, 0.5)", "n:1.4142135623730951"},
    {"pow(-8, 1 div 3)", "n:NaN"},
    {"abs(-3.5)", "n:3.5"},
    {"floor(-1.5)", "n:-2"},
    {"ceiling(1.2)", "n:2"},
    {"ceiling(-1.2)", "n:-1"},
    {"sqrt(16)", "n:4"},
    {"sqrt(-1)", "n:NaN"},
    {"exp10(3)", "n:1000"},
    {"log10(1000)", "n:3"},
    {"exp(0)", "n:1"},
    {"log(1)", "n:0"},
    {"pi()", "n:3.141592653589793"},
    {"sin(0)", "n:0"},
    {"cos(0)", "n:1"},
    {"tan(0)", "n:0"},
    {"atan2(1, 1) * 4", "n:3.141592653589793"},
    {"acos(1)", "n:0"},
    {"asin(1) * 2", "n:3.141592653589793"},
    {"atan(1) * 4", "n:3.141592653589793"},
    {"max(1, 5, 3)", "n:5"},
    {"min(1, 5, 3)", "n:1"},
    {"max(-3, -5)", "n:-3"},
    {"max(${score})", "n:5"},
    {"min(${score})", "n:3"},
    {"max(${none})", "n:NaN"},
    {"max(${score}, 10)", "n:10"},
    {"min('', 4)", "n:4"},
    {"random() >= 0 and random() < 1", "b:true"},
};

static void test_numbers(void **state)
{
    (void)state;
    RUN_TABLE(number_cases, &env);
}

/* ---- node-sets (repeats), multiple choice, choice labels ---- */

static const struct ecase nodeset_cases[] = {
    {"${score}", "ns:3|4||5"},
    {"${none}", "ns:"},
    {"count(${score})", "n:4"},
    {"count(${none})", "n:0"},
    {"count(${name})", "n:1"},
    {"count-non-empty(${score})", "n:3"},
    {"count-non-empty(${names})", "n:2"},
    {"sum(${score})", "n:12"},
    {"sum(${none})", "n:0"},
    {"sum(${age})", "n:42"},
    {"sum(${score}) div count-non-empty(${score})", "n:4"},
    {"${score} = 4", "b:true"},
    {"${score} = 7", "b:false"},
    {"${score} != 3", "b:true"},
    {"${score} > 4", "b:true"},
    {"${score} > 5", "b:false"},
    {"4 < ${score}", "b:true"},
    {"${names} = 'bob'", "b:true"},
    {"${none} = ''", "b:false"},
    {"${none} != ''", "b:false"},
    {"${names} = ${names}", "b:true"},
    {"${none} = false()", "b:true"},
    {"count(${score}) > 3", "b:true"},
    {"${score} + 1", "n:4"},
    {"selected(${colors}, 'green')", "b:true"},
    {"selected(${colors}, 'gree')", "b:false"},
    {"selected(${colors}, ' blue ')", "b:true"},
    {"selected(${empty}, 'red')", "b:false"},
    {"count-selected(${colors})", "n:3"},
    {"count-selected(${empty})", "n:0"},
    {"count-selected(' a  b ')", "n:2"},
    {"selected-at(${colors}, 0)", "s:red"},
    {"selected-at(${colors}, 2)", "s:blue"},
    {"selected-at(${colors}, 3)", "s:"},
    {"selected-at(${colors}, -1)", "s:"},
    {"jr:choice-name(${fruit}, '${fruit}')", "s:Banana"},
    {"jr:choice-name('a', '${fruit}')", "s:Apple"},
    {"jr:choice-name('zz', '${fruit}')", "s:"},
    {"jr:choice-name('red', '/data/colors')", "s:Red"},
    {"jr:choice-name(${empty}, '${fruit}')", "s:"},
    {"jr:choice-name(selected-at(${colors}, 0), 'colors')", "s:Red"},
    {"checklist(2, 3, true(), false(), 'x', '')", "b:true"},
    {"checklist(-1, 1, 1, 1)", "b:false"},
    {"checklist(3, -1, ${score})", "b:true"},
    {"weighted-checklist(5, 10, true(), 3, true(), 4, false(), 100)", "b:true"},
    {"weighted-checklist(0, 2, true(), 3)", "b:false"},
    {"weighted-checklist(0, 1, ${score}, ${names})",
     "E:weighted-checklist() needs node-sets of the same length at character 1"},
    {"position(..)", "n:2"},
    {"position()", "n:2"},
    {"position( .. ) * 10", "n:20"},
    {"once('x')", "s:hello"},
    {"uuid()", "s:uuid-fixed"},
    {"string-length(uuid(8))", "n:8"},
    {"uuid(0)", "s:"},
    {"uuid(5000)", "E:uuid() makes ids of at most 1000 characters at character 1"},
};

static void test_nodesets(void **state)
{
    (void)state;
    RUN_TABLE(nodeset_cases, &env);
}

/* ---- regex() ---- */

static const struct ecase regex_cases[] = {
    {"regex('12345', '^\\d{5}$')", "b:true"},
    {"regex('12345', '\\d{5}')", "b:true"},
    {"regex('1234', '\\d{5}')", "b:false"},
    {"regex('abc', 'b')", "b:false"},
    {"regex('abc', 'a.c')", "b:true"},
    {"regex('ab', 'a|ab')", "b:true"},
    {"regex('a.b', 'a\\.b')", "b:true"},
    {"regex('axb', 'a\\.b')", "b:false"},
    {"regex('x-1', '[\\w-]+')", "b:true"},
    {"regex('A_1', '[^\\s]+')", "b:true"},
    {"regex('a b', '\\S+')", "b:false"},
    {"regex('a b', '\\w\\s\\w')", "b:true"},
    {"regex('hello', '(?:he|ha)llo')", "b:true"},
    {"regex('aaa', 'a*?')", "b:true"},
    {"regex('', 'a*')", "b:true"},
    {"regex(., 'h.*')", "b:true"},
    {"regex('a]', '[\\]a]+')", "b:true"},
    {"regex('^', '[\\^]')", "b:true"},
    {"regex('-', '[-]')", "b:true"},
    {"regex('+33 612', '\\+[0-9]{2} [0-9]{3}')", "b:true"},
    {"regex('abcabc', '(abc){2}')", "b:true"},
    {"regex('x', ${name})", "b:false"},
    {"regex('\xC3\xA9', '.')", "b:true"},
    {"regex('Jos\xC3\xA9 \xC3\x87" "a', '[A-Za-z\xC3\x80-\xC3\xBF ]+')", "b:true"},
    {"regex('Jos\xC3\xA9', '[a-z]+')", "b:false"},
    {"regex('\xC3\x87" "a', '\\w+')", "b:true"},
    {"regex('x', '(')", "P:invalid regular expression in regex(): '(' without its ')' at character 12"},
    {"regex('x', 'a{2,1}')", "P:invalid regular expression in regex(): a repetition {m,n} with n "
                             "below m at character 12"},
    {"regex('x', '(a)\\1')", "P:invalid regular expression in regex(): back-references such as \\1 "
                             "are not supported at character 12"},
    {"regex('x', '(?i)a')", "P:invalid regular expression in regex(): only (?:...) groups are "
                            "supported at character 12"},
    {"regex('x', 'a)')", "P:invalid regular expression in regex(): unmatched ')' at character 12"},
    {"regex('aaa', '(a*)*')", "P:invalid regular expression in regex(): a repeated group that can "
                              "match nothing, such as (a*)* at character 14"},
    {"regex('aaa', '(a|b?)+')", "P:invalid regular expression in regex(): a repeated group that can "
                                "match nothing, such as (a*)* at character 14"},
    {"regex('aaabab', '(a*)?(a|b)+(?:a?b){2}')", "b:true"},
    {"regex('aaa', 'a**')", "P:invalid regular expression in regex(): '*' has nothing to repeat at "
                            "character 14"},
    {"regex('aaa', '+a')", "P:invalid regular expression in regex(): '+' has nothing to repeat at "
                           "character 14"},
    {"regex('aaa', 'a*+')", "P:invalid regular expression in regex(): possessive quantifiers (*+, "
                            "++, ?+) are not supported at character 14"},
    {"regex(concat(uuid(1000), uuid(1000), uuid(1000), uuid(1000), uuid(1000), uuid(1000)), "
     "'(.{1000}){2}')",
     "E:regex() cannot test a text this long against this pattern at character 1"},
    {"regex('x', concat('[', ''))", "E:invalid regular expression in regex(): '[' without its ']' "
                                    "at character 1"},
    {"regex('x', concat('((a{1000}){1000}){1000}', ''))",
     "E:invalid regular expression in regex(): the pattern repeats too much at character 1"},
};

static void test_regex(void **state)
{
    (void)state;
    RUN_TABLE(regex_cases, &env);
}

/* ---- dates; the clock is 2024-01-31T08:20:30.400Z, the zone UTC+02:00 ---- */

static const struct ecase date_cases[] = {
    {"today()", "s:2024-01-31"},
    {"now()", "s:2024-01-31T10:20:30.400+02:00"},
    {"today() + 1", "n:19754"},
    {"date(today() + 1)", "s:2024-02-01"},
    {"date('2024-01-31')", "s:2024-01-31"},
    {"date(19753)", "s:2024-01-31"},
    {"date(0)", "s:1970-01-01"},
    {"date(-1)", "s:1969-12-31"},
    {"date(${dt})", "s:2024-01-31"},
    {"date('2024-02-30')", "E:'2024-02-30' is not a date at character 1"},
    {"date('')", "s:"},
    {"date(${none})", "s:"},
    {"date('garbage')", "E:'garbage' is not a date at character 1"},
    {"date(99999999)", "E:the number 99999999 is out of range for a date at character 1"},
    {"date('2024-01-31') - date('2023-12-31')", "n:31"},
    {"${date} - ${dob}", "n:8737"},
    {"int((today() - ${dob}) div 365.25)", "n:23"},
    {"today() > '2024-01-01'", "b:true"},
    {"now() > today()", "b:true"},
    {"decimal-date-time('1970-01-02T12:00:00Z')", "n:1.5"},
    {"decimal-date-time('1970-01-01T00:00:00+01:00')", "n:-0.041666666666666664"},
    {"decimal-date-time('1970-01-01T00:00:00.5Z') * 86400", "n:0.5"},
    {"decimal-date-time('2024-01-31')", "n:19753"},
    {"decimal-date-time(2.25)", "n:2.25"},
    {"decimal-date-time('')", "s:"},
    {"date-time(1.5)", "s:1970-01-02T14:00:00.000+02:00"},
    {"date-time('2024-01-31')", "s:2024-01-31T00:00:00.000+02:00"},
    {"date-time(${dt})", "s:2024-01-31T10:20:30.400+02:00"},
    {"date-time('2024-01-31T10:20')", "s:2024-01-31T10:20:00.000+02:00"},
    {"decimal-time('12:00:00+02:00')", "n:0.5"},
    {"decimal-time('06:00:00Z')", "n:0.3333333333333333"},
    {"decimal-time(${dt})", "n:0.4309074074074074"},
    {"format-date('2024-01-05', '%Y %y %m %n %b %d %e %a')", "s:2024 24 01 1 Jan 05 5 Fri"},
    {"format-date(${dt}, '%H:%M:%S.%3 %h')", "s:10:20:30.400 10"},
    {"format-date('2024-03-09T07:05:09Z', '%H %h %M %S')", "s:09 9 05 09"},
    {"format-date(now(), '%d/%m/%Y %H:%M')", "s:31/01/2024 10:20"},
    {"format-date(today(), '%e %b %Y')", "s:31 Jan 2024"},
    {"format-date('2024-02-29', '%a %b')", "s:Thu Feb"},
    {"format-date(${empty}, '%Y')", "s:"},
    {"format-date(19753, '%Y-%m-%d')", "s:2024-01-31"},
    {"format-date('2024-01-31', '100%% %q %')", "s:100% %q %"},
    {"format-date('x', '%Y')", "E:'x' is not a date at character 1"},
    {"format-date-time('2024-01-31T23:30:00Z', '%Y-%m-%d %H:%M')", "s:2024-02-01 01:30"},
    {"format-date('2024-01-31T12:00:00-05:30', '%H:%M')", "s:19:30"},
    {"format-date('2024-01-31T25:00:00Z', '%H')",
     "E:'2024-01-31T25:00:00Z' is not a date at character 1"},
};

static void test_dates(void **state)
{
    (void)state;
    RUN_TABLE(date_cases, &env);
}

/* ---- parse errors: exact message, and the position expr_error_position reads from it ---- */

struct pcase {
    const char *src;
    const char *msg;
    int pos;
};

static const struct pcase parse_cases[] = {
    {"", "unexpected end of expression at character 1", 1},
    {"1 +", "unexpected end of expression at character 4", 4},
    {"(1 + 2", "unexpected end of expression at character 7", 7},
    {"1 + 2)", "unexpected ')' at character 6", 6},
    {"concat('a', 'b'))", "unexpected ')' at character 17", 17},
    {"if(${a} > 1, 'x', 'y') and (${b} = 2))", "unexpected ')' at character 38", 38},
    {"foo(1)", "unknown function 'foo' at character 1", 1},
    {"1 + bar()", "unknown function 'bar' at character 5", 5},
    {"round(1, 2, 3)", "round() takes 1 or 2 arguments, not 3, at character 1", 1},
    {"if(1, 2)", "if() takes 3 arguments, not 2, at character 1", 1},
    {"today(1)", "today() takes no arguments, not 1, at character 1", 1},
    {"not()", "not() takes 1 argument, not 0, at character 1", 1},
    {"substr('a')", "substr() takes 2 or 3 arguments, not 1, at character 1", 1},
    {"max()", "max() takes at least 1 argument, not 0, at character 1", 1},
    {"checklist(1)", "checklist() takes at least 2 arguments, not 1, at character 1", 1},
    {"'abc", "unterminated string at character 1", 1},
    {"1 + 'abc", "unterminated string at character 5", 5},
    {"${abc", "unterminated reference '${' at character 1", 1},
    {"${}", "invalid field name in ${} at character 1", 1},
    {"${a b}", "invalid field name in ${a b} at character 1", 1},
    {"${1a}", "invalid field name in ${1a} at character 1", 1},
    {"$abc", "'$' must start a reference such as ${name} at character 1", 1},
    {"1 # 2", "unexpected character '#' at character 3", 3},
    {"${a} / 2", "unexpected '/' (divide with 'div'; refer to a field as ${name}) at character 6", 6},
    {"/data/a = 1", "unexpected '/' (divide with 'div'; refer to a field as ${name}) at character 1", 1},
    {"${a} ! 2", "unexpected '!' (write != or not(...)) at character 6", 6},
    {"${a} = \xE2\x80\x98yes\xE2\x80\x99",
     "curly quote \xE2\x80\x98 (use straight quotes ' or \") at character 8", 8},
    {"1 \xE2\x89\xA5 2", "unexpected character '\xE2\x89\xA5' at character 3", 3},
    {"'\xC3\xA9' + \xC3\xA9", "unexpected character '\xC3\xA9' at character 7", 7},
    {"\xFF", "unexpected byte 0xFF at character 1", 1},
    {"yes", "unknown name 'yes' (a field is written ${yes}, a function call needs parentheses) "
            "at character 1", 1},
    {"1 and", "unexpected end of expression at character 6", 6},
    {"and 1", "unexpected 'and' at character 1", 1},
    {"1 2", "unexpected number 2 at character 3", 3},
    {"'a' 'b'", "unexpected string 'b' at character 5", 5},
    {"'it''s'", "unexpected string 's' at character 5", 5},
    {"${a} ${b}", "unexpected reference ${b} at character 6", 6},
    {"..", "'..' is only supported as position(..) at character 1", 1},
    {"position(1)", "position() takes '..' or nothing at character 1", 1},
    {"position(.., 1)", "unexpected ',' at character 12", 12},
    {"weighted-checklist(1, 2, 3)",
     "weighted-checklist() takes an even number of arguments at character 1", 1},
    {"1 = = 2", "unexpected '=' at character 5", 5},
    {"()", "unexpected ')' at character 2", 2},
    {"concat(1,)", "unexpected ')' at character 10", 10},
    {"concat(,1)", "unexpected ',' at character 8", 8},
    {"1e3", "unexpected 'e3' at character 2", 2},
    {"regex(., '[a')", "invalid regular expression in regex(): '[' without its ']' at character 10", 10},
};

static void test_parse_errors(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 0);
    int failures = 0;
    for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
        const struct pcase *c = &parse_cases[i];
        struct err e;
        err_clear(&e);
        struct expr *x = expr_parse(&a, c->src, &e);
        if (x || strcmp(e.msg, c->msg) != 0 || e.code != ERR_INVALID ||
            expr_error_position(&e) != c->pos) {
            fprintf(stderr, "# parse case %zu: %s\n#   want %s (%d)\n#   got  %s (%d)\n", i, c->src,
                    c->msg, c->pos, x ? "(parsed)" : e.msg, expr_error_position(&e));
            failures++;
        }
        arena_reset(&a);
    }
    arena_free(&a);
    assert_int_equal(failures, 0);
}

/* ---- limits on hostile input ---- */

static char *repeat(struct arena *a, const char *head, const char *unit, int n, const char *tail)
{
    struct strbuf sb;
    strbuf_init(&sb, a, 64);
    strbuf_puts(&sb, head);
    for (int i = 0; i < n; i++) strbuf_puts(&sb, unit);
    strbuf_puts(&sb, tail);
    return sb.data;
}

static void test_limits(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 0);

    /* 200 parentheses deep parses; 201 does not */
    char *ok = repeat(&a, repeat(&a, "", "(", 200, "1"), ")", 200, "");
    assert_string_equal(run(&a, ok, &env), "n:1");
    char *deep = repeat(&a, repeat(&a, "", "(", 201, "1"), ")", 201, "");
    assert_string_equal(run(&a, deep, &env),
                        "P:expression is nested too deeply (limit 200) at character 201");

    /* a long chain: 499 additions make a tree 500 high, 500 are refused */
    assert_string_equal(run(&a, repeat(&a, "1", "+1", 499, ""), &env), "n:500");
    assert_string_equal(run(&a, repeat(&a, "1", "+1", 500, ""), &env),
                        "P:expression is too long or too deeply nested (limit 500) at character 1000");

    assert_string_equal(run(&a, repeat(&a, "", "-", 200, "1"), &env), "n:1");
    assert_string_equal(run(&a, repeat(&a, "", "-", 300, "1"), &env),
                        "P:too many '-' in a row at character 201");

    /* nested calls count as nesting */
    char *calls = repeat(&a, repeat(&a, "", "abs(", 250, "1"), ")", 250, "");
    assert_string_equal(run(&a, calls, &env),
                        "P:expression is nested too deeply (limit 200) at character 801");

    /* text that grows faster than the expression is stopped: one long text, or many copies */
    char *big = repeat(&a, "join('', ", "uuid(1000), ", 300, "'')");
    assert_string_equal(run(&a, big, &env),
                        "E:the expression makes a text longer than 256 KiB at character 1");
    char *many = repeat(&a, repeat(&a, "", "concat(", 150, ""), "", 0,
                        repeat(&a, "join('', ", "uuid(1000), ", 200, repeat(&a, "''", ")", 151, "")));
    const char *got = run(&a, many, &env);
    static const char too_much[] = "E:the expression needs too much memory at character ";
    assert_memory_equal(got, too_much, sizeof too_much - 1);
    assert_string_equal(run(&a, repeat(&a, "translate('a', '", "x", 1001, "', '')"), &env),
                        "E:translate() replaces at most 1000 characters at character 1");

    /* many arguments */
    assert_string_equal(run(&a, repeat(&a, "concat(1", ",1", 999, ")"), &env),
                        repeat(&a, "s:", "1", 1000, ""));
    assert_string_equal(run(&a, repeat(&a, "concat(1", ",1", 1000, ")"), &env),
                        "P:too many arguments at character 2008");
    arena_free(&a);
}

/* ---- expr_foreach_ref ---- */

struct refs {
    char seen[10][32];
    int pos[10];
    int n;
};

static void collect(void *ctx, const char *name, int pos)
{
    struct refs *r = ctx;
    if (r->n < 10) {
        snprintf(r->seen[r->n], sizeof r->seen[0], "%s", name);
        r->pos[r->n++] = pos;
    }
}

static void test_foreach_ref(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 0);
    struct err e;
    struct expr *x = expr_parse(&a, "${a} + if(${b}, ${a}, jr:choice-name(${c}, '${fruit}'))", &e);
    assert_non_null(x);
    struct refs r = {0};
    expr_foreach_ref(x, collect, &r);
    assert_int_equal(r.n, 5);
    const char *names[] = {"a", "b", "a", "c", "fruit"};
    const int pos[] = {1, 11, 17, 38, 44};
    for (int i = 0; i < 5; i++) {
        assert_string_equal(r.seen[i], names[i]);
        assert_int_equal(r.pos[i], pos[i]);
    }

    /* positions count characters, not bytes */
    x = expr_parse(&a, "'\xC3\xA9\xC3\xA9' = ${x\xC3\xA9}", &e);
    assert_non_null(x);
    r.n = 0;
    expr_foreach_ref(x, collect, &r);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.seen[0], "x\xC3\xA9");
    assert_int_equal(r.pos[0], 8);

    x = expr_parse(&a, "1 + 2", &e);
    r.n = 0;
    expr_foreach_ref(x, collect, &r);
    assert_int_equal(r.n, 0);
    arena_free(&a);
}

/* ---- choice_filter: bare names are columns of the choice being tested ---- */

static int column(void *ctx, const char *name, struct expr_value *out, struct arena *a)
{
    (void)ctx, (void)a;
    if (strcmp(name, "state") == 0) *out = expr_value_string("b");
    else if (strcmp(name, "pop") == 0) *out = expr_value_string("12");
    else return -1;
    return 0;
}

static void test_choice_filter(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 0);
    struct expr_env with = env;
    with.column = column;
    struct err e;
    struct expr_value v;

    struct expr *x = expr_parse_filter(&a, "state = ${fruit} and pop > 10", &e);
    assert_non_null(x);
    assert_int_equal(expr_eval(x, &with, &a, &v, &e), 0);
    assert_int_equal(v.type, EXPR_BOOL);
    assert_true(v.boolean);

    struct refs r = {0};
    expr_foreach_column(x, collect, &r);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.seen[0], "state");
    assert_int_equal(r.pos[0], 1);
    assert_string_equal(r.seen[1], "pop");
    assert_int_equal(r.pos[1], 22);
    r.n = 0;
    expr_foreach_ref(x, collect, &r);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.seen[0], "fruit");

    x = expr_parse_filter(&a, "selected(${colors}, name) or starts-with(label, 'R')", &e);
    assert_non_null(x);
    assert_int_equal(expr_eval(x, &with, &a, &v, &e), ERR_NOT_FOUND);
    assert_string_equal(e.msg, "no choice column named 'name' at character 21");

    /* no column callback: a clean error, not a crash */
    x = expr_parse_filter(&a, "state = 'b'", &e);
    assert_int_equal(expr_eval(x, &env, &a, &v, &e), ERR_NOT_FOUND);
    assert_string_equal(e.msg, "no choice column named 'state' at character 1");

    /* outside a choice_filter a bare name stays an error; operators stay operators */
    assert_null(expr_parse(&a, "state = 'b'", &e));
    assert_null(expr_parse_filter(&a, "state and", &e));
    assert_string_equal(e.msg, "unexpected end of expression at character 10");
    arena_free(&a);
}

/* ---- other environments, conversions, API edges ---- */

static void test_env_edges(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 0);

    struct expr_env outside = env;
    outside.position = 0;
    outside.current = NULL;
    assert_string_equal(run(&a, "position(..)", &outside),
                        "E:position(..) is used outside a repeat at character 1");
    assert_string_equal(run(&a, "once(concat('x', 1))", &outside), "s:x1");
    assert_string_equal(run(&a, ".", &outside), "s:");

    /* a zone west of UTC moves today() back a day early in the morning */
    struct expr_env west = env;
    west.tz_offset_minutes = -600;
    assert_string_equal(run(&a, "today()", &west), "s:2024-01-30");
    assert_string_equal(run(&a, "now()", &west), "s:2024-01-30T22:20:30.400-10:00");
    assert_string_equal(run(&a, "format-date(${date}, '%d')", &west), "s:31");

    struct expr_env utc = env;
    utc.tz_offset_minutes = 0;
    assert_string_equal(run(&a, "now()", &utc), "s:2024-01-31T08:20:30.400Z");

    /* no environment at all: references fail cleanly, the real clock and a real UUID serve */
    assert_string_equal(run(&a, "${x}", NULL), "E:no field named ${x} at character 1");
    assert_int_equal(strlen(run(&a, "today()", NULL)), strlen("s:2024-01-31"));
    const char *id = run(&a, "uuid()", NULL);
    assert_int_equal(strlen(id), 2 + 36);
    assert_int_equal(id[2 + 14], '7');
    assert_string_equal(run(&a, "jr:choice-name('a', '${fruit}')", NULL), "s:");

    /* the error code says what kind of failure it was */
    struct err e;
    struct expr *x = expr_parse(&a, "1 + ${nosuch}", &e);
    struct expr_value v;
    assert_int_equal(expr_eval(x, &env, &a, &v, &e), ERR_NOT_FOUND);
    assert_int_equal(expr_error_position(&e), 5);
    assert_int_equal(v.type, EXPR_STRING);
    assert_null(expr_parse(&a, "(", &e));
    assert_int_equal(e.code, ERR_INVALID);
    assert_int_equal(expr_eval(NULL, &env, &a, &v, &e), ERR_INVALID);
    err_clear(&e);
    assert_int_equal(expr_error_position(&e), 0);
    assert_int_equal(expr_error_position(NULL), 0);
    arena_free(&a);
}

static void test_conversions(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 0);
    struct expr_value v = expr_value_number(2.5);
    assert_string_equal(expr_to_string(&v, &a), "2.5");
    assert_true(expr_to_bool(&v));
    v = expr_value_number(-1e-7);
    assert_string_equal(expr_to_string(&v, &a), "-0.0000001");
    v = expr_value_number(123456.789);
    assert_string_equal(expr_to_string(&v, &a), "123456.789");
    v = expr_value_number(1.5e300);
    assert_int_equal(strlen(expr_to_string(&v, &a)), 301);
    v = expr_value_number(0);
    assert_false(expr_to_bool(&v));
    v = expr_value_bool(true);
    assert_string_equal(expr_to_string(&v, &a), "true");
    assert_true(expr_to_number(&v) == 1);
    v = expr_value_string("2024-01-31T12:00:00");
    assert_true(expr_to_number(&v) == 19753.5);
    v = expr_value_string(" 7 ");
    assert_true(expr_to_number(&v) == 7);
    v = expr_value_string(NULL);
    assert_string_equal(v.string, "");
    assert_false(expr_to_bool(&v));
    static const char *const two[] = {"8", "9"};
    v = expr_value_nodeset(two, 2);
    assert_string_equal(expr_to_string(&v, &a), "8");
    assert_true(expr_to_number(&v) == 8);
    assert_true(expr_to_bool(&v));
    v = expr_value_nodeset(NULL, 0);
    assert_string_equal(expr_to_string(&v, &a), "");
    assert_false(expr_to_bool(&v));
    arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arithmetic),
        cmocka_unit_test(test_compare),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_nodesets),
        cmocka_unit_test(test_regex),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_foreach_ref),
        cmocka_unit_test(test_choice_filter),
        cmocka_unit_test(test_env_edges),
        cmocka_unit_test(test_conversions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Tests for forms/xlsform (and the lookups of forms/form): small forms written inline in pyxform's
 * markdown and csv layouts, built, and checked field by field; then one broken form per check,
 * asserting the exact sheet, row and column of the problem and the key words of its message.
 * In the markdown texts a sheet name stands on a line of its own, so a row number is the line
 * number counted from the first line of the text. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/i18n.h"
#include "base/str.h"
#include "forms/answers.h"
#include "forms/engine.h"
#include "forms/expr.h"
#include "forms/form.h"
#include "forms/form_json.h"
#include "forms/paging.h"
#include "forms/xlsform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

/* --- helpers ---------------------------------------------------------------------------------- */

struct fx {
    struct arena a;
    struct form *f;
    struct form_problems ps;
    int rc;
};

static int setup(void **state)
{
    struct fx *x = calloc(1, sizeof *x);
    arena_init(&x->a, 0);
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    struct fx *x = *state;
    arena_free(&x->a);
    free(x);
    return 0;
}

static void dump(const struct fx *x)
{
    struct arena a;
    arena_init(&a, 0);
    struct strbuf sb;
    strbuf_init(&sb, &a, 256);
    xlsform_problems_format(&x->ps, &sb);
    if (sb.len) fprintf(stderr, "# problems:\n%s", sb.data);
    arena_free(&a);
}

static int build_with(struct fx *x, const char *format, const char *text, const char *fallback)
{
    x->ps = (struct form_problems){0};
    x->f = NULL;
    x->rc = xlsform_read_memory(&x->a, format, text, strlen(text), fallback, &x->f, &x->ps);
    return x->rc;
}

static int build(struct fx *x, const char *md)
{
    return build_with(x, "md", md, "test_form");
}

/* Builds and asserts success with no problem at all. */
static const struct form *build_ok(struct fx *x, const char *md)
{
    build(x, md);
    if (x->rc || x->ps.count) dump(x);
    assert_int_equal(x->rc, 0);
    assert_non_null(x->f);
    assert_int_equal(x->ps.count, 0);
    return x->f;
}

static bool same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The problem at sheet/row/column whose message contains phrase; fails the test when none. */
static const struct form_problem *problem(const struct fx *x, const char *sheet, int row,
                                          const char *column, const char *phrase)
{
    for (size_t i = 0; i < x->ps.count; i++) {
        const struct form_problem *p = &x->ps.items[i];
        if (same(p->sheet, sheet) && p->row == row && same(p->column, column) &&
            strstr(p->message, phrase))
            return p;
    }
    dump(x);
    fprintf(stderr, "# expected: sheet %s, row %d, column %s: ...%s...\n", sheet ? sheet : "(none)",
            row, column ? column : "(none)", phrase);
    fail();
    return NULL;
}

/* The build failed with exactly this one error. */
static void only_error(struct fx *x, const char *md, const char *sheet, int row, const char *column,
                       const char *phrase)
{
    build(x, md);
    assert_int_equal(x->rc, ERR_INVALID);
    assert_null(x->f);
    const struct form_problem *p = problem(x, sheet, row, column, phrase);
    assert_false(p->warning);
    if (x->ps.errors != 1) dump(x);
    assert_int_equal(x->ps.errors, 1);
}

static const struct form_field *field(const struct form *f, const char *name)
{
    const struct form_field *fd = form_field_by_name(f, name);
    if (!fd) fprintf(stderr, "# no field %s\n", name);
    assert_non_null(fd);
    return fd;
}

static const char *extra(const struct form_extra *e, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(e[i].name, name) == 0) return e[i].value;
    return NULL;
}

static bool eval_bool(struct fx *x, const struct expr *e)
{
    struct expr_env env = {0};
    struct expr_value v;
    struct err err;
    err_clear(&err);
    assert_int_equal(expr_eval(e, &env, &x->a, &v, &err), 0);
    return expr_to_bool(&v);
}

/* --- building: the tree ------------------------------------------------------------------------ */

static void test_tree(void **state)
{
    struct fx *x = *state;
    const struct form *f = build_ok(x,
        "| survey |\n"                                                          /* 1 */
        "| | type | name | label |\n"                                           /* 2 */
        "| | text | intro | Your name |\n"                                      /* 3 */
        "| | begin group | profile | Profile |\n"                               /* 4 */
        "| | integer | pupils | Pupils |\n"                                     /* 5 */
        "| | begin repeat | rooms | Rooms |\n"                                  /* 6 */
        "| | decimal | area | Area |\n"                                         /* 7 */
        "| | end repeat | | |\n"                                                /* 8 */
        "| | end group | | |\n"                                                 /* 9 */
        "| | note | bye | Thanks |\n");                                         /* 10 */
    assert_int_equal(f->nfields, 6);
    assert_int_equal(f->ntop, 3);
    assert_string_equal(f->top[0]->name, "intro");
    assert_string_equal(f->top[1]->name, "profile");
    assert_string_equal(f->top[2]->name, "bye");
    const struct form_field *g = field(f, "profile"), *r = field(f, "rooms"), *a = field(f, "area");
    assert_int_equal(g->type, FT_GROUP);
    assert_int_equal(r->type, FT_REPEAT);
    assert_int_equal(a->type, FT_DECIMAL);
    assert_int_equal(g->nchildren, 2);
    assert_ptr_equal(g->children[0], field(f, "pupils"));
    assert_ptr_equal(g->children[1], r);
    assert_int_equal(r->nchildren, 1);
    assert_ptr_equal(r->children[0], a);
    assert_ptr_equal(a->parent, r);
    assert_ptr_equal(r->parent, g);
    assert_null(g->parent);
    assert_string_equal(a->path, "profile/rooms/area");
    assert_string_equal(field(f, "pupils")->path, "profile/pupils");
    assert_string_equal(field(f, "intro")->path, "intro");
    assert_int_equal(a->row, 7);
    assert_int_equal(field(f, "bye")->row, 10);
    for (size_t i = 0; i < f->nfields; i++) assert_int_equal(f->fields[i].index, i);
    assert_ptr_equal(form_field_repeat(a), r);
    assert_null(form_field_repeat(field(f, "pupils")));
    assert_null(form_field_by_name(f, "nothing"));
    assert_string_equal(f->form_id, "test_form"); /* no settings: the fallback */
    assert_string_equal(f->title[0], "test_form");
    assert_string_equal(f->version, "");
}

static void test_type_spellings(void **state)
{
    struct fx *x = *state;
    const struct form *f = build_ok(x,
        "| survey |\n"
        "| | type | name | label |\n"
        "| | begin_group | g | G |\n"
        "| | string | s | S |\n"
        "| | int | i | I |\n"
        "| | select one yn | s1 | S1 |\n"
        "| | select all that apply yn | sm | SM |\n"
        "| | select_one yn or_other | so | SO |\n"
        "| | select_multiple   yn | sm2 | SM2 |\n"
        "| | rank yn | rk | RK |\n"
        "| | Date | d | D |\n"
        "| | dateTime | dt | DT |\n"
        "| | time | tm | TM |\n"
        "| | geopoint | gp | GP |\n"
        "| | image | im | IM |\n"
        "| | file | fl | FL |\n"
        "| | acknowledge | ack | ACK |\n"
        "| | hidden | hid | |\n"
        "| | end_group | | |\n"
        "| | begin_repeat | r | |\n"
        "| | text | inr | In |\n"
        "| | end_repeat | | |\n"
        "| choices |\n"
        "| | list_name | name | label |\n"
        "| | yn | yes | Yes |\n"
        "| | yn | no | No |\n");
    static const struct { const char *name; enum form_type type; } want[] = {
        {"g", FT_GROUP}, {"s", FT_TEXT}, {"i", FT_INTEGER}, {"s1", FT_SELECT_ONE},
        {"sm", FT_SELECT_MULTIPLE}, {"so", FT_SELECT_ONE}, {"sm2", FT_SELECT_MULTIPLE},
        {"rk", FT_RANK}, {"d", FT_DATE}, {"dt", FT_DATETIME}, {"tm", FT_TIME}, {"gp", FT_GEOPOINT},
        {"im", FT_IMAGE}, {"fl", FT_FILE}, {"ack", FT_ACKNOWLEDGE}, {"hid", FT_HIDDEN},
        {"r", FT_REPEAT}, {"inr", FT_TEXT},
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        assert_int_equal(field(f, want[i].name)->type, want[i].type);
    assert_true(field(f, "so")->or_other);
    assert_false(field(f, "s1")->or_other);
    assert_string_equal(field(f, "rk")->list->name, "yn");
    assert_string_equal(form_type_name(FT_GROUP), "begin_group");
    assert_string_equal(form_type_name(FT_SELECT_MULTIPLE), "select_multiple");
    assert_true(form_type_is_input(FT_RANK));
    assert_false(form_type_is_input(FT_NOTE));
    assert_false(form_type_is_input(FT_CALCULATE));
    assert_true(form_type_is_meta(FT_INSTANCE_ID));
    assert_false(form_type_is_meta(FT_HIDDEN));
}

static void test_metadata(void **state)
{
    struct fx *x = *state;
    build(x,
        "| survey |\n"
        "| | type | name | label |\n"
        "| | start | start | |\n"
        "| | end | end | |\n"
        "| | today | today | |\n"
        "| | username | user | |\n"
        "| | instanceID | iid | |\n"
        "| | deviceid | dev | |\n"
        "| | text | q | Q |\n");
    assert_int_equal(x->rc, 0);
    const struct form *f = x->f;
    assert_int_equal(field(f, "start")->type, FT_START);
    assert_int_equal(field(f, "end")->type, FT_END);
    assert_int_equal(field(f, "today")->type, FT_TODAY);
    assert_int_equal(field(f, "user")->type, FT_USERNAME);
    assert_int_equal(field(f, "iid")->type, FT_INSTANCE_ID);
    assert_int_equal(field(f, "dev")->type, FT_HIDDEN);
    const struct form_problem *p = problem(x, "survey", 8, "type", "phone metadata");
    assert_true(p->warning);
    assert_int_equal(x->ps.count, 1);
    assert_int_equal(x->ps.errors, 0);
}

/* Rows with neither type, name nor label are comments, as in pyxform; every cell is trimmed. */
static void test_comments_and_trimming(void **state)
{
    struct fx *x = *state;
    const struct form *f = build_ok(x,
        "| survey |\n"
        "| | Type | NAME |  Label  | notes |\n"
        "| | | | | a note to the form's authors |\n"
        "| | text | q1 | \xc2\xa0Hello\xc2\xa0 | |\n");
    assert_int_equal(f->nfields, 1);
    assert_string_equal(field(f, "q1")->label[0], "Hello");
}

/* --- languages ----------------------------------------------------------------------------------- */

static void test_languages(void **state)
{
    struct fx *x = *state;
    const struct form *f = build_ok(x,
        "| survey |\n"
        "| | type | name | label::Français (fr) | label::English (en) | label::ar | hint::en |"
        " hint::Français (fr) | hint::ar |\n"
        "| | text | q1 | Nom | Name | اسم | h | h-fr | h-ar |\n"
        "| | text | q2 | Âge | Age | | | | |\n"
        "| settings |\n"
        "| | form_id | default_language |\n"
        "| | t | English (en) |\n");
    assert_int_equal(f->nlang, 3);
    assert_int_equal(f->default_lang, 0);
    assert_string_equal(f->languages[0].code, "en");
    assert_string_equal(f->languages[0].name, "English");
    assert_string_equal(f->languages[1].code, "fr");
    assert_string_equal(f->languages[1].name, "Français");
    assert_string_equal(f->languages[2].code, "ar");
    assert_false(f->languages[0].rtl);
    assert_true(f->languages[2].rtl);
    const struct form_field *q1 = field(f, "q1"), *q2 = field(f, "q2");
    assert_string_equal(q1->label[0], "Name");
    assert_string_equal(q1->label[1], "Nom");
    assert_string_equal(q1->label[2], "اسم");
    assert_string_equal(q1->hint[1], "h-fr");
    assert_string_equal(q2->label[2], "Age"); /* missing translation: the default's text */
    assert_string_equal(q2->hint[0], "");
    assert_int_equal(form_language_index(f, "FR"), 1);
    assert_int_equal(form_language_index(f, "English"), 0);
    assert_int_equal(form_language_index(f, "de"), -1);
    assert_string_equal(form_text(f, q2->label, 1), "Âge");
    assert_string_equal(form_text(f, q2->label, 7), "Age");
    assert_string_equal(form_text(f, NULL, 0), "");
}

/* A plain label belongs to the "default" language, which comes first; then the others in column
 * order; a language met as "es" takes the name of a later "Español (es)". */
static void test_languages_default(void **state)
{
    struct fx *x = *state;
    const struct form *f = build_ok(x,
        "| survey |\n"
        "| | type | name | label::es | label | label::he |\n"
        "| | select_one c | q1 | Uno | One | אחד |\n"
        "| choices |\n"
        "| | list_name | name | label::Español (es) | label | label::he |\n"
        "| | c | a | A-es | A | A-he |\n"
        "| settings |\n"
        "| | form_id |\n"
        "| | t |\n");
    assert_int_equal(f->nlang, 3);
    assert_string_equal(f->languages[0].code, "default");
    assert_string_equal(f->languages[1].code, "es");
    assert_string_equal(f->languages[1].name, "Español");
    assert_string_equal(f->languages[2].code, "he");
    assert_true(f->languages[2].rtl);
    assert_string_equal(field(f, "q1")->label[0], "One");
    assert_string_equal(field(f, "q1")->label[1], "Uno");
    const struct form_choice *c = form_choice_by_value(field(f, "q1")->list, "a");
    assert_non_null(c);
    assert_string_equal(c->label[0], "A");
    assert_string_equal(c->label[1], "A-es");
    assert_string_equal(c->label[2], "A-he");
}

static void test_language_missing_column_warns(void **state)
{
    struct fx *x = *state;
    build(x,
        "| survey |\n"
        "| | type | name | label::en | label::fr | hint::en |\n"
        "| | text | q1 | Name | Nom | h |\n"
        "| settings |\n"
        "| | form_id |\n"
        "| | t |\n");
    assert_int_equal(x->rc, 0);
    const struct form_problem *p = problem(x, "survey", 2, NULL, "no hint column for fr");
    assert_true(p->warning);
    assert_string_equal(field(x->f, "q1")->hint[1], "h");
}

/* --- columns ------------------------------------------------------------------------------------- */

static void test_columns_aliases(void **state)
{
    struct fx *x = *state;
    const struct form *f = build_ok(x,
        "| survey |\n"
        "| | type | name | label | required | jr:requiredMsg | constraint | jr:constraintMsg |"
        " appearance | default | image | personal | Owner | bind::relevant | calculate |"
        " read_only |\n"
        "| | integer | age | Age | yes | Answer | . > 0 | Not an age | numbers | 10 | age.png |"
        " yes | Ana | | | |\n"
        "| | text | why | Why? | no | | | | | | | no | | ${age} > 50 | | true |\n"
        "| | text | opt | Opt | ${age} > 18 | | | | | | | | | | | |\n"
        "| | calculate | twice | | | | | | | | | | | | ${age} * 2 | |\n"
        "| settings |\n"
        "| | form_id | version | form_title | instance_name | style | Custom_Key |\n"
        "| | t | 2024-01 | Needs survey | concat('x-', ${age}) | pages | kept |\n");
    const struct form_field *age = field(f, "age"), *why = field(f, "why"), *opt = field(f, "opt");
    assert_string_equal(age->required_message[0], "Answer");
    assert_string_equal(age->constraint_message[0], "Not an age");
    assert_string_equal(age->constraint_src, ". > 0");
    assert_non_null(age->constraint);
    assert_string_equal(age->appearance, "numbers");
    assert_string_equal(age->default_value, "10");
    assert_true(age->personal);
    assert_false(why->personal);
    assert_string_equal(extra(age->extra, age->nextra, "media::image"), "age.png");
    assert_string_equal(extra(age->extra, age->nextra, "Owner"), "Ana");
    assert_int_equal(age->nextra, 2);
    assert_int_equal(why->nextra, 0);
    /* required: yes is the expression true(), no is none, anything else an expression */
    assert_string_equal(age->required_src, "yes");
    assert_non_null(age->required);
    assert_true(eval_bool(x, age->required));
    assert_string_equal(why->required_src, "no");
    assert_null(why->required);
    assert_non_null(opt->required);
    assert_string_equal(opt->required_src, "${age} > 18");
    assert_non_null(why->read_only);
    assert_true(eval_bool(x, why->read_only));
    assert_null(age->read_only);
    assert_string_equal(why->relevant_src, "${age} > 50");
    assert_non_null(why->relevant);
    assert_null(age->relevant);
    assert_string_equal(age->relevant_src, "");
    assert_string_equal(field(f, "twice")->calculation_src, "${age} * 2");
    assert_non_null(field(f, "twice")->calculation);
    assert_string_equal(f->version, "2024-01");
    assert_string_equal(f->title[0], "Needs survey");
    assert_string_equal(f->style, "pages");
    assert_non_null(f->instance_name);
    assert_string_equal(f->instance_name_src, "concat('x-', ${age})");
    assert_string_equal(extra(f->settings, f->nsettings, "custom_key"), "kept");
    assert_string_equal(extra(f->settings, f->nsettings, "form_id"), "t");
}

static void test_range_and_repeat_count(void **state)
{
    struct fx *x = *state;
    const struct form *f = build_ok(x,
        "| survey |\n"
        "| | type | name | label | parameters | repeat_count |\n"
        "| | range | r1 | R1 | | |\n"
        "| | range | r2 | R2 | start=0 end=100 step=5 | |\n"
        "| | range | r3 | R3 | start=10;end=0, step=0.5 | |\n"
        "| | integer | n | N | | |\n"
        "| | begin repeat | rep | Rep | | ${n} |\n"
        "| | text | t | T | | |\n"
        "| | end repeat | | | | |\n"
        "| | image | photo | Photo | max-pixels=1024 | |\n");
    const struct form_field *r1 = field(f, "r1"), *r2 = field(f, "r2"), *r3 = field(f, "r3");
    assert_true(r1->range_start == 1 && r1->range_end == 10 && r1->range_step == 1);
    assert_true(r2->range_start == 0 && r2->range_end == 100 && r2->range_step == 5);
    assert_true(r3->range_start == 10 && r3->range_end == 0 && r3->range_step == 0.5);
    assert_string_equal(r2->parameters, "start=0 end=100 step=5");
    assert_string_equal(field(f, "photo")->parameters, "max-pixels=1024");
    assert_non_null(field(f, "rep")->repeat_count);
    assert_string_equal(field(f, "rep")->repeat_count_src, "${n}");
}

static void test_choices(void **state)
{
    struct fx *x = *state;
    const struct form *f = build_ok(x,
        "| survey |\n"
        "| | type | name | label | choice_filter |\n"
        "| | select_one countries | country | Country | |\n"
        "| | select_one cities | city | City | country = ${country} and name != 'x' |\n"
        "| choices |\n"
        "| | list_name | name | label | country | image |\n"
        "| | countries | fr | France | | fr.png |\n"
        "| | cities | paris | Paris | fr | |\n"
        "| | countries | de | Germany | | |\n"
        "| | cities | berlin | Berlin | de | |\n"
        "| | cities | lyon | Lyon | fr | |\n"
        "| settings |\n"
        "| | form_id |\n"
        "| | t |\n");
    assert_int_equal(f->nlists, 2);
    const struct form_choice_list *countries = form_list_by_name(f, "countries");
    const struct form_choice_list *cities = form_list_by_name(f, "cities");
    assert_non_null(countries);
    assert_null(form_list_by_name(f, "Countries"));
    assert_ptr_equal(f->lists[0].name, countries->name);
    assert_int_equal(countries->count, 2);
    assert_int_equal(cities->count, 3);
    assert_string_equal(countries->choices[1].value, "de");
    assert_string_equal(countries->choices[1].label[0], "Germany");
    const struct form_choice *lyon = form_choice_by_value(cities, "lyon");
    assert_non_null(lyon);
    assert_string_equal(extra(lyon->extra, lyon->nextra, "country"), "fr");
    assert_int_equal(lyon->nextra, 1);
    const struct form_choice *fr = form_choice_by_value(countries, "fr");
    assert_string_equal(extra(fr->extra, fr->nextra, "media::image"), "fr.png");
    assert_null(form_choice_by_value(cities, "rome"));
    assert_ptr_equal(field(f, "city")->list, cities);
    assert_non_null(field(f, "city")->choice_filter);
}

static void test_csv(void **state)
{
    struct fx *x = *state;
    const char *csv =
        "survey,type,name,label,relevant\n"
        ",select_one yn,ok,\"Is it, really, ok?\",\n"
        ",text,why,Why?,${ok} = 'no'\n"
        "choices,list_name,name,label\n"
        ",yn,yes,Yes\n"
        ",yn,no,No\n"
        "settings,form_id,version\n"
        ",from_csv,3\n";
    build_with(x, "csv", csv, NULL);
    if (x->rc) dump(x);
    assert_int_equal(x->rc, 0);
    const struct form *f = x->f;
    assert_string_equal(f->form_id, "from_csv");
    assert_string_equal(f->version, "3");
    assert_string_equal(field(f, "ok")->label[0], "Is it, really, ok?");
    assert_int_equal(field(f, "why")->row, 3);
    assert_non_null(field(f, "why")->relevant);
    assert_int_equal(field(f, "ok")->list->count, 2);
}

static void test_fallback_id(void **state)
{
    struct fx *x = *state;
    build_with(x, "md", "| survey |\n| | type | name | label |\n| | text | a | A |\n", "upload_name");
    assert_int_equal(x->rc, 0);
    assert_string_equal(x->f->form_id, "upload_name");
    assert_string_equal(x->f->title[0], "upload_name");
}

static void test_read_file(void **state)
{
    struct fx *x = *state;
    char dir[] = "/tmp/test_xlsform_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/Needs survey (v2).md", dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("| survey |\n| | type | name | label |\n| | text | a | A |\n", fp);
    fclose(fp);
    struct form_problems ps = {0};
    struct form *f;
    assert_int_equal(xlsform_read_file(&x->a, path, NULL, &f, &ps), 0);
    assert_string_equal(f->form_id, "Needs_survey__v2_");
    unlink(path);
    rmdir(dir);

    ps = (struct form_problems){0};
    assert_int_equal(xlsform_read_file(&x->a, "/nonexistent/form.xlsx", NULL, &f, &ps), ERR_NOT_FOUND);
    assert_null(f);
    assert_int_equal(ps.count, 1);
    assert_null(ps.items[0].sheet);
    assert_non_null(strstr(ps.items[0].message, "cannot open"));
}

/* An .xlsx as Excel-like tools write it: row numbers are the spreadsheet's, numbers keep their text,
 * sheet names and headers any case. */
static void test_xlsx(void **state)
{
    struct fx *x = *state;
    char path[] = "/tmp/test_xlsform_XXXXXX.xlsx";
    int fd = mkstemps(path, 5);
    assert_true(fd >= 0);
    close(fd);
    lxw_workbook *wb = workbook_new(path);
    lxw_worksheet *survey = workbook_add_worksheet(wb, "Survey");
    static const char *const rows[][4] = {
        {"type", "name", "Label::English (en)", "relevant"},
        {"integer", "age", "Age", NULL},
        {NULL, NULL, NULL, NULL}, /* an empty row: numbers below keep counting */
        {"select_one yn", "adult", "Adult?", "${age} >= 18"},
        {"text", "why", "Why?", "${nobody} = 1"},
    };
    for (int r = 0; r < 5; r++)
        for (int c = 0; c < 4; c++)
            if (rows[r][c]) worksheet_write_string(survey, (lxw_row_t)r, (lxw_col_t)c, rows[r][c], NULL);
    lxw_worksheet *choices = workbook_add_worksheet(wb, "choices");
    worksheet_write_string(choices, 0, 0, "list_name", NULL);
    worksheet_write_string(choices, 0, 1, "name", NULL);
    worksheet_write_string(choices, 0, 2, "label::English (en)", NULL);
    worksheet_write_string(choices, 1, 0, "yn", NULL);
    worksheet_write_number(choices, 1, 1, 1, NULL);
    worksheet_write_string(choices, 1, 2, "Yes", NULL);
    lxw_worksheet *settings = workbook_add_worksheet(wb, "settings");
    worksheet_write_string(settings, 0, 0, "form_id", NULL);
    worksheet_write_string(settings, 0, 1, "version", NULL);
    worksheet_write_string(settings, 1, 0, "xl", NULL);
    worksheet_write_number(settings, 1, 1, 2024061001, NULL);
    assert_int_equal(workbook_close(wb), LXW_NO_ERROR);

    struct form *f;
    struct form_problems ps = {0};
    assert_int_equal(xlsform_read_file(&x->a, path, NULL, &f, &ps), ERR_INVALID);
    x->ps = ps;
    problem(x, "survey", 5, "relevant", "${nobody}");
    assert_int_equal(ps.errors, 1);

    /* the same workbook without the broken row, read from memory */
    wb = workbook_new(path);
    survey = workbook_add_worksheet(wb, "survey");
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++)
            if (rows[r][c]) worksheet_write_string(survey, (lxw_row_t)r, (lxw_col_t)c, rows[r][c], NULL);
    choices = workbook_add_worksheet(wb, "choices");
    worksheet_write_string(choices, 0, 0, "list_name", NULL);
    worksheet_write_string(choices, 0, 1, "name", NULL);
    worksheet_write_string(choices, 1, 0, "yn", NULL);
    worksheet_write_number(choices, 1, 1, 1, NULL);
    assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    unlink(path);
    ps = (struct form_problems){0};
    assert_int_equal(xlsform_read_memory(&x->a, "xlsx", buf, n, "from_upload", &f, &ps), 0);
    assert_string_equal(f->form_id, "from_upload");
    assert_string_equal(f->languages[0].code, "en");
    assert_int_equal(field(f, "adult")->row, 4);
    assert_non_null(form_choice_by_value(field(f, "adult")->list, "1"));
    x->ps = ps;
    assert_true(problem(x, "choices", 1, NULL, "no label column")->warning);
}

/* A file the sheet reader refuses is one problem, with no sheet. */
static void test_unreadable(void **state)
{
    struct fx *x = *state;
    build_with(x, "md", "| | type | name |\n", NULL);
    assert_true(x->rc < 0);
    assert_null(x->f);
    assert_int_equal(x->ps.count, 1);
    assert_null(x->ps.items[0].sheet);
    assert_int_equal(x->ps.errors, 1);
}

static void test_format(void **state)
{
    struct fx *x = *state;
    struct strbuf sb;
    strbuf_init(&sb, &x->a, 64);
    struct form_problem p = {"survey", 12, "relevant", "${school} refers to no field", false};
    xlsform_problem_format(&p, &sb);
    assert_string_equal(sb.data, "sheet survey, row 12, column relevant: ${school} refers to no field");
    strbuf_reset(&sb);
    p = (struct form_problem){"settings", 0, NULL, "form_id is missing", false};
    xlsform_problem_format(&p, &sb);
    assert_string_equal(sb.data, "sheet settings: form_id is missing");
    strbuf_reset(&sb);
    p = (struct form_problem){"survey", 3, "type", "kept as hidden", true};
    xlsform_problem_format(&p, &sb);
    assert_string_equal(sb.data, "warning: sheet survey, row 3, column type: kept as hidden");
    strbuf_reset(&sb);
    p = (struct form_problem){NULL, 0, NULL, "not a spreadsheet", false};
    xlsform_problem_format(&p, &sb);
    assert_string_equal(sb.data, "not a spreadsheet");
}

/* --- one broken form per check ---------------------------------------------------------------- */

static void test_err_unknown_type(void **state)
{
    only_error(*state,
        "| survey |\n| | type | name | label |\n| | txt | q | Q |\n",
        "survey", 3, "type", "unknown type 'txt'");
}

static void test_err_unsupported_type(void **state)
{
    static const char *const types[] = {
        "geotrace", "geoshape", "audio", "video", "barcode", "xml-external", "background-audio",
        "select_one_from_file places.csv", "select_multiple_from_file places.csv", "start-geopoint",
    };
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        struct fx *x = *state;
        char md[200];
        snprintf(md, sizeof md, "| survey |\n| | type | name | label |\n| | %s | q | Q |\n", types[i]);
        only_error(x, md, "survey", 3, "type", "is not supported by edubridge");
    }
}

static void test_err_select_without_list(void **state)
{
    only_error(*state,
        "| survey |\n| | type | name | label |\n| | select_one | q | Q |\n",
        "survey", 3, "type", "write 'select_one LIST_NAME'");
}

static void test_err_missing_name(void **state)
{
    only_error(*state,
        "| survey |\n| | type | name | label |\n| | text | | Q |\n",
        "survey", 3, "name", "has no name");
}

static void test_err_no_type(void **state)
{
    only_error(*state,
        "| survey |\n| | type | name | label |\n| | | q | Q |\n",
        "survey", 3, "type", "has no type");
}

static void test_err_invalid_name(void **state)
{
    only_error(*state,
        "| survey |\n| | type | name | label |\n| | text | 1st question | Q |\n",
        "survey", 3, "name", "name '1st question' is not valid");
}

static void test_err_duplicate_name(void **state)
{
    only_error(*state,
        "| survey |\n"
        "| | type | name | label |\n"
        "| | begin group | a | A |\n"
        "| | text | q | Q |\n"
        "| | end group | | |\n"
        "| | begin group | b | B |\n"
        "| | text | q | Q again |\n"
        "| | end group | | |\n",
        "survey", 7, "name", "name 'q' is already used on row 4");
}

static void test_err_missing_label(void **state)
{
    struct fx *x = *state;
    only_error(x,
        "| survey |\n| | type | name | label | hint |\n| | text | q | | |\n| | hidden | h | | |\n"
        "| | begin group | g | | |\n| | note | n | | a hint is enough |\n"
        "| | end group | | | |\n",
        "survey", 3, "label", "question 'q' has no label");
}

/* An image stands for a label, as in pyxform; a plain image column beside translated labels adds
 * no "default" language. */
static void test_media_instead_of_label(void **state)
{
    struct fx *x = *state;
    build_ok(x, "| survey |\n| | type | name | label | media::image |\n| | acknowledge | q | | q.png |\n");
    const struct form *f = build_ok(x, "| survey |\n| | type | name | label::en | image |\n"
                                       "| | acknowledge | q | | q.png |\n| | text | t | T | |\n");
    assert_int_equal(f->nlang, 1);
    assert_string_equal(f->languages[0].code, "en");
    assert_string_equal(extra(field(f, "q")->extra, field(f, "q")->nextra, "media::image"), "q.png");
}

static void test_err_unknown_refs(void **state)
{
    struct fx *x = *state;
    build(x,
        "| survey |\n"                                                                   /* 1 */
        "| | type | name | label | hint::fr | relevant | constraint | required | read_only |"
        " calculation | choice_filter | repeat_count | default |\n"                      /* 2 */
        "| | text | a | A ${x1} | | ${x2} | ${x3} | ${x4} | ${x5} | | | | |\n"            /* 3 */
        "| | calculate | b | | | | | | | ${x6} + ${a} | | | |\n"                          /* 4 */
        "| | select_one l | c | C | see ${x7} | | | | | | name = ${x8} | | |\n"          /* 5 */
        "| | begin repeat | d | D | | | | | | | | ${x9} | |\n"                            /* 6 */
        "| | text | e | E | | | | | | | | | ${x10} |\n"                                   /* 7 */
        "| | end repeat | | | | | | | | | | | |\n"                                       /* 8 */
        "| choices |\n"                                                                  /* 9 */
        "| | list_name | name | label |\n"                                               /* 10 */
        "| | l | v | V ${x11} |\n"                                                       /* 11 */
        "| settings |\n"                                                                 /* 12 */
        "| | form_id | instance_name |\n"                                                /* 13 */
        "| | t | ${x12} |\n");                                                           /* 14 */
    assert_int_equal(x->rc, ERR_INVALID);
    problem(x, "survey", 3, "label", "${x1} refers to no field");
    problem(x, "survey", 3, "relevant", "${x2} (at character 1) refers to no field");
    problem(x, "survey", 3, "constraint", "${x3}");
    problem(x, "survey", 3, "required", "${x4}");
    problem(x, "survey", 3, "read_only", "${x5}");
    problem(x, "survey", 4, "calculation", "${x6}");
    problem(x, "survey", 5, "hint::fr", "${x7}");
    problem(x, "survey", 5, "choice_filter", "${x8} (at character 8) refers to no field");
    problem(x, "survey", 6, "repeat_count", "${x9}");
    problem(x, "survey", 7, "default", "${x10}");
    problem(x, "choices", 11, "label", "${x11}");
    problem(x, "settings", 14, "instance_name", "${x12}");
    assert_int_equal(x->ps.errors, 12);
}

static void test_err_ref_case(void **state)
{
    only_error(*state,
        "| survey |\n| | type | name | label | relevant |\n| | text | School | S | |\n"
        "| | text | q | Q | ${school} != '' |\n",
        "survey", 4, "relevant", "did you mean ${School}?");
}

static void test_err_expression_syntax(void **state)
{
    struct fx *x = *state;
    only_error(x,
        "| survey |\n| | type | name | label | constraint |\n| | integer | q | Q | . > 1 and |\n",
        "survey", 3, "constraint", "at character 10");
    problem(x, "survey", 3, "constraint", "the expression cannot be read");
}

static void test_err_choice_filter_column(void **state)
{
    only_error(*state,
        "| survey |\n"
        "| | type | name | label | choice_filter |\n"
        "| | select_one l | q | Q | region = 'x' |\n"
        "| choices |\n"
        "| | list_name | name | label | country |\n"
        "| | l | a | A | x |\n"
        "| settings |\n| | form_id |\n| | t |\n",
        "survey", 3, "choice_filter", "'region' (at character 1) is not a column of the choices sheet");
}

static void test_err_list_missing(void **state)
{
    only_error(*state,
        "| survey |\n| | type | name | label |\n| | select_one countries | q | Q |\n"
        "| choices |\n| | list_name | name | label |\n| | yn | yes | Yes |\n",
        "survey", 3, "type", "choice list 'countries' is not in the choices sheet");
}

static void test_err_list_case(void **state)
{
    only_error(*state,
        "| survey |\n| | type | name | label |\n| | select_one YN | q | Q |\n"
        "| choices |\n| | list_name | name | label |\n| | yn | yes | Yes |\n",
        "survey", 3, "type", "did you mean 'yn'?");
}

static void test_err_no_choices_sheet(void **state)
{
    only_error(*state,
        "| survey |\n| | type | name | label |\n| | rank things | q | Q |\n",
        "survey", 3, "type", "the form has no choices sheet");
}

static void test_err_empty_list(void **state)
{
    struct fx *x = *state;
    build(x,
        "| survey |\n| | type | name | label |\n| | select_one e | q | Q |\n"
        "| choices |\n| | list_name | name | label |\n| | e | | Nothing |\n");
    assert_int_equal(x->rc, ERR_INVALID);
    problem(x, "survey", 3, "type", "choice list 'e' has no usable choices");
    problem(x, "choices", 6, "name", "has no name");
    assert_int_equal(x->ps.errors, 2);
}

static void test_err_choice_without_list_name(void **state)
{
    only_error(*state,
        "| survey |\n| | type | name | label |\n| | text | q | Q |\n"
        "| choices |\n| | list_name | name | label |\n| | | a | A |\n",
        "choices", 6, "list_name", "has no list_name");
}

static void test_err_duplicate_choice(void **state)
{
    only_error(*state,
        "| survey |\n| | type | name | label |\n| | select_one yn | q | Q |\n"
        "| choices |\n| | list_name | name | label |\n| | yn | yes | Yes |\n| | yn | no | No |\n"
        "| | yn | yes | Yes again |\n| | other | yes | Yes in another list is fine |\n",
        "choices", 8, "name", "choice 'yes' appears twice in list 'yn' (first on row 6)");
}

static void test_err_choice_with_space(void **state)
{
    only_error(*state,
        "| survey |\n| | type | name | label |\n| | select_multiple l | q | Q |\n"
        "| choices |\n| | list_name | name | label |\n| | l | a b | AB |\n",
        "choices", 6, "name", "contains a space");
}

static void test_err_calculate_without_calculation(void **state)
{
    only_error(*state,
        "| survey |\n| | type | name | label | calculation |\n| | calculate | c | | |\n",
        "survey", 3, "calculation", "calculate 'c' has no calculation");
}

static void test_err_end_without_begin(void **state)
{
    only_error(*state,
        "| survey |\n| | type | name | label |\n| | text | q | Q |\n| | end group | | |\n",
        "survey", 4, "type", "end group has no begin group to close");
}

static void test_err_unclosed(void **state)
{
    only_error(*state,
        "| survey |\n| | type | name | label |\n| | begin repeat | r | R |\n| | text | q | Q |\n",
        "survey", 3, "type", "begin repeat 'r' is never closed");
}

/* A repeat left open inside a group: one problem at the repeat's row, not one per later row. */
static void test_err_mismatched_end(void **state)
{
    only_error(*state,
        "| survey |\n"
        "| | type | name | label |\n"
        "| | begin group | g | G |\n"
        "| | begin repeat | r | R |\n"
        "| | text | q | Q |\n"
        "| | end group | | |\n"
        "| | text | after | After |\n",
        "survey", 4, "type", "begin repeat 'r' is not closed before the end group on row 6");
}

static void test_err_end_of_wrong_kind(void **state)
{
    only_error(*state,
        "| survey |\n| | type | name | label |\n| | begin group | g | G |\n| | text | q | Q |\n"
        "| | end repeat | | |\n| | end group | | |\n",
        "survey", 5, "type", "the group 'g' begun on row 3 needs end group");
}

static void test_err_range(void **state)
{
    struct fx *x = *state;
    build(x,
        "| survey |\n"
        "| | type | name | label | parameters |\n"
        "| | range | r1 | R | start=a |\n"
        "| | range | r2 | R | step=0 |\n"
        "| | range | r3 | R | start=0 end=10 step=3 |\n"
        "| | range | r4 | R | from=1 |\n"
        "| | range | r5 | R | start=5 end=5 |\n"
        "| | range | r6 | R | start |\n");
    assert_int_equal(x->rc, ERR_INVALID);
    problem(x, "survey", 3, "parameters", "range start 'a' is not a number");
    problem(x, "survey", 4, "parameters", "step must be greater than 0");
    problem(x, "survey", 5, "parameters", "not a whole number of steps");
    problem(x, "survey", 6, "parameters", "'from' is not one of start, end and step");
    problem(x, "survey", 7, "parameters", "both 5");
    problem(x, "survey", 8, "parameters", "has no '='");
    assert_int_equal(x->ps.errors, 6);
}

static void test_err_form_id_missing(void **state)
{
    struct fx *x = *state;
    build_with(x, "md", "| survey |\n| | type | name | label |\n| | text | q | Q |\n", NULL);
    assert_int_equal(x->rc, ERR_INVALID);
    problem(x, "settings", 0, NULL, "form_id is missing");
    assert_int_equal(x->ps.errors, 1);
    struct strbuf sb;
    strbuf_init(&sb, &x->a, 64);
    xlsform_problem_format(&x->ps.items[0], &sb);
    assert_non_null(strstr(sb.data, "settings: form_id is missing"));
}

static void test_err_form_id_invalid(void **state)
{
    only_error(*state,
        "| survey |\n| | type | name | label |\n| | text | q | Q |\n"
        "| settings |\n| | form_id |\n| | my form |\n",
        "settings", 6, "form_id", "form_id 'my form' may only contain");
}

static void test_err_cycle(void **state)
{
    struct fx *x = *state;
    only_error(x,
        "| survey |\n"
        "| | type | name | calculation |\n"
        "| | calculate | a | ${b} + 1 |\n"
        "| | calculate | b | ${c} + 1 |\n"
        "| | calculate | c | ${a} + 1 |\n"
        "| | calculate | d | ${a} + 1 |\n",
        "survey", 3, "calculation", "calculation cycle: a → b → c → a");
}

static void test_err_self_cycle(void **state)
{
    only_error(*state,
        "| survey |\n| | type | name | label | calculation |\n| | calculate | a | | ${a} + 1 |\n",
        "survey", 3, "calculation", "calculation cycle: a → a");
}

static void test_err_self_relevant(void **state)
{
    only_error(*state,
        "| survey |\n| | type | name | label | relevant | constraint |\n"
        "| | integer | a | A | ${a} > 1 | . > 1 and ${a} < 9 |\n",
        "survey", 3, "relevant", "relevant refers to the field itself");
}

/* A long chain of calculations (c0 needs c1, which needs c2...): the cycle search walks it 20000
 * deep without recursion; then two more rows close a cycle, reported once with its path. */
static void test_long_chain(void **state)
{
    struct fx *x = *state;
    struct strbuf sb;
    strbuf_init(&sb, &x->a, 1 << 16);
    strbuf_puts(&sb, "| survey |\n| | type | name | calculation |\n");
    for (int i = 0; i < 19999; i++) strbuf_printf(&sb, "| | calculate | c%d | ${c%d} + 1 |\n", i, i + 1);
    strbuf_puts(&sb, "| | calculate | c19999 | 1 |\n");
    build(x, sb.data);
    assert_int_equal(x->rc, 0);
    assert_int_equal(x->f->nfields, 20000);
    strbuf_puts(&sb, "| | calculate | loop | ${c0} + ${loop2} |\n| | calculate | loop2 | ${loop} |\n");
    build(x, sb.data);
    assert_int_equal(x->rc, ERR_INVALID);
    problem(x, "survey", 20003, "calculation", "calculation cycle: loop → loop2 → loop");
    assert_int_equal(x->ps.errors, 1);
}

static void test_err_no_survey(void **state)
{
    only_error(*state, "| choices |\n| | list_name | name | label |\n| | a | b | c |\n",
               NULL, 0, NULL, "no survey sheet (it has 'choices')");
}

static void test_err_no_type_column(void **state)
{
    only_error(*state, "| survey |\n| | kind | name | label |\n| | text | q | Q |\n",
               "survey", 2, NULL, "no type column");
}

static void test_err_duplicate_column(void **state)
{
    only_error(*state, "| survey |\n| | type | name | label | caption |\n| | text | q | Q | Q2 |\n",
               "survey", 2, "caption", "says the same as column 'label'");
}

static void test_err_personal(void **state)
{
    only_error(*state, "| survey |\n| | type | name | label | personal |\n| | text | q | Q | maybe |\n",
               "survey", 3, "personal", "personal must be yes or no");
}

static void test_warnings_do_not_block(void **state)
{
    struct fx *x = *state;
    build(x,
        "| survey |\n"
        "| | type | name | label | | disabled |\n"
        "| | text | q | Q | stray | yes |\n"
        "| | begin group | g | G | | |\n"
        "| | end group | | | | |\n"
        "| | integer | n | N | | |\n"
        "| entities |\n"
        "| | list_name |\n"
        "| | e |\n");
    if (x->rc) dump(x);
    assert_int_equal(x->rc, 0);
    assert_non_null(x->f);
    assert_true(problem(x, "survey", 3, NULL, "has no header, is ignored")->warning);
    assert_true(problem(x, "survey", 3, "disabled", "not supported")->warning);
    assert_true(problem(x, "survey", 4, "type", "group 'g' is empty")->warning);
    assert_true(problem(x, "entities", 0, NULL, "is not read by edubridge")->warning);
    assert_int_equal(x->ps.errors, 0);
}

/* Every problem is reported, not just the first, and in sheet and row order. */
static void test_every_problem(void **state)
{
    struct fx *x = *state;
    build(x,
        "| survey |\n"                                                     /* 1 */
        "| | type | name | label | relevant |\n"                           /* 2 */
        "| | text | q1 | Q1 | ${nobody} = 1 |\n"                            /* 3 */
        "| | txt | q2 | Q2 | |\n"                                          /* 4 */
        "| | integer | q3 | Q3 | . > |\n"                                   /* 5 */
        "| | select_one missing | q4 | Q4 | |\n"                            /* 6 */
        "| | text | q1 | Q5 | |\n"                                          /* 7 */
        "| choices |\n"                                                    /* 8 */
        "| | list_name | name | label |\n"                                  /* 9 */
        "| | yn | yes | Yes |\n");                                         /* 10 */
    assert_int_equal(x->rc, ERR_INVALID);
    if (x->ps.count != 5) dump(x);
    assert_int_equal(x->ps.count, 5);
    assert_int_equal(x->ps.errors, 5);
    static const int rows[5] = {3, 4, 5, 6, 7};
    for (int i = 0; i < 5; i++) assert_int_equal(x->ps.items[i].row, rows[i]);
    problem(x, "survey", 3, "relevant", "${nobody}");
    problem(x, "survey", 4, "type", "unknown type");
    problem(x, "survey", 5, "relevant", "cannot be read");
    problem(x, "survey", 6, "type", "'missing' is not in the choices sheet");
    problem(x, "survey", 7, "name", "already used on row 3");
}

/* A hostile form cannot fill memory with messages: the list stops, the count goes on. */
static void test_problem_limit(void **state)
{
    struct fx *x = *state;
    struct strbuf sb;
    strbuf_init(&sb, &x->a, 1 << 16);
    strbuf_puts(&sb, "| survey |\n| | type | name | label |\n");
    for (int i = 0; i < 1500; i++) strbuf_printf(&sb, "| | bogus | q%d | Q |\n", i);
    build(x, sb.data);
    assert_int_equal(x->rc, ERR_INVALID);
    assert_int_equal(x->ps.count, XLSFORM_MAX_PROBLEMS);
    assert_int_equal(x->ps.omitted, 500);
    assert_int_equal(x->ps.errors, 1500);
    struct strbuf out;
    strbuf_init(&out, &x->a, 1 << 16);
    xlsform_problems_format(&x->ps, &out);
    assert_non_null(strstr(out.data, "and 500 more problems not listed"));
}

/* --- or_other: the text question NAME_other ---------------------------------------------------- */

static void test_or_other_text(void **state)
{
    struct fx *x = *state;
    const struct form *f = build_ok(x,
        "| survey |\n"                                                                  /* 1 */
        "| | type | name | label | appearance | personal |\n"                           /* 2 */
        "| | begin_group | g | G | field-list | |\n"                                    /* 3 */
        "| | select_one yn or_other | q | Q | | yes |\n"                                /* 4 */
        "| | text | after | After | | |\n"                                              /* 5 */
        "| | end_group | | | | |\n"                                                     /* 6 */
        "| | begin_repeat | r | R | | |\n"                                              /* 7 */
        "| | select_multiple yn or other | m | M | | |\n"                               /* 8 */
        "| | end_repeat | | | | |\n"                                                    /* 9 */
        "| | select_one yn | plain | Plain | | |\n"                                     /* 10 */
        "| choices |\n"
        "| | list_name | name | label |\n"
        "| | yn | yes | Yes |\n"
        "| | yn | no | No |\n");
    assert_int_equal(f->nfields, 8); /* six rows make fields, and two NAME_other */
    const struct form_field *g = field(f, "g"), *q = field(f, "q"), *qo = field(f, "q_other");
    /* right after its select, in its group, on its select's row, for messages */
    assert_int_equal(qo->index, q->index + 1);
    assert_int_equal(g->nchildren, 3);
    assert_ptr_equal(g->children[0], q);
    assert_ptr_equal(g->children[1], qo);
    assert_ptr_equal(g->children[2], field(f, "after"));
    assert_ptr_equal(qo->parent, g);
    assert_string_equal(qo->path, "g/q_other");
    assert_int_equal(qo->row, 4);
    assert_int_equal(qo->type, FT_TEXT);
    assert_ptr_equal(qo->other_of, q);
    assert_null(q->other_of);
    assert_false(qo->or_other);
    assert_null(qo->list);
    /* as pyxform writes it: "Specify other.", not required, asked when "other" is chosen */
    assert_int_equal(f->nlang, 1);
    assert_string_equal(qo->label[0], "Specify other.");
    assert_string_equal(qo->hint[0], "");
    assert_string_equal(qo->required_src, "");
    assert_null(qo->required);
    assert_null(qo->constraint);
    assert_null(qo->calculation);
    assert_string_equal(qo->relevant_src, "selected(${q}, 'other')");
    assert_non_null(qo->relevant);
    assert_true(qo->personal); /* as its select */
    for (size_t i = 0; i < f->nfields; i++) assert_int_equal(f->fields[i].index, i);

    /* in a repeat: in the repeat, with its own select's answer of the same instance */
    const struct form_field *r = field(f, "r"), *m = field(f, "m"), *mo = field(f, "m_other");
    assert_ptr_equal(mo->parent, r);
    assert_string_equal(mo->path, "r/m_other");
    assert_ptr_equal(form_field_repeat(mo), r);
    assert_ptr_equal(mo->other_of, m);
    assert_string_equal(mo->relevant_src, "selected(${m}, 'other')");
    assert_false(mo->personal);
    assert_null(form_field_by_name(f, "plain_other"));

    /* relevance: shown only while "other" is chosen; an answer left behind is dropped */
    struct answers *ans = answers_new(&x->a);
    struct engine en;
    engine_init(&en, f, ans, &x->a, 0, NULL);
    answers_set(ans, "q", 0, "yes");
    assert_false(engine_relevant(&en, qo, 0));
    answers_set(ans, "q", 0, "other");
    assert_true(engine_relevant(&en, qo, 0));
    answers_set_repeat_count(ans, "r", 2);
    answers_set(ans, "m", 1, "yes other");
    answers_set(ans, "m", 2, "no");
    assert_true(engine_relevant(&en, mo, 1));
    assert_false(engine_relevant(&en, mo, 2));
    answers_set(ans, "q_other", 0, "a librarian");
    answers_set(ans, "m_other", 2, "answered while hidden");
    answers_set(ans, "m_other", 1, "something else");
    engine_clear_irrelevant(&en);
    assert_string_equal(answers_get(ans, "q_other", 0), "a librarian");
    assert_null(answers_get(ans, "m_other", 2));
    assert_string_equal(answers_get(ans, "m_other", 1), "something else");
    answers_set(ans, "q", 0, "no");
    engine_clear_irrelevant(&en);
    assert_null(answers_get(ans, "q_other", 0));
    /* not required: "other" with no text is accepted */
    answers_set(ans, "q", 0, "other");
    assert_null(engine_check(&en, qo, 0));

    /* the field-list page: q_other reads q, so it starts the next page, with what follows it */
    struct form_pages pages;
    assert_int_equal(form_pages_build(&x->a, f, &pages), 0);
    assert_true(pages.n >= 2);
    assert_ptr_equal(pages.pages[0].group, g);
    assert_int_equal(pages.pages[0].n, 1);
    assert_ptr_equal(pages.pages[0].fields[0], q);
    assert_ptr_equal(pages.pages[1].group, g);
    assert_int_equal(pages.pages[1].n, 2);
    assert_ptr_equal(pages.pages[1].fields[0], qo);
    assert_ptr_equal(pages.pages[1].fields[1], field(f, "after"));

    /* the form's JSON: a text question like any other, which says whose "other" it is */
    struct strbuf json;
    strbuf_init(&json, &x->a, 1024);
    form_to_json(f, &json);
    assert_non_null(strstr(json.data, "{\"name\":\"q_other\",\"type\":\"text\",\"path\":\"g/q_other\","
                                      "\"label\":{\"default\":\"Specify other.\"},"
                                      "\"relevant\":\"selected(${q}, 'other')\",\"other_of\":\"q\","
                                      "\"personal\":true}"));
}

static void test_or_other_languages(void **state)
{
    struct fx *x = *state;
    struct err e;
    err_clear(&e);
    if (i18n_init(&e) < 0) fail_msg("i18n_init: %s", e.msg);
    build(x, /* warnings only: the choices are in English alone */
        "| survey |\n"
        "| | type | name | label::English (en) | label::Français (fr) | label::Español (es) "
        "| label::Deutsch (de) | label::Polski (pl) | label::Italiano (it) | label::pl-PL |\n"
        "| | select_one yn or_other | q | Q | Q | Q | Q | Q | Q | Q |\n"
        "| choices |\n"
        "| | list_name | name | label::English (en) |\n"
        "| | yn | yes | Yes |\n"
        "| settings |\n"
        "| | default_language |\n"
        "| | English (en) |\n");
    assert_int_equal(x->rc, 0);
    const struct form *f = x->f;
    const struct form_field *qo = field(f, "q_other");
    static const char *const codes[] = {"en", "fr", "es", "de", "pl", "it", "pl-PL"};
    assert_int_equal(f->nlang, sizeof codes / sizeof *codes);
    for (size_t l = 0; l < f->nlang; l++) {
        assert_string_equal(f->languages[l].code, codes[l]);
        /* each language with a catalogue has its translation (a region finds its language) */
        const struct i18n_lang *ui = i18n_find(codes[l]);
        assert_string_equal(qo->label[l], i18n_get(ui, "Specify other."));
        /* a copy: the form may outlive the catalogues */
        assert_ptr_not_equal(qo->label[l], i18n_get(ui, "Specify other."));
    }
    assert_string_equal(qo->label[0], "Specify other.");
    for (size_t l = 1; l <= 4; l++) assert_string_not_equal(qo->label[l], "Specify other.");
    assert_string_equal(qo->label[5], "Specify other."); /* Italian: no catalogue, English */
    assert_string_equal(qo->label[6], qo->label[4]);
    assert_string_equal(qo->label[1], "Précisez votre réponse « Autre ».");
    i18n_shutdown();
    /* without catalogues (a program that did not load them), English everywhere */
    f = build_ok(x,
        "| survey |\n"
        "| | type | name | label::fr |\n"
        "| | select_one yn or_other | q | Q |\n"
        "| choices |\n"
        "| | list_name | name | label::fr |\n"
        "| | yn | yes | Oui |\n");
    assert_string_equal(field(f, "q_other")->label[0], "Specify other.");
}

/* pyxform refuses a field of the name that or_other gives its text question: so does edubridge,
 * wherever it stands, at the row of the field written in the form. */
static void test_err_or_other_name_clash(void **state)
{
    struct fx *x = *state;
    only_error(x,
        "| survey |\n"
        "| | type | name | label |\n"
        "| | select_one yn or_other | q | Q |\n"
        "| | text | q_other | Which other? |\n"
        "| choices |\n| | list_name | name | label |\n| | yn | yes | Yes |\n",
        "survey", 4, "name", "name 'q_other' is the name of the text question that or_other adds "
        "after 'q' on row 3");
    only_error(x,
        "| survey |\n"
        "| | type | name | label |\n"
        "| | begin_group | g | G |\n"
        "| | text | q_other | Which other? |\n"
        "| | end_group | | |\n"
        "| | select_multiple yn or_other | q | Q |\n"
        "| choices |\n| | list_name | name | label |\n| | yn | yes | Yes |\n",
        "survey", 4, "name", "or_other adds after 'q' on row 6");
    /* two selects of one name: the one duplicate, not a second for their NAME_other */
    only_error(x,
        "| survey |\n"
        "| | type | name | label |\n"
        "| | select_one yn or_other | q | Q |\n"
        "| | select_one yn or_other | q | Q again |\n"
        "| choices |\n| | list_name | name | label |\n| | yn | yes | Yes |\n",
        "survey", 4, "name", "name 'q' is already used on row 3");
    /* a select whose name is refused adds nothing to report on */
    only_error(x,
        "| survey |\n"
        "| | type | name | label |\n"
        "| | select_one yn or_other | 1q | Q |\n"
        "| choices |\n| | list_name | name | label |\n| | yn | yes | Yes |\n",
        "survey", 3, "name", "name '1q' is not valid");
    /* NAME_other can be read like any field */
    const struct form *f = build_ok(x,
        "| survey |\n"
        "| | type | name | label | relevant |\n"
        "| | select_one yn or_other | q | Q | |\n"
        "| | note | n | You wrote ${q_other} | ${q_other} != '' |\n"
        "| choices |\n| | list_name | name | label |\n| | yn | yes | Yes |\n");
    assert_non_null(field(f, "n")->relevant);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
        T(test_tree), T(test_type_spellings), T(test_metadata), T(test_comments_and_trimming),
        T(test_languages), T(test_languages_default), T(test_language_missing_column_warns),
        T(test_columns_aliases), T(test_range_and_repeat_count), T(test_choices),
        T(test_csv), T(test_fallback_id), T(test_read_file), T(test_xlsx), T(test_unreadable), T(test_format),
        T(test_err_unknown_type), T(test_err_unsupported_type), T(test_err_select_without_list),
        T(test_err_missing_name), T(test_err_no_type), T(test_err_invalid_name),
        T(test_err_duplicate_name), T(test_err_missing_label), T(test_media_instead_of_label),
        T(test_err_unknown_refs), T(test_err_ref_case), T(test_err_expression_syntax),
        T(test_err_choice_filter_column), T(test_err_list_missing), T(test_err_list_case),
        T(test_err_no_choices_sheet), T(test_err_empty_list), T(test_err_choice_without_list_name),
        T(test_err_duplicate_choice), T(test_err_choice_with_space),
        T(test_err_calculate_without_calculation), T(test_err_end_without_begin),
        T(test_err_unclosed), T(test_err_mismatched_end), T(test_err_end_of_wrong_kind),
        T(test_err_range), T(test_err_form_id_missing), T(test_err_form_id_invalid),
        T(test_err_cycle), T(test_err_self_cycle), T(test_err_self_relevant), T(test_long_chain),
        T(test_err_no_survey), T(test_err_no_type_column), T(test_err_duplicate_column),
        T(test_err_personal), T(test_warnings_do_not_block), T(test_every_problem),
        T(test_problem_limit), T(test_or_other_text), T(test_or_other_languages),
        T(test_err_or_other_name_clash),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

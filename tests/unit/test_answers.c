/* Tests for forms/answers: lookups by name and instance through the hash table (also after
 * removals, repeat trimming and growth past the first table), the select tokenizer, and the JSON
 * written by answers_to_json: read back by jansson and by answers_from_json, with quotes,
 * backslashes, control characters and UTF-8, repeats, and a value that is not UTF-8 left out. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/str.h"
#include "forms/answers.h"
#include "forms/xlsform.h"

static const char form_md[] =
    "| survey |\n"
    "| | type | name | label |\n"
    "| | text | school | School |\n"
    "| | select_multiple needs | needs | Needs |\n"
    "| | integer | learners | Learners |\n"
    "| | begin_repeat | teacher | Teacher |\n"
    "| | text | teacher_name | Name |\n"
    "| | end_repeat | | |\n"
    "\n"
    "| choices |\n"
    "| | list_name | name | label |\n"
    "| | needs | devices | Devices |\n"
    "| | needs | training | Training |\n";

static struct form *read_form(struct arena *a)
{
    struct form *f = NULL;
    struct form_problems ps = {0};
    assert_int_equal(xlsform_read_memory(a, "md", form_md, strlen(form_md), "answers-test", &f, &ps), 0);
    return f;
}

static void lookups_survive_removal_and_growth(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 4096);
    struct answers *s = answers_new(&a);
    assert_null(answers_get(s, "anything", 0));
    char name[32], value[32];
    for (int i = 0; i < 300; i++) { /* several rebuilds of the table */
        snprintf(name, sizeof name, "q%d", i % 100);
        snprintf(value, sizeof value, "v%d", i);
        answers_set(s, name, i / 100, value);
    }
    assert_int_equal(s->count, 300);
    assert_string_equal(answers_get(s, "q7", 0), "v7");
    assert_string_equal(answers_get(s, "q7", 2), "v207");
    assert_null(answers_get(s, "q7", 3));
    answers_set(s, "q7", 1, "changed");
    assert_string_equal(answers_get(s, "q7", 1), "changed");
    assert_int_equal(s->count, 300);
    for (int i = 0; i < 100; i += 2) { /* remove every other one of instance 0 */
        snprintf(name, sizeof name, "q%d", i);
        answers_set(s, name, 0, NULL);
    }
    assert_int_equal(s->count, 250);
    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof name, "q%d", i);
        snprintf(value, sizeof value, "v%d", i);
        if (i % 2) assert_string_equal(answers_get(s, name, 0), value);
        else assert_null(answers_get(s, name, 0));
        snprintf(value, sizeof value, "v%d", 200 + i);
        assert_string_equal(answers_get(s, name, 2), value);
    }
    arena_free(&a);
}

static void trimming_a_repeat_keeps_lookups(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 4096);
    struct form *f = read_form(&a);
    struct answers *s = answers_new(&a);
    answers_set(s, "school", 0, "North");
    for (int k = 1; k <= 3; k++) {
        char v[16];
        snprintf(v, sizeof v, "T%d", k);
        answers_set(s, "teacher_name", k, v);
    }
    answers_set_repeat_count(s, "teacher", 3);
    answers_trim_repeat(s, f, form_field_by_name(f, "teacher"), 1);
    assert_string_equal(answers_get(s, "teacher_name", 1), "T1");
    assert_null(answers_get(s, "teacher_name", 2));
    assert_null(answers_get(s, "teacher_name", 3));
    assert_string_equal(answers_get(s, "school", 0), "North");
    assert_int_equal(answers_repeat_count(s, "teacher"), 1);
    arena_free(&a);
}

static void json_round_trip(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 4096);
    struct form *f = read_form(&a);
    struct answers *s = answers_new(&a);
    const char *hard = "A \"quoted\" \\ back\\slash\nnew line\ttab\x01 Żółć ☃ \xF0\x9F\x93\x9A";
    answers_set(s, "school", 0, hard);
    answers_set(s, "needs", 0, "devices training");
    answers_set(s, "learners", 0, "120");
    answers_set(s, "teacher_name", 1, "Ana");
    answers_set(s, "teacher_name", 2, "Ben </script>");
    answers_set_repeat_count(s, "teacher", 2);
    struct strbuf out;
    strbuf_init(&out, &a, 64);
    answers_to_json(f, s, &out);

    json_error_t je;
    json_t *root = json_loads(out.data, 0, &je);
    assert_non_null(root);
    assert_string_equal(json_string_value(json_object_get(root, "school")), hard);
    assert_string_equal(json_string_value(json_object_get(root, "needs")), "devices training");
    json_t *rep = json_object_get(root, "teacher");
    assert_int_equal(json_array_size(rep), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(rep, 1), "teacher_name")), "Ben </script>");
    json_decref(root);

    struct err e;
    err_clear(&e);
    struct answers *back = answers_from_json(&a, f, out.data, out.len, true, &e);
    assert_non_null(back);
    assert_string_equal(answers_get(back, "school", 0), hard);
    assert_string_equal(answers_get(back, "learners", 0), "120");
    assert_string_equal(answers_get(back, "teacher_name", 2), "Ben </script>");
    assert_int_equal(answers_repeat_count(back, "teacher"), 2);
    arena_free(&a);
}

static void json_leaves_out_what_is_not_utf8(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 4096);
    struct form *f = read_form(&a);
    struct answers *s = answers_new(&a);
    answers_set(s, "school", 0, "bad \xC3\x28 byte");
    answers_set(s, "learners", 0, "7");
    struct strbuf out;
    strbuf_init(&out, &a, 64);
    answers_to_json(f, s, &out);
    assert_string_equal(out.data, "{\"learners\":\"7\",\"teacher\":[]}");
    answers_set(s, "learners", 0, NULL);
    strbuf_init(&out, &a, 64);
    answers_to_json(f, s, &out);
    assert_string_equal(out.data, "{\"teacher\":[]}");
    arena_free(&a);
}

static void select_tokenizer(void **state)
{
    (void)state;
    const char *cur = "  devices   training ", *v;
    size_t n;
    assert_true(answers_next_value(&cur, &v, &n));
    assert_int_equal(n, 7);
    assert_memory_equal(v, "devices", 7);
    assert_true(answers_next_value(&cur, &v, &n));
    assert_memory_equal(v, "training", 8);
    assert_false(answers_next_value(&cur, &v, &n));
    assert_true(answers_has_value("devices training", "training", 8));
    assert_false(answers_has_value("devices training", "train", 5));
    assert_false(answers_has_value("", "x", 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lookups_survive_removal_and_growth),
        cmocka_unit_test(trimming_a_repeat_keeps_lookups),
        cmocka_unit_test(json_round_trip),
        cmocka_unit_test(json_leaves_out_what_is_not_utf8),
        cmocka_unit_test(select_tokenizer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

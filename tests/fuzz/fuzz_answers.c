/* Fuzz target: posted answers, as the JSON API receives them, judged by the engine against a fixed
 * form with every kind of question (skip logic, constraints, a calculation, a repeat). Whatever
 * arrives, reading, calculating, checking and writing back must not crash or leak, and what is
 * written back must read again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "forms/answers.h"
#include "forms/engine.h"
#include "forms/xlsform.h"

static const char form_md[] =
    "| survey |\n"
    "| | type | name | label | required | relevant | constraint | calculation | choice_filter |\n"
    "| | select_one yesno | net | Net? | yes | | | | |\n"
    "| | select_one speed | speed | Speed | | ${net} = 'yes' | | | |\n"
    "| | integer | learners | Learners | yes | | . > 0 and . < 5000 | | |\n"
    "| | decimal | ratio | Ratio | | | . <= 10 | | |\n"
    "| | select_multiple needs | needs | Needs | | | count-selected(.) <= 2 | | |\n"
    "| | select_one needs | top | Top need | | count-selected(${needs}) > 0 | | | selected(${needs}, name) |\n"
    "| | date | day | Day | | | . <= today() | | |\n"
    "| | geopoint | where | Where | | | | | |\n"
    "| | text | email | Email | | | regex(., '^[^@ ]+@[^@ ]+$') | | |\n"
    "| | calculate | n | | | | | count-selected(${needs}) * 2 | |\n"
    "| | begin_repeat | kid | Kid | | | | | |\n"
    "| | text | kid_name | Name | yes | | | | |\n"
    "| | integer | kid_age | Age | | | . < 30 | | |\n"
    "| | end_repeat | | | | | | | |\n"
    "| choices |\n"
    "| | list_name | name | label |\n"
    "| | yesno | yes | Yes |\n| | yesno | no | No |\n"
    "| | speed | slow | Slow |\n| | speed | fast | Fast |\n"
    "| | needs | devices | Devices |\n| | needs | training | Training |\n| | needs | power | Power |\n"
    "| settings |\n| | form_id |\n| | fuzz |\n";

static struct arena form_arena;
static struct form *form;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!form) {
        arena_init(&form_arena, 64 * 1024);
        struct form_problems problems = {0};
        if (xlsform_read_memory(&form_arena, "md", form_md, sizeof form_md - 1, "fuzz", &form, &problems) < 0)
            abort();
    }
    struct arena a;
    arena_init(&a, 16 * 1024);
    struct err e;
    err_clear(&e);
    for (int strict = 0; strict < 2; strict++) {
        struct answers *ans = answers_from_json(&a, form, (const char *)data, size, strict, &e);
        if (!ans) continue;
        struct engine en;
        engine_init(&en, form, ans, &a, 0, NULL);
        en.now_ms = 1767225600000; /* fixed clock: 2026-01-01 */
        engine_apply_defaults(&en);
        engine_calculate(&en);
        engine_clear_irrelevant(&en);
        struct engine_problem *problems;
        engine_check_all(&en, &problems);
        struct strbuf out;
        strbuf_init(&out, &a, 256);
        answers_to_json(form, ans, &out);
        if (!answers_from_json(&a, form, out.data, out.len, true, &e)) abort(); /* our own output reads back */
    }
    arena_free(&a);
    return 0;
}

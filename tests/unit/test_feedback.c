/* Tests for program/respondent_codes, program/feedback and program/demo_feedback: the codes' check
 * character (every single mistyped character and every swap of neighbours is caught), reading
 * typed codes; pairing baseline and endline answer sets by code (the newest set per code counts,
 * codes not issued for the programme are left out, "dont_know" is a missing answer for that item
 * only); the anonymity threshold on items, on the institution and role breakdowns (the rule about
 * the groups left hidden, fb_suppress) and on free texts; theme tags, audited, with refusals that
 * change nothing; and the demo, loaded twice. The statistics themselves are program/paired_stats'
 * (tests/unit/test_paired_stats.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/rng.h"
#include "forms/submissions.h"
#include "forms/summary.h"
#include "program/campaign.h"
#include "program/demo.h"
#include "program/demo_feedback.h"
#include "program/demo_training.h"
#include "program/feedback.h"
#include "program/programme.h"
#include "program/respondent_codes.h"
#include "testdb.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* --- respondent codes ------------------------------------------------------------------------- */

static void test_code_check_character(void **state)
{
    (void)state;
    struct rng r;
    rng_seed(&r, 42);
    for (int n = 0; n < 300; n++) {
        uint8_t v[RCODE_LEN - 1];
        for (int i = 0; i < RCODE_LEN - 1; i++) v[i] = (uint8_t)rng_below(&r, RCODE_RADIX);
        char code[RCODE_LEN + 1];
        rcode_from_values(v, code);
        assert_int_equal(strlen(code), RCODE_LEN);
        assert_true(rcode_valid(code));
        /* every single character changed to any other */
        for (int i = 0; i < RCODE_LEN; i++)
            for (int c = 0; c < RCODE_RADIX; c++) {
                char typo[RCODE_LEN + 1];
                memcpy(typo, code, sizeof typo);
                if (typo[i] == rcode_alphabet[c]) continue;
                typo[i] = rcode_alphabet[c];
                assert_false(rcode_valid(typo));
            }
        /* every swap of two different neighbours */
        for (int i = 0; i + 1 < RCODE_LEN; i++) {
            if (code[i] == code[i + 1]) continue;
            char swap[RCODE_LEN + 1];
            memcpy(swap, code, sizeof swap);
            swap[i] = code[i + 1];
            swap[i + 1] = code[i];
            assert_false(rcode_valid(swap));
        }
    }
    assert_false(rcode_valid("2345678"));
    assert_false(rcode_valid(NULL));
    assert_null(strpbrk(rcode_alphabet, "01OIL"));
    assert_int_equal(strlen(rcode_alphabet), RCODE_RADIX);
}

static void test_code_reading(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 0);
    assert_string_equal(rcode_normalise(&a, "4kx7-mp2q"), "4KX7MP2Q");
    assert_string_equal(rcode_normalise(&a, " 4KX7 MP2Q "), "4KX7MP2Q");
    assert_null(rcode_normalise(&a, "4KX7-MP2"));   /* too short */
    assert_null(rcode_normalise(&a, "4KX7-MP2QQ")); /* too long */
    assert_null(rcode_normalise(&a, "4KX0-MP2Q"));  /* 0 is not in the alphabet */
    assert_null(rcode_normalise(&a, ""));
    assert_null(rcode_normalise(&a, NULL));
    char shown[RCODE_TEXT_SIZE];
    rcode_display("4KX7MP2Q", shown);
    assert_string_equal(shown, "4KX7-MP2Q");
    assert_string_equal(rcode_role_label(NULL), "Any role");
    assert_string_equal(rcode_role_label("learner"), "Learners");
    assert_false(rcode_role_valid("pupil"));
    arena_free(&a);
}

static void test_suppress(void **state)
{
    (void)state;
    bool shown[3];
    /* 3 hidden beside 6: the 6 goes too, or 9 - 6 would give the 3 */
    fb_suppress((int64_t[]){6, 3}, NULL, 2, 9, 5, shown);
    assert_false(shown[0]);
    assert_false(shown[1]);
    fb_suppress((int64_t[]){6, 5}, NULL, 2, 11, 5, shown);
    assert_true(shown[0] && shown[1]);
    /* the smallest shown group goes, and no more than needed */
    fb_suppress((int64_t[]){10, 6, 3}, NULL, 3, 19, 5, shown);
    assert_true(shown[0]);
    assert_false(shown[1]);
    assert_false(shown[2]);
    /* respondents in no group count as hidden */
    fb_suppress((int64_t[]){6, 6}, NULL, 2, 14, 5, shown);
    assert_int_equal(shown[0] + shown[1], 1);
    /* a group that may not show at all is hidden, and its size counts as hidden */
    fb_suppress((int64_t[]){8, 7, 2}, (bool[]){true, true, false}, 3, 17, 5, shown);
    assert_true(shown[0]);
    assert_false(shown[1]); /* 2 hidden, so the 7 goes: 9 hidden */
    assert_false(shown[2]);
    /* nothing hidden: everything large enough shows */
    fb_suppress((int64_t[]){5, 5, 5}, NULL, 3, 15, 5, shown);
    assert_true(shown[0] && shown[1] && shown[2]);
    assert_string_equal(fb_magnitude(0.1), "negligible");
    assert_string_equal(fb_magnitude(-0.3), "small");
    assert_string_equal(fb_magnitude(0.6), "medium");
    assert_string_equal(fb_magnitude(1.2), "large");
    assert_string_equal(fb_magnitude(NAN), "");
}

/* --- a small programme -------------------------------------------------------------------------- */

#define PILOT_FORM(id)                                                                                  \
    "| survey |\n"                                                                                     \
    "| | type | name | label | required |\n"                                                         \
    "| | text | respondent_code | Code | yes |\n"                                                    \
    "| | select_one role | role | Role | |\n"                                                        \
    "| | select_one agree | q1 | Q1 | |\n"                                                           \
    "| | select_one agree | q2 | Q2 | |\n"                                                           \
    "| | integer | hours | Hours | |\n"                                                             \
    "| | text | changes | Changes | |\n"                                                             \
    "\n"                                                                                               \
    "| choices |\n"                                                                                    \
    "| | list_name | name | label |\n"                                                               \
    "| | agree | 1 | one |\n"                                                                         \
    "| | agree | 2 | two |\n"                                                                         \
    "| | agree | 3 | three |\n"                                                                       \
    "| | agree | 4 | four |\n"                                                                        \
    "| | agree | 5 | five |\n"                                                                        \
    "| | agree | dont_know | don't know |\n"                                                         \
    "| | role | teacher | Teacher |\n"                                                               \
    "| | role | learner | Learner |\n"                                                               \
    "| | role | leader | Leader |\n"                                                                 \
    "\n"                                                                                               \
    "| settings |\n"                                                                                   \
    "| | form_title | form_id | version |\n"                                                         \
    "| | Test | " id " | 1 |\n"

struct fx {
    struct testdb t;
    struct form *bf, *ef;
    const char *bv, *ev;
    struct programme p;
    int seconds; /* each answer set a second after the one before */
};

static const struct audit_actor coordinator = {"u-1", "coordinator@example.org"};

static int setup(void **state)
{
    static struct fx x;
    memset(&x, 0, sizeof x);
    testdb_open(&x.t, "feedback");
    testdb_import(&x.t, PILOT_FORM("fb-base"), "fb-base.md");
    x.bf = x.t.f;
    x.bv = x.t.v.id;
    testdb_import(&x.t, PILOT_FORM("fb-end"), "fb-end.md");
    x.ef = x.t.f;
    x.ev = x.t.v.id;
    x.p = (struct programme){.slug = "fb-test", .name = "Feedback test", .summary = "", .pilot_size = 10,
                             .devices_per_institution = 10};
    assert_int_equal(programme_create(x.t.st, &x.t.a, &x.p, &coordinator, &x.t.e), 0);
    struct campaign b = {.name = "Baseline", .form_id = "fb-base", .kind = "baseline", .status = "open"};
    struct campaign e = {.name = "Endline", .form_id = "fb-end", .kind = "endline", .status = "open"};
    assert_int_equal(campaign_create(x.t.st, &x.t.a, &x.p, &b, &coordinator, &x.t.e), 0);
    assert_int_equal(campaign_create(x.t.st, &x.t.a, &x.p, &e, &coordinator, &x.t.e), 0);
    struct store_stmt *s = store_prepare(
        x.t.st,
        "INSERT INTO institutions (id, name, name_key, status, source, created_at, updated_at) VALUES"
        " ('inst-a', 'School A', 'school a', 'selected', 'import', '2026-01-01', '2026-01-01'),"
        " ('inst-b', 'School B', 'school b', 'selected', 'import', '2026-01-01', '2026-01-01'),"
        " ('inst-c', 'School C', 'school c', 'registered', 'import', '2026-01-01', '2026-01-01')",
        &x.t.e);
    assert_non_null(s);
    assert_int_equal(store_run(s, &x.t.e), 0);
    store_done(s);
    *state = &x;
    return 0;
}

static int teardown(void **state)
{
    struct fx *x = *state;
    testdb_close(&x->t);
    return 0;
}

static int64_t query_int(struct fx *x, const char *sql)
{
    struct store_stmt *s = store_prepare(x->t.st, sql, &x->t.e);
    if (!s) fail_msg("prepare: %s", x->t.e.msg);
    int64_t v = store_step(s, &x->t.e) == 1 ? store_col_int(s, 0) : -1;
    store_done(s);
    return v;
}

/* n new codes for inst and role, into out. */
static void issue(struct fx *x, const char *inst, const char *role, int n, const char **out)
{
    const char *batch;
    if (rcode_issue(x->t.st, &x->t.a, x->p.id, inst, role, n, false, &coordinator, &batch, &x->t.e) < 0)
        fail_msg("issue: %s", x->t.e.msg);
    struct rcode *codes;
    size_t nc;
    struct rcode_filter f = {NULL, batch};
    assert_int_equal(rcode_list(x->t.st, &x->t.a, x->p.id, &f, &codes, &nc, &x->t.e), 0);
    assert_int_equal(nc, (size_t)n);
    for (size_t i = 0; i < nc; i++) {
        assert_true(rcode_valid(codes[i].code));
        char shown[RCODE_TEXT_SIZE];
        rcode_display(codes[i].code, shown);
        out[i] = arena_strdup(&x->t.a, shown); /* as a respondent types it */
    }
}

/* One answer set: endline or baseline, a code (NULL: none) and the rest of the JSON. */
static const char *answer(struct fx *x, bool endline, const char *code, const char *rest)
{
    char when[32];
    x->seconds++;
    snprintf(when, sizeof when, "2026-03-01T%02d:%02d:%02d.000Z", x->seconds / 3600, x->seconds / 60 % 60,
             x->seconds % 60);
    struct form *f = endline ? x->ef : x->bf;
    const char *json = code ? arena_printf(&x->t.a, "{\"respondent_code\": \"%s\"%s%s}", code, *rest ? ", " : "", rest)
                            : arena_printf(&x->t.a, "{%s}", rest);
    struct answers *ans = answers_from_json(&x->t.a, f, json, strlen(json), true, &x->t.e);
    if (!ans) fail_msg("answers: %s", x->t.e.msg);
    struct submission sub;
    if (submission_insert(x->t.st, &x->t.a, f, endline ? x->ev : x->bv, "en", ans, false, when, &sub, &x->t.e) < 0)
        fail_msg("insert: %s", x->t.e.msg);
    return sub.id;
}

static const struct fb_item *item(const struct fb_analysis *an, const char *name)
{
    for (size_t j = 0; j < an->nitems; j++)
        if (strcmp(an->items[j].field->name, name) == 0) return &an->items[j];
    fail_msg("no item %s", name);
    return NULL;
}

static void analyse(struct fx *x, const char *inst, const char *role, struct fb_analysis *an)
{
    struct fb_filter f = {inst, role};
    if (fb_analyse(x->t.st, &x->t.a, x->p.id, &f, an, &x->t.e) < 0) fail_msg("analyse: %s", x->t.e.msg);
}

static void test_pairing(void **state)
{
    struct fx *x = *state;
    assert_int_equal(summary_set_threshold(x->t.st, 2, &coordinator, &x->t.e), 0);
    const char *c[4];
    issue(x, "inst-a", "teacher", 4, c);
    /* c0 answered the baseline twice: the newer counts */
    answer(x, false, c[0], "\"q1\": \"1\", \"q2\": \"1\", \"hours\": \"1\"");
    answer(x, false, c[0], "\"q1\": \"2\", \"q2\": \"2\", \"hours\": \"2\"");
    answer(x, true, c[0], "\"q1\": \"4\", \"q2\": \"3\", \"hours\": \"5\"");
    /* c1: "don't know" at endline leaves q1 out, not q2 */
    answer(x, false, c[1], "\"q1\": \"3\", \"q2\": \"2\"");
    answer(x, true, c[1], "\"q1\": \"dont_know\", \"q2\": \"4\", \"hours\": \"3\"");
    /* c2 types the code in lower case without the hyphen */
    char lower[16];
    snprintf(lower, sizeof lower, "%c%c%c%c%c%c%c%c", c[2][0], c[2][1], c[2][2], c[2][3], c[2][5], c[2][6], c[2][7], c[2][8]);
    for (char *p = lower; *p; p++)
        if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
    answer(x, false, c[2], "\"q1\": \"2\", \"q2\": \"3\", \"hours\": \"4\"");
    answer(x, true, lower, "\"q1\": \"5\", \"q2\": \"5\", \"hours\": \"8\"");
    /* c3 answered only the baseline */
    answer(x, false, c[3], "\"q1\": \"1\"");
    /* a code not issued here, and no code at all: left out */
    answer(x, true, "2345-6789", "\"q1\": \"5\"");
    answer(x, true, NULL, "\"q1\": \"5\"");

    struct fb_analysis an;
    analyse(x, NULL, NULL, &an);
    assert_int_equal(an.threshold, 2);
    assert_int_equal(an.baseline_campaigns, 1);
    assert_int_equal(an.endline_campaigns, 1);
    assert_int_equal(an.baseline_sets, 4);
    assert_int_equal(an.endline_sets, 3);
    assert_int_equal(an.pairs, 3);
    assert_int_equal(an.unmatched, 2);
    assert_true(an.group_shown);
    assert_int_equal(an.nitems, 3); /* q1, q2, hours; not the code, the role or the text */
    const struct fb_item *q1 = item(&an, "q1"), *q2 = item(&an, "q2"), *hours = item(&an, "hours");
    assert_int_equal(q1->kind, FB_LIKERT);
    assert_int_equal(q1->k, 5);
    assert_int_equal(hours->kind, FB_NUMBER);
    /* q1: c0 (2 -> 4) and c2 (2 -> 5); c1's "don't know" drops its pair */
    assert_int_equal(q1->hidden, FB_SHOWN);
    assert_int_equal(q1->r.n, 2);
    assert_int_equal(q1->r.dropped, 1);
    assert_true(fabs(q1->r.mean_x - 2.0) < 1e-12);
    assert_true(fabs(q1->r.mean_y - 4.5) < 1e-12);
    assert_true(fabs(q1->r.mean_diff - 2.5) < 1e-12);
    /* the bars count the same pairs */
    assert_int_equal(q1->dist.n_baseline, 2);
    assert_int_equal(q1->dist.baseline[1], 2);
    assert_int_equal(q1->dist.endline[3], 1);
    assert_int_equal(q1->dist.endline[4], 1);
    /* q2: all three, 2 -> 3, 2 -> 4, 3 -> 5 */
    assert_int_equal(q2->r.n, 3);
    assert_true(fabs(q2->r.mean_diff - (1.0 + 2.0 + 2.0) / 3) < 1e-12);
    /* hours: c1 gave none at baseline */
    assert_int_equal(hours->r.n, 2);
    assert_true(fabs(hours->r.mean_diff - (3.0 + 4.0) / 2) < 1e-12);
    /* the one institution and role hold every pair */
    assert_int_equal(an.ninstitutions, 1);
    assert_string_equal(an.institutions[0].name, "School A");
    assert_int_equal(an.institutions[0].pairs, 3);
    assert_true(an.institutions[0].shown);
    assert_int_equal(an.roles[0].pairs, 3); /* teacher */
    /* both filters at once are refused */
    struct fb_filter both = {"inst-a", "teacher"};
    assert_int_equal(fb_analyse(x->t.st, &x->t.a, x->p.id, &both, &an, &x->t.e), ERR_INVALID);
}

/* n respondents of inst with both answer sets; dk of them say "don't know" to q2 at endline. */
static void respondents(struct fx *x, const char *inst, const char *role, int n, int dk, const char *text)
{
    const char *c[16];
    issue(x, inst, role, n, c);
    for (int i = 0; i < n; i++) {
        answer(x, false, c[i], arena_printf(&x->t.a, "\"q1\": \"%d\", \"q2\": \"2\", \"changes\": \"%s %d\"", 1 + i % 3,
                                             text, i));
        answer(x, true, c[i], arena_printf(&x->t.a, "\"q1\": \"%d\", \"q2\": \"%s\"", 3 + i % 3, i < dk ? "dont_know" : "4"));
    }
}

static void test_threshold(void **state)
{
    struct fx *x = *state; /* the default threshold: 5 */
    respondents(x, "inst-a", "teacher", 6, 0, "A");
    respondents(x, "inst-b", "learner", 3, 0, "B");
    struct fb_analysis an;
    analyse(x, NULL, NULL, &an);
    assert_int_equal(an.threshold, SUMMARY_THRESHOLD_DEFAULT);
    assert_int_equal(an.pairs, 9);
    assert_int_equal(item(&an, "q1")->hidden, FB_SHOWN);
    assert_int_equal(item(&an, "q1")->r.n, 9);
    /* no item number has answers enough */
    assert_int_equal(item(&an, "hours")->hidden, FB_HIDDEN_SMALL);
    assert_int_equal(item(&an, "hours")->r.status, PS_SUPPRESSED);
    /* School B's 3 cannot show, and School A's 6 neither: 9 - 6 would give B */
    assert_int_equal(an.ninstitutions, 2);
    assert_false(an.institutions[0].shown);
    assert_false(an.institutions[1].shown);
    assert_false(an.roles[0].shown); /* teacher 6 */
    assert_false(an.roles[1].shown); /* learner 3 */
    analyse(x, "inst-a", NULL, &an);
    assert_false(an.group_shown);
    assert_int_equal(an.group_hidden, FB_HIDDEN_REST);
    for (size_t j = 0; j < an.nitems; j++) {
        assert_int_equal(an.items[j].hidden, FB_HIDDEN_REST);
        assert_int_equal(an.items[j].r.status, PS_SUPPRESSED);
        assert_int_equal(an.items[j].r.n, 0);
    }
    analyse(x, "inst-b", NULL, &an);
    assert_false(an.group_shown);
    assert_int_equal(an.group_hidden, FB_HIDDEN_SMALL);
    assert_int_equal(item(&an, "q1")->hidden, FB_HIDDEN_SMALL);
    analyse(x, "inst-c", NULL, &an); /* no respondents at all */
    assert_false(an.group_shown);
    assert_int_equal(an.group_hidden, FB_HIDDEN_SMALL);

    /* Three more at School B, two of them "don't know" to q2: now both schools show, but School B
     * has 4 answers to q2, so q2 hides there, and at School A too: 10 - 6 would give B's 4. */
    respondents(x, "inst-b", "learner", 3, 2, "B2");
    analyse(x, NULL, NULL, &an);
    assert_int_equal(an.pairs, 12);
    assert_true(an.institutions[0].shown && an.institutions[1].shown);
    analyse(x, "inst-a", NULL, &an);
    assert_true(an.group_shown);
    assert_int_equal(an.group_pairs, 6);
    assert_int_equal(item(&an, "q1")->hidden, FB_SHOWN);
    assert_int_equal(item(&an, "q1")->r.n, 6);
    assert_int_equal(item(&an, "q2")->hidden, FB_HIDDEN_REST);
    analyse(x, "inst-b", NULL, &an);
    assert_int_equal(item(&an, "q1")->r.n, 6);
    assert_int_equal(item(&an, "q2")->hidden, FB_HIDDEN_SMALL);
    analyse(x, NULL, "learner", &an);
    assert_true(an.group_shown);
    assert_int_equal(item(&an, "q2")->hidden, FB_HIDDEN_SMALL);
    analyse(x, NULL, "pupil", &an); /* not a role: an empty group */
    assert_false(an.group_shown);

    /* Free texts: the baseline has 12 answer sets, so its texts show; each school has at least 5,
     * so it is named, and so is each school's one role. */
    struct fb_comments c;
    assert_int_equal(fb_comments(x->t.st, &x->t.a, x->p.id, NULL, &c, &x->t.e), 0);
    assert_int_equal(c.n, 12);
    assert_int_equal(c.hidden, 0);
    assert_int_equal(c.untagged, 12);
    for (size_t i = 0; i < c.n; i++) {
        assert_string_equal(c.items[i].kind, "baseline");
        assert_non_null(c.items[i].institution);
        assert_non_null(c.items[i].role);
    }
    /* newest first */
    assert_true(strcmp(c.items[0].first_at, c.items[c.n - 1].first_at) > 0);
}

static void test_small_texts(void **state)
{
    struct fx *x = *state;
    respondents(x, "inst-a", "teacher", 4, 0, "A");
    struct fb_comments c;
    assert_int_equal(fb_comments(x->t.st, &x->t.a, x->p.id, NULL, &c, &x->t.e), 0);
    assert_int_equal(c.n, 0); /* 4 answer sets in the baseline: none listed */
    assert_int_equal(c.hidden, 4);
    /* with a fifth, from another school: listed, but neither school named */
    respondents(x, "inst-b", NULL, 1, 0, "B");
    assert_int_equal(fb_comments(x->t.st, &x->t.a, x->p.id, NULL, &c, &x->t.e), 0);
    assert_int_equal(c.n, 5);
    for (size_t i = 0; i < c.n; i++) {
        assert_null(c.items[i].institution);
        assert_null(c.items[i].role); /* 4 teachers, and one of any role */
    }
}

static void test_tags(void **state)
{
    struct fx *x = *state;
    respondents(x, "inst-a", "teacher", 5, 0, "text");
    int64_t audit = query_int(x, "SELECT COUNT(*) FROM audit_log");
    const char *tag;
    assert_int_equal(fb_tag_create(x->t.st, &x->t.a, x->p.id, "  Connectivity ", false, &coordinator, &tag, &x->t.e), 0);
    assert_int_equal(fb_tag_create(x->t.st, &x->t.a, x->p.id, "connectivity", false, &coordinator, NULL, &x->t.e),
                     ERR_CONFLICT);
    assert_int_equal(fb_tag_create(x->t.st, &x->t.a, x->p.id, "   ", false, &coordinator, NULL, &x->t.e), ERR_INVALID);
    assert_int_equal(fb_tag_create(x->t.st, &x->t.a, x->p.id,
                                   "a name of more than sixty characters, far too long for a theme tag", false,
                                   &coordinator, NULL, &x->t.e),
                     ERR_INVALID);
    assert_int_equal(query_int(x, "SELECT COUNT(*) FROM feedback_tags"), 1);
    assert_int_equal(query_int(x, "SELECT COUNT(*) FROM audit_log"), audit + 1);
    struct fb_tag *tags;
    size_t nt;
    assert_int_equal(fb_tags(x->t.st, &x->t.a, x->p.id, &tags, &nt, &x->t.e), 0);
    assert_int_equal(nt, 1);
    assert_string_equal(tags[0].name, "Connectivity");

    struct fb_comments c;
    assert_int_equal(fb_comments(x->t.st, &x->t.a, x->p.id, NULL, &c, &x->t.e), 0);
    assert_int_equal(c.n, 5);
    const char *sub = c.items[2].submission_id;
    assert_int_equal(fb_tag_set(x->t.st, &x->t.a, x->p.id, sub, "changes", tag, true, &coordinator, &x->t.e), 0);
    /* again: nothing changes, nothing is recorded */
    assert_int_equal(fb_tag_set(x->t.st, &x->t.a, x->p.id, sub, "changes", tag, true, &coordinator, &x->t.e), 0);
    assert_int_equal(query_int(x, "SELECT COUNT(*) FROM feedback_tagging"), 1);
    assert_int_equal(query_int(x, "SELECT COUNT(*) FROM audit_log WHERE action = 'feedback.tag'"), 1);
    /* refused, changing nothing: not a free-text question, an unknown tag, an unknown answer set */
    assert_int_equal(fb_tag_set(x->t.st, &x->t.a, x->p.id, sub, "q1", tag, true, &coordinator, &x->t.e), ERR_INVALID);
    assert_int_equal(fb_tag_set(x->t.st, &x->t.a, x->p.id, sub, "nope", tag, true, &coordinator, &x->t.e), ERR_INVALID);
    assert_int_equal(fb_tag_set(x->t.st, &x->t.a, x->p.id, sub, "changes", "no-such-tag", true, &coordinator, &x->t.e),
                     ERR_INVALID);
    assert_int_equal(fb_tag_set(x->t.st, &x->t.a, x->p.id, "no-such-answer", "changes", tag, true, &coordinator, &x->t.e),
                     ERR_INVALID);
    /* an endline answer set has no text: nothing to tag */
    const char *c1[1];
    issue(x, "inst-a", "teacher", 1, c1);
    const char *bare = answer(x, true, c1[0], "\"q1\": \"3\"");
    assert_int_equal(fb_tag_set(x->t.st, &x->t.a, x->p.id, bare, "changes", tag, true, &coordinator, &x->t.e), ERR_INVALID);
    assert_int_equal(query_int(x, "SELECT COUNT(*) FROM feedback_tagging"), 1);

    /* the tagged text now comes last (untagged first), and the filter finds it */
    assert_int_equal(fb_comments(x->t.st, &x->t.a, x->p.id, NULL, &c, &x->t.e), 0);
    assert_int_equal(c.untagged, 4);
    assert_string_equal(c.items[4].submission_id, sub);
    assert_int_equal(c.items[4].ntags, 1);
    assert_int_equal(fb_comments(x->t.st, &x->t.a, x->p.id, tag, &c, &x->t.e), 0);
    assert_int_equal(c.n, 1);
    assert_int_equal(fb_comments(x->t.st, &x->t.a, x->p.id, "none", &c, &x->t.e), 0);
    assert_int_equal(c.n, 4);
    /* taken away */
    assert_int_equal(fb_tag_set(x->t.st, &x->t.a, x->p.id, sub, "changes", tag, false, &coordinator, &x->t.e), 0);
    assert_int_equal(query_int(x, "SELECT COUNT(*) FROM feedback_tagging"), 0);
    assert_int_equal(query_int(x, "SELECT COUNT(*) FROM audit_log WHERE action = 'feedback.untag'"), 1);
}

static void test_issue_refusals(void **state)
{
    struct fx *x = *state;
    int64_t audit = query_int(x, "SELECT COUNT(*) FROM audit_log");
    assert_int_equal(rcode_issue(x->t.st, &x->t.a, x->p.id, "inst-a", NULL, 0, false, &coordinator, NULL, &x->t.e),
                     ERR_INVALID);
    assert_int_equal(rcode_issue(x->t.st, &x->t.a, x->p.id, "inst-a", NULL, 501, false, &coordinator, NULL, &x->t.e),
                     ERR_INVALID);
    assert_int_equal(rcode_issue(x->t.st, &x->t.a, x->p.id, "inst-a", "pupil", 5, false, &coordinator, NULL, &x->t.e),
                     ERR_INVALID);
    assert_int_equal(rcode_issue(x->t.st, &x->t.a, x->p.id, "inst-z", NULL, 5, false, &coordinator, NULL, &x->t.e),
                     ERR_INVALID);
    assert_int_equal(rcode_issue(x->t.st, &x->t.a, "no-such-programme", "inst-a", NULL, 5, false, &coordinator, NULL,
                                 &x->t.e),
                     ERR_NOT_FOUND);
    assert_int_equal(query_int(x, "SELECT COUNT(*) FROM respondent_codes"), 0);
    assert_int_equal(query_int(x, "SELECT COUNT(*) FROM audit_log"), audit);
    /* 500 at once, all different; audited once, with the count and not the codes */
    assert_int_equal(rcode_issue(x->t.st, &x->t.a, x->p.id, "inst-c", NULL, 500, false, &coordinator, NULL, &x->t.e), 0);
    assert_int_equal(query_int(x, "SELECT COUNT(DISTINCT code) FROM respondent_codes"), 500);
    assert_int_equal(query_int(x, "SELECT COUNT(*) FROM audit_log WHERE action = 'respondent_codes.issue'"
                                  " AND detail LIKE '%\"count\":500%'"),
                     1);
    struct rcode_count *counts;
    size_t n;
    assert_int_equal(rcode_counts(x->t.st, &x->t.a, x->p.id, &counts, &n, &x->t.e), 0);
    assert_int_equal(n, 1);
    assert_null(counts[0].role);
    assert_int_equal(counts[0].codes, 500);
    /* School C now has codes, so it is offered although not in the pilot */
    struct rcode_choice *choices;
    assert_int_equal(rcode_institution_choices(x->t.st, &x->t.a, x->p.id, &choices, &n, &x->t.e), 0);
    assert_int_equal(n, 3);
}

/* --- the demo ---------------------------------------------------------------------------------- */

static void test_demo(void **state)
{
    (void)state;
    struct testdb t;
    testdb_open(&t, "feedback-demo");
    struct demo_report report;
    if (demo_load(t.st, &t.a, &report, &t.e) < 0) fail_msg("demo: %s", t.e.msg);
    if (demo_training_load(t.st, &t.a, demo_programme_id, &t.e) < 0) fail_msg("demo training: %s", t.e.msg);
    if (demo_feedback_load(t.st, &t.a, demo_programme_id, &t.e) < 0) fail_msg("demo feedback: %s", t.e.msg);
    struct fb_analysis an;
    assert_int_equal(fb_analyse(t.st, &t.a, demo_programme_id, NULL, &an, &t.e), 0);
    assert_int_equal(an.baseline_sets, DEMO_FEEDBACK_BASELINE);
    assert_in_range(an.endline_sets, 85, 115);
    assert_int_equal(an.pairs, an.endline_sets);
    assert_int_equal(an.unmatched, 0);
    assert_int_equal(an.nitems, 12);
    for (size_t j = 0; j < an.nitems; j++) {
        const struct fb_item *it = &an.items[j];
        assert_int_equal(it->hidden, FB_SHOWN);
        if (strcmp(it->field->name, "net_fast") == 0) {
            assert_true(fabs(it->r.mean_diff) < 0.3); /* the one item that does not move */
        } else {
            assert_true(it->r.mean_diff > 0.15);
            assert_true(it->r.p_t < 0.05);
        }
    }
    struct fb_comments c;
    assert_int_equal(fb_comments(t.st, &t.a, demo_programme_id, NULL, &c, &t.e), 0);
    assert_true(c.n > 20);
    assert_int_equal(c.ntags, 4);
    assert_true(c.untagged < (int64_t)c.n);
    /* feedback after the training demo's sessions, grouped by course */
    struct fb_sessions fs;
    assert_int_equal(fb_sessions(t.st, &t.a, demo_programme_id, &fs, &t.e), 0);
    assert_int_equal(fs.nitems, 5);
    assert_true(fs.nsessions > 0);
    assert_true(fs.catalogue);
    assert_true(fs.overall.shown);
    for (size_t i = 0; i < fs.nsessions; i++) {
        assert_non_null(fs.sessions[i].course);
        assert_non_null(fs.sessions[i].starts_at);
        assert_true(fs.sessions[i].answers >= 6);
    }
    for (size_t j = 0; j < fs.nitems; j++) assert_true(fs.overall.means[j].mean > 3 && fs.overall.means[j].mean < 5);
    /* loading again changes nothing */
    int64_t subs, codes, tags;
    struct store_stmt *s = store_prepare(t.st, "SELECT (SELECT COUNT(*) FROM submissions), (SELECT COUNT(*) FROM"
                                               " respondent_codes), (SELECT COUNT(*) FROM feedback_tagging)", &t.e);
    assert_int_equal(store_step(s, &t.e), 1);
    subs = store_col_int(s, 0), codes = store_col_int(s, 1), tags = store_col_int(s, 2);
    store_done(s);
    assert_int_equal(codes, 120);
    if (demo_feedback_load(t.st, &t.a, demo_programme_id, &t.e) < 0) fail_msg("demo feedback again: %s", t.e.msg);
    s = store_prepare(t.st, "SELECT (SELECT COUNT(*) FROM submissions), (SELECT COUNT(*) FROM"
                            " respondent_codes), (SELECT COUNT(*) FROM feedback_tagging)", &t.e);
    assert_int_equal(store_step(s, &t.e), 1);
    assert_int_equal(store_col_int(s, 0), subs);
    assert_int_equal(store_col_int(s, 1), codes);
    assert_int_equal(store_col_int(s, 2), tags);
    store_done(s);
    /* a programme that is not there is left alone */
    assert_int_equal(demo_feedback_load(t.st, &t.a, "no-such-programme", &t.e), 0);
    testdb_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_code_check_character),
        cmocka_unit_test(test_code_reading),
        cmocka_unit_test(test_suppress),
        cmocka_unit_test_setup_teardown(test_pairing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threshold, setup, teardown),
        cmocka_unit_test_setup_teardown(test_small_texts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_issue_refusals, setup, teardown),
        cmocka_unit_test(test_demo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

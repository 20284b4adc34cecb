/* Tests for auth/policy: the whole table of actions against every role (through a session), every
 * role through an API token of each scope, and anonymous readers; the rules that read a target
 * (an institution's or a trainer's own records, one's own tokens); the token scopes an account may
 * grant; refusals by default (an unknown
 * action, an action without a rule, a principal that is not really signed in, a token without a
 * scope, a role out of range); and the table itself (names, parsing, one function per action).
 *
 * The expected table below is written out by hand from the issue, not computed from policy.c: a
 * change to a rule must change this table too. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "auth/policy.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Columns: anonymous, admin, coordinator, panel, institution, trainer, partner (the gate: no
 * target). kind: what an API token's scope must cover: 'r' read, 's' submit, 'a' admin. */
static const struct {
    enum policy_action action;
    const char *name;
    char kind;
    unsigned char allowed[AUTH_ROLE_COUNT];
} expected[] = {
    {POLICY_PUBLIC, "PUBLIC", 'r', {1, 1, 1, 1, 1, 1, 1}},
    {POLICY_SIGN_IN, "SIGN_IN", 'a', {1, 1, 1, 1, 1, 1, 1}},
    {POLICY_SIGN_OUT, "SIGN_OUT", 'a', {1, 1, 1, 1, 1, 1, 1}},
    {POLICY_SURVEY_ANSWER, "SURVEY_ANSWER", 's', {1, 1, 1, 1, 1, 1, 1}},
    {POLICY_FORMS_LIST, "FORMS_LIST", 'r', {0, 1, 1, 1, 0, 0, 1}},
    {POLICY_FORM_VIEW, "FORM_VIEW", 'r', {0, 1, 1, 1, 0, 0, 1}},
    {POLICY_FORM_IMPORT, "FORM_IMPORT", 'a', {0, 1, 1, 0, 0, 0, 0}},
    {POLICY_SUBMISSIONS_LIST, "SUBMISSIONS_LIST", 'r', {0, 1, 1, 0, 0, 0, 0}},
    {POLICY_SUBMISSION_VIEW, "SUBMISSION_VIEW", 'r', {0, 1, 1, 0, 0, 0, 0}},
    {POLICY_SUBMISSION_CORRECT, "SUBMISSION_CORRECT", 'a', {0, 1, 1, 0, 0, 0, 0}},
    {POLICY_SUMMARY_VIEW, "SUMMARY_VIEW", 'r', {0, 1, 1, 1, 0, 0, 1}},
    {POLICY_EXPORT_FULL, "EXPORT_FULL", 'r', {0, 1, 1, 0, 0, 0, 0}},
    {POLICY_EXPORT_PSEUDONYMISED, "EXPORT_PSEUDONYMISED", 'r', {0, 1, 1, 1, 0, 0, 0}},
    {POLICY_API_FORMS_READ, "API_FORMS_READ", 'r', {1, 1, 1, 1, 1, 1, 1}},
    {POLICY_API_SUBMIT, "API_SUBMIT", 's', {1, 1, 1, 1, 1, 1, 1}},
    {POLICY_API_SUBMISSION_READ, "API_SUBMISSION_READ", 'r', {0, 1, 1, 0, 0, 0, 0}},
    {POLICY_API_REVISE, "API_REVISE", 's', {0, 1, 1, 0, 0, 0, 0}},
    {POLICY_API_ME, "API_ME", 'r', {0, 1, 1, 1, 1, 1, 1}},
    {POLICY_TOKENS_OWN, "TOKENS_OWN", 'a', {0, 1, 1, 1, 1, 1, 1}},
    {POLICY_OUTBOX_VIEW, "OUTBOX_VIEW", 'r', {0, 1, 0, 0, 0, 0, 0}},
    {POLICY_AUDIT_VIEW, "AUDIT_VIEW", 'r', {0, 1, 0, 0, 0, 0, 0}},
    {POLICY_PRIVACY_MANAGE, "PRIVACY_MANAGE", 'a', {0, 1, 0, 0, 0, 0, 0}},
    {POLICY_USERS_MANAGE, "USERS_MANAGE", 'a', {0, 1, 0, 0, 0, 0, 0}},
    {POLICY_PROGRAMMES_VIEW, "PROGRAMMES_VIEW", 'r', {0, 1, 1, 1, 0, 0, 1}},
    {POLICY_PROGRAMMES_MANAGE, "PROGRAMMES_MANAGE", 'a', {0, 1, 1, 0, 0, 0, 0}},
    {POLICY_INSTITUTIONS_LIST, "INSTITUTIONS_LIST", 'r', {0, 1, 1, 1, 0, 0, 0}},
    {POLICY_INSTITUTION_VIEW, "INSTITUTION_VIEW", 'r', {0, 1, 1, 1, 1, 0, 0}},
    {POLICY_INSTITUTION_CONTACTS, "INSTITUTION_CONTACTS", 'r', {0, 1, 1, 0, 0, 0, 0}},
    {POLICY_INSTITUTIONS_MANAGE, "INSTITUTIONS_MANAGE", 'a', {0, 1, 1, 0, 0, 0, 0}},
    {POLICY_NEED_VIEW, "NEED_VIEW", 'r', {0, 1, 1, 1, 0, 0, 0}},
    {POLICY_NEED_EXPLAIN, "NEED_EXPLAIN", 'r', {0, 1, 1, 1, 1, 0, 0}},
    {POLICY_NEED_MANAGE, "NEED_MANAGE", 'a', {0, 1, 1, 0, 0, 0, 0}},
    {POLICY_SELECTION_VIEW, "SELECTION_VIEW", 'r', {0, 1, 1, 1, 0, 0, 0}},
    {POLICY_SELECTION_MANAGE, "SELECTION_MANAGE", 'a', {0, 1, 1, 0, 0, 0, 0}},
    {POLICY_INVITATION_RESPOND, "INVITATION_RESPOND", 's', {1, 1, 1, 1, 1, 1, 1}},
    {POLICY_DEVICES_VIEW, "DEVICES_VIEW", 'r', {0, 1, 1, 0, 1, 0, 0}},
    {POLICY_DEVICES_MANAGE, "DEVICES_MANAGE", 'a', {0, 1, 1, 0, 0, 0, 0}},
    {POLICY_DELIVERY_CONFIRM, "DELIVERY_CONFIRM", 'a', {0, 1, 1, 0, 1, 0, 0}},
    {POLICY_TRAINING_VIEW, "TRAINING_VIEW", 'r', {0, 1, 1, 0, 1, 1, 0}},
    {POLICY_TRAINING_MANAGE, "TRAINING_MANAGE", 'a', {0, 1, 1, 0, 0, 0, 0}},
    {POLICY_ATTENDANCE_RECORD, "ATTENDANCE_RECORD", 'a', {0, 1, 1, 0, 0, 1, 0}},
    {POLICY_FEEDBACK_VIEW, "FEEDBACK_VIEW", 'r', {0, 1, 1, 1, 0, 0, 1}},
    {POLICY_FEEDBACK_TAG, "FEEDBACK_TAG", 'a', {0, 1, 1, 0, 0, 0, 0}},
    {POLICY_REPORT_INSTITUTION, "REPORT_INSTITUTION", 'r', {0, 1, 1, 1, 1, 0, 0}},
    {POLICY_REPORT_PROGRAMME, "REPORT_PROGRAMME", 'r', {0, 1, 1, 1, 0, 0, 1}},
    {POLICY_DASHBOARD_VIEW, "DASHBOARD_VIEW", 'r', {0, 1, 1, 0, 0, 0, 0}},
};

/* Actions that take no answers from anyone with a token in mind: every principal may, whatever
 * its scope (the public pages; a token never reaches them, but the rule does not depend on it). */
static bool open_to_all(enum policy_action a)
{
    return a == POLICY_PUBLIC || a == POLICY_SIGN_IN || a == POLICY_SIGN_OUT || a == POLICY_SURVEY_ANSWER ||
           a == POLICY_INVITATION_RESPOND;
}

static struct auth_principal person(enum auth_role role, enum auth_via via, enum auth_scope scope)
{
    return (struct auth_principal){.via = via, .role = role, .scope = scope, .user_id = "user-1",
                                   .email = "someone@example.org", .display_name = "Someone",
                                   .institution_id = role == AUTH_ROLE_INSTITUTION ? "inst-1" : NULL,
                                   .session_token = via == AUTH_VIA_SESSION ? "t" : NULL,
                                   .token_id = via == AUTH_VIA_TOKEN ? "tok-1" : NULL};
}

static bool scope_covers(enum auth_scope s, char kind)
{
    switch (s) {
    case AUTH_SCOPE_READ: return kind == 'r';
    case AUTH_SCOPE_SUBMIT: return kind == 'r' || kind == 's';
    case AUTH_SCOPE_ADMIN: return true;
    default: return false;
    }
}

static void test_table_covers_every_action(void **state)
{
    (void)state;
    assert_int_equal(COUNT(expected), POLICY_ACTION_COUNT - 1);
    for (size_t i = 0; i < COUNT(expected); i++) {
        assert_int_equal(expected[i].action, (int)i + 1);
        const struct policy_action_info *info = policy_action_info(expected[i].action);
        assert_non_null(info);
        assert_string_equal(info->name, expected[i].name);
        assert_non_null(info->summary);
        assert_non_null(info->allows);
        assert_int_equal(policy_action_parse(expected[i].name), expected[i].action);
        char kind = info->kind == POLICY_READS ? 'r' : info->kind == POLICY_SUBMITS ? 's' : 'a';
        assert_int_equal(kind, expected[i].kind);
        /* the API's actions and only they are reached under /api/ with a token */
        assert_int_equal(info->surface == POLICY_API, strncmp(expected[i].name, "API_", 4) == 0);
    }
    assert_int_equal(policy_action_parse("NONE"), POLICY_NONE);
    assert_int_equal(policy_action_parse("forms_list"), POLICY_NONE);
    assert_int_equal(policy_action_parse(NULL), POLICY_NONE);
    assert_null(policy_action_info(POLICY_ACTION_COUNT));
    assert_null(policy_action_info((enum policy_action)-1));
}

static void test_sessions_and_anonymous(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(expected); i++) {
        enum policy_action a = expected[i].action;
        assert_int_equal(policy_allows(&auth_anonymous, a, NULL), expected[i].allowed[AUTH_ROLE_NONE]);
        assert_int_equal(policy_allows(NULL, a, NULL), expected[i].allowed[AUTH_ROLE_NONE]);
        for (int r = AUTH_ROLE_ADMIN; r < AUTH_ROLE_COUNT; r++) {
            struct auth_principal who = person((enum auth_role)r, AUTH_VIA_SESSION, AUTH_SCOPE_FULL);
            bool got = policy_allows(&who, a, NULL);
            if (got != expected[i].allowed[r])
                fail_msg("%s as %s: %s, expected %s", expected[i].name, auth_role_name((enum auth_role)r),
                         got ? "allowed" : "refused", expected[i].allowed[r] ? "allowed" : "refused");
            /* the function of the action says the same as the dispatcher */
            assert_int_equal(policy_action_info(a)->allows(&who, NULL), got);
            assert_false(policy_scope_limits(&who, a, NULL)); /* a session has no scope */
        }
    }
}

static void test_tokens_by_scope(void **state)
{
    (void)state;
    const enum auth_scope scopes[] = {AUTH_SCOPE_READ, AUTH_SCOPE_SUBMIT, AUTH_SCOPE_ADMIN};
    for (size_t i = 0; i < COUNT(expected); i++) {
        enum policy_action a = expected[i].action;
        for (int r = AUTH_ROLE_ADMIN; r < AUTH_ROLE_COUNT; r++) {
            for (size_t s = 0; s < COUNT(scopes); s++) {
                struct auth_principal who = person((enum auth_role)r, AUTH_VIA_TOKEN, scopes[s]);
                bool want = open_to_all(a) || (expected[i].allowed[r] && scope_covers(scopes[s], expected[i].kind));
                bool got = policy_allows(&who, a, NULL);
                if (got != want)
                    fail_msg("%s as %s with a %s token: %s", expected[i].name, auth_role_name((enum auth_role)r),
                             auth_scope_name(scopes[s]), got ? "allowed" : "refused");
                /* refused for the scope alone exactly when the role would allow it */
                bool limited = !got && expected[i].allowed[r];
                assert_int_equal(policy_scope_limits(&who, a, NULL), limited);
            }
            /* a token without a scope is not trusted with anything but the open pages */
            struct auth_principal odd = person((enum auth_role)r, AUTH_VIA_TOKEN, AUTH_SCOPE_FULL);
            assert_int_equal(policy_allows(&odd, a, NULL), open_to_all(a));
        }
    }
}

static void test_scope_examples(void **state)
{
    (void)state;
    /* read: GET only; submit: and answers; admin: all the user may do */
    struct auth_principal coord_read = person(AUTH_ROLE_COORDINATOR, AUTH_VIA_TOKEN, AUTH_SCOPE_READ);
    struct auth_principal coord_submit = person(AUTH_ROLE_COORDINATOR, AUTH_VIA_TOKEN, AUTH_SCOPE_SUBMIT);
    struct auth_principal admin_admin = person(AUTH_ROLE_ADMIN, AUTH_VIA_TOKEN, AUTH_SCOPE_ADMIN);
    struct auth_principal panel_admin = person(AUTH_ROLE_PANEL, AUTH_VIA_TOKEN, AUTH_SCOPE_ADMIN);
    assert_true(policy_allows(&coord_read, POLICY_API_SUBMISSION_READ, NULL));
    assert_false(policy_allows(&coord_read, POLICY_API_SUBMIT, NULL));
    assert_true(policy_scope_limits(&coord_read, POLICY_API_SUBMIT, NULL));
    assert_true(policy_allows(&coord_submit, POLICY_API_SUBMIT, NULL));
    assert_true(policy_allows(&coord_submit, POLICY_API_REVISE, NULL)); /* corrections are answers too */
    assert_false(policy_allows(&coord_read, POLICY_API_REVISE, NULL));
    assert_true(policy_scope_limits(&coord_read, POLICY_API_REVISE, NULL));
    assert_true(policy_allows(&admin_admin, POLICY_API_REVISE, NULL));
    /* the widest scope does not widen the role */
    assert_false(policy_allows(&panel_admin, POLICY_API_SUBMISSION_READ, NULL));
    assert_false(policy_scope_limits(&panel_admin, POLICY_API_SUBMISSION_READ, NULL));
    assert_false(policy_scope_limits(&auth_anonymous, POLICY_API_REVISE, NULL));
    assert_false(policy_scope_limits(NULL, POLICY_API_REVISE, NULL));
}

static void test_own_records(void **state)
{
    (void)state;
    struct auth_principal inst = person(AUTH_ROLE_INSTITUTION, AUTH_VIA_SESSION, AUTH_SCOPE_FULL);
    struct auth_principal trainer = person(AUTH_ROLE_TRAINER, AUTH_VIA_SESSION, AUTH_SCOPE_FULL);
    struct auth_principal partner = person(AUTH_ROLE_PARTNER, AUTH_VIA_SESSION, AUTH_SCOPE_FULL);
    struct auth_principal coord = person(AUTH_ROLE_COORDINATOR, AUTH_VIA_SESSION, AUTH_SCOPE_FULL);
    struct policy_target of_inst1 = {.form_id = "f", .institution_id = "inst-1"};
    struct policy_target of_inst2 = {.form_id = "f", .institution_id = "inst-2"};
    struct policy_target of_user1 = {.form_id = "f", .trainer_user_id = "user-1"};
    struct policy_target of_user2 = {.form_id = "f", .trainer_user_id = "user-2"};
    struct policy_target bare = {.form_id = "f"};

    /* an institution contact: their institution's submission, no other, none without one */
    assert_true(policy_submission_view(&inst, &of_inst1));
    assert_true(policy_allows(&inst, POLICY_API_SUBMISSION_READ, &of_inst1));
    assert_false(policy_submission_view(&inst, &of_inst2));
    assert_false(policy_submission_view(&inst, &bare));
    assert_false(policy_submission_view(&inst, NULL));
    assert_false(policy_submission_view(&inst, &of_user1));
    /* a contact not linked to an institution has none of their own, whatever the target says */
    struct auth_principal unlinked = inst;
    unlinked.institution_id = NULL;
    assert_false(policy_submission_view(&unlinked, &of_inst1));
    struct policy_target empty_inst = {.institution_id = ""};
    unlinked.institution_id = "";
    assert_false(policy_submission_view(&unlinked, &empty_inst));
    /* a trainer: their session's records */
    assert_true(policy_submission_view(&trainer, &of_user1));
    assert_false(policy_submission_view(&trainer, &of_user2));
    assert_false(policy_submission_view(&trainer, &of_inst1));
    /* an institution's id in a trainer's hands, or a trainer's in a contact's, opens nothing */
    struct auth_principal trainer_with_inst = trainer;
    trainer_with_inst.institution_id = "inst-1";
    assert_false(policy_submission_view(&trainer_with_inst, &of_inst1));
    /* own records do not reach further than reading */
    assert_false(policy_submission_correct(&inst, &of_inst1));
    assert_false(policy_allows(&inst, POLICY_API_REVISE, &of_inst1));
    assert_false(policy_submissions_list(&inst, &of_inst1));
    assert_false(policy_export_full(&inst, &of_inst1));
    /* a partner reads no submission, not even with a target */
    assert_false(policy_submission_view(&partner, &of_inst1));
    assert_false(policy_submission_view(&partner, &of_user1));
    /* coordinators read any */
    assert_true(policy_submission_view(&coord, &of_inst2));
    assert_true(policy_submission_view(&coord, &bare));
    /* an institution contact's read token reads their own */
    struct auth_principal inst_token = person(AUTH_ROLE_INSTITUTION, AUTH_VIA_TOKEN, AUTH_SCOPE_READ);
    assert_true(policy_api_submission_read(&inst_token, &of_inst1));
    assert_false(policy_api_submission_read(&inst_token, &of_inst2));
}

static void test_own_tokens(void **state)
{
    (void)state;
    struct auth_principal admin = person(AUTH_ROLE_ADMIN, AUTH_VIA_SESSION, AUTH_SCOPE_FULL);
    struct auth_principal panel = person(AUTH_ROLE_PANEL, AUTH_VIA_SESSION, AUTH_SCOPE_FULL);
    struct policy_target mine = {.owner_user_id = "user-1"};
    struct policy_target theirs = {.owner_user_id = "user-2"};
    struct policy_target nobody = {.owner_user_id = NULL};
    assert_true(policy_tokens_own(&panel, &mine));
    assert_false(policy_tokens_own(&panel, &theirs));
    assert_false(policy_tokens_own(&panel, &nobody));
    assert_false(policy_tokens_own(&admin, &theirs)); /* not even an administrator's */
    assert_false(policy_tokens_own(&auth_anonymous, &nobody));
    assert_false(policy_tokens_own(&auth_anonymous, NULL));
}

static void test_scopes_an_account_may_grant(void **state)
{
    (void)state;
    for (int r = AUTH_ROLE_ADMIN; r < AUTH_ROLE_COUNT; r++) {
        struct auth_principal who = person((enum auth_role)r, AUTH_VIA_SESSION, AUTH_SCOPE_FULL);
        assert_true(policy_may_grant_scope(&who, AUTH_SCOPE_READ));
        assert_true(policy_may_grant_scope(&who, AUTH_SCOPE_SUBMIT));
        assert_int_equal(policy_may_grant_scope(&who, AUTH_SCOPE_ADMIN), r == AUTH_ROLE_ADMIN);
        assert_false(policy_may_grant_scope(&who, AUTH_SCOPE_FULL)); /* every token has a scope */
        /* a token does not make tokens, not even an admin one */
        struct auth_principal token = person((enum auth_role)r, AUTH_VIA_TOKEN, AUTH_SCOPE_ADMIN);
        assert_false(policy_may_grant_scope(&token, AUTH_SCOPE_READ));
    }
    assert_false(policy_may_grant_scope(&auth_anonymous, AUTH_SCOPE_READ));
}

static void test_refused_by_default(void **state)
{
    (void)state;
    struct auth_principal admin = person(AUTH_ROLE_ADMIN, AUTH_VIA_SESSION, AUTH_SCOPE_FULL);
    /* unknown or unnamed actions: nobody, administrators included */
    assert_false(policy_allows(&admin, POLICY_NONE, NULL));
    assert_false(policy_allows(&admin, POLICY_ACTION_COUNT, NULL));
    assert_false(policy_allows(&admin, (enum policy_action)-1, NULL));
    assert_false(policy_allows(&admin, (enum policy_action)1000, NULL));
    assert_false(policy_allows(NULL, POLICY_NONE, NULL));
    /* a role out of range, or a "session" without a user, is nobody's role */
    struct auth_principal odd = admin;
    odd.role = (enum auth_role)AUTH_ROLE_COUNT;
    assert_false(policy_allows(&odd, POLICY_FORMS_LIST, NULL));
    odd.role = (enum auth_role)31;
    assert_false(policy_allows(&odd, POLICY_FORMS_LIST, NULL));
    odd.role = (enum auth_role)-1;
    assert_false(policy_allows(&odd, POLICY_FORMS_LIST, NULL));
    struct auth_principal no_user = admin;
    no_user.user_id = NULL;
    for (size_t i = 0; i < COUNT(expected); i++)
        assert_int_equal(policy_allows(&no_user, expected[i].action, NULL), expected[i].allowed[AUTH_ROLE_NONE]);
    struct auth_principal not_via = admin;
    not_via.via = AUTH_VIA_NONE;
    assert_false(policy_allows(&not_via, POLICY_OUTBOX_VIEW, NULL));
    /* an anonymous principal that claims a role gets nothing more */
    struct auth_principal claims = auth_anonymous;
    claims.role = AUTH_ROLE_ADMIN;
    assert_false(policy_allows(&claims, POLICY_AUDIT_VIEW, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_covers_every_action),
        cmocka_unit_test(test_sessions_and_anonymous),
        cmocka_unit_test(test_tokens_by_scope),
        cmocka_unit_test(test_scope_examples),
        cmocka_unit_test(test_own_records),
        cmocka_unit_test(test_own_tokens),
        cmocka_unit_test(test_scopes_an_account_may_grant),
        cmocka_unit_test(test_refused_by_default),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#include "auth/policy.h"

#include <stddef.h>
#include <string.h>

#define ROLE(r) (1u << (r))

/* The roles that run programmes and campaigns: everything about forms and answers. */
static const unsigned RUN_PROGRAMMES = ROLE(AUTH_ROLE_ADMIN) | ROLE(AUTH_ROLE_COORDINATOR);
/* The roles that read a form's aggregates: selection panel members (they score applications from
 * the summaries and the pseudonymised export) and partners (aggregated reports only). */
static const unsigned READ_AGGREGATES = ROLE(AUTH_ROLE_ADMIN) | ROLE(AUTH_ROLE_COORDINATOR) |
                                        ROLE(AUTH_ROLE_PANEL) | ROLE(AUTH_ROLE_PARTNER);
/* Personal data without the names: the panel, not partners. */
static const unsigned READ_PSEUDONYMISED = ROLE(AUTH_ROLE_ADMIN) | ROLE(AUTH_ROLE_COORDINATOR) |
                                           ROLE(AUTH_ROLE_PANEL);
static const unsigned ADMINISTER = ROLE(AUTH_ROLE_ADMIN);

static const struct policy_action_info actions[POLICY_ACTION_COUNT];

/* A token does only what its scope covers; a session and an anonymous reader have no scope. */
static bool scope_covers(const struct auth_principal *who, enum policy_action a)
{
    if (who->via != AUTH_VIA_TOKEN) return true;
    enum policy_kind k = actions[a].kind;
    switch (who->scope) {
    case AUTH_SCOPE_READ: return k == POLICY_READS;
    case AUTH_SCOPE_SUBMIT: return k == POLICY_READS || k == POLICY_SUBMITS;
    case AUTH_SCOPE_ADMIN: return true;
    case AUTH_SCOPE_FULL: return false; /* every token has a scope: one without is not trusted */
    }
    return false;
}

static bool signed_in_as(const struct auth_principal *who, unsigned roles)
{
    return auth_signed_in(who) && (unsigned)who->role < AUTH_ROLE_COUNT && (roles & ROLE(who->role));
}

static bool same(const char *a, const char *b)
{
    return a && b && *a && strcmp(a, b) == 0;
}

/* An institution contact's own institution's record. */
static bool own_institution(const struct auth_principal *who, const struct policy_target *t)
{
    return t && signed_in_as(who, ROLE(AUTH_ROLE_INSTITUTION)) && same(t->institution_id, who->institution_id);
}

/* A trainer's own training session's record. */
static bool own_training(const struct auth_principal *who, const struct policy_target *t)
{
    return t && signed_in_as(who, ROLE(AUTH_ROLE_TRAINER)) && same(t->trainer_user_id, who->user_id);
}

/* One submission's answers, personal data included. */
static bool reads_submission(const struct auth_principal *who, const struct policy_target *t)
{
    return signed_in_as(who, RUN_PROGRAMMES) || own_institution(who, t) || own_training(who, t);
}

/* --- one function per action ------------------------------------------------------------------- */

bool policy_public(const struct auth_principal *who, const struct policy_target *t)
{
    (void)who;
    (void)t;
    return true;
}

bool policy_sign_in(const struct auth_principal *who, const struct policy_target *t)
{
    (void)who;
    (void)t;
    return true;
}

/* Anyone: a reader without a session is sent home; the CSRF value still guards the POST. */
bool policy_sign_out(const struct auth_principal *who, const struct policy_target *t)
{
    (void)who;
    (void)t;
    return true;
}

/* Public respondents need no account; staff may answer too (a test run, an answer by phone). */
bool policy_survey_answer(const struct auth_principal *who, const struct policy_target *t)
{
    (void)who;
    (void)t;
    return true;
}

bool policy_forms_list(const struct auth_principal *who, const struct policy_target *t)
{
    (void)t;
    return scope_covers(who, POLICY_FORMS_LIST) && signed_in_as(who, READ_AGGREGATES);
}

bool policy_form_view(const struct auth_principal *who, const struct policy_target *t)
{
    (void)t;
    return scope_covers(who, POLICY_FORM_VIEW) && signed_in_as(who, READ_AGGREGATES);
}

bool policy_form_import(const struct auth_principal *who, const struct policy_target *t)
{
    (void)t;
    return scope_covers(who, POLICY_FORM_IMPORT) && signed_in_as(who, RUN_PROGRAMMES);
}

/* The list names every answer set of a form; a filter to one institution's or session's does not
 * exist yet, so the scoped roles do not get the list. */
bool policy_submissions_list(const struct auth_principal *who, const struct policy_target *t)
{
    (void)t;
    return scope_covers(who, POLICY_SUBMISSIONS_LIST) && signed_in_as(who, RUN_PROGRAMMES);
}

bool policy_submission_view(const struct auth_principal *who, const struct policy_target *t)
{
    return scope_covers(who, POLICY_SUBMISSION_VIEW) && reads_submission(who, t);
}

bool policy_submission_correct(const struct auth_principal *who, const struct policy_target *t)
{
    (void)t;
    return scope_covers(who, POLICY_SUBMISSION_CORRECT) && signed_in_as(who, RUN_PROGRAMMES);
}

/* Counts only, with groups under the anonymity threshold hidden (forms/summary.h). */
bool policy_summary_view(const struct auth_principal *who, const struct policy_target *t)
{
    (void)t;
    return scope_covers(who, POLICY_SUMMARY_VIEW) && signed_in_as(who, READ_AGGREGATES);
}

bool policy_export_full(const struct auth_principal *who, const struct policy_target *t)
{
    (void)t;
    return scope_covers(who, POLICY_EXPORT_FULL) && signed_in_as(who, RUN_PROGRAMMES);
}

bool policy_export_pseudonymised(const struct auth_principal *who, const struct policy_target *t)
{
    (void)t;
    return scope_covers(who, POLICY_EXPORT_PSEUDONYMISED) && signed_in_as(who, READ_PSEUDONYMISED);
}

/* Form definitions are public: the survey pages show the same questions to anyone. */
bool policy_api_forms_read(const struct auth_principal *who, const struct policy_target *t)
{
    (void)t;
    return scope_covers(who, POLICY_API_FORMS_READ);
}

/* Every form is a public form today (the needs survey is): anyone may answer it, through the API
 * as through the pages; a token needs the submit scope. */
bool policy_api_submit(const struct auth_principal *who, const struct policy_target *t)
{
    (void)t;
    return scope_covers(who, POLICY_API_SUBMIT);
}

bool policy_api_submission_read(const struct auth_principal *who, const struct policy_target *t)
{
    return scope_covers(who, POLICY_API_SUBMISSION_READ) && reads_submission(who, t);
}

/* A correction is answers posted like a new answer set, so the submit scope covers it (admin
 * tokens are for administrators only); the role says who may correct. */
bool policy_api_revise(const struct auth_principal *who, const struct policy_target *t)
{
    (void)t;
    return scope_covers(who, POLICY_API_REVISE) && signed_in_as(who, RUN_PROGRAMMES);
}

bool policy_api_me(const struct auth_principal *who, const struct policy_target *t)
{
    (void)t;
    return scope_covers(who, POLICY_API_ME) && auth_signed_in(who);
}

/* Every account manages its own tokens, and only its own: an administrator revokes someone
 * else's by disabling the account. */
bool policy_tokens_own(const struct auth_principal *who, const struct policy_target *t)
{
    if (!scope_covers(who, POLICY_TOKENS_OWN) || !auth_signed_in(who)) return false;
    return !t || same(t->owner_user_id, who->user_id);
}

/* The outbox holds live password-reset links. */
bool policy_outbox_view(const struct auth_principal *who, const struct policy_target *t)
{
    (void)t;
    return scope_covers(who, POLICY_OUTBOX_VIEW) && signed_in_as(who, ADMINISTER);
}

bool policy_audit_view(const struct auth_principal *who, const struct policy_target *t)
{
    (void)t;
    return scope_covers(who, POLICY_AUDIT_VIEW) && signed_in_as(who, ADMINISTER);
}

bool policy_privacy_manage(const struct auth_principal *who, const struct policy_target *t)
{
    (void)t;
    return scope_covers(who, POLICY_PRIVACY_MANAGE) && signed_in_as(who, ADMINISTER);
}

bool policy_users_manage(const struct auth_principal *who, const struct policy_target *t)
{
    (void)t;
    return scope_covers(who, POLICY_USERS_MANAGE) && signed_in_as(who, ADMINISTER);
}

/* The register: the panel reads it (without contact details) to judge applications; partners see
 * aggregated reports only; an institution's contact reads only their own institution's record. */
bool policy_institutions_list(const struct auth_principal *who, const struct policy_target *t)
{
    (void)t;
    return scope_covers(who, POLICY_INSTITUTIONS_LIST) && signed_in_as(who, READ_PSEUDONYMISED);
}

/* NULL target: the gate, which an institution contact passes because the handler narrows to the
 * record and asks again with it. */
bool policy_institution_view(const struct auth_principal *who, const struct policy_target *t)
{
    if (!scope_covers(who, POLICY_INSTITUTION_VIEW)) return false;
    if (signed_in_as(who, READ_PSEUDONYMISED)) return true;
    return t ? own_institution(who, t) : signed_in_as(who, ROLE(AUTH_ROLE_INSTITUTION));
}

bool policy_institution_contacts(const struct auth_principal *who, const struct policy_target *t)
{
    return scope_covers(who, POLICY_INSTITUTION_CONTACTS) && (signed_in_as(who, RUN_PROGRAMMES) || own_institution(who, t));
}

bool policy_institutions_manage(const struct auth_principal *who, const struct policy_target *t)
{
    (void)t;
    return scope_covers(who, POLICY_INSTITUTIONS_MANAGE) && signed_in_as(who, RUN_PROGRAMMES);
}

/* The overview is counts and dates, no personal data: the panel and partners read it too. */
bool policy_programmes_view(const struct auth_principal *who, const struct policy_target *t)
{
    (void)t;
    return scope_covers(who, POLICY_PROGRAMMES_VIEW) && signed_in_as(who, READ_AGGREGATES);
}

bool policy_programmes_manage(const struct auth_principal *who, const struct policy_target *t)
{
    (void)t;
    return scope_covers(who, POLICY_PROGRAMMES_MANAGE) && signed_in_as(who, RUN_PROGRAMMES);
}

/* The ranking names every institution: the panel reads it as it reads the register (no contact
 * details). */
bool policy_need_view(const struct auth_principal *who, const struct policy_target *t)
{
    (void)t;
    return scope_covers(who, POLICY_NEED_VIEW) && signed_in_as(who, READ_PSEUDONYMISED);
}

/* One score explained: also to an institution's contact, for their own institution. */
bool policy_need_explain(const struct auth_principal *who, const struct policy_target *t)
{
    if (!scope_covers(who, POLICY_NEED_EXPLAIN)) return false;
    if (signed_in_as(who, READ_PSEUDONYMISED)) return true;
    return t ? own_institution(who, t) : signed_in_as(who, ROLE(AUTH_ROLE_INSTITUTION));
}

bool policy_need_manage(const struct auth_principal *who, const struct policy_target *t)
{
    (void)t;
    return scope_covers(who, POLICY_NEED_MANAGE) && signed_in_as(who, RUN_PROGRAMMES);
}

/* The panel reviews selections; only those who run programmes decide them. */
bool policy_selection_view(const struct auth_principal *who, const struct policy_target *t)
{
    (void)t;
    return scope_covers(who, POLICY_SELECTION_VIEW) && signed_in_as(who, READ_PSEUDONYMISED);
}

bool policy_selection_manage(const struct auth_principal *who, const struct policy_target *t)
{
    (void)t;
    return scope_covers(who, POLICY_SELECTION_MANAGE) && signed_in_as(who, RUN_PROGRAMMES);
}

/* The invitation link's unguessable token is the key, as a survey draft's is: no account needed. */
bool policy_invitation_respond(const struct auth_principal *who, const struct policy_target *t)
{
    (void)who;
    (void)t;
    return true;
}

/* Serial numbers and where each device is: those who run the pilot, and a contact for the devices
 * of their own institution. */
bool policy_devices_view(const struct auth_principal *who, const struct policy_target *t)
{
    if (!scope_covers(who, POLICY_DEVICES_VIEW)) return false;
    if (signed_in_as(who, RUN_PROGRAMMES)) return true;
    return t ? own_institution(who, t) : signed_in_as(who, ROLE(AUTH_ROLE_INSTITUTION));
}

bool policy_devices_manage(const struct auth_principal *who, const struct policy_target *t)
{
    (void)t;
    return scope_covers(who, POLICY_DEVICES_MANAGE) && signed_in_as(who, RUN_PROGRAMMES);
}

/* The institution's contact counts what arrived; a coordinator may record it for them (a call). */
bool policy_delivery_confirm(const struct auth_principal *who, const struct policy_target *t)
{
    if (!scope_covers(who, POLICY_DELIVERY_CONFIRM)) return false;
    if (signed_in_as(who, RUN_PROGRAMMES)) return true;
    return t ? own_institution(who, t) : signed_in_as(who, ROLE(AUTH_ROLE_INSTITUTION));
}

/* Courses, sessions and plans are the pilot's working material: those who run it, trainers and
 * institution contacts read them; partners get the reports. */
bool policy_training_view(const struct auth_principal *who, const struct policy_target *t)
{
    (void)t;
    return scope_covers(who, POLICY_TRAINING_VIEW) &&
           signed_in_as(who, RUN_PROGRAMMES | ROLE(AUTH_ROLE_TRAINER) | ROLE(AUTH_ROLE_INSTITUTION));
}

bool policy_training_manage(const struct auth_principal *who, const struct policy_target *t)
{
    (void)t;
    return scope_covers(who, POLICY_TRAINING_MANAGE) && signed_in_as(who, RUN_PROGRAMMES);
}

/* A trainer records their own sessions only; the gate (no target) lets trainers through and the
 * handler asks again with the session. */
bool policy_attendance_record(const struct auth_principal *who, const struct policy_target *t)
{
    if (!scope_covers(who, POLICY_ATTENDANCE_RECORD)) return false;
    if (signed_in_as(who, RUN_PROGRAMMES)) return true;
    return t ? own_training(who, t) : signed_in_as(who, ROLE(AUTH_ROLE_TRAINER));
}

/* Aggregates with small groups hidden, as the summaries. */
bool policy_feedback_view(const struct auth_principal *who, const struct policy_target *t)
{
    (void)t;
    return scope_covers(who, POLICY_FEEDBACK_VIEW) && signed_in_as(who, READ_AGGREGATES);
}

bool policy_feedback_tag(const struct auth_principal *who, const struct policy_target *t)
{
    (void)t;
    return scope_covers(who, POLICY_FEEDBACK_TAG) && signed_in_as(who, RUN_PROGRAMMES);
}

bool policy_report_institution(const struct auth_principal *who, const struct policy_target *t)
{
    if (!scope_covers(who, POLICY_REPORT_INSTITUTION)) return false;
    if (signed_in_as(who, READ_PSEUDONYMISED)) return true;
    return t ? own_institution(who, t) : signed_in_as(who, ROLE(AUTH_ROLE_INSTITUTION));
}

/* The partners' report: counts, effect sizes and themes, small groups hidden. */
bool policy_report_programme(const struct auth_principal *who, const struct policy_target *t)
{
    (void)t;
    return scope_covers(who, POLICY_REPORT_PROGRAMME) && signed_in_as(who, READ_AGGREGATES);
}

bool policy_dashboard_view(const struct auth_principal *who, const struct policy_target *t)
{
    (void)t;
    return scope_covers(who, POLICY_DASHBOARD_VIEW) && signed_in_as(who, RUN_PROGRAMMES);
}

/* --- the table --------------------------------------------------------------------------------- */

static const struct policy_action_info actions[POLICY_ACTION_COUNT] = {
    [POLICY_NONE] = {"NONE", "a route that names no action: refused to everyone", POLICY_CHANGES, POLICY_PAGE, NULL},
    [POLICY_PUBLIC] = {"PUBLIC", "home page, health check, stylesheet", POLICY_READS, POLICY_PAGE, policy_public},
    [POLICY_SIGN_IN] = {"SIGN_IN", "sign in; ask for and use a password-reset link", POLICY_CHANGES, POLICY_PAGE,
                        policy_sign_in},
    [POLICY_SIGN_OUT] = {"SIGN_OUT", "sign out", POLICY_CHANGES, POLICY_PAGE, policy_sign_out},
    [POLICY_SURVEY_ANSWER] = {"SURVEY_ANSWER", "answer a public survey (/s/...)", POLICY_SUBMITS, POLICY_RESPONDENT,
                              policy_survey_answer},
    [POLICY_FORMS_LIST] = {"FORMS_LIST", "list the forms and their answer counts", POLICY_READS, POLICY_PAGE,
                           policy_forms_list},
    [POLICY_FORM_VIEW] = {"FORM_VIEW", "a form's overview: version, counts, links", POLICY_READS, POLICY_PAGE,
                          policy_form_view},
    [POLICY_FORM_IMPORT] = {"FORM_IMPORT", "import a form (command line)", POLICY_CHANGES, POLICY_CLI,
                            policy_form_import},
    [POLICY_SUBMISSIONS_LIST] = {"SUBMISSIONS_LIST", "list a form's submissions", POLICY_READS, POLICY_PAGE,
                                 policy_submissions_list},
    [POLICY_SUBMISSION_VIEW] = {"SUBMISSION_VIEW", "read one submission, personal data included", POLICY_READS,
                                POLICY_PAGE, policy_submission_view},
    [POLICY_SUBMISSION_CORRECT] = {"SUBMISSION_CORRECT", "correct a submission (a new revision)", POLICY_CHANGES,
                                   POLICY_PAGE, policy_submission_correct},
    [POLICY_SUMMARY_VIEW] = {"SUMMARY_VIEW", "a form's summary: counts, small groups hidden", POLICY_READS,
                             POLICY_PAGE, policy_summary_view},
    [POLICY_EXPORT_FULL] = {"EXPORT_FULL", "download every answer, personal data included", POLICY_READS,
                            POLICY_PAGE, policy_export_full},
    [POLICY_EXPORT_PSEUDONYMISED] = {"EXPORT_PSEUDONYMISED", "download answers without personal data",
                                     POLICY_READS, POLICY_PAGE, policy_export_pseudonymised},
    [POLICY_API_FORMS_READ] = {"API_FORMS_READ", "API: list forms, read a form's definition", POLICY_READS,
                               POLICY_API, policy_api_forms_read},
    [POLICY_API_SUBMIT] = {"API_SUBMIT", "API: send the answers to a public form", POLICY_SUBMITS, POLICY_API,
                           policy_api_submit},
    [POLICY_API_SUBMISSION_READ] = {"API_SUBMISSION_READ", "API: read one submission", POLICY_READS, POLICY_API,
                                    policy_api_submission_read},
    [POLICY_API_REVISE] = {"API_REVISE", "API: correct a submission", POLICY_SUBMITS, POLICY_API,
                           policy_api_revise},
    [POLICY_API_ME] = {"API_ME", "API: whom the token belongs to", POLICY_READS, POLICY_API, policy_api_me},
    [POLICY_TOKENS_OWN] = {"TOKENS_OWN", "make, list and revoke one's own API tokens", POLICY_CHANGES, POLICY_PAGE,
                           policy_tokens_own},
    [POLICY_OUTBOX_VIEW] = {"OUTBOX_VIEW", "read the outbox (holds live reset links)", POLICY_READS, POLICY_PAGE,
                            policy_outbox_view},
    [POLICY_AUDIT_VIEW] = {"AUDIT_VIEW", "read, filter and export the audit trail", POLICY_READS, POLICY_PAGE,
                           policy_audit_view},
    [POLICY_PRIVACY_MANAGE] = {"PRIVACY_MANAGE", "export or erase a person's data", POLICY_CHANGES, POLICY_PAGE,
                               policy_privacy_manage},
    [POLICY_USERS_MANAGE] = {"USERS_MANAGE", "add and disable accounts (command line)", POLICY_CHANGES, POLICY_CLI,
                             policy_users_manage},
    [POLICY_PROGRAMMES_VIEW] = {"PROGRAMMES_VIEW", "the programmes: phases, campaigns and their answer counts",
                                POLICY_READS, POLICY_PAGE, policy_programmes_view},
    [POLICY_PROGRAMMES_MANAGE] = {"PROGRAMMES_MANAGE", "create and edit programmes, phases and campaigns",
                                  POLICY_CHANGES, POLICY_PAGE, policy_programmes_manage},
    [POLICY_INSTITUTIONS_LIST] = {"INSTITUTIONS_LIST", "the institution register: list, duplicates, export",
                                  POLICY_READS, POLICY_PAGE, policy_institutions_list},
    [POLICY_INSTITUTION_VIEW] = {"INSTITUTION_VIEW", "one institution and its linked answer sets", POLICY_READS,
                                 POLICY_PAGE, policy_institution_view},
    [POLICY_INSTITUTION_CONTACTS] = {"INSTITUTION_CONTACTS", "an institution's contact person (personal data)",
                                     POLICY_READS, POLICY_PAGE, policy_institution_contacts},
    [POLICY_INSTITUTIONS_MANAGE] = {"INSTITUTIONS_MANAGE", "import institutions, merge duplicates, set status", POLICY_CHANGES,
                                    POLICY_PAGE, policy_institutions_manage},
    [POLICY_NEED_VIEW] = {"NEED_VIEW", "the need ranking with its sensitivity intervals, its downloads", POLICY_READS,
                          POLICY_PAGE, policy_need_view},
    [POLICY_NEED_EXPLAIN] = {"NEED_EXPLAIN", "one institution's need score explained", POLICY_READS, POLICY_PAGE,
                             policy_need_explain},
    [POLICY_NEED_MANAGE] = {"NEED_MANAGE", "set the need index's indicators, weights and method", POLICY_CHANGES,
                            POLICY_PAGE, policy_need_manage},
    [POLICY_SELECTION_VIEW] = {"SELECTION_VIEW", "selection runs: reasons, reserve list, invitations", POLICY_READS,
                               POLICY_PAGE, policy_selection_view},
    [POLICY_SELECTION_MANAGE] = {"SELECTION_MANAGE", "run and confirm a selection, invite, record replies",
                                 POLICY_CHANGES, POLICY_PAGE, policy_selection_manage},
    [POLICY_INVITATION_RESPOND] = {"INVITATION_RESPOND", "accept or decline an invitation (/invitation/...)",
                                   POLICY_SUBMITS, POLICY_RESPONDENT, policy_invitation_respond},
    [POLICY_DEVICES_VIEW] = {"DEVICES_VIEW", "the device inventory and each device's history", POLICY_READS,
                             POLICY_PAGE, policy_devices_view},
    [POLICY_DEVICES_MANAGE] = {"DEVICES_MANAGE", "add, import, allocate and move devices; print labels",
                               POLICY_CHANGES, POLICY_PAGE, policy_devices_manage},
    [POLICY_DELIVERY_CONFIRM] = {"DELIVERY_CONFIRM", "confirm a delivery, counting what arrived", POLICY_CHANGES,
                                 POLICY_PAGE, policy_delivery_confirm},
    [POLICY_TRAINING_VIEW] = {"TRAINING_VIEW", "courses, sessions, the cascade, curriculum plans", POLICY_READS,
                              POLICY_PAGE, policy_training_view},
    [POLICY_TRAINING_MANAGE] = {"TRAINING_MANAGE", "edit the catalogue, sessions and curriculum plans",
                                POLICY_CHANGES, POLICY_PAGE, policy_training_manage},
    [POLICY_ATTENDANCE_RECORD] = {"ATTENDANCE_RECORD", "record enrolment, attendance and completion",
                                  POLICY_CHANGES, POLICY_PAGE, policy_attendance_record},
    [POLICY_FEEDBACK_VIEW] = {"FEEDBACK_VIEW", "baseline against endline, feedback themes; small groups hidden",
                              POLICY_READS, POLICY_PAGE, policy_feedback_view},
    [POLICY_FEEDBACK_TAG] = {"FEEDBACK_TAG", "assign theme tags to free-text feedback", POLICY_CHANGES,
                             POLICY_PAGE, policy_feedback_tag},
    [POLICY_REPORT_INSTITUTION] = {"REPORT_INSTITUTION", "an institution's report", POLICY_READS, POLICY_PAGE,
                                   policy_report_institution},
    [POLICY_REPORT_PROGRAMME] = {"REPORT_PROGRAMME", "the programme report: aggregates only", POLICY_READS,
                                 POLICY_PAGE, policy_report_programme},
    [POLICY_DASHBOARD_VIEW] = {"DASHBOARD_VIEW", "the coordinator dashboard: timeline, what is late",
                               POLICY_READS, POLICY_PAGE, policy_dashboard_view},
};

const struct policy_action_info *policy_action_info(enum policy_action a)
{
    return (unsigned)a < POLICY_ACTION_COUNT ? &actions[a] : NULL;
}

enum policy_action policy_action_parse(const char *name)
{
    for (int a = 1; name && a < POLICY_ACTION_COUNT; a++)
        if (strcmp(actions[a].name, name) == 0) return (enum policy_action)a;
    return POLICY_NONE;
}

bool policy_allows(const struct auth_principal *who, enum policy_action a, const struct policy_target *t)
{
    if ((unsigned)a >= POLICY_ACTION_COUNT || !actions[a].allows) return false;
    return actions[a].allows(who ? who : &auth_anonymous, t);
}

bool policy_may_grant_scope(const struct auth_principal *who, enum auth_scope s)
{
    if (!policy_tokens_own(who, NULL) || who->via != AUTH_VIA_SESSION) return false;
    switch (s) {
    case AUTH_SCOPE_READ:
    case AUTH_SCOPE_SUBMIT: return true;
    case AUTH_SCOPE_ADMIN: return signed_in_as(who, ADMINISTER);
    case AUTH_SCOPE_FULL: return false;
    }
    return false;
}

bool policy_scope_limits(const struct auth_principal *who, enum policy_action a, const struct policy_target *t)
{
    if (!who || who->via != AUTH_VIA_TOKEN || policy_allows(who, a, t)) return false;
    struct auth_principal unlimited = *who;
    unlimited.scope = AUTH_SCOPE_ADMIN;
    return policy_allows(&unlimited, a, t);
}

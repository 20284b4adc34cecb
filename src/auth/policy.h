/* policy: who may do what. The one place where roles and token scopes turn into permissions.
 *
 * Every route of the web face names one action (web/route_policy.c), and web_handle asks
 * policy_allows(principal, action, NULL) before the handler runs: the gate. A handler whose answer
 * depends on the record it reads (a submission of an institution, a session of a trainer, a token
 * of an account) asks the action's own function again with the record as the target, after
 * reading it and before showing or changing anything. Handlers never look at roles themselves.
 *
 * Each action has one function below, which is the whole rule: the role, the target where it
 * matters, and the API token's scope. Anything not said is refused (an unknown action, a missing
 * role, a target that is not the reader's own).
 *
 * A NULL target means "before any record is read". Roles whose rights reach only their own records
 * (institution contacts, trainers) pass that gate only for actions whose handlers narrow to those
 * records; no handler does yet (institutions and training sessions come later), so today they pass
 * it for no data action, and the rule for their own records is there for the handlers to come.
 *
 * API token scopes limit below the user's role: `read` allows the actions that only read,
 * `submit` those and sending answers, `admin` everything the user may do. A session (the browser)
 * is not limited by a scope. */
#ifndef EDUBRIDGE_POLICY_H
#define EDUBRIDGE_POLICY_H

#include <stdbool.h>

#include "auth/principal.h"

enum policy_action {
    POLICY_NONE = 0,             /* a route that names no action: refused to everyone */
    POLICY_PUBLIC,               /* home, health check, stylesheet */
    POLICY_SIGN_IN,              /* sign-in and password reset pages */
    POLICY_SIGN_OUT,
    POLICY_SURVEY_ANSWER,        /* a public survey's pages, /s/...: no account */
    POLICY_FORMS_LIST,
    POLICY_FORM_VIEW,
    POLICY_FORM_IMPORT,          /* command line only, today */
    POLICY_SUBMISSIONS_LIST,
    POLICY_SUBMISSION_VIEW,      /* target: the submission */
    POLICY_SUBMISSION_CORRECT,   /* target: the submission */
    POLICY_SUMMARY_VIEW,
    POLICY_EXPORT_FULL,          /* every answer, personal data included */
    POLICY_EXPORT_PSEUDONYMISED, /* personal fields dropped, ids replaced by pseudonyms */
    POLICY_API_FORMS_READ,
    POLICY_API_SUBMIT,           /* anonymous too: public forms take answers from anyone */
    POLICY_API_SUBMISSION_READ,  /* target: the submission */
    POLICY_API_REVISE,           /* target: the submission */
    POLICY_API_ME,
    POLICY_TOKENS_OWN,           /* one's own API tokens; target: the token (its owner) */
    POLICY_OUTBOX_VIEW,
    POLICY_AUDIT_VIEW,
    POLICY_PRIVACY_MANAGE,
    POLICY_USERS_MANAGE,         /* command line only, today */
    POLICY_PROGRAMMES_VIEW,      /* the programmes, their phases and campaigns: read */
    POLICY_PROGRAMMES_MANAGE,    /* create and edit programmes, phases and campaigns */
    POLICY_INSTITUTIONS_LIST,    /* the register: list, duplicates, exports (contacts only with INSTITUTION_CONTACTS) */
    POLICY_INSTITUTION_VIEW,     /* target: the institution */
    POLICY_INSTITUTION_CONTACTS, /* its contact person (personal data); target: the institution; no route */
    POLICY_INSTITUTIONS_MANAGE,  /* build, import, merge, status, field mapping */
    POLICY_NEED_VIEW,            /* the need index: the ranking of every institution, its downloads */
    POLICY_NEED_EXPLAIN,         /* one institution's need score explained; target: the institution */
    POLICY_NEED_MANAGE,          /* the need index's indicators, weights and method */
    POLICY_SELECTION_VIEW,       /* selection runs, reasons, reserve lists, invitations' state */
    POLICY_SELECTION_MANAGE,     /* run and confirm a selection, send invitations, record replies */
    POLICY_INVITATION_RESPOND,   /* accept or decline an invitation: the link's token is the key */
    POLICY_DEVICES_VIEW,         /* the device inventory and its history; target: the institution */
    POLICY_DEVICES_MANAGE,       /* add, import, allocate, move devices; print labels */
    POLICY_DELIVERY_CONFIRM,     /* count what arrived; target: the institution */
    POLICY_TRAINING_VIEW,        /* the course catalogue, sessions, the cascade, curriculum plans */
    POLICY_TRAINING_MANAGE,      /* catalogue, sessions, curriculum plans */
    POLICY_ATTENDANCE_RECORD,    /* enrolment, attendance, completion; target: the session (trainer) */
    POLICY_FEEDBACK_VIEW,        /* paired analysis and feedback themes, small groups hidden */
    POLICY_FEEDBACK_TAG,         /* assign theme tags to free-text feedback */
    POLICY_REPORT_INSTITUTION,   /* an institution's report; target: the institution */
    POLICY_REPORT_PROGRAMME,     /* the programme report: aggregates only */
    POLICY_DASHBOARD_VIEW,       /* the coordinator dashboard: timeline, what is late */
    POLICY_ACTION_COUNT
};

/* What an action does, which is what an API token's scope must cover. */
enum policy_kind {
    POLICY_READS,   /* scope read and up */
    POLICY_SUBMITS, /* scope submit and up */
    POLICY_CHANGES, /* scope admin */
};

/* Where an action is reached, which decides how a refusal looks and what guards its POSTs. */
enum policy_surface {
    POLICY_PAGE,       /* pages of a browser session: POSTs carry the CSRF value; refusal: sign-in or 403 page */
    POLICY_RESPONDENT, /* the survey flow: no account, the draft's unguessable token in the address */
    POLICY_API,        /* JSON API: bearer tokens, no cookies, so no CSRF; refusal: 401 or 403 JSON */
    POLICY_CLI,        /* the command line; no route */
};

/* What a rule may need to know about the record acted on. NULL fields are unknown: a rule that
 * needs one refuses. */
struct policy_target {
    const char *form_id;          /* the form the record belongs to */
    const char *institution_id;   /* the institution the record belongs to (institution contacts) */
    const char *trainer_user_id;  /* the trainer of the training session it belongs to (trainers) */
    const char *owner_user_id;    /* the account that owns it (an API token) */
};

typedef bool (*policy_fn)(const struct auth_principal *who, const struct policy_target *t);

struct policy_action_info {
    const char *name;            /* "FORMS_LIST": for the route table, docs and tests */
    const char *summary;         /* in English, for the docs */
    enum policy_kind kind;
    enum policy_surface surface;
    policy_fn allows;
};

/* The table of actions, indexed by enum policy_action; NULL for an unknown value. */
const struct policy_action_info *policy_action_info(enum policy_action a);
/* POLICY_NONE when name is not an action's. */
enum policy_action policy_action_parse(const char *name);

/* The one question: may who do a (to t; NULL: before any record is read)? who NULL: anonymous. */
bool policy_allows(const struct auth_principal *who, enum policy_action a, const struct policy_target *t);
/* True when a is refused only because of who's API token scope: the role would allow it. */
bool policy_scope_limits(const struct auth_principal *who, enum policy_action a, const struct policy_target *t);

/* Whether who may make an API token of scope s: a token never does more than its account, and an
 * `admin` token may do everything the account may, so only administrators make those. */
bool policy_may_grant_scope(const struct auth_principal *who, enum auth_scope s);

/* One function per action: the whole rule. */
bool policy_public(const struct auth_principal *who, const struct policy_target *t);
bool policy_sign_in(const struct auth_principal *who, const struct policy_target *t);
bool policy_sign_out(const struct auth_principal *who, const struct policy_target *t);
bool policy_survey_answer(const struct auth_principal *who, const struct policy_target *t);
bool policy_forms_list(const struct auth_principal *who, const struct policy_target *t);
bool policy_form_view(const struct auth_principal *who, const struct policy_target *t);
bool policy_form_import(const struct auth_principal *who, const struct policy_target *t);
bool policy_submissions_list(const struct auth_principal *who, const struct policy_target *t);
bool policy_submission_view(const struct auth_principal *who, const struct policy_target *t);
bool policy_submission_correct(const struct auth_principal *who, const struct policy_target *t);
bool policy_summary_view(const struct auth_principal *who, const struct policy_target *t);
bool policy_export_full(const struct auth_principal *who, const struct policy_target *t);
bool policy_export_pseudonymised(const struct auth_principal *who, const struct policy_target *t);
bool policy_api_forms_read(const struct auth_principal *who, const struct policy_target *t);
bool policy_api_submit(const struct auth_principal *who, const struct policy_target *t);
bool policy_api_submission_read(const struct auth_principal *who, const struct policy_target *t);
bool policy_api_revise(const struct auth_principal *who, const struct policy_target *t);
bool policy_api_me(const struct auth_principal *who, const struct policy_target *t);
bool policy_tokens_own(const struct auth_principal *who, const struct policy_target *t);
bool policy_outbox_view(const struct auth_principal *who, const struct policy_target *t);
bool policy_audit_view(const struct auth_principal *who, const struct policy_target *t);
bool policy_privacy_manage(const struct auth_principal *who, const struct policy_target *t);
bool policy_users_manage(const struct auth_principal *who, const struct policy_target *t);
bool policy_programmes_view(const struct auth_principal *who, const struct policy_target *t);
bool policy_programmes_manage(const struct auth_principal *who, const struct policy_target *t);
bool policy_institutions_list(const struct auth_principal *who, const struct policy_target *t);
bool policy_institution_view(const struct auth_principal *who, const struct policy_target *t);
bool policy_institution_contacts(const struct auth_principal *who, const struct policy_target *t);
bool policy_institutions_manage(const struct auth_principal *who, const struct policy_target *t);
bool policy_need_view(const struct auth_principal *who, const struct policy_target *t);
bool policy_need_explain(const struct auth_principal *who, const struct policy_target *t);
bool policy_need_manage(const struct auth_principal *who, const struct policy_target *t);
bool policy_selection_view(const struct auth_principal *who, const struct policy_target *t);
bool policy_selection_manage(const struct auth_principal *who, const struct policy_target *t);
bool policy_invitation_respond(const struct auth_principal *who, const struct policy_target *t);
bool policy_devices_view(const struct auth_principal *who, const struct policy_target *t);
bool policy_devices_manage(const struct auth_principal *who, const struct policy_target *t);
bool policy_delivery_confirm(const struct auth_principal *who, const struct policy_target *t);
bool policy_training_view(const struct auth_principal *who, const struct policy_target *t);
bool policy_training_manage(const struct auth_principal *who, const struct policy_target *t);
bool policy_attendance_record(const struct auth_principal *who, const struct policy_target *t);
bool policy_feedback_view(const struct auth_principal *who, const struct policy_target *t);
bool policy_feedback_tag(const struct auth_principal *who, const struct policy_target *t);
bool policy_report_institution(const struct auth_principal *who, const struct policy_target *t);
bool policy_report_programme(const struct auth_principal *who, const struct policy_target *t);
bool policy_dashboard_view(const struct auth_principal *who, const struct policy_target *t);

#endif

#include "web/route_policy.h"

#include "auth/policy.h"
#include "base/log.h"

#include <string.h>

struct route_action {
    unsigned method;
    const char *pattern;  /* as registered; with prefix, every route under it not named before */
    enum policy_action action;
    bool prefix;
};

/* Who may use what is decided in auth/policy.c; this only says which action each route is. */
static const struct route_action table[] = {
    {HTTP_GET, "/", POLICY_PUBLIC, false},
    {HTTP_GET, "/healthz", POLICY_PUBLIC, false},
    {HTTP_GET, "/static/{file...}", POLICY_PUBLIC, false},

    /* The respondent's survey flow: open to anyone; each draft's address holds its secret. */
    {HTTP_GET, "/s/{form_id}", POLICY_SURVEY_ANSWER, false},
    {HTTP_POST, "/s/{form_id}/start", POLICY_SURVEY_ANSWER, false},
    {HTTP_POST, "/s/{form_id}/resume", POLICY_SURVEY_ANSWER, false},
    {HTTP_GET, "/s/{form_id}/r/{token}", POLICY_SURVEY_ANSWER, false},
    {HTTP_GET, "/s/{form_id}/r/{token}/p/{page}", POLICY_SURVEY_ANSWER, false},
    {HTTP_POST, "/s/{form_id}/r/{token}/p/{page}", POLICY_SURVEY_ANSWER, false},
    {HTTP_GET, "/s/{form_id}/r/{token}/saved", POLICY_SURVEY_ANSWER, false},
    {HTTP_GET, "/s/{form_id}/r/{token}/review", POLICY_SURVEY_ANSWER, false},
    {HTTP_POST, "/s/{form_id}/r/{token}/submit", POLICY_SURVEY_ANSWER, false},
    {HTTP_GET, "/s/{form_id}/r/{token}/done", POLICY_SURVEY_ANSWER, false},

    {HTTP_GET, "/api/v1/forms", POLICY_API_FORMS_READ, false},
    {HTTP_GET, "/api/v1/forms/{form_id}", POLICY_API_FORMS_READ, false},
    {HTTP_POST, "/api/v1/forms/{form_id}/submissions", POLICY_API_SUBMIT, false},
    {HTTP_GET, "/api/v1/forms/{form_id}/submissions/{id}", POLICY_API_SUBMISSION_READ, false},
    {HTTP_POST, "/api/v1/forms/{form_id}/submissions/{id}/revisions", POLICY_API_REVISE, false},
    {HTTP_GET, "/api/v1/me", POLICY_API_ME, false},

    {HTTP_GET, "/forms", POLICY_FORMS_LIST, false},
    {HTTP_GET, "/forms/{form_id}", POLICY_FORM_VIEW, false},
    {HTTP_GET, "/forms/{form_id}/summary", POLICY_SUMMARY_VIEW, false},
    /* Pseudonymised unless the reader may also EXPORT_FULL (web/export_pages.c). */
    {HTTP_GET, "/forms/{form_id}/export.csv", POLICY_EXPORT_PSEUDONYMISED, false},
    {HTTP_GET, "/forms/{form_id}/export.xlsx", POLICY_EXPORT_PSEUDONYMISED, false},
    {HTTP_GET, "/forms/{form_id}/export.json", POLICY_EXPORT_PSEUDONYMISED, false},
    {HTTP_GET, "/forms/{form_id}/submissions", POLICY_SUBMISSIONS_LIST, false},
    {HTTP_GET, "/forms/{form_id}/submissions/{id}", POLICY_SUBMISSION_VIEW, false},
    {HTTP_POST, "/forms/{form_id}/submissions/{id}/correct", POLICY_SUBMISSION_CORRECT, false},

    {HTTP_GET, "/signin", POLICY_SIGN_IN, false},
    {HTTP_POST, "/signin", POLICY_SIGN_IN, false},
    {HTTP_POST, "/signout", POLICY_SIGN_OUT, false},
    {HTTP_GET, "/reset", POLICY_SIGN_IN, false},
    {HTTP_POST, "/reset", POLICY_SIGN_IN, false},
    {HTTP_GET, "/reset/{token}", POLICY_SIGN_IN, false},
    {HTTP_POST, "/reset/{token}", POLICY_SIGN_IN, false},
    {HTTP_GET, "/account/tokens", POLICY_TOKENS_OWN, false},
    {HTTP_POST, "/account/tokens", POLICY_TOKENS_OWN, false},
    {HTTP_POST, "/account/tokens/{id}/revoke", POLICY_TOKENS_OWN, false},

    /* The register (web/institution_pages.c); contact details only with INSTITUTION_CONTACTS. */
    {HTTP_GET, "/institutions", POLICY_INSTITUTIONS_LIST, false},
    {HTTP_GET, "/institutions.csv", POLICY_INSTITUTIONS_LIST, false},
    {HTTP_GET, "/institutions.xlsx", POLICY_INSTITUTIONS_LIST, false},
    {HTTP_GET, "/institutions/duplicates", POLICY_INSTITUTIONS_LIST, false},
    {HTTP_POST, "/institutions/merge", POLICY_INSTITUTIONS_MANAGE, false},
    {HTTP_GET, "/institutions/import", POLICY_INSTITUTIONS_MANAGE, false},
    {HTTP_POST, "/institutions/import", POLICY_INSTITUTIONS_MANAGE, false},
    {HTTP_GET, "/institutions/{id}", POLICY_INSTITUTION_VIEW, false},
    /* web/register_pages.c: a record's status, a campaign's form's field mapping and the rebuild. */
    {HTTP_POST, "/institutions/{id}/status", POLICY_INSTITUTIONS_MANAGE, false},
    {HTTP_GET, "/programmes/{slug}/campaigns/{campaign}/mapping", POLICY_INSTITUTIONS_MANAGE, false},
    {HTTP_POST, "/programmes/{slug}/campaigns/{campaign}/mapping", POLICY_INSTITUTIONS_MANAGE, false},
    {HTTP_POST, "/programmes/{slug}/campaigns/{campaign}/mapping/rebuild", POLICY_INSTITUTIONS_MANAGE, false},

    {HTTP_GET, "/programmes", POLICY_PROGRAMMES_VIEW, false},
    {HTTP_GET, "/programmes/new", POLICY_PROGRAMMES_MANAGE, false},
    {HTTP_POST, "/programmes/new", POLICY_PROGRAMMES_MANAGE, false},
    {HTTP_GET, "/programmes/{slug}", POLICY_PROGRAMMES_VIEW, false},
    {HTTP_GET, "/programmes/{slug}/edit", POLICY_PROGRAMMES_MANAGE, false},
    {HTTP_POST, "/programmes/{slug}/edit", POLICY_PROGRAMMES_MANAGE, false},
    {HTTP_GET, "/programmes/{slug}/phases", POLICY_PROGRAMMES_MANAGE, false},
    {HTTP_POST, "/programmes/{slug}/phases", POLICY_PROGRAMMES_MANAGE, false},
    {HTTP_GET, "/programmes/{slug}/campaigns/new", POLICY_PROGRAMMES_MANAGE, false},
    {HTTP_POST, "/programmes/{slug}/campaigns/new", POLICY_PROGRAMMES_MANAGE, false},
    {HTTP_GET, "/programmes/{slug}/campaigns/{campaign}/edit", POLICY_PROGRAMMES_MANAGE, false},
    {HTTP_POST, "/programmes/{slug}/campaigns/{campaign}/edit", POLICY_PROGRAMMES_MANAGE, false},
    /* The need index (web/need_pages.c): an institution's contact gets only their own explanation. */
    {HTTP_GET, "/programmes/{slug}/need", POLICY_NEED_VIEW, false},
    {HTTP_GET, "/programmes/{slug}/need.csv", POLICY_NEED_VIEW, false},
    {HTTP_GET, "/programmes/{slug}/need.xlsx", POLICY_NEED_VIEW, false},
    {HTTP_GET, "/programmes/{slug}/need/model", POLICY_NEED_MANAGE, false},
    {HTTP_POST, "/programmes/{slug}/need/model", POLICY_NEED_MANAGE, false},
    {HTTP_GET, "/programmes/{slug}/need/{id}", POLICY_NEED_EXPLAIN, false},
    /* Selection runs and invitations (web/selection_pages.c); the invitation's token is its key. */
    {HTTP_GET, "/programmes/{slug}/selections", POLICY_SELECTION_VIEW, false},
    {HTTP_GET, "/programmes/{slug}/selections/new", POLICY_SELECTION_MANAGE, false},
    {HTTP_POST, "/programmes/{slug}/selections/new", POLICY_SELECTION_MANAGE, false},
    {HTTP_GET, "/programmes/{slug}/selections/{run}", POLICY_SELECTION_VIEW, false},
    {HTTP_POST, "/programmes/{slug}/selections/{run}/confirm", POLICY_SELECTION_MANAGE, false},
    {HTTP_POST, "/programmes/{slug}/selections/{run}/discard", POLICY_SELECTION_MANAGE, false},
    {HTTP_POST, "/programmes/{slug}/selections/{run}/invite", POLICY_SELECTION_MANAGE, false},
    {HTTP_POST, "/programmes/{slug}/selections/{run}/relink", POLICY_SELECTION_MANAGE, false},
    {HTTP_GET, "/programmes/{slug}/selections/{run}/export.csv", POLICY_SELECTION_VIEW, false},
    {HTTP_GET, "/programmes/{slug}/selections/{run}/export.xlsx", POLICY_SELECTION_VIEW, false},
    {HTTP_GET, "/invitation/{token}", POLICY_INVITATION_RESPOND, false},
    {HTTP_POST, "/invitation/{token}", POLICY_INVITATION_RESPOND, false},

    /* The device inventory (web/device_pages.c): an institution's contact sees and confirms only
     * their own institution's devices, which the handlers check with the record. */
    {HTTP_GET, "/devices", POLICY_DEVICES_VIEW, false},
    {HTTP_GET, "/devices.csv", POLICY_DEVICES_VIEW, false},
    {HTTP_GET, "/devices.xlsx", POLICY_DEVICES_VIEW, false},
    {HTTP_GET, "/devices/import", POLICY_DEVICES_MANAGE, false},
    {HTTP_POST, "/devices/import", POLICY_DEVICES_MANAGE, false},
    {HTTP_POST, "/devices/allocate", POLICY_DEVICES_MANAGE, false},
    {HTTP_GET, "/devices/labels", POLICY_DEVICES_MANAGE, false},
    {HTTP_GET, "/devices/{id}", POLICY_DEVICES_VIEW, false},
    {HTTP_POST, "/devices/{id}/move", POLICY_DEVICES_MANAGE, false},
    {HTTP_GET, "/institutions/{id}/delivery", POLICY_DELIVERY_CONFIRM, false},
    {HTTP_POST, "/institutions/{id}/delivery", POLICY_DELIVERY_CONFIRM, false},

    /* Structured feedback (web/feedback_pages.c): aggregates past the anonymity threshold, themes
     * given by coordinators; respondent codes are issued and printed by those who run programmes. */
    {HTTP_GET, "/programmes/{slug}/feedback", POLICY_FEEDBACK_VIEW, false},
    {HTTP_GET, "/programmes/{slug}/feedback.csv", POLICY_FEEDBACK_VIEW, false},
    {HTTP_GET, "/programmes/{slug}/feedback.xlsx", POLICY_FEEDBACK_VIEW, false},
    {HTTP_GET, "/programmes/{slug}/feedback.json", POLICY_FEEDBACK_VIEW, false},
    {HTTP_GET, "/programmes/{slug}/feedback/sessions", POLICY_FEEDBACK_VIEW, false},
    {HTTP_GET, "/programmes/{slug}/feedback/comments", POLICY_FEEDBACK_VIEW, false},
    {HTTP_POST, "/programmes/{slug}/feedback/comments/tag", POLICY_FEEDBACK_TAG, false},
    {HTTP_POST, "/programmes/{slug}/feedback/tags", POLICY_FEEDBACK_TAG, false},
    {HTTP_GET, "/programmes/{slug}/codes", POLICY_PROGRAMMES_MANAGE, false},
    {HTTP_POST, "/programmes/{slug}/codes", POLICY_PROGRAMMES_MANAGE, false},
    {HTTP_GET, "/programmes/{slug}/codes/print", POLICY_PROGRAMMES_MANAGE, false},

    /* Training (web/training_pages.c, web/curriculum_pages.c): a trainer passes ATTENDANCE_RECORD's
     * gate for any session; the handlers ask again with the session's trainer. Attendance
     * downloads are pseudonymised unless the reader may also EXPORT_FULL. */
    {HTTP_GET, "/training", POLICY_TRAINING_VIEW, false},
    {HTTP_GET, "/training.csv", POLICY_TRAINING_VIEW, false},
    {HTTP_GET, "/training.xlsx", POLICY_TRAINING_VIEW, false},
    {HTTP_GET, "/training/courses/new", POLICY_TRAINING_MANAGE, false},
    {HTTP_POST, "/training/courses/new", POLICY_TRAINING_MANAGE, false},
    {HTTP_GET, "/training/courses/{id}/file", POLICY_TRAINING_VIEW, false},
    {HTTP_POST, "/training/courses/{id}/file", POLICY_TRAINING_MANAGE, false},
    {HTTP_GET, "/training/import", POLICY_TRAINING_MANAGE, false},
    {HTTP_POST, "/training/import", POLICY_TRAINING_MANAGE, false},
    {HTTP_GET, "/training/sessions", POLICY_TRAINING_VIEW, false},
    {HTTP_GET, "/training/sessions.csv", POLICY_EXPORT_PSEUDONYMISED, false},
    {HTTP_GET, "/training/sessions.xlsx", POLICY_EXPORT_PSEUDONYMISED, false},
    {HTTP_GET, "/training/sessions/new", POLICY_TRAINING_MANAGE, false},
    {HTTP_POST, "/training/sessions/new", POLICY_TRAINING_MANAGE, false},
    {HTTP_GET, "/training/sessions/{id}", POLICY_TRAINING_VIEW, false},
    {HTTP_POST, "/training/sessions/{id}/enrol", POLICY_ATTENDANCE_RECORD, false},
    {HTTP_POST, "/training/sessions/{id}/attendance", POLICY_ATTENDANCE_RECORD, false},
    {HTTP_GET, "/training/cascade", POLICY_TRAINING_VIEW, false},
    {HTTP_GET, "/training/certificates/{id}", POLICY_ATTENDANCE_RECORD, false},
    /* A printed certificate checked by its code, which is the key: anyone holding it. */
    {HTTP_GET, "/certificates", POLICY_PUBLIC, false},
    {HTTP_GET, "/institutions/{id}/curriculum", POLICY_TRAINING_VIEW, false},
    {HTTP_POST, "/institutions/{id}/curriculum", POLICY_TRAINING_MANAGE, false},

    /* Reports and the dashboard (web/report_pages.c): an institution's contact reads only their
     * own institution's report, which the handler asks again with the record; the programme's
     * zip is pseudonymised unless the reader may also EXPORT_FULL. */
    {HTTP_GET, "/programmes/{slug}/report", POLICY_REPORT_PROGRAMME, false},
    {HTTP_GET, "/programmes/{slug}/report.csv", POLICY_REPORT_PROGRAMME, false},
    {HTTP_GET, "/programmes/{slug}/report.xlsx", POLICY_REPORT_PROGRAMME, false},
    {HTTP_GET, "/programmes/{slug}/report.json", POLICY_REPORT_PROGRAMME, false},
    {HTTP_GET, "/programmes/{slug}/dashboard", POLICY_DASHBOARD_VIEW, false},
    {HTTP_GET, "/programmes/{slug}/export.zip", POLICY_EXPORT_PSEUDONYMISED, false},
    {HTTP_GET, "/institutions/{id}/report", POLICY_REPORT_INSTITUTION, false},
    {HTTP_GET, "/institutions/{id}/report.csv", POLICY_REPORT_INSTITUTION, false},
    {HTTP_GET, "/institutions/{id}/report.xlsx", POLICY_REPORT_INSTITUTION, false},
    {HTTP_GET, "/institutions/{id}/report.json", POLICY_REPORT_INSTITUTION, false},

    {HTTP_GET, "/admin/outbox", POLICY_OUTBOX_VIEW, false},
    /* Everything of the audit trail and of the privacy tools, whatever its address below these:
     * administrators only (the policy says so for both actions). */
    {HTTP_GET | HTTP_POST, "/admin/audit", POLICY_AUDIT_VIEW, true},
    {HTTP_GET | HTTP_POST, "/admin/privacy", POLICY_PRIVACY_MANAGE, true},
};

/* pattern is prefix itself, or continues it with a '/' (a page below) or a '.' (a download:
 * "/admin/audit.csv"). */
static bool under(const char *pattern, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(pattern, prefix, n) == 0 && (pattern[n] == '\0' || pattern[n] == '/' || pattern[n] == '.');
}

static const char *method_name(unsigned m)
{
    if (m & HTTP_GET) return "GET";
    if (m & HTTP_POST) return "POST";
    if (m & HTTP_PUT) return "PUT";
    if (m & HTTP_DELETE) return "DELETE";
    if (m & HTTP_PATCH) return "PATCH";
    return "OPTIONS";
}

size_t route_policy_apply(struct router *r)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (table[i].prefix) continue;
        if (!router_set_tag(r, table[i].method, table[i].pattern, (int)table[i].action))
            log_warn("route policy: no route %s %s (the table names one that is gone)",
                     method_name(table[i].method), table[i].pattern);
    }
    size_t untagged = 0;
    for (size_t i = 0; i < router_count(r); i++) {
        struct router_route_info rt = router_route(r, i);
        for (size_t k = 0; !rt.tag && k < sizeof table / sizeof table[0]; k++) {
            if (table[k].prefix && (rt.methods & table[k].method) && under(rt.pattern, table[k].pattern)) {
                rt.tag = (int)table[k].action;
                router_set_tag(r, rt.methods, rt.pattern, rt.tag);
            }
        }
        const struct policy_action_info *info = policy_action_info((enum policy_action)rt.tag);
        bool api_path = strncmp(rt.pattern, "/api/", 5) == 0;
        if (rt.tag && info && (info->surface == POLICY_CLI || (info->surface == POLICY_API) != api_path)) {
            /* The principal comes from a bearer token under /api/ and from the session cookie
             * elsewhere (web/access.c): an action of the other kind would be judged wrongly. */
            log_error("route policy: %s %s is under the wrong address for %s: refused to everyone",
                      method_name(rt.methods), rt.pattern, info->name);
            router_set_tag(r, rt.methods, rt.pattern, POLICY_NONE);
            rt.tag = POLICY_NONE;
        }
        if (!rt.tag) {
            log_error("route policy: %s %s names no policy action: refused to everyone", method_name(rt.methods),
                      rt.pattern);
            untagged++;
        }
    }
    return untagged;
}

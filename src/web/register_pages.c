#include "web/register_pages.h"

#include "auth/policy.h"
#include "auth/users.h"
#include "base/log.h"
#include "base/str.h"
#include "html/html.h"
#include "program/campaign.h"
#include "program/programme.h"
#include "program/register_mapping.h"
#include "web/access.h"
#include "web/audit_pages.h"
#include "web/layout.h"
#include "web/pages.h"
#include "web/survey.h"
#include "web/web.h"

#include <string.h>

/* The statuses a record may have (program/institutions.c checks them) and their labels. */
static const char *const statuses[] = {"registered", "shortlisted", "selected", "invited", "accepted", "declined"};
static const char *const status_labels[] = {N_("Registered"), N_("Shortlisted"), N_("Selected"),
                                            N_("Invited"),    N_("Accepted"),    N_("Declined")};
enum { STATUS_COUNT = sizeof statuses / sizeof statuses[0] };

/* The register's fields, in enum inst_field order, as the institution's page labels them. */
static const char *const field_labels[INST_FIELD_COUNT] = {
    N_("Name"),         N_("Kind"),          N_("Formal education"), N_("Country"),       N_("Region"),
    N_("Area"),         N_("Latitude"),      N_("Longitude"),        N_("Learners"),      N_("Teachers"),
    N_("Devices"),      N_("Connectivity"),  N_("Contact person"),   N_("Contact email"), N_("Contact phone"),
    N_("Status"),
};

static const char *nonempty(const char *s)
{
    return s && *s ? s : NULL;
}

static bool may(struct http_request *req, enum policy_action a, const char *institution_id)
{
    struct policy_target t = {.institution_id = institution_id};
    return policy_allows(web_state(req)->who, a, institution_id ? &t : NULL);
}

static const char *institution_url(struct http_request *req, const char *id, const char *rest)
{
    return arena_printf(req->arena, "/institutions/%s%s", id, rest);
}

/* --- an institution's status ------------------------------------------------------------------- */

static bool known_status(const char *s)
{
    for (size_t i = 0; s && i < STATUS_COUNT; i++)
        if (strcmp(statuses[i], s) == 0) return true;
    return false;
}

/* The status form; problem (translated) beside the field it is about, what was typed kept. */
static void status_form(struct http_request *req, struct http_response *res, const struct institution *inst,
                        const char *status, const char *note, const char *status_problem, const char *note_problem)
{
    struct strbuf *b = &res->body;
    html_lit(b, "<form class=\"card\" method=\"post\" action=\"");
    html_url(b, institution_url(req, inst->id, "/status"));
    html_lit(b, "\" novalidate>");
    access_csrf_field(req, res);
    html_lit(b, "<div class=\"field");
    if (status_problem) html_lit(b, " invalid");
    html_lit(b, "\"><label for=\"s-status\">");
    html_text(b, T(req, "Status"));
    html_lit(b, "</label>");
    if (status_problem) {
        html_lit(b, "<p class=\"field-error\" id=\"s-status-error\"><span class=\"visually-hidden\">");
        html_text(b, T(req, "Error:"));
        html_lit(b, "</span> ");
        html_text(b, status_problem);
        html_lit(b, "</p>");
    }
    html_lit(b, "<select id=\"s-status\" name=\"status\"");
    if (status_problem) html_lit(b, " aria-describedby=\"s-status-error\" aria-invalid=\"true\"");
    html_lit(b, ">");
    for (size_t i = 0; i < STATUS_COUNT; i++) {
        html_lit(b, "<option value=\"");
        html_attr(b, statuses[i]);
        html_lit(b, "\"");
        if (status && strcmp(status, statuses[i]) == 0) html_lit(b, " selected");
        html_lit(b, ">");
        html_text(b, T(req, status_labels[i]));
        html_lit(b, "</option>");
    }
    html_lit(b, "</select></div><div class=\"field");
    if (note_problem) html_lit(b, " invalid");
    html_lit(b, "\"><label for=\"s-note\">");
    html_text(b, T(req, "Note (optional)"));
    html_lit(b, "</label><p class=\"hint\" id=\"s-note-hint\">");
    html_text(b, T(req, "Why the status changes. The note is kept in the audit trail, which cannot be edited or erased: write no personal data in it."));
    html_lit(b, "</p>");
    if (note_problem) {
        html_lit(b, "<p class=\"field-error\" id=\"s-note-error\"><span class=\"visually-hidden\">");
        html_text(b, T(req, "Error:"));
        html_lit(b, "</span> ");
        html_text(b, note_problem);
        html_lit(b, "</p>");
    }
    html_lit(b, "<textarea id=\"s-note\" name=\"note\" rows=\"3\" aria-describedby=\"s-note-hint");
    if (note_problem) html_lit(b, " s-note-error\" aria-invalid=\"true");
    html_lit(b, "\">");
    html_text(b, note ? note : "");
    html_lit(b, "</textarea></div><p><button type=\"submit\">");
    html_text(b, T(req, "Change the status"));
    html_lit(b, "</button></p></form>");
}

static void linked_accounts(struct http_request *req, struct strbuf *b, const struct institution *inst)
{
    struct user *users;
    size_t n;
    struct err e;
    err_clear(&e);
    html_lit(b, "<h2>");
    html_text(b, T(req, "Accounts of its contacts"));
    html_lit(b, "</h2>");
    if (user_list_for_institution(web_state(req)->store, req->arena, inst->id, &users, &n, &e) < 0) {
        log_error("accounts of institution %s: %s", inst->id, e.msg);
        html_lit(b, "<p class=\"error\">");
        html_text(b, T(req, "The accounts cannot be read from the database right now."));
        html_lit(b, "</p>");
        return;
    }
    if (!n) {
        html_lit(b, "<p>");
        html_text(b, T(req, "No account is linked to this institution."));
        if (may(req, POLICY_INSTITUTIONS_MANAGE, NULL)) {
            html_lit(b, " ");
            html_text(b, T(req, "An administrator links an institution contact's account with:"));
            html_lit(b, " <code>edubridge user link EMAIL ");
            html_text(b, inst->id);
            html_lit(b, "</code>");
        }
        html_lit(b, "</p>");
        return;
    }
    /* Names and addresses are personal data: the count only, for the others. */
    if (!may(req, POLICY_INSTITUTION_CONTACTS, inst->id)) {
        html_lit(b, "<p>");
        html_text(b, arena_printf(req->arena, T(req, "Linked accounts: %d."), (int)n));
        html_lit(b, "</p>");
        return;
    }
    html_lit(b, "<ul>");
    for (size_t i = 0; i < n; i++) {
        html_lit(b, "<li>");
        html_text(b, users[i].display_name);
        html_lit(b, " &lt;");
        html_text(b, users[i].email);
        html_lit(b, "&gt;");
        if (users[i].disabled_at) {
            html_lit(b, " <span class=\"tag\">");
            html_text(b, T(req, "disabled"));
            html_lit(b, "</span>");
        }
        html_lit(b, "</li>");
    }
    html_lit(b, "</ul>");
}

void register_institution_extras(struct http_request *req, struct http_response *res, const struct institution *inst)
{
    struct strbuf *b = &res->body;
    linked_accounts(req, b, inst);
    if (inst->merged_into || !may(req, POLICY_INSTITUTIONS_MANAGE, NULL)) return;
    html_lit(b, "<h2>");
    html_text(b, T(req, "Change the status"));
    html_lit(b, "</h2>");
    const char *done = http_query(req, "done");
    if (done && (strcmp(done, "status") == 0 || strcmp(done, "unchanged") == 0)) {
        html_lit(b, "<p class=\"notice\" role=\"status\">");
        html_text(b, strcmp(done, "status") == 0 ? T(req, "The status was changed.")
                                                 : T(req, "The status was that already: nothing changed."));
        html_lit(b, "</p>");
    }
    html_lit(b, "<p class=\"hint\">");
    html_text(b, T(req, "Registered, then shortlisted and selected by the programme, invited, and accepted or declined by the institution. Every change is written to the audit trail."));
    html_lit(b, "</p>");
    status_form(req, res, inst, inst->v[INST_STATUS], NULL, NULL, NULL);
}

static void status_refused(struct http_request *req, struct http_response *res, const struct institution *inst,
                           const char *status, const char *note, const char *status_problem, const char *note_problem)
{
    struct strbuf *b = &res->body;
    res->status = 400;
    layout_begin(req, res, inst->v[INST_NAME], "institutions");
    html_lit(b, "<h1>");
    html_text(b, inst->v[INST_NAME]);
    html_lit(b, "</h1><div class=\"error-summary\" role=\"alert\" tabindex=\"-1\" aria-labelledby=\"error-summary-title\">"
                "<h2 id=\"error-summary-title\">");
    html_text(b, T(req, "There is a problem"));
    html_lit(b, "</h2><ul>");
    const char *problems[] = {status_problem, note_problem}, *anchors[] = {"#s-status", "#s-note"};
    for (int i = 0; i < 2; i++) {
        if (!problems[i]) continue;
        html_lit(b, "<li><a href=\"");
        html_attr(b, anchors[i]);
        html_lit(b, "\">");
        html_text(b, problems[i]);
        html_lit(b, "</a></li>");
    }
    html_lit(b, "</ul></div><p>");
    html_text(b, T(req, "Nothing was changed."));
    html_lit(b, "</p>");
    status_form(req, res, inst, status, note, status_problem, note_problem);
    html_lit(b, "<p><a href=\"");
    html_url(b, institution_url(req, inst->id, ""));
    html_lit(b, "\">");
    html_text(b, T(req, "Back to the institution"));
    html_lit(b, "</a></p>");
    layout_end(req, res);
}

static void status_post(struct http_request *req, struct http_response *res)
{
    const char *id = http_route(req, "id");
    struct store *st = web_state(req)->store;
    struct err e;
    err_clear(&e);
    struct institution inst;
    int rc = inst_get(st, req->arena, id, &inst, &e);
    if (rc == ERR_NOT_FOUND) {
        page_error(req, res, 404, NULL);
        return;
    }
    if (rc < 0) {
        log_error("institution %s: %s", id, e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    if (inst.merged_into) {
        page_error(req, res, 409, T(req, "This record was merged into another one: change the status of the one the register keeps."));
        return;
    }
    const char *status = http_form(req, "status"), *note = http_form(req, "note");
    const char *status_problem = NULL, *note_problem = NULL;
    if (!nonempty(status))
        status_problem = T(req, "Choose a status.");
    else if (!known_status(status))
        status_problem = arena_printf(req->arena, T(req, "There is no status %s: choose registered, shortlisted, selected, invited, accepted or declined."), status);
    size_t note_len = note ? strlen(note) : 0;
    if (note && (!str_utf8_valid(note, note_len) || str_utf8_length(note, note_len) > INST_NOTE_MAX))
        note_problem = T(req, "The note is too long: 1000 characters at most.");
    if (status_problem || note_problem) {
        status_refused(req, res, &inst, status, note, status_problem, note_problem);
        return;
    }
    struct audit_actor by;
    web_audit_actor(req, &by);
    bool changed;
    rc = inst_set_status(st, inst.id, status, note, &by, &changed, &e);
    if (rc == ERR_CONFLICT) {
        page_error(req, res, 409, T(req, "This record was merged into another one: change the status of the one the register keeps."));
        return;
    }
    if (rc < 0) {
        log_error("institution %s status: %s", inst.id, e.msg);
        page_error(req, res, rc == ERR_INVALID ? 400 : 503, NULL);
        return;
    }
    http_redirect(res, 303, institution_url(req, inst.id, changed ? "?done=status" : "?done=unchanged"));
}

/* --- the home page of an institution contact ----------------------------------------------------- */

void register_home_link(struct http_request *req, struct strbuf *b)
{
    const struct auth_principal *who = web_state(req)->who;
    if (!auth_signed_in(who) || who->role != AUTH_ROLE_INSTITUTION) return;
    struct institution inst;
    struct err e;
    err_clear(&e);
    if (!who->institution_id ||
        inst_get(web_state(req)->store, req->arena, who->institution_id, &inst, &e) < 0) {
        if (who->institution_id) log_error("institution %s: %s", who->institution_id, e.msg);
        html_lit(b, "<p class=\"notice\">");
        html_text(b, T(req, "Your account is not linked to an institution yet: ask the programme's coordinators to link it."));
        html_lit(b, "</p>");
        return;
    }
    html_lit(b, "<p class=\"notice\">");
    html_text(b, T(req, "Your institution:"));
    html_lit(b, " <a href=\"");
    html_url(b, institution_url(req, inst.id, ""));
    html_lit(b, "\">");
    html_text(b, inst.v[INST_NAME]);
    html_lit(b, "</a></p>");
}

/* --- the field mapping of a campaign's form ------------------------------------------------------ */

struct mapping_ctx {
    struct programme *p;
    struct campaign *c;
    const struct form *form;
    const char *url; /* the mapping page's address */
};

/* The programme, campaign and form of the address; false with the error page written. */
static bool mapping_of(struct http_request *req, struct http_response *res, struct mapping_ctx *x)
{
    struct store *st = web_state(req)->store;
    struct err e;
    err_clear(&e);
    if (programme_find(st, req->arena, http_route(req, "slug"), &x->p, &e) < 0) {
        if (e.code == ERR_NOT_FOUND) page_error(req, res, 404, T(req, "There is no programme at this address."));
        else {
            log_error("programme: %s", e.msg);
            page_error(req, res, 503, NULL);
        }
        return false;
    }
    err_clear(&e);
    if (campaign_find(st, req->arena, x->p->id, http_route(req, "campaign"), &x->c, &e) < 0) {
        if (e.code == ERR_NOT_FOUND) page_error(req, res, 404, T(req, "There is no such campaign in this programme."));
        else {
            log_error("campaign: %s", e.msg);
            page_error(req, res, 503, NULL);
        }
        return false;
    }
    struct survey_form sf;
    int rc = survey_latest(req, x->c->form_id, &sf);
    if (rc < 0) {
        log_error("form %s of campaign %s: %d", x->c->form_id, x->c->id, rc);
        page_error(req, res, rc == ERR_NOT_FOUND ? 404 : 503, NULL);
        return false;
    }
    x->form = sf.form;
    struct strbuf u;
    strbuf_init(&u, req->arena, 96);
    strbuf_puts(&u, "/programmes/");
    str_url_encode(&u, x->p->slug);
    strbuf_puts(&u, "/campaigns/");
    str_url_encode(&u, x->c->id);
    strbuf_puts(&u, "/mapping");
    x->url = u.data;
    return true;
}

static void option(struct strbuf *b, const char *value, const char *label, bool selected)
{
    html_lit(b, "<option value=\"");
    html_attr(b, value);
    html_lit(b, "\"");
    if (selected) html_lit(b, " selected");
    html_lit(b, ">");
    html_text(b, label);
    html_lit(b, "</option>");
}

static bool same(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* One field of the register with the select of the form's questions. */
static void mapping_row(struct http_request *req, struct strbuf *b, const struct form *f, enum inst_field t,
                        const char *chosen, const char *deflt, const char *problem)
{
    const char *name = inst_field_name(t);
    html_lit(b, "<div class=\"field");
    if (problem) html_lit(b, " invalid");
    html_lit(b, "\"><label for=\"m-");
    html_attr(b, name);
    html_lit(b, "\">");
    html_text(b, T(req, field_labels[t]));
    html_lit(b, " <code>");
    html_text(b, name);
    html_lit(b, "</code></label><p class=\"hint\" id=\"m-");
    html_attr(b, name);
    html_lit(b, "-hint\">");
    if (deflt) {
        bool there = form_field_by_name(f, deflt) != NULL;
        html_text(b, arena_printf(req->arena, there ? T(req, "Default: %s.") : T(req, "Default: %s, which this form does not have."), deflt));
    } else {
        html_text(b, T(req, "No default: the needs survey does not ask it."));
    }
    html_lit(b, "</p>");
    if (problem) {
        html_lit(b, "<p class=\"field-error\" id=\"m-");
        html_attr(b, name);
        html_lit(b, "-error\"><span class=\"visually-hidden\">");
        html_text(b, T(req, "Error:"));
        html_lit(b, "</span> ");
        html_text(b, problem);
        html_lit(b, "</p>");
    }
    html_lit(b, "<select id=\"m-");
    html_attr(b, name);
    html_lit(b, "\" name=\"map-");
    html_attr(b, name);
    html_lit(b, "\" aria-describedby=\"m-");
    html_attr(b, name);
    html_lit(b, "-hint");
    if (problem) {
        html_lit(b, " m-");
        html_attr(b, name);
        html_lit(b, "-error\" aria-invalid=\"true");
    }
    html_lit(b, "\">");
    option(b, "", T(req, "(not mapped)"), !chosen);
    bool listed = !chosen;
    for (size_t i = 0; i < f->nfields; i++) {
        const struct form_field *fd = &f->fields[i];
        /* Only the questions that can feed this field: the rest would be refused. */
        if (!regmap_question(fd) || !regmap_type_feeds(fd->type, t)) continue;
        const char *label = form_text(f, fd->label, f->default_lang);
        const char *text = arena_printf(req->arena, "%s (%s)%s%s%s", fd->name, form_type_name(fd->type),
                                        label && *label ? ": " : "", label ? label : "",
                                        same(fd->name, deflt) ? arena_printf(req->arena, " %s", T(req, "(default)")) : "");
        option(b, fd->name, text, same(fd->name, chosen));
        listed |= same(fd->name, chosen);
    }
    /* A question the form no longer has stays chosen, with its message beside it. */
    if (!listed) option(b, chosen, chosen, true);
    html_lit(b, "</select></div>");
}

static void mapping_page(struct http_request *req, struct http_response *res, const struct mapping_ctx *x,
                         const struct inst_mapping *m, const struct regmap_problem *problems,
                         const struct inst_build_report *built)
{
    struct strbuf *b = &res->body;
    layout_begin(req, res, T(req, "Field mapping"), "programmes");
    html_lit(b, "<h1>");
    html_text(b, T(req, "Field mapping"));
    html_lit(b, "</h1><p>");
    html_text(b, arena_printf(req->arena, T(req, "Campaign: %s (%s)."), x->c->name, x->p->name));
    html_lit(b, " ");
    html_text(b, T(req, "Form:"));
    html_lit(b, " <code>");
    html_text(b, x->c->form_id);
    html_lit(b, "</code></p>");
    const char *done = http_query(req, "done");
    if (!problems && !built && done && strcmp(done, "saved") == 0) {
        html_lit(b, "<p class=\"notice\" role=\"status\">");
        html_text(b, T(req, "The mapping was saved. Rebuild the register to apply it to the answers received so far."));
        html_lit(b, "</p>");
    }
    if (built) {
        html_lit(b, "<p class=\"notice\" role=\"status\">");
        html_text(b, arena_printf(req->arena, T(req, "The register was rebuilt from the answers: %d created, %d updated by corrections, %d linked to an institution already there, %d unchanged, %d without an institution name."),
                                  built->created, built->updated, built->linked, built->unchanged, built->skipped));
        html_lit(b, "</p>");
    }
    if (problems) {
        html_lit(b, "<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\" aria-labelledby=\"error-summary-title\">"
                    "<h2 id=\"error-summary-title\">");
        html_text(b, T(req, "There is a problem"));
        html_lit(b, "</h2><p>");
        html_text(b, T(req, "Nothing was changed."));
        html_lit(b, "</p><ul>");
        for (int t = 0; t < INST_FIELD_COUNT; t++) {
            if (!problems[t].msgid) continue;
            html_lit(b, "<li><a href=\"#m-");
            html_attr(b, inst_field_name((enum inst_field)t));
            html_lit(b, "\">");
            html_text(b, T(req, field_labels[t]));
            html_lit(b, ": ");
            html_text(b, arena_printf(req->arena, T(req, problems[t].msgid), problems[t].arg ? problems[t].arg : ""));
            html_lit(b, "</a></li>");
        }
        html_lit(b, "</ul></div>");
    }
    html_lit(b, "<p>");
    html_text(b, T(req, "Building the register reads every submitted answer set of this form. For each field of the register below, it takes the answer to the question chosen for it: an answer set names an institution (same name and country), which is updated, or else created. A field left not mapped is never filled from the answers, and an answer that does not fit the field (an email that is not one) leaves it unknown."));
    html_lit(b, "</p><p>");
    html_text(b, T(req, "Each field offers the questions whose type can feed it; the default is the shipped needs survey's mapping, marked below. The mapping belongs to the form: every campaign that runs this form uses it. Saving it changes no institution: rebuild the register to apply it."));
    html_lit(b, "</p><form method=\"post\" action=\"");
    html_url(b, x->url);
    html_lit(b, "\" novalidate>");
    access_csrf_field(req, res);
    struct inst_mapping deflt;
    inst_mapping_default(&deflt);
    for (int t = 0; t < INST_FIELD_COUNT; t++) {
        if (!regmap_target_mappable((enum inst_field)t)) continue;
        const char *problem = problems && problems[t].msgid
                                  ? arena_printf(req->arena, T(req, problems[t].msgid), problems[t].arg ? problems[t].arg : "")
                                  : NULL;
        mapping_row(req, b, x->form, (enum inst_field)t, m->field[t], deflt.field[t], problem);
    }
    html_lit(b, "<p><button type=\"submit\">");
    html_text(b, T(req, "Save the mapping"));
    html_lit(b, "</button></p></form><h2>");
    html_text(b, T(req, "Rebuild the register from the answers"));
    html_lit(b, "</h2><p>");
    html_text(b, T(req, "Reads the answer sets again with the saved mapping. Running it twice changes nothing the second time; a status set by the programme is never changed."));
    html_lit(b, "</p><form method=\"post\" action=\"");
    html_url(b, arena_printf(req->arena, "%s/rebuild", x->url));
    html_lit(b, "\">");
    access_csrf_field(req, res);
    html_lit(b, "<p><button type=\"submit\" class=\"secondary\">");
    html_text(b, T(req, "Rebuild the register from the answers"));
    html_lit(b, "</button></p></form><p><a href=\"");
    {
        struct strbuf u;
        strbuf_init(&u, req->arena, 64);
        strbuf_puts(&u, "/programmes/");
        str_url_encode(&u, x->p->slug);
        html_url(b, u.data);
    }
    html_lit(b, "\">");
    html_text(b, T(req, "Back to the programme"));
    html_lit(b, "</a></p>");
    layout_end(req, res);
}

static void mapping_get(struct http_request *req, struct http_response *res)
{
    struct mapping_ctx x;
    if (!mapping_of(req, res, &x)) return;
    struct inst_mapping m;
    struct err e;
    err_clear(&e);
    if (inst_mapping_load(web_state(req)->store, req->arena, x.c->form_id, &m, &e) < 0) {
        log_error("mapping of %s: %s", x.c->form_id, e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    mapping_page(req, res, &x, &m, NULL, NULL);
}

static void mapping_post(struct http_request *req, struct http_response *res)
{
    struct mapping_ctx x;
    if (!mapping_of(req, res, &x)) return;
    struct inst_mapping m;
    memset(&m, 0, sizeof m);
    for (int t = 0; t < INST_FIELD_COUNT; t++) {
        if (!regmap_target_mappable((enum inst_field)t)) continue;
        const char *v = http_form(req, arena_printf(req->arena, "map-%s", inst_field_name((enum inst_field)t)));
        /* Every field comes with the page's form, chosen or not: a post without one is not from
         * it, and must not read as "map nothing there". */
        if (!v) {
            page_error(req, res, 400, T(req, "The form was not complete. Nothing was changed."));
            return;
        }
        m.field[t] = nonempty(v);
    }
    struct regmap_problem problems[INST_FIELD_COUNT];
    if (regmap_check(x.form, &m, problems)) {
        res->status = 400;
        mapping_page(req, res, &x, &m, problems, NULL);
        return;
    }
    struct audit_actor by;
    web_audit_actor(req, &by);
    struct err e;
    err_clear(&e);
    if (inst_mapping_save(web_state(req)->store, x.c->form_id, &m, &by, &e) < 0) {
        log_error("saving the mapping of %s: %s", x.c->form_id, e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    http_redirect(res, 303, arena_printf(req->arena, "%s?done=saved", x.url));
}

static void rebuild_post(struct http_request *req, struct http_response *res)
{
    struct mapping_ctx x;
    if (!mapping_of(req, res, &x)) return;
    struct audit_actor by;
    web_audit_actor(req, &by);
    struct err e;
    err_clear(&e);
    struct inst_build_report r;
    struct inst_mapping m;
    if (inst_build(web_state(req)->store, req->arena, x.c->form_id, false, &by, &r, &e) < 0 ||
        inst_mapping_load(web_state(req)->store, req->arena, x.c->form_id, &m, &e) < 0) {
        log_error("building the register from %s: %s", x.c->form_id, e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    mapping_page(req, res, &x, &m, NULL, &r);
}

void register_pages_routes(struct router *r)
{
    router_add(r, HTTP_POST, "/institutions/{id}/status", status_post);
    router_add(r, HTTP_GET, "/programmes/{slug}/campaigns/{campaign}/mapping", mapping_get);
    router_add(r, HTTP_POST, "/programmes/{slug}/campaigns/{campaign}/mapping", mapping_post);
    router_add(r, HTTP_POST, "/programmes/{slug}/campaigns/{campaign}/mapping/rebuild", rebuild_post);
}

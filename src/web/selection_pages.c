#include "web/selection_pages.h"

#include "auth/policy.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "html/html.h"
#include "program/campaign.h"
#include "program/institutions.h"
#include "program/programme.h"
#include "program/selection_export.h"
#include "program/selection_run.h"
#include "web/access.h"
#include "web/form_errors.h"
#include "web/audit_pages.h"
#include "web/layout.h"
#include "web/pages.h"
#include "web/web.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { FORM_INSTITUTIONS_MAX = 2000 }; /* offered in the exclusion and forced-inclusion lists */

/* ---- small helpers ---------------------------------------------------------------------------- */

static bool may(struct http_request *req, enum policy_action a)
{
    return policy_allows(web_state(req)->who, a, NULL);
}

static const char *sel_url(struct http_request *req, const struct programme *p, const char *rest)
{
    struct strbuf sb;
    strbuf_init(&sb, req->arena, 96);
    strbuf_puts(&sb, "/programmes/");
    str_url_encode(&sb, p->slug);
    strbuf_puts(&sb, "/selections");
    strbuf_puts(&sb, rest);
    return sb.data;
}

static const char *run_url(struct http_request *req, const struct programme *p, const struct selection_run *r,
                           const char *rest)
{
    return sel_url(req, p, arena_printf(req->arena, "/%s%s", r->id, rest));
}

static struct programme *programme_of(struct http_request *req, struct http_response *res)
{
    struct programme *p;
    struct err e;
    err_clear(&e);
    if (programme_find(web_state(req)->store, req->arena, http_route(req, "slug"), &p, &e) == 0) return p;
    if (e.code == ERR_NOT_FOUND) page_error(req, res, 404, T(req, "There is no programme at this address."));
    else {
        log_error("selection: %s", e.msg);
        page_error(req, res, 503, NULL);
    }
    return NULL;
}

static struct selection_run *run_of(struct http_request *req, struct http_response *res, const struct programme *p)
{
    struct selection_run *r;
    struct err e;
    err_clear(&e);
    if (selrun_load(web_state(req)->store, req->arena, p->id, http_route(req, "run"), &r, &e) == 0) return r;
    if (e.code == ERR_NOT_FOUND) page_error(req, res, 404, T(req, "There is no such selection run in this programme."));
    else {
        log_error("selection run: %s", e.msg);
        page_error(req, res, 503, NULL);
    }
    return NULL;
}

static void heading(struct http_request *req, struct http_response *res, const char *title)
{
    layout_begin(req, res, title, "programmes");
    html_lit(&res->body, "<h1>");
    html_text(&res->body, title);
    html_lit(&res->body, "</h1>");
}

static void para(struct strbuf *b, const char *text)
{
    html_lit(b, "<p>");
    html_text(b, text);
    html_lit(b, "</p>");
}

static void link_para(struct strbuf *b, const char *href, const char *label)
{
    html_lit(b, "<p><a href=\"");
    html_url(b, href);
    html_lit(b, "\">");
    html_text(b, label);
    html_lit(b, "</a></p>");
}

static void th(struct strbuf *b, const char *text, bool num)
{
    if (num) html_lit(b, "<th scope=\"col\" class=\"num\">");
    else html_lit(b, "<th scope=\"col\">");
    html_text(b, text);
    html_lit(b, "</th>");
}

static void td(struct strbuf *b, const char *text)
{
    html_lit(b, "<td>");
    if (text) html_text(b, text);
    html_lit(b, "</td>");
}

static void td_num(struct strbuf *b, const char *text)
{
    html_lit(b, "<td class=\"num\">");
    if (text) html_text(b, text);
    html_lit(b, "</td>");
}

static const char *score_text(struct http_request *req, double s)
{
    return isnan(s) ? "–" : arena_printf(req->arena, "%.1f", s);
}

static const char *rank_text(struct http_request *req, size_t rank)
{
    return rank ? arena_printf(req->arena, "%zu", rank) : "–";
}

static void post_button(struct http_request *req, struct http_response *res, const char *action, const char *label,
                        bool secondary)
{
    struct strbuf *b = &res->body;
    html_lit(b, "<form method=\"post\" action=\"");
    html_url(b, action);
    html_lit(b, "\">");
    access_csrf_field(req, res);
    if (secondary) html_lit(b, "<p><button type=\"submit\" class=\"secondary\">");
    else html_lit(b, "<p><button type=\"submit\">");
    html_text(b, label);
    html_lit(b, "</button></p></form>");
}

static const char *status_label(const char *status)
{
    if (strcmp(status, "confirmed") == 0) return N_("Confirmed");
    if (strcmp(status, "discarded") == 0) return N_("Discarded");
    return N_("Draft");
}

static const char *place_label(const char *state)
{
    if (strcmp(state, "invited") == 0) return N_("Invited, no answer yet");
    if (strcmp(state, "accepted") == 0) return N_("Accepted");
    if (strcmp(state, "declined") == 0) return N_("Declined");
    if (strcmp(state, "waiting") == 0) return N_("In reserve");
    return N_("Not invited yet");
}

static const char *invitation_label(const char *state)
{
    if (strcmp(state, "accepted") == 0) return N_("Accepted");
    if (strcmp(state, "declined") == 0) return N_("Declined");
    if (strcmp(state, "withdrawn") == 0) return N_("Withdrawn");
    return N_("Sent, no answer yet");
}

static void institution_cell(struct http_request *req, struct strbuf *b, const struct selrun_input *x)
{
    html_lit(b, "<td>");
    if (may(req, POLICY_INSTITUTION_VIEW)) {
        html_lit(b, "<a href=\"");
        html_url(b, arena_printf(req->arena, "/institutions/%s", x->institution_id));
        html_lit(b, "\">");
        html_text(b, x->name);
        html_lit(b, "</a>");
    } else {
        html_text(b, x->name);
    }
    html_lit(b, "</td>");
}

static const char *kind_text(struct http_request *req, const struct selrun_input *x)
{
    const char *kind = x->informal ? T(req, "informal") : T(req, "formal");
    return arena_printf(req->arena, "%s, %s", kind, x->rural ? T(req, "rural") : T(req, "urban"));
}

/* ---- the list --------------------------------------------------------------------------------- */

static void runs_list(struct http_request *req, struct http_response *res)
{
    struct programme *p = programme_of(req, res);
    if (!p) return;
    struct selrun_summary *runs;
    size_t n;
    struct err e;
    err_clear(&e);
    if (selrun_list(web_state(req)->store, req->arena, p->id, &runs, &n, &e) < 0) {
        log_error("selection runs: %s", e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    struct strbuf *b = &res->body;
    heading(req, res, T(req, "Selection runs"));
    html_lit(b, "<p><a href=\"");
    html_url(b, arena_printf(req->arena, "/programmes/%s", p->slug));
    html_lit(b, "\">");
    html_text(b, p->name);
    html_lit(b, "</a></p>");
    para(b, T(req, "Each run chooses the pilot institutions with the most need under the rules set for it. A run is a draft until it is confirmed; a programme has one confirmed run, whose invitations go out."));
    if (may(req, POLICY_SELECTION_MANAGE)) {
        html_lit(b, "<p><a class=\"button\" href=\"");
        html_url(b, sel_url(req, p, "/new"));
        html_lit(b, "\">");
        html_text(b, T(req, "New selection run"));
        html_lit(b, "</a></p>");
    }
    if (!n) {
        para(b, T(req, "No selection has been run yet."));
        layout_end(req, res);
        return;
    }
    html_lit(b, "<table><thead><tr>");
    th(b, T(req, "Run"), false);
    th(b, T(req, "Status"), false);
    th(b, T(req, "Pilot size"), true);
    th(b, T(req, "Selected"), true);
    th(b, T(req, "Accepted"), true);
    th(b, T(req, "Declined"), true);
    html_lit(b, "</tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        html_lit(b, "<tr><td><a href=\"");
        html_url(b, sel_url(req, p, arena_printf(req->arena, "/%s", runs[i].id)));
        html_lit(b, "\">");
        layout_date(req, b, arena_strndup(req->arena, runs[i].created_at, 10));
        if (strlen(runs[i].created_at) >= 16) html_text(b, arena_printf(req->arena, " %.5s", runs[i].created_at + 11));
        html_lit(b, "</a> <span class=\"detail\">");
        html_text(b, runs[i].created_by);
        html_lit(b, "</span>");
        if (runs[i].is_demo) {
            html_lit(b, " <span class=\"tag\">");
            html_text(b, T(req, "Demo data"));
            html_lit(b, "</span>");
        }
        html_lit(b, "</td><td>");
        html_text(b, T(req, status_label(runs[i].status)));
        if (!runs[i].feasible) {
            html_lit(b, " <span class=\"error\">");
            html_text(b, T(req, "(the rules cannot be met)"));
            html_lit(b, "</span>");
        }
        html_lit(b, "</td><td class=\"num\">");
        html_int(b, runs[i].size);
        html_lit(b, "</td><td class=\"num\">");
        html_int(b, runs[i].chosen);
        html_lit(b, "</td><td class=\"num\">");
        html_int(b, runs[i].accepted);
        html_lit(b, "</td><td class=\"num\">");
        html_int(b, runs[i].declined);
        html_lit(b, "</td></tr>");
    }
    html_lit(b, "</tbody></table>");
    layout_end(req, res);
}

/* ---- the rules form --------------------------------------------------------------------------- */

struct rules_form {
    const char *campaign, *size, *max_per_country, *min_informal, *min_rural_percent, *min_need, *consent;
    const char **exclude, **force;
    size_t nexclude, nforce;
};

/* The label, the hint (every rule explains itself) and the message, then the control's opening
 * with its id, name and aria attributes. */
static void control_open(struct http_request *req, struct strbuf *b, const struct programme_problems *pp,
                         const char *name, const char *label, const char *hint, const char *tag)
{
    const char *problem = form_problem_for(pp, name);
    html_lit(b, "<div class=\"field");
    if (problem) html_lit(b, " invalid");
    html_lit(b, "\"><label for=\"f-");
    html_attr(b, name);
    html_lit(b, "\">");
    html_text(b, label);
    html_lit(b, "</label><p class=\"hint\" id=\"f-");
    html_attr(b, name);
    html_lit(b, "-hint\">");
    html_text(b, hint);
    html_lit(b, "</p>");
    if (problem) {
        html_lit(b, "<p class=\"field-error\" id=\"f-");
        html_attr(b, name);
        html_lit(b, "-error\"><span class=\"visually-hidden\">");
        html_text(b, T(req, "Error:"));
        html_lit(b, "</span> ");
        html_text(b, T(req, problem));
        html_lit(b, "</p>");
    }
    html_lit(b, "<");
    if (strcmp(tag, "input") == 0) html_lit(b, "input type=\"text\"");
    else html_lit(b, "select");
    html_lit(b, " id=\"f-");
    html_attr(b, name);
    html_lit(b, "\" name=\"");
    html_attr(b, name);
    html_lit(b, "\" aria-describedby=\"f-");
    html_attr(b, name);
    html_lit(b, "-hint");
    if (problem) {
        html_lit(b, " f-");
        html_attr(b, name);
        html_lit(b, "-error\" aria-invalid=\"true");
    }
    html_lit(b, "\"");
}

static void number_field(struct http_request *req, struct strbuf *b, const struct programme_problems *pp,
                         const char *name, const char *label, const char *hint, const char *value, bool decimal)
{
    control_open(req, b, pp, name, label, hint, "input");
    if (decimal) html_lit(b, " inputmode=\"decimal\"");
    else html_lit(b, " inputmode=\"numeric\" pattern=\"[0-9]*\"");
    html_lit(b, " value=\"");
    html_attr(b, value ? value : "");
    html_lit(b, "\"></div>");
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

static bool in_list(const char *const *ids, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(ids[i], id) == 0) return true;
    return false;
}

static void institutions_field(struct http_request *req, struct strbuf *b, const struct programme_problems *pp,
                               const char *name, const char *label, const char *hint, const struct institution *list,
                               size_t n, const char *const *chosen, size_t nchosen)
{
    control_open(req, b, pp, name, label, hint, "select");
    html_lit(b, " multiple size=\"8\">");
    for (size_t i = 0; i < n; i++) {
        const char *country = list[i].v[INST_COUNTRY];
        option(b, list[i].id,
               country ? arena_printf(req->arena, "%s (%s)", list[i].v[INST_NAME], country) : list[i].v[INST_NAME],
               in_list(chosen, nchosen, list[i].id));
    }
    html_lit(b, "</select></div>");
}

static void rules_page(struct http_request *req, struct http_response *res, const struct programme *p,
                       const struct rules_form *f, const struct programme_problems *pp)
{
    struct store *st = web_state(req)->store;
    struct err e;
    err_clear(&e);
    struct campaign *cs = NULL;
    size_t ncs = 0;
    if (campaign_list(st, req->arena, p->id, &cs, &ncs, &e) < 0) log_error("campaigns: %s", e.msg);
    struct institution *list = NULL;
    size_t n = 0;
    int64_t total = 0;
    struct inst_filter filter = {.sort = INST_SORT_NAME};
    if (inst_list(st, req->arena, &filter, 0, FORM_INSTITUTIONS_MAX, &list, &n, &total, &e) < 0)
        log_error("institutions: %s", e.msg);

    struct strbuf *b = &res->body;
    heading(req, res, T(req, "New selection run"));
    para(b, p->name);
    form_error_summary(req, b, pp);
    para(b, T(req, "The selection takes, among all the groups of institutions that keep every rule below, the one with the largest total need score. Each rule starts from the programme's defaults; change them for this run only. Nothing is final until the run is confirmed."));
    html_lit(b, "<form method=\"post\" action=\"");
    html_url(b, sel_url(req, p, "/new"));
    html_lit(b, "\" novalidate>");
    access_csrf_field(req, res);
    control_open(req, b, pp, "campaign", T(req, "Need index of the campaign"),
                 T(req, "The campaign whose answers give the need scores; the newest needs survey unless you choose another."),
                 "select");
    html_lit(b, ">");
    option(b, "", T(req, "The programme's needs survey"), !f->campaign || !*f->campaign);
    for (size_t i = 0; i < ncs; i++)
        option(b, cs[i].id, cs[i].name, f->campaign && strcmp(f->campaign, cs[i].id) == 0);
    html_lit(b, "</select></div>");
    number_field(req, b, pp, "size", T(req, "Pilot size"), T(req, "How many institutions to select, from 1 to 1000. When fewer are eligible, all of them are selected and the result says so."), f->size, false);
    number_field(req, b, pp, "max_per_country", T(req, "At most this many institutions per country"), T(req, "Keeps the pilot spread across countries. 0 for no limit."), f->max_per_country, false);
    number_field(req, b, pp, "min_informal", T(req, "At least this many informal institutions"), T(req, "STEM clubs and education centres outside formal schooling. 0 for none."), f->min_informal, false);
    number_field(req, b, pp, "min_rural_percent", T(req, "At least this rural share, per cent"), T(req, "Rural and remote institutions, as a share of those selected, rounded up: 30 for a pilot of 10 means at least 3. From 0 to 100."), f->min_rural_percent, false);
    number_field(req, b, pp, "min_need", T(req, "Minimum need score"), T(req, "Institutions scoring lower are not eligible. Scores run from 0 to 100; 0 lets every scored institution in."), f->min_need, true);
    control_open(req, b, pp, "consent", T(req, "Consent"), T(req, "Whether only institutions whose survey answers gave consent may be selected."), "select");
    html_lit(b, ">");
    bool consent = !f->consent || strcmp(f->consent, "no") != 0;
    option(b, "yes", T(req, "Only institutions that gave consent"), consent);
    option(b, "no", T(req, "Also institutions without consent"), !consent);
    html_lit(b, "</select></div>");
    const char *multi = T(req, "Hold Ctrl (Cmd on a Mac) to choose more than one.");
    institutions_field(req, b, pp, "exclude", T(req, "Exclusions"),
                       arena_printf(req->arena, "%s %s", T(req, "Never selected, whatever their need: for example institutions already equipped by another programme."), multi),
                       list, n, f->exclude, f->nexclude);
    institutions_field(req, b, pp, "force", T(req, "Forced inclusions"),
                       arena_printf(req->arena, "%s %s", T(req, "Always selected, whatever their score, but never without consent. They count towards every rule."), multi),
                       list, n, f->force, f->nforce);
    if (total > (int64_t)n)
        para(b, T(req, "The lists show the first 2000 institutions by name; the command line takes any: edubridge selection run --exclude ID --force ID."));
    html_lit(b, "<p><button type=\"submit\">");
    html_text(b, T(req, "Run the selection"));
    html_lit(b, "</button></p></form>");
    link_para(b, sel_url(req, p, ""), T(req, "Cancel"));
    layout_end(req, res);
}

static const char *int_text(struct http_request *req, int v) { return arena_printf(req->arena, "%d", v); }

static void new_get(struct http_request *req, struct http_response *res)
{
    struct programme *p = programme_of(req, res);
    if (!p) return;
    struct selrun_rules r;
    selrun_rules_default(p, &r);
    struct rules_form f = {.campaign = "", .size = int_text(req, r.size), .max_per_country = int_text(req, r.max_per_country),
                           .min_informal = int_text(req, r.min_informal), .min_rural_percent = int_text(req, r.min_rural_percent),
                           .min_need = "0", .consent = "yes"};
    rules_page(req, res, p, &f, NULL);
}

static const char **all_values(struct http_request *req, const char *name, size_t *n)
{
    const char **out = arena_calloc(req->arena, req->form.count + 1, sizeof *out);
    *n = 0;
    for (size_t i = 0; i < req->form.count; i++)
        if (strcmp(req->form.items[i].name, name) == 0 && *req->form.items[i].value &&
            !in_list(out, *n, req->form.items[i].value))
            out[(*n)++] = req->form.items[i].value;
    return out;
}

/* A whole number; -1 (which every rule refuses) when it is not one; blank_as for an empty field. */
static int whole(const char *s, int blank_as)
{
    if (!s || !*s) return blank_as;
    int64_t v;
    return str_to_int64(s, 0, 1000000, &v) ? (int)v : -1;
}

static double decimal(const char *s)
{
    if (!s || !*s) return 0;
    char *end;
    double v = strtod(s, &end);
    return *end || !isfinite(v) ? -1 : v;
}

static void new_post(struct http_request *req, struct http_response *res)
{
    struct programme *p = programme_of(req, res);
    if (!p) return;
    struct rules_form f = {
        .campaign = http_form(req, "campaign"), .size = http_form(req, "size"),
        .max_per_country = http_form(req, "max_per_country"), .min_informal = http_form(req, "min_informal"),
        .min_rural_percent = http_form(req, "min_rural_percent"), .min_need = http_form(req, "min_need"),
        .consent = http_form(req, "consent"),
    };
    /* Every field but the two lists comes with the page's form: a post without them is not from it. */
    if (!f.campaign || !f.size || !f.max_per_country || !f.min_informal || !f.min_rural_percent || !f.min_need ||
        !f.consent) {
        page_error(req, res, 400, T(req, "The form was not complete. Nothing was changed."));
        return;
    }
    f.exclude = all_values(req, "exclude", &f.nexclude);
    f.force = all_values(req, "force", &f.nforce);
    struct selrun_rules r = {
        .size = whole(f.size, -1), .max_per_country = whole(f.max_per_country, 0),
        .min_informal = whole(f.min_informal, 0), .min_rural_percent = whole(f.min_rural_percent, 0),
        .min_need = decimal(f.min_need), .require_consent = strcmp(f.consent, "no") != 0,
        .exclude = f.exclude, .nexclude = f.nexclude, .force = f.force, .nforce = f.nforce,
    };
    struct programme_problems pp = {.n = 0};
    if (selrun_rules_check(&r, &pp) == 0) {
        struct audit_actor by;
        web_audit_actor(req, &by);
        struct selection_run *run;
        struct err e;
        err_clear(&e);
        int rc = selrun_draft(web_state(req)->store, req->arena, p, f.campaign, &r, false, &by, &run, &e);
        if (rc == 0) {
            http_redirect(res, 303, run_url(req, p, run, ""));
            return;
        }
        if (rc == ERR_NOT_FOUND) {
            programme_problem_add(&pp, "campaign", N_("The programme has no needs-survey campaign to take need scores from: add one first, or choose a campaign."));
        } else if (rc == ERR_INVALID) {
            programme_problem_add(&pp, "exclude", N_("Choose institutions from the lists only: one of those chosen is not assessed by the need index."));
        } else {
            log_error("selection run: %s", e.msg);
            page_error(req, res, 503, NULL);
            return;
        }
    }
    res->status = 400;
    rules_page(req, res, p, &f, &pp);
}

/* ---- the result ------------------------------------------------------------------------------- */

static void rules_facts(struct http_request *req, struct strbuf *b, const struct selection_run *r)
{
    const struct selrun_rules *R = &r->rules;
    html_lit(b, "<dl class=\"facts\">");
    const char *labels[] = {T(req, "Pilot size"), T(req, "At most this many institutions per country"),
                            T(req, "At least this many informal institutions"), T(req, "At least this rural share, per cent"),
                            T(req, "Minimum need score")};
    const char *values[] = {int_text(req, R->size),
                            R->max_per_country ? int_text(req, R->max_per_country) : T(req, "no limit"),
                            int_text(req, R->min_informal), int_text(req, R->min_rural_percent),
                            arena_printf(req->arena, "%g", R->min_need)};
    for (size_t i = 0; i < 5; i++) {
        html_lit(b, "<dt>");
        html_text(b, labels[i]);
        html_lit(b, "</dt><dd>");
        html_text(b, values[i]);
        html_lit(b, "</dd>");
    }
    html_lit(b, "<dt>");
    html_text(b, T(req, "Consent"));
    html_lit(b, "</dt><dd>");
    html_text(b, R->require_consent ? T(req, "Only institutions that gave consent") : T(req, "Also institutions without consent"));
    html_lit(b, "</dd>");
    for (int k = 0; k < 2; k++) {
        size_t n = k ? R->nforce : R->nexclude;
        if (!n) continue;
        html_lit(b, "<dt>");
        html_text(b, k ? T(req, "Forced inclusions") : T(req, "Exclusions"));
        html_lit(b, "</dt><dd>");
        for (size_t i = 0; i < r->ninputs; i++) {
            bool hit = k ? r->inputs[i].forced : r->inputs[i].excluded;
            if (!hit) continue;
            html_text(b, r->inputs[i].name);
            html_lit(b, "<br>");
        }
        html_lit(b, "</dd>");
    }
    html_lit(b, "</dl>");
}

/* The selection's sentences through the reader's catalogue (selrun_explain's translator). */
static const char *translate(void *req, const char *msgid)
{
    return T((struct http_request *)req, msgid);
}

/* The run's sentences in the reader's language where they can be said again (selection_run.h), the
 * stored English ones otherwise; English readers get the stored ones as they are. */
struct said {
    selrun_translate *tr;         /* NULL for English */
    bool verified;                /* the selection could be run again */
    struct selrun_explained x;
};

static void say_run(struct http_request *req, const struct selection_run *r, struct said *out)
{
    struct err e;
    err_clear(&e);
    out->tr = web_state(req)->lang->po_asset ? translate : NULL;
    out->verified = selrun_explain(r, req->arena, out->tr, req, &out->x, &e) == 0;
    if (!out->verified) {
        log_error("selection verify: %s", e.msg);
        out->x = (struct selrun_explained){.result = r->result};
    }
}

static const char *said_in(const struct said *sd, size_t cand)
{
    for (size_t i = 0; i < sd->x.result.nchosen; i++)
        if (sd->x.result.why[i].cand == cand) return sd->x.result.why[i].text;
    return NULL;
}

static const char *said_out(const struct said *sd, size_t cand)
{
    for (size_t i = 0; i < sd->x.result.nout; i++)
        if (sd->x.result.out[i].cand == cand) return sd->x.result.out[i].text;
    return NULL;
}

static const char *name_of(const struct selection_run *r, const char *institution_id)
{
    const struct selrun_place *p = selrun_place_of(r, institution_id);
    return p ? r->inputs[p->cand].name : institution_id;
}

static void chosen_table(struct http_request *req, struct strbuf *b, const struct selection_run *r, const size_t *rank,
                         const struct said *sd)
{
    html_lit(b, "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-labelledby=\"h-chosen\"><table><thead><tr>");
    th(b, T(req, "Place"), true);
    th(b, T(req, "Institution"), false);
    th(b, T(req, "Country"), false);
    th(b, T(req, "Kind"), false);
    th(b, T(req, "Need score"), true);
    th(b, T(req, "Rank"), true);
    th(b, T(req, "Why it is in"), false);
    th(b, T(req, "State"), false);
    html_lit(b, "</tr></thead><tbody>");
    for (size_t i = 0; i < r->nplaces; i++) {
        const struct selrun_place *pl = &r->places[i];
        if (strcmp(pl->role, "selected") != 0) continue;
        const struct selrun_input *x = &r->inputs[pl->cand];
        html_lit(b, "<tr><td class=\"num\">");
        html_int(b, pl->position);
        html_lit(b, "</td>");
        institution_cell(req, b, x);
        td(b, x->country ? x->country : "–");
        td(b, kind_text(req, x));
        td_num(b, score_text(req, x->score));
        td_num(b, rank_text(req, rank[pl->cand]));
        html_lit(b, "<td>");
        if (pl->replaces) {
            html_text(b, arena_printf(req->arena, T(req, "Took the place of %s, who declined: the best left out that keeps every rule."),
                                      name_of(r, pl->replaces)));
        } else {
            const char *why = said_in(sd, pl->cand);
            if (!why) why = selrun_reason_in(r, pl->cand);
            if (why) html_text(b, why);
        }
        html_lit(b, "</td><td>");
        html_text(b, T(req, place_label(pl->state)));
        if (pl->note) {
            html_lit(b, "<br><strong class=\"error\">");
            html_text(b, T(req, "Nobody can take this place:"));
            html_lit(b, "</strong> ");
            html_text(b, selrun_place_note(r, pl, sd->tr, req, req->arena));
        }
        html_lit(b, "</td></tr>");
    }
    html_lit(b, "</tbody></table></div>");
}

static void out_table(struct http_request *req, struct strbuf *b, const struct selection_run *r, const struct said *sd)
{
    html_lit(b, "<table><thead><tr>");
    th(b, T(req, "Institution"), false);
    th(b, T(req, "Country"), false);
    th(b, T(req, "Need score"), true);
    th(b, T(req, "Rank"), true);
    th(b, T(req, "What kept it out"), false);
    html_lit(b, "</tr></thead><tbody>");
    for (size_t i = 0; i < r->result.nout; i++) {
        const struct sel_out *o = &r->result.out[i];
        const struct selrun_input *x = &r->inputs[o->cand];
        html_lit(b, "<tr>");
        institution_cell(req, b, x);
        td(b, x->country ? x->country : "–");
        td_num(b, score_text(req, x->score));
        td_num(b, rank_text(req, o->rank));
        const char *why = said_out(sd, o->cand);
        td(b, why ? why : o->text);
        html_lit(b, "</tr>");
    }
    html_lit(b, "</tbody></table>");
}

static void reserve_table(struct http_request *req, struct strbuf *b, const struct selection_run *r, const size_t *rank)
{
    html_lit(b, "<table><thead><tr>");
    th(b, T(req, "Order"), true);
    th(b, T(req, "Institution"), false);
    th(b, T(req, "Country"), false);
    th(b, T(req, "Kind"), false);
    th(b, T(req, "Need score"), true);
    th(b, T(req, "Rank"), true);
    th(b, T(req, "State"), false);
    html_lit(b, "</tr></thead><tbody>");
    for (size_t i = 0; i < r->result.nreserve; i++) {
        size_t c = r->result.reserve[i];
        const struct selrun_input *x = &r->inputs[c];
        const struct selrun_place *pl = selrun_place_of(r, x->institution_id);
        html_lit(b, "<tr><td class=\"num\">");
        html_int(b, (int64_t)i + 1);
        html_lit(b, "</td>");
        institution_cell(req, b, x);
        td(b, x->country ? x->country : "–");
        td(b, kind_text(req, x));
        td_num(b, score_text(req, x->score));
        td_num(b, rank_text(req, rank[c]));
        if (pl && strcmp(pl->role, "selected") == 0)
            td(b, arena_printf(req->arena, T(req, "Selected in place %d"), pl->position));
        else
            td(b, T(req, "In reserve"));
        html_lit(b, "</tr>");
    }
    html_lit(b, "</tbody></table>");
}

static void invitations_table(struct http_request *req, struct http_response *res, const struct programme *p,
                              const struct selection_run *r)
{
    struct strbuf *b = &res->body;
    bool contacts = may(req, POLICY_INSTITUTION_CONTACTS), manage = may(req, POLICY_SELECTION_MANAGE);
    bool open_run = strcmp(r->status, "confirmed") == 0;
    html_lit(b, "<table><thead><tr>");
    th(b, T(req, "Institution"), false);
    th(b, T(req, "Sent"), false);
    th(b, T(req, "Answer"), false);
    if (contacts) th(b, T(req, "Sent to"), false);
    if (manage && open_run) th(b, T(req, "Link"), false);
    html_lit(b, "</tr></thead><tbody>");
    for (size_t i = 0; i < r->ninvitations; i++) {
        const struct selrun_invitation *v = &r->invitations[i];
        html_lit(b, "<tr><td>");
        html_text(b, name_of(r, v->institution_id));
        html_lit(b, "</td><td>");
        layout_date(req, b, arena_strndup(req->arena, v->created_at, 10));
        html_lit(b, "</td><td>");
        html_text(b, T(req, invitation_label(v->state)));
        if (v->responded_at && strcmp(v->state, "withdrawn") != 0) {
            html_lit(b, " (");
            layout_date(req, b, arena_strndup(req->arena, v->responded_at, 10));
            html_lit(b, ")");
        }
        if (v->reason) {
            html_lit(b, "<br><q>");
            html_text(b, v->reason);
            html_lit(b, "</q>");
        }
        html_lit(b, "</td>");
        if (contacts) td(b, v->email ? v->email : T(req, "no email: pass the link on"));
        if (manage && open_run) {
            html_lit(b, "<td>");
            if (strcmp(v->state, "sent") == 0) {
                html_lit(b, "<form method=\"post\" action=\"");
                html_url(b, run_url(req, p, r, "/relink"));
                html_lit(b, "\">");
                access_csrf_field(req, res);
                html_lit(b, "<input type=\"hidden\" name=\"institution\" value=\"");
                html_attr(b, v->institution_id);
                html_lit(b, "\"><button type=\"submit\" class=\"secondary\">");
                html_text(b, T(req, "Make a new link"));
                html_lit(b, "<span class=\"visually-hidden\"> ");
                html_text(b, name_of(r, v->institution_id));
                html_lit(b, "</span></button></form>");
            }
            html_lit(b, "</td>");
        }
        html_lit(b, "</tr>");
    }
    html_lit(b, "</tbody></table>");
}

/* Links made just now, shown once: the database keeps only their hashes. */
static void fresh_links(struct http_request *req, struct strbuf *b, const struct selrun_link *links, size_t n)
{
    size_t unmailed = 0;
    for (size_t i = 0; i < n; i++) unmailed += !links[i].mailed;
    if (!n) return;
    html_lit(b, "<div class=\"card\" role=\"status\"><h2>");
    html_text(b, arena_printf(req->arena, T(req, "Invitations sent: %d."), (int)n));
    html_lit(b, "</h2>");
    if (!unmailed) {
        para(b, T(req, "Each one is in the outbox, on its way to the contact email in the register."));
        html_lit(b, "</div>");
        return;
    }
    para(b, T(req, "These institutions have no contact email in the register: pass each link on by other means. The links are shown only now; make a new one below if one is lost."));
    html_lit(b, "<ul>");
    for (size_t i = 0; i < n; i++) {
        if (links[i].mailed) continue;
        html_lit(b, "<li>");
        html_text(b, links[i].name);
        html_lit(b, ": <code class=\"secret\">");
        html_text(b, arena_printf(req->arena, "%s/invitation/%s", access_public_url(), links[i].token));
        html_lit(b, "</code></li>");
    }
    html_lit(b, "</ul></div>");
}

static void verification(struct http_request *req, struct strbuf *b, const struct selection_run *r,
                         const struct said *sd)
{
    bool same = sd->x.same;
    const char *why = sd->x.why;
    html_lit(b, "<h2>");
    html_text(b, T(req, "Reproducibility"));
    html_lit(b, "</h2>");
    if (!sd->verified) {
        html_lit(b, "<p class=\"error\">");
        html_text(b, T(req, "The selection could not be run again just now."));
        html_lit(b, "</p>");
        return;
    }
    if (same) {
        html_lit(b, "<p class=\"notice\">");
        html_text(b, T(req, "Run again now on the frozen inputs and rules, the selection gives the same result and the same reserve list."));
        html_lit(b, "</p>");
    } else {
        html_lit(b, "<p class=\"error\">");
        html_text(b, T(req, "Run again now on the frozen inputs and rules, the selection gives another result:"));
        html_lit(b, "</p>");
        para(b, why);
    }
    para(b, arena_printf(req->arena, T(req, "Frozen with the run: %d candidates with their scores, the rules and the need model."),
                         (int)r->ninputs));
}

static void run_page(struct http_request *req, struct http_response *res, const struct programme *p,
                     const struct selection_run *r, const struct selrun_link *links, size_t nlinks, const char *error)
{
    struct strbuf *b = &res->body;
    bool manage = may(req, POLICY_SELECTION_MANAGE);
    heading(req, res, T(req, "Selection run"));
    html_lit(b, "<p><a href=\"");
    html_url(b, sel_url(req, p, ""));
    html_lit(b, "\">");
    html_text(b, p->name);
    html_lit(b, "</a> · <strong>");
    html_text(b, T(req, status_label(r->status)));
    html_lit(b, "</strong> · ");
    layout_date(req, b, arena_strndup(req->arena, r->created_at, 10));
    html_lit(b, " · ");
    html_text(b, r->created_by);
    if (r->is_demo) {
        html_lit(b, " <span class=\"tag\">");
        html_text(b, T(req, "Demo data"));
        html_lit(b, "</span>");
    }
    html_lit(b, "</p>");
    const char *done = http_query(req, "done");
    if (done && strcmp(done, "confirmed") == 0) {
        html_lit(b, "<p class=\"notice\" role=\"status\">");
        html_text(b, T(req, "The selection is confirmed: its inputs, rules and result are frozen."));
        html_lit(b, "</p>");
    } else if (done && strcmp(done, "discarded") == 0) {
        html_lit(b, "<p class=\"notice\" role=\"status\">");
        html_text(b, T(req, "The run is discarded."));
        html_lit(b, "</p>");
    }
    if (error) {
        html_lit(b, "<p class=\"error\" role=\"alert\">");
        html_text(b, error);
        html_lit(b, "</p>");
    }
    fresh_links(req, b, links, nlinks);

    html_lit(b, "<h2>");
    html_text(b, T(req, "Rules"));
    html_lit(b, "</h2>");
    rules_facts(req, b, r);

    struct said sd;
    say_run(req, r, &sd);

    if (!r->feasible) {
        html_lit(b, "<div class=\"error-summary\" role=\"alert\"><h2>");
        html_text(b, T(req, "The rules cannot all be met"));
        html_lit(b, "</h2><p>");
        html_text(b, T(req, "Nothing was selected. What stands in the way:"));
        html_lit(b, "</p><ul>");
        for (size_t i = 0; i < sd.x.result.nproblems; i++) {
            html_lit(b, "<li>");
            html_text(b, sd.x.result.problems[i]);
            html_lit(b, "</li>");
        }
        html_lit(b, "</ul></div>");
    } else {
        size_t *rank = selrun_ranks(r, req->arena);
        html_lit(b, "<h2 id=\"h-chosen\">");
        html_text(b, T(req, "Selected"));
        html_lit(b, "</h2>");
        if (sd.x.result.note) para(b, sd.x.result.note);
        para(b, arena_printf(req->arena, T(req, "Total need %.1f; %d informal, %d rural (at least %d needed)."),
                             r->result.total, (int)r->result.informal, (int)r->result.rural,
                             (int)r->result.required_rural));
        chosen_table(req, b, r, rank, &sd);
        html_lit(b, "<h2>");
        html_text(b, T(req, "The nearest left out"));
        html_lit(b, "</h2>");
        out_table(req, b, r, &sd);
        html_lit(b, "<h2>");
        html_text(b, T(req, "Reserve list"));
        html_lit(b, "</h2>");
        para(b, T(req, "In need order, the institutions left out that could each take a selected one's place without breaking a rule. When one declines, the place goes to the first that keeps every rule."));
        if (r->result.nreserve) reserve_table(req, b, r, rank);
        else para(b, T(req, "Nobody left out could take a place without breaking a rule."));
    }
    if (r->ninvitations) {
        html_lit(b, "<h2>");
        html_text(b, T(req, "Invitations"));
        html_lit(b, "</h2>");
        invitations_table(req, res, p, r);
    }
    verification(req, b, r, &sd);
    html_lit(b, "<h2>");
    html_text(b, T(req, "Downloads"));
    html_lit(b, "</h2><p><a href=\"");
    html_url(b, run_url(req, p, r, "/export.csv"));
    html_lit(b, "\">");
    html_text(b, T(req, "Ranking and selection as CSV"));
    html_lit(b, "</a> · <a href=\"");
    html_url(b, run_url(req, p, r, "/export.xlsx"));
    html_lit(b, "\">");
    html_text(b, T(req, "Ranking and selection as XLSX"));
    html_lit(b, "</a></p>");

    if (manage && strcmp(r->status, "discarded") != 0) {
        html_lit(b, "<h2>");
        html_text(b, T(req, "Actions"));
        html_lit(b, "</h2>");
        bool draft = strcmp(r->status, "draft") == 0;
        if (draft && r->feasible) {
            para(b, T(req, "Confirming freezes the run: its inputs, rules and result no longer change, and the selected institutions are marked selected in the register."));
            post_button(req, res, run_url(req, p, r, "/confirm"), T(req, "Confirm this selection"), false);
        }
        if (!draft) {
            bool pending = false;
            for (size_t i = 0; i < r->nplaces; i++)
                pending |= strcmp(r->places[i].role, "selected") == 0 && strcmp(r->places[i].state, "chosen") == 0;
            if (pending) {
                para(b, T(req, "Each selected institution not invited yet gets a link to accept or decline, sent to its contact email in the register."));
                post_button(req, res, run_url(req, p, r, "/invite"), T(req, "Send the invitations"), false);
            }
        }
        para(b, draft ? T(req, "Discarding keeps the run for the record; it can no longer be confirmed.")
                      : T(req, "Discarding a confirmed run withdraws its unanswered invitations and returns their institutions to the register's pool."));
        post_button(req, res, run_url(req, p, r, "/discard"), T(req, "Discard this run"), true);
    }
    layout_end(req, res);
}

static void run_get(struct http_request *req, struct http_response *res)
{
    struct programme *p = programme_of(req, res);
    struct selection_run *r = p ? run_of(req, res, p) : NULL;
    if (r) run_page(req, res, p, r, NULL, 0, NULL);
}

static struct selrun_mail page_mail(struct http_request *req)
{
    return (struct selrun_mail){access_public_url(), web_state(req)->lang};
}

/* After a refused change: the page again, with why, and nothing changed. */
static void refused(struct http_request *req, struct http_response *res, const struct programme *p,
                    const struct selection_run *r, const char *why)
{
    res->status = 409;
    run_page(req, res, p, r, NULL, 0, why);
}

static void confirm_post(struct http_request *req, struct http_response *res)
{
    struct programme *p = programme_of(req, res);
    struct selection_run *r = p ? run_of(req, res, p) : NULL;
    if (!r) return;
    struct audit_actor by;
    web_audit_actor(req, &by);
    struct err e;
    err_clear(&e);
    int rc = selrun_confirm(web_state(req)->store, req->arena, r, &by, &e);
    if (rc == ERR_CONFLICT) {
        refused(req, res, p, r, !r->feasible ? T(req, "The rules of this run cannot be met: there is nothing to confirm.")
                                : strcmp(r->status, "draft") != 0 ? T(req, "Only a draft run can be confirmed.")
                                : T(req, "The programme has a confirmed selection already: discard it first."));
        return;
    }
    if (rc < 0) {
        log_error("selection confirm: %s", e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    http_redirect(res, 303, run_url(req, p, r, "?done=confirmed"));
}

static void discard_post(struct http_request *req, struct http_response *res)
{
    struct programme *p = programme_of(req, res);
    struct selection_run *r = p ? run_of(req, res, p) : NULL;
    if (!r) return;
    struct audit_actor by;
    web_audit_actor(req, &by);
    struct err e;
    err_clear(&e);
    int rc = selrun_discard(web_state(req)->store, req->arena, r, &by, &e);
    if (rc == ERR_CONFLICT) {
        refused(req, res, p, r, T(req, "This run was discarded already."));
        return;
    }
    if (rc < 0) {
        log_error("selection discard: %s", e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    http_redirect(res, 303, run_url(req, p, r, "?done=discarded"));
}

static void invite_post(struct http_request *req, struct http_response *res)
{
    struct programme *p = programme_of(req, res);
    struct selection_run *r = p ? run_of(req, res, p) : NULL;
    if (!r) return;
    struct audit_actor by;
    web_audit_actor(req, &by);
    struct err e;
    err_clear(&e);
    struct selrun_link *links;
    size_t n;
    struct selrun_mail mail = page_mail(req);
    int rc = selrun_invite(web_state(req)->store, req->arena, r, &mail, &by, &links, &n, &e);
    if (rc == ERR_CONFLICT) {
        refused(req, res, p, r, T(req, "Invitations go out for a confirmed selection only."));
        return;
    }
    if (rc < 0) {
        log_error("selection invite: %s", e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    /* The page itself, not a redirect: the links not mailed exist only in this answer. */
    struct selection_run *now;
    if (selrun_load(web_state(req)->store, req->arena, p->id, r->id, &now, &e) < 0) {
        log_error("selection run: %s", e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    http_set_header(res, "Cache-Control", "no-store");
    run_page(req, res, p, now, links, n, n ? NULL : T(req, "Every selected institution has been invited already."));
}

static void relink_post(struct http_request *req, struct http_response *res)
{
    struct programme *p = programme_of(req, res);
    struct selection_run *r = p ? run_of(req, res, p) : NULL;
    if (!r) return;
    const char *inst = http_form(req, "institution");
    struct audit_actor by;
    web_audit_actor(req, &by);
    struct err e;
    err_clear(&e);
    struct selrun_link link;
    struct selrun_mail mail = page_mail(req);
    int rc = selrun_relink(web_state(req)->store, req->arena, r, inst ? inst : "", &mail, &by, &link, &e);
    if (rc == ERR_NOT_FOUND) {
        page_error(req, res, 404, T(req, "This institution has no open invitation in this run."));
        return;
    }
    if (rc < 0) {
        log_error("selection relink: %s", e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    struct selection_run *now;
    if (selrun_load(web_state(req)->store, req->arena, p->id, r->id, &now, &e) < 0) {
        log_error("selection run: %s", e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    http_set_header(res, "Cache-Control", "no-store");
    run_page(req, res, p, now, &link, 1, NULL);
}

static int append_body(void *ctx, const void *data, size_t len)
{
    strbuf_append(ctx, data, len);
    return 0;
}

static void export_page(struct http_request *req, struct http_response *res, bool csv)
{
    struct programme *p = programme_of(req, res);
    struct selection_run *r = p ? run_of(req, res, p) : NULL;
    if (!r) return;
    /* Contact details only for those who may read them (INSTITUTION_CONTACTS: coordinators). */
    bool contacts = may(req, POLICY_INSTITUTION_CONTACTS);
    struct err e;
    err_clear(&e);
    strbuf_reset(&res->body);
    int rc = csv ? selexp_csv(web_state(req)->store, req->arena, r, contacts, append_body, &res->body, &e)
                 : selexp_xlsx(web_state(req)->store, req->arena, r, contacts, append_body, &res->body, &e);
    if (rc < 0) {
        log_error("selection export: %s", e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    res->status = 200;
    res->content_type = csv ? "text/csv; charset=utf-8"
                            : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    http_set_header(res, "Content-Disposition",
                    arena_printf(req->arena, "attachment; filename=\"selection-%s-%.10s.%s\"", p->slug, r->created_at,
                                 csv ? "csv" : "xlsx"));
    http_set_header(res, "Cache-Control", "no-store");
}

static void export_csv(struct http_request *req, struct http_response *res) { export_page(req, res, true); }
static void export_xlsx(struct http_request *req, struct http_response *res) { export_page(req, res, false); }

/* ---- the invitation's public page ------------------------------------------------------------- */

static const char *closed_sentence(struct http_request *req, const struct selrun_lookup *lk)
{
    if (strcmp(lk->state, "accepted") == 0) return T(req, "This invitation has been accepted already. Thank you: the programme's coordinator will be in touch.");
    if (strcmp(lk->state, "declined") == 0) return T(req, "This invitation has been declined already. Thank you for answering.");
    if (strcmp(lk->state, "withdrawn") == 0) return T(req, "This invitation was withdrawn by the programme. Nothing more is needed from you.");
    return T(req, "This invitation has expired. If the institution would still like to take part, write to the programme's coordinator.");
}

/* The invitation of the address, or NULL with the 404, 410 (or 503) page written. */
static bool invitation_of(struct http_request *req, struct http_response *res, struct selrun_lookup *lk)
{
    struct err e;
    err_clear(&e);
    int rc = selrun_lookup(web_state(req)->store, req->arena, http_route(req, "token"), time_now_ms(), lk, &e);
    if (rc == ERR_NOT_FOUND) {
        page_error(req, res, 404, T(req, "There is no invitation at this address. Check that the whole link from the message was copied."));
        return false;
    }
    if (rc < 0) {
        log_error("invitation: %s", e.msg);
        page_error(req, res, 503, NULL);
        return false;
    }
    if (!lk->open) {
        page_error(req, res, 410, closed_sentence(req, lk));
        return false;
    }
    return true;
}

static void invitation_page(struct http_request *req, struct http_response *res, const struct selrun_lookup *lk,
                            const char *error, const char *reason)
{
    struct strbuf *b = &res->body;
    layout_begin(req, res, T(req, "Invitation to the pilot"), NULL);
    html_lit(b, "<h1>");
    html_text(b, T(req, "Invitation to the pilot"));
    html_lit(b, "</h1><p class=\"lead\">");
    html_text(b, arena_printf(req->arena, T(req, "%s is invited to take part in the pilot of %s."), lk->institution_name,
                              lk->programme_name));
    html_lit(b, "</p>");
    if (error) {
        html_lit(b, "<p class=\"error\" role=\"alert\" id=\"reason-error\">");
        html_text(b, error);
        html_lit(b, "</p>");
    }
    html_lit(b, "<h2>");
    html_text(b, T(req, "What accepting means"));
    html_lit(b, "</h2><ul><li>");
    html_text(b, arena_printf(req->arena, T(req, "The institution receives %d tablets for its learners, delivered and followed up by the programme."),
                              lk->devices_per_institution));
    html_lit(b, "</li><li>");
    html_text(b, T(req, "Its teachers are offered training, and it answers the programme's short feedback surveys."));
    html_lit(b, "</li><li>");
    html_text(b, T(req, "If it declines, its place goes to another institution."));
    html_lit(b, "</li></ul><p>");
    html_text(b, T(req, "This link works once, until:"));
    html_lit(b, " ");
    layout_date(req, b, arena_strndup(req->arena, lk->expires, 10));
    html_lit(b, "</p><form method=\"post\" action=\"/invitation/");
    html_attr(b, http_route(req, "token"));
    html_lit(b, "\"><input type=\"hidden\" name=\"action\" value=\"accept\"><p><button type=\"submit\">");
    html_text(b, T(req, "Accept the invitation"));
    html_lit(b, "</button></p></form><h2>");
    html_text(b, T(req, "Decline"));
    html_lit(b, "</h2><form method=\"post\" action=\"/invitation/");
    html_attr(b, http_route(req, "token"));
    html_lit(b, "\"><input type=\"hidden\" name=\"action\" value=\"decline\"><div class=\"field");
    if (error) html_lit(b, " invalid");
    html_lit(b, "\"><label for=\"reason\">");
    html_text(b, T(req, "Why does the institution decline?"));
    html_lit(b, "</label><p class=\"hint\" id=\"reason-hint\">");
    html_text(b, T(req, "A sentence or two helps the programme plan the next pilots. At most 2000 characters."));
    html_lit(b, "</p><textarea id=\"reason\" name=\"reason\" rows=\"4\" maxlength=\"2000\" aria-describedby=\"reason-hint");
    if (error) html_lit(b, " reason-error\" aria-invalid=\"true");
    html_lit(b, "\">");
    html_text(b, reason ? reason : "");
    html_lit(b, "</textarea></div><p><button type=\"submit\" class=\"secondary\">");
    html_text(b, T(req, "Decline the invitation"));
    html_lit(b, "</button></p></form>");
    layout_end(req, res);
}

static void invitation_get(struct http_request *req, struct http_response *res)
{
    struct selrun_lookup lk;
    if (invitation_of(req, res, &lk)) invitation_page(req, res, &lk, NULL, NULL);
}

static void invitation_post(struct http_request *req, struct http_response *res)
{
    struct selrun_lookup lk;
    if (!invitation_of(req, res, &lk)) return;
    const char *action = http_form(req, "action"), *reason = http_form(req, "reason");
    bool accept = action && strcmp(action, "accept") == 0;
    if (!accept && !(action && strcmp(action, "decline") == 0)) {
        page_error(req, res, 400, T(req, "Choose to accept or to decline the invitation. Nothing was changed."));
        return;
    }
    struct audit_actor by;
    web_audit_actor(req, &by);
    struct err e;
    err_clear(&e);
    struct selrun_outcome out;
    struct selrun_mail mail = page_mail(req);
    int rc = selrun_respond(web_state(req)->store, req->arena, http_route(req, "token"), accept, reason, time_now_ms(),
                            &mail, &by, &out, &e);
    if (rc == ERR_INVALID) {
        res->status = 400;
        bool blank = true;
        for (const char *c = reason ? reason : ""; *c && blank; c++) blank = *c == ' ' || *c == '\t' || *c == '\r' || *c == '\n';
        invitation_page(req, res, &lk, blank ? T(req, "Say why the institution declines: the invitation is not declined until you do.")
                                             : T(req, "The reason is too long: 2000 characters at most."),
                        reason);
        return;
    }
    if (rc == ERR_NOT_FOUND || rc == ERR_CONFLICT) {
        /* Answered or withdrawn between the page and the post. */
        if (selrun_lookup(web_state(req)->store, req->arena, http_route(req, "token"), time_now_ms(), &lk, &e) == 0)
            page_error(req, res, 410, closed_sentence(req, &lk));
        else page_error(req, res, 404, NULL);
        return;
    }
    if (rc < 0) {
        log_error("invitation answer: %s", e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    struct strbuf *b = &res->body;
    layout_begin(req, res, T(req, "Thank you"), NULL);
    html_lit(b, "<h1>");
    html_text(b, T(req, "Thank you"));
    html_lit(b, "</h1><p class=\"notice\" role=\"status\">");
    html_text(b, accept ? arena_printf(req->arena, T(req, "%s has accepted the invitation to the pilot of %s. The programme's coordinator will write about the next steps."),
                                       lk.institution_name, lk.programme_name)
                        : arena_printf(req->arena, T(req, "%s has declined the invitation to the pilot of %s. Your answer is recorded."),
                                       lk.institution_name, lk.programme_name));
    html_lit(b, "</p>");
    layout_end(req, res);
}

void selection_routes(struct router *r)
{
    router_add(r, HTTP_GET, "/programmes/{slug}/selections", runs_list);
    router_add(r, HTTP_GET, "/programmes/{slug}/selections/new", new_get);
    router_add(r, HTTP_POST, "/programmes/{slug}/selections/new", new_post);
    router_add(r, HTTP_GET, "/programmes/{slug}/selections/{run}", run_get);
    router_add(r, HTTP_POST, "/programmes/{slug}/selections/{run}/confirm", confirm_post);
    router_add(r, HTTP_POST, "/programmes/{slug}/selections/{run}/discard", discard_post);
    router_add(r, HTTP_POST, "/programmes/{slug}/selections/{run}/invite", invite_post);
    router_add(r, HTTP_POST, "/programmes/{slug}/selections/{run}/relink", relink_post);
    router_add(r, HTTP_GET, "/programmes/{slug}/selections/{run}/export.csv", export_csv);
    router_add(r, HTTP_GET, "/programmes/{slug}/selections/{run}/export.xlsx", export_xlsx);
    router_add(r, HTTP_GET, "/invitation/{token}", invitation_get);
    router_add(r, HTTP_POST, "/invitation/{token}", invitation_post);
}

#include "web/need_pages.h"

#include "auth/policy.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "forms/table_out.h"
#include "html/html.h"
#include "program/assessment.h"
#include "program/campaign.h"
#include "program/programme.h"
#include "web/access.h"
#include "web/audit_pages.h"
#include "web/layout.h"
#include "web/pages.h"
#include "web/web.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { PER_PAGE = 100 };

static const char *nonempty(const char *s) { return s && *s ? s : NULL; }

/* The programme and campaign of the address (?campaign=ID, else the programme's needs survey), or
 * false with the error page written. */
struct context {
    struct programme *programme;
    struct campaign *campaign;
    const char *base; /* "/programmes/SLUG/need" */
};

static bool context_of(struct http_request *req, struct http_response *res, struct context *cx)
{
    struct err e;
    err_clear(&e);
    struct store *st = web_state(req)->store;
    if (programme_find(st, req->arena, http_route(req, "slug"), &cx->programme, &e) < 0) {
        if (e.code == ERR_NOT_FOUND) page_error(req, res, 404, T(req, "There is no programme at this address."));
        else page_error(req, res, 503, NULL);
        return false;
    }
    const char *cid = nonempty(http_query(req, "campaign"));
    if (!cid) cid = nonempty(http_form(req, "campaign"));
    int rc = cid ? campaign_find(st, req->arena, cx->programme->id, cid, &cx->campaign, &e)
                 : assess_needs_campaign(st, req->arena, cx->programme->id, &cx->campaign, &e);
    if (rc < 0) {
        if (e.code == ERR_NOT_FOUND)
            page_error(req, res, 404, cid ? T(req, "There is no such campaign in this programme.")
                                          : T(req, "This programme has no needs-survey campaign to assess yet."));
        else page_error(req, res, 503, NULL);
        return false;
    }
    struct strbuf sb;
    strbuf_init(&sb, req->arena, 64);
    strbuf_puts(&sb, "/programmes/");
    str_url_encode(&sb, cx->programme->slug);
    strbuf_puts(&sb, "/need");
    cx->base = sb.data;
    return true;
}

/* base + rest + "?campaign=ID" (+ "&" more) */
static const char *link(struct http_request *req, const struct context *cx, const char *rest, const char *more)
{
    struct strbuf sb;
    strbuf_init(&sb, req->arena, 96);
    strbuf_puts(&sb, cx->base);
    strbuf_puts(&sb, rest);
    strbuf_puts(&sb, "?campaign=");
    str_url_encode(&sb, cx->campaign->id);
    if (more) strbuf_puts(&sb, more);
    return sb.data;
}

static bool compute(struct http_request *req, struct http_response *res, const struct context *cx, bool sensitivity,
                    struct assessment *as)
{
    struct err e;
    err_clear(&e);
    if (assess_compute(web_state(req)->store, req->arena, cx->campaign, sensitivity, as, &e) == 0) return true;
    log_error("need index of campaign %s: %s", cx->campaign->id, e.msg);
    page_error(req, res, 503, NULL);
    return false;
}


static const char *label_of(struct http_request *req, const char *label, const char *id)
{
    return label && *label ? T(req, label) : id;
}

static const char *domain_label(struct http_request *req, const struct assess_model *m, const char *id)
{
    for (size_t k = 0; k < m->ndomains; k++)
        if (strcmp(m->domains[k].id, id) == 0) return label_of(req, m->domains[k].label, id);
    return id;
}

static const char *number(struct http_request *req, double v, int decimals)
{
    if (isnan(v)) return "–";
    return arena_printf(req->arena, "%.*f", decimals, v);
}

static const char *why_none(struct http_request *req, const struct assess_row *r)
{
    const char *why = assess_why_none(r);
    if (!why) return "";
    return r->why_none == NI_MISSING_DOMAIN ? arena_printf(req->arena, T(req, why), r->missing_domain ? T(req, r->missing_domain) : "")
                                            : T(req, why);
}

/* The 90% interval of a rank as a line over the ranks 1..n with a dot at the median: SVG
 * presentation attributes only (the CSP allows no style attributes). */
static void interval_svg(struct strbuf *b, const struct assess_row *r, size_t n)
{
    if (!r->rank_lo || n < 2) return;
    double span = (double)(n - 1);
    int x1 = (int)lround(100.0 * (double)(r->rank_lo - 1) / span), x2 = (int)lround(100.0 * (double)(r->rank_hi - 1) / span);
    int xm = (int)lround(100.0 * (r->median_rank - 1) / span);
    html_lit(b, "<svg class=\"interval\" width=\"100\" height=\"12\" viewBox=\"-3 0 106 12\" aria-hidden=\"true\">"
                "<line x1=\"0\" y1=\"6\" x2=\"100\" y2=\"6\" stroke=\"#d5dae1\"/><line x1=\"");
    html_int(b, x1);
    html_lit(b, "\" y1=\"6\" x2=\"");
    html_int(b, x2);
    html_lit(b, "\" y2=\"6\" stroke=\"#0b5cad\" stroke-width=\"4\"/><circle cx=\"");
    html_int(b, xm);
    html_lit(b, "\" cy=\"6\" r=\"3\" fill=\"#1d2330\"/></svg>");
}

static void method_summary(struct http_request *req, struct strbuf *b, const struct context *cx,
                           const struct assessment *as)
{
    const struct assess_model *m = &as->model;
    html_lit(b, "<div class=\"card\"><h2>");
    html_text(b, T(req, "How the score is made"));
    html_lit(b, "</h2><p>");
    html_text(b, arena_printf(req->arena,
                              T(req, "%zu indicators in %zu domains, put on a common scale by %s, combined by %s mean within domains and %s mean across them; an institution needs at least %d%% of the indicators answered and something in every domain. Scores run from 0 (least need among those assessed) to 100 (most)."),
                              m->nindicators, m->ndomains, T(req, ni_norm_name(m->norm)), T(req, ni_agg_name(m->within)),
                              T(req, ni_agg_name(m->across)), (int)lround(m->min_share * 100)));
    html_lit(b, "</p><p>");
    html_text(b, arena_printf(req->arena,
                              T(req, "How sure a rank is: the ranking was recomputed %zu times with every weight varied between half and one and a half times its value and the scale chosen at random; the interval holds 90%% of the ranks an institution got (seed %llu)."),
                              m->draws, (unsigned long long)m->seed));
    html_lit(b, "</p><ul>");
    for (size_t k = 0; k < m->ndomains; k++) {
        html_lit(b, "<li><strong>");
        html_text(b, label_of(req, m->domains[k].label, m->domains[k].id));
        html_lit(b, "</strong>: ");
        bool first = true;
        for (size_t j = 0; j < m->nindicators; j++) {
            if (strcmp(m->indicators[j].domain, m->domains[k].id) != 0) continue;
            if (!first) html_lit(b, "; ");
            first = false;
            html_text(b, label_of(req, m->indicators[j].label, m->indicators[j].id));
            html_lit(b, " (");
            html_text(b, m->indicators[j].direction > 0 ? T(req, "more means more need") : T(req, "less means more need"));
            html_lit(b, ")");
        }
        html_lit(b, "</li>");
    }
    html_lit(b, "</ul><p>");
    html_text(b, as->model_stored ? T(req, "This campaign's own model.") : T(req, "The shipped model for the needs survey."));
    if (policy_allows(web_state(req)->who, POLICY_NEED_MANAGE, NULL)) {
        html_lit(b, " <a href=\"");
        html_url(b, link(req, cx, "/model", NULL));
        html_lit(b, "\">");
        html_text(b, T(req, "Change the indicators, weights and method"));
        html_lit(b, "</a>");
    }
    html_lit(b, "</p></div>");
}

/* --- the ranking ------------------------------------------------------------------------------- */

static bool matches(const struct assess_row *r, const char *country, const char *kind)
{
    if (country && (!r->country || strcmp(r->country, country) != 0)) return false;
    if (kind && (!r->kind || strcmp(r->kind, kind) != 0)) return false;
    return true;
}

static void ranking_page(struct http_request *req, struct http_response *res)
{
    struct context cx;
    if (!context_of(req, res, &cx)) return;
    struct assessment as;
    if (!compute(req, res, &cx, true, &as)) return;
    const char *country = nonempty(http_query(req, "country")), *kind = nonempty(http_query(req, "kind"));
    int64_t page = 1;
    const char *ps = http_query(req, "page");
    if (ps && (!str_to_int64(ps, 1, 1000000, &page))) page = 1;

    struct strbuf *b = &res->body;
    const char *title = T(req, "Need ranking");
    layout_begin(req, res, title, "programmes");
    html_lit(b, "<p><a href=\"/programmes/");
    html_attr(b, cx.programme->slug);
    html_lit(b, "\">");
    html_text(b, cx.programme->name);
    html_lit(b, "</a></p><h1>");
    html_text(b, title);
    html_lit(b, "</h1><p class=\"lead\">");
    html_text(b, arena_printf(req->arena, T(req, "%s: %zu institutions assessed, %zu with a score."), cx.campaign->name,
                              as.nrows, as.scored));
    html_lit(b, "</p>");
    if (as.eval_failures) {
        html_lit(b, "<p class=\"notice\">");
        html_text(b, arena_printf(req->arena, T(req, "%zu values could not be computed and count as not answered. The first: %s"),
                                  as.eval_failures, as.first_failure ? as.first_failure : ""));
        html_lit(b, "</p>");
    }
    method_summary(req, b, &cx, &as);

    /* Filters: a GET form, so that the address can be shared. */
    html_lit(b, "<form method=\"get\" action=\"");
    html_attr(b, cx.base);
    html_lit(b, "\" class=\"filters\"><input type=\"hidden\" name=\"campaign\" value=\"");
    html_attr(b, cx.campaign->id);
    html_lit(b, "\"><div class=\"field\"><label for=\"f-country\">");
    html_text(b, T(req, "Country"));
    html_lit(b, "</label><input type=\"text\" id=\"f-country\" name=\"country\" maxlength=\"2\" size=\"3\" value=\"");
    html_attr(b, country ? country : "");
    html_lit(b, "\"></div><div class=\"field\"><label for=\"f-kind\">");
    html_text(b, T(req, "Kind"));
    html_lit(b, "</label><select id=\"f-kind\" name=\"kind\"><option value=\"\">");
    html_text(b, T(req, "All kinds"));
    html_lit(b, "</option>");
    static const char *const kinds[][2] = {{"school", N_("School")}, {"stem_club", N_("STEM club")},
                                           {"education_centre", N_("Education centre")}};
    for (size_t k = 0; k < 3; k++) {
        html_lit(b, "<option value=\"");
        html_attr(b, kinds[k][0]);
        if (kind && strcmp(kind, kinds[k][0]) == 0) html_lit(b, "\" selected>");
        else html_lit(b, "\">");
        html_text(b, T(req, kinds[k][1]));
        html_lit(b, "</option>");
    }
    html_lit(b, "</select></div><button type=\"submit\">");
    html_text(b, T(req, "Show"));
    html_lit(b, "</button></form><p>");
    html_text(b, T(req, "Download the ranking:"));
    html_lit(b, " <a href=\"");
    html_url(b, link(req, &cx, ".csv", NULL));
    html_lit(b, "\">CSV</a> · <a href=\"");
    html_url(b, link(req, &cx, ".xlsx", NULL));
    html_lit(b, "\">XLSX</a></p>");

    html_lit(b, "<table class=\"ranking\"><caption>");
    html_text(b, T(req, "Institutions in order of need. The rank is among all assessed; the interval shows how it moves when the weights and the scale change."));
    html_lit(b, "</caption><thead><tr><th scope=\"col\" class=\"num\">");
    html_text(b, T(req, "Rank"));
    html_lit(b, "</th><th scope=\"col\">");
    html_text(b, T(req, "Institution"));
    html_lit(b, "</th><th scope=\"col\">");
    html_text(b, T(req, "Country"));
    html_lit(b, "</th><th scope=\"col\" class=\"num\">");
    html_text(b, T(req, "Score"));
    html_lit(b, "</th><th scope=\"col\">");
    html_text(b, T(req, "Median rank (90% interval)"));
    html_lit(b, "</th><th scope=\"col\">");
    html_text(b, T(req, "Status"));
    html_lit(b, "</th></tr></thead><tbody>");
    size_t shown = 0, total = 0, first = (size_t)(page - 1) * PER_PAGE;
    for (size_t k = 0; k < as.nrows; k++) {
        const struct assess_row *r = &as.rows[as.order[k]];
        if (!matches(r, country, kind)) continue;
        if (total++ < first || shown >= PER_PAGE) continue;
        shown++;
        html_lit(b, "<tr><td class=\"num\">");
        if (r->rank) html_int(b, (int64_t)r->rank);
        else html_text(b, "–");
        html_lit(b, "</td><td><a href=\"");
        html_url(b, link(req, &cx, arena_printf(req->arena, "/%s", r->institution_id), NULL));
        html_lit(b, "\">");
        html_text(b, r->name);
        html_lit(b, "</a></td><td>");
        html_text(b, r->country ? r->country : "–");
        html_lit(b, "</td><td class=\"num\">");
        if (isnan(r->score)) {
            html_lit(b, "–</td><td>");
            html_text(b, why_none(req, r));
        } else {
            html_text(b, number(req, r->score, 1));
            html_lit(b, "</td><td>");
            html_text(b, arena_printf(req->arena, "%s (%zu–%zu) ", number(req, r->median_rank, 1), r->rank_lo, r->rank_hi));
            interval_svg(b, r, as.scored);
        }
        html_lit(b, "</td><td>");
        html_text(b, r->status ? r->status : "");
        html_lit(b, "</td></tr>");
    }
    html_lit(b, "</tbody></table>");
    if (!total) {
        html_lit(b, "<p>");
        html_text(b, T(req, "No institution matches these filters."));
        html_lit(b, "</p>");
    }
    size_t pages = (total + PER_PAGE - 1) / PER_PAGE;
    if (pages > 1) {
        html_lit(b, "<nav aria-label=\"");
        html_attr(b, T(req, "Pages"));
        html_lit(b, "\"><p>");
        for (size_t p = 1; p <= pages; p++) {
            struct strbuf more;
            strbuf_init(&more, req->arena, 64);
            strbuf_printf(&more, "&page=%zu", p);
            if (country) strbuf_puts(&more, "&country="), str_url_encode(&more, country);
            if (kind) strbuf_puts(&more, "&kind="), str_url_encode(&more, kind);
            if ((int64_t)p == page) {
                html_lit(b, "<strong aria-current=\"page\">");
                html_int(b, (int64_t)p);
                html_lit(b, "</strong> ");
            } else {
                html_lit(b, "<a href=\"");
                html_url(b, link(req, &cx, "", more.data));
                html_lit(b, "\">");
                html_int(b, (int64_t)p);
                html_lit(b, "</a> ");
            }
        }
        html_lit(b, "</p></nav>");
    }
    layout_end(req, res);
}

static int append_body(void *ctx, const void *data, size_t len)
{
    strbuf_append(ctx, data, len);
    return 0;
}

static void ranking_download(struct http_request *req, struct http_response *res, bool csv)
{
    struct context cx;
    if (!context_of(req, res, &cx)) return;
    struct assessment as;
    if (!compute(req, res, &cx, true, &as)) return;
    struct table_out t;
    assess_table(&as, req->arena, &t);
    struct err e;
    err_clear(&e);
    strbuf_reset(&res->body);
    int rc = csv ? table_out_csv(&t, append_body, &res->body, &e) : table_out_xlsx(&t, append_body, &res->body, &e);
    if (rc < 0) {
        log_error("need ranking download: %s", e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    char now[32];
    time_format_iso(time_now_ms(), now, sizeof now);
    res->status = 200;
    res->content_type = csv ? "text/csv; charset=utf-8" : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    http_set_header(res, "Content-Disposition",
                    arena_printf(req->arena, "attachment; filename=\"need-ranking-%s-%.10s.%s\"", cx.programme->slug, now,
                                 csv ? "csv" : "xlsx"));
    http_set_header(res, "Cache-Control", "no-store");
}

static void ranking_csv(struct http_request *req, struct http_response *res) { ranking_download(req, res, true); }
static void ranking_xlsx(struct http_request *req, struct http_response *res) { ranking_download(req, res, false); }

/* --- one institution's score, explained -------------------------------------------------------- */

static void explain_page(struct http_request *req, struct http_response *res)
{
    const char *id = http_route(req, "id");
    struct context cx;
    if (!context_of(req, res, &cx)) return;
    struct assessment as;
    if (!compute(req, res, &cx, true, &as)) return;
    long i = assess_find(&as, id);
    struct ni_explanation x;
    struct err e;
    err_clear(&e);
    if (i < 0 || assess_explain(&as, (size_t)i, req->arena, &x, &e) < 0) {
        page_error(req, res, 404, T(req, "This institution is not assessed in this campaign (it may have been merged into another record)."));
        return;
    }
    struct policy_target t = {.institution_id = id};
    /* The gate let institution contacts through; now that the institution is known, only their own. */
    if (!policy_allows(web_state(req)->who, POLICY_NEED_EXPLAIN, &t)) {
        page_error(req, res, 403, NULL);
        return;
    }
    const struct assess_row *r = &as.rows[i];
    const struct assess_model *m = &as.model;
    struct strbuf *b = &res->body;
    layout_begin(req, res, arena_printf(req->arena, "%s: %s", T(req, "Need score"), r->name), "programmes");
    if (policy_allows(web_state(req)->who, POLICY_NEED_VIEW, NULL)) {
        html_lit(b, "<p><a href=\"");
        html_url(b, link(req, &cx, "", NULL));
        html_lit(b, "\">");
        html_text(b, T(req, "Need ranking"));
        html_lit(b, "</a></p>");
    }
    html_lit(b, "<h1>");
    html_text(b, r->name);
    html_lit(b, "</h1><p class=\"lead\">");
    if (isnan(r->score)) {
        html_text(b, T(req, "No need score."));
        html_lit(b, " ");
        html_text(b, why_none(req, r));
    } else {
        html_text(b, arena_printf(req->arena, T(req, "Need score %s of 100: rank %zu of %zu."), number(req, r->score, 1),
                                  r->rank, as.scored));
        if (r->rank_lo) {
            html_lit(b, " ");
            html_text(b, arena_printf(req->arena,
                                      T(req, "With other reasonable weights and scales its rank was between %zu and %zu in 90%% of %zu draws (median %s)."),
                                      r->rank_lo, r->rank_hi, m->draws, number(req, r->median_rank, 1)));
        }
    }
    html_lit(b, "</p><p>");
    html_text(b, T(req, "Each line is one indicator: the answer, its place on the common scale (0 least need, 100 most), the weight it had for this institution after unanswered indicators were left out, and the points it contributes. The points add up to the score; the largest come first."));
    html_lit(b, "</p><table><thead><tr><th scope=\"col\">");
    html_text(b, T(req, "Indicator"));
    html_lit(b, "</th><th scope=\"col\">");
    html_text(b, T(req, "Domain"));
    html_lit(b, "</th><th scope=\"col\" class=\"num\">");
    html_text(b, T(req, "Answer"));
    html_lit(b, "</th><th scope=\"col\" class=\"num\">");
    html_text(b, T(req, "On the scale"));
    html_lit(b, "</th><th scope=\"col\" class=\"num\">");
    html_text(b, T(req, "Weight"));
    html_lit(b, "</th><th scope=\"col\" class=\"num\">");
    html_text(b, T(req, "Points"));
    html_lit(b, "</th></tr></thead><tbody>");
    double sum = 0;
    for (size_t k = 0; k < x.nterms; k++) {
        const struct ni_term *term = &x.terms[k];
        const struct assess_indicator *ind = &m->indicators[term->indicator];
        html_lit(b, "<tr><td>");
        html_text(b, label_of(req, ind->label, ind->id));
        html_lit(b, "</td><td>");
        html_text(b, domain_label(req, m, ind->domain));
        if (!term->present) {
            html_lit(b, "</td><td class=\"num\" colspan=\"4\">");
            html_text(b, T(req, "not answered: left out, its domain's other indicators share its weight"));
            html_lit(b, "</td></tr>");
            continue;
        }
        html_lit(b, "</td><td class=\"num\">");
        html_text(b, arena_printf(req->arena, "%.4g", term->raw));
        html_lit(b, "</td><td class=\"num\">");
        html_text(b, number(req, term->normalised, 1));
        html_lit(b, "</td><td class=\"num\">");
        html_text(b, arena_printf(req->arena, "%.1f%%", 100 * term->weight));
        html_lit(b, "</td><td class=\"num\">");
        html_text(b, number(req, term->contribution, 2));
        html_lit(b, "</td></tr>");
        if (!isnan(term->contribution)) sum += term->contribution;
    }
    html_lit(b, "</tbody>");
    if (!isnan(r->score)) {
        html_lit(b, "<tfoot><tr><th scope=\"row\" colspan=\"5\">");
        html_text(b, T(req, "Score"));
        html_lit(b, "</th><td class=\"num\">");
        html_text(b, number(req, sum, 2));
        html_lit(b, "</td></tr></tfoot>");
    }
    html_lit(b, "</table><p>");
    if (policy_allows(web_state(req)->who, POLICY_INSTITUTION_VIEW, &t)) {
        html_lit(b, "<a href=\"/institutions/");
        html_attr(b, r->institution_id);
        html_lit(b, "\">");
        html_text(b, T(req, "The institution's record"));
        html_lit(b, "</a>");
    }
    struct policy_target sub = {.institution_id = id, .form_id = cx.campaign->form_id};
    if (r->submission_id && policy_allows(web_state(req)->who, POLICY_SUBMISSION_VIEW, &sub)) {
        html_lit(b, " · <a href=\"/forms/");
        html_attr(b, cx.campaign->form_id);
        html_lit(b, "/submissions/");
        html_attr(b, r->submission_id);
        html_lit(b, "\">");
        html_text(b, T(req, "The answers this score reads"));
        html_lit(b, "</a>");
    }
    html_lit(b, "</p>");
    layout_end(req, res);
}

/* --- the model: indicators, domains, weights, method ------------------------------------------- */

enum { SPARE_DOMAINS = 1, SPARE_INDICATORS = 2 };

static void text_input(struct strbuf *b, const char *name, const char *label, const char *value, const char *type,
                       const char *extra)
{
    html_lit(b, "<div class=\"field\"><label for=\"f-");
    html_attr(b, name);
    html_lit(b, "\">");
    html_text(b, label);
    html_lit(b, "</label><input type=\"");
    html_attr(b, type);
    html_lit(b, "\" id=\"f-");
    html_attr(b, name);
    html_lit(b, "\" name=\"");
    html_attr(b, name);
    html_lit(b, "\" value=\"");
    html_attr(b, value ? value : "");
    html_lit(b, "\"");
    if (extra) html_lit_(b, extra, strlen(extra));
    html_lit(b, "></div>");
}

static void select_input(struct http_request *req, struct strbuf *b, const char *name, const char *label,
                         const char *const (*options)[2], size_t n, const char *value)
{
    html_lit(b, "<div class=\"field\"><label for=\"f-");
    html_attr(b, name);
    html_lit(b, "\">");
    html_text(b, label);
    html_lit(b, "</label><select id=\"f-");
    html_attr(b, name);
    html_lit(b, "\" name=\"");
    html_attr(b, name);
    html_lit(b, "\">");
    for (size_t i = 0; i < n; i++) {
        html_lit(b, "<option value=\"");
        html_attr(b, options[i][0]);
        if (value && strcmp(value, options[i][0]) == 0) html_lit(b, "\" selected>");
        else html_lit(b, "\">");
        html_text(b, T(req, options[i][1]));
        html_lit(b, "</option>");
    }
    html_lit(b, "</select></div>");
}

static const char *const norms[][2] = {{"min-max", N_("min-max: least need 0, most need 100")},
                                       {"z-score", N_("z-score: standard deviations from the average")},
                                       {"rank", N_("rank: the place among all, 0 to 100")}};
static const char *const aggs[][2] = {{"arithmetic", N_("arithmetic mean: a strength can make up for a weakness")},
                                      {"geometric", N_("geometric mean: a weakness stays visible")}};
static const char *const directions[][2] = {{"1", N_("more means more need")}, {"-1", N_("less means more need")}};

static const char *num_text(struct http_request *req, double v)
{
    return arena_printf(req->arena, "%g", v);
}

static void model_form(struct http_request *req, struct http_response *res, const struct context *cx,
                       const struct assess_model *m, bool stored, const char *problem)
{
    struct strbuf *b = &res->body;
    const char *title = T(req, "The need index's model");
    layout_begin(req, res, title, "programmes");
    html_lit(b, "<p><a href=\"");
    html_url(b, link(req, cx, "", NULL));
    html_lit(b, "\">");
    html_text(b, T(req, "Need ranking"));
    html_lit(b, "</a></p><h1>");
    html_text(b, title);
    html_lit(b, "</h1>");
    if (problem) {
        html_lit(b, "<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\"><h2>");
        html_text(b, T(req, "The model was not saved"));
        html_lit(b, "</h2><p>");
        html_text(b, problem);
        html_lit(b, "</p></div>");
    }
    html_lit(b, "<p>");
    html_text(b, arena_printf(req->arena, T(req, "For %s. %s"), cx->campaign->name,
                              stored ? T(req, "This campaign has its own model.") : T(req, "This campaign uses the shipped model for the needs survey.")));
    html_lit(b, " ");
    html_text(b, T(req, "An indicator is an expression over the register's fields (learners, devices, connectivity, area...) and the survey's answers, in the language of the survey's calculations, e.g. ${learners} div max(${devices}, 1). Weights are relative: 2 counts twice as much as 1; 0 switches an indicator or a domain off. To remove an indicator, empty its id. docs/need-index.md explains the method."));
    html_lit(b, "</p><form method=\"post\" action=\"");
    html_attr(b, cx->base);
    html_lit(b, "/model\">");
    access_csrf_field(req, res);
    html_lit(b, "<input type=\"hidden\" name=\"campaign\" value=\"");
    html_attr(b, cx->campaign->id);
    html_lit(b, "\"><fieldset><legend>");
    html_text(b, T(req, "Method"));
    html_lit(b, "</legend>");
    select_input(req, b, "norm", T(req, "Common scale (normalisation)"), norms, 3, ni_norm_name(m->norm));
    select_input(req, b, "within", T(req, "Within a domain"), aggs, 2, ni_agg_name(m->within));
    select_input(req, b, "across", T(req, "Across domains"), aggs, 2, ni_agg_name(m->across));
    text_input(b, "min_share", T(req, "Least share of indicators answered for a score (%)"),
               arena_printf(req->arena, "%g", m->min_share * 100), "number", " min=\"0\" max=\"100\" step=\"any\"");
    text_input(b, "draws", T(req, "Draws of the sensitivity analysis"), arena_printf(req->arena, "%zu", m->draws), "number",
               " min=\"1\" max=\"100000\"");
    text_input(b, "seed", T(req, "Seed of the sensitivity analysis (the same seed gives the same intervals)"),
               arena_printf(req->arena, "%llu", (unsigned long long)m->seed), "number", " min=\"0\"");
    html_lit(b, "</fieldset><h2>");
    html_text(b, T(req, "Domains"));
    html_lit(b, "</h2>");
    size_t nd = m->ndomains + SPARE_DOMAINS, ni = m->nindicators + SPARE_INDICATORS;
    html_lit(b, "<input type=\"hidden\" name=\"nd\" value=\"");
    html_int(b, (int64_t)nd);
    html_lit(b, "\"><input type=\"hidden\" name=\"ni\" value=\"");
    html_int(b, (int64_t)ni);
    html_lit(b, "\">");
    for (size_t k = 0; k < nd; k++) {
        const struct assess_domain *d = k < m->ndomains ? &m->domains[k] : NULL;
        html_lit(b, "<fieldset class=\"card\"><legend>");
        html_text(b, d ? label_of(req, d->label, d->id) : T(req, "A new domain"));
        html_lit(b, "</legend>");
        text_input(b, arena_printf(req->arena, "d%zu-id", k), T(req, "Id (lower-case letters, digits, _)"), d ? d->id : "", "text",
                   " pattern=\"[a-z0-9_]*\" maxlength=\"64\"");
        text_input(b, arena_printf(req->arena, "d%zu-label", k), T(req, "Name"), d ? d->label : "", "text", NULL);
        text_input(b, arena_printf(req->arena, "d%zu-weight", k), T(req, "Weight"), d ? num_text(req, d->weight) : "1",
                   "number", " min=\"0\" step=\"any\"");
        html_lit(b, "</fieldset>");
    }
    html_lit(b, "<h2>");
    html_text(b, T(req, "Indicators"));
    html_lit(b, "</h2>");
    for (size_t j = 0; j < ni; j++) {
        const struct assess_indicator *x = j < m->nindicators ? &m->indicators[j] : NULL;
        html_lit(b, "<fieldset class=\"card\"><legend>");
        html_text(b, x ? label_of(req, x->label, x->id) : T(req, "A new indicator"));
        html_lit(b, "</legend>");
        text_input(b, arena_printf(req->arena, "i%zu-id", j), T(req, "Id (lower-case letters, digits, _)"), x ? x->id : "",
                   "text", " pattern=\"[a-z0-9_]*\" maxlength=\"64\"");
        text_input(b, arena_printf(req->arena, "i%zu-label", j), T(req, "What it measures"), x ? x->label : "", "text", NULL);
        text_input(b, arena_printf(req->arena, "i%zu-domain", j), T(req, "Domain (its id)"), x ? x->domain : "", "text", NULL);
        const char *name = arena_printf(req->arena, "i%zu-expr", j);
        html_lit(b, "<div class=\"field\"><label for=\"f-");
        html_attr(b, name);
        html_lit(b, "\">");
        html_text(b, T(req, "Expression"));
        html_lit(b, "</label><textarea id=\"f-");
        html_attr(b, name);
        html_lit(b, "\" name=\"");
        html_attr(b, name);
        html_lit(b, "\" rows=\"3\" maxlength=\"1000\">");
        html_text(b, x ? x->expr : "");
        html_lit(b, "</textarea></div>");
        select_input(req, b, arena_printf(req->arena, "i%zu-direction", j), T(req, "Direction"), directions, 2,
                     x && x->direction < 0 ? "-1" : "1");
        text_input(b, arena_printf(req->arena, "i%zu-weight", j), T(req, "Weight within its domain"),
                   x ? num_text(req, x->weight) : "1", "number", " min=\"0\" step=\"any\"");
        html_lit(b, "</fieldset>");
    }
    html_lit(b, "<button type=\"submit\">");
    html_text(b, T(req, "Check and save the model"));
    html_lit(b, "</button></form>");
    if (stored) {
        html_lit(b, "<form method=\"post\" action=\"");
        html_attr(b, cx->base);
        html_lit(b, "/model\">");
        access_csrf_field(req, res);
        html_lit(b, "<input type=\"hidden\" name=\"campaign\" value=\"");
        html_attr(b, cx->campaign->id);
        html_lit(b, "\"><input type=\"hidden\" name=\"reset\" value=\"1\"><button type=\"submit\" class=\"secondary\">");
        html_text(b, T(req, "Go back to the shipped model"));
        html_lit(b, "</button></form>");
    }
    layout_end(req, res);
}

static void model_page(struct http_request *req, struct http_response *res)
{
    struct context cx;
    if (!context_of(req, res, &cx)) return;
    struct assess_model m;
    bool stored;
    struct err e;
    err_clear(&e);
    if (assess_model_load(web_state(req)->store, req->arena, cx.campaign, &m, &stored, &e) < 0) {
        log_error("need model: %s", e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    model_form(req, res, &cx, &m, stored, NULL);
}

static bool read_number(const char *s, double lo, double hi, double *out)
{
    if (!s || !*s) return false;
    char *end;
    double v = strtod(s, &end);
    while (*end == ' ') end++;
    if (*end || !isfinite(v) || v < lo || v > hi) return false;
    *out = v;
    return true;
}

static const char *form_at(struct http_request *req, char kind, size_t i, const char *what)
{
    const char *v = http_form(req, arena_printf(req->arena, "%c%zu-%s", kind, i, what));
    return v ? v : "";
}

/* The model as posted, into m; NULL, or what is wrong (translated). */
static const char *read_model(struct http_request *req, struct assess_model *m)
{
    memset(m, 0, sizeof *m);
    double nd = 0, ni = 0, share = 0, draws = 0, seed = 0, w;
    if (!read_number(http_form(req, "nd"), 0, ASSESS_DOMAINS_MAX + SPARE_DOMAINS, &nd) ||
        !read_number(http_form(req, "ni"), 0, ASSESS_INDICATORS_MAX + SPARE_INDICATORS, &ni))
        return T(req, "The form is incomplete: reload the page and try again.");
    const char *norm = http_form(req, "norm"), *within = http_form(req, "within"), *across = http_form(req, "across");
    m->norm = norm && strcmp(norm, "z-score") == 0 ? NI_NORM_ZSCORE : norm && strcmp(norm, "rank") == 0 ? NI_NORM_RANK : NI_NORM_MINMAX;
    m->within = within && strcmp(within, "geometric") == 0 ? NI_AGG_GEOMETRIC : NI_AGG_ARITHMETIC;
    m->across = across && strcmp(across, "geometric") == 0 ? NI_AGG_GEOMETRIC : NI_AGG_ARITHMETIC;
    if (!read_number(http_form(req, "min_share"), 0, 100, &share))
        return T(req, "The least share of indicators answered must be a number from 0 to 100.");
    if (!read_number(http_form(req, "draws"), 1, 100000, &draws) || draws != floor(draws))
        return T(req, "The draws must be a whole number from 1 to 100,000.");
    if (!read_number(http_form(req, "seed"), 0, 9007199254740992.0, &seed) || seed != floor(seed))
        return T(req, "The seed must be a whole number, 0 or more.");
    m->min_share = share / 100;
    m->draws = (size_t)draws;
    m->seed = (uint64_t)seed;
    m->domains = arena_calloc(req->arena, (size_t)nd + 1, sizeof *m->domains);
    m->indicators = arena_calloc(req->arena, (size_t)ni + 1, sizeof *m->indicators);
    for (size_t k = 0; k < (size_t)nd; k++) {
        const char *id = form_at(req, 'd', k, "id");
        if (!*id) continue;
        if (!read_number(form_at(req, 'd', k, "weight"), 0, 1e9, &w))
            return arena_printf(req->arena, T(req, "Domain '%s': the weight must be a number, 0 or more."), id);
        m->domains[m->ndomains++] = (struct assess_domain){id, form_at(req, 'd', k, "label"), w};
    }
    for (size_t j = 0; j < (size_t)ni; j++) {
        const char *id = form_at(req, 'i', j, "id");
        if (!*id) continue;
        if (!read_number(form_at(req, 'i', j, "weight"), 0, 1e9, &w))
            return arena_printf(req->arena, T(req, "Indicator '%s': the weight must be a number, 0 or more."), id);
        m->indicators[m->nindicators++] = (struct assess_indicator){
            id, form_at(req, 'i', j, "label"), form_at(req, 'i', j, "domain"), form_at(req, 'i', j, "expr"),
            strcmp(form_at(req, 'i', j, "direction"), "-1") == 0 ? -1 : 1, w};
    }
    return NULL;
}

static void model_post(struct http_request *req, struct http_response *res)
{
    struct context cx;
    if (!context_of(req, res, &cx)) return;
    struct assess_model m;
    const char *problem = NULL;
    if (http_form(req, "reset")) {
        struct audit_actor by;
        web_audit_actor(req, &by);
        struct err e;
        err_clear(&e);
        if (assess_model_reset(web_state(req)->store, cx.campaign, &by, &e) < 0) {
            log_error("need model reset: %s", e.msg);
            page_error(req, res, 503, NULL);
            return;
        }
        http_redirect(res, 303, link(req, &cx, "", NULL));
        return;
    }
    problem = read_model(req, &m);
    if (!problem) {
        struct audit_actor by;
        web_audit_actor(req, &by);
        struct err e;
        err_clear(&e);
        if (assess_model_save(web_state(req)->store, req->arena, cx.campaign, &m, &by, &e) == 0) {
            http_redirect(res, 303, link(req, &cx, "", NULL));
            return;
        }
        if (e.code != ERR_INVALID && e.code != ERR_LIMIT) {
            log_error("need model save: %s", e.msg);
            page_error(req, res, 503, NULL);
            return;
        }
        problem = arena_strdup(req->arena, e.msg);
    }
    res->status = 422;
    bool stored = false;
    struct assess_model current;
    struct err e2;
    err_clear(&e2);
    assess_model_load(web_state(req)->store, req->arena, cx.campaign, &current, &stored, &e2);
    model_form(req, res, &cx, &m, stored, problem);
}

void need_pages_routes(struct router *r)
{
    router_add(r, HTTP_GET, "/programmes/{slug}/need", ranking_page);
    router_add(r, HTTP_GET, "/programmes/{slug}/need.csv", ranking_csv);
    router_add(r, HTTP_GET, "/programmes/{slug}/need.xlsx", ranking_xlsx);
    router_add(r, HTTP_GET, "/programmes/{slug}/need/model", model_page);
    router_add(r, HTTP_POST, "/programmes/{slug}/need/model", model_post);
    router_add(r, HTTP_GET, "/programmes/{slug}/need/{id}", explain_page);
}

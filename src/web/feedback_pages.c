#include "web/feedback_pages.h"

#include "auth/policy.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "forms/table_out.h"
#include "html/html.h"
#include "program/feedback.h"
#include "program/programme.h"
#include "program/respondent_codes.h"
#include "web/access.h"
#include "web/audit_pages.h"
#include "web/layout.h"
#include "web/likert_svg.h"
#include "web/pages.h"
#include "web/web.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* --- what every page needs --------------------------------------------------------------------- */

static const char *nonempty(const char *s) { return s && *s ? s : NULL; }

static const char *programme_url(struct http_request *req, const struct programme *p, const char *rest)
{
    struct strbuf sb;
    strbuf_init(&sb, req->arena, 96);
    strbuf_puts(&sb, "/programmes/");
    str_url_encode(&sb, p->slug);
    strbuf_puts(&sb, rest);
    return sb.data;
}

/* The programme of the address, or NULL with the error page written. */
static struct programme *programme_of(struct http_request *req, struct http_response *res)
{
    struct programme *p;
    struct err e;
    err_clear(&e);
    if (programme_find(web_state(req)->store, req->arena, http_route(req, "slug"), &p, &e) == 0) return p;
    if (e.code == ERR_NOT_FOUND) page_error(req, res, 404, T(req, "There is no programme at this address."));
    else {
        log_error("feedback: %s", e.msg);
        page_error(req, res, 503, NULL);
    }
    return NULL;
}

static void failed(struct http_request *req, struct http_response *res, const char *what, const struct err *e)
{
    log_error("%s: %s", what, e->msg);
    page_error(req, res, 503, NULL);
}

static bool may(struct http_request *req, enum policy_action action)
{
    return policy_allows(web_state(req)->who, action, NULL);
}

/* The link back to the programme, the heading, and the links between the feedback pages. */
static void top(struct http_request *req, struct http_response *res, const struct programme *p, const char *title,
                const char *current)
{
    struct strbuf *b = &res->body;
    layout_begin(req, res, title, "programmes");
    html_lit(b, "<p class=\"noprint\"><a href=\"");
    html_url(b, programme_url(req, p, ""));
    html_lit(b, "\">");
    html_text(b, p->name);
    html_lit(b, "</a></p><h1>");
    html_text(b, title);
    html_lit(b, "</h1>");
    if (!may(req, POLICY_FEEDBACK_VIEW)) return;
    static const struct {
        const char *key, *rest, *label;
    } links[] = {
        {"analysis", "/feedback", N_("Baseline and endline")},
        {"sessions", "/feedback/sessions", N_("Session feedback")},
        {"comments", "/feedback/comments", N_("Free texts")},
    };
    html_lit(b, "<nav class=\"noprint\" aria-label=\"");
    html_attr(b, T(req, "Feedback"));
    html_lit(b, "\"><p>");
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        if (i) html_lit(b, " · ");
        if (strcmp(links[i].key, current) == 0) {
            html_lit(b, "<strong aria-current=\"page\">");
            html_text(b, T(req, links[i].label));
            html_lit(b, "</strong>");
            continue;
        }
        html_lit(b, "<a href=\"");
        html_url(b, programme_url(req, p, links[i].rest));
        html_lit(b, "\">");
        html_text(b, T(req, links[i].label));
        html_lit(b, "</a>");
    }
    if (may(req, POLICY_PROGRAMMES_MANAGE)) {
        html_lit(b, " · <a href=\"");
        html_url(b, programme_url(req, p, "/codes"));
        html_lit(b, "\">");
        html_text(b, T(req, "Respondent codes"));
        html_lit(b, "</a>");
    }
    html_lit(b, "</p></nav>");
}

static void para(struct strbuf *b, const char *cls, const char *text)
{
    html_lit(b, "<p class=\"");
    html_attr(b, cls);
    html_lit(b, "\">");
    html_text(b, text);
    html_lit(b, "</p>");
}

/* A count as a report may show it (forms/summary.h's rule). */
static const char *count_text(struct http_request *req, int64_t n, int threshold)
{
    if (!fb_enough(n, threshold)) return arena_printf(req->arena, T(req, "fewer than %d"), threshold);
    return arena_printf(req->arena, "%lld", (long long)n);
}

static const char *num(struct http_request *req, double v, int decimals)
{
    if (isnan(v)) return "–";
    return arena_printf(req->arena, "%.*f", decimals, v);
}

static const char *signed_num(struct http_request *req, double v)
{
    if (isnan(v)) return "–";
    return arena_printf(req->arena, "%+.2f", v);
}

static const char *p_text(struct http_request *req, double p)
{
    if (isnan(p)) return "–";
    if (p < 0.001) return "< 0.001";
    return arena_printf(req->arena, "%.3f", p);
}

/* The reader's language among the form's, else its default. */
static size_t form_lang(struct http_request *req, const struct form *f)
{
    int i = form_language_index(f, web_state(req)->lang->code);
    return i < 0 ? f->default_lang : (size_t)i;
}

static const char *field_label(struct http_request *req, const struct form *f, const struct form_field *fd)
{
    const char *l = form_text(f, fd->label, form_lang(req, f));
    return *l ? l : fd->name;
}

/* --- the filter: everyone, one institution, or one role ------------------------------------------ */

struct view {
    struct programme *p;
    struct fb_filter filter;
    const char *group; /* "i:ID", "r:ROLE" or NULL */
};

static void view_of(struct http_request *req, struct view *v)
{
    memset(&v->filter, 0, sizeof v->filter);
    v->group = nonempty(http_query(req, "group"));
    if (v->group && strncmp(v->group, "i:", 2) == 0) v->filter.institution_id = v->group + 2;
    else if (v->group && strncmp(v->group, "r:", 2) == 0) v->filter.role = v->group + 2;
    else {
        v->group = NULL;
        v->filter.institution_id = nonempty(http_query(req, "institution"));
        v->filter.role = nonempty(http_query(req, "role"));
        if (v->filter.institution_id) v->group = arena_printf(req->arena, "i:%s", v->filter.institution_id);
        else if (v->filter.role) v->group = arena_printf(req->arena, "r:%s", v->filter.role);
    }
}

/* "?institution=ID" or "?role=R" for the downloads, "" for everyone. */
static const char *filter_query(struct http_request *req, const struct fb_filter *f)
{
    struct strbuf sb;
    strbuf_init(&sb, req->arena, 64);
    if (f->institution_id) {
        strbuf_puts(&sb, "?institution=");
        str_url_encode(&sb, f->institution_id);
    } else if (f->role) {
        strbuf_puts(&sb, "?role=");
        str_url_encode(&sb, f->role);
    }
    return sb.data;
}

static bool analyse(struct http_request *req, struct http_response *res, struct view *v, struct fb_analysis *an)
{
    v->p = programme_of(req, res);
    if (!v->p) return false;
    view_of(req, v);
    struct err e;
    err_clear(&e);
    if (fb_analyse(web_state(req)->store, req->arena, v->p->id, &v->filter, an, &e) == 0) return true;
    if (e.code == ERR_INVALID) page_error(req, res, 400, T(req, e.msg));
    else failed(req, res, "feedback analysis", &e);
    return false;
}

static const char *hidden_text(struct http_request *req, enum fb_hidden why, int threshold)
{
    if (why == FB_HIDDEN_REST)
        return arena_printf(req->arena, T(req, "Not shown: the other respondents would be fewer than %d, and could be worked out."), threshold);
    return arena_printf(req->arena, T(req, "fewer than %d respondents"), threshold);
}

static const char *group_name(struct http_request *req, const struct fb_analysis *an, const struct view *v)
{
    if (v->filter.institution_id) {
        for (size_t g = 0; g < an->ninstitutions; g++)
            if (strcmp(an->institutions[g].id, v->filter.institution_id) == 0) return an->institutions[g].name;
        return T(req, "this institution");
    }
    if (v->filter.role) return T(req, rcode_role_label(v->filter.role));
    return T(req, "Everyone");
}

static void option(struct strbuf *b, const char *value, const char *label, const char *current)
{
    html_lit(b, "<option value=\"");
    html_attr(b, value);
    html_lit(b, "\"");
    if (current && strcmp(current, value) == 0) html_lit(b, " selected");
    html_lit(b, ">");
    html_text(b, label);
    html_lit(b, "</option>");
}

/* A GET form, so that a group's page can be shared by its address. Only the groups that may show
 * are offered (program/feedback.h). */
static void filter_form(struct http_request *req, struct strbuf *b, const struct view *v, const struct fb_analysis *an)
{
    html_lit(b, "<form method=\"get\" action=\"");
    html_url(b, programme_url(req, v->p, "/feedback"));
    html_lit(b, "\" class=\"filters noprint\"><div class=\"field\"><label for=\"f-group\">");
    html_text(b, T(req, "Respondents"));
    html_lit(b, "</label><select id=\"f-group\" name=\"group\">");
    option(b, "", T(req, "Everyone"), v->group ? v->group : "");
    bool any = false;
    for (size_t g = 0; g < an->ninstitutions; g++) any |= an->institutions[g].shown;
    if (any) {
        html_lit(b, "<optgroup label=\"");
        html_attr(b, T(req, "Institution"));
        html_lit(b, "\">");
        for (size_t g = 0; g < an->ninstitutions; g++)
            if (an->institutions[g].shown)
                option(b, arena_printf(req->arena, "i:%s", an->institutions[g].id), an->institutions[g].name, v->group);
        html_lit(b, "</optgroup>");
    }
    any = false;
    for (size_t g = 0; g < an->nroles; g++) any |= an->roles[g].shown;
    if (any) {
        html_lit(b, "<optgroup label=\"");
        html_attr(b, T(req, "Respondents' role"));
        html_lit(b, "\">");
        for (size_t g = 0; g < an->nroles; g++)
            if (an->roles[g].shown)
                option(b, arena_printf(req->arena, "r:%s", an->roles[g].id), T(req, an->roles[g].name), v->group);
        html_lit(b, "</optgroup>");
    }
    html_lit(b, "</select></div><button type=\"submit\">");
    html_text(b, T(req, "Show"));
    html_lit(b, "</button></form><p class=\"hint\">");
    html_text(b, arena_printf(req->arena, T(req, "Only groups of at least %d respondents are offered, and only where the respondents left out still number at least %d: one group at a time."), an->threshold, an->threshold));
    html_lit(b, "</p>");
}

/* --- the analysis page ------------------------------------------------------------------------- */

static void stats_head(struct http_request *req, struct strbuf *b)
{
    static const char *const heads[] = {
        N_("n (pairs)"), N_("Baseline mean"), N_("Endline mean"), "Difference (95% CI)",
        N_("Paired t (df), p"), N_("Wilcoxon signed-rank, p"), N_("Effect size d_z"),
    };
    html_lit(b, "<thead><tr><th scope=\"col\">");
    html_text(b, T(req, "Item"));
    html_lit(b, "</th>");
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
        html_lit(b, "<th scope=\"col\" class=\"num\">");
        /* The one header with a percent sign is a format, so that its translations and the
         * catalogue checks agree on what a '%' is. */
        html_text(b, strcmp(heads[i], "Difference (95% CI)") == 0 ? arena_printf(req->arena, T(req, "Difference (%d%% CI)"), 95)
                                                                  : T(req, heads[i]));
        html_lit(b, "</th>");
    }
    html_lit(b, "</tr></thead>");
}

static void stats_row(struct http_request *req, struct strbuf *b, const struct fb_analysis *an, const struct fb_item *it)
{
    const struct ps_result *r = &it->r;
    html_lit(b, "<tr><th scope=\"row\">");
    html_text(b, field_label(req, an->form, it->field));
    if (it->kind == FB_NUMBER) {
        html_lit(b, " <span class=\"tag\">");
        html_text(b, T(req, "number"));
        html_lit(b, "</span>");
    }
    html_lit(b, "</th>");
    if (it->hidden != FB_SHOWN) {
        html_lit(b, "<td colspan=\"7\">");
        html_text(b, hidden_text(req, it->hidden, an->threshold));
        html_lit(b, "</td></tr>");
        return;
    }
    html_lit(b, "<td class=\"num\">");
    html_int(b, (int64_t)r->n);
    if (r->dropped) {
        /* Pairs with an answer missing at either time; a small count reads "fewer than N" too. */
        html_lit(b, "<br><span class=\"detail\">");
        html_text(b, arena_printf(req->arena, T(req, "%s left out"), count_text(req, (int64_t)r->dropped, an->threshold)));
        html_lit(b, "</span>");
    }
    html_lit(b, "</td><td class=\"num\">");
    html_text(b, num(req, r->mean_x, 2));
    html_lit(b, "</td><td class=\"num\">");
    html_text(b, num(req, r->mean_y, 2));
    html_lit(b, "</td><td class=\"num\">");
    html_text(b, signed_num(req, r->mean_diff));
    if (!isnan(r->ci_low)) {
        html_lit(b, "<br>");
        html_text(b, arena_printf(req->arena, T(req, " (%s to %s)"), signed_num(req, r->ci_low), signed_num(req, r->ci_high)));
    }
    html_lit(b, "</td><td class=\"num\">");
    if (r->spread_reason != PS_REASON_NONE) {
        html_text(b, T(req, ps_reason_text(r->spread_reason)));
    } else {
        html_text(b, arena_printf(req->arena, "t = %.2f (%d)", r->t, r->df));
        html_lit(b, "<br>");
        html_text(b, arena_printf(req->arena, "p %s%s", r->p_t < 0.001 ? "" : "= ", p_text(req, r->p_t)));
    }
    html_lit(b, "</td><td class=\"num\">");
    if (r->w_method == PS_WILCOXON_NONE) {
        html_text(b, T(req, ps_reason_text(r->w_reason)));
    } else {
        html_text(b, arena_printf(req->arena, "W+ = %g, W− = %g", r->w_plus, r->w_minus));
        html_lit(b, "<br>");
        html_text(b, arena_printf(req->arena, "p %s%s", r->p_w < 0.001 ? "" : "= ", p_text(req, r->p_w)));
        html_lit(b, "<br><span class=\"detail\">(");
        html_text(b, T(req, ps_wilcoxon_method_text(r->w_method)));
        html_lit(b, ")</span>");
    }
    html_lit(b, "</td><td class=\"num\">");
    html_text(b, num(req, r->dz, 2));
    if (!isnan(r->dz)) {
        html_lit(b, "<br>(");
        html_text(b, T(req, fb_magnitude(r->dz)));
        html_lit(b, ")");
    }
    html_lit(b, "</td></tr>");
}

/* The Likert items as diverging bars, one chart per scale length (a chart has one scale), with
 * the same numbers as a table under it for readers who cannot see the drawing. */
static void likert_charts(struct http_request *req, struct strbuf *b, const struct fb_analysis *an)
{
    size_t lang = form_lang(req, an->form);
    for (size_t k = 2; k <= PS_LIKERT_MAX; k++) {
        struct likert_item *items = arena_calloc(req->arena, an->nitems + 1, sizeof *items);
        size_t n = 0;
        const struct fb_item *first = NULL;
        for (size_t j = 0; j < an->nitems; j++) {
            const struct fb_item *it = &an->items[j];
            if (it->kind != FB_LIKERT || it->k != k || it->hidden != FB_SHOWN || !it->dist.baseline) continue;
            if (!first) first = it;
            items[n++] = (struct likert_item){field_label(req, an->form, it->field), it->dist.baseline, it->dist.endline};
        }
        if (!n) continue;
        const char **levels = arena_alloc(req->arena, k * sizeof *levels);
        for (size_t l = 0; l < k; l++) {
            levels[l] = form_text(an->form, first->levels[l]->label, lang);
            if (!*levels[l]) levels[l] = first->levels[l]->value;
        }
        struct likert_chart c = {T(req, "Answers at baseline and at endline, same respondents"), levels, k, items, n,
                                 an->threshold};
        struct err e;
        err_clear(&e);
        if (likert_svg(b, req->arena, web_state(req)->lang, &c, &e) < 0) {
            log_error("feedback chart: %s", e.msg);
            continue;
        }
        html_lit(b, "<details><summary>");
        html_text(b, T(req, "The chart's numbers as a table"));
        html_lit(b, "</summary>");
        if (likert_table(b, req->arena, web_state(req)->lang, &c, &e) < 0) log_error("feedback chart table: %s", e.msg);
        html_lit(b, "</details>");
    }
}

static void how_to_read(struct http_request *req, struct strbuf *b, int threshold)
{
    html_lit(b, "<div class=\"card\"><h2>");
    html_text(b, T(req, "How to read these figures"));
    html_lit(b, "</h2><ul><li>");
    html_text(b, T(req, "Each line compares the same respondents: those whose code answered both the baseline and the endline. The difference is endline minus baseline, so a positive difference is a rise."));
    html_lit(b, "</li><li>");
    html_text(b, arena_printf(req->arena, T(req, "The %d%% confidence interval is the range of differences the data agree with; when it does not include 0, the change is unlikely to be chance alone."), 95));
    html_lit(b, "</li><li>");
    html_text(b, T(req, "p is the chance of a difference at least this large if nothing had changed: the paired t-test compares means, the Wilcoxon signed-rank test compares ranks and suits answers on a scale. Exact means its p counts every possibility; normal approximation means it is estimated."));
    html_lit(b, "</li><li>");
    html_text(b, T(req, "d_z is the difference divided by the spread of the differences: by Cohen's conventions, about 0.2 is small, 0.5 medium and 0.8 large."));
    html_lit(b, "</li><li>");
    html_text(b, arena_printf(req->arena, T(req, "No figure is shown for fewer than %d respondents. \"Don't know\" and unanswered items leave the pair out of that item only."), threshold));
    html_lit(b, "</li></ul></div>");
}

static void analysis_page(struct http_request *req, struct http_response *res)
{
    struct view v;
    struct fb_analysis an;
    if (!analyse(req, res, &v, &an)) return;
    struct strbuf *b = &res->body;
    top(req, res, v.p, T(req, "Baseline and endline"), "analysis");
    int T_ = an.threshold;
    if (!an.baseline_campaigns || !an.endline_campaigns) {
        para(b, "lead", T(req, "This programme needs a baseline and an endline campaign: a campaign of each kind, running the pilot's baseline and endline surveys."));
        if (may(req, POLICY_PROGRAMMES_MANAGE)) {
            html_lit(b, "<p><a href=\"");
            html_url(b, programme_url(req, v.p, "/campaigns/new"));
            html_lit(b, "\">");
            html_text(b, T(req, "New campaign"));
            html_lit(b, "</a></p>");
        }
    }
    html_lit(b, "<dl class=\"facts\"><dt>");
    html_text(b, T(req, "Respondents at baseline"));
    html_lit(b, "</dt><dd>");
    html_text(b, count_text(req, an.baseline_sets, T_));
    html_lit(b, "</dd><dt>");
    html_text(b, T(req, "Respondents at endline"));
    html_lit(b, "</dt><dd>");
    html_text(b, count_text(req, an.endline_sets, T_));
    html_lit(b, "</dd><dt>");
    html_text(b, T(req, "Pairs (answered both)"));
    html_lit(b, "</dt><dd>");
    html_text(b, count_text(req, an.pairs, T_));
    html_lit(b, "</dd>");
    if (an.unmatched) {
        html_lit(b, "<dt>");
        html_text(b, T(req, "Answer sets left out: no code issued for this programme"));
        html_lit(b, "</dt><dd>");
        html_text(b, count_text(req, an.unmatched, T_));
        html_lit(b, "</dd>");
    }
    html_lit(b, "</dl>");
    filter_form(req, b, &v, &an);
    html_lit(b, "<h2>");
    html_text(b, group_name(req, &an, &v));
    html_lit(b, "</h2>");
    if (an.filtered && !an.group_shown) {
        para(b, "notice", hidden_text(req, an.group_hidden, T_));
    } else if (an.filtered) {
        para(b, "detail", arena_printf(req->arena, T(req, "Pairs in this group: %s."), count_text(req, an.group_pairs, T_)));
    }
    if (!an.nitems) {
        para(b, "notice", T(req, "No item to compare yet: the baseline and endline forms have no Likert or number item in common."));
    } else {
        html_lit(b, "<div class=\"scroll\"><table class=\"feedback\"><caption>");
        html_text(b, T(req, "Each item: baseline against endline for the respondents who answered both."));
        html_lit(b, "</caption>");
        stats_head(req, b);
        html_lit(b, "<tbody>");
        for (size_t j = 0; j < an.nitems; j++) stats_row(req, b, &an, &an.items[j]);
        html_lit(b, "</tbody></table></div><p class=\"noprint\">");
        html_text(b, T(req, "Download the table:"));
        const char *q = filter_query(req, &v.filter);
        static const char *const kinds[][2] = {{".csv", "CSV"}, {".xlsx", "XLSX"}, {".json", "JSON"}};
        for (size_t i = 0; i < 3; i++) {
            if (i) html_lit(b, " · ");
            else html_lit(b, " ");
            html_lit(b, "<a href=\"");
            html_url(b, programme_url(req, v.p, arena_printf(req->arena, "/feedback%s%s", kinds[i][0], q)));
            html_lit(b, "\">");
            html_text(b, kinds[i][1]);
            html_lit(b, "</a>");
        }
        html_lit(b, "</p><h2>");
        html_text(b, T(req, "Answers on the agreement scale"));
        html_lit(b, "</h2>");
        likert_charts(req, b, &an);
    }
    how_to_read(req, b, T_);
    layout_end(req, res);
}

/* --- downloads ---------------------------------------------------------------------------------- */

static const char *const table_head[] = {
    "item", "question", "kind", "n", "left_out", "baseline_mean", "endline_mean", "difference", "ci_low", "ci_high",
    "sd_difference", "t", "df", "p_t", "wilcoxon_w_plus", "wilcoxon_w_minus", "wilcoxon_method", "wilcoxon_z",
    "p_wilcoxon", "dz", "magnitude", "note",
};
enum { TABLE_COLS = sizeof table_head / sizeof table_head[0] };

static void analysis_table(struct http_request *req, const struct fb_analysis *an, struct table_out *t)
{
    table_out_init(t, req->arena, "feedback", table_head, TABLE_COLS);
    for (size_t j = 0; j < an->nitems; j++) {
        const struct fb_item *it = &an->items[j];
        const struct ps_result *r = &it->r;
        struct table_cell *row = table_out_row(t);
        table_out_text(t, row, 0, it->field->name);
        table_out_text(t, row, 1, field_label(req, an->form, it->field));
        table_out_text(t, row, 2, it->kind == FB_LIKERT ? "likert" : "number");
        if (it->hidden != FB_SHOWN) {
            table_out_text(t, row, 21, hidden_text(req, it->hidden, an->threshold));
            continue;
        }
        table_out_number(t, row, 3, (double)r->n);
        table_out_number(t, row, 4, fb_enough((int64_t)r->dropped, an->threshold) ? (double)r->dropped : NAN);
        table_out_number(t, row, 5, r->mean_x);
        table_out_number(t, row, 6, r->mean_y);
        table_out_number(t, row, 7, r->mean_diff);
        table_out_number(t, row, 8, r->ci_low);
        table_out_number(t, row, 9, r->ci_high);
        table_out_number(t, row, 10, r->sd_diff);
        table_out_number(t, row, 11, r->t);
        table_out_number(t, row, 12, isnan(r->t) ? NAN : (double)r->df);
        table_out_number(t, row, 13, r->p_t);
        table_out_number(t, row, 14, r->w_method == PS_WILCOXON_NONE ? NAN : r->w_plus);
        table_out_number(t, row, 15, r->w_method == PS_WILCOXON_NONE ? NAN : r->w_minus);
        table_out_text(t, row, 16, r->w_method == PS_WILCOXON_EXACT ? "exact" : r->w_method == PS_WILCOXON_NORMAL ? "normal" : NULL);
        table_out_number(t, row, 17, r->w_z);
        table_out_number(t, row, 18, r->p_w);
        table_out_number(t, row, 19, r->dz);
        table_out_text(t, row, 20, isnan(r->dz) ? NULL : fb_magnitude(r->dz));
        const char *why = r->spread_reason != PS_REASON_NONE ? ps_reason_text(r->spread_reason)
                          : r->w_reason != PS_REASON_NONE   ? ps_reason_text(r->w_reason)
                                                            : NULL;
        if (why) table_out_text(t, row, 21, T(req, why));
    }
}

static int append_body(void *ctx, const void *data, size_t len)
{
    strbuf_append(ctx, data, len);
    return 0;
}

static json_t *number_or_null(double v)
{
    return isnan(v) ? json_null() : json_real(v);
}

static json_t *count_or_null(int64_t n, int threshold)
{
    return fb_enough(n, threshold) ? json_integer(n) : json_null();
}

static json_t *analysis_json(struct http_request *req, const struct view *v, const struct fb_analysis *an)
{
    json_t *items = json_array();
    for (size_t j = 0; j < an->nitems; j++) {
        const struct fb_item *it = &an->items[j];
        const struct ps_result *r = &it->r;
        json_t *o = json_pack("{s:s, s:s, s:s, s:b}", "item", it->field->name, "question",
                              field_label(req, an->form, it->field), "kind", it->kind == FB_LIKERT ? "likert" : "number",
                              "shown", it->hidden == FB_SHOWN);
        if (it->hidden != FB_SHOWN) {
            json_object_set_new(o, "hidden", json_string(it->hidden == FB_HIDDEN_REST ? "rest_too_small" : "fewer_than_threshold"));
            json_array_append_new(items, o);
            continue;
        }
        json_object_set_new(o, "n", json_integer((json_int_t)r->n));
        json_object_set_new(o, "left_out", count_or_null((int64_t)r->dropped, an->threshold));
        json_object_set_new(o, "baseline_mean", number_or_null(r->mean_x));
        json_object_set_new(o, "endline_mean", number_or_null(r->mean_y));
        json_object_set_new(o, "difference", number_or_null(r->mean_diff));
        json_object_set_new(o, "ci95", json_pack("[o, o]", number_or_null(r->ci_low), number_or_null(r->ci_high)));
        json_object_set_new(o, "sd_difference", number_or_null(r->sd_diff));
        json_object_set_new(o, "t", number_or_null(r->t));
        json_object_set_new(o, "df", isnan(r->t) ? json_null() : json_integer(r->df));
        json_object_set_new(o, "p_t", number_or_null(r->p_t));
        json_t *w = json_pack("{s:s}", "method", r->w_method == PS_WILCOXON_EXACT ? "exact" : r->w_method == PS_WILCOXON_NORMAL ? "normal" : "none");
        json_object_set_new(w, "w_plus", r->w_method == PS_WILCOXON_NONE ? json_null() : json_real(r->w_plus));
        json_object_set_new(w, "w_minus", r->w_method == PS_WILCOXON_NONE ? json_null() : json_real(r->w_minus));
        json_object_set_new(w, "z", number_or_null(r->w_z));
        json_object_set_new(w, "p", number_or_null(r->p_w));
        json_object_set_new(o, "wilcoxon", w);
        json_object_set_new(o, "dz", number_or_null(r->dz));
        json_object_set_new(o, "magnitude", isnan(r->dz) ? json_null() : json_string(fb_magnitude(r->dz)));
        if (it->kind == FB_LIKERT && it->dist.baseline) {
            json_t *bl = json_array(), *el = json_array();
            for (size_t l = 0; l < it->k; l++) {
                json_array_append_new(bl, json_integer(it->dist.baseline[l]));
                json_array_append_new(el, json_integer(it->dist.endline[l]));
            }
            json_object_set_new(o, "levels", json_pack("{s:o, s:o}", "baseline", bl, "endline", el));
        }
        json_array_append_new(items, o);
    }
    json_t *filter = json_pack("{s:s?, s:s?}", "institution", v->filter.institution_id, "role", v->filter.role);
    json_t *group = json_pack("{s:b, s:o}", "shown", an->group_shown, "pairs",
                              an->group_shown ? count_or_null(an->group_pairs, an->threshold) : json_null());
    return json_pack("{s:s, s:i, s:o, s:{s:o, s:o, s:o}, s:o, s:o}", "programme", v->p->slug, "threshold", an->threshold,
                     "filter", filter, "respondents", "baseline", count_or_null(an->baseline_sets, an->threshold),
                     "endline", count_or_null(an->endline_sets, an->threshold), "pairs",
                     count_or_null(an->pairs, an->threshold), "group", group, "items", items);
}

enum download { DL_CSV, DL_XLSX, DL_JSON };

static void analysis_download(struct http_request *req, struct http_response *res, enum download kind)
{
    struct view v;
    struct fb_analysis an;
    if (!analyse(req, res, &v, &an)) return;
    struct err e;
    err_clear(&e);
    strbuf_reset(&res->body);
    int rc = 0;
    if (kind == DL_JSON) {
        json_t *doc = analysis_json(req, &v, &an);
        char *text = doc ? json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10)) : NULL;
        json_decref(doc);
        if (!text) rc = err_set(&e, ERR_INTERNAL, "the analysis could not be written as JSON");
        else {
            strbuf_puts(&res->body, text);
            strbuf_putc(&res->body, '\n');
            free(text);
        }
    } else {
        struct table_out t;
        analysis_table(req, &an, &t);
        rc = kind == DL_CSV ? table_out_csv(&t, append_body, &res->body, &e) : table_out_xlsx(&t, append_body, &res->body, &e);
    }
    if (rc < 0) {
        failed(req, res, "feedback download", &e);
        return;
    }
    static const char *const types[] = {"text/csv; charset=utf-8",
                                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                        "application/json"};
    static const char *const ext[] = {"csv", "xlsx", "json"};
    char now[32];
    time_format_iso(time_now_ms(), now, sizeof now);
    res->status = 200;
    res->content_type = types[kind];
    http_set_header(res, "Content-Disposition",
                    arena_printf(req->arena, "attachment; filename=\"feedback-%s-%.10s.%s\"", v.p->slug, now, ext[kind]));
    http_set_header(res, "Cache-Control", "no-store");
}

static void analysis_csv(struct http_request *req, struct http_response *res) { analysis_download(req, res, DL_CSV); }
static void analysis_xlsx(struct http_request *req, struct http_response *res) { analysis_download(req, res, DL_XLSX); }
static void analysis_jsn(struct http_request *req, struct http_response *res) { analysis_download(req, res, DL_JSON); }

/* --- training sessions -------------------------------------------------------------------------- */

enum table_kind { TABLE_OVERALL, TABLE_COURSES, TABLE_SESSIONS };

/* The row's heading: all sessions; a course; a session by its day and the code trainers give. */
static void session_heading(struct http_request *req, struct strbuf *b, const struct fb_session *row,
                            enum table_kind kind)
{
    html_lit(b, "<th scope=\"row\">");
    if (kind == TABLE_OVERALL) html_text(b, T(req, "All sessions"));
    else if (kind == TABLE_COURSES) html_text(b, row->course ? row->course : T(req, "Course not known"));
    else if (!*row->session) html_text(b, T(req, "No session code"));
    else {
        if (row->starts_at) {
            layout_date(req, b, row->starts_at);
            html_lit(b, "<br>");
        }
        html_lit(b, "<code>");
        html_text(b, row->starts_at ? fb_session_code(row->session) : row->session);
        html_lit(b, "</code>");
    }
    html_lit(b, "</th>");
    if (kind == TABLE_SESSIONS) {
        html_lit(b, "<td>");
        html_text(b, row->course ? row->course : "–");
        html_lit(b, "</td>");
    }
}

static void session_row(struct http_request *req, struct strbuf *b, const struct fb_sessions *s,
                        const struct fb_session *row, enum table_kind kind)
{
    html_lit(b, "<tr>");
    session_heading(req, b, row, kind);
    html_lit(b, "<td class=\"num\">");
    if (!row->shown) {
        /* A group hidden by the rule about the rest keeps its count to itself too: subtracting it
         * from the total would give the small group's. */
        bool small = !fb_enough(row->answers, s->threshold);
        html_text(b, small ? count_text(req, row->answers, s->threshold) : "–");
        html_lit(b, "</td><td colspan=\"");
        html_int(b, (int64_t)s->nitems);
        html_lit(b, "\">");
        if (!small)
            html_text(b, arena_printf(req->arena, T(req, "Not shown: the answers left out would be fewer than %d, and could be worked out."), s->threshold));
        html_lit(b, "</td></tr>");
        return;
    }
    html_int(b, row->answers);
    html_lit(b, "</td>");
    for (size_t j = 0; j < s->nitems; j++) {
        html_lit(b, "<td class=\"num\">");
        if (row->means[j].shown) html_text(b, num(req, row->means[j].mean, 2));
        else html_text(b, "–");
        html_lit(b, "</td>");
    }
    html_lit(b, "</tr>");
}

static void sessions_table(struct http_request *req, struct strbuf *b, const struct fb_sessions *s, const char *caption,
                           const char *first, const struct fb_session *rows, size_t n, enum table_kind kind)
{
    html_lit(b, "<div class=\"scroll\"><table><caption>");
    html_text(b, caption);
    html_lit(b, "</caption><thead><tr><th scope=\"col\">");
    html_text(b, first);
    html_lit(b, "</th>");
    if (kind == TABLE_SESSIONS) {
        html_lit(b, "<th scope=\"col\">");
        html_text(b, T(req, "Training course"));
        html_lit(b, "</th>");
    }
    html_lit(b, "<th scope=\"col\" class=\"num\">");
    html_text(b, T(req, "Answers"));
    html_lit(b, "</th>");
    for (size_t j = 0; j < s->nitems; j++) {
        html_lit(b, "<th scope=\"col\" class=\"num\"><abbr title=\"");
        html_attr(b, field_label(req, s->form, s->items[j]));
        html_lit(b, "\">");
        html_int(b, (int64_t)j + 1);
        html_lit(b, "</abbr></th>");
    }
    html_lit(b, "</tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) session_row(req, b, s, &rows[i], kind);
    html_lit(b, "</tbody></table></div>");
}

static void sessions_page(struct http_request *req, struct http_response *res)
{
    struct programme *p = programme_of(req, res);
    if (!p) return;
    struct fb_sessions s;
    struct err e;
    err_clear(&e);
    if (fb_sessions(web_state(req)->store, req->arena, p->id, &s, &e) < 0) {
        failed(req, res, "session feedback", &e);
        return;
    }
    struct strbuf *b = &res->body;
    top(req, res, p, T(req, "Session feedback"), "sessions");
    if (!s.form) {
        para(b, "lead", T(req, "This programme has no session feedback campaign yet."));
        layout_end(req, res);
        return;
    }
    para(b, "lead", arena_printf(req->arena, T(req, "The mean answer to each statement, from 1 (strongly disagree) to 5 (strongly agree), per training session. Sessions with fewer than %d answers show no figures."), s.threshold));
    para(b, "hint", arena_printf(req->arena, T(req, "A session's code, for participants to type in the form, is the last %d characters of its id (the end of its page's address), as shown beside each session below."), FB_SESSION_CODE_MIN));
    html_lit(b, "<ol class=\"legend\">");
    for (size_t j = 0; j < s.nitems; j++) {
        html_lit(b, "<li>");
        html_text(b, field_label(req, s.form, s.items[j]));
        html_lit(b, "</li>");
    }
    html_lit(b, "</ol>");
    sessions_table(req, b, &s, T(req, "All sessions together"), T(req, "Group"), &s.overall, 1, TABLE_OVERALL);
    if (s.catalogue && s.ncourses)
        sessions_table(req, b, &s, T(req, "By course"), T(req, "Training course"), s.courses, s.ncourses, TABLE_COURSES);
    if (s.nsessions)
        sessions_table(req, b, &s, T(req, "By session"), T(req, "Session"), s.sessions, s.nsessions, TABLE_SESSIONS);
    else para(b, "notice", T(req, "No session feedback has arrived yet."));
    layout_end(req, res);
}

/* --- free texts ---------------------------------------------------------------------------------- */

static const char *comments_url(struct http_request *req, const struct programme *p, const char *tag)
{
    struct strbuf sb;
    strbuf_init(&sb, req->arena, 96);
    strbuf_puts(&sb, programme_url(req, p, "/feedback/comments"));
    if (nonempty(tag)) {
        strbuf_puts(&sb, "?tag=");
        str_url_encode(&sb, tag);
    }
    return sb.data;
}

static void tag_form(struct http_request *req, struct http_response *res, const struct programme *p,
                     const struct fb_comment *c, const struct fb_comments *all, const char *tag)
{
    struct strbuf *b = &res->body;
    /* One small form per tag on the text to take it away, and one to give another. */
    for (size_t k = 0; k < c->ntags; k++) {
        html_lit(b, "<form method=\"post\" class=\"inline\" action=\"");
        html_url(b, programme_url(req, p, "/feedback/comments/tag"));
        html_lit(b, "\">");
        access_csrf_field(req, res);
        html_lit(b, "<input type=\"hidden\" name=\"submission\" value=\"");
        html_attr(b, c->submission_id);
        html_lit(b, "\"><input type=\"hidden\" name=\"field\" value=\"");
        html_attr(b, c->field->name);
        html_lit(b, "\"><input type=\"hidden\" name=\"tag\" value=\"");
        html_attr(b, c->tags[k]->id);
        html_lit(b, "\"><input type=\"hidden\" name=\"action\" value=\"remove\"><input type=\"hidden\" name=\"back\" value=\"");
        html_attr(b, tag ? tag : "");
        html_lit(b, "\"><button type=\"submit\" class=\"secondary\">");
        html_text(b, arena_printf(req->arena, T(req, "Remove %s"), c->tags[k]->name));
        html_lit(b, "</button></form> ");
    }
    if (!all->ntags) return;
    const char *id = arena_printf(req->arena, "t-%s-%s", c->submission_id, c->field->name);
    html_lit(b, "<form method=\"post\" class=\"inline\" action=\"");
    html_url(b, programme_url(req, p, "/feedback/comments/tag"));
    html_lit(b, "\">");
    access_csrf_field(req, res);
    html_lit(b, "<input type=\"hidden\" name=\"submission\" value=\"");
    html_attr(b, c->submission_id);
    html_lit(b, "\"><input type=\"hidden\" name=\"field\" value=\"");
    html_attr(b, c->field->name);
    html_lit(b, "\"><input type=\"hidden\" name=\"action\" value=\"add\"><input type=\"hidden\" name=\"back\" value=\"");
    html_attr(b, tag ? tag : "");
    html_lit(b, "\"><label class=\"visually-hidden\" for=\"");
    html_attr(b, id);
    html_lit(b, "\">");
    html_text(b, T(req, "Theme"));
    html_lit(b, "</label><select id=\"");
    html_attr(b, id);
    html_lit(b, "\" name=\"tag\">");
    for (size_t k = 0; k < all->ntags; k++) option(b, all->tags[k].id, all->tags[k].name, NULL);
    html_lit(b, "</select> <button type=\"submit\">");
    html_text(b, T(req, "Add the theme"));
    html_lit(b, "</button></form>");
}

static void tag_filter(struct http_request *req, struct strbuf *b, const struct programme *p, const struct fb_comments *c,
                       const char *tag)
{
    html_lit(b, "<nav aria-label=\"");
    html_attr(b, T(req, "Themes"));
    html_lit(b, "\"><p>");
    html_text(b, T(req, "Themes:"));
    struct {
        const char *value, *label;
    } all[] = {{"", T(req, "All")}, {"none", arena_printf(req->arena, T(req, "No theme yet (%lld)"), (long long)c->untagged)}};
    for (size_t i = 0; i < 2 + c->ntags; i++) {
        const char *value = i < 2 ? all[i].value : c->tags[i - 2].id;
        const char *label = i < 2 ? all[i].label : arena_printf(req->arena, "%s (%lld)", c->tags[i - 2].name, (long long)c->tags[i - 2].uses);
        if (i) html_lit(b, " · ");
        else html_lit(b, " ");
        if (strcmp(value, tag ? tag : "") == 0) {
            html_lit(b, "<strong aria-current=\"page\">");
            html_text(b, label);
            html_lit(b, "</strong>");
        } else {
            html_lit(b, "<a href=\"");
            html_url(b, comments_url(req, p, value));
            html_lit(b, "\">");
            html_text(b, label);
            html_lit(b, "</a>");
        }
    }
    html_lit(b, "</p></nav>");
}

static void comments_page_with(struct http_request *req, struct http_response *res, struct programme *p,
                               const char *problem, const char *typed)
{
    const char *tag = nonempty(http_query(req, "tag"));
    if (!tag) tag = nonempty(http_form(req, "back"));
    struct fb_comments c;
    struct err e;
    err_clear(&e);
    if (fb_comments(web_state(req)->store, req->arena, p->id, tag, &c, &e) < 0) {
        failed(req, res, "feedback texts", &e);
        return;
    }
    int status = res->status;
    struct strbuf *b = &res->body;
    top(req, res, p, T(req, "Free texts"), "comments");
    res->status = status;
    bool tagger = may(req, POLICY_FEEDBACK_TAG);
    if (problem) {
        html_lit(b, "<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\" aria-labelledby=\"error-summary-title\">"
                    "<h2 id=\"error-summary-title\">");
        html_text(b, T(req, "There is a problem"));
        html_lit(b, "</h2><ul><li><a href=\"#f-name\">");
        html_text(b, problem);
        html_lit(b, "</a></li></ul></div>");
    }
    para(b, "lead", arena_printf(req->arena, T(req, "What respondents wrote in the baseline, the endline and after training sessions. Texts can name people: a campaign or session with fewer than %d answer sets shows none, and an institution or role is named beside a text only where at least %d answered."), c.threshold, c.threshold));
    if (c.hidden)
        para(b, "detail", arena_printf(req->arena, T(req, "Texts not shown because too few answered where they were written: %lld."), (long long)c.hidden));
    tag_filter(req, b, p, &c, tag);
    if (tagger) {
        html_lit(b, "<form method=\"post\" class=\"card filters noprint\" action=\"");
        html_url(b, programme_url(req, p, "/feedback/tags"));
        html_lit(b, "\">");
        access_csrf_field(req, res);
        html_lit(b, "<div class=\"field");
        if (problem) html_lit(b, " invalid");
        html_lit(b, "\"><label for=\"f-name\">");
        html_text(b, T(req, "A new theme"));
        html_lit(b, "</label>");
        if (problem) {
            html_lit(b, "<p class=\"field-error\" id=\"f-name-error\"><span class=\"visually-hidden\">");
            html_text(b, T(req, "Error:"));
            html_lit(b, "</span> ");
            html_text(b, problem);
            html_lit(b, "</p>");
        }
        html_lit(b, "<input type=\"text\" id=\"f-name\" name=\"name\" maxlength=\"60\"");
        if (problem) html_lit(b, " aria-invalid=\"true\" aria-describedby=\"f-name-error\"");
        html_lit(b, " value=\"");
        html_attr(b, typed ? typed : "");
        html_lit(b, "\"></div><button type=\"submit\">");
        html_text(b, T(req, "Add the theme"));
        html_lit(b, "</button></form>");
    }
    if (!c.n) para(b, "notice", T(req, "No text to show here."));
    for (size_t i = 0; i < c.n; i++) {
        const struct fb_comment *x = &c.items[i];
        html_lit(b, "<article class=\"card comment\" id=\"");
        html_attr(b, arena_printf(req->arena, "c-%s-%s", x->submission_id, x->field->name));
        html_lit(b, "\"><p class=\"detail\">");
        html_text(b, x->campaign);
        html_lit(b, " · ");
        html_text(b, field_label(req, x->form, x->field));
        if (x->session) {
            html_lit(b, " · ");
            html_text(b, arena_printf(req->arena, T(req, "session %s"), x->session));
        }
        if (x->institution) {
            html_lit(b, " · ");
            html_text(b, x->institution);
        }
        if (x->role) {
            html_lit(b, " · ");
            html_text(b, T(req, rcode_role_label(x->role)));
        }
        html_lit(b, "</p><blockquote>");
        html_text(b, x->text);
        html_lit(b, "</blockquote><p>");
        for (size_t k = 0; k < x->ntags; k++) {
            html_lit(b, "<span class=\"tag\">");
            html_text(b, x->tags[k]->name);
            html_lit(b, "</span> ");
        }
        if (!x->ntags) {
            html_lit(b, "<span class=\"detail\">");
            html_text(b, T(req, "No theme yet."));
            html_lit(b, "</span>");
        }
        html_lit(b, "</p>");
        if (tagger) tag_form(req, res, p, x, &c, tag);
        html_lit(b, "</article>");
    }
    layout_end(req, res);
}

static void comments_page(struct http_request *req, struct http_response *res)
{
    struct programme *p = programme_of(req, res);
    if (p) comments_page_with(req, res, p, NULL, NULL);
}

static void tag_post(struct http_request *req, struct http_response *res)
{
    struct programme *p = programme_of(req, res);
    if (!p) return;
    const char *action = http_form(req, "action");
    bool on = action && strcmp(action, "add") == 0;
    if (!on && (!action || strcmp(action, "remove") != 0)) {
        page_error(req, res, 400, T(req, "The form was not complete. Nothing was changed."));
        return;
    }
    struct audit_actor by;
    web_audit_actor(req, &by);
    struct err e;
    err_clear(&e);
    if (fb_tag_set(web_state(req)->store, req->arena, p->id, http_form(req, "submission"), http_form(req, "field"),
                   http_form(req, "tag"), on, &by, &e) < 0) {
        if (e.code == ERR_INVALID)
            page_error(req, res, 400, arena_printf(req->arena, "%s %s", T(req, e.msg), T(req, "Nothing was changed.")));
        else failed(req, res, "feedback tag", &e);
        return;
    }
    const char *back = comments_url(req, p, nonempty(http_form(req, "back")));
    const char *sub = http_form(req, "submission"), *field = http_form(req, "field");
    http_redirect(res, 303, arena_printf(req->arena, "%s#c-%s-%s", back, sub ? sub : "", field ? field : ""));
}

static void tags_post(struct http_request *req, struct http_response *res)
{
    struct programme *p = programme_of(req, res);
    if (!p) return;
    const char *name = http_form(req, "name");
    struct audit_actor by;
    web_audit_actor(req, &by);
    struct err e;
    err_clear(&e);
    if (fb_tag_create(web_state(req)->store, req->arena, p->id, name, false, &by, NULL, &e) == 0) {
        http_redirect(res, 303, comments_url(req, p, nonempty(http_form(req, "back"))));
        return;
    }
    if (e.code != ERR_INVALID && e.code != ERR_CONFLICT) {
        failed(req, res, "feedback tag", &e);
        return;
    }
    res->status = e.code == ERR_CONFLICT ? 409 : 400;
    comments_page_with(req, res, p, T(req, e.msg), name);
}

/* --- respondent codes ---------------------------------------------------------------------------- */

struct codes_form {
    const char *institution, *role, *count;
};

static void codes_page_with(struct http_request *req, struct http_response *res, struct programme *p,
                            const struct codes_form *typed, const char *problem)
{
    struct store *st = web_state(req)->store;
    struct err e;
    err_clear(&e);
    struct rcode_count *counts;
    struct rcode_batch *batches;
    struct rcode_choice *choices;
    size_t ncounts, nbatches, nchoices;
    if (rcode_counts(st, req->arena, p->id, &counts, &ncounts, &e) < 0 ||
        rcode_batches(st, req->arena, p->id, &batches, &nbatches, &e) < 0 ||
        rcode_institution_choices(st, req->arena, p->id, &choices, &nchoices, &e) < 0) {
        failed(req, res, "respondent codes", &e);
        return;
    }
    int status = res->status;
    struct strbuf *b = &res->body;
    top(req, res, p, T(req, "Respondent codes"), "codes");
    res->status = status;
    if (problem) {
        html_lit(b, "<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\" aria-labelledby=\"error-summary-title\">"
                    "<h2 id=\"error-summary-title\">");
        html_text(b, T(req, "There is a problem"));
        html_lit(b, "</h2><ul><li><a href=\"#f-institution\">");
        html_text(b, problem);
        html_lit(b, "</a></li></ul></div>");
    }
    const char *done = nonempty(http_query(req, "done"));
    if (done) {
        html_lit(b, "<p class=\"notice\" role=\"status\">");
        html_text(b, T(req, "The codes were issued."));
        html_lit(b, " <a href=\"");
        html_url(b, programme_url(req, p, arena_printf(req->arena, "/codes/print?batch=%s", done)));
        html_lit(b, "\">");
        html_text(b, T(req, "Print their slips"));
        html_lit(b, "</a></p>");
    }
    para(b, "lead", T(req, "A respondent code links a person's baseline and endline answers without their name. Issue codes for an institution and a role, print the slips, and give one slip to each respondent: they type the code in both surveys. edubridge never knows who holds which slip."));
    html_lit(b, "<form method=\"post\" class=\"card\" novalidate action=\"");
    html_url(b, programme_url(req, p, "/codes"));
    html_lit(b, "\">");
    access_csrf_field(req, res);
    html_lit(b, "<h2>");
    html_text(b, T(req, "Issue codes"));
    html_lit(b, "</h2><div class=\"field");
    if (problem) html_lit(b, " invalid");
    html_lit(b, "\"><label for=\"f-institution\">");
    html_text(b, T(req, "Institution"));
    html_lit(b, "</label>");
    if (problem) {
        html_lit(b, "<p class=\"field-error\" id=\"f-institution-error\"><span class=\"visually-hidden\">");
        html_text(b, T(req, "Error:"));
        html_lit(b, "</span> ");
        html_text(b, problem);
        html_lit(b, "</p>");
    }
    html_lit(b, "<select id=\"f-institution\" name=\"institution\" required");
    if (problem) html_lit(b, " aria-invalid=\"true\" aria-describedby=\"f-institution-error\"");
    html_lit(b, ">");
    option(b, "", T(req, "Choose an institution"), typed ? typed->institution : NULL);
    for (size_t i = 0; i < nchoices; i++)
        option(b, choices[i].id,
               choices[i].country ? arena_printf(req->arena, "%s (%s)", choices[i].name, choices[i].country) : choices[i].name,
               typed ? typed->institution : NULL);
    html_lit(b, "</select></div><div class=\"field\"><label for=\"f-role\">");
    html_text(b, T(req, "Respondents' role"));
    html_lit(b, "</label><select id=\"f-role\" name=\"role\">");
    option(b, "", T(req, "Any role (the survey asks it)"), typed ? typed->role : NULL);
    for (int i = 0; i < RCODE_ROLES; i++)
        option(b, rcode_roles[i], T(req, rcode_role_label(rcode_roles[i])), typed ? typed->role : NULL);
    html_lit(b, "</select></div><div class=\"field\"><label for=\"f-count\">");
    html_text(b, T(req, "How many codes"));
    html_lit(b, "</label><p class=\"hint\" id=\"f-count-hint\">");
    html_text(b, T(req, "One per respondent, from 1 to 500, with a few spare."));
    html_lit(b, "</p><input type=\"text\" inputmode=\"numeric\" pattern=\"[0-9]*\" id=\"f-count\" name=\"count\" aria-describedby=\"f-count-hint\" size=\"4\" value=\"");
    html_attr(b, typed && typed->count ? typed->count : "25");
    html_lit(b, "\"></div><p><button type=\"submit\">");
    html_text(b, T(req, "Issue the codes"));
    html_lit(b, "</button></p></form><h2>");
    html_text(b, T(req, "Codes per institution and role"));
    html_lit(b, "</h2>");
    if (!ncounts) {
        para(b, "notice", T(req, "No code has been issued for this programme yet."));
    } else {
        html_lit(b, "<table><thead><tr><th scope=\"col\">");
        html_text(b, T(req, "Institution"));
        html_lit(b, "</th><th scope=\"col\">");
        html_text(b, T(req, "Respondents' role"));
        html_lit(b, "</th><th scope=\"col\" class=\"num\">");
        html_text(b, T(req, "Codes"));
        html_lit(b, "</th><th scope=\"col\">");
        html_text(b, T(req, "Slips"));
        html_lit(b, "</th></tr></thead><tbody>");
        for (size_t i = 0; i < ncounts; i++) {
            html_lit(b, "<tr><td>");
            html_text(b, counts[i].institution_name);
            html_lit(b, "</td><td>");
            html_text(b, T(req, rcode_role_label(counts[i].role)));
            html_lit(b, "</td><td class=\"num\">");
            html_int(b, counts[i].codes);
            html_lit(b, "</td><td><a href=\"");
            html_url(b, programme_url(req, p, arena_printf(req->arena, "/codes/print?institution=%s", counts[i].institution_id)));
            html_lit(b, "\">");
            html_text(b, T(req, "Print the institution's slips"));
            html_lit(b, "<span class=\"visually-hidden\"> ");
            html_text(b, counts[i].institution_name);
            html_lit(b, "</span></a></td></tr>");
        }
        html_lit(b, "</tbody></table><h2>");
        html_text(b, T(req, "Each issue of codes"));
        html_lit(b, "</h2><ul>");
        for (size_t i = 0; i < nbatches; i++) {
            html_lit(b, "<li>");
            layout_date(req, b, batches[i].issued_at);
            html_lit(b, ": ");
            html_text(b, arena_printf(req->arena, T(req, "%lld codes for %s, %s."), (long long)batches[i].codes,
                                      batches[i].institution_name, T(req, rcode_role_label(batches[i].role))));
            html_lit(b, " <a href=\"");
            html_url(b, programme_url(req, p, arena_printf(req->arena, "/codes/print?batch=%s", batches[i].batch)));
            html_lit(b, "\">");
            html_text(b, T(req, "Print these slips"));
            html_lit(b, "</a></li>");
        }
        html_lit(b, "</ul>");
    }
    layout_end(req, res);
}

static void codes_page(struct http_request *req, struct http_response *res)
{
    struct programme *p = programme_of(req, res);
    if (p) codes_page_with(req, res, p, NULL, NULL);
}

static void codes_post(struct http_request *req, struct http_response *res)
{
    struct programme *p = programme_of(req, res);
    if (!p) return;
    struct codes_form f = {http_form(req, "institution"), http_form(req, "role"), http_form(req, "count")};
    int64_t n = 0;
    if (!f.count || !str_to_int64(f.count, 1, RCODE_ISSUE_MAX, &n)) n = 0;
    struct audit_actor by;
    web_audit_actor(req, &by);
    struct err e;
    err_clear(&e);
    const char *batch;
    if (rcode_issue(web_state(req)->store, req->arena, p->id, f.institution, f.role, (int)n, false, &by, &batch, &e) == 0) {
        http_redirect(res, 303, programme_url(req, p, arena_printf(req->arena, "/codes?done=%s", batch)));
        return;
    }
    if (e.code != ERR_INVALID) {
        failed(req, res, "respondent codes", &e);
        return;
    }
    res->status = 400;
    codes_page_with(req, res, p, &f, T(req, e.msg));
}

/* Where the respondents answer: the public address of the programme's baseline and endline forms. */
static void survey_links(struct http_request *req, struct strbuf *b, const struct programme *p)
{
    struct campaign *cs;
    size_t nc;
    struct err e;
    err_clear(&e);
    if (campaign_list(web_state(req)->store, req->arena, p->id, &cs, &nc, &e) < 0) return;
    const char *base = access_public_url();
    if (!nonempty(base)) {
        const char *host = http_header_in(req, "Host");
        base = arena_printf(req->arena, "%s://%s", access_is_https(req) ? "https" : "http", host ? host : "localhost");
    }
    for (int k = 0; k < 2; k++) {
        const char *kind = k ? "endline" : "baseline";
        for (size_t i = 0; i < nc; i++) {
            if (strcmp(cs[i].kind, kind) != 0) continue;
            html_lit(b, "<p>");
            html_text(b, k ? T(req, "At the end:") : T(req, "At the start:"));
            html_lit(b, " <code>");
            struct strbuf u;
            strbuf_init(&u, req->arena, 96);
            strbuf_puts(&u, base);
            strbuf_puts(&u, "/s/");
            str_url_encode(&u, cs[i].form_id);
            html_text(b, u.data);
            html_lit(b, "</code></p>");
            break;
        }
    }
}

static void print_page(struct http_request *req, struct http_response *res)
{
    struct programme *p = programme_of(req, res);
    if (!p) return;
    struct rcode_filter f = {nonempty(http_query(req, "institution")), nonempty(http_query(req, "batch"))};
    if (!f.institution_id && !f.batch) {
        http_redirect(res, 303, programme_url(req, p, "/codes"));
        return;
    }
    struct rcode *codes;
    size_t n;
    struct err e;
    err_clear(&e);
    if (rcode_list(web_state(req)->store, req->arena, p->id, &f, &codes, &n, &e) < 0) {
        failed(req, res, "respondent codes", &e);
        return;
    }
    if (!n) {
        page_error(req, res, 404, T(req, "There are no such codes in this programme."));
        return;
    }
    struct strbuf *b = &res->body;
    layout_begin(req, res, T(req, "Respondent code slips"), "programmes");
    html_lit(b, "<div class=\"noprint\"><p><a href=\"");
    html_url(b, programme_url(req, p, "/codes"));
    html_lit(b, "\">");
    html_text(b, T(req, "Respondent codes"));
    html_lit(b, "</a></p><h1>");
    html_text(b, T(req, "Respondent code slips"));
    html_lit(b, "</h1><p>");
    html_text(b, arena_printf(req->arena, T(req, "%zu slips, 8 to an A4 page. Print at 100%% scale, cut along the lines, and give one to each respondent."), n));
    html_lit(b, "</p></div><div class=\"slips\">");
    struct strbuf links;
    strbuf_init(&links, req->arena, 256);
    survey_links(req, &links, p);
    for (size_t i = 0; i < n; i++) {
        char shown[RCODE_TEXT_SIZE];
        rcode_display(codes[i].code, shown);
        html_lit(b, "<section class=\"slip\"><p class=\"detail\">");
        html_text(b, p->name);
        html_lit(b, "</p><p>");
        html_text(b, codes[i].institution_name);
        html_lit(b, " · ");
        html_text(b, T(req, rcode_role_label(codes[i].role)));
        html_lit(b, "</p><p>");
        html_text(b, T(req, "Your respondent code:"));
        html_lit(b, "</p><p class=\"code\">");
        html_text(b, shown);
        html_lit(b, "</p><p>");
        html_text(b, T(req, "Type it in the survey at the start of the pilot and again at its end. Keep this slip; do not write your name on it."));
        html_lit(b, "</p>");
        strbuf_append(b, links.data, links.len); /* written through html/ above */
        html_lit(b, "</section>");
    }
    html_lit(b, "</div>");
    layout_end(req, res);
}

void feedback_routes(struct router *r)
{
    router_add(r, HTTP_GET, "/programmes/{slug}/feedback", analysis_page);
    router_add(r, HTTP_GET, "/programmes/{slug}/feedback.csv", analysis_csv);
    router_add(r, HTTP_GET, "/programmes/{slug}/feedback.xlsx", analysis_xlsx);
    router_add(r, HTTP_GET, "/programmes/{slug}/feedback.json", analysis_jsn);
    router_add(r, HTTP_GET, "/programmes/{slug}/feedback/sessions", sessions_page);
    router_add(r, HTTP_GET, "/programmes/{slug}/feedback/comments", comments_page);
    router_add(r, HTTP_POST, "/programmes/{slug}/feedback/comments/tag", tag_post);
    router_add(r, HTTP_POST, "/programmes/{slug}/feedback/tags", tags_post);
    router_add(r, HTTP_GET, "/programmes/{slug}/codes", codes_page);
    router_add(r, HTTP_POST, "/programmes/{slug}/codes", codes_post);
    router_add(r, HTTP_GET, "/programmes/{slug}/codes/print", print_page);
}

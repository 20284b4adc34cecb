#include "web/report_pages.h"

#include "auth/policy.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "forms/table_out.h"
#include "html/html.h"
#include "program/campaign.h"
#include "program/institutions.h"
#include "program/report_export.h"
#include "program/reports.h"
#include "program/respondent_codes.h"
#include "web/access.h"
#include "web/layout.h"
#include "web/likert_svg.h"
#include "web/pages.h"
#include "web/web.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* --- small things ------------------------------------------------------------------------------ */

static const char *nonempty(const char *s) { return s && *s ? s : NULL; }

static bool may(struct http_request *req, enum policy_action a, const char *institution_id)
{
    struct policy_target t = {.institution_id = institution_id};
    return policy_allows(web_state(req)->who, a, institution_id ? &t : NULL);
}

static const char *url(struct http_request *req, const char *prefix, const char *id, const char *rest)
{
    struct strbuf sb;
    strbuf_init(&sb, req->arena, 96);
    strbuf_puts(&sb, prefix);
    str_url_encode(&sb, id);
    strbuf_puts(&sb, rest);
    return sb.data;
}

static const char *programme_url(struct http_request *req, const struct programme *p, const char *rest)
{
    return url(req, "/programmes/", p->slug, rest);
}

static void failed(struct http_request *req, struct http_response *res, const char *what, const struct err *e)
{
    if (e->code == ERR_NOT_FOUND) {
        page_error(req, res, 404, NULL);
        return;
    }
    log_error("%s: %s", what, e->msg);
    page_error(req, res, 503, NULL);
}

static const char *people(struct http_request *req, struct rep_people p, int threshold)
{
    if (!p.shown) return arena_printf(req->arena, T(req, "fewer than %d"), threshold);
    return arena_printf(req->arena, "%lld", (long long)p.n);
}

static const char *count(struct http_request *req, int64_t n)
{
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

static void para(struct strbuf *b, const char *text)
{
    html_lit(b, "<p>");
    html_text(b, text);
    html_lit(b, "</p>");
}

static void date_text(struct http_request *req, struct strbuf *b, const char *day)
{
    if (day && *day) layout_date(req, b, day);
    else html_text(b, "–");
}

/* A section of a report; major ones start a new printed page. */
static void section(struct strbuf *b, const char *id, const char *title, bool major)
{
    if (major) html_lit(b, "<section class=\"report-section major\" aria-labelledby=\"h-");
    else html_lit(b, "<section class=\"report-section\" aria-labelledby=\"h-");
    html_attr(b, id);
    html_lit(b, "\"><h2 id=\"h-");
    html_attr(b, id);
    html_lit(b, "\">");
    html_text(b, title);
    html_lit(b, "</h2>");
}

static void section_end(struct strbuf *b) { html_lit(b, "</section>"); }

/* One line of a facts list. */
static void fact(struct strbuf *b, const char *term, const char *value)
{
    html_lit(b, "<div><dt>");
    html_text(b, term);
    html_lit(b, "</dt><dd>");
    html_text(b, value);
    html_lit(b, "</dd></div>");
}

/* --- charts: horizontal bars, presentation attributes only ------------------------------------- */

struct bar {
    const char *label;
    double value;
    bool hidden;  /* a count of people under the threshold: no bar, the words instead */
};

enum { BAR_W = 720, BAR_LABEL = 230, BAR_PLOT = 400, BAR_ROW = 26 };

static void bars_svg(struct http_request *req, struct strbuf *b, const char *title, const struct bar *bars, size_t n,
                     int threshold)
{
    if (!n) return;
    double max = 0;
    for (size_t i = 0; i < n; i++)
        if (!bars[i].hidden && bars[i].value > max) max = bars[i].value;
    int h = (int)n * BAR_ROW + 8;
    html_lit(b, "<svg class=\"bars\" role=\"img\" viewBox=\"0 0 720 ");
    html_int(b, h);
    html_lit(b, "\" width=\"100%\" preserveAspectRatio=\"xMinYMin meet\" font-size=\"14\"><title>");
    html_text(b, title);
    html_lit(b, "</title>");
    for (size_t i = 0; i < n; i++) {
        int y = (int)i * BAR_ROW + 4;
        html_lit(b, "<text x=\"0\" y=\"");
        html_int(b, y + 16);
        html_lit(b, "\" fill=\"#1d2330\">");
        html_text(b, bars[i].label);
        html_lit(b, "</text>");
        int w = 0;
        const char *value;
        if (bars[i].hidden) {
            value = arena_printf(req->arena, T(req, "fewer than %d"), threshold);
        } else {
            w = max > 0 ? (int)lround(BAR_PLOT * bars[i].value / max) : 0;
            if (bars[i].value > 0 && w < 1) w = 1;
            value = num(req, bars[i].value, bars[i].value == floor(bars[i].value) ? 0 : 1);
            html_lit(b, "<rect x=\"");
            html_int(b, BAR_LABEL);
            html_lit(b, "\" y=\"");
            html_int(b, y + 3);
            html_lit(b, "\" width=\"");
            html_int(b, w);
            html_lit(b, "\" height=\"16\" fill=\"#0b5cad\"/>");
        }
        html_lit(b, "<text x=\"");
        html_int(b, BAR_LABEL + w + 6);
        html_lit(b, "\" y=\"");
        html_int(b, y + 16);
        if (bars[i].hidden) html_lit(b, "\" fill=\"#5a6372\">");
        else html_lit(b, "\" fill=\"#1d2330\">");
        html_text(b, value);
        html_lit(b, "</text>");
    }
    html_lit(b, "</svg>");
}

/* --- parts both reports share ------------------------------------------------------------------ */

static void downloads(struct http_request *req, struct strbuf *b, const char *base, const char *query, bool zip,
                      const char *zip_url)
{
    html_lit(b, "<p class=\"noprint\">");
    html_text(b, T(req, "Download the figures:"));
    static const char *const ext[] = {".csv", ".xlsx", ".json"};
    static const char *const name[] = {"CSV", "XLSX", "JSON"};
    for (size_t i = 0; i < 3; i++) {
        if (i) html_lit(b, " · <a href=\"");
        else html_lit(b, " <a href=\"");
        html_url(b, arena_printf(req->arena, "%s%s%s", base, ext[i], query));
        html_lit(b, "\" download>");
        html_text(b, name[i]);
        html_lit(b, "</a>");
    }
    if (zip) {
        html_lit(b, " · <a href=\"");
        html_url(b, zip_url);
        html_lit(b, "\" download>");
        html_text(b, T(req, "Every table of the programme (zip)"));
        html_lit(b, "</a>");
    }
    html_lit(b, "</p>");
}

static void devices_part(struct http_request *req, struct strbuf *b, const struct rep_devices *d, bool institution)
{
    section(b, "devices", T(req, "Devices"), false);
    if (!d->allocated) {
        para(b, T(req, "No devices allocated yet."));
        section_end(b);
        return;
    }
    html_lit(b, "<dl class=\"facts\">");
    if (d->quota) fact(b, T(req, "Devices per institution (quota)"), count(req, d->quota));
    fact(b, T(req, "Devices allocated"), count(req, d->allocated));
    fact(b, T(req, "Devices delivered"), count(req, d->delivered));
    fact(b, T(req, "Devices in use now"), count(req, d->in_use));
    html_lit(b, "</dl>");
    struct bar bars[3] = {{T(req, "Allocated"), (double)d->allocated, false},
                          {T(req, "Delivered"), (double)d->delivered, false},
                          {T(req, "In use now"), (double)d->in_use, false}};
    bars_svg(req, b, T(req, "Devices allocated, delivered and in use"), bars, 3, 0);
    html_lit(b, "<div class=\"scroll\"><table><caption>");
    html_text(b, T(req, "Devices by state now"));
    html_lit(b, "</caption><thead><tr><th scope=\"col\">");
    html_text(b, T(req, "State"));
    html_lit(b, "</th><th scope=\"col\" class=\"num\">");
    html_text(b, T(req, "Devices"));
    html_lit(b, "</th></tr></thead><tbody>");
    for (int k = 0; k < DEVICE_STATE_COUNT; k++) {
        if (!d->by_state[k]) continue;
        html_lit(b, "<tr><th scope=\"row\">");
        html_text(b, T(req, device_state_label((enum device_state)k)));
        html_lit(b, "</th><td class=\"num\">");
        html_int(b, d->by_state[k]);
        html_lit(b, "</td></tr>");
    }
    html_lit(b, "</tbody></table></div>");
    if (!institution) {
        html_lit(b, "<p>");
        html_text(b, arena_printf(req->arena, T(req, "Deliveries confirmed: %zu. Still short of what was shipped: %lld."),
                                  d->ndeliveries, (long long)d->shortfalls));
        html_lit(b, "</p>");
    } else if (!d->ndeliveries) {
        para(b, T(req, "No delivery confirmed yet."));
    } else {
        html_lit(b, "<div class=\"scroll\"><table><caption>");
        html_text(b, T(req, "Deliveries confirmed"));
        html_lit(b, "</caption><thead><tr><th scope=\"col\">");
        html_text(b, T(req, "Confirmed on"));
        html_lit(b, "</th><th scope=\"col\" class=\"num\">");
        html_text(b, T(req, "Shipped"));
        html_lit(b, "</th><th scope=\"col\" class=\"num\">");
        html_text(b, T(req, "Received"));
        html_lit(b, "</th><th scope=\"col\">");
        html_text(b, T(req, "Shortfall"));
        html_lit(b, "</th></tr></thead><tbody>");
        for (size_t i = 0; i < d->ndeliveries; i++) {
            const struct device_delivery *x = &d->deliveries[i];
            html_lit(b, "<tr><td>");
            date_text(req, b, arena_strndup(req->arena, x->confirmed_at, 10));
            html_lit(b, "</td><td class=\"num\">");
            html_int(b, x->expected);
            html_lit(b, "</td><td class=\"num\">");
            html_int(b, x->received);
            html_lit(b, "</td><td>");
            if (x->received >= x->expected) html_text(b, T(req, "nothing missing"));
            else if (x->still_shipped) html_text(b, arena_printf(req->arena, T(req, "%d missing, still open"), x->expected - x->received));
            else html_text(b, arena_printf(req->arena, T(req, "%d missing, resolved"), x->expected - x->received));
            html_lit(b, "</td></tr>");
        }
        html_lit(b, "</tbody></table></div>");
    }
    section_end(b);
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

static const char *hidden_text(struct http_request *req, enum fb_hidden why, int threshold)
{
    if (why == FB_HIDDEN_REST)
        return arena_printf(req->arena, T(req, "Not shown: the other respondents would be fewer than %d, and could be worked out."), threshold);
    return arena_printf(req->arena, T(req, "fewer than %d respondents"), threshold);
}

static void outcome_row(struct http_request *req, struct strbuf *b, const struct fb_analysis *an, const struct fb_item *it)
{
    const struct ps_result *r = &it->r;
    html_lit(b, "<tr><th scope=\"row\">");
    html_text(b, field_label(req, an->form, it->field));
    html_lit(b, "</th>");
    if (it->hidden != FB_SHOWN || r->status != PS_COMPUTED) {
        html_lit(b, "<td colspan=\"5\">");
        html_text(b, hidden_text(req, it->hidden == FB_SHOWN ? FB_HIDDEN_SMALL : it->hidden, an->threshold));
        html_lit(b, "</td></tr>");
        return;
    }
    html_lit(b, "<td class=\"num\">");
    html_int(b, (int64_t)r->n);
    html_lit(b, "</td><td class=\"num\">");
    html_text(b, arena_printf(req->arena, "%s → %s", num(req, r->mean_x, 2), num(req, r->mean_y, 2)));
    html_lit(b, "</td><td class=\"num\">");
    html_text(b, signed_num(req, r->mean_diff));
    if (!isnan(r->ci_low))
        html_text(b, arena_printf(req->arena, T(req, " (%s to %s)"), signed_num(req, r->ci_low), signed_num(req, r->ci_high)));
    html_lit(b, "</td><td class=\"num\">");
    html_text(b, num(req, r->dz, 2));
    if (!isnan(r->dz)) {
        html_lit(b, " (");
        html_text(b, T(req, fb_magnitude(r->dz)));
        html_lit(b, ")");
    }
    html_lit(b, "</td><td class=\"num\">");
    if (r->spread_reason != PS_REASON_NONE) html_text(b, T(req, ps_reason_text(r->spread_reason)));
    else html_text(b, arena_printf(req->arena, "%s; %s", p_text(req, r->p_t), p_text(req, r->p_w)));
    html_lit(b, "</td></tr>");
}

/* The Likert items as diverging bars (web/likert_svg.h), one chart per scale length. */
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
        if (likert_svg(b, req->arena, web_state(req)->lang, &c, &e) < 0) log_error("report chart: %s", e.msg);
    }
}

static void outcomes_part(struct http_request *req, struct strbuf *b, const struct fb_analysis *an, bool institution)
{
    section(b, "outcomes", T(req, "Baseline and endline"), true);
    int t = an->threshold;
    if (!an->baseline_campaigns || !an->endline_campaigns) {
        para(b, T(req, "No baseline and endline yet: the programme needs a campaign of each kind."));
        section_end(b);
        return;
    }
    html_lit(b, "<dl class=\"facts\">");
    if (!institution) {
        fact(b, T(req, "Respondents at baseline"), people(req, rep_people_of(an->baseline_sets, t), t));
        fact(b, T(req, "Respondents at endline"), people(req, rep_people_of(an->endline_sets, t), t));
        fact(b, T(req, "Pairs (answered both)"), people(req, rep_people_of(an->pairs, t), t));
    } else {
        fact(b, T(req, "Pairs (answered both)"), people(req, (struct rep_people){an->group_pairs, an->group_shown}, t));
    }
    html_lit(b, "</dl>");
    if (institution && !an->group_shown) {
        para(b, arena_printf(req->arena, T(req, "Not shown: fewer than %d of this institution's respondents answered both surveys, or the rest of the programme's would be too few."), t));
        section_end(b);
        return;
    }
    if (!an->nitems) {
        para(b, T(req, "No item to compare yet: the baseline and endline forms have no Likert or number item in common."));
        section_end(b);
        return;
    }
    const char *heads[] = {T(req, "n (pairs)"), T(req, "Baseline → endline mean"),
                           arena_printf(req->arena, T(req, "Difference (%d%% CI)"), 95), T(req, "Effect size d_z"),
                           T(req, "p (t-test; Wilcoxon)")};
    html_lit(b, "<div class=\"scroll\"><table class=\"outcomes\"><caption>");
    html_text(b, T(req, "Each item: baseline against endline for the respondents who answered both."));
    html_lit(b, "</caption><thead><tr><th scope=\"col\">");
    html_text(b, T(req, "Item"));
    html_lit(b, "</th>");
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++) {
        html_lit(b, "<th scope=\"col\" class=\"num\">");
        html_text(b, heads[i]);
        html_lit(b, "</th>");
    }
    html_lit(b, "</tr></thead><tbody>");
    for (size_t j = 0; j < an->nitems; j++) outcome_row(req, b, an, &an->items[j]);
    html_lit(b, "</tbody></table></div>");
    likert_charts(req, b, an);
    html_lit(b, "<p class=\"detail\">");
    html_text(b, arena_printf(req->arena, T(req, "The difference is endline minus baseline, so a positive difference is a rise; when its %d%% confidence interval leaves out 0, the change is unlikely to be chance alone. d_z is the difference divided by the spread of the differences: by Cohen's conventions, about 0.2 is small, 0.5 medium and 0.8 large. p: the paired t-test, then the Wilcoxon signed-rank test."), 95));
    html_lit(b, "</p>");
    section_end(b);
}

static void threshold_note(struct http_request *req, struct strbuf *b, int threshold)
{
    html_lit(b, "<p class=\"detail\">");
    html_text(b, arena_printf(req->arena, T(req, "Counts of people under %d are shown as “fewer than %d”, and so is a group whose rest could be worked out from it: reports never show a group that small. Counts of institutions, devices and sessions are shown as they are."), threshold, threshold));
    html_lit(b, "</p>");
}

/* --- the programme report ---------------------------------------------------------------------- */

static const char *kind_label(const char *kind)
{
    if (!kind || !*kind) return N_("Kind not known");
    if (strcmp(kind, "school") == 0) return N_("School");
    if (strcmp(kind, "stem_club") == 0) return N_("STEM club");
    if (strcmp(kind, "education_centre") == 0) return N_("Education centre");
    return kind;
}

static void summary_part(struct http_request *req, struct strbuf *b, const struct rep_programme *r)
{
    int t = r->threshold;
    html_lit(b, "<div class=\"card keyfigures\"><h2>");
    html_text(b, T(req, "Key figures"));
    html_lit(b, "</h2><dl class=\"facts\">");
    fact(b, T(req, "Institutions selected"), count(req, r->selected));
    fact(b, T(req, "Institutions that accepted"), count(req, r->accepted));
    fact(b, T(req, "Countries"), count(req, (int64_t)r->ncountries));
    fact(b, T(req, "Devices delivered, of those allocated"),
         arena_printf(req->arena, T(req, "%lld of %lld"), (long long)r->devices.delivered, (long long)r->devices.allocated));
    fact(b, T(req, "Devices in use now"), count(req, r->devices.in_use));
    if (r->sessions) {
        fact(b, T(req, "Training sessions held"), count(req, r->sessions_held));
        fact(b, T(req, "Hours of training held"), num(req, r->hours_held, 1));
        fact(b, T(req, "People who completed training"), people(req, r->reached, t));
    }
    if (r->outcomes.baseline_campaigns && r->outcomes.endline_campaigns)
        fact(b, T(req, "Pairs (answered both)"), people(req, rep_people_of(r->outcomes.pairs, t), t));
    html_lit(b, "</dl></div>");
}

static void campaigns_part(struct http_request *req, struct strbuf *b, const struct rep_programme *r)
{
    section(b, "campaigns", T(req, "Campaigns"), false);
    if (!r->ncampaigns) {
        para(b, T(req, "No campaign yet."));
        section_end(b);
        return;
    }
    html_lit(b, "<div class=\"scroll\"><table><thead><tr><th scope=\"col\">");
    html_text(b, T(req, "Campaign"));
    html_lit(b, "</th><th scope=\"col\">");
    html_text(b, T(req, "Kind"));
    html_lit(b, "</th><th scope=\"col\">");
    html_text(b, T(req, "Status"));
    html_lit(b, "</th><th scope=\"col\" class=\"num\">");
    html_text(b, T(req, "Answer sets"));
    html_lit(b, "</th></tr></thead><tbody>");
    for (size_t i = 0; i < r->ncampaigns; i++) {
        const struct rep_campaign *c = &r->campaigns[i];
        html_lit(b, "<tr><th scope=\"row\">");
        html_text(b, c->name);
        html_lit(b, "</th><td>");
        html_text(b, T(req, campaign_kind_label(c->kind)));
        html_lit(b, "</td><td>");
        html_text(b, T(req, campaign_status_label(c->status ? c->status : "draft")));
        html_lit(b, "</td><td class=\"num\">");
        html_text(b, people(req, c->answers, r->threshold));
        html_lit(b, "</td></tr>");
    }
    html_lit(b, "</tbody></table></div>");
    section_end(b);
}

static void shares_table(struct http_request *req, struct strbuf *b, const char *caption, const char *head,
                         const struct rep_share *s, size_t n, bool kinds)
{
    struct bar *bars = arena_calloc(req->arena, n ? n : 1, sizeof *bars);
    html_lit(b, "<div class=\"scroll\"><table><caption>");
    html_text(b, caption);
    html_lit(b, "</caption><thead><tr><th scope=\"col\">");
    html_text(b, head);
    html_lit(b, "</th><th scope=\"col\" class=\"num\">");
    html_text(b, T(req, "Selected"));
    html_lit(b, "</th><th scope=\"col\" class=\"num\">");
    html_text(b, T(req, "Accepted"));
    html_lit(b, "</th></tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        const char *label = kinds ? T(req, kind_label(s[i].key)) : *s[i].key ? s[i].key : T(req, "Country not known");
        bars[i] = (struct bar){label, (double)s[i].selected, false};
        html_lit(b, "<tr><th scope=\"row\">");
        html_text(b, label);
        html_lit(b, "</th><td class=\"num\">");
        html_int(b, s[i].selected);
        html_lit(b, "</td><td class=\"num\">");
        html_int(b, s[i].accepted);
        html_lit(b, "</td></tr>");
    }
    html_lit(b, "</tbody></table></div>");
    bars_svg(req, b, caption, bars, n, 0);
}

static void coverage_part(struct http_request *req, struct strbuf *b, const struct rep_programme *r)
{
    section(b, "coverage", T(req, "Coverage"), false);
    if (!r->selection) {
        para(b, T(req, "No selection confirmed yet."));
        section_end(b);
        return;
    }
    html_lit(b, "<p>");
    html_text(b, arena_printf(req->arena,
                              T(req, "%lld institutions selected in %zu countries: %lld accepted, %lld invited and not answered yet, %lld declined (their places went to others where the rules allowed). Together they have %lld learners, as the register says."),
                              (long long)r->selected, r->ncountries, (long long)r->accepted, (long long)r->invited,
                              (long long)r->declined, (long long)r->learners));
    html_lit(b, "</p>");
    shares_table(req, b, T(req, "Institutions by country"), T(req, "Country"), r->countries, r->ncountries, false);
    shares_table(req, b, T(req, "Institutions by kind"), T(req, "Kind"), r->kinds, r->nkinds, true);
    section_end(b);
}

static void training_part(struct http_request *req, struct strbuf *b, const struct rep_programme *r)
{
    section(b, "training", T(req, "Teacher training"), false);
    int t = r->threshold;
    if (!r->sessions) {
        para(b, T(req, "No training sessions yet."));
        section_end(b);
        return;
    }
    html_lit(b, "<dl class=\"facts\">");
    fact(b, T(req, "Training sessions held"), arena_printf(req->arena, T(req, "%lld of %lld"), (long long)r->sessions_held, (long long)r->sessions));
    fact(b, T(req, "Train-the-trainer sessions"), count(req, r->sessions_tot));
    fact(b, T(req, "Hours of training held"), num(req, r->hours_held, 1));
    fact(b, T(req, "People enrolled"), people(req, r->enrolled, t));
    fact(b, T(req, "People who attended"), people(req, r->attended, t));
    fact(b, T(req, "Person-hours of training"), r->attended.shown ? num(req, r->person_hours, 1) : arena_printf(req->arena, T(req, "fewer than %d"), t));
    fact(b, T(req, "People who completed training"), people(req, r->reached, t));
    html_lit(b, "</dl>");
    if (r->nlevels) {
        html_lit(b, "<div class=\"scroll\"><table><caption>");
        html_text(b, T(req, "The cascade: level 0 is trained by staff, level 1 by the trainers level 0 trained, and so on"));
        html_lit(b, "</caption><thead><tr><th scope=\"col\">");
        html_text(b, T(req, "Level"));
        html_lit(b, "</th><th scope=\"col\" class=\"num\">");
        html_text(b, T(req, "Sessions"));
        html_lit(b, "</th><th scope=\"col\" class=\"num\">");
        html_text(b, T(req, "People who completed"));
        html_lit(b, "</th><th scope=\"col\" class=\"num\">");
        html_text(b, T(req, "Of them, new trainers"));
        html_lit(b, "</th></tr></thead><tbody>");
        struct bar *bars = arena_calloc(req->arena, r->nlevels, sizeof *bars);
        for (size_t i = 0; i < r->nlevels; i++) {
            const struct rep_level *l = &r->levels[i];
            const char *name = arena_printf(req->arena, T(req, "Level %d"), l->level);
            bars[i] = (struct bar){name, (double)l->reached.n, !l->reached.shown};
            html_lit(b, "<tr><th scope=\"row\">");
            html_text(b, name);
            html_lit(b, "</th><td class=\"num\">");
            html_int(b, l->sessions);
            html_lit(b, "</td><td class=\"num\">");
            html_text(b, people(req, l->reached, t));
            html_lit(b, "</td><td class=\"num\">");
            html_text(b, people(req, l->graduates, t));
            html_lit(b, "</td></tr>");
        }
        html_lit(b, "</tbody></table></div>");
        bars_svg(req, b, T(req, "People who completed training, by cascade level"), bars, r->nlevels, t);
    }
    section_end(b);
}

static void themes_part(struct http_request *req, struct strbuf *b, const struct rep_programme *r)
{
    section(b, "themes", T(req, "Feedback themes"), false);
    if (!r->nthemes) {
        para(b, T(req, "No theme given to the free texts yet."));
        section_end(b);
        return;
    }
    html_lit(b, "<div class=\"scroll\"><table><caption>");
    html_text(b, T(req, "The themes coordinators gave to what respondents wrote; a text may have several."));
    html_lit(b, "</caption><thead><tr><th scope=\"col\">");
    html_text(b, T(req, "Theme"));
    html_lit(b, "</th><th scope=\"col\" class=\"num\">");
    html_text(b, T(req, "Free texts"));
    html_lit(b, "</th></tr></thead><tbody>");
    for (size_t i = 0; i < r->nthemes; i++) {
        html_lit(b, "<tr><th scope=\"row\">");
        html_text(b, r->themes[i].name);
        html_lit(b, "</th><td class=\"num\">");
        html_text(b, people(req, r->themes[i].texts, r->threshold));
        html_lit(b, "</td></tr>");
    }
    html_lit(b, "</tbody></table></div>");
    section_end(b);
}

static void programme_report(struct http_request *req, struct http_response *res)
{
    struct rep_programme r;
    struct err e;
    err_clear(&e);
    if (rep_programme(web_state(req)->store, req->arena, http_route(req, "slug"), time_now_ms(), &r, &e) < 0) {
        if (e.code == ERR_NOT_FOUND) page_error(req, res, 404, T(req, "There is no programme at this address."));
        else failed(req, res, "programme report", &e);
        return;
    }
    const struct programme *p = r.programme;
    struct strbuf *b = &res->body;
    const char *title = T(req, "Programme report");
    layout_begin(req, res, arena_printf(req->arena, "%s: %s", title, p->name), "programmes");
    html_lit(b, "<div class=\"report\"><p class=\"noprint\"><a href=\"");
    html_url(b, programme_url(req, p, ""));
    html_lit(b, "\">");
    html_text(b, p->name);
    html_lit(b, "</a>");
    if (may(req, POLICY_DASHBOARD_VIEW, NULL)) {
        html_lit(b, " · <a href=\"");
        html_url(b, programme_url(req, p, "/dashboard"));
        html_lit(b, "\">");
        html_text(b, T(req, "Dashboard"));
        html_lit(b, "</a>");
    }
    html_lit(b, "</p><h1>");
    html_text(b, title);
    html_lit(b, "</h1><p class=\"lead\">");
    html_text(b, p->name);
    html_lit(b, " · ");
    html_text(b, T(req, "as of"));
    html_lit(b, " ");
    layout_date(req, b, r.today);
    html_lit(b, "</p>");
    downloads(req, b, programme_url(req, p, "/report"), "", may(req, POLICY_EXPORT_PSEUDONYMISED, NULL),
              programme_url(req, p, "/export.zip"));
    summary_part(req, b, &r);
    threshold_note(req, b, r.threshold);
    coverage_part(req, b, &r);
    devices_part(req, b, &r.devices, false);
    training_part(req, b, &r);
    campaigns_part(req, b, &r);
    outcomes_part(req, b, &r.outcomes, false);
    themes_part(req, b, &r);
    html_lit(b, "</div>");
    layout_end(req, res);
}

/* --- the institution report -------------------------------------------------------------------- */

/* The report's institution: read first (an unknown one is 404 for whoever passed the gate), then
 * the policy is asked again with the record, so that a contact reads only their own. */
static bool institution_report_of(struct http_request *req, struct http_response *res, struct rep_institution *r)
{
    struct store *st = web_state(req)->store;
    struct err e;
    err_clear(&e);
    struct institution inst;
    if (inst_get(st, req->arena, http_route(req, "id"), &inst, &e) < 0) {
        if (e.code == ERR_NOT_FOUND) page_error(req, res, 404, T(req, "There is no such institution or programme."));
        else failed(req, res, "institution report", &e);
        return false;
    }
    if (!may(req, POLICY_REPORT_INSTITUTION, inst.id)) {
        access_refuse(req, res, POLICY_REPORT_INSTITUTION);
        return false;
    }
    if (inst.merged_into) {
        /* A record merged away: its survivor's report, in the same form ("/report", ".csv"...). */
        const char *rest = req->path + strlen("/institutions/") + strlen(http_route(req, "id"));
        const char *prog = nonempty(http_query(req, "programme"));
        const char *to = url(req, "/institutions/", inst.merged_into, rest);
        if (prog) to = arena_printf(req->arena, "%s%s", to, url(req, "?programme=", prog, ""));
        http_redirect(res, 303, to);
        return false;
    }
    if (rep_institution(st, req->arena, inst.id, nonempty(http_query(req, "programme")), time_now_ms(), r, &e) == 0)
        return true;
    if (e.code == ERR_NOT_FOUND) page_error(req, res, 404, T(req, "There is no such institution or programme."));
    else failed(req, res, "institution report", &e);
    return false;
}

static const char *area_label(const char *area)
{
    static const char *const areas[][2] = {{"urban", N_("Urban")}, {"suburban", N_("Suburban")}, {"rural", N_("Rural")},
                                           {"remote", N_("Remote")}};
    for (size_t i = 0; area && i < 4; i++)
        if (strcmp(area, areas[i][0]) == 0) return areas[i][1];
    return NULL;
}

/* The register's status in words (the register's own msgids). */
static const char *status_label(const char *status)
{
    static const char *const statuses[][2] = {{"registered", N_("Registered")}, {"shortlisted", N_("Shortlisted")},
                                              {"selected", N_("Selected")},     {"invited", N_("Invited")},
                                              {"accepted", N_("Accepted")},     {"declined", N_("Declined")}};
    for (size_t i = 0; status && i < sizeof statuses / sizeof statuses[0]; i++)
        if (strcmp(status, statuses[i][0]) == 0) return statuses[i][1];
    return NULL;
}

static void profile_part(struct http_request *req, struct strbuf *b, const struct rep_institution *r)
{
    const struct institution *in = &r->inst;
    section(b, "profile", T(req, "Profile"), false);
    html_lit(b, "<dl class=\"facts\">");
    fact(b, T(req, "Kind"), T(req, kind_label(in->v[INST_KIND])));
    if (in->v[INST_FORMAL]) fact(b, T(req, "Education"), strcmp(in->v[INST_FORMAL], "0") == 0 ? T(req, "Informal") : T(req, "Formal"));
    const char *place = in->v[INST_COUNTRY];
    if (place && in->v[INST_REGION]) place = arena_printf(req->arena, "%s, %s", in->v[INST_REGION], place);
    if (place) fact(b, T(req, "Country and region"), place);
    const char *area = area_label(in->v[INST_AREA]);
    if (area) fact(b, T(req, "Area"), T(req, area));
    if (in->v[INST_LEARNERS]) fact(b, T(req, "Learners"), in->v[INST_LEARNERS]);
    if (in->v[INST_TEACHERS]) fact(b, T(req, "Teachers"), in->v[INST_TEACHERS]);
    if (in->v[INST_DEVICES]) fact(b, T(req, "Devices before the pilot"), in->v[INST_DEVICES]);
    if (in->v[INST_CONNECTIVITY]) fact(b, T(req, "Connection"), in->v[INST_CONNECTIVITY]);
    const char *status = status_label(in->v[INST_STATUS]);
    if (in->v[INST_STATUS]) fact(b, T(req, "Status in the register"), status ? T(req, status) : in->v[INST_STATUS]);
    html_lit(b, "</dl>");
    section_end(b);
}

static void need_part(struct http_request *req, struct strbuf *b, const struct rep_institution *r)
{
    section(b, "need", T(req, "Need index"), false);
    if (!r->assessed) {
        para(b, r->campaign_name ? T(req, "This programme's need index does not assess this institution.")
                                 : T(req, "This programme has no needs-survey campaign to assess yet."));
        section_end(b);
        return;
    }
    html_lit(b, "<p>");
    if (isnan(r->score)) {
        html_text(b, T(req, "No need score."));
        if (r->why_none) {
            html_lit(b, " ");
            html_text(b, arena_printf(req->arena, T(req, r->why_none), r->why_domain ? T(req, r->why_domain) : ""));
        }
    } else {
        html_text(b, arena_printf(req->arena, T(req, "Need score %s of 100: rank %zu of %zu."), num(req, r->score, 1), r->rank,
                                  r->scored));
        if (r->rank_lo) {
            html_lit(b, " ");
            html_text(b, arena_printf(req->arena, T(req, "With other reasonable weights and scales, its rank was between %zu and %zu in 90%% of the draws."),
                                      r->rank_lo, r->rank_hi));
        }
    }
    html_lit(b, "</p>");
    if (r->ndomains) {
        struct bar *bars = arena_calloc(req->arena, r->ndomains, sizeof *bars);
        html_lit(b, "<div class=\"scroll\"><table><caption>");
        html_text(b, r->norm == NI_NORM_ZSCORE ? T(req, "Need in each domain, weakest first (standard deviations from the average)")
                                               : T(req, "Need in each domain, weakest first (0 least need, 100 most)"));
        html_lit(b, "</caption><thead><tr><th scope=\"col\">");
        html_text(b, T(req, "Domain"));
        html_lit(b, "</th><th scope=\"col\" class=\"num\">");
        html_text(b, T(req, "Need"));
        html_lit(b, "</th></tr></thead><tbody>");
        size_t nb = 0;
        for (size_t i = 0; i < r->ndomains; i++) {
            const struct curriculum_domain *d = &r->domains[i];
            const char *label = d->label && *d->label ? T(req, d->label) : d->id;
            if (!isnan(d->need) && r->norm != NI_NORM_ZSCORE) bars[nb++] = (struct bar){label, d->need, false};
            html_lit(b, "<tr><th scope=\"row\">");
            html_text(b, label);
            html_lit(b, "</th><td class=\"num\">");
            html_text(b, isnan(d->need) ? T(req, "not answered") : num(req, d->need, 1));
            html_lit(b, "</td></tr>");
        }
        html_lit(b, "</tbody></table></div>");
        bars_svg(req, b, T(req, "Need in each domain"), bars, nb, 0);
    }
    section_end(b);
}

static void training_inst_part(struct http_request *req, struct strbuf *b, const struct rep_institution *r)
{
    int t = r->threshold;
    section(b, "training", T(req, "Teacher training"), false);
    if (!r->enrolled.n) {
        para(b, T(req, "Nobody from this institution is enrolled in training yet."));
    } else {
        html_lit(b, "<dl class=\"facts\">");
        fact(b, T(req, "Training sessions its people were enrolled in"), count(req, r->sessions));
        fact(b, T(req, "People enrolled"), people(req, r->enrolled, t));
        fact(b, T(req, "People who attended"), people(req, r->attended, t));
        fact(b, T(req, "People who completed"), people(req, r->completed, t));
        fact(b, T(req, "Person-hours of training"), r->attended.shown ? num(req, r->person_hours, 1) : arena_printf(req->arena, T(req, "fewer than %d"), t));
        html_lit(b, "</dl>");
    }
    html_lit(b, "<h3>");
    html_text(b, T(req, "Curriculum plan"));
    html_lit(b, "</h3>");
    if (!r->has_plan || !r->items) {
        para(b, T(req, "No curriculum plan yet."));
    } else {
        html_lit(b, "<p>");
        html_text(b, arena_printf(req->arena, T(req, "%zu of %zu items done, %zu in progress, %zu past their due day."),
                                  r->items_done, r->items, r->items_in_progress, r->items_late));
        html_lit(b, "</p>");
        struct bar bars[3] = {{T(req, "Done"), (double)r->items_done, false},
                              {T(req, "In progress"), (double)r->items_in_progress, false},
                              {T(req, "Past their due day"), (double)r->items_late, false}};
        bars_svg(req, b, T(req, "Curriculum plan"), bars, 3, 0);
    }
    section_end(b);
}

static void institution_report(struct http_request *req, struct http_response *res)
{
    struct rep_institution r;
    if (!institution_report_of(req, res, &r)) return;
    const char *name = r.inst.v[INST_NAME] ? r.inst.v[INST_NAME] : r.inst.id;
    struct strbuf *b = &res->body;
    const char *title = T(req, "Institution report");
    layout_begin(req, res, arena_printf(req->arena, "%s: %s", title, name), "institutions");
    html_lit(b, "<div class=\"report\">");
    if (may(req, POLICY_INSTITUTION_VIEW, r.inst.id)) {
        html_lit(b, "<p class=\"noprint\"><a href=\"");
        html_url(b, url(req, "/institutions/", r.inst.id, ""));
        html_lit(b, "\">");
        html_text(b, T(req, "The institution's record"));
        html_lit(b, "</a></p>");
    }
    html_lit(b, "<h1>");
    html_text(b, name);
    html_lit(b, "</h1><p class=\"lead\">");
    html_text(b, title);
    if (r.programme) {
        html_lit(b, " · ");
        html_text(b, r.programme->name);
    }
    html_lit(b, " · ");
    html_text(b, T(req, "as of"));
    html_lit(b, " ");
    layout_date(req, b, r.today);
    html_lit(b, "</p>");
    if (r.nothers > 1) {
        html_lit(b, "<p class=\"noprint\">");
        html_text(b, T(req, "Other programmes:"));
        for (size_t i = 0; i < r.nothers; i++) {
            if (r.programme && strcmp(r.others[i].id, r.programme->id) == 0) continue;
            html_lit(b, " <a href=\"");
            html_url(b, url(req, "/institutions/", r.inst.id, arena_printf(req->arena, "/report?programme=%s", r.others[i].slug)));
            html_lit(b, "\">");
            html_text(b, r.others[i].name);
            html_lit(b, "</a>");
        }
        html_lit(b, "</p>");
    }
    const char *query = r.programme ? arena_printf(req->arena, "?programme=%s", r.programme->slug) : "";
    downloads(req, b, url(req, "/institutions/", r.inst.id, "/report"), query, false, NULL);
    threshold_note(req, b, r.threshold);
    profile_part(req, b, &r);
    if (r.programme) need_part(req, b, &r);
    devices_part(req, b, &r.devices, true);
    if (r.programme) {
        training_inst_part(req, b, &r);
        outcomes_part(req, b, &r.outcomes, true);
    } else {
        para(b, T(req, "This institution takes part in no programme yet."));
    }
    html_lit(b, "</div>");
    layout_end(req, res);
}

/* --- downloads of the figures ------------------------------------------------------------------ */

enum format { FMT_CSV, FMT_XLSX, FMT_JSON };

static int append_body(void *ctx, const void *data, size_t len)
{
    strbuf_append(ctx, data, len);
    return 0;
}

/* Only letters, digits, '-' and '_' in a download's name: it goes into a header and onto a disk. */
static const char *safe(struct http_request *req, const char *s)
{
    char *out = arena_strdup(req->arena, s);
    for (char *p = out; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
            *p = '_';
    return out;
}

static void send_figures(struct http_request *req, struct http_response *res, const struct rep_figures *f,
                         enum format fmt, const char *name)
{
    static const char *const types[] = {"text/csv; charset=utf-8",
                                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                        "application/json; charset=utf-8"};
    static const char *const exts[] = {"csv", "xlsx", "json"};
    struct err e;
    err_clear(&e);
    strbuf_reset(&res->body);
    int rc = 0;
    if (fmt == FMT_JSON) {
        char *text = rep_figures_json(f, req->arena);
        if (text) strbuf_puts(&res->body, text);
        else rc = err_set(&e, ERR_INTERNAL, "the report could not be written as JSON");
    } else {
        struct table_out t;
        rep_figures_table(f, req->arena, &t);
        rc = fmt == FMT_CSV ? table_out_csv(&t, append_body, &res->body, &e) : table_out_xlsx(&t, append_body, &res->body, &e);
    }
    if (rc < 0) {
        failed(req, res, "report download", &e);
        return;
    }
    res->status = 200;
    res->content_type = types[fmt];
    res->compressible = fmt != FMT_XLSX;
    http_set_header(res, "Content-Disposition",
                    arena_printf(req->arena, "attachment; filename=\"%s-%s.%s\"", name, f->today, exts[fmt]));
    http_set_header(res, "X-Content-Type-Options", "nosniff");
}

static void programme_figures(struct http_request *req, struct http_response *res, enum format fmt)
{
    struct rep_programme r;
    struct err e;
    err_clear(&e);
    if (rep_programme(web_state(req)->store, req->arena, http_route(req, "slug"), time_now_ms(), &r, &e) < 0) {
        failed(req, res, "programme report", &e);
        return;
    }
    struct rep_figures f;
    rep_programme_figures(&r, req->arena, &f);
    send_figures(req, res, &f, fmt, arena_printf(req->arena, "report-%s", safe(req, r.programme->slug)));
}

static void institution_figures(struct http_request *req, struct http_response *res, enum format fmt)
{
    struct rep_institution r;
    if (!institution_report_of(req, res, &r)) return;
    struct rep_figures f;
    rep_institution_figures(&r, req->arena, &f);
    send_figures(req, res, &f, fmt, arena_printf(req->arena, "report-institution-%s", safe(req, r.inst.id)));
}

static void programme_csv(struct http_request *req, struct http_response *res) { programme_figures(req, res, FMT_CSV); }
static void programme_xlsx(struct http_request *req, struct http_response *res) { programme_figures(req, res, FMT_XLSX); }
static void programme_json(struct http_request *req, struct http_response *res) { programme_figures(req, res, FMT_JSON); }
static void institution_csv(struct http_request *req, struct http_response *res) { institution_figures(req, res, FMT_CSV); }
static void institution_xlsx(struct http_request *req, struct http_response *res) { institution_figures(req, res, FMT_XLSX); }
static void institution_json(struct http_request *req, struct http_response *res) { institution_figures(req, res, FMT_JSON); }

static bool yes(const char *v)
{
    return v && (strcmp(v, "1") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "true") == 0);
}

static void export_zip(struct http_request *req, struct http_response *res)
{
    /* The gate let the reader through EXPORT_PSEUDONYMISED; personal data is EXPORT_FULL's to say. */
    bool personal = may(req, POLICY_EXPORT_FULL, NULL) && !yes(http_query(req, "pseudonymise"));
    const char *slug = http_route(req, "slug");
    struct err e;
    err_clear(&e);
    strbuf_reset(&res->body);
    int64_t now = time_now_ms();
    if (rep_export_zip(web_state(req)->store, req->arena, slug, personal, now, append_body, &res->body, &e) < 0) {
        strbuf_reset(&res->body);
        if (e.code == ERR_NOT_FOUND) page_error(req, res, 404, T(req, "There is no programme at this address."));
        else failed(req, res, "programme export", &e);
        return;
    }
    char iso[32];
    time_format_iso(now, iso, sizeof iso);
    res->status = 200;
    res->content_type = "application/zip";
    res->compressible = false;
    http_set_header(res, "Content-Disposition",
                    arena_printf(req->arena, "attachment; filename=\"%s-%s%.10s.zip\"", safe(req, slug),
                                 personal ? "" : "pseudonymised-", iso));
    http_set_header(res, "X-Content-Type-Options", "nosniff");
}

/* --- the dashboard ----------------------------------------------------------------------------- */

/* The labels get the left third: the phases' names are long in some languages. */
enum { TL_W = 720, TL_LABEL = 270, TL_PLOT = 440, TL_ROW = 28, TL_TOP = 22 };

static const char *phase_state_label(enum rep_phase_state s)
{
    switch (s) {
    case REP_PHASE_DONE: return N_("done");
    case REP_PHASE_NOW: return N_("under way");
    case REP_PHASE_NEXT: return N_("to come");
    case REP_PHASE_UNDATED: break;
    }
    return N_("no dates yet");
}

static int tl_x(const char *first, int64_t span, const char *day)
{
    int64_t d = rep_days_between(first, day);
    if (d < 0) d = 0;
    if (d > span) d = span;
    return TL_LABEL + (int)lround((double)TL_PLOT * (double)d / (double)span);
}

static void timeline_svg(struct http_request *req, struct strbuf *b, const struct rep_dashboard *d)
{
    if (!d->first_day || !d->last_day) return;
    int64_t span = rep_days_between(d->first_day, d->last_day);
    if (span < 1) span = 1;
    size_t dated = 0;
    for (size_t i = 0; i < d->nphases; i++) dated += d->phases[i].state != REP_PHASE_UNDATED;
    if (!dated) return;
    int h = TL_TOP + (int)dated * TL_ROW + 24;
    html_lit(b, "<svg class=\"timeline-chart\" role=\"img\" viewBox=\"0 0 720 ");
    html_int(b, h);
    html_lit(b, "\" width=\"100%\" preserveAspectRatio=\"xMinYMin meet\" font-size=\"14\"><title>");
    html_text(b, T(req, "The programme's phases, and today"));
    html_lit(b, "</title>");
    size_t row = 0;
    for (size_t i = 0; i < d->nphases; i++) {
        const struct rep_phase *ph = &d->phases[i];
        if (ph->state == REP_PHASE_UNDATED) continue;
        int y = TL_TOP + (int)row++ * TL_ROW;
        int x1 = tl_x(d->first_day, span, ph->starts_on ? ph->starts_on : d->first_day);
        int x2 = tl_x(d->first_day, span, ph->ends_on ? ph->ends_on : d->last_day);
        if (x2 - x1 < 3) x2 = x1 + 3;
        const char *fill = ph->state == REP_PHASE_DONE ? "#1b7f3b" : ph->state == REP_PHASE_NOW ? "#0b5cad" : "#aab4c3";
        html_lit(b, "<text x=\"0\" y=\"");
        html_int(b, y + 15);
        html_lit(b, "\" fill=\"#1d2330\">");
        html_text(b, T(req, programme_phase_label(ph->kind)));
        html_lit(b, "</text><rect x=\"");
        html_int(b, x1);
        html_lit(b, "\" y=\"");
        html_int(b, y + 2);
        html_lit(b, "\" width=\"");
        html_int(b, x2 - x1);
        html_lit(b, "\" height=\"18\" fill=\"");
        html_attr(b, fill);
        html_lit(b, "\"/>");
    }
    int bottom = TL_TOP + (int)row * TL_ROW;
    html_lit(b, "<text x=\"");
    html_int(b, TL_LABEL);
    html_lit(b, "\" y=\"");
    html_int(b, bottom + 18);
    html_lit(b, "\" fill=\"#5a6372\">");
    html_text(b, d->first_day);
    html_lit(b, "</text><text x=\"");
    html_int(b, TL_LABEL + TL_PLOT);
    html_lit(b, "\" y=\"");
    html_int(b, bottom + 18);
    html_lit(b, "\" fill=\"#5a6372\" text-anchor=\"end\">");
    html_text(b, d->last_day);
    html_lit(b, "</text>");
    if (strcmp(d->today, d->first_day) >= 0 && strcmp(d->today, d->last_day) <= 0) {
        int x = tl_x(d->first_day, span, d->today);
        html_lit(b, "<line class=\"today\" x1=\"");
        html_int(b, x);
        html_lit(b, "\" y1=\"16\" x2=\"");
        html_int(b, x);
        html_lit(b, "\" y2=\"");
        html_int(b, bottom + 2);
        html_lit(b, "\" stroke=\"#b3261e\" stroke-width=\"2\" stroke-dasharray=\"4 3\"/><text x=\"");
        html_int(b, x);
        html_lit(b, "\" y=\"12\" fill=\"#b3261e\" text-anchor=\"middle\">");
        html_text(b, T(req, "Today"));
        html_lit(b, "</text>");
    }
    html_lit(b, "</svg>");
}

struct late_kind_text {
    const char *heading; /* msgid */
    const char *fix;     /* msgid: the link's words */
};

static const struct late_kind_text late_texts[REP_LATE_KINDS] = {
    [REP_LATE_DEVICES] = {N_("Devices not delivered"), N_("See the devices")},
    [REP_LATE_SHORTFALL] = {N_("Deliveries short of what was shipped"), N_("Mark the missing devices delivered or lost")},
    [REP_LATE_ATTENDANCE] = {N_("Sessions over, attendance not recorded"), N_("Record the attendance")},
    [REP_LATE_ANSWERS] = {N_("Surveys with too few answers"), N_("Issue or hand out respondent codes")},
    [REP_LATE_CURRICULUM] = {N_("Curriculum items past their due day"), N_("Update the curriculum plan")},
    [REP_LATE_INVITATION] = {N_("Invitations unanswered"), N_("Send a new link or ask the institution")},
};

/* Where a late item is fixed. */
static const char *late_link(struct http_request *req, const struct rep_dashboard *d, const struct rep_late *x)
{
    switch (x->kind) {
    case REP_LATE_DEVICES:
        return arena_printf(req->arena, "%s&state=%s", url(req, "/devices?institution=", x->subject_id, ""), x->state);
    case REP_LATE_SHORTFALL: return url(req, "/devices?institution=", x->subject_id, "&state=shipped");
    case REP_LATE_ATTENDANCE: return url(req, "/training/sessions/", x->id, "");
    case REP_LATE_ANSWERS: return programme_url(req, d->programme, "/codes");
    case REP_LATE_CURRICULUM:
        return url(req, "/institutions/", x->id, arena_printf(req->arena, "/curriculum?programme=%s", d->programme->slug));
    case REP_LATE_INVITATION: return url(req, arena_printf(req->arena, "%s/selections/", programme_url(req, d->programme, "")), x->id, "");
    case REP_LATE_KINDS: break;
    }
    return "/";
}

/* The figures of a late item, in words. */
static const char *late_what(struct http_request *req, const struct rep_dashboard *d, const struct rep_late *x)
{
    struct arena *a = req->arena;
    switch (x->kind) {
    case REP_LATE_DEVICES: {
        int st = device_state_parse(x->state);
        return arena_printf(a, T(req, "Devices: %lld (%s)"), (long long)x->count,
                            st < 0 ? x->state : T(req, device_state_label((enum device_state)st)));
    }
    case REP_LATE_SHORTFALL:
        return arena_printf(a, T(req, "Counted on arrival: %lld of %lld"), (long long)x->count, (long long)x->of);
    case REP_LATE_ATTENDANCE:
        return arena_printf(a, T(req, "Enrolments without attendance: %lld of %lld"), (long long)x->count, (long long)x->of);
    case REP_LATE_ANSWERS: {
        const char *rate = x->of ? arena_printf(a, T(req, "Codes answered: %lld of %lld (%lld%%; the target is %d%%)"),
                                                (long long)x->count, (long long)x->of, (long long)(x->count * 100 / x->of),
                                                d->answer_target)
                                 : T(req, "No respondent code issued yet");
        const char *when = !x->since ? arena_printf(a, T(req, "open for %lld days, with no closing day"), (long long)-x->days)
                           : x->days >= 0 ? arena_printf(a, T(req, "days left before it closes: %lld"), (long long)x->days)
                                          : T(req, "its closing day has passed");
        return arena_printf(a, "%s; %s", rate, when);
    }
    case REP_LATE_CURRICULUM: return arena_printf(a, T(req, "Items not done: %lld"), (long long)x->count);
    case REP_LATE_INVITATION: return T(req, "Invitation sent, no answer yet");
    case REP_LATE_KINDS: break;
    }
    return "";
}

static void late_part(struct http_request *req, struct strbuf *b, const struct rep_dashboard *d)
{
    section(b, "late", T(req, "What is late"), false);
    html_lit(b, "<p class=\"detail\">");
    html_text(b, arena_printf(req->arena, T(req, "Late means: devices allocated more than %d days ago and not delivered; deliveries still short; sessions over without attendance; baseline and endline surveys answered by fewer than %d%% of the codes issued within %d days of closing; curriculum items past their due day; invitations unanswered after %d days."),
                              d->late_days, d->answer_target, d->late_days, REP_INVITATION_DAYS));
    html_lit(b, "</p>");
    if (!d->nlate) {
        html_lit(b, "<p class=\"notice\">");
        html_text(b, T(req, "Nothing is late."));
        html_lit(b, "</p>");
        section_end(b);
        return;
    }
    size_t i = 0;
    for (int k = 0; k < REP_LATE_KINDS; k++) {
        if (!d->late_of[k]) continue;
        html_lit(b, "<h3>");
        html_text(b, arena_printf(req->arena, "%s (%zu)", T(req, late_texts[k].heading), d->late_of[k]));
        html_lit(b, "</h3><div class=\"scroll\"><table class=\"late\"><thead><tr><th scope=\"col\">");
        html_text(b, T(req, "Concerns"));
        html_lit(b, "</th><th scope=\"col\">");
        html_text(b, T(req, "What"));
        html_lit(b, "</th><th scope=\"col\">");
        html_text(b, k == REP_LATE_ANSWERS ? T(req, "Closing day") : T(req, "Since"));
        html_lit(b, "</th><th scope=\"col\" class=\"num\">");
        html_text(b, T(req, "Days late"));
        html_lit(b, "</th><th scope=\"col\"><span class=\"visually-hidden\">");
        html_text(b, T(req, "Where to fix it"));
        html_lit(b, "</span></th></tr></thead><tbody>");
        for (; i < d->nlate && (int)d->late[i].kind == k; i++) {
            const struct rep_late *x = &d->late[i];
            html_lit(b, "<tr><th scope=\"row\">");
            html_text(b, x->subject ? x->subject : "");
            html_lit(b, "</th><td>");
            html_text(b, late_what(req, d, x));
            html_lit(b, "</td><td>");
            date_text(req, b, x->since);
            html_lit(b, "</td><td class=\"num\">");
            if (x->kind == REP_LATE_ANSWERS) html_text(b, "–");
            else html_int(b, x->days);
            html_lit(b, "</td><td><a href=\"");
            html_url(b, late_link(req, d, x));
            html_lit(b, "\">");
            html_text(b, T(req, late_texts[k].fix));
            html_lit(b, "</a></td></tr>");
        }
        html_lit(b, "</tbody></table></div>");
    }
    section_end(b);
}

static void dashboard(struct http_request *req, struct http_response *res)
{
    struct rep_dashboard d;
    struct err e;
    err_clear(&e);
    if (rep_dashboard(web_state(req)->store, req->arena, http_route(req, "slug"), time_now_ms(), &d, &e) < 0) {
        if (e.code == ERR_NOT_FOUND) page_error(req, res, 404, T(req, "There is no programme at this address."));
        else failed(req, res, "dashboard", &e);
        return;
    }
    const struct programme *p = d.programme;
    struct strbuf *b = &res->body;
    const char *title = T(req, "Dashboard");
    layout_begin(req, res, arena_printf(req->arena, "%s: %s", title, p->name), "programmes");
    html_lit(b, "<div class=\"report\"><p class=\"noprint\"><a href=\"");
    html_url(b, programme_url(req, p, ""));
    html_lit(b, "\">");
    html_text(b, p->name);
    html_lit(b, "</a> · <a href=\"");
    html_url(b, programme_url(req, p, "/report"));
    html_lit(b, "\">");
    html_text(b, T(req, "Programme report"));
    html_lit(b, "</a></p><h1>");
    html_text(b, title);
    html_lit(b, "</h1><p class=\"lead\">");
    html_text(b, p->name);
    html_lit(b, " · ");
    html_text(b, T(req, "Today:"));
    html_lit(b, " ");
    layout_date(req, b, d.today);
    html_lit(b, "</p>");

    section(b, "timeline", T(req, "Phases"), false);
    if (!d.nphases) {
        para(b, T(req, "No phase planned yet."));
    } else {
        timeline_svg(req, b, &d);
        html_lit(b, "<div class=\"scroll\"><table><thead><tr><th scope=\"col\">");
        html_text(b, T(req, "Phase"));
        html_lit(b, "</th><th scope=\"col\">");
        html_text(b, T(req, "From"));
        html_lit(b, "</th><th scope=\"col\">");
        html_text(b, T(req, "To"));
        html_lit(b, "</th><th scope=\"col\">");
        html_text(b, T(req, "Now"));
        html_lit(b, "</th></tr></thead><tbody>");
        for (size_t i = 0; i < d.nphases; i++) {
            const struct rep_phase *ph = &d.phases[i];
            if (ph->state == REP_PHASE_NOW) html_lit(b, "<tr class=\"now\"><th scope=\"row\">");
            else html_lit(b, "<tr><th scope=\"row\">");
            html_text(b, T(req, programme_phase_label(ph->kind)));
            html_lit(b, "</th><td>");
            date_text(req, b, ph->starts_on);
            html_lit(b, "</td><td>");
            date_text(req, b, ph->ends_on);
            html_lit(b, "</td><td>");
            html_text(b, T(req, phase_state_label(ph->state)));
            html_lit(b, "</td></tr>");
        }
        html_lit(b, "</tbody></table></div>");
    }
    section_end(b);
    late_part(req, b, &d);
    html_lit(b, "</div>");
    layout_end(req, res);
}

void report_routes(struct router *r)
{
    router_add(r, HTTP_GET, "/programmes/{slug}/report", programme_report);
    router_add(r, HTTP_GET, "/programmes/{slug}/report.csv", programme_csv);
    router_add(r, HTTP_GET, "/programmes/{slug}/report.xlsx", programme_xlsx);
    router_add(r, HTTP_GET, "/programmes/{slug}/report.json", programme_json);
    router_add(r, HTTP_GET, "/programmes/{slug}/dashboard", dashboard);
    router_add(r, HTTP_GET, "/programmes/{slug}/export.zip", export_zip);
    router_add(r, HTTP_GET, "/institutions/{id}/report", institution_report);
    router_add(r, HTTP_GET, "/institutions/{id}/report.csv", institution_csv);
    router_add(r, HTTP_GET, "/institutions/{id}/report.xlsx", institution_xlsx);
    router_add(r, HTTP_GET, "/institutions/{id}/report.json", institution_json);
}

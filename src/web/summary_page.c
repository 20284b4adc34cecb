#include "web/summary_page.h"

#include "base/log.h"
#include "forms/summary.h"
#include "html/html.h"
#include "web/layout.h"
#include "web/pages.h"
#include "web/survey.h"
#include "web/web.h"

#include <math.h>
#include <string.h>

/* What every part of the page needs. */
struct view {
    struct http_request *req;
    struct strbuf *b;
    struct store *st;
    const struct form *f;
    size_t lang;        /* index in f->languages */
    const char *base;   /* "/forms/ID/summary" */
    int threshold;      /* the anonymity threshold (forms/summary.h) */
    bool failed;        /* a read failed: the page becomes a 503 */
};

/* --- text ------------------------------------------------------------------------------------ */

/* At most max code points of s, with "…" when cut: option lists and chart labels stay short
 * (the table beside them has the whole text). */
static const char *shorten(struct arena *a, const char *s, size_t max)
{
    size_t cps = 0, i = 0;
    for (; s[i]; i++) {
        if (((unsigned char)s[i] & 0xC0) == 0x80) continue;
        if (cps++ == max) return arena_printf(a, "%.*s…", (int)i, s);
    }
    return s;
}

static const char *field_label(const struct view *v, const struct form_field *fd)
{
    const char *l = form_text(v->f, fd->label, v->lang);
    if (!*l) l = fd->name;
    /* Every text question that or_other adds says "Specify other.": its select's says which. */
    if (fd->other_of) return arena_printf(v->req->arena, T(v->req, "%s (%s)"), l, field_label(v, fd->other_of));
    return l;
}

/* A number as people write it: no decimals when whole, else at most two. */
static const char *number_text(struct arena *a, double x)
{
    if (x == 0) return "0";
    if (fabs(x) < 1e15 && x == floor(x)) return arena_printf(a, "%.0f", x);
    char *s = arena_printf(a, "%.2f", x);
    size_t n = strlen(s);
    while (n && s[n - 1] == '0') s[--n] = '\0';
    if (n && s[n - 1] == '.') s[--n] = '\0';
    return s;
}

static const char *category_label(const struct view *v, const struct summary_category *c)
{
    struct http_request *req = v->req;
    if (c->is_bin)
        return arena_printf(req->arena, T(req, "more than %s, up to %s"), number_text(req->arena, c->lo),
                            number_text(req->arena, c->hi));
    if (c->choice) {
        const char *l = form_text(v->f, c->choice->label, v->lang);
        return *l ? l : c->value;
    }
    if (c->value) return strcmp(c->value, "other") == 0 ? T(req, "Other") : c->value;
    return T(req, "Other values");
}

static bool hidden(const struct view *v, int64_t n) { return summary_hidden(n, v->threshold); }

/* A count as a report may show it: under the anonymity threshold it is not shown at all. */
static const char *count_text(const struct view *v, int64_t n)
{
    struct http_request *req = v->req;
    if (hidden(v, n)) return arena_printf(req->arena, T(req, "fewer than %d"), v->threshold);
    return arena_printf(req->arena, "%lld", (long long)n);
}

/* "" when the count is hidden: its share would give it away. */
static const char *percent_text(const struct view *v, int64_t n, int64_t of)
{
    if (hidden(v, n) || of <= 0) return "";
    return arena_printf(v->req->arena, "%.1f%%", 100.0 * (double)n / (double)of);
}

/* The lump of values the list does not have is a row only when it has answers, so a small one
 * would tell that it is not empty: under the threshold it is left out, as an empty one is. */
static bool lump_hidden(const struct view *v, const struct summary_category *c, int64_t n)
{
    return !c->is_bin && !c->choice && !c->value && hidden(v, n);
}

static void para(struct strbuf *b, const char *cls, const char *text)
{
    html_lit(b, "<p class=\"");
    html_attr(b, cls);
    html_lit(b, "\">");
    html_text(b, text);
    html_lit(b, "</p>");
}

static const char *question_url(const struct view *v, const char *q, int64_t page)
{
    struct strbuf u;
    strbuf_init(&u, v->req->arena, 128);
    strbuf_puts(&u, v->base);
    strbuf_puts(&u, "?q=");
    str_url_encode(&u, q);
    if (page > 1) strbuf_printf(&u, "&page=%lld", (long long)page);
    return u.data;
}

/* --- the parts of a question ----------------------------------------------------------------- */

static void question_heading(struct view *v, const struct form_field *fd, bool link)
{
    struct strbuf *b = v->b;
    html_lit(b, "<h2 id=\"q-");
    html_attr(b, fd->name);
    html_lit(b, "\">");
    if (link) {
        html_lit(b, "<a href=\"");
        html_url(b, question_url(v, fd->name, 0));
        html_lit(b, "\">");
    }
    html_text(b, field_label(v, fd));
    if (link) html_lit(b, "</a>");
    html_lit(b, "</h2>");
}

static void answered(struct view *v, int64_t n)
{
    struct strbuf *b = v->b;
    html_lit(b, "<p class=\"detail\">");
    html_text(b, T(v->req, "Answered by"));
    html_lit(b, " ");
    html_text(b, count_text(v, n));
    html_lit(b, "</p>");
}

enum { BAR_ROW = 40 }; /* px per choice in the chart: a line of label, then the bar */

/* The same numbers as the table, drawn: percentages of respondents as bars whose width is that
 * percentage of the chart's. SVG presentation attributes only (the CSP allows no style). */
static void chart(struct view *v, const struct summary_choices *sc)
{
    struct strbuf *b = v->b;
    struct http_request *req = v->req;
    int64_t rows = 0;
    for (size_t i = 0; i < sc->n; i++) rows += !lump_hidden(v, &sc->cats[i], sc->counts[i]);
    html_lit(b, "<svg class=\"chart\" role=\"img\" width=\"100%\" height=\"");
    html_int(b, rows * BAR_ROW + 4);
    html_lit(b, "\" aria-label=\"");
    html_attr(b, T(req, "Bar chart of the answers in the table above"));
    html_lit(b, "\">");
    for (size_t i = 0, row = 0; i < sc->n; i++) {
        if (lump_hidden(v, &sc->cats[i], sc->counts[i])) continue;
        int64_t y = (int64_t)row++ * BAR_ROW;
        const char *pct = percent_text(v, sc->counts[i], sc->respondents);
        html_lit(b, "<text x=\"0\" y=\"");
        html_int(b, y + 15);
        html_lit(b, "\">");
        html_text(b, shorten(req->arena, category_label(v, &sc->cats[i]), 48));
        html_lit(b, ": ");
        html_text(b, *pct ? pct : count_text(v, sc->counts[i]));
        html_lit(b, "</text>");
        if (!*pct || sc->counts[i] == 0) continue;
        html_lit(b, "<rect x=\"0\" y=\"");
        html_int(b, y + 20);
        html_lit(b, "\" width=\"");
        html_attr(b, pct);
        html_lit(b, "\" height=\"14\"/>");
    }
    html_lit(b, "</svg>");
}

static void choices_section(struct view *v, const struct form_field *fd)
{
    struct strbuf *b = v->b;
    struct http_request *req = v->req;
    struct summary_choices sc;
    struct err e;
    err_clear(&e);
    if (summary_choices(v->st, req->arena, v->f->form_id, fd, &sc, &e) < 0) {
        log_error("summary of %s/%s: %s", v->f->form_id, fd->name, e.msg);
        v->failed = true;
        return;
    }
    answered(v, sc.respondents);
    if (fd->type != FT_SELECT_ONE)
        /* A format, not a literal "100%": the catalogue checks read every % as a conversion. */
        para(b, "hint", arena_printf(req->arena, T(req, "Several answers could be chosen, so the percentages can add up to more than %d%%."), 100));
    html_lit(b, "<table><thead><tr><th scope=\"col\">");
    html_text(b, T(req, "Answer"));
    html_lit(b, "</th><th scope=\"col\" class=\"num\">");
    html_text(b, T(req, "Respondents"));
    html_lit(b, "</th><th scope=\"col\" class=\"num\">");
    html_text(b, T(req, "Percent"));
    html_lit(b, "</th></tr></thead><tbody>");
    for (size_t i = 0; i < sc.n; i++) {
        if (lump_hidden(v, &sc.cats[i], sc.counts[i])) continue;
        html_lit(b, "<tr><th scope=\"row\">");
        html_text(b, category_label(v, &sc.cats[i]));
        html_lit(b, "</th><td class=\"num\">");
        html_text(b, count_text(v, sc.counts[i]));
        html_lit(b, "</td><td class=\"num\">");
        html_text(b, percent_text(v, sc.counts[i], sc.respondents));
        html_lit(b, "</td></tr>");
    }
    html_lit(b, "</tbody></table>");
    chart(v, &sc);
}

static void numbers_section(struct view *v, const struct form_field *fd)
{
    struct strbuf *b = v->b;
    struct http_request *req = v->req;
    struct summary_numbers sn;
    struct err e;
    err_clear(&e);
    if (summary_numbers(v->st, v->f->form_id, fd, &sn, &e) < 0) {
        log_error("summary of %s/%s: %s", v->f->form_id, fd->name, e.msg);
        v->failed = true;
        return;
    }
    answered(v, sn.n);
    if (hidden(v, sn.n)) {
        /* A mean or a maximum of a handful of answers tells too much about each of them. The
         * sentence is the same for none at all, which would otherwise stand out. */
        para(b, "hint", arena_printf(req->arena, T(req, "Fewer than %d answers: the figures are not shown, to protect the respondents."),
                                     v->threshold));
        return;
    }
    const char *names[] = {T(req, "Mean"), T(req, "Lowest"), T(req, "Lower quartile"), T(req, "Median"),
                           T(req, "Upper quartile"), T(req, "Highest")};
    double values[] = {sn.mean, sn.min, sn.q1, sn.median, sn.q3, sn.max};
    html_lit(b, "<table class=\"stats\"><tbody>");
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        html_lit(b, "<tr><th scope=\"row\">");
        html_text(b, names[i]);
        html_lit(b, "</th><td class=\"num\">");
        html_text(b, number_text(req->arena, values[i]));
        html_lit(b, "</td></tr>");
    }
    html_lit(b, "</tbody></table>");
}

/* The overview shows how many answered and a link; the question's own page lists the answers. */
static void text_section(struct view *v, const struct form_field *fd, int64_t page)
{
    struct strbuf *b = v->b;
    struct http_request *req = v->req;
    struct summary_texts t;
    struct err e;
    err_clear(&e);
    int64_t offset = page > 0 ? (page - 1) * SUMMARY_TEXT_PAGE : 0;
    if (summary_texts(v->st, req->arena, v->f->form_id, fd, offset, page > 0 ? SUMMARY_TEXT_PAGE : 0, &t, &e) < 0) {
        log_error("summary of %s/%s: %s", v->f->form_id, fd->name, e.msg);
        v->failed = true;
        return;
    }
    if (page > 1 && !t.n && t.total) { /* past the end (the list shrank, or a typed address): the last page */
        page = (t.total - 1) / SUMMARY_TEXT_PAGE + 1;
        offset = (page - 1) * SUMMARY_TEXT_PAGE;
        if (summary_texts(v->st, req->arena, v->f->form_id, fd, offset, SUMMARY_TEXT_PAGE, &t, &e) < 0) {
            v->failed = true;
            return;
        }
    }
    answered(v, t.total);
    if (page == 0) {
        if (!t.total) return;
        html_lit(b, "<p><a href=\"");
        html_url(b, question_url(v, fd->name, 0));
        html_lit(b, "\">");
        html_text(b, T(req, "Read the answers"));
        html_lit(b, "</a></p>");
        return;
    }
    /* Listed as the issue asks, under a heading that says plainly what they are. */
    html_lit(b, "<h3>");
    html_text(b, T(req, "Answers as written"));
    html_lit(b, "</h3>");
    para(b, "hint", T(req, "These are respondents' own words: they may identify them or other people. Do not publish them as they are."));
    if (!t.n) {
        para(b, "detail", T(req, "No answers yet."));
        return;
    }
    html_lit(b, "<ol class=\"answers\" start=\"");
    html_int(b, offset + 1);
    html_lit(b, "\">");
    for (size_t i = 0; i < t.n; i++) {
        html_lit(b, "<li>");
        html_text(b, t.items[i]);
        html_lit(b, "</li>");
    }
    html_lit(b, "</ol>");
    bool newer = page > 1, older = offset + (int64_t)t.n < t.total;
    if (!newer && !older) return;
    html_lit(b, "<nav class=\"pages\" aria-label=\"");
    html_attr(b, T(req, "Pages of answers"));
    html_lit(b, "\">");
    if (newer) {
        html_lit(b, "<a rel=\"prev\" href=\"");
        html_url(b, question_url(v, fd->name, page - 1));
        html_lit(b, "\">");
        html_text(b, T(req, "Newer answers"));
        html_lit(b, "</a> ");
    }
    if (older) {
        html_lit(b, "<a rel=\"next\" href=\"");
        html_url(b, question_url(v, fd->name, page + 1));
        html_lit(b, "\">");
        html_text(b, T(req, "Older answers"));
        html_lit(b, "</a>");
    }
    html_lit(b, "</nav>");
}

static void question_section(struct view *v, const struct form_field *fd, int64_t page, bool alone)
{
    question_heading(v, fd, !alone);
    switch (summary_kind_of(fd)) {
    case SUMMARY_CHOICES: choices_section(v, fd); break;
    case SUMMARY_NUMBERS: numbers_section(v, fd); break;
    case SUMMARY_TEXT: text_section(v, fd, alone ? page : 0); break;
    case SUMMARY_NONE: break;
    }
}

/* --- cross-tab ------------------------------------------------------------------------------- */

static void crosstab_row(struct view *v, const char *label, const int64_t *cells, const struct summary_crosstab *x,
                         int64_t total)
{
    struct strbuf *b = v->b;
    html_lit(b, "<tr><th scope=\"row\">");
    html_text(b, label);
    html_lit(b, "</th>");
    for (size_t j = 0; j < x->ncols; j++) {
        if (lump_hidden(v, &x->cols[j], x->col_totals[j])) continue;
        html_lit(b, "<td class=\"num\">");
        html_text(b, count_text(v, cells[j]));
        html_lit(b, "</td>");
    }
    html_lit(b, "<td class=\"num total\">");
    html_text(b, count_text(v, total));
    html_lit(b, "</td></tr>");
}

static void crosstab_section(struct view *v, const struct form_field *row, const struct form_field *col)
{
    struct strbuf *b = v->b;
    struct http_request *req = v->req;
    struct summary_crosstab x;
    struct err e;
    err_clear(&e);
    if (summary_crosstab(v->st, req->arena, v->f->form_id, row, col, &x, &e) < 0) {
        log_error("cross-tab of %s/%s by %s: %s", v->f->form_id, row->name, col->name, e.msg);
        v->failed = true;
        return;
    }
    const char *caption = arena_printf(req->arena, T(req, "%s, by %s"), field_label(v, row), field_label(v, col));
    html_lit(b, "<h2>");
    html_text(b, T(req, "Cross-tab"));
    html_lit(b, "</h2><div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"");
    html_attr(b, caption);
    html_lit(b, "\"><table class=\"crosstab\"><caption>");
    html_text(b, caption);
    html_lit(b, "</caption><thead><tr><td></td>");
    for (size_t j = 0; j < x.ncols; j++) {
        if (lump_hidden(v, &x.cols[j], x.col_totals[j])) continue;
        html_lit(b, "<th scope=\"col\">");
        html_text(b, category_label(v, &x.cols[j]));
        html_lit(b, "</th>");
    }
    html_lit(b, "<th scope=\"col\">");
    html_text(b, T(req, "Total"));
    html_lit(b, "</th></tr></thead><tbody>");
    for (size_t i = 0; i < x.nrows; i++) {
        if (lump_hidden(v, &x.rows[i], x.row_totals[i])) continue;
        /* Only the first range of numbers holds its lower end (the minimum). */
        const char *label = i == 0 && x.rows[0].is_bin
            ? arena_printf(req->arena, T(req, "%s to %s"), number_text(req->arena, x.rows[0].lo),
                           number_text(req->arena, x.rows[0].hi))
            : category_label(v, &x.rows[i]);
        crosstab_row(v, label, x.cells + i * x.ncols, &x, x.row_totals[i]);
    }
    crosstab_row(v, T(req, "Total"), x.col_totals, &x, x.total);
    html_lit(b, "</tbody></table></div>");
    para(b, "hint", T(req, "Totals count the respondents who answered both questions. Where several answers could be chosen, a respondent is counted in each cell their answers meet."));
}

/* --- the page -------------------------------------------------------------------------------- */

static void option(struct view *v, const char *value, const char *label, const char *current)
{
    struct strbuf *b = v->b;
    html_lit(b, "<option value=\"");
    html_attr(b, value);
    html_lit(b, "\"");
    if (current && strcmp(current, value) == 0) html_lit(b, " selected");
    html_lit(b, ">");
    html_text(b, shorten(v->req->arena, label, 60));
    html_lit(b, "</option>");
}

/* Two <select>s and a button, sent with GET: choosing needs no script. */
static void picker(struct view *v, const char *q, const char *by)
{
    struct strbuf *b = v->b;
    struct http_request *req = v->req;
    html_lit(b, "<form class=\"picker\" method=\"get\" action=\"");
    html_url(b, v->base);
    html_lit(b, "\"><div class=\"field\"><label for=\"q\">");
    html_text(b, T(req, "Question"));
    html_lit(b, "</label><select id=\"q\" name=\"q\">");
    option(v, "", T(req, "All questions"), q ? q : "");
    for (size_t i = 0; i < v->f->nfields; i++)
        if (summary_kind_of(&v->f->fields[i]) != SUMMARY_NONE)
            option(v, v->f->fields[i].name, field_label(v, &v->f->fields[i]), q);
    html_lit(b, "</select></div><div class=\"field\"><label for=\"by\">");
    html_text(b, T(req, "Cross-tab by"));
    html_lit(b, "</label><select id=\"by\" name=\"by\">");
    option(v, "", T(req, "No cross-tab"), by ? by : "");
    for (size_t i = 0; i < v->f->nfields; i++)
        if (summary_kind_of(&v->f->fields[i]) == SUMMARY_CHOICES)
            option(v, v->f->fields[i].name, field_label(v, &v->f->fields[i]), by);
    html_lit(b, "</select></div><button type=\"submit\">");
    html_text(b, T(req, "Show"));
    html_lit(b, "</button></form>");
}

/* Notes on what the overview leaves out, so that a missing question is not a mystery. */
static void left_out_notes(struct view *v)
{
    bool in_repeat = false, personal = false;
    for (size_t i = 0; i < v->f->nfields; i++) {
        const struct form_field *fd = &v->f->fields[i];
        if (!form_type_is_input(fd->type) || form_type_is_meta(fd->type)) continue;
        if (form_field_repeat(fd)) in_repeat = true;
        else if (fd->type == FT_TEXT && fd->personal) personal = true;
    }
    if (in_repeat) para(v->b, "detail", T(v->req, "Questions inside repeats are not summarised yet."));
    if (personal) para(v->b, "detail", T(v->req, "Answers to text questions marked as personal data are not listed."));
}

static const char *nonempty(const char *s) { return s && *s ? s : NULL; }

/* What the query asks for: *status 0 when it can be shown, 400 with *problem (the page shows it
 * beside the picker, to choose again), or 404 with a message for the error page. */
struct ask {
    const char *q, *by;
    const struct form_field *fq, *fb;
    int64_t page;
    const char *problem;
    int status;
};

static void read_ask(struct http_request *req, const struct form *f, struct ask *k)
{
    memset(k, 0, sizeof *k);
    k->q = nonempty(http_query(req, "q"));
    k->by = nonempty(http_query(req, "by"));
    k->fq = k->q ? form_field_by_name(f, k->q) : NULL;
    k->fb = k->by ? form_field_by_name(f, k->by) : NULL;
    k->page = 1;
    const char *page = http_query(req, "page");
    if ((k->q && (!k->fq || summary_kind_of(k->fq) == SUMMARY_NONE)) ||
        (k->by && (!k->fb || summary_kind_of(k->fb) == SUMMARY_NONE))) {
        k->status = 404;
        k->problem = T(req, "This form has no question of that name with a summary.");
    } else if (page && !str_to_int64(page, 1, 1000000000, &k->page)) {
        k->status = 404;
    } else if (k->fb && !k->fq) {
        k->status = 400;
        k->problem = T(req, "Choose the question to cross-tabulate.");
    } else if (k->fb && summary_kind_of(k->fb) != SUMMARY_CHOICES) {
        k->status = 400;
        k->problem = T(req, "The question to compare with must be a select question.");
    } else if (k->fb && summary_kind_of(k->fq) == SUMMARY_TEXT) {
        k->status = 400;
        k->problem = T(req, "Text answers cannot be cross-tabulated: choose a select or number question.");
    }
}

static void page_top(struct view *v, int64_t total)
{
    struct http_request *req = v->req;
    struct strbuf *b = v->b;
    const char *title = form_text(v->f, v->f->title, v->lang);
    html_lit(b, "<h1>");
    html_text(b, T(req, "Summary of the answers"));
    html_lit(b, "</h1><p class=\"lead\"><a href=\"");
    html_url(b, arena_printf(req->arena, "/forms/%s", v->f->form_id));
    html_lit(b, "\">");
    html_text(b, title);
    html_lit(b, "</a></p><p>");
    html_text(b, T(req, "Answers submitted"));
    html_lit(b, ": ");
    html_text(b, count_text(v, total));
    html_lit(b, "</p>");
    para(b, "detail", arena_printf(req->arena, T(req, "Counts under %d are shown as “fewer than %d”, to protect the respondents."),
                                   v->threshold, v->threshold));
}

static void handle_summary(struct http_request *req, struct http_response *res)
{
    /* SUMMARY_VIEW, checked before this handler runs: counts only, small groups hidden, so the
     * panel and partners may read it too. */
    struct survey_form sf;
    int rc = survey_latest(req, http_route(req, "form_id"), &sf);
    if (rc < 0) {
        page_error(req, res, rc == ERR_NOT_FOUND ? 404 : 503, NULL);
        return;
    }
    const struct form *f = sf.form;
    int li = form_language_index(f, web_state(req)->lang->code);
    struct view v = {.req = req, .b = &res->body, .st = web_state(req)->store, .f = f,
                     .lang = li >= 0 ? (size_t)li : f->default_lang,
                     .base = arena_printf(req->arena, "/forms/%s/summary", f->form_id)};
    struct err te;
    err_clear(&te);
    if (summary_threshold(v.st, &v.threshold, &te) < 0) {
        log_error("anonymity threshold: %s", te.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    struct ask k;
    read_ask(req, f, &k);
    if (k.status == 404) {
        page_error(req, res, 404, k.problem);
        return;
    }
    int64_t total = 0;
    struct err e;
    err_clear(&e);
    if (summary_total(v.st, f->form_id, &total, &e) < 0) {
        log_error("summary of %s: %s", f->form_id, e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    layout_begin(req, res, arena_printf(req->arena, "%s – %s", T(req, "Summary of the answers"),
                                        form_text(f, f->title, v.lang)), "forms");
    page_top(&v, total);
    picker(&v, k.q, k.by);
    if (k.status) {
        res->status = k.status;
        para(v.b, "error", k.problem);
    } else if (k.fb) {
        crosstab_section(&v, k.fq, k.fb);
    } else if (k.fq) {
        question_section(&v, k.fq, k.page, true);
    } else {
        for (size_t i = 0; i < f->nfields && !v.failed; i++)
            if (summary_kind_of(&f->fields[i]) != SUMMARY_NONE) question_section(&v, &f->fields[i], 0, false);
        left_out_notes(&v);
    }
    if (k.fq || k.fb) {
        html_lit(v.b, "<p><a href=\"");
        html_url(v.b, v.base);
        html_lit(v.b, "\">");
        html_text(v.b, T(req, "All questions"));
        html_lit(v.b, "</a></p>");
    }
    if (v.failed) {
        page_error(req, res, 503, NULL);
        return;
    }
    layout_end(req, res);
}

void summary_page_routes(struct router *r)
{
    router_add(r, HTTP_GET, "/forms/{form_id}/summary", handle_summary);
}

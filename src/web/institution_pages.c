#include "web/institution_pages.h"

#include "base/log.h"
#include "base/timeutil.h"
#include "forms/sheet.h"
#include "html/html.h"
#include "program/assessment.h"
#include "program/institutions.h"
#include "web/access.h"
#include "web/audit_pages.h"
#include "web/import_errors.h"
#include "web/layout.h"
#include "web/pages.h"
#include "web/register_pages.h"
#include "web/web.h"

#include <math.h>
#include <sodium.h>
#include <string.h>
#include <strings.h>

enum { PER_PAGE = 50 };

/* The column headers and field labels, in enum inst_field order. */
static const char *const labels[INST_FIELD_COUNT] = {
    N_("Name"),         N_("Kind"),          N_("Formal education"), N_("Country"),       N_("Region"),
    N_("Area"),         N_("Latitude"),      N_("Longitude"),        N_("Learners"),      N_("Teachers"),
    N_("Devices"),      N_("Connectivity"),  N_("Contact person"),   N_("Contact email"), N_("Contact phone"),
    N_("Status"),
};

static const char *nonempty(const char *s) { return s && *s ? s : NULL; }

static bool may(struct http_request *req, enum policy_action a, const char *institution_id)
{
    struct policy_target t = {.institution_id = institution_id};
    return policy_allows(web_state(req)->who, a, institution_id ? &t : NULL);
}

static void cell(struct strbuf *b, const char *v)
{
    html_lit(b, "<td>");
    if (v) html_text(b, v);
    html_lit(b, "</td>");
}

/* --- the list -------------------------------------------------------------------------------------- */

struct list_query {
    struct inst_filter f;
    const char *sort; /* as asked, for the links */
    int64_t page;
};

static const char *list_url(struct http_request *req, const struct list_query *q, int64_t page)
{
    struct strbuf u;
    strbuf_init(&u, req->arena, 128);
    strbuf_puts(&u, "/institutions");
    const char *names[] = {"country", "kind", "status", "q", "sort", "order"};
    const char *values[] = {q->f.country, q->f.kind, q->f.status, q->f.q, q->sort, q->f.descending ? "desc" : NULL};
    char sep = '?';
    for (size_t i = 0; i < 6; i++) {
        if (!nonempty(values[i])) continue;
        strbuf_printf(&u, "%c%s=", sep, names[i]);
        str_url_encode(&u, values[i]);
        sep = '&';
    }
    if (page > 1) strbuf_printf(&u, "%cpage=%lld", sep, (long long)page);
    return u.data;
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

static void select_open(struct http_request *req, struct strbuf *b, const char *name, const char *label)
{
    html_lit(b, "<div class=\"field\"><label for=\"i-");
    html_attr(b, name);
    html_lit(b, "\">");
    html_text(b, label);
    html_lit(b, "</label><select id=\"i-");
    html_attr(b, name);
    html_lit(b, "\" name=\"");
    html_attr(b, name);
    html_lit(b, "\">");
    (void)req;
}

static void filter_form(struct http_request *req, struct strbuf *b, const struct list_query *q)
{
    html_lit(b, "<form class=\"card\" method=\"get\" action=\"/institutions\"><h2>");
    html_text(b, T(req, "Filter and sort"));
    html_lit(b, "</h2><div class=\"field\"><label for=\"i-q\">");
    html_text(b, T(req, "Name contains"));
    html_lit(b, "</label><input id=\"i-q\" name=\"q\" type=\"search\" value=\"");
    html_attr(b, q->f.q ? q->f.q : "");
    html_lit(b, "\"></div><div class=\"field\"><label for=\"i-country\">");
    html_text(b, T(req, "Country code"));
    html_lit(b, "</label><input id=\"i-country\" name=\"country\" type=\"text\" size=\"2\" maxlength=\"2\" value=\"");
    html_attr(b, q->f.country ? q->f.country : "");
    html_lit(b, "\"></div>");
    select_open(req, b, "kind", T(req, "Kind"));
    option(b, "", T(req, "Any"), q->f.kind);
    option(b, "school", T(req, "School"), q->f.kind);
    option(b, "stem_club", T(req, "STEM club"), q->f.kind);
    option(b, "education_centre", T(req, "Education centre"), q->f.kind);
    html_lit(b, "</select></div>");
    select_open(req, b, "status", T(req, "Status"));
    option(b, "", T(req, "Any"), q->f.status);
    static const char *const statuses[] = {"registered", "shortlisted", "selected", "invited", "accepted", "declined"};
    for (size_t i = 0; i < 6; i++) option(b, statuses[i], statuses[i], q->f.status);
    html_lit(b, "</select></div>");
    select_open(req, b, "sort", T(req, "Sort by"));
    option(b, "name", T(req, "Name"), q->sort);
    option(b, "country", T(req, "Country"), q->sort);
    option(b, "learners", T(req, "Learners"), q->sort);
    option(b, "devices", T(req, "Devices"), q->sort);
    option(b, "need", T(req, "Need score"), q->sort);
    html_lit(b, "</select></div>");
    select_open(req, b, "order", T(req, "Order"));
    option(b, "asc", T(req, "Ascending"), q->f.descending ? "desc" : "asc");
    option(b, "desc", T(req, "Descending"), q->f.descending ? "desc" : "asc");
    html_lit(b, "</select></div><p><button type=\"submit\">");
    html_text(b, T(req, "Show"));
    html_lit(b, "</button> <a href=\"/institutions\">");
    html_text(b, T(req, "Show all"));
    html_lit(b, "</a></p></form>");
}

static void pager(struct http_request *req, struct strbuf *b, const struct list_query *q, int64_t pages)
{
    if (pages <= 1) return;
    html_lit(b, "<nav aria-label=\"");
    html_attr(b, T(req, "Pages"));
    html_lit(b, "\"><p>");
    if (q->page > 1) {
        html_lit(b, "<a rel=\"prev\" href=\"");
        html_url(b, list_url(req, q, q->page - 1));
        html_lit(b, "\">");
        html_text(b, T(req, "Previous"));
        html_lit(b, "</a> · ");
    }
    html_text(b, arena_printf(req->arena, T(req, "Page %d of %d"), (int)q->page, (int)pages));
    if (q->page < pages) {
        html_lit(b, " · <a rel=\"next\" href=\"");
        html_url(b, list_url(req, q, q->page + 1));
        html_lit(b, "\">");
        html_text(b, T(req, "Next"));
        html_lit(b, "</a>");
    }
    html_lit(b, "</p></nav>");
}

static void list_table(struct http_request *req, struct strbuf *b, const struct institution *list, size_t n)
{
    static const enum inst_field shown[] = {INST_NAME, INST_KIND, INST_COUNTRY, INST_REGION, INST_AREA,
                                            INST_LEARNERS, INST_DEVICES, INST_CONNECTIVITY, INST_STATUS};
    html_lit(b, "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"");
    html_attr(b, T(req, "Institutions"));
    html_lit(b, "\"><table><thead><tr>");
    for (size_t c = 0; c < sizeof shown / sizeof shown[0]; c++) {
        html_lit(b, "<th scope=\"col\">");
        html_text(b, T(req, labels[shown[c]]));
        html_lit(b, "</th>");
    }
    html_lit(b, "<th scope=\"col\">");
    html_text(b, T(req, "Answer sets"));
    html_lit(b, "</th></tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        html_lit(b, "<tr><td><a href=\"");
        html_url(b, arena_printf(req->arena, "/institutions/%s", list[i].id));
        html_lit(b, "\">");
        html_text(b, list[i].v[INST_NAME]);
        html_lit(b, "</a></td>");
        for (size_t c = 1; c < sizeof shown / sizeof shown[0]; c++) cell(b, list[i].v[shown[c]]);
        html_lit(b, "<td>");
        html_int(b, list[i].links);
        html_lit(b, "</td></tr>");
    }
    html_lit(b, "</tbody></table></div>");
}

struct need_order {
    const double *score; /* per institution of the page's list, NaN: none */
};

/* Most need first; without a score last; equal scores by name (the order the list came in). */
static int by_need_cmp(const void *x, const void *y, void *ctx)
{
    const struct need_order *o = ctx;
    size_t i = *(const size_t *)x, j = *(const size_t *)y;
    double a = o->score[i], b = o->score[j];
    bool sa = !isnan(a), sb = !isnan(b);
    if (sa != sb) return sa ? -1 : 1;
    if (sa && a != b) return a > b ? -1 : 1;
    return i < j ? -1 : i > j;
}

/* The page of the register in need order: the need index of the newest needs-survey campaign of
 * any programme (program/assessment.h), computed over every institution that matches the
 * filters. Without such a campaign, the name order, and *campaign NULL. */
static int list_by_need(struct http_request *req, const struct list_query *q, struct institution **page, size_t *n,
                        int64_t *total, const struct campaign **campaign, struct err *e)
{
    struct store *st = web_state(req)->store;
    struct inst_filter f = q->f;
    f.sort = INST_SORT_NAME;
    f.descending = false;
    struct institution *all;
    size_t nall;
    if (inst_list(st, req->arena, &f, 0, 0, &all, &nall, total, e) < 0) return -1;
    if (inst_list(st, req->arena, &f, 0, (int)(*total > INT32_MAX ? INT32_MAX : *total), &all, &nall, total, e) < 0)
        return -1;
    struct campaign *c = NULL;
    struct assessment as;
    struct err ne;
    err_clear(&ne);
    if (assess_needs_campaign(st, req->arena, NULL, &c, &ne) == 0 && assess_compute(st, req->arena, c, false, &as, &ne) == 0)
        *campaign = c;
    size_t *order = arena_alloc(req->arena, (nall ? nall : 1) * sizeof *order);
    double *score = arena_alloc(req->arena, (nall ? nall : 1) * sizeof *score);
    for (size_t i = 0; i < nall; i++) {
        order[i] = i;
        long r = *campaign ? assess_find(&as, all[i].id) : -1;
        score[i] = r >= 0 ? as.rows[r].score : NAN;
    }
    struct need_order ctx = {score};
    if (*campaign) qsort_r(order, nall, sizeof *order, by_need_cmp, &ctx);
    /* As every other sort: ascending is the lowest score first, descending the most need first. */
    bool least_first = !q->f.descending && *campaign;
    size_t from = (size_t)(q->page - 1) * PER_PAGE;
    *n = 0;
    *page = arena_calloc(req->arena, PER_PAGE, sizeof **page);
    /* Least need first: the scored ones reversed, those without a score still last. */
    size_t scored = 0;
    while (least_first && scored < nall && !isnan(score[order[scored]])) scored++;
    for (size_t k = from; k < nall && *n < PER_PAGE; k++) {
        size_t at = least_first && k < scored ? order[scored - 1 - k] : order[k];
        (*page)[(*n)++] = all[at];
    }
    return 0;
}

static void list_page(struct http_request *req, struct http_response *res)
{
    struct list_query q = {0};
    q.f.country = nonempty(http_query(req, "country"));
    q.f.kind = nonempty(http_query(req, "kind"));
    q.f.status = nonempty(http_query(req, "status"));
    q.f.q = nonempty(http_query(req, "q"));
    q.sort = nonempty(http_query(req, "sort"));
    const char *order = nonempty(http_query(req, "order"));
    q.f.descending = order && strcmp(order, "desc") == 0;
    int sort = q.sort ? inst_sort_parse(q.sort) : INST_SORT_NAME;
    if (sort < 0) {
        page_error(req, res, 400, T(req, "Sort by name, country, learners, devices or need."));
        return;
    }
    q.f.sort = (enum inst_sort)sort;
    if (q.f.country) {
        char *up = arena_strdup(req->arena, q.f.country);
        for (char *c = up; *c; c++)
            if (*c >= 'a' && *c <= 'z') *c = (char)(*c - 'a' + 'A');
        q.f.country = up;
    }
    q.page = 1;
    const char *asked = http_query(req, "page");
    if (asked && !str_to_int64(asked, 1, INT32_MAX / PER_PAGE, &q.page)) {
        page_error(req, res, 404, NULL);
        return;
    }
    struct err e;
    err_clear(&e);
    struct institution *list;
    size_t n;
    int64_t total;
    const struct campaign *by_need = NULL;
    int rc = q.f.sort == INST_SORT_NEED ? list_by_need(req, &q, &list, &n, &total, &by_need, &e)
                                        : inst_list(web_state(req)->store, req->arena, &q.f, (q.page - 1) * PER_PAGE,
                                                    PER_PAGE, &list, &n, &total, &e);
    if (rc < 0) {
        log_error("institutions list: %s", e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    if (q.page > 1 && !n) {
        page_error(req, res, 404, NULL);
        return;
    }
    struct strbuf *b = &res->body;
    layout_begin(req, res, T(req, "Institutions"), "institutions");
    html_lit(b, "<h1>");
    html_text(b, T(req, "Institutions"));
    html_lit(b, "</h1><p>");
    html_text(b, T(req, "The schools, STEM clubs and education centres of the programme, built from the needs survey's answers and from imports."));
    html_lit(b, "</p><p>");
    html_lit(b, "<a href=\"/institutions/duplicates\">");
    html_text(b, T(req, "Likely duplicates"));
    html_lit(b, "</a>");
    if (may(req, POLICY_INSTITUTIONS_MANAGE, NULL)) {
        html_lit(b, " · <a href=\"/institutions/import\">");
        html_text(b, T(req, "Import from a spreadsheet"));
        html_lit(b, "</a>");
    }
    html_lit(b, " · <a href=\"/institutions.csv\">");
    html_text(b, T(req, "Download as CSV"));
    html_lit(b, "</a> · <a href=\"/institutions.xlsx\">");
    html_text(b, T(req, "Download as XLSX"));
    html_lit(b, "</a></p>");
    filter_form(req, b, &q);
    html_lit(b, "<p>");
    html_text(b, arena_printf(req->arena, T(req, "Institutions found: %lld."), (long long)total));
    if (q.f.sort == INST_SORT_NEED) {
        html_lit(b, " ");
        if (by_need) {
            html_text(b, arena_printf(req->arena, T(req, "In order of need as the need index of %s puts it; those without a score come last."),
                                      by_need->name));
        } else {
            html_text(b, T(req, "No needs-survey campaign has a need index yet: in order of name."));
        }
    }
    html_lit(b, "</p>");
    if (n) list_table(req, b, list, n);
    pager(req, b, &q, (total + PER_PAGE - 1) / PER_PAGE);
    layout_end(req, res);
}

/* --- one institution ------------------------------------------------------------------------------- */

static void detail_page(struct http_request *req, struct http_response *res)
{
    const char *id = http_route(req, "id");
    struct err e;
    err_clear(&e);
    struct institution inst;
    int rc = inst_get(web_state(req)->store, req->arena, id, &inst, &e);
    if (rc == ERR_NOT_FOUND) {
        page_error(req, res, 404, NULL);
        return;
    }
    if (rc < 0) {
        log_error("institution %s: %s", id, e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    /* The gate let institution contacts through; now that the record is known, only their own. */
    if (!may(req, POLICY_INSTITUTION_VIEW, inst.id)) {
        page_error(req, res, 403, NULL);
        return;
    }
    bool contacts = may(req, POLICY_INSTITUTION_CONTACTS, inst.id);
    struct inst_link *links;
    size_t nlinks;
    const char **merged;
    size_t nmerged;
    if (inst_links(web_state(req)->store, req->arena, inst.id, &links, &nlinks, &e) < 0 ||
        inst_merged_from(web_state(req)->store, req->arena, inst.id, &merged, &nmerged, &e) < 0) {
        log_error("institution %s: %s", id, e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    struct strbuf *b = &res->body;
    layout_begin(req, res, inst.v[INST_NAME], "institutions");
    html_lit(b, "<h1>");
    html_text(b, inst.v[INST_NAME]);
    html_lit(b, "</h1>");
    if (inst.merged_into) {
        html_lit(b, "<p class=\"notice\">");
        html_text(b, T(req, "This record was merged into another one, which is the one the register keeps:"));
        html_lit(b, " <a href=\"");
        html_url(b, arena_printf(req->arena, "/institutions/%s", inst.merged_into));
        html_lit(b, "\">");
        html_text(b, inst.merged_into);
        html_lit(b, "</a></p>");
    }
    html_lit(b, "<dl>");
    for (int f = 0; f < INST_FIELD_COUNT; f++) {
        if (inst_field_personal((enum inst_field)f) && !contacts) continue;
        html_lit(b, "<dt>");
        html_text(b, T(req, labels[f]));
        html_lit(b, "</dt><dd>");
        html_text(b, inst.v[f] ? inst.v[f] : "–");
        html_lit(b, "</dd>");
    }
    html_lit(b, "</dl>");
    if (!contacts) {
        html_lit(b, "<p>");
        html_text(b, T(req, "The contact person's details are personal data: only the programme's coordinators see them."));
        html_lit(b, "</p>");
    }
    html_lit(b, "<h2>");
    html_text(b, T(req, "Linked answer sets"));
    html_lit(b, "</h2>");
    if (!nlinks) {
        html_lit(b, "<p>");
        html_text(b, T(req, "None: this institution was imported."));
        html_lit(b, "</p>");
    } else {
        html_lit(b, "<ul>");
        for (size_t i = 0; i < nlinks; i++) {
            struct policy_target t = {.form_id = links[i].form_id, .institution_id = inst.id};
            html_lit(b, "<li>");
            if (policy_allows(web_state(req)->who, POLICY_SUBMISSION_VIEW, &t)) {
                html_lit(b, "<a href=\"");
                html_url(b, arena_printf(req->arena, "/forms/%s/submissions/%s", links[i].form_id,
                                         links[i].submission_id));
                html_lit(b, "\"><code>");
                html_text(b, links[i].submission_id);
                html_lit(b, "</code></a>");
            } else {
                html_lit(b, "<code>");
                html_text(b, links[i].submission_id);
                html_lit(b, "</code>");
            }
            html_lit(b, " ");
            html_text(b, arena_printf(req->arena, T(req, "(form %s, revision %d)"), links[i].form_id, links[i].revision));
            html_lit(b, "</li>");
        }
        html_lit(b, "</ul>");
    }
    if (nmerged) {
        html_lit(b, "<h2>");
        html_text(b, T(req, "Records merged into this one"));
        html_lit(b, "</h2><ul>");
        for (size_t i = 0; i < nmerged; i++) {
            html_lit(b, "<li><a href=\"");
            html_url(b, arena_printf(req->arena, "/institutions/%s", merged[i]));
            html_lit(b, "\"><code>");
            html_text(b, merged[i]);
            html_lit(b, "</code></a></li>");
        }
        html_lit(b, "</ul>");
    }
    /* Its pilot pages, each for those the policy lets read it. */
    struct policy_target own = {.institution_id = inst.id};
    const struct who_may {
        enum policy_action action;
        const char *path, *label;
    } pilot[] = {
        {POLICY_REPORT_INSTITUTION, "report", N_("Institution report")},
        {POLICY_TRAINING_VIEW, "curriculum", N_("Curriculum plan")},
        {POLICY_DELIVERY_CONFIRM, "delivery", N_("Devices delivered")},
    };
    bool any = false;
    for (size_t i = 0; i < sizeof pilot / sizeof pilot[0]; i++) {
        if (!policy_allows(web_state(req)->who, pilot[i].action, &own)) continue;
        if (any) html_lit(b, " · ");
        else html_lit(b, "<p>");
        any = true;
        html_lit(b, "<a href=\"/institutions/");
        html_attr(b, inst.id);
        html_lit(b, "/");
        html_attr(b, pilot[i].path);
        html_lit(b, "\">");
        html_text(b, T(req, pilot[i].label));
        html_lit(b, "</a>");
    }
    if (any) html_lit(b, "</p>");
    register_institution_extras(req, res, &inst); /* its contacts' accounts, its status (web/register_pages.h) */
    layout_end(req, res);
}

/* --- import ---------------------------------------------------------------------------------------- */

static void import_intro(struct http_request *req, struct http_response *res)
{
    struct strbuf *b = &res->body;
    html_lit(b, "<h1>");
    html_text(b, T(req, "Import institutions"));
    html_lit(b, "</h1><p>");
    html_text(b, T(req, "A CSV or XLSX file: a header row naming the columns (name is required; kind, formal, country, region, area, latitude, longitude, learners, teachers, devices, connectivity, contact_name, contact_email, contact_phone, status may follow), then one institution per row. You see what would be imported before anything is saved, and a file with any error imports nothing."));
    html_lit(b, "</p><form class=\"card\" method=\"post\" action=\"/institutions/import\" enctype=\"multipart/form-data\">");
    access_csrf_field(req, res);
    html_lit(b, "<div class=\"field\"><label for=\"i-file\">");
    html_text(b, T(req, "File"));
    html_lit(b, "</label><input id=\"i-file\" name=\"file\" type=\"file\" accept=\".csv,.xlsx\" required></div><p><button type=\"submit\">");
    html_text(b, T(req, "Preview"));
    html_lit(b, "</button></p></form>");
}

static void import_page(struct http_request *req, struct http_response *res)
{
    layout_begin(req, res, T(req, "Import institutions"), "institutions");
    import_intro(req, res);
    layout_end(req, res);
}

static void preview_table(struct http_request *req, struct strbuf *b, const struct inst_import_result *r)
{
    html_lit(b, "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"");
    html_attr(b, T(req, "Preview"));
    html_lit(b, "\"><table><thead><tr><th scope=\"col\">");
    html_text(b, T(req, "Row"));
    html_lit(b, "</th>");
    for (int f = 0; f < INST_FIELD_COUNT; f++) {
        if (inst_field_personal((enum inst_field)f)) continue;
        html_lit(b, "<th scope=\"col\">");
        html_text(b, T(req, labels[f]));
        html_lit(b, "</th>");
    }
    html_lit(b, "</tr></thead><tbody>");
    for (size_t i = 0; i < r->nrows; i++) {
        html_lit(b, "<tr><td>");
        html_int(b, r->row_numbers[i]);
        html_lit(b, "</td>");
        for (int f = 0; f < INST_FIELD_COUNT; f++)
            if (!inst_field_personal((enum inst_field)f)) cell(b, r->rows[i].v[f]);
        html_lit(b, "</tr>");
    }
    html_lit(b, "</tbody></table></div>");
}

/* The file travels from the preview to the confirmation inside the page (base64), so that nothing
 * is kept on the server between the two and what is confirmed is exactly what was previewed. */
static void import_post(struct http_request *req, struct http_response *res)
{
    const struct http_upload *up = http_upload_get(req, "file");
    const char *data = NULL, *format = NULL;
    size_t len = 0;
    bool confirm = false;
    if (up && up->len) {
        const char *dot = up->filename ? strrchr(up->filename, '.') : NULL;
        format = dot && !strcasecmp(dot, ".csv") ? "csv" : dot && !strcasecmp(dot, ".xlsx") ? "xlsx" : NULL;
        data = up->data;
        len = up->len;
    } else if (nonempty(http_form(req, "data"))) {
        const char *b64 = http_form(req, "data");
        const char *fmt = http_form(req, "format");
        format = fmt && (!strcmp(fmt, "csv") || !strcmp(fmt, "xlsx")) ? fmt : NULL;
        size_t cap = strlen(b64);
        unsigned char *bin = arena_alloc(req->arena, cap + 1);
        if (sodium_base642bin(bin, cap, b64, cap, NULL, &len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0) format = NULL;
        data = (const char *)bin;
        confirm = true;
    }
    if (!format) {
        res->status = 400;
        layout_begin(req, res, T(req, "Import institutions"), "institutions");
        html_lit(&res->body, "<p class=\"error\" role=\"alert\">");
        html_text(&res->body, T(req, "Choose a CSV or XLSX file."));
        html_lit(&res->body, "</p>");
        import_intro(req, res);
        layout_end(req, res);
        return;
    }
    struct err e;
    err_clear(&e);
    struct sheet_book book;
    struct inst_import_result r;
    memset(&r, 0, sizeof r);
    struct audit_actor by;
    web_audit_actor(req, &by);
    struct strbuf *b = &res->body;
    if (inst_read_table(req->arena, format, data, len, &book, &e) < 0) {
        res->status = 400;
        layout_begin(req, res, T(req, "Import institutions"), "institutions");
        html_lit(b, "<p class=\"error\" role=\"alert\">");
        html_text(b, T(req, "The file could not be read as a spreadsheet:"));
        html_lit(b, " ");
        html_text(b, e.msg);
        html_lit(b, "</p>");
        import_intro(req, res);
        layout_end(req, res);
        return;
    }
    if (inst_import(web_state(req)->store, req->arena, &book, !confirm, false, &by, &r, &e) < 0) {
        log_error("institutions import: %s", e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    layout_begin(req, res, T(req, "Import institutions"), "institutions");
    html_lit(b, "<h1>");
    html_text(b, T(req, "Import institutions"));
    html_lit(b, "</h1>");
    if (r.nerrors) {
        res->status = 400;
        import_errors_table(req, b, r.errors, r.nerrors);
        import_intro(req, res);
    } else if (r.imported) {
        html_lit(b, "<p class=\"notice\" role=\"status\">");
        html_text(b, arena_printf(req->arena, T(req, "Imported: %d institutions."), (int)r.nrows));
        html_lit(b, " <a href=\"/institutions\">");
        html_text(b, T(req, "Back to the register"));
        html_lit(b, "</a></p>");
    } else {
        html_lit(b, "<p>");
        html_text(b, arena_printf(req->arena, T(req, "No problems found. These %d institutions would be created:"), (int)r.nrows));
        html_lit(b, "</p>");
        preview_table(req, b, &r);
        html_lit(b, "<form method=\"post\" action=\"/institutions/import\">");
        access_csrf_field(req, res);
        size_t b64len = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
        char *b64 = arena_alloc(req->arena, b64len);
        sodium_bin2base64(b64, b64len, (const unsigned char *)data, len, sodium_base64_VARIANT_ORIGINAL);
        html_lit(b, "<input type=\"hidden\" name=\"format\" value=\"");
        html_attr(b, format);
        html_lit(b, "\"><input type=\"hidden\" name=\"data\" value=\"");
        html_attr(b, b64);
        html_lit(b, "\"><p><button type=\"submit\">");
        html_text(b, T(req, "Import them"));
        html_lit(b, "</button></p></form>");
    }
    layout_end(req, res);
}

/* --- duplicates and merge -------------------------------------------------------------------------- */

static void inst_summary(struct http_request *req, struct strbuf *b, const struct institution *x)
{
    html_lit(b, "<a href=\"");
    html_url(b, arena_printf(req->arena, "/institutions/%s", x->id));
    html_lit(b, "\">");
    html_text(b, x->v[INST_NAME]);
    html_lit(b, "</a> (");
    html_text(b, x->v[INST_COUNTRY] ? x->v[INST_COUNTRY] : "–");
    html_lit(b, ", ");
    html_text(b, x->v[INST_REGION] ? x->v[INST_REGION] : "–");
    html_lit(b, ")");
}

static void duplicates_page(struct http_request *req, struct http_response *res)
{
    struct err e;
    err_clear(&e);
    struct inst_duplicate *d;
    size_t n;
    if (inst_duplicates(web_state(req)->store, req->arena, &d, &n, &e) < 0) {
        log_error("institution duplicates: %s", e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    bool manage = may(req, POLICY_INSTITUTIONS_MANAGE, NULL);
    struct strbuf *b = &res->body;
    layout_begin(req, res, T(req, "Likely duplicates"), "institutions");
    html_lit(b, "<h1>");
    html_text(b, T(req, "Likely duplicates"));
    html_lit(b, "</h1><p>");
    html_text(b, T(req, "Pairs with the same name and place, or less than 1 km apart with similar names. A merge keeps the first, moves the second's answer sets to it and keeps the second as a record pointing to it."));
    html_lit(b, "</p>");
    if (!n) {
        html_lit(b, "<p>");
        html_text(b, T(req, "No likely duplicates."));
        html_lit(b, "</p>");
    }
    for (size_t i = 0; i < n; i++) {
        html_lit(b, "<div class=\"card\"><p>");
        inst_summary(req, b, &d[i].a);
        html_lit(b, " ↔ ");
        inst_summary(req, b, &d[i].b);
        html_lit(b, "</p><p>");
        html_text(b, d[i].reason == INST_DUP_SAME_NAME_PLACE  ? T(req, "Same name and place.")
                     : d[i].reason == INST_DUP_CLOSE_SIMILAR ? T(req, "Less than 1 km apart, with similar names.")
                                                              : T(req, "Similar names in the same region."));
        html_text(b, arena_printf(req->arena, T(req, " Name similarity: %d%%."), (int)(d[i].similarity * 100 + 0.5)));
        html_lit(b, "</p>");
        if (manage) {
            html_lit(b, "<form method=\"post\" action=\"/institutions/merge\">");
            access_csrf_field(req, res);
            html_lit(b, "<input type=\"hidden\" name=\"survivor\" value=\"");
            html_attr(b, d[i].a.id);
            html_lit(b, "\"><input type=\"hidden\" name=\"merged\" value=\"");
            html_attr(b, d[i].b.id);
            html_lit(b, "\"><button type=\"submit\">");
            html_text(b, T(req, "Merge the second into the first"));
            html_lit(b, "</button></form>");
        }
        html_lit(b, "</div>");
    }
    layout_end(req, res);
}

static void merge_post(struct http_request *req, struct http_response *res)
{
    const char *survivor = nonempty(http_form(req, "survivor")), *merged = nonempty(http_form(req, "merged"));
    if (!survivor || !merged) {
        page_error(req, res, 400, T(req, "Say which two institutions to merge."));
        return;
    }
    struct audit_actor by;
    web_audit_actor(req, &by);
    struct err e;
    err_clear(&e);
    int rc = inst_merge(web_state(req)->store, survivor, merged, &by, &e);
    if (rc == ERR_NOT_FOUND) {
        page_error(req, res, 404, NULL);
        return;
    }
    if (rc == ERR_CONFLICT) {
        page_error(req, res, 409, T(req, "These two cannot be merged: one of them was merged already, or they are the same."));
        return;
    }
    if (rc < 0) {
        log_error("institution merge: %s", e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    http_redirect(res, 303, arena_printf(req->arena, "/institutions/%s", survivor));
}

/* --- exports --------------------------------------------------------------------------------------- */

static int append_body(void *ctx, const void *data, size_t len)
{
    strbuf_append(ctx, data, len);
    return 0;
}

static void export_page(struct http_request *req, struct http_response *res, bool csv)
{
    /* Contact details only for those who may read them (INSTITUTION_CONTACTS: coordinators). */
    bool personal = policy_allows(web_state(req)->who, POLICY_INSTITUTION_CONTACTS, NULL);
    struct err e;
    err_clear(&e);
    strbuf_reset(&res->body);
    int rc = csv ? inst_export_csv(web_state(req)->store, personal, append_body, &res->body, &e)
                 : inst_export_xlsx(web_state(req)->store, personal, append_body, &res->body, &e);
    if (rc < 0) {
        log_error("institutions export: %s", e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    char now[32];
    time_format_iso(time_now_ms(), now, sizeof now);
    res->status = 200;
    res->content_type = csv ? "text/csv; charset=utf-8"
                            : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    http_set_header(res, "Content-Disposition",
                    arena_printf(req->arena, "attachment; filename=\"institutions-%.10s%s.%s\"", now,
                                 personal ? "" : "-pseudonymised", csv ? "csv" : "xlsx"));
    http_set_header(res, "Cache-Control", "no-store");
}

static void export_csv(struct http_request *req, struct http_response *res) { export_page(req, res, true); }
static void export_xlsx(struct http_request *req, struct http_response *res) { export_page(req, res, false); }

void institution_routes(struct router *r)
{
    router_add(r, HTTP_GET, "/institutions", list_page);
    router_add(r, HTTP_GET, "/institutions.csv", export_csv);
    router_add(r, HTTP_GET, "/institutions.xlsx", export_xlsx);
    router_add(r, HTTP_GET, "/institutions/duplicates", duplicates_page);
    router_add(r, HTTP_POST, "/institutions/merge", merge_post);
    router_add(r, HTTP_GET, "/institutions/import", import_page);
    router_add(r, HTTP_POST, "/institutions/import", import_post);
    router_add(r, HTTP_GET, "/institutions/{id}", detail_page);
}

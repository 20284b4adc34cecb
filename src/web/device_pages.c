#include "web/device_pages.h"

#include "base/log.h"
#include "base/timeutil.h"
#include "forms/sheet.h"
#include "html/html.h"
#include "program/devices.h"
#include "program/institutions.h"
#include "program/programme.h"
#include "web/access.h"
#include "web/audit_pages.h"
#include "web/import_errors.h"
#include "web/layout.h"
#include "web/pages.h"
#include "web/qr_svg.h"
#include "web/web.h"

#include <sodium.h>
#include <string.h>
#include <strings.h>

enum {
    PER_PAGE = 50,
    LABELS_PER_SHEET = 24, /* 3 across, 8 down an A4 page (static/app.css, .sheet) */
    LABELS_PER_PAGE = 20 * LABELS_PER_SHEET,
};

static const char *nonempty(const char *s) { return s && *s ? s : NULL; }

static bool may_manage(struct http_request *req) { return policy_allows(web_state(req)->who, POLICY_DEVICES_MANAGE, NULL); }

static bool may_at(struct http_request *req, enum policy_action a, const char *institution_id)
{
    struct policy_target t = {.institution_id = institution_id};
    return policy_allows(web_state(req)->who, a, &t);
}

/* Whose devices the reader sees: NULL for the whole inventory (whoever may see a device at no
 * institution, one in stock, sees them all), else their own institution's. *ok is false when the
 * reader sees none: an institution's contact whose account is not linked to one yet. */
static const char *reader_scope(struct http_request *req, bool *ok)
{
    *ok = true;
    if (may_at(req, POLICY_DEVICES_VIEW, NULL)) return NULL;
    const char *own = web_state(req)->who->institution_id;
    if (nonempty(own) && may_at(req, POLICY_DEVICES_VIEW, own)) return own;
    *ok = false;
    return NULL;
}

static const char *translate(void *ctx, const char *msgid) { return i18n_get(ctx, msgid); }

static const char *refusal(struct http_request *req, enum device_state from, enum device_state to)
{
    return device_refusal(req->arena, from, to, translate, (void *)web_state(req)->lang);
}

static const char *state_label(struct http_request *req, enum device_state s) { return T(req, device_state_label(s)); }

/* "13 June 2026, 09:30 UTC" from a stored time. */
static void when(struct http_request *req, struct strbuf *b, const char *iso)
{
    layout_date(req, b, iso);
    if (iso && strlen(iso) >= 16 && iso[10] == 'T') {
        html_lit(b, ", ");
        html_text(b, arena_strndup(req->arena, iso + 11, 5));
        html_lit(b, " UTC");
    }
}

static void cell(struct strbuf *b, const char *v)
{
    html_lit(b, "<td>");
    if (v) html_text(b, v);
    html_lit(b, "</td>");
}

/* The serial number, else the IMEI: what is printed on the device and its label. */
static const char *device_name(const struct device *d) { return d->serial ? d->serial : d->imei; }

static void device_link(struct http_request *req, struct strbuf *b, const struct device *d)
{
    html_lit(b, "<a href=\"");
    html_url(b, arena_printf(req->arena, "/devices/%s", d->id));
    html_lit(b, "\"><code>");
    html_text(b, device_name(d));
    html_lit(b, "</code></a>");
}

static void heading(struct http_request *req, struct http_response *res, const char *title)
{
    layout_begin(req, res, title, "devices");
    html_lit(&res->body, "<h1>");
    html_text(&res->body, title);
    html_lit(&res->body, "</h1>");
}

static void alert(struct strbuf *b, const char *message)
{
    html_lit(b, "<p class=\"error\" role=\"alert\">");
    html_text(b, message);
    html_lit(b, "</p>");
}

static void notice(struct strbuf *b, const char *message)
{
    html_lit(b, "<p class=\"notice\" role=\"status\">");
    html_text(b, message);
    html_lit(b, "</p>");
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

static void select_open(struct strbuf *b, const char *name, const char *label)
{
    html_lit(b, "<div class=\"field\"><label for=\"d-");
    html_attr(b, name);
    html_lit(b, "\">");
    html_text(b, label);
    html_lit(b, "</label><select id=\"d-");
    html_attr(b, name);
    html_lit(b, "\" name=\"");
    html_attr(b, name);
    html_lit(b, "\">");
}

static void text_input(struct strbuf *b, const char *name, const char *label, const char *value)
{
    html_lit(b, "<div class=\"field\"><label for=\"d-");
    html_attr(b, name);
    html_lit(b, "\">");
    html_text(b, label);
    html_lit(b, "</label><input id=\"d-");
    html_attr(b, name);
    html_lit(b, "\" name=\"");
    html_attr(b, name);
    html_lit(b, "\" type=\"text\" value=\"");
    html_attr(b, value ? value : "");
    html_lit(b, "\"></div>");
}

static void note_input(struct http_request *req, struct strbuf *b, const char *label, const char *value)
{
    html_lit(b, "<div class=\"field\"><label for=\"d-note\">");
    html_text(b, label);
    html_lit(b, "</label><p class=\"hint\" id=\"d-note-hint\">");
    html_text(b, T(req, "Optional; at most 1000 characters."));
    html_lit(b, "</p><textarea id=\"d-note\" name=\"note\" rows=\"3\" maxlength=\"1000\" aria-describedby=\"d-note-hint\">");
    html_text(b, value ? value : "");
    html_lit(b, "</textarea></div>");
}

/* --- the list -------------------------------------------------------------------------------------- */

struct list_query {
    struct device_filter f;
    const char *institution; /* as asked: an id, or "none" for stock */
    int64_t page;
};

static const char *list_url(struct http_request *req, const struct list_query *q, const char *state, int64_t page)
{
    struct strbuf u;
    strbuf_init(&u, req->arena, 128);
    strbuf_puts(&u, "/devices");
    const char *names[] = {"state", "institution", "batch", "model", "q"};
    const char *values[] = {state, q->institution, q->f.batch, q->f.model, q->f.q};
    char sep = '?';
    for (size_t i = 0; i < 5; i++) {
        if (!nonempty(values[i])) continue;
        strbuf_printf(&u, "%c%s=", sep, names[i]);
        str_url_encode(&u, values[i]);
        sep = '&';
    }
    if (page > 1) strbuf_printf(&u, "%cpage=%lld", sep, (long long)page);
    return u.data;
}

static void filter_form(struct http_request *req, struct strbuf *b, const struct list_query *q,
                        const struct device_place *places, size_t nplaces, const char *const *batches, size_t nbatches,
                        bool whole)
{
    html_lit(b, "<form class=\"card\" method=\"get\" action=\"/devices\"><h2>");
    html_text(b, T(req, "Filter"));
    html_lit(b, "</h2>");
    select_open(b, "state", T(req, "State"));
    option(b, "", T(req, "Any"), q->f.state);
    for (int s = 0; s < DEVICE_STATE_COUNT; s++)
        option(b, device_state_name((enum device_state)s), state_label(req, (enum device_state)s), q->f.state);
    html_lit(b, "</select></div>");
    if (whole) {
        select_open(b, "institution", T(req, "Institution"));
        option(b, "", T(req, "Any"), q->institution);
        option(b, "none", T(req, "None (in stock or back in stock)"), q->institution);
        for (size_t i = 0; i < nplaces; i++) option(b, places[i].id, places[i].name, q->institution);
        html_lit(b, "</select></div>");
    }
    if (nbatches) {
        select_open(b, "batch", T(req, "Batch"));
        option(b, "", T(req, "Any"), q->f.batch);
        for (size_t i = 0; i < nbatches; i++) option(b, batches[i], batches[i], q->f.batch);
        html_lit(b, "</select></div>");
    }
    text_input(b, "model", T(req, "Model contains"), q->f.model);
    text_input(b, "q", T(req, "Serial number or IMEI contains"), q->f.q);
    html_lit(b, "<p><button type=\"submit\">");
    html_text(b, T(req, "Show"));
    html_lit(b, "</button> <a href=\"/devices\">");
    html_text(b, T(req, "Show all"));
    html_lit(b, "</a></p></form>");
}

static void state_counts(struct http_request *req, struct strbuf *b, const struct list_query *q,
                         const int64_t counts[DEVICE_STATE_COUNT])
{
    html_lit(b, "<h2>");
    html_text(b, T(req, "Devices in each state"));
    html_lit(b, "</h2><ul class=\"states\">");
    for (int s = 0; s < DEVICE_STATE_COUNT; s++) {
        const char *name = device_state_name((enum device_state)s);
        html_lit(b, "<li><a href=\"");
        html_url(b, list_url(req, q, name, 1));
        html_lit(b, "\"");
        if (q->f.state && strcmp(q->f.state, name) == 0) html_lit(b, " aria-current=\"true\"");
        html_lit(b, ">");
        html_text(b, state_label(req, (enum device_state)s));
        html_lit(b, "</a>: <span class=\"count\" data-state=\"");
        html_attr(b, name);
        html_lit(b, "\">");
        html_int(b, counts[s]);
        html_lit(b, "</span></li>");
    }
    html_lit(b, "</ul>");
}

static void pager(struct http_request *req, struct strbuf *b, const struct list_query *q, int64_t pages)
{
    if (pages <= 1) return;
    html_lit(b, "<nav aria-label=\"");
    html_attr(b, T(req, "Pages"));
    html_lit(b, "\"><p>");
    if (q->page > 1) {
        html_lit(b, "<a rel=\"prev\" href=\"");
        html_url(b, list_url(req, q, q->f.state, q->page - 1));
        html_lit(b, "\">");
        html_text(b, T(req, "Previous"));
        html_lit(b, "</a> · ");
    }
    html_text(b, arena_printf(req->arena, T(req, "Page %d of %d"), (int)q->page, (int)pages));
    if (q->page < pages) {
        html_lit(b, " · <a rel=\"next\" href=\"");
        html_url(b, list_url(req, q, q->f.state, q->page + 1));
        html_lit(b, "\">");
        html_text(b, T(req, "Next"));
        html_lit(b, "</a>");
    }
    html_lit(b, "</p></nav>");
}

static void list_table(struct http_request *req, struct strbuf *b, const struct device *list, size_t n)
{
    static const char *const heads[] = {N_("Serial number or IMEI"), N_("Model"), N_("Batch"), N_("State"),
                                        N_("Institution"), N_("Last change")};
    html_lit(b, "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"");
    html_attr(b, T(req, "Devices"));
    html_lit(b, "\"><table class=\"devices\"><thead><tr>");
    for (size_t c = 0; c < sizeof heads / sizeof heads[0]; c++) {
        html_lit(b, "<th scope=\"col\">");
        html_text(b, T(req, heads[c]));
        html_lit(b, "</th>");
    }
    html_lit(b, "</tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        html_lit(b, "<tr><td>");
        device_link(req, b, &list[i]);
        html_lit(b, "</td>");
        cell(b, list[i].model);
        cell(b, list[i].batch);
        html_lit(b, "<td data-state=\"");
        html_attr(b, device_state_name(list[i].state));
        html_lit(b, "\">");
        html_text(b, state_label(req, list[i].state));
        html_lit(b, "</td>");
        cell(b, list[i].institution_name);
        html_lit(b, "<td>");
        when(req, b, list[i].updated_at);
        html_lit(b, "</td></tr>");
    }
    html_lit(b, "</tbody></table></div>");
}

static void shortfalls_box(struct http_request *req, struct strbuf *b, const struct device_delivery *d, size_t n)
{
    if (!n) return;
    html_lit(b, "<div class=\"card shortfalls\" role=\"alert\"><h2>");
    html_text(b, T(req, "Deliveries short of what was shipped"));
    html_lit(b, "</h2><p>");
    html_text(b, T(req, "These institutions counted fewer devices than were shipped to them. Trace the ones still shipped, then mark each delivered or lost on its page."));
    html_lit(b, "</p><ul>");
    for (size_t i = 0; i < n; i++) {
        html_lit(b, "<li><a href=\"");
        html_url(b, arena_printf(req->arena, "/devices?institution=%s&state=shipped", d[i].institution_id));
        html_lit(b, "\">");
        html_text(b, d[i].institution_name);
        html_lit(b, "</a>: ");
        html_text(b, arena_printf(req->arena, T(req, "%d of %d arrived"), d[i].received, d[i].expected));
        html_lit(b, " (");
        when(req, b, d[i].confirmed_at);
        html_lit(b, "); ");
        html_text(b, arena_printf(req->arena, T(req, "still shipped: %lld."), (long long)d[i].still_shipped));
        html_lit(b, "</li>");
    }
    html_lit(b, "</ul></div>");
}

static void allocate_form(struct http_request *req, struct http_response *res, const struct programme *list, size_t n)
{
    struct strbuf *b = &res->body;
    html_lit(b, "<form class=\"card\" method=\"post\" action=\"/devices/allocate\">");
    access_csrf_field(req, res);
    html_lit(b, "<h2>");
    html_text(b, T(req, "Allocate from stock"));
    html_lit(b, "</h2><p>");
    html_text(b, T(req, "Each pilot institution of the programme (selected, invited or accepted) gets up to the programme's devices per institution, less what it holds, from the devices in stock. When stock runs short, institutions are served in order of name and the result says who is short."));
    html_lit(b, "</p>");
    if (!n) {
        html_lit(b, "<p>");
        html_text(b, T(req, "There is no programme yet."));
        html_lit(b, "</p></form>");
        return;
    }
    select_open(b, "programme", T(req, "Programme"));
    for (size_t i = 0; i < n; i++) option(b, list[i].slug, list[i].name, NULL);
    html_lit(b, "</select></div><p><button type=\"submit\">");
    html_text(b, T(req, "Allocate"));
    html_lit(b, "</button></p></form>");
}

static void not_linked(struct http_request *req, struct http_response *res)
{
    heading(req, res, T(req, "Devices"));
    html_lit(&res->body, "<p>");
    html_text(&res->body, T(req, "Your account is not linked to an institution yet, so there are no devices to show. Ask the programme's coordinator to link it."));
    html_lit(&res->body, "</p>");
    layout_end(req, res);
}

/* Reads the filter of the list and the exports; false (after a 4xx page) when it makes no sense. */
static bool read_filter(struct http_request *req, struct http_response *res, const char *scope, struct list_query *q)
{
    memset(q, 0, sizeof *q);
    q->f.state = nonempty(http_query(req, "state"));
    q->f.batch = nonempty(http_query(req, "batch"));
    q->f.model = nonempty(http_query(req, "model"));
    q->f.q = nonempty(http_query(req, "q"));
    q->institution = nonempty(http_query(req, "institution"));
    if (q->f.state && device_state_parse(q->f.state) < 0) {
        page_error(req, res, 400, T(req, "There is no such device state."));
        return false;
    }
    if (scope) {
        q->institution = NULL; /* a contact's list is their institution's, whatever is asked */
        q->f.institution_id = scope;
    } else if (q->institution && strcmp(q->institution, "none") == 0) {
        q->f.stock_only = true;
    } else {
        q->f.institution_id = q->institution;
    }
    q->page = 1;
    const char *asked = http_query(req, "page");
    if (asked && !str_to_int64(asked, 1, INT32_MAX / PER_PAGE, &q->page)) {
        page_error(req, res, 404, NULL);
        return false;
    }
    return true;
}

static void list_page(struct http_request *req, struct http_response *res)
{
    bool ok;
    const char *scope = reader_scope(req, &ok);
    if (!ok) {
        not_linked(req, res);
        return;
    }
    struct list_query q;
    if (!read_filter(req, res, scope, &q)) return;
    struct store *st = web_state(req)->store;
    struct err e;
    err_clear(&e);
    struct device *list;
    size_t n, nbatches = 0, nplaces = 0, nshort = 0, nprog = 0;
    int64_t total, counts[DEVICE_STATE_COUNT];
    const char **batches = NULL;
    struct device_delivery *shortfalls = NULL;
    struct programme *programmes = NULL;
    struct device_place *places = NULL;
    bool manage = may_manage(req);
    if (device_list(st, req->arena, &q.f, (q.page - 1) * PER_PAGE, PER_PAGE, &list, &n, &total, &e) < 0 ||
        device_state_counts(st, req->arena, &q.f, counts, &e) < 0 ||
        device_batches(st, req->arena, &batches, &nbatches, &e) < 0 ||
        (!scope && device_institutions(st, req->arena, &places, &nplaces, &e) < 0) ||
        (!scope && device_shortfalls(st, req->arena, &shortfalls, &nshort, &e) < 0) ||
        (manage && programme_list(st, req->arena, &programmes, &nprog, &e) < 0)) {
        log_error("devices list: %s", e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    if (q.page > 1 && !n) {
        page_error(req, res, 404, NULL);
        return;
    }
    struct strbuf *b = &res->body;
    heading(req, res, T(req, "Devices"));
    if (scope) {
        struct institution inst;
        if (inst_get(st, req->arena, scope, &inst, &e) == 0) {
            html_lit(b, "<p>");
            html_text(b, arena_printf(req->arena, T(req, "The devices of %s."), inst.v[INST_NAME]));
            html_lit(b, "</p>");
        }
        if (counts[DEVICE_SHIPPED] && may_at(req, POLICY_DELIVERY_CONFIRM, scope)) {
            html_lit(b, "<p class=\"notice\"><a href=\"");
            html_url(b, arena_printf(req->arena, "/institutions/%s/delivery", scope));
            html_lit(b, "\">");
            html_text(b, arena_printf(req->arena, T(req, "Devices on their way to you: %lld. Confirm what arrived."),
                                      (long long)counts[DEVICE_SHIPPED]));
            html_lit(b, "</a></p>");
        }
    } else {
        html_lit(b, "<p>");
        html_text(b, T(req, "The pilot's devices, from stock to the institutions and back, each with its history."));
        html_lit(b, "</p>");
    }
    html_lit(b, "<p>");
    if (manage) {
        html_lit(b, "<a href=\"/devices/import\">");
        html_text(b, T(req, "Import from a spreadsheet"));
        html_lit(b, "</a> · <a href=\"/devices/labels\">");
        html_text(b, T(req, "Print labels"));
        html_lit(b, "</a> · ");
    }
    html_lit(b, "<a href=\"/devices.csv\">");
    html_text(b, T(req, "Download as CSV"));
    html_lit(b, "</a> · <a href=\"/devices.xlsx\">");
    html_text(b, T(req, "Download as XLSX"));
    html_lit(b, "</a></p>");
    shortfalls_box(req, b, shortfalls, nshort);
    state_counts(req, b, &q, counts);
    filter_form(req, b, &q, places, nplaces, batches, nbatches, !scope);
    html_lit(b, "<p>");
    html_text(b, arena_printf(req->arena, T(req, "Devices found: %lld."), (long long)total));
    html_lit(b, "</p>");
    if (n) list_table(req, b, list, n);
    pager(req, b, &q, (total + PER_PAGE - 1) / PER_PAGE);
    if (manage) allocate_form(req, res, programmes, nprog);
    layout_end(req, res);
}

/* --- one device ------------------------------------------------------------------------------------ */

static void move_form(struct http_request *req, struct http_response *res, const struct device *d)
{
    struct strbuf *b = &res->body;
    enum device_state next[DEVICE_STATE_COUNT];
    size_t n = device_next_states(d->state, next);
    html_lit(b, "<h2>");
    html_text(b, T(req, "Move"));
    html_lit(b, "</h2>");
    if (!n) {
        html_lit(b, "<p>");
        html_text(b, arena_printf(req->arena, T(req, "A device that is %s stays so: that state is final."),
                                  T(req, device_state_phrase(d->state))));
        html_lit(b, "</p>");
        return;
    }
    html_lit(b, "<form class=\"card\" method=\"post\" action=\"");
    html_url(b, arena_printf(req->arena, "/devices/%s/move", d->id));
    html_lit(b, "\">");
    access_csrf_field(req, res);
    html_lit(b, "<fieldset><legend>");
    html_text(b, T(req, "Move it to"));
    html_lit(b, "</legend>");
    bool to_allocated = false;
    for (size_t i = 0; i < n; i++) {
        const char *name = device_state_name(next[i]);
        to_allocated |= next[i] == DEVICE_ALLOCATED;
        html_lit(b, "<div class=\"choice\"><input type=\"radio\" name=\"to\" id=\"to-");
        html_attr(b, name);
        html_lit(b, "\" value=\"");
        html_attr(b, name);
        html_lit(b, "\"");
        if (i == 0) html_lit(b, " checked");
        html_lit(b, "><label for=\"to-");
        html_attr(b, name);
        html_lit(b, "\">");
        html_text(b, state_label(req, next[i]));
        html_lit(b, "</label></div>");
    }
    html_lit(b, "</fieldset>");
    if (to_allocated) {
        size_t np;
        struct err e;
        err_clear(&e);
        struct device_place *places;
        if (device_pilot_institutions(web_state(req)->store, req->arena, &places, &np, &e) < 0) np = 0;
        select_open(b, "institution", T(req, "Allocated to (for an allocation)"));
        for (size_t i = 0; i < np; i++) option(b, places[i].id, places[i].name, NULL);
        html_lit(b, "</select></div>");
    }
    note_input(req, b, T(req, "Note"), NULL);
    html_lit(b, "<p><button type=\"submit\">");
    html_text(b, T(req, "Record the move"));
    html_lit(b, "</button></p></form>");
}

static void history_table(struct http_request *req, struct strbuf *b, const struct device_event *ev, size_t n,
                          bool show_by)
{
    html_lit(b, "<h2>");
    html_text(b, T(req, "History"));
    html_lit(b, "</h2><div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"");
    html_attr(b, T(req, "History"));
    html_lit(b, "\"><table class=\"history\"><thead><tr><th scope=\"col\">");
    html_text(b, T(req, "When"));
    html_lit(b, "</th><th scope=\"col\">");
    html_text(b, T(req, "From"));
    html_lit(b, "</th><th scope=\"col\">");
    html_text(b, T(req, "To"));
    html_lit(b, "</th><th scope=\"col\">");
    html_text(b, T(req, "Institution"));
    if (show_by) {
        html_lit(b, "</th><th scope=\"col\">");
        html_text(b, T(req, "By"));
    }
    html_lit(b, "</th><th scope=\"col\">");
    html_text(b, T(req, "Note"));
    html_lit(b, "</th></tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        html_lit(b, "<tr><td>");
        when(req, b, ev[i].at);
        html_lit(b, "</td><td>");
        html_text(b, ev[i].from < 0 ? T(req, "(added)") : state_label(req, (enum device_state)ev[i].from));
        html_lit(b, "</td><td>");
        html_text(b, state_label(req, ev[i].to));
        html_lit(b, "</td>");
        cell(b, ev[i].institution_name);
        if (show_by) cell(b, ev[i].by_label);
        cell(b, ev[i].note);
        html_lit(b, "</tr>");
    }
    html_lit(b, "</tbody></table></div>");
}

/* The device's page; message (translated), when given, says why the last POST changed nothing. */
static void detail_render(struct http_request *req, struct http_response *res, const char *id, int status,
                          const char *message)
{
    struct err e;
    err_clear(&e);
    struct device d;
    int rc = device_get(web_state(req)->store, req->arena, id, &d, &e);
    if (rc == ERR_NOT_FOUND) {
        page_error(req, res, 404, NULL);
        return;
    }
    if (rc < 0) {
        log_error("device %s: %s", id, e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    /* The gate let institution contacts through; now that the device is known, only their own. */
    if (!may_at(req, POLICY_DEVICES_VIEW, d.institution_id)) {
        page_error(req, res, 403, NULL);
        return;
    }
    struct device_event *ev;
    size_t nev;
    if (device_history(web_state(req)->store, req->arena, d.id, &ev, &nev, &e) < 0) {
        log_error("device %s: %s", id, e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    bool manage = may_manage(req);
    struct strbuf *b = &res->body;
    if (status) res->status = status;
    const char *title = arena_printf(req->arena, "%s · %s", d.model, device_name(&d));
    heading(req, res, title);
    if (message) alert(b, message);
    html_lit(b, "<dl class=\"facts\"><dt>");
    html_text(b, T(req, "State"));
    html_lit(b, "</dt><dd data-state=\"");
    html_attr(b, device_state_name(d.state));
    html_lit(b, "\">");
    html_text(b, state_label(req, d.state));
    html_lit(b, "</dd>");
    const char *const labels[] = {N_("Model"), N_("Serial number"), N_("IMEI"), N_("Batch"), N_("Notes")};
    const char *values[] = {d.model, d.serial, d.imei, d.batch, d.notes};
    for (size_t i = 0; i < 5; i++) {
        html_lit(b, "<dt>");
        html_text(b, T(req, labels[i]));
        html_lit(b, "</dt><dd>");
        html_text(b, values[i] ? values[i] : "–");
        html_lit(b, "</dd>");
    }
    html_lit(b, "<dt>");
    html_text(b, T(req, "Institution"));
    html_lit(b, "</dt><dd>");
    if (d.institution_id && may_at(req, POLICY_INSTITUTION_VIEW, d.institution_id)) {
        html_lit(b, "<a href=\"");
        html_url(b, arena_printf(req->arena, "/institutions/%s", d.institution_id));
        html_lit(b, "\">");
        html_text(b, d.institution_name);
        html_lit(b, "</a>");
    } else {
        html_text(b, d.institution_name ? d.institution_name : "–");
    }
    html_lit(b, "</dd><dt>");
    html_text(b, T(req, "Programme"));
    html_lit(b, "</dt><dd>");
    html_text(b, d.programme_slug ? d.programme_slug : T(req, "General stock"));
    html_lit(b, "</dd><dt>");
    html_text(b, T(req, "Last change"));
    html_lit(b, "</dt><dd>");
    when(req, b, d.updated_at);
    html_lit(b, "</dd></dl>");
    if (d.state == DEVICE_SHIPPED && d.institution_id && may_at(req, POLICY_DELIVERY_CONFIRM, d.institution_id)) {
        html_lit(b, "<p><a href=\"");
        html_url(b, arena_printf(req->arena, "/institutions/%s/delivery", d.institution_id));
        html_lit(b, "\">");
        html_text(b, T(req, "Confirm what arrived"));
        html_lit(b, "</a></p>");
    }
    if (manage) {
        html_lit(b, "<p><a href=\"");
        html_url(b, arena_printf(req->arena, "/devices/labels?device=%s", d.id));
        html_lit(b, "\">");
        html_text(b, T(req, "Print its label"));
        html_lit(b, "</a></p>");
        move_form(req, res, &d);
    }
    history_table(req, b, ev, nev, manage);
    layout_end(req, res);
}

static void detail_page(struct http_request *req, struct http_response *res)
{
    detail_render(req, res, http_route(req, "id"), 0, NULL);
}

static void move_post(struct http_request *req, struct http_response *res)
{
    const char *id = http_route(req, "id");
    struct store *st = web_state(req)->store;
    struct err e;
    err_clear(&e);
    struct device d;
    int rc = device_get(st, req->arena, id, &d, &e);
    if (rc == ERR_NOT_FOUND) {
        page_error(req, res, 404, NULL);
        return;
    }
    if (rc < 0) {
        log_error("device %s: %s", id, e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    const char *to_name = nonempty(http_form(req, "to"));
    const char *institution = nonempty(http_form(req, "institution"));
    const char *note = http_form(req, "note");
    int to = device_state_parse(to_name);
    if (to < 0) {
        detail_render(req, res, id, 400, T(req, "Choose the state to move it to."));
        return;
    }
    /* The refusal is said in the reader's language before the domain says it in English. */
    if (!device_transition_allowed(d.state, (enum device_state)to)) {
        detail_render(req, res, id, 409, refusal(req, d.state, (enum device_state)to));
        return;
    }
    const char *problem = device_note_problem(note);
    if (problem) {
        detail_render(req, res, id, 400, T(req, problem));
        return;
    }
    if (to == DEVICE_ALLOCATED && !institution) {
        detail_render(req, res, id, 400, T(req, "Choose the institution it is allocated to."));
        return;
    }
    if (to != DEVICE_ALLOCATED) institution = NULL; /* the form sends the allocation's choice with every move */
    struct audit_actor by;
    web_audit_actor(req, &by);
    rc = device_move(st, id, (enum device_state)to, institution, note, NULL, &by, &e);
    if (rc == ERR_CONFLICT) {
        /* Someone moved it meanwhile: say why against the state it is in now. */
        struct device now;
        if (device_get(st, req->arena, id, &now, &e) == 0) {
            detail_render(req, res, id, 409, refusal(req, now.state, (enum device_state)to));
            return;
        }
    }
    if (rc == ERR_INVALID) {
        detail_render(req, res, id, 400, T(req, "There is no such institution in the register."));
        return;
    }
    if (rc < 0) {
        log_error("device %s move: %s", id, e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    http_redirect(res, 303, arena_printf(req->arena, "/devices/%s", id));
}

/* --- import ---------------------------------------------------------------------------------------- */

static void import_intro(struct http_request *req, struct http_response *res, const char *programme)
{
    struct strbuf *b = &res->body;
    struct programme *list = NULL;
    size_t n = 0;
    struct err e;
    err_clear(&e);
    if (programme_list(web_state(req)->store, req->arena, &list, &n, &e) < 0) n = 0;
    html_lit(b, "<p>");
    html_text(b, T(req, "A CSV or XLSX file: a header row naming the columns (model, and serial or imei or both, are required; batch and notes may follow), then one device per row. Serial numbers and IMEIs must be unique, in the file and in the inventory; an IMEI's check digit is checked. You see what would be imported before anything is saved, and a file with any error imports nothing. Imported devices go into stock."));
    html_lit(b, "</p><form class=\"card\" method=\"post\" action=\"/devices/import\" enctype=\"multipart/form-data\">");
    access_csrf_field(req, res);
    html_lit(b, "<div class=\"field\"><label for=\"d-file\">");
    html_text(b, T(req, "File"));
    html_lit(b, "</label><input id=\"d-file\" name=\"file\" type=\"file\" accept=\".csv,.xlsx\" required></div>");
    select_open(b, "programme", T(req, "For the programme"));
    option(b, "", T(req, "General stock (any programme)"), programme);
    for (size_t i = 0; i < n; i++) option(b, list[i].slug, list[i].name, programme);
    html_lit(b, "</select></div><p><button type=\"submit\">");
    html_text(b, T(req, "Preview"));
    html_lit(b, "</button></p></form>");
}

static void import_page(struct http_request *req, struct http_response *res)
{
    heading(req, res, T(req, "Import devices"));
    import_intro(req, res, NULL);
    layout_end(req, res);
}

static void import_preview(struct http_request *req, struct strbuf *b, const struct device_import_result *r)
{
    html_lit(b, "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"");
    html_attr(b, T(req, "Preview"));
    html_lit(b, "\"><table><thead><tr><th scope=\"col\">");
    html_text(b, T(req, "Row"));
    const char *const heads[] = {N_("Model"), N_("Serial number"), N_("IMEI"), N_("Batch"), N_("Notes")};
    for (size_t c = 0; c < 5; c++) {
        html_lit(b, "</th><th scope=\"col\">");
        html_text(b, T(req, heads[c]));
    }
    html_lit(b, "</th></tr></thead><tbody>");
    for (size_t i = 0; i < r->nrows; i++) {
        html_lit(b, "<tr><td>");
        html_int(b, r->row_numbers[i]);
        html_lit(b, "</td>");
        cell(b, r->rows[i].model);
        cell(b, r->rows[i].serial);
        cell(b, r->rows[i].imei);
        cell(b, r->rows[i].batch);
        cell(b, r->rows[i].notes);
        html_lit(b, "</tr>");
    }
    html_lit(b, "</tbody></table></div>");
}

static void import_failed(struct http_request *req, struct http_response *res, const char *message,
                          const char *detail, const char *programme)
{
    res->status = 400;
    heading(req, res, T(req, "Import devices"));
    html_lit(&res->body, "<p class=\"error\" role=\"alert\">");
    html_text(&res->body, message);
    if (detail) {
        html_lit(&res->body, " ");
        html_text(&res->body, detail);
    }
    html_lit(&res->body, "</p>");
    import_intro(req, res, programme);
    layout_end(req, res);
}

/* As the institutions' import does: the file travels from the preview to the confirmation inside
 * the page (base64), so nothing is kept on the server and what is confirmed is what was previewed. */
static void import_post(struct http_request *req, struct http_response *res)
{
    const struct http_upload *up = http_upload_get(req, "file");
    const char *data = NULL, *format = NULL;
    const char *slug = nonempty(http_form(req, "programme"));
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
        import_failed(req, res, T(req, "Choose a CSV or XLSX file."), NULL, slug);
        return;
    }
    struct store *st = web_state(req)->store;
    struct err e;
    err_clear(&e);
    struct programme *p = NULL;
    if (slug && programme_find(st, req->arena, slug, &p, &e) < 0) {
        if (e.code != ERR_NOT_FOUND) {
            log_error("devices import: %s", e.msg);
            page_error(req, res, 503, NULL);
            return;
        }
        import_failed(req, res, T(req, "There is no programme at this address."), NULL, NULL);
        return;
    }
    struct sheet_book book;
    if (inst_read_table(req->arena, format, data, len, &book, &e) < 0) {
        import_failed(req, res, T(req, "The file could not be read as a spreadsheet:"), e.msg, slug);
        return;
    }
    struct device_import_result r;
    struct audit_actor by;
    web_audit_actor(req, &by);
    if (device_import(st, req->arena, &book, p ? p->id : NULL, !confirm, false, &by, &r, &e) < 0) {
        log_error("devices import: %s", e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    struct strbuf *b = &res->body;
    if (r.nerrors) res->status = 400;
    heading(req, res, T(req, "Import devices"));
    if (r.nerrors) {
        import_errors_table(req, b, r.errors, r.nerrors);
        import_intro(req, res, slug);
    } else if (r.imported) {
        html_lit(b, "<p class=\"notice\" role=\"status\">");
        html_text(b, arena_printf(req->arena, T(req, "Imported: %d devices, now in stock."), (int)r.nrows));
        html_lit(b, " <a href=\"/devices\">");
        html_text(b, T(req, "Back to the devices"));
        html_lit(b, "</a></p>");
    } else {
        html_lit(b, "<p>");
        html_text(b, arena_printf(req->arena, T(req, "No problems found. These %d devices would go into stock:"), (int)r.nrows));
        html_lit(b, "</p>");
        import_preview(req, b, &r);
        html_lit(b, "<form method=\"post\" action=\"/devices/import\">");
        access_csrf_field(req, res);
        size_t b64len = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
        char *b64 = arena_alloc(req->arena, b64len);
        sodium_bin2base64(b64, b64len, (const unsigned char *)data, len, sodium_base64_VARIANT_ORIGINAL);
        html_lit(b, "<input type=\"hidden\" name=\"format\" value=\"");
        html_attr(b, format);
        html_lit(b, "\"><input type=\"hidden\" name=\"programme\" value=\"");
        html_attr(b, slug ? slug : "");
        html_lit(b, "\"><input type=\"hidden\" name=\"data\" value=\"");
        html_attr(b, b64);
        html_lit(b, "\"><p><button type=\"submit\">");
        html_text(b, T(req, "Import them"));
        html_lit(b, "</button></p></form>");
    }
    layout_end(req, res);
}

/* --- allocation ------------------------------------------------------------------------------------ */

static void allocate_post(struct http_request *req, struct http_response *res)
{
    const char *slug = nonempty(http_form(req, "programme"));
    if (!slug) {
        page_error(req, res, 400, T(req, "Choose the programme to allocate for."));
        return;
    }
    struct store *st = web_state(req)->store;
    struct err e;
    err_clear(&e);
    struct programme *p;
    if (programme_find(st, req->arena, slug, &p, &e) < 0) {
        if (e.code == ERR_NOT_FOUND) page_error(req, res, 404, T(req, "There is no programme at this address."));
        else log_error("allocation: %s", e.msg), page_error(req, res, 503, NULL);
        return;
    }
    struct audit_actor by;
    web_audit_actor(req, &by);
    struct device_allocation r;
    if (device_allocate(st, req->arena, p->id, &by, &r, &e) < 0) {
        log_error("allocation %s: %s", slug, e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    struct strbuf *b = &res->body;
    heading(req, res, arena_printf(req->arena, T(req, "Allocation for %s"), p->name));
    if (!r.n) {
        html_lit(b, "<p role=\"status\">");
        html_text(b, T(req, "The programme has no pilot institutions yet (selected, invited or accepted): nothing was allocated."));
        html_lit(b, "</p>");
    } else {
        notice(b, arena_printf(req->arena, T(req, "Allocated: %lld devices, from %lld in stock."), (long long)r.allocated,
                               (long long)r.stock_before));
        if (r.short_by) alert(b, arena_printf(req->arena, T(req, "Stock was short by %lld devices: the institutions below marked short wait for the next delivery."),
                                              (long long)r.short_by));
        html_lit(b, "<table class=\"allocation\"><thead><tr><th scope=\"col\">");
        html_text(b, T(req, "Institution"));
        html_lit(b, "</th><th scope=\"col\" class=\"num\">");
        html_text(b, T(req, "Quota"));
        html_lit(b, "</th><th scope=\"col\" class=\"num\">");
        html_text(b, T(req, "Held before"));
        html_lit(b, "</th><th scope=\"col\" class=\"num\">");
        html_text(b, T(req, "Allocated now"));
        html_lit(b, "</th><th scope=\"col\" class=\"num\">");
        html_text(b, T(req, "Short by"));
        html_lit(b, "</th></tr></thead><tbody>");
        for (size_t i = 0; i < r.n; i++) {
            const struct device_allocation_line *l = &r.lines[i];
            html_lit(b, "<tr><td><a href=\"");
            html_url(b, arena_printf(req->arena, "/devices?institution=%s", l->institution_id));
            html_lit(b, "\">");
            html_text(b, l->name);
            html_lit(b, "</a></td><td class=\"num\">");
            html_int(b, l->quota);
            html_lit(b, "</td><td class=\"num\">");
            html_int(b, l->held);
            html_lit(b, "</td><td class=\"num\">");
            html_int(b, l->allocated);
            html_lit(b, "</td><td class=\"num\">");
            html_int(b, l->short_by);
            html_lit(b, "</td></tr>");
        }
        html_lit(b, "</tbody></table>");
    }
    html_lit(b, "<p><a href=\"/devices?state=allocated\">");
    html_text(b, T(req, "Back to the devices"));
    html_lit(b, "</a></p>");
    layout_end(req, res);
}

/* --- labels ---------------------------------------------------------------------------------------- */

/* Where a label's QR code points: the public address when the server was given one (it always is:
 * `serve` makes one from --listen), else the address the coordinator's browser used. */
static const char *device_url(struct http_request *req, const char *id)
{
    const char *base = access_public_url();
    if (!nonempty(base)) {
        const char *host = http_header_in(req, "Host");
        base = arena_printf(req->arena, "%s://%s", access_is_https(req) ? "https" : "http", host ? host : "localhost");
    }
    return arena_printf(req->arena, "%s/devices/%s", base, id);
}

static void labels_chooser(struct http_request *req, struct http_response *res)
{
    struct strbuf *b = &res->body;
    struct err e;
    err_clear(&e);
    const char **batches = NULL;
    size_t nb = 0, np = 0;
    struct device_place *places = NULL;
    if (device_batches(web_state(req)->store, req->arena, &batches, &nb, &e) < 0 ||
        device_institutions(web_state(req)->store, req->arena, &places, &np, &e) < 0) {
        log_error("labels: %s", e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    heading(req, res, T(req, "Print labels"));
    html_lit(b, "<p>");
    html_text(b, T(req, "A sheet of labels, 3 across and 8 down an A4 page, each with a QR code that opens the device's page. Choose the devices by batch or by institution."));
    html_lit(b, "</p><form class=\"card\" method=\"get\" action=\"/devices/labels\">");
    select_open(b, "batch", T(req, "Batch"));
    option(b, "", T(req, "Any"), NULL);
    for (size_t i = 0; i < nb; i++) option(b, batches[i], batches[i], NULL);
    html_lit(b, "</select></div>");
    select_open(b, "institution", T(req, "Institution"));
    option(b, "", T(req, "Any"), NULL);
    for (size_t i = 0; i < np; i++) option(b, places[i].id, places[i].name, NULL);
    html_lit(b, "</select></div><p><button type=\"submit\">");
    html_text(b, T(req, "Show the labels"));
    html_lit(b, "</button></p></form>");
    layout_end(req, res);
}

static void label(struct http_request *req, struct strbuf *b, const struct device *d)
{
    html_lit(b, "<div class=\"label\">");
    struct err e;
    err_clear(&e);
    if (qr_svg(b, device_url(req, d->id), arena_printf(req->arena, T(req, "QR code of device %s"), device_name(d)), &e) < 0)
        log_error("label of %s: %s", d->id, e.msg);
    html_lit(b, "<div><p class=\"model\">");
    html_text(b, d->model);
    html_lit(b, "</p><p><code>");
    html_text(b, device_name(d));
    html_lit(b, "</code></p>");
    if (d->serial && d->imei) {
        html_lit(b, "<p>");
        html_text(b, T(req, "IMEI"));
        html_lit(b, " <code>");
        html_text(b, d->imei);
        html_lit(b, "</code></p>");
    }
    if (d->batch) {
        html_lit(b, "<p>");
        html_text(b, d->batch);
        html_lit(b, "</p>");
    }
    html_lit(b, "</div></div>");
}

static void labels_page(struct http_request *req, struct http_response *res)
{
    const char *batch = nonempty(http_query(req, "batch")), *inst = nonempty(http_query(req, "institution"));
    const char *one = nonempty(http_query(req, "device"));
    if (!batch && !inst && !one) {
        labels_chooser(req, res);
        return;
    }
    int64_t page = 1;
    const char *asked = http_query(req, "page");
    if (asked && !str_to_int64(asked, 1, 100000, &page)) {
        page_error(req, res, 404, NULL);
        return;
    }
    struct store *st = web_state(req)->store;
    struct err e;
    err_clear(&e);
    struct device *list;
    size_t n;
    int64_t total;
    if (one) {
        list = arena_calloc(req->arena, 1, sizeof *list);
        int rc = device_get(st, req->arena, one, list, &e);
        if (rc == ERR_NOT_FOUND) {
            page_error(req, res, 404, NULL);
            return;
        }
        n = total = rc == 0;
        if (rc < 0) goto failed;
    } else {
        struct device_filter f = {.batch = batch, .institution_id = inst};
        if (device_list(st, req->arena, &f, (page - 1) * LABELS_PER_PAGE, LABELS_PER_PAGE, &list, &n, &total, &e) < 0)
            goto failed;
        if (page > 1 && !n) {
            page_error(req, res, 404, NULL);
            return;
        }
    }
    struct strbuf *b = &res->body;
    layout_begin(req, res, T(req, "Labels"), "devices");
    html_lit(b, "<div class=\"noprint\"><h1>");
    html_text(b, T(req, "Labels"));
    html_lit(b, "</h1><p>");
    html_text(b, arena_printf(req->arena, T(req, "Labels on this sheet: %d of %lld devices. Print it on A4 paper at 100 %% scale, without headers and footers."),
                              (int)n, (long long)total));
    html_lit(b, "</p>");
    if ((int64_t)(page * LABELS_PER_PAGE) < total) {
        html_lit(b, "<p><a rel=\"next\" href=\"");
        struct strbuf u;
        strbuf_init(&u, req->arena, 96);
        strbuf_puts(&u, "/devices/labels?");
        if (batch) strbuf_puts(&u, "batch="), str_url_encode(&u, batch), strbuf_putc(&u, '&');
        if (inst) strbuf_puts(&u, "institution="), str_url_encode(&u, inst), strbuf_putc(&u, '&');
        strbuf_printf(&u, "page=%lld", (long long)page + 1);
        html_url(b, u.data);
        html_lit(b, "\">");
        html_text(b, T(req, "The next labels"));
        html_lit(b, "</a></p>");
    }
    html_lit(b, "</div><div class=\"labels\">");
    for (size_t i = 0; i < n; i++) {
        if (i % LABELS_PER_SHEET == 0) html_lit(b, "<section class=\"sheet\">");
        label(req, b, &list[i]);
        if (i % LABELS_PER_SHEET == LABELS_PER_SHEET - 1 || i + 1 == n) html_lit(b, "</section>");
    }
    html_lit(b, "</div>");
    layout_end(req, res);
    return;
failed:
    log_error("labels: %s", e.msg);
    page_error(req, res, 503, NULL);
}

/* --- exports --------------------------------------------------------------------------------------- */

static int append_body(void *ctx, const void *data, size_t len)
{
    strbuf_append(ctx, data, len);
    return 0;
}

static void export_page(struct http_request *req, struct http_response *res, bool csv)
{
    bool ok;
    const char *scope = reader_scope(req, &ok);
    if (!ok) {
        not_linked(req, res);
        return;
    }
    struct list_query q;
    if (!read_filter(req, res, scope, &q)) return;
    struct err e;
    err_clear(&e);
    strbuf_reset(&res->body);
    int rc = csv ? device_export_csv(web_state(req)->store, &q.f, append_body, &res->body, &e)
                 : device_export_xlsx(web_state(req)->store, &q.f, append_body, &res->body, &e);
    if (rc < 0) {
        log_error("devices export: %s", e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    char now[32];
    time_format_iso(time_now_ms(), now, sizeof now);
    res->status = 200;
    res->content_type = csv ? "text/csv; charset=utf-8"
                            : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    http_set_header(res, "Content-Disposition",
                    arena_printf(req->arena, "attachment; filename=\"devices-%.10s.%s\"", now, csv ? "csv" : "xlsx"));
    http_set_header(res, "Cache-Control", "no-store");
}

static void export_csv(struct http_request *req, struct http_response *res) { export_page(req, res, true); }
static void export_xlsx(struct http_request *req, struct http_response *res) { export_page(req, res, false); }

/* --- deliveries ------------------------------------------------------------------------------------ */

struct delivery_input {
    const char *received; /* as typed */
    const char **arrived;
    size_t narrived;
    const char *note;
};

static void delivery_form(struct http_request *req, struct http_response *res, const char *inst_id,
                          const struct device *shipped, size_t n, const struct delivery_input *in)
{
    struct strbuf *b = &res->body;
    html_lit(b, "<p>");
    html_text(b, arena_printf(req->arena, T(req, "Devices shipped to you and not yet confirmed: %d. Count what arrived; if some did not, tick the ones that did, by the serial number on each device's label."),
                              (int)n));
    html_lit(b, "</p><form class=\"card\" method=\"post\" action=\"");
    html_url(b, arena_printf(req->arena, "/institutions/%s/delivery", inst_id));
    html_lit(b, "\">");
    access_csrf_field(req, res);
    html_lit(b, "<div class=\"field\"><label for=\"d-received\">");
    html_text(b, T(req, "How many arrived?"));
    html_lit(b, "</label><input id=\"d-received\" name=\"received\" type=\"number\" inputmode=\"numeric\" min=\"0\" max=\"");
    html_int(b, (int64_t)n);
    html_lit(b, "\" required value=\"");
    html_attr(b, in && in->received ? in->received : "");
    html_lit(b, "\"></div><fieldset><legend>");
    html_text(b, T(req, "Which arrived?"));
    html_lit(b, "</legend>");
    for (size_t i = 0; i < n; i++) {
        bool ticked = false;
        for (size_t k = 0; in && k < in->narrived; k++) ticked |= strcmp(in->arrived[k], shipped[i].id) == 0;
        html_lit(b, "<div class=\"choice\"><input type=\"checkbox\" name=\"arrived\" id=\"a-");
        html_attr(b, shipped[i].id);
        html_lit(b, "\" value=\"");
        html_attr(b, shipped[i].id);
        html_lit(b, "\"");
        if (ticked) html_lit(b, " checked");
        html_lit(b, "><label for=\"a-");
        html_attr(b, shipped[i].id);
        html_lit(b, "\">");
        html_text(b, shipped[i].model);
        html_lit(b, " · <code>");
        html_text(b, device_name(&shipped[i]));
        html_lit(b, "</code></label></div>");
    }
    html_lit(b, "</fieldset>");
    note_input(req, b, T(req, "Note: what was missing or damaged"), in ? in->note : NULL);
    html_lit(b, "<p><button type=\"submit\">");
    html_text(b, T(req, "Confirm the delivery"));
    html_lit(b, "</button></p></form>");
}

static void delivery_outcome(struct http_request *req, struct strbuf *b, const struct device_delivery *d)
{
    if (d->received == d->expected) {
        notice(b, arena_printf(req->arena, T(req, "Thank you: all %d devices arrived, and they are recorded as delivered."),
                               d->expected));
        return;
    }
    html_lit(b, "<div class=\"notice shortfall\" role=\"status\"><p>");
    html_text(b, arena_printf(req->arena, T(req, "%d of %d devices arrived."), d->received, d->expected));
    html_lit(b, " ");
    html_text(b, arena_printf(req->arena, T(req, "The coordinator has been told that %d are missing and will trace them; they stay recorded as shipped until then."),
                              d->expected - d->received));
    html_lit(b, "</p></div>");
}

static void deliveries_table(struct http_request *req, struct strbuf *b, const struct device_delivery *d, size_t n,
                             bool show_by)
{
    if (!n) return;
    html_lit(b, "<h2>");
    html_text(b, T(req, "Deliveries confirmed"));
    html_lit(b, "</h2><table class=\"deliveries\"><thead><tr><th scope=\"col\">");
    html_text(b, T(req, "When"));
    html_lit(b, "</th><th scope=\"col\" class=\"num\">");
    html_text(b, T(req, "Shipped"));
    html_lit(b, "</th><th scope=\"col\" class=\"num\">");
    html_text(b, T(req, "Arrived"));
    if (show_by) {
        html_lit(b, "</th><th scope=\"col\">");
        html_text(b, T(req, "By"));
    }
    html_lit(b, "</th><th scope=\"col\">");
    html_text(b, T(req, "Note"));
    html_lit(b, "</th></tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        html_lit(b, "<tr><td>");
        when(req, b, d[i].confirmed_at);
        html_lit(b, "</td><td class=\"num\">");
        html_int(b, d[i].expected);
        html_lit(b, "</td><td class=\"num\">");
        html_int(b, d[i].received);
        html_lit(b, "</td>");
        if (show_by) cell(b, d[i].confirmed_by);
        cell(b, d[i].note);
        html_lit(b, "</tr>");
    }
    html_lit(b, "</tbody></table>");
}

/* The delivery page of an institution; in (when given) is what the contact sent, and message why
 * it changed nothing. */
static void delivery_render(struct http_request *req, struct http_response *res, int status, const char *message,
                            const struct delivery_input *in)
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
    if (rc < 0) goto failed;
    /* The gate let institution contacts through; now that the institution is known, only their own. */
    if (!may_at(req, POLICY_DELIVERY_CONFIRM, inst.id)) {
        page_error(req, res, 403, NULL);
        return;
    }
    struct device *shipped;
    struct device_delivery *past;
    size_t n, npast;
    if (device_shipped_to(st, req->arena, inst.id, &shipped, &n, &e) < 0 ||
        device_deliveries(st, req->arena, inst.id, &past, &npast, &e) < 0)
        goto failed;
    struct strbuf *b = &res->body;
    if (status) res->status = status;
    heading(req, res, arena_printf(req->arena, T(req, "Delivery to %s"), inst.v[INST_NAME]));
    if (message) alert(b, message);
    const char *done = nonempty(http_query(req, "delivery"));
    struct device_delivery d;
    if (!message && done && device_delivery_get(st, req->arena, done, &d, &e) == 0 && strcmp(d.institution_id, inst.id) == 0)
        delivery_outcome(req, b, &d);
    if (n) {
        delivery_form(req, res, inst.id, shipped, n, in);
    } else {
        html_lit(b, "<p>");
        html_text(b, T(req, "Nothing shipped to you is waiting for your confirmation."));
        html_lit(b, "</p>");
    }
    deliveries_table(req, b, past, npast, may_manage(req));
    if (may_at(req, POLICY_DEVICES_VIEW, inst.id)) {
        html_lit(b, "<p><a href=\"");
        html_url(b, may_at(req, POLICY_DEVICES_VIEW, NULL) ? arena_printf(req->arena, "/devices?institution=%s", inst.id)
                                                           : "/devices");
        html_lit(b, "\">");
        html_text(b, T(req, "The institution's devices"));
        html_lit(b, "</a></p>");
    }
    layout_end(req, res);
    return;
failed:
    log_error("delivery %s: %s", id, e.msg);
    page_error(req, res, 503, NULL);
}

static void delivery_page(struct http_request *req, struct http_response *res)
{
    delivery_render(req, res, 0, NULL, NULL);
}

static void delivery_post(struct http_request *req, struct http_response *res)
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
    if (rc < 0) goto failed;
    if (!may_at(req, POLICY_DELIVERY_CONFIRM, inst.id)) {
        page_error(req, res, 403, NULL);
        return;
    }
    struct delivery_input in = {.received = http_form(req, "received"), .note = http_form(req, "note")};
    in.arrived = arena_calloc(req->arena, req->form.count + 1, sizeof *in.arrived);
    for (size_t i = 0; i < req->form.count; i++)
        if (strcmp(req->form.items[i].name, "arrived") == 0) in.arrived[in.narrived++] = req->form.items[i].value;
    struct device *shipped;
    size_t n;
    if (device_shipped_to(st, req->arena, inst.id, &shipped, &n, &e) < 0) goto failed;
    if (!n) {
        delivery_render(req, res, 409, T(req, "Nothing shipped to you is waiting for your confirmation."), NULL);
        return;
    }
    int64_t received = -1;
    if (!in.received || !str_to_int64(in.received, 0, 1000000, &received)) received = -1;
    const char *problem = device_delivery_problem((int)n, (int)received, in.narrived);
    if (!problem) problem = device_note_problem(in.note);
    if (problem) {
        delivery_render(req, res, 400, arena_printf(req->arena, T(req, problem), (int)n), &in);
        return;
    }
    struct audit_actor by;
    web_audit_actor(req, &by);
    const char *delivery_id;
    rc = device_delivery_confirm(st, req->arena, inst.id, (int)received, in.arrived, in.narrived, in.note, NULL, &by,
                                 &delivery_id, &e);
    if (rc == ERR_CONFLICT) {
        delivery_render(req, res, 409, T(req, "Nothing shipped to you is waiting for your confirmation."), NULL);
        return;
    }
    if (rc == ERR_INVALID) {
        /* Ticked devices that are not those shipped (a page left open while they changed): the
         * domain's sentence is a msgid. */
        delivery_render(req, res, 400, i18n_get(web_state(req)->lang, e.msg), &in);
        return;
    }
    if (rc < 0) goto failed;
    http_redirect(res, 303, arena_printf(req->arena, "/institutions/%s/delivery?delivery=%s", inst.id, delivery_id));
    return;
failed:
    log_error("delivery %s: %s", id, e.msg);
    page_error(req, res, 503, NULL);
}

void device_routes(struct router *r)
{
    router_add(r, HTTP_GET, "/devices", list_page);
    router_add(r, HTTP_GET, "/devices.csv", export_csv);
    router_add(r, HTTP_GET, "/devices.xlsx", export_xlsx);
    router_add(r, HTTP_GET, "/devices/import", import_page);
    router_add(r, HTTP_POST, "/devices/import", import_post);
    router_add(r, HTTP_POST, "/devices/allocate", allocate_post);
    router_add(r, HTTP_GET, "/devices/labels", labels_page);
    router_add(r, HTTP_GET, "/devices/{id}", detail_page);
    router_add(r, HTTP_POST, "/devices/{id}/move", move_post);
    router_add(r, HTTP_GET, "/institutions/{id}/delivery", delivery_page);
    router_add(r, HTTP_POST, "/institutions/{id}/delivery", delivery_post);
}

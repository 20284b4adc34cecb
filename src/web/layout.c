#include "web/layout.h"

#include "auth/policy.h"
#include "auth/principal.h"
#include "html/html.h"
#include "web/access.h"
#include "web/static_assets.h"
#include "web/web.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct nav_entry {
    const char *key;
    const char *href;
    const char *label; /* msgid */
    enum policy_action action; /* shown to the readers the policy lets follow it */
};

static const struct nav_entry nav[] = {
    {"home", "/", N_("Home"), POLICY_PUBLIC},
    {"forms", "/forms", N_("Forms"), POLICY_FORMS_LIST},
    {"programmes", "/programmes", N_("Programmes"), POLICY_PROGRAMMES_VIEW},
    {"institutions", "/institutions", N_("Institutions"), POLICY_INSTITUTIONS_LIST},
    {"devices", "/devices", N_("Devices"), POLICY_DEVICES_VIEW},
    {"training", "/training", N_("Training"), POLICY_TRAINING_VIEW},
};

/* Links to ?lang=xx, so that switching language keeps the reader on the same page. */
static void language_links(struct http_request *req, struct strbuf *b)
{
    const struct i18n_lang *current = web_state(req)->lang;
    html_lit(b, "<nav class=\"langs\" aria-label=\"");
    html_attr(b, T(req, "Language"));
    html_lit(b, "\"><ul>");
    /* The page's own query stays (a summary's question, say); only lang changes. Encoded once,
     * the same for every language. */
    struct strbuf keep;
    strbuf_init(&keep, req->arena, 64);
    for (size_t q = 0; q < req->query.count; q++) {
        if (strcmp(req->query.items[q].name, "lang") == 0) continue;
        str_url_encode(&keep, req->query.items[q].name);
        strbuf_putc(&keep, '=');
        str_url_encode(&keep, req->query.items[q].value);
        strbuf_putc(&keep, '&');
    }
    for (const struct i18n_lang *const *l = i18n_languages(); *l; l++) {
        /* A query-only link keeps the reader on this page; writing the path out would let a
         * request for "//elsewhere" turn the links into links to another site. */
        html_lit(b, "<li><a href=\"?");
        html_attr(b, keep.data);
        html_lit(b, "lang=");
        html_attr(b, (*l)->code);
        html_lit(b, "\" hreflang=\"");
        html_attr(b, (*l)->code);
        html_lit(b, "\" lang=\"");
        html_attr(b, (*l)->code);
        html_lit(b, "\"");
        if (*l == current) html_lit(b, " aria-current=\"true\"");
        html_lit(b, ">");
        html_text(b, (*l)->native_name);
        html_lit(b, "</a></li>");
    }
    html_lit(b, "</ul></nav>");
}

/* Who is reading: "Sign in", or their name, their pages and a sign-out button (a form, so that
 * signing out is a POST with the CSRF value and no link or image elsewhere can sign anyone out). */
static void account_links(struct http_request *req, struct http_response *res, const char *nav_current)
{
    struct strbuf *b = &res->body;
    const struct auth_principal *who = web_state(req)->who;
    html_lit(b, "<div class=\"account\">");
    if (!auth_signed_in(who) || who->via != AUTH_VIA_SESSION) {
        if (!nav_current || strcmp(nav_current, "signin") != 0) {
            html_lit(b, "<a href=\"/signin\">");
            html_text(b, T(req, "Sign in"));
            html_lit(b, "</a>");
        }
        html_lit(b, "</div>");
        return;
    }
    html_lit(b, "<a href=\"/account/tokens\"");
    if (nav_current && strcmp(nav_current, "account") == 0) html_lit(b, " aria-current=\"page\"");
    html_lit(b, "><span class=\"visually-hidden\">");
    html_text(b, T(req, "Signed in as"));
    html_lit(b, " </span>");
    html_text(b, who->display_name);
    html_lit(b, "</a>");
    if (policy_allows(who, POLICY_OUTBOX_VIEW, NULL)) {
        html_lit(b, " <a href=\"/admin/outbox\"");
        if (nav_current && strcmp(nav_current, "outbox") == 0) html_lit(b, " aria-current=\"page\"");
        html_lit(b, ">");
        html_text(b, T(req, "Outbox"));
        html_lit(b, "</a>");
    }
    if (policy_allows(who, POLICY_AUDIT_VIEW, NULL)) {
        html_lit(b, " <a href=\"/admin/audit\"");
        if (nav_current && strcmp(nav_current, "audit") == 0) html_lit(b, " aria-current=\"page\"");
        html_lit(b, ">");
        html_text(b, T(req, "Audit trail"));
        html_lit(b, "</a>");
    }
    if (policy_allows(who, POLICY_PRIVACY_MANAGE, NULL)) {
        html_lit(b, " <a href=\"/admin/privacy\"");
        if (nav_current && strcmp(nav_current, "privacy") == 0) html_lit(b, " aria-current=\"page\"");
        html_lit(b, ">");
        html_text(b, T(req, "Privacy"));
        html_lit(b, "</a>");
    }
    html_lit(b, " <form method=\"post\" action=\"/signout\">");
    access_csrf_field(req, res);
    html_lit(b, "<button type=\"submit\">");
    html_text(b, T(req, "Sign out"));
    html_lit(b, "</button></form></div>");
}

void layout_begin(struct http_request *req, struct http_response *res, const char *title,
                  const char *nav_current)
{
    struct strbuf *b = &res->body;
    const struct i18n_lang *lang = web_state(req)->lang;
    html_lit(b, "<!doctype html>\n<html lang=\"");
    html_attr(b, lang->code);
    html_lit(b, "\" dir=\"");
    html_lit_(b, lang->rtl ? "rtl" : "ltr", 3);
    html_lit(b, "\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>");
    html_text(b, title);
    /* An empty icon: without one every browser asks for /favicon.ico and logs the 404 as an error. */
    html_lit(b, " · edubridge</title><link rel=\"icon\" href=\"data:,\"><link rel=\"stylesheet\" href=\"");
    html_url(b, static_asset_url("app.css"));
    if (auth_signed_in(web_state(req)->who)) {
        /* The staff's pages (tables, labels, reports): never downloaded by respondents. */
        html_lit(b, "\"><link rel=\"stylesheet\" href=\"");
        html_url(b, static_asset_url("staff.css"));
    }
    html_lit(b, "\"></head><body><a class=\"skip\" href=\"#main\">");
    html_text(b, T(req, "Skip to content"));
    html_lit(b, "</a><header class=\"top\"><a class=\"brand\" href=\"/\">edubridge</a>"
                "<nav class=\"main\" aria-label=\"");
    html_attr(b, T(req, "Main"));
    html_lit(b, "\"><ul>");
    for (size_t i = 0; i < sizeof nav / sizeof nav[0]; i++) {
        if (!policy_allows(web_state(req)->who, nav[i].action, NULL)) continue;
        html_lit(b, "<li><a href=\"");
        html_url(b, nav[i].href);
        html_lit(b, "\"");
        if (nav_current && strcmp(nav_current, nav[i].key) == 0) html_lit(b, " aria-current=\"page\"");
        html_lit(b, ">");
        html_text(b, T(req, nav[i].label));
        html_lit(b, "</a></li>");
    }
    html_lit(b, "</ul></nav>");
    language_links(req, b);
    account_links(req, res, nav_current);
    html_lit(b, "</header><main id=\"main\" tabindex=\"-1\">");
}

void layout_end(struct http_request *req, struct http_response *res)
{
    struct strbuf *b = &res->body;
    html_lit(b, "</main><footer><p>edubridge " EDUBRIDGE_VERSION " · ");
    html_text(b, T(req, "Bridging the digital divide in education"));
    html_lit(b, " · <a href=\"/healthz\">");
    html_text(b, T(req, "Status"));
    html_lit(b, "</a></p></footer></body></html>\n");
}

void layout_date(struct http_request *req, struct strbuf *sb, const char *iso)
{
    static const char *const months[12] = {
        N_("January"), N_("February"), N_("March"),     N_("April"),   N_("May"),      N_("June"),
        N_("July"),    N_("August"),   N_("September"), N_("October"), N_("November"), N_("December"),
    };
    /* "YYYY-MM-DD" read by hand: sscanf costs more than the rest of the date on a hot page. */
    bool ok = iso && strlen(iso) >= 10 && iso[4] == '-' && iso[7] == '-';
    for (int i = 0; ok && i < 10; i++)
        if (i != 4 && i != 7 && (iso[i] < '0' || iso[i] > '9')) ok = false;
    int y = 0, m = 0, d = 0;
    if (ok) {
        y = (iso[0] - '0') * 1000 + (iso[1] - '0') * 100 + (iso[2] - '0') * 10 + (iso[3] - '0');
        m = (iso[5] - '0') * 10 + (iso[6] - '0');
        d = (iso[8] - '0') * 10 + (iso[9] - '0');
    }
    if (!ok || m < 1 || m > 12) {
        html_text(sb, iso ? iso : "");
        return;
    }
    /* Day, month, year reads right in English (UK), French, Spanish, German and Polish (whose
     * catalogue has the genitive month names); Spanish joins them with "de", German puts a
     * full stop after the day. A language that needs another order gets its own pattern here. */
    const char *code = web_state(req)->lang->code;
    html_int(sb, d);
    if (strcmp(code, "de") == 0) html_lit(sb, "."); /* "12. Januar 2026" */
    html_lit(sb, " ");
    if (strcmp(code, "es") == 0) html_lit(sb, "de ");
    html_text(sb, T(req, months[m - 1]));
    html_lit(sb, " ");
    if (strcmp(code, "es") == 0) html_lit(sb, "de ");
    html_int(sb, y);
}

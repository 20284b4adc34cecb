#include "web/admin_pages.h"

#include "auth/outbox.h"
#include "base/log.h"
#include "html/html.h"
#include "web/layout.h"
#include "web/pages.h"
#include "web/web.h"

#include <string.h>

enum { OUTBOX_PAGE_SIZE = 100 };

/* OUTBOX_VIEW (administrators): the messages hold live password-reset links. */
static void outbox_page(struct http_request *req, struct http_response *res)
{
    struct outbox_message *list;
    size_t n;
    struct err e;
    err_clear(&e);
    if (outbox_list(web_state(req)->store, req->arena, OUTBOX_PAGE_SIZE, &list, &n, &e) < 0) {
        log_error("outbox: %s", e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    struct strbuf *b = &res->body;
    layout_begin(req, res, T(req, "Outbox"), "outbox");
    html_lit(b, "<h1>");
    html_text(b, T(req, "Outbox"));
    html_lit(b, "</h1><p>");
    if (web_mail_sent())
        html_text(b, T(req, "The messages edubridge has written, newest first. They are sent by email: a message that could not be sent shows why, and is tried again later a few times."));
    else
        html_text(b, T(req, "The messages edubridge has written, newest first. No mail server is configured: pass on a message by hand when someone needs it."));
    html_lit(b, "</p>");
    if (!n) {
        html_lit(b, "<p>");
        html_text(b, T(req, "There are no messages."));
        html_lit(b, "</p>");
    }
    for (size_t i = 0; i < n; i++) {
        html_lit(b, "<article class=\"card\"><h2>");
        html_text(b, list[i].subject);
        html_lit(b, "</h2><p>");
        html_text(b, T(req, "To:"));
        html_lit(b, " ");
        html_text(b, list[i].to_addr);
        html_lit(b, " · <time datetime=\"");
        html_attr(b, list[i].created_at);
        html_lit(b, "\">");
        layout_date(req, b, list[i].created_at);
        html_lit(b, " ");
        /* "HH:MM UTC": the minute matters here (a link lives an hour). */
        char hm[6] = "";
        if (strlen(list[i].created_at) >= 16) memcpy(hm, list[i].created_at + 11, 5);
        html_text(b, hm);
        html_lit(b, " UTC</time> · ");
        if (list[i].sent_at) html_text(b, T(req, "sent"));
        else if (list[i].error) html_text(b, list[i].error);
        else html_text(b, T(req, "not sent"));
        html_lit(b, "</p><pre class=\"mail\">");
        html_text(b, list[i].body);
        html_lit(b, "</pre></article>");
    }
    layout_end(req, res);
}

void admin_routes(struct router *r)
{
    router_add(r, HTTP_GET, "/admin/outbox", outbox_page);
}

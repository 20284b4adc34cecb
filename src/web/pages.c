#include "web/pages.h"

#include "auth/policy.h"
#include "base/timeutil.h"
#include "html/html.h"
#include "program/programme.h"
#include "web/layout.h"
#include "web/register_pages.h"
#include "web/web.h"

#include <stdio.h>
#include <string.h>

/* The programme's phases as the home page explains them: what happens and who acts. */
static const struct {
    const char *title;
    const char *text;
} phase_intro[] = {
    {N_("Needs survey"),
     N_("A survey in many languages reaches schools, STEM clubs and education centres, on any phone or computer, even offline.")},
    {N_("Institution register and need index"),
     N_("Answers become a register of institutions with a transparent need index.")},
    {N_("Fair selection"),
     N_("A pilot group is selected under stated rules, and every choice is explained.")},
    {N_("Equipment"),
     N_("Tablets are allocated, shipped and tracked to the last serial number.")},
    {N_("Training and curricula"),
     N_("Teachers are trained, trainers train others, and curricula follow the needs found.")},
    {N_("Feedback and reports"),
     N_("Baseline and endline surveys show what changed; reports go to partners and ministries.")},
};

static void today_iso(char out[11])
{
    char buf[32];
    time_format_iso(time_now_ms(), buf, sizeof buf);
    memcpy(out, buf, 10);
    out[10] = '\0';
}

static void render_programme(struct http_request *req, struct strbuf *b, const struct programme *p)
{
    char today[11];
    today_iso(today);
    html_lit(b, "<section class=\"card\" aria-labelledby=\"p-");
    html_attr(b, p->slug);
    html_lit(b, "\"><h3 id=\"p-");
    html_attr(b, p->slug);
    html_lit(b, "\">");
    html_text(b, p->name);
    html_lit(b, "</h3>");
    if (p->is_demo) {
        html_lit(b, "<p class=\"tag\">");
        html_text(b, T(req, "Demo data"));
        html_lit(b, "</p>");
    }
    if (*p->summary) {
        html_lit(b, "<p>");
        html_text(b, p->summary);
        html_lit(b, "</p>");
    }
    html_lit(b, "<p>");
    strbuf_printf(b, T(req, "Pilot: %d institutions, %d devices each."), p->pilot_size,
                  p->devices_per_institution);
    html_lit(b, "</p>");
    if (!p->phase_count) {
        html_lit(b, "</section>");
        return;
    }
    html_lit(b, "<ol class=\"timeline\">");
    for (size_t i = 0; i < p->phase_count; i++) {
        const struct programme_phase *ph = &p->phases[i];
        const char *state, *state_class;
        if (strcmp(ph->ends_on, today) < 0) {
            state = T(req, "done");
            state_class = "done";
        } else if (strcmp(ph->starts_on, today) <= 0) {
            state = T(req, "in progress");
            state_class = "now";
        } else {
            state = T(req, "upcoming");
            state_class = "next";
        }
        html_lit(b, "<li class=\"");
        html_attr(b, state_class);
        html_lit(b, "\"><strong>");
        html_text(b, T(req, programme_phase_label(ph->kind)));
        html_lit(b, "</strong> <span>");
        layout_date(req, b, ph->starts_on);
        html_lit(b, " – ");
        layout_date(req, b, ph->ends_on);
        html_lit(b, "</span> <em>");
        html_text(b, state);
        html_lit(b, "</em></li>");
    }
    html_lit(b, "</ol></section>");
}

void page_home(struct http_request *req, struct http_response *res)
{
    struct strbuf *b = &res->body;
    struct programme *list = NULL;
    size_t count = 0;
    struct err e;
    err_clear(&e);
    int rc = programme_list(web_state(req)->store, req->arena, &list, &count, &e);

    layout_begin(req, res, T(req, "Home"), "home");
    html_lit(b, "<h1>");
    html_text(b, T(req, "Bridging the digital divide in education"));
    html_lit(b, "</h1><p class=\"lead\">");
    html_text(b, T(req, "edubridge runs a programme end to end: from a needs survey to equipped schools, trained teachers and a report that shows what changed."));
    html_lit(b, "</p>");
    register_home_link(req, b); /* an institution contact's way to their institution */
    html_lit(b, "<h2>");
    html_text(b, T(req, "Programmes"));
    html_lit(b, "</h2>");
    if (policy_allows(web_state(req)->who, POLICY_PROGRAMMES_MANAGE, NULL)) {
        html_lit(b, "<p><a href=\"/programmes\">");
        html_text(b, T(req, "Manage the programmes and their campaigns"));
        html_lit(b, "</a></p>");
    }
    if (rc < 0) {
        html_lit(b, "<p class=\"error\">");
        html_text(b, T(req, "The programmes cannot be read from the database right now."));
        html_lit(b, "</p>");
    } else if (count == 0) {
        html_lit(b, "<p>");
        html_text(b, T(req, "There is no programme yet. Load the demo programme with: edubridge demo"));
        html_lit(b, "</p>");
    }
    for (size_t i = 0; i < count; i++) render_programme(req, b, &list[i]);

    html_lit(b, "<h2>");
    html_text(b, T(req, "How a programme runs"));
    html_lit(b, "</h2><ol class=\"steps\">");
    for (size_t i = 0; i < sizeof phase_intro / sizeof phase_intro[0]; i++) {
        html_lit(b, "<li><strong>");
        html_text(b, T(req, phase_intro[i].title));
        html_lit(b, "</strong> ");
        html_text(b, T(req, phase_intro[i].text));
        html_lit(b, "</li>");
    }
    html_lit(b, "</ol>");
    layout_end(req, res);
}

static const char *status_sentence(struct http_request *req, int status)
{
    switch (status) {
    case 400: return T(req, "The request could not be understood.");
    case 403: return T(req, "You may not do this. Nothing was changed.");
    case 410: return T(req, "What was here is no longer available.");
    case 404: return T(req, "There is no page at this address.");
    case 405: return T(req, "This page does not accept that kind of request.");
    case 413: return T(req, "What was sent is too large.");
    case 503: return T(req, "The service is not available right now. Please try again in a moment.");
    default: return T(req, "Something went wrong on our side. Nothing was changed.");
    }
}

static const char *status_title(struct http_request *req, int status)
{
    switch (status) {
    case 400: return T(req, "Bad request");
    case 403: return T(req, "Access refused");
    case 410: return T(req, "Gone");
    case 404: return T(req, "Page not found");
    case 405: return T(req, "Not allowed");
    case 413: return T(req, "Too large");
    default: return T(req, "Error");
    }
}

void page_error(struct http_request *req, struct http_response *res, int status, const char *message)
{
    struct strbuf *b = &res->body;
    strbuf_reset(b);
    res->status = status;
    res->content_type = NULL;
    res->fixed_body = NULL;
    layout_begin(req, res, status_title(req, status), NULL);
    html_lit(b, "<h1>");
    html_text(b, status_title(req, status));
    html_lit(b, "</h1><p>");
    html_text(b, status_sentence(req, status));
    html_lit(b, "</p>");
    if (message && *message) {
        html_lit(b, "<p class=\"detail\">");
        html_text(b, message);
        html_lit(b, "</p>");
    }
    html_lit(b, "<p><a href=\"/\">");
    html_text(b, T(req, "Go to the home page"));
    html_lit(b, "</a></p>");
    layout_end(req, res);
}

void page_healthz(struct http_request *req, struct http_response *res)
{
    bool db_ok = store_ping(web_state(req)->store);
    res->status = db_ok ? 200 : 503;
    res->content_type = "application/json";
    res->compressible = false;
    strbuf_printf(&res->body, "{\"status\":\"%s\",\"version\":\"%s\",\"database\":\"%s\"}\n",
                  db_ok ? "ok" : "error", EDUBRIDGE_VERSION, db_ok ? "ok" : "error");
}

#include "web/survey.h"

#include "base/log.h"
#include "base/timeutil.h"
#include "forms/attachments.h"
#include "forms/form_store.h"
#include "forms/render.h"
#include "forms/revisions.h"
#include "forms/submissions.h"
#include "html/html.h"
#include "program/campaign.h"
#include "web/audit_pages.h"
#include "web/layout.h"
#include "web/pages.h"
#include "web/static_assets.h"
#include "web/web.h"

#include <stdlib.h>
#include <string.h>

/* --- parsed forms, cached per worker ---------------------------------------------------------- */

struct cached_form {
    int pins;             /* holders that keep it past their request (batched submissions) */
    char *version_id;
    struct arena arena;   /* owns form and pages */
    struct form *form;
    struct form_pages pages;
};

enum { CACHE_SIZE = 16 };

struct survey_cache {
    struct cached_form slots[CACHE_SIZE];
    size_t next;          /* round-robin eviction */
};

struct survey_cache *survey_cache_new(void)
{
    struct survey_cache *c = calloc(1, sizeof *c);
    if (!c) abort();
    return c;
}

static void slot_clear(struct cached_form *s)
{
    if (!s->version_id) return;
    free(s->version_id);
    arena_free(&s->arena);
    memset(s, 0, sizeof *s);
}

void survey_cache_free(struct survey_cache *c)
{
    if (!c) return;
    for (size_t i = 0; i < CACHE_SIZE; i++) slot_clear(&c->slots[i]);
    free(c);
}

/* The parsed form of a version, from the cache or built now. */
static struct cached_form *form_for_version(struct http_request *req, const char *version_id)
{
    struct survey_cache *c = web_state(req)->surveys;
    for (size_t i = 0; i < CACHE_SIZE; i++)
        if (c->slots[i].version_id && strcmp(c->slots[i].version_id, version_id) == 0) return &c->slots[i];
    struct cached_form *s = NULL;
    for (size_t tries = 0; tries < CACHE_SIZE && !s; tries++) {
        struct cached_form *cand = &c->slots[c->next];
        c->next = (c->next + 1) % CACHE_SIZE;
        if (!cand->pins) s = cand;
    }
    if (!s) return NULL; /* every slot held by a batch in progress: try again in a moment */
    slot_clear(s);
    arena_init(&s->arena, 64 * 1024);
    struct err e;
    err_clear(&e);
    if (form_store_load(web_state(req)->store, &s->arena, version_id, &s->form, &e) < 0) {
        log_error("form version %s: %s", version_id, e.msg);
        arena_free(&s->arena);
        return NULL;
    }
    form_pages_build(&s->arena, s->form, &s->pages);
    s->version_id = strdup(version_id);
    return s;
}

int survey_version(struct http_request *req, const char *version_id, struct survey_form *out)
{
    struct cached_form *cf = form_for_version(req, version_id);
    if (!cf) return ERR_INTERNAL;
    out->version_id = cf->version_id;
    out->version = cf->form->version;
    out->form = cf->form;
    out->pages = &cf->pages;
    out->slot = cf;
    return 0;
}

int survey_latest(struct http_request *req, const char *form_id, struct survey_form *out)
{
    struct err e;
    err_clear(&e);
    struct form_version_info info;
    int rc = form_store_latest(web_state(req)->store, req->arena, form_id, &info, &e);
    if (rc < 0) return e.code ? e.code : rc;
    struct cached_form *cf = form_for_version(req, info.id);
    if (!cf) return ERR_INTERNAL;
    out->version_id = info.id;
    out->version = info.version;
    out->form = cf->form;
    out->pages = &cf->pages;
    out->slot = cf;
    return 0;
}

void survey_form_pin(struct survey_form *sf)
{
    ((struct cached_form *)sf->slot)->pins++;
}

void survey_form_unpin(void *slot)
{
    ((struct cached_form *)slot)->pins--;
}

/* --- the respondent's session ------------------------------------------------------------------ */

struct visit {
    struct http_request *req;
    struct cached_form *cf;
    struct submission sub;
    struct answers *ans;
    struct engine en;
    const char *base;        /* "/s/FORM/r/TOKEN" */
};

static size_t form_lang(const struct form *f, const char *code)
{
    int i = form_language_index(f, code);
    return i >= 0 ? (size_t)i : f->default_lang;
}

/* The respondent's interface language: the form's language when the project speaks it. */
static const struct i18n_lang *ui_for(const struct form *f, size_t lang)
{
    const struct i18n_lang *l = i18n_find(f->languages[lang].code);
    return l ? l : i18n_default();
}

static bool open_visit(struct http_request *req, struct http_response *res, struct visit *v)
{
    memset(v, 0, sizeof *v);
    v->req = req;
    struct err e;
    err_clear(&e);
    const char *token = http_route(req, "token");
    const char *form_id = http_route(req, "form_id");
    if (submission_by_token(web_state(req)->store, req->arena, token, &v->sub, &e) < 0 ||
        strcmp(v->sub.form_id, form_id) != 0) {
        page_error(req, res, 404, T(req, "This answer set does not exist. Start again, or use your resume code."));
        return false;
    }
    v->cf = form_for_version(req, v->sub.form_version_id);
    if (!v->cf) {
        page_error(req, res, 500, NULL);
        return false;
    }
    v->ans = answers_from_json(req->arena, v->cf->form, v->sub.answers, strlen(v->sub.answers), false, &e);
    if (!v->ans) v->ans = answers_new(req->arena);
    const char *asked = http_query(req, "lang");
    if (asked && form_language_index(v->cf->form, asked) >= 0) v->sub.lang = asked;
    size_t lang = form_lang(v->cf->form, v->sub.lang);
    v->sub.lang = v->cf->form->languages[lang].code;
    engine_init(&v->en, v->cf->form, v->ans, req->arena, lang, ui_for(v->cf->form, lang));
    v->en.instance_id = v->sub.instance_id;
    web_state(req)->lang = v->en.ui;
    v->base = arena_printf(req->arena, "/s/%s/r/%s", v->sub.form_id, v->sub.token);
    return true;
}

static void survey_begin(struct visit *v, struct http_response *res, const char *page_title);
static void survey_end(struct visit *v, struct http_response *res);

/* --- a survey whose campaigns are closed (program/campaign.h: campaign_form_open) --------------- */

/* A translated sentence with one %s standing for a day, written as the reader writes dates. */
static void sentence_with_date(struct http_request *req, struct strbuf *b, const char *pattern, const char *iso)
{
    const char *at = strstr(pattern, "%s");
    if (!at) {
        html_text(b, pattern);
        return;
    }
    html_text(b, arena_strndup(req->arena, pattern, (size_t)(at - pattern)));
    layout_date(req, b, iso);
    html_text(b, at + 2);
}

/* True when the request has been answered because the form takes no answers today: the page
 * saying so (status: 200 for a page asked for, 409 for answers sent), or 503 when the campaigns
 * cannot be read. A draft stays as it is, and its resume code is on the page. */
static bool refuse_if_closed(struct visit *v, struct http_response *res, int status)
{
    struct http_request *req = v->req;
    char today[32];
    time_format_iso(time_now_ms(), today, sizeof today);
    today[10] = '\0'; /* the day in UTC, as campaigns count them */
    bool open;
    struct campaign_closure why;
    struct err e;
    err_clear(&e);
    if (campaign_form_open(web_state(req)->store, req->arena, v->cf->form->form_id, today, &open, &why, &e) < 0) {
        log_error("campaigns of %s: %s", v->cf->form->form_id, e.msg);
        page_error(req, res, 503, NULL);
        return true;
    }
    if (open) return false;
    const struct i18n_lang *ui = v->en.ui;
    struct strbuf *b = &res->body;
    res->status = status;
    survey_begin(v, res, i18n_get(ui, "This survey is closed"));
    html_lit(b, "<h1>");
    html_text(b, i18n_get(ui, "This survey is closed"));
    html_lit(b, "</h1><p>");
    html_text(b, i18n_get(ui, "It takes no answers now."));
    if (why.opens_on) {
        html_lit(b, " ");
        sentence_with_date(req, b, i18n_get(ui, "It opens on %s."), why.opens_on);
    } else if (why.closed_on) {
        html_lit(b, " ");
        sentence_with_date(req, b, i18n_get(ui, "It closed on %s."), why.closed_on);
    }
    html_lit(b, "</p>");
    if (why.programme) {
        html_lit(b, "<p>");
        html_text(b, arena_printf(req->arena, i18n_get(ui, "Campaign: %s (%s)."), why.campaign, why.programme));
        html_lit(b, "</p>");
    }
    if (v->sub.id) {
        html_lit(b, "<p>");
        html_text(b, i18n_get(ui, "Your answers so far are kept. When the survey opens again, continue where you left off with your resume code."));
        html_lit(b, "</p>");
    }
    survey_end(v, res);
    return true;
}

/* open_visit for the pages that change a draft: a submitted answer set goes to its thank-you page,
 * and a draft of a survey that takes no answers now to the page saying so (a coordinator's
 * correction goes on: it changes an answer set that was received when the survey was open). */
static bool open_draft(struct http_request *req, struct http_response *res, struct visit *v)
{
    if (!open_visit(req, res, v)) return false;
    if (strcmp(v->sub.status, "draft") == 0)
        return revision_is_correction(&v->sub) || !refuse_if_closed(v, res, req->method == HTTP_POST ? 409 : 200);
    http_redirect(res, 303, arena_printf(req->arena, "%s/done", v->base));
    return false;
}

static const char *page_url(struct arena *a, const char *base, const struct form_pages *pages,
                            struct form_pos pos)
{
    if ((size_t)pos.page >= pages->n) return arena_printf(a, "%s/review", base);
    return arena_printf(a, "%s/p/%d?i=%d%s", base, pos.page + 1, pos.instance, pos.ask_more ? "&more=1" : "");
}

static const char *pos_url(struct visit *v, struct form_pos pos)
{
    return page_url(v->req->arena, v->base, &v->cf->pages, pos);
}

static bool read_pos(struct http_request *req, struct visit *v, struct form_pos *pos)
{
    int64_t page, inst = 0;
    const char *i = http_query(req, "i");
    if (!i) i = http_form(req, "i");
    if (!str_to_int64(http_route(req, "page"), 1, (int64_t)v->cf->pages.n, &page)) return false;
    if (i && !str_to_int64(i, 0, 1000, &inst)) return false;
    const char *more = http_query(req, "more");
    if (!more) more = http_form(req, "more");
    pos->page = (int)page - 1;
    pos->instance = (int)inst;
    pos->ask_more = more && strcmp(more, "1") == 0;
    /* A page inside a repeat needs an instance that exists; outside, instance 0. */
    const struct form_page *pg = &v->cf->pages.pages[pos->page];
    if (!pg->repeat) return pos->instance == 0 && !pos->ask_more;
    return pos->instance >= 1 && pos->instance <= answers_repeat_count(v->ans, pg->repeat->name);
}

/* --- page frame for respondents ------------------------------------------------------------------ */

/* Respondents get a light frame: the form's title, its languages, no site navigation, so that a
 * page stays small on a 2G phone. */
static void survey_begin(struct visit *v, struct http_response *res, const char *page_title)
{
    struct strbuf *b = &res->body;
    const struct form *f = v->cf->form;
    const struct form_language *lang = &f->languages[v->en.lang];
    html_lit(b, "<!doctype html>\n<html lang=\"");
    /* A form written without language columns has the language "default": say the interface's. */
    html_attr(b, strcmp(lang->code, "default") == 0 ? v->en.ui->code : lang->code);
    html_lit(b, "\" dir=\"");
    html_lit_(b, lang->rtl ? "rtl" : "ltr", 3);
    html_lit(b, "\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>");
    html_text(b, page_title);
    html_lit(b, " · ");
    html_text(b, form_text(f, f->title, v->en.lang));
    html_lit(b, "</title><link rel=\"stylesheet\" href=\"");
    html_url(b, static_asset_url("app.css"));
    html_lit(b, "\"></head><body><a class=\"skip\" href=\"#main\">");
    html_text(b, i18n_get(v->en.ui, "Skip to content"));
    html_lit(b, "</a><header class=\"top\"><span class=\"brand\">");
    html_text(b, form_text(f, f->title, v->en.lang));
    html_lit(b, "</span>");
    if (f->nlang > 1) {
        html_lit(b, "<nav class=\"langs\" aria-label=\"");
        html_attr(b, i18n_get(v->en.ui, "Language"));
        html_lit(b, "\"><ul>");
        for (size_t i = 0; i < f->nlang; i++) {
            html_lit(b, "<li><a href=\"?");
            const char *q = http_query(v->req, "i");
            if (q) {
                html_lit(b, "i=");
                html_attr(b, q);
                html_lit(b, "&amp;");
            }
            if (http_query(v->req, "more")) html_lit(b, "more=1&amp;");
            html_lit(b, "lang=");
            html_attr(b, f->languages[i].code);
            html_lit(b, "\" lang=\"");
            html_attr(b, f->languages[i].code);
            html_lit(b, "\"");
            if (i == v->en.lang) html_lit(b, " aria-current=\"true\"");
            html_lit(b, ">");
            html_text(b, f->languages[i].name);
            html_lit(b, "</a></li>");
        }
        html_lit(b, "</ul></nav>");
    }
    html_lit(b, "</header><main id=\"main\" tabindex=\"-1\">");
}

static void survey_end(struct visit *v, struct http_response *res)
{
    struct strbuf *b = &res->body;
    html_lit(b, "</main>");
    if (v->sub.resume_code) {
        html_lit(b, "<footer><p>");
        html_text(b, i18n_get(v->en.ui, "Your resume code:"));
        html_lit(b, " <strong class=\"code\">");
        html_text(b, v->sub.resume_code);
        html_lit(b, "</strong>. ");
        html_text(b, i18n_get(v->en.ui, "Write it down to come back later, on any device."));
        html_lit(b, "</p></footer>");
    }
    html_lit(b, "</body></html>\n");
}

/* --- one page ---------------------------------------------------------------------------------- */

static void show_page(struct visit *v, struct http_response *res, struct form_pos pos,
                      const struct render_error *errors, size_t nerrors)
{
    struct strbuf *b = &res->body;
    const struct i18n_lang *ui = v->en.ui;
    const struct form_page *pg = &v->cf->pages.pages[pos.page];
    int index, total;
    form_pages_progress(&v->en, &v->cf->pages, pos, &index, &total);
    const char *title = arena_printf(v->req->arena, i18n_get(ui, "Page %d of %d"), index, total);
    if (nerrors) title = arena_printf(v->req->arena, "%s: %s", i18n_get(ui, "Error"), title);
    survey_begin(v, res, title);
    html_lit(b, "<p class=\"progress\"><label for=\"progress\">");
    html_text(b, arena_printf(v->req->arena, i18n_get(ui, "Page %d of %d"), index, total));
    html_lit(b, "</label> <progress id=\"progress\" max=\"");
    html_int(b, total);
    html_lit(b, "\" value=\"");
    html_int(b, index);
    html_lit(b, "\"></progress></p>");
    render_error_summary(b, &v->en, errors, nerrors);
    html_lit(b, "<form method=\"post\" action=\"");
    html_url(b, arena_printf(v->req->arena, "%s/p/%d", v->base, pos.page + 1));
    html_lit(b, "\"");
    for (size_t i = 0; !pos.ask_more && i < pg->n; i++) {
        if (pg->fields[i]->type == FT_IMAGE || pg->fields[i]->type == FT_FILE) {
            html_lit(b, " enctype=\"multipart/form-data\"");
            break;
        }
    }
    html_lit(b, " novalidate><input type=\"hidden\" name=\"i\" value=\"");
    html_int(b, pos.instance);
    html_lit(b, "\">");
    if (pos.ask_more) {
        const char *label = form_text(v->cf->form, pg->repeat->label, v->en.lang);
        html_lit(b, "<input type=\"hidden\" name=\"more\" value=\"1\"><fieldset><legend>");
        html_text(b, i18n_get(ui, "Add another?"));
        html_lit(b, " ");
        render_text(b, &v->en, label && *label ? label : pg->repeat->name, pos.instance);
        html_lit(b, "</legend><div class=\"choice\"><input type=\"radio\" id=\"more-yes\" name=\"add\" value=\"yes\">"
                    "<label for=\"more-yes\">");
        html_text(b, i18n_get(ui, "Yes, add another"));
        html_lit(b, "</label></div><div class=\"choice\"><input type=\"radio\" id=\"more-no\" name=\"add\" value=\"no\" checked>"
                    "<label for=\"more-no\">");
        html_text(b, i18n_get(ui, "No, go on"));
        html_lit(b, "</label></div></fieldset>");
    } else {
        render_page_fields(b, &v->en, pg, pos.instance, errors, nerrors);
    }
    html_lit(b, "<p class=\"actions\"><button type=\"submit\" name=\"go\" value=\"next\">");
    html_text(b, i18n_get(ui, "Next"));
    html_lit(b, "</button> <button type=\"submit\" name=\"go\" value=\"back\" class=\"secondary\">");
    html_text(b, i18n_get(ui, "Back"));
    html_lit(b, "</button> <button type=\"submit\" name=\"go\" value=\"save\" class=\"secondary\">");
    html_text(b, i18n_get(ui, "Save and continue later"));
    html_lit(b, "</button></p></form>");
    /* The optional script, only where it adds something: pages with a location question. */
    bool geo = false;
    for (size_t i = 0; !pos.ask_more && i < pg->n; i++)
        if (pg->fields[i]->type == FT_GEOPOINT && engine_relevant(&v->en, pg->fields[i], pos.instance)) geo = true;
    if (geo) {
        html_lit(b, "<script src=\"");
        html_url(b, static_asset_url("survey.js"));
        html_lit(b, "\" defer></script>");
    }
    survey_end(v, res);
}


/* Writes the draft; false (with an error page in res) when it could not be written. */
static bool save(struct visit *v, struct http_response *res, int page)
{
    struct strbuf json;
    strbuf_init(&json, v->req->arena, 1024);
    answers_to_json(v->cf->form, v->ans, &json);
    struct err e;
    err_clear(&e);
    if (submission_save_draft(web_state(v->req)->store, v->sub.id, json.data, page, v->sub.lang, &e) < 0) {
        log_error("saving draft %s: %s", v->sub.id, e.msg);
        page_error(v->req, res, e.code == ERR_CONFLICT ? 409 : 503, NULL);
        return false;
    }
    return true;
}

static const char *post_get(void *ctx, const char *name, size_t idx)
{
    const struct http_params *p = ctx;
    for (size_t i = 0; i < p->count; i++)
        if (strcmp(p->items[i].name, name) == 0 && idx-- == 0) return p->items[i].value;
    return NULL;
}

/* Files sent for the page's image and file questions: checked, kept with the draft, and named in
 * the answer. A refused file changes nothing and is reported beside its question. */
static size_t keep_uploads(struct visit *v, const struct form_page *pg, int instance, struct render_error *errors)
{
    size_t n = 0;
    for (size_t i = 0; i < pg->n; i++) {
        const struct form_field *fd = pg->fields[i];
        if (fd->type != FT_IMAGE && fd->type != FT_FILE) continue;
        if (!engine_relevant(&v->en, fd, instance)) continue;
        const struct http_upload *up = http_upload_get(v->req, render_field_id(v->req->arena, fd));
        if (!up || (!up->len && !*up->filename)) continue; /* nothing chosen: the earlier file stays */
        const char *type = NULL;
        const char *why = attachment_check(fd, up->data, up->len, &type);
        if (why) {
            errors[n++] = (struct render_error){fd, i18n_get(v->en.ui, why)};
            continue;
        }
        const char *name = attachment_clean_name(v->req->arena, up->filename);
        struct err e;
        err_clear(&e);
        if (attachment_put(web_state(v->req)->store, v->sub.id, fd->name, instance, name, type, up->data, up->len, &e) < 0) {
            log_error("keeping a file for %s: %s", v->sub.id, e.msg);
            errors[n++] = (struct render_error){fd, i18n_get(v->en.ui, N_("The file could not be kept. Please try again."))};
            continue;
        }
        answers_set(v->ans, fd->name, instance, name);
    }
    return n;
}

static void handle_page_get(struct http_request *req, struct http_response *res)
{
    struct visit v;
    if (!open_draft(req, res, &v)) return;
    struct form_pos pos;
    if (!read_pos(req, &v, &pos)) {
        page_error(req, res, 404, NULL);
        return;
    }
    engine_apply_defaults(&v.en);
    engine_calculate(&v.en);
    show_page(&v, res, pos, NULL, 0);
}

static void handle_page_post(struct http_request *req, struct http_response *res)
{
    struct visit v;
    if (!open_draft(req, res, &v)) return;
    struct form_pos pos;
    if (!read_pos(req, &v, &pos)) {
        page_error(req, res, 400, T(req, "This page does not belong to this answer set."));
        return;
    }
    const char *go = http_form(req, "go");
    if (!go) go = "next";
    const struct form_page *pg = &v.cf->pages.pages[pos.page];
    engine_apply_defaults(&v.en);
    if (!pos.ask_more) render_read_post(&v.en, pg, pos.instance, post_get, &req->form);
    struct render_error *upload_errors = arena_alloc(req->arena, (pg->n + 1) * sizeof *upload_errors);
    size_t nupload_errors = pos.ask_more ? 0 : keep_uploads(&v, pg, pos.instance, upload_errors);
    engine_calculate(&v.en);

    /* Where the respondent goes next; the draft is written once, with the page to come back to. */
    const char *location;
    int saved_page = pos.page;
    if (strcmp(go, "back") == 0) {
        bool found;
        struct form_pos prev = form_pages_prev(&v.en, &v.cf->pages, pos, &found);
        location = found ? pos_url(&v, prev) : arena_printf(req->arena, "/s/%s", v.sub.form_id);
        /* Before the first page of a correction lies the submission it corrects, not the intro. */
        struct revision r;
        struct err e;
        if (!found && revision_is_correction(&v.sub) &&
            revision_get(web_state(req)->store, req->arena, v.sub.id, &r, &e) == 0 && r.supersedes)
            location = arena_printf(req->arena, "/forms/%s/submissions/%s", v.sub.form_id, r.supersedes);
    } else if (strcmp(go, "save") == 0) {
        location = arena_printf(req->arena, "%s/saved", v.base);
    } else {
        /* Next: the page's answers must be acceptable first; the input is kept either way. */
        struct render_error *errors = arena_alloc(req->arena, (pg->n + 1) * sizeof *errors);
        size_t nerrors = 0;
        for (size_t i = 0; !pos.ask_more && i < pg->n; i++) {
            const char *m = NULL;
            for (size_t k = 0; k < nupload_errors; k++)
                if (upload_errors[k].field == pg->fields[i]) m = upload_errors[k].message;
            if (!m) m = engine_check(&v.en, pg->fields[i], pos.instance);
            if (m) errors[nerrors++] = (struct render_error){pg->fields[i], m};
        }
        if (nerrors) {
            if (!save(&v, res, pos.page)) return;
            res->status = 422;
            show_page(&v, res, pos, errors, nerrors);
            return;
        }
        const char *add = http_form(req, "add");
        struct form_pos next = form_pages_next(&v.en, &v.cf->pages, pos, add && strcmp(add, "yes") == 0);
        location = pos_url(&v, next);
        saved_page = next.page;
    }
    if (!save(&v, res, saved_page)) return;
    http_redirect(res, 303, location);
}

/* --- start, resume, review, submit ------------------------------------------------------------- */

/* The latest version of the form named in the address, parsed; NULL with an error page in res. */
static struct cached_form *latest_form(struct http_request *req, struct http_response *res,
                                       const char **version_id)
{
    struct survey_form sf;
    int rc = survey_latest(req, http_route(req, "form_id"), &sf);
    if (rc < 0) {
        page_error(req, res, rc == ERR_NOT_FOUND ? 404 : rc == ERR_INTERNAL ? 500 : 503, NULL);
        return NULL;
    }
    *version_id = sf.version_id;
    return sf.slot;
}

static void handle_intro(struct http_request *req, struct http_response *res)
{
    const char *version_id, *form_id = http_route(req, "form_id");
    struct cached_form *cf = latest_form(req, res, &version_id);
    if (!cf) return;
    struct visit v = {.req = req, .cf = cf};
    const char *asked = http_query(req, "lang");
    if (!asked) asked = http_cookie(req, "lang");
    size_t lang = form_lang(cf->form, asked ? asked : web_state(req)->lang->code);
    v.sub.lang = cf->form->languages[lang].code;
    v.ans = answers_new(req->arena);
    engine_init(&v.en, cf->form, v.ans, req->arena, lang, ui_for(cf->form, lang));
    web_state(req)->lang = v.en.ui;
    if (refuse_if_closed(&v, res, 200)) return;
    const struct i18n_lang *ui = v.en.ui;
    struct strbuf *b = &res->body;
    survey_begin(&v, res, form_text(cf->form, cf->form->title, lang));
    html_lit(b, "<h1>");
    html_text(b, form_text(cf->form, cf->form->title, lang));
    html_lit(b, "</h1><p>");
    html_text(b, i18n_get(ui, "Your answers are saved as you go. You can stop at any time and come back with a resume code."));
    html_lit(b, "</p><form method=\"post\" action=\"");
    html_url(b, arena_printf(req->arena, "/s/%s/start", form_id));
    html_lit(b, "\"><input type=\"hidden\" name=\"lang\" value=\"");
    html_attr(b, v.sub.lang);
    html_lit(b, "\"><button type=\"submit\">");
    html_text(b, i18n_get(ui, "Start"));
    html_lit(b, "</button></form><h2>");
    html_text(b, i18n_get(ui, "Continue where you left off"));
    html_lit(b, "</h2><form method=\"post\" action=\"");
    html_url(b, arena_printf(req->arena, "/s/%s/resume", form_id));
    html_lit(b, "\"><div class=\"field\"><label for=\"code\">");
    html_text(b, i18n_get(ui, "Resume code"));
    html_lit(b, "</label><p class=\"hint\" id=\"code-hint\">");
    html_text(b, i18n_get(ui, "Eight letters and digits, such as 7KQ2-M4XD."));
    html_lit(b, "</p><input type=\"text\" id=\"code\" name=\"code\" autocomplete=\"off\" aria-describedby=\"code-hint\" "
                "autocapitalize=\"characters\" spellcheck=\"false\"></div><button type=\"submit\" class=\"secondary\">");
    html_text(b, i18n_get(ui, "Continue"));
    html_lit(b, "</button></form>");
    survey_end(&v, res);
}

static void handle_start(struct http_request *req, struct http_response *res)
{
    const char *version_id, *form_id = http_route(req, "form_id");
    struct cached_form *cf = latest_form(req, res, &version_id);
    if (!cf) return;
    struct err e;
    err_clear(&e);
    size_t li = form_lang(cf->form, http_form(req, "lang"));
    const char *lang = cf->form->languages[li].code;
    struct visit closed = {.req = req, .cf = cf, .ans = answers_new(req->arena)};
    engine_init(&closed.en, cf->form, closed.ans, req->arena, li, ui_for(cf->form, li));
    web_state(req)->lang = closed.en.ui;
    if (refuse_if_closed(&closed, res, 409)) return; /* no draft is made */
    struct submission sub;
    if (submission_create_draft(web_state(req)->store, req->arena, form_id, version_id, lang, &sub, &e) < 0) {
        log_error("new draft for %s: %s", form_id, e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    struct visit v = {.req = req, .cf = cf, .sub = sub};
    v.ans = answers_new(req->arena);
    engine_init(&v.en, cf->form, v.ans, req->arena, form_lang(cf->form, lang), NULL);
    v.en.instance_id = sub.instance_id;
    v.base = arena_printf(req->arena, "/s/%s/r/%s", form_id, sub.token);
    engine_apply_defaults(&v.en);
    engine_calculate(&v.en);
    struct form_pos first = form_pages_first(&v.en, &cf->pages);
    if (!save(&v, res, first.page)) return;
    http_redirect(res, 303, pos_url(&v, first));
}

static void handle_resume(struct http_request *req, struct http_response *res)
{
    const char *form_id = http_route(req, "form_id");
    const char *code = submission_normalise_code(req->arena, http_form(req, "code"));
    struct submission sub;
    struct err e;
    err_clear(&e);
    if (!code || submission_by_resume_code(web_state(req)->store, req->arena, form_id, code, &sub, &e) < 0) {
        res->status = 404;
        page_error(req, res, 404, T(req, "No unfinished answers have this resume code. Check the code, or start again."));
        return;
    }
    http_redirect(res, 303, arena_printf(req->arena, "/s/%s/r/%s", form_id, sub.token));
}

static void handle_continue(struct http_request *req, struct http_response *res)
{
    struct visit v;
    if (!open_draft(req, res, &v)) return;
    /* Back to the saved page when it still applies, else to the first one. */
    engine_calculate(&v.en);
    struct form_pos pos = {v.sub.page, 0, false};
    if ((size_t)pos.page < v.cf->pages.n && v.cf->pages.pages[pos.page].repeat) pos.instance = 1;
    if ((size_t)pos.page >= v.cf->pages.n || !form_page_applies(&v.en, &v.cf->pages.pages[pos.page], pos.instance))
        pos = form_pages_first(&v.en, &v.cf->pages);
    http_redirect(res, 303, pos_url(&v, pos));
}

static void handle_saved(struct http_request *req, struct http_response *res)
{
    struct visit v;
    if (!open_visit(req, res, &v)) return;
    struct strbuf *b = &res->body;
    survey_begin(&v, res, i18n_get(v.en.ui, "Your answers are saved"));
    html_lit(b, "<h1>");
    html_text(b, i18n_get(v.en.ui, "Your answers are saved"));
    html_lit(b, "</h1><p>");
    html_text(b, i18n_get(v.en.ui, "To continue later, open this survey again and enter your resume code:"));
    html_lit(b, "</p><p class=\"code\"><strong>");
    html_text(b, v.sub.resume_code ? v.sub.resume_code : "");
    html_lit(b, "</strong></p><p><a href=\"");
    html_url(b, arena_printf(req->arena, "%s", v.base));
    html_lit(b, "\">");
    html_text(b, i18n_get(v.en.ui, "Continue now"));
    html_lit(b, "</a></p>");
    survey_end(&v, res);
}

void survey_render_answers(struct strbuf *b, struct engine *en, const struct form_pages *pages,
                           const char *base)
{
    const struct form *f = en->form;
    html_lit(b, "<dl class=\"review\">");
    for (size_t i = 0; i < f->nfields; i++) {
        const struct form_field *fd = &f->fields[i];
        if (!form_type_is_input(fd->type)) continue;
        int first = form_field_repeat(fd) ? 1 : 0;
        int last = first ? answers_repeat_count(en->ans, form_field_repeat(fd)->name) : 0;
        for (int k = first; k <= last; k++) {
            if (!engine_relevant(en, fd, k)) continue;
            html_lit(b, "<div><dt>");
            render_text(b, en, form_text(f, fd->label, en->lang), k);
            if (fd->other_of) { /* "Specify other." alone does not say of which question */
                html_lit(b, " (");
                render_text(b, en, form_text(f, fd->other_of->label, en->lang), k);
                html_lit(b, ")");
            }
            if (k) strbuf_printf(b, " (%d)", k);
            html_lit(b, "</dt><dd>");
            render_answer(b, en, fd, k);
            if (base) {
                html_lit(b, " <a href=\"");
                html_url(b, page_url(en->a, base, pages, form_pages_find(pages, fd, k)));
                html_lit(b, "\">");
                html_text(b, i18n_get(en->ui, "Change"));
                html_lit(b, "<span class=\"visually-hidden\"> ");
                render_text(b, en, form_text(f, fd->label, en->lang), k);
                html_lit(b, "</span></a>");
            }
            html_lit(b, "</dd></div>");
        }
    }
    html_lit(b, "</dl>");
}

static void show_review(struct visit *v, struct http_response *res, const struct engine_problem *problems,
                        size_t nproblems)
{
    struct strbuf *b = &res->body;
    const struct i18n_lang *ui = v->en.ui;
    /* A correction (revisions.h) goes through the same pages, saying what it is. */
    bool correction = revision_is_correction(&v->sub);
    const char *heading = correction ? i18n_get(ui, "Check the corrected answers") : i18n_get(ui, "Check your answers");
    survey_begin(v, res, heading);
    struct render_error *errors = arena_alloc(v->req->arena, (nproblems + 1) * sizeof *errors);
    for (size_t i = 0; i < nproblems; i++) errors[i] = (struct render_error){problems[i].field, problems[i].message};
    if (nproblems) {
        html_lit(b, "<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\"><h2>");
        html_text(b, i18n_get(ui, "There is a problem"));
        html_lit(b, "</h2><ul>");
        for (size_t i = 0; i < nproblems; i++) {
            struct form_pos pos = form_pages_find(&v->cf->pages, problems[i].field, problems[i].instance);
            html_lit(b, "<li><a href=\"");
            html_url(b, pos_url(v, pos));
            html_lit(b, "\">");
            render_text(b, &v->en, form_text(v->cf->form, problems[i].field->label, v->en.lang), problems[i].instance);
            html_lit(b, ": ");
            html_text(b, problems[i].message);
            html_lit(b, "</a></li>");
        }
        html_lit(b, "</ul></div>");
    }
    html_lit(b, "<h1>");
    html_text(b, heading);
    html_lit(b, "</h1>");
    if (correction) {
        html_lit(b, "<p>");
        html_text(b, i18n_get(ui, "Saving makes a new revision of the submission; the earlier one is kept."));
        html_lit(b, "</p>");
    }
    survey_render_answers(b, &v->en, &v->cf->pages, v->base);
    html_lit(b, "<form method=\"post\" action=\"");
    html_url(b, arena_printf(v->req->arena, "%s/submit", v->base));
    html_lit(b, "\"><button type=\"submit\">");
    html_text(b, correction ? i18n_get(ui, "Save the correction") : i18n_get(ui, "Send my answers"));
    html_lit(b, "</button></form>");
    survey_end(v, res);
}

static void handle_review(struct http_request *req, struct http_response *res)
{
    struct visit v;
    if (!open_draft(req, res, &v)) return;
    engine_calculate(&v.en);
    show_review(&v, res, NULL, 0);
}

/* The submission page of a revision, for coordinators (web/submission_pages.c). */
static const char *submission_page(struct visit *v, const char *id)
{
    return arena_printf(v->req->arena, "/forms/%s/submissions/%s", v->sub.form_id, id);
}

/* A correction draft becomes the new revision. When the submission was corrected by someone else
 * since this correction began, nothing is saved and the draft stays as it is: the page says so
 * and links to the current revision. */
static void submit_correction(struct visit *v, struct http_response *res)
{
    struct http_request *req = v->req;
    struct store *st = web_state(req)->store;
    struct err e;
    err_clear(&e);
    struct audit_actor by;
    web_audit_actor(req, &by);
    int rc = revision_submit_correction(st, req->arena, v->cf->form, v->sub.id, v->ans, &by, &e);
    if (rc == 0) {
        http_redirect(res, 303, arena_printf(req->arena, "%s/done", v->base));
        return;
    }
    if (rc != ERR_CONFLICT) {
        log_error("submitting correction %s: %s", v->sub.id, e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    struct revision mine;
    err_clear(&e);
    const char *current = NULL;
    if (revision_get(st, req->arena, v->sub.id, &mine, &e) == 0) current = mine.current_id;
    struct strbuf *b = &res->body;
    res->status = 409;
    survey_begin(v, res, i18n_get(v->en.ui, "This submission was corrected meanwhile"));
    html_lit(b, "<h1>");
    html_text(b, i18n_get(v->en.ui, "This submission was corrected meanwhile"));
    html_lit(b, "</h1><p>");
    html_text(b, i18n_get(v->en.ui, "Someone else saved a correction of this submission after you began yours, so yours was not saved: it would have overwritten theirs. Your corrected answers are kept here as a draft."));
    html_lit(b, "</p><ul>");
    if (current) {
        html_lit(b, "<li><a href=\"");
        html_url(b, submission_page(v, current));
        html_lit(b, "\">");
        html_text(b, i18n_get(v->en.ui, "See the current revision, and correct it if needed"));
        html_lit(b, "</a></li>");
    }
    html_lit(b, "<li><a href=\"");
    html_url(b, arena_printf(req->arena, "%s/review", v->base));
    html_lit(b, "\">");
    html_text(b, i18n_get(v->en.ui, "Back to your corrected answers"));
    html_lit(b, "</a></li></ul>");
    survey_end(v, res);
}

static void handle_submit(struct http_request *req, struct http_response *res)
{
    struct visit v;
    if (!open_draft(req, res, &v)) return;
    engine_apply_defaults(&v.en);
    engine_calculate(&v.en);
    engine_clear_irrelevant(&v.en);
    struct engine_problem *problems;
    size_t n = engine_check_all(&v.en, &problems);
    if (n) {
        res->status = 422;
        show_review(&v, res, problems, n);
        return;
    }
    struct err e;
    err_clear(&e);
    if (revision_is_correction(&v.sub)) {
        submit_correction(&v, res);
        return;
    }
    /* The thank-you page is only reached once this commit has returned: the answers are on disk. */
    if (submission_submit(web_state(req)->store, v.cf->form, v.sub.id, v.ans, &e) < 0) {
        log_error("submitting %s: %s", v.sub.id, e.msg);
        page_error(req, res, 503, NULL);
        return;
    }
    http_redirect(res, 303, arena_printf(req->arena, "%s/done", v.base));
}

static void handle_done(struct http_request *req, struct http_response *res)
{
    struct visit v;
    if (!open_visit(req, res, &v)) return;
    if (strcmp(v.sub.status, "submitted") != 0) {
        http_redirect(res, 303, arena_printf(req->arena, "%s/review", v.base));
        return;
    }
    struct strbuf *b = &res->body;
    v.sub.resume_code = NULL;
    if (revision_is_correction(&v.sub)) {
        survey_begin(&v, res, i18n_get(v.en.ui, "Correction saved"));
        html_lit(b, "<h1>");
        html_text(b, i18n_get(v.en.ui, "Correction saved"));
        html_lit(b, "</h1><p>");
        html_text(b, arena_printf(req->arena, i18n_get(v.en.ui, "The corrected answers are saved as revision %d of the submission."),
                                  v.sub.revision));
        html_lit(b, "</p><p><a href=\"");
        html_url(b, submission_page(&v, v.sub.id));
        html_lit(b, "\">");
        html_text(b, i18n_get(v.en.ui, "Back to the submission"));
        html_lit(b, "</a></p>");
        survey_end(&v, res);
        return;
    }
    survey_begin(&v, res, i18n_get(v.en.ui, "Thank you"));
    html_lit(b, "<h1>");
    html_text(b, i18n_get(v.en.ui, "Thank you"));
    html_lit(b, "</h1><p>");
    html_text(b, i18n_get(v.en.ui, "Your answers have been received and saved."));
    html_lit(b, "</p><p class=\"hint\">");
    html_text(b, i18n_get(v.en.ui, "Reference:"));
    html_lit(b, " ");
    html_text(b, v.sub.instance_id);
    html_lit(b, "</p>");
    survey_end(&v, res);
}

void survey_routes(struct router *r)
{
    router_add(r, HTTP_GET, "/s/{form_id}", handle_intro);
    router_add(r, HTTP_POST, "/s/{form_id}/start", handle_start);
    router_add(r, HTTP_POST, "/s/{form_id}/resume", handle_resume);
    router_add(r, HTTP_GET, "/s/{form_id}/r/{token}", handle_continue);
    router_add(r, HTTP_GET, "/s/{form_id}/r/{token}/p/{page}", handle_page_get);
    router_add(r, HTTP_POST, "/s/{form_id}/r/{token}/p/{page}", handle_page_post);
    router_add(r, HTTP_GET, "/s/{form_id}/r/{token}/saved", handle_saved);
    router_add(r, HTTP_GET, "/s/{form_id}/r/{token}/review", handle_review);
    router_add(r, HTTP_POST, "/s/{form_id}/r/{token}/submit", handle_submit);
    router_add(r, HTTP_GET, "/s/{form_id}/r/{token}/done", handle_done);
}

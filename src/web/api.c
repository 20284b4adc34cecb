#include "web/api.h"

#include "http/server.h"

#include "base/log.h"
#include "base/timeutil.h"
#include "forms/engine.h"
#include "forms/form_json.h"
#include "forms/form_store.h"
#include "forms/revisions.h"
#include "forms/submissions.h"
#include "program/campaign.h"
#include "web/access.h"
#include "web/audit_pages.h"
#include "web/survey.h"
#include "web/web.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void send_json(struct http_response *res, int status, json_t *doc)
{
    res->status = status;
    res->content_type = "application/json";
    strbuf_reset(&res->body);
    char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (text) {
        strbuf_puts(&res->body, text);
        strbuf_putc(&res->body, '\n');
        free(text);
    }
    json_decref(doc);
}

static void send_error(struct http_response *res, int status, const char *message)
{
    send_json(res, status, json_pack("{s:s}", "error", message));
}

static void api_forms(struct http_request *req, struct http_response *res)
{
    struct form_version_info *forms;
    size_t n;
    struct err e;
    err_clear(&e);
    if (form_store_list(web_state(req)->store, req->arena, &forms, &n, &e) < 0) {
        send_error(res, 503, "the forms cannot be read right now");
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(arr, json_pack("{s:s, s:s, s:i, s:s, s:s, s:s}", "form_id", forms[i].form_id,
                                             "version", forms[i].version, "version_number", forms[i].seq,
                                             "title", forms[i].title, "created_at", forms[i].created_at,
                                             "url", arena_printf(req->arena, "/s/%s", forms[i].form_id)));
    }
    send_json(res, 200, json_pack("{s:o}", "forms", arr));
}

static bool latest_or_error(struct http_request *req, struct http_response *res, struct survey_form *sf)
{
    int rc = survey_latest(req, http_route(req, "form_id"), sf);
    if (rc == ERR_NOT_FOUND) send_error(res, 404, "there is no form with this form_id");
    else if (rc < 0) send_error(res, 503, "the form cannot be read right now");
    return rc == 0;
}

static void api_form(struct http_request *req, struct http_response *res)
{
    struct survey_form sf;
    if (!latest_or_error(req, res, &sf)) return;
    res->content_type = "application/json";
    form_to_json(sf.form, &res->body);
    strbuf_putc(&res->body, '\n');
}

static void batch_add(struct http_request *req, struct survey_form *sf, const char *lang, const char *json);

/* The body's answers judged as the survey pages judge them, with defaults and calculations filled
 * and answers to questions that do not apply dropped; NULL with the 422 sent when they are not
 * acceptable. instance_id: the answer set's, for a correction (NULL for a new one). *lang: the
 * form language of the messages (?lang=). */
static struct answers *judged_answers(struct http_request *req, struct http_response *res, const struct form *f,
                                      const char *instance_id, size_t *lang)
{
    struct err e;
    err_clear(&e);
    struct answers *ans = answers_from_json(req->arena, f, req->body, req->body_len, true, &e);
    if (!ans) {
        /* A broken or unknown-field body is judged like any other bad answer: 422, naming it. */
        json_t *errors = json_array();
        const char *colon = strstr(e.msg, ": ");
        json_array_append_new(errors, json_pack("{s:s?, s:s}", "field",
                                                colon ? arena_strndup(req->arena, e.msg, (size_t)(colon - e.msg)) : NULL,
                                                "message", colon ? colon + 2 : e.msg));
        send_json(res, 422, json_pack("{s:o}", "errors", errors));
        return NULL;
    }
    const char *lang_code = http_query(req, "lang");
    int li = lang_code ? form_language_index(f, lang_code) : -1;
    *lang = li >= 0 ? (size_t)li : f->default_lang;
    struct engine en;
    engine_init(&en, f, ans, req->arena, *lang, i18n_find(f->languages[*lang].code));
    en.instance_id = instance_id;
    engine_apply_defaults(&en);
    engine_calculate(&en);
    /* Answers to questions that do not apply are dropped, as the pages never ask them. */
    engine_clear_irrelevant(&en);
    struct engine_problem *problems;
    size_t n = engine_check_all(&en, &problems);
    if (n) {
        json_t *errors = json_array();
        for (size_t i = 0; i < n; i++) {
            json_t *item = json_pack("{s:s, s:s}", "field", problems[i].field->name, "message", problems[i].message);
            if (problems[i].instance) json_object_set_new(item, "instance", json_integer(problems[i].instance));
            json_array_append_new(errors, item);
        }
        send_json(res, 422, json_pack("{s:o}", "errors", errors));
        return NULL;
    }
    return ans;
}

/* False with 409 sent when the form takes no new answers today because its campaigns are closed
 * (program/campaign.h); the body says why as the survey pages do. */
static bool takes_answers(struct http_request *req, struct http_response *res, const char *form_id)
{
    char today[32];
    time_format_iso(time_now_ms(), today, sizeof today);
    today[10] = '\0';
    bool open;
    struct campaign_closure why;
    struct err e;
    err_clear(&e);
    if (campaign_form_open(web_state(req)->store, req->arena, form_id, today, &open, &why, &e) < 0) {
        log_error("campaigns of %s: %s", form_id, e.msg);
        send_error(res, 503, "the form cannot be read right now");
        return false;
    }
    if (!open)
        send_json(res, 409, json_pack("{s:s, s:b, s:s?, s:s?, s:s?, s:s?}", "error",
                                      "this survey is closed: it takes no answers now", "closed", 1,
                                      "opens_on", why.opens_on, "closed_on", why.closed_on,
                                      "campaign", why.campaign, "programme", why.programme));
    return open;
}

static void api_submit(struct http_request *req, struct http_response *res)
{
    if (!req->content_type || strncasecmp(req->content_type, "application/json", 16) != 0) {
        send_error(res, 415, "send the answers as application/json");
        return;
    }
    struct survey_form sf;
    if (!latest_or_error(req, res, &sf)) return;
    if (!takes_answers(req, res, sf.form->form_id)) return;
    const struct form *f = sf.form;
    /* A client that says which version it answered is refused when that is no longer the current
     * one, rather than have its answers judged against questions it did not show. */
    const char *asked_version = http_query(req, "version");
    if (asked_version && strcmp(asked_version, sf.version) != 0) {
        send_json(res, 409, json_pack("{s:s, s:s}", "error",
                                      "these answers were made for another version of the form: fetch the current one",
                                      "current_version", sf.version));
        return;
    }
    size_t lang;
    struct answers *ans = judged_answers(req, res, f, NULL, &lang);
    if (!ans) return;
    struct strbuf json;
    strbuf_init(&json, req->arena, 1024);
    answers_to_json(f, ans, &json);
    batch_add(req, &sf, f->languages[lang].code, json.data);
}

/* --- one submission and its corrections --------------------------------------------------------- */

/* The submitted answer set {id} of the form {form_id}, when the token may do action to it; false
 * with the error sent when there is none or it may not. Drafts are their respondents' own work in
 * progress: not found here. */
static bool submission_or_error(struct http_request *req, struct http_response *res, enum policy_action action,
                                struct revision *r)
{
    struct err e;
    err_clear(&e);
    int rc = revision_get(web_state(req)->store, req->arena, http_route(req, "id"), r, &e);
    if (rc == 0 && (strcmp(r->form_id, http_route(req, "form_id")) != 0 || strcmp(r->status, "submitted") != 0))
        rc = ERR_NOT_FOUND;
    if (rc == ERR_NOT_FOUND) send_error(res, 404, "there is no submission with this id in this form");
    else if (rc < 0) send_error(res, 503, "the submission cannot be read right now");
    if (rc < 0) return false;
    /* The action's rule again, with the record (the gate knew none); submissions name their form
     * only yet. */
    if (!policy_allows(web_state(req)->who, action, &(struct policy_target){.form_id = r->form_id})) {
        access_refuse(req, res, action);
        return false;
    }
    return true;
}

static void api_submission(struct http_request *req, struct http_response *res)
{
    struct revision r;
    if (!submission_or_error(req, res, POLICY_API_SUBMISSION_READ, &r)) return;
    struct revision_row *rows;
    size_t n;
    struct err e;
    err_clear(&e);
    if (revision_history(web_state(req)->store, req->arena, r.form_id, r.instance_id, &rows, &n, &e) < 0) {
        send_error(res, 503, "the submission cannot be read right now");
        return;
    }
    json_t *chain = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(chain, json_pack("{s:s, s:i, s:s, s:b}", "id", rows[i].id, "revision", rows[i].revision,
                                               "submitted_at", rows[i].submitted_at, "current", rows[i].is_current));
    /* The answers as stored, which is the shape the POSTs accept. */
    json_t *answers = json_loads(r.answers, 0, NULL);
    json_t *doc = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:b, s:s?, s:s?, s:s, s:s, s:s?, s:o}",
                            "id", r.id, "instance_id", r.instance_id, "form_id", r.form_id,
                            "form_version", r.form_version, "revision", r.revision, "status", r.status,
                            "current", r.is_current, "supersedes", r.supersedes,
                            "current_id", r.is_current ? NULL : r.current_id, "lang", r.lang,
                            "started_at", r.started_at, "submitted_at", r.submitted_at, "revisions", chain);
    json_object_set_new(doc, "answers", answers ? answers : json_null());
    send_json(res, 200, doc);
}

static void send_superseded(struct http_response *res, const char *current_id)
{
    send_json(res, 409, json_pack("{s:s, s:s?}", "error",
                                  "this is not the current revision of the submission: correct the current one",
                                  "current_id", current_id));
}

/* A correction: the full corrected answer set, judged like a new one against the version the
 * submission answered, stored as its next revision before the 201. Corrections are rare, so they
 * commit on their own rather than with the grouped submissions below. */
static void api_revise(struct http_request *req, struct http_response *res)
{
    if (!req->content_type || strncasecmp(req->content_type, "application/json", 16) != 0) {
        send_error(res, 415, "send the answers as application/json");
        return;
    }
    struct revision r;
    if (!submission_or_error(req, res, POLICY_API_REVISE, &r)) return;
    /* Two people correcting at once: the second learns it, rather than overwrite the first. */
    if (!r.is_current) {
        send_superseded(res, r.current_id);
        return;
    }
    struct survey_form sf;
    if (survey_version(req, r.form_version_id, &sf) < 0) {
        send_error(res, 503, "the form cannot be read right now");
        return;
    }
    size_t lang;
    struct answers *ans = judged_answers(req, res, sf.form, r.instance_id, &lang);
    if (!ans) return;
    struct store *st = web_state(req)->store;
    struct submission rev;
    struct err e;
    err_clear(&e);
    struct audit_actor by;
    web_audit_actor(req, &by);
    int rc = submission_revise(st, req->arena, sf.form, r.form_version_id, r.id, ans, &by, &rev, &e);
    if (rc == ERR_CONFLICT) {
        /* Corrected by someone else between the check above and the commit. */
        struct revision now;
        err_clear(&e);
        send_superseded(res, revision_get(st, req->arena, r.id, &now, &e) == 0 ? now.current_id : NULL);
        return;
    }
    if (rc < 0) {
        log_error("correcting %s: %s", r.id, e.msg);
        send_error(res, 503, "the correction could not be stored; nothing was saved, try again");
        return;
    }
    http_set_header(res, "Location", arena_printf(req->arena, "/api/v1/forms/%s/submissions/%s", r.form_id, rev.id));
    send_json(res, 201, json_pack("{s:s, s:s, s:i, s:s, s:s}", "id", rev.id, "instance_id", rev.instance_id,
                                  "revision", rev.revision, "supersedes", r.id, "form_version", r.form_version));
}

/* --- committing submissions together ------------------------------------------------------------ */

struct pending {
    struct http_deferred *reply;
    void *form_slot;       /* pinned cached form */
    const struct form *form;
    char *version_id, *version, *lang, *json;
};

struct api_batch {
    struct store *store;
    struct pending *items;
    size_t n, cap;
    bool scheduled;
};

struct api_batch *api_batch_new(struct store *st)
{
    struct api_batch *b = calloc(1, sizeof *b);
    if (!b) abort();
    b->store = st;
    return b;
}

void api_batch_free(struct api_batch *b)
{
    if (!b) return;
    free(b->items); /* the drain answered every pending item before the worker stopped */
    free(b);
}

static char *dup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d) abort();
    return d;
}

static void reply_json(struct http_deferred *d, int status, json_t *doc, const char *location)
{
    char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(doc);
    http_deferred_send(d, status, "application/json", text ? text : "{}", text ? strlen(text) : 2, location);
    free(text);
}

static void flush(void *arg);

static void batch_add(struct http_request *req, struct survey_form *sf, const char *lang, const char *json)
{
    struct api_batch *b = web_state(req)->batch;
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 64;
        b->items = realloc(b->items, b->cap * sizeof *b->items);
        if (!b->items) abort();
    }
    survey_form_pin(sf);
    b->items[b->n++] = (struct pending){http_defer(req), sf->slot, sf->form, dup(sf->version_id),
                                        dup(sf->version), dup(lang), dup(json)};
    if (!b->scheduled) {
        b->scheduled = true;
        http_call_soon(req, flush, b);
    }
}

/* One transaction for the whole batch, a savepoint for each answer set so that one that fails
 * (it should not: each was checked) fails alone; every reply goes after the commit. */
static void flush(void *arg)
{
    struct api_batch *b = arg;
    b->scheduled = false;
    size_t n = b->n;
    struct pending *items = b->items;
    b->items = NULL;
    b->n = b->cap = 0;
    int *status = calloc(n ? n : 1, sizeof *status);
    char **ids = calloc(n ? n : 1, sizeof *ids);
    if (!status || !ids) abort();
    struct arena a;
    arena_init(&a, 64 * 1024);
    struct err e;
    err_clear(&e);
    int64_t t_begin = time_monotonic_us();
    bool open = store_begin(b->store, &e) == 0;
    int64_t t_locked = time_monotonic_us();
    if (!open) log_error("starting a transaction for %zu API submissions: %s", n, e.msg);
    for (size_t i = 0; open && i < n; i++) {
        struct pending *p = &items[i];
        status[i] = 503;
        if (store_exec(b->store, "SAVEPOINT submission", &e) < 0) continue;
        struct answers *ans = answers_from_json(&a, p->form, p->json, strlen(p->json), false, &e);
        struct submission sub;
        if (ans && submission_insert_in(b->store, &a, p->form, p->version_id, p->lang, ans, p->json, false,
                                        NULL, &sub, &e) == 0) {
            store_exec(b->store, "RELEASE submission", &e);
            status[i] = 201;
            ids[i] = dup(sub.id);
        } else {
            log_error("API submission to %s: %s", p->form->form_id, e.msg);
            store_exec(b->store, "ROLLBACK TO submission", NULL);
            store_exec(b->store, "RELEASE submission", NULL);
        }
        arena_reset(&a);
    }
    int64_t t_commit = time_monotonic_us();
    if (open && store_commit(b->store, &e) < 0) {
        log_error("committing %zu API submissions: %s", n, e.msg);
        store_rollback(b->store);
        for (size_t i = 0; i < n; i++) status[i] = 503;
    }
    log_debug("API batch: %zu submissions, commit %.2f ms, waited %.2f ms for the lock, inserts %.2f ms", n,
              (double)(time_monotonic_us() - t_commit) / 1000.0, (double)(t_locked - t_begin) / 1000.0,
              (double)(t_commit - t_locked) / 1000.0);
    for (size_t i = 0; i < n; i++) {
        struct pending *p = &items[i];
        if (status[i] == 201) {
            char location[96], instance[64];
            snprintf(location, sizeof location, "/api/v1/submissions/%s", ids[i]);
            snprintf(instance, sizeof instance, "uuid:%s", ids[i]);
            reply_json(p->reply, 201, json_pack("{s:s, s:s, s:s}", "id", ids[i], "instance_id", instance,
                                                "form_version", p->version), location);
        } else {
            reply_json(p->reply, 503, json_pack("{s:s}", "error", "the answers could not be stored; nothing was saved, try again"), NULL);
        }
        survey_form_unpin(p->form_slot);
        free(p->version_id);
        free(p->version);
        free(p->lang);
        free(p->json);
        free(ids[i]);
    }
    free(items);
    free(status);
    free(ids);
    arena_free(&a);
}

void api_routes(struct router *r)
{
    router_add(r, HTTP_GET, "/api/v1/forms", api_forms);
    router_add(r, HTTP_GET, "/api/v1/forms/{form_id}", api_form);
    router_add(r, HTTP_POST, "/api/v1/forms/{form_id}/submissions", api_submit);
    router_add(r, HTTP_GET, "/api/v1/forms/{form_id}/submissions/{id}", api_submission);
    router_add(r, HTTP_POST, "/api/v1/forms/{form_id}/submissions/{id}/revisions", api_revise);
}

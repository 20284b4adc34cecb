#include "web/api.h"

#include "base/log.h"
#include "forms/engine.h"
#include "forms/form_json.h"
#include "forms/form_store.h"
#include "forms/submissions.h"
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

static void api_submit(struct http_request *req, struct http_response *res)
{
    if (!req->content_type || strncasecmp(req->content_type, "application/json", 16) != 0) {
        send_error(res, 415, "send the answers as application/json");
        return;
    }
    struct survey_form sf;
    if (!latest_or_error(req, res, &sf)) return;
    const struct form *f = sf.form;
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
        return;
    }
    const char *lang_code = http_query(req, "lang");
    int li = lang_code ? form_language_index(f, lang_code) : -1;
    size_t lang = li >= 0 ? (size_t)li : f->default_lang;
    struct engine en;
    engine_init(&en, f, ans, req->arena, lang, i18n_find(f->languages[lang].code));
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
        return;
    }
    struct submission sub;
    if (submission_insert(web_state(req)->store, req->arena, f, sf.version_id, f->languages[lang].code, ans,
                          false, NULL, &sub, &e) < 0) {
        log_error("API submission to %s: %s", f->form_id, e.msg);
        send_error(res, 503, "the answers could not be stored; nothing was saved, try again");
        return;
    }
    http_set_header(res, "Location", arena_printf(req->arena, "/api/v1/submissions/%s", sub.id));
    send_json(res, 201, json_pack("{s:s, s:s, s:s}", "id", sub.id, "instance_id", sub.instance_id,
                                  "form_version", sf.version));
}

void api_routes(struct router *r)
{
    router_add(r, HTTP_GET, "/api/v1/forms", api_forms);
    router_add(r, HTTP_GET, "/api/v1/forms/{form_id}", api_form);
    router_add(r, HTTP_POST, "/api/v1/forms/{form_id}/submissions", api_submit);
}

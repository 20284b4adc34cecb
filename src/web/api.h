/* api: the JSON API, version 1, under /api/v1.
 *
 *   GET  /api/v1/forms                          the forms and their latest versions
 *   GET  /api/v1/forms/{form_id}                a form's definition (forms/form_json.h)
 *   POST /api/v1/forms/{form_id}/submissions    a JSON object of answers by field name:
 *        201 {"id", "instance_id", "form_version"} once committed, or
 *        422 {"errors": [{"field", "message"}]} judged exactly as the survey pages judge.
 * Errors are JSON too: {"error": "sentence"} with the HTTP status. */
#ifndef EDUBRIDGE_API_H
#define EDUBRIDGE_API_H

#include "http/router.h"

void api_routes(struct router *r);

/* Submissions arriving together on a worker are committed together (one transaction, one sync to
 * disk), and each is answered only after that commit: the worker's batch. */
struct store;
struct api_batch;
struct api_batch *api_batch_new(struct store *st);
void api_batch_free(struct api_batch *b);

#endif

/* form_errors: the accessible error pattern every staff form uses (the GOV.UK one): a summary at
 * the top of the page, each problem a link to its field (#f-NAME), and the message again by the
 * field. The problems are program/programme.h's list of (field, msgid) pairs, which every form's
 * checks fill; messages are translated here. Written into b through html/. */
#ifndef EDUBRIDGE_FORM_ERRORS_H
#define EDUBRIDGE_FORM_ERRORS_H

#include "http/http.h"
#include "program/programme.h"

/* The problem of one field (its msgid), or NULL. */
const char *form_problem_for(const struct programme_problems *pp, const char *field);
/* The summary; nothing when pp is NULL or empty. */
void form_error_summary(struct http_request *req, struct strbuf *b, const struct programme_problems *pp);

#endif

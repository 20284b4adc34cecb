/* pages: the home page and the error pages in the project's look. */
#ifndef EDUBRIDGE_PAGES_H
#define EDUBRIDGE_PAGES_H

#include "http/http.h"

void page_home(struct http_request *req, struct http_response *res);
/* Renders an error page for status with a sentence saying what went wrong (already translated,
 * or NULL for the status's own sentence). */
void page_error(struct http_request *req, struct http_response *res, int status, const char *message);
void page_healthz(struct http_request *req, struct http_response *res);

#endif

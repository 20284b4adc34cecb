/* layout: the page frame every HTML page shares: head, header with navigation and language
 * switcher, a main landmark the skip link targets, and the footer. Handlers write their content
 * between layout_begin and layout_end into res->body. */
#ifndef EDUBRIDGE_LAYOUT_H
#define EDUBRIDGE_LAYOUT_H

#include "http/http.h"

/* title is already translated; nav_current names the navigation entry to mark ("home"...). */
void layout_begin(struct http_request *req, struct http_response *res, const char *title,
                  const char *nav_current);
void layout_end(struct http_request *req, struct http_response *res);

/* A date "2025-01-13" as the reader reads it: "13 January 2025", "13 janvier 2025". */
void layout_date(struct http_request *req, struct strbuf *sb, const char *iso_date);

#endif

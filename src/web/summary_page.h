/* summary_page: the summary of a form's answers for coordinators, at /forms/{form_id}/summary.
 *
 * GET with no query: every question that has a summary (forms/summary.h), each as a table with,
 * for choices, an inline SVG bar chart of the same numbers; ?q=FIELD: one question (text answers
 * are listed there, 50 a page with &page=N); ?q=FIELD&by=FIELD2: a cross-tab of q by the select
 * question by. A form of two <select>s (GET) chooses them: no script anywhere. Counts under the
 * anonymity threshold read "fewer than 5". Labels are in the reader's language when the form has
 * it, else in the form's default language. */
#ifndef EDUBRIDGE_SUMMARY_PAGE_H
#define EDUBRIDGE_SUMMARY_PAGE_H

#include "http/router.h"

void summary_page_routes(struct router *r);

#endif

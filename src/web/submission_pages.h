/* submission_pages: the coordinators' pages for a form's submitted answer sets, at
 * /forms/{form_id}/submissions: the list (current revisions, newest first, by pages of 50), one
 * submission with its answers labelled by question and its revision history, and the button
 * that starts a correction. A correction then goes through the respondents' pages (web/survey.c)
 * as a draft seeded with the answers (forms/revisions.h), and saving it makes a new revision. */
#ifndef EDUBRIDGE_SUBMISSION_PAGES_H
#define EDUBRIDGE_SUBMISSION_PAGES_H

#include "http/router.h"

void submission_pages_routes(struct router *r);

#endif

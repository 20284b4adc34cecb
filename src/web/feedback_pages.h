/* feedback_pages: a programme's structured feedback on pages (program/feedback.h) and its
 * respondent codes (program/respondent_codes.h).
 *
 *   GET  /programmes/{slug}/feedback                   baseline against endline, item by item:
 *                                                       n, means, the difference with its 95% CI,
 *                                                       paired t, Wilcoxon, d_z in words; Likert
 *                                                       items as diverging bars; one group at a time
 *   GET  /programmes/{slug}/feedback.csv|.xlsx|.json   the same table as a download
 *   GET  /programmes/{slug}/feedback/sessions          the feedback after training sessions
 *   GET  /programmes/{slug}/feedback/comments?tag=     the free texts by theme, untagged first
 *   POST /programmes/{slug}/feedback/comments/tag      give or take away a theme (FEEDBACK_TAG)
 *   POST /programmes/{slug}/feedback/tags              a new theme (FEEDBACK_TAG)
 *   GET  /programmes/{slug}/codes                      respondent codes: counts, issues, a form to
 *   POST /programmes/{slug}/codes                      issue more (PROGRAMMES_MANAGE)
 *   GET  /programmes/{slug}/codes/print                the slips to hand out, A4 (PROGRAMMES_MANAGE)
 *
 * Reading is FEEDBACK_VIEW (administrators, coordinators, the panel, partners): every figure
 * passes the anonymity threshold as program/feedback.h decides, on the pages and in every
 * download alike. The gate checks the routes' actions and the CSRF value of every POST. */
#ifndef EDUBRIDGE_FEEDBACK_PAGES_H
#define EDUBRIDGE_FEEDBACK_PAGES_H

#include "http/router.h"

void feedback_routes(struct router *r);

#endif

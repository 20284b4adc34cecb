/* report_pages: the Phase 2 pilot's reports and the coordinator's dashboard (program/reports.h),
 * and their downloads (program/report_export.h).
 *
 *   GET /programmes/{slug}/report                   the programme report (REPORT_PROGRAMME: partners
 *                                                   too): coverage, devices, training and its
 *                                                   cascade, outcomes with effect sizes, themes
 *   GET /programmes/{slug}/report.csv|.xlsx|.json   its figures, small groups hidden as on the page
 *   GET /institutions/{id}/report                   an institution's report (REPORT_INSTITUTION:
 *   GET /institutions/{id}/report.csv|.xlsx|.json   the institution's own contact too, asked again
 *                                                   with the institution); ?programme=SLUG chooses
 *                                                   among the programmes it takes part in
 *   GET /programmes/{slug}/dashboard                the coordinator's dashboard (DASHBOARD_VIEW): the
 *                                                   phases on a timeline with today, what is late,
 *                                                   each with a link to where it is fixed
 *   GET /programmes/{slug}/export.zip               every table of the programme as CSV and one JSON
 *                                                   document (EXPORT_PSEUDONYMISED); personal data
 *                                                   only for readers allowed EXPORT_FULL who do not
 *                                                   ask ?pseudonymise=1
 *
 * Reports print on A4 (static/app.css's print block: no navigation, sections kept whole, outcomes
 * on a page of their own). Charts are inline SVG with presentation attributes only (the CSP allows
 * no style) beside tables of the same numbers; nothing needs JavaScript. */
#ifndef EDUBRIDGE_REPORT_PAGES_H
#define EDUBRIDGE_REPORT_PAGES_H

#include "http/router.h"

void report_routes(struct router *r);

#endif

/* need_pages: the need index's pages (program/assessment.h): the ranking of a programme's
 * needs-survey campaign with each rank's 90% interval from the sensitivity analysis, its CSV and
 * XLSX downloads, one institution's score explained indicator by indicator, and the model
 * (indicators, domains, weights, method) for coordinators to change. Who may see what is the
 * policy's: NEED_VIEW (an institution's contact: only their own explanation) and NEED_MANAGE. */
#ifndef EDUBRIDGE_NEED_PAGES_H
#define EDUBRIDGE_NEED_PAGES_H

#include "http/router.h"

void need_pages_routes(struct router *r);

#endif

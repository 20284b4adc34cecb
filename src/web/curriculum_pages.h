/* curriculum_pages: an institution's curriculum plan (program/curriculum.h) at
 * /institutions/{id}/curriculum: its weakest need-index domains with the courses that match them,
 * the plan's items with their progress and the late ones, and for those who manage training the
 * forms that make the plan from the need index, add an item and move one on. A domain's need
 * value shows only to those who may read the institution's need index (NEED_VIEW with it). */
#ifndef EDUBRIDGE_CURRICULUM_PAGES_H
#define EDUBRIDGE_CURRICULUM_PAGES_H

#include "http/router.h"

void curriculum_routes(struct router *r);

#endif

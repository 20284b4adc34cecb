/* forms_pages: the coordinator's view of forms: /forms (every form, its latest version and how
 * many answers it has) and /forms/{form_id} (versions, the public link, downloads, summary). */
#ifndef EDUBRIDGE_FORMS_PAGES_H
#define EDUBRIDGE_FORMS_PAGES_H

#include "http/router.h"

void forms_pages_routes(struct router *r);

#endif

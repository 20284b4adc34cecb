/* programme_pages: the programmes and their campaigns on pages. /programmes lists them,
 * /programmes/{slug} is a programme's overview (its phases as a timeline, its campaigns with their
 * forms and response counts, the pilot's size and quota), and coordinators create and edit
 * programmes, phases and campaigns on forms that keep what was typed and say what is wrong beside
 * each field, with a summary at the top linking to them. Who may do what is the policy's
 * (PROGRAMMES_VIEW, PROGRAMMES_MANAGE); the gate checks it and the CSRF value of every POST. */
#ifndef EDUBRIDGE_PROGRAMME_PAGES_H
#define EDUBRIDGE_PROGRAMME_PAGES_H

#include "http/router.h"

void programme_pages_routes(struct router *r);

#endif

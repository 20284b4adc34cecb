/* selection_pages: a programme's selection runs and the invitations they send (issue 5), over
 * program/selection_run.h.
 *
 *   GET  /programmes/{slug}/selections                   the runs, newest first
 *   GET  /programmes/{slug}/selections/new               the rules, from the programme's defaults
 *   POST /programmes/{slug}/selections/new               runs the selection: a draft, then its page
 *   GET  /programmes/{slug}/selections/{run}             the result: the problems when the rules
 *                                                        cannot be met; the chosen with reasons, the
 *                                                        nearest left out, the reserve, invitations,
 *                                                        replacements, the reproducibility check
 *   POST /programmes/{slug}/selections/{run}/confirm     draft -> confirmed
 *   POST /programmes/{slug}/selections/{run}/discard
 *   POST /programmes/{slug}/selections/{run}/invite      invites the chosen not invited yet; the
 *                                                        page then shows, once, the links that
 *                                                        could not be mailed
 *   POST /programmes/{slug}/selections/{run}/relink      a new link for one open invitation
 *   GET  /programmes/{slug}/selections/{run}/export.csv  the ranking and the selection
 *   GET  /programmes/{slug}/selections/{run}/export.xlsx (contact columns with INSTITUTION_CONTACTS)
 *   GET  /invitation/{token}                             public: the invitation, accept or decline
 *   POST /invitation/{token}                             action=accept|decline (reason)
 *
 * Reading is SELECTION_VIEW, changing SELECTION_MANAGE, the invitation INVITATION_RESPOND (its
 * token is the key; the respondent surface carries no CSRF value). */
#ifndef EDUBRIDGE_SELECTION_PAGES_H
#define EDUBRIDGE_SELECTION_PAGES_H

#include "http/router.h"

void selection_routes(struct router *r);

#endif

/* privacy_pages: what edubridge holds about a person, its download and its erasure, for
 * administrators (program/privacy.h does the work; the audit trail records both).
 *
 *   GET  /admin/privacy          a form asking for an email address
 *   POST /admin/privacy          what is held about it: account, answer sets, files, messages, audit
 *   POST /admin/privacy/export   all of it as a JSON download (privacy.export)
 *   POST /admin/privacy/erase    without confirm=yes, what will be erased and a confirmation form;
 *                                with it, the erasure (privacy.erase) and what it removed
 *
 * Every step is a POST, so that the address never appears in a URL, a log line or the browser's
 * history; the gate checks each POST's CSRF value and the PRIVACY_MANAGE action (auth/policy.h). */
#ifndef EDUBRIDGE_PRIVACY_PAGES_H
#define EDUBRIDGE_PRIVACY_PAGES_H

#include "http/router.h"

void privacy_routes(struct router *r);

#endif

/* register_pages: the institution register's pages for running a programme, beside the register's
 * own pages (web/institution_pages.c):
 *
 *   POST /institutions/{id}/status                              a record's status, with a note
 *   GET  /programmes/{slug}/campaigns/{campaign}/mapping        which question feeds which field
 *   POST /programmes/{slug}/campaigns/{campaign}/mapping        saves it, checked first
 *   POST /programmes/{slug}/campaigns/{campaign}/mapping/rebuild  builds the register from the answers
 *
 * All INSTITUTIONS_MANAGE (the gate checks it and the CSRF value of every POST). A refused change
 * shows the form again with what is wrong beside it, and changes nothing.
 *
 * register_institution_extras() writes the parts of one institution's page that these serve: the
 * accounts of its contacts (names and emails only for INSTITUTION_CONTACTS readers) and, for those
 * who manage the register, the status form. register_home_link() writes, for a signed-in
 * institution contact, the way to their institution's page. Everything lives in the request's
 * arena. */
#ifndef EDUBRIDGE_REGISTER_PAGES_H
#define EDUBRIDGE_REGISTER_PAGES_H

#include "http/router.h"
#include "program/institutions.h"

void register_pages_routes(struct router *r);

void register_institution_extras(struct http_request *req, struct http_response *res, const struct institution *inst);
void register_home_link(struct http_request *req, struct strbuf *b);

#endif

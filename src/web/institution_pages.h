/* institution_pages: the institution register's pages (program/institutions.h): the list with
 * filters, sort and pages of 50, one institution with its linked answer sets, the import with its
 * preview (all or nothing), likely duplicates and their merge, and the exports. Who may see what
 * is the policy's (INSTITUTIONS_LIST, INSTITUTION_VIEW, INSTITUTION_CONTACTS, INSTITUTIONS_MANAGE). */
#ifndef EDUBRIDGE_INSTITUTION_PAGES_H
#define EDUBRIDGE_INSTITUTION_PAGES_H

#include "http/router.h"

void institution_routes(struct router *r);

#endif

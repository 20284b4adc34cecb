/* export_pages: a form's submitted answer sets as downloads, for coordinators.
 *
 *   GET /forms/{form_id}/export.csv    the main table; ?repeat=NAME: that repeat's table instead
 *   GET /forms/{form_id}/export.xlsx   one workbook, a sheet per table
 *   GET /forms/{form_id}/export.json   an array of answer sets with their stored answers
 * with ?labels=1 (CSV, XLSX: choices as labels) and &lang=CODE (the labels' language; default:
 * the form's). Each is an attachment named FORM_ID-YYYY-MM-DD.EXT (the repeat's name added for a
 * repeat's CSV). forms/export.h says what the files hold. The whole file is made in the response
 * body before it is sent (the server has no streamed responses yet): for very large exports the
 * command line (edubridge export) writes in bounded memory. */
#ifndef EDUBRIDGE_EXPORT_PAGES_H
#define EDUBRIDGE_EXPORT_PAGES_H

#include "http/router.h"

void export_routes(struct router *r);

#endif

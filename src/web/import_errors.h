/* import_errors: what a spreadsheet import found wrong, as the import pages show it (the register,
 * the device inventory, the training catalogue): "nothing was imported" and a table of each
 * problem by row and column, with the value at fault. Problems are forms/sheet.h's row errors,
 * their sentences translated here. Written into b through html/. */
#ifndef EDUBRIDGE_IMPORT_ERRORS_H
#define EDUBRIDGE_IMPORT_ERRORS_H

#include <stddef.h>

#include "forms/sheet.h"
#include "http/http.h"

void import_errors_table(struct http_request *req, struct strbuf *b, const struct sheet_row_error *errors, size_t n);

#endif

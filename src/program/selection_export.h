/* selection_export: a selection run's ranking and selection as a table, written by
 * forms/table_out.h as CSV (RFC 4180, CRLF, header row, formulas guarded) or XLSX (numbers as
 * numbers).
 *
 * One row per candidate of the run, each once: the selected places first (by place; a declined
 * institution before whoever took its place), then the reserve list in order, then every other
 * candidate in need order. Columns: place, institution_id, institution, country, kind, informal,
 * rural, score, rank, role (selected, reserve, not selected), state, reason (the run's sentence,
 * in English as selection.h writes it); with contacts, also contact_name and contact_email, read
 * from the register now (personal data: only for readers allowed INSTITUTION_CONTACTS).
 *
 * Rows are built in the caller's arena; output goes to write in pieces (non-zero stops: ERR_IO). */
#ifndef EDUBRIDGE_SELECTION_EXPORT_H
#define EDUBRIDGE_SELECTION_EXPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/err.h"
#include "program/selection_run.h"
#include "store/store.h"

typedef int (*selexp_write_fn)(void *ctx, const void *data, size_t len);

int selexp_csv(struct store *st, struct arena *a, const struct selection_run *r, bool contacts, selexp_write_fn write,
               void *ctx, struct err *e);
int selexp_xlsx(struct store *st, struct arena *a, const struct selection_run *r, bool contacts,
                selexp_write_fn write, void *ctx, struct err *e);

#endif

/* form_json: a form's definition as JSON, for GET /api/v1/forms/{form_id}.
 *
 * The shape follows the XLSForm the form came from, so that a client (an offline app, a script)
 * can show and check the same questions: settings, languages, the tree of fields with their texts
 * per language and their expressions as written, and the choice lists. */
#ifndef EDUBRIDGE_FORM_JSON_H
#define EDUBRIDGE_FORM_JSON_H

#include "base/str.h"
#include "forms/form.h"

void form_to_json(const struct form *f, struct strbuf *out);

#endif

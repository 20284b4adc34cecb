/* render: a form page as HTML that works with no JavaScript.
 *
 * Every question is a native control with its label, hint and, when the answer was refused, the
 * message beside it (aria-describedby, aria-invalid) and a link from the error summary at the top,
 * as the accessible-forms pattern has it. Text from the form goes through the html/ helpers;
 * ${name} in labels is replaced by the answer (the choice's label for selects). */
#ifndef EDUBRIDGE_RENDER_H
#define EDUBRIDGE_RENDER_H

#include "forms/paging.h"

struct render_error {
    const struct form_field *field;
    const char *message;
};

/* The controls of one page, at a repeat instance; errors beside the fields they name. */
void render_page_fields(struct strbuf *b, struct engine *en, const struct form_page *pg, int instance,
                        const struct render_error *errors, size_t nerrors);
/* The error summary (nothing when nerrors is 0); href_prefix + field id makes each link. */
void render_error_summary(struct strbuf *b, struct engine *en, const struct render_error *errors,
                          size_t nerrors);
/* A label or hint with ${name} replaced by answers, escaped. */
void render_text(struct strbuf *b, struct engine *en, const char *text, int instance);
/* An answer as a reader sees it: choice labels for selects, the text otherwise. */
void render_answer(struct strbuf *b, struct engine *en, const struct form_field *fd, int instance);
/* The field's input name/id on the page: "f-NAME". */
const char *render_field_id(struct arena *a, const struct form_field *fd);

/* Reads the posted controls of a page into the answers (checkboxes, rank positions and geopoints
 * joined as stored). Only the page's own fields that apply are read: anything else posted is
 * ignored. get returns the idx-th posted value of a control name, or NULL (forms/ knows no HTTP). */
typedef const char *(*render_get_fn)(void *ctx, const char *name, size_t idx);
void render_read_post(struct engine *en, const struct form_page *pg, int instance, render_get_fn get,
                      void *ctx);

#endif

/* training_ui: the pieces of page the training and curriculum pages share (web/training_pages.c,
 * web/curriculum_pages.c): labelled inputs and selects with their messages (the summary is
 * web/form_errors.h's), a choice of programme, and a time as the pages show it. Everything is written into res->body through html/. */
#ifndef EDUBRIDGE_TRAINING_UI_H
#define EDUBRIDGE_TRAINING_UI_H

#include <stdbool.h>
#include <stddef.h>

#include "http/http.h"
#include "program/programme.h"

struct tui_input {
    const char *name;
    const char *label; /* translated */
    const char *hint;  /* translated, or NULL */
    const char *value; /* as typed, or NULL */
    const char *type;  /* "text", "date", "datetime-local", "number", "email", "url"; NULL: a textarea */
    bool required;
};

void tui_field(struct http_request *req, struct strbuf *b, const struct programme_problems *pp,
               const struct tui_input *in);
/* values and their translated labels; a first empty option when empty_label is not NULL. */
void tui_select(struct http_request *req, struct strbuf *b, const struct programme_problems *pp,
                const struct tui_input *in, const char *const *values, const char *const *labels, size_t n,
                const char *empty_label);
/* <form method=post action=...> with the CSRF field; multipart for uploads. */
void tui_form_open(struct http_request *req, struct http_response *res, const char *action, bool multipart);
void tui_form_close(struct strbuf *b, const char *button);

/* The programme a page is about: ?programme=SLUG, else the newest. NULL with the 404 or 503 page
 * written when there is none (or no such one). The list comes back for a choice of programme. */
struct programme *tui_programme(struct http_request *req, struct http_response *res, struct programme **all,
                                size_t *n);
/* A GET form choosing the programme (only when there is more than one), keeping the page. */
void tui_programme_choice(struct http_request *req, struct strbuf *b, const char *action,
                          const struct programme *list, size_t n, const struct programme *current);

/* A stored time ("2026-10-05T09:00:00.000Z") as "5 October 2026, 09:00 UTC". */
void tui_time(struct http_request *req, struct strbuf *b, const char *iso);
/* The same time as a datetime-local input reads it: "2026-10-05T09:00". */
const char *tui_time_input(struct http_request *req, const char *iso);

/* A table cell with the text, or an empty one for NULL. */
void tui_cell(struct strbuf *b, const char *text);
/* A download's headers: the body is already in res->body. */
void tui_download(struct http_request *req, struct http_response *res, const char *name, bool csv);

#endif

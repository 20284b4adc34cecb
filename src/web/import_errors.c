#include "web/import_errors.h"

#include "base/i18n.h"
#include "html/html.h"
#include "web/web.h"

void import_errors_table(struct http_request *req, struct strbuf *b, const struct sheet_row_error *errors, size_t n)
{
    html_lit(b, "<div role=\"alert\"><h2>");
    html_text(b, arena_printf(req->arena, T(req, "Nothing was imported: the file has %d problems."), (int)n));
    html_lit(b, "</h2></div><table><thead><tr><th scope=\"col\">");
    html_text(b, T(req, "Row"));
    html_lit(b, "</th><th scope=\"col\">");
    html_text(b, T(req, "Column"));
    html_lit(b, "</th><th scope=\"col\">");
    html_text(b, T(req, "Problem"));
    html_lit(b, "</th></tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        const struct sheet_row_error *x = &errors[i];
        html_lit(b, "<tr><td>");
        html_int(b, x->row);
        html_lit(b, "</td><td>");
        if (x->column) html_text(b, x->column);
        html_lit(b, "</td><td>");
        const char *problem = T(req, x->problem);
        html_text(b, x->other_row ? arena_printf(req->arena, problem, x->other_row) : problem);
        if (x->value) {
            html_lit(b, " <q>");
            html_text(b, x->value);
            html_lit(b, "</q>");
        }
        html_lit(b, "</td></tr>");
    }
    html_lit(b, "</tbody></table>");
}

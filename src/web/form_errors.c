#include "web/form_errors.h"

#include "base/i18n.h"
#include "html/html.h"
#include "web/web.h"

#include <string.h>

const char *form_problem_for(const struct programme_problems *pp, const char *field)
{
    for (size_t i = 0; pp && i < pp->n; i++)
        if (strcmp(pp->item[i].field, field) == 0) return pp->item[i].msg;
    return NULL;
}

void form_error_summary(struct http_request *req, struct strbuf *b, const struct programme_problems *pp)
{
    if (!pp || !pp->n) return;
    html_lit(b, "<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\" aria-labelledby=\"error-summary-title\">"
                "<h2 id=\"error-summary-title\">");
    html_text(b, T(req, "There is a problem"));
    html_lit(b, "</h2><ul>");
    for (size_t i = 0; i < pp->n; i++) {
        html_lit(b, "<li><a href=\"#f-");
        html_attr(b, pp->item[i].field);
        html_lit(b, "\">");
        html_text(b, T(req, pp->item[i].msg));
        html_lit(b, "</a></li>");
    }
    html_lit(b, "</ul></div>");
}

/* html: the only way text reaches a page.
 *
 * Every byte of a page is written through one of these helpers into a strbuf:
 *  - html_text:  character data, escaped for element content;
 *  - html_attr:  an attribute value (always written inside double quotes by the caller's literal);
 *  - html_url:   an attribute value that is a link: only http, https, mailto and relative URLs
 *                pass, anything else (javascript:, data:...) becomes "#";
 *  - html_lit:   markup that is a string literal in our own source, never data.
 * Invalid UTF-8 in data is replaced by U+FFFD so that a page is always well-formed text. */
#ifndef EDUBRIDGE_HTML_H
#define EDUBRIDGE_HTML_H

#include <stdint.h>

#include "base/str.h"

void html_text(struct strbuf *sb, const char *s);
void html_attr(struct strbuf *sb, const char *s);
void html_url(struct strbuf *sb, const char *url);
void html_int(struct strbuf *sb, int64_t v);

/* A literal: the macro refuses anything but a string literal at compile time ("" "x" concatenation
 * only compiles with literals), so data cannot be passed by mistake. */
#define html_lit(sb, literal) html_lit_((sb), "" literal, sizeof(literal) - 1)
void html_lit_(struct strbuf *sb, const char *literal, size_t len);

/* True when url is safe to put in href/src/action (see above). */
int html_url_is_safe(const char *url);

#endif

/* params: parsers for the text parts of a request: query strings and urlencoded bodies,
 * the Cookie header, Accept-Encoding. Pure functions over bytes, so they are unit-tested and
 * fuzzed without a server. Results live in the given arena. */
#ifndef EDUBRIDGE_PARAMS_H
#define EDUBRIDGE_PARAMS_H

#include <stdbool.h>

#include "base/err.h"
#include "http/http.h"

enum { PARAMS_MAX = 1000 };

/* application/x-www-form-urlencoded (also a query string). Invalid percent escapes or invalid
 * UTF-8 are errors naming the parameter; more than PARAMS_MAX pairs is an error. */
int params_parse_urlencoded(struct arena *a, const char *s, size_t len, struct http_params *out,
                            struct err *e);
/* Cookie header (RFC 6265 section 4.2.1): "a=1; b=2". Malformed pairs are skipped, as browsers
 * do; quoted values lose their quotes. */
void params_parse_cookies(struct arena *a, const char *header, struct http_params *out);
/* True when Accept-Encoding allows gzip (q > 0). */
bool params_accepts_gzip(const char *accept_encoding);

#endif

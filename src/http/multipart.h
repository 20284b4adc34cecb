/* multipart: a streaming parser for multipart/form-data bodies (RFC 7578, RFC 2046 section 5.1).
 *
 * libevent has no parser for these, and uploads (XLSForms, CSV imports, photos) arrive this way.
 * The parser is push-style: feed it the body in pieces of any size, as they arrive; it calls back
 * with each part's headers, then its data in pieces, then its end. It keeps only a small window
 * (the boundary length plus a little) and so needs no copy of the whole body. Limits on the number
 * of parts and the size of part headers keep a hostile body from costing memory.
 *
 * The parser owns nothing the caller gave it; strings passed to callbacks live until the callback
 * returns. A callback that returns non-zero stops the parse (multipart_feed returns that error;
 * a positive value becomes ERR_INTERNAL). A callback may say why by filling the struct err that was
 * given to multipart_feed (reach it through ctx); otherwise the message names the part it stopped.
 * Data arrives in pieces of any size, never empty; on_part_end comes once the boundary line after
 * the part has been read in full. */
#ifndef EDUBRIDGE_MULTIPART_H
#define EDUBRIDGE_MULTIPART_H

#include <stddef.h>

#include "base/err.h"

struct multipart_part_info {
    const char *name;          /* form field name from Content-Disposition; never NULL */
    const char *filename;      /* NULL when the part is not a file; "" for a file input left
                                  empty. filename* (RFC 8187) wins over filename. As the client
                                  sent it: never use it as a path. */
    const char *content_type;  /* "text/plain" when absent */
};

struct multipart_callbacks {
    int (*on_part_begin)(void *ctx, const struct multipart_part_info *info);
    int (*on_part_data)(void *ctx, const char *data, size_t len);
    int (*on_part_end)(void *ctx);
    void *ctx;
};

struct multipart_limits {
    size_t max_parts;         /* 0: 1000 */
    size_t max_header_bytes;  /* per part, every byte of the header block up to and including
                                 its blank line; 0: 8192 */
};

struct multipart_parser;

/* Reads the boundary from a Content-Type header value ("multipart/form-data; boundary=..."),
 * quoted or not. Returns a heap copy the caller frees, or NULL (with e) when there is none or it
 * breaks RFC 2046 (1 to 70 characters). */
char *multipart_boundary(const char *content_type, struct err *e);

/* NULL when the boundary breaks RFC 2046 (as multipart_boundary checks) or memory runs out. */
struct multipart_parser *multipart_new(const char *boundary, const struct multipart_callbacks *cb,
                                       const struct multipart_limits *limits);
/* Feeds the next piece of the body. Returns 0, or a negative err code with e naming what is wrong
 * ("part 3: header line too long", "missing closing boundary"...). After an error the parser
 * accepts nothing more. */
int multipart_feed(struct multipart_parser *p, const char *data, size_t len, struct err *e);
/* Says the body has ended: an error unless the closing boundary was seen. */
int multipart_finish(struct multipart_parser *p, struct err *e);
void multipart_free(struct multipart_parser *p);

#endif

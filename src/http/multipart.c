#include "http/multipart.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/str.h"

#define DEFAULT_MAX_PARTS 1000
#define DEFAULT_MAX_HEADER_BYTES 8192
#define BOUNDARY_MAX 70

/* Where the parser is in the body. The DELIM_* states read the rest of a boundary line once
 * "CRLF--boundary" itself has been matched. */
enum state {
    ST_PREAMBLE,    /* before the first boundary: discarded */
    ST_DELIM_END,   /* just after "--boundary" */
    ST_DELIM_DASH,  /* after "--boundary-": one more '-' closes the body */
    ST_DELIM_PAD,   /* transport padding (spaces, tabs) before the line's CRLF */
    ST_DELIM_LF,    /* after the line's CR */
    ST_HEADERS,     /* a part's header block */
    ST_DATA,        /* a part's data */
    ST_DONE,        /* after the closing boundary: the epilogue is discarded */
    ST_FAILED,
};

/* The strings of the part being begun; heap copies freed once on_part_begin returns. */
struct part_fields {
    char *name;
    char *filename;
    char *filename_ext; /* decoded filename*, preferred over filename */
    char *content_type;
    bool have_disposition;
};

struct multipart_parser {
    struct multipart_callbacks cb;
    size_t max_parts;
    size_t max_header_bytes;
    /* The delimiter is "\r\n--" boundary. A boundary has no CR, so '\r' occurs only at delim[0]:
     * a partial match that fails can never overlap a later match, and the bytes held back are
     * always a prefix of delim. That is why no copy of the body is needed, only this count. */
    char delim[4 + BOUNDARY_MAX + 1];
    size_t delim_len;
    size_t matched;     /* bytes of delim matched so far and not yet given out as data */
    enum state state;
    size_t nparts;      /* parts begun; the current part's number in ST_HEADERS and ST_DATA */
    bool in_part;       /* on_part_begin called, on_part_end not yet */
    char *hbuf;         /* the current part's header block, at most max_header_bytes + NUL */
    size_t hlen, hcap;
    size_t line_start;  /* offset in hbuf of the header line being read */
    struct part_fields f;
    struct err failure; /* replayed to every call after a failure */
};

/* ---- small text helpers ---- */

static bool is_ows(char c) { return c == ' ' || c == '\t'; }

static bool is_tchar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c; }

/* Case-insensitive comparison of the n bytes at s with a lower-case literal. */
static bool eq_nocase_n(const char *s, size_t n, const char *lit)
{
    if (strlen(lit) != n) return false;
    for (size_t i = 0; i < n; i++)
        if (ascii_lower(s[i]) != lit[i]) return false;
    return true;
}

static const char *skip_ows(const char *s)
{
    while (is_ows(*s)) s++;
    return s;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* RFC 2046 bchars: what a boundary may contain; a space is allowed but not at the end. */
static bool boundary_valid(const char *b, size_t n)
{
    if (n < 1 || n > BOUNDARY_MAX || b[n - 1] == ' ') return false;
    for (size_t i = 0; i < n; i++) {
        char c = b[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  (c != '\0' && strchr("'()+_,-./:=? ", c) != NULL);
        if (!ok) return false;
    }
    return true;
}

/* ---- header parameters: "; name=value" with value a token or a quoted string ---- */

struct param {
    const char *name;
    size_t name_len;
    char *value;        /* heap, unescaped, NUL-terminated */
};

enum { PARAM_END = 0, PARAM_OK = 1, PARAM_BAD = -1, PARAM_NOMEM = -2 };

static int param_value(const char **sp, struct param *out)
{
    const char *s = *sp;
    char *v = malloc(strlen(s) + 1);   /* unescaping only shrinks */
    if (!v) return PARAM_NOMEM;
    size_t n = 0;
    if (*s == '"') {
        for (s++; *s != '"'; s++) {
            /* Browsers do not escape backslashes (HTML's form encoding percent-encodes quotes
             * instead), and old ones send Windows paths such as C:\dir\photo.jpg: a backslash
             * escapes only a quote or a backslash, and stands for itself before anything else. */
            if (*s == '\\' && (s[1] == '"' || s[1] == '\\')) s++;
            if (*s == '\0') goto bad; /* unterminated */
            v[n++] = *s;
        }
        s++;
    } else {
        /* Looser than a token: unquoted boundaries with '=' or '/' are common in the wild. */
        while (*s && *s != ';' && !is_ows(*s) && *s != '"') v[n++] = *s++;
        if (n == 0) goto bad;
    }
    v[n] = '\0';
    out->value = v;
    *sp = s;
    return PARAM_OK;
bad:
    free(v);
    return PARAM_BAD;
}

/* Reads the next parameter after *sp; the caller frees out->value after PARAM_OK. A trailing ';'
 * is tolerated, as some clients send one. */
static int param_next(const char **sp, struct param *out)
{
    const char *s = skip_ows(*sp);
    if (*s == '\0') return PARAM_END;
    if (*s != ';') return PARAM_BAD;
    s = skip_ows(s + 1);
    if (*s == '\0') return PARAM_END;
    out->name = s;
    while (is_tchar(*s)) s++;
    out->name_len = (size_t)(s - out->name);
    if (out->name_len == 0) return PARAM_BAD;
    s = skip_ows(s);
    if (*s != '=') return PARAM_BAD;
    s = skip_ows(s + 1);
    int rc = param_value(&s, out);
    if (rc != PARAM_OK) return rc;
    s = skip_ows(s);
    if (*s != '\0' && *s != ';') {
        free(out->value);
        return PARAM_BAD;
    }
    *sp = s;
    return PARAM_OK;
}

/* ---- the boundary from the request's Content-Type ---- */

char *multipart_boundary(const char *content_type, struct err *e)
{
    if (!content_type) {
        err_set(e, ERR_INVALID, "the request has no Content-Type");
        return NULL;
    }
    const char *s = skip_ows(content_type);
    const char *type = s;
    while (*s && *s != ';' && !is_ows(*s)) s++;
    if (!eq_nocase_n(type, (size_t)(s - type), "multipart/form-data")) {
        err_set(e, ERR_INVALID, "Content-Type is not multipart/form-data");
        return NULL;
    }
    char *boundary = NULL;
    struct param prm;
    int rc;
    while ((rc = param_next(&s, &prm)) == PARAM_OK) {
        if (!eq_nocase_n(prm.name, prm.name_len, "boundary")) {
            free(prm.value);
        } else if (boundary) {
            free(prm.value);
            err_set(e, ERR_INVALID, "Content-Type has more than one boundary");
            goto fail;
        } else {
            boundary = prm.value;
        }
    }
    if (rc == PARAM_NOMEM) {
        err_set(e, ERR_INTERNAL, "out of memory");
        goto fail;
    }
    if (rc == PARAM_BAD) {
        err_set(e, ERR_INVALID, "malformed parameters in Content-Type");
        goto fail;
    }
    if (!boundary) {
        err_set(e, ERR_INVALID, "Content-Type has no boundary");
        return NULL;
    }
    size_t n = strlen(boundary);
    if (n == 0 || n > BOUNDARY_MAX) {
        err_set(e, ERR_INVALID, "the boundary must have 1 to %d characters, not %zu", BOUNDARY_MAX, n);
        goto fail;
    }
    if (!boundary_valid(boundary, n)) {
        err_set(e, ERR_INVALID, "the boundary has characters RFC 2046 does not allow");
        goto fail;
    }
    return boundary;
fail:
    free(boundary);
    return NULL;
}

/* ---- life cycle ---- */

struct multipart_parser *multipart_new(const char *boundary, const struct multipart_callbacks *cb,
                                       const struct multipart_limits *limits)
{
    if (!boundary) return NULL;
    size_t n = strlen(boundary);
    /* The matcher relies on a boundary without CR (see delim), so the check is not optional. */
    if (!boundary_valid(boundary, n)) return NULL;
    struct multipart_parser *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    if (cb) p->cb = *cb;
    p->max_parts = limits && limits->max_parts ? limits->max_parts : DEFAULT_MAX_PARTS;
    p->max_header_bytes =
        limits && limits->max_header_bytes ? limits->max_header_bytes : DEFAULT_MAX_HEADER_BYTES;
    memcpy(p->delim, "\r\n--", 4);
    memcpy(p->delim + 4, boundary, n);
    p->delim_len = 4 + n;
    /* The body may open with "--boundary": act as if a CRLF came before it. */
    p->matched = 2;
    p->state = ST_PREAMBLE;
    return p;
}

static void fields_free(struct part_fields *f)
{
    free(f->name);
    free(f->filename);
    free(f->filename_ext);
    free(f->content_type);
    memset(f, 0, sizeof *f);
}

void multipart_free(struct multipart_parser *p)
{
    if (!p) return;
    fields_free(&p->f);
    free(p->hbuf);
    free(p);
}

/* ---- failures ---- */

static int fail(struct multipart_parser *p, struct err *e, enum err_code code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(struct multipart_parser *p, struct err *e, enum err_code code, const char *fmt, ...)
{
    p->failure.code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->failure.msg, sizeof p->failure.msg, fmt, ap);
    va_end(ap);
    p->state = ST_FAILED;
    if (e) *e = p->failure;
    return code;
}

/* A callback said stop. Its own message wins when it wrote one into the err given to
 * multipart_feed (which it can reach through ctx); the code is always what it returned. */
static int callback_stopped(struct multipart_parser *p, struct err *e, int rc)
{
    enum err_code code = rc < 0 ? (enum err_code)rc : ERR_INTERNAL;
    if (err_is_set(e)) {
        p->failure = *e;
        p->failure.code = code;
        e->code = code;
        p->state = ST_FAILED;
        return code;
    }
    return fail(p, e, code, "part %zu: the upload was stopped by its receiver", p->nparts);
}

static int emit_data(struct multipart_parser *p, const char *data, size_t len, struct err *e)
{
    if (p->state != ST_DATA || len == 0 || !p->cb.on_part_data) return 0;
    int rc = p->cb.on_part_data(p->cb.ctx, data, len);
    return rc ? callback_stopped(p, e, rc) : 0;
}

/* ---- the body: preamble and part data, scanned for the delimiter ---- */

/* Consumes bytes of s until the delimiter has been matched in full (the state then moves to
 * ST_DELIM_END) or s ends. Data that can no longer be the start of a delimiter is given out at
 * once; only the matched prefix (at most delim_len - 1 bytes) is held back, as p->matched. */
static int scan_body(struct multipart_parser *p, const char *s, size_t n, size_t *used, struct err *e)
{
    size_t carried = p->matched; /* held back from earlier pieces; its bytes are delim[0..carried) */
    size_t m = p->matched;
    size_t start = 0;            /* first byte of s not yet given out */
    size_t i = 0;
    int rc;
    while (i < n) {
        if (m == 0) {
            const char *cr = memchr(s + i, '\r', n - i);
            if (!cr) {
                i = n;
                break;
            }
            i = (size_t)(cr - s) + 1;
            m = 1;
        } else if (s[i] == p->delim[m]) {
            i++;
            if (++m == p->delim_len) {
                /* carried > 0 means the delimiter began in an earlier piece, so start == 0 and
                 * nothing of s precedes it. */
                size_t dstart = i - (p->delim_len - carried);
                if ((rc = emit_data(p, s + start, dstart - start, e))) return rc;
                p->matched = 0;
                p->state = ST_DELIM_END;
                *used = i;
                return 0;
            }
        } else {
            /* Not a delimiter after all: what was held back is data, and s[i] is looked at again
             * as a possible start. The part of the match inside s stays in [start, i). */
            if (carried) {
                if ((rc = emit_data(p, p->delim, carried, e))) return rc;
                carried = 0;
            }
            m = 0;
        }
    }
    size_t held_here = m - carried; /* when carried is still > 0, all of s continues the match */
    if ((rc = emit_data(p, s + start, n - held_here - start, e))) return rc;
    p->matched = m;
    *used = n;
    return 0;
}

/* ---- boundary lines ---- */

static int delim_garbage(struct multipart_parser *p, struct err *e)
{
    if (p->nparts == 0)
        return fail(p, e, ERR_INVALID, "unexpected characters after the first boundary");
    return fail(p, e, ERR_INVALID, "part %zu: unexpected characters after the boundary that ends it",
                p->nparts);
}

static int end_part(struct multipart_parser *p, struct err *e)
{
    if (!p->in_part) return 0;
    p->in_part = false;
    if (!p->cb.on_part_end) return 0;
    int rc = p->cb.on_part_end(p->cb.ctx);
    return rc ? callback_stopped(p, e, rc) : 0;
}

static int start_headers(struct multipart_parser *p, struct err *e)
{
    if (p->nparts == p->max_parts)
        return fail(p, e, ERR_LIMIT, "too many parts: at most %zu are accepted", p->max_parts);
    p->nparts++;
    p->hlen = 0;
    p->line_start = 0;
    p->state = ST_HEADERS;
    return 0;
}

static int feed_delim_line(struct multipart_parser *p, char c, struct err *e)
{
    int rc;
    switch (p->state) {
    case ST_DELIM_END:
        if (c == '-') p->state = ST_DELIM_DASH;
        else if (is_ows(c)) p->state = ST_DELIM_PAD;
        else if (c == '\r') p->state = ST_DELIM_LF;
        else return delim_garbage(p, e);
        return 0;
    case ST_DELIM_DASH:
        if (c != '-') return delim_garbage(p, e);
        if ((rc = end_part(p, e))) return rc;
        p->state = ST_DONE;
        return 0;
    case ST_DELIM_PAD:
        if (c == '\r') p->state = ST_DELIM_LF;
        else if (!is_ows(c)) return delim_garbage(p, e);
        return 0;
    case ST_DELIM_LF:
        if (c != '\n') return delim_garbage(p, e);
        if ((rc = end_part(p, e))) return rc;
        return start_headers(p, e);
    default:
        return fail(p, e, ERR_INTERNAL, "multipart parser in an impossible state");
    }
}

/* ---- part headers ---- */

/* Decodes an RFC 8187 ext-value (charset'language'percent-encoded) into UTF-8. */
static int decode_ext_value(struct multipart_parser *p, const char *v, char **out, struct err *e)
{
    const char *q1 = strchr(v, '\'');
    const char *q2 = q1 ? strchr(q1 + 1, '\'') : NULL;
    if (!q2) return fail(p, e, ERR_INVALID, "part %zu: malformed filename*", p->nparts);
    bool latin1 = eq_nocase_n(v, (size_t)(q1 - v), "iso-8859-1");
    if (!latin1 && !eq_nocase_n(v, (size_t)(q1 - v), "utf-8"))
        return fail(p, e, ERR_INVALID, "part %zu: filename* must be in UTF-8 or ISO-8859-1",
                    p->nparts);
    const char *s = q2 + 1;
    char *d = malloc(2 * strlen(s) + 1); /* Latin-1 to UTF-8 at most doubles */
    if (!d) return fail(p, e, ERR_INTERNAL, "out of memory");
    size_t n = 0;
    for (; *s; s++) {
        unsigned c = (unsigned char)*s;
        if (c == '%') {
            int hi = hex_digit(s[1]), lo = hi < 0 ? -1 : hex_digit(s[2]);
            if (lo < 0) {
                free(d);
                return fail(p, e, ERR_INVALID, "part %zu: bad percent escape in filename*",
                            p->nparts);
            }
            c = (unsigned)(hi * 16 + lo);
            s += 2;
        }
        if (c == 0) {
            free(d);
            return fail(p, e, ERR_INVALID, "part %zu: filename* contains a NUL byte", p->nparts);
        }
        if (latin1 && c >= 0x80) {
            d[n++] = (char)(0xC0 | (c >> 6));
            d[n++] = (char)(0x80 | (c & 0x3F));
        } else {
            d[n++] = (char)c;
        }
    }
    d[n] = '\0';
    *out = d;
    return 0;
}

/* Stores a parameter value in *slot, which must still be empty: a name given twice is ambiguous. */
static int take_param(struct multipart_parser *p, char **slot, struct param *prm, struct err *e)
{
    if (*slot) {
        free(prm->value);
        return fail(p, e, ERR_INVALID, "part %zu: Content-Disposition has two %.*s parameters",
                    p->nparts, (int)prm->name_len, prm->name);
    }
    *slot = prm->value;
    return 0;
}

static int parse_disposition(struct multipart_parser *p, const char *v, struct err *e)
{
    if (p->f.have_disposition)
        return fail(p, e, ERR_INVALID, "part %zu: more than one Content-Disposition", p->nparts);
    p->f.have_disposition = true;
    const char *s = v;
    while (is_tchar(*s)) s++;
    if (!eq_nocase_n(v, (size_t)(s - v), "form-data"))
        return fail(p, e, ERR_INVALID, "part %zu: Content-Disposition is not form-data", p->nparts);
    struct param prm;
    int rc;
    char *ext = NULL;
    while ((rc = param_next(&s, &prm)) == PARAM_OK) {
        char **slot = NULL;
        if (eq_nocase_n(prm.name, prm.name_len, "name")) slot = &p->f.name;
        else if (eq_nocase_n(prm.name, prm.name_len, "filename")) slot = &p->f.filename;
        else if (eq_nocase_n(prm.name, prm.name_len, "filename*")) slot = &ext;
        if (!slot) {
            free(prm.value);
            continue;
        }
        if ((rc = take_param(p, slot, &prm, e))) goto out;
    }
    if (rc == PARAM_NOMEM) {
        rc = fail(p, e, ERR_INTERNAL, "out of memory");
    } else if (rc == PARAM_BAD) {
        rc = fail(p, e, ERR_INVALID, "part %zu: malformed Content-Disposition", p->nparts);
    } else if (ext) {
        rc = decode_ext_value(p, ext, &p->f.filename_ext, e);
    }
out:
    free(ext);
    return rc;
}

static int parse_header_line(struct multipart_parser *p, char *line, struct err *e)
{
    char *colon = line;
    while (is_tchar(*colon)) colon++;
    if (colon == line || *colon != ':')
        return fail(p, e, ERR_INVALID, "part %zu: malformed header line", p->nparts);
    char *v = (char *)skip_ows(colon + 1);
    size_t vn = strlen(v);
    while (vn && is_ows(v[vn - 1])) v[--vn] = '\0';
    size_t name_len = (size_t)(colon - line);
    if (eq_nocase_n(line, name_len, "content-disposition")) return parse_disposition(p, v, e);
    if (eq_nocase_n(line, name_len, "content-type")) {
        if (p->f.content_type)
            return fail(p, e, ERR_INVALID, "part %zu: more than one Content-Type", p->nparts);
        if (!(p->f.content_type = strdup(v))) return fail(p, e, ERR_INTERNAL, "out of memory");
    }
    return 0; /* other headers (Content-Transfer-Encoding...) are ignored, as RFC 7578 allows */
}

/* Parses the header block in hbuf (lines each ending in CRLF; no NUL or other control byte but
 * HT, as feed_headers checked) into p->f. */
static int parse_headers(struct multipart_parser *p, struct err *e)
{
    char *s = p->hbuf;
    size_t n = p->hlen, j = 0;
    /* Unfold obsolete continuation lines (RFC 5322): a CRLF before white space is removed. */
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\r' && i + 2 < n && is_ows(s[i + 2])) {
            i++;
            continue;
        }
        s[j++] = s[i];
    }
    s[j] = '\0';
    if (j && is_ows(s[0]))
        return fail(p, e, ERR_INVALID, "part %zu: headers start with white space", p->nparts);
    for (char *line = s; *line;) {
        char *cr = strchr(line, '\r'); /* every line ends with CRLF */
        *cr = '\0';
        int rc = parse_header_line(p, line, e);
        if (rc) return rc;
        line = cr + 2;
    }
    return 0;
}

static int check_utf8(struct multipart_parser *p, const char *s, const char *what, struct err *e)
{
    if (s && !str_utf8_valid(s, strlen(s)))
        return fail(p, e, ERR_INVALID, "part %zu: %s is not valid UTF-8", p->nparts, what);
    return 0;
}

/* What RFC 7578 requires of a part's headers, and text that is UTF-8 as the rest of edubridge. */
static int check_fields(struct multipart_parser *p, struct err *e)
{
    int rc;
    if (!p->f.have_disposition)
        return fail(p, e, ERR_INVALID, "part %zu: no Content-Disposition header", p->nparts);
    if (!p->f.name || !p->f.name[0])
        return fail(p, e, ERR_INVALID, "part %zu: no name in Content-Disposition", p->nparts);
    if ((rc = check_utf8(p, p->f.name, "the name", e)) ||
        (rc = check_utf8(p, p->f.filename_ext ? p->f.filename_ext : p->f.filename, "the filename", e)) ||
        (rc = check_utf8(p, p->f.content_type, "the Content-Type", e)))
        return rc;
    return 0;
}

/* The header block is complete: check it, tell the receiver, and read the data that follows. */
static int begin_part(struct multipart_parser *p, struct err *e)
{
    int rc = parse_headers(p, e);
    if (!rc) rc = check_fields(p, e);
    if (!rc) {
        struct multipart_part_info info = {
            .name = p->f.name,
            .filename = p->f.filename_ext ? p->f.filename_ext : p->f.filename,
            .content_type = p->f.content_type && p->f.content_type[0] ? p->f.content_type
                                                                      : "text/plain",
        };
        p->in_part = true;
        p->state = ST_DATA;
        p->matched = 0;
        if (p->cb.on_part_begin && (rc = p->cb.on_part_begin(p->cb.ctx, &info)))
            rc = callback_stopped(p, e, rc);
    }
    fields_free(&p->f);
    return rc;
}

static bool header_buf_grow(struct multipart_parser *p)
{
    size_t cap = p->hcap ? p->hcap * 2 : 256;
    if (cap - 1 > p->max_header_bytes) cap = p->max_header_bytes + 1;
    char *b = realloc(p->hbuf, cap);
    if (!b) return false;
    p->hbuf = b;
    p->hcap = cap;
    return true;
}

/* Collects the header block up to its empty line; the limit counts every byte of it, the final
 * CRLF CRLF included. */
static int feed_headers(struct multipart_parser *p, const char *s, size_t n, size_t *used, struct err *e)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (p->hlen == p->max_header_bytes)
            return fail(p, e, ERR_LIMIT, "part %zu: headers exceed %zu bytes", p->nparts,
                        p->max_header_bytes);
        if (p->hlen + 1 >= p->hcap && !header_buf_grow(p))
            return fail(p, e, ERR_INTERNAL, "out of memory");
        char prev = p->hlen ? p->hbuf[p->hlen - 1] : '\0';
        if ((prev == '\r') != (c == '\n'))
            return fail(p, e, ERR_INVALID, "part %zu: header lines must end with CRLF", p->nparts);
        if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7F)
            return fail(p, e, ERR_INVALID, "part %zu: control character in headers", p->nparts);
        p->hbuf[p->hlen++] = (char)c;
        if (c != '\n') continue;
        if (p->hlen - p->line_start == 2) { /* the empty line */
            p->hlen = p->line_start;
            *used = i + 1;
            return begin_part(p, e);
        }
        p->line_start = p->hlen;
    }
    *used = n;
    return 0;
}

/* ---- feeding ---- */

static int replay_failure(struct multipart_parser *p, struct err *e)
{
    if (e) *e = p->failure;
    return p->failure.code;
}

int multipart_feed(struct multipart_parser *p, const char *data, size_t len, struct err *e)
{
    if (p->state == ST_FAILED) return replay_failure(p, e);
    /* Cleared so that a callback's own message can be told from a stale one (callback_stopped). */
    err_clear(e);
    size_t i = 0;
    while (i < len && p->state != ST_DONE) {
        size_t used = 1;
        int rc;
        if (p->state == ST_PREAMBLE || p->state == ST_DATA)
            rc = scan_body(p, data + i, len - i, &used, e);
        else if (p->state == ST_HEADERS)
            rc = feed_headers(p, data + i, len - i, &used, e);
        else
            rc = feed_delim_line(p, data[i], e);
        if (rc) return rc;
        i += used;
    }
    return 0;
}

int multipart_finish(struct multipart_parser *p, struct err *e)
{
    switch (p->state) {
    case ST_DONE:
        return 0;
    case ST_FAILED:
        return replay_failure(p, e);
    case ST_PREAMBLE:
        return fail(p, e, ERR_INVALID, "missing closing boundary: the body has no boundary at all");
    default:
        if (p->nparts == 0)
            return fail(p, e, ERR_INVALID,
                        "missing closing boundary: the body ends in the first boundary line");
        return fail(p, e, ERR_INVALID, "missing closing boundary: the body ends in part %zu",
                    p->nparts);
    }
}

/* Tests for http/multipart: every body in the tables is parsed whole, split in two at every
 * offset, and one byte at a time, and each way must give the same parts, data and error. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/str.h"
#include "http/multipart.h"

/* ---- a receiver that writes what it is told into a log ---- */

/* The log reads "<B name|filename|type>" for a part's start ("-" for no filename), then the part's
 * data as it came, then "<E>": data given in many pieces logs the same as in one. */
struct rec {
    struct strbuf log;
    size_t data_bytes;
    size_t data_calls;
    int stop_in_part;       /* on_part_begin of this part (1-based) returns stop_rc; 0: never */
    int stop_rc;
    int stop_data_rc;       /* when non-zero, on_part_data returns it */
    struct err *tell;       /* when set, a stopping callback writes its reason here */
    int begins;
    int ends;
};

static int on_begin(void *ctx, const struct multipart_part_info *info)
{
    struct rec *r = ctx;
    r->begins++;
    assert_non_null(info->name);
    assert_non_null(info->content_type);
    strbuf_printf(&r->log, "<B %s|%s|%s>", info->name, info->filename ? info->filename : "-",
                  info->content_type);
    if (r->stop_in_part == r->begins) {
        if (r->tell) err_set(r->tell, ERR_DENIED, "uploads are closed");
        return r->stop_rc;
    }
    return 0;
}

static int on_data(void *ctx, const char *data, size_t len)
{
    struct rec *r = ctx;
    assert_true(len > 0);   /* never called for nothing */
    strbuf_append(&r->log, data, len);
    r->data_bytes += len;
    r->data_calls++;
    return r->stop_data_rc;
}

static int on_end(void *ctx)
{
    struct rec *r = ctx;
    r->ends++;
    strbuf_puts(&r->log, "<E>");
    return 0;
}

struct result {
    int rc;             /* the first error of a feed, else what finish returned */
    char msg[512];
    struct strbuf log;
    int begins, ends;
};

static void result_free(struct result *res) { strbuf_free(&res->log); }

static void feed_range(struct multipart_parser *p, const char *s, size_t n, size_t step,
                       struct result *res, struct err *e)
{
    size_t off = 0;
    do {
        size_t k = step == 0 || step > n - off ? n - off : step;
        if (res->rc == 0) {
            int rc = multipart_feed(p, s + off, k, e);
            if (rc) {
                res->rc = rc;
                snprintf(res->msg, sizeof res->msg, "%s", e->msg);
            }
        }
        off += k;
    } while (off < n);
}

/* Feeds body[0, split) then body[split, len), each in pieces of step bytes (0: in one piece). */
static void run(const char *boundary, const char *body, size_t len,
                const struct multipart_limits *lim, size_t split, size_t step,
                struct rec *r, struct result *res)
{
    struct multipart_callbacks cb = {on_begin, on_data, on_end, r};
    struct multipart_parser *p = multipart_new(boundary, &cb, lim);
    assert_non_null(p);
    struct err e;
    err_clear(&e);
    memset(res, 0, sizeof *res);
    feed_range(p, body, split, step, res, &e);
    feed_range(p, body + split, len - split, step, res, &e);
    int frc = multipart_finish(p, &e);
    if (res->rc) {
        /* After an error the parser refuses everything, with the same message. */
        assert_int_equal(frc, res->rc);
        assert_string_equal(e.msg, res->msg);
        int begins = r->begins;
        assert_int_equal(multipart_feed(p, "x", 1, &e), res->rc);
        assert_string_equal(e.msg, res->msg);
        assert_int_equal(r->begins, begins);
    } else {
        res->rc = frc;
        if (frc) snprintf(res->msg, sizeof res->msg, "%s", e.msg);
    }
    multipart_free(p);
    res->log = r->log;
    res->begins = r->begins;
    res->ends = r->ends;
}

static void rec_init(struct rec *r)
{
    memset(r, 0, sizeof *r);
    strbuf_init(&r->log, NULL, 64);
}

static void run_fresh(const char *boundary, const char *body, size_t len,
                      const struct multipart_limits *lim, size_t split, size_t step,
                      struct result *res)
{
    struct rec r;
    rec_init(&r);
    run(boundary, body, len, lim, split, step, &r, res);
}

static void assert_same(const struct result *a, const struct result *b, const char *what, size_t at)
{
    if (a->rc != b->rc || strcmp(a->msg, b->msg) != 0 || a->log.len != b->log.len ||
        memcmp(a->log.data, b->log.data, a->log.len) != 0) {
        print_error("%s at %zu differs:\n  whole: rc %d \"%s\" log \"%s\"\n  here:  rc %d \"%s\" log \"%s\"\n",
                    what, at, a->rc, a->msg, a->log.data, b->rc, b->msg, b->log.data);
        fail();
    }
    assert_int_equal(a->begins, b->begins);
    assert_int_equal(a->ends, b->ends);
}

/* Parses body whole, in two pieces at every offset, byte by byte and in 7-byte pieces; asserts
 * that all agree and returns the whole parse in *whole. */
static void run_all_ways(const char *boundary, const char *body, size_t len,
                         const struct multipart_limits *lim, struct result *whole)
{
    run_fresh(boundary, body, len, lim, 0, 0, whole);
    struct result other;
    for (size_t k = 0; k <= len; k++) {
        run_fresh(boundary, body, len, lim, k, 0, &other);
        assert_same(whole, &other, "split", k);
        result_free(&other);
    }
    run_fresh(boundary, body, len, lim, 0, 1, &other);
    assert_same(whole, &other, "byte by byte", 0);
    result_free(&other);
    run_fresh(boundary, body, len, lim, len < 3 ? len : 3, 7, &other);
    assert_same(whole, &other, "7-byte pieces", 0);
    result_free(&other);
}

/* ---- bodies that parse ---- */

#define CD "Content-Disposition: form-data; "

struct ok_case {
    const char *what;
    const char *boundary;
    const char *body;
    const char *log;
};

static const struct ok_case ok_cases[] = {
    {"one field", "b",
     "--b\r\n" CD "name=\"a\"\r\n\r\nhello\r\n--b--\r\n",
     "<B a|-|text/plain>hello<E>"},
    {"two fields, preamble and epilogue", "XyZ",
     "This is the preamble.\r\nIt is ignored.\r\n--XyZ\r\n" CD "name=\"first\"\r\n\r\n1\r\n"
     "--XyZ\r\n" CD "name=\"second\"\r\n\r\ntwo\r\n--XyZ--\r\nepilogue, ignored too --XyZ\r\n",
     "<B first|-|text/plain>1<E><B second|-|text/plain>two<E>"},
    {"file part with its type", "----WebKitFormBoundary7MA4YWxkTrZu0gW",
     "------WebKitFormBoundary7MA4YWxkTrZu0gW\r\n" CD "name=\"upload\"; filename=\"report.csv\"\r\n"
     "Content-Type: text/csv\r\n\r\nschool,tablets\r\nA,10\r\n"
     "------WebKitFormBoundary7MA4YWxkTrZu0gW--\r\n",
     "<B upload|report.csv|text/csv>school,tablets\r\nA,10<E>"},
    {"empty data", "b",
     "--b\r\n" CD "name=\"empty\"\r\n\r\n\r\n--b\r\n" CD "name=\"x\"\r\n\r\nx\r\n--b--",
     "<B empty|-|text/plain><E><B x|-|text/plain>x<E>"},
    {"data that is only CRLF", "b",
     "--b\r\n" CD "name=\"nl\"\r\n\r\n\r\n\r\n--b--",
     "<B nl|-|text/plain>\r\n<E>"},
    {"CRLF inside data", "b",
     "--b\r\n" CD "name=\"t\"\r\n\r\nline 1\r\nline 2\r\n\r\n-- b\r\n\r\n--b--\r\n",
     "<B t|-|text/plain>line 1\r\nline 2\r\n\r\n-- b\r\n<E>"},
    {"boundary-like prefixes inside data", "boundary",
     "--boundary\r\n" CD "name=\"d\"\r\n\r\n"
     "\r\n--bound\r\n--boundar\r\n-boundary\n--boundary\r--boundary\r\r\n--boundarx--\r\n--\r\n"
     "\r\n--boundary--",
     "<B d|-|text/plain>"
     "\r\n--bound\r\n--boundar\r\n-boundary\n--boundary\r--boundary\r\r\n--boundarx--\r\n--\r\n"
     "<E>"},
    {"data ending in a partial delimiter", "boundary",
     "--boundary\r\n" CD "name=\"d\"\r\n\r\nabc\r\n--bou\r\n--boundary--",
     "<B d|-|text/plain>abc\r\n--bou<E>"},
    {"data ending in CR", "b",
     "--b\r\n" CD "name=\"d\"\r\n\r\nabc\r\r\n--b--",
     "<B d|-|text/plain>abc\r<E>"},
    {"boundary text not at line start in the preamble", "b",
     "x--b\r\nstill preamble --b--\r\n--b\r\n" CD "name=\"a\"\r\n\r\nA\r\n--b--",
     "<B a|-|text/plain>A<E>"},
    /* A backslash escapes a quote or a backslash; before anything else it stands for itself, as
     * browsers send Windows paths unescaped. */
    {"quoted name with escapes", "b",
     "--b\r\n" CD "name=\"a\\\"b\\\\c\\d; e=f\"\r\n\r\nv\r\n--b--",
     "<B a\"b\\c\\d; e=f|-|text/plain>v<E>"},
    {"unquoted name", "b",
     "--b\r\n" CD "name=field_1\r\n\r\nv\r\n--b--",
     "<B field_1|-|text/plain>v<E>"},
    {"filename* preferred over filename", "b",
     "--b\r\n" CD "name=\"f\"; filename=\"rates.txt\"; filename*=UTF-8''%E2%82%AC%20rates.txt\r\n"
     "\r\ndata\r\n--b--",
     "<B f|\xE2\x82\xAC rates.txt|text/plain>data<E>"},
    {"filename* before filename, lower-case charset, a language", "b",
     "--b\r\n" CD "filename*=utf-8'fr'caf%C3%A9.txt; name=\"f\"; filename=\"cafe.txt\"\r\n"
     "\r\ndata\r\n--b--",
     "<B f|caf\xC3\xA9.txt|text/plain>data<E>"},
    {"filename* in ISO-8859-1", "b",
     "--b\r\n" CD "name=\"f\"; filename*=iso-8859-1'en'%E9t%E9.txt\r\n\r\nd\r\n--b--",
     "<B f|\xC3\xA9t\xC3\xA9.txt|text/plain>d<E>"},
    {"empty filename (a file input left empty)", "b",
     "--b\r\n" CD "name=\"photo\"; filename=\"\"\r\nContent-Type: application/octet-stream\r\n"
     "\r\n\r\n--b--",
     "<B photo||application/octet-stream><E>"},
    {"UTF-8 name and filename", "b",
     "--b\r\n" CD "name=\"\xC3\xA9" "cole\"; filename=\"\xE6\x97\xA5\xE6\x9C\xAC.txt\"\r\n\r\nx\r\n--b--",
     "<B \xC3\xA9" "cole|\xE6\x97\xA5\xE6\x9C\xAC.txt|text/plain>x<E>"},
    {"header names and parameters in any case", "b",
     "--b\r\ncontent-DISPOSITION:FORM-DATA;NAME=\"n\";FileName=\"F.TXT\"\r\nCONTENT-TYPE:  image/png  \r\n"
     "\r\npng\r\n--b--",
     "<B n|F.TXT|image/png>png<E>"},
    {"Content-Type with parameters, other headers ignored", "b",
     "--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n"
     "X-Whatever: 1\r\n" CD "name=\"t\"\r\n\r\nt\r\n--b--",
     "<B t|-|text/plain; charset=utf-8>t<E>"},
    {"empty Content-Type means text/plain", "b",
     "--b\r\n" CD "name=\"t\"\r\nContent-Type:\r\n\r\nt\r\n--b--",
     "<B t|-|text/plain>t<E>"},
    {"folded header line", "b",
     "--b\r\nContent-Disposition: form-data;\r\n name=\"folded\";\r\n\tfilename=\"f.txt\"\r\n\r\nx\r\n--b--",
     "<B folded|f.txt|text/plain>x<E>"},
    {"transport padding after boundaries", "b",
     "--b \t \r\n" CD "name=\"a\"\r\n\r\nA\r\n--b\t\r\n" CD "name=\"b\"\r\n\r\nB\r\n--b-- \r\n",
     "<B a|-|text/plain>A<E><B b|-|text/plain>B<E>"},
    {"closing boundary with nothing after it", "b",
     "--b\r\n" CD "name=\"a\"\r\n\r\nA\r\n--b--",
     "<B a|-|text/plain>A<E>"},
    {"no parts at all", "b", "--b--\r\n", ""},
    {"no parts, after a preamble", "b", "preamble\r\n--b--", ""},
    {"boundary with every allowed special character and a space", "a'()+_,-./:=? z",
     "--a'()+_,-./:=? z\r\n" CD "name=\"s\"\r\n\r\n--a'()+_,-./:=? \r\n--a'()+_,-./:=? z--",
     "<B s|-|text/plain>--a'()+_,-./:=? <E>"},
    {"trailing semicolon and unknown parameters", "b",
     "--b\r\n" CD "name=\"a\"; size=12; creation-date=\"Wed, 12 Feb 1997 16:29:51 -0500\";\r\n\r\nA\r\n--b--",
     "<B a|-|text/plain>A<E>"},
};

static void test_ok_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof ok_cases / sizeof ok_cases[0]; i++) {
        const struct ok_case *c = &ok_cases[i];
        struct result res;
        run_all_ways(c->boundary, c->body, strlen(c->body), NULL, &res);
        if (res.rc != 0 || strcmp(res.log.data, c->log) != 0) {
            print_error("case \"%s\": rc %d \"%s\"\n  log  \"%s\"\n  want \"%s\"\n", c->what, res.rc,
                        res.msg, res.log.data, c->log);
            fail();
        }
        result_free(&res);
    }
}

/* ---- bodies that fail ---- */

struct bad_case {
    const char *what;
    const char *body;
    size_t max_parts, max_header_bytes;
    int rc;
    const char *msg;
    const char *log;    /* what the receiver was told before the error */
};

static const struct bad_case bad_cases[] = {
    {"missing closing boundary", "--b\r\n" CD "name=\"a\"\r\n\r\nA\r\n", 0, 0, ERR_INVALID,
     "missing closing boundary: the body ends in part 1", "<B a|-|text/plain>A"},
    {"missing closing boundary after a second part",
     "--b\r\n" CD "name=\"a\"\r\n\r\nA\r\n--b\r\n" CD "name=\"b\"\r\n\r\nB", 0, 0, ERR_INVALID,
     "missing closing boundary: the body ends in part 2", "<B a|-|text/plain>A<E><B b|-|text/plain>B"},
    {"body ends inside headers", "--b\r\n" CD "name=\"a\"\r\n", 0, 0, ERR_INVALID,
     "missing closing boundary: the body ends in part 1", ""},
    {"body ends after a delimiter", "--b\r\n" CD "name=\"a\"\r\n\r\nA\r\n--b", 0, 0, ERR_INVALID,
     "missing closing boundary: the body ends in part 1", "<B a|-|text/plain>A"},
    {"closing boundary with one dash only", "--b\r\n" CD "name=\"a\"\r\n\r\nA\r\n--b-", 0, 0,
     ERR_INVALID, "missing closing boundary: the body ends in part 1", "<B a|-|text/plain>A"},
    {"body ends in the first boundary line", "preamble\r\n--b \t", 0, 0, ERR_INVALID,
     "missing closing boundary: the body ends in the first boundary line", ""},
    {"garbage, no boundary", "this is not multipart at all\r\n--c--\r\n", 0, 0, ERR_INVALID,
     "missing closing boundary: the body has no boundary at all", ""},
    {"empty body", "", 0, 0, ERR_INVALID,
     "missing closing boundary: the body has no boundary at all", ""},
    {"too many parts",
     "--b\r\n" CD "name=\"1\"\r\n\r\n1\r\n--b\r\n" CD "name=\"2\"\r\n\r\n2\r\n--b\r\n" CD
     "name=\"3\"\r\n\r\n3\r\n--b--",
     2, 0, ERR_LIMIT, "too many parts: at most 2 are accepted",
     "<B 1|-|text/plain>1<E><B 2|-|text/plain>2<E>"},
    {"headers one byte over the limit", "--b\r\n" CD "name=\"a\"\r\n\r\nA\r\n--b--", 0, 43,
     ERR_LIMIT, "part 1: headers exceed 43 bytes", ""},
    {"no name", "--b\r\n" CD "name=\"a\"\r\n\r\nA\r\n--b\r\n" CD "filename=\"x\"\r\n\r\nB\r\n--b--",
     0, 0, ERR_INVALID, "part 2: no name in Content-Disposition", "<B a|-|text/plain>A<E>"},
    {"empty name", "--b\r\n" CD "name=\"\"\r\n\r\nA\r\n--b--", 0, 0, ERR_INVALID,
     "part 1: no name in Content-Disposition", ""},
    {"no parameters", "--b\r\nContent-Disposition: form-data\r\n\r\nA\r\n--b--", 0, 0, ERR_INVALID,
     "part 1: no name in Content-Disposition", ""},
    {"no Content-Disposition", "--b\r\nContent-Type: text/plain\r\n\r\nA\r\n--b--", 0, 0,
     ERR_INVALID, "part 1: no Content-Disposition header", ""},
    {"no headers at all", "--b\r\n\r\nA\r\n--b--", 0, 0, ERR_INVALID,
     "part 1: no Content-Disposition header", ""},
    {"not form-data", "--b\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nA\r\n--b--", 0, 0,
     ERR_INVALID, "part 1: Content-Disposition is not form-data", ""},
    {"two Content-Dispositions", "--b\r\n" CD "name=\"a\"\r\n" CD "name=\"b\"\r\n\r\nA\r\n--b--", 0,
     0, ERR_INVALID, "part 1: more than one Content-Disposition", ""},
    {"two Content-Types",
     "--b\r\n" CD "name=\"a\"\r\nContent-Type: a/b\r\nContent-Type: c/d\r\n\r\nA\r\n--b--", 0, 0,
     ERR_INVALID, "part 1: more than one Content-Type", ""},
    {"name given twice", "--b\r\n" CD "name=\"a\"; NAME=\"b\"\r\n\r\nA\r\n--b--", 0, 0, ERR_INVALID,
     "part 1: Content-Disposition has two NAME parameters", ""},
    {"unterminated quoted string", "--b\r\n" CD "name=\"abc\r\n\r\nA\r\n--b--", 0, 0, ERR_INVALID,
     "part 1: malformed Content-Disposition", ""},
    {"escape at the end of a quoted string", "--b\r\n" CD "name=\"abc\\\"\r\n\r\nA\r\n--b--", 0, 0,
     ERR_INVALID, "part 1: malformed Content-Disposition", ""},
    {"text after a quoted string", "--b\r\n" CD "name=\"a\"b\r\n\r\nA\r\n--b--", 0, 0, ERR_INVALID,
     "part 1: malformed Content-Disposition", ""},
    {"parameters without a semicolon", "--b\r\n" CD "name=a filename=b\r\n\r\nA\r\n--b--", 0, 0,
     ERR_INVALID, "part 1: malformed Content-Disposition", ""},
    {"parameter without a value", "--b\r\n" CD "name=\r\n\r\nA\r\n--b--", 0, 0, ERR_INVALID,
     "part 1: malformed Content-Disposition", ""},
    {"bad percent escape in filename*",
     "--b\r\n" CD "name=\"f\"; filename*=UTF-8''a%2\r\n\r\nA\r\n--b--", 0, 0, ERR_INVALID,
     "part 1: bad percent escape in filename*", ""},
    {"filename* without quotes", "--b\r\n" CD "name=\"f\"; filename*=UTF-8%41\r\n\r\nA\r\n--b--", 0,
     0, ERR_INVALID, "part 1: malformed filename*", ""},
    {"filename* in an unknown charset",
     "--b\r\n" CD "name=\"f\"; filename*=KOI8-R''%C1\r\n\r\nA\r\n--b--", 0, 0, ERR_INVALID,
     "part 1: filename* must be in UTF-8 or ISO-8859-1", ""},
    {"filename* with NUL", "--b\r\n" CD "name=\"f\"; filename*=UTF-8''a%00b\r\n\r\nA\r\n--b--", 0,
     0, ERR_INVALID, "part 1: filename* contains a NUL byte", ""},
    {"filename* that is not UTF-8", "--b\r\n" CD "name=\"f\"; filename*=UTF-8''%E9\r\n\r\nA\r\n--b--",
     0, 0, ERR_INVALID, "part 1: the filename is not valid UTF-8", ""},
    {"name that is not UTF-8", "--b\r\n" CD "name=\"\xC3\x28\"\r\n\r\nA\r\n--b--", 0, 0, ERR_INVALID,
     "part 1: the name is not valid UTF-8", ""},
    {"bare LF in headers", "--b\r\n" CD "name=\"a\"\n\r\nA\r\n--b--", 0, 0, ERR_INVALID,
     "part 1: header lines must end with CRLF", ""},
    {"bare CR in headers", "--b\r\n" CD "name=\"a\"\rX\r\n\r\nA\r\n--b--", 0, 0, ERR_INVALID,
     "part 1: header lines must end with CRLF", ""},
    {"control character in headers", "--b\r\n" CD "name=\"a\x01\"\r\n\r\nA\r\n--b--", 0, 0,
     ERR_INVALID, "part 1: control character in headers", ""},
    {"header line without a colon", "--b\r\n" CD "name=\"a\"\r\nnonsense\r\n\r\nA\r\n--b--", 0, 0,
     ERR_INVALID, "part 1: malformed header line", ""},
    {"space before the colon", "--b\r\nContent-Disposition : form-data; name=a\r\n\r\nA\r\n--b--", 0,
     0, ERR_INVALID, "part 1: malformed header line", ""},
    {"headers starting with white space", "--b\r\n " CD "name=\"a\"\r\n\r\nA\r\n--b--", 0, 0,
     ERR_INVALID, "part 1: headers start with white space", ""},
    {"text after the first boundary", "--bX\r\n" CD "name=\"a\"\r\n\r\nA\r\n--b--", 0, 0,
     ERR_INVALID, "unexpected characters after the first boundary", ""},
    {"text after a boundary's padding", "--b\r\n" CD "name=\"a\"\r\n\r\nA\r\n--b  x\r\n", 0, 0,
     ERR_INVALID, "part 1: unexpected characters after the boundary that ends it",
     "<B a|-|text/plain>A"},
    {"boundary line ending in a bare CR", "--b\r\n" CD "name=\"a\"\r\n\r\nA\r\n--b\rx", 0, 0,
     ERR_INVALID, "part 1: unexpected characters after the boundary that ends it",
     "<B a|-|text/plain>A"},
    {"one dash then text", "--b\r\n" CD "name=\"a\"\r\n\r\nA\r\n--b-x", 0, 0, ERR_INVALID,
     "part 1: unexpected characters after the boundary that ends it", "<B a|-|text/plain>A"},
};

static void test_bad_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const struct bad_case *c = &bad_cases[i];
        struct multipart_limits lim = {c->max_parts, c->max_header_bytes};
        struct result res;
        run_all_ways("b", c->body, strlen(c->body), &lim, &res);
        if (res.rc != c->rc || strcmp(res.msg, c->msg) != 0 || strcmp(res.log.data, c->log) != 0) {
            print_error("case \"%s\": rc %d \"%s\" log \"%s\"\n  want rc %d \"%s\" log \"%s\"\n",
                        c->what, res.rc, res.msg, res.log.data, c->rc, c->msg, c->log);
            fail();
        }
        result_free(&res);
    }
}

/* ---- limits ---- */

static void test_header_limit_is_inclusive(void **state)
{
    (void)state;
    /* The header block of this part, final CRLF CRLF included, is exactly 44 bytes. */
    const char *body = "--b\r\n" CD "name=\"a\"\r\n\r\nA\r\n--b--";
    assert_int_equal(strlen(CD "name=\"a\"\r\n\r\n"), 44);
    struct multipart_limits lim = {0, 44};
    struct result res;
    run_all_ways("b", body, strlen(body), &lim, &res);
    assert_int_equal(res.rc, 0);
    assert_string_equal(res.log.data, "<B a|-|text/plain>A<E>");
    result_free(&res);
}

static void test_header_limit_default_in_part_3(void **state)
{
    (void)state;
    struct strbuf b;
    strbuf_init(&b, NULL, 0);
    for (int i = 1; i <= 2; i++) strbuf_printf(&b, "--b\r\n" CD "name=\"p%d\"\r\n\r\nv\r\n", i);
    strbuf_puts(&b, "--b\r\n" CD "name=\"p3\"\r\nX-Long: ");
    for (int i = 0; i < 8200; i++) strbuf_putc(&b, 'x');
    strbuf_puts(&b, "\r\n\r\nv\r\n--b--");
    struct result res;
    run_fresh("b", b.data, b.len, NULL, 0, 0, &res);
    assert_int_equal(res.rc, ERR_LIMIT);
    assert_string_equal(res.msg, "part 3: headers exceed 8192 bytes");
    assert_int_equal(res.begins, 2);
    struct result bytes;
    run_fresh("b", b.data, b.len, NULL, 0, 1, &bytes);
    assert_same(&res, &bytes, "byte by byte", 0);
    result_free(&bytes);
    result_free(&res);
    strbuf_free(&b);
}

static void test_max_parts_default(void **state)
{
    (void)state;
    struct strbuf b;
    strbuf_init(&b, NULL, 0);
    for (int i = 0; i < 1000; i++) strbuf_printf(&b, "--b\r\n" CD "name=\"f%d\"\r\n\r\n%d\r\n", i, i);
    size_t thousand = b.len;
    strbuf_puts(&b, "--b--");
    struct result res;
    run_fresh("b", b.data, b.len, NULL, 0, 0, &res);
    assert_int_equal(res.rc, 0);
    assert_int_equal(res.begins, 1000);
    assert_int_equal(res.ends, 1000);
    result_free(&res);
    /* One more part is one too many. */
    b.len = thousand;
    strbuf_puts(&b, "--b\r\n" CD "name=\"extra\"\r\n\r\nx\r\n--b--");
    run_fresh("b", b.data, b.len, NULL, 0, 0, &res);
    assert_int_equal(res.rc, ERR_LIMIT);
    assert_string_equal(res.msg, "too many parts: at most 1000 are accepted");
    assert_int_equal(res.begins, 1000);
    result_free(&res);
    strbuf_free(&b);
}

/* ---- data: binary, large, streamed ---- */

static void test_binary_data(void **state)
{
    (void)state;
    static const char body[] = "--bin\r\n" CD "name=\"blob\"; filename=\"b.bin\"\r\n\r\n"
                               "\0\1\r\0\r\n\0--bin\0\r\n--bi\xff\r\n--bin--";
    static const char want[] = "<B blob|b.bin|text/plain>\0\1\r\0\r\n\0--bin\0\r\n--bi\xff<E>";
    struct result res;
    run_all_ways("bin", body, sizeof body - 1, NULL, &res);
    assert_int_equal(res.rc, 0);
    assert_int_equal(res.log.len, sizeof want - 1);
    assert_memory_equal(res.log.data, want, sizeof want - 1);
    result_free(&res);
}

/* Deterministic pseudo-random numbers, so that a failure can be reproduced. */
static uint32_t rnd(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* Data made of near misses of the delimiter, cut into random pieces, gives the same parse. */
static void test_near_misses_random_pieces(void **state)
{
    (void)state;
    static const char *bits[] = {"\r", "\n", "-", "--", "\r\n", "\r\n-", "\r\n--", "\r\n--bou",
                                 "\r\n--bound", "\r\n--boundar", "x", "boundar", "\r\r\n--"};
    struct strbuf data, body;
    strbuf_init(&data, NULL, 0);
    strbuf_init(&body, NULL, 0);
    uint32_t seed = 12345;
    for (int i = 0; i < 3000; i++) strbuf_puts(&data, bits[rnd(&seed) % (sizeof bits / sizeof bits[0])]);
    /* No bit has a 'y', so the data cannot hold the delimiter; the 'x' keeps its end from
     * running into the real one. */
    strbuf_puts(&data, "x");
    strbuf_puts(&body, "--boundary\r\n" CD "name=\"n\"\r\n\r\n");
    strbuf_append(&body, data.data, data.len);
    strbuf_puts(&body, "\r\n--boundary--\r\n");

    struct result whole;
    run_fresh("boundary", body.data, body.len, NULL, 0, 0, &whole);
    assert_int_equal(whole.rc, 0);
    const char *head = "<B n|-|text/plain>";
    assert_int_equal(whole.log.len, strlen(head) + data.len + 3);
    assert_memory_equal(whole.log.data + strlen(head), data.data, data.len);

    for (int round = 0; round < 50; round++) {
        struct rec r;
        rec_init(&r);
        struct multipart_callbacks cb = {on_begin, on_data, on_end, &r};
        struct multipart_parser *p = multipart_new("boundary", &cb, NULL);
        assert_non_null(p);
        struct err e;
        for (size_t off = 0; off < body.len;) {
            size_t k = rnd(&seed) % 40;
            if (k > body.len - off) k = body.len - off;
            assert_int_equal(multipart_feed(p, body.data + off, k, &e), 0);
            off += k;
        }
        assert_int_equal(multipart_finish(p, &e), 0);
        multipart_free(p);
        assert_int_equal(r.log.len, whole.log.len);
        assert_memory_equal(r.log.data, whole.log.data, whole.log.len);
        strbuf_free(&r.log);
    }
    result_free(&whole);
    strbuf_free(&data);
    strbuf_free(&body);
}

/* A large part is handed on as it arrives: the parser holds back at most a delimiter's worth. */
static void test_streams_without_buffering(void **state)
{
    (void)state;
    const char *boundary = "----edubridge-boundary-0123456789";
    const size_t delim_len = 4 + strlen(boundary);
    struct rec r;
    rec_init(&r);
    struct multipart_callbacks cb = {on_begin, on_data, on_end, &r};
    struct multipart_parser *p = multipart_new(boundary, &cb, NULL);
    assert_non_null(p);
    struct err e;
    char head[256];
    int n = snprintf(head, sizeof head, "--%s\r\n" CD "name=\"big\"; filename=\"big.bin\"\r\n\r\n", boundary);
    assert_int_equal(multipart_feed(p, head, (size_t)n, &e), 0);
    assert_int_equal(r.begins, 1);

    char piece[4096];
    size_t fed = 0;
    for (int i = 0; i < 256; i++) {
        for (size_t k = 0; k < sizeof piece; k++) piece[k] = (char)((fed + k) % 251);
        /* end every piece in a near miss, the worst case for holding back */
        memcpy(piece + sizeof piece - 10, "\r\n--------", 10);
        assert_int_equal(multipart_feed(p, piece, sizeof piece, &e), 0);
        fed += sizeof piece;
        assert_true(r.data_bytes + delim_len >= fed);
        assert_true(r.data_bytes <= fed);
    }
    char tail[128];
    n = snprintf(tail, sizeof tail, "\r\n--%s--\r\n", boundary);
    assert_int_equal(multipart_feed(p, tail, (size_t)n, &e), 0);
    assert_int_equal(multipart_finish(p, &e), 0);
    assert_int_equal(r.data_bytes, fed);
    assert_int_equal(r.ends, 1);
    multipart_free(p);
    strbuf_free(&r.log);
}

/* ---- the receiver stops the parse ---- */

static void test_callback_stops(void **state)
{
    (void)state;
    const char *body = "--b\r\n" CD "name=\"a\"\r\n\r\nA\r\n--b\r\n" CD "name=\"b\"\r\n\r\nB\r\n--b--";
    struct rec r;
    rec_init(&r);
    r.stop_in_part = 2;
    r.stop_rc = ERR_DENIED;
    struct result res;
    run("b", body, strlen(body), NULL, 0, 0, &r, &res);
    assert_int_equal(res.rc, ERR_DENIED);
    assert_string_equal(res.msg, "part 2: the upload was stopped by its receiver");
    assert_string_equal(res.log.data, "<B a|-|text/plain>A<E><B b|-|text/plain>");
    result_free(&res);

    /* A positive return is not an error code: it becomes ERR_INTERNAL. */
    rec_init(&r);
    r.stop_in_part = 1;
    r.stop_rc = 1;
    run("b", body, strlen(body), NULL, 0, 1, &r, &res);
    assert_int_equal(res.rc, ERR_INTERNAL);
    assert_int_equal(res.begins, 1);
    assert_int_equal(res.ends, 0);
    result_free(&res);
}

static void test_callback_gives_its_reason(void **state)
{
    (void)state;
    const char *body = "--b\r\n" CD "name=\"a\"\r\n\r\nA\r\n--b--";
    struct err e;
    struct rec r;
    rec_init(&r);
    r.stop_in_part = 1;
    r.stop_rc = ERR_LIMIT;
    r.tell = &e;
    struct multipart_callbacks cb = {on_begin, on_data, on_end, &r};
    struct multipart_parser *p = multipart_new("b", &cb, NULL);
    assert_non_null(p);
    assert_int_equal(multipart_feed(p, body, strlen(body), &e), ERR_LIMIT);
    assert_int_equal(e.code, ERR_LIMIT); /* the code returned wins over the one written */
    assert_string_equal(e.msg, "uploads are closed");
    struct err again;
    assert_int_equal(multipart_finish(p, &again), ERR_LIMIT);
    assert_string_equal(again.msg, "uploads are closed");
    multipart_free(p);
    strbuf_free(&r.log);
}

static void test_data_callback_stops(void **state)
{
    (void)state;
    const char *body = "--b\r\n" CD "name=\"a\"\r\n\r\nAAAA\r\n--b--";
    struct rec r;
    rec_init(&r);
    r.stop_data_rc = ERR_IO;
    struct result res;
    run("b", body, strlen(body), NULL, 0, 1, &r, &res);
    assert_int_equal(res.rc, ERR_IO);
    assert_int_equal(r.data_calls, 1); /* nothing more after the stop */
    assert_string_equal(res.log.data, "<B a|-|text/plain>A");
    result_free(&res);
}

static void test_no_callbacks_and_after_the_end(void **state)
{
    (void)state;
    const char *body = "--b\r\n" CD "name=\"a\"\r\n\r\nA\r\n--b--\r\n";
    struct multipart_parser *p = multipart_new("b", NULL, NULL);
    assert_non_null(p);
    struct err e;
    assert_int_equal(multipart_feed(p, body, strlen(body), &e), 0);
    /* The epilogue, however long and whatever it holds, is ignored. */
    assert_int_equal(multipart_feed(p, "--b\r\n\x01garbage", 13, &e), 0);
    assert_int_equal(multipart_feed(p, NULL, 0, &e), 0);
    assert_int_equal(multipart_finish(p, &e), 0);
    assert_int_equal(multipart_finish(p, &e), 0);
    multipart_free(p);
    multipart_free(NULL);
}

static void test_new_rejects_bad_boundaries(void **state)
{
    (void)state;
    char b71[72];
    memset(b71, 'a', 71);
    b71[71] = '\0';
    assert_null(multipart_new(NULL, NULL, NULL));
    assert_null(multipart_new("", NULL, NULL));
    assert_null(multipart_new(b71, NULL, NULL));
    assert_null(multipart_new("a\rb", NULL, NULL));
    assert_null(multipart_new("ab ", NULL, NULL));
    b71[70] = '\0';
    struct multipart_parser *p = multipart_new(b71, NULL, NULL);
    assert_non_null(p);
    multipart_free(p);
}

/* ---- the boundary from Content-Type ---- */

struct boundary_case {
    const char *content_type;
    const char *boundary;   /* NULL: an error */
    const char *msg;
};

static const struct boundary_case boundary_cases[] = {
    {"multipart/form-data; boundary=abc", "abc", NULL},
    {"multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW",
     "----WebKitFormBoundary7MA4YWxkTrZu0gW", NULL},
    {"Multipart/Form-Data; BOUNDARY=\"a b:c\"", "a b:c", NULL},
    {"  multipart/form-data ;boundary = \"x\\\"y\" ", NULL, "the boundary has characters RFC 2046 does not allow"},
    {"  multipart/form-data ;boundary = \"x\\y\" ", NULL, "the boundary has characters RFC 2046 does not allow"},
    {"multipart/form-data; charset=utf-8; boundary=xyz; foo=\"bar;baz\"", "xyz", NULL},
    {"multipart/form-data; boundary==_Part_0_1.2/3", "=_Part_0_1.2/3", NULL},
    {"multipart/form-data; boundary=\"'()+_,-./:=? 0\"", "'()+_,-./:=? 0", NULL},
    {"multipart/form-data; boundary=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL},
    {"multipart/form-data; boundary=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     NULL, "the boundary must have 1 to 70 characters, not 71"},
    {"multipart/form-data; boundary=\"\"", NULL, "the boundary must have 1 to 70 characters, not 0"},
    {"multipart/form-data", NULL, "Content-Type has no boundary"},
    {"multipart/form-data; charset=utf-8", NULL, "Content-Type has no boundary"},
    {"multipart/form-data; boundary=abc@def", NULL, "the boundary has characters RFC 2046 does not allow"},
    {"multipart/form-data; boundary=\"a\\\"b\"", NULL, "the boundary has characters RFC 2046 does not allow"},
    {"multipart/form-data; boundary=\"abc \"", NULL, "the boundary has characters RFC 2046 does not allow"},
    {"multipart/form-data; boundary=\"\xC3\xA9\"", NULL, "the boundary has characters RFC 2046 does not allow"},
    {"multipart/form-data; boundary=", NULL, "malformed parameters in Content-Type"},
    {"multipart/form-data; boundary", NULL, "malformed parameters in Content-Type"},
    {"multipart/form-data; boundary=\"abc", NULL, "malformed parameters in Content-Type"},
    {"multipart/form-data boundary=abc", NULL, "malformed parameters in Content-Type"},
    {"multipart/form-data; boundary=a; boundary=b", NULL, "Content-Type has more than one boundary"},
    {"multipart/mixed; boundary=abc", NULL, "Content-Type is not multipart/form-data"},
    {"text/plain; boundary=abc", NULL, "Content-Type is not multipart/form-data"},
    {"", NULL, "Content-Type is not multipart/form-data"},
    {NULL, NULL, "the request has no Content-Type"},
};

static void test_boundary(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof boundary_cases / sizeof boundary_cases[0]; i++) {
        const struct boundary_case *c = &boundary_cases[i];
        struct err e;
        err_clear(&e);
        char *b = multipart_boundary(c->content_type, &e);
        if (c->boundary) {
            if (!b) print_error("\"%s\": %s\n", c->content_type, e.msg);
            assert_non_null(b);
            assert_string_equal(b, c->boundary);
            assert_int_equal(e.code, ERR_NONE);
        } else {
            if (b) print_error("\"%s\" gave \"%s\"\n", c->content_type ? c->content_type : "(null)", b);
            assert_null(b);
            assert_int_equal(e.code, ERR_INVALID);
            assert_string_equal(e.msg, c->msg);
        }
        free(b);
    }
}

/* The boundary read from a header is one the parser accepts. */
static void test_boundary_then_parse(void **state)
{
    (void)state;
    struct err e;
    char *b = multipart_boundary("multipart/form-data; boundary=\"q u:o/t=e?d\"", &e);
    assert_non_null(b);
    const char *body = "--q u:o/t=e?d\r\n" CD "name=\"a\"\r\n\r\nA\r\n--q u:o/t=e?d--";
    struct result res;
    run_all_ways(b, body, strlen(body), NULL, &res);
    assert_int_equal(res.rc, 0);
    assert_string_equal(res.log.data, "<B a|-|text/plain>A<E>");
    result_free(&res);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ok_cases),
        cmocka_unit_test(test_bad_cases),
        cmocka_unit_test(test_header_limit_is_inclusive),
        cmocka_unit_test(test_header_limit_default_in_part_3),
        cmocka_unit_test(test_max_parts_default),
        cmocka_unit_test(test_binary_data),
        cmocka_unit_test(test_near_misses_random_pieces),
        cmocka_unit_test(test_streams_without_buffering),
        cmocka_unit_test(test_callback_stops),
        cmocka_unit_test(test_callback_gives_its_reason),
        cmocka_unit_test(test_data_callback_stops),
        cmocka_unit_test(test_no_callbacks_and_after_the_end),
        cmocka_unit_test(test_new_rejects_bad_boundaries),
        cmocka_unit_test(test_boundary),
        cmocka_unit_test(test_boundary_then_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

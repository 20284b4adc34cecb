/* .xlsx: a zip of XML parts (ECMA-376, "Office Open XML"). The parts read are
 *   _rels/.rels                       where the workbook part is (almost always xl/workbook.xml)
 *   xl/workbook.xml                   sheet names in order, each with a relationship id
 *   xl/_rels/workbook.xml.rels        relationship id -> worksheet part, and the shared strings part
 *   xl/sharedStrings.xml              the strings cells of type "s" point to by index
 *   xl/worksheets/sheetN.xml          <sheetData><row r><c r t><v>|<is><t>
 * Each part is streamed from libzip into expat, so the whole unpacked file is never in memory; the
 * bytes unpacked are counted against SHEET_MAX_BYTES because a zip's declared sizes can lie.
 * Element names are matched by local name so that both the transitional and the strict namespaces
 * (Excel's "Strict Open XML" save option) read the same. */
#include "forms/sheet.h"

#include "base/arena.h"
#include "base/err.h"
#include "base/str.h"

#include <expat.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zip.h>

enum { XLSX_MAX_ROW = 1048576 }; /* Excel's own last row */

struct xlsx {
    struct arena *arena;
    zip_t *zip;
    size_t budget;       /* unpacked bytes still allowed */
    const char **sst;    /* shared strings */
    size_t nsst, sst_cap;
};

/* --- streaming one part through expat ------------------------------------------------------- */

struct xml_ctx {
    XML_Parser parser;
    struct err *e;
    int rc;                      /* set when a handler stops the parse */
    const char *part;            /* zip entry name, for messages */
    const char *sheet;           /* sheet name when reading a worksheet, for messages */
    int row;                     /* row being read, for messages; 0 when none */
    struct strbuf *sink;         /* where character data goes; NULL: ignored */
    int depth;
    void (*start)(struct xml_ctx *c, const char *name, const char **attrs);
    void (*end)(struct xml_ctx *c, const char *name);
};

/* Writes "sheet X, row N: " or "PART: " then the message, so every error says where it is. */
static int xml_error(struct xml_ctx *c, enum err_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int xml_error(struct xml_ctx *c, enum err_code code, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->sheet && c->row)
        return err_set(c->e, code, "sheet %.100s, row %d: %s", c->sheet, c->row, msg);
    if (c->sheet) return err_set(c->e, code, "sheet %.100s: %s", c->sheet, msg);
    return err_set(c->e, code, "%.100s: %s", c->part, msg);
}

static void xml_stop(struct xml_ctx *c, int rc)
{
    c->rc = rc;
    XML_StopParser(c->parser, XML_FALSE);
}

/* With namespace processing expat names elements "URI local"; only the local part matters here. */
static const char *local_name(const char *name)
{
    const char *sp = strrchr(name, ' ');
    return sp ? sp + 1 : name;
}

/* An attribute by local name; namespaced says whether it must carry a namespace (r:id) or not. */
static const char *attr(const char **attrs, const char *local, bool namespaced)
{
    for (size_t i = 0; attrs[i]; i += 2) {
        const char *sp = strrchr(attrs[i], ' ');
        if ((sp != NULL) != namespaced) continue;
        if (strcmp(sp ? sp + 1 : attrs[i], local) == 0) return attrs[i + 1];
    }
    return NULL;
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
    struct xml_ctx *c = ud;
    if (c->rc) return;
    c->depth++;
    c->start(c, local_name(name), attrs);
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    struct xml_ctx *c = ud;
    if (c->rc) return;
    c->end(c, local_name(name));
    c->depth--;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    struct xml_ctx *c = ud;
    if (!c->rc && c->sink) strbuf_append(c->sink, s, (size_t)len);
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal_subset)
{
    (void)name, (void)sysid, (void)pubid, (void)has_internal_subset;
    struct xml_ctx *c = ud;
    if (c->rc) return;
    /* Office never writes a DTD; refusing one shuts out entity expansion tricks altogether. */
    xml_stop(c, xml_error(c, ERR_INVALID, "the XML has a document type declaration, which .xlsx "
                          "files never have"));
}

/* Offset of the first byte that is not part of well-formed UTF-8 in s[0..n), or n. A sequence cut
 * off by the end of the buffer is not an error: *tail gets its length so the caller can carry it. */
static size_t utf8_scan(const unsigned char *s, size_t n, size_t *tail)
{
    *tail = 0;
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) { i++; continue; }
        size_t len;
        /* The allowed range of the second byte rules out overlongs and surrogates. */
        unsigned lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) len = 2;
        else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            if (c == 0xE0) lo = 0xA0;
            if (c == 0xED) hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            if (c == 0xF0) lo = 0x90;
            if (c == 0xF4) hi = 0x8F;
        } else return i;
        for (size_t k = 1; k < len; k++) {
            if (i + k == n) {
                *tail = k;
                return n - k;
            }
            unsigned b = s[i + k];
            if (k == 1 ? (b < lo || b > hi) : (b & 0xC0) != 0x80) return i;
        }
        i += len;
    }
    return n;
}

/* Parts in another encoding (legal XML, never written by Office) are left to expat to decode. */
static bool declared_utf8(const unsigned char *s, size_t n)
{
    if (n >= 2 && ((s[0] == 0xFF && s[1] == 0xFE) || (s[0] == 0xFE && s[1] == 0xFF))) return false;
    if (n < 5 || memcmp(s, "<?xml", 5) != 0) return true;
    size_t end = 0;
    while (end + 1 < n && end < 200 && !(s[end] == '?' && s[end + 1] == '>')) end++;
    char decl[201];
    memcpy(decl, s, end);
    decl[end] = '\0';
    const char *enc = strstr(decl, "encoding");
    if (!enc) return true;
    enc += strcspn(enc, "\"'");
    return *enc && (strncasecmp(enc + 1, "utf-8", 5) == 0 || strncasecmp(enc + 1, "utf8", 4) == 0);
}

static int zip_failure(struct xml_ctx *c, zip_error_t *ze)
{
    int code = zip_error_code_zip(ze);
    if (code == ZIP_ER_NOPASSWD || code == ZIP_ER_WRONGPASSWD || code == ZIP_ER_ENCRNOTSUPP)
        return err_set(c->e, ERR_INVALID, "the .xlsx file is encrypted; save it without a password");
    return err_set(c->e, ERR_INVALID, "the .xlsx file is damaged (%.100s: %s)", c->part,
                   zip_error_strerror(ze));
}

static int xml_feed(struct xml_ctx *c, const char *buf, size_t n, bool final)
{
    if (XML_Parse(c->parser, buf, (int)n, final) != XML_STATUS_ERROR) return 0;
    if (c->rc) return c->rc;
    return xml_error(c, ERR_INVALID, "the XML is not well-formed at line %llu, column %llu (%s)",
                     (unsigned long long)XML_GetCurrentLineNumber(c->parser),
                     (unsigned long long)XML_GetCurrentColumnNumber(c->parser),
                     XML_ErrorString(XML_GetErrorCode(c->parser)));
}

static int xml_read_part(struct xlsx *x, zip_int64_t index, struct xml_ctx *c)
{
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(x->zip, (zip_uint64_t)index, 0, &st) == 0 && (st.valid & ZIP_STAT_SIZE) &&
        st.size > x->budget)
        return err_set(c->e, ERR_LIMIT, "the .xlsx file unpacks to more than %zu MiB (at %.100s)",
                       SHEET_MAX_BYTES >> 20, c->part);
    zip_file_t *f = zip_fopen_index(x->zip, (zip_uint64_t)index, 0);
    if (!f) return zip_failure(c, zip_get_error(x->zip));
    c->parser = XML_ParserCreateNS(NULL, ' ');
    if (!c->parser) abort();
    XML_SetUserData(c->parser, c);
    XML_SetElementHandler(c->parser, on_start, on_end);
    XML_SetCharacterDataHandler(c->parser, on_text);
    XML_SetStartDoctypeDeclHandler(c->parser, on_doctype);
    c->rc = 0;

    enum { CHUNK = 64 * 1024 };
    _Static_assert(CHUNK < 1 << 30, "XML_Parse takes an int length");
    char *buf = malloc(CHUNK + 4);
    if (!buf) abort();
    size_t carry = 0;    /* bytes of an incomplete UTF-8 sequence kept from the last read */
    unsigned long long fed = 0;
    bool check = true, first = true;
    int rc = 0;
    for (;;) {
        zip_int64_t n = zip_fread(f, buf + carry, CHUNK);
        if (n < 0) {
            rc = zip_failure(c, zip_file_get_error(f));
            break;
        }
        if ((size_t)n > x->budget) {
            rc = err_set(c->e, ERR_LIMIT, "the .xlsx file unpacks to more than %zu MiB (at %.100s)",
                         SHEET_MAX_BYTES >> 20, c->part);
            break;
        }
        x->budget -= (size_t)n;
        size_t have = carry + (size_t)n;
        if (first) check = declared_utf8((unsigned char *)buf, have), first = false;
        size_t good = have, tail = 0;
        if (check) {
            good = utf8_scan((unsigned char *)buf, have, &tail);
            if (n == 0 && tail) good = have - tail, tail = 0; /* cut off by the end of the part */
            if (good + tail < have || (n == 0 && good < have)) {
                /* Parse up to the bad byte first, so that the message names the row it is in. */
                rc = xml_feed(c, buf, good, false);
                if (rc) break;
                if (c->sheet)
                    rc = xml_error(c, ERR_INVALID, "the text is not valid UTF-8 (at byte %llu of %.100s)",
                                   fed + good + 1, c->part);
                else
                    rc = xml_error(c, ERR_INVALID, "the text is not valid UTF-8 (at byte %llu)",
                                   fed + good + 1);
                break;
            }
        }
        rc = xml_feed(c, buf, good, n == 0);
        fed += good;
        if (rc || n == 0) break;
        memmove(buf, buf + good, tail);
        carry = tail;
    }
    free(buf);
    XML_ParserFree(c->parser);
    c->parser = NULL;
    zip_fclose(f);
    return rc;
}

static zip_int64_t locate(struct xlsx *x, const char *name)
{
    /* Part names in OPC are case-insensitive. */
    return zip_name_locate(x->zip, name, ZIP_FL_NOCASE);
}

/* --- relationships ---------------------------------------------------------------------------- */

struct rel {
    const char *id, *type, *target;
    bool external;
};

struct rels_ctx {
    struct xml_ctx x;
    struct arena *arena;
    struct rel *rels;
    size_t count, cap;
};

static void rels_start(struct xml_ctx *c, const char *name, const char **attrs)
{
    struct rels_ctx *r = (struct rels_ctx *)c;
    if (strcmp(name, "Relationship") != 0) return;
    const char *id = attr(attrs, "Id", false), *type = attr(attrs, "Type", false);
    const char *target = attr(attrs, "Target", false), *mode = attr(attrs, "TargetMode", false);
    if (!id || !type || !target) return;
    if (r->count == r->cap) {
        if (r->count == 10000) {
            xml_stop(c, xml_error(c, ERR_LIMIT, "more than 10000 relationships"));
            return;
        }
        size_t cap = r->cap ? r->cap * 2 : 16;
        struct rel *n = arena_alloc(r->arena, cap * sizeof *n);
        if (r->count) memcpy(n, r->rels, r->count * sizeof *n);
        r->rels = n;
        r->cap = cap;
    }
    r->rels[r->count++] = (struct rel){
        .id = arena_strdup(r->arena, id),
        .type = arena_strdup(r->arena, type),
        .target = arena_strdup(r->arena, target),
        .external = mode && strcmp(mode, "External") == 0,
    };
}

static void ignore_end(struct xml_ctx *c, const char *name)
{
    (void)c, (void)name;
}

static int read_rels(struct xlsx *x, const char *part, struct rels_ctx *r, struct err *e)
{
    *r = (struct rels_ctx){.x = {.e = e, .part = part, .start = rels_start, .end = ignore_end},
                           .arena = x->arena};
    zip_int64_t index = locate(x, part);
    if (index < 0) return ERR_NOT_FOUND;
    return xml_read_part(x, index, &r->x);
}

/* Relationship types differ between transitional and strict namespaces; their last segment does not. */
static const struct rel *rel_of_type(const struct rels_ctx *r, const char *kind)
{
    for (size_t i = 0; i < r->count; i++) {
        const char *slash = strrchr(r->rels[i].type, '/');
        if (slash && strcmp(slash + 1, kind) == 0 && !r->rels[i].external) return &r->rels[i];
    }
    return NULL;
}

/* The zip entry a relationship target names, relative to the source part's folder ("xl/") or
 * absolute ("/xl/worksheets/sheet1.xml"); "." and ".." are resolved. NULL when it leaves the zip. */
static char *resolve(struct arena *a, const char *dir, const char *target)
{
    char *joined = target[0] == '/' ? arena_strdup(a, target + 1) : arena_printf(a, "%s%s", dir, target);
    char *out = arena_alloc(a, strlen(joined) + 1);
    size_t n = 0;
    for (char *seg = joined, *next; seg; seg = next) {
        char *slash = strchr(seg, '/');
        next = slash ? slash + 1 : NULL;
        size_t len = slash ? (size_t)(slash - seg) : strlen(seg);
        if (len == 0 || (len == 1 && seg[0] == '.')) continue;
        if (len == 2 && seg[0] == '.' && seg[1] == '.') {
            if (n == 0) return NULL;
            n--; /* drop the '/' ending the previous segment, then the segment */
            while (n && out[n - 1] != '/') n--;
            continue;
        }
        memcpy(out + n, seg, len);
        n += len;
        if (next) out[n++] = '/';
    }
    out[n] = '\0';
    return n ? out : NULL;
}

/* --- workbook --------------------------------------------------------------------------------- */

struct wb_sheet {
    const char *name, *rid;
};

struct wb_ctx {
    struct xml_ctx x;
    struct arena *arena;
    struct wb_sheet *sheets;
    size_t count, cap;
    int sheets_depth;
};

static void wb_start(struct xml_ctx *c, const char *name, const char **attrs)
{
    struct wb_ctx *w = (struct wb_ctx *)c;
    if (!w->sheets_depth && strcmp(name, "sheets") == 0) {
        w->sheets_depth = c->depth;
        return;
    }
    if (w->sheets_depth != c->depth - 1 || strcmp(name, "sheet") != 0) return;
    const char *sname = attr(attrs, "name", false), *rid = attr(attrs, "id", true);
    if (!sname || !*sname || !rid) {
        xml_stop(c, xml_error(c, ERR_INVALID, "a sheet has no name or no relationship id"));
        return;
    }
    if (w->count == w->cap) {
        if (w->count == SHEET_MAX_SHEETS) {
            xml_stop(c, xml_error(c, ERR_LIMIT, "the file has more than %d sheets", SHEET_MAX_SHEETS));
            return;
        }
        size_t cap = w->cap ? w->cap * 2 : 8;
        struct wb_sheet *n = arena_alloc(w->arena, cap * sizeof *n);
        if (w->count) memcpy(n, w->sheets, w->count * sizeof *n);
        w->sheets = n;
        w->cap = cap;
    }
    w->sheets[w->count++] = (struct wb_sheet){arena_strdup(w->arena, sname), arena_strdup(w->arena, rid)};
}

static void wb_end(struct xml_ctx *c, const char *name)
{
    struct wb_ctx *w = (struct wb_ctx *)c;
    (void)name;
    if (w->sheets_depth == c->depth) w->sheets_depth = -1; /* one <sheets> only */
}

/* --- string escapes ---------------------------------------------------------------------------- */

static int hex4(const char *s)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

/* The UTF-16 unit of an "_xHHHH_" escape at s[i..n), or -1. */
static int escape_at(const char *s, size_t i, size_t n)
{
    if (n - i < 7 || s[i] != '_' || s[i + 1] != 'x' || s[i + 6] != '_') return -1;
    return hex4(s + i + 2);
}

/* Strings in OOXML escape characters XML cannot hold (and literal "_x" runs) as "_xHHHH_", UTF-16
 * units in hex: Excel writes a carriage return in a cell as "_x000D_" and the text "_x0041_" as
 * "_x005F_x0041_". Decoded in place, since UTF-8 is never longer than the escape. NUL and unpaired
 * surrogates are left as written: they cannot be a C string's text. */
static void unescape_ooxml(struct strbuf *sb)
{
    if (!memchr(sb->data, '_', sb->len)) return;
    char *s = sb->data;
    size_t n = sb->len, o = 0;
    for (size_t i = 0; i < n;) {
        int u = escape_at(s, i, n);
        unsigned cp = (unsigned)u;
        size_t used = 7;
        if (u >= 0xD800 && u <= 0xDBFF) {
            int lo = escape_at(s, i + 7, n);
            if (i + 7 < n && lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + (((unsigned)u - 0xD800) << 10) + ((unsigned)lo - 0xDC00);
                used = 14;
            } else {
                u = -1;
            }
        }
        if (u <= 0 || (u >= 0xDC00 && u <= 0xDFFF)) {
            s[o++] = s[i++];
            continue;
        }
        if (cp < 0x80) {
            s[o++] = (char)cp;
        } else if (cp < 0x800) {
            s[o++] = (char)(0xC0 | cp >> 6);
            s[o++] = (char)(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            s[o++] = (char)(0xE0 | cp >> 12);
            s[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            s[o++] = (char)(0x80 | (cp & 0x3F));
        } else {
            s[o++] = (char)(0xF0 | cp >> 18);
            s[o++] = (char)(0x80 | ((cp >> 12) & 0x3F));
            s[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            s[o++] = (char)(0x80 | (cp & 0x3F));
        }
        i += used;
    }
    sb->len = o;
    s[o] = '\0';
}

/* --- shared strings --------------------------------------------------------------------------- */

struct sst_ctx {
    struct xml_ctx x;
    struct xlsx *book;
    struct strbuf text;
    int si_depth, t_depth, rph_depth;
};

static void sst_start(struct xml_ctx *c, const char *name, const char **attrs)
{
    (void)attrs;
    struct sst_ctx *s = (struct sst_ctx *)c;
    if (!s->si_depth) {
        if (strcmp(name, "si") == 0) {
            s->si_depth = c->depth;
            strbuf_reset(&s->text);
        }
    } else if (!s->rph_depth && !s->t_depth) {
        /* rPh holds phonetic guides (furigana) that are not part of the cell's text. */
        if (strcmp(name, "rPh") == 0) s->rph_depth = c->depth;
        else if (strcmp(name, "t") == 0) {
            s->t_depth = c->depth;
            c->sink = &s->text;
        }
    }
}

static void sst_end(struct xml_ctx *c, const char *name)
{
    (void)name;
    struct sst_ctx *s = (struct sst_ctx *)c;
    struct xlsx *x = s->book;
    if (s->t_depth == c->depth) {
        s->t_depth = 0;
        c->sink = NULL;
    } else if (s->rph_depth == c->depth) {
        s->rph_depth = 0;
    } else if (s->si_depth == c->depth) {
        s->si_depth = 0;
        if (x->nsst == x->sst_cap) {
            if (x->nsst == SHEET_MAX_CELLS) {
                xml_stop(c, xml_error(c, ERR_LIMIT, "more than %d shared strings", SHEET_MAX_CELLS));
                return;
            }
            size_t cap = x->sst_cap ? x->sst_cap * 2 : 64;
            const char **n = arena_alloc(x->arena, cap * sizeof *n);
            if (x->nsst) memcpy(n, x->sst, x->nsst * sizeof *n);
            x->sst = n;
            x->sst_cap = cap;
        }
        unescape_ooxml(&s->text);
        x->sst[x->nsst++] = s->text.len ? arena_strndup(x->arena, s->text.data, s->text.len) : "";
    }
}

static int read_sst(struct xlsx *x, const char *part, struct err *e)
{
    zip_int64_t index = locate(x, part);
    if (index < 0) return 0; /* a workbook with no text cells has none */
    struct sst_ctx s = {.x = {.e = e, .part = part, .start = sst_start, .end = sst_end}, .book = x};
    strbuf_init(&s.text, NULL, 256);
    int rc = xml_read_part(x, index, &s.x);
    strbuf_free(&s.text);
    return rc;
}

/* --- worksheets ------------------------------------------------------------------------------- */

struct ws_ctx {
    struct xml_ctx x;
    struct xlsx *book;
    struct sheet_builder *builder;
    int data_depth, row_depth, cell_depth, v_depth, is_depth, t_depth, rph_depth;
    int prev_row;
    long col, prev_col;
    char type;                  /* 's' shared, 'i' inline, 'b' boolean, 'n' anything else */
    bool has_v, has_is;
    struct strbuf v, is;
    const char *cells[SHEET_MAX_COLUMNS];
    size_t width;               /* cells[0..width) hold this row's cells */
};

/* "B3" -> column 1. Only the letters matter: the row's own r gives the row. */
static bool parse_ref(const char *r, long *col)
{
    long c = 0;
    size_t letters = 0;
    for (; (*r >= 'A' && *r <= 'Z') || (*r >= 'a' && *r <= 'z'); r++) {
        if (++letters > 3) return false;
        c = c * 26 + ((*r | 0x20) - 'a' + 1);
    }
    if (!letters || !*r) return false;
    for (; *r; r++)
        if (*r < '0' || *r > '9') return false;
    *col = c - 1;
    return true;
}

static void row_start(struct ws_ctx *w, const char **attrs)
{
    struct xml_ctx *c = &w->x;
    const char *r = attr(attrs, "r", false);
    int64_t number = w->prev_row + 1;
    if (r && !str_to_int64(r, 1, XLSX_MAX_ROW, &number)) {
        xml_stop(c, xml_error(c, ERR_INVALID, "a row has the invalid number \"%.20s\"", r));
        return;
    }
    if (number > XLSX_MAX_ROW) {
        xml_stop(c, xml_error(c, ERR_INVALID, "more rows than a spreadsheet can have"));
        return;
    }
    w->row_depth = c->depth;
    c->row = (int)number;
    for (size_t i = 0; i < w->width; i++) w->cells[i] = "";
    w->width = 0;
    w->prev_col = -1;
}

static void cell_start(struct ws_ctx *w, const char **attrs)
{
    struct xml_ctx *c = &w->x;
    const char *r = attr(attrs, "r", false), *t = attr(attrs, "t", false);
    long col = w->prev_col + 1;
    if (r && !parse_ref(r, &col)) {
        xml_stop(c, xml_error(c, ERR_INVALID, "a cell has the invalid reference \"%.20s\"", r));
        return;
    }
    w->cell_depth = c->depth;
    w->col = w->prev_col = col;
    w->type = !t ? 'n' : strcmp(t, "s") == 0 ? 's' : strcmp(t, "inlineStr") == 0 ? 'i'
            : strcmp(t, "b") == 0 ? 'b' : 'n';
    w->has_v = w->has_is = false;
    strbuf_reset(&w->v);
    strbuf_reset(&w->is);
}

static void ws_start(struct xml_ctx *c, const char *name, const char **attrs)
{
    struct ws_ctx *w = (struct ws_ctx *)c;
    if (!w->data_depth) {
        if (strcmp(name, "sheetData") == 0) w->data_depth = c->depth;
    } else if (w->data_depth < 0) {
        return;
    } else if (!w->row_depth) {
        if (c->depth == w->data_depth + 1 && strcmp(name, "row") == 0) row_start(w, attrs);
    } else if (!w->cell_depth) {
        if (c->depth == w->row_depth + 1 && strcmp(name, "c") == 0) cell_start(w, attrs);
    } else if (w->is_depth) {
        if (w->rph_depth || w->t_depth) return;
        if (strcmp(name, "rPh") == 0) w->rph_depth = c->depth;
        else if (strcmp(name, "t") == 0) {
            w->t_depth = c->depth;
            c->sink = &w->is;
        }
    } else if (!w->v_depth && c->depth == w->cell_depth + 1) {
        if (strcmp(name, "v") == 0) {
            w->v_depth = c->depth;
            w->has_v = true;
            c->sink = &w->v;
        } else if (strcmp(name, "is") == 0) {
            w->is_depth = c->depth;
            w->has_is = true;
        }
    }
}

/* The cell's text as the XLSForm layer wants it, or NULL after stopping the parse. *in_arena says
 * whether it already lives in the arena (shared strings, which many cells may use). */
static const char *cell_value(struct ws_ctx *w, bool *in_arena)
{
    struct xml_ctx *c = &w->x;
    *in_arena = false;
    if (w->type == 'i' || (!w->has_v && w->has_is)) {
        unescape_ooxml(&w->is);
        return w->is.data;
    }
    if (!w->has_v) return "";
    if (w->type == 's') {
        int64_t i;
        if (!str_to_int64(w->v.data, 0, INT64_MAX, &i) || (uint64_t)i >= w->book->nsst) {
            char col[8];
            sheet_column_name((size_t)w->col, col);
            xml_stop(c, xml_error(c, ERR_INVALID, "cell %s%d refers to shared string \"%.20s\", "
                                  "which does not exist (the file has %zu)", col, c->row, w->v.data,
                                  w->book->nsst));
            return NULL;
        }
        *in_arena = true;
        return w->book->sst[i];
    }
    if (w->type == 'b' && strcmp(w->v.data, "1") == 0) return "true";
    if (w->type == 'b' && strcmp(w->v.data, "0") == 0) return "false";
    return w->v.data;
}

static void cell_end(struct ws_ctx *w)
{
    struct xml_ctx *c = &w->x;
    bool in_arena;
    const char *value = cell_value(w, &in_arena);
    if (!value || !*value) return;
    if (w->col >= SHEET_MAX_COLUMNS) {
        char col[8];
        sheet_column_name((size_t)w->col, col);
        xml_stop(c, xml_error(c, ERR_LIMIT, "more than %d columns (cell %s%d is not empty)",
                              SHEET_MAX_COLUMNS, col, c->row));
        return;
    }
    w->cells[w->col] = in_arena ? value : arena_strdup(w->book->arena, value);
    if ((size_t)w->col + 1 > w->width) w->width = (size_t)w->col + 1;
}

static void ws_end(struct xml_ctx *c, const char *name)
{
    (void)name;
    struct ws_ctx *w = (struct ws_ctx *)c;
    int d = c->depth;
    if (w->t_depth == d) {
        w->t_depth = 0;
        c->sink = NULL;
    } else if (w->rph_depth == d) {
        w->rph_depth = 0;
    } else if (w->is_depth == d) {
        w->is_depth = 0;
    } else if (w->v_depth == d) {
        w->v_depth = 0;
        c->sink = NULL;
    } else if (w->cell_depth == d) {
        w->cell_depth = 0;
        cell_end(w);
    } else if (w->row_depth == d) {
        w->row_depth = 0;
        int rc = sheet_builder_add_row(w->builder, c->row, w->cells, w->width, c->e);
        if (rc) xml_stop(c, rc);
        w->prev_row = c->row;
        c->row = 0;
    } else if (w->data_depth == d) {
        w->data_depth = -1; /* one <sheetData> only */
    }
}

static int read_worksheet(struct xlsx *x, struct sheet_builder *b, const char *name, const char *part,
                          struct err *e)
{
    zip_int64_t index = locate(x, part);
    if (index < 0)
        return err_set(e, ERR_INVALID, "sheet %.100s: the .xlsx file is damaged (%.100s is missing)",
                       name, part);
    struct ws_ctx *w = arena_calloc(x->arena, 1, sizeof *w); /* ~8 KB: kept off the stack */
    w->x = (struct xml_ctx){.e = e, .part = part, .sheet = name, .start = ws_start, .end = ws_end};
    w->book = x;
    w->builder = b;
    for (size_t i = 0; i < SHEET_MAX_COLUMNS; i++) w->cells[i] = "";
    strbuf_init(&w->v, NULL, 64);
    strbuf_init(&w->is, NULL, 64);
    int rc = xml_read_part(x, index, &w->x);
    strbuf_free(&w->v);
    strbuf_free(&w->is);
    return rc;
}

/* --- the workbook as a whole ------------------------------------------------------------------ */

static int open_zip(struct xlsx *x, const void *data, size_t len, struct err *e)
{
    const unsigned char *u = data;
    if (len == 0) /* libzip would open it as a new, empty archive */
        return err_set(e, ERR_INVALID, "not an .xlsx file (the file is empty)");
    /* Password-protected workbooks are not zips but OLE2 containers, like old .xls files. */
    if (len >= 8 && memcmp(u, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) == 0)
        return err_set(e, ERR_INVALID, "not an .xlsx file: this is an old .xls workbook or a "
                       "password-protected one; save it as .xlsx without a password");
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(data, len, 0, &ze);
    if (!src) abort();
    x->zip = zip_open_from_source(src, ZIP_RDONLY, &ze);
    if (x->zip) {
        zip_error_fini(&ze);
        return 0;
    }
    zip_source_free(src);
    int code = zip_error_code_zip(&ze);
    int rc;
    if (code == ZIP_ER_NOZIP && len >= 4 && memcmp(u, "PK\x03\x04", 4) == 0)
        rc = err_set(e, ERR_INVALID, "the .xlsx file is incomplete or damaged (it may have been cut "
                     "short while copying or uploading)");
    else if (code == ZIP_ER_NOZIP)
        rc = err_set(e, ERR_INVALID, "not an .xlsx file (not a zip archive)");
    else
        rc = err_set(e, ERR_INVALID, "the .xlsx file is damaged (%s)", zip_error_strerror(&ze));
    zip_error_fini(&ze);
    return rc;
}

/* The workbook part: where _rels/.rels says, else where every producer puts it. */
static const char *workbook_part(struct xlsx *x, struct err *e, int *rc)
{
    struct rels_ctx root;
    *rc = read_rels(x, "_rels/.rels", &root, e);
    if (*rc == ERR_NOT_FOUND) *rc = 0;
    if (*rc) return NULL;
    const struct rel *r = rel_of_type(&root, "officeDocument");
    const char *part = r ? resolve(x->arena, "", r->target) : NULL;
    if (part && locate(x, part) >= 0) return part;
    if (locate(x, "xl/workbook.xml") >= 0) return "xl/workbook.xml";
    *rc = err_set(e, ERR_INVALID, "not an .xlsx workbook: the zip has no xl/workbook.xml");
    return NULL;
}

static int read_book(struct xlsx *x, struct sheet_builder *b, struct err *e)
{
    int rc;
    const char *wb_part = workbook_part(x, e, &rc);
    if (!wb_part) return rc;
    const char *slash = strrchr(wb_part, '/');
    const char *dir = slash ? arena_strndup(x->arena, wb_part, (size_t)(slash - wb_part + 1)) : "";
    const char *file = slash ? slash + 1 : wb_part;

    struct wb_ctx wb = {.x = {.e = e, .part = wb_part, .start = wb_start, .end = wb_end},
                        .arena = x->arena};
    rc = xml_read_part(x, locate(x, wb_part), &wb.x);
    if (rc) return rc;

    struct rels_ctx rels;
    const char *rels_part = arena_printf(x->arena, "%s_rels/%s.rels", dir, file);
    rc = read_rels(x, rels_part, &rels, e);
    if (rc == ERR_NOT_FOUND)
        return err_set(e, ERR_INVALID, "the .xlsx file is damaged (%.100s is missing)", rels_part);
    if (rc) return rc;

    const struct rel *sst = rel_of_type(&rels, "sharedStrings");
    const char *sst_part = sst ? resolve(x->arena, dir, sst->target) : NULL;
    rc = read_sst(x, sst_part ? sst_part : arena_printf(x->arena, "%ssharedStrings.xml", dir), e);
    if (rc) return rc;

    for (size_t i = 0; i < wb.count; i++) {
        const struct rel *r = NULL;
        for (size_t k = 0; k < rels.count && !r; k++)
            if (strcmp(rels.rels[k].id, wb.sheets[i].rid) == 0) r = &rels.rels[k];
        if (!r)
            return err_set(e, ERR_INVALID, "sheet %.100s: the .xlsx file is damaged (relationship "
                           "%.40s is missing)", wb.sheets[i].name, wb.sheets[i].rid);
        const char *kind = strrchr(r->type, '/');
        if (!kind || strcmp(kind, "/worksheet") != 0) continue; /* chart sheets, macro sheets */
        const char *part = r->external ? NULL : resolve(x->arena, dir, r->target);
        if (!part)
            return err_set(e, ERR_INVALID, "sheet %.100s: the .xlsx file is damaged (its part "
                           "\"%.100s\" is outside the file)", wb.sheets[i].name, r->target);
        rc = sheet_builder_add_sheet(b, wb.sheets[i].name, e);
        if (rc) return rc;
        rc = read_worksheet(x, b, wb.sheets[i].name, part, e);
        if (rc) return rc;
    }
    return 0;
}

int sheet_read_xlsx(struct arena *a, const void *data, size_t len, struct sheet_book *out,
                    struct err *e)
{
    struct xlsx x = {.arena = a, .budget = SHEET_MAX_BYTES};
    int rc = open_zip(&x, data, len, e);
    if (rc) return rc;
    struct sheet_builder b;
    sheet_builder_init(&b, a);
    rc = read_book(&x, &b, e);
    zip_discard(x.zip);
    if (rc) return rc;
    sheet_builder_finish(&b, out);
    return 0;
}

#include "http/params.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void params_push(struct arena *a, struct http_params *p, size_t *cap, const char *name,
                        const char *value)
{
    if (p->count == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        struct http_param *items = arena_alloc(a, ncap * sizeof *items);
        if (p->count) memcpy(items, p->items, p->count * sizeof *items);
        p->items = items;
        *cap = ncap;
    }
    p->items[p->count].name = name;
    p->items[p->count].value = value;
    p->count++;
}

/* True when the percent-decoding of s[0, n) (whose escapes are well-formed) holds a NUL byte. */
static bool decodes_to_nul(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\0') return true;
        if (s[i] == '%') {
            if (i + 2 < n && s[i + 1] == '0' && s[i + 2] == '0') return true;
            i += 2;
        }
    }
    return false;
}

/* How an error names a parameter: by position, and by name once the name is known to be text
 * (cut at a character boundary so the message stays valid UTF-8). */
static void describe(char *buf, size_t size, size_t number, const char *name)
{
    if (!name || !*name) {
        snprintf(buf, size, "parameter %zu", number);
        return;
    }
    size_t n = strlen(name), cut = n > 60 ? 60 : n;
    while (cut < n && cut > 0 && ((unsigned char)name[cut] & 0xC0) == 0x80) cut--;
    snprintf(buf, size, "parameter %zu ('%.*s%s')", number, (int)cut, name, cut < n ? "..." : "");
}

int params_parse_urlencoded(struct arena *a, const char *s, size_t len, struct http_params *out,
                            struct err *e)
{
    out->items = NULL;
    out->count = 0;
    size_t cap = 0;
    size_t i = 0;
    char what[128];
    while (i < len) {
        size_t start = i;
        while (i < len && s[i] != '&') i++;
        size_t end = i++;
        if (end == start) continue; /* "a=1&&b=2" */
        if (out->count >= PARAMS_MAX) {
            return err_set(e, ERR_LIMIT, "more than %d parameters", PARAMS_MAX);
        }
        size_t number = out->count + 1;
        const char *eq = memchr(s + start, '=', end - start);
        size_t name_len = eq ? (size_t)(eq - (s + start)) : end - start;
        char *name = str_url_decode(a, s + start, name_len, true);
        if (!name) {
            return err_set(e, ERR_INVALID, "parameter %zu has a malformed %% escape in its name", number);
        }
        /* A NUL would silently cut the text short of what was sent: refuse it, as for paths. */
        if (decodes_to_nul(s + start, name_len)) {
            return err_set(e, ERR_INVALID, "parameter %zu has a NUL character in its name", number);
        }
        if (!str_utf8_valid(name, strlen(name))) {
            return err_set(e, ERR_INVALID, "parameter %zu has a name that is not valid UTF-8", number);
        }
        describe(what, sizeof what, number, name);
        const char *vs = eq ? eq + 1 : s + end;
        size_t vlen = eq ? end - start - name_len - 1 : 0;
        char *value = str_url_decode(a, vs, vlen, true);
        if (!value) {
            return err_set(e, ERR_INVALID, "%s has a malformed %% escape", what);
        }
        if (decodes_to_nul(vs, vlen)) {
            return err_set(e, ERR_INVALID, "%s has a NUL character in its value", what);
        }
        if (!str_utf8_valid(value, strlen(value))) {
            return err_set(e, ERR_INVALID, "%s is not valid UTF-8", what);
        }
        params_push(a, out, &cap, name, value);
    }
    return 0;
}

void params_parse_cookies(struct arena *a, const char *header, struct http_params *out)
{
    out->items = NULL;
    out->count = 0;
    size_t cap = 0;
    const char *p = header;
    while (p && *p && out->count < PARAMS_MAX) {
        while (*p == ' ' || *p == '\t' || *p == ';') p++;
        const char *start = p;
        while (*p && *p != ';') p++;
        const char *end = p;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t')) end--;
        const char *eq = memchr(start, '=', (size_t)(end - start));
        if (!eq || eq == start) continue;
        const char *ns = start, *ne = eq;
        while (ne > ns && (ne[-1] == ' ' || ne[-1] == '\t')) ne--;
        const char *vs = eq + 1, *ve = end;
        while (vs < ve && (*vs == ' ' || *vs == '\t')) vs++;
        if (ve - vs >= 2 && *vs == '"' && ve[-1] == '"') {
            vs++;
            ve--;
        }
        params_push(a, out, &cap, arena_strndup(a, ns, (size_t)(ne - ns)),
                    arena_strndup(a, vs, (size_t)(ve - vs)));
    }
}

bool params_accepts_gzip(const char *header)
{
    /* RFC 9110 section 12.5.3: an explicit "gzip" (or its alias "x-gzip") decides by its q;
     * otherwise "*" does, so "gzip;q=0, *" refuses gzip. -1: not listed. */
    double gzip_q = -1.0, star_q = -1.0;
    const char *p = header;
    while (p && *p) {
        while (*p == ' ' || *p == '\t' || *p == ',') p++;
        const char *tok = p;
        while (*p && *p != ',' && *p != ';' && *p != ' ' && *p != '\t') p++;
        size_t n = (size_t)(p - tok);
        double q = 1.0;
        while (*p == ' ' || *p == '\t') p++;
        while (*p == ';') {
            p++;
            while (*p == ' ' || *p == '\t') p++;
            if ((*p == 'q' || *p == 'Q') && p[1] == '=') {
                char *qend;
                q = strtod(p + 2, &qend);
                if (qend == p + 2 || !(q >= 0.0)) q = 0.0; /* no number, or NaN or negative */
            }
            while (*p && *p != ';' && *p != ',') p++;
        }
        bool is_gzip = (n == 4 && strncasecmp(tok, "gzip", 4) == 0) ||
                       (n == 6 && strncasecmp(tok, "x-gzip", 6) == 0);
        if (is_gzip && gzip_q < 0) gzip_q = q;
        else if (n == 1 && *tok == '*' && star_q < 0) star_q = q;
        while (*p && *p != ',') p++;
    }
    return gzip_q >= 0 ? gzip_q > 0 : star_q > 0;
}

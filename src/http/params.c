#include "http/params.h"

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

int params_parse_urlencoded(struct arena *a, const char *s, size_t len, struct http_params *out,
                            struct err *e)
{
    out->items = NULL;
    out->count = 0;
    size_t cap = 0;
    size_t i = 0;
    while (i < len) {
        size_t start = i;
        while (i < len && s[i] != '&') i++;
        size_t end = i++;
        if (end == start) continue; /* "a=1&&b=2" */
        const char *eq = memchr(s + start, '=', end - start);
        size_t name_len = eq ? (size_t)(eq - (s + start)) : end - start;
        char *name = str_url_decode(a, s + start, name_len, true);
        char *value = eq ? str_url_decode(a, eq + 1, end - start - name_len - 1, true)
                         : arena_strdup(a, "");
        if (!name || !value) {
            return err_set(e, ERR_INVALID, "parameter %zu has a malformed %% escape", out->count + 1);
        }
        if (!str_utf8_valid(name, strlen(name)) || !str_utf8_valid(value, strlen(value))) {
            return err_set(e, ERR_INVALID, "parameter %zu is not valid UTF-8", out->count + 1);
        }
        if (out->count >= PARAMS_MAX) {
            return err_set(e, ERR_LIMIT, "more than %d parameters", PARAMS_MAX);
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
    const char *p = header;
    while (p && *p) {
        while (*p == ' ' || *p == ',') p++;
        const char *tok = p;
        while (*p && *p != ',' && *p != ';' && *p != ' ') p++;
        size_t n = (size_t)(p - tok);
        double q = 1.0;
        while (*p == ' ') p++;
        while (*p == ';') {
            p++;
            while (*p == ' ') p++;
            if ((*p == 'q' || *p == 'Q') && p[1] == '=') q = strtod(p + 2, NULL);
            while (*p && *p != ';' && *p != ',') p++;
        }
        if (((n == 4 && strncasecmp(tok, "gzip", 4) == 0) || (n == 1 && *tok == '*')) && q > 0)
            return true;
        while (*p && *p != ',') p++;
    }
    return false;
}

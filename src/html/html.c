#include "html/html.h"

#include <stdbool.h>
#include <string.h>

void html_lit_(struct strbuf *sb, const char *literal, size_t len)
{
    strbuf_append(sb, literal, len);
}

/* Length of the well-formed UTF-8 sequence at s (1-4), or 0 when it is not well-formed. */
static size_t utf8_seq(const unsigned char *s)
{
    unsigned c = s[0];
    if (c < 0x80) return 1;
    size_t len;
    unsigned cp, min;
    if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; min = 0x80; }
    else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; min = 0x800; }
    else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; min = 0x10000; }
    else return 0;
    for (size_t k = 1; k < len; k++) {
        if ((s[k] & 0xC0) != 0x80) return 0; /* also stops at the NUL */
        cp = (cp << 6) | (s[k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

/* U+0080..U+009F (C1 controls) in UTF-8: C2 80..C2 9F. */
static bool is_c1_control(const unsigned char *s)
{
    return s[0] == 0xC2 && s[1] >= 0x80 && s[1] <= 0x9F;
}

/* Bytes that escape() copies as they are without looking further: printable ASCII but the five
 * it replaces (tab, newline and CR are left to the slow path, which also keeps them). */
static inline bool plain_ascii(unsigned char c)
{
    return c >= 0x20 && c < 0x7F && c != '&' && c != '<' && c != '>' && c != '"' && c != '\'';
}

/* Escapes for both content and double-quoted attributes: the five characters that can end a
 * context, and control characters (C0 other than tab/newline/CR, DEL, C1) which are not allowed
 * in HTML text: they become U+FFFD, as does invalid UTF-8 (one U+FFFD per bad byte). */
static void escape(struct strbuf *sb, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    const unsigned char *run = s;
    while (*s) {
        /* Most text is printable ASCII that needs nothing: skip it by table before the checks
         * below (escaping was about 5 % of the CPU of a survey page). */
        while (plain_ascii(*s)) s++;
        if (!*s) break;
        const char *rep = NULL;
        size_t skip = 1;
        switch (*s) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default:
            if (*s < 0x20 && *s != '\t' && *s != '\n' && *s != '\r') {
                rep = "\xEF\xBF\xBD";
            } else if (*s == 0x7F) {
                rep = "\xEF\xBF\xBD";
            } else if (*s >= 0x80) {
                size_t n = utf8_seq(s);
                if (n == 0) {
                    rep = "\xEF\xBF\xBD";
                } else if (is_c1_control(s)) {
                    rep = "\xEF\xBF\xBD";
                    skip = 2;
                } else {
                    skip = n;
                }
            }
        }
        if (rep) {
            strbuf_append(sb, run, (size_t)(s - run));
            strbuf_puts(sb, rep);
            s += skip;
            run = s;
        } else {
            s += skip;
        }
    }
    strbuf_append(sb, run, (size_t)(s - run));
}

void html_text(struct strbuf *sb, const char *s)
{
    if (s) escape(sb, s);
}

void html_attr(struct strbuf *sb, const char *s)
{
    if (s) escape(sb, s);
}

int html_url_is_safe(const char *url)
{
    /* Browsers ignore tabs and newlines inside schemes and leading spaces/controls, so a scheme is
     * judged after removing them: "java\tscript:" is still javascript. */
    char scheme[16];
    size_t n = 0;
    bool too_long = false; /* longer than any scheme we allow; still relative if no ':' follows */
    const unsigned char *p = (const unsigned char *)url;
    while (*p && *p <= 0x20) p++;
    for (; *p; p++) {
        if (*p == '\t' || *p == '\n' || *p == '\r') continue;
        if (*p == ':') break;
        if (*p == '/' || *p == '?' || *p == '#') return 1; /* no scheme: relative */
        if (n + 1 >= sizeof scheme) {
            too_long = true;
            continue;
        }
        char c = (char)*p;
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        scheme[n++] = c;
    }
    if (!*p) return 1; /* no colon at all: relative */
    if (too_long) return 0;
    scheme[n] = '\0';
    return strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0 || strcmp(scheme, "mailto") == 0;
}

void html_url(struct strbuf *sb, const char *url)
{
    if (!url || !html_url_is_safe(url)) {
        strbuf_putc(sb, '#');
        return;
    }
    /* Spaces and quotes cannot end a quoted attribute once escaped, but a raw space in a URL is
     * still wrong: percent-encode it, escape the rest. */
    const unsigned char *p = (const unsigned char *)url;
    while (*p) {
        if (*p >= 0x80) {
            /* Invalid UTF-8 becomes U+FFFD, as everywhere on a page; C1 controls are dropped
             * like C0 ones; well-formed text stays (the browser percent-encodes it). */
            size_t n = utf8_seq(p);
            if (n == 0) strbuf_puts(sb, "\xEF\xBF\xBD");
            else if (!is_c1_control(p)) strbuf_append(sb, p, n);
            p += n ? n : 1;
            continue;
        }
        if (*p == ' ') strbuf_puts(sb, "%20");
        else if (*p == '&') strbuf_puts(sb, "&amp;");
        else if (*p == '"') strbuf_puts(sb, "%22");
        else if (*p == '\'') strbuf_puts(sb, "%27");
        else if (*p == '<') strbuf_puts(sb, "%3C");
        else if (*p == '>') strbuf_puts(sb, "%3E");
        else if (*p < 0x20 || *p == 0x7F) { /* dropped, as browsers drop tabs and newlines */ }
        else strbuf_putc(sb, (char)*p);
        p++;
    }
}

void html_int(struct strbuf *sb, int64_t v)
{
    strbuf_printf(sb, "%lld", (long long)v);
}

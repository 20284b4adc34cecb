#include "auth/mail_message.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

bool mail_address_ok(const char *addr)
{
    if (!addr) return false;
    size_t n = strlen(addr);
    if (n == 0 || n > MAIL_ADDRESS_MAX) return false;
    const char *at = strrchr(addr, '@');
    if (!at || at == addr || at[1] == '\0') return false;
    for (const char *p = addr; *p; p++) {
        unsigned char c = (unsigned char)*p;
        /* Printable ASCII only (no SMTPUTF8), and none of the characters that end an address or
         * start another in a header or an SMTP command. */
        if (c <= 0x20 || c >= 0x7f) return false;
        if (strchr("<>()[],;:\\\"", c)) return false;
        if (c == '@' && p != at) return false;
    }
    return true;
}

void mail_date(int64_t ms, char buf[40])
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(buf, 40, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday % 7], tm.tm_mday,
             months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* The length of the UTF-8 sequence that starts with c (1 for a stray byte: validated before). */
static size_t utf8_len(unsigned char c)
{
    if (c >= 0xf0) return 4;
    if (c >= 0xe0) return 3;
    if (c >= 0xc0) return 2;
    return 1;
}

int mail_header_text(struct strbuf *out, const char *text, struct err *e)
{
    size_t n = strlen(text);
    bool ascii = true;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x20 || c == 0x7f) return err_set(e, ERR_INVALID, "a mail header cannot hold a line break or a control character");
        if (c >= 0x80) ascii = false;
    }
    if (!str_utf8_valid(text, n)) return err_set(e, ERR_INVALID, "a mail header must be UTF-8 text");
    /* Plain ASCII passes as is while it fits a line; a leading "=?" would read as an encoded word. */
    if (ascii && n <= 900 && strncmp(text, "=?", 2) != 0) {
        strbuf_append(out, text, n);
        return 0;
    }
    /* Encoded words of at most 45 bytes of text (60 of base64, 72 with the frame: under the 75
     * that RFC 2047 allows), never cutting a UTF-8 sequence in two. */
    size_t i = 0;
    bool first = true;
    while (i < n) {
        size_t j = i;
        while (j < n && j - i + utf8_len((unsigned char)text[j]) <= 45) j += utf8_len((unsigned char)text[j]);
        if (j == i) j = i + 1; /* cannot happen with valid UTF-8; never loop */
        char b64[80];
        sodium_bin2base64(b64, sizeof b64, (const unsigned char *)text + i, j - i, sodium_base64_VARIANT_ORIGINAL);
        if (!first) strbuf_puts(out, "\r\n ");
        strbuf_printf(out, "=?UTF-8?B?%s?=", b64);
        first = false;
        i = j;
    }
    return 0;
}

void mail_quoted_printable(struct strbuf *out, const char *text)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)text;
    size_t col = 0;
    while (*p) {
        if (*p == '\r' && p[1] == '\n') p++;
        if (*p == '\n') {
            strbuf_puts(out, "\r\n");
            col = 0;
            p++;
            continue;
        }
        unsigned char c = *p;
        bool line_end = p[1] == '\0' || p[1] == '\n' || (p[1] == '\r' && p[2] == '\n');
        char tok[4];
        size_t len;
        /* Literal: printable ASCII but '='; a space or tab unless it ends a line (relays strip
         * trailing white space); a '.' unless it starts a line (SMTP's end of data). */
        bool literal = (c >= 33 && c <= 126 && c != '=' && !(c == '.' && col == 0)) ||
                       ((c == ' ' || c == '\t') && !line_end);
        if (literal) {
            tok[0] = (char)c;
            len = 1;
        } else {
            tok[0] = '=';
            tok[1] = hex[c >> 4];
            tok[2] = hex[c & 15];
            len = 3;
        }
        /* 76 characters at most, the soft break's '=' included. */
        size_t room = line_end ? 76 : 75;
        if (col + len > room) {
            strbuf_puts(out, "=\r\n");
            col = 0;
            if (c == '.') { /* now at the start of a line */
                tok[0] = '=', tok[1] = '2', tok[2] = 'E';
                len = 3;
            }
        }
        strbuf_append(out, tok, len);
        col += len;
        p++;
    }
    if (col) strbuf_puts(out, "\r\n");
}

int mail_message_format(struct strbuf *out, const struct mail_message *m, struct err *e)
{
    if (!mail_address_ok(m->from)) return err_set(e, ERR_INVALID, "the sender's address is not one mail can use");
    if (!mail_address_ok(m->to)) return err_set(e, ERR_INVALID, "the recipient's address is not one mail can use");
    for (const char *p = m->message_id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
            return err_set(e, ERR_INVALID, "a message id holds letters, digits, '-' and '.' only");
    char date[40];
    mail_date(m->date_ms, date);
    strbuf_printf(out, "Date: %s\r\nFrom: %s\r\nTo: %s\r\nSubject: ", date, m->from, m->to);
    int rc = mail_header_text(out, m->subject, e);
    if (rc < 0) return rc;
    strbuf_printf(out, "\r\nMessage-ID: <%s@%s>\r\n", m->message_id, strrchr(m->from, '@') + 1);
    strbuf_puts(out, "MIME-Version: 1.0\r\n"
                     "Content-Type: text/plain; charset=UTF-8\r\n"
                     "Content-Transfer-Encoding: quoted-printable\r\n"
                     "\r\n");
    mail_quoted_printable(out, m->body);
    return 0;
}

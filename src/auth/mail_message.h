/* mail_message: an outbox message as an RFC 5322 message, ready for SMTP.
 *
 * Pure text work, no network: the headers Date, From, To, Subject (RFC 2047 encoded words when it
 * is not plain ASCII), Message-ID, MIME-Version and Content-Type text/plain; charset=UTF-8, and
 * the body in quoted-printable, so that any UTF-8 text and any line length travel over any relay.
 * Every line ends with CRLF. Header injection is impossible by construction: an address or a
 * subject holding CR, LF or another control character is refused, never cleaned. */
#ifndef EDUBRIDGE_MAIL_MESSAGE_H
#define EDUBRIDGE_MAIL_MESSAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "base/str.h"

enum { MAIL_ADDRESS_MAX = 254 };

struct mail_message {
    const char *from;       /* a bare address: ada@example.org */
    const char *to;         /* a bare address */
    const char *subject;    /* UTF-8, no control characters */
    const char *body;       /* UTF-8 text; LF or CRLF line ends */
    const char *message_id; /* the left part of the Message-ID (the outbox row's id) */
    int64_t date_ms;        /* the Date header */
};

/* True for a plain ASCII address local@domain that is safe in a header and an SMTP command: no
 * spaces, controls, angle brackets, commas, quotes or other specials, at most 254 bytes. */
bool mail_address_ok(const char *addr);
/* "Wed, 01 Jan 2025 00:00:00 +0000" (RFC 5322 date, in UTC, English names whatever the locale). */
void mail_date(int64_t ms, char buf[40]);
/* Appends text as a header value: as is when it is printable ASCII, else as RFC 2047 encoded words
 * (=?UTF-8?B?...?=) of at most 75 characters, folded with CRLF SP. ERR_INVALID for a control
 * character (CR and LF included) or text that is not UTF-8. */
int mail_header_text(struct strbuf *out, const char *text, struct err *e);
/* Appends text in quoted-printable (RFC 2045), lines of at most 76 characters, CRLF line ends. */
void mail_quoted_printable(struct strbuf *out, const char *text);
/* Appends the whole message (headers, blank line, body). ERR_INVALID, with nothing that can be
 * sent, when an address or the subject is refused. */
int mail_message_format(struct strbuf *out, const struct mail_message *m, struct err *e);

#endif

/* qr_svg: a QR code (libqrencode) drawn as inline SVG, for the device labels and, later, the
 * survey's posters.
 *
 * The dark modules are one <path>: each row's runs of dark modules become one rectangle each
 * ("M x y h n v1 h-n z"), which is several times smaller than a <rect> per module and prints as
 * crisply. Colours are SVG presentation attributes, not CSS, so the page needs no inline style
 * (the CSP has no 'unsafe-inline'); the size is the stylesheet's (.qr). Written into the caller's
 * buffer through the html/ helpers; nothing is kept. */
#ifndef EDUBRIDGE_QR_SVG_H
#define EDUBRIDGE_QR_SVG_H

#include "base/err.h"
#include "base/str.h"

/* Appends <svg class="qr" ...> encoding text (8-bit, error correction level M, a quiet zone of 4
 * modules) with label as its accessible name. ERR_LIMIT when text is too long for a QR code,
 * ERR_INTERNAL when libqrencode fails otherwise; nothing is written then. */
int qr_svg(struct strbuf *b, const char *text, const char *label, struct err *e);

#endif

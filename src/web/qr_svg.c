#include "web/qr_svg.h"

#include "html/html.h"

#include <errno.h>
#include <qrencode.h>
#include <stdio.h>
#include <string.h>

enum { QUIET = 4 }; /* modules of white around the code, as ISO/IEC 18004 asks */

int qr_svg(struct strbuf *b, const char *text, const char *label, struct err *e)
{
    errno = 0;
    QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!q) {
        if (errno == ERANGE) return err_set(e, ERR_LIMIT, "the text is too long for a QR code");
        return err_set(e, ERR_INTERNAL, "the QR code could not be made: %s", strerror(errno));
    }
    int w = q->width, side = w + 2 * QUIET;
    char num[32];
    html_lit(b, "<svg class=\"qr\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ");
    snprintf(num, sizeof num, "%d %d", side, side);
    html_attr(b, num);
    html_lit(b, "\" role=\"img\" aria-label=\"");
    html_attr(b, label);
    html_lit(b, "\" shape-rendering=\"crispEdges\"><path fill=\"#fff\" d=\"");
    snprintf(num, sizeof num, "M0 0h%dv%dH0z", side, side);
    html_attr(b, num);
    html_lit(b, "\"/><path fill=\"#000\" d=\"");
    /* Bit 0 of each module is dark or light; the other bits say what the module is for. */
    for (int y = 0; y < w; y++) {
        const unsigned char *row = q->data + (size_t)y * (size_t)w;
        for (int x = 0; x < w;) {
            if (!(row[x] & 1)) {
                x++;
                continue;
            }
            int start = x;
            while (x < w && (row[x] & 1)) x++;
            snprintf(num, sizeof num, "M%d %dh%dv1h-%dz", start + QUIET, y + QUIET, x - start, x - start);
            html_attr(b, num);
        }
    }
    html_lit(b, "\"/></svg>");
    QRcode_free(q);
    return 0;
}

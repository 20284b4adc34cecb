/* assets: files compiled into the binary (see tools/embed.py and meson.build).
 *
 * The bytes are static and NUL-terminated (the NUL is not counted in len); nobody frees them. */
#ifndef EDUBRIDGE_ASSETS_H
#define EDUBRIDGE_ASSETS_H

#include <stddef.h>

struct asset {
    const char *name;           /* path in the source tree, e.g. "static/app.css" */
    const unsigned char *data;
    size_t len;
};

extern const struct asset assets_table[];

/* The asset with this name, or NULL. */
const struct asset *asset_find(const char *name);

#endif

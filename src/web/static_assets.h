/* static_assets: the stylesheet and scripts under /static, served from the binary with a strong
 * ETag, a long cache lifetime and a gzip copy made once at start-up. Pages link to them with the
 * ETag in the address (?v=...), so a new binary's assets are fetched anew. */
#ifndef EDUBRIDGE_STATIC_ASSETS_H
#define EDUBRIDGE_STATIC_ASSETS_H

#include "http/http.h"

int static_assets_init(void);
void static_assets_free(void);
/* The address of an asset with its version, e.g. "/static/app.css?v=3f2a..."; NULL if unknown. */
const char *static_asset_url(const char *name);
void static_assets_handle(struct http_request *req, struct http_response *res);

#endif

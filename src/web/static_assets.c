#include "web/static_assets.h"

#include "base/assets.h"
#include "http/compress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct served_asset {
    const char *name;         /* "app.css": the part after /static/ */
    const struct asset *asset;
    const char *content_type;
    char etag[20];            /* "\"" + 16 hex + "\"" */
    char url[96];
    void *gzip;
    size_t gzip_len;
};

static struct served_asset served[] = {
    {"app.css", NULL, "text/css; charset=utf-8", "", "", NULL, 0},
    {"staff.css", NULL, "text/css; charset=utf-8", "", "", NULL, 0},
    {"survey.js", NULL, "text/javascript; charset=utf-8", "", "", NULL, 0},
};
enum { SERVED_COUNT = sizeof served / sizeof served[0] };

int static_assets_init(void)
{
    for (size_t i = 0; i < SERVED_COUNT; i++) {
        struct served_asset *s = &served[i];
        char path[64];
        snprintf(path, sizeof path, "static/%s", s->name);
        s->asset = asset_find(path);
        if (!s->asset) return -1;
        uint64_t h = 1469598103934665603ull; /* FNV-1a of the bytes: changes when they do */
        for (size_t k = 0; k < s->asset->len; k++) h = (h ^ s->asset->data[k]) * 1099511628211ull;
        snprintf(s->etag, sizeof s->etag, "\"%016llx\"", (unsigned long long)h);
        snprintf(s->url, sizeof s->url, "/static/%s?v=%08llx", s->name, (unsigned long long)(h >> 32));
        s->gzip_len = compress_gzip_heap(s->asset->data, s->asset->len, 9, &s->gzip);
    }
    return 0;
}

void static_assets_free(void)
{
    for (size_t i = 0; i < SERVED_COUNT; i++) {
        free(served[i].gzip);
        served[i].gzip = NULL;
    }
}

const char *static_asset_url(const char *name)
{
    for (size_t i = 0; i < SERVED_COUNT; i++)
        if (strcmp(served[i].name, name) == 0) return served[i].url;
    return NULL;
}

/* Does an If-None-Match header list this ETag (or "*")? */
static bool etag_matches(const char *header, const char *etag)
{
    if (!header) return false;
    if (strcmp(header, "*") == 0) return true;
    return strstr(header, etag) != NULL;
}

void static_assets_handle(struct http_request *req, struct http_response *res)
{
    const char *file = http_route(req, "file");
    for (size_t i = 0; file && i < SERVED_COUNT; i++) {
        struct served_asset *s = &served[i];
        if (strcmp(s->name, file) != 0) continue;
        res->content_type = s->content_type;
        res->cache_control = "public, max-age=31536000, immutable";
        http_set_header(res, "ETag", s->etag);
        if (etag_matches(http_header_in(req, "If-None-Match"), s->etag)) {
            res->status = 304;
            return;
        }
        res->fixed_body = s->asset->data;
        res->fixed_len = s->asset->len;
        res->fixed_gzip = s->gzip;
        res->fixed_gzip_len = s->gzip_len;
        return;
    }
    res->status = 404;
    res->content_type = "text/plain; charset=utf-8";
    strbuf_puts(&res->body, "no such file\n");
}

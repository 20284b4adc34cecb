#include "forms/attachments.h"

#include "base/i18n.h"
#include "base/id.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <string.h>

const char *attachment_clean_name(struct arena *a, const char *filename)
{
    const char *base = filename ? filename : "";
    for (const char *p = base; *p; p++)
        if (*p == '/' || *p == '\\') base = p + 1; /* Windows browsers send "C:\dir\photo.jpg" */
    struct strbuf sb;
    strbuf_init(&sb, a, 64);
    for (const unsigned char *p = (const unsigned char *)base; *p && sb.len < 120; p++) {
        if (*p < 0x20 || *p == 0x7F || *p == '"' || *p == ':') continue;
        strbuf_putc(&sb, (char)*p);
    }
    /* Cut back to whole characters, and refuse what is not UTF-8 at all. */
    while (sb.len && !str_utf8_valid(sb.data, sb.len)) sb.data[--sb.len] = '\0';
    char *name = str_trim(sb.data);
    while (*name == '.') name++; /* no hidden files, no ".." */
    return *name ? name : "file";
}

/* The image type of the first bytes, or NULL. */
static const char *image_type(const unsigned char *d, size_t n)
{
    if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) return "image/jpeg";
    if (n >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0) return "image/png";
    if (n >= 6 && (memcmp(d, "GIF87a", 6) == 0 || memcmp(d, "GIF89a", 6) == 0)) return "image/gif";
    if (n >= 12 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WEBP", 4) == 0) return "image/webp";
    return NULL;
}

const char *attachment_check(const struct form_field *fd, const void *data, size_t len,
                             const char **content_type)
{
    if (len == 0) return N_("The file is empty.");
    if (len > ATTACHMENT_MAX_BYTES) return N_("The file is larger than 5 MB.");
    if (fd->type == FT_IMAGE) {
        const char *t = image_type(data, len);
        if (!t) return N_("This is not a photo: send a JPEG, PNG, GIF or WebP image.");
        *content_type = t;
    } else {
        *content_type = "application/octet-stream";
    }
    return NULL;
}

int attachment_put(struct store *st, const char *submission_id, const char *field, int instance,
                   const char *filename, const char *content_type, const void *data, size_t len,
                   struct err *e)
{
    char id[ID_TEXT_SIZE], now[32];
    id_new(id);
    time_format_iso(time_now_ms(), now, sizeof now);
    struct store_stmt *s = store_prepare(
        st, "INSERT INTO attachments (id, submission_id, field, instance, filename, content_type, size, data, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (submission_id, field, instance) DO UPDATE SET id = excluded.id,"
            " filename = excluded.filename, content_type = excluded.content_type, size = excluded.size,"
            " data = excluded.data, created_at = excluded.created_at", e);
    if (!s) return -1;
    store_bind_text(s, 1, id);
    store_bind_text(s, 2, submission_id);
    store_bind_text(s, 3, field);
    store_bind_int(s, 4, instance);
    store_bind_text(s, 5, filename);
    store_bind_text(s, 6, content_type);
    store_bind_int(s, 7, (int64_t)len);
    store_bind_blob(s, 8, data, len);
    store_bind_text(s, 9, now);
    int rc = store_run(s, e);
    store_done(s);
    return rc;
}

int attachment_carry(struct store *st, const struct form *f, const char *from_id, const char *to_id,
                     const struct answers *ans, struct err *e)
{
    /* One copy per answer to a file question, only where the earlier file has the answered name. */
    for (size_t i = 0; i < ans->count; i++) {
        const struct answer *an = &ans->items[i];
        const struct form_field *fd = form_field_by_name(f, an->name);
        if (!fd || (fd->type != FT_IMAGE && fd->type != FT_FILE) || !*an->value) continue;
        char id[ID_TEXT_SIZE], now[32];
        id_new(id);
        time_format_iso(time_now_ms(), now, sizeof now);
        struct store_stmt *s = store_prepare(
            st, "INSERT INTO attachments (id, submission_id, field, instance, filename, content_type, size, data, created_at)"
                " SELECT ?, ?, field, instance, filename, content_type, size, data, ? FROM attachments"
                " WHERE submission_id = ? AND field = ? AND instance = ? AND filename = ?"
                " ON CONFLICT (submission_id, field, instance) DO NOTHING", e);
        if (!s) return -1;
        store_bind_text(s, 1, id);
        store_bind_text(s, 2, to_id);
        store_bind_text(s, 3, now);
        store_bind_text(s, 4, from_id);
        store_bind_text(s, 5, an->name);
        store_bind_int(s, 6, an->instance);
        store_bind_text(s, 7, an->value);
        int rc = store_run(s, e);
        store_done(s);
        if (rc < 0) return -1;
    }
    return 0;
}

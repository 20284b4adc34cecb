#include "forms/form_store.h"

#include "base/id.h"
#include "base/timeutil.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *form_store_format_of(const char *filename)
{
    const char *dot = filename ? strrchr(filename, '.') : NULL;
    if (!dot) return NULL;
    if (strcasecmp(dot, ".xlsx") == 0) return "xlsx";
    if (strcasecmp(dot, ".csv") == 0) return "csv";
    if (strcasecmp(dot, ".md") == 0) return "md";
    return NULL;
}

/* The base name without directory or extension: pyxform's fallback form_id. */
static const char *base_name(struct arena *a, const char *source_name)
{
    const char *slash = strrchr(source_name, '/');
    const char *b = slash ? slash + 1 : source_name;
    const char *dot = strrchr(b, '.');
    return arena_strndup(a, b, dot ? (size_t)(dot - b) : strlen(b));
}

static const char sql_next_seq[] = "SELECT COALESCE(MAX(seq), 0) + 1 FROM form_versions WHERE form_id = ?";
static const char sql_version_used[] = "SELECT 1 FROM form_versions WHERE form_id = ? AND version = ?";
static const char sql_upsert_form[] =
    "INSERT INTO forms (form_id, title, is_demo, created_at, updated_at) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (form_id) DO UPDATE SET title = excluded.title, updated_at = excluded.updated_at";
static const char sql_insert_version[] =
    "INSERT INTO form_versions (id, form_id, seq, version, source_format, source_name, source, created_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)";

static int int_query(struct store *st, const char *sql, const char *a1, const char *a2, int64_t *out,
                     struct err *e)
{
    struct store_stmt *s = store_prepare(st, sql, e);
    if (!s) return -1;
    store_bind_text(s, 1, a1);
    if (a2) store_bind_text(s, 2, a2);
    int rc = store_step(s, e);
    *out = rc == 1 ? store_col_int(s, 0) : 0;
    store_done(s);
    return rc < 0 ? -1 : rc;
}

int form_store_import(struct store *st, struct arena *a, const char *format, const void *data,
                      size_t len, const char *source_name, bool is_demo, const struct audit_actor *by,
                      struct form_version_info *out, struct form_problems *problems, struct err *e)
{
    struct form *f = NULL;
    if (xlsform_read_memory(a, format, data, len, base_name(a, source_name), &f, problems) < 0 || !f)
        return err_set(e, ERR_INVALID, "the form has problems; nothing was imported");

    char now[32];
    time_format_iso(time_now_ms(), now, sizeof now);
    char id[ID_TEXT_SIZE];
    id_new(id);
    const char *title = form_text(f, f->title, f->default_lang);
    if (store_begin(st, e) < 0) return -1;
    int64_t seq, used = 0;
    if (int_query(st, sql_next_seq, f->form_id, NULL, &seq, e) < 0) goto fail;
    /* The same version text twice would make two versions indistinguishable: the newer one gets
     * its sequence number added, so importing again always adds a version and loses nothing. */
    const char *version = f->version && *f->version ? f->version : arena_printf(a, "%lld", (long long)seq);
    if (int_query(st, sql_version_used, f->form_id, version, &used, e) < 0) goto fail;
    if (used) version = arena_printf(a, "%s-%lld", version, (long long)seq);

    struct store_stmt *s = store_prepare(st, sql_upsert_form, e);
    if (!s) goto fail;
    store_bind_text(s, 1, f->form_id);
    store_bind_text(s, 2, title);
    store_bind_int(s, 3, is_demo);
    store_bind_text(s, 4, now);
    store_bind_text(s, 5, now);
    int rc = store_run(s, e);
    store_done(s);
    if (rc < 0) goto fail;
    s = store_prepare(st, sql_insert_version, e);
    if (!s) goto fail;
    store_bind_text(s, 1, id);
    store_bind_text(s, 2, f->form_id);
    store_bind_int(s, 3, seq);
    store_bind_text(s, 4, version);
    store_bind_text(s, 5, format);
    store_bind_text(s, 6, source_name);
    store_bind_blob(s, 7, data, len);
    store_bind_text(s, 8, now);
    rc = store_run(s, e);
    store_done(s);
    if (rc < 0) goto fail;
    const char *ids[] = {f->form_id, id};
    rc = audit_record_json(st, by, "form.import", "form", ids, 2,
                           json_pack("{s:s, s:s}", "version", version, "source_name", source_name), e);
    if (rc < 0 || store_commit(st, e) < 0) goto fail;

    out->id = arena_strdup(a, id);
    out->form_id = f->form_id;
    out->version = version;
    out->seq = (int)seq;
    out->title = title;
    out->source_name = source_name;
    out->created_at = arena_strdup(a, now);
    out->is_demo = is_demo;
    return 0;
fail:
    store_rollback(st);
    return -1;
}

static const char sql_latest[] =
    "SELECT v.id, v.form_id, v.version, v.seq, f.title, v.source_name, v.created_at, f.is_demo"
    " FROM form_versions v JOIN forms f ON f.form_id = v.form_id"
    " WHERE v.form_id = ? ORDER BY v.seq DESC LIMIT 1";
static const char sql_list[] =
    "SELECT v.id, v.form_id, v.version, v.seq, f.title, v.source_name, v.created_at, f.is_demo"
    " FROM form_versions v JOIN forms f ON f.form_id = v.form_id"
    " WHERE v.seq = (SELECT MAX(seq) FROM form_versions w WHERE w.form_id = v.form_id)"
    " ORDER BY v.form_id";
static const char sql_source[] = "SELECT source_format, source_name, source FROM form_versions WHERE id = ?";

static void read_info(struct store_stmt *s, struct arena *a, struct form_version_info *out)
{
    out->id = arena_strdup(a, store_col_text(s, 0));
    out->form_id = arena_strdup(a, store_col_text(s, 1));
    out->version = arena_strdup(a, store_col_text(s, 2));
    out->seq = (int)store_col_int(s, 3);
    out->title = arena_strdup(a, store_col_text(s, 4));
    out->source_name = arena_strdup(a, store_col_text(s, 5));
    out->created_at = arena_strdup(a, store_col_text(s, 6));
    out->is_demo = store_col_int(s, 7) != 0;
}

int form_store_latest(struct store *st, struct arena *a, const char *form_id,
                      struct form_version_info *out, struct err *e)
{
    struct store_stmt *s = store_prepare(st, sql_latest, e);
    if (!s) return -1;
    store_bind_text(s, 1, form_id);
    int rc = store_step(s, e);
    if (rc == 1) read_info(s, a, out);
    store_done(s);
    if (rc == 0) return err_set(e, ERR_NOT_FOUND, "there is no form '%s'", form_id);
    return rc < 0 ? -1 : 0;
}

int form_store_list(struct store *st, struct arena *a, struct form_version_info **out, size_t *count,
                    struct err *e)
{
    *out = NULL;
    *count = 0;
    struct store_stmt *s = store_prepare(st, sql_list, e);
    if (!s) return -1;
    size_t cap = 0;
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        if (*count == cap) {
            cap = cap ? cap * 2 : 8;
            struct form_version_info *n = arena_alloc(a, cap * sizeof *n);
            if (*count) memcpy(n, *out, *count * sizeof *n);
            *out = n;
        }
        read_info(s, a, &(*out)[(*count)++]);
    }
    store_done(s);
    return rc < 0 ? -1 : 0;
}

int form_store_load(struct store *st, struct arena *a, const char *version_id, struct form **out,
                    struct err *e)
{
    *out = NULL;
    struct store_stmt *s = store_prepare(st, sql_source, e);
    if (!s) return -1;
    store_bind_text(s, 1, version_id);
    int rc = store_step(s, e);
    if (rc != 1) {
        store_done(s);
        return rc < 0 ? -1 : err_set(e, ERR_NOT_FOUND, "there is no form version %s", version_id);
    }
    const char *format = arena_strdup(a, store_col_text(s, 0));
    const char *name = arena_strdup(a, store_col_text(s, 1));
    size_t len;
    const void *blob = store_col_blob(s, 2, &len);
    void *data = arena_memdup(a, blob, len);
    store_done(s);
    struct form_problems problems = {0};
    if (xlsform_read_memory(a, format, data, len, base_name(a, name), out, &problems) < 0 || !*out)
        return err_set(e, ERR_INTERNAL, "the stored form %s no longer reads (%zu problems)", name, problems.count);
    return 0;
}

int form_store_counts(struct store *st, const char *form_id, int64_t *submitted, int64_t *drafts,
                      struct err *e)
{
    *submitted = *drafts = 0;
    struct store_stmt *s = store_prepare(
        st, "SELECT status, COUNT(*) FROM submissions WHERE form_id = ? AND is_current = 1 GROUP BY status", e);
    if (!s) return -1;
    store_bind_text(s, 1, form_id);
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        if (strcmp(store_col_text(s, 0), "submitted") == 0) *submitted = store_col_int(s, 1);
        else *drafts = store_col_int(s, 1);
    }
    store_done(s);
    return rc < 0 ? -1 : 0;
}

#include "forms/consent.h"

#include "forms/form_store.h"

#include <jansson.h>
#include <string.h>

bool consent_field_fits(const struct form_field *fd)
{
    return fd && fd->type == FT_SELECT_ONE && !form_field_repeat(fd) && fd->list &&
           form_choice_by_value(fd->list, "yes") && form_choice_by_value(fd->list, "no");
}

const struct form_field *consent_field(const struct form *f)
{
    const char *named = NULL;
    for (size_t i = 0; i < f->nsettings; i++)
        if (strcmp(f->settings[i].name, "consent_field") == 0 && f->settings[i].value[0]) named = f->settings[i].value;
    const struct form_field *fd = form_field_by_name(f, named ? named : "consent");
    return consent_field_fits(fd) ? fd : NULL;
}

const char *consent_value(const struct form *f, const struct answers *ans)
{
    const struct form_field *fd = consent_field(f);
    const char *v = fd && ans ? answers_get(ans, fd->name, 0) : NULL;
    if (v && strcmp(v, "yes") == 0) return "yes";
    if (v && strcmp(v, "no") == 0) return "no";
    return NULL;
}

/* One form version's answer sets, read with its definition. Their submission time stands for the
 * time of consent: it is when the answers were sent. */
static int backfill_version(struct store *st, const struct form *f, const char *version_id, struct err *e)
{
    const struct form_field *fd = consent_field(f);
    if (!fd) return 0;
    struct store_stmt *q = store_prepare(st,
        "SELECT id, answers FROM submissions WHERE form_version_id = ? AND status = 'submitted' AND consent IS NULL", e);
    if (!q) return -1;
    store_bind_text(q, 1, version_id);
    int rc;
    while ((rc = store_step(q, e)) == 1) {
        json_t *doc = json_loads(store_col_text(q, 1), 0, NULL);
        const char *v = json_string_value(json_object_get(doc, fd->name));
        const char *c = v && strcmp(v, "yes") == 0 ? "yes" : v && strcmp(v, "no") == 0 ? "no" : NULL;
        if (c) {
            struct store_stmt *u = store_prepare(st,
                "UPDATE submissions SET consent = ?, consent_at = submitted_at WHERE id = ?", e);
            rc = u ? 0 : -1;
            if (u) {
                store_bind_text(u, 1, c);
                store_bind_text(u, 2, store_col_text(q, 0));
                rc = store_run(u, e);
                store_done(u);
            }
        }
        json_decref(doc);
        if (rc < 0) break;
    }
    store_done(q);
    return rc < 0 ? -1 : 0;
}

int consent_backfill(struct store *st, struct err *e)
{
    struct store_stmt *s = store_prepare(st, "SELECT 1 FROM settings WHERE key = 'submission_consent_pending'", e);
    if (!s) return -1;
    int rc = store_step(s, e);
    store_done(s);
    if (rc <= 0) return rc;
    struct arena a;
    arena_init(&a, 0);
    /* Every version, not only the latest: each answer set is read with the version it answered. */
    s = store_prepare(st, "SELECT id FROM form_versions ORDER BY form_id, seq", e);
    size_t n = 0, cap = 64;
    const char **ids = arena_alloc(&a, cap * sizeof *ids);
    rc = s ? 0 : -1;
    while (s && (rc = store_step(s, e)) == 1) {
        if (n == cap) {
            const char **more = arena_alloc(&a, 2 * cap * sizeof *more);
            memcpy(more, ids, n * sizeof *ids);
            ids = more;
            cap *= 2;
        }
        ids[n++] = arena_strdup(&a, store_col_text(s, 0));
    }
    if (s) store_done(s);
    if (rc >= 0) rc = store_begin(st, e);
    for (size_t i = 0; rc >= 0 && i < n; i++) {
        struct form *f;
        struct err ignored;
        /* A version whose file no longer reads keeps NULL, rather than keeping the database shut. */
        if (form_store_load(st, &a, ids[i], &f, &ignored) < 0) continue;
        rc = backfill_version(st, f, ids[i], e);
    }
    if (rc >= 0) rc = store_exec(st, "DELETE FROM settings WHERE key = 'submission_consent_pending'", e);
    if (rc >= 0) rc = store_commit(st, e);
    else store_rollback(st);
    arena_free(&a);
    return rc < 0 ? -1 : 0;
}

#include "forms/revisions.h"

#include "base/timeutil.h"
#include "forms/attachments.h"
#include "forms/consent.h"
#include "forms/values.h"

#include <stdlib.h>
#include <string.h>

static const char *text_or_null(struct store_stmt *s, struct arena *a, int col)
{
    return store_col_null(s, col) ? NULL : arena_strdup(a, store_col_text(s, col));
}

/* The current revision is found by the answer set's instance_id (submissions_by_instance). */
static const char sql_get[] =
    "SELECT s.id, s.instance_id, s.form_id, s.form_version_id, v.version, s.revision, s.supersedes,"
    " s.is_current, s.status, s.lang, s.answers, s.started_at, s.submitted_at, s.is_demo,"
    " (SELECT h.id FROM submissions h WHERE h.instance_id = s.instance_id AND h.form_id = s.form_id"
    "  AND h.status = 'submitted' AND h.is_current = 1 ORDER BY h.revision DESC LIMIT 1)"
    " FROM submissions s JOIN form_versions v ON v.id = s.form_version_id WHERE s.id = ?";

int revision_get(struct store *st, struct arena *a, const char *id, struct revision *out, struct err *e)
{
    struct store_stmt *s = store_prepare(st, sql_get, e);
    if (!s) return -1;
    store_bind_text(s, 1, id);
    int rc = store_step(s, e);
    if (rc == 1) {
        memset(out, 0, sizeof *out);
        out->id = arena_strdup(a, store_col_text(s, 0));
        out->instance_id = arena_strdup(a, store_col_text(s, 1));
        out->form_id = arena_strdup(a, store_col_text(s, 2));
        out->form_version_id = arena_strdup(a, store_col_text(s, 3));
        out->form_version = arena_strdup(a, store_col_text(s, 4));
        out->revision = (int)store_col_int(s, 5);
        out->supersedes = text_or_null(s, a, 6);
        out->status = arena_strdup(a, store_col_text(s, 8));
        out->is_current = store_col_int(s, 7) != 0 && strcmp(out->status, "submitted") == 0;
        out->lang = arena_strdup(a, store_col_text(s, 9));
        out->answers = arena_strdup(a, store_col_text(s, 10));
        out->started_at = arena_strdup(a, store_col_text(s, 11));
        out->submitted_at = text_or_null(s, a, 12);
        out->is_demo = store_col_int(s, 13) != 0;
        out->current_id = text_or_null(s, a, 14);
    }
    store_done(s);
    if (rc == 0) return err_set(e, ERR_NOT_FOUND, "there is no answer set with this id");
    return rc < 0 ? -1 : 0;
}

/* Rows of id, revision, is_current, lang, submitted_at, is_demo into a growing array. */
static int read_rows(struct store_stmt *s, struct arena *a, struct revision_row **out, size_t *n,
                     size_t expect, struct err *e)
{
    size_t cap = expect ? expect : 8;
    struct revision_row *rows = arena_alloc(a, cap * sizeof *rows);
    size_t k = 0;
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        if (k == cap) {
            struct revision_row *more = arena_alloc(a, 2 * cap * sizeof *rows);
            memcpy(more, rows, k * sizeof *rows);
            rows = more;
            cap *= 2;
        }
        rows[k++] = (struct revision_row){
            .id = arena_strdup(a, store_col_text(s, 0)),
            .revision = (int)store_col_int(s, 1),
            .is_current = store_col_int(s, 2) != 0,
            .lang = arena_strdup(a, store_col_text(s, 3)),
            .submitted_at = arena_strdup(a, store_col_text(s, 4)),
            .is_demo = store_col_int(s, 5) != 0,
        };
    }
    store_done(s);
    *out = rows;
    *n = k;
    return rc < 0 ? -1 : 0;
}

int revision_history(struct store *st, struct arena *a, const char *form_id, const char *instance_id,
                     struct revision_row **out, size_t *n, struct err *e)
{
    struct store_stmt *s = store_prepare(
        st, "SELECT id, revision, is_current, lang, submitted_at, is_demo FROM submissions"
            " WHERE instance_id = ? AND form_id = ? AND status = 'submitted' ORDER BY revision", e);
    if (!s) return -1;
    store_bind_text(s, 1, instance_id);
    store_bind_text(s, 2, form_id);
    return read_rows(s, a, out, n, 4, e);
}

int revision_list_current(struct store *st, struct arena *a, const char *form_id, int64_t offset,
                          int limit, struct revision_row **out, size_t *n, int64_t *total, struct err *e)
{
    struct store_stmt *s = store_prepare(
        st, "SELECT COUNT(*) FROM submissions WHERE form_id = ? AND status = 'submitted' AND is_current = 1", e);
    if (!s) return -1;
    store_bind_text(s, 1, form_id);
    int rc = store_step(s, e);
    *total = rc == 1 ? store_col_int(s, 0) : 0;
    store_done(s);
    if (rc < 0) return -1;
    /* Revisions are numbered 1, 2, 3... and only the newest is current: its number is the count. */
    s = store_prepare(
        st, "SELECT id, revision, is_current, lang, submitted_at, is_demo FROM submissions"
            " WHERE form_id = ? AND status = 'submitted' AND is_current = 1"
            " ORDER BY submitted_at DESC, id DESC LIMIT ? OFFSET ?", e);
    if (!s) return -1;
    store_bind_text(s, 1, form_id);
    store_bind_int(s, 2, limit);
    store_bind_int(s, 3, offset);
    return read_rows(s, a, out, n, (size_t)(limit > 0 ? limit : 1), e);
}

int revision_start_correction(struct store *st, struct arena *a, const char *previous_id, const char *lang,
                              struct submission *draft, struct err *e)
{
    struct revision prev;
    if (store_begin(st, e) < 0) return -1;
    if (revision_get(st, a, previous_id, &prev, e) < 0) goto fail;
    if (strcmp(prev.status, "submitted") != 0) {
        err_set(e, ERR_NOT_FOUND, "there is no submitted answer set with this id");
        goto fail;
    }
    if (!prev.is_current) {
        err_set(e, ERR_CONFLICT, "this answer set has been corrected since: correct its current revision");
        goto fail;
    }
    if (!lang) lang = prev.lang;
    if (submission_create_draft(st, a, prev.form_id, prev.form_version_id, lang, draft, e) < 0) goto fail;
    /* The draft already carries what it will be as a revision: the answer set's instance_id (which
     * the instanceID question reads), the next number, and what it replaces. It is not current
     * until it is submitted. */
    struct store_stmt *s = store_prepare(
        st, "UPDATE submissions SET answers = ?, instance_id = ?, revision = ?, supersedes = ?, is_current = 0,"
            " is_demo = ? WHERE id = ? AND status = 'draft'", e);
    if (!s) goto fail;
    store_bind_text(s, 1, prev.answers);
    store_bind_text(s, 2, prev.instance_id);
    store_bind_int(s, 3, prev.revision + 1);
    store_bind_text(s, 4, prev.id);
    store_bind_int(s, 5, prev.is_demo);
    store_bind_text(s, 6, draft->id);
    int rc = store_run(s, e);
    store_done(s);
    if (rc < 0 || store_commit(st, e) < 0) goto fail;
    draft->answers = prev.answers;
    draft->instance_id = prev.instance_id;
    draft->revision = prev.revision + 1;
    draft->is_demo = prev.is_demo;
    return 0;
fail:
    store_rollback(st);
    return e && e->code ? e->code : -1;
}

int revision_submit_correction(struct store *st, struct arena *a, const struct form *f, const char *draft_id,
                               const struct answers *ans, const struct audit_actor *by, struct err *e)
{
    char now[32];
    time_format_iso(time_now_ms(), now, sizeof now);
    struct strbuf json;
    strbuf_init(&json, a, 1024);
    answers_to_json(f, ans, &json);
    if (store_begin(st, e) < 0) return -1;
    struct revision draft;
    if (revision_get(st, a, draft_id, &draft, e) < 0) goto fail;
    if (strcmp(draft.status, "draft") != 0) {
        err_set(e, ERR_CONFLICT, "this answer set was already submitted");
        goto fail;
    }
    if (!draft.supersedes) {
        err_set(e, ERR_INVALID, "this draft is not a correction");
        goto fail;
    }
    /* As in submission_revise: the corrected revision stops being current first, and only if it
     * still is, so that of two corrections of the same revision only the first wins. */
    struct store_stmt *s = store_prepare(
        st, "UPDATE submissions SET is_current = 0, updated_at = ?"
            " WHERE id = ? AND status = 'submitted' AND is_current = 1", e);
    if (!s) goto fail;
    store_bind_text(s, 1, now);
    store_bind_text(s, 2, draft.supersedes);
    int rc = store_run(s, e);
    store_done(s);
    if (rc < 0) goto fail;
    if (store_changes(st) == 0) {
        err_set(e, ERR_CONFLICT, "the answer set was corrected by someone else meanwhile");
        goto fail;
    }
    /* The language stays the respondent's: the one the answers were given in. Consent as in
     * submission_revise: unchanged, it keeps the time it was given; changed, it is dated now. */
    s = store_prepare(
        st, "UPDATE submissions SET status = 'submitted', is_current = 1, answers = ?, resume_code = NULL,"
            " lang = (SELECT p.lang FROM submissions p WHERE p.id = ?), submitted_at = ?, updated_at = ?,"
            " consent = ?, consent_at = (SELECT CASE WHEN ? IS NULL THEN NULL WHEN p.consent = ? THEN p.consent_at"
            " ELSE ? END FROM submissions p WHERE p.id = ?)"
            " WHERE id = ? AND status = 'draft'", e);
    if (!s) goto fail;
    const char *consent = consent_value(f, ans);
    store_bind_text(s, 1, json.data);
    store_bind_text(s, 2, draft.supersedes);
    store_bind_text(s, 3, now);
    store_bind_text(s, 4, now);
    store_bind_text(s, 5, consent);
    store_bind_text(s, 6, consent);
    store_bind_text(s, 7, consent);
    store_bind_text(s, 8, now);
    store_bind_text(s, 9, draft.supersedes);
    store_bind_text(s, 10, draft_id);
    rc = store_run(s, e);
    store_done(s);
    if (rc < 0 || attachment_carry(st, f, draft.supersedes, draft_id, ans, e) < 0 ||
        values_unindex(st, draft.supersedes, e) < 0 || values_index(st, f, ans, draft_id, e) < 0 ||
        submission_audit_revision(st, by, draft.form_id, draft.supersedes, draft_id, e) < 0 ||
        store_commit(st, e) < 0)
        goto fail;
    return 0;
fail:
    store_rollback(st);
    return e && e->code ? e->code : -1;
}

#include "forms/submissions.h"

#include "base/id.h"
#include "base/timeutil.h"
#include "forms/attachments.h"
#include "forms/consent.h"
#include "forms/values.h"

#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* Crockford's base 32 without the letters people confuse (I, L, O, U). */
static const char code_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static void random_code(char out[10])
{
    uint8_t rnd[8];
    id_random(rnd, sizeof rnd);
    int k = 0;
    for (int i = 0; i < 8; i++) {
        if (i == 4) out[k++] = '-';
        out[k++] = code_alphabet[rnd[i] & 31];
    }
    out[k] = '\0';
}

static void random_token(char out[33])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t rnd[16];
    id_random(rnd, sizeof rnd);
    for (int i = 0; i < 16; i++) {
        out[2 * i] = hex[rnd[i] >> 4];
        out[2 * i + 1] = hex[rnd[i] & 15];
    }
    out[32] = '\0';
}

const char *submission_normalise_code(struct arena *a, const char *typed)
{
    char raw[8];
    int n = 0;
    for (const char *p = typed; p && *p; p++) {
        char c = (char)toupper((unsigned char)*p);
        if (c == ' ' || c == '-') continue;
        if (c == 'O') c = '0'; /* what people mistype, read as Crockford's scheme reads it */
        if (c == 'I' || c == 'L') c = '1';
        if (!strchr(code_alphabet, c) || n == 8) return NULL;
        raw[n++] = c;
    }
    if (n != 8) return NULL;
    return arena_printf(a, "%.4s-%.4s", raw, raw + 4);
}

static void read_row(struct store_stmt *s, struct arena *a, struct submission *out)
{
    out->id = arena_strdup(a, store_col_text(s, 0));
    out->instance_id = arena_strdup(a, store_col_text(s, 1));
    out->form_id = arena_strdup(a, store_col_text(s, 2));
    out->form_version_id = arena_strdup(a, store_col_text(s, 3));
    out->revision = (int)store_col_int(s, 4);
    out->status = arena_strdup(a, store_col_text(s, 5));
    out->lang = arena_strdup(a, store_col_text(s, 6));
    out->answers = arena_strdup(a, store_col_text(s, 7));
    out->token = store_col_null(s, 8) ? NULL : arena_strdup(a, store_col_text(s, 8));
    out->resume_code = store_col_null(s, 9) ? NULL : arena_strdup(a, store_col_text(s, 9));
    out->page = (int)store_col_int(s, 10);
    out->started_at = arena_strdup(a, store_col_text(s, 11));
    out->submitted_at = store_col_null(s, 12) ? NULL : arena_strdup(a, store_col_text(s, 12));
    out->is_demo = store_col_int(s, 13) != 0;
}

static const char sql_insert[] =
    "INSERT INTO submissions (id, instance_id, form_id, form_version_id, status, lang, answers, token,"
    " resume_code, is_demo, started_at, submitted_at, updated_at, consent, consent_at)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

/* consent: what a submitted answer set says to its form's consent question (forms/consent.h),
 * recorded as given when the answers were submitted; NULL for drafts. */
static int insert(struct store *st, struct arena *a, const char *form_id, const char *version_id,
                  const char *lang, const char *status, const char *answers, bool draft, bool is_demo,
                  const char *submitted_at, const char *consent, struct submission *out, struct err *e)
{
    char id[ID_TEXT_SIZE], token[33], code[10], now[32];
    id_new(id);
    time_format_iso(time_now_ms(), now, sizeof now);
    if (draft) {
        random_token(token);
        random_code(code);
    }
    struct store_stmt *s = store_prepare(st, sql_insert, e);
    if (!s) return -1;
    store_bind_text(s, 1, id);
    store_bind_text(s, 2, arena_printf(a, "uuid:%s", id));
    store_bind_text(s, 3, form_id);
    store_bind_text(s, 4, version_id);
    store_bind_text(s, 5, status);
    store_bind_text(s, 6, lang);
    store_bind_text(s, 7, answers);
    store_bind_text(s, 8, draft ? token : NULL);
    store_bind_text(s, 9, draft ? code : NULL);
    store_bind_int(s, 10, is_demo);
    store_bind_text(s, 11, submitted_at ? submitted_at : now);
    store_bind_text(s, 12, draft ? NULL : (submitted_at ? submitted_at : now));
    store_bind_text(s, 13, now);
    store_bind_text(s, 14, draft ? NULL : consent);
    store_bind_text(s, 15, draft || !consent ? NULL : (submitted_at ? submitted_at : now));
    int rc = store_run(s, e);
    store_done(s);
    /* A clash of resume codes (one in 2^40 per pair) surfaces as a conflict: the caller retries. */
    if (rc < 0) return rc;
    if (out) {
        memset(out, 0, sizeof *out);
        out->id = arena_strdup(a, id);
        out->instance_id = arena_printf(a, "uuid:%s", id);
        out->form_id = form_id;
        out->form_version_id = version_id;
        out->revision = 1;
        out->status = status;
        out->lang = lang;
        out->answers = answers;
        out->token = draft ? arena_strdup(a, token) : NULL;
        out->resume_code = draft ? arena_strdup(a, code) : NULL;
        out->started_at = arena_strdup(a, now);
        out->is_demo = is_demo;
    }
    return 0;
}

int submission_create_draft(struct store *st, struct arena *a, const char *form_id,
                            const char *version_id, const char *lang, struct submission *out,
                            struct err *e)
{
    int rc = ERR_CONFLICT;
    for (int attempt = 0; attempt < 3 && rc == ERR_CONFLICT; attempt++)
        rc = insert(st, a, form_id, version_id, lang, "draft", "{}", true, false, NULL, NULL, out, e);
    return rc;
}

/* ans as stored: JSON in a (the arena the caller's struct submission points into). */
static char *to_json(struct arena *a, const struct form *f, const struct answers *ans)
{
    struct strbuf sb;
    strbuf_init(&sb, a, 1024);
    answers_to_json(f, ans, &sb);
    return sb.data;
}

int submission_insert_in(struct store *st, struct arena *a, const struct form *f, const char *version_id,
                         const char *lang, const struct answers *ans, const char *json, bool is_demo,
                         const char *submitted_at, struct submission *out, struct err *e)
{
    struct submission local;
    if (!out) out = &local;
    if (!json) json = to_json(a, f, ans);
    if (insert(st, a, f->form_id, version_id, lang, "submitted", json, false, is_demo, submitted_at,
               consent_value(f, ans), out, e) < 0)
        return -1;
    return values_index(st, f, ans, out->id, e);
}

int submission_insert(struct store *st, struct arena *a, const struct form *f, const char *version_id,
                      const char *lang, const struct answers *ans, bool is_demo, const char *submitted_at,
                      struct submission *out, struct err *e)
{
    if (store_begin(st, e) < 0) return -1;
    if (submission_insert_in(st, a, f, version_id, lang, ans, NULL, is_demo, submitted_at, out, e) < 0 ||
        store_commit(st, e) < 0) {
        store_rollback(st);
        return -1;
    }
    return 0;
}

static int find_one(struct store *st, struct arena *a, const char *sql, const char *p1, const char *p2,
                    struct submission *out, struct err *e)
{
    struct store_stmt *s = store_prepare(st, sql, e);
    if (!s) return -1;
    store_bind_text(s, 1, p1);
    if (p2) store_bind_text(s, 2, p2);
    int rc = store_step(s, e);
    if (rc == 1) read_row(s, a, out);
    store_done(s);
    if (rc == 0) return err_set(e, ERR_NOT_FOUND, "not found");
    return rc < 0 ? -1 : 0;
}

int submission_by_token(struct store *st, struct arena *a, const char *token, struct submission *out,
                        struct err *e)
{
    static const char q[] =
        "SELECT id, instance_id, form_id, form_version_id, revision, status, lang, answers, token,"
        " resume_code, page, started_at, submitted_at, is_demo FROM submissions WHERE token = ?";
    return find_one(st, a, q, token, NULL, out, e);
}

int submission_by_resume_code(struct store *st, struct arena *a, const char *form_id, const char *code,
                              struct submission *out, struct err *e)
{
    static const char q[] =
        "SELECT id, instance_id, form_id, form_version_id, revision, status, lang, answers, token,"
        " resume_code, page, started_at, submitted_at, is_demo FROM submissions"
        " WHERE resume_code = ? AND form_id = ? AND status = 'draft'";
    return find_one(st, a, q, code, form_id, out, e);
}

int submission_save_draft(struct store *st, const char *id, const char *answers, int page,
                          const char *lang, struct err *e)
{
    char now[32];
    time_format_iso(time_now_ms(), now, sizeof now);
    struct store_stmt *s = store_prepare(
        st, "UPDATE submissions SET answers = ?, page = ?, lang = ?, updated_at = ? WHERE id = ? AND status = 'draft'", e);
    if (!s) return -1;
    store_bind_text(s, 1, answers);
    store_bind_int(s, 2, page);
    store_bind_text(s, 3, lang);
    store_bind_text(s, 4, now);
    store_bind_text(s, 5, id);
    int rc = store_run(s, e);
    store_done(s);
    if (rc == 0 && store_changes(st) == 0) return err_set(e, ERR_CONFLICT, "this answer set was already submitted");
    return rc;
}

int submission_submit(struct store *st, const struct form *f, const char *id, const struct answers *ans,
                      struct err *e)
{
    char now[32];
    time_format_iso(time_now_ms(), now, sizeof now);
    struct strbuf json;
    strbuf_init(&json, NULL, 2048);
    answers_to_json(f, ans, &json);
    if (store_begin(st, e) < 0) {
        strbuf_free(&json);
        return -1;
    }
    /* The resume code goes: a submitted answer set cannot be reopened with it. The token stays so
     * that the thank-you page can be shown again. */
    struct store_stmt *s = store_prepare(
        st, "UPDATE submissions SET status = 'submitted', answers = ?, resume_code = NULL,"
            " submitted_at = ?, updated_at = ?, consent = ?, consent_at = ? WHERE id = ? AND status = 'draft'", e);
    if (!s) goto fail;
    const char *consent = consent_value(f, ans);
    store_bind_text(s, 1, json.data);
    store_bind_text(s, 2, now);
    store_bind_text(s, 3, now);
    store_bind_text(s, 4, consent);
    store_bind_text(s, 5, consent ? now : NULL);
    store_bind_text(s, 6, id);
    int rc = store_run(s, e);
    store_done(s);
    if (rc < 0) goto fail;
    if (store_changes(st) == 0) {
        err_set(e, ERR_CONFLICT, "this answer set was already submitted");
        goto fail;
    }
    if (values_index(st, f, ans, id, e) < 0 || store_commit(st, e) < 0) goto fail;
    strbuf_free(&json);
    return 0;
fail:
    store_rollback(st);
    strbuf_free(&json);
    return e && e->code ? e->code : -1;
}

int submission_audit_revision(struct store *st, const struct audit_actor *by, const char *form_id,
                              const char *previous_id, const char *id, struct err *e)
{
    /* Ids only: the answers themselves stay in the submissions, where erasure can reach them. */
    json_t *o = json_pack("{s:s}", "form_id", form_id);
    char *detail = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    const char *ids[] = {previous_id, id};
    int rc = detail ? audit_record(st, by, "submission.revise", "submission", ids, 2, detail, e)
                    : err_set(e, ERR_INTERNAL, "the audit entry could not be made");
    free(detail);
    return rc;
}

int submission_revise(struct store *st, struct arena *a, const struct form *f, const char *version_id,
                      const char *previous_id, const struct answers *ans, const struct audit_actor *by,
                      struct submission *out, struct err *e)
{
    struct submission local;
    if (!out) out = &local;
    char id[ID_TEXT_SIZE], now[32];
    id_new(id);
    time_format_iso(time_now_ms(), now, sizeof now);
    const char *json = to_json(a, f, ans);
    if (store_begin(st, e) < 0) return -1;
    /* The previous revision stops being current first: only a current submitted one may be
     * revised, so two corrections of the same answer set cannot both win. */
    struct store_stmt *s = store_prepare(
        st, "UPDATE submissions SET is_current = 0, updated_at = ?"
            " WHERE id = ? AND status = 'submitted' AND is_current = 1", e);
    if (!s) goto fail;
    store_bind_text(s, 1, now);
    store_bind_text(s, 2, previous_id);
    int rc = store_run(s, e);
    store_done(s);
    if (rc < 0) goto fail;
    if (store_changes(st) == 0) {
        err_set(e, ERR_CONFLICT, "this answer set is not the current submitted revision");
        goto fail;
    }
    /* Consent unchanged by the correction keeps the time it was given; a changed one is dated now. */
    s = store_prepare(
        st, "INSERT INTO submissions (id, instance_id, form_id, form_version_id, revision, supersedes,"
            " status, lang, answers, is_demo, started_at, submitted_at, updated_at, consent, consent_at)"
            " SELECT ?, instance_id, form_id, ?, revision + 1, id, 'submitted', lang, ?, is_demo, ?, ?, ?, ?,"
            " CASE WHEN ? IS NULL THEN NULL WHEN consent = ? THEN consent_at ELSE ? END"
            " FROM submissions WHERE id = ?", e);
    if (!s) goto fail;
    const char *consent = consent_value(f, ans);
    store_bind_text(s, 1, id);
    store_bind_text(s, 2, version_id);
    store_bind_text(s, 3, json);
    store_bind_text(s, 4, now);
    store_bind_text(s, 5, now);
    store_bind_text(s, 6, now);
    store_bind_text(s, 7, consent);
    store_bind_text(s, 8, consent);
    store_bind_text(s, 9, consent);
    store_bind_text(s, 10, now);
    store_bind_text(s, 11, previous_id);
    rc = store_run(s, e);
    store_done(s);
    if (rc < 0 || attachment_carry(st, f, previous_id, id, ans, e) < 0 || values_unindex(st, previous_id, e) < 0 ||
        values_index(st, f, ans, id, e) < 0 || submission_audit_revision(st, by, f->form_id, previous_id, id, e) < 0)
        goto fail;
    if (find_one(st, a,
                 "SELECT id, instance_id, form_id, form_version_id, revision, status, lang, answers, token,"
                 " resume_code, page, started_at, submitted_at, is_demo FROM submissions WHERE id = ?",
                 id, NULL, out, e) < 0)
        goto fail;
    if (store_commit(st, e) < 0) goto fail;
    return 0;
fail:
    store_rollback(st);
    return e && e->code ? e->code : -1;
}

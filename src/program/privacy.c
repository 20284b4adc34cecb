#include "program/privacy.h"

#include "base/timeutil.h"
#include "forms/export.h"
#include "forms/form_store.h"
#include "forms/pseudonym.h"
#include "forms/values.h"
#include "program/training.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* --- growing arrays in an arena ------------------------------------------------------------------ */

static void *grow(struct arena *a, void *items, size_t n, size_t *cap, size_t size)
{
    if (n < *cap) return items;
    *cap = *cap ? 2 * *cap : 16;
    void *more = arena_alloc(a, *cap * size);
    if (n) memcpy(more, items, n * size);
    return more;
}

static const char *dup_or_null(struct arena *a, struct store_stmt *s, int col)
{
    return store_col_null(s, col) ? NULL : arena_strdup(a, store_col_text(s, col));
}

/* --- which fields are personal ------------------------------------------------------------------- */

/* A form's personal field names: personal in any of its versions, so that an answer given to a
 * version that did not yet mark a question personal is found and erased too. */
struct personal {
    const char *form_id;
    const char **names;
    size_t n, cap;
};

struct forms {
    struct personal *items;
    size_t n, cap;
};

static bool has_name(const struct personal *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->names[i], name) == 0) return true;
    return false;
}

static struct personal *personal_of(const struct forms *fs, const char *form_id)
{
    for (size_t i = 0; i < fs->n; i++)
        if (strcmp(fs->items[i].form_id, form_id) == 0) return &fs->items[i];
    return NULL;
}

static int load_personal(struct store *st, struct arena *a, struct forms *fs, struct err *e)
{
    memset(fs, 0, sizeof *fs);
    struct store_stmt *s = store_prepare(st, "SELECT id, form_id FROM form_versions ORDER BY form_id, seq", e);
    if (!s) return -1;
    const char **ids = NULL, **form_ids = NULL;
    size_t n = 0, cap = 0, cap2 = 0;
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        ids = grow(a, ids, n, &cap, sizeof *ids);
        form_ids = grow(a, form_ids, n, &cap2, sizeof *form_ids);
        ids[n] = arena_strdup(a, store_col_text(s, 0));
        form_ids[n++] = arena_strdup(a, store_col_text(s, 1));
    }
    store_done(s);
    if (rc < 0) return -1;
    for (size_t v = 0; v < n; v++) {
        struct form *f;
        struct err ignored;
        /* A version whose file no longer reads cannot say what is personal: the others still do. */
        if (form_store_load(st, a, ids[v], &f, &ignored) < 0) continue;
        struct personal *p = personal_of(fs, form_ids[v]);
        if (!p) {
            fs->items = grow(a, fs->items, fs->n, &fs->cap, sizeof *fs->items);
            p = &fs->items[fs->n++];
            *p = (struct personal){.form_id = form_ids[v]};
        }
        for (size_t i = 0; i < f->nfields; i++) {
            const struct form_field *fd = &f->fields[i];
            if (fd->type == FT_GROUP || fd->type == FT_REPEAT || fd->type == FT_NOTE) continue;
            if (!export_field_personal(f, fd) || has_name(p, fd->name)) continue;
            p->names = grow(a, p->names, p->n, &p->cap, sizeof *p->names);
            p->names[p->n++] = fd->name;
        }
    }
    return 0;
}

/* --- answers ------------------------------------------------------------------------------------- */

static bool same_address(const char *value, const char *email)
{
    while (*value == ' ' || *value == '\t') value++;
    size_t n = strlen(value);
    while (n && (value[n - 1] == ' ' || value[n - 1] == '\t')) n--;
    return n == strlen(email) && strncasecmp(value, email, n) == 0;
}

/* Walks an answers object (and the objects of its repeats): counts the personal answers, tells
 * whether one is the address (email non-NULL), and removes them when remove is set. */
static void walk(json_t *obj, const struct personal *p, const char *email, bool remove, size_t *count, bool *match)
{
    const char *name;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(obj, tmp, name, v) {
        if (json_is_array(v)) {
            size_t i;
            json_t *item;
            json_array_foreach(v, i, item) if (json_is_object(item)) walk(item, p, email, remove, count, match);
            continue;
        }
        if (!has_name(p, name)) continue;
        /* An empty answer is no personal data, though it is removed with the rest. */
        if (!json_is_string(v) || *json_string_value(v)) (*count)++;
        if (email && json_is_string(v) && same_address(json_string_value(v), email)) *match = true;
        if (remove) json_object_del(obj, name);
    }
}

/* --- finding ------------------------------------------------------------------------------------- */

static void like_escape(struct strbuf *sb, const char *s)
{
    for (const char *p = s; *p; p++) {
        if (*p == '%' || *p == '_' || *p == '\\') strbuf_putc(sb, '\\');
        strbuf_putc(sb, *p);
    }
}

/* The instance ids of the answer sets in which a personal field holds the address. The LIKE is a
 * coarse first sieve (the address anywhere in the stored text); the JSON decides. */
static int matching_instances(struct store *st, struct arena *a, const struct forms *fs, const char *email,
                              const char ***out, size_t *n, struct err *e)
{
    *out = NULL;
    *n = 0;
    size_t cap = 0;
    struct strbuf pat;
    strbuf_init(&pat, a, 64);
    strbuf_putc(&pat, '%');
    like_escape(&pat, email);
    strbuf_putc(&pat, '%');
    for (size_t k = 0; k < fs->n; k++) {
        const struct personal *p = &fs->items[k];
        if (!p->n) continue;
        struct store_stmt *s = store_prepare(st,
            "SELECT instance_id, answers FROM submissions WHERE form_id = ? AND lower(answers) LIKE ? ESCAPE '\\'", e);
        if (!s) return -1;
        store_bind_text(s, 1, p->form_id);
        store_bind_text(s, 2, pat.data);
        int rc;
        while ((rc = store_step(s, e)) == 1) {
            json_t *doc = json_loads(store_col_text(s, 1), 0, NULL);
            size_t count = 0;
            bool match = false;
            if (json_is_object(doc)) walk(doc, p, email, false, &count, &match);
            json_decref(doc);
            if (!match) continue;
            const char *inst = store_col_text(s, 0);
            bool seen = false;
            for (size_t i = 0; i < *n && !seen; i++) seen = strcmp((*out)[i], inst) == 0;
            if (seen) continue;
            *out = grow(a, *out, *n, &cap, sizeof **out);
            (*out)[(*n)++] = arena_strdup(a, inst);
        }
        store_done(s);
        if (rc < 0) return -1;
    }
    return 0;
}

static int load_attachments(struct store *st, struct arena *a, struct privacy_submission *sub, struct err *e)
{
    struct store_stmt *s = store_prepare(st,
        "SELECT id, field, instance, filename, content_type, size, created_at FROM attachments"
        " WHERE submission_id = ? ORDER BY field, instance", e);
    if (!s) return -1;
    store_bind_text(s, 1, sub->id);
    size_t cap = 0;
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        sub->attachments = grow(a, sub->attachments, sub->nattachments, &cap, sizeof *sub->attachments);
        sub->attachments[sub->nattachments++] = (struct privacy_attachment){
            .id = arena_strdup(a, store_col_text(s, 0)), .field = arena_strdup(a, store_col_text(s, 1)),
            .instance = (int)store_col_int(s, 2), .filename = arena_strdup(a, store_col_text(s, 3)),
            .content_type = arena_strdup(a, store_col_text(s, 4)), .size = store_col_int(s, 5),
            .created_at = arena_strdup(a, store_col_text(s, 6))};
    }
    store_done(s);
    return rc < 0 ? -1 : 0;
}

/* Every row of the matched answer sets: all revisions, correction drafts and drafts. */
static int load_submissions(struct store *st, struct arena *a, const struct forms *fs, const char **instances,
                            size_t ninst, struct privacy_report *r, struct err *e)
{
    size_t cap = 0;
    for (size_t k = 0; k < ninst; k++) {
        struct store_stmt *s = store_prepare(st,
            "SELECT s.id, s.instance_id, s.form_id, s.form_version_id, v.version, s.revision, s.status,"
            " s.is_current, s.lang, s.started_at, s.submitted_at, s.consent, s.consent_at, s.answers"
            " FROM submissions s JOIN form_versions v ON v.id = s.form_version_id"
            " WHERE s.instance_id = ? ORDER BY s.revision, s.started_at, s.id", e);
        if (!s) return -1;
        store_bind_text(s, 1, instances[k]);
        int rc;
        while ((rc = store_step(s, e)) == 1) {
            r->subs = grow(a, r->subs, r->nsubs, &cap, sizeof *r->subs);
            struct privacy_submission *p = &r->subs[r->nsubs++];
            *p = (struct privacy_submission){
                .id = arena_strdup(a, store_col_text(s, 0)), .instance_id = arena_strdup(a, store_col_text(s, 1)),
                .form_id = arena_strdup(a, store_col_text(s, 2)), .form_version_id = arena_strdup(a, store_col_text(s, 3)),
                .form_version = arena_strdup(a, store_col_text(s, 4)), .revision = (int)store_col_int(s, 5),
                .status = arena_strdup(a, store_col_text(s, 6)), .is_current = store_col_int(s, 7) != 0,
                .lang = arena_strdup(a, store_col_text(s, 8)), .started_at = arena_strdup(a, store_col_text(s, 9)),
                .submitted_at = dup_or_null(a, s, 10), .consent = dup_or_null(a, s, 11),
                .consent_at = dup_or_null(a, s, 12), .answers = arena_strdup(a, store_col_text(s, 13))};
            const struct personal *pf = personal_of(fs, p->form_id);
            json_t *doc = json_loads(p->answers, 0, NULL);
            bool match = false;
            if (pf && json_is_object(doc)) walk(doc, pf, NULL, false, &p->personal_answers, &match);
            json_decref(doc);
        }
        store_done(s);
        if (rc < 0) return -1;
    }
    for (size_t i = 0; i < r->nsubs; i++)
        if (load_attachments(st, a, &r->subs[i], e) < 0) return -1;
    return 0;
}

static int load_outbox(struct store *st, struct arena *a, struct privacy_report *r, struct err *e)
{
    struct store_stmt *s = store_prepare(st,
        "SELECT id, created_at, to_addr, subject, body, sent_at, error FROM outbox"
        " WHERE lower(to_addr) = ? ORDER BY created_at, id", e);
    if (!s) return -1;
    store_bind_text(s, 1, r->email);
    size_t cap = 0;
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        r->outbox = grow(a, r->outbox, r->noutbox, &cap, sizeof *r->outbox);
        r->outbox[r->noutbox++] = (struct outbox_message){
            .id = arena_strdup(a, store_col_text(s, 0)), .created_at = arena_strdup(a, store_col_text(s, 1)),
            .to_addr = arena_strdup(a, store_col_text(s, 2)), .subject = arena_strdup(a, store_col_text(s, 3)),
            .body = arena_strdup(a, store_col_text(s, 4)), .sent_at = dup_or_null(a, s, 5), .error = dup_or_null(a, s, 6)};
    }
    store_done(s);
    return rc < 0 ? -1 : 0;
}

/* The ids audit entries about the person carry: the address's pseudonym, the account, the answer sets. */
static const char **about_ids(struct arena *a, const struct privacy_report *r, size_t *n)
{
    const char **ids = arena_alloc(a, (r->nsubs + 2) * sizeof *ids);
    *n = 0;
    ids[(*n)++] = r->subject;
    if (r->has_account) ids[(*n)++] = r->account.id;
    for (size_t i = 0; i < r->nsubs; i++) ids[(*n)++] = r->subs[i].id;
    return ids;
}

static int find(struct store *st, struct arena *a, const char *email, struct forms *fs, struct privacy_report *r,
                struct err *e)
{
    memset(r, 0, sizeof *r);
    if (user_normalise_email(a, email, &r->email, e) < 0) return ERR_INVALID;
    unsigned char key[PSEUDONYM_KEY_SIZE];
    if (pseudonym_key(st, key, e) < 0) return -1;
    char *subject = arena_alloc(a, PSEUDONYM_TEXT_SIZE);
    pseudonym_of(key, r->email, subject);
    r->subject = subject;
    struct err nf;
    err_clear(&nf);
    int rc = user_find_by_email(st, a, r->email, &r->account, NULL, &nf);
    if (rc < 0 && rc != ERR_NOT_FOUND) return err_set(e, nf.code, "%s", nf.msg);
    r->has_account = rc == 0;
    const char **instances;
    size_t ninst;
    if (load_personal(st, a, fs, e) < 0 || matching_instances(st, a, fs, r->email, &instances, &ninst, e) < 0 ||
        load_submissions(st, a, fs, instances, ninst, r, e) < 0 || load_outbox(st, a, r, e) < 0)
        return -1;
    json_t *training = NULL;
    if (training_person_json(st, r->email, r->has_account ? r->account.id : NULL, &training, e) < 0) return -1;
    char *text = training ? json_dumps(training, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(training);
    r->training = text ? arena_strdup(a, text) : NULL;
    free(text);
    size_t nids;
    const char **ids = about_ids(a, r, &nids);
    return audit_about(st, a, ids, nids, r->has_account ? r->account.id : NULL, &r->audit, &r->naudit, e);
}

int privacy_find(struct store *st, struct arena *a, const char *email, struct privacy_report *out, struct err *e)
{
    struct forms fs;
    return find(st, a, email, &fs, out, e);
}

/* --- the JSON ------------------------------------------------------------------------------------ */

static json_t *str_or_null(const char *s)
{
    json_t *v = s ? json_string(s) : NULL;
    return v ? v : json_null();
}

static json_t *parsed(const char *text, json_t *fallback)
{
    json_t *v = json_loads(text ? text : "", 0, NULL);
    if (v) {
        json_decref(fallback);
        return v;
    }
    return fallback;
}

static json_t *submission_json(const struct privacy_submission *p)
{
    json_t *atts = json_array();
    for (size_t k = 0; k < p->nattachments; k++) {
        const struct privacy_attachment *t = &p->attachments[k];
        json_array_append_new(atts, json_pack("{s:o, s:o, s:i, s:o, s:o, s:I, s:o}", "id", str_or_null(t->id),
                                              "field", str_or_null(t->field), "instance", t->instance,
                                              "filename", str_or_null(t->filename), "content_type",
                                              str_or_null(t->content_type), "size", (json_int_t)t->size,
                                              "created_at", str_or_null(t->created_at)));
    }
    json_t *o = json_object();
    json_object_set_new(o, "id", str_or_null(p->id));
    json_object_set_new(o, "instance_id", str_or_null(p->instance_id));
    json_object_set_new(o, "form_id", str_or_null(p->form_id));
    json_object_set_new(o, "form_version", str_or_null(p->form_version));
    json_object_set_new(o, "revision", json_integer(p->revision));
    json_object_set_new(o, "status", str_or_null(p->status));
    json_object_set_new(o, "is_current", json_boolean(p->is_current));
    json_object_set_new(o, "lang", str_or_null(p->lang));
    json_object_set_new(o, "started_at", str_or_null(p->started_at));
    json_object_set_new(o, "submitted_at", str_or_null(p->submitted_at));
    json_object_set_new(o, "consent", str_or_null(p->consent));
    json_object_set_new(o, "consent_at", str_or_null(p->consent_at));
    json_object_set_new(o, "answers", parsed(p->answers, json_null()));
    json_object_set_new(o, "attachments", atts);
    return o;
}

static int json_piece(const char *buffer, size_t size, void *data)
{
    strbuf_append(data, buffer, size);
    return 0;
}

void privacy_report_json(const struct privacy_report *r, struct strbuf *out)
{
    char now[32];
    time_format_iso(time_now_ms(), now, sizeof now);
    json_t *doc = json_object();
    json_object_set_new(doc, "email", str_or_null(r->email));
    json_object_set_new(doc, "exported_at", json_string(now));
    if (r->has_account) {
        const struct user *u = &r->account;
        /* Never the password hash: user_find_by_email was not asked for it. */
        json_object_set_new(doc, "account", json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:b}", "id", str_or_null(u->id),
                                                      "email", str_or_null(u->email), "display_name",
                                                      str_or_null(u->display_name), "role",
                                                      str_or_null(auth_role_name(u->role)), "created_at",
                                                      str_or_null(u->created_at), "disabled_at",
                                                      str_or_null(u->disabled_at), "is_demo", u->is_demo));
    } else {
        json_object_set_new(doc, "account", json_null());
    }
    json_t *subs = json_array();
    for (size_t i = 0; i < r->nsubs; i++) json_array_append_new(subs, submission_json(&r->subs[i]));
    json_object_set_new(doc, "submissions", subs);
    json_t *mails = json_array();
    for (size_t i = 0; i < r->noutbox; i++) {
        const struct outbox_message *m = &r->outbox[i];
        json_array_append_new(mails, json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id", str_or_null(m->id),
                                               "created_at", str_or_null(m->created_at), "to", str_or_null(m->to_addr),
                                               "subject", str_or_null(m->subject), "body", str_or_null(m->body),
                                               "sent_at", str_or_null(m->sent_at), "error", str_or_null(m->error)));
    }
    json_object_set_new(doc, "outbox", mails);
    json_t *audit = json_array();
    for (size_t i = 0; i < r->naudit; i++) {
        const struct audit_entry *en = &r->audit[i];
        json_array_append_new(audit, json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id", str_or_null(en->id),
                                               "at", str_or_null(en->at), "actor_user_id", str_or_null(en->actor_user_id),
                                               "actor", str_or_null(en->actor_label), "action", str_or_null(en->action),
                                               "target_kind", str_or_null(en->target_kind), "target_ids",
                                               parsed(en->target_ids, json_array()), "detail",
                                               parsed(en->detail, json_object())));
    }
    json_object_set_new(doc, "audit", audit);
    json_object_set_new(doc, "training", parsed(r->training, json_array()));
    json_dump_callback(doc, json_piece, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    strbuf_putc(out, '\n');
    json_decref(doc);
}

static char *counts_json(json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return s;
}

int privacy_export(struct store *st, struct arena *a, const char *email, const struct audit_actor *by,
                   struct strbuf *out, struct err *e)
{
    struct privacy_report r;
    if (store_begin(st, e) < 0) return -1;
    int rc = privacy_find(st, a, email, &r, e);
    if (rc == 0) {
        char *detail = counts_json(json_pack("{s:I, s:b, s:I, s:I}", "submissions", (json_int_t)r.nsubs,
                                             "account", r.has_account, "outbox", (json_int_t)r.noutbox,
                                             "audit", (json_int_t)r.naudit));
        size_t nids;
        const char **ids = about_ids(a, &r, &nids);
        rc = audit_record(st, by, "privacy.export", "person", ids, nids, detail, e);
        free(detail);
    }
    if (rc == 0) rc = store_commit(st, e);
    if (rc < 0) {
        store_rollback(st);
        return rc;
    }
    privacy_report_json(&r, out);
    return 0;
}

/* --- erasure ------------------------------------------------------------------------------------- */

static int run1(struct store *st, const char *sql, const char *p1, int64_t *changed, struct err *e)
{
    struct store_stmt *s = store_prepare(st, sql, e);
    if (!s) return -1;
    store_bind_text(s, 1, p1);
    int rc = store_run(s, e);
    store_done(s);
    if (rc == 0 && changed) *changed += store_changes(st);
    return rc;
}

static int64_t count1(struct store *st, const char *sql, const char *p1, struct err *e)
{
    struct store_stmt *s = store_prepare(st, sql, e);
    if (!s) return -1;
    store_bind_text(s, 1, p1);
    int rc = store_step(s, e);
    int64_t n = rc == 1 ? store_col_int(s, 0) : 0;
    store_done(s);
    return rc < 0 ? -1 : n;
}

/* One row: its personal answers out of the stored JSON, out of the value index, and its files to
 * personal questions deleted. */
static int erase_submission(struct store *st, struct arena *a, const struct personal *p,
                            const struct privacy_submission *sub, struct privacy_erasure *out, struct err *e)
{
    if (sub->personal_answers) {
        json_t *doc = json_loads(sub->answers, 0, NULL);
        size_t removed = 0;
        bool match = false;
        if (json_is_object(doc)) walk(doc, p, NULL, true, &removed, &match);
        char *text = json_is_object(doc) ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(doc);
        if (!text) return err_set(e, ERR_INTERNAL, "the answers of %s could not be rewritten", sub->id);
        char now[32];
        time_format_iso(time_now_ms(), now, sizeof now);
        struct store_stmt *s = store_prepare(st, "UPDATE submissions SET answers = ?, updated_at = ? WHERE id = ?", e);
        int rc = s ? 0 : -1;
        if (s) {
            store_bind_text(s, 1, text);
            store_bind_text(s, 2, now);
            store_bind_text(s, 3, sub->id);
            rc = store_run(s, e);
            store_done(s);
        }
        free(text);
        if (rc < 0) return -1;
        out->submissions++;
        out->answers += (int64_t)removed;
    }
    for (size_t i = 0; i < p->n; i++)
        if (values_forget(st, sub->id, p->names[i], e) < 0) return -1;
    for (size_t k = 0; k < sub->nattachments; k++) {
        if (!has_name(p, sub->attachments[k].field)) continue;
        if (run1(st, "DELETE FROM attachments WHERE id = ?", sub->attachments[k].id, &out->attachments, e) < 0)
            return -1;
    }
    (void)a;
    return 0;
}

static int erase_account(struct store *st, struct arena *a, const struct privacy_report *r,
                         struct privacy_erasure *out, struct err *e)
{
    if (!r->has_account) return 0;
    const char *id = r->account.id;
    out->sessions = count1(st, "SELECT count(*) FROM sessions WHERE user_id = ?", id, e);
    out->tokens = count1(st, "SELECT count(*) FROM api_tokens WHERE user_id = ?", id, e);
    if (out->sessions < 0 || out->tokens < 0) return -1;
    /* Sessions, API tokens and reset links go with it (ON DELETE CASCADE, migration 5). */
    int64_t changed = 0;
    if (run1(st, "DELETE FROM users WHERE id = ?", id, &changed, e) < 0) return -1;
    out->account = changed > 0;
    const char *throttle_key = arena_printf(a, "email:%s", r->email);
    return run1(st, "DELETE FROM signin_throttle WHERE key = ?", throttle_key, NULL, e);
}

int privacy_erase(struct store *st, struct arena *a, const char *email, const struct audit_actor *by,
                  struct privacy_erasure *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    struct privacy_report r;
    struct forms fs;
    /* Found and erased in one transaction: nothing can be added in between and left behind. */
    if (store_begin(st, e) < 0) return -1;
    int rc = find(st, a, email, &fs, &r, e);
    for (size_t i = 0; rc == 0 && i < r.nsubs; i++) {
        const struct personal *p = personal_of(&fs, r.subs[i].form_id);
        if (p) rc = erase_submission(st, a, p, &r.subs[i], out, e);
    }
    if (rc == 0) rc = run1(st, "DELETE FROM outbox WHERE lower(to_addr) = ?", r.email, &out->outbox, e);
    /* People trained (program/training.h) by this address or account: before the account goes. */
    if (rc == 0) rc = training_erase_person(st, r.email, r.has_account ? r.account.id : NULL, NULL, e);
    if (rc == 0) rc = erase_account(st, a, &r, out, e);
    /* The register's contact person (personal data, program/institutions.h) is the same person. */
    if (rc == 0)
        rc = run1(st, "UPDATE institutions SET contact_name = NULL, contact_email = NULL, contact_phone = NULL"
                      " WHERE lower(contact_email) = ?",
                  r.email, &out->institutions, e);
    /* Invitations sent to this address (program/selection_run.h): the address and a decline's
     * words go; that the institution was invited and answered stays, as the selection's record. */
    if (rc == 0)
        rc = run1(st, "UPDATE invitations SET email = NULL, reason = CASE WHEN reason IS NULL THEN NULL"
                      " ELSE '(erased)' END WHERE lower(email) = ?",
                  r.email, NULL, e);
    /* A device's history names who moved it (program/devices.h): the moves stay, the name goes. */
    if (rc == 0)
        rc = run1(st, "UPDATE device_events SET by_label = '(erased)' WHERE lower(by_label) = ?", r.email, NULL, e);
    /* A course's file names who uploaded it (program/training.h): the file stays, the name goes. */
    if (rc == 0)
        rc = run1(st, "UPDATE course_files SET uploaded_by = '(erased)' WHERE lower(uploaded_by) = ?", r.email, NULL, e);
    if (rc == 0) {
        char *detail = counts_json(json_pack("{s:I, s:I, s:I, s:I, s:b, s:I, s:I, s:I}", "submissions",
                                             (json_int_t)out->submissions, "answers", (json_int_t)out->answers,
                                             "attachments", (json_int_t)out->attachments, "outbox",
                                             (json_int_t)out->outbox, "account", out->account, "sessions",
                                             (json_int_t)out->sessions, "tokens", (json_int_t)out->tokens,
                                             "institutions", (json_int_t)out->institutions));
        size_t nids;
        const char **ids = about_ids(a, &r, &nids);
        rc = audit_record(st, by, "privacy.erase", "person", ids, nids, detail, e);
        free(detail);
    }
    if (rc == 0) rc = store_commit(st, e);
    if (rc < 0) {
        store_rollback(st);
        memset(out, 0, sizeof *out);
    }
    return rc;
}

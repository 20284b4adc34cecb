#include "program/respondent_codes.h"

#include "base/i18n.h"
#include "base/id.h"
#include "base/rng.h"
#include "base/timeutil.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* No 0/O, no 1/I/L: the characters people misread on paper and mistype. */
const char rcode_alphabet[RCODE_RADIX + 1] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const char *const rcode_roles[RCODE_ROLES] = {"teacher", "learner", "leader"};

const char *rcode_role_label(const char *role)
{
    static const char *const labels[RCODE_ROLES] = {N_("Teachers"), N_("Learners"), N_("Leaders")};
    for (int i = 0; role && *role && i < RCODE_ROLES; i++)
        if (strcmp(role, rcode_roles[i]) == 0) return labels[i];
    return N_("Any role");
}

bool rcode_role_valid(const char *role)
{
    if (!role || !*role) return true;
    for (int i = 0; i < RCODE_ROLES; i++)
        if (strcmp(role, rcode_roles[i]) == 0) return true;
    return false;
}

static int value_of(char c)
{
    const char *p = c ? strchr(rcode_alphabet, c) : NULL;
    return p ? (int)(p - rcode_alphabet) : -1;
}

char rcode_check_char(const char *first7)
{
    int sum = 0;
    for (int i = 0; i < RCODE_LEN - 1; i++) {
        int v = value_of(first7[i]);
        if (v < 0) return '\0';
        sum += (i + 1) * v;
    }
    /* 8 c + sum ≡ 0 (mod 31), and 8 · 4 = 32 ≡ 1, so c = 4 · (31 - sum mod 31). */
    return rcode_alphabet[(4 * (RCODE_RADIX - sum % RCODE_RADIX)) % RCODE_RADIX];
}

bool rcode_valid(const char *code)
{
    if (!code || strlen(code) != RCODE_LEN) return false;
    char check = rcode_check_char(code);
    return check && check == code[RCODE_LEN - 1];
}

const char *rcode_normalise(struct arena *a, const char *typed)
{
    if (!typed) return NULL;
    char out[RCODE_LEN + 1];
    size_t n = 0;
    for (const char *p = typed; *p; p++) {
        char c = *p;
        if (c == ' ' || c == '-' || c == '\t') continue;
        if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
        if (n == RCODE_LEN || value_of(c) < 0) return NULL;
        out[n++] = c;
    }
    if (n != RCODE_LEN) return NULL;
    out[n] = '\0';
    return arena_strdup(a, out);
}

void rcode_display(const char *code, char out[RCODE_TEXT_SIZE])
{
    memcpy(out, code, 4);
    out[4] = '-';
    memcpy(out + 5, code + 4, 4);
    out[9] = '\0';
}

void rcode_from_values(const uint8_t values[RCODE_LEN - 1], char out[RCODE_LEN + 1])
{
    for (int i = 0; i < RCODE_LEN - 1; i++) out[i] = rcode_alphabet[values[i] % RCODE_RADIX];
    out[RCODE_LEN - 1] = rcode_check_char(out);
    out[RCODE_LEN] = '\0';
}

/* 7 values from the kernel's generator, uniform over the alphabet: bytes of 248 (8 · 31) and above
 * are drawn again rather than folded, which would favour the first characters. */
static void random_code(char out[RCODE_LEN + 1])
{
    uint8_t v[RCODE_LEN - 1];
    for (int i = 0; i < RCODE_LEN - 1; i++) {
        uint8_t b;
        do id_random(&b, 1);
        while (b >= 8 * RCODE_RADIX);
        v[i] = (uint8_t)(b % RCODE_RADIX);
    }
    rcode_from_values(v, out);
}

/* --- issuing ---------------------------------------------------------------------------------- */

static int exists(struct store *st, const char *sql, const char *id, bool *found, bool *merged, struct err *e)
{
    struct store_stmt *s = store_prepare(st, sql, e);
    if (!s) return -1;
    store_bind_text(s, 1, id);
    int rc = store_step(s, e);
    *found = rc == 1;
    if (merged) *merged = rc == 1 && !store_col_null(s, 0);
    store_done(s);
    return rc < 0 ? -1 : 0;
}

static int fail(struct store *st, struct err *e)
{
    store_rollback(st);
    return e && e->code ? e->code : ERR_IO;
}

static void seeded_code(struct rng *r, char out[RCODE_LEN + 1])
{
    uint8_t v[RCODE_LEN - 1];
    for (int i = 0; i < RCODE_LEN - 1; i++) v[i] = (uint8_t)rng_below(r, RCODE_RADIX);
    rcode_from_values(v, out);
}

/* r NULL: the kernel's generator (real codes); else the demo's seeded one. */
static int issue(struct store *st, struct arena *a, const char *programme_id, const char *institution_id,
                 const char *role, int n, bool is_demo, struct rng *r, const struct audit_actor *by,
                 const char **batch, struct err *e)
{
    if (batch) *batch = NULL;
    if (n < 1 || n > RCODE_ISSUE_MAX)
        return err_set(e, ERR_INVALID, "%s", N_("Choose how many codes to issue: a whole number from 1 to 500."));
    if (!rcode_role_valid(role))
        return err_set(e, ERR_INVALID, "%s", N_("Choose a role: teacher, learner, leader, or any role."));
    if (!institution_id || !*institution_id)
        return err_set(e, ERR_INVALID, "%s", N_("Choose the institution the codes are for."));
    bool found, merged;
    if (exists(st, "SELECT 1 FROM programmes WHERE id = ?", programme_id ? programme_id : "", &found, NULL, e) < 0)
        return -1;
    if (!found) return err_set(e, ERR_NOT_FOUND, "%s", N_("There is no such programme."));
    if (exists(st, "SELECT merged_into FROM institutions WHERE id = ?", institution_id, &found, &merged, e) < 0)
        return -1;
    if (!found) return err_set(e, ERR_INVALID, "%s", N_("There is no such institution in the register."));
    if (merged)
        return err_set(e, ERR_INVALID, "%s",
                       N_("This institution was merged into another record: issue the codes for that one."));
    const char *stored_role = role && *role ? role : NULL;
    char *id = arena_alloc(a, ID_TEXT_SIZE);
    id_new(id);
    char now[32];
    time_format_iso(time_now_ms(), now, sizeof now);
    if (store_begin(st, e) < 0) return -1;
    struct store_stmt *s = store_prepare(st,
                                         "INSERT INTO respondent_codes (code, programme_id, institution_id, role, batch,"
                                         " is_demo, issued_at) VALUES (?,?,?,?,?,?,?) ON CONFLICT (code) DO NOTHING",
                                         e);
    if (!s) return fail(st, e);
    for (int i = 0; i < n; i++) {
        /* A collision with a code already issued (anywhere) is rare; a new draw settles it. */
        int tries = 0;
        for (;;) {
            char code[RCODE_LEN + 1];
            if (r) seeded_code(r, code);
            else random_code(code);
            store_bind_text(s, 1, code);
            store_bind_text(s, 2, programme_id);
            store_bind_text(s, 3, institution_id);
            store_bind_text(s, 4, stored_role);
            store_bind_text(s, 5, id);
            store_bind_int(s, 6, is_demo);
            store_bind_text(s, 7, now);
            if (store_run(s, e) < 0) {
                store_done(s);
                return fail(st, e);
            }
            if (store_changes(st) == 1) break;
            if (++tries == 100) {
                store_done(s);
                err_set(e, ERR_INTERNAL, "no free respondent code was found in 100 draws");
                return fail(st, e);
            }
        }
    }
    store_done(s);
    json_t *d = json_pack("{s:i, s:s?, s:s}", "count", n, "role", stored_role, "batch", id);
    const char *ids[] = {programme_id, institution_id};
    if (audit_record_json(st, by, "respondent_codes.issue", "programme", ids, 2, d, e) < 0) return fail(st, e);
    if (store_commit(st, e) < 0) return fail(st, e);
    if (batch) *batch = id;
    return 0;
}

int rcode_issue(struct store *st, struct arena *a, const char *programme_id, const char *institution_id,
                const char *role, int n, bool is_demo, const struct audit_actor *by, const char **batch,
                struct err *e)
{
    return issue(st, a, programme_id, institution_id, role, n, is_demo, NULL, by, batch, e);
}

int rcode_issue_seeded(struct store *st, struct arena *a, const char *programme_id, const char *institution_id,
                       const char *role, int n, uint64_t seed, const struct audit_actor *by, const char **batch,
                       struct err *e)
{
    struct rng r;
    rng_seed(&r, seed);
    return issue(st, a, programme_id, institution_id, role, n, true, &r, by, batch, e);
}

/* --- reading ---------------------------------------------------------------------------------- */

/* The institution as the register has it now: a merged record's codes count for its survivor. */
#define INSTITUTION_JOIN                                                                            \
    " FROM respondent_codes r JOIN institutions i ON i.id = r.institution_id"                      \
    " LEFT JOIN institutions m ON m.id = i.merged_into"

static const char *text_or_null(struct arena *a, struct store_stmt *s, int col)
{
    return store_col_null(s, col) ? NULL : arena_strdup(a, store_col_text(s, col));
}

/* Grows an arena array by doubling; *cap is its capacity. */
static void *grow(struct arena *a, void *old, size_t n, size_t *cap, size_t size)
{
    if (n < *cap) return old;
    *cap = *cap ? *cap * 2 : 16;
    void *p = arena_alloc(a, *cap * size);
    if (n) memcpy(p, old, n * size);
    return p;
}

int rcode_list(struct store *st, struct arena *a, const char *programme_id, const struct rcode_filter *f,
               struct rcode **out, size_t *n, struct err *e)
{
    *out = NULL;
    *n = 0;
    struct store_stmt *s = store_prepare(
        st,
        "SELECT r.code, r.programme_id, COALESCE(m.id, i.id), COALESCE(m.name, i.name), r.role, r.batch,"
        " r.issued_at, r.is_demo" INSTITUTION_JOIN
        " WHERE r.programme_id = ? AND (? IS NULL OR COALESCE(m.id, i.id) = ?) AND (? IS NULL OR r.batch = ?)"
        " ORDER BY COALESCE(m.name, i.name), COALESCE(m.id, i.id), r.role IS NULL, r.role, r.issued_at, r.code",
        e);
    if (!s) return -1;
    const char *inst = f && f->institution_id && *f->institution_id ? f->institution_id : NULL;
    const char *batch = f && f->batch && *f->batch ? f->batch : NULL;
    store_bind_text(s, 1, programme_id);
    store_bind_text(s, 2, inst);
    store_bind_text(s, 3, inst);
    store_bind_text(s, 4, batch);
    store_bind_text(s, 5, batch);
    size_t cap = 0;
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        *out = grow(a, *out, *n, &cap, sizeof **out);
        struct rcode *c = &(*out)[(*n)++];
        c->code = arena_strdup(a, store_col_text(s, 0));
        c->programme_id = arena_strdup(a, store_col_text(s, 1));
        c->institution_id = arena_strdup(a, store_col_text(s, 2));
        c->institution_name = arena_strdup(a, store_col_text(s, 3));
        c->role = text_or_null(a, s, 4);
        c->batch = arena_strdup(a, store_col_text(s, 5));
        c->issued_at = arena_strdup(a, store_col_text(s, 6));
        c->is_demo = store_col_int(s, 7) != 0;
    }
    store_done(s);
    return rc < 0 ? -1 : 0;
}

int rcode_counts(struct store *st, struct arena *a, const char *programme_id, struct rcode_count **out, size_t *n,
                 struct err *e)
{
    *out = NULL;
    *n = 0;
    struct store_stmt *s = store_prepare(
        st,
        "SELECT COALESCE(m.id, i.id), COALESCE(m.name, i.name), r.role, COUNT(*)" INSTITUTION_JOIN
        " WHERE r.programme_id = ? GROUP BY COALESCE(m.id, i.id), COALESCE(m.name, i.name), r.role"
        " ORDER BY 2, 1, r.role IS NULL, r.role",
        e);
    if (!s) return -1;
    store_bind_text(s, 1, programme_id);
    size_t cap = 0;
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        *out = grow(a, *out, *n, &cap, sizeof **out);
        struct rcode_count *c = &(*out)[(*n)++];
        c->institution_id = arena_strdup(a, store_col_text(s, 0));
        c->institution_name = arena_strdup(a, store_col_text(s, 1));
        c->role = text_or_null(a, s, 2);
        c->codes = store_col_int(s, 3);
    }
    store_done(s);
    return rc < 0 ? -1 : 0;
}

int rcode_batches(struct store *st, struct arena *a, const char *programme_id, struct rcode_batch **out,
                  size_t *n, struct err *e)
{
    *out = NULL;
    *n = 0;
    struct store_stmt *s = store_prepare(
        st,
        "SELECT r.batch, COALESCE(m.id, i.id), COALESCE(m.name, i.name), r.role, MIN(r.issued_at), COUNT(*)"
        INSTITUTION_JOIN " WHERE r.programme_id = ?"
        " GROUP BY r.batch, COALESCE(m.id, i.id), COALESCE(m.name, i.name), r.role"
        " ORDER BY MIN(r.issued_at) DESC, r.batch DESC",
        e);
    if (!s) return -1;
    store_bind_text(s, 1, programme_id);
    size_t cap = 0;
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        *out = grow(a, *out, *n, &cap, sizeof **out);
        struct rcode_batch *b = &(*out)[(*n)++];
        b->batch = arena_strdup(a, store_col_text(s, 0));
        b->institution_id = arena_strdup(a, store_col_text(s, 1));
        b->institution_name = arena_strdup(a, store_col_text(s, 2));
        b->role = text_or_null(a, s, 3);
        b->issued_at = arena_strdup(a, store_col_text(s, 4));
        b->codes = store_col_int(s, 5);
    }
    store_done(s);
    return rc < 0 ? -1 : 0;
}

int rcode_institution_choices(struct store *st, struct arena *a, const char *programme_id,
                              struct rcode_choice **out, size_t *n, struct err *e)
{
    static const char *const queries[] = {
        "SELECT id, name, country FROM institutions i WHERE merged_into IS NULL AND (status IN"
        " ('selected','invited','accepted') OR EXISTS (SELECT 1 FROM respondent_codes r WHERE r.programme_id = ?"
        " AND r.institution_id = i.id)) ORDER BY name, id LIMIT 2000",
        "SELECT id, name, country FROM institutions WHERE merged_into IS NULL AND ? IS NOT NULL"
        " ORDER BY name, id LIMIT 2000",
    };
    *out = NULL;
    *n = 0;
    size_t cap = 0;
    for (size_t q = 0; q < 2 && *n == 0; q++) {
        struct store_stmt *s = store_prepare(st, queries[q], e);
        if (!s) return -1;
        store_bind_text(s, 1, programme_id);
        int rc;
        while ((rc = store_step(s, e)) == 1) {
            *out = grow(a, *out, *n, &cap, sizeof **out);
            (*out)[(*n)++] = (struct rcode_choice){arena_strdup(a, store_col_text(s, 0)),
                                                   arena_strdup(a, store_col_text(s, 1)), text_or_null(a, s, 2)};
        }
        store_done(s);
        if (rc < 0) return -1;
    }
    return 0;
}

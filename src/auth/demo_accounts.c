#include "auth/demo_accounts.h"

#include "auth/users.h"

const char demo_accounts_password[] = "edubridge-demo";

const struct demo_account demo_accounts[] = {
    {"01938a40-0000-7000-8000-00000000a001", "admin@demo.edubridge.test", "Ada Admin (demo)", AUTH_ROLE_ADMIN},
    {"01938a40-0000-7000-8000-00000000a002", "coordinator@demo.edubridge.test", "Cora Coordinator (demo)", AUTH_ROLE_COORDINATOR},
    {"01938a40-0000-7000-8000-00000000a003", "panel@demo.edubridge.test", "Pavel Panel (demo)", AUTH_ROLE_PANEL},
    {"01938a40-0000-7000-8000-00000000a004", "institution@demo.edubridge.test", "Ines Institution (demo)", AUTH_ROLE_INSTITUTION},
    {"01938a40-0000-7000-8000-00000000a005", "trainer@demo.edubridge.test", "Tomás Trainer (demo)", AUTH_ROLE_TRAINER},
    {"01938a40-0000-7000-8000-00000000a006", "partner@demo.edubridge.test", "Paula Partner (demo)", AUTH_ROLE_PARTNER},
};
const size_t demo_account_count = sizeof demo_accounts / sizeof demo_accounts[0];

static int exists(struct store *st, const char *id, struct err *e)
{
    struct store_stmt *s = store_prepare(st, "SELECT 1 FROM users WHERE id = ?", e);
    if (!s) return -1;
    store_bind_text(s, 1, id);
    int rc = store_step(s, e);
    store_done(s);
    return rc;
}

int demo_accounts_load(struct store *st, int *added, struct err *e)
{
    *added = 0;
    struct arena a;
    arena_init(&a, 4096);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < demo_account_count; i++) {
        const struct demo_account *d = &demo_accounts[i];
        int found = exists(st, d->id, e);
        if (found < 0) rc = -1;
        if (found != 0) continue;
        struct user_new in = {.id = d->id, .email = d->email, .display_name = d->name, .role = d->role, .is_demo = true};
        rc = user_add(st, &a, &in, demo_accounts_password, NULL, e);
        if (rc == 0) (*added)++;
    }
    arena_free(&a);
    return rc;
}

int demo_accounts_present(struct store *st, int *count, struct err *e)
{
    *count = 0;
    struct store_stmt *s = store_prepare(st, "SELECT count(*) FROM users WHERE is_demo = 1 AND disabled_at IS NULL", e);
    if (!s) return -1;
    int rc = store_step(s, e);
    if (rc == 1) *count = (int)store_col_int(s, 0);
    store_done(s);
    return rc < 0 ? rc : 0;
}

void demo_accounts_print(FILE *out)
{
    fprintf(out, "demo accounts, all with the password '%s' (for trying edubridge only):\n", demo_accounts_password);
    for (size_t i = 0; i < demo_account_count; i++)
        fprintf(out, "  %-34s %s\n", demo_accounts[i].email, auth_role_name(demo_accounts[i].role));
}

/* The demo's institution contact (role institution, fixed id). */
static const struct demo_account *demo_institution_account(void)
{
    for (size_t i = 0; i < demo_account_count; i++)
        if (demo_accounts[i].role == AUTH_ROLE_INSTITUTION) return &demo_accounts[i];
    return NULL;
}

int demo_accounts_link_institution(struct store *st, struct arena *a, const char **linked, struct err *e)
{
    if (linked) *linked = NULL;
    const struct demo_account *d = demo_institution_account();
    if (!d) return 0;
    /* The account as it is now: missing or linked already, it is left alone. */
    struct store_stmt *s = store_prepare(st, "SELECT institution_id IS NULL FROM users WHERE id = ?", e);
    if (!s) return -1;
    store_bind_text(s, 1, d->id);
    int rc = store_step(s, e);
    bool unlinked = rc == 1 && store_col_int(s, 0) == 1;
    store_done(s);
    if (rc < 0) return -1;
    if (!unlinked) return 0;
    /* Read by SQL: auth/ includes nothing of program/ (users.h says why). */
    /* A pilot institution that accepted its invitation when there is one (the demo selection), so
     * that the contact's pages (delivery, reports) show a pilot in progress. */
    s = store_prepare(st, "SELECT id FROM institutions WHERE is_demo = 1 AND merged_into IS NULL"
                          " AND contact_email IS NOT NULL"
                          " ORDER BY status <> 'accepted', name_key, id LIMIT 1", e);
    if (!s) return -1;
    rc = store_step(s, e);
    const char *inst = rc == 1 ? arena_strdup(a, store_col_text(s, 0)) : NULL;
    store_done(s);
    if (rc < 0) return -1;
    if (!inst) return 0;
    if (user_link_institution(st, a, d->email, inst, NULL, NULL, e) < 0) return -1;
    if (linked) *linked = inst;
    return 0;
}

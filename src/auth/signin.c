#include "auth/signin.h"

#include "auth/password.h"
#include "auth/session.h"
#include "auth/throttle.h"
#include "base/log.h"
#include "forms/pseudonym.h"
#include "store/audit.h"

#include <sodium.h>
#include <stdio.h>

#include <string.h>

static const struct audit_actor anonymous = {NULL, "anonymous"};

/* The entry of a failed sign-in. What was typed is never kept: not the password, and not the
 * email either, which may be a stranger's address, a typo or a password typed in the wrong box,
 * and would stay for ever in a trail that no erasure touches. The normalised email's pseudonym
 * (forms/pseudonym.h, keyed by this database) lets an administrator see that attempts aim at one
 * address without learning it; the account's id is the target when the address has one. */
static int audit_failure(struct store *st, const char *norm, const char *user_id, struct err *e)
{
    unsigned char key[PSEUDONYM_KEY_SIZE];
    if (pseudonym_key(st, key, e) < 0) return -1;
    char label[USER_EMAIL_MAX + 16], pseudo[PSEUDONYM_TEXT_SIZE], detail[64];
    snprintf(label, sizeof label, "email:%s", norm);
    pseudonym_of(key, label, pseudo);
    sodium_memzero(key, sizeof key);
    snprintf(detail, sizeof detail, "{\"email_pseudonym\":\"%s\"}", pseudo);
    const char *ids[] = {user_id};
    return audit_record(st, &anonymous, "auth.signin_failed", user_id ? "user" : "", ids,
                        user_id ? 1 : 0, detail, e);
}

int signin_attempt(struct store *st, struct arena *a, const char *email, const char *password,
                   const char *client_addr, const char *old_token, int64_t now_ms, int idle_s,
                   struct signin_outcome *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    out->result = SIGNIN_FAILED;
    if (!password) password = "";
    /* The account key is the address as normalised, or as typed when it is no address at all:
     * malformed input is throttled like any other. */
    const char *norm;
    struct err ignored;
    if (user_normalise_email(a, email ? email : "", &norm, &ignored) < 0) norm = email ? email : "";
    const char *account_key = arena_printf(a, "email:%s", norm);
    const char *addr_key = client_addr && *client_addr && strcmp(client_addr, "-") != 0
                               ? arena_printf(a, "addr:%s", client_addr) : NULL;

    int64_t wait_account = 0, wait_addr = 0;
    if (throttle_wait_s(st, account_key, THROTTLE_ACCOUNT_FREE, now_ms, &wait_account, e) < 0) return -1;
    if (addr_key && throttle_wait_s(st, addr_key, THROTTLE_ADDRESS_FREE, now_ms, &wait_addr, e) < 0) return -1;
    if (wait_account || wait_addr) {
        out->result = SIGNIN_THROTTLED;
        out->wait_s = wait_account > wait_addr ? wait_account : wait_addr;
        return 0;
    }

    const char *stored = NULL;
    struct user u;
    int rc = user_find_by_email(st, a, norm, &u, &stored, e);
    if (rc < 0 && rc != ERR_NOT_FOUND) return rc;
    bool ok;
    if (rc == 0 && !u.disabled_at) ok = password_verify(stored, password);
    else ok = password_verify_dummy(password);
    err_clear(e);

    /* The writes of each outcome go in one transaction: one synced commit instead of several. */
    if (!ok) {
        int w = store_begin(st, e);
        if (w == 0) w = throttle_fail(st, account_key, now_ms, e);
        if (w == 0 && addr_key) w = throttle_fail(st, addr_key, now_ms, e);
        if (w == 0) w = audit_failure(st, norm, rc == 0 ? u.id : NULL, e);
        if (w == 0) w = store_commit(st, e);
        if (w < 0) store_rollback(st);
        return w < 0 ? -1 : 0;
    }
    /* The password is at hand only now: the only moment a stored hash can get the current cost.
     * Hashed before the transaction, which then holds the write lock for milliseconds only. */
    char fresh[PASSWORD_HASH_SIZE] = "";
    if (password_needs_rehash(stored)) {
        struct err why;
        err_clear(&why);
        if (password_hash(password, fresh, &why) < 0) {
            log_warn("could not rehash the password of user %s: %s", u.id, why.msg);
            fresh[0] = '\0';
        }
    }
    int w = store_begin(st, e);
    if (w == 0 && fresh[0]) w = user_store_hash(st, u.id, fresh, e);
    if (w == 0) w = throttle_clear(st, account_key, e);
    if (w == 0 && old_token) w = session_end(st, old_token, e);
    if (w == 0) w = session_create(st, u.id, now_ms, idle_s, out->token, e);
    if (w == 0) {
        const struct audit_actor self = {u.id, u.email};
        const char *ids[] = {u.id};
        w = audit_record(st, &self, "auth.signin", "user", ids, 1, NULL, e);
    }
    if (w == 0) w = store_commit(st, e);
    if (w < 0) {
        store_rollback(st);
        memset(out->token, 0, sizeof out->token);
        return -1;
    }
    out->user = u;
    out->result = SIGNIN_OK;
    return 0;
}

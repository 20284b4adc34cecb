#include "auth/reset.h"

#include "auth/password.h"
#include "auth/session.h"
#include "auth/throttle.h"
#include "auth/users.h"
#include "base/timeutil.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

int reset_create(struct store *st, const char *user_id, int64_t now_ms, char token[TOKEN_TEXT_SIZE],
                 struct err *e)
{
    char recent[32], now[32], expires[32], hash[TOKEN_HASH_SIZE];
    time_format_iso(now_ms - (int64_t)RESET_MIN_INTERVAL_S * 1000, recent, sizeof recent);
    time_format_iso(now_ms, now, sizeof now);
    time_format_iso(now_ms + (int64_t)RESET_LIFETIME_S * 1000, expires, sizeof expires);
    struct store_stmt *s = store_prepare(st,
        "SELECT count(*) FROM password_resets WHERE user_id = ? AND created_at > ?", e);
    if (!s) return -1;
    store_bind_text(s, 1, user_id);
    store_bind_text(s, 2, recent);
    int rc = store_step(s, e);
    int64_t n = rc == 1 ? store_col_int(s, 0) : 0;
    store_done(s);
    if (rc < 0) return rc;
    if (n > 0) return err_set(e, ERR_LIMIT, "a reset link was sent less than a minute ago");
    token_new(token);
    token_hash(token, hash);
    s = store_prepare(st, "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)", e);
    if (!s) return -1;
    store_bind_text(s, 1, hash);
    store_bind_text(s, 2, user_id);
    store_bind_text(s, 3, now);
    store_bind_text(s, 4, expires);
    rc = store_run(s, e);
    store_done(s);
    return rc;
}

/* The user of a link usable at now, into user_id; ERR_NOT_FOUND otherwise. */
static int usable(struct store *st, const char *token, int64_t now_ms, char *user_id, char *email, size_t size,
                  struct err *e)
{
    if (!token_well_formed(token)) return err_set(e, ERR_NOT_FOUND, "this link is not valid");
    char hash[TOKEN_HASH_SIZE], now[32];
    token_hash(token, hash);
    time_format_iso(now_ms, now, sizeof now);
    struct store_stmt *s = store_prepare(st,
        "SELECT r.user_id, u.email FROM password_resets r JOIN users u ON u.id = r.user_id"
        " WHERE r.token_hash = ? AND r.used_at IS NULL AND r.expires_at > ? AND u.disabled_at IS NULL", e);
    if (!s) return -1;
    store_bind_text(s, 1, hash);
    store_bind_text(s, 2, now);
    int rc = store_step(s, e);
    if (rc == 1 && user_id) snprintf(user_id, size, "%s", store_col_text(s, 0));
    if (rc == 1 && email) snprintf(email, size, "%s", store_col_text(s, 1));
    store_done(s);
    if (rc < 0) return rc;
    if (rc == 0) return err_set(e, ERR_NOT_FOUND, "this link has expired or has been used already");
    return 0;
}

int reset_check(struct store *st, const char *token, int64_t now_ms, struct err *e)
{
    return usable(st, token, now_ms, NULL, NULL, 0, e);
}

int reset_use(struct store *st, const char *token, const char *new_password, int64_t now_ms, struct err *e)
{
    enum password_problem pp = password_acceptable(new_password);
    if (pp != PASSWORD_OK) return err_set(e, ERR_INVALID, "%s", password_problem_text(pp));
    char user_id[USER_EMAIL_MAX + 2], email[USER_EMAIL_MAX + 2];
    int rc = usable(st, token, now_ms, user_id, email, sizeof user_id, e);
    if (rc < 0) return rc;
    /* Hashed outside the transaction, so that the write lock is held for milliseconds only. */
    char hash[PASSWORD_HASH_SIZE], now[32];
    if (password_hash(new_password, hash, e) < 0) return -1;
    time_format_iso(now_ms, now, sizeof now);
    rc = store_begin(st, e);
    /* Checked again inside the transaction: of two uses racing, one finds the link used. */
    if (rc == 0) rc = usable(st, token, now_ms, user_id, email, sizeof user_id, e);
    if (rc == 0) {
        struct store_stmt *s = store_prepare(st, "UPDATE password_resets SET used_at = ? WHERE user_id = ? AND used_at IS NULL", e);
        rc = s ? 0 : -1;
        if (s) {
            store_bind_text(s, 1, now);
            store_bind_text(s, 2, user_id);
            rc = store_run(s, e);
            store_done(s);
        }
    }
    if (rc == 0) rc = user_store_hash(st, user_id, hash, e);
    if (rc == 0) rc = session_end_all(st, user_id, e);
    /* The owner of the mailbox acted: the account itself, by its reset link. */
    if (rc == 0) {
        const struct audit_actor self = {user_id, email};
        const char *ids[] = {user_id};
        rc = audit_record(st, &self, "user.password_reset", "user", ids, 1, NULL, e);
    }
    /* Whoever reads the mailbox is the owner: failed guesses by others no longer delay them. */
    if (rc == 0) {
        char key[USER_EMAIL_MAX + 16];
        snprintf(key, sizeof key, "email:%s", email);
        rc = throttle_clear(st, key, e);
    }
    if (rc == 0) rc = store_commit(st, e);
    if (rc < 0) store_rollback(st);
    sodium_memzero(hash, sizeof hash);
    return rc;
}

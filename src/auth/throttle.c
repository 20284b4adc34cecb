#include "auth/throttle.h"

#include "base/timeutil.h"

int64_t throttle_delay_s(int64_t failures, int free)
{
    if (failures < free) return 0;
    int64_t n = failures - free + 1;
    if (n >= 10) return THROTTLE_MAX_DELAY_S; /* 2^10 s is past the cap already */
    int64_t d = (int64_t)1 << n;
    return d > THROTTLE_MAX_DELAY_S ? THROTTLE_MAX_DELAY_S : d;
}

/* The count under key and the time of its last failure; 0 failures when none or forgotten. */
static int read_key(struct store *st, const char *key, int64_t now_ms, int64_t *failures, int64_t *last_ms,
                    struct err *e)
{
    *failures = 0;
    *last_ms = 0;
    struct store_stmt *s = store_prepare(st, "SELECT failures, last_failure_at FROM signin_throttle WHERE key = ?", e);
    if (!s) return -1;
    store_bind_text(s, 1, key);
    int rc = store_step(s, e);
    if (rc == 1) {
        *failures = store_col_int(s, 0);
        *last_ms = time_parse_iso(store_col_text(s, 1));
    }
    store_done(s);
    if (rc < 0) return rc;
    if (*last_ms < 0 || now_ms - *last_ms > (int64_t)THROTTLE_FORGET_S * 1000) *failures = 0;
    return 0;
}

int throttle_wait_s(struct store *st, const char *key, int free, int64_t now_ms, int64_t *wait,
                    struct err *e)
{
    *wait = 0;
    int64_t failures, last_ms;
    if (read_key(st, key, now_ms, &failures, &last_ms, e) < 0) return -1;
    int64_t until = last_ms + throttle_delay_s(failures, free) * 1000;
    if (failures && until > now_ms) *wait = (until - now_ms + 999) / 1000;
    return 0;
}

int throttle_fail(struct store *st, const char *key, int64_t now_ms, struct err *e)
{
    char now[32], forget[32];
    time_format_iso(now_ms, now, sizeof now);
    time_format_iso(now_ms - (int64_t)THROTTLE_FORGET_S * 1000, forget, sizeof forget);
    /* One statement, so that failures arriving together on several workers all count. */
    struct store_stmt *s = store_prepare(st,
        "INSERT INTO signin_throttle (key, failures, last_failure_at) VALUES (?, 1, ?)"
        " ON CONFLICT (key) DO UPDATE SET"
        " failures = CASE WHEN signin_throttle.last_failure_at < ? THEN 1 ELSE signin_throttle.failures + 1 END,"
        " last_failure_at = excluded.last_failure_at", e);
    if (!s) return -1;
    store_bind_text(s, 1, key);
    store_bind_text(s, 2, now);
    store_bind_text(s, 3, forget);
    int rc = store_run(s, e);
    store_done(s);
    return rc;
}

int throttle_clear(struct store *st, const char *key, struct err *e)
{
    struct store_stmt *s = store_prepare(st, "DELETE FROM signin_throttle WHERE key = ?", e);
    if (!s) return -1;
    store_bind_text(s, 1, key);
    int rc = store_run(s, e);
    store_done(s);
    return rc;
}

#include "program/demo_devices.h"

#include "base/timeutil.h"
#include "program/devices.h"

#include <stdio.h>
#include <string.h>

/* The story the demo tells, over the demo programme's equipment phase (June to September 2026):
 * batch 2026-A, 60 Wi-Fi tablets, arrives on 2 June and batch 2026-B, 40 LTE tablets with their
 * IMEIs, on 23 June. The pilot institutions but the last, in order of name, get the programme's
 * quota each, from batch A first: the last one's tablets are still in stock, waiting for the
 * coordinator to run the allocation. Of those served, the last is shipped and not yet confirmed,
 * the one before it counted one tablet short (an open shortfall), the one before that has its
 * tablets delivered, and the others use theirs: three went for repair and one was stolen. With
 * fewer pilot institutions the roles are given from the last backwards, as far as they go. */

enum { DEMO_DEVICES = 100, BATCH_A = 60 };

/* The demo's coordinator (auth/demo_accounts.c) records every step: moves, and the deliveries
 * confirmed by telephone for the institutions. */
static const struct audit_actor coordinator = {"01938a40-0000-7000-8000-00000000a002", "coordinator@demo.edubridge.test"};

/* "2026-06-01" plus days and hours, as stored. */
static const char *day(struct arena *a, int days, int hour)
{
    int64_t ms = time_parse_iso("2026-06-01T00:00:00Z") + ((int64_t)days * 24 + hour) * 3600 * 1000;
    char buf[32];
    time_format_iso(ms, buf, sizeof buf);
    return arena_strdup(a, buf);
}

/* A 15-digit IMEI from an 8-digit type allocation code and a 6-digit serial, with its Luhn digit. */
static const char *imei(struct arena *a, const char *tac, int serial)
{
    char digits[16];
    snprintf(digits, sizeof digits, "%s%06d0", tac, serial);
    for (char c = '0'; c <= '9'; c++) {
        digits[14] = c;
        if (device_imei_valid(digits)) break;
    }
    return arena_strdup(a, digits);
}

static int64_t count(struct store *st, const char *sql, struct err *e)
{
    struct store_stmt *s = store_prepare(st, sql, e);
    if (!s) return -1;
    int rc = store_step(s, e);
    int64_t n = rc == 1 ? store_col_int(s, 0) : 0;
    store_done(s);
    return rc < 0 ? -1 : n;
}

static int add_devices(struct store *st, struct arena *a, const char *programme_id, struct err *e)
{
    for (int i = 0; i < DEMO_DEVICES; i++) {
        const char *v[DEVICE_FIELD_COUNT] = {NULL};
        if (i < BATCH_A) {
            v[DEVICE_MODEL] = "Samsung Galaxy Tab A9+ (Wi-Fi, 64 GB)";
            v[DEVICE_SERIAL] = arena_printf(a, "R9PW60K%04d", 2113 + 17 * i);
            v[DEVICE_BATCH] = "2026-A";
        } else {
            v[DEVICE_MODEL] = "Lenovo Tab M10 (3rd Gen, LTE)";
            v[DEVICE_SERIAL] = arena_printf(a, "HA1LZ%04d", 5071 + 13 * (i - BATCH_A));
            v[DEVICE_IMEI] = imei(a, "35693811", 402117 + 29 * (i - BATCH_A));
            v[DEVICE_BATCH] = "2026-B";
            if (i == DEMO_DEVICES - 1) v[DEVICE_NOTES] = "Screen protector fitted; the charger came separately.";
        }
        if (device_insert(st, a, v, programme_id, true, day(a, i < BATCH_A ? 1 : 22, 9), &coordinator, NULL, e) < 0)
            return -1;
    }
    return 0;
}

/* The demo devices not yet moved, oldest first (batch A, then B). */
static int stock_ids(struct store *st, struct arena *a, const char ***out, size_t *n, struct err *e)
{
    struct store_stmt *s = store_prepare(st, "SELECT id FROM devices WHERE is_demo = 1 AND state = 'in_stock'"
                                             " ORDER BY created_at, serial", e);
    if (!s) return -1;
    const char **ids = arena_calloc(a, DEMO_DEVICES, sizeof *ids);
    *n = 0;
    int rc;
    while (*n < DEMO_DEVICES && (rc = store_step(s, e)) == 1) ids[(*n)++] = arena_strdup(a, store_col_text(s, 0));
    store_done(s);
    *out = ids;
    return rc < 0 ? -1 : 0;
}

static int move(struct store *st, const char *id, enum device_state to, const char *inst, const char *note,
                const char *at, struct err *e)
{
    return device_move_within(st, id, to, inst, note, at, &coordinator, e);
}

/* One institution's tablets: allocated, shipped, and then as far as its role goes. */
enum role { SHIPPED_ONLY, SHORTFALL, DELIVERED, IN_USE };

static int serve(struct store *st, struct arena *a, const char *inst, const char *const *ids, int n, int start_day,
                 enum role role, int index, struct err *e)
{
    for (int j = 0; j < n; j++) {
        if (move(st, ids[j], DEVICE_ALLOCATED, inst, NULL, day(a, start_day, 10), e) < 0 ||
            move(st, ids[j], DEVICE_SHIPPED, NULL, j == 0 ? "Courier: two boxes, tracking numbers on the delivery note." : NULL,
                 day(a, start_day + 2, 14), e) < 0)
            return -1;
    }
    if (role == SHIPPED_ONLY) return 0;
    const char *confirmed = day(a, start_day + 6, 11);
    if (role == SHORTFALL) {
        /* One tablet did not arrive: the others are ticked, the missing one stays shipped. */
        return device_delivery_confirm_within(st, a, inst, n - 1, ids, (size_t)(n - 1),
                                              "One box arrived opened; one tablet was missing from it.", confirmed,
                                              &coordinator, NULL, e);
    }
    if (device_delivery_confirm_within(st, a, inst, n, NULL, 0, NULL, confirmed, &coordinator, NULL, e) < 0) return -1;
    if (role == DELIVERED) return 0;
    for (int j = 0; j < n; j++)
        if (move(st, ids[j], DEVICE_IN_USE, NULL, NULL, day(a, start_day + 9, 9), e) < 0) return -1;
    if (index == 0 && n > 3 &&
        move(st, ids[3], DEVICE_LOST, NULL, "Stolen from the computer room over a weekend; reported to the police.",
             day(a, 49, 8), e) < 0)
        return -1;
    if (index >= 1 && index <= 3 && n > 7 &&
        move(st, ids[7], DEVICE_IN_REPAIR, NULL, index == 2 ? "Does not charge." : "Cracked screen.",
             day(a, 60 + 9 * index, 13), e) < 0)
        return -1;
    return 0;
}

static int story(struct store *st, struct arena *a, int quota, struct err *e)
{
    struct device_place *pilot;
    size_t npilot, nstock;
    const char **stock;
    if (device_pilot_institutions(st, a, &pilot, &npilot, e) < 0 || stock_ids(st, a, &stock, &nstock, e) < 0) return -1;
    if (!npilot || quota <= 0) return 0;
    size_t served = npilot >= 2 ? npilot - 1 : npilot; /* the last one's tablets wait in stock */
    size_t next = 0;
    for (size_t i = 0; i < served && next < nstock; i++) {
        int n = (int)(nstock - next < (size_t)quota ? nstock - next : (size_t)quota);
        size_t from_last = served - 1 - i;
        enum role role = served >= 2 && from_last == 0   ? SHIPPED_ONLY
                         : served >= 3 && from_last == 1 ? SHORTFALL
                         : served >= 4 && from_last == 2 ? DELIVERED
                                                         : IN_USE;
        /* Batch A is there from 2 June, batch B from 23 June: an institution served from B waits. */
        int start = next + (size_t)n <= BATCH_A ? 9 + (int)i : 23 + (int)i;
        if (serve(st, a, pilot[i].id, stock + next, n, start, role, (int)i, e) < 0) return -1;
        next += (size_t)n;
    }
    return 0;
}

int demo_devices_load(struct store *st, struct arena *a, const char *programme_id, struct err *e)
{
    struct store_stmt *s = store_prepare(st, "SELECT devices_per_institution FROM programmes WHERE id = ?", e);
    if (!s) return -1;
    store_bind_text(s, 1, programme_id);
    int rc = store_step(s, e);
    int quota = rc == 1 ? (int)store_col_int(s, 0) : 0;
    store_done(s);
    if (rc <= 0) return rc; /* no demo programme: nothing to equip */
    if (store_begin(st, e) < 0) return -1;
    /* Each part only when missing: the devices once, and their story once there are pilot
     * institutions to tell it with and no demo device has moved yet. */
    int64_t present = count(st, "SELECT count(*) FROM devices WHERE is_demo = 1", e);
    rc = present < 0 ? -1 : 0;
    if (rc == 0 && !present) rc = add_devices(st, a, programme_id, e);
    int64_t moved = rc < 0 ? -1 : count(st, "SELECT count(*) FROM device_events v JOIN devices d ON d.id = v.device_id"
                                            " WHERE d.is_demo = 1 AND v.from_state IS NOT NULL", e);
    if (moved < 0) rc = -1;
    if (rc == 0 && !moved) rc = story(st, a, quota, e);
    int64_t after = rc < 0 ? -1 : count(st, "SELECT count(*) FROM device_events v JOIN devices d ON d.id = v.device_id"
                                            " WHERE d.is_demo = 1 AND v.from_state IS NOT NULL", e);
    if (after < 0) rc = -1;
    if (rc == 0 && (!present || after > moved)) {
        const char *ids[] = {programme_id};
        char *detail = arena_printf(a, "{\"demo\": true, \"created\": %d, \"moves\": %lld}", present ? 0 : DEMO_DEVICES,
                                    (long long)(after - moved));
        rc = audit_record(st, NULL, "device.demo", "programme", ids, 1, detail, e);
    }
    if (rc == 0) rc = store_commit(st, e);
    if (rc < 0) store_rollback(st);
    return rc < 0 ? -1 : 0;
}

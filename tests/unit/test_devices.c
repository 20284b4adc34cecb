/* Tests for program/devices: the lifecycle (every pair of states tried against the arrows,
 * written out here rather than read from the code: each illegal move refused with a sentence that
 * names both states and the allowed ones, changing nothing; each legal one recorded with who, when,
 * the note and the institution, and audited); IMEIs and their Luhn digit; the import, all or
 * nothing, with duplicate serials and IMEIs named by row, in the file and against the inventory;
 * the allocation (quota less what is held, never more than the stock, institutions earlier by name
 * served first, the shortfall per institution, pilot institutions only); the delivery confirmation
 * (ticks needed when some did not arrive, a shortfall flagged until the missing devices are marked
 * delivered or lost); the demo's 100 devices, loaded twice. Each test has a database of its own. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/id.h"
#include "base/timeutil.h"
#include "program/demo_devices.h"
#include "program/devices.h"
#include "program/institutions.h"
#include "store/audit.h"
#include "testdb.h"

static const struct audit_actor coordinator = {"u-1", "coordinator@example.org"};
static const char programme_id[] = "01938a40-0000-7000-8000-0000000000p1";

static int setup(void **state)
{
    struct testdb *x = calloc(1, sizeof *x);
    testdb_open(x, "devices");
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    testdb_close(*state);
    free(*state);
    return 0;
}

static void exec_texts(struct testdb *x, const char *sql, const char *const *p, int n)
{
    struct store_stmt *s = store_prepare(x->st, sql, &x->e);
    if (!s) fail_msg("prepare: %s", x->e.msg);
    for (int i = 0; i < n; i++) store_bind_text(s, i + 1, p[i]);
    if (store_run(s, &x->e) < 0) fail_msg("%s: %s", sql, x->e.msg);
    store_done(s);
}

static int64_t query_int(struct testdb *x, const char *sql, const char *arg)
{
    struct store_stmt *s = store_prepare(x->st, sql, &x->e);
    if (!s) fail_msg("prepare: %s", x->e.msg);
    if (arg) store_bind_text(s, 1, arg);
    int64_t v = store_step(s, &x->e) == 1 ? store_col_int(s, 0) : -1;
    store_done(s);
    return v;
}

static const char *query_text(struct testdb *x, const char *sql, const char *arg)
{
    struct store_stmt *s = store_prepare(x->st, sql, &x->e);
    if (!s) fail_msg("prepare: %s", x->e.msg);
    if (arg) store_bind_text(s, 1, arg);
    const char *v = store_step(s, &x->e) == 1 && !store_col_null(s, 0) ? arena_strdup(&x->a, store_col_text(s, 0))
                                                                        : NULL;
    store_done(s);
    return v;
}

static void add_programme(struct testdb *x, int quota)
{
    char q[16];
    snprintf(q, sizeof q, "%d", quota);
    const char *p[] = {programme_id, q};
    exec_texts(x, "INSERT INTO programmes (id, slug, name, devices_per_institution, created_at, updated_at)"
                  " VALUES (?, 'pilot-test', 'Pilot test', ?, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')", p, 2);
}

/* An institution of the register with this name and status; its id. */
static const char *add_institution(struct testdb *x, const char *name, const char *status)
{
    char id[ID_TEXT_SIZE];
    id_new(id);
    const char *p[] = {id, name, inst_name_key(&x->a, name), status};
    exec_texts(x, "INSERT INTO institutions (id, name, name_key, status, source, created_at, updated_at)"
                  " VALUES (?, ?, ?, ?, 'import', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')", p, 4);
    return arena_strdup(&x->a, id);
}

/* A device in stock with this serial; its id. */
static const char *add_device(struct testdb *x, const char *serial, const char *programme)
{
    const char *v[DEVICE_FIELD_COUNT] = {"Tablet T1", serial, NULL, "B1", NULL};
    const char *id;
    if (store_begin(x->st, &x->e) < 0 || device_insert(x->st, &x->a, v, programme, false, NULL, &coordinator, &id, &x->e) < 0 ||
        store_commit(x->st, &x->e) < 0)
        fail_msg("add device %s: %s", serial, x->e.msg);
    return id;
}

static const char *state_of(struct testdb *x, const char *id)
{
    return query_text(x, "SELECT state FROM devices WHERE id = ?", id);
}

static int64_t events(struct testdb *x, const char *id)
{
    return query_int(x, "SELECT count(*) FROM device_events WHERE device_id = ?", id);
}

static int64_t audits(struct testdb *x, const char *action)
{
    return query_int(x, "SELECT count(*) FROM audit_log WHERE action = ?", action);
}

/* ---- the lifecycle --------------------------------------------------------------------------- */

/* The arrows, plus the one docs/devices.md adds (in stock -> retired); nothing else. */
static const char *const legal[][2] = {
    {"in_stock", "allocated"}, {"in_stock", "retired"},
    {"allocated", "shipped"},  {"allocated", "in_stock"},
    {"shipped", "delivered"},  {"shipped", "lost"},
    {"delivered", "in_use"},   {"delivered", "in_repair"}, {"delivered", "returned"}, {"delivered", "lost"},
    {"in_use", "in_repair"},   {"in_use", "returned"},     {"in_use", "lost"},        {"in_use", "retired"},
    {"in_repair", "in_use"},   {"in_repair", "returned"},  {"in_repair", "retired"},  {"in_repair", "lost"},
    {"returned", "in_stock"},  {"returned", "retired"},
};

static bool is_legal(const char *from, const char *to)
{
    for (size_t i = 0; i < sizeof legal / sizeof legal[0]; i++)
        if (!strcmp(legal[i][0], from) && !strcmp(legal[i][1], to)) return true;
    return false;
}

static void test_every_pair_of_states_follows_the_lifecycle(void **state)
{
    struct testdb *x = *state;
    const char *school = add_institution(x, "Escola Lifecycle", "selected");
    const char *id = add_device(x, "LIFE-1", NULL);
    int refused = 0, allowed = 0;
    for (int from = 0; from < DEVICE_STATE_COUNT; from++) {
        for (int to = 0; to < DEVICE_STATE_COUNT; to++) {
            const char *fname = device_state_name((enum device_state)from), *tname = device_state_name((enum device_state)to);
            /* The device is put in `from` directly, at the school unless it is in stock. */
            const char *p[] = {fname, from == DEVICE_IN_STOCK ? NULL : school, id};
            exec_texts(x, "UPDATE devices SET state = ?, institution_id = ? WHERE id = ?", p, 3);
            int64_t ev = events(x, id), au = audits(x, "device.move");
            err_clear(&x->e);
            int rc = device_move(x->st, id, (enum device_state)to, to == DEVICE_ALLOCATED ? school : NULL, "a note",
                                 NULL, &coordinator, &x->e);
            assert_int_equal(device_transition_allowed((enum device_state)from, (enum device_state)to),
                             is_legal(fname, tname));
            if (is_legal(fname, tname)) {
                allowed++;
                if (rc != 0) fail_msg("%s -> %s refused: %s", fname, tname, x->e.msg);
                assert_string_equal(state_of(x, id), tname);
                assert_int_equal(events(x, id), ev + 1);
                assert_int_equal(audits(x, "device.move"), au + 1);
                continue;
            }
            refused++;
            if (rc != ERR_CONFLICT) fail_msg("%s -> %s: %d, expected a refusal", fname, tname, rc);
            /* nothing changed: the state, the history, the audit trail */
            assert_string_equal(state_of(x, id), fname);
            assert_int_equal(events(x, id), ev);
            assert_int_equal(audits(x, "device.move"), au);
            /* the sentence names both states and every state the device could go to instead */
            if (from != to) {
                assert_non_null(strstr(x->e.msg, device_state_phrase((enum device_state)from)));
                assert_non_null(strstr(x->e.msg, device_state_verb((enum device_state)to)));
            }
            enum device_state next[DEVICE_STATE_COUNT];
            size_t n = device_next_states((enum device_state)from, next);
            for (size_t k = 0; from != to && k < n; k++) assert_non_null(strstr(x->e.msg, device_state_verb(next[k])));
            if (!n && from != to) assert_non_null(strstr(x->e.msg, "final"));
        }
    }
    assert_int_equal(allowed, (int)(sizeof legal / sizeof legal[0]));
    assert_int_equal(refused, DEVICE_STATE_COUNT * DEVICE_STATE_COUNT - allowed);
}

static void test_a_refusal_reads_well(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 1024);
    assert_string_equal(device_refusal(&a, DEVICE_IN_REPAIR, DEVICE_SHIPPED, NULL, NULL),
                        "A device that is in repair cannot be shipped: it can be put in use, returned, marked lost or retired.");
    assert_string_equal(device_refusal(&a, DEVICE_LOST, DEVICE_IN_USE, NULL, NULL),
                        "A device that is lost cannot be put in use: that state is final.");
    assert_string_equal(device_refusal(&a, DEVICE_ALLOCATED, DEVICE_DELIVERED, NULL, NULL),
                        "A device that is allocated cannot be delivered: it can be put back in stock or shipped.");
    assert_string_equal(device_refusal(&a, DEVICE_SHIPPED, DEVICE_SHIPPED, NULL, NULL), "This device is shipped already.");
    arena_free(&a);
}

static void test_legal_moves_are_recorded_with_who_when_and_note(void **state)
{
    struct testdb *x = *state;
    const char *school = add_institution(x, "Escola History", "accepted");
    const char *id = add_device(x, "HIST-1", NULL);
    static const enum device_state path[] = {DEVICE_ALLOCATED, DEVICE_SHIPPED, DEVICE_DELIVERED, DEVICE_IN_USE,
                                             DEVICE_IN_REPAIR, DEVICE_IN_USE, DEVICE_RETURNED, DEVICE_IN_STOCK};
    const char *notes[] = {NULL, "DHL 12345", NULL, "Class 5B", "Cracked screen", NULL, "End of the pilot", NULL};
    for (size_t i = 0; i < sizeof path / sizeof path[0]; i++)
        if (device_move(x->st, id, path[i], path[i] == DEVICE_ALLOCATED ? school : NULL, notes[i], NULL, &coordinator,
                        &x->e) < 0)
            fail_msg("move %zu: %s", i, x->e.msg);
    struct device_event *ev;
    size_t n;
    assert_int_equal(device_history(x->st, &x->a, id, &ev, &n, &x->e), 0);
    assert_int_equal(n, 1 + sizeof path / sizeof path[0]);
    assert_int_equal(ev[0].from, -1); /* the creation */
    assert_int_equal(ev[0].to, DEVICE_IN_STOCK);
    for (size_t i = 0; i < sizeof path / sizeof path[0]; i++) {
        const struct device_event *e = &ev[i + 1];
        assert_int_equal(e->to, path[i]);
        assert_int_equal(e->from, (int)(i ? path[i - 1] : DEVICE_IN_STOCK));
        assert_string_equal(e->by_label, "coordinator@example.org");
        assert_string_equal(e->by_user_id, "u-1");
        if (notes[i]) assert_string_equal(e->note, notes[i]);
        else assert_null(e->note);
        assert_true(time_parse_iso(e->at) > 0);
        assert_true(strcmp(e->at, ev[i].at) >= 0); /* in order */
        /* every move names the school, the last one the school it came back from */
        assert_non_null(e->institution_id);
        assert_string_equal(e->institution_id, school);
    }
    struct device d;
    assert_int_equal(device_get(x->st, &x->a, id, &d, &x->e), 0);
    assert_int_equal(d.state, DEVICE_IN_STOCK);
    assert_null(d.institution_id); /* back in stock, it is at no institution */
    assert_int_equal(audits(x, "device.move"), (int64_t)(sizeof path / sizeof path[0]));

    /* an allocation needs an institution of the register; other moves take none */
    assert_int_equal(device_move(x->st, id, DEVICE_ALLOCATED, NULL, NULL, NULL, &coordinator, &x->e), ERR_INVALID);
    assert_int_equal(device_move(x->st, id, DEVICE_ALLOCATED, "01938a40-0000-7000-8000-00000000ffff", NULL, NULL,
                                 &coordinator, &x->e), ERR_INVALID);
    assert_int_equal(device_move(x->st, id, DEVICE_RETIRED, school, NULL, NULL, &coordinator, &x->e), ERR_INVALID);
    assert_string_equal(state_of(x, id), "in_stock");
    assert_int_equal(device_move(x->st, "01938a40-0000-7000-8000-00000000ffff", DEVICE_RETIRED, NULL, NULL, NULL,
                                 &coordinator, &x->e), ERR_NOT_FOUND);
}

/* ---- values ---------------------------------------------------------------------------------- */

static void test_imei_luhn(void **state)
{
    struct testdb *x = *state;
    assert_true(device_imei_valid("490154203237518"));
    assert_false(device_imei_valid("490154203237519"));
    assert_false(device_imei_valid("49015420323751"));
    assert_false(device_imei_valid("49015420323751a"));
    const char *out, *problem;
    assert_int_equal(device_value_check(&x->a, DEVICE_IMEI, " 49-015420-323751-8 ", &out, &problem), 0);
    assert_string_equal(out, "490154203237518");
    assert_int_equal(device_value_check(&x->a, DEVICE_IMEI, "490154203237510", &out, &problem), -1);
    assert_non_null(strstr(problem, "Luhn"));
    assert_int_equal(device_value_check(&x->a, DEVICE_IMEI, "4901542032375", &out, &problem), -1);
    assert_string_equal(problem, "An IMEI has 15 digits.");
    assert_int_equal(device_value_check(&x->a, DEVICE_SERIAL, " r58n-12/a ", &out, &problem), 0);
    assert_string_equal(out, "R58N-12/A");
    assert_int_equal(device_value_check(&x->a, DEVICE_SERIAL, "R58 N12", &out, &problem), -1);
}

/* ---- import ---------------------------------------------------------------------------------- */

static struct device_import_result import_csv(struct testdb *x, const char *csv, bool dry_run)
{
    struct sheet_book book;
    if (inst_read_table(&x->a, "csv", csv, strlen(csv), &book, &x->e) < 0) fail_msg("read: %s", x->e.msg);
    struct device_import_result r;
    if (device_import(x->st, &x->a, &book, NULL, dry_run, false, &coordinator, &r, &x->e) < 0)
        fail_msg("import: %s", x->e.msg);
    return r;
}

static const struct sheet_row_error *error_at(const struct device_import_result *r, int row, const char *column)
{
    for (size_t i = 0; i < r->nerrors; i++)
        if (r->errors[i].row == row && strcmp(r->errors[i].column, column) == 0) return &r->errors[i];
    fail_msg("no error at row %d, column %s", row, column);
    return NULL;
}

static void test_an_import_with_a_bad_row_imports_nothing(void **state)
{
    struct testdb *x = *state;
    add_device(x, "KNOWN-1", NULL);
    int64_t before = query_int(x, "SELECT count(*) FROM devices", NULL);
    int64_t ev = query_int(x, "SELECT count(*) FROM device_events", NULL);
    struct device_import_result r = import_csv(x,
        "model,serial,imei,batch\n"
        "Tab A,S-1,,B1\n"              /* row 2: fine */
        "Tab A,S-2,490154203237518,B1\n" /* row 3: fine */
        "Tab A,s-1,,B1\n"              /* row 4: the serial of row 2 (any case) */
        "Tab B,,490154203237518,B2\n"  /* row 5: the IMEI of row 3 */
        "Tab B,known-1,,B2\n"          /* row 6: in the inventory already */
        "Tab B,S-7,490154203237519,B2\n" /* row 7: a wrong check digit */
        ",S-8,,B2\n"                   /* row 8: no model */
        "Tab C,,,B2\n",                /* row 9: neither serial nor IMEI */
        false);
    assert_false(r.imported);
    assert_int_equal(r.nerrors, 6);
    const struct sheet_row_error *dup = error_at(&r, 4, "serial");
    assert_int_equal(dup->other_row, 2);
    assert_string_equal(dup->problem, "This serial number is on row %d too.");
    assert_int_equal(error_at(&r, 5, "imei")->other_row, 3);
    assert_non_null(strstr(error_at(&r, 6, "serial")->problem, "inventory already"));
    assert_non_null(strstr(error_at(&r, 7, "imei")->problem, "Luhn"));
    assert_string_equal(error_at(&r, 8, "model")->problem, "The model is missing.");
    assert_string_equal(error_at(&r, 9, "")->problem, "Give a serial number or an IMEI.");
    assert_int_equal(query_int(x, "SELECT count(*) FROM devices", NULL), before);
    assert_int_equal(query_int(x, "SELECT count(*) FROM device_events", NULL), ev);
    assert_int_equal(audits(x, "device.import"), 0);

    /* a header naming no serial nor IMEI column, or an unknown column, stops at the header */
    r = import_csv(x, "model,colour\nTab A,red\n", false);
    assert_int_equal(r.nerrors, 2);
    assert_int_equal(r.errors[0].row, 1);
}

static void test_a_good_import_goes_into_stock(void **state)
{
    struct testdb *x = *state;
    const char *csv = "Model,Serial,IMEI,Batch,Notes\r\n"
                      "Tab A,s-1,,B1,\r\n"
                      "Tab B,,35-209900-176148-1,B2,with a cover\r\n";
    struct device_import_result r = import_csv(x, csv, true);
    assert_int_equal(r.nerrors, 0);
    assert_int_equal(r.nrows, 2);
    assert_false(r.imported);
    assert_int_equal(query_int(x, "SELECT count(*) FROM devices", NULL), 0); /* a dry run saves nothing */
    r = import_csv(x, csv, false);
    assert_true(r.imported);
    assert_int_equal(query_int(x, "SELECT count(*) FROM devices WHERE state = 'in_stock' AND institution_id IS NULL", NULL), 2);
    assert_string_equal(query_text(x, "SELECT serial FROM devices WHERE model = 'Tab A'", NULL), "S-1");
    assert_string_equal(query_text(x, "SELECT imei FROM devices WHERE model = 'Tab B'", NULL), "352099001761481");
    assert_int_equal(query_int(x, "SELECT count(*) FROM device_events WHERE from_state IS NULL AND to_state = 'in_stock'"
                                  " AND by_label = 'coordinator@example.org'", NULL), 2);
    assert_int_equal(audits(x, "device.import"), 1);
    /* the same file again: every row is in the inventory already */
    r = import_csv(x, csv, false);
    assert_int_equal(r.nerrors, 2);
    assert_int_equal(query_int(x, "SELECT count(*) FROM devices", NULL), 2);
}

/* ---- allocation ------------------------------------------------------------------------------ */

static void test_allocation_never_goes_above_stock(void **state)
{
    struct testdb *x = *state;
    add_programme(x, 10);
    /* three pilot institutions (named so that their order is known), one that is not in the pilot */
    const char *a = add_institution(x, "Alpha School", "accepted");
    const char *b = add_institution(x, "Beta Club", "invited");
    const char *c = add_institution(x, "Gamma Centre", "selected");
    const char *other = add_institution(x, "Delta School", "registered");
    /* Alpha holds 4 already */
    for (int i = 0; i < 4; i++) {
        char serial[16];
        snprintf(serial, sizeof serial, "HELD-%d", i);
        const char *id = add_device(x, serial, programme_id);
        assert_int_equal(device_move(x->st, id, DEVICE_ALLOCATED, a, NULL, NULL, &coordinator, &x->e), 0);
    }
    /* 12 in stock: 9 of the programme, 3 of general stock; 5 of another programme are not taken */
    const char *other_programme = "01938a40-0000-7000-8000-0000000000p2";
    const char *pp[] = {other_programme};
    exec_texts(x, "INSERT INTO programmes (id, slug, name, created_at, updated_at) VALUES (?, 'other', 'Other',"
                  " '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')", pp, 1);
    for (int i = 0; i < 17; i++) {
        char serial[16];
        snprintf(serial, sizeof serial, "STOCK-%02d", i);
        add_device(x, serial, i < 9 ? programme_id : i < 12 ? NULL : other_programme);
    }
    struct device_allocation r;
    assert_int_equal(device_allocate(x->st, &x->a, programme_id, &coordinator, &r, &x->e), 0);
    assert_int_equal(r.n, 3);
    assert_int_equal(r.stock_before, 12);
    assert_int_equal(r.allocated, 12);
    assert_int_equal(r.short_by, 6 + 10 + 10 - 12);
    assert_string_equal(r.lines[0].name, "Alpha School");
    assert_int_equal(r.lines[0].held, 4);
    assert_int_equal(r.lines[0].allocated, 6);
    assert_int_equal(r.lines[0].short_by, 0);
    assert_string_equal(r.lines[1].name, "Beta Club");
    assert_int_equal(r.lines[1].allocated, 6);
    assert_int_equal(r.lines[1].short_by, 4);
    assert_string_equal(r.lines[2].name, "Gamma Centre");
    assert_int_equal(r.lines[2].allocated, 0);
    assert_int_equal(r.lines[2].short_by, 10);
    /* the stock is empty (but for the other programme's), nobody is above the quota */
    assert_int_equal(query_int(x, "SELECT count(*) FROM devices WHERE state = 'in_stock'", NULL), 5);
    assert_int_equal(query_int(x, "SELECT count(*) FROM devices WHERE state = 'in_stock' AND programme_id = ?",
                               other_programme), 5);
    assert_int_equal(query_int(x, "SELECT count(*) FROM devices WHERE institution_id = ?", a), 10);
    assert_int_equal(query_int(x, "SELECT count(*) FROM devices WHERE institution_id = ?", b), 6);
    assert_int_equal(query_int(x, "SELECT count(*) FROM devices WHERE institution_id = ?", c), 0);
    assert_int_equal(query_int(x, "SELECT count(*) FROM devices WHERE institution_id = ?", other), 0);
    /* general stock joins the programme it was allocated in */
    assert_int_equal(query_int(x, "SELECT count(*) FROM devices WHERE programme_id IS NULL", NULL), 0);
    assert_int_equal(audits(x, "device.allocate"), 1);

    /* again, with nothing in stock: nothing moves, and the shortfall is the same */
    assert_int_equal(device_allocate(x->st, &x->a, programme_id, &coordinator, &r, &x->e), 0);
    assert_int_equal(r.allocated, 0);
    assert_int_equal(r.short_by, 14);
    assert_int_equal(audits(x, "device.allocate"), 1);
    /* an unknown programme */
    assert_int_equal(device_allocate(x->st, &x->a, "01938a40-0000-7000-8000-00000000ffff", &coordinator, &r, &x->e),
                     ERR_NOT_FOUND);
}

/* ---- deliveries ------------------------------------------------------------------------------ */

static const char **ship(struct testdb *x, const char *school, int n)
{
    const char **ids = arena_calloc(&x->a, (size_t)n, sizeof *ids);
    for (int i = 0; i < n; i++) {
        char serial[16];
        snprintf(serial, sizeof serial, "SHIP-%02d", i);
        ids[i] = add_device(x, serial, NULL);
        if (device_move(x->st, ids[i], DEVICE_ALLOCATED, school, NULL, NULL, &coordinator, &x->e) < 0 ||
            device_move(x->st, ids[i], DEVICE_SHIPPED, NULL, NULL, NULL, &coordinator, &x->e) < 0)
            fail_msg("ship: %s", x->e.msg);
    }
    return ids;
}

static void test_a_delivery_short_of_what_was_shipped_is_flagged(void **state)
{
    struct testdb *x = *state;
    const char *school = add_institution(x, "Escola Delivery", "accepted");
    const char *empty = add_institution(x, "Escola Nothing", "accepted");
    const char **ids = ship(x, school, 5);
    const struct audit_actor contact = {"u-2", "contact@escola.example.pt"};
    const char *delivery;
    int64_t ev = query_int(x, "SELECT count(*) FROM device_events", NULL);

    /* refused, changing nothing: more than was shipped; some but not which; ticks that do not add up;
     * a device that was not shipped there; nothing shipped at all */
    assert_int_equal(device_delivery_confirm(x->st, &x->a, school, 6, NULL, 0, NULL, NULL, &contact, &delivery, &x->e),
                     ERR_INVALID);
    assert_int_equal(device_delivery_confirm(x->st, &x->a, school, 3, NULL, 0, NULL, NULL, &contact, &delivery, &x->e),
                     ERR_INVALID);
    assert_int_equal(device_delivery_confirm(x->st, &x->a, school, 3, ids, 2, NULL, NULL, &contact, &delivery, &x->e),
                     ERR_INVALID);
    const char *stranger[] = {ids[0], ids[1], "01938a40-0000-7000-8000-00000000ffff"};
    assert_int_equal(device_delivery_confirm(x->st, &x->a, school, 3, stranger, 3, NULL, NULL, &contact, &delivery, &x->e),
                     ERR_INVALID);
    assert_int_equal(device_delivery_confirm(x->st, &x->a, empty, 0, NULL, 0, NULL, NULL, &contact, &delivery, &x->e),
                     ERR_CONFLICT);
    assert_int_equal(query_int(x, "SELECT count(*) FROM deliveries", NULL), 0);
    assert_int_equal(query_int(x, "SELECT count(*) FROM device_events", NULL), ev);
    assert_int_equal(query_int(x, "SELECT count(*) FROM devices WHERE state = 'shipped'", NULL), 5);

    /* three of five arrived, ticked: they are delivered, two stay shipped, the coordinator is told */
    const char *arrived[] = {ids[0], ids[2], ids[4]};
    assert_int_equal(device_delivery_confirm(x->st, &x->a, school, 3, arrived, 3, "Two missing", NULL, &contact,
                                             &delivery, &x->e), 0);
    assert_string_equal(state_of(x, ids[0]), "delivered");
    assert_string_equal(state_of(x, ids[1]), "shipped");
    assert_string_equal(state_of(x, ids[3]), "shipped");
    assert_string_equal(state_of(x, ids[4]), "delivered");
    assert_int_equal(query_int(x, "SELECT count(*) FROM device_events WHERE to_state = 'delivered'"
                                  " AND by_label = 'contact@escola.example.pt' AND note = 'Two missing'", NULL), 3);
    struct device_delivery d;
    assert_int_equal(device_delivery_get(x->st, &x->a, delivery, &d, &x->e), 0);
    assert_int_equal(d.expected, 5);
    assert_int_equal(d.received, 3);
    assert_string_equal(d.confirmed_by, "contact@escola.example.pt");
    assert_int_equal(audits(x, "delivery.confirm"), 1);
    struct device_delivery *open;
    size_t n;
    assert_int_equal(device_shortfalls(x->st, &x->a, &open, &n, &x->e), 0);
    assert_int_equal(n, 1);
    assert_string_equal(open[0].institution_id, school);
    assert_int_equal(open[0].still_shipped, 2);

    /* the coordinator traces the two: one turns up, one is lost; the flag goes */
    assert_int_equal(device_move(x->st, ids[1], DEVICE_DELIVERED, NULL, "Found at the post office", NULL, &coordinator,
                                 &x->e), 0);
    assert_int_equal(device_shortfalls(x->st, &x->a, &open, &n, &x->e), 0);
    assert_int_equal(n, 1);
    assert_int_equal(open[0].still_shipped, 1);
    assert_int_equal(device_move(x->st, ids[3], DEVICE_LOST, NULL, NULL, NULL, &coordinator, &x->e), 0);
    assert_int_equal(device_shortfalls(x->st, &x->a, &open, &n, &x->e), 0);
    assert_int_equal(n, 0);

    /* a delivery where everything arrived needs no ticks and flags nothing */
    const char *school2 = add_institution(x, "Escola Complete", "accepted");
    const char **more = arena_calloc(&x->a, 2, sizeof *more);
    for (int i = 0; i < 2; i++) {
        char serial[16];
        snprintf(serial, sizeof serial, "FULL-%d", i);
        more[i] = add_device(x, serial, NULL);
        assert_int_equal(device_move(x->st, more[i], DEVICE_ALLOCATED, school2, NULL, NULL, &coordinator, &x->e), 0);
        assert_int_equal(device_move(x->st, more[i], DEVICE_SHIPPED, NULL, NULL, NULL, &coordinator, &x->e), 0);
    }
    assert_int_equal(device_delivery_confirm(x->st, &x->a, school2, 2, NULL, 0, NULL, NULL, &contact, &delivery, &x->e), 0);
    assert_string_equal(state_of(x, more[0]), "delivered");
    assert_string_equal(state_of(x, more[1]), "delivered");
    assert_int_equal(device_shortfalls(x->st, &x->a, &open, &n, &x->e), 0);
    assert_int_equal(n, 0);
}

/* ---- the demo -------------------------------------------------------------------------------- */

static int64_t in_state(struct testdb *x, const char *state)
{
    return query_int(x, "SELECT count(*) FROM devices WHERE is_demo = 1 AND state = ?", state);
}

static void test_the_demo_tells_its_story_once(void **state)
{
    struct testdb *x = *state;
    add_programme(x, 10);
    /* without pilot institutions the tablets wait in stock */
    assert_int_equal(demo_devices_load(x->st, &x->a, programme_id, &x->e), 0);
    assert_int_equal(in_state(x, "in_stock"), 100);
    for (int i = 0; i < 10; i++) {
        char name[32];
        snprintf(name, sizeof name, "Pilot School %02d", i);
        add_institution(x, name, i % 3 == 0 ? "accepted" : i % 3 == 1 ? "invited" : "selected");
    }
    assert_int_equal(demo_devices_load(x->st, &x->a, programme_id, &x->e), 0);
    assert_int_equal(query_int(x, "SELECT count(*) FROM devices WHERE is_demo = 1", NULL), 100);
    assert_int_equal(query_int(x, "SELECT count(DISTINCT batch) FROM devices WHERE is_demo = 1", NULL), 2);
    assert_int_equal(in_state(x, "in_stock"), 10);
    assert_int_equal(in_state(x, "shipped"), 11);
    assert_int_equal(in_state(x, "delivered"), 19);
    assert_int_equal(in_state(x, "in_use"), 56);
    assert_int_equal(in_state(x, "in_repair"), 3);
    assert_int_equal(in_state(x, "lost"), 1);
    struct device_delivery *open;
    size_t n;
    assert_int_equal(device_shortfalls(x->st, &x->a, &open, &n, &x->e), 0);
    assert_int_equal(n, 1);
    assert_int_equal(open[0].expected - open[0].received, 1);
    /* the history is over the equipment phase, in order */
    assert_string_equal(query_text(x, "SELECT min(at) FROM device_events", NULL), "2026-06-02T09:00:00.000Z");
    assert_true(strcmp(query_text(x, "SELECT max(at) FROM device_events", NULL), "2026-09-11") < 0);
    assert_int_equal(query_int(x, "SELECT count(*) FROM device_events e JOIN device_events f ON f.device_id ="
                                  " e.device_id AND f.from_state = e.to_state AND f.at < e.at", NULL), 0);
    /* every IMEI passes its check */
    struct store_stmt *s = store_prepare(x->st, "SELECT imei FROM devices WHERE imei IS NOT NULL", &x->e);
    int imeis = 0;
    while (store_step(s, &x->e) == 1) assert_true(device_imei_valid(store_col_text(s, 0))), imeis++;
    store_done(s);
    assert_int_equal(imeis, 40);
    /* loading again changes nothing */
    int64_t ev = query_int(x, "SELECT count(*) FROM device_events", NULL);
    int64_t au = query_int(x, "SELECT count(*) FROM audit_log", NULL);
    assert_int_equal(demo_devices_load(x->st, &x->a, programme_id, &x->e), 0);
    assert_int_equal(query_int(x, "SELECT count(*) FROM device_events", NULL), ev);
    assert_int_equal(query_int(x, "SELECT count(*) FROM audit_log", NULL), au);
    assert_int_equal(query_int(x, "SELECT count(*) FROM devices", NULL), 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_every_pair_of_states_follows_the_lifecycle),
        T(test_a_refusal_reads_well),
        T(test_legal_moves_are_recorded_with_who_when_and_note),
        T(test_imei_luhn),
        T(test_an_import_with_a_bad_row_imports_nothing),
        T(test_a_good_import_goes_into_stock),
        T(test_allocation_never_goes_above_stock),
        T(test_a_delivery_short_of_what_was_shipped_is_flagged),
        T(test_the_demo_tells_its_story_once),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* devices: the Phase 2 pilot's device inventory (issue 6): the devices, their lifecycle, their
 * import, the allocation to the pilot institutions and the institutions' delivery confirmations.
 *
 * A device (a tablet, say) has a model, a serial number or an IMEI (or both; each unique; an
 * IMEI's Luhn check digit is checked), a batch and notes. Its lifecycle is one table of allowed
 * moves (device_transition_allowed): every move is recorded in its history with who, when, the
 * note and the institution, and audited; an illegal one is refused with a sentence that names
 * both states and the states it could go to, and changes nothing.
 *
 * The allocation gives each pilot institution of a programme (status selected, invited or
 * accepted) up to the programme's quota (devices_per_institution) less what it holds, from the
 * devices in stock, never more than there is. A delivery confirmation is an institution counting
 * what arrived of what was shipped to it; a shortfall is flagged to the coordinator until the
 * devices not counted are marked delivered or lost. docs/devices.md says it for coordinators.
 *
 * Every change runs in one transaction with its audit entry. Everything returned lives in the
 * caller's arena; messages in a struct err are English (the command line's), and the problems of
 * an import are msgids for the faces to translate. */
#ifndef EDUBRIDGE_DEVICES_H
#define EDUBRIDGE_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "forms/sheet.h"
#include "store/audit.h"
#include "store/store.h"

/* --- the lifecycle --------------------------------------------------------------------------------- */

enum device_state {
    DEVICE_IN_STOCK,
    DEVICE_ALLOCATED,
    DEVICE_SHIPPED,
    DEVICE_DELIVERED,
    DEVICE_IN_USE,
    DEVICE_IN_REPAIR,
    DEVICE_RETURNED,
    DEVICE_LOST,
    DEVICE_RETIRED,
    DEVICE_STATE_COUNT
};

/* "in_stock", "in_use"...: the stored names. */
const char *device_state_name(enum device_state s);
/* -1 when name is no state's. */
int device_state_parse(const char *name);
/* The English label, a msgid: "In stock", "In repair". */
const char *device_state_label(enum device_state s);
/* The state as a sentence reads it after "A device that is": "in stock", "in repair" (a msgid). */
const char *device_state_phrase(enum device_state s);
/* The move to s as a sentence reads it after "can be": "shipped", "sent for repair" (a msgid). */
const char *device_state_verb(enum device_state s);

/* Whether the lifecycle allows from -> to (never from a state to itself). */
bool device_transition_allowed(enum device_state from, enum device_state to);
/* The states a device in from may go to, in lifecycle order; returns how many (0: from is final). */
size_t device_next_states(enum device_state from, enum device_state out[DEVICE_STATE_COUNT]);
/* States in which a device is at an institution and counts against its quota. */
bool device_state_held(enum device_state s);

/* Translates a msgid (the faces pass the reader's language; NULL: English). */
typedef const char *(*device_tr_fn)(void *ctx, const char *msgid);
/* The sentence that refuses from -> to: "A device that is in repair cannot be shipped: it can be
 * put in use, returned, retired or marked lost." */
const char *device_refusal(struct arena *a, enum device_state from, enum device_state to, device_tr_fn tr,
                           void *ctx);

/* --- devices --------------------------------------------------------------------------------------- */

struct device {
    const char *id;
    const char *programme_id, *programme_slug; /* NULL: general stock */
    const char *model, *serial, *imei, *batch, *notes; /* serial, imei, batch, notes: NULL when none */
    enum device_state state;
    const char *institution_id, *institution_name; /* NULL when at none */
    bool is_demo;
    const char *created_at, *updated_at;
};

enum device_field { DEVICE_MODEL, DEVICE_SERIAL, DEVICE_IMEI, DEVICE_BATCH, DEVICE_NOTES, DEVICE_FIELD_COUNT };

/* "model", "serial", "imei", "batch", "notes"; device_field_parse: -1 for none of them. */
const char *device_field_name(enum device_field f);
int device_field_parse(const char *name);

/* Checks and normalises one value given as text (trimmed; "" means none: *out NULL): a serial in
 * upper case, an IMEI as its 15 digits (spaces and hyphens dropped). On a bad value returns -1 and
 * *problem is an English sentence (a msgid). */
int device_value_check(struct arena *a, enum device_field f, const char *raw, const char **out, const char **problem);
/* True for 15 digits whose last is the Luhn check digit of the first 14. */
bool device_imei_valid(const char *imei);

/* A new device in stock: v indexed by enum device_field, checked as device_value_check does and
 * needing a model and a serial or an IMEI; at NULL: now. Recorded in its history (from no state to
 * in stock) inside the caller's transaction, not audited (the caller audits the whole import).
 * ERR_INVALID for a bad value, ERR_CONFLICT for a serial or IMEI already in the inventory. */
int device_insert(struct store *st, struct arena *a, const char *const *v, const char *programme_id, bool is_demo,
                  const char *at, const struct audit_actor *by, const char **id_out, struct err *e);

/* ERR_NOT_FOUND when there is none. */
int device_get(struct store *st, struct arena *a, const char *id, struct device *out, struct err *e);
/* The device with this id, else this serial number (any case), else this IMEI (spaces and hyphens
 * allowed): what a person types. ERR_NOT_FOUND when none has it. */
int device_find(struct store *st, struct arena *a, const char *key, struct device *out, struct err *e);

struct device_filter {
    const char *state, *institution_id, *batch, *model, *programme_id; /* NULL or "": any */
    const char *q;    /* a part of the serial or the IMEI */
    bool stock_only;  /* only devices at no institution (with institution_id NULL) */
};

/* The devices that match, in order of serial (then IMEI), at most limit from offset; *total: how
 * many match. ERR_INVALID for a state that is none. */
int device_list(struct store *st, struct arena *a, const struct device_filter *f, int64_t offset, int limit,
                struct device **out, size_t *n, int64_t *total, struct err *e);
/* How many match f in each state (f->state left out). */
int device_state_counts(struct store *st, struct arena *a, const struct device_filter *f,
                        int64_t counts[DEVICE_STATE_COUNT], struct err *e);
/* The batch names in use, sorted. */
int device_batches(struct store *st, struct arena *a, const char ***out, size_t *n, struct err *e);

struct device_event {
    const char *at;
    int from;          /* enum device_state, -1: the device's creation */
    enum device_state to;
    const char *by_user_id, *by_label;
    const char *note;  /* NULL when none */
    const char *institution_id, *institution_name;
};
/* A device's history, oldest first. */
int device_history(struct store *st, struct arena *a, const char *id, struct device_event **out, size_t *n,
                   struct err *e);

enum { DEVICE_NOTE_MAX = 1000 }; /* characters of a move's or a delivery's note */
/* What is wrong with a note (a msgid), or NULL when it will do. */
const char *device_note_problem(const char *note);

/* Moves device id to `to`, at `at` (NULL: now), recorded in its history and audited
 * (device.move), in one transaction. To allocated it needs institution_id (an institution of the
 * register, not merged away) and goes there; back to in stock it leaves its institution; other
 * moves keep it where it is and refuse an institution_id. ERR_NOT_FOUND for an unknown device,
 * ERR_CONFLICT when the lifecycle refuses the move (e->msg is device_refusal's English),
 * ERR_INVALID for a missing or unknown institution or a note too long. */
int device_move(struct store *st, const char *id, enum device_state to, const char *institution_id, const char *note,
                const char *at, const struct audit_actor *by, struct err *e);

/* device_move without a transaction or audit entry of its own: inside the caller's transaction,
 * for one that writes many moves and audits them together (the demo's history). */
int device_move_within(struct store *st, const char *id, enum device_state to, const char *institution_id,
                       const char *note, const char *at, const struct audit_actor *by, struct err *e);

/* --- import ---------------------------------------------------------------------------------------- */

struct device_import_result {
    struct device *rows; /* what would be created, in file order */
    int *row_numbers;
    size_t nrows;
    struct sheet_row_error *errors;
    size_t nerrors;
    bool imported;       /* committed (not a dry run, no error) */
};

/* The first sheet of book (read with inst_read_table): a header row naming device fields ("model"
 * and "serial" or "imei" required), then one device per row. Every row is checked, serials and
 * IMEIs against each other and against the inventory; when any is wrong, or dry_run, nothing is
 * written. Otherwise all rows go into stock (programme_id: NULL for general stock) in one
 * transaction, audited (device.import). Returns -1 only for a failure of the database. */
int device_import(struct store *st, struct arena *a, const struct sheet_book *book, const char *programme_id,
                  bool dry_run, bool is_demo, const struct audit_actor *by, struct device_import_result *out,
                  struct err *e);

/* --- allocation ------------------------------------------------------------------------------------ */

struct device_place {
    const char *id, *name, *status;
};
/* The pilot institutions (status selected, invited or accepted, not merged away), by name. */
int device_pilot_institutions(struct store *st, struct arena *a, struct device_place **out, size_t *n, struct err *e);
/* The institutions that devices are at now, and the pilot institutions, by name: the choices of
 * the pages' filters. */
int device_institutions(struct store *st, struct arena *a, struct device_place **out, size_t *n, struct err *e);

struct device_allocation_line {
    const char *institution_id, *name;
    int quota, held, allocated, short_by; /* short_by: what stock could not give */
};

struct device_allocation {
    struct device_allocation_line *lines; /* the pilot institutions, by name */
    size_t n;
    int quota;
    int64_t stock_before, allocated, short_by;
};

/* Allocates for programme_id: each pilot institution, by name, gets up to the quota less what it
 * holds (device_state_held), from the devices in stock of that programme and then of general
 * stock, oldest first; when stock runs short, the institutions earlier by name are filled to their
 * quota and the others get what is left, each line saying how many it is short. One transaction,
 * each device's move in its history, audited (device.allocate) when anything moved.
 * ERR_NOT_FOUND for an unknown programme. */
int device_allocate(struct store *st, struct arena *a, const char *programme_id, const struct audit_actor *by,
                    struct device_allocation *out, struct err *e);

/* --- deliveries ------------------------------------------------------------------------------------ */

struct device_delivery {
    const char *id, *programme_id, *institution_id, *institution_name;
    int expected, received;
    const char *confirmed_by, *confirmed_at, *note;
    int64_t still_shipped; /* devices at the institution still shipped now */
};

/* The devices shipped to institution_id and not yet confirmed, by serial. */
int device_shipped_to(struct store *st, struct arena *a, const char *institution_id, struct device **out, size_t *n,
                      struct err *e);

/* The institution counts what arrived of the devices shipped to it: received from 0 to that
 * number. arrived (narrived ids) names the ones that arrived; it is needed when some but not all
 * did (so that the others can be traced), and when given it must hold received devices shipped
 * there. The devices that arrived become delivered; the others stay shipped and the delivery is
 * a shortfall for the coordinator. One transaction, audited (delivery.confirm); *delivery_id: the
 * record. ERR_NOT_FOUND for an unknown institution, ERR_CONFLICT when nothing is shipped there,
 * ERR_INVALID (a sentence fit for the contact) for a count or list that does not fit. */
int device_delivery_confirm(struct store *st, struct arena *a, const char *institution_id, int received,
                            const char *const *arrived, size_t narrived, const char *note, const char *at,
                            const struct audit_actor *by, const char **delivery_id, struct err *e);

/* The same inside the caller's transaction, not audited (the demo's history). */
int device_delivery_confirm_within(struct store *st, struct arena *a, const char *institution_id, int received,
                                   const char *const *arrived, size_t narrived, const char *note, const char *at,
                                   const struct audit_actor *by, const char **delivery_id, struct err *e);

/* What is wrong with a confirmation's numbers (expected: the devices shipped there; narrived: how
 * many were ticked), a msgid whose %d, if any, is expected; NULL when they fit. The faces ask it
 * first, so that the contact reads the problem in their language. */
const char *device_delivery_problem(int expected, int received, size_t narrived);

/* An institution's confirmations, newest first (institution_id NULL: every institution's). */
int device_deliveries(struct store *st, struct arena *a, const char *institution_id, struct device_delivery **out,
                      size_t *n, struct err *e);
/* ERR_NOT_FOUND when there is none. */
int device_delivery_get(struct store *st, struct arena *a, const char *id, struct device_delivery *out,
                        struct err *e);
/* The shortfalls still open: deliveries short of what was expected whose institution still has
 * shipped devices, newest first. For the devices page and the coordinator's dashboard. */
int device_shortfalls(struct store *st, struct arena *a, struct device_delivery **out, size_t *n, struct err *e);

/* --- exports --------------------------------------------------------------------------------------- */

typedef int (*device_write_fn)(void *ctx, const void *data, size_t len);

/* The devices matching f, by serial: CSV (RFC 4180, header row, formulas guarded) or XLSX. */
int device_export_csv(struct store *st, const struct device_filter *f, device_write_fn write, void *ctx,
                      struct err *e);
int device_export_xlsx(struct store *st, const struct device_filter *f, device_write_fn write, void *ctx,
                       struct err *e);

#endif

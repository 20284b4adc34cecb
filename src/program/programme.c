#include "program/programme.h"

#include "base/i18n.h"
#include "base/id.h"
#include "base/timeutil.h"

#include <stdio.h>
#include <string.h>

const char *const programme_phase_kinds[PROGRAMME_PHASE_KINDS] = {
    "campaign", "identification", "selection", "equipment", "training", "feedback", "reporting",
};

const char *programme_phase_label(const char *kind)
{
    static const char *const labels[PROGRAMME_PHASE_KINDS] = {
        N_("Needs survey campaign"), N_("Identifying institutions"), N_("Selecting the pilot"),
        N_("Equipment"),             N_("Teacher training"),         N_("Feedback"),
        N_("Impact report"),
    };
    for (int i = 0; i < PROGRAMME_PHASE_KINDS; i++)
        if (strcmp(kind, programme_phase_kinds[i]) == 0) return labels[i];
    return kind;
}

/* One statement for programmes and their phases: one read transaction a page, not one a
 * programme (each costs the WAL's locks and system calls). */
static const char sql_list[] =
    "SELECT p.id, p.slug, p.name, p.summary, p.starts_on, p.ends_on, p.pilot_size,"
    " p.devices_per_institution, p.is_demo, ph.kind, ph.starts_on, ph.ends_on"
    " FROM programmes p LEFT JOIN programme_phases ph ON ph.programme_id = p.id"
    " ORDER BY p.created_at DESC, p.id DESC, ph.position";
static const char sql_insert[] =
    "INSERT INTO programmes (id, slug, name, summary, starts_on, ends_on, pilot_size,"
    " devices_per_institution, is_demo, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)";
static const char sql_insert_phase[] =
    "INSERT INTO programme_phases (id, programme_id, position, kind, starts_on, ends_on)"
    " VALUES (?,?,?,?,?,?)";

static void add_phase(struct arena *a, struct programme *p, struct store_stmt *s)
{
    if (store_col_null(s, 9) || p->phase_count >= PROGRAMME_PHASE_KINDS * 2) return;
    if (!p->phases) p->phases = arena_alloc(a, PROGRAMME_PHASE_KINDS * 2 * sizeof *p->phases);
    struct programme_phase *ph = &p->phases[p->phase_count++];
    ph->id = NULL;
    ph->kind = arena_strdup(a, store_col_text(s, 9));
    ph->starts_on = arena_strdup(a, store_col_text(s, 10));
    ph->ends_on = arena_strdup(a, store_col_text(s, 11));
}

int programme_list(struct store *st, struct arena *a, struct programme **out, size_t *count,
                   struct err *e)
{
    *out = NULL;
    *count = 0;
    struct store_stmt *s = store_prepare(st, sql_list, e);
    if (!s) return -1;
    size_t cap = 0;
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        const char *id = store_col_text(s, 0);
        if (*count && strcmp((*out)[*count - 1].id, id) == 0) {
            add_phase(a, &(*out)[*count - 1], s);
            continue;
        }
        if (*count == cap) {
            cap = cap ? cap * 2 : 4;
            struct programme *np = arena_alloc(a, cap * sizeof *np);
            if (*count) memcpy(np, *out, *count * sizeof *np);
            *out = np;
        }
        struct programme *p = &(*out)[(*count)++];
        memset(p, 0, sizeof *p);
        p->id = arena_strdup(a, id);
        p->slug = arena_strdup(a, store_col_text(s, 1));
        p->name = arena_strdup(a, store_col_text(s, 2));
        p->summary = arena_strdup(a, store_col_text(s, 3));
        p->starts_on = arena_strdup(a, store_col_text(s, 4));
        p->ends_on = arena_strdup(a, store_col_text(s, 5));
        p->pilot_size = (int)store_col_int(s, 6);
        p->devices_per_institution = (int)store_col_int(s, 7);
        p->is_demo = store_col_int(s, 8) != 0;
        add_phase(a, p, s);
    }
    store_done(s);
    return rc < 0 ? -1 : 0;
}

int programme_create(struct store *st, struct arena *a, struct programme *p, struct err *e)
{
    if (!p->name || !*p->name) return err_set(e, ERR_INVALID, "a programme needs a name");
    if (!p->slug || !*p->slug) return err_set(e, ERR_INVALID, "a programme needs a short name for its address");
    if (!p->id) {
        char *id = arena_alloc(a, ID_TEXT_SIZE);
        id_new(id);
        p->id = id;
    }
    char now[32];
    time_format_iso(time_now_ms(), now, sizeof now);
    if (store_begin(st, e) < 0) return -1;
    struct store_stmt *s = store_prepare(st, sql_insert, e);
    if (!s) goto fail;
    store_bind_text(s, 1, p->id);
    store_bind_text(s, 2, p->slug);
    store_bind_text(s, 3, p->name);
    store_bind_text(s, 4, p->summary ? p->summary : "");
    store_bind_text(s, 5, p->starts_on);
    store_bind_text(s, 6, p->ends_on);
    store_bind_int(s, 7, p->pilot_size > 0 ? p->pilot_size : 10);
    store_bind_int(s, 8, p->devices_per_institution >= 0 ? p->devices_per_institution : 10);
    store_bind_int(s, 9, p->is_demo);
    store_bind_text(s, 10, now);
    store_bind_text(s, 11, now);
    int rc = store_run(s, e);
    store_done(s);
    if (rc < 0) {
        if (e && e->code == ERR_CONFLICT)
            err_set(e, ERR_CONFLICT, "a programme with the address '%s' already exists", p->slug);
        goto fail;
    }
    for (size_t i = 0; i < p->phase_count; i++) {
        const struct programme_phase *ph = &p->phases[i];
        char pid[ID_TEXT_SIZE];
        if (ph->id) snprintf(pid, sizeof pid, "%s", ph->id);
        else id_new(pid);
        s = store_prepare(st, sql_insert_phase, e);
        if (!s) goto fail;
        store_bind_text(s, 1, pid);
        store_bind_text(s, 2, p->id);
        store_bind_int(s, 3, (int64_t)i + 1);
        store_bind_text(s, 4, ph->kind);
        store_bind_text(s, 5, ph->starts_on);
        store_bind_text(s, 6, ph->ends_on);
        rc = store_run(s, e);
        store_done(s);
        if (rc < 0) goto fail;
    }
    if (store_commit(st, e) < 0) goto fail;
    return 0;
fail:
    store_rollback(st);
    return e && e->code ? e->code : ERR_IO;
}

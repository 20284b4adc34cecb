/* programme: a programme (for example "Bridging the Digital Divide in Education 2025") and its
 * phases: create, edit, list, find, with the rules they must keep. Read and written through store/;
 * every change is recorded in the audit trail in the same transaction. Strings returned live in
 * the caller's arena.
 *
 * The rules (programme_validate, programme_validate_phases):
 *  - a name (at most 200 characters); a slug of 2 to 64 lower-case ASCII letters, digits and
 *    single hyphens inside, not "new" (it is the address /programmes/SLUG), unique;
 *  - dates are real days, YYYY-MM-DD; a start never after its end; either may be left open;
 *  - a pilot size from 1 to 1000 institutions; from 0 to 1000 devices per institution;
 *  - the selection's defaults: at most k per country (0: no cap; up to 1000), at least m informal
 *    institutions (0 to the pilot size), a rural share from 0 to 100 per cent;
 *  - each phase kind at most once; phases may overlap (training and feedback run together), but a
 *    phase never starts before the phases that come before it in programme order (a selection
 *    before the campaign it selects from makes no sense), and every phase lies within the
 *    programme's dates when those are set. */
#ifndef EDUBRIDGE_PROGRAMME_H
#define EDUBRIDGE_PROGRAMME_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/err.h"
#include "store/audit.h"
#include "store/store.h"

enum { PROGRAMME_PHASE_KINDS = 7 };
/* Phase kinds in programme order; their English names are msgids for the translation layer. */
extern const char *const programme_phase_kinds[PROGRAMME_PHASE_KINDS];
const char *programme_phase_label(const char *kind); /* English, e.g. "Needs survey campaign" */

enum {
    PROGRAMME_NAME_MAX = 200,     /* characters */
    PROGRAMME_SUMMARY_MAX = 2000, /* characters */
    PROGRAMME_SLUG_MAX = 64,
    PROGRAMME_PILOT_MAX = 1000,
    PROGRAMME_DEVICES_MAX = 1000,
    PROGRAMME_PER_COUNTRY_MAX = 1000,
};

struct programme_phase {
    const char *id;        /* NULL: a new id is made */
    const char *kind;
    const char *starts_on; /* YYYY-MM-DD */
    const char *ends_on;
};

struct programme {
    const char *id;
    const char *slug;
    const char *name;
    const char *summary;
    const char *starts_on; /* NULL or "": open */
    const char *ends_on;
    int pilot_size;
    int devices_per_institution;
    int max_per_country;   /* selection default: 0, no cap */
    int min_informal;      /* selection default: 0, none */
    int min_rural_percent; /* selection default: 0 to 100 */
    bool is_demo;
    struct programme_phase *phases;
    size_t phase_count;
};

/* What is wrong with an input, field by field: field names the input ("name", "pilot_size",
 * "phase-campaign-start"...), msg is an English sentence and a msgid (N_) for the pages. */
struct programme_problem {
    const char *field;
    const char *msg;
};
enum { PROGRAMME_PROBLEMS_MAX = 32 };
struct programme_problems {
    struct programme_problem item[PROGRAMME_PROBLEMS_MAX];
    size_t n;
};
void programme_problem_add(struct programme_problems *pp, const char *field, const char *msg);
/* Sets e to ERR_INVALID with the first problem's sentence; returns ERR_INVALID. */
int programme_problems_err(const struct programme_problems *pp, struct err *e);

/* A real day written YYYY-MM-DD. */
bool programme_date_valid(const char *s);
bool programme_slug_valid(const char *s);

/* The programme's own fields (not its phases), and that its dates hold its phases. Adds to out;
 * returns how many problems it found. */
size_t programme_validate(const struct programme *p, struct programme_problems *out);
/* Phases for p (their kinds, dates, order and p's dates); fields "phase-KIND-start"/"-end". */
size_t programme_validate_phases(const struct programme *p, const struct programme_phase *phases, size_t n,
                                 struct programme_problems *out);

/* All programmes, newest first, with their phases. */
int programme_list(struct store *st, struct arena *a, struct programme **out, size_t *count,
                   struct err *e);
/* The programme at slug, with its phases; ERR_NOT_FOUND when there is none. */
int programme_find(struct store *st, struct arena *a, const char *slug, struct programme **out, struct err *e);

/* Inserts p with its phases in one transaction, audited as programme.create by `by` (NULL:
 * edubridge itself); p->id is filled when NULL. ERR_INVALID (the first problem's sentence) when a
 * rule is broken, ERR_CONFLICT when the slug is taken. */
int programme_create(struct store *st, struct arena *a, struct programme *p, const struct audit_actor *by,
                     struct err *e);
/* Writes p's own fields (p->id names it; phases are left alone), audited as programme.update with
 * the names of the fields that changed. ERR_NOT_FOUND, ERR_INVALID, ERR_CONFLICT as above. */
int programme_update(struct store *st, struct arena *a, const struct programme *p, const struct audit_actor *by,
                     struct err *e);
/* Replaces p's phases with these (a kind kept keeps its id), audited as programme.phases. */
int programme_set_phases(struct store *st, struct arena *a, const struct programme *p,
                         const struct programme_phase *phases, size_t n, const struct audit_actor *by,
                         struct err *e);

#endif

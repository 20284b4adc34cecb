/* programme: a programme (for example "Bridging the Digital Divide in Education 2025") and its
 * phases. Read and written through store/; strings returned live in the caller's arena. */
#ifndef EDUBRIDGE_PROGRAMME_H
#define EDUBRIDGE_PROGRAMME_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/err.h"
#include "store/store.h"

enum { PROGRAMME_PHASE_KINDS = 7 };
/* Phase kinds in programme order; their English names are msgids for the translation layer. */
extern const char *const programme_phase_kinds[PROGRAMME_PHASE_KINDS];
const char *programme_phase_label(const char *kind); /* English, e.g. "Needs survey campaign" */

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
    const char *starts_on;
    const char *ends_on;
    int pilot_size;
    int devices_per_institution;
    bool is_demo;
    struct programme_phase *phases;
    size_t phase_count;
};

/* All programmes, newest first, with their phases. */
int programme_list(struct store *st, struct arena *a, struct programme **out, size_t *count,
                   struct err *e);
/* Inserts p with its phases in one transaction; p->id is filled when NULL. */
int programme_create(struct store *st, struct arena *a, struct programme *p, struct err *e);

#endif

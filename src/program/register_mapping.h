/* register_mapping: which questions of a form may feed which fields of the institution register
 * (program/institutions.h), so that a coordinator's mapping is checked before it is saved rather
 * than leaving fields unknown at every build.
 *
 * A question feeds a field when its answer is one value at the top of the answer set (not inside
 * a repeat, whose answers come one per repetition) and its type can hold what the field holds:
 * text fields and codes (name, kind, country, region, area, connectivity, contacts) take text,
 * single choices, calculations and hidden values; whole numbers (learners, teachers, devices) take
 * integers, ranges, calculations and hidden values; coordinates take numbers (a location question
 * holds both coordinates at once and feeds neither); formal education takes a choice, a text, an
 * integer (1 or 0), a calculation or a hidden value. The name must be mapped: without it no
 * institution can be built. The status is set by the programme, never by a mapping.
 *
 * Messages are English msgids (to be translated by the face), each with at most one %s (the
 * question's name or type, in arg). Nothing here allocates. */
#ifndef EDUBRIDGE_REGISTER_MAPPING_H
#define EDUBRIDGE_REGISTER_MAPPING_H

#include <stdbool.h>

#include "forms/form.h"
#include "program/institutions.h"

/* False for the fields a mapping never sets (the status). */
bool regmap_target_mappable(enum inst_field target);

/* Whether a question of type t can feed target. */
bool regmap_type_feeds(enum form_type t, enum inst_field target);

/* Whether fd is a question a mapping may offer at all: answered or computed, one value at the top
 * of the answer set. */
bool regmap_question(const struct form_field *fd);

struct regmap_problem {
    const char *msgid; /* NULL: this field's mapping is right */
    const char *arg;   /* what %s in msgid stands for, or NULL */
};

/* Checks m against the form f: each field's problem in out (indexed by enum inst_field); returns
 * how many fields have one. */
int regmap_check(const struct form *f, const struct inst_mapping *m, struct regmap_problem out[INST_FIELD_COUNT]);

#endif

#include "program/register_mapping.h"

#include "base/i18n.h"

#include <string.h>

bool regmap_target_mappable(enum inst_field target)
{
    return (unsigned)target < INST_FIELD_COUNT && target != INST_STATUS;
}

bool regmap_question(const struct form_field *fd)
{
    if (!fd || form_field_repeat(fd)) return false;
    switch (fd->type) {
    case FT_GROUP: case FT_REPEAT: case FT_NOTE: return false;
    default: return !form_type_is_meta(fd->type);
    }
}

/* Calculations and hidden values are whatever the form computes: they are trusted to fit, and a
 * value that does not check leaves the field unknown at the build, as any answer does. */
bool regmap_type_feeds(enum form_type t, enum inst_field target)
{
    if (!regmap_target_mappable(target)) return false;
    if (t == FT_CALCULATE || t == FT_HIDDEN) return true;
    switch (target) {
    case INST_LEARNERS: case INST_TEACHERS: case INST_DEVICES:
        return t == FT_INTEGER || t == FT_RANGE;
    case INST_LATITUDE: case INST_LONGITUDE:
        return t == FT_DECIMAL || t == FT_INTEGER || t == FT_RANGE;
    case INST_FORMAL:
        return t == FT_SELECT_ONE || t == FT_TEXT || t == FT_INTEGER;
    case INST_CONTACT_EMAIL:
        return t == FT_TEXT;
    case INST_NAME: case INST_CONTACT_NAME: case INST_CONTACT_PHONE:
        return t == FT_TEXT || t == FT_SELECT_ONE;
    default: /* codes: kind, country, region, area, connectivity */
        return t == FT_TEXT || t == FT_SELECT_ONE;
    }
}

int regmap_check(const struct form *f, const struct inst_mapping *m, struct regmap_problem out[INST_FIELD_COUNT])
{
    int n = 0;
    for (int t = 0; t < INST_FIELD_COUNT; t++) {
        out[t] = (struct regmap_problem){NULL, NULL};
        const char *name = m->field[t];
        if (!regmap_target_mappable((enum inst_field)t)) {
            if (name) out[t] = (struct regmap_problem){N_("The status is set by the programme, not by the answers."), NULL};
        } else if (!name) {
            if (t == INST_NAME)
                out[t] = (struct regmap_problem){N_("Choose the question that gives the institution's name: without it no institution can be built."), NULL};
        } else {
            const struct form_field *fd = form_field_by_name(f, name);
            if (!fd)
                out[t] = (struct regmap_problem){N_("This form has no question named %s."), name};
            else if (form_field_repeat(fd))
                out[t] = (struct regmap_problem){N_("The question %s is inside a repeat, which has one answer per repetition: it cannot feed a field of the register."), name};
            else if (!regmap_question(fd) || !regmap_type_feeds(fd->type, (enum inst_field)t))
                out[t] = (struct regmap_problem){N_("A question of type %s cannot feed this field."), form_type_name(fd->type)};
        }
        if (out[t].msgid) n++;
    }
    return n;
}

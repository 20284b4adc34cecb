/* engine: what a form means for one set of answers: which questions apply (relevant), what is
 * computed (calculation, default), which choices are offered (choice_filter), and whether each
 * answer is acceptable (type, required, constraint). The survey pages and the JSON API both use
 * it, so an answer is judged the same way wherever it comes from.
 *
 * Messages are in the respondent's language: the form's own required_message/constraint_message
 * when it has them, else the project's catalogue (base/i18n). Everything is allocated in the
 * engine's arena. */
#ifndef EDUBRIDGE_ENGINE_H
#define EDUBRIDGE_ENGINE_H

#include <stdint.h>

#include "base/i18n.h"
#include "forms/answers.h"
#include "forms/form.h"

struct engine {
    const struct form *form;
    struct answers *ans;
    struct arena *a;
    size_t lang;                     /* index in form->languages */
    const struct i18n_lang *ui;      /* for the engine's own messages */
    int64_t now_ms;                  /* 0: the real clock */
    const char *username;
    const char *instance_id;
};

void engine_init(struct engine *en, const struct form *f, struct answers *ans, struct arena *a,
                 size_t lang, const struct i18n_lang *ui);

/* Evaluates x for field fd at a repeat instance (0 outside repeats); '.' is the field's answer. */
int engine_eval(struct engine *en, const struct expr *x, const struct form_field *fd, int instance,
                struct expr_value *out, struct err *e);

/* A field applies when its own relevant and every enclosing group's are true. */
bool engine_relevant(struct engine *en, const struct form_field *fd, int instance);

/* Sets defaults of unanswered fields (once: only where no answer exists yet) and metadata. */
void engine_apply_defaults(struct engine *en);
/* Recomputes every calculation, in form order, until nothing changes (at most a few passes:
 * the importer refuses cycles). */
void engine_calculate(struct engine *en);
/* Removes the answers of fields that do not apply, as ODK does on submit. */
void engine_clear_irrelevant(struct engine *en);

/* The choices of a select or rank field that pass its choice_filter; *out in the arena. */
size_t engine_choices(struct engine *en, const struct form_field *fd, int instance,
                      const struct form_choice ***out);

/* Checks one answer. NULL when acceptable, else the message to show beside the field. A field that
 * does not apply is always acceptable. */
const char *engine_check(struct engine *en, const struct form_field *fd, int instance);

struct engine_problem {
    const struct form_field *field;
    int instance;
    const char *message;
};
/* Checks every input field at every instance; returns how many problems, *out in the arena. */
size_t engine_check_all(struct engine *en, struct engine_problem **out);

/* The repeat count a repeat_count expression asks for (-1 when the repeat has none). */
int engine_repeat_count(struct engine *en, const struct form_field *repeat);

#endif

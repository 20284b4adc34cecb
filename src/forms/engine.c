#include "forms/engine.h"

#include "base/id.h"
#include "base/timeutil.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void engine_init(struct engine *en, const struct form *f, struct answers *ans, struct arena *a,
                 size_t lang, const struct i18n_lang *ui)
{
    memset(en, 0, sizeof *en);
    en->form = f;
    en->ans = ans;
    en->a = a;
    en->lang = lang < f->nlang ? lang : f->default_lang;
    en->ui = ui ? ui : i18n_default();
}

/* --- evaluation ---------------------------------------------------------------------------- */

struct eval_ctx {
    struct engine *en;
    const struct form_field *field;
    int instance;
    const struct form_choice *choice; /* the choice a choice_filter is testing, else NULL */
};

static int lookup(void *ctx, const char *name, struct expr_value *out, struct arena *a)
{
    struct eval_ctx *c = ctx;
    const struct form_field *fd = form_field_by_name(c->en->form, name);
    if (!fd) return -1;
    const struct form_field *rep = form_field_repeat(fd);
    if (!rep) {
        *out = expr_value_string(answers_get(c->en->ans, fd->name, 0));
        return 0;
    }
    const struct form_field *here = c->field ? form_field_repeat(c->field) : NULL;
    if (here == rep && c->instance > 0) {
        *out = expr_value_string(answers_get(c->en->ans, fd->name, c->instance));
        return 0;
    }
    /* Read from outside its repeat: every instance's answer, for sum(), count()... */
    int n = answers_repeat_count(c->en->ans, rep->name);
    const char **items = arena_alloc(a, (size_t)(n > 0 ? n : 1) * sizeof *items);
    for (int k = 0; k < n; k++) {
        const char *v = answers_get(c->en->ans, fd->name, k + 1);
        items[k] = v ? v : "";
    }
    *out = expr_value_nodeset(items, (size_t)n);
    return 0;
}

/* A choices-sheet column of the choice under test: name, label (in the respondent's language,
 * also label::anything), or an extra column such as "country". */
static int column(void *ctx, const char *name, struct expr_value *out, struct arena *a)
{
    (void)a;
    struct eval_ctx *c = ctx;
    const struct form_choice *ch = c->choice;
    if (!ch) return -1;
    if (strcmp(name, "name") == 0) {
        *out = expr_value_string(ch->value);
        return 0;
    }
    if (strcmp(name, "label") == 0 || strncmp(name, "label::", 7) == 0) {
        *out = expr_value_string(form_text(c->en->form, ch->label, c->en->lang));
        return 0;
    }
    for (size_t i = 0; i < ch->nextra; i++) {
        if (strcmp(ch->extra[i].name, name) == 0) {
            *out = expr_value_string(ch->extra[i].value);
            return 0;
        }
    }
    *out = expr_value_string("");
    return 0;
}

static const char *choice_label(void *ctx, const char *field, const char *value, struct arena *a)
{
    (void)a;
    struct eval_ctx *c = ctx;
    const struct form_field *fd = form_field_by_name(c->en->form, field);
    if (!fd || !fd->list) return "";
    const struct form_choice *ch = form_choice_by_value(fd->list, value);
    return ch ? form_text(c->en->form, ch->label, c->en->lang) : "";
}

static int eval_with(struct engine *en, const struct expr *x, const struct form_field *fd, int instance,
                     const struct form_choice *choice, struct expr_value *out, struct err *e)
{
    struct eval_ctx c = {en, fd, instance, choice};
    const char *current = fd ? answers_get(en->ans, fd->name, instance) : NULL;
    struct expr_env env = {
        .ctx = &c,
        .lookup = lookup,
        .choice_label = choice_label,
        .column = column,
        .current = current ? current : "",
        .position = instance,
        .now_ms = en->now_ms,
    };
    return expr_eval(x, &env, en->a, out, e);
}

int engine_eval(struct engine *en, const struct expr *x, const struct form_field *fd, int instance,
                struct expr_value *out, struct err *e)
{
    return eval_with(en, x, fd, instance, NULL, out, e);
}

/* An expression that cannot be evaluated (a regex the engine refuses, say) counts as false: the
 * respondent can still go on, and the form's author sees the problem when validating the form. */
static bool eval_bool(struct engine *en, const struct expr *x, const struct form_field *fd, int instance,
                      bool absent)
{
    if (!x) return absent;
    struct expr_value v;
    struct err e;
    err_clear(&e);
    if (engine_eval(en, x, fd, instance, &v, &e) < 0) return false;
    return expr_to_bool(&v);
}

bool engine_relevant(struct engine *en, const struct form_field *fd, int instance)
{
    for (const struct form_field *f = fd; f; f = f->parent) {
        /* A group's relevant is read outside its own instance when the group holds the repeat. */
        int inst = form_field_repeat(f) ? instance : 0;
        if (f->relevant && !eval_bool(en, f->relevant, f, inst, true)) return false;
    }
    return true;
}

static int instances_of(struct engine *en, const struct form_field *fd, int *first)
{
    const struct form_field *rep = form_field_repeat(fd);
    if (!rep) {
        *first = 0;
        return 0;
    }
    *first = 1;
    return answers_repeat_count(en->ans, rep->name);
}

void engine_apply_defaults(struct engine *en)
{
    char now[32];
    time_format_iso(en->now_ms ? en->now_ms : time_now_ms(), now, sizeof now);
    for (size_t i = 0; i < en->form->nfields; i++) {
        const struct form_field *fd = &en->form->fields[i];
        switch (fd->type) {
        case FT_START:
            if (!answers_get(en->ans, fd->name, 0)) answers_set(en->ans, fd->name, 0, now);
            continue;
        case FT_END:
            answers_set(en->ans, fd->name, 0, now);
            continue;
        case FT_TODAY:
            if (!answers_get(en->ans, fd->name, 0)) {
                char day[11];
                memcpy(day, now, 10);
                day[10] = '\0';
                answers_set(en->ans, fd->name, 0, day);
            }
            continue;
        case FT_USERNAME:
            if (en->username) answers_set(en->ans, fd->name, 0, en->username);
            continue;
        case FT_INSTANCE_ID:
            if (en->instance_id) answers_set(en->ans, fd->name, 0, en->instance_id);
            continue;
        default:
            break;
        }
        if (!fd->default_value || !*fd->default_value || fd->type == FT_CALCULATE) continue;
        int first, n = instances_of(en, fd, &first);
        int last = first ? n : 0;
        for (int k = first; k <= last; k++)
            if (!answers_get(en->ans, fd->name, k)) answers_set(en->ans, fd->name, k, fd->default_value);
    }
}

void engine_calculate(struct engine *en)
{
    for (int pass = 0; pass < 8; pass++) {
        bool changed = false;
        for (size_t i = 0; i < en->form->nfields; i++) {
            const struct form_field *fd = &en->form->fields[i];
            if (!fd->calculation) continue;
            int first, n = instances_of(en, fd, &first);
            int last = first ? n : 0;
            for (int k = first; k <= last; k++) {
                struct expr_value v;
                struct err e;
                err_clear(&e);
                const char *s = "";
                if (engine_relevant(en, fd, k) && engine_eval(en, fd->calculation, fd, k, &v, &e) == 0)
                    s = expr_to_string(&v, en->a);
                const char *old = answers_get(en->ans, fd->name, k);
                if (!old || strcmp(old, s) != 0) {
                    answers_set(en->ans, fd->name, k, s);
                    changed = true;
                }
            }
        }
        if (!changed) return;
    }
}

void engine_clear_irrelevant(struct engine *en)
{
    for (size_t i = 0; i < en->form->nfields; i++) {
        const struct form_field *fd = &en->form->fields[i];
        if (fd->type == FT_GROUP || fd->type == FT_REPEAT || form_type_is_meta(fd->type)) continue;
        int first, n = instances_of(en, fd, &first);
        int last = first ? n : 0;
        for (int k = first; k <= last; k++)
            if (answers_get(en->ans, fd->name, k) && !engine_relevant(en, fd, k))
                answers_set(en->ans, fd->name, k, NULL);
    }
}

int engine_repeat_count(struct engine *en, const struct form_field *repeat)
{
    if (!repeat->repeat_count) return -1;
    struct expr_value v;
    struct err e;
    err_clear(&e);
    if (engine_eval(en, repeat->repeat_count, repeat, 0, &v, &e) < 0) return 0;
    double d = expr_to_number(&v);
    if (!(d >= 0)) return 0;
    return d > 1000 ? 1000 : (int)d; /* a bound, so that a typo cannot ask for millions of pages */
}

/* --- choices ------------------------------------------------------------------------------- */

size_t engine_choices(struct engine *en, const struct form_field *fd, int instance,
                      const struct form_choice ***out)
{
    *out = NULL;
    if (!fd->list) return 0;
    const struct form_choice **res = arena_alloc(en->a, (fd->list->count + 1) * sizeof *res);
    size_t n = 0;
    for (size_t i = 0; i < fd->list->count; i++) {
        const struct form_choice *ch = &fd->list->choices[i];
        if (fd->choice_filter) {
            struct expr_value v;
            struct err e;
            err_clear(&e);
            /* A filter that cannot be evaluated offers the choice rather than hide every one. */
            if (eval_with(en, fd->choice_filter, fd, instance, ch, &v, &e) == 0 && !expr_to_bool(&v)) continue;
        }
        res[n++] = ch;
    }
    *out = res;
    return n;
}

/* --- checks -------------------------------------------------------------------------------- */

static const char *msg(struct engine *en, const char *msgid)
{
    return i18n_get(en->ui, msgid);
}

static bool is_integer(const char *s, long long *out)
{
    const char *p = s;
    if (*p == '+' || *p == '-') p++;
    if (!isdigit((unsigned char)*p)) return false;
    for (; *p; p++)
        if (!isdigit((unsigned char)*p)) return false;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*end || v > 2147483647LL || v < -2147483648LL) return false; /* ODK integers are 32-bit */
    *out = v;
    return true;
}

static bool is_decimal(const char *s, double *out)
{
    if (!*s || isspace((unsigned char)*s)) return false;
    char *end;
    double d = strtod(s, &end);
    if (*end || !isfinite(d)) return false;
    for (const char *p = s; *p; p++) /* no hex floats, "inf" or "nan": digits, sign, point, exponent */
        if (!isdigit((unsigned char)*p) && !strchr("+-.eE", *p)) return false;
    *out = d;
    return true;
}

static bool valid_date(int y, int m, int d)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
    int max = days[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    return d <= max;
}

static bool is_date(const char *s)
{
    int y, m, d, n = 0;
    return strlen(s) == 10 && sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && n == 10 && valid_date(y, m, d);
}

static bool is_time(const char *s)
{
    int h, mi, sec = 0, n = 0;
    size_t len = strlen(s);
    if (len == 5 && sscanf(s, "%2d:%2d%n", &h, &mi, &n) == 2 && n == 5) return h < 24 && mi < 60 && h >= 0 && mi >= 0;
    if (len == 8 && sscanf(s, "%2d:%2d:%2d%n", &h, &mi, &sec, &n) == 3 && n == 8)
        return h >= 0 && h < 24 && mi >= 0 && mi < 60 && sec >= 0 && sec < 60;
    return false;
}

static bool is_datetime(const char *s)
{
    if (strlen(s) < 16 || s[10] != 'T') return false;
    char date[11];
    memcpy(date, s, 10);
    date[10] = '\0';
    return is_date(date) && is_time(s + 11);
}

static bool is_geopoint(const char *s)
{
    double lat, lon, alt = 0, acc = 0;
    int n = 0;
    int got = sscanf(s, "%lf %lf %lf %lf%n", &lat, &lon, &alt, &acc, &n);
    if (got < 2) return false;
    if (got == 2 && sscanf(s, "%lf %lf%n", &lat, &lon, &n) != 2) return false;
    if (got == 3 && sscanf(s, "%lf %lf %lf%n", &lat, &lon, &alt, &n) != 3) return false;
    if (s[n] != '\0') return false;
    return isfinite(lat) && isfinite(lon) && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180;
}

static bool offered(const struct form_choice **choices, size_t n, const char *value, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(choices[i]->value) == len && memcmp(choices[i]->value, value, len) == 0) return true;
    return false;
}

/* Checks the form of a non-empty answer against the field's type. */
static const char *check_type(struct engine *en, const struct form_field *fd, int instance, const char *v)
{
    long long iv;
    double dv;
    switch (fd->type) {
    case FT_INTEGER:
        return is_integer(v, &iv) ? NULL : msg(en, N_("Enter a whole number, such as 12."));
    case FT_DECIMAL:
        return is_decimal(v, &dv) ? NULL : msg(en, N_("Enter a number, such as 2.5."));
    case FT_RANGE:
        if (!is_decimal(v, &dv)) return msg(en, N_("Enter a number, such as 2.5."));
        if (dv < fmin(fd->range_start, fd->range_end) || dv > fmax(fd->range_start, fd->range_end))
            return msg(en, N_("Choose a value within the range shown."));
        return NULL;
    case FT_DATE:
        return is_date(v) ? NULL : msg(en, N_("Enter a real date as year-month-day, such as 2025-03-31."));
    case FT_TIME:
        return is_time(v) ? NULL : msg(en, N_("Enter a time as hours:minutes, such as 14:30."));
    case FT_DATETIME:
        return is_datetime(v) ? NULL : msg(en, N_("Enter a date and time, such as 2025-03-31T14:30."));
    case FT_GEOPOINT:
        return is_geopoint(v) ? NULL : msg(en, N_("Enter a latitude from -90 to 90 and a longitude from -180 to 180."));
    case FT_ACKNOWLEDGE:
        return strcmp(v, "OK") == 0 ? NULL : msg(en, N_("Tick the box to acknowledge."));
    case FT_TEXT:
        return str_utf8_length(v, strlen(v)) <= 10000 ? NULL : msg(en, N_("This answer is too long (at most 10,000 characters)."));
    case FT_SELECT_ONE: {
        const struct form_choice **ch;
        size_t n = engine_choices(en, fd, instance, &ch);
        if (offered(ch, n, v, strlen(v)) || (fd->or_other && strcmp(v, "other") == 0)) return NULL;
        return msg(en, N_("Choose one of the options shown."));
    }
    case FT_SELECT_MULTIPLE:
    case FT_RANK: {
        const struct form_choice **ch;
        size_t n = engine_choices(en, fd, instance, &ch);
        size_t count = 0;
        const char *cur = v, *one;
        size_t len;
        while (answers_next_value(&cur, &one, &len)) {
            bool other = fd->or_other && len == 5 && memcmp(one, "other", 5) == 0;
            if (!offered(ch, n, one, len) && !other) return msg(en, N_("Choose among the options shown."));
            /* the same value twice: is it among the values before this one? */
            if (answers_has_value(arena_strndup(en->a, v, (size_t)(one - v)), one, len))
                return msg(en, N_("Choose each option at most once."));
            count++;
        }
        if (fd->type == FT_RANK && count != n) return msg(en, N_("Put every option in order."));
        return NULL;
    }
    default:
        return NULL;
    }
}

const char *engine_check(struct engine *en, const struct form_field *fd, int instance)
{
    if (!form_type_is_input(fd->type)) return NULL;
    if (!engine_relevant(en, fd, instance)) return NULL;
    const char *v = answers_get(en->ans, fd->name, instance);
    if (!v || !*v) {
        if (eval_bool(en, fd->required, fd, instance, false)) {
            const char *own = form_text(en->form, fd->required_message, en->lang);
            return own && *own ? own : msg(en, N_("This question needs an answer."));
        }
        return NULL;
    }
    const char *bad = check_type(en, fd, instance, v);
    if (bad) return bad;
    if (fd->constraint && !eval_bool(en, fd->constraint, fd, instance, true)) {
        const char *own = form_text(en->form, fd->constraint_message, en->lang);
        return own && *own ? own : msg(en, N_("This answer is not allowed here. Check it and try again."));
    }
    return NULL;
}

size_t engine_check_all(struct engine *en, struct engine_problem **out)
{
    size_t n = 0, cap = 8;
    struct engine_problem *res = arena_alloc(en->a, cap * sizeof *res);
    for (size_t i = 0; i < en->form->nfields; i++) {
        const struct form_field *fd = &en->form->fields[i];
        if (!form_type_is_input(fd->type)) continue;
        int first, count = instances_of(en, fd, &first);
        int last = first ? count : 0;
        for (int k = first; k <= last; k++) {
            const char *m = engine_check(en, fd, k);
            if (!m) continue;
            if (n == cap) {
                struct engine_problem *bigger = arena_alloc(en->a, cap * 2 * sizeof *bigger);
                memcpy(bigger, res, n * sizeof *res);
                res = bigger;
                cap *= 2;
            }
            res[n++] = (struct engine_problem){fd, k, m};
        }
    }
    *out = res;
    return n;
}

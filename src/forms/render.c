#include "forms/render.h"

#include "html/html.h"

#include <stdio.h>
#include <string.h>

const char *render_field_id(struct arena *a, const struct form_field *fd)
{
    return arena_printf(a, "f-%s", fd->name);
}

static const char *T_(struct engine *en, const char *msgid)
{
    return i18n_get(en->ui, msgid);
}

void render_answer(struct strbuf *b, struct engine *en, const struct form_field *fd, int instance)
{
    const char *v = answers_get(en->ans, fd->name, instance);
    if (!v || !*v) return;
    if (!fd->list) {
        html_text(b, v);
        return;
    }
    /* Choice values become their labels, in the respondent's language. */
    bool first = true;
    const char *cur = v, *p;
    size_t len;
    while (answers_next_value(&cur, &p, &len)) {
        char *one = arena_strndup(en->a, p, len);
        const struct form_choice *ch = form_choice_by_value(fd->list, one);
        if (!first) html_lit(b, ", ");
        if (!ch && fd->or_other && strcmp(one, "other") == 0) html_text(b, T_(en, N_("Other")));
        else html_text(b, ch ? form_text(en->form, ch->label, en->lang) : one);
        first = false;
    }
}

void render_text(struct strbuf *b, struct engine *en, const char *text, int instance)
{
    const char *p = text ? text : "";
    for (;;) {
        const char *ref = strstr(p, "${");
        const char *close = ref ? strchr(ref, '}') : NULL;
        if (!ref || !close) {
            html_text(b, p);
            return;
        }
        html_text(b, arena_strndup(en->a, p, (size_t)(ref - p)));
        char *name = arena_strndup(en->a, ref + 2, (size_t)(close - ref - 2));
        const struct form_field *fd = form_field_by_name(en->form, name);
        if (fd) {
            int inst = form_field_repeat(fd) ? instance : 0;
            render_answer(b, en, fd, inst);
        }
        p = close + 1;
    }
}

static const char *message_for(const struct form_field *fd, const struct render_error *errors, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (errors[i].field == fd) return errors[i].message;
    return NULL;
}

void render_error_summary(struct strbuf *b, struct engine *en, const struct render_error *errors,
                          size_t nerrors)
{
    if (!nerrors) return;
    html_lit(b, "<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\" aria-labelledby=\"error-summary-title\">"
                "<h2 id=\"error-summary-title\">");
    html_text(b, T_(en, N_("There is a problem")));
    html_lit(b, "</h2><ul>");
    for (size_t i = 0; i < nerrors; i++) {
        html_lit(b, "<li><a href=\"#");
        html_attr(b, render_field_id(en->a, errors[i].field));
        html_lit(b, "\">");
        html_text(b, errors[i].message);
        html_lit(b, "</a></li>");
    }
    html_lit(b, "</ul></div>");
}

/* The label (or legend), hint and message of a field; describedby collects their ids. */
static void field_head(struct strbuf *b, struct engine *en, const struct form_field *fd, int instance,
                       const char *id, const char *message, bool legend)
{
    const char *label = form_text(en->form, fd->label, en->lang);
    const char *hint = form_text(en->form, fd->hint, en->lang);
    if (legend) {
        html_lit(b, "<legend>");
    } else {
        html_lit(b, "<label for=\"");
        html_attr(b, id);
        html_lit(b, "\">");
    }
    render_text(b, en, label && *label ? label : fd->name, instance);
    if (!fd->required) {
        html_lit(b, " <span class=\"hint\">(");
        html_text(b, T_(en, N_("optional")));
        html_lit(b, ")</span>");
    }
    html_lit_(b, legend ? "</legend>" : "</label>", legend ? 9 : 8);
    if (hint && *hint) {
        html_lit(b, "<p class=\"hint\" id=\"");
        html_attr(b, id);
        html_lit(b, "-hint\">");
        render_text(b, en, hint, instance);
        html_lit(b, "</p>");
    }
    if (message) {
        html_lit(b, "<p class=\"field-error\" id=\"");
        html_attr(b, id);
        html_lit(b, "-error\"><span class=\"visually-hidden\">");
        html_text(b, T_(en, N_("Error:")));
        html_lit(b, "</span> ");
        html_text(b, message);
        html_lit(b, "</p>");
    }
}

static void describedby(struct strbuf *b, const struct engine *en, const struct form_field *fd,
                        const char *id, const char *message)
{
    const char *hint = form_text(en->form, fd->hint, en->lang);
    bool has_hint = hint && *hint;
    if (!has_hint && !message) return;
    html_lit(b, " aria-describedby=\"");
    if (has_hint) {
        html_attr(b, id);
        html_lit(b, "-hint");
    }
    if (message) {
        if (has_hint) html_lit(b, " ");
        html_attr(b, id);
        html_lit(b, "-error");
    }
    html_lit(b, "\"");
    if (message) html_lit(b, " aria-invalid=\"true\"");
}

static bool has_value(const char *list, const char *value)
{
    return *value && answers_has_value(list, value, strlen(value));
}

static void text_input(struct strbuf *b, struct engine *en, const struct form_field *fd, const char *id,
                       const char *value, const char *message, const char *type, const char *inputmode)
{
    if (strstr(fd->appearance, "multiline")) {
        html_lit(b, "<textarea rows=\"5\" id=\"");
        html_attr(b, id);
        html_lit(b, "\" name=\"");
        html_attr(b, id);
        html_lit(b, "\"");
        describedby(b, en, fd, id, message);
        html_lit(b, ">");
        html_text(b, value);
        html_lit(b, "</textarea>");
        return;
    }
    html_lit(b, "<input type=\"");
    html_attr(b, type);
    html_lit(b, "\" id=\"");
    html_attr(b, id);
    html_lit(b, "\" name=\"");
    html_attr(b, id);
    html_lit(b, "\" value=\"");
    html_attr(b, value);
    html_lit(b, "\"");
    if (inputmode) {
        html_lit(b, " inputmode=\"");
        html_attr(b, inputmode);
        html_lit(b, "\"");
    }
    describedby(b, en, fd, id, message);
    html_lit(b, ">");
}

static void choice_inputs(struct strbuf *b, struct engine *en, const struct form_field *fd, int instance,
                          const char *id, const char *value, bool multiple)
{
    const struct form_choice **ch;
    size_t n = engine_choices(en, fd, instance, &ch);
    for (size_t i = 0; i <= n; i++) {
        const char *cv, *label;
        if (i == n) {
            if (!form_field_adds_other(fd)) break;
            cv = "other";
            label = T_(en, N_("Other"));
        } else {
            cv = ch[i]->value;
            label = form_text(en->form, ch[i]->label, en->lang);
        }
        /* The choice's id is the field's id and its number, written out here: formatting it with
         * printf for every choice was about 7 % of the CPU of a page of radio buttons. */
        html_lit(b, "<div class=\"choice\"><input type=\"");
        html_lit_(b, multiple ? "checkbox" : "radio", multiple ? 8 : 5);
        html_lit(b, "\" id=\"");
        html_attr(b, id);
        strbuf_putc(b, '-');
        strbuf_put_uint(b, i + 1);
        html_lit(b, "\" name=\"");
        html_attr(b, id);
        html_lit(b, "\" value=\"");
        html_attr(b, cv);
        html_lit(b, "\"");
        if (has_value(value, cv)) html_lit(b, " checked");
        html_lit(b, "><label for=\"");
        html_attr(b, id);
        strbuf_putc(b, '-');
        strbuf_put_uint(b, i + 1);
        html_lit(b, "\">");
        render_text(b, en, label, instance);
        html_lit(b, "</label></div>");
    }
}

static void select_menu(struct strbuf *b, struct engine *en, const struct form_field *fd, int instance,
                        const char *id, const char *name, const char *value, const char *message)
{
    const struct form_choice **ch;
    size_t n = engine_choices(en, fd, instance, &ch);
    html_lit(b, "<select id=\"");
    html_attr(b, id);
    html_lit(b, "\" name=\"");
    html_attr(b, name);
    html_lit(b, "\"");
    describedby(b, en, fd, id, message);
    html_lit(b, "><option value=\"\"></option>");
    for (size_t i = 0; i < n; i++) {
        html_lit(b, "<option value=\"");
        html_attr(b, ch[i]->value);
        html_lit(b, "\"");
        if (value && strcmp(value, ch[i]->value) == 0) html_lit(b, " selected");
        html_lit(b, ">");
        render_text(b, en, form_text(en->form, ch[i]->label, en->lang), instance);
        html_lit(b, "</option>");
    }
    if (form_field_adds_other(fd)) { /* as choice_inputs offers it: "other" is a valid answer (engine.c) */
        html_lit(b, "<option value=\"other\"");
        if (value && strcmp(value, "other") == 0) html_lit(b, " selected");
        html_lit(b, ">");
        html_text(b, T_(en, N_("Other")));
        html_lit(b, "</option>");
    }
    html_lit(b, "</select>");
}

/* The k-th (0-based) value of a space-separated list, or "". */
static const char *nth_value(struct arena *a, const char *list, size_t k)
{
    const char *v;
    size_t len;
    for (size_t i = 0; answers_next_value(&list, &v, &len); i++)
        if (i == k) return arena_strndup(a, v, len);
    return "";
}

static void render_field(struct strbuf *b, struct engine *en, const struct form_field *fd, int instance,
                         const char *message)
{
    const char *id = render_field_id(en->a, fd);
    const char *value = answers_get(en->ans, fd->name, instance);
    if (!value) value = "";
    if (fd->type == FT_NOTE) {
        html_lit(b, "<div class=\"field note\" id=\"");
        html_attr(b, id);
        html_lit(b, "\"><p>");
        render_text(b, en, form_text(en->form, fd->label, en->lang), instance);
        html_lit(b, "</p></div>");
        return;
    }
    bool group = fd->type == FT_SELECT_MULTIPLE || fd->type == FT_RANK || fd->type == FT_GEOPOINT ||
                 (fd->type == FT_SELECT_ONE && !strstr(fd->appearance, "minimal"));
    html_lit(b, "<div class=\"field");
    if (message) html_lit(b, " invalid");
    html_lit(b, "\">");
    if (group) {
        html_lit(b, "<fieldset id=\"");
        html_attr(b, id);
        html_lit(b, "\"");
        if (fd->type == FT_GEOPOINT) { /* texts for the optional script (static/survey.js) */
            html_lit(b, " data-geopoint data-locate-label=\"");
            html_attr(b, T_(en, N_("Use my location")));
            html_lit(b, "\" data-locating-label=\"");
            html_attr(b, T_(en, N_("Finding your location…")));
            html_lit(b, "\" data-locate-failed-label=\"");
            html_attr(b, T_(en, N_("Your location is not available: type the latitude and longitude.")));
            html_lit(b, "\"");
        }
        describedby(b, en, fd, id, message);
        html_lit(b, ">");
    }
    field_head(b, en, fd, instance, id, message, group);
    switch (fd->type) {
    case FT_INTEGER: text_input(b, en, fd, id, value, message, "text", "numeric"); break;
    case FT_DECIMAL: text_input(b, en, fd, id, value, message, "text", "decimal"); break;
    case FT_RANGE: {
        html_lit(b, "<input type=\"number\" id=\"");
        html_attr(b, id);
        html_lit(b, "\" name=\"");
        html_attr(b, id);
        html_lit(b, "\" value=\"");
        html_attr(b, value);
        strbuf_printf(b, "\" min=\"%g\" max=\"%g\" step=\"%g\"", fd->range_start, fd->range_end, fd->range_step);
        describedby(b, en, fd, id, message);
        html_lit(b, ">");
        break;
    }
    case FT_DATE: text_input(b, en, fd, id, value, message, "date", NULL); break;
    case FT_TIME: text_input(b, en, fd, id, value, message, "time", NULL); break;
    case FT_DATETIME: text_input(b, en, fd, id, value, message, "datetime-local", NULL); break;
    case FT_SELECT_ONE:
        if (strstr(fd->appearance, "minimal")) select_menu(b, en, fd, instance, id, id, value, message);
        else choice_inputs(b, en, fd, instance, id, value, false);
        break;
    case FT_SELECT_MULTIPLE: choice_inputs(b, en, fd, instance, id, value, true); break;
    case FT_RANK: {
        const struct form_choice **ch;
        size_t n = engine_choices(en, fd, instance, &ch);
        for (size_t k = 0; k < n; k++) {
            const char *rid = arena_printf(en->a, "%s-%zu", id, k + 1);
            html_lit(b, "<div class=\"choice\"><label for=\"");
            html_attr(b, rid);
            html_lit(b, "\">");
            strbuf_printf(b, "%zu.", k + 1);
            html_lit(b, "</label>");
            select_menu(b, en, fd, instance, rid, id, nth_value(en->a, value, k), NULL);
            html_lit(b, "</div>");
        }
        break;
    }
    case FT_ACKNOWLEDGE:
        html_lit(b, "<div class=\"choice\"><input type=\"checkbox\" id=\"");
        html_attr(b, id);
        html_lit(b, "-ok\" name=\"");
        html_attr(b, id);
        html_lit(b, "\" value=\"OK\"");
        if (strcmp(value, "OK") == 0) html_lit(b, " checked");
        html_lit(b, "><label for=\"");
        html_attr(b, id);
        html_lit(b, "-ok\">");
        html_text(b, T_(en, N_("I acknowledge")));
        html_lit(b, "</label></div>");
        break;
    case FT_GEOPOINT: {
        double lat = 0, lon = 0;
        bool have = sscanf(value, "%lf %lf", &lat, &lon) == 2;
        const char *parts[2][2] = {{"lat", N_("Latitude")}, {"lon", N_("Longitude")}};
        for (int k = 0; k < 2; k++) {
            const char *pid = arena_printf(en->a, "%s-%s", id, parts[k][0]);
            html_lit(b, "<label for=\"");
            html_attr(b, pid);
            html_lit(b, "\">");
            html_text(b, T_(en, parts[k][1]));
            html_lit(b, "</label><input type=\"text\" inputmode=\"decimal\" id=\"");
            html_attr(b, pid);
            html_lit(b, "\" name=\"");
            html_attr(b, pid);
            html_lit(b, "\" value=\"");
            if (have) strbuf_printf(b, "%.6f", k == 0 ? lat : lon);
            else if (*value) html_attr(b, nth_value(en->a, value, (size_t)k));
            html_lit(b, "\">");
        }
        break;
    }
    case FT_IMAGE:
    case FT_FILE:
        if (*value) {
            html_lit(b, "<p class=\"hint\">");
            html_text(b, T_(en, N_("File received:")));
            html_lit(b, " ");
            html_text(b, value);
            html_lit(b, "</p>");
        }
        html_lit(b, "<input type=\"file\" id=\"");
        html_attr(b, id);
        html_lit(b, "\" name=\"");
        html_attr(b, id);
        html_lit(b, "\"");
        /* "capture" opens the camera on phones; a desktop browser shows the file chooser. */
        if (fd->type == FT_IMAGE) html_lit(b, " accept=\"image/*\"");
        describedby(b, en, fd, id, message);
        html_lit(b, ">");
        break;
    default: text_input(b, en, fd, id, value, message, "text", NULL); break;
    }
    if (group) html_lit(b, "</fieldset>");
    html_lit(b, "</div>");
}

void render_page_fields(struct strbuf *b, struct engine *en, const struct form_page *pg, int instance,
                        const struct render_error *errors, size_t nerrors)
{
    if (pg->group) {
        const char *label = form_text(en->form, pg->group->label, en->lang);
        if (label && *label) {
            html_lit(b, "<h2>");
            render_text(b, en, label, instance);
            html_lit(b, "</h2>");
        }
    }
    if (pg->repeat) {
        const char *label = form_text(en->form, pg->repeat->label, en->lang);
        html_lit(b, "<p class=\"tag\">");
        render_text(b, en, label && *label ? label : pg->repeat->name, instance);
        strbuf_printf(b, " %d", instance);
        html_lit(b, "</p>");
    }
    for (size_t i = 0; i < pg->n; i++) {
        const struct form_field *fd = pg->fields[i];
        if (!engine_relevant(en, fd, instance)) continue;
        render_field(b, en, fd, instance, message_for(fd, errors, nerrors));
    }
}

void render_read_post(struct engine *en, const struct form_page *pg, int instance, render_get_fn get,
                      void *ctx)
{
    for (size_t i = 0; i < pg->n; i++) {
        const struct form_field *fd = pg->fields[i];
        if (!form_type_is_input(fd->type) || fd->type == FT_IMAGE || fd->type == FT_FILE) continue;
        if (!engine_relevant(en, fd, instance)) continue;
        if (fd->read_only) { /* a read-only answer comes from the form, never from the post */
            struct expr_value v;
            struct err e;
            err_clear(&e);
            if (engine_eval(en, fd->read_only, fd, instance, &v, &e) == 0 && expr_to_bool(&v)) continue;
        }
        const char *id = render_field_id(en->a, fd);
        if (fd->type == FT_GEOPOINT) {
            const char *lat = get(ctx, arena_printf(en->a, "%s-lat", id), 0);
            const char *lon = get(ctx, arena_printf(en->a, "%s-lon", id), 0);
            char *l1 = arena_strdup(en->a, lat ? lat : ""), *l2 = arena_strdup(en->a, lon ? lon : "");
            str_trim(l1);
            str_trim(l2);
            answers_set(en->ans, fd->name, instance, *l1 || *l2 ? arena_printf(en->a, "%s %s", l1, l2) : "");
            continue;
        }
        if (fd->type == FT_SELECT_MULTIPLE || fd->type == FT_RANK) {
            struct strbuf sb;
            strbuf_init(&sb, en->a, 64);
            for (size_t k = 0;; k++) {
                const char *v = get(ctx, id, k);
                if (!v) break;
                if (!*v) continue;
                if (sb.len) strbuf_putc(&sb, ' ');
                strbuf_puts(&sb, v);
            }
            answers_set(en->ans, fd->name, instance, sb.data);
            continue;
        }
        const char *v = get(ctx, id, 0);
        char *t = arena_strdup(en->a, v ? v : "");
        if (fd->type != FT_TEXT) str_trim(t);
        /* Most respondents write decimals with a comma ("2,5"): store the point the form reads. */
        if ((fd->type == FT_DECIMAL || fd->type == FT_RANGE) && !strchr(t, '.')) {
            char *comma = strchr(t, ',');
            if (comma && !strchr(comma + 1, ',')) *comma = '.';
        }
        answers_set(en->ans, fd->name, instance, t);
    }
}

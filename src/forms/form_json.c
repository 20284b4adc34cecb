#include "forms/form_json.h"

#include <jansson.h>
#include <stdlib.h>

static json_t *texts(const struct form *f, const char **t)
{
    json_t *o = json_object();
    for (size_t i = 0; t && i < f->nlang; i++)
        if (t[i] && *t[i]) json_object_set_new(o, f->languages[i].code, json_string(t[i]));
    return o;
}

static void put_str(json_t *o, const char *key, const char *v)
{
    if (v && *v) json_object_set_new(o, key, json_string(v));
}

static json_t *field_json(const struct form *f, const struct form_field *fd)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(fd->name));
    json_object_set_new(o, "type", json_string(form_type_name(fd->type)));
    json_object_set_new(o, "path", json_string(fd->path));
    if (fd->label) json_object_set_new(o, "label", texts(f, fd->label));
    if (fd->hint) {
        json_t *h = texts(f, fd->hint);
        if (json_object_size(h)) json_object_set_new(o, "hint", h);
        else json_decref(h);
    }
    put_str(o, "required", fd->required_src);
    put_str(o, "relevant", fd->relevant_src);
    put_str(o, "constraint", fd->constraint_src);
    put_str(o, "calculation", fd->calculation_src);
    put_str(o, "read_only", fd->read_only_src);
    put_str(o, "choice_filter", fd->choice_filter_src);
    put_str(o, "repeat_count", fd->repeat_count_src);
    put_str(o, "default", fd->default_value);
    put_str(o, "appearance", fd->appearance);
    put_str(o, "parameters", fd->parameters);
    if (fd->list) json_object_set_new(o, "list", json_string(fd->list->name));
    if (fd->or_other) json_object_set_new(o, "or_other", json_true());
    /* the question or_other added: a client shows it like any text question, and may tie it to
     * its select */
    if (fd->other_of) json_object_set_new(o, "other_of", json_string(fd->other_of->name));
    if (fd->personal) json_object_set_new(o, "personal", json_true());
    if (fd->nchildren) {
        json_t *kids = json_array();
        for (size_t i = 0; i < fd->nchildren; i++) json_array_append_new(kids, field_json(f, fd->children[i]));
        json_object_set_new(o, "children", kids);
    }
    return o;
}

void form_to_json(const struct form *f, struct strbuf *out)
{
    json_t *root = json_object();
    json_object_set_new(root, "form_id", json_string(f->form_id));
    json_object_set_new(root, "version", json_string(f->version ? f->version : ""));
    json_object_set_new(root, "title", texts(f, f->title));
    json_object_set_new(root, "default_language", json_string(f->languages[f->default_lang].code));
    json_t *langs = json_array();
    for (size_t i = 0; i < f->nlang; i++) {
        json_t *l = json_object();
        json_object_set_new(l, "code", json_string(f->languages[i].code));
        json_object_set_new(l, "name", json_string(f->languages[i].name));
        if (f->languages[i].rtl) json_object_set_new(l, "rtl", json_true());
        json_array_append_new(langs, l);
    }
    json_object_set_new(root, "languages", langs);
    json_t *fields = json_array();
    for (size_t i = 0; i < f->ntop; i++) json_array_append_new(fields, field_json(f, f->top[i]));
    json_object_set_new(root, "fields", fields);
    json_t *lists = json_object();
    for (size_t i = 0; i < f->nlists; i++) {
        const struct form_choice_list *l = &f->lists[i];
        json_t *arr = json_array();
        for (size_t k = 0; k < l->count; k++) {
            json_t *c = json_object();
            json_object_set_new(c, "value", json_string(l->choices[k].value));
            json_object_set_new(c, "label", texts(f, l->choices[k].label));
            for (size_t x = 0; x < l->choices[k].nextra; x++)
                json_object_set_new(c, l->choices[k].extra[x].name, json_string(l->choices[k].extra[x].value));
            json_array_append_new(arr, c);
        }
        json_object_set_new(lists, l->name, arr);
    }
    json_object_set_new(root, "choices", lists);
    char *text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (text) {
        strbuf_puts(out, text);
        free(text);
    }
    json_decref(root);
}

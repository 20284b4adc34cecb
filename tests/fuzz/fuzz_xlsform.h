/* Shared by fuzz_xlsform_md.c and fuzz_xlsform_csv.c: build a form from the input and check the
 * promises of forms/xlsform.h and forms/form.h on whatever comes out. abort() marks a broken one. */
#ifndef EDUBRIDGE_FUZZ_XLSFORM_H
#define EDUBRIDGE_FUZZ_XLSFORM_H

#include "base/arena.h"
#include "base/err.h"
#include "base/str.h"
#include "forms/form.h"
#include "forms/xlsform.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void fuzz_check_form(const struct form *f)
{
    if (!f->form_id || !f->form_id[0] || !f->nlang || f->default_lang >= f->nlang) abort();
    size_t ntop = 0;
    for (size_t i = 0; i < f->nfields; i++) {
        const struct form_field *fd = &f->fields[i];
        if (fd->index != i || !fd->name[0] || form_field_by_name(f, fd->name) != fd) abort();
        if (!fd->path || !str_ends_with(fd->path, fd->name)) abort();
        for (size_t l = 0; l < f->nlang; l++)
            if (!fd->label[l] || !fd->hint[l] || !fd->required_message[l] || !fd->constraint_message[l])
                abort();
        if (fd->parent) {
            size_t k = 0;
            while (k < fd->parent->nchildren && fd->parent->children[k] != fd) k++;
            if (k == fd->parent->nchildren || fd->parent->index >= i) abort();
            if (fd->parent->type != FT_GROUP && fd->parent->type != FT_REPEAT) abort();
        } else {
            if (ntop >= f->ntop || f->top[ntop++] != fd) abort();
        }
        if ((fd->type == FT_SELECT_ONE || fd->type == FT_SELECT_MULTIPLE || fd->type == FT_RANK) &&
            (!fd->list || !fd->list->count))
            abort();
        if (fd->type == FT_CALCULATE && !fd->calculation) abort();
        if (fd->relevant_src[0] && !fd->relevant) abort();
    }
    if (ntop != f->ntop) abort();
    for (size_t i = 0; i < f->nlists; i++)
        for (size_t c = 0; c < f->lists[i].count; c++)
            if (form_choice_by_value(&f->lists[i], f->lists[i].choices[c].value) != &f->lists[i].choices[c])
                abort();
}

static void fuzz_xlsform(const char *format, const uint8_t *data, size_t size)
{
    struct arena a;
    arena_init(&a, 0);
    struct form *f = (struct form *)1;
    struct form_problems ps = {0};
    int rc = xlsform_read_memory(&a, format, data, size, "fuzz", &f, &ps);
    size_t errors = 0;
    for (size_t i = 0; i < ps.count; i++) {
        const struct form_problem *p = &ps.items[i];
        if (!p->message || !p->message[0] || p->row < 0) abort();
        if (!str_utf8_valid(p->message, strlen(p->message))) abort();
        if (i && p->sheet && ps.items[i - 1].sheet && !strcmp(p->sheet, ps.items[i - 1].sheet) &&
            p->row < ps.items[i - 1].row)
            abort();
        errors += !p->warning;
    }
    if (ps.count > XLSFORM_MAX_PROBLEMS || errors + ps.omitted < ps.errors || errors > ps.errors) abort();
    if (rc == 0) {
        if (!f || ps.errors) abort();
        fuzz_check_form(f);
    } else if (rc > 0 || f || !ps.errors) {
        abort();
    }
    struct strbuf sb;
    strbuf_init(&sb, &a, 256);
    xlsform_problems_format(&ps, &sb);
    arena_free(&a);
}

#endif

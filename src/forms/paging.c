#include "forms/paging.h"

#include <string.h>

static bool shown(const struct form_field *fd)
{
    return fd->type == FT_NOTE || form_type_is_input(fd->type);
}

struct builder {
    struct arena *a;
    struct form_page *pages;
    size_t n, cap;
};

static struct form_page *new_page(struct builder *b, const struct form_field *group,
                                  const struct form_field *repeat, size_t max_fields)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 16;
        struct form_page *np = arena_alloc(b->a, b->cap * sizeof *np);
        if (b->n) memcpy(np, b->pages, b->n * sizeof *np);
        b->pages = np;
    }
    struct form_page *pg = &b->pages[b->n++];
    pg->group = group;
    pg->repeat = repeat;
    pg->fields = arena_alloc(b->a, (max_fields ? max_fields : 1) * sizeof *pg->fields);
    pg->n = 0;
    return pg;
}

/* Every shown field inside a field-list group, nested groups flattened, in order. */
static void flatten(const struct form_field *g, const struct form_field **out, size_t *n)
{
    for (size_t i = 0; i < g->nchildren; i++) {
        const struct form_field *c = g->children[i];
        if (c->type == FT_GROUP) flatten(c, out, n);
        else if (shown(c)) out[(*n)++] = c;
    }
}

static size_t count_shown(const struct form_field *g)
{
    size_t n = 0;
    for (size_t i = 0; i < g->nchildren; i++) {
        const struct form_field *c = g->children[i];
        n += c->type == FT_GROUP ? count_shown(c) : shown(c);
    }
    return n;
}

struct dep_check {
    const struct form_page *page;
    bool hit;
};

static void on_ref(void *ctx, const char *name, int pos)
{
    (void)pos;
    struct dep_check *d = ctx;
    for (size_t i = 0; i < d->page->n; i++)
        if (strcmp(d->page->fields[i]->name, name) == 0) d->hit = true;
}

/* Does what decides whether fd shows (its relevance, its groups' up to the page's group, its
 * choice filter) read an answer given on the same page? */
static bool depends_on_page(const struct form_field *fd, const struct form_page *pg)
{
    struct dep_check d = {pg, false};
    for (const struct form_field *f = fd; f && f != pg->group; f = f->parent) {
        if (f->relevant) expr_foreach_ref(f->relevant, on_ref, &d);
    }
    if (fd->choice_filter) expr_foreach_ref(fd->choice_filter, on_ref, &d);
    return d.hit;
}

static void walk(struct builder *b, struct form_field *const *list, size_t n, const struct form_field *repeat)
{
    for (size_t i = 0; i < n; i++) {
        const struct form_field *fd = list[i];
        if (fd->type == FT_GROUP && strstr(fd->appearance, "field-list")) {
            size_t total = count_shown(fd);
            if (!total) continue;
            const struct form_field **all = arena_alloc(b->a, total * sizeof *all);
            size_t m = 0;
            flatten(fd, all, &m);
            struct form_page *pg = new_page(b, fd, repeat, total);
            for (size_t k = 0; k < m; k++) {
                if (pg->n && depends_on_page(all[k], pg)) pg = new_page(b, fd, repeat, total - k);
                pg->fields[pg->n++] = all[k];
            }
        } else if (fd->type == FT_GROUP) {
            walk(b, fd->children, fd->nchildren, repeat);
        } else if (fd->type == FT_REPEAT) {
            walk(b, fd->children, fd->nchildren, fd);
        } else if (shown(fd)) {
            struct form_page *pg = new_page(b, NULL, repeat, 1);
            pg->fields[pg->n++] = fd;
        }
    }
}

int form_pages_build(struct arena *a, const struct form *f, struct form_pages *out)
{
    struct builder b = {a, NULL, 0, 0};
    walk(&b, f->top, f->ntop, NULL);
    out->pages = b.pages;
    out->n = b.n;
    return 0;
}

bool form_page_applies(struct engine *en, const struct form_page *pg, int instance)
{
    for (size_t i = 0; i < pg->n; i++)
        if (engine_relevant(en, pg->fields[i], instance)) return true;
    return false;
}

/* --- walking positions ---------------------------------------------------------------------- */

static bool block_end(const struct form_pages *p, int page)
{
    return p->pages[page].repeat && ((size_t)page + 1 == p->n || p->pages[page + 1].repeat != p->pages[page].repeat);
}

static int block_first(const struct form_pages *p, int page)
{
    while (page > 0 && p->pages[page - 1].repeat == p->pages[page].repeat) page--;
    return page;
}

static int block_after(const struct form_pages *p, int page)
{
    while ((size_t)page < p->n && p->pages[page].repeat == p->pages[block_first(p, page)].repeat &&
           p->pages[page].repeat)
        page++;
    return page;
}

/* How many instances a repeat has right now: its repeat_count, else what the respondent added. */
static int instances(struct engine *en, const struct form_field *repeat)
{
    int c = engine_repeat_count(en, repeat);
    return c >= 0 ? c : answers_repeat_count(en->ans, repeat->name);
}

/* Enters page (a raw index, possibly the start of a repeat block) and moves on until a position
 * that applies. */
static struct form_pos settle(struct engine *en, const struct form_pages *p, struct form_pos pos)
{
    for (int guard = 0; guard < 100000; guard++) {
        if ((size_t)pos.page >= p->n) return (struct form_pos){(int)p->n, 0, false};
        const struct form_page *pg = &p->pages[pos.page];
        if (pos.ask_more) return pos;
        if (pg->repeat && pos.instance == 0) {
            /* Entering a repeat block: skipped when it does not apply or has no instance to show;
             * a repeat the respondent fills as they go starts with one instance. */
            int count = instances(en, pg->repeat);
            if (!engine_relevant(en, pg->repeat, 0) || (pg->repeat->repeat_count && count == 0)) {
                pos.page = block_after(p, pos.page);
                continue;
            }
            if (count == 0) answers_set_repeat_count(en->ans, pg->repeat->name, 1);
            pos.instance = 1;
        }
        if (form_page_applies(en, pg, pos.instance)) return pos;
        return form_pages_next(en, p, pos, false); /* returns a position that applies */
    }
    return (struct form_pos){(int)p->n, 0, false};
}

struct form_pos form_pages_first(struct engine *en, const struct form_pages *p)
{
    return settle(en, p, (struct form_pos){0, 0, false});
}

/* One raw step forward, without skipping pages that do not apply. */
static struct form_pos step(struct engine *en, const struct form_pages *p, struct form_pos pos, bool add_more)
{
    if ((size_t)pos.page >= p->n) return pos;
    const struct form_page *pg = &p->pages[pos.page];
    if (pos.ask_more) {
        if (add_more) {
            answers_set_repeat_count(en->ans, pg->repeat->name, pos.instance + 1);
            return (struct form_pos){block_first(p, pos.page), pos.instance + 1, false};
        }
        answers_trim_repeat(en->ans, en->form, pg->repeat, pos.instance);
        return (struct form_pos){block_after(p, pos.page), 0, false};
    }
    if (pg->repeat && block_end(p, pos.page)) {
        if (!pg->repeat->repeat_count) return (struct form_pos){pos.page, pos.instance, true};
        if (pos.instance < instances(en, pg->repeat))
            return (struct form_pos){block_first(p, pos.page), pos.instance + 1, false};
        return (struct form_pos){pos.page + 1, 0, false};
    }
    return (struct form_pos){pos.page + 1, pg->repeat ? pos.instance : 0, false};
}

struct form_pos form_pages_next(struct engine *en, const struct form_pages *p, struct form_pos pos,
                                bool add_more)
{
    for (int guard = 0; guard < 100000; guard++) {
        pos = step(en, p, pos, add_more);
        add_more = false;
        if ((size_t)pos.page >= p->n || pos.ask_more) return pos;
        const struct form_page *pg = &p->pages[pos.page];
        if (pg->repeat && pos.instance == 0) return settle(en, p, pos);
        if (form_page_applies(en, pg, pos.instance)) return pos;
    }
    return (struct form_pos){(int)p->n, 0, false};
}

static bool same(struct form_pos a, struct form_pos b)
{
    return a.page == b.page && a.instance == b.instance && a.ask_more == b.ask_more;
}

/* Walking forward must not change the answers (settle adds a first instance, ask_more trims):
 * walks work on a copy of the repeat counts and restore them. */
struct saved_counts {
    struct answer *items;
    size_t n;
};

static struct saved_counts save_counts(struct engine *en)
{
    struct saved_counts s = {arena_memdup(en->a, en->ans->repeat_counts, en->ans->nrepeats * sizeof(struct answer)),
                             en->ans->nrepeats};
    return s;
}

static void restore_counts(struct engine *en, struct saved_counts s)
{
    if (s.n) memcpy(en->ans->repeat_counts, s.items, s.n * sizeof(struct answer));
    en->ans->nrepeats = s.n;
}

/* Forward walk without trimming: an ask_more position is answered "no more" by jumping past the
 * block, leaving the answers alone. */
static struct form_pos walk_next(struct engine *en, const struct form_pages *p, struct form_pos pos)
{
    if (pos.ask_more) {
        const struct form_page *pg = &p->pages[pos.page];
        int have = answers_repeat_count(en->ans, pg->repeat->name);
        if (pos.instance < have) return settle(en, p, (struct form_pos){block_first(p, pos.page), pos.instance + 1, false});
        return settle(en, p, (struct form_pos){block_after(p, pos.page), 0, false});
    }
    return form_pages_next(en, p, pos, false);
}

struct form_pos form_pages_prev(struct engine *en, const struct form_pages *p, struct form_pos pos,
                                bool *found)
{
    struct saved_counts saved = save_counts(en);
    struct form_pos cur = form_pages_first(en, p), prev = cur;
    *found = false;
    for (int guard = 0; guard < 100000 && (size_t)cur.page < p->n; guard++) {
        if (same(cur, pos)) {
            *found = guard > 0;
            break;
        }
        prev = cur;
        cur = walk_next(en, p, cur);
    }
    if ((size_t)cur.page >= p->n && (size_t)pos.page >= p->n) *found = true;
    restore_counts(en, saved);
    return prev;
}

void form_pages_progress(struct engine *en, const struct form_pages *p, struct form_pos pos,
                         int *index, int *total)
{
    struct saved_counts saved = save_counts(en);
    struct form_pos cur = form_pages_first(en, p);
    int n = 0;
    *index = 0;
    for (int guard = 0; guard < 100000 && (size_t)cur.page < p->n; guard++) {
        n++;
        if (same(cur, pos)) *index = n;
        cur = walk_next(en, p, cur);
    }
    *total = n;
    if (!*index) *index = (size_t)pos.page >= p->n ? n : 1;
    restore_counts(en, saved);
}

struct form_pos form_pages_find(const struct form_pages *p, const struct form_field *fd, int instance)
{
    for (size_t i = 0; i < p->n; i++)
        for (size_t k = 0; k < p->pages[i].n; k++)
            if (p->pages[i].fields[k] == fd) return (struct form_pos){(int)i, instance, false};
    return (struct form_pos){0, 0, false};
}

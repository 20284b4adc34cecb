/* paging: how a form is cut into pages for respondents without JavaScript.
 *
 * A group with the field-list appearance is one page; anything else is one question per page.
 * Relevance is decided on the server, so a question whose relevance (or choice filter) depends on
 * an answer on the same page cannot be shown or hidden until that answer is sent: such a question
 * starts a new page after it. Fields inside a repeat form a block of pages shown once per
 * instance. Pages are computed once per form version (they depend on the form, not the answers).
 *
 * A respondent's place is a position: a page and a repeat instance (0 outside repeats), or the
 * "add another?" question at the end of a repeat block that has no repeat_count. */
#ifndef EDUBRIDGE_PAGING_H
#define EDUBRIDGE_PAGING_H

#include "forms/engine.h"

struct form_page {
    const struct form_field *group;      /* the field-list group shown as the page's fieldset, or NULL */
    const struct form_field **fields;    /* notes and inputs, in order */
    size_t n;
    const struct form_field *repeat;     /* the repeat these fields belong to, or NULL */
};

struct form_pages {
    struct form_page *pages;
    size_t n;
};

struct form_pos {
    int page;      /* index in pages; pages.n means "after the last page" (review) */
    int instance;  /* repeat instance, 0 outside repeats */
    bool ask_more; /* the "add another?" question after instance of the block ending at page */
};

int form_pages_build(struct arena *a, const struct form *f, struct form_pages *out);

/* The first position to show; skips pages where nothing applies. */
struct form_pos form_pages_first(struct engine *en, const struct form_pages *p);
/* The next position after pos; add_more answers an ask_more position ("yes" adds an instance). */
struct form_pos form_pages_next(struct engine *en, const struct form_pages *p, struct form_pos pos,
                                bool add_more);
/* The position before pos, walking forward from the start (so it follows the same rules). */
struct form_pos form_pages_prev(struct engine *en, const struct form_pages *p, struct form_pos pos,
                                bool *found);
/* How many positions a respondent goes through with the current answers, and where pos is among
 * them (1-based); for the progress bar. */
void form_pages_progress(struct engine *en, const struct form_pages *p, struct form_pos pos,
                         int *index, int *total);
/* True when anything on the page applies at that instance. */
bool form_page_applies(struct engine *en, const struct form_page *pg, int instance);
/* The position showing field fd at instance (for "Change" links and error links). */
struct form_pos form_pages_find(const struct form_pages *p, const struct form_field *fd, int instance);

#endif

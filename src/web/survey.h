/* survey: the public pages where respondents answer a form, at /s/{form_id}.
 *
 * The flow works with no JavaScript at all: every page is a plain form posted to the server,
 * which keeps the draft, evaluates relevance and checks answers, and answers with a redirect to
 * the next page (post/redirect/get, so reloading never posts twice). The draft's token in the
 * address is the respondent's key; the resume code brings them back from anywhere. */
#ifndef EDUBRIDGE_SURVEY_H
#define EDUBRIDGE_SURVEY_H

#include "http/router.h"

void survey_routes(struct router *r);

struct form;
struct form_pages;

/* The latest version of a form, parsed once per worker and cached. Returns 0, ERR_NOT_FOUND, or
 * another negative code (the database, a stored file that no longer reads). */
struct survey_form {
    const char *version_id;
    const char *version;
    const struct form *form;
    const struct form_pages *pages;
    void *slot;          /* the cache entry, for pinning */
};
int survey_latest(struct http_request *req, const char *form_id, struct survey_form *out);
/* The same for a given version (the one an answer set answered); ERR_INTERNAL when it cannot be
 * built. version_id must be an existing version's id. */
int survey_version(struct http_request *req, const char *version_id, struct survey_form *out);
/* Keeps a cached form (and its version_id) alive past the request, until unpinned, on the same
 * worker. */
void survey_form_pin(struct survey_form *sf);
void survey_form_unpin(void *slot);

/* The answers as the review page lists them: every question that applies, labelled in the
 * engine's form language, with its answer; and a "Change" link to its page when base (a draft's
 * address, "/s/FORM/r/TOKEN") is given. For the coordinators' pages too (base NULL). */
struct engine;
struct strbuf;
void survey_render_answers(struct strbuf *b, struct engine *en, const struct form_pages *pages,
                           const char *base);

/* Per-worker cache of parsed forms (web.c owns one per worker). */
struct survey_cache;
struct survey_cache *survey_cache_new(void);
void survey_cache_free(struct survey_cache *c);

#endif

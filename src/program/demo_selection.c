#include "program/demo_selection.h"

#include "base/timeutil.h"
#include "program/demo.h"
#include "program/programme.h"
#include "program/selection_run.h"

#include <string.h>

static int demo_run_present(struct store *st, struct err *e, bool *present)
{
    struct store_stmt *s = store_prepare(st, "SELECT 1 FROM selection_runs WHERE programme_id = ? AND is_demo = 1", e);
    if (!s) return -1;
    store_bind_text(s, 1, demo_programme_id);
    int rc = store_step(s, e);
    store_done(s);
    *present = rc == 1;
    return rc < 0 ? -1 : 0;
}

static int answer(struct store *st, struct arena *a, const char *token, bool accept, const char *reason,
                  struct selrun_outcome *out, struct err *e)
{
    return selrun_respond(st, a, token, accept, reason, time_now_ms(), NULL, NULL, out, e);
}

int demo_selection_load(struct store *st, struct arena *a, bool *loaded, struct err *e)
{
    *loaded = false;
    struct programme *p;
    if (programme_find(st, a, "bridging-2026", &p, e) < 0) {
        if (e->code != ERR_NOT_FOUND) return -1;
        err_clear(e); /* renamed by someone: the demo leaves it alone */
        return 0;
    }
    bool present;
    if (strcmp(p->id, demo_programme_id) != 0 || demo_run_present(st, e, &present) < 0 || present)
        return e->code ? -1 : 0;
    struct selrun_rules rules;
    selrun_rules_default(p, &rules);
    rules.size = 10;
    rules.max_per_country = 2;
    rules.min_informal = 2;
    rules.min_rural_percent = 30;
    struct selection_run *r;
    if (selrun_draft(st, a, p, NULL, &rules, true, NULL, &r, e) < 0) return -1;
    if (!r->feasible || r->result.nchosen != 10)
        return err_set(e, ERR_INTERNAL, "the demo selection cannot be made: %s",
                       r->result.nproblems ? r->result.problems[0] : "fewer than 10 eligible institutions");
    if (selrun_confirm(st, a, r, NULL, e) < 0 || selrun_load(st, a, p->id, r->id, &r, e) < 0) return -1;
    struct selrun_link *links;
    size_t n;
    if (selrun_invite(st, a, r, NULL, NULL, &links, &n, e) < 0) return -1;
    /* Links come in place order: the third declines, the last has not answered yet. */
    for (size_t i = 0; i + 1 < n; i++) {
        struct selrun_outcome out;
        if (i != 2) {
            if (answer(st, a, links[i].token, true, NULL, &out, e) < 0) return -1;
            continue;
        }
        if (answer(st, a, links[i].token, false,
                   "Our school moves to a new building this year and cannot look after the tablets properly.", &out,
                   e) < 0)
            return -1;
        if (!out.promoted)
            return err_set(e, ERR_INTERNAL, "the demo decline found no replacement: %s", out.unfilled ? out.unfilled : "");
        char token[TOKEN_TEXT_SIZE];
        memcpy(token, out.link.token, sizeof token); /* out is written again by the answer */
        if (answer(st, a, token, true, NULL, &out, e) < 0) return -1;
    }
    *loaded = true;
    return 0;
}

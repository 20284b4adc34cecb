/* Tests for program/selection_run: a run stored with its frozen inputs, rules and result (and
 * refused rules storing nothing), rules that cannot be met stored as a draft that cannot be
 * confirmed, confirmation freezing the run and marking the register, verification reproducing the
 * result (and noticing a stored result that was tampered with), invitations with single-use links
 * through the outbox, a decline promoting the best replacement that keeps every rule (checked with
 * sel_satisfies), a decline that nobody can replace reported on the place, expired and withdrawn
 * links, the exports' rows, and the stored English sentences said again in another language. Candidates are built here; the need index is not involved. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/timeutil.h"
#include "program/demo.h"
#include "program/demo_selection.h"
#include "program/programme.h"
#include "program/selection_export.h"
#include "program/selection_run.h"
#include "testdb.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct fixture {
    struct testdb t;
    struct programme p;
};

/* The register: id suffix, name, country, informal, rural, consent, score, email. */
static const struct {
    const char *name, *country;
    bool informal, rural, consent;
    double score;
    const char *email;
} people[] = {
    {"Ash School", "FR", false, false, true, 95, "ash@example.org"},
    {"Birch School", "FR", false, false, true, 90, "birch@example.org"},
    {"Cedar School", "FR", false, true, true, 85, NULL},
    {"Dune Club", "DE", true, false, true, 80, "dune@example.org"},
    {"Elm School", "DE", false, false, true, 75, "elm@example.org"},
    {"Fir School", "DE", false, true, true, 68, "fir@example.org"},
    {"Gorse Club", "PL", true, true, true, 65, "gorse@example.org"},
    {"Hazel School", "PL", false, false, false, 99, "hazel@example.org"},
    {"Ivy School", "PL", false, false, true, NAN, "ivy@example.org"},
    {"Juniper School", "ES", false, false, true, 60, "juniper@example.org"},
    {"Kale Centre", "ES", true, false, true, 55, "kale@example.org"},
    {"Larch School", "ES", false, true, true, 50, "larch@example.org"},
};
enum { N = COUNT(people) };

static const struct audit_actor coordinator = {"u-1", "coordinator@example.org"};
static const struct audit_actor nobody = {NULL, "anonymous"};

static const char *inst_id(size_t i)
{
    static char ids[N][40];
    snprintf(ids[i], sizeof ids[i], "01938a40-0000-7000-8000-0000000000%02zu", i);
    return ids[i];
}

static void exec(struct testdb *t, const char *sql)
{
    if (store_exec(t->st, sql, &t->e) < 0) fail_msg("%s: %s", sql, t->e.msg);
}

static int64_t query_int(struct testdb *t, const char *sql, const char *arg)
{
    struct store_stmt *s = store_prepare(t->st, sql, &t->e);
    if (!s) fail_msg("prepare: %s", t->e.msg);
    if (arg) store_bind_text(s, 1, arg);
    int64_t v = store_step(s, &t->e) == 1 ? store_col_int(s, 0) : -1;
    store_done(s);
    return v;
}

static const char *query_text(struct testdb *t, const char *sql, const char *arg)
{
    struct store_stmt *s = store_prepare(t->st, sql, &t->e);
    if (!s) fail_msg("prepare: %s", t->e.msg);
    if (arg) store_bind_text(s, 1, arg);
    const char *v = store_step(s, &t->e) == 1 ? arena_strdup(&t->a, store_col_text(s, 0)) : NULL;
    store_done(s);
    return v;
}

static int setup(void **state)
{
    static struct fixture f;
    memset(&f, 0, sizeof f);
    testdb_open(&f.t, "selection-run");
    for (size_t i = 0; i < N; i++) {
        struct store_stmt *s = store_prepare(f.t.st,
            "INSERT INTO institutions (id, name, name_key, country, formal, area, contact_email, status, source,"
            " created_at, updated_at) VALUES (?,?,?,?,?,?,?,'registered','import','2026-01-01T00:00:00Z',"
            "'2026-01-01T00:00:00Z')", &f.t.e);
        if (!s) fail_msg("%s", f.t.e.msg);
        store_bind_text(s, 1, inst_id(i));
        store_bind_text(s, 2, people[i].name);
        store_bind_text(s, 3, people[i].name);
        store_bind_text(s, 4, people[i].country);
        store_bind_int(s, 5, people[i].informal ? 0 : 1);
        store_bind_text(s, 6, people[i].rural ? "rural" : "urban");
        store_bind_text(s, 7, people[i].email);
        if (store_run(s, &f.t.e) < 0) fail_msg("%s", f.t.e.msg);
        store_done(s);
    }
    f.p = (struct programme){.slug = "pilot-2026", .name = "Pilot 2026", .summary = "", .pilot_size = 4,
                             .devices_per_institution = 10, .max_per_country = 2, .min_informal = 1,
                             .min_rural_percent = 25};
    if (programme_create(f.t.st, &f.t.a, &f.p, NULL, &f.t.e) < 0) fail_msg("%s", f.t.e.msg);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    testdb_close(&f->t);
    return 0;
}

static struct selrun_input *inputs(struct arena *a)
{
    struct selrun_input *in = arena_calloc(a, N, sizeof *in);
    for (size_t i = 0; i < N; i++)
        in[i] = (struct selrun_input){.institution_id = inst_id(i), .name = people[i].name,
                                      .country = people[i].country, .kind = people[i].informal ? "stem_club" : "school",
                                      .informal = people[i].informal, .rural = people[i].rural,
                                      .consent = people[i].consent, .score = people[i].score};
    return in;
}

static struct selection_run *make_run(struct fixture *f, const struct selrun_rules *r)
{
    struct selection_run *run;
    if (selrun_create(f->t.st, &f->t.a, &f->p, NULL, r, "{\"model\":1}", inputs(&f->t.a), N, false, &coordinator,
                      &run, &f->t.e) < 0)
        fail_msg("selrun_create: %s", f->t.e.msg);
    return run;
}

static size_t cand_named(const struct selection_run *r, const char *name)
{
    for (size_t i = 0; i < r->ninputs; i++)
        if (strcmp(r->inputs[i].name, name) == 0) return i;
    fail_msg("no candidate %s", name);
    return 0;
}

static bool chosen_has(const struct selection_run *r, const char *name)
{
    size_t c = cand_named(r, name);
    for (size_t i = 0; i < r->result.nchosen; i++)
        if (r->result.chosen[i] == c) return true;
    return false;
}

/* The selection as it stands: selected places not declined; the decliners excluded. */
static bool current_keeps_rules_n(const struct selection_run *r, struct err *why)
{
    struct arena a;
    arena_init(&a, 0);
    struct sel_candidate *c = arena_memdup(&a, r->cands, (r->ninputs + 1) * sizeof *c);
    size_t *chosen = arena_calloc(&a, r->nplaces + 1, sizeof *chosen), n = 0;
    for (size_t i = 0; i < r->nplaces; i++) {
        if (strcmp(r->places[i].role, "selected") != 0) continue;
        if (strcmp(r->places[i].state, "declined") == 0) c[r->places[i].cand].excluded = true;
        else chosen[n++] = r->places[i].cand;
    }
    struct sel_rules sr;
    selrun_rules_sel(&r->rules, &sr);
    bool ok = sel_satisfies(c, r->ninputs, &sr, chosen, (size_t)r->rules.size, why);
    arena_free(&a);
    return ok;
}

static bool current_keeps_rules(const struct selection_run *r, struct err *why)
{
    return current_keeps_rules_n(r, why);
}

static struct selection_run *reload(struct fixture *f, const struct selection_run *r)
{
    struct selection_run *again;
    if (selrun_load(f->t.st, &f->t.a, f->p.id, r->id, &again, &f->t.e) < 0) fail_msg("load: %s", f->t.e.msg);
    return again;
}

static const struct selrun_link *link_of(const struct selrun_link *links, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(links[i].name, name) == 0) return &links[i];
    fail_msg("no link for %s", name);
    return NULL;
}

/* A stand-in catalogue: every pattern in guillemets. */
static const char *quoted(void *a, const char *msgid)
{
    return arena_printf(a, "«%s»", msgid);
}

/* s without its guillemets: the English a quoted sentence was made from. */
static const char *unquoted(struct arena *a, const char *s)
{
    char *out = arena_strdup(a, s), *w = out;
    for (const char *p = s; *p;) {
        if (strncmp(p, "«", strlen("«")) == 0) p += strlen("«");
        else if (strncmp(p, "»", strlen("»")) == 0) p += strlen("»");
        else *w++ = *p++;
    }
    *w = '\0';
    return out;
}

/* ---- storage ---- */

static void test_stored_and_frozen(void **state)
{
    struct fixture *f = *state;
    struct selrun_rules rules;
    selrun_rules_default(&f->p, &rules);
    assert_int_equal(rules.size, 4);
    assert_int_equal(rules.max_per_country, 2);
    assert_true(rules.require_consent);
    const char *excluded[] = {inst_id(1)};
    rules.exclude = excluded;
    rules.nexclude = 1;
    struct selection_run *run = make_run(f, &rules);
    assert_string_equal(run->status, "draft");
    assert_true(run->feasible);
    assert_int_equal(run->ninputs, N);
    assert_string_equal(run->model_json, "{\"model\":1}");
    assert_int_equal(run->rules.nexclude, 1);
    assert_string_equal(run->rules.exclude[0], inst_id(1));
    assert_true(run->inputs[1].excluded);
    assert_true(isnan(run->inputs[8].score));
    assert_false(run->inputs[7].consent);
    /* What was stored is what sel_run gives on the same candidates and rules. */
    struct sel_rules sr;
    selrun_rules_sel(&rules, &sr);
    struct sel_result direct;
    assert_int_equal(sel_run(run->cands, N, &sr, &f->t.a, &direct, &f->t.e), 0);
    assert_int_equal(run->result.nchosen, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(run->result.chosen[i], direct.chosen[i]);
        assert_string_equal(run->result.why[i].text, direct.why[i].text);
    }
    assert_int_equal(run->result.nreserve, direct.nreserve);
    assert_int_equal(run->result.nout, direct.nout);
    assert_false(chosen_has(run, "Birch School")); /* excluded */
    assert_false(chosen_has(run, "Hazel School")); /* no consent, whatever its score */
    assert_int_equal(run->nplaces, run->result.nchosen + run->result.nreserve);
    assert_int_equal(query_int(&f->t, "SELECT count(*) FROM audit_log WHERE action = 'selection.run' AND target_ids LIKE '%' || ? || '%'", run->id), 1);
    /* Frozen: a renamed institution keeps its name in the run. */
    exec(&f->t, "UPDATE institutions SET name = 'Renamed' WHERE id = '01938a40-0000-7000-8000-000000000000'");
    assert_string_equal(reload(f, run)->inputs[0].name, "Ash School");

    bool same;
    const char *why;
    assert_int_equal(selrun_verify(reload(f, run), &f->t.a, &same, &why, &f->t.e), 0);
    assert_true(same);
    assert_null(why);

    /* The list shows it. */
    struct selrun_summary *list;
    size_t n;
    assert_int_equal(selrun_list(f->t.st, &f->t.a, f->p.id, &list, &n, &f->t.e), 0);
    assert_int_equal(n, 1);
    assert_string_equal(list[0].id, run->id);
    assert_int_equal(list[0].chosen, 4);
    assert_int_equal(list[0].size, 4);
}

static void test_refused_rules_store_nothing(void **state)
{
    struct fixture *f = *state;
    struct selrun_rules rules;
    selrun_rules_default(&f->p, &rules);
    struct selection_run *run = NULL;
    rules.size = 0;
    assert_int_equal(selrun_create(f->t.st, &f->t.a, &f->p, NULL, &rules, "{}", inputs(&f->t.a), N, false,
                                   &coordinator, &run, &f->t.e), ERR_INVALID);
    assert_string_equal(f->t.e.msg, "Enter a pilot size from 1 to 1000 institutions.");
    selrun_rules_default(&f->p, &rules);
    const char *unknown[] = {"01938a40-0000-7000-8000-ffffffffffff"};
    rules.force = unknown;
    rules.nforce = 1;
    assert_int_equal(selrun_create(f->t.st, &f->t.a, &f->p, NULL, &rules, "{}", inputs(&f->t.a), N, false,
                                   &coordinator, &run, &f->t.e), ERR_INVALID);
    assert_non_null(strstr(f->t.e.msg, "01938a40-0000-7000-8000-ffffffffffff"));
    rules.exclude = unknown;
    rules.nexclude = 1;
    struct programme_problems pp = {.n = 0};
    assert_int_equal(selrun_rules_check(&rules, &pp), 1);
    assert_string_equal(pp.item[0].field, "force");
    selrun_rules_default(&f->p, &rules);
    rules.min_rural_percent = 101;
    rules.min_need = -1;
    pp.n = 0;
    assert_int_equal(selrun_rules_check(&rules, &pp), 2);
    assert_int_equal(query_int(&f->t, "SELECT count(*) FROM selection_runs", NULL), 0);
    assert_int_equal(query_int(&f->t, "SELECT count(*) FROM audit_log WHERE action LIKE 'selection.%'", NULL), 0);
}

static void test_infeasible_stored_not_confirmable(void **state)
{
    struct fixture *f = *state;
    struct selrun_rules rules;
    selrun_rules_default(&f->p, &rules);
    rules.min_informal = 4; /* three informal institutions in all */
    struct selection_run *run = make_run(f, &rules);
    assert_false(run->feasible);
    assert_int_equal(run->result.nchosen, 0);
    assert_true(run->result.nproblems >= 1);
    assert_string_equal(run->result.problems[0],
                        "At least 4 informal institutions are asked for, but only 3 eligible ones are informal.");
    assert_int_equal(run->nplaces, 0);
    assert_int_equal(selrun_confirm(f->t.st, &f->t.a, run, &coordinator, &f->t.e), ERR_CONFLICT);
    assert_string_equal(reload(f, run)->status, "draft");
    assert_int_equal(query_int(&f->t, "SELECT count(*) FROM institutions WHERE status <> 'registered'", NULL), 0);
    bool same;
    const char *why;
    assert_int_equal(selrun_verify(run, &f->t.a, &same, &why, &f->t.e), 0);
    assert_true(same);
}

static void test_confirm_freezes_and_verify_notices_tampering(void **state)
{
    struct fixture *f = *state;
    struct selrun_rules rules;
    selrun_rules_default(&f->p, &rules);
    struct selection_run *run = make_run(f, &rules), *other = make_run(f, &rules);
    assert_int_equal(selrun_confirm(f->t.st, &f->t.a, run, &coordinator, &f->t.e), 0);
    struct selection_run *now = reload(f, run);
    assert_string_equal(now->status, "confirmed");
    assert_string_equal(now->confirmed_by, "coordinator@example.org");
    for (size_t i = 0; i < now->result.nchosen; i++)
        assert_string_equal(query_text(&f->t, "SELECT status FROM institutions WHERE id = ?",
                                       now->inputs[now->result.chosen[i]].institution_id), "selected");
    assert_int_equal(query_int(&f->t, "SELECT count(*) FROM institutions WHERE status = 'selected'", NULL), 4);
    /* Confirmed once; and one confirmed run per programme. */
    assert_int_equal(selrun_confirm(f->t.st, &f->t.a, now, &coordinator, &f->t.e), ERR_CONFLICT);
    assert_int_equal(selrun_confirm(f->t.st, &f->t.a, other, &coordinator, &f->t.e), ERR_CONFLICT);
    assert_string_equal(reload(f, other)->status, "draft");
    assert_int_equal(query_int(&f->t, "SELECT count(*) FROM audit_log WHERE action = 'selection.confirm'", NULL), 1);
    /* Reproducible; and a stored result changed behind the module's back is found out. */
    bool same;
    const char *why;
    assert_int_equal(selrun_verify(now, &f->t.a, &same, &why, &f->t.e), 0);
    assert_true(same);
    struct store_stmt *s = store_prepare(f->t.st, "UPDATE selection_runs SET result = replace(result, '\"reserve\":[',"
                                                  " '\"reserve\":[11,') WHERE id = ?", &f->t.e);
    store_bind_text(s, 1, run->id);
    assert_int_equal(store_run(s, &f->t.e), 0);
    store_done(s);
    assert_int_equal(selrun_verify(reload(f, run), &f->t.a, &same, &why, &f->t.e), 0);
    assert_false(same);
    assert_non_null(strstr(why, "The reserve list differs"));
    /* Discarding the draft leaves the confirmed one alone. */
    assert_int_equal(selrun_discard(f->t.st, &f->t.a, other, &coordinator, &f->t.e), 0);
    assert_string_equal(reload(f, other)->status, "discarded");
    assert_int_equal(selrun_discard(f->t.st, &f->t.a, reload(f, other), &coordinator, &f->t.e), ERR_CONFLICT);
    assert_string_equal(reload(f, run)->status, "confirmed");
}

/* The stored English sentences said again through a translator, only while the run made again in
 * English says the same; the stored ones otherwise. */
static void test_explain_in_another_language(void **state)
{
    struct fixture *f = *state;
    struct arena *a = &f->t.a;
    struct selrun_rules rules;
    selrun_rules_default(&f->p, &rules);
    struct selection_run *run = make_run(f, &rules);
    struct selrun_explained x;
    assert_int_equal(selrun_explain(run, a, quoted, a, &x, &f->t.e), 0);
    assert_true(x.same);
    assert_null(x.why);
    assert_true(x.translated);
    assert_int_equal(x.result.nchosen, run->result.nchosen);
    assert_true(run->result.nchosen > 0 && run->result.nout > 0);
    for (size_t i = 0; i < x.result.nchosen; i++) {
        assert_int_equal(x.result.why[i].cand, run->result.why[i].cand);
        assert_true(strncmp(x.result.why[i].text, "«", strlen("«")) == 0);
        assert_string_equal(unquoted(a, x.result.why[i].text), run->result.why[i].text);
    }
    for (size_t i = 0; i < x.result.nout; i++) {
        assert_true(strncmp(x.result.out[i].text, "«", strlen("«")) == 0);
        assert_string_equal(unquoted(a, x.result.out[i].text), run->result.out[i].text);
    }
    /* The stored record is untouched, and without a translator the stored sentences are given. */
    assert_null(strstr(query_text(&f->t, "SELECT result FROM selection_runs WHERE id = ?", run->id), "«"));
    assert_int_equal(selrun_explain(run, a, NULL, NULL, &x, &f->t.e), 0);
    assert_false(x.translated);
    assert_ptr_equal(x.result.why, run->result.why);
    /* A stored sentence that the run made again does not say: the stored English stands. */
    const char *kept = run->result.why[0].text;
    run->result.why[0].text = "Chosen by hand.";
    assert_int_equal(selrun_explain(run, a, quoted, a, &x, &f->t.e), 0);
    assert_true(x.same);
    assert_false(x.translated);
    assert_string_equal(x.result.why[0].text, "Chosen by hand.");
    run->result.why[0].text = kept;
    /* A result that differs: what differs is said through the translator, and the stored sentences stand. */
    run->result.reserve[0] = run->result.reserve[1];
    assert_int_equal(selrun_explain(run, a, quoted, a, &x, &f->t.e), 0);
    assert_false(x.same);
    assert_false(x.translated);
    assert_true(strncmp(x.why, "«The reserve list differs: now ", strlen("«The reserve list differs: now ")) == 0);
    assert_ptr_equal(x.result.why, run->result.why);
    /* The problems of rules that cannot be met. */
    rules.min_informal = 4;
    struct selection_run *stuck = make_run(f, &rules);
    assert_int_equal(selrun_explain(stuck, a, quoted, a, &x, &f->t.e), 0);
    assert_true(x.translated);
    assert_int_equal(x.result.nproblems, stuck->result.nproblems);
    assert_string_equal(x.result.problems[0],
                        "«At least 4 informal institutions are asked for, but only 3 eligible ones are informal.»");
}

/* ---- invitations ---- */

static struct selection_run *confirmed_run(struct fixture *f, struct selrun_link **links, size_t *n)
{
    struct selrun_rules rules;
    selrun_rules_default(&f->p, &rules);
    struct selection_run *run = make_run(f, &rules);
    assert_int_equal(selrun_invite(f->t.st, &f->t.a, run, &(struct selrun_mail){"https://eb.example", NULL},
                                   &coordinator, links, n, &f->t.e), ERR_CONFLICT); /* a draft: nobody invited */
    assert_int_equal(selrun_confirm(f->t.st, &f->t.a, run, &coordinator, &f->t.e), 0);
    run = reload(f, run);
    if (selrun_invite(f->t.st, &f->t.a, run, &(struct selrun_mail){"https://eb.example", NULL}, &coordinator, links, n,
                      &f->t.e) < 0)
        fail_msg("invite: %s", f->t.e.msg);
    return reload(f, run);
}

static int64_t mails_with(struct fixture *f, const char *token)
{
    return query_int(&f->t, "SELECT count(*) FROM outbox WHERE body LIKE '%https://eb.example/invitation/' || ? || '%'",
                     token);
}

static void test_invite_accept_decline_promote(void **state)
{
    struct fixture *f = *state;
    struct selrun_link *links;
    size_t n;
    struct selection_run *run = confirmed_run(f, &links, &n);
    /* A, C, D, E: Birch would break France's cap with Cedar, the only rural one that fits. */
    assert_true(chosen_has(run, "Ash School") && chosen_has(run, "Cedar School") && chosen_has(run, "Dune Club") &&
                chosen_has(run, "Elm School"));
    assert_int_equal(n, 4);
    assert_int_equal(run->ninvitations, 4);
    for (size_t i = 0; i < n; i++) {
        assert_true(token_well_formed(links[i].token));
        /* Only the hash is stored. */
        assert_int_equal(query_int(&f->t, "SELECT count(*) FROM invitations WHERE token_hash = ?", links[i].token), 0);
    }
    const struct selrun_link *cedar = link_of(links, n, "Cedar School"), *ash = link_of(links, n, "Ash School"),
                             *dune = link_of(links, n, "Dune Club");
    assert_false(cedar->mailed); /* no email in the register: the coordinator passes the link on */
    assert_int_equal(mails_with(f, cedar->token), 0);
    assert_true(ash->mailed);
    assert_int_equal(mails_with(f, ash->token), 1);
    assert_int_equal(query_int(&f->t, "SELECT count(*) FROM outbox WHERE to_addr = 'ash@example.org'"
                                      " AND subject = 'Invitation to the pilot of Pilot 2026'", NULL), 1);
    assert_string_equal(query_text(&f->t, "SELECT status FROM institutions WHERE id = ?", ash->institution_id), "invited");
    assert_int_equal(query_int(&f->t, "SELECT count(*) FROM audit_log WHERE action = 'invitation.send'", NULL), 4);
    /* Sending again invites nobody twice. */
    struct selrun_link *again;
    size_t m;
    assert_int_equal(selrun_invite(f->t.st, &f->t.a, run, NULL, &coordinator, &again, &m, &f->t.e), 0);
    assert_int_equal(m, 0);

    /* The page's lookup. */
    struct selrun_lookup lk;
    assert_int_equal(selrun_lookup(f->t.st, &f->t.a, ash->token, time_now_ms(), &lk, &f->t.e), 0);
    assert_true(lk.open);
    assert_string_equal(lk.institution_name, "Ash School");
    assert_string_equal(lk.programme_name, "Pilot 2026");
    assert_int_equal(selrun_lookup(f->t.st, &f->t.a, "not-a-token", time_now_ms(), &lk, &f->t.e), ERR_NOT_FOUND);
    char unknown[TOKEN_TEXT_SIZE];
    token_new(unknown);
    assert_int_equal(selrun_lookup(f->t.st, &f->t.a, unknown, time_now_ms(), &lk, &f->t.e), ERR_NOT_FOUND);

    /* Accept, once. */
    struct selrun_outcome out;
    assert_int_equal(selrun_respond(f->t.st, &f->t.a, ash->token, true, NULL, time_now_ms(), NULL, &nobody, &out,
                                    &f->t.e), 0);
    assert_false(out.promoted);
    assert_string_equal(query_text(&f->t, "SELECT status FROM institutions WHERE id = ?", ash->institution_id), "accepted");
    assert_int_equal(selrun_respond(f->t.st, &f->t.a, ash->token, true, NULL, time_now_ms(), NULL, &nobody, &out,
                                    &f->t.e), ERR_CONFLICT);
    assert_int_equal(selrun_respond(f->t.st, &f->t.a, ash->token, false, "changed our mind", time_now_ms(), NULL,
                                    &nobody, &out, &f->t.e), ERR_CONFLICT);
    assert_string_equal(selrun_invitation_of(reload(f, run), ash->institution_id)->state, "accepted");
    assert_int_equal(selrun_respond(f->t.st, &f->t.a, unknown, true, NULL, time_now_ms(), NULL, &nobody, &out, &f->t.e),
                     ERR_NOT_FOUND);

    /* A decline needs a reason; without one nothing changes. */
    assert_int_equal(selrun_respond(f->t.st, &f->t.a, cedar->token, false, "  \n", time_now_ms(), NULL, &nobody, &out,
                                    &f->t.e), ERR_INVALID);
    assert_string_equal(selrun_invitation_of(reload(f, run), cedar->institution_id)->state, "sent");

    /* Cedar, the rural one, declines: the place goes to the best that keeps every rule: Fir is rural
     * but Germany is full, so Gorse (rural, informal, Poland). */
    struct selrun_mail mail = {"https://eb.example", NULL};
    assert_int_equal(selrun_respond(f->t.st, &f->t.a, cedar->token, false, "No room for the tablets this year.",
                                    time_now_ms(), &mail, &nobody, &out, &f->t.e), 0);
    assert_true(out.promoted);
    assert_string_equal(out.replacement_name, "Gorse Club");
    assert_true(out.link.mailed);
    assert_int_equal(mails_with(f, out.link.token), 1);
    run = reload(f, run);
    const struct selrun_place *gorse = selrun_place_of(run, out.replacement_id),
                              *cedar_place = selrun_place_of(run, cedar->institution_id);
    assert_string_equal(gorse->role, "selected");
    assert_string_equal(gorse->state, "invited");
    assert_string_equal(gorse->replaces, cedar->institution_id);
    assert_int_equal(gorse->position, cedar_place->position);
    assert_string_equal(cedar_place->state, "declined");
    assert_string_equal(selrun_invitation_of(run, cedar->institution_id)->reason, "No room for the tablets this year.");
    assert_string_equal(query_text(&f->t, "SELECT status FROM institutions WHERE id = ?", cedar->institution_id), "declined");
    assert_string_equal(query_text(&f->t, "SELECT status FROM institutions WHERE id = ?", out.replacement_id), "invited");
    struct err why;
    assert_true(current_keeps_rules(run, &why));
    assert_int_equal(query_int(&f->t, "SELECT count(*) FROM audit_log WHERE action = 'selection.promote'", NULL), 1);
    assert_int_equal(query_int(&f->t, "SELECT count(*) FROM audit_log WHERE action = 'invitation.decline'", NULL), 1);
    /* The audit trail holds no reason: ids and counts only. */
    assert_int_equal(query_int(&f->t, "SELECT count(*) FROM audit_log WHERE detail LIKE '%tablets%'", NULL), 0);

    /* Gorse declines too: the next that keeps the rules is Larch (rural, Spain); still every rule. */
    char gorse_token[TOKEN_TEXT_SIZE];
    memcpy(gorse_token, out.link.token, sizeof gorse_token);
    assert_int_equal(selrun_respond(f->t.st, &f->t.a, gorse_token, false, "Closed for repairs.", time_now_ms(), &mail,
                                    &nobody, &out, &f->t.e), 0);
    assert_true(out.promoted);
    assert_string_equal(out.replacement_name, "Larch School");
    run = reload(f, run);
    assert_true(current_keeps_rules(run, &why));
    assert_int_equal(selrun_place_of(run, out.replacement_id)->position, cedar_place->position);

    /* Dune Club (the only informal one left) declines: Kale Centre keeps the minimum. */
    assert_int_equal(selrun_respond(f->t.st, &f->t.a, dune->token, false, "Too far.", time_now_ms(), NULL, &nobody,
                                    &out, &f->t.e), 0);
    assert_true(out.promoted);
    assert_string_equal(out.replacement_name, "Kale Centre");
    assert_false(out.link.mailed); /* no mail given: recorded, not written to the outbox */
    assert_true(current_keeps_rules(reload(f, run), &why));
}

static int append(void *ctx, const void *data, size_t len)
{
    strbuf_append(ctx, data, len);
    return 0;
}

static void test_export_rows(void **state)
{
    struct fixture *f = *state;
    struct selrun_link *links;
    size_t n;
    struct selection_run *run = confirmed_run(f, &links, &n);
    struct strbuf csv;
    strbuf_init(&csv, &f->t.a, 1024);
    assert_int_equal(selexp_csv(f->t.st, &f->t.a, run, false, append, &csv, &f->t.e), 0);
    size_t lines = 0;
    for (const char *c = csv.data; (c = strstr(c, "\r\n")); c += 2) lines++;
    assert_int_equal(lines, N + 1);
    assert_true(str_starts_with(csv.data, "place,institution_id,institution,country,kind,informal,rural,score,rank,role,"
                                          "state,reason\r\n"));
    assert_null(strstr(csv.data, "@example.org"));
    /* RFC 4180 as forms/table_out.h writes it: quotes only where a cell needs them; numbers as numbers. */
    assert_non_null(strstr(csv.data, "\r\n1,01938a40-0000-7000-8000-000000000000,Ash School,FR,school,0,0,95,2,selected,"
                                     "invited,"));
    assert_non_null(strstr(csv.data, ",not selected,"));
    strbuf_reset(&csv);
    assert_int_equal(selexp_csv(f->t.st, &f->t.a, run, true, append, &csv, &f->t.e), 0);
    assert_non_null(strstr(csv.data, ",contact_name,contact_email\r\n"));
    assert_non_null(strstr(csv.data, ",ash@example.org"));
    struct strbuf x;
    strbuf_init(&x, &f->t.a, 1024);
    assert_int_equal(selexp_xlsx(f->t.st, &f->t.a, run, false, append, &x, &f->t.e), 0);
    assert_true(x.len > 100 && memcmp(x.data, "PK", 2) == 0);
}

static void test_no_replacement_keeps_the_rules(void **state)
{
    struct fixture *f = *state;
    /* Two places, one rural needed: Cedar is chosen for it, and Fir (the other rural one that could
     * come in) is excluded, as are Gorse and Larch: nobody left out can take Cedar's place. */
    struct selrun_rules rules;
    selrun_rules_default(&f->p, &rules);
    rules.size = 2;
    rules.min_informal = 0;
    rules.min_rural_percent = 50;
    const char *out_ids[] = {inst_id(5), inst_id(6), inst_id(11)};
    rules.exclude = out_ids;
    rules.nexclude = 3;
    struct selection_run *run = make_run(f, &rules);
    assert_true(chosen_has(run, "Cedar School"));
    assert_int_equal(selrun_confirm(f->t.st, &f->t.a, run, &coordinator, &f->t.e), 0);
    struct selrun_link *links;
    size_t n;
    assert_int_equal(selrun_invite(f->t.st, &f->t.a, reload(f, run), NULL, &coordinator, &links, &n, &f->t.e), 0);
    assert_int_equal(n, 2);
    assert_int_equal(query_int(&f->t, "SELECT count(*) FROM outbox", NULL), 0); /* no mail given */
    const struct selrun_link *cedar = link_of(links, n, "Cedar School");
    struct selrun_outcome out;
    assert_int_equal(selrun_respond(f->t.st, &f->t.a, cedar->token, false, "No.", time_now_ms(), NULL, &nobody, &out,
                                    &f->t.e), 0);
    assert_false(out.promoted);
    assert_non_null(out.unfilled);
    assert_non_null(strstr(out.unfilled, "No institution left out can take the place of Cedar School"));
    run = reload(f, run);
    assert_string_equal(selrun_place_of(run, cedar->institution_id)->note, out.unfilled);
    /* The note in another language; one that is not sel_replacement's sentence stays as stored. */
    struct selrun_place pl = *selrun_place_of(run, cedar->institution_id);
    assert_string_equal(selrun_place_note(run, &pl, NULL, NULL, &f->t.a), out.unfilled);
    assert_string_equal(selrun_place_note(run, &pl, quoted, &f->t.a, &f->t.a),
                        "«No institution left out can take the place of Cedar School without breaking a rule; the "
                        "selection has to be run again.»");
    pl.note = "Written by hand.";
    assert_string_equal(selrun_place_note(run, &pl, quoted, &f->t.a, &f->t.a), "Written by hand.");
    assert_int_equal(run->ninvitations, 2);
    assert_int_equal(query_int(&f->t, "SELECT count(*) FROM audit_log WHERE action = 'selection.promote'", NULL), 0);
}

static void test_expired_and_withdrawn_links(void **state)
{
    struct fixture *f = *state;
    struct selrun_link *links;
    size_t n;
    struct selection_run *run = confirmed_run(f, &links, &n);
    struct selrun_outcome out;
    /* Expired: nothing changes. */
    struct store_stmt *s = store_prepare(f->t.st, "UPDATE invitations SET expires = '2000-01-01T00:00:00.000Z'"
                                                  " WHERE institution_id = ?", &f->t.e);
    store_bind_text(s, 1, links[0].institution_id);
    assert_int_equal(store_run(s, &f->t.e), 0);
    store_done(s);
    struct selrun_lookup lk;
    assert_int_equal(selrun_lookup(f->t.st, &f->t.a, links[0].token, time_now_ms(), &lk, &f->t.e), 0);
    assert_true(lk.expired);
    assert_false(lk.open);
    assert_int_equal(selrun_respond(f->t.st, &f->t.a, links[0].token, true, NULL, time_now_ms(), NULL, &nobody, &out,
                                    &f->t.e), ERR_CONFLICT);
    assert_string_equal(selrun_invitation_of(reload(f, run), links[0].institution_id)->state, "sent");
    /* A new link replaces the old one. */
    struct selrun_link fresh;
    assert_int_equal(selrun_relink(f->t.st, &f->t.a, run, links[1].institution_id, NULL, &coordinator, &fresh, &f->t.e), 0);
    assert_int_equal(selrun_lookup(f->t.st, &f->t.a, links[1].token, time_now_ms(), &lk, &f->t.e), ERR_NOT_FOUND);
    assert_int_equal(selrun_lookup(f->t.st, &f->t.a, fresh.token, time_now_ms(), &lk, &f->t.e), 0);
    assert_true(lk.open);
    /* Discarding the confirmed run withdraws the open invitations and releases the register. */
    assert_int_equal(selrun_discard(f->t.st, &f->t.a, reload(f, run), &coordinator, &f->t.e), 0);
    assert_int_equal(selrun_respond(f->t.st, &f->t.a, fresh.token, true, NULL, time_now_ms(), NULL, &nobody, &out,
                                    &f->t.e), ERR_CONFLICT);
    assert_int_equal(query_int(&f->t, "SELECT count(*) FROM invitations WHERE state = 'withdrawn'", NULL), 4);
    assert_int_equal(query_int(&f->t, "SELECT count(*) FROM institutions WHERE status <> 'registered'", NULL), 0);
    assert_int_equal(selrun_relink(f->t.st, &f->t.a, reload(f, run), links[2].institution_id, NULL, &coordinator, &fresh,
                                   &f->t.e), ERR_NOT_FOUND);
}

/* The demo: a confirmed run of 10 keeping its rules, 8 + 1 accepted, one declined and replaced, one
 * waiting; loading again adds nothing. */
static void test_demo(void **state)
{
    (void)state;
    struct testdb t;
    testdb_open(&t, "selection-demo");
    struct demo_report report;
    if (demo_load(t.st, &t.a, &report, &t.e) < 0) fail_msg("demo: %s", t.e.msg);
    bool loaded;
    if (demo_selection_load(t.st, &t.a, &loaded, &t.e) < 0) fail_msg("demo selection: %s", t.e.msg);
    struct selection_run *r;
    assert_int_equal(selrun_confirmed(t.st, &t.a, demo_programme_id, &r, &t.e), 0);
    assert_true(r->is_demo);
    assert_int_equal(r->result.nchosen, 10);
    assert_int_equal(r->rules.max_per_country, 2);
    assert_int_equal(r->rules.min_informal, 2);
    assert_int_equal(r->rules.min_rural_percent, 30);
    size_t accepted = 0, declined = 0, invited = 0, replaced = 0;
    for (size_t i = 0; i < r->nplaces; i++) {
        const struct selrun_place *p = &r->places[i];
        if (strcmp(p->role, "selected") != 0) continue;
        accepted += strcmp(p->state, "accepted") == 0;
        declined += strcmp(p->state, "declined") == 0;
        invited += strcmp(p->state, "invited") == 0;
        replaced += p->replaces != NULL;
    }
    assert_int_equal(accepted, 9);
    assert_int_equal(declined, 1);
    assert_int_equal(invited, 1);
    assert_int_equal(replaced, 1);
    assert_int_equal(r->ninvitations, 11);
    struct err why;
    assert_true(current_keeps_rules_n(r, &why));
    bool same;
    const char *differs;
    assert_int_equal(selrun_verify(r, &t.a, &same, &differs, &t.e), 0);
    assert_true(same);
    assert_int_equal(query_int(&t, "SELECT count(*) FROM outbox", NULL), 0);
    /* Again: nothing new. */
    int64_t runs = query_int(&t, "SELECT count(*) FROM selection_runs", NULL);
    int64_t audit = query_int(&t, "SELECT count(*) FROM audit_log", NULL);
    if (demo_selection_load(t.st, &t.a, &loaded, &t.e) < 0) fail_msg("demo selection: %s", t.e.msg);
    assert_false(loaded);
    assert_int_equal(query_int(&t, "SELECT count(*) FROM selection_runs", NULL), runs);
    assert_int_equal(query_int(&t, "SELECT count(*) FROM audit_log", NULL), audit);
    testdb_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_stored_and_frozen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_rules_store_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_infeasible_stored_not_confirmable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_confirm_freezes_and_verify_notices_tampering, setup, teardown),
        cmocka_unit_test_setup_teardown(test_explain_in_another_language, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invite_accept_decline_promote, setup, teardown),
        cmocka_unit_test_setup_teardown(test_export_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_replacement_keeps_the_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expired_and_withdrawn_links, setup, teardown),
        cmocka_unit_test(test_demo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* edubridge selection run|show|confirm|verify: selection runs from the command line, under the same
 * rules as the pages (program/selection_run.h), each change audited as cli:USER. Invitations are
 * sent from the run's page, where the links that cannot be mailed are shown. */
#include "cli/cli.h"

#include "base/arena.h"
#include "base/str.h"
#include "program/programme.h"
#include "program/schema.h"
#include "program/selection_run.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "Usage: edubridge selection run PROGRAMME_SLUG [--size N] [--max-per-country K] [--min-informal M]\n"
    "                 [--min-rural-percent P] [--min-need X] [--no-consent-required] [--exclude ID]...\n"
    "                 [--force ID]... [--campaign ID] [--db PATH]\n"
    "       edubridge selection show RUN [--db PATH]\n"
    "       edubridge selection confirm RUN [--db PATH]\n"
    "       edubridge selection verify RUN [--db PATH]\n\n"
    "A selection run chooses the pilot institutions with the largest total need score among those that\n"
    "keep every rule, as an integer programme (docs/need-index.md). It is stored as a draft with its\n"
    "inputs, rules and result frozen; a confirmed run is the programme's selection, whose invitations\n"
    "are sent from its page /programmes/SLUG/selections/RUN.\n\n"
    "  run      runs the selection over the need index of the programme's needs-survey campaign (or\n"
    "           --campaign ID) and stores it as a draft, printing its id and result. The rules start\n"
    "           from the programme's defaults (edubridge programme show SLUG):\n"
    "             --size N               the pilot size, 1 to 1000\n"
    "             --max-per-country K    at most K per country (0: no limit)\n"
    "             --min-informal M       at least M informal institutions (STEM clubs, centres)\n"
    "             --min-rural-percent P  at least P per cent of those selected rural, rounded up\n"
    "             --min-need X           a need score below X (0 to 100) is not eligible\n"
    "             --no-consent-required  institutions without consent may be selected too\n"
    "             --exclude ID           never select this institution (repeatable)\n"
    "             --force ID             always select it, with consent (repeatable)\n"
    "           When the rules cannot all be met, the run is stored with every reason found, and\n"
    "           the command exits with status 1.\n"
    "  show     a run: its rules, the selected with the reason for each, the nearest left out and\n"
    "           why, the reserve list, and the invitations' state\n"
    "  confirm  confirms a draft: it is frozen, and the selected are marked selected in the register\n"
    "  verify   runs the selection again on the frozen inputs and rules: exit status 0 when it gives\n"
    "           the same selection and reserve list, 1 otherwise\n\n"
    "  --db PATH   the SQLite database file (default: $EDUBRIDGE_DB, else edubridge.db)\n";

static int failed(const struct err *e)
{
    fprintf(stderr, "edubridge selection: %s\n", e->msg);
    return e->code == ERR_INVALID ? EXIT_USAGE : 1;
}

static const char *score_text(struct arena *a, double s)
{
    return isnan(s) ? "-" : arena_printf(a, "%.1f", s);
}

static void print_result(struct arena *a, const struct selection_run *r)
{
    printf("run: %s\nstatus: %s\n", r->id, r->status);
    printf("rules: size %d, at most %d per country%s, at least %d informal, at least %d%% rural, minimum need %g, %s\n",
           r->rules.size, r->rules.max_per_country, r->rules.max_per_country ? "" : " (no limit)", r->rules.min_informal,
           r->rules.min_rural_percent, r->rules.min_need,
           r->rules.require_consent ? "consent required" : "consent not required");
    printf("candidates: %zu\n", r->ninputs);
    if (!r->feasible) {
        printf("the rules cannot all be met:\n");
        for (size_t i = 0; i < r->result.nproblems; i++) printf("  - %s\n", r->result.problems[i]);
        return;
    }
    if (r->result.note) printf("note: %s\n", r->result.note);
    printf("selected: total need %.1f, %zu informal, %zu rural (at least %zu)\n", r->result.total, r->result.informal,
           r->result.rural, r->result.required_rural);
    for (size_t i = 0; i < r->nplaces; i++) {
        const struct selrun_place *p = &r->places[i];
        if (strcmp(p->role, "selected") != 0) continue;
        const struct selrun_input *x = &r->inputs[p->cand];
        const char *why = selrun_reason_in(r, p->cand);
        printf("  %2d. %s\t%s\t%s\t%s\t%s\n", p->position, x->institution_id, x->name, x->country ? x->country : "-",
               score_text(a, x->score), p->state);
        if (p->replaces) printf("      took the place of %s, who declined\n", p->replaces);
        else if (why) printf("      %s\n", why);
        if (p->note) printf("      nobody can take this place: %s\n", p->note);
    }
    printf("nearest left out:\n");
    for (size_t i = 0; i < r->result.nout; i++) {
        const struct sel_out *o = &r->result.out[i];
        printf("  %s\t%s\t%s\n      %s\n", r->inputs[o->cand].institution_id, r->inputs[o->cand].name,
               score_text(a, r->inputs[o->cand].score), o->text);
    }
    printf("reserve:%s\n", r->result.nreserve ? "" : " none");
    for (size_t i = 0; i < r->result.nreserve; i++) {
        const struct selrun_input *x = &r->inputs[r->result.reserve[i]];
        printf("  %2zu. %s\t%s\t%s\n", i + 1, x->institution_id, x->name, score_text(a, x->score));
    }
    if (r->ninvitations) printf("invitations:\n");
    for (size_t i = 0; i < r->ninvitations; i++)
        printf("  %s\t%s\t%s\n", r->invitations[i].institution_id, r->invitations[i].state,
               r->invitations[i].responded_at ? r->invitations[i].responded_at : "-");
}

/* Appends id to a growing list in a. */
static void push(struct arena *a, const char ***list, size_t *n, const char *id)
{
    const char **grown = arena_alloc(a, (*n + 1) * sizeof *grown);
    if (*n) memcpy(grown, *list, *n * sizeof *grown);
    grown[(*n)++] = id;
    *list = grown;
}

static bool whole(const char *s, int *out)
{
    int64_t v;
    if (!str_to_int64(s, 0, 1000000, &v)) return false;
    *out = (int)v;
    return true;
}

int cmd_selection(int argc, char **argv)
{
    const char *db = cli_db_default(), *campaign = NULL;
    struct arena a;
    arena_init(&a, 64 * 1024);
    /* Options as given; -1 (and NAN) when not, so that the programme's defaults fill the rest. */
    int size = -1, cap = -1, informal = -1, rural = -1;
    double min_need = NAN;
    bool no_consent = false;
    const char **exclude = NULL, **force = NULL;
    size_t nexclude = 0, nforce = 0;
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"size", required_argument, NULL, 's'},
        {"max-per-country", required_argument, NULL, 'k'},
        {"min-informal", required_argument, NULL, 'm'},
        {"min-rural-percent", required_argument, NULL, 'r'},
        {"min-need", required_argument, NULL, 'x'},
        {"no-consent-required", no_argument, NULL, 'c'},
        {"exclude", required_argument, NULL, 'e'},
        {"force", required_argument, NULL, 'f'},
        {"campaign", required_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    optind = 1;
    int c, rc = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        bool ok = true;
        switch (c) {
        case 'd': db = optarg; break;
        case 's': ok = whole(optarg, &size); break;
        case 'k': ok = whole(optarg, &cap); break;
        case 'm': ok = whole(optarg, &informal); break;
        case 'r': ok = whole(optarg, &rural); break;
        case 'x': {
            char *end;
            min_need = strtod(optarg, &end);
            ok = *optarg && !*end && isfinite(min_need);
            break;
        }
        case 'c': no_consent = true; break;
        case 'e': push(&a, &exclude, &nexclude, optarg); break;
        case 'f': push(&a, &force, &nforce, optarg); break;
        case 'C': campaign = optarg; break;
        case 'h': fputs(help, stdout); arena_free(&a); return 0;
        default: arena_free(&a); return cli_usage_error("selection", "unknown option '%s'", argv[optind - 1]);
        }
        if (!ok) {
            arena_free(&a);
            return cli_usage_error("selection", "'%s' is not a number for %s", optarg, argv[optind - 2]);
        }
    }
    const char *sub = optind < argc ? argv[optind++] : NULL;
    const char *arg = optind < argc ? argv[optind++] : NULL;
    if (!sub || (strcmp(sub, "run") != 0 && strcmp(sub, "show") != 0 && strcmp(sub, "confirm") != 0 &&
                 strcmp(sub, "verify") != 0)) {
        arena_free(&a);
        return sub ? cli_usage_error("selection", "unknown subcommand '%s'", sub)
                   : cli_usage_error("selection", "say run, show, confirm or verify");
    }
    if (!arg || optind < argc) {
        arena_free(&a);
        return !arg ? cli_usage_error("selection", "%s needs %s", sub, strcmp(sub, "run") == 0 ? "a programme's slug" : "a run's id")
                    : cli_usage_error("selection", "unexpected argument '%s'", argv[optind]);
    }
    struct err e;
    err_clear(&e);
    struct store *st = schema_open(db, false, NULL, &e);
    if (!st) {
        fprintf(stderr, "edubridge selection: %s\n", e.msg);
        arena_free(&a);
        return 1;
    }
    struct audit_actor by;
    char label[128];
    audit_cli_actor(&by, label, sizeof label);
    struct selection_run *r = NULL;
    if (strcmp(sub, "run") == 0) {
        struct programme *p;
        if (programme_find(st, &a, arg, &p, &e) < 0) {
            rc = failed(&e);
            goto out;
        }
        struct selrun_rules rules;
        selrun_rules_default(p, &rules);
        if (size >= 0) rules.size = size;
        if (cap >= 0) rules.max_per_country = cap;
        if (informal >= 0) rules.min_informal = informal;
        if (rural >= 0) rules.min_rural_percent = rural;
        if (!isnan(min_need)) rules.min_need = min_need;
        if (no_consent) rules.require_consent = false;
        rules.exclude = exclude;
        rules.nexclude = nexclude;
        rules.force = force;
        rules.nforce = nforce;
        if (selrun_draft(st, &a, p, campaign, &rules, false, &by, &r, &e) < 0) {
            rc = failed(&e);
            goto out;
        }
        print_result(&a, r);
        rc = r->feasible ? 0 : 1;
        goto out;
    }
    if (selrun_load(st, &a, NULL, arg, &r, &e) < 0) {
        rc = failed(&e);
        goto out;
    }
    if (strcmp(sub, "show") == 0) {
        print_result(&a, r);
    } else if (strcmp(sub, "confirm") == 0) {
        if (selrun_confirm(st, &a, r, &by, &e) < 0) rc = failed(&e);
        else printf("%s: confirmed; %zu institutions marked selected\n", r->id, r->result.nchosen);
    } else {
        bool same;
        const char *why;
        if (selrun_verify(r, &a, &same, &why, &e) < 0) rc = failed(&e);
        else if (same) printf("%s: reproducible: the same selection and reserve list\n", r->id);
        else {
            printf("%s: NOT reproducible: %s\n", r->id, why);
            rc = 1;
        }
    }
out:
    store_close(st);
    arena_free(&a);
    return rc;
}

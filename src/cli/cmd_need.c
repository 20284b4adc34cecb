/* edubridge need ranking|explain|model: a campaign's need index from the command line
 * (program/assessment.h). */
#include "cli/cli.h"

#include "base/arena.h"
#include "forms/table_out.h"
#include "program/assessment.h"
#include "program/programme.h"
#include "program/schema.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "Usage: edubridge need ranking PROGRAMME [--campaign ID] [--csv] [--db PATH]\n"
    "       edubridge need explain PROGRAMME INSTITUTION_ID [--campaign ID] [--db PATH]\n"
    "       edubridge need model PROGRAMME [--campaign ID] [--set FILE.json | --default] [--db PATH]\n\n"
    "The need index of a programme's needs-survey campaign (or --campaign ID), as\n"
    "docs/need-index.md describes it.\n\n"
    "  ranking   every institution of the register in need order: score 0-100, rank, and the\n"
    "            median rank with its 90% interval over the sensitivity analysis's draws;\n"
    "            --csv writes the same as the page's CSV download\n"
    "  explain   one institution's score, indicator by indicator: raw value, value on the common\n"
    "            scale, weight, and its contribution in points (the contributions add up to the score)\n"
    "  model     prints the campaign's model (indicators, domains, weights, method) as JSON;\n"
    "            --set FILE.json checks and stores one (nothing is stored when it has a problem),\n"
    "            --default goes back to the shipped model\n\n"
    "  --db PATH  the SQLite database file (default: $EDUBRIDGE_DB, else edubridge.db)\n";

static int campaign_of(struct store *st, struct arena *a, const char *slug, const char *campaign_id,
                       struct campaign **out)
{
    struct err e;
    err_clear(&e);
    struct programme *p;
    if (programme_find(st, a, slug, &p, &e) < 0) {
        fprintf(stderr, "edubridge need: %s: %s\n", slug, e.code == ERR_NOT_FOUND ? "no such programme" : e.msg);
        return 1;
    }
    int rc = campaign_id ? campaign_find(st, a, p->id, campaign_id, out, &e) : assess_needs_campaign(st, a, p->id, out, &e);
    if (rc < 0) {
        fprintf(stderr, "edubridge need: %s\n", e.code == ERR_NOT_FOUND && campaign_id ? "no such campaign in this programme" : e.msg);
        return 1;
    }
    return 0;
}

static int write_stdout(void *ctx, const void *data, size_t len)
{
    (void)ctx;
    return fwrite(data, 1, len, stdout) == len ? 0 : -1;
}

static int ranking(struct store *st, struct arena *a, const struct campaign *c, bool csv)
{
    struct err e;
    err_clear(&e);
    struct assessment as;
    if (assess_compute(st, a, c, true, &as, &e) < 0) {
        fprintf(stderr, "edubridge need ranking: %s\n", e.msg);
        return 1;
    }
    if (csv) {
        struct table_out t;
        assess_table(&as, a, &t);
        return table_out_csv(&t, write_stdout, NULL, &e) < 0 ? 1 : 0;
    }
    printf("%s: %zu institutions, %zu with a score (%s, %s model)\n", c->name, as.nrows, as.scored,
           ni_norm_name(as.model.norm), as.model_stored ? "the campaign's" : "the shipped");
    printf("%5s  %6s  %-13s  %-40s  %s\n", "rank", "score", "median [90%]", "institution", "country");
    for (size_t k = 0; k < as.nrows; k++) {
        const struct assess_row *r = &as.rows[as.order[k]];
        if (isnan(r->score)) {
            const char *why = assess_why_none(r);
            printf("%5s  %6s  %-13s  %-40s  %s  (", "-", "-", "-", r->name, r->country ? r->country : "-");
            printf(why, r->missing_domain ? r->missing_domain : "");
            printf(")\n");
            continue;
        }
        char sens[32];
        snprintf(sens, sizeof sens, "%.1f [%zu-%zu]", r->median_rank, r->rank_lo, r->rank_hi);
        printf("%5zu  %6.1f  %-13s  %-40s  %s\n", r->rank, r->score, sens, r->name, r->country ? r->country : "-");
    }
    if (as.eval_failures)
        printf("%zu values could not be computed and count as missing; the first: %s\n", as.eval_failures,
               as.first_failure);
    return 0;
}

static int explain(struct store *st, struct arena *a, const struct campaign *c, const char *id)
{
    struct err e;
    err_clear(&e);
    struct assessment as;
    if (assess_compute(st, a, c, false, &as, &e) < 0) {
        fprintf(stderr, "edubridge need explain: %s\n", e.msg);
        return 1;
    }
    long i = assess_find(&as, id);
    struct ni_explanation x;
    if (i < 0 || assess_explain(&as, (size_t)i, a, &x, &e) < 0) {
        fprintf(stderr, "edubridge need explain: %s: not in the register (or merged into another record)\n", id);
        return 1;
    }
    const struct assess_row *r = &as.rows[i];
    if (isnan(r->score)) {
        printf("%s: no score: ", r->name);
        printf(assess_why_none(r), r->missing_domain ? r->missing_domain : "");
        printf("\n");
    } else {
        printf("%s: score %.2f, rank %zu of %zu\n", r->name, r->score, r->rank, as.scored);
    }
    printf("%-28s %-14s %10s %10s %8s %12s\n", "indicator", "domain", "raw", "scaled", "weight", "points");
    for (size_t t = 0; t < x.nterms; t++) {
        const struct ni_term *term = &x.terms[t];
        const struct assess_indicator *ind = &as.model.indicators[term->indicator];
        if (!term->present) {
            printf("%-28s %-14s %10s\n", ind->id, ind->domain, "missing");
            continue;
        }
        printf("%-28s %-14s %10.3g %10.2f %7.1f%% %12.2f\n", ind->id, ind->domain, term->raw, term->normalised,
               100 * term->weight, term->contribution);
    }
    return 0;
}

static int model(struct store *st, struct arena *a, const struct campaign *c, const char *file, bool reset)
{
    struct err e;
    err_clear(&e);
    struct assess_model m;
    bool stored;
    if (!file && !reset) {
        if (assess_model_load(st, a, c, &m, &stored, &e) < 0) {
            fprintf(stderr, "edubridge need model: %s\n", e.msg);
            return 1;
        }
        printf("%s\n", assess_model_json(a, &m));
        return 0;
    }
    struct audit_actor by;
    char label[128];
    audit_cli_actor(&by, label, sizeof label);
    if (reset) {
        if (assess_model_reset(st, c, &by, &e) < 0) {
            fprintf(stderr, "edubridge need model: %s\n", e.msg);
            return 1;
        }
        printf("%s: back to the shipped need model\n", c->name);
        return 0;
    }
    {
        FILE *f = fopen(file, "rb");
        if (!f) {
            perror(file);
            return 1;
        }
        char *text = arena_alloc(a, 1 << 20);
        size_t n = fread(text, 1, (1 << 20) - 1, f);
        fclose(f);
        text[n] = '\0';
        if (assess_model_parse(a, text, &m, &e) < 0) {
            fprintf(stderr, "edubridge need model: %s: %s\n", file, e.msg);
            return 1;
        }
    }
    if (assess_model_save(st, a, c, &m, &by, &e) < 0) {
        fprintf(stderr, "edubridge need model: %s (nothing was stored)\n", e.msg);
        return 1;
    }
    printf("%s: the need model is stored\n", c->name);
    return 0;
}

int cmd_need(int argc, char **argv)
{
    const char *db = cli_db_default(), *campaign = NULL, *set = NULL;
    bool csv = false, reset = false;
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'}, {"campaign", required_argument, NULL, 'c'},
                                         {"csv", no_argument, NULL, 'v'},       {"set", required_argument, NULL, 's'},
                                         {"default", no_argument, NULL, 'r'},   {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case 'd': db = optarg; break;
        case 'c': campaign = optarg; break;
        case 'v': csv = true; break;
        case 's': set = optarg; break;
        case 'r': reset = true; break;
        case 'h': fputs(help, stdout); return 0;
        default: return cli_usage_error("need", "unknown option '%s'", argv[optind - 1]);
        }
    }
    const char *sub = optind < argc ? argv[optind++] : NULL;
    if (!sub) return cli_usage_error("need", "say ranking, explain or model");
    bool is_ranking = strcmp(sub, "ranking") == 0, is_explain = strcmp(sub, "explain") == 0,
         is_model = strcmp(sub, "model") == 0;
    if (!is_ranking && !is_explain && !is_model) return cli_usage_error("need", "unknown subcommand '%s'", sub);
    const char *slug = optind < argc ? argv[optind++] : NULL;
    if (!slug) return cli_usage_error("need", "%s needs a programme (its short name, as in its address)", sub);
    const char *inst = is_explain && optind < argc ? argv[optind++] : NULL;
    if (is_explain && !inst) return cli_usage_error("need", "explain needs an institution id");
    if (optind < argc) return cli_usage_error("need", "unexpected argument '%s'", argv[optind]);
    if (set && reset) return cli_usage_error("need", "--set and --default cannot go together");
    if ((set || reset) && !is_model) return cli_usage_error("need", "--set and --default are for need model");
    struct err e;
    err_clear(&e);
    struct store *st = schema_open(db, false, NULL, &e);
    if (!st) {
        fprintf(stderr, "edubridge need: %s\n", e.msg);
        return 1;
    }
    struct arena a;
    arena_init(&a, 256 * 1024);
    struct campaign *c;
    int rc = campaign_of(st, &a, slug, campaign, &c);
    if (rc == 0) {
        rc = is_ranking ? ranking(st, &a, c, csv) : is_explain ? explain(st, &a, c, inst) : model(st, &a, c, set, reset);
    }
    arena_free(&a);
    store_close(st);
    return rc;
}

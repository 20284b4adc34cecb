/* edubridge programme list|show|add|set and edubridge campaign add|list: programmes and their
 * campaigns from the command line, under the same rules as the pages (program/programme.h,
 * program/campaign.h), each change audited as cli:USER. */
#include "cli/cli.h"

#include "base/arena.h"
#include "base/str.h"
#include "program/campaign.h"
#include "program/programme.h"
#include "program/schema.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char programme_help[] =
    "Usage: edubridge programme list [--db PATH]\n"
    "       edubridge programme show SLUG [--db PATH]\n"
    "       edubridge programme add --name NAME --slug SLUG [--summary TEXT] [--pilot-size N]\n"
    "                               [--devices N] [--starts YYYY-MM-DD --ends YYYY-MM-DD] [--db PATH]\n"
    "       edubridge programme set SLUG KEY VALUE [--db PATH]\n\n"
    "A programme has phases with dates, campaigns (edubridge campaign), a pilot size and a number of\n"
    "devices per institution. Its page is /programmes/SLUG.\n\n"
    "  list   the programmes: slug, name, dates, pilot size and devices\n"
    "  show   one programme: its settings, phases and campaigns with their answer counts\n"
    "  add    a new programme; the pilot size (1 to 1000) and the devices per institution (0 to\n"
    "         1000) are 10 unless given; the slug is 2 to 64 lower-case letters, digits and hyphens\n"
    "  set    changes one setting: name, slug, summary, starts, ends (a date, or '' for none),\n"
    "         pilot_size, devices, max_per_country (0: no limit), min_informal, min_rural_percent\n\n"
    "Phases are set on the page /programmes/SLUG/phases. Every change is recorded in the audit trail.\n\n"
    "  --db PATH   the SQLite database file (default: $EDUBRIDGE_DB, else edubridge.db)\n";

static const char campaign_help[] =
    "Usage: edubridge campaign add PROGRAMME_SLUG --name NAME --form FORM_ID [--kind KIND]\n"
    "                              [--opens YYYY-MM-DD] [--closes YYYY-MM-DD] [--status STATUS] [--db PATH]\n"
    "       edubridge campaign list [PROGRAMME_SLUG] [--db PATH]\n\n"
    "A campaign runs one imported form (edubridge form import) for a programme between two days; its\n"
    "answers are the form's answer sets first submitted between them (UTC).\n\n"
    "  add    a new campaign. KIND: needs_survey (the default), baseline, endline, session_feedback\n"
    "         or application; STATUS: draft (the default), open or closed. The days lie within the\n"
    "         programme's dates, opening not after closing.\n"
    "  list   the campaigns (of one programme, or of all) with their answer counts\n\n"
    "A new campaign is recorded in the audit trail.\n\n"
    "  --db PATH   the SQLite database file (default: $EDUBRIDGE_DB, else edubridge.db)\n";

/* Exit status for a failed call: 2 when the input breaks a rule (bad usage), 1 otherwise. */
static int failed(const char *cmd, const struct err *e)
{
    fprintf(stderr, "edubridge %s: %s\n", cmd, e->msg);
    return e->code == ERR_INVALID ? EXIT_USAGE : 1;
}

static bool whole(const char *s, int *out)
{
    int64_t v;
    if (!str_to_int64(s, -1000000, 1000000, &v)) return false;
    *out = (int)v;
    return true;
}

static const char *or_none(const char *s)
{
    return s && *s ? s : "-";
}

static void print_programme_row(const struct programme *p)
{
    printf("%s\t%s\t%s..%s\tpilot %d\tdevices %d%s\n", p->slug, p->name, or_none(p->starts_on), or_none(p->ends_on),
           p->pilot_size, p->devices_per_institution, p->is_demo ? "\tdemo" : "");
}

static void print_campaign_row(const struct campaign *c, const char *slug)
{
    printf("%s\t%s\t%s\t%s\t%s..%s\t%s\t%lld answers\n", c->id, slug ? slug : c->programme_id, c->name, c->form_id,
           or_none(c->opens_on), or_none(c->closes_on), c->status, (long long)c->responses);
}

static int show(struct store *st, struct arena *a, const char *slug)
{
    struct err e;
    err_clear(&e);
    struct programme *p;
    struct campaign *cs;
    size_t n;
    if (programme_find(st, a, slug, &p, &e) < 0 || campaign_list(st, a, p->id, &cs, &n, &e) < 0)
        return failed("programme", &e);
    printf("slug: %s\nname: %s\n", p->slug, p->name);
    if (*p->summary) printf("summary: %s\n", p->summary);
    printf("starts: %s\nends: %s\npilot_size: %d\ndevices: %d\nmax_per_country: %d\nmin_informal: %d\n"
           "min_rural_percent: %d\n",
           or_none(p->starts_on), or_none(p->ends_on), p->pilot_size, p->devices_per_institution, p->max_per_country,
           p->min_informal, p->min_rural_percent);
    printf("phases:%s\n", p->phase_count ? "" : " none");
    for (size_t i = 0; i < p->phase_count; i++)
        printf("  %s\t%s..%s\n", p->phases[i].kind, p->phases[i].starts_on, p->phases[i].ends_on);
    printf("campaigns:%s\n", n ? "" : " none");
    for (size_t i = 0; i < n; i++) {
        printf("  ");
        print_campaign_row(&cs[i], p->slug);
    }
    return 0;
}

/* KEY VALUE onto p; EXIT_USAGE (message printed) when the key is unknown or the number is not one. */
static int set_key(struct programme *p, const char *key, const char *value)
{
    int *num = NULL;
    if (strcmp(key, "name") == 0) p->name = value;
    else if (strcmp(key, "slug") == 0) p->slug = value;
    else if (strcmp(key, "summary") == 0) p->summary = value;
    else if (strcmp(key, "starts") == 0 || strcmp(key, "starts_on") == 0) p->starts_on = value;
    else if (strcmp(key, "ends") == 0 || strcmp(key, "ends_on") == 0) p->ends_on = value;
    else if (strcmp(key, "pilot_size") == 0 || strcmp(key, "pilot-size") == 0) num = &p->pilot_size;
    else if (strcmp(key, "devices") == 0 || strcmp(key, "devices_per_institution") == 0)
        num = &p->devices_per_institution;
    else if (strcmp(key, "max_per_country") == 0) num = &p->max_per_country;
    else if (strcmp(key, "min_informal") == 0) num = &p->min_informal;
    else if (strcmp(key, "min_rural_percent") == 0) num = &p->min_rural_percent;
    else
        return cli_usage_error("programme", "there is no setting '%s' (name, slug, summary, starts, ends, pilot_size, "
                                            "devices, max_per_country, min_informal, min_rural_percent)",
                               key);
    if (num && !whole(value, num)) return cli_usage_error("programme", "%s needs a whole number, not '%s'", key, value);
    return 0;
}

int cmd_programme(int argc, char **argv)
{
    enum { O_NAME = 1, O_SLUG, O_SUMMARY, O_PILOT, O_DEVICES, O_STARTS, O_ENDS };
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},         {"help", no_argument, NULL, 'h'},
        {"name", required_argument, NULL, O_NAME},    {"slug", required_argument, NULL, O_SLUG},
        {"summary", required_argument, NULL, O_SUMMARY}, {"pilot-size", required_argument, NULL, O_PILOT},
        {"devices", required_argument, NULL, O_DEVICES}, {"starts", required_argument, NULL, O_STARTS},
        {"ends", required_argument, NULL, O_ENDS},    {NULL, 0, NULL, 0},
    };
    const char *db = cli_db_default();
    struct programme p = {.pilot_size = 10, .devices_per_institution = 10, .summary = ""};
    bool any_add_option = false;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (c >= O_NAME && c <= O_ENDS) any_add_option = true;
        switch (c) {
        case 'd': db = optarg; break;
        case 'h': fputs(programme_help, stdout); return 0;
        case O_NAME: p.name = optarg; break;
        case O_SLUG: p.slug = optarg; break;
        case O_SUMMARY: p.summary = optarg; break;
        case O_PILOT:
            if (!whole(optarg, &p.pilot_size))
                return cli_usage_error("programme", "--pilot-size needs a whole number, not '%s'", optarg);
            break;
        case O_DEVICES:
            if (!whole(optarg, &p.devices_per_institution))
                return cli_usage_error("programme", "--devices needs a whole number, not '%s'", optarg);
            break;
        case O_STARTS: p.starts_on = optarg; break;
        case O_ENDS: p.ends_on = optarg; break;
        case ':': return cli_usage_error("programme", "%s needs a value", argv[optind - 1]);
        default: return cli_usage_error("programme", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (!*db) return cli_usage_error("programme", "--db needs a file path");
    int rest = argc - optind;
    if (rest < 1) return cli_usage_error("programme", "say what to do: list, show, add or set");
    const char *verb = argv[optind];
    bool list = strcmp(verb, "list") == 0, show_one = strcmp(verb, "show") == 0, add = strcmp(verb, "add") == 0,
         set = strcmp(verb, "set") == 0;
    if (!list && !show_one && !add && !set)
        return cli_usage_error("programme", "unknown action '%s' (list, show, add or set)", verb);
    if (any_add_option && !add) return cli_usage_error("programme", "--name, --slug and the like go with add");
    if (list && rest != 1) return cli_usage_error("programme", "list takes no argument");
    if (show_one && rest != 2) return cli_usage_error("programme", "show needs exactly one SLUG");
    if (set && rest != 4) return cli_usage_error("programme", "set needs a SLUG, a KEY and a VALUE");
    if (add && rest != 1) return cli_usage_error("programme", "add takes options only, not '%s'", argv[optind + 1]);
    if (add && (!p.name || !p.slug)) return cli_usage_error("programme", "add needs --name and --slug");

    struct err e;
    err_clear(&e);
    struct store *st = schema_open(db, add || set, NULL, &e);
    if (!st) {
        fprintf(stderr, "edubridge programme: %s\n", e.msg);
        return 1;
    }
    struct arena a;
    arena_init(&a, 16 * 1024);
    struct audit_actor by;
    char label[128];
    audit_cli_actor(&by, label, sizeof label);
    int rc = 0;
    if (list) {
        struct programme *ps;
        size_t n;
        if (programme_list(st, &a, &ps, &n, &e) < 0) rc = failed("programme", &e);
        for (size_t i = 0; rc == 0 && i < n; i++) print_programme_row(&ps[i]);
        if (rc == 0 && !n) fprintf(stderr, "edubridge programme: there is no programme yet\n");
    } else if (show_one) {
        rc = show(st, &a, argv[optind + 1]);
    } else if (add) {
        if (programme_create(st, &a, &p, &by, &e) < 0) rc = failed("programme", &e);
        else printf("added %s: /programmes/%s\n", p.slug, p.slug);
    } else {
        struct programme *old;
        if (programme_find(st, &a, argv[optind + 1], &old, &e) < 0) {
            rc = failed("programme", &e);
        } else {
            struct programme next = *old;
            rc = set_key(&next, argv[optind + 2], argv[optind + 3]);
            if (rc == 0 && programme_update(st, &a, &next, &by, &e) < 0) rc = failed("programme", &e);
            if (rc == 0) printf("%s: %s = %s\n", next.slug, argv[optind + 2], argv[optind + 3]);
        }
    }
    arena_free(&a);
    store_close(st);
    return rc;
}

int cmd_campaign(int argc, char **argv)
{
    enum { O_NAME = 1, O_FORM, O_KIND, O_OPENS, O_CLOSES, O_STATUS };
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},        {"help", no_argument, NULL, 'h'},
        {"name", required_argument, NULL, O_NAME},   {"form", required_argument, NULL, O_FORM},
        {"kind", required_argument, NULL, O_KIND},   {"opens", required_argument, NULL, O_OPENS},
        {"closes", required_argument, NULL, O_CLOSES}, {"status", required_argument, NULL, O_STATUS},
        {NULL, 0, NULL, 0},
    };
    const char *db = cli_db_default();
    struct campaign cam = {.kind = "needs_survey", .status = "draft"};
    bool any_add_option = false;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (c >= O_NAME && c <= O_STATUS) any_add_option = true;
        switch (c) {
        case 'd': db = optarg; break;
        case 'h': fputs(campaign_help, stdout); return 0;
        case O_NAME: cam.name = optarg; break;
        case O_FORM: cam.form_id = optarg; break;
        case O_KIND: cam.kind = optarg; break;
        case O_OPENS: cam.opens_on = optarg; break;
        case O_CLOSES: cam.closes_on = optarg; break;
        case O_STATUS: cam.status = optarg; break;
        case ':': return cli_usage_error("campaign", "%s needs a value", argv[optind - 1]);
        default: return cli_usage_error("campaign", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (!*db) return cli_usage_error("campaign", "--db needs a file path");
    int rest = argc - optind;
    if (rest < 1) return cli_usage_error("campaign", "say what to do: add or list");
    const char *verb = argv[optind];
    bool add = strcmp(verb, "add") == 0, list = strcmp(verb, "list") == 0;
    if (!add && !list) return cli_usage_error("campaign", "unknown action '%s' (add or list)", verb);
    if (list && (rest > 2 || any_add_option)) return cli_usage_error("campaign", "list takes at most a PROGRAMME_SLUG");
    if (add && rest != 2) return cli_usage_error("campaign", "add needs exactly one PROGRAMME_SLUG");
    if (add && (!cam.name || !cam.form_id)) return cli_usage_error("campaign", "add needs --name and --form");

    struct err e;
    err_clear(&e);
    struct store *st = schema_open(db, add, NULL, &e);
    if (!st) {
        fprintf(stderr, "edubridge campaign: %s\n", e.msg);
        return 1;
    }
    struct arena a;
    arena_init(&a, 16 * 1024);
    int rc = 0;
    struct programme *p = NULL;
    const char *slug = rest == 2 ? argv[optind + 1] : NULL;
    if (slug && programme_find(st, &a, slug, &p, &e) < 0) {
        rc = failed("campaign", &e);
    } else if (add) {
        struct audit_actor by;
        char label[128];
        audit_cli_actor(&by, label, sizeof label);
        if (campaign_create(st, &a, p, &cam, &by, &e) < 0) rc = failed("campaign", &e);
        else printf("added campaign %s to %s\n", cam.id, p->slug);
    } else {
        struct campaign *cs;
        size_t n;
        if (campaign_list(st, &a, p ? p->id : NULL, &cs, &n, &e) < 0) rc = failed("campaign", &e);
        /* Programmes by id, to print their slugs. */
        struct programme *ps = NULL;
        size_t np = 0;
        if (rc == 0 && !p && programme_list(st, &a, &ps, &np, &e) < 0) rc = failed("campaign", &e);
        for (size_t i = 0; rc == 0 && i < n; i++) {
            const char *of = p ? p->slug : NULL;
            for (size_t k = 0; !of && k < np; k++)
                if (strcmp(ps[k].id, cs[i].programme_id) == 0) of = ps[k].slug;
            print_campaign_row(&cs[i], of);
        }
        if (rc == 0 && !n) fprintf(stderr, "edubridge campaign: there is no campaign yet\n");
    }
    arena_free(&a);
    store_close(st);
    return rc;
}

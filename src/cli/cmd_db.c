/* edubridge init / demo: create or migrate a database, load the demo programme. */
#include "cli/cli.h"

#include "auth/demo_accounts.h"
#include "base/arena.h"
#include "program/demo.h"
#include "program/schema.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

/* Parses [--db PATH] [--help]; returns 0 to go on, 1 when help was printed, EXIT_USAGE on error. */
static int parse_db_options(const char *cmd, const char *help, int argc, char **argv, const char **db)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    *db = cli_db_default();
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case 'd': *db = optarg; break;
        case 'h': fputs(help, stdout); return 1;
        case ':': return cli_usage_error(cmd, "%s needs a value", argv[optind - 1]);
        default: return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (!**db) return cli_usage_error(cmd, "--db needs a file path");
    return 0;
}

int cmd_init(int argc, char **argv)
{
    static const char help[] =
        "Usage: edubridge init [--db PATH]\n\n"
        "Creates the database when it does not exist and brings its schema up to date.\n"
        "Running it again is safe: it applies only the migrations not yet applied.\n\n"
        "  --db PATH   the SQLite database file (default: $EDUBRIDGE_DB, else edubridge.db)\n";
    const char *db;
    int rc = parse_db_options("init", help, argc, argv, &db);
    if (rc) return rc == 1 ? 0 : rc;
    struct err e;
    err_clear(&e);
    int applied = 0;
    struct store *st = schema_open(db, true, &applied, &e);
    if (!st) {
        fprintf(stderr, "edubridge init: %s\n", e.msg);
        return 1;
    }
    int version = store_schema_version(st, &e);
    store_close(st);
    if (applied) printf("%s: applied %d migration%s, schema version %d\n", db, applied, applied == 1 ? "" : "s", version);
    else printf("%s: already up to date (schema version %d)\n", db, version);
    return 0;
}

int cmd_demo(int argc, char **argv)
{
    static const char help[] =
        "Usage: edubridge demo [--db PATH]\n\n"
        "Loads the deterministic demo programme (\"Bridging the Digital Divide in Education 2026\"),\n"
        "the needs survey (/s/needs-survey) and about 200 demo answers to it into the database, creating and migrating it first when needed. Demo records are marked as\n"
        "demo data. Loading twice changes nothing.\n\n"
        "It also makes one demo account per role (admin@demo.edubridge.test, coordinator@..., panel@...,\n"
        "institution@..., trainer@..., partner@...), all with the password printed, for trying\n"
        "edubridge only: disable them with 'edubridge user disable EMAIL' in a real programme.\n\n"
        "  --db PATH   the SQLite database file (default: $EDUBRIDGE_DB, else edubridge.db)\n";
    const char *db;
    int rc = parse_db_options("demo", help, argc, argv, &db);
    if (rc) return rc == 1 ? 0 : rc;
    struct err e;
    err_clear(&e);
    struct store *st = schema_open(db, true, NULL, &e);
    if (!st) {
        fprintf(stderr, "edubridge demo: %s\n", e.msg);
        return 1;
    }
    struct arena a;
    arena_init(&a, 64 * 1024);
    /* The accounts first: the demo's training sessions are run by the demo trainer. */
    int accounts = 0;
    rc = demo_accounts_load(st, &accounts, &e);
    struct demo_report report = {0};
    if (rc == 0) rc = demo_load(st, &a, &report, &e);
    /* After both: the demo institution contact's account is linked to a pilot institution. */
    if (rc == 0) rc = demo_accounts_link_institution(st, &a, NULL, &e);
    arena_free(&a);
    store_close(st);
    if (rc < 0) {
        fprintf(stderr, "edubridge demo: %s\n", e.msg);
        return 1;
    }
    if (!report.programme && !report.survey_answers) {
        printf("%s: the demo programme is already there\n", db);
    } else {
        printf("%s: demo programme loaded", db);
        if (report.survey_answers) printf(", with %d demo answers to the needs survey", report.survey_answers);
        printf("\n");
    }
    if (accounts) demo_accounts_print(stdout);
    return 0;
}

/* edubridge outbox send: the outbox's waiting messages sent once by SMTP (for cron on a hub that
 * is online only now and then), and the SMTP options that `serve` shares. */
#include "cli/cli.h"

#include "auth/mailer.h"
#include "base/str.h"
#include "program/schema.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cli_smtp_help[] =
    "  --smtp-url URL      send mail through this server: smtps://HOST:465 (TLS), or\n"
    "                      smtp://HOST:587, which must offer STARTTLS. User and password come from\n"
    "                      $EDUBRIDGE_SMTP_USER and $EDUBRIDGE_SMTP_PASSWORD, never from options\n"
    "  --smtp-from ADDR    the sender's address (needed with --smtp-url)\n"
    "  --smtp-insecure     allow smtp:// without TLS, for a relay on this machine or network\n"
    "  --smtp-tries N      tries before a message is given up (default 5)\n"
    "  --smtp-retry S      seconds before the second try, doubled after each failure (default 300)\n";

int cli_smtp_option(const char *cmd, int c, const char *arg, struct mailer_config *m)
{
    int64_t v;
    switch (c) {
    case CLI_SMTP_FIRST: m->url = arg; return 1;
    case CLI_SMTP_FIRST + 1: m->from = arg; return 1;
    case CLI_SMTP_FIRST + 2: m->insecure = true; return 1;
    case CLI_SMTP_FIRST + 3:
        if (!str_to_int64(arg, 1, 100, &v)) return cli_usage_error(cmd, "--smtp-tries must be a number from 1 to 100, not '%s'", arg);
        m->max_tries = (int)v;
        return 1;
    case CLI_SMTP_FIRST + 4:
        if (!str_to_int64(arg, 1, 86400, &v)) return cli_usage_error(cmd, "--smtp-retry must be a number of seconds from 1 to 86400, not '%s'", arg);
        m->retry_s = (int)v;
        return 1;
    default: return 0;
    }
}

int cli_smtp_finish(const char *cmd, struct mailer_config *m)
{
    if (!m->url) {
        if (m->from || m->insecure) return cli_usage_error(cmd, "--smtp-from and --smtp-insecure need --smtp-url");
        return 0;
    }
    const char *user = getenv("EDUBRIDGE_SMTP_USER"), *password = getenv("EDUBRIDGE_SMTP_PASSWORD");
    m->user = user && *user ? user : NULL;
    m->password = password;
    struct err e;
    err_clear(&e);
    if (mailer_config_check(m, &e) < 0) return cli_usage_error(cmd, "%s", e.msg);
    return 0;
}

static const char help[] =
    "Usage: edubridge outbox send --smtp-url URL --smtp-from ADDR [--db PATH] [--smtp-insecure]\n"
    "                             [--now] [--smtp-tries N] [--smtp-retry S]\n\n"
    "Sends the messages waiting in the outbox (password reset links) once, oldest first, and\n"
    "records each result on /admin/outbox and in the audit trail. A message that fails is tried\n"
    "again by a later run after a growing delay, and given up after --smtp-tries tries. Made for\n"
    "cron on a hub that is online only now and then; `edubridge serve --smtp-url` sends by itself.\n"
    "Exit status: 0 when nothing failed, 1 when a message could not be sent.\n\n"
    "  --db PATH           the SQLite database file (default: $EDUBRIDGE_DB, else edubridge.db)\n"
    "  --now               try every waiting message now, not only those whose delay has passed\n";

int cmd_outbox(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(help, argc < 2 ? stderr : stdout);
        fputs(cli_smtp_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    if (strcmp(argv[1], "send") != 0) return cli_usage_error("outbox", "unknown subcommand '%s'", argv[1]);
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"now", no_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        CLI_SMTP_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    const char *db = cli_db_default();
    bool now = false;
    struct mailer_config mc = {0};
    optind = 1;
    opterr = 0;
    int c;
    argc--, argv++;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        int smtp = cli_smtp_option("outbox send", c, optarg, &mc);
        if (smtp == 1) continue;
        if (smtp) return smtp;
        switch (c) {
        case 'd': db = optarg; break;
        case 'n': now = true; break;
        case 'h':
            fputs(help, stdout);
            fputs(cli_smtp_help, stdout);
            return 0;
        case ':': return cli_usage_error("outbox send", "%s needs a value", argv[optind - 1]);
        default: return cli_usage_error("outbox send", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) return cli_usage_error("outbox send", "unexpected argument '%s'", argv[optind]);
    int rc = cli_smtp_finish("outbox send", &mc);
    if (rc) return rc;
    if (!mc.url) return cli_usage_error("outbox send", "say which mail server to use with --smtp-url");

    struct err e;
    err_clear(&e);
    int applied = 0;
    struct store *st = schema_open(db, false, &applied, &e);
    if (!st) {
        fprintf(stderr, "edubridge outbox send: %s\n", e.msg);
        return 1;
    }
    if (mailer_global_init(&e) < 0) {
        store_close(st);
        fprintf(stderr, "edubridge outbox send: %s\n", e.msg);
        return 1;
    }
    struct mailer_result r;
    rc = mailer_send_due(st, &mc, now, &r, &e);
    mailer_global_cleanup();
    store_close(st);
    if (rc < 0) {
        fprintf(stderr, "edubridge outbox send: %s\n", e.msg);
        return 1;
    }
    printf("sent %d, failed %d (given up: %d)\n", r.sent, r.failed, r.gave_up);
    return r.failed ? 1 : 0;
}

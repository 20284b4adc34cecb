/* edubridge: one program runs a digital-divide programme end to end. */
#include "cli/cli.h"

#include "base/i18n.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmd_version(int argc, char **argv);
static int cmd_help(int argc, char **argv);

static const struct cli_command commands[] = {
    {"serve", "serve the web application", cmd_serve},
    {"init", "create or migrate a database", cmd_init},
    {"demo", "load the deterministic demo programme into a database", cmd_demo},
    {"form", "check, import, list and convert XLSForms: edubridge form validate|import|list|convert", cmd_form},
    {"export", "export a form's submissions as CSV, XLSX or JSON", cmd_export},
    {"user", "add, list and disable accounts, set passwords: edubridge user add|list|disable|passwd", cmd_user},
    {"privacy", "a person's data as JSON, or its erasure: edubridge privacy export|erase EMAIL", cmd_privacy},
    {"settings", "list, read and change settings (the anonymity threshold): edubridge settings list|get|set", cmd_settings},
    {"outbox", "send the messages waiting in the outbox by SMTP: edubridge outbox send", cmd_outbox},
    {"programme", "list, show, add and change programmes: edubridge programme list|show|add|set", cmd_programme},
    {"campaign", "add and list a programme's campaigns: edubridge campaign add|list", cmd_campaign},
    {"institutions", "the institution register: edubridge institutions import FILE|build", cmd_institutions},
    {"devices", "the device inventory: edubridge devices import|list|move|allocate", cmd_devices},
    {"need", "the need index: edubridge need ranking|explain|model PROGRAMME", cmd_need},
    {"selection", "selection runs: edubridge selection run PROGRAMME|show|confirm|verify RUN", cmd_selection},
    {"training", "the pilot's training: edubridge training import FILE|sessions|cascade PROGRAMME", cmd_training},
    {"routes", NULL, cmd_routes}, /* for docs and tests: not listed */
    {"version", "print the version", cmd_version},
    {"help", "list the commands, or explain one: edubridge help COMMAND", cmd_help},
};
enum { COMMAND_COUNT = sizeof commands / sizeof commands[0] };

const char *cli_db_default(void)
{
    const char *env = getenv("EDUBRIDGE_DB");
    return env && *env ? env : "edubridge.db";
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    fprintf(stderr, "edubridge %s: ", cmd);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'edubridge %s --help'.\n", cmd);
    return EXIT_USAGE;
}

static void print_overview(FILE *out)
{
    fprintf(out, "edubridge %s: run a programme that bridges the digital divide in education.\n\n"
                 "Usage: edubridge COMMAND [OPTIONS]\n\nCommands:\n", EDUBRIDGE_VERSION);
    for (int i = 0; i < COMMAND_COUNT; i++)
        if (commands[i].summary) fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nEach command explains itself with --help. Environment: EDUBRIDGE_DB (database file),\n"
                 "EDUBRIDGE_LISTEN (address:port to serve on).\n");
}

static int cmd_version(int argc, char **argv)
{
    (void)argv;
    if (argc > 1 && strcmp(argv[1], "--help") != 0) return cli_usage_error("version", "unexpected argument '%s'", argv[1]);
    if (argc > 1) {
        printf("Usage: edubridge version\nPrints the version of this edubridge.\n");
        return 0;
    }
    printf("edubridge %s\n", EDUBRIDGE_VERSION);
    return 0;
}

static const struct cli_command *find_command(const char *name)
{
    for (int i = 0; i < COMMAND_COUNT; i++)
        if (strcmp(commands[i].name, name) == 0) return &commands[i];
    return NULL;
}

static int cmd_help(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        print_overview(stdout);
        return 0;
    }
    const struct cli_command *c = find_command(argv[1]);
    if (!c) return cli_usage_error("help", "there is no command '%s'", argv[1]);
    char *args[] = {(char *)c->name, "--help", NULL};
    return c->run(2, args);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_overview(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) return cmd_help(1, argv);
    if (strcmp(argv[1], "--version") == 0) return cmd_version(1, argv);
    const struct cli_command *c = find_command(argv[1]);
    if (!c) {
        fprintf(stderr, "edubridge: there is no command '%s'.\n\n", argv[1]);
        print_overview(stderr);
        return EXIT_USAGE;
    }
    /* Every command that builds a form reads the catalogues: the text question that or_other adds
     * is labelled in the form's languages (forms/xlsform_survey.c), the same from every command. */
    struct err e;
    err_clear(&e);
    if (i18n_init(&e) < 0) {
        fprintf(stderr, "edubridge: %s\n", e.msg);
        return 1;
    }
    int rc = c->run(argc - 1, argv + 1);
    i18n_shutdown();
    return rc;
}

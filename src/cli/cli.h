/* cli: the edubridge command line. Each subcommand lives in its own file and is listed in
 * main.c; it parses its own options, prints --help, and returns the process exit code:
 * 0 success, 1 the work failed (message on stderr), 2 bad usage. */
#ifndef EDUBRIDGE_CLI_H
#define EDUBRIDGE_CLI_H

enum { EXIT_USAGE = 2 };

struct cli_command {
    const char *name;
    const char *summary; /* NULL: a command `help` does not list */
    int (*run)(int argc, char **argv);
};

int cmd_serve(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_form(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_privacy(int argc, char **argv);
int cmd_settings(int argc, char **argv);
int cmd_routes(int argc, char **argv);
int cmd_institutions(int argc, char **argv);
int cmd_devices(int argc, char **argv);
int cmd_programme(int argc, char **argv);
int cmd_campaign(int argc, char **argv);
int cmd_outbox(int argc, char **argv);
int cmd_need(int argc, char **argv);
int cmd_selection(int argc, char **argv);
int cmd_training(int argc, char **argv);

/* The database path: --db, else $EDUBRIDGE_DB, else "edubridge.db". */
const char *cli_db_default(void);
/* Prints "edubridge CMD: MESSAGE" and the hint to use --help; returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The SMTP options shared by `serve` and `outbox send` (cmd_outbox.c): their getopt entries
 * (CLI_SMTP_OPTIONS, codes from CLI_SMTP_FIRST), their help text, one option read into c, and
 * the check at the end, which reads the credentials from the environment. */
struct mailer_config;
enum { CLI_SMTP_FIRST = 0x100 };
#define CLI_SMTP_OPTIONS \
    {"smtp-url", required_argument, NULL, CLI_SMTP_FIRST}, \
    {"smtp-from", required_argument, NULL, CLI_SMTP_FIRST + 1}, \
    {"smtp-insecure", no_argument, NULL, CLI_SMTP_FIRST + 2}, \
    {"smtp-tries", required_argument, NULL, CLI_SMTP_FIRST + 3}, \
    {"smtp-retry", required_argument, NULL, CLI_SMTP_FIRST + 4}
extern const char cli_smtp_help[];
/* 1: c was an SMTP option (read into m); 0: it was not; EXIT_USAGE (message printed): bad value. */
int cli_smtp_option(const char *cmd, int c, const char *arg, struct mailer_config *m);
/* 0 when the options make sense together (with the environment's credentials read into m);
 * EXIT_USAGE with the message printed otherwise. */
int cli_smtp_finish(const char *cmd, struct mailer_config *m);

#endif

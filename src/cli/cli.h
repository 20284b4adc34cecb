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

/* The database path: --db, else $EDUBRIDGE_DB, else "edubridge.db". */
const char *cli_db_default(void);
/* Prints "edubridge CMD: MESSAGE" and the hint to use --help; returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif

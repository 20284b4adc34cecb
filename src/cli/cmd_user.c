/* edubridge user add|list|disable|passwd|link: accounts from the command line, the first
 * administrator's included, and an institution contact's link to their institution. */
#include "cli/cli.h"

#include "auth/password.h"
#include "auth/users.h"
#include "base/arena.h"
#include "program/schema.h"

#include <getopt.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static const char help[] =
    "Usage: edubridge user add --role ROLE EMAIL [--name NAME] [--institution ID] [--db PATH]\n"
    "       edubridge user list [--db PATH]\n"
    "       edubridge user disable EMAIL [--db PATH]\n"
    "       edubridge user passwd EMAIL [--db PATH]\n"
    "       edubridge user link EMAIL INSTITUTION_ID [--db PATH]\n\n"
    "The accounts people sign in with. A password is never given on the command line, where\n"
    "anyone on the machine could read it: it is asked for on the terminal, twice and without\n"
    "echo, or read from the first line of standard input when that is not a terminal:\n"
    "    printf '%s\\n' \"$PASSWORD\" | edubridge user add --role admin ada@example.org\n"
    "A password has at least 10 characters.\n\n"
    "  add       makes an account. ROLE is one of: admin (everything), coordinator (runs\n"
    "            programmes and campaigns), panel (reads and scores applications), institution\n"
    "            (an institution's contact), trainer, partner (aggregated reports only)\n"
    "  list      the accounts with their role and state\n"
    "  disable   stops an account from signing in and ends its sessions; the record stays\n"
    "  passwd    sets a new password and ends the account's sessions\n"
    "  link      links an institution contact's account to the institution it speaks for (an id\n"
    "            of the register, not merged away): they then see that institution's record\n\n"
    "  --role ROLE       the new account's role (add only)\n"
    "  --name NAME       the name pages show (add only; default: the part of EMAIL before '@')\n"
    "  --institution ID  the institution of a new institution contact (add --role institution only)\n"
    "  --db PATH     the SQLite database file (default: $EDUBRIDGE_DB, else edubridge.db)\n";

enum { LINE_SIZE = PASSWORD_MAX_BYTES + 3 };

/* --- reading a password ------------------------------------------------------------------------ */

/* The terminal's settings while echo is off, so that Ctrl-C does not leave it silent. */
static struct termios saved_tty;
static volatile sig_atomic_t echo_off;

static void restore_tty(int sig)
{
    if (echo_off) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* One line into buf without its line ending; -1 at end of input, -2 when longer than buf holds. */
static int read_line(char *buf, size_t size)
{
    if (!fgets(buf, (int)size, stdin)) return -1;
    size_t n = strlen(buf);
    if (n && buf[n - 1] == '\n') buf[--n] = '\0';
    else if (!feof(stdin)) return -2;
    if (n && buf[n - 1] == '\r') buf[--n] = '\0';
    return 0;
}

static int prompt_hidden(const char *prompt, char *buf, size_t size)
{
    fputs(prompt, stderr);
    fflush(stderr);
    struct termios quiet;
    bool changed = tcgetattr(STDIN_FILENO, &saved_tty) == 0;
    if (changed) {
        quiet = saved_tty;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        quiet.c_lflag |= ECHONL;
        signal(SIGINT, restore_tty);
        signal(SIGTERM, restore_tty);
        echo_off = 1;
        changed = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
    }
    int rc = read_line(buf, size);
    if (changed) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
    echo_off = 0;
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    return rc;
}

/* The new password, from the terminal (twice) or standard input's first line; checked against the
 * rules. Prints why and returns -1 when there is none to use. */
static int read_new_password(const char *cmd, char *pw, size_t size)
{
    int rc;
    if (isatty(STDIN_FILENO)) {
        char again[LINE_SIZE];
        rc = prompt_hidden("New password: ", pw, size);
        if (rc == 0) {
            enum password_problem pp = password_acceptable(pw);
            if (pp != PASSWORD_OK) {
                fprintf(stderr, "edubridge user %s: %s\n", cmd, password_problem_text(pp));
                return -1;
            }
            rc = prompt_hidden("The same password again: ", again, sizeof again);
            if (rc == 0 && strcmp(pw, again) != 0) {
                sodium_memzero(again, sizeof again);
                fprintf(stderr, "edubridge user %s: the two passwords are not the same\n", cmd);
                return -1;
            }
            sodium_memzero(again, sizeof again);
        }
    } else {
        rc = read_line(pw, size);
    }
    if (rc == -2) {
        fprintf(stderr, "edubridge user %s: the password is longer than %d bytes\n", cmd, PASSWORD_MAX_BYTES);
        return -1;
    }
    if (rc < 0) {
        fprintf(stderr, "edubridge user %s: no password was given (standard input was empty)\n", cmd);
        return -1;
    }
    enum password_problem pp = password_acceptable(pw);
    if (pp != PASSWORD_OK) {
        fprintf(stderr, "edubridge user %s: %s\n", cmd, password_problem_text(pp));
        return -1;
    }
    return 0;
}

/* --- the actions ------------------------------------------------------------------------------- */

static struct store *open_db(const char *cmd, const char *db)
{
    struct err e;
    err_clear(&e);
    struct store *st = schema_open(db, true, NULL, &e);
    if (!st) fprintf(stderr, "edubridge user %s: %s\n", cmd, e.msg);
    return st;
}

static int add(const char *db, const char *email, enum auth_role role, const char *name, const char *institution)
{
    struct arena a;
    arena_init(&a, 4096);
    struct err e;
    err_clear(&e);
    const char *norm;
    if (user_normalise_email(&a, email, &norm, &e) < 0) {
        arena_free(&a);
        return cli_usage_error("user", "%s: %s", email, e.msg);
    }
    char pw[LINE_SIZE];
    if (read_new_password("add", pw, sizeof pw) < 0) {
        arena_free(&a);
        return 1;
    }
    struct store *st = open_db("add", db);
    int rc = st ? 0 : -1;
    struct user u;
    if (st) {
        struct audit_actor by;
        char label[128];
        audit_cli_actor(&by, label, sizeof label);
        struct user_new in = {.email = norm, .display_name = name, .role = role, .by = &by,
                              .institution_id = institution};
        rc = user_add(st, &a, &in, pw, &u, &e);
        if (rc < 0) fprintf(stderr, "edubridge user add: %s\n", e.msg);
        else printf("added %s (%s, %s) to %s\n", u.email, auth_role_name(u.role), u.display_name, db);
        if (rc == 0 && u.institution_id) printf("linked %s to the institution %s\n", u.email, u.institution_id);
        store_close(st);
    }
    sodium_memzero(pw, sizeof pw);
    arena_free(&a);
    return rc < 0 ? 1 : 0;
}

static int list(const char *db)
{
    struct store *st = open_db("list", db);
    if (!st) return 1;
    struct arena a;
    arena_init(&a, 16 * 1024);
    struct err e;
    err_clear(&e);
    struct user *users;
    size_t n;
    int rc = user_list(st, &a, &users, &n, &e);
    if (rc < 0) fprintf(stderr, "edubridge user list: %s\n", e.msg);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        printf("%-34s %-12s %s%s%s%s%s\n", users[i].email, auth_role_name(users[i].role), users[i].display_name,
               users[i].disabled_at ? " [disabled]" : "", users[i].is_demo ? " [demo]" : "",
               users[i].institution_id ? " institution:" : "", users[i].institution_id ? users[i].institution_id : "");
    }
    if (rc == 0 && n == 0) printf("no accounts yet: add the first with 'edubridge user add --role admin EMAIL'\n");
    arena_free(&a);
    store_close(st);
    return rc < 0 ? 1 : 0;
}

static int disable(const char *db, const char *email)
{
    struct store *st = open_db("disable", db);
    if (!st) return 1;
    struct err e;
    err_clear(&e);
    struct audit_actor by;
    char label[128];
    audit_cli_actor(&by, label, sizeof label);
    int rc = user_disable(st, email, &by, &e);
    store_close(st);
    if (rc < 0) {
        fprintf(stderr, "edubridge user disable: %s\n", e.msg);
        return 1;
    }
    printf("disabled %s: it can no longer sign in, and its sessions have ended\n", email);
    return 0;
}

static int passwd(const char *db, const char *email)
{
    struct store *st = open_db("passwd", db);
    if (!st) return 1;
    struct arena a;
    arena_init(&a, 4096);
    struct err e;
    err_clear(&e);
    struct user u;
    char pw[LINE_SIZE];
    struct audit_actor by;
    char label[128];
    audit_cli_actor(&by, label, sizeof label);
    int rc = user_find_by_email(st, &a, email, &u, NULL, &e);
    if (rc < 0) fprintf(stderr, "edubridge user passwd: %s\n", e.msg);
    if (rc == 0 && read_new_password("passwd", pw, sizeof pw) < 0) rc = -1;
    else if (rc == 0 && user_set_password(st, u.id, pw, &by, &e) < 0) {
        fprintf(stderr, "edubridge user passwd: %s\n", e.msg);
        rc = -1;
    }
    if (rc == 0) printf("new password set for %s; its sessions have ended\n", u.email);
    sodium_memzero(pw, sizeof pw);
    arena_free(&a);
    store_close(st);
    return rc < 0 ? 1 : 0;
}

static int link_account(const char *db, const char *email, const char *institution)
{
    struct store *st = open_db("link", db);
    if (!st) return 1;
    struct arena a;
    arena_init(&a, 4096);
    struct err e;
    err_clear(&e);
    struct audit_actor by;
    char label[128];
    audit_cli_actor(&by, label, sizeof label);
    struct user u;
    int rc = user_link_institution(st, &a, email, institution, &by, &u, &e);
    if (rc < 0) fprintf(stderr, "edubridge user link: %s\n", e.msg);
    else printf("linked %s to the institution %s\n", u.email, u.institution_id);
    arena_free(&a);
    store_close(st);
    return rc < 0 ? 1 : 0;
}

int cmd_user(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"role", required_argument, NULL, 'r'},
        {"name", required_argument, NULL, 'n'},
        {"institution", required_argument, NULL, 'i'},
        {"password", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = cli_db_default(), *role_name = NULL, *name = NULL, *institution = NULL;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'r': role_name = optarg; break;
        case 'n': name = optarg; break;
        case 'i': institution = optarg; break;
        case 'p': return cli_usage_error("user", "a password is never given on the command line: it is read from the terminal or standard input");
        case 'h': fputs(help, stdout); return 0;
        case ':': return cli_usage_error("user", "%s needs a value", argv[optind - 1]);
        default: return cli_usage_error("user", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (!*db) return cli_usage_error("user", "--db needs a file path");
    int rest = argc - optind;
    if (rest < 1) return cli_usage_error("user", "say what to do: add, list, disable, passwd or link");
    const char *verb = argv[optind];
    bool is_add = strcmp(verb, "add") == 0;
    if (!is_add && (role_name || name || institution))
        return cli_usage_error("user", "--role, --name and --institution go with add only");
    if (strcmp(verb, "list") == 0) {
        if (rest != 1) return cli_usage_error("user", "list takes no argument");
        return list(db);
    }
    if (strcmp(verb, "link") == 0) {
        if (rest != 3) return cli_usage_error("user", "link needs an EMAIL and an INSTITUTION_ID");
        return link_account(db, argv[optind + 1], argv[optind + 2]);
    }
    if (!is_add && strcmp(verb, "disable") != 0 && strcmp(verb, "passwd") != 0)
        return cli_usage_error("user", "unknown action '%s' (add, list, disable, passwd or link)", verb);
    if (rest != 2) return cli_usage_error("user", "%s needs exactly one EMAIL", verb);
    const char *email = argv[optind + 1];
    if (strcmp(verb, "disable") == 0) return disable(db, email);
    if (strcmp(verb, "passwd") == 0) return passwd(db, email);
    if (!role_name) return cli_usage_error("user", "add needs --role (admin, coordinator, panel, institution, trainer or partner)");
    enum auth_role role = auth_role_parse(role_name);
    if (role == AUTH_ROLE_NONE)
        return cli_usage_error("user", "there is no role '%s' (admin, coordinator, panel, institution, trainer or partner)", role_name);
    if (institution && role != AUTH_ROLE_INSTITUTION)
        return cli_usage_error("user", "--institution goes with --role institution only");
    if (institution && !*institution) return cli_usage_error("user", "--institution needs an institution's id");
    return add(db, email, role, name, institution);
}

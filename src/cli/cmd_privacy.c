/* edubridge privacy export|erase EMAIL: what is held about a person, and its erasure
 * (program/privacy.h). */
#include "cli/cli.h"

#include "base/arena.h"
#include "base/str.h"
#include "program/privacy.h"
#include "program/schema.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char help[] =
    "Usage: edubridge privacy export EMAIL [--output FILE] [--db PATH]\n"
    "       edubridge privacy erase EMAIL [--yes] [--db PATH]\n\n"
    "A person's data, found by their email address (ignoring ASCII case): their account, every\n"
    "answer set in which a question marked personal holds the address (all its revisions and\n"
    "drafts), the outbox messages to it, and the audit entries about them.\n\n"
    "  export    writes it all as JSON (standard output, or --output FILE): the account without\n"
    "            its password hash, the answer sets with their answers and their files' names,\n"
    "            types and sizes, the messages, the audit entries\n"
    "  erase     deletes it for real: the answers to personal questions (in every revision and\n"
    "            draft), the files answered to them, their place in the summaries, the messages,\n"
    "            and the account with its sessions and API tokens. Answers to other questions\n"
    "            stay, so that summaries still count them. It shows what it will erase and asks\n"
    "            for 'yes' on the terminal; --yes skips the question (scripts must give it)\n\n"
    "Both are recorded in the audit trail, which names the person only by a pseudonym.\n\n"
    "  --output FILE  where export writes (default: standard output)\n"
    "  --yes          erase without asking\n"
    "  --db PATH      the SQLite database file (default: $EDUBRIDGE_DB, else edubridge.db)\n";

static struct store *open_db(const char *cmd, const char *db)
{
    struct err e;
    err_clear(&e);
    struct store *st = schema_open(db, false, NULL, &e);
    if (!st) fprintf(stderr, "edubridge privacy %s: %s\n", cmd, e.msg);
    return st;
}

static int export_person(const char *db, const char *email, const char *output)
{
    struct store *st = open_db("export", db);
    if (!st) return 1;
    struct arena a;
    arena_init(&a, 64 * 1024);
    struct err e;
    err_clear(&e);
    struct audit_actor by;
    char label[128];
    audit_cli_actor(&by, label, sizeof label);
    struct strbuf json;
    strbuf_init(&json, &a, 16 * 1024);
    int rc = privacy_export(st, &a, email, &by, &json, &e);
    store_close(st);
    if (rc == ERR_INVALID) {
        arena_free(&a);
        return cli_usage_error("privacy", "%s: %s", email, e.msg);
    }
    if (rc < 0) {
        fprintf(stderr, "edubridge privacy export: %s\n", e.msg);
        arena_free(&a);
        return 1;
    }
    FILE *out = output ? fopen(output, "wb") : stdout;
    if (!out) {
        perror(output);
        arena_free(&a);
        return 1;
    }
    bool ok = fwrite(json.data, 1, json.len, out) == json.len;
    if (output) ok = fclose(out) == 0 && ok;
    else ok = fflush(out) == 0 && ok;
    if (!ok) {
        fprintf(stderr, "edubridge privacy export: cannot write %s\n", output ? output : "standard output");
        if (output) remove(output);
    }
    arena_free(&a);
    return ok ? 0 : 1;
}

static void print_found(const struct privacy_report *r)
{
    size_t answers = 0, files = 0;
    for (size_t i = 0; i < r->nsubs; i++) {
        answers += r->subs[i].personal_answers;
        files += r->subs[i].nattachments;
    }
    fprintf(stderr, "%s:\n", r->email);
    fprintf(stderr, "  account: %s\n", r->has_account ? auth_role_name(r->account.role) : "none");
    fprintf(stderr, "  answer sets (revisions and drafts) that name it: %zu, with %zu personal answers\n", r->nsubs, answers);
    fprintf(stderr, "  files with those answer sets: %zu (those answered to personal questions are deleted)\n", files);
    fprintf(stderr, "  outbox messages to it: %zu\n", r->noutbox);
}

/* Asks on the terminal; true only for "yes". */
static bool confirmed(void)
{
    fprintf(stderr, "This cannot be undone. Type yes to erase: ");
    fflush(stderr);
    char line[16];
    if (!fgets(line, sizeof line, stdin)) return false;
    line[strcspn(line, "\r\n")] = '\0';
    return strcmp(line, "yes") == 0;
}

static int erase_person(const char *db, const char *email, bool yes)
{
    if (!yes && !isatty(STDIN_FILENO))
        return cli_usage_error("privacy", "erase asks for confirmation on a terminal; without one, add --yes");
    struct store *st = open_db("erase", db);
    if (!st) return 1;
    struct arena a;
    arena_init(&a, 64 * 1024);
    struct err e;
    err_clear(&e);
    int rc = 0;
    if (!yes) {
        struct privacy_report r;
        rc = privacy_find(st, &a, email, &r, &e);
        if (rc == 0) {
            print_found(&r);
            if (!confirmed()) {
                fprintf(stderr, "nothing was erased\n");
                store_close(st);
                arena_free(&a);
                return 1;
            }
        }
    }
    struct audit_actor by;
    char label[128];
    audit_cli_actor(&by, label, sizeof label);
    struct privacy_erasure done;
    if (rc == 0) rc = privacy_erase(st, &a, email, &by, &done, &e);
    store_close(st);
    arena_free(&a);
    if (rc == ERR_INVALID) return cli_usage_error("privacy", "%s: %s", email, e.msg);
    if (rc < 0) {
        fprintf(stderr, "edubridge privacy erase: %s; nothing was erased\n", e.msg);
        return 1;
    }
    printf("erased the personal data of %s:\n"
           "  personal answers removed: %lld, from %lld answer sets (revisions and drafts)\n"
           "  files deleted: %lld\n"
           "  outbox messages deleted: %lld\n"
           "  account: %s\n",
           email, (long long)done.answers, (long long)done.submissions, (long long)done.attachments,
           (long long)done.outbox, done.account ? "deleted" : "none");
    if (done.account)
        printf("  its sessions ended: %lld; its API tokens deleted: %lld\n", (long long)done.sessions,
               (long long)done.tokens);
    return 0;
}

int cmd_privacy(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"output", required_argument, NULL, 'o'},
        {"yes", no_argument, NULL, 'y'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = cli_db_default(), *output = NULL;
    bool yes = false;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'o': output = optarg; break;
        case 'y': yes = true; break;
        case 'h': fputs(help, stdout); return 0;
        case ':': return cli_usage_error("privacy", "%s needs a value", argv[optind - 1]);
        default: return cli_usage_error("privacy", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (!*db) return cli_usage_error("privacy", "--db needs a file path");
    int rest = argc - optind;
    if (rest < 1) return cli_usage_error("privacy", "say what to do: export or erase");
    const char *verb = argv[optind];
    bool is_export = strcmp(verb, "export") == 0, is_erase = strcmp(verb, "erase") == 0;
    if (!is_export && !is_erase) return cli_usage_error("privacy", "unknown action '%s' (export or erase)", verb);
    if (rest != 2) return cli_usage_error("privacy", "%s needs exactly one EMAIL", verb);
    if (is_export && yes) return cli_usage_error("privacy", "--yes goes with erase");
    if (is_erase && output) return cli_usage_error("privacy", "--output goes with export");
    if (output && (!*output || strcmp(output, "-") == 0)) output = NULL;
    const char *email = argv[optind + 1];
    return is_export ? export_person(db, email, output) : erase_person(db, email, yes);
}

/* edubridge settings list|get|set: the settings a person may change, kept in the database so that
 * every server process and every command reads the same. Only the keys listed here: the others in
 * the settings table are edubridge's own (the pseudonym secret, pending work). */
#include "cli/cli.h"

#include "base/str.h"
#include "forms/summary.h"
#include "program/schema.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char help[] =
    "Usage: edubridge settings list [--db PATH]\n"
    "       edubridge settings get KEY [--db PATH]\n"
    "       edubridge settings set KEY VALUE [--db PATH]\n\n"
    "The settings of a database, read by every page and command at once (no restart needed).\n\n"
    "  anonymity_threshold   summaries show no count below it: such a count reads \"fewer than N\"\n"
    "                        (so do zeros, so that none and a few look the same). A whole number\n"
    "                        from 2 to 100; default 5.\n\n"
    "A change is recorded in the audit trail.\n\n"
    "  --db PATH   the SQLite database file (default: $EDUBRIDGE_DB, else edubridge.db)\n";

static const char *const keys[] = {"anonymity_threshold"};

static int show(struct store *st, const char *key, bool with_name)
{
    struct err e;
    err_clear(&e);
    int t;
    if (summary_threshold(st, &t, &e) < 0) {
        fprintf(stderr, "edubridge settings: %s\n", e.msg);
        return 1;
    }
    if (with_name) printf("%s = %d%s\n", key, t, t == SUMMARY_THRESHOLD_DEFAULT ? " (the default)" : "");
    else printf("%d\n", t);
    return 0;
}

int cmd_settings(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = cli_db_default();
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'h': fputs(help, stdout); return 0;
        case ':': return cli_usage_error("settings", "%s needs a value", argv[optind - 1]);
        default: return cli_usage_error("settings", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (!*db) return cli_usage_error("settings", "--db needs a file path");
    int rest = argc - optind;
    if (rest < 1) return cli_usage_error("settings", "say what to do: list, get or set");
    const char *verb = argv[optind];
    bool list = strcmp(verb, "list") == 0, get = strcmp(verb, "get") == 0, set = strcmp(verb, "set") == 0;
    if (!list && !get && !set) return cli_usage_error("settings", "unknown action '%s' (list, get or set)", verb);
    if (list && rest != 1) return cli_usage_error("settings", "list takes no argument");
    if (get && rest != 2) return cli_usage_error("settings", "get needs exactly one KEY");
    if (set && rest != 3) return cli_usage_error("settings", "set needs a KEY and a VALUE");
    const char *key = list ? NULL : argv[optind + 1];
    if (key && strcmp(key, keys[0]) != 0)
        return cli_usage_error("settings", "there is no setting '%s' (anonymity_threshold)", key);
    int64_t value = 0;
    if (set && !str_to_int64(argv[optind + 2], SUMMARY_THRESHOLD_MIN, SUMMARY_THRESHOLD_MAX, &value))
        return cli_usage_error("settings", "anonymity_threshold is a whole number from %d to %d, not '%s'",
                               SUMMARY_THRESHOLD_MIN, SUMMARY_THRESHOLD_MAX, argv[optind + 2]);
    struct err e;
    err_clear(&e);
    struct store *st = schema_open(db, set, NULL, &e);
    if (!st) {
        fprintf(stderr, "edubridge settings: %s\n", e.msg);
        return 1;
    }
    int rc = 0;
    if (set) {
        struct audit_actor by;
        char label[128];
        audit_cli_actor(&by, label, sizeof label);
        if (summary_set_threshold(st, (int)value, &by, &e) < 0) {
            fprintf(stderr, "edubridge settings: %s\n", e.msg);
            rc = 1;
        } else {
            printf("%s = %lld\n", key, (long long)value);
        }
    } else {
        rc = show(st, keys[0], list);
    }
    store_close(st);
    return rc;
}

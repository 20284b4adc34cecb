/* edubridge settings list|get|set: the settings a person may change, kept in the database so that
 * every server process and every command reads the same. Only the keys listed here: the others in
 * the settings table are edubridge's own (the pseudonym secret, pending work). */
#include "cli/cli.h"

#include "base/str.h"
#include "forms/summary.h"
#include "program/reports.h"
#include "program/schema.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char help[] =
    "Usage: edubridge settings list [--db PATH]\n"
    "       edubridge settings get KEY [--db PATH]\n"
    "       edubridge settings set KEY VALUE [--db PATH]\n\n"
    "The settings of a database, read by every page and command at once (no restart needed).\n\n"
    "  anonymity_threshold   summaries and reports show no count of people below it: such a count\n"
    "                        reads \"fewer than N\" (so do zeros, so that none and a few look the same).\n"
    "                        A whole number from 2 to 100; default 5.\n"
    "  late_after_days       the dashboard calls devices late when shipped or allocated this many days\n"
    "                        ago and not delivered, and invitations unanswered this long. 1 to 365;\n"
    "                        default 14.\n"
    "  answer_rate_target    the dashboard flags a baseline or endline campaign whose answers are below\n"
    "                        this share of the respondent codes issued, per cent. 1 to 100; default 80.\n\n"
    "A change is recorded in the audit trail.\n\n"
    "  --db PATH   the SQLite database file (default: $EDUBRIDGE_DB, else edubridge.db)\n";

static int get_threshold(struct store *st, int *out, struct err *e) { return summary_threshold(st, out, e); }

/* The settings there are: each a whole number with its range, default, reader and writer. */
static const struct setting {
    const char *key;
    int min, max, def;
    int (*get)(struct store *st, int *out, struct err *e);
    int (*set)(struct store *st, int value, const struct audit_actor *by, struct err *e);
} settings[] = {
    {"anonymity_threshold", SUMMARY_THRESHOLD_MIN, SUMMARY_THRESHOLD_MAX, SUMMARY_THRESHOLD_DEFAULT, get_threshold,
     summary_set_threshold},
    {"late_after_days", 1, REP_LATE_DAYS_MAX, REP_LATE_DAYS_DEFAULT, rep_late_days, rep_set_late_days},
    {"answer_rate_target", 1, 100, REP_ANSWER_TARGET_DEFAULT, rep_answer_target, rep_set_answer_target},
};
enum { NSETTINGS = sizeof settings / sizeof settings[0] };

static const struct setting *setting_named(const char *key)
{
    for (size_t i = 0; key && i < NSETTINGS; i++)
        if (strcmp(settings[i].key, key) == 0) return &settings[i];
    return NULL;
}

static int show(struct store *st, const struct setting *k, bool with_name)
{
    struct err e;
    err_clear(&e);
    int v;
    if (k->get(st, &v, &e) < 0) {
        fprintf(stderr, "edubridge settings: %s\n", e.msg);
        return 1;
    }
    if (with_name) printf("%s = %d%s\n", k->key, v, v == k->def ? " (the default)" : "");
    else printf("%d\n", v);
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
    const struct setting *k = list ? NULL : setting_named(argv[optind + 1]);
    if (!list && !k)
        return cli_usage_error("settings", "there is no setting '%s' (anonymity_threshold, late_after_days, "
                                           "answer_rate_target)", argv[optind + 1]);
    int64_t value = 0;
    if (set && !str_to_int64(argv[optind + 2], k->min, k->max, &value))
        return cli_usage_error("settings", "%s is a whole number from %d to %d, not '%s'", k->key, k->min, k->max,
                               argv[optind + 2]);
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
        if (k->set(st, (int)value, &by, &e) < 0) {
            fprintf(stderr, "edubridge settings: %s\n", e.msg);
            rc = 1;
        } else {
            printf("%s = %lld\n", k->key, (long long)value);
        }
    } else if (list) {
        for (size_t i = 0; rc == 0 && i < NSETTINGS; i++) rc = show(st, &settings[i], true);
    } else {
        rc = show(st, k, false);
    }
    store_close(st);
    return rc;
}

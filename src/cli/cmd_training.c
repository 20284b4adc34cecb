/* edubridge training import|sessions|cascade: the pilot's training from the command line
 * (program/training.h, program/training_cascade.h). */
#include "cli/cli.h"

#include "base/arena.h"
#include "forms/sheet.h"
#include "program/institutions.h"
#include "program/programme.h"
#include "program/schema.h"
#include "program/training.h"
#include "program/training_cascade.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char help[] =
    "Usage: edubridge training import FILE [--dry-run] [--db PATH]\n"
    "       edubridge training sessions [--programme SLUG] [--db PATH]\n"
    "       edubridge training cascade PROGRAMME [--db PATH]\n\n"
    "  import    adds courses to the catalogue from a CSV or XLSX file: a header row naming the\n"
    "            columns (title, language and mode are required; provider, duration_minutes,\n"
    "            level, topics, url, file_name and programme, a programme's slug, may follow),\n"
    "            then one course per row. Every problem is listed with its row and column; a\n"
    "            file with any problem imports nothing. --dry-run checks and shows, saves nothing\n"
    "  sessions  the training sessions, earliest first, with their places and attendance\n"
    "  cascade   the train-the-trainer cascade of a programme (its slug): per level the\n"
    "            sessions, the teachers reached and the new trainers, then who trained whom\n\n"
    "  --db PATH  the SQLite database file (default: $EDUBRIDGE_DB, else edubridge.db)\n";

static int import_file(struct store *st, struct arena *a, const char *file, bool dry_run)
{
    struct err e;
    err_clear(&e);
    struct sheet_book book;
    if (inst_read_table_file(a, file, &book, &e) < 0) {
        fprintf(stderr, "edubridge training import: %s: %s\n", file, e.msg);
        return 1;
    }
    struct audit_actor by;
    char label[128];
    audit_cli_actor(&by, label, sizeof label);
    struct training_import_result r;
    if (training_import(st, a, &book, dry_run, false, &by, &r, &e) < 0) {
        fprintf(stderr, "edubridge training import: %s\n", e.msg);
        return 1;
    }
    for (size_t i = 0; i < r.nerrors; i++)
        fprintf(stderr, "%s: row %d, column %s: %s%s%s%s\n", file, r.errors[i].row,
                *r.errors[i].column ? r.errors[i].column : "-", r.errors[i].problem, r.errors[i].value ? " (\"" : "",
                r.errors[i].value ? r.errors[i].value : "", r.errors[i].value ? "\")" : "");
    if (r.nerrors) {
        fprintf(stderr, "%s: %zu problem%s: nothing was imported\n", file, r.nerrors, r.nerrors == 1 ? "" : "s");
        return 1;
    }
    if (dry_run) {
        for (size_t i = 0; i < r.nrows; i++)
            printf("row %d: %s (%s, %s)\n", r.row_numbers[i], r.rows[i].title, r.rows[i].language, r.rows[i].mode);
        printf("%s: no problems; %zu course%s would be imported (dry run: nothing saved)\n", file, r.nrows,
               r.nrows == 1 ? "" : "s");
    } else {
        printf("%s: imported %zu course%s\n", file, r.nrows, r.nrows == 1 ? "" : "s");
    }
    return 0;
}

static int find_programme(struct store *st, struct arena *a, const char *slug, struct programme **p)
{
    struct err e;
    err_clear(&e);
    if (programme_find(st, a, slug, p, &e) == 0) return 0;
    fprintf(stderr, "edubridge training: %s\n", e.code == ERR_NOT_FOUND ? "there is no programme with this slug" : e.msg);
    return 1;
}

static int sessions(struct store *st, struct arena *a, const char *slug)
{
    struct programme *p = NULL;
    if (slug && find_programme(st, a, slug, &p)) return 1;
    struct training_session_filter f = {.programme_id = p ? p->id : NULL};
    struct training_session *s;
    size_t n;
    struct err e;
    err_clear(&e);
    if (training_sessions(st, a, &f, &s, &n, &e) < 0) {
        fprintf(stderr, "edubridge training sessions: %s\n", e.msg);
        return 1;
    }
    printf("%-16s  %-24s  %-3s  %-40s  %-24s  %s\n", "starts (UTC)", "programme", "tot", "course", "trainer",
           "enrolled/places attended completed");
    for (size_t i = 0; i < n; i++)
        printf("%.10s %.5s  %-24s  %-3s  %-40.40s  %-24.24s  %d/%d %d %d\n", s[i].starts_at, s[i].starts_at + 11,
               s[i].programme_slug, s[i].is_tot ? "yes" : "no", s[i].course_title,
               s[i].trainer_name ? s[i].trainer_name : "-", s[i].enrolled, s[i].capacity, s[i].attended,
               s[i].completed);
    printf("%zu session%s\n", n, n == 1 ? "" : "s");
    return 0;
}

static void tree(const struct training_cascade_view *cv, size_t i, int depth)
{
    const struct training_session *s = &cv->sessions[i];
    printf("%*s- %.10s %s, level %d, by %s, %d completed%s\n", depth * 4, "", s->starts_at, s->course_title,
           cv->cascade.level[i], s->trainer_name ? s->trainer_name : "-", s->completed,
           s->is_tot ? " (train the trainer)" : "");
    if (!s->is_tot || depth > 32) return;
    for (size_t k = 0; k < cv->ncompletions; k++) {
        if (cv->completions[k].session != i) continue;
        const struct training_participant *p = &cv->people[k];
        printf("%*s  trained %s\n", depth * 4, "", *p->name ? p->name : p->pseudonym);
        for (size_t c = 0; c < cv->nsessions; c++)
            if (cv->cascade.parent[c] == (long)i && cv->trainer_participant[c] &&
                !strcmp(cv->trainer_participant[c], p->id))
                tree(cv, c, depth + 1);
    }
}

static int cascade(struct store *st, struct arena *a, const char *slug)
{
    struct programme *p;
    if (find_programme(st, a, slug, &p)) return 1;
    struct training_cascade_view cv;
    struct err e;
    err_clear(&e);
    if (training_cascade_load(st, a, p->id, &cv, &e) < 0) {
        fprintf(stderr, "edubridge training cascade: %s\n", e.msg);
        return 1;
    }
    printf("%s: %zu session%s\n\nlevel  sessions  teachers reached  new trainers\n", p->name, cv.nsessions,
           cv.nsessions == 1 ? "" : "s");
    for (size_t l = 0; l < cv.cascade.nlevels; l++)
        printf("%5d  %8zu  %16zu  %12zu\n", cv.cascade.levels[l].level, cv.cascade.levels[l].sessions,
               cv.cascade.levels[l].reached, cv.cascade.levels[l].graduates);
    printf("people who completed a session, each counted once: %zu\n\nwho trained whom:\n", cv.cascade.reached);
    for (size_t i = 0; i < cv.nsessions; i++)
        if (cv.cascade.parent[i] < 0) tree(&cv, i, 0);
    return 0;
}

int cmd_training(int argc, char **argv)
{
    const char *db = cli_db_default(), *programme = NULL;
    bool dry_run = false;
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'},
                                         {"programme", required_argument, NULL, 'p'},
                                         {"dry-run", no_argument, NULL, 'n'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'p': programme = optarg; break;
        case 'n': dry_run = true; break;
        case 'h': fputs(help, stdout); return 0;
        default: return cli_usage_error("training", "unknown option '%s'", argv[optind - 1]);
        }
    }
    const char *sub = optind < argc ? argv[optind++] : NULL;
    if (!sub) return cli_usage_error("training", "say import, sessions or cascade");
    bool is_import = !strcmp(sub, "import"), is_sessions = !strcmp(sub, "sessions"), is_cascade = !strcmp(sub, "cascade");
    if (!is_import && !is_sessions && !is_cascade) return cli_usage_error("training", "unknown subcommand '%s'", sub);
    const char *arg = !is_sessions && optind < argc ? argv[optind++] : NULL;
    if (is_import && !arg) return cli_usage_error("training", "import needs a file");
    if (is_cascade && !arg) return cli_usage_error("training", "cascade needs a programme's slug");
    if (optind < argc) return cli_usage_error("training", "unexpected argument '%s'", argv[optind]);
    if (dry_run && !is_import) return cli_usage_error("training", "--dry-run is for import");
    struct err e;
    err_clear(&e);
    struct store *st = schema_open(db, false, NULL, &e);
    if (!st) {
        fprintf(stderr, "edubridge training: %s\n", e.msg);
        return 1;
    }
    struct arena a;
    arena_init(&a, 64 * 1024);
    int rc = is_import ? import_file(st, &a, arg, dry_run) : is_sessions ? sessions(st, &a, programme) : cascade(st, &a, arg);
    arena_free(&a);
    store_close(st);
    return rc;
}

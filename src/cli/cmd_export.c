/* edubridge export: a form's submitted answer sets as CSV, XLSX or JSON (forms/export.h). */
#include "cli/cli.h"

#include "base/arena.h"
#include "base/str.h"
#include "forms/export.h"
#include "forms/form_store.h"
#include "program/schema.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const char help[] =
    "Usage: edubridge export FORM_ID --format csv|xlsx|json [--labels] [--lang CODE]\n"
    "                        [--output FILE] [--no-bom] [--pseudonymise] [--db PATH]\n\n"
    "Writes every submitted answer set of a form (its current revision), oldest first. Columns\n"
    "follow the form's latest version; answers to older versions are matched to it by field name.\n"
    "A row per answer set: _id, _instance_id, _submitted_at, _form_version, _lang, then one column\n"
    "per question named by its group path (profile/school_name). A select_multiple has a column\n"
    "with the chosen values separated by spaces and one column per choice (needs/devices) holding\n"
    "1 or 0, empty when the question was not answered. Each repeat has a table of its own:\n"
    "_parent_id (the answer set's _id), _index (1, 2...), then the repeat's questions.\n\n"
    "  --format csv    RFC 4180, UTF-8 with a byte order mark (Excel needs it to read UTF-8).\n"
    "                  Repeats go to files next to the main one: with --output out.csv, the repeat\n"
    "                  'teacher' goes to out-teacher.csv; so a form with repeats needs --output.\n"
    "  --format xlsx   one workbook: a sheet 'submissions' and one sheet per repeat. Without\n"
    "                  --output it is written to FORM_ID.xlsx; --output - writes to standard output.\n"
    "  --format json   an array of objects {_id, _instance_id, _submitted_at, _form_version, _lang,\n"
    "                  answers}, answers being the stored answers with their repeats, untouched.\n"
    "  --labels        CSV and XLSX: the choices' labels instead of their values (several joined\n"
    "                  by \"; \"); column headers stay paths, and the 1/0 columns stay 1/0\n"
    "  --lang CODE     the labels' language (default: the form's default language); with --labels\n"
    "  --output FILE   where to write (default: standard output; FORM_ID.xlsx for xlsx); '-' is\n"
    "                  standard output\n"
    "  --no-bom        CSV: no byte order mark\n"
    "  --pseudonymise  for readers who may not see personal data: the questions marked personal\n"
    "                  (and calculations that read them) are left out, and the ids (_id,\n"
    "                  _instance_id, _parent_id, instanceID answers) are replaced by stable\n"
    "                  pseudonyms (p-0123456789abcdef) that only this database can make\n"
    "  --db PATH       the SQLite database file (default: $EDUBRIDGE_DB, else edubridge.db)\n\n"
    "Text starting with = + - @ (or a tab or carriage return) gets a ' in front in CSV and XLSX, so\n"
    "that a spreadsheet never runs it as a formula; numbers in number questions are left as they are.\n"
    "The count goes to standard error: \"exported N submissions to FILE\".\n";

struct opts {
    const char *form_id;
    const char *format;
    bool labels, no_bom, pseudonymise;
    const char *lang;
    const char *output;   /* NULL: standard output, or FORM_ID.xlsx for xlsx unless to_stdout */
    bool to_stdout;       /* --output - */
    const char *db;
};

static int parse(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"labels", no_argument, NULL, 'L'},
        {"lang", required_argument, NULL, 'l'},
        {"output", required_argument, NULL, 'o'},
        {"no-bom", no_argument, NULL, 'B'},
        {"pseudonymise", no_argument, NULL, 'P'},
        {"pseudonymize", no_argument, NULL, 'P'},
        {"db", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->db = cli_db_default();
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":o:", longopts, NULL)) != -1) {
        switch (c) {
        case 'f': o->format = optarg; break;
        case 'L': o->labels = true; break;
        case 'l': o->lang = optarg; break;
        case 'o': o->output = optarg; break;
        case 'B': o->no_bom = true; break;
        case 'P': o->pseudonymise = true; break;
        case 'd': o->db = optarg; break;
        case 'h': fputs(help, stdout); return 1;
        case ':': return cli_usage_error("export", "%s needs a value", argv[optind - 1]);
        default: return cli_usage_error("export", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc) return cli_usage_error("export", "say which form: edubridge export FORM_ID --format csv|xlsx|json");
    if (argc - optind > 1) return cli_usage_error("export", "unexpected argument '%s'", argv[optind + 1]);
    o->form_id = argv[optind];
    if (!o->format) return cli_usage_error("export", "--format is required: csv, xlsx or json");
    if (strcmp(o->format, "csv") != 0 && strcmp(o->format, "xlsx") != 0 && strcmp(o->format, "json") != 0)
        return cli_usage_error("export", "unknown format '%s' (csv, xlsx or json)", o->format);
    if (o->labels && strcmp(o->format, "json") == 0)
        return cli_usage_error("export", "--labels is for csv and xlsx; json holds the stored values");
    if (o->lang && !o->labels) return cli_usage_error("export", "--lang chooses the labels' language: use it with --labels");
    if (o->no_bom && strcmp(o->format, "csv") != 0) return cli_usage_error("export", "--no-bom is for csv");
    if (!*o->db) return cli_usage_error("export", "--db needs a file path");
    if (o->output && !*o->output) return cli_usage_error("export", "--output needs a file name");
    if (o->output && strcmp(o->output, "-") == 0) {
        o->output = NULL;
        o->to_stdout = true;
    }
    if (strcmp(o->format, "xlsx") == 0 && o->to_stdout && isatty(STDOUT_FILENO))
        return cli_usage_error("export", "an XLSX file is not for a terminal: redirect standard output or use --output FILE");
    return 0;
}

/* --- output files -------------------------------------------------------------------------------- */

struct file_out {
    FILE *fp;
    const char *path;     /* NULL: standard output */
    int error;            /* errno of the first failed write */
};

static int file_write(void *ctx, const void *data, size_t len)
{
    struct file_out *f = ctx;
    if (fwrite(data, 1, len, f->fp) == len) return 0;
    if (!f->error) f->error = errno ? errno : EIO;
    return -1;
}

static const char *shown(const struct file_out *f) { return f->path ? f->path : "standard output"; }

/* "out.csv" + "teacher" -> "out-teacher.csv". */
static const char *repeat_path(struct arena *a, const char *main_path, const char *repeat)
{
    size_t n = strlen(main_path);
    if (n > 4 && strcasecmp(main_path + n - 4, ".csv") == 0) n -= 4;
    return arena_printf(a, "%.*s-%s.csv", (int)n, main_path, repeat);
}

static int open_out(struct file_out *f, const char *path)
{
    f->path = path;
    f->error = 0;
    f->fp = path ? fopen(path, "wb") : stdout;
    if (f->fp) return 0;
    fprintf(stderr, "edubridge export: cannot write %s: %s\n", path, strerror(errno));
    return -1;
}

/* Closes every file; on failure removes those it created, so that no half-written export is left
 * to be mistaken for a whole one. Returns -1 when a write or the close failed. */
static int close_all(struct file_out *files, size_t n, bool failed)
{
    for (size_t i = 0; i < n; i++) {
        struct file_out *f = &files[i];
        if (!f->fp) continue;
        if (f->path) {
            if (fclose(f->fp) != 0 && !f->error) f->error = errno ? errno : EIO;
        } else if (fflush(f->fp) != 0 && !f->error) {
            f->error = errno ? errno : EIO;
        }
        f->fp = NULL;
        if (f->error && !failed) fprintf(stderr, "edubridge export: cannot write %s: %s\n", shown(f), strerror(f->error));
        failed = failed || f->error;
    }
    for (size_t i = 0; failed && i < n; i++)
        if (files[i].path) remove(files[i].path);
    return failed ? -1 : 0;
}

static void progress(void *ctx, uint64_t done)
{
    (void)ctx;
    fprintf(stderr, "edubridge export: %llu submissions so far...\n", (unsigned long long)done);
}

/* --- the command --------------------------------------------------------------------------------- */

static int run(const struct opts *o, struct store *st, struct arena *a)
{
    struct err e;
    err_clear(&e);
    struct form_version_info info;
    if (form_store_latest(st, a, o->form_id, &info, &e) < 0) {
        if (e.code == ERR_NOT_FOUND) fprintf(stderr, "edubridge export: there is no form '%s'\n", o->form_id);
        else fprintf(stderr, "edubridge export: %s\n", e.msg);
        return 1;
    }
    struct form *f;
    if (form_store_load(st, a, info.id, &f, &e) < 0) {
        fprintf(stderr, "edubridge export: %s\n", e.msg);
        return 1;
    }
    struct export_options eo = {.labels = o->labels, .lang = o->lang, .no_bom = o->no_bom,
                                .pseudonymise = o->pseudonymise,
                                .progress_every = isatty(STDERR_FILENO) ? 100000 : 0};
    eo.progress = progress;
    struct export_plan plan;
    if (export_plan_build(a, f, &eo, &plan, &e) < 0) return cli_usage_error("export", "%s", e.msg);

    bool csv = strcmp(o->format, "csv") == 0, xlsx = strcmp(o->format, "xlsx") == 0;
    const char *path = o->output;
    if (xlsx && !path && !o->to_stdout) {
        char *name = arena_printf(a, "%s.xlsx", o->form_id);
        for (char *p = name; *p; p++)
            if (*p == '/') *p = '_';
        path = name;
    }
    if (csv && plan.ntables > 1 && !path) {
        struct strbuf names;
        strbuf_init(&names, a, 64);
        for (size_t t = 1; t < plan.ntables; t++) strbuf_printf(&names, "%s%s", t > 1 ? ", " : "", plan.tables[t].name);
        return cli_usage_error("export", "this form has repeats (%s), written to files of their own next to the "
                               "main one: name it with --output FILE", names.data);
    }

    size_t nfiles = csv ? plan.ntables : 1;
    struct file_out *files = arena_calloc(a, nfiles, sizeof *files);
    struct export_sink *sinks = arena_calloc(a, nfiles, sizeof *sinks);
    for (size_t t = 0; t < nfiles; t++) {
        const char *p = t == 0 ? path : repeat_path(a, path, plan.tables[t].name);
        if (open_out(&files[t], p) < 0) {
            close_all(files, t, true);
            return 1;
        }
        sinks[t] = (struct export_sink){file_write, &files[t]};
    }

    int rc = csv ? export_csv(st, &plan, sinks, &e) : xlsx ? export_xlsx(st, &plan, sinks, &e)
                                                      : export_json(st, &plan, sinks, &e);
    bool write_error = false;
    for (size_t t = 0; t < nfiles; t++) {
        if (rc < 0 && files[t].error) {
            fprintf(stderr, "edubridge export: cannot write %s: %s\n", shown(&files[t]), strerror(files[t].error));
            write_error = true;
        }
    }
    if (rc < 0 && !write_error) fprintf(stderr, "edubridge export: %s\n", e.msg);
    if (close_all(files, nfiles, rc < 0 || write_error) < 0) return 1;

    fprintf(stderr, "exported %llu submission%s to %s\n", (unsigned long long)plan.submissions,
            plan.submissions == 1 ? "" : "s", shown(&files[0]));
    for (size_t t = 1; t < nfiles; t++)
        fprintf(stderr, "exported %llu row%s of the repeat '%s' to %s\n", (unsigned long long)plan.tables[t].rows,
                plan.tables[t].rows == 1 ? "" : "s", plan.tables[t].name, shown(&files[t]));
    if (plan.unreadable)
        fprintf(stderr, "warning: the answers of %llu submission%s could not be read; %s only their metadata\n",
                (unsigned long long)plan.unreadable, plan.unreadable == 1 ? "" : "s",
                plan.unreadable == 1 ? "it has" : "they have");
    return 0;
}

int cmd_export(int argc, char **argv)
{
    struct opts o;
    int rc = parse(argc, argv, &o);
    if (rc) return rc == 1 ? 0 : rc;
    struct err e;
    err_clear(&e);
    /* main() has loaded the catalogues: they give the or_other choice its label ("Other"). */
    struct store *st = schema_open(o.db, false, NULL, &e);
    if (!st) {
        fprintf(stderr, "edubridge export: %s\n", e.msg);
        return 1;
    }
    struct arena a;
    arena_init(&a, 64 * 1024);
    rc = run(&o, st, &a);
    arena_free(&a);
    store_close(st);
    return rc;
}

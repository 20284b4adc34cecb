/* edubridge institutions import|build: the institution register from the command line
 * (program/institutions.h). */
#include "cli/cli.h"

#include "base/arena.h"
#include "base/i18n.h"
#include "forms/sheet.h"
#include "program/institutions.h"
#include "program/schema.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char help[] =
    "Usage: edubridge institutions import FILE [--dry-run] [--db PATH]\n"
    "       edubridge institutions build [--form FORM_ID] [--db PATH]\n\n"
    "  import    reads a CSV or XLSX file: a header row naming the columns (name is required;\n"
    "            kind, formal, country, region, area, latitude, longitude, learners, teachers,\n"
    "            devices, connectivity, contact_name, contact_email, contact_phone, status), then\n"
    "            one institution per row. Every problem is listed with its row and column; a file\n"
    "            with any problem imports nothing. --dry-run checks and shows, and saves nothing\n"
    "  build     builds and updates the register from a form's submitted answers (default: the\n"
    "            needs survey), through its field mapping; running it again changes only what\n"
    "            new answers and corrections bring\n\n"
    "  --db PATH  the SQLite database file (default: $EDUBRIDGE_DB, else edubridge.db)\n";

static int import_file(struct store *st, const char *file, bool dry_run)
{
    struct arena a;
    arena_init(&a, 64 * 1024);
    struct err e;
    err_clear(&e);
    struct sheet_book book;
    int rc = 0;
    if (inst_read_table_file(&a, file, &book, &e) < 0) {
        fprintf(stderr, "edubridge institutions import: %s: %s\n", file, e.msg);
        rc = 1;
        goto out;
    }
    struct audit_actor by;
    char label[128];
    audit_cli_actor(&by, label, sizeof label);
    struct inst_import_result r;
    if (inst_import(st, &a, &book, dry_run, false, &by, &r, &e) < 0) {
        fprintf(stderr, "edubridge institutions import: %s\n", e.msg);
        rc = 1;
        goto out;
    }
    for (size_t i = 0; i < r.nerrors; i++)
        fprintf(stderr, "%s: row %d, column %s: %s%s%s%s\n", file, r.errors[i].row,
                *r.errors[i].column ? r.errors[i].column : "-", r.errors[i].problem,
                r.errors[i].value ? " (\"" : "", r.errors[i].value ? r.errors[i].value : "",
                r.errors[i].value ? "\")" : "");
    if (r.nerrors) {
        fprintf(stderr, "%s: %zu problem%s: nothing was imported\n", file, r.nerrors, r.nerrors == 1 ? "" : "s");
        rc = 1;
    } else if (dry_run) {
        for (size_t i = 0; i < r.nrows; i++)
            printf("row %d: %s (%s)\n", r.row_numbers[i], r.rows[i].v[INST_NAME],
                   r.rows[i].v[INST_COUNTRY] ? r.rows[i].v[INST_COUNTRY] : "-");
        printf("%s: no problems; %zu institution%s would be imported (dry run: nothing saved)\n", file, r.nrows,
               r.nrows == 1 ? "" : "s");
    } else {
        printf("%s: imported %zu institution%s\n", file, r.nrows, r.nrows == 1 ? "" : "s");
    }
out:
    arena_free(&a);
    return rc;
}

static int build(struct store *st, const char *form_id)
{
    struct arena a;
    arena_init(&a, 64 * 1024);
    struct err e;
    err_clear(&e);
    struct audit_actor by;
    char label[128];
    audit_cli_actor(&by, label, sizeof label);
    struct inst_build_report r;
    int rc = inst_build(st, &a, form_id, false, &by, &r, &e);
    arena_free(&a);
    if (rc < 0) {
        fprintf(stderr, "edubridge institutions build: %s\n", e.msg);
        return 1;
    }
    printf("%s: %d created, %d updated by corrections, %d linked to an existing institution, %d unchanged, "
           "%d without an institution name\n", form_id, r.created, r.updated, r.linked, r.unchanged, r.skipped);
    return 0;
}

int cmd_institutions(int argc, char **argv)
{
    const char *db = cli_db_default(), *form = "needs-survey";
    bool dry_run = false;
    static const struct option opts[] = {{"db", required_argument, NULL, 'd'}, {"form", required_argument, NULL, 'f'},
                                         {"dry-run", no_argument, NULL, 'n'}, {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'f': form = optarg; break;
        case 'n': dry_run = true; break;
        case 'h': fputs(help, stdout); return 0;
        default: return cli_usage_error("institutions", "unknown option '%s'", argv[optind - 1]);
        }
    }
    const char *sub = optind < argc ? argv[optind++] : NULL;
    if (!sub) return cli_usage_error("institutions", "say import or build");
    bool is_import = strcmp(sub, "import") == 0;
    if (!is_import && strcmp(sub, "build") != 0) return cli_usage_error("institutions", "unknown subcommand '%s'", sub);
    const char *file = is_import && optind < argc ? argv[optind++] : NULL;
    if (is_import && !file) return cli_usage_error("institutions", "import needs a file");
    if (optind < argc) return cli_usage_error("institutions", "unexpected argument '%s'", argv[optind]);
    struct err e;
    err_clear(&e);
    struct store *st = schema_open(db, false, NULL, &e);
    if (!st) {
        fprintf(stderr, "edubridge institutions: %s\n", e.msg);
        return 1;
    }
    int rc = is_import ? import_file(st, file, dry_run) : build(st, form);
    store_close(st);
    return rc;
}

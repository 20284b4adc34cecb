/* edubridge form validate|import|list|convert: XLSForms from the command line. */
#include "cli/cli.h"

#include "base/arena.h"
#include "base/str.h"
#include "forms/form_store.h"
#include "forms/sheet.h"
#include "forms/xlsform.h"

#include <xlsxwriter.h>
#include "program/schema.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char help[] =
    "Usage: edubridge form validate FILE\n"
    "       edubridge form import FILE [--db PATH]\n"
    "       edubridge form list [--db PATH]\n"
    "       edubridge form convert FILE OUT.xlsx\n\n"
    "Forms are XLSForms (the format of ODK and KoboToolbox): an .xlsx workbook, or pyxform's .csv or\n"
    ".md layouts, with the sheets survey, choices and settings.\n\n"
    "  validate  checks FILE without importing it: every problem is listed with its sheet, row and\n"
    "            column; exit status 1 when there are errors, 0 with a one-line summary otherwise\n"
    "  import    checks and stores FILE; importing a form_id again adds a new version; a file with\n"
    "            problems imports nothing. Prints the form id and version.\n"
    "  list      the forms in the database with their latest version\n"
    "  convert   writes the sheets of FILE (.csv, .md or .xlsx) as an .xlsx workbook, cell for\n"
    "            cell, for people who edit forms in a spreadsheet program\n\n"
    "  --db PATH   the SQLite database file (default: $EDUBRIDGE_DB, else edubridge.db)\n";

/* Questions a respondent may be asked; *added: how many of them or_other added (NAME_other). */
static size_t count_questions(const struct form *f, size_t *added)
{
    size_t questions = 0;
    *added = 0;
    for (size_t i = 0; i < f->nfields; i++) {
        if (!form_type_is_input(f->fields[i].type)) continue;
        questions++;
        if (f->fields[i].other_of) (*added)++;
    }
    return questions;
}

static void print_problems(const struct form_problems *p, FILE *out)
{
    struct strbuf sb;
    strbuf_init(&sb, NULL, 1024);
    xlsform_problems_format(p, &sb);
    fputs(sb.data, out);
    if (sb.len && sb.data[sb.len - 1] != '\n') fputc('\n', out);
    strbuf_free(&sb);
}

static int validate(const char *path)
{
    struct arena a;
    arena_init(&a, 64 * 1024);
    struct form_problems problems = {0};
    struct form *f = NULL;
    int rc = xlsform_read_file(&a, path, NULL, &f, &problems);
    print_problems(&problems, rc < 0 ? stderr : stdout);
    if (rc < 0 || !f) {
        fprintf(stderr, "%s: %zu error%s; the form cannot be imported\n", path, problems.errors,
                problems.errors == 1 ? "" : "s");
        arena_free(&a);
        return 1;
    }
    size_t added;
    size_t questions = count_questions(f, &added);
    size_t warnings = problems.count - problems.errors;
    char others[64] = "";
    if (added) snprintf(others, sizeof others, " (%zu added by or_other)", added);
    printf("%s: form '%s' version '%s' is valid: %zu question%s%s, %zu language%s, %zu choice list%s, "
           "%zu warning%s\n", path, f->form_id, f->version && *f->version ? f->version : "(none)",
           questions, questions == 1 ? "" : "s", others, f->nlang, f->nlang == 1 ? "" : "s", f->nlists,
           f->nlists == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s");
    arena_free(&a);
    return 0;
}

static char *read_whole_file(const char *path, size_t *len, char *why, size_t whylen)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(why, whylen, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    if (!buf) abort();
    for (;;) {
        if (n == cap) {
            if (cap >= ((size_t)64 << 20)) {
                snprintf(why, whylen, "%s is larger than 64 MiB: not a form", path);
                free(buf);
                fclose(fp);
                return NULL;
            }
            cap *= 2;
            buf = realloc(buf, cap);
            if (!buf) abort();
        }
        size_t got = fread(buf + n, 1, cap - n, fp);
        n += got;
        if (got == 0) break;
    }
    bool failed = ferror(fp);
    fclose(fp);
    if (failed) {
        snprintf(why, whylen, "cannot read %s", path);
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

static int import(const char *path, const char *db)
{
    const char *format = form_store_format_of(path);
    if (!format) {
        fprintf(stderr, "edubridge form import: %s: a form is an .xlsx, .csv or .md file\n", path);
        return 1;
    }
    char why[512];
    size_t len;
    char *data = read_whole_file(path, &len, why, sizeof why);
    if (!data) {
        fprintf(stderr, "edubridge form import: %s\n", why);
        return 1;
    }
    struct err e;
    err_clear(&e);
    struct store *st = schema_open(db, true, NULL, &e);
    if (!st) {
        fprintf(stderr, "edubridge form import: %s\n", e.msg);
        free(data);
        return 1;
    }
    struct arena a;
    arena_init(&a, 64 * 1024);
    struct form_problems problems = {0};
    struct form_version_info info;
    const char *slash = strrchr(path, '/');
    struct audit_actor by;
    char label[128];
    audit_cli_actor(&by, label, sizeof label);
    int rc = form_store_import(st, &a, format, data, len, slash ? slash + 1 : path, false, &by, &info, &problems, &e);
    if (rc < 0) {
        print_problems(&problems, stderr);
        fprintf(stderr, "edubridge form import: %s: %s\n", path, e.msg);
    } else {
        if (problems.count) print_problems(&problems, stdout);
        printf("imported form '%s' version '%s' (version %d of this form) into %s\n", info.form_id,
               info.version, info.seq, db);
    }
    arena_free(&a);
    store_close(st);
    free(data);
    return rc < 0 ? 1 : 0;
}

static int list(const char *db)
{
    struct err e;
    err_clear(&e);
    struct store *st = schema_open(db, true, NULL, &e);
    if (!st) {
        fprintf(stderr, "edubridge form list: %s\n", e.msg);
        return 1;
    }
    struct arena a;
    arena_init(&a, 16 * 1024);
    struct form_version_info *forms;
    size_t n;
    int rc = form_store_list(st, &a, &forms, &n, &e);
    if (rc < 0) fprintf(stderr, "edubridge form list: %s\n", e.msg);
    for (size_t i = 0; rc == 0 && i < n; i++)
        printf("%-24s version %-12s (%d) %s\n", forms[i].form_id, forms[i].version, forms[i].seq, forms[i].title);
    if (rc == 0 && n == 0) printf("no forms yet: import one with 'edubridge form import FILE'\n");
    arena_free(&a);
    store_close(st);
    return rc < 0 ? 1 : 0;
}

static int convert(const char *in, const char *out)
{
    struct arena a;
    arena_init(&a, 64 * 1024);
    struct sheet_book book;
    struct err e;
    err_clear(&e);
    if (sheet_read_file(&a, in, &book, &e) < 0) {
        fprintf(stderr, "edubridge form convert: %s: %s\n", in, e.msg);
        arena_free(&a);
        return 1;
    }
    /* Written next to the target and renamed over it, so that a failure leaves no half file. */
    char *tmp = arena_printf(&a, "%s.tmp-%d.xlsx", out, (int)getpid());
    lxw_workbook *wb = workbook_new(tmp);
    if (!wb) {
        fprintf(stderr, "edubridge form convert: cannot write %s\n", out);
        arena_free(&a);
        return 1;
    }
    for (size_t i = 0; i < book.count; i++) {
        const struct sheet *sh = &book.sheets[i];
        lxw_worksheet *ws = workbook_add_worksheet(wb, sh->name);
        for (size_t r = 0; ws && r < sh->nrows; r++) {
            /* Rows keep their numbers: a message about "row 12" means row 12 in both files. */
            for (size_t c = 0; c < sh->rows[r].ncells; c++) {
                const char *cell = sh->rows[r].cells[c];
                if (*cell) worksheet_write_string(ws, (lxw_row_t)(sh->rows[r].number - 1), (lxw_col_t)c, cell, NULL);
            }
        }
    }
    lxw_error rc = workbook_close(wb);
    if (rc != LXW_NO_ERROR || rename(tmp, out) != 0) {
        fprintf(stderr, "edubridge form convert: cannot write %s: %s\n", out,
                rc != LXW_NO_ERROR ? lxw_strerror(rc) : strerror(errno));
        remove(tmp);
        arena_free(&a);
        return 1;
    }
    printf("wrote %s (%zu sheets)\n", out, book.count);
    arena_free(&a);
    return 0;
}

int cmd_form(int argc, char **argv)
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
        case ':': return cli_usage_error("form", "%s needs a value", argv[optind - 1]);
        default: return cli_usage_error("form", "unknown option '%s'", argv[optind - 1]);
        }
    }
    int rest = argc - optind;
    if (rest < 1) return cli_usage_error("form", "say what to do: validate, import, list or convert");
    const char *verb = argv[optind];
    if (strcmp(verb, "list") == 0) {
        if (rest != 1) return cli_usage_error("form", "list takes no file");
        return list(db);
    }
    if (strcmp(verb, "convert") == 0) {
        if (rest != 3) return cli_usage_error("form", "convert needs FILE and OUT.xlsx");
        if (!str_ends_with(argv[optind + 2], ".xlsx")) return cli_usage_error("form", "convert writes .xlsx files only");
        return convert(argv[optind + 1], argv[optind + 2]);
    }
    if (strcmp(verb, "validate") != 0 && strcmp(verb, "import") != 0)
        return cli_usage_error("form", "unknown action '%s' (validate, import, list or convert)", verb);
    if (rest != 2) return cli_usage_error("form", "%s needs exactly one FILE", verb);
    return strcmp(verb, "validate") == 0 ? validate(argv[optind + 1]) : import(argv[optind + 1], db);
}

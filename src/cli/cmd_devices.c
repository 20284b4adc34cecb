/* edubridge devices import|list|move|allocate: the device inventory from the command line
 * (program/devices.h). */
#include "cli/cli.h"

#include "base/arena.h"
#include "forms/sheet.h"
#include "program/devices.h"
#include "program/institutions.h"
#include "program/programme.h"
#include "program/schema.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char help[] =
    "Usage: edubridge devices import FILE [--dry-run] [--programme SLUG] [--db PATH]\n"
    "       edubridge devices list [--state STATE] [--institution ID] [--batch BATCH] [--db PATH]\n"
    "       edubridge devices move DEVICE STATE [--note NOTE] [--institution ID] [--db PATH]\n"
    "       edubridge devices allocate PROGRAMME_SLUG [--db PATH]\n\n"
    "  import    reads a CSV or XLSX file: a header row naming the columns (model, and serial or\n"
    "            imei or both, are required; batch and notes may follow), then one device per row.\n"
    "            Every problem is listed with its row and column (duplicate serials and IMEIs, in\n"
    "            the file and against the inventory; IMEI check digits); a file with any problem\n"
    "            imports nothing. The devices go into stock, of the programme given or general.\n"
    "            --dry-run checks and shows, and saves nothing\n"
    "  list      the devices, one a line: id, serial or IMEI, model, state, institution\n"
    "  move      moves a device (its id, serial number or IMEI) to STATE, recorded in its history:\n"
    "            in_stock, allocated, shipped, delivered, in_use, in_repair, returned, lost,\n"
    "            retired. A move the lifecycle does not allow is refused and says which it allows;\n"
    "            an allocation needs --institution\n"
    "  allocate  gives each pilot institution of the programme (selected, invited or accepted) up to\n"
    "            its quota of devices from stock, and says who is short\n\n"
    "  --db PATH  the SQLite database file (default: $EDUBRIDGE_DB, else edubridge.db)\n";

static void actor(struct audit_actor *by, char *label, size_t size) { audit_cli_actor(by, label, size); }

static int import_file(struct store *st, struct arena *a, const char *file, const char *slug, bool dry_run)
{
    struct err e;
    err_clear(&e);
    const char *programme_id = NULL;
    if (slug) {
        struct programme *p;
        if (programme_find(st, a, slug, &p, &e) < 0) {
            fprintf(stderr, "edubridge devices import: %s\n", e.msg);
            return 1;
        }
        programme_id = p->id;
    }
    struct sheet_book book;
    if (inst_read_table_file(a, file, &book, &e) < 0) {
        fprintf(stderr, "edubridge devices import: %s: %s\n", file, e.msg);
        return 1;
    }
    struct audit_actor by;
    char label[128];
    actor(&by, label, sizeof label);
    struct device_import_result r;
    if (device_import(st, a, &book, programme_id, dry_run, false, &by, &r, &e) < 0) {
        fprintf(stderr, "edubridge devices import: %s\n", e.msg);
        return 1;
    }
    for (size_t i = 0; i < r.nerrors; i++) {
        char problem[512];
        snprintf(problem, sizeof problem, r.errors[i].problem, r.errors[i].other_row);
        fprintf(stderr, "%s: row %d, column %s: %s%s%s%s\n", file, r.errors[i].row,
                *r.errors[i].column ? r.errors[i].column : "-", problem, r.errors[i].value ? " (\"" : "",
                r.errors[i].value ? r.errors[i].value : "", r.errors[i].value ? "\")" : "");
    }
    if (r.nerrors) {
        fprintf(stderr, "%s: %zu problem%s: nothing was imported\n", file, r.nerrors, r.nerrors == 1 ? "" : "s");
        return 1;
    }
    if (dry_run) {
        for (size_t i = 0; i < r.nrows; i++)
            printf("row %d: %s %s\n", r.row_numbers[i], r.rows[i].serial ? r.rows[i].serial : r.rows[i].imei,
                   r.rows[i].model);
        printf("%s: no problems; %zu device%s would go into stock (dry run: nothing saved)\n", file, r.nrows,
               r.nrows == 1 ? "" : "s");
    } else {
        printf("%s: imported %zu device%s into stock\n", file, r.nrows, r.nrows == 1 ? "" : "s");
    }
    return 0;
}

static int list(struct store *st, struct arena *a, const struct device_filter *f)
{
    struct err e;
    err_clear(&e);
    struct device *d;
    size_t n;
    int64_t total;
    if (device_list(st, a, f, 0, 1000000, &d, &n, &total, &e) < 0) {
        fprintf(stderr, "edubridge devices list: %s\n", e.msg);
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        printf("%s\t%s\t%s\t%s\t%s\n", d[i].id, d[i].serial ? d[i].serial : d[i].imei, d[i].model,
               device_state_name(d[i].state), d[i].institution_name ? d[i].institution_name : "-");
    return 0;
}

static int move(struct store *st, struct arena *a, const char *key, const char *state, const char *institution,
                const char *note)
{
    struct err e;
    err_clear(&e);
    int to = device_state_parse(state);
    if (to < 0) {
        fprintf(stderr, "edubridge devices move: there is no state '%s' (in_stock, allocated, shipped, delivered, "
                        "in_use, in_repair, returned, lost, retired)\n", state);
        return EXIT_USAGE;
    }
    struct device d;
    if (device_find(st, a, key, &d, &e) < 0) {
        fprintf(stderr, "edubridge devices move: %s\n", e.msg);
        return 1;
    }
    struct audit_actor by;
    char label[128];
    actor(&by, label, sizeof label);
    if (device_move(st, d.id, (enum device_state)to, institution, note, NULL, &by, &e) < 0) {
        fprintf(stderr, "edubridge devices move: %s: %s\n", key, e.msg);
        return 1;
    }
    printf("%s: %s -> %s\n", d.serial ? d.serial : d.imei, device_state_name(d.state), state);
    return 0;
}

static int allocate(struct store *st, struct arena *a, const char *slug)
{
    struct err e;
    err_clear(&e);
    struct programme *p;
    if (programme_find(st, a, slug, &p, &e) < 0) {
        fprintf(stderr, "edubridge devices allocate: %s\n", e.msg);
        return 1;
    }
    struct audit_actor by;
    char label[128];
    actor(&by, label, sizeof label);
    struct device_allocation r;
    if (device_allocate(st, a, p->id, &by, &r, &e) < 0) {
        fprintf(stderr, "edubridge devices allocate: %s\n", e.msg);
        return 1;
    }
    if (!r.n) {
        printf("%s: no pilot institution (selected, invited or accepted): nothing allocated\n", slug);
        return 0;
    }
    for (size_t i = 0; i < r.n; i++)
        printf("%s\tquota %d\theld %d\tallocated %d\tshort %d\n", r.lines[i].name, r.lines[i].quota, r.lines[i].held,
               r.lines[i].allocated, r.lines[i].short_by);
    printf("%s: allocated %lld of %lld devices in stock; short by %lld\n", slug, (long long)r.allocated,
           (long long)r.stock_before, (long long)r.short_by);
    return 0;
}

int cmd_devices(int argc, char **argv)
{
    const char *db = cli_db_default(), *programme = NULL, *state = NULL, *institution = NULL, *batch = NULL;
    const char *note = NULL;
    bool dry_run = false;
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},          {"programme", required_argument, NULL, 'p'},
        {"state", required_argument, NULL, 's'},       {"institution", required_argument, NULL, 'i'},
        {"batch", required_argument, NULL, 'b'},       {"note", required_argument, NULL, 'm'},
        {"dry-run", no_argument, NULL, 'n'},           {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'p': programme = optarg; break;
        case 's': state = optarg; break;
        case 'i': institution = optarg; break;
        case 'b': batch = optarg; break;
        case 'm': note = optarg; break;
        case 'n': dry_run = true; break;
        case 'h': fputs(help, stdout); return 0;
        default: return cli_usage_error("devices", "unknown option '%s'", argv[optind - 1]);
        }
    }
    const char *sub = optind < argc ? argv[optind++] : NULL;
    if (!sub) return cli_usage_error("devices", "say import, list, move or allocate");
    const char *args[2] = {NULL, NULL};
    int want = !strcmp(sub, "import") || !strcmp(sub, "allocate") ? 1 : !strcmp(sub, "move") ? 2 : !strcmp(sub, "list") ? 0 : -1;
    if (want < 0) return cli_usage_error("devices", "unknown subcommand '%s'", sub);
    for (int k = 0; k < want; k++) {
        if (optind >= argc)
            return cli_usage_error("devices", "%s needs %s", sub,
                                   !strcmp(sub, "import") ? "a file" : !strcmp(sub, "allocate") ? "a programme's slug"
                                                                                                : "a device and a state");
        args[k] = argv[optind++];
    }
    if (optind < argc) return cli_usage_error("devices", "unexpected argument '%s'", argv[optind]);
    if (state && device_state_parse(state) < 0)
        return cli_usage_error("devices", "there is no state '%s'", state);
    struct err e;
    err_clear(&e);
    struct store *st = schema_open(db, false, NULL, &e);
    if (!st) {
        fprintf(stderr, "edubridge devices: %s\n", e.msg);
        return 1;
    }
    struct arena a;
    arena_init(&a, 64 * 1024);
    int rc;
    if (!strcmp(sub, "import")) {
        rc = import_file(st, &a, args[0], programme, dry_run);
    } else if (!strcmp(sub, "list")) {
        struct device_filter f = {.state = state, .institution_id = institution, .batch = batch};
        rc = list(st, &a, &f);
    } else if (!strcmp(sub, "move")) {
        rc = move(st, &a, args[0], args[1], institution, note);
    } else {
        rc = allocate(st, &a, args[0]);
    }
    arena_free(&a);
    store_close(st);
    return rc;
}

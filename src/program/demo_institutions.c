#include "program/demo_institutions.h"

#include "base/str.h"
#include "forms/sheet.h"
#include "program/institutions.h"

#include <string.h>

/* Two surveyed institutions, the oldest of their countries, written again with other punctuation
 * and case, as a second import from a partner's spreadsheet would. */
static int near_duplicates(struct store *st, struct arena *a, int *created, struct err *e)
{
    struct store_stmt *s = store_prepare(st, "SELECT count(*) FROM institutions WHERE is_demo = 1 AND source = 'import'", e);
    if (!s) return -1;
    int rc = store_step(s, e);
    int64_t present = rc == 1 ? store_col_int(s, 0) : 0;
    store_done(s);
    if (rc < 0 || present) return rc < 0 ? -1 : 0;
    s = store_prepare(st, "SELECT name, country, region, kind FROM institutions WHERE is_demo = 1 AND country IS NOT NULL"
                          " AND region IS NOT NULL AND kind IS NOT NULL ORDER BY created_at, id LIMIT 2", e);
    if (!s) return -1;
    struct strbuf csv;
    strbuf_init(&csv, a, 512);
    strbuf_puts(&csv, "name,country,region,kind\n");
    int rows = 0;
    while ((rc = store_step(s, e)) == 1) {
        /* Upper case and a trailing full stop: the same normalised name. */
        const char *name = store_col_text(s, 0);
        strbuf_putc(&csv, '"');
        for (const char *c = name; *c; c++) {
            char ch = *c >= 'a' && *c <= 'z' ? (char)(*c - 'a' + 'A') : *c;
            if (ch == '"') strbuf_putc(&csv, '"');
            strbuf_putc(&csv, ch);
        }
        strbuf_printf(&csv, ".\",%s,\"%s\",%s\n", store_col_text(s, 1), store_col_text(s, 2), store_col_text(s, 3));
        rows++;
    }
    store_done(s);
    if (rc < 0) return -1;
    if (!rows) return 0;
    struct sheet_book book;
    if (inst_read_table(a, "csv", csv.data, csv.len, &book, e) < 0) return -1;
    struct inst_import_result r;
    if (inst_import(st, a, &book, false, true, NULL, &r, e) < 0) return -1;
    if (r.nerrors) return err_set(e, ERR_INTERNAL, "the demo near-duplicates did not import: row %d, %s", r.errors[0].row, r.errors[0].problem);
    *created += (int)r.nrows;
    return 0;
}

int demo_institutions_load(struct store *st, struct arena *a, int *created, struct err *e)
{
    *created = 0;
    struct inst_build_report r;
    if (inst_build(st, a, "needs-survey", true, NULL, &r, e) < 0) return -1;
    *created = r.created;
    return near_duplicates(st, a, created, e);
}

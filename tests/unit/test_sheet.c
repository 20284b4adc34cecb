/* Tests for forms/sheet: the csv, md and xlsx readers, checked cell by cell and row number by row
 * number, and the broken inputs a user really uploads. The .xlsx files are written here with
 * libxlsxwriter (what Excel-like producers write) or assembled part by part with libzip (to reach
 * what libxlsxwriter will not write: bad UTF-8, absolute targets, phonetic runs, bombs). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "base/arena.h"
#include "base/err.h"
#include "forms/sheet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>
#include <zip.h>

/* --- helpers ---------------------------------------------------------------------------------- */

struct fixture {
    struct arena arena;
    struct sheet_book book;
    struct err err;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    arena_init(&f->arena, 0);
    err_clear(&f->err);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    arena_free(&f->arena);
    free(f);
    return 0;
}

static int read_text(struct fixture *f, const char *format, const char *text)
{
    err_clear(&f->err);
    return sheet_read_memory(&f->arena, format, text, strlen(text), &f->book, &f->err);
}

/* Asserts that row `index` of sheet has the given number and exactly the given cells. */
static void check_row(const struct sheet *s, size_t index, int number, size_t ncells, ...)
{
    assert_non_null(s);
    assert_true(index < s->nrows);
    const struct sheet_row *r = &s->rows[index];
    assert_int_equal(r->number, number);
    assert_int_equal(r->ncells, ncells);
    va_list ap;
    va_start(ap, ncells);
    for (size_t i = 0; i < ncells; i++) assert_string_equal(r->cells[i], va_arg(ap, const char *));
    va_end(ap);
}

static void assert_error(struct fixture *f, int rc, enum err_code code, const char *part)
{
    assert_int_equal(rc, code);
    assert_int_equal(f->err.code, code);
    assert_null(f->book.sheets);
    assert_int_equal(f->book.count, 0);
    if (!strstr(f->err.msg, part)) fail_msg("message \"%s\" lacks \"%s\"", f->err.msg, part);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    *len = (size_t)n;
    return buf;
}

static char *temp_path(const char *suffix)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/test_sheet_XXXXXX%s", suffix);
    int fd = mkstemps(path, (int)strlen(suffix));
    assert_true(fd >= 0);
    close(fd);
    return path;
}

/* A zip of (name, content) pairs, NULL-terminated, as bytes; the caller frees them. */
static char *make_zip(size_t *len, ...)
{
    char *path = temp_path(".zip");
    int zerr;
    zip_t *z = zip_open(path, ZIP_TRUNCATE | ZIP_CREATE, &zerr);
    assert_non_null(z);
    va_list ap;
    va_start(ap, len);
    for (const char *name; (name = va_arg(ap, const char *));) {
        const char *content = va_arg(ap, const char *);
        zip_source_t *src = zip_source_buffer(z, content, strlen(content), 0);
        assert_non_null(src);
        assert_true(zip_file_add(z, name, src, ZIP_FL_ENC_UTF_8) >= 0);
    }
    va_end(ap);
    assert_int_equal(zip_close(z), 0);
    char *data = slurp(path, len);
    unlink(path);
    return data;
}

#define CONTENT_TYPES "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>"
#define ROOT_RELS                                                                                  \
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"                                \
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"       \
    "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"      \
    "relationships/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"
#define WORKBOOK_1                                                                                 \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"                                                   \
    "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "               \
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"             \
    "<sheets><sheet name=\"survey\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"
#define WB_RELS_1                                                                                  \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"                                                   \
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"       \
    "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"      \
    "relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/></Relationships>"
#define SHEET_OPEN                                                                                 \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"                                                   \
    "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
#define SHEET_CLOSE "</sheetData></worksheet>"

/* A one-sheet .xlsx whose worksheet XML is sheet_xml, read from memory into f. */
static int read_one_sheet(struct fixture *f, const char *sheet_xml)
{
    size_t len;
    char *data = make_zip(&len, "[Content_Types].xml", CONTENT_TYPES, "_rels/.rels", ROOT_RELS,
                          "xl/workbook.xml", WORKBOOK_1, "xl/_rels/workbook.xml.rels", WB_RELS_1,
                          "xl/worksheets/sheet1.xml", sheet_xml, NULL);
    err_clear(&f->err);
    int rc = sheet_read_memory(&f->arena, "xlsx", data, len, &f->book, &f->err);
    free(data);
    return rc;
}

/* --- small helpers ---------------------------------------------------------------------------- */

static void test_column_name(void **state)
{
    (void)state;
    char out[8];
    struct { size_t index; const char *name; } cases[] = {
        {0, "A"}, {1, "B"}, {25, "Z"}, {26, "AA"}, {27, "AB"}, {51, "AZ"}, {52, "BA"}, {701, "ZZ"},
        {702, "AAA"}, {999, "ALL"}, {16383, "XFD"}, {8353082581u, "ZZZZZZZ"}, {8353082582u, "?"},
        {SIZE_MAX, "?"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        sheet_column_name(cases[i].index, out);
        assert_string_equal(out, cases[i].name);
    }
}

static void test_unknown_format(void **state)
{
    struct fixture *f = *state;
    assert_error(f, read_text(f, "ods", "x"), ERR_INVALID, "unsupported spreadsheet format \"ods\"");
}

/* --- csv -------------------------------------------------------------------------------------- */

static void test_csv_xlsform(void **state)
{
    struct fixture *f = *state;
    const char *csv =
        "\xEF\xBB\xBF" "survey,type,name,label,relevant\r\n"
        ",text,name,\"Your name, please\",\r\n"
        ",integer,age,Âge / Età,${name} != ''\r\n"
        "\r\n"
        ",select_one yn,likes,\"Do you like \"\"tablets\"\"?\nSay yes or no.\",${age} > 5\r\n"
        ",,,,\r\n"
        ",note,end,Thanks ✓,\r\n"
        "choices,list_name,name,label\r\n"
        ",yn,yes,Yes\r\n"
        ",yn,no,No\r\n"
        "settings\r\n"
        ",form_title,form_id,version\r\n"
        ",Needs survey,needs_2024,\"2024010101\"\r\n";
    assert_int_equal(read_text(f, "csv", csv), 0);
    assert_int_equal(f->book.count, 3);

    const struct sheet *s = sheet_find(&f->book, "survey");
    assert_ptr_equal(s, &f->book.sheets[0]);
    assert_string_equal(s->name, "survey");
    assert_int_equal(s->nrows, 5);
    check_row(s, 0, 1, 4, "type", "name", "label", "relevant");
    check_row(s, 1, 2, 3, "text", "name", "Your name, please");
    check_row(s, 2, 3, 4, "integer", "age", "Âge / Età", "${name} != ''");
    /* The record starts on line 5 and runs onto line 6; the next record is line 7. */
    check_row(s, 3, 5, 4, "select_one yn", "likes", "Do you like \"tablets\"?\nSay yes or no.", "${age} > 5");
    check_row(s, 4, 8, 3, "note", "end", "Thanks ✓");

    s = sheet_find(&f->book, "CHOICES");
    assert_ptr_equal(s, &f->book.sheets[1]);
    assert_int_equal(s->nrows, 3);
    check_row(s, 0, 9, 3, "list_name", "name", "label");
    check_row(s, 1, 10, 3, "yn", "yes", "Yes");
    check_row(s, 2, 11, 3, "yn", "no", "No");

    s = sheet_find(&f->book, "settings");
    assert_int_equal(s->nrows, 2);
    check_row(s, 0, 13, 3, "form_title", "form_id", "version");
    check_row(s, 1, 14, 3, "Needs survey", "needs_2024", "2024010101");
    assert_null(sheet_find(&f->book, "external_choices"));
}

static void test_csv_quoting(void **state)
{
    struct fixture *f = *state;
    /* LF endings, a lone CR ending, empty quoted fields, a quoted sheet name with trailing space,
     * text after a closing quote and a stray quote inside an unquoted field (both kept, as Python's
     * csv module does), a gap in the middle, and a last line with no newline. */
    const char *csv =
        "\"survey \",\"\",a\n"
        ",\"\",\"\"\"\",\"x\"\"y\"\"\"\n"
        ",\"ab\"cd,e\"f\"g,\r"
        ",1,,,,3\n"
        ",\"multi\r\nline\",\"\n\"\n"
        ",last";
    assert_int_equal(read_text(f, "csv", csv), 0);
    assert_int_equal(f->book.count, 1);
    const struct sheet *s = sheet_find(&f->book, "survey");
    assert_non_null(s);
    assert_int_equal(s->nrows, 6);
    check_row(s, 0, 1, 2, "", "a");
    check_row(s, 1, 2, 3, "", "\"", "x\"y\"");
    check_row(s, 2, 3, 2, "abcd", "e\"f\"g");
    check_row(s, 3, 4, 5, "1", "", "", "", "3");
    check_row(s, 4, 5, 2, "multi\r\nline", "\n");
    check_row(s, 5, 8, 1, "last");
}

static void test_csv_errors(void **state)
{
    struct fixture *f = *state;
    assert_error(f, read_text(f, "csv", "survey,type\n,text,\"open\nstill open\n"), ERR_INVALID,
                 "line 2: a quoted field is never closed");
    assert_error(f, read_text(f, "csv", "survey,type,name\n,text,q1\n,text,caf\xE9\n"), ERR_INVALID,
                 "sheet survey, line 3, column C: the text is not valid UTF-8");
    assert_error(f, read_text(f, "csv", "surv\xFF" "ey,type\n"), ERR_INVALID,
                 "line 1: the sheet name is not valid UTF-8");
    assert_error(f, read_text(f, "csv", ",type,name\n,text,q1\n"), ERR_INVALID,
                 "line 1: this row comes before any sheet name");
    assert_error(f, read_text(f, "csv", "survey,type\n,text\nSurvey,type\n"), ERR_INVALID,
                 "two sheets named \"Survey\"");
}

static void test_csv_binary(void **state)
{
    struct fixture *f = *state;
    static const char nul[] = "survey,type\n,text\n,te\0xt\n";
    err_clear(&f->err);
    int rc = sheet_read_memory(&f->arena, "csv", nul, sizeof nul - 1, &f->book, &f->err);
    assert_error(f, rc, ERR_INVALID, "line 3: the CSV file contains a NUL byte");
    static const char utf16[] = "\xFF\xFEs\0u\0";
    rc = sheet_read_memory(&f->arena, "csv", utf16, sizeof utf16 - 1, &f->book, &f->err);
    assert_error(f, rc, ERR_INVALID, "UTF-16");
}

static void test_csv_limits(void **state)
{
    struct fixture *f = *state;
    /* 1000 columns after the sheet-name column are fine; a non-empty 1001st is refused, but a long
     * run of empty trailing fields (a spreadsheet's idea of a used range) is not. */
    size_t n = 3000 * 2 + 32;
    char *csv = malloc(n);
    size_t k = (size_t)snprintf(csv, n, "survey");
    for (int i = 0; i < 1000; i++) k += (size_t)snprintf(csv + k, n - k, ",x");
    for (int i = 0; i < 2000; i++) csv[k++] = ',';
    csv[k] = '\0';
    assert_int_equal(read_text(f, "csv", csv), 0);
    assert_int_equal(f->book.sheets[0].rows[0].ncells, 1000);
    k = (size_t)snprintf(csv, n, "survey");
    for (int i = 0; i < 1001; i++) k += (size_t)snprintf(csv + k, n - k, ",x");
    assert_error(f, read_text(f, "csv", csv), ERR_LIMIT, "line 1: more than 1000 columns");
    free(csv);

    size_t rows = SHEET_MAX_ROWS + 1;
    csv = malloc(rows * 3 + 16);
    k = (size_t)sprintf(csv, "survey\n");
    for (size_t i = 0; i < rows; i++) memcpy(csv + k, ",x\n", 3), k += 3;
    csv[k] = '\0';
    assert_error(f, read_text(f, "csv", csv), ERR_LIMIT, "sheet survey has more than 100000 rows (at row 100002)");
    free(csv);
}

/* --- md --------------------------------------------------------------------------------------- */

static void test_md_xlsform(void **state)
{
    struct fixture *f = *state;
    const char *md =
        "A form, as pyxform's tests write them.\n"
        "\n"
        "    | survey |               |        |                        |              |\n"
        "    |        | type          | name   | label                  | constraint   |\n"
        "    |        | integer       | age    | How old are you?       | . > 0 \\| . < 150 |\r\n"
        "    |        | select_one yn | likes  | Do you like **tablets**? |            |\n"
        "    |        |               |        |                        |              |\n"
        "\tnot a table row\n"
        "    |        | note          | bye    | Merci, à bientôt 👋    |\n"
        "    | choices |  |  |  |\n"
        "| | list_name | name | label |\n"
        "|-|-----------|------|-------|\n"
        "| | yn | yes | Yes |\n"
        "| | yn | no  | No\n"
        "| settings | form_title | form_id |\n"
        "| --- | :--- | ---: |\n"
        "|          | Needs      | needs   |\n";
    assert_int_equal(read_text(f, "md", md), 0);
    assert_int_equal(f->book.count, 3);

    const struct sheet *s = sheet_find(&f->book, "Survey");
    assert_int_equal(s->nrows, 4);
    check_row(s, 0, 4, 4, "type", "name", "label", "constraint");
    check_row(s, 1, 5, 4, "integer", "age", "How old are you?", ". > 0 | . < 150");
    check_row(s, 2, 6, 3, "select_one yn", "likes", "Do you like **tablets**?");
    check_row(s, 3, 9, 3, "note", "bye", "Merci, à bientôt 👋");

    s = sheet_find(&f->book, "choices");
    assert_int_equal(s->nrows, 3);
    check_row(s, 0, 11, 3, "list_name", "name", "label");
    check_row(s, 1, 13, 3, "yn", "yes", "Yes");
    check_row(s, 2, 14, 3, "yn", "no", "No"); /* no closing pipe: the text is still a cell */

    s = sheet_find(&f->book, "settings");
    assert_int_equal(s->nrows, 2);
    check_row(s, 0, 15, 2, "form_title", "form_id");
    check_row(s, 1, 17, 2, "Needs", "needs");
}

static void test_md_errors(void **state)
{
    struct fixture *f = *state;
    assert_error(f, read_text(f, "md", "| survey | |\n| | type |\n| | caf\xC3\x28 |\n"), ERR_INVALID,
                 "sheet survey, line 3, cell 2: the text is not valid UTF-8");
    assert_error(f, read_text(f, "md", "| | type | name |\n| survey | |\n"), ERR_INVALID,
                 "line 1: this row comes before any sheet name");
    assert_error(f, read_text(f, "md", "| survey |\n| | x |\n| SURVEY |\n"), ERR_INVALID,
                 "two sheets named \"SURVEY\"");
    /* Invalid bytes in prose that is ignored are ignored too. */
    assert_int_equal(read_text(f, "md", "caf\xE9\n| survey | x |\n"), 0);
    check_row(&f->book.sheets[0], 0, 2, 1, "x");
    /* An empty document is an empty book, not an error: the XLSForm layer says what is missing. */
    assert_int_equal(read_text(f, "md", ""), 0);
    assert_int_equal(f->book.count, 0);
}

/* --- xlsx written by libxlsxwriter ------------------------------------------------------------- */

static void write_xlsform(const char *path, bool constant_memory)
{
    lxw_workbook_options opt = {.constant_memory = constant_memory};
    lxw_workbook *wb = workbook_new_opt(path, &opt);
    assert_non_null(wb);
    lxw_worksheet *survey = workbook_add_worksheet(wb, "survey");
    lxw_worksheet *choices = workbook_add_worksheet(wb, "choices");
    lxw_worksheet *settings = workbook_add_worksheet(wb, "Settings");
    const char *head[] = {"type", "name", "label::English (en)", "label::Ελληνικά (el)", "required", "default"};
    for (int c = 0; c < 6; c++) worksheet_write_string(survey, 0, (lxw_col_t)c, head[c], NULL);
    worksheet_write_string(survey, 1, 0, "integer", NULL);
    worksheet_write_string(survey, 1, 1, "pupils", NULL);
    worksheet_write_string(survey, 1, 2, "How many pupils?", NULL);
    worksheet_write_string(survey, 1, 3, "Πόσοι μαθητές;", NULL);
    worksheet_write_boolean(survey, 1, 4, 1, NULL);
    worksheet_write_number(survey, 1, 5, 42, NULL);
    /* Row 3 is left empty; row 4 has a gap in the middle (columns B and C). */
    worksheet_write_string(survey, 3, 0, "decimal", NULL);
    worksheet_write_boolean(survey, 3, 4, 0, NULL);
    worksheet_write_number(survey, 3, 5, 2.5, NULL);
    worksheet_write_string(survey, 4, 0, "note", NULL);
    worksheet_write_string(survey, 4, 1, "n", NULL);
    worksheet_write_string(survey, 4, 2, "  spaces kept  ", NULL);
    worksheet_write_string(survey, 4, 3, "日本語 😀", NULL);
    worksheet_write_formula_str(survey, 4, 5, "=\"a\"&\"b\"", NULL, "ab");
    worksheet_write_number(survey, 6, 1, 1e20, NULL);
    worksheet_write_number(survey, 6, 2, -0.125, NULL);
    worksheet_write_string(survey, 6, 26, "AA", NULL);

    worksheet_write_string(choices, 0, 0, "list_name", NULL);
    worksheet_write_string(choices, 0, 1, "name", NULL);
    worksheet_write_string(choices, 0, 2, "label", NULL);
    worksheet_write_string(choices, 1, 0, "yn", NULL);
    worksheet_write_number(choices, 1, 1, 1, NULL);
    worksheet_write_string(choices, 1, 2, "Yes", NULL);
    worksheet_write_string(choices, 2, 0, "yn", NULL);
    worksheet_write_number(choices, 2, 1, 0, NULL);
    if (!constant_memory) {
        lxw_format *bold = workbook_add_format(wb);
        format_set_bold(bold);
        lxw_rich_string_tuple a = {.format = NULL, .string = "N"}, b = {.format = bold, .string = "o!"};
        lxw_rich_string_tuple *rich[] = {&a, &b, NULL};
        worksheet_write_rich_string(choices, 2, 2, rich, NULL);
    } else {
        worksheet_write_string(choices, 2, 2, "No!", NULL);
    }

    worksheet_write_string(settings, 0, 0, "form_title", NULL);
    worksheet_write_string(settings, 1, 0, "Needs & \"wants\" <survey>", NULL);
    assert_int_equal(workbook_close(wb), LXW_NO_ERROR);
}

static void check_xlsform_book(const struct sheet_book *b)
{
    assert_int_equal(b->count, 3);
    assert_string_equal(b->sheets[0].name, "survey");
    assert_string_equal(b->sheets[1].name, "choices");
    assert_string_equal(b->sheets[2].name, "Settings");

    const struct sheet *s = sheet_find(b, "survey");
    assert_int_equal(s->nrows, 5);
    check_row(s, 0, 1, 6, "type", "name", "label::English (en)", "label::Ελληνικά (el)", "required", "default");
    check_row(s, 1, 2, 6, "integer", "pupils", "How many pupils?", "Πόσοι μαθητές;", "true", "42");
    check_row(s, 2, 4, 6, "decimal", "", "", "", "false", "2.5");
    check_row(s, 3, 5, 6, "note", "n", "  spaces kept  ", "日本語 😀", "", "ab");
    assert_int_equal(s->rows[4].number, 7);
    assert_int_equal(s->rows[4].ncells, 27);
    assert_string_equal(s->rows[4].cells[0], "");
    assert_string_equal(s->rows[4].cells[1], "1E+20");
    assert_string_equal(s->rows[4].cells[2], "-0.125");
    for (int c = 3; c < 26; c++) assert_string_equal(s->rows[4].cells[c], "");
    assert_string_equal(s->rows[4].cells[26], "AA");

    s = sheet_find(b, "CHOICES");
    assert_int_equal(s->nrows, 3);
    check_row(s, 0, 1, 3, "list_name", "name", "label");
    check_row(s, 1, 2, 3, "yn", "1", "Yes");
    check_row(s, 2, 3, 3, "yn", "0", "No!");

    s = sheet_find(b, "settings");
    assert_int_equal(s->nrows, 2);
    check_row(s, 0, 1, 1, "form_title");
    check_row(s, 1, 2, 1, "Needs & \"wants\" <survey>");
}

static void test_xlsx_libxlsxwriter(void **state)
{
    struct fixture *f = *state;
    for (int constant_memory = 0; constant_memory <= 1; constant_memory++) {
        char *path = temp_path(".XLSX"); /* the extension is matched ignoring case */
        write_xlsform(path, constant_memory);
        assert_int_equal(sheet_read_file(&f->arena, path, &f->book, &f->err), 0);
        check_xlsform_book(&f->book);

        size_t len;
        char *data = slurp(path, &len);
        assert_int_equal(sheet_read_memory(&f->arena, "xlsx", data, len, &f->book, &f->err), 0);
        check_xlsform_book(&f->book);

        /* Cut short, as an interrupted upload is. */
        err_clear(&f->err);
        int rc = sheet_read_memory(&f->arena, "xlsx", data, len / 2, &f->book, &f->err);
        assert_error(f, rc, ERR_INVALID, "the .xlsx file is incomplete or damaged");
        free(data);
        unlink(path);
    }
}

/* --- xlsx assembled by hand --------------------------------------------------------------------- */

static void test_xlsx_parts(void **state)
{
    struct fixture *f = *state;
    /* An absolute target, a shared strings part with rich runs, xml:space, phonetic runs and
     * _xHHHH_ escapes, a strict-namespace worksheet, rows and cells without r, a row that is only
     * styled, and a chart sheet that is not a worksheet. */
    const char *workbook =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
        "<x:workbook xmlns:x=\"http://purl.oclc.org/ooxml/spreadsheetml/main\" "
        "xmlns:rel=\"http://purl.oclc.org/ooxml/officeDocument/relationships\"><x:sheets>"
        "<x:sheet name=\"survey\" sheetId=\"1\" rel:id=\"rId7\"/>"
        "<x:sheet name=\"chart\" sheetId=\"2\" rel:id=\"rId8\"/>"
        "<x:sheet name=\"choices\" sheetId=\"3\" rel:id=\"rId9\" state=\"hidden\"/>"
        "</x:sheets></x:workbook>";
    const char *rels =
        "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        "<Relationship Id=\"rId7\" Type=\"http://purl.oclc.org/ooxml/officeDocument/relationships/worksheet\" "
        "Target=\"/xl/worksheets/a.xml\"/>"
        "<Relationship Id=\"rId8\" Type=\"http://purl.oclc.org/ooxml/officeDocument/relationships/chartsheet\" "
        "Target=\"chartsheets/sheet1.xml\"/>"
        "<Relationship Id=\"rId9\" Type=\"http://purl.oclc.org/ooxml/officeDocument/relationships/worksheet\" "
        "Target=\"./worksheets/../worksheets/b.xml\"/>"
        "<Relationship Id=\"rId10\" Type=\"http://purl.oclc.org/ooxml/officeDocument/relationships/sharedStrings\" "
        "Target=\"strings.xml\"/>"
        "</Relationships>";
    const char *sst =
        "<sst xmlns=\"http://purl.oclc.org/ooxml/spreadsheetml/main\" count=\"5\">"
        "<si><t>type</t></si>"
        "<si><r><rPr><b/></rPr><t>na</t></r><r><t xml:space=\"preserve\">me </t></r></si>"
        "<si><t>東京</t><rPh sb=\"0\" eb=\"2\"><t>トウキョウ</t></rPh></si>"
        "<si/>"
        "<si><t>a_x000D_\nb _x005F_x0041_ _xD83D__xDE00_ _xD800_ _x0000_ _x00e9__x</t></si>"
        "</sst>";
    const char *a =
        "<worksheet xmlns=\"http://purl.oclc.org/ooxml/spreadsheetml/main\"><sheetData>"
        "<row r=\"2\"><c t=\"s\"><v>0</v></c><c t=\"s\"><v>1</v></c><c r=\"D2\" t=\"s\"><v>3</v></c></row>"
        "<row><c r=\"B3\" t=\"s\"><v>2</v></c><c t=\"inlineStr\"><is><r><t>in</t></r><r><t>line</t></r></is></c>"
        "<c t=\"e\"><v>#N/A</v></c><c t=\"str\"><f>1+1</f><v>2</v></c><c><f>A1</f></c></row>"
        "<row r=\"1048576\" s=\"1\" customFormat=\"1\"><c r=\"XFD1048576\" s=\"1\"/></row>"
        "</sheetData><mergeCells count=\"0\"/></worksheet>";
    const char *b =
        SHEET_OPEN "<row r=\"5\"><c r=\"A5\" t=\"d\"><v>2024-01-31</v></c><c r=\"B5\"><v>0.1</v></c>"
        "<c r=\"C5\" t=\"s\"><v>4</v></c><c r=\"D5\" t=\"inlineStr\"><is><t>_x0031_</t></is></c></row>" SHEET_CLOSE;
    size_t len;
    char *data = make_zip(&len, "[Content_Types].xml", CONTENT_TYPES, "_rels/.rels", ROOT_RELS,
                          "xl/workbook.xml", workbook, "xl/_rels/workbook.xml.rels", rels,
                          "xl/strings.xml", sst, "xl/worksheets/a.xml", a, "xl/worksheets/b.xml", b, NULL);
    assert_int_equal(sheet_read_memory(&f->arena, "xlsx", data, len, &f->book, &f->err), 0);
    free(data);
    assert_int_equal(f->book.count, 2);
    const struct sheet *s = sheet_find(&f->book, "survey");
    assert_int_equal(s->nrows, 2);
    check_row(s, 0, 2, 2, "type", "name ");
    check_row(s, 1, 3, 5, "", "東京", "inline", "#N/A", "2");
    s = sheet_find(&f->book, "choices");
    check_row(s, 0, 5, 4, "2024-01-31", "0.1", "a\r\nb _x0041_ 😀 _xD800_ _x0000_ é_x", "1");
    assert_null(sheet_find(&f->book, "chart"));
}

static void test_xlsx_broken(void **state)
{
    struct fixture *f = *state;
    assert_error(f, read_text(f, "xlsx", "type,name\ntext,q1\n"), ERR_INVALID,
                 "not an .xlsx file (not a zip archive)");
    assert_error(f, read_text(f, "xlsx", ""), ERR_INVALID, "not an .xlsx file (the file is empty)");
    assert_error(f, read_text(f, "xlsx", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 rest"), ERR_INVALID,
                 "password-protected");

    size_t len;
    char *data = make_zip(&len, "word/document.xml", "<w:document/>", "hello.txt", "hello", NULL);
    err_clear(&f->err);
    int rc = sheet_read_memory(&f->arena, "xlsx", data, len, &f->book, &f->err);
    free(data);
    assert_error(f, rc, ERR_INVALID, "not an .xlsx workbook: the zip has no xl/workbook.xml");

    data = make_zip(&len, "xl/workbook.xml", WORKBOOK_1, NULL);
    rc = sheet_read_memory(&f->arena, "xlsx", data, len, &f->book, &f->err);
    free(data);
    assert_error(f, rc, ERR_INVALID, "xl/_rels/workbook.xml.rels is missing");

    data = make_zip(&len, "xl/workbook.xml", WORKBOOK_1, "xl/_rels/workbook.xml.rels", WB_RELS_1, NULL);
    rc = sheet_read_memory(&f->arena, "xlsx", data, len, &f->book, &f->err);
    free(data);
    assert_error(f, rc, ERR_INVALID, "sheet survey: the .xlsx file is damaged (xl/worksheets/sheet1.xml is missing)");

    assert_error(f, read_one_sheet(f, SHEET_OPEN "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>ok</t></is></c></row>"
                                      "<row r=\"7\"><c r=\"C7\" t=\"inlineStr\"><is><t>caf\xE9</t></is></c></row>" SHEET_CLOSE),
                 ERR_INVALID, "sheet survey, row 7: the text is not valid UTF-8");
    data = make_zip(&len, "xl/workbook.xml", WORKBOOK_1, "xl/_rels/workbook.xml.rels", WB_RELS_1,
                    "xl/sharedStrings.xml", "<sst><si><t>ok</t></si><si><t>Gr\xFC\xDF" "e</t></si></sst>", NULL);
    rc = sheet_read_memory(&f->arena, "xlsx", data, len, &f->book, &f->err);
    free(data);
    assert_error(f, rc, ERR_INVALID, "xl/sharedStrings.xml: the text is not valid UTF-8 (at byte 33)");
    assert_error(f, read_one_sheet(f, SHEET_OPEN "<row r=\"3\"><c r=\"A3\"><v>1</v></c><c r=\"B3\"><v>1<v></c></row>" SHEET_CLOSE),
                 ERR_INVALID, "sheet survey, row 3: the XML is not well-formed at line 1");
    assert_error(f, read_one_sheet(f, SHEET_OPEN "<row r=\"4\"><c r=\"B4\" t=\"s\"><v>5</v></c></row>" SHEET_CLOSE),
                 ERR_INVALID, "sheet survey, row 4: cell B4 refers to shared string \"5\", which does not exist");
    assert_error(f, read_one_sheet(f, "<?xml version=\"1.0\"?><!DOCTYPE worksheet [<!ENTITY a \"aaaa\">]>"
                                      "<worksheet><sheetData/></worksheet>"),
                 ERR_INVALID, "document type declaration");
    assert_error(f, read_one_sheet(f, SHEET_OPEN "<row r=\"0\"/>" SHEET_CLOSE), ERR_INVALID,
                 "a row has the invalid number \"0\"");
    assert_error(f, read_one_sheet(f, SHEET_OPEN "<row r=\"2\"><c r=\"2B\"/></row>" SHEET_CLOSE), ERR_INVALID,
                 "sheet survey, row 2: a cell has the invalid reference \"2B\"");
}

static void test_xlsx_limits(void **state)
{
    struct fixture *f = *state;
    /* Empty styled cells far to the right are fine; text in column ALM (the 1001st) is not. */
    assert_int_equal(read_one_sheet(f, SHEET_OPEN "<row r=\"1\"><c r=\"A1\"><v>1</v></c><c r=\"ALL1\"><v>2</v></c>"
                                       "<c r=\"XFD1\" s=\"3\"/></row>" SHEET_CLOSE), 0);
    assert_int_equal(f->book.sheets[0].rows[0].ncells, 1000);
    assert_error(f, read_one_sheet(f, SHEET_OPEN "<row r=\"9\"><c r=\"ALM9\"><v>2</v></c></row>" SHEET_CLOSE),
                 ERR_LIMIT, "sheet survey, row 9: more than 1000 columns (cell ALM9 is not empty)");

    /* 100,001 rows. */
    size_t cap = (size_t)(SHEET_MAX_ROWS + 1) * 32 + 256, n = 0;
    char *xml = malloc(cap);
    n += (size_t)snprintf(xml + n, cap - n, "%s", SHEET_OPEN);
    for (int r = 1; r <= SHEET_MAX_ROWS + 1; r++)
        n += (size_t)snprintf(xml + n, cap - n, "<row><c><v>%d</v></c></row>", r);
    snprintf(xml + n, cap - n, "%s", SHEET_CLOSE);
    assert_error(f, read_one_sheet(f, xml), ERR_LIMIT, "sheet survey has more than 100000 rows (at row 100001)");
    free(xml);

    /* A bomb: 65 MiB of blanks that deflate to almost nothing. */
    size_t big = (SHEET_MAX_BYTES + (1 << 20));
    xml = malloc(big + 1);
    memset(xml, ' ', big);
    memcpy(xml, SHEET_OPEN, strlen(SHEET_OPEN));
    memcpy(xml + big - strlen(SHEET_CLOSE), SHEET_CLOSE, strlen(SHEET_CLOSE));
    xml[big] = '\0';
    assert_error(f, read_one_sheet(f, xml), ERR_LIMIT, "the .xlsx file unpacks to more than 64 MiB (at xl/worksheets/sheet1.xml)");
    free(xml);
}

/* --- files ------------------------------------------------------------------------------------ */

static void test_read_file(void **state)
{
    struct fixture *f = *state;
    char *path = temp_path(".Md");
    FILE *fp = fopen(path, "w");
    fputs("| survey | type |\n", fp);
    fclose(fp);
    assert_int_equal(sheet_read_file(&f->arena, path, &f->book, &f->err), 0);
    check_row(&f->book.sheets[0], 0, 1, 1, "type");
    unlink(path);

    err_clear(&f->err);
    assert_error(f, sheet_read_file(&f->arena, path, &f->book, &f->err), ERR_NOT_FOUND, "cannot open");
    assert_error(f, sheet_read_file(&f->arena, "/tmp/form.xls", &f->book, &f->err), ERR_INVALID,
                 "old .xls files cannot be read; save the form as .xlsx");
    assert_error(f, sheet_read_file(&f->arena, "/tmp/form.ods", &f->book, &f->err), ERR_INVALID,
                 "unsupported file type");
    assert_error(f, sheet_read_file(&f->arena, "/tmp/csv", &f->book, &f->err), ERR_INVALID,
                 "unsupported file type");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_column_name),
        cmocka_unit_test_setup_teardown(test_unknown_format, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_xlsform, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_quoting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_binary, setup, teardown),
        cmocka_unit_test_setup_teardown(test_csv_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_md_xlsform, setup, teardown),
        cmocka_unit_test_setup_teardown(test_md_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_xlsx_libxlsxwriter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_xlsx_parts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_xlsx_broken, setup, teardown),
        cmocka_unit_test_setup_teardown(test_xlsx_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_file, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

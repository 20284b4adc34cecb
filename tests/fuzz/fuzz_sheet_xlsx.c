/* libFuzzer target: .xlsx read from memory (forms/sheet).
 *
 * Two modes, chosen by the first byte. Input starting with 'P' (every real .xlsx starts "PK") is
 * read as it is, which fuzzes the zip layer. Any other first byte is dropped and the rest is split on
 * NUL bytes (which XML cannot contain) into worksheet, shared strings, workbook, workbook rels and a
 * second worksheet; a zip is built from them with stored entries, and missing parts get defaults.
 * Mutating raw zips mostly yields CRC errors, so the second mode is what reaches the XML readers. */
#include "fuzz_sheet.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

static const char *const names[] = {
    "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels", "xl/worksheets/sheet2.xml",
};
static const char *const defaults[] = {
    "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row></sheetData></worksheet>",
    "<sst><si><t>type</t></si></sst>",
    "<workbook xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets>"
    "<sheet name=\"survey\" sheetId=\"1\" r:id=\"rId1\"/><sheet name=\"choices\" sheetId=\"2\" r:id=\"rId2\"/>"
    "</sheets></workbook>",
    "<Relationships>"
    "<Relationship Id=\"rId1\" Type=\"x/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId2\" Type=\"x/worksheet\" Target=\"/xl/worksheets/sheet2.xml\"/>"
    "<Relationship Id=\"rId3\" Type=\"x/sharedStrings\" Target=\"sharedStrings.xml\"/>"
    "</Relationships>",
    "<worksheet><sheetData/></worksheet>",
};

/* A stored (uncompressed) zip of the parts, in memory; NULL if libzip refuses. */
static uint8_t *build_zip(const uint8_t *data, size_t size, size_t *out_len)
{
    const uint8_t *part[5];
    size_t len[5];
    size_t n = 0;
    const uint8_t *p = data, *end = data + size;
    while (n < 5 && p <= end) {
        const uint8_t *nul = p < end ? memchr(p, 0, (size_t)(end - p)) : NULL;
        part[n] = p;
        len[n] = (size_t)((nul ? nul : end) - p);
        n++;
        if (!nul) break;
        p = nul + 1;
    }
    for (size_t i = n; i < 5; i++) part[i] = (const uint8_t *)defaults[i], len[i] = strlen(defaults[i]);

    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
    if (!src) abort();
    zip_source_keep(src);
    zip_t *z = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
    if (!z) abort();
    for (size_t i = 0; i < 5; i++) {
        zip_source_t *s = zip_source_buffer(z, part[i], len[i], 0);
        zip_int64_t idx = s ? zip_file_add(z, names[i], s, 0) : -1;
        if (idx < 0 || zip_set_file_compression(z, (zip_uint64_t)idx, ZIP_CM_STORE, 0) != 0) abort();
    }
    uint8_t *buf = NULL;
    if (zip_close(z) == 0 && zip_source_open(src) == 0) {
        zip_stat_t st;
        if (zip_source_stat(src, &st) == 0 && (st.valid & ZIP_STAT_SIZE)) {
            buf = malloc(st.size ? st.size : 1);
            if (!buf || zip_source_read(src, buf, st.size) != (zip_int64_t)st.size) abort();
            *out_len = st.size;
        }
        zip_source_close(src);
    }
    zip_source_free(src);
    zip_error_fini(&ze);
    return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *zip = NULL;
    size_t zip_len = size;
    if (size && data[0] != 'P') {
        zip = build_zip(data + 1, size - 1, &zip_len);
        if (!zip) return 0;
    }
    struct arena a;
    arena_init(&a, 0);
    struct sheet_book b;
    struct err e;
    err_clear(&e);
    int rc = sheet_read_memory(&a, "xlsx", zip ? zip : data, zip_len, &b, &e);
    fuzz_sheet_check(rc, &b, &e, false);
    arena_free(&a);
    free(zip);
    return 0;
}

/* report_export: the reports' figures as downloads, and a programme's tables in one zip (issue
 * 6: "Exports of everything as CSV/XLSX/JSON, pseudonymised as the privacy rules say").
 *
 * Figures. A report (program/reports.h) becomes a flat list of figures, one per row: its section
 * ("coverage", "devices", "training", "outcomes"...), a stable key ("devices.delivered"), an
 * English label, the group it is of (a country, a cascade level, an item) and its value, a
 * number or a text. A figure below the anonymity threshold keeps its row (so that the file says
 * what is left out and why) with no value and hidden set: the count itself is never written. The
 * same list is the CSV, the XLSX (forms/table_out.h) and the JSON download, so the three always
 * agree with each other and with the page.
 *
 * The zip. Every table of a programme as CSV (RFC 4180, formulas guarded), and the same tables
 * in one JSON document (programme.json): phases, campaigns, the pilot institutions, the need
 * ranking, the selection and its invitations, devices, their history, deliveries, the course
 * catalogue, sessions, attendance, curriculum plans, respondent codes issued (counts, never the
 * codes), feedback themes, the programme report's figures, and the answer sets of every form the
 * programme's campaigns use (answers/FORM.csv, as forms/export.h writes them). With personal
 * false (a reader without EXPORT_FULL) the personal data goes as the privacy rules say
 * (docs/security.md): the register's contact columns, invitation addresses and decline reasons,
 * who confirmed a delivery or moved a device, free-text notes, trainers' and participants' names
 * and emails (participants by pseudonym), and the personal answers (forms/export.h pseudonymises
 * the answer sets). Counts of people in the report, in campaigns.csv and in themes.csv are hidden
 * below the threshold, as on the pages. README.txt in the zip says what is there.
 *
 * Everything is built in the caller's arena; output goes to write in pieces (non-zero stops the
 * download: ERR_IO). */
#ifndef EDUBRIDGE_REPORT_EXPORT_H
#define EDUBRIDGE_REPORT_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "program/reports.h"
#include "store/store.h"

struct table_out;

struct rep_figure {
    const char *section;
    const char *key;
    const char *label;  /* English */
    const char *group;  /* NULL: the figure is of the whole report */
    double value;       /* NaN: none (hidden, or a text) */
    const char *text;   /* a value that is text, else NULL */
    bool hidden;        /* below the anonymity threshold: no value is written */
};

struct rep_figures {
    struct arena *arena;
    const char *report;     /* "programme" or "institution" */
    const char *title;      /* the programme's or the institution's name */
    const char *today;
    int threshold;
    struct rep_figure *items;
    size_t n, cap;
};

void rep_programme_figures(const struct rep_programme *r, struct arena *a, struct rep_figures *out);
void rep_institution_figures(const struct rep_institution *r, struct arena *a, struct rep_figures *out);

/* The figures as a table: section, figure, label, group, value, note ("hidden: fewer than N"). */
void rep_figures_table(const struct rep_figures *f, struct arena *a, struct table_out *t);
/* The figures as a JSON document (text in a): {"report", "title", "date", "anonymity_threshold",
 * "figures": [{"section", "figure", "label", "group", "value", "hidden"}]}; value is a number, a
 * text or null. */
char *rep_figures_json(const struct rep_figures *f, struct arena *a);

typedef int (*rep_write_fn)(void *ctx, const void *data, size_t len);

/* The programme's tables as a zip, as above. ERR_NOT_FOUND for an unknown programme. */
int rep_export_zip(struct store *st, struct arena *a, const char *slug, bool personal, int64_t now_ms,
                   rep_write_fn write, void *ctx, struct err *e);

#endif

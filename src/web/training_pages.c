#include "web/training_pages.h"

#include "auth/policy.h"
#include "auth/users.h"
#include "base/log.h"
#include "base/timeutil.h"
#include "forms/table_out.h"
#include "html/html.h"
#include "program/institutions.h"
#include "program/training.h"
#include "program/training_cascade.h"
#include "web/access.h"
#include "web/audit_pages.h"
#include "web/import_errors.h"
#include "web/layout.h"
#include "web/pages.h"
#include "web/form_errors.h"
#include "web/training_ui.h"
#include "web/web.h"

#include <sodium.h>
#include <string.h>
#include <strings.h>

static const char *nonempty(const char *s) { return s && *s ? s : NULL; }

static bool may(struct http_request *req, enum policy_action a)
{
    return policy_allows(web_state(req)->who, a, NULL);
}

/* ATTENDANCE_RECORD asked again with the session: its trainer's account is the target. */
static bool may_record(struct http_request *req, const struct training_session *s)
{
    struct policy_target t = {.trainer_user_id = s->trainer_account ? s->trainer_account : ""};
    return policy_allows(web_state(req)->who, POLICY_ATTENDANCE_RECORD, &t);
}

static void fail_503(struct http_request *req, struct http_response *res, const char *what, const struct err *e)
{
    log_error("training %s: %s", what, e->msg);
    page_error(req, res, 503, NULL);
}

static void heading(struct http_request *req, struct http_response *res, const char *title)
{
    layout_begin(req, res, title, "training");
    html_lit(&res->body, "<h1>");
    html_text(&res->body, title);
    html_lit(&res->body, "</h1>");
}

static void link(struct strbuf *b, const char *href, const char *label)
{
    html_lit(b, "<a href=\"");
    html_url(b, href);
    html_lit(b, "\">");
    html_text(b, label);
    html_lit(b, "</a>");
}

static const char *session_url(struct http_request *req, const char *id)
{
    return arena_printf(req->arena, "/training/sessions/%s", id);
}

/* Translated labels of a list of stored words. */
static const char **labels_of(struct http_request *req, const char *const *words, size_t n,
                              const char *(*label)(const char *))
{
    const char **out = arena_alloc(req->arena, n * sizeof *out);
    for (size_t i = 0; i < n; i++) out[i] = T(req, label(words[i]));
    return out;
}

static void minutes(struct http_request *req, struct strbuf *b, int m)
{
    if (m <= 0) return;
    if (m % 60 == 0) html_text(b, arena_printf(req->arena, T(req, "%d h"), m / 60));
    else if (m > 60) html_text(b, arena_printf(req->arena, T(req, "%d h %d min"), m / 60, m % 60));
    else html_text(b, arena_printf(req->arena, T(req, "%d min"), m));
}

/* --- the catalogue ----------------------------------------------------------------------------------- */

static void catalogue_links(struct http_request *req, struct strbuf *b)
{
    html_lit(b, "<p>");
    link(b, "/training/sessions", T(req, "Sessions"));
    html_lit(b, " · ");
    link(b, "/training/cascade", T(req, "The cascade"));
    if (may(req, POLICY_TRAINING_MANAGE)) {
        html_lit(b, " · ");
        link(b, "/training/courses/new", T(req, "Add a course"));
        html_lit(b, " · ");
        link(b, "/training/import", T(req, "Import from a spreadsheet"));
    }
    html_lit(b, " · ");
    link(b, "/training.csv", T(req, "Download as CSV"));
    html_lit(b, " · ");
    link(b, "/training.xlsx", T(req, "Download as XLSX"));
    html_lit(b, "</p>");
}

static void filter_form(struct http_request *req, struct strbuf *b, const struct training_course_filter *f)
{
    struct err e;
    err_clear(&e);
    const char **langs = NULL;
    size_t nlangs = 0;
    if (training_course_languages(web_state(req)->store, req->arena, &langs, &nlangs, &e) < 0)
        log_error("training languages: %s", e.msg);
    html_lit(b, "<form class=\"card\" method=\"get\" action=\"/training\"><h2>");
    html_text(b, T(req, "Filter"));
    html_lit(b, "</h2>");
    struct tui_input lang = {"language", T(req, "Language"), NULL, f->language, NULL, false};
    tui_select(req, b, NULL, &lang, langs, langs, nlangs, T(req, "Any"));
    struct tui_input mode = {"mode", T(req, "Mode"), NULL, f->mode, NULL, false};
    tui_select(req, b, NULL, &mode, training_modes,
               labels_of(req, training_modes, TRAINING_MODES, training_mode_label), TRAINING_MODES, T(req, "Any"));
    struct tui_input level = {"level", T(req, "Level"), NULL, f->level, NULL, false};
    tui_select(req, b, NULL, &level, training_levels,
               labels_of(req, training_levels, TRAINING_LEVELS, training_level_label), TRAINING_LEVELS, T(req, "Any"));
    struct tui_input topic = {"topic", T(req, "Topic or title contains"), NULL, f->topic, "text", false};
    tui_field(req, b, NULL, &topic);
    html_lit(b, "<p><button type=\"submit\">");
    html_text(b, T(req, "Show"));
    html_lit(b, "</button> <a href=\"/training\">");
    html_text(b, T(req, "Show all"));
    html_lit(b, "</a></p></form>");
}

/* A file's size as people read it. */
static const char *size_label(struct http_request *req, int64_t size)
{
    if (size < 1024) return arena_printf(req->arena, T(req, "%d bytes"), (int)size);
    if (size < 1024 * 1024) return arena_printf(req->arena, T(req, "%d KB"), (int)((size + 1023) / 1024));
    return arena_printf(req->arena, T(req, "%.1f MB"), (double)size / (1024.0 * 1024.0));
}

static const struct training_course_file *file_of(const struct training_course_file *f, size_t nf, const char *id)
{
    for (size_t i = 0; i < nf; i++)
        if (strcmp(f[i].course_id, id) == 0) return &f[i];
    return NULL;
}

/* The small form that uploads (or replaces) a course's file: multipart, with the CSRF field. */
static void course_file_form(struct http_request *req, struct http_response *res, const char *course_id,
                             bool replace)
{
    struct strbuf *b = &res->body;
    const char *fid = arena_printf(req->arena, "cf-%s", course_id);
    html_lit(b, "<form class=\"course-file\" method=\"post\" action=\"");
    html_url(b, arena_printf(req->arena, "/training/courses/%s/file", course_id));
    html_lit(b, "\" enctype=\"multipart/form-data\">");
    access_csrf_field(req, res);
    html_lit(b, "<label for=\"");
    html_attr(b, fid);
    html_lit(b, "\">");
    html_text(b, T(req, "Course file (at most 8 MiB)"));
    html_lit(b, "</label> <input id=\"");
    html_attr(b, fid);
    html_lit(b, "\" name=\"file\" type=\"file\" required> <button type=\"submit\">");
    html_text(b, replace ? T(req, "Replace the file") : T(req, "Upload the file"));
    html_lit(b, "</button></form>");
}

static void course_table(struct http_request *req, struct http_response *res, const struct training_course *c,
                         size_t n, const struct training_course_file *files, size_t nf)
{
    struct strbuf *b = &res->body;
    bool manage = may(req, POLICY_TRAINING_MANAGE);
    html_lit(b, "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"");
    html_attr(b, T(req, "Courses"));
    html_lit(b, "\"><table><thead><tr>");
    const char *heads[] = {T(req, "Title"), T(req, "Provider"), T(req, "Language"), T(req, "Mode"),
                           T(req, "Duration"), T(req, "Level"), T(req, "Topics")};
    for (size_t i = 0; i < 7; i++) {
        html_lit(b, "<th scope=\"col\">");
        html_text(b, heads[i]);
        html_lit(b, "</th>");
    }
    html_lit(b, "</tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        html_lit(b, "<tr><td>");
        if (c[i].url) link(b, c[i].url, c[i].title);
        else html_text(b, c[i].title);
        if (c[i].file_name) {
            html_lit(b, "<br><span class=\"detail\">");
            html_text(b, T(req, "File:"));
            html_lit(b, " <code>");
            html_text(b, c[i].file_name);
            html_lit(b, "</code></span>");
        }
        const struct training_course_file *cf = file_of(files, nf, c[i].id);
        if (cf) {
            html_lit(b, "<br>");
            link(b, arena_printf(req->arena, "/training/courses/%s/file", c[i].id),
                 arena_printf(req->arena, T(req, "Download (%s, %s)"), cf->name, size_label(req, cf->size)));
        }
        if (manage) course_file_form(req, res, c[i].id, cf != NULL);
        if (c[i].programme_slug) {
            html_lit(b, " <span class=\"tag\">");
            html_text(b, c[i].programme_slug);
            html_lit(b, "</span>");
        }
        html_lit(b, "</td>");
        tui_cell(b, c[i].provider);
        html_lit(b, "<td lang=\"");
        html_attr(b, c[i].language);
        html_lit(b, "\"><code>");
        html_text(b, c[i].language);
        html_lit(b, "</code></td>");
        tui_cell(b, T(req, training_mode_label(c[i].mode)));
        html_lit(b, "<td>");
        minutes(req, b, c[i].duration_minutes);
        html_lit(b, "</td>");
        tui_cell(b, c[i].level ? T(req, training_level_label(c[i].level)) : NULL);
        tui_cell(b, c[i].topics);
        html_lit(b, "</tr>");
    }
    html_lit(b, "</tbody></table></div>");
}

static void catalogue_page(struct http_request *req, struct http_response *res)
{
    struct training_course_filter f = {.language = nonempty(http_query(req, "language")),
                                       .mode = nonempty(http_query(req, "mode")),
                                       .level = nonempty(http_query(req, "level")),
                                       .topic = nonempty(http_query(req, "topic"))};
    struct training_course *c;
    size_t n;
    struct err e;
    err_clear(&e);
    if (training_courses(web_state(req)->store, req->arena, &f, &c, &n, &e) < 0) {
        fail_503(req, res, "catalogue", &e);
        return;
    }
    struct strbuf *b = &res->body;
    heading(req, res, T(req, "Training"));
    html_lit(b, "<p>");
    html_text(b, T(req, "The pilot's course catalogue: courses and resources in several languages, given online, in person or as an offline package."));
    html_lit(b, "</p>");
    catalogue_links(req, b);
    filter_form(req, b, &f);
    html_lit(b, "<p>");
    html_text(b, arena_printf(req->arena, T(req, "Courses found: %d."), (int)n));
    html_lit(b, "</p>");
    struct training_course_file *files = NULL;
    size_t nf = 0;
    if (n && training_course_files(web_state(req)->store, req->arena, &files, &nf, &e) < 0)
        log_error("course files: %s", e.msg); /* the catalogue without its downloads, rather than none */
    if (n) course_table(req, res, c, n, files, nf);
    layout_end(req, res);
}

/* --- a new course ------------------------------------------------------------------------------------ */

static void course_form(struct http_request *req, struct http_response *res, const char *const *v,
                        const struct programme_problems *pp)
{
    struct strbuf *b = &res->body;
    heading(req, res, T(req, "Add a course"));
    form_error_summary(req, b, pp);
    tui_form_open(req, res, "/training/courses/new", false);
    struct tui_input in[] = {
        {"title", T(req, "Title"), NULL, v[TC_TITLE], "text", true},
        {"provider", T(req, "Provider"), NULL, v[TC_PROVIDER], "text", false},
        {"language", T(req, "Language"), T(req, "A language code: en, fr, es, de, pl, pt-BR..."), v[TC_LANGUAGE], "text", true},
    };
    for (size_t i = 0; i < 3; i++) tui_field(req, b, pp, &in[i]);
    struct tui_input mode = {"mode", T(req, "Mode"), NULL, v[TC_MODE], NULL, true};
    tui_select(req, b, pp, &mode, training_modes, labels_of(req, training_modes, TRAINING_MODES, training_mode_label),
               TRAINING_MODES, NULL);
    struct tui_input minutes_in = {"duration_minutes", T(req, "Duration in minutes"), NULL, v[TC_DURATION], "number", false};
    tui_field(req, b, pp, &minutes_in);
    struct tui_input level = {"level", T(req, "Level"), NULL, v[TC_LEVEL], NULL, false};
    tui_select(req, b, pp, &level, training_levels,
               labels_of(req, training_levels, TRAINING_LEVELS, training_level_label), TRAINING_LEVELS,
               T(req, "Not said"));
    struct tui_input more[] = {
        {"topics", T(req, "Topics"), T(req, "Separated by commas. Name a need-index domain (devices, connectivity, skills, support) so that curriculum plans suggest the course."), v[TC_TOPICS], "text", false},
        {"url", T(req, "Link"), T(req, "Needed for an online course."), v[TC_URL], "url", false},
        {"file_name", T(req, "File name"), T(req, "Needed for an offline package: the file that travels to schools."), v[TC_FILE], "text", false},
    };
    for (size_t i = 0; i < 3; i++) tui_field(req, b, pp, &more[i]);
    struct programme *list;
    size_t n = 0;
    struct err e;
    err_clear(&e);
    if (programme_list(web_state(req)->store, req->arena, &list, &n, &e) < 0) log_error("programmes: %s", e.msg);
    const char **slugs = arena_alloc(req->arena, (n ? n : 1) * sizeof *slugs), **names = arena_alloc(req->arena, (n ? n : 1) * sizeof *names);
    for (size_t i = 0; i < n; i++) slugs[i] = list[i].slug, names[i] = list[i].name;
    struct tui_input prog = {"programme", T(req, "Programme"), NULL, v[TC_PROGRAMME], NULL, false};
    tui_select(req, b, pp, &prog, slugs, names, n, T(req, "Any programme"));
    tui_form_close(b, T(req, "Add the course"));
    layout_end(req, res);
}

static void course_new_page(struct http_request *req, struct http_response *res)
{
    const char *v[TC_FIELD_COUNT] = {0};
    course_form(req, res, v, NULL);
}

static void course_new_post(struct http_request *req, struct http_response *res)
{
    const char *v[TC_FIELD_COUNT];
    for (int f = 0; f < TC_FIELD_COUNT; f++) v[f] = http_form(req, training_course_field_name((enum training_course_field)f));
    struct programme_problems pp = {0};
    struct training_course c;
    struct err e;
    err_clear(&e);
    struct store *st = web_state(req)->store;
    if (training_course_from(st, req->arena, v, &c, &pp, &e) < 0) {
        fail_503(req, res, "course", &e);
        return;
    }
    if (pp.n) {
        res->status = 400;
        course_form(req, res, v, &pp);
        return;
    }
    struct audit_actor by;
    web_audit_actor(req, &by);
    if (training_course_add(st, req->arena, &c, &by, &e) < 0) {
        fail_503(req, res, "course", &e);
        return;
    }
    http_redirect(res, 303, "/training");
}

/* --- a course's file --------------------------------------------------------------------------------- */

/* The name in a Content-Disposition: an ASCII fallback in quotes (the cleaned name has no quote,
 * no path and no control character) and the UTF-8 name percent-encoded (RFC 6266, 5987). */
static const char *disposition(struct http_request *req, const char *name)
{
    struct strbuf sb;
    strbuf_init(&sb, req->arena, 128);
    strbuf_puts(&sb, "attachment; filename=\"");
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        strbuf_putc(&sb, *p < 0x80 && *p != '\\' ? (char)*p : '_');
    strbuf_puts(&sb, "\"; filename*=UTF-8''");
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("-._~", *p))
            strbuf_putc(&sb, (char)*p);
        else
            strbuf_printf(&sb, "%%%02X", *p);
    }
    return sb.data;
}

static void course_file_get(struct http_request *req, struct http_response *res)
{
    const char *name, *type;
    const void *data;
    size_t len;
    struct err e;
    err_clear(&e);
    int rc = training_course_file_get(web_state(req)->store, req->arena, http_route(req, "id"), &name, &type, &data,
                                      &len, &e);
    if (rc == ERR_NOT_FOUND) {
        page_error(req, res, 404, NULL);
        return;
    }
    if (rc < 0) {
        fail_503(req, res, "course file", &e);
        return;
    }
    strbuf_reset(&res->body);
    strbuf_append(&res->body, data, len);
    res->status = 200;
    res->content_type = type;
    res->compressible = false; /* PDFs, archives and media are compressed already */
    res->cache_control = "private";
    http_set_header(res, "Content-Disposition", disposition(req, name));
}

/* The upload refused: the message, and the form again; nothing was stored. */
static void course_file_refused(struct http_request *req, struct http_response *res, int status,
                                const struct training_course *c, const char *msg)
{
    res->status = status;
    heading(req, res, T(req, "A course's file"));
    html_lit(&res->body, "<p class=\"error\" role=\"alert\">");
    html_text(&res->body, msg);
    html_lit(&res->body, "</p><p>");
    html_text(&res->body, c->title);
    html_lit(&res->body, "</p>");
    course_file_form(req, res, c->id, false);
    html_lit(&res->body, "<p>");
    link(&res->body, "/training", T(req, "Back to the catalogue"));
    html_lit(&res->body, "</p>");
    layout_end(req, res);
}

static void course_file_post(struct http_request *req, struct http_response *res)
{
    struct store *st = web_state(req)->store;
    struct training_course c;
    struct err e;
    err_clear(&e);
    int rc = training_course_get(st, req->arena, http_route(req, "id"), &c, &e);
    if (rc == ERR_NOT_FOUND) {
        page_error(req, res, 404, NULL);
        return;
    }
    if (rc < 0) {
        fail_503(req, res, "course file", &e);
        return;
    }
    const struct http_upload *up = http_upload_get(req, "file");
    if (!up || (!up->len && !nonempty(up->filename))) {
        course_file_refused(req, res, 400, &c, T(req, "Choose a file to upload."));
        return;
    }
    const char *type, *looks;
    int code;
    const char *why = training_course_file_check(up->data, up->len, &type, &looks, &code);
    if (why) {
        int status = code == ERR_LIMIT ? 413 : up->len == 0 ? 400 : 422;
        const char *msg = looks ? arena_printf(req->arena, T(req, why), T(req, looks)) : T(req, why);
        course_file_refused(req, res, status, &c, msg);
        return;
    }
    struct audit_actor by;
    web_audit_actor(req, &by);
    rc = training_course_file_put(st, c.id, up->filename, up->data, up->len, &by, &e);
    if (rc == ERR_NOT_FOUND) page_error(req, res, 404, NULL);
    else if (rc < 0) fail_503(req, res, "course file", &e);
    else http_redirect(res, 303, "/training");
}

/* --- import ------------------------------------------------------------------------------------------ */

static void import_intro(struct http_request *req, struct http_response *res)
{
    struct strbuf *b = &res->body;
    html_lit(b, "<p>");
    html_text(b, T(req, "A CSV or XLSX file: a header row naming the columns (title, language and mode are required; provider, duration_minutes, level, topics, url, file_name and programme may follow), then one course per row. You see what would be imported before anything is saved, and a file with any error imports nothing."));
    html_lit(b, "</p><form class=\"card\" method=\"post\" action=\"/training/import\" enctype=\"multipart/form-data\">");
    access_csrf_field(req, res);
    html_lit(b, "<div class=\"field\"><label for=\"i-file\">");
    html_text(b, T(req, "File"));
    html_lit(b, "</label><input id=\"i-file\" name=\"file\" type=\"file\" accept=\".csv,.xlsx\" required></div><p><button type=\"submit\">");
    html_text(b, T(req, "Preview"));
    html_lit(b, "</button></p></form>");
}

static void import_page(struct http_request *req, struct http_response *res)
{
    heading(req, res, T(req, "Import courses"));
    import_intro(req, res);
    layout_end(req, res);
}

static void import_refused(struct http_request *req, struct http_response *res, const char *msg, const char *detail)
{
    res->status = 400;
    heading(req, res, T(req, "Import courses"));
    html_lit(&res->body, "<p class=\"error\" role=\"alert\">");
    html_text(&res->body, msg);
    if (detail) {
        html_lit(&res->body, " ");
        html_text(&res->body, detail);
    }
    html_lit(&res->body, "</p>");
    import_intro(req, res);
    layout_end(req, res);
}

static void import_preview(struct http_request *req, struct strbuf *b, const struct training_import_result *r)
{
    html_lit(b, "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"");
    html_attr(b, T(req, "Preview"));
    html_lit(b, "\"><table><thead><tr>");
    const char *heads[] = {T(req, "Row"), T(req, "Title"), T(req, "Language"), T(req, "Mode"), T(req, "Level"),
                           T(req, "Topics")};
    for (size_t i = 0; i < 6; i++) {
        html_lit(b, "<th scope=\"col\">");
        html_text(b, heads[i]);
        html_lit(b, "</th>");
    }
    html_lit(b, "</tr></thead><tbody>");
    for (size_t i = 0; i < r->nrows; i++) {
        const struct training_course *c = &r->rows[i];
        html_lit(b, "<tr><td>");
        html_int(b, r->row_numbers[i]);
        html_lit(b, "</td>");
        tui_cell(b, c->title);
        tui_cell(b, c->language);
        tui_cell(b, T(req, training_mode_label(c->mode)));
        tui_cell(b, c->level ? T(req, training_level_label(c->level)) : NULL);
        tui_cell(b, c->topics);
        html_lit(b, "</tr>");
    }
    html_lit(b, "</tbody></table></div>");
}

/* As the institutions' import: the file travels from the preview to the confirmation inside the
 * page (base64), so nothing is kept on the server in between and what is confirmed is exactly
 * what was previewed. */
static void import_post(struct http_request *req, struct http_response *res)
{
    const struct http_upload *up = http_upload_get(req, "file");
    const char *data = NULL, *format = NULL;
    size_t len = 0;
    bool confirm = false;
    if (up && up->len) {
        const char *dot = up->filename ? strrchr(up->filename, '.') : NULL;
        format = dot && !strcasecmp(dot, ".csv") ? "csv" : dot && !strcasecmp(dot, ".xlsx") ? "xlsx" : NULL;
        data = up->data;
        len = up->len;
    } else if (nonempty(http_form(req, "data"))) {
        const char *b64 = http_form(req, "data"), *fmt = http_form(req, "format");
        format = fmt && (!strcmp(fmt, "csv") || !strcmp(fmt, "xlsx")) ? fmt : NULL;
        size_t cap = strlen(b64);
        unsigned char *bin = arena_alloc(req->arena, cap + 1);
        if (sodium_base642bin(bin, cap, b64, cap, NULL, &len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0) format = NULL;
        data = (const char *)bin;
        confirm = true;
    }
    if (!format) {
        import_refused(req, res, T(req, "Choose a CSV or XLSX file."), NULL);
        return;
    }
    struct err e;
    err_clear(&e);
    struct sheet_book book;
    if (inst_read_table(req->arena, format, data, len, &book, &e) < 0) {
        import_refused(req, res, T(req, "The file could not be read as a spreadsheet:"), e.msg);
        return;
    }
    struct audit_actor by;
    web_audit_actor(req, &by);
    struct training_import_result r;
    if (training_import(web_state(req)->store, req->arena, &book, !confirm, false, &by, &r, &e) < 0) {
        fail_503(req, res, "import", &e);
        return;
    }
    struct strbuf *b = &res->body;
    heading(req, res, T(req, "Import courses"));
    if (r.nerrors) {
        res->status = 400;
        import_errors_table(req, b, r.errors, r.nerrors);
        import_intro(req, res);
    } else if (r.imported) {
        html_lit(b, "<p class=\"notice\" role=\"status\">");
        html_text(b, arena_printf(req->arena, T(req, "Imported: %d courses."), (int)r.nrows));
        html_lit(b, " ");
        link(b, "/training", T(req, "Back to the catalogue"));
        html_lit(b, "</p>");
    } else {
        html_lit(b, "<p>");
        html_text(b, arena_printf(req->arena, T(req, "No problems found. These %d courses would be added:"), (int)r.nrows));
        html_lit(b, "</p>");
        import_preview(req, b, &r);
        html_lit(b, "<form method=\"post\" action=\"/training/import\">");
        access_csrf_field(req, res);
        size_t b64len = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
        char *b64 = arena_alloc(req->arena, b64len);
        sodium_bin2base64(b64, b64len, (const unsigned char *)data, len, sodium_base64_VARIANT_ORIGINAL);
        html_lit(b, "<input type=\"hidden\" name=\"format\" value=\"");
        html_attr(b, format);
        html_lit(b, "\"><input type=\"hidden\" name=\"data\" value=\"");
        html_attr(b, b64);
        html_lit(b, "\"><p><button type=\"submit\">");
        html_text(b, T(req, "Import them"));
        html_lit(b, "</button></p></form>");
    }
    layout_end(req, res);
}

/* --- sessions ---------------------------------------------------------------------------------------- */

static void where(struct http_request *req, struct strbuf *b, const struct training_session *s)
{
    if (s->place) html_text(b, s->place);
    if (s->place && s->link) html_lit(b, " · ");
    if (s->link) link(b, s->link, T(req, "Online link"));
}

static void sessions_table(struct http_request *req, struct strbuf *b, const struct training_session *s, size_t n)
{
    html_lit(b, "<div class=\"scroll\" tabindex=\"0\" role=\"region\" aria-label=\"");
    html_attr(b, T(req, "Sessions"));
    html_lit(b, "\"><table><thead><tr>");
    const char *heads[] = {T(req, "When"), T(req, "Course"), T(req, "Trainer"), T(req, "Where")};
    for (size_t i = 0; i < 4; i++) {
        html_lit(b, "<th scope=\"col\">");
        html_text(b, heads[i]);
        html_lit(b, "</th>");
    }
    const char *nums[] = {T(req, "Enrolled"), T(req, "Places"), T(req, "Attended"), T(req, "Completed")};
    for (size_t i = 0; i < 4; i++) {
        html_lit(b, "<th scope=\"col\" class=\"num\">");
        html_text(b, nums[i]);
        html_lit(b, "</th>");
    }
    html_lit(b, "</tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        html_lit(b, "<tr><td><a href=\"");
        html_url(b, session_url(req, s[i].id));
        html_lit(b, "\">");
        tui_time(req, b, s[i].starts_at);
        html_lit(b, "</a></td><td>");
        html_text(b, s[i].course_title);
        if (s[i].is_tot) {
            html_lit(b, " <span class=\"tag\">");
            html_text(b, T(req, "Train the trainer"));
            html_lit(b, "</span>");
        }
        html_lit(b, "</td>");
        tui_cell(b, s[i].trainer_name);
        html_lit(b, "<td>");
        where(req, b, &s[i]);
        html_lit(b, "</td>");
        int v[] = {s[i].enrolled, s[i].capacity, s[i].attended, s[i].completed};
        for (size_t k = 0; k < 4; k++) {
            html_lit(b, "<td class=\"num\">");
            html_int(b, v[k]);
            html_lit(b, "</td>");
        }
        html_lit(b, "</tr>");
    }
    html_lit(b, "</tbody></table></div>");
}

static void sessions_page(struct http_request *req, struct http_response *res)
{
    struct programme *list;
    size_t n;
    struct programme *p = tui_programme(req, res, &list, &n);
    if (!p) return;
    struct err e;
    err_clear(&e);
    struct training_session_filter f = {.programme_id = p->id};
    struct training_session *s;
    size_t ns;
    if (training_sessions(web_state(req)->store, req->arena, &f, &s, &ns, &e) < 0) {
        fail_503(req, res, "sessions", &e);
        return;
    }
    struct strbuf *b = &res->body;
    heading(req, res, T(req, "Training sessions"));
    tui_programme_choice(req, b, "/training/sessions", list, n, p);
    html_lit(b, "<p>");
    link(b, "/training", T(req, "The catalogue"));
    html_lit(b, " · ");
    link(b, arena_printf(req->arena, "/training/cascade?programme=%s", p->slug), T(req, "The cascade"));
    if (may(req, POLICY_TRAINING_MANAGE)) {
        html_lit(b, " · ");
        link(b, arena_printf(req->arena, "/training/sessions/new?programme=%s", p->slug), T(req, "New session"));
    }
    if (may(req, POLICY_EXPORT_PSEUDONYMISED)) {
        html_lit(b, " · ");
        link(b, arena_printf(req->arena, "/training/sessions.csv?programme=%s", p->slug), T(req, "Attendance as CSV"));
        html_lit(b, " · ");
        link(b, arena_printf(req->arena, "/training/sessions.xlsx?programme=%s", p->slug), T(req, "Attendance as XLSX"));
    }
    html_lit(b, "</p><p>");
    html_text(b, arena_printf(req->arena, T(req, "%s: %d sessions."), p->name, (int)ns));
    html_lit(b, "</p>");
    if (ns) sessions_table(req, b, s, ns);
    layout_end(req, res);
}

/* --- a new session ----------------------------------------------------------------------------------- */

struct session_input {
    const char *programme, *course, *trainer, *starts_at, *ends_at, *place, *link, *capacity;
    bool is_tot;
};

static void session_form(struct http_request *req, struct http_response *res, const struct session_input *in,
                         const struct programme_problems *pp)
{
    struct store *st = web_state(req)->store;
    struct err e;
    err_clear(&e);
    struct programme *progs = NULL;
    size_t np = 0, nc = 0, nu = 0, ng = 0;
    struct training_course *courses = NULL;
    struct user *users = NULL;
    struct training_participant *grads = NULL;
    if (programme_list(st, req->arena, &progs, &np, &e) < 0 || training_courses(st, req->arena, NULL, &courses, &nc, &e) < 0 ||
        user_list(st, req->arena, &users, &nu, &e) < 0 || training_graduates(st, req->arena, &grads, &ng, &e) < 0) {
        fail_503(req, res, "session form", &e);
        return;
    }
    struct strbuf *b = &res->body;
    heading(req, res, T(req, "New training session"));
    form_error_summary(req, b, pp);
    tui_form_open(req, res, "/training/sessions/new", false);
    const char **pv = arena_alloc(req->arena, (np + 1) * sizeof *pv), **pl = arena_alloc(req->arena, (np + 1) * sizeof *pl);
    for (size_t i = 0; i < np; i++) pv[i] = progs[i].slug, pl[i] = progs[i].name;
    struct tui_input prog = {"programme", T(req, "Programme"), NULL, in->programme, NULL, true};
    tui_select(req, b, pp, &prog, pv, pl, np, NULL);
    const char **cv = arena_alloc(req->arena, (nc + 1) * sizeof *cv), **cl = arena_alloc(req->arena, (nc + 1) * sizeof *cl);
    for (size_t i = 0; i < nc; i++)
        cv[i] = courses[i].id, cl[i] = arena_printf(req->arena, "%s (%s, %s)", courses[i].title, courses[i].language,
                                                    T(req, training_mode_label(courses[i].mode)));
    struct tui_input course = {"course", T(req, "Course"), NULL, in->course, NULL, true};
    tui_select(req, b, pp, &course, cv, cl, nc, T(req, "Choose a course"));
    /* Trainers: accounts with the trainer role, then graduates of a train-the-trainer session. */
    const char **tv = arena_alloc(req->arena, (nu + ng + 1) * sizeof *tv), **tl = arena_alloc(req->arena, (nu + ng + 1) * sizeof *tl);
    size_t nt = 0;
    for (size_t i = 0; i < nu; i++) {
        if (users[i].role != AUTH_ROLE_TRAINER || users[i].disabled_at) continue;
        tv[nt] = arena_printf(req->arena, "u:%s", users[i].id);
        tl[nt++] = users[i].display_name;
    }
    for (size_t i = 0; i < ng; i++) {
        if (!*grads[i].name) continue;
        tv[nt] = arena_printf(req->arena, "p:%s", grads[i].id);
        tl[nt++] = arena_printf(req->arena, T(req, "%s (graduate of a train-the-trainer session)"), grads[i].name);
    }
    struct tui_input trainer = {"trainer", T(req, "Trainer"), NULL, in->trainer, NULL, true};
    tui_select(req, b, pp, &trainer, tv, tl, nt, T(req, "Choose the trainer"));
    struct tui_input fields[] = {
        {"starts_at", T(req, "Starts"), T(req, "Date and time, UTC."), in->starts_at, "datetime-local", true},
        {"ends_at", T(req, "Ends"), T(req, "Date and time, UTC."), in->ends_at, "datetime-local", true},
        {"place", T(req, "Place"), NULL, in->place, "text", false},
        {"link", T(req, "Online link"), NULL, in->link, "url", false},
        {"capacity", T(req, "Places"), NULL, in->capacity, "number", true},
    };
    for (size_t i = 0; i < 5; i++) tui_field(req, b, pp, &fields[i]);
    html_lit(b, "<div class=\"field choice\"><input type=\"checkbox\" id=\"f-is_tot\" name=\"is_tot\" value=\"1\"");
    if (in->is_tot) html_lit(b, " checked");
    html_lit(b, "><label for=\"f-is_tot\">");
    html_text(b, T(req, "Train the trainer: those who complete it may run sessions of their own"));
    html_lit(b, "</label></div>");
    tui_form_close(b, T(req, "Add the session"));
    layout_end(req, res);
}

static void session_new_page(struct http_request *req, struct http_response *res)
{
    struct session_input in = {.programme = http_query(req, "programme"), .capacity = "20"};
    session_form(req, res, &in, NULL);
}

static void session_new_post(struct http_request *req, struct http_response *res)
{
    struct session_input in = {http_form(req, "programme"), http_form(req, "course"),   http_form(req, "trainer"),
                               http_form(req, "starts_at"), http_form(req, "ends_at"),  http_form(req, "place"),
                               http_form(req, "link"),      http_form(req, "capacity"), nonempty(http_form(req, "is_tot"))};
    struct store *st = web_state(req)->store;
    struct err e;
    err_clear(&e);
    struct training_session s = {.course_id = nonempty(in.course), .place = nonempty(in.place),
                                 .link = nonempty(in.link), .is_tot = in.is_tot};
    struct programme *p = NULL;
    if (nonempty(in.programme) && programme_find(st, req->arena, in.programme, &p, &e) == 0) s.programme_id = p->id;
    err_clear(&e);
    training_trainer_parse(in.trainer, &s.trainer_user_id, &s.trainer_participant_id);
    s.starts_at = training_time_parse(req->arena, in.starts_at);
    s.ends_at = training_time_parse(req->arena, in.ends_at);
    int64_t cap = -1;
    if (in.capacity && !str_to_int64(in.capacity, 0, 1000000, &cap)) cap = -1;
    s.capacity = (int)cap;
    struct programme_problems pp = {0};
    int rc = training_session_validate(st, req->arena, &s, &pp, &e);
    if (rc < 0) {
        fail_503(req, res, "session", &e);
        return;
    }
    if (rc > 0) {
        res->status = 400;
        session_form(req, res, &in, &pp);
        return;
    }
    struct audit_actor by;
    web_audit_actor(req, &by);
    if (training_session_add(st, req->arena, &s, &by, &e) < 0) {
        if (e.code == ERR_INVALID) { /* changed in between: shown as the form's problem */
            programme_problem_add(&pp, "course", e.msg);
            res->status = 400;
            session_form(req, res, &in, &pp);
        } else {
            fail_503(req, res, "session", &e);
        }
        return;
    }
    http_redirect(res, 303, session_url(req, s.id));
}

/* --- one session ------------------------------------------------------------------------------------- */

/* What the session page says besides the session: a problem of a form just posted. */
struct session_notes {
    const struct programme_problems *pp; /* the enrolment form's */
    const char *message;                 /* translated; an alert at the top */
    const struct training_person_new *person; /* as typed */
};

static void person_label(struct http_request *req, struct strbuf *b, const struct training_participant *p, bool names)
{
    if (names && *p->name) {
        html_text(b, p->name);
        return;
    }
    if (!*p->name) {
        html_text(b, T(req, "(erased)"));
        html_lit(b, " ");
    }
    html_lit(b, "<code>");
    html_text(b, p->pseudonym);
    html_lit(b, "</code>");
}

static void session_facts(struct http_request *req, struct strbuf *b, const struct training_session *s,
                          const struct training_cascade_view *cv, long at)
{
    html_lit(b, "<dl class=\"facts\"><dt>");
    html_text(b, T(req, "Course"));
    html_lit(b, "</dt><dd>");
    html_text(b, s->course_title);
    html_lit(b, " (<span lang=\"");
    html_attr(b, s->course_language);
    html_lit(b, "\">");
    html_text(b, s->course_language);
    html_lit(b, "</span>, ");
    html_text(b, T(req, training_mode_label(s->course_mode)));
    html_lit(b, ")</dd><dt>");
    html_text(b, T(req, "Trainer"));
    html_lit(b, "</dt><dd>");
    html_text(b, s->trainer_name ? s->trainer_name : "–");
    html_lit(b, "</dd><dt>");
    html_text(b, T(req, "When"));
    html_lit(b, "</dt><dd>");
    tui_time(req, b, s->starts_at);
    html_lit(b, " – ");
    tui_time(req, b, s->ends_at);
    html_lit(b, "</dd><dt>");
    html_text(b, T(req, "Where"));
    html_lit(b, "</dt><dd>");
    where(req, b, s);
    html_lit(b, "</dd><dt>");
    html_text(b, T(req, "Places"));
    html_lit(b, "</dt><dd>");
    html_text(b, arena_printf(req->arena, T(req, "%d of %d taken"), s->enrolled, s->capacity));
    html_lit(b, "</dd>");
    if (at >= 0) {
        html_lit(b, "<dt>");
        html_text(b, T(req, "In the cascade"));
        html_lit(b, "</dt><dd>");
        html_text(b, arena_printf(req->arena, T(req, "Level %d"), cv->cascade.level[at]));
        long parent = cv->cascade.parent[at];
        if (parent >= 0) {
            html_lit(b, ": ");
            html_text(b, T(req, "its trainer graduated from"));
            html_lit(b, " ");
            link(b, session_url(req, cv->sessions[parent].id), cv->sessions[parent].course_title);
        }
        if (s->is_tot) {
            html_lit(b, " <span class=\"tag\">");
            html_text(b, T(req, "Train the trainer"));
            html_lit(b, "</span>");
        }
        html_lit(b, "</dd>");
    }
    html_lit(b, "</dl>");
}

static void people_table(struct http_request *req, struct strbuf *b, const struct training_enrolment *en, size_t n,
                         bool names)
{
    html_lit(b, "<table><thead><tr><th scope=\"col\">");
    html_text(b, names ? T(req, "Person") : T(req, "Pseudonym"));
    html_lit(b, "</th><th scope=\"col\">");
    html_text(b, T(req, "Institution"));
    html_lit(b, "</th><th scope=\"col\">");
    html_text(b, T(req, "Role"));
    html_lit(b, "</th><th scope=\"col\">");
    html_text(b, T(req, "Status"));
    html_lit(b, "</th></tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        html_lit(b, "<tr><td>");
        person_label(req, b, &en[i].person, names);
        html_lit(b, "</td>");
        tui_cell(b, en[i].person.institution_name);
        tui_cell(b, T(req, training_role_label(en[i].person.role)));
        html_lit(b, "<td>");
        html_text(b, T(req, training_status_label(en[i].status)));
        if (names && en[i].certificate_code) {
            html_lit(b, " · <a href=\"");
            html_url(b, arena_printf(req->arena, "/training/certificates/%s", en[i].id));
            html_lit(b, "\">");
            html_text(b, T(req, "Certificate"));
            html_lit(b, "<span class=\"visually-hidden\"> ");
            html_text(b, en[i].person.name);
            html_lit(b, "</span></a>");
        }
        html_lit(b, "</td></tr>");
    }
    html_lit(b, "</tbody></table>");
}

static void attendance_form(struct http_request *req, struct http_response *res, const struct training_session *s,
                            const struct training_enrolment *en, size_t n)
{
    struct strbuf *b = &res->body;
    html_lit(b, "<h2>");
    html_text(b, T(req, "Attendance"));
    html_lit(b, "</h2>");
    char now[32];
    time_format_iso(time_now_ms(), now, sizeof now);
    if (strcmp(now, s->starts_at) < 0) {
        html_lit(b, "<p>");
        html_text(b, T(req, "Attendance can be recorded once the session has started."));
        html_lit(b, "</p>");
        return;
    }
    html_lit(b, "<p>");
    html_text(b, T(req, "Tick who came, and who completed the session: completion needs attendance. Anyone not ticked as attended is recorded as not having come."));
    html_lit(b, "</p>");
    tui_form_open(req, res, arena_printf(req->arena, "/training/sessions/%s/attendance", s->id), false);
    html_lit(b, "<table><thead><tr><th scope=\"col\">");
    html_text(b, T(req, "Person"));
    html_lit(b, "</th><th scope=\"col\">");
    html_text(b, T(req, "Attended"));
    html_lit(b, "</th><th scope=\"col\">");
    html_text(b, T(req, "Completed"));
    html_lit(b, "</th></tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        bool attended = !strcmp(en[i].status, "attended") || !strcmp(en[i].status, "completed");
        bool completed = !strcmp(en[i].status, "completed");
        html_lit(b, "<tr><th scope=\"row\"><input type=\"hidden\" name=\"e\" value=\"");
        html_attr(b, en[i].id);
        html_lit(b, "\">");
        person_label(req, b, &en[i].person, true);
        html_lit(b, "</th><td><input type=\"checkbox\" name=\"attended-");
        html_attr(b, en[i].id);
        html_lit(b, "\" value=\"1\" aria-label=\"");
        html_attr(b, arena_printf(req->arena, T(req, "%s attended"), *en[i].person.name ? en[i].person.name : en[i].person.pseudonym));
        html_lit(b, "\"");
        if (attended) html_lit(b, " checked");
        html_lit(b, "></td><td><input type=\"checkbox\" name=\"completed-");
        html_attr(b, en[i].id);
        html_lit(b, "\" value=\"1\" aria-label=\"");
        html_attr(b, arena_printf(req->arena, T(req, "%s completed"), *en[i].person.name ? en[i].person.name : en[i].person.pseudonym));
        html_lit(b, "\"");
        if (completed) html_lit(b, " checked");
        html_lit(b, "></td></tr>");
    }
    html_lit(b, "</tbody></table>");
    tui_form_close(b, T(req, "Record attendance"));
}

/* Whose people the reader may choose from when enrolling: everyone's for those who manage
 * training, else those of the sessions the reader's own account records. */
static const char *people_of(struct http_request *req)
{
    if (may(req, POLICY_TRAINING_MANAGE)) return NULL;
    const char *me = web_state(req)->who->user_id;
    return me ? me : "";
}

static void enrol_form(struct http_request *req, struct http_response *res, const struct training_session *s,
                       const struct session_notes *notes)
{
    struct strbuf *b = &res->body;
    html_lit(b, "<h2 id=\"enrol\">");
    html_text(b, T(req, "Enrol someone"));
    html_lit(b, "</h2>");
    if (s->enrolled >= s->capacity) {
        html_lit(b, "<p>");
        html_text(b, arena_printf(req->arena, T(req, "This session is full: all its %d places are taken."), s->capacity));
        html_lit(b, "</p>");
        return;
    }
    struct store *st = web_state(req)->store;
    struct err e;
    err_clear(&e);
    struct training_participant *people = NULL;
    const char **inst_ids = NULL, **inst_names = NULL;
    size_t np = 0, ni = 0;
    if (training_participants(st, req->arena, people_of(req), &people, &np, &e) < 0 ||
        training_pilot_institutions(st, req->arena, &inst_ids, &inst_names, &ni, &e) < 0) {
        log_error("training enrol form: %s", e.msg);
        return;
    }
    const struct programme_problems *pp = notes ? notes->pp : NULL;
    const struct training_person_new *typed = notes ? notes->person : NULL;
    form_error_summary(req, b, pp);
    tui_form_open(req, res, arena_printf(req->arena, "/training/sessions/%s/enrol", s->id), false);
    const char **pv = arena_alloc(req->arena, (np + 1) * sizeof *pv), **pl = arena_alloc(req->arena, (np + 1) * sizeof *pl);
    for (size_t i = 0; i < np; i++) {
        pv[i] = people[i].id;
        pl[i] = people[i].institution_name ? arena_printf(req->arena, "%s (%s)", people[i].name, people[i].institution_name)
                                           : people[i].name;
    }
    struct tui_input who = {"participant", T(req, "Someone trained before"), NULL, typed ? typed->participant_id : NULL, NULL, false};
    tui_select(req, b, pp, &who, pv, pl, np, T(req, "No: someone new, below"));
    html_lit(b, "<fieldset><legend>");
    html_text(b, T(req, "Someone new"));
    html_lit(b, "</legend>");
    struct tui_input name = {"name", T(req, "Full name"), NULL, typed ? typed->name : NULL, "text", false};
    tui_field(req, b, pp, &name);
    struct tui_input email = {"email", T(req, "Email (optional)"), NULL, typed ? typed->email : NULL, "email", false};
    tui_field(req, b, pp, &email);
    struct tui_input inst = {"institution", T(req, "Institution"), NULL, typed ? typed->institution_id : NULL, NULL, false};
    tui_select(req, b, pp, &inst, inst_ids, inst_names, ni, T(req, "None of the pilot's"));
    struct tui_input role = {"role", T(req, "Role"), NULL, typed ? typed->role : NULL, NULL, false};
    tui_select(req, b, pp, &role, training_roles, labels_of(req, training_roles, TRAINING_ROLES, training_role_label),
               TRAINING_ROLES, NULL);
    html_lit(b, "</fieldset>");
    tui_form_close(b, T(req, "Enrol"));
}

static void session_render(struct http_request *req, struct http_response *res, const struct training_session *s,
                           const struct session_notes *notes)
{
    struct store *st = web_state(req)->store;
    struct err e;
    err_clear(&e);
    struct training_enrolment *en;
    size_t n;
    struct training_cascade_view cv;
    if (training_enrolments(st, req->arena, s->id, &en, &n, &e) < 0 ||
        training_cascade_load(st, req->arena, s->programme_id, &cv, &e) < 0) {
        fail_503(req, res, "session", &e);
        return;
    }
    long at = -1;
    for (size_t i = 0; i < cv.nsessions; i++)
        if (!strcmp(cv.sessions[i].id, s->id)) at = (long)i;
    bool record = may_record(req, s);
    struct strbuf *b = &res->body;
    heading(req, res, s->course_title);
    if (notes && notes->message) {
        html_lit(b, "<p class=\"error\" role=\"alert\">");
        html_text(b, notes->message);
        html_lit(b, "</p>");
    }
    html_lit(b, "<p>");
    link(b, arena_printf(req->arena, "/training/sessions?programme=%s", s->programme_slug), T(req, "All sessions"));
    html_lit(b, "</p>");
    session_facts(req, b, s, &cv, at);
    html_lit(b, "<h2>");
    html_text(b, T(req, "People enrolled"));
    html_lit(b, "</h2>");
    if (!n) {
        html_lit(b, "<p>");
        html_text(b, T(req, "Nobody yet."));
        html_lit(b, "</p>");
    } else {
        html_lit(b, "<p>");
        html_text(b, arena_printf(req->arena, T(req, "Enrolled: %d. Attended: %d. Completed: %d. Did not come: %d."),
                                  s->enrolled, s->attended, s->completed, s->no_show));
        html_lit(b, "</p>");
        if (!record) {
            html_lit(b, "<p>");
            html_text(b, T(req, "Names are personal data: only the session's trainer and the coordinators see them; here each person is shown by their pseudonym."));
            html_lit(b, "</p>");
        }
        people_table(req, b, en, n, record);
    }
    if (record) {
        if (n) attendance_form(req, res, s, en, n);
        enrol_form(req, res, s, notes);
    }
    layout_end(req, res);
}

/* The session of the address, or NULL with the 404 (or 503) page written. */
static bool session_of(struct http_request *req, struct http_response *res, struct training_session *s)
{
    struct err e;
    err_clear(&e);
    int rc = training_session_get(web_state(req)->store, req->arena, http_route(req, "id"), s, &e);
    if (rc == 0) return true;
    if (rc == ERR_NOT_FOUND) page_error(req, res, 404, NULL);
    else fail_503(req, res, "session", &e);
    return false;
}

static void session_page(struct http_request *req, struct http_response *res)
{
    struct training_session s;
    if (session_of(req, res, &s)) session_render(req, res, &s, NULL);
}

static void enrol_post(struct http_request *req, struct http_response *res)
{
    struct training_session s;
    if (!session_of(req, res, &s)) return;
    /* The gate let every trainer through; the session's own trainer only, now that it is known. */
    if (!may_record(req, &s)) {
        access_refuse(req, res, POLICY_ATTENDANCE_RECORD);
        return;
    }
    struct training_person_new p = {nonempty(http_form(req, "participant")), http_form(req, "name"),
                                    http_form(req, "email"), nonempty(http_form(req, "institution")),
                                    nonempty(http_form(req, "role")), false};
    struct audit_actor by;
    web_audit_actor(req, &by);
    struct programme_problems pp = {0};
    struct err e;
    err_clear(&e);
    int rc = 0;
    if (p.participant_id && people_of(req)) { /* someone of the reader's own sessions only */
        struct training_participant *mine;
        size_t n;
        rc = training_participants(web_state(req)->store, req->arena, people_of(req), &mine, &n, &e) < 0 ? -1 : ERR_NOT_FOUND;
        for (size_t i = 0; rc == ERR_NOT_FOUND && i < n; i++)
            if (!strcmp(mine[i].id, p.participant_id)) rc = 0;
    }
    if (rc == 0) rc = training_enrol(web_state(req)->store, req->arena, s.id, &p, &by, NULL, &pp, &e);
    if (rc == 0) {
        http_redirect(res, 303, session_url(req, s.id));
        return;
    }
    struct session_notes notes = {.pp = &pp, .person = &p};
    switch (rc) {
    case ERR_INVALID: res->status = 400; break;
    case ERR_LIMIT:
        res->status = 409;
        notes.message = arena_printf(req->arena, T(req, "This session is full: all its %d places are taken."), s.capacity);
        break;
    case ERR_CONFLICT:
        res->status = 409;
        notes.message = p.participant_id && s.trainer_participant_id && !strcmp(p.participant_id, s.trainer_participant_id)
                            ? T(req, "A session's trainer cannot enrol in it.")
                            : T(req, "This person is enrolled in this session already.");
        break;
    case ERR_NOT_FOUND:
        res->status = 400;
        notes.message = T(req, "There is no such person among those trained.");
        break;
    default: fail_503(req, res, "enrol", &e); return;
    }
    session_render(req, res, &s, &notes);
}

static void attendance_post(struct http_request *req, struct http_response *res)
{
    struct training_session s;
    if (!session_of(req, res, &s)) return;
    if (!may_record(req, &s)) {
        access_refuse(req, res, POLICY_ATTENDANCE_RECORD);
        return;
    }
    struct training_mark *marks = arena_calloc(req->arena, req->form.count + 1, sizeof *marks);
    size_t n = 0;
    const char *bad = NULL;
    for (size_t i = 0; i < req->form.count; i++) {
        if (strcmp(req->form.items[i].name, "e") != 0) continue;
        const char *id = req->form.items[i].value;
        struct training_mark *m = &marks[n++];
        m->enrolment_id = id;
        m->attended = nonempty(http_form(req, arena_printf(req->arena, "attended-%s", id))) != NULL;
        m->completed = nonempty(http_form(req, arena_printf(req->arena, "completed-%s", id))) != NULL;
        if (m->completed && !m->attended && !bad) bad = id;
    }
    struct session_notes notes = {0};
    char now[32];
    time_format_iso(time_now_ms(), now, sizeof now);
    if (strcmp(now, s.starts_at) < 0) {
        notes.message = T(req, "Attendance can be recorded once the session has started.");
    } else if (bad) {
        struct training_enrolment en;
        struct err ignored;
        const char *who = training_enrolment_get(web_state(req)->store, req->arena, bad, &en, &ignored) == 0 &&
                                  !strcmp(en.session_id, s.id)
                              ? (*en.person.name ? en.person.name : en.person.pseudonym)
                              : bad;
        notes.message = arena_printf(req->arena, T(req, "%s: completion needs attendance; tick attended too. Nothing was recorded."), who);
    }
    if (!notes.message) {
        struct audit_actor by;
        web_audit_actor(req, &by);
        struct err e;
        err_clear(&e);
        int rc = training_record(web_state(req)->store, req->arena, s.id, marks, n, NULL, &by, NULL, &e);
        if (rc == 0) {
            http_redirect(res, 303, session_url(req, s.id));
            return;
        }
        if (rc != ERR_INVALID) {
            fail_503(req, res, "attendance", &e);
            return;
        }
        notes.message = T(req, "An enrolment named is not one of this session's. Nothing was recorded.");
    }
    res->status = 400;
    session_render(req, res, &s, &notes);
}

/* --- the cascade ------------------------------------------------------------------------------------- */

static void cascade_session(struct http_request *req, struct strbuf *b, const struct training_cascade_view *cv,
                            size_t i, int depth);

/* A train-the-trainer session's graduates, each with the sessions they ran as its children. */
static void cascade_graduates(struct http_request *req, struct strbuf *b, const struct training_cascade_view *cv,
                              size_t t, int depth)
{
    bool any = false;
    for (size_t k = 0; k < cv->ncompletions; k++) {
        if (cv->completions[k].session != t) continue;
        const struct training_participant *p = &cv->people[k];
        if (!any) html_lit(b, "<ul>");
        any = true;
        html_lit(b, "<li>");
        html_text(b, *p->name ? p->name : T(req, "(erased)"));
        html_lit(b, " <span class=\"detail\">");
        html_text(b, T(req, "trained here"));
        html_lit(b, "</span>");
        bool children = false;
        for (size_t c = 0; c < cv->nsessions; c++) {
            if (cv->cascade.parent[c] != (long)t || !cv->trainer_participant[c] ||
                strcmp(cv->trainer_participant[c], p->id) != 0)
                continue;
            if (!children) html_lit(b, "<ul>");
            children = true;
            cascade_session(req, b, cv, c, depth + 1);
        }
        if (children) html_lit(b, "</ul>");
        html_lit(b, "</li>");
    }
    if (any) html_lit(b, "</ul>");
}

static void cascade_session(struct http_request *req, struct strbuf *b, const struct training_cascade_view *cv,
                            size_t i, int depth)
{
    const struct training_session *s = &cv->sessions[i];
    html_lit(b, "<li><a href=\"");
    html_url(b, session_url(req, s->id));
    html_lit(b, "\">");
    html_text(b, s->course_title);
    html_lit(b, "</a>, ");
    layout_date(req, b, s->starts_at);
    html_lit(b, " — ");
    html_text(b, arena_printf(req->arena, T(req, "level %d, run by %s, %d completed"), cv->cascade.level[i],
                              s->trainer_name ? s->trainer_name : "–", s->completed));
    if (s->is_tot) {
        html_lit(b, " <span class=\"tag\">");
        html_text(b, T(req, "Train the trainer"));
        html_lit(b, "</span>");
        if (depth < 32) cascade_graduates(req, b, cv, i, depth);
    }
    html_lit(b, "</li>");
}

static void cascade_page(struct http_request *req, struct http_response *res)
{
    struct programme *list;
    size_t n;
    struct programme *p = tui_programme(req, res, &list, &n);
    if (!p) return;
    struct training_cascade_view cv;
    struct err e;
    err_clear(&e);
    if (training_cascade_load(web_state(req)->store, req->arena, p->id, &cv, &e) < 0) {
        fail_503(req, res, "cascade", &e);
        return;
    }
    const struct training_cascade *c = &cv.cascade;
    struct strbuf *b = &res->body;
    heading(req, res, T(req, "The training cascade"));
    tui_programme_choice(req, b, "/training/cascade", list, n, p);
    html_lit(b, "<p>");
    html_text(b, T(req, "Sessions run by the programme's trainers are level 0. Whoever completes a train-the-trainer session may run sessions of their own, one level further down; their own graduates' sessions are one level further again."));
    html_lit(b, "</p><p>");
    link(b, arena_printf(req->arena, "/training/sessions?programme=%s", p->slug), T(req, "All sessions"));
    html_lit(b, "</p>");
    if (!cv.nsessions) {
        html_lit(b, "<p>");
        html_text(b, T(req, "No session yet."));
        html_lit(b, "</p>");
        layout_end(req, res);
        return;
    }
    html_lit(b, "<h2>");
    html_text(b, T(req, "People reached at each level"));
    html_lit(b, "</h2><table><thead><tr><th scope=\"col\">");
    html_text(b, T(req, "Level"));
    html_lit(b, "</th><th scope=\"col\" class=\"num\">");
    html_text(b, T(req, "Sessions"));
    html_lit(b, "</th><th scope=\"col\" class=\"num\">");
    html_text(b, T(req, "Teachers reached"));
    html_lit(b, "</th><th scope=\"col\" class=\"num\">");
    html_text(b, T(req, "New trainers"));
    html_lit(b, "</th></tr></thead><tbody>");
    for (size_t l = 0; l < c->nlevels; l++) {
        html_lit(b, "<tr><th scope=\"row\">");
        html_int(b, c->levels[l].level);
        html_lit(b, "</th><td class=\"num\">");
        html_int(b, (int64_t)c->levels[l].sessions);
        html_lit(b, "</td><td class=\"num\">");
        html_int(b, (int64_t)c->levels[l].reached);
        html_lit(b, "</td><td class=\"num\">");
        html_int(b, (int64_t)c->levels[l].graduates);
        html_lit(b, "</td></tr>");
    }
    html_lit(b, "</tbody></table><p>");
    html_text(b, arena_printf(req->arena, T(req, "People who completed a session, each counted once: %d."), (int)c->reached));
    html_lit(b, "</p><h2>");
    html_text(b, T(req, "Who trained whom"));
    html_lit(b, "</h2><ul class=\"cascade\">");
    for (size_t i = 0; i < cv.nsessions; i++)
        if (c->parent[i] < 0) cascade_session(req, b, &cv, i, 0);
    html_lit(b, "</ul>");
    layout_end(req, res);
}

/* --- certificates ------------------------------------------------------------------------------------ */

static void certificate_page(struct http_request *req, struct http_response *res)
{
    struct training_certificate c;
    struct err e;
    err_clear(&e);
    int rc = training_certificate_get(web_state(req)->store, req->arena, http_route(req, "id"), &c, &e);
    if (rc == ERR_NOT_FOUND) {
        page_error(req, res, 404, T(req, "There is no certificate here: the enrolment is unknown or not completed."));
        return;
    }
    if (rc < 0) {
        fail_503(req, res, "certificate", &e);
        return;
    }
    if (!may_record(req, &c.session)) {
        access_refuse(req, res, POLICY_ATTENDANCE_RECORD);
        return;
    }
    struct strbuf *b = &res->body;
    layout_begin(req, res, T(req, "Certificate of completion"), "training");
    html_lit(b, "<p class=\"no-print\">");
    link(b, session_url(req, c.session.id), T(req, "Back to the session"));
    html_lit(b, " · ");
    html_text(b, T(req, "Print this page with your browser's print command: the certificate fills one A4 page, without the site's navigation."));
    html_lit(b, "</p><article class=\"certificate\"><p class=\"certificate-org\">edubridge · ");
    html_text(b, T(req, "Bridging the digital divide in education"));
    html_lit(b, "</p><h1>");
    html_text(b, T(req, "Certificate of completion"));
    html_lit(b, "</h1><p>");
    html_text(b, T(req, "This certifies that"));
    html_lit(b, "</p><p class=\"certificate-name\"><strong>");
    html_text(b, *c.enrolment.person.name ? c.enrolment.person.name : T(req, "(erased)"));
    html_lit(b, "</strong></p>");
    if (c.institution_name) {
        html_lit(b, "<p>");
        html_text(b, c.institution_name);
        html_lit(b, "</p>");
    }
    html_lit(b, "<p>");
    html_text(b, c.session.is_tot ? T(req, "completed the train-the-trainer course") : T(req, "completed the course"));
    html_lit(b, "</p><p class=\"certificate-course\"><strong>");
    html_text(b, c.session.course_title);
    html_lit(b, "</strong>");
    if (c.session.course_minutes > 0) {
        html_lit(b, " (");
        minutes(req, b, c.session.course_minutes);
        html_lit(b, ")");
    }
    html_lit(b, "</p><dl class=\"facts\"><dt>");
    html_text(b, T(req, "When"));
    html_lit(b, "</dt><dd>");
    layout_date(req, b, c.session.starts_at);
    if (strncmp(c.session.starts_at, c.session.ends_at, 10) != 0) {
        html_lit(b, " – ");
        layout_date(req, b, c.session.ends_at);
    }
    html_lit(b, "</dd>");
    if (c.session.place) {
        html_lit(b, "<dt>");
        html_text(b, T(req, "Where"));
        html_lit(b, "</dt><dd>");
        html_text(b, c.session.place);
        html_lit(b, "</dd>");
    }
    html_lit(b, "<dt>");
    html_text(b, T(req, "Trainer"));
    html_lit(b, "</dt><dd>");
    html_text(b, c.session.trainer_name ? c.session.trainer_name : "–");
    html_lit(b, "</dd><dt>");
    html_text(b, T(req, "Completed on"));
    html_lit(b, "</dt><dd>");
    layout_date(req, b, c.enrolment.completed_at);
    html_lit(b, "</dd><dt>");
    html_text(b, T(req, "Certificate code"));
    html_lit(b, "</dt><dd><code>");
    html_text(b, c.enrolment.certificate_code);
    html_lit(b, "</code></dd></dl><p class=\"detail\">");
    const char *base = access_public_url();
    html_text(b, arena_printf(req->arena, T(req, "Anyone may check this certificate with its code at %s/certificates."),
                              base && *base ? base : ""));
    html_lit(b, "</p></article>");
    layout_end(req, res);
}

/* Anyone holding a printed certificate can have it checked: the code (60 random bits) is the key,
 * so the page names the person and the course only to whoever has the code, and a mistyped or
 * invented code finds nothing. */
static void verify_page(struct http_request *req, struct http_response *res)
{
    const char *code = nonempty(http_query(req, "code"));
    struct training_certificate c;
    int rc = 1;
    struct err e;
    err_clear(&e);
    if (code) rc = training_certificate_find(web_state(req)->store, req->arena, code, &c, &e);
    if (rc < 0 && rc != ERR_NOT_FOUND) {
        fail_503(req, res, "certificate check", &e);
        return;
    }
    struct strbuf *b = &res->body;
    if (rc == ERR_NOT_FOUND) res->status = 404;
    heading(req, res, T(req, "Check a certificate"));
    if (rc == 0) {
        html_lit(b, "<div class=\"notice\" role=\"status\"><p><strong>");
        html_text(b, T(req, "This certificate is genuine."));
        html_lit(b, "</strong></p><dl class=\"facts\"><dt>");
        html_text(b, T(req, "Person"));
        html_lit(b, "</dt><dd>");
        html_text(b, *c.enrolment.person.name ? c.enrolment.person.name : T(req, "(erased)"));
        html_lit(b, "</dd><dt>");
        html_text(b, T(req, "Course"));
        html_lit(b, "</dt><dd>");
        html_text(b, c.session.course_title);
        html_lit(b, "</dd><dt>");
        html_text(b, T(req, "Completed on"));
        html_lit(b, "</dt><dd>");
        layout_date(req, b, c.enrolment.completed_at);
        html_lit(b, "</dd></dl></div>");
    } else if (rc == ERR_NOT_FOUND) {
        html_lit(b, "<p class=\"error\" role=\"alert\">");
        html_text(b, T(req, "No certificate has this code. Check it letter by letter: it has twelve letters and digits."));
        html_lit(b, "</p>");
    }
    html_lit(b, "<form method=\"get\" action=\"/certificates\">");
    struct tui_input in = {"code", T(req, "Certificate code"), T(req, "As printed on the certificate, for example K7QX-M2PA-9FRT."), code, "text", true};
    tui_field(req, b, NULL, &in);
    html_lit(b, "<p><button type=\"submit\">");
    html_text(b, T(req, "Check the code"));
    html_lit(b, "</button></p></form>");
    layout_end(req, res);
}

/* --- downloads --------------------------------------------------------------------------------------- */

static int append_body(void *ctx, const void *data, size_t len)
{
    strbuf_append(ctx, data, len);
    return 0;
}

static void catalogue_download(struct http_request *req, struct http_response *res, bool csv)
{
    struct training_course *c;
    size_t n;
    struct err e;
    err_clear(&e);
    struct table_out t;
    if (training_courses(web_state(req)->store, req->arena, NULL, &c, &n, &e) < 0) {
        fail_503(req, res, "catalogue download", &e);
        return;
    }
    training_catalogue_table(c, n, req->arena, &t);
    strbuf_reset(&res->body);
    if ((csv ? table_out_csv(&t, append_body, &res->body, &e) : table_out_xlsx(&t, append_body, &res->body, &e)) < 0) {
        fail_503(req, res, "catalogue download", &e);
        return;
    }
    tui_download(req, res, "training-catalogue", csv);
}

static void catalogue_csv(struct http_request *req, struct http_response *res) { catalogue_download(req, res, true); }
static void catalogue_xlsx(struct http_request *req, struct http_response *res) { catalogue_download(req, res, false); }

static void attendance_download(struct http_request *req, struct http_response *res, bool csv)
{
    struct store *st = web_state(req)->store;
    struct err e;
    err_clear(&e);
    const char *programme_id = NULL, *slug = nonempty(http_query(req, "programme"));
    if (slug) {
        struct programme *p;
        int rc = programme_find(st, req->arena, slug, &p, &e);
        if (rc == ERR_NOT_FOUND) {
            page_error(req, res, 404, T(req, "There is no programme at this address."));
            return;
        }
        if (rc < 0) {
            fail_503(req, res, "attendance download", &e);
            return;
        }
        programme_id = p->id;
    }
    /* Names, emails and certificate codes only for those who may download personal data; asked
     * with a target of no institution, so that an institution's contact never counts as one. */
    struct policy_target none = {.institution_id = ""};
    bool personal = policy_allows(web_state(req)->who, POLICY_EXPORT_FULL, &none);
    struct table_out t;
    if (training_attendance_table(st, req->arena, programme_id, personal, &t, &e) < 0) {
        fail_503(req, res, "attendance download", &e);
        return;
    }
    strbuf_reset(&res->body);
    if ((csv ? table_out_csv(&t, append_body, &res->body, &e) : table_out_xlsx(&t, append_body, &res->body, &e)) < 0) {
        fail_503(req, res, "attendance download", &e);
        return;
    }
    tui_download(req, res, personal ? "training-attendance" : "training-attendance-pseudonymised", csv);
}

static void attendance_csv(struct http_request *req, struct http_response *res) { attendance_download(req, res, true); }
static void attendance_xlsx(struct http_request *req, struct http_response *res) { attendance_download(req, res, false); }

void training_routes(struct router *r)
{
    router_add(r, HTTP_GET, "/training", catalogue_page);
    router_add(r, HTTP_GET, "/training.csv", catalogue_csv);
    router_add(r, HTTP_GET, "/training.xlsx", catalogue_xlsx);
    router_add(r, HTTP_GET, "/training/courses/new", course_new_page);
    router_add(r, HTTP_POST, "/training/courses/new", course_new_post);
    router_add(r, HTTP_GET, "/training/courses/{id}/file", course_file_get);
    router_add(r, HTTP_POST, "/training/courses/{id}/file", course_file_post);
    router_add(r, HTTP_GET, "/training/import", import_page);
    router_add(r, HTTP_POST, "/training/import", import_post);
    router_add(r, HTTP_GET, "/training/sessions", sessions_page);
    router_add(r, HTTP_GET, "/training/sessions.csv", attendance_csv);
    router_add(r, HTTP_GET, "/training/sessions.xlsx", attendance_xlsx);
    router_add(r, HTTP_GET, "/training/sessions/new", session_new_page);
    router_add(r, HTTP_POST, "/training/sessions/new", session_new_post);
    router_add(r, HTTP_GET, "/training/sessions/{id}", session_page);
    router_add(r, HTTP_POST, "/training/sessions/{id}/enrol", enrol_post);
    router_add(r, HTTP_POST, "/training/sessions/{id}/attendance", attendance_post);
    router_add(r, HTTP_GET, "/training/cascade", cascade_page);
    router_add(r, HTTP_GET, "/training/certificates/{id}", certificate_page);
    router_add(r, HTTP_GET, "/certificates", verify_page);
}

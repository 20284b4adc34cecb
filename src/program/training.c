#include "program/training.h"

#include "auth/users.h"
#include "base/i18n.h"
#include "base/id.h"
#include "base/str.h"
#include "base/timeutil.h"
#include "forms/attachments.h"
#include "forms/pseudonym.h"
#include "forms/table_out.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* --- words ----------------------------------------------------------------------------------------- */

const char *const training_modes[TRAINING_MODES] = {"online", "in_person", "offline_package"};
const char *const training_levels[TRAINING_LEVELS] = {"beginner", "intermediate", "advanced"};
const char *const training_roles[TRAINING_ROLES] = {"teacher", "trainer", "other"};
const char *const training_statuses[TRAINING_STATUSES] = {"enrolled", "attended", "completed", "no_show"};

static const char *label_of(const char *const *words, const char *const *labels, size_t n, const char *s)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(words[i], s) == 0) return labels[i];
    return s ? s : "";
}

const char *training_mode_label(const char *mode)
{
    static const char *const labels[TRAINING_MODES] = {N_("Online"), N_("In person"), N_("Offline package")};
    return label_of(training_modes, labels, TRAINING_MODES, mode);
}

const char *training_level_label(const char *level)
{
    static const char *const labels[TRAINING_LEVELS] = {N_("Beginner"), N_("Intermediate"), N_("Advanced")};
    return label_of(training_levels, labels, TRAINING_LEVELS, level);
}

const char *training_role_label(const char *role)
{
    static const char *const labels[TRAINING_ROLES] = {N_("Teacher"), N_("Trainer"), N_("Other")};
    return label_of(training_roles, labels, TRAINING_ROLES, role);
}

const char *training_status_label(const char *status)
{
    static const char *const labels[TRAINING_STATUSES] = {N_("Enrolled"), N_("Attended"), N_("Completed"),
                                                          N_("Did not come")};
    return label_of(training_statuses, labels, TRAINING_STATUSES, status);
}

bool training_word_valid(const char *const *words, size_t n, const char *s)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(words[i], s) == 0) return true;
    return false;
}

/* --- small helpers --------------------------------------------------------------------------------- */

static void now_iso(char buf[32])
{
    time_format_iso(time_now_ms(), buf, 32);
}

static void *grow(struct arena *a, void *items, size_t n, size_t *cap, size_t size)
{
    if (n < *cap) return items;
    *cap = *cap ? 2 * *cap : 16;
    void *more = arena_alloc(a, *cap * size);
    if (n) memcpy(more, items, n * size);
    return more;
}

static const char *col_or_null(struct arena *a, struct store_stmt *s, int col)
{
    return store_col_null(s, col) ? NULL : arena_strdup(a, store_col_text(s, col));
}

static const char *col_text(struct arena *a, struct store_stmt *s, int col)
{
    return arena_strdup(a, store_col_text(s, col));
}

static bool blank(const char *s) { return !s || !*s; }

static char *trimmed(struct arena *a, const char *raw)
{
    return str_trim(arena_strdup(a, raw ? raw : ""));
}

/* Text fit to keep: valid UTF-8, no control characters but none at all (names and titles are one
 * line), at most max characters. */
static bool plain_text(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (!str_utf8_valid(s, n) || str_utf8_length(s, n) > max) return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < ' ' || *p == 0x7F) return false;
    return true;
}

static bool web_link(const char *s)
{
    if (strncasecmp(s, "https://", 8) != 0 && strncasecmp(s, "http://", 7) != 0) return false;
    const char *host = s + (s[4] == 's' || s[4] == 'S' ? 8 : 7);
    if (!*host || *host == '/') return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= ' ' || *p == 0x7F || *p == '"' || *p == '<' || *p == '>') return false;
    return strlen(s) <= TRAINING_URL_MAX;
}

/* A random code of 12 letters and digits in three groups, "K7QX-M2PA-9FRT": Crockford's base32
 * (no I, L, O, U), 60 bits, so that a code can be read aloud and typed from paper, and guessed by
 * no one. */
static const char code_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static const char *new_code(struct arena *a)
{
    unsigned char rnd[12];
    id_random(rnd, sizeof rnd);
    char *out = arena_alloc(a, 15);
    size_t k = 0;
    for (size_t i = 0; i < 12; i++) {
        if (i && i % 4 == 0) out[k++] = '-';
        out[k++] = code_alphabet[rnd[i] & 31];
    }
    out[k] = '\0';
    return out;
}

static int run_texts(struct store *st, const char *sql, const char *const *p, int n, struct err *e)
{
    struct store_stmt *s = store_prepare(st, sql, e);
    if (!s) return -1;
    for (int i = 0; i < n; i++) store_bind_text(s, i + 1, p[i]);
    int rc = store_run(s, e);
    store_done(s);
    return rc;
}

/* 1 when the query with one text parameter returns a row, 0 when not, -1 on failure. */
static int exists1(struct store *st, const char *sql, const char *p1, struct err *e)
{
    struct store_stmt *s = store_prepare(st, sql, e);
    if (!s) return -1;
    store_bind_text(s, 1, p1);
    int rc = store_step(s, e);
    store_done(s);
    return rc;
}

/* --- the catalogue --------------------------------------------------------------------------------- */

static const char *const course_field_names[TC_FIELD_COUNT] = {
    "title", "provider", "language", "mode", "duration_minutes", "level", "topics", "url", "file_name", "programme",
};

const char *training_course_field_name(enum training_course_field f)
{
    return (unsigned)f < TC_FIELD_COUNT ? course_field_names[f] : "";
}

int training_course_field_parse(const char *name)
{
    for (int f = 0; name && f < TC_FIELD_COUNT; f++)
        if (strcasecmp(course_field_names[f], name) == 0) return f;
    return -1;
}

/* "en", "pt-BR", "es-419": 2 or 3 letters, then subtags of 2 to 8 letters or digits. */
static const char *language_code(struct arena *a, const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || n > 35) return NULL;
    char *out = arena_strdup(a, s);
    size_t i = 0;
    for (; out[i] && out[i] != '-'; i++) {
        char c = out[i];
        if (c >= 'A' && c <= 'Z') out[i] = (char)(c - 'A' + 'a');
        else if (c < 'a' || c > 'z') return NULL;
    }
    if (i < 2 || i > 3) return NULL;
    while (out[i] == '-') {
        size_t start = ++i;
        for (; out[i] && out[i] != '-'; i++) {
            char c = out[i];
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return NULL;
        }
        if (i - start < 2 || i - start > 8) return NULL;
    }
    return out[i] ? NULL : out;
}

/* "In person", "in-person", "IN_PERSON" -> "in_person". */
static const char *word_key(struct arena *a, const char *s)
{
    char *out = arena_strdup(a, s);
    for (char *p = out; *p; p++) {
        if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
        else if (*p == ' ' || *p == '-') *p = '_';
    }
    return out;
}

/* Topics separated by commas or semicolons, each trimmed, its spaces collapsed and its ASCII
 * letters lower-cased, empty ones and repeats dropped, joined with ", ". */
static const char *topics_normalised(struct arena *a, const char *s)
{
    struct strbuf out;
    strbuf_init(&out, a, strlen(s) + 1);
    const char *p = s;
    while (*p) {
        size_t len = strcspn(p, ",;");
        char *t = str_trim(arena_strndup(a, p, len));
        struct strbuf one;
        strbuf_init(&one, a, len + 1);
        bool space = false;
        for (char *c = t; *c; c++) {
            if (*c == ' ' || *c == '\t') {
                space = true;
                continue;
            }
            if (space && one.len) strbuf_putc(&one, ' ');
            space = false;
            strbuf_putc(&one, *c >= 'A' && *c <= 'Z' ? (char)(*c - 'A' + 'a') : *c);
        }
        bool seen = false;
        if (one.len) {
            const char *q = out.data;
            while (q && *q && !seen) {
                size_t l = strcspn(q, ",");
                seen = l == one.len && memcmp(q, one.data, l) == 0;
                q += l;
                while (*q == ',' || *q == ' ') q++;
            }
        }
        if (one.len && !seen) {
            if (out.len) strbuf_puts(&out, ", ");
            strbuf_puts(&out, one.data);
        }
        p += len;
        if (*p) p++;
    }
    return out.data ? out.data : "";
}

int training_course_value(struct store *st, struct arena *a, enum training_course_field f, const char *raw,
                          const char **out, const char **problem, struct err *e)
{
    *out = NULL;
    *problem = NULL;
    const char *v = trimmed(a, raw);
    if (!*v) return 0;
    switch (f) {
    case TC_TITLE:
        if (!plain_text(v, TRAINING_TITLE_MAX)) *problem = N_("This is too long or holds line breaks: at most 200 characters on one line.");
        break;
    case TC_PROVIDER:
    case TC_TOPICS:
        if (!plain_text(v, TRAINING_TEXT_MAX)) *problem = N_("This is too long or holds line breaks: at most 500 characters on one line.");
        else if (f == TC_TOPICS) v = topics_normalised(a, v);
        break;
    case TC_LANGUAGE:
        v = language_code(a, v);
        if (!v) *problem = N_("Give the language as a code such as en, fr or pt-BR.");
        break;
    case TC_MODE:
        v = word_key(a, v);
        if (!training_word_valid(training_modes, TRAINING_MODES, v))
            *problem = N_("The mode is online, in_person or offline_package.");
        break;
    case TC_DURATION: {
        int64_t n;
        if (!str_to_int64(v, 1, TRAINING_DURATION_MAX, &n))
            *problem = N_("The duration is a whole number of minutes, from 1 to 100000.");
        break;
    }
    case TC_LEVEL:
        v = word_key(a, v);
        if (!training_word_valid(training_levels, TRAINING_LEVELS, v))
            *problem = N_("The level is beginner, intermediate or advanced.");
        break;
    case TC_URL:
        if (!web_link(v)) *problem = N_("A link starts with http:// or https:// and holds no spaces.");
        break;
    case TC_FILE:
        if (!plain_text(v, 255) || strchr(v, '/') || strchr(v, '\\') || !strcmp(v, ".") || !strcmp(v, ".."))
            *problem = N_("A file name is a plain name without folders, at most 255 characters.");
        break;
    case TC_PROGRAMME: {
        struct store_stmt *s = store_prepare(st, "SELECT id FROM programmes WHERE slug = ?", e);
        if (!s) return -2;
        store_bind_text(s, 1, v);
        int rc = store_step(s, e);
        const char *id = rc == 1 ? col_text(a, s, 0) : NULL;
        store_done(s);
        if (rc < 0) return -2;
        if (!id) *problem = N_("No programme has this address name.");
        v = id;
        break;
    }
    case TC_FIELD_COUNT: break;
    }
    if (*problem) return -1;
    *out = v;
    return 0;
}

int training_course_from(struct store *st, struct arena *a, const char *const raw[TC_FIELD_COUNT],
                         struct training_course *c, struct programme_problems *out, struct err *e)
{
    memset(c, 0, sizeof *c);
    const char *v[TC_FIELD_COUNT] = {0};
    for (int f = 0; f < TC_FIELD_COUNT; f++) {
        const char *problem;
        int rc = training_course_value(st, a, (enum training_course_field)f, raw[f], &v[f], &problem, e);
        if (rc == -2) return -1;
        if (rc < 0) programme_problem_add(out, course_field_names[f], problem);
    }
    bool bad[TC_FIELD_COUNT] = {0};
    for (size_t i = 0; i < out->n; i++) {
        int f = training_course_field_parse(out->item[i].field);
        if (f >= 0) bad[f] = true;
    }
    if (!v[TC_TITLE] && !bad[TC_TITLE]) programme_problem_add(out, "title", N_("The title is missing."));
    if (!v[TC_LANGUAGE] && !bad[TC_LANGUAGE]) programme_problem_add(out, "language", N_("The language is missing."));
    if (!v[TC_MODE] && !bad[TC_MODE]) programme_problem_add(out, "mode", N_("The mode is missing."));
    if (v[TC_MODE] && !strcmp(v[TC_MODE], "online") && !v[TC_URL] && !bad[TC_URL])
        programme_problem_add(out, "url", N_("An online course needs a link."));
    if (v[TC_MODE] && !strcmp(v[TC_MODE], "offline_package") && !v[TC_FILE] && !bad[TC_FILE])
        programme_problem_add(out, "file_name", N_("An offline package needs a file name."));
    int64_t minutes = 0;
    if (v[TC_DURATION]) str_to_int64(v[TC_DURATION], 1, TRAINING_DURATION_MAX, &minutes);
    *c = (struct training_course){.programme_id = v[TC_PROGRAMME], .title = v[TC_TITLE], .provider = v[TC_PROVIDER],
                                  .language = v[TC_LANGUAGE], .mode = v[TC_MODE], .duration_minutes = (int)minutes,
                                  .level = v[TC_LEVEL], .topics = v[TC_TOPICS] ? v[TC_TOPICS] : "",
                                  .url = v[TC_URL], .file_name = v[TC_FILE]};
    return 0;
}

/* The rules once more on a struct filled by hand (the demo, tests): what the form and the import
 * check field by field. */
static bool course_ok(const struct training_course *c)
{
    return c->title && *c->title && plain_text(c->title, TRAINING_TITLE_MAX) && c->language &&
           *c->language && training_word_valid(training_modes, TRAINING_MODES, c->mode) &&
           (!c->level || training_word_valid(training_levels, TRAINING_LEVELS, c->level)) &&
           c->duration_minutes >= 0 && c->duration_minutes <= TRAINING_DURATION_MAX &&
           (!c->url || web_link(c->url)) && (strcmp(c->mode, "online") != 0 || c->url) &&
           (strcmp(c->mode, "offline_package") != 0 || c->file_name);
}

static int insert_course(struct store *st, struct arena *a, struct training_course *c, struct err *e)
{
    char id[ID_TEXT_SIZE], now[32];
    if (!c->id) {
        id_new(id);
        c->id = arena_strdup(a, id);
    }
    now_iso(now);
    struct store_stmt *s = store_prepare(st,
        "INSERT INTO courses (id, programme_id, title, provider, language, mode, duration_minutes, level, topics,"
        " url, file_name, is_demo, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", e);
    if (!s) return -1;
    store_bind_text(s, 1, c->id);
    store_bind_text(s, 2, c->programme_id);
    store_bind_text(s, 3, c->title);
    store_bind_text(s, 4, c->provider);
    store_bind_text(s, 5, c->language);
    store_bind_text(s, 6, c->mode);
    if (c->duration_minutes > 0) store_bind_int(s, 7, c->duration_minutes);
    else store_bind_null(s, 7);
    store_bind_text(s, 8, c->level);
    store_bind_text(s, 9, c->topics ? c->topics : "");
    store_bind_text(s, 10, c->url);
    store_bind_text(s, 11, c->file_name);
    store_bind_int(s, 12, c->is_demo);
    store_bind_text(s, 13, now);
    store_bind_text(s, 14, now);
    int rc = store_run(s, e);
    store_done(s);
    return rc;
}

int training_course_add(struct store *st, struct arena *a, struct training_course *c, const struct audit_actor *by,
                        struct err *e)
{
    if (!course_ok(c)) return err_set(e, ERR_INVALID, "a course needs a title, a language and a mode (online: a link; offline package: a file name)");
    if (store_begin(st, e) < 0) return -1;
    int rc = insert_course(st, a, c, e);
    if (rc == 0) {
        const char *ids[] = {c->id};
        rc = audit_record(st, by, "training.course", "course", ids, 1, NULL, e);
    }
    if (rc == 0) rc = store_commit(st, e);
    if (rc < 0) store_rollback(st);
    return rc;
}

static const char course_columns[] =
    "c.id, c.programme_id, p.slug, c.title, c.provider, c.language, c.mode, c.duration_minutes, c.level, c.topics,"
    " c.url, c.file_name, c.is_demo FROM courses c LEFT JOIN programmes p ON p.id = c.programme_id";

static void read_course(struct arena *a, struct store_stmt *s, struct training_course *c)
{
    *c = (struct training_course){
        .id = col_text(a, s, 0), .programme_id = col_or_null(a, s, 1), .programme_slug = col_or_null(a, s, 2),
        .title = col_text(a, s, 3), .provider = col_or_null(a, s, 4), .language = col_text(a, s, 5),
        .mode = col_text(a, s, 6), .duration_minutes = (int)store_col_int(s, 7), .level = col_or_null(a, s, 8),
        .topics = col_text(a, s, 9), .url = col_or_null(a, s, 10), .file_name = col_or_null(a, s, 11),
        .is_demo = store_col_int(s, 12) != 0};
}

static void like_escape(struct strbuf *sb, const char *s)
{
    for (const char *p = s; *p; p++) {
        if (*p == '%' || *p == '_' || *p == '\\') strbuf_putc(sb, '\\');
        strbuf_putc(sb, *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p);
    }
}

int training_courses(struct store *st, struct arena *a, const struct training_course_filter *f,
                     struct training_course **out, size_t *n, struct err *e)
{
    *out = NULL;
    *n = 0;
    struct training_course_filter none = {0};
    if (!f) f = &none;
    struct strbuf sql, pat;
    strbuf_init(&sql, a, 512);
    strbuf_init(&pat, a, 64);
    strbuf_printf(&sql, "SELECT %s WHERE 1 = 1", course_columns);
    const char *p[6];
    int np = 0;
    if (!blank(f->language)) strbuf_puts(&sql, " AND c.language = ?"), p[np++] = f->language;
    if (!blank(f->mode)) strbuf_puts(&sql, " AND c.mode = ?"), p[np++] = f->mode;
    if (!blank(f->level)) strbuf_puts(&sql, " AND c.level = ?"), p[np++] = f->level;
    if (!blank(f->programme_id)) strbuf_puts(&sql, " AND (c.programme_id IS NULL OR c.programme_id = ?)"), p[np++] = f->programme_id;
    if (!blank(f->topic)) {
        strbuf_putc(&pat, '%');
        like_escape(&pat, f->topic);
        strbuf_putc(&pat, '%');
        strbuf_puts(&sql, " AND (c.topics LIKE ? ESCAPE '\\' OR lower(c.title) LIKE ? ESCAPE '\\')");
        p[np++] = pat.data;
        p[np++] = pat.data;
    }
    strbuf_puts(&sql, " ORDER BY c.title, c.id");
    struct store_stmt *s = store_prepare(st, sql.data, e);
    if (!s) return -1;
    for (int i = 0; i < np; i++) store_bind_text(s, i + 1, p[i]);
    size_t cap = 0;
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        *out = grow(a, *out, *n, &cap, sizeof **out);
        read_course(a, s, &(*out)[(*n)++]);
    }
    store_done(s);
    return rc < 0 ? -1 : 0;
}

int training_course_get(struct store *st, struct arena *a, const char *id, struct training_course *out,
                        struct err *e)
{
    struct store_stmt *s = store_prepare(st, arena_printf(a, "SELECT %s WHERE c.id = ?", course_columns), e);
    if (!s) return -1;
    store_bind_text(s, 1, id);
    int rc = store_step(s, e);
    if (rc == 1) read_course(a, s, out);
    store_done(s);
    if (rc < 0) return -1;
    return rc == 1 ? 0 : err_set(e, ERR_NOT_FOUND, "there is no course %s", id);
}

int training_course_languages(struct store *st, struct arena *a, const char ***out, size_t *n, struct err *e)
{
    *out = NULL;
    *n = 0;
    struct store_stmt *s = store_prepare(st, "SELECT DISTINCT language FROM courses ORDER BY language", e);
    if (!s) return -1;
    size_t cap = 0;
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        *out = grow(a, *out, *n, &cap, sizeof **out);
        (*out)[(*n)++] = col_text(a, s, 0);
    }
    store_done(s);
    return rc < 0 ? -1 : 0;
}

bool training_course_matches(const struct training_course *c, const char *domain_id, const char *domain_label)
{
    const char *p = c->topics ? c->topics : "";
    while (*p) {
        size_t len = strcspn(p, ",");
        while (len && p[len - 1] == ' ') len--;
        if ((domain_id && strlen(domain_id) == len && strncasecmp(p, domain_id, len) == 0) ||
            (domain_label && strlen(domain_label) == len && strncasecmp(p, domain_label, len) == 0))
            return true;
        p += strcspn(p, ",");
        while (*p == ',' || *p == ' ') p++;
    }
    return false;
}

/* --- import ---------------------------------------------------------------------------------------- */

static void add_error(struct arena *a, struct training_import_result *r, size_t *cap, int row, const char *column,
                      const char *problem, const char *value)
{
    r->errors = grow(a, r->errors, r->nerrors, cap, sizeof *r->errors);
    r->errors[r->nerrors++] = (struct sheet_row_error){row, column, problem, 0, value};
}

static int *read_header(struct arena *a, const struct sheet_row *head, struct training_import_result *out,
                        size_t *ecap)
{
    int *col_field = arena_alloc(a, head->ncells * sizeof *col_field);
    bool has[TC_FIELD_COUNT] = {0};
    for (size_t c = 0; c < head->ncells; c++) {
        col_field[c] = -1;
        const char *h = trimmed(a, head->cells[c]);
        if (!*h) continue;
        int f = training_course_field_parse(h);
        if (f < 0) add_error(a, out, ecap, head->number, h, N_("This column is not a field of the catalogue."), NULL);
        else if (has[f]) add_error(a, out, ecap, head->number, h, N_("This column appears twice."), NULL);
        else col_field[c] = f, has[f] = true;
    }
    static const enum training_course_field required[] = {TC_TITLE, TC_LANGUAGE, TC_MODE};
    for (size_t i = 0; i < 3; i++)
        if (!has[required[i]])
            add_error(a, out, ecap, head->number, course_field_names[required[i]], N_("This column is missing."), NULL);
    return col_field;
}

static int read_row(struct store *st, struct arena *a, const struct sheet_row *head, const int *col_field,
                    const struct sheet_row *row, struct training_import_result *out, size_t *ecap, struct err *e)
{
    const char *raw[TC_FIELD_COUNT] = {0};
    for (size_t c = 0; c < row->ncells; c++) {
        if (c >= head->ncells) {
            if (*trimmed(a, row->cells[c])) {
                char col[8];
                sheet_column_name(c, col);
                add_error(a, out, ecap, row->number, arena_strdup(a, col), N_("This cell has no column header."),
                          row->cells[c]);
            }
            continue;
        }
        if (col_field[c] >= 0) raw[col_field[c]] = row->cells[c];
    }
    struct programme_problems pp = {0};
    struct training_course course;
    if (training_course_from(st, a, raw, &course, &pp, e) < 0) return -1;
    for (size_t i = 0; i < pp.n; i++) {
        int f = training_course_field_parse(pp.item[i].field);
        add_error(a, out, ecap, row->number, pp.item[i].field, pp.item[i].msg, f >= 0 && raw[f] && *raw[f] ? raw[f] : NULL);
    }
    out->rows[out->nrows] = course;
    out->row_numbers[out->nrows++] = row->number;
    return 0;
}

int training_import(struct store *st, struct arena *a, const struct sheet_book *book, bool dry_run, bool is_demo,
                    const struct audit_actor *by, struct training_import_result *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    size_t ecap = 0;
    const struct sheet *sh = book->count ? &book->sheets[0] : NULL;
    if (!sh || sh->nrows < 2) {
        add_error(a, out, &ecap, sh && sh->nrows ? sh->rows[0].number : 1, "",
                  N_("The file needs a header row naming the columns, then one course per row."), NULL);
        return 0;
    }
    const int *col_field = read_header(a, &sh->rows[0], out, &ecap);
    if (out->nerrors) return 0;
    out->rows = arena_calloc(a, sh->nrows - 1, sizeof *out->rows);
    out->row_numbers = arena_calloc(a, sh->nrows - 1, sizeof *out->row_numbers);
    for (size_t r = 1; r < sh->nrows; r++)
        if (read_row(st, a, &sh->rows[0], col_field, &sh->rows[r], out, &ecap, e) < 0) return -1;
    if (out->nerrors || dry_run) return 0;

    /* All or nothing: every row in one transaction, or none. */
    if (store_begin(st, e) < 0) return -1;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < out->nrows; i++) {
        out->rows[i].is_demo = is_demo;
        rc = insert_course(st, a, &out->rows[i], e);
    }
    if (rc == 0) rc = audit_record(st, by, "training.import", "", NULL, 0,
                                   arena_printf(a, "{\"created\": %zu}", out->nrows), e);
    if (rc == 0) rc = store_commit(st, e);
    if (rc < 0) {
        store_rollback(st);
        return -1;
    }
    out->imported = true;
    return 0;
}

/* --- people ---------------------------------------------------------------------------------------- */

static const char participant_columns[] =
    "t.id, t.name, t.email, t.institution_id, i.name, t.role, t.user_id, t.pseudonym";
#define PARTICIPANT_FROM " FROM training_participants t LEFT JOIN institutions i ON i.id = t.institution_id"

static void read_participant(struct arena *a, struct store_stmt *s, int col, struct training_participant *p)
{
    *p = (struct training_participant){
        .id = col_text(a, s, col), .name = col_text(a, s, col + 1), .email = col_or_null(a, s, col + 2),
        .institution_id = col_or_null(a, s, col + 3), .institution_name = col_or_null(a, s, col + 4),
        .role = col_text(a, s, col + 5), .user_id = col_or_null(a, s, col + 6), .pseudonym = col_text(a, s, col + 7)};
}

static int participants_where(struct store *st, struct arena *a, const char *where, const char *p1,
                              struct training_participant **out, size_t *n, struct err *e)
{
    *out = NULL;
    *n = 0;
    struct store_stmt *s = store_prepare(
        st, arena_printf(a, "SELECT %s" PARTICIPANT_FROM "%s ORDER BY t.name, t.id", participant_columns, where), e);
    if (!s) return -1;
    if (p1) store_bind_text(s, 1, p1);
    size_t cap = 0;
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        *out = grow(a, *out, *n, &cap, sizeof **out);
        read_participant(a, s, 0, &(*out)[(*n)++]);
    }
    store_done(s);
    return rc < 0 ? -1 : 0;
}

int training_participants(struct store *st, struct arena *a, const char *trainer_account,
                          struct training_participant **out, size_t *n, struct err *e)
{
    if (!trainer_account) return participants_where(st, a, " WHERE t.name <> ''", NULL, out, n, e);
    return participants_where(st, a,
                              " WHERE t.name <> '' AND EXISTS (SELECT 1 FROM training_enrolments x"
                              " JOIN training_sessions y ON y.id = x.session_id"
                              " LEFT JOIN training_participants z ON z.id = y.trainer_participant_id"
                              " WHERE x.participant_id = t.id AND COALESCE(y.trainer_user_id, z.user_id) = ?)",
                              trainer_account, out, n, e);
}

int training_graduates(struct store *st, struct arena *a, struct training_participant **out, size_t *n,
                       struct err *e)
{
    return participants_where(st, a,
                              " WHERE EXISTS (SELECT 1 FROM training_enrolments x JOIN training_sessions y"
                              " ON y.id = x.session_id WHERE x.participant_id = t.id AND x.status = 'completed'"
                              " AND y.is_tot = 1)",
                              NULL, out, n, e);
}

int training_pilot_institutions(struct store *st, struct arena *a, const char ***ids, const char ***names, size_t *n,
                                struct err *e)
{
    *ids = *names = NULL;
    *n = 0;
    struct store_stmt *s = store_prepare(st,
        "SELECT id, name FROM institutions WHERE merged_into IS NULL AND status IN ('selected','invited','accepted')"
        " ORDER BY name_key, id", e);
    if (!s) return -1;
    size_t cap = 0, cap2 = 0;
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        *ids = grow(a, *ids, *n, &cap, sizeof **ids);
        *names = grow(a, *names, *n, &cap2, sizeof **names);
        (*ids)[*n] = col_text(a, s, 0);
        (*names)[(*n)++] = col_text(a, s, 1);
    }
    store_done(s);
    return rc < 0 ? -1 : 0;
}

/* --- sessions -------------------------------------------------------------------------------------- */

int training_trainer_parse(const char *value, const char **user_id, const char **participant_id)
{
    *user_id = *participant_id = NULL;
    if (!value || strlen(value) < 3 || value[1] != ':') return -1;
    if (value[0] == 'u') *user_id = value + 2;
    else if (value[0] == 'p') *participant_id = value + 2;
    else return -1;
    return 0;
}

const char *training_time_parse(struct arena *a, const char *local)
{
    if (!local) return NULL;
    char *s = trimmed(a, local);
    size_t n = strlen(s);
    /* "YYYY-MM-DDTHH:MM" from a datetime-local input; a space for the T from a person typing. */
    if (n != 16 && n != 19) return NULL;
    if (s[10] == ' ') s[10] = 'T';
    if (s[10] != 'T' || s[13] != ':' || (n == 19 && s[16] != ':')) return NULL;
    char day[11];
    memcpy(day, s, 10);
    day[10] = '\0';
    if (!programme_date_valid(day)) return NULL;
    int hh = (s[11] - '0') * 10 + (s[12] - '0'), mm = (s[14] - '0') * 10 + (s[15] - '0');
    int ss = n == 19 ? (s[17] - '0') * 10 + (s[18] - '0') : 0;
    for (size_t i = 11; i < n; i++)
        if (i != 13 && i != 16 && (s[i] < '0' || s[i] > '9')) return NULL;
    if (hh > 23 || mm > 59 || ss > 59) return NULL;
    int64_t ms = time_parse_iso(arena_printf(a, "%.16s:%02dZ", s, ss));
    if (ms < 0) return NULL;
    char *out = arena_alloc(a, 32);
    time_format_iso(ms, out, 32);
    return out;
}

/* Whether participant p completed a train-the-trainer session that ended by starts_at. */
static int graduated_by(struct store *st, const char *participant_id, const char *starts_at, struct err *e)
{
    struct store_stmt *s = store_prepare(st,
        "SELECT 1 FROM training_enrolments x JOIN training_sessions y ON y.id = x.session_id"
        " WHERE x.participant_id = ? AND x.status = 'completed' AND y.is_tot = 1 AND y.ends_at <= ?", e);
    if (!s) return -1;
    store_bind_text(s, 1, participant_id);
    store_bind_text(s, 2, starts_at ? starts_at : "");
    int rc = store_step(s, e);
    store_done(s);
    return rc;
}

int training_session_validate(struct store *st, struct arena *a, const struct training_session *s,
                              struct programme_problems *out, struct err *e)
{
    size_t before = out->n;
    int rc;
    if (blank(s->programme_id)) {
        programme_problem_add(out, "programme", N_("Choose the programme."));
    } else if ((rc = exists1(st, "SELECT 1 FROM programmes WHERE id = ?", s->programme_id, e)) <= 0) {
        if (rc < 0) return -1;
        programme_problem_add(out, "programme", N_("Choose the programme."));
    }
    if (blank(s->course_id)) {
        programme_problem_add(out, "course", N_("Choose a course of the catalogue."));
    } else {
        struct training_course c;
        struct err nf;
        err_clear(&nf);
        rc = training_course_get(st, a, s->course_id, &c, &nf);
        if (rc < 0 && rc != ERR_NOT_FOUND) return err_set(e, nf.code, "%s", nf.msg);
        if (rc == ERR_NOT_FOUND) programme_problem_add(out, "course", N_("Choose a course of the catalogue."));
        else if (c.programme_id && s->programme_id && strcmp(c.programme_id, s->programme_id) != 0)
            programme_problem_add(out, "course", N_("This course belongs to another programme."));
    }
    bool times = true;
    if (!s->starts_at || time_parse_iso(s->starts_at) < 0) {
        programme_problem_add(out, "starts_at", N_("Give the start as a date and a time."));
        times = false;
    }
    if (!s->ends_at || time_parse_iso(s->ends_at) < 0) {
        programme_problem_add(out, "ends_at", N_("Give the end as a date and a time."));
        times = false;
    }
    if (times && strcmp(s->ends_at, s->starts_at) <= 0)
        programme_problem_add(out, "ends_at", N_("The session must end after it starts."));
    if (!blank(s->trainer_user_id) && !blank(s->trainer_participant_id)) {
        programme_problem_add(out, "trainer", N_("Choose the trainer."));
    } else if (!blank(s->trainer_user_id)) {
        rc = exists1(st, "SELECT 1 FROM users WHERE id = ? AND role = 'trainer' AND disabled_at IS NULL",
                     s->trainer_user_id, e);
        if (rc < 0) return -1;
        if (!rc) programme_problem_add(out, "trainer", N_("The trainer must be an account with the trainer role."));
    } else if (!blank(s->trainer_participant_id)) {
        rc = exists1(st, "SELECT 1 FROM training_participants WHERE id = ?", s->trainer_participant_id, e);
        if (rc > 0 && times) rc = graduated_by(st, s->trainer_participant_id, s->starts_at, e);
        if (rc < 0) return -1;
        if (!rc)
            programme_problem_add(out, "trainer",
                                  N_("This person completed no train-the-trainer session that ended before this one starts."));
    } else {
        programme_problem_add(out, "trainer", N_("Choose the trainer."));
    }
    if (s->place && !plain_text(s->place, TRAINING_TEXT_MAX))
        programme_problem_add(out, "place", N_("This is too long or holds line breaks: at most 500 characters on one line."));
    if (s->link && !web_link(s->link))
        programme_problem_add(out, "link", N_("A link starts with http:// or https:// and holds no spaces."));
    if (blank(s->place) && blank(s->link)) programme_problem_add(out, "place", N_("Say where: a place, a link or both."));
    if (s->capacity < 1 || s->capacity > TRAINING_CAPACITY_MAX)
        programme_problem_add(out, "capacity", N_("The capacity is a whole number of places, from 1 to 1000."));
    return (int)(out->n - before);
}

int training_session_add(struct store *st, struct arena *a, struct training_session *s,
                         const struct audit_actor *by, struct err *e)
{
    if (s->place && !*s->place) s->place = NULL;
    if (s->link && !*s->link) s->link = NULL;
    struct programme_problems pp = {0};
    if (store_begin(st, e) < 0) return -1;
    int rc = training_session_validate(st, a, s, &pp, e);
    if (rc > 0) {
        store_rollback(st);
        return programme_problems_err(&pp, e);
    }
    char id[ID_TEXT_SIZE], now[32];
    if (!s->id) {
        id_new(id);
        s->id = arena_strdup(a, id);
    }
    now_iso(now);
    struct store_stmt *q = rc < 0 ? NULL : store_prepare(st,
        "INSERT INTO training_sessions (id, programme_id, course_id, trainer_user_id, trainer_participant_id,"
        " starts_at, ends_at, place, link, capacity, is_tot, is_demo, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", e);
    rc = q ? 0 : -1;
    if (q) {
        const char *texts[] = {s->id, s->programme_id, s->course_id, blank(s->trainer_user_id) ? NULL : s->trainer_user_id,
                               blank(s->trainer_participant_id) ? NULL : s->trainer_participant_id, s->starts_at,
                               s->ends_at, s->place, s->link};
        for (int i = 0; i < 9; i++) store_bind_text(q, i + 1, texts[i]);
        store_bind_int(q, 10, s->capacity);
        store_bind_int(q, 11, s->is_tot);
        store_bind_int(q, 12, s->is_demo);
        store_bind_text(q, 13, now);
        rc = store_run(q, e);
        store_done(q);
    }
    if (rc == 0) {
        const char *ids[] = {s->id, s->course_id};
        rc = audit_record(st, by, "training.session", "training_session", ids, 2,
                          arena_printf(a, "{\"capacity\": %d, \"train_the_trainer\": %s}", s->capacity,
                                       s->is_tot ? "true" : "false"),
                          e);
    }
    if (rc == 0) rc = store_commit(st, e);
    if (rc < 0) store_rollback(st);
    return rc;
}

static const char session_columns[] =
    "s.id, s.programme_id, s.course_id, s.trainer_user_id, s.trainer_participant_id, s.starts_at, s.ends_at,"
    " s.place, s.link, s.capacity, s.is_tot, s.is_demo, c.title, c.language, c.mode, c.duration_minutes, p.slug,"
    " COALESCE(u.display_name, tp.name), COALESCE(s.trainer_user_id, tp.user_id),"
    " (SELECT count(*) FROM training_enrolments x WHERE x.session_id = s.id),"
    " (SELECT count(*) FROM training_enrolments x WHERE x.session_id = s.id AND x.status IN ('attended','completed')),"
    " (SELECT count(*) FROM training_enrolments x WHERE x.session_id = s.id AND x.status = 'completed'),"
    " (SELECT count(*) FROM training_enrolments x WHERE x.session_id = s.id AND x.status = 'no_show')"
    " FROM training_sessions s JOIN courses c ON c.id = s.course_id JOIN programmes p ON p.id = s.programme_id"
    " LEFT JOIN users u ON u.id = s.trainer_user_id"
    " LEFT JOIN training_participants tp ON tp.id = s.trainer_participant_id";

static void read_session(struct arena *a, struct store_stmt *q, struct training_session *s)
{
    *s = (struct training_session){
        .id = col_text(a, q, 0), .programme_id = col_text(a, q, 1), .course_id = col_text(a, q, 2),
        .trainer_user_id = col_or_null(a, q, 3), .trainer_participant_id = col_or_null(a, q, 4),
        .starts_at = col_text(a, q, 5), .ends_at = col_text(a, q, 6), .place = col_or_null(a, q, 7),
        .link = col_or_null(a, q, 8), .capacity = (int)store_col_int(q, 9), .is_tot = store_col_int(q, 10) != 0,
        .is_demo = store_col_int(q, 11) != 0, .course_title = col_text(a, q, 12), .course_language = col_text(a, q, 13),
        .course_mode = col_text(a, q, 14), .course_minutes = (int)store_col_int(q, 15),
        .programme_slug = col_text(a, q, 16), .trainer_name = col_or_null(a, q, 17),
        .trainer_account = col_or_null(a, q, 18), .enrolled = (int)store_col_int(q, 19),
        .attended = (int)store_col_int(q, 20), .completed = (int)store_col_int(q, 21),
        .no_show = (int)store_col_int(q, 22)};
}

int training_sessions(struct store *st, struct arena *a, const struct training_session_filter *f,
                      struct training_session **out, size_t *n, struct err *e)
{
    *out = NULL;
    *n = 0;
    struct store_stmt *q = store_prepare(st, arena_printf(a,
        "SELECT %s WHERE (? IS NULL OR s.programme_id = ?) AND (? IS NULL OR COALESCE(s.trainer_user_id, tp.user_id) = ?)"
        " ORDER BY s.starts_at, s.id", session_columns), e);
    if (!q) return -1;
    const char *prog = f && !blank(f->programme_id) ? f->programme_id : NULL;
    const char *trainer = f && !blank(f->trainer_account) ? f->trainer_account : NULL;
    store_bind_text(q, 1, prog);
    store_bind_text(q, 2, prog);
    store_bind_text(q, 3, trainer);
    store_bind_text(q, 4, trainer);
    size_t cap = 0;
    int rc;
    while ((rc = store_step(q, e)) == 1) {
        *out = grow(a, *out, *n, &cap, sizeof **out);
        read_session(a, q, &(*out)[(*n)++]);
    }
    store_done(q);
    return rc < 0 ? -1 : 0;
}

int training_session_get(struct store *st, struct arena *a, const char *id, struct training_session *out,
                         struct err *e)
{
    struct store_stmt *q = store_prepare(st, arena_printf(a, "SELECT %s WHERE s.id = ?", session_columns), e);
    if (!q) return -1;
    store_bind_text(q, 1, id);
    int rc = store_step(q, e);
    if (rc == 1) read_session(a, q, out);
    store_done(q);
    if (rc < 0) return -1;
    return rc == 1 ? 0 : err_set(e, ERR_NOT_FOUND, "there is no training session %s", id);
}

/* --- enrolment ------------------------------------------------------------------------------------- */

static const char enrolment_columns[] =
    "e.id, e.session_id, e.status, e.enrolled_at, e.attended_at, e.completed_at, e.certificate_code, "
    "t.id, t.name, t.email, t.institution_id, i.name, t.role, t.user_id, t.pseudonym"
    " FROM training_enrolments e JOIN training_participants t ON t.id = e.participant_id"
    " LEFT JOIN institutions i ON i.id = t.institution_id";

static void read_enrolment(struct arena *a, struct store_stmt *s, struct training_enrolment *out)
{
    *out = (struct training_enrolment){.id = col_text(a, s, 0), .session_id = col_text(a, s, 1),
                                       .status = col_text(a, s, 2), .enrolled_at = col_text(a, s, 3),
                                       .attended_at = col_or_null(a, s, 4), .completed_at = col_or_null(a, s, 5),
                                       .certificate_code = col_or_null(a, s, 6)};
    read_participant(a, s, 7, &out->person);
}

int training_enrolments(struct store *st, struct arena *a, const char *session_id, struct training_enrolment **out,
                        size_t *n, struct err *e)
{
    *out = NULL;
    *n = 0;
    struct store_stmt *s = store_prepare(
        st, arena_printf(a, "SELECT %s WHERE e.session_id = ? ORDER BY t.name, e.id", enrolment_columns), e);
    if (!s) return -1;
    store_bind_text(s, 1, session_id);
    size_t cap = 0;
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        *out = grow(a, *out, *n, &cap, sizeof **out);
        read_enrolment(a, s, &(*out)[(*n)++]);
    }
    store_done(s);
    return rc < 0 ? -1 : 0;
}

int training_enrolment_get(struct store *st, struct arena *a, const char *id, struct training_enrolment *out,
                           struct err *e)
{
    struct store_stmt *s = store_prepare(st, arena_printf(a, "SELECT %s WHERE e.id = ?", enrolment_columns), e);
    if (!s) return -1;
    store_bind_text(s, 1, id);
    int rc = store_step(s, e);
    if (rc == 1) read_enrolment(a, s, out);
    store_done(s);
    if (rc < 0) return -1;
    return rc == 1 ? 0 : err_set(e, ERR_NOT_FOUND, "there is no enrolment %s", id);
}

/* The new person's fields, checked; the problems in pp. */
static int check_person(struct store *st, struct arena *a, const struct training_person_new *p,
                        struct training_participant *out, struct programme_problems *pp, struct err *e)
{
    memset(out, 0, sizeof *out);
    const char *name = trimmed(a, p->name);
    if (!*name) programme_problem_add(pp, "name", N_("The name is missing."));
    else if (!plain_text(name, TRAINING_TITLE_MAX))
        programme_problem_add(pp, "name", N_("This is too long or holds line breaks: at most 200 characters on one line."));
    out->name = name;
    if (!blank(p->email)) {
        struct err ignored;
        if (user_normalise_email(a, p->email, &out->email, &ignored) < 0)
            programme_problem_add(pp, "email", N_("This is not an email address."));
    }
    if (!blank(p->institution_id)) {
        int rc = exists1(st, "SELECT 1 FROM institutions WHERE id = ? AND merged_into IS NULL", p->institution_id, e);
        if (rc < 0) return -1;
        if (!rc) programme_problem_add(pp, "institution", N_("There is no such institution in the register."));
        out->institution_id = p->institution_id;
    }
    out->role = blank(p->role) ? "teacher" : p->role;
    if (!training_word_valid(training_roles, TRAINING_ROLES, out->role))
        programme_problem_add(pp, "role", N_("The role is teacher, trainer or other."));
    return 0;
}

static int insert_participant(struct store *st, struct arena *a, struct training_participant *p, bool is_demo,
                              struct err *e)
{
    char id[ID_TEXT_SIZE], now[32];
    id_new(id);
    now_iso(now);
    p->id = arena_strdup(a, id);
    p->pseudonym = new_code(a);
    struct store_stmt *s = store_prepare(st,
        "INSERT INTO training_participants (id, name, email, institution_id, role, user_id, pseudonym, is_demo,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", e);
    if (!s) return -1;
    const char *texts[] = {p->id, p->name, p->email, p->institution_id, p->role, p->user_id, p->pseudonym};
    for (int i = 0; i < 7; i++) store_bind_text(s, i + 1, texts[i]);
    store_bind_int(s, 8, is_demo);
    store_bind_text(s, 9, now);
    int rc = store_run(s, e);
    store_done(s);
    return rc;
}

/* Enrolment inside the caller's transaction: the capacity is read and the row written under one
 * write lock (store_begin takes it at once), so two trainers enrolling the last place at the same
 * moment cannot both get it. */
static int enrol_in(struct store *st, struct arena *a, const char *session_id, const struct training_person_new *p,
                    const struct audit_actor *by, const char **enrolment_id,
                    struct programme_problems *problems, struct err *e)
{
    struct store_stmt *s = store_prepare(st,
        "SELECT s.capacity, (SELECT count(*) FROM training_enrolments x WHERE x.session_id = s.id),"
        " s.trainer_participant_id, COALESCE(s.trainer_user_id, tp.user_id)"
        " FROM training_sessions s LEFT JOIN training_participants tp ON tp.id = s.trainer_participant_id"
        " WHERE s.id = ?", e);
    if (!s) return -1;
    store_bind_text(s, 1, session_id);
    int rc = store_step(s, e);
    int64_t capacity = rc == 1 ? store_col_int(s, 0) : 0, taken = rc == 1 ? store_col_int(s, 1) : 0;
    const char *trainer_p = rc == 1 ? col_or_null(a, s, 2) : NULL, *trainer_u = rc == 1 ? col_or_null(a, s, 3) : NULL;
    store_done(s);
    if (rc < 0) return -1;
    if (rc == 0) return err_set(e, ERR_NOT_FOUND, "there is no training session %s", session_id);

    struct training_participant person;
    if (!blank(p->participant_id)) {
        s = store_prepare(st, arena_printf(a, "SELECT %s" PARTICIPANT_FROM " WHERE t.id = ?", participant_columns), e);
        if (!s) return -1;
        store_bind_text(s, 1, p->participant_id);
        rc = store_step(s, e);
        if (rc == 1) read_participant(a, s, 0, &person);
        store_done(s);
        if (rc < 0) return -1;
        if (rc == 0) return err_set(e, ERR_NOT_FOUND, "there is no participant %s", p->participant_id);
    } else {
        struct programme_problems pp = {0};
        if (check_person(st, a, p, &person, &pp, e) < 0) return -1;
        if (pp.n) {
            if (problems) *problems = pp;
            return programme_problems_err(&pp, e);
        }
    }
    if (taken >= capacity)
        return err_set(e, ERR_LIMIT, "This session is full: all its %lld places are taken.", (long long)capacity);
    if (person.id && ((trainer_p && !strcmp(trainer_p, person.id)) ||
                      (trainer_u && person.user_id && !strcmp(trainer_u, person.user_id))))
        return err_set(e, ERR_CONFLICT, "A session's trainer cannot enrol in it.");
    if (person.id) {
        s = store_prepare(st, "SELECT 1 FROM training_enrolments WHERE session_id = ? AND participant_id = ?", e);
        if (!s) return -1;
        store_bind_text(s, 1, session_id);
        store_bind_text(s, 2, person.id);
        rc = store_step(s, e);
        store_done(s);
        if (rc < 0) return -1;
        if (rc == 1) return err_set(e, ERR_CONFLICT, "This person is enrolled in this session already.");
    }
    bool new_person = !person.id;
    if (new_person && insert_participant(st, a, &person, p->is_demo, e) < 0) return -1;
    char id[ID_TEXT_SIZE], now[32];
    id_new(id);
    now_iso(now);
    const char *row[] = {id, session_id, person.id, now};
    if (run_texts(st, "INSERT INTO training_enrolments (id, session_id, participant_id, enrolled_at) VALUES (?, ?, ?, ?)",
                  row, 4, e) < 0)
        return -1;
    const char *ids[] = {session_id, id, person.id};
    if (audit_record(st, by, "training.enrol", "training_session", ids, 3,
                     new_person ? "{\"new_person\": true}" : "{\"new_person\": false}", e) < 0)
        return -1;
    if (enrolment_id) *enrolment_id = arena_strdup(a, id);
    return 0;
}

int training_enrol(struct store *st, struct arena *a, const char *session_id, const struct training_person_new *p,
                   const struct audit_actor *by, const char **enrolment_id, struct programme_problems *problems,
                   struct err *e)
{
    if (store_begin(st, e) < 0) return -1;
    int rc = enrol_in(st, a, session_id, p, by, enrolment_id, problems, e);
    if (rc == 0) rc = store_commit(st, e);
    if (rc < 0) store_rollback(st);
    return rc;
}

/* --- attendance and completion --------------------------------------------------------------------- */

static const char *mark_status(const struct training_mark *m)
{
    return m->completed ? "completed" : m->attended ? "attended" : "no_show";
}

/* One enrolment's new state: the times of attending and completing are kept when they were set
 * before (recording again does not move them), and cleared when taken back, the certificate code
 * with its completion. */
static int apply_mark(struct store *st, struct arena *a, const struct training_enrolment *en,
                      const struct training_mark *m, const char *now, struct err *e)
{
    const char *status = mark_status(m);
    const char *attended_at = m->attended ? (en->attended_at ? en->attended_at : now) : NULL;
    const char *completed_at = m->completed ? (en->completed_at ? en->completed_at : now) : NULL;
    const char *code = m->completed ? (en->certificate_code ? en->certificate_code : new_code(a)) : NULL;
    const char *p[] = {status, attended_at, completed_at, code, en->id};
    return run_texts(st,
                     "UPDATE training_enrolments SET status = ?, attended_at = ?, completed_at = ?, certificate_code = ?"
                     " WHERE id = ?",
                     p, 5, e);
}

int training_record(struct store *st, struct arena *a, const char *session_id, const struct training_mark *marks,
                    size_t n, const char *now_iso_in, const struct audit_actor *by, int *changed, struct err *e)
{
    if (changed) *changed = 0;
    char now[32];
    if (now_iso_in) snprintf(now, sizeof now, "%s", now_iso_in);
    else now_iso(now);
    if (store_begin(st, e) < 0) return -1;
    struct training_session s;
    int rc = training_session_get(st, a, session_id, &s, e);
    if (rc == 0 && strcmp(now, s.starts_at) < 0)
        rc = err_set(e, ERR_INVALID, "Attendance can be recorded once the session has started.");
    int counts[TRAINING_STATUSES] = {0}, moved = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct training_enrolment en;
        struct err nf;
        err_clear(&nf);
        int got = training_enrolment_get(st, a, marks[i].enrolment_id ? marks[i].enrolment_id : "", &en, &nf);
        if (got == ERR_NOT_FOUND || (got == 0 && strcmp(en.session_id, session_id) != 0)) {
            rc = err_set(e, ERR_INVALID, "An enrolment named is not one of this session's.");
            break;
        }
        if (got < 0) {
            rc = err_set(e, nf.code, "%s", nf.msg);
            break;
        }
        if (marks[i].completed && !marks[i].attended) {
            rc = err_set(e, ERR_INVALID, "%s: completion needs attendance; tick attended too.",
                         *en.person.name ? en.person.name : en.person.pseudonym);
            break;
        }
        const char *status = mark_status(&marks[i]);
        for (int k = 0; k < TRAINING_STATUSES; k++)
            if (!strcmp(training_statuses[k], status)) counts[k]++;
        if (!strcmp(status, en.status)) continue;
        rc = apply_mark(st, a, &en, &marks[i], now, e);
        moved++;
    }
    if (rc == 0 && moved) {
        const char *ids[] = {session_id};
        rc = audit_record(st, by, "training.attendance", "training_session", ids, 1,
                          arena_printf(a, "{\"attended\": %d, \"completed\": %d, \"no_show\": %d, \"changed\": %d}",
                                       counts[1], counts[2], counts[3], moved),
                          e);
    }
    if (rc == 0) rc = store_commit(st, e);
    if (rc < 0) {
        store_rollback(st);
        return rc;
    }
    if (changed) *changed = moved;
    return 0;
}

/* --- certificates ---------------------------------------------------------------------------------- */

static int certificate_of(struct store *st, struct arena *a, struct training_certificate *out, struct err *e)
{
    if (strcmp(out->enrolment.status, "completed") != 0)
        return err_set(e, ERR_NOT_FOUND, "this enrolment is not completed: it has no certificate");
    if (training_session_get(st, a, out->enrolment.session_id, &out->session, e) < 0) return e->code;
    out->institution_name = out->enrolment.person.institution_name;
    return 0;
}

int training_certificate_get(struct store *st, struct arena *a, const char *enrolment_id,
                             struct training_certificate *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    if (training_enrolment_get(st, a, enrolment_id, &out->enrolment, e) < 0) return e->code;
    return certificate_of(st, a, out, e);
}

int training_certificate_find(struct store *st, struct arena *a, const char *code, struct training_certificate *out,
                              struct err *e)
{
    memset(out, 0, sizeof *out);
    /* As printed, or typed without the dashes, in any case; O read as 0, I and L as 1 (Crockford). */
    struct strbuf clean;
    strbuf_init(&clean, a, 16);
    for (const char *p = code ? code : ""; *p; p++) {
        char c = *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
        if (c == '-' || c == ' ') continue;
        if (c == 'O') c = '0';
        if (c == 'I' || c == 'L') c = '1';
        if (!strchr(code_alphabet, c) || clean.len == 12) return err_set(e, ERR_NOT_FOUND, "no certificate has this code");
        strbuf_putc(&clean, c);
    }
    if (clean.len != 12) return err_set(e, ERR_NOT_FOUND, "no certificate has this code");
    const char *dashed = arena_printf(a, "%.4s-%.4s-%.4s", clean.data, clean.data + 4, clean.data + 8);
    struct store_stmt *s = store_prepare(st, arena_printf(a, "SELECT %s WHERE e.certificate_code = ?", enrolment_columns), e);
    if (!s) return -1;
    store_bind_text(s, 1, dashed);
    int rc = store_step(s, e);
    if (rc == 1) read_enrolment(a, s, &out->enrolment);
    store_done(s);
    if (rc < 0) return -1;
    if (rc == 0) return err_set(e, ERR_NOT_FOUND, "no certificate has this code");
    return certificate_of(st, a, out, e);
}

/* --- exports --------------------------------------------------------------------------------------- */

void training_catalogue_table(const struct training_course *c, size_t n, struct arena *a, struct table_out *t)
{
    static const char *const head[] = {"id", "title", "provider", "language", "mode", "duration_minutes", "level",
                                       "topics", "url", "file_name", "programme"};
    table_out_init(t, a, "courses", head, sizeof head / sizeof head[0]);
    for (size_t i = 0; i < n; i++) {
        struct table_cell *r = table_out_row(t);
        table_out_text(t, r, 0, c[i].id);
        table_out_text(t, r, 1, c[i].title);
        table_out_text(t, r, 2, c[i].provider);
        table_out_text(t, r, 3, c[i].language);
        table_out_text(t, r, 4, c[i].mode);
        if (c[i].duration_minutes > 0) table_out_number(t, r, 5, c[i].duration_minutes);
        table_out_text(t, r, 6, c[i].level);
        table_out_text(t, r, 7, c[i].topics);
        table_out_text(t, r, 8, c[i].url);
        table_out_text(t, r, 9, c[i].file_name);
        table_out_text(t, r, 10, c[i].programme_slug);
    }
}

int training_attendance_table(struct store *st, struct arena *a, const char *programme_id, bool personal,
                              struct table_out *t, struct err *e)
{
    static const char *const full[] = {"session_id", "programme", "course", "starts_at", "ends_at",
                                       "train_the_trainer", "trainer", "participant_pseudonym", "name", "email",
                                       "institution_id", "institution", "role", "status", "enrolled_at",
                                       "attended_at", "completed_at", "certificate_code"};
    static const char *const pseudo[] = {"session_id", "programme", "course", "starts_at", "ends_at",
                                         "train_the_trainer", "trainer_pseudonym", "participant_pseudonym",
                                         "institution_id", "institution", "role", "status", "enrolled_at",
                                         "attended_at", "completed_at"};
    if (personal) table_out_init(t, a, "attendance", full, sizeof full / sizeof full[0]);
    else table_out_init(t, a, "attendance", pseudo, sizeof pseudo / sizeof pseudo[0]);
    unsigned char key[PSEUDONYM_KEY_SIZE];
    if (!personal && pseudonym_key(st, key, e) < 0) return -1;
    struct store_stmt *s = store_prepare(st,
        "SELECT s.id, p.slug, c.title, s.starts_at, s.ends_at, s.is_tot, COALESCE(u.display_name, tp.name),"
        " s.trainer_user_id, tp.pseudonym, t.pseudonym, t.name, t.email, t.institution_id, i.name, t.role,"
        " e.status, e.enrolled_at, e.attended_at, e.completed_at, e.certificate_code"
        " FROM training_enrolments e JOIN training_sessions s ON s.id = e.session_id"
        " JOIN courses c ON c.id = s.course_id JOIN programmes p ON p.id = s.programme_id"
        " JOIN training_participants t ON t.id = e.participant_id"
        " LEFT JOIN institutions i ON i.id = t.institution_id LEFT JOIN users u ON u.id = s.trainer_user_id"
        " LEFT JOIN training_participants tp ON tp.id = s.trainer_participant_id"
        " WHERE (? IS NULL OR s.programme_id = ?) ORDER BY s.starts_at, s.id, t.name, e.id", e);
    if (!s) return -1;
    store_bind_text(s, 1, programme_id);
    store_bind_text(s, 2, programme_id);
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        struct table_cell *r = table_out_row(t);
        size_t k = 0;
        for (int c = 0; c < 5; c++) table_out_text(t, r, k++, store_col_text(s, c));
        table_out_text(t, r, k++, store_col_int(s, 5) ? "yes" : "no");
        if (personal) {
            table_out_text(t, r, k++, col_or_null(a, s, 6));
        } else if (!store_col_null(s, 8)) {
            table_out_text(t, r, k++, store_col_text(s, 8)); /* a graduate: their pseudonym */
        } else if (!store_col_null(s, 7)) {
            char p[PSEUDONYM_TEXT_SIZE];
            pseudonym_of(key, store_col_text(s, 7), p); /* an account: the exports' pseudonym of its id */
            table_out_text(t, r, k++, p);
        } else {
            k++;
        }
        table_out_text(t, r, k++, store_col_text(s, 9));
        if (personal) {
            table_out_text(t, r, k++, store_col_text(s, 10));
            table_out_text(t, r, k++, col_or_null(a, s, 11));
        }
        for (int c = 12; c <= 18; c++) table_out_text(t, r, k++, col_or_null(a, s, c));
        if (personal) table_out_text(t, r, k++, col_or_null(a, s, 19));
    }
    store_done(s);
    return rc < 0 ? -1 : 0;
}

/* --- privacy --------------------------------------------------------------------------------------- */

int training_erase_person(struct store *st, const char *email, const char *user_id, int64_t *erased, struct err *e)
{
    if (erased) *erased = 0;
    struct store_stmt *s = store_prepare(st,
        "UPDATE training_participants SET name = '', email = NULL, user_id = NULL"
        " WHERE (email IS NOT NULL AND lower(email) = lower(?)) OR (? IS NOT NULL AND user_id = ?)", e);
    if (!s) return -1;
    store_bind_text(s, 1, email ? email : "");
    store_bind_text(s, 2, user_id);
    store_bind_text(s, 3, user_id);
    int rc = store_run(s, e);
    store_done(s);
    if (rc == 0 && erased) *erased = store_changes(st);
    return rc;
}

int training_person_json(struct store *st, const char *email, const char *user_id, json_t **out, struct err *e)
{
    *out = json_array();
    struct store_stmt *s = store_prepare(st,
        "SELECT t.id, t.name, t.email, t.institution_id, t.role, t.pseudonym, t.created_at, e.session_id, e.status,"
        " e.enrolled_at, e.attended_at, e.completed_at, e.certificate_code"
        " FROM training_participants t LEFT JOIN training_enrolments e ON e.participant_id = t.id"
        " WHERE (t.email IS NOT NULL AND lower(t.email) = lower(?)) OR (? IS NOT NULL AND t.user_id = ?)"
        " ORDER BY t.id, e.enrolled_at", e);
    if (!s) return -1;
    store_bind_text(s, 1, email ? email : "");
    store_bind_text(s, 2, user_id);
    store_bind_text(s, 3, user_id);
    json_t *person = NULL;
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        const char *id = store_col_text(s, 0);
        if (!person || strcmp(json_string_value(json_object_get(person, "id")), id) != 0) {
            person = json_object();
            for (int c = 0; c < 7; c++) {
                static const char *const keys[] = {"id", "name", "email", "institution_id", "role", "pseudonym",
                                                   "created_at"};
                json_object_set_new(person, keys[c], store_col_null(s, c) ? json_null() : json_string(store_col_text(s, c)));
            }
            json_object_set_new(person, "enrolments", json_array());
            json_array_append_new(*out, person);
        }
        if (store_col_null(s, 7)) continue;
        json_t *en = json_object();
        static const char *const ekeys[] = {"session_id", "status", "enrolled_at", "attended_at", "completed_at",
                                            "certificate_code"};
        for (int c = 0; c < 6; c++)
            json_object_set_new(en, ekeys[c], store_col_null(s, 7 + c) ? json_null() : json_string(store_col_text(s, 7 + c)));
        json_array_append_new(json_object_get(person, "enrolments"), en);
    }
    store_done(s);
    if (rc < 0) {
        json_decref(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

/* --- a course's file ------------------------------------------------------------------------------- */

static bool has_bytes(const unsigned char *d, size_t n, size_t at, const char *sig, size_t k)
{
    return n >= at + k && memcmp(d + at, sig, k) == 0;
}

/* Whether the bytes hold needle anywhere: a ZIP's entry names are stored as they are, in each
 * entry's header and again in the central directory. */
static bool holds(const unsigned char *d, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; k <= n && i <= n - k; i++)
        if (d[i] == (unsigned char)needle[0] && memcmp(d + i, needle, k) == 0) return true;
    return false;
}

/* The type of a ZIP: OpenDocument and EPUB name it in a first, stored entry "mimetype" (their
 * rule, so that tools can tell without unpacking); Office Open XML by its parts. */
static const char *zip_type(const unsigned char *d, size_t n)
{
    static const char *const named[] = {
        "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation", "application/epub+zip",
    };
    if (has_bytes(d, n, 30, "mimetype", 8))
        for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
            size_t k = strlen(named[i]);
            /* exactly the name, the next entry's "PK" after it: "...text" is not "...text-template" */
            if (has_bytes(d, n, 38, named[i], k) && (n == 38 + k || d[38 + k] == 'P')) return named[i];
        }
    if (holds(d, n, "[Content_Types].xml")) {
        if (holds(d, n, "word/document.xml"))
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
        if (holds(d, n, "xl/workbook.xml")) return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
        if (holds(d, n, "ppt/presentation.xml"))
            return "application/vnd.openxmlformats-officedocument.presentationml.presentation";
    }
    return "application/zip";
}

/* Plain text: UTF-8 (a byte order mark allowed), no control characters but tab, line ends and
 * form feed. Text that opens as markup (HTML, SVG, XML) is refused: not a handout's plain text. */
static bool plain_file_text(const unsigned char *d, size_t n)
{
    if (!str_utf8_valid((const char *)d, n)) return false;
    for (size_t i = 0; i < n; i++)
        if ((d[i] < 0x20 && d[i] != '\t' && d[i] != '\n' && d[i] != '\r' && d[i] != '\f') || d[i] == 0x7F)
            return false;
    return true;
}

/* What refused bytes look like, as a msgid; NULL when nothing known. */
static const char *looks_like(const unsigned char *d, size_t n)
{
    if (has_bytes(d, n, 0, "MZ", 2)) return N_("a Windows program (EXE or DLL)");
    if (has_bytes(d, n, 0, "\x7F" "ELF", 4)) return N_("a Linux program (ELF)");
    if (has_bytes(d, n, 0, "\xCF\xFA\xED\xFE", 4) || has_bytes(d, n, 0, "\xCA\xFE\xBA\xBE", 4))
        return N_("a macOS program");
    if (has_bytes(d, n, 0, "#!", 2)) return N_("a script");
    if (has_bytes(d, n, 0, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8))
        return N_("an old Microsoft Office file (DOC, XLS or PPT): save it as DOCX, XLSX or PPTX");
    if (has_bytes(d, n, 0, "GIF8", 4) || (has_bytes(d, n, 0, "RIFF", 4) && has_bytes(d, n, 8, "WEBP", 4)))
        return N_("a GIF or WebP image: save it as PNG or JPEG");
    if (has_bytes(d, n, 0, "Rar!", 4) || has_bytes(d, n, 0, "7z\xBC\xAF\x27\x1C", 6) || has_bytes(d, n, 0, "\x1F\x8B", 2))
        return N_("a RAR, 7z or gzip archive: send a ZIP");
    size_t i = has_bytes(d, n, 0, "\xEF\xBB\xBF", 3) ? 3 : 0;
    while (i < n && (d[i] == ' ' || d[i] == '\t' || d[i] == '\r' || d[i] == '\n')) i++;
    if (i < n && d[i] == '<') return N_("a web page or XML document");
    return NULL;
}

const char *training_course_file_check(const void *data, size_t len, const char **content_type,
                                       const char **looks, int *code)
{
    const unsigned char *d = data;
    *content_type = NULL;
    *looks = NULL;
    *code = ERR_INVALID;
    if (!data || len == 0) return N_("The file is empty.");
    if (len > TRAINING_FILE_MAX_BYTES) {
        *code = ERR_LIMIT;
        return N_("The file is larger than 8 MiB, the most a course's file may be. Give the course a file name instead and let the file travel as an offline package.");
    }
    const char *t = NULL;
    if (has_bytes(d, len, 0, "%PDF-", 5)) t = "application/pdf";
    else if (has_bytes(d, len, 0, "\x89PNG\r\n\x1a\n", 8)) t = "image/png";
    else if (has_bytes(d, len, 0, "\xFF\xD8\xFF", 3)) t = "image/jpeg";
    else if (has_bytes(d, len, 4, "ftyp", 4)) t = "video/mp4";
    else if (has_bytes(d, len, 0, "PK\x03\x04", 4) || has_bytes(d, len, 0, "PK\x05\x06", 4)) t = zip_type(d, len);
    else if (!(*looks = looks_like(d, len)) && plain_file_text(d, len)) t = "text/plain; charset=utf-8";
    if (t) {
        *content_type = t;
        return NULL;
    }
    return *looks ? N_("This file looks like %s, which a course cannot carry. Send a PDF, ODT, ODS, ODP, DOCX, XLSX, PPTX, ZIP, PNG, JPEG, MP4, EPUB or plain text file.")
                  : N_("The kind of this file is unknown: its first bytes are those of none of the files a course can carry (PDF, ODT, ODS, ODP, DOCX, XLSX, PPTX, ZIP, PNG, JPEG, MP4, EPUB, plain text).");
}

static int put_file(struct store *st, const char *course_id, const char *name, const char *type,
                    const void *data, size_t len, const char *sha, const struct audit_actor *by, struct err *e)
{
    char now[32];
    now_iso(now);
    struct store_stmt *s = store_prepare(
        st, "INSERT INTO course_files (course_id, name, content_type, size, sha256, data, uploaded_by, uploaded_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (course_id) DO UPDATE SET name = excluded.name,"
            " content_type = excluded.content_type, size = excluded.size, sha256 = excluded.sha256,"
            " data = excluded.data, uploaded_by = excluded.uploaded_by, uploaded_at = excluded.uploaded_at", e);
    if (!s) return -1;
    store_bind_text(s, 1, course_id);
    store_bind_text(s, 2, name);
    store_bind_text(s, 3, type);
    store_bind_int(s, 4, (int64_t)len);
    store_bind_text(s, 5, sha);
    store_bind_blob(s, 6, data, len);
    store_bind_text(s, 7, by ? by->label : NULL);
    store_bind_text(s, 8, now);
    int rc = store_run(s, e);
    store_done(s);
    if (rc < 0) return -1;
    json_t *detail = json_pack("{s:s, s:I, s:s, s:s}", "name", name, "size", (json_int_t)len, "sha256", sha,
                               "content_type", type);
    const char *ids[] = {course_id};
    return audit_record_json(st, by, "training.course_file", "course", ids, 1, detail, e);
}

int training_course_file_put(struct store *st, const char *course_id, const char *name, const void *data, size_t len,
                             const struct audit_actor *by, struct err *e)
{
    const char *type, *looks;
    int code;
    const char *why = training_course_file_check(data, len, &type, &looks, &code);
    if (why) {
        if (looks) return err_set(e, (enum err_code)code, "this file looks like %s, which a course cannot carry", looks);
        return err_set(e, (enum err_code)code, "%s", why);
    }
    /* The name is cleaned in an arena of its own: the caller's signature has none to lend. */
    struct arena a;
    arena_init(&a, 512);
    const char *clean = attachment_clean_name(&a, name);
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, data, len);
    char sha[2 * crypto_hash_sha256_BYTES + 1];
    sodium_bin2hex(sha, sizeof sha, digest, sizeof digest);
    int rc = store_begin(st, e);
    if (rc == 0) {
        rc = exists1(st, "SELECT 1 FROM courses WHERE id = ?", course_id, e);
        if (rc == 0) rc = err_set(e, ERR_NOT_FOUND, "there is no course %s", course_id);
        else if (rc == 1) rc = put_file(st, course_id, clean, type, data, len, sha, by, e);
        if (rc == 0) rc = store_commit(st, e);
        if (rc < 0) store_rollback(st);
    }
    arena_free(&a);
    return rc < 0 ? rc : 0;
}

int training_course_file_get(struct store *st, struct arena *a, const char *course_id, const char **name,
                             const char **content_type, const void **data, size_t *len, struct err *e)
{
    struct store_stmt *s = store_prepare(st, "SELECT name, content_type, data FROM course_files WHERE course_id = ?", e);
    if (!s) return -1;
    store_bind_text(s, 1, course_id);
    int rc = store_step(s, e);
    if (rc == 1) {
        *name = col_text(a, s, 0);
        *content_type = col_text(a, s, 1);
        size_t n = 0;
        const void *blob = store_col_blob(s, 2, &n);
        *data = arena_memdup(a, blob ? blob : "", n ? n : 1);
        *len = n;
    }
    store_done(s);
    if (rc < 0) return -1;
    return rc == 1 ? 0 : err_set(e, ERR_NOT_FOUND, "course %s has no file", course_id);
}

int training_course_files(struct store *st, struct arena *a, struct training_course_file **out, size_t *n,
                          struct err *e)
{
    *out = NULL;
    *n = 0;
    struct store_stmt *s = store_prepare(
        st, "SELECT course_id, name, content_type, size, sha256, uploaded_by, uploaded_at FROM course_files"
            " ORDER BY course_id", e);
    if (!s) return -1;
    size_t cap = 0;
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        *out = grow(a, *out, *n, &cap, sizeof **out);
        (*out)[(*n)++] = (struct training_course_file){
            .course_id = col_text(a, s, 0), .name = col_text(a, s, 1), .content_type = col_text(a, s, 2),
            .size = store_col_int(s, 3), .sha256 = col_text(a, s, 4), .uploaded_by = col_or_null(a, s, 5),
            .uploaded_at = col_text(a, s, 6)};
    }
    store_done(s);
    return rc < 0 ? -1 : 0;
}

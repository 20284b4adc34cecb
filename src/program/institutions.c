#include "program/institutions.h"

#include "base/i18n.h"
#include "base/id.h"
#include "base/str.h"
#include "base/timeutil.h"
#include "forms/table_out.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* --- the fields ----------------------------------------------------------------------------------- */

enum kind { K_TEXT, K_INT, K_REAL, K_ENUM, K_BOOL, K_COUNTRY, K_EMAIL };

struct field_info {
    const char *name;
    enum kind kind;
    bool personal;
    const char *const *values; /* K_ENUM */
    double min, max;           /* K_INT, K_REAL */
};

static const char *const kinds[] = {"school", "stem_club", "education_centre", NULL};
static const char *const areas[] = {"urban", "suburban", "rural", "remote", NULL};
static const char *const connections[] = {"none", "mobile_only", "fixed_slow", "fixed_medium", "fixed_fast",
                                          "dont_know", NULL};
/* Checked here rather than by a CHECK constraint: a new status (say "equipped") is then a line
 * of code, not a rebuild of the table, which SQLite would need to change a CHECK. */
static const char *const statuses[] = {"registered", "shortlisted", "selected", "invited", "accepted", "declined",
                                       NULL};

static const struct field_info fields[INST_FIELD_COUNT] = {
    [INST_NAME] = {"name", K_TEXT, false, NULL, 0, 0},
    [INST_KIND] = {"kind", K_ENUM, false, kinds, 0, 0},
    [INST_FORMAL] = {"formal", K_BOOL, false, NULL, 0, 0},
    [INST_COUNTRY] = {"country", K_COUNTRY, false, NULL, 0, 0},
    [INST_REGION] = {"region", K_TEXT, false, NULL, 0, 0},
    [INST_AREA] = {"area", K_ENUM, false, areas, 0, 0},
    [INST_LATITUDE] = {"latitude", K_REAL, false, NULL, -90, 90},
    [INST_LONGITUDE] = {"longitude", K_REAL, false, NULL, -180, 180},
    [INST_LEARNERS] = {"learners", K_INT, false, NULL, 0, 1000000},
    [INST_TEACHERS] = {"teachers", K_INT, false, NULL, 0, 100000},
    [INST_DEVICES] = {"devices", K_INT, false, NULL, 0, 1000000},
    [INST_CONNECTIVITY] = {"connectivity", K_ENUM, false, connections, 0, 0},
    [INST_CONTACT_NAME] = {"contact_name", K_TEXT, true, NULL, 0, 0},
    [INST_CONTACT_EMAIL] = {"contact_email", K_EMAIL, true, NULL, 0, 0},
    [INST_CONTACT_PHONE] = {"contact_phone", K_TEXT, true, NULL, 0, 0},
    [INST_STATUS] = {"status", K_ENUM, false, statuses, 0, 0},
};

#define COLUMNS                                                                                                   \
    "name, kind, formal, country, region, area, latitude, longitude, learners, teachers, devices, connectivity, " \
    "contact_name, contact_email, contact_phone, status"

const char *inst_field_name(enum inst_field f) { return (unsigned)f < INST_FIELD_COUNT ? fields[f].name : ""; }
bool inst_field_personal(enum inst_field f) { return (unsigned)f < INST_FIELD_COUNT && fields[f].personal; }

int inst_field_parse(const char *name)
{
    for (int f = 0; name && f < INST_FIELD_COUNT; f++)
        if (strcasecmp(fields[f].name, name) == 0) return f;
    return -1;
}

/* ISO 3166-1 alpha-2, as assigned in 2024, and XK (Kosovo), which the needs survey offers. */
static const char countries[] =
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY "
    "BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK "
    "FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR "
    "IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK "
    "ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM "
    "PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF "
    "TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW";

bool inst_country_valid(const char *code)
{
    if (!code || strlen(code) != 2 || !isupper((unsigned char)code[0]) || !isupper((unsigned char)code[1]))
        return false;
    for (const char *p = countries; *p; p += p[2] ? 3 : 2)
        if (p[0] == code[0] && p[1] == code[1]) return true;
    return false;
}

static char *trimmed(struct arena *a, const char *raw)
{
    while (*raw == ' ' || *raw == '\t' || *raw == '\r' || *raw == '\n') raw++;
    size_t n = strlen(raw);
    while (n && (raw[n - 1] == ' ' || raw[n - 1] == '\t' || raw[n - 1] == '\r' || raw[n - 1] == '\n')) n--;
    return arena_strndup(a, raw, n);
}

static const char *enum_problem(enum inst_field f)
{
    switch (f) {
    case INST_KIND: return N_("Write school, stem_club or education_centre.");
    case INST_AREA: return N_("Write urban, suburban, rural or remote.");
    case INST_STATUS: return N_("Write registered, shortlisted, selected, invited, accepted or declined.");
    default: return N_("Write none, mobile_only, fixed_slow, fixed_medium, fixed_fast or dont_know.");
    }
}

int inst_value_check(struct arena *a, enum inst_field f, const char *raw, const char **out, const char **problem)
{
    *out = NULL;
    *problem = NULL;
    if ((unsigned)f >= INST_FIELD_COUNT) return -1;
    char *v = trimmed(a, raw ? raw : "");
    if (!*v) return 0;
    const struct field_info *fi = &fields[f];
    if (!str_utf8_valid(v, strlen(v))) {
        *problem = N_("This is not valid text (UTF-8).");
        return -1;
    }
    if (strlen(v) > 500) {
        *problem = N_("This is longer than 500 characters.");
        return -1;
    }
    switch (fi->kind) {
    case K_TEXT: break;
    case K_ENUM:
        for (char *p = v; *p; p++) *p = (char)tolower((unsigned char)*p);
        for (size_t i = 0; fi->values[i]; i++)
            if (strcmp(fi->values[i], v) == 0) goto ok;
        *problem = enum_problem(f);
        return -1;
    case K_BOOL:
        if (!strcasecmp(v, "1") || !strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcasecmp(v, "formal")) {
            *out = "1";
            return 0;
        }
        if (!strcasecmp(v, "0") || !strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcasecmp(v, "informal")) {
            *out = "0";
            return 0;
        }
        *problem = N_("Write formal or informal (or 1 or 0).");
        return -1;
    case K_COUNTRY:
        for (char *p = v; *p; p++) *p = (char)toupper((unsigned char)*p);
        if (!inst_country_valid(v)) {
            *problem = N_("This is not a country code of ISO 3166-1 (two letters, such as PL or FR).");
            return -1;
        }
        break;
    case K_EMAIL: {
        const char *at = strchr(v, '@');
        if (!at || at == v || !strchr(at, '.') || strchr(at + 1, '@') || strpbrk(v, " \t<>\"")) {
            *problem = N_("This is not an email address.");
            return -1;
        }
        break;
    }
    case K_INT: {
        int64_t n;
        /* Spreadsheets write whole numbers as "12" or sometimes "12.0". */
        size_t len = strlen(v);
        if (len > 2 && strcmp(v + len - 2, ".0") == 0) v[len - 2] = '\0';
        if (!str_to_int64(v, (int64_t)fi->min, (int64_t)fi->max, &n)) {
            *problem = N_("This is not a whole number in the expected range.");
            return -1;
        }
        *out = arena_printf(a, "%lld", (long long)n);
        return 0;
    }
    case K_REAL: {
        char *end;
        errno = 0;
        double d = strtod(v, &end);
        if (errno || *end || end == v || !isfinite(d) || d < fi->min || d > fi->max) {
            *problem = f == INST_LATITUDE ? N_("This is not a latitude (a number from -90 to 90).")
                                          : N_("This is not a longitude (a number from -180 to 180).");
            return -1;
        }
        *out = arena_printf(a, "%.6f", d);
        return 0;
    }
    }
ok:
    *out = v;
    return 0;
}

static void bind_value(struct store_stmt *s, int idx, int f, const char *v)
{
    if (!v) store_bind_null(s, idx);
    else if (fields[f].kind == K_INT || fields[f].kind == K_BOOL) store_bind_int(s, idx, strtoll(v, NULL, 10));
    else if (fields[f].kind == K_REAL) store_bind_double(s, idx, strtod(v, NULL));
    else store_bind_text(s, idx, v);
}

static const char *col_or_null(struct arena *a, struct store_stmt *s, int col)
{
    return store_col_null(s, col) ? NULL : arena_strdup(a, store_col_text(s, col));
}

/* id, COLUMNS, source, created_at, updated_at, merged_into from column 0. */
#define SELECT_INST "SELECT id, " COLUMNS ", source, created_at, updated_at, merged_into"

static void read_inst(struct arena *a, struct store_stmt *s, struct institution *out)
{
    memset(out, 0, sizeof *out);
    out->id = arena_strdup(a, store_col_text(s, 0));
    for (int f = 0; f < INST_FIELD_COUNT; f++) {
        int c = 1 + f;
        if (store_col_null(s, c)) continue;
        if (fields[f].kind == K_REAL) out->v[f] = arena_printf(a, "%.6f", store_col_double(s, c));
        else if (fields[f].kind == K_INT || fields[f].kind == K_BOOL)
            out->v[f] = arena_printf(a, "%lld", (long long)store_col_int(s, c));
        else out->v[f] = arena_strdup(a, store_col_text(s, c));
    }
    out->source = arena_strdup(a, store_col_text(s, INST_FIELD_COUNT + 1));
    out->created_at = arena_strdup(a, store_col_text(s, INST_FIELD_COUNT + 2));
    out->updated_at = arena_strdup(a, store_col_text(s, INST_FIELD_COUNT + 3));
    out->merged_into = col_or_null(a, s, INST_FIELD_COUNT + 4);
}

/* --- names, similarity, distance ------------------------------------------------------------------- */

/* The lower case of the capitals of Latin-1, Latin Extended-A, Greek and Cyrillic: the scripts of
 * the countries the programme serves, where a spreadsheet in capitals ("SZKOŁA", "ÉCOLE", "ШКОЛА")
 * must still name the same institution. Anything else is kept as it is. */
static uint32_t fold_letter(uint32_t c)
{
    if ((c >= 0xC0 && c <= 0xDE && c != 0xD7) || (c >= 0x391 && c <= 0x3AB && c != 0x3A2) ||
        (c >= 0x410 && c <= 0x42F))
        return c + 0x20;
    if (c >= 0x400 && c <= 0x40F) return c + 0x50;
    if (c == 0x130) return 'i'; /* Turkish dotted capital I */
    if (c == 0x178) return 0xFF;
    if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) return c % 2 ? c : c + 1;
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return c % 2 ? c + 1 : c;
    return c;
}

/* The code point of the two-byte UTF-8 sequence at s, or 0 when it is none (longer sequences,
 * such as those of CJK scripts, are copied unchanged: they have no case). */
static uint32_t two_byte(const unsigned char *s)
{
    return (s[0] & 0xE0) == 0xC0 && (s[1] & 0xC0) == 0x80 ? (uint32_t)(s[0] & 0x1F) << 6 | (s[1] & 0x3F) : 0;
}

const char *inst_name_key(struct arena *a, const char *name)
{
    size_t n = strlen(name);
    char *out = arena_alloc(a, n + 1); /* folding never makes a letter longer */
    size_t k = 0;
    bool space = true; /* drops leading spaces */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x80 && !isalnum(c)) {
            if (!space) out[k++] = ' ';
            space = true;
            continue;
        }
        space = false;
        uint32_t cp = c >= 0x80 ? two_byte((const unsigned char *)name + i) : 0;
        if (cp) {
            uint32_t low = fold_letter(cp);
            if (low < 0x80) out[k++] = (char)low;
            else out[k++] = (char)(0xC0 | low >> 6), out[k++] = (char)(0x80 | (low & 0x3F));
            i++;
            continue;
        }
        out[k++] = (char)(c < 0x80 ? tolower(c) : c);
    }
    if (k && out[k - 1] == ' ') k--;
    out[k] = '\0';
    return out;
}

static int cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return a < b ? -1 : a > b;
}

/* The distinct byte trigrams of " key ", sorted. */
static size_t trigrams(struct arena *a, const char *key, uint32_t **out)
{
    const char *padded = arena_printf(a, " %s ", key);
    size_t n = strlen(padded);
    uint32_t *t = arena_alloc(a, (n > 2 ? n - 2 : 1) * sizeof *t);
    size_t k = 0;
    for (size_t i = 0; i + 2 < n; i++)
        t[k++] = (uint32_t)(unsigned char)padded[i] << 16 | (uint32_t)(unsigned char)padded[i + 1] << 8 |
                 (unsigned char)padded[i + 2];
    qsort(t, k, sizeof *t, cmp_u32);
    size_t u = 0;
    for (size_t i = 0; i < k; i++)
        if (!u || t[u - 1] != t[i]) t[u++] = t[i];
    *out = t;
    return u;
}

double inst_name_similarity(struct arena *a, const char *x, const char *y)
{
    uint32_t *tx, *ty;
    size_t nx = trigrams(a, inst_name_key(a, x), &tx), ny = trigrams(a, inst_name_key(a, y), &ty);
    if (!nx && !ny) return 1;
    size_t i = 0, j = 0, both = 0;
    while (i < nx && j < ny) {
        if (tx[i] == ty[j]) both++, i++, j++;
        else if (tx[i] < ty[j]) i++;
        else j++;
    }
    return (double)both / (double)(nx + ny - both);
}

double inst_distance_km(double lat1, double lon1, double lat2, double lon2)
{
    const double r = 6371.0088, rad = M_PI / 180;
    double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
    double h = sin(dlat / 2) * sin(dlat / 2) + cos(lat1 * rad) * cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);
    return 2 * r * asin(fmin(1, sqrt(h)));
}

/* --- the mapping ----------------------------------------------------------------------------------- */

void inst_mapping_default(struct inst_mapping *out)
{
    memset(out, 0, sizeof *out);
    out->field[INST_NAME] = "institution_name";
    out->field[INST_KIND] = "institution_kind";
    out->field[INST_FORMAL] = "education_type";
    out->field[INST_COUNTRY] = "country";
    out->field[INST_REGION] = "region";
    out->field[INST_AREA] = "area";
    out->field[INST_LEARNERS] = "learners";
    out->field[INST_TEACHERS] = "teachers";
    out->field[INST_DEVICES] = "devices";
    out->field[INST_CONNECTIVITY] = "connection";
    out->field[INST_CONTACT_NAME] = "respondent_name";
    out->field[INST_CONTACT_EMAIL] = "email";
    out->field[INST_CONTACT_PHONE] = "phone";
}

int inst_mapping_load(struct store *st, struct arena *a, const char *form_id, struct inst_mapping *out,
                      struct err *e)
{
    memset(out, 0, sizeof *out);
    struct store_stmt *s = store_prepare(st, "SELECT target, field FROM institution_mappings WHERE form_id = ?", e);
    if (!s) return -1;
    store_bind_text(s, 1, form_id);
    int rc, rows = 0;
    while ((rc = store_step(s, e)) == 1) {
        int f = inst_field_parse(store_col_text(s, 0));
        if (f >= 0) out->field[f] = arena_strdup(a, store_col_text(s, 1));
        rows++;
    }
    store_done(s);
    if (rc < 0) return -1;
    if (!rows) inst_mapping_default(out);
    return 0;
}

static int run_texts(struct store *st, const char *sql, const char *const *p, int n, int64_t *changed, struct err *e)
{
    struct store_stmt *s = store_prepare(st, sql, e);
    if (!s) return -1;
    for (int i = 0; i < n; i++) store_bind_text(s, i + 1, p[i]);
    int rc = store_run(s, e);
    store_done(s);
    if (rc == 0 && changed) *changed = store_changes(st);
    return rc;
}

int inst_mapping_save(struct store *st, const char *form_id, const struct inst_mapping *m,
                      const struct audit_actor *by, struct err *e)
{
    if (store_begin(st, e) < 0) return -1;
    const char *p1[] = {form_id};
    int rc = run_texts(st, "DELETE FROM institution_mappings WHERE form_id = ?", p1, 1, NULL, e);
    for (int f = 0; rc == 0 && f < INST_FIELD_COUNT; f++) {
        if (!m->field[f]) continue;
        const char *p3[] = {form_id, fields[f].name, m->field[f]};
        rc = run_texts(st, "INSERT INTO institution_mappings (form_id, target, field) VALUES (?, ?, ?)", p3, 3, NULL,
                       e);
    }
    if (rc == 0) rc = audit_record(st, by, "institution.mapping", "form", p1, 1, NULL, e);
    if (rc == 0) rc = store_commit(st, e);
    if (rc < 0) store_rollback(st);
    return rc;
}

/* --- writing --------------------------------------------------------------------------------------- */

static int insert_inst(struct store *st, struct arena *a, const char *const *v, const char *source, bool is_demo,
                       const char **id_out, struct err *e)
{
    char id[ID_TEXT_SIZE], now[32];
    id_new(id);
    time_format_iso(time_now_ms(), now, sizeof now);
    struct store_stmt *s = store_prepare(st,
        "INSERT INTO institutions (id, " COLUMNS ", name_key, source, is_demo, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", e);
    if (!s) return -1;
    store_bind_text(s, 1, id);
    for (int f = 0; f < INST_FIELD_COUNT; f++)
        bind_value(s, 2 + f, f, f == INST_STATUS && !v[f] ? "registered" : v[f]);
    store_bind_text(s, 2 + INST_FIELD_COUNT, inst_name_key(a, v[INST_NAME]));
    store_bind_text(s, 3 + INST_FIELD_COUNT, source);
    store_bind_int(s, 4 + INST_FIELD_COUNT, is_demo);
    store_bind_text(s, 5 + INST_FIELD_COUNT, now);
    store_bind_text(s, 6 + INST_FIELD_COUNT, now);
    int rc = store_run(s, e);
    store_done(s);
    if (rc == 0 && id_out) *id_out = arena_strdup(a, id);
    return rc;
}

/* Known values overwrite, unknown ones keep what is there: an answer set that left a question out
 * (no consent to contact details) does not blank the register. The status is never touched. */
static int update_inst(struct store *st, struct arena *a, const char *id, const char *const *v, struct err *e)
{
    char now[32];
    time_format_iso(time_now_ms(), now, sizeof now);
    struct strbuf sql;
    strbuf_init(&sql, a, 512);
    strbuf_puts(&sql, "UPDATE institutions SET updated_at = ?, name_key = COALESCE(?, name_key)");
    for (int f = 0; f < INST_FIELD_COUNT; f++)
        if (f != INST_STATUS) strbuf_printf(&sql, ", %s = COALESCE(?, %s)", fields[f].name, fields[f].name);
    strbuf_puts(&sql, " WHERE id = ?");
    struct store_stmt *s = store_prepare(st, sql.data, e);
    if (!s) return -1;
    store_bind_text(s, 1, now);
    store_bind_text(s, 2, v[INST_NAME] ? inst_name_key(a, v[INST_NAME]) : NULL);
    int idx = 3;
    for (int f = 0; f < INST_FIELD_COUNT; f++)
        if (f != INST_STATUS) bind_value(s, idx++, f, v[f]);
    store_bind_text(s, idx, id);
    int rc = store_run(s, e);
    store_done(s);
    return rc;
}

/* --- building from answer sets --------------------------------------------------------------------- */

static const char *answer_text(struct arena *a, json_t *doc, const char *name)
{
    json_t *v = name ? json_object_get(doc, name) : NULL;
    if (json_is_string(v)) return json_string_value(v);
    if (json_is_integer(v)) return arena_printf(a, "%lld", (long long)json_integer_value(v));
    if (json_is_real(v)) return arena_printf(a, "%g", json_real_value(v));
    return NULL;
}

/* The institution values of one answer set: values that do not check (an "other" country) stay
 * unknown rather than stopping the build. */
static void map_answers(struct arena *a, const struct inst_mapping *m, json_t *doc, const char **v)
{
    for (int f = 0; f < INST_FIELD_COUNT; f++) {
        v[f] = NULL;
        const char *raw = answer_text(a, doc, m->field[f]);
        const char *problem;
        if (raw && inst_value_check(a, (enum inst_field)f, raw, &v[f], &problem) < 0) v[f] = NULL;
    }
}

/* The institution an answer set names: same normalised name and country, not merged away; else
 * the survivor of a merged record of that name (*merged set), so that later answers from an
 * institution whose record was merged join the survivor rather than making the duplicate again.
 * Two statements, so that the first uses the index on names (partial: merged records are not in
 * it) and the second reads only merged records. */
static int find_same(struct store *st, struct arena *a, const char *const *v, const char **id, bool *merged,
                     struct err *e)
{
    static const char *const sql[2] = {
        "SELECT id FROM institutions WHERE name_key = ? AND (country = ? OR (country IS NULL AND ? IS NULL))"
        " AND merged_into IS NULL ORDER BY created_at, id LIMIT 1",
        "SELECT merged_into FROM institutions WHERE merged_into IS NOT NULL AND name_key = ?"
        " AND (country = ? OR (country IS NULL AND ? IS NULL)) ORDER BY created_at, id LIMIT 1",
    };
    *id = NULL;
    *merged = false;
    const char *key = inst_name_key(a, v[INST_NAME]);
    for (int i = 0; i < 2 && !*id; i++) {
        struct store_stmt *s = store_prepare(st, sql[i], e);
        if (!s) return -1;
        store_bind_text(s, 1, key);
        store_bind_text(s, 2, v[INST_COUNTRY]);
        store_bind_text(s, 3, v[INST_COUNTRY]);
        int rc = store_step(s, e);
        if (rc == 1) *id = arena_strdup(a, store_col_text(s, 0)), *merged = i == 1;
        store_done(s);
        if (rc < 0) return -1;
    }
    return 0;
}

struct answer_set {
    const char *id, *instance_id, *answers;
    const char *linked_sub, *linked_inst; /* the link there is, if any */
};

static int load_answer_sets(struct store *st, struct arena *a, const char *form_id, struct answer_set **out,
                            size_t *n, struct err *e)
{
    struct store_stmt *s = store_prepare(st,
        "SELECT s.id, s.instance_id, s.answers, l.submission_id, l.institution_id"
        " FROM submissions s LEFT JOIN institution_submissions l ON l.instance_id = s.instance_id"
        " WHERE s.form_id = ? AND s.status = 'submitted' AND s.is_current = 1"
        " ORDER BY s.submitted_at, s.id", e);
    if (!s) return -1;
    store_bind_text(s, 1, form_id);
    size_t cap = 64, k = 0;
    struct answer_set *list = arena_alloc(a, cap * sizeof *list);
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        if (k == cap) {
            struct answer_set *more = arena_alloc(a, 2 * cap * sizeof *more);
            memcpy(more, list, k * sizeof *list);
            list = more;
            cap *= 2;
        }
        list[k].id = arena_strdup(a, store_col_text(s, 0));
        list[k].instance_id = arena_strdup(a, store_col_text(s, 1));
        list[k].answers = arena_strdup(a, store_col_text(s, 2));
        list[k].linked_sub = col_or_null(a, s, 3);
        list[k].linked_inst = col_or_null(a, s, 4);
        k++;
    }
    store_done(s);
    *out = list;
    *n = k;
    return rc < 0 ? -1 : 0;
}

static int build_one(struct store *st, struct arena *a, const struct inst_mapping *m, const char *form_id,
                     const struct answer_set *as, bool is_demo, struct inst_build_report *r, struct err *e)
{
    if (as->linked_sub && strcmp(as->linked_sub, as->id) == 0) {
        r->unchanged++;
        return 0;
    }
    json_t *doc = json_loads(as->answers, 0, NULL);
    const char *v[INST_FIELD_COUNT];
    if (json_is_object(doc)) map_answers(a, m, doc, v);
    else memset(v, 0, sizeof v);
    json_decref(doc);
    char now[32];
    time_format_iso(time_now_ms(), now, sizeof now);
    if (as->linked_inst) {
        /* A correction: its values replace the earlier revision's, and so does its link. */
        const char *p[] = {as->id, now, as->instance_id};
        if (run_texts(st, "UPDATE institution_submissions SET submission_id = ?, linked_at = ? WHERE instance_id = ?",
                      p, 3, NULL, e) < 0)
            return -1;
        if (update_inst(st, a, as->linked_inst, v, e) < 0) return -1;
        r->updated++;
        return 0;
    }
    if (!v[INST_NAME]) {
        r->skipped++;
        return 0;
    }
    const char *inst_id;
    bool via_merge;
    if (find_same(st, a, v, &inst_id, &via_merge, e) < 0) return -1;
    if (inst_id) {
        /* Answer sets come in order of submission: a newer one updates the register. Through a
         * merge, the survivor keeps the name the coordinator kept. */
        if (via_merge) v[INST_NAME] = NULL;
        if (update_inst(st, a, inst_id, v, e) < 0) return -1;
        r->linked++;
    } else {
        if (insert_inst(st, a, v, "survey", is_demo, &inst_id, e) < 0) return -1;
        r->created++;
    }
    const char *p[] = {inst_id, as->instance_id, as->id, form_id, now};
    return run_texts(st,
        "INSERT INTO institution_submissions (institution_id, instance_id, submission_id, form_id, linked_at)"
        " VALUES (?, ?, ?, ?, ?)", p, 5, NULL, e);
}

int inst_build(struct store *st, struct arena *a, const char *form_id, bool is_demo, const struct audit_actor *by,
               struct inst_build_report *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    struct inst_mapping m;
    if (store_begin(st, e) < 0) return -1;
    struct answer_set *sets = NULL;
    size_t n = 0;
    int rc = inst_mapping_load(st, a, form_id, &m, e);
    if (rc == 0) rc = load_answer_sets(st, a, form_id, &sets, &n, e);
    for (size_t i = 0; rc == 0 && i < n; i++) rc = build_one(st, a, &m, form_id, &sets[i], is_demo, out, e);
    if (rc == 0 && (out->created || out->updated || out->linked)) {
        const char *ids[] = {form_id};
        char *detail = arena_printf(a, "{\"created\": %d, \"updated\": %d, \"linked\": %d, \"skipped\": %d}",
                                    out->created, out->updated, out->linked, out->skipped);
        rc = audit_record(st, by, "institution.build", "form", ids, 1, detail, e);
    }
    if (rc == 0) rc = store_commit(st, e);
    if (rc < 0) {
        store_rollback(st);
        memset(out, 0, sizeof *out);
    }
    return rc;
}

/* --- import ---------------------------------------------------------------------------------------- */

static void add_error(struct arena *a, struct inst_import_result *r, size_t *cap, int row, const char *column,
                      const char *problem, const char *value)
{
    if (r->nerrors == *cap) {
        *cap = *cap ? 2 * *cap : 16;
        struct sheet_row_error *more = arena_alloc(a, *cap * sizeof *more);
        if (r->nerrors) memcpy(more, r->errors, r->nerrors * sizeof *more);
        r->errors = more;
    }
    r->errors[r->nerrors++] = (struct sheet_row_error){row, column, problem, 0, value};
}

/* The header row: which field each column feeds (-1: none). */
static int *read_header(struct arena *a, const struct sheet_row *head, struct inst_import_result *out, size_t *ecap)
{
    int *col_field = arena_alloc(a, head->ncells * sizeof *col_field);
    bool has_name = false;
    for (size_t c = 0; c < head->ncells; c++) {
        col_field[c] = -1;
        const char *h = trimmed(a, head->cells[c]);
        if (!*h) continue;
        int f = inst_field_parse(h);
        bool twice = false;
        for (size_t k = 0; f >= 0 && k < c; k++) twice |= col_field[k] == f;
        if (f < 0) add_error(a, out, ecap, head->number, h, N_("This column is not a field of the register."), NULL);
        else if (twice) add_error(a, out, ecap, head->number, h, N_("This column appears twice."), NULL);
        else col_field[c] = f;
        has_name |= f == INST_NAME;
    }
    if (!has_name) add_error(a, out, ecap, head->number, "name", N_("The column name is missing."), NULL);
    return col_field;
}

static void read_row(struct arena *a, const struct sheet_row *head, const int *col_field, const struct sheet_row *row,
                     struct inst_import_result *out, size_t *ecap)
{
    struct institution *inst = &out->rows[out->nrows];
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
        if (col_field[c] < 0) continue;
        const char *problem;
        if (inst_value_check(a, (enum inst_field)col_field[c], row->cells[c], &inst->v[col_field[c]], &problem) < 0)
            add_error(a, out, ecap, row->number, fields[col_field[c]].name, problem, row->cells[c]);
    }
    if (!inst->v[INST_NAME]) add_error(a, out, ecap, row->number, "name", N_("The name is missing."), NULL);
    if (!inst->v[INST_STATUS]) inst->v[INST_STATUS] = "registered";
    inst->source = "import";
    out->row_numbers[out->nrows++] = row->number;
}

int inst_read_table(struct arena *a, const char *format, const void *data, size_t len, struct sheet_book *out,
                    struct err *e)
{
    if (strcmp(format, "csv") != 0) return sheet_read_memory(a, format, data, len, out, e);
    /* pyxform's CSV layout names the sheet in a first column: a record starting with a name opens
     * that sheet, the others start with an empty field. Each record of the plain table gets that
     * first field, outside quoted fields only, so that a newline inside quotes stays in its cell.
     * Quotes are read as sheet_csv.c reads them: only a quote opening a field starts a quoted
     * field, and a stray one elsewhere ("O"Brien") is text; counting every quote instead made the
     * records after a stray one sheets of their own, which the import then left out silently. */
    const char *p = data;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3, len -= 3; /* a spreadsheet's byte order mark */
    struct strbuf b;
    strbuf_init(&b, a, len + len / 8 + 32);
    strbuf_puts(&b, "institutions,");
    bool quoted = false, field_start = true;
    for (size_t i = 0; i < len; i++) {
        char ch = p[i];
        strbuf_putc(&b, ch);
        if (quoted) {
            if (ch != '"') continue;
            if (i + 1 < len && p[i + 1] == '"') strbuf_putc(&b, p[++i]); /* "" is a quote in the cell */
            else quoted = false;
        } else if (ch == '"' && field_start) {
            quoted = true;
        } else if (ch == ',') {
            field_start = true;
            continue;
        } else if (ch == '\n' || (ch == '\r' && (i + 1 >= len || p[i + 1] != '\n'))) {
            if (i + 1 < len) strbuf_putc(&b, ','); /* the next record's empty sheet column */
            field_start = true;
            continue;
        } else if (ch == '\r') {
            continue; /* the CR of a CRLF: the LF ends the record */
        }
        field_start = false;
    }
    return sheet_read_memory(a, "csv", b.data, b.len, out, e);
}

int inst_read_table_file(struct arena *a, const char *path, struct sheet_book *out, struct err *e)
{
    const char *dot = strrchr(path, '.');
    const char *format = dot && !strcasecmp(dot, ".csv") ? "csv" : dot && !strcasecmp(dot, ".xlsx") ? "xlsx" : NULL;
    if (!format) return err_set(e, ERR_INVALID, "give a .csv or .xlsx file");
    FILE *f = fopen(path, "rb");
    if (!f) return err_set(e, ERR_IO, "cannot open the file: %s", strerror(errno));
    struct strbuf b;
    strbuf_init(&b, a, 64 * 1024);
    char buf[16384];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
        if (b.len + got > SHEET_MAX_BYTES) {
            fclose(f);
            return err_set(e, ERR_LIMIT, "the file is larger than %zu bytes", (size_t)SHEET_MAX_BYTES);
        }
        strbuf_append(&b, buf, got);
    }
    bool failed = ferror(f);
    fclose(f);
    if (failed) return err_set(e, ERR_IO, "the file could not be read");
    return inst_read_table(a, format, b.data, b.len, out, e);
}

int inst_import(struct store *st, struct arena *a, const struct sheet_book *book, bool dry_run, bool is_demo,
                const struct audit_actor *by, struct inst_import_result *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    size_t ecap = 0;
    const struct sheet *sh = book->count ? &book->sheets[0] : NULL;
    if (!sh || sh->nrows < 2) {
        add_error(a, out, &ecap, sh && sh->nrows ? sh->rows[0].number : 1, "",
                  N_("The file needs a header row naming the columns, then one institution per row."), NULL);
        return 0;
    }
    const int *col_field = read_header(a, &sh->rows[0], out, &ecap);
    if (out->nerrors) return 0;
    out->rows = arena_calloc(a, sh->nrows - 1, sizeof *out->rows);
    out->row_numbers = arena_calloc(a, sh->nrows - 1, sizeof *out->row_numbers);
    for (size_t r = 1; r < sh->nrows; r++) read_row(a, &sh->rows[0], col_field, &sh->rows[r], out, &ecap);
    if (out->nerrors || dry_run) return 0;

    /* All or nothing: every row in one transaction, or none. */
    if (store_begin(st, e) < 0) return -1;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < out->nrows; i++)
        rc = insert_inst(st, a, out->rows[i].v, "import", is_demo, &out->rows[i].id, e);
    if (rc == 0) {
        char *detail = arena_printf(a, "{\"created\": %zu}", out->nrows);
        rc = audit_record(st, by, "institution.import", "", NULL, 0, detail, e);
    }
    if (rc == 0) rc = store_commit(st, e);
    if (rc < 0) {
        store_rollback(st);
        return -1;
    }
    out->imported = true;
    return 0;
}

/* --- reading --------------------------------------------------------------------------------------- */

int inst_sort_parse(const char *s)
{
    static const char *const names[] = {"name", "country", "learners", "devices", "need"};
    for (int i = 0; s && i < 5; i++)
        if (strcmp(names[i], s) == 0) return i;
    return -1;
}

static const char *nonempty(const char *s) { return s && *s ? s : NULL; }

/* The WHERE clause and its parameters for a filter (shared by the count and the page). */
static const char *filter_sql(struct arena *a, const struct inst_filter *f, const char **p, int *np)
{
    struct strbuf w;
    strbuf_init(&w, a, 256);
    strbuf_puts(&w, " WHERE merged_into IS NULL");
    *np = 0;
    if (nonempty(f->country)) strbuf_puts(&w, " AND country = ?"), p[(*np)++] = f->country;
    if (nonempty(f->kind)) strbuf_puts(&w, " AND kind = ?"), p[(*np)++] = f->kind;
    if (nonempty(f->status)) strbuf_puts(&w, " AND status = ?"), p[(*np)++] = f->status;
    if (nonempty(f->q)) {
        strbuf_puts(&w, " AND name_key LIKE ? ESCAPE '\\'");
        struct strbuf pat;
        strbuf_init(&pat, a, 64);
        strbuf_putc(&pat, '%');
        for (const char *c = inst_name_key(a, f->q); *c; c++) {
            if (*c == '%' || *c == '_' || *c == '\\') strbuf_putc(&pat, '\\');
            strbuf_putc(&pat, *c);
        }
        strbuf_putc(&pat, '%');
        p[(*np)++] = pat.data;
    }
    return w.data;
}

int inst_list(struct store *st, struct arena *a, const struct inst_filter *f, int64_t offset, int limit,
              struct institution **out, size_t *n, int64_t *total, struct err *e)
{
    *out = NULL;
    *n = 0;
    *total = 0;
    const char *p[4];
    int np;
    const char *where = filter_sql(a, f, p, &np);
    struct store_stmt *s = store_prepare(st, arena_printf(a, "SELECT count(*) FROM institutions%s", where), e);
    if (!s) return -1;
    for (int i = 0; i < np; i++) store_bind_text(s, i + 1, p[i]);
    int rc = store_step(s, e);
    if (rc == 1) *total = store_col_int(s, 0);
    store_done(s);
    if (rc < 0) return -1;
    /* "need" is ordered by the caller from the need index (program/assessment.h, a layer that reads
     * this one): here it is the name order. Unknown numbers sort last either way. */
    const char *key = f->sort == INST_SORT_COUNTRY    ? "country IS NULL, country %s, name_key"
                      : f->sort == INST_SORT_LEARNERS ? "learners IS NULL, learners %s, name_key"
                      : f->sort == INST_SORT_DEVICES  ? "devices IS NULL, devices %s, name_key"
                                                      : "name_key %s";
    const char *order = arena_printf(a, key, f->descending ? "DESC" : "ASC");
    s = store_prepare(st, arena_printf(a, SELECT_INST ", (SELECT count(*) FROM institution_submissions l"
                                          " WHERE l.institution_id = institutions.id)"
                                          " FROM institutions%s ORDER BY %s, id LIMIT ? OFFSET ?", where, order), e);
    if (!s) return -1;
    for (int i = 0; i < np; i++) store_bind_text(s, i + 1, p[i]);
    store_bind_int(s, np + 1, limit);
    store_bind_int(s, np + 2, offset);
    struct institution *list = arena_calloc(a, (size_t)(limit > 0 ? limit : 1), sizeof *list);
    size_t k = 0;
    while (k < (size_t)limit && (rc = store_step(s, e)) == 1) {
        read_inst(a, s, &list[k]);
        list[k].links = store_col_int(s, INST_FIELD_COUNT + 5);
        k++;
    }
    store_done(s);
    if (rc < 0) return -1;
    *out = list;
    *n = k;
    return 0;
}

int inst_get(struct store *st, struct arena *a, const char *id, struct institution *out, struct err *e)
{
    struct store_stmt *s = store_prepare(st, SELECT_INST " FROM institutions WHERE id = ?", e);
    if (!s) return -1;
    store_bind_text(s, 1, id);
    int rc = store_step(s, e);
    if (rc == 1) read_inst(a, s, out);
    store_done(s);
    if (rc == 0) return err_set(e, ERR_NOT_FOUND, "there is no institution %s", id);
    return rc < 0 ? -1 : 0;
}

int inst_links(struct store *st, struct arena *a, const char *id, struct inst_link **out, size_t *n, struct err *e)
{
    *out = NULL;
    *n = 0;
    struct store_stmt *s = store_prepare(st,
        "SELECT l.instance_id, l.submission_id, l.form_id, l.linked_at, s.revision"
        " FROM institution_submissions l JOIN submissions s ON s.id = l.submission_id"
        " WHERE l.institution_id = ? ORDER BY l.linked_at, l.instance_id", e);
    if (!s) return -1;
    store_bind_text(s, 1, id);
    size_t cap = 8;
    struct inst_link *list = arena_alloc(a, cap * sizeof *list);
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        if (*n == cap) {
            struct inst_link *more = arena_alloc(a, 2 * cap * sizeof *more);
            memcpy(more, list, *n * sizeof *more);
            list = more;
            cap *= 2;
        }
        list[*n] = (struct inst_link){arena_strdup(a, store_col_text(s, 0)), arena_strdup(a, store_col_text(s, 1)),
                                      arena_strdup(a, store_col_text(s, 2)), arena_strdup(a, store_col_text(s, 3)),
                                      (int)store_col_int(s, 4)};
        (*n)++;
    }
    store_done(s);
    *out = list;
    return rc < 0 ? -1 : 0;
}

int inst_merged_from(struct store *st, struct arena *a, const char *id, const char ***ids, size_t *n, struct err *e)
{
    *ids = NULL;
    *n = 0;
    struct store_stmt *s = store_prepare(st, "SELECT id FROM institutions WHERE merged_into = ? ORDER BY id", e);
    if (!s) return -1;
    store_bind_text(s, 1, id);
    size_t cap = 4;
    const char **list = arena_alloc(a, cap * sizeof *list);
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        if (*n == cap) {
            const char **more = arena_alloc(a, 2 * cap * sizeof *more);
            memcpy(more, list, *n * sizeof *more);
            list = more;
            cap *= 2;
        }
        list[(*n)++] = arena_strdup(a, store_col_text(s, 0));
    }
    store_done(s);
    *ids = list;
    return rc < 0 ? -1 : 0;
}

/* --- duplicates ------------------------------------------------------------------------------------ */

static bool same_text(const char *x, const char *y) { return x && y && strcasecmp(x, y) == 0; }

static bool is_pair(struct arena *a, const struct institution *x, const struct institution *y, const char *kx,
                    const char *ky, struct inst_duplicate *d)
{
    double sim = inst_name_similarity(a, x->v[INST_NAME], y->v[INST_NAME]);
    double km = -1;
    if (x->v[INST_LATITUDE] && x->v[INST_LONGITUDE] && y->v[INST_LATITUDE] && y->v[INST_LONGITUDE])
        km = inst_distance_km(strtod(x->v[INST_LATITUDE], NULL), strtod(x->v[INST_LONGITUDE], NULL),
                              strtod(y->v[INST_LATITUDE], NULL), strtod(y->v[INST_LONGITUDE], NULL));
    bool same_region = (!x->v[INST_REGION] && !y->v[INST_REGION]) || same_text(x->v[INST_REGION], y->v[INST_REGION]);
    enum inst_dup_reason why;
    if (strcmp(kx, ky) == 0 && same_region) why = INST_DUP_SAME_NAME_PLACE;
    else if (km >= 0 && km <= INST_DUP_MAX_KM && sim >= 0.4) why = INST_DUP_CLOSE_SIMILAR;
    else if (same_region && x->v[INST_REGION] && sim >= 0.7) why = INST_DUP_SIMILAR_SAME_REGION;
    else return false;
    *d = (struct inst_duplicate){*x, *y, why, sim, km};
    return true;
}

int inst_duplicates(struct store *st, struct arena *a, struct inst_duplicate **out, size_t *n, struct err *e)
{
    *out = NULL;
    *n = 0;
    /* Within a country, in order of creation: a pair's older record is the suggested survivor.
     * Comparing pairs within each country keeps this quadratic in a country's size only. */
    struct store_stmt *s = store_prepare(st, SELECT_INST ", name_key FROM institutions WHERE merged_into IS NULL"
                                             " ORDER BY country, created_at, id", e);
    if (!s) return -1;
    size_t cap = 64, k = 0;
    struct institution *all = arena_alloc(a, cap * sizeof *all);
    const char **keys = arena_alloc(a, cap * sizeof *keys);
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        if (k == cap) {
            struct institution *more = arena_alloc(a, 2 * cap * sizeof *more);
            const char **more_keys = arena_alloc(a, 2 * cap * sizeof *more_keys);
            memcpy(more, all, k * sizeof *all);
            memcpy(more_keys, keys, k * sizeof *keys);
            all = more;
            keys = more_keys;
            cap *= 2;
        }
        read_inst(a, s, &all[k]);
        keys[k] = arena_strdup(a, store_col_text(s, INST_FIELD_COUNT + 5));
        k++;
    }
    store_done(s);
    if (rc < 0) return -1;
    size_t dcap = 16;
    struct inst_duplicate *dups = arena_alloc(a, dcap * sizeof *dups);
    for (size_t i = 0; i < k; i++) {
        for (size_t j = i + 1; j < k; j++) {
            const char *cx = all[i].v[INST_COUNTRY], *cy = all[j].v[INST_COUNTRY];
            if (cx ? !same_text(cx, cy) : cy != NULL) break; /* sorted by country: no later one shares it */
            if (*n == dcap) {
                struct inst_duplicate *more = arena_alloc(a, 2 * dcap * sizeof *more);
                memcpy(more, dups, *n * sizeof *more);
                dups = more;
                dcap *= 2;
            }
            if (is_pair(a, &all[i], &all[j], keys[i], keys[j], &dups[*n])) (*n)++;
        }
    }
    *out = dups;
    return 0;
}

int inst_merge(struct store *st, const char *survivor, const char *merged, const struct audit_actor *by,
               struct err *e)
{
    if (!survivor || !merged || strcmp(survivor, merged) == 0)
        return err_set(e, ERR_CONFLICT, "an institution cannot be merged into itself");
    struct arena a;
    arena_init(&a, 8 * 1024);
    struct institution s, m;
    int64_t links = 0;
    char now[32];
    time_format_iso(time_now_ms(), now, sizeof now);
    int rc = store_begin(st, e);
    if (rc < 0) goto out;
    if ((rc = inst_get(st, &a, survivor, &s, e)) < 0 || (rc = inst_get(st, &a, merged, &m, e)) < 0) goto fail;
    if (s.merged_into || m.merged_into) {
        rc = err_set(e, ERR_CONFLICT, "%s was merged already", s.merged_into ? survivor : merged);
        goto fail;
    }
    /* The survivor keeps what it knows and learns what only the other knew. */
    const char *fill[INST_FIELD_COUNT];
    for (int f = 0; f < INST_FIELD_COUNT; f++) fill[f] = s.v[f] ? NULL : m.v[f];
    fill[INST_STATUS] = NULL;
    const char *p2[] = {survivor, merged};
    const char *p3[] = {survivor, now, merged};
    if ((rc = update_inst(st, &a, survivor, fill, e)) < 0 ||
        (rc = run_texts(st, "UPDATE institution_submissions SET institution_id = ? WHERE institution_id = ?", p2, 2,
                        &links, e)) < 0 ||
        (rc = run_texts(st, "UPDATE institutions SET merged_into = ?, updated_at = ? WHERE merged_into = ?", p3, 3,
                        NULL, e)) < 0 ||
        (rc = run_texts(st, "UPDATE institutions SET merged_into = ?, updated_at = ? WHERE id = ?", p3, 3, NULL,
                        e)) < 0 ||
        (rc = run_texts(st, "UPDATE users SET institution_id = ? WHERE institution_id = ?", p2, 2, NULL, e)) < 0)
        goto fail;
    const char *ids[] = {survivor, merged};
    char *detail = arena_printf(&a, "{\"links_moved\": %lld}", (long long)links);
    if ((rc = audit_record(st, by, "institution.merge", "institution", ids, 2, detail, e)) < 0) goto fail;
    if ((rc = store_commit(st, e)) < 0) goto fail;
    goto out;
fail:
    store_rollback(st);
out:
    arena_free(&a);
    return rc;
}

/* --- exports --------------------------------------------------------------------------------------- */

static bool exported(int f, bool personal) { return personal || !fields[f].personal; }

typedef int (*row_fn)(void *ctx, const struct institution *inst, struct err *e);

/* Each institution of the register (not merged away), by name, with a per-row arena. */
static int each_inst(struct store *st, row_fn fn, void *ctx, struct err *e)
{
    struct store_stmt *s = store_prepare(st, SELECT_INST " FROM institutions WHERE merged_into IS NULL"
                                             " ORDER BY name_key, id", e);
    if (!s) return -1;
    struct arena a;
    arena_init(&a, 4096);
    int rc;
    while ((rc = store_step(s, e)) == 1) {
        struct institution inst;
        read_inst(&a, s, &inst);
        if (fn(ctx, &inst, e) < 0) {
            rc = -1;
            break;
        }
        arena_reset(&a);
    }
    store_done(s);
    arena_free(&a);
    return rc < 0 ? -1 : 0;
}

/* The register as a plain table (forms/table_out.h writes it as CSV or XLSX, formulas guarded):
 * the id, then every field that is exported, numbers as numbers. In a, the caller's. */
struct table_ctx {
    bool personal;
    struct table_out *t;
};

static int add_row(void *ctx, const struct institution *inst, struct err *e)
{
    (void)e;
    struct table_ctx *c = ctx;
    struct table_cell *cells = table_out_row(c->t);
    table_out_text(c->t, cells, 0, inst->id);
    size_t col = 1;
    for (int f = 0; f < INST_FIELD_COUNT; f++) {
        if (!exported(f, c->personal)) continue;
        bool number = fields[f].kind == K_INT || fields[f].kind == K_REAL || fields[f].kind == K_BOOL;
        if (inst->v[f] && number) table_out_number(c->t, cells, col, strtod(inst->v[f], NULL));
        else table_out_text(c->t, cells, col, inst->v[f]);
        col++;
    }
    return 0;
}

static int export_table(struct store *st, bool personal, struct arena *a, struct table_out *t, struct err *e)
{
    const char *head[INST_FIELD_COUNT + 1];
    size_t n = 0;
    head[n++] = "id";
    for (int f = 0; f < INST_FIELD_COUNT; f++)
        if (exported(f, personal)) head[n++] = fields[f].name;
    table_out_init(t, a, "institutions", head, n);
    struct table_ctx c = {personal, t};
    return each_inst(st, add_row, &c, e);
}

int inst_export_csv(struct store *st, bool personal, inst_write_fn write, void *ctx, struct err *e)
{
    struct arena a;
    arena_init(&a, 64 * 1024);
    struct table_out t;
    int rc = export_table(st, personal, &a, &t, e);
    if (rc == 0) rc = table_out_csv(&t, write, ctx, e);
    arena_free(&a);
    return rc;
}

int inst_export_xlsx(struct store *st, bool personal, inst_write_fn write, void *ctx, struct err *e)
{
    struct arena a;
    arena_init(&a, 64 * 1024);
    struct table_out t;
    int rc = export_table(st, personal, &a, &t, e);
    if (rc == 0) rc = table_out_xlsx(&t, write, ctx, e);
    arena_free(&a);
    return rc;
}

/* --- status ---------------------------------------------------------------------------------------- */

int inst_set_status_in(struct store *st, const char *id, const char *status, const char *note,
                       const struct audit_actor *by, bool *changed, struct err *e)
{
    if (changed) *changed = false;
    struct arena a;
    arena_init(&a, 2048);
    const char *value, *problem;
    int rc = 0;
    if (!status || !*status || inst_value_check(&a, INST_STATUS, status, &value, &problem) < 0 || !value) {
        rc = err_set(e, ERR_INVALID, "there is no status '%s' (registered, shortlisted, selected, invited, accepted"
                     " or declined)", status ? status : "");
        goto out;
    }
    const char *text = trimmed(&a, note ? note : "");
    if (!str_utf8_valid(text, strlen(text)) || str_utf8_length(text, strlen(text)) > INST_NOTE_MAX) {
        rc = err_set(e, ERR_INVALID, "a note is text of at most %d characters", INST_NOTE_MAX);
        goto out;
    }
    struct institution inst;
    if ((rc = inst_get(st, &a, id, &inst, e)) < 0) goto out;
    if (inst.merged_into) {
        rc = err_set(e, ERR_CONFLICT, "%s was merged into %s: change the status of that one", id, inst.merged_into);
        goto out;
    }
    const char *old = inst.v[INST_STATUS] ? inst.v[INST_STATUS] : "registered";
    if (strcmp(old, value) == 0) goto out; /* nothing changed: nothing written, nothing recorded */
    char now[32];
    time_format_iso(time_now_ms(), now, sizeof now);
    const char *p[] = {value, now, id};
    if ((rc = run_texts(st, "UPDATE institutions SET status = ?, updated_at = ? WHERE id = ?", p, 3, NULL, e)) < 0)
        goto out;
    json_t *detail = json_pack("{s:s, s:s}", "old", old, "new", value);
    if (*text) json_object_set_new(detail, "note", json_string(text));
    const char *ids[] = {id};
    if ((rc = audit_record_json(st, by, "institution.status", "institution", ids, 1, detail, e)) < 0) goto out;
    if (changed) *changed = true;
out:
    arena_free(&a);
    return rc;
}

int inst_set_status(struct store *st, const char *id, const char *status, const char *note,
                    const struct audit_actor *by, bool *changed, struct err *e)
{
    if (store_begin(st, e) < 0) return -1;
    int rc = inst_set_status_in(st, id, status, note, by, changed, e);
    if (rc == 0) rc = store_commit(st, e);
    if (rc < 0) {
        store_rollback(st);
        if (changed) *changed = false;
    }
    return rc;
}

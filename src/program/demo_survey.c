#include "program/demo_survey.h"

#include "base/assets.h"
#include "base/timeutil.h"
#include "forms/answers.h"
#include "forms/engine.h"
#include "forms/form_store.h"
#include "forms/submissions.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* xorshift64*: small, fast and the same everywhere, so the demo is the same on every machine. */
struct rng {
    uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 2685821657736338717ull;
}

static double rng_unit(struct rng *r)
{
    return (double)(rng_next(r) >> 11) / 9007199254740992.0;
}

static int rng_range(struct rng *r, int lo, int hi)
{
    return lo + (int)(rng_unit(r) * (hi - lo + 1));
}

/* Picks an index by weights (which need not sum to 1). */
static size_t rng_weighted(struct rng *r, const double *w, size_t n)
{
    double total = 0;
    for (size_t i = 0; i < n; i++) total += w[i];
    double x = rng_unit(r) * total;
    for (size_t i = 0; i < n; i++) {
        if (x < w[i]) return i;
        x -= w[i];
    }
    return n - 1;
}

/* Where the demo answers come from: countries a European programme reaches, with weights. */
static const struct {
    const char *code;
    double weight;
    const char *regions[3];
    const char *towns[3];
} countries[] = {
    {"RO", 9, {"Nord-Est", "Sud-Vest Oltenia", "Centru"}, {"Vaslui", "Craiova", "Sibiu"}},
    {"BG", 7, {"Severozapaden", "Yuzhen tsentralen", "Severen tsentralen"}, {"Vidin", "Plovdiv", "Ruse"}},
    {"PL", 8, {"Podkarpackie", "Lubelskie", "Warmińsko-Mazurskie"}, {"Krosno", "Zamość", "Ełk"}},
    {"GR", 6, {"Ipeiros", "Voreio Aigaio", "Thessalia"}, {"Ioannina", "Mytilini", "Larisa"}},
    {"PT", 5, {"Alentejo", "Norte", "Centro"}, {"Évora", "Bragança", "Viseu"}},
    {"ES", 6, {"Extremadura", "Andalucía", "Castilla-La Mancha"}, {"Cáceres", "Jaén", "Cuenca"}},
    {"IT", 6, {"Calabria", "Sicilia", "Basilicata"}, {"Cosenza", "Enna", "Matera"}},
    {"FR", 5, {"Hauts-de-France", "Occitanie", "Guyane"}, {"Maubeuge", "Mende", "Cayenne"}},
    {"DE", 4, {"Sachsen-Anhalt", "Mecklenburg-Vorpommern", "Brandenburg"}, {"Stendal", "Anklam", "Prenzlau"}},
    {"HU", 4, {"Észak-Alföld", "Dél-Dunántúl", "Észak-Magyarország"}, {"Nyíregyháza", "Pécs", "Miskolc"}},
    {"SK", 3, {"Prešov", "Košice", "Banská Bystrica"}, {"Bardejov", "Rožňava", "Lučenec"}},
    {"HR", 3, {"Slavonija", "Lika-Senj", "Dalmacija"}, {"Vukovar", "Gospić", "Knin"}},
    {"LT", 2, {"Utena", "Tauragė", "Alytus"}, {"Utena", "Tauragė", "Alytus"}},
    {"LV", 2, {"Latgale", "Vidzeme", "Kurzeme"}, {"Rēzekne", "Valmiera", "Kuldīga"}},
    {"EE", 1, {"Ida-Viru", "Põlva", "Valga"}, {"Narva", "Põlva", "Valga"}},
    {"IE", 2, {"Border", "West", "Midlands"}, {"Donegal", "Belmullet", "Longford"}},
    {"CZ", 3, {"Ústecký kraj", "Karlovarský kraj", "Moravskoslezský kraj"}, {"Most", "Sokolov", "Karviná"}},
    {"SI", 1, {"Pomurska", "Koroška", "Zasavska"}, {"Murska Sobota", "Ravne", "Trbovlje"}},
    {"CY", 1, {"Pafos", "Larnaka", "Ammochostos"}, {"Polis", "Kiti", "Paralimni"}},
    {"MT", 1, {"Gozo", "Southern Harbour", "Northern"}, {"Victoria", "Paola", "Mellieħa"}},
    {"AL", 3, {"Kukës", "Dibër", "Berat"}, {"Kukës", "Peshkopi", "Berat"}},
    {"RS", 3, {"Južna Srbija", "Šumadija", "Vojvodina"}, {"Vranje", "Kragujevac", "Sombor"}},
    {"MK", 2, {"Polog", "Pelagonia", "Northeast"}, {"Tetovo", "Bitola", "Kumanovo"}},
    {"BA", 2, {"Tuzla", "Bihać", "Mostar"}, {"Tuzla", "Bihać", "Mostar"}},
    {"UA", 4, {"Zakarpattia", "Chernivtsi", "Odesa"}, {"Uzhhorod", "Khotyn", "Izmail"}},
    {"MD", 3, {"Nord", "Centru", "Sud"}, {"Bălți", "Orhei", "Cahul"}},
    {"GE", 2, {"Kakheti", "Imereti", "Samegrelo"}, {"Telavi", "Kutaisi", "Zugdidi"}},
    {"TR", 3, {"Van", "Şanlıurfa", "Kars"}, {"Van", "Siverek", "Kars"}},
    {"MA", 2, {"Drâa-Tafilalet", "Souss-Massa", "Oriental"}, {"Errachidia", "Tiznit", "Figuig"}},
    {"KE", 2, {"Turkana", "Kisumu", "Kilifi"}, {"Lodwar", "Kisumu", "Malindi"}},
};
enum { COUNTRY_COUNT = sizeof countries / sizeof countries[0] };

static const char *const kinds_en[] = {"Primary School", "Secondary School", "STEM Club", "Learning Centre"};
static const char *const first_names[] = {"Ana", "Ivan", "Maria", "Piotr", "Eleni", "João", "Giulia", "Claire",
                                          "Jonas", "Zsófia", "Marek", "Ivana", "Rūta", "Aoife", "Olena", "Mehmet",
                                          "Amina", "Wanjiru", "Nikola", "Elif"};
static const char *const comments[] = {
    "Our tablets are shared between three classes.",
    "Electricity cuts make it hard to charge devices.",
    "Teachers want training in the evenings.",
    "We need lessons in our learners' own language.",
    "The nearest repair shop is two hours away.",
    "",
};

/* What a respondent who chose "other" writes in its text box (NAME_other), by select. */
static const struct {
    const char *select;
    const char *texts[4];
} other_texts[] = {
    {"role", {"ICT coordinator", "Librarian", "School counsellor", "Parent volunteer"}},
    {"barriers", {"Our devices are too old for current software.", "No budget for software licences.",
                  "Parents worry about screen time.", "Break-ins: devices were stolen last year."}},
};

struct gen {
    struct rng rng;
    int country;      /* index in countries */
    const char *area; /* urban, suburban, rural, remote */
    int learners;
    int n;            /* the answer set's number */
};

static const struct form_choice *choice_of(const struct form_field *fd, const char *value)
{
    return fd->list ? form_choice_by_value(fd->list, value) : NULL;
}

/* A value of a select: weighted by the institution's situation where it matters. */
static const char *gen_select_one(struct gen *g, struct engine *en, const struct form_field *fd, int inst)
{
    const struct form_choice **ch;
    size_t n = engine_choices(en, fd, inst, &ch);
    if (!n) return "";
    bool poor = strcmp(g->area, "rural") == 0 || strcmp(g->area, "remote") == 0;
    if (strcmp(fd->name, "country") == 0 && choice_of(fd, countries[g->country].code)) return countries[g->country].code;
    if (strcmp(fd->name, "area") == 0) return g->area;
    if (strcmp(fd->name, "connection") == 0) {
        static const char *const vals[] = {"none", "mobile_only", "fixed_slow", "fixed_medium", "fixed_fast", "dont_know"};
        const double rural[] = {12, 30, 30, 15, 5, 8}, urban[] = {2, 10, 20, 38, 25, 5};
        return vals[rng_weighted(&g->rng, poor ? rural : urban, 6)];
    }
    if (fd->list && strcmp(fd->list->name, "likert5") == 0) {
        /* Confidence leans low where technology is scarce. */
        const double low[] = {18, 30, 27, 18, 7}, high[] = {5, 12, 25, 38, 20};
        size_t k = rng_weighted(&g->rng, poor ? low : high, 5);
        return k < n ? ch[k]->value : ch[n - 1]->value;
    }
    if (strcmp(fd->name, "consent") == 0) return rng_unit(&g->rng) < 0.93 ? "yes" : "no";
    /* A few choose "other" and say what in NAME_other (gen_text); the country never, since the
     * demo's towns and regions come from its list. */
    if (form_field_adds_other(fd) && strcmp(fd->name, "country") != 0 && rng_unit(&g->rng) < 0.06)
        return "other";
    return ch[rng_next(&g->rng) % n]->value;
}

static const char *gen_select_multiple(struct gen *g, struct engine *en, const struct form_field *fd, int inst)
{
    const struct form_choice **ch;
    size_t n = engine_choices(en, fd, inst, &ch);
    struct strbuf sb;
    strbuf_init(&sb, en->a, 64);
    int picked = 0, want = rng_range(&g->rng, 1, 3);
    for (size_t i = 0; i < n && picked < want; i++) {
        if (strcmp(ch[i]->value, "none") == 0 || strcmp(ch[i]->value, "other") == 0) continue;
        if (rng_unit(&g->rng) < 0.35) {
            if (sb.len) strbuf_putc(&sb, ' ');
            strbuf_puts(&sb, ch[i]->value);
            picked++;
        }
    }
    /* With or_other, some add "other" and say what in NAME_other (gen_text). */
    if (fd->or_other && picked < want && rng_unit(&g->rng) < 0.1) {
        if (sb.len) strbuf_putc(&sb, ' ');
        strbuf_puts(&sb, "other");
        picked++;
    }
    if (!picked && n) strbuf_puts(&sb, ch[rng_next(&g->rng) % n]->value);
    return sb.data;
}

static const char *gen_text(struct gen *g, struct engine *en, const struct form_field *fd)
{
    struct arena *a = en->a;
    const char *name = fd->name;
    if (fd->other_of) {
        for (size_t i = 0; i < sizeof other_texts / sizeof *other_texts; i++)
            if (strcmp(fd->other_of->name, other_texts[i].select) == 0)
                return other_texts[i].texts[rng_next(&g->rng) % (sizeof other_texts[i].texts /
                                                                  sizeof *other_texts[i].texts)];
        return "Something the list does not have.";
    }
    if (strstr(name, "email")) return arena_printf(a, "demo%03d@example.org", g->n);
    if (strstr(name, "phone")) return "";
    if (strcmp(name, "respondent_name") == 0)
        return arena_printf(a, "%s (demo %03d)", first_names[rng_next(&g->rng) % 20], g->n);
    if (strcmp(name, "institution_name") == 0)
        return arena_printf(a, "%s %s %d", countries[g->country].towns[rng_next(&g->rng) % 3],
                            kinds_en[rng_next(&g->rng) % 4], g->n);
    if (strcmp(name, "region") == 0) return countries[g->country].regions[rng_next(&g->rng) % 3];
    if (fd->required && !*fd->required_src) return "";
    return comments[rng_next(&g->rng) % (sizeof comments / sizeof comments[0])];
}

static const char *gen_integer(struct gen *g, struct engine *en, const struct form_field *fd)
{
    bool poor = strcmp(g->area, "rural") == 0 || strcmp(g->area, "remote") == 0;
    int v;
    if (strcmp(fd->name, "learners") == 0) {
        v = poor ? rng_range(&g->rng, 25, 420) : rng_range(&g->rng, 180, 1400);
        g->learners = v;
    } else if (strcmp(fd->name, "teachers") == 0) {
        v = g->learners / rng_range(&g->rng, 11, 22) + 1;
    } else if (strcmp(fd->name, "devices") == 0) {
        double per = poor ? rng_unit(&g->rng) * 0.12 : rng_unit(&g->rng) * 0.45;
        v = (int)(g->learners * per);
    } else {
        v = rng_range(&g->rng, 0, 50);
    }
    return arena_printf(en->a, "%d", v);
}

static const char *generate(struct gen *g, struct engine *en, const struct form_field *fd, int inst)
{
    switch (fd->type) {
    case FT_SELECT_ONE: return gen_select_one(g, en, fd, inst);
    case FT_SELECT_MULTIPLE: return gen_select_multiple(g, en, fd, inst);
    case FT_TEXT: return gen_text(g, en, fd);
    case FT_INTEGER: return gen_integer(g, en, fd);
    case FT_DECIMAL: return arena_printf(en->a, "%.1f", rng_unit(&g->rng) * 10);
    case FT_ACKNOWLEDGE: return "OK";
    case FT_DATE: return "2026-02-16";
    default: return "";
    }
}

/* One answer set, answered in form order as a respondent would. */
static struct answers *answer_set(struct gen *g, const struct form *f, struct arena *a, int64_t when_ms)
{
    struct answers *ans = answers_new(a);
    struct engine en;
    engine_init(&en, f, ans, a, f->default_lang, NULL);
    en.now_ms = when_ms;
    engine_apply_defaults(&en);
    for (size_t i = 0; i < f->nfields; i++) {
        const struct form_field *fd = &f->fields[i];
        if (!form_type_is_input(fd->type) || form_field_repeat(fd)) continue;
        engine_calculate(&en);
        if (!engine_relevant(&en, fd, 0)) continue;
        for (int attempt = 0; attempt < 25; attempt++) {
            answers_set(ans, fd->name, 0, generate(g, &en, fd, 0));
            if (!engine_check(&en, fd, 0)) break;
            answers_set(ans, fd->name, 0, NULL);
        }
    }
    engine_calculate(&en);
    engine_clear_irrelevant(&en);
    struct engine_problem *problems;
    return engine_check_all(&en, &problems) ? NULL : ans;
}

static int demo_count(struct store *st, const char *form_id, int64_t *n, struct err *e)
{
    struct store_stmt *s = store_prepare(st, "SELECT COUNT(*) FROM submissions WHERE form_id = ? AND is_demo = 1", e);
    if (!s) return -1;
    store_bind_text(s, 1, form_id);
    int rc = store_step(s, e);
    *n = rc == 1 ? store_col_int(s, 0) : 0;
    store_done(s);
    return rc < 0 ? -1 : 0;
}

int demo_survey_load(struct store *st, struct arena *a, int *added, struct err *e)
{
    *added = 0;
    struct form_version_info info;
    if (form_store_latest(st, a, "needs-survey", &info, e) < 0) {
        if (e->code != ERR_NOT_FOUND) return -1;
        const struct asset *src = asset_find("data/forms/needs-survey.md");
        if (!src) return err_set(e, ERR_INTERNAL, "the needs survey is not in the binary");
        struct form_problems problems = {0};
        err_clear(e);
        if (form_store_import(st, a, "md", src->data, src->len, "needs-survey.md", true, NULL, &info, &problems, e) < 0)
            return -1;
    }
    int64_t have;
    if (demo_count(st, info.form_id, &have, e) < 0) return -1;
    if (have > 0) return 0;
    struct form *f;
    if (form_store_load(st, a, info.id, &f, e) < 0) return -1;

    struct gen g = {.rng = {0x5EED2026ull}};
    /* Answers arrive over the campaign, 12 January to 27 March 2026, in working hours. */
    const int64_t campaign_start = 1768204800000; /* 2026-01-12T08:00:00Z */
    double w[COUNTRY_COUNT];
    for (int k = 0; k < COUNTRY_COUNT; k++) w[k] = countries[k].weight;
    if (store_begin(st, e) < 0) return -1;
    struct arena row;
    arena_init(&row, 32 * 1024);
    for (int i = 0; i < DEMO_SURVEY_RESPONSES; i++) {
        arena_reset(&row);
        g.n = i + 1;
        /* Every country appears at least once, then by weight. */
        g.country = i < COUNTRY_COUNT ? i : (int)rng_weighted(&g.rng, w, COUNTRY_COUNT);
        static const char *const areas[] = {"urban", "suburban", "rural", "remote"};
        const double area_w[] = {25, 20, 43, 12};
        g.area = areas[rng_weighted(&g.rng, area_w, 4)];
        int64_t when = campaign_start + (int64_t)(rng_unit(&g.rng) * 74) * 86400000 +
                       (int64_t)rng_range(&g.rng, 0, 9 * 3600) * 1000;
        struct answers *ans = answer_set(&g, f, &row, when);
        if (ans) {
            char stamp[32];
            time_format_iso(when, stamp, sizeof stamp);
            const char *lang = f->languages[rng_next(&g.rng) % f->nlang].code;
            if (submission_insert_in(st, &row, f, info.id, lang, ans, NULL, true, stamp, NULL, e) < 0) {
                arena_free(&row);
                store_rollback(st);
                return -1;
            }
            (*added)++;
        }
    }
    arena_free(&row);
    if (store_commit(st, e) < 0) {
        store_rollback(st);
        return -1;
    }
    return 0;
}

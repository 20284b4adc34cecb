/* libFuzzer target for the two small parsers of issue 5 and 6 that read what people type or
 * upload outside the forms engine: a need model as JSON (`edubridge need model --set FILE`,
 * program/assessment.h) and a typed respondent code (program/respondent_codes.h).
 *
 * The input is a need model's JSON text; the same bytes, read as a typed code, go through the
 * code's normaliser. Each run has a fresh arena.
 *
 * Invariants: a model that parses writes back as JSON that parses to the same model (ids,
 * domains, expressions, directions, weights and method); a direction is -1, 0 or +1; the counts
 * stay within the header's limits. A typed code normalises to NULL or to 8 characters of the
 * code alphabet, and normalising that again gives the same; rcode_valid agrees with the check
 * character of its first 7. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/err.h"
#include "program/assessment.h"
#include "program/respondent_codes.h"

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                     \
        }                                                                                \
    } while (0)

static bool same_text(const char *a, const char *b) { return (!a && !b) || (a && b && strcmp(a, b) == 0); }

static void model_round_trip(struct arena *a, const char *text)
{
    struct err e;
    err_clear(&e);
    struct assess_model m;
    if (assess_model_parse(a, text, &m, &e) < 0) {
        CHECK(e.code != ERR_NONE && e.msg[0]);
        return;
    }
    CHECK(m.ndomains <= ASSESS_DOMAINS_MAX && m.nindicators <= ASSESS_INDICATORS_MAX);
    for (size_t j = 0; j < m.nindicators; j++)
        CHECK(m.indicators[j].direction >= -1 && m.indicators[j].direction <= 1);
    char *json = assess_model_json(a, &m);
    struct assess_model back;
    err_clear(&e);
    CHECK(assess_model_parse(a, json, &back, &e) == 0);
    CHECK(back.ndomains == m.ndomains && back.nindicators == m.nindicators);
    CHECK(back.norm == m.norm && back.within == m.within && back.across == m.across);
    for (size_t k = 0; k < m.ndomains; k++) {
        CHECK(same_text(back.domains[k].id, m.domains[k].id));
        CHECK(back.domains[k].weight == m.domains[k].weight || (m.domains[k].weight != m.domains[k].weight));
    }
    for (size_t j = 0; j < m.nindicators; j++) {
        CHECK(same_text(back.indicators[j].id, m.indicators[j].id));
        CHECK(same_text(back.indicators[j].expr, m.indicators[j].expr));
        CHECK(same_text(back.indicators[j].domain, m.indicators[j].domain));
        CHECK(back.indicators[j].direction == m.indicators[j].direction);
    }
}

static void code_round_trip(struct arena *a, const char *typed)
{
    const char *code = rcode_normalise(a, typed);
    if (!code) return;
    CHECK(strlen(code) == 8);
    for (const char *c = code; *c; c++) CHECK(strchr(rcode_alphabet, *c) != NULL);
    const char *again = rcode_normalise(a, code);
    CHECK(again && strcmp(again, code) == 0);
    char first7[8];
    memcpy(first7, code, 7);
    first7[7] = '\0';
    CHECK(rcode_valid(code) == (rcode_check_char(first7) == code[7]));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16) return 0;
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    struct arena a;
    arena_init(&a, 16 * 1024);
    model_round_trip(&a, text);
    code_round_trip(&a, text);
    arena_free(&a);
    free(text);
    return 0;
}

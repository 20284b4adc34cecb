/* respondent_codes: the pseudonymous codes that link a respondent's baseline and endline answers
 * (issue 6's structured feedback) without a name.
 *
 * A coordinator issues N codes for a programme and one of its institutions, for a role (teacher,
 * learner, leader) or for any role, and prints them as slips; the institution hands one slip to
 * each respondent, who types the code into the baseline survey and again into the endline survey.
 * The same code answering both is a pair (program/feedback.h). The database keeps only the code,
 * the programme, the institution and the role: never who holds it.
 *
 * A code is 7 random characters and a check character from an alphabet of 31 that leaves out
 * 0/O, 1/I/L (rcode_alphabet), shown as two groups of four: "4KX7-MP2Q". The random characters
 * come from the kernel's generator (about 34 bits, so a code cannot be guessed from another);
 * the check character makes the weighted sum of the 8 values (weights 1 to 8) a multiple of 31,
 * which catches every single mistyped character and every swap of two neighbours. Typed codes
 * are read in any case, with or without the hyphen and spaces (rcode_normalise).
 *
 * Every issue runs in one transaction with its audit entry (respondent_codes.issue: the programme,
 * the institution, the role and the count; never the codes). Messages in a struct err are English
 * msgids, for the pages to translate. Everything returned lives in the caller's arena. */
#ifndef EDUBRIDGE_RESPONDENT_CODES_H
#define EDUBRIDGE_RESPONDENT_CODES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "store/audit.h"
#include "store/store.h"

enum {
    RCODE_LEN = 8,         /* characters of a stored code */
    RCODE_TEXT_SIZE = 10,  /* "4KX7-MP2Q" and its NUL */
    RCODE_RADIX = 31,      /* the alphabet's size, a prime */
    RCODE_ISSUE_MAX = 500, /* codes at most in one issue */
    RCODE_ROLES = 3,
};

extern const char rcode_alphabet[RCODE_RADIX + 1];
/* The roles a code may be issued for; NULL or "" stands for any role. */
extern const char *const rcode_roles[RCODE_ROLES];
/* The English label of a role's group (a msgid): "Teachers"; "Any role" for NULL or "". */
const char *rcode_role_label(const char *role);
bool rcode_role_valid(const char *role);

/* The check character that completes 7 characters of the alphabet; '\0' when one is not in it. */
char rcode_check_char(const char *first7);
/* True when code is 8 characters of the alphabet whose check character is right. */
bool rcode_valid(const char *code);
/* The stored form of a typed code: upper case, spaces and hyphens dropped; NULL when that is not
 * 8 characters of the alphabet (the check character is not judged: see rcode_valid). */
const char *rcode_normalise(struct arena *a, const char *typed);
/* "4KX7MP2Q" as people read it: "4KX7-MP2Q". */
void rcode_display(const char *code, char out[RCODE_TEXT_SIZE]);
/* The code of 7 values 0..30 (a random draw, or the demo's deterministic one): the characters they
 * name and the check character. Values above 30 are taken modulo 31. */
void rcode_from_values(const uint8_t values[RCODE_LEN - 1], char out[RCODE_LEN + 1]);

struct rcode {
    const char *code;             /* stored form */
    const char *programme_id;
    const char *institution_id;   /* the survivor's id when the institution was merged away */
    const char *institution_name;
    const char *role;             /* NULL: any role */
    const char *batch;
    const char *issued_at;
    bool is_demo;
};

/* Issues n (1..RCODE_ISSUE_MAX) new codes for programme_id and institution_id with role (NULL or
 * "": any), in one transaction with its audit entry. ERR_INVALID (a msgid) for a count out of
 * range, an unknown role, or an institution that does not exist or was merged away; ERR_NOT_FOUND
 * for an unknown programme. *batch (may be NULL) receives the issue's id. */
int rcode_issue(struct store *st, struct arena *a, const char *programme_id, const char *institution_id,
                const char *role, int n, bool is_demo, const struct audit_actor *by, const char **batch,
                struct err *e);
/* The same for demo data: the codes come from a generator seeded with seed (base/rng.h), so that a
 * demo load gives the same codes on every machine; marked is_demo. Never for real codes, which
 * would then be guessable. */
int rcode_issue_seeded(struct store *st, struct arena *a, const char *programme_id, const char *institution_id,
                       const char *role, int n, uint64_t seed, const struct audit_actor *by, const char **batch,
                       struct err *e);

/* What to list; NULL fields do not filter. */
struct rcode_filter {
    const char *institution_id;
    const char *batch;
};
/* The programme's codes, by institution name, role and code. */
int rcode_list(struct store *st, struct arena *a, const char *programme_id, const struct rcode_filter *f,
               struct rcode **out, size_t *n, struct err *e);

/* How many codes a programme has per institution and role, and the issues (batches) made. */
struct rcode_count {
    const char *institution_id;
    const char *institution_name;
    const char *role;             /* NULL: any role */
    int64_t codes;
};
int rcode_counts(struct store *st, struct arena *a, const char *programme_id, struct rcode_count **out, size_t *n,
                 struct err *e);
struct rcode_batch {
    const char *batch;
    const char *institution_id;
    const char *institution_name;
    const char *role;
    const char *issued_at;
    int64_t codes;
};
/* The issues of a programme, newest first. */
int rcode_batches(struct store *st, struct arena *a, const char *programme_id, struct rcode_batch **out,
                  size_t *n, struct err *e);

/* The institutions a coordinator may issue codes for, by name: the pilot's (status selected,
 * invited or accepted) and those that have codes in the programme already; when there are none,
 * every institution of the register (at most RCODE_CHOICES_MAX). Merged records are left out. */
enum { RCODE_CHOICES_MAX = 2000 };
struct rcode_choice {
    const char *id, *name, *country; /* country NULL when not known */
};
int rcode_institution_choices(struct store *st, struct arena *a, const char *programme_id,
                              struct rcode_choice **out, size_t *n, struct err *e);

#endif

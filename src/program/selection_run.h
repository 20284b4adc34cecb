/* selection_run: selection runs as the programme keeps them (issue 5): made from a campaign's need
 * index and the coordinator's rules, stored with everything they depended on, confirmed, checked
 * again, and followed through their invitations, declines and replacements. The choice itself is
 * program/selection.h's (GLPK); this module stores, freezes and audits it. Tables: migration 13,
 * program/selection_schema.h.
 *
 * A run. selrun_draft computes the campaign's need index (program/assessment.h), turns every
 * assessed institution into a frozen input (selrun_inputs, in the register's order, which is the
 * order ties are broken in), applies the exclusions and forced inclusions, runs sel_run and stores
 * rules, need model, inputs and result in one transaction (audited selection.run). A run whose
 * rules cannot all be met is stored too, as a draft that cannot be confirmed, so that its problems
 * can be read. Confirming (selection.confirm) freezes it: from then on only the invitation flow
 * changes its places, and the register's status of the chosen institutions becomes "selected".
 * selrun_verify runs sel_run again on the frozen inputs and rules: the same chosen set and reserve
 * list means the run is reproducible. A programme has at most one confirmed run; discarding a run
 * (selection.discard) withdraws its open invitations.
 *
 * Languages. The stored sentences (reasons, problems, the note, a declined place's note) are the
 * record, in English. selrun_explain and selrun_place_note say them again in a reader's language by
 * running the selection again through a translator, and only when the run made again in English says
 * exactly what was stored; otherwise the stored English stands.
 *
 * Invitations. selrun_invite gives each chosen institution not yet invited a link with a random
 * token (auth/token.h: only its hash is stored), writes it to the outbox for the register's contact
 * email (when there is one and a mail is given), and returns the links, so that the coordinator can
 * pass on by other means those that could not be mailed (selrun_relink makes a new one later; the
 * old one then stops working). selrun_respond takes an answer through the link, once: accepted, or
 * declined with a reason; a decline offers the place at once to the best institution left out that
 * keeps every rule with the decliners excluded (sel_replacement over the frozen inputs), which is
 * invited in the same transaction (selection.promote); when none keeps the rules, the declined place
 * says why. The register's status follows: invited, accepted, declined.
 *
 * The register's status is written here with one UPDATE each time (institutions.h has no call for
 * it), in the same transaction as the change that causes it.
 *
 * Everything returned lives in the caller's arena. */
#ifndef EDUBRIDGE_SELECTION_RUN_H
#define EDUBRIDGE_SELECTION_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/token.h"
#include "base/arena.h"
#include "base/err.h"
#include "base/i18n.h"
#include "program/campaign.h"
#include "program/programme.h"
#include "program/selection.h"
#include "store/audit.h"
#include "store/store.h"

enum {
    SELRUN_INVITATION_DAYS = 30, /* how long an invitation's link works */
    SELRUN_REASON_MAX = 2000,    /* characters of a decline's reason */
    SELRUN_IDS_MAX = 1000,       /* exclusions, or forced inclusions, in one run */
    SELRUN_EXPLAIN = 10,         /* left-out institutions explained */
    SELRUN_RESERVE = 10,         /* length of the reserve list */
};

/* The coordinator's rules for one run. */
struct selrun_rules {
    int size;              /* the pilot size, 1 to 1000 */
    int max_per_country;   /* 0: no cap */
    int min_informal;
    int min_rural_percent; /* 0 to 100: at least this share of the selected are rural */
    double min_need;       /* 0 to 100: a lower need score is not eligible */
    bool require_consent;
    const char **exclude;  /* institution ids never chosen */
    size_t nexclude;
    const char **force;    /* institution ids always chosen (with consent) */
    size_t nforce;
};

/* The programme's defaults: its pilot size, cap, minimums; no minimum need; consent required. */
void selrun_rules_default(const struct programme *p, struct selrun_rules *r);
/* The problems of r, field by field ("size", "max_per_country", "min_informal",
 * "min_rural_percent", "min_need", "exclude", "force"), each an English msgid; returns how many. */
size_t selrun_rules_check(const struct selrun_rules *r, struct programme_problems *out);
/* r as selection.h reads it. */
void selrun_rules_sel(const struct selrun_rules *r, struct sel_rules *out);

/* One candidate as the run froze it. */
struct selrun_input {
    const char *institution_id;
    const char *name;
    const char *country;  /* NULL unknown */
    const char *kind;     /* NULL unknown */
    bool informal, rural, consent;
    double score;         /* 0-100; NaN: no score */
    bool excluded, forced;
};

/* A place of the run: a selected institution, or one of the reserve. */
struct selrun_place {
    const char *institution_id;
    size_t cand;          /* its index in the run's inputs */
    const char *role;     /* "selected" or "reserve" */
    int position;         /* the place (1..size) or the place in the reserve list */
    const char *state;    /* selected: chosen, invited, accepted, declined; reserve: waiting */
    const char *replaces; /* the institution whose place it took, or NULL */
    const char *note;     /* on a declined place nobody could take: why; else NULL */
};

struct selrun_invitation {
    const char *id;
    const char *institution_id;
    const char *email;    /* personal; NULL: the register had none */
    const char *state;    /* sent, accepted, declined, withdrawn */
    const char *reason;   /* a decline's reason (personal), else NULL */
    const char *created_at, *responded_at, *expires;
};

struct selection_run {
    const char *id, *programme_id, *campaign_id;
    const char *status;   /* draft, confirmed, discarded */
    bool feasible, is_demo;
    const char *created_by, *created_at, *confirmed_by, *confirmed_at, *discarded_at;
    struct selrun_rules rules;
    const char *model_json;
    struct selrun_input *inputs;
    size_t ninputs;
    struct sel_candidate *cands; /* the inputs as sel_run reads them, in the same order */
    struct sel_result result;    /* as stored when the run was made */
    struct selrun_place *places; /* selected by place (a declined one before whoever took its place), then the reserve */
    size_t nplaces;
    struct selrun_invitation *invitations; /* in the order they were sent */
    size_t ninvitations;
};

/* A run as the list of a programme's runs shows it. */
struct selrun_summary {
    const char *id, *status, *created_by, *created_at, *confirmed_at;
    bool feasible, is_demo;
    int size;
    int64_t chosen, accepted, declined;
};

/* --- making a run ------------------------------------------------------------------------------ */

/* Every institution the campaign's need index assesses, as inputs in the register's order, and the
 * need model it used (as JSON) into *model_json. */
int selrun_inputs(struct store *st, struct arena *a, const struct campaign *c, struct selrun_input **out, size_t *n,
                  const char **model_json, struct err *e);

/* Stores a new draft run of p over inputs (n of them; their excluded and forced flags are set from
 * rules here), with model_json frozen beside them. ERR_INVALID, nothing stored, when the rules
 * break a rule of their own (selrun_rules_check: its first sentence) or name an institution that is
 * not among the inputs. Audited as selection.run. *out: the run as stored. */
int selrun_create(struct store *st, struct arena *a, const struct programme *p, const char *campaign_id,
                  const struct selrun_rules *rules, const char *model_json, struct selrun_input *inputs, size_t n,
                  bool is_demo, const struct audit_actor *by, struct selection_run **out, struct err *e);

/* selrun_inputs over the campaign (NULL: the programme's needs-survey campaign, assessment.h's
 * assess_needs_campaign), then selrun_create. ERR_NOT_FOUND when there is no such campaign. */
int selrun_draft(struct store *st, struct arena *a, const struct programme *p, const char *campaign_id,
                 const struct selrun_rules *rules, bool is_demo, const struct audit_actor *by,
                 struct selection_run **out, struct err *e);

/* --- reading ----------------------------------------------------------------------------------- */

/* The runs of a programme, newest first. */
int selrun_list(struct store *st, struct arena *a, const char *programme_id, struct selrun_summary **out, size_t *n,
                struct err *e);
/* The run id of programme_id (NULL: of any programme); ERR_NOT_FOUND when there is none. */
int selrun_load(struct store *st, struct arena *a, const char *programme_id, const char *id,
                struct selection_run **out, struct err *e);
/* The confirmed run of a programme; ERR_NOT_FOUND when it has none. */
int selrun_confirmed(struct store *st, struct arena *a, const char *programme_id, struct selection_run **out,
                     struct err *e);

/* Each candidate's rank (1 = most need, equal scores share it; 0 without a score) and the need order
 * (every candidate, highest score first, input order among equal ones), as selection.h ranks. */
size_t *selrun_ranks(const struct selection_run *r, struct arena *a);
size_t *selrun_need_order(const struct selection_run *r, struct arena *a);
/* The stored reason of a chosen candidate (sel_in.text), of a left-out one (sel_out.text), or NULL. */
const char *selrun_reason_in(const struct selection_run *r, size_t cand);
const char *selrun_reason_out(const struct selection_run *r, size_t cand);
/* The place of an institution in the run, or NULL. */
const struct selrun_place *selrun_place_of(const struct selection_run *r, const char *institution_id);
/* The newest invitation of an institution in the run, or NULL. */
const struct selrun_invitation *selrun_invitation_of(const struct selection_run *r, const char *institution_id);

/* Runs the selection again on the frozen inputs and rules: *same true when it gives the same
 * feasibility, chosen set and reserve list; otherwise *why says what differs (English). */
int selrun_verify(const struct selection_run *r, struct arena *a, bool *same, const char **why, struct err *e);

/* A translator as struct sel_rules takes it: the pattern for an English msgid, NULL for English. */
typedef const char *selrun_translate(void *ctx, const char *msgid);

/* A run's sentences in a reader's language, and selrun_verify's answer with them. */
struct selrun_explained {
    bool same;                /* as selrun_verify's *same */
    const char *why;          /* when not same: what differs, through the translator */
    bool translated;          /* result is the run made again through the translator; false: the stored one */
    struct sel_result result; /* the sentences to show (sets and figures are the stored ones either way) */
};
/* selrun_verify, then, when the run is reproducible and made again in English says sentence for
 * sentence what was stored, the selection once more through translate (NULL: none, the stored English
 * is shown) into out->result. Otherwise out->result is the stored result. An error only when the
 * selection cannot be run again (GLPK): the caller shows the stored sentences. */
int selrun_explain(const struct selection_run *r, struct arena *a, selrun_translate *translate, void *ctx,
                   struct selrun_explained *out, struct err *e);
/* The note of a declined place nobody could take, through translate when it is the sentence
 * sel_replacement gave (sel_unfilled), else as stored; NULL when the place has none. */
const char *selrun_place_note(const struct selection_run *r, const struct selrun_place *pl, selrun_translate *translate,
                              void *ctx, struct arena *a);

/* --- confirming and discarding ----------------------------------------------------------------- */

/* Draft to confirmed; the register's status of the chosen becomes "selected". ERR_CONFLICT when
 * the run is not a draft, cannot be met, or its programme has a confirmed run already. */
int selrun_confirm(struct store *st, struct arena *a, const struct selection_run *r, const struct audit_actor *by,
                   struct err *e);
/* A draft or confirmed run to discarded. A confirmed one's open invitations are withdrawn (their
 * links stop working) and the register's status of its chosen and invited institutions goes back to
 * "registered". ERR_CONFLICT when it was discarded already. */
int selrun_discard(struct store *st, struct arena *a, const struct selection_run *r, const struct audit_actor *by,
                   struct err *e);

/* --- invitations ------------------------------------------------------------------------------- */

/* How an invitation is mailed: links start with base_url ("https://host"); the text is written in
 * lang (NULL: English). A NULL mail writes no message: the links are only returned. */
struct selrun_mail {
    const char *base_url;
    const struct i18n_lang *lang;
};

/* A link made for an institution: its token (the only copy), and whether it went to the outbox. */
struct selrun_link {
    const char *institution_id, *name;
    char token[TOKEN_TEXT_SIZE];
    bool mailed;
};

/* Invites every chosen institution of a confirmed run not invited yet, in one transaction (each
 * audited as invitation.send). *links: one per invitation made (n may be 0). ERR_CONFLICT when the
 * run is not confirmed. */
int selrun_invite(struct store *st, struct arena *a, const struct selection_run *r, const struct selrun_mail *mail,
                  const struct audit_actor *by, struct selrun_link **links, size_t *n, struct err *e);
/* A new link for an invitation still open (the old link stops working; a message when it can be
 * mailed). ERR_NOT_FOUND when the institution has no open invitation in the run. */
int selrun_relink(struct store *st, struct arena *a, const struct selection_run *r, const char *institution_id,
                  const struct selrun_mail *mail, const struct audit_actor *by, struct selrun_link *out,
                  struct err *e);

/* What an invitation's page shows. */
struct selrun_lookup {
    const char *invitation_id, *run_id, *institution_id, *institution_name;
    const char *programme_name, *programme_slug;
    int devices_per_institution;
    const char *state;      /* sent, accepted, declined, withdrawn */
    const char *expires;
    bool expired;           /* at now_ms */
    bool open;              /* state sent, not expired, run confirmed: it can be answered */
};
/* ERR_NOT_FOUND when no invitation has this token (a malformed one included). */
int selrun_lookup(struct store *st, struct arena *a, const char *token, int64_t now_ms, struct selrun_lookup *out,
                  struct err *e);

/* What a decline led to. */
struct selrun_outcome {
    bool promoted;
    const char *replacement_id, *replacement_name; /* when promoted */
    const char *unfilled;   /* when not: why nobody could take the place (English) */
    struct selrun_link link; /* the replacement's invitation */
};
/* Answers an invitation, once: accept, or decline with a reason (required, at most
 * SELRUN_REASON_MAX characters: ERR_INVALID). A decline promotes a replacement as described above,
 * invited through mail. ERR_NOT_FOUND for an unknown token; ERR_CONFLICT when it was answered
 * already, has expired or was withdrawn. Nothing changes on an error. */
int selrun_respond(struct store *st, struct arena *a, const char *token, bool accept, const char *reason,
                   int64_t now_ms, const struct selrun_mail *mail, const struct audit_actor *by,
                   struct selrun_outcome *out, struct err *e);

#endif

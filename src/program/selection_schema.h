/* selection_schema: migration 13's SQL, kept beside the module it serves (program/selection_run.h)
 * so that schema.c lists it in one line. A released migration is never edited: a change is a new
 * migration.
 *
 * selection_runs: one run of the selection for a programme, over the need index of one campaign.
 * Everything the run depended on is frozen in it as JSON, so that it can be shown and re-run
 * exactly as it was, whatever happens to the register or the need model afterwards: rules (pilot
 * size, cap per country, minimums, eligibility, exclusions and forced inclusions by institution
 * id), model (the need model, assess_model_json), inputs (the candidates in input order: id, name,
 * country, kind, informal, rural, consent, score, excluded, forced) and result (sel_run's result:
 * chosen with reasons, nearest left out, reserve, problems). status: draft, confirmed (frozen: only
 * the invitation flow changes its places) or discarded.
 *
 * selection_places: the selected institutions and the reserve of a run. cand is the candidate's
 * index in the frozen inputs. A selected place's state: chosen (not invited yet), invited,
 * accepted, declined; a reserve place's: waiting. An institution that takes a declined place
 * becomes selected there (from the reserve or not): replaces names the decliner and position is
 * the decliner's place. note holds, on a declined place that nobody could take, why.
 *
 * invitations: one per invited institution of a run. Only the token's hash is stored (auth/token.h):
 * the link exists in the message and on the page that sent it, never in the database. email (the
 * address it was sent to, NULL when the register had none) and reason (a decline's free text) are
 * PERSONAL DATA. state: sent, accepted, declined, withdrawn (the run was discarded). */
#ifndef EDUBRIDGE_SELECTION_SCHEMA_H
#define EDUBRIDGE_SELECTION_SCHEMA_H

#define SELECTION_SCHEMA_SQL                                                                                \
    "CREATE TABLE selection_runs ("                                                                         \
    " id TEXT PRIMARY KEY,"                                                                                 \
    " programme_id TEXT NOT NULL REFERENCES programmes(id) ON DELETE CASCADE,"                             \
    " campaign_id TEXT REFERENCES campaigns(id),"                                                           \
    " status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft','confirmed','discarded')),"           \
    " feasible INTEGER NOT NULL CHECK (feasible IN (0,1)),"                                                 \
    " rules TEXT NOT NULL,"                                                                                 \
    " model TEXT NOT NULL,"                                                                                 \
    " inputs TEXT NOT NULL,"                                                                                \
    " result TEXT NOT NULL,"                                                                                \
    " created_by TEXT NOT NULL,"                                                                            \
    " created_at TEXT NOT NULL,"                                                                            \
    " confirmed_by TEXT,"                                                                                   \
    " confirmed_at TEXT,"                                                                                   \
    " discarded_at TEXT,"                                                                                   \
    " is_demo INTEGER NOT NULL DEFAULT 0);"                                                                 \
    "CREATE INDEX selection_runs_by_programme ON selection_runs (programme_id, created_at);"               \
    "CREATE TABLE selection_places ("                                                                       \
    " run_id TEXT NOT NULL REFERENCES selection_runs(id) ON DELETE CASCADE,"                               \
    " institution_id TEXT NOT NULL REFERENCES institutions(id),"                                            \
    " cand INTEGER NOT NULL CHECK (cand >= 0),"                                                             \
    " role TEXT NOT NULL CHECK (role IN ('selected','reserve')),"                                           \
    " position INTEGER NOT NULL CHECK (position >= 1),"                                                     \
    " state TEXT NOT NULL CHECK (state IN ('chosen','invited','accepted','declined','waiting')),"             \
    " replaces TEXT REFERENCES institutions(id),"                                                           \
    " note TEXT,"                                                                                           \
    " updated_at TEXT NOT NULL,"                                                                            \
    " PRIMARY KEY (run_id, institution_id));"                                                               \
    "CREATE TABLE invitations ("                                                                            \
    " id TEXT PRIMARY KEY,"                                                                                 \
    " run_id TEXT NOT NULL REFERENCES selection_runs(id) ON DELETE CASCADE,"                               \
    " institution_id TEXT NOT NULL REFERENCES institutions(id),"                                            \
    " token_hash TEXT NOT NULL UNIQUE,"                                                                     \
    " email TEXT,"                                                                                          \
    " state TEXT NOT NULL DEFAULT 'sent' CHECK (state IN ('sent','accepted','declined','withdrawn')),"     \
    " reason TEXT,"                                                                                         \
    " created_at TEXT NOT NULL,"                                                                            \
    " responded_at TEXT,"                                                                                   \
    " expires TEXT NOT NULL,"                                                                               \
    " UNIQUE (run_id, institution_id));"                                                                    \
    "CREATE INDEX invitations_by_institution ON invitations (institution_id);"

#endif

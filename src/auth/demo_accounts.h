/* demo_accounts: one demo account per role, so that `make run` can be tried as anyone.
 *
 * They share a password printed wherever they are (demo_accounts_password) and are marked
 * is_demo: they are for trying edubridge, never for a real programme (disable them there with
 * `edubridge user disable`). Loading twice changes nothing: each is found by its fixed id. */
#ifndef EDUBRIDGE_DEMO_ACCOUNTS_H
#define EDUBRIDGE_DEMO_ACCOUNTS_H

#include <stdio.h>

#include "auth/principal.h"
#include "base/arena.h"
#include "base/err.h"
#include "store/store.h"

struct demo_account {
    const char *id;
    const char *email;
    const char *name;
    enum auth_role role;
};

extern const char demo_accounts_password[];
extern const struct demo_account demo_accounts[];
extern const size_t demo_account_count;

/* Adds the demo accounts that are missing; *added says how many were. */
int demo_accounts_load(struct store *st, int *added, struct err *e);
/* How many demo accounts the database has (0 in a real deployment). */
int demo_accounts_present(struct store *st, int *count, struct err *e);
/* Writes the list of demo accounts and their password, a line each, to out. */
void demo_accounts_print(FILE *out);

/* Links the demo institution contact's account to a demo institution once the demo register is
 * built: the first one by name (normalised, then id) that is not merged away and has a contact
 * email, so that the same database always gets the same one. An account linked already is left as
 * it is (someone may have changed it), and so is everything when there is no such account or
 * institution. Audited as user.link by the system. *linked (may be NULL): the institution's id
 * when a link was made now, else NULL; in a. */
int demo_accounts_link_institution(struct store *st, struct arena *a, const char **linked, struct err *e);

#endif

/* users: the accounts people sign in with (table users, migration 5).
 *
 * An email address is the sign-in name, kept normalised (trimmed, lower case) and unique whatever
 * its case. A user is never deleted by these functions: disabling keeps the record (and what it
 * did) and ends its sessions. Adding, disabling and setting a password are recorded in the audit
 * trail (store/audit.h) as done by `by`, in the same transaction. Returned strings live in the caller's arena. The stored password
 * hash leaves this module only through user_find_by_email, for the sign-in.
 *
 * An institution contact's account is linked to the institution it speaks for (users.institution_id,
 * which the policy reads as "their own institution"). Linking checks, in the same transaction, that
 * the institution exists in the register and was not merged away; it reads the register's table by
 * SQL only, as auth/ sits beside program/ and includes none of it. A merge moves the link to the
 * survivor (program/institutions.h). */
#ifndef EDUBRIDGE_USERS_H
#define EDUBRIDGE_USERS_H

#include <stdbool.h>
#include <stddef.h>

#include "auth/principal.h"
#include "base/arena.h"
#include "base/err.h"
#include "store/audit.h"
#include "store/store.h"

enum { USER_EMAIL_MAX = 254, USER_NAME_MAX = 200 };

struct user {
    const char *id;
    const char *email;
    const char *display_name;
    enum auth_role role;
    const char *institution_id; /* NULL */
    const char *created_at;
    const char *disabled_at;    /* NULL while the account can sign in */
    bool is_demo;
};

/* What user_add needs; id NULL makes a new one (demo accounts have fixed ids), display_name NULL
 * or empty takes the part of the email before '@'. */
struct user_new {
    const char *id;
    const char *email;
    const char *display_name;
    enum auth_role role;
    bool is_demo;
    const struct audit_actor *by; /* who adds it, for the audit trail (NULL: the system) */
    const char *institution_id;   /* an institution contact's institution, linked as user_link_institution does; NULL: none */
};

/* Trims, lower-cases ASCII letters and checks the shape (one '@' with text on both sides, no
 * spaces or control characters, at most 254 bytes). The result is in a; ERR_INVALID otherwise. */
int user_normalise_email(struct arena *a, const char *in, const char **out, struct err *e);

/* Adds a user with a password that must be acceptable (password_acceptable); ERR_CONFLICT when
 * the email is taken. out may be NULL. */
int user_add(struct store *st, struct arena *a, const struct user_new *in, const char *password,
             struct user *out, struct err *e);
/* ERR_NOT_FOUND when there is no such email (after normalisation). password_hash may be NULL. */
int user_find_by_email(struct store *st, struct arena *a, const char *email, struct user *out,
                       const char **password_hash, struct err *e);
/* Every user, by email. */
int user_list(struct store *st, struct arena *a, struct user **out, size_t *count, struct err *e);
/* Stops the account from signing in and ends its sessions; ERR_NOT_FOUND, or ERR_CONFLICT when it
 * is disabled already. */
int user_disable(struct store *st, const char *email, const struct audit_actor *by, struct err *e);
/* A new password (which must be acceptable); every session of the user ends. */
int user_set_password(struct store *st, const char *user_id, const char *password, const struct audit_actor *by,
                      struct err *e);
/* Stores a hash made already (a rehash at sign-in), sessions untouched. */
int user_store_hash(struct store *st, const char *user_id, const char *hash, struct err *e);

/* Links the account of email (role institution only: ERR_INVALID otherwise) to institution_id,
 * audited as user.link with the institution and the one it replaces; linked to it already: nothing
 * changes. ERR_NOT_FOUND for an unknown account or institution, ERR_CONFLICT for an institution
 * merged away (e names the survivor). out may be NULL. */
int user_link_institution(struct store *st, struct arena *a, const char *email, const char *institution_id,
                          const struct audit_actor *by, struct user *out, struct err *e);
/* The accounts linked to institution_id, by email. */
int user_list_for_institution(struct store *st, struct arena *a, const char *institution_id, struct user **out,
                              size_t *count, struct err *e);

#endif

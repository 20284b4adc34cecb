/* principal: who is making a request, as every later permission check will read it.
 *
 * A request is anonymous (a public respondent), or made by a user through a session cookie, or
 * through an API token that carries a scope. The role, the scope and the user's institution are
 * all a policy needs: a later policy module answers policy_allows(principal, action, target)
 * from this struct alone, so handlers never look at roles themselves.
 *
 * Strings point into the arena of whoever filled the struct (the request's, on the web). */
#ifndef EDUBRIDGE_PRINCIPAL_H
#define EDUBRIDGE_PRINCIPAL_H

#include <stdbool.h>

enum auth_role {
    AUTH_ROLE_NONE = 0,      /* anonymous */
    AUTH_ROLE_ADMIN,
    AUTH_ROLE_COORDINATOR,   /* runs programmes and campaigns */
    AUTH_ROLE_PANEL,         /* reads and scores applications */
    AUTH_ROLE_INSTITUTION,   /* an institution's contact: their institution only */
    AUTH_ROLE_TRAINER,       /* their training sessions */
    AUTH_ROLE_PARTNER,       /* aggregated reports only */
};
enum { AUTH_ROLE_COUNT = AUTH_ROLE_PARTNER + 1 };

/* What an API token may do, whatever its user's role allows; a session is not limited (FULL). */
enum auth_scope {
    AUTH_SCOPE_FULL = 0,
    AUTH_SCOPE_READ,
    AUTH_SCOPE_SUBMIT,
    AUTH_SCOPE_ADMIN,
};

enum auth_via {
    AUTH_VIA_NONE = 0,       /* anonymous */
    AUTH_VIA_SESSION,        /* the sid cookie of a signed-in browser */
    AUTH_VIA_TOKEN,          /* Authorization: Bearer, on the JSON API */
};

struct auth_principal {
    enum auth_via via;
    enum auth_role role;
    enum auth_scope scope;
    const char *user_id;
    const char *email;
    const char *display_name;
    const char *institution_id;   /* NULL until institutions exist and a contact is linked */
    const char *session_token;    /* the cookie's token (via SESSION only): the CSRF value comes from it */
    const char *token_id;         /* the API token's id (via TOKEN only) */
};

extern const struct auth_principal auth_anonymous;

static inline bool auth_signed_in(const struct auth_principal *p)
{
    return p && p->via != AUTH_VIA_NONE && p->user_id;
}

/* "admin", "coordinator"... as stored; NULL for AUTH_ROLE_NONE. */
const char *auth_role_name(enum auth_role r);
/* AUTH_ROLE_NONE when name is not a role. */
enum auth_role auth_role_parse(const char *name);
/* The English label (a msgid: translate it): "Administrator", "Selection panel member"... */
const char *auth_role_label(enum auth_role r);

/* "read", "submit", "admin"; NULL for AUTH_SCOPE_FULL. */
const char *auth_scope_name(enum auth_scope s);
/* AUTH_SCOPE_FULL when name is not a token scope. */
enum auth_scope auth_scope_parse(const char *name);
const char *auth_scope_label(enum auth_scope s);

#endif

#include "auth/principal.h"

#include "base/i18n.h"

#include <stddef.h>
#include <string.h>

const struct auth_principal auth_anonymous = {.via = AUTH_VIA_NONE, .role = AUTH_ROLE_NONE};

static const struct {
    const char *name;
    const char *label;
} roles[AUTH_ROLE_COUNT] = {
    [AUTH_ROLE_NONE] = {NULL, N_("Anonymous")},
    [AUTH_ROLE_ADMIN] = {"admin", N_("Administrator")},
    [AUTH_ROLE_COORDINATOR] = {"coordinator", N_("Coordinator")},
    [AUTH_ROLE_PANEL] = {"panel", N_("Selection panel member")},
    [AUTH_ROLE_INSTITUTION] = {"institution", N_("Institution contact")},
    [AUTH_ROLE_TRAINER] = {"trainer", N_("Trainer")},
    [AUTH_ROLE_PARTNER] = {"partner", N_("Partner (reports only)")},
};

const char *auth_role_name(enum auth_role r)
{
    return (unsigned)r < AUTH_ROLE_COUNT ? roles[r].name : NULL;
}

enum auth_role auth_role_parse(const char *name)
{
    for (int r = 1; name && r < AUTH_ROLE_COUNT; r++)
        if (strcmp(roles[r].name, name) == 0) return (enum auth_role)r;
    return AUTH_ROLE_NONE;
}

const char *auth_role_label(enum auth_role r)
{
    return (unsigned)r < AUTH_ROLE_COUNT ? roles[r].label : roles[0].label;
}

static const struct {
    const char *name;
    const char *label;
} scopes[] = {
    [AUTH_SCOPE_FULL] = {NULL, N_("Everything the account may do")},
    [AUTH_SCOPE_READ] = {"read", N_("Read")},
    [AUTH_SCOPE_SUBMIT] = {"submit", N_("Read and submit answers")},
    [AUTH_SCOPE_ADMIN] = {"admin", N_("Administration")},
};

const char *auth_scope_name(enum auth_scope s)
{
    return (unsigned)s <= AUTH_SCOPE_ADMIN ? scopes[s].name : NULL;
}

enum auth_scope auth_scope_parse(const char *name)
{
    for (int s = 1; name && s <= AUTH_SCOPE_ADMIN; s++)
        if (strcmp(scopes[s].name, name) == 0) return (enum auth_scope)s;
    return AUTH_SCOPE_FULL;
}

const char *auth_scope_label(enum auth_scope s)
{
    return (unsigned)s <= AUTH_SCOPE_ADMIN ? scopes[s].label : scopes[0].label;
}

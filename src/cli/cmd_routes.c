/* edubridge routes [--matrix]: every route the server answers with its policy action, or the
 * matrix of actions and roles. Not listed by `edubridge help`: it is for the docs
 * (docs/security.md pastes the matrix) and for tests/integration/test_policy.py, which walks every
 * route this prints, so that no route can be added without the test trying it. */
#include "cli/cli.h"

#include "auth/policy.h"
#include "http/http.h"
#include "web/web.h"

#include <stdio.h>
#include <string.h>

static const char help[] =
    "Usage: edubridge routes [--matrix]\n\n"
    "Lists every route of the web application, one a line, tab-separated: method, pattern, policy\n"
    "action, surface (page, respondent or api) and whether a POST must carry the CSRF value.\n"
    "A route whose action is NONE is refused to everyone.\n\n"
    "  --matrix   instead, the actions against the roles as a Markdown table\n";

static const char *surface_name(enum policy_surface s)
{
    switch (s) {
    case POLICY_PAGE: return "page";
    case POLICY_RESPONDENT: return "respondent";
    case POLICY_API: return "api";
    case POLICY_CLI: return "cli";
    }
    return "?";
}

static void print_route(void *ctx, unsigned methods, const char *pattern, enum policy_action action)
{
    (void)ctx;
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {{HTTP_GET, "GET"}, {HTTP_POST, "POST"}, {HTTP_PUT, "PUT"}, {HTTP_DELETE, "DELETE"},
                 {HTTP_PATCH, "PATCH"}, {HTTP_OPTIONS, "OPTIONS"}};
    const struct policy_action_info *info = policy_action_info(action);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!(methods & names[i].bit)) continue;
        bool csrf = names[i].bit != HTTP_GET && info->surface == POLICY_PAGE;
        printf("%s\t%s\t%s\t%s\t%s\n", names[i].name, pattern, info->name, surface_name(info->surface),
               csrf ? "csrf" : "-");
    }
}

/* What a role may do: "yes"; "own" when only with records of their own (the handler checks the
 * record); "(own)" when the rule allows their own records but no route narrows to them yet, so
 * the gate refuses; "no". */
static const char *cell(enum policy_action a, enum auth_role role)
{
    struct auth_principal who = {.via = AUTH_VIA_SESSION, .role = role, .scope = AUTH_SCOPE_FULL,
                                 .user_id = "u-1", .email = "someone@example.org", .display_name = "Someone",
                                 .institution_id = role == AUTH_ROLE_INSTITUTION ? "i-1" : NULL};
    const struct auth_principal *p = role == AUTH_ROLE_NONE ? &auth_anonymous : &who;
    struct policy_target own = {.form_id = "f", .institution_id = "i-1", .trainer_user_id = "u-1",
                                .owner_user_id = "u-1"};
    struct policy_target other = {.form_id = "f", .institution_id = "i-2", .trainer_user_id = "u-2",
                                  .owner_user_id = "u-2"};
    bool gate = policy_allows(p, a, NULL);
    bool mine = policy_allows(p, a, &own), theirs = policy_allows(p, a, &other);
    if (gate && mine && theirs) return "yes";
    if (gate && mine) return "own";
    if (mine) return "(own)";
    return "no";
}

static const char *scope_needed(const struct policy_action_info *info)
{
    if (info->surface != POLICY_API) return "–";
    switch (info->kind) {
    case POLICY_READS: return "read";
    case POLICY_SUBMITS: return "submit";
    case POLICY_CHANGES: return "admin";
    }
    return "?";
}

static void print_matrix(void)
{
    printf("| action | what | where | anonymous");
    for (int r = AUTH_ROLE_ADMIN; r < AUTH_ROLE_COUNT; r++) printf(" | %s", auth_role_name((enum auth_role)r));
    printf(" | token scope |\n|---|---|---|---");
    for (int r = AUTH_ROLE_ADMIN; r < AUTH_ROLE_COUNT; r++) printf("|---");
    printf("|---|\n");
    for (int a = POLICY_NONE + 1; a < POLICY_ACTION_COUNT; a++) {
        const struct policy_action_info *info = policy_action_info((enum policy_action)a);
        printf("| %s | %s | %s", info->name, info->summary, surface_name(info->surface));
        for (int r = AUTH_ROLE_NONE; r < AUTH_ROLE_COUNT; r++) printf(" | %s", cell((enum policy_action)a, (enum auth_role)r));
        printf(" | %s |\n", scope_needed(info));
    }
}

int cmd_routes(int argc, char **argv)
{
    bool matrix = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            fputs(help, stdout);
            return 0;
        }
        if (strcmp(argv[i], "--matrix") == 0) matrix = true;
        else return cli_usage_error("routes", "unexpected argument '%s'", argv[i]);
    }
    if (matrix) print_matrix();
    else web_routes_each(print_route, NULL);
    return 0;
}

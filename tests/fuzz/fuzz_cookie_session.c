/* libFuzzer target for what a request's credentials go through before any database is asked:
 * the Cookie header (http/params), the session and CSRF cookies' shape (auth/token), the CSRF
 * checks (auth/csrf), the Authorization header's Bearer parsing and the API token's shape
 * (auth/api_tokens), and the names of roles, scopes and policy actions read from the database.
 *
 * The input is up to three lines: a Cookie header, a posted _csrf value and an Authorization
 * header (a missing line is a missing header or field: NULL). Each run has a fresh arena.
 *
 * Invariants: the cookies parse as http_params do (fuzz_httpparse checks their shape); a token is
 * well formed exactly when it is 43 base64url characters; token_equal is strcmp == 0 for non-empty
 * strings (an empty one matches nothing); a session's
 * CSRF value is well formed, accepted for that session, refused when one character changes and
 * refused for NULL; csrf_session_ok accepts only that value, and only for a well-formed session
 * token; the double-submit check accepts exactly a well-formed cookie repeated; a Bearer header
 * gives a token that is the header's own tail, after "Bearer" in any case and its spaces; an API
 * token is well formed exactly when it is "eb_" and a well-formed token; a parsed role, scope or
 * action name writes back as the same name. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "auth/api_tokens.h"
#include "auth/csrf.h"
#include "auth/policy.h"
#include "auth/principal.h"
#include "auth/token.h"
#include "base/arena.h"
#include "http/http.h"
#include "http/params.h"

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                   \
        }                                                                              \
    } while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (sodium_init() < 0) abort();
    return 0;
}

/* The shape token_well_formed must accept, written out independently. */
static bool shaped_like_token(const char *s)
{
    if (!s || strlen(s) != TOKEN_TEXT_LEN) return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
            return false;
    return true;
}

static void check_token(const char *t, const char *other)
{
    bool ok = token_well_formed(t);
    CHECK(ok == shaped_like_token(t));
    if (!t) return;
    /* an empty value never matches, not even another empty one */
    CHECK(token_equal(t, t) == (*t != '\0'));
    if (other) CHECK(token_equal(t, other) == (*t && strcmp(t, other) == 0));
    char hash[TOKEN_HASH_SIZE], again[TOKEN_HASH_SIZE];
    token_hash(t, hash);
    token_hash(t, again);
    CHECK(strlen(hash) == 64 && strspn(hash, "0123456789abcdef") == 64);
    CHECK(strcmp(hash, again) == 0);
}

static void check_csrf(const char *sid, const char *csrf_cookie, const char *given)
{
    bool session_ok = csrf_session_ok(sid, given);
    if (token_well_formed(sid)) {
        char value[CSRF_TEXT_SIZE];
        csrf_for_session(sid, value);
        CHECK(token_well_formed(value));
        CHECK(csrf_session_ok(sid, value));
        CHECK(!csrf_session_ok(sid, NULL));
        CHECK(session_ok == (given && strcmp(given, value) == 0));
        char near[CSRF_TEXT_SIZE];
        memcpy(near, value, sizeof near);
        near[TOKEN_TEXT_LEN - 1] = near[TOKEN_TEXT_LEN - 1] == 'A' ? 'B' : 'A';
        CHECK(!csrf_session_ok(sid, near));
        near[TOKEN_TEXT_LEN - 1] = '\0';
        CHECK(!csrf_session_ok(sid, near));
    } else {
        CHECK(!session_ok);
    }
    bool double_ok = csrf_double_submit_ok(csrf_cookie, given);
    CHECK(double_ok == (token_well_formed(csrf_cookie) && given && strcmp(csrf_cookie, given) == 0));
}

static void check_bearer(const char *header)
{
    const char *token = (const char *)1;
    enum api_bearer kind = api_token_from_header(header, &token);
    if (!header) {
        CHECK(kind == API_BEARER_NONE && !token);
        return;
    }
    if (kind == API_BEARER_MALFORMED) {
        CHECK(!token);
        CHECK(strncasecmp(header, "Bearer ", 7) != 0);
        return;
    }
    CHECK(kind == API_BEARER_TOKEN);
    CHECK(strncasecmp(header, "Bearer ", 7) == 0);
    CHECK(token >= header + 7 && token <= header + strlen(header)); /* the header's own tail */
    CHECK(*token != ' ');
    for (const char *p = header + 7; p < token; p++) CHECK(*p == ' ');
    bool ok = api_token_well_formed(token);
    CHECK(ok == (strncmp(token, "eb_", 3) == 0 && shaped_like_token(token + 3)));
}

static void check_names(const char *s)
{
    enum auth_role r = auth_role_parse(s);
    if (r != AUTH_ROLE_NONE) CHECK(strcmp(auth_role_name(r), s) == 0);
    enum auth_scope sc = auth_scope_parse(s);
    if (sc != AUTH_SCOPE_FULL) CHECK(strcmp(auth_scope_name(sc), s) == 0);
    enum policy_action a = policy_action_parse(s);
    if (a != POLICY_NONE) CHECK(strcmp(policy_action_info(a)->name, s) == 0);
}

/* The next line of *p (NUL-terminated in place), or NULL when there is none. */
static char *next_line(char **p)
{
    if (!*p) return NULL;
    char *line = *p;
    char *nl = strchr(line, '\n');
    if (nl) {
        *nl = '\0';
        *p = nl + 1;
    } else {
        *p = NULL;
    }
    return line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena a;
    arena_init(&a, 4096);
    char *text = arena_strndup(&a, (const char *)data, size); /* as headers: up to a NUL */
    char *rest = text;
    const char *cookie_header = next_line(&rest);
    const char *given = next_line(&rest);
    const char *authorization = next_line(&rest);

    struct http_request req = {.arena = &a};
    params_parse_cookies(&a, cookie_header, &req.cookies);
    const char *sid = http_cookie(&req, "sid");
    const char *csrf_cookie = http_cookie(&req, "csrf");

    check_token(sid, given);
    check_token(csrf_cookie, sid);
    check_token(given, csrf_cookie);
    check_csrf(sid, csrf_cookie, given);
    check_csrf(given, given, sid); /* the posted value as a session token too */
    check_bearer(authorization);
    check_bearer(given);
    check_names(given ? given : "");
    for (size_t i = 0; i < req.cookies.count; i++) check_names(req.cookies.items[i].value);
    arena_free(&a);
    return 0;
}

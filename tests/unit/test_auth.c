/* Tests for auth/: passwords (hash, verify, policy, rehash, the dummy), tokens and their hashes,
 * email normalisation, the CSRF values, the throttle's arithmetic and its table, and on a real
 * database: users, sessions (idle expiry, writes at most once a minute, fixation), sign-in
 * outcomes, reset links (once, expiry), API tokens (scope, revocation, disabled users).
 * The argon2id cost is lowered to its minimum so that the suite stays fast. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "auth/api_tokens.h"
#include "auth/csrf.h"
#include "auth/demo_accounts.h"
#include "auth/outbox.h"
#include "auth/password.h"
#include "auth/principal.h"
#include "auth/reset.h"
#include "auth/session.h"
#include "auth/signin.h"
#include "auth/throttle.h"
#include "auth/token.h"
#include "auth/users.h"
#include "base/id.h"
#include "base/timeutil.h"
#include "testdb.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const int64_t T0 = 1735689600000; /* 2025-01-01T00:00:00Z: a fixed "now", in the past */

static int fast_cost(void **state)
{
    (void)state;
    password_set_cost(1, 8192);
    return 0;
}

/* ---- passwords -------------------------------------------------------------------------------- */

static void test_password_hash_and_verify(void **state)
{
    (void)state;
    char h1[PASSWORD_HASH_SIZE], h2[PASSWORD_HASH_SIZE];
    assert_int_equal(password_hash("correct horse battery", h1, NULL), 0);
    assert_int_equal(password_hash("correct horse battery", h2, NULL), 0);
    assert_true(strncmp(h1, "$argon2id$", 10) == 0);
    assert_string_not_equal(h1, h2); /* salted */
    assert_true(password_verify(h1, "correct horse battery"));
    assert_true(password_verify(h2, "correct horse battery"));
    assert_false(password_verify(h1, "correct horse batterY"));
    assert_false(password_verify(h1, ""));
    assert_false(password_verify(h1, NULL));
    assert_false(password_verify(NULL, "x"));
    assert_false(password_verify("", ""));
    assert_false(password_verify("plain text", "plain text")); /* a stored value that is no hash */
    assert_false(password_verify_dummy("correct horse battery"));
    assert_false(password_verify_dummy(NULL));

    /* UTF-8 passwords are bytes like any other */
    assert_int_equal(password_hash("pâté façon grand-mère", h1, NULL), 0);
    assert_true(password_verify(h1, "pâté façon grand-mère"));
    assert_false(password_verify(h1, "pate facon grand-mere"));
}

static void test_password_rehash_when_cost_changes(void **state)
{
    (void)state;
    char h[PASSWORD_HASH_SIZE];
    assert_int_equal(password_hash("a long password", h, NULL), 0);
    assert_false(password_needs_rehash(h));
    password_set_cost(2, 16384);
    assert_true(password_needs_rehash(h)); /* older parameters */
    assert_true(password_verify(h, "a long password")); /* still verifies */
    char h2[PASSWORD_HASH_SIZE];
    assert_int_equal(password_hash("a long password", h2, NULL), 0);
    assert_false(password_needs_rehash(h2));
    assert_non_null(strstr(h2, "m=16,t=2"));
    assert_true(password_needs_rehash("not a hash"));
    assert_true(password_needs_rehash(NULL));
    /* the dummy follows the cost too: it still refuses */
    assert_false(password_verify_dummy("a long password"));
    password_set_cost(1, 8192);
    /* the default is what the comment in password.h measured */
    assert_true(PASSWORD_DEFAULT_OPSLIMIT == 2);
    assert_true(PASSWORD_DEFAULT_MEMLIMIT == (size_t)64 << 20);
}

static void test_password_policy(void **state)
{
    (void)state;
    assert_int_equal(password_acceptable("0123456789"), PASSWORD_OK);
    assert_int_equal(password_acceptable("012345678"), PASSWORD_TOO_SHORT);
    assert_int_equal(password_acceptable(""), PASSWORD_TOO_SHORT);
    assert_int_equal(password_acceptable(NULL), PASSWORD_TOO_SHORT);
    /* characters, not bytes: 9 two-byte letters are still too short, 10 are enough */
    assert_int_equal(password_acceptable("ééééééééé"), PASSWORD_TOO_SHORT);
    assert_int_equal(password_acceptable("éééééééééé"), PASSWORD_OK);
    assert_int_equal(password_acceptable("with\nnewline1"), PASSWORD_NOT_TEXT);
    assert_int_equal(password_acceptable("bad \xff utf-8 bytes"), PASSWORD_NOT_TEXT);
    char big[PASSWORD_MAX_BYTES + 2];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(password_acceptable(big), PASSWORD_TOO_LONG);
    big[PASSWORD_MAX_BYTES] = '\0';
    assert_int_equal(password_acceptable(big), PASSWORD_OK);
    assert_null(password_problem_text(PASSWORD_OK));
    assert_non_null(strstr(password_problem_text(PASSWORD_TOO_SHORT), "10 characters"));
}

/* ---- tokens and CSRF ------------------------------------------------------------------------ */

static void test_tokens(void **state)
{
    (void)state;
    char a[TOKEN_TEXT_SIZE], b[TOKEN_TEXT_SIZE];
    token_new(a);
    token_new(b);
    assert_int_equal(strlen(a), 43);
    assert_true(token_well_formed(a));
    assert_string_not_equal(a, b);
    for (const char *p = a; *p; p++) assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", *p));

    static const char *const bad[] = {"", "short", "A234567890123456789012345678901234567890123 ",
                                      "A2345678901234567890123456789012345678901234",
                                      "A23456789012345678901234567890123456789012+",
                                      "A23456789012345678901234567890123456789012=", NULL};
    for (size_t i = 0; i < COUNT(bad); i++) assert_false(token_well_formed(bad[i]));
    assert_true(token_well_formed("A234567890123456789012345678901234567890123"));

    /* the stored form: 64 hex digits, stable, different for different tokens, never the token */
    char h1[TOKEN_HASH_SIZE], h2[TOKEN_HASH_SIZE], h3[TOKEN_HASH_SIZE];
    token_hash(a, h1);
    token_hash(a, h2);
    token_hash(b, h3);
    assert_int_equal(strlen(h1), 64);
    assert_string_equal(h1, h2);
    assert_string_not_equal(h1, h3);
    assert_null(strstr(h1, a));
    /* BLAKE2b-256 of "abc" (RFC 7693's test input) */
    token_hash("abc", h1);
    assert_string_equal(h1, "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");

    assert_true(token_equal("abc", "abc"));
    assert_false(token_equal("abc", "abd"));
    assert_false(token_equal("abc", "abcd"));
    assert_false(token_equal("", ""));
    assert_false(token_equal(NULL, "abc"));
    assert_false(token_equal("abc", NULL));
}

static void test_csrf(void **state)
{
    (void)state;
    char session[TOKEN_TEXT_SIZE], other[TOKEN_TEXT_SIZE], v[CSRF_TEXT_SIZE], v2[CSRF_TEXT_SIZE];
    token_new(session);
    token_new(other);
    csrf_for_session(session, v);
    csrf_for_session(session, v2);
    assert_string_equal(v, v2);             /* stable for a session */
    assert_int_equal(strlen(v), 43);
    assert_string_not_equal(v, session);    /* not the token itself */
    assert_true(csrf_session_ok(session, v));
    csrf_for_session(other, v2);
    assert_string_not_equal(v, v2);         /* another session, another value */
    assert_false(csrf_session_ok(session, v2));
    assert_false(csrf_session_ok(session, NULL));
    assert_false(csrf_session_ok(session, ""));
    assert_false(csrf_session_ok(session, session));
    char cut[CSRF_TEXT_SIZE];
    snprintf(cut, sizeof cut, "%.42s", v);
    assert_false(csrf_session_ok(session, cut));
    assert_false(csrf_session_ok(NULL, v));
    assert_false(csrf_session_ok("not a token", v));

    /* double submit: the form repeats a well-formed cookie */
    assert_true(csrf_double_submit_ok(other, other));
    assert_false(csrf_double_submit_ok(other, session));
    assert_false(csrf_double_submit_ok(other, NULL));
    assert_false(csrf_double_submit_ok(NULL, NULL));
    assert_false(csrf_double_submit_ok("", ""));
    assert_false(csrf_double_submit_ok("x", "x")); /* a cookie an attacker wrote by hand */
}

/* ---- emails, roles ---------------------------------------------------------------------------- */

static void test_email_normalisation(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 1024);
    static const struct {
        const char *in, *out;
    } ok[] = {
        {"ada@example.org", "ada@example.org"},
        {"  Ada.Lovelace@Example.ORG \t\n", "ada.lovelace@example.org"},
        {"ADA+tag@EXAMPLE.org", "ada+tag@example.org"},
        {"Élodie@Exemple.fr", "Élodie@exemple.fr"}, /* ASCII letters only change case */
        {"a@b", "a@b"},
    };
    for (size_t i = 0; i < COUNT(ok); i++) {
        const char *out = NULL;
        struct err e;
        err_clear(&e);
        if (user_normalise_email(&a, ok[i].in, &out, &e) != 0) fail_msg("'%s': %s", ok[i].in, e.msg);
        assert_string_equal(out, ok[i].out);
    }
    static const char *const bad[] = {"", "   ", "no-at-sign", "@example.org", "ada@", "ada@@example.org",
                                      "a@b@c", "ada lovelace@example.org", "ada@exa mple.org", "ada@.org",
                                      "ada@example.", "ada\x01@example.org", "\xff@example.org", NULL};
    for (size_t i = 0; i < COUNT(bad); i++) {
        const char *out = NULL;
        struct err e;
        err_clear(&e);
        assert_int_equal(user_normalise_email(&a, bad[i], &out, &e), ERR_INVALID);
        assert_true(e.msg[0]);
    }
    char longer[300];
    memset(longer, 'a', sizeof longer);
    memcpy(longer + 280, "@example.org", 13);
    const char *out;
    assert_int_equal(user_normalise_email(&a, longer, &out, NULL), ERR_INVALID);
    arena_free(&a);
}

static void test_roles_and_scopes(void **state)
{
    (void)state;
    static const char *const names[] = {"admin", "coordinator", "panel", "institution", "trainer", "partner"};
    for (size_t i = 0; i < COUNT(names); i++) {
        enum auth_role r = auth_role_parse(names[i]);
        assert_int_not_equal(r, AUTH_ROLE_NONE);
        assert_string_equal(auth_role_name(r), names[i]);
        assert_non_null(auth_role_label(r));
    }
    assert_int_equal(auth_role_parse("Admin"), AUTH_ROLE_NONE);
    assert_int_equal(auth_role_parse("root"), AUTH_ROLE_NONE);
    assert_int_equal(auth_role_parse(NULL), AUTH_ROLE_NONE);
    assert_null(auth_role_name(AUTH_ROLE_NONE));
    assert_int_equal(auth_scope_parse("read"), AUTH_SCOPE_READ);
    assert_int_equal(auth_scope_parse("submit"), AUTH_SCOPE_SUBMIT);
    assert_int_equal(auth_scope_parse("admin"), AUTH_SCOPE_ADMIN);
    assert_int_equal(auth_scope_parse("write"), AUTH_SCOPE_FULL);
    assert_null(auth_scope_name(AUTH_SCOPE_FULL));
    assert_false(auth_signed_in(&auth_anonymous));
    assert_false(auth_signed_in(NULL));
}

/* ---- throttle --------------------------------------------------------------------------------- */

static void test_throttle_maths(void **state)
{
    (void)state;
    for (int f = 0; f < THROTTLE_ACCOUNT_FREE; f++) assert_int_equal(throttle_delay_s(f, THROTTLE_ACCOUNT_FREE), 0);
    assert_int_equal(throttle_delay_s(5, 5), 2);
    assert_int_equal(throttle_delay_s(6, 5), 4);
    assert_int_equal(throttle_delay_s(7, 5), 8);
    assert_int_equal(throttle_delay_s(13, 5), 512);
    assert_int_equal(throttle_delay_s(14, 5), THROTTLE_MAX_DELAY_S); /* 1024 capped at 900 */
    assert_int_equal(throttle_delay_s(1000000, 5), THROTTLE_MAX_DELAY_S);
    assert_int_equal(throttle_delay_s(INT64_MAX, 5), THROTTLE_MAX_DELAY_S);
    assert_int_equal(throttle_delay_s(19, THROTTLE_ADDRESS_FREE), 0);
    assert_int_equal(throttle_delay_s(20, THROTTLE_ADDRESS_FREE), 2);
    /* growing, never shrinking */
    for (int f = 1; f < 100; f++) assert_true(throttle_delay_s(f, 5) >= throttle_delay_s(f - 1, 5));
}

static void test_throttle_table(void **state)
{
    (void)state;
    struct testdb t;
    testdb_open(&t, "auth-throttle");
    int64_t wait = -1;
    const char *key = "email:ada@example.org";
    assert_int_equal(throttle_wait_s(t.st, key, 5, T0, &wait, &t.e), 0);
    assert_int_equal(wait, 0);
    for (int i = 0; i < 4; i++) assert_int_equal(throttle_fail(t.st, key, T0 + i * 1000, &t.e), 0);
    assert_int_equal(throttle_wait_s(t.st, key, 5, T0 + 3000, &wait, &t.e), 0);
    assert_int_equal(wait, 0); /* four failures: free */
    assert_int_equal(throttle_fail(t.st, key, T0 + 4000, &t.e), 0);
    assert_int_equal(throttle_wait_s(t.st, key, 5, T0 + 4000, &wait, &t.e), 0);
    assert_int_equal(wait, 2);
    assert_int_equal(throttle_wait_s(t.st, key, 5, T0 + 5500, &wait, &t.e), 0);
    assert_int_equal(wait, 1); /* rounded up */
    assert_int_equal(throttle_wait_s(t.st, key, 5, T0 + 6000, &wait, &t.e), 0);
    assert_int_equal(wait, 0);
    assert_int_equal(throttle_fail(t.st, key, T0 + 6000, &t.e), 0);
    assert_int_equal(throttle_wait_s(t.st, key, 5, T0 + 6000, &wait, &t.e), 0);
    assert_int_equal(wait, 4);
    /* other keys are not touched */
    assert_int_equal(throttle_wait_s(t.st, "addr:192.0.2.1", 5, T0 + 6000, &wait, &t.e), 0);
    assert_int_equal(wait, 0);
    /* a day later the count starts again */
    int64_t later = T0 + 6000 + (int64_t)THROTTLE_FORGET_S * 1000 + 1;
    assert_int_equal(throttle_wait_s(t.st, key, 5, later, &wait, &t.e), 0);
    assert_int_equal(wait, 0);
    assert_int_equal(throttle_fail(t.st, key, later, &t.e), 0);
    assert_int_equal(throttle_wait_s(t.st, key, 1, later, &wait, &t.e), 0);
    assert_int_equal(wait, 2); /* one failure counted, not seven */
    assert_int_equal(throttle_clear(t.st, key, &t.e), 0);
    assert_int_equal(throttle_wait_s(t.st, key, 1, later, &wait, &t.e), 0);
    assert_int_equal(wait, 0);
    testdb_close(&t);
}

/* ---- users, sessions, sign-in ----------------------------------------------------------------- */

static const char *add_user(struct testdb *t, const char *email, enum auth_role role, const char *pw)
{
    struct user u;
    struct user_new in = {.email = email, .role = role};
    if (user_add(t->st, &t->a, &in, pw, &u, &t->e) < 0) fail_msg("user_add %s: %s", email, t->e.msg);
    return u.id;
}

static int64_t count(struct store *st, const char *sql)
{
    struct store_stmt *s = store_prepare(st, sql, NULL);
    assert_non_null(s);
    assert_int_equal(store_step(s, NULL), 1);
    int64_t n = store_col_int(s, 0);
    store_done(s);
    return n;
}

static void test_users(void **state)
{
    (void)state;
    struct testdb t;
    testdb_open(&t, "auth-users");
    struct user u;
    struct user_new in = {.email = " Ada@Example.org ", .display_name = "  Ada Lovelace ", .role = AUTH_ROLE_COORDINATOR};
    assert_int_equal(user_add(t.st, &t.a, &in, "analytical engine", &u, &t.e), 0);
    assert_true(id_valid(u.id));
    assert_string_equal(u.email, "ada@example.org");
    assert_string_equal(u.display_name, "Ada Lovelace");
    assert_int_equal(u.role, AUTH_ROLE_COORDINATOR);
    /* no password in the clear anywhere, an argon2id hash instead */
    assert_int_equal(count(t.st, "SELECT count(*) FROM users WHERE password_hash LIKE '$argon2id$%'"), 1);
    assert_int_equal(count(t.st, "SELECT count(*) FROM users WHERE instr(password_hash, 'analytical') > 0"), 0);

    /* the same address in another case is taken */
    struct user_new dup = {.email = "ADA@example.ORG", .role = AUTH_ROLE_PANEL};
    assert_int_equal(user_add(t.st, &t.a, &dup, "analytical engine", NULL, &t.e), ERR_CONFLICT);
    /* refused before anything is stored */
    struct user_new weak = {.email = "bob@example.org", .role = AUTH_ROLE_PANEL};
    assert_int_equal(user_add(t.st, &t.a, &weak, "short", NULL, &t.e), ERR_INVALID);
    struct user_new norole = {.email = "bob@example.org"};
    assert_int_equal(user_add(t.st, &t.a, &norole, "long enough password", NULL, &t.e), ERR_INVALID);
    struct user_new noemail = {.email = "bob", .role = AUTH_ROLE_PANEL};
    assert_int_equal(user_add(t.st, &t.a, &noemail, "long enough password", NULL, &t.e), ERR_INVALID);
    /* the name defaults to the address's local part */
    struct user_new plain = {.email = "bob@example.org", .role = AUTH_ROLE_TRAINER};
    assert_int_equal(user_add(t.st, &t.a, &plain, "long enough password", &u, &t.e), 0);
    assert_string_equal(u.display_name, "bob");

    const char *hash = NULL;
    assert_int_equal(user_find_by_email(t.st, &t.a, "ADA@EXAMPLE.ORG", &u, &hash, &t.e), 0);
    assert_string_equal(u.email, "ada@example.org");
    assert_true(password_verify(hash, "analytical engine"));
    assert_int_equal(user_find_by_email(t.st, &t.a, "carol@example.org", &u, NULL, &t.e), ERR_NOT_FOUND);
    assert_int_equal(user_find_by_email(t.st, &t.a, "not an email", &u, NULL, &t.e), ERR_NOT_FOUND);

    struct user *list;
    size_t n;
    assert_int_equal(user_list(t.st, &t.a, &list, &n, &t.e), 0);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].email, "ada@example.org");
    assert_string_equal(list[1].email, "bob@example.org");
    assert_null(list[0].disabled_at);

    assert_int_equal(user_disable(t.st, "Bob@example.org", NULL, &t.e), 0);
    assert_int_equal(user_disable(t.st, "bob@example.org", NULL, &t.e), ERR_CONFLICT);
    assert_int_equal(user_disable(t.st, "nobody@example.org", NULL, &t.e), ERR_NOT_FOUND);
    assert_int_equal(user_find_by_email(t.st, &t.a, "bob@example.org", &u, NULL, &t.e), 0);
    assert_non_null(u.disabled_at);
    testdb_close(&t);
}

static void test_sessions(void **state)
{
    (void)state;
    struct testdb t;
    testdb_open(&t, "auth-sessions");
    const char *uid = add_user(&t, "ada@example.org", AUTH_ROLE_ADMIN, "analytical engine");
    char tok[TOKEN_TEXT_SIZE];
    assert_int_equal(session_create(t.st, uid, T0, 3600, tok, &t.e), 0);
    /* stored hashed: the token itself is nowhere in the table */
    char hash[TOKEN_HASH_SIZE];
    token_hash(tok, hash);
    struct store_stmt *s = store_prepare(t.st, "SELECT token_hash FROM sessions", NULL);
    assert_int_equal(store_step(s, NULL), 1);
    assert_string_equal(store_col_text(s, 0), hash);
    store_done(s);

    struct auth_principal p;
    assert_int_equal(session_lookup(t.st, &t.a, tok, T0 + 1000, 3600, &p, &t.e), 0);
    assert_int_equal(p.via, AUTH_VIA_SESSION);
    assert_int_equal(p.role, AUTH_ROLE_ADMIN);
    assert_string_equal(p.user_id, uid);
    assert_string_equal(p.email, "ada@example.org");
    assert_string_equal(p.session_token, tok);
    assert_true(auth_signed_in(&p));

    /* last_seen_at moves at most once a minute */
    const char *seen = "SELECT last_seen_at FROM sessions";
    char iso[32];
    assert_int_equal(session_lookup(t.st, &t.a, tok, T0 + 59 * 1000, 3600, &p, &t.e), 0);
    s = store_prepare(t.st, seen, NULL);
    assert_int_equal(store_step(s, NULL), 1);
    time_format_iso(T0, iso, sizeof iso);
    assert_string_equal(store_col_text(s, 0), iso);
    store_done(s);
    assert_int_equal(session_lookup(t.st, &t.a, tok, T0 + 61 * 1000, 3600, &p, &t.e), 0);
    s = store_prepare(t.st, seen, NULL);
    assert_int_equal(store_step(s, NULL), 1);
    time_format_iso(T0 + 61 * 1000, iso, sizeof iso);
    assert_string_equal(store_col_text(s, 0), iso);
    store_done(s);

    /* sliding: an hour after the last use it is gone, not an hour after sign-in */
    assert_int_equal(session_lookup(t.st, &t.a, tok, T0 + 3600 * 1000 + 30 * 1000, 3600, &p, &t.e), 0);
    int64_t last = T0 + 3600 * 1000 + 30 * 1000;
    assert_int_equal(session_lookup(t.st, &t.a, tok, last + 3600 * 1000 + 1, 3600, &p, &t.e), ERR_NOT_FOUND);

    /* unknown and malformed tokens */
    char other[TOKEN_TEXT_SIZE];
    token_new(other);
    assert_int_equal(session_lookup(t.st, &t.a, other, T0, 3600, &p, &t.e), ERR_NOT_FOUND);
    assert_int_equal(session_lookup(t.st, &t.a, "x", T0, 3600, &p, &t.e), ERR_NOT_FOUND);
    assert_int_equal(session_lookup(t.st, &t.a, NULL, T0, 3600, &p, &t.e), ERR_NOT_FOUND);
    assert_int_equal(session_lookup(t.st, &t.a, hash, T0, 3600, &p, &t.e), ERR_NOT_FOUND); /* the hash opens nothing */

    /* sign-out, and a new session sweeps the expired ones */
    int64_t now = time_now_ms();
    assert_int_equal(session_create(t.st, uid, now, 0, tok, &t.e), 0); /* 0: the default, 8 h */
    assert_int_equal(session_lookup(t.st, &t.a, tok, now + 7 * 3600 * 1000, 0, &p, &t.e), 0);
    assert_int_equal(count(t.st, "SELECT count(*) FROM sessions"), 1);
    assert_int_equal(session_end(t.st, tok, &t.e), 0);
    assert_int_equal(session_lookup(t.st, &t.a, tok, now, 0, &p, &t.e), ERR_NOT_FOUND);
    assert_int_equal(session_end(t.st, "junk", &t.e), 0);

    /* a disabled account's sessions end */
    assert_int_equal(session_create(t.st, uid, now, 0, tok, &t.e), 0);
    assert_int_equal(user_disable(t.st, "ada@example.org", NULL, &t.e), 0);
    assert_int_equal(session_lookup(t.st, &t.a, tok, now, 0, &p, &t.e), ERR_NOT_FOUND);
    testdb_close(&t);
}

static void test_signin(void **state)
{
    (void)state;
    struct testdb t;
    testdb_open(&t, "auth-signin");
    const char *uid = add_user(&t, "ada@example.org", AUTH_ROLE_COORDINATOR, "analytical engine");
    struct signin_outcome out;
    int64_t now = time_now_ms();

    assert_int_equal(signin_attempt(t.st, &t.a, "Ada@Example.org", "analytical engine", "192.0.2.1", NULL, now, 0, &out, &t.e), 0);
    assert_int_equal(out.result, SIGNIN_OK);
    assert_string_equal(out.user.id, uid);
    assert_true(token_well_formed(out.token));
    char first[TOKEN_TEXT_SIZE];
    memcpy(first, out.token, sizeof first);

    /* signing in again with the old token: a new token, and the old one is ended (fixation) */
    assert_int_equal(signin_attempt(t.st, &t.a, "ada@example.org", "analytical engine", "192.0.2.1", first, now, 0, &out, &t.e), 0);
    assert_int_equal(out.result, SIGNIN_OK);
    assert_string_not_equal(out.token, first);
    struct auth_principal p;
    assert_int_equal(session_lookup(t.st, &t.a, first, now, 0, &p, &t.e), ERR_NOT_FOUND);
    assert_int_equal(session_lookup(t.st, &t.a, out.token, now, 0, &p, &t.e), 0);

    /* wrong password, unknown email, malformed email: one outcome, no session */
    static const char *const emails[] = {"ada@example.org", "nobody@example.org", "not an email"};
    int64_t sessions = count(t.st, "SELECT count(*) FROM sessions");
    for (size_t i = 0; i < COUNT(emails); i++) {
        assert_int_equal(signin_attempt(t.st, &t.a, emails[i], "wrong password", "192.0.2.2", NULL, now, 0, &out, &t.e), 0);
        assert_int_equal(out.result, SIGNIN_FAILED);
        assert_string_equal(out.token, "");
    }
    assert_int_equal(count(t.st, "SELECT count(*) FROM sessions"), sessions);
    /* failures counted under the account and the address, unknown accounts too */
    assert_int_equal(count(t.st, "SELECT failures FROM signin_throttle WHERE key = 'email:ada@example.org'"), 1);
    assert_int_equal(count(t.st, "SELECT failures FROM signin_throttle WHERE key = 'email:nobody@example.org'"), 1);
    assert_int_equal(count(t.st, "SELECT failures FROM signin_throttle WHERE key = 'addr:192.0.2.2'"), 3);

    /* five failures: the right password waits too; success clears the account's count */
    for (int i = 0; i < 4; i++)
        assert_int_equal(signin_attempt(t.st, &t.a, "ada@example.org", "guess", "192.0.2.3", NULL, now, 0, &out, &t.e), 0);
    assert_int_equal(signin_attempt(t.st, &t.a, "ada@example.org", "analytical engine", "192.0.2.4", NULL, now, 0, &out, &t.e), 0);
    assert_int_equal(out.result, SIGNIN_THROTTLED);
    assert_int_equal(out.wait_s, 2);
    assert_int_equal(signin_attempt(t.st, &t.a, "ada@example.org", "analytical engine", "192.0.2.4", NULL, now + 2000, 0, &out, &t.e), 0);
    assert_int_equal(out.result, SIGNIN_OK);
    assert_int_equal(count(t.st, "SELECT count(*) FROM signin_throttle WHERE key = 'email:ada@example.org'"), 0);
    assert_int_equal(count(t.st, "SELECT failures FROM signin_throttle WHERE key = 'addr:192.0.2.3'"), 4); /* kept */

    /* a stored hash of an older cost is replaced at sign-in */
    password_set_cost(2, 16384);
    assert_int_equal(signin_attempt(t.st, &t.a, "ada@example.org", "analytical engine", "192.0.2.4", NULL, now + 3000, 0, &out, &t.e), 0);
    assert_int_equal(out.result, SIGNIN_OK);
    assert_int_equal(count(t.st, "SELECT count(*) FROM users WHERE password_hash LIKE '%m=16,t=2%'"), 1);
    password_set_cost(1, 8192);

    /* a disabled account fails like a wrong password */
    assert_int_equal(user_disable(t.st, "ada@example.org", NULL, &t.e), 0);
    assert_int_equal(signin_attempt(t.st, &t.a, "ada@example.org", "analytical engine", NULL, NULL, now + 4000, 0, &out, &t.e), 0);
    assert_int_equal(out.result, SIGNIN_FAILED);
    testdb_close(&t);
}

/* ---- reset links ------------------------------------------------------------------------------ */

static void test_reset(void **state)
{
    (void)state;
    struct testdb t;
    testdb_open(&t, "auth-reset");
    const char *uid = add_user(&t, "ada@example.org", AUTH_ROLE_TRAINER, "analytical engine");
    char session[TOKEN_TEXT_SIZE], tok[TOKEN_TEXT_SIZE], tok2[TOKEN_TEXT_SIZE];
    int64_t now = time_now_ms();
    assert_int_equal(session_create(t.st, uid, now, 0, session, &t.e), 0);
    assert_int_equal(reset_create(t.st, uid, now, tok, &t.e), 0);
    assert_int_equal(reset_create(t.st, uid, now + 1000, tok2, &t.e), ERR_LIMIT); /* once a minute */
    assert_int_equal(count(t.st, "SELECT count(*) FROM password_resets"), 1);
    char hash[TOKEN_HASH_SIZE];
    token_hash(tok, hash);
    struct store_stmt *s = store_prepare(t.st, "SELECT token_hash, expires_at FROM password_resets", NULL);
    assert_int_equal(store_step(s, NULL), 1);
    assert_string_equal(store_col_text(s, 0), hash);
    assert_int_equal(time_parse_iso(store_col_text(s, 1)) - now / 1000 * 1000, 3600 * 1000 + now % 1000);
    store_done(s);

    assert_int_equal(reset_check(t.st, tok, now, &t.e), 0);
    assert_int_equal(reset_check(t.st, tok, now + 3600 * 1000, &t.e), ERR_NOT_FOUND); /* an hour on */
    assert_int_equal(reset_check(t.st, "nonsense", now, &t.e), ERR_NOT_FOUND);
    assert_int_equal(reset_use(t.st, tok, "short", now, &t.e), ERR_INVALID);
    assert_int_equal(reset_use(t.st, tok, "a new password", now + 3600 * 1000, &t.e), ERR_NOT_FOUND);
    assert_int_equal(reset_check(t.st, tok, now, &t.e), 0); /* failed uses changed nothing */

    assert_int_equal(throttle_fail(t.st, "email:ada@example.org", now, &t.e), 0);
    assert_int_equal(reset_use(t.st, tok, "a new password", now + 1000, &t.e), 0);
    assert_int_equal(reset_use(t.st, tok, "a third password", now + 2000, &t.e), ERR_NOT_FOUND); /* once */
    const char *stored;
    struct user u;
    assert_int_equal(user_find_by_email(t.st, &t.a, "ada@example.org", &u, &stored, &t.e), 0);
    assert_true(password_verify(stored, "a new password"));
    assert_false(password_verify(stored, "analytical engine"));
    struct auth_principal p;
    assert_int_equal(session_lookup(t.st, &t.a, session, now, 0, &p, &t.e), ERR_NOT_FOUND); /* sessions ended */
    assert_int_equal(count(t.st, "SELECT count(*) FROM signin_throttle"), 0);

    /* a later link works; a disabled account's does not */
    assert_int_equal(reset_create(t.st, uid, now + 120 * 1000, tok2, &t.e), 0);
    assert_int_equal(user_disable(t.st, "ada@example.org", NULL, &t.e), 0);
    assert_int_equal(reset_check(t.st, tok2, now + 121 * 1000, &t.e), ERR_NOT_FOUND);

    /* the outbox keeps what it is given, newest first */
    assert_int_equal(outbox_add(t.st, "ada@example.org", "first", "body 1", &t.e), 0);
    assert_int_equal(outbox_add(t.st, "bob@example.org", "second", "body 2\nline", &t.e), 0);
    struct outbox_message *m;
    size_t n;
    assert_int_equal(outbox_list(t.st, &t.a, 10, &m, &n, &t.e), 0);
    assert_int_equal(n, 2);
    assert_string_equal(m[0].subject, "second");
    assert_string_equal(m[0].body, "body 2\nline");
    assert_null(m[0].sent_at);
    assert_string_equal(m[1].to_addr, "ada@example.org");
    assert_int_equal(outbox_list(t.st, &t.a, 1, &m, &n, &t.e), 0);
    assert_int_equal(n, 1);
    testdb_close(&t);
}

/* ---- API tokens ------------------------------------------------------------------------------- */

static void test_api_tokens(void **state)
{
    (void)state;
    struct testdb t;
    testdb_open(&t, "auth-tokens");
    const char *ada = add_user(&t, "ada@example.org", AUTH_ROLE_COORDINATOR, "analytical engine");
    const char *bob = add_user(&t, "bob@example.org", AUTH_ROLE_PARTNER, "difference engine");
    char tok[API_TOKEN_TEXT_SIZE], tok2[API_TOKEN_TEXT_SIZE];
    const char *id = NULL, *id2 = NULL;
    int64_t now = time_now_ms();
    assert_int_equal(api_token_create(t.st, &t.a, ada, " nightly export ", AUTH_SCOPE_READ, NULL, tok, &id, &t.e), 0);
    assert_true(strncmp(tok, "eb_", 3) == 0);
    assert_int_equal(strlen(tok), 46);
    assert_true(id_valid(id));
    assert_int_equal(api_token_create(t.st, &t.a, ada, "", AUTH_SCOPE_READ, NULL, tok2, NULL, &t.e), ERR_INVALID);
    assert_int_equal(api_token_create(t.st, &t.a, ada, "x", AUTH_SCOPE_FULL, NULL, tok2, NULL, &t.e), ERR_INVALID);
    assert_int_equal(api_token_create(t.st, &t.a, bob, "bob's", AUTH_SCOPE_SUBMIT, NULL, tok2, &id2, &t.e), 0);
    /* stored hashed */
    char hash[TOKEN_HASH_SIZE];
    token_hash(tok + 3, hash);
    struct store_stmt *s = store_prepare(t.st, "SELECT count(*) FROM api_tokens WHERE token_hash = ?", NULL);
    store_bind_text(s, 1, hash);
    assert_int_equal(store_step(s, NULL), 1);
    assert_int_equal(store_col_int(s, 0), 1);
    store_done(s);
    assert_int_equal(count(t.st, "SELECT count(*) FROM api_tokens WHERE instr(token_hash, 'eb_') > 0"), 0);

    struct auth_principal p;
    assert_int_equal(api_token_lookup(t.st, &t.a, tok, now, &p, &t.e), 0);
    assert_int_equal(p.via, AUTH_VIA_TOKEN);
    assert_int_equal(p.scope, AUTH_SCOPE_READ);
    assert_int_equal(p.role, AUTH_ROLE_COORDINATOR);
    assert_string_equal(p.user_id, ada);
    assert_string_equal(p.token_id, id);
    assert_null(p.session_token);
    assert_int_equal(api_token_lookup(t.st, &t.a, tok + 3, now, &p, &t.e), ERR_NOT_FOUND); /* without its prefix */
    assert_int_equal(api_token_lookup(t.st, &t.a, "eb_", now, &p, &t.e), ERR_NOT_FOUND);
    assert_int_equal(api_token_lookup(t.st, &t.a, NULL, now, &p, &t.e), ERR_NOT_FOUND);

    struct api_token_info *list;
    size_t n;
    assert_int_equal(api_token_list(t.st, &t.a, ada, &list, &n, &t.e), 0);
    assert_int_equal(n, 1);
    assert_string_equal(list[0].name, "nightly export");
    assert_int_equal(list[0].scope, AUTH_SCOPE_READ);
    assert_non_null(list[0].last_used_at);
    assert_null(list[0].revoked_at);

    /* only the owner revokes, once */
    assert_int_equal(api_token_revoke(t.st, bob, id, NULL, now, &t.e), ERR_NOT_FOUND);
    assert_int_equal(api_token_revoke(t.st, ada, id, NULL, now, &t.e), 0);
    assert_int_equal(api_token_revoke(t.st, ada, id, NULL, now, &t.e), ERR_NOT_FOUND);
    assert_int_equal(api_token_lookup(t.st, &t.a, tok, now, &p, &t.e), ERR_NOT_FOUND);
    assert_int_equal(api_token_list(t.st, &t.a, ada, &list, &n, &t.e), 0);
    assert_non_null(list[0].revoked_at);

    /* a disabled user's tokens stop at once */
    assert_int_equal(api_token_lookup(t.st, &t.a, tok2, now, &p, &t.e), 0);
    assert_int_equal(p.scope, AUTH_SCOPE_SUBMIT);
    assert_int_equal(user_disable(t.st, "bob@example.org", NULL, &t.e), 0);
    assert_int_equal(api_token_lookup(t.st, &t.a, tok2, now, &p, &t.e), ERR_NOT_FOUND);
    testdb_close(&t);
}

static void test_demo_accounts(void **state)
{
    (void)state;
    struct testdb t;
    testdb_open(&t, "auth-demo");
    int added = -1, present = -1;
    assert_int_equal(demo_accounts_load(t.st, &added, &t.e), 0);
    assert_int_equal(added, AUTH_ROLE_COUNT - 1);
    assert_int_equal(demo_accounts_load(t.st, &added, &t.e), 0);
    assert_int_equal(added, 0);
    assert_int_equal(demo_accounts_present(t.st, &present, &t.e), 0);
    assert_int_equal(present, AUTH_ROLE_COUNT - 1);
    for (int r = AUTH_ROLE_ADMIN; r < AUTH_ROLE_COUNT; r++) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM users WHERE role = '%s' AND is_demo = 1", auth_role_name((enum auth_role)r));
        assert_int_equal(count(t.st, sql), 1);
    }
    struct signin_outcome out;
    assert_int_equal(signin_attempt(t.st, &t.a, "admin@demo.edubridge.test", demo_accounts_password, NULL, NULL,
                                    time_now_ms(), 0, &out, &t.e), 0);
    assert_int_equal(out.result, SIGNIN_OK);
    assert_int_equal(out.user.role, AUTH_ROLE_ADMIN);
    testdb_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_password_hash_and_verify),
        cmocka_unit_test(test_password_rehash_when_cost_changes),
        cmocka_unit_test(test_password_policy),
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_csrf),
        cmocka_unit_test(test_email_normalisation),
        cmocka_unit_test(test_roles_and_scopes),
        cmocka_unit_test(test_throttle_maths),
        cmocka_unit_test(test_throttle_table),
        cmocka_unit_test(test_users),
        cmocka_unit_test(test_sessions),
        cmocka_unit_test(test_signin),
        cmocka_unit_test(test_reset),
        cmocka_unit_test(test_api_tokens),
        cmocka_unit_test(test_demo_accounts),
    };
    return cmocka_run_group_tests(tests, fast_cost, NULL);
}

/* csrf: the values that prove a form was posted from one of our own pages.
 *
 * A signed-in browser's forms carry a value derived from its session token: BLAKE2b keyed with
 * the token, over a fixed label. Only the holder of the cookie can know it, so no server secret is
 * needed, it survives restarts and holds across several servers, and it changes with every
 * sign-in. Anonymous forms (sign-in, password reset) have no session to derive from: they use a
 * double-submit cookie, a random token in the cookie "csrf" that the form must repeat. A page on
 * another site can make the browser send our cookies, but it can read neither them nor our pages,
 * so it cannot write the value into its form. Comparisons take constant time. */
#ifndef EDUBRIDGE_CSRF_H
#define EDUBRIDGE_CSRF_H

#include <stdbool.h>

#include "auth/token.h"

enum { CSRF_TEXT_SIZE = TOKEN_TEXT_SIZE };

/* The value for the forms of the session with this token (43 base64url characters). */
void csrf_for_session(const char *session_token, char out[CSRF_TEXT_SIZE]);
/* True when given is the value of that session. */
bool csrf_session_ok(const char *session_token, const char *given);
/* True when the cookie is a well-formed token and given repeats it. */
bool csrf_double_submit_ok(const char *cookie, const char *given);

#endif

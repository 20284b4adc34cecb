/* pseudonym: stable stand-ins for ids in exports that leave the coordinators' hands.
 *
 * A pseudonym is "p-" and 16 hex digits: the first 64 bits of BLAKE2b (libsodium's
 * crypto_generichash) of the id, keyed with a secret of this database. The same id always gets the
 * same pseudonym here, so rows of two exports can still be matched and counted, but without the
 * database no one can tell which id it stands for or test a guess, and another database (a school
 * hub, a test copy) gives other pseudonyms. The secret is 32 random bytes kept in settings
 * ('pseudonym_key', hex), made the first time one is needed. */
#ifndef EDUBRIDGE_PSEUDONYM_H
#define EDUBRIDGE_PSEUDONYM_H

#include "base/err.h"
#include "store/store.h"

enum { PSEUDONYM_KEY_SIZE = 32, PSEUDONYM_TEXT_SIZE = 19 };

/* The database's secret, made and stored on first use (two writers racing keep the first). */
int pseudonym_key(struct store *st, unsigned char key[PSEUDONYM_KEY_SIZE], struct err *e);

/* The pseudonym of id under key. */
void pseudonym_of(const unsigned char key[PSEUDONYM_KEY_SIZE], const char *id, char out[PSEUDONYM_TEXT_SIZE]);

#endif

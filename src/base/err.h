/* err: an error a user can read.
 *
 * Functions that can fail return 0 / a negative code (or NULL) and fill a struct err owned by the
 * caller. The message is a plain sentence naming what is wrong and where; no allocation involved. */
#ifndef EDUBRIDGE_ERR_H
#define EDUBRIDGE_ERR_H

#include <stdbool.h>

enum err_code {
    ERR_NONE = 0,
    ERR_INVALID = -1,   /* the input is wrong: the user can fix it */
    ERR_NOT_FOUND = -2,
    ERR_CONFLICT = -3,
    ERR_IO = -4,        /* the disk, the database, the network */
    ERR_LIMIT = -5,     /* too large, too many */
    ERR_DENIED = -6,
    ERR_INTERNAL = -7,
};

struct err {
    enum err_code code;
    char msg[512];
};

/* Fills e (when not NULL) and returns code, so that `return err_set(e, ERR_INVALID, ...)` reads well. */
int err_set(struct err *e, enum err_code code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void err_clear(struct err *e);
static inline bool err_is_set(const struct err *e) { return e && e->code != ERR_NONE; }

#endif

/* attachments: files answered to image and file questions.
 *
 * A file is checked before it is kept: its size, and for an image question that its first bytes
 * are those of a JPEG, PNG, GIF or WebP image (the browser's content type is not trusted). The
 * answer to the question is the file's name, cleaned of any path. One file per question and repeat
 * instance: sending another replaces it. */
#ifndef EDUBRIDGE_ATTACHMENTS_H
#define EDUBRIDGE_ATTACHMENTS_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/err.h"
#include "forms/answers.h"
#include "forms/form.h"
#include "store/store.h"

enum { ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024 };

/* The name to keep for an uploaded file: its last path component, control characters and
 * separators removed, at most 120 bytes of valid UTF-8; "file" when nothing is left. */
const char *attachment_clean_name(struct arena *a, const char *filename);

/* Checks an upload for field fd. NULL when it may be kept, else a msgid (English) saying why. */
const char *attachment_check(const struct form_field *fd, const void *data, size_t len,
                             const char **content_type);

/* Stores (or replaces) the file of a field at a repeat instance of a submission. */
int attachment_put(struct store *st, const char *submission_id, const char *field, int instance,
                   const char *filename, const char *content_type, const void *data, size_t len,
                   struct err *e);

/* A new revision keeps the files of the answers it keeps: each file of from_id whose answer in ans
 * (read with f; same question and instance) still names it is copied to to_id, unless to_id has a
 * file there already (one sent while correcting). Runs inside the caller's transaction. */
int attachment_carry(struct store *st, const struct form *f, const char *from_id, const char *to_id,
                     const struct answers *ans, struct err *e);

#endif

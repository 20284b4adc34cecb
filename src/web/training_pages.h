/* training_pages: the pages of the pilot's training (issue 6, program/training.h): the course
 * catalogue with its filters, a new course, the import (preview, then import), sessions (list,
 * new, one session with its people, enrolment and the attendance form), the cascade (who trained
 * whom, and how many each level reached), printable certificates, and the downloads of the
 * catalogue and of attendance (pseudonymised unless the reader may EXPORT_FULL).
 *
 * Trainers pass the gate of ATTENDANCE_RECORD for any session; the handlers ask the policy again
 * with the session's trainer account, so a trainer records, enrols and prints certificates for
 * their own sessions only. Participants' names show only to those who may record the session;
 * others see their pseudonyms. */
#ifndef EDUBRIDGE_TRAINING_PAGES_H
#define EDUBRIDGE_TRAINING_PAGES_H

#include "http/router.h"

void training_routes(struct router *r);

#endif

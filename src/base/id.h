/* id: globally unique, time-ordered record ids (UUID version 7, RFC 9562), as text.
 *
 * Records made on a school hub and on the central server never collide, and ids sort by creation
 * time, so sync needs no renumbering. Within one millisecond a thread's ids still increase: the
 * 12-bit rand_a field carries a counter seeded at random (RFC 9562 section 6.2, method 1). */
#ifndef EDUBRIDGE_ID_H
#define EDUBRIDGE_ID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { ID_TEXT_LEN = 36, ID_TEXT_SIZE = 37 };

/* Writes a new id as 36 lowercase characters and a NUL into out. */
void id_new(char out[ID_TEXT_SIZE]);
/* The same, from a given time and random source: deterministic ids for demo data and tests. */
void id_from(char out[ID_TEXT_SIZE], int64_t unix_ms, uint16_t counter, const uint8_t random8[8]);
/* Fills buf with n bytes from the kernel's random source (tokens, codes). */
void id_random(void *buf, size_t n);
/* True when s is an id in canonical text form (any version, lowercase hex). */
bool id_valid(const char *s);
/* Milliseconds since the epoch encoded in a version 7 id, or -1. */
int64_t id_time_ms(const char *s);

#endif

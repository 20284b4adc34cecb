/* timeutil: wall-clock time in UTC, as DESIGN.md stores it (ISO 8601). */
#ifndef EDUBRIDGE_TIMEUTIL_H
#define EDUBRIDGE_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

int64_t time_now_ms(void);        /* milliseconds since the Unix epoch */
int64_t time_monotonic_us(void);  /* for durations only */
/* Writes "2026-11-23T10:57:53.123Z" (24 bytes + NUL); buf needs 25 bytes at least. */
void time_format_iso(int64_t ms, char *buf, size_t size);
/* Reads what time_format_iso writes ("...Z", with or without milliseconds); -1 when it cannot. */
int64_t time_parse_iso(const char *s);

#endif

/* log: one line per event on standard error, safe from any thread.
 *
 * Lines are written with a single write(2) so that lines from worker threads never interleave. */
#ifndef EDUBRIDGE_LOG_H
#define EDUBRIDGE_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Writes a line exactly as given (plus a newline): the access log uses it. */
void log_line(const char *line, unsigned long len);

#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif

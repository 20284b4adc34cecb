#include "base/log.h"

#include "base/timeutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Process configuration, set once at start-up before threads exist. */
static enum log_level min_level = LOG_INFO;

void log_set_level(enum log_level level)
{
    min_level = level;
}

static void write_all(const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(STDERR_FILENO, p, n);
        if (w <= 0) return;
        p += w;
        n -= (size_t)w;
    }
}

void log_line(const char *line, unsigned long len)
{
    char buf[2048];
    if (len >= sizeof buf) len = sizeof buf - 1;
    memcpy(buf, line, len);
    buf[len] = '\n';
    write_all(buf, len + 1);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    if (level < min_level) return;
    char buf[1024];
    char stamp[32];
    time_format_iso(time_now_ms(), stamp, sizeof stamp);
    int n = snprintf(buf, sizeof buf, "%s %s ", stamp, names[level]);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(buf + n, sizeof buf - (size_t)n, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len >= sizeof buf) len = sizeof buf - 1;
    log_line(buf, len);
}

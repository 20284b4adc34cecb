/* edubridge serve: the web application. */
#include "cli/cli.h"

#include "base/log.h"
#include "auth/demo_accounts.h"
#include "auth/mailer.h"
#include "base/str.h"
#include "http/server.h"
#include "program/schema.h"
#include "web/web.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "Usage: edubridge serve [--listen ADDR:PORT] [--db PATH] [--workers N] [--no-access-log]\n"
    "                       [--trust-proxy] [--public-url URL] [--smtp-url URL --smtp-from ADDR]\n\n"
    "Serves edubridge over HTTP until stopped with Ctrl-C or SIGTERM (requests in flight finish).\n"
    "The database is created and migrated first when needed.\n\n"
    "  --listen ADDR:PORT  where to listen (default: $EDUBRIDGE_LISTEN, else 127.0.0.1:8080);\n"
    "                      port 0 picks a free port; IPv6 as [::1]:8080\n"
    "  --db PATH           the SQLite database file (default: $EDUBRIDGE_DB, else edubridge.db)\n"
    "  --workers N         worker threads, each with its own event loop and database connection\n"
    "                      (default: one per CPU)\n"
    "  --max-body BYTES    the largest request body accepted (default 8388608); larger gets 413\n"
    "  --no-access-log     do not log one line per request on standard error\n"
    "  --trust-proxy       a reverse proxy in front of edubridge sets X-Forwarded-Proto and\n"
    "                      X-Forwarded-For: believe them (Secure cookies behind HTTPS, the client's\n"
    "                      address for sign-in limits). Only when no one can reach edubridge but\n"
    "                      through that proxy; off by default ($EDUBRIDGE_TRUST_PROXY=1 also sets it)\n"
    "  --public-url URL    the address people reach edubridge at, for links in emails such as\n"
    "                      https://edubridge.example.org (default: $EDUBRIDGE_PUBLIC_URL, else\n"
    "                      http://ADDR:PORT as listened on)\n"
    "Without --smtp-url, messages (password reset links) wait on /admin/outbox for an administrator;\n"
    "with it, a sender thread delivers them (see also `edubridge outbox send`):\n";

/* Splits "127.0.0.1:8080" or "[::1]:8080" into host and port. */
static int parse_listen(const char *s, char *host, size_t hostlen, int *port)
{
    const char *colon;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':') return -1;
        if ((size_t)(close - s - 1) >= hostlen) return -1;
        memcpy(host, s + 1, (size_t)(close - s - 1));
        host[close - s - 1] = '\0';
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon || (size_t)(colon - s) >= hostlen || colon == s) return -1;
        memcpy(host, s, (size_t)(colon - s));
        host[colon - s] = '\0';
    }
    int64_t p;
    if (!str_to_int64(colon + 1, 0, 65535, &p)) return -1;
    *port = (int)p;
    return 0;
}

int cmd_serve(int argc, char **argv)
{
    static const struct option opts[] = {
        {"listen", required_argument, NULL, 'l'},
        {"db", required_argument, NULL, 'd'},
        {"workers", required_argument, NULL, 'w'},
        {"max-body", required_argument, NULL, 'b'},
        {"no-access-log", no_argument, NULL, 'q'},
        {"trust-proxy", no_argument, NULL, 't'},
        {"public-url", required_argument, NULL, 'u'},
        {"help", no_argument, NULL, 'h'},
        CLI_SMTP_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    const char *listen = getenv("EDUBRIDGE_LISTEN");
    if (!listen || !*listen) listen = "127.0.0.1:8080";
    const char *db = cli_db_default();
    int64_t workers = 0, max_body = 8 << 20;
    bool access_log = true;
    const char *env_proxy = getenv("EDUBRIDGE_TRUST_PROXY");
    bool trust_proxy = env_proxy && strcmp(env_proxy, "1") == 0;
    const char *public_url = getenv("EDUBRIDGE_PUBLIC_URL");
    optind = 1;
    opterr = 0;
    int c;
    struct mailer_config mc = {0};
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        int smtp = cli_smtp_option("serve", c, optarg, &mc);
        if (smtp == 1) continue;
        if (smtp) return smtp;
        switch (c) {
        case 'l': listen = optarg; break;
        case 'd': db = optarg; break;
        case 'w':
            if (!str_to_int64(optarg, 1, 256, &workers))
                return cli_usage_error("serve", "--workers must be a number from 1 to 256, not '%s'", optarg);
            break;
        case 'b':
            if (!str_to_int64(optarg, 1024, (int64_t)1 << 32, &max_body))
                return cli_usage_error("serve", "--max-body must be a number of bytes from 1024 to 4294967296, not '%s'", optarg);
            break;
        case 'q': access_log = false; break;
        case 't': trust_proxy = true; break;
        case 'u': public_url = optarg; break;
        case 'h':
            fputs(help, stdout);
            fputs(cli_smtp_help, stdout);
            return 0;
        case ':': return cli_usage_error("serve", "%s needs a value", argv[optind - 1]);
        default: return cli_usage_error("serve", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) return cli_usage_error("serve", "unexpected argument '%s'", argv[optind]);
    int smtp_rc = cli_smtp_finish("serve", &mc);
    if (smtp_rc) return smtp_rc;
    char host[64];
    int port;
    if (parse_listen(listen, host, sizeof host, &port) < 0)
        return cli_usage_error("serve", "--listen wants ADDRESS:PORT such as 127.0.0.1:8080, not '%s'", listen);

    char default_url[128];
    if (!public_url || !*public_url) {
        snprintf(default_url, sizeof default_url, strchr(host, ':') ? "http://[%s]:%d" : "http://%s:%d", host, port);
        public_url = default_url;
    } else if (!str_starts_with(public_url, "http://") && !str_starts_with(public_url, "https://")) {
        return cli_usage_error("serve", "--public-url must start with http:// or https://, not '%s'", public_url);
    }

    const char *level = getenv("EDUBRIDGE_LOG");
    if (level && strcmp(level, "debug") == 0) log_set_level(LOG_DEBUG);
    struct err e;
    err_clear(&e);
    int applied = 0;
    struct store *st = schema_open(db, true, &applied, &e);
    if (!st) {
        fprintf(stderr, "edubridge serve: %s\n", e.msg);
        return 1;
    }
    int demo_accounts = 0;
    if (demo_accounts_present(st, &demo_accounts, &e) < 0) demo_accounts = 0;
    store_close(st);
    if (applied) log_info("%s: applied %d migrations", db, applied);
    /* Standard error: standard output's first line is the address, which scripts read. */
    if (demo_accounts) demo_accounts_print(stderr);

    char *url = strdup(public_url);
    if (!url) return 1;
    size_t url_len = strlen(url);
    if (url_len && url[url_len - 1] == '/') url[url_len - 1] = '\0'; /* links add "/reset/..." */
    struct web_config wc = {.db_target = db, .trust_proxy = trust_proxy, .public_url = url, .mail_sent = mc.url != NULL};
    if (web_init(&wc, &e) < 0) {
        fprintf(stderr, "edubridge serve: %s\n", e.msg);
        free(url);
        return 1;
    }
    /* libcurl is set up here, on the main thread before any other starts, as it requires. */
    struct mailer *mailer = NULL;
    if (mc.url) {
        if (mailer_global_init(&e) < 0 || !(mailer = mailer_start(&mc, db, &e))) {
            fprintf(stderr, "edubridge serve: %s\n", e.msg);
            web_shutdown();
            free(url);
            return 1;
        }
        log_info("mail: sending through %s as %s", mc.url, mc.from);
    }
    struct http_server_config cfg = {
        .host = host,
        .port = port,
        .workers = (int)workers,
        .max_body = (size_t)max_body,
        .access_log = access_log,
        .worker_start = web_worker_start,
        .worker_stop = web_worker_stop,
        .handle = web_handle,
        .handle_error = web_handle_error,
        .ready_message = "edubridge is serving on",
    };
    int rc = http_server_run(&cfg, &e);
    if (mailer) {
        mailer_stop(mailer);
        mailer_global_cleanup();
    }
    web_shutdown();
    free(url);
    if (rc < 0) {
        fprintf(stderr, "edubridge serve: %s\n", e.msg);
        return 1;
    }
    return 0;
}

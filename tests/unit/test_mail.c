/* Tests for auth/mail_message: addresses refused or accepted, the RFC 5322 date, RFC 2047 subjects
 * (cut on UTF-8 boundaries, words of at most 75 characters), quoted-printable bodies (CRLF, line
 * length, '=' and a leading '.'), the whole message's headers, and header injection refused; and
 * for auth/mailer, the configuration check and the growing delay between tries. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <string.h>

#include "auth/mail_message.h"
#include "auth/mailer.h"
#include "base/arena.h"

static const int64_t T0 = 1735689600000; /* 2025-01-01T00:00:00Z, a Wednesday */

static void test_addresses(void **state)
{
    (void)state;
    assert_true(mail_address_ok("ada@example.org"));
    assert_true(mail_address_ok("first.last+tag@sub.example.org"));
    assert_false(mail_address_ok(NULL));
    assert_false(mail_address_ok(""));
    assert_false(mail_address_ok("ada"));
    assert_false(mail_address_ok("@example.org"));
    assert_false(mail_address_ok("ada@"));
    assert_false(mail_address_ok("a@b@example.org"));
    assert_false(mail_address_ok("ada@example.org\r\nBcc: eve@example.org"));
    assert_false(mail_address_ok("ada@example.org\n"));
    assert_false(mail_address_ok("ada@example.org>"));
    assert_false(mail_address_ok("Ada <ada@example.org>"));
    assert_false(mail_address_ok("ada@example.org,eve@example.org"));
    assert_false(mail_address_ok("zoë@example.org")); /* no SMTPUTF8 */
    char long_addr[300];
    memset(long_addr, 'a', sizeof long_addr);
    memcpy(long_addr + 280, "@example.org", 13);
    assert_false(mail_address_ok(long_addr));
}

static void test_date(void **state)
{
    (void)state;
    char d[40];
    mail_date(T0, d);
    assert_string_equal(d, "Wed, 01 Jan 2025 00:00:00 +0000");
    mail_date(T0 + (31 + 28) * 86400000LL + 3723000, d);
    assert_string_equal(d, "Sat, 01 Mar 2025 01:02:03 +0000");
}

/* Decodes the encoded words of a header value back to text, checking each word's length. */
static char *decode_words(struct arena *a, const char *v)
{
    char *out = arena_calloc(a, strlen(v) + 1, 1);
    size_t n = 0;
    const char *p = v;
    while (*p) {
        assert_true(strncmp(p, "=?UTF-8?B?", 10) == 0);
        const char *end = strstr(p + 10, "?=");
        assert_non_null(end);
        assert_true(end + 2 - p <= 75);
        size_t len;
        assert_int_equal(sodium_base642bin((unsigned char *)out + n, strlen(v) - n, p + 10, (size_t)(end - p - 10),
                                           NULL, &len, NULL, sodium_base64_VARIANT_ORIGINAL), 0);
        /* each word holds whole characters */
        assert_true(((unsigned char)out[n] & 0xc0) != 0x80);
        n += len;
        p = end + 2;
        if (*p) {
            assert_memory_equal(p, "\r\n ", 3);
            p += 3;
        }
    }
    out[n] = '\0';
    return out;
}

static void test_header_text(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 0);
    struct strbuf b;
    struct err e;
    strbuf_init(&b, &a, 64);
    assert_int_equal(mail_header_text(&b, "Set a new edubridge password", &e), 0);
    assert_string_equal(b.data, "Set a new edubridge password");

    strbuf_init(&b, &a, 64);
    assert_int_equal(mail_header_text(&b, "Définir un nouveau mot de passe", &e), 0);
    assert_string_equal(b.data, "=?UTF-8?B?RMOpZmluaXIgdW4gbm91dmVhdSBtb3QgZGUgcGFzc2U=?=");

    /* long text: several words, none cutting a character */
    const char *pl = "Ustaw nowe hasło do edubridge — zażółć gęślą jaźń, zażółć gęślą jaźń, zażółć gęślą jaźń";
    strbuf_init(&b, &a, 64);
    assert_int_equal(mail_header_text(&b, pl, &e), 0);
    assert_non_null(strstr(b.data, "\r\n "));
    assert_string_equal(decode_words(&a, b.data), pl);

    /* injection: refused, whatever the rest */
    strbuf_init(&b, &a, 64);
    assert_int_equal(mail_header_text(&b, "Hello\r\nBcc: eve@example.org", &e), ERR_INVALID);
    assert_int_equal(mail_header_text(&b, "Hello\nBcc: eve@example.org", &e), ERR_INVALID);
    assert_int_equal(mail_header_text(&b, "Hello\rBcc", &e), ERR_INVALID);
    assert_int_equal(mail_header_text(&b, "tab\there", &e), ERR_INVALID);
    assert_int_equal(mail_header_text(&b, "bad \xff utf-8", &e), ERR_INVALID);
    /* text that looks like an encoded word is encoded, so that it reads as typed */
    strbuf_init(&b, &a, 64);
    assert_int_equal(mail_header_text(&b, "=?UTF-8?B?x?=", &e), 0);
    assert_string_equal(decode_words(&a, b.data), "=?UTF-8?B?x?=");
    arena_free(&a);
}

static void test_quoted_printable(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 0);
    struct strbuf b;
    strbuf_init(&b, &a, 64);
    mail_quoted_printable(&b, "Bonjour Zoë,\nA=B \n.hidden\r\nend");
    assert_string_equal(b.data, "Bonjour Zo=C3=AB,\r\nA=3DB=20\r\n=2Ehidden\r\nend\r\n");

    /* long lines are cut with soft breaks; no line over 76; decoding gives the text back */
    char long_line[301];
    for (int i = 0; i < 300; i++) long_line[i] = (char)('a' + i % 26);
    long_line[300] = '\0';
    memcpy(long_line + 100, "https://edubridge.example.org/reset/abc=def", 43);
    strbuf_init(&b, &a, 64);
    mail_quoted_printable(&b, long_line);
    char decoded[400];
    size_t n = 0;
    const char *p = b.data;
    while (*p) {
        const char *eol = strstr(p, "\r\n");
        assert_non_null(eol);
        assert_true(eol - p <= 76);
        for (const char *q = p; q < eol; q++) {
            assert_true(*q != '\n' && *q != '\r');
            if (*q == '=' && q + 1 == eol) break; /* soft break */
            if (*q == '=') {
                unsigned v;
                assert_int_equal(sscanf(q + 1, "%2X", &v), 1);
                decoded[n++] = (char)v;
                q += 2;
            } else {
                decoded[n++] = *q;
            }
        }
        p = eol + 2;
    }
    decoded[n] = '\0';
    assert_string_equal(decoded, long_line);
    arena_free(&a);
}

static void test_message(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a, 0);
    struct strbuf b;
    struct err e;
    strbuf_init(&b, &a, 256);
    struct mail_message m = {"noreply@edubridge.example.org", "ada@example.org", "Nouveau mot de passe : édition",
                             "Line one\nhttps://x.example/reset/abc\n", "0190-abc", T0};
    assert_int_equal(mail_message_format(&b, &m, &e), 0);
    const char *head = b.data;
    const char *blank = strstr(head, "\r\n\r\n");
    assert_non_null(blank);
    assert_true(strncmp(head, "Date: Wed, 01 Jan 2025 00:00:00 +0000\r\n", 39) == 0);
    assert_non_null(strstr(head, "\r\nFrom: noreply@edubridge.example.org\r\n"));
    assert_non_null(strstr(head, "\r\nTo: ada@example.org\r\n"));
    assert_non_null(strstr(head, "\r\nSubject: =?UTF-8?B?"));
    assert_non_null(strstr(head, "\r\nMessage-ID: <0190-abc@edubridge.example.org>\r\n"));
    assert_non_null(strstr(head, "\r\nMIME-Version: 1.0\r\n"));
    assert_non_null(strstr(head, "\r\nContent-Type: text/plain; charset=UTF-8\r\n"));
    assert_non_null(strstr(head, "\r\nContent-Transfer-Encoding: quoted-printable\r\n"));
    assert_string_equal(blank + 4, "Line one\r\nhttps://x.example/reset/abc\r\n");
    /* every line ends with CRLF: no bare LF or CR anywhere */
    for (const char *p = b.data; *p; p++) {
        if (*p == '\n') assert_true(p > b.data && p[-1] == '\r');
        if (*p == '\r') assert_true(p[1] == '\n');
    }

    /* injection through any field is refused */
    struct mail_message bad = m;
    bad.subject = "Hi\r\nBcc: eve@example.org";
    strbuf_init(&b, &a, 64);
    assert_int_equal(mail_message_format(&b, &bad, &e), ERR_INVALID);
    bad = m;
    bad.to = "ada@example.org\r\nBcc: eve@example.org";
    assert_int_equal(mail_message_format(&b, &bad, &e), ERR_INVALID);
    bad = m;
    bad.from = "x@y.org\nBcc: eve@example.org";
    assert_int_equal(mail_message_format(&b, &bad, &e), ERR_INVALID);
    bad = m;
    bad.message_id = "x>\r\nBcc: eve";
    assert_int_equal(mail_message_format(&b, &bad, &e), ERR_INVALID);
    arena_free(&a);
}

static void test_mailer_config_and_delay(void **state)
{
    (void)state;
    struct err e;
    struct mailer_config c = {.url = "smtp://127.0.0.1:2525", .from = "noreply@example.org"};
    assert_int_equal(mailer_config_check(&c, &e), 0);
    c.url = "smtps://mail.example.org";
    assert_int_equal(mailer_config_check(&c, &e), 0);
    c.insecure = true; /* TLS always on smtps: the flag makes no sense there */
    assert_int_equal(mailer_config_check(&c, &e), ERR_INVALID);
    c.insecure = false;
    c.url = "http://mail.example.org";
    assert_int_equal(mailer_config_check(&c, &e), ERR_INVALID);
    c.url = "smtp://mail.example.org\r\nX";
    assert_int_equal(mailer_config_check(&c, &e), ERR_INVALID);
    c.url = "smtp://mail.example.org";
    c.from = NULL;
    assert_int_equal(mailer_config_check(&c, &e), ERR_INVALID);
    c.from = "a\r\n@b";
    assert_int_equal(mailer_config_check(&c, &e), ERR_INVALID);

    c.retry_s = 60;
    assert_int_equal(mailer_retry_delay_s(&c, 1), 60);
    assert_int_equal(mailer_retry_delay_s(&c, 2), 120);
    assert_int_equal(mailer_retry_delay_s(&c, 4), 480);
    assert_int_equal(mailer_retry_delay_s(&c, 40), MAILER_RETRY_MAX_S);
    c.retry_s = 0;
    assert_int_equal(mailer_retry_delay_s(&c, 1), MAILER_RETRY_S_DEFAULT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_date),
        cmocka_unit_test(test_header_text),
        cmocka_unit_test(test_quoted_printable),
        cmocka_unit_test(test_message),
        cmocka_unit_test(test_mailer_config_and_delay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

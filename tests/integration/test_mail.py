"""The SMTP sender against a tiny fake mail server (Python's standard library, no TLS, so the
server runs with --smtp-insecure): a reset link delivered with the right headers, sent_at and the
audit entry recorded, a refusing server (550) leaving its error on the outbox and a later try
succeeding, giving up after --smtp-tries, STARTTLS required without --smtp-insecure, and
`edubridge outbox send` from the command line."""
import email
import email.policy
import os
import re
import socketserver
import sqlite3
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, run_cli  # noqa: E402

FROM = 'noreply@edubridge.test'
PL_SUBJECT = 'Ustaw nowe hasło do edubridge'  # po/pl.po


class FakeSMTP(socketserver.ThreadingTCPServer):
    """Speaks just enough SMTP: EHLO/HELO, MAIL FROM, RCPT TO, DATA, RSET, NOOP, QUIT."""
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(('127.0.0.1', 0), Handler)
        self.messages = []       # (mail from, [rcpt], raw bytes)
        self.refuse = 0          # refuse this many RCPT TO with 550 (-1: all)
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return 'smtp://127.0.0.1:%d' % self.server_address[1]

    def wait_messages(self, n, timeout=15):
        end = time.time() + timeout
        while time.time() < end:
            with self.lock:
                if len(self.messages) >= n:
                    return list(self.messages)
            time.sleep(0.05)
        raise AssertionError('the fake server got %d messages, not %d' % (len(self.messages), n))

    def close(self):
        self.shutdown()
        self.server_close()


class Handler(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write(line.encode() + b'\r\n')

    def handle(self):
        srv = self.server
        self.reply('220 fake.test ESMTP')
        mail_from, rcpts = None, []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.decode('ascii', 'replace').rstrip('\r\n')
            verb = cmd.split(' ', 1)[0].upper()
            if verb == 'EHLO':
                self.reply('250-fake.test')
                self.reply('250 8BITMIME')  # no STARTTLS offered
            elif verb == 'HELO':
                self.reply('250 fake.test')
            elif verb == 'MAIL':
                mail_from, rcpts = cmd[10:], []
                self.reply('250 OK')
            elif verb == 'RCPT':
                with srv.lock:
                    refuse = srv.refuse != 0
                    if srv.refuse > 0:
                        srv.refuse -= 1
                if refuse:
                    self.reply('550 5.1.1 mailbox unavailable')
                else:
                    rcpts.append(cmd[8:])
                    self.reply('250 OK')
            elif verb == 'DATA':
                self.reply('354 go ahead')
                data = b''
                while not data.endswith(b'\r\n.\r\n'):
                    chunk = self.rfile.readline()
                    if not chunk:
                        return
                    data += chunk
                with srv.lock:
                    srv.messages.append((mail_from, rcpts, data[:-3]))
                self.reply('250 queued')
            elif verb in ('RSET', 'NOOP'):
                self.reply('250 OK')
            elif verb == 'QUIT':
                self.reply('221 bye')
                return
            else:
                self.reply('502 not here')


def db_rows(db, sql, params=()):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def wait_for(fn, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        v = fn()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError('timed out')


def ask_reset(server, email, lang=None):
    c = server.client()
    headers = {'Accept-Language': lang} if lang else None
    status, _, _ = c.post_form('/reset', {'email': email}, headers=headers)
    assert status == 200, status
    return db_rows(server.db, 'SELECT id FROM outbox WHERE to_addr = ? ORDER BY id DESC LIMIT 1', (email,))[0][0]


class TestSender(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.smtp = FakeSMTP()
        cls.server = Server(['--smtp-url', cls.smtp.url, '--smtp-from', FROM, '--smtp-insecure',
                             '--smtp-retry', '1', '--smtp-tries', '2'])

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.smtp.close()

    def test_reset_mail_delivered(self):
        before = len(self.smtp.messages)
        to = 'admin@demo.edubridge.test'
        oid = ask_reset(self.server, to, lang='pl')
        mail_from, rcpts, raw = self.smtp.wait_messages(before + 1)[before]
        self.assertEqual(mail_from, '<%s>' % FROM)
        self.assertEqual(rcpts, ['<%s>' % to])
        # CRLF everywhere: no bare LF
        self.assertNotRegex(raw, rb'(?<!\r)\n')
        head = raw.split(b'\r\n\r\n', 1)[0].decode('ascii')  # headers are plain ASCII
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        self.assertEqual(msg['From'], FROM)
        self.assertEqual(msg['To'], to)
        self.assertRegex(msg['Date'], r'^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d \+0000$')
        self.assertEqual(msg['Message-ID'], '<%s@edubridge.test>' % oid)
        self.assertEqual(msg['MIME-Version'], '1.0')
        self.assertEqual(msg.get_content_type(), 'text/plain')
        self.assertEqual(msg.get_content_charset(), 'utf-8')
        self.assertEqual(msg['Content-Transfer-Encoding'], 'quoted-printable')
        # the Polish subject (not ASCII), RFC 2047 encoded on the wire
        self.assertIn('Subject: =?UTF-8?B?', head)
        self.assertEqual(str(msg['Subject']), PL_SUBJECT)
        body = msg.get_content()
        token = re.search(r'/reset/([A-Za-z0-9_-]{43})', body).group(1)
        self.assertIn('edubridge', body)
        # the link works
        self.assertEqual(self.server.client().get('/reset/' + token)[0], 200)

        sent_at, error, attempts = wait_for(lambda: [r for r in db_rows(
            self.server.db, 'SELECT sent_at, error, attempts FROM outbox WHERE id = ?', (oid,)) if r[0]])[0]
        self.assertIsNone(error)
        self.assertEqual(attempts, 1)
        entries = db_rows(self.server.db, "SELECT actor_label, actor_user_id, target_kind, target_ids, detail"
                                          " FROM audit_log WHERE action = 'mail.sent' AND target_ids LIKE ?",
                          ('%' + oid + '%',))
        self.assertEqual(len(entries), 1)
        self.assertEqual(entries[0][:3], ('system', None, 'outbox'))
        self.assertNotIn(to, entries[0][3] + entries[0][4])  # never the address
        status, _, html = self.server.client('admin').get('/admin/outbox')
        self.assertIn('They are sent by email', html.decode())

    def test_refused_then_retried_then_given_up(self):
        # one refusal, then the next try (a second later) gets through
        self.smtp.refuse = 1
        before = len(self.smtp.messages)
        oid = ask_reset(self.server, 'coordinator@demo.edubridge.test')
        err = wait_for(lambda: [r for r in db_rows(self.server.db, 'SELECT error, attempts, sent_at FROM outbox WHERE id = ?',
                                                   (oid,)) if r[0] or r[2]])[0]
        if err[2] is None:  # caught between the tries: the error is there for the admin
            self.assertIn('550', err[0])
            self.assertIn('550', self.server.client('admin').get('/admin/outbox')[2].decode())
        self.smtp.wait_messages(before + 1)
        row = wait_for(lambda: [r for r in db_rows(self.server.db, 'SELECT sent_at, attempts, error FROM outbox WHERE id = ?',
                                                   (oid,)) if r[0]])[0]
        self.assertEqual(row[1], 2)
        self.assertIsNone(row[2])
        actions = [r[0] for r in db_rows(self.server.db, 'SELECT action FROM audit_log WHERE target_ids LIKE ? ORDER BY at, id',
                                         ('%' + oid + '%',))]
        self.assertEqual(actions, ['mail.failed', 'mail.sent'])

        # refused every time: given up after --smtp-tries 2, the error kept on /admin/outbox
        self.smtp.refuse = -1
        try:
            oid = ask_reset(self.server, 'panel@demo.edubridge.test')
            row = wait_for(lambda: [r for r in db_rows(self.server.db, 'SELECT error, attempts FROM outbox WHERE id = ?',
                                                       (oid,)) if r[1] >= 2])[0]
            self.assertIn('gave up after 2 tries', row[0])
            time.sleep(2.5)
            self.assertEqual(db_rows(self.server.db, 'SELECT attempts, sent_at FROM outbox WHERE id = ?', (oid,))[0], (2, None))
            html = self.server.client('admin').get('/admin/outbox')[2].decode()
            self.assertIn('gave up after 2 tries', html)
            details = [r[0] for r in db_rows(self.server.db, "SELECT detail FROM audit_log WHERE action = 'mail.failed'"
                                                              " AND target_ids LIKE ? ORDER BY at, id", ('%' + oid + '%',))]
            self.assertEqual(details, ['{"attempt":1,"final":false}', '{"attempt":2,"final":true}'])
        finally:
            self.smtp.refuse = 0


class TestCommandLine(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.smtp = FakeSMTP()
        cls.server = Server()  # no SMTP: messages wait in the outbox

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.smtp.close()

    def send(self, *extra):
        return run_cli('outbox', 'send', '--db', self.server.db, '--smtp-url', self.smtp.url, '--smtp-from', FROM, *extra)

    def test_outbox_send(self):
        code, _, err = run_cli('outbox', 'send', '--db', self.server.db)
        self.assertEqual(code, 2)
        self.assertIn('--smtp-url', err)
        code, _, err = run_cli('outbox', 'send', '--db', self.server.db, '--smtp-url', 'http://x', '--smtp-from', FROM)
        self.assertEqual(code, 2)
        code, _, err = run_cli('outbox', 'send', '--db', self.server.db, '--smtp-url', self.smtp.url,
                               '--smtp-from', 'a\nb@x')
        self.assertEqual(code, 2)

        oid = ask_reset(self.server, 'trainer@demo.edubridge.test')
        time.sleep(0.5)
        self.assertEqual(len(self.smtp.messages), 0)  # serve without --smtp-url sends nothing
        # smtp:// without --smtp-insecure must upgrade with STARTTLS, which this server does not offer
        code, out, err = self.send()
        self.assertEqual(code, 1, out + err)
        self.assertIn('failed 1', out)
        self.assertEqual(len(self.smtp.messages), 0)
        error, attempts = db_rows(self.server.db, 'SELECT error, attempts FROM outbox WHERE id = ?', (oid,))[0]
        self.assertEqual(attempts, 1)
        self.assertTrue(error)
        # the next try waits for its delay, unless --now
        code, out, _ = self.send('--smtp-insecure')
        self.assertEqual((code, out.strip()), (0, 'sent 0, failed 0 (given up: 0)'))
        code, out, err = self.send('--smtp-insecure', '--now')
        self.assertEqual(code, 0, err)
        self.assertIn('sent 1', out)
        self.assertEqual(len(self.smtp.messages), 1)
        self.assertIn(b'/reset/', self.smtp.messages[0][2])
        self.assertTrue(db_rows(self.server.db, 'SELECT sent_at FROM outbox WHERE id = ?', (oid,))[0][0])
        # nothing left
        code, out, _ = self.send('--smtp-insecure', '--now')
        self.assertEqual((code, out.strip()), (0, 'sent 0, failed 0 (given up: 0)'))
        self.assertEqual(len(self.smtp.messages), 1)


if __name__ == '__main__':
    unittest.main(verbosity=2)

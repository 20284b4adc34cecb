"""Integration tests of accounts: sign-in and sign-out, throttling, session fixation, CSRF, password
reset by a one-time link, API tokens, and the `edubridge user` command. The real binary over HTTP.

The server trusts a proxy (--trust-proxy), so that each test can come from an address of its own
(X-Forwarded-For) and the per-address throttle of one test does not spill into another."""
import http.client
import json
import os
import re
import sqlite3
import statistics
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, run_cli  # noqa: E402

DEMO_PASSWORD = 'edubridge-demo'
ADMIN = 'admin@demo.edubridge.test'
COORDINATOR = 'coordinator@demo.edubridge.test'
SAME_FAILURE = 'The email address or the password is not right.'


class Browser:
    """A cookie jar and a client address: what one person's browser sends."""

    _next_addr = [10]

    def __init__(self, server, addr=None):
        self.server = server
        self.cookies = {}
        if addr is None:
            Browser._next_addr[0] += 1
            addr = '198.51.100.%d' % Browser._next_addr[0]
        self.addr = addr

    def request(self, method, path, form=None, headers=None, cookies=True):
        """Returns (status, headers as a list of (lower-case name, value), body text)."""
        h = {'X-Forwarded-For': self.addr}
        if cookies and self.cookies:
            h['Cookie'] = '; '.join('%s=%s' % kv for kv in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            h['Content-Type'] = 'application/x-www-form-urlencoded'
        h.update(headers or {})
        conn = http.client.HTTPConnection('127.0.0.1', self.server.port, timeout=20)
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            data = r.read().decode()
            hdrs = [(k.lower(), v) for k, v in r.getheaders()]
        finally:
            conn.close()
        for k, v in hdrs:
            if k == 'set-cookie':
                name, _, rest = v.partition('=')
                value = rest.split(';', 1)[0]
                if 'Max-Age=0' in v:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = value
        return r.status, hdrs, data

    def get(self, path, **kw):
        return self.request('GET', path, **kw)

    def csrf(self, path):
        """The hidden _csrf value of the (first) form on a page."""
        status, _, html = self.get(path)
        m = re.search(r'name="_csrf" value="([^"]+)"', html)
        assert m, 'no _csrf on %s (%d)' % (path, status)
        return m.group(1)

    def post(self, path, fields, csrf_from=None):
        """POSTs a form, with the _csrf value of the page csrf_from (None: fields as given)."""
        fields = dict(fields)
        if csrf_from:
            fields['_csrf'] = self.csrf(csrf_from)
        return self.request('POST', path, form=fields)

    def sign_in(self, email, password=DEMO_PASSWORD, next_path=None):
        fields = {'email': email, 'password': password}
        if next_path:
            fields['next'] = next_path
        return self.post('/signin', fields, csrf_from='/signin')


def header(hdrs, name):
    return [v for k, v in hdrs if k == name]


def error_text(html):
    m = re.search(r'<p class="error"[^>]*>(.*?)</p>', html)
    return m and m.group(1)


def db_rows(db, sql, params=()):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def audit(db, action, target=None):
    """(actor_user_id, actor_label, target_kind, target_ids, detail) of the entries of action."""
    sql = 'SELECT actor_user_id, actor_label, target_kind, target_ids, detail FROM audit_log WHERE action = ?'
    params = [action]
    if target:
        sql += ' AND target_ids LIKE ?'
        params.append('%' + target + '%')
    return db_rows(db, sql + ' ORDER BY at, id', params)


class Accounts(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(extra_args=('--trust-proxy', '--public-url', 'https://edubridge.example.org/'))

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def browser(self):
        return Browser(self.server)

    def user_id(self, email):
        return db_rows(self.server.db, 'SELECT id FROM users WHERE lower(email) = lower(?)', (email,))[0][0]

    def test_sign_in_and_out(self):
        admin_id = self.user_id(ADMIN)
        signins = len(audit(self.server.db, 'auth.signin', admin_id))
        signouts = len(audit(self.server.db, 'auth.signout', admin_id))
        b = self.browser()
        status, _, html = b.get('/')
        self.assertIn('<a href="/signin">Sign in</a>', html)
        status, hdrs, _ = b.sign_in(ADMIN.upper(), next_path='/forms')  # the email's case does not matter
        self.assertEqual(status, 303)
        self.assertEqual(header(hdrs, 'location'), ['/forms'])
        sid = [c for c in header(hdrs, 'set-cookie') if c.startswith('sid=')]
        self.assertEqual(len(sid), 1)
        for attr in ('HttpOnly', 'SameSite=Lax', 'Path=/'):
            self.assertIn(attr, sid[0])
        self.assertNotIn('Secure', sid[0])  # plain HTTP, and no proxy said https
        self.assertRegex(b.cookies['sid'], r'^[A-Za-z0-9_-]{43}$')
        status, _, html = b.get('/')
        self.assertIn('Ada Admin (demo)', html)
        self.assertIn('action="/signout"', html)
        self.assertNotIn('<a href="/signin">', html)
        old_sid = b.cookies['sid']
        # audited: who (the account), what, the account's id; never the password
        entries = audit(self.server.db, 'auth.signin', admin_id)
        self.assertEqual(len(entries), signins + 1)
        self.assertEqual(entries[-1][:4], (admin_id, ADMIN, 'user', json.dumps([admin_id])))
        self.assertEqual(db_rows(self.server.db, 'SELECT count(*) FROM audit_log WHERE instr(detail || target_ids, ?) > 0',
                                 (DEMO_PASSWORD,))[0][0], 0)

        status, hdrs, _ = b.post('/signout', {}, csrf_from='/')
        self.assertEqual(status, 303)
        entries = audit(self.server.db, 'auth.signout', admin_id)
        self.assertEqual(len(entries), signouts + 1)
        self.assertEqual(entries[-1][:4], (admin_id, ADMIN, 'user', json.dumps([admin_id])))
        self.assertNotIn('sid', b.cookies)  # cleared with Max-Age=0
        status, _, html = b.get('/')
        self.assertIn('<a href="/signin">Sign in</a>', html)
        # the token of the ended session opens nothing any more
        other = self.browser()
        other.cookies['sid'] = old_sid
        _, _, html = other.get('/')
        self.assertNotIn('Ada Admin', html)

    def test_secure_cookie_behind_https_proxy(self):
        b = self.browser()
        csrf = b.csrf('/signin')
        status, hdrs, _ = b.request('POST', '/signin', form={'_csrf': csrf, 'email': ADMIN, 'password': DEMO_PASSWORD},
                                    headers={'X-Forwarded-Proto': 'https'})
        self.assertEqual(status, 303)
        self.assertIn('Secure', [c for c in header(hdrs, 'set-cookie') if c.startswith('sid=')][0])

    def test_wrong_password_and_unknown_email_look_the_same(self):
        b = self.browser()
        times = {'wrong': [], 'unknown': []}
        answers = set()
        for _ in range(3):
            for kind, email in (('wrong', COORDINATOR), ('unknown', 'nobody@demo.edubridge.test')):
                t = time.monotonic()
                status, hdrs, html = b.sign_in(email, 'not-the-password')
                times[kind].append(time.monotonic() - t)
                self.assertEqual(status, 401)
                self.assertFalse([c for c in header(hdrs, 'set-cookie') if c.startswith('sid=')])
                answers.add(error_text(html))
        self.assertEqual(answers, {SAME_FAILURE})
        # The unknown email is checked against a dummy hash of the same cost: as slow as a real one.
        wrong, unknown = statistics.median(times['wrong']), statistics.median(times['unknown'])
        self.assertGreater(unknown, 0.5 * wrong, times)
        self.assertGreater(wrong, 0.5 * unknown, times)
        # a disabled-looking or malformed email gets the same answer too
        status, _, html = b.sign_in('not an email', 'whatever-it-is')
        self.assertEqual((status, error_text(html)), (401, SAME_FAILURE))

        # Failures are audited as the anonymous actor, with the account's id when the address has
        # one, and the normalised email's pseudonym: never what was typed (email or password).
        coordinator_id = self.user_id(COORDINATOR)
        known = audit(self.server.db, 'auth.signin_failed', coordinator_id)
        self.assertGreaterEqual(len(known), 3)
        self.assertEqual(known[-1][:4], (None, 'anonymous', 'user', json.dumps([coordinator_id])))
        pseudonyms = {json.loads(e[4])['email_pseudonym'] for e in known}
        self.assertEqual(len(pseudonyms), 1)  # the same address, the same pseudonym
        self.assertRegex(pseudonyms.pop(), r'^p-[0-9a-f]{16}$')
        unknown = [e for e in audit(self.server.db, 'auth.signin_failed') if e[3] == '[]']
        self.assertGreaterEqual(len(unknown), 4)
        self.assertEqual(unknown[-1][1:3], ('anonymous', ''))
        for typed in ('nobody@demo.edubridge.test', 'not an email', 'not-the-password', 'whatever-it-is'):
            self.assertEqual(db_rows(self.server.db, 'SELECT count(*) FROM audit_log WHERE instr(lower(actor_label'
                                     ' || target_ids || detail), ?) > 0', (typed,))[0][0], 0, typed)

    def test_throttling_per_account(self):
        email = 'trainer@demo.edubridge.test'
        for i in range(5):
            status, _, _ = self.browser().sign_in(email, 'guess-%d-wrong' % i)  # each from another address
            self.assertEqual(status, 401)
        b = self.browser()
        status, hdrs, html = b.sign_in(email)  # even the right password waits now
        self.assertEqual(status, 429)
        self.assertIn('Too many failed attempts', html)
        self.assertIn(header(hdrs, 'retry-after')[0], ('1', '2'))
        self.assertFalse([c for c in header(hdrs, 'set-cookie') if c.startswith('sid=')])
        time.sleep(2.2)
        status, _, _ = b.sign_in(email)
        self.assertEqual(status, 303)

    def test_throttling_per_address(self):
        b = self.browser()
        for i in range(20):
            status, _, _ = b.sign_in('someone%d@example.org' % i, 'wrong-password')
            self.assertEqual(status, 401)
        status, hdrs, _ = b.sign_in(ADMIN)
        self.assertEqual(status, 429)
        # another address is not held up
        status, _, _ = self.browser().sign_in(ADMIN)
        self.assertEqual(status, 303)

    def test_session_fixation(self):
        # A token made up by an attacker is never adopted.
        b = self.browser()
        planted = 'A' * 43
        b.cookies['sid'] = planted
        status, _, _ = b.sign_in(ADMIN)
        self.assertEqual(status, 303)
        self.assertNotEqual(b.cookies['sid'], planted)
        # A real session of the attacker's, planted in the victim's browser, ends at the sign-in.
        attacker = self.browser()
        attacker.sign_in(COORDINATOR)
        victim = self.browser()
        victim.cookies['sid'] = attacker.cookies['sid']
        _, _, html = victim.get('/')
        self.assertIn('Cora Coordinator', html)
        victim.sign_in(ADMIN)
        self.assertNotEqual(victim.cookies['sid'], attacker.cookies['sid'])
        _, _, html = victim.get('/')
        self.assertIn('Ada Admin', html)
        _, _, html = attacker.get('/')
        self.assertNotIn('Cora Coordinator', html)

    def test_csrf_refused(self):
        b = self.browser()
        b.get('/signin')  # the csrf cookie
        for fields in ({}, {'_csrf': 'x' * 43}, {'_csrf': ''}):
            status, hdrs, html = b.post('/signin', dict(fields, email=ADMIN, password=DEMO_PASSWORD))
            self.assertEqual(status, 403, fields)
            self.assertIn('not sent from this site', html)
            self.assertNotIn('sid', b.cookies)
        # the right value without its cookie is refused too
        good = b.csrf('/signin')
        del b.cookies['csrf']
        status, _, _ = b.post('/signin', {'_csrf': good, 'email': ADMIN, 'password': DEMO_PASSWORD})
        self.assertEqual(status, 403)

        b.sign_in(ADMIN)
        self.assertIn('sid', b.cookies)
        # signed in: the anonymous double-submit value is no longer enough, a forged one never
        for value in (None, 'forged', b.cookies.get('csrf', 'y' * 43)):
            fields = {} if value is None else {'_csrf': value}
            status, _, html = b.post('/signout', fields)
            self.assertEqual(status, 403, value)
            status, _, _ = b.post('/account/tokens', dict(fields, name='sneaky', scope='read'))
            self.assertEqual(status, 403, value)
        _, _, html = b.get('/account/tokens')
        self.assertIn('Ada Admin', html)  # still signed in
        self.assertNotIn('sneaky', html)  # no token made

    def test_pages_need_the_right_account(self):
        b = self.browser()
        status, hdrs, _ = b.get('/admin/outbox')
        self.assertEqual(status, 302)
        self.assertEqual(header(hdrs, 'location'), ['/signin?next=%2Fadmin%2Foutbox'])
        status, hdrs, _ = b.get('/account/tokens')
        self.assertEqual(status, 302)
        b.sign_in(COORDINATOR)
        status, _, html = b.get('/admin/outbox')
        self.assertEqual(status, 403)
        self.assertIn('Access refused', html)
        status, _, _ = b.get('/account/tokens')
        self.assertEqual(status, 200)

    def outbox_link(self, email):
        admin = self.browser()
        admin.sign_in(ADMIN)
        status, _, html = admin.get('/admin/outbox')
        self.assertEqual(status, 200)
        for article in re.findall(r'<article.*?</article>', html, re.S):
            if email in article:
                m = re.search(r'https://edubridge\.example\.org/reset/([A-Za-z0-9_-]{43})', article)
                if m:
                    return m.group(1)
        return None

    def test_password_reset_link_works_once(self):
        email = 'reset-me@example.org'
        code, out, err = run_cli('user', 'add', '--role', 'trainer', email, '--name', 'Rosa Reset',
                                 '--db', self.server.db, input='first-password-1\n')
        self.assertEqual(code, 0, err)
        self.assertIn('added reset-me@example.org', out)

        b = self.browser()
        status, _, html = b.post('/reset', {'email': email}, csrf_from='/reset')
        self.assertEqual(status, 200)
        known = re.search(r'<p class="notice"[^>]*>(.*?)</p>', html).group(1)
        status, _, html = self.browser().post('/reset', {'email': 'no-such@example.org'}, csrf_from='/reset')
        self.assertEqual(re.search(r'<p class="notice"[^>]*>(.*?)</p>', html).group(1), known)  # says nothing

        token = self.outbox_link(email)
        self.assertTrue(token, 'no reset link in the outbox')
        status, _, html = b.get('/reset/' + token)
        self.assertEqual(status, 200)
        self.assertIn('name="confirm"', html)
        status, _, _ = b.post('/reset/' + token, {'password': 'new-password-2', 'confirm': 'other-password'},
                              csrf_from='/reset/' + token)
        self.assertEqual(status, 422)
        status, _, _ = b.post('/reset/' + token, {'password': 'short', 'confirm': 'short'}, csrf_from='/reset/' + token)
        self.assertEqual(status, 422)
        status, hdrs, _ = b.post('/reset/' + token, {'password': 'new-password-2', 'confirm': 'new-password-2'},
                                 csrf_from='/reset/' + token)
        self.assertEqual(status, 303)
        self.assertEqual(header(hdrs, 'location'), ['/signin?done=reset'])
        # once only
        status, _, html = b.get('/reset/' + token)
        self.assertEqual(status, 410)
        status, _, _ = b.request('POST', '/reset/' + token, form={'_csrf': b.cookies['csrf'], 'password': 'third-password-3',
                                                                   'confirm': 'third-password-3'})
        self.assertEqual(status, 410)
        self.assertEqual(self.browser().sign_in(email, 'first-password-1')[0], 401)
        self.assertEqual(self.browser().sign_in(email, 'new-password-2')[0], 303)
        # a made-up link
        self.assertEqual(b.get('/reset/' + 'B' * 43)[0], 410)
        self.assertEqual(b.get('/reset/nonsense')[0], 410)

    def test_bearer_tokens(self):
        # the API stays open to anonymous readers
        anon = self.browser()
        self.assertEqual(anon.get('/api/v1/forms')[0], 200)
        self.assertEqual(anon.get('/api/v1/me')[0], 401)

        b = self.browser()
        b.sign_in(COORDINATOR)
        status, _, html = b.post('/account/tokens', {'name': 'nightly export', 'scope': 'admin'}, csrf_from='/account/tokens')
        self.assertEqual(status, 422)  # only admins make admin tokens
        status, _, html = b.post('/account/tokens', {'name': 'nightly export', 'scope': 'read'}, csrf_from='/account/tokens')
        self.assertEqual(status, 200)
        token = re.search(r'<code class="secret">(eb_[A-Za-z0-9_-]{43})</code>', html).group(1)
        _, _, listing = b.get('/account/tokens')
        coordinator_id = self.user_id(COORDINATOR)
        token_id = re.search(r'/account/tokens/([0-9a-f-]{36})/revoke', listing).group(1)
        created = audit(self.server.db, 'token.create', token_id)
        self.assertEqual(created, [(coordinator_id, COORDINATOR, 'api_token', json.dumps([token_id, coordinator_id], separators=(",", ":")),
                                    '{"scope":"read"}')])
        self.assertEqual(db_rows(self.server.db, 'SELECT count(*) FROM audit_log WHERE instr(detail || target_ids, ?) > 0',
                                 (token[3:],))[0][0], 0)  # never the secret
        self.assertNotIn(token, listing)  # shown once
        self.assertIn('nightly export', listing)

        status, hdrs, body = anon.get('/api/v1/me', headers={'Authorization': 'Bearer ' + token})
        self.assertEqual(status, 200)
        me = json.loads(body)
        self.assertEqual((me['email'], me['role'], me['scope']), (COORDINATOR, 'coordinator', 'read'))
        self.assertEqual(anon.get('/api/v1/forms', headers={'Authorization': 'Bearer ' + token})[0], 200)
        # a browser session does not open the API: only a token does
        self.assertEqual(b.get('/api/v1/me')[0], 401)

        revoke = re.search(r'action="(/account/tokens/[0-9a-f-]{36}/revoke)"', listing).group(1)
        status, _, _ = b.post(revoke, {}, csrf_from='/account/tokens')
        self.assertEqual(status, 303)
        self.assertEqual([e[:4] for e in audit(self.server.db, 'token.revoke', token_id)],
                         [(coordinator_id, COORDINATOR, 'api_token', json.dumps([token_id, coordinator_id], separators=(",", ":")))])
        status, hdrs, body = anon.get('/api/v1/me', headers={'Authorization': 'Bearer ' + token})
        self.assertEqual(status, 401)
        self.assertIn('invalid_token', header(hdrs, 'www-authenticate')[0])
        self.assertEqual(anon.get('/api/v1/forms', headers={'Authorization': 'Bearer ' + token})[0], 401)
        self.assertEqual(anon.get('/api/v1/forms', headers={'Authorization': 'Bearer eb_nonsense'})[0], 401)
        self.assertEqual(anon.get('/api/v1/forms', headers={'Authorization': 'Basic eDp5'})[0], 401)
        _, _, listing = b.get('/account/tokens')
        self.assertIn('revoked', listing)
        # revoking again: there is nothing left to revoke
        self.assertEqual(b.post(revoke, {}, csrf_from='/account/tokens')[0], 404)

    def test_escaped_everywhere(self):
        b = self.browser()
        status, _, html = b.sign_in('<script>alert(1)</script>@x.org', 'wrong-password')
        self.assertEqual(status, 401)
        self.assertNotIn('<script>alert(1)', html)
        self.assertIn('&lt;script&gt;', html)
        b.sign_in(ADMIN)
        status, _, html = b.post('/account/tokens', {'name': '<b onmouseover=x>"', 'scope': 'read'},
                                 csrf_from='/account/tokens')
        self.assertEqual(status, 200)
        self.assertNotIn('<b onmouseover', html)

    def test_translated(self):
        b = self.browser()
        _, _, html = b.get('/signin?lang=fr')
        self.assertIn('Se connecter', html)
        _, _, html = b.get('/reset?lang=de')
        self.assertIn('Passwort', html)


class UserCommand(unittest.TestCase):
    def setUp(self):
        self.server = Server(extra_args=('--trust-proxy',), demo=False)

    def tearDown(self):
        self.server.stop()

    def test_add_list_disable_passwd(self):
        db = self.server.db
        code, out, err = run_cli('user', 'add', '--role', 'admin', 'First.Admin@Example.ORG', '--db', db,
                                 input='a-long-password\n')
        self.assertEqual(code, 0, err)
        code, out, _ = run_cli('user', 'list', '--db', db)
        self.assertEqual(code, 0)
        self.assertIn('first.admin@example.org', out)
        self.assertIn('admin', out)
        self.assertEqual(Browser(self.server).sign_in('first.admin@example.org', 'a-long-password')[0], 303)
        # the same address in another case is the same account
        code, _, err = run_cli('user', 'add', '--role', 'panel', 'FIRST.admin@example.org', '--db', db,
                               input='a-long-password\n')
        self.assertEqual(code, 1)
        self.assertIn('already an account', err)

        b = Browser(self.server)
        b.sign_in('first.admin@example.org', 'a-long-password')
        code, out, err = run_cli('user', 'passwd', 'first.admin@example.org', '--db', db, input='another-password\n')
        self.assertEqual(code, 0, err)
        _, _, html = b.get('/')
        self.assertNotIn('action="/signout"', html)  # a new password ended the session
        self.assertEqual(Browser(self.server).sign_in('first.admin@example.org', 'another-password')[0], 303)

        code, out, err = run_cli('user', 'disable', 'first.admin@example.org', '--db', db)
        self.assertEqual(code, 0, err)
        self.assertEqual(Browser(self.server).sign_in('first.admin@example.org', 'another-password')[0], 401)
        code, out, _ = run_cli('user', 'list', '--db', db)
        self.assertIn('[disabled]', out)

    def test_password_rules_and_usage(self):
        db = self.server.db
        code, _, err = run_cli('user', 'add', '--role', 'admin', 'a@example.org', '--db', db, input='short\n')
        self.assertEqual(code, 1)
        self.assertIn('at least 10 characters', err)
        code, _, err = run_cli('user', 'add', '--role', 'admin', 'a@example.org', '--db', db, input='')
        self.assertEqual(code, 1)
        self.assertIn('no password', err)
        for args in (('user',), ('user', 'add', 'a@example.org'), ('user', 'add', '--role', 'boss', 'a@example.org'),
                     ('user', 'add', '--role', 'admin', 'not-an-email'), ('user', 'frobnicate'),
                     ('user', 'add', '--role', 'admin', 'a@example.org', '--password', 'x'),
                     ('user', 'list', 'extra'), ('user', 'disable')):
            code, _, err = run_cli(*args, '--db', db, input='a-long-password\n')
            self.assertEqual(code, 2, args)
            self.assertTrue(err.strip(), args)
        code, out, _ = run_cli('user', '--help')
        self.assertEqual(code, 0)
        self.assertIn('Usage: edubridge user add --role ROLE EMAIL', out)
        code, out, _ = run_cli('user', 'list', '--db', db)
        self.assertIn('no accounts yet', out)


class DemoAccounts(unittest.TestCase):
    def test_one_per_role_printed_by_demo_and_serve(self):
        server = Server()
        try:
            code, out, _ = run_cli('user', 'list', '--db', server.db)
            for role in ('admin', 'coordinator', 'panel', 'institution', 'trainer', 'partner'):
                self.assertIn('%s@demo.edubridge.test' % role, out)
            self.assertEqual(out.count('[demo]'), 6)
            log = server.read_log()
            self.assertIn("password '%s'" % DEMO_PASSWORD, log)
            self.assertIn('partner@demo.edubridge.test', log)
            self.assertEqual(Browser(server, '127.0.0.1').sign_in('partner@demo.edubridge.test')[0], 303)
        finally:
            server.stop()


if __name__ == '__main__':
    unittest.main(verbosity=2)

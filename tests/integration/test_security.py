"""Security tests against the real binary, on every page and API route that takes input (the routes
come from `edubridge routes`, so a new route is tried too):

- script payloads, reflected (in every query parameter, every path parameter, every form field and
  JSON body) and stored (form titles, labels and choices, answers, token names, display names),
  are rendered escaped everywhere;
- SQL injection payloads in every parameter change nothing and never cause a server error; ids
  and codes that are SQL find nothing;
- a POST of a page without its CSRF value, or with a forged one, or with another session's, is
  refused with 403 and changes nothing; a survey POST from another site is refused;
- a session token planted before sign-in is not kept (tests/integration/test_accounts.py tries
  more of it);
- ids in addresses give nothing more than the role allows: another role's submissions, another
  account's tokens."""
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import unittest
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from harness import BIN, Client, Server, run_cli  # noqa: E402

XSS = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "'><svg onload=alert(1)>",
       'javascript:alert(1)']
# What a payload that escaped its escaping would leave in a page: markup, or a link that runs.
MARKERS = ['<script>alert(1)', '<img src=x onerror', '<svg onload']
SCRIPT_LINK = re.compile(r'(href|src|action|formaction)\s*=\s*["\']?\s*javascript:', re.I)
SQLI = ["' OR 1=1 --", '1; DROP TABLE users', '" OR ""="', "1' UNION SELECT email, password_hash FROM users --",
        "%' OR '%'='", "'; DELETE FROM submissions; --"]
QUERY_NAMES = ['q', 'by', 'page', 'lang', 'labels', 'repeat', 'next', 'done', 'i', 'pseudonymise', 'code',
               'version', 'actor', 'action', 'target', 'from', 'to', 'id', 'form_id', 'email', 'format']
FORM_FIELDS = ['email', 'password', 'confirm', 'name', 'scope', 'next', 'code', 'lang', 'go', 'i', 'page',
               'f-who', 'f-pick', 'f-note_text', 'reason', 'person', 'query', 'format']

HOSTILE_FORM = '''| survey |
| | type | name | label | hint | required |
| | text | who | <script>alert(1)</script> | "><img src=x onerror=alert(1)> | yes |
| | select_one pick | pick | "><img src=x onerror=alert(1)> | | yes |
| | text | note_text | '><svg onload=alert(1)> | | |

| choices |
| | list_name | name | label |
| | pick | a | <script>alert(1)</script> |
| | pick | b | '><svg onload=alert(1)> |

| settings |
| | form_title | form_id | version |
| | <script>alert(1)</script> "><img src=x onerror=alert(1)> | hostile | 1 |
'''
FORM = 'hostile'
HOSTILE_ANSWERS = {'who': XSS[0], 'pick': 'a', 'note_text': XSS[1] + ' ' + XSS[2]}


def routes():
    p = subprocess.run([BIN, 'routes'], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return [line.split('\t') for line in p.stdout.splitlines() if line]


class Base(unittest.TestCase):
    """A demo server with the hostile form, one of its submissions and a draft of it."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server(extra_args=('--trust-proxy',))  # each client throttled on its own
        cls.tmp = tempfile.TemporaryDirectory(prefix='edubridge-security-')
        path = os.path.join(cls.tmp.name, 'hostile.md')
        with open(path, 'w') as f:
            f.write(HOSTILE_FORM)
        code, _, err = run_cli('form', 'import', path, '--db', cls.server.db)
        assert code == 0, err
        cls.routes = routes()
        anon = Client(cls.server)
        status, _, body = anon.post_json('/api/v1/forms/%s/submissions' % FORM, HOSTILE_ANSWERS)
        assert status == 201, body
        cls.submission = json.loads(body)['id']
        cls.draft = cls.start_draft()
        cls.admin_token = cls.server.token('admin', 'admin')

    @classmethod
    def tearDownClass(cls):
        log = cls.server.read_log()
        code = cls.server.stop()
        cls.tmp.cleanup()
        assert 'Sanitizer' not in log and 'runtime error' not in log, log
        assert code == 0, (code, log)

    @classmethod
    def start_draft(cls):
        status, headers, _ = Client(cls.server).request(
            'POST', '/s/%s/start' % FORM, body='', headers={'Content-Type': 'application/x-www-form-urlencoded'})
        assert status == 303, status
        return re.search(r'/r/([0-9a-f]{32})', headers['location']).group(1)

    def db(self, sql, *args):
        con = sqlite3.connect('file:%s?mode=ro' % self.server.db, uri=True, timeout=10)
        try:
            return con.execute(sql, args).fetchall()
        finally:
            con.close()

    def signed_in(self, role):
        """A client of role that signs in again when a request signed it out."""
        c = self.server.client(role)
        c.role = role
        return c

    def keep(self, c):
        if getattr(c, 'role', None) and 'sid' not in c.cookies:
            email, password = self.server.account(c.role)
            self.assertEqual(c.sign_in(email, password), 303)
        return c

    def concrete(self, pattern, value=None, token_id=None):
        """A real address for pattern; with value, every parameter is value instead (quoted)."""
        real = {'form_id': FORM, 'id': self.submission, 'token': self.draft, 'page': '1', 'file...': 'app.css'}
        if pattern.startswith('/reset/'):
            real['token'] = 'B' * 43
        if pattern.startswith('/account/tokens/'):
            real['id'] = token_id or str(uuid.uuid4())

        def one(m):
            if value is not None:
                return urllib.parse.quote(value, safe='')
            return real.get(m.group(1), 'x')
        return re.sub(r'\{([^}]+)\}', one, pattern)

    def assert_safe(self, answer, where):
        status, headers, body = answer
        self.assertLess(status, 500, where)
        ctype = headers.get('content-type', '')
        location = headers.get('location', '')
        for bad in ('<', '"', '\r', '\n', ' '):
            self.assertNotIn(bad, location, where + ': a Location that was not encoded: %r' % location)
        if location:
            self.assertTrue(location.startswith('/') and not location.startswith('//'), where + ': ' + location)
        if ctype.startswith('text/html'):
            text = body.decode('utf-8', 'replace')
            for m in MARKERS:
                self.assertNotIn(m, text, where + ': unescaped ' + m)
            self.assertIsNone(SCRIPT_LINK.search(text), where + ': a javascript: link')
        elif body and status < 300 and ctype.startswith('application/json'):
            json.loads(body)  # JSON, never HTML that a browser would run
        self.assertEqual(headers.get('x-content-type-options'), 'nosniff', where)

    def hostile_requests(self, payload, readers):
        """Every route with payload in every parameter, as each reader; yields (where, answer)."""
        for method, pattern, action, surface, csrf in self.routes:
            plain = self.concrete(pattern)
            odd = self.concrete(pattern, payload)
            query = urllib.parse.urlencode({n: payload for n in QUERY_NAMES})
            for name, c in readers:
                if surface == 'api' and not c.token and name != 'anonymous':
                    continue  # sessions mean nothing there
                self.keep(c)
                tag = '%s %s as %s with %r' % (method, pattern, name, payload)
                if method == 'GET':
                    yield tag + ' (path)', c.get(odd)
                    yield tag + ' (query)', c.get(plain + '?' + query)
                elif surface == 'api':
                    doc = {'who': payload, 'pick': payload, 'note_text': payload, payload: payload}
                    yield tag + ' (json)', c.post_json(plain + '?' + query, doc)
                    yield tag + ' (path)', c.post_json(odd, doc)
                    yield tag + ' (not json)', c.request('POST', plain, body=payload.encode(),
                                                          headers={'Content-Type': 'application/json'})
                else:
                    fields = {n: payload for n in FORM_FIELDS}
                    yield tag + ' (form)', c.post_form(plain + '?' + query, fields)
                    yield tag + ' (path)', c.post_form(odd, fields)


class ScriptPayloads(Base):
    def test_reflected_everywhere(self):
        readers = [('anonymous', Client(self.server)), ('admin', self.signed_in('admin')),
                   ('admin token', Client(self.server, token=self.admin_token))]
        for payload in XSS:
            for where, answer in self.hostile_requests(payload, readers):
                self.assert_safe(answer, where)

    def test_stored_everywhere(self):
        # Stored through the survey pages, the API, a token's name and an account's name...
        c = Client(self.server)
        base = '/s/%s/r/%s' % (FORM, self.start_draft())
        for page in ('1', '2', '3'):
            c.post_form(base + '/p/' + page, {'i': '0', 'go': 'next', 'f-who': XSS[1], 'f-pick': 'b',
                                              'f-note_text': XSS[0]}, csrf=False)
        admin = self.signed_in('admin')
        status, _, _ = admin.post_form('/account/tokens', {'name': XSS[1], 'scope': 'read'})
        self.assertEqual(status, 200)
        code, _, err = run_cli('user', 'add', '--role', 'coordinator', 'named@test.edubridge.test', '--name', XSS[0],
                               '--db', self.server.db, input='a-long-password\n')
        self.assertEqual(code, 0, err)
        named = Client(self.server)
        self.assertEqual(named.sign_in('named@test.edubridge.test', 'a-long-password'), 303)
        # ... and shown escaped on every page that reads them, to everyone who may read them.
        readers = [('admin', admin), ('coordinator named with a script', named),
                   ('partner', self.signed_in('partner')), ('anonymous', c)]
        pages = [self.concrete(p) for m, p, _, s, _ in self.routes if m == 'GET' and s != 'api']
        pages += [base + '/review', base + '/p/1', base + '/p/2', '/forms/%s/summary?q=note_text' % FORM,
                  '/forms/%s/summary?q=pick&by=pick' % FORM, '/forms/%s/summary?q=who' % FORM]
        shown = 0
        for name, reader in readers:
            for path in pages:
                answer = self.keep(reader).get(path)
                self.assert_safe(answer, 'GET %s as %s' % (path, name))
                shown += answer[2].count(b'&lt;script&gt;alert(1)&lt;/script&gt;')
        self.assertGreater(shown, 10)  # the payloads were there to be escaped
        # the API hands them back as JSON strings
        status, headers, body = Client(self.server, token=self.admin_token).get(
            '/api/v1/forms/%s/submissions/%s' % (FORM, self.submission))
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)['answers']['who'], XSS[0])
        self.assertTrue(headers['content-type'].startswith('application/json'))

    def test_next_goes_nowhere_else(self):
        c = Client(self.server)
        for nxt in ('javascript:alert(1)', '//evil.example.org/', 'https://evil.example.org/', '/\\evil.example.org'):
            email, password = self.server.account('partner')
            status, headers, _ = c.post_form('/signin', {'email': email, 'password': password, 'next': nxt})
            self.assertEqual(status, 303)
            self.assertEqual(headers['location'], '/', nxt)
            c.cookies.pop('sid', None)


class SqlPayloads(Base):
    def snapshot(self):
        return {
            'schema': self.db("SELECT type, name, sql FROM sqlite_master ORDER BY name"),
            'users': self.db('SELECT id, email, role, password_hash, disabled_at FROM users ORDER BY id'),
            'forms': self.db('SELECT id, form_id, version FROM form_versions ORDER BY id'),
            'submitted': self.db("SELECT id, answers, is_current FROM submissions WHERE status = 'submitted' ORDER BY id"),
            'tokens': self.db('SELECT id, revoked_at FROM api_tokens ORDER BY id'),
        }

    def test_in_every_parameter(self):
        before = self.snapshot()
        readers = [('anonymous', Client(self.server)), ('admin', self.signed_in('admin')),
                   ('admin token', Client(self.server, token=self.admin_token))]
        for payload in SQLI:
            for where, answer in self.hostile_requests(payload, readers):
                self.assert_safe(answer, where)
        after = self.snapshot()
        # Tokens named with the payloads were made on purpose (POST /account/tokens); nothing else.
        new_tokens = set(after.pop('tokens')) - set(before.pop('tokens'))
        names = {r[0] for r in self.db('SELECT name FROM api_tokens WHERE id IN (%s)' % ','.join('?' * len(new_tokens)),
                                       *[t[0] for t in new_tokens])} if new_tokens else set()
        self.assertLessEqual(names, set(SQLI))
        self.assertEqual(after, before)
        self.assertTrue(self.db("SELECT COUNT(*) FROM users")[0][0] >= 6)

    def test_ids_and_codes_that_are_sql_find_nothing(self):
        admin = self.signed_in('admin')
        api = Client(self.server, token=self.admin_token)
        anon = Client(self.server)
        for p in SQLI:
            q = urllib.parse.quote(p, safe='')
            self.assertEqual(api.get('/api/v1/forms/' + q)[0], 404, p)
            self.assertEqual(api.get('/api/v1/forms/%s/submissions/%s' % (FORM, q))[0], 404, p)
            self.assertEqual(api.get('/api/v1/forms/%s/submissions/%s' % (q, self.submission))[0], 404, p)
            self.assertEqual(admin.get('/forms/%s/submissions/%s' % (FORM, q))[0], 404, p)
            self.assertEqual(admin.get('/forms/%s/summary?q=%s' % (FORM, q))[0], 404, p)
            self.assertEqual(admin.get('/forms/%s/submissions?page=%s' % (FORM, q))[0], 404, p)
            self.assertEqual(anon.get('/s/%s/r/%s' % (FORM, q))[0], 404, p)
            self.assertEqual(anon.get('/reset/' + q)[0], 410, p)
            status, headers, _ = anon.post_form('/s/%s/resume' % FORM, {'code': p}, csrf=False)
            self.assertEqual(status, 404, p)  # no one's draft
            status, _, _ = anon.post_form('/signin', {'email': p, 'password': p})
            self.assertEqual(status, 401, p)
            self.assertNotIn('sid', anon.cookies)
            self.assertEqual(Client(self.server, token='eb_' + p).get('/api/v1/me')[0], 401, p)
            self.assertEqual(anon.get('/api/v1/me', headers={'Authorization': 'Bearer ' + p})[0], 401, p)
            fake = Client(self.server)
            fake.cookies['sid'] = q
            self.assertEqual(fake.get('/forms')[0], 302, p)  # not signed in
            self.assertEqual(admin.post_form('/account/tokens/%s/revoke' % q)[0], 404, p)
        # every token still works
        self.assertEqual(api.get('/api/v1/me')[0], 200)


class Csrf(Base):
    def counts(self):
        tables = [r[0] for r in self.db("SELECT name FROM sqlite_master WHERE type = 'table'")]
        skip = {'signin_throttle', 'audit_log'}
        return {t: self.db('SELECT COUNT(*) FROM "%s"' % t)[0][0] for t in tables if t not in skip}

    def test_every_page_post_refuses_a_missing_or_forged_value(self):
        admin = self.signed_in('admin')
        other = self.server.client('coordinator')
        others_value = other.csrf()
        token_id = self.db('SELECT id FROM api_tokens WHERE revoked_at IS NULL LIMIT 1')[0][0]
        sid, before = admin.cookies['sid'], self.counts()
        posts = [(p, a) for m, p, a, s, c in self.routes if c == 'csrf']
        self.assertGreaterEqual(len(posts), 7)
        email, password = self.server.account('admin')
        for pattern, action in posts:
            path = self.concrete(pattern, token_id=token_id)
            fields = {'email': email, 'password': password, 'name': 'sneaky', 'scope': 'read',
                      'confirm': password}
            # missing; empty; made up; another session's; the anonymous cookie's; nearly right
            for value in (None, '', 'x' * 43, others_value, admin.cookies.get('csrf', 'y' * 43), admin.csrf()[:-1]):
                sent = dict(fields) if value is None else dict(fields, _csrf=value)
                status, _, body = admin.post_form(path, sent, csrf=False)
                self.assertEqual(status, 403, '%s %r' % (path, value))
                self.assertIn('not sent from this site', body.decode(), path)
        # nothing changed: the same session, no token made or revoked, no draft, no message
        self.assertEqual(admin.cookies['sid'], sid)
        self.assertEqual(self.counts(), before)
        self.assertEqual(self.db('SELECT revoked_at FROM api_tokens WHERE id = ?', token_id)[0][0], None)
        self.assertIn(b'action="/signout"', admin.get('/')[2])
        # the right value still works
        self.assertEqual(admin.post_form('/forms/%s/submissions/%s/correct' % (FORM, self.submission))[0], 303)

    def test_anonymous_forms_need_their_cookie(self):
        c = Client(self.server)
        value = c.csrf('/signin')
        email, password = self.server.account('admin')
        del c.cookies['csrf']
        self.assertEqual(c.post_form('/signin', {'email': email, 'password': password}, csrf=value)[0], 403)
        c.cookies['csrf'] = 'z' * 43
        self.assertEqual(c.post_form('/signin', {'email': email, 'password': password}, csrf=value)[0], 403)
        self.assertNotIn('sid', c.cookies)

    def test_survey_posts_from_another_site(self):
        drafts = self.db("SELECT COUNT(*) FROM submissions WHERE status = 'draft'")[0][0]
        c = Client(self.server)
        form = {'Content-Type': 'application/x-www-form-urlencoded'}
        status, _, _ = c.request('POST', '/s/%s/start' % FORM, body='', headers=dict(form, **{'Sec-Fetch-Site': 'cross-site'}))
        self.assertEqual(status, 403)
        status, _, _ = c.request('POST', '/s/%s/resume' % FORM, body='code=ABCD-EFGH',
                                 headers=dict(form, **{'Sec-Fetch-Site': 'cross-site'}))
        self.assertEqual(status, 403)
        self.assertEqual(self.db("SELECT COUNT(*) FROM submissions WHERE status = 'draft'")[0][0], drafts)
        for site in ('same-origin', 'none', None):
            h = dict(form, **({'Sec-Fetch-Site': site} if site else {}))
            self.assertEqual(c.request('POST', '/s/%s/start' % FORM, body='', headers=h)[0], 303, site)


class Sessions(Base):
    def test_a_planted_token_is_not_kept(self):
        c = Client(self.server)
        c.cookies['sid'] = 'A' * 43
        self.assertEqual(c.get('/forms')[0], 302)  # means nothing
        email, password = self.server.account('coordinator')
        old_value = c.csrf('/signin')
        self.assertEqual(c.sign_in(email, password), 303)
        self.assertNotEqual(c.cookies['sid'], 'A' * 43)
        # the CSRF value is the new session's, not the one the browser had before
        self.assertNotEqual(c.csrf(), old_value)
        self.assertEqual(c.post_form('/account/tokens', {'name': 'x', 'scope': 'read'}, csrf=old_value)[0], 403)


class Escalation(Base):
    def test_other_roles_cannot_reach_a_submission_by_its_id(self):
        view = '/forms/%s/submissions/%s' % (FORM, self.submission)
        api = '/api/v1/forms/%s/submissions/%s' % (FORM, self.submission)
        before = self.db('SELECT COUNT(*) FROM submissions')[0][0]
        for role in ('panel', 'partner', 'institution', 'trainer'):
            c = self.server.client(role)
            status, _, body = c.get(view)
            self.assertEqual(status, 403, role)
            self.assertNotIn(b'alert(1)', body)
            self.assertEqual(c.post_form(view + '/correct')[0], 403, role)
            self.assertEqual(c.get('/forms/%s/submissions' % FORM)[0], 403, role)
            for scope in ('read', 'submit'):
                t = Client(self.server, token=self.server.token(role, scope))
                status, _, body = t.get(api)
                self.assertEqual(status, 403, (role, scope))
                self.assertNotIn(b'alert(1)', body)
                self.assertEqual(t.post_json(api + '/revisions', HOSTILE_ANSWERS)[0], 403, (role, scope))
            # through the other face, with what the role has: nothing either
            self.assertEqual(c.get(api)[0], 401, role)
        self.assertEqual(self.db('SELECT COUNT(*) FROM submissions')[0][0], before)
        # a coordinator may, and the id under another form's address finds nothing
        coordinator = self.server.client('coordinator')
        self.assertEqual(coordinator.get(view)[0], 200)
        self.assertEqual(coordinator.get('/forms/needs-survey/submissions/' + self.submission)[0], 404)

    def test_another_accounts_token(self):
        owner = self.server.client('coordinator')
        status, _, body = owner.post_form('/account/tokens', {'name': 'owners token', 'scope': 'read'})
        token = re.search(r'(eb_[A-Za-z0-9_-]{43})', body.decode()).group(1)
        token_id = re.findall(r'action="/account/tokens/([0-9a-f-]{36})/revoke"', owner.get('/account/tokens')[2].decode())
        self.assertTrue(token_id)
        for role in ('panel', 'partner', 'admin'):
            thief = self.server.client(role)
            for tid in token_id:
                self.assertEqual(thief.post_form('/account/tokens/%s/revoke' % tid)[0], 404, role)
            self.assertNotIn(b'owners token', thief.get('/account/tokens')[2])
        self.assertEqual(Client(self.server, token=token).get('/api/v1/me')[0], 200)
        # a token cannot make or revoke tokens: pages ignore it
        self.assertEqual(Client(self.server, token=token).get('/account/tokens')[0], 302)

    def test_admin_pages_as_every_other_role(self):
        admin_routes = [self.concrete(p) for m, p, a, s, c in self.routes if p.startswith('/admin/') and m == 'GET']
        self.assertTrue(admin_routes)
        for role in ('coordinator', 'panel', 'institution', 'trainer', 'partner'):
            c = self.server.client(role)
            for path in admin_routes:
                status, _, body = c.get(path)
                self.assertEqual(status, 403, (role, path))
                self.assertNotIn(b'/reset/', body)
        self.assertEqual(self.server.client('admin').get('/admin/outbox')[0], 200)


if __name__ == '__main__':
    unittest.main(verbosity=2)

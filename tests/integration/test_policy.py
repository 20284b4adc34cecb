"""The role matrix, against the real binary: every route that `edubridge routes` lists (so that no
route can be added without this test trying it) against every kind of reader: anonymous, each of
the six roles through a browser session, and each role through an API token of each scope it can
have. Each answer must be what the policy says:

- allowed: neither 401 nor 403, no redirect to the sign-in page, no server error;
- refused on a page: an anonymous reader is sent to /signin (302 with ?next= for a GET, 303 for a
  POST), a signed-in one gets 403;
- refused on the API: 401 with WWW-Authenticate: Bearer without a token, 403 with one
  (error="insufficient_scope" when only the token's scope is short).

A session cookie does not open the API and a bearer token does not open a page: there they count
as anonymous. The expectations below are written from the issue, not read from the binary: the
binary's table (`edubridge routes --matrix`) must agree with them, and so must every answer."""
import os
import re
import subprocess
import sys
import unittest
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from harness import BIN, ROLES, Client, Server  # noqa: E402

EVERYONE = {'anonymous', *ROLES}
STAFF_READERS = {'admin', 'coordinator', 'panel', 'partner'}
RUN_PROGRAMMES = {'admin', 'coordinator'}

# Who passes each action's gate, by role ('anonymous': no account).
ALLOWED = {
    'PUBLIC': EVERYONE,
    'SIGN_IN': EVERYONE,
    'SIGN_OUT': EVERYONE,
    'SURVEY_ANSWER': EVERYONE,
    'FORMS_LIST': STAFF_READERS,
    'FORM_VIEW': STAFF_READERS,
    'FORM_IMPORT': RUN_PROGRAMMES,
    'SUBMISSIONS_LIST': RUN_PROGRAMMES,
    'SUBMISSION_VIEW': RUN_PROGRAMMES,
    'SUBMISSION_CORRECT': RUN_PROGRAMMES,
    'SUMMARY_VIEW': STAFF_READERS,
    'EXPORT_FULL': RUN_PROGRAMMES,
    'EXPORT_PSEUDONYMISED': RUN_PROGRAMMES | {'panel'},
    'API_FORMS_READ': EVERYONE,
    'API_SUBMIT': EVERYONE,
    'API_SUBMISSION_READ': RUN_PROGRAMMES,
    'API_REVISE': RUN_PROGRAMMES,
    'API_ME': set(ROLES),
    'TOKENS_OWN': set(ROLES),
    'OUTBOX_VIEW': {'admin'},
    'AUDIT_VIEW': {'admin'},
    'PRIVACY_MANAGE': {'admin'},
    'USERS_MANAGE': {'admin'},
    # The register: the panel reads it without contacts; institution contacts their own record.
    'INSTITUTIONS_LIST': RUN_PROGRAMMES | {'panel'},
    'INSTITUTION_VIEW': RUN_PROGRAMMES | {'panel', 'institution'},
    'INSTITUTION_CONTACTS': RUN_PROGRAMMES,
    'INSTITUTIONS_MANAGE': RUN_PROGRAMMES,
    'PROGRAMMES_VIEW': STAFF_READERS,
    'PROGRAMMES_MANAGE': RUN_PROGRAMMES,
    # The need index and the selection (issue 5); the pilot (issue 6).
    'NEED_VIEW': RUN_PROGRAMMES | {'panel'},
    'NEED_EXPLAIN': RUN_PROGRAMMES | {'panel', 'institution'},
    'NEED_MANAGE': RUN_PROGRAMMES,
    'SELECTION_VIEW': RUN_PROGRAMMES | {'panel'},
    'SELECTION_MANAGE': RUN_PROGRAMMES,
    'INVITATION_RESPOND': EVERYONE,
    'DEVICES_VIEW': RUN_PROGRAMMES | {'institution'},
    'DEVICES_MANAGE': RUN_PROGRAMMES,
    'DELIVERY_CONFIRM': RUN_PROGRAMMES | {'institution'},
    'TRAINING_VIEW': RUN_PROGRAMMES | {'trainer', 'institution'},
    'TRAINING_MANAGE': RUN_PROGRAMMES,
    'ATTENDANCE_RECORD': RUN_PROGRAMMES | {'trainer'},
    'FEEDBACK_VIEW': STAFF_READERS,
    'FEEDBACK_TAG': RUN_PROGRAMMES,
    'REPORT_INSTITUTION': RUN_PROGRAMMES | {'panel', 'institution'},
    'REPORT_PROGRAMME': STAFF_READERS,
    'DASHBOARD_VIEW': RUN_PROGRAMMES,
}
# The least scope a token needs for each action of the API.
SCOPE_NEEDED = {'API_FORMS_READ': 'read', 'API_SUBMIT': 'submit', 'API_SUBMISSION_READ': 'read',
                'API_REVISE': 'submit', 'API_ME': 'read'}
SCOPE_RANK = {'read': 0, 'submit': 1, 'admin': 2}
FORM = 'needs-survey'


def routes():
    p = subprocess.run([BIN, 'routes'], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    rows = [line.split('\t') for line in p.stdout.splitlines() if line]
    assert all(len(r) == 5 for r in rows), rows
    return rows


class Reader:
    """One kind of reader: anonymous, a role's session, or a role's token of one scope."""

    def __init__(self, server, role=None, via=None, scope=None, token=None):
        self.server, self.role, self.via, self.scope, self.token = server, role, via, scope, token
        self.session = server.client(role) if via == 'session' else None

    @property
    def name(self):
        if not self.via:
            return 'anonymous'
        return '%s by %s' % (self.role, self.via if self.via == 'session' else self.scope + ' token')

    def client(self):
        """The client for one request: the session's own (signed in again when a sign-out ended
        it), or a fresh one, so that nothing an anonymous request is given stays."""
        if self.session:
            if 'sid' not in self.session.cookies:
                email, password = self.server.account(self.role)
                assert self.session.sign_in(email, password) == 303
            return self.session
        return Client(self.server, token=self.token)

    def expected(self, action, surface):
        """True when this reader passes the gate of action on its surface."""
        allowed = ALLOWED[action]
        if surface == 'api':
            if self.via != 'token':
                return 'anonymous' in allowed  # the API ignores the session cookie
            need = SCOPE_NEEDED.get(action, 'admin')
            return self.role in allowed and SCOPE_RANK[self.scope] >= SCOPE_RANK[need]
        if self.via != 'session':
            return 'anonymous' in allowed  # pages ignore bearer tokens
        return self.role in allowed

    def signed_in_on(self, surface):
        return self.via == ('token' if surface == 'api' else 'session')


class Matrix(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.routes = routes()
        coordinator = cls.server.client('coordinator')
        _, _, body = coordinator.get('/forms/%s/submissions' % FORM)
        cls.submission = re.search(r'href="/forms/%s/submissions/([0-9a-f-]{36})"' % FORM, body.decode()).group(1)
        status, headers, _ = Client(cls.server).request('POST', '/s/%s/start' % FORM, body='',
                                                        headers={'Content-Type': 'application/x-www-form-urlencoded'})
        cls.draft = re.search(r'/r/([0-9a-f]{32})', headers['location']).group(1)
        cls.readers = [Reader(cls.server)]
        for role in ROLES:
            cls.readers.append(Reader(cls.server, role, 'session'))
            for scope in ('read', 'submit', 'admin') if role == 'admin' else ('read', 'submit'):
                cls.readers.append(Reader(cls.server, role, 'token', scope, cls.server.token(role, scope)))

    @classmethod
    def tearDownClass(cls):
        log = cls.server.read_log()
        code = cls.server.stop()
        assert 'Sanitizer' not in log and 'runtime error' not in log, log
        assert code == 0, (code, log)

    def concrete(self, pattern):
        """A real address for a pattern: the needs survey, one of its submissions, a draft of it."""
        values = {'form_id': FORM, 'id': self.submission, 'token': self.draft, 'page': '1', 'file...': 'app.css',
                  'slug': 'bridging-2026', 'campaign': '01938a40-0000-7000-8000-00000000d201'}
        if pattern.startswith('/reset/'):
            values['token'] = 'B' * 43  # no such link: 410 for whoever may ask
        if pattern.startswith('/account/tokens/'):
            values['id'] = str(uuid.uuid4())  # nobody's token: 404 for whoever may ask
        return re.sub(r'\{([^}]+)\}', lambda m: values.get(m.group(1), 'x'), pattern)

    def send(self, reader, method, path, surface, csrf):
        c = reader.client()
        if method == 'GET':
            return c.get(path)
        if surface == 'api':
            return c.post_json(path, {})
        fields = {}
        if path == '/signin':
            # Signing in with the reader's own account (anonymous: the partner's), which every
            # reader may; a failed sign-in would answer 401 for reasons of its own.
            email, password = self.server.account(reader.role or 'partner')
            fields = {'email': email, 'password': password}
        return c.post_form(path, fields, csrf=csrf)

    def test_the_binary_lists_every_route_with_a_known_action(self):
        self.assertGreater(len(self.routes), 40)
        for method, pattern, action, surface, csrf in self.routes:
            where = '%s %s' % (method, pattern)
            self.assertNotEqual(action, 'NONE', where + ' names no policy action: everyone is refused')
            self.assertIn(action, ALLOWED, where + ': an action this test does not know')
            self.assertEqual(surface == 'api', pattern.startswith('/api/'), where)
            self.assertEqual(surface == 'respondent', pattern.startswith(('/s/', '/invitation/')), where)
            # every POST of a page checks the CSRF value; the survey flow and the API do not
            self.assertEqual(csrf == 'csrf', method == 'POST' and surface == 'page', where)
            if pattern.startswith('/admin/'):
                self.assertEqual(ALLOWED[action], {'admin'}, where)

    def test_the_binarys_matrix_agrees(self):
        p = subprocess.run([BIN, 'routes', '--matrix'], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = [l for l in p.stdout.splitlines() if l.startswith('| ') and not l.startswith('| action')]
        seen = set()
        for line in lines:
            cells = [c.strip() for c in line.strip('|').split('|')]
            action, surface, verdicts, scope = cells[0], cells[2], cells[3:10], cells[10]
            seen.add(action)
            for who, verdict in zip(('anonymous',) + ROLES, verdicts):
                want = who in ALLOWED[action]
                got = verdict in ('yes', 'own')
                self.assertEqual(got, want, '%s for %s: the binary says %s' % (action, who, verdict))
            if surface == 'api':
                self.assertEqual(scope, SCOPE_NEEDED[action], action)
        self.assertEqual(seen, set(ALLOWED))

    def test_the_docs_show_this_matrix(self):
        p = subprocess.run([BIN, 'routes', '--matrix'], capture_output=True, text=True, timeout=60)
        doc = os.path.join(os.path.dirname(__file__), '..', '..', 'docs', 'security.md')
        with open(doc, encoding='utf-8') as f:
            lines = set(f.read().splitlines())
        missing = [l for l in p.stdout.splitlines() if l not in lines]
        self.assertEqual(missing, [], 'paste `edubridge routes --matrix` into docs/security.md')

    def test_every_route_as_every_reader(self):
        problems = []
        for method, pattern, action, surface, csrf in self.routes:
            path = self.concrete(pattern)
            for reader in self.readers:
                status, headers, body = self.send(reader, method, path, surface, csrf == 'csrf')
                where = '%s %s as %s (%s): %d' % (method, path, reader.name, action, status)
                location = headers.get('location', '')
                if reader.expected(action, surface):
                    if status in (401, 403) or status >= 500 or location.startswith('/signin'):
                        problems.append(where + ', expected it allowed')
                elif surface == 'api':
                    challenge = headers.get('www-authenticate', '')
                    if reader.signed_in_on(surface):
                        scope_short = reader.role in ALLOWED[action]
                        if status != 403 or ('insufficient_scope' in challenge) != scope_short:
                            problems.append(where + ', expected 403%s' % (' insufficient_scope' if scope_short else ''))
                    elif status != 401 or not challenge.startswith('Bearer'):
                        problems.append(where + ', expected 401 with a Bearer challenge')
                elif reader.signed_in_on(surface):
                    if status != 403:
                        problems.append(where + ', expected 403')
                elif method == 'GET':
                    want = '/signin?next=' + re.sub(r'[^A-Za-z0-9_.~-]', lambda m: '%%%02X' % ord(m.group(0)), path)
                    if status != 302 or location != want:
                        problems.append(where + ' to %r, expected 302 to %s' % (location, want))
                elif status != 303 or location != '/signin':
                    problems.append(where + ' to %r, expected 303 to /signin' % location)
        self.assertEqual(problems, [], '\n'.join(problems))

    def test_head_follows_get(self):
        admin = self.server.client('admin')
        partner = self.server.client('partner')
        self.assertEqual(admin.request('HEAD', '/admin/outbox')[0], 200)
        self.assertEqual(partner.request('HEAD', '/admin/outbox')[0], 403)
        self.assertEqual(Client(self.server).request('HEAD', '/forms/%s/export.csv' % FORM)[0], 302)

    def test_refusals_say_so(self):
        # a page: the project's 403 page, nothing of what was asked
        status, _, body = self.server.client('partner').get('/forms/%s/submissions' % FORM)
        self.assertEqual(status, 403)
        self.assertIn('Access refused', body.decode())
        self.assertNotIn(self.submission, body.decode())
        # the API: JSON, and the challenge a client can act on
        status, headers, body = Client(self.server).get('/api/v1/forms/%s/submissions/%s' % (FORM, self.submission))
        self.assertEqual(status, 401)
        self.assertEqual(headers['content-type'], 'application/json')
        self.assertIn('Bearer', headers['www-authenticate'])
        self.assertNotIn(self.submission, body.decode())
        reader = Client(self.server, token=self.server.token('coordinator', 'read'))
        status, headers, body = reader.post_json('/api/v1/forms/%s/submissions' % FORM, {})
        self.assertEqual(status, 403)
        self.assertIn('insufficient_scope', headers['www-authenticate'])
        self.assertIn('scope', body.decode())
        # after signing in, back where the reader was going, query and all
        c = Client(self.server)
        status, headers, _ = c.get('/forms/%s/summary?q=connection&lang=fr' % FORM)
        self.assertEqual(status, 302)
        nxt = re.search(r'next=([^&]+)', headers['location']).group(1)
        email, password = self.server.account('partner')
        status, headers, _ = c.post_form('/signin', {'email': email, 'password': password,
                                                     'next': urllib.parse.unquote(nxt)})
        self.assertEqual(status, 303)
        self.assertEqual(headers['location'], '/forms/%s/summary?q=connection&lang=fr' % FORM)

    def test_what_each_role_is_offered(self):
        # The overview links only to what the reader may open.
        links = {}
        for role in ('coordinator', 'panel', 'partner'):
            _, _, body = self.server.client(role).get('/forms/' + FORM)
            links[role] = set(re.findall(r'href="(/forms/%s/[^"?]+)"' % FORM, body.decode()))
        base = '/forms/' + FORM
        self.assertTrue({base + '/summary', base + '/submissions', base + '/export.csv'} <= links['coordinator'])
        self.assertIn(base + '/export.csv', links['panel'])
        self.assertNotIn(base + '/submissions', links['panel'])
        self.assertEqual(links['partner'], {base + '/summary'})
        # The navigation leads to forms only those who may list them.
        nav = lambda c: re.search(r'<nav class="main".*?</nav>', c.get('/')[2].decode()).group(0)
        self.assertIn('href="/forms"', nav(self.server.client('partner')))
        self.assertNotIn('href="/forms"', nav(self.server.client('trainer')))
        self.assertNotIn('href="/forms"', nav(Client(self.server)))
        # A submission's page offers the correction to those who may make it.
        _, _, body = self.server.client('admin').get('/forms/%s/submissions/%s' % (FORM, self.submission))
        self.assertIn('/correct"', body.decode())
        self.assertRegex(body.decode(), r'action="[^"]+/correct"><input type="hidden" name="_csrf"')


if __name__ == '__main__':
    unittest.main(verbosity=2)

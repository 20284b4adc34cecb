"""Starts the real edubridge binary on an ephemeral loopback port for integration tests.

Only the Python standard library: the tests run on a fresh Debian machine with nothing but what
scripts/deps.sh installs (python3 comes with meson)."""
import http.client
import json
import os
import re
import signal
import sqlite3
import subprocess
import tempfile
import time
import urllib.parse

BIN = os.environ.get('EDUBRIDGE_BIN', os.path.join(os.path.dirname(__file__), '..', '..', 'build', 'edubridge'))

ROLES = ('admin', 'coordinator', 'panel', 'institution', 'trainer', 'partner')
# `edubridge demo` makes ROLE@demo.edubridge.test with this password; servers without the demo
# get ROLE@test.edubridge.test with the same password from `edubridge user add` (Server.account).
DEMO_PASSWORD = 'edubridge-demo'


def run_cli(*args, input=None, env=None):
    """Runs `edubridge ARGS`; returns (exit code, stdout, stderr)."""
    full_env = dict(os.environ)
    full_env.pop('EDUBRIDGE_DB', None)
    full_env.pop('EDUBRIDGE_LISTEN', None)
    if env:
        full_env.update(env)
    p = subprocess.run([BIN, *args], input=input, capture_output=True, text=True, env=full_env, timeout=120)
    return p.returncode, p.stdout, p.stderr


class Server:
    """A running `edubridge serve` with a demo database in a temporary directory."""

    def __init__(self, extra_args=(), demo=True):
        self.demo = demo
        self.made = set()  # accounts made by account()
        self.dir = tempfile.TemporaryDirectory(prefix='edubridge-it-')
        self.db = os.path.join(self.dir.name, 'test.db')
        if demo:
            code, out, err = run_cli('demo', '--db', self.db)
            assert code == 0, err
        self.log = open(os.path.join(self.dir.name, 'server.log'), 'w+')
        self.proc = subprocess.Popen([BIN, 'serve', '--db', self.db, '--listen', '127.0.0.1:0', *extra_args],
                                     stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r'http://127\.0\.0\.1:(\d+)/', line)
        if not m:
            self.stop()
            raise RuntimeError('server did not start: %r %s' % (line, self.read_log()))
        self.port = int(m.group(1))

    def request(self, method, path, body=None, headers=None, timeout=10):
        """Returns (status, headers as a lower-cased dict, body bytes)."""
        conn = http.client.HTTPConnection('127.0.0.1', self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            data = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        finally:
            conn.close()

    def get(self, path, headers=None):
        return self.request('GET', path, headers=headers)

    def account(self, role):
        """(email, password) of an account with this role: the demo's, or one made for the test."""
        if self.demo:
            return '%s@demo.edubridge.test' % role, DEMO_PASSWORD
        email = '%s@test.edubridge.test' % role
        if email not in self.made:
            code, _, err = run_cli('user', 'add', '--role', role, email, '--db', self.db, input=DEMO_PASSWORD + '\n')
            assert code == 0, err
            self.made.add(email)
        return email, DEMO_PASSWORD

    def client(self, role=None, token=None):
        """A Client signed in as an account with role (None: anonymous), or sending token."""
        c = Client(self, token=token)
        if role:
            email, password = self.account(role)
            status = c.sign_in(email, password)
            assert status == 303, 'signing in as %s: %d' % (email, status)
        return c

    def token(self, role, scope):
        """A new API token of an account with role, with scope (read, submit or admin)."""
        c = self.client(role)
        status, _, body = c.post_form('/account/tokens', {'name': 'test %s %s' % (role, scope), 'scope': scope})
        m = re.search(r'<code class="secret">(eb_[A-Za-z0-9_-]{43})</code>', body.decode())
        assert status == 200 and m, 'no %s token for %s: %d' % (scope, role, status)
        return m.group(1)

    def read_log(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def stop(self, sig=signal.SIGTERM, timeout=15):
        """Stops the server; returns its exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        code = self.proc.returncode
        self.proc.stdout.close()
        self.log.close()
        self.dir.cleanup()
        return code


class Client:
    """What one browser, or one program of the API, sends: a cookie jar (the session, the CSRF
    cookie of anonymous forms) and, for the API, a bearer token. Answers as Server.request does.

    Each client says it comes from an address of its own (X-Forwarded-For), which a server started
    with --trust-proxy believes: the sign-in throttle of one client then leaves the others alone."""

    _addresses = [0]

    def __init__(self, server, token=None):
        self.server = server
        self.cookies = {}
        self.token = token
        self._csrf_of = {}
        Client._addresses[0] += 1
        n = Client._addresses[0]
        self.addr = '10.%d.%d.%d' % (n >> 16 & 255, n >> 8 & 255, n & 255)

    def request(self, method, path, body=None, headers=None, timeout=20):
        h = {'X-Forwarded-For': self.addr}
        if self.cookies:
            h['Cookie'] = '; '.join('%s=%s' % kv for kv in self.cookies.items())
        if self.token:
            h['Authorization'] = 'Bearer ' + self.token
        h.update(headers or {})
        conn = http.client.HTTPConnection('127.0.0.1', self.server.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            data = r.read()
            pairs = r.getheaders()
        finally:
            conn.close()
        for k, v in pairs:
            if k.lower() == 'set-cookie':
                name, _, rest = v.partition('=')
                if name == 'lang':
                    continue  # each request says its language (?lang=), or reads English
                if 'Max-Age=0' in v:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = rest.split(';', 1)[0]
        return r.status, {k.lower(): v for k, v in pairs}, data

    def get(self, path, headers=None):
        return self.request('GET', path, headers=headers)

    def csrf(self, path='/'):
        """The _csrf value of the first form on a page: the sign-out form of a signed-in reader's
        pages, the sign-in form's (and its cookie) for an anonymous one."""
        sid = self.cookies.get('sid')
        if path == '/' and not sid:
            path = '/signin'
        if path == '/' and self._csrf_of.get(sid):
            return self._csrf_of[sid]  # one value per session
        status, _, body = self.get(path)
        m = re.search(r'name="_csrf" value="([^"]+)"', body.decode())
        assert m, 'no _csrf on %s (%d)' % (path, status)
        if path == '/' and sid == self.cookies.get('sid'):
            self._csrf_of[sid] = m.group(1)
        return m.group(1)

    def post_form(self, path, fields=None, csrf=True, headers=None):
        """POSTs urlencoded fields, with the right _csrf unless csrf is False (or a value to send)."""
        fields = dict(fields or {})
        if csrf is True:
            fields['_csrf'] = self.csrf()
        elif csrf:
            fields['_csrf'] = csrf
        h = {'Content-Type': 'application/x-www-form-urlencoded'}
        h.update(headers or {})
        return self.request('POST', path, body=urllib.parse.urlencode(fields, doseq=True), headers=h)

    def post_json(self, path, doc):
        body = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
        return self.request('POST', path, body=body, headers={'Content-Type': 'application/json'})

    def sign_in(self, email, password=DEMO_PASSWORD):
        self.cookies.pop('sid', None)
        status, _, _ = self.post_form('/signin', {'email': email, 'password': password})
        return status


def stop_server(server):
    """Stops the server and checks that it ended cleanly: exit status 0, and no sanitizer report
    in its log (under -Db_sanitize the server reports there, not through any response)."""
    log = server.read_log()
    code = server.stop()
    assert 'Sanitizer' not in log and 'runtime error' not in log, log
    assert code == 0, (code, log)


def db_rows(path, sql, *params):
    """The rows of one query on the test's database, read beside the running server."""
    con = sqlite3.connect(path, timeout=10)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def db_exec(path, sql, *params):
    """One statement on the test's database, committed (to set up what a test needs)."""
    con = sqlite3.connect(path, timeout=10)
    try:
        con.execute(sql, params)
        con.commit()
    finally:
        con.close()

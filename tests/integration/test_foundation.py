"""Integration tests of the foundation: the real binary, over HTTP on a loopback port."""
import gzip
import json
import os
import re
import signal
import socket
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, run_cli  # noqa: E402

SECURITY_HEADERS = {
    'content-security-policy': None,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
}


class Pages(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def assert_security_headers(self, headers):
        for name, value in SECURITY_HEADERS.items():
            self.assertIn(name, headers)
            if value:
                self.assertEqual(headers[name], value)
        csp = headers['content-security-policy']
        self.assertIn("frame-ancestors 'none'", csp)
        self.assertNotIn('unsafe-inline', csp)

    def test_home(self):
        status, headers, body = self.server.get('/')
        self.assertEqual(status, 200)
        self.assertEqual(headers['content-type'], 'text/html; charset=utf-8')
        html = body.decode()
        self.assertIn('<html lang="en"', html)
        self.assertIn('Skip to content', html)
        self.assertIn('<main id="main"', html)
        self.assertIn('Bridging the Digital Divide in Education 2026', html)  # the demo programme
        self.assert_security_headers(headers)

    def test_head_matches_get(self):
        status, headers, body = self.server.request('HEAD', '/')
        self.assertEqual(status, 200)
        self.assertEqual(body, b'')
        _, _, get_body = self.server.get('/')
        self.assertEqual(int(headers['content-length']), len(get_body))

    def test_not_found(self):
        status, headers, body = self.server.get('/no/such/page')
        self.assertEqual(status, 404)
        html = body.decode()
        self.assertIn('Page not found', html)
        self.assertIn('href="/"', html)
        self.assert_security_headers(headers)

    def test_method_not_allowed(self):
        status, headers, _ = self.server.request('DELETE', '/')
        self.assertEqual(status, 405)
        self.assertIn('GET', headers['allow'])

    def test_bad_escape_is_400_in_our_look(self):
        status, headers, body = self.server.get('/%zz')
        self.assertEqual(status, 400)
        self.assertIn(b'Bad request', body)
        self.assert_security_headers(headers)

    def test_healthz(self):
        status, headers, body = self.server.get('/healthz')
        self.assertEqual(status, 200)
        self.assertEqual(headers['content-type'], 'application/json')
        doc = json.loads(body)
        self.assertEqual(doc['database'], 'ok')
        self.assertRegex(doc['version'], r'^\d+\.\d+\.\d+$')
        self.assertLess(len(body), 100)
        self.assert_security_headers(headers)

    def test_gzip_negotiation(self):
        status, headers, body = self.server.get('/', {'Accept-Encoding': 'gzip, deflate'})
        self.assertEqual(status, 200)
        self.assertEqual(headers.get('content-encoding'), 'gzip')
        self.assertIn('Accept-Encoding', headers.get('vary', ''))
        plain = gzip.decompress(body).decode()
        self.assertIn('<html lang="en"', plain)
        # No gzip when the client does not ask, or refuses it.
        for ae in (None, 'identity', 'gzip;q=0'):
            h = {'Accept-Encoding': ae} if ae else {}
            _, headers, body = self.server.get('/', h)
            self.assertNotIn('content-encoding', headers, ae)
            self.assertTrue(body.startswith(b'<!doctype html>'))

    def test_stylesheet_cached_with_etag(self):
        _, _, body = self.server.get('/')
        href = re.search(r'<link rel="stylesheet" href="([^"]+)"', body.decode()).group(1)
        status, headers, css = self.server.get(href)
        self.assertEqual(status, 200)
        self.assertTrue(headers['content-type'].startswith('text/css'))
        self.assertIn('max-age=31536000', headers['cache-control'])
        self.assertLessEqual(len(css), 6 * 1024, 'the stylesheet must stay within 6 KB')
        etag = headers['etag']
        status, headers, body = self.server.get(href, {'If-None-Match': etag})
        self.assertEqual(status, 304)
        self.assertEqual(body, b'')
        status, headers, body = self.server.get(href, {'Accept-Encoding': 'gzip'})
        self.assertEqual(headers.get('content-encoding'), 'gzip')
        self.assertEqual(gzip.decompress(body), css)

    def test_oversize_post_is_413_and_not_read(self):
        # Declare 100 MiB but send only the headers: the server must answer without reading it.
        s = socket.create_connection(('127.0.0.1', self.server.port), timeout=10)
        s.sendall(b'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n'
                  b'Content-Length: 104857600\r\n\r\n')
        reply = s.recv(4096)
        s.close()
        self.assertTrue(reply.startswith(b'HTTP/1.1 413'), reply[:100])
        # And the server still serves.
        self.assertEqual(self.server.get('/healthz')[0], 200)

    def test_languages(self):
        cases = {
            'en': ('Bridging the digital divide in education', 'Home'),
            'fr': ('Réduire la fracture numérique dans l’éducation', 'Accueil'),
            'es': ('Cerrar la brecha digital en la educación', 'Inicio'),
        }
        for code, (heading, nav) in cases.items():
            status, headers, body = self.server.get('/?lang=' + code)
            html = body.decode()
            self.assertEqual(status, 200)
            self.assertIn('<html lang="%s"' % code, html)
            self.assertIn(heading, html)
            self.assertIn(nav, html)
            self.assertIn('lang=%s' % code, headers.get('set-cookie', ''))

    def test_language_order(self):
        # The cookie beats Accept-Language; ?lang= beats the cookie.
        _, _, body = self.server.get('/', {'Accept-Language': 'es-ES,es;q=0.9,en;q=0.5'})
        self.assertIn('<html lang="es"', body.decode())
        _, _, body = self.server.get('/', {'Accept-Language': 'it, fr;q=0.8, en;q=0.5'})
        self.assertIn('<html lang="fr"', body.decode())
        _, _, body = self.server.get('/', {'Accept-Language': 'es', 'Cookie': 'lang=fr'})
        self.assertIn('<html lang="fr"', body.decode())
        _, _, body = self.server.get('/?lang=en', {'Accept-Language': 'es', 'Cookie': 'lang=fr'})
        self.assertIn('<html lang="en"', body.decode())
        _, _, body = self.server.get('/?lang=xx', {'Accept-Language': 'zz'})
        self.assertIn('<html lang="en"', body.decode())

    def test_hostile_query_is_escaped(self):
        status, _, body = self.server.get('/nope?lang=%22%3E%3Cscript%3Ealert(1)%3C/script%3E')
        self.assertEqual(status, 404)
        self.assertNotIn(b'<script>', body)

    def test_no_links_to_other_sites_from_the_path(self):
        for path in ('//evil.example/x', '/\\evil.example'):
            status, _, body = self.server.get(path)
            self.assertEqual(status, 404)
            self.assertNotIn(b'evil.example?', body)
            self.assertNotIn(b'href="//evil', body)
            self.assertNotIn(b'href="/\\evil', body)

    def test_access_log(self):
        self.server.get('/healthz?probe=accesslog')
        time.sleep(0.1)
        self.assertRegex(self.server.read_log(), r'"GET /healthz\?probe=accesslog" 200 \d+')


class Lifecycle(unittest.TestCase):
    def test_sigterm_exits_zero(self):
        server = Server()
        self.assertEqual(server.get('/healthz')[0], 200)
        self.assertEqual(server.stop(signal.SIGTERM), 0)

    def test_sigint_exits_zero(self):
        server = Server()
        self.assertEqual(server.stop(signal.SIGINT), 0)

    def test_request_in_flight_finishes(self):
        # A request whose body is still arriving when SIGTERM comes is finished, not cut.
        server = Server()
        s = socket.create_connection(('127.0.0.1', server.port), timeout=10)
        s.sendall(b'POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\n12345')
        time.sleep(0.2)
        server.proc.send_signal(signal.SIGTERM)
        time.sleep(0.2)
        s.sendall(b'67890')
        reply = s.recv(4096)
        s.close()
        self.assertTrue(reply.startswith(b'HTTP/1.1 405'), reply[:80])  # /healthz is GET only
        self.assertEqual(server.proc.wait(timeout=15), 0)
        server.stop()

    def test_serve_creates_and_migrates_a_new_database(self):
        server = Server(demo=False)
        status, _, body = server.get('/')
        self.assertEqual(status, 200)
        self.assertIn(b'edubridge demo', body)  # the hint shown when there is no programme
        self.assertEqual(server.stop(), 0)


class Cli(unittest.TestCase):
    def test_version_and_help(self):
        code, out, _ = run_cli('version')
        self.assertEqual(code, 0)
        self.assertRegex(out, r'^edubridge \d+\.\d+\.\d+\n$')
        code, out, _ = run_cli('help')
        self.assertEqual(code, 0)
        for cmd in ('serve', 'init', 'demo', 'version', 'help'):
            self.assertIn(cmd, out)
        for cmd in ('serve', 'init', 'demo', 'version'):
            code, out, _ = run_cli(cmd, '--help')
            self.assertEqual(code, 0, cmd)
            self.assertIn('Usage: edubridge ' + cmd, out)

    def test_bad_usage_exits_2(self):
        for args in (('nope',), ('serve', '--bogus'), ('serve', '--listen', 'nowhere'),
                     ('serve', '--workers', '0'), ('init', 'extra'), ('demo', '--db'), ()):
            code, _, err = run_cli(*args)
            self.assertEqual(code, 2, args)
            self.assertTrue(err.strip(), args)

    def test_init_is_idempotent_and_demo_loads_once(self):
        with tempfile.TemporaryDirectory() as d:
            db = os.path.join(d, 'x.db')
            code, out, _ = run_cli('init', '--db', db)
            self.assertEqual(code, 0)
            self.assertIn('applied', out)
            code, out, _ = run_cli('init', '--db', db)
            self.assertEqual(code, 0)
            self.assertIn('already up to date', out)
            code, out, _ = run_cli('demo', '--db', db)
            self.assertIn('demo programme loaded', out)
            code, out, _ = run_cli('demo', '--db', db)
            self.assertIn('already there', out)
            # EDUBRIDGE_DB is the default for --db.
            code, out, _ = run_cli('init', env={'EDUBRIDGE_DB': db})
            self.assertIn(db, out)

    def test_unwritable_database_is_a_clear_error(self):
        code, _, err = run_cli('init', '--db', '/nonexistent-dir/x.db')
        self.assertEqual(code, 1)
        self.assertIn('cannot open database', err)

    def test_listen_from_environment(self):
        with tempfile.TemporaryDirectory() as d:
            code, _, err = run_cli('serve', '--db', os.path.join(d, 'x.db'), env={'EDUBRIDGE_LISTEN': 'bad'})
            self.assertEqual(code, 2)
            self.assertIn("'bad'", err)


if __name__ == '__main__':
    unittest.main(verbosity=2)

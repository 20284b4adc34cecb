"""Starts the real edubridge binary on an ephemeral loopback port for integration tests.

Only the Python standard library: the tests run on a fresh Debian machine with nothing but what
scripts/deps.sh installs (python3 comes with meson)."""
import http.client
import os
import re
import signal
import subprocess
import tempfile
import time

BIN = os.environ.get('EDUBRIDGE_BIN', os.path.join(os.path.dirname(__file__), '..', '..', 'build', 'edubridge'))


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

"""Correcting submitted answers, with the real binary over HTTP: the JSON API (one submission and
its revisions) and the coordinators' pages (the list, one submission, a correction made through
the survey pages). A correction is a new revision; only the current one is listed and exported."""
import csv
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, run_cli, stop_server  # noqa: E402

FORM = os.path.join(os.path.dirname(__file__), 'forms', 'skip.md')
FORM_ACCEPT = {'Content-Type': 'application/json'}
POSTED = {'Content-Type': 'application/x-www-form-urlencoded'}
ANSWERS = {'has_internet': 'no', 'learners': 5, 'teacher': [{'teacher_name': 'Ana'}]}


def start_server():
    server = Server(demo=False)
    code, _, err = run_cli('form', 'import', FORM, '--db', server.db)
    assert code == 0, err
    return server


class Api(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = start_server()
        # Reading and correcting submissions takes a coordinator's token; submitting does not.
        cls.api = cls.server.client(token=cls.server.token('coordinator', 'submit'))

    @classmethod
    def tearDownClass(cls):
        stop_server(cls.server)

    def submit(self, answers=ANSWERS):
        status, _, body = self.server.request('POST', '/api/v1/forms/skip-test/submissions',
                                              body=json.dumps(answers).encode(), headers=FORM_ACCEPT)
        self.assertEqual(status, 201, body)
        return json.loads(body)['id']

    def get(self, sid, form='skip-test'):
        status, _, body = self.api.get('/api/v1/forms/%s/submissions/%s' % (form, sid))
        return status, json.loads(body)

    def revise(self, sid, answers, query='', headers=FORM_ACCEPT, form='skip-test'):
        data = answers if isinstance(answers, bytes) else json.dumps(answers).encode()
        status, headers, body = self.api.request(
            'POST', '/api/v1/forms/%s/submissions/%s/revisions%s' % (form, sid, query), body=data, headers=headers)
        return status, headers, json.loads(body) if body else None

    def test_get_a_submission(self):
        sid = self.submit()
        status, doc = self.get(sid)
        self.assertEqual(status, 200)
        self.assertEqual(doc['id'], sid)
        self.assertEqual(doc['instance_id'], 'uuid:' + sid)
        self.assertEqual(doc['form_version'], '1')
        self.assertEqual(doc['revision'], 1)
        self.assertEqual(doc['status'], 'submitted')
        self.assertTrue(doc['current'])
        self.assertIsNone(doc['supersedes'])
        self.assertIsNone(doc['current_id'])
        self.assertEqual(doc['lang'], 'en')
        self.assertRegex(doc['submitted_at'], r'^\d{4}-\d\d-\d\dT')
        self.assertEqual(doc['answers']['learners'], '5')
        self.assertEqual(doc['answers']['teacher'], [{'teacher_name': 'Ana'}])
        self.assertEqual([r['id'] for r in doc['revisions']], [sid])

    def test_revise_and_the_chain(self):
        sid = self.submit()
        _, first = self.get(sid)
        # The answers as GET gives them are what the POST takes: change one and send them back.
        answers = dict(first['answers'], learners=6)
        status, headers, doc = self.revise(sid, answers)
        self.assertEqual(status, 201, doc)
        rid = doc['id']
        self.assertNotEqual(rid, sid)
        self.assertEqual(doc['revision'], 2)
        self.assertEqual(doc['supersedes'], sid)
        self.assertEqual(doc['instance_id'], 'uuid:' + sid)
        self.assertEqual(headers['location'], '/api/v1/forms/skip-test/submissions/' + rid)
        status, new = self.get(rid)
        self.assertEqual(status, 200)
        self.assertTrue(new['current'])
        self.assertEqual(new['supersedes'], sid)
        self.assertEqual(new['answers']['learners'], '6')
        self.assertEqual([(r['id'], r['revision'], r['current']) for r in new['revisions']],
                         [(sid, 1, False), (rid, 2, True)])
        status, old = self.get(sid)
        self.assertFalse(old['current'])
        self.assertEqual(old['current_id'], rid)
        self.assertEqual(old['answers']['learners'], '5')  # never edited in place
        # A third revision from the second.
        status, _, doc = self.revise(rid, dict(answers, learners=7))
        self.assertEqual(status, 201)
        _, old = self.get(sid)
        self.assertEqual(old['current_id'], doc['id'])
        self.assertEqual(len(old['revisions']), 3)

    def test_not_the_current_revision(self):
        sid = self.submit()
        status, _, doc = self.revise(sid, dict(ANSWERS, learners=8))
        self.assertEqual(status, 201)
        rid = doc['id']
        # Someone who still has the first revision is told, with the current one named.
        status, _, doc = self.revise(sid, dict(ANSWERS, learners=9))
        self.assertEqual(status, 409)
        self.assertEqual(doc['current_id'], rid)
        self.assertIn('error', doc)
        _, cur = self.get(rid)
        self.assertEqual(cur['answers']['learners'], '8')
        self.assertEqual(len(cur['revisions']), 2)

    def test_invalid_answers(self):
        sid = self.submit()
        status, _, doc = self.revise(sid, {'has_internet': 'yes', 'learners': 0, 'teacher': [{'teacher_name': 'A'}]})
        self.assertEqual(status, 422)
        fields = {e['field']: e['message'] for e in doc['errors']}
        self.assertEqual(fields['learners'], 'Between 1 and 5000')
        self.assertIn('speed', fields)  # required once has_internet is yes
        status, _, doc = self.revise(sid, dict(ANSWERS, bogus=1))
        self.assertEqual(status, 422)
        self.assertEqual(doc['errors'][0]['field'], 'bogus')
        status, _, doc = self.revise(sid, b'not json')
        self.assertEqual(status, 422)
        status, _, _ = self.revise(sid, ANSWERS, headers={'Content-Type': 'text/plain'})
        self.assertEqual(status, 415)
        # Nothing was stored.
        _, doc = self.get(sid)
        self.assertTrue(doc['current'])
        self.assertEqual(len(doc['revisions']), 1)

    def test_unknown_submission_or_another_form(self):
        sid = self.submit()
        self.assertEqual(self.get('01234567-89ab-7def-8123-456789abcdef')[0], 404)
        self.assertEqual(self.revise('01234567-89ab-7def-8123-456789abcdef', ANSWERS)[0], 404)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, 'other.md')
            with open(path, 'w') as f:
                f.write('| survey |\n| | type | name | label |\n| | text | note | Note |\n'
                        '| settings |\n| | form_id |\n| | other-test |\n')
            self.assertEqual(run_cli('form', 'import', path, '--db', self.server.db)[0], 0)
        self.assertEqual(self.get(sid, form='other-test')[0], 404)
        self.assertEqual(self.revise(sid, {'note': 'x'}, form='other-test')[0], 404)
        self.assertEqual(self.get(sid, form='no-such-form')[0], 404)
        # A respondent's draft is theirs: not found here.
        status, headers, _ = self.server.request('POST', '/s/skip-test/start', body='lang=en', headers=POSTED)
        token = re.search(r'/r/([0-9a-f]{32})/', headers['location']).group(1)
        draft = subprocess.run(['sqlite3', self.server.db, "SELECT id FROM submissions WHERE token = '%s'" % token],
                               capture_output=True, text=True).stdout.strip()
        self.assertTrue(draft)
        self.assertEqual(self.get(draft)[0], 404)
        self.assertEqual(self.revise(draft, ANSWERS)[0], 404)

    def test_export_has_the_current_revision_once(self):
        sid = self.submit(dict(ANSWERS, learners=41))
        status, _, doc = self.revise(sid, dict(ANSWERS, learners=42))
        self.assertEqual(status, 201)
        code, out, err = run_cli('export', 'skip-test', '--format', 'json', '--output', '-', '--db', self.server.db)
        self.assertEqual(code, 0, err)
        rows = [r for r in json.loads(out) if r['_instance_id'] == 'uuid:' + sid]
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0]['_id'], doc['id'])
        self.assertEqual(rows[0]['answers']['learners'], '42')


def form_body(fields):
    return urllib.parse.urlencode(fields, doseq=True)


class Pages(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = start_server()
        # A coordinator's browser: their session, and its CSRF value on every form they post.
        cls.staff = cls.server.client('coordinator')
        cls.api = cls.server.client(token=cls.server.token('coordinator', 'read'))

    @classmethod
    def tearDownClass(cls):
        stop_server(cls.server)

    def submit(self, answers=ANSWERS):
        status, _, body = self.server.request('POST', '/api/v1/forms/skip-test/submissions',
                                              body=json.dumps(answers).encode(), headers=FORM_ACCEPT)
        self.assertEqual(status, 201, body)
        return json.loads(body)['id']

    def post(self, path, fields=None):
        return self.staff.post_form(path, fields)

    def page(self, path, status=200):
        got, _, body = self.staff.get(path)
        self.assertEqual(got, status, path)
        return body.decode()

    def start_correction(self, sid):
        status, headers, _ = self.post('/forms/skip-test/submissions/%s/correct' % sid)
        self.assertEqual(status, 303)
        loc = headers['location']
        self.assertRegex(loc, r'^/s/skip-test/r/[0-9a-f]{32}/review$')
        return loc[:-len('/review')]

    def test_overview_links_to_the_list(self):
        self.assertIn('href="/forms/skip-test/submissions"', self.page('/forms/skip-test'))

    def test_list_and_view(self):
        first = self.submit(dict(ANSWERS, learners=11))
        second = self.submit(dict(ANSWERS, learners=12))
        html = self.page('/forms/skip-test/submissions')
        self.assertIn('<h1>Submissions</h1>', html)
        self.assertNotIn('<script', html)
        links = re.findall(r'href="/forms/skip-test/submissions/([0-9a-f-]{36})"', html)
        self.assertLess(links.index(second), links.index(first))  # newest first
        self.assertRegex(html, r'<time datetime="\d{4}-\d\d-\d\dT[^"]+">\d+ \w+ \d{4}, \d\d:\d\d UTC</time>')
        self.assertIn('English', html)
        self.page('/forms/no-such-form/submissions', 404)
        self.page('/forms/skip-test/submissions?page=0', 404)
        self.page('/forms/skip-test/submissions?page=x', 404)
        html = self.page('/forms/skip-test/submissions/' + first)
        self.assertIn('How many learners?', html)  # labelled by question, as the review page
        self.assertIn('<dd>11</dd>', html)
        self.assertIn('Teacher&#39;s name (1)', html)
        self.assertIn('uuid:' + first, html)
        self.assertIn('Revision 1', html)
        self.assertIn('action="/forms/skip-test/submissions/%s/correct"' % first, html)
        self.assertIn('Correct this submission', html)
        self.assertNotIn('<script', html)
        html = self.page('/forms/skip-test/submissions/%s?lang=fr' % first)
        self.assertIn('Combien d&#39;élèves ?', html)  # the form's labels in the reader's language
        self.assertIn('Corriger cette soumission', html)
        self.page('/forms/skip-test/submissions/01234567-89ab-7def-8123-456789abcdef', 404)

    def test_correct_through_the_pages(self):
        sid = self.submit(dict(ANSWERS, learners=5))
        base = self.start_correction(sid)
        html = self.page(base + '/review')
        self.assertIn('Check the corrected answers', html)
        self.assertIn('Save the correction', html)
        self.assertIn('>5 <a', html)  # seeded with the submission's answers
        change = re.search(r'href="(%s/p/\d+\?i=0)">Change<span class="visually-hidden"> How many learners\?' % re.escape(base),
                           html).group(1)
        self.assertIn('value="5"', self.page(change.replace('&amp;', '&')))
        status, headers, _ = self.post(change.split('?')[0], {'i': '0', 'go': 'next', 'f-learners': '42'})
        self.assertEqual(status, 303)
        self.assertIn('>42 <a', self.page(base + '/review'))
        # Until it is saved the submission is unchanged.
        self.assertIn('<dd>5</dd>', self.page('/forms/skip-test/submissions/' + sid))
        status, headers, _ = self.post(base + '/submit')
        self.assertEqual(status, 303)
        self.assertTrue(headers['location'].endswith('/done'))
        html = self.page(headers['location'])
        self.assertIn('Correction saved', html)
        new = re.search(r'href="/forms/skip-test/submissions/([0-9a-f-]{36})"', html).group(1)
        self.assertNotEqual(new, sid)
        html = self.page('/forms/skip-test/submissions/' + new)
        self.assertIn('<dd>42</dd>', html)
        self.assertIn('2 of 2', html)
        self.assertIn('href="/forms/skip-test/submissions/%s">Revision 1</a>' % sid, html)
        html = self.page('/forms/skip-test/submissions/' + sid)
        self.assertIn('<dd>5</dd>', html)  # the earlier revision is kept as it was
        self.assertIn('This revision has been corrected since', html)
        self.assertIn('href="/forms/skip-test/submissions/%s"' % new, html)
        self.assertNotIn('Correct this submission', html)
        # The list and the export have the answer set once, as corrected.
        html = self.page('/forms/skip-test/submissions')
        self.assertIn('/submissions/' + new, html)
        self.assertNotIn('/submissions/' + sid, html)
        self.assertIn('Corrected', html)
        status, _, data = self.staff.get('/forms/skip-test/export.csv')
        self.assertEqual(status, 200)
        rows = list(csv.DictReader(io.StringIO(data.decode('utf-8-sig'), newline='')))
        mine = [r for r in rows if r['_instance_id'] == 'uuid:' + sid]
        self.assertEqual(len(mine), 1)
        self.assertEqual(mine[0]['_id'], new)
        self.assertEqual(mine[0]['learners'], '42')
        # The API shows the same chain.
        doc = json.loads(self.api.get('/api/v1/forms/skip-test/submissions/' + new)[2])
        self.assertEqual(doc['supersedes'], sid)
        self.assertEqual(doc['revision'], 2)
        self.assertEqual(doc['lang'], 'en')
        # The saved correction cannot be submitted again.
        status, headers, _ = self.post(base + '/submit')
        self.assertEqual(status, 303)
        self.assertTrue(headers['location'].endswith('/done'))

    def test_two_corrections_at_once(self):
        sid = self.submit()
        mine, theirs = self.start_correction(sid), self.start_correction(sid)
        status, _, _ = self.post(theirs + '/p/3', {'i': '0', 'go': 'next', 'f-learners': '30'})
        self.assertEqual(status, 303)
        status, _, _ = self.post(theirs + '/submit')
        self.assertEqual(status, 303)
        status, _, _ = self.post(mine + '/p/3', {'i': '0', 'go': 'next', 'f-learners': '31'})
        status, _, body = self.post(mine + '/submit')
        self.assertEqual(status, 409)
        html = body.decode()
        self.assertIn('This submission was corrected meanwhile', html)
        current = json.loads(self.api.get('/api/v1/forms/skip-test/submissions/' + sid)[2])['current_id']
        self.assertIn('href="/forms/skip-test/submissions/%s"' % current, html)
        # Nothing of mine was saved, and my draft is kept with my answers.
        doc = json.loads(self.api.get('/api/v1/forms/skip-test/submissions/' + current)[2])
        self.assertEqual(doc['answers']['learners'], '30')
        self.assertEqual(len(doc['revisions']), 2)
        self.assertIn('>31 <a', self.page(mine + '/review'))
        # Starting from the old revision again is refused too.
        status, _, body = self.post('/forms/skip-test/submissions/%s/correct' % sid)
        self.assertEqual(status, 409)
        self.assertIn('href="/forms/skip-test/submissions/%s"' % current, body.decode())

    def test_back_from_the_first_page_returns_to_the_submission(self):
        sid = self.submit()
        base = self.start_correction(sid)
        status, headers, _ = self.post(base + '/p/1', {'i': '0', 'go': 'back', 'f-has_internet': 'no'})
        self.assertEqual(status, 303)
        self.assertEqual(headers['location'], '/forms/skip-test/submissions/' + sid)

    def test_no_correction_of_unknown_or_other_form(self):
        sid = self.submit()
        self.assertEqual(self.post('/forms/skip-test/submissions/01234567-89ab-7def-8123-456789abcdef/correct')[0], 404)
        self.assertEqual(self.post('/forms/other/submissions/%s/correct' % sid)[0], 404)
        self.assertEqual(self.staff.get('/forms/other/submissions/' + sid)[0], 404)


class Paging(unittest.TestCase):
    def test_fifty_a_page(self):
        server = start_server()
        try:
            ids = []
            for i in range(51):
                status, _, body = server.request('POST', '/api/v1/forms/skip-test/submissions',
                                                 body=json.dumps(dict(ANSWERS, learners=i + 1)).encode(),
                                                 headers=FORM_ACCEPT)
                self.assertEqual(status, 201)
                ids.append(json.loads(body)['id'])
            staff = server.client('coordinator')
            status, _, body = staff.get('/forms/skip-test/submissions')
            html = body.decode()
            self.assertEqual(len(re.findall(r'href="/forms/skip-test/submissions/[0-9a-f-]{36}"', html)), 50)
            self.assertIn('Page 1 of 2', html)
            self.assertIn('href="/forms/skip-test/submissions?page=2"', html)
            self.assertIn(ids[-1], html)
            self.assertNotIn(ids[0], html)
            status, _, body = staff.get('/forms/skip-test/submissions?page=2')
            html = body.decode()
            self.assertEqual(re.findall(r'href="/forms/skip-test/submissions/([0-9a-f-]{36})"', html), [ids[0]])
            self.assertIn('href="/forms/skip-test/submissions?page=1"', html)
            self.assertEqual(staff.get('/forms/skip-test/submissions?page=3')[0], 404)
        finally:
            stop_server(server)


if __name__ == '__main__':
    unittest.main(verbosity=2)

"""Answering a form through the pages, with no JavaScript: the real binary over HTTP."""
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
from harness import Server, run_cli  # noqa: E402

FORM = os.path.join(os.path.dirname(__file__), 'forms', 'skip.md')
OTHER_FORM = os.path.join(os.path.dirname(__file__), 'forms', 'other.md')


def form_body(fields):
    return urllib.parse.urlencode(fields, doseq=True)


class Survey(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        code, out, err = run_cli('form', 'import', FORM, '--db', cls.server.db)
        assert code == 0, err
        assert "imported form 'skip-test'" in out, out

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def post(self, path, fields):
        return self.server.request('POST', path, body=form_body(fields),
                                   headers={'Content-Type': 'application/x-www-form-urlencoded'})

    def start(self, lang='en'):
        status, headers, _ = self.post('/s/skip-test/start', {'lang': lang})
        self.assertEqual(status, 303)
        return headers['location']

    def follow(self, location):
        status, headers, body = self.server.get(location)
        self.assertEqual(status, 200, location)
        return body.decode()

    def test_intro_page(self):
        status, _, body = self.server.get('/s/skip-test')
        self.assertEqual(status, 200)
        html = body.decode()
        self.assertIn('Skip test', html)
        self.assertIn('action="/s/skip-test/start"', html)
        self.assertIn('Resume code', html)
        self.assertEqual(self.server.get('/s/no-such-form')[0], 404)

    def test_same_page_dependency_moves_to_a_later_page(self):
        first = self.start()
        html = self.follow(first)
        self.assertIn('Does the school have internet?', html)
        self.assertNotIn('How fast is it?', html)  # depends on the answer above: a later page
        self.assertNotIn('<script', html)

    def test_full_flow_with_errors_skip_logic_repeat_and_review(self):
        loc = self.start()
        page_path = loc.split('?')[0]
        # Page 1: internet = no, so the speed question never shows.
        status, headers, _ = self.post(page_path, {'i': '0', 'go': 'next', 'f-has_internet': 'no'})
        self.assertEqual(status, 303)
        loc = headers['location']
        html = self.follow(loc)
        self.assertIn('How many learners?', html)
        # A constraint error re-shows the page with the message and the input kept.
        page_path = loc.split('?')[0]
        status, _, body = self.post(page_path, {'i': '0', 'go': 'next', 'f-learners': '99999'})
        self.assertEqual(status, 422)
        html = body.decode()
        self.assertIn('class="error-summary"', html)
        self.assertIn('href="#f-learners"', html)
        self.assertIn('Between 1 and 5000', html)
        self.assertIn('value="99999"', html)
        self.assertIn('aria-invalid="true"', html)
        # Not a number at all.
        status, _, body = self.post(page_path, {'i': '0', 'go': 'next', 'f-learners': 'many'})
        self.assertEqual(status, 422)
        self.assertIn('whole number', body.decode())
        status, headers, _ = self.post(page_path, {'i': '0', 'go': 'next', 'f-learners': '120'})
        self.assertEqual(status, 303)
        # Needs (select_multiple), with a forged extra field that must be ignored.
        loc = headers['location']
        self.assertIn('What do you need?', self.follow(loc))
        status, headers, _ = self.post(loc.split('?')[0], {'i': '0', 'go': 'next', 'f-needs': ['devices', 'training'],
                                                           'f-speed': 'fast', 'f-bogus': 'x'})
        self.assertEqual(status, 303)
        # The note shows the calculation.
        loc = headers['location']
        self.assertIn('You chose 2 needs.', self.follow(loc))
        status, headers, _ = self.post(loc.split('?')[0], {'i': '0', 'go': 'next'})
        loc = headers['location']
        # Repeat: first teacher, then "add another?", then a second one, then no more.
        self.assertIn('?i=1', loc)
        self.assertIn("Teacher&#39;s name", self.follow(loc))
        status, headers, _ = self.post(loc.split('?')[0], {'i': '1', 'go': 'next', 'f-teacher_name': 'Ana'})
        loc = headers['location']
        self.assertIn('more=1', loc)
        self.assertIn('Add another?', self.follow(loc))
        status, headers, _ = self.post(loc.split('?')[0], {'i': '1', 'more': '1', 'go': 'next', 'add': 'yes'})
        loc = headers['location']
        self.assertIn('?i=2', loc)
        status, headers, _ = self.post(loc.split('?')[0], {'i': '2', 'go': 'next', 'f-teacher_name': 'Bo'})
        loc = headers['location']
        status, headers, _ = self.post(loc.split('?')[0], {'i': '2', 'more': '1', 'go': 'next', 'add': 'no'})
        loc = headers['location']
        self.assertTrue(loc.endswith('/review'), loc)
        html = self.follow(loc)
        for text in ('Check your answers', 'No', '120', 'Devices, Training', 'Ana', 'Bo'):
            self.assertIn(text, html)
        self.assertNotIn('How fast is it?', html)  # the forged speed answer was not kept
        # Submit: thank you only after the commit; the draft cannot be changed any more.
        base = loc[:-len('/review')]
        status, headers, _ = self.post(base + '/submit', {})
        self.assertEqual(status, 303)
        self.assertTrue(headers['location'].endswith('/done'))
        html = self.follow(headers['location'])
        self.assertIn('Thank you', html)
        self.assertRegex(html, r'uuid:[0-9a-f-]{36}')
        status, headers, _ = self.post(base + '/p/1', {'i': '0', 'go': 'next', 'f-has_internet': 'yes'})
        self.assertEqual(status, 303)
        self.assertTrue(headers['location'].endswith('/done'))

    def test_required_answer_missing(self):
        loc = self.start()
        status, _, body = self.post(loc.split('?')[0], {'i': '0', 'go': 'next'})
        self.assertEqual(status, 422)
        self.assertIn('This question needs an answer.', body.decode())

    def test_resume_by_code(self):
        loc = self.start()
        html = self.follow(loc)
        code = re.search(r'<strong class="code">([0-9A-Z]{4}-[0-9A-Z]{4})</strong>', html).group(1)
        status, headers, _ = self.post(loc.split('?')[0], {'i': '0', 'go': 'save', 'f-has_internet': 'yes'})
        self.assertEqual(status, 303)
        self.assertIn(code, self.follow(headers['location']))
        # Typed in lower case with a space: still found.
        status, headers, _ = self.post('/s/skip-test/resume', {'code': code.lower().replace('-', ' ')})
        self.assertEqual(status, 303)
        status, headers, _ = self.server.get(headers['location'])
        self.assertEqual(status, 303)
        html = self.follow(headers['location'])
        self.assertIn('checked', html)  # the saved answer is there
        status, _, body = self.post('/s/skip-test/resume', {'code': 'ZZZZ-ZZZZ'})
        self.assertEqual(status, 404)
        self.assertIn('resume code', body.decode())

    def test_language_switch(self):
        loc = self.start(lang='fr')
        html = self.follow(loc)
        self.assertIn('<html lang="fr"', html)
        self.assertIn("L&#39;école a-t-elle internet ?", html)
        self.assertIn('Suivant', html)  # the interface speaks French too
        html = self.follow(loc + '&lang=en')
        self.assertIn('Does the school have internet?', html)

    def test_unknown_token_and_bad_page(self):
        self.assertEqual(self.server.get('/s/skip-test/r/0123456789abcdef0123456789abcdef/p/1?i=0')[0], 404)
        loc = self.start()
        self.assertEqual(self.server.get(loc.split('?')[0][:-1] + '99?i=0')[0], 404)
        self.assertEqual(self.server.get(loc.split('?')[0] + '?i=7')[0], 404)


class Api(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(demo=False)
        code, _, err = run_cli('form', 'import', FORM, '--db', cls.server.db)
        assert code == 0, err

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def submit(self, body, query=''):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        status, headers, reply = self.server.request('POST', '/api/v1/forms/skip-test/submissions' + query, body=data,
                                                     headers={'Content-Type': 'application/json'})
        return status, headers, json.loads(reply) if reply else None

    def test_forms_and_definition(self):
        status, _, body = self.server.get('/api/v1/forms')
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)['forms'][0]['form_id'], 'skip-test')
        status, _, body = self.server.get('/api/v1/forms/skip-test')
        doc = json.loads(body)
        self.assertEqual(doc['fields'][0]['children'][1]['relevant'], "${has_internet} = 'yes'")
        self.assertEqual([c['value'] for c in doc['choices']['speed']], ['slow', 'fast'])
        self.assertEqual(self.server.get('/api/v1/forms/nope')[0], 404)

    def test_created_and_hidden_answers_dropped(self):
        status, headers, doc = self.submit({'has_internet': 'no', 'speed': 'fast', 'learners': 12,
                                            'needs': 'devices training', 'teacher': [{'teacher_name': 'Ana'}]})
        self.assertEqual(status, 201, doc)
        self.assertRegex(doc['id'], r'^[0-9a-f-]{36}$')
        self.assertEqual(doc['instance_id'], 'uuid:' + doc['id'])
        self.assertIn(doc['id'], headers['location'])
        code, out, _ = run_cli('export', 'skip-test', '--format', 'json', '--output', '-', '--db', self.server.db)
        rows = [r for r in json.loads(out) if r['_id'] == doc['id']]
        self.assertNotIn('speed', rows[0]['answers'])  # a question that did not apply keeps no answer
        self.assertEqual(rows[0]['answers']['need_count'], '2')  # calculated by the server

    def test_unprocessable(self):
        status, _, doc = self.submit({'has_internet': 'yes', 'learners': 0, 'needs': ['devices', 'nope']})
        self.assertEqual(status, 422)
        fields = {e['field']: e['message'] for e in doc['errors']}
        self.assertEqual(fields['learners'], 'Between 1 and 5000')
        self.assertIn('speed', fields)  # required once has_internet is yes
        self.assertIn('needs', fields)
        status, _, doc = self.submit({'has_internet': 'no', 'learners': 3, 'bogus': 1})
        self.assertEqual(status, 422)
        self.assertEqual(doc['errors'][0]['field'], 'bogus')
        for bad in (b'not json', b'[1,2]', b'{"learners": {"a": 1}}'):
            status, _, doc = self.submit(bad)
            self.assertEqual(status, 422, bad)
            self.assertTrue(doc['errors'][0]['message'])
        status, _, _ = self.server.request('POST', '/api/v1/forms/skip-test/submissions', body=b'{}',
                                           headers={'Content-Type': 'text/plain'})
        self.assertEqual(status, 415)

    def test_version_mismatch_is_refused(self):
        status, _, doc = self.submit({'has_internet': 'no', 'learners': 3, 'teacher': [{'teacher_name': 'A'}]},
                                     '?version=0.9')
        self.assertEqual(status, 409)
        self.assertEqual(doc['current_version'], '1')
        status, _, _ = self.submit({'has_internet': 'no', 'learners': 3, 'teacher': [{'teacher_name': 'A'}]},
                                   '?version=1')
        self.assertEqual(status, 201)

    def test_many_at_once_are_all_committed(self):
        import concurrent.futures
        body = {'has_internet': 'no', 'learners': 7, 'teacher': [{'teacher_name': 'B'}]}
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            results = list(pool.map(lambda _: self.submit(body)[0], range(64)))
        self.assertEqual(results, [201] * 64)


class OrOther(unittest.TestCase):
    """or_other: the text question NAME_other ("Specify other.") that the importer adds after the
    select, through the pages, the API and the export."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server(demo=False)
        code, out, err = run_cli('form', 'import', OTHER_FORM, '--db', cls.server.db)
        assert code == 0, err

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def post(self, path, fields):
        status, headers, _ = self.server.request('POST', path, body=form_body(fields),
                                                 headers={'Content-Type': 'application/x-www-form-urlencoded'})
        self.assertEqual(status, 303, path)
        return headers['location']

    def page(self, location):
        status, _, body = self.server.get(location)
        self.assertEqual(status, 200, location)
        html = body.decode()
        names = []
        for n in re.findall(r'name="f-([^"]+)"', html):
            if n not in names:
                names.append(n)
        return html, names

    def answer(self, location, fields):
        return self.post(location.split('?')[0], {'i': '0', 'go': 'next', **{'f-' + k: v for k, v in fields.items()}})

    def start(self):
        return self.post('/s/other-test/start', {'lang': 'en'})

    def submit(self, review):
        self.assertTrue(review.endswith('/review'), review)
        done = self.post(review[:-len('/review')] + '/submit', {})
        self.assertTrue(done.endswith('/done'), done)

    def csv_rows(self):
        code, out, err = run_cli('export', 'other-test', '--format', 'csv', '--output', '-', '--db', self.server.db)
        self.assertEqual(code, 0, err)
        reader = csv.reader(io.StringIO(out.lstrip('\ufeff'), newline=''))
        header = next(reader)
        return header, [dict(zip(header, row)) for row in reader]

    def test_validate_counts_the_added_questions(self):
        code, out, _ = run_cli('form', 'validate', OTHER_FORM)
        self.assertEqual(code, 0)
        self.assertIn('5 questions (2 added by or_other)', out)

    def test_other_through_the_pages_to_the_export(self):
        loc = self.start()
        html, names = self.page(loc)
        # The select alone: what follows it reads it, so it is on the next page.
        self.assertEqual(names, ['kind'])
        self.assertEqual(html.count('value="other"'), 1)
        loc = self.answer(loc, {'kind': 'other'})
        self.assertIn('/p/2?', loc)
        html, names = self.page(loc)
        self.assertEqual(names, ['kind_other', 'town'])  # the text box first, then the rest of the group
        self.assertIn('Specify other.', html)
        self.assertIn('About the school', html)
        self.assertIn('Précisez votre réponse « Autre ».', self.page(loc + '&lang=fr')[0])
        loc = self.answer(loc, {'kind_other': 'Public library', 'town': 'Ełk'})
        html, names = self.page(loc)
        self.assertEqual(names, ['barriers'])
        self.assertEqual(html.count('value="other"'), 1)  # the list's own "other": no second one
        loc = self.answer(loc, {'barriers': ['power', 'other']})
        html, names = self.page(loc)
        self.assertEqual(names, ['barriers_other'])
        review = self.answer(loc, {'barriers_other': 'Thefts, twice last year'})
        html, _ = self.page(review)
        for text in ('Specify other.', 'Public library', 'Thefts, twice last year'):
            self.assertIn(text, html)
        # Each "Specify other." names the question it belongs to.
        self.assertIn('Specify other. (What kind of institution is it?)', html)
        self.assertIn('Specify other. (What holds you back?)', html)
        self.submit(review)
        header, rows = self.csv_rows()
        self.assertEqual(header.count('barriers/other'), 1)
        self.assertEqual(header.index('school/kind_other'), header.index('school/kind') + 1)
        self.assertEqual(header.index('barriers_other'), header.index('barriers/other') + 1)
        row = [r for r in rows if r['school/town'] == 'Ełk'][0]
        self.assertEqual(row['school/kind'], 'other')
        self.assertEqual(row['school/kind_other'], 'Public library')
        self.assertEqual(row['barriers'], 'power other')
        self.assertEqual(row['barriers/other'], '1')
        self.assertEqual(row['barriers_other'], 'Thefts, twice last year')
        # The summary lists the texts, under a heading that says whose "other" they are.
        status, _, body = self.server.client('coordinator').get('/forms/other-test/summary?q=kind_other')
        self.assertEqual(status, 200)
        html = body.decode()
        self.assertIn('Specify other. (What kind of institution is it?)', html)
        self.assertIn('<li>Public library</li>', html)

    def test_other_unchosen_keeps_no_text(self):
        loc = self.start()
        first = loc
        loc = self.answer(first, {'kind': 'other'})
        self.answer(loc, {'kind_other': 'Mobile classroom bus', 'town': 'Vidin'})
        # The respondent changes their mind: the text box no longer applies, and what it held, or
        # what a forged post puts in it, is not kept.
        loc = self.answer(first, {'kind': 'club'})
        self.assertIn('/p/2?', loc)
        html, names = self.page(loc)
        self.assertEqual(names, ['town'])
        self.assertNotIn('Specify other.', html)
        loc = self.answer(loc, {'town': 'Vidin', 'kind_other': 'forged'})
        review = self.answer(loc, {'barriers': 'cost', 'barriers_other': 'forged too'})
        html, _ = self.page(review)  # barriers_other's page did not apply: straight to the review
        for text in ('Mobile classroom bus', 'forged', 'Specify other.'):
            self.assertNotIn(text, html)
        self.submit(review)
        _, rows = self.csv_rows()
        row = [r for r in rows if r['school/town'] == 'Vidin'][0]
        self.assertEqual(row['school/kind'], 'club')
        self.assertEqual(row['school/kind_other'], '')
        self.assertEqual(row['barriers_other'], '')

    def api_submit(self, body):
        status, _, reply = self.server.request('POST', '/api/v1/forms/other-test/submissions',
                                               body=json.dumps(body).encode(),
                                               headers={'Content-Type': 'application/json'})
        return status, json.loads(reply)

    def stored(self, submission_id):
        code, out, err = run_cli('export', 'other-test', '--format', 'json', '--output', '-', '--db', self.server.db)
        self.assertEqual(code, 0, err)
        return [r for r in json.loads(out) if r['_id'] == submission_id][0]['answers']

    def test_api(self):
        status, _, body = self.server.get('/api/v1/forms/other-test')
        self.assertEqual(status, 200)
        school = json.loads(body)['fields'][0]
        self.assertEqual([c['name'] for c in school['children']], ['kind', 'kind_other', 'town'])
        other = school['children'][1]
        self.assertEqual(other['type'], 'text')
        self.assertEqual(other['relevant'], "selected(${kind}, 'other')")
        self.assertEqual(other['other_of'], 'kind')
        self.assertEqual(other['label'], {'en': 'Specify other.', 'fr': 'Précisez votre réponse « Autre ».'})
        self.assertNotIn('required', other)
        # "other" chosen: the text is kept.
        status, doc = self.api_submit({'kind': 'other', 'kind_other': 'Night school', 'town': 'Ruse',
                                       'barriers': ['cost', 'other'], 'barriers_other': 'Floods'})
        self.assertEqual(status, 201, doc)
        answers = self.stored(doc['id'])
        self.assertEqual(answers['kind_other'], 'Night school')
        self.assertEqual(answers['barriers_other'], 'Floods')
        # "other" not chosen: an answer to a question that does not apply, dropped like any other.
        status, doc = self.api_submit({'kind': 'school', 'kind_other': 'A hidden answer', 'town': 'Ruse',
                                       'barriers': 'cost', 'barriers_other': 'hidden too'})
        self.assertEqual(status, 201, doc)
        answers = self.stored(doc['id'])
        self.assertNotIn('kind_other', answers)
        self.assertNotIn('barriers_other', answers)
        self.assertEqual(answers['kind'], 'school')
        # Not required: "other" with nothing said is accepted; a text that is too long is not.
        status, doc = self.api_submit({'kind': 'other', 'town': 'Ruse', 'barriers': 'cost'})
        self.assertEqual(status, 201, doc)
        status, doc = self.api_submit({'kind': 'other', 'kind_other': 'x' * 10001, 'town': 'Ruse', 'barriers': 'cost'})
        self.assertEqual(status, 422)
        self.assertEqual([e['field'] for e in doc['errors']], ['kind_other'])


def multipart(fields, files):
    boundary = 'edubridgeTestBoundary7'
    out = b''
    for k, v in fields.items():
        out += ('--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (boundary, k, v)).encode()
    for k, (name, data) in files.items():
        out += ('--%s\r\nContent-Disposition: form-data; name="%s"; filename="%s"\r\n'
                'Content-Type: application/octet-stream\r\n\r\n' % (boundary, k, name)).encode() + data + b'\r\n'
    out += ('--%s--\r\n' % boundary).encode()
    return out, 'multipart/form-data; boundary=' + boundary


class Uploads(unittest.TestCase):
    PNG = b'\x89PNG\r\n\x1a\n' + b'\0' * 64

    def test_photo_upload(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, 'photo.md')
            with open(path, 'w') as f:
                f.write('| survey |\n| | type | name | label | required |\n'
                        '| | image | classroom | A photo of the classroom | yes |\n'
                        '| | text | note | Anything else? | |\n'
                        '| settings |\n| | form_id |\n| | photo-test |\n')
            server = Server(demo=False)
            try:
                self.assertEqual(run_cli('form', 'import', path, '--db', server.db)[0], 0)
                status, headers, _ = server.request('POST', '/s/photo-test/start', body='',
                                                    headers={'Content-Type': 'application/x-www-form-urlencoded'})
                page = headers['location'].split('?')[0]
                status, _, body = server.get(headers['location'])
                self.assertIn(b'enctype="multipart/form-data"', body)
                self.assertIn(b'type="file"', body)
                # Not an image: refused beside the question, nothing kept.
                data, ctype = multipart({'i': '0', 'go': 'next'}, {'f-classroom': ('notes.txt', b'hello')})
                status, _, body = server.request('POST', page, body=data, headers={'Content-Type': ctype})
                self.assertEqual(status, 422)
                self.assertIn(b'This is not a photo', body)
                # Too large for a file (6 MB), though within the request limit.
                data, ctype = multipart({'i': '0', 'go': 'next'}, {'f-classroom': ('big.png', self.PNG + b'\0' * (6 << 20))})
                status, _, body = server.request('POST', page, body=data, headers={'Content-Type': ctype})
                self.assertEqual(status, 422)
                self.assertIn(b'larger than 5 MB', body)
                # Over the request limit: 413, unread.
                import socket
                sock = socket.create_connection(('127.0.0.1', server.port), timeout=10)
                sock.sendall(('POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n'
                              'Content-Length: %d\r\n\r\n' % (page, 9 << 20)).encode())
                self.assertTrue(sock.recv(100).startswith(b'HTTP/1.1 413'))
                sock.close()
                # A real image (a Windows path is cut to its name) is kept and named in the answer.
                data, ctype = multipart({'i': '0', 'go': 'next'}, {'f-classroom': ('C:\\Users\\x\\class room.png', self.PNG)})
                status, headers, _ = server.request('POST', page, body=data, headers={'Content-Type': ctype})
                self.assertEqual(status, 303)
                status, _, body = server.get(page + '?i=0')
                self.assertIn('File received: class room.png', body.decode())
                out = subprocess.run(['sqlite3', server.db, 'SELECT filename, content_type, size FROM attachments'],
                                     capture_output=True, text=True).stdout
                self.assertEqual(out.strip(), 'class room.png|image/png|72')
            finally:
                server.stop()


class Rtl(unittest.TestCase):
    def test_right_to_left_language(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, 'rtl.md')
            with open(path, 'w') as f:
                f.write('| survey |\n| | type | name | label::English (en) | label::العربية (ar) |\n'
                        '| | text | school | School name | اسم المدرسة |\n'
                        '| settings |\n| | form_id | default_language |\n| | rtl-test | English (en) |\n')
            server = Server(demo=False)
            try:
                self.assertEqual(run_cli('form', 'import', path, '--db', server.db)[0], 0)
                status, headers, _ = server.request('POST', '/s/rtl-test/start', body='lang=ar',
                                                    headers={'Content-Type': 'application/x-www-form-urlencoded'})
                self.assertEqual(status, 303)
                status, _, body = server.get(headers['location'])
                html = body.decode()
                self.assertIn('<html lang="ar" dir="rtl"', html)
                self.assertIn('اسم المدرسة', html)
            finally:
                server.stop()


class Import(unittest.TestCase):
    def test_validate_and_import_versions(self):
        code, out, _ = run_cli('form', 'validate', FORM)
        self.assertEqual(code, 0)
        self.assertIn("form 'skip-test'", out)
        with tempfile.TemporaryDirectory() as d:
            db = os.path.join(d, 'x.db')
            code, out, _ = run_cli('form', 'import', FORM, '--db', db)
            self.assertIn("version '1' (version 1 of this form)", out)
            code, out, _ = run_cli('form', 'import', FORM, '--db', db)
            self.assertEqual(code, 0)
            self.assertIn('(version 2 of this form)', out)
            code, out, _ = run_cli('form', 'list', '--db', db)
            self.assertIn('skip-test', out)

    def test_broken_form_imports_nothing(self):
        with tempfile.TemporaryDirectory() as d:
            bad = os.path.join(d, 'bad.md')
            with open(bad, 'w') as f:
                f.write('| survey |\n| | type | name | label | relevant |\n'
                        '| | integer | a | A | ${nothing} = 1 |\n| | foo | b | B | |\n'
                        '| | text | a | Again | (1 + |\n')
            code, out, err = run_cli('form', 'validate', bad)
            self.assertEqual(code, 1)
            self.assertIn('row 3', err)
            self.assertIn('nothing', err)
            self.assertIn("'foo'", err)
            db = os.path.join(d, 'x.db')
            code, out, err = run_cli('form', 'import', bad, '--db', db)
            self.assertEqual(code, 1)
            code, out, _ = run_cli('form', 'list', '--db', db)
            self.assertIn('no forms yet', out)

    def test_shipped_xlsx_is_the_md_form(self):
        # data/forms/needs-survey.xlsx is generated from the .md (edubridge form convert): both must
        # give the same definition, so that neither drifts from the other.
        root = os.path.join(os.path.dirname(__file__), '..', '..', 'data', 'forms')
        defs = []
        for name in ('needs-survey.md', 'needs-survey.xlsx'):
            server = Server(demo=False)
            try:
                code, out, err = run_cli('form', 'import', os.path.join(root, name), '--db', server.db)
                self.assertEqual(code, 0, err)
                status, _, body = server.get('/api/v1/forms/needs-survey')
                self.assertEqual(status, 200)
                defs.append(json.loads(body))
            finally:
                server.stop()
        self.assertEqual(defs[0], defs[1], 'regenerate it: edubridge form convert data/forms/needs-survey.md data/forms/needs-survey.xlsx')
        self.assertEqual([l['code'] for l in defs[0]['languages']], ['en', 'fr', 'de', 'pl'])

    def test_usage(self):
        self.assertEqual(run_cli('form')[0], 2)
        self.assertEqual(run_cli('form', 'frobnicate', 'x')[0], 2)
        self.assertEqual(run_cli('form', 'validate')[0], 2)
        code, out, _ = run_cli('form', '--help')
        self.assertEqual(code, 0)
        self.assertIn('edubridge form validate FILE', out)


if __name__ == '__main__':
    unittest.main(verbosity=2)

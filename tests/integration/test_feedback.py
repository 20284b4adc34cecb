"""Structured feedback against the real binary: the pilot's three forms validate and import
cleanly; a coordinator issues respondent codes on the page and prints their slips; a small hand-made
baseline and endline, sent through the API with those codes, gives on the analysis page and in its
CSV, XLSX and JSON downloads the difference, interval and t that the numbers give by hand; an item
with fewer pairs than the anonymity threshold, and every institution and role group that the rule
about the rest would give away, show nothing, on the page and in every download; free texts are
listed with their institution only where its group is large enough; a coordinator creates a
theme and tags a text, the panel and partners cannot (403) and a refused request changes nothing;
partners read the analysis, institution contacts and trainers do not."""
import csv
import datetime
import html
import io
import json
import math
import os
import re
import sqlite3
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET
import zipfile

sys.path.insert(0, os.path.dirname(__file__))
from harness import Client, Server, db_rows, run_cli  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), '..', '..')
FORMS = ('pilot-baseline', 'pilot-endline', 'session-feedback')
SLUG = 'feedback-it'
BASE = '/programmes/' + SLUG
LIKERT = ('conf_devices', 'conf_find', 'conf_create', 'safe_privacy', 'safe_help', 'lessons_help',
          'lessons_interest', 'access_lesson', 'access_outside', 'net_works', 'net_fast')
# conf_devices, School A's six teachers then School B's three learners
BEFORE = [2, 2, 3, 3, 2, 3, 1, 2, 2]
AFTER = [4, 3, 4, 5, 3, 4, 3, 2, 4]
T_975_DF8 = 2.306004135033371  # Student's t, 0.975 quantile, 8 degrees of freedom


def text(body):
    return html.unescape(body.decode('utf-8'))


def item_row(page, label):
    """The analysis table's row of an item, by its English label."""
    m = re.search(r'<tr><th scope="row">' + re.escape(label) + r'.*?</tr>', page, re.S)
    assert m, 'no row for %r' % label
    return m.group(0)


class Forms(unittest.TestCase):
    def test_forms_validate_and_import_cleanly(self):
        with tempfile.TemporaryDirectory() as d:
            db = os.path.join(d, 'forms.db')
            for name in FORMS:
                path = os.path.join(ROOT, 'data', 'forms', name + '.md')
                code, out, err = run_cli('form', 'validate', path)
                self.assertEqual(code, 0, err)
                self.assertIn('0 warnings', out)
                self.assertIn('4 languages', out)
                code, out, err = run_cli('form', 'import', path, '--db', db)
                self.assertEqual(code, 0, err)
            code, out, _ = run_cli('form', 'list', '--db', db)
            for name in FORMS:
                self.assertIn(name, out)


class Feedback(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = s = Server()
        for name in FORMS:  # the demo may have them already
            if not db_rows(s.db, 'SELECT 1 FROM forms WHERE form_id = ?', name):
                code, _, err = run_cli('form', 'import', os.path.join(ROOT, 'data', 'forms', name + '.md'), '--db', s.db)
                assert code == 0, err
        code, _, err = run_cli('programme', 'add', '--name', 'Feedback integration', '--slug', SLUG, '--db', s.db)
        assert code == 0, err
        # Campaigns around today only: demo answers to the same forms lie on other days.
        today = datetime.datetime.now(datetime.timezone.utc).date()
        days = [(today + datetime.timedelta(days=k)).isoformat() for k in (-1, 1)]
        for name, form, kind in (('IT baseline', 'pilot-baseline', 'baseline'), ('IT endline', 'pilot-endline', 'endline')):
            code, _, err = run_cli('campaign', 'add', SLUG, '--name', name, '--form', form, '--kind', kind, '--opens',
                                   days[0], '--closes', days[1], '--status', 'open', '--db', s.db)
            assert code == 0, err
        cls.programme_id = db_rows(s.db, 'SELECT id FROM programmes WHERE slug = ?', SLUG)[0][0]
        cls.schools = db_rows(s.db, 'SELECT id, name FROM institutions WHERE merged_into IS NULL ORDER BY name, id'
                                    ' LIMIT 2')
        cls.coord = s.client('coordinator')
        cls.codes_a = cls.issue(cls.schools[0][0], 'teacher', 6)
        cls.codes_b = cls.issue(cls.schools[1][0], 'learner', 3)
        cls.submit_all()

    @classmethod
    def tearDownClass(cls):
        log = cls.server.read_log()
        code = cls.server.stop()
        assert 'Sanitizer' not in log and 'runtime error' not in log, log
        assert code == 0, (code, log)

    @classmethod
    def issue(cls, institution, role, n):
        status, headers, _ = cls.coord.post_form(BASE + '/codes', {'institution': institution, 'role': role, 'count': n})
        assert status == 303, status
        batch = re.search(r'done=([0-9a-f-]+)', headers['location']).group(1)
        status, _, body = cls.coord.get(BASE + '/codes/print?batch=' + batch)
        assert status == 200, status
        codes = re.findall(r'<p class="code">([2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4})</p>', body.decode())
        assert len(codes) == n, codes
        return codes

    @classmethod
    def send(cls, form, answers):
        status, _, body = cls.server.request('POST', '/api/v1/forms/%s/submissions' % form,
                                             body=json.dumps(answers).encode(),
                                             headers={'Content-Type': 'application/json'})
        assert status == 201, (status, body)
        return json.loads(body)['id']

    @classmethod
    def submit_all(cls):
        people = [(c, 'teacher') for c in cls.codes_a] + [(c, 'learner') for c in cls.codes_b]
        cls.texts = {}
        for i, (code, role) in enumerate(people):
            for form, values in (('pilot-baseline', BEFORE), ('pilot-endline', AFTER)):
                a = {k: '3' for k in LIKERT}
                a.update(respondent_code=code, role=role, conf_devices=str(values[i]), device_hours=2)
                if form == 'pilot-endline':
                    a['device_hours'] = 4 + i
                    # only four pairs answer safe_help: fewer than the threshold
                    a['safe_help'] = '4' if i < 4 else 'dont_know'
                    # one respondent types the code in lower case, without the hyphen
                    if i == 1:
                        a['respondent_code'] = code.replace('-', '').lower()
                if form == 'pilot-baseline' and i in (0, 1, 6):
                    a['changes'] = 'Integration text %s %d' % ('beta' if i == 6 else 'alpha', i)
                sub = cls.send(form, a)
                if 'changes' in a:
                    cls.texts[a['changes']] = sub
        # an answer set with a code never issued here: left out
        a = {k: '5' for k in LIKERT}
        a.update(respondent_code='2345-6789', role='teacher', device_hours=1)
        cls.send('pilot-endline', a)

    def page(self, client, path, status=200):
        code, _, body = client.get(path)
        self.assertEqual(code, status, path)
        return text(body)

    # --- the analysis ------------------------------------------------------------------------------

    def test_analysis_matches_the_numbers_by_hand(self):
        page = self.page(self.coord, BASE + '/feedback')
        self.assertIn('<dt>Respondents at baseline</dt><dd>9</dd>', page)
        self.assertIn('<dt>Respondents at endline</dt><dd>9</dd>', page)
        self.assertIn('<dt>Pairs (answered both)</dt><dd>9</dd>', page)
        self.assertRegex(page, r'no code issued for this programme</dt><dd>fewer than 5</dd>')
        d = [y - x for x, y in zip(BEFORE, AFTER)]
        n = len(d)
        mean = sum(d) / n
        sd = math.sqrt(sum((v - mean) ** 2 for v in d) / (n - 1))
        half = T_975_DF8 * sd / math.sqrt(n)
        row = item_row(page, 'I feel confident using a tablet or a computer.')
        cells = re.findall(r'<td class="num">(.*?)</td>', row)
        self.assertEqual(cells[0], '9')
        self.assertEqual(cells[1], '%.2f' % (sum(BEFORE) / n))
        self.assertEqual(cells[2], '%.2f' % (sum(AFTER) / n))
        self.assertEqual(cells[3], '%+.2f<br> (%+.2f to %+.2f)' % (mean, mean - half, mean + half))
        self.assertTrue(cells[4].startswith('t = %.2f (8)<br>p' % (mean / (sd / math.sqrt(n)))), cells[4])
        self.assertIn('normal approximation', cells[5])  # tied differences
        self.assertEqual(cells[6], '%.2f<br>(large)' % (mean / sd))
        # the item with four pairs: nothing but the sentence
        row = item_row(page, 'I know what to do when something online worries me.')
        self.assertIn('fewer than 5 respondents', row)
        self.assertNotIn('class="num"', row)
        # no spread: every difference the same
        row = item_row(page, 'I know how to protect my personal information online.')
        self.assertIn('+0.00', row)
        # the diverging bars and their table
        self.assertIn('<svg class="chart likert"', page)
        self.assertIn("The chart's numbers as a table", page)
        # French labels from the form, French words from the catalogue
        fr = self.page(self.coord, BASE + '/feedback?lang=fr')
        self.assertIn('Je me sens à l\'aise pour utiliser une tablette ou un ordinateur.', fr)
        self.assertIn('Comment lire ces chiffres', fr)

    def test_groups_too_small_show_nothing(self):
        page = self.page(self.coord, BASE + '/feedback')
        # School B has 3 pairs, so School A's 6 cannot show either (9 - 6 = 3): neither is offered
        select = re.search(r'<select id="f-group".*?</select>', page, re.S).group(0)
        self.assertEqual(re.findall(r'<option value="([^"]*)"', select), [''])
        for query in ('?institution=' + self.schools[0][0], '?group=i:' + self.schools[1][0], '?role=teacher',
                      '?role=learner'):
            page = self.page(self.coord, BASE + '/feedback' + query)
            self.assertNotIn('<td class="num">', page, query)
            self.assertTrue('Not shown: the other respondents' in page or 'fewer than 5 respondents' in page, query)
            rows = list(csv.DictReader(io.StringIO(self.coord.get(BASE + '/feedback.csv' + query)[2].decode())))
            self.assertEqual(len(rows), 12)
            self.assertTrue(all(r['n'] == '' and r['difference'] == '' and r['note'] for r in rows), query)
            doc = json.loads(self.coord.get(BASE + '/feedback.json' + query)[2])
            self.assertFalse(doc['group']['shown'])
            self.assertTrue(all(not i['shown'] and 'n' not in i for i in doc['items']), query)
        self.assertEqual(self.coord.get(BASE + '/feedback?institution=%s&role=teacher' % self.schools[0][0])[0], 400)

    def test_downloads_hold_what_the_page_shows(self):
        status, headers, body = self.coord.get(BASE + '/feedback.csv')
        self.assertEqual(status, 200)
        self.assertTrue(headers['content-type'].startswith('text/csv'))
        self.assertIn('attachment; filename="feedback-%s-' % SLUG, headers['content-disposition'])
        rows = {r['item']: r for r in csv.DictReader(io.StringIO(body.decode('utf-8')))}
        self.assertEqual(set(rows), set(LIKERT) | {'device_hours'})
        self.assertEqual(rows['conf_devices']['n'], '9')
        self.assertAlmostEqual(float(rows['conf_devices']['difference']), 12 / 9, places=9)
        self.assertEqual(rows['conf_devices']['magnitude'], 'large')
        hidden = rows['safe_help']
        self.assertEqual(hidden['n'], '')
        self.assertEqual(hidden['baseline_mean'], '')
        self.assertEqual(hidden['difference'], '')
        self.assertIn('fewer than 5', hidden['note'])

        doc = json.loads(self.coord.get(BASE + '/feedback.json')[2])
        self.assertEqual(doc['threshold'], 5)
        self.assertEqual(doc['respondents'], {'baseline': 9, 'endline': 9, 'pairs': 9})
        items = {i['item']: i for i in doc['items']}
        self.assertEqual(items['conf_devices']['n'], 9)
        self.assertEqual(items['conf_devices']['levels']['baseline'], [1, 5, 3, 0, 0])
        self.assertEqual(items['safe_help'], {'item': 'safe_help', 'question': items['safe_help']['question'],
                                              'kind': 'likert', 'shown': False, 'hidden': 'fewer_than_threshold'})
        self.assertEqual(items['device_hours']['kind'], 'number')
        self.assertAlmostEqual(items['device_hours']['difference'], 6.0)

        status, headers, body = self.coord.get(BASE + '/feedback.xlsx')
        self.assertEqual(status, 200)
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            ns = {'m': 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'}
            names = z.namelist()
            shared = []
            if 'xl/sharedStrings.xml' in names:
                shared = [''.join(t.itertext()) for t in ET.fromstring(z.read('xl/sharedStrings.xml')).findall('m:si', ns)]
            sheet = ET.fromstring(z.read('xl/worksheets/sheet1.xml'))
            found = {}
            for r in sheet.iter('{%s}row' % ns['m']):
                cells = []  # (is text, value)
                for c in r.findall('m:c', ns):
                    t, v = c.get('t'), c.find('m:v', ns)
                    if t == 's':
                        cells.append((True, shared[int(v.text)]))
                    elif t in ('inlineStr', 'str'):
                        cells.append((True, ''.join(c.itertext())))
                    elif v is not None:
                        cells.append((False, v.text))
                if cells:
                    found[cells[0][1]] = cells
        self.assertIn('conf_devices', found)
        self.assertIn((False, '9'), found['conf_devices'])
        # the hidden item: text cells only (item, question, kind, note), no number
        self.assertEqual([v for is_text, v in found['safe_help'] if not is_text], [])
        self.assertEqual(len(found['safe_help']), 4)

    def test_free_texts_and_their_institutions(self):
        page = self.page(self.coord, BASE + '/feedback/comments')
        articles = re.findall(r'<article class="card comment".*?</article>', page, re.S)
        mine = [a for a in articles if 'Integration text' in a]
        self.assertEqual(len(mine), 3)
        for a in mine:
            if 'beta' in a:  # School B has 3 respondents: not named
                self.assertNotIn(self.schools[1][1], a)
                self.assertNotIn('Learners', a)
            else:
                self.assertIn(self.schools[0][1], a)
                self.assertIn('Teachers', a)
        # the partner reads them, with no tagging controls
        partner = self.server.client('partner')
        page = self.page(partner, BASE + '/feedback/comments')
        self.assertIn('Integration text alpha 0', page)
        self.assertNotIn('/feedback/comments/tag', page)

    def test_tagging(self):
        db = self.server.db
        status, headers, _ = self.coord.post_form(BASE + '/feedback/tags', {'name': 'Devices IT'})
        self.assertEqual(status, 303)
        tag = db_rows(db, 'SELECT id FROM feedback_tags WHERE name = ? AND programme_id = ?', 'Devices IT',
                      self.programme_id)[0][0]
        # the same name again, in other case: refused, the form says why
        status, _, body = self.coord.post_form(BASE + '/feedback/tags', {'name': 'devices it'})
        self.assertEqual(status, 409)
        self.assertIn('This programme has a tag with this name already.', text(body))
        sub = self.texts['Integration text alpha 0']
        fields = {'submission': sub, 'field': 'changes', 'tag': tag, 'action': 'add'}
        audit = db_rows(db, "SELECT count(*) FROM audit_log WHERE action LIKE 'feedback.%'")[0][0]
        # the panel and partners may read but not tag; without the CSRF value nobody may
        for role in ('panel', 'partner'):
            self.assertEqual(self.server.client(role).post_form(BASE + '/feedback/comments/tag', fields)[0], 403, role)
            self.assertEqual(self.server.client(role).post_form(BASE + '/feedback/tags', {'name': 'x'})[0], 403, role)
        self.assertEqual(self.coord.post_form(BASE + '/feedback/comments/tag', fields, csrf='wrong')[0], 403)
        # not a free-text question: refused, naming what is wrong
        status, _, body = self.coord.post_form(BASE + '/feedback/comments/tag', dict(fields, field='conf_devices'))
        self.assertEqual(status, 400)
        self.assertIn('not a free-text question', text(body))
        self.assertEqual(db_rows(db, 'SELECT count(*) FROM feedback_tagging WHERE tag_id = ?', tag)[0][0], 0)
        self.assertEqual(db_rows(db, "SELECT count(*) FROM audit_log WHERE action LIKE 'feedback.%'")[0][0], audit)
        # the coordinator tags it
        status, headers, _ = self.coord.post_form(BASE + '/feedback/comments/tag', fields)
        self.assertEqual(status, 303)
        self.assertIn('#c-%s-changes' % sub, headers['location'])
        self.assertEqual(db_rows(db, 'SELECT count(*) FROM feedback_tagging WHERE tag_id = ?', tag)[0][0], 1)
        self.assertEqual(db_rows(db, "SELECT count(*) FROM audit_log WHERE action LIKE 'feedback.%'")[0][0],
                         audit + 1)
        page = self.page(self.coord, BASE + '/feedback/comments?tag=' + tag)
        self.assertIn('Integration text alpha 0', page)
        self.assertNotIn('Integration text alpha 1', page)
        page = self.page(self.coord, BASE + '/feedback/comments?tag=none')
        self.assertNotIn('Integration text alpha 0', page)
        self.assertIn('Integration text alpha 1', page)
        # and takes it away
        status, _, _ = self.coord.post_form(BASE + '/feedback/comments/tag', dict(fields, action='remove'))
        self.assertEqual(status, 303)
        self.assertEqual(db_rows(db, 'SELECT count(*) FROM feedback_tagging WHERE tag_id = ?', tag)[0][0], 0)

    # --- codes, sessions and who may --------------------------------------------------------------

    def test_codes_page_and_refusals(self):
        db = self.server.db
        page = self.page(self.coord, BASE + '/codes')
        self.assertIn(self.schools[0][1], page)
        self.assertIn('name="_csrf"', page)
        before = db_rows(db, 'SELECT count(*) FROM respondent_codes')[0][0]
        for fields in ({'institution': self.schools[0][0], 'role': '', 'count': '0'},
                       {'institution': self.schools[0][0], 'role': '', 'count': '501'},
                       {'institution': self.schools[0][0], 'role': 'pupil', 'count': '5'},
                       {'institution': 'no-such-school', 'role': '', 'count': '5'},
                       {'institution': '', 'role': '', 'count': '5'}):
            status, _, body = self.coord.post_form(BASE + '/codes', fields)
            self.assertEqual(status, 400, fields)
            self.assertIn('There is a problem', text(body))
        self.assertEqual(db_rows(db, 'SELECT count(*) FROM respondent_codes')[0][0], before)
        # slips: one per code, each with the code and no name
        page = self.page(self.coord, BASE + '/codes/print?institution=' + self.schools[0][0])
        self.assertEqual(page.count('<section class="slip">'), 6)
        for c in self.codes_a:
            self.assertIn(c, page)
        self.assertIn('/s/pilot-baseline', page)
        for role in ('panel', 'partner', 'trainer', 'institution'):
            c = self.server.client(role)
            self.assertEqual(c.get(BASE + '/codes')[0], 403, role)
            self.assertEqual(c.get(BASE + '/codes/print?institution=' + self.schools[0][0])[0], 403, role)

    def test_who_may_read(self):
        for role in ('admin', 'coordinator', 'panel', 'partner'):
            c = self.server.client(role)
            page = self.page(c, BASE + '/feedback')
            self.assertIn('I feel confident using a tablet or a computer.', page, role)
            self.assertEqual(c.get(BASE + '/feedback.csv')[0], 200, role)
            self.assertEqual(c.get(BASE + '/feedback/sessions')[0], 200, role)
            self.assertEqual('/codes"' in page, role in ('admin', 'coordinator'), role)
        for role in ('institution', 'trainer'):
            c = self.server.client(role)
            for path in ('/feedback', '/feedback.json', '/feedback/comments', '/feedback/sessions'):
                self.assertEqual(c.get(BASE + path)[0], 403, (role, path))
        status, headers, _ = Client(self.server).get(BASE + '/feedback')
        self.assertEqual(status, 302)
        self.assertIn('/signin', headers['location'])
        self.assertEqual(self.coord.get('/programmes/no-such-programme/feedback')[0], 404)

    def test_sessions_page_without_a_campaign(self):
        page = self.page(self.coord, BASE + '/feedback/sessions')
        self.assertIn('This programme has no session feedback campaign yet.', page)


if __name__ == '__main__':
    unittest.main()

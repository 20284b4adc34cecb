"""Exports of a form's answers: the command line and the downloads, with the real binary.

Answer sets go in through the JSON API; then `edubridge export` writes CSV, XLSX and JSON and the
same exports are downloaded over HTTP. Both must hold the same rows; CSV is read back with Python's
csv module (RFC 4180), XLSX with zipfile and ElementTree."""
import csv
import io
import json
import os
import re
import sys
import tempfile
import unittest
import zipfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, run_cli  # noqa: E402

FORM = os.path.join(os.path.dirname(__file__), 'forms', 'skip.md')
BOM = b'\xef\xbb\xbf'

ANSWERS = [
    {'has_internet': 'yes', 'speed': 'fast', 'learners': '120', 'needs': ['devices', 'training'],
     'teacher': [{'teacher_name': 'Ana, "the" first'}, {'teacher_name': 'Bo\nline two'}]},
    {'has_internet': 'no', 'learners': 5, 'teacher': []},
    {'has_internet': 'yes', 'speed': 'slow', 'learners': '7', 'needs': 'training',
     'teacher': [{'teacher_name': "=cmd|' /C calc'!A0"}]},
    {'has_internet': 'no', 'learners': '3000', 'teacher': [{'teacher_name': 'Zoë – 学校'}]},
]

MAIN_FIRST = ['_id', '_instance_id', '_submitted_at', '_form_version', '_lang',
              'profile/has_internet', 'profile/speed', 'learners', 'needs', 'needs/devices', 'needs/training']
REPEAT_HEADER = ['_parent_id', '_index', 'teacher/teacher_name']

XNS = {'m': 'http://schemas.openxmlformats.org/spreadsheetml/2006/main',
       'r': 'http://schemas.openxmlformats.org/officeDocument/2006/relationships',
       'p': 'http://schemas.openxmlformats.org/package/2006/relationships'}


def read_csv(data):
    """Parses CSV bytes (with a BOM) by RFC 4180 as Python's csv module reads it."""
    assert data.startswith(BOM), data[:10]
    return list(csv.reader(io.StringIO(data[len(BOM):].decode('utf-8'), newline='')))


def column_index(ref):
    n = 0
    for ch in re.match(r'[A-Z]+', ref).group(0):
        n = n * 26 + ord(ch) - 64
    return n - 1


def read_xlsx(data):
    """{sheet name: rows of cells}, numbers as floats, text as str, empty cells ''."""
    z = zipfile.ZipFile(io.BytesIO(data))
    rels = ET.fromstring(z.read('xl/_rels/workbook.xml.rels'))
    targets = {r.get('Id'): r.get('Target') for r in rels.findall('p:Relationship', XNS)}
    book = ET.fromstring(z.read('xl/workbook.xml'))
    sheets = {}
    for s in book.find('m:sheets', XNS):
        target = targets[s.get('{%s}id' % XNS['r'])].lstrip('/')
        xml = ET.fromstring(z.read(target if target.startswith('xl/') else 'xl/' + target))
        rows = []
        for row in xml.find('m:sheetData', XNS):
            cells = {}
            for c in row:
                if c.get('t') == 'inlineStr':
                    value = ''.join(t.text or '' for t in c.iter('{%s}t' % XNS['m']))
                else:
                    v = c.find('m:v', XNS)
                    value = float(v.text) if v is not None else ''
                cells[column_index(c.get('r'))] = value
            rows.append([cells.get(i, '') for i in range(max(cells) + 1)] if cells else [])
        sheets[s.get('name')] = rows
    return sheets


def same_cells(csv_rows, xlsx_rows):
    """XLSX rows drop trailing empty cells and hold numbers as numbers: compare as CSV text."""
    if len(csv_rows) != len(xlsx_rows):
        return False
    for c, x in zip(csv_rows, xlsx_rows):
        x = x + [''] * (len(c) - len(x))
        for a, b in zip(c, x):
            if isinstance(b, float):
                if float(a) != b:
                    return False
            elif a != b:
                return False
    return True


class Export(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.tmp = tempfile.TemporaryDirectory(prefix='edubridge-export-')
        code, out, err = run_cli('form', 'import', FORM, '--db', cls.server.db)
        assert code == 0, err
        cls.ids = []
        for answers in ANSWERS:
            status, _, body = cls.server.request('POST', '/api/v1/forms/skip-test/submissions',
                                                 body=json.dumps(answers).encode(),
                                                 headers={'Content-Type': 'application/json'})
            assert status == 201, (status, body)
            cls.ids.append(json.loads(body)['id'])
        # Full exports are for coordinators and administrators (EXPORT_FULL).
        cls.reader = cls.server.client('coordinator')

    @classmethod
    def tearDownClass(cls):
        log = cls.server.read_log()
        code = cls.server.stop()
        cls.tmp.cleanup()
        # Under -Db_sanitize the server reports there, not through any response.
        assert 'Sanitizer' not in log and 'runtime error' not in log, log
        assert code == 0, (code, log)

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def cli(self, *args):
        return run_cli('export', 'skip-test', '--db', self.server.db, *args)

    def read(self, name):
        with open(self.path(name), 'rb') as f:
            return f.read()

    def download(self, path, content_type, ext):
        status, headers, body = self.reader.get(path)
        self.assertEqual(status, 200, body[:500])
        self.assertEqual(headers['content-type'], content_type)
        self.assertRegex(headers['content-disposition'],
                         r'^attachment; filename="skip-test(-teacher)?-\d{4}-\d{2}-\d{2}\.%s"$' % ext)
        self.assertEqual(headers.get('cache-control'), 'no-store')
        return body

    def test_csv_cli_and_download(self):
        code, out, err = self.cli('--format', 'csv', '--output', self.path('answers.csv'))
        self.assertEqual(code, 0, err)
        self.assertIn('exported 4 submissions to %s' % self.path('answers.csv'), err)
        self.assertIn("exported 4 rows of the repeat 'teacher' to %s" % self.path('answers-teacher.csv'), err)
        main_bytes, repeat_bytes = self.read('answers.csv'), self.read('answers-teacher.csv')

        # RFC 4180: CRLF after every record; the only bare LF is the one inside a quoted value.
        for data in (main_bytes, repeat_bytes):
            self.assertTrue(data.endswith(b'\r\n'))
        self.assertEqual(len(re.findall(rb'(?<!\r)\n', main_bytes)), 0)
        self.assertEqual(len(re.findall(rb'(?<!\r)\n', repeat_bytes)), 1)

        rows = read_csv(main_bytes)
        header = rows[0]
        self.assertEqual(header[:len(MAIN_FIRST)], MAIN_FIRST)
        self.assertNotIn('summary', ' '.join(header))  # notes have no column
        self.assertNotIn('teacher/teacher_name', header)  # repeats have their own table
        self.assertEqual(len(rows), 5)
        by_id = {r[0]: dict(zip(header, r)) for r in rows[1:]}
        self.assertEqual(set(by_id), set(self.ids))
        first, second, third, fourth = (by_id[i] for i in self.ids)
        self.assertEqual(first['_instance_id'], 'uuid:' + self.ids[0])
        self.assertEqual(first['_form_version'], '1')
        self.assertEqual(first['_lang'], 'en')
        self.assertRegex(first['_submitted_at'], r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$')
        self.assertEqual((first['profile/has_internet'], first['profile/speed'], first['learners']), ('yes', 'fast', '120'))
        # select_multiple: one column with the values, one 1/0 column per choice, empty when unanswered.
        self.assertEqual((first['needs'], first['needs/devices'], first['needs/training']), ('devices training', '1', '1'))
        self.assertEqual((third['needs'], third['needs/devices'], third['needs/training']), ('training', '0', '1'))
        self.assertEqual((second['needs'], second['needs/devices'], second['needs/training']), ('', '', ''))
        self.assertEqual((second['profile/speed'], second['learners']), ('', '5'))
        self.assertEqual(fourth['learners'], '3000')

        teachers = read_csv(repeat_bytes)
        self.assertEqual(teachers[0], REPEAT_HEADER)
        self.assertEqual(sorted(teachers[1:]), sorted([
            [self.ids[0], '1', 'Ana, "the" first'],
            [self.ids[0], '2', 'Bo\nline two'],
            [self.ids[2], '1', "'=cmd|' /C calc'!A0"],  # the formula guard
            [self.ids[3], '1', 'Zoë – 学校'],
        ]))

        # The downloads are the same bytes.
        self.assertEqual(self.download('/forms/skip-test/export.csv', 'text/csv; charset=utf-8', 'csv'), main_bytes)
        self.assertEqual(self.download('/forms/skip-test/export.csv?repeat=teacher', 'text/csv; charset=utf-8', 'csv'),
                         repeat_bytes)

    def test_csv_labels(self):
        code, _, err = self.cli('--format', 'csv', '--labels', '--lang', 'fr', '--output', self.path('fr.csv'))
        self.assertEqual(code, 0, err)
        data = self.read('fr.csv')
        rows = read_csv(data)
        self.assertEqual(rows[0][:len(MAIN_FIRST)], MAIN_FIRST)  # headers stay paths
        first = dict(zip(rows[0], next(r for r in rows if r[0] == self.ids[0])))
        self.assertEqual((first['profile/has_internet'], first['profile/speed']), ('Oui', 'Rapide'))
        self.assertEqual(first['needs'], 'Appareils; Formation')
        self.assertEqual((first['needs/devices'], first['needs/training']), ('1', '1'))
        self.assertEqual(self.download('/forms/skip-test/export.csv?labels=1&lang=fr', 'text/csv; charset=utf-8', 'csv'),
                         data)

    def test_json_cli_and_download(self):
        code, out, err = self.cli('--format', 'json')
        self.assertEqual(code, 0, err)
        self.assertIn('exported 4 submissions to standard output', err)
        doc = json.loads(out)
        self.assertEqual([d['_id'] for d in doc], [d['_id'] for d in sorted(doc, key=lambda d: (d['_submitted_at'], d['_id']))])
        self.assertEqual({d['_id'] for d in doc}, set(self.ids))
        self.assertEqual(list(doc[0]), ['_id', '_instance_id', '_submitted_at', '_form_version', '_lang', 'answers'])
        by_id = {d['_id']: d for d in doc}
        first = by_id[self.ids[0]]['answers']
        self.assertEqual(first['needs'], 'devices training')
        self.assertEqual(first['teacher'], [{'teacher_name': 'Ana, "the" first'}, {'teacher_name': 'Bo\nline two'}])
        self.assertEqual(by_id[self.ids[2]]['answers']['teacher'][0]['teacher_name'], "=cmd|' /C calc'!A0")  # data, untouched
        body = self.download('/forms/skip-test/export.json', 'application/json; charset=utf-8', 'json')
        self.assertEqual(json.loads(body), doc)

    def test_xlsx_cli_and_download(self):
        code, _, err = self.cli('--format', 'xlsx', '--output', self.path('answers.xlsx'))
        self.assertEqual(code, 0, err)
        self.assertIn('exported 4 submissions to %s' % self.path('answers.xlsx'), err)
        sheets = read_xlsx(self.read('answers.xlsx'))
        self.assertEqual(list(sheets), ['submissions', 'teacher'])
        code, _, err = self.cli('--format', 'csv', '--output', self.path('cmp.csv'))
        self.assertEqual(code, 0, err)
        self.assertTrue(same_cells(read_csv(self.read('cmp.csv')), sheets['submissions']))
        self.assertTrue(same_cells(read_csv(self.read('cmp-teacher.csv')), sheets['teacher']))
        # Numbers are numbers; 1/0 columns too; text is text.
        header = sheets['submissions'][0]
        row = next(r for r in sheets['submissions'][1:] if r[0] == self.ids[0])
        self.assertEqual(row[header.index('learners')], 120.0)
        self.assertEqual(row[header.index('needs/devices')], 1.0)
        self.assertEqual(row[header.index('profile/has_internet')], 'yes')
        body = self.download('/forms/skip-test/export.xlsx',
                             'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'xlsx')
        self.assertEqual(read_xlsx(body), sheets)

    def test_download_errors(self):
        self.assertEqual(self.reader.get('/forms/no-such-form/export.csv')[0], 404)
        status, _, body = self.reader.get('/forms/skip-test/export.csv?labels=1&lang=xx')
        self.assertEqual(status, 400)
        self.assertIn('en (English), fr (Français)', body.decode())
        self.assertEqual(self.reader.get('/forms/skip-test/export.csv?repeat=nope')[0], 404)
        self.assertEqual(self.reader.get('/forms/skip-test/export.json?repeat=teacher')[0], 400)
        self.assertEqual(self.reader.request('POST', '/forms/skip-test/export.csv', body=b'')[0], 405)

    def test_cli_errors(self):
        code, _, err = run_cli('export', 'no-such-form', '--format', 'csv', '--db', self.server.db)
        self.assertEqual(code, 1)
        self.assertIn("there is no form 'no-such-form'", err)
        code, _, err = self.cli('--format', 'csv', '--labels', '--lang', 'xx', '--output', self.path('x.csv'))
        self.assertEqual(code, 2)
        self.assertIn('en (English), fr (Français)', err)
        self.assertFalse(os.path.exists(self.path('x.csv')))
        code, _, err = self.cli()
        self.assertEqual(code, 2)
        self.assertIn('--format is required', err)
        code, _, err = self.cli('--format', 'pdf')
        self.assertEqual(code, 2)
        code, out, err = self.cli('--format', 'csv')  # repeats need files of their own
        self.assertEqual(code, 2)
        self.assertIn('--output', err)
        self.assertEqual(out, '')
        code, _, err = self.cli('--format', 'json', '--labels')
        self.assertEqual(code, 2)
        code, out, _ = run_cli('export', '--help')
        self.assertEqual(code, 0)
        self.assertIn('headers stay paths', out)


if __name__ == '__main__':
    unittest.main()

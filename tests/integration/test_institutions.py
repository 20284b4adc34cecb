"""The institution register against the real binary: the list (filter, sort, pages), one
institution with its linked answer set, the import (upload, preview, confirm; a broken file shows
its errors by row and column and imports nothing), the duplicates page and a merge, the exports
with and without contact details, who may see what (panel without contacts, partners nothing,
an institution contact their own record only), and `edubridge institutions import|build`."""
import csv
import html
import io
import os
import re
import sqlite3
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, db_exec, db_rows, run_cli, stop_server  # noqa: E402

GOOD_CSV = ('name,kind,formal,country,region,area,latitude,longitude,learners,teachers,devices,connectivity,'
            'contact_name,contact_email\r\n'
            'Integration Test School Alpha,school,formal,PT,PT17,urban,38.72,-9.14,310,22,6,fixed_slow,'
            'Rita Sousa,rita@alpha.example.pt\r\n'
            'Integration Test Club Beta,stem_club,informal,fr,,rural,,,25,2,0,mobile_only,,\r\n')
# Row 3's learners is no number and row 4's country no code: two problems, each by row and column.
BAD_CSV = ('name,country,learners\n'
           'Integration Broken One,PT,120\n'
           'Integration Broken Two,PT,lots\n'
           'Integration Broken Three,QQ,12\n')


def multipart(fields, files):
    boundary = 'edubridgeInstitutionsBoundary'
    out = b''
    for k, v in fields.items():
        out += ('--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (boundary, k, v)).encode()
    for k, (name, data) in files.items():
        out += ('--%s\r\nContent-Disposition: form-data; name="%s"; filename="%s"\r\n'
                'Content-Type: text/csv\r\n\r\n' % (boundary, k, name)).encode() + data + b'\r\n'
    out += ('--%s--\r\n' % boundary).encode()
    return out, 'multipart/form-data; boundary=' + boundary


def table_rows(body):
    """The register table's rows: (id, [cell texts]) with the name first."""
    rows = []
    for m in re.finditer(r'<tr><td><a href="/institutions/([0-9a-f-]{36})">(.*?)</a></td>(.*?)</tr>', body):
        cells = [html.unescape(c) for c in re.findall(r'<td>(.*?)</td>', m.group(3))]
        rows.append((m.group(1), [html.unescape(m.group(2))] + cells))
    return rows


def read_csv(data):
    return list(csv.reader(io.StringIO(data.decode('utf-8'))))


class Register(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.coord = cls.server.client('coordinator')

    @classmethod
    def tearDownClass(cls):
        stop_server(cls.server)

    def count(self, where='1=1', *params):
        return db_rows(self.server.db, 'SELECT count(*) FROM institutions WHERE ' + where, *params)[0][0]

    def page(self, client, path, status=200):
        code, _, body = client.get(path)
        self.assertEqual(code, status, path)
        return body.decode()

    # --- reading -----------------------------------------------------------------------------------

    def test_list_filters_sorts_and_pages(self):
        total = self.count('merged_into IS NULL')
        body = self.page(self.coord, '/institutions')
        self.assertIn('Institutions found: %d.' % total, body)
        self.assertEqual(len(table_rows(body)), 50)
        pages = (total + 49) // 50
        self.assertIn('Page 1 of %d' % pages, body)

        # a country filter, typed in lower case
        pl = self.count("country = 'PL' AND merged_into IS NULL")
        self.assertGreater(pl, 1)
        body = self.page(self.coord, '/institutions?country=pl')
        self.assertIn('Institutions found: %d.' % pl, body)
        rows = table_rows(body)
        self.assertEqual(len(rows), pl)
        self.assertEqual({r[1][2] for r in rows}, {'PL'})

        # sorted by learners, most first, the unknown last
        rows = table_rows(self.page(self.coord, '/institutions?sort=learners&order=desc'))
        learners = [int(r[1][5]) for r in rows if r[1][5]]
        self.assertEqual(learners, sorted(learners, reverse=True))
        self.assertEqual(learners[0], db_rows(self.server.db, 'SELECT max(learners) FROM institutions')[0][0])

        # page 2 follows page 1, in name order, with links both ways that keep the sort
        first = table_rows(self.page(self.coord, '/institutions?sort=name'))
        body = self.page(self.coord, '/institutions?sort=name&page=2')
        second = table_rows(body)
        self.assertIn('Page 2 of %d' % pages, body)
        self.assertIn('rel="prev" href="/institutions?sort=name"', body)
        self.assertIn('rel="next" href="/institutions?sort=name&amp;page=3"', body)
        expected = [r[0] for r in db_rows(self.server.db, 'SELECT id FROM institutions WHERE merged_into IS NULL'
                                          ' ORDER BY name_key, id LIMIT 50 OFFSET 50')]
        self.assertEqual([r[0] for r in second], expected)
        self.assertFalse({r[0] for r in first} & {r[0] for r in second})
        self.page(self.coord, '/institutions?page=%d' % (pages + 1), 404)
        self.page(self.coord, '/institutions?sort=shoe+size', 400)

    def test_detail_shows_the_linked_answer_set(self):
        inst_id, sub_id, name = db_rows(
            self.server.db, 'SELECT i.id, l.submission_id, i.name FROM institutions i JOIN institution_submissions l'
            ' ON l.institution_id = i.id WHERE i.contact_email IS NOT NULL ORDER BY i.created_at LIMIT 1')[0]
        email = db_rows(self.server.db, 'SELECT contact_email FROM institutions WHERE id = ?', inst_id)[0][0]
        body = self.page(self.coord, '/institutions/' + inst_id)
        self.assertIn('<h1>%s</h1>' % html.escape(name, quote=False), body)
        link = '/forms/needs-survey/submissions/' + sub_id
        self.assertIn('href="%s"' % link, body)
        self.assertIn('revision 1', body)
        self.assertIn(html.escape(email), body)  # coordinators see the contact person
        self.page(self.coord, link)  # and the answer set itself
        # the panel reads the record without the contact person or a way into the answers
        body = self.page(self.server.client('panel'), '/institutions/' + inst_id)
        self.assertIn(html.escape(name, quote=False), body)
        self.assertNotIn(html.escape(email), body)
        self.assertNotIn('href="%s"' % link, body)
        self.assertIn('personal data', body)
        self.page(self.coord, '/institutions/01938a40-0000-7000-8000-00000000ffff', 404)

    # --- import ------------------------------------------------------------------------------------

    def upload(self, client, name, data):
        body, ctype = multipart({'_csrf': client.csrf()}, {'file': (name, data)})
        return client.request('POST', '/institutions/import', body=body, headers={'Content-Type': ctype})

    def test_a_broken_file_shows_its_errors_and_imports_nothing(self):
        before = self.count()
        status, _, body = self.upload(self.coord, 'broken.csv', BAD_CSV.encode())
        body = body.decode()
        self.assertEqual(status, 400)
        self.assertIn('Nothing was imported: the file has 2 problems.', body)
        self.assertRegex(body, r'<tr><td>3</td><td>learners</td><td>[^<]*whole number[^<]*<q>lots</q>')
        self.assertRegex(body, r'<tr><td>4</td><td>country</td><td>[^<]*ISO 3166-1[^<]*<q>QQ</q>')
        self.assertNotIn('Import them', body)
        self.assertNotIn('name="data"', body)
        self.assertEqual(self.count(), before)
        self.assertEqual(self.count("name LIKE 'Integration Broken%'"), 0)

    def test_a_good_file_is_previewed_then_imported(self):
        before = self.count()
        status, _, body = self.upload(self.coord, 'good.csv', GOOD_CSV.encode())
        body = body.decode()
        self.assertEqual(status, 200, body)
        self.assertIn('These 2 institutions would be created', body)
        self.assertIn('Integration Test School Alpha', body)
        self.assertNotIn('rita@alpha.example.pt', body)  # the preview leaves contacts out
        self.assertEqual(self.count(), before)  # a preview saves nothing
        data = re.search(r'name="data" value="([^"]+)"', body).group(1)
        fmt = re.search(r'name="format" value="([^"]+)"', body).group(1)
        # the confirmation is a change: without its CSRF value it is refused
        status, _, _ = self.coord.post_form('/institutions/import', {'format': fmt, 'data': data}, csrf=False)
        self.assertEqual(status, 403)
        self.assertEqual(self.count(), before)
        status, _, body = self.coord.post_form('/institutions/import', {'format': fmt, 'data': data})
        self.assertEqual(status, 200)
        self.assertIn('Imported: 2 institutions.', body.decode())
        self.assertEqual(self.count(), before + 2)
        rows = table_rows(self.page(self.coord, '/institutions?q=integration+test'))
        self.assertEqual(sorted(r[1][0] for r in rows), ['Integration Test Club Beta', 'Integration Test School Alpha'])
        beta = [r for r in rows if r[1][0] == 'Integration Test Club Beta'][0]
        self.assertEqual(beta[1][1:3], ['stem_club', 'FR'])
        self.assertEqual(db_rows(self.server.db, "SELECT count(*) FROM audit_log WHERE action = 'institution.import'"
                                 " AND actor_label = 'coordinator@demo.edubridge.test'")[0][0], 1)

    def test_only_managers_import(self):
        for role in ('panel', 'partner', 'institution'):
            c = self.server.client(role)
            self.assertEqual(c.get('/institutions/import')[0], 403, role)
            self.assertEqual(self.upload(c, 'good.csv', GOOD_CSV.encode())[0], 403, role)

    # --- duplicates and merges ---------------------------------------------------------------------

    def test_duplicates_page_and_merge(self):
        body = self.page(self.coord, '/institutions/duplicates')
        # the demo's two near-duplicates: imported capitals of two surveyed names
        imported = db_rows(self.server.db, "SELECT id, name FROM institutions WHERE is_demo = 1 AND source = 'import'")
        self.assertEqual(len(imported), 2)
        pairs = re.findall(r'name="survivor" value="([^"]+)"><input type="hidden" name="merged" value="([^"]+)"', body)
        for dup_id, name in imported:
            self.assertIn(html.escape(name, quote=False), body)
            self.assertIn(dup_id, [p[1] for p in pairs])
        self.assertIn('Same name and place.', body)
        # the panel reads the page but is offered no merge, and may not post one
        panel = self.server.client('panel')
        panel_body = self.page(panel, '/institutions/duplicates')
        self.assertIn(html.escape(imported[0][1], quote=False), panel_body)
        self.assertNotIn('/institutions/merge', panel_body)
        survivor, merged = [p for p in pairs if p[1] == imported[0][0]][0]
        status, _, _ = panel.post_form('/institutions/merge', {'survivor': survivor, 'merged': merged})
        self.assertEqual(status, 403)
        status, _, _ = self.coord.post_form('/institutions/merge', {'survivor': survivor, 'merged': merged},
                                            csrf=False)
        self.assertEqual(status, 403)
        self.assertIsNone(db_rows(self.server.db, 'SELECT merged_into FROM institutions WHERE id = ?', merged)[0][0])

        status, headers, _ = self.coord.post_form('/institutions/merge', {'survivor': survivor, 'merged': merged})
        self.assertEqual(status, 303)
        self.assertEqual(headers['location'], '/institutions/' + survivor)
        body = self.page(self.coord, '/institutions/' + merged)
        self.assertIn('This record was merged into another one', body)
        self.assertIn('href="/institutions/%s"' % survivor, body)
        body = self.page(self.coord, '/institutions/' + survivor)
        self.assertIn('Records merged into this one', body)
        self.assertIn('href="/institutions/%s"' % merged, body)
        # the pair is gone from the suggestions, the merged record from the list, and it is audited
        body = self.page(self.coord, '/institutions/duplicates')
        self.assertNotIn('value="%s"' % merged, body)
        self.assertNotIn(merged, self.page(self.coord, '/institutions?q=' + imported[0][1].split()[0]))
        self.assertEqual(db_rows(self.server.db, "SELECT count(*) FROM audit_log WHERE action = 'institution.merge'"
                                 " AND target_ids LIKE ?", '%' + merged + '%')[0][0], 1)
        # merging it again is a conflict, an unknown id is not found
        status, _, _ = self.coord.post_form('/institutions/merge', {'survivor': survivor, 'merged': merged})
        self.assertEqual(status, 409)
        status, _, _ = self.coord.post_form('/institutions/merge', {'survivor': survivor,
                                                                    'merged': '01938a40-0000-7000-8000-00000000ffff'})
        self.assertEqual(status, 404)

    # --- exports and who sees what -----------------------------------------------------------------

    def test_exports_with_and_without_contacts(self):
        status, headers, data = self.coord.get('/institutions.csv')
        self.assertEqual(status, 200)
        self.assertTrue(headers['content-type'].startswith('text/csv'))
        rows = read_csv(data)
        self.assertEqual(rows[0][:2], ['id', 'name'])
        for col in ('contact_name', 'contact_email', 'contact_phone'):
            self.assertIn(col, rows[0])
        self.assertEqual(len(rows) - 1, self.count('merged_into IS NULL'))
        emails = [r[rows[0].index('contact_email')] for r in rows[1:]]
        self.assertTrue(any('@' in e for e in emails))

        status, headers, data = self.server.client('panel').get('/institutions.csv')
        self.assertEqual(status, 200)
        self.assertIn('pseudonymised', headers['content-disposition'])
        rows = read_csv(data)
        self.assertFalse([c for c in rows[0] if c.startswith('contact')])
        self.assertNotIn(b'@', data)
        self.assertEqual(len(rows) - 1, self.count('merged_into IS NULL'))

        status, headers, data = self.server.client('panel').get('/institutions.xlsx')
        self.assertEqual(status, 200)
        self.assertTrue(data.startswith(b'PK\x03\x04'))

    def test_partners_and_trainers_see_nothing(self):
        inst_id = db_rows(self.server.db, 'SELECT id FROM institutions LIMIT 1')[0][0]
        for role in ('partner', 'trainer'):
            c = self.server.client(role)
            for path in ('/institutions', '/institutions/' + inst_id, '/institutions.csv', '/institutions.xlsx',
                         '/institutions/duplicates'):
                self.assertEqual(c.get(path)[0], 403, (role, path))
        # and the anonymous reader is asked to sign in
        status, headers, _ = self.server.get('/institutions')
        self.assertEqual(status, 302)
        self.assertTrue(headers['location'].startswith('/signin'), headers['location'])

    def test_an_institution_contact_sees_their_own_record_only(self):
        own, other = [r[0] for r in db_rows(self.server.db, 'SELECT id FROM institutions WHERE source = ?'
                                            ' AND contact_email IS NOT NULL ORDER BY created_at LIMIT 2', 'survey')]
        c = self.server.client('institution')
        # not linked yet: no record is theirs
        self.assertEqual(c.get('/institutions/' + own)[0], 403)
        db_exec(self.server.db, "UPDATE users SET institution_id = ? WHERE email = 'institution@demo.edubridge.test'",
                own)
        try:
            email = db_rows(self.server.db, 'SELECT contact_email FROM institutions WHERE id = ?', own)[0][0]
            body = self.page(c, '/institutions/' + own)
            self.assertIn(html.escape(email), body)  # their own contact details
            self.assertEqual(c.get('/institutions/' + other)[0], 403)
            for path in ('/institutions', '/institutions.csv', '/institutions/duplicates'):
                self.assertEqual(c.get(path)[0], 403, path)
        finally:
            db_exec(self.server.db, "UPDATE users SET institution_id = NULL"
                    " WHERE email = 'institution@demo.edubridge.test'")


class Cli(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix='edubridge-inst-')
        self.db = os.path.join(self.dir.name, 'cli.db')
        code, _, err = run_cli('init', '--db', self.db)
        self.assertEqual(code, 0, err)

    def tearDown(self):
        self.dir.cleanup()

    def write(self, name, text):
        path = os.path.join(self.dir.name, name)
        with open(path, 'w', encoding='utf-8') as f:
            f.write(text)
        return path

    def count(self):
        return db_rows(self.db, 'SELECT count(*) FROM institutions')[0][0]

    def test_import_dry_run_then_for_real(self):
        path = self.write('good.csv', GOOD_CSV)
        code, out, err = run_cli('institutions', 'import', path, '--dry-run', '--db', self.db)
        self.assertEqual(code, 0, err)
        self.assertIn('row 2: Integration Test School Alpha (PT)', out)
        self.assertIn('row 3: Integration Test Club Beta (FR)', out)
        self.assertIn('2 institutions would be imported', out)
        self.assertEqual(self.count(), 0)
        code, out, err = run_cli('institutions', 'import', path, '--db', self.db)
        self.assertEqual(code, 0, err)
        self.assertIn('imported 2 institutions', out)
        self.assertEqual(self.count(), 2)
        self.assertEqual(db_rows(self.db, "SELECT actor_label LIKE 'cli:%' FROM audit_log"
                                 " WHERE action = 'institution.import'"), [(1,)])

    def test_a_bad_file_exits_1_and_changes_nothing(self):
        path = self.write('bad.csv', BAD_CSV)
        for extra in (['--dry-run'], []):
            code, out, err = run_cli('institutions', 'import', path, *extra, '--db', self.db)
            self.assertEqual(code, 1, err)
            self.assertIn('row 3, column learners:', err)
            self.assertIn('("lots")', err)
            self.assertIn('row 4, column country:', err)
            self.assertIn('2 problems: nothing was imported', err)
            self.assertEqual(self.count(), 0)
        code, _, err = run_cli('institutions', 'import', self.write('notes.txt', 'name\nx\n'), '--db', self.db)
        self.assertEqual(code, 1)
        self.assertIn('.csv or .xlsx', err)
        code, _, err = run_cli('institutions', 'import', '--db', self.db)
        self.assertEqual(code, 2)

    def test_build_is_idempotent(self):
        code, _, err = run_cli('demo', '--db', self.db)
        self.assertEqual(code, 0, err)
        before = self.count()
        code, out, err = run_cli('institutions', 'build', '--db', self.db)
        self.assertEqual(code, 0, err)
        self.assertIn('needs-survey: 0 created, 0 updated by corrections, 0 linked', out)
        self.assertEqual(self.count(), before)


if __name__ == '__main__':
    unittest.main(verbosity=2)

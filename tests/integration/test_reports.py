"""The reports and the coordinator dashboard (issue 6) against the real binary: who reads what (a
partner the programme report, not an institution's report nor the dashboard nor the zip; an
institution's contact only their own institution's report; the panel the zip without names);
small groups of people hidden on the pages and in every download (CSV, XLSX, JSON, the zip), and
shown once the threshold is lowered; the dashboard's late items with the links where each is
fixed; the programme's zip, which opens and holds every table, with contacts for a coordinator
only; unknown programmes and institutions answered 404; and nothing written by any of it.

A programme of its own is made for the figures (a session of four people of one institution, two
of another, devices allocated long ago, a curriculum item past due), so that what is small is
known whatever the demo holds; the demo programme is read for the selection and the roles."""
import csv
import html
import io
import json
import os
import re
import sqlite3
import sys
import time
import unittest
import uuid
import zipfile

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, db_rows, run_cli  # noqa: E402

SLUG = 'it-reports'
DEMO = 'bridging-2026'


def db_exec(path, statements):
    con = sqlite3.connect(path, timeout=10)
    try:
        for sql, params in statements:
            con.execute(sql, params)
        con.commit()
    finally:
        con.close()


def text_of(body):
    return re.sub(r'\s+', ' ', html.unescape(re.sub(r'<[^>]+>', ' ', body.decode())))


def iso(days_from_now, hour=9):
    t = time.gmtime(time.time() + days_from_now * 86400)
    return '%04d-%02d-%02dT%02d:00:00.000Z' % (t.tm_year, t.tm_mon, t.tm_mday, hour)


def fact(body, term):
    """The value of a facts list's term on a page."""
    m = re.search(r'<dt>%s</dt><dd>([^<]*)</dd>' % re.escape(term), body.decode())
    return html.unescape(m.group(1)) if m else None


def figures_csv(body):
    rows = list(csv.DictReader(io.StringIO(body.decode('utf-8-sig'))))
    return {(r['figure'], r['group']): r for r in rows}


class Reports(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(extra_args=('--trust-proxy',))
        s = cls.server
        cls.coord = s.client('coordinator')
        status, _, _ = cls.coord.post_form('/programmes/new', {
            'name': 'Integration reports', 'slug': SLUG, 'summary': '', 'starts_on': '', 'ends_on': '',
            'pilot_size': '4', 'devices': '10', 'max_per_country': '0', 'min_informal': '0',
            'min_rural_percent': '0'})
        assert status == 303, status
        db = s.db
        cls.pid = db_rows(db, 'SELECT id FROM programmes WHERE slug = ?', SLUG)[0][0]
        cls.inst_a, cls.inst_b = str(uuid.uuid4()), str(uuid.uuid4())
        now = iso(0)
        st = []
        for iid, name, country in ((cls.inst_a, 'Escola Relatório', 'PT'), (cls.inst_b, 'Szkoła Raport', 'PL')):
            st.append(('INSERT INTO institutions (id, name, name_key, country, kind, contact_email, status, source,'
                       ' created_at, updated_at) VALUES (?, ?, ?, ?, \'school\', ?, \'accepted\', \'import\', ?, ?)',
                       (iid, name, name.lower(), country, 'head@%s.example.org' % country.lower(), now, now)))
        first, last = iso(-200)[:10], iso(200)[:10]
        st.append(('INSERT INTO programme_phases (id, programme_id, position, kind, starts_on, ends_on)'
                   ' VALUES (?, ?, 0, \'training\', ?, ?)', (str(uuid.uuid4()), cls.pid, first, last)))
        course, cls.session = str(uuid.uuid4()), str(uuid.uuid4())
        st.append(('INSERT INTO courses (id, programme_id, title, language, mode, duration_minutes, created_at,'
                   ' updated_at) VALUES (?, ?, \'Tablets in class\', \'en\', \'in_person\', 120, ?, ?)',
                   (course, cls.pid, now, now)))
        st.append(('INSERT INTO training_sessions (id, programme_id, course_id, starts_at, ends_at, place, capacity,'
                   ' created_at) VALUES (?, ?, ?, ?, ?, \'Lisboa\', 30, ?)',
                   (cls.session, cls.pid, course, iso(-3, 9), iso(-3, 12), now)))
        # Four people of A who completed, two of B whose attendance nobody recorded.
        for n, (iid, status) in enumerate([(cls.inst_a, 'completed')] * 4 + [(cls.inst_b, 'enrolled')] * 2):
            part = str(uuid.uuid4())
            st.append(('INSERT INTO training_participants (id, name, email, institution_id, role, pseudonym,'
                       ' created_at) VALUES (?, ?, ?, ?, \'teacher\', ?, ?)',
                       (part, 'Teacher %d' % n, 'teacher%d@school.example.org' % n, iid, 'ITRP-%04d' % n, now)))
            done = iso(-3, 12) if status == 'completed' else None
            st.append(('INSERT INTO training_enrolments (id, session_id, participant_id, status, enrolled_at,'
                       ' attended_at, completed_at, certificate_code) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
                       (str(uuid.uuid4()), cls.session, part, status, now, done, done,
                        'ITCERT-%d' % n if done else None)))
        # Two devices allocated to A 30 days ago, never shipped.
        for n in range(2):
            dev = str(uuid.uuid4())
            st.append(('INSERT INTO devices (id, programme_id, model, serial, state, institution_id, created_at,'
                       ' updated_at) VALUES (?, ?, \'Tablet\', ?, \'allocated\', ?, ?, ?)',
                       (dev, cls.pid, 'ITREP-%d' % n, cls.inst_a, iso(-30), iso(-30))))
            st.append(('INSERT INTO device_events (id, device_id, from_state, to_state, at, by_label, institution_id)'
                       ' VALUES (?, ?, \'in_stock\', \'allocated\', ?, \'coordinator@demo.edubridge.test\', ?)',
                       (str(uuid.uuid4()), dev, iso(-30), cls.inst_a)))
        plan = str(uuid.uuid4())
        st.append(('INSERT INTO curriculum_plans (id, institution_id, programme_id, created_at) VALUES (?, ?, ?, ?)',
                   (plan, cls.inst_b, cls.pid, now)))
        st.append(('INSERT INTO curriculum_items (id, plan_id, position, domain, module, due_on, status, created_at)'
                   ' VALUES (?, ?, 1, \'devices\', \'Using tablets\', ?, \'planned\', ?)',
                   (str(uuid.uuid4()), plan, iso(-10)[:10], now)))
        st.append(('INSERT INTO feedback_tags (id, programme_id, name, name_key, created_at) VALUES (?, ?, ?, ?, ?)',
                   (str(uuid.uuid4()), cls.pid, 'Connectivity', 'connectivity', now)))
        db_exec(db, st)
        cls.audits = db_rows(db, 'SELECT count(*) FROM audit_log')[0][0]
        cls.contact_inst = db_rows(db, "SELECT institution_id FROM users WHERE role = 'institution'")[0][0]

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def get(self, who, path, status=200):
        client = who if not isinstance(who, str) else self.server.client(who)
        code, headers, body = client.get(path)
        self.assertEqual(code, status, '%s: %d' % (path, code))
        return headers, body

    # --- who reads what ---------------------------------------------------------------------------

    def test_roles(self):
        s = self.server
        demo_inst = db_rows(s.db, "SELECT institution_id FROM selection_places WHERE state = 'accepted'"
                                  " AND institution_id <> ? LIMIT 1", self.contact_inst)[0][0]
        anon = s.client()
        code, headers, _ = anon.get('/programmes/%s/report' % DEMO)
        self.assertIn(code, (302, 303))
        self.assertIn('/signin', headers['location'])
        partner = s.client('partner')
        for path, want in (('/programmes/%s/report' % DEMO, 200), ('/programmes/%s/report.csv' % DEMO, 200),
                           ('/programmes/%s/report.json' % DEMO, 200), ('/programmes/%s/dashboard' % DEMO, 403),
                           ('/programmes/%s/export.zip' % DEMO, 403), ('/institutions/%s/report' % demo_inst, 403),
                           ('/institutions/%s/report.csv' % demo_inst, 403)):
            self.assertEqual(partner.get(path)[0], want, path)
        # The partner's page: aggregates, no institution named, no link to the zip.
        _, body = self.get(partner, '/programmes/%s/report' % DEMO)
        page = body.decode()
        self.assertNotIn('export.zip', page)
        name = db_rows(s.db, 'SELECT name FROM institutions WHERE id = ?', demo_inst)[0][0]
        self.assertNotIn(html.escape(name), page)
        contact = s.client('institution')
        self.assertEqual(contact.get('/institutions/%s/report' % self.contact_inst)[0], 200)
        self.assertEqual(contact.get('/institutions/%s/report.json' % self.contact_inst)[0], 200)
        for path in ('/institutions/%s/report' % demo_inst, '/institutions/%s/report.csv' % demo_inst,
                     '/programmes/%s/report' % DEMO, '/programmes/%s/dashboard' % DEMO,
                     '/programmes/%s/export.zip' % DEMO):
            self.assertEqual(contact.get(path)[0], 403, path)
        panel = s.client('panel')
        for path, want in (('/programmes/%s/report' % DEMO, 200), ('/institutions/%s/report' % demo_inst, 200),
                           ('/programmes/%s/dashboard' % DEMO, 403), ('/programmes/%s/export.zip' % DEMO, 200)):
            self.assertEqual(panel.get(path)[0], want, path)
        for path in ('/programmes/no-such/report', '/programmes/no-such/dashboard', '/programmes/no-such/export.zip',
                     '/programmes/no-such/report.csv', '/institutions/%s/report' % uuid.uuid4(),
                     '/institutions/%s/report?programme=no-such' % demo_inst):
            self.assertEqual(self.coord.get(path)[0], 404, path)

    def test_merged_record(self):
        """A record merged away answers with its survivor's report, in the same form."""
        merged, now = str(uuid.uuid4()), iso(0)
        db_exec(self.server.db, [('INSERT INTO institutions (id, name, name_key, status, source, created_at, updated_at,'
                                  ' merged_into) VALUES (?, \'Escola Relatorio\', \'escola relatorio\', \'registered\','
                                  ' \'import\', ?, ?, ?)', (merged, now, now, self.inst_a))])
        code, headers, _ = self.coord.get('/institutions/%s/report.csv?programme=%s' % (merged, SLUG))
        self.assertEqual(code, 303)
        self.assertEqual(headers['location'], '/institutions/%s/report.csv?programme=%s' % (self.inst_a, SLUG))
        code, headers, _ = self.coord.get('/institutions/%s/report' % merged)
        self.assertEqual((code, headers['location']), (303, '/institutions/%s/report' % self.inst_a))

    # --- the threshold ----------------------------------------------------------------------------

    def test_small_groups_hidden_everywhere(self):
        _, body = self.get(self.coord, '/programmes/%s/report' % SLUG)
        self.assertEqual(fact(body, 'People enrolled'), '6')
        self.assertEqual(fact(body, 'People who attended'), 'fewer than 5')      # 4 of 6: the 2 would show
        self.assertEqual(fact(body, 'People who completed training'), 'fewer than 5')
        self.assertEqual(fact(body, 'Person-hours of training'), 'fewer than 5')
        self.assertIn('<dt>Training sessions held</dt><dd>1 of 1</dd>', body.decode())  # sessions are not people
        self.assertRegex(text_of(body), r'Connectivity fewer than 5')            # a theme with no text yet
        _, body = self.get(self.coord, '/programmes/%s/report.csv' % SLUG)
        rows = figures_csv(body)
        self.assertEqual(rows[('training.enrolled', '')]['value'], '6')
        for key in ('training.attended', 'training.reached', 'training.person_hours'):
            self.assertEqual(rows[(key, '')]['value'], '', key)
            self.assertEqual(rows[(key, '')]['note'], 'hidden: fewer than 5', key)
        self.assertEqual(rows[('themes.texts', 'Connectivity')]['value'], '')
        _, body = self.get(self.coord, '/programmes/%s/report.json' % SLUG)
        doc = json.loads(body)
        self.assertEqual(doc['anonymity_threshold'], 5)
        by_key = {(f['figure'], f['group']): f for f in doc['figures']}
        self.assertIsNone(by_key[('training.attended', None)]['value'])
        self.assertTrue(by_key[('training.attended', None)]['hidden'])
        self.assertEqual(by_key[('training.enrolled', None)]['value'], 6)
        headers, body = self.get(self.coord, '/programmes/%s/report.xlsx' % SLUG)
        self.assertIn('spreadsheetml', headers['content-type'])
        xlsx = zipfile.ZipFile(io.BytesIO(body))
        strings = ''.join(xlsx.read(n).decode() for n in xlsx.namelist() if n.endswith('.xml'))
        self.assertIn('hidden: fewer than 5', strings)
        # The institution of the four: every count of them hidden.
        _, body = self.get(self.coord, '/institutions/%s/report?programme=%s' % (self.inst_a, SLUG))
        for term in ('People enrolled', 'People who attended', 'People who completed', 'Person-hours of training'):
            self.assertEqual(fact(body, term), 'fewer than 5', term)
        _, body = self.get(self.coord, '/institutions/%s/report.csv?programme=%s' % (self.inst_a, SLUG))
        rows = figures_csv(body)
        self.assertEqual(rows[('training.enrolled', '')]['value'], '')
        self.assertEqual(rows[('training.sessions', '')]['value'], '1')
        self.assertEqual(rows[('devices.allocated', '')]['value'], '2')
        _, body = self.get(self.coord, '/institutions/%s/report.json?programme=%s' % (self.inst_a, SLUG))
        figs = {f['figure']: f for f in json.loads(body)['figures'] if f['group'] is None}
        self.assertIsNone(figs['training.completed']['value'])
        self.assertNotIn('4', [str(f['value']) for k, f in figs.items() if k.startswith('training.') and
                               k != 'training.sessions'])
        # In the zip too: its report.csv and themes.csv.
        _, body = self.get(self.coord, '/programmes/%s/export.zip' % SLUG)
        z = zipfile.ZipFile(io.BytesIO(body))
        rows = figures_csv(z.read('report.csv'))
        self.assertEqual(rows[('training.attended', '')]['value'], '')
        self.assertIn('hidden: fewer than 5', z.read('themes.csv').decode())
        # A lower threshold shows them: it is the threshold that hid them.
        code, _, err = run_cli('settings', 'set', 'anonymity_threshold', '3', '--db', self.server.db)
        self.assertEqual(code, 0, err)
        try:
            _, body = self.get(self.coord, '/institutions/%s/report?programme=%s' % (self.inst_a, SLUG))
            self.assertEqual(fact(body, 'People enrolled'), '4')
            self.assertEqual(fact(body, 'People who completed'), '4')
            self.assertEqual(fact(body, 'Person-hours of training'), '8.0')  # 4 people x the course's 2 h
        finally:
            code, _, err = run_cli('settings', 'set', 'anonymity_threshold', '5', '--db', self.server.db)
            self.assertEqual(code, 0, err)

    # --- the dashboard ----------------------------------------------------------------------------

    def test_dashboard(self):
        _, body = self.get(self.coord, '/programmes/%s/dashboard' % SLUG)
        page = body.decode()
        text = text_of(body)
        self.assertIn('Teacher training', text)
        self.assertIn('under way', text)
        self.assertIn('Today', text)
        self.assertIn('<svg class="timeline-chart"', page)
        self.assertNotIn('style=', page.split('<main', 1)[1])
        # Each late item, and where it is fixed.
        self.assertIn('Devices not delivered (1)', text)
        self.assertIn('href="/devices?institution=%s&amp;state=allocated"' % self.inst_a, page)
        self.assertRegex(text, r'Escola Relatório Devices: 2 \(Allocated\) .* 30 ')
        self.assertIn('Sessions over, attendance not recorded (1)', text)
        self.assertIn('href="/training/sessions/%s"' % self.session, page)
        self.assertIn('Enrolments without attendance: 2 of 6', text)
        self.assertIn('Curriculum items past their due day (1)', text)
        self.assertIn('href="/institutions/%s/curriculum?programme=%s"' % (self.inst_b, SLUG), page)
        self.assertIn('<h2 id="h-late">What is late</h2>', page)
        # Every late item's link leads somewhere that answers.
        for href in re.findall(r'<td><a href="([^"]+)">', page):
            self.assertEqual(self.coord.get(html.unescape(href))[0], 200, href)
        # The demo programme: its last invitation is still waiting, but for less than 14 days or more.
        _, body = self.get(self.coord, '/programmes/%s/dashboard' % DEMO)
        self.assertIn('Phases', text_of(body))

    # --- the zip ----------------------------------------------------------------------------------

    def test_export_zip(self):
        tables = ['README.txt', 'programme.json', 'phases.csv', 'campaigns.csv', 'institutions.csv', 'selection.csv',
                  'invitations.csv', 'need_ranking.csv', 'devices.csv', 'device_history.csv', 'deliveries.csv',
                  'courses.csv', 'sessions.csv', 'attendance.csv', 'curriculum.csv', 'respondent_codes.csv',
                  'themes.csv', 'report.csv', 'answers/needs-survey.csv']
        headers, body = self.get('panel', '/programmes/%s/export.zip' % DEMO)
        self.assertEqual(headers['content-type'], 'application/zip')
        self.assertIn('pseudonymised', headers['content-disposition'])
        z = zipfile.ZipFile(io.BytesIO(body))
        self.assertIsNone(z.testzip())
        for name in tables:
            self.assertIn(name, z.namelist())
        institutions = list(csv.DictReader(io.StringIO(z.read('institutions.csv').decode('utf-8-sig'))))
        self.assertGreaterEqual(len(institutions), 10)
        self.assertNotIn('contact_email', institutions[0])
        self.assertNotIn('contact_name', institutions[0])
        for name in z.namelist():
            if name.startswith('answers/') or name == 'README.txt':
                continue
            self.assertNotIn('@', z.read(name).decode('utf-8-sig'), name)
        doc = json.loads(z.read('programme.json'))
        self.assertFalse(doc['personal_data'])
        self.assertEqual(len(doc['tables']['institutions']), len(institutions))
        # The coordinator's has the contacts; ?pseudonymise=1 leaves them out again.
        _, body = self.get(self.coord, '/programmes/%s/export.zip' % DEMO)
        z = zipfile.ZipFile(io.BytesIO(body))
        institutions = list(csv.DictReader(io.StringIO(z.read('institutions.csv').decode('utf-8-sig'))))
        self.assertIn('contact_email', institutions[0])
        self.assertTrue(json.loads(z.read('programme.json'))['personal_data'])
        self.assertIn('PERSONAL DATA', z.read('README.txt').decode())
        _, body = self.get(self.coord, '/programmes/%s/export.zip?pseudonymise=1' % DEMO)
        z = zipfile.ZipFile(io.BytesIO(body))
        self.assertNotIn('contact_email', z.read('institutions.csv').decode('utf-8-sig').split('\r\n', 1)[0])
        # This test's programme: its people by pseudonym only for the panel.
        _, body = self.get('panel', '/programmes/%s/export.zip' % SLUG)
        z = zipfile.ZipFile(io.BytesIO(body))
        attendance = z.read('attendance.csv').decode('utf-8-sig')
        self.assertIn('ITRP-0000', attendance)
        self.assertNotIn('Teacher 0', attendance)
        self.assertNotIn('school.example.org', attendance)
        history = z.read('device_history.csv').decode('utf-8-sig')
        self.assertIn('ITREP-0', history)
        self.assertNotIn('coordinator@', history)

    # --- nothing written --------------------------------------------------------------------------

    def test_zz_nothing_written(self):
        """Runs last: every report, download and the dashboard only read."""
        for path in ('/programmes/%s/report' % SLUG, '/programmes/%s/dashboard' % SLUG,
                     '/programmes/%s/export.zip' % SLUG, '/institutions/%s/report' % self.inst_b):
            self.get(self.coord, path)
        code, _, _ = self.coord.post_form('/programmes/%s/report' % SLUG, {})
        self.assertIn(code, (404, 405))
        # The only audit entries since the start: sign-ins, and the threshold settings of the test above.
        rows = db_rows(self.server.db, 'SELECT action FROM audit_log ORDER BY rowid')[self.audits:]
        self.assertTrue(all(a in ('settings.set', 'auth.signin') for (a,) in rows), rows)
        self.assertEqual(db_rows(self.server.db, 'SELECT count(*) FROM devices WHERE programme_id = ?', self.pid)[0][0], 2)


if __name__ == '__main__':
    unittest.main()

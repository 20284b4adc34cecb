"""The pilot's training against the real binary: the catalogue's import (upload, preview, confirm;
a broken file shows its errors by row and column and imports nothing), a new course and a new
session (bad forms add nothing), enrolment up to the capacity and not one more, attendance by the
session's own trainer (another trainer is refused and changes nothing), completion only with
attendance, the printable certificate, the cascade page with two levels below the programme's
trainers, an institution's curriculum plan made from the need index and moved on, names hidden
from those who may not record a session, the attendance download with names for coordinators and
pseudonymised for the panel (refused to partners and trainers), and `edubridge training`."""
import csv
import datetime
import html
import io
import os
import re
import sqlite3
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import DEMO_PASSWORD, Server, db_rows, run_cli, stop_server  # noqa: E402

PROGRAMME = 'bridging-2026'
GOOD_CSV = ('title,language,mode,duration_minutes,level,topics,url,file_name\r\n'
            'IT Online safety for teachers,en,online,90,beginner,"online safety, skills",https://example.org/safe,\r\n'
            'IT Tablet basics,pl,offline_package,120,beginner,devices,,tablet.zip\r\n')
# Row 3's mode is none of the three; row 4 has no title and a link that is not one.
BAD_CSV = ('title,language,mode,url\n'
           'IT Broken one,en,in_person,\n'
           'IT Broken two,en,by carrier pigeon,\n'
           ',fr,online,javascript:alert(1)\n')


def multipart(fields, files):
    boundary = 'edubridgeTrainingBoundary'
    out = b''
    for k, v in fields.items():
        out += ('--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (boundary, k, v)).encode()
    for k, (name, data) in files.items():
        out += ('--%s\r\nContent-Disposition: form-data; name="%s"; filename="%s"\r\n'
                'Content-Type: text/csv\r\n\r\n' % (boundary, k, name)).encode() + data + b'\r\n'
    out += ('--%s--\r\n' % boundary).encode()
    return out, 'multipart/form-data; boundary=' + boundary


def local(days, hours=0):
    """A datetime-local value days (and hours) from now, UTC, to the minute."""
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days, hours=hours)
    return t.strftime('%Y-%m-%dT%H:%M')


def text(body):
    t = re.sub(r'<[^>]+>', ' ', body.decode() if isinstance(body, bytes) else body)
    return html.unescape(re.sub(r'\s+', ' ', t))


class Training(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.db = cls.server.db
        cls.coord = cls.server.client('coordinator')
        cls.trainer = cls.server.client('trainer')
        cls.trainer_id = db_rows(cls.db, "SELECT id FROM users WHERE email = 'trainer@demo.edubridge.test'")[0][0]
        # A second trainer, whose sessions the demo trainer may not record.
        code, _, err = run_cli('user', 'add', '--role', 'trainer', '--name', 'Other Trainer',
                               'other.trainer@test.edubridge.test', '--db', cls.db, input=DEMO_PASSWORD + '\n')
        assert code == 0, err
        cls.other_id = db_rows(cls.db, "SELECT id FROM users WHERE email = 'other.trainer@test.edubridge.test'")[0][0]
        cls.course = cls.add_course('IT Session course %s' % os.getpid())

    @classmethod
    def tearDownClass(cls):
        stop_server(cls.server)

    @classmethod
    def add_course(cls, title):
        status, headers, _ = cls.coord.post_form('/training/courses/new', {
            'title': title, 'language': 'en', 'mode': 'in_person', 'duration_minutes': '120', 'level': 'beginner',
            'topics': 'devices, skills'})
        assert status == 303, status
        return db_rows(cls.db, 'SELECT id FROM courses WHERE title = ?', title)[0][0]

    def count(self, table, where='1=1', *params):
        return db_rows(self.db, 'SELECT count(*) FROM %s WHERE %s' % (table, where), *params)[0][0]

    def new_session(self, trainer, starts, ends, capacity=10, tot=False, client=None):
        fields = {'programme': PROGRAMME, 'course': self.course, 'trainer': trainer, 'starts_at': starts,
                  'ends_at': ends, 'place': 'Test room', 'capacity': str(capacity)}
        if tot:
            fields['is_tot'] = '1'
        status, headers, body = (client or self.coord).post_form('/training/sessions/new', fields)
        self.assertEqual(status, 303, text(body)[:2000])
        m = re.match(r'/training/sessions/([0-9a-f-]{36})$', headers['location'])
        self.assertTrue(m, headers['location'])
        return m.group(1)

    def enrol(self, session, name, client=None, role='teacher', status=303):
        code, _, body = (client or self.coord).post_form('/training/sessions/%s/enrol' % session,
                                                         {'name': name, 'role': role})
        self.assertEqual(code, status, text(body)[:2000])
        return body

    def enrolments(self, session):
        return dict(db_rows(self.db, 'SELECT t.name, e.id FROM training_enrolments e JOIN training_participants t'
                                     ' ON t.id = e.participant_id WHERE e.session_id = ?', session))

    def record(self, session, marks, client=None, status=303):
        """marks: enrolment id -> (attended, completed)."""
        fields = {'e': list(marks)}
        for eid, (attended, completed) in marks.items():
            if attended:
                fields['attended-' + eid] = '1'
            if completed:
                fields['completed-' + eid] = '1'
        code, _, body = (client or self.coord).post_form('/training/sessions/%s/attendance' % session, fields)
        self.assertEqual(code, status, text(body)[:2000])
        return body

    def statuses(self, session):
        return dict(db_rows(self.db, 'SELECT t.name, e.status FROM training_enrolments e JOIN training_participants t'
                                     ' ON t.id = e.participant_id WHERE e.session_id = ?', session))

    # --- the catalogue -----------------------------------------------------------------------------

    def upload(self, name, data):
        body, ctype = multipart({'_csrf': self.coord.csrf()}, {'file': (name, data)})
        return self.coord.request('POST', '/training/import', body=body, headers={'Content-Type': ctype})

    def test_a_broken_catalogue_imports_nothing(self):
        before, audit = self.count('courses'), self.count('audit_log')
        status, _, body = self.upload('broken.csv', BAD_CSV.encode())
        body = body.decode()
        self.assertEqual(status, 400)
        self.assertIn('Nothing was imported: the file has 3 problems.', body)
        self.assertRegex(body, r'<tr><td>3</td><td>mode</td><td>[^<]*online, in_person or offline_package[^<]*'
                               r'<q>by carrier pigeon</q>')
        self.assertRegex(body, r'<tr><td>4</td><td>url</td><td>[^<]*http[^<]*<q>javascript:alert\(1\)</q>')
        self.assertRegex(body, r'<tr><td>4</td><td>title</td><td>The title is missing.')
        self.assertNotIn('name="data"', body)
        self.assertEqual(self.count('courses'), before)
        self.assertEqual(self.count('audit_log'), audit)

    def test_a_catalogue_is_previewed_then_imported(self):
        before = self.count('courses')
        status, _, body = self.upload('courses.csv', GOOD_CSV.encode())
        body = body.decode()
        self.assertEqual(status, 200, body)
        self.assertIn('These 2 courses would be added', body)
        self.assertEqual(self.count('courses'), before)
        data = re.search(r'name="data" value="([^"]+)"', body).group(1)
        fmt = re.search(r'name="format" value="([^"]+)"', body).group(1)
        status, _, _ = self.coord.post_form('/training/import', {'format': fmt, 'data': data}, csrf=False)
        self.assertEqual(status, 403)
        self.assertEqual(self.count('courses'), before)
        status, _, body = self.coord.post_form('/training/import', {'format': fmt, 'data': data})
        self.assertEqual(status, 200)
        self.assertIn('Imported: 2 courses.', body.decode())
        self.assertEqual(self.count('courses'), before + 2)
        # the catalogue filters by language, mode and topic
        body = text(self.coord.get('/training?language=pl&mode=offline_package')[2])
        self.assertIn('IT Tablet basics', body)
        self.assertNotIn('IT Online safety for teachers', body)
        self.assertIn('tablet.zip', body)
        body = text(self.coord.get('/training?topic=online+safety')[2])
        self.assertIn('IT Online safety for teachers', body)
        self.assertNotIn('IT Tablet basics', body)
        # the download is the catalogue, for whoever reads it (trainers too)
        status, headers, data = self.trainer.get('/training.csv')
        self.assertEqual(status, 200)
        rows = list(csv.reader(io.StringIO(data.decode())))
        self.assertEqual(rows[0][:5], ['id', 'title', 'provider', 'language', 'mode'])
        self.assertIn('IT Tablet basics', [r[1] for r in rows])

    def test_a_bad_course_form_adds_nothing(self):
        before = self.count('courses')
        status, _, body = self.coord.post_form('/training/courses/new', {'title': '', 'language': 'english',
                                                                         'mode': 'online'})
        body = body.decode()
        self.assertEqual(status, 400)
        self.assertIn('There is a problem', body)
        self.assertIn('href="#f-title"', body)
        self.assertIn('href="#f-language"', body)
        self.assertIn('An online course needs a link.', body)
        self.assertEqual(self.count('courses'), before)
        # and trainers may not add courses at all
        self.assertEqual(self.trainer.post_form('/training/courses/new', {'title': 'x'})[0], 403)

    # --- sessions, capacity, attendance ------------------------------------------------------------

    def test_a_bad_session_form_adds_nothing(self):
        before = self.count('training_sessions')
        status, _, body = self.coord.post_form('/training/sessions/new', {
            'programme': PROGRAMME, 'course': self.course, 'trainer': 'u:' + self.trainer_id,
            'starts_at': local(-1), 'ends_at': local(-2), 'capacity': '0'})
        body = text(body)
        self.assertEqual(status, 400)
        self.assertIn('The session must end after it starts.', body)
        self.assertIn('Say where: a place, a link or both.', body)
        self.assertIn('The capacity is a whole number of places, from 1 to 1000.', body)
        self.assertEqual(self.count('training_sessions'), before)

    def test_enrolment_stops_at_capacity(self):
        s = self.new_session('u:' + self.trainer_id, local(-5), local(-5, 3), capacity=2)
        self.enrol(s, 'Capacity One')
        self.enrol(s, 'Capacity Two', client=self.trainer)  # the session's own trainer enrols too
        people = self.count('training_participants')
        body = self.enrol(s, 'Capacity Three', status=409)
        self.assertIn('This session is full: all its 2 places are taken.', text(body))
        self.assertEqual(self.count('training_enrolments', 'session_id = ?', s), 2)
        self.assertEqual(self.count('training_participants'), people)
        self.assertEqual(self.count('training_participants', "name = 'Capacity Three'"), 0)
        # a new person without a name is refused by field
        s2 = self.new_session('u:' + self.trainer_id, local(-5), local(-5, 3), capacity=5)
        code, _, body = self.coord.post_form('/training/sessions/%s/enrol' % s2, {'name': ' ', 'email': 'nope'})
        self.assertEqual(code, 400)
        self.assertIn('href="#f-name"', body.decode())
        self.assertIn('href="#f-email"', body.decode())
        self.assertEqual(self.count('training_enrolments', 'session_id = ?', s2), 0)

    def test_a_trainer_records_their_own_sessions_only(self):
        mine = self.new_session('u:' + self.trainer_id, local(-4), local(-4, 3))
        theirs = self.new_session('u:' + self.other_id, local(-4), local(-4, 3))
        for name in ('Own Alice', 'Own Bruno', 'Own Carla'):
            self.enrol(mine, name)
        self.enrol(theirs, 'Their Dan')
        e = self.enrolments(mine)
        # completion without attendance: refused, nothing recorded (Alice's good mark included)
        body = self.record(mine, {e['Own Alice']: (True, True), e['Own Bruno']: (False, True),
                                  e['Own Carla']: (False, False)}, client=self.trainer, status=400)
        self.assertIn('Own Bruno: completion needs attendance', text(body))
        self.assertEqual(set(self.statuses(mine).values()), {'enrolled'})
        # the session's own trainer records it
        self.record(mine, {e['Own Alice']: (True, True), e['Own Bruno']: (True, False),
                           e['Own Carla']: (False, False)}, client=self.trainer)
        self.assertEqual(self.statuses(mine), {'Own Alice': 'completed', 'Own Bruno': 'attended',
                                               'Own Carla': 'no_show'})
        # another trainer's session: refused, and nothing changes
        d = self.enrolments(theirs)['Their Dan']
        audit = self.count('audit_log')
        self.record(theirs, {d: (True, True)}, client=self.trainer, status=403)
        self.enrol(theirs, 'Sneaky Eve', client=self.trainer, status=403)
        self.assertEqual(self.statuses(theirs), {'Their Dan': 'enrolled'})
        self.assertEqual(self.count('audit_log'), audit)
        # its page shows pseudonyms to the demo trainer, with no forms; names on their own page
        body = self.trainer.get('/training/sessions/' + theirs)[2].decode()
        self.assertNotIn('Their Dan', body)
        self.assertNotIn('/attendance', body)
        pseudonym = db_rows(self.db, "SELECT pseudonym FROM training_participants WHERE name = 'Their Dan'")[0][0]
        self.assertIn(pseudonym, body)
        body = self.trainer.get('/training/sessions/' + mine)[2].decode()
        self.assertIn('Own Alice', body)
        self.assertNotIn('Their Dan', body)  # the enrolment form offers the trainer's own people only
        dan = db_rows(self.db, "SELECT id FROM training_participants WHERE name = 'Their Dan'")[0][0]
        code, _, _ = self.trainer.post_form('/training/sessions/%s/enrol' % mine, {'participant': dan})
        self.assertEqual(code, 400)
        self.assertNotIn('Their Dan', self.statuses(mine))
        # an institution's contact reads sessions without names
        body = self.server.client('institution').get('/training/sessions/' + mine)[2].decode()
        self.assertNotIn('Own Alice', body)

        # the certificate: the completed person's, printable; none for the others; not another's
        alice = e['Own Alice']
        status, _, body = self.trainer.get('/training/certificates/' + alice)
        self.assertEqual(status, 200)
        body = body.decode()
        code = db_rows(self.db, 'SELECT certificate_code FROM training_enrolments WHERE id = ?', alice)[0][0]
        self.assertRegex(code, r'^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$')
        self.assertIn('class="certificate"', body)
        self.assertIn('Certificate of completion', body)
        self.assertIn('Own Alice', body)
        self.assertIn(code, body)
        self.assertIn('Tomás Trainer (demo)', html.unescape(body))
        self.assertEqual(self.trainer.get('/training/certificates/' + e['Own Bruno'])[0], 404)
        # anyone holding the code can check it, typed as they like; a wrong code finds nothing
        anonymous = self.server.client()
        status, _, body = anonymous.get('/certificates?code=' + code.replace('-', '').lower())
        self.assertEqual(status, 200)
        self.assertIn('This certificate is genuine.', text(body))
        self.assertIn('Own Alice', text(body))
        wrong = ('0' if code[0] != '0' else '1') + code[1:]
        status, _, body = anonymous.get('/certificates?code=' + wrong)
        self.assertEqual(status, 404)
        self.assertNotIn('Own Alice', text(body))
        self.record(theirs, {d: (True, True)})  # the coordinator may
        self.assertEqual(self.statuses(theirs), {'Their Dan': 'completed'})
        self.assertEqual(self.trainer.get('/training/certificates/' + d)[0], 403)
        self.assertEqual(self.coord.get('/training/certificates/' + d)[0], 200)
        self.assertEqual(self.server.client('panel').get('/training/certificates/' + alice)[0], 403)

    def test_attendance_waits_for_the_start(self):
        s = self.new_session('u:' + self.trainer_id, local(3), local(3, 2))
        self.enrol(s, 'Future Fay')
        e = self.enrolments(s)
        body = self.record(s, {e['Future Fay']: (True, False)}, status=400)
        self.assertIn('Attendance can be recorded once the session has started.', text(body))
        self.assertEqual(self.statuses(s), {'Future Fay': 'enrolled'})

    # --- the cascade -------------------------------------------------------------------------------

    def test_the_cascade_shows_two_levels(self):
        # level 0: the demo trainer's train-the-trainer session; Gabi graduates
        tot = self.new_session('u:' + self.trainer_id, local(-30), local(-29), tot=True)
        self.enrol(tot, 'Cascade Gabi', role='trainer')
        self.record(tot, {self.enrolments(tot)['Cascade Gabi']: (True, True)})
        gabi = db_rows(self.db, "SELECT id FROM training_participants WHERE name = 'Cascade Gabi'")[0][0]
        # Gabi may not run a session that starts before her course ended
        status, _, body = self.coord.post_form('/training/sessions/new', {
            'programme': PROGRAMME, 'course': self.course, 'trainer': 'p:' + gabi, 'starts_at': local(-31),
            'ends_at': local(-31, 2), 'place': 'Early room', 'capacity': '5'})
        self.assertEqual(status, 400)
        self.assertIn('completed no train-the-trainer session', text(body))
        # level 1: Gabi's own train-the-trainer session; Hana graduates
        tot2 = self.new_session('p:' + gabi, local(-20), local(-19), tot=True)
        self.enrol(tot2, 'Cascade Hana', role='trainer')
        self.enrol(tot2, 'Cascade Ivo')
        e = self.enrolments(tot2)
        self.record(tot2, {e['Cascade Hana']: (True, True), e['Cascade Ivo']: (False, False)})
        hana = db_rows(self.db, "SELECT id FROM training_participants WHERE name = 'Cascade Hana'")[0][0]
        # level 2: Hana's session for teachers
        s2 = self.new_session('p:' + hana, local(-10), local(-10, 3))
        for name in ('Cascade Jan', 'Cascade Kim'):
            self.enrol(s2, name)
        e = self.enrolments(s2)
        self.record(s2, {e['Cascade Jan']: (True, True), e['Cascade Kim']: (True, True)})

        status, _, body = self.trainer.get('/training/cascade?programme=' + PROGRAMME)
        self.assertEqual(status, 200)
        body = body.decode()
        levels = re.findall(r'<tr><th scope="row">(\d+)</th><td class="num">(\d+)</td><td class="num">(\d+)</td>'
                            r'<td class="num">(\d+)</td></tr>', body)
        by_level = {int(l): (int(s), int(r), int(g)) for l, s, r, g in levels}
        self.assertEqual(sorted(by_level), [0, 1, 2])
        self.assertGreaterEqual(by_level[1][0], 1)
        self.assertGreaterEqual(by_level[2][1], 2)  # Jan and Kim, at least
        # who trained whom: Hana's session is nested under Gabi's, under the demo trainer's
        t = text(body)
        gabi_at, hana_at = t.find('Cascade Gabi trained here'), t.find('Cascade Hana trained here')
        self.assertGreater(gabi_at, 0)
        self.assertGreater(hana_at, gabi_at)
        self.assertIn('level 2, run by Cascade Hana, 2 completed', t)
        # the session page names its level and its trainer's own course
        t = text(self.coord.get('/training/sessions/' + s2)[2])
        self.assertIn('Level 2', t)
        code, out, err = run_cli('training', 'cascade', PROGRAMME, '--db', self.db)
        self.assertEqual(code, 0, err)
        self.assertRegex(out, r'\n\s+2\s+\d+\s+\d+\s+\d+\n')
        self.assertIn('trained Cascade Hana', out)

    # --- curriculum --------------------------------------------------------------------------------

    def test_a_curriculum_plan_from_the_need_index(self):
        # a pilot institution without a plan yet (the demo may have given the pilot theirs), else
        # any surveyed one: both are in the need index
        inst = db_rows(self.db, "SELECT id FROM institutions WHERE merged_into IS NULL AND source = 'survey'"
                                " AND id NOT IN (SELECT institution_id FROM curriculum_plans) ORDER BY"
                                " status IN ('selected','invited','accepted') DESC, name_key LIMIT 1")[0][0]
        path = '/institutions/%s/curriculum?programme=%s' % (inst, PROGRAMME)
        status, _, body = self.coord.get(path)
        self.assertEqual(status, 200)
        t = text(body)
        self.assertIn('Weakest domains first', t)
        self.assertIn('No plan yet.', t)
        status, _, _ = self.coord.post_form(path, {'do': 'make', 'starts_on': '2026-09-21'})
        self.assertEqual(status, 303)
        items = db_rows(self.db, 'SELECT x.id, x.domain, x.due_on FROM curriculum_items x JOIN curriculum_plans p'
                                 ' ON p.id = x.plan_id WHERE p.institution_id = ? ORDER BY x.due_on', inst)
        self.assertGreater(len(items), 0)
        self.assertEqual(items[0][2], '2026-10-19')
        self.assertLessEqual(len({i[1] for i in items}), 2)  # the two weakest domains
        t = text(self.coord.get(path)[2])
        self.assertIn('Done: 0 of %d items (0%%).' % len(items), t)
        status, _, _ = self.coord.post_form(path, {'do': 'status', 'item': items[0][0], 'status': 'done'})
        self.assertEqual(status, 303)
        self.assertIn('Done: 1 of %d items' % len(items), text(self.coord.get(path)[2]))
        self.assertEqual(db_rows(self.db, 'SELECT status FROM curriculum_items WHERE id = ?', items[0][0])[0][0], 'done')
        # making it again adds nothing; a bad item adds nothing either
        before = self.count('curriculum_items')
        self.assertEqual(self.coord.post_form(path, {'do': 'make', 'starts_on': '2026-09-21'})[0], 303)
        self.assertEqual(self.count('curriculum_items'), before)
        status, _, body = self.coord.post_form(path, {'do': 'add', 'domain': 'devices', 'module': '', 'due_on': 'soon'})
        self.assertEqual(status, 400)
        self.assertIn('href="#f-module"', body.decode())
        self.assertIn('href="#f-due_on"', body.decode())
        self.assertEqual(self.count('curriculum_items'), before)
        status, _, _ = self.coord.post_form(path, {'do': 'add', 'domain': 'devices', 'module': 'Charging routine',
                                                   'lesson': 'Who plugs in the tablets', 'due_on': '2026-12-01'})
        self.assertEqual(status, 303)
        self.assertEqual(self.count('curriculum_items'), before + 1)
        # trainers read the plan and may not change it
        self.assertEqual(self.trainer.get(path)[0], 200)
        self.assertEqual(self.trainer.post_form(path, {'do': 'make'})[0], 403)
        self.assertEqual(self.coord.get('/institutions/01938a40-0000-7000-8000-00000000ffff/curriculum')[0], 404)

    # --- downloads ---------------------------------------------------------------------------------

    def test_attendance_downloads_are_pseudonymised_but_for_coordinators(self):
        s = self.new_session('u:' + self.trainer_id, local(-3), local(-3, 2))
        self.enrol(s, 'Export Olga')
        status, headers, data = self.coord.get('/training/sessions.csv?programme=' + PROGRAMME)
        self.assertEqual(status, 200)
        rows = list(csv.reader(io.StringIO(data.decode())))
        self.assertIn('name', rows[0])
        self.assertIn('Export Olga', [r[rows[0].index('name')] for r in rows[1:]])
        status, headers, data = self.server.client('panel').get('/training/sessions.csv?programme=' + PROGRAMME)
        self.assertEqual(status, 200)
        self.assertIn('pseudonymised', headers['content-disposition'])
        body = data.decode()
        self.assertNotIn('Export Olga', body)
        self.assertNotIn('Tomás', body)
        rows = list(csv.reader(io.StringIO(body)))
        self.assertNotIn('name', rows[0])
        self.assertNotIn('email', rows[0])
        self.assertNotIn('certificate_code', rows[0])
        pseudonym = db_rows(self.db, "SELECT pseudonym FROM training_participants WHERE name = 'Export Olga'")[0][0]
        self.assertIn(pseudonym, [r[rows[0].index('participant_pseudonym')] for r in rows[1:]])
        status, headers, data = self.server.client('panel').get('/training/sessions.xlsx')
        self.assertEqual(status, 200)
        self.assertEqual(data[:2], b'PK')
        for role in ('partner', 'trainer', 'institution'):
            self.assertEqual(self.server.client(role).get('/training/sessions.csv')[0], 403, role)
        self.assertEqual(self.server.client('partner').get('/training')[0], 403)

    # --- a course's file ---------------------------------------------------------------------------

    def post_file(self, client, course, name, data, csrf=True):
        fields = {'_csrf': client.csrf()} if csrf else {}
        body, ctype = multipart(fields, {'file': (name, data)})
        return client.request('POST', '/training/courses/%s/file' % course, body=body,
                              headers={'Content-Type': ctype})

    def test_a_course_file_uploaded_and_downloaded(self):
        course = self.add_course('IT File course %s' % os.getpid())
        url = '/training/courses/%s/file' % course
        files = lambda: self.count('course_files', 'course_id = ?', course)  # noqa: E731
        audits = lambda: self.count('audit_log', "action = 'training.course_file'")  # noqa: E731
        pdf = b'%PDF-1.4\n1 0 obj << >> endobj\n' + bytes(range(256)) + b'\n%%EOF\n'
        # Nothing yet: 404, and the catalogue offers the coordinator a form with the CSRF field.
        self.assertEqual(self.coord.get(url)[0], 404)
        page = self.coord.get('/training')[2].decode()
        self.assertRegex(page, r'action="%s" enctype="multipart/form-data"><input type="hidden" name="_csrf"' % url)
        status, headers, body = self.post_file(self.coord, course, 'C:\\Lessons\\handout.pdf', pdf)
        self.assertEqual(status, 303, text(body)[:2000])
        self.assertEqual((files(), audits()), (1, 1))
        detail = db_rows(self.db, "SELECT detail FROM audit_log WHERE action = 'training.course_file'")[0][0]
        self.assertIn('handout.pdf', detail)
        self.assertNotIn('endobj', detail)
        self.assertIn('Download (handout.pdf, 293 bytes)', text(self.coord.get('/training')[2]))
        for role in ('coordinator', 'trainer', 'institution'):
            status, headers, data = self.server.client(role).get(url)
            self.assertEqual(status, 200, role)
            self.assertEqual(data, pdf, role)
            self.assertEqual(headers['content-type'], 'application/pdf')
            self.assertEqual(headers['content-disposition'],
                             'attachment; filename="handout.pdf"; filename*=UTF-8\'\'handout.pdf')
            self.assertEqual(headers['x-content-type-options'], 'nosniff')
            self.assertEqual(headers['cache-control'], 'private')
        for role in ('panel', 'partner'):
            self.assertEqual(self.server.client(role).get(url)[0], 403, role)
        self.assertEqual(self.server.client().get(url)[0] in (302, 303, 401, 403), True)
        # The type is the bytes': PNG bytes named .pdf are kept, and served, as a PNG.
        png = b'\x89PNG\r\n\x1a\n' + b'\x00' * 32
        self.assertEqual(self.post_file(self.coord, course, 'notes.pdf', png)[0], 303)
        status, headers, data = self.trainer.get(url)
        self.assertEqual((status, headers['content-type'], data), (200, 'image/png', png))
        self.assertEqual((files(), audits()), (1, 2))
        # Refused, and nothing changes: a program, unknown bytes, no file, a trainer, no CSRF value.
        status, _, body = self.post_file(self.coord, course, 'setup.pdf', b'MZ\x90\x00\x03' + b'\x00' * 60)
        self.assertEqual(status, 422)
        self.assertIn('This file looks like a Windows program (EXE or DLL)', text(body))
        status, _, body = self.post_file(self.coord, course, 'blob.bin', b'\x00\x01\x02\x03\xfe\xff' * 10)
        self.assertEqual(status, 422)
        self.assertIn('The kind of this file is unknown', text(body))
        status, _, body = self.post_file(self.coord, course, '', b'')
        self.assertEqual(status, 400)
        self.assertIn('Choose a file to upload.', text(body))
        self.assertEqual(self.post_file(self.trainer, course, 'x.pdf', pdf)[0], 403)
        self.assertEqual(self.post_file(self.coord, course, 'x.pdf', pdf, csrf=False)[0], 403)
        self.assertEqual(self.post_file(self.coord, 'no-such-course', 'x.pdf', pdf)[0], 404)
        self.assertEqual((files(), audits()), (1, 2))
        self.assertEqual(self.trainer.get(url)[2], png)
        # In another language, the message is translated.
        status, _, body = self.coord.request('POST', url + '?lang=fr', body=multipart(
            {'_csrf': self.coord.csrf()}, {'file': ('a.exe', b'MZ' + b'\x00' * 10)})[0],
            headers={'Content-Type': multipart({}, {})[1]})
        self.assertEqual(status, 422)
        self.assertNotIn('This file looks like', text(body))


class Command(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix='edubridge-training-')
        self.db = os.path.join(self.dir.name, 'cli.db')
        code, _, err = run_cli('demo', '--db', self.db)
        self.assertEqual(code, 0, err)

    def tearDown(self):
        self.dir.cleanup()

    def write(self, name, data):
        path = os.path.join(self.dir.name, name)
        with open(path, 'w') as f:
            f.write(data)
        return path

    def test_import_dry_run_then_import(self):
        count = lambda: db_rows(self.db, 'SELECT count(*) FROM courses')[0][0]  # noqa: E731
        before = count()
        code, out, err = run_cli('training', 'import', self.write('c.csv', GOOD_CSV), '--dry-run', '--db', self.db)
        self.assertEqual(code, 0, err)
        self.assertIn('2 courses would be imported', out)
        self.assertEqual(count(), before)
        code, _, err = run_cli('training', 'import', self.write('bad.csv', BAD_CSV), '--db', self.db)
        self.assertEqual(code, 1)
        self.assertIn('row 3, column mode', err)
        self.assertIn('nothing was imported', err)
        self.assertEqual(count(), before)
        code, out, err = run_cli('training', 'import', self.write('c.csv', GOOD_CSV), '--db', self.db)
        self.assertEqual(code, 0, err)
        self.assertEqual(count(), before + 2)
        code, out, err = run_cli('training', 'sessions', '--db', self.db)
        self.assertEqual(code, 0, err)
        self.assertRegex(out, r'\d+ sessions?\n$')
        self.assertEqual(run_cli('training', 'cascade', 'no-such-programme', '--db', self.db)[0], 1)
        self.assertEqual(run_cli('training', 'fly', '--db', self.db)[0], 2)


if __name__ == '__main__':
    unittest.main(verbosity=2)

"""The audit trail and the privacy tools, against the real binary: consent recorded with each
submission, the needs survey asking consent before anything personal, pseudonymised exports (the
web download for roles that may not see personal data, and `export --pseudonymise`), the audit
trail and its page, `edubridge privacy export|erase` and the page /admin/privacy, and the anonymity
threshold as a setting."""
import csv
import io
import json
import os
import re
import sqlite3
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, db_rows, run_cli  # noqa: E402

FORM = 'needs-survey'
PERSONAL = ('respondent_name', 'email', 'phone', 'anything_else')

# A valid needs-survey answer set (the shipped form); personal answers only with consent.
ANSWERS = {
    'consent': 'yes', 'respondent_name': 'Iris Test', 'email': 'iris@example.org', 'phone': '',
    'role': 'teacher', 'institution_name': 'Test School', 'institution_kind': 'school',
    'education_type': 'formal', 'country': 'PL', 'region': 'Mazowieckie', 'area': 'rural',
    'learners': 300, 'teachers': 25, 'age_ranges': ['age_6_11'], 'devices': 40,
    'device_types': ['laptop'], 'maintainer': 'staff', 'connection': 'fixed_slow',
    'reliability': 'often_interrupted', 'teachers_confident': '3', 'teachers_find_content': '4',
    'teachers_online_safety': '2', 'training_share': 'pct_1_25', 'training_needs': ['online_safety'],
    'training_mode': 'in_person', 'tech_frequency': 'weekly', 'learners_find_info': '3',
    'learners_safe_online': '4', 'tech_purposes': ['practice'], 'barriers': ['cost_devices'],
    'help_most': 'devices', 'digital_plan': 'in_progress', 'anything_else': 'Call me on 600 100 200.',
    'contact_pilot': 'yes',
}


def read_csv(data):
    text = data.decode('utf-8-sig') if isinstance(data, bytes) else data.lstrip('\ufeff')
    return list(csv.reader(io.StringIO(text)))


class Privacy(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(extra_args=('--trust-proxy',))
        cls.admin = cls.server.client('admin')

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def submit(self, answers):
        status, _, body = self.server.request('POST', '/api/v1/forms/%s/submissions' % FORM,
                                              body=json.dumps(answers).encode(),
                                              headers={'Content-Type': 'application/json'})
        self.assertEqual(status, 201, body)
        return json.loads(body)['id']

    # --- consent ------------------------------------------------------------------------------

    def test_consent_recorded_with_each_submission(self):
        yes = self.submit(ANSWERS)
        no = self.submit(dict(ANSWERS, consent='no'))
        rows = dict((r[0], r[1:]) for r in db_rows(
            self.server.db, 'SELECT id, consent, consent_at, submitted_at, answers FROM submissions WHERE id IN (?, ?)', yes, no))
        consent, at, submitted, answers = rows[yes]
        self.assertEqual((consent, at), ('yes', submitted))
        self.assertIn('iris@example.org', answers)
        consent, at, submitted, answers = rows[no]
        self.assertEqual((consent, at), ('no', submitted))
        # Without consent the personal questions do not apply: their answers are not kept.
        stored = json.loads(answers)
        for name in ('respondent_name', 'email', 'phone'):
            self.assertNotIn(name, stored)
        self.assertEqual(stored['institution_name'], 'Test School')
        # The demo's answer sets have theirs too.
        counts = dict(db_rows(self.server.db, "SELECT coalesce(consent, '-'), count(*) FROM submissions"
                                              " WHERE form_id = ? AND status = 'submitted' AND is_demo = 1 GROUP BY 1", FORM))
        self.assertEqual(set(counts), {'yes', 'no'})

    def test_survey_asks_consent_first_and_skips_personal_questions(self):
        c = self.server.client()
        status, headers, _ = c.request('POST', '/s/%s/start' % FORM, body='lang=en',
                                       headers={'Content-Type': 'application/x-www-form-urlencoded'})
        self.assertEqual(status, 303)
        page1 = headers['location'].split('?')[0]
        self.assertTrue(page1.endswith('/p/1'), page1)
        _, _, html = c.get(page1 + '?i=0')
        html = html.decode()
        self.assertIn('name="f-consent"', html)
        self.assertNotIn('f-email', html)
        status, headers, _ = c.request('POST', page1, body='i=0&go=next&f-consent=no',
                                       headers={'Content-Type': 'application/x-www-form-urlencoded'})
        self.assertEqual(status, 303)
        _, _, html = c.get(headers['location'])
        html = html.decode()
        self.assertIn('name="f-role"', html)
        for name in ('respondent_name', 'email', 'phone'):
            self.assertNotIn('f-%s"' % name, html)
        self.assertIn('we will not ask for your name', html)

    # --- pseudonymised exports ------------------------------------------------------------------

    def test_pseudonymised_export_for_those_who_may_not_see_personal_data(self):
        status, _, full = self.admin.get('/forms/%s/export.csv' % FORM)
        self.assertEqual(status, 200)
        full = read_csv(full)
        for name in PERSONAL:
            self.assertTrue(any(h.endswith(name) for h in full[0]), name)
        real_ids = {row[0] for row in full[1:]} | {row[1] for row in full[1:]}

        panel = self.server.client('panel')
        status, headers, data = panel.get('/forms/%s/export.csv' % FORM)
        self.assertEqual(status, 200)
        rows = read_csv(data)
        header = rows[0]
        for name in PERSONAL:
            self.assertFalse(any(h == name or h.endswith('/' + name) for h in header), name)
        self.assertEqual(len(rows), len(full))
        text = data.decode('utf-8-sig')
        for rid in real_ids:
            self.assertNotIn(rid.replace('uuid:', ''), text)
        for row in rows[1:]:
            self.assertRegex(row[0], r'^p-[0-9a-f]{16}$')
            self.assertRegex(row[1], r'^p-[0-9a-f]{16}$')
        self.assertNotIn('@example.org', text)

        # Stable: the same pseudonyms for an administrator who asks for them, and from the CLI.
        status, _, again = self.admin.get('/forms/%s/export.csv?pseudonymise=1' % FORM)
        self.assertEqual(read_csv(again)[0], header)
        self.assertEqual({r[0] for r in read_csv(again)[1:]}, {r[0] for r in rows[1:]})
        code, out, err = run_cli('export', FORM, '--format', 'csv', '--pseudonymise', '--db', self.server.db)
        self.assertEqual(code, 0, err)
        cli_rows = read_csv(out)
        self.assertEqual(cli_rows[0], header)
        self.assertTrue({r[0] for r in rows[1:]} <= {r[0] for r in cli_rows[1:]})

        status, _, data = panel.get('/forms/%s/export.json' % FORM)
        self.assertEqual(status, 200)
        doc = json.loads(data)
        self.assertTrue(doc and all(re.match(r'^p-[0-9a-f]{16}$', d['_id']) for d in doc))
        self.assertFalse(any(name in d['answers'] for d in doc for name in PERSONAL))

    # --- the audit trail ----------------------------------------------------------------------

    def test_audit_page_lists_filters_and_downloads(self):
        status, _, html = self.admin.get('/admin/audit')
        self.assertEqual(status, 200)
        html = html.decode()
        self.assertIn('<h1>Audit trail</h1>', html)
        self.assertIn('<code>', html)
        # The demo writes many entries (training, selection, devices): the oldest are on a later page.
        html = self.admin.get('/admin/audit?action=form.import')[2].decode()
        self.assertIn('<code>form.import</code>', html)

        status, _, html = self.admin.get('/admin/audit?action=user')
        html = html.decode()
        self.assertIn('user.add', html)
        self.assertNotIn('<code>form.import</code>', html)
        status, _, html = self.admin.get('/admin/audit?actor=nobody%40example.org')
        self.assertIn('Entries found: 0.', html.decode())
        status, _, html = self.admin.get('/admin/audit?from=2026-02-31')
        self.assertEqual(status, 400)
        self.assertIn('YYYY-MM-DD', html.decode())

        status, headers, data = self.admin.get('/admin/audit.csv?action=form')
        self.assertEqual(status, 200)
        self.assertTrue(headers['content-type'].startswith('text/csv'))
        rows = read_csv(data)
        self.assertEqual(rows[0][:5], ['id', 'at', 'actor_user_id', 'actor', 'action'])
        self.assertEqual({r[4] for r in rows[1:]}, {'form.import'})
        status, _, data = self.admin.get('/admin/audit.json?action=user.add')
        self.assertEqual(status, 200)
        self.assertTrue(all(e['action'] == 'user.add' for e in json.loads(data)))

        # Administrators only.
        self.assertEqual(self.server.client('coordinator').get('/admin/audit')[0], 403)
        self.assertEqual(self.server.client('coordinator').get('/admin/audit.csv')[0], 403)
        status, headers, _ = self.server.client().get('/admin/audit')
        self.assertEqual(status, 302)
        self.assertTrue(headers['location'].startswith('/signin'))

    def test_corrections_and_cli_changes_are_audited(self):
        sid = self.submit(ANSWERS)
        token = self.server.token('coordinator', 'submit')
        api = self.server.client(token=token)
        status, _, body = api.post_json('/api/v1/forms/%s/submissions/%s/revisions' % (FORM, sid),
                                        dict(ANSWERS, learners=301))
        self.assertEqual(status, 201, body)
        new = json.loads(body)['id']
        status, _, html = self.admin.get('/admin/audit?target=' + new)
        html = html.decode()
        self.assertIn('Entries found: 1.', html)
        self.assertIn('submission.revise', html)
        self.assertIn('coordinator@demo.edubridge.test', html)
        self.assertIn(sid, html)
        # A plain submission by a respondent is data, not an audited change.
        self.assertIn('Entries found: 1.', self.admin.get('/admin/audit?target=' + sid)[2].decode())

        code, _, err = run_cli('user', 'add', '--role', 'trainer', 'audited@example.org', '--db', self.server.db,
                               input='a long enough password\n')
        self.assertEqual(code, 0, err)
        code, _, err = run_cli('user', 'disable', 'audited@example.org', '--db', self.server.db)
        self.assertEqual(code, 0, err)
        user_id = db_rows(self.server.db, "SELECT id FROM users WHERE email = 'audited@example.org'")[0][0]
        entries = db_rows(self.server.db, 'SELECT action, actor_label FROM audit_log WHERE target_ids LIKE ?',
                          '%' + user_id + '%')
        self.assertEqual([e[0] for e in entries], ['user.add', 'user.disable'])
        self.assertTrue(all(e[1].startswith('cli:') for e in entries))
        # Nothing in the trail can be changed.
        con = sqlite3.connect(self.server.db)
        with self.assertRaises(sqlite3.DatabaseError) as cm:
            con.execute("DELETE FROM audit_log WHERE action = 'user.add'")
        self.assertIn('the audit trail cannot be changed', str(cm.exception))
        con.close()

    # --- a person's data ----------------------------------------------------------------------

    def test_cli_privacy_export_and_erase(self):
        with tempfile.TemporaryDirectory(prefix='edubridge-privacy-') as d:
            db = os.path.join(d, 'p.db')
            code, _, err = run_cli('demo', '--db', db)
            self.assertEqual(code, 0, err)
            email = db_rows(db, "SELECT json_extract(answers, '$.email') FROM submissions"
                                " WHERE json_extract(answers, '$.email') IS NOT NULL ORDER BY id LIMIT 1")[0][0]
            code, out, err = run_cli('privacy', 'export', email.upper(), '--db', db)
            self.assertEqual(code, 0, err)
            doc = json.loads(out)
            self.assertEqual(doc['email'], email)
            self.assertIsNone(doc['account'])
            self.assertEqual(len(doc['submissions']), 1)
            self.assertEqual(doc['submissions'][0]['answers']['email'], email)
            self.assertIn(doc['submissions'][0]['consent'], ('yes', 'no'))

            code, out, err = run_cli('export', FORM, '--format', 'csv', '--db', db)
            before = read_csv(out)
            # Without a terminal, erase needs --yes; a wrong address is refused; neither changes anything.
            code, _, err = run_cli('privacy', 'erase', email, '--db', db)
            self.assertEqual(code, 2)
            self.assertIn('--yes', err)
            code, _, err = run_cli('privacy', 'erase', 'not-an-address', '--yes', '--db', db)
            self.assertEqual(code, 2)
            code, out, err = run_cli('privacy', 'erase', email, '--yes', '--db', db)
            self.assertEqual(code, 0, err)
            self.assertIn('erased the personal data of', out)
            self.assertIn('from 1 answer sets', out)

            code, out, err = run_cli('export', FORM, '--format', 'csv', '--db', db)
            after = read_csv(out)
            # Every answer set is still there, every non-personal answer unchanged.
            self.assertEqual(len(after), len(before))
            keep = [i for i, h in enumerate(before[0]) if h.split('/')[-1] not in PERSONAL]
            self.assertEqual([[r[i] for i in keep] for r in after], [[r[i] for i in keep] for r in before])
            self.assertNotIn(email, out)
            code, out, err = run_cli('privacy', 'export', email, '--db', db)
            self.assertEqual(json.loads(out)['submissions'], [])
            actions = [r[0] for r in db_rows(db, "SELECT action FROM audit_log WHERE action LIKE 'privacy.%' ORDER BY at")]
            self.assertEqual(actions, ['privacy.export', 'privacy.erase', 'privacy.export'])
            self.assertEqual(db_rows(db, 'SELECT count(*) FROM audit_log WHERE lower(target_ids || detail) LIKE ?',
                                     '%' + email + '%')[0][0], 0)

    def test_erasure_reaches_invitations_and_device_histories(self):
        with tempfile.TemporaryDirectory(prefix='edubridge-privacy-') as d:
            db = os.path.join(d, 'p.db')
            code, _, err = run_cli('demo', '--db', db)
            self.assertEqual(code, 0, err)
            # The demo's declined invitation: its address and the decline's words are personal.
            email, reason = db_rows(db, "SELECT email, reason FROM invitations WHERE state = 'declined'")[0]
            self.assertTrue(email and reason)
            code, out, err = run_cli('privacy', 'erase', email, '--yes', '--db', db)
            self.assertEqual(code, 0, err)
            self.assertEqual(db_rows(db, "SELECT email, reason FROM invitations WHERE state = 'declined'"),
                             [(None, '(erased)')])
            self.assertEqual(db_rows(db, 'SELECT count(*) FROM invitations WHERE lower(email) = ?', email)[0][0], 0)
            # Staff who moved devices: the moves stay, their address goes.
            staff = db_rows(db, "SELECT by_label FROM device_events WHERE by_label LIKE '%@%' LIMIT 1")
            self.assertEqual(len(staff), 1, 'the demo devices were moved by the demo coordinator')
            before = db_rows(db, 'SELECT count(*) FROM device_events')[0][0]
            code, out, err = run_cli('privacy', 'erase', staff[0][0], '--yes', '--db', db)
            self.assertEqual(code, 0, err)
            self.assertEqual(db_rows(db, 'SELECT count(*) FROM device_events')[0][0], before)
            self.assertEqual(db_rows(db, 'SELECT count(*) FROM device_events WHERE by_label = ?', staff[0][0])[0][0], 0)

    def test_admin_privacy_pages(self):
        email = 'rosa@example.org'
        self.submit(dict(ANSWERS, email=email, respondent_name='Rosa Page'))
        status, _, html = self.admin.get('/admin/privacy')
        self.assertEqual(status, 200)
        self.assertIn('name="_csrf"', html.decode())
        # Every step is a POST with the CSRF value; without it, nothing is shown.
        self.assertEqual(self.admin.post_form('/admin/privacy', {'email': email}, csrf=False)[0], 403)
        status, _, html = self.admin.post_form('/admin/privacy', {'email': 'no address'})
        self.assertEqual(status, 400)
        status, _, html = self.admin.post_form('/admin/privacy', {'email': email.upper()})
        self.assertEqual(status, 200)
        html = html.decode()
        self.assertIn('What edubridge holds about %s' % email, html)
        self.assertIn('Answer sets that name the address in a personal question: 1', html)

        status, headers, data = self.admin.post_form('/admin/privacy/export', {'email': email})
        self.assertEqual(status, 200)
        self.assertIn('attachment', headers['content-disposition'])
        self.assertNotIn(email, headers['content-disposition'])
        doc = json.loads(data)
        self.assertEqual(doc['submissions'][0]['answers']['respondent_name'], 'Rosa Page')

        status, _, html = self.admin.post_form('/admin/privacy/erase', {'email': email})
        self.assertEqual(status, 200)
        self.assertIn('Erase for good', html.decode())
        self.assertEqual(len(db_rows(self.server.db, 'SELECT 1 FROM submissions WHERE answers LIKE ?', '%' + email + '%')), 1)
        status, _, html = self.admin.post_form('/admin/privacy/erase', {'email': email, 'confirm': 'yes'})
        self.assertEqual(status, 200)
        self.assertIn('has been erased', html.decode())
        self.assertEqual(db_rows(self.server.db, 'SELECT 1 FROM submissions WHERE answers LIKE ?', '%' + email + '%'), [])
        status, _, html = self.admin.get('/admin/audit?action=privacy')
        html = html.decode()
        self.assertIn('privacy.export', html)
        self.assertIn('privacy.erase', html)
        self.assertNotIn(email, html)
        # Not for other roles, not even to look.
        self.assertEqual(self.server.client('coordinator').get('/admin/privacy')[0], 403)

    # --- the anonymity threshold ----------------------------------------------------------------

    def test_anonymity_threshold_setting(self):
        status, _, html = self.admin.get('/forms/%s/summary' % FORM)
        self.assertEqual(status, 200)
        html = html.decode()
        self.assertIn('fewer than 5', html)
        # A zero reads like any small count: no count of respondents says 0 (Algeria has none in the
        # demo), and a count's percentage is left out with it.
        self.assertNotIn('<td class="num">0</td><td class="num">', html)
        self.assertIn('<th scope="row">Algeria</th><td class="num">fewer than 5</td><td class="num"></td>', html)
        self.assertNotIn('Answered by 0<', html)
        code, out, err = run_cli('settings', 'set', 'anonymity_threshold', '12', '--db', self.server.db)
        self.assertEqual(code, 0, err)
        try:
            html = self.admin.get('/forms/%s/summary' % FORM)[2].decode()
            self.assertIn('fewer than 12', html)
            self.assertIn('Counts under 12 are shown as', html)
            self.assertNotIn('fewer than 5', html)
            code, out, _ = run_cli('settings', 'get', 'anonymity_threshold', '--db', self.server.db)
            self.assertEqual((code, out.strip()), (0, '12'))
        finally:
            run_cli('settings', 'set', 'anonymity_threshold', '5', '--db', self.server.db)
        for bad in (('set', 'anonymity_threshold', '1'), ('set', 'anonymity_threshold', 'many'),
                    ('set', 'pseudonym_key', 'x'), ('get',)):
            code, _, err = run_cli('settings', *bad, '--db', self.server.db)
            self.assertEqual(code, 2, bad)
        self.assertIn('settings.set', [r[0] for r in db_rows(self.server.db, 'SELECT action FROM audit_log')])


if __name__ == '__main__':
    unittest.main(verbosity=2)

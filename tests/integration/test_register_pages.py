"""What the register needs to run a programme, against the real binary: an institution's status
(the form on its page, audited with old, new and note; an unknown status or a long note refused
and nothing changed; only those who manage the register); a campaign's form's field mapping
(defaults marked, bad rows refused each with its message and nothing saved, a good one saved and
audited, the rebuild with its summary); a campaign's status closing its survey (the pages and the
API refuse new answers, a draft is kept and goes on once the campaign opens again, its dates count,
coordinators' corrections still go through); and institution contacts' accounts (`user add
--institution`, `user link`, shown on the institution's page to those who may read contacts, and
the home page that takes a contact to their institution)."""
import datetime
import html
import json
import os
import re
import sqlite3
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Client, Server, db_rows, run_cli, stop_server  # noqa: E402

FORM_MD = '''| survey |
| | type | name | label |
| | text | institution_name | Institution |
| | text | country | Country |
| | integer | learners | Learners |
| | select_multiple subjects | subjects | Subjects |

| choices |
| | list_name | name | label |
| | subjects | maths | Maths |
| | subjects | physics | Physics |

| settings |
| | form_title | form_id | version |
| | Closure test | closure-test | 1 |
'''
FORM = 'closure-test'
JSON = {'Content-Type': 'application/json'}
ANSWERS = {'institution_name': 'Escola Fechada', 'country': 'PT', 'learners': '120'}


def utc_day(offset):
    return (datetime.datetime.now(datetime.timezone.utc).date() + datetime.timedelta(days=offset)).isoformat()


class Campaigns(unittest.TestCase):
    """A programme of its own (no dates) running the test form: closing, reopening, dates, mapping."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server(demo=False)
        with tempfile.NamedTemporaryFile('w', suffix='.md', delete=False) as f:
            f.write(FORM_MD)
        try:
            code, _, err = run_cli('form', 'import', f.name, '--db', cls.server.db)
            assert code == 0, err
        finally:
            os.unlink(f.name)
        cls.coord = cls.server.client('coordinator')
        status, _, _ = cls.coord.post_form('/programmes/new', {'name': 'Closure 2026', 'slug': 'closure-2026',
                                                                'pilot_size': '10', 'devices': '10'})
        assert status == 303, status

    @classmethod
    def tearDownClass(cls):
        stop_server(cls.server)

    def db(self, sql, *params):
        return db_rows(self.server.db, sql, *params)

    def post(self, path, fields):
        """A respondent's POST: no account, no CSRF value (the draft's address is its secret)."""
        return Client(self.server).post_form(path, fields, csrf=False)

    def campaign(self, status, opens='', closes=''):
        """Makes the test form's campaign (once) and sets its status and days; returns its id."""
        fields = {'name': 'Closure survey', 'form_id': FORM, 'kind': 'needs_survey', 'opens_on': opens,
                  'closes_on': closes, 'status': status}
        found = self.db("SELECT id FROM campaigns WHERE form_id = ?", FORM)
        path = ('/programmes/closure-2026/campaigns/%s/edit' % found[0][0] if found
                else '/programmes/closure-2026/campaigns/new')
        code, _, body = self.coord.post_form(path, fields)
        self.assertEqual(code, 303, body)
        return self.db("SELECT id FROM campaigns WHERE form_id = ?", FORM)[0][0]

    def counts(self):
        return self.db("SELECT status, count(*) FROM submissions WHERE form_id = ? GROUP BY status ORDER BY status",
                       FORM)

    def api_submit(self, answers=ANSWERS):
        status, _, body = self.server.request('POST', '/api/v1/forms/%s/submissions' % FORM,
                                              body=json.dumps(answers).encode(), headers=JSON)
        return status, json.loads(body)

    def test_1_closing_the_campaign_closes_the_survey_and_reopening_reopens_it(self):
        # No campaign yet: the form takes answers, on the pages and by the API.
        status, _, body = self.server.get('/s/' + FORM)
        self.assertEqual(status, 200)
        self.assertIn('action="/s/%s/start"' % FORM, body.decode())
        code, headers, _ = self.post('/s/%s/start' % FORM, {'lang': 'en'})
        self.assertEqual(code, 303)
        page1 = headers['location']
        base = page1.split('/p/')[0]
        code, _, _ = self.post(page1.split('?')[0], {'i': '0', 'go': 'next', 'f-institution_name': 'Escola Aberta'})
        self.assertEqual(code, 303)
        self.assertEqual(self.api_submit()[0], 201)
        draft = self.db("SELECT id, answers FROM submissions WHERE form_id = ? AND status = 'draft'", FORM)
        self.assertEqual(len(draft), 1)
        self.assertIn('Escola Aberta', draft[0][1])
        before = self.counts()

        # Closed: the intro says so and offers no start; starting, answering, submitting and the API
        # are refused; the draft is kept as it was, with its resume code on the page.
        self.campaign('closed')
        status, _, body = self.server.get('/s/' + FORM)
        page = body.decode()
        self.assertEqual(status, 200)
        self.assertIn('This survey is closed', page)
        self.assertIn('Campaign: Closure survey (Closure 2026).', page)
        self.assertNotIn('/start"', page)
        code, _, body = self.post('/s/%s/start' % FORM, {'lang': 'en'})
        self.assertEqual(code, 409)
        self.assertIn('This survey is closed', body.decode())
        status, _, body = self.server.get(page1)
        self.assertEqual(status, 200)
        self.assertIn('This survey is closed', body.decode())
        self.assertIn('Your answers so far are kept', body.decode())
        code, _, _ = self.post(page1.split('?')[0], {'i': '0', 'go': 'next', 'f-institution_name': 'Changed'})
        self.assertEqual(code, 409)
        code, _, _ = self.post(base + '/submit', {})
        self.assertEqual(code, 409)
        status, doc = self.api_submit()
        self.assertEqual(status, 409)
        self.assertTrue(doc['closed'])
        self.assertIn('closed', doc['error'])
        self.assertEqual(doc['campaign'], 'Closure survey')
        self.assertEqual(doc['programme'], 'Closure 2026')
        self.assertEqual(self.counts(), before)
        self.assertEqual(self.db("SELECT answers FROM submissions WHERE id = ?", draft[0][0])[0][0], draft[0][1])
        # a draft campaign is not open either
        self.campaign('draft')
        self.assertEqual(self.api_submit()[0], 409)

        # Open again (no end): the draft goes on where it was and is submitted; the API takes answers.
        self.campaign('open')
        self.assertIn('action="/s/%s/start"' % FORM, self.server.get('/s/' + FORM)[2].decode())
        status, _, body = self.server.get(page1)
        self.assertEqual(status, 200)
        self.assertIn('value="Escola Aberta"', body.decode())
        code, headers, _ = self.post(base + '/submit', {})
        self.assertEqual(code, 303)
        self.assertTrue(headers['location'].endswith('/done'))
        self.assertEqual(self.db("SELECT status FROM submissions WHERE id = ?", draft[0][0]), [('submitted',)])
        self.assertEqual(self.api_submit()[0], 201)

    def test_2_the_campaign_days_count(self):
        # Open by status, but its last day was yesterday (UTC): closed, and the page says since when.
        self.campaign('open', closes=utc_day(-1))
        status, _, body = self.server.get('/s/' + FORM)
        self.assertIn('This survey is closed', body.decode())
        self.assertIn('It closed on', body.decode())
        self.assertEqual(self.api_submit()[0], 409)
        # opening tomorrow: closed until then
        self.campaign('open', opens=utc_day(1))
        body = self.server.get('/s/' + FORM)[2].decode()
        self.assertIn('It opens on', body)
        self.assertEqual(self.api_submit()[0], 409)
        # today, both days included
        self.campaign('open', opens=utc_day(0), closes=utc_day(0))
        self.assertEqual(self.api_submit()[0], 201)
        self.campaign('open')

    def test_3_coordinators_correct_while_closed(self):
        self.campaign('open')
        status, doc = self.api_submit(dict(ANSWERS, learners='7'))
        self.assertEqual(status, 201)
        sid = doc['id']
        self.campaign('closed')
        code, headers, _ = self.coord.post_form('/forms/%s/submissions/%s/correct' % (FORM, sid))
        self.assertEqual(code, 303)
        base = headers['location'][:-len('/review')]
        status, _, body = self.coord.get(base + '/review')
        self.assertEqual(status, 200)
        self.assertIn('Save the correction', body.decode())
        self.assertNotIn('This survey is closed', body.decode())
        code, headers, _ = self.coord.post_form(base + '/submit', {}, csrf=False)
        self.assertEqual(code, 303)
        self.assertTrue(headers['location'].endswith('/done'))
        self.assertEqual(self.db("SELECT count(*) FROM submissions WHERE supersedes = ?", sid), [(1,)])
        # and by the API, with a coordinator's token
        api = self.server.client(token=self.server.token('coordinator', 'submit'))
        code, _, body = api.request('POST', '/api/v1/forms/%s/submissions/%s/revisions' % (FORM, sid),
                                    body=json.dumps(dict(ANSWERS, learners='9')).encode(), headers=JSON)
        self.assertEqual(code, 409, body)  # sid is no longer current: refused as superseded, not as closed
        self.assertIn('current', json.loads(body)['error'])
        current = self.db("SELECT id FROM submissions WHERE supersedes = ?", sid)[0][0]
        code, _, body = api.request('POST', '/api/v1/forms/%s/submissions/%s/revisions' % (FORM, current),
                                    body=json.dumps(dict(ANSWERS, learners='9')).encode(), headers=JSON)
        self.assertEqual(code, 201, body)
        self.campaign('open')

    # --- the field mapping ------------------------------------------------------------------------

    def mapping_fields(self, body):
        """The mapping form's fields as the page offers them: map-FIELD -> the selected value."""
        fields = {}
        for name, inner in re.findall(r'<select id="m-[a-z_]+" name="(map-[a-z_]+)"[^>]*>(.*?)</select>', body, re.S):
            chosen = re.search(r'<option value="([^"]*)" selected>', inner)
            fields[name] = html.unescape(chosen.group(1)) if chosen else ''
        return fields

    def test_4_field_mapping(self):
        cid = self.campaign('open')
        url = '/programmes/closure-2026/campaigns/%s/mapping' % cid
        # linked from the campaign's row, for those who manage the register
        self.assertIn('href="%s"' % url, self.coord.get('/programmes/closure-2026')[2].decode())
        status, _, body = self.coord.get(url)
        self.assertEqual(status, 200)
        page = body.decode()
        fields = self.mapping_fields(page)
        self.assertEqual(len(fields), 15)  # every field but the status
        self.assertNotIn('map-status', fields)
        self.assertEqual(fields['map-name'], 'institution_name')
        self.assertEqual(fields['map-country'], 'country')
        self.assertEqual(fields['map-latitude'], '')
        self.assertIn('institution_name (text): Institution (default)', page)
        self.assertIn('Default: email, which this form does not have.', page)
        self.assertIn('The mapping belongs to the form', page)
        for role in ('panel', 'partner', 'institution'):
            self.assertEqual(self.server.client(role).get(url)[0], 403, role)

        mapped = lambda: self.db("SELECT target, field FROM institution_mappings WHERE form_id = ? ORDER BY target",
                                 FORM)
        audits = lambda: self.db("SELECT count(*) FROM audit_log WHERE action = 'institution.mapping'")[0][0]
        # without the CSRF value, from another role, or not the page's whole form: refused, nothing saved
        # the default names questions this form does not have: those rows are cleared
        good = {k: v if v in ('institution_name', 'country', 'learners') else '' for k, v in fields.items()}
        good['map-teachers'] = 'learners'
        self.assertEqual(self.coord.post_form(url, good, csrf=False)[0], 403)
        self.assertEqual(self.server.client('panel').post_form(url, good)[0], 403)
        self.assertEqual(self.coord.post_form(url, {'map-name': 'institution_name'})[0], 400)
        self.assertEqual(mapped(), [])
        # bad rows: each with its message beside it and in the summary; nothing saved
        bad = dict(good, **{'map-name': '', 'map-learners': 'subjects', 'map-region': 'no_such_question',
                            'map-contact_phone': 'learners'})
        status, _, body = self.coord.post_form(url, bad)
        self.assertEqual(status, 400)
        page = body.decode()
        summary = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>', page, re.S).group(1)
        for field in ('name', 'learners', 'region', 'contact_phone'):
            self.assertIn('href="#m-%s"' % field, summary)
            self.assertRegex(page, r'<p class="field-error" id="m-%s-error">' % field)
        self.assertIn('A question of type select_multiple cannot feed this field.', page)
        self.assertIn('This form has no question named no_such_question.', page)
        self.assertIn('A question of type integer cannot feed this field.', page)
        self.assertIn('<option value="no_such_question" selected>', page)  # what was chosen is kept
        self.assertNotIn('href="#m-country"', summary)
        self.assertEqual(mapped(), [])
        self.assertEqual(audits(), 0)
        # a good one: saved, audited, shown again
        status, headers, _ = self.coord.post_form(url, good)
        self.assertEqual(status, 303)
        self.assertEqual(headers['location'], url + '?done=saved')
        self.assertIn(('teachers', 'learners'), mapped())
        self.assertNotIn('contact_email', [t for t, _ in mapped()])
        self.assertEqual(audits(), 1)
        page = self.coord.get(headers['location'])[2].decode()
        self.assertIn('The mapping was saved.', page)
        self.assertEqual(self.mapping_fields(page)['map-teachers'], 'learners')

        # the rebuild: the answers become institutions, with the summary; a second run changes nothing
        before = self.db("SELECT count(*) FROM institutions")[0][0]
        submitted = self.db("SELECT count(*) FROM submissions WHERE form_id = ? AND status = 'submitted'"
                            " AND is_current = 1", FORM)[0][0]
        self.assertGreater(submitted, 0)
        self.assertEqual(self.coord.post_form(url + '/rebuild', {}, csrf=False)[0], 403)
        status, _, body = self.coord.post_form(url + '/rebuild', {})
        self.assertEqual(status, 200)
        page = body.decode()
        self.assertIn('The register was rebuilt from the answers:', page)
        created = int(re.search(r'(\d+) created', page).group(1))
        self.assertGreaterEqual(created, 1)
        self.assertEqual(self.db("SELECT count(*) FROM institutions")[0][0], before + created)
        self.assertEqual(self.db("SELECT learners, teachers FROM institutions WHERE name = 'Escola Fechada'")[0],
                         (9, 9))  # the latest correction's learners, mapped to teachers too
        status, _, body = self.coord.post_form(url + '/rebuild', {})
        self.assertIn('0 created, 0 updated by corrections, 0 linked', body.decode())
        self.assertEqual(self.db("SELECT count(*) FROM audit_log WHERE action = 'institution.build'")[0][0], 1)


class Register(unittest.TestCase):
    """The demo's register: statuses and institution contacts' accounts."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.coord = cls.server.client('coordinator')

    @classmethod
    def tearDownClass(cls):
        stop_server(cls.server)

    def db(self, sql, *params):
        return db_rows(self.server.db, sql, *params)

    def some_institution(self, offset=0):
        return self.db("SELECT id FROM institutions WHERE merged_into IS NULL AND source = 'survey'"
                       " ORDER BY name_key, id LIMIT 1 OFFSET ?", offset)[0][0]

    def status_of(self, inst):
        return self.db("SELECT status FROM institutions WHERE id = ?", inst)[0][0]

    def audits(self, action):
        return self.db("SELECT count(*) FROM audit_log WHERE action = ?", action)[0][0]

    def test_status(self):
        inst = self.some_institution()
        url = '/institutions/%s/status' % inst
        page = self.coord.get('/institutions/' + inst)[2].decode()
        self.assertRegex(page, r'<form class="card" method="post" action="%s" novalidate><input type="hidden" '
                               r'name="_csrf"' % re.escape(url))
        self.assertIn('<option value="registered" selected>Registered</option>', page)
        self.assertNotIn(url, self.server.client('panel').get('/institutions/' + inst)[2].decode())
        # refused: without CSRF, for the panel, an unknown status, a note too long; nothing changes
        self.assertEqual(self.coord.post_form(url, {'status': 'selected'}, csrf=False)[0], 403)
        self.assertEqual(self.server.client('panel').post_form(url, {'status': 'selected'})[0], 403)
        status, _, body = self.coord.post_form(url, {'status': 'equipped', 'note': 'kept as typed'})
        self.assertEqual(status, 400)
        page = body.decode()
        self.assertIn('There is no status equipped', page)
        self.assertIn('href="#s-status"', page)
        self.assertIn('kept as typed</textarea>', page)
        self.assertIn('Nothing was changed.', page)
        status, _, body = self.coord.post_form(url, {'status': 'selected', 'note': 'x' * 1001})
        self.assertEqual(status, 400)
        self.assertIn('The note is too long', body.decode())
        self.assertEqual(self.coord.post_form(url, {})[0], 400)
        self.assertEqual(self.status_of(inst), 'registered')
        self.assertEqual(self.audits('institution.status'), 0)
        # a change: audited with old, new and note; the same again changes nothing
        status, headers, _ = self.coord.post_form(url, {'status': 'shortlisted', 'note': 'High need, rural'})
        self.assertEqual(status, 303)
        self.assertEqual(headers['location'], '/institutions/%s?done=status' % inst)
        self.assertEqual(self.status_of(inst), 'shortlisted')
        detail, actor = self.db("SELECT detail, actor_label FROM audit_log WHERE action = 'institution.status'")[0]
        self.assertEqual(json.loads(detail), {'old': 'registered', 'new': 'shortlisted', 'note': 'High need, rural'})
        self.assertEqual(actor, 'coordinator@demo.edubridge.test')
        self.assertIn('The status was changed.', self.coord.get(headers['location'])[2].decode())
        status, headers, _ = self.coord.post_form(url, {'status': 'shortlisted', 'note': ''})
        self.assertEqual(headers['location'], '/institutions/%s?done=unchanged' % inst)
        self.assertEqual(self.audits('institution.status'), 1)
        # the list's filter finds it by its new status
        self.assertIn(inst, self.coord.get('/institutions?status=shortlisted')[2].decode())
        self.assertEqual(self.coord.post_form('/institutions/01938a40-0000-7000-8000-00000000ffff/status',
                                              {'status': 'selected'})[0], 404)

    def test_status_of_a_merged_record(self):
        survivor, merged = self.some_institution(1), self.some_institution(2)
        self.assertEqual(self.coord.post_form('/institutions/merge', {'survivor': survivor, 'merged': merged})[0], 303)
        self.assertNotIn('/status"', self.coord.get('/institutions/' + merged)[2].decode())
        self.assertEqual(self.coord.post_form('/institutions/%s/status' % merged, {'status': 'selected'})[0], 409)
        self.assertEqual(self.status_of(merged), 'registered')

    def test_institution_contacts(self):
        db = self.server.db
        inst = self.some_institution(3)
        name = self.db("SELECT name FROM institutions WHERE id = ?", inst)[0][0]
        # the demo's contact is not linked by the demo (yet): the home page says so
        c = self.server.client('institution')
        linked = self.db("SELECT institution_id FROM users WHERE email = 'institution@demo.edubridge.test'")[0][0]
        if linked is None:
            self.assertIn('Your account is not linked to an institution yet', c.get('/')[2].decode())
        # usage and refusals: nothing made or changed
        for args in (('user', 'link', 'x@example.org'), ('user', 'add', '--role', 'panel', '--institution', inst,
                                                         'p@example.org')):
            code, _, err = run_cli(*args, '--db', db, input='a-long-password\n')
            self.assertEqual(code, 2, (args, err))
        code, _, err = run_cli('user', 'add', '--role', 'institution', '--institution', 'no-such-id', 'rita@example.org',
                               '--db', db, input='a-long-password\n')
        self.assertEqual(code, 1)
        self.assertIn('there is no institution no-such-id', err)
        self.assertEqual(self.db("SELECT count(*) FROM users WHERE email = 'rita@example.org'")[0][0], 0)
        code, _, err = run_cli('user', 'link', 'panel@demo.edubridge.test', inst, '--db', db)
        self.assertEqual(code, 1)
        self.assertIn('role panel', err)

        # a new contact, linked as it is added
        code, out, err = run_cli('user', 'add', '--role', 'institution', '--institution', inst, '--name', 'Rita Sousa',
                                 'Rita@Example.org', '--db', db, input='a-long-password\n')
        self.assertEqual(code, 0, err)
        self.assertIn('linked rita@example.org to the institution %s' % inst, out)
        self.assertIn('institution:' + inst, run_cli('user', 'list', '--db', db)[1])
        self.assertEqual(self.db("SELECT count(*) FROM audit_log WHERE action = 'user.link' AND target_ids LIKE ?",
                                 '%' + inst + '%')[0][0], 1)
        # shown on the institution's page: names and emails to coordinators, a count to the panel
        page = self.coord.get('/institutions/' + inst)[2].decode()
        self.assertIn('Rita Sousa &lt;rita@example.org&gt;', page)
        page = self.server.client('panel').get('/institutions/' + inst)[2].decode()
        self.assertIn('Linked accounts: 1.', page)
        self.assertNotIn('rita@example.org', page)
        # the contact signs in: the home page takes them to their institution, which they may read
        rita = Client(self.server)
        self.assertEqual(rita.sign_in('rita@example.org', 'a-long-password'), 303)
        home = rita.get('/')[2].decode()
        self.assertIn('Your institution: <a href="/institutions/%s">' % inst, home)
        self.assertIn(html.escape(name, quote=False).split('&')[0], home)
        status, _, body = rita.get('/institutions/' + inst)
        self.assertEqual(status, 200)
        self.assertIn('rita@example.org', body.decode())
        self.assertEqual(rita.get('/institutions/' + self.some_institution(4))[0], 403)

        # linking later: the demo's contact, then refused for a merged record
        other = self.some_institution(5)
        code, out, err = run_cli('user', 'link', 'institution@demo.edubridge.test', other, '--db', db)
        self.assertEqual(code, 0, err)
        self.assertEqual(self.db("SELECT institution_id FROM users WHERE email = 'institution@demo.edubridge.test'"),
                         [(other,)])
        self.assertTrue(self.db("SELECT actor_label FROM audit_log WHERE action = 'user.link'"
                                " ORDER BY at DESC LIMIT 1")[0][0].startswith('cli:'))
        c = self.server.client('institution')  # a new session reads the link
        self.assertIn('href="/institutions/%s"' % other, c.get('/')[2].decode())
        merged = self.some_institution(6)
        self.assertEqual(self.coord.post_form('/institutions/merge', {'survivor': other, 'merged': merged})[0], 303)
        code, _, err = run_cli('user', 'link', 'rita@example.org', merged, '--db', db)
        self.assertEqual(code, 1)
        self.assertIn('merged into ' + other, err)
        self.assertEqual(self.db("SELECT institution_id FROM users WHERE email = 'rita@example.org'"), [(inst,)])


if __name__ == '__main__':
    unittest.main(verbosity=2)

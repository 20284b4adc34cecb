"""Programmes and campaigns against the real binary: the demo programme's overview (phases as a
timeline, its needs-survey campaign counting the 200 demo answers), creating and editing a
programme, its phases and a campaign through the pages with the CSRF value, the error pattern (a
summary linking to each field, the message beside it, what was typed kept), who may read and who
may change, and the `programme` and `campaign` commands."""
import os
import re
import sqlite3
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Client, Server, run_cli  # noqa: E402

DEMO = '/programmes/bridging-2026'


def text(body):
    return body.decode('utf-8')


class Pages(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.coordinator = cls.server.client('coordinator')

    @classmethod
    def tearDownClass(cls):
        log = cls.server.read_log()
        code = cls.server.stop()
        assert 'Sanitizer' not in log and 'runtime error' not in log, log
        assert code == 0, (code, log)

    def db(self, sql, *args):
        con = sqlite3.connect('file:%s?mode=ro' % self.server.db, uri=True, timeout=10)
        try:
            return con.execute(sql, args).fetchall()
        finally:
            con.close()

    def test_demo_overview(self):
        status, _, body = self.coordinator.get(DEMO)
        self.assertEqual(status, 200)
        page = text(body)
        self.assertIn('Bridging the Digital Divide in Education 2026', page)
        timeline = re.search(r'<ol class="timeline">(.*?)</ol>', page, re.S).group(1)
        self.assertEqual(timeline.count('<li'), 7)
        self.assertLess(timeline.index('Needs survey campaign'), timeline.index('Impact report'))
        # the needs survey's campaign, with its form and the 200 demo answers in its days
        row = re.search(r'<tr><td>Needs survey 2026.*?</tr>', page, re.S).group(0)
        self.assertIn('href="/forms/needs-survey"', row)
        self.assertIn('<td class="num">200</td>', row)
        self.assertIn('Open', row)
        self.assertRegex(page, r'<dt>Pilot size \(institutions\)</dt><dd>10</dd>')
        self.assertRegex(page, r'<dt>Devices per institution</dt><dd>10</dd>')
        # in French too
        status, _, body = self.coordinator.get(DEMO + '?lang=fr')
        self.assertIn('Campagnes', text(body))
        self.assertIn('12 janvier 2026', text(body))
        # the list, and the home page's link for those who manage
        status, _, body = self.coordinator.get('/programmes')
        self.assertEqual(status, 200)
        self.assertIn('href="%s"' % DEMO, text(body))
        self.assertIn('href="/programmes/new"', text(body))
        self.assertIn('href="/programmes"', text(self.coordinator.get('/')[2]))

    def test_who_may_read_and_change(self):
        for role in ('panel', 'partner'):
            c = self.server.client(role)
            status, _, body = c.get(DEMO)
            self.assertEqual(status, 200, role)
            self.assertNotIn('/edit"', text(body), role)  # offered nothing to change
            self.assertNotIn('href="/programmes/new"', text(c.get('/programmes')[2]))
            self.assertEqual(c.get(DEMO + '/edit')[0], 403, role)
            self.assertEqual(c.post_form('/programmes/new', {'name': 'X', 'slug': 'x-by-' + role,
                                                              'pilot_size': '10', 'devices': '10'})[0], 403)
        for role in ('institution', 'trainer'):
            self.assertEqual(self.server.client(role).get(DEMO)[0], 403, role)
        status, headers, _ = Client(self.server).get('/programmes')
        self.assertEqual(status, 302)
        self.assertTrue(headers['location'].startswith('/signin?next='))
        admin = self.server.client('admin')
        self.assertEqual(admin.get(DEMO + '/phases')[0], 200)
        self.assertEqual(self.db("SELECT COUNT(*) FROM programmes WHERE slug LIKE 'x-by-%'")[0][0], 0)

    def test_create_edit_with_csrf_and_errors(self):
        c = self.coordinator
        fields = {'name': 'Pilot <b>Alpes</b> 2027', 'slug': 'alpes-2027', 'summary': 'Schools & clubs',
                  'starts_on': '2027-01-01', 'ends_on': '2027-12-31', 'pilot_size': '12', 'devices': '8',
                  'max_per_country': '3', 'min_informal': '2', 'min_rural_percent': '40'}
        # without the CSRF value: refused, nothing made
        status, _, _ = c.post_form('/programmes/new', fields, csrf=False)
        self.assertEqual(status, 403)
        self.assertEqual(self.db("SELECT COUNT(*) FROM programmes WHERE slug = 'alpes-2027'")[0][0], 0)
        # the error pattern: every problem in the summary, linked to its field, beside it, input kept
        bad = dict(fields, slug='Alpes 2027', pilot_size='0', devices='lots', ends_on='2026-12-31')
        status, _, body = c.post_form('/programmes/new', bad)
        self.assertEqual(status, 400)
        page = text(body)
        summary = re.search(r'<div class="error-summary" role="alert"[^>]*>(.*?)</div>', page, re.S).group(1)
        for field in ('slug', 'pilot_size', 'devices', 'ends_on'):
            self.assertIn('href="#f-%s"' % field, summary)
            self.assertRegex(page, r'<p class="field-error" id="f-%s-error">' % field)
            self.assertRegex(page, r'id="f-%s" name="%s" aria-describedby="[^"]*f-%s-error" aria-invalid="true"'
                             % (field, field, field))
        self.assertIn('value="Alpes 2027"', page)
        self.assertIn('value="lots"', page)
        self.assertIn('value="Pilot &lt;b&gt;Alpes&lt;/b&gt; 2027"', page)
        self.assertNotIn('<b>Alpes', page)
        self.assertIn('Enter a pilot size from 1 to 1000 institutions.', summary)
        self.assertEqual(self.db("SELECT COUNT(*) FROM programmes WHERE name LIKE 'Pilot%'")[0][0], 0)
        # right: made, and audited as the coordinator
        status, headers, _ = c.post_form('/programmes/new', fields)
        self.assertEqual(status, 303)
        self.assertEqual(headers['location'], '/programmes/alpes-2027?done=saved')
        row = self.db("SELECT pilot_size, devices_per_institution, max_per_country, min_informal, min_rural_percent"
                      " FROM programmes WHERE slug = 'alpes-2027'")
        self.assertEqual(row, [(12, 8, 3, 2, 40)])
        self.assertEqual(self.db("SELECT actor_label FROM audit_log WHERE action = 'programme.create'"
                                 " ORDER BY at DESC LIMIT 1"), [('coordinator@demo.edubridge.test',)])
        # the same short name again: 409 with the message beside the slug
        status, _, body = c.post_form('/programmes/new', dict(fields, name='Other'))
        self.assertEqual(status, 409)
        self.assertIn('f-slug-error', text(body))
        # edit: the form holds what is stored; a change is saved and audited with its fields
        status, _, body = c.get('/programmes/alpes-2027/edit')
        self.assertEqual(status, 200)
        self.assertIn('value="12"', text(body))
        self.assertRegex(text(body), r'action="/programmes/alpes-2027/edit" novalidate><input type="hidden" name="_csrf"')
        status, headers, _ = c.post_form('/programmes/alpes-2027/edit', dict(fields, pilot_size='15'))
        self.assertEqual(status, 303)
        self.assertEqual(self.db("SELECT pilot_size FROM programmes WHERE slug = 'alpes-2027'"), [(15,)])
        self.assertEqual(self.db("SELECT detail FROM audit_log WHERE action = 'programme.update'"),
                         [('{"fields":["pilot_size"]}',)])
        status, _, body = c.post_form('/programmes/alpes-2027/edit', dict(fields, name='', min_rural_percent='101'))
        self.assertEqual(status, 400)
        self.assertIn('href="#f-name"', text(body))
        self.assertIn('href="#f-min_rural_percent"', text(body))
        self.assertIn('value="101"', text(body))

        # phases: added, then a bad order refused with the message beside the field
        phases = {'phase-%s-%s' % (k, e): '' for k in ('campaign', 'identification', 'selection', 'equipment',
                                                         'training', 'feedback', 'reporting') for e in ('start', 'end')}
        phases.update({'phase-campaign-start': '2027-01-10', 'phase-campaign-end': '2027-03-01',
                       'phase-selection-start': '2027-03-10', 'phase-selection-end': '2027-04-01'})
        status, _, _ = c.post_form('/programmes/alpes-2027/phases', phases)
        self.assertEqual(status, 303)
        self.assertEqual(self.db("SELECT ph.kind FROM programme_phases ph JOIN programmes p ON p.id = ph.programme_id"
                                 " WHERE p.slug = 'alpes-2027' ORDER BY position"), [('campaign',), ('selection',)])
        status, _, body = c.post_form('/programmes/alpes-2027/phases', dict(phases, **{'phase-selection-start': '2027-01-01'}))
        self.assertEqual(status, 400)
        self.assertIn('href="#f-phase-selection-start"', text(body))
        self.assertIn('value="2027-01-01"', text(body))
        status, _, _ = c.post_form('/programmes/alpes-2027/phases', {})
        self.assertEqual(status, 400)  # not the page's form: nothing removed
        self.assertEqual(self.db("SELECT COUNT(*) FROM programme_phases ph JOIN programmes p ON p.id = ph.programme_id"
                                 " WHERE p.slug = 'alpes-2027'"), [(2,)])
        page = text(c.get('/programmes/alpes-2027')[2])
        self.assertEqual(re.search(r'<ol class="timeline">(.*?)</ol>', page, re.S).group(1).count('<li'), 2)

        # a campaign: the form starts from the campaign phase's days; errors; saved; edited
        status, _, body = c.get('/programmes/alpes-2027/campaigns/new')
        self.assertEqual(status, 200)
        self.assertIn('value="2027-01-10"', text(body))
        self.assertIn('<option value="needs-survey">', text(body))
        camp = {'name': 'Baseline', 'form_id': 'needs-survey', 'kind': 'baseline', 'opens_on': '2027-01-10',
                'closes_on': '2027-03-01', 'status': 'draft'}
        status, _, body = c.post_form('/programmes/alpes-2027/campaigns/new',
                                      dict(camp, form_id='nope', closes_on='2028-01-01', name=''))
        self.assertEqual(status, 400)
        for field in ('name', 'form_id', 'closes_on'):
            self.assertIn('href="#f-%s"' % field, text(body))
        self.assertIn('<option value="nope" selected>', text(body))
        status, _, _ = c.post_form('/programmes/alpes-2027/campaigns/new', camp)
        self.assertEqual(status, 303)
        cid = self.db("SELECT id FROM campaigns WHERE name = 'Baseline'")[0][0]
        self.assertEqual(self.db("SELECT COUNT(*) FROM audit_log WHERE action = 'campaign.create'"
                                 " AND target_ids LIKE ?", '%' + cid + '%'), [(1,)])
        status, _, _ = c.post_form('/programmes/alpes-2027/campaigns/%s/edit' % cid, dict(camp, status='open'))
        self.assertEqual(status, 303)
        self.assertEqual(self.db("SELECT status FROM campaigns WHERE id = ?", cid), [('open',)])
        # a campaign is found only through its own programme
        self.assertEqual(c.get('/programmes/bridging-2026/campaigns/%s/edit' % cid)[0], 404)
        self.assertEqual(c.get('/programmes/no-such/edit')[0], 404)


class Cli(unittest.TestCase):
    def setUp(self):
        self.server = Server()
        self.server.proc.terminate()  # the database only

    def tearDown(self):
        self.server.stop()

    def cli(self, *args):
        return run_cli(*args, '--db', self.server.db)

    def test_programme_and_campaign_commands(self):
        code, out, _ = self.cli('programme', 'list')
        self.assertEqual(code, 0)
        self.assertIn('bridging-2026\tBridging the Digital Divide in Education 2026', out)
        code, out, _ = self.cli('programme', 'show', 'bridging-2026')
        self.assertEqual(code, 0)
        self.assertIn('pilot_size: 10', out)
        self.assertIn('campaign\t2026-01-12..2026-03-27', out)
        self.assertIn('Needs survey 2026\tneeds-survey\t2026-01-12..-\topen\t200 answers', out)
        code, out, err = self.cli('programme', 'add', '--name', 'Nord 2027', '--slug', 'nord-2027', '--pilot-size', '5',
                                  '--starts', '2027-01-01', '--ends', '2027-12-31')
        self.assertEqual(code, 0, err)
        code, out, err = self.cli('programme', 'set', 'nord-2027', 'devices', '12')
        self.assertEqual(code, 0, err)
        code, out, _ = self.cli('programme', 'show', 'nord-2027')
        self.assertIn('devices: 12', out)
        self.assertIn('pilot_size: 5', out)
        code, out, err = self.cli('campaign', 'add', 'nord-2027', '--name', 'Needs', '--form', 'needs-survey',
                                  '--opens', '2027-01-10', '--closes', '2027-02-10')
        self.assertEqual(code, 0, err)
        code, out, _ = self.cli('campaign', 'list', 'nord-2027')
        self.assertEqual(code, 0)
        self.assertIn('nord-2027\tNeeds\tneeds-survey\t2027-01-10..2027-02-10\tdraft\t0 answers', out)
        code, out, _ = self.cli('campaign', 'list')
        # Every programme's campaigns: the demo's (needs survey, baseline, endline, session feedback)
        # and this one.
        lines = out.splitlines()
        self.assertEqual(len([l for l in lines if l.split('\t')[1] == 'nord-2027']), 1)
        self.assertEqual(len([l for l in lines if l.split('\t')[1] == 'bridging-2026']), len(lines) - 1)
        con = sqlite3.connect(self.server.db)
        labels = con.execute("SELECT action, actor_label FROM audit_log WHERE action LIKE 'programme.%'"
                             " OR action LIKE 'campaign.%' ORDER BY at").fetchall()
        con.close()
        self.assertEqual([a for a, _ in labels][-3:], ['programme.create', 'programme.update', 'campaign.create'])
        self.assertTrue(all(l.startswith('cli:') for _, l in labels[-3:]))
        # bad usage and broken rules: status 2 with a sentence; a missing programme: status 1
        for args in (('programme',), ('programme', 'frobnicate'), ('programme', 'add', '--name', 'X'),
                     ('programme', 'add', '--name', 'X', '--slug', 'x-1', '--pilot-size', 'ten'),
                     ('programme', 'add', '--name', 'X', '--slug', 'x-1', '--pilot-size', '1001'),
                     ('programme', 'add', '--name', 'X', '--slug', 'Bad Slug'),
                     ('programme', 'set', 'nord-2027', 'colour', 'blue'),
                     ('programme', 'set', 'nord-2027', 'ends', '2027-02-30'),
                     ('campaign', 'add', 'nord-2027', '--name', 'X'),
                     ('campaign', 'add', 'nord-2027', '--name', 'X', '--form', 'no-such-form'),
                     ('campaign', 'add', 'nord-2027', '--name', 'X', '--form', 'needs-survey', '--kind', 'party')):
            code, out, err = self.cli(*args)
            self.assertEqual(code, 2, (args, err))
            self.assertTrue(err.startswith('edubridge '), err)
        code, _, err = self.cli('programme', 'show', 'no-such')
        self.assertEqual(code, 1)
        self.assertIn("there is no programme 'no-such'", err)
        code, _, err = self.cli('programme', 'add', '--name', 'Again', '--slug', 'nord-2027')
        self.assertEqual(code, 1)
        self.assertIn('already exists', err)
        for cmd in ('programme', 'campaign'):
            code, out, _ = run_cli(cmd, '--help')
            self.assertEqual(code, 0)
            self.assertTrue(out.startswith('Usage: edubridge ' + cmd))


if __name__ == '__main__':
    unittest.main(verbosity=2)

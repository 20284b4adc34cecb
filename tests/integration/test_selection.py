"""Selection runs and invitations against the real binary, through the pages as a coordinator: a
programme and its needs-survey campaign made on the pages; rules that cannot be met named on the
run's page, with nothing confirmed; bad input refused with nothing stored; a run with an exclusion,
confirmed (the register marked), invitations sent (the outbox holds each message with its link;
the link of an institution without an email is shown once on the page); an anonymous accept, a
decline without a reason refused, a decline with one replaced at once by an institution that keeps
the rules and is invited; used, unknown and cross-site answers refused with nothing changed; the
exports as CSV and XLSX, with contact columns for the coordinator only; the panel may read but not
confirm; a run's reasons and problems in the reader's language while the stored record stays English;
and `edubridge selection show|verify|run` on the same database."""
import csv
import html
import io
import os
import re
import sqlite3
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Client, Server, db_exec, db_rows, run_cli, stop_server  # noqa: E402

SLUG = 'it-selection'
BASE = '/programmes/%s/selections' % SLUG


def rules(**changes):
    fields = {'campaign': '', 'size': '4', 'max_per_country': '1', 'min_informal': '1', 'min_rural_percent': '25',
              'min_need': '0', 'consent': 'yes'}
    fields.update(changes)
    return fields


def text_of(body):
    return html.unescape(re.sub(r'<[^>]+>', ' ', body.decode()))


def chosen_rows(body):
    """The selected table's rows: (place, institution id, name, state)."""
    part = body.decode().split('id="h-chosen"', 1)[1].split('</table>', 1)[0]
    rows = []
    for m in re.finditer(r'<tr><td class="num">(\d+)</td><td><a href="/institutions/([0-9a-f-]{36})">(.*?)</a>'
                         r'.*?<td>([^<]*)(?:<br>.*?)?</td></tr>', part):
        rows.append((int(m.group(1)), m.group(2), html.unescape(m.group(3)), html.unescape(m.group(4))))
    return rows


class Selection(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.coord = cls.server.client('coordinator')
        status, _, _ = cls.coord.post_form('/programmes/new', {
            'name': 'Integration selection', 'slug': SLUG, 'summary': '', 'starts_on': '', 'ends_on': '',
            'pilot_size': '4', 'devices': '10', 'max_per_country': '1', 'min_informal': '1',
            'min_rural_percent': '25'})
        assert status == 303, status
        status, _, _ = cls.coord.post_form('/programmes/%s/campaigns/new' % SLUG, {
            'name': 'Needs', 'form_id': 'needs-survey', 'kind': 'needs_survey', 'opens_on': '', 'closes_on': '',
            'status': 'open'})
        assert status == 303, status
        cls.programme = db_rows(cls.server.db, 'SELECT id FROM programmes WHERE slug = ?', SLUG)[0][0]

    @classmethod
    def tearDownClass(cls):
        stop_server(cls.server)

    def runs(self, where='1=1', *params):
        return db_rows(self.server.db, 'SELECT count(*) FROM selection_runs WHERE programme_id = ? AND ' + where,
                       self.programme, *params)[0][0]

    def new_run(self, fields):
        status, headers, body = self.coord.post_form(BASE + '/new', fields)
        self.assertEqual(status, 303, text_of(body)[:2000])
        m = re.fullmatch(re.escape(BASE) + r'/([0-9a-f-]{36})', headers['location'])
        self.assertTrue(m, headers['location'])
        return m.group(1)

    def test_form_offers_the_programmes_defaults(self):
        status, _, body = self.coord.get(BASE + '/new')
        self.assertEqual(status, 200)
        page = body.decode()
        for name, value in (('size', '4'), ('max_per_country', '1'), ('min_informal', '1'), ('min_rural_percent', '25'),
                            ('min_need', '0')):
            self.assertRegex(page, r'<input type="text" id="f-%s" name="%s" [^>]*value="%s">' % (name, name, value))
        self.assertIn('<option value="yes" selected>Only institutions that gave consent</option>', page)
        self.assertIn('name="exclude" aria-describedby="f-exclude-hint" multiple', page)
        self.assertIn('name="force" aria-describedby="f-force-hint" multiple', page)
        self.assertIn('name="_csrf"', page)
        # the programme's page leads here
        self.assertIn('href="%s"' % BASE, self.coord.get('/programmes/' + SLUG)[2].decode())

    def test_bad_input_stores_nothing(self):
        before = self.runs()
        status, _, body = self.coord.post_form(BASE + '/new', rules(size='lots', min_rural_percent='140'))
        self.assertEqual(status, 400)
        self.assertIn('Enter a pilot size from 1 to 1000 institutions.', text_of(body))
        self.assertIn('Enter the least rural share as a whole per cent from 0 to 100.', text_of(body))
        self.assertIn('value="lots"', body.decode())  # what was typed comes back
        status, _, body = self.coord.post_form(BASE + '/new', rules(exclude='01938a40-0000-7000-8000-ffffffffffff'))
        self.assertEqual(status, 400)
        self.assertIn('one of those chosen is not assessed by the need index', text_of(body))
        self.assertEqual(self.coord.post_form(BASE + '/new', {'size': '4'})[0], 400)  # not the page's form
        self.assertEqual(self.coord.post_form(BASE + '/new', rules(), csrf=False)[0], 403)
        self.assertEqual(self.runs(), before)

    def test_infeasible_rules_are_named_and_nothing_is_confirmed(self):
        # More places than countries, at most one per country.
        run = self.new_run(rules(size='100', max_per_country='1', min_informal='0', min_rural_percent='0'))
        status, _, body = self.coord.get(BASE + '/' + run)
        self.assertEqual(status, 200)
        page = text_of(body)
        self.assertIn('The rules cannot all be met', page)
        self.assertIn('Nothing was selected.', page)
        self.assertRegex(page, r'With at most 1 per country, the \d+ countries with eligible institutions can give at '
                               r'most \d+, fewer than the 100 to be selected\.')
        self.assertNotIn('Confirm this selection', page)
        self.assertEqual(db_rows(self.server.db, 'SELECT status, feasible FROM selection_runs WHERE id = ?', run),
                         [('draft', 0)])
        status, _, body = self.coord.post_form(BASE + '/%s/confirm' % run, {})
        self.assertEqual(status, 409)
        self.assertIn('cannot be met', text_of(body))
        self.assertEqual(db_rows(self.server.db, 'SELECT status FROM selection_runs WHERE id = ?', run), [('draft',)])
        self.assertEqual(db_rows(self.server.db, 'SELECT count(*) FROM selection_places WHERE run_id = ?', run), [(0,)])

    def test_reasons_in_the_readers_language(self):
        db = self.server.db
        first = self.new_run(rules())
        excluded = chosen_rows(self.coord.get(BASE + '/' + first)[2])[0][1]
        run = self.new_run(rules(exclude=excluded))
        stuck = self.new_run(rules(size='100', max_per_country='1', min_informal='0', min_rural_percent='0'))
        # Another browser, so that the language it asks for (which a browser remembers) stays its own.
        reader = self.server.client('coordinator')
        status, headers, body = reader.get(BASE + '/' + run + '?lang=fr')
        self.assertEqual(status, 200)
        self.assertEqual(headers['content-language'], 'fr')
        page = text_of(body)
        self.assertIn('Non éligible : exclu par le jury de sélection.', page)
        self.assertRegex(page, r'Score de besoin \d+\.\d \(rang \d+ sur \d+\) : parmi les 4 plus élevés des \d+ '
                               r'éligibles\.')
        self.assertIn('la sélection donne le même résultat et la même liste de réserve', page)
        for english in ('Not eligible', 'among the', 'Need score', 'selection panel', 'institution'):
            self.assertNotIn(english, page)
        status, _, body = reader.get(BASE + '/' + stuck + '?lang=fr')
        page = text_of(body)
        self.assertRegex(page, r'Avec au plus 1 par pays, les \d+ pays ayant des établissements éligibles peuvent en '
                               r'donner au plus \d+, moins que les 100 à sélectionner\.')
        self.assertNotIn('With at most', page)
        self.assertIn('Wynik potrzeb', text_of(reader.get(BASE + '/' + run + '?lang=pl')[2]))
        # The record is not rewritten: it stays in English, and an English reader sees it as stored.
        stored = db_rows(db, 'SELECT result FROM selection_runs WHERE id = ?', run)[0][0]
        self.assertIn('Not eligible: excluded by the selection panel.', stored)
        self.assertNotIn('éligible', stored)
        page = text_of(reader.get(BASE + '/' + run + '?lang=en')[2])
        self.assertIn('Not eligible: excluded by the selection panel.', page)
        self.assertIn('among the 4 highest', page)
        # A stored reason the run made again does not say stands as stored, in English.
        db_exec(db, "UPDATE selection_runs SET result = replace(result, 'Not eligible: excluded by the selection panel.',"
                    " 'Kept out by hand.') WHERE id = ?", run)
        page = text_of(reader.get(BASE + '/' + run + '?lang=fr')[2])
        self.assertIn('Kept out by hand.', page)
        self.assertNotIn('Non éligible : exclu par le jury de sélection.', page)
        self.assertIn('la sélection donne le même résultat', page)  # the same places: still reproducible
        for r in (first, run, stuck):
            self.assertEqual(self.coord.post_form(BASE + '/%s/discard' % r, {})[0], 303)

    def test_the_whole_flow(self):
        db = self.server.db
        # An exclusion: the institution in most need that would otherwise be chosen.
        first = self.new_run(rules())
        status, _, body = self.coord.get(BASE + '/' + first)
        top = chosen_rows(body)
        self.assertEqual(len(top), 4)
        excluded = top[0][1]
        run = self.new_run(rules(exclude=excluded))
        self.assertEqual(self.coord.post_form(BASE + '/%s/discard' % first, {})[0], 303)
        status, _, body = self.coord.get(BASE + '/' + run)
        self.assertEqual(status, 200)
        rows = chosen_rows(body)
        page = text_of(body)
        self.assertEqual([r[0] for r in rows], [1, 2, 3, 4])
        self.assertNotIn(excluded, [r[1] for r in rows])
        self.assertIn('Need score', page)
        self.assertIn('among the 4 highest', page)
        self.assertIn('The nearest left out', page)
        self.assertIn('Not eligible: excluded by the selection panel.', page)
        self.assertIn('Reserve list', page)
        self.assertIn('the selection gives the same result and the same reserve list', page)
        countries = db_rows(db, 'SELECT i.country FROM selection_places p JOIN institutions i ON i.id = p.institution_id'
                                ' WHERE p.run_id = ? AND p.role = \'selected\'', run)
        self.assertEqual(len({c[0] for c in countries}), 4)  # at most 1 per country

        # The panel reads the run, but may not confirm it.
        panel = self.server.client('panel')
        status, _, body = panel.get(BASE + '/' + run)
        self.assertEqual(status, 200)
        self.assertNotIn('Confirm this selection', body.decode())
        self.assertEqual(panel.post_form(BASE + '/%s/confirm' % run, {})[0], 403)
        self.assertEqual(db_rows(db, 'SELECT status FROM selection_runs WHERE id = ?', run), [('draft',)])

        # Confirm: frozen, and the register says selected.
        status, headers, _ = self.coord.post_form(BASE + '/%s/confirm' % run, {})
        self.assertEqual(status, 303)
        self.assertIn('The selection is confirmed', text_of(self.coord.get(headers['location'])[2]))
        ids = [r[1] for r in rows]
        self.assertEqual({s for (s,) in db_rows(db, 'SELECT status FROM institutions WHERE id IN (?,?,?,?)', *ids)},
                         {'selected'})
        self.assertEqual(self.coord.post_form(BASE + '/%s/confirm' % run, {})[0], 409)
        self.assertEqual(db_rows(db, "SELECT count(*) FROM audit_log WHERE action = 'selection.confirm'"
                                     " AND target_ids LIKE ?", '%' + run + '%'), [(1,)])

        # Invitations: one institution has no email, so its link is shown on the page, once.
        db_exec(db, 'UPDATE institutions SET contact_email = NULL WHERE id = ?', ids[3])
        for i in ids[:3]:
            db_exec(db, 'UPDATE institutions SET contact_email = ? WHERE id = ?', 'head-%s@example.org' % i[-4:], i)
        status, _, body = self.coord.post_form(BASE + '/%s/invite' % run, {})
        self.assertEqual(status, 200)
        page = body.decode()
        self.assertIn('Invitations sent: 4.', text_of(body))
        shown = re.findall(r'/invitation/([A-Za-z0-9_-]{43})', page)
        self.assertEqual(len(shown), 1)
        mails = {}
        for i in ids[:3]:
            (subject, text), = db_rows(db, 'SELECT subject, body FROM outbox WHERE to_addr = ?', 'head-%s@example.org' % i[-4:])
            self.assertEqual(subject, 'Invitation to the pilot of Integration selection')
            mails[i] = re.search(r'/invitation/([A-Za-z0-9_-]{43})', text).group(1)
        self.assertNotIn(shown[0], mails.values())
        self.assertEqual(db_rows(db, 'SELECT count(*) FROM invitations WHERE run_id = ? AND state = \'sent\'', run), [(4,)])
        self.assertEqual(db_rows(db, 'SELECT count(*) FROM invitations WHERE token_hash IN (?,?)', shown[0],
                                 mails[ids[0]]), [(0,)])  # only hashes are stored
        status, _, body = self.coord.post_form(BASE + '/%s/invite' % run, {})
        self.assertIn('Every selected institution has been invited already.', text_of(body))
        self.assertEqual(db_rows(db, 'SELECT count(*) FROM invitations WHERE run_id = ?', run), [(4,)])

        # Anyone with the link answers; an accept works once.
        anon = Client(self.server)
        status, _, body = anon.get('/invitation/' + mails[ids[0]])
        self.assertEqual(status, 200)
        self.assertIn(rows[0][2], text_of(body))
        self.assertIn('What accepting means', text_of(body))
        self.assertIn('10 tablets', text_of(body))
        status, _, body = anon.post_form('/invitation/' + mails[ids[0]], {'action': 'accept'}, csrf=False)
        self.assertEqual(status, 200)
        self.assertIn('has accepted the invitation', text_of(body))
        self.assertEqual(anon.post_form('/invitation/' + mails[ids[0]], {'action': 'decline', 'reason': 'No'},
                                        csrf=False)[0], 410)
        self.assertEqual(anon.get('/invitation/' + mails[ids[0]])[0], 410)
        self.assertEqual(db_rows(db, 'SELECT state FROM invitations WHERE run_id = ? AND institution_id = ?', run, ids[0]),
                         [('accepted',)])
        self.assertEqual(db_rows(db, 'SELECT status FROM institutions WHERE id = ?', ids[0]), [('accepted',)])
        self.assertEqual(anon.get('/invitation/' + 'A' * 43)[0], 404)
        self.assertEqual(anon.get('/invitation/short')[0], 404)

        # A decline needs a reason; a post from another site is refused; neither changes anything.
        decliner = ids[1]
        status, _, body = anon.post_form('/invitation/' + mails[decliner], {'action': 'decline', 'reason': ' '},
                                         csrf=False)
        self.assertEqual(status, 400)
        self.assertIn('Say why the institution declines', text_of(body))
        status, _, _ = anon.post_form('/invitation/' + mails[decliner], {'action': 'decline', 'reason': 'No room.'},
                                      csrf=False, headers={'Sec-Fetch-Site': 'cross-site'})
        self.assertEqual(status, 403)
        self.assertEqual(anon.post_form('/invitation/' + mails[decliner], {'action': 'maybe'}, csrf=False)[0], 400)
        self.assertEqual(db_rows(db, 'SELECT state FROM invitations WHERE run_id = ? AND institution_id = ?', run, decliner),
                         [('sent',)])

        # The decline: its place goes at once to a replacement that keeps the rules, who is invited.
        outbox_before = db_rows(db, 'SELECT count(*) FROM outbox')[0][0]
        status, _, body = anon.post_form('/invitation/' + mails[decliner],
                                         {'action': 'decline', 'reason': 'We move to a new building this year.'},
                                         csrf=False)
        self.assertEqual(status, 200)
        self.assertIn('has declined the invitation', text_of(body))
        self.assertEqual(db_rows(db, 'SELECT state, reason FROM invitations WHERE run_id = ? AND institution_id = ?',
                                 run, decliner), [('declined', 'We move to a new building this year.')])
        (replacement, position, state), = db_rows(
            db, 'SELECT institution_id, position, state FROM selection_places WHERE run_id = ? AND replaces = ?',
            run, decliner)
        self.assertEqual(position, [r[0] for r in rows if r[1] == decliner][0])
        self.assertEqual(state, 'invited')
        self.assertNotIn(replacement, ids + [excluded])
        self.assertEqual(db_rows(db, 'SELECT state FROM invitations WHERE run_id = ? AND institution_id = ?', run,
                                 replacement), [('sent',)])
        email = db_rows(db, 'SELECT contact_email FROM institutions WHERE id = ?', replacement)[0][0]
        if email:
            self.assertEqual(db_rows(db, 'SELECT count(*) FROM outbox')[0][0], outbox_before + 1)
            body_text = db_rows(db, 'SELECT body FROM outbox WHERE to_addr = ? ORDER BY id DESC LIMIT 1', email)[0][0]
            self.assertRegex(body_text, r'/invitation/[A-Za-z0-9_-]{43}')
        # The rules still hold: one per country, one informal, one rural.
        kept = db_rows(db, "SELECT i.country, i.formal, i.area FROM selection_places p JOIN institutions i"
                           " ON i.id = p.institution_id WHERE p.run_id = ? AND p.role = 'selected'"
                           " AND p.state <> 'declined'", run)
        self.assertEqual(len(kept), 4)
        self.assertEqual(len({k[0] for k in kept}), 4)
        self.assertGreaterEqual(sum(1 for k in kept if k[1] == 0), 1)
        self.assertGreaterEqual(sum(1 for k in kept if k[2] in ('rural', 'remote')), 1)
        self.assertEqual(db_rows(db, "SELECT count(*) FROM audit_log WHERE action = 'selection.promote'"
                                     " AND target_ids LIKE ?", '%' + run + '%'), [(1,)])
        status, _, body = self.coord.get(BASE + '/' + run)
        page = text_of(body)
        self.assertIn('Took the place of', page)
        self.assertIn('We move to a new building this year.', page)
        self.assertIn('Make a new link', page)

        # Exports: every candidate once; contact columns for the coordinator only.
        n = db_rows(db, 'SELECT inputs FROM selection_runs WHERE id = ?', run)[0][0].count('"id":')
        status, headers, data = self.coord.get(BASE + '/%s/export.csv' % run)
        self.assertEqual(status, 200)
        self.assertTrue(headers['content-type'].startswith('text/csv'))
        table = list(csv.reader(io.StringIO(data.decode())))
        self.assertEqual(table[0], ['place', 'institution_id', 'institution', 'country', 'kind', 'informal', 'rural',
                                    'score', 'rank', 'role', 'state', 'reason', 'contact_name', 'contact_email'])
        self.assertEqual(len(table), n + 1)
        selected = [r for r in table[1:] if r[9] == 'selected']
        self.assertEqual(len(selected), 5)  # four places, one of them declined and taken
        self.assertEqual({r[1] for r in selected}, set(ids) | {replacement})
        self.assertEqual([r[10] for r in selected if r[1] == decliner], ['declined'])
        self.assertNotIn(excluded, {r[1] for r in selected})
        status, _, data = panel.get(BASE + '/%s/export.csv' % run)
        self.assertEqual(status, 200)
        self.assertNotIn('contact_email', data.decode().splitlines()[0])
        self.assertNotIn('@example.org', data.decode())
        status, headers, data = self.coord.get(BASE + '/%s/export.xlsx' % run)
        self.assertEqual(status, 200)
        self.assertEqual(data[:2], b'PK')
        self.assertEqual(self.server.client('partner').get(BASE + '/%s/export.csv' % run)[0], 403)

        # The list, and the command line on the same database.
        status, _, body = self.coord.get(BASE)
        self.assertIn(run, body.decode())
        code, out, err = run_cli('selection', 'verify', run, '--db', db)
        self.assertEqual(code, 0, err)
        self.assertIn('reproducible', out)
        code, out, err = run_cli('selection', 'show', run, '--db', db)
        self.assertEqual(code, 0, err)
        self.assertIn('status: confirmed', out)
        self.assertIn(rows[0][2], out)
        self.assertIn('took the place of ' + decliner, out)

    def test_cli_run(self):
        db = self.server.db
        before = self.runs()
        code, out, err = run_cli('selection', 'run', SLUG, '--size', '3', '--max-per-country', '0', '--db', db)
        self.assertEqual(code, 0, err)
        run = re.search(r'^run: ([0-9a-f-]{36})$', out, re.M).group(1)
        self.assertEqual(db_rows(db, 'SELECT status, created_by FROM selection_runs WHERE id = ?', run)[0][0], 'draft')
        code, out, err = run_cli('selection', 'run', SLUG, '--min-informal', '3', '--size', '3', '--min-need', '100',
                                 '--db', db)
        self.assertEqual(code, 1)
        self.assertIn('the rules cannot all be met', out)
        code, _, err = run_cli('selection', 'run', SLUG, '--size', 'many', '--db', db)
        self.assertEqual(code, 2)
        code, _, err = run_cli('selection', 'run', SLUG, '--size', '0', '--db', db)
        self.assertEqual(code, 2)
        self.assertIn('pilot size', err)
        self.assertEqual(self.runs(), before + 2)
        code, out, _ = run_cli('selection', '--help')
        self.assertEqual(code, 0)
        self.assertIn('--no-consent-required', out)


if __name__ == '__main__':
    unittest.main()

"""The need index's pages against the real binary on the demo programme: the ranking with its
sensitivity intervals and filters, the CSV/XLSX downloads, one institution's explanation whose
points add up to its score, the model page (a broken indicator is refused, named, and changes
nothing; a good model changes the ranking; going back to the shipped model), who may see what
(panel reads, cannot change; an institution contact gets only their own explanation; partners
nothing), and `edubridge need ranking|explain|model`."""
import csv
import html
import io
import json
import os
import re
import sqlite3
import sys
import unittest
import zipfile

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, db_rows, run_cli, stop_server  # noqa: E402

BASE = '/programmes/bridging-2026/need'


def text_of(body):
    return html.unescape(re.sub(r'<[^>]+>', ' ', body.decode()))


class NeedPages(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.coord = cls.server.client('coordinator')

    @classmethod
    def tearDownClass(cls):
        stop_server(cls.server)

    def ranking_csv(self, client=None):
        status, headers, body = (client or self.coord).get(BASE + '.csv')
        self.assertEqual(status, 200)
        self.assertIn('text/csv', headers['content-type'])
        return list(csv.DictReader(io.StringIO(body.decode('utf-8'))))

    def test_ranking_lists_every_institution_in_need_order_with_intervals(self):
        status, _, body = self.coord.get(BASE)
        self.assertEqual(status, 200)
        text = text_of(body)
        self.assertIn('institutions assessed', text)
        self.assertIn('Median rank (90% interval)', text)
        registered = db_rows(self.server.db, 'SELECT COUNT(*) FROM institutions WHERE merged_into IS NULL')[0][0]
        rows = self.ranking_csv()
        self.assertEqual(len(rows), registered)
        scored = [r for r in rows if r['score']]
        self.assertGreater(len(scored), 100)
        scores = [float(r['score']) for r in scored]
        self.assertEqual(scores, sorted(scores, reverse=True))
        self.assertEqual(scores[0], 100.0)
        self.assertEqual(scores[-1], 0.0)
        for r in scored:
            lo, hi, med = int(r['rank_5th_percentile']), int(r['rank_95th_percentile']), float(r['median_rank'])
            self.assertTrue(1 <= lo <= med <= hi <= len(scored), r)
        # Unscored ones come last and say why.
        for r in rows[len(scored):]:
            self.assertTrue(r['no_score_because'].startswith('Not enough data'), r)
        # The page's first row is the CSV's first.
        self.assertIn(html.escape(scored[0]['name']), body.decode())

    def test_filters_and_pages(self):
        status, _, body = self.coord.get(BASE + '?country=PL')
        self.assertEqual(status, 200)
        rows = re.findall(r'<tr><td class="num">.*?</tr>', body.decode())
        self.assertGreater(len(rows), 0)
        for row in rows:
            self.assertIn('<td>PL</td>', row)
        status, _, body = self.coord.get(BASE + '?page=2')
        self.assertEqual(status, 200)
        self.assertIn('aria-current="page">2<', body.decode())

    def test_the_register_sorts_by_need(self):
        rows = self.ranking_csv()
        scored = [r for r in rows if r['score']]
        status, _, body = self.coord.get('/institutions?sort=need&order=desc')
        self.assertEqual(status, 200)
        page = body.decode()
        self.assertIn('In order of need as the need index of', text_of(body))
        names = [html.unescape(n) for n in re.findall(r'<a href="/institutions/[0-9a-f-]{36}">([^<]+)</a>', page)]
        self.assertEqual(names[:5], [r['name'] for r in scored[:5]])
        status, _, body = self.coord.get('/institutions?sort=need&order=asc')
        names = [html.unescape(n) for n in re.findall(r'<a href="/institutions/[0-9a-f-]{36}">([^<]+)</a>',
                                                      body.decode())]
        self.assertEqual(names[:3], [r['name'] for r in reversed(scored[-3:])])
        # Filters still apply: one country, most need first.
        pl = [r['name'] for r in scored if r['country'] == 'PL']
        body = self.coord.get('/institutions?sort=need&order=desc&country=PL')[2].decode()
        names = [html.unescape(n) for n in re.findall(r'<a href="/institutions/[0-9a-f-]{36}">([^<]+)</a>', body)]
        self.assertEqual(names[:len(pl)], pl)

    def test_xlsx_download(self):
        status, headers, body = self.coord.get(BASE + '.xlsx')
        self.assertEqual(status, 200)
        self.assertIn('spreadsheetml', headers['content-type'])
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            self.assertIn('xl/worksheets/sheet1.xml', z.namelist())

    def test_explanation_adds_up_to_the_score(self):
        rows = self.ranking_csv()
        for row in (rows[0], rows[len(rows) // 2]):
            status, _, body = self.coord.get('%s/%s' % (BASE, row['institution_id']))
            self.assertEqual(status, 200)
            page = body.decode()
            points = [float(x) for x in re.findall(r'<td class="num">(-?[0-9.]+)</td></tr>', page.split('<tfoot>')[0])]
            self.assertGreater(len(points), 3)
            self.assertAlmostEqual(sum(points), float(row['score']), delta=0.05)
            total = re.search(r'<tfoot>.*?<td class="num">(-?[0-9.]+)</td>', page).group(1)
            self.assertAlmostEqual(float(total), float(row['score']), delta=0.01)
        status, _, _ = self.coord.get(BASE + '/no-such-institution')
        self.assertEqual(status, 404)

    def test_a_broken_model_is_refused_and_changes_nothing(self):
        before = db_rows(self.server.db, 'SELECT COUNT(*) FROM need_models')[0][0]
        status, _, body = self.coord.get(BASE + '/model')
        self.assertEqual(status, 200)
        fields = dict(re.findall(r'name="([a-z0-9_-]+)" value="([^"]*)"', body.decode()))
        fields.update({k: html.unescape(v) for k, v in re.findall(
            r'<textarea[^>]*name="([a-z0-9_-]+)"[^>]*>([^<]*)</textarea>', body.decode())})
        fields['i0-expr'] = '${learners} div max(${no_such_field}, 1)'
        fields.pop('_csrf', None)
        status, _, body = self.coord.post_form(BASE + '/model', fields)
        self.assertEqual(status, 422)
        text = text_of(body)
        self.assertIn('The model was not saved', text)
        self.assertIn('no_such_field', text)
        self.assertEqual(db_rows(self.server.db, 'SELECT COUNT(*) FROM need_models')[0][0], before)
        # What was typed is kept.
        self.assertIn('no_such_field', body.decode())

    def test_a_good_model_changes_the_ranking_and_can_be_undone(self):
        status, _, body = self.coord.get(BASE + '/model')
        fields = dict(re.findall(r'name="([a-z0-9_-]+)" value="([^"]*)"', body.decode()))
        fields.update({k: html.unescape(v) for k, v in re.findall(
            r'<textarea[^>]*name="([a-z0-9_-]+)"[^>]*>([^<]*)</textarea>', body.decode())})
        fields.pop('_csrf', None)
        # Only devices count: every other domain weight 0.
        for k in range(1, 4):
            fields['d%d-weight' % k] = '0'
        status, headers, _ = self.coord.post_form(BASE + '/model', fields)
        self.assertEqual(status, 303, _)
        audit = db_rows(self.server.db, "SELECT COUNT(*) FROM audit_log WHERE action = 'need.model'")[0][0]
        self.assertGreaterEqual(audit, 1)
        rows = self.ranking_csv()
        top = rows[0]
        status, _, body = self.coord.get('%s/%s' % (BASE, top['institution_id']))
        self.assertIn("This campaign's own model", text_of(self.coord.get(BASE)[2]))
        self.assertNotIn('Connectivity</td><td class="num">', body.decode().split('<tfoot>')[0].replace(
            'not answered', ''))
        status, _, _ = self.coord.post_form(BASE + '/model', {'reset': '1'})
        self.assertEqual(status, 303)
        self.assertIn('shipped model', text_of(self.coord.get(BASE)[2]))

    def test_who_may_see_what(self):
        panel = self.server.client('panel')
        self.assertEqual(panel.get(BASE)[0], 200)
        self.assertEqual(panel.get(BASE + '/model')[0], 403)
        self.assertEqual(panel.post_form(BASE + '/model', {'reset': '1'})[0], 403)
        partner = self.server.client('partner')
        self.assertEqual(partner.get(BASE)[0], 403)
        anonymous = self.server.client()
        self.assertIn(anonymous.get(BASE)[0], (302, 303))
        # An institution contact: the ranking names every institution, so not that; their own
        # explanation only (when linked to an institution).
        inst = self.server.client('institution')
        self.assertEqual(inst.get(BASE)[0], 403)
        self.assertEqual(inst.get(BASE + '.csv')[0], 403)
        rows = self.ranking_csv()
        own = db_rows(self.server.db, "SELECT institution_id FROM users WHERE role = 'institution'"
                      " AND institution_id IS NOT NULL")
        self.assertEqual(len(own), 1, 'the demo institution account is linked to one institution')
        own = own[0][0]
        other = next(r['institution_id'] for r in rows if r['institution_id'] != own)
        self.assertEqual(inst.get('%s/%s' % (BASE, other))[0], 403)
        status, _, body = inst.get('%s/%s' % (BASE, own))
        self.assertEqual(status, 200)
        self.assertIn('points', text_of(body))
        self.assertNotIn('href="%s?' % BASE, body.decode())  # no link to the ranking it may not read


class NeedCli(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()

    @classmethod
    def tearDownClass(cls):
        stop_server(cls.server)

    def test_ranking_explain_and_model(self):
        db = self.server.db
        code, out, err = run_cli('need', 'ranking', 'bridging-2026', '--db', db)
        self.assertEqual(code, 0, err)
        self.assertIn('with a score', out)
        code, out, err = run_cli('need', 'ranking', 'bridging-2026', '--csv', '--db', db)
        self.assertEqual(code, 0, err)
        first = next(csv.DictReader(io.StringIO(out)))
        code, out, err = run_cli('need', 'explain', 'bridging-2026', first['institution_id'], '--db', db)
        self.assertEqual(code, 0, err)
        self.assertIn('rank 1 of', out)
        code, out, err = run_cli('need', 'model', 'bridging-2026', '--db', db)
        self.assertEqual(code, 0, err)
        model = json.loads(out)
        self.assertEqual(len(model['domains']), 4)
        model['indicators'][0]['direction'] = 0
        model['indicators'][1]['expr'] = '${learners} +'
        path = os.path.join(self.server.dir.name, 'model.json')
        with open(path, 'w') as f:
            json.dump(model, f)
        code, out, err = run_cli('need', 'model', 'bridging-2026', '--set', path, '--db', db)
        self.assertEqual(code, 1)
        self.assertIn('nothing was stored', err)
        self.assertEqual(db_rows(db, 'SELECT COUNT(*) FROM need_models')[0][0], 0)
        code, out, err = run_cli('need', 'ranking', 'no-such-programme', '--db', db)
        self.assertEqual(code, 1)
        self.assertIn('no such programme', err)
        code, out, err = run_cli('need', 'frobnicate', '--db', db)
        self.assertEqual(code, 2)


if __name__ == '__main__':
    unittest.main()

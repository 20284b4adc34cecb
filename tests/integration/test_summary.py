"""The summary of a form's answers over HTTP: counts, percentages, numbers, the SVG charts and a
cross-tab, with the anonymity threshold, from answer sets posted to the JSON API."""
import gzip
import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, run_cli  # noqa: E402

FORM = os.path.join(os.path.dirname(__file__), 'forms', 'skip.md')
URL = '/forms/skip-test/summary'


def answer_set(i):
    """Answer set i (1..12). By hand: has_internet yes 1..8 (8), no 9..12 (4); speed fast 1..5,
    slow 6..8; learners 10 i; needs devices 1..7 (7), training 4..9 (6), answered by 1..9 (9)."""
    a = {'has_internet': 'yes' if i <= 8 else 'no', 'learners': 10 * i,
         'teacher': [{'teacher_name': 'T%d' % i}]}
    if i <= 8:
        a['speed'] = 'fast' if i <= 5 else 'slow'
    needs = [n for n, on in (('devices', i <= 7), ('training', 4 <= i <= 9)) if on]
    if needs:
        a['needs'] = needs
    return a


def row(label, *cells):
    """A table row as the page writes it: a row header, then number cells."""
    return ('<tr><th scope="row">%s</th>' % label) + ''.join(
        '<td class="num%s">%s</td>' % (' total' if c.startswith('=') else '', c.lstrip('='))
        for c in cells) + '</tr>'


class Summary(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        code, out, err = run_cli('form', 'import', FORM, '--db', cls.server.db)
        assert code == 0, err
        for i in range(1, 13):
            status, _, body = cls.server.request(
                'POST', '/api/v1/forms/skip-test/submissions', body=json.dumps(answer_set(i)),
                headers={'Content-Type': 'application/json'})
            assert status == 201, (i, body)
        # Summaries are for signed-in staff (SUMMARY_VIEW): a partner reads them.
        cls.reader = cls.server.client('partner')

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def page(self, query='', status=200):
        code, headers, body = self.reader.get(URL + query)
        self.assertEqual(code, status, query)
        html = body.decode()
        self.assertNotIn('<script', html)
        self.assertNotIn(' style=', html)
        return html

    def test_every_question(self):
        html = self.page()
        self.assertIn('Answers submitted: 12', html)
        # select_one: 8 of 12 said yes; 4 is under the threshold, and so is its percentage.
        self.assertIn(row('Yes', '8', '66.7%'), html)
        self.assertIn(row('No', 'fewer than 5', ''), html)
        # speed was only asked of the 8 with internet.
        self.assertIn(row('Fast', '5', '62.5%'), html)
        self.assertIn(row('Slow', 'fewer than 5', ''), html)
        # select_multiple: over the 9 who answered it, so 77.8% + 66.7% > 100%.
        self.assertIn(row('Devices', '7', '77.8%'), html)
        self.assertIn(row('Training', '6', '66.7%'), html)
        self.assertIn('can add up to more than 100%', html)
        # learners 10..120: mean 65; type 7 quartiles at h = 11p: 37.5, 65, 92.5.
        for name, value in (('Mean', '65'), ('Lowest', '10'), ('Lower quartile', '37.5'),
                            ('Median', '65'), ('Upper quartile', '92.5'), ('Highest', '120')):
            self.assertIn('<th scope="row">%s</th><td class="num">%s</td>' % (name, value), html)
        # The fields inside the repeat are left out, and the page says so.
        self.assertNotIn("Teacher's name", html)
        self.assertIn('inside repeats are not summarised', html)

    def test_charts_are_inline_svg_with_the_same_numbers(self):
        html = self.page()
        charts = re.findall(r'<svg class="chart" role="img"[^>]*aria-label="[^"]+"[^>]*>.*?</svg>', html)
        self.assertEqual(len(charts), 3)  # has_internet, speed, needs
        self.assertIn('<text x="0" y="15">Yes: 66.7%</text><rect x="0" y="20" width="66.7%" height="14"/>', charts[0])
        self.assertIn('No: fewer than 5</text>', charts[0])
        self.assertEqual(charts[0].count('<rect'), 1)  # no bar for a hidden count

    def test_one_question(self):
        html = self.page('?q=needs')
        self.assertIn(row('Devices', '7', '77.8%'), html)
        self.assertNotIn('Does the school have internet?</h2>', html)
        self.assertIn('<option value="needs" selected>', html)

    def test_crosstab(self):
        html = self.page('?q=needs&by=has_internet')
        # devices: 1..7, all with internet; training: 4..8 with, 9 without; 9 answered both.
        self.assertIn('<caption>What do you need?, by Does the school have internet?</caption>', html)
        self.assertIn('<th scope="col">Yes</th><th scope="col">No</th><th scope="col">Total</th>', html)
        self.assertIn(row('Devices', '7', 'fewer than 5', '=7'), html)
        self.assertIn(row('Training', '5', 'fewer than 5', '=6'), html)
        self.assertIn(row('Total', '8', 'fewer than 5', '=9'), html)
        self.assertIn('<option value="has_internet" selected>', html)

    def test_crosstab_of_numbers_in_quartile_ranges(self):
        html = self.page('?q=learners&by=has_internet')
        # [10, 37.5]: 10 20 30; (37.5, 65]: 40 50 60; (65, 92.5]: 70 80 90; (92.5, 120]: 100 110 120.
        hidden = 'fewer than 5'
        self.assertIn(row('10 to 37.5', hidden, hidden, '=' + hidden), html)
        self.assertIn(row('more than 37.5, up to 65', hidden, hidden, '=' + hidden), html)
        self.assertIn(row('more than 92.5, up to 120', hidden, hidden, '=' + hidden), html)
        self.assertIn(row('Total', '8', 'fewer than 5', '=12'), html)

    def test_wrong_choices(self):
        html = self.page('?q=has_internet&by=learners', status=400)
        self.assertIn('must be a select question', html)
        html = self.page('?by=has_internet', status=400)
        self.assertIn('Choose the question', html)
        self.assertEqual(self.reader.get(URL + '?q=no_such_field')[0], 404)
        self.assertEqual(self.reader.get(URL + '?q=teacher_name')[0], 404)  # inside a repeat
        self.assertEqual(self.reader.get(URL + '?q=needs&by=nothing')[0], 404)
        self.assertEqual(self.reader.get('/forms/no-such-form/summary')[0], 404)

    def test_labels_in_the_readers_language(self):
        html = self.page('?q=has_internet&lang=fr')
        self.assertIn("L&#39;école a-t-elle internet ?", html)
        self.assertIn('<th scope="row">Oui</th>', html)

    def test_small_enough(self):
        _, headers, body = self.reader.get(URL + '?q=needs&by=has_internet', headers={'Accept-Encoding': 'gzip'})
        self.assertEqual(headers.get('content-encoding'), 'gzip')
        self.assertLess(len(body), 14 * 1024)
        self.assertIn(b'<table', gzip.decompress(body))


if __name__ == '__main__':
    unittest.main(verbosity=2)

"""The device inventory against the real binary: the import page (preview, then import; a broken
file shows its errors by row and column and imports nothing), the list with its counts per state,
a move through a device's page (only the allowed next states offered, an illegal move refused with
the sentence that says why, in the reader's language, changing nothing), the allocation page
(never more than the stock, pilot institutions only), the label sheet (one QR code per device, 24
to an A4 page), the delivery confirmation by an institution's contact (a shortfall flagged to the
coordinator until the missing device is marked lost), what a contact may see (their own
institution's devices only), and `edubridge devices import|list|move|allocate`."""
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

PROGRAMME = 'bridging-2026'
CONTACT = 'institution@demo.edubridge.test'


def multipart(fields, files):
    boundary = 'edubridgeDevicesBoundary'
    out = b''
    for k, v in fields.items():
        out += ('--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (boundary, k, v)).encode()
    for k, (name, data) in files.items():
        out += ('--%s\r\nContent-Disposition: form-data; name="%s"; filename="%s"\r\n'
                'Content-Type: text/csv\r\n\r\n' % (boundary, k, name)).encode() + data + b'\r\n'
    out += ('--%s--\r\n' % boundary).encode()
    return out, 'multipart/form-data; boundary=' + boundary


def clear_demo_pilot(db):
    """The demo's pilot (its selection and its 100 devices) out of the way, so that each test
    decides which institutions are in the pilot and what the inventory holds."""
    db_exec(db, 'DELETE FROM deliveries')
    db_exec(db, 'DELETE FROM devices')
    db_exec(db, "UPDATE institutions SET status = 'registered' WHERE status IN ('selected', 'invited', 'accepted')")


class Devices(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.db = cls.server.db
        cls.coord = cls.server.client('coordinator')
        cls.tmp = tempfile.TemporaryDirectory(prefix='edubridge-devices-')
        clear_demo_pilot(cls.db)
        # Three pilot institutions, in order of name; the others stay registered.
        rows = db_rows(cls.db, 'SELECT id, name FROM institutions WHERE merged_into IS NULL AND status = ?'
                       ' ORDER BY name_key, id LIMIT 3', 'registered')
        cls.pilot = rows
        for (inst_id, _), status in zip(rows, ('selected', 'invited', 'accepted')):
            db_exec(cls.db, 'UPDATE institutions SET status = ? WHERE id = ?', status, inst_id)
        # The demo may link its contact account to an institution: each test sets the link it needs
        # and puts this one back.
        cls.demo_link = db_rows(cls.db, 'SELECT institution_id FROM users WHERE email = ?', CONTACT)[0][0]

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()
        stop_server(cls.server)

    # --- helpers -----------------------------------------------------------------------------------

    def cli(self, *args, code=0):
        rc, out, err = run_cli(*args, '--db', self.db)
        self.assertEqual(rc, code, (args, out, err))
        return out, err

    def import_cli(self, name, text, *extra):
        path = os.path.join(self.tmp.name, name)
        with open(path, 'w', encoding='utf-8') as f:
            f.write(text)
        return self.cli('devices', 'import', path, *extra)

    def device_id(self, serial):
        return db_rows(self.db, 'SELECT id FROM devices WHERE serial = ?', serial)[0][0]

    def state(self, serial):
        return db_rows(self.db, 'SELECT state FROM devices WHERE serial = ?', serial)[0][0]

    def count(self, where='1=1', *params):
        return db_rows(self.db, 'SELECT count(*) FROM devices WHERE ' + where, *params)[0][0]

    def page(self, client, path, status=200):
        code, _, body = client.get(path)
        self.assertEqual(code, status, path)
        return body.decode()

    def upload(self, client, name, data, programme=''):
        body, ctype = multipart({'_csrf': client.csrf(), 'programme': programme}, {'file': (name, data)})
        return client.request('POST', '/devices/import', body=body, headers={'Content-Type': ctype})

    # --- import ------------------------------------------------------------------------------------

    def test_import_preview_then_import(self):
        before = self.count()
        bad = ('model,serial,imei,batch\n'
               'IT Tab,IT-IMP-BAD-1,,IT-IMP\n'
               'IT Tab,it-imp-bad-1,,IT-IMP\n'          # row 3: the serial of row 2
               'IT Tab,IT-IMP-BAD-3,490154203237519,IT-IMP\n'  # row 4: a wrong check digit
               ',IT-IMP-BAD-5,,IT-IMP\n')               # row 5: no model
        status, _, body = self.upload(self.coord, 'bad.csv', bad.encode())
        body = body.decode()
        self.assertEqual(status, 400)
        self.assertIn('Nothing was imported: the file has 3 problems.', body)
        self.assertRegex(body, r'<tr><td>3</td><td>serial</td><td>This serial number is on row 2 too\. <q>IT-IMP-BAD-1</q>')
        self.assertRegex(body, r'<tr><td>4</td><td>imei</td><td>[^<]*Luhn[^<]*<q>490154203237519</q>')
        self.assertRegex(body, r'<tr><td>5</td><td>model</td><td>The model is missing\.')
        self.assertNotIn('name="data"', body)
        self.assertEqual(self.count(), before)

        good = ('model,serial,imei,batch,notes\r\n'
                'IT Tab A,it-imp-1,,IT-IMP,\r\n'
                'IT Tab A,IT-IMP-2,,IT-IMP,with a cover\r\n'
                'IT Tab LTE,IT-IMP-3,35-209900-176148-1,IT-IMP,\r\n')
        status, _, body = self.upload(self.coord, 'good.csv', good.encode(), PROGRAMME)
        body = body.decode()
        self.assertEqual(status, 200, body)
        self.assertIn('These 3 devices would go into stock', body)
        self.assertIn('IT-IMP-1', body)  # the serial as it will be stored
        self.assertIn('352099001761481', body)
        self.assertEqual(self.count(), before)  # a preview saves nothing
        fields = dict(re.findall(r'name="(format|programme|data)" value="([^"]*)"', body))
        status, _, _ = self.coord.post_form('/devices/import', fields, csrf=False)
        self.assertEqual(status, 403)
        self.assertEqual(self.count(), before)
        status, _, body = self.coord.post_form('/devices/import', fields)
        self.assertEqual(status, 200)
        self.assertIn('Imported: 3 devices, now in stock.', body.decode())
        self.assertEqual(self.count("batch = 'IT-IMP' AND state = 'in_stock'"), 3)
        self.assertEqual(db_rows(self.db, "SELECT count(*) FROM devices d JOIN programmes p ON p.id = d.programme_id"
                                 " WHERE d.batch = 'IT-IMP' AND p.slug = ?", PROGRAMME)[0][0], 3)
        self.assertEqual(db_rows(self.db, "SELECT count(*) FROM audit_log WHERE action = 'device.import'"
                                 " AND actor_label = 'coordinator@demo.edubridge.test'")[0][0], 1)
        # the same file again: every serial is in the inventory already
        status, _, body = self.upload(self.coord, 'good.csv', good.encode())
        self.assertEqual(status, 400)
        self.assertIn('in the inventory already', body.decode())
        # only managers import
        for role in ('panel', 'institution', 'partner'):
            self.assertEqual(self.server.client(role).get('/devices/import')[0], 403, role)

    # --- the list ----------------------------------------------------------------------------------

    def test_list_counts_and_filters(self):
        self.import_cli('list.csv', 'model,serial,batch\nIT List,IT-LIST-1,IT-LIST\nIT List,IT-LIST-2,IT-LIST\n')
        body = self.page(self.coord, '/devices')
        counts = dict(re.findall(r'<span class="count" data-state="([a-z_]+)">(\d+)</span>', body))
        expected = dict(db_rows(self.db, 'SELECT state, count(*) FROM devices GROUP BY state'))
        for state in ('in_stock', 'allocated', 'shipped', 'delivered', 'in_use', 'in_repair', 'returned', 'lost',
                      'retired'):
            self.assertEqual(int(counts[state]), expected.get(state, 0), state)
        body = self.page(self.coord, '/devices?batch=IT-LIST')
        self.assertIn('Devices found: 2.', body)
        self.assertIn('IT-LIST-1', body)
        body = self.page(self.coord, '/devices?q=list-2')
        self.assertIn('Devices found: 1.', body)
        self.page(self.coord, '/devices?state=broken', 400)
        status, headers, data = self.coord.get('/devices.csv?batch=IT-LIST')
        self.assertEqual(status, 200)
        rows = list(csv.reader(io.StringIO(data.decode())))
        self.assertEqual(rows[0][:4], ['id', 'model', 'serial', 'imei'])
        self.assertEqual(sorted(r[2] for r in rows[1:]), ['IT-LIST-1', 'IT-LIST-2'])
        status, _, data = self.coord.get('/devices.xlsx')
        self.assertEqual(status, 200)
        self.assertTrue(data.startswith(b'PK\x03\x04'))
        for role in ('panel', 'partner', 'trainer'):
            self.assertEqual(self.server.client(role).get('/devices')[0], 403, role)

    # --- moves -------------------------------------------------------------------------------------

    def test_move_through_the_device_page(self):
        self.import_cli('move.csv', 'model,serial\nIT Move,IT-MOVE-1\n')
        school = self.pilot[0][0]
        self.cli('devices', 'move', 'it-move-1', 'allocated', '--institution', school)
        dev = self.device_id('IT-MOVE-1')
        body = self.page(self.coord, '/devices/' + dev)
        offered = re.findall(r'name="to" id="to-[a-z_]+" value="([a-z_]+)"', body)
        self.assertEqual(sorted(offered), ['in_stock', 'shipped'])  # only the allowed next states
        events = db_rows(self.db, 'SELECT count(*) FROM device_events WHERE device_id = ?', dev)[0][0]

        status, _, body = self.coord.post_form('/devices/%s/move' % dev, {'to': 'delivered'})
        self.assertEqual(status, 409)
        self.assertIn('A device that is allocated cannot be delivered: it can be put back in stock or shipped.',
                      html.unescape(body.decode()))
        status, _, body = self.coord.post_form('/devices/%s/move?lang=fr' % dev, {'to': 'in_use'})
        self.assertEqual(status, 409)
        self.assertIn('Un appareil attribué ne peut pas être mis en service', html.unescape(body.decode()))
        status, _, _ = self.coord.post_form('/devices/%s/move' % dev, {'to': 'shipped'}, csrf=False)
        self.assertEqual(status, 403)
        self.assertEqual(self.state('IT-MOVE-1'), 'allocated')
        self.assertEqual(db_rows(self.db, 'SELECT count(*) FROM device_events WHERE device_id = ?', dev)[0][0], events)

        status, headers, _ = self.coord.post_form('/devices/%s/move' % dev, {'to': 'shipped', 'note': 'Courier IT-42'})
        self.assertEqual(status, 303)
        self.assertEqual(headers['location'], '/devices/' + dev)
        self.assertEqual(self.state('IT-MOVE-1'), 'shipped')
        body = self.page(self.coord, '/devices/' + dev)
        self.assertIn('Courier IT-42', body)
        self.assertIn('coordinator@demo.edubridge.test', body)
        self.assertEqual(sorted(re.findall(r'name="to" id="to-[a-z_]+" value="([a-z_]+)"', body)), ['delivered', 'lost'])
        # the panel may not move a device
        status, _, _ = self.server.client('panel').post_form('/devices/%s/move' % dev, {'to': 'lost'})
        self.assertEqual(status, 403)
        self.assertEqual(self.state('IT-MOVE-1'), 'shipped')

    # --- allocation --------------------------------------------------------------------------------

    def test_allocation_never_goes_above_stock(self):
        self.import_cli('alloc.csv', 'model,serial,batch\n' + ''.join('IT Alloc,IT-ALLOC-%02d,IT-ALLOC\n' % i
                                                                      for i in range(12)))
        pilot_ids = [p[0] for p in self.pilot]
        marks = ','.join('?' * len(pilot_ids))
        held = {i: db_rows(self.db, "SELECT count(*) FROM devices WHERE institution_id = ? AND state IN"
                           " ('allocated','shipped','delivered','in_use','in_repair')", i)[0][0] for i in pilot_ids}
        stock = db_rows(self.db, "SELECT count(*) FROM devices d JOIN programmes p ON p.slug = ? WHERE d.state ="
                        " 'in_stock' AND d.institution_id IS NULL AND (d.programme_id = p.id OR d.programme_id IS NULL)",
                        PROGRAMME)[0][0]
        need = sum(max(0, 10 - h) for h in held.values())
        self.assertLess(stock, need, 'the test wants less stock than the pilot needs')
        status, _, body = self.coord.post_form('/devices/allocate', {'programme': PROGRAMME})
        body = body.decode()
        self.assertEqual(status, 200, body)
        self.assertIn('Allocated: %d devices, from %d in stock.' % (stock, stock), body)
        self.assertIn('Stock was short by %d devices' % (need - stock), body)
        self.assertEqual(self.count("state = 'in_stock' AND institution_id IS NULL AND (programme_id IS NULL OR"
                                    " programme_id = (SELECT id FROM programmes WHERE slug = ?))", PROGRAMME), 0)
        for i in pilot_ids:
            now = db_rows(self.db, "SELECT count(*) FROM devices WHERE institution_id = ? AND state IN"
                          " ('allocated','shipped','delivered','in_use','in_repair')", i)[0][0]
            self.assertLessEqual(now, 10)
        # served in order of name: the first is full before the next gets any
        first = db_rows(self.db, "SELECT count(*) FROM devices WHERE institution_id = ? AND state IN"
                        " ('allocated','shipped','delivered','in_use','in_repair')", pilot_ids[0])[0][0]
        self.assertEqual(first, 10)
        self.assertEqual(db_rows(self.db, 'SELECT count(*) FROM devices WHERE institution_id NOT IN (%s)' % marks,
                                 *pilot_ids)[0][0], 0)
        # again: nothing in stock, nothing moves
        status, _, body = self.coord.post_form('/devices/allocate', {'programme': PROGRAMME})
        self.assertIn('Allocated: 0 devices, from 0 in stock.', body.decode())
        self.assertEqual(self.coord.post_form('/devices/allocate', {'programme': 'no-such'})[0], 404)
        self.assertEqual(self.coord.post_form('/devices/allocate', {})[0], 400)
        self.assertEqual(self.server.client('institution').post_form('/devices/allocate',
                                                                     {'programme': PROGRAMME})[0], 403)

    # --- labels ------------------------------------------------------------------------------------

    def test_labels_sheet_has_one_qr_code_per_device(self):
        self.import_cli('labels.csv', 'model,serial,batch\n' + ''.join('IT Label,IT-LABEL-%02d,IT-LABELS\n' % i
                                                                       for i in range(25)))
        body = self.page(self.coord, '/devices/labels?batch=IT-LABELS')
        self.assertEqual(body.count('<svg class="qr"'), 25)
        self.assertEqual(body.count('<section class="sheet">'), 2)  # 24 to an A4 page
        for i in range(25):
            self.assertIn('aria-label="QR code of device IT-LABEL-%02d"' % i, body)
        # one path of merged runs per code, no rect per module
        self.assertNotIn('<rect', body)
        self.assertRegex(body, r'<path fill="#000" d="(M\d+ \d+h\d+v1h-\d+z)+"/>')
        # The labels' A4 layout is in the staff's stylesheet (static/staff.css), linked after app.css.
        css_url = re.search(r'<link rel="stylesheet" href="(/static/staff\.css[^"]*)"', body).group(1)
        css = self.page(self.coord, html.unescape(css_url))
        self.assertIn('@page labels{size:A4', css)
        self.assertIn('.labels{page:labels}', css)
        body = self.page(self.coord, '/devices/labels?device=' + self.device_id('IT-LABEL-03'))
        self.assertEqual(body.count('<svg class="qr"'), 1)
        self.assertIn('name="batch"', self.page(self.coord, '/devices/labels'))  # choose what to print
        for role in ('panel', 'institution'):
            self.assertEqual(self.server.client(role).get('/devices/labels?batch=IT-LABELS')[0], 403, role)

    # --- deliveries and contacts -------------------------------------------------------------------

    def test_the_contact_confirms_a_delivery_and_a_shortfall_is_flagged(self):
        own, other = self.pilot[1][0], self.pilot[2][0]
        self.import_cli('dlv.csv', 'model,serial,batch\n' + ''.join('IT Dlv,IT-DLV-%d,IT-DLV\n' % i for i in range(4)) +
                        'IT Dlv,IT-DLV-OTHER,IT-DLV\n')
        for i in range(4):
            self.cli('devices', 'move', 'IT-DLV-%d' % i, 'allocated', '--institution', own)
            self.cli('devices', 'move', 'IT-DLV-%d' % i, 'shipped')
        self.cli('devices', 'move', 'IT-DLV-OTHER', 'allocated', '--institution', other)
        self.cli('devices', 'move', 'IT-DLV-OTHER', 'shipped')
        ids = [self.device_id('IT-DLV-%d' % i) for i in range(4)]
        other_dev = self.device_id('IT-DLV-OTHER')
        db_exec(self.db, 'UPDATE users SET institution_id = ? WHERE email = ?', own, CONTACT)
        try:
            c = self.server.client('institution')
            # their own devices, and nobody else's
            body = self.page(c, '/devices')
            self.assertIn('IT-DLV-0', body)
            self.assertNotIn('IT-DLV-OTHER', body)
            self.assertIn('/institutions/%s/delivery' % own, body)
            self.assertNotIn('name="institution"', body)  # no choice of institution
            self.page(c, '/devices/' + other_dev, 403)
            self.page(c, '/devices/' + ids[0])
            self.page(c, '/devices?institution=' + other)  # asking for another's gives their own
            self.assertNotIn('IT-DLV-OTHER', self.page(c, '/devices?institution=' + other))
            self.page(c, '/institutions/%s/delivery' % other, 403)
            self.assertEqual(c.post_form('/institutions/%s/delivery' % other, {'received': '1'})[0], 403)
            _, _, data = c.get('/devices.csv')
            serials = [r[2] for r in list(csv.reader(io.StringIO(data.decode())))[1:]]
            self.assertIn('IT-DLV-0', serials)
            self.assertNotIn('IT-DLV-OTHER', serials)
            self.assertEqual(c.post_form('/devices/%s/move' % ids[0], {'to': 'delivered'})[0], 403)

            body = self.page(c, '/institutions/%s/delivery' % own)
            self.assertEqual(sorted(re.findall(r'name="arrived" id="a-[0-9a-f-]+" value="([0-9a-f-]+)"', body)),
                             sorted(ids))
            # refused, changing nothing: some arrived but which is not said; more than was shipped
            status, _, body = c.post_form('/institutions/%s/delivery' % own, {'received': '3'})
            self.assertEqual(status, 400)
            self.assertIn('tick the ones that did', body.decode())
            status, _, body = c.post_form('/institutions/%s/delivery' % own, {'received': '5'})
            self.assertEqual(status, 400)
            self.assertIn('Count from 0 to 4', body.decode())
            self.assertEqual(self.count("batch = 'IT-DLV' AND state = 'shipped'"), 5)
            self.assertEqual(db_rows(self.db, 'SELECT count(*) FROM deliveries WHERE institution_id = ?', own)[0][0], 0)

            status, headers, _ = c.post_form('/institutions/%s/delivery' % own,
                                             {'received': '3', 'arrived': ids[:3], 'note': 'One box missing'})
            self.assertEqual(status, 303)
            self.assertTrue(headers['location'].startswith('/institutions/%s/delivery?delivery=' % own))
            body = html.unescape(self.page(c, headers['location']))
            self.assertIn('3 of 4 devices arrived.', body)
            self.assertIn('The coordinator has been told that 1 are missing', body)
            self.assertEqual([self.state('IT-DLV-%d' % i) for i in range(4)],
                             ['delivered', 'delivered', 'delivered', 'shipped'])
            self.assertEqual(db_rows(self.db, 'SELECT expected, received, confirmed_by FROM deliveries'
                                     ' WHERE institution_id = ?', own), [(4, 3, CONTACT)])
            self.assertEqual(db_rows(self.db, "SELECT count(*) FROM audit_log WHERE action = 'delivery.confirm'"
                                     " AND actor_label = ?", CONTACT)[0][0], 1)
        finally:
            db_exec(self.db, 'UPDATE users SET institution_id = ? WHERE email = ?', self.demo_link, CONTACT)

        # the coordinator is told, and the flag goes once the missing one is marked lost
        name = html.escape(self.pilot[1][1], quote=False)
        body = self.page(self.coord, '/devices')
        box = re.search(r'<div class="card shortfalls".*?</div>', body, re.S)
        self.assertIsNotNone(box)
        self.assertIn(name, box.group(0))
        self.assertIn('3 of 4 arrived', box.group(0))
        self.assertEqual(self.coord.post_form('/devices/%s/move' % ids[3], {'to': 'lost', 'note': 'Not found'})[0], 303)
        body = self.page(self.coord, '/devices')
        box = re.search(r'<div class="card shortfalls".*?</div>', body, re.S)
        self.assertTrue(box is None or name not in box.group(0))

    def test_an_unlinked_contact_sees_no_devices(self):
        db_exec(self.db, 'UPDATE users SET institution_id = NULL WHERE email = ?', CONTACT)
        try:
            c = self.server.client('institution')
            body = self.page(c, '/devices')
            self.assertIn('not linked to an institution', body)
            self.assertNotIn('<table', body)
            self.page(c, '/devices/' + db_rows(self.db, 'SELECT id FROM devices LIMIT 1')[0][0], 403)
            self.assertIn('not linked to an institution', self.page(c, '/devices.csv'))
        finally:
            db_exec(self.db, 'UPDATE users SET institution_id = ? WHERE email = ?', self.demo_link, CONTACT)


class Cli(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix='edubridge-devices-cli-')
        self.db = os.path.join(self.dir.name, 'cli.db')
        code, _, err = run_cli('demo', '--db', self.db)
        self.assertEqual(code, 0, err)
        clear_demo_pilot(self.db)

    def tearDown(self):
        self.dir.cleanup()

    def write(self, name, text):
        path = os.path.join(self.dir.name, name)
        with open(path, 'w', encoding='utf-8') as f:
            f.write(text)
        return path

    def count(self):
        return db_rows(self.db, 'SELECT count(*) FROM devices WHERE serial LIKE ?', 'CLI-%')[0][0]

    def test_import_list_move_allocate(self):
        bad = self.write('bad.csv', 'model,serial\nTab,CLI-1\nTab,cli-1\n')
        code, _, err = run_cli('devices', 'import', bad, '--db', self.db)
        self.assertEqual(code, 1)
        self.assertIn('row 3, column serial: This serial number is on row 2 too. ("CLI-1")', err)
        self.assertIn('nothing was imported', err)
        good = self.write('good.csv', 'model,serial,batch\nTab,CLI-1,C\nTab,CLI-2,C\n')
        code, out, err = run_cli('devices', 'import', good, '--dry-run', '--db', self.db)
        self.assertEqual(code, 0, err)
        self.assertIn('2 devices would go into stock', out)
        self.assertEqual(self.count(), 0)
        code, out, err = run_cli('devices', 'import', good, '--programme', PROGRAMME, '--db', self.db)
        self.assertEqual(code, 0, err)
        self.assertEqual(self.count(), 2)
        code, out, _ = run_cli('devices', 'list', '--state', 'in_stock', '--db', self.db)
        self.assertIn('\tCLI-1\tTab\tin_stock\t-', out)
        code, _, err = run_cli('devices', 'move', 'CLI-1', 'shipped', '--db', self.db)
        self.assertEqual(code, 1)
        self.assertIn('A device that is in stock cannot be shipped: it can be allocated or retired.', err)
        code, _, err = run_cli('devices', 'move', 'CLI-1', 'flying', '--db', self.db)
        self.assertEqual(code, 2)
        school = db_rows(self.db, 'SELECT id FROM institutions ORDER BY name_key LIMIT 1')[0][0]
        db_exec(self.db, "UPDATE institutions SET status = 'selected' WHERE id = ?", school)
        code, out, err = run_cli('devices', 'allocate', PROGRAMME, '--db', self.db)
        self.assertEqual(code, 0, err)
        self.assertIn('allocated 2 of 2 devices in stock; short by 8', out)
        self.assertEqual(db_rows(self.db, "SELECT count(*) FROM devices WHERE state = 'allocated'"
                                 " AND institution_id = ?", school)[0][0], 2)
        code, out, err = run_cli('devices', 'move', 'CLI-2', 'shipped', '--note', 'by post', '--db', self.db)
        self.assertEqual(code, 0, err)
        self.assertEqual(db_rows(self.db, "SELECT by_label LIKE 'cli:%', note FROM device_events e JOIN devices d"
                                 " ON d.id = e.device_id WHERE d.serial = 'CLI-2' AND e.to_state = 'shipped'"),
                         [(1, 'by post')])
        self.assertEqual(run_cli('devices', '--db', self.db)[0], 2)


if __name__ == '__main__':
    unittest.main(verbosity=2)

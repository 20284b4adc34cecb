#!/usr/bin/env python3
"""Every user-facing string must be translated: finds T(req, "...") and N_("...") in src/ and
checks that each catalogue in po/ translates it, with the same printf placeholders in the same
order (a translation that drops a %d would crash or lie). Prints TAP-like lines; exit 1 on a gap."""
import glob
import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..')
literal = r'"((?:[^"\\]|\\.)*)"'
pattern = re.compile(r'(?:\bT\(\s*[\w>.-]+\s*,\s*|\bN_\(\s*|\bi18n_get\(\s*[\w>.-]+\s*,\s*)' + literal + r'(?:\s*' + literal + r')*\s*\)', re.S)
chain = re.compile(literal)


def unescape(s):
    return re.sub(r'\\(.)', lambda m: {'n': '\n', 't': '\t'}.get(m.group(1), m.group(1)), s)


msgids = {}
for path in glob.glob(os.path.join(root, 'src', '**', '*.c'), recursive=True):
    text = open(path, encoding='utf-8').read()
    for m in pattern.finditer(text):
        s = ''.join(unescape(x) for x in chain.findall(m.group(0)))
        msgids.setdefault(s, os.path.relpath(path, root))


def read_po(path):
    entries, key, field, cur = {}, None, None, {}
    for line in open(path, encoding='utf-8'):
        line = line.strip()
        if line.startswith('msgid '):
            if 'msgid' in cur:
                entries[cur['msgid']] = cur.get('msgstr', '')
            cur, field = {'msgid': unescape(line[7:-1])}, 'msgid'
        elif line.startswith('msgstr'):
            field = 'msgstr'
            cur['msgstr'] = unescape(line.split(' ', 1)[1][1:-1])
        elif line.startswith('"') and field:
            cur[field] = cur.get(field, '') + unescape(line[1:-1])
    if 'msgid' in cur:
        entries[cur['msgid']] = cur.get('msgstr', '')
    return entries


placeholders = re.compile(r'%[-+ #0]*\d*(?:\.\d+)?(?:hh|h|ll|l|z|j|t)?[diouxXeEfgGcsp%]')
failures = 0
for po in sorted(glob.glob(os.path.join(root, 'po', '*.po'))):
    lang = os.path.basename(po)[:-3]
    cat = read_po(po)
    for msgid, where in sorted(msgids.items()):
        tr = cat.get(msgid, '')
        if not tr:
            print('not ok - %s: "%s" (%s) is not translated' % (lang, msgid, where))
            failures += 1
        elif placeholders.findall(tr) != placeholders.findall(msgid):
            print('not ok - %s: "%s" has other placeholders than the English' % (lang, msgid))
            failures += 1
    unused = [k for k in cat if k and k not in msgids]
    for k in unused:
        print('# %s: "%s" is no longer used' % (lang, k))
    print('%s - %s: %d strings checked' % ('ok' if not failures else 'not ok', lang, len(msgids)))
sys.exit(1 if failures else 0)

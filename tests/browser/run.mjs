// edubridge in a real browser: Debian's Chromium driven by playwright-core.
//
// Makes a demo database, serves it on an ephemeral loopback port, and checks what a reader meets:
// the home page, keyboard use, the language links, the 404 page, a 320 px screen, axe-core's
// accessibility rules and a clean console; then the needs survey as a respondent meets it: the
// whole survey by keyboard alone with JavaScript off and on (a wrong answer fixed, the biggest
// barrier among the chosen ones, the review, the thank-you page), axe-core on its pages, the
// resume code, and 320 px; then two accounts, a coordinator and a partner viewer, and what each is
// offered and refused. One line per test; exit status 1 when any test fails.
//
//   EDUBRIDGE_BIN=/path/to/edubridge OUT_DIR=/path/for/screenshots node run.mjs
//   BROWSER_TIMES=1 ...                also prints each test's seconds
//
// The server and the browser are always stopped, on failure too; a guard ends the whole run after
// RUN_TIMEOUT_MS.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RUN_TIMEOUT_MS = 180_000; // about 60 s on this 2-core machine, twice that when it is busy
const STEP_TIMEOUT_MS = 10_000;
const CHROMIUM = '/usr/bin/chromium';
const AXE_PATH = path.join(HERE, 'node_modules', 'axe-core', 'axe.min.js');

// What the pages must say, from po/*.po: a test that only checked "not English" would pass on a
// page with no text at all.
const HEADING = {
  en: 'Bridging the digital divide in education',
  fr: 'Réduire la fracture numérique dans l’éducation',
  es: 'Cerrar la brecha digital en la educación',
};
const NOT_FOUND = { en: 'Page not found', fr: 'Page introuvable', es: 'Página no encontrada' };

const bin = process.env.EDUBRIDGE_BIN;
const outDir = process.env.OUT_DIR;
if (!bin || !outDir) {
  console.error('usage: EDUBRIDGE_BIN=/path/to/edubridge OUT_DIR=/dir node run.mjs');
  process.exit(2);
}

let server = null;
let browser = null;
const extraBrowsers = [];
let tmpDir = null;
const serverLog = [];
let cleaning = null;

function remember(line) {
  serverLog.push(line);
  if (serverLog.length > 40) serverLog.shift();
}

function withTimeout(promise, ms, what) {
  let timer;
  const guard = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms);
  });
  return Promise.race([promise, guard]).finally(() => clearTimeout(timer));
}

async function stopServer() {
  if (!server || server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  try {
    await withTimeout(exited, 5000, 'server shutdown');
  } catch {
    server.kill('SIGKILL');
  }
}

// Idempotent: called at the end, on a signal and by the guard; always leaves nothing running.
function cleanup() {
  cleaning ??= (async () => {
    for (const b of [browser, ...extraBrowsers]) {
      if (!b) continue;
      // playwright kills the browser it launched when node exits, so a hung close is survivable.
      await withTimeout(b.close(), 5000, 'browser close').catch(() => {});
    }
    await stopServer();
    if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
  })();
  return cleaning;
}

const guard = setTimeout(async () => {
  console.log(`browser FAIL - run: did not finish within ${RUN_TIMEOUT_MS / 1000} s`);
  await withTimeout(cleanup(), 10_000, 'cleanup').catch(() => {});
  process.exit(1);
}, RUN_TIMEOUT_MS);

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    await withTimeout(cleanup(), 10_000, 'cleanup').catch(() => {});
    process.exit(130);
  });
}

function startServer(db) {
  return new Promise((resolve, reject) => {
    server = spawn(bin, ['serve', '--db', db, '--listen', '127.0.0.1:0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => reject(new Error('server did not say it was serving within 10 s')), 10_000);
    server.stdout.setEncoding('utf8');
    server.stderr.setEncoding('utf8');
    server.stdout.on('data', (chunk) => {
      out += chunk;
      for (const l of chunk.split('\n')) if (l) remember(l);
      const m = out.match(/edubridge is serving on http:\/\/127\.0\.0\.1:(\d+)\//);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    // Always drained: an unread pipe would block the server's access log, and then the server.
    server.stderr.on('data', (chunk) => {
      for (const l of chunk.split('\n')) if (l) remember(l);
    });
    server.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    server.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited before serving (code ${code}, signal ${signal})`));
    });
  });
}

function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    timeout: 30_000,
  });
}

// ---- helpers used by the tests ----------------------------------------------------------------

function check(cond, message) {
  if (!cond) throw new Error(message);
}

async function newPage(t, options = {}) {
  const context = await browser.newContext({ baseURL: t.base, viewport: { width: 1280, height: 800 }, ...options });
  t.contexts.push(context);
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
  return context.newPage();
}

async function htmlLang(page) {
  return page.evaluate(() => document.documentElement.getAttribute('lang'));
}

async function h1Text(page) {
  return (await page.locator('h1').first().textContent()).trim();
}

// Which element has focus, where it is, and whether a reader can see that it has focus.
async function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const cs = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    const outline = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0;
    const shadow = cs.boxShadow && cs.boxShadow !== 'none';
    return {
      tag: el.tagName.toLowerCase(),
      id: el.id,
      text: el.textContent.trim(),
      href: el.getAttribute('href'),
      inViewport: r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0 &&
        r.bottom <= innerHeight && r.right <= innerWidth && cs.visibility !== 'hidden',
      indicator: outline || shadow,
      style: `outline ${cs.outlineStyle} ${cs.outlineWidth}, box-shadow ${cs.boxShadow}`,
      afterMainStart: (() => {
        const main = document.getElementById('main');
        return !!main && (main === el || main.contains(el) ||
          !!(main.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING));
      })(),
    };
  });
}

async function injectAxe(page) {
  try {
    await page.addScriptTag({ path: AXE_PATH });
  } catch {
    // The page's CSP (script-src 'self') refuses the inline script that addScriptTag makes (it did
    // with Chromium 156); evaluation over CDP is not subject to the CSP.
  }
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.evaluate(fs.readFileSync(AXE_PATH, 'utf8'));
  }
  check(await page.evaluate(() => typeof window.axe === 'object'), 'axe-core could not be loaded into the page');
}

// ---- the tests --------------------------------------------------------------------------------

const tests = [];
// A test may ask for more than the default 30 s (the survey walks press hundreds of keys).
const test = (name, fn, timeoutMs = 30_000) => tests.push({ name, fn, timeoutMs });

test('home page loads (200, lang=en, title, visible h1)', async (t) => {
  const page = await newPage(t);
  const res = await page.goto('/');
  check(res.status() === 200, `status ${res.status()}`);
  check((await htmlLang(page)) === 'en', `html lang is ${await htmlLang(page)}`);
  const title = await page.title();
  check(title === 'Home · edubridge', `title is "${title}"`);
  check(await page.locator('h1').first().isVisible(), 'h1 not visible');
  check((await h1Text(page)) === HEADING.en, `h1 is "${await h1Text(page)}"`);
  // The stylesheet arrived and applies: the header wears the brand colour.
  const bg = await page.locator('header.top').evaluate((el) => getComputedStyle(el).backgroundColor);
  check(bg === 'rgb(11, 92, 173)', `header background is ${bg}: stylesheet not applied`);
  await page.screenshot({ path: path.join(outDir, 'home-1280.png'), fullPage: true });
});

test('keyboard: skip link, focus order, visible focus', async (t) => {
  const page = await newPage(t);
  await page.goto('/');
  await page.keyboard.press('Tab');
  let f = await focused(page);
  check(f && f.tag === 'a' && f.text === 'Skip to content', `first Tab focuses ${JSON.stringify(f && f.text)}, not the skip link`);
  check(f.href === '#main', `skip link goes to ${f.href}`);
  check(f.inViewport, 'skip link stays out of sight when focused');
  check(f.indicator, `skip link has no visible focus indicator (${f.style})`);

  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'main');
  f = await focused(page);
  check(f.tag === 'main', `Enter on the skip link focuses <${f.tag}>, not <main id="main">`);
  // From <main>, the next Tab goes on into the content, not back into the header.
  await page.keyboard.press('Tab');
  f = await focused(page);
  check(f && f.afterMainStart, `Tab after the skip link goes to ${JSON.stringify(f && f.text)}, before <main>`);

  // Afresh: the header in order, each with a focus indicator one can see. The navigation and the
  // languages grow with the application, so their links come from the page, in document order.
  await page.goto('/');
  const texts = async (sel) => (await page.locator(sel).allTextContents()).map((s) => s.trim());
  const navMain = await texts('nav.main a');
  const langs = await texts('nav.langs a');
  check(navMain[0] === 'Home', `the main navigation is ${JSON.stringify(navMain)}, without Home first`);
  for (const l of ['English', 'Français', 'Español']) check(langs.includes(l), `no language link ${l} in ${JSON.stringify(langs)}`);
  const expected = ['Skip to content', 'edubridge', ...navMain, ...langs];
  const seen = [];
  for (const want of expected) {
    await page.keyboard.press('Tab');
    f = await focused(page);
    seen.push(f ? f.text : '(body)');
    check(f && f.text === want, `focus order ${JSON.stringify(seen)}, expected ${JSON.stringify(expected)}`);
    check(f.indicator, `"${f.text}" has no visible focus indicator (${f.style})`);
    check(f.inViewport, `"${f.text}" is focused out of sight`);
  }
});

async function switchLanguage(page, context, linkName, code) {
  await Promise.all([page.waitForURL(`**/?lang=${code}`), page.getByRole('link', { name: linkName, exact: true }).click()]);
  const expectFrench = async (how) => {
    check((await htmlLang(page)) === code, `${how}: html lang is ${await htmlLang(page)}, not ${code}`);
    check((await h1Text(page)) === HEADING[code], `${how}: h1 is "${await h1Text(page)}"`);
    const current = await page.locator('nav.langs a[aria-current="true"]').textContent();
    check(current === linkName, `${how}: the language marked current is ${current}`);
  };
  await expectFrench(`after clicking ${linkName}`);
  await page.reload();
  await expectFrench('after a reload');
  const cookie = (await context.cookies()).find((c) => c.name === 'lang');
  check(cookie && cookie.value === code, `lang cookie is ${cookie && cookie.value}`);
  // Without ?lang= in the address only the cookie can choose the language.
  await page.goto('/');
  await expectFrench('on / without ?lang=');
}

test('language links switch to French and Spanish and stick', async (t) => {
  const page = await newPage(t);
  const context = page.context();
  await page.goto('/');
  await switchLanguage(page, context, 'Français', 'fr');
  await switchLanguage(page, context, 'Español', 'es');
  const res = await page.goto('/no-such-page');
  check((await h1Text(page)) === NOT_FOUND.es, `404 page after choosing Spanish says "${await h1Text(page)}"`);
  check(res.status() === 404, `status ${res.status()}`);
});

test('404 page in the project look', async (t) => {
  const page = await newPage(t);
  const res = await page.goto('/no-such-page');
  check(res.status() === 404, `status ${res.status()}`);
  check((await htmlLang(page)) === 'en', `html lang is ${await htmlLang(page)}`);
  check(await page.locator('h1').first().isVisible(), 'h1 not visible');
  check((await h1Text(page)) === NOT_FOUND.en, `h1 is "${await h1Text(page)}"`);
  check((await page.title()) === 'Page not found · edubridge', `title is "${await page.title()}"`);
  const bg = await page.locator('header.top').evaluate((el) => getComputedStyle(el).backgroundColor);
  check(bg === 'rgb(11, 92, 173)', `header background is ${bg}: stylesheet not applied`);
  await page.screenshot({ path: path.join(outDir, '404.png'), fullPage: true });
  const home = page.locator('main a[href="/"]');
  check((await home.count()) === 1 && (await home.isVisible()), 'no visible link home in <main>');
  const [back] = await Promise.all([page.waitForNavigation(), home.click()]);
  check(back && back.status() === 200 && new URL(page.url()).pathname === '/', `the link home led to ${page.url()}`);
});

test('320 px wide: no horizontal scrolling', async (t) => {
  const page = await newPage(t, { viewport: { width: 320, height: 640 } });
  const pages = ['/?lang=en', '/?lang=fr', '/?lang=es', '/no-such-page?lang=en', '/no-such-page?lang=fr', '/no-such-page?lang=es'];
  for (const url of pages) {
    await page.goto(url);
    const sw = await page.evaluate(() => document.documentElement.scrollWidth);
    check(sw <= 320, `${url}: scrollWidth ${sw} > 320`);
  }
  await page.goto('/?lang=en');
  await page.screenshot({ path: path.join(outDir, 'home-320.png'), fullPage: true });
});

test('axe-core: no serious or critical violations (home and 404, en and fr)', async (t) => {
  const page = await newPage(t);
  const problems = [];
  const lesser = [];
  for (const url of ['/?lang=en', '/?lang=fr', '/no-such-page?lang=en', '/no-such-page?lang=fr']) {
    await page.goto(url);
    await injectAxe(page);
    const violations = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations
      .map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(' ')).slice(0, 3) })));
    for (const v of violations) {
      const line = `${url}: ${v.id} (${v.impact}) at ${v.targets.join(', ')}`;
      (v.impact === 'serious' || v.impact === 'critical' ? problems : lesser).push(line);
    }
  }
  for (const l of lesser) console.log(`# axe, minor or moderate: ${l}`);
  check(problems.length === 0, problems.join('; '));
});

test('home page: no console errors', async (t) => {
  // A browser of its own: Chromium asks for /favicon.ico once per browser, and an earlier test
  // would have spent that request (and its console error) out of sight.
  const fresh = await launchBrowser();
  extraBrowsers.push(fresh);
  const context = await fresh.newContext({ baseURL: t.base, viewport: { width: 1280, height: 800 } });
  t.contexts.push(context);
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()} (${m.location().url || 'page'})`); });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => { if (r.status() >= 400) errors.push(`${r.status()} for ${r.url()}`); });
  for (const url of ['/', '/?lang=fr', '/?lang=es']) {
    await page.goto(url, { waitUntil: 'networkidle' });
    // The browser asks for /favicon.ico after the load, outside the page's own requests: give it time.
    await page.waitForTimeout(300);
  }
  check(errors.length === 0, errors.join('; '));
  await fresh.close();
});

// ---- the needs survey: a respondent's whole path ----------------------------------------------

const SURVEY = '/s/needs-survey';

// Answers by field name, as the form's values: a radio or a select takes one value, a group of
// checkboxes a list, a text box its text.
const ANSWERS_KEYBOARD = {
  role: 'teacher', respondent_name: 'Ana Nowak', email: 'ana.nowak@example.org', phone: '',
  institution_name: 'Szkoła Podstawowa nr 7', institution_kind: 'school', education_type: 'formal',
  country: 'PL', region: 'Mazowieckie', area: 'rural', learners: '300', teachers: '25',
  age_ranges: ['age_6_11', 'age_12_15'],
  devices: '40', device_types: ['laptop', 'tablet'], maintainer: 'staff', connection: 'fixed_slow',
  reliability: 'often_interrupted',
  teachers_confident: '3', teachers_find_content: '4', teachers_online_safety: '2', training_share: 'pct_1_25',
  training_needs: ['online_safety', 'coding_robotics'], training_mode: 'in_person',
  tech_frequency: 'weekly', learners_find_info: '3', learners_safe_online: '4',
  tech_purposes: ['presenting', 'practice'],
  barriers: ['cost_devices', 'connectivity', 'electricity', 'other'], barriers_other: 'Break-ins at night',
  biggest_barrier: 'connectivity', help_most: 'devices', digital_plan: 'in_progress', anything_else: 'We share one projector.',
  consent: 'yes', contact_pilot: 'yes',
};

// A second path: other answers that skip pages (no internet, never uses technology, one barrier,
// no consent, so no name, email or phone is asked), an "Other" role and an "Other" country (the hint
// says to choose it), each said on the page after (role_other, country_other: the text questions
// or_other adds).
const ANSWERS_SHORT = {
  ...ANSWERS_KEYBOARD,
  role: 'other', role_other: 'Librarian', respondent_name: 'Jean Martin', email: 'jean@example.org',
  country: 'other', country_other: 'Canada', region: 'Québec',
  connection: 'none', tech_frequency: 'never', barriers: ['connectivity'], consent: 'no', anything_else: '',
};

// Presses Tab (or Shift+Tab when the target lies before the focus) until the focus is on an
// element that matches selector. Returns the number of presses.
async function tabTo(page, selector, max = 80) {
  for (let i = 0; i <= max; i++) {
    const where = await page.evaluate((sel) => {
      const a = document.activeElement;
      if (a && a !== document.body && a.matches(sel)) return 'here';
      const target = document.querySelector(sel);
      if (!target) return 'missing';
      if (!a || a === document.body) return 'after';
      return a.compareDocumentPosition(target) & Node.DOCUMENT_POSITION_PRECEDING ? 'before' : 'after';
    }, selector);
    if (where === 'here') return i;
    if (where === 'missing') throw new Error(`no ${selector} on ${page.url()}`);
    await page.keyboard.press(where === 'before' ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`${max} presses of Tab did not reach ${selector} on ${page.url()}; focus on ${JSON.stringify(await focused(page))}`);
}

// Presses a key that should load a new page; returns the main response.
async function pressAndLoad(page, key) {
  const [res] = await Promise.all([page.waitForNavigation(), page.keyboard.press(key)]);
  check(res, `${key} loaded no page (still at ${page.url()})`);
  return res;
}

async function focusedId(page) {
  return page.evaluate(() => (document.activeElement ? document.activeElement.id : ''));
}

// The field names a survey page asks, in order ("f-role" is the control of "role").
async function fieldNames(page) {
  return page.locator('main form [name^="f-"]').evaluateAll((els) => [...new Set(els.map((e) => e.name.slice(2)))]);
}

// A question's text as the review page shows it: the label or legend without "(optional)".
async function questionText(page, name) {
  return page.evaluate((n) => {
    const fs = document.querySelector(`fieldset#f-${n}`);
    const head = fs ? fs.querySelector('legend') : document.querySelector(`label[for="f-${n}"]`);
    const c = head.cloneNode(true);
    c.querySelectorAll('.hint').forEach((h) => h.remove());
    return c.textContent.trim();
  }, name);
}

// Answers one question with the keyboard alone, and returns the answer as the review page should
// show it (choice labels, joined by ", ").
async function answerField(page, name, want) {
  const sel = `[name="f-${name}"]`;
  const kind = await page.locator(sel).first().evaluate((el) => (el.tagName === 'INPUT' ? el.type : el.tagName.toLowerCase()));
  const labelOf = (id) => page.locator(`label[for="${id}"]`).textContent().then((s) => s.trim());
  const focusShows = async () => {
    const f = await focused(page);
    check(f && f.indicator, `${name}: the focused control shows no focus indicator (${f && f.style})`);
  };
  if (kind === 'text' || kind === 'textarea') {
    await tabTo(page, `#f-${name}`);
    await focusShows();
    await page.keyboard.press('Control+A');
    if (want === '') await page.keyboard.press('Delete');
    else await page.keyboard.type(want);
    const got = await page.locator(`#f-${name}`).inputValue();
    check(got === want, `${name}: typed "${want}", the box holds "${got}"`);
    return want;
  }
  if (kind === 'select') {
    await tabTo(page, `#f-${name}`);
    await focusShows();
    const label = (await page.locator(`#f-${name} option[value="${want}"]`).textContent()).trim();
    await page.keyboard.type(label); // a closed <select> picks the option whose label is typed
    const got = await page.locator(`#f-${name}`).inputValue();
    check(got === want, `${name}: typed "${label}" into the list, it chose "${got}"`);
    return label;
  }
  if (kind === 'radio') {
    await tabTo(page, sel);
    await focusShows();
    const values = await page.locator(sel).evaluateAll((els) => els.map((e) => e.value));
    const target = values.indexOf(want);
    check(target >= 0, `${name}: no choice ${want} among ${values.join(', ')}`);
    let at = values.indexOf(await page.evaluate(() => document.activeElement.value));
    if (at === target) await page.keyboard.press('Space');
    while (at !== target) {
      await page.keyboard.press(at < target ? 'ArrowDown' : 'ArrowUp'); // moves and chooses
      at += at < target ? 1 : -1;
    }
    const checked = await page.locator(`${sel}:checked`).evaluateAll((els) => els.map((e) => e.value));
    check(checked.length === 1 && checked[0] === want, `${name}: chose ${want} with the arrow keys, checked is ${checked}`);
    return labelOf(`f-${name}-${target + 1}`);
  }
  if (kind === 'checkbox') {
    const wants = [].concat(want);
    const n = await page.locator(sel).count();
    await tabTo(page, `#f-${name}-1`);
    await focusShows();
    const labels = [];
    for (let k = 1; k <= n; k++) {
      if (k > 1) await page.keyboard.press('Tab');
      const box = page.locator(`#f-${name}-${k}`);
      check((await focusedId(page)) === `f-${name}-${k}`, `${name}: Tab went to ${await focusedId(page)}, not checkbox ${k}`);
      const value = await box.getAttribute('value');
      if ((await box.isChecked()) !== wants.includes(value)) await page.keyboard.press('Space');
      if (wants.includes(value)) labels.push(await labelOf(`f-${name}-${k}`));
    }
    const checked = await page.locator(`${sel}:checked`).evaluateAll((els) => els.map((e) => e.value));
    check(JSON.stringify(checked) === JSON.stringify(wants), `${name}: wanted ${wants}, checked ${checked}`);
    return labels.join(', ');
  }
  throw new Error(`${name}: a control of type ${kind} that the test does not know`);
}

// Answers every question on the page; shown collects question text → answer as displayed.
async function answerPage(page, answers, shown) {
  const names = await fieldNames(page);
  for (const n of names) {
    check(n in answers, `${page.url()} asks "${n}", which the test has no answer for`);
    shown[n] = { question: await questionText(page, n), answer: await answerField(page, n, answers[n]) };
  }
  return names;
}

async function checkNoScript(page) {
  const n = await page.locator('script').count();
  check(n === 0, `${page.url()} has ${n} <script> element(s)`);
}

// Whether scripts run in this context: a page that sets its title from a script.
async function scriptsRun(page) {
  await page.setContent('<title>no</title><script>document.title = "yes"</script>');
  return (await page.title()) === 'yes';
}

// The error page after a wrong answer to one text field: summary at the top with a link that
// moves the focus to the field, the message beside the field, the typed text kept.
async function checkErrorPage(page, res, field, typed, message, shot) {
  check(res.status() === 422, `a wrong ${field} gave status ${res.status()}, not 422`);
  check((await page.title()).startsWith('Error: '), `the error page's title is "${await page.title()}"`);
  const summary = page.locator('.error-summary');
  check((await summary.count()) === 1 && (await summary.isVisible()), 'no visible error summary');
  const top = await page.evaluate(() => {
    const s = document.querySelector('.error-summary');
    const form = document.querySelector('main form');
    return {
      beforeForm: !!(s.compareDocumentPosition(form) & Node.DOCUMENT_POSITION_FOLLOWING),
      top: s.getBoundingClientRect().top,
      height: innerHeight,
    };
  });
  check(top.beforeForm && top.top >= 0 && top.top < top.height / 2, `the error summary is not at the top (${JSON.stringify(top)})`);
  const link = summary.locator(`a[href="#f-${field}"]`);
  check((await link.count()) === 1, `the error summary has no link to #f-${field}`);
  check((await link.textContent()).includes(message), `the summary's link says "${await link.textContent()}"`);
  const beside = page.locator(`#f-${field}-error`);
  check(await beside.isVisible(), `no visible message beside ${field}`);
  check((await beside.textContent()).includes(message), `the message beside ${field} is "${await beside.textContent()}"`);
  const input = await page.locator(`#f-${field}`).evaluate((el, id) => ({
    sameField: el.closest('.field') === document.getElementById(id).closest('.field'),
    invalid: el.closest('.field').classList.contains('invalid'),
    ariaInvalid: el.getAttribute('aria-invalid'),
    describedBy: (el.getAttribute('aria-describedby') || '').split(' '),
    value: el.value,
  }), `f-${field}-error`);
  check(input.sameField && input.invalid, `the message is not in ${field}'s own field block`);
  check(input.ariaInvalid === 'true' && input.describedBy.includes(`f-${field}-error`), `${field} is not marked invalid for assistive technology (${JSON.stringify(input)})`);
  check(input.value === typed, `${field} holds "${input.value}", not what was typed ("${typed}")`);
  // "Error:" is there for screen readers only: it must not show.
  const prefix = await beside.locator('.visually-hidden').boundingBox();
  check(prefix && prefix.width <= 1 && prefix.height <= 1, `the "Error:" prefix beside ${field} is visible (${JSON.stringify(prefix)})`);
  if (shot) await page.screenshot({ path: path.join(outDir, shot), fullPage: true });
  // From the top of the page, by keyboard: the summary's link, Enter, and the focus is on the field.
  await tabTo(page, `.error-summary a[href="#f-${field}"]`);
  await page.keyboard.press('Enter');
  for (let i = 0; i < 40 && (await focusedId(page)) !== `f-${field}`; i++) await page.waitForTimeout(50);
  check((await focusedId(page)) === `f-${field}`, `the summary's link moved the focus to "${await focusedId(page)}", not to #f-${field}`);
}

// Text as the review page shows it: [question, answer] in order (without the "Change" link). A list,
// not a map, to keep the order.
async function reviewAnswers(page) {
  return page.evaluate(() => [...document.querySelectorAll('dl.review > div')].map((d) => {
    const dd = d.querySelector('dd').cloneNode(true);
    dd.querySelectorAll('a').forEach((a) => a.remove());
    return [d.querySelector('dt').textContent.trim(), dd.textContent.trim()];
  }));
}

// The whole survey by keyboard, from the intro page to the thank-you page. bad: one field answered
// wrongly first ({field, value, message}). Returns the field names of each page.
async function surveyByKeyboard(page, answers, bad, shots = {}) {
  await page.goto(SURVEY);
  await checkNoScript(page);
  await tabTo(page, 'form[action$="/start"] button');
  let res = await pressAndLoad(page, 'Enter');
  const pages = [];
  const shown = {};
  let barrierLabels = null;
  for (let n = 0; !new URL(page.url()).pathname.endsWith('/review'); n++) {
    check(n < 20, 'more than 20 pages before the review');
    check(res.status() === 200, `${page.url()}: status ${res.status()}`);
    await checkNoScript(page);
    const names = await fieldNames(page);
    if (names.includes('country') && shots.question) await page.screenshot({ path: path.join(outDir, shots.question), fullPage: true });
    if (names.includes('biggest_barrier')) {
      check(!pages.some((p) => p.includes('biggest_barrier')), 'the biggest barrier is asked twice');
      check(pages.some((p) => p.includes('barriers')), 'the biggest barrier is asked before the barriers');
      const offered = await page.locator('[name="f-biggest_barrier"]').evaluateAll((els) =>
        els.map((e) => document.querySelector(`label[for="${e.id}"]`).textContent.trim()));
      check(JSON.stringify(offered) === JSON.stringify(barrierLabels),
        `the biggest barrier offers ${JSON.stringify(offered)}, the chosen barriers were ${JSON.stringify(barrierLabels)}`);
    }
    if (bad && names.includes(bad.field)) {
      await answerPage(page, { ...answers, [bad.field]: bad.value }, shown);
      await tabTo(page, 'button[value="next"]');
      res = await pressAndLoad(page, 'Enter');
      await checkErrorPage(page, res, bad.field, bad.value, bad.message, shots.error);
      await checkNoScript(page);
      // The focus is on the field: fix it there, look back at the field before it, go on.
      await page.keyboard.press('Control+A');
      await page.keyboard.type(answers[bad.field]);
      shown[bad.field].answer = answers[bad.field];
      // Shift+Tab goes back to the question before, which kept its answer too.
      const before = names[names.indexOf(bad.field) - 1];
      await page.keyboard.press('Shift+Tab');
      const back = await page.evaluate(() => ({ name: document.activeElement.name, value: document.activeElement.value }));
      check(back.name === `f-${before}`, `Shift+Tab from ${bad.field} went to ${back.name}, not to ${before}`);
      check([].concat(answers[before]).includes(back.value), `${before} holds "${back.value}" on the error page, not "${answers[before]}"`);
      await tabTo(page, 'button[value="next"]');
      res = await pressAndLoad(page, 'Space');
      check(res.status() === 200, `after fixing ${bad.field}: status ${res.status()} at ${page.url()}`);
      pages.push(names);
      bad = null;
      continue;
    }
    await answerPage(page, answers, shown);
    if (names.includes('barriers')) {
      barrierLabels = await page.locator('[name="f-barriers"]:checked').evaluateAll((els) =>
        els.map((e) => document.querySelector(`label[for="${e.id}"]`).textContent.trim()));
    }
    pages.push(names);
    await tabTo(page, 'button[value="next"]');
    res = await pressAndLoad(page, 'Enter');
  }
  check(!bad, `the page with ${bad && bad.field} never came`);
  // The review page lists every answer given.
  check(res.status() === 200, `review: status ${res.status()}`);
  await checkNoScript(page);
  check((await h1Text(page)) === 'Check your answers', `the review page's h1 is "${await h1Text(page)}"`);
  const review = await reviewAnswers(page);
  for (const [name, { question, answer }] of Object.entries(shown)) {
    // A "Specify other." is followed on the review by the question it belongs to, in brackets.
    const listed = review.filter(([q]) => q === question || q.startsWith(`${question} (`)).map(([, a]) => a);
    check(listed.length > 0, `the review does not list "${question}" (${name})`);
    check(listed.includes(answer), `the review shows ${JSON.stringify(listed)} for "${question}", answered "${answer}"`);
  }
  const change = await page.locator('dl.review a .visually-hidden').first().boundingBox();
  check(change && change.width <= 1 && change.height <= 1, `the hidden part of "Change" links shows (${JSON.stringify(change)})`);
  if (shots.review) await page.screenshot({ path: path.join(outDir, shots.review), fullPage: true });
  await tabTo(page, 'form[action$="/submit"] button');
  res = await pressAndLoad(page, 'Space');
  check(res.status() === 200 && new URL(page.url()).pathname.endsWith('/done'), `sending led to ${page.url()} (${res.status()})`);
  check((await h1Text(page)) === 'Thank you', `the thank-you page's h1 is "${await h1Text(page)}"`);
  await checkNoScript(page);
  return { pages, review };
}

test('survey by keyboard alone, JavaScript off: error fixed, biggest barrier, review, thank you', async (t) => {
  const page = await newPage(t, { javaScriptEnabled: false });
  check(!(await scriptsRun(page)), 'scripts run in a context made with javaScriptEnabled: false');
  const { pages } = await surveyByKeyboard(page, ANSWERS_KEYBOARD,
    { field: 'email', value: 'ana.nowak.example.org', message: 'This does not look like an email address' },
    { question: 'survey-question.png', error: 'survey-error.png', review: 'survey-review.png' });
  const at = (f) => pages.findIndex((p) => p.includes(f));
  check(at('biggest_barrier') > at('barriers'), `the biggest barrier is not on a later page than the barriers (${JSON.stringify(pages)})`);
  check(at('barriers_other') === at('biggest_barrier'), `"Specify other." for the barriers is not on the page after them (${JSON.stringify(pages)})`);
  check(at('role_other') < 0, 'the role\'s "Specify other." was asked though the role is not "Other"');
}, 60_000);

test('survey by keyboard, JavaScript on: another path (pages skipped, an "Other" role)', async (t) => {
  const page = await newPage(t);
  check(await scriptsRun(page), 'scripts do not run in a default context');
  const { pages, review } = await surveyByKeyboard(page, ANSWERS_SHORT,
    { field: 'learners', value: '0', message: 'Please enter a number from 1 to 20,000.' });
  const asked = pages.flat();
  for (const f of ['respondent_name', 'email', 'phone', 'reliability', 'tech_purposes', 'biggest_barrier', 'contact_pilot'])
    check(!asked.includes(f), `"${f}" was asked though it does not apply`);
  const at = (f) => pages.findIndex((p) => p.includes(f));
  for (const f of ['role', 'country'])
    check(at(`${f}_other`) === at(f) + 1, `"${f}_other" is not on the page after "${f}" (${JSON.stringify(pages)})`);
  const role = review.findIndex(([q]) => q === 'What is your role?');
  check(role >= 0 && review[role][1] === 'Other', `the review shows the role as ${JSON.stringify(review[role])}`);
  check(JSON.stringify(review[role + 1]) === JSON.stringify(['Specify other. (What is your role?)', 'Librarian']),
    `the review shows ${JSON.stringify(review[role + 1])} after the role, not what "Other" is`);
}, 60_000);

// The answers as a posted page form: every field, every page (a page reads only its own fields).
function pageBody(answers, go = 'next') {
  const p = new URLSearchParams({ i: '0', go });
  for (const [k, v] of Object.entries(answers)) for (const one of [].concat(v)) p.append(`f-${k}`, one);
  return p.toString();
}

// A draft answered without the browser's pages: start, then post every page until the review.
// Returns the address of each page on the way and the review's.
async function draftToReview(page, answers) {
  let res = await page.request.post(`${SURVEY}/start`, { form: { lang: 'en' } });
  const urls = [];
  for (let n = 0; !new URL(res.url()).pathname.endsWith('/review'); n++) {
    check(n < 20 && res.status() === 200, `walking the survey: ${res.url()} gave ${res.status()}`);
    urls.push(res.url());
    res = await page.request.post(new URL(res.url()).pathname, {
      data: pageBody(answers), headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  }
  return { pages: urls, review: res.url() };
}

async function axeProblems(page, label, problems, lesser) {
  await injectAxe(page);
  const violations = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations
    .map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(' ')).slice(0, 3) })));
  for (const v of violations) {
    const line = `${label}: ${v.id} (${v.impact}) at ${v.targets.join(', ')}`;
    (v.impact === 'serious' || v.impact === 'critical' ? problems : lesser).push(line);
  }
}

test('axe-core on the survey: intro, question, errors, review, thank you', async (t) => {
  const page = await newPage(t);
  const problems = [];
  const lesser = [];
  await page.goto(SURVEY);
  await axeProblems(page, 'intro', problems, lesser);
  const { pages, review } = await draftToReview(page, ANSWERS_KEYBOARD);
  await page.goto(pages[0]); // consent first, before anything personal is asked
  await axeProblems(page, 'consent page', problems, lesser);
  await page.goto(pages[2]); // the institution: text, radios, the country list
  await axeProblems(page, 'question page', problems, lesser);
  await page.goto(`${pages[2]}&lang=de`);
  await axeProblems(page, 'question page (de)', problems, lesser);
  await page.goto(pages[3]); // after the country (its "Specify other." hidden): numbers, checkboxes
  await axeProblems(page, 'question page after the country', problems, lesser);
  await page.fill('#f-learners', '0');
  await page.fill('#f-region', '');
  const [res] = await Promise.all([page.waitForNavigation(), page.click('button[value="next"]')]);
  check(res.status() === 422, `a wrong answer gave ${res.status()}`);
  check((await page.locator('.field-error').count()) === 2, 'the error page does not show two messages');
  await axeProblems(page, 'page with errors', problems, lesser);
  await page.fill('#f-learners', ANSWERS_KEYBOARD.learners);
  await page.fill('#f-region', ANSWERS_KEYBOARD.region);
  await Promise.all([page.waitForURL('**/p/6?i=0'), page.click('button[value="next"]')]);
  await page.goto(review);
  await axeProblems(page, 'review', problems, lesser);
  await Promise.all([page.waitForURL('**/done'), page.click('form[action$="/submit"] button')]);
  await axeProblems(page, 'thank you', problems, lesser);
  for (const l of lesser) console.log(`# axe, minor or moderate: ${l}`);
  check(problems.length === 0, problems.join('; '));
});

test('survey resume code: save, new browser context, continue where one left off', async (t) => {
  const page = await newPage(t);
  await page.goto(SURVEY);
  await Promise.all([page.waitForURL('**/p/1?i=0'), page.click('form[action$="/start"] button')]);
  await page.check('#f-consent-1'); // consent first: yes, so that the personal questions are asked
  await Promise.all([page.waitForURL('**/p/2?i=0'), page.click('button[value="next"]')]);
  await page.check('#f-role-2');
  await page.fill('#f-respondent_name', 'Lena Weber');
  await page.fill('#f-email', 'lena@example.org');
  // p/3, the role's "Specify other.", does not apply
  await Promise.all([page.waitForURL('**/p/4?i=0'), page.click('button[value="next"]')]);
  const page2 = new URL(page.url()).pathname;
  await page.fill('#f-institution_name', 'Gesamtschule Nord');
  await page.check('#f-education_type-2');
  await page.selectOption('#f-country', 'DE');
  await Promise.all([page.waitForURL('**/saved'), page.click('button[value="save"]')]);
  const code = (await page.locator('main .code').textContent()).trim();
  check(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/.test(code), `the saved page shows "${code}" as the resume code`);

  // Another device: nothing shared but the code, typed in lower case without the dash.
  const other = await newPage(t);
  await other.goto(SURVEY);
  await other.fill('#code', code.replace('-', '').toLowerCase());
  await Promise.all([other.waitForURL('**/p/*'), other.click('form[action$="/resume"] button')]);
  check(new URL(other.url()).pathname === page2, `the code led to ${other.url()}, not back to ${page2}`);
  check((await other.inputValue('#f-institution_name')) === 'Gesamtschule Nord', 'the institution name was not kept');
  check((await other.inputValue('#f-country')) === 'DE', 'the country was not kept');
  check(await other.isChecked('#f-education_type-2'), 'the kind of education was not kept');
  check((await other.locator('footer .code').textContent()).trim() === code, 'the page does not show the same resume code');
  await Promise.all([other.waitForURL('**/p/2?i=0'), other.click('button[value="back"]')]);
  check(await other.isChecked('#f-role-2'), 'the role on the first page was not kept');
  check((await other.inputValue('#f-email')) === 'lena@example.org', 'the email on the first page was not kept');
  // A wrong code is refused with a message, not a crash.
  await other.goto(SURVEY);
  await other.fill('#code', 'ZZZZ-ZZZZ');
  const [res] = await Promise.all([other.waitForNavigation(), other.click('form[action$="/resume"] button')]);
  check(res.status() === 404, `a wrong code gave ${res.status()}`);
});

test('survey at 320 px: no horizontal scrolling, no squeezed controls (every page; the country page in 4 languages)', async (t) => {
  const page = await newPage(t, { viewport: { width: 320, height: 640 } });
  await page.goto(SURVEY);
  const urls = [SURVEY];
  const { pages, review } = await draftToReview(page, ANSWERS_KEYBOARD);
  const country = pages.find((u) => u.includes('/p/4?'));
  urls.push(...pages, review, ...['fr', 'de', 'pl'].map((l) => `${country}&lang=${l}`));
  const wide = [];
  for (const url of urls) {
    await page.goto(url);
    const sw = await page.evaluate(() => document.documentElement.scrollWidth);
    const where = `${new URL(url, t.base).pathname}${new URL(url, t.base).search}`;
    if (sw > 320) wide.push(`${where}: scrollWidth ${sw}`);
    // A long label must not squeeze its radio button or checkbox (1.25rem, as the stylesheet says).
    const squeezed = await page.evaluate(() => [...document.querySelectorAll('.choice input')]
      .map((el) => ({ id: el.id, w: el.getBoundingClientRect().width, want: parseFloat(getComputedStyle(document.documentElement).fontSize) * 1.25 }))
      .filter((c) => c.w < c.want - 0.5).map((c) => `${c.id} ${c.w.toFixed(1)} px`));
    if (squeezed.length) wide.push(`${where}: squeezed ${squeezed.join(', ')}`);
  }
  await page.goto(country);
  check((await page.locator('#f-country').count()) === 1, 'the country page has no country list');
  await page.screenshot({ path: path.join(outDir, 'survey-320.png'), fullPage: true });
  check(wide.length === 0, wide.join('; '));
});

// ---- roles: what two accounts see --------------------------------------------------------------

const DEMO_PASSWORD = 'edubridge-demo';
const FORM_PAGE = '/forms/needs-survey';

// Signs in on the page the browser was sent to (/signin?next=...) and comes back where it was going.
async function signInHere(page, email) {
  check(new URL(page.url()).pathname === '/signin', `not on the sign-in page but at ${page.url()}`);
  await page.fill('#f-email', email);
  await page.fill('#f-password', DEMO_PASSWORD);
  await Promise.all([page.waitForURL((u) => new URL(u).pathname !== '/signin'), page.click('main form button[type="submit"]')]);
}

async function formLinks(page) {
  return page.locator('main a').evaluateAll((as) => as.map((a) => new URL(a.href).pathname));
}

test('roles: a coordinator reads submissions and downloads, a partner the summary only', async (t) => {
  const coord = await newPage(t, { acceptDownloads: true });
  await coord.goto(FORM_PAGE);
  check(new URL(coord.url()).search === `?next=${encodeURIComponent(FORM_PAGE)}`, `signed out, the form page led to ${coord.url()}`);
  await signInHere(coord, 'coordinator@demo.edubridge.test');
  check(new URL(coord.url()).pathname === FORM_PAGE, `after signing in the coordinator is at ${coord.url()}`);
  check((await coord.locator('header .account').textContent()).includes('Cora Coordinator'), 'the header does not name the coordinator');
  let links = await formLinks(coord);
  for (const want of ['summary', 'submissions', 'export.csv', 'export.xlsx', 'export.json'])
    check(links.includes(`${FORM_PAGE}/${want}`), `the coordinator has no link to ${want}: ${JSON.stringify(links)}`);
  await coord.screenshot({ path: path.join(outDir, 'roles-coordinator.png'), fullPage: true });
  // A download, with its file name.
  const [download] = await Promise.all([coord.waitForEvent('download'), coord.click(`a[href="${FORM_PAGE}/export.csv"]`)]);
  check(/^needs-survey-\d{4}-\d{2}-\d{2}\.csv$/.test(download.suggestedFilename()), `the download is named ${download.suggestedFilename()}`);
  const csv = fs.readFileSync(await download.path(), 'utf8');
  check(csv.split('\n').length > 100, `the CSV has ${csv.split('\n').length} lines, not one per demo answer`);
  // The submissions, one of them, and the button that corrects it.
  await Promise.all([coord.waitForURL(`**${FORM_PAGE}/submissions`), coord.click(`a[href="${FORM_PAGE}/submissions"]`)]);
  check((await h1Text(coord)) === 'Submissions', `the list's heading is ${await h1Text(coord)}`);
  await Promise.all([coord.waitForURL(`**${FORM_PAGE}/submissions/*`), coord.locator('main table a').first().click()]);
  check(await coord.getByRole('button', { name: 'Correct this submission' }).isVisible(), 'no button to correct the submission');

  const partner = await newPage(t);
  await partner.goto('/signin');
  await signInHere(partner, 'partner@demo.edubridge.test');
  const nav = await partner.locator('nav.main a').allTextContents();
  check(nav.map((s) => s.trim()).includes('Forms'), `the partner's navigation is ${JSON.stringify(nav)}`);
  await partner.goto(FORM_PAGE);
  links = await formLinks(partner);
  check(links.includes(`${FORM_PAGE}/summary`), `the partner has no link to the summary: ${JSON.stringify(links)}`);
  for (const not of ['submissions', 'export.csv', 'export.xlsx', 'export.json'])
    check(!links.includes(`${FORM_PAGE}/${not}`), `the partner is offered ${not}`);
  await partner.screenshot({ path: path.join(outDir, 'roles-partner.png'), fullPage: true });
  await Promise.all([partner.waitForURL(`**${FORM_PAGE}/summary`), partner.click(`a[href="${FORM_PAGE}/summary"]`)]);
  check((await h1Text(partner)) === 'Summary of the answers', `the summary's heading is ${await h1Text(partner)}`);
  check((await partner.locator('main table').count()) > 0, 'the summary shows no table');
  // What the page does not offer is refused when asked for by its address.
  for (const url of [`${FORM_PAGE}/submissions`, `${FORM_PAGE}/export.csv`, '/admin/outbox']) {
    const res = await partner.goto(url);
    check(res.status() === 403, `${url} answered ${res.status()} to the partner`);
    check((await h1Text(partner)) === 'Access refused', `${url}: the partner reads "${await h1Text(partner)}"`);
  }
});

// ---- the need index and the selection (issue 5) ------------------------------------------------

test('need ranking: from the programme to one institution\'s explained score', async (t) => {
  const page = await newPage(t);
  await page.goto('/programmes/bridging-2026');
  await signInHere(page, 'coordinator@demo.edubridge.test');
  await Promise.all([page.waitForURL('**/programmes/bridging-2026/need?campaign=*'),
    page.getByRole('link', { name: /^Need ranking/ }).first().click()]);
  check((await h1Text(page)) === 'Need ranking', `the ranking's heading is ${await h1Text(page)}`);
  const rows = page.locator('main table.ranking tbody tr');
  check((await rows.count()) === 100, `the first page of the ranking has ${await rows.count()} rows, not 100`);
  const intervals = await page.locator('main table.ranking svg.interval').count();
  check(intervals > 90, `only ${intervals} rows draw their 90% interval`);
  const ranks = await page.locator('main table.ranking tbody tr td:first-child').allTextContents();
  check(ranks[0].trim() === '1', `the first row's rank is ${ranks[0]}`);
  const problems = [];
  const lesser = [];
  await axeProblems(page, 'ranking', problems, lesser);
  await page.screenshot({ path: path.join(outDir, 'need-ranking.png'), fullPage: false });
  // The first institution's explanation: its points add up to its score.
  const score = Number((await rows.first().locator('td').nth(3).textContent()).trim());
  await Promise.all([page.waitForURL('**/need/*'), rows.first().locator('a').click()]);
  const points = (await page.locator('main table tbody tr td:last-child').allTextContents())
    .map((s) => Number(s.trim())).filter((x) => !Number.isNaN(x));
  const sum = points.reduce((a, b) => a + b, 0);
  check(points.length >= 5, `the explanation lists ${points.length} indicators`);
  check(Math.abs(sum - score) < 0.2, `the points add up to ${sum}, the ranking says ${score}`);
  await axeProblems(page, 'explanation', problems, lesser);
  for (const l of lesser) console.log(`# axe, minor or moderate: ${l}`);
  await page.screenshot({ path: path.join(outDir, 'need-explanation.png'), fullPage: true });
  check(problems.length === 0, problems.join('; '));
}, 60_000);

test('selection: the confirmed run explains itself; impossible rules are named; a new draft', async (t) => {
  const page = await newPage(t);
  await page.goto('/programmes/bridging-2026');
  await signInHere(page, 'coordinator@demo.edubridge.test');
  await Promise.all([page.waitForURL('**/programmes/bridging-2026/selections'),
    page.getByRole('link', { name: 'Selection runs and invitations' }).click()]);
  // The demo's confirmed run: ten places, one declined and taken by the reserve.
  await Promise.all([page.waitForURL('**/selections/*'), page.locator('main table a[href*="/selections/"]').first().click()]);
  const text = await page.locator('main').innerText();
  for (const want of ['Confirmed', 'Why it is in', 'The nearest left out', 'Reserve list', 'Declined', 'Took the place of', 'Reproducibility'])
    check(text.includes(want), `the confirmed run's page does not say "${want}"`);
  const problems = [];
  const lesser = [];
  await axeProblems(page, 'selection run', problems, lesser);
  await page.screenshot({ path: path.join(outDir, 'selection-run.png'), fullPage: true });
  // Impossible rules: every problem named, nothing to confirm.
  await page.goto('/programmes/bridging-2026/selections/new');
  // Forcing in an institution that gave no consent: a rule that cannot be met, named.
  await page.selectOption('#f-force', { label: 'Prenzlau STEM Club 166 (DE)' });
  await Promise.all([page.waitForLoadState('load'), page.click('main form button[type="submit"] >> nth=-1')]);
  const bad = await page.locator('main').innerText();
  check(/forced in but has not given consent/.test(bad), `impossible rules did not say why: ${bad.slice(0, 300)}`);
  check(!(await page.getByRole('button', { name: /^Confirm/ }).count()), 'an infeasible run offers to be confirmed');
  await axeProblems(page, 'infeasible run', problems, lesser);
  await page.screenshot({ path: path.join(outDir, 'selection-infeasible.png'), fullPage: true });
  // A feasible draft: ten chosen, with a button to confirm it.
  await page.goto('/programmes/bridging-2026/selections/new');
  await page.fill('#f-max_per_country', '1');
  await page.fill('#f-min_rural_percent', '50');
  await Promise.all([page.waitForLoadState('load'), page.click('main form button[type="submit"] >> nth=-1')]);
  const draft = await page.locator('main').innerText();
  check(draft.includes('Draft'), `the new run is not a draft: ${draft.slice(0, 200)}`);
  check((await page.getByRole('button', { name: /^Confirm/ }).count()) === 1, 'the draft offers no confirmation');
  for (const l of lesser) console.log(`# axe, minor or moderate: ${l}`);
  check(problems.length === 0, problems.join('; '));
}, 60_000);

// ---- reports (issue 6): printed to PDF on A4 ---------------------------------------------------

// A4 in PDF points, as Chromium writes it (210 x 297 mm: 595.28 x 841.89, Chromium rounds up).
function pdfPages(pdf) {
  const text = pdf.toString('latin1');
  const pages = (text.match(/\/Type\s*\/Page(?![a-zA-Z])/g) || []).length;
  const box = text.match(/\/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]/);
  return { pages, width: box ? Number(box[1]) : 0, height: box ? Number(box[2]) : 0 };
}

// Prints the page to PDF (A4) and checks it; then looks at the first printed page as a reader
// would: the print stylesheet applied (no header, navigation or footer), the heading at the top
// and wanted (a locator) within the first A4 page.
async function printReport(page, name, wanted) {
  const pdf = await page.pdf({ format: 'A4' });
  fs.writeFileSync(path.join(outDir, `${name}.pdf`), pdf);
  const p = pdfPages(pdf);
  check(pdf.subarray(0, 5).toString() === '%PDF-', `${name}: not a PDF`);
  check(p.pages >= 1, `${name}: the PDF has no page`);
  check(Math.abs(p.width - 595.3) < 2 && Math.abs(p.height - 841.9) < 2, `${name}: the page is ${p.width} x ${p.height} pt, not A4`);
  // A4 at 96 px per inch, less the report's margins (15 and 16 mm): what page one holds.
  await page.setViewportSize({ width: 794, height: 1123 });
  await page.emulateMedia({ media: 'print' });
  for (const sel of ['header.top', 'nav.main', 'footer', '.noprint'])
    for (const el of await page.locator(sel).all())
      check(!(await el.isVisible()), `${name}: "${sel}" shows in print`);
  const h1 = await page.locator('main h1').boundingBox();
  check(h1 && h1.y < 120, `${name}: the heading is not at the top of page one (y = ${h1 && h1.y})`);
  const pageOne = 1123 - Math.round((31 / 25.4) * 96);
  const box = await wanted.boundingBox();
  check(box && box.y + box.height <= pageOne, `${name}: ${await wanted.evaluate((e) => e.tagName)} ends at ${box && box.y + box.height} px, past page one (${pageOne} px)`);
  await page.screenshot({ path: path.join(outDir, `${name}-page1.png`), clip: { x: 0, y: 0, width: 794, height: 1123 } });
  return p;
}

test('report: the programme report prints on A4, its key figures on page one', async (t) => {
  const page = await newPage(t);
  await page.goto('/programmes/bridging-2026/report');
  await signInHere(page, 'coordinator@demo.edubridge.test');
  check((await h1Text(page)) === 'Programme report', `the report's heading is ${await h1Text(page)}`);
  const text = await page.locator('main').innerText();
  for (const want of ['Key figures', 'Coverage', 'Devices', 'Teacher training', 'Baseline and endline'])
    check(text.includes(want), `the programme report does not say "${want}"`);
  check((await page.locator('main svg.bars').count()) >= 2, 'the programme report draws no bar chart');
  check(!/style=/.test(await page.locator('main').innerHTML()), 'a style attribute: the CSP would refuse it');
  const problems = [];
  const lesser = [];
  await axeProblems(page, 'programme report', problems, lesser);
  await page.setViewportSize({ width: 320, height: 640 });
  const sw = await page.evaluate(() => document.documentElement.scrollWidth);
  check(sw <= 320, `the programme report at 320 px: scrollWidth ${sw} > 320`);
  const p = await printReport(page, 'report-programme', page.locator('main .keyfigures'));
  check(p.pages >= 2, `the programme report printed on ${p.pages} page(s)`);
  for (const l of lesser) console.log(`# axe, minor or moderate: ${l}`);
  check(problems.length === 0, problems.join('; '));
}, 60_000);

test('report: an institution report prints on A4, its profile on page one', async (t) => {
  const page = await newPage(t);
  await page.goto('/institutions?status=accepted');
  await signInHere(page, 'coordinator@demo.edubridge.test');
  const href = await page.locator('main table a[href^="/institutions/0"]').first().getAttribute('href');
  check(href, 'no accepted institution in the register');
  const res = await page.goto(`${href}/report`);
  check(res.status() === 200, `the institution report answered ${res.status()}`);
  const lead = await page.locator('main .lead').innerText();
  check(lead.includes('Institution report'), `the report's lead is "${lead}"`);
  const text = await page.locator('main').innerText();
  for (const want of ['Profile', 'Need index', 'Devices'])
    check(text.includes(want), `the institution report does not say "${want}"`);
  const problems = [];
  const lesser = [];
  await axeProblems(page, 'institution report', problems, lesser);
  await printReport(page, 'report-institution', page.locator('#h-profile'));
  for (const l of lesser) console.log(`# axe, minor or moderate: ${l}`);
  check(problems.length === 0, problems.join('; '));
}, 60_000);

// ---- the run ----------------------------------------------------------------------------------

async function main() {
  fs.mkdirSync(outDir, { recursive: true });
  tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'edubridge-browser-'));
  const db = path.join(tmpDir, 'demo.db');
  const demo = spawnSync(bin, ['demo', '--db', db], { encoding: 'utf8', timeout: 30_000 });
  if (demo.status !== 0) throw new Error(`edubridge demo failed (${demo.status}): ${demo.stderr || demo.error}`);

  const port = await startServer(db);
  const base = `http://127.0.0.1:${port}`;
  browser = await launchBrowser();

  let failed = 0;
  // BROWSER_ONLY=text runs only the tests whose name holds it (while working on one page).
  const only = process.env.BROWSER_ONLY;
  const chosen = only ? tests.filter((x) => x.name.includes(only)) : tests;
  for (const { name, fn, timeoutMs } of chosen) {
    const t = { base, contexts: [] };
    try {
      const t0 = Date.now();
      await withTimeout(fn(t), timeoutMs, 'the test');
      console.log(`browser ok - ${name}`);
      if (process.env.BROWSER_TIMES) console.log(`# ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    } catch (e) {
      failed++;
      const reason = String(e && e.message ? e.message : e).split('\n')[0];
      console.log(`browser FAIL - ${name}: ${reason}`);
    } finally {
      for (const c of t.contexts) await c.close().catch(() => {});
    }
  }
  console.log(`browser: ${chosen.length - failed} of ${chosen.length} passed; screenshots in ${outDir}`);
  if (failed) {
    console.log('# last lines from the server:');
    for (const l of serverLog) console.log(`#   ${l}`);
  }
  return failed ? 1 : 0;
}

let code = 1;
try {
  code = await main();
} catch (e) {
  console.log(`browser FAIL - setup: ${String(e && e.message ? e.message : e).split('\n')[0]}`);
  for (const l of serverLog) console.log(`#   ${l}`);
  code = 1;
} finally {
  await withTimeout(cleanup(), 15_000, 'cleanup').catch((e) => console.log(`# ${e.message}`));
  clearTimeout(guard);
}
process.exit(code);

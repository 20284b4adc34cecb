// edubridge in a real browser: Debian's Chromium driven by playwright-core.
//
// Makes a demo database, serves it on an ephemeral loopback port, and checks what a reader meets:
// the home page, keyboard use, the language links, the 404 page, a 320 px screen, axe-core's
// accessibility rules and a clean console. One line per test; exit status 1 when any test fails.
//
//   EDUBRIDGE_BIN=/path/to/edubridge OUT_DIR=/path/for/screenshots node run.mjs
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
const RUN_TIMEOUT_MS = 120_000;
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
const test = (name, fn) => tests.push({ name, fn });

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
  for (const { name, fn } of tests) {
    const t = { base, contexts: [] };
    try {
      await withTimeout(fn(t), 30_000, 'the test');
      console.log(`browser ok - ${name}`);
    } catch (e) {
      failed++;
      const reason = String(e && e.message ? e.message : e).split('\n')[0];
      console.log(`browser FAIL - ${name}: ${reason}`);
    } finally {
      for (const c of t.contexts) await c.close().catch(() => {});
    }
  }
  console.log(`browser: ${tests.length - failed} of ${tests.length} passed; screenshots in ${outDir}`);
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

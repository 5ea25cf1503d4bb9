// The browser check of the live dashboard (issue 11): starts `dueday serve --clock manual` on a free
// loopback port over a new store in a temporary folder, opens GET / in Debian's headless Chromium,
// posts commands and ticks from here while the page is open, and waits for the page to show them
// by itself (counts, the at-risk list, the latest alerts) without a reload. Then the same with a
// token: the page asks for it once and works with it. Fails (one line, exit 1) on
//   - any console message of level error or warning, any page error, any failed request,
//   - any request that is not to the service (each is aborted and counted),
//   - service text put into the page as markup (a unit named `<img src=x onerror=...>`),
//   - the page not showing a change within 10 s;
// keeps a PNG of the page for the CI log. Bounded: 60 s in all; the servers are stopped (SIGTERM,
// then SIGKILL) and the temporary folder removed whatever happens.
//
//   node check_dashboard.mjs DUEDAY OUTDIR
//
// Exit 77 (ctest's SKIP_RETURN_CODE) when Chromium or playwright-core is missing, unless CI or
// DUEDAY_BROWSER_REQUIRED is set: then that is a failure too.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const required = Boolean(process.env.CI || process.env.DUEDAY_BROWSER_REQUIRED);
const servers = [];
let work = '';
let browser;
const cleanup = () => {
  for (const s of servers) if (s.exitCode === null) s.kill('SIGKILL');
  if (work) rmSync(work, { recursive: true, force: true });
};
const fail = (why) => {
  console.error(`dashboard check failed: ${why}`);
  cleanup();
  process.exit(1);
};
const missing = (why, hint = './build.sh test installs it') => {
  console.error(`dashboard check ${required ? 'failed' : 'skipped'}: ${why} (${hint})`);
  process.exit(required ? 1 : 77);
};

const [dueday, outArg] = process.argv.slice(2);
if (!dueday || !outArg) {
  console.error('usage: node check_dashboard.mjs DUEDAY OUTDIR');
  process.exit(2);
}
const outdir = resolve(outArg);
if (!existsSync(dueday)) fail(`no such program: ${dueday}`);
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
if (!existsSync(executablePath)) missing(`${executablePath} not found (Debian package chromium)`);
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch {
  missing('playwright-core is not installed (npm ci --prefix tests/browser)');
}
const deadline = setTimeout(() => fail('did not finish within 60 s'), 60_000);
deadline.unref();

// `dueday serve` on port 0; resolves to its base URL once it says which port and answers /healthz.
async function serve(name, extra = []) {
  const db = join(work, `${name}.db`);
  const child = spawn(dueday, ['serve', '--db', db, '--listen', '127.0.0.1:0', '--clock', 'manual', ...extra],
                      { stdio: ['ignore', 'ignore', 'pipe'] });
  servers.push(child);
  let said = '';
  const port = await new Promise((ok, no) => {
    child.stderr.on('data', (d) => {
      said += d;
      const m = /serving 127\.0\.0\.1:(\d+)/.exec(said);
      if (m) ok(Number(m[1]));
    });
    child.on('exit', (code) => no(new Error(`dueday serve exited ${code}: ${said.trim()}`)));
    setTimeout(() => no(new Error(`dueday serve said nothing in 10 s: ${said.trim()}`)), 10_000).unref();
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return { base, child };
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${base}/healthz did not answer`);
}

async function stop(child) {
  if (child.exitCode !== null) return child.exitCode;
  const done = new Promise((r) => child.on('exit', (code) => r(code)));
  child.kill('SIGTERM');
  const code = await Promise.race([done, new Promise((r) => setTimeout(() => r('timeout'), 5_000))]);
  if (code === 'timeout') {
    child.kill('SIGKILL');
    throw new Error('dueday serve did not stop within 5 s of SIGTERM');
  }
  return code;
}

// Posts commands (JSON Lines) or a tick; fails unless every command is accepted.
async function send(base, path, lines, token = '') {
  const headers = { 'Content-Type': 'application/x-ndjson' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const r = await fetch(`${base}${path}`, { method: 'POST', headers, body: lines.map((l) => JSON.stringify(l)).join('\n') });
  const text = await r.text();
  if (r.status !== 200 || /"outcome":"(rejected|duplicate)"/.test(text)) fail(`POST ${path}: ${r.status} ${text.trim()}`);
}

// Opens the dashboard in a fresh context that may reach `base` only; returns the page and its problems.
async function open(base) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  const problems = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${base}/`)) return route.continue();
    problems.push(`request outside the service: ${url}`);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => { problems.push(`a dialog opened: ${d.message()}`); d.dismiss().catch(() => {}); });
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  await page.goto(`${base}/`, { waitUntil: 'load', timeout: 15_000 });
  await page.evaluate(() => { window.dashboardMark = 'not reloaded'; });
  return { context, page, problems };
}

// Waits (10 s at most) until `test` holds in the page; `what` names it in the failure.
async function until(page, what, test, arg) {
  try {
    await page.waitForFunction(test, arg, { timeout: 10_000, polling: 100 });
  } catch {
    fail(`the page did not show ${what} within 10 s`);
  }
}
const cell = (variant, step, column) =>
  `#counts-body tr[data-variant="${variant}"][data-step="${step}"] td:nth-child(${column})`;
const text = (selector) => document.querySelector(selector)?.textContent ?? '';

const hostile = '<img src=x onerror=alert(1)>';
const w1 = [
  { type: 'open', case: 'W-1', at: '2026-10-12T09:00', policy: 'kunming-water-490', variant: 'no-external',
    units: { survey: hostile, connect: '昆明自来水集团有限公司', overall: '昆明自来水集团有限公司' } },
  { type: 'start', case: 'W-1', step: 'survey', at: '2026-10-12T09:00' },
];

try {
  work = mkdtempSync(join(tmpdir(), 'dueday-dashboard-'));
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  browser = await chromium.launch({ executablePath, headless: true, chromiumSandbox: !asRoot, timeout: 30_000 });

  // 1. No token: the page follows the commands as they come.
  const open1 = await serve('open');
  const { context, page, problems } = await open(open1.base);
  await until(page, 'the empty store (0 open)', (s) => document.querySelector(s)?.textContent === '0', '#open-total');
  await send(open1.base, '/v1/commands', w1);
  await until(page, 'the opened case (1 open, survey running 1)',
              ([a, b]) => document.querySelector(a)?.textContent === '1' && document.querySelector(b)?.textContent === '1',
              ['#open-total', cell('no-external', 'survey', 3)]);
  // Wednesday 09:30: 14.5 h of the survey's 2 WD (from Tuesday 00:00, the civil rule) left, under
  // the yellow level's 1 WD.
  await send(open1.base, '/v1/tick', [{ at: '2026-10-14T09:30' }]);
  await until(page, 'W-1 at risk with a yellow card, and the alert',
              () => document.querySelector('#risk-body tr[data-case="W-1"] .chip.warning') !== null &&
                    document.querySelector('#alerts-list li .chip.warning') !== null);
  // Thursday 10:00: 10 h past due (Thursday 00:00), a red card.
  await send(open1.base, '/v1/tick', [{ at: '2026-10-15T10:00' }]);
  await until(page, 'W-1 overdue with a red card', (s) =>
    document.querySelector('#risk-body tr[data-case="W-1"] .chip.overdue') !== null && document.querySelector(s)?.textContent === '1',
  cell('no-external', 'survey', 7));
  const seen = await page.evaluate(() => ({
    mark: window.dashboardMark,
    unit: document.querySelector('#risk-body tr[data-case="W-1"] td:nth-child(4)')?.textContent,
    injected: document.querySelectorAll('main img, main script').length,
    left: document.querySelector('#risk-body tr[data-case="W-1"] td:nth-child(5)')?.textContent,
    alerts: document.querySelectorAll('#alerts-list li').length,
    circular: document.getElementById('circular').getAttribute('href'),
    at: document.getElementById('at').textContent,
  }));
  if (seen.mark !== 'not reloaded') fail('the page reloaded');
  if (seen.unit !== hostile || seen.injected !== 0) fail(`the unit's text was not shown as text: ${seen.unit}`);
  if (seen.left !== '-0.42') fail(`W-1 shows ${seen.left} working days left, not -0.42 (10 h of 24 h past due)`);
  if (seen.alerts !== 2) fail(`${seen.alerts} alerts listed, not 2 (yellow, red)`);
  if (seen.circular !== '/v1/reports/2026-10') fail(`the circular's link is ${seen.circular}`);
  if (seen.at !== '2026-10-15 10:00') fail(`the page is as of ${seen.at}`);
  const circular = await fetch(`${open1.base}${seen.circular}`);
  if (circular.status !== 200 || !(await circular.text()).includes('<html')) fail(`the circular's link answers ${circular.status}`);
  mkdirSync(outdir, { recursive: true });
  const png = join(outdir, 'dashboard.png');
  await page.screenshot({ path: png, fullPage: true });
  if (problems.length) fail(`${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`);
  await context.close();

  // 2. With a token: the page asks for it, keeps it for the tab, and every fetch carries it.
  const token = 'dashboard-check-token-0123456789';
  const tokenFile = join(work, 'token');
  writeFileSync(tokenFile, `${token}\n`);
  const guarded = await serve('guarded', ['--token-file', tokenFile]);
  const second = await open(guarded.base);
  await until(second.page, 'the token form', () => !document.getElementById('token').hidden);
  await second.page.fill('#token-input', token);
  await second.page.click('#token button');
  await until(second.page, 'the guarded store (0 open)', (s) => document.querySelector(s)?.textContent === '0', '#open-total');
  await send(guarded.base, '/v1/commands', w1, token);
  await until(second.page, 'the opened case behind the token', (s) => document.querySelector(s)?.textContent === '1', '#open-total');
  if (second.problems.length) fail(`with a token: ${second.problems[0]}`);
  await second.context.close();
  await browser.close();
  browser = undefined;

  for (const s of [open1, guarded]) {
    const code = await stop(s.child);
    if (code !== 0) fail(`dueday serve exited ${code} after SIGTERM`);
  }
  console.log(`png: ${png}`);
  console.log('dashboard check ok: counts, at-risk list and alerts followed 3 posts without a reload; ' +
              'the token asked once and sent; no console error, no failed or outside request');
  cleanup();
  process.exit(0);  // not waiting for idle keep-alive sockets of fetch to time out
} catch (e) {
  fail(e.message.split('\n')[0]);
} finally {
  await browser?.close();
}

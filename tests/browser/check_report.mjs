// The browser check of the HTML circular (issue 9): opens it in Debian's headless Chromium with a
// fresh profile and no network, and fails (one line, exit 1) on
//   - any request that is not file:// (each is aborted and counted),
//   - any console message of level error or warning, or any page error,
//   - `fc-match :lang=zh-cn family` not naming a CJK family, or a Chinese text drawn in no CJK font,
//   - a figure (svg.figure) without drawn marks, a table without body rows, an empty part 五;
// then prints it to an A4 PDF and keeps a PNG of the first page, printing both paths and a summary.
//
//   node check_report.mjs CIRCULAR.html OUTDIR
//
// Exit 77 (ctest's SKIP_RETURN_CODE) when Chromium or playwright-core is missing, unless CI or
// DUEDAY_BROWSER_REQUIRED is set: then that is a failure too.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const required = Boolean(process.env.CI || process.env.DUEDAY_BROWSER_REQUIRED);
const fail = (why) => {
  console.error(`browser check failed: ${why}`);
  process.exit(1);
};
const missing = (why, hint = './build.sh test installs it') => {
  console.error(`browser check ${required ? 'failed' : 'skipped'}: ${why} (${hint})`);
  process.exit(required ? 1 : 77);
};

const [htmlArg, outArg] = process.argv.slice(2);
if (!htmlArg || !outArg) {
  console.error('usage: node check_report.mjs CIRCULAR.html OUTDIR');
  process.exit(2);
}
const html = resolve(htmlArg);
const outdir = resolve(outArg);
if (!existsSync(html)) fail(`no such file: ${html}`);
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
if (!existsSync(executablePath)) missing(`${executablePath} not found (Debian package chromium)`);
// playwright-core is pinned to 1.61, the last release that runs on Node 18 (Debian 12's own nodejs;
// 1.62 and later need 20): the check must pass with nothing but Debian's packages.
const nodeMajor = Number(process.versions.node.split('.')[0]);
if (nodeMajor < 18) missing(`playwright-core 1.61 needs Node.js 18 or later, this is ${process.versions.node}`, 'install Node.js 18');
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch {
  missing('playwright-core is not installed (npm ci --prefix tests/browser)');
}

// Bounded in time: a hung browser fails the check instead of the ctest timeout killing it silently.
const deadline = setTimeout(() => fail('did not finish within 90 s'), 90_000);
deadline.unref();

// The font fontconfig gives Chinese text. Without a CJK font Chromium draws tofu boxes, and a
// Latin family here means exactly that (fc-match "sans-serif:lang=zh-cn" -> Liberation Sans).
const cjk = /Noto (Sans|Serif) CJK|Source Han|WenQuanYi|AR PL|Droid Sans Fallback|LXGW|Sarasa/i;
let fcFamily = '';
try {
  fcFamily = execFileSync('fc-match', [':lang=zh-cn', 'family'], { encoding: 'utf8' }).trim();
} catch (e) {
  fail(`fc-match did not run: ${e.message.split('\n')[0]}`);
}
if (!cjk.test(fcFamily)) fail(`fc-match :lang=zh-cn gives "${fcFamily}", not a CJK family (install fonts-noto-cjk)`);

// Root has no user namespace sandbox to drop into: Chromium refuses to start as root unless told
// --no-sandbox. playwright-core adds that flag whenever chromiumSandbox is false, so keep the sandbox
// for ordinary users and drop it only as root (CI containers, ./build.sh as root). The page is a
// local file with every network request refused, so nothing untrusted runs in the unsandboxed renderer.
const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const problems = [];
const blocked = [];
let browser;
try {
  browser = await chromium.launch({ executablePath, headless: true, chromiumSandbox: !asRoot, timeout: 30_000 });
} catch (e) {
  fail(`chromium did not start: ${e.message.split('\n')[0]}`);
}
try {
  // A new context is a fresh, empty profile: no cache, cookies or extensions.
  const context = await browser.newContext({ viewport: { width: 794, height: 1123 }, deviceScaleFactor: 1.5, locale: 'zh-CN' });
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    blocked.push(url);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    if (!r.url().startsWith('file:') && !blocked.includes(r.url())) blocked.push(r.url());
  });
  await page.goto(pathToFileURL(html).href, { waitUntil: 'load', timeout: 30_000 });
  await page.evaluate(() => document.fonts.ready.then(() => undefined));

  const dom = await page.evaluate(() => {
    const marks = 'rect,line,path,polygon,polyline,circle,ellipse';
    const figures = [...document.querySelectorAll('svg.figure')].map((s) => {
      const box = s.getBoundingClientRect();
      return { id: s.dataset.figure, marks: s.querySelectorAll(marks).length, texts: s.querySelectorAll('text').length,
               title: Boolean(s.querySelector('title')), width: box.width, height: box.height };
    });
    const tables = [...document.querySelectorAll('table')].map((t) => ({
      id: t.closest('[data-table]')?.dataset.table ?? '?', rows: t.querySelectorAll('tbody tr').length }));
    const named = document.querySelector('#part-5');
    // The named units' sentences (or the no-late sentence), as drawn: hidden paragraphs do not count.
    const namedText = named ? [...named.querySelectorAll('p.named-unit, p.no-late')]
      .filter((p) => p.getClientRects().length > 0).map((p) => p.textContent.trim()).filter(Boolean) : [];
    return { lang: document.documentElement.lang, title: document.title, figures, tables, named: namedText,
             sections: ['part-1', 'part-2', 'part-3', 'part-4', 'part-5', 'part-6', 'annex-1', 'annex-2', 'annex-3']
               .filter((id) => !document.getElementById(id)) };
  });
  if (dom.lang !== 'zh-CN') problems.push(`<html lang> is "${dom.lang}", not zh-CN`);
  if (dom.sections.length) problems.push(`missing sections: ${dom.sections.join(', ')}`);
  if (dom.figures.length < 4) problems.push(`only ${dom.figures.length} figures`);
  for (const f of dom.figures) {
    if (!f.title) problems.push(`figure ${f.id} has no <title>`);
    if (f.marks === 0 || f.texts === 0) problems.push(`figure ${f.id} drew nothing`);
    if (f.width < 100 || f.height < 30) problems.push(`figure ${f.id} is ${f.width}x${f.height} px`);
  }
  if (dom.tables.length === 0) problems.push('no tables');
  for (const t of dom.tables) if (t.rows === 0) problems.push(`table ${t.id} has no body rows`);
  if (dom.named.length === 0) problems.push('part 五 (named units) is empty');

  // The fonts Chromium actually drew Chinese text with, for the title, a table cell and a figure label.
  const cdp = await context.newCDPSession(page);
  await cdp.send('DOM.enable');
  await cdp.send('CSS.enable');
  const { root } = await cdp.send('DOM.getDocument', { depth: -1 });
  const drawn = new Set();
  for (const selector of ['h1', 'p.to', 'td', 'svg.figure text']) {
    const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector });
    if (!nodeId) continue;
    const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
    const families = fonts.map((f) => f.familyName);
    families.forEach((f) => drawn.add(f));
    if (!families.some((f) => cjk.test(f))) problems.push(`${selector} drawn in ${families.join(', ') || 'no font'}, no CJK font`);
  }

  if (blocked.length) problems.push(`${blocked.length} network request(s), first ${blocked[0]}`);
  if (problems.length) fail(`${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`);

  mkdirSync(outdir, { recursive: true });
  const png = join(outdir, 'circular-page1.png');
  const pdf = join(outdir, 'circular.pdf');
  await page.pdf({ path: pdf, format: 'A4', printBackground: true, preferCSSPageSize: true });
  // The first printed page, rasterised from the PDF by poppler's pdftoppm (poppler-utils); without
  // it, the first A4-high screenful as the screen style shows it.
  let pngFrom = 'pdf page 1';
  try {
    execFileSync('pdftoppm', ['-png', '-r', '110', '-f', '1', '-l', '1', '-singlefile', pdf, png.replace(/\.png$/, '')],
                 { stdio: 'ignore', timeout: 30_000 });
  } catch {
    pngFrom = 'screen';
    await page.screenshot({ path: png, clip: { x: 0, y: 0, width: 794, height: 1123 } });
  }
  // Every page A4 (595 x 842 pt), portrait, or landscape for the attachment's wide tables.
  const boxes = [...readFileSync(pdf, 'latin1').matchAll(/\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/g)]
    .map((m) => [Math.round(Number(m[1])), Math.round(Number(m[2]))]);
  const pages = boxes.length;
  if (pages < 2) fail(`the PDF has ${pages} page(s)`);
  const a4 = ([w, h]) => (w === 595 && h === 842) || (w === 842 && h === 595);
  if (!boxes.every(a4)) fail(`a PDF page is not A4: ${boxes.find((b) => !a4(b)).join(' x ')} pt`);
  if (boxes[0][0] !== 595) fail('the first page is not A4 portrait');
  const landscape = boxes.filter(([w]) => w === 842).length;
  console.log(`pdf: ${pdf}`);
  console.log(`png: ${png} (${pngFrom})`);
  console.log(`browser check ok: ${dom.figures.length} figures, ${dom.tables.length} tables, ${dom.named.length} ` +
              `named-unit paragraph(s), ${pages} A4 pages (${landscape} landscape), fc-match ${fcFamily}, drawn in ${[...drawn].join(' / ')}, ` +
              `0 network requests`);
} catch (e) {
  fail(e.message.split('\n')[0]);
} finally {
  await browser?.close();
}

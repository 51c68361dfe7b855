// Shared helpers for the end-to-end tests and the benchmark: paths, launching Debian's
// Chromium headless, a context that refuses (and records) every request that is not to
// 127.0.0.1, and the app's DOM contract (see README.md).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from './server.mjs';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(HERE, '../..');
export const DIST = path.resolve(process.env.FACESORT_DIST || path.join(REPO, 'dist'));
export const PREFIX = process.env.FACESORT_PREFIX || '/';
export const ARTIFACTS = path.resolve(process.env.FACESORT_ARTIFACTS || path.join(REPO, 'target/e2e'));
export const PHOTOS = path.join(REPO, 'tests/photos');
/** Where the development set is looked for, and the set itself (null if it has no labels.csv). */
export const DEV_SET_PATH = path.resolve(process.env.FACESORT_DEV_SET || path.join(REPO, '../shared/facedata/dev'));
export const DEV_SET = fs.existsSync(path.join(DEV_SET_PATH, 'labels.csv')) ? DEV_SET_PATH : null;
/** How long one sort of up to ~20 photos may take (model loading included). */
export const SORT_TIMEOUT = Number(process.env.FACESORT_SORT_TIMEOUT_S || 120) * 1000;
export const ALLOWED_HOST = '127.0.0.1';

/** A browser's executable: `$ENV_VAR` if set, else the first of `names` on PATH. */
function browserPath(envVar, names) {
  if (process.env[envVar]) return process.env[envVar];
  try {
    return execFileSync('sh', ['-c', names.map((n) => `command -v ${n}`).join(' || ')], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`${names[0]} is not on PATH: run scripts/install-browser.sh (or set ${envVar})`);
  }
}

export const chromiumPath = () => browserPath('CHROMIUM_PATH', ['chromium']);
/** Debian's Firefox ESR, for firefox.test.mjs. */
export const firefoxPath = () => browserPath('FIREFOX_PATH', ['firefox-esr', 'firefox']);

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
  // Belt and braces for the privacy check: no host name resolves at all, so even a request
  // that escaped routing could not leave the machine.
  `--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE ${ALLOWED_HOST}`,
];

/** Launches Chromium headless; Playwright gives it a fresh temporary user-data-dir. */
export async function launchBrowser() {
  return chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, timeout: 60_000 });
}

export function isAllowedUrl(url) {
  if (url.startsWith('data:') || url.startsWith('blob:')) return true;
  try {
    const u = new URL(url);
    return (u.protocol === 'http:' || u.protocol === 'https:' || u.protocol === 'ws:' || u.protocol === 'wss:')
      && u.hostname === ALLOWED_HOST;
  } catch {
    return false;
  }
}

/**
 * A new browser context whose every request (pages, dedicated and service workers) is
 * recorded; requests to anything but 127.0.0.1 are aborted and recorded as blocked.
 * `assertPrivate()` fails if anything left 127.0.0.1. Console messages and page errors are
 * kept for failure reports.
 */
export async function guardedContext(browser, options = {}) {
  return guard(await browser.newContext({ ...CONTEXT_OPTIONS, ...options }));
}

const CONTEXT_OPTIONS = { acceptDownloads: true, viewport: { width: 1280, height: 900 } };

/**
 * A guarded context on a user profile kept on disk, for benchmarks of large libraries:
 * `browser.newContext()` is an off-the-record profile, whose IndexedDB lives in the browser
 * process's memory (at 13,000 photos, 1.6 GB of it) with an in-memory database's speed; no
 * user's library is kept like that. `close()` closes the browser and deletes the profile.
 */
export async function guardedProfile(options = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facesort-profile-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: chromiumPath(), args: CHROMIUM_ARGS, timeout: 60_000, ...CONTEXT_OPTIONS, ...options,
  });
  const guarded = await guard(context);
  return {
    ...guarded,
    /** The browser's version, as Playwright's `browser.version()` gives it. */
    version: () => execFileSync(chromiumPath(), ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).match(/\d[\d.]*/)?.[0] ?? 'unknown',
    async close() {
      await context.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function guard(context) {
  // Headless runs cannot drive the browser's file pickers. The save-file picker is taken away
  // (the app then offers downloads, as in browsers without it), and the folder picker hands out
  // folders of the origin's private file system named by window.pickedFolderName: real handles
  // the app reads and writes through.
  await context.addInitScript(() => {
    Object.defineProperty(window, 'showSaveFilePicker', { value: undefined, configurable: true, writable: true });
    if ('showDirectoryPicker' in window) {
      window.showDirectoryPicker = async () => (await navigator.storage.getDirectory())
        .getDirectoryHandle(window.pickedFolderName ?? 'Picked', { create: true });
    }
  });
  const requests = [], blocked = [], log = [];
  context.on('request', (r) => requests.push(r.url()));
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (isAllowedUrl(url)) return route.continue();
    blocked.push(url);
    return route.abort('blockedbyclient');
  });
  await context.routeWebSocket(() => true, (ws) => {
    if (isAllowedUrl(ws.url())) return ws.connectToServer();
    blocked.push(ws.url());
    ws.close({ code: 1008, reason: 'blocked by the e2e privacy guard' });
  });
  context.on('page', (page) => {
    page.on('console', (m) => log.push(`[console.${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => log.push(`[pageerror] ${e.stack || e}`));
    page.on('crash', () => log.push('[crash] the page crashed'));
    page.on('websocket', (ws) => requests.push(ws.url()));
  });
  return {
    context, requests, blocked, log,
    assertPrivate() {
      const foreign = [...new Set([...requests.filter((u) => !isAllowedUrl(u)), ...blocked])];
      if (foreign.length) throw new Error(`requests left ${ALLOWED_HOST}:\n  ${foreign.join('\n  ')}`);
      if (!requests.length) throw new Error('no requests were recorded at all: the recorder is broken');
    },
  };
}

// ---------------------------------------------------------------------------------------
// The app's DOM contract (accessible names exact):
// - inputs: input[type=file][aria-label="Choose photos"] (multiple), [aria-label="Choose a folder"]
//   (webkitdirectory); drop zone [data-testid=drop-zone] aria-label "Drop photos or a folder here".
// - body[data-state]: loading (until the app has mounted) -> idle -> loading-models -> sorting -> done.
// - while sorting: [role=progressbar][aria-label="Sorting progress"] (aria-valuenow/-max),
//   [data-testid=progress-text], button "Cancel".
// - [data-testid=skipped-note] names skipped non-images; list "Files that failed", items "NAME: reason".
// - list "People": [role=listitem] children by photo count (desc), each with a button
//   "Person 1, 2 photos" ("1 photo"); button "Photos without faces, N photos" if any;
//   button "Download everything (zip)": zip of "<Person name>/<file>" and "no-faces/<file>".
// - album (click a person): h2 with the person's name; list "Photos of ..." whose items carry
//   data-file="<original file name>"; buttons "Download album (zip)" (<Person name>.zip, files at
//   top level), "Download face crops (zip)", "Back to people"; Escape also goes back.
// - editing: [data-testid=edit-note] (role=status) says what an edit did or why it was refused;
//   buttons "Undo …"/"Redo …" (named after the edit); album: textbox "Name" + "Rename", "Hide NAME",
//   checkboxes "Select FILE", combobox "Move to" + "Move", "Not this person"; grid: checkboxes
//   "Select NAME to merge", combobox "Name for the merged person" + "Merge"; "Other faces, N face(s)";
//   "Hidden people (N)" with "Show NAME". Find: "Find a person", input "Choose reference photos",
//   buttons "Use face I of FILE" (aria-pressed), slider "Minimum similarity", [data-testid=match-count],
//   list "Matches" (items data-file, data-similarity), "Download matches (zip)", "Save as a person".
// - window.facesortStats { workers, total, done, failed, startedMs, finishedMs, decodeMs, detectMs, embedMs }.

export const sel = {
  photosInput: 'input[type=file][aria-label="Choose photos"]',
  folderInput: 'input[type=file][aria-label="Choose a folder"]',
  dropZone: '[data-testid="drop-zone"]',
  progressbar: '[role=progressbar][aria-label="Sorting progress"]',
  progressText: '[data-testid="progress-text"]',
  skippedNote: '[data-testid="skipped-note"]',
};

export const peopleList = (page) => page.getByRole('list', { name: 'People', exact: true });
// (The failure list may sit in a collapsed <details>: hidden is fine.)
export const failedList = (page) => page.getByRole('list', { name: 'Files that failed', exact: true, includeHidden: true });
// A person's album, or the "Other faces" album.
export const albumList = (page) => page.getByRole('list', { name: /^(Photos of |Other faces$)/ });
export const button = (page, name) => page.getByRole('button', { name, exact: true });

/** The accessible name of the first element a locator matches. */
export async function accessibleName(locator) {
  const snap = await locator.first().ariaSnapshotJSON();
  const node = Array.isArray(snap) ? snap[0] : snap;
  return node?.name ?? '';
}

/** The text an element's aria-describedby points to (what a screen reader reads after its name). */
export async function accessibleDescription(locator) {
  return locator.first().evaluate((e) => (e.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean)
    .map((id) => document.getElementById(id)?.textContent.trim() ?? '').join(' '));
}

export async function gotoApp(page, url) {
  await page.goto(url);
  try {
    await page.waitForFunction(() => document.body?.dataset.state === 'idle', null, { timeout: 30_000 });
  } catch (e) {
    const state = await page.evaluate(() => document.body?.dataset.state).catch(() => '?');
    throw new Error(`the app did not reach body[data-state=idle] within 30 s (state: ${state})`, { cause: e });
  }
}

/** Waits for body[data-state=done]; on timeout the error tells where the app got to. */
export async function waitForDone(page, timeout = SORT_TIMEOUT) {
  try {
    await page.waitForFunction(() => document.body.dataset.state === 'done', null, { timeout, polling: 100 });
  } catch (e) {
    const where = await page.evaluate((s) => ({
      state: document.body.dataset.state,
      progress: document.querySelector(s)?.textContent?.trim(),
      stats: window.facesortStats,
    }), sel.progressText).catch(() => ({}));
    throw new Error(`sorting did not finish within ${timeout / 1000} s: ${JSON.stringify(where)}`, { cause: e });
  }
  await peopleList(page).or(button(page, /^Photos without faces, /)).first().waitFor({ timeout: 10_000 });
}

/** "Person 1, 2 photos" -> { name: 'Person 1', count: 2 } (and checks the singular/plural). */
export function parseCountName(label) {
  const m = /^(.+), (\d+) (photos?)$/.exec(label);
  if (!m) throw new Error(`accessible name ${JSON.stringify(label)} is not "NAME, N photo(s)"`);
  const count = Number(m[2]);
  if ((count === 1) !== (m[3] === 'photo')) throw new Error(`${JSON.stringify(label)}: wrong singular/plural`);
  return { name: m[1], count };
}

/** The people grid in order: [{ label, name, count, button }] (empty if there is no People list). */
export async function readPeople(page) {
  const list = peopleList(page);
  if (!(await list.count())) return [];
  // A large library shows its people a page at a time.
  const more = page.getByRole('button', { name: /^Show more people/ });
  while (await more.count()) await more.click();
  const items = directItems(list);
  const people = [];
  for (let i = 0, n = await items.count(); i < n; i++) {
    const btn = items.nth(i).getByRole('button', { name: /, \d+ photos?$/ }).first();
    const label = await accessibleName(btn);
    people.push({ label, ...parseCountName(label), button: btn });
  }
  return people;
}

/** A list's own items (not those of lists nested in them). */
export const directItems = (list) => list.locator(':scope > [role=listitem], :scope > li');

/** Renames the person labelled `from` (as the grid names them) to `to`, from their album. */
export async function rename(page, from, to) {
  await openAlbum(page, page.getByRole('button', { name: new RegExp(`^${from}, \\d+ photos?$`) }));
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill(to);
  await button(page, 'Rename').click();
  await page.getByRole('heading', { level: 2, name: to }).waitFor();
  await page.getByRole('button', { name: 'Back to people' }).click();
}

/** Opens an album (click, or Enter on the focused button); returns { headings: [visible h2 texts], files: [data-file...] }. */
export async function openAlbum(page, btn, { keyboard = false } = {}) {
  if (keyboard) await page.keyboard.press('Enter');
  else await btn.click();
  const list = albumList(page);
  await list.waitFor({ timeout: 10_000 });
  const headings = (await page.getByRole('heading', { level: 2 }).allInnerTexts()).map((s) => s.trim());
  return { headings, files: await albumFiles(page) };
}

export async function albumFiles(page) {
  return directItems(albumList(page)).evaluateAll((items) =>
    items.map((li) => li.dataset.file ?? li.querySelector('[data-file]')?.dataset.file ?? null));
}

export async function backToPeople(page, how = 'button') {
  if (how === 'escape') await page.keyboard.press('Escape');
  else await button(page, 'Back to people').click();
  await albumList(page).waitFor({ state: 'detached', timeout: 10_000 }).catch(async () => {
    await albumList(page).waitFor({ state: 'hidden', timeout: 1_000 });
  });
  await peopleList(page).waitFor({ timeout: 10_000 });
}

/**
 * Drops files on the drop zone the way a browser does: dragenter, dragover, drop with a
 * DataTransfer holding real File objects built in the page. (Synthetic DataTransfer items
 * have no file-system entry: webkitGetAsEntry() returns null, so the app must fall back to
 * getAsFile()/dataTransfer.files.) Returns whether dragover and drop were default-prevented.
 * `afterClicking`: a button clicked in the same task, just before the drop. `later`: the drop
 * is only staged, as `window.stagedDrop()`, for the page to run when a test needs it.
 */
export async function dropFiles(page, files, { afterClicking = null, later = false, zone = sel.dropZone } = {}) {
  const payload = files.map((f) => ({ name: f.name, type: f.mimeType, b64: Buffer.from(f.buffer).toString('base64') }));
  return page.evaluate(({ payload, zoneSel, afterClicking, later }) => {
    const dt = new DataTransfer();
    for (const f of payload) {
      const bin = atob(f.b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      dt.items.add(new File([bytes], f.name, { type: f.type }));
    }
    const zone = document.querySelector(zoneSel);
    if (!zone) throw new Error(`no ${zoneSel}`);
    const run = () => {
      // In the same task as the drop, so nothing the page does comes between.
      if (afterClicking) {
        const b = [...document.querySelectorAll('button')].find((e) => e.textContent.trim() === afterClicking);
        if (!b) throw new Error(`no button "${afterClicking}"`);
        b.click();
      }
      const init = { bubbles: true, cancelable: true, composed: true, dataTransfer: dt };
      zone.dispatchEvent(new DragEvent('dragenter', init));
      const over = new DragEvent('dragover', init);
      zone.dispatchEvent(over);
      const drop = new DragEvent('drop', init);
      zone.dispatchEvent(drop);
      return { dragoverPrevented: over.defaultPrevented, dropPrevented: drop.defaultPrevented };
    };
    if (!later) return run();
    window.stagedDrop = run;
    return null;
  }, { payload, zoneSel: zone, afterClicking, later });
}

/** A mirror image of a photo as PNG bytes, made by Chromium itself (OffscreenCanvas). */
export async function mirroredPng(page, buffer, mimeType) {
  const b64 = await page.evaluate(async ({ b64, mimeType }) => {
    const bin = atob(b64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    const bmp = await createImageBitmap(new Blob([bytes], { type: mimeType }));
    const canvas = new OffscreenCanvas(bmp.width, bmp.height);
    const ctx = canvas.getContext('2d');
    ctx.translate(bmp.width, 0);
    ctx.scale(-1, 1);
    ctx.drawImage(bmp, 0, 0);
    const out = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
    let s = '';
    for (let i = 0; i < out.length; i += 0x8000) s += String.fromCharCode(...out.subarray(i, i + 0x8000));
    return btoa(s);
  }, { b64: Buffer.from(buffer).toString('base64'), mimeType });
  return Buffer.from(b64, 'base64');
}

/**
 * Photos side by side, each scaled to its `height`, as one PNG made by Chromium itself
 * (a group photo of people whose single photos are labelled).
 */
export async function sideBySidePng(page, parts) {
  const b64 = await page.evaluate(async (parts) => {
    const bitmaps = await Promise.all(parts.map(async ({ b64, mimeType }) => {
      const bin = atob(b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      return createImageBitmap(new Blob([bytes], { type: mimeType }));
    }));
    const widths = bitmaps.map((b, i) => Math.round(b.width * parts[i].height / b.height));
    const canvas = new OffscreenCanvas(widths.reduce((a, b) => a + b, 0), Math.max(...parts.map((p) => p.height)));
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#808080';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    let x = 0;
    bitmaps.forEach((b, i) => {
      ctx.drawImage(b, x, 0, widths[i], parts[i].height);
      x += widths[i];
    });
    const out = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
    let s = '';
    for (let i = 0; i < out.length; i += 0x8000) s += String.fromCharCode(...out.subarray(i, i + 0x8000));
    return btoa(s);
  }, parts.map(({ buffer, mimeType, height }) => ({ b64: Buffer.from(buffer).toString('base64'), mimeType, height })));
  return Buffer.from(b64, 'base64');
}

export function mimeOf(name) {
  const ext = path.extname(name).toLowerCase();
  return { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp', '.txt': 'text/plain' }[ext]
    ?? 'application/octet-stream';
}

export function fileFromDisk(file, name = path.basename(file)) {
  return { name, mimeType: mimeOf(name), buffer: fs.readFileSync(file) };
}

/** Clicks `trigger` (or runs it if a function), saves the download under ARTIFACTS/saveAs. */
export async function download(page, trigger, saveAs) {
  const [dl] = await Promise.all([
    page.waitForEvent('download', { timeout: 60_000 }),
    typeof trigger === 'function' ? trigger() : trigger.click(),
  ]);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, saveAs);
  await dl.saveAs(file);
  const failure = await dl.failure();
  if (failure) throw new Error(`download ${dl.suggestedFilename()} failed: ${failure}`);
  return { file, suggested: dl.suggestedFilename(), bytes: fs.readFileSync(file) };
}

export async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, name);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

// ---------------------------------------------------------------------------------------
// The development set.

/** Parses a CSV with a header row (quoted fields with "" escapes and embedded commas). */
export function parseCsv(text) {
  const rows = [];
  let row = [], field = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field); field = '';
      if (row.length > 1 || row[0] !== '') rows.push(row);
      row = [];
    } else field += c;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  const [header, ...body] = rows;
  return body.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
}

/**
 * The dev subset: identities sorted by name, the first `people` that have at least `per`
 * single-identity photos (person_count == 1, identity non-empty), the first `per` files of
 * each (sorted). Returns [{ identity, files: [relative paths] }].
 */
export function devSubset(setDir, { people = 5, per = 4 } = {}) {
  const rows = parseCsv(fs.readFileSync(path.join(setDir, 'labels.csv'), 'utf8'));
  const byId = new Map();
  for (const r of rows) {
    if (r.person_count !== '1' || !r.identity) continue;
    if (!byId.has(r.identity)) byId.set(r.identity, []);
    byId.get(r.identity).push(r.file);
  }
  return [...byId.keys()].sort()
    .filter((id) => byId.get(id).length >= per)
    .slice(0, people)
    .map((identity) => ({ identity, files: byId.get(identity).sort().slice(0, per) }));
}

/** `n` identities of a set with `per` photos each in which they are the only face (no strangers), sorted. */
export function singleFaceIdentities(setDir, n, per) {
  const byId = new Map();
  for (const r of parseCsv(fs.readFileSync(path.join(setDir, 'labels.csv'), 'utf8'))) {
    if (r.person_count !== '1' || r.max_faces !== '1' || !r.identity) continue;
    byId.set(r.identity, [...(byId.get(r.identity) ?? []), r.file]);
  }
  return [...byId].filter(([, f]) => f.length >= per).sort(([x], [y]) => x.localeCompare(y)).slice(0, n)
    .map(([identity, files]) => ({ identity, files: files.sort().slice(0, per) }));
}

/** Every image file of a set (SET/images/* if there is such a folder, else SET/*), sorted. */
export function setImages(setDir) {
  const dir = fs.existsSync(path.join(setDir, 'images')) ? path.join(setDir, 'images') : setDir;
  return fs.readdirSync(dir).filter((f) => /\.(jpe?g|png|gif|webp)$/i.test(f)).sort().map((f) => path.join(dir, f));
}

const slug = (s) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);

/**
 * Runs one test in a fresh guarded context and page with the app at `url` loaded. Whatever
 * happens, every request must have stayed on 127.0.0.1 (the privacy check, part of every
 * test) and the page must not have thrown; on failure a screenshot and the page's log are kept.
 */
export async function withAppAt(t, url, fn) {
  fs.rmSync(path.join(ARTIFACTS, `${slug(t.name)}-failure.png`), { force: true });
  const guard = await guardedContext(await sharedBrowser());
  const page = await guard.context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => { if (!/ResizeObserver loop/.test(String(e))) pageErrors.push(String(e.stack || e)); });
  const errors = [];
  try {
    await gotoApp(page, url);
    await fn(page, guard);
  } catch (e) {
    errors.push(e);
  }
  try { guard.assertPrivate(); } catch (e) { errors.push(e); }
  if (pageErrors.length) errors.push(new Error(`uncaught errors in the page:\n${pageErrors.join('\n')}`));
  t.diagnostic(`${guard.requests.length} requests, ${guard.blocked.length} blocked`);
  if (errors.length) {
    const shot = await screenshot(page, `${slug(t.name)}-failure.png`).catch(() => null);
    if (shot) t.diagnostic(`screenshot: ${shot}`);
    for (const line of guard.log.slice(-40)) t.diagnostic(line.slice(0, 500));
  }
  await guard.context.close();
  if (errors.length === 1) throw errors[0];
  if (errors.length) throw new AggregateError(errors, errors.map((e) => e.message).join('\n---\n'));
}

/**
 * Serves dist/ (under FACESORT_PREFIX) for one test file and shares one Chromium, started in
 * node:test's `before` and stopped in its `after`; `app.url` is the app's address.
 */
export function serveApp({ before, after }) {
  const app = { url: null };
  let server;
  before(async () => {
    server = await startServer({ root: DIST, prefix: PREFIX });
    app.url = server.url;
    await sharedBrowser();
  });
  after(async () => {
    await closeSharedBrowser();
    await server?.close();
  });
  return app;
}

let browserPromise;
/** One Chromium per test file, closed by `closeSharedBrowser()`. */
export function sharedBrowser() {
  browserPromise ??= launchBrowser();
  return browserPromise;
}
export async function closeSharedBrowser() {
  if (browserPromise) await (await browserPromise).close();
  browserPromise = undefined;
}

/** Waits until a run that finished after `since` (performance.now() in the page) is done. */
export async function waitForRunAfter(page, since, timeout = SORT_TIMEOUT) {
  await page.waitForFunction((t) => document.body.dataset.state === 'done'
    && (window.facesortStats?.finishedMs ?? 0) > t, since, { timeout, polling: 100 });
}

const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe-core's violations on the page as it stands, in the light and the dark colour scheme
 * (the page follows the system's): one line per rule, element and scheme.
 */
export async function axeViolations(page) {
  const lines = [];
  for (const colorScheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme });
    // Evaluated through the DevTools protocol, which the page's CSP does not govern.
    await page.evaluate(AXE);
    const { violations } = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
    lines.push(...violations.flatMap((v) => v.nodes.map((n) => `(${colorScheme}) [${v.impact}] ${v.id} (${v.help}): ${n.target.join(' ')}`)));
  }
  await page.emulateMedia({ colorScheme: 'light' });
  return lines;
}

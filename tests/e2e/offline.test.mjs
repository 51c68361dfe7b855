// Offline: after one visit the service worker (public/sw.js) has precached the whole build,
// so with the HTTP server shut down and the browser offline a reload still loads the app,
// sorts photos and downloads zips; a new build is picked up cleanly ("Reload to update");
// and it all works from a sub-path.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { startServer } from './server.mjs';
import {
  DIST, PHOTOS, PREFIX, button, download, fileFromDisk, gotoApp, guardedContext, launchBrowser, readPeople, sel,
  waitForDone,
} from './lib.mjs';
import { verifyZipFile } from './zip.mjs';
import { writePrecache } from '../../scripts/sw-precache.mjs';

let browser;
before(async () => {
  if (!fs.existsSync(path.join(DIST, 'sw.js'))) throw new Error(`no ${DIST}/sw.js: build the app first (trunk build --release)`);
  browser = await launchBrowser();
});
after(async () => { await browser?.close(); });

const COLLINS = 'eileen_collins_nasa.png';
const CAMERAMAN = 'cameraman_cc0.png';
const ROCKET = 'rocket_spacex_pd.jpg';
const photos = () => [COLLINS, CAMERAMAN, ROCKET].map((f) => fileFromDisk(path.join(PHOTOS, f)));

const sha256 = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex');

/** The precache list the build hook wrote into DIR/sw.js: { version, dev, files: [[path, sha256]] }. */
function precacheOf(dir) {
  const m = /^const PRECACHE = (.*); \/\/ written by scripts\/sw-precache\.mjs$/m.exec(fs.readFileSync(path.join(dir, 'sw.js'), 'utf8'));
  assert.ok(m, `${dir}/sw.js has no precache line`);
  return JSON.parse(m[1]);
}

/** Every file of a built directory but sw.js (what must be precached), as '/'-separated paths. */
function distFiles(dir, base = '') {
  return fs.readdirSync(path.join(dir, base), { withFileTypes: true }).filter((e) => !e.name.startsWith('.'))
    .flatMap((e) => {
      const rel = base ? `${base}/${e.name}` : e.name;
      return e.isDirectory() ? distFiles(dir, rel) : [rel];
    }).filter((f) => f !== 'sw.js').sort();
}

/**
 * Waits (at most `timeout`) until a service worker controls the page, then returns its
 * registration's scope, the controller's script and every facesort cache with its URLs.
 */
async function offlineState(page, timeout = 90_000) {
  return page.evaluate(async (timeout) => {
    const timer = new Promise((_, reject) => setTimeout(
      () => reject(new Error(`no service worker controls the page after ${timeout / 1000} s`)), timeout));
    const ready = (async () => {
      const reg = await navigator.serviceWorker.ready;
      if (!navigator.serviceWorker.controller) {
        await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
      }
      return reg;
    })();
    const reg = await Promise.race([ready, timer]);
    const result = { scope: reg.scope, controller: navigator.serviceWorker.controller.scriptURL, waiting: !!reg.waiting, caches: {} };
    for (const name of (await caches.keys()).filter((n) => n.startsWith('facesort-'))) {
      result.caches[name] = (await (await caches.open(name)).keys()).map((r) => r.url).sort();
    }
    return result;
  }, timeout);
}

/**
 * Asserts that exactly one facesort cache exists, for `dir`'s version, holding every file of
 * `dir` (the listed ones, and sw.js itself, which a gallery exported offline copies).
 */
function assertPrecached(state, dir, url) {
  const { version } = precacheOf(dir);
  const expected = [...distFiles(dir), 'sw.js'].map((f) => new URL(f, url).href).sort();
  assert.deepEqual(Object.keys(state.caches), [`facesort-${version}`], 'facesort caches');
  assert.deepEqual(state.caches[`facesort-${version}`], expected, 'the cache does not hold exactly the files of the build');
  return version;
}

/**
 * Cuts the network for real: the HTTP server is shut down and the context goes offline.
 * Returns a list that collects every response not served by the service worker and every
 * failed request from then on (both must stay empty).
 */
async function cutNetwork(context, server) {
  await server.close();
  await context.setOffline(true);
  const leaks = [];
  context.on('response', (r) => {
    if (!r.fromServiceWorker() && !/^(data|blob):/.test(r.url())) leaks.push(`not from the service worker: ${r.url()}`);
  });
  context.on('requestfailed', (r) => {
    // A frame's request that the service worker answered with a streamed download ends, for
    // the frame, as aborted (the download took it over). Offline, the network would have
    // failed it otherwise (ERR_INTERNET_DISCONNECTED), and no zip would have been saved.
    const handedToDownload = /\/download\/[0-9a-f]{32}$/.test(r.url()) && r.failure()?.errorText === 'net::ERR_ABORTED';
    if (!handedToDownload) leaks.push(`failed: ${r.url()} (${r.failure()?.errorText})`);
  });
  return leaks;
}

async function withContext(t, fn) {
  const guard = await guardedContext(browser);
  const page = await guard.context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e.stack || e)));
  try {
    await fn(page, guard);
    assert.deepEqual(pageErrors, [], 'uncaught errors in the page');
    guard.assertPrivate();
    t.diagnostic(`${guard.requests.length} requests, ${guard.blocked.length} blocked`);
  } catch (e) {
    for (const line of guard.log.slice(-30)) t.diagnostic(line.slice(0, 400));
    throw e;
  } finally {
    await guard.context.close();
  }
}

test('after one visit the app reloads, sorts and zips with the server down and the browser offline', { timeout: 300_000 }, async (t) => {
  const server = await startServer({ root: DIST, prefix: PREFIX });
  try {
    await withContext(t, async (page, guard) => {
      await gotoApp(page, server.url);
      const state = await offlineState(page);
      const version = assertPrecached(state, DIST, server.url);
      t.diagnostic(`service worker ${state.controller}, cache facesort-${version}: ${state.caches[`facesort-${version}`].length} files`);

      const leaks = await cutNetwork(guard.context, server);
      await gotoApp(page, server.url);
      await page.locator(sel.photosInput).setInputFiles(photos());
      await waitForDone(page);
      const people = await readPeople(page);
      assert.deepEqual(people.map((p) => p.count), [1], 'one person (the cameraman\'s small turned face is an other face)');

      // Without a save-file picker the zip streams to disk through the service worker (a hidden
      // frame's request for download/<id>, answered by the worker with the zip as it is made):
      // offline, nothing else could answer it.
      const streamed = [];
      guard.context.on('request', (r) => { if (/\/download\/[0-9a-f]{32}$/.test(r.url())) streamed.push(r.url()); });
      const all = await download(page, button(page, 'Download everything (zip)'), 'offline-everything.zip');
      assert.equal(streamed.length, 1, 'the zip was not streamed through the service worker');
      const { files, unzip } = verifyZipFile(all.file, all.bytes);
      t.diagnostic(unzip ? 'unzip -t: No errors detected' : 'unzip not installed: checked by our own reader only');
      const byName = new Map([...files].map(([entry, data]) => [path.posix.basename(entry), { entry, data }]));
      assert.deepEqual([...byName.keys()].sort(), [COLLINS, CAMERAMAN, ROCKET].sort(), 'entries of the everything zip');
      assert.equal(byName.get(ROCKET).entry, `no-faces/${ROCKET}`);
      assert.equal(byName.get(CAMERAMAN).entry, `other-faces/${CAMERAMAN}`);
      for (const f of photos()) assert.ok(byName.get(f.name).data.equals(f.buffer), `${f.name} is not byte-identical in the zip`);

      // A gallery copies the app from the cache: every file of the build, with the guest's page.
      await page.getByText('Share a gallery…').click();
      const gallery = await download(page, button(page, 'Export gallery (zip)'), 'offline-gallery.zip');
      const copied = verifyZipFile(gallery.file, gallery.bytes).files;
      for (const f of distFiles(DIST).filter((f) => f !== 'index.html')) {
        const copy = copied.get(decodeURIComponent(f));
        assert.ok(copy?.equals(fs.readFileSync(path.join(DIST, decodeURIComponent(f)))), `the offline gallery's ${f} is not the build's`);
      }
      assert.match(copied.get('index.html').toString('utf8'), /<meta name="facesort-gallery" content="gallery\/gallery.json">/);
      assert.ok(copied.get('sw.js').toString('utf8').includes(`"${sha256(copied.get('index.html'))}"`), 'the gallery\'s sw.js lists its index.html');
      assert.ok(copied.has('gallery/gallery.json'));
      assert.deepEqual(leaks, [], 'requests reached the network after it was cut');
    });
  } finally {
    await server.close();
  }
});

test('a new build is installed next to the running one and taken on "Reload to update"', { timeout: 300_000 }, async (t) => {
  const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'facesort-update-'));
  fs.cpSync(DIST, dist, { recursive: true });
  const server = await startServer({ root: dist });
  try {
    await withContext(t, async (page) => {
      await gotoApp(page, server.url);
      const v1 = assertPrecached(await offlineState(page), dist, server.url);

      // A new build: index.html changes, and the hook's script rewrites sw.js as a build would.
      const index = path.join(dist, 'index.html');
      fs.writeFileSync(index, fs.readFileSync(index, 'utf8').replace('</head>', '<meta name="facesort-build" content="2"></head>'));
      const v2 = writePrecache(dist).version;
      assert.notEqual(v2, v1, 'the version did not change with index.html');
      const marker = () => page.evaluate(() => document.querySelector('meta[name=facesort-build]')?.content ?? null);

      await gotoApp(page, server.url);
      const notice = page.getByRole('status').filter({ hasText: 'A new version of Facesort is ready.' });
      await notice.waitFor({ timeout: 90_000 });
      const reload = notice.getByRole('button', { name: 'Reload to update', exact: true });
      assert.ok(await reload.isVisible());
      // The new version waits: this page is still the old build, served from the old cache.
      assert.equal(await marker(), null, 'the page changed before the update was accepted');
      const waiting = await offlineState(page);
      assert.ok(waiting.waiting, 'no waiting service worker');
      assert.deepEqual(Object.keys(waiting.caches).sort(), [`facesort-${v1}`, `facesort-${v2}`].sort());

      const navigated = page.waitForEvent('framenavigated', { timeout: 30_000 });
      await reload.click();
      await navigated;
      await page.waitForFunction(() => document.body?.dataset.state === 'idle', null, { timeout: 30_000 });
      assert.equal(await marker(), '2', 'the new build is not the page after "Reload to update"');
      const after = await offlineState(page);
      assert.equal(after.waiting, false);
      assertPrecached(after, dist, server.url); // only the new cache: the old one is deleted
      assert.equal(await page.getByText('A new version of Facesort is ready.').count(), 0, 'the notice is still there');
      t.diagnostic(`updated from facesort-${v1} to facesort-${v2}`);
    });
  } finally {
    await server.close();
    fs.rmSync(dist, { recursive: true, force: true });
  }
});

test('from a sub-path (/facesort/) the worker is scoped to it and the app works offline', { timeout: 300_000 }, async (t) => {
  const server = await startServer({ root: DIST, prefix: '/facesort/' });
  try {
    await withContext(t, async (page, guard) => {
      await gotoApp(page, server.url);
      const state = await offlineState(page);
      assert.equal(state.scope, server.url, 'service worker scope');
      assert.equal(state.controller, `${server.url}sw.js`);
      assertPrecached(state, DIST, server.url);

      const leaks = await cutNetwork(guard.context, server);
      await gotoApp(page, server.url);
      assert.match(page.url(), /\/facesort\/$/);
      await page.locator(sel.photosInput).setInputFiles(photos());
      await waitForDone(page);
      // Collins is a person; the cameraman's small turned face is an other face.
    assert.equal((await readPeople(page)).length, 1);
    await button(page, 'Other faces, 1 face').waitFor({ timeout: 5_000 });
      assert.deepEqual(leaks, [], 'requests reached the network after it was cut');
      const outside = guard.requests.filter((u) => !u.startsWith(server.url) && !/^(data|blob):/.test(u));
      assert.deepEqual(outside, [], 'requests outside the sub-path');
    });
  } finally {
    await server.close();
  }
});

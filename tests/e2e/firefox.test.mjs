// The app in Firefox (Debian's firefox-esr, headless, driven over WebDriver BiDi by
// puppeteer-core: Playwright drives a stock Firefox only through a BiDi channel that this
// ESR does not answer yet). Firefox has no save-file picker and no folder handles, so its
// users take the paths the Chromium tests reach only by hiding Chromium's own APIs: the
// everything-zip streams to disk through the service worker, and originals are copied into
// the origin's private file system. One run: sort, a bad file named, a reload keeps the
// library, the zip streams and holds every photo in its person's folder byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';
import { startServer } from './server.mjs';
import { ARTIFACTS, DEV_SET, DIST, PREFIX, SORT_TIMEOUT, devSubset, firefoxPath, isAllowedUrl } from './lib.mjs';
import { listZip, verifyZipFile, zipTimeOf } from './zip.mjs';

function prefs(downloads) {
  return {
    // Downloads go straight into a folder the test reads, without a dialog.
    'browser.download.folderList': 2,
    'browser.download.dir': downloads,
    'browser.download.useDownloadDir': true,
    'browser.download.always_ask_before_handling_new_types': false,
    'browser.download.start_downloads_in_tmp_dir': false,
    // Nothing may leave 127.0.0.1: every other host goes to a proxy on a closed port
    // (Firefox never sends 127.0.0.1 through a proxy).
    'network.proxy.type': 1,
    'network.proxy.http': '127.0.0.1',
    'network.proxy.http_port': 9,
    'network.proxy.ssl': '127.0.0.1',
    'network.proxy.ssl_port': 9,
    'network.proxy.share_proxy_settings': true,
  };
}

const waitFor = async (what, check, timeout) => {
  const end = Date.now() + timeout;
  for (;;) {
    const got = await check();
    if (got) return got;
    if (Date.now() > end) throw new Error(`timed out after ${timeout / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
};

const peopleCount = (page) => page.evaluate(() =>
  document.querySelectorAll('ul[aria-label="People"] > li, ul[aria-label="People"] > [role=listitem]').length);

test('Firefox: sorts, names a bad file, keeps the library over a reload, streams the everything-zip through the service worker',
  { skip: !DEV_SET && 'no dev set beside the checkout' }, async (t) => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facesort-firefox-'));
    const downloads = path.join(tmp, 'downloads');
    fs.mkdirSync(downloads);
    const empty = path.join(tmp, 'empty.jpg');
    fs.writeFileSync(empty, '');
    const people = devSubset(DEV_SET, { people: 4, per: 3 });
    // Copies dated well in the past, each a minute apart: the zip must keep those times.
    const photos = people.flatMap((p) => p.files).map((f, i) => {
      const copy = path.join(tmp, path.basename(f));
      fs.copyFileSync(path.join(DEV_SET, f), copy);
      const when = new Date(2019, 5, 15, 14, i, 21);
      fs.utimesSync(copy, when, when);
      return copy;
    });

    const server = await startServer({ root: DIST, prefix: PREFIX });
    const browser = await puppeteer.launch({
      browser: 'firefox', executablePath: firefoxPath(), headless: true, timeout: 60_000,
      extraPrefsFirefox: prefs(downloads),
    });
    const requests = [];
    const errors = [];
    try {
      const page = await browser.newPage();
      page.on('request', (r) => requests.push(r.url()));
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(server.url);
      await page.waitForFunction(() => document.body?.dataset.state === 'idle', { timeout: 30_000 });

      const input = await page.$('input[type=file][aria-label="Choose photos"]');
      await input.uploadFile(...photos, empty);
      await page.waitForFunction(() => document.body.dataset.state === 'done', { timeout: SORT_TIMEOUT, polling: 200 });
      const failed = await page.evaluate(() =>
        [...document.querySelectorAll('ul[aria-label="Files that failed"] > li')].map((li) => li.textContent.trim()));
      assert.equal(failed.length, 1, `one file failed: ${JSON.stringify(failed)}`);
      assert.match(failed[0], /^empty\.jpg: .*empty/i);
      assert.equal(await peopleCount(page), people.length, 'one person per identity');
      // Only a browser that can write into a picked folder offers it.
      assert.equal(await page.evaluate(() =>
        [...document.querySelectorAll('button')].some((b) => b.textContent.trim() === 'Save into a folder…')), false);

      // A reload keeps the library (IndexedDB, originals in the private file system), and the
      // service worker, installed on the first visit, now controls the page.
      await page.reload();
      await waitFor('the library after the reload', () => page.evaluate((n) =>
        document.querySelector('[data-testid="library-summary"]')?.textContent.includes(`Your library: ${n} photos`)
        && document.body.dataset.state !== 'loading', photos.length), 60_000);
      await waitFor('the people grid', async () => (await peopleCount(page)) === people.length, 30_000);
      assert.ok(await page.evaluate(() => navigator.serviceWorker.controller !== null), 'a service worker controls the page');

      // Keyboard focus, in the browser that fires no event when a focused element is removed:
      // Enter on a person opens their album with focus on its heading; hiding them (their
      // card goes) leaves focus on the People heading, not on the page.
      const focused = () => page.evaluate(() => `${document.activeElement?.tagName}: ${document.activeElement?.textContent.trim()}`);
      await page.focus('button.person');
      const name = await page.evaluate(() => document.activeElement.querySelector('.name').textContent);
      await page.keyboard.press('Enter');
      await waitFor('focus on the album\'s heading', async () => (await focused()) === `H2: ${name}`, 10_000)
        .catch(async (e) => { throw new Error(`${e.message}; it is on ${await focused()}`); });
      await page.evaluate((n) => [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === `Hide ${n}`).focus(), name);
      await page.keyboard.press('Enter');
      await waitFor('the hidden person\'s card gone', () => page.evaluate((n) =>
        ![...document.querySelectorAll('button.person .name')].some((e) => e.textContent === n), name), 10_000);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(await focused(), 'H2: People', 'focus after hiding, in Firefox');
      // Shown again (by Undo), for the exports below.
      await page.keyboard.down('Control');
      await page.keyboard.press('z');
      await page.keyboard.up('Control');
      await waitFor('everyone shown again', async () => (await peopleCount(page)) === people.length, 10_000);

      // Two clicks before the first export has begun (it waits for the service worker):
      // one export, and the second click is told another is under way.
      const clicked = await page.evaluate(() => {
        const download = [...document.querySelectorAll('button')]
          .find((b) => b.textContent.trim() === 'Download everything (zip)');
        download?.click();
        download?.click();
        return Boolean(download);
      });
      assert.ok(clicked, 'a button "Download everything (zip)"');
      await waitFor('the second click refused', () => page.evaluate(() => [...document.querySelectorAll('[role=alert]')]
        .some((a) => a.textContent.includes('another export is under way'))), 10_000);
      await page.waitForFunction(() => document.querySelector('[data-testid="export"]')?.dataset.state === 'done',
        { timeout: 60_000, polling: 200 });
      const frames = await page.evaluate(() => [...document.querySelectorAll('iframe')].map((f) => f.src));
      assert.equal(frames.filter((src) => /\/download\/[0-9a-f]{32}$/.test(src)).length, 1,
        `one zip, streamed through the service worker (frames: ${JSON.stringify(frames)})`);
      const zipFile = path.join(downloads, 'Facesort.zip');
      // Firefox writes NAME.part and renames it when the download is complete.
      await waitFor('Facesort.zip in the downloads folder', () =>
        fs.existsSync(zipFile) && !fs.readdirSync(downloads).some((f) => f.endsWith('.part')), 30_000);
      assert.deepEqual(fs.readdirSync(downloads), ['Facesort.zip'], 'one download');
      const bytes = fs.readFileSync(zipFile);
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      fs.copyFileSync(zipFile, path.join(ARTIFACTS, 'firefox-everything.zip'));
      const entries = verifyZipFile(zipFile, bytes).files;

      // Each person's folder holds exactly one identity's photos, each byte for byte.
      const folders = new Map();
      for (const [name, data] of entries) {
        const [folder, file, ...rest] = name.split('/');
        assert.ok(file && !rest.length, `${name}: FOLDER/FILE`);
        const original = photos.find((p) => path.basename(p) === file);
        assert.ok(original, `${name}: one of the photos given`);
        assert.ok(data.equals(fs.readFileSync(original)), `${name} differs from ${original}`);
        folders.set(folder, [...(folders.get(folder) ?? []), file].sort());
      }
      // Unzipped, each photo keeps its file's time (the browser gave it as the file's lastModified).
      for (const entry of listZip(bytes)) {
        const original = photos.find((p) => path.basename(p) === entry.name.split('/')[1]);
        assert.equal(entry.modified, zipTimeOf(fs.statSync(original).mtime), `${entry.name}: its file's time`);
      }
      const expected = people.map((p) => p.files.map((f) => path.basename(f)).sort());
      assert.deepEqual([...folders.values()].sort(), expected.sort(), 'one folder per identity, each with its photos');
      t.diagnostic(`Firefox ${await browser.version()}: ${entries.size} photos in ${folders.size} folders, `
        + `${bytes.length} bytes; ${requests.length} requests; ${failed[0]}`);

      // The record holds the workers' requests too (the models), so it would hold a stray one.
      assert.ok(requests.some((u) => u.endsWith('.onnx')), 'the workers\' requests are recorded');

      assert.deepEqual(requests.filter((u) => !isAllowedUrl(u)), [], 'every request stayed on 127.0.0.1');
      assert.deepEqual(errors, [], 'no uncaught error in the page');
    } finally {
      await browser.close();
      await server.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

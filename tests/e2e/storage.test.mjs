// A full disk: the origin's quota is lowered through the DevTools protocol
// (Storage.overrideQuotaForOrigin) so that sorting runs out of space midway. The page must
// say so, stop adding, keep every photo already stored complete (a reload shows the same
// library, and no record lacks its file), and go on once space is freed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { PHOTOS, button, fileFromDisk, readPeople, serveApp, sel, waitForRunAfter, withAppAt } from './lib.mjs';

const app = serveApp({ before, after });
const collins = fileFromDisk(path.join(PHOTOS, 'eileen_collins_nasa.png'));
/** Distinct copies (bytes after the PNG's end are ignored by decoders, not by the hash). */
const copies = (tag, n) => Array.from({ length: n }, (_, i) => ({
  name: `${tag}-${i}.png`, mimeType: 'image/png', buffer: Buffer.concat([collins.buffer, Buffer.from(`${tag} ${i}`)]),
}));

const libraryCount = async (page) => Number((await page.getByTestId('library-summary').textContent())
  .match(/Your library: (\d+) photo/)?.[1] ?? 0);

/** Every stored photo record, as IndexedDB has it: its name and the size of its kept file. */
const storedPhotos = (page) => page.evaluate(() => new Promise((resolve, reject) => {
  const open = indexedDB.open('facesort');
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const db = open.result;
    const tx = db.transaction(['photo records', 'originals']);
    const all = tx.objectStore('photo records').getAll();
    const copies = tx.objectStore('originals').getAll();
    const keys = tx.objectStore('originals').getAllKeys();
    tx.oncomplete = () => {
      const size = new Map(keys.result.map((k, i) => [k, copies.result[i].size]));
      resolve(all.result.map((p) => ({ name: p.name, size: p.size, file: size.get(p.hash) ?? null })));
      db.close();
    };
    tx.onerror = () => reject(tx.error);
  };
}));

/** Bytes the origin uses, once the service worker has cached the app. */
async function usage(page) {
  return page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    let last = -1;
    for (;;) {
      const { usage } = await navigator.storage.estimate();
      if (usage === last) return usage;
      last = usage;
      await new Promise((r) => setTimeout(r, 500));
    }
  });
}

async function addAndWait(page, files) {
  const since = await page.evaluate(() => performance.now());
  await page.locator(sel.photosInput).setInputFiles(files);
  await waitForRunAfter(page, since);
}

test('storage runs out midway: the page says so, keeps what it stored, and goes on when space is freed',
  { timeout: 300_000 }, (t) => withAppAt(t, app.url, async (page) => {
    const cdp = await page.context().newCDPSession(page);
    const origin = new URL(app.url).origin;
    // Chromium applies a new quota to IndexedDB connections opened after it: reload.
    const quota = async (bytes, { reload = true } = {}) => {
      await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: bytes });
      if (!reload) return;
      await page.reload();
      await page.getByTestId('library-summary').waitFor({ timeout: 60_000 });
    };

    // Room for the app's cache and about two photos (each ~0.85 MB kept).
    const used = await usage(page);
    t.diagnostic(`usage before any photo: ${used} bytes`);
    await quota(used + 2_000_000);
    await addAndWait(page, copies('a', 7));

    const alert = page.getByRole('alert').filter({ hasText: 'storage for this site is full' });
    await alert.waitFor({ timeout: 30_000 });
    const said = await alert.textContent();
    t.diagnostic(`said: ${said}`);
    const kept = await libraryCount(page);
    t.diagnostic(`kept ${kept} of 7`);
    assert.ok(kept >= 1 && kept < 7, `storage should fill midway: ${kept} kept`);
    assert.match(said, new RegExp(`sorting stopped: ${7 - kept} photos? (was|were) not added yet`));
    const people = (await readPeople(page)).map((p) => p.label);
    const whenFull = await storedPhotos(page);
    assert.equal(whenFull.length, kept, 'the page shows exactly what is stored');
    for (const p of whenFull) assert.equal(p.file, p.size, `${p.name}: a stored photo lacks its file`);

    // Trying again while still full holds them again, losing nothing.
    let since = await page.evaluate(() => performance.now());
    await button(page, 'Try again').click();
    await waitForRunAfter(page, since);
    await alert.waitFor({ timeout: 30_000 });
    assert.equal(await libraryCount(page), kept);
    assert.equal((await storedPhotos(page)).length, kept);

    // Space is freed: "Try again" adds the rest.
    await quota(used + 200_000_000, { reload: false });
    since = await page.evaluate(() => performance.now());
    await button(page, 'Try again').click();
    await waitForRunAfter(page, since);
    assert.equal(await libraryCount(page), 7);
    assert.equal(await alert.count(), 0, 'the problem is gone once all is kept');

    // A reload shows the same library, every record whole.
    const before = (await readPeople(page)).map((p) => p.label);
    await page.reload();
    await page.getByTestId('library-summary').filter({ hasText: 'Your library: 7 photos' }).waitFor({ timeout: 60_000 });
    assert.deepEqual((await readPeople(page)).map((p) => p.label), before, 'a reload shows the same people');
    const stored = await storedPhotos(page);
    assert.equal(stored.length, 7);
    for (const p of stored) assert.equal(p.file, p.size, `${p.name}: half-written after reload`);
    t.diagnostic(`people when full: ${people.join(' | ')}; after: ${before.join(' | ')}`);
  }));

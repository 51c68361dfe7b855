// End-to-end tests of the Facesort web app (FACESORT_DIST, default dist/) in headless
// Debian Chromium, against the DOM contract summarised in lib.mjs. Run: node --test tests/e2e/
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from './server.mjs';
import {
  ARTIFACTS, DEV_SET, DEV_SET_PATH, DIST, PHOTOS, PREFIX, SORT_TIMEOUT, albumList, backToPeople, button,
  devSubset, download, dropFiles, failedList, fileFromDisk, gotoApp, guardedContext, launchBrowser,
  mirroredPng, openAlbum, peopleList, readPeople, screenshot, sel, waitForDone, waitForRunAfter, withAppAt, sharedBrowser, closeSharedBrowser,
} from './lib.mjs';
import { listZip, verifyZipFile, zipTimeOf } from './zip.mjs';

const COLLINS = 'eileen_collins_nasa.png';
const MIRRORED = 'eileen_collins_nasa_mirrored.png';
const CAMERAMAN = 'cameraman_cc0.png';
const ROCKET = 'rocket_spacex_pd.jpg';
const CAT = 'chelsea_cat_cc0.png';
const TEST_TIMEOUT = SORT_TIMEOUT + 120_000;

let browser, server, mirrored;

before(async () => {
  if (!fs.existsSync(path.join(DIST, 'index.html'))) {
    throw new Error(`no app at ${DIST}/index.html: build it first (trunk build --release) or set FACESORT_DIST`);
  }
  const headers = process.env.FACESORT_CROSS_ORIGIN_ISOLATED === '1'
    ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {};
  server = await startServer({ root: DIST, prefix: PREFIX, headers });
  browser = await sharedBrowser();
  fs.mkdirSync(ARTIFACTS, { recursive: true });
});

after(async () => {
  await closeSharedBrowser();
  await server?.close();
});

const withApp = (t, fn) => withAppAt(t, server.url, fn);

/** The four shipped photos plus a mirrored Collins (made by Chromium once per run). */
async function shippedPhotos(page) {
  const collins = fileFromDisk(path.join(PHOTOS, COLLINS));
  mirrored ??= await mirroredPng(page, collins.buffer, collins.mimeType);
  return [
    collins,
    { name: MIRRORED, mimeType: 'image/png', buffer: mirrored },
    fileFromDisk(path.join(PHOTOS, CAMERAMAN)),
    fileFromDisk(path.join(PHOTOS, ROCKET)),
    fileFromDisk(path.join(PHOTOS, CAT)),
  ];
}

const junkFiles = () => [
  { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a photo\n') },
  { name: 'empty.jpg', mimeType: 'image/jpeg', buffer: Buffer.alloc(0) },
];

function assertSortedByCount(people) {
  const counts = people.map((p) => p.count);
  assert.deepEqual(counts, [...counts].sort((a, b) => b - a), `people are not in order of photo count: ${counts}`);
}

async function assertStats(page, t) {
  const stats = await page.evaluate(() => window.facesortStats && JSON.parse(JSON.stringify(window.facesortStats)));
  assert.ok(stats, 'window.facesortStats is missing');
  t.diagnostic(`facesortStats ${JSON.stringify(stats)}`);
  for (const k of ['workers', 'total', 'done', 'failed', 'startedMs', 'finishedMs', 'decodeMs', 'detectMs', 'embedMs']) {
    assert.ok(Number.isFinite(stats[k]) && stats[k] >= 0, `facesortStats.${k} = ${stats[k]}`);
  }
  assert.ok(stats.workers >= 1, 'facesortStats.workers < 1');
  assert.ok(stats.done === stats.total || stats.done + stats.failed === stats.total,
    `facesortStats: done ${stats.done}, failed ${stats.failed}, total ${stats.total}`);
  assert.ok(stats.finishedMs >= stats.startedMs, 'facesortStats.finishedMs < startedMs');
  return stats;
}

/** While sorting: if the progress bar is seen before the end, its values must make sense and "Cancel" must be there. */
async function watchProgress(page, t, expectedMax) {
  const bar = page.locator(`body[data-state=sorting] ${sel.progressbar}`);
  const seen = await bar.or(page.locator('body[data-state=done]')).first().waitFor({ timeout: SORT_TIMEOUT })
    .then(() => bar.isVisible()).catch(() => false);
  if (!seen) { t.diagnostic('progress bar not seen (sorting finished first)'); return; }
  const [now, max] = await Promise.all([bar.getAttribute('aria-valuenow'), bar.getAttribute('aria-valuemax')])
    .catch(() => [null, null]);
  if (max === null) { t.diagnostic('progress bar went away before it could be read'); return; }
  t.diagnostic(`progress bar: ${now} / ${max}`);
  assert.ok(Number(max) > 0 && Number(now) >= 0 && Number(now) <= Number(max), `aria-valuenow ${now}, aria-valuemax ${max}`);
  if (expectedMax !== undefined && Number(max) !== 100) assert.equal(Number(max), expectedMax, 'aria-valuemax');
  assert.ok(await button(page, 'Cancel').isVisible().catch(() => false) || await page.evaluate(() => document.body.dataset.state === 'done'),
    'no "Cancel" button while sorting');
}

test('sorts the shipped test photos (file input): 1 person, 1 other face, 2 without faces, failures and skips reported',
  { timeout: TEST_TIMEOUT }, (t) => withApp(t, async (page) => {
    const cameraman = fs.readFileSync(path.join(PHOTOS, CAMERAMAN));
    // The same bytes under another name: processed once, and said so.
    const duplicate = { name: 'cameraman_copy.png', mimeType: 'image/png', buffer: cameraman };
    const files = [...await shippedPhotos(page), duplicate, ...junkFiles()];
    await page.locator(sel.photosInput).setInputFiles(files);
    await watchProgress(page, t);
    await waitForDone(page);

    const people = await readPeople(page);
    t.diagnostic(`people: ${people.map((p) => p.label).join(' | ')}`);
    // The cameraman's face is small (14 px between the eyes) and turned to his
    // camera: unsure, so it makes no person and waits under "Other faces".
    assert.equal(people.length, 1, `expected 1 person, got ${people.map((p) => p.label)}`);
    assert.match(people[0].label, /, 2 photos$/);
    await button(page, 'Photos without faces, 2 photos').waitFor({ timeout: 5_000 });
    await button(page, 'Other faces, 1 face').waitFor({ timeout: 5_000 });

    const failed = (await failedList(page).getByRole('listitem', { includeHidden: true }).allTextContents()).map((s) => s.trim());
    t.diagnostic(`failed: ${failed.join(' | ')}`);
    assert.equal(failed.length, 1, `expected only empty.jpg to fail: ${failed}`);
    assert.match(failed[0], /^empty\.jpg: \S/);
    const skipped = await page.locator(sel.skippedNote).textContent();
    assert.match(skipped, /notes\.txt/);
    assert.doesNotMatch(failed.join('\n'), /notes\.txt/, 'notes.txt is skipped, not failed');
    assert.match(await page.locator('[data-testid="duplicates-note"]').textContent(), /^1 photo already in your library/);
    await assertStats(page, t);
    // A finished run shows a full bar, though a file failed and one was skipped.
    const bar = page.locator(sel.progressbar);
    assert.equal(await bar.getAttribute('aria-valuenow'), await bar.getAttribute('aria-valuemax'));
    const fill = await bar.locator('.fill').evaluate((el) => el.style.transform);
    t.diagnostic(`progress fill at the end: ${fill}`);
    assert.equal(fill, 'scaleX(1)', `the bar is not full at the end: ${fill}`);
    await button(page, 'Download everything (zip)').waitFor({ timeout: 5_000 });
    t.diagnostic(`screenshot: ${await screenshot(page, 'people.png')}`);

    const album = await openAlbum(page, people[0].button);
    assert.ok(album.headings.includes(people[0].name), `no h2 "${people[0].name}" in the album: ${album.headings}`);
    assert.deepEqual(album.files.sort(), [COLLINS, MIRRORED].sort());
    const listName = await albumList(page).getAttribute('aria-label');
    assert.match(listName, /^Photos of /);
    for (const name of ['Download album (zip)', 'Download face crops (zip)', 'Back to people']) {
      assert.ok(await button(page, name).isVisible(), `no visible "${name}" button in the album`);
    }
    t.diagnostic(`screenshot: ${await screenshot(page, 'album.png')}`);
    await backToPeople(page, 'escape');

    const second = await openAlbum(page, button(page, 'Other faces, 1 face'));
    assert.ok(second.headings.includes('Other faces'), `no h2 "Other faces": ${second.headings}`);
    assert.deepEqual(second.files, [CAMERAMAN]);
    // A photo opens large with every face boxed, and downloads exactly as it was given.
    await page.getByRole('button', { name: `Open ${CAMERAMAN}`, exact: true }).click();
    const viewer = page.getByRole('region', { name: CAMERAMAN });
    await viewer.waitFor({ timeout: 5_000 });
    assert.equal(await viewer.locator('[data-face-box]').count(), 1, 'the viewer should box the one face');
    const one = await download(page, button(page, 'Download photo'), 'one-photo.png');
    assert.ok(one.bytes.equals(cameraman), 'the downloaded photo differs from the original');
    await page.keyboard.press('Escape');
    await albumList(page).waitFor({ timeout: 5_000 });
    await backToPeople(page, 'button');
    assert.equal((await readPeople(page)).length, 1, 'the grid changed after visiting albums');

    // A phone-sized screen: everything fits without sideways scrolling.
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px at 390px wide`);
    t.diagnostic(`screenshot: ${await screenshot(page, 'people-phone.png')}`);
  }));

test('dev subset (drag and drop): 5 identities x 4 photos, one person each, no mixing',
  { timeout: TEST_TIMEOUT, skip: DEV_SET ? false : `no development set: ${DEV_SET_PATH}/labels.csv does not exist (set FACESORT_DEV_SET)` },
  (t) => withApp(t, async (page) => {
    const subset = devSubset(DEV_SET, { people: 5, per: 4 });
    assert.equal(subset.length, 5, 'the dev set has fewer than 5 identities with 4 single-identity photos');
    const identityOf = new Map();
    const files = [];
    for (const { identity, files: rel } of subset) {
      for (const f of rel) {
        const file = fileFromDisk(path.join(DEV_SET, f));
        identityOf.set(file.name, identity);
        files.push(file);
      }
    }
    t.diagnostic(`identities: ${subset.map((s) => s.identity).join(', ')}`);

    const zone = page.locator(sel.dropZone);
    assert.equal(await zone.getAttribute('aria-label'), 'Drop photos or a folder here');
    const drop = await dropFiles(page, files);
    assert.ok(drop.dragoverPrevented, 'the drop zone does not call preventDefault() on dragover (drops would be refused)');
    assert.ok(drop.dropPrevented, 'the drop zone does not call preventDefault() on drop (the browser would open the file)');
    await watchProgress(page, t, files.length);
    await waitForDone(page);

    const people = await readPeople(page);
    assertSortedByCount(people);
    // A fresh library numbers its people in grid order: Person 1, 2, 3…
    assert.deepEqual(people.map((p) => p.name), people.map((_, i) => `Person ${i + 1}`));
    const contents = [];
    for (let i = 0; i < people.length; i++) {
      const { headings, files: inAlbum } = await openAlbum(page, (await readPeople(page))[i].button);
      assert.ok(headings.includes(people[i].name), `no h2 "${people[i].name}" in its album: ${headings}`);
      assert.equal(inAlbum.length, people[i].count, `${people[i].label}: the album lists ${inAlbum.length} photos`);
      assert.equal(new Set(inAlbum).size, inAlbum.length, `${people[i].label}: a photo is listed twice`);
      for (const f of inAlbum) assert.ok(identityOf.has(f), `${people[i].label}: unknown data-file ${JSON.stringify(f)}`);
      contents.push({ label: people[i].label, files: inAlbum });
      await backToPeople(page, i % 2 ? 'escape' : 'button');
    }
    for (const c of contents) t.diagnostic(`${c.label}: ${c.files.map((f) => `${f} (${identityOf.get(f)})`).join(', ')}`);

    const owner = new Map(); // identity -> index of the person holding all its photos
    for (const { identity, files: rel } of subset) {
      const names = rel.map((f) => path.basename(f));
      const holders = contents.map((c, i) => [i, names.filter((n) => c.files.includes(n)).length]).filter(([, n]) => n);
      const full = holders.filter(([, n]) => n === names.length);
      assert.equal(full.length, 1, `${identity}: its ${names.length} photos are split over ${JSON.stringify(holders.map(([i, n]) => `${contents[i].label}: ${n}`))}`);
      owner.set(identity, full[0][0]);
    }
    assert.equal(new Set(owner.values()).size, subset.length, 'two identities ended up as one person');
    for (const [identity, i] of owner) {
      const mixed = contents[i].files.filter((f) => identityOf.get(f) !== identity);
      assert.deepEqual(mixed, [], `${contents[i].label} (${identity}) also holds other identities' photos`);
    }
    // Any further person is someone else in the background of these press photos (every
    // photo is already in its identity's album); the native pipeline finds 3 such faces.
    const extras = contents.filter((_, i) => ![...owner.values()].includes(i));
    if (extras.length) t.diagnostic(`background people: ${extras.map((c) => `${c.label} [${c.files}]`).join('; ')}`);
    assert.ok(extras.length <= 4, `${extras.length} people besides the 5 identities: too many background faces`);
    await assertStats(page, t);
  }));

test('downloads: everything zip (downloaded, and streamed into a picked file), "Save into a folder", one album zip, checked entry by entry',
  { timeout: TEST_TIMEOUT }, (t) => withApp(t, async (page) => {
    const photos = await shippedPhotos(page);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facesort-e2e-'));
    const folder = path.join(dir, 'holiday');
    fs.mkdirSync(folder);
    // Dated well in the past, a minute apart: the zips must keep those times.
    [...photos, ...junkFiles()].forEach((f, i) => {
      const file = path.join(folder, f.name);
      fs.writeFileSync(file, f.buffer);
      const when = new Date(2019, 5, 15, 14, i, 21);
      fs.utimesSync(file, when, when);
    });
    // The page's File objects stay backed by these files: remove them only at the end.
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const original = new Map(photos.map((f) => [f.name, f.buffer]));
    await page.locator(sel.folderInput).setInputFiles(folder);
    await waitForDone(page);
    const people = await readPeople(page);
    assert.deepEqual(people.map((p) => p.count), [2]);
    t.diagnostic(`IndexedDB per photo, original copied in: ${await indexedDbKbPerPhoto(page, 5)} kB`);

    // Without a save-file picker (Firefox, Safari; and here, see guardedContext) the zip is a download.
    const all = await download(page, button(page, 'Download everything (zip)'), 'everything.zip');
    t.diagnostic(`everything zip: ${all.file} (suggested name ${all.suggested}, ${all.bytes.length} bytes)`);
    assert.match(all.suggested, /\.zip$/);
    const { files, unzip } = verifyZipFile(all.file, all.bytes);
    t.diagnostic(unzip ? 'unzip -t: No errors detected' : 'unzip not installed: checked by our own reader only');
    const expected = everythingOfShipped(people[0].name);
    assert.deepEqual([...files.keys()].sort(), Object.keys(expected).sort(), 'entries of the everything zip');
    for (const [entry, name] of Object.entries(expected)) {
      assert.ok(files.get(entry).equals(original.get(name)), `${entry} is not a byte-identical copy of ${name}`);
    }
    assert.match(await page.getByTestId('export').getByRole('status').textContent(),
      /^Saved 5 photos \(.+\) into Facesort\.zip\.$/);
    // Unzipped, each photo keeps its file's time (zip keeps local time to even seconds).
    for (const entry of listZip(all.bytes)) {
      const file = path.join(folder, expected[entry.name]);
      assert.equal(entry.modified, zipTimeOf(fs.statSync(file).mtime), `${entry.name}: its file's time`);
    }

    // Chromium's save-file picker, as headless runs can have it: a real file handle in the
    // origin's private file system, which the app streams the zip into.
    await page.evaluate(() => {
      window.showSaveFilePicker = async (o) => {
        window.picked = o.suggestedName;
        return (await navigator.storage.getDirectory()).getFileHandle('picked.zip', { create: true });
      };
      window.pickedFolderName = 'Exported';
    });
    await exportAndExpect(page, () => button(page, 'Download everything (zip)').click(),
      /^Saved 5 photos \(.+\) into Facesort\.zip\.$/);
    assert.equal(await page.evaluate(() => window.picked), 'Facesort.zip');
    const streamed = Buffer.from(Object.values(await readPrivateFiles(page, 'picked.zip'))[0], 'base64');
    const streamedFile = path.join(ARTIFACTS, 'everything-streamed.zip');
    fs.writeFileSync(streamedFile, streamed);
    const streamedZip = verifyZipFile(streamedFile, streamed).files;
    assert.deepEqual([...streamedZip.keys()].sort(), Object.keys(expected).sort(), 'entries of the streamed zip');
    for (const [entry, name] of Object.entries(expected)) {
      assert.ok(streamedZip.get(entry).equals(original.get(name)), `streamed ${entry} differs from ${name}`);
    }

    await exportAndExpect(page, () => button(page, 'Save into a folder…').click(),
      /^Saved 5 photos \(.+\) into the folder Exported\.$/);
    const folderFiles = async () => Object.fromEntries(Object.entries(await readPrivateFiles(page, 'Exported'))
      .map(([p, b64]) => [p.replace(/^Exported\//, ''), Buffer.from(b64, 'base64')]));
    let written = await folderFiles();
    assert.deepEqual(Object.keys(written).sort(), Object.keys(expected).sort(), 'files saved into the folder');
    for (const [entry, name] of Object.entries(expected)) {
      assert.ok(written[entry].equals(original.get(name)), `saved ${entry} differs from ${name}`);
    }
    // Saving into the same folder again adds nothing: what is there is left as it was.
    await exportAndExpect(page, () => button(page, 'Save into a folder…').click(),
      /^Saved 0 photos into the folder Exported; 5 photos already there from an earlier export\.$/);
    written = await folderFiles();
    assert.deepEqual(Object.keys(written).sort(), Object.keys(expected).sort(), 'files after saving again');

    await openAlbum(page, people[0].button);
    const album = await download(page, button(page, 'Download album (zip)'), 'album.zip');
    assert.equal(album.suggested, `${people[0].name}.zip`);
    const albumZip = verifyZipFile(album.file, album.bytes).files;
    assert.deepEqual([...albumZip.keys()].sort(), [COLLINS, MIRRORED].sort(), 'entries of the album zip');
    for (const [name, data] of albumZip) assert.ok(data.equals(original.get(name)), `${name} differs from the original`);

    const crops = await download(page, button(page, 'Download face crops (zip)'), 'face-crops.zip');
    const cropZip = verifyZipFile(crops.file, crops.bytes).files;
    t.diagnostic(`face crops zip (${crops.suggested}): ${[...cropZip.keys()].join(', ')}`);
    assert.ok(cropZip.size >= 2, `face crops zip has ${cropZip.size} entries for an album of 2 photos`);
    for (const [name, data] of cropZip) assert.ok(data.length > 0, `${name} is empty`);
  }));

test('a folder picked in Chromium keeps its originals there: no copies kept, downloads read the folder after a reload, a moved photo is named',
  { timeout: TEST_TIMEOUT }, (t) => withApp(t, async (page) => {
    const photos = await shippedPhotos(page);
    const original = new Map(photos.map((f) => [f.name, f.buffer]));
    await writePrivateFiles(page, 'Holiday/day 1', photos);
    await page.evaluate(() => { window.pickedFolderName = 'Holiday'; });
    await page.locator('label', { hasText: 'Choose a folder' }).click();
    await waitForDone(page);
    const originals = page.getByTestId('originals');
    await originals.filter({ hasText: '5 photos stay in your folder Holiday' }).waitFor({ timeout: 10_000 });
    assert.match(await originals.textContent(), /0 photos copied into this browser/);
    // The library holds no copy of these photos.
    const stored = await page.evaluate(() => new Promise((resolve, reject) => {
      const open = indexedDB.open('facesort');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const tx = open.result.transaction(['photo records', 'originals']);
        const all = tx.objectStore('photo records').getAll();
        const copies = tx.objectStore('originals').getAllKeys();
        tx.oncomplete = () => resolve(all.result.map((r) => ({
          name: r.name, copy: 'file' in r || copies.result.includes(r.hash), path: r.in_folder?.path,
        })));
        tx.onerror = () => reject(tx.error);
      };
    }));
    t.diagnostic(`stored: ${JSON.stringify(stored)}`);
    t.diagnostic(`IndexedDB per photo, original left in its folder: ${await indexedDbKbPerPhoto(page, 5)} kB ` +
      `(the 5 originals: ${(photos.reduce((n, f) => n + f.buffer.length, 0) / 5e3).toFixed(0)} kB each)`);
    assert.equal(stored.length, 5);
    assert.ok(stored.every((r) => !r.copy), 'a photo from the picked folder was copied into IndexedDB');
    assert.ok(stored.every((r) => r.path === `day 1/${r.name}`), 'where each photo is in the folder');

    // After a reload the originals are read from the folder again.
    await page.reload();
    await waitForDone(page);
    const people = await readPeople(page);
    const expected = everythingOfShipped(people[0].name);
    const all = await download(page, button(page, 'Download everything (zip)'), 'from-folder.zip');
    const files = verifyZipFile(all.file, all.bytes).files;
    assert.deepEqual([...files.keys()].sort(), Object.keys(expected).sort());
    for (const [entry, name] of Object.entries(expected)) {
      assert.ok(files.get(entry).equals(original.get(name)), `${entry} differs from ${name} in the folder`);
    }

    // A photo moved out of the folder is named and left out; the rest is exported.
    await page.evaluate(async (name) => {
      const root = await navigator.storage.getDirectory();
      await (await (await root.getDirectoryHandle('Holiday')).getDirectoryHandle('day 1')).removeEntry(name);
    }, CAT);
    const rest = await download(page, button(page, 'Download everything (zip)'), 'folder-missing-one.zip');
    const restFiles = verifyZipFile(rest.file, rest.bytes).files;
    assert.deepEqual([...restFiles.keys()].sort(), Object.keys(expected).filter((e) => !e.endsWith(CAT)).sort());
    const said = await page.getByTestId('export').getByRole('status').textContent();
    assert.match(said, new RegExp(`^Saved 4 photos .* Left out 1 photo: ${CAT.replace('.', '\\.')} is no longer in the folder Holiday \\(moved, renamed or deleted\\)\\.$`));
  }));

/** The everything-zip of the shipped photos: entry -> original file name. */
function everythingOfShipped(person) {
  return {
    [`${person}/${COLLINS}`]: COLLINS,
    [`${person}/${MIRRORED}`]: MIRRORED,
    [`other-faces/${CAMERAMAN}`]: CAMERAMAN,
    [`no-faces/${ROCKET}`]: ROCKET,
    [`no-faces/${CAT}`]: CAT,
  };
}

/** The library's IndexedDB usage per photo, in kB, as the browser estimates it. */
async function indexedDbKbPerPhoto(page, photos) {
  const bytes = await page.evaluate(async () => (await navigator.storage.estimate()).usageDetails?.indexedDB ?? NaN);
  return (bytes / photos / 1e3).toFixed(1);
}

/** Writes files ({ name, buffer }) into `dir` (a/b) of the origin's private file system. */
function writePrivateFiles(page, dir, files) {
  return page.evaluate(async ({ dir, files }) => {
    let at = await navigator.storage.getDirectory();
    for (const part of dir.split('/')) at = await at.getDirectoryHandle(part, { create: true });
    for (const f of files) {
      const w = await (await at.getFileHandle(f.name, { create: true })).createWritable();
      await w.write(Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0)));
      await w.close();
    }
  }, { dir, files: files.map((f) => ({ name: f.name, b64: f.buffer.toString('base64') })) });
}

/** Starts an export with `trigger` and waits for it to end saying `pattern`. */
async function exportAndExpect(page, trigger, pattern) {
  const bar = page.getByTestId('export');
  const before = Number(await bar.getAttribute('data-export', { timeout: 1000 }).catch(() => 0));
  await trigger();
  const ended = page.locator(`[data-testid=export][data-export="${before + 1}"]:not([data-state=running])`);
  await ended.waitFor({ timeout: 60_000 });
  const text = await bar.getByRole('status').textContent();
  assert.match(text, pattern, 'what the export bar says');
}

/** Every file under `name` in the origin's private file system, as { path: base64 }. */
function readPrivateFiles(page, name) {
  return page.evaluate(async (name) => {
    const out = {};
    const base64 = (b) => {
      let s = '';
      for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
      return btoa(s);
    };
    const walk = async (handle, at) => {
      if (handle.kind === 'file') {
        out[at] = base64(new Uint8Array(await (await handle.getFile()).arrayBuffer()));
        return;
      }
      for await (const [child, h] of handle.entries()) await walk(h, `${at}/${child}`);
    };
    const root = await navigator.storage.getDirectory();
    let handle;
    try { handle = await root.getFileHandle(name); } catch { handle = await root.getDirectoryHandle(name); }
    await walk(handle, name);
    return out;
  }, name);
}

test('keyboard only: focus is visible, Enter opens an album, Enter downloads, Escape and "Back to people" return',
  { timeout: TEST_TIMEOUT }, (t) => withApp(t, async (page) => {
    // File dialogs cannot be driven headless: the input gets its files directly, then only keys.
    await page.locator(sel.photosInput).setInputFiles(await shippedPhotos(page));
    await waitForDone(page);
    const first = () => readPeople(page).then((p) => p[0].button);
    const isFocused = (loc) => loc.evaluate((el) => el === document.activeElement);

    async function tabTo(loc, what, limit = 80) {
      for (let i = 0; i <= limit; i++) {
        if (await isFocused(loc)) return i;
        await page.keyboard.press('Tab');
      }
      const at = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 200));
      throw new Error(`${limit} presses of Tab never reached ${what}; focus is on ${at}`);
    }
    async function assertFocusVisible(what) {
      const f = await page.evaluate(() => {
        const el = document.activeElement, cs = getComputedStyle(el);
        return { focusVisible: el.matches(':focus-visible'), outlineStyle: cs.outlineStyle, outlineWidth: cs.outlineWidth, boxShadow: cs.boxShadow };
      });
      t.diagnostic(`focus on ${what}: ${JSON.stringify(f)}`);
      assert.ok(f.focusVisible, `${what} is focused but does not match :focus-visible`);
      const outline = f.outlineStyle !== 'none' && parseFloat(f.outlineWidth) > 0;
      assert.ok(outline || (f.boxShadow && f.boxShadow !== 'none'), `no visible focus indicator on ${what}: ${JSON.stringify(f)}`);
    }

    const firstName = (await readPeople(page))[0].name;
    const presses = await tabTo(await first(), "the first person's button");
    t.diagnostic(`Tab x${presses} reached the first person`);
    await assertFocusVisible("the first person's button");
    const { headings, files } = await openAlbum(page, null, { keyboard: true });
    assert.ok(headings.includes(firstName), `no h2 "${firstName}" in the album: ${headings}`);
    assert.equal(files.length, 2);

    const dl = button(page, 'Download album (zip)');
    await tabTo(dl, '"Download album (zip)"');
    await assertFocusVisible('"Download album (zip)"');
    const got = await download(page, () => page.keyboard.press('Enter'), 'keyboard-album.zip');
    assert.deepEqual([...verifyZipFile(got.file, got.bytes).files.keys()].sort(), [COLLINS, MIRRORED].sort());

    await backToPeople(page, 'escape');
    // Going back returns focus to the person that was opened, so the keyboard user keeps their place.
    await page.waitForFunction(() => document.activeElement?.matches('[data-person-key]'), null, { timeout: 5_000 });
    const focused = await page.evaluate(() => document.activeElement.getAttribute('aria-label'));
    assert.match(focused, /^Person 1, 2 photos$/, `after Escape focus is on ${focused}`);

    await tabTo(await first(), "the first person's button (again)");
    await openAlbum(page, null, { keyboard: true });
    await tabTo(button(page, 'Back to people'), '"Back to people"');
    await assertFocusVisible('"Back to people"');
    await page.keyboard.press('Enter');
    await peopleList(page).waitFor({ timeout: 10_000 });
    assert.equal(await albumList(page).count(), 0, 'the album is still shown after "Back to people"');
    assert.equal((await readPeople(page)).length, 1);
  }));

test('cancel stops a long run: the rest is left out, what was sorted stays, photos dropped as it stops are sorted next',
  { timeout: TEST_TIMEOUT, skip: DEV_SET ? false : `no development set: ${DEV_SET_PATH}/labels.csv does not exist (set FACESORT_DEV_SET)` },
  (t) => withApp(t, async (page) => {
    const dir = path.join(DEV_SET, 'images');
    const all = fs.readdirSync(dir).sort().map((f) => fileFromDisk(path.join(dir, f)));
    await page.locator(sel.photosInput).setInputFiles(all);
    await page.waitForFunction(() => (window.facesortStats?.done ?? 0) >= 10, null, { timeout: SORT_TIMEOUT });
    // Two more photos dropped right as Cancel is pressed, while the last photos under way
    // finish: they are not cancelled with the rest, but sorted in the next run.
    const collins = fileFromDisk(path.join(PHOTOS, COLLINS));
    const late = [0, 1].map((i) => ({ ...collins, name: `late-${i}.png`, buffer: Buffer.concat([collins.buffer, Buffer.from(`late ${i}`)]) }));
    await dropFiles(page, late, { afterClicking: 'Cancel' });
    await page.locator(sel.progressText).filter({ hasText: /^2 photos sorted in / }).waitFor({ timeout: SORT_TIMEOUT });
    await waitForDone(page);
    const stats = await page.evaluate(() => ({ ...window.facesortStats }));
    const cancelledAt = stats.done - late.length;
    t.diagnostic(`cancelled after ${cancelledAt} of ${all.length} photos`);
    assert.ok(cancelledAt < all.length, `cancel had no effect: ${cancelledAt} of ${all.length} done`);
    assert.equal(stats.total, stats.done, 'the total should shrink to the photos actually processed');
    // The bar is the last run's: the two late photos.
    const bar = page.getByRole('progressbar', { name: 'Sorting progress' });
    assert.equal(await bar.getAttribute('aria-valuemax'), '2');
    assert.ok((await readPeople(page)).length > 0, 'the people sorted before cancelling are gone');
    assert.equal(await button(page, 'Cancel').count(), 0, 'Cancel is still offered after the run ended');

    // The user chose to leave the rest out: a later visit does not call them "not sorted
    // before the page closed".
    await page.reload();
    await waitForDone(page);
    assert.equal(await page.locator('[data-testid="pending-note"]').count(), 0, 'cancelled photos are listed as pending');
    // A run cancelled on its own says so, and how many it left out.
    const since = await page.evaluate(() => performance.now());
    await page.locator(sel.photosInput).setInputFiles(all);
    await page.waitForFunction(() => (window.facesortStats?.done ?? 0) >= 3, null, { timeout: SORT_TIMEOUT });
    await button(page, 'Cancel').click();
    await waitForRunAfter(page, since);
    const said = (await page.locator(sel.progressText).textContent()).trim();
    const [, sorted, left] = said.match(/^Cancelled: (\d+) photos? sorted, (\d+) not\. Add the rest again to sort them\.$/) ?? [];
    assert.ok(sorted && Number(left) > 0, `after Cancel the progress says "${said}"`);
  }));

test('photos dropped the moment a run counts its last photo (while it saves and groups) are sorted, the page not stuck',
  { timeout: TEST_TIMEOUT }, (t) => withApp(t, async (page) => {
    const collins = fileFromDisk(path.join(PHOTOS, COLLINS));
    const copies = (tag, n) => Array.from({ length: n }, (_, i) => ({
      ...collins, name: `${tag}-${i}.png`, buffer: Buffer.concat([collins.buffer, Buffer.from(`${tag} ${i}`)]),
    }));
    // The drop waits in the page for the run's figures to count its last photo: the run is
    // then saving and grouping, still holding the library's lock.
    await dropFiles(page, copies('late', 2), { later: true });
    await page.evaluate(() => {
      let stats;
      Object.defineProperty(window, 'facesortStats', {
        configurable: true,
        get: () => stats,
        set: (v) => {
          stats = v;
          if (window.droppedAtEnd || v.total === 0 || v.done !== v.total) return;
          window.droppedAtEnd = `${v.done} of ${v.total}`;
          // Once the page's own call has returned, before anything else happens.
          queueMicrotask(window.stagedDrop);
        },
      });
    });
    await page.locator(sel.photosInput).setInputFiles(copies('first', 8));
    await page.getByTestId('library-summary').filter({ hasText: /^Your library: 10 photos/ })
      .waitFor({ timeout: SORT_TIMEOUT });
    await waitForDone(page);
    t.diagnostic(`dropped when the run had done ${await page.evaluate(() => window.droppedAtEnd)}`);
    assert.ok(await page.evaluate(() => window.droppedAtEnd), 'the drop happened');
    assert.equal(await page.locator(sel.progressText).filter({ hasText: /waiting/ }).count(), 0, 'no run waits for another');
    const people = await readPeople(page);
    assert.deepEqual(people.map((p) => p.count), [10]);
  }));

/** Waits until a run started after `since` (ms on the page clock) has finished. */
test('the library survives a reload: same people, same zip, only new photos processed',
  { timeout: TEST_TIMEOUT }, (t) => withApp(t, async (page) => {
    const photos = await shippedPhotos(page);
    await page.locator(sel.photosInput).setInputFiles(photos.slice(0, 3));
    await waitForDone(page);
    const before = (await readPeople(page)).map((p) => p.label);
    const first = await download(page, button(page, 'Download everything (zip)'), 'before-reload.zip');
    const zipBefore = verifyZipFile(first.file, first.bytes);
    t.diagnostic(`before reload: ${before.join(' | ')}`);

    await page.reload();
    await waitForDone(page);
    const after = (await readPeople(page)).map((p) => p.label);
    assert.deepEqual(after, before, 'people changed across a reload');
    // The app's own cached files are said apart from the user's photos.
    await page.locator('[data-testid="library-summary"]', {
      hasText: /^Your library: 3 photos · storage [\d.]+ [kMG]?B, plus [\d.]+ [kMG]?B for the app and models, of [\d.]+ [kMG]?B allowed · /,
    }).waitFor({ timeout: 10_000 });
    const got = await download(page, button(page, 'Download everything (zip)'), 'after-reload.zip');
    const zipAfter = verifyZipFile(got.file, got.bytes);
    assert.deepEqual([...zipAfter.files.keys()].sort(), [...zipBefore.files.keys()].sort());
    for (const [name, bytes] of zipAfter.files) assert.ok(bytes.equals(zipBefore.files.get(name)), `${name} differs after the reload`);

    // Everything again: the three kept photos are recognised, only two are new.
    const since = await page.evaluate(() => performance.now());
    await page.locator(sel.photosInput).setInputFiles(photos);
    await waitForRunAfter(page, since);
    const stats = await page.evaluate(() => ({ ...window.facesortStats }));
    t.diagnostic(`after adding all five: ${JSON.stringify(stats)}`);
    assert.match(await page.locator('[data-testid="duplicates-note"]').textContent(), /^3 photos already in your library/);
    const people = await readPeople(page);
    assert.deepEqual(people.map((p) => p.label), before, 'adding photos without new faces changed the people');
    await button(page, 'Photos without faces, 2 photos').waitFor({ timeout: 5_000 });
    assert.match(await page.locator('[data-testid="library-summary"]').textContent(), /^Your library: 5 photos/);
  }));

test('a reload in the middle of a run keeps what was finished and names what was not',
  { timeout: TEST_TIMEOUT, skip: DEV_SET ? false : `no development set: ${DEV_SET_PATH}/labels.csv does not exist (set FACESORT_DEV_SET)` },
  (t) => withApp(t, async (page) => {
    const dir = path.join(DEV_SET, 'images');
    const all = fs.readdirSync(dir).sort().slice(0, 60).map((f) => fileFromDisk(path.join(dir, f)));
    await page.locator(sel.photosInput).setInputFiles(all);
    await page.waitForFunction(() => (window.facesortStats?.done ?? 0) >= 8, null, { timeout: SORT_TIMEOUT });
    await page.reload();
    await page.locator('[data-testid="pending-note"]').waitFor({ timeout: 30_000 });
    const note = await page.locator('[data-testid="pending-note"]').textContent();
    const kept = Number((await page.locator('[data-testid="library-summary"]').textContent()).match(/Your library: (\d+) photo/)[1]);
    const pending = Number(note.match(/^(\d+) photos? from your last visit/)[1]);
    t.diagnostic(`kept ${kept}, pending ${pending} of ${all.length}`);
    assert.ok(kept >= 8, `only ${kept} photos were kept`);
    assert.ok(pending > 0 && kept + pending <= all.length, `kept ${kept} + pending ${pending} vs ${all.length}`);
    assert.ok(note.includes(all[all.length - 1].name), 'the last queued photo is not named as pending');
    // That many names are folded under the sentence.
    await page.locator('[data-testid="pending-note"] summary', { hasText: 'Which photos' }).waitFor();

    // Adding everything again, as a folder this time (its files' paths name the folder,
    // while the note lists bare names), finishes the job without processing kept photos
    // twice, and the note goes.
    const dirOf = fs.mkdtempSync(path.join(os.tmpdir(), 'facesort-e2e-'));
    t.after(() => fs.rmSync(dirOf, { recursive: true, force: true }));
    const folder = path.join(dirOf, 'dev');
    fs.mkdirSync(folder);
    for (const f of all) fs.writeFileSync(path.join(folder, f.name), f.buffer);
    const since = await page.evaluate(() => performance.now());
    await page.locator(sel.folderInput).setInputFiles(folder);
    await waitForRunAfter(page, since);
    assert.match(await page.locator('[data-testid="library-summary"]').textContent(), new RegExp(`^Your library: ${all.length} photos`));
    assert.equal(await page.locator('[data-testid="pending-note"]').count(), 0, 'the pending note stays after finishing');
    assert.match(await page.locator('[data-testid="duplicates-note"]').textContent(), new RegExp(`^${kept} photos already in your library`));
    await page.reload();
    await waitForDone(page);
    assert.equal(await page.locator('[data-testid="pending-note"]').count(), 0, 'the pending note came back after a reload');

    // Left unsorted again, and the user does not mean to add them: "Forget this list".
    const more = fs.readdirSync(dir).sort().slice(60, 120).map((f) => fileFromDisk(path.join(dir, f)));
    await page.locator(sel.photosInput).setInputFiles(more);
    await page.waitForFunction((n) => (window.facesortStats?.done ?? 0) >= n, 3, { timeout: SORT_TIMEOUT });
    await page.reload();
    await button(page, 'Forget this list').click();
    await page.locator('[data-testid="pending-note"]').waitFor({ state: 'detached' });
    await page.reload();
    await waitForDone(page);
    assert.equal(await page.locator('[data-testid="pending-note"]').count(), 0, 'a forgotten list came back after a reload');
  }));

test('a 100-megapixel photo is sorted in the browser (downscaled, not refused)',
  { timeout: TEST_TIMEOUT }, (t) => withApp(t, async (page) => {
    // Collins drawn into a 12,500 × 8,000 JPEG by Chromium itself.
    const collins = fs.readFileSync(path.join(PHOTOS, COLLINS));
    const big = Buffer.from(await page.evaluate(async (b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const img = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
      const canvas = new OffscreenCanvas(12_500, 8_000);
      const ctx = canvas.getContext('2d');
      ctx.fillStyle = '#789';
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(img, 5_000, 2_000, 2_500, 2_500);
      const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.85 });
      return Array.from(new Uint8Array(await blob.arrayBuffer()));
    }, collins.toString('base64')));
    t.diagnostic(`100 MP JPEG: ${(big.length / 1e6).toFixed(1)} MB`);
    await page.locator(sel.photosInput).setInputFiles([{ name: 'huge.jpg', mimeType: 'image/jpeg', buffer: big }]);
    await waitForDone(page);
    assert.equal(await failedList(page).count(), 0, 'the huge photo was reported as failed');
    const people = await readPeople(page);
    assert.equal(people.length, 1, `expected Collins, found ${people.map((p) => p.label)}`);
    const album = await openAlbum(page, people[0].button);
    assert.deepEqual(album.files, ['huge.jpg']);
  }));

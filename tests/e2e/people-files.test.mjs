// People files: the named people saved as a small file (names and a few face descriptors,
// no photos), the library cleared, the file imported, and photos added afterwards join the
// named person; the naming is an edit that Undo takes back; a person named otherwise here is
// shown, not renamed, until the user takes the offered rename (undoable too); a file that is not a people file is refused with a sentence.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  DEV_SET, DEV_SET_PATH, SORT_TIMEOUT, button, download, fileFromDisk, openAlbum, readPeople, rename, sel, serveApp,
  singleFaceIdentities, waitForRunAfter, withAppAt,
} from './lib.mjs';

const app = serveApp({ before, after });
const note = (page) => page.getByTestId('people-file-note');
const importInput = 'input[type=file][aria-label="Import people"]';

async function addAndWait(page, files) {
  const since = await page.evaluate(() => performance.now());
  await page.locator(sel.photosInput).setInputFiles(files);
  await waitForRunAfter(page, since);
}

async function expectNote(page, pattern) {
  await page.waitForFunction(([src, flags]) => new RegExp(src, flags)
    .test(document.querySelector('[data-testid="people-file-note"]')?.textContent ?? ''),
  [pattern.source, pattern.flags], { timeout: 30_000 })
    .catch(async (e) => { throw new Error(`people-file note is ${JSON.stringify(await note(page).textContent())}, expected ${pattern}`, { cause: e }); });
}

const labels = async (page) => (await readPeople(page)).map((p) => p.label).sort();

/** The album files of the person called `name`. */
async function filesOf(page, name) {
  const { files } = await openAlbum(page, page.getByRole('button', { name: new RegExp(`^${name}, \\d+ photos?$`) }));
  await page.getByRole('button', { name: 'Back to people' }).click();
  return files.map((f) => path.basename(f)).sort();
}

test('named people go into a people file and come back in an empty library: new photos join them',
  { timeout: SORT_TIMEOUT * 3 + 120_000, skip: DEV_SET ? false : `no development set: ${DEV_SET_PATH}/labels.csv does not exist` },
  (t) => withAppAt(t, app.url, async (page) => {
    // Two people, two photos each to make the file from; two other photos of each come later.
    const [a, b] = singleFaceIdentities(DEV_SET, 2, 4);
    const asFile = (f) => fileFromDisk(path.join(DEV_SET, f));
    const base = (f) => path.basename(f);
    await addAndWait(page, [...a.files.slice(0, 2), ...b.files.slice(0, 2)].map(asFile));
    const before = await readPeople(page);
    assert.equal(before.length, 2, `two people: ${before.map((p) => p.label)}`);
    const holder = async (file) => {
      for (const p of await readPeople(page)) if ((await filesOf(page, p.name)).includes(base(file))) return p.name;
      return null;
    };
    await rename(page, await holder(a.files[0]), 'Ann');
    await rename(page, await holder(b.files[0]), 'Bo');

    // The file: these two, a few descriptors of the shipped embedder each, nothing else.
    const saved = await download(page, button(page, 'Save named people'), 'people.json');
    assert.equal(saved.suggested, 'Facesort people.json');
    await page.getByTestId('people-file-note').getByText(
      'Saved 2 named people into Facesort people.json (names and face descriptors, no photos). Import it in another browser to name them there.',
      { exact: true },
    ).waitFor();
    const pack = JSON.parse(saved.bytes.toString('utf8'));
    assert.deepEqual(Object.keys(pack).sort(), ['format', 'people', 'version']);
    assert.equal(pack.format, 'facesort-people');
    assert.deepEqual(pack.people.map((p) => [p.name, p.hidden]).sort(), [['Ann', false], ['Bo', false]]);
    for (const p of pack.people) {
      assert.ok(p.faces.length >= 1 && p.faces.length <= 5, `${p.faces.length} faces`);
      assert.ok(p.faces.every((f) => f.length === 128 && f.every(Number.isFinite)));
    }
    assert.ok(saved.bytes.length < 40_000, `${saved.bytes.length} bytes: more than names and descriptors`);
    t.diagnostic(`people file: ${saved.bytes.length} bytes for 2 people`);

    // An empty library (cleared; the page reloads) imports it: nobody to name yet.
    page.once('dialog', (d) => d.accept());
    await button(page, 'Clear library').click();
    await page.getByTestId('library-summary').filter({ hasText: 'Your library: 0 photos' }).waitFor({ timeout: 30_000 });
    await page.locator(importInput).setInputFiles(saved.file);
    await expectNote(page, /^From people\.json: (Ann and Bo|Bo and Ann) are named as soon as photos of them are added\.$/);

    // Kept in the library: after a reload, photos of them the file was not made from each
    // join the right name.
    await page.reload();
    await page.waitForFunction(() => document.body?.dataset.state === 'idle', null, { timeout: 30_000 });
    await addAndWait(page, [...a.files.slice(2), ...b.files.slice(2)].map(asFile));
    await expectNote(page, /^Recognised from your people files: (Ann and Bo|Bo and Ann)\.$/);
    assert.deepEqual(await labels(page), ['Ann, 2 photos', 'Bo, 2 photos']);
    assert.deepEqual(await filesOf(page, 'Ann'), a.files.slice(2).map(base).sort());
    assert.deepEqual(await filesOf(page, 'Bo'), b.files.slice(2).map(base).sort());

    // Each naming is an edit: Undo takes the last back.
    await page.locator('body').press('Control+z');
    await page.getByRole('button', { name: /^Person \d+, 2 photos$/ }).waitFor({ timeout: 10_000 });
    await page.locator('body').press('Control+y');
    await page.getByRole('button', { name: /^Person \d+, 2 photos$/ }).waitFor({ state: 'detached', timeout: 10_000 });

    // Named otherwise here: shown, not renamed.
    await rename(page, 'Ann', 'Annie');
    await page.locator(importInput).setInputFiles(saved.file);
    await expectNote(page, /^From people\.json: Annie looks like Ann in the file: rename them if it is the same person\.$/);
    assert.deepEqual(await labels(page), ['Annie, 2 photos', 'Bo, 2 photos']);
    // The user settles it with one click, an edit like any other: Undo takes it back.
    await button(page, 'Rename Annie to Ann').click();
    await page.getByRole('button', { name: 'Ann, 2 photos', exact: true }).waitFor({ timeout: 10_000 });
    assert.equal(await button(page, 'Rename Annie to Ann').count(), 0, 'a settled match offers nothing more');
    await page.locator('body').press('Control+z');
    await page.getByRole('button', { name: 'Annie, 2 photos', exact: true }).waitFor({ timeout: 10_000 });
    await button(page, 'Rename Annie to Ann').waitFor({ timeout: 10_000 });

    // Not a people file.
    await page.locator(importInput).setInputFiles(asFile(a.files[0]));
    await expectNote(page, new RegExp(`^${base(a.files[0]).replace(/\./g, '\\.')}: This is not a Facesort people file\\.$`));
  }));

// Editing people in headless Chromium: rename, merge, split, remove a face, hide, undo and
// redo; then a reload keeps all of it (and the undo history), downloads give the same zip,
// and photos added later are the only ones processed and join the right named people.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  serveApp, DEV_SET, DEV_SET_PATH, PHOTOS, SORT_TIMEOUT, accessibleDescription, albumFiles, backToPeople, button,
  download, singleFaceIdentities, fileFromDisk, mimeOf, openAlbum, readPeople, sel, sideBySidePng, waitForDone, waitForRunAfter,
  withAppAt,
} from './lib.mjs';
import { verifyZipFile } from './zip.mjs';

const app = serveApp({ before, after });

const note = (page) => page.locator('[data-testid="edit-note"]');

/** Waits for the edit note to say `pattern` (edits are saved before they are shown). */
async function expectNote(page, pattern) {
  await page.waitForFunction(([s, src, flags]) => new RegExp(src, flags).test(document.querySelector(s)?.textContent ?? ''),
    ['[data-testid="edit-note"]', pattern.source, pattern.flags], { timeout: 10_000 })
    .catch(async (e) => { throw new Error(`edit note is ${JSON.stringify(await note(page).textContent())}, expected ${pattern}`, { cause: e }); });
}

/** Every visible person with the files in their album: [{ name, count, files }]. */
async function whoIsWho(page) {
  const people = [];
  for (const p of await readPeople(page)) {
    const { files } = await openAlbum(page, p.button);
    people.push({ name: p.name, count: p.count, files: files.sort() });
    await backToPeople(page);
  }
  return people;
}

/** The person whose album holds `file`. */
const holderOf = (people, file) => people.find((p) => p.files.includes(file));

async function openPerson(page, name) {
  await openAlbum(page, page.getByRole('button', { name: new RegExp(`^${name}, \\d+ photos?$`) }));
}

test('edit people: rename, merge, split, remove, hide, undo; a reload keeps it all; new photos join named people',
  { timeout: 4 * SORT_TIMEOUT + 120_000, skip: DEV_SET ? false : `no development set: ${DEV_SET_PATH}/labels.csv does not exist` },
  (t) => withAppAt(t, app.url, async (page) => {
    const [a, b, c] = singleFaceIdentities(DEV_SET, 3, 4);
    const first = [a, b, c].flatMap((p) => p.files.slice(0, 3));
    const later = [a, b, c].map((p) => p.files[3]);
    const asFile = (f) => fileFromDisk(path.join(DEV_SET, f));
    const base = (f) => path.basename(f);
    await page.locator(sel.photosInput).setInputFiles(first.map(asFile));
    await waitForDone(page);
    let people = await whoIsWho(page);
    t.diagnostic(`sorted: ${people.map((p) => `${p.name} ${p.files.join(',')}`).join(' | ')}`);
    assert.equal(people.length, 3, 'three identities, three people');
    const [pa, pb, pc] = [a, b, c].map((id) => holderOf(people, base(id.files[0])));

    // Rename: empty and taken names are refused with a sentence; a good one sticks.
    await openPerson(page, pa.name);
    const nameBox = page.getByRole('textbox', { name: 'Name', exact: true });
    await nameBox.fill('   ');
    await button(page, 'Rename').click();
    await expectNote(page, /^A name cannot be empty\.$/);
    // Said beside the field too, which takes focus and is marked until it is typed in.
    assert.equal(await accessibleDescription(nameBox), 'A name cannot be empty.');
    assert.equal(await nameBox.getAttribute('aria-invalid'), 'true');
    assert.ok(await nameBox.evaluate((e) => e === document.activeElement), 'the name field has not got focus');
    await nameBox.fill(pb.name.toLowerCase());
    assert.equal(await nameBox.getAttribute('aria-invalid'), null, 'still marked after typing');
    await button(page, 'Rename').click();
    await expectNote(page, /^Someone else is already called .+\.$/);
    assert.match(await accessibleDescription(nameBox), /^Someone else is already called .+\.$/);
    await nameBox.fill('Ann');
    await nameBox.press('Enter');
    await expectNote(page, new RegExp(`^Renamed ${pa.name} to Ann\\.$`));
    assert.equal(await page.locator('#name-error').textContent(), '', 'a refusal is still beside the field after a good name');
    assert.equal(await page.getByRole('heading', { level: 2, name: 'Ann' }).count(), 1);

    // Remove a wrong face: it leaves Ann and sits in "Other faces".
    const removed = base(a.files[2]);
    await page.getByRole('checkbox', { name: `Select ${removed}` }).check();
    await button(page, 'Not this person').click();
    await expectNote(page, /^Took 1 face away/);
    assert.ok(!(await albumFiles(page)).includes(removed));
    await backToPeople(page);
    await button(page, 'Other faces, 1 face').waitFor();

    // Split: one of B's photos goes to a new person.
    await openPerson(page, pb.name);
    const split = base(b.files[1]);
    await page.getByRole('checkbox', { name: `Select ${split}` }).check();
    await page.getByRole('combobox', { name: 'Move to' }).selectOption({ label: 'A new person' });
    await button(page, 'Move').click();
    await expectNote(page, /^Moved 1 face to Person \d+\.$/);
    const splitName = (await note(page).textContent()).match(/to (Person \d+)\.$/)[1];
    await backToPeople(page);
    people = await whoIsWho(page);
    assert.deepEqual(holderOf(people, split), { name: splitName, count: 1, files: [split] });
    assert.equal(holderOf(people, base(b.files[0])).count, 2);

    // Merge B and the split-off person back together, named Bob.
    await page.getByRole('checkbox', { name: `Select ${pb.name} to merge` }).check();
    await page.getByRole('checkbox', { name: `Select ${splitName} to merge` }).check();
    await page.getByRole('combobox', { name: 'Name for the merged person' }).fill('Bob');
    await button(page, 'Merge').click();
    await expectNote(page, /^Merged 2 people into Bob\.$/);

    // Hide C, then undo (Ctrl+Z) and redo (the button) it.
    await openPerson(page, pc.name);
    await button(page, `Hide ${pc.name}`).click();
    await expectNote(page, new RegExp(`^${pc.name} is hidden`));
    await page.locator('body').press('Control+z');
    await expectNote(page, new RegExp(`^Undone: hide ${pc.name}\\.$`));
    assert.ok((await readPeople(page)).some((p) => p.name === pc.name), 'undo did not bring C back');
    await page.getByRole('button', { name: `Redo hide ${pc.name}` }).click();
    await expectNote(page, new RegExp(`^Redone: hide ${pc.name}\\.$`));

    const expected = [
      { name: 'Bob', count: 3, files: b.files.slice(0, 3).map(base).sort() },
      { name: 'Ann', count: 2, files: a.files.slice(0, 2).map(base).sort() },
    ];
    assert.deepEqual(await whoIsWho(page), expected);
    const hiddenSummary = page.getByText('Hidden people (1)');
    assert.equal(await hiddenSummary.count(), 1);
    const zip1 = await download(page, button(page, 'Download everything (zip)'), 'edited.zip');
    const before = verifyZipFile(zip1.file, zip1.bytes);
    assert.deepEqual([...before.files.keys()].sort(),
      [...expected[1].files.map((f) => `Ann/${f}`), ...expected[0].files.map((f) => `Bob/${f}`),
        `other-faces/${base(a.files[2])}`].sort(),
      'the zip holds one folder per visible person, nothing of hidden people, and the photo whose face was taken away in other-faces/');

    // Reload: everything as it was, the undo history too, and the same zip.
    await page.reload();
    await waitForDone(page);
    assert.deepEqual(await whoIsWho(page), expected);
    await button(page, 'Other faces, 1 face').waitFor();
    assert.equal(await hiddenSummary.count(), 1);
    await page.getByRole('button', { name: `Undo hide ${pc.name}` }).waitFor();
    const zip2 = await download(page, button(page, 'Download everything (zip)'), 'edited-after-reload.zip');
    const after = verifyZipFile(zip2.file, zip2.bytes);
    assert.deepEqual([...after.files.keys()].sort(), [...before.files.keys()].sort());
    for (const [name, bytes] of after.files) assert.ok(bytes.equals(before.files.get(name)), `${name} differs after the reload`);

    // More photos (and the first ones again): only the new are processed; they join Ann, Bob
    // and the hidden C; the face taken from Ann does not go back to her.
    const since = await page.evaluate(() => performance.now());
    await page.locator(sel.photosInput).setInputFiles([...first, ...later].map(asFile));
    await waitForRunAfter(page, since);
    assert.match(await page.locator('[data-testid="duplicates-note"]').textContent(), /^9 photos already in your library/);
    people = await whoIsWho(page);
    t.diagnostic(`after adding: ${people.map((p) => `${p.name} ${p.files.join(',')}`).join(' | ')}`);
    assert.deepEqual(holderOf(people, base(a.files[3]))?.name, 'Ann');
    assert.deepEqual(holderOf(people, base(b.files[3]))?.name, 'Bob');
    assert.equal(holderOf(people, base(c.files[3])), undefined, 'the hidden person\'s new photo is in the grid');
    assert.equal(await hiddenSummary.count(), 1);
    assert.notEqual(holderOf(people, removed)?.name, 'Ann', 'the removed face went back to Ann');
    assert.equal(holderOf(people, base(b.files[3])).count, 4);
    assert.equal(holderOf(people, base(a.files[3])).count, 3);

    // Showing C again puts them back with their new photo.
    await page.getByText('Hidden people (1)').click();
    await button(page, `Show ${pc.name}`).click();
    await expectNote(page, new RegExp(`^${pc.name} is shown again\\.$`));
    people = await whoIsWho(page);
    assert.deepEqual(holderOf(people, base(c.files[3]))?.files, c.files.map(base).sort());
  }));

test('the photo viewer says who each face is and corrects one face at a time',
  { timeout: SORT_TIMEOUT + 120_000, skip: DEV_SET ? false : `no development set: ${DEV_SET_PATH}/labels.csv does not exist` },
  (t) => withAppAt(t, app.url, async (page) => {
    const [a, b] = singleFaceIdentities(DEV_SET, 2, 4);
    const base = (f) => path.basename(f);
    // A photo of the two together: each one's fourth photo, side by side.
    const pair = await sideBySidePng(page, [a.files[3], b.files[3]].map((f) => ({
      buffer: fs.readFileSync(path.join(DEV_SET, f)), mimeType: mimeOf(f), height: 250,
    })));
    const singles = [...a.files.slice(0, 3), ...b.files.slice(0, 3)].map((f) => fileFromDisk(path.join(DEV_SET, f)));
    await page.locator(sel.photosInput).setInputFiles([...singles, { name: 'pair.png', mimeType: 'image/png', buffer: pair }]);
    await waitForDone(page);
    const people = await whoIsWho(page);
    const [pa, pb] = [a, b].map((id) => holderOf(people, base(id.files[0])));
    assert.ok(pa && pb && pa !== pb, `two people: ${JSON.stringify(people)}`);
    assert.ok(pa.files.includes('pair.png') && pb.files.includes('pair.png'), `both are in the pair: ${JSON.stringify(people)}`);

    await openPerson(page, pa.name);
    await page.getByRole('button', { name: 'Open pair.png', exact: true }).click();
    const faces = page.getByRole('list', { name: /^\d+ faces in this photo$/ });
    await faces.waitFor();
    const rows = faces.getByRole('listitem');
    const n = await rows.count();
    assert.ok(n >= 2, `${n} faces listed`);
    assert.equal(await page.locator('.viewer .face-number').count(), n, 'each box is numbered');
    // Numbered as the photo is read, left to right, as the list is.
    const at = (await page.locator('.viewer .face-number').evaluateAll((els) => els
      .map((e) => [Number(e.textContent), e.getBoundingClientRect().left]))).sort((p, q) => p[0] - q[0]);
    assert.ok(at.every(([k, x], i) => k === i + 1 && (i === 0 || x >= at[i - 1][1])), `numbers and places: ${JSON.stringify(at)}`);
    assert.deepEqual(await rows.evaluateAll((els) => els.map((e) => Number(e.dataset.face))), at.map(([k]) => k));
    const rowOf = (name) => rows.filter({ has: page.getByRole('button', { name: `Open ${name}`, exact: true }) });
    assert.equal(await rowOf(pa.name).count(), 1, `one face of ${pa.name}`);
    assert.equal(await rowOf(pb.name).count(), 1, `one face of ${pb.name}`);
    const number = Number(await rowOf(pb.name).getAttribute('data-face'));

    const aNumber = Number(await rowOf(pa.name).getAttribute('data-face'));
    const aChooser = page.getByRole('combobox', { name: `Move to (face ${aNumber})`, exact: true });

    // "Not B" for B's face alone: B keeps their other photos, A keeps the pair.
    await page.getByRole('button', { name: `Face ${number} is not ${pb.name}`, exact: true }).click();
    await expectNote(page, /^Took 1 face away/);
    const row = rows.nth(number - 1);
    await row.getByText(`${number}. In nobody's album (Other faces)`, { exact: true }).waitFor();
    assert.ok(await row.evaluate((e) => e === document.activeElement), 'the row keeps focus');
    assert.equal(await rowOf(pa.name).count(), 1, `${pa.name}'s face is untouched`);
    // Then into a person of its own, from the same row.
    await page.getByRole('combobox', { name: `Move to (face ${number})`, exact: true }).selectOption({ label: 'A new person' });
    await button(page, `Move face ${number}`).click();
    await expectNote(page, /^Moved 1 face/);
    const moved = (await row.locator('.who').textContent()).slice(`${number}. `.length);
    assert.match(moved, /^Person \d+$/);
    await button(page, 'Close').click();
    await backToPeople(page);
    let now = await whoIsWho(page);
    assert.ok(holderOf(now, base(a.files[0])).files.includes('pair.png'));
    assert.ok(!holderOf(now, base(b.files[0])).files.includes('pair.png'), `${pb.name} still has the pair`);
    assert.deepEqual(now.find((p) => p.name === moved)?.files, ['pair.png']);

    // A person chosen in a row's "Move to" who then goes (here by Undo) is not kept behind
    // the chooser's back: it shows, and moves to, a new person.
    await openPerson(page, pa.name);
    await page.getByRole('button', { name: 'Open pair.png', exact: true }).click();
    await aChooser.selectOption({ label: moved });
    await button(page, `Undo move 1 face to ${moved}`).click();
    await expectNote(page, new RegExp(`^Undone: move 1 face to ${moved}\\.$`));
    assert.equal(await aChooser.evaluate((s) => s.selectedOptions[0]?.textContent), 'A new person');
    await button(page, `Move face ${aNumber}`).click();
    await expectNote(page, /^Moved 1 face to Person \d+\.$/);
    assert.match(await rows.nth(aNumber - 1).locator('.who').textContent(), new RegExp(`^${aNumber}\\. Person \\d+$`));
    await button(page, /^Undo move 1 face to Person \d+$/).click();
    await expectNote(page, /^Undone: move 1 face to Person \d+\.$/);
    await rowOf(pa.name).waitFor();
    await button(page, 'Close').click();
    await backToPeople(page);

    // Undo once more: B has their face in the pair again.
    await button(page, `Undo remove 1 face from ${pb.name}`).click();
    await expectNote(page, new RegExp(`^Undone: remove 1 face from ${pb.name}\\.$`));
    now = await whoIsWho(page);
    assert.ok(holderOf(now, base(b.files[0])).files.includes('pair.png'), 'undo gave the face back');
  }));

test('a version-1 library (before people were stored) opens with the same people and can be edited',
  { timeout: SORT_TIMEOUT + 120_000 },
  (t) => withAppAt(t, app.url, async (page) => {
    const files = ['eileen_collins_nasa.png', 'cameraman_cc0.png', 'rocket_spacex_pd.jpg']
      .map((f) => fileFromDisk(path.join(PHOTOS, f)));
    await page.locator(sel.photosInput).setInputFiles(files);
    await waitForDone(page);
    const before = (await readPeople(page)).map((p) => p.label);

    // Rewrite the database as schema version 1 had it: photos and pending only, each
    // photo's record holding its original as a Blob and its previews' bytes. Done from
    // another page of the same origin, so the app's own connection is gone.
    await page.goto(new URL('no-such-page', app.url).href);
    const kept = await page.evaluate(async () => {
      const req = (r) => new Promise((ok, fail) => { r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
      // Version 1 stored the previews' bytes as Uint8Arrays (serde_bytes).
      const bytes = async (blob) => new Uint8Array(await blob.arrayBuffer());
      const now = await req(indexedDB.open('facesort'));
      const read = now.transaction(['photo records', 'originals', 'previews']);
      const photos = await req(read.objectStore('photo records').getAll());
      for (const p of photos) {
        p.file = await req(read.objectStore('originals').get(p.hash));
        p.thumb = await req(read.objectStore('previews').get(`${p.hash}/thumb`));
        p.crops = await Promise.all(p.report.faces.map((_, i) => req(read.objectStore('previews').get(`${p.hash}/face${i}`))));
      }
      now.close();
      for (const p of photos) {
        p.report.thumbnail_jpeg = await bytes(p.thumb);
        for (const [i, f] of p.report.faces.entries()) f.crop_jpeg = await bytes(p.crops[i]);
        delete p.thumb;
        delete p.crops;
        delete p.report.taken_ms;
      }
      await req(indexedDB.deleteDatabase('facesort'));
      const open = indexedDB.open('facesort', 1);
      open.onupgradeneeded = () => {
        open.result.createObjectStore('photos', { keyPath: 'hash' });
        open.result.createObjectStore('pending', { keyPath: 'path' });
      };
      const v1 = await req(open);
      const tx = v1.transaction('photos', 'readwrite');
      for (const p of photos) tx.objectStore('photos').put(p);
      await new Promise((ok, fail) => {
        tx.oncomplete = ok;
        tx.onerror = tx.onabort = () => fail(tx.error ?? new Error('the version-1 records were not written'));
      });
      const stores = [...v1.objectStoreNames];
      v1.close();
      return { photos: photos.filter((p) => p.file instanceof Blob && p.report.thumbnail_jpeg.length > 0).length, stores };
    });
    assert.deepEqual(kept, { photos: 3, stores: ['pending', 'photos'] });

    // Every text the opening note shows, as the page shows it.
    await page.addInitScript(() => {
      window.openingNotes = [];
      new MutationObserver(() => {
        const text = document.querySelector('[data-testid="opening-note"]')?.textContent;
        if (text && window.openingNotes.at(-1) !== text) window.openingNotes.push(text);
      }).observe(document, { subtree: true, childList: true, characterData: true });
    });
    await page.goto(app.url);
    await waitForDone(page);
    assert.deepEqual((await readPeople(page)).map((p) => p.label), before, 'the people changed in the upgrade');
    const notes = await page.evaluate(() => window.openingNotes);
    assert.ok(notes.includes('Updating your library for this version of Facesort: 3 of 3 photos done…'),
      `the upgrade was not shown: ${JSON.stringify(notes)}`);
    assert.equal(await page.getByTestId('opening-note').textContent(), '', 'the opening note stayed');
    const stores = await page.evaluate(async () => {
      const db = await new Promise((ok) => { const r = indexedDB.open('facesort'); r.onsuccess = () => ok(r.result); });
      const names = [db.version, ...db.objectStoreNames];
      db.close();
      return names;
    });
    assert.deepEqual(stores, [5, 'edits', 'faces', 'folders', 'known', 'meta', 'originals', 'pending', 'people',
      'photo records', 'photos', 'previews']);
    // The previews shown are the ones moved out of the version-1 records.
    await page.waitForFunction(() => {
      const images = [...document.querySelectorAll('.person img')];
      return images.length > 0 && images.every((img) => img.complete && img.naturalWidth > 0 && img.src.startsWith('blob:'));
    });
    const [first] = await readPeople(page);
    await openAlbum(page, first.button);
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Eileen');
    await button(page, 'Rename').click();
    await expectNote(page, /to Eileen\.$/);
  }));

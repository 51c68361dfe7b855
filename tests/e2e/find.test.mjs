// "Find me" in headless Chromium: a reference photo finds a labelled person's photos in a
// library already sorted (and kept in IndexedDB), the threshold changes the list live, a
// reference with two faces asks which one, several references combine, and the matches can
// be saved as a person or downloaded.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  serveApp, DEV_SET, DEV_SET_PATH, PHOTOS, SORT_TIMEOUT, button, download, dropFiles, fileFromDisk,
  readPeople, singleFaceIdentities, sel, waitForDone, withAppAt,
} from './lib.mjs';
import { verifyZipFile } from './zip.mjs';

const app = serveApp({ before, after });

const matchList = (page) => page.getByRole('list', { name: 'Matches', exact: true });

/** [{ file, similarity }] as listed, best first. */
async function readMatches(page) {
  return matchList(page).locator(':scope > li').evaluateAll((items) =>
    items.map((li) => ({ file: li.dataset.file, similarity: Number(li.dataset.similarity) })));
}

async function waitForCount(page, n) {
  await page.waitForFunction(([n]) => document.querySelector('[data-testid="match-count"]')?.textContent
    .startsWith(`${n} photo`), [n], { timeout: 30_000 })
    .catch(async (e) => {
      throw new Error(`match count is ${await page.locator('[data-testid="match-count"]').textContent().catch(() => '?')}, expected ${n}`, { cause: e });
    });
}

test('find me: a reference face finds a person\'s photos; threshold, face choice, several references, save and zip',
  { timeout: 2 * SORT_TIMEOUT + 120_000, skip: DEV_SET ? false : `no development set: ${DEV_SET_PATH}/labels.csv does not exist` },
  (t) => withAppAt(t, app.url, async (page) => {
    const people = singleFaceIdentities(DEV_SET, 5, 5);
    const [a, b] = people;
    const library = people.flatMap((p) => p.files.slice(0, 3));
    const base = (f) => path.basename(f);
    const aFiles = a.files.slice(0, 3).map(base).sort();
    await page.locator(sel.photosInput).setInputFiles(library.map((f) => fileFromDisk(path.join(DEV_SET, f))));
    await waitForDone(page);
    // Searched from IndexedDB after a reload: nothing is reprocessed.
    await page.reload();
    await waitForDone(page);

    await button(page, 'Find a person').click();
    // From disk (not a buffer), so the file has its own time of change, as when picked.
    const refInput = page.locator('input[aria-label="Choose reference photos"]');
    await refInput.setInputFiles([path.join(DEV_SET, a.files[3])]);
    await waitForCount(page, 3);
    let found = await readMatches(page);
    // The same file chosen again is not a second reference, which would count it twice.
    await refInput.setInputFiles([path.join(DEV_SET, a.files[3])]);
    await page.waitForTimeout(500);
    const references = page.getByRole('list', { name: 'Reference photos' }).locator(':scope > li');
    assert.equal(await references.count(), 1, 'the same file became a second reference');
    assert.deepEqual(await readMatches(page), found);
    t.diagnostic(`one reference: ${JSON.stringify(found)}`);
    assert.deepEqual(found.map((m) => m.file).sort(), aFiles, `${a.identity}'s photos, and only them, above the default`);
    assert.ok(found.every((m) => m.similarity >= 0.52));
    assert.equal(await page.evaluate(() => window.facesortStats?.done ?? 0), 0, 'the library was reprocessed');

    // The threshold changes the list live.
    const slider = page.getByRole('slider', { name: 'Minimum similarity' });
    await slider.fill('0');
    await waitForCount(page, library.length);
    found = await readMatches(page);
    assert.deepEqual(found.slice(0, 3).map((m) => m.file).sort(), aFiles, 'the best three are not A\'s');
    for (let i = 1; i < found.length; i++) assert.ok(found[i - 1].similarity >= found[i].similarity, 'not best first');
    await slider.fill('0.95');
    await waitForCount(page, 0);
    await button(page, 'Default').click();
    await waitForCount(page, 3);

    // A reference with two faces (A and B side by side, drawn by Chromium): the page asks.
    const pair = Buffer.from(await page.evaluate(async ([x, y]) => {
      const load = async (b64) => createImageBitmap(new Blob([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))]));
      const [l, r] = [await load(x), await load(y)];
      const h = Math.max(l.height, r.height);
      const canvas = new OffscreenCanvas(l.width + r.width, h);
      const ctx = canvas.getContext('2d');
      ctx.fillStyle = '#888';
      ctx.fillRect(0, 0, canvas.width, h);
      ctx.drawImage(l, 0, 0);
      ctx.drawImage(r, l.width, 0);
      const blob = await canvas.convertToBlob({ type: 'image/png' });
      return Array.from(new Uint8Array(await blob.arrayBuffer()));
    }, [fs.readFileSync(path.join(DEV_SET, a.files[4])).toString('base64'), fs.readFileSync(path.join(DEV_SET, b.files[3])).toString('base64')]));
    await page.locator('input[aria-label="Choose reference photos"]').setInputFiles([{ name: 'pair.png', mimeType: 'image/png', buffer: pair }]);
    await page.getByText('2 faces in pair.png: choose the person.').waitFor({ timeout: 30_000 });
    // Nothing changes until a face is chosen; then each face finds its own person.
    await waitForCount(page, 3);
    await button(page, `Remove ${base(a.files[3])}`).click();
    const faceButtons = [1, 2].map((i) => page.getByRole('button', { name: `Use face ${i} of pair.png` }));
    const identities = [];
    for (const face of faceButtons) {
      await face.click();
      await page.waitForFunction(() => Number(document.querySelector('[data-testid="match-count"]')?.textContent.match(/^(\d+)/)?.[1]) >= 1);
      await waitForCount(page, 3);
      identities.push((await readMatches(page)).map((m) => m.file).sort());
      await face.click();
    }
    const bFiles = b.files.slice(0, 3).map(base).sort();
    assert.deepEqual(new Set(identities.map((f) => f.join())), new Set([aFiles.join(), bFiles.join()]), 'the two faces find A and B');
    // Both faces at once are two people, and the page says so.
    const disagree = page.getByTestId('references-disagree');
    assert.equal((await disagree.textContent()).trim(), '', 'one face was said to be two people');
    for (const face of faceButtons) await face.click();
    await disagree.getByText(/^These faces look like different people/).waitFor();
    for (const face of faceButtons) await face.click();
    assert.equal((await disagree.textContent()).trim(), '', 'the caution stayed with one face');
    const aFace = faceButtons[identities.findIndex((f) => f.join() === aFiles.join())];

    // Both of A's references together: still exactly A's photos. The second is dropped
    // onto the Find screen, where the library's drop zone is not: a selfie dropped there
    // is a reference, never a photo of the library.
    assert.equal(await page.locator(sel.dropZone).count(), 0, "the library's drop zone is on the Find screen");
    const summary = () => page.locator('[data-testid="library-summary"]').textContent();
    const libraryBefore = await summary();
    const drop = await dropFiles(page, [fileFromDisk(path.join(DEV_SET, a.files[3]))], { zone: 'section.find-me' });
    assert.ok(drop.dropPrevented, 'the Find screen did not take the drop');
    await aFace.click();
    assert.equal(await aFace.getAttribute('aria-pressed'), 'true');
    await waitForCount(page, 3);
    found = await readMatches(page);
    assert.equal(await summary(), libraryBefore, 'the dropped reference changed the library');
    assert.equal((await disagree.textContent()).trim(), '', 'two photos of one person were said to be two people');
    t.diagnostic(`two references: ${JSON.stringify(found)}`);
    assert.deepEqual(found.map((m) => m.file).sort(), aFiles);

    // Download the matches, then save them as a person.
    const zip = await download(page, button(page, 'Download matches (zip)'), 'find-me.zip');
    assert.equal(zip.suggested, 'Matches.zip');
    assert.deepEqual([...verifyZipFile(zip.file, zip.bytes).files.keys()].sort(), aFiles);
    await page.getByRole('textbox', { name: 'Name for this person' }).fill('Me');
    // Once the user has said who it is, the zip is named for them.
    const named = await download(page, button(page, 'Download matches (zip)'), 'find-me-named.zip');
    assert.equal(named.suggested, 'Me.zip');
    assert.deepEqual([...verifyZipFile(named.file, named.bytes).files.keys()].sort(), aFiles);
    await button(page, 'Save as a person').click();
    await page.waitForFunction(() => /^Saved 3 faces as Me\.$/.test(document.querySelector('[data-testid="edit-note"]')?.textContent ?? ''));
    await button(page, 'Back to people').click();
    const grid = await readPeople(page);
    assert.ok(grid.some((p) => p.label === 'Me, 3 photos'), `no "Me, 3 photos" in ${grid.map((p) => p.label)}`);

    // A reference without a face is said at once (an alert: focus is elsewhere).
    await button(page, 'Find a person').click();
    await page.locator('input[aria-label="Choose reference photos"]')
      .setInputFiles([fileFromDisk(path.join(PHOTOS, 'rocket_spacex_pd.jpg'))]);
    await page.getByRole('alert').filter({ hasText: 'rocket_spacex_pd.jpg: no face was found in it' }).waitFor({ timeout: 30_000 });
  }));

// Two tabs of the app on one library: photos added in both at once are all kept, none twice,
// and both tabs end up showing the same people (one tab's run waits for the other's; each
// tells the other when the library changed). A newer build opening the library makes an older
// tab let go of it (IndexedDB would block the upgrade) and ask to be reloaded.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  PHOTOS, button, fileFromDisk, gotoApp, openAlbum, readPeople, serveApp, sel, waitForDone, waitForRunAfter, withAppAt,
} from './lib.mjs';

const app = serveApp({ before, after });
const collins = fileFromDisk(path.join(PHOTOS, 'eileen_collins_nasa.png'));
const copies = (tag, n) => Array.from({ length: n }, (_, i) => ({
  name: `${tag}-${i}.png`, mimeType: 'image/png', buffer: Buffer.concat([collins.buffer, Buffer.from(`${tag} ${i}`)]),
}));
const summary = (page) => page.getByTestId('library-summary').textContent();
const labels = async (page) => (await readPeople(page)).map((p) => p.label);

test('two tabs adding photos at once: nothing lost or doubled, both show the same people',
  { timeout: 300_000 }, (t) => withAppAt(t, app.url, async (a, guard) => {
    const b = await guard.context.newPage();
    const errorsB = [];
    b.on('pageerror', (e) => errorsB.push(String(e)));
    await gotoApp(b, app.url);

    const sinceA = await a.evaluate(() => performance.now());
    const sinceB = await b.evaluate(() => performance.now());
    // The same photo in both batches: kept once.
    await Promise.all([
      a.locator(sel.photosInput).setInputFiles(copies('a', 6)),
      b.locator(sel.photosInput).setInputFiles([...copies('b', 4), copies('a', 1)[0]]),
    ]);
    await Promise.all([waitForRunAfter(a, sinceA), waitForRunAfter(b, sinceB)]);
    // The tab that finished first hears of the other's photos.
    for (const page of [a, b]) {
      await page.getByTestId('library-summary').filter({ hasText: 'Your library: 10 photos' }).waitFor({ timeout: 30_000 });
    }
    const [la, lb] = [await labels(a), await labels(b)];
    t.diagnostic(`tab A: ${la.join(' | ')}; tab B: ${lb.join(' | ')}`);
    assert.deepEqual(la, lb, 'both tabs show the same people');
    assert.deepEqual(la, ['Person 1, 10 photos']);

    // A correction in one tab shows in the other.
    await (await readPeople(a))[0].button.click();
    const nameBox = a.getByRole('textbox', { name: 'Name', exact: true });
    await nameBox.fill('Eileen');
    await nameBox.press('Enter');
    await a.getByRole('heading', { level: 2, name: 'Eileen' }).waitFor({ timeout: 10_000 });
    await b.waitForFunction(() => document.body.innerText.includes('Eileen'), null, { timeout: 30_000 });
    assert.deepEqual(await labels(b), ['Eileen, 10 photos']);

    // After a reload, the same library.
    await b.reload();
    await b.getByTestId('library-summary').filter({ hasText: 'Your library: 10 photos' }).waitFor({ timeout: 60_000 });
    assert.deepEqual(await labels(b), ['Eileen, 10 photos']);
    assert.deepEqual(errorsB, [], 'uncaught errors in the second tab');
  }));

test('a newer build opening the library in another tab is not blocked by an older tab, which then writes nothing',
  { timeout: 180_000 }, (t) => withAppAt(t, app.url, async (old, guard) => {
    await old.getByTestId('library-summary').waitFor();
    await old.locator(sel.photosInput).setInputFiles(copies('old', 2));
    await waitForDone(old);
    const [person] = await readPeople(old);
    const next = await guard.context.newPage();
    await next.goto(new URL('manifest.webmanifest', app.url).href);
    // What a newer build does first: announce its schema, then open with it.
    const opened = await next.evaluate(() => {
      new BroadcastChannel('facesort-library').postMessage({ kind: 'Opening', schema: 999 });
      return new Promise((resolve) => {
        const request = indexedDB.open('facesort', 999);
        request.onblocked = () => resolve('blocked');
        request.onsuccess = () => { request.result.close(); resolve('opened'); };
        request.onerror = () => resolve(`error ${request.error}`);
      });
    });
    assert.equal(opened, 'opened');
    await old.getByRole('alert').filter({ hasText: 'Facesort was updated in another tab: reload this tab' })
      .waitFor({ timeout: 10_000 });
    t.diagnostic(`summary of the old tab: ${await summary(old)}`);

    // The old tab has let the library go: a rename is refused, not made in the page alone
    // (a reload would lose it), and new photos are not taken in.
    await openAlbum(old, old.getByRole('button', { name: person.label, exact: true }));
    await old.getByRole('textbox', { name: 'Name', exact: true }).fill('Eileen');
    await button(old, 'Rename').click();
    await old.getByTestId('edit-note')
      .filter({ hasText: 'The change could not be saved, so it was not made: the library was closed in this tab' })
      .waitFor({ timeout: 10_000 });
    await old.getByRole('heading', { level: 2, name: person.name, exact: true }).waitFor();
    await button(old, 'Back to people').click();
    const progress = old.locator(sel.progressText);
    const before = await progress.textContent();
    await old.locator(sel.photosInput).setInputFiles(copies('late', 1));
    // Taken in, the photo would show in the progress within a few hundred ms (the models are
    // loaded); refused, nothing moves.
    await old.waitForTimeout(3_000);
    assert.equal(await progress.textContent(), before, 'no photo taken in');
    await old.getByRole('alert').filter({ hasText: 'Facesort was updated in another tab: reload this tab' }).waitFor();
    assert.deepEqual(await labels(old), [person.label]);
  }));

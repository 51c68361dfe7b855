// Accessibility audit: axe-core (the rules behind Lighthouse and most audits: names, roles,
// contrast, label-in-name, landmarks) run in headless Chromium on each screen a user reaches,
// with a real library, in the light and the dark colour scheme. Any violation fails, with the
// rule and the elements it names.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  DEV_SET, DEV_SET_PATH, PHOTOS, SORT_TIMEOUT, axeViolations, button, fileFromDisk, openAlbum, readPeople, sel,
  serveApp, singleFaceIdentities, waitForDone, withAppAt,
} from './lib.mjs';

const app = serveApp({ before, after });

test('every screen passes axe-core: people, album, photo, merge, rename, hidden people, find, sharing, history',
  { timeout: SORT_TIMEOUT + 120_000, skip: DEV_SET ? false : `no development set: ${DEV_SET_PATH}/labels.csv does not exist` },
  (t) => withAppAt(t, app.url, async (page) => {
    const found = [];
    // Each screen in the light and the dark scheme (the page follows the system's).
    const audit = async (screen) => {
      const v = await axeViolations(page);
      t.diagnostic(`${screen}: ${v.length} violations`);
      found.push(...v.map((line) => `${screen}: ${line}`));
      // And on a phone's width, nothing is wider than the screen (no sideways scrolling).
      const size = page.viewportSize();
      await page.setViewportSize({ width: 390, height: 844 });
      const wide = await page.evaluate(() => document.documentElement.scrollWidth);
      if (wide > 390) found.push(`${screen}: ${wide} px wide on a 390 px screen`);
      await page.setViewportSize(size);
    };
    // The dark scheme is applied, not only present in the style sheet.
    const paper = async () => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    await page.emulateMedia({ colorScheme: 'dark' });
    const dark = await paper();
    await page.emulateMedia({ colorScheme: 'light' });
    assert.notEqual(dark, await paper(), 'the page looks the same in the dark scheme');
    await audit('empty page');

    const ids = singleFaceIdentities(DEV_SET, 3, 2);
    await page.locator(sel.photosInput).setInputFiles([
      ...ids.flatMap((p) => p.files).map((f) => fileFromDisk(path.join(DEV_SET, f))),
      fileFromDisk(path.join(PHOTOS, 'rocket_spacex_pd.jpg')),
      // Two people side by side: merging them earns a caution.
      fileFromDisk(path.join(DEV_SET, 'images/deepface_couple.jpg')),
      { name: 'text.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('not a photo') },
    ]);
    await waitForDone(page);
    await audit('people, with a failed file');

    const picks = page.getByRole('checkbox', { name: /^Select .* to merge$/ });
    await picks.nth(0).check();
    await picks.nth(1).check();
    await page.getByRole('form', { name: 'Merge people' }).waitFor();
    await audit('merge bar');
    await picks.nth(0).uncheck();
    await picks.nth(1).uncheck();
    // Of every pair of people, only the couple's two (in one photo) are cautioned against.
    const caution = page.locator('form.merge-bar .caution');
    const cautioned = [];
    const n = await picks.count();
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        await picks.nth(i).check();
        await picks.nth(j).check();
        const said = (await caution.textContent()).trim();
        if (said) cautioned.push([i, j, said]);
        await picks.nth(i).uncheck();
        await picks.nth(j).uncheck();
      }
    }
    assert.equal(cautioned.length, 1, `cautioned pairs: ${JSON.stringify(cautioned)}`);
    assert.equal(cautioned[0][2], 'Careful: they are together in 1 photo, so they are most likely different people.');
    await picks.nth(cautioned[0][0]).check();
    await picks.nth(cautioned[0][1]).check();
    await audit('merge bar, with a caution');
    await picks.nth(cautioned[0][0]).uncheck();
    await picks.nth(cautioned[0][1]).uncheck();

    for (const summary of await page.locator('summary').all()) await summary.click();
    await audit('sharing and history open');

    await page.getByRole('button', { name: /^Photos without faces/ }).click();
    await page.locator('[data-file]').first().waitFor();
    await audit('photos without faces');
    await button(page, 'Back to people').click();

    let people = await readPeople(page);
    await openAlbum(page, people[0].button);
    await audit('album');
    // Named, then the same name again: refused with a sentence, which is audited too.
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Ann');
    await button(page, 'Rename').click();
    await page.locator('[data-testid="edit-note"]').filter({ hasText: 'Renamed' }).waitFor();
    await button(page, 'Rename').click();
    await page.locator('[data-testid="edit-note"]').filter({ hasText: 'They are already called Ann.' }).waitFor();
    await audit('rename refused');

    await page.locator('[data-file]').first().click();
    await button(page, 'Close').waitFor();
    await audit('photo');
    await button(page, 'Close').click();
    // The refusal was about that screen: once the user has moved on it goes (while a
    // rename that was made is still said where it was said).
    assert.equal((await page.getByTestId('edit-note').textContent()).trim(), '', 'a refusal outlived its screen');

    await page.getByRole('button', { name: /^Hide / }).click();
    await page.locator('summary', { hasText: 'Hidden people (1)' }).click();
    await page.getByRole('button', { name: /^Show / }).waitFor();
    await audit('hidden people');

    await button(page, 'Find a person').click();
    await page.locator('input[aria-label="Choose reference photos"]')
      .setInputFiles([fileFromDisk(path.join(DEV_SET, ids[1].files[0]))]);
    await page.getByRole('button', { name: /, similarity \d/ }).first().waitFor({ timeout: 30_000 });
    await audit('find');

    assert.deepEqual(found, [], `axe-core violations:\n${found.join('\n')}`);
  }));

/** What has keyboard focus: its tag, accessible name (or text) and person key. */
const focused = (page) => page.evaluate(() => {
  const a = document.activeElement;
  return { tag: a?.tagName, name: a?.getAttribute('aria-label') ?? a?.textContent.trim(), person: a?.dataset.personKey ?? null };
});

test('keyboard focus follows the user: onto each screen opened, never dropped to the page when a control goes away',
  { timeout: SORT_TIMEOUT + 120_000, skip: DEV_SET ? false : `no development set: ${DEV_SET_PATH}/labels.csv does not exist` },
  (t) => withAppAt(t, app.url, async (page) => {
    const ids = singleFaceIdentities(DEV_SET, 3, 2);
    await page.locator(sel.photosInput).setInputFiles(ids.flatMap((p) => p.files).map((f) => fileFromDisk(path.join(DEV_SET, f))));
    await waitForDone(page);
    const people = await readPeople(page);
    assert.equal(people.length, 3);
    const key = await people[0].button.getAttribute('data-person-key');

    // Enter on a person: focus is on the album's heading, and Tab goes on within the album.
    await people[0].button.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 2, name: people[0].name }).waitFor();
    await page.waitForFunction(() => document.activeElement?.tagName === 'H2');
    assert.equal((await focused(page)).name, people[0].name);
    await page.keyboard.press('Tab');
    assert.equal((await focused(page)).name, 'Download album (zip)');

    // Hide: the album closes and the card goes; focus lands on the People heading.
    await page.getByRole('button', { name: `Hide ${people[0].name}` }).focus();
    await page.keyboard.press('Enter');
    await page.locator(`[data-person-key="${key}"]`).waitFor({ state: 'detached' });
    await page.waitForTimeout(300);
    assert.deepEqual(await focused(page), { tag: 'H2', name: 'People', person: null }, 'focus after hiding');

    // Show again (from the hidden list): focus is on their card.
    await page.locator('summary', { hasText: 'Hidden people (1)' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: `Show ${people[0].name}` }).focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction((k) => document.activeElement?.dataset.personKey === k, key);
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.personKey), key, 'focus moved on from the card');

    // Merge by keyboard: focus is on the merged person's card, not the page.
    const picks = page.getByRole('checkbox', { name: /^Select .* to merge$/ });
    await picks.nth(1).focus();
    await page.keyboard.press('Space');
    await picks.nth(2).focus();
    await page.keyboard.press('Space');
    await button(page, 'Merge').focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('button.person').length === 2);
    await page.waitForFunction(() => document.activeElement?.classList.contains('person'));
    await page.waitForTimeout(300);
    assert.match((await focused(page)).name, /, 4 photos$/, 'focus on the merged person');

    // Undo until there is nothing left: the disabled Undo does not take focus to the page.
    const undo = page.getByRole('button', { name: /^Undo/ });
    await undo.focus();
    for (let i = 0; i < 10 && await undo.isEnabled(); i++) {
      await page.keyboard.press('Enter');
      await page.waitForTimeout(200);
    }
    assert.equal(await undo.isEnabled(), false);
    await page.waitForTimeout(300);
    assert.notEqual((await focused(page)).tag, 'BODY', 'focus fell to the page when Undo was disabled');

    // One stop past the people: out of sight until focused, and Enter moves focus to the
    // first control after the grid (not into it, not back to a heading).
    const skip = button(page, 'Skip past the people');
    assert.ok((await skip.boundingBox()).width <= 1, 'the skip button shows before it has focus');
    await skip.focus();
    assert.ok((await skip.boundingBox()).width > 20, 'the focused skip button cannot be seen');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.matches('button:not(.skip), summary, input'));
    const past = await page.evaluate(() => {
      const grid = document.querySelector('ul.grid'), el = document.activeElement;
      return { after: !grid.contains(el) && !!(grid.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING),
        what: el.outerHTML.slice(0, 120) };
    });
    t.diagnostic(`past the people: ${past.what}`);
    assert.ok(past.after, `focus is not past the grid: ${past.what}`);

    // Find: choosing a face of a reference keeps focus on that face's button.
    await button(page, 'Find a person').focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.tagName === 'H2' && document.activeElement.textContent === 'Find a person');
    await page.locator('input[aria-label="Choose reference photos"]')
      .setInputFiles([fileFromDisk(path.join(DEV_SET, 'images/faceapi_bbt2.jpg'))]);
    const second = page.getByRole('button', { name: 'Use face 2 of faceapi_bbt2.jpg' });
    await second.waitFor({ timeout: 30_000 });
    await second.focus();
    await page.keyboard.press('Space');
    await page.waitForFunction(() => document.activeElement?.getAttribute('aria-pressed') === 'true');
    assert.equal((await focused(page)).name, 'Use face 2 of faceapi_bbt2.jpg');
  }));

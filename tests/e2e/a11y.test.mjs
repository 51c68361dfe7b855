// Accessibility audit: axe-core (the rules behind Lighthouse and most audits: names, roles,
// contrast, label-in-name, landmarks) run in headless Chromium on each screen a user reaches,
// with a real library. Any violation fails, with the rule and the elements it names.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import {
  DEV_SET, DEV_SET_PATH, PHOTOS, SORT_TIMEOUT, button, fileFromDisk, openAlbum, readPeople, sel,
  serveApp, singleFaceIdentities, waitForDone, withAppAt,
} from './lib.mjs';

const app = serveApp({ before, after });
const AXE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe's violations on the page as it stands, one line per rule and element. */
async function violations(page) {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern.
  await page.evaluate(AXE);
  const { violations } = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return violations.flatMap((v) => v.nodes.map((n) => `[${v.impact}] ${v.id} (${v.help}): ${n.target.join(' ')}`));
}

test('every screen passes axe-core: people, album, photo, merge, rename, hidden people, find, sharing, history',
  { timeout: SORT_TIMEOUT + 120_000, skip: DEV_SET ? false : `no development set: ${DEV_SET_PATH}/labels.csv does not exist` },
  (t) => withAppAt(t, app.url, async (page) => {
    const found = [];
    const audit = async (screen) => {
      const v = await violations(page);
      t.diagnostic(`${screen}: ${v.length} violations`);
      found.push(...v.map((line) => `${screen}: ${line}`));
    };
    await audit('empty page');

    const ids = singleFaceIdentities(DEV_SET, 3, 2);
    await page.locator(sel.photosInput).setInputFiles([
      ...ids.flatMap((p) => p.files).map((f) => fileFromDisk(path.join(DEV_SET, f))),
      fileFromDisk(path.join(PHOTOS, 'rocket_spacex_pd.jpg')),
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

    for (const summary of await page.locator('summary').all()) await summary.click();
    await audit('sharing and history open');

    await page.getByRole('button', { name: /^Photos without faces/ }).click();
    await page.locator('[data-file]').first().waitFor();
    await audit('photos without faces');
    await button(page, 'Back to people').click();

    let people = await readPeople(page);
    await openAlbum(page, people[0].button);
    await audit('album');
    // The name it already has: refused with a sentence, which is audited too.
    await button(page, 'Rename').click();
    await page.locator('[data-testid="edit-note"]').filter({ hasText: /already their name/ }).waitFor();
    await audit('rename refused');

    await page.locator('[data-file]').first().click();
    await button(page, 'Close').waitFor();
    await audit('photo');
    await button(page, 'Close').click();

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

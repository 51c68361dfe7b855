// A library with more people than the grid shows at once: the first page of people,
// largest first, and "Show more people (N more)" (by keyboard) until everyone is there;
// the merge bar stays in sight, and clear of focus, over the long grid.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  REPO, SORT_TIMEOUT, accessibleName, directItems, peopleList, readPeople, sel, serveApp,
  setImages, waitForDone, withAppAt,
} from './lib.mjs';

const LFW = path.resolve(process.env.FACESORT_LFW_SET || path.join(REPO, '../shared/facedata/lfw-tune'));
const app = serveApp({ before, after });
const PAGE = 120;

test('a library of hundreds of people shows them a page at a time, largest first; the merge bar stays in sight',
  { timeout: SORT_TIMEOUT + 120_000, skip: fs.existsSync(path.join(LFW, 'labels.csv')) ? false : `no lfw-tune set at ${LFW}` },
  (t) => withAppAt(t, app.url, async (page) => {
    // lfw-tune's first 500 photos: about 170 people.
    await page.locator(sel.photosInput).setInputFiles(setImages(LFW).slice(0, 500));
    await waitForDone(page, SORT_TIMEOUT + 60_000);
    const list = peopleList(page);
    assert.equal(await directItems(list).count(), PAGE, 'the first page of people');
    const more = page.getByRole('button', { name: /^Show more people \(\d+ more\)$/ });
    const rest = Number(/\((\d+) more\)/.exec(await accessibleName(more))[1]);
    assert.ok(rest > 0 && rest < PAGE, `${rest} more`);
    await more.focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(([n]) => document.querySelectorAll('.people > ul.grid > li').length === n, [PAGE + rest]);
    assert.equal(await more.count(), 0, 'no more to show');
    const everyone = await readPeople(page);
    assert.equal(everyone.length, PAGE + rest);
    // Largest first across both pages.
    const counts = everyone.map((p) => p.count);
    assert.deepEqual(counts, [...counts].sort((a, b) => b - a), 'largest first');

    // On a phone's width the grid is two columns within the screen, cards out of sight
    // (not laid out) included: no sideways scrolling.
    await page.setViewportSize({ width: 390, height: 844 });
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= 390, 'the grid is wider than a phone');
    await page.setViewportSize({ width: 1280, height: 900 });

    // Ticking someone far down the grid: the merge bar (before the grid) stays in sight,
    // and going back by keyboard never puts focus under it.
    await directItems(list).first().getByRole('checkbox').check();
    const far = directItems(list).nth(PAGE + rest - 5).getByRole('checkbox');
    await far.focus();
    await page.keyboard.press('Space');
    const bar = page.getByRole('form', { name: 'Merge people' });
    await bar.waitFor();
    const inView = () => page.evaluate(() => {
      const r = document.querySelector('form.merge-bar').getBoundingClientRect();
      return { top: r.top, bottom: r.bottom, height: innerHeight };
    });
    const shown = await inView();
    assert.ok(shown.top >= 0 && shown.bottom <= shown.height, `merge bar in view: ${JSON.stringify(shown)}`);
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Shift+Tab');
      const at = await page.evaluate(() => {
        const a = document.activeElement;
        const bar = document.querySelector('form.merge-bar');
        return { name: a.getAttribute('aria-label') ?? a.textContent, top: a.getBoundingClientRect().top,
          inBar: bar.contains(a), barBottom: bar.getBoundingClientRect().bottom };
      });
      assert.ok(at.inBar || at.top >= at.barBottom, `focus on ${at.name} at ${at.top} px is under the merge bar (to ${at.barBottom} px)`);
    }
  }));

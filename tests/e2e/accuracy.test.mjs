// The people the page itself finds, scored with ../shared/eval/score.py: the whole dev
// set sorted over two visits, as a user adds one folder and later the next (the first
// half by name, a reload, then everything, the first half being recognised), so the
// browser's decoders, workers, incremental grouping and the library's reopening together
// must reach the eval gate's bars for the native pipeline.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  ARTIFACTS, DEV_SET, DEV_SET_PATH, SORT_TIMEOUT, serveApp, sel, setImages, waitForDone,
  waitForRunAfter, withAppAt,
} from './lib.mjs';
import { SCORER, canScore, pagePredictions, score } from './score.mjs';

const app = serveApp({ before, after });

test('the dev set sorted in two visits: every labelled face found, people as the native pipeline finds them',
  {
    timeout: 2 * SORT_TIMEOUT + 60_000,
    skip: DEV_SET && canScore(DEV_SET) ? false : `no labelled dev set at ${DEV_SET_PATH} or no ${SCORER}`,
  },
  (t) => withAppAt(t, app.url, async (page) => {
    const images = setImages(DEV_SET);
    await page.locator(sel.photosInput).setInputFiles(images.slice(0, Math.ceil(images.length / 2)));
    await waitForDone(page);
    await page.reload();
    await waitForDone(page);
    const since = await page.evaluate(() => performance.now());
    await page.locator(sel.photosInput).setInputFiles(images);
    await waitForRunAfter(page, since);
    assert.match(await page.locator('[data-testid="duplicates-note"]').textContent(),
      new RegExp(`^${Math.ceil(images.length / 2)} photos already added`));

    const predictions = await pagePredictions(page, DEV_SET, images);
    assert.equal(Object.keys(predictions.images).length, images.length, 'photos missing from the library');
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, 'dev-in-the-browser.json');
    fs.writeFileSync(file, JSON.stringify(predictions));
    const m = score(DEV_SET, file);
    t.diagnostic(`found ${m.labelled_faces_detected}/${m.labelled_faces}; BCubed F1 ${m.bcubed_e2e.F1.toFixed(4)}, ` +
      `pairwise F1 ${m.pairwise_e2e.F1.toFixed(4)}; ${m.noface_false_faces} faces on no-face photos`);
    // The eval gate's bars for the native pipeline on this set.
    assert.equal(m.labelled_faces_detected, m.labelled_faces, 'a labelled face was not found');
    assert.equal(m.noface_false_faces, 0, 'a face was found on a photo without one');
    assert.ok(m.bcubed_e2e.F1 >= 0.99, `BCubed F1 ${m.bcubed_e2e.F1}`);
    assert.ok(m.pairwise_e2e.F1 >= 0.98, `pairwise F1 ${m.pairwise_e2e.F1}`);
  }));

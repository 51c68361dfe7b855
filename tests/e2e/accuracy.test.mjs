// The people the page itself finds, scored with ../shared/eval/score.py, when the dev set
// is sorted over two visits: part of it, a reload, then everything (the first part being
// recognised as already added). So the browser's decoders, workers, incremental grouping
// and the library's reopening are scored together.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  ARTIFACTS, DEV_SET, DEV_SET_PATH, SORT_TIMEOUT, readPeople, serveApp, sel, setImages, waitForDone,
  waitForRunAfter, withAppAt,
} from './lib.mjs';
import { SCORER, canScore, pagePredictions, score } from './score.mjs';

const app = serveApp({ before, after });
const skip = DEV_SET && canScore(DEV_SET) ? false : `no labelled dev set at ${DEV_SET_PATH} or no ${SCORER}`;
const timeout = 3 * SORT_TIMEOUT + 60_000;

/** Sorts `first`, reloads, adds every image; score.py's metrics for the page's people. */
async function twoVisits(t, page, name, images, first) {
  await page.locator(sel.photosInput).setInputFiles(first);
  await waitForDone(page);
  // People of equal counts keep their places across the reload (the page held the photos
  // in the order they were kept; a reload reads them in another).
  const order = (await readPeople(page)).map((p) => p.label);
  await page.reload();
  await waitForDone(page);
  assert.deepEqual((await readPeople(page)).map((p) => p.label), order, 'people changed places across a reload');
  const since = await page.evaluate(() => performance.now());
  await page.locator(sel.photosInput).setInputFiles(images);
  await waitForRunAfter(page, since);
  assert.match(await page.locator('[data-testid="duplicates-note"]').textContent(),
    new RegExp(`^${first.length} photos already in your library`));
  const predictions = await pagePredictions(page, DEV_SET, images);
  assert.equal(Object.keys(predictions.images).length, images.length, 'photos missing from the library');
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify(predictions));
  const m = score(DEV_SET, file);
  t.diagnostic(`found ${m.labelled_faces_detected}/${m.labelled_faces}; BCubed P/R/F1 ${m.bcubed_e2e.P.toFixed(4)} / ` +
    `${m.bcubed_e2e.R.toFixed(4)} / ${m.bcubed_e2e.F1.toFixed(4)}, pairwise F1 ${m.pairwise_e2e.F1.toFixed(4)}; ` +
    `${m.noface_false_faces} faces on no-face photos`);
  assert.equal(m.labelled_faces_detected, m.labelled_faces, 'a labelled face was not found');
  assert.equal(m.noface_false_faces, 0, 'a face was found on a photo without one');
  return m;
}

test('the dev set in two visits, one folder after another: the eval gate\'s bars',
  { timeout, skip },
  (t) => withAppAt(t, app.url, async (page) => {
    // The first half by name, as a user adds one folder and later the next. Dev's files
    // are named by person, so nearly everyone is in one visit only (one of 52 people is
    // in both): this holds the page's pipeline and reopening to what the native
    // pipeline scores, not the recognising of people across visits (the next test).
    const images = setImages(DEV_SET);
    const m = await twoVisits(t, page, 'dev-by-folder', images, images.slice(0, Math.ceil(images.length / 2)));
    assert.ok(m.bcubed_e2e.F1 >= 0.99, `BCubed F1 ${m.bcubed_e2e.F1}`);
    assert.ok(m.pairwise_e2e.F1 >= 0.98, `pairwise F1 ${m.pairwise_e2e.F1}`);
  }));

test('the dev set in two visits, every person in both: no worse than today\'s known gap',
  { timeout, skip },
  (t) => withAppAt(t, app.url, async (page) => {
    // Every other photo first, so most people come back in the second visit and must be
    // recognised. Today this scores BCubed F1 0.975 (precision 0.978), against 0.996 in
    // one visit: grouped alone, the first half merges two look-alike people, and people
    // from an earlier visit are never formed again (README, Evaluation, "Smaller
    // libraries"). These bars guard that figure from getting worse; they are not a target.
    const images = setImages(DEV_SET);
    const m = await twoVisits(t, page, 'dev-interleaved', images, images.filter((_, i) => i % 2 === 0));
    assert.ok(m.bcubed_e2e.F1 >= 0.965, `BCubed F1 ${m.bcubed_e2e.F1}`);
    assert.ok(m.bcubed_e2e.P >= 0.97, `BCubed precision ${m.bcubed_e2e.P}`);
  }));

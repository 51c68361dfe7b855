// The worker's two builds (public/worker_loader.js): Chromium validates WebAssembly's relaxed
// SIMD, so its workers load the build made with it; `?simd=baseline` on the page's address
// has them load the baseline build, which browsers without relaxed SIMD get. Both sort the
// same photos into the same people.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer } from './server.mjs';
import {
  DIST, PHOTOS, PREFIX, SORT_TIMEOUT, closeSharedBrowser, fileFromDisk, readPeople, sel, sharedBrowser,
  waitForDone, withAppAt,
} from './lib.mjs';

let server;
before(async () => {
  for (const f of ['worker_bg.wasm', 'worker_relaxed_bg.wasm']) {
    if (!fs.existsSync(path.join(DIST, f))) throw new Error(`no ${DIST}/${f}: build the app first (scripts/build.sh)`);
  }
  server = await startServer({ root: DIST, prefix: PREFIX });
  await sharedBrowser();
});
after(async () => {
  await closeSharedBrowser();
  await server?.close();
});

const PHOTO_FILES = ['eileen_collins_nasa.png', 'cameraman_cc0.png', 'rocket_spacex_pd.jpg', 'chelsea_cat_cc0.png'];

/** Sorts the shipped photos; the people's labels and the wasm files the workers fetched. */
async function sortWith(t, url) {
  let result;
  await withAppAt(t, url, async (page) => {
    await page.locator(sel.photosInput).setInputFiles(PHOTO_FILES.map((f) => fileFromDisk(path.join(PHOTOS, f))));
    await waitForDone(page, SORT_TIMEOUT);
    const wasm = new Set();
    for (const worker of page.workers()) {
      const names = await worker.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name));
      for (const n of names.filter((n) => n.endsWith('.wasm'))) wasm.add(new URL(n).pathname.split('/').pop());
    }
    const people = (await readPeople(page)).map((p) => p.label);
    const others = await page.getByRole('button', { name: /^Other faces|^Photos without faces/ }).allTextContents();
    result = { wasm: [...wasm].sort(), people, others: others.map((s) => s.trim()).sort() };
    t.diagnostic(JSON.stringify(result));
  });
  return result;
}

test('Chromium\'s workers run the relaxed-SIMD build; ?simd=baseline runs the baseline one, with the same people',
  { timeout: 2 * SORT_TIMEOUT + 120_000 }, async (t) => {
    const relaxed = await sortWith(t, server.url);
    assert.deepEqual(relaxed.wasm, ['worker_relaxed_bg.wasm'], 'Chromium has relaxed SIMD');
    const baseUrl = new URL(server.url);
    baseUrl.searchParams.set('simd', 'baseline');
    const baseline = await sortWith(t, baseUrl.href);
    assert.deepEqual(baseline.wasm, ['worker_bg.wasm'], '?simd=baseline');
    assert.equal(relaxed.people.length, 1, `one person: ${relaxed.people}`);
    assert.deepEqual(baseline.people, relaxed.people);
    assert.deepEqual(baseline.others, relaxed.others);
  });

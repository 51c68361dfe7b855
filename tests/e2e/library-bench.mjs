// Library benchmark: sorts N distinct photos (a set's images, each copy made
// distinct by bytes appended after its end, which decoders ignore) added at once,
// with the rate over each successive 1,000 photos (flat means a flat cost per
// photo), Chromium's peak memory and the page's long tasks; then reloads the page
// and times how long the library takes to come back (navigation to the people
// grid), and how much IndexedDB space each photo takes. With MORE, it then adds MORE
// further distinct photos to the reopened library (as a later visit does) and times
// them: until the first is sorted (models, and every stored face's neighbours numbered
// first) and their rate. With FACESORT_FIRST_DIST set to an older build's dist/, the
// photos are sorted by that build and the library reopened by this one (FACESORT_DIST or
// dist/), on the same origin: the reopening then includes upgrading the library.
//   node tests/e2e/library-bench.mjs [N=1000] [SET_DIR] [MORE=0]   (13,000 from lfw-tune: 13000 ../shared/facedata/lfw-tune)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from './server.mjs';
import { PeakMemory, describeLongTasks, longTasksSoFar, perThousand, perThousandOf, recordLongTasks } from './measure.mjs';
import { DEV_SET, DIST, PREFIX, gotoApp, guardedProfile, peopleList, readPeople, sel, setImages, waitForDone, waitForRunAfter } from './lib.mjs';

const n = Number(process.argv[2] || 1000);
const setDir = process.argv[3] ? path.resolve(process.argv[3]) : DEV_SET;
const more = Number(process.argv[4] || 0);
const sources = setImages(setDir);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facesort-library-'));
const files = [];
for (let i = 0; i < n + more; i++) {
  const src = sources[i % sources.length];
  const out = path.join(tmp, `${String(i).padStart(5, '0')}-${path.basename(src)}`);
  fs.writeFileSync(out, Buffer.concat([fs.readFileSync(src), Buffer.from(`\0facesort-copy-${i}`)]));
  files.push(out);
}
const firstDist = process.env.FACESORT_FIRST_DIST ? path.resolve(process.env.FACESORT_FIRST_DIST) : null;
let server = await startServer({ root: firstDist ?? DIST, prefix: PREFIX });
// A profile on disk, as a user's: an off-the-record one keeps IndexedDB in memory.
const guard = await guardedProfile();
try {
  const page = await guard.context.newPage();
  await gotoApp(page, server.url);
  await recordLongTasks(page, sel.photosInput);
  const peak = new PeakMemory();
  const progress = [];
  const waits = []; // [done, ms of saves, ms of grouping jobs, saves], all cumulative
  const sampler = setInterval(async () => {
    peak.sample();
    const s = await page.evaluate(() => window.facesortStats ?? null).catch(() => null);
    if (s) {
      progress.push([Date.now(), s.done ?? 0]);
      waits.push([s.done ?? 0, s.savingMs ?? 0, s.groupingMs ?? 0, s.saves ?? 0]);
    }
  }, 1000);
  const t0 = Date.now();
  await page.locator(sel.photosInput).setInputFiles(files.slice(0, n));
  await waitForDone(page, 4 * 3_600_000);
  clearInterval(sampler);
  const sortS = (Date.now() - t0) / 1000;
  const long = describeLongTasks(await longTasksSoFar(page));
  // The IndexedDB part where the browser splits usage (the rest is the service worker's app and models).
  const stored = await page.evaluate(async () => { const e = await navigator.storage.estimate(); return e.usageDetails?.indexedDB ?? e.usage; });
  const kept = await page.locator('[data-testid="library-summary"]').textContent();

  // Each phase's own peak: sorting, reopening, and the later visit.
  const reopenPeak = new PeakMemory();
  if (firstDist) {
    // The same origin serves this build from now on; without the older build's
    // service worker, the reload takes it at once.
    const { port } = server;
    await server.close();
    server = await startServer({ root: DIST, prefix: PREFIX, port });
    await page.evaluate(async () => {
      for (const r of await navigator.serviceWorker.getRegistrations()) await r.unregister();
    });
  }
  const reopenSampler = setInterval(() => reopenPeak.sample(), 250);
  const r0 = Date.now();
  await page.reload();
  await peopleList(page).waitFor({ timeout: 600_000 });
  const gridS = (Date.now() - r0) / 1000;
  await waitForDone(page, 600_000);
  const doneS = (Date.now() - r0) / 1000;
  await page.waitForTimeout(3000);
  clearInterval(reopenSampler);
  reopenPeak.sample();
  const people = (await readPeople(page)).length;
  // The upgrade of an older build's library, as the page measured it, and what it left stored.
  const upgrade = firstDist ? await page.evaluate(async () => ({
    ms: performance.getEntriesByName('facesort: library upgraded').at(-1)?.duration ?? null,
    stored: (await navigator.storage.estimate()).usageDetails?.indexedDB ?? null,
  })) : null;
  let later = null;
  if (more > 0) {
    const since = await page.evaluate(() => performance.now());
    const before = await page.evaluate(() => window.facesortStats?.done ?? 0);
    await recordLongTasks(page, sel.photosInput);
    const a0 = Date.now();
    let firstS = null;
    const laterPeak = new PeakMemory();
    const watch = setInterval(async () => {
      laterPeak.sample();
      const done = await page.evaluate(() => window.facesortStats?.done ?? 0).catch(() => 0);
      if (done > before && firstS === null) firstS = (Date.now() - a0) / 1000;
    }, 200);
    await page.locator(sel.photosInput).setInputFiles(files.slice(n));
    await waitForRunAfter(page, since, 4 * 3_600_000);
    clearInterval(watch);
    const addS = (Date.now() - a0) / 1000;
    later = { addS, firstS, long: describeLongTasks(await longTasksSoFar(page)), people: (await readPeople(page)).length, peak: laterPeak };
  }
  guard.assertPrivate();
  console.log(`Facesort library benchmark: ${n} photos from ${path.basename(setDir)}, Chromium headless, ${os.cpus().length} cores (${os.cpus()[0].model.trim()})` +
    `${firstDist ? `; sorted by ${firstDist}, reopened by ${DIST}` : ''}\n`);
  console.log('| measure | value |\n|---|---|');
  console.log(`| photos sorted (first visit) | ${n} in ${sortS.toFixed(1)} s (${(n / sortS).toFixed(1)} photos/s) |`);
  console.log(`| photos/s over each 1,000 photos | ${perThousand(progress)} |`);
  console.log(`| saving photos (beside the run), ms per photo, over each 1,000 | ${perThousandOf(waits, 1, (ms, photos) => (ms / photos).toFixed(1), [0, 0, 0, 0])} |`);
  console.log(`| photos per save (one transaction), over each 1,000 | ${perThousandOf(waits, 3, (saves, photos) => (saves ? photos / saves : 0).toFixed(1), [0, 0, 0, 0])} |`);
  console.log(`| grouping jobs (send to reply), s per 1,000 photos | ${perThousandOf(waits, 2, (ms, photos) => (ms / photos).toFixed(2), [0, 0, 0, 0])} |`);
  console.log(`| sorting: Chromium peak memory (sum of PSS), MiB, by process at the peak | ${peak} |`);
  console.log(`| sorting: page long tasks from the drop to done: > 50 ms / > 200 ms / longest, ms | ${long} |`);
  console.log(`| library after sorting | ${kept.trim()} |`);
  console.log(`| IndexedDB usage | ${(stored / 1e6).toFixed(1)} MB = ${(stored / n / 1e3).toFixed(0)} kB per photo (originals included) |`);
  console.log(`| reopen: reload until the people grid is shown | ${gridS.toFixed(1)} s |`);
  console.log(`| reopen: reload until the page is ready (data-state=done; who is who is stored, so no models or regrouping are needed) | ${doneS.toFixed(1)} s |`);
  console.log(`| people after reopening | ${people} |`);
  console.log(`| reopen: Chromium peak memory (sum of PSS), MiB, by process at the peak | ${reopenPeak} |`);
  if (upgrade) {
    console.log(`| reopen: of which upgrading the older build's library (the page's own measure) | ${upgrade.ms === null ? 'not seen' : `${(upgrade.ms / 1000).toFixed(1)} s`} |`);
    console.log(`| IndexedDB usage after the upgrade | ${upgrade.stored === null ? 'n/a' : `${(upgrade.stored / 1e6).toFixed(1)} MB = ${(upgrade.stored / n / 1e3).toFixed(0)} kB per photo`} |`);
  }
  if (later) {
    console.log(`| then ${more} more photos: drop to the first sorted | ${later.firstS?.toFixed(1) ?? 'n/a'} s |`);
    console.log(`| then ${more} more photos: sorted in | ${later.addS.toFixed(1)} s (${(more / later.addS).toFixed(1)} photos/s) |`);
    console.log(`| then ${more} more photos: page long tasks from the drop to done: > 50 ms / > 200 ms / longest, ms | ${later.long} |`);
    console.log(`| people after them | ${later.people} |`);
    console.log(`| then ${more} more photos: Chromium peak memory (sum of PSS), MiB, by process at the peak | ${later.peak} |`);
  }
} finally {
  await guard.close();
  await server.close();
  fs.rmSync(tmp, { recursive: true, force: true });
}

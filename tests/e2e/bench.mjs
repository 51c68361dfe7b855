// In-browser benchmark: gives every image of a set (default: the dev set, 217 photos) to the
// app in headless Chromium at once, and times it from the input's change event to
// body[data-state=done], with per-stage figures from window.facesortStats, the
// rate per 1,000 photos (a flat curve means a flat cost per photo), the page's
// long tasks (PerformanceObserver "longtask") and Chromium's peak memory (the
// sum of its processes' proportional set sizes, sampled every second). A labelled set
// (labels.csv, and ../shared/eval/score.py beside the repository) is also scored: the
// people the page found, as it stored them (written to target/bench/SET/browser.json).
//   node tests/e2e/bench.mjs [SET_DIR]       (env: FACESORT_DIST, FACESORT_BENCH_TIMEOUT_S)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from './server.mjs';
import { PeakMemory, ThreadCpu, describeLongTasks, longTasksSoFar, perThousand, recordLongTasks } from './measure.mjs';
import { PAGE_ROWS, bcubed, canScore, found, pagePredictions, pairwise, score } from './score.mjs';
import { DEV_SET, DIST, PREFIX, REPO, backToPeople, gotoApp, guardedProfile, openAlbum, readPeople, sel, setImages, waitForDone } from './lib.mjs';

const setDir = process.argv[2] ? path.resolve(process.argv[2]) : DEV_SET;
if (!setDir || !fs.existsSync(setDir)) {
  console.error('usage: node tests/e2e/bench.mjs [SET_DIR]   (no SET_DIR given and no ../shared/facedata/dev)');
  process.exit(2);
}
if (!fs.existsSync(path.join(DIST, 'index.html'))) {
  console.error(`no app at ${DIST}/index.html: build it first (trunk build --release) or set FACESORT_DIST`);
  process.exit(2);
}
const images = setImages(setDir);
if (!images.length) {
  console.error(`no images in ${setDir}`);
  process.exit(2);
}
const timeout = Number(process.env.FACESORT_BENCH_TIMEOUT_S || 1800) * 1000;

const server = await startServer({ root: DIST, prefix: PREFIX });
// A profile on disk, as a user's: an off-the-record one keeps IndexedDB (originals
// included) in the browser process's memory.
const guard = await guardedProfile();
let exitCode = 0;
try {
  const page = await guard.context.newPage();
  await gotoApp(page, server.url);
  // Page-side clock: long tasks and the input's change event (= the drop) from here on,
  // and every data-state change.
  await recordLongTasks(page, sel.photosInput);
  await page.evaluate(() => {
    const b = (window.__bench = { states: [[document.body.dataset.state, performance.now()]] });
    new MutationObserver(() => {
      const s = document.body.dataset.state;
      if (b.states.at(-1)[0] !== s) b.states.push([s, performance.now()]);
    }).observe(document.body, { attributes: true, attributeFilter: ['data-state'] });
  });

  console.error(`giving ${images.length} photos from ${setDir} to ${server.url} ...`);
  const wall0 = Date.now();
  // Sampled from outside: Chromium's memory, and how many photos are done when.
  const peak = new PeakMemory();
  const cpu = new ThreadCpu();
  cpu.start();
  const progress = [];
  const sampler = setInterval(async () => {
    peak.sample();
    cpu.sample();
    const done = await page.evaluate(() => window.facesortStats?.done ?? 0).catch(() => null);
    if (done !== null) progress.push([Date.now(), done]);
  }, 1000);
  await page.locator(sel.photosInput).setInputFiles(images); // local paths: no copying through the driver
  await waitForDone(page, timeout);
  clearInterval(sampler);
  peak.sample();
  cpu.sample();
  const wall = (Date.now() - wall0) / 1000;

  const long = await longTasksSoFar(page);
  const { bench, stats } = await page.evaluate(() => ({
    bench: window.__bench,
    stats: window.facesortStats && JSON.parse(JSON.stringify(window.facesortStats)),
  }));
  const doneAt = bench.states.findLast(([s]) => s === 'done')[1];
  const t0 = long.changeAt ?? bench.states[0][1];
  // FACESORT_LONG_TASKS=MS: when each task over MS ms ran, against the drop and the end.
  const over = Number(process.env.FACESORT_LONG_TASKS || 0);
  if (over && long.tasks) {
    for (const [start, d] of long.tasks.filter(([, d]) => d > over)) {
      console.error(`long task ${d.toFixed(0)} ms at ${((start - t0) / 1000).toFixed(2)} s after the drop, ` +
        `${((start - doneAt) / 1000).toFixed(2)} s from done`);
    }
  }
  const seconds = (doneAt - t0) / 1000;
  const time = (state) => bench.states.reduce((sum, [s, at], i, all) =>
    s === state && i + 1 < all.length ? sum + (all[i + 1][1] - at) : sum, 0) / 1000;
  const grid = await readPeople(page);
  const people = grid.length;
  // What a user sees first: the largest person's photos, and how many faces wait under "Other faces".
  let largest = 'n/a';
  if (grid.length) {
    const { files } = await openAlbum(page, grid[0].button);
    largest = `${grid[0].label}: ${files.slice(0, 12).join(', ')}${files.length > 12 ? ', …' : ''}`;
    await backToPeople(page, 'escape');
  }
  const other = await page.locator('button.unassigned').getAttribute('aria-label').catch(() => null);
  let scored = null;
  if (canScore(setDir)) {
    const out = path.join(REPO, 'target/bench', path.basename(setDir));
    fs.mkdirSync(out, { recursive: true });
    const pred = path.join(out, 'browser.json');
    fs.writeFileSync(pred, JSON.stringify(await pagePredictions(page, setDir, images)));
    scored = score(setDir, pred);
  }
  guard.assertPrivate();

  const ok = stats ? stats.total - stats.failed : images.length;
  const perPhoto = (k) => (stats && ok > 0 ? (stats[k] / ok).toFixed(1) : 'n/a');
  const rows = [
    ['photos', `${images.length}${stats ? ` (app: ${stats.total} total, ${stats.failed} failed)` : ''}`],
    ['workers', stats?.workers ?? 'n/a'],
    ['drop to done, s', seconds.toFixed(2)],
    ['photos/s end to end', (images.length / seconds).toFixed(2)],
    ['  of which loading models, s', time('loading-models').toFixed(2)],
    ['  of which sorting, s', time('sorting').toFixed(2)],
    ['app clock (finishedMs - startedMs), s', stats ? ((stats.finishedMs - stats.startedMs) / 1000).toFixed(2) : 'n/a'],
    ['decode, ms per photo', perPhoto('decodeMs')],
    ['detect, ms per photo', perPhoto('detectMs')],
    ['embed, ms per photo', perPhoto('embedMs')],
    ['people found', people],
    ['largest person', largest],
    ['other faces', other ?? 'none'],
    ...(scored ? [
      [PAGE_ROWS.found, found(scored)],
      [PAGE_ROWS.bcubed, bcubed(scored)],
      [PAGE_ROWS.pairwise, pairwise(scored)],
    ] : []),
    ['Chromium peak memory (sum of PSS), MiB', peak.total ? peak.total.toFixed(0) : 'n/a'],
    ['  by process at the peak, MiB', peak.total ? String(peak).replace(/^\d+ /, '') : 'n/a'],
    ['Chromium CPU, ms per photo, by thread: workers / thread pool / main threads / other', (() => {
      const k = cpu.byKind();
      const ms = (s) => ((s * 1000) / images.length).toFixed(0);
      return `${ms(k.workers)} / ${ms(k['thread pool'])} / ${ms(k['main threads'])} / ${ms(k.other)}`;
    })()],
    ['photos/s per 1,000 photos', perThousand(progress)],
    ['page long tasks from the drop to done: > 50 ms / > 200 ms / longest, ms', describeLongTasks(long)],
    ['requests (all to 127.0.0.1)', guard.requests.length],
  ];
  console.log(`\nFacesort in-browser benchmark: ${path.basename(setDir)}, Chromium ${guard.version()}, ` +
    `${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), harness wall clock ${wall.toFixed(1)} s\n`);
  console.log('| measure | value |\n|---|---|');
  for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
  console.log('\nstage figures are sums over photos from window.facesortStats divided by photos decoded; with several workers they overlap in time.');
  if (!stats) { console.error('window.facesortStats is missing'); exitCode = 1; }
} catch (e) {
  console.error(e);
  exitCode = 1;
} finally {
  await guard.close();
  await server.close();
}
process.exit(exitCode);

// Peer benchmark: Facesort and face-api.js (@vladmandic/face-api, pinned in peer/package.json,
// its WASM backend) on the same photos, in the same headless Chromium, in one run; both
// scored with ../shared/eval/score.py. Prints one table.
//   scripts/bench-peer.sh [SET_DIR]   (installs peer/ from the npm registry, builds dist/, runs this)
//   node tests/e2e/peer-bench.mjs SET_DIR
// Facesort's figures are bench.mjs's for the app, its accuracy that of the people the
// page found (read from its IndexedDB and scored by bench.mjs). face-api.js
// has no grouping of its own: faces are grouped as its FaceMatcher does, each joining the
// nearest group (by mean descriptor) closer than its recommended 0.6, else starting one.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from './server.mjs';
import { HERE, REPO, guardedProfile, setImages } from './lib.mjs';
import { chromiumMiB } from './measure.mjs';
import { PAGE_ROWS, bcubed, canScore, found, pairwise, score } from './score.mjs';

const setDir = path.resolve(process.argv[2] || '');
if (!process.argv[2] || !canScore(setDir)) {
  console.error('usage: node tests/e2e/peer-bench.mjs SET_DIR   (a labelled set: labels.csv and its images)');
  process.exit(2);
}
const PEER = path.join(HERE, 'peer');
if (!fs.existsSync(path.join(PEER, 'node_modules/@vladmandic/face-api'))) {
  console.error(`face-api.js is not installed: npm ci --prefix ${PEER}`);
  process.exit(2);
}
const out = path.join(REPO, 'target/bench-peer', path.basename(setDir));
fs.mkdirSync(out, { recursive: true });
const images = setImages(setDir);
const relative = (file) => path.relative(setDir, file);

// 1. Facesort in the browser: speed, stages, memory and its people's scores (bench.mjs's table).
console.error(`Facesort: ${images.length} photos in the browser ...`);
const ours = parseTable(execFileSync(process.execPath, [path.join(HERE, 'bench.mjs'), setDir],
  { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 }));

// 2. face-api.js in the same browser binary, cross-origin isolated so its WASM backend
//    may use threads (one per core, as Facesort's worker pool does).
console.error(`face-api.js: ${images.length} photos in the browser ...`);
const server = await startServer({
  root: PEER,
  headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
});
// On a profile on disk, as Facesort's bench.mjs is.
const guard = await guardedProfile();
let theirs;
try {
  const page = await guard.context.newPage();
  await page.goto(server.url);
  await page.waitForFunction(() => window.peer?.ready || window.peer?.error, null, { timeout: 300_000 });
  const error = await page.evaluate(() => window.peer.error);
  if (error) throw new Error(`face-api.js did not start: ${error}`);
  let peakMiB = 0;
  const sampler = setInterval(() => { peakMiB = Math.max(peakMiB, chromiumMiB()); }, 1000);
  await page.locator('#photos').setInputFiles(images);
  await page.waitForFunction(() => window.peer.finishedMs !== undefined, null, { timeout: 24 * 3_600_000, polling: 1000 });
  clearInterval(sampler);
  const peer = await page.evaluate(() => window.peer);
  guard.assertPrivate();
  const failed = Object.values(peer.results).filter((r) => !Array.isArray(r)).length;
  const seconds = (peer.finishedMs - peer.startedMs) / 1000;
  const predictions = { images: {} };
  const groups = matcherGroups(peer.results);
  for (const [name, faces] of Object.entries(peer.results)) {
    const file = relative(images.find((f) => path.basename(f) === name));
    predictions.images[file] = Array.isArray(faces)
      ? faces.map((f, i) => ({ box: f.box.map((v) => Math.round(v)), cluster: groups.get(`${name}#${i}`) }))
      : [];
  }
  fs.writeFileSync(path.join(out, 'face-api.json'), JSON.stringify(predictions));
  theirs = {
    rate: images.length / seconds,
    decode: peer.decodeMs / images.length,
    analyse: peer.analyseMs / images.length,
    peakMiB,
    failed,
    backend: `${peer.backend}, ${peer.threads} thread${peer.threads === 1 ? '' : 's'}`,
    score: score(setDir, path.join(out, 'face-api.json')),
  };
} finally {
  await guard.close();
  await server.close();
}

const num = (s) => Number(String(s).split(' ')[0]);
const ourRate = num(ours['photos/s end to end']);
const rows = [
  ['photos/s end to end (drop to done)', ourRate.toFixed(2), theirs.rate.toFixed(2)],
  ['decode, ms per photo', ours['decode, ms per photo'], theirs.decode.toFixed(1)],
  ['detect + landmarks/align + embed, ms per photo',
    (num(ours['detect, ms per photo']) + num(ours['embed, ms per photo'])).toFixed(1), theirs.analyse.toFixed(1)],
  ['workers / threads', ours.workers, theirs.backend],
  ['Chromium peak memory (sum of PSS), MiB', ours['Chromium peak memory (sum of PSS), MiB'], theirs.peakMiB.toFixed(0)],
  ['labelled faces found', ours[PAGE_ROWS.found], found(theirs.score)],
  ['BCubed P / R / F1', ours[PAGE_ROWS.bcubed], bcubed(theirs.score)],
  ['pairwise P / R / F1', ours[PAGE_ROWS.pairwise], pairwise(theirs.score)],
];
console.log(`\nPeer benchmark: ${path.basename(setDir)} (${images.length} photos), Chromium ${guard.version()}, ` +
  `${os.cpus().length} cores (${os.cpus()[0]?.model.trim()})\n`);
console.log('| measure | Facesort | face-api.js 1.7.15 (WASM) |\n|---|---|---|');
for (const [k, a, b] of rows) console.log(`| ${k} | ${a} | ${b} |`);
console.log(`\nFacesort is ${(ourRate / theirs.rate).toFixed(2)}x face-api.js's photos/s.` +
  (theirs.failed ? ` face-api.js failed on ${theirs.failed} photos.` : ''));
console.log(`Predictions and scores: ${path.relative(REPO, out)}/ (face-api.js), target/bench/${path.basename(setDir)}/ (Facesort)`);

/** bench.mjs's markdown table as { measure: value }. */
function parseTable(text) {
  const rows = {};
  for (const line of text.split('\n')) {
    const m = /^\| (.+?) \| (.*) \|$/.exec(line);
    if (m && m[1] !== 'measure' && !m[1].startsWith('---')) rows[m[1].trim()] = m[2].trim();
  }
  for (const row of ['photos/s end to end', ...Object.values(PAGE_ROWS)]) {
    if (!rows[row]) throw new Error(`bench.mjs printed no "${row}" row:\n${text}`);
  }
  return rows;
}

/** face-api.js's FaceMatcher way: nearest group by mean descriptor below 0.6, else a new group. */
function matcherGroups(results) {
  const groups = []; // { sum: Float64Array, n }
  const of = new Map();
  for (const [name, faces] of Object.entries(results)) {
    if (!Array.isArray(faces)) continue;
    faces.forEach((f, i) => {
      let best = -1, bestD = 0.6;
      groups.forEach((g, gi) => {
        let d = 0;
        for (let k = 0; k < 128; k++) { const x = g.sum[k] / g.n - f.descriptor[k]; d += x * x; }
        d = Math.sqrt(d);
        if (d < bestD) { bestD = d; best = gi; }
      });
      if (best < 0) { groups.push({ sum: Float64Array.from(f.descriptor), n: 1 }); best = groups.length - 1; }
      else { const g = groups[best]; for (let k = 0; k < 128; k++) g.sum[k] += f.descriptor[k]; g.n++; }
      of.set(`${name}#${i}`, best);
    });
  }
  return of;
}

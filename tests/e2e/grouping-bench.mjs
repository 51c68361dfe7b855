// In-browser grouping benchmark: sends one grouping job (the faces of a predictions
// file written by `facesort predict --with-embeddings`, repeated with a little noise
// up to N faces) to the app's real worker in headless Chromium, and times the reply.
//   node tests/e2e/grouping-bench.mjs PREDICTIONS.json [N ...]   (default N: 1000 5000 16000)
import fs from 'node:fs';
import os from 'node:os';
import { startServer } from './server.mjs';
import { DIST, PREFIX, gotoApp, guardedContext, launchBrowser } from './lib.mjs';

const [file, ...sizes] = process.argv.slice(2);
if (!file || !fs.existsSync(file)) {
  console.error('usage: node tests/e2e/grouping-bench.mjs PREDICTIONS.json [N ...]');
  process.exit(2);
}
const counts = (sizes.length ? sizes : ['1000', '5000', '16000']).map(Number);
const source = Object.values(JSON.parse(fs.readFileSync(file, 'utf8')).images).flat()
  .filter((f) => f.embedding && f.quality);
if (!source.length) {
  console.error(`${file} has no embeddings: write it with facesort predict --with-embeddings`);
  process.exit(2);
}

// A deterministic generator, so every run groups the same faces.
let seed = 12345;
const noise = () => { seed = (seed * 1664525 + 1013904223) >>> 0; return (seed / 2 ** 32 - 0.5) * 0.02; };
function job(n) {
  const faces = [];
  for (let i = 0; i < n; i++) {
    const f = source[i % source.length];
    const copy = Math.floor(i / source.length);
    faces.push({
      photo: i, // one face per photo: no cannot-link shortcuts
      embedding: copy ? f.embedding.map((v) => v + noise()) : f.embedding,
      sure: f.sure ?? true,
      rejected: [],
    });
  }
  return { kind: 'Group', id: n, job: { known: [], faces, config: { threshold: 0.65, neighbours: 5, shared_weight: 0.2, attach_threshold: 0.55 } } };
}

const server = await startServer({ root: DIST, prefix: PREFIX });
const browser = await launchBrowser();
let exitCode = 0;
try {
  const guard = await guardedContext(browser);
  const page = await guard.context.newPage();
  await gotoApp(page, server.url);
  await page.evaluate(() => new Promise((resolve, reject) => {
    const w = (window.__groupingWorker = new Worker('./worker_loader.js'));
    w.onmessage = (e) => (e.data.kind === 'Ready' ? resolve() : reject(new Error(JSON.stringify(e.data))));
  }));
  console.log(`\nFacesort grouping in the browser's worker: Chromium ${browser.version()}, ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()})\n`);
  console.log('| faces | grouping, s | people | unassigned |\n|---|---|---|---|');
  for (const n of counts) {
    const message = job(n);
    const r = await page.evaluate((m) => new Promise((resolve) => {
      const w = window.__groupingWorker;
      const t0 = performance.now();
      w.onmessage = (e) => resolve({ ms: performance.now() - t0, reply: e.data });
      w.postMessage(m);
    }), message);
    const ids = r.reply.reply?.Ok?.assignments ?? [];
    if (r.reply.kind !== 'Grouped' || !r.reply.reply.Ok) throw new Error(`unexpected reply ${JSON.stringify(r.reply).slice(0, 200)}`);
    console.log(`| ${n} | ${(r.ms / 1000).toFixed(1)} | ${new Set(ids.filter((x) => x != null)).size} | ${ids.filter((x) => x == null).length} |`);
  }
  guard.assertPrivate();
  await guard.context.close();
} catch (e) {
  console.error(e);
  exitCode = 1;
} finally {
  await browser.close();
  await server.close();
}
process.exit(exitCode);

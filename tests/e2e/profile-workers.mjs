// Where the workers' CPU goes: sorts the first N photos of a set (default 150) in headless
// Chromium with the DevTools protocol's sampling Profiler running in every worker, and prints
// each function's self time per photo, highest first (the worker's wasm keeps its function
// names, so Rust functions are named). For finding what to speed up; `bench.mjs` gives the
// figures to compare builds by, as profiling slows the run.
//   node tests/e2e/profile-workers.mjs SET_DIR [N]     (env: FACESORT_DIST)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';
import { startServer } from './server.mjs';
import { CHROMIUM_ARGS, DIST, PREFIX, chromiumPath, sel, setImages } from './lib.mjs';

const [setDir, count = '150'] = process.argv.slice(2);
if (!setDir || !fs.existsSync(setDir)) {
  console.error('usage: node tests/e2e/profile-workers.mjs SET_DIR [N]');
  process.exit(2);
}
const files = setImages(path.resolve(setDir)).slice(0, Number(count));
const server = await startServer({ root: DIST, prefix: PREFIX });
const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'facesort-profile-'));
const browser = await puppeteer.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true, userDataDir: profileDir });
try {
  const page = await browser.newPage();
  // Workers start with the first photo; each is profiled from its start.
  const workers = [];
  page.on('workercreated', async (worker) => {
    workers.push(worker);
    await worker.client.send('Profiler.enable');
    await worker.client.send('Profiler.setSamplingInterval', { interval: 500 });
    await worker.client.send('Profiler.start');
  });
  await page.goto(server.url);
  await (await page.$(sel.photosInput)).uploadFile(...files);
  await page.waitForFunction(() => document.body.dataset.state === 'done', { timeout: 1_800_000, polling: 500 });
  const selfMs = new Map();
  for (const worker of workers) {
    const { profile } = await worker.client.send('Profiler.stop');
    const byNode = new Map();
    profile.samples.forEach((node, i) => byNode.set(node, (byNode.get(node) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
    for (const node of profile.nodes) {
      const { functionName, url, lineNumber, columnNumber } = node.callFrame;
      // Anonymous functions by place (wasm-bindgen wraps many imports in one).
      const name = functionName || `(${url.split('/').pop()}:${lineNumber + 1}:${columnNumber + 1})`;
      selfMs.set(name, (selfMs.get(name) ?? 0) + (byNode.get(node.id) ?? 0));
    }
  }
  console.log(`\nworkers' self time, ${files.length} photos from ${setDir}, ${workers.length} workers\n`);
  console.log('| ms per photo | function |\n|---|---|');
  for (const [name, ms] of [...selfMs].sort((a, b) => b[1] - a[1]).slice(0, 40)) {
    console.log(`| ${(ms / files.length).toFixed(2)} | ${name.replace(/::h[0-9a-f]{16}$/, '').replaceAll('|', '\\|')} |`);
  }
} finally {
  await browser.close();
  server.close();
  fs.rmSync(profileDir, { recursive: true, force: true });
}

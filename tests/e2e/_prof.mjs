import fs from 'node:fs';
import path from 'node:path';
import puppeteer from 'puppeteer-core';
import { startServer } from './server.mjs';
import { CHROMIUM_ARGS, sel, chromiumPath } from './lib.mjs';
const dir = '/tmp/prof/set/images';
const files = fs.readdirSync(dir).map(f => path.join(dir, f));
const server = await startServer({ root: process.env.FACESORT_DIST, prefix: '/' });
const browser = await puppeteer.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true, userDataDir: '/tmp/prof/profile' + Date.now() });
const page = await browser.newPage();
const workers = [];
page.on('workercreated', async (w) => { workers.push(w); try { await w.client.send('Profiler.enable'); await w.client.send('Profiler.setSamplingInterval', { interval: 500 }); await w.client.send('Profiler.start'); } catch (e) { console.error('enable', e.message); } });
await page.goto(server.url);
await new Promise(r => setTimeout(r, 4000));
console.error('workers', workers.length);
const input = await page.$(sel.photosInput);
await input.uploadFile(...files);
await page.waitForFunction(() => document.body.dataset.state === 'done', { timeout: 600000, polling: 500 });
const self = new Map();
let total = 0;
for (const w of workers) {
  let profile; try { ({ profile } = await w.client.send('Profiler.stop')); } catch (e) { console.error('stop', e.message); continue; }
  const dt = new Map();
  for (let i = 0; i < profile.samples.length; i++) dt.set(profile.samples[i], (dt.get(profile.samples[i]) || 0) + (profile.timeDeltas[i] || 0));
  for (const n of profile.nodes) {
    const t = (dt.get(n.id) || 0) / 1000;
    const name = n.callFrame.functionName || `(${n.callFrame.url.split('/').pop()})`;
    self.set(name, (self.get(name) || 0) + t);
    total += t;
  }
}
const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 45);
console.log('total ms', total.toFixed(0), 'per photo', (total / files.length).toFixed(1));
for (const [n, t] of rows) console.log((t / files.length).toFixed(2).padStart(8), 'ms/photo ', n.slice(0, 140));
await browser.close(); server.close();

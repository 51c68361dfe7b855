// Gallery benchmark: sorts a whole labelled set but one photo (the selfie), exports a
// find-yourself gallery of it, serves the unzipped gallery on another port, and times a
// guest: typing the code until the gallery is open (key derivation and the index), and the
// selfie until their photos are shown (the models load meanwhile, then one photo is analysed).
// Prints a table; the selfie is the first photo of the set's first identity with 4+ photos.
//   node tests/e2e/gallery-bench.mjs [SET_DIR=dev set]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from './server.mjs';
import { readZip } from './zip.mjs';
import {
  DEV_SET, DIST, PREFIX, button, download, fileFromDisk, gotoApp, guardedContext, launchBrowser, sel,
  setImages, singleFaceIdentities, waitForDone,
} from './lib.mjs';

const setDir = process.argv[2] ? path.resolve(process.argv[2]) : DEV_SET;
const CODE = 'bench-room-code-2026';
const [person] = singleFaceIdentities(setDir, 1, 4);
const selfie = path.join(setDir, person.files[0]);
const library = setImages(setDir).filter((f) => f !== selfie);
const server = await startServer({ root: DIST, prefix: PREFIX });
const browser = await launchBrowser();
const rows = [];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facesort-gallery-bench-'));
try {
  const guard = await guardedContext(browser);
  const page = await guard.context.newPage();
  await gotoApp(page, server.url);
  await page.locator(sel.photosInput).setInputFiles(library.map((f) => fileFromDisk(f)));
  await waitForDone(page, 900_000);
  await page.getByText('Share a gallery…').click();
  await page.getByRole('textbox', { name: 'Room code' }).fill(CODE);
  let t = Date.now();
  const saved = await download(page, button(page, 'Export gallery (zip)'), 'gallery-bench.zip');
  const exportS = (Date.now() - t) / 1000;
  const made = await page.getByTestId('gallery-made').textContent();
  const files = readZip(saved.bytes);
  let sealedBytes = 0;
  for (const [n, data] of files) {
    fs.mkdirSync(path.dirname(path.join(dir, n)), { recursive: true });
    fs.writeFileSync(path.join(dir, n), data);
    if (n.startsWith('gallery/')) sealedBytes += data.length;
  }
  const originals = library.reduce((s, f) => s + fs.statSync(f).size, 0);
  await guard.context.close();

  const host = await startServer({ root: dir });
  const visit = await guardedContext(browser);
  const g = await visit.context.newPage();
  await g.goto(host.url);
  await g.waitForFunction(() => document.body?.dataset.state === 'locked', null, { timeout: 30_000 });
  await g.getByRole('textbox', { name: 'Code' }).fill(CODE);
  t = Date.now();
  await button(g, 'Open').click();
  await g.waitForFunction(() => document.body.dataset.state === 'open', null, { timeout: 60_000 });
  const openS = (Date.now() - t) / 1000;
  const t2 = Date.now();
  await g.getByLabel('Your photo', { exact: true }).setInputFiles(fileFromDisk(selfie));
  await g.getByTestId('guest-status').getByText(/^You are in \d+ photos?\.$|^You are in none/).waitFor({ timeout: 120_000 });
  const findS = (Date.now() - t2) / 1000;
  const found = await g.getByTestId('guest-status').textContent();
  await g.screenshot({ path: path.join(path.dirname(saved.file), 'gallery-guest.png'), fullPage: true });
  visit.assertPrivate();
  await host.close();

  rows.push(['photos in the library / in the gallery', `${library.length} / ${made.match(/saved: (\d+)/)?.[1]}`]);
  rows.push(['gallery zip', `${(saved.bytes.length / 1e6).toFixed(1)} MB (app ${((saved.bytes.length - sealedBytes) / 1e6).toFixed(1)} MB, sealed photos, thumbnails and index ${(sealedBytes / 1e6).toFixed(1)} MB; originals ${(originals / 1e6).toFixed(1)} MB)`]);
  rows.push(['export', `${exportS.toFixed(1)} s`]);
  rows.push(['guest: code typed → gallery open', `${openS.toFixed(2)} s`]);
  rows.push(['guest: selfie chosen → photos shown', `${findS.toFixed(2)} s (${found})`]);
  rows.push(['guest: code → photos', `${(openS + findS).toFixed(2)} s plus choosing the photo`]);
} finally {
  await browser.close();
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
console.log(`\nGallery of ${path.basename(setDir)} (${os.cpus().length} cores, ${os.cpus()[0]?.model ?? '?'}; headless Chromium)\n`);
console.log('| measure | value |\n|---|---|');
for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);

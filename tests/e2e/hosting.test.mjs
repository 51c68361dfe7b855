// Static hosting: dist/ served from a sub-path works, and a damaged model file
// is reported in words instead of giving wrong faces.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from './server.mjs';
import { checkDist } from '../../scripts/check-dist.mjs';
import { DIST, PHOTOS, button, fileFromDisk, gotoApp, guardedContext, launchBrowser, readPeople, sel, waitForDone } from './lib.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

test('dist/ is deployable: a release build with no autoreload script, and the check catches a development build', () => {
  assert.deepEqual(checkDist(DIST), [], 'the built dist/ fails scripts/check-dist.mjs');
  // What `trunk serve` writes into index.html: the check must refuse it.
  const dev = fs.mkdtempSync(path.join(os.tmpdir(), 'facesort-dev-dist-'));
  try {
    fs.cpSync(DIST, dev, { recursive: true, filter: (f) => !f.includes(`${path.sep}models${path.sep}`) });
    const index = fs.readFileSync(path.join(dev, 'index.html'), 'utf8');
    const autoreload = '<script>(function () { const url = "ws://{{__trunk_address__}}{{__trunk_ws_base__}}.well-known/trunk/ws"; new WebSocket(url); })()</script>';
    fs.writeFileSync(path.join(dev, 'index.html'), index.replace('</body>', `${autoreload}</body>`));
    const problems = checkDist(dev);
    assert.ok(problems.some((p) => /development build/.test(p)), `not caught: ${problems}`);
  } finally {
    fs.rmSync(dev, { recursive: true, force: true });
  }
});

const photos = () => ['eileen_collins_nasa.png', 'cameraman_cc0.png', 'rocket_spacex_pd.jpg'].map((f) => fileFromDisk(path.join(PHOTOS, f)));

test('the built app works when served from a sub-path (/facesort/)', { timeout: 180_000 }, async (t) => {
  const server = await startServer({ root: DIST, prefix: '/facesort/' });
  const guard = await guardedContext(browser);
  try {
    const page = await guard.context.newPage();
    await gotoApp(page, server.url);
    assert.match(page.url(), /\/facesort\/$/);
    await page.locator(sel.photosInput).setInputFiles(photos());
    await waitForDone(page);
    // Collins is a person; the cameraman's small turned face is an other face.
    assert.equal((await readPeople(page)).length, 1);
    await button(page, 'Other faces, 1 face').waitFor({ timeout: 5_000 });
    const outside = guard.requests.filter((u) => !u.startsWith(server.url) && !/^(data|blob):/.test(u));
    assert.deepEqual(outside, [], 'requests outside the sub-path');
    guard.assertPrivate();
    t.diagnostic(`${guard.requests.length} requests, all under ${server.url}`);
  } finally {
    await guard.context.close();
    await server.close();
  }
});

test('a damaged model file gives a clear message, not wrong faces', { timeout: 180_000 }, async (t) => {
  const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'facesort-damaged-'));
  fs.cpSync(DIST, dist, { recursive: true });
  const model = path.join(dist, 'models', 'dlib_face_recognition_resnet.onnx');
  fs.writeFileSync(model, fs.readFileSync(model).subarray(0, 100_000));
  const server = await startServer({ root: dist });
  const guard = await guardedContext(browser);
  try {
    const page = await guard.context.newPage();
    await gotoApp(page, server.url);
    await page.locator(sel.photosInput).setInputFiles(photos());
    const alert = page.getByRole('alert');
    await alert.waitFor({ timeout: 60_000 });
    const text = await alert.textContent();
    t.diagnostic(`message: ${text}`);
    assert.match(text, /the face recognition model \(models\/dlib_face_recognition_resnet\.onnx\) could not be loaded: the file is damaged or not the expected version/);
    assert.equal(await page.evaluate(() => document.body.dataset.state), 'idle');
    assert.equal(await readPeople(page).then((p) => p.length), 0, 'people were shown although the models did not load');
    guard.assertPrivate();
  } finally {
    await guard.context.close();
    await server.close();
    fs.rmSync(dist, { recursive: true, force: true });
  }
});

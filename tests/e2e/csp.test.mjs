// The locked-down page: the build's Content-Security-Policy (index.html's <meta>, and the
// same policy in dist/_headers, which the test server sends like a static host) blocks a
// request to another origin from the page and from a worker, by the policy itself and not
// only by the tests' network guard; the app itself breaks no rule while it sorts, its
// workers log no warning, and the service worker still registers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { PHOTOS, fileFromDisk, readPeople, serveApp, sel, waitForDone, withAppAt } from './lib.mjs';

const app = serveApp({ before, after });
// Another origin that would answer if asked: the tests' guard would block it too, so the
// test checks that no request for it was even made.
const ELSEWHERE = 'http://localhost:9/collect?faces=1';

/** Runs in the page or a worker: tries to send, and reports what the policy said. */
const trySend = async (url) => {
  const violations = [];
  self.addEventListener('securitypolicyviolation', (e) => violations.push(`${e.effectiveDirective} ${e.blockedURI}`));
  const outcome = await fetch(url, { method: 'POST', body: 'faces', mode: 'no-cors' })
    .then(() => 'sent', (e) => `refused: ${e}`);
  await new Promise((r) => setTimeout(r, 100));
  return { outcome, violations };
};

test('the Content-Security-Policy blocks sending to another origin from the page and from a worker',
  { timeout: 240_000 }, (t) => withAppAt(t, app.url, async (page, guard) => {
    const appViolations = [];
    await page.exposeFunction('reportViolation', (v) => appViolations.push(v));
    await page.evaluate(() => document.addEventListener('securitypolicyviolation',
      (e) => window.reportViolation(`${e.effectiveDirective} ${e.blockedURI}`)));

    // Workers start with the first photo: they say nothing while they start and sort (a
    // deprecated way of starting the wasm made each warn).
    const workerSaid = [];
    page.on('worker', (w) => w.on('console', (m) => {
      if (m.type() === 'warning' || m.type() === 'error') workerSaid.push(`${m.type()}: ${m.text()}`);
    }));

    // The app works under the policy: sorting, thumbnails, the service worker.
    await page.locator(sel.photosInput).setInputFiles([fileFromDisk(path.join(PHOTOS, 'eileen_collins_nasa.png'))]);
    await waitForDone(page);
    assert.deepEqual(workerSaid, [], 'a worker warned');
    assert.equal((await readPeople(page)).length, 1);
    const registered = await page.evaluate(async () => (await navigator.serviceWorker.ready).active?.state);
    assert.equal(registered, 'activated');
    assert.deepEqual(appViolations, [], 'the app itself broke the policy');

    const fromPage = await page.evaluate(trySend, ELSEWHERE);
    t.diagnostic(`page: ${JSON.stringify(fromPage)}`);
    assert.match(fromPage.outcome, /^refused/);
    assert.ok(fromPage.violations.some((v) => v.startsWith('connect-src http://localhost:9')), JSON.stringify(fromPage));

    const worker = page.workers().find((w) => /worker_loader\.js$/.test(w.url()));
    assert.ok(worker, `no Facesort worker among ${page.workers().map((w) => w.url())}`);
    const fromWorker = await worker.evaluate(trySend, ELSEWHERE);
    t.diagnostic(`worker: ${JSON.stringify(fromWorker)}`);
    assert.match(fromWorker.outcome, /^refused/);
    assert.ok(fromWorker.violations.some((v) => v.startsWith('connect-src http://localhost:9')), JSON.stringify(fromWorker));

    // Refused by the policy before any request was made: the guard never saw one.
    assert.deepEqual(guard.requests.filter((u) => u.includes('localhost:9')), []);
  }));

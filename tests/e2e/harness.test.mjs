// Tests of the e2e harness itself (server, privacy guard, zip checks, drop and mirror
// helpers, dev-set selection). Needs Chromium but not the app; takes a few seconds.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from './server.mjs';
import { DEV_SET, PHOTOS, REPO, devSubset, dropFiles, guardedContext, launchBrowser, mirroredPng, parseCsv } from './lib.mjs';
import { crc32, listZip, makeZip, readZip, verifyZipFile, whichUnzip } from './zip.mjs';

let tmp, site;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'facesort-harness-'));
  site = path.join(tmp, 'site');
  fs.mkdirSync(path.join(site, 'sub'), { recursive: true });
  const files = {
    'index.html': '<!doctype html><title>t</title><body data-state="idle"><div data-testid="drop-zone">drop</div></body>',
    'a.js': 'export {}', 'b.wasm': '\0asm', 'c.json': '{}', 'd.css': 'body{}', 'e.png': 'x', 'f.jpg': 'x',
    'g.jpeg': 'x', 'h.webp': 'x', 'i.gif': 'x', 'sub/index.html': 'sub', 'name with space.txt': 'x',
  };
  for (const [f, body] of Object.entries(files)) fs.writeFileSync(path.join(site, f), body);
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('server: MIME types, no-store, 404s, directory index', async () => {
  const srv = await startServer({ root: site });
  try {
    assert.match(srv.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const expect = {
      '': 'text/html', 'a.js': 'text/javascript', 'b.wasm': 'application/wasm', 'c.json': 'application/json',
      'd.css': 'text/css', 'e.png': 'image/png', 'f.jpg': 'image/jpeg', 'g.jpeg': 'image/jpeg', 'h.webp': 'image/webp',
      'i.gif': 'image/gif', 'sub/': 'text/html', 'name%20with%20space.txt': 'text/plain',
    };
    for (const [p, type] of Object.entries(expect)) {
      const r = await fetch(srv.url + p);
      assert.equal(r.status, 200, p);
      assert.equal(r.headers.get('content-type').split(';')[0], type, p);
      assert.equal(r.headers.get('cache-control'), 'no-store', p);
    }
    assert.equal(await (await fetch(srv.url + 'b.wasm')).text(), '\0asm');
    for (const p of ['missing.js', 'sub/missing', '%2e%2e/%2e%2e/etc/passwd', '..%2f..%2fetc%2fpasswd']) {
      assert.equal((await fetch(srv.url + p)).status, 404, p);
    }
    const r = await fetch(srv.url + 'sub', { redirect: 'manual' });
    assert.equal(r.status, 301);
    assert.equal(r.headers.get('location'), '/sub/');
    assert.equal((await fetch(srv.url + 'a.js', { method: 'HEAD' })).status, 200);
    assert.equal((await fetch(srv.url, { method: 'POST' })).status, 405);
  } finally {
    await srv.close();
  }
});

test('server: path prefix, extra headers, the placeholder index.html', async () => {
  const srv = await startServer({ root: site, prefix: '/facesort/', headers: { 'Cross-Origin-Opener-Policy': 'same-origin' } });
  try {
    assert.ok(srv.url.endsWith('/facesort/'));
    const base = srv.url.replace(/facesort\/$/, '');
    assert.equal((await fetch(srv.url)).status, 200);
    assert.equal((await fetch(srv.url + 'b.wasm')).headers.get('content-type'), 'application/wasm');
    assert.equal((await fetch(srv.url)).headers.get('cross-origin-opener-policy'), 'same-origin');
    assert.equal((await fetch(base + 'index.html')).status, 404);
    assert.equal((await fetch(base + 'facesort', { redirect: 'manual' })).headers.get('location'), '/facesort/');
  } finally {
    await srv.close();
  }
  if (fs.existsSync(path.join(REPO, 'index.html'))) {
    const repo = await startServer({ root: REPO });
    try {
      const r = await fetch(repo.url);
      assert.equal(r.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.match(await r.text(), /<title>Facesort<\/title>/);
    } finally {
      await repo.close();
    }
  }
});

test('zip: our reader agrees with unzip -t, and both catch corruption', (t) => {
  const a = Buffer.from('hello '.repeat(1000)), b = fs.readFileSync(path.join(PHOTOS, 'rocket_spacex_pd.jpg'));
  const zip = makeZip([
    { name: 'Person 1/', data: Buffer.alloc(0) },
    { name: 'Person 1/a.txt', data: a, method: 8 },
    { name: 'no-faces/rocket.jpg', data: b, method: 0 },
  ]);
  const file = path.join(tmp, 'ok.zip');
  fs.writeFileSync(file, zip);
  const { files, unzip } = verifyZipFile(file, zip);
  t.diagnostic(whichUnzip() ? `unzip at ${whichUnzip()}` : 'no unzip: own reader only');
  assert.deepEqual([...files.keys()], ['Person 1/a.txt', 'no-faces/rocket.jpg']);
  assert.ok(files.get('Person 1/a.txt').equals(a) && files.get('no-faces/rocket.jpg').equals(b));
  if (whichUnzip()) assert.match(unzip, /No errors detected/);
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);

  const bad = Buffer.from(zip);
  const entry = listZip(bad).find((e) => e.name === 'no-faces/rocket.jpg');
  bad[entry.offset + 30 + entry.name.length + 1000] ^= 0xff; // one byte of the stored photo
  const badFile = path.join(tmp, 'bad.zip');
  fs.writeFileSync(badFile, bad);
  assert.throws(() => readZip(bad), /CRC-32/);
  assert.throws(() => verifyZipFile(badFile, bad), whichUnzip() ? /unzip -t/ : /CRC-32/);
  assert.throws(() => listZip(Buffer.from('not a zip at all, not even close')), /not a zip/);
});

test('zip: reads what Info-ZIP writes', { skip: !fs.existsSync('/usr/bin/zip') && 'zip not installed' }, () => {
  const dir = path.join(tmp, 'z');
  fs.mkdirSync(path.join(dir, 'Person 2'), { recursive: true });
  fs.copyFileSync(path.join(PHOTOS, 'cameraman_cc0.png'), path.join(dir, 'Person 2', 'cameraman_cc0.png'));
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'x'.repeat(5000));
  execFileSync('zip', ['-qr', '../info.zip', '.'], { cwd: dir });
  const buf = fs.readFileSync(path.join(tmp, 'info.zip'));
  const files = readZip(buf);
  assert.deepEqual([...files.keys()].sort(), ['Person 2/cameraman_cc0.png', 'notes.txt']);
  assert.ok(files.get('Person 2/cameraman_cc0.png').equals(fs.readFileSync(path.join(PHOTOS, 'cameraman_cc0.png'))));
});

test('labels.csv parsing and the dev subset selection', (t) => {
  const rows = parseCsv('file,identity,license\r\na.jpg,X,"MIT, ""quoted"""\nb.jpg,,plain\n');
  assert.deepEqual(rows, [{ file: 'a.jpg', identity: 'X', license: 'MIT, "quoted"' }, { file: 'b.jpg', identity: '', license: 'plain' }]);
  if (!DEV_SET) return t.skip('no dev set');
  const subset = devSubset(DEV_SET);
  for (const s of subset) t.diagnostic(`${s.identity}: ${s.files.map((f) => path.basename(f)).join(' ')}`);
  assert.equal(subset.length, 5);
  assert.ok(subset.every((s) => s.files.length === 4 && s.files.every((f) => fs.existsSync(path.join(DEV_SET, f)))));
  const ids = subset.map((s) => s.identity);
  assert.deepEqual(ids, [...ids].sort());
});

test('browser: privacy guard, synthetic drop, mirrored PNG', async (t) => {
  fs.writeFileSync(path.join(site, 'leaky.html'), `<!doctype html><body><script>
    fetch('https://cdn.example.com/lib.js').catch(() => {});
    new Worker(URL.createObjectURL(new Blob(['fetch("http://192.0.2.1/x").catch(() => {})'], { type: 'text/javascript' })));
  </script></body>`);
  fs.writeFileSync(path.join(site, 'drop.html'), `<!doctype html><body><div data-testid="drop-zone">drop</div><script>
    const z = document.querySelector('[data-testid=drop-zone]'); window.got = null;
    z.addEventListener('dragover', (e) => e.preventDefault());
    z.addEventListener('drop', async (e) => { e.preventDefault();
      window.got = await Promise.all([...e.dataTransfer.files].map(async (f) => [f.name, f.type, (await f.arrayBuffer()).byteLength]));
      window.entries = [...e.dataTransfer.items].map((i) => i.webkitGetAsEntry?.() ?? null); });
  </script></body>`);
  const srv = await startServer({ root: site });
  const browser = await launchBrowser();
  try {
    t.diagnostic(`chromium ${browser.version()}`);
    const clean = await guardedContext(browser);
    const page = await clean.context.newPage();
    await page.goto(srv.url + 'drop.html');
    const png = fs.readFileSync(path.join(PHOTOS, 'cameraman_cc0.png'));
    const drop = await dropFiles(page, [
      { name: 'cameraman_cc0.png', mimeType: 'image/png', buffer: png },
      { name: 'empty.jpg', mimeType: 'image/jpeg', buffer: Buffer.alloc(0) },
    ]);
    assert.deepEqual(drop, { dragoverPrevented: true, dropPrevented: true });
    await page.waitForFunction(() => window.got);
    assert.deepEqual(await page.evaluate(() => window.got), [['cameraman_cc0.png', 'image/png', png.length], ['empty.jpg', 'image/jpeg', 0]]);
    // Worth knowing for the app: a synthetic drop has no file-system entries.
    assert.deepEqual(await page.evaluate(() => window.entries), [null, null]);

    const mirrored = await mirroredPng(page, png, 'image/png');
    assert.ok(mirrored.subarray(1, 4).equals(Buffer.from('PNG')));
    assert.ok(mirrored.readUInt32BE(16) === png.readUInt32BE(16) && mirrored.readUInt32BE(20) === png.readUInt32BE(20), 'same size');
    assert.ok(!mirrored.equals(png));
    clean.assertPrivate();
    await clean.context.close();

    const leaky = await guardedContext(browser);
    const p2 = await leaky.context.newPage();
    await p2.goto(srv.url + 'leaky.html');
    await p2.waitForTimeout(1000);
    assert.throws(() => leaky.assertPrivate(), (e) => /cdn\.example\.com/.test(e.message) && /192\.0\.2\.1/.test(e.message));
    assert.deepEqual(leaky.blocked.sort(), ['http://192.0.2.1/x', 'https://cdn.example.com/lib.js']);
    await leaky.context.close();
  } finally {
    await browser.close();
    await srv.close();
  }
});

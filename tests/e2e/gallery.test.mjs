// Find-yourself galleries: a sorted dev-set library is exported as a gallery (the app and
// sealed photos), which is unzipped into another folder and served on another port. Without
// the code nothing in it is readable (no photo, thumbnail, descriptor, file or person name);
// a wrong code is told so; the right code and a selfie that is not in the gallery find that
// person's photos on the guest's side, and their zip holds exactly those photos, byte for
// byte; a person's album code opens only their photos. No request leaves 127.0.0.1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  DEV_SET, DEV_SET_PATH, SORT_TIMEOUT, axeViolations, button, download, fileFromDisk, guardedContext, mimeOf, openAlbum,
  readPeople, rename, sel, serveApp, sharedBrowser, sideBySidePng, singleFaceIdentities, waitForRunAfter, withAppAt,
} from './lib.mjs';
import { startServer } from './server.mjs';
import { listZip, verifyZipFile, zipTimeOf } from './zip.mjs';

const app = serveApp({ before, after });
const ROOM_CODE = 'Wedding-Guests-2026';
const NAME = 'Annabel Testperson';

/** Where `haystack` holds `needle` (a Buffer), or -1. */
const find = (haystack, needle) => haystack.indexOf(needle);

/** The album files of the person labelled `name`. */
async function filesOf(page, name) {
  const { files } = await openAlbum(page, page.getByRole('button', { name: new RegExp(`^${name}, \\d+ photos?$`) }));
  await page.getByRole('button', { name: 'Back to people' }).click();
  return files.map((f) => path.basename(f));
}

/**
 * A guest's page on the gallery at `url`, in its own guarded context. `files` are the
 * gallery's: the guest may only GET those (the selfie is never sent, even to the host).
 */
async function guest(url, files) {
  const guard = await guardedContext(await sharedBrowser());
  const page = await guard.context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e.stack || e)));
  guard.context.on('request', (r) => {
    const at = new URL(r.url());
    if (at.protocol === 'blob:' || at.protocol === 'data:') return;
    const file = decodeURIComponent(at.pathname.slice(1)) || 'index.html';
    // A zip the guest downloads streams from the gallery's own service worker, which answers
    // download/<id> itself and never passes it on (offline.test.mjs proves it with no network).
    if (r.method() === 'GET' && at.origin === new URL(url).origin && /^download\/[0-9a-f]{32}$/.test(file)) return;
    if (r.method() !== 'GET' || at.origin !== new URL(url).origin || !files.has(file)) {
      errors.push(`a request that is not a GET of the gallery's files: ${r.method()} ${r.url()}`);
    }
  });
  await page.goto(url);
  await page.waitForFunction(() => document.body?.dataset.state === 'locked', null, { timeout: 30_000 });
  return { guard, page, errors };
}

async function enterCode(page, code) {
  await page.getByRole('textbox', { name: 'Code' }).fill(code);
  await button(page, 'Open').click();
  await page.waitForFunction(() => ['open', 'locked'].includes(document.body.dataset.state)
    && document.querySelector('form.unlock button')?.disabled !== true, null, { timeout: 60_000 });
}

const shownFiles = async (page, list = 'Your photos') => (await page.getByRole('list', { name: list, exact: true })
  .locator('[role=listitem] .name').allTextContents()).sort();

test('a gallery reveals nothing without its code, and finds a guest from a selfie on the guest\'s side',
  { timeout: SORT_TIMEOUT * 2 + 300_000, skip: DEV_SET ? false : `no development set: ${DEV_SET_PATH}/labels.csv does not exist` },
  (t) => withAppAt(t, app.url, async (page) => {
    // Three people, three photos each in the library; each one's fourth photo is a selfie.
    const people = singleFaceIdentities(DEV_SET, 3, 4);
    const inLibrary = people.flatMap((p) => p.files.slice(0, 3));
    const since = await page.evaluate(() => performance.now());
    // Given by path, so each file keeps its time on disk (which the guest's zip keeps).
    await page.locator(sel.photosInput).setInputFiles(inLibrary.map((f) => path.join(DEV_SET, f)));
    await waitForRunAfter(page, since);
    const [ann] = people;
    let annLabel = null;
    for (const p of await readPeople(page)) {
      if ((await filesOf(page, p.name)).includes(path.basename(ann.files[0]))) annLabel = p.name;
    }
    assert.ok(annLabel, 'the first person was sorted');
    await rename(page, annLabel, NAME);

    // The organiser exports it: their code, names in, and an album per named person.
    await page.getByText('Share a gallery…').click();
    // A code too short is said beside its field, which takes focus; nothing is made.
    const codeField = page.getByRole('textbox', { name: 'Room code' });
    await codeField.fill('abc');
    await button(page, 'Export gallery (zip)').click();
    await page.locator('#room-code-error', { hasText: 'A code needs at least 12 letters or digits.' }).waitFor();
    assert.equal(await codeField.getAttribute('aria-invalid'), 'true');
    assert.ok(await codeField.evaluate((e) => e === document.activeElement), 'the code field has not got focus');
    assert.equal(await page.getByTestId('export').count(), 0, 'an export started with a short code');
    await codeField.fill(ROOM_CODE);
    assert.equal(await codeField.getAttribute('aria-invalid'), null, 'the field is still marked after typing');
    await page.getByRole('checkbox', { name: "Put people's names in it" }).check();
    await page.getByRole('checkbox', { name: 'Also an album for each named person, with its own code' }).check();
    const started = Date.now();
    const saved = await download(page, button(page, 'Export gallery (zip)'), 'gallery.zip');
    t.diagnostic(`gallery of ${inLibrary.length} photos: ${(saved.bytes.length / 1e6).toFixed(1)} MB, exported in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    assert.equal(saved.suggested, 'Facesort gallery.zip');
    // Both the gallery's note and the export bar give the size of the file the organiser got
    // (the app and the photos), not the photos' alone.
    const size = `${(saved.bytes.length / 1e6).toFixed(1)} MB`;
    await page.getByTestId('gallery-made').getByText(`Gallery saved: 9 photos (${size}).`).waitFor();
    assert.match(await page.getByTestId('export').textContent(), new RegExp(`^Saved 9 photos \\(${size.replace('.', '\\.')}\\) into Facesort gallery\\.zip\\.`));
    const albumCodes = await page.getByRole('list', { name: 'Album codes' }).getByRole('listitem').allTextContents();
    assert.equal(albumCodes.length, 1, `one named person, one album: ${albumCodes}`);
    const annCode = albumCodes[0].slice(`${NAME}: `.length);
    assert.match(annCode, /^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
    // The codes file names the gallery it opens (an organiser may make several).
    const codes = await download(page, button(page, 'Save the codes'), 'codes.txt');
    assert.equal(codes.suggested, 'Facesort gallery codes (Our photos).txt');
    assert.equal(codes.bytes.toString('utf8'),
      `Facesort gallery codes: Our photos\n\nRoom (everyone): ${ROOM_CODE}\n\nAlbums (one person's photos each):\n${NAME}: ${annCode}\n`);

    // What the host gets: the app, and ciphertext.
    const { files } = verifyZipFile(saved.file, saved.bytes);
    for (const f of ['index.html', 'sw.js', 'gallery/gallery.json', 'models/yunet_s_dynamic.onnx']) {
      assert.ok(files.has(f), `the gallery has ${f}: ${[...files.keys()].join(', ')}`);
    }
    const header = JSON.parse(files.get('gallery/gallery.json').toString('utf8'));
    assert.deepEqual(Object.keys(header).sort(), ['format', 'kdf', 'locks', 'version']);
    assert.equal(header.locks.length, 2, 'the room and one album');
    assert.ok(header.kdf.iterations >= 600_000);
    const secrets = [
      ...[NAME, ROOM_CODE, ROOM_CODE.toLowerCase(), annCode]
        .map((s) => [s, Buffer.from(s, 'utf8')]),
      ...inLibrary.map((f) => [f, Buffer.from(path.basename(f), 'utf8')]),
      // A photo's bytes: any 48 from its middle.
      ...inLibrary.map((f) => {
        const bytes = fs.readFileSync(path.join(DEV_SET, f));
        return [`bytes of ${f}`, bytes.subarray(bytes.length >> 1, (bytes.length >> 1) + 48)];
      }),
    ];
    for (const [what, needle] of secrets) {
      assert.equal(find(saved.bytes, needle), -1, `${what} is readable in the gallery`);
    }
    const sealed = [...files].filter(([n]) => n.startsWith('gallery/') && n !== 'gallery/gallery.json');
    assert.equal(sealed.length, 2 * inLibrary.length + 2, 'an original and a thumbnail per photo, and two locks');
    for (const [n, data] of sealed) {
      for (const field of ['"embedding"', '"name"', '"key"', '"photos"']) {
        assert.equal(find(data, Buffer.from(field)), -1, `${field} is readable in ${n}`);
      }
      // Sealed bytes are random: look for what a plain file would be (a random byte is '{' one
      // time in 128, so a test of the first character would fail now and then).
      for (const at of [0, 12]) {
        assert.notDeepEqual([...data.subarray(at, at + 3)], [0xff, 0xd8, 0xff], `${n} holds a plain JPEG`);
        assert.notDeepEqual([...data.subarray(at, at + 4)], [0x89, 0x50, 0x4e, 0x47], `${n} holds a plain PNG`);
      }
      assert.throws(() => JSON.parse(data.toString('utf8')), SyntaxError, `${n} is plain JSON`);
    }

    // Served from another folder and port, as any static host would.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facesort-gallery-'));
    for (const [n, data] of files) {
      fs.mkdirSync(path.dirname(path.join(dir, n)), { recursive: true });
      fs.writeFileSync(path.join(dir, n), data);
    }
    const host = await startServer({ root: dir });
    assert.notEqual(new URL(host.url).port, new URL(app.url).port);
    try {
      const visit = await guest(host.url, files);
      try {
        const { page: g } = visit;
        await enterCode(g, 'not-the-code-at-all');
        assert.match(await g.getByTestId('code-error').textContent(), /does not open this gallery/);
        // The guest's screens pass the same accessibility audit as the app's (a11y.test.mjs).
        const guestA11y = await axeViolations(g);

        // The right code, typed as a phone might (capitals, spaces), then a selfie.
        const opening = Date.now();
        await enterCode(g, ' wedding guests 2026 ');
        assert.equal(await g.evaluate(() => document.body.dataset.state), 'open');
        // The opened gallery's heading takes focus (it fell to the page before).
        await g.waitForFunction(() => document.activeElement?.matches('main h2') && document.activeElement.textContent === 'Find yourself');
        const opened = Date.now();
        const selfie = ann.files[3];
        await g.getByLabel('Your photo', { exact: true }).setInputFiles(fileFromDisk(path.join(DEV_SET, selfie)));
        await g.getByTestId('guest-status').getByText(/^You are in \d+ photos?\.$/).waitFor({ timeout: 120_000 });
        const found = Date.now();
        t.diagnostic(`guest: code to open ${((opened - opening) / 1000).toFixed(1)} s, selfie to photos ${((found - opened) / 1000).toFixed(1)} s, code to photos ${((found - opening) / 1000).toFixed(1)} s`);
        const expected = ann.files.slice(0, 3).map((f) => path.basename(f)).sort();
        assert.deepEqual(await shownFiles(g), expected, 'exactly the selfie person\'s photos');
        const captions = await g.getByRole('list', { name: 'Your photos' }).locator('.people').allTextContents();
        assert.ok(captions.length === 3 && captions.every((c) => c === NAME), `names shown: ${captions}`);
        // Thumbnails open in the page.
        await g.waitForFunction(() => [...document.querySelectorAll('ul[aria-label="Your photos"] img')]
          .every((i) => i.complete && i.naturalWidth > 0), null, { timeout: 30_000 });

        // The tab is named for the gallery, and the slider by what it sets (not its value).
        assert.equal(await g.title(), 'Our photos');
        assert.equal(await g.getByRole('slider', { name: 'Minimum similarity', exact: true }).count(), 1);

        // A selfie with a friend: the largest face is used, and the guest can choose theirs.
        const [, bob] = people;
        const group = await sideBySidePng(g, [
          { buffer: fs.readFileSync(path.join(DEV_SET, selfie)), mimeType: mimeOf(selfie), height: 320 },
          { buffer: fs.readFileSync(path.join(DEV_SET, bob.files[3])), mimeType: mimeOf(bob.files[3]), height: 200 },
        ]);
        await g.getByLabel('Your photo', { exact: true }).setInputFiles({ name: 'with a friend.png', mimeType: 'image/png', buffer: group });
        const faces = g.getByRole('group', { name: /^\d+ faces in your photo\. Which one is you\?/ }).getByRole('button');
        await faces.first().waitFor({ timeout: 120_000 });
        const n = await faces.count();
        assert.ok(n >= 2, `faces offered: ${n}`);
        assert.equal(await faces.first().getAttribute('aria-pressed'), 'true', 'the largest face is used first');
        await g.getByTestId('guest-status').getByText(/^You are in \d+ photos?\.$/).waitFor();
        assert.deepEqual(await shownFiles(g), expected, 'the largest face finds the selfie person\'s photos');
        const bobsPhotos = bob.files.slice(0, 3).map((f) => path.basename(f)).sort();
        let bobFound = false;
        for (let i = 1; i < n && !bobFound; i++) {
          await faces.nth(i).click();
          assert.equal(await faces.nth(i).getAttribute('aria-pressed'), 'true');
          assert.equal(await faces.first().getAttribute('aria-pressed'), 'false');
          bobFound = JSON.stringify(await shownFiles(g)) === JSON.stringify(bobsPhotos);
        }
        assert.ok(bobFound, 'choosing the friend\'s face finds the friend\'s photos');
        // Back to the guest's own face for the rest.
        await faces.first().click();
        await g.waitForFunction((n) => document.querySelectorAll('ul[aria-label="Your photos"] > li').length === n, expected.length);
        assert.deepEqual(await shownFiles(g), expected);

        // A thumbnail opens the photo larger (the original, decrypted here); Escape closes it
        // and focus goes back to the thumbnail.
        const first = expected[0];
        const opener = g.getByRole('button', { name: `Open ${first} larger`, exact: true });
        await opener.click();
        const shown = g.getByRole('dialog', { name: first });
        await shown.waitFor();
        await g.waitForFunction(() => {
          const img = document.querySelector('dialog.guest-viewer img');
          return img?.complete && img.naturalWidth > 0;
        });
        // The page's policy allows no fetch of the image's blob: its pixels are compared with
        // the original's, decoded here (a thumbnail is re-encoded, so some pixels differ).
        const original = fs.readFileSync(path.join(DEV_SET, ann.files.slice(0, 3).find((f) => path.basename(f) === first)));
        const same = await g.locator('dialog.guest-viewer img').evaluate(async (img, b64) => {
          const bin = atob(b64);
          const bytes = new Uint8Array(bin.length);
          for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
          const pixels = (source, w, h) => {
            const c = new OffscreenCanvas(w, h).getContext('2d');
            c.drawImage(source, 0, 0);
            return c.getImageData(0, 0, w, h).data;
          };
          const bmp = await createImageBitmap(new Blob([bytes]));
          if (img.naturalWidth !== bmp.width || img.naturalHeight !== bmp.height) return `${img.naturalWidth}x${img.naturalHeight} shown, ${bmp.width}x${bmp.height} original`;
          const [x, y] = [pixels(img, bmp.width, bmp.height), pixels(bmp, bmp.width, bmp.height)];
          let differ = 0;
          for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) differ++;
          return differ === 0 ? 'same' : `${differ} of ${x.length} values differ`;
        }, original.toString('base64'));
        assert.equal(same, 'same', 'the dialog shows the original, not the thumbnail');
        guestA11y.push(...await axeViolations(g));
        await g.keyboard.press('Escape');
        await shown.waitFor({ state: 'hidden' });
        assert.ok(await opener.evaluate((e) => e === document.activeElement), 'focus is back on the thumbnail');

        guestA11y.push(...await axeViolations(g));
        assert.deepEqual(guestA11y, [], 'axe-core violations on the guest\'s screens (a wrong code, their photos)');
        const zip = await download(g, g.getByRole('button', { name: /^Download these 3 photos \(zip\)$/ }), 'guest.zip');
        assert.equal(zip.suggested, 'My photos.zip');
        const got = verifyZipFile(zip.file, zip.bytes).files;
        assert.deepEqual([...got.keys()].sort(), expected);
        for (const f of ann.files.slice(0, 3)) {
          assert.ok(got.get(path.basename(f)).equals(fs.readFileSync(path.join(DEV_SET, f))), `${f} byte for byte`);
        }
        for (const entry of listZip(zip.bytes)) {
          const file = ann.files.slice(0, 3).find((f) => path.basename(f) === entry.name);
          assert.equal(entry.modified, zipTimeOf(fs.statSync(path.join(DEV_SET, file)).mtime), `${entry.name}: its file's time`);
        }
        // The gallery's own service worker installs (its list names the guest's index.html).
        const active = await g.evaluate(async () => !!(await navigator.serviceWorker.ready).active);
        assert.ok(active, 'the gallery\'s service worker is active');
        visit.guard.assertPrivate();
        assert.deepEqual(visit.errors, []);
      } finally {
        await visit.guard.context.close();
      }

      // The album code opens Annabel's photos, and nothing else.
      const albumVisit = await guest(host.url, files);
      try {
        const { page: g } = albumVisit;
        await enterCode(g, annCode.toUpperCase());
        await g.getByRole('heading', { name: `Photos of ${NAME}: 3.` }).waitFor();
        await g.waitForFunction(() => document.activeElement?.matches('main h2'));
        assert.deepEqual(await shownFiles(g, `Photos of ${NAME}`), ann.files.slice(0, 3).map((f) => path.basename(f)).sort());
        assert.equal(await g.getByLabel('Your photo', { exact: true }).count(), 0, 'an album needs no selfie');
        assert.deepEqual(await axeViolations(g), [], 'axe-core violations on an album\'s page');
        albumVisit.guard.assertPrivate();
        assert.deepEqual(albumVisit.errors, []);
      } finally {
        await albumVisit.guard.context.close();
      }
    } finally {
      await host.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }));

// When: a person's page shows when they were seen (EXIF DateTimeOriginal, else the file's
// time): first and last seen and photos per month; the library's history lists additions.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  serveApp, DEV_SET, DEV_SET_PATH, SORT_TIMEOUT, fileFromDisk, openAlbum, readPeople, sel,
  singleFaceIdentities, waitForDone, withAppAt,
} from './lib.mjs';
import { crc32 } from './zip.mjs';

const app = serveApp({ before, after });

/** A big-endian TIFF block with one Exif IFD holding DateTimeOriginal ("YYYY:MM:DD HH:MM:SS"). */
function exifWithDate(date) {
  const b = Buffer.alloc(64);
  b.write('MM\x00\x2a', 0, 'latin1');
  b.writeUInt32BE(8, 4); // IFD0
  b.writeUInt16BE(1, 8);
  b.writeUInt16BE(0x8769, 10); b.writeUInt16BE(4, 12); b.writeUInt32BE(1, 14); b.writeUInt32BE(26, 18);
  b.writeUInt32BE(0, 22);
  b.writeUInt16BE(1, 26); // Exif IFD
  b.writeUInt16BE(0x9003, 28); b.writeUInt16BE(2, 30); b.writeUInt32BE(20, 32); b.writeUInt32BE(44, 36);
  b.writeUInt32BE(0, 40);
  b.write(`${date}\x00`, 44, 'latin1');
  return b;
}

/** The PNG with an eXIf chunk right after IHDR. */
function pngWithDate(png, date) {
  const data = exifWithDate(date);
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  chunk.write('eXIf', 4, 'latin1');
  data.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + data.length)) >>> 0, 8 + data.length);
  const ihdrEnd = 8 + 25;
  return Buffer.concat([png.subarray(0, ihdrEnd), chunk, png.subarray(ihdrEnd)]);
}

test('a person\'s page shows when they were seen; the library history shows additions',
  { timeout: SORT_TIMEOUT + 60_000, skip: DEV_SET ? false : `no development set: ${DEV_SET_PATH}/labels.csv does not exist` },
  (t) => withAppAt(t, app.url, async (page) => {
    const [a] = singleFaceIdentities(DEV_SET, 1, 4);
    assert.ok(a.files.every((f) => f.endsWith('.png')), 'this test dates PNGs');
    const dates = ['2019:07:14 10:00:00', '2019:07:20 18:30:00', '2021:03:02 09:15:00'];
    const files = a.files.map((f, i) => {
      const file = fileFromDisk(path.join(DEV_SET, f));
      return i < dates.length ? { ...file, buffer: pngWithDate(file.buffer, dates[i]) } : file;
    });
    await page.locator(sel.photosInput).setInputFiles(files);
    await waitForDone(page);
    const people = await readPeople(page);
    assert.equal(people.length, 1);
    await openAlbum(page, people[0].button);

    // File times and additions are shown in the browser's own time zone.
    const now = await page.evaluate(() => {
      const d = new Date();
      return { day: d.getDate(), month: d.toLocaleString('en-GB', { month: 'long' }), year: d.getFullYear() };
    });
    const month = now.month;
    const today = `${now.day} ${month} ${now.year}`;
    const span = await page.locator('[data-testid="seen-span"]').textContent();
    // The undated photo counts at its file time, which Playwright sets to now.
    assert.equal(span, `First seen 14 July 2019, last seen ${today} · 3 of 4 dates from the camera, the rest from the files' times`);
    const rows = await page.getByRole('table', { name: 'Photos per month' }).locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent.trim())));
    assert.deepEqual(rows, [['July 2019', '2'], ['March 2021', '1'], [`${month} ${now.year}`, '1']]);

    // Kept across a reload (the dates are stored with the photos).
    await page.reload();
    await waitForDone(page);
    await openAlbum(page, (await readPeople(page))[0].button);
    assert.equal(await page.locator('[data-testid="seen-span"]').textContent(), span);

    // Worked out when opened (the toggle event), so the list fills a moment after the click.
    await page.getByText('Library history').click();
    const items = page.getByRole('list', { name: 'Library history' }).locator('li');
    await items.first().waitFor();
    const history = await items.allTextContents();
    assert.deepEqual(history, [`${today}: 4 photos added, with ${people[0].name}`]);
  }));

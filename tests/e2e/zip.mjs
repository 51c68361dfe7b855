// Zip checking for the end-to-end tests, with no dependencies: `unzip -t` when the
// machine has it, and always our own reader (central directory, local headers,
// CRC-32 of every entry, stored or deflated, zip64 included).
import { execFileSync } from 'node:child_process';
import zlib from 'node:zlib';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(bytes) {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Lists a zip's entries from its central directory: [{ name, method, crc, size, compressedSize, offset, flags, modified }]
 * (`modified`: the entry's local DOS time as 'YYYY-MM-DD hh:mm:ss'). */
export function listZip(buf) {
  buf = Buffer.from(buf.buffer ?? buf, buf.byteOffset ?? 0, buf.byteLength ?? buf.length);
  const EOCD = 0x06054b50;
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === EOCD) { eocd = i; break; }
  }
  if (eocd < 0) throw new Error('not a zip: no end-of-central-directory record');
  let count = buf.readUInt16LE(eocd + 10);
  let cdSize = buf.readUInt32LE(eocd + 12);
  let cdOffset = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20; // zip64 end-of-central-directory locator
    if (loc < 0 || buf.readUInt32LE(loc) !== 0x07064b50) throw new Error('zip64 fields without a zip64 locator');
    const z64 = Number(buf.readBigUInt64LE(loc + 8));
    if (buf.readUInt32LE(z64) !== 0x06064b50) throw new Error('bad zip64 end-of-central-directory record');
    count = Number(buf.readBigUInt64LE(z64 + 32));
    cdSize = Number(buf.readBigUInt64LE(z64 + 40));
    cdOffset = Number(buf.readBigUInt64LE(z64 + 48));
  }
  if (cdOffset + cdSize > buf.length) throw new Error('central directory lies outside the file');
  const entries = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`bad central directory header #${i} at ${p}`);
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    const modified = dosTime(buf.readUInt16LE(p + 14), buf.readUInt16LE(p + 12));
    const crc = buf.readUInt32LE(p + 16);
    let compressedSize = buf.readUInt32LE(p + 20);
    let size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    let offset = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    // zip64 extended information: only the fields saturated in the header are present, in this order.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = buf.readUInt16LE(e), len = buf.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        if (size === 0xffffffff) { size = Number(buf.readBigUInt64LE(q)); q += 8; }
        if (compressedSize === 0xffffffff) { compressedSize = Number(buf.readBigUInt64LE(q)); q += 8; }
        if (offset === 0xffffffff) { offset = Number(buf.readBigUInt64LE(q)); q += 8; }
      }
      e += 4 + len;
    }
    entries.push({ name, method, crc, size, compressedSize, offset, flags, modified });
    p = extraEnd + commentLen;
  }
  return entries;
}

const two = (n) => String(n).padStart(2, '0');
const dosTime = (date, time) => `${(date >> 9) + 1980}-${two((date >> 5) & 15)}-${two(date & 31)} `
  + `${two(time >> 11)}:${two((time >> 5) & 63)}:${two((time & 31) * 2)}`;

/** A Date as a zip entry made on this machine says it: local time, to even seconds. */
export function zipTimeOf(date) {
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} `
    + `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds() & ~1)}`;
}

/** The uncompressed bytes of one entry (checks its local header, size and CRC-32). */
export function readEntry(buf, entry) {
  buf = Buffer.from(buf.buffer ?? buf, buf.byteOffset ?? 0, buf.byteLength ?? buf.length);
  const p = entry.offset;
  if (buf.readUInt32LE(p) !== 0x04034b50) throw new Error(`${entry.name}: bad local header at ${p}`);
  const nameLen = buf.readUInt16LE(p + 26);
  const extraLen = buf.readUInt16LE(p + 28);
  const localName = buf.toString('utf8', p + 30, p + 30 + nameLen);
  if (localName !== entry.name) throw new Error(`${entry.name}: local header names ${JSON.stringify(localName)}`);
  const start = p + 30 + nameLen + extraLen;
  const raw = buf.subarray(start, start + entry.compressedSize);
  if (raw.length !== entry.compressedSize) throw new Error(`${entry.name}: data runs past the end of the file`);
  if (entry.flags & 1) throw new Error(`${entry.name}: encrypted`);
  let data;
  if (entry.method === 0) data = raw;
  else if (entry.method === 8) data = zlib.inflateRawSync(raw);
  else throw new Error(`${entry.name}: unsupported compression method ${entry.method}`);
  if (data.length !== entry.size) throw new Error(`${entry.name}: ${data.length} bytes, header says ${entry.size}`);
  const crc = crc32(data);
  if (crc !== entry.crc) throw new Error(`${entry.name}: CRC-32 ${crc.toString(16)}, header says ${entry.crc.toString(16)}`);
  return data;
}

/** Reads and verifies every entry: Map(name -> Buffer); directory entries (ending in '/') are left out. */
export function readZip(buf) {
  const out = new Map();
  for (const entry of listZip(buf)) {
    const data = readEntry(buf, entry);
    if (entry.name.endsWith('/')) continue;
    if (out.has(entry.name)) throw new Error(`duplicate entry ${entry.name}`);
    out.set(entry.name, data);
  }
  return out;
}

let unzipPath;
export function whichUnzip() {
  if (unzipPath === undefined) {
    try { unzipPath = execFileSync('sh', ['-c', 'command -v unzip'], { encoding: 'utf8' }).trim() || null; } catch { unzipPath = null; }
  }
  return unzipPath;
}

/**
 * Validates a zip file on disk: `unzip -t` if available (its output is returned), and our own
 * reader in every case. Returns { files: Map(name -> Buffer), unzip: string | null }.
 */
export function verifyZipFile(file, buf) {
  let unzipOut = null;
  const unzip = whichUnzip();
  if (unzip) {
    try {
      unzipOut = execFileSync(unzip, ['-t', file], { encoding: 'utf8' });
    } catch (e) {
      throw new Error(`unzip -t ${file} failed (exit ${e.status}):\n${e.stdout}${e.stderr}`);
    }
    if (!/No errors detected/.test(unzipOut)) throw new Error(`unzip -t ${file}:\n${unzipOut}`);
  }
  return { files: readZip(buf), unzip: unzipOut };
}

/** Writes a zip (for the harness's own tests): entries [{ name, data, method: 0 | 8 }]. */
export function makeZip(entries) {
  const locals = [], centrals = [];
  let offset = 0;
  for (const { name, data, method = 0 } of entries) {
    const nameBuf = Buffer.from(name, 'utf8');
    const body = method === 8 ? zlib.deflateRawSync(data) : Buffer.from(data);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(method, 8); local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18); local.writeUInt32LE(data.length, 22); local.writeUInt16LE(nameBuf.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(20, 4); central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x800, 8); central.writeUInt16LE(method, 10); central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20); central.writeUInt32LE(data.length, 24); central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBuf, body);
    centrals.push(central, nameBuf);
    offset += 30 + nameBuf.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(entries.length, 8); end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

#!/usr/bin/env node
// Writes the service worker's precache list into DIR/sw.js: every file of DIR (but sw.js
// and dot files) with its SHA-256, and a version hashing all of them and sw.js's own code.
// So any change to any file of the build gives a new sw.js, byte for byte, and browsers
// install the new version (see public/sw.js).
//
// Run by Trunk as a post_build hook (DIR = $TRUNK_STAGING_DIR, see Trunk.toml), or by hand
// on any built directory: `node scripts/sw-precache.mjs dist` (it can be run again: the
// list is replaced). A build by `trunk serve` (its index.html loads Trunk's autoreload
// script) gets a development worker that caches nothing and removes itself.
// No dependencies: plain Node.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const LINE = /^const PRECACHE = .*; \/\/ written by scripts\/sw-precache\.mjs$/m;
const TEMPLATE = 'const PRECACHE = null; // written by scripts/sw-precache.mjs';

const sha256 = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex');

/** Files below `dir`, as sorted '/'-separated relative paths, dot files and folders left out. */
function listFiles(dir, base = '') {
  return fs.readdirSync(path.join(dir, base), { withFileTypes: true })
    .filter((e) => !e.name.startsWith('.'))
    .flatMap((e) => {
      const rel = base ? `${base}/${e.name}` : e.name;
      return e.isDirectory() ? listFiles(dir, rel) : e.isFile() ? [rel] : [];
    })
    .sort();
}

export function writePrecache(dir) {
  const swFile = path.join(dir, 'sw.js');
  const sw = fs.readFileSync(swFile, 'utf8');
  if (!LINE.test(sw)) throw new Error(`${swFile} has no line "${TEMPLATE}"`);
  const code = sw.replace(LINE, TEMPLATE);
  const files = listFiles(dir).filter((f) => f !== 'sw.js')
    .map((f) => [f.split('/').map(encodeURIComponent).join('/'), sha256(fs.readFileSync(path.join(dir, f)))]);
  if (!files.some(([f]) => f === 'index.html')) throw new Error(`${dir} has no index.html`);
  const dev = fs.readFileSync(path.join(dir, 'index.html'), 'utf8').includes('.well-known/trunk/ws');
  const version = sha256(JSON.stringify({ code, dev, files })).slice(0, 16);
  const precache = { version, dev, files };
  fs.writeFileSync(swFile, sw.replace(LINE, () => `const PRECACHE = ${JSON.stringify(precache)}; // written by scripts/sw-precache.mjs`));
  return precache;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = path.resolve(process.argv[2] ?? process.env.TRUNK_STAGING_DIR ?? 'dist');
  const { version, dev, files } = writePrecache(dir);
  const bytes = files.reduce((n, [f]) => n + fs.statSync(path.join(dir, decodeURIComponent(f))).size, 0);
  console.log(dev
    ? `sw.js: version ${version}, a development worker (trunk serve): it caches nothing and removes itself`
    : `sw.js: version ${version}, ${files.length} files, ${(bytes / 1048576).toFixed(1)} MiB to precache`);
}

#!/usr/bin/env node
// Trunk's post_build hook (Trunk.toml): first the worker's relaxed-SIMD build (a file of the
// build like any other), then the Content-Security-Policy (it changes index.html), then the
// service worker's precache list (it hashes every file, index.html and _headers included).
// DIR = $TRUNK_STAGING_DIR, or the first argument.
import path from 'node:path';
import { writeCsp } from './csp.mjs';
import { buildRelaxedWorker } from './relaxed-worker.mjs';
import { writePrecache } from './sw-precache.mjs';

const dir = path.resolve(process.argv[2] ?? process.env.TRUNK_STAGING_DIR ?? 'dist');
buildRelaxedWorker(dir);
const { hashes } = writeCsp(dir);
const { version, files } = writePrecache(dir);
console.log(`post-build: ${hashes.length} inline script(s) hashed into the policy; sw ${version}, ${files.length} files precached`);

#!/usr/bin/env node
// Completes the Content-Security-Policy of a built DIR/index.html: adds the SHA-256 of each
// inline <script> (Trunk's loader, the only one) to script-src, and writes the same policy
// with the recommended headers into DIR/_headers (the format Netlify and Cloudflare Pages
// read, and tests/e2e/server.mjs too). A <meta> policy covers the page only: a worker obeys
// the policy sent with its own script, so hosts should send the header as well.
//
// Run by the post-build hook (scripts/post-build.mjs) or by hand: `node scripts/csp.mjs dist`.
// No dependencies: plain Node.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const META = /(<meta http-equiv="Content-Security-Policy" content=")([^"]*)(")/;
const INLINE_SCRIPT = /<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g;

/** The headers every file of the app should be served with. */
export function recommendedHeaders(policy) {
  return {
    'Content-Security-Policy': policy,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Permissions-Policy': 'camera=(self), microphone=(), geolocation=()',
    'Cross-Origin-Opener-Policy': 'same-origin',
  };
}

export function writeCsp(dir) {
  const file = path.join(dir, 'index.html');
  const html = fs.readFileSync(file, 'utf8');
  const meta = META.exec(html);
  if (!meta) throw new Error(`${file} has no Content-Security-Policy <meta>`);
  const hashes = [...html.matchAll(INLINE_SCRIPT)]
    .map(([, code]) => `'sha256-${crypto.createHash('sha256').update(code, 'utf8').digest('base64')}'`);
  // Idempotent: hashes from an earlier run are replaced.
  const policy = meta[2].split(';').map((d) => d.trim()).filter(Boolean).map((d) => {
    const [name, ...sources] = d.split(/\s+/);
    if (name !== 'script-src') return d;
    return [name, ...sources.filter((s) => !s.startsWith("'sha256-")), ...hashes].join(' ');
  }).join('; ');
  fs.writeFileSync(file, html.replace(META, (_, a, __, c) => `${a}${policy}${c}`));
  // frame-ancestors only works as a header: nobody may frame the app.
  const headers = recommendedHeaders(`${policy}; frame-ancestors 'none'`);
  const lines = ['/*', ...Object.entries(headers).map(([k, v]) => `  ${k}: ${v}`)];
  fs.writeFileSync(path.join(dir, '_headers'), `${lines.join('\n')}\n`);
  return { policy, hashes };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = path.resolve(process.argv[2] ?? process.env.TRUNK_STAGING_DIR ?? 'dist');
  const { hashes } = writeCsp(dir);
  console.log(`csp: ${hashes.length} inline script(s) hashed into ${dir}/index.html and _headers`);
}

// A tiny static file server for the end-to-end tests (node:http, no dependencies).
// startServer({ root, port = 0, prefix = '/', headers = {} }) -> { url, port, close }
// Serves `root` under `prefix` on 127.0.0.1 with Cache-Control: no-store; a directory
// serves its index.html; anything missing, outside `prefix` or outside `root` is a 404.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

export const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.map': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.onnx': 'application/octet-stream',
};

export function mimeType(file) {
  return MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The headers a `_headers` file in `root` gives every path ("/*" block; the format of
 * Netlify and Cloudflare Pages), as a static host would send them: the app's build writes
 * its Content-Security-Policy there (scripts/csp.mjs).
 */
export function headersFile(root) {
  let text;
  try { text = fs.readFileSync(path.join(root, '_headers'), 'utf8'); } catch { return {}; }
  const out = {};
  let all = false;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    if (!/^\s/.test(line)) { all = line.trim() === '/*'; continue; }
    const at = line.indexOf(':');
    if (all && at > 0) out[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return out;
}

export function startServer({ root, port = 0, prefix = '/', headers = {} } = {}) {
  if (!root) throw new Error('startServer: root is required');
  const rootDir = path.resolve(root);
  headers = { ...headersFile(rootDir), ...headers };
  if (!prefix.startsWith('/')) prefix = '/' + prefix;
  if (!prefix.endsWith('/')) prefix += '/';

  const server = http.createServer((req, res) => {
    const send = (status, body, extra = {}) => {
      res.writeHead(status, { 'Cache-Control': 'no-store', 'Content-Type': 'text/plain; charset=utf-8', ...headers, ...extra });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n', { Allow: 'GET, HEAD' });

    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname);
    } catch {
      return send(400, 'bad request\n');
    }
    if (pathname + '/' === prefix) return send(301, '', { Location: prefix });
    if (!pathname.startsWith(prefix) || pathname.includes('\0')) return send(404, 'not found\n');

    let file = path.join(rootDir, pathname.slice(prefix.length));
    if (file !== rootDir && !file.startsWith(rootDir + path.sep)) return send(404, 'not found\n');
    fs.stat(file, (err, st) => {
      if (!err && st.isDirectory()) {
        if (!pathname.endsWith('/')) return send(301, '', { Location: pathname + '/' });
        file = path.join(file, 'index.html');
        try { st = fs.statSync(file); } catch (e) { err = e; }
      }
      if (err || !st.isFile()) return send(404, 'not found\n');
      res.writeHead(200, {
        'Content-Type': mimeType(file),
        'Content-Length': st.size,
        'Cache-Control': 'no-store',
        ...headers,
      });
      if (req.method === 'HEAD') return res.end();
      fs.createReadStream(file).on('error', () => res.destroy()).pipe(res);
    });
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const actual = server.address().port;
      resolve({
        url: `http://127.0.0.1:${actual}${prefix}`,
        port: actual,
        close: () => new Promise((done) => {
          server.closeAllConnections?.();
          server.close(() => done());
        }),
      });
    });
  });
}

// `node server.mjs [ROOT] [PORT] [PREFIX]` serves a directory by hand (default: dist/).
if (import.meta.url === `file://${process.argv[1]}`) {
  const here = path.dirname(new URL(import.meta.url).pathname);
  const root = process.argv[2] ?? path.resolve(here, '../../dist');
  const { url } = await startServer({ root, port: Number(process.argv[3] ?? 8081), prefix: process.argv[4] ?? '/' });
  console.log(`serving ${root} at ${url}`);
}

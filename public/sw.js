// Facesort's service worker: after the first visit the app, its wasm and the face models
// load with no network at all.
//
// The precache list below is written at build time by scripts/sw-precache.mjs (a Trunk
// post_build hook): every file of dist/ with its SHA-256, and a version that is a hash of
// all of them and of this script. Any change to any file therefore gives a new sw.js, which
// the browser installs next to the running one:
// - install: fetches every listed file, checks its SHA-256, and only if all match stores
//   them in the cache "facesort-<version>" (all or nothing: a half-deployed site or a
//   damaged file fails the install and the running version stays);
// - the new worker then waits; the page offers "Reload to update", which posts
//   "skip-waiting"; on the very first install it takes control at once;
// - activate: deletes every other facesort- cache;
// - fetch: same-origin GETs of listed files (and of sw.js itself, which a gallery export
//   copies) are answered from this version's cache, and a
//   page load of the scope itself ("./", e.g. /facesort/) with its index.html; everything
//   else (other origins included) is left to the network, untouched.
// An sw.js the hook did not process (PRECACHE null) and the one `trunk serve` gets (dev)
// cache nothing: they delete facesort caches and unregister themselves.

const PRECACHE = null; // written by scripts/sw-precache.mjs

const PREFIX = 'facesort-';
const ACTIVE = PRECACHE !== null && !PRECACHE.dev;
const CACHE = ACTIVE ? PREFIX + PRECACHE.version : null;
const SCOPE = self.registration.scope;
// Relative path (as listed) -> absolute URL, and the set of listed URLs.
const URLS = new Map(ACTIVE ? PRECACHE.files.map(([file, sha256]) => [new URL(file, SCOPE).href, sha256]) : []);
const INDEX = new URL('index.html', SCOPE).href;
const SELF = new URL(self.location.href).origin + new URL(self.location.href).pathname;

async function deleteCaches(keep) {
  const names = await caches.keys();
  await Promise.all(names.filter((n) => n.startsWith(PREFIX) && n !== keep).map((n) => caches.delete(n)));
}

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
}

async function precache() {
  // Fetch and verify everything before storing anything.
  const fetched = await Promise.all([...URLS].map(async ([url, sha256]) => {
    const response = await fetch(url, { cache: 'no-cache', credentials: 'same-origin' });
    if (!response.ok) throw new Error(`precache: ${url} answered ${response.status}`);
    const digest = hex(await crypto.subtle.digest('SHA-256', await response.clone().arrayBuffer()));
    if (digest !== sha256) throw new Error(`precache: ${url} is not the file this version lists (SHA-256 ${digest}, expected ${sha256})`);
    return [url, response];
  }));
  // This script too, unlisted (it cannot hold its own hash): a gallery exported offline copies
  // the app from the cache, this worker included. The browser's update checks never come here.
  const self_ = await fetch(SELF, { cache: 'no-cache', credentials: 'same-origin' });
  if (!self_.ok) throw new Error(`precache: ${SELF} answered ${self_.status}`);
  // A deployment during the install would give another sw.js, listing other files.
  if (!(await self_.clone().text()).includes(`"version":"${PRECACHE.version}"`)) {
    throw new Error(`precache: ${SELF} is not the version installing (${PRECACHE.version})`);
  }
  fetched.push([SELF, self_]);
  const cache = await caches.open(CACHE);
  try {
    await Promise.all(fetched.map(([url, response]) => cache.put(url, response)));
  } catch (e) {
    await caches.delete(CACHE);
    throw e;
  }
}

self.addEventListener('install', (event) => {
  if (!ACTIVE) {
    event.waitUntil(self.skipWaiting());
    return;
  }
  event.waitUntil(precache());
});

self.addEventListener('activate', (event) => {
  if (!ACTIVE) {
    event.waitUntil(deleteCaches(null).then(() => self.registration.unregister()));
    return;
  }
  // clients.claim() matters only on the first install (pages loaded without a worker);
  // after an update the waiting worker activates only when the page asks, and the page
  // then reloads on controllerchange.
  event.waitUntil(deleteCaches(CACHE).then(() => self.clients.claim()));
});

// Streamed downloads waiting for their frame's request, by id (one-shot).
const STREAMS = new Map();
const DOWNLOADS = new URL('download/', SCOPE).href;

self.addEventListener('message', (event) => {
  if (event.data === 'skip-waiting') self.skipWaiting();
  // 'keep-alive' needs no answer: the event itself keeps this worker running while a
  // download streams (browsers stop idle workers after about 30 s).
  const data = event.data;
  if (ACTIVE && data?.kind === 'stream-download' && typeof data.id === 'string' && event.ports[0]) {
    const port = event.ports[0];
    STREAMS.set(data.id, { port, name: String(data.name ?? 'download') });
    port.postMessage({ kind: 'ready' });
  }
});

function streamedDownload({ port, name }) {
  const body = new ReadableStream({
    start(controller) {
      port.onmessage = ({ data }) => {
        if (data.kind === 'chunk') controller.enqueue(new Uint8Array(data.bytes));
        else if (data.kind === 'end') { controller.close(); port.close(); }
        else if (data.kind === 'abort') { controller.error(new Error('the export was stopped')); port.close(); }
      };
      port.postMessage({ kind: 'started' });
    },
    // One chunk per pull: the page writes no faster than the download is saved.
    pull() { port.postMessage({ kind: 'pull' }); },
    cancel() { port.postMessage({ kind: 'cancelled' }); port.close(); },
  }, { highWaterMark: 1 });
  return new Response(body, {
    headers: {
      'Content-Type': 'application/zip',
      'Content-Disposition': `attachment; filename*=UTF-8''${encodeURIComponent(name)}`,
      'X-Content-Type-Options': 'nosniff',
    },
  });
}

async function fromCache(request, url) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(url);
  if (hit) return hit;
  // The cache was evicted or cleared: the network may still have the file.
  return fetch(request);
}

self.addEventListener('fetch', (event) => {
  if (!ACTIVE) return;
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  url.search = '';
  url.hash = '';
  if (url.href.startsWith(DOWNLOADS)) {
    const id = url.href.slice(DOWNLOADS.length);
    const stream = STREAMS.get(id);
    STREAMS.delete(id);
    event.respondWith(stream ? streamedDownload(stream)
      : new Response('This download is no longer available: export it again.', { status: 410, headers: { 'Content-Type': 'text/plain; charset=utf-8' } }));
  } else if (URLS.has(url.href) || url.href === SELF) {
    event.respondWith(fromCache(request, url.href));
  } else if (request.mode === 'navigate' && url.href === SCOPE) {
    event.respondWith(fromCache(request, INDEX));
  }
});

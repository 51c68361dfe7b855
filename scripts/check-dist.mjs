// Checks that a built dist/ can be deployed as it is: no development build
// (Trunk's autoreload script opens a WebSocket, a connection the privacy
// promise says never happens), the service worker's precache list present, and
// the files the page and the worker load all there.
// Usage: node scripts/check-dist.mjs [DIST]   (exit 1 with the reasons if not)
import fs from 'node:fs';
import path from 'node:path';

export function checkDist(dist) {
  const problems = [];
  const read = (f) => {
    try {
      return fs.readFileSync(path.join(dist, f), 'utf8');
    } catch {
      problems.push(`${f} is missing`);
      return '';
    }
  };
  const index = read('index.html');
  for (const marker of ['__trunk_address__', '.well-known/trunk/ws', 'new WebSocket']) {
    if (index.includes(marker)) {
      problems.push(`index.html is a development build (it contains "${marker}", Trunk's autoreload): build with scripts/build.sh`);
    }
  }
  const sw = read('sw.js');
  if (sw && !/PRECACHE|precache/.test(sw)) problems.push('sw.js has no precache list (the build hook did not run)');
  for (const f of ['worker_loader.js', 'worker.js', 'worker_bg.wasm', 'worker_relaxed.js', 'worker_relaxed_bg.wasm', 'manifest.webmanifest']) read(f);
  if (fs.existsSync(dist) && !fs.readdirSync(dist).some((f) => /^app-.*_bg\.wasm$/.test(f))) {
    problems.push("the page's wasm (app-*_bg.wasm) is missing");
  }
  return problems;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dist = process.argv[2] ?? 'dist';
  const problems = checkDist(dist);
  if (problems.length) {
    console.error(`${dist}/ is not deployable:\n- ${problems.join('\n- ')}`);
    process.exit(1);
  }
  console.log(`${dist}/ is deployable: a release build with no autoreload script`);
}

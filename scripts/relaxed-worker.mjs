// The worker built a second time with WebAssembly's relaxed SIMD (worker_relaxed.js and
// worker_relaxed_bg.wasm beside Trunk's worker.js): tract's matrix kernels then multiply and
// add in one instruction (f32x4.relaxed_madd). public/worker_loader.js picks this build where
// the browser validates relaxed SIMD and the baseline one elsewhere: a module with
// instructions a browser lacks does not load at all, so one build cannot serve both.
// Trunk sets no target features per asset, hence this post_build step; its own target
// directory keeps the baseline build's cache intact.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TARGET_DIR = path.join(ROOT, 'target', 'relaxed-simd');
// As .cargo/config.toml's flags for wasm32, plus relaxed SIMD (RUSTFLAGS replaces them).
const RUSTFLAGS = '-C target-feature=+simd128,+relaxed-simd --cfg=web_sys_unstable_apis';
const RELAXED_NAME = 'worker_relaxed';

/** Builds the relaxed-SIMD worker (release unless Trunk builds for debug) into `dir`. */
export function buildRelaxedWorker(dir) {
  const release = process.env.TRUNK_PROFILE !== 'debug';
  const run = (cmd, args, env = {}) =>
    execFileSync(cmd, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } });
  run('cargo', [
    'build', ...(release ? ['--release'] : []), '--target', 'wasm32-unknown-unknown',
    '--no-default-features', '--features', 'worker', '--bin', 'worker',
  ], { CARGO_TARGET_DIR: TARGET_DIR, RUSTFLAGS });
  const wasm = path.join(TARGET_DIR, 'wasm32-unknown-unknown', release ? 'release' : 'debug', 'worker.wasm');
  // As Trunk runs it for a worker (no-modules: the loader calls the global wasm_bindgen).
  run('wasm-bindgen', ['--target', 'no-modules', '--no-typescript', '--out-dir', dir, '--out-name', RELAXED_NAME, wasm]);
  for (const f of [`${RELAXED_NAME}.js`, `${RELAXED_NAME}_bg.wasm`]) {
    if (!fs.existsSync(path.join(dir, f))) throw new Error(`the relaxed-SIMD worker build left no ${f}`);
  }
}

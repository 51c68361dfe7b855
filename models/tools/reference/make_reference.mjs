// Reference face descriptors from the original framework, for the ONNX embedder parity test.
//
// Runs face-api 1.7.15's own FaceRecognitionNet.computeFaceDescriptor (so face-api's own
// preprocessing is what we compare against) on TFJS 4.22.0 in node, with the pure-JS cpu backend
// (no native tfjs-node binary). Writes tests/fixtures/embedder/reference.json.
//
//   cd models/tools/reference && npm ci && node make_reference.mjs [--backend cpu|wasm]
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { PNG } from 'pngjs';

const require = createRequire(import.meta.url);
// The node-wasm bundle requires only @tensorflow/tfjs (+ the wasm backend) and no native addon.
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..', '..');
const chipDir = join(repo, 'tests', 'fixtures', 'embedder');
const modelDir = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
const backend = process.argv.includes('--backend') ? process.argv[process.argv.indexOf('--backend') + 1] : 'cpu';

function loadChip(path) {
  const png = PNG.sync.read(readFileSync(path));
  if (png.width !== 150 || png.height !== 150) throw new Error(`${path}: expected 150x150, got ${png.width}x${png.height}`);
  // pngjs always hands back RGBA8; drop alpha and keep RGB order (face-api's order).
  const rgb = new Int32Array(150 * 150 * 3);
  for (let i = 0; i < 150 * 150; i++) for (let c = 0; c < 3; c++) rgb[i * 3 + c] = png.data[i * 4 + c];
  return faceapi.tf.tensor3d(rgb, [150, 150, 3], 'int32');
}

async function main() {
  if (backend === 'wasm') {
    // Use the .wasm files shipped inside the npm package rather than fetching them.
    const wasmDir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
    require('@tensorflow/tfjs-backend-wasm').setWasmPaths(`${wasmDir}/`);
  }
  await faceapi.tf.setBackend(backend);
  await faceapi.tf.ready();
  await faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir);

  const sha = (f) => createHash('sha256').update(readFileSync(join(modelDir, f))).digest('hex');
  const pkg = JSON.parse(readFileSync(require.resolve('@vladmandic/face-api/package.json'), 'utf8'));
  const chips = {};
  for (const file of readdirSync(chipDir).filter((f) => f.startsWith('chip_') && f.endsWith('.png')).sort()) {
    const input = loadChip(join(chipDir, file));
    const desc = await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(input);
    input.dispose();
    chips[file] = Array.from(desc);
    console.log(file, 'norm', Math.hypot(...desc).toFixed(6));
  }

  const source = `${pkg.name}@${pkg.version} FaceRecognitionNet.computeFaceDescriptor on `
    + `@tensorflow/tfjs@${faceapi.tf.version.tfjs} '${faceapi.tf.getBackend()}' backend, node ${process.version}; `
    + `weights model/face_recognition_model.bin sha256 ${sha('face_recognition_model.bin')}; `
    + 'each chip decoded with pngjs@7.0.0 to an int32 150x150x3 RGB tensor, one call per chip '
    + '(face-api then does cast float32, subtract mean RGB (122.782, 117.001, 104.298), divide by 255); '
    + 'produced by models/tools/reference/make_reference.mjs';
  // One chip per line keeps diffs readable; JS prints the shortest decimal that round-trips each float32.
  const body = Object.entries(chips).map(([k, v]) => `    ${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(',\n');
  const out = join(chipDir, 'reference.json');
  writeFileSync(out, `{\n  "source": ${JSON.stringify(source)},\n  "chips": {\n${body}\n  }\n}\n`);
  console.log('wrote', out);
}

main().catch((err) => { console.error(err); process.exit(1); });

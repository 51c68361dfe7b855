// face-api.js on every photo given to #photos: SSD MobileNet v1 detector, 68-point
// landmarks, 128-d descriptors (its defaults), on the tfjs WASM backend (SIMD, and
// threads when the page is cross-origin isolated). Results and timings land in
// window.peer for the runner.
import * as faceapi from './node_modules/@vladmandic/face-api/dist/face-api.esm.js';

const peer = (window.peer = { ready: false, done: 0, total: 0, results: {}, decodeMs: 0, analyseMs: 0, error: null });

async function start() {
  faceapi.tf.setWasmPaths('./node_modules/@tensorflow/tfjs-backend-wasm/dist/');
  await faceapi.tf.setBackend('wasm');
  await faceapi.tf.ready();
  const models = './node_modules/@vladmandic/face-api/model';
  await faceapi.nets.ssdMobilenetv1.loadFromUri(models);
  await faceapi.nets.faceLandmark68Net.loadFromUri(models);
  await faceapi.nets.faceRecognitionNet.loadFromUri(models);
  peer.backend = faceapi.tf.getBackend();
  peer.threads = crossOriginIsolated ? navigator.hardwareConcurrency : 1;
  peer.ready = true;
}

document.getElementById('photos').addEventListener('change', async (e) => {
  const files = [...e.target.files];
  peer.total = files.length;
  peer.startedMs = performance.now();
  const options = new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5 });
  for (const file of files) {
    try {
      const t0 = performance.now();
      const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
      const canvas = document.createElement('canvas');
      canvas.width = bitmap.width;
      canvas.height = bitmap.height;
      canvas.getContext('2d').drawImage(bitmap, 0, 0);
      bitmap.close();
      const t1 = performance.now();
      const faces = await faceapi.detectAllFaces(canvas, options).withFaceLandmarks().withFaceDescriptors();
      const t2 = performance.now();
      peer.decodeMs += t1 - t0;
      peer.analyseMs += t2 - t1;
      peer.results[file.name] = faces.map((f) => {
        const b = f.detection.box;
        return { box: [b.x, b.y, b.x + b.width, b.y + b.height], descriptor: Array.from(f.descriptor) };
      });
      canvas.width = canvas.height = 0;
    } catch (err) {
      peer.results[file.name] = { error: String(err) };
    }
    peer.done++;
  }
  peer.finishedMs = performance.now();
});

start().catch((err) => { peer.error = String(err?.stack ?? err); });

// Scoring a run against a labelled set with ../shared/eval/score.py: the page's own
// people (read from its IndexedDB, as a reload would find them) or any predictions file.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO } from './lib.mjs';

const SHARED = process.env.FACESORT_SHARED || path.join(REPO, '../shared');
const PYTHON = fs.existsSync(path.join(REPO, '.venv/bin/python')) ? path.join(REPO, '.venv/bin/python') : 'python3';
export const SCORER = process.env.FACESORT_SCORER || path.join(SHARED, 'eval/score.py');

/** Whether a set can be scored here: it has labels and the scorer is beside the repository. */
export function canScore(setDir) {
  return fs.existsSync(path.join(setDir, 'labels.csv')) && fs.existsSync(SCORER);
}

/** score.py's metrics for a predictions file (written beside it as NAME.metrics.json). */
export function score(setDir, pred) {
  const json = pred.replace(/(\.json)?$/, '.metrics.json');
  execFileSync(PYTHON, [SCORER, setDir, '--pred', pred, '--json', json], { stdio: ['ignore', 'ignore', 'inherit'] });
  return JSON.parse(fs.readFileSync(json, 'utf8'));
}

/** bench.mjs's rows for the page's people, which peer-bench.mjs reads back. */
export const PAGE_ROWS = {
  found: 'labelled faces found (the page\'s people, score.py)',
  bcubed: 'BCubed P / R / F1 (the page\'s people)',
  pairwise: 'pairwise P / R / F1 (the page\'s people)',
};

export const bcubed = (m) => triple(m.bcubed_e2e);
export const pairwise = (m) => triple(m.pairwise_e2e);
export const found = (m) => `${m.labelled_faces_detected}/${m.labelled_faces}`;
const triple = (s) => `${s.P.toFixed(3)} / ${s.R.toFixed(3)} / ${s.F1.toFixed(3)}`;

/**
 * The page's people as score.py's predictions: every stored photo's faces (boxes in
 * its upright pixels; the sets carry no rotation) with the person IndexedDB records
 * for each, unassigned ("Other faces") as null. Read once the page is done: it marks
 * itself done only after the last grouping's save has committed. Photos are matched
 * to `images` by file name.
 */
export async function pagePredictions(page, setDir, images) {
  const stored = await page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('facesort');
    open.onerror = () => reject(open.error);
    // No library: do not leave an empty one behind.
    open.onupgradeneeded = () => { open.transaction.abort(); };
    open.onsuccess = () => {
      const db = open.result;
      try {
        // Builds before schema 5 (compared in benchmarks) kept records in 'photos'.
        const records = db.objectStoreNames.contains('photo records') ? 'photo records' : 'photos';
        const tx = db.transaction([records, 'faces']);
        const photos = tx.objectStore(records).getAll();
        const faces = tx.objectStore('faces').getAll();
        tx.oncomplete = () => {
          const person = new Map(faces.result.map((f) => [f.key, f.state.person ?? null]));
          resolve(photos.result.map((p) => [p.name, p.report.faces.map((f, i) => ({
            box: [f.bbox.left, f.bbox.top, f.bbox.right, f.bbox.bottom].map(Math.round),
            cluster: person.get(`${p.seq}/${i}`) ?? null,
          }))]));
          db.close();
        };
        tx.onerror = () => reject(tx.error);
      } catch (e) {
        db.close();
        reject(e);
      }
    };
  }));
  const byName = new Map(stored);
  const predictions = { images: {} };
  for (const file of images) {
    const faces = byName.get(path.basename(file));
    if (faces) predictions.images[path.relative(setDir, file)] = faces;
  }
  return predictions;
}

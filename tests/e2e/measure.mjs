// What the benchmarks measure besides time: Chromium's memory, and the rate per 1,000 photos.
import fs from 'node:fs';

/** Chromium's memory now: the proportional set size of each of its processes, summed, in MiB. */
export function chromiumMiB() {
  return Object.values(chromiumByKind()).reduce((a, b) => a + b.pss, 0);
}

/**
 * Chromium's memory now by kind of process, in MiB: "browser" (blob storage, IndexedDB's
 * backend), "renderer" (the page and its workers), "gpu-process", "utility" (network, storage).
 * Each with its parts: anonymous memory (heaps), file-backed pages (mapped files, such as
 * databases, which the kernel can drop) and shared memory (buffers passed between processes).
 */
export function chromiumByKind() {
  const kinds = {};
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/);
      if (!/chrom(e|ium)/.test(cmd[0])) continue;
      const kind = cmd.find((a) => a.startsWith('--type='))?.slice(7) ?? 'browser';
      const rollup = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      const mib = (field) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(rollup)?.[1] ?? 0) / 1024;
      const k = (kinds[kind] ??= { pss: 0, anon: 0, file: 0, shmem: 0 });
      k.pss += mib('Pss');
      k.anon += mib('Pss_Anon');
      k.file += mib('Pss_File');
      k.shmem += mib('Pss_Shmem');
    } catch { /* the process ended meanwhile */ }
  }
  return kinds;
}

/** Keeps the peak of the total and, at that moment, its split by kind. */
export class PeakMemory {
  total = 0;
  split = {};
  sample() {
    const kinds = chromiumByKind();
    const total = Object.values(kinds).reduce((a, b) => a + b.pss, 0);
    if (total > this.total) [this.total, this.split] = [total, kinds];
  }
  /** "2451 (renderer 1800 = anon 1700 + file 60 + shmem 40, browser 400 = ...)" */
  toString() {
    const parts = Object.entries(this.split)
      .sort((a, b) => b[1].pss - a[1].pss)
      .map(([k, v]) => `${k} ${v.pss.toFixed(0)} = anon ${v.anon.toFixed(0)} + file ${v.file.toFixed(0)} + shmem ${v.shmem.toFixed(0)}`);
    return `${this.total.toFixed(0)} (${parts.join(', ')})`;
  }
}

/**
 * A figure over each successive 1,000 photos (and the rest). `samples` are [done, …figures]
 * taken during a run; `show(change in column col, photos)` writes one stretch, from `origin`.
 */
export function perThousandOf(samples, col, show, origin = samples[0]) {
  const out = [];
  let from = origin;
  for (const s of samples) {
    if (s[0] - from[0] >= 1000 || (s === samples.at(-1) && s[0] > from[0])) {
      out.push(show(s[col] - from[col], s[0] - from[0]));
      from = s;
    }
  }
  return out.join(', ') || 'n/a';
}

/** "9.8, 9.6, 9.9": photos per second over each successive 1,000 photos, from [ms, done] samples. */
export function perThousand(samples) {
  if (samples.length < 2) return 'n/a';
  return perThousandOf(samples.map(([t, d]) => [d, t]), 1, (ms, photos) => (photos / (ms / 1000)).toFixed(1));
}

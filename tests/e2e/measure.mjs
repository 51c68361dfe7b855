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
  for (const { pid, kind } of chromiumProcesses()) {
    try {
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

/** Chromium's processes now: { pid, kind } ("browser", "renderer", "gpu-process", …). */
function* chromiumProcesses() {
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let cmd;
    try {
      cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/);
    } catch { continue; /* the process ended meanwhile */ }
    if (!/chrom(e|ium)/.test(cmd[0])) continue;
    yield { pid, kind: cmd.find((a) => a.startsWith('--type='))?.slice(7) ?? 'browser' };
  }
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

/**
 * CPU time Chromium's threads spent during a run, by kind of thread: the app's workers
 * ("DedicatedWorker"), Chromium's thread pool (the browser's image decoding, IndexedDB,
 * file reads, hashing: "ThreadPoolForeg…"), the processes' main threads (the page's
 * own, the browser's UI thread) and the rest. Sampled with the memory (a thread's last
 * reading counts), so it shows where a photo's cost goes once all cores are busy.
 */
export class ThreadCpu {
  last = new Map();
  before = new Map();
  /** Marks the start of the run: time threads spent before it is not counted. */
  start() {
    this.sample();
    this.before = new Map([...this.last].map(([k, v]) => [k, v.s]));
  }
  sample() {
    const tick = 100; // USER_HZ on Linux
    for (const { pid } of chromiumProcesses()) {
      try {
        for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
          const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
          const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          this.last.set(`${pid}/${tid}`, { kind: threadKind(name, pid === tid), s: (Number(f[11]) + Number(f[12])) / tick });
        }
      } catch { /* the process or thread ended meanwhile */ }
    }
  }
  /** { workers: s, 'thread pool': s, 'main threads': s, other: s } */
  byKind() {
    const out = { workers: 0, 'thread pool': 0, 'main threads': 0, other: 0 };
    for (const [key, { kind, s }] of this.last) out[kind] += s - (this.before.get(key) ?? 0);
    return out;
  }
}

function threadKind(name, isMain) {
  if (name.startsWith('DedicatedWorker')) return 'workers';
  if (name.startsWith('ThreadPool')) return 'thread pool';
  return isMain ? 'main threads' : 'other';
}

/**
 * Starts recording the page's long tasks (PerformanceObserver "longtask": when each began
 * and how long it took) from now on, and when the photos input changed (the drop), so the
 * task that took the files in can be told from the run's own.
 */
export async function recordLongTasks(page, inputSel) {
  await page.evaluate((sel) => {
    const r = (window.__longTasks = { from: performance.now(), changeAt: null, tasks: [], observer: null });
    // Entries from the observer, or taken from it when read before it reports.
    r.keep = (entries) => { for (const e of entries) if (e.startTime >= r.from) r.tasks.push([e.startTime, e.duration]); };
    try {
      // Buffered: a task under way as recording starts is reported once it ends.
      r.observer = new PerformanceObserver((list) => r.keep(list.getEntries()));
      r.observer.observe({ type: 'longtask', buffered: true });
    } catch { r.tasks = null; }
    // On the document, so an input the page renders again is still heard.
    document.addEventListener('change', (e) => {
      if (e.target.matches?.(sel)) r.changeAt ??= performance.now();
    }, { capture: true });
  }, inputSel);
}

/** What recordLongTasks has seen so far: { changeAt, tasks: [[start, duration]] | null }. */
export async function longTasksSoFar(page) {
  return page.evaluate(() => {
    const r = window.__longTasks;
    if (r.observer) r.keep(r.observer.takeRecords());
    return { changeAt: r.changeAt, tasks: r.tasks };
  });
}

/** Counts over 50 and 200 ms and the longest, then the drop's own task and the longest other. */
export function describeLongTasks({ changeAt, tasks }) {
  if (!tasks) return 'not supported';
  const durations = tasks.map(([, d]) => d);
  const isDrop = ([start, d]) => changeAt !== null && start <= changeAt && changeAt <= start + d;
  const drop = tasks.find(isDrop);
  const others = tasks.filter((t) => !isDrop(t)).map(([, d]) => d);
  const dropText = changeAt === null ? 'no drop seen' : `the drop's own task ${drop ? drop[1].toFixed(0) : 'under 50'}`;
  return `${durations.length} / ${durations.filter((d) => d > 200).length} / ${Math.max(0, ...durations).toFixed(0)}; ` +
    `${dropText}, the longest other ${Math.max(0, ...others).toFixed(0)}`;
}

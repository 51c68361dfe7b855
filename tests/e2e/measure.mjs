// What the benchmarks measure besides time: Chromium's memory, and the rate per 1,000 photos.
import fs from 'node:fs';

/** Chromium's memory now: the proportional set size of each of its processes, summed, in MiB. */
export function chromiumMiB() {
  let kib = 0;
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!/chrom(e|ium)/.test(cmd.split('\0')[0])) continue;
      const rollup = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      kib += Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
    } catch { /* the process ended meanwhile */ }
  }
  return kib / 1024;
}

/** "9.8, 9.6, 9.9": photos per second over each successive 1,000 photos (and the rest). */
export function perThousand(samples) {
  if (samples.length < 2) return 'n/a';
  const rates = [];
  let [t0, d0] = samples[0];
  for (const [t, d] of samples.slice(1)) {
    if (d - d0 >= 1000 || (d === samples.at(-1)[1] && t === samples.at(-1)[0] && d > d0)) {
      rates.push(((d - d0) / ((t - t0) / 1000)).toFixed(1));
      [t0, d0] = [t, d];
    }
  }
  return rates.join(', ') || 'n/a';
}

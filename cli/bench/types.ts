/**
 * What the benchmark measures and how a result is held: the four execution
 * paths, and a cell that is either a measured number or the reason there is
 * none (a failed or unavailable path is reported, never replaced by a number).
 */

/** Where a benchmark runs: on the host, under qemu-user, or in the simulator with one syscall path. */
export type PathName = 'native' | 'qemu' | 'trap' | 'zpoline';

export const PATHS: readonly PathName[] = ['native', 'qemu', 'trap', 'zpoline'];

export const PATH_LABEL: Readonly<Record<PathName, string>> = {
  native: 'native', qemu: 'qemu-user', trap: 'trap', zpoline: 'zpoline',
};

/** The simulator paths (the kernel's --syscall-path). */
export type SimPath = 'trap' | 'zpoline';

export function isSimPath(p: PathName): p is SimPath {
  return p === 'trap' || p === 'zpoline';
}

/** A measured value: the best (smallest) of the samples, as lmbench reports. */
export interface Measured {
  ok: true;
  value: number;
  samples: number[];
}

/** No value: `unavailable` when the path cannot run here (qemu not installed), `failed` when the run went wrong. */
export interface NoValue {
  ok: false;
  kind: 'failed' | 'unavailable';
  reason: string;
}

export type Cell = Measured | NoValue;

export function measured(samples: number[]): Measured {
  if (samples.length === 0) throw new Error('measured() needs at least one sample');
  return { ok: true, value: Math.min(...samples), samples };
}

export function failed(reason: string): NoValue {
  return { ok: false, kind: 'failed', reason };
}

export function unavailable(reason: string): NoValue {
  return { ok: false, kind: 'unavailable', reason };
}

/** a / b when both cells hold a positive value, else null. */
export function ratio(a: Cell | undefined, b: Cell | undefined): number | null {
  if (a === undefined || b === undefined || !a.ok || !b.ok || b.value <= 0) return null;
  return a.value / b.value;
}

/**
 * Median over k of a[k] / b[k]: two paths' samples taken in the same round,
 * back to back, so the machine's drift over a run (this VM's speed moves by
 * 10-20% within an hour) cancels in each ratio instead of deciding which
 * path got the luckier best sample. Null without a pair.
 */
export function pairedRatio(a: readonly number[], b: readonly number[]): number | null {
  const r = roundRatios(a, b);
  return r.length === 0 ? null : median(r);
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median() needs at least one value');
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** The lowest and highest a[k] / b[k] of the rounds (see pairedRatio); null without a pair. */
export function pairedRange(a: readonly number[], b: readonly number[]): { min: number; max: number } | null {
  const r = roundRatios(a, b);
  return r.length === 0 ? null : { min: r[0], max: r[r.length - 1] };
}

/** a[k] / b[k] for each round with both samples, ascending. */
function roundRatios(a: readonly number[], b: readonly number[]): number[] {
  const r: number[] = [];
  for (let k = 0; k < Math.min(a.length, b.length); k++) if (b[k] > 0) r.push(a[k] / b[k]);
  return r.sort((x, y) => x - y);
}

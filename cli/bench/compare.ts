/**
 * `nommu-um bench --compare DIR`: this build against another build of the
 * simulator (DIR, a checkout or its dist directory) on lat_syscall's rows,
 * both in the same Node process, round after round. On a shared VM the
 * speed of the machine moves by 10-50% between runs minutes apart, so two
 * builds benchmarked one after the other cannot be told apart below that;
 * run back to back in one process they can. But one process is not enough:
 * the build whose modules load first is faster in most processes (V8's
 * shared state, inline caches), and the paired ratio of the same two builds
 * moves by ±20% from one process to the next. So the comparison runs in
 * several processes, each build loaded first in half of them, and reports
 * the geometric mean of the per-process ratios, their range, how many
 * processes had this build faster, and the mean in each load order.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, pairedRatio } from './types.js';
import { renderTextTable } from './table.js';
import type { WorkerReport, WorkerRequest } from './compare-worker.js';

const WORKER = fileURLToPath(new URL('./compare-worker.js', import.meta.url));
/** This build's dist directory (this module is dist/cli/bench/compare.js). */
export const THIS_DIST = resolve(dirname(WORKER), '..', '..');

export interface CompareOptions {
  /** The other build: a checkout with a built dist/, or a dist directory. */
  other: string;
  root: string;
  program: string;
  rows: string[];
  path: 'trap' | 'zpoline';
  /** Iterations of every run (null: calibrated per row to about `target` seconds a run). */
  iterations: number | null;
  rounds: number;
  processes: number;
  warmupRounds: number;
  target: number;
  timeoutMs: number;
  scratch: string;
  progress(line: string): void;
}

/** One process's measurements of a row. */
export interface ProcessSamples {
  thisFirst: boolean;
  iterations: number;
  this: number[];
  other: number[];
}

export interface CompareRow {
  row: string;
  processes: ProcessSamples[];
  /** Per process: the median over its rounds of this/other. */
  ratios: number[];
  /** Geometric mean of ratios; below 1: this build is faster. */
  ratio: number;
  min: number;
  max: number;
  /** Processes in which this build was faster (ratio < 1). */
  faster: number;
  /** Geometric means over the processes that loaded this build first, and the other first (null: none). */
  thisFirst: number | null;
  otherFirst: number | null;
  /** Medians over every process's median, µs per operation. */
  thisUs: number;
  otherUs: number;
}

/** The other build's dist directory: DIR/dist when DIR is a checkout, else DIR; null when it holds no runnable build. */
export function resolveDist(dir: string): string | null {
  for (const d of [join(dir, 'dist'), dir]) {
    if (existsSync(join(d, 'cli', 'bench', 'guest.js')) && existsSync(join(d, 'kernel', 'index.js'))) return resolve(d);
  }
  return null;
}

export function geometricMean(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('geometricMean() needs at least one value');
  return Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
}

/** The row's summary over its processes (each with at least one round). */
export function summarize(row: string, processes: ProcessSamples[]): CompareRow {
  const ratios = processes.map((p) => {
    const r = pairedRatio(p.this, p.other);
    if (r === null) throw new Error(`${row}: a process without a pair of samples`);
    return r;
  });
  const mean = (first: boolean): number | null => {
    const rs = ratios.filter((_, k) => processes[k].thisFirst === first);
    return rs.length === 0 ? null : geometricMean(rs);
  };
  return {
    row, processes, ratios, ratio: geometricMean(ratios), min: Math.min(...ratios), max: Math.max(...ratios),
    faster: ratios.filter((r) => r < 1).length, thisFirst: mean(true), otherFirst: mean(false),
    thisUs: median(processes.map((p) => median(p.this))), otherUs: median(processes.map((p) => median(p.other))),
  };
}

function runWorker(req: WorkerRequest): Promise<WorkerReport> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--expose-gc', WORKER, JSON.stringify(req)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('close', (code, signal) => {
      const last = out.trim().split('\n').pop() ?? '';
      try {
        done(JSON.parse(last) as WorkerReport);
      } catch {
        const why = signal !== null ? `signal ${signal}` : `exit status ${code}`;
        done({ ok: false, reason: `worker ended with ${why}: ${(err.trim().split('\n').pop() ?? '').slice(0, 300)}` });
      }
    });
  });
}

/** Runs the comparison: o.processes worker processes one after another, the load order alternating. */
export async function runCompare(o: CompareOptions): Promise<{ ok: true; rows: CompareRow[] } | { ok: false; reason: string }> {
  const other = resolveDist(o.other);
  if (other === null) return { ok: false, reason: `${o.other} holds no built nommu-um (dist/cli/bench/guest.js): build it first (npx tsc)` };
  const per = new Map<string, ProcessSamples[]>(o.rows.map((r) => [r, []]));
  const iterations: Record<string, number | null> = Object.fromEntries(o.rows.map((r) => [r, o.iterations]));
  for (let p = 0; p < o.processes; p++) {
    const thisFirst = p % 2 === 0;
    const dists: [string, string] = thisFirst ? [THIS_DIST, other] : [other, THIS_DIST];
    const report = await runWorker({
      dists, root: o.root, program: o.program, rows: o.rows, path: o.path, iterations,
      rounds: o.rounds, warmupRounds: o.warmupRounds, target: o.target, timeoutMs: o.timeoutMs, scratch: o.scratch,
    });
    if (!report.ok) return { ok: false, reason: `process ${p + 1}: ${report.reason}` };
    for (const w of report.rows) {
      const [mine, theirs] = thisFirst ? [w.us[0], w.us[1]] : [w.us[1], w.us[0]];
      per.get(w.row)!.push({ thisFirst, iterations: w.iterations, this: mine, other: theirs });
      // Every later process runs the count the first calibrated: the same work on both sides everywhere.
      iterations[w.row] = w.iterations;
      const r = pairedRatio(mine, theirs);
      o.progress(`process ${p + 1}/${o.processes} (${thisFirst ? 'this' : 'other'} build loaded first) ${w.row}: ` +
        `this ${median(mine).toFixed(3)} us, other ${median(theirs).toFixed(3)} us, this/other ${r === null ? '-' : r.toFixed(3)}`);
    }
  }
  return { ok: true, rows: o.rows.map((r) => summarize(r, per.get(r)!)) };
}

const f3 = (x: number | null): string => (x === null ? '-' : x.toFixed(3));

export function renderCompareTable(rows: CompareRow[], o: Pick<CompareOptions, 'other' | 'path' | 'rounds' | 'processes'>): string {
  const head = ['row', 'this us', 'other us', 'this/other', 'range', 'this faster', 'this first', 'other first'];
  const body = rows.map((r) => [
    r.row, f3(r.thisUs), f3(r.otherUs), f3(r.ratio), `${f3(r.min)}-${f3(r.max)}`, `${r.faster}/${r.ratios.length}`,
    f3(r.thisFirst), f3(r.otherFirst),
  ]);
  return `This build (${THIS_DIST}) against ${o.other}, --syscall-path ${o.path}: ${o.processes} processes, ` +
    `${o.rounds} rounds each, both builds in every round.\n` +
    'this/other: geometric mean over the processes of each one\'s median paired ratio (below 1: this build is faster);\n' +
    'this first / other first: the same mean over the processes that loaded that build first.\n\n' +
    renderTextTable(head, body, ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r']);
}

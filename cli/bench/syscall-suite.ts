/**
 * The syscall suite: lat_syscall's rows on each path. Every path runs the
 * same binary; the program times its own loop after a warm-up and prints
 * ns per operation. On the simulator paths two further deterministic runs
 * (n and 2n iterations, no warm-up) give the guest instructions and
 * syscalls per operation as the difference of the totals divided by n.
 */
import { hostFailure, QEMU, QEMU_INSTALL_HINT, MUSL_INSTALL_HINT, runHost } from './host.js';
import { guestFailure, runGuest } from './guest.js';
import { parseLatencyOutput, rowPlan } from './latency.js';
import { type BenchContext, LAT_SYSCALL, hostEnv, hostPath, missingProgram } from './context.js';
import { type Cell, type NoValue, type PathName, type SimPath, PATH_LABEL, failed, isSimPath, measured, unavailable } from './types.js';

/** Guest work per operation, from the kernel's counters (deterministic). */
export type OpCount = { ok: true; instructions: number; syscalls: number; iterations: [number, number] } | NoValue;

export interface SyscallRowResult {
  row: string;
  /** Timed iterations per path. */
  iterations: Partial<Record<PathName, number>>;
  /** Microseconds per operation. */
  cells: Partial<Record<PathName, Cell>>;
  counts: Partial<Record<SimPath, OpCount>>;
}

export type Sample = { ok: true; us: number } | { ok: false; reason: string };

async function timedRun(ctx: BenchContext, path: PathName, row: string, n: number): Promise<Sample> {
  const args = ['-n', String(n)];
  if (isSimPath(path)) {
    const r = await runGuest({
      root: ctx.root, program: LAT_SYSCALL, argv: ['lat_syscall', ...args, row], syscallPath: path,
      cpuTier: ctx.cpuTier, timeoutMs: ctx.timeoutMs, scratch: ctx.scratch,
    });
    return sampleOf(guestFailure(r), r.stdout.toString(), row);
  }
  // On the host the guest's /bin/true and /bin/sh are given by their host paths; /dev/zero and /dev/null are the host's.
  const hostArgs = [...args, '-x', hostPath(ctx.root, '/bin/true'), '-s', hostPath(ctx.root, '/bin/sh'), row];
  const exe = hostPath(ctx.root, LAT_SYSCALL);
  const r = path === 'native'
    ? runHost(exe, hostArgs, { env: hostEnv(), timeoutMs: ctx.timeoutMs })
    : runHost(QEMU, ['-L', ctx.root, exe, ...hostArgs], { env: hostEnv(), timeoutMs: ctx.timeoutMs });
  return sampleOf(hostFailure(r), r.stdout.toString(), row);
}

function sampleOf(failure: string | null, stdout: string, row: string): Sample {
  if (failure !== null) return { ok: false, reason: failure };
  const lines = parseLatencyOutput(stdout).filter((l) => l.row === row);
  if (lines.length !== 1) return { ok: false, reason: `no result line for ${row} in the output` };
  return { ok: true, us: lines[0].nsPerOp / 1000 };
}

async function countRun(ctx: BenchContext, path: SimPath, row: string, n: number): Promise<{ retired: number; syscalls: number } | string> {
  const r = await runGuest({
    root: ctx.root, program: LAT_SYSCALL, argv: ['lat_syscall', '-n', String(n), '-w', '0', row], syscallPath: path,
    cpuTier: ctx.cpuTier, deterministic: true, timeoutMs: ctx.timeoutMs, scratch: ctx.scratch,
  });
  const why = guestFailure(r);
  if (why !== null) return why;
  if (parseLatencyOutput(r.stdout.toString()).length !== 1) return `no result line for ${row} in the output`;
  return { retired: r.retired, syscalls: r.syscalls };
}

/** Instructions and syscalls per operation: (total(2n) - total(n)) / n, both runs deterministic. */
export async function countPerOp(ctx: BenchContext, path: SimPath, row: string, n: number): Promise<OpCount> {
  const a = await countRun(ctx, path, row, n);
  if (typeof a === 'string') return failed(a);
  const b = await countRun(ctx, path, row, 2 * n);
  if (typeof b === 'string') return failed(b);
  return { ok: true, instructions: (b.retired - a.retired) / n, syscalls: (b.syscalls - a.syscalls) / n, iterations: [n, 2 * n] };
}

/** Why a path cannot run on this machine at all, or null. */
export function pathUnavailable(ctx: BenchContext, path: PathName): NoValue | null {
  const missing = missingProgram(ctx.root, LAT_SYSCALL);
  if (missing !== null) return failed(missing);
  if (path === 'qemu' && ctx.qemu === null) return unavailable(`not installed (${QEMU_INSTALL_HINT})`);
  if (path === 'native' && !ctx.hostMusl) return unavailable(`no host musl loader (${MUSL_INSTALL_HINT})`);
  return null;
}

/** How long a timed run should last; a first run that was much quicker is redone with more iterations. */
export const TARGET_SECONDS = 1;

/**
 * Iterations for a timed run of about `target` seconds, given a run of n
 * iterations that took usPerOp each: n itself when that run took at least
 * half the target, else more, with two significant digits (at most 1000 n).
 */
export function calibrate(n: number, usPerOp: number, target = TARGET_SECONDS): number {
  if ((n * usPerOp) / 1e6 >= target / 2) return n;
  const want = usPerOp > 0 ? (target * 1e6) / usPerOp : n * 1000;
  const m = Math.min(n * 1000, Math.max(n, want));
  const unit = 10 ** Math.max(0, Math.floor(Math.log10(m)) - 1);
  return Math.max(n, Math.round(m / unit) * unit);
}

/** Discarded runs a simulator path gets at most before its timed runs (each about TARGET_SECONDS). */
export const WARMUP_RUNS = 10;
/** A run that is no more than this fraction faster than the best before it shows no progress. */
export const WARMUP_TOLERANCE = 0.05;
/** Runs in a row without progress that end the warm-up (one can be luck on a noisy machine). */
export const WARMUP_PATIENCE = 2;

/** Whether a run of usPerOp is progress over the best run before it (bestUsPerOp). */
export function fasterThan(bestUsPerOp: number, usPerOp: number, tolerance = WARMUP_TOLERANCE): boolean {
  return usPerOp < bestUsPerOp * (1 - tolerance);
}

/**
 * A simulator path's warm-up: discarded runs (run(n) times n rounds), each
 * recalibrated from the one before, until WARMUP_PATIENCE runs in a row
 * were long enough and no faster than the best before them (V8 has
 * optimized the engine's code and the blocks this row runs), at most
 * WARMUP_RUNS. The exec rows need a few thousand rounds for that: each
 * round runs ~1000 distinct block functions a few times each. Returns the
 * count for the timed runs.
 */
export async function warmUp(run: (n: number) => Promise<Sample>, n: number, firstUs: number,
  progress: (what: string, us: number, next: number) => void = () => {}): Promise<{ ok: true; n: number; runs: number } | { ok: false; reason: string }> {
  let best = firstUs;
  let calm = 0;
  let w = 0;
  while (w < WARMUP_RUNS && calm < WARMUP_PATIENCE) {
    w++;
    const s = await run(n);
    if (!s.ok) return s;
    const m = calibrate(n, s.us);
    progress(`warm-up ${w}/${WARMUP_RUNS}`, s.us, m);
    calm = m === n && !fasterThan(best, s.us) ? calm + 1 : 0;
    best = Math.min(best, s.us);
    n = m;
  }
  return { ok: true, n, runs: w };
}

/**
 * Runs every row on every path of the context. Without `iterations` the
 * first run of each cell uses the row's plan and calibrates the count for
 * the timed runs; on the simulator it and the warm-up runs after it are
 * discarded (see warmUp). With `iterations`, every run uses exactly that
 * count and nothing is discarded.
 */
export async function runSyscallSuite(ctx: BenchContext, rows: string[], iterations?: number): Promise<SyscallRowResult[]> {
  const results: SyscallRowResult[] = [];
  for (const [ri, row] of rows.entries()) {
    const plan = rowPlan(row);
    const res: SyscallRowResult = { row, iterations: {}, cells: {}, counts: {} };
    const samples = new Map<PathName, number[]>();
    const tag = (path: PathName, what: string): string => `[${ri + 1}/${rows.length}] ${row} ${PATH_LABEL[path]} (n=${res.iterations[path]}, ${what})`;
    const fail = (path: PathName, reason: string, what: string): void => {
      samples.delete(path);
      res.cells[path] = failed(reason);
      ctx.progress(`${tag(path, what)}: failed: ${reason}`);
    };
    for (const path of ctx.paths) {
      const n = iterations ?? (isSimPath(path) ? plan.sim : plan.host);
      res.iterations[path] = n;
      const no = pathUnavailable(ctx, path);
      if (no !== null) { res.cells[path] = no; continue; }
      samples.set(path, []);
      if (iterations !== undefined) continue;
      const s = await timedRun(ctx, path, row, n);
      if (!s.ok) { fail(path, s.reason, 'first run'); continue; }
      const m = calibrate(n, s.us);
      ctx.progress(`${tag(path, 'first run')}: ${s.us.toPrecision(4)} us/op${m === n ? '' : `; next runs use n=${m}`}`);
      if (!isSimPath(path)) {
        // A long enough host run counts as a sample.
        if (m === n) samples.get(path)!.push(s.us); else res.iterations[path] = m;
        continue;
      }
      res.iterations[path] = m;
      const w = await warmUp((k) => timedRun(ctx, path, row, k), m, s.us, (what, us, next) => {
        ctx.progress(`${tag(path, what)}: ${us.toPrecision(4)} us/op${next === res.iterations[path] ? '' : `; next runs use n=${next}`}`);
        res.iterations[path] = next;
      });
      if (!w.ok) fail(path, w.reason, 'warm-up');
    }
    // Repeats go round the paths, so a burst of load on the shared machine hits all of them alike; the order
    // reverses every other round, so a steady drift of the machine's speed favours no path (trap/zpoline is paired).
    for (let rep = 1; rep <= ctx.repeat; rep++) {
      for (const path of rep % 2 === 1 ? ctx.paths : [...ctx.paths].reverse()) {
        const got = samples.get(path);
        if (got === undefined || got.length >= ctx.repeat) continue;
        const what = `run ${got.length + 1}/${ctx.repeat}`;
        const s = await timedRun(ctx, path, row, res.iterations[path]!);
        if (!s.ok) { fail(path, s.reason, what); continue; }
        got.push(s.us);
        ctx.progress(`${tag(path, what)}: ${s.us.toPrecision(4)} us/op`);
      }
    }
    for (const [path, got] of samples) res.cells[path] = measured(got);
    for (const path of ctx.paths) {
      if (!isSimPath(path)) continue;
      const no = pathUnavailable(ctx, path);
      if (no !== null) { res.counts[path] = no; continue; }
      const n = Math.min(plan.count, iterations ?? plan.count);
      ctx.progress(`${row} ${path}: counting instructions (deterministic runs of ${n} and ${2 * n})`);
      const c = await countPerOp(ctx, path, row, n);
      res.counts[path] = c;
      ctx.progress(`${row} ${path}: ${c.ok ? `${c.instructions.toFixed(1)} instructions, ${c.syscalls.toFixed(2)} syscalls per op` : `count failed: ${c.reason}`}`);
    }
    results.push(res);
  }
  return results;
}

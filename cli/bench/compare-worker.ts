/**
 * One process of `nommu-um bench --compare` (compare.ts): loads two builds of
 * the simulator into this Node process, in the order it is given (the build
 * loaded first tends to run faster, so the parent alternates the order from
 * process to process), and runs each row on both builds in rounds, back to
 * back, alternating which runs first in each round. Prints one JSON line
 * (WorkerReport) on stdout.
 *
 * Usage: node compare-worker.js '<WorkerRequest as JSON>'
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { parseLatencyOutput } from './latency.js';
import { calibrate } from './syscall-suite.js';
import type { GuestRun, GuestRunOptions } from './guest.js';

export interface WorkerRequest {
  /** The two builds' dist directories, in load order. */
  dists: [string, string];
  root: string;
  program: string;
  rows: string[];
  path: 'trap' | 'zpoline';
  /** Iterations per run per row (null: calibrated from a first run to TARGET). */
  iterations: Record<string, number | null>;
  /** Timed rounds, after the discarded warm-up rounds. */
  rounds: number;
  warmupRounds: number;
  /** Seconds one run should take when calibrated. */
  target: number;
  timeoutMs: number;
  scratch: string;
}

export interface WorkerRow {
  row: string;
  iterations: number;
  /** Microseconds per operation of each timed round, per build in dists' order. */
  us: [number[], number[]];
}

export type WorkerReport = { ok: true; rows: WorkerRow[] } | { ok: false; reason: string };

/** global.gc when the process runs with --expose-gc (the parent starts it so). */
const collect: () => void = typeof globalThis.gc === 'function' ? globalThis.gc : () => {};

type RunGuest = (o: GuestRunOptions) => Promise<GuestRun>;
type GuestFailure = (r: GuestRun) => string | null;

/** A build's runner: its own kernel, CPU and guest runner modules, not this build's. */
async function load(dist: string): Promise<{ run: RunGuest; failure: GuestFailure }> {
  const m = await import(pathToFileURL(join(dist, 'cli', 'bench', 'guest.js')).href) as Record<string, unknown>;
  if (typeof m.runGuest !== 'function' || typeof m.guestFailure !== 'function') {
    throw new Error(`${dist}/cli/bench/guest.js has no runGuest/guestFailure`);
  }
  return { run: m.runGuest as RunGuest, failure: m.guestFailure as GuestFailure };
}

async function main(req: WorkerRequest): Promise<WorkerReport> {
  const builds = [await load(req.dists[0]), await load(req.dists[1])];
  const rows: WorkerRow[] = [];
  for (const row of req.rows) {
    const once = async (b: number, n: number): Promise<number> => {
      // The kernels of earlier runs are garbage (their guest memory too): collected here, not in the timed loop.
      collect();
      const r = await builds[b].run({
        root: req.root, program: req.program, argv: ['lat_syscall', '-n', String(n), row], syscallPath: req.path,
        timeoutMs: req.timeoutMs, scratch: req.scratch,
      });
      const why = builds[b].failure(r);
      if (why !== null) throw new Error(`${row} on ${req.dists[b]}: ${why}`);
      const line = parseLatencyOutput(r.stdout.toString()).find((l) => l.row === row);
      if (line === undefined) throw new Error(`${row} on ${req.dists[b]}: no result line`);
      return line.nsPerOp / 1000;
    };
    let n = req.iterations[row] ?? 0;
    if (n === 0) {
      // Calibrated three times on the first build loaded: the first runs also compile.
      n = 10_000;
      for (let k = 0; k < 3; k++) n = calibrate(n, await once(0, n), req.target);
    }
    const us: [number[], number[]] = [[], []];
    for (let round = 0; round < req.warmupRounds + req.rounds; round++) {
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      const got = [0, 0];
      for (const b of order) got[b] = await once(b, n);
      if (round < req.warmupRounds) continue;
      us[0].push(got[0]);
      us[1].push(got[1]);
    }
    rows.push({ row, iterations: n, us });
  }
  return { ok: true, rows };
}

let report: WorkerReport;
try {
  report = await main(JSON.parse(process.argv[2] ?? '') as WorkerRequest);
} catch (e) {
  report = { ok: false, reason: (e as Error).message };
}
process.stdout.write(JSON.stringify(report) + '\n');

/**
 * `nommu-um bench`: the syscall-path benchmark (lat_syscall's rows natively,
 * under qemu-user and in the simulator with both syscall paths) or, with
 * --suite cpu, the CPU suite (BusyBox over generated data, cpu_kernels).
 * Progress goes to stderr, the table to stdout, --json and --svg to files.
 * Benchmarks are not tests: a path that fails is reported with its reason.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import meow from 'meow';
import { rootfsDir } from '../userspace/index.js';
import {
  type BenchContext, type PathName, type SimPath, isSimPath, DEFAULT_ROWS, LAT_SYSCALL, PATHS, QEMU_INSTALL_HINT, WORKLOAD_NAMES, CPU_KERNELS,
  cpuChart, describeMachine, hasHostMusl, hostPath, isRowName, machineInfo, qemuVersion, renderCpuTable,
  renderSyscallTable, runCpuSuite, runSyscallSuite, syscallChart, syscallRatios,
  runCompare, renderCompareTable,
} from './bench/index.js';

/** Seconds one calibrated run of --compare takes. */
const COMPARE_TARGET = 1;

export const help = `Usage
  $ nommu-um bench [options]

Runs the same guest benchmark binaries natively (through the host's musl
loader), under qemu-x86_64, and in the simulator with --syscall-path trap
and zpoline, and prints one table. Progress goes to stderr.

Options
  --suite S          syscall (default): lat_syscall's rows, microseconds per operation;
                     cpu: BusyBox md5sum, sha256sum, gzip, sort, awk and cpu_kernels, wall seconds
  --rows LIST        comma-separated rows or workloads (default: all)
                     syscall: ${DEFAULT_ROWS.join(',')} (or any select-N)
                     cpu: ${WORKLOAD_NAMES.join(',')}
  --paths LIST       comma-separated subset of native,qemu,trap,zpoline
                     (default: all four; cpu suite: native,qemu,zpoline)
  --iterations N     timed iterations of every syscall row on every path (default: per row and path)
  --repeat N         timed runs per cell, the best is kept (default 3; cpu suite 1)
  --scale F          cpu suite: multiply data sizes and rounds by F (default 1)
  --cpu-tier T       simulator tier: compiled (default) or interp
  --timeout SEC      limit of one run (default 300)
  --root DIR         guest root (default build/rootfs)
  --json FILE        write the results, with the machine's description, as JSON
  --svg FILE         write a chart (log-scale grouped bars)

Comparing two builds of the simulator
  --compare DIR      run the syscall rows on this build and on the build in DIR
                     (a checkout with dist/ built, or a dist directory) in the
                     same processes, round after round, each build loaded first
                     in half of the processes; prints this/other per row
                     (--rows default: syscall)
  --processes N      processes of --compare (default 8)
                     --paths: trap or zpoline (default zpoline); --repeat: rounds
                     per process (default 5); --iterations: per run (default:
                     calibrated to about ${COMPARE_TARGET} s a run)`;

const flags = {
  suite: { type: 'string', default: 'syscall' },
  rows: { type: 'string' },
  paths: { type: 'string' },
  iterations: { type: 'number' },
  repeat: { type: 'number' },
  scale: { type: 'number', default: 1 },
  cpuTier: { type: 'string', default: 'compiled' },
  timeout: { type: 'number', default: 300 },
  root: { type: 'string' },
  json: { type: 'string' },
  svg: { type: 'string' },
  compare: { type: 'string' },
  processes: { type: 'number', default: 8 },
} as const;

export interface BenchIo {
  out(s: string): void;
  err(s: string): void;
}

class UsageError extends Error {}

function list(s: string | undefined, fallback: readonly string[]): string[] {
  if (s === undefined) return [...fallback];
  const items = s.split(',').map((x) => x.trim()).filter((x) => x !== '');
  if (items.length === 0) throw new UsageError('an empty list');
  return items;
}

function positiveInt(name: string, v: number | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < 1) throw new UsageError(`--${name} ${v}: expected a positive integer`);
  return v;
}

/** Runs the command with output to `io`; returns the exit status. */
export async function runBench(argv: string[], io: BenchIo): Promise<number> {
  const cli = meow(help, { importMeta: import.meta, argv, flags, allowUnknownFlags: false });
  const f = cli.flags;
  let paths: PathName[], rows: string[], iterations: number | undefined, repeat: number;
  const suite = f.suite;
  try {
    if (cli.input.length > 0) throw new UsageError(`unexpected argument '${cli.input[0]}'`);
    if (suite !== 'syscall' && suite !== 'cpu') throw new UsageError(`--suite ${suite}: expected syscall or cpu`);
    const p = list(f.paths, suite === 'cpu' ? ['native', 'qemu', 'zpoline'] : PATHS);
    const bad = p.find((x) => !(PATHS as readonly string[]).includes(x));
    if (bad !== undefined) throw new UsageError(`--paths: unknown path '${bad}' (expected ${PATHS.join(',')})`);
    paths = PATHS.filter((x) => p.includes(x));
    rows = list(f.rows, suite === 'cpu' ? WORKLOAD_NAMES : f.compare !== undefined ? ['syscall'] : DEFAULT_ROWS);
    const badRow = rows.find((r) => (suite === 'cpu' ? !WORKLOAD_NAMES.includes(r) : !isRowName(r)));
    if (badRow !== undefined) {
      throw new UsageError(`--rows: unknown ${suite === 'cpu' ? 'workload' : 'row'} '${badRow}' (expected ${(suite === 'cpu' ? WORKLOAD_NAMES : DEFAULT_ROWS).join(',')})`);
    }
    iterations = positiveInt('iterations', f.iterations);
    if (iterations !== undefined && suite === 'cpu') throw new UsageError('--iterations applies to the syscall suite; use --scale with --suite cpu');
    repeat = positiveInt('repeat', f.repeat) ?? (suite === 'cpu' ? 1 : f.compare !== undefined ? 5 : 3);
    positiveInt('timeout', f.timeout);
    if (!(f.scale > 0) || f.scale > 64) throw new UsageError(`--scale ${f.scale}: expected a number above 0, at most 64`);
    if (f.cpuTier !== 'compiled' && f.cpuTier !== 'interp') throw new UsageError(`--cpu-tier ${f.cpuTier}: expected compiled or interp`);
    positiveInt('processes', f.processes);
    if (f.compare !== undefined) {
      if (suite !== 'syscall') throw new UsageError('--compare runs the syscall suite\'s rows only');
      if (f.paths === undefined) paths = ['zpoline'];
      if (paths.length !== 1 || !isSimPath(paths[0])) throw new UsageError('--compare: --paths is one simulator path, trap or zpoline');
      if (f.cpuTier !== 'compiled') throw new UsageError('--compare runs both builds on their default tier');
      if (f.svg !== undefined) throw new UsageError('--compare draws no chart; use --json');
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`nommu-um bench: ${e.message}\n\n${help}\n`);
      return 2;
    }
    throw e;
  }

  const root = f.root ?? rootfsDir();
  const needed = suite === 'cpu' ? [CPU_KERNELS, '/bin/busybox'] : [LAT_SYSCALL, '/bin/busybox'];
  const missing = needed.find((g) => !existsSync(hostPath(root, g)));
  if (missing !== undefined) {
    io.err(`nommu-um bench: ${missing} is not in ${root}: build the guest userland first (npm run userspace)\n`);
    return 1;
  }
  if (f.compare !== undefined) return compare(f.compare, { root, rows, path: paths[0] as SimPath, iterations, repeat, processes: f.processes, timeoutMs: f.timeout * 1000, json: f.json }, io);
  const qemu = paths.includes('qemu') ? qemuVersion() : null;
  if (paths.includes('qemu') && qemu === null) {
    io.err(`nommu-um bench: qemu-x86_64 is not installed; its column shows "not installed" (${QEMU_INSTALL_HINT})\n`);
  }
  const machine = machineInfo(paths.includes('qemu') ? qemu : qemuVersion());
  const scratch = mkdtempSync(join(tmpdir(), 'nommu-um-bench-'));
  const ctx: BenchContext = {
    root, paths, repeat, cpuTier: f.cpuTier as BenchContext['cpuTier'], timeoutMs: f.timeout * 1000, scratch, qemu,
    hostMusl: hasHostMusl(), progress: (line) => io.err(`bench: ${line}\n`),
  };
  io.err(`bench: ${describeMachine(machine)}\n`);
  try {
    const options = { suite, rows, paths, iterations: iterations ?? null, repeat, scale: f.scale, cpuTier: f.cpuTier, root };
    if (suite === 'syscall') {
      const results = await runSyscallSuite(ctx, rows, iterations);
      io.out(renderSyscallTable(results, paths, repeat));
      const end = loadavg().map((l) => Math.round(l * 100) / 100);
      io.out(`\nMachine: ${describeMachine(machine)}; load average at the end ${end.join(' ')}\n`);
      if (f.svg !== undefined) writeFileSync(f.svg, syscallChart(results, paths, machine));
      if (f.json !== undefined) {
        const rowsOut = results.map((r) => ({ ...r, ratios: syscallRatios(r) }));
        writeFileSync(f.json, JSON.stringify({ tool: 'nommu-um bench', suite, unit: 'us_per_op', machine, loadavgEnd: end, options, rows: rowsOut }, null, 2) + '\n');
      }
    } else {
      const dataDir = join(scratch, 'data');
      mkdirSync(dataDir);
      const results = await runCpuSuite(ctx, rows, f.scale, dataDir);
      io.out(renderCpuTable(results, paths, repeat));
      const end = loadavg().map((l) => Math.round(l * 100) / 100);
      io.out(`\nMachine: ${describeMachine(machine)}; load average at the end ${end.join(' ')}\n`);
      if (f.svg !== undefined) writeFileSync(f.svg, cpuChart(results, paths, machine));
      if (f.json !== undefined) {
        writeFileSync(f.json, JSON.stringify({ tool: 'nommu-um bench', suite, unit: 'seconds', machine, loadavgEnd: end, options, workloads: results }, null, 2) + '\n');
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return 0;
}

interface CompareRequest {
  root: string; rows: string[]; path: SimPath; iterations: number | undefined; repeat: number; processes: number;
  timeoutMs: number; json: string | undefined;
}

/** --compare: this build against the one in `other` (compare.ts). */
async function compare(other: string, q: CompareRequest, io: BenchIo): Promise<number> {
  const scratch = mkdtempSync(join(tmpdir(), 'nommu-um-compare-'));
  const machine = machineInfo(qemuVersion());
  io.err(`bench: ${describeMachine(machine)}\n`);
  try {
    const o = {
      other, root: q.root, program: LAT_SYSCALL, rows: q.rows, path: q.path, iterations: q.iterations ?? null, rounds: q.repeat,
      processes: q.processes, warmupRounds: 2, target: COMPARE_TARGET, timeoutMs: q.timeoutMs, scratch,
      progress: (line: string) => io.err(`bench: ${line}\n`),
    };
    const r = await runCompare(o);
    if (!r.ok) {
      io.err(`nommu-um bench: --compare: ${r.reason}\n`);
      return 1;
    }
    io.out(renderCompareTable(r.rows, o));
    const end = loadavg().map((l) => Math.round(l * 100) / 100);
    io.out(`\nMachine: ${describeMachine(machine)}; load average at the end ${end.join(' ')}\n`);
    if (q.json !== undefined) {
      const options = { compare: other, rows: q.rows, path: q.path, iterations: q.iterations ?? null, rounds: q.repeat, processes: q.processes };
      writeFileSync(q.json, JSON.stringify({ tool: 'nommu-um bench --compare', unit: 'us_per_op', machine, loadavgEnd: end, options, rows: r.rows }, null, 2) + '\n');
    }
    return 0;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export async function main(argv: string[]): Promise<number> {
  return runBench(argv, { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) });
}

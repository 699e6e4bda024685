/**
 * The CPU suite: BusyBox md5sum, sha256sum, gzip, sort and awk over
 * generated data, and the project's cpu_kernels, each as a whole process:
 * wall time natively, under qemu-user and in the simulator, and guest
 * instructions per second in the simulator. Every path's output must equal
 * the native one's; a path that computes something else is reported failed.
 */
import { existsSync } from 'node:fs';
import { hostFailure, MUSL_INSTALL_HINT, QEMU, QEMU_INSTALL_HINT, runHost } from './host.js';
import { guestFailure, runGuest } from './guest.js';
import { type DataFile, generateData } from './data.js';
import { type BenchContext, BUSYBOX, CPU_KERNELS, hostEnv, hostPath, missingProgram } from './context.js';
import { type Cell, type NoValue, type PathName, PATH_LABEL, failed, isSimPath, measured, unavailable } from './types.js';

export interface Workload {
  name: string;
  /** Guest path of the program and its arguments after argv[0]; files are relative to the data directory. */
  program: string;
  args: string[];
  /** The input, for the table ("16 MiB random"). */
  input: string;
}

/** Guest directory where the data directory is bound (the working directory of every run). */
export const GUEST_DATA_DIR = '/bench';

const AWK_PROGRAM = '{ n[$2]++; s += $1; if ($4 > m) m = $4 } END { for (w in n) print w, n[w]; print s, m }';

/** The workloads for a data scale (1: the sizes docs/benchmarks.md reports). */
export function workloads(files: DataFile[], scale: number): Workload[] {
  const size = (name: string): string => {
    const b = files.find((f) => f.name === name)?.bytes ?? 0;
    return b >= 1 << 20 ? `${(b / (1 << 20)).toFixed(b % (1 << 20) === 0 ? 0 : 1)} MiB` : `${Math.round(b / 1024)} KiB`;
  };
  const rounds = Math.max(1, Math.round(24 * scale));
  return [
    { name: 'md5sum', program: BUSYBOX, args: ['md5sum', 'md5.bin'], input: `${size('md5.bin')} random` },
    { name: 'sha256sum', program: BUSYBOX, args: ['sha256sum', 'sha256.bin'], input: `${size('sha256.bin')} random` },
    { name: 'gzip', program: BUSYBOX, args: ['gzip', '-c', 'gzip.txt'], input: `${size('gzip.txt')} text` },
    { name: 'sort', program: BUSYBOX, args: ['sort', 'text.txt'], input: `${size('text.txt')} text` },
    { name: 'awk', program: BUSYBOX, args: ['awk', AWK_PROGRAM, 'text.txt'], input: `${size('text.txt')} text` },
    { name: 'cpu_kernels', program: CPU_KERNELS, args: ['-r', String(rounds)], input: `${rounds} rounds` },
  ];
}

export const WORKLOAD_NAMES: readonly string[] = ['md5sum', 'sha256sum', 'gzip', 'sort', 'awk', 'cpu_kernels'];

export interface SimDetail {
  /** Guest instructions retired by the run (whole process, startup included). */
  retired: number;
  /** retired / wall seconds of the best run, in millions. */
  mips: number;
  syscalls: number;
}

export interface CpuWorkloadResult {
  name: string;
  input: string;
  argv: string[];
  /** Wall seconds per path. */
  cells: Partial<Record<PathName, Cell>>;
  /** The simulator run's counters, for each simulator path that ran. */
  sim: Partial<Record<PathName, SimDetail>>;
  /** Whether the outputs were compared with the native output. */
  checked: boolean;
}

interface Sample { seconds: number; stdout: Buffer; retired?: number; syscalls?: number }

async function runOnce(ctx: BenchContext, path: PathName, w: Workload, dataDir: string): Promise<Sample | string> {
  if (isSimPath(path)) {
    const r = await runGuest({
      root: ctx.root, program: w.program, argv: [w.program.split('/').pop()!, ...w.args], syscallPath: path,
      cpuTier: ctx.cpuTier, cwd: GUEST_DATA_DIR, binds: [{ host: dataDir, guest: GUEST_DATA_DIR, readonly: true }],
      timeoutMs: ctx.timeoutMs, scratch: ctx.scratch,
    });
    return guestFailure(r) ?? { seconds: r.wallMs / 1000, stdout: r.stdout, retired: r.retired, syscalls: r.syscalls };
  }
  const exe = hostPath(ctx.root, w.program);
  const r = path === 'native'
    ? runHost(exe, w.args, { cwd: dataDir, env: hostEnv(), timeoutMs: ctx.timeoutMs })
    : runHost(QEMU, ['-L', ctx.root, exe, ...w.args], { cwd: dataDir, env: hostEnv(), timeoutMs: ctx.timeoutMs });
  return hostFailure(r) ?? { seconds: r.wallMs / 1000, stdout: r.stdout };
}

function unavailableOn(ctx: BenchContext, path: PathName, w: Workload): NoValue | null {
  const missing = missingProgram(ctx.root, w.program);
  if (missing !== null) return failed(missing);
  if (path === 'qemu' && ctx.qemu === null) return unavailable(`not installed (${QEMU_INSTALL_HINT})`);
  if (path === 'native' && !ctx.hostMusl) return unavailable(`no host musl loader (${MUSL_INSTALL_HINT})`);
  return null;
}

/** Generates the data under ctx.scratch and runs the named workloads on every path of the context. */
export async function runCpuSuite(ctx: BenchContext, names: string[], scale: number, dataDir: string): Promise<CpuWorkloadResult[]> {
  if (!existsSync(dataDir)) throw new Error(`data directory ${dataDir} does not exist`);
  ctx.progress(`generating data in ${dataDir} (scale ${scale})`);
  const files = generateData(dataDir, scale);
  const all = workloads(files, scale);
  const chosen = names.map((n) => {
    const w = all.find((x) => x.name === n);
    if (w === undefined) throw new Error(`unknown workload '${n}'`);
    return w;
  });
  const results: CpuWorkloadResult[] = [];
  for (const w of chosen) {
    const res: CpuWorkloadResult = { name: w.name, input: w.input, argv: [w.program, ...w.args], cells: {}, sim: {}, checked: false };
    const samples = new Map<PathName, Sample[]>();
    for (const path of ctx.paths) {
      const no = unavailableOn(ctx, path, w);
      if (no !== null) res.cells[path] = no; else samples.set(path, []);
    }
    for (let rep = 1; rep <= ctx.repeat; rep++) {
      for (const path of ctx.paths) {
        const got = samples.get(path);
        if (got === undefined) continue;
        const s = await runOnce(ctx, path, w, dataDir);
        const tag = `${w.name} ${PATH_LABEL[path]} (run ${rep}/${ctx.repeat})`;
        if (typeof s === 'string') {
          samples.delete(path);
          res.cells[path] = failed(s);
          ctx.progress(`${tag}: failed: ${s}`);
          continue;
        }
        got.push(s);
        const extra = s.retired !== undefined ? `, ${(s.retired / 1e6).toFixed(1)} M instructions, ${(s.retired / s.seconds / 1e6).toFixed(1)} MIPS` : '';
        ctx.progress(`${tag}: ${s.seconds.toFixed(3)} s${extra}`);
      }
    }
    // The reference output: native's, else qemu's; a path that printed something else computed wrongly.
    const ref = samples.get('native')?.[0]?.stdout ?? samples.get('qemu')?.[0]?.stdout;
    res.checked = ref !== undefined;
    for (const [path, got] of samples) {
      const wrong = ref !== undefined ? got.find((s) => !s.stdout.equals(ref)) : undefined;
      if (wrong !== undefined) {
        res.cells[path] = failed(`output differs from ${samples.has('native') ? 'native' : 'qemu-user'} (${wrong.stdout.length} bytes vs ${ref!.length})`);
        continue;
      }
      res.cells[path] = measured(got.map((s) => s.seconds));
      if (isSimPath(path)) {
        const best = got.reduce((a, b) => (b.seconds < a.seconds ? b : a));
        res.sim[path] = { retired: best.retired ?? 0, mips: (best.retired ?? 0) / best.seconds / 1e6, syscalls: best.syscalls ?? 0 };
      }
    }
    results.push(res);
  }
  return results;
}

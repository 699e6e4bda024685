/**
 * The output of userspace/bench/lat_syscall: one line per row,
 *   row=syscall iterations=100000 warmup=10000 total_ns=15353040 ns_per_op=153.530
 * and the benchmark rows it knows, with the iteration counts the bench
 * command uses on each kind of path.
 */

export interface LatencyLine {
  row: string;
  iterations: number;
  warmup: number;
  totalNs: number;
  nsPerOp: number;
}

const FIELDS = ['row', 'iterations', 'warmup', 'total_ns', 'ns_per_op'] as const;

/** Parses one output line; null when it is not a well-formed result line. */
export function parseLatencyLine(line: string): LatencyLine | null {
  const kv = new Map<string, string>();
  for (const part of line.trim().split(/\s+/)) {
    const eq = part.indexOf('=');
    if (eq <= 0) return null;
    kv.set(part.slice(0, eq), part.slice(eq + 1));
  }
  if (kv.size !== FIELDS.length || !FIELDS.every((f) => kv.has(f))) return null;
  const int = (s: string): number => (/^\d+$/.test(s) ? Number(s) : NaN);
  const iterations = int(kv.get('iterations')!);
  const warmup = int(kv.get('warmup')!);
  const totalNs = int(kv.get('total_ns')!);
  const per = kv.get('ns_per_op')!;
  const nsPerOp = /^\d+(\.\d+)?$/.test(per) ? Number(per) : NaN;
  const row = kv.get('row')!;
  if (row === '' || ![iterations, warmup, totalNs, nsPerOp].every(Number.isFinite) || iterations < 1) return null;
  return { row, iterations, warmup, totalNs, nsPerOp };
}

/** Every result line of an output; other lines (there should be none) are ignored. */
export function parseLatencyOutput(text: string): LatencyLine[] {
  const out: LatencyLine[] = [];
  for (const line of text.split('\n')) {
    const r = parseLatencyLine(line);
    if (r !== null) out.push(r);
  }
  return out;
}

/**
 * Iterations per row for the first run of a cell (the bench calibrates the
 * timed runs from it). `host`: native and qemu-user, lat_syscall's own
 * defaults. `sim`: the simulator, small enough that a first run stays
 * around a second even on a slow tier. `count`: the instruction-count runs
 * use `count` and 2x`count` iterations.
 */
export interface RowPlan { host: number; sim: number; count: number }

export const ROW_PLANS: Readonly<Record<string, RowPlan>> = {
  syscall: { host: 100000, sim: 20000, count: 1000 },
  getpid: { host: 100000, sim: 20000, count: 1000 },
  read: { host: 100000, sim: 20000, count: 1000 },
  write: { host: 100000, sim: 20000, count: 1000 },
  stat: { host: 20000, sim: 2000, count: 500 },
  'open/close': { host: 20000, sim: 2000, count: 500 },
  'select-10': { host: 20000, sim: 2000, count: 500 },
  'select-100': { host: 5000, sim: 500, count: 100 },
  'select-1000': { host: 1000, sim: 50, count: 20 },
  'vfork+execve': { host: 200, sim: 10, count: 4 },
  'vfork+sh': { host: 100, sim: 10, count: 4 },
};

/** The rows of the nommu UML table, in its order. */
export const DEFAULT_ROWS: readonly string[] = Object.keys(ROW_PLANS);

/** Whether lat_syscall accepts the name: a known row or select-N (1 <= N <= 1008, lat_syscall's FD_SETSIZE - 16). */
export function isRowName(name: string): boolean {
  if (Object.hasOwn(ROW_PLANS, name)) return true;
  const m = /^select-([1-9]\d*)$/.exec(name);
  return m !== null && Number(m[1]) <= 1008;
}

/** The plan of a row; select-N rows not in the table scale with N. */
export function rowPlan(name: string): RowPlan {
  if (Object.hasOwn(ROW_PLANS, name)) return ROW_PLANS[name];
  const n = Number(/^select-(\d+)$/.exec(name)?.[1] ?? NaN);
  if (!Number.isFinite(n) || n < 1) throw new Error(`unknown benchmark row '${name}'`);
  return {
    host: Math.max(200, Math.round(2_000_000 / n / 100) * 100),
    sim: Math.max(20, Math.round(50_000 / n)),
    count: Math.max(4, Math.round(20000 / n)),
  };
}

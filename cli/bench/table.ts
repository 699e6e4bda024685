/**
 * The text tables printed on stdout: numbers with a few significant digits,
 * ratios, and footnotes that give the reason for every cell without a value.
 */
import type { CpuWorkloadResult } from './cpu-suite.js';
import type { SyscallRowResult } from './syscall-suite.js';
import { type Cell, type PathName, type SimPath, PATH_LABEL, isSimPath, pairedRange, pairedRatio, ratio } from './types.js';

/** A value with about 3 significant digits, no exponent (0.0999, 1.73, 29.9, 152384). */
export function formatValue(v: number): string {
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  if (a >= 0.01 || a === 0) return v.toFixed(3);
  return v.toPrecision(2);
}

export function formatRatio(r: number | null): string {
  return r === null ? '-' : `${formatValue(r)}x`;
}

/** Columns padded to their widest cell; 'r' columns right-aligned. */
export function renderTextTable(header: string[], rows: string[][], align: Array<'l' | 'r'>): string {
  const width = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells
    .map((c, i) => (align[i] === 'r' ? c.padStart(width[i]) : c.padEnd(width[i])))
    .join('  ').trimEnd();
  return [line(header), line(width.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

/** Collects the reasons of cells without a value and gives each a footnote mark. */
export class Footnotes {
  private readonly notes: string[] = [];

  cell(c: Cell | undefined, where: string, format: (v: number) => string = formatValue): string {
    if (c === undefined) return '';
    if (c.ok) return format(c.value);
    if (c.kind === 'unavailable' && /^not installed/.test(c.reason)) return `not installed[${this.add(`${where}: ${c.reason}`)}]`;
    return `${c.kind === 'failed' ? 'failed' : 'n/a'}[${this.add(`${where}: ${c.reason}`)}]`;
  }

  add(note: string): number {
    const i = this.notes.indexOf(note);
    if (i >= 0) return i + 1;
    this.notes.push(note);
    return this.notes.length;
  }

  render(): string {
    return this.notes.map((n, i) => `[${i + 1}] ${n}\n`).join('');
  }
}

/**
 * zpoline/native (best against best) and trap/zpoline (paired: the median of
 * the rounds' trap / zpoline, see pairedRatio) for a row, null where a side
 * has no value.
 */
export function syscallRatios(r: SyscallRowResult): {
  zpolineNative: number | null; trapZpoline: number | null; trapZpolineRange: { min: number; max: number } | null;
} {
  const t = r.cells.trap, z = r.cells.zpoline;
  const both = t !== undefined && z !== undefined && t.ok && z.ok;
  return {
    zpolineNative: ratio(r.cells.zpoline, r.cells.native),
    trapZpoline: both ? pairedRatio(t.samples, z.samples) : null,
    trapZpolineRange: both ? pairedRange(t.samples, z.samples) : null,
  };
}

/** The syscall suite's table: µs per operation per path, the ratios, then guest work per operation. */
export function renderSyscallTable(results: SyscallRowResult[], paths: PathName[], repeat: number): string {
  const notes = new Footnotes();
  const ratios = [
    ...(paths.includes('zpoline') && paths.includes('native') ? ['zpoline/native'] : []),
    ...(paths.includes('trap') && paths.includes('zpoline') ? ['trap/zpoline'] : []),
  ];
  const header = ['row', ...paths.map((p) => PATH_LABEL[p]), ...ratios];
  const rows = results.map((r) => {
    const q = syscallRatios(r);
    return [
      r.row,
      ...paths.map((p) => notes.cell(r.cells[p], `${r.row} ${PATH_LABEL[p]}`)),
      ...ratios.map((name) => formatRatio(name === 'zpoline/native' ? q.zpolineNative : q.trapZpoline)),
    ];
  });
  let out = `Microseconds per operation (best of ${repeat} run${repeat === 1 ? '' : 's'}; lower is better)\n\n`;
  out += renderTextTable(header, rows, header.map((_, i) => (i === 0 ? 'l' : 'r')));
  if (ratios.includes('trap/zpoline')) {
    out += '\ntrap/zpoline: the median over the rounds of trap / zpoline, run back to back (the paths\' order alternates round by round)\n';
    // Where the rounds themselves disagree on which path is faster, the median only picks a side of the machine's spread.
    const split = results.map((r) => ({ row: r.row, range: syscallRatios(r).trapZpolineRange }))
      .filter((x) => x.range !== null && x.range.min < 1 && x.range.max > 1);
    if (split.length > 0) {
      out += `rounds on both sides of 1 (trap faster in some, zpoline in others; the difference is within this run's spread): ${
        split.map((x) => `${x.row} ${x.range!.min.toFixed(2)}-${x.range!.max.toFixed(2)}`).join(', ')}\n`;
    }
  }
  const sims = paths.filter(isSimPath);
  if (sims.length > 0) {
    out += '\nGuest work per operation (deterministic: (total at 2n - total at n) / n)\n\n';
    const h2 = ['row', ...sims.flatMap((p) => [`${p} instructions`, `${p} syscalls`])];
    const rows2 = results.map((r) => [
      r.row,
      ...sims.flatMap((p: SimPath) => {
        const c = r.counts[p];
        if (c === undefined) return ['', ''];
        if (!c.ok) return [`failed[${notes.add(`${r.row} ${p} count: ${c.reason}`)}]`, ''];
        return [c.instructions.toFixed(c.instructions >= 100 ? 0 : 1), formatValue(c.syscalls)];
      }),
    ]);
    out += renderTextTable(h2, rows2, h2.map((_, i) => (i === 0 ? 'l' : 'r')));
  }
  const fn = notes.render();
  return fn === '' ? out : `${out}\n${fn}`;
}

/** The simulator path the CPU suite's ratios use: zpoline when it ran, else trap. */
export function primarySimPath(paths: PathName[]): SimPath | null {
  return paths.includes('zpoline') ? 'zpoline' : paths.includes('trap') ? 'trap' : null;
}

/** The CPU suite's table: wall seconds per path, simulator/qemu and simulator/native, guest MIPS. */
export function renderCpuTable(results: CpuWorkloadResult[], paths: PathName[], repeat: number): string {
  const notes = new Footnotes();
  const sim = primarySimPath(paths);
  const label = (p: PathName): string => (isSimPath(p) ? `sim ${p} s` : `${PATH_LABEL[p]} s`);
  const extra = sim === null ? [] : [
    ...(paths.includes('qemu') ? ['sim/qemu'] : []),
    ...(paths.includes('native') ? ['sim/native'] : []),
    'guest Minsn', 'guest MIPS',
  ];
  const header = ['workload', 'input', ...paths.map(label), ...extra];
  const rows = results.map((r) => {
    const d = sim === null ? undefined : r.sim[sim];
    const cols = [r.name, r.input, ...paths.map((p) => notes.cell(r.cells[p], `${r.name} ${PATH_LABEL[p]}`, (v) => v.toFixed(3)))];
    if (sim !== null) {
      if (paths.includes('qemu')) cols.push(formatRatio(ratio(r.cells[sim], r.cells.qemu)));
      if (paths.includes('native')) cols.push(formatRatio(ratio(r.cells[sim], r.cells.native)));
      cols.push(d === undefined ? '-' : (d.retired / 1e6).toFixed(1), d === undefined ? '-' : formatValue(d.mips));
    }
    return cols;
  });
  let out = `Wall seconds per workload, whole process (best of ${repeat} run${repeat === 1 ? '' : 's'}; lower is better)`;
  out += sim === null ? '\n\n' : `; ratios and MIPS for the simulator with --syscall-path ${sim}\n\n`;
  out += renderTextTable(header, rows, header.map((_, i) => (i < 2 ? 'l' : 'r')));
  const fn = notes.render();
  return fn === '' ? out : `${out}\n${fn}`;
}

/**
 * Kernel statistics for `--stats` / `nommu-um stats`: per-syscall counts and
 * host time (exact for slow calls, sampled for cheap ones: see
 * syscalls/dispatch.ts), unimplemented numbers, retired instructions, syscall sites
 * rewritten at exec and lazily at run time, trap entries.
 */

export interface SyscallStat { nr: number; name: string; calls: number; timeMs: number }

/** Syscall numbers counted in typed arrays (the table's range); larger numbers go to a map. */
const SLOTS = 1024;

export class Stats {
  /** Per number below SLOTS: completed calls, host milliseconds, and the name (undefined: never called). */
  private readonly calls = new Float64Array(SLOTS);
  private readonly times = new Float64Array(SLOTS);
  private readonly names: Array<string | undefined> = new Array<string | undefined>(SLOTS).fill(undefined);
  private readonly perCallHigh = new Map<number, SyscallStat>();
  /** Calls to numbers without a handler (counted per number). */
  readonly unknownCalls = new Map<number, number>();
  /** Sites rewritten when images were loaded. */
  sitesRewritten = 0;
  /** Sites rewritten at run time after a syscall trap (lazypoline). */
  lazyRewrites = 0;
  /** Syscalls that entered through the trap (unrewritten instruction or --syscall-path trap). */
  trapEntries = 0;
  faults = 0;
  execs = 0;
  /** Image pages exec wrote (their bytes differed) and pages it found already holding the image (decoded code kept). */
  execPagesWritten = 0;
  execPagesKept = 0;
  clones = 0;

  /**
   * One attempt of syscall nr (completed, or it blocked and will be retried).
   * `ms` is host time; the dispatcher times a sample of cheap calls and
   * passes the sample's time for every call it stands for (0 for the others).
   * An empty name stands for `syscall_NR`. Allocates nothing after a number's first call.
   */
  record(nr: number, name: string, ms: number, completed: boolean): void {
    if (nr < SLOTS) {
      if (this.names[nr] === undefined) this.names[nr] = name !== '' ? name : `syscall_${nr}`;
      if (completed) this.calls[nr]++;
      this.times[nr] += ms;
      return;
    }
    let s = this.perCallHigh.get(nr);
    if (s === undefined) { s = { nr, name: name !== '' ? name : `syscall_${nr}`, calls: 0, timeMs: 0 }; this.perCallHigh.set(nr, s); }
    if (completed) s.calls++;
    s.timeMs += ms;
  }

  unknown(nr: number): void {
    this.unknownCalls.set(nr, (this.unknownCalls.get(nr) ?? 0) + 1);
  }

  get totalCalls(): number {
    let n = 0;
    for (const s of this.rows()) n += s.calls;
    return n;
  }

  /** Per-syscall rows, most called first. */
  rows(): SyscallStat[] {
    const rows: SyscallStat[] = [];
    for (let nr = 0; nr < SLOTS; nr++) {
      const name = this.names[nr];
      if (name !== undefined) rows.push({ nr, name, calls: this.calls[nr], timeMs: this.times[nr] });
    }
    for (const s of this.perCallHigh.values()) rows.push({ ...s });
    return rows.sort((a, b) => b.calls - a.calls || a.nr - b.nr);
  }

  /** The report printed by --stats. */
  render(extra: { retired: number; wallMs: number; idleMs: number; slices: number }): string {
    const lines: string[] = [];
    const rows = this.rows();
    const totalMs = rows.reduce((a, r) => a + r.timeMs, 0);
    lines.push('nommu-um statistics');
    lines.push(`  retired instructions   ${extra.retired}`);
    lines.push(`  wall time              ${extra.wallMs.toFixed(1)} ms (idle ${extra.idleMs.toFixed(1)} ms)`);
    lines.push(`  scheduler slices       ${extra.slices}`);
    lines.push(`  execs                  ${this.execs}`);
    lines.push(`  image pages (exec)     ${this.execPagesWritten} written, ${this.execPagesKept} already in place`);
    lines.push(`  clones                 ${this.clones}`);
    lines.push(`  sites rewritten (exec) ${this.sitesRewritten}`);
    lines.push(`  sites rewritten (lazy) ${this.lazyRewrites}`);
    lines.push(`  trap entries           ${this.trapEntries}`);
    lines.push(`  CPU faults             ${this.faults}`);
    lines.push(`  syscalls               ${this.totalCalls}`);
    lines.push('');
    lines.push('  % time     seconds  usecs/call     calls syscall');
    lines.push('  ------ ----------- ----------- --------- ----------------');
    for (const r of rows) {
      const pct = totalMs > 0 ? (100 * r.timeMs) / totalMs : 0;
      const per = r.calls > 0 ? Math.round((r.timeMs * 1000) / r.calls) : 0;
      lines.push(`  ${pct.toFixed(2).padStart(6)} ${(r.timeMs / 1000).toFixed(6).padStart(11)} ${String(per).padStart(11)} ` +
        `${String(r.calls).padStart(9)} ${r.name}`);
    }
    if (this.unknownCalls.size > 0) {
      lines.push('');
      lines.push('  unimplemented syscall numbers (ENOSYS):');
      for (const [nr, n] of [...this.unknownCalls].sort((a, b) => a[0] - b[0])) lines.push(`    ${nr}: ${n}`);
    }
    return lines.join('\n') + '\n';
  }

  toJSON(): object {
    return {
      syscalls: this.rows(), unknown: Object.fromEntries(this.unknownCalls), sitesRewritten: this.sitesRewritten,
      lazyRewrites: this.lazyRewrites, trapEntries: this.trapEntries, faults: this.faults, execs: this.execs,
      execPagesWritten: this.execPagesWritten, execPagesKept: this.execPagesKept,
      clones: this.clones,
    };
  }
}

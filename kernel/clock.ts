/**
 * Kernel time. Monotonic time is nanoseconds since boot as a double (exact
 * for 104 days). With --deterministic the clock is virtual: it advances with
 * retired guest instructions and jumps forward when every task sleeps, so two
 * runs of the same program see the same times.
 */
export const NS_PER_SEC = 1_000_000_000;
/** Virtual time per retired instruction with --deterministic (a 1 GHz, one-instruction-per-cycle machine). */
export const VIRTUAL_NS_PER_INSN = 1;
/** CLOCK_REALTIME at boot with --deterministic: 2024-01-01T00:00:00Z. */
export const VIRTUAL_EPOCH_SEC = 1_704_067_200;

export class Clock {
  /**
   * performance.now() reads the same monotonic clock as process.hrtime
   * (libuv's) with nanosecond digits, as a double: no BigInt per call, which
   * mattered on rows that read the clock every system call (select's
   * deadline, clock_gettime).
   */
  private readonly bootMs = performance.now();
  private readonly bootRealMs = Date.now();
  /** Virtual time added by idle jumps (deterministic mode). */
  private skewNs = 0;

  constructor(readonly deterministic: boolean, private readonly retired: () => number) {}

  monotonicNs(): number {
    if (this.deterministic) return this.retired() * VIRTUAL_NS_PER_INSN + this.skewNs;
    return Math.round((performance.now() - this.bootMs) * 1e6);
  }

  /** CLOCK_REALTIME as seconds and nanoseconds (a double of ns since 1970 would lose precision). */
  realtime(): { sec: number; nsec: number } {
    const mono = this.monotonicNs();
    const baseSec = this.deterministic ? VIRTUAL_EPOCH_SEC : Math.floor(this.bootRealMs / 1000);
    const baseNs = this.deterministic ? 0 : (this.bootRealMs % 1000) * 1_000_000;
    const total = baseNs + mono;
    const extra = Math.floor(total / NS_PER_SEC);
    return { sec: baseSec + extra, nsec: total - extra * NS_PER_SEC };
  }

  /** Realtime as ns (approximate above 2^53; for conversions of absolute realtime deadlines). */
  realtimeNs(): number {
    const r = this.realtime();
    return r.sec * NS_PER_SEC + r.nsec;
  }

  /** Deterministic mode: nothing runs until `ns`, so jump there. */
  advanceTo(ns: number): void {
    const now = this.monotonicNs();
    if (this.deterministic && ns > now) this.skewNs += ns - now;
  }
}

/** Deadlines the scheduler watches: sleeping tasks, alarm/itimers, timerfds. */
export class TimerQueue {
  private items: Array<{ at: number; fn: () => void; id: number }> = [];
  private nextId = 1;

  /** Calls fn once monotonic time reaches `at`; returns a cancel function. */
  add(at: number, fn: () => void): () => void {
    const id = this.nextId++;
    let i = this.items.length;
    while (i > 0 && this.items[i - 1].at > at) i--;
    this.items.splice(i, 0, { at, fn, id });
    return () => {
      const j = this.items.findIndex((t) => t.id === id);
      if (j >= 0) this.items.splice(j, 1);
    };
  }

  get next(): number { return this.items.length > 0 ? this.items[0].at : Infinity; }
  get size(): number { return this.items.length; }

  /** Fires every timer due at `now`; returns how many fired. */
  runExpired(now: number): number {
    let n = 0;
    while (this.items.length > 0 && this.items[0].at <= now) {
      const t = this.items.shift()!;
      t.fn();
      n++;
    }
    return n;
  }
}

/**
 * A set of the 64 signals as two 32-bit words (bit n-1 stands for signal n),
 * the layout of the kernel's 8-byte sigset_t in guest memory.
 */
import type { GuestMemory } from '../../cpu/memory.js';
import { SIGKILL, SIGSTOP } from './defs.js';

export class SigSet {
  constructor(public lo = 0, public hi = 0) {}

  static of(...sigs: number[]): SigSet {
    const s = new SigSet();
    for (const n of sigs) s.add(n);
    return s;
  }

  static read(mem: GuestMemory, addr: number): SigSet {
    return new SigSet(mem.readU32(addr), mem.readU32(addr + 4));
  }

  write(mem: GuestMemory, addr: number): void {
    mem.writeU32(addr, this.lo);
    mem.writeU32(addr + 4, this.hi);
  }

  has(sig: number): boolean {
    const b = sig - 1;
    return b < 32 ? ((this.lo >>> b) & 1) !== 0 : ((this.hi >>> (b - 32)) & 1) !== 0;
  }

  add(sig: number): this {
    const b = sig - 1;
    if (b < 32) this.lo = (this.lo | (1 << b)) >>> 0; else this.hi = (this.hi | (1 << (b - 32))) >>> 0;
    return this;
  }

  del(sig: number): this {
    const b = sig - 1;
    if (b < 32) this.lo = (this.lo & ~(1 << b)) >>> 0; else this.hi = (this.hi & ~(1 << (b - 32))) >>> 0;
    return this;
  }

  isEmpty(): boolean { return this.lo === 0 && this.hi === 0; }
  copy(): SigSet { return new SigSet(this.lo, this.hi); }
  assign(o: SigSet): this { this.lo = o.lo; this.hi = o.hi; return this; }
  or(o: SigSet): this { this.lo = (this.lo | o.lo) >>> 0; this.hi = (this.hi | o.hi) >>> 0; return this; }
  andNot(o: SigSet): this { this.lo = (this.lo & ~o.lo) >>> 0; this.hi = (this.hi & ~o.hi) >>> 0; return this; }
  and(o: SigSet): this { this.lo = (this.lo & o.lo) >>> 0; this.hi = (this.hi & o.hi) >>> 0; return this; }
  equals(o: SigSet): boolean { return this.lo === o.lo && this.hi === o.hi; }

  /** SIGKILL and SIGSTOP can never be blocked (sigdelsetmask in sigprocmask). */
  dropUnblockable(): this { return this.del(SIGKILL).del(SIGSTOP); }

  /** Lowest signal in the set, or 0. */
  first(): number {
    if (this.lo !== 0) return 31 - Math.clz32(this.lo & -this.lo) + 1;
    if (this.hi !== 0) return 31 - Math.clz32(this.hi & -this.hi) + 33;
    return 0;
  }

  /** Signals in ascending order. */
  *[Symbol.iterator](): IterableIterator<number> {
    for (let s = 1; s <= 64; s++) if (this.has(s)) yield s;
  }

  /** As strace prints a mask: [INT TERM] or ~[...] */
  toString(): string {
    return `${this.lo.toString(16)}:${this.hi.toString(16)}`;
  }
}

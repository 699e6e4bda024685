/**
 * The execution core's hot state: what every instruction handler reads and
 * writes. One Core per Cpu; run() binds it to the context being executed and
 * writes everything back to that context before returning.
 */
import { CpuContext } from './context.js';
import type { GuestMemory } from './memory.js';
import { F_EAGER } from './flags.js';
import { DOUBLE_ZERO } from './double-field.js';

/** The one object thrown by fault(): cheap (no stack capture) and easy to tell from engine bugs. */
export class GuestFault {
  readonly guestFault = true;
}
export const FAULT = new GuestFault();

/** What Core.sys enters: the Cpu (its traceGate). */
export interface TraceGate {
  traceGate(n: number): number;
}

export class Core {
  /** The context being run. */
  ctx: CpuContext;
  /** ctx.gpr and views of the same bytes: r8[8*n] = low byte of reg n, r8[8*n+1] = ah..bh; r16[4*n] = 16-bit reg n. */
  r: Int32Array;
  r8: Uint8Array;
  r16: Uint16Array;
  /** ctx.xmm views: register n is x32[4*n ..], xf64[2*n ..], xf32[4*n ..], x16[8*n ..], xu8[16*n ..]. */
  x32: Int32Array;
  xf32: Float32Array;
  xf64: Float64Array;
  xu8: Uint8Array;
  x16: Uint16Array;

  readonly mem: GuestMemory;
  readonly u8: Uint8Array;
  readonly dv: DataView;
  /** mem.m32: int32 words, for accesses known 4-aligned. */
  readonly m32: Int32Array;
  /** Bytes of guest RAM: data accesses need 4096 <= a && a + n <= size. */
  readonly size: number;
  readonly codePages: Uint8Array;

  /**
   * Lazy flags (flags.ts): fop says how the last flag-setting operation's
   * operands (fa, fb; high halves fah, fbh for 64-bit) and result (fr, frh)
   * give CF PF AF ZF SF OF; fc holds a carry-in or a preserved CF.
   * With fop === F_EAGER the arithmetic flags are the bits in `flags`.
   */
  fop = F_EAGER;
  fa = 0; fb = 0; fr = 0;
  fah = 0; fbh = 0; frh = 0;
  fc = 0;
  /** RFLAGS; the arithmetic bits are meaningful only while fop === F_EAGER. */
  flags = 0x202;

  /** Scratch: high half of a 64-bit value returned by a helper. */
  hi = 0;
  /** Where execution continues after the current block (branches set it). */
  rip = DOUBLE_ZERO;
  /** Index in the current block of the instruction that may fault (exact retired counts). */
  k = 0;
  /** Nonzero: leave the block after the current instruction (1: code written; 2: a jcc inside the block was taken). */
  stop = 0;
  /** Instructions left in the run's budget when the block started (a compiled loop stops going round there). */
  left = DOUBLE_ZERO;
  /** Set when a compiled loop faults: the instructions its earlier rounds retired. */
  loopDone = 0;
  /** Nonzero: an ExitReason to return from run() with once the block ends. */
  exit = 0;
  /**
   * rdtsc reads tscRun + tscBase: all contexts' retired instructions when
   * run() started, and those of this run() before the current block (or
   * round of a compiled loop). Two fields so that the one written per block
   * stays a small integer: a double there would be boxed on every write.
   */
  tscRun = DOUBLE_ZERO;
  tscBase = 0;
  /** The CPU running this core, whose traceGate a trace's system call enters (sys). Set by Cpu. */
  owner: TraceGate | null = null;
  /**
   * A trace's call into the zpoline trampoline (trace.ts): `sys(n)` with the
   * instructions the trace retired before it runs the kernel's gate as the
   * run loop would and returns its answer (GATE_*), with c.rip where user
   * code goes on. A method, not a closure per CPU: a trace's function is
   * shared by every kernel in the process, and its call site, seeing one
   * target, stays inlined there.
   */
  sys(n: number): number {
    return (this.owner as TraceGate).traceGate(n);
  }
  /** Instructions a trace's gate calls already counted into the context (the run loop subtracts them). */
  gated = DOUBLE_ZERO;

  constructor(mem: GuestMemory) {
    this.mem = mem;
    this.u8 = mem.u8;
    this.dv = mem.dv;
    this.m32 = mem.m32;
    this.size = mem.size;
    this.codePages = mem.codePages;
    const ctx = new CpuContext();
    this.ctx = ctx;
    this.r = ctx.gpr; this.r8 = ctx.gpr8; this.r16 = ctx.gpr16;
    this.x32 = ctx.xmm32; this.xf32 = ctx.xmmF32; this.xf64 = ctx.xmmF64; this.xu8 = ctx.xmmBytes; this.x16 = ctx.xmm16;
  }

  /** Makes ctx the current context. */
  bind(ctx: CpuContext): void {
    if (ctx !== this.ctx) {
      this.ctx = ctx;
      this.r = ctx.gpr; this.r8 = ctx.gpr8; this.r16 = ctx.gpr16;
      this.x32 = ctx.xmm32; this.xf32 = ctx.xmmF32; this.xf64 = ctx.xmmF64; this.xu8 = ctx.xmmBytes; this.x16 = ctx.xmm16;
    }
    this.flags = ctx.getRflags();
    this.fop = F_EAGER;
    this.stop = 0;
    this.exit = 0;
  }
}

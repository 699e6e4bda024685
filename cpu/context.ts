/**
 * The architectural state of one guest thread. The kernel keeps one per task;
 * the CPU engine (shared memory, shared code cache) runs whichever it is given.
 *
 * 64-bit general registers are two 32-bit halves in an Int32Array (no arbitrary-precision integers on
 * any per-instruction path, DESIGN.md decision 2): register i has its low half at
 * gpr[2*i] and its high half at gpr[2*i+1]. Register numbers follow the x86
 * encoding: RAX=0 RCX=1 RDX=2 RBX=3 RSP=4 RBP=5 RSI=6 RDI=7 R8..R15=8..15.
 */
import { DOUBLE_ZERO } from './double-field.js';
export const RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7;
export const R8 = 8, R9 = 9, R10 = 10, R11 = 11, R12 = 12, R13 = 13, R14 = 14, R15 = 15;
export const GPR_NAMES = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi',
  'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'] as const;

/** RFLAGS bits. */
export const CF = 1 << 0, PF = 1 << 2, AF = 1 << 4, ZF = 1 << 6, SF = 1 << 7;
export const TF = 1 << 8, IF = 1 << 9, DF = 1 << 10, OF = 1 << 11, AC = 1 << 18, ID = 1 << 21;
/** Bits a user program may change with popf / sigreturn. */
export const RFLAGS_USER_MASK = CF | PF | AF | ZF | SF | TF | DF | OF | AC | ID;

/**
 * Byte offsets of the register arrays in a context's one buffer: gpr (128),
 * xmm (256), fpr (64), fpx (96), fpxShadow (64). One allocation per context
 * instead of five: a vfork makes a context, and right after guest code has
 * run each native allocation costs microseconds (cold host caches).
 */
const GPR_AT = 0, XMM_AT = 128, FPR_AT = 384, FPX_AT = 448, FPX_SHADOW_AT = 544, REGS_BYTES = 608;

export class CpuContext {
  private readonly regs = new ArrayBuffer(REGS_BYTES);
  /** 16 registers x 2 halves. */
  readonly gpr = new Int32Array(this.regs, GPR_AT, 32);
  /** Byte view of gpr: low byte of register n at 8*n, ah/ch/dh/bh at 8*n+1 (n = 0..3). */
  readonly gpr8 = new Uint8Array(this.regs, GPR_AT, 128);
  /** 16-bit view of gpr: register n's low word at 4*n. */
  readonly gpr16 = new Uint16Array(this.regs, GPR_AT, 64);
  /** Address of the next instruction (guest addresses are below 4 GiB). */
  rip = DOUBLE_ZERO;
  /**
   * Flags. The CPU engine keeps arithmetic flags lazily; anything outside the
   * engine reads and writes them only through getRflags / setRflags.
   */
  rflags = 0x202;
  fsBase = DOUBLE_ZERO;
  gsBase = DOUBLE_ZERO;
  /** XMM0..15, 16 bytes each, little-endian; views of the same bytes. */
  readonly xmmBytes = new Uint8Array(this.regs, XMM_AT, 256);
  readonly xmm32 = new Int32Array(this.regs, XMM_AT, 64);
  readonly xmmF32 = new Float32Array(this.regs, XMM_AT, 64);
  readonly xmmF64 = new Float64Array(this.regs, XMM_AT, 32);
  /** 16-bit lanes of the XMM registers (register n = xmm16[8*n .. 8*n+7]). */
  readonly xmm16 = new Uint16Array(this.regs, XMM_AT, 128);
  mxcsr = 0x1f80;
  /** x87 stack: physical registers ST(i) = fpr[(fpTop + i) & 7], as the nearest doubles (exact values: fpx). */
  readonly fpr = new Float64Array(this.regs, FPR_AT, 8);
  fpTop = 0;
  /** Abridged tag word as in FXSAVE: bit i set = physical register i valid. */
  fpTagValid = 0;
  fpControl = 0x037f;
  /** Status word without TOP (TOP lives in fpTop). */
  fpStatus = 0;
  /**
   * The exact 80-bit contents behind fpr (x87 code, cpu/ops/x87-state.ts):
   * physical register p is significand fpx[3p+1]:fpx[3p] and sign<<15|exponent
   * fpx[3p+2]. They count only while fpr[p] still equals fpxShadow[p] bit for
   * bit, so code that sets fpr[p] alone replaces the register by that double.
   */
  readonly fpx = new Uint32Array(this.regs, FPX_AT, 24);
  readonly fpxShadow = new Float64Array(this.regs, FPX_SHADOW_AT, 8);

  /** Retired guest instructions on this context (exact). */
  retired = DOUBLE_ZERO;

  /** Fault details when run() returned ExitReason.Fault. */
  faultSignal = 0;
  faultCode = 0;
  faultAddr = 0;
  /** Human-readable fault detail for logs (e.g. the undecodable bytes). */
  faultDetail = '';

  /** For ExitReason.SyscallTrap: address and length of the trapping instruction. */
  trapSiteAddr = DOUBLE_ZERO;
  trapSiteLength = 0;

  /**
   * Set by the CPU when `call` targets page 0: the 8 bytes below rsp that the
   * pushed return address overwrote (the caller's red zone), restored by the
   * kernel gate (DESIGN.md decision 6).
   */
  gateSavedLo = 0;
  gateSavedHi = 0;
  /**
   * Set by a trace's call into page 0 (trace.ts), which pushes nothing: the
   * return address the gate would pop (the stack slot below rsp is known to
   * be writable RAM, so the call and the gate's pop would leave memory and
   * rsp as they were). 0 otherwise (no call returns to page 0); the gate
   * consumes it.
   */
  gateRet = DOUBLE_ZERO;
  /**
   * Bumped whenever general registers other than rax, rcx and r11 are
   * replaced from outside the CPU (copyFrom, setReg, replacedGprs: exec,
   * sigreturn, the trap path's copy-back). A trace keeps the others in its
   * own locals across a gate call (Cpu.gate), which is right only when this
   * did not move during the call.
   */
  gprReplaced = 0;

  getRflags(): number { return this.rflags; }
  /** Sets the user-changeable flags; bit 1 and IF always read as set. */
  setRflags(v: number): void { this.rflags = (v & RFLAGS_USER_MASK) | 0x202; }

  /** Register i as a double (exact below 2^53; use the halves for full 64-bit values). */
  getReg(i: number): number { return (this.gpr[2 * i] >>> 0) + this.gpr[2 * i + 1] * 0x1_0000_0000; }
  /** Unsigned view of register i as a double. */
  getRegU(i: number): number { return (this.gpr[2 * i] >>> 0) + (this.gpr[2 * i + 1] >>> 0) * 0x1_0000_0000; }
  /** Sets register i from a double (negative values give two's complement). */
  setReg(i: number, v: number): void {
    if (i !== 0 && i !== 1 && i !== 11) this.gprReplaced++;
    this.gpr[2 * i] = v | 0;
    this.gpr[2 * i + 1] = Math.floor(v / 0x1_0000_0000) | 0;
  }
  /** Low 32 bits of register i, unsigned. */
  getReg32(i: number): number { return this.gpr[2 * i] >>> 0; }

  /** Copies every architectural register from another context (clone, vfork, signal frames). */
  copyFrom(o: CpuContext): void {
    this.gprReplaced++;
    this.gpr.set(o.gpr);
    this.rip = o.rip;
    this.setRflagsRaw(o.getRflags());
    this.fsBase = o.fsBase; this.gsBase = o.gsBase;
    this.xmmBytes.set(o.xmmBytes);
    this.mxcsr = o.mxcsr;
    this.fpr.set(o.fpr);
    this.fpTop = o.fpTop; this.fpTagValid = o.fpTagValid;
    this.fpControl = o.fpControl; this.fpStatus = o.fpStatus;
    this.fpx.set(o.fpx); this.fpxShadow.set(o.fpxShadow);
  }

  /** Code that writes gpr directly with new contents for the whole file (a sigreturn) says so here. */
  replacedGprs(): void { this.gprReplaced++; }

  /** Sets the full flags value without masking (used by copyFrom). */
  setRflagsRaw(v: number): void { this.rflags = v; }
}

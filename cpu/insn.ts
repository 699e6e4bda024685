/**
 * The engine's compact form of one decoded instruction (DESIGN.md decision 3).
 *
 * The decoder adapter (decode.ts) fills the operand fields from iced-x86 once;
 * a family module's builder (registry.ts) then picks the specialised handler
 * `fn` for the operand kinds and sizes and may precompute fields of its own in
 * the scratch slots `a`, `b`, `x`, `op`. All fields are plain numbers so that
 * every Insn has one hidden class and handler code stays monomorphic.
 */
import type { Core } from './core.js';
import { DOUBLE_ZERO } from './double-field.js';

/** Executes one instruction. Raises faults by throwing through fault() (access.ts). */
export type Exec = (c: Core, i: Insn) => void;
/** Computes the effective address of the instruction's memory operand (chosen at decode time). */
export type EaFn = (c: Core, i: Insn) => number;

/** Operand kinds (Insn.k0..k3). */
export const K_NONE = 0;
/** General register: r = 0..15 (rax..r15), or 16..19 for ah, ch, dh, bh. */
export const K_REG = 1;
/** Memory: the one memory operand of the instruction, see mb/mx/ms/md/mseg and ea(). */
export const K_MEM = 2;
/** Immediate: value in imm (low 32 bits, signed) and immHi (high half, sign or zero extension). */
export const K_IMM = 3;
/** XMM register: r = 0..15. */
export const K_XMM = 4;
/** x87 register ST(i): r = i. */
export const K_ST = 5;
/** MMX register: r = 0..7. */
export const K_MMX = 6;
/** Segment register (es cs ss ds fs gs = 0..5). */
export const K_SEG = 7;
/** Near branch: target in Insn.target. */
export const K_BRANCH = 8;
/** Implicit string operand ([rsi] / [rdi]); the string family handles it. */
export const K_STR = 9;
/** Anything else (control registers, far pointers...). */
export const K_OTHER = 10;

/** iced FlowControl values the engine looks at. */
export const FLOW_NEXT = 0, FLOW_BRANCH = 1, FLOW_CONDITIONAL = 3;

/** Segment override of the memory operand. */
export const SEG_NONE = 0, SEG_FS = 1, SEG_GS = 2;

export class Insn {
  /** Guest address, length in bytes, address of the next instruction (addresses: double fields, double-field.ts). */
  addr = DOUBLE_ZERO;
  len = 0;
  next = DOUBLE_ZERO;
  /** iced-x86 Code value. */
  code = 0;
  /** Position in its block (the engine uses it for exact retired counts). */
  idx = 0;
  /** The specialised handler. */
  fn: Exec;

  /** Operand count and kinds (K_*), register numbers and sizes in bytes. */
  nops = 0;
  k0 = 0; k1 = 0; k2 = 0; k3 = 0;
  r0 = 0; r1 = 0; r2 = 0; r3 = 0;
  s0 = 0; s1 = 0; s2 = 0; s3 = 0;

  /** Memory operand: base and index as gpr[] indices (2*reg) or -1, scale, displacement, segment. */
  mb = -1;
  mx = -1;
  ms = 1;
  md = DOUBLE_ZERO;
  mseg = SEG_NONE;
  /** 32-bit address size (0x67 prefix): the address wraps at 2^32. */
  m32 = false;
  /** RIP-relative operand (64-bit addressing): md holds the absolute address, which moves with the code. */
  ripRel = false;
  /** Size in bytes of the memory operand (0 when none or unknown). */
  msize = 0;
  /** Effective address of the memory operand. */
  ea: EaFn;

  /** Immediates: first as signed low half + high half; second (enter, extrq...) as a number. */
  imm = 0;
  immHi = 0;
  imm2 = 0;
  /** Near branch target (absolute guest address). */
  target = DOUBLE_ZERO;
  /** 1 = rep/repe (f3), 2 = repne (f2). */
  rep = 0;
  /** Lock prefix present. */
  lock = false;

  /** Scratch for builders: precomputed register indices, sub-operation, flag kind... */
  a = 0;
  b = 0;
  x = 0;
  op = 0;

  /**
   * Arithmetic flags (iced RflagsBits: OF SF ZF AF CF PF = 0x3f) the
   * instruction reads, may modify, and always overwrites (for flag liveness
   * in the compiled tier: an instruction that may leave flags unchanged,
   * like a shift by cl, overwrites none).
   */
  fread = 0x3f;
  /** iced FlowControl of the instruction (FLOW_*): how its block continues. */
  flow = 0;
  fmod = 0x3f;
  fkill = 0;

  /** True when the handler may fault (memory access, division...); the compiled tier records the index. */
  mayFault = true;
  /** True when the handler may store to guest memory (self-modifying code check in the compiled tier). */
  writes = true;

  constructor(fn: Exec, ea: EaFn) {
    this.fn = fn;
    this.ea = ea;
  }
}

/** r8/u8 view offset of an 8-bit register number (0..15 low bytes, 16..19 = ah ch dh bh). */
export function byteReg(r: number): number {
  return r < 16 ? r * 8 : (r - 16) * 8 + 1;
}

/**
 * A copy of t for the same bytes placed delta bytes further on (an image
 * exec'd at another base): every absolute address moves, nothing else
 * changes. Only for instructions whose fields come from their bytes alone
 * (decode.ts decides which blocks qualify).
 */
export function relocatedInsn(t: Insn, delta: number): Insn {
  const i = new Insn(t.fn, t.ea);
  i.addr = t.addr + delta; i.len = t.len; i.next = t.next + delta; i.code = t.code; i.idx = t.idx;
  i.nops = t.nops;
  i.k0 = t.k0; i.k1 = t.k1; i.k2 = t.k2; i.k3 = t.k3;
  i.r0 = t.r0; i.r1 = t.r1; i.r2 = t.r2; i.r3 = t.r3;
  i.s0 = t.s0; i.s1 = t.s1; i.s2 = t.s2; i.s3 = t.s3;
  i.mb = t.mb; i.mx = t.mx; i.ms = t.ms; i.mseg = t.mseg; i.m32 = t.m32; i.msize = t.msize;
  i.ripRel = t.ripRel;
  i.md = t.ripRel ? t.md + delta : t.md;
  i.imm = t.imm; i.immHi = t.immHi; i.imm2 = t.imm2;
  i.target = t.k0 === K_BRANCH || t.k1 === K_BRANCH ? t.target + delta : t.target;
  i.rep = t.rep; i.lock = t.lock;
  i.a = t.a; i.b = t.b; i.x = t.x; i.op = t.op;
  i.fread = t.fread; i.flow = t.flow; i.fmod = t.fmod; i.fkill = t.fkill;
  i.mayFault = t.mayFault; i.writes = t.writes;
  return i;
}

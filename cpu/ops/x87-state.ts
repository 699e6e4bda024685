/**
 * The x87 register stack and status on a CpuContext: exact 80-bit registers
 * (ctx.fpx) behind the double view ctx.fpr, tags, TOP, the status word's
 * exception and condition bits, stack faults, and the pending-exception
 * check of "waiting" instructions (SIGFPE as Linux delivers #MF).
 */
import type { Core } from '../core.js';
import type { CpuContext } from '../context.js';
import type { Insn } from '../insn.js';
import { fault, rchk, wchk } from '../access.js';
import { SIGFPE } from '../exit.js';
import {
  Ext, FX, IE, DE, ZE, OE, UE, PE, fromDouble, indefinite, isDenormal, isNaN80, isUnsupported, isZero, toDouble,
} from './x87-float.js';

export { IE, DE, ZE, OE, UE, PE };
/** Status word: stack fault, error summary, condition codes, busy. */
export const SF = 0x40, ES = 0x80, C0 = 0x100, C1 = 0x200, C2 = 0x400, C3 = 0x4000, BUSY = 0x8000;

/** si_code for SIGFPE (include/uapi/asm-generic/siginfo.h). */
const FPE_FLTDIV = 3, FPE_FLTOVF = 4, FPE_FLTUND = 5, FPE_FLTRES = 6, FPE_FLTINV = 7;

/** Scratch operands of the handlers (one instruction runs at a time). */
export const A = new Ext(), B = new Ext(), R = new Ext(), R2 = new Ext();

const nanBits = new Float64Array(2);
const nanWords = new Uint32Array(nanBits.buffer);

/** Loads physical register p into x. */
export function getPhys(ctx: CpuContext, p: number, x: Ext): void {
  const d = ctx.fpr[p], sh = ctx.fpxShadow[p];
  if (d !== sh || (d === 0 && 1 / d !== 1 / sh)) resync(ctx, p, d, sh);
  const fx = ctx.fpx, j = 3 * p;
  x.l = fx[j]; x.h = fx[j + 1];
  const se = fx[j + 2];
  x.s = se >>> 15; x.e = se & 0x7fff;
}

/** fpr[p] no longer matches what the x87 code wrote: someone stored a double there; take it. */
function resync(ctx: CpuContext, p: number, d: number, sh: number): void {
  if (d !== d && sh !== sh) {
    nanBits[0] = d; nanBits[1] = sh;
    if (nanWords[0] === nanWords[2] && nanWords[1] === nanWords[3]) return;
  }
  fromDouble(TMP, d);
  const fx = ctx.fpx, j = 3 * p;
  fx[j] = TMP.l; fx[j + 1] = TMP.h; fx[j + 2] = (TMP.s << 15) | TMP.e;
  ctx.fpxShadow[p] = d;
}
const TMP = new Ext();

/** Writes x into physical register p (exact value and its double view) and marks it valid. */
export function putPhys(ctx: CpuContext, p: number, x: Ext): void {
  const fx = ctx.fpx, j = 3 * p;
  fx[j] = x.l; fx[j + 1] = x.h; fx[j + 2] = (x.s << 15) | x.e;
  const d = toDouble(x);
  ctx.fpr[p] = d;
  ctx.fpxShadow[p] = d;
  ctx.fpTagValid |= 1 << p;
}

export function valid(ctx: CpuContext, i: number): boolean { return ((ctx.fpTagValid >> ((ctx.fpTop + i) & 7)) & 1) !== 0; }
/** ST(i) into x. */
export function getSt(ctx: CpuContext, i: number, x: Ext): void { getPhys(ctx, (ctx.fpTop + i) & 7, x); }
/** ST(i) = x. */
export function putSt(ctx: CpuContext, i: number, x: Ext): void { putPhys(ctx, (ctx.fpTop + i) & 7, x); }

export function pop(ctx: CpuContext): void {
  ctx.fpTagValid &= ~(1 << ctx.fpTop);
  ctx.fpTop = (ctx.fpTop + 1) & 7;
}

/** Significand precision from the control word's PC field (the reserved value 01 acts as 64). */
export function prec(ctx: CpuContext): number {
  const pc = (ctx.fpControl >> 8) & 3;
  return pc === 0 ? 24 : pc === 2 ? 53 : 64;
}
/** Rounding control: 0 nearest, 1 down, 2 up, 3 toward zero. */
export function rc(ctx: CpuContext): number { return (ctx.fpControl >> 10) & 3; }

/**
 * Records exception bits in the status word (ES and B when one is unmasked).
 * Returns true when an unmasked invalid-operation, zero-divide or denormal
 * exception suppresses the result: the instruction then leaves its
 * destination and the stack as they were, as the hardware does.
 */
export function raise(ctx: CpuContext, exc: number): boolean {
  if (exc === 0) return false;
  const unmasked = exc & ~ctx.fpControl & 0x3f;
  if ((unmasked & (IE | ZE | DE)) !== 0) {
    // the operation is not carried out: what its result would have raised stays clear
    ctx.fpStatus |= (exc & (IE | ZE | DE | SF)) | ES | BUSY;
    return true;
  }
  ctx.fpStatus |= unmasked !== 0 ? exc | ES | BUSY : exc;
  return false;
}

/** Starts an operation: clears FX and notes which of OE/UE are unmasked (their results get a biased exponent). */
export function begin(ctx: CpuContext): void {
  FX.exc = 0;
  FX.up = 0;
  FX.den = false;
  FX.wrap = ~ctx.fpControl & (OE | UE);
}

/**
 * Records the exceptions collected in FX by the arithmetic (and clears them).
 * True when the result is suppressed; C1 is then cleared, as hardware does.
 */
export function raiseFx(ctx: CpuContext): boolean {
  const e = FX.exc;
  FX.exc = 0;
  if (!raise(ctx, e)) return false;
  ctx.fpStatus &= ~C1;
  return true;
}

export function setC1(ctx: CpuContext, on: number): void {
  ctx.fpStatus = on !== 0 ? ctx.fpStatus | C1 : ctx.fpStatus & ~C1;
}

/** Stack underflow (an empty register read): IE, SF, C1 = 0. True when unmasked. */
export function underflow(ctx: CpuContext): boolean {
  ctx.fpStatus &= ~C1;
  return raise(ctx, IE | SF);
}
/** Stack overflow (push onto a valid register): IE, SF, C1 = 1. True when unmasked. */
export function stackOverflow(ctx: CpuContext): boolean {
  ctx.fpStatus |= C1;
  return raise(ctx, IE | SF);
}

/**
 * Pushes x, raising the exceptions collected in FX first. On stack overflow
 * the real indefinite is pushed instead (masked) or nothing (unmasked).
 * C1 = 1 on overflow, else 0. An unmasked invalid operation (a loaded SNaN)
 * suppresses the push; an unmasked denormal does not (as the reference
 * processor does for fld m64).
 */
export function push(ctx: CpuContext, x: Ext): void {
  const p = (ctx.fpTop - 1) & 7;
  if (((ctx.fpTagValid >> p) & 1) !== 0) {
    FX.exc = 0;
    if (stackOverflow(ctx)) return;
    indefinite(x);
  } else {
    ctx.fpStatus &= ~C1;
    const e = FX.exc;
    FX.exc = 0;
    raise(ctx, e);
    if ((e & ~ctx.fpControl & IE) !== 0) return;
  }
  ctx.fpTop = p;
  putPhys(ctx, p, x);
}

/** Pushes x with no overflow check: after a stack underflow, which takes precedence (reference processor). */
export function pushRaw(ctx: CpuContext, x: Ext): void {
  ctx.fpTop = (ctx.fpTop - 1) & 7;
  putPhys(ctx, ctx.fpTop, x);
}

/** True when a push would overflow (ST(7) valid). */
export function full(ctx: CpuContext): boolean { return ((ctx.fpTagValid >> ((ctx.fpTop - 1) & 7)) & 1) !== 0; }

/**
 * Waiting instructions first deliver a pending unmasked exception (ES set):
 * #MF, which Linux turns into SIGFPE at this instruction with a code from
 * the unmasked flags (arch/x86/kernel/traps.c). State is left unchanged.
 */
export function wait(c: Core, i: Insn): void {
  if ((c.ctx.fpStatus & ES) !== 0) pending(c, i);
}
function pending(c: Core, i: Insn): void {
  const ctx = c.ctx;
  const err = ctx.fpStatus & ~ctx.fpControl & 0x3f;
  const code = err & IE ? FPE_FLTINV : err & ZE ? FPE_FLTDIV : err & OE ? FPE_FLTOVF
    : err & (DE | UE) ? FPE_FLTUND : err & PE ? FPE_FLTRES : 0;
  if (code !== 0) {
    fault(c, SIGFPE, code, i.addr, `x87 exception pending (status 0x${statusWord(ctx).toString(16)}, control 0x${ctx.fpControl.toString(16)})`);
  }
}

// ---- whole-state views: status and tag words, environment and save images ----

export function statusWord(ctx: CpuContext): number { return (ctx.fpStatus & ~0x3800 & 0xffff) | ((ctx.fpTop & 7) << 11); }

/** Sets the status word (TOP included); ES and B follow the unmasked exception flags. */
export function setStatusWord(ctx: CpuContext, w: number): void {
  ctx.fpTop = (w >> 11) & 7;
  ctx.fpStatus = w & ~0x3800 & 0xffff;
  summary(ctx);
}
/** Recomputes ES and B after the control or status word changed. */
export function summary(ctx: CpuContext): void {
  if ((ctx.fpStatus & ~ctx.fpControl & 0x3f) !== 0) ctx.fpStatus |= ES | BUSY;
  else ctx.fpStatus &= ~(ES | BUSY);
}

/** Full tag word: 00 valid, 01 zero, 10 special (NaN, infinity, denormal, unsupported), 11 empty. */
export function tagWord(ctx: CpuContext): number {
  let t = 0;
  for (let p = 0; p < 8; p++) {
    let tag = 3;
    if (((ctx.fpTagValid >> p) & 1) !== 0) {
      getPhys(ctx, p, TMP);
      tag = isZero(TMP) ? 1 : TMP.e === 0x7fff || isDenormal(TMP) || isUnsupported(TMP) || isNaN80(TMP) ? 2 : 0;
    }
    t |= tag << (2 * p);
  }
  return t;
}

/** Abridged tags from a full tag word: only "empty" (11) matters. */
export function setTagWord(ctx: CpuContext, t: number): void {
  let v = 0;
  for (let p = 0; p < 8; p++) if (((t >> (2 * p)) & 3) !== 3) v |= 1 << p;
  ctx.fpTagValid = v;
}

/** Physical register p as 10 bytes at dv[addr] (exact). */
export function writeSt80(ctx: CpuContext, p: number, dv: DataView, addr: number): void {
  getPhys(ctx, p, TMP);
  dv.setUint32(addr, TMP.l, true);
  dv.setUint32(addr + 4, TMP.h, true);
  dv.setUint16(addr + 8, (TMP.s << 15) | TMP.e, true);
}
/** Physical register p from 10 bytes at dv[addr] (exact; tags unchanged). */
export function readSt80(ctx: CpuContext, p: number, dv: DataView, addr: number): void {
  readExt80(dv, addr, TMP);
  const valid = ctx.fpTagValid;
  putPhys(ctx, p, TMP);
  ctx.fpTagValid = valid;
}
export function readExt80(dv: DataView, addr: number, x: Ext): void {
  x.l = dv.getUint32(addr, true);
  x.h = dv.getUint32(addr + 4, true);
  const se = dv.getUint16(addr + 8, true);
  x.s = se >>> 15; x.e = se & 0x7fff;
}
export function writeExt80(dv: DataView, addr: number, x: Ext): void {
  dv.setUint32(addr, x.l, true);
  dv.setUint32(addr + 4, x.h, true);
  dv.setUint16(addr + 8, (x.s << 15) | x.e, true);
}

/**
 * fnstenv image, 32-bit protected-mode format (28 bytes; 14 with a 16-bit
 * operand size). The instruction and operand pointers are not tracked: they
 * are stored as 0 (see docs/cpu.md, x87 precision). The reserved upper
 * halves read 0xffff, as on hardware.
 */
export const ENV32 = 28, ENV16 = 14;
export function storeEnv(c: Core, a: number, size: number): void {
  const ctx = c.ctx, dv = c.dv;
  wchk(c, a, size);
  if (size === ENV32) {
    dv.setUint32(a, 0xffff0000 | ctx.fpControl, true);
    dv.setUint32(a + 4, (0xffff0000 | statusWord(ctx)) >>> 0, true);
    dv.setUint32(a + 8, (0xffff0000 | tagWord(ctx)) >>> 0, true);
    dv.setUint32(a + 12, 0, true);
    dv.setUint32(a + 16, 0, true);
    dv.setUint32(a + 20, 0, true);
    dv.setUint32(a + 24, 0xffff0000, true);
  } else {
    dv.setUint16(a, ctx.fpControl, true);
    dv.setUint16(a + 2, statusWord(ctx), true);
    dv.setUint16(a + 4, tagWord(ctx), true);
    for (let k = 6; k < 14; k += 2) dv.setUint16(a + k, 0, true);
  }
}
export function loadEnv(c: Core, a: number, size: number): void {
  const ctx = c.ctx, dv = c.dv;
  rchk(c, a, size);
  const step = size === ENV32 ? 4 : 2;
  ctx.fpControl = controlWord(dv.getUint16(a, true));
  const sw = dv.getUint16(a + step, true);
  setTagWord(ctx, dv.getUint16(a + 2 * step, true));
  setStatusWord(ctx, sw);
}

/** A loaded control word: the reserved bits 6 (reads 1), 7 and 13-15 (read 0) are fixed, as on hardware. */
export function controlWord(v: number): number { return (v & 0x1f3f) | 0x40; }

/** fninit state: control 0x37f, status 0, TOP 0, all registers empty. */
export function init(ctx: CpuContext): void {
  ctx.fpControl = 0x037f;
  ctx.fpStatus = 0;
  ctx.fpTop = 0;
  ctx.fpTagValid = 0;
}

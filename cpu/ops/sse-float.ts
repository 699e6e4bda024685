/**
 * SSE/SSE2 floating point: the numeric core shared by the float families
 * (sse-arith, sse-cmp, sse-cvt, sse-logic). docs/cpu.md "SSE floating point"
 * describes the rules followed.
 *
 * JavaScript computes in binary64 with round-to-nearest only. Every result
 * here is first computed that way, together with the sign of its error
 * (error-free transformations: TwoSum, Dekker's product, exact remainders of
 * division and square root), and then rounded to the destination format and
 * MXCSR.RC by `roundBig`, which also decides overflow, tininess (after
 * rounding, as x86 does) and inexactness. The common case (round to nearest,
 * normal result) takes a short path that gives the same answer.
 *
 * An instruction runs as: begin(c) (reads MXCSR), lane functions (which
 * accumulate exception flags in `fp.pre` / `fp.post`), finish(c, i) (merges
 * the flags into MXCSR, or raises SIGFPE for an unmasked exception, in which
 * case the destination is left unchanged), then the handler writes its
 * results from the scratch arrays. Nothing here allocates per instruction.
 */
import type { Core } from '../core.js';
import { K_XMM, type Insn } from '../insn.js';
import { align16, fault, ld32, rchk } from '../access.js';
import { FPE_FLTDIV, FPE_FLTINV, FPE_FLTOVF, FPE_FLTRES, FPE_FLTUND, SIGFPE } from '../exit.js';

// ---- MXCSR ----

/** Exception flags (bits 0-5); the mask bits are these shifted left by 7. */
export const IE = 0x01, DE = 0x02, ZE = 0x04, OE = 0x08, UE = 0x10, PE = 0x20;
export const DAZ = 0x40, FZ = 0x8000;
export const UM = UE << 7, OM = OE << 7;
/** MXCSR_MASK as FXSAVE reports it (DAZ supported): loading any other bit is #GP. */
export const MXCSR_MASK = 0xffff;
/** RC field values. */
export const RN = 0, RD = 1, RU = 2, RZ = 3;

/** Per-instruction state: the rounding mode and options read by begin(), flags found by the lanes. */
export const fp = {
  rc: RN,
  daz: false,
  /** FTZ applies only while underflow is masked. */
  ftz: false,
  umask: true,
  omask: true,
  /** Pre-computation exceptions (IE DE ZE) and post-computation ones (OE UE PE) found so far. */
  pre: 0,
  post: 0,
};

export function begin(c: Core): void {
  const m = c.ctx.mxcsr;
  fp.rc = (m >>> 13) & 3;
  fp.daz = (m & DAZ) !== 0;
  fp.umask = (m & UM) !== 0;
  fp.omask = (m & OM) !== 0;
  fp.ftz = (m & FZ) !== 0 && fp.umask;
  fp.pre = 0;
  fp.post = 0;
}

/**
 * Merges the flags the lanes found into MXCSR. An unmasked exception raises
 * SIGFPE (#XM) without the instruction completing: an unmasked
 * pre-computation exception records only the pre-computation flags; otherwise
 * every flag found is recorded (as the hardware does).
 */
export function finish(c: Core, i: Insn): void {
  const ctx = c.ctx;
  const m = ctx.mxcsr;
  const unmasked = ~(m >>> 7) & 0x3f;
  const pre = fp.pre;
  if ((pre & unmasked) !== 0) xmTrap(c, i, m | pre);
  const all = pre | fp.post;
  if ((all & unmasked) !== 0) xmTrap(c, i, m | all);
  ctx.mxcsr = m | all;
}

/** #XM: Linux picks si_code from the unmasked flags set in MXCSR (fpu__exception_code). */
function xmTrap(c: Core, i: Insn, m: number): never {
  c.ctx.mxcsr = m;
  const err = ~(m >>> 7) & m;
  const code = err & IE ? FPE_FLTINV : err & ZE ? FPE_FLTDIV : err & OE ? FPE_FLTOVF
    : err & (DE | UE) ? FPE_FLTUND : FPE_FLTRES;
  return fault(c, SIGFPE, code, i.addr, `SIMD floating-point exception (MXCSR 0x${m.toString(16)})`);
}

// ---- scratch: source operand and results, as bits and as floats ----

/** The source operand (register lanes or memory) of the running instruction. */
export const S32 = new Int32Array(4);
export const SF32 = new Float32Array(S32.buffer);
export const SF64 = new Float64Array(S32.buffer);
/** Results, written to the destination after finish(). */
export const R32 = new Int32Array(4);
export const RF32 = new Float32Array(R32.buffer);
export const RF64 = new Float64Array(R32.buffer);

/** Builder helper: x32 index of operand 1's register, or -1 for memory. */
export function srcIndex(i: Insn): number {
  return i.k1 === K_XMM ? 4 * i.r1 : -1;
}

/** Loads operand 1 (xmm or 16-byte-aligned m128) into S32; i.b from srcIndex. */
export function src128(c: Core, i: Insn): void {
  const b = i.b;
  if (b >= 0) {
    const x = c.x32;
    S32[0] = x[b]; S32[1] = x[b + 1]; S32[2] = x[b + 2]; S32[3] = x[b + 3];
  } else {
    const a = rchk(c, align16(c, i.ea(c, i)), 16);
    const dv = c.dv;
    S32[0] = dv.getInt32(a, true); S32[1] = dv.getInt32(a + 4, true);
    S32[2] = dv.getInt32(a + 8, true); S32[3] = dv.getInt32(a + 12, true);
  }
}
/** Loads the low 64 bits of operand 1 (xmm or m64, no alignment) into S32[0..1]. */
export function src64(c: Core, i: Insn): void {
  const b = i.b;
  if (b >= 0) {
    S32[0] = c.x32[b]; S32[1] = c.x32[b + 1];
  } else {
    const a = rchk(c, i.ea(c, i), 8);
    S32[0] = c.dv.getInt32(a, true); S32[1] = c.dv.getInt32(a + 4, true);
  }
}
/** Loads the low 32 bits of operand 1 (xmm or m32) into S32[0]. */
export function src32(c: Core, i: Insn): void {
  S32[0] = i.b >= 0 ? c.x32[i.b] : ld32(c, i.ea(c, i));
}

// ---- binary64 bit tools ----

const BF = new Float64Array(1);
const BI = new Int32Array(BF.buffer);

export const MIN_NORMAL64 = 2.2250738585072014e-308;
export const MIN_NORMAL32 = 1.1754943508222875e-38;
export const MAX64 = 1.7976931348623157e308;
export const MAX32 = 3.4028234663852886e38;
const TWO54 = 18014398509481984;
const TWO32 = 4294967296;
const P1000 = 2 ** 1000;
const M1000 = 2 ** -1000;
/** Dekker's splitting constant 2^27 + 1. */
const SPLIT = 134217729;
/** Operand magnitudes for which products, quotients and their errors stay exact in binary64. */
const SAFE_LO = 2 ** -450, SAFE_HI = 2 ** 450;
const SQRT_LO = 2 ** -900, SQRT_HI = 2 ** 900;

/** 2^k for -1074 <= k <= 1023. */
function pow2(k: number): number {
  if (k >= -1022) {
    BI[0] = 0; BI[1] = (k + 1023) << 20;
    return BF[0];
  }
  BI[0] = 0; BI[1] = (k + 52 + 1023) << 20;
  return BF[0] * 2.220446049250313e-16; // 2^-52: exact, the result is a subnormal power of two
}

/** x * 2^k, exact whenever the result is representable (the steps move monotonically toward it). */
function scale(x: number, k: number): number {
  while (k > 1000) { x *= P1000; k -= 1000; }
  while (k < -1000) { x *= M1000; k += 1000; }
  return x * pow2(k);
}

/** Set by expo(): the argument was an exact power of two. */
let expoPow2 = false;
/** floor(log2 x) for finite x > 0 (subnormals included). */
function expo(x: number): number {
  BF[0] = x;
  let e = (BI[1] >>> 20) & 0x7ff;
  if (e === 0) {
    BF[0] = x * TWO54;
    e = ((BI[1] >>> 20) & 0x7ff) - 54;
  }
  expoPow2 = (BI[1] & 0xfffff) === 0 && BI[0] === 0;
  return e - 1023;
}

/** Error of the product: a*b - p exactly, for p = RN(a*b) when no intermediate under/overflows. */
function prodErr(a: number, b: number, p: number): number {
  let t = SPLIT * a;
  const ah = t - (t - a), al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b), bl = b - bh;
  return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}

function sgn(x: number): number { return x > 0 ? 1 : x < 0 ? -1 : 0; }

// ---- rounding to the destination format ----

/** Set by roundInt(): the rounding was inexact. */
let rInexact = false;
/**
 * Rounds the magnitude H + tail to an integer by fp.rc (`neg` is the sign of
 * the value, for the directed modes). H > 0 is a double below 2^53, so its
 * fraction is exact and a multiple of ulp(H); the tail is known by its sign t
 * and is smaller than half an ulp of H, so it only matters when the fraction
 * is exactly 0 or 1/2.
 */
function roundInt(H: number, t: number, neg: boolean): number {
  let n = Math.floor(H);
  const f = H - n;
  // cls: 0 exact, 1 below half, 2 exactly half, 3 above half
  let cls: number;
  if (f === 0) {
    if (t === 0) cls = 0;
    else if (t > 0) cls = 1;
    else { n -= 1; cls = 3; }
  } else if (f < 0.5) cls = 1;
  else if (f > 0.5) cls = 3;
  else cls = t === 0 ? 2 : t > 0 ? 3 : 1;
  rInexact = cls !== 0;
  if (cls === 0) return n;
  let up: boolean;
  switch (fp.rc) {
    case RN: up = cls === 3 || (cls === 2 && n % 2 !== 0); break;
    case RD: up = neg; break;
    case RU: up = !neg; break;
    default: up = false;
  }
  return up ? n + 1 : n;
}

/** Masked overflow: OE and PE; the result the rounding mode gives. */
function overflow(neg: boolean, p: number): number {
  fp.post |= OE | PE;
  const max = p === 53 ? MAX64 : MAX32;
  let big: boolean;
  switch (fp.rc) {
    case RN: big = true; break;
    case RD: big = neg; break;
    case RU: big = !neg; break;
    default: big = false;
  }
  const m = big ? Infinity : max;
  return neg ? -m : m;
}

/**
 * Rounds the exact value (-1)^neg * (h + tail) * 2^E to binary64 (p = 53) or
 * binary32 (p = 24) by MXCSR, where h > 0 is finite, h is the tail-free
 * nearest double (|tail| < ulp(h) / 2) and t is the tail's sign. Records OE,
 * UE, PE; honours FTZ. Returns the result as a double.
 *
 * Overflow and tininess are judged on the value rounded to p bits with an
 * unbounded exponent (x86 detects tininess after rounding). When an unmasked
 * overflow or underflow traps, PE reports whether that rounding was inexact.
 */
export function roundBig(neg: boolean, h: number, t: number, E: number, p: number): number {
  const emin = p === 53 ? -1022 : -126;
  const emax = p === 53 ? 1023 : 127;
  let e = expo(h);
  if (t < 0 && expoPow2) e -= 1; // just below a power of two: the value lies in the binade under it
  const xe = e + E;
  // Unbounded exponent: p bits from the leading one.
  const nU = roundInt(scale(h, p - 1 - e), t, neg);
  const inexU = rInexact;
  if (xe > emax || (xe === emax && nU === 2 ** p)) {
    if (!fp.omask) { fp.post |= inexU ? OE | PE : OE; return 0; }
    return overflow(neg, p);
  }
  if (xe >= emin) {
    if (inexU) fp.post |= PE;
    const r = scale(nU, xe - p + 1);
    return neg ? -r : r;
  }
  const tiny = xe < emin - 1 || nU < 2 ** p;
  if (tiny) {
    if (fp.ftz) { fp.post |= UE | PE; return neg ? -0 : 0; }
    if (!fp.umask) { fp.post |= inexU ? UE | PE : UE; return 0; }
  }
  // Subnormal range: the grid is the least subnormal.
  const ue = emin - p + 1;
  let n: number, inexact: boolean;
  if (xe < emin - p - 1) {
    // Far below half the least subnormal.
    n = (fp.rc === RD && neg) || (fp.rc === RU && !neg) ? 1 : 0;
    inexact = true;
  } else {
    n = roundInt(scale(h, E - ue), t, neg);
    inexact = rInexact;
  }
  if (inexact) fp.post |= tiny ? UE | PE : PE;
  const r = scale(n, ue);
  return neg ? -r : r;
}

/** Finishes a binary64 result r = RN(exact) (finite, nonzero) whose error exact - r has the sign of err. */
function fin64(r: number, err: number): number {
  const ar = r < 0 ? -r : r;
  // Above the least normal (not equal: a value rounded up to it may still be tiny).
  if (fp.rc === RN && ar > MIN_NORMAL64) {
    if (err !== 0) fp.post |= PE;
    return r;
  }
  return roundBig(r < 0, ar, err === 0 ? 0 : (err > 0) === (r > 0) ? 1 : -1, 0, 53);
}

/**
 * Finishes a binary32 result from r = RN64(exact) (finite, nonzero). For the
 * basic operations on binary32 inputs, rounding to nearest twice (53 then 24
 * bits) equals rounding once, so the short path only needs inexactness.
 */
function fin32(r: number, err: number): number {
  if (fp.rc === RN) {
    const f = Math.fround(r);
    const af = f < 0 ? -f : f;
    if (af > MIN_NORMAL32 && af <= MAX32) {
      if (f !== r || err !== 0) fp.post |= PE;
      return f;
    }
  }
  return roundBig(r < 0, r < 0 ? -r : r, err === 0 ? 0 : (err > 0) === (r > 0) ? 1 : -1, 0, 24);
}

// ---- operand classes ----

export function isDen64(x: number): boolean { return x !== 0 && x < MIN_NORMAL64 && x > -MIN_NORMAL64; }
export function isDen32(x: number): boolean { return x !== 0 && x < MIN_NORMAL32 && x > -MIN_NORMAL32; }
/** DAZ: a denormal input reads as a zero of its sign. */
function daz64(x: number): number { return isDen64(x) ? (x < 0 ? -0 : 0) : x; }
function daz32(x: number): number { return isDen32(x) ? (x < 0 ? -0 : 0) : x; }
function finite(x: number): boolean { return x - x === 0; }

/** Input denormals (after DAZ): DE. Callers check invalid and divide-by-zero first (they take precedence). */
function de64(a: number, b: number): void { if (isDen64(a) || isDen64(b)) fp.pre |= DE; }
function de32(a: number, b: number): void { if (isDen32(a) || isDen32(b)) fp.pre |= DE; }

/** Lane input after DAZ, with DE noted (for operations without invalid/divide-by-zero cases of their own). */
function in64(x: number): number {
  if (isDen64(x)) { if (fp.daz) return x < 0 ? -0 : 0; fp.pre |= DE; }
  return x;
}
function in32(x: number): number {
  if (isDen32(x)) { if (fp.daz) return x < 0 ? -0 : 0; fp.pre |= DE; }
  return x;
}
/** DAZ only (comparisons decide DE themselves, after NaN checks). */
export function z64(x: number): number { return fp.daz ? daz64(x) : x; }
export function z32(x: number): number { return fp.daz ? daz32(x) : x; }

// ---- NaNs (bit patterns; JS numbers do not keep NaN payloads reliably) ----

/** The default NaN (real indefinite) as the high word of binary64 / as binary32. */
export const QNAN64_HI = 0xfff80000 | 0, QNAN32 = 0xffc00000 | 0;

export function isSnan32(b: number): boolean { return (b & 0x7fc00000) === 0x7f800000 && (b & 0x3fffff) !== 0; }
export function isNan32(b: number): boolean { return (b & 0x7fffffff) > 0x7f800000; }
export function isSnan64(hi: number, lo: number): boolean {
  return (hi & 0x7ff80000) === 0x7ff00000 && ((hi & 0x7ffff) !== 0 || lo !== 0);
}
export function isNan64(hi: number, lo: number): boolean {
  const h = hi & 0x7fffffff;
  return h > 0x7ff00000 || (h === 0x7ff00000 && lo !== 0);
}

/** NaN result of a binary operation (binary32): the first NaN operand, quieted; IE if either is signalling. */
export function nan2f32(a: number, b: number): number {
  if (isSnan32(a) || isSnan32(b)) fp.pre |= IE;
  return (isNan32(a) ? a : b) | 0x00400000;
}
/** Same for binary64: writes the result's halves to R32[j], R32[j + 1]. */
export function nan2f64(ahi: number, alo: number, bhi: number, blo: number, j: number): void {
  if (isSnan64(ahi, alo) || isSnan64(bhi, blo)) fp.pre |= IE;
  if (isNan64(ahi, alo)) { R32[j] = alo; R32[j + 1] = ahi | 0x00080000; } else { R32[j] = blo; R32[j + 1] = bhi | 0x00080000; }
}

// ---- binary64 operations (operands are not NaN; a NaN result means invalid: the caller writes the default NaN) ----

export function add64(a: number, b: number): number {
  if (fp.daz) { a = daz64(a); b = daz64(b); }
  const s = a + b;
  if (s !== s) { fp.pre |= IE; return s; } // inf - inf
  de64(a, b);
  if (!finite(s)) {
    if (!finite(a) || !finite(b)) return s; // an infinite operand: exact
    // Overflow in round-to-nearest: redo on halves (exact for these magnitudes; a tiny operand only gives the tail's sign).
    let ha = a * 0.5, hb = b * 0.5;
    if (ha * 2 !== a) ha = a;
    if (hb * 2 !== b) hb = b;
    const s2 = ha + hb, bb = s2 - ha, err = (ha - (s2 - bb)) + (hb - bb);
    return roundBig(s2 < 0, Math.abs(s2), err === 0 ? 0 : (err > 0) === (s2 > 0) ? 1 : -1, 1, 53);
  }
  if (s === 0) return fp.rc === RD ? -((-a) + (-b)) : s; // exact zero: -0 when rounding down
  if (!finite(a) || !finite(b)) return s;
  const bb = s - a, err = (a - (s - bb)) + (b - bb);
  return fin64(s, err);
}

export function sub64(a: number, b: number): number { return add64(a, -b); }

/** Set by mant(): the binary exponent of the argument. */
let mantE = 0;
/** x = m * 2^mantE with m in [1, 2) (x finite, nonzero). */
function mant(x: number): number {
  const ax = x < 0 ? -x : x;
  mantE = expo(ax);
  return scale(ax, -mantE);
}

export function mul64(a: number, b: number): number {
  if (fp.daz) { a = daz64(a); b = daz64(b); }
  const p = a * b;
  if (p !== p) { fp.pre |= IE; return p; } // 0 * inf
  de64(a, b);
  if (a === 0 || b === 0 || !finite(a) || !finite(b)) return p;
  const aa = a < 0 ? -a : a, ab = b < 0 ? -b : b;
  if (aa >= SAFE_LO && aa <= SAFE_HI && ab >= SAFE_LO && ab <= SAFE_HI) return fin64(p, prodErr(a, b, p));
  const ma = mant(a), ea = mantE, mb = mant(b), eb = mantE;
  const q = ma * mb;
  return roundBig((a < 0) !== (b < 0), q, sgn(prodErr(ma, mb, q)), ea + eb, 53);
}

export function div64(a: number, b: number): number {
  if (fp.daz) { a = daz64(a); b = daz64(b); }
  if (b === 0) {
    if (a === 0) { fp.pre |= IE; return NaN; }
    if (finite(a)) fp.pre |= ZE;
    return a / b;
  }
  const q = a / b;
  if (q !== q) { fp.pre |= IE; return q; } // inf / inf
  de64(a, b);
  if (a === 0 || !finite(a) || !finite(b)) return q;
  const aa = a < 0 ? -a : a, ab = b < 0 ? -b : b;
  if (aa >= SAFE_LO && aa <= SAFE_HI && ab >= SAFE_LO && ab <= SAFE_HI) {
    // exact quotient = q + rem / b with rem = a - q*b computed exactly
    const p = q * b, rem = (a - p) - prodErr(q, b, p);
    return fin64(q, rem === 0 ? 0 : (rem > 0) === (b > 0) ? 1 : -1);
  }
  const ma = mant(a), ea = mantE, mb = mant(b), eb = mantE;
  const qm = ma / mb, p = qm * mb, rem = (ma - p) - prodErr(qm, mb, p);
  return roundBig((a < 0) !== (b < 0), qm, sgn(rem), ea - eb, 53);
}

export function sqrt64(a: number): number {
  if (fp.daz) a = daz64(a);
  if (a === 0) return a;
  if (a < 0) { fp.pre |= IE; return NaN; }
  if (!finite(a)) return a;
  if (isDen64(a)) fp.pre |= DE;
  if (a >= SQRT_LO && a <= SQRT_HI) {
    const s = Math.sqrt(a), p = s * s, rem = (a - p) - prodErr(s, s, p);
    return fin64(s, rem);
  }
  let m = mant(a), e = mantE;
  if ((e & 1) !== 0) { m *= 2; e -= 1; }
  const s = Math.sqrt(m), p = s * s, rem = (m - p) - prodErr(s, s, p);
  return roundBig(false, s, sgn(rem), e / 2, 53);
}

// ---- binary32 operations (inputs are binary32 values held as doubles) ----

export function add32(a: number, b: number): number {
  if (fp.daz) { a = daz32(a); b = daz32(b); }
  const s = a + b;
  if (s !== s) { fp.pre |= IE; return s; }
  de32(a, b);
  if (s === 0) return fp.rc === RD ? -((-a) + (-b)) : s;
  if (!finite(a) || !finite(b)) return s;
  const bb = s - a, err = (a - (s - bb)) + (b - bb);
  return fin32(s, err);
}

export function sub32(a: number, b: number): number { return add32(a, -b); }

export function mul32(a: number, b: number): number {
  if (fp.daz) { a = daz32(a); b = daz32(b); }
  const p = a * b; // exact in binary64
  if (p !== p) { fp.pre |= IE; return p; }
  de32(a, b);
  if (a === 0 || b === 0 || !finite(a) || !finite(b)) return p;
  return fin32(p, 0);
}

export function div32(a: number, b: number): number {
  if (fp.daz) { a = daz32(a); b = daz32(b); }
  if (b === 0) {
    if (a === 0) { fp.pre |= IE; return NaN; }
    if (finite(a)) fp.pre |= ZE;
    return a / b;
  }
  const q = a / b;
  if (q !== q) { fp.pre |= IE; return q; }
  de32(a, b);
  if (a === 0 || !finite(a) || !finite(b)) return q;
  const p = q * b, rem = (a - p) - prodErr(q, b, p);
  return fin32(q, rem === 0 ? 0 : (rem > 0) === (b > 0) ? 1 : -1);
}

export function sqrt32(a: number): number {
  if (fp.daz) a = daz32(a);
  if (a === 0) return a;
  if (a < 0) { fp.pre |= IE; return NaN; }
  if (!finite(a)) return a;
  if (isDen32(a)) fp.pre |= DE;
  const s = Math.sqrt(a), p = s * s, rem = (a - p) - prodErr(s, s, p);
  return fin32(s, rem);
}

/**
 * rcpps/rsqrtps: the hardware gives a table-based approximation (relative
 * error at most 1.5 * 2^-12) that differs between vendors; this gives the
 * correctly rounded value, which is within that bound of either. No MXCSR
 * flags; denormal inputs read as zero, results below 2^-126 are flushed.
 */
export function rcp32(a: number): number {
  if (a === 0 || isDen32(a)) return a < 0 || 1 / a < 0 ? -Infinity : Infinity;
  if (!finite(a)) return a < 0 ? -0 : 0;
  const r = Math.fround(1 / a);
  if (r < MIN_NORMAL32 && r > -MIN_NORMAL32) return r < 0 ? -0 : 0;
  return r;
}
export function rsqrt32(a: number): number {
  if (a === 0 || isDen32(a)) return a < 0 || 1 / a < 0 ? -Infinity : Infinity;
  if (a < 0) return NaN;
  if (!finite(a)) return 0;
  return Math.fround(1 / Math.sqrt(a));
}

// ---- min / max: the second operand unless the first is strictly less (greater) ----

export function min64(a: number, b: number): number {
  a = z64(a); b = z64(b);
  de64(a, b);
  return a < b ? a : b;
}
export function max64(a: number, b: number): number {
  a = z64(a); b = z64(b);
  de64(a, b);
  return a > b ? a : b;
}
export function min32(a: number, b: number): number {
  a = z32(a); b = z32(b);
  de32(a, b);
  return a < b ? a : b;
}
export function max32(a: number, b: number): number {
  a = z32(a); b = z32(b);
  de32(a, b);
  return a > b ? a : b;
}

// ---- conversions between formats ----

/** binary32 bits -> binary64 (cvtss2sd): writes R32[j], R32[j + 1]. Exact; SNaN -> IE and quieted; DE / DAZ. */
export function f32to64(bits: number, x: number, j: number): void {
  if (x !== x) {
    if (isSnan32(bits)) fp.pre |= IE;
    R32[j + 1] = (bits & 0x80000000) | 0x7ff80000 | ((bits >>> 3) & 0x7ffff);
    R32[j] = (bits & 7) << 29;
    return;
  }
  RF64[j >> 1] = in32(x);
}

/** binary64 -> binary32 (cvtsd2ss): returns the binary32 bits. */
export function f64to32(hi: number, lo: number, x: number): number {
  if (x !== x) {
    if (isSnan64(hi, lo)) fp.pre |= IE;
    return (hi & 0x80000000) | 0x7fc00000 | ((hi & 0x7ffff) << 3) | (lo >>> 29);
  }
  x = in64(x);
  if (x !== 0 && finite(x)) x = fin32(x, 0);
  BF32[0] = x;
  return BI32[0];
}
const BF32 = new Float32Array(1);
const BI32 = new Int32Array(BF32.buffer);

// ---- integers -> floating point ----

/** A signed 64-bit integer (halves) as a double: the magnitude, rounded to nearest, with the tail's sign in i64t. */
let i64t = 0;
function i64mag(lo: number, hi: number): number {
  if (hi < 0) {
    lo = -lo | 0;
    hi = lo === 0 ? -hi | 0 : ~hi;
  }
  const mh = hi >>> 0, ml = lo >>> 0;
  const h = mh * TWO32 + ml;
  if (mh < 0x200000) { i64t = 0; return h; } // below 2^53: exact
  const d = h - mh * TWO32; // exact: both are integers close together
  i64t = sgn(ml - d);
  return h;
}

/** cvtsi2sd with a 64-bit source. */
export function i64to64(lo: number, hi: number): number {
  const h = i64mag(lo, hi), neg = hi < 0;
  if (i64t === 0) return neg ? -h : h;
  if (fp.rc === RN) { fp.post |= PE; return neg ? -h : h; }
  return roundBig(neg, h, i64t, 0, 53);
}
/** cvtsi2ss with a 64-bit source. */
export function i64to32(lo: number, hi: number): number {
  const h = i64mag(lo, hi), neg = hi < 0;
  if (h === 0) return 0;
  if (i64t === 0) return fin32(neg ? -h : h, 0);
  return roundBig(neg, h, i64t, 0, 24); // 64 -> 53 -> 24 bits is not always innocuous: round once from (h, tail)
}
/** cvtsi2ss / cvtdq2ps with a 32-bit source. */
export function i32to32(v: number): number {
  return v === 0 ? 0 : fin32(v, 0);
}

// ---- floating point -> integers ----

/** Result of toInt: low and high halves. */
export const cvtOut = { lo: 0, hi: 0 };
const TWO31 = 2147483648;
const TWO63 = 9223372036854775808;

/**
 * Converts x (a double holding the source value; NaN for a NaN source) to a
 * 32- or 64-bit integer rounding by `mode` (fp.rc, or RZ for cvtt*); sets
 * cvtOut. NaN or out of range: the integer indefinite (0x80000000 /
 * 0x8000000000000000) and IE; inexact: PE. DE is never raised; callers
 * apply DAZ for the source format (z32 / z64).
 */
export function toInt(x: number, mode: number, bits64: boolean): void {
  let n: number;
  if (x !== x || !finite(x)) n = NaN;
  else {
    switch (mode) {
      case RN: {
        n = Math.floor(x);
        const f = x - n;
        if (f > 0.5 || (f === 0.5 && n % 2 !== 0)) n += 1;
        break;
      }
      case RD: n = Math.floor(x); break;
      case RU: n = Math.ceil(x); break;
      default: n = Math.trunc(x);
    }
  }
  if (bits64 ? !(n >= -TWO63 && n < TWO63) : !(n >= -TWO31 && n < TWO31)) {
    fp.pre |= IE;
    cvtOut.lo = bits64 ? 0 : 0x80000000 | 0;
    cvtOut.hi = bits64 ? 0x80000000 | 0 : 0;
    return;
  }
  if (n !== x) fp.post |= PE;
  if (!bits64) { cvtOut.lo = n | 0; cvtOut.hi = 0; return; }
  const m = n < 0 ? -n : n;
  let hi = Math.floor(m / TWO32);
  let lo = (m - hi * TWO32) | 0;
  if (n < 0) {
    lo = -lo | 0;
    hi = lo === 0 ? -hi | 0 : ~hi;
  }
  cvtOut.lo = lo;
  cvtOut.hi = hi | 0;
}

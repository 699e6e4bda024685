/**
 * SSE/SSE2 floating point (cpu/ops/sse-*.ts): arithmetic, compares,
 * conversions, bitwise logic, MXCSR. Expected values come from a reference
 * model written here with exact integer (bigint) arithmetic and the SDM's
 * rules (NaN propagation, exception precedence, tininess after rounding,
 * DAZ/FTZ), plus hand-computed cases. Every form runs with a register and a
 * memory source, on both tiers.
 */
import { expect } from 'chai';
import { Asm, m, program, CODE_BASE, DATA, STACK_TOP, type Machine } from './asm.js';
import {
  CpuContext, FPE_FLTDIV, FPE_FLTINV, FPE_FLTOVF, FPE_FLTRES, FPE_FLTUND, SIGFPE, SIGILL, SIGSEGV, SI_KERNEL,
  supportedCodes,
} from '../../cpu/index.js';
import iced from 'iced-x86';

const { Code } = iced;

// ---------------------------------------------------------------------------
// Bits
// ---------------------------------------------------------------------------

const dv = new DataView(new ArrayBuffer(8));
function b32(x: number): number { dv.setFloat32(0, x); return dv.getUint32(0); }
function f32(b: number): number { dv.setUint32(0, b >>> 0); return dv.getFloat32(0); }
function b64(x: number): bigint { dv.setFloat64(0, x); return dv.getBigUint64(0); }
function f64(b: bigint): number { dv.setBigUint64(0, b); return dv.getFloat64(0); }
/** A 64-bit lane as [low dword, high dword]. */
function split(b: bigint): [number, number] { return [Number(b & 0xffffffffn), Number(b >> 32n)]; }
function join(lo: number, hi: number): bigint { return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0); }
function hex(v: number | bigint): string { return `0x${v.toString(16)}`; }

// MXCSR
const IE = 1, DE = 2, ZE = 4, OE = 8, UE = 16, PE = 32, DAZ = 0x40, FZ = 0x8000;
const MASKS = 0x1f80;
const RN = 0, RD = 1, RU = 2, RZ = 3;
const mx = (rc: number, extra = 0): number => MASKS | (rc << 13) | extra;

// RFLAGS
const CF = 1, PF = 4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800;

// ---------------------------------------------------------------------------
// Reference model (exact arithmetic with bigints)
// ---------------------------------------------------------------------------

interface Fmt { p: number; emin: number; emax: number; w: number }
const S: Fmt = { p: 24, emin: -126, emax: 127, w: 32 };
const D: Fmt = { p: 53, emin: -1022, emax: 1023, w: 64 };

type Cls = 'zero' | 'fin' | 'inf' | 'qnan' | 'snan';
/** A decoded value: fin/zero are (-1)^neg * m * 2^e with m a nonnegative integer. */
interface V { cls: Cls; neg: boolean; m: bigint; e: number; den: boolean; bits: bigint }

function decode(bits: bigint, f: Fmt): V {
  const fb = BigInt(f.p - 1);
  const ebits = f.w - f.p;
  const neg = (bits >> BigInt(f.w - 1)) !== 0n;
  const ef = Number((bits >> fb) & ((1n << BigInt(ebits)) - 1n));
  const frac = bits & ((1n << fb) - 1n);
  const emaxField = (1 << ebits) - 1;
  if (ef === emaxField) {
    if (frac === 0n) return { cls: 'inf', neg, m: 0n, e: 0, den: false, bits };
    return { cls: (frac >> (fb - 1n)) !== 0n ? 'qnan' : 'snan', neg, m: 0n, e: 0, den: false, bits };
  }
  if (ef === 0) {
    if (frac === 0n) return { cls: 'zero', neg, m: 0n, e: 0, den: false, bits };
    return { cls: 'fin', neg, m: frac, e: f.emin - (f.p - 1), den: true, bits };
  }
  return { cls: 'fin', neg, m: frac | (1n << fb), e: ef - f.emax - (f.p - 1), den: false, bits };
}

function signBit(f: Fmt, neg: boolean): bigint { return neg ? 1n << BigInt(f.w - 1) : 0n; }
function infBits(f: Fmt, neg: boolean): bigint { return signBit(f, neg) | (((1n << BigInt(f.w - f.p)) - 1n) << BigInt(f.p - 1)); }
function maxBits(f: Fmt, neg: boolean): bigint { return infBits(f, neg) - 1n; }
function zeroBits(f: Fmt, neg: boolean): bigint { return signBit(f, neg); }
function defaultNan(f: Fmt): bigint { return infBits(f, true) | (1n << BigInt(f.p - 2)); }
function quiet(v: V, f: Fmt): bigint { return v.bits | (1n << BigInt(f.p - 2)); }
function bitLen(n: bigint): number { return n.toString(2).length; }

/** Reference MXCSR state for one instruction: the rounding control and options in, the flags out. */
class Env {
  flags = 0;
  constructor(readonly rc: number, readonly daz = false, readonly ftz = false) {}
}

/** Round-up decision for dropping `r` (of `shift` bits) from q, with a sticky tail. */
function roundsUp(env: Env, neg: boolean, q: bigint, r: bigint, shift: number, sticky: boolean): boolean {
  if (r === 0n && !sticky) return false;
  switch (env.rc) {
    case RN: {
      const half = 1n << BigInt(shift - 1);
      return r > half || (r === half && (sticky || (q & 1n) === 1n));
    }
    case RD: return neg;
    case RU: return !neg;
    default: return false;
  }
}

/**
 * Rounds (-1)^neg * (N + s) * 2^e to format f, where s is 0 when !sticky and
 * strictly between 0 and 1 otherwise (N must then have at least p + 2 bits).
 * Tininess is detected after rounding; FTZ flushes tiny results.
 */
function round(env: Env, f: Fmt, neg: boolean, N: bigint, e: number, sticky: boolean): bigint {
  if (!sticky && bitLen(N) < f.p + 2) { const k = f.p + 2 - bitLen(N); N <<= BigInt(k); e -= k; }
  const L = bitLen(N);
  const shift = L - f.p;
  let q = N >> BigInt(shift);
  const r = N & ((1n << BigInt(shift)) - 1n);
  let xe = e + L - 1;
  const inexact = r !== 0n || sticky;
  if (roundsUp(env, neg, q, r, shift, sticky)) q += 1n;
  if (q === 1n << BigInt(f.p)) { q >>= 1n; xe += 1; }
  if (xe > f.emax) {
    env.flags |= OE | PE;
    const toInf = env.rc === RN || (env.rc === RU && !neg) || (env.rc === RD && neg);
    return toInf ? infBits(f, neg) : maxBits(f, neg);
  }
  if (xe >= f.emin) {
    if (inexact) env.flags |= PE;
    return signBit(f, neg) | (BigInt(xe + f.emax) << BigInt(f.p - 1)) | (q - (1n << BigInt(f.p - 1)));
  }
  // tiny
  if (env.ftz) { env.flags |= UE | PE; return zeroBits(f, neg); }
  const g = f.emin - (f.p - 1); // exponent of the least subnormal
  const shift2 = g - e;
  let q2: bigint, inexact2: boolean;
  if (shift2 <= 0) { q2 = N << BigInt(-shift2); inexact2 = sticky; if (sticky) throw new Error('reference: not enough bits'); } else if (shift2 > L + 1) {
    q2 = 0n; inexact2 = true;
    if (env.rc === RU && !neg || env.rc === RD && neg) q2 = 1n;
  } else {
    q2 = N >> BigInt(shift2);
    const r2 = N & ((1n << BigInt(shift2)) - 1n);
    inexact2 = r2 !== 0n || sticky;
    if (roundsUp(env, neg, q2, r2, shift2, sticky)) q2 += 1n;
  }
  if (inexact2) env.flags |= UE | PE;
  return signBit(f, neg) | q2; // subnormal (or the least normal when q2 = 2^(p-1)): the encoding is q2 itself
}

/** DAZ and DE for an operand that takes part in arithmetic. */
function inArg(env: Env, v: V): V {
  if (v.cls === 'fin' && v.den) {
    if (env.daz) return { cls: 'zero', neg: v.neg, m: 0n, e: 0, den: false, bits: 0n };
    env.flags |= DE;
  }
  return v;
}
function dazOnly(env: Env, v: V): V {
  return v.cls === 'fin' && v.den && env.daz ? { cls: 'zero', neg: v.neg, m: 0n, e: 0, den: false, bits: 0n } : v;
}
function isNan(v: V): boolean { return v.cls === 'qnan' || v.cls === 'snan'; }

/** NaN operands of arithmetic: the first NaN, quieted; IE for a signalling one. */
function nanResult(env: Env, f: Fmt, a: V, b: V | null): bigint | null {
  if (!isNan(a) && !(b && isNan(b))) return null;
  if (a.cls === 'snan' || b?.cls === 'snan') env.flags |= IE;
  return quiet(isNan(a) ? a : b!, f);
}

type Op2 = 'add' | 'sub' | 'mul' | 'div';
function refBin(env: Env, f: Fmt, op: Op2, ab: bigint, bb: bigint): bigint {
  let a = decode(ab, f), b = decode(bb, f);
  const n = nanResult(env, f, a, b);
  if (n !== null) return n;
  a = dazOnly(env, a); b = dazOnly(env, b);
  const de = (a.cls === 'fin' && a.den) || (b.cls === 'fin' && b.den);
  if (op === 'sub') b = { ...b, neg: !b.neg };
  if (op === 'add' || op === 'sub') {
    if (a.cls === 'inf' && b.cls === 'inf' && a.neg !== b.neg) { env.flags |= IE; return defaultNan(f); }
    if (de) env.flags |= DE;
    if (a.cls === 'inf') return infBits(f, a.neg);
    if (b.cls === 'inf') return infBits(f, b.neg);
    if (a.cls === 'zero' && b.cls === 'zero') return zeroBits(f, a.neg === b.neg ? a.neg : env.rc === RD);
    const e = Math.min(a.cls === 'zero' ? Infinity : a.e, b.cls === 'zero' ? Infinity : b.e);
    const sa = a.cls === 'zero' ? 0n : (a.neg ? -a.m : a.m) << BigInt(a.e - e);
    const sb = b.cls === 'zero' ? 0n : (b.neg ? -b.m : b.m) << BigInt(b.e - e);
    const s = sa + sb;
    if (s === 0n) return zeroBits(f, env.rc === RD);
    return round(env, f, s < 0n, s < 0n ? -s : s, e, false);
  }
  const neg = a.neg !== b.neg;
  if (op === 'mul') {
    if ((a.cls === 'zero' && b.cls === 'inf') || (a.cls === 'inf' && b.cls === 'zero')) { env.flags |= IE; return defaultNan(f); }
    if (de) env.flags |= DE;
    if (a.cls === 'inf' || b.cls === 'inf') return infBits(f, neg);
    if (a.cls === 'zero' || b.cls === 'zero') return zeroBits(f, neg);
    return round(env, f, neg, a.m * b.m, a.e + b.e, false);
  }
  // div
  if ((a.cls === 'zero' && b.cls === 'zero') || (a.cls === 'inf' && b.cls === 'inf')) { env.flags |= IE; return defaultNan(f); }
  if (b.cls === 'zero') {
    if (a.cls === 'fin') env.flags |= ZE;
    return infBits(f, neg);
  }
  if (de) env.flags |= DE;
  if (a.cls === 'inf') return infBits(f, neg);
  if (a.cls === 'zero' || b.cls === 'inf') return zeroBits(f, neg);
  const K = 2 * f.p + 8 + bitLen(b.m);
  const num = a.m << BigInt(K);
  const q = num / b.m;
  return round(env, f, neg, q, a.e - b.e - K, q * b.m !== num);
}

function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt(Math.ceil(bitLen(n) / 2));
  for (;;) { const y = (x + n / x) >> 1n; if (y >= x) return x; x = y; }
}
function refSqrt(env: Env, f: Fmt, ab: bigint): bigint {
  let a = decode(ab, f);
  const n = nanResult(env, f, a, null);
  if (n !== null) return n;
  a = dazOnly(env, a);
  if (a.cls === 'zero') return zeroBits(f, a.neg);
  if (a.neg) { env.flags |= IE; return defaultNan(f); }
  if (a.den) env.flags |= DE;
  if (a.cls === 'inf') return infBits(f, false);
  let mm = a.m, e = a.e;
  if (e % 2 !== 0) { mm <<= 1n; e -= 1; }
  const K = f.p + 8;
  mm <<= BigInt(2 * K); e -= 2 * K;
  const r = isqrt(mm);
  return round(env, f, false, r, e / 2, r * r !== mm);
}

/** min/max: the second operand unless the first is strictly less (greater); any NaN: IE, the second. */
function refMinMax(env: Env, f: Fmt, max: boolean, ab: bigint, bb: bigint): bigint {
  const a0 = decode(ab, f), b0 = decode(bb, f);
  if (isNan(a0) || isNan(b0)) { env.flags |= IE; return dazOnly(env, b0).cls === 'zero' && b0.cls === 'fin' ? zeroBits(f, b0.neg) : bb; }
  const a = inArg(env, a0), b = inArg(env, b0);
  const va = val(a), vb = val(b);
  const pickA = max ? va > vb : va < vb;
  const r = pickA ? a : b;
  return r.cls === 'zero' ? zeroBits(f, r.neg) : r.bits;
}
/** A finite/infinite value as a JS number (exact for the compare decisions made with it). */
function val(v: V): number {
  if (v.cls === 'zero') return 0;
  if (v.cls === 'inf') return v.neg ? -Infinity : Infinity;
  const x = Number(v.m) * 2 ** v.e;
  return v.neg ? -x : x;
}

function refCmp(env: Env, f: Fmt, p: number, ab: bigint, bb: bigint): boolean {
  const a0 = decode(ab, f), b0 = decode(bb, f);
  if (isNan(a0) || isNan(b0)) {
    if (a0.cls === 'snan' || b0.cls === 'snan' || [1, 2, 5, 6].includes(p)) env.flags |= IE;
    return [3, 4, 5, 6].includes(p);
  }
  const a = val(inArg(env, a0)), b = val(inArg(env, b0));
  return [a === b, a < b, a <= b, false, a !== b, !(a < b), !(a <= b), true][p];
}

function refComi(env: Env, f: Fmt, signalQuiet: boolean, ab: bigint, bb: bigint): number {
  const a0 = decode(ab, f), b0 = decode(bb, f);
  if (isNan(a0) || isNan(b0)) {
    if (a0.cls === 'snan' || b0.cls === 'snan' || signalQuiet) env.flags |= IE;
    return ZF | PF | CF;
  }
  const a = val(inArg(env, a0)), b = val(inArg(env, b0));
  return a < b ? CF : a === b ? ZF : 0;
}

/** Float -> integer (cvt*2si, cvt*2dq): rounding by rc (RZ for the truncating forms). */
function refToInt(env: Env, f: Fmt, rc: number, ab: bigint, bits: number): bigint {
  const a = dazOnly(env, decode(ab, f));
  const indefinite = 1n << BigInt(bits - 1);
  if (a.cls !== 'fin' && a.cls !== 'zero') { env.flags |= IE; return indefinite; }
  if (a.cls === 'zero') return 0n;
  let q: bigint, inexact = false;
  if (a.e >= 0) q = a.m << BigInt(a.e);
  else {
    const sh = BigInt(-a.e);
    q = a.m >> sh;
    const r = a.m & ((1n << sh) - 1n);
    inexact = r !== 0n;
    if (roundsUp(new Env(rc), a.neg, q, r, -a.e, false)) q += 1n;
  }
  const v = a.neg ? -q : q;
  if (v < -indefinite || v >= indefinite) { env.flags |= IE; return indefinite; }
  if (inexact) env.flags |= PE;
  return BigInt.asUintN(bits, v);
}

/** Integer -> float. */
function refFromInt(env: Env, f: Fmt, v: bigint): bigint {
  if (v === 0n) return 0n;
  return round(env, f, v < 0n, v < 0n ? -v : v, 0, false);
}

/** binary64 -> binary32 (cvtsd2ss). */
function refD2S(env: Env, ab: bigint): bigint {
  const a0 = decode(ab, D);
  if (isNan(a0)) {
    if (a0.cls === 'snan') env.flags |= IE;
    return ((ab >> 63n) << 31n) | 0x7fc00000n | ((ab >> 29n) & 0x3fffffn);
  }
  const a = inArg(env, a0);
  if (a.cls === 'zero') return zeroBits(S, a.neg);
  if (a.cls === 'inf') return infBits(S, a.neg);
  return round(env, S, a.neg, a.m, a.e, false);
}
/** binary32 -> binary64 (cvtss2sd): exact. */
function refS2D(env: Env, ab: bigint): bigint {
  const a0 = decode(ab, S);
  if (isNan(a0)) {
    if (a0.cls === 'snan') env.flags |= IE;
    return ((ab >> 31n) << 63n) | 0x7ff8000000000000n | ((ab & 0x3fffffn) << 29n);
  }
  const a = inArg(env, a0);
  if (a.cls === 'zero') return zeroBits(D, a.neg);
  if (a.cls === 'inf') return infBits(D, a.neg);
  return round(env, D, a.neg, a.m, a.e, false);
}

// ---------------------------------------------------------------------------
// Running one instruction
// ---------------------------------------------------------------------------

type Tier = 'interp' | 'compiled' | 'hot';
type Opnd = 'xmm' | 'r32' | 'r64';
/** An instruction form: iced Code name, destination and source kinds, immediate. */
interface Form { code: string; dst: Opnd; src: Opnd; imm?: number }

interface In {
  /** XMM0 (destination) and XMM1 (source) as four little-endian dwords. */
  x0?: number[];
  x1?: number[];
  /** RAX (source or destination of the GPR forms). */
  rax?: bigint;
  mxcsr?: number;
  rflags?: number;
}
interface Out {
  x0: number[];
  rax: bigint;
  mxcsr: number;
  rflags: number;
  fault: { sig: number; code: number; addr: number } | null;
  rip: number;
}

const machines = new Map<string, Machine>();
/** Memory operand address: DATA + 64 (+ offset for misaligned runs). */
const MEM = DATA + 64;

function gpr(kind: Opnd): string { return kind === 'r64' ? 'rax' : 'eax'; }

/** Runs the form with a register or memory source (the memory holds the same bits). */
function run(form: Form, variant: 'reg' | 'mem', inp: In, tier: Tier, misalign = 0): Out {
  const key = `${form.code}/${form.imm}/${variant}/${tier}`;
  let mc = machines.get(key);
  if (mc === undefined) {
    const a = new Asm();
    const dst = form.dst === 'xmm' ? 'xmm0' : gpr(form.dst);
    const src = variant === 'mem' ? m('rbx') : form.src === 'xmm' ? 'xmm1' : gpr(form.src);
    if (form.imm !== undefined) a.i(form.code, dst, src, form.imm); else a.i(form.code, dst, src);
    a.i('Ud2');
    mc = program(a, tier);
    machines.set(key, mc);
  }
  const ctx = mc.ctx;
  ctx.gpr.fill(0);
  ctx.setReg(4, STACK_TOP);
  ctx.setReg(3, MEM + misalign);
  ctx.xmm32.fill(0x5a5a5a5a);
  const x0 = inp.x0 ?? [0, 0, 0, 0], x1 = inp.x1 ?? [0, 0, 0, 0];
  for (let j = 0; j < 4; j++) { ctx.xmm32[j] = x0[j] | 0; ctx.xmm32[4 + j] = x1[j] | 0; }
  const rax = inp.rax ?? 0n;
  ctx.gpr[0] = Number(rax & 0xffffffffn) | 0;
  ctx.gpr[1] = Number((rax >> 32n) & 0xffffffffn) | 0;
  if (variant === 'mem') {
    const src = form.src === 'xmm' ? x1 : [ctx.gpr[0], ctx.gpr[1], 0, 0];
    for (let j = 0; j < 4; j++) mc.mem.dv.setInt32(MEM + misalign + 4 * j, src[j] | 0, true);
  }
  ctx.mxcsr = inp.mxcsr ?? MASKS;
  ctx.setRflags(inp.rflags ?? 0x202);
  ctx.rip = CODE_BASE;
  // Several runs from the same state: the compiled tier compiles the block on its 4th.
  const runs = tier === 'compiled' ? 5 : 1;
  const saved = new CpuContext();
  saved.copyFrom(ctx);
  for (let k = 0; k < runs; k++) {
    if (k > 0) { ctx.copyFrom(saved); ctx.rip = CODE_BASE; }
    ctx.faultSignal = 0;
    mc.cpu.run(ctx, 100);
  }
  // Reaching the ud2 after the instruction is SIGILL; an unimplemented form would be SIGILL at the instruction.
  const ill = ctx.faultSignal === SIGILL;
  if (ill && ctx.rip === CODE_BASE) throw new Error(ctx.faultDetail);
  return {
    x0: Array.from(ctx.xmm32.subarray(0, 4), (v) => v >>> 0),
    rax: join(ctx.gpr[0], ctx.gpr[1]),
    mxcsr: ctx.mxcsr >>> 0,
    rflags: ctx.getRflags(),
    fault: ill ? null : { sig: ctx.faultSignal, code: ctx.faultCode, addr: ctx.faultAddr },
    rip: ctx.rip,
  };
}

/** Runs both variants and checks they agree; returns the register-variant result. */
function run2(form: Form, inp: In, tier: Tier): Out {
  const r = run(form, 'reg', inp, tier);
  const mm = run(form, 'mem', inp, tier);
  expect(mm, `${form.code} memory source agrees with register source`).to.deep.equal(r);
  return r;
}

// Lane packing
function lanes32(v: number[]): number[] { return v.map((x) => x >>> 0); }
function lanes64(v: bigint[]): number[] { return v.flatMap((b) => split(b)); }
function get64(x: number[], j: number): bigint { return join(x[2 * j], x[2 * j + 1]); }

// ---------------------------------------------------------------------------
// Seeded inputs
// ---------------------------------------------------------------------------

class Rng {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0 || 1; }
  u32(): number { let s = this.s; s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; this.s = s; return s; }
  int(n: number): number { return this.u32() % n; }
  pick<T>(a: readonly T[]): T { return a[this.int(a.length)]; }
}

const SPECIAL32 = [0, 0x80000000, 0x3f800000, 0xbf800000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7f800001, 0xffa00000,
  0x00000001, 0x80000001, 0x007fffff, 0x00800000, 0x00800001, 0x7f7fffff, 0xff7fffff, 0x3f800001, 0x3effffff, 0x4b000000,
  0x3f000000, 0x3fc00000, 0x40200000, 0x33800000, 0x34000000, 0x1f800000, 0x5f800000, 0x00400000];
const SPECIAL64 = [0n, 0x8000000000000000n, 0x3ff0000000000000n, 0xbff0000000000000n, 0x7ff0000000000000n, 0xfff0000000000000n,
  0x7ff8000000000000n, 0xfff8000000000000n, 0x7ff0000000000001n, 0xfff4000000000000n, 1n, 0x8000000000000001n,
  0x000fffffffffffffn, 0x0010000000000000n, 0x0010000000000001n, 0x7fefffffffffffffn, 0xffefffffffffffffn,
  0x3ff0000000000001n, 0x3fefffffffffffffn, 0x4330000000000000n, 0x3fe0000000000000n, 0x3ff8000000000000n,
  0x3ca0000000000000n, 0x1ff0000000000000n, 0x5ff0000000000000n, 0x0008000000000000n];
/** Exponents that put sums, products and quotients near overflow, underflow and the subnormal range. */
const EDGE_EXP32 = [1, 2, 3, 40, 61, 62, 63, 64, 65, 66, 100, 126, 127, 128, 150, 189, 190, 191, 192, 230, 253, 254];
const EDGE_EXP64 = [1, 2, 3, 500, 509, 510, 511, 512, 513, 514, 1000, 1022, 1023, 1024, 1100, 1534, 1535, 1536, 1537, 2000, 2045, 2046];

function rand32(r: Rng): number {
  switch (r.int(6)) {
    case 0: return r.pick(SPECIAL32);
    case 1: return r.u32();
    case 2: return ((r.u32() & 0x80000000) | (r.pick(EDGE_EXP32) << 23) | (r.u32() & 0x7fffff)) >>> 0;
    case 3: return ((r.u32() & 0x80000000) | ((112 + r.int(32)) << 23) | (r.u32() & 0x7fffff)) >>> 0;
    case 4: return ((r.u32() & 0x80000000) | (r.u32() & 0x7fffff)) >>> 0;
    default: return ((r.u32() & 0x80000000) | ((120 + r.int(16)) << 23) | (r.u32() & 0x7f0000)) >>> 0; // short mantissas: ties
  }
}
function rand64(r: Rng): bigint {
  const hiLo = (hi: number, lo: number): bigint => join(lo, hi);
  switch (r.int(6)) {
    case 0: return r.pick(SPECIAL64);
    case 1: return hiLo(r.u32(), r.u32());
    case 2: return hiLo((r.u32() & 0x80000000) | (r.pick(EDGE_EXP64) << 20) | (r.u32() & 0xfffff), r.u32());
    case 3: return hiLo((r.u32() & 0x80000000) | ((1000 + r.int(48)) << 20) | (r.u32() & 0xfffff), r.u32());
    case 4: return hiLo((r.u32() & 0x80000000) | (r.u32() & 0xfffff), r.u32());
    default: return hiLo((r.u32() & 0x80000000) | ((1010 + r.int(30)) << 20) | (r.u32() & 0xfffff), r.u32() & 0xffe00000);
  }
}
/** MXCSR with every exception masked: any rounding mode, FTZ and DAZ now and then, sticky flags sometimes. */
function randMx(r: Rng): number {
  let v = mx(r.int(4));
  if (r.int(5) === 0) v |= DAZ;
  if (r.int(5) === 0) v |= FZ;
  if (r.int(4) === 0) v |= r.int(64);
  return v;
}
const envOf = (mxcsr: number): Env => new Env((mxcsr >> 13) & 3, (mxcsr & DAZ) !== 0, (mxcsr & FZ) !== 0);

const TIERS: Tier[] = ['interp', 'compiled', 'hot'];
const CASES = 160; // random cases per form and tier, besides the special values

function fx(code: string, imm?: number): Form { return { code, dst: 'xmm', src: 'xmm', imm }; }

describe('SSE floating point', () => {
  it('registers its forms (and the engine supports each)', () => {
    const names = [
      ...['Add', 'Sub', 'Mul', 'Div', 'Min', 'Max', 'Sqrt'].flatMap((o) => [`${o}ps_xmm_xmmm128`, `${o}pd_xmm_xmmm128`, `${o}ss_xmm_xmmm32`, `${o}sd_xmm_xmmm64`]),
      'Rcpps_xmm_xmmm128', 'Rcpss_xmm_xmmm32', 'Rsqrtps_xmm_xmmm128', 'Rsqrtss_xmm_xmmm32',
      'Andps_xmm_xmmm128', 'Andpd_xmm_xmmm128', 'Andnps_xmm_xmmm128', 'Andnpd_xmm_xmmm128',
      'Orps_xmm_xmmm128', 'Orpd_xmm_xmmm128', 'Xorps_xmm_xmmm128', 'Xorpd_xmm_xmmm128',
      'Cmpps_xmm_xmmm128_imm8', 'Cmppd_xmm_xmmm128_imm8', 'Cmpss_xmm_xmmm32_imm8', 'Cmpsd_xmm_xmmm64_imm8',
      'Comiss_xmm_xmmm32', 'Ucomiss_xmm_xmmm32', 'Comisd_xmm_xmmm64', 'Ucomisd_xmm_xmmm64',
      'Cvtsi2ss_xmm_rm32', 'Cvtsi2ss_xmm_rm64', 'Cvtsi2sd_xmm_rm32', 'Cvtsi2sd_xmm_rm64',
      'Cvtss2si_r32_xmmm32', 'Cvtss2si_r64_xmmm32', 'Cvttss2si_r32_xmmm32', 'Cvttss2si_r64_xmmm32',
      'Cvtsd2si_r32_xmmm64', 'Cvtsd2si_r64_xmmm64', 'Cvttsd2si_r32_xmmm64', 'Cvttsd2si_r64_xmmm64',
      'Cvtss2sd_xmm_xmmm32', 'Cvtsd2ss_xmm_xmmm64', 'Cvtps2pd_xmm_xmmm64', 'Cvtpd2ps_xmm_xmmm128',
      'Cvtdq2ps_xmm_xmmm128', 'Cvtdq2pd_xmm_xmmm64', 'Cvtps2dq_xmm_xmmm128', 'Cvttps2dq_xmm_xmmm128',
      'Cvtpd2dq_xmm_xmmm128', 'Cvttpd2dq_xmm_xmmm128', 'Ldmxcsr_m32', 'Stmxcsr_m32',
      'Shufps_xmm_xmmm128_imm8', 'Shufpd_xmm_xmmm128_imm8', 'Unpcklps_xmm_xmmm128', 'Unpckhps_xmm_xmmm128',
      'Unpcklpd_xmm_xmmm128', 'Unpckhpd_xmm_xmmm128', 'Movmskps_r32_xmm', 'Movmskps_r64_xmm', 'Movmskpd_r32_xmm',
      'Movmskpd_r64_xmm', 'Maskmovdqu_rDI_xmm_xmm',
    ];
    const sup = supportedCodes();
    for (const n of names) expect(sup.has((Code as unknown as Record<string, number>)[n]), n).to.equal(true);
    expect(names.length).to.equal(83);
  });

  for (const tier of TIERS) {
    describe(`arithmetic against the exact reference (${tier})`, () => {
      const ops: Op2[] = ['add', 'sub', 'mul', 'div'];
      for (const op of ops) {
        const Op = op[0].toUpperCase() + op.slice(1);
        it(`${op}ss / ${op}ps`, () => {
          const r = new Rng(0x5eed + op.length);
          for (let k = 0; k < CASES; k++) {
            const a = [rand32(r), rand32(r), rand32(r), rand32(r)], b = [rand32(r), rand32(r), rand32(r), rand32(r)];
            if (k < SPECIAL32.length) { a[0] = SPECIAL32[k]; b[1] = SPECIAL32[k]; }
            const mxcsr = randMx(r);
            const env = envOf(mxcsr);
            const exp = a.map((x, j) => Number(refBin(env, S, op, BigInt(x), BigInt(b[j]))));
            const outP = run2(fx(`${Op}ps_xmm_xmmm128`), { x0: a, x1: b, mxcsr }, tier);
            const ctx = `${op}ps ${a.map(hex)} ${b.map(hex)} mxcsr ${hex(mxcsr)}`;
            expect(outP.x0.map(hex), ctx).to.deep.equal(exp.map(hex));
            expect(hex(outP.mxcsr), ctx).to.equal(hex(mxcsr | env.flags));
            const env1 = envOf(mxcsr);
            const e1 = Number(refBin(env1, S, op, BigInt(a[0]), BigInt(b[0])));
            const outS = run2(fx(`${Op}ss_xmm_xmmm32`), { x0: a, x1: b, mxcsr }, tier);
            expect(outS.x0.map(hex), `${op}ss ${hex(a[0])} ${hex(b[0])} mxcsr ${hex(mxcsr)}`).to.deep.equal([e1, a[1], a[2], a[3]].map(hex));
            expect(hex(outS.mxcsr)).to.equal(hex(mxcsr | env1.flags));
          }
        });
        it(`${op}sd / ${op}pd`, () => {
          const r = new Rng(0xd0d0 + op.length);
          for (let k = 0; k < CASES; k++) {
            const a = [rand64(r), rand64(r)], b = [rand64(r), rand64(r)];
            if (k < SPECIAL64.length) { a[0] = SPECIAL64[k]; b[1] = SPECIAL64[k]; }
            const mxcsr = randMx(r);
            const env = envOf(mxcsr);
            const exp = a.map((x, j) => refBin(env, D, op, x, b[j]));
            const outP = run2(fx(`${Op}pd_xmm_xmmm128`), { x0: lanes64(a), x1: lanes64(b), mxcsr }, tier);
            const ctx = `${op}pd ${a.map(hex)} ${b.map(hex)} mxcsr ${hex(mxcsr)}`;
            expect([get64(outP.x0, 0), get64(outP.x0, 1)].map(hex), ctx).to.deep.equal(exp.map(hex));
            expect(hex(outP.mxcsr), ctx).to.equal(hex(mxcsr | env.flags));
            const env1 = envOf(mxcsr);
            const e1 = refBin(env1, D, op, a[0], b[0]);
            const outS = run2(fx(`${Op}sd_xmm_xmmm64`), { x0: lanes64(a), x1: lanes64(b), mxcsr }, tier);
            expect([get64(outS.x0, 0), get64(outS.x0, 1)].map(hex), `${op}sd ${hex(a[0])} ${hex(b[0])} ${hex(mxcsr)}`).to.deep.equal([e1, a[1]].map(hex));
            expect(hex(outS.mxcsr)).to.equal(hex(mxcsr | env1.flags));
          }
        });
      }

      it('sqrtss / sqrtps / sqrtsd / sqrtpd', () => {
        const r = new Rng(77);
        for (let k = 0; k < CASES; k++) {
          const a = [rand32(r), rand32(r), rand32(r), rand32(r)], dst = [r.u32(), r.u32(), r.u32(), r.u32()];
          const mxcsr = randMx(r);
          let env = envOf(mxcsr);
          const exp = a.map((x) => Number(refSqrt(env, S, BigInt(x))));
          let out = run2(fx('Sqrtps_xmm_xmmm128'), { x0: dst, x1: a, mxcsr }, tier);
          expect(out.x0.map(hex), `sqrtps ${a.map(hex)} ${hex(mxcsr)}`).to.deep.equal(exp.map(hex));
          expect(hex(out.mxcsr)).to.equal(hex(mxcsr | env.flags));
          env = envOf(mxcsr);
          const e1 = Number(refSqrt(env, S, BigInt(a[0])));
          out = run2(fx('Sqrtss_xmm_xmmm32'), { x0: dst, x1: a, mxcsr }, tier);
          expect(out.x0.map(hex)).to.deep.equal([e1, dst[1], dst[2], dst[3]].map(hex));
          expect(hex(out.mxcsr)).to.equal(hex(mxcsr | env.flags));

          const d = [rand64(r), rand64(r)];
          env = envOf(mxcsr);
          const expd = d.map((x) => refSqrt(env, D, x));
          out = run2(fx('Sqrtpd_xmm_xmmm128'), { x0: dst, x1: lanes64(d), mxcsr }, tier);
          expect([get64(out.x0, 0), get64(out.x0, 1)].map(hex), `sqrtpd ${d.map(hex)} ${hex(mxcsr)}`).to.deep.equal(expd.map(hex));
          expect(hex(out.mxcsr)).to.equal(hex(mxcsr | env.flags));
          env = envOf(mxcsr);
          const ed = refSqrt(env, D, d[0]);
          out = run2(fx('Sqrtsd_xmm_xmmm64'), { x0: dst, x1: lanes64(d), mxcsr }, tier);
          expect(out.x0.map(hex)).to.deep.equal([...split(ed), dst[2], dst[3]].map(hex));
          expect(hex(out.mxcsr)).to.equal(hex(mxcsr | env.flags));
        }
      });

      it('min and max, all four widths', () => {
        const r = new Rng(99);
        for (let k = 0; k < CASES; k++) {
          const a = [rand32(r), rand32(r), rand32(r), rand32(r)], b = [rand32(r), rand32(r), rand32(r), rand32(r)];
          const a64 = [rand64(r), rand64(r)], b64v = [rand64(r), rand64(r)];
          const mxcsr = randMx(r);
          for (const max of [false, true]) {
            const O = max ? 'Max' : 'Min';
            let env = envOf(mxcsr);
            const e32 = a.map((x, j) => Number(refMinMax(env, S, max, BigInt(x), BigInt(b[j]))));
            let out = run2(fx(`${O}ps_xmm_xmmm128`), { x0: a, x1: b, mxcsr }, tier);
            expect(out.x0.map(hex), `${O}ps ${a.map(hex)} ${b.map(hex)} ${hex(mxcsr)}`).to.deep.equal(e32.map(hex));
            expect(hex(out.mxcsr)).to.equal(hex(mxcsr | env.flags));
            env = envOf(mxcsr);
            const s32 = Number(refMinMax(env, S, max, BigInt(a[0]), BigInt(b[0])));
            out = run2(fx(`${O}ss_xmm_xmmm32`), { x0: a, x1: b, mxcsr }, tier);
            expect(out.x0.map(hex)).to.deep.equal([s32, a[1], a[2], a[3]].map(hex));
            expect(hex(out.mxcsr)).to.equal(hex(mxcsr | env.flags));
            env = envOf(mxcsr);
            const e64 = a64.map((x, j) => refMinMax(env, D, max, x, b64v[j]));
            out = run2(fx(`${O}pd_xmm_xmmm128`), { x0: lanes64(a64), x1: lanes64(b64v), mxcsr }, tier);
            expect([get64(out.x0, 0), get64(out.x0, 1)].map(hex), `${O}pd ${a64.map(hex)} ${b64v.map(hex)}`).to.deep.equal(e64.map(hex));
            expect(hex(out.mxcsr)).to.equal(hex(mxcsr | env.flags));
            env = envOf(mxcsr);
            const s64 = refMinMax(env, D, max, a64[0], b64v[0]);
            out = run2(fx(`${O}sd_xmm_xmmm64`), { x0: lanes64(a64), x1: lanes64(b64v), mxcsr }, tier);
            expect([get64(out.x0, 0), get64(out.x0, 1)].map(hex)).to.deep.equal([s64, a64[1]].map(hex));
            expect(hex(out.mxcsr)).to.equal(hex(mxcsr | env.flags));
          }
        }
      });
    });

    describe(`IEEE special cases and rounding modes (${tier})`, () => {
      const addsd = fx('Addsd_xmm_xmmm64'), mulsd = fx('Mulsd_xmm_xmmm64'), divsd = fx('Divsd_xmm_xmmm64');
      const addss = fx('Addss_xmm_xmmm32'), mulss = fx('Mulss_xmm_xmmm32'), subsd = fx('Subsd_xmm_xmmm64');
      const sd = (form: Form, a: number, b: number, mxcsr = MASKS): Out => run2(form, { x0: lanes64([b64(a), 0n]), x1: lanes64([b64(b), 0n]), mxcsr }, tier);
      const ss = (form: Form, a: number, b: number, mxcsr = MASKS): Out => run2(form, { x0: [b32(a), 0, 0, 0], x1: [b32(b), 0, 0, 0], mxcsr }, tier);
      const rd64 = (o: Out): number => f64(get64(o.x0, 0));
      const rd32 = (o: Out): number => f32(o.x0[0]);

      it('rounds 1 + 2^-60 and -1 - 2^-60 by each mode (binary64)', () => {
        const up = 1 + 2 ** -52;
        const want = [[1, 1, up, 1], [-1, -up, -1, -1]];
        [[1, 2 ** -60], [-1, -(2 ** -60)]].forEach(([a, b], s) => {
          for (let rc = 0; rc < 4; rc++) {
            const o = sd(addsd, a, b, mx(rc));
            expect(rd64(o), `rc ${rc}`).to.equal(want[s][rc]);
            expect(o.mxcsr).to.equal(mx(rc) | PE);
          }
        });
        // an exact sum leaves PE clear
        const o = sd(addsd, 1.5, 0.25, mx(RU));
        expect(rd64(o)).to.equal(1.75);
        expect(o.mxcsr).to.equal(mx(RU));
      });

      it('rounds ties to even in binary32 and by each mode', () => {
        // 1 + 2^-24 is exactly halfway between 1 and 1 + 2^-23
        const want = [1, 1, 1 + 2 ** -23, 1];
        for (let rc = 0; rc < 4; rc++) expect(rd32(ss(addss, 1, 2 ** -24, mx(rc))), `rc ${rc}`).to.equal(want[rc]);
        // 1 + 3*2^-24 is halfway between 1 + 2^-23 and 1 + 2^-22: to even is up
        expect(rd32(ss(addss, 1 + 2 ** -23, 2 ** -24))).to.equal(1 + 2 ** -22);
        // products and quotients
        expect(rd64(sd(divsd, 1, 3, mx(RD)))).to.equal(0.3333333333333333);
        expect(rd64(sd(divsd, 1, 3, mx(RU)))).to.equal(0.33333333333333337);
        expect(rd64(sd(divsd, -1, 3, mx(RZ)))).to.equal(-0.3333333333333333);
        expect(rd64(sd(mulsd, 1 + 2 ** -52, 1 + 2 ** -52, mx(RU)))).to.equal(1 + 2 * 2 ** -52 + 2 ** -52);
        expect(rd64(sd(mulsd, 1 + 2 ** -52, 1 + 2 ** -52, mx(RD)))).to.equal(1 + 2 * 2 ** -52);
      });

      it('gives -0 for an exact zero sum only when rounding down', () => {
        for (let rc = 0; rc < 4; rc++) {
          const o = sd(subsd, 2, 2, mx(rc));
          expect(Object.is(rd64(o), rc === RD ? -0 : 0), `rc ${rc}`).to.equal(true);
          expect(Object.is(rd64(sd(addsd, -0, -0, mx(rc))), -0)).to.equal(true);
          expect(Object.is(rd64(sd(addsd, 0, -0, mx(rc))), rc === RD ? -0 : 0)).to.equal(true);
        }
      });

      it('overflows to infinity or the largest finite value by mode, with OE and PE', () => {
        const max = 1.7976931348623157e308;
        const want = [Infinity, max, Infinity, max];
        for (let rc = 0; rc < 4; rc++) {
          const o = sd(mulsd, max, 2, mx(rc));
          expect(rd64(o), `rc ${rc}`).to.equal(want[rc]);
          expect(o.mxcsr).to.equal(mx(rc) | OE | PE);
          const n = sd(mulsd, -max, 2, mx(rc));
          expect(rd64(n)).to.equal(-[Infinity, Infinity, max, max][rc]);
        }
        // max + half an ulp is a tie: to nearest rounds to even (infinity), toward zero it stays max without overflow
        expect(rd64(sd(addsd, max, 2 ** 970))).to.equal(Infinity);
        const z = sd(addsd, max, 2 ** 970, mx(RZ));
        expect(rd64(z)).to.equal(max);
        expect(z.mxcsr).to.equal(mx(RZ) | PE);
        // float32
        const f = ss(mulss, 3.4028234663852886e38, 2, mx(RZ));
        expect(rd32(f)).to.equal(3.4028234663852886e38);
        expect(f.mxcsr).to.equal(mx(RZ) | OE | PE);
      });

      it('underflows: exact subnormals raise nothing, inexact ones UE and PE, tininess after rounding', () => {
        let o = sd(mulsd, 2 ** -1022, 0.5);
        expect(rd64(o)).to.equal(2 ** -1023);
        expect(o.mxcsr).to.equal(MASKS);
        o = sd(mulsd, 2 ** -1022 + 2 ** -1074, 0.5); // needs one more bit than a subnormal has
        expect(rd64(o)).to.equal(2 ** -1023); // tie to even
        expect(o.mxcsr).to.equal(MASKS | UE | PE);
        expect(rd64(sd(mulsd, 2 ** -1022 + 2 ** -1074, 0.5, mx(RU)))).to.equal(2 ** -1023 + 2 ** -1074);
        // (1 + 2^-23)(1 - 2^-23) 2^-126 = (1 - 2^-46) 2^-126 rounds to 2^-126 with 24 bits: not tiny
        o = run2(mulss, { x0: [0x00800001, 0, 0, 0], x1: [0x3f7ffffe, 0, 0, 0] }, tier);
        expect(hex(o.x0[0])).to.equal(hex(0x00800000));
        expect(o.mxcsr).to.equal(MASKS | PE);
        // (1 - 2^-24) 2^-126 stays below 2^-126 with 24 bits: tiny, and inexact on the subnormal grid
        o = run2(mulss, { x0: [0x00800000, 0, 0, 0], x1: [0x3f7fffff, 0, 0, 0] }, tier);
        expect(hex(o.x0[0])).to.equal(hex(0x00800000));
        expect(o.mxcsr).to.equal(MASKS | UE | PE);
        // far below the least subnormal
        o = sd(mulsd, 2 ** -1000, 2 ** -200, mx(RU));
        expect(rd64(o)).to.equal(2 ** -1074);
        expect(o.mxcsr).to.equal(mx(RU) | UE | PE);
        expect(Object.is(rd64(sd(mulsd, -(2 ** -1000), 2 ** -200)), -0)).to.equal(true);
      });

      it('FTZ flushes tiny results (UE PE); DAZ reads denormal inputs as zero (no DE)', () => {
        let o = sd(mulsd, 2 ** -1022, 0.5, MASKS | FZ);
        expect(Object.is(rd64(o), 0)).to.equal(true);
        expect(o.mxcsr).to.equal(MASKS | FZ | UE | PE);
        o = sd(mulsd, -(2 ** -1022), 0.75, MASKS | FZ);
        expect(Object.is(rd64(o), -0)).to.equal(true);
        // not tiny after rounding: not flushed
        o = run2(mulss, { x0: [0x00800001, 0, 0, 0], x1: [0x3f7ffffe, 0, 0, 0], mxcsr: MASKS | FZ }, tier);
        expect(hex(o.x0[0])).to.equal(hex(0x00800000));
        // denormal operand: DE, or zero under DAZ
        o = sd(addsd, 2 ** -1074, 2 ** -1074);
        expect(rd64(o)).to.equal(2 ** -1073);
        expect(o.mxcsr).to.equal(MASKS | DE);
        o = sd(addsd, 2 ** -1074, 2 ** -1074, MASKS | DAZ);
        expect(rd64(o)).to.equal(0);
        expect(o.mxcsr).to.equal(MASKS | DAZ);
        o = ss(fx('Minss_xmm_xmmm32'), f32(1), f32(5), MASKS | DAZ);
        expect(rd32(o)).to.equal(0); // both read as +0: the second
      });

      it('propagates NaNs: the first operand wins, quieted; IE for signalling NaNs; default NaN for invalid', () => {
        const q1 = 0x7fc00001, s2 = 0x7f800002;
        let o = run2(addss, { x0: [q1, 0, 0, 0], x1: [s2, 0, 0, 0] }, tier);
        expect(hex(o.x0[0])).to.equal(hex(q1));
        expect(o.mxcsr).to.equal(MASKS | IE);
        o = run2(addss, { x0: [0x3f800000, 0, 0, 0], x1: [s2, 0, 0, 0] }, tier);
        expect(hex(o.x0[0])).to.equal(hex(0x7fc00002));
        o = run2(addsd, { x0: lanes64([0x7ff0000000000001n, 0n]), x1: lanes64([0xfff8000000000002n, 0n]) }, tier);
        expect(hex(get64(o.x0, 0))).to.equal(hex(0x7ff8000000000001n));
        expect(o.mxcsr).to.equal(MASKS | IE);
        // quiet NaN operand: no flag, no DE for a denormal beside it
        o = run2(addss, { x0: [1, 0, 0, 0], x1: [0x7fc00000, 0, 0, 0] }, tier);
        expect(o.mxcsr).to.equal(MASKS);
        // invalid operations
        const inv: [Form, number, number][] = [[subsd, Infinity, Infinity], [mulsd, 0, Infinity], [divsd, 0, 0], [divsd, Infinity, -Infinity]];
        for (const [form, a, b] of inv) {
          o = sd(form, a, b);
          expect(hex(get64(o.x0, 0)), `${form.code} ${a} ${b}`).to.equal(hex(0xfff8000000000000n));
          expect(o.mxcsr).to.equal(MASKS | IE);
        }
        o = run2(fx('Sqrtss_xmm_xmmm32'), { x1: [b32(-1), 0, 0, 0] }, tier);
        expect(hex(o.x0[0])).to.equal(hex(0xffc00000));
        expect(o.mxcsr).to.equal(MASKS | IE);
        o = run2(fx('Sqrtsd_xmm_xmmm64'), { x1: lanes64([b64(-0), 0n]) }, tier);
        expect(hex(get64(o.x0, 0))).to.equal(hex(b64(-0)));
        expect(o.mxcsr).to.equal(MASKS);
        // division by zero: ZE and a signed infinity; inf / 0 raises nothing
        o = sd(divsd, -3, 0);
        expect(rd64(o)).to.equal(-Infinity);
        expect(o.mxcsr).to.equal(MASKS | ZE);
        o = sd(divsd, Infinity, -0);
        expect(rd64(o)).to.equal(-Infinity);
        expect(o.mxcsr).to.equal(MASKS);
        // a denormal dividend over zero: ZE only (ZE precedes DE)
        o = sd(divsd, 2 ** -1074, 0);
        expect(o.mxcsr).to.equal(MASKS | ZE);
      });

      it('min and max return the second operand for NaNs and equal zeros', () => {
        const minsd = fx('Minsd_xmm_xmmm64'), maxsd = fx('Maxsd_xmm_xmmm64');
        let o = sd(minsd, NaN, 1);
        expect(rd64(o)).to.equal(1);
        expect(o.mxcsr).to.equal(MASKS | IE);
        o = run2(minsd, { x0: lanes64([b64(1), 0n]), x1: lanes64([0x7ff0000000000001n, 0n]) }, tier);
        expect(hex(get64(o.x0, 0))).to.equal(hex(0x7ff0000000000001n)); // returned as is, not quieted
        expect(Object.is(rd64(sd(minsd, 0, -0)), -0)).to.equal(true);
        expect(Object.is(rd64(sd(minsd, -0, 0)), 0)).to.equal(true);
        expect(Object.is(rd64(sd(maxsd, -0, 0)), 0)).to.equal(true);
        expect(Object.is(rd64(sd(maxsd, 0, -0)), -0)).to.equal(true);
        expect(rd64(sd(maxsd, 2, 1))).to.equal(2);
        expect(rd64(sd(minsd, 2, 1))).to.equal(1);
      });
    });

    describe(`compares (${tier})`, () => {
      it('cmpps / cmppd / cmpss / cmpsd with the eight predicates', () => {
        const r = new Rng(1234);
        for (let p = 0; p < 8; p++) {
          for (let k = 0; k < 40; k++) {
            const a = [rand32(r), rand32(r), rand32(r), rand32(r)], b = [rand32(r), rand32(r), rand32(r), rand32(r)];
            if (k % 4 === 0) b[0] = a[0];
            if (k % 5 === 0) { a[1] = b32(1); b[1] = b32(2); }
            const mxcsr = randMx(r);
            let env = envOf(mxcsr);
            const exp = a.map((x, j) => (refCmp(env, S, p, BigInt(x), BigInt(b[j])) ? 0xffffffff : 0));
            let o = run2(fx('Cmpps_xmm_xmmm128_imm8', p), { x0: a, x1: b, mxcsr }, tier);
            expect(o.x0.map(hex), `cmpps ${p} ${a.map(hex)} ${b.map(hex)} ${hex(mxcsr)}`).to.deep.equal(exp.map(hex));
            expect(hex(o.mxcsr)).to.equal(hex(mxcsr | env.flags));
            env = envOf(mxcsr);
            const e0 = refCmp(env, S, p, BigInt(a[0]), BigInt(b[0])) ? 0xffffffff : 0;
            o = run2(fx('Cmpss_xmm_xmmm32_imm8', p), { x0: a, x1: b, mxcsr }, tier);
            expect(o.x0.map(hex)).to.deep.equal([e0, a[1], a[2], a[3]].map(hex));
            expect(hex(o.mxcsr)).to.equal(hex(mxcsr | env.flags));

            const c = [rand64(r), rand64(r)], d = [rand64(r), rand64(r)];
            if (k % 4 === 1) d[0] = c[0];
            env = envOf(mxcsr);
            const e64 = c.map((x, j) => (refCmp(env, D, p, x, d[j]) ? 0xffffffffffffffffn : 0n));
            o = run2(fx('Cmppd_xmm_xmmm128_imm8', p), { x0: lanes64(c), x1: lanes64(d), mxcsr }, tier);
            expect([get64(o.x0, 0), get64(o.x0, 1)].map(hex), `cmppd ${p} ${c.map(hex)} ${d.map(hex)}`).to.deep.equal(e64.map(hex));
            expect(hex(o.mxcsr)).to.equal(hex(mxcsr | env.flags));
            env = envOf(mxcsr);
            const s0 = refCmp(env, D, p, c[0], d[0]) ? 0xffffffffffffffffn : 0n;
            o = run2(fx('Cmpsd_xmm_xmmm64_imm8', p), { x0: lanes64(c), x1: lanes64(d), mxcsr }, tier);
            expect([get64(o.x0, 0), get64(o.x0, 1)].map(hex)).to.deep.equal([s0, c[1]].map(hex));
            expect(hex(o.mxcsr)).to.equal(hex(mxcsr | env.flags));
          }
        }
      });

      it('known compare results, IE on quiet NaNs only for lt le nlt nle', () => {
        const cmp = (p: number, a: number, b: number): [number, number] => {
          const o = run2(fx('Cmpss_xmm_xmmm32_imm8', p), { x0: [b32(a), 0, 0, 0], x1: [b32(b), 0, 0, 0] }, tier);
          return [o.x0[0], o.mxcsr & 0x3f];
        };
        const T = 0xffffffff;
        expect([0, 1, 2, 3, 4, 5, 6, 7].map((p) => cmp(p, 1, 2)[0])).to.deep.equal([0, T, T, 0, T, 0, 0, T]);
        expect([0, 1, 2, 3, 4, 5, 6, 7].map((p) => cmp(p, 2, 2)[0])).to.deep.equal([T, 0, T, 0, 0, T, 0, T]);
        expect([0, 1, 2, 3, 4, 5, 6, 7].map((p) => cmp(p, NaN, 2)[0])).to.deep.equal([0, 0, 0, T, T, T, T, 0]);
        expect([0, 1, 2, 3, 4, 5, 6, 7].map((p) => cmp(p, NaN, 2)[1])).to.deep.equal([0, IE, IE, 0, 0, IE, IE, 0]);
        expect(cmp(0, -0, 0)[0]).to.equal(T);
        // only imm8 bits 0-2 count in the legacy encodings
        const o = run2(fx('Cmpss_xmm_xmmm32_imm8', 0x41), { x0: [b32(1), 0, 0, 0], x1: [b32(2), 0, 0, 0] }, tier);
        expect(o.x0[0]).to.equal(T);
      });

      it('comiss / ucomiss / comisd / ucomisd set ZF PF CF and clear OF SF AF', () => {
        const r = new Rng(4321);
        const forms: [string, boolean, boolean][] = [['Comiss_xmm_xmmm32', false, true], ['Ucomiss_xmm_xmmm32', false, false],
          ['Comisd_xmm_xmmm64', true, true], ['Ucomisd_xmm_xmmm64', true, false]];
        for (const [code, dbl, sig] of forms) {
          for (let k = 0; k < 120; k++) {
            const mxcsr = randMx(r);
            const env = envOf(mxcsr);
            let inp: In, flags: number;
            if (dbl) {
              const a = rand64(r), b = k % 3 === 0 ? a : rand64(r);
              flags = refComi(env, D, sig, a, b);
              inp = { x0: lanes64([a, 0n]), x1: lanes64([b, 0n]), mxcsr };
            } else {
              const a = rand32(r), b = k % 3 === 0 ? a : rand32(r);
              flags = refComi(env, S, sig, BigInt(a), BigInt(b));
              inp = { x0: [a, 0, 0, 0], x1: [b, 0, 0, 0], mxcsr };
            }
            for (const rflags of [0x202, 0x202 | OF | SF | AF | ZF | PF | CF]) {
              const o = run2({ code, dst: 'xmm', src: 'xmm' }, { ...inp, rflags }, tier);
              expect(o.rflags & (CF | PF | AF | ZF | SF | OF), `${code} ${inp.x0!.map(hex)} ${inp.x1!.map(hex)}`).to.equal(flags);
              expect(hex(o.mxcsr)).to.equal(hex(mxcsr | env.flags));
            }
          }
        }
        const u = run2({ code: 'Ucomisd_xmm_xmmm64', dst: 'xmm', src: 'xmm' }, { x0: lanes64([b64(1), 0n]), x1: lanes64([b64(2), 0n]) }, tier);
        expect(u.rflags & (CF | ZF | PF)).to.equal(CF);
      });
    });

    describe(`conversions (${tier})`, () => {
      const gp = (code: string, dst: Opnd, src: Opnd): Form => ({ code, dst, src });
      const INTS64 = [0n, 1n, -1n, 2n ** 24n + 1n, -(2n ** 24n) - 3n, 2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 62n + 2n ** 38n + 1n,
        0x7fffffffn, -0x80000000n, 123456789n, (1n << 63n) + (1n << 39n) + 1n];

      it('cvtsi2ss / cvtsi2sd from 32- and 64-bit integers, rounding by MXCSR.RC', () => {
        const r = new Rng(55);
        const vals = [...INTS64];
        for (let k = 0; k < 60; k++) vals.push(BigInt.asIntN(64, join(r.u32(), r.u32()) >> BigInt(r.int(40))));
        for (const v of vals) {
          for (let rc = 0; rc < 4; rc++) {
            const mxcsr = mx(rc);
            for (const [code, w, f] of [['Cvtsi2ss_xmm_rm32', 32, S], ['Cvtsi2ss_xmm_rm64', 64, S], ['Cvtsi2sd_xmm_rm32', 32, D], ['Cvtsi2sd_xmm_rm64', 64, D]] as const) {
              const iv = BigInt.asIntN(w, v);
              const env = envOf(mxcsr);
              const exp = refFromInt(env, f, iv);
              const dst = [0x11111111, 0x22222222, 0x33333333, 0x44444444];
              const o = run2(gp(code, 'xmm', w === 64 ? 'r64' : 'r32'), { x0: dst, rax: BigInt.asUintN(64, v), mxcsr }, tier);
              const got = f === S ? BigInt(o.x0[0]) : get64(o.x0, 0);
              expect(hex(got), `${code} ${iv} rc ${rc}`).to.equal(hex(exp));
              expect(o.x0.slice(f === S ? 1 : 2)).to.deep.equal(dst.slice(f === S ? 1 : 2));
              expect(hex(o.mxcsr)).to.equal(hex(mxcsr | env.flags));
            }
          }
        }
        // 2^63 + 2^39 + 1 to binary32: above the halfway point, so up (a double rounding would give 2^63)
        const o = run2(gp('Cvtsi2ss_xmm_rm64', 'xmm', 'r64'), { rax: (1n << 62n) + (1n << 38n) + 1n }, tier);
        expect(f32(o.x0[0])).to.equal(2 ** 62 + 2 ** 39);
      });

      it('cvt[t]ss2si / cvt[t]sd2si to 32 and 64 bits: rounding, truncation, integer indefinite', () => {
        const r = new Rng(66);
        const f32v = [...SPECIAL32, b32(2.5), b32(-2.5), b32(3.5), b32(-0.5), b32(0.5), b32(2147483520), b32(2147483648), b32(-2147483648),
          b32(9.2233715e18), b32(-9.223372e18), b32(1e19)];
        const f64v = [...SPECIAL64, b64(2.5), b64(-2.5), b64(3.5), b64(-0.5), b64(2147483647.5), b64(2147483647.4), b64(-2147483648.9),
          b64(-2147483649), b64(9223372036854774784), b64(-9223372036854775808), b64(9223372036854775808)];
        for (let k = 0; k < 50; k++) { f32v.push(rand32(r)); f64v.push(rand64(r)); }
        for (const trunc of [false, true]) {
          for (const w of [32, 64]) {
            const sCode = `Cvt${trunc ? 't' : ''}ss2si_r${w}_xmmm32`, dCode = `Cvt${trunc ? 't' : ''}sd2si_r${w}_xmmm64`;
            for (let rc = 0; rc < 4; rc++) {
              for (const daz of [0, DAZ]) {
                const mxcsr = mx(rc, daz);
                for (const a of f32v) {
                  const env = envOf(mxcsr);
                  const exp = refToInt(env, S, trunc ? RZ : rc, BigInt(a), w);
                  const o = run2(gp(sCode, w === 64 ? 'r64' : 'r32', 'xmm'), { x1: [a, 0, 0, 0], rax: 0xdeadbeefcafef00dn, mxcsr }, tier);
                  expect(hex(o.rax), `${sCode} ${hex(a)} rc ${rc}`).to.equal(hex(exp)); // 32-bit results zero the upper half
                  expect(hex(o.mxcsr)).to.equal(hex(mxcsr | env.flags));
                }
                for (const a of f64v) {
                  const env = envOf(mxcsr);
                  const exp = refToInt(env, D, trunc ? RZ : rc, a, w);
                  const o = run2(gp(dCode, w === 64 ? 'r64' : 'r32', 'xmm'), { x1: lanes64([a, 0n]), rax: 0xdeadbeefcafef00dn, mxcsr }, tier);
                  expect(hex(o.rax), `${dCode} ${hex(a)} rc ${rc}`).to.equal(hex(exp));
                  expect(hex(o.mxcsr)).to.equal(hex(mxcsr | env.flags));
                }
              }
            }
          }
        }
        // spot checks
        const c = (code: string, x: number, mxcsr = MASKS): bigint =>
          run2(gp(code, 'r32', 'xmm'), { x1: lanes64([b64(x), 0n]), mxcsr }, tier).rax;
        expect(c('Cvtsd2si_r32_xmmm64', 2.5)).to.equal(2n);
        expect(c('Cvtsd2si_r32_xmmm64', 3.5)).to.equal(4n);
        expect(c('Cvtsd2si_r32_xmmm64', -2.5)).to.equal(0xfffffffen);
        expect(c('Cvtsd2si_r32_xmmm64', 2.5, mx(RU))).to.equal(3n);
        expect(c('Cvttsd2si_r32_xmmm64', -2.9)).to.equal(0xfffffffen);
        expect(c('Cvtsd2si_r32_xmmm64', NaN)).to.equal(0x80000000n);
        expect(c('Cvtsd2si_r32_xmmm64', 2147483647.5)).to.equal(0x80000000n);
      });

      it('cvtss2sd / cvtsd2ss / cvtps2pd / cvtpd2ps', () => {
        const r = new Rng(88);
        for (let k = 0; k < 3 * CASES; k++) {
          const mxcsr = randMx(r);
          const a = [rand32(r), rand32(r), r.u32(), r.u32()];
          const d = [rand64(r), rand64(r)];
          let env = envOf(mxcsr);
          let o = run2(fx('Cvtss2sd_xmm_xmmm32'), { x0: [1, 2, 3, 4], x1: a, mxcsr }, tier);
          expect(hex(get64(o.x0, 0)), `cvtss2sd ${hex(a[0])}`).to.equal(hex(refS2D(env, BigInt(a[0]))));
          expect(o.x0.slice(2)).to.deep.equal([3, 4]);
          expect(hex(o.mxcsr)).to.equal(hex(mxcsr | env.flags));
          env = envOf(mxcsr);
          o = run2(fx('Cvtps2pd_xmm_xmmm64'), { x0: [1, 2, 3, 4], x1: a, mxcsr }, tier);
          expect([get64(o.x0, 0), get64(o.x0, 1)].map(hex)).to.deep.equal([refS2D(env, BigInt(a[0])), refS2D(env, BigInt(a[1]))].map(hex));
          expect(hex(o.mxcsr)).to.equal(hex(mxcsr | env.flags));
          env = envOf(mxcsr);
          o = run2(fx('Cvtsd2ss_xmm_xmmm64'), { x0: [1, 2, 3, 4], x1: lanes64(d), mxcsr }, tier);
          expect(o.x0.map(hex), `cvtsd2ss ${hex(d[0])} ${hex(mxcsr)}`).to.deep.equal([Number(refD2S(env, d[0])), 2, 3, 4].map(hex));
          expect(hex(o.mxcsr)).to.equal(hex(mxcsr | env.flags));
          env = envOf(mxcsr);
          o = run2(fx('Cvtpd2ps_xmm_xmmm128'), { x0: [1, 2, 3, 4], x1: lanes64(d), mxcsr }, tier);
          expect(o.x0.map(hex), `cvtpd2ps ${d.map(hex)}`).to.deep.equal([Number(refD2S(env, d[0])), Number(refD2S(env, d[1])), 0, 0].map(hex));
          expect(hex(o.mxcsr)).to.equal(hex(mxcsr | env.flags));
        }
        // NaN payloads: quieted and truncated / extended
        let o = run2(fx('Cvtsd2ss_xmm_xmmm64'), { x1: lanes64([0xfff0000020000000n, 0n]) }, tier);
        expect(hex(o.x0[0])).to.equal(hex(0xffc00001));
        expect(o.mxcsr).to.equal(MASKS | IE);
        o = run2(fx('Cvtss2sd_xmm_xmmm32'), { x1: [0x7f800001, 0, 0, 0] }, tier);
        expect(hex(get64(o.x0, 0))).to.equal(hex(0x7ff8000020000000n));
        // 2^-127 is an exact binary32 subnormal
        o = run2(fx('Cvtsd2ss_xmm_xmmm64'), { x1: lanes64([b64(2 ** -127), 0n]) }, tier);
        expect(hex(o.x0[0])).to.equal(hex(0x00400000));
        expect(o.mxcsr).to.equal(MASKS);
      });

      it('cvtdq2ps / cvtdq2pd / cvt[t]ps2dq / cvt[t]pd2dq', () => {
        const r = new Rng(101);
        for (let k = 0; k < 2 * CASES; k++) {
          const mxcsr = randMx(r);
          const ints = [r.u32(), r.pick([0, 1, 0xffffffff, 0x80000000, 0x7fffffff, 0x1000001, 0xffffff]), r.u32() >>> r.int(32), r.u32()];
          let env = envOf(mxcsr);
          let o = run2(fx('Cvtdq2ps_xmm_xmmm128'), { x1: ints, mxcsr }, tier);
          expect(o.x0.map(hex), `cvtdq2ps ${ints.map(hex)}`).to.deep.equal(ints.map((v) => hex(refFromInt(env, S, BigInt(v | 0)))));
          expect(hex(o.mxcsr)).to.equal(hex(mxcsr | env.flags));
          o = run2(fx('Cvtdq2pd_xmm_xmmm64'), { x1: ints, mxcsr }, tier);
          expect([get64(o.x0, 0), get64(o.x0, 1)].map((b) => f64(b))).to.deep.equal([ints[0] | 0, ints[1] | 0]);
          expect(o.mxcsr).to.equal(mxcsr);

          const fs = [rand32(r), rand32(r), b32((r.int(2000) - 1000) / 4), rand32(r)];
          const ds = [rand64(r), b64((r.int(2000) - 1000) / 4)];
          for (const trunc of [false, true]) {
            const rc = trunc ? RZ : (mxcsr >> 13) & 3;
            env = envOf(mxcsr);
            o = run2(fx(trunc ? 'Cvttps2dq_xmm_xmmm128' : 'Cvtps2dq_xmm_xmmm128'), { x1: fs, mxcsr }, tier);
            expect(o.x0.map(hex), `cvt${trunc ? 't' : ''}ps2dq ${fs.map(hex)} ${hex(mxcsr)}`).to.deep.equal(fs.map((v) => hex(refToInt(env, S, rc, BigInt(v), 32))));
            expect(hex(o.mxcsr)).to.equal(hex(mxcsr | env.flags));
            env = envOf(mxcsr);
            o = run2(fx(trunc ? 'Cvttpd2dq_xmm_xmmm128' : 'Cvtpd2dq_xmm_xmmm128'), { x0: [9, 9, 9, 9], x1: lanes64(ds), mxcsr }, tier);
            expect(o.x0.map(hex), `cvt${trunc ? 't' : ''}pd2dq ${ds.map(hex)}`).to.deep.equal([...ds.map((v) => hex(refToInt(env, D, rc, v, 32))), '0x0', '0x0']);
            expect(hex(o.mxcsr)).to.equal(hex(mxcsr | env.flags));
          }
        }
      });
    });

    describe(`rcp and rsqrt approximations (${tier})`, () => {
      it('are within 1.5 * 2^-12 relative error and get the special values right', () => {
        const r = new Rng(7);
        for (let k = 0; k < 100; k++) {
          const v = [rand32(r), ((r.int(2) << 31) | ((1 + r.int(253)) << 23) | (r.u32() & 0x7fffff)) >>> 0, rand32(r), rand32(r)];
          for (const [code, sq] of [['Rcpps_xmm_xmmm128', false], ['Rsqrtps_xmm_xmmm128', true]] as const) {
            const mxcsr = randMx(r);
            const o = run2(fx(code), { x1: v, mxcsr }, tier);
            expect(o.mxcsr).to.equal(mxcsr); // no flags
            v.forEach((bits, j) => {
              const x = f32(bits), y = f32(o.x0[j]);
              const den = x !== 0 && Math.abs(x) < 2 ** -126;
              const xx = den ? (x < 0 ? -0 : 0) : x;
              const exact = sq ? 1 / Math.sqrt(xx) : 1 / xx;
              const what = `${code} ${hex(bits)} -> ${hex(o.x0[j])}`;
              if (Number.isNaN(x)) expect(hex(o.x0[j]), what).to.equal(hex((bits | 0x400000) >>> 0));
              else if (Number.isNaN(exact)) expect(hex(o.x0[j]), what).to.equal(hex(0xffc00000));
              else if (!Number.isFinite(exact) || exact === 0) expect(Object.is(y, exact), what).to.equal(true);
              else if (Math.abs(exact) < 2 ** -126) expect(y === 0 && Math.sign(1 / y) === Math.sign(exact), what).to.equal(true);
              else expect(Math.abs(y - exact) <= 1.5 * 2 ** -12 * Math.abs(exact), what).to.equal(true);
            });
          }
        }
        const one = (code: string, x: number): number => f32(run2(fx(code), { x0: [7, 7, 7, 7], x1: [b32(x), 0, 0, 0] }, tier).x0[0]);
        expect(one('Rcpss_xmm_xmmm32', -0)).to.equal(-Infinity);
        expect(one('Rcpss_xmm_xmmm32', Infinity)).to.equal(0);
        expect(one('Rsqrtss_xmm_xmmm32', -0)).to.equal(-Infinity);
        expect(one('Rsqrtss_xmm_xmmm32', Infinity)).to.equal(0);
        expect(Math.abs(one('Rcpss_xmm_xmmm32', 4) - 0.25)).to.be.at.most(1.5 * 2 ** -12 * 0.25);
        expect(Math.abs(one('Rsqrtss_xmm_xmmm32', 4) - 0.5)).to.be.at.most(1.5 * 2 ** -12 * 0.5);
        expect(run2(fx('Rsqrtss_xmm_xmmm32'), { x0: [7, 7, 7, 7], x1: [b32(-4), 0, 0, 0] }, tier).x0).to.deep.equal([0xffc00000, 7, 7, 7]);
      });
    });

    describe(`bitwise logic (${tier})`, () => {
      it('and, andn, or, xor in both domains', () => {
        const r = new Rng(3);
        const ops: [string, (a: number, b: number) => number][] = [['And', (a, b) => a & b], ['Andn', (a, b) => ~a & b], ['Or', (a, b) => a | b], ['Xor', (a, b) => a ^ b]];
        for (const [name, f] of ops) {
          for (const dom of ['ps', 'pd']) {
            for (let k = 0; k < 20; k++) {
              const a = [r.u32(), r.u32(), r.u32(), r.u32()], b = [r.u32(), r.u32(), r.u32(), r.u32()];
              const mxcsr = randMx(r);
              const o = run2(fx(`${name}${dom}_xmm_xmmm128`), { x0: a, x1: b, mxcsr }, tier);
              expect(o.x0).to.deep.equal(a.map((x, j) => f(x, b[j]) >>> 0));
              expect(o.mxcsr).to.equal(mxcsr);
            }
          }
        }
        // xorps x, x is the zeroing idiom
        const o = run(fx('Xorps_xmm_xmmm128'), 'reg', { x0: [1, 2, 3, 4], x1: [1, 2, 3, 4] }, tier);
        expect(o.x0).to.deep.equal([0, 0, 0, 0]);
      });
    });

    describe(`shuffles, unpacks, sign masks, maskmovdqu (${tier})`, () => {
      it('shufps / shufpd pick lanes by imm8 (destination lanes low, source lanes high)', () => {
        const r = new Rng(5);
        for (let k = 0; k < 40; k++) {
          const a = [r.u32(), r.u32(), r.u32(), r.u32()], b = [r.u32(), r.u32(), r.u32(), r.u32()];
          const imm = k < 4 ? [0, 0x1b, 0xe4, 0xff][k] : r.int(256);
          let o = run2(fx('Shufps_xmm_xmmm128_imm8', imm), { x0: a, x1: b }, tier);
          expect(o.x0).to.deep.equal([a[imm & 3], a[(imm >> 2) & 3], b[(imm >> 4) & 3], b[(imm >> 6) & 3]]);
          o = run2(fx('Shufpd_xmm_xmmm128_imm8', imm), { x0: a, x1: b }, tier);
          const lo = 2 * (imm & 1), hi = 2 * ((imm >> 1) & 1);
          expect(o.x0).to.deep.equal([a[lo], a[lo + 1], b[hi], b[hi + 1]]);
        }
        // the source may be the destination: it is read before anything is written
        const o = run(fx('Shufps_xmm_xmmm128_imm8', 0x1b), 'reg', { x0: [1, 2, 3, 4], x1: [5, 6, 7, 8] }, tier);
        expect(o.x0).to.deep.equal([4, 3, 6, 5]);
      });

      it('unpcklps / unpckhps / unpcklpd / unpckhpd interleave', () => {
        const a = [1, 2, 3, 4], b = [5, 6, 7, 8];
        expect(run2(fx('Unpcklps_xmm_xmmm128'), { x0: a, x1: b }, tier).x0).to.deep.equal([1, 5, 2, 6]);
        expect(run2(fx('Unpckhps_xmm_xmmm128'), { x0: a, x1: b }, tier).x0).to.deep.equal([3, 7, 4, 8]);
        expect(run2(fx('Unpcklpd_xmm_xmmm128'), { x0: a, x1: b }, tier).x0).to.deep.equal([1, 2, 5, 6]);
        expect(run2(fx('Unpckhpd_xmm_xmmm128'), { x0: a, x1: b }, tier).x0).to.deep.equal([3, 4, 7, 8]);
        for (const code of ['Unpcklps_xmm_xmmm128', 'Unpckhps_xmm_xmmm128', 'Unpcklpd_xmm_xmmm128', 'Unpckhpd_xmm_xmmm128',
          'Shufps_xmm_xmmm128_imm8', 'Shufpd_xmm_xmmm128_imm8']) {
          const o = run(fx(code, code.startsWith('Shuf') ? 0 : undefined), 'mem', { x0: a, x1: b }, tier, 4);
          expect(o.fault, code).to.deep.equal({ sig: SIGSEGV, code: SI_KERNEL, addr: 0 });
        }
      });

      it('movmskps / movmskpd gather sign bits and zero the rest of the register', () => {
        const v = [0x80000000, 0x7fffffff, 0xffffffff, 0x00000001];
        for (const [code, dst] of [['Movmskps_r32_xmm', 'r32'], ['Movmskps_r64_xmm', 'r64']] as const) {
          const o = run({ code, dst, src: 'xmm' }, 'reg', { x1: v, rax: 0xffffffffffffffffn }, tier);
          expect(o.rax).to.equal(0b0101n);
        }
        for (const [code, dst] of [['Movmskpd_r32_xmm', 'r32'], ['Movmskpd_r64_xmm', 'r64']] as const) {
          const o = run({ code, dst, src: 'xmm' }, 'reg', { x1: v, rax: 0xffffffffffffffffn }, tier);
          expect(o.rax).to.equal(0b00n);
          const p = run({ code, dst, src: 'xmm' }, 'reg', { x1: [0, 0x80000000, 0, 0x80000000], rax: 5n }, tier);
          expect(p.rax).to.equal(0b11n);
        }
      });

      it('maskmovdqu stores the selected bytes at [rdi]; the whole range must be writable', () => {
        const a = new Asm().db(0x66, 0x0f, 0xf7, 0xc1).i('Ud2'); // maskmovdqu xmm0, xmm1
        const mc = program(a, tier);
        const data = [0x03020100, 0x07060504, 0x0b0a0908, 0x0f0e0d0c];
        const mask = [0x00800080, 0x80000000, 0, 0xff7f0080];
        for (const at of [DATA + 3, DATA + 0x100]) {
          mc.mem.u8.fill(0xee, at - 16, at + 32);
          for (let j = 0; j < 4; j++) { mc.ctx.xmm32[j] = data[j]; mc.ctx.xmm32[4 + j] = mask[j] | 0; }
          mc.ctx.setReg(7, at);
          mc.ctx.rip = CODE_BASE;
          mc.cpu.run(mc.ctx, 100);
          expect(mc.ctx.faultSignal).to.equal(SIGILL);
          const got = Array.from(mc.mem.u8.subarray(at - 1, at + 17));
          const want = [0xee, 0x00, 0xee, 0x02, 0xee, 0xee, 0xee, 0xee, 0x07, 0xee, 0xee, 0xee, 0xee, 0x0c, 0xee, 0xee, 0x0f, 0xee];
          expect(got).to.deep.equal(want);
        }
        // a zero mask at a bad address still faults
        for (let j = 0; j < 4; j++) mc.ctx.xmm32[4 + j] = 0;
        mc.ctx.setReg(7, mc.mem.size - 8);
        mc.ctx.rip = CODE_BASE;
        mc.cpu.run(mc.ctx, 100);
        expect(mc.ctx.faultSignal).to.equal(SIGSEGV);
        expect(mc.ctx.faultAddr).to.equal(mc.mem.size);
        expect(mc.ctx.rip).to.equal(CODE_BASE);
      });
    });

    describe(`MXCSR and SIMD exceptions (${tier})`, () => {
      it('ldmxcsr / stmxcsr round-trip; reserved bits raise #GP (SIGSEGV SI_KERNEL)', () => {
        const a = new Asm()
          .i('Ldmxcsr_m32', m('rbx'))
          .i('Stmxcsr_m32', m('rbx', 4))
          .i('Ud2');
        const mc = program(a, tier);
        for (const v of [0x1f80, 0x9fc0, 0x0000, 0xffff, 0x7f80 | 0x3f]) {
          mc.mem.dv.setUint32(DATA, v, true);
          mc.ctx.setReg(3, DATA);
          mc.ctx.rip = CODE_BASE;
          mc.cpu.run(mc.ctx, 100);
          expect(mc.ctx.faultSignal).to.equal(SIGILL);
          expect(mc.ctx.mxcsr).to.equal(v);
          expect(mc.mem.dv.getUint32(DATA + 4, true)).to.equal(v);
        }
        for (const bad of [0x10000, 0x20000 | 0x1f80, 0x80000000]) {
          mc.ctx.mxcsr = 0x1f80;
          mc.mem.dv.setUint32(DATA, bad >>> 0, true);
          mc.ctx.rip = CODE_BASE;
          mc.cpu.run(mc.ctx, 100);
          expect(mc.ctx.faultSignal).to.equal(SIGSEGV);
          expect(mc.ctx.faultCode).to.equal(SI_KERNEL);
          expect(mc.ctx.faultAddr).to.equal(0);
          expect(mc.ctx.rip).to.equal(CODE_BASE);
          expect(mc.ctx.mxcsr).to.equal(0x1f80);
        }
      });

      it('an unmasked exception raises SIGFPE with its si_code and leaves the destination alone', () => {
        const unmask = (flag: number, rc = RN): number => mx(rc) & ~(flag << 7);
        const cases: [Form, In, number, number][] = [
          [fx('Divsd_xmm_xmmm64'), { x0: lanes64([b64(1), 7n]), x1: lanes64([0n, 0n]), mxcsr: unmask(ZE) }, FPE_FLTDIV, ZE],
          [fx('Addps_xmm_xmmm128'), { x0: [0x7f800001, 0, 0, 0], x1: [0, 0, 0, 0], mxcsr: unmask(IE) }, FPE_FLTINV, IE],
          [fx('Mulss_xmm_xmmm32'), { x0: [b32(3e38), 0, 0, 0], x1: [b32(10), 0, 0, 0], mxcsr: unmask(OE) }, FPE_FLTOVF, OE | PE],
          [fx('Mulsd_xmm_xmmm64'), { x0: lanes64([b64(2 ** -1022), 0n]), x1: lanes64([b64(0.5), 0n]), mxcsr: unmask(UE) }, FPE_FLTUND, UE],
          [fx('Divss_xmm_xmmm32'), { x0: [b32(1), 0, 0, 0], x1: [b32(3), 0, 0, 0], mxcsr: unmask(PE) }, FPE_FLTRES, PE],
          [fx('Addsd_xmm_xmmm64'), { x0: lanes64([1n, 0n]), x1: lanes64([0n, 0n]), mxcsr: unmask(DE) }, FPE_FLTUND, DE],
          [fx('Comiss_xmm_xmmm32'), { x0: [0x7fc00000, 0, 0, 0], x1: [0, 0, 0, 0], mxcsr: unmask(IE), rflags: 0x202 | CF }, FPE_FLTINV, IE],
          [{ code: 'Cvttsd2si_r32_xmmm64', dst: 'r32', src: 'xmm' }, { x1: lanes64([b64(1e10), 0n]), rax: 5n, mxcsr: unmask(IE) }, FPE_FLTINV, IE],
        ];
        for (const [form, inp, code, flags] of cases) {
          for (const variant of ['reg', 'mem'] as const) {
            const o = run(form, variant, inp, tier);
            expect(o.fault, `${form.code} ${variant}`).to.deep.equal({ sig: SIGFPE, code, addr: CODE_BASE });
            expect(o.rip).to.equal(CODE_BASE);
            expect(hex(o.mxcsr), form.code).to.equal(hex(inp.mxcsr! | flags));
            expect(o.x0).to.deep.equal(lanes32(inp.x0 ?? [0, 0, 0, 0]));
            expect(o.rax).to.equal(inp.rax ?? 0n);
            expect(o.rflags).to.equal(inp.rflags ?? 0x202);
          }
        }
        // an unmasked pre-computation exception records only pre-computation flags (here DE, not PE)
        let o = run(fx('Mulps_xmm_xmmm128'), 'reg', { x0: [b32(1 + 2 ** -23), 1, 0, 0], x1: [b32(1 + 2 ** -23), 0, 0, 0], mxcsr: mx(RN) & ~(DE << 7) & ~(PE << 7) }, tier);
        expect(o.fault?.code).to.equal(FPE_FLTUND);
        expect(o.mxcsr & 0x3f).to.equal(DE);
        // a masked pre-computation exception in one lane and an unmasked post-computation one in another: all flags
        o = run(fx('Mulps_xmm_xmmm128'), 'reg', { x0: [b32(1 + 2 ** -23), 1, 0, 0], x1: [b32(1 + 2 ** -23), 0, 0, 0], mxcsr: mx(RN) & ~(PE << 7) }, tier);
        expect(o.fault?.code).to.equal(FPE_FLTRES);
        expect(o.mxcsr & 0x3f).to.equal(DE | PE);
        // sticky flags choose the si_code as Linux does: an old unmasked IE flag outranks the new PE
        o = run(fx('Divss_xmm_xmmm32'), 'reg', { x0: [b32(1), 0, 0, 0], x1: [b32(3), 0, 0, 0], mxcsr: (mx(RN) | IE) & ~(PE << 7) & ~(IE << 7) }, tier);
        expect(o.fault?.code).to.equal(FPE_FLTINV);
        // FTZ does not apply while underflow is unmasked
        o = run(fx('Mulsd_xmm_xmmm64'), 'reg', { x0: lanes64([b64(2 ** -1022), 0n]), x1: lanes64([b64(0.5), 0n]), mxcsr: unmask(UE) | FZ }, tier);
        expect(o.fault?.code).to.equal(FPE_FLTUND);
      });

      it('misaligned m128 operands of the packed forms raise #GP; scalar and m64 forms do not care', () => {
        const packed = ['Addps_xmm_xmmm128', 'Addpd_xmm_xmmm128', 'Subps_xmm_xmmm128', 'Subpd_xmm_xmmm128', 'Mulps_xmm_xmmm128',
          'Mulpd_xmm_xmmm128', 'Divps_xmm_xmmm128', 'Divpd_xmm_xmmm128', 'Minps_xmm_xmmm128', 'Minpd_xmm_xmmm128',
          'Maxps_xmm_xmmm128', 'Maxpd_xmm_xmmm128', 'Sqrtps_xmm_xmmm128', 'Sqrtpd_xmm_xmmm128', 'Rcpps_xmm_xmmm128',
          'Rsqrtps_xmm_xmmm128', 'Andps_xmm_xmmm128', 'Andpd_xmm_xmmm128', 'Andnps_xmm_xmmm128', 'Andnpd_xmm_xmmm128',
          'Orps_xmm_xmmm128', 'Orpd_xmm_xmmm128', 'Xorps_xmm_xmmm128', 'Xorpd_xmm_xmmm128', 'Cvtdq2ps_xmm_xmmm128',
          'Cvtps2dq_xmm_xmmm128', 'Cvttps2dq_xmm_xmmm128', 'Cvtpd2ps_xmm_xmmm128', 'Cvtpd2dq_xmm_xmmm128', 'Cvttpd2dq_xmm_xmmm128'];
        for (const code of packed) {
          for (const off of [1, 4, 8, 12]) {
            const o = run(fx(code), 'mem', { x0: [1, 2, 3, 4], x1: [b32(1), b32(2), b32(3), b32(4)] }, tier, off);
            expect(o.fault, `${code} +${off}`).to.deep.equal({ sig: SIGSEGV, code: SI_KERNEL, addr: 0 });
            expect(o.x0).to.deep.equal([1, 2, 3, 4]);
          }
        }
        for (const code of ['Cmpps_xmm_xmmm128_imm8', 'Cmppd_xmm_xmmm128_imm8']) {
          const o = run(fx(code, 0), 'mem', {}, tier, 8);
          expect(o.fault).to.deep.equal({ sig: SIGSEGV, code: SI_KERNEL, addr: 0 });
        }
        const scalar = ['Addss_xmm_xmmm32', 'Addsd_xmm_xmmm64', 'Sqrtsd_xmm_xmmm64', 'Cvtps2pd_xmm_xmmm64', 'Cvtdq2pd_xmm_xmmm64',
          'Cvtss2sd_xmm_xmmm32', 'Cvtsd2ss_xmm_xmmm64', 'Ucomisd_xmm_xmmm64'];
        for (const code of scalar) {
          const o = run(fx(code), 'mem', { x1: [b32(1), b32(2), 0, 0] }, tier, 1);
          expect(o.fault, code).to.equal(null);
        }
      });

      it('a memory source past the end of RAM faults with SIGSEGV at the first bad byte', () => {
        const a = new Asm().i('Addsd_xmm_xmmm64', 'xmm0', m('rbx')).i('Ud2');
        const mc = program(a, tier);
        mc.ctx.setReg(3, mc.mem.size - 4);
        mc.ctx.rip = CODE_BASE;
        mc.cpu.run(mc.ctx, 100);
        expect(mc.ctx.faultSignal).to.equal(SIGSEGV);
        expect(mc.ctx.faultAddr).to.equal(mc.mem.size);
        expect(mc.ctx.rip).to.equal(CODE_BASE);
      });
    });
  }
});

/**
 * The x87 family. Expected values come from three independent sources:
 * known constants and hand-derived status words; an exact BigInt model of
 * IEEE rounding to 80-bit, double and float formats (below), against which
 * seeded random operands are checked in every rounding and precision mode;
 * and values recorded on a real x86-64 processor (AMD EPYC) for behaviour
 * the manuals leave to the implementation (marked "hardware").
 */
import { expect } from 'chai';
import iced from 'iced-x86';
import { Asm, machine, m, DATA, CODE_BASE, type Machine } from './asm.js';
import { CpuContext, ExitReason, SIGFPE, SIGILL, supportedCodes } from '../../cpu/index.js';

const { Code } = iced;

// ---------------------------------------------------------------- 80-bit values

const M64 = (1n << 64n) - 1n;
/** An 80-bit value as a bigint: sign and exponent in bits 64..79, significand below. */
const X = (se: number, mant: bigint): bigint => (BigInt(se) << 64n) | mant;
const hex80 = (x: bigint): string => `${(x >> 64n).toString(16).padStart(4, '0')}:${(x & M64).toString(16).padStart(16, '0')}`;

const ONE = X(0x3fff, 1n << 63n);
const TWO = X(0x4000, 1n << 63n);
const THREE = X(0x4000, 3n << 62n);
const HALF = X(0x3ffe, 1n << 63n);
const NEG = (x: bigint): bigint => x ^ (1n << 79n);
const PZERO = 0n;
const NZERO = X(0x8000, 0n);
const PINF = X(0x7fff, 1n << 63n);
const NINF = NEG(PINF);
const INDEF = X(0xffff, 0xcn << 60n);
const QNAN = (payload: bigint, neg = false): bigint => X(neg ? 0xffff : 0x7fff, (0xcn << 60n) | payload);
const SNAN = (payload: bigint, neg = false): bigint => X(neg ? 0xffff : 0x7fff, (0x8n << 60n) | payload);

/** 80-bit image of a double (exact). */
function fromDouble(d: number): bigint {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, d, true);
  const bits = dv.getBigUint64(0, true);
  const s = bits >> 63n, e = Number((bits >> 52n) & 0x7ffn), f = bits & ((1n << 52n) - 1n);
  if (e === 0x7ff) return X(Number(s) << 15 | 0x7fff, (1n << 63n) | (f << 11n));
  if (e === 0) {
    if (f === 0n) return X(Number(s) << 15, 0n);
    let mant = f, ex = 1 - 1023 + 16383;
    while (mant < 1n << 52n) { mant <<= 1n; ex--; }
    return X(Number(s) << 15 | ex, mant << 11n);
  }
  return X(Number(s) << 15 | (e - 1023 + 16383), (1n << 63n) | (f << 11n));
}

// ---------------------------------------------------------------- reference rounding (BigInt)

interface Fin { s: number; n: bigint; d: bigint } // (-1)^s * n / d, n > 0
type Ref = { kind: 'fin'; v: Fin } | { kind: 'zero'; s: number } | { kind: 'inf'; s: number };

function decode(x: bigint): Ref {
  const se = Number(x >> 64n), s = se >> 15, e = se & 0x7fff, mant = x & M64;
  if (e === 0x7fff) return { kind: 'inf', s };
  if (mant === 0n) return { kind: 'zero', s };
  const k = (e === 0 ? 1 : e) - 16383 - 63;
  return { kind: 'fin', v: k >= 0 ? { s, n: mant << BigInt(k), d: 1n } : { s, n: mant, d: 1n << BigInt(-k) } };
}

const bitlen = (v: bigint): number => v.toString(2).length;

interface Fmt { prec: number; emin: number; emax: number }
const EXT = (prec: number): Fmt => ({ prec, emin: -16382, emax: 16383 });
const DBL: Fmt = { prec: 53, emin: -1022, emax: 1023 };
const FLT: Fmt = { prec: 24, emin: -126, emax: 127 };

interface Rounded { over: boolean; zero: boolean; n: bigint; q: number; normal: boolean; pe: boolean; ue: boolean; up: boolean; toInf: boolean }

/** Rounds |v| to the format under rc (0 nearest even, 1 down, 2 up, 3 zero): n * 2^q. */
function roundFin(v: Fin, f: Fmt, rc: number): Rounded {
  let E = bitlen(v.n) - bitlen(v.d);
  const ge = (e: number) => (e >= 0 ? v.n >= v.d << BigInt(e) : v.n << BigInt(-e) >= v.d);
  if (!ge(E)) E--;
  const toInf = rc === 0 || (rc === 1 && v.s === 1) || (rc === 2 && v.s === 0);
  if (E > f.emax) return { over: true, zero: false, n: 0n, q: 0, normal: true, pe: true, ue: false, up: toInf, toInf };
  let q = Math.max(E, f.emin) - (f.prec - 1);
  const num = q >= 0 ? v.n : v.n << BigInt(-q);
  const den = q >= 0 ? v.d << BigInt(q) : v.d;
  let n = num / den;
  const rem = num - n * den;
  const pe = rem !== 0n;
  let inc = false;
  if (pe) {
    if (rc === 0) inc = 2n * rem > den || (2n * rem === den && (n & 1n) === 1n);
    else if (rc === 1) inc = v.s === 1;
    else if (rc === 2) inc = v.s === 0;
  }
  if (inc) n++;
  if (n === 1n << BigInt(f.prec)) { n >>= 1n; q++; }
  const normal = n >= 1n << BigInt(f.prec - 1);
  if (normal && q + f.prec - 1 > f.emax) return { over: true, zero: false, n: 0n, q: 0, normal: true, pe: true, ue: false, up: toInf, toInf };
  return { over: false, zero: n === 0n, n, q, normal, pe, ue: pe && tinyAfterRounding(v, E, f, rc), up: inc, toInf };
}

/** x86 detects tininess after rounding: |v| rounded to the precision with an unbounded exponent is below 2^emin. */
function tinyAfterRounding(v: Fin, E: number, f: Fmt, rc: number): boolean {
  if (E >= f.emin) return false;
  if (E < f.emin - 1) return true;
  // E = emin - 1: only a carry out of an all-ones significand reaches 2^emin
  const q = E - (f.prec - 1);
  const num = q >= 0 ? v.n : v.n << BigInt(-q), den = q >= 0 ? v.d << BigInt(q) : v.d;
  const n = num / den, rem = num - n * den;
  let inc = false;
  if (rem !== 0n) {
    if (rc === 0) inc = 2n * rem > den || (2n * rem === den && (n & 1n) === 1n);
    else if (rc === 1) inc = v.s === 1;
    else if (rc === 2) inc = v.s === 0;
  }
  return !(inc && n + 1n === 1n << BigInt(f.prec));
}

interface ExtResult { x: bigint; exc: number; up: boolean }
const IE = 1, DE = 2, ZE = 4, OE = 8, UE = 0x10, PE = 0x20, SF = 0x40;
const C0 = 0x100, C1 = 0x200, C2 = 0x400, C3 = 0x4000;

function packExt(s: number, r: Rounded, prec: number): ExtResult {
  const exc = (r.pe ? PE : 0) | (r.ue ? UE : 0) | (r.over ? OE | PE : 0);
  if (r.over) {
    if (r.toInf) return { x: X(s << 15 | 0x7fff, 1n << 63n), exc, up: true };
    const mant = ((1n << BigInt(prec)) - 1n) << BigInt(64 - prec);
    return { x: X(s << 15 | 0x7ffe, mant), exc, up: false };
  }
  if (r.zero) return { x: X(s << 15, 0n), exc, up: r.up };
  const mant = r.n << BigInt(64 - prec);
  const e = r.normal ? r.q + prec - 1 + 16383 : 0;
  return { x: X(s << 15 | e, mant), exc, up: r.up };
}

/** Reference result of an 80-bit operation given as an exact rational (or zero with its sign). */
function refExt(v: Ref, prec: number, rc: number): ExtResult {
  if (v.kind === 'zero') return { x: X(v.s << 15, 0n), exc: 0, up: false };
  if (v.kind === 'inf') return { x: X(v.s << 15 | 0x7fff, 1n << 63n), exc: 0, up: false };
  return packExt(v.v.s, roundFin(v.v, EXT(prec), rc), prec);
}

function neg(v: Ref): Ref {
  if (v.kind === 'fin') return { kind: 'fin', v: { ...v.v, s: v.v.s ^ 1 } };
  return { kind: v.kind, s: v.s ^ 1 };
}
/** Exact sum of finite or zero values (zero sign by the IEEE rule for rc). */
function exactAdd(a: Ref, b: Ref, rc: number): Ref {
  if (a.kind === 'zero' && b.kind === 'zero') return { kind: 'zero', s: a.s === b.s ? a.s : rc === 1 ? 1 : 0 };
  if (a.kind === 'zero') return b;
  if (b.kind === 'zero') return a;
  if (a.kind !== 'fin' || b.kind !== 'fin') throw new Error('finite only');
  const d = a.v.d > b.v.d ? a.v.d : b.v.d;
  const na = (a.v.s ? -1n : 1n) * a.v.n * (d / a.v.d), nb = (b.v.s ? -1n : 1n) * b.v.n * (d / b.v.d);
  const n = na + nb;
  if (n === 0n) return { kind: 'zero', s: rc === 1 ? 1 : 0 };
  return { kind: 'fin', v: { s: n < 0n ? 1 : 0, n: n < 0n ? -n : n, d } };
}
function exactMul(a: Ref, b: Ref): Ref {
  if (a.kind === 'fin' && b.kind === 'fin') return { kind: 'fin', v: { s: a.v.s ^ b.v.s, n: a.v.n * b.v.n, d: a.v.d * b.v.d } };
  if (a.kind === 'inf' || b.kind === 'inf') throw new Error('finite only');
  const sa = a.kind === 'fin' ? a.v.s : a.s, sb = b.kind === 'fin' ? b.v.s : b.s;
  return { kind: 'zero', s: sa ^ sb };
}
function exactDiv(a: Ref, b: Ref): Ref {
  if (a.kind !== 'fin' || b.kind !== 'fin') throw new Error('finite nonzero only');
  return { kind: 'fin', v: { s: a.v.s ^ b.v.s, n: a.v.n * b.v.d, d: a.v.d * b.v.n } };
}
function isqrt(v: bigint): bigint {
  if (v < 2n) return v;
  let x = 1n << BigInt(Math.ceil(bitlen(v) / 2));
  for (;;) {
    const y = (x + v / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}
/** sqrt of a positive finite value as a rational that rounds like it (exact, or a midpoint 200 bits down). */
function exactSqrt(a: Fin): Fin {
  // a = n/d; sqrt(n/d) = sqrt(n*d)/d; scale by 2^400 for the extra bits
  const t = 200n;
  const v = (a.n * a.d) << (2n * t);
  const s = isqrt(v);
  if (s * s === v) return { s: 0, n: s, d: a.d << t };
  return { s: 0, n: 2n * s + 1n, d: (a.d << t) * 2n };
}

/** Bits of a narrow store (m32 in lo, m64 as a 64-bit bigint) for finite, zero, or infinite values. */
function refNarrow(v: Ref, f: Fmt, rc: number): { bits: bigint; exc: number; up: boolean } {
  const ebits = f === DBL ? 11 : 8, mbits = f.prec - 1, width = BigInt(1 + ebits + mbits);
  const s = v.kind === 'fin' ? v.v.s : v.s;
  const sign = BigInt(s) << (width - 1n);
  const expAll = ((1n << BigInt(ebits)) - 1n) << BigInt(mbits);
  if (v.kind === 'zero') return { bits: sign, exc: 0, up: false };
  if (v.kind === 'inf') return { bits: sign | expAll, exc: 0, up: false };
  const r = roundFin(v.v, f, rc);
  if (r.over) {
    const bits = r.toInf ? sign | expAll : sign | (expAll - (1n << BigInt(mbits))) | ((1n << BigInt(mbits)) - 1n);
    return { bits, exc: OE | PE, up: r.toInf };
  }
  const exc = (r.pe ? PE : 0) | (r.ue ? UE : 0);
  if (r.zero) return { bits: sign, exc, up: r.up };
  if (!r.normal) return { bits: sign | r.n, exc, up: r.up };
  const e = BigInt(r.q + f.prec - 1 + (f === DBL ? 1023 : 127));
  return { bits: sign | (e << BigInt(mbits)) | (r.n - (1n << BigInt(mbits))), exc, up: r.up };
}

/** Round to integer: n (signed) and flags. */
function refInt(v: Ref, rc: number): { n: bigint; pe: boolean; up: boolean } {
  if (v.kind === 'zero') return { n: 0n, pe: false, up: false };
  if (v.kind !== 'fin') throw new Error('finite only');
  let n = v.v.n / v.v.d;
  const rem = v.v.n - n * v.v.d;
  let inc = false;
  if (rem !== 0n) {
    if (rc === 0) inc = 2n * rem > v.v.d || (2n * rem === v.v.d && (n & 1n) === 1n);
    else if (rc === 1) inc = v.v.s === 1;
    else if (rc === 2) inc = v.v.s === 0;
  }
  if (inc) n++;
  return { n: v.v.s ? -n : n, pe: rem !== 0n, up: inc };
}

// ---------------------------------------------------------------- seeded random values

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function randMant(r: () => number): bigint {
  const kind = Math.floor(r() * 6);
  const w = () => BigInt(Math.floor(r() * 4294967296));
  let mant = (w() << 32n) | w();
  if (kind === 0) mant = M64 - BigInt(Math.floor(r() * 4096));            // runs of ones
  else if (kind === 1) mant = (1n << 63n) + BigInt(Math.floor(r() * 4096)); // near a power of two
  else if (kind === 2) mant &= ~((1n << BigInt(11 + Math.floor(r() * 40))) - 1n); // short significands
  return mant | (1n << 63n);
}
/** A random finite 80-bit value with exponent near `center` (spread s); center 0: a denormal. */
function randVal(r: () => number, center = 16383, spread = 70): bigint {
  const sign = r() < 0.5 ? 0x8000 : 0;
  if (center === 0) return X(sign, randMant(r) >> BigInt(1 + Math.floor(r() * 63)));
  const e = Math.max(1, Math.min(0x7ffe, center + Math.floor((r() - 0.5) * 2 * spread)));
  return X(sign | e, randMant(r));
}
/** A value close to a (same or neighbouring exponent), for cancellation. */
function nearVal(r: () => number, a: bigint): bigint {
  const se = Number(a >> 64n);
  const e = Math.max(1, Math.min(0x7ffe, (se & 0x7fff) + Math.floor(r() * 3) - 1));
  let mant = a & M64;
  mant ^= BigInt(Math.floor(r() * 4294967296)) & ((1n << BigInt(1 + Math.floor(r() * 32))) - 1n);
  return X((r() < 0.5 ? se & 0x8000 : (se & 0x8000) ^ 0x8000) | e, mant | (1n << 63n));
}

// ---------------------------------------------------------------- running x87 programs

const FXA = DATA + 0x10000; // fxsave scratch image
const MEM = DATA;           // operands, [rbx]

interface X87State { fcw: number; fsw: number; tag: number; st: bigint[] }

/** Physical tags for n valid registers at the top of a stack whose TOP is top. */
const tagsFor = (n: number, top: number): number => {
  let t = 0;
  for (let i = 0; i < n; i++) t |= 1 << ((top + i) & 7);
  return t;
};

class X87 {
  readonly mc: Machine;
  constructor(a: Asm, tier: 'interp' | 'compiled' | 'hot' = 'interp') {
    a.i('Ud2');
    this.mc = machine(a.assemble(CODE_BASE), tier);
  }
  get ctx(): CpuContext { return this.mc.ctx; }
  /** Loads the x87 state through cpu.fxrstor: st[0] is ST(0); the rest of the registers are empty. */
  set(st: bigint[], o: { fcw?: number; fsw?: number; top?: number; tag?: number } = {}): this {
    const top = o.top ?? ((8 - st.length) & 7);
    const dv = this.mc.mem.dv;
    this.mc.mem.u8.fill(0, FXA, FXA + 512);
    dv.setUint16(FXA, o.fcw ?? 0x037f, true);
    dv.setUint16(FXA + 2, ((o.fsw ?? 0) & ~0x3800) | (top << 11), true);
    dv.setUint8(FXA + 4, o.tag ?? tagsFor(st.length, top));
    dv.setUint32(FXA + 24, 0x1f80, true);
    st.forEach((x, i) => {
      dv.setBigUint64(FXA + 32 + 16 * i, x & M64, true);
      dv.setUint16(FXA + 40 + 16 * i, Number(x >> 64n), true);
    });
    this.mc.cpu.fxrstor(this.ctx, FXA);
    return this;
  }
  /** Runs to the final ud2; returns the exit for programs expected to stop earlier. */
  go(rflags = 0x202): { reason: ExitReason; signal: number; code: number; addr: number } {
    const ctx = this.ctx;
    ctx.rip = CODE_BASE;
    ctx.setReg(3, MEM);
    ctx.setReg(4, 0x80000);
    ctx.setRflags(rflags);
    const reason = this.mc.cpu.run(ctx, 10_000);
    return { reason, signal: ctx.faultSignal, code: ctx.faultCode, addr: ctx.faultAddr };
  }
  run(rflags = 0x202): X87State {
    const r = this.go(rflags);
    if (r.reason !== ExitReason.Fault || r.signal !== SIGILL) throw new Error(`program stopped early: ${this.ctx.faultDetail}`);
    return this.state();
  }
  state(): X87State {
    this.mc.cpu.fxsave(this.ctx, FXA);
    const dv = this.mc.mem.dv;
    const st: bigint[] = [];
    for (let i = 0; i < 8; i++) st.push((BigInt(dv.getUint16(FXA + 40 + 16 * i, true)) << 64n) | dv.getBigUint64(FXA + 32 + 16 * i, true));
    return { fcw: dv.getUint16(FXA, true), fsw: dv.getUint16(FXA + 2, true), tag: dv.getUint8(FXA + 4), st };
  }
  get dv(): DataView { return this.mc.mem.dv; }
  poke80(off: number, x: bigint): void { this.dv.setBigUint64(MEM + off, x & M64, true); this.dv.setUint16(MEM + off + 8, Number(x >> 64n), true); }
  peek80(off: number): bigint { return (BigInt(this.dv.getUint16(MEM + off + 8, true)) << 64n) | this.dv.getBigUint64(MEM + off, true); }
}

const top = (s: X87State): number => (s.fsw >> 11) & 7;
const flagsOf = (s: X87State): number => s.fsw & 0x7f;
const ccOf = (s: X87State): number => s.fsw & (C0 | C1 | C2 | C3);
const fcw = (rc: number, pc = 3): number => 0x7f | (pc << 8) | (rc << 10);

/** One instruction on fresh state, for table-driven checks. */
function one(code: string, ...ops: (string | ReturnType<typeof m>)[]): X87 {
  return new X87(new Asm().i(code, ...ops));
}
/** The same on a chosen tier (a program run more than 4 times is compiled there). */
function oneOn(tier: 'interp' | 'compiled' | 'hot', code: string, ...ops: (string | ReturnType<typeof m>)[]): X87 {
  return new X87(new Asm().i(code, ...ops), tier);
}

// ================================================================== tests

describe('x87', () => {
  describe('loads and stores', () => {
    it('fld/fstp m80 round-trip every encoding exactly, including unsupported ones', () => {
      const p = new X87(new Asm().i('Fld_m80fp', m('rbx', 0)).i('Fstp_m80fp', m('rbx', 16)));
      const vals = [ONE, NEG(THREE), PZERO, NZERO, PINF, NINF, INDEF, QNAN(0x123n), SNAN(1n), X(0x0000, 0x4000n << 48n),
        X(0x8000, 1n << 63n) /* pseudo-denormal */, X(0x3fff, 1n << 62n) /* unnormal */, X(0x7ffe, M64), X(0x0001, 1n << 63n),
        X(0x7fff, 0n) /* pseudo-infinity */];
      for (const v of vals) {
        p.set([]).poke80(0, v);
        const s = p.run();
        expect(hex80(p.peek80(16)), hex80(v)).to.equal(hex80(v));
        expect(flagsOf(s), hex80(v)).to.equal(0);
        expect(top(s)).to.equal(0);
        expect(s.tag).to.equal(0);
      }
    });

    it('fld m64 and m32 widen exactly; SNaN quieted with IE; denormals set DE', () => {
      const p64 = new X87(new Asm().i('Fld_m64fp', m('rbx', 0)));
      const cases: [number, bigint][] = [[1, ONE], [-3, NEG(THREE)], [0.1, fromDouble(0.1)], [5e-324, X(0x3bcd, 1n << 63n)],
        [-0, NZERO], [Infinity, PINF], [Number.MAX_VALUE, X(0x43fe, M64 - 0x7ffn)]];
      for (const [d, want] of cases) {
        p64.set([]);
        p64.dv.setFloat64(MEM, d, true);
        const s = p64.run();
        expect(hex80(s.st[0]), String(d)).to.equal(hex80(want));
        expect(flagsOf(s), String(d)).to.equal(d === 5e-324 ? DE : 0);
      }
      // hardware: fld m64 SNaN 0x7ff0000000000001 -> 7fff:c000000000000800, IE
      p64.set([]);
      p64.dv.setBigUint64(MEM, 0x7ff0000000000001n, true);
      let s = p64.run();
      expect(hex80(s.st[0])).to.equal('7fff:c000000000000800');
      expect(flagsOf(s)).to.equal(IE);

      const p32 = new X87(new Asm().i('Fld_m32fp', m('rbx', 0)));
      p32.set([]);
      p32.dv.setUint32(MEM, 0x7f800001, true); // hardware: 7fff:c000010000000000, IE
      s = p32.run();
      expect(hex80(s.st[0])).to.equal('7fff:c000010000000000');
      expect(flagsOf(s)).to.equal(IE);
      p32.set([]);
      p32.dv.setFloat32(MEM, -1.5, true);
      expect(hex80(p32.run().st[0])).to.equal(hex80(NEG(X(0x3fff, 3n << 62n))));
      p32.set([]);
      p32.dv.setUint32(MEM, 1, true); // smallest float denormal 2^-149
      s = p32.run();
      expect(hex80(s.st[0])).to.equal(hex80(X(16383 - 149, 1n << 63n)));
      expect(flagsOf(s)).to.equal(DE);
    });

    it('fst/fstp m64 and m32 round by RC like the reference model (seeded)', () => {
      const r = rng(64);
      const p64 = new X87(new Asm().i('Fst_m64fp', m('rbx', 0)));
      const p32 = new X87(new Asm().i('Fstp_m32fp', m('rbx', 8)));
      for (let k = 0; k < 600; k++) {
        const mode = k & 3;
        // exponents around the double and float ranges, their denormals and overflow
        const centers = [16383, 16383 - 1022, 16383 + 1023, 16383 - 126, 16383 + 127, 16383 - 1070];
        const v = randVal(r, centers[k % centers.length], 30);
        p64.set([v], { fcw: fcw(mode) });
        let s = p64.run();
        const w = refNarrow(decode(v), DBL, mode);
        expect(p64.dv.getBigUint64(MEM, true).toString(16), `${hex80(v)} rc${mode}`).to.equal(w.bits.toString(16));
        expect(flagsOf(s), `${hex80(v)} rc${mode} flags`).to.equal(w.exc);
        expect((s.fsw & C1) !== 0, `${hex80(v)} C1`).to.equal(w.up);
        expect(s.st[0]).to.equal(v);
        p32.set([v], { fcw: fcw(mode) });
        s = p32.run();
        const f = refNarrow(decode(v), FLT, mode);
        expect(p32.dv.getUint32(MEM + 8, true).toString(16), `${hex80(v)} rc${mode} m32`).to.equal(f.bits.toString(16));
        expect(flagsOf(s), `${hex80(v)} m32 flags`).to.equal(f.exc);
        expect((s.fsw & C1) !== 0).to.equal(f.up);
        expect(top(s)).to.equal(0);
        expect(s.tag).to.equal(0);
      }
    });

    it('fst m32/m64 of specials: NaN payloads, SNaN -> IE, infinities, zeros (hardware values)', () => {
      const p = new X87(new Asm().i('Fst_m32fp', m('rbx', 0)).i('Fst_m64fp', m('rbx', 8)));
      const cases: [bigint, number, bigint, number][] = [
        [QNAN(0x123456789abcdefn), 0x7fc12345, 0x7ff82468acf13579n, 0],
        [SNAN(0x1000000000n), 0x7fc00000, 0x7ff8000002000000n, IE],
        [NINF, 0xff800000, 0xfff0000000000000n, 0],
        [NZERO, 0x80000000, 0x8000000000000000n, 0],
        [INDEF, 0xffc00000, 0xfff8000000000000n, 0],
        [X(0x3fff, 1n << 62n), 0xffc00000, 0xfff8000000000000n, IE], // unnormal: invalid
      ];
      for (const [v, f32, f64, exc] of cases) {
        p.set([v]);
        const s = p.run();
        expect(p.dv.getUint32(MEM, true).toString(16), hex80(v)).to.equal(f32.toString(16));
        expect(p.dv.getBigUint64(MEM + 8, true).toString(16), hex80(v)).to.equal(f64.toString(16));
        expect(flagsOf(s)).to.equal(exc);
      }
    });

    it('fild m16/m32/m64 load exactly, extremes included', () => {
      const cases: [string, number, bigint, bigint][] = [
        ['Fild_m16int', 2, 0x8000n, NEG(X(16383 + 15, 1n << 63n))],
        ['Fild_m16int', 2, 0x7fffn, X(16383 + 14, 0x7fffn << 49n)],
        ['Fild_m32int', 4, 0xffffffffn, NEG(ONE)],
        ['Fild_m32int', 4, 0x80000000n, NEG(X(16383 + 31, 1n << 63n))],
        ['Fild_m64int', 8, 0x8000000000000000n, NEG(X(16383 + 63, 1n << 63n))],
        ['Fild_m64int', 8, 0x7fffffffffffffffn, X(16383 + 62, (M64 >> 1n) << 1n)],
        ['Fild_m64int', 8, 0n, PZERO],
        ['Fild_m64int', 8, 12345678901234567n, X(16383 + 53, 12345678901234567n << 10n)],
      ];
      for (const [code, size, raw, want] of cases) {
        const p = one(code, m('rbx', 0)).set([]);
        for (let b = 0; b < size; b++) p.dv.setUint8(MEM + b, Number((raw >> BigInt(8 * b)) & 0xffn));
        const s = p.run();
        expect(hex80(s.st[0]), `${code} ${raw}`).to.equal(hex80(want));
        expect(flagsOf(s)).to.equal(0);
        expect(top(s)).to.equal(7);
      }
    });

    it('fist/fistp m16/m32/m64 round by RC; overflow and NaN give the integer indefinite with IE', () => {
      const vals = [2.5, -2.5, 1.5, -1.5, 0.5, -0.5, 3.7, -3.2, 32767.5, -32768.4, 1e10, -(2 ** 31) - 0.5, 2 ** 63, -(2 ** 63), 1e300];
      const widths: [string, string, number][] = [['Fist_m16int', 'Fistp_m16int', 16], ['Fist_m32int', 'Fistp_m32int', 32], ['Fistp_m64int', 'Fistp_m64int', 64]];
      for (const [stCode, stpCode, bits] of widths) {
        for (const code of new Set([stCode, stpCode])) {
          const p = one(code, m('rbx', 0));
          for (const v of vals) {
            for (let mode = 0; mode < 4; mode++) {
              p.set([fromDouble(v)], { fcw: fcw(mode) });
              p.dv.setBigUint64(MEM, 0x1111111111111111n, true);
              const s = p.run();
              const ref = refInt(decode(fromDouble(v)), mode);
              const lim = 1n << BigInt(bits - 1);
              const over = ref.n >= lim || ref.n < -lim;
              const want = over ? lim : BigInt.asUintN(bits, ref.n);
              const got = p.dv.getBigUint64(MEM, true) & ((1n << BigInt(bits)) - 1n);
              expect(got.toString(16), `${code} ${v} rc${mode}`).to.equal(want.toString(16));
              expect(flagsOf(s), `${code} ${v} rc${mode}`).to.equal(over ? IE : ref.pe ? PE : 0);
              expect((s.fsw & C1) !== 0, `${code} ${v} rc${mode} C1`).to.equal(!over && ref.up);
              expect(top(s)).to.equal(code.startsWith('Fistp') ? 0 : 7);
            }
          }
        }
      }
      for (const v of [INDEF, PINF, SNAN(5n)]) {
        const p = one('Fistp_m64int', m('rbx', 0)).set([v]);
        const s = p.run();
        expect(p.dv.getBigUint64(MEM, true)).to.equal(1n << 63n);
        expect(flagsOf(s)).to.equal(IE);
      }
    });

    it('fisttp m16/m32/m64 truncate whatever RC says', () => {
      for (const [code, bits] of [['Fisttp_m16int', 16], ['Fisttp_m32int', 32], ['Fisttp_m64int', 64]] as const) {
        const p = one(code, m('rbx', 0));
        for (const [v, want] of [[2.9, 2n], [-2.9, -2n], [-0.7, 0n], [1e5, 100000n], [-32768.9, -32768n]] as const) {
          p.set([fromDouble(v)], { fcw: fcw(2) });
          const s = p.run();
          const lim = 1n << BigInt(bits - 1);
          const w = want >= lim || want < -lim ? lim : BigInt.asUintN(bits, want);
          const got = p.dv.getBigUint64(MEM, true) & ((1n << BigInt(bits)) - 1n);
          expect(got, `${code} ${v}`).to.equal(w);
          expect(top(s)).to.equal(0);
          expect(s.fsw & C1).to.equal(0);
        }
      }
      // hardware: fisttp m16 of -32769.8 -> 0x8000 with IE
      const p = one('Fisttp_m16int', m('rbx', 0)).set([X(0xc00e, 0x8001ccccccccccccdn)]);
      const s = p.run();
      expect(p.dv.getUint16(MEM, true)).to.equal(0x8000);
      expect(flagsOf(s)).to.equal(IE);
    });

    it('constants are rounded by RC as on hardware', () => {
      const table: [string, string[]][] = [
        ['Fldpi', ['4000:c90fdaa22168c235', '4000:c90fdaa22168c234', '4000:c90fdaa22168c235', '4000:c90fdaa22168c234']],
        ['Fldl2t', ['4000:d49a784bcd1b8afe', '4000:d49a784bcd1b8afe', '4000:d49a784bcd1b8aff', '4000:d49a784bcd1b8afe']],
        ['Fldl2e', ['3fff:b8aa3b295c17f0bc', '3fff:b8aa3b295c17f0bb', '3fff:b8aa3b295c17f0bc', '3fff:b8aa3b295c17f0bb']],
        ['Fldlg2', ['3ffd:9a209a84fbcff799', '3ffd:9a209a84fbcff798', '3ffd:9a209a84fbcff799', '3ffd:9a209a84fbcff798']],
        ['Fldln2', ['3ffe:b17217f7d1cf79ac', '3ffe:b17217f7d1cf79ab', '3ffe:b17217f7d1cf79ac', '3ffe:b17217f7d1cf79ab']],
        ['Fld1', Array(4).fill(hex80(ONE))],
        ['Fldz', Array(4).fill(hex80(PZERO))],
      ];
      for (const [code, want] of table) {
        const p = one(code);
        for (let mode = 0; mode < 4; mode++) {
          const s = p.set([], { fcw: fcw(mode), fsw: C3 | C2 | C1 | C0 }).run();
          expect(hex80(s.st[0]), `${code} rc${mode}`).to.equal(want[mode]);
          // hardware: C1 cleared, C0 C2 C3 kept, no exception
          expect(s.fsw & 0xff7f & ~0x3800, code).to.equal(C3 | C2 | C0);
        }
      }
    });

    it('fld st(i), fst st(i), fstp st(i) and the fstp aliases copy exactly', () => {
      const a = NEG(X(0x4001, 0xdeadbeefcafef00dn | (1n << 63n)));
      let s = one('Fld_sti', 'st2').set([ONE, TWO, a]).run();
      expect(s.st.slice(0, 4)).to.deep.equal([a, ONE, TWO, a]);
      expect(top(s)).to.equal(4);
      s = one('Fst_sti', 'st2').set([a, ONE, TWO]).run();
      expect(s.st.slice(0, 3)).to.deep.equal([a, ONE, a]);
      for (const code of ['Fstp_sti', 'Fstp_sti_DFD0', 'Fstp_sti_DFD8', 'Fstpnce_sti']) {
        s = one(code, 'st2').set([a, ONE, TWO]).run();
        expect(s.st.slice(0, 2), code).to.deep.equal([ONE, a]);
        expect(top(s), code).to.equal(6);
        expect(s.tag, code).to.equal(tagsFor(2, 6));
      }
      // fstp st(0) just pops
      s = one('Fstp_sti', 'st0').set([a, ONE]).run();
      expect(s.st[0]).to.equal(ONE);
      expect(s.tag).to.equal(tagsFor(1, 7));
    });
  });

  describe('arithmetic', () => {
    type Op = 'add' | 'sub' | 'mul' | 'div';
    const refOp = (op: Op, a: bigint, b: bigint, prec: number, rc: number): ExtResult => {
      const A = decode(a), B = decode(b);
      const v = op === 'add' ? exactAdd(A, B, rc) : op === 'sub' ? exactAdd(A, neg(B), rc) : op === 'mul' ? exactMul(A, B) : exactDiv(A, B);
      return refExt(v, prec, rc);
    };
    const CODES: Record<Op, string> = { add: 'Fadd_st0_sti', sub: 'Fsub_st0_sti', mul: 'Fmul_st0_sti', div: 'Fdiv_st0_sti' };

    for (const [op, tier] of [['add', 'interp'], ['sub', 'interp'], ['mul', 'interp'], ['div', 'interp'], ['add', 'compiled'], ['mul', 'compiled']] as const) {
      it(`${op}: correctly rounded at 64, 53 and 24 bits in all four modes (seeded, vs BigInt model, ${tier})`, () => {
        const r = rng(op.length * 7919 + op.charCodeAt(0) + (tier === 'compiled' ? 1 : 0));
        const p = oneOn(tier, CODES[op], 'st0', 'st1');
        let n = 0;
        for (const pc of [3, 2, 0]) {
          const prec = pc === 3 ? 64 : pc === 2 ? 53 : 24;
          for (let mode = 0; mode < 4; mode++) {
            for (let k = 0; k < 120; k++) {
              // near and below the smallest normal, near overflow, and ordinary magnitudes
              const a = k % 10 === 0 ? randVal(r, 1, 40) : k % 10 === 5 ? randVal(r, 0) : randVal(r);
              const b = op === 'add' || op === 'sub' ? (k & 1 ? nearVal(r, a) : randVal(r))
                : k % 10 === 1 ? randVal(r, 0x7ffe - 30, 30) : k % 10 === 2 ? randVal(r, 0x7ffe - 30, 30) ^ (0x7f00n << 64n) : randVal(r);
              const s = p.set([a, b], { fcw: fcw(mode, pc) }).run();
              const w = refOp(op, a, b, prec, mode);
              const tag = `${op} ${hex80(a)} ${hex80(b)} pc${prec} rc${mode}`;
              expect(hex80(s.st[0]), tag).to.equal(hex80(w.x));
              expect(flagsOf(s) & ~DE, tag).to.equal(w.exc);
              expect(flagsOf(s) & DE, `${tag} DE`).to.equal((a >> 64n) & 0x7fffn && (b >> 64n) & 0x7fffn ? 0 : DE);
              expect((s.fsw & C1) !== 0, `${tag} C1`).to.equal(w.up);
              n++;
            }
          }
        }
        expect(n).to.equal(3 * 4 * 120);
      });
    }

    it('fsqrt: correctly rounded at 64, 53 and 24 bits in all four modes (seeded)', () => {
      const r = rng(99);
      const p = one('Fsqrt');
      for (const pc of [3, 2, 0]) {
        const prec = pc === 3 ? 64 : pc === 2 ? 53 : 24;
        for (let mode = 0; mode < 4; mode++) {
          for (let k = 0; k < 100; k++) {
            let a = randVal(r, k % 7 === 0 ? 1 : 16383, 200);
            a &= ~(1n << 79n);
            const s = p.set([a], { fcw: fcw(mode, pc) }).run();
            const d = decode(a);
            if (d.kind !== 'fin') throw new Error('finite');
            const w = refExt({ kind: 'fin', v: exactSqrt(d.v) }, prec, mode);
            const tag = `sqrt ${hex80(a)} pc${prec} rc${mode}`;
            expect(hex80(s.st[0]), tag).to.equal(hex80(w.x));
            expect(flagsOf(s) & ~DE, tag).to.equal(w.exc);
            expect((s.fsw & C1) !== 0, tag).to.equal(w.up);
          }
        }
      }
      // exact squares, -0, negatives, infinity
      const cases: [bigint, bigint, number][] = [[X(0x4002, 9n << 60n), THREE, 0], [NZERO, NZERO, 0], [NEG(ONE), INDEF, IE], [PINF, PINF, 0], [NINF, INDEF, IE]];
      for (const [a, want, exc] of cases) {
        const s = p.set([a]).run();
        expect(hex80(s.st[0]), hex80(a)).to.equal(hex80(want));
        expect(flagsOf(s)).to.equal(exc);
      }
    });

    it('musl printf rounding probe: 2^64 + small == 2^64 exactly when it should (fadd at 64 bits)', () => {
      // vfprintf's fmt_fp decides rounding with `round + small != round`, round = 2/LDBL_EPSILON = 2^64
      const p = new X87(new Asm().i('Fld_m80fp', m('rbx', 0)).i('Fadd_m64fp', m('rbx', 16)).i('Fstp_m80fp', m('rbx', 32)));
      const R64 = X(16383 + 64, 1n << 63n);
      const R64p2 = X(16383 + 64, (1n << 63n) + 1n);
      const cases: [bigint, number, bigint][] = [
        [R64, 0.5, R64], [R64, 1, R64], [R64, 1.5, R64p2], [R64p2, 1, X(16383 + 64, (1n << 63n) + 2n)], [R64p2, 0.5, R64p2],
      ];
      for (const [round, small, want] of cases) {
        p.set([]).poke80(0, round);
        p.dv.setFloat64(MEM + 16, small, true);
        p.run();
        expect(hex80(p.peek80(32)), `${hex80(round)} + ${small}`).to.equal(hex80(want));
      }
    });

    it('special operands: infinities, zeros, invalid and zero-divide, signed zeros by RC', () => {
      const t: [string, bigint, bigint, number, bigint, number][] = [
        // code, st0, st1, rc, result, flags
        ['Fadd_st0_sti', PINF, NINF, 0, INDEF, IE],
        ['Fadd_st0_sti', PINF, ONE, 0, PINF, 0],
        ['Fsub_st0_sti', ONE, ONE, 0, PZERO, 0],
        ['Fsub_st0_sti', ONE, ONE, 1, NZERO, 0],
        ['Fadd_st0_sti', NZERO, NZERO, 0, NZERO, 0],
        ['Fadd_st0_sti', NZERO, PZERO, 0, PZERO, 0],
        ['Fadd_st0_sti', NZERO, PZERO, 1, NZERO, 0],
        ['Fmul_st0_sti', PZERO, NINF, 0, INDEF, IE],
        ['Fmul_st0_sti', NZERO, THREE, 0, NZERO, 0],
        ['Fdiv_st0_sti', PZERO, PZERO, 0, INDEF, IE],
        ['Fdiv_st0_sti', PINF, NINF, 0, INDEF, IE],
        ['Fdiv_st0_sti', NEG(ONE), PZERO, 0, NINF, ZE],
        ['Fdiv_st0_sti', ONE, NINF, 0, NZERO, 0],
        ['Fdivr_st0_sti', PZERO, ONE, 0, PINF, ZE],
        ['Fmul_st0_sti', X(0x7ffe, M64), TWO, 0, PINF, OE | PE],
        ['Fmul_st0_sti', X(0x7ffe, M64), TWO, 3, X(0x7ffe, M64), OE | PE],
        ['Fmul_st0_sti', X(0x0001, 1n << 63n), HALF, 0, X(0, 1n << 62n), 0], // exact denormal: no UE when masked
        ['Fmul_st0_sti', X(0x0001, (1n << 63n) | 1n), HALF, 0, X(0, 1n << 62n), UE | PE],
        ['Fadd_st0_sti', X(0, 1n), X(0, 1n), 0, X(0, 2n), DE],
      ];
      for (const [code, a, b, mode, want, exc] of t) {
        const s = one(code, 'st0', 'st1').set([a, b], { fcw: fcw(mode) }).run();
        expect(hex80(s.st[0]), `${code} ${hex80(a)} ${hex80(b)}`).to.equal(hex80(want));
        expect(flagsOf(s), `${code} ${hex80(a)} ${hex80(b)} flags`).to.equal(exc);
      }
    });

    it('NaN operands follow the x87 rules (hardware)', () => {
      const t: [bigint, bigint, bigint, number][] = [
        [QNAN(1n, true), QNAN(1n), QNAN(1n), 0],            // equal significands: the positive one
        [QNAN(1n), QNAN(1n, true), QNAN(1n), 0],
        [QNAN(1n), QNAN(2n, true), QNAN(2n, true), 0],      // larger significand
        [X(0x7fff, 0xbfff000000000000n), QNAN(2n, true), QNAN(2n, true), IE], // QNaN beats SNaN
        [SNAN(1n), SNAN(2n, true), QNAN(2n, true), IE],     // two SNaNs: larger, quieted
        [ONE, SNAN(7n), QNAN(7n), IE],
        [QNAN(3n), PINF, QNAN(3n), 0],
      ];
      for (const [a, b, want, exc] of t) {
        const s = one('Fadd_st0_sti', 'st0', 'st1').set([a, b]).run();
        expect(hex80(s.st[0]), `${hex80(a)} + ${hex80(b)}`).to.equal(hex80(want));
        expect(flagsOf(s)).to.equal(exc);
      }
      // an unsupported operand is invalid
      const s = one('Fmul_st0_sti', 'st0', 'st1').set([X(0x3fff, 1n << 62n), ONE]).run();
      expect(s.st[0]).to.equal(INDEF);
      expect(flagsOf(s)).to.equal(IE);
    });

    describe('every form reaches the right registers', () => {
      // st0 = 6, st1 = 2 (or memory = 2): each op's result is known exactly
      const SIX = X(0x4001, 3n << 62n);
      const r = (op: string): bigint => {
        const v = { add: 8, sub: 4, subr: -4, mul: 12, div: 3, divr: 1 / 3 }[op]!;
        return op === 'divr' ? X(0x3ffd, 0xaaaaaaaaaaaaaaabn) : fromDouble(v);
      };
      const ops = [['Fadd', 'add'], ['Fsub', 'sub'], ['Fsubr', 'subr'], ['Fmul', 'mul'], ['Fdiv', 'div'], ['Fdivr', 'divr']];
      for (const [n, op] of ops) {
        it(`${n}: st0,sti / sti,st0 / p / m32 / m64 / m16int / m32int`, () => {
          let s = one(`${n}_st0_sti`, 'st0', 'st2').set([SIX, ONE, TWO]).run();
          expect(hex80(s.st[0]), `${n} st0,st2`).to.equal(hex80(r(op)));
          expect(s.st.slice(1, 3)).to.deep.equal([ONE, TWO]);
          // st(i) = st(i) op st(0): with st0 = 2, st2 = 6
          s = one(`${n}_sti_st0`, 'st2', 'st0').set([TWO, ONE, SIX]).run();
          expect(hex80(s.st[2]), `${n} st2,st0`).to.equal(hex80(r(op)));
          expect(s.st[0]).to.equal(TWO);
          s = one(`${n}p_sti_st0`, 'st2', 'st0').set([TWO, ONE, SIX]).run();
          expect(hex80(s.st[1]), `${n}p`).to.equal(hex80(r(op)));
          expect(s.st[0]).to.equal(ONE);
          expect(top(s)).to.equal(6);
          expect(s.tag).to.equal(tagsFor(2, 6));
          const mems: [string, (dv: DataView) => void][] = [
            [`${n}_m32fp`, (dv) => dv.setFloat32(MEM, 2, true)],
            [`${n}_m64fp`, (dv) => dv.setFloat64(MEM, 2, true)],
            [`Fi${n.slice(1)}_m16int`, (dv) => dv.setInt16(MEM, 2, true)],
            [`Fi${n.slice(1)}_m32int`, (dv) => dv.setInt32(MEM, 2, true)],
          ];
          for (const [code, poke] of mems) {
            const p = one(code, m('rbx', 0)).set([SIX]);
            poke(p.dv);
            s = p.run();
            expect(hex80(s.st[0]), code).to.equal(hex80(r(op)));
            expect(top(s)).to.equal(7);
          }
        });
      }
      it('integer operands are exact: fiadd m32 -2^31, fimul m16 -1', () => {
        let p = one('Fiadd_m32int', m('rbx', 0)).set([ONE]);
        p.dv.setInt32(MEM, -(2 ** 31), true);
        expect(hex80(p.run().st[0])).to.equal(hex80(fromDouble(1 - 2 ** 31)));
        p = one('Fimul_m16int', m('rbx', 0)).set([THREE]);
        p.dv.setInt16(MEM, -1, true);
        expect(p.run().st[0]).to.equal(NEG(THREE));
      });
    });

    it('frndint rounds by RC (PE, C1 round-up); fabs and fchs flip only the sign', () => {
      const p = one('Frndint');
      for (const v of [2.5, -2.5, 3.5, -0.3, 0.7, 1e20, 1.0000000001, -(2 ** 62) - 0.5]) {
        for (let mode = 0; mode < 4; mode++) {
          const s = p.set([fromDouble(v)], { fcw: fcw(mode) }).run();
          const ref = refInt(decode(fromDouble(v)), mode);
          const want = ref.n === 0n ? (v < 0 ? NZERO : PZERO) : fromDouble(Number(ref.n));
          expect(hex80(s.st[0]), `frndint ${v} rc${mode}`).to.equal(hex80(want));
          expect(flagsOf(s)).to.equal(ref.pe ? PE : 0);
          expect((s.fsw & C1) !== 0).to.equal(ref.up);
        }
      }
      for (const v of [ONE, NEG(THREE), NZERO, PINF, QNAN(5n), SNAN(5n, true)]) {
        let s = one('Fchs').set([v], { fsw: C1 }).run();
        expect(s.st[0], hex80(v)).to.equal(NEG(v));
        expect(s.fsw & 0x7f & ~0x3800).to.equal(0);
        expect(s.fsw & C1).to.equal(0);
        s = one('Fabs').set([v]).run();
        expect(s.st[0], hex80(v)).to.equal(v & ~(1n << 79n));
        expect(flagsOf(s)).to.equal(0);
      }
    });

    it('fscale and fxtract are exact', () => {
      const t: [bigint, bigint, bigint, number][] = [
        [THREE, fromDouble(2.9), X(0x4002, 3n << 62n), 0],
        [THREE, fromDouble(-1.9), X(0x3fff, 3n << 62n), 0],
        [ONE, fromDouble(16384), PINF, OE | PE],
        [ONE, fromDouble(-16445), X(0, 1n), 0],
        [ONE, fromDouble(-16446), PZERO, UE | PE],
        [NZERO, fromDouble(100), NZERO, 0],
        [PZERO, PINF, INDEF, IE],
        [THREE, NINF, PZERO, 0],
        [NINF, NINF, INDEF, IE],
      ];
      for (const [a, b, want, exc] of t) {
        const s = one('Fscale').set([a, b]).run();
        expect(hex80(s.st[0]), `fscale ${hex80(a)} ${hex80(b)}`).to.equal(hex80(want));
        expect(flagsOf(s)).to.equal(exc);
        expect(s.st[1]).to.equal(b);
      }
      let s = one('Fxtract').set([fromDouble(-48)]).run();
      expect(s.st.slice(0, 2)).to.deep.equal([fromDouble(-1.5), fromDouble(5)]);
      expect(top(s)).to.equal(6);
      s = one('Fxtract').set([X(0, 1n)]).run();
      expect(s.st.slice(0, 2)).to.deep.equal([ONE, fromDouble(-16445)]);
      expect(flagsOf(s)).to.equal(DE);
      s = one('Fxtract').set([NZERO]).run();
      expect(s.st.slice(0, 2)).to.deep.equal([NZERO, NINF]);
      expect(flagsOf(s)).to.equal(ZE);
    });

    it('fprem and fprem1: remainders, quotient bits in C0 C3 C1, partial reduction in C2 (hardware)', () => {
      // [instruction, st0, st1, result, fsw bits C3 C2 C1 C0]
      const t: [string, bigint, bigint, bigint, number][] = [
        ['Fprem', fromDouble(17), THREE, TWO, C0 | C1],           // q = 5 = 101b: C0 = Q2, C3 = Q1 = 0, C1 = Q0 = 1
        ['Fprem', fromDouble(-17), THREE, fromDouble(-2), C0 | C1],
        ['Fprem1', fromDouble(17), THREE, fromDouble(-1), C0 | C3], // q = 6 = 110b
        ['Fprem', fromDouble(7), TWO, ONE, C3 | C1],               // q = 3
        ['Fprem', ONE, THREE, ONE, 0],
        ['Fprem1', TWO, THREE, NEG(ONE), C1],                     // q rounds to 1
        ['Fprem1', fromDouble(1.5), THREE, fromDouble(1.5), 0],    // tie: q = 0 (even)
        ['Fprem1', fromDouble(4.5), THREE, fromDouble(-1.5), C3],  // tie: 1.5 rounds to q = 2 (even)
        ['Fprem', fromDouble(6), THREE, PZERO, C3],
        ['Fprem', fromDouble(-6), THREE, NZERO, C3],
        // hardware: D = 64 leaves a partial remainder reduced by 32 + D mod 32 bits, C2 set, C0 C1 C3 cleared
        ['Fprem', X(0x4040, 0x9e06521c8d6e7000n), THREE, X(0x401c, 0xd6e7000000000000n), C2],
        ['Fprem', X(0x4045, 0x9e06521c8d6e7000n), THREE, X(0x401e, 0xb738000000000000n), C2],
        ['Fprem', X(0x40c7, 0x9e06521c8d6e7000n), THREE, X(0x40a0, 0xb738000000000000n), C2],
        ['Fprem', X(0x403f, 0x9e06521c8d6e7000n), THREE, TWO, C3],
        ['Fprem', PINF, THREE, INDEF, 0],
        ['Fprem', ONE, PZERO, INDEF, 0],
        ['Fprem', THREE, PINF, THREE, 0],
      ];
      for (const [code, a, b, want, cc] of t) {
        const s = one(code).set([a, b], { fsw: C3 | C2 | C1 | C0 }).run();
        expect(hex80(s.st[0]), `${code} ${hex80(a)} ${hex80(b)}`).to.equal(hex80(want));
        if (want !== INDEF && a !== THREE) expect(ccOf(s), `${code} ${hex80(a)} C bits`).to.equal(cc);
        expect(s.st[1]).to.equal(b);
      }
      // the musl fmodl loop: repeat fprem until C2 clears; the remainder is exact
      const p = new X87(new Asm().label('l').i('Fprem').i('Fnstsw_AX', 'ax').i('Test_AX_imm16', 'ax', 0x400).i('Jne_rel8_64', { kind: 'label', name: 'l' }));
      const s = p.set([X(0x7ff0, 0xb504f333f9de6484n), fromDouble(0.1)]).run();
      const A = decode(X(0x7ff0, 0xb504f333f9de6484n)), Bv = decode(fromDouble(0.1));
      if (A.kind !== 'fin' || Bv.kind !== 'fin') throw new Error('finite');
      // exact: a - trunc(a/b) b
      const q = (A.v.n * Bv.v.d) / (A.v.d * Bv.v.n);
      const rem = exactAdd(A, neg(exactMul({ kind: 'fin', v: { s: 0, n: q, d: 1n } }, Bv)), 0);
      expect(hex80(s.st[0])).to.equal(hex80(refExt(rem, 64, 0).x));
      expect(s.fsw & C2).to.equal(0);
    });
  });

  describe('exception details (hardware)', () => {
    it('tininess is detected after rounding', () => {
      // (1 + ...)2^-16382 - ...: exact result just below the smallest normal, rounded up to it at 24 bits
      const s = one('Fsubr_sti_st0', 'st1', 'st0').set([X(0x0001, 0xfffffffffffff6a1n), X(0x0001, 0x8000000000000384n)], { fcw: 0x7f | (0 << 8) }).run();
      expect(hex80(s.st[1])).to.equal('0001:8000000000000000');
      expect(flagsOf(s)).to.equal(PE);
      // the same at 64 bits stays tiny: exact, so no UE either when masked
      const t = one('Fsubr_sti_st0', 'st1', 'st0').set([X(0x0001, 0xfffffffffffff6a1n), X(0x0001, 0x8000000000000384n)]).run();
      expect(hex80(t.st[1])).to.equal('0000:7ffffffffffff31d');
      expect(flagsOf(t)).to.equal(0);
    });

    it('unmasked overflow and underflow deliver the result with the exponent biased by 0x6000', () => {
      let s = one('Fmul_st0_sti', 'st0', 'st1').set([X(0x7ffe, 1n << 63n), X(0x7ffe, 1n << 63n)], { fcw: 0x037f & ~OE }).run();
      expect(hex80(s.st[0])).to.equal('5ffd:8000000000000000');
      expect(s.fsw & 0xff).to.equal(0x80 | OE);
      s = one('Fmul_st0_sti', 'st0', 'st1').set([X(0x0001, 1n << 63n), HALF], { fcw: 0x037f & ~UE }).run();
      expect(hex80(s.st[0])).to.equal('6000:8000000000000000');
      expect(s.fsw & 0xff).to.equal(0x80 | UE);
      // beyond even the bias: infinity, OE PE and C1 (fscale by 2^66)
      s = one('Fscale').set([NEG(ONE), X(0x4041, 1n << 63n)], { fcw: 0x0377 }).run();
      expect(s.st[0]).to.equal(NINF);
      expect(s.fsw & (0xff | C1)).to.equal(0x80 | OE | PE | C1);
    });

    it('unmasked invalid, zero-divide or denormal suppress the result and clear C1; stores and pops are skipped', () => {
      let s = one('Faddp_sti_st0', 'st1', 'st0').set([SNAN(1n), ONE], { fcw: 0x037e, fsw: C1 }).run();
      expect(s.st.slice(0, 2)).to.deep.equal([SNAN(1n), ONE]);
      expect(top(s)).to.equal(6);
      expect(s.fsw & (0xff | C1)).to.equal(0x80 | IE);
      // a denormal operand with DM clear: nothing computed, only DE
      s = one('Fdiv_st0_sti', 'st0', 'st1').set([X(0, 1n), THREE], { fcw: 0x037d }).run();
      expect(s.st[0]).to.equal(X(0, 1n));
      expect(s.fsw & 0xff).to.equal(0x80 | DE);
      // fld m64 of a denormal with DM clear still loads (reference processor)
      const p = one('Fld_m64fp', m('rbx', 0)).set([], { fcw: 0x037d });
      p.dv.setBigUint64(MEM, 1n, true);
      s = p.run();
      expect(hex80(s.st[0])).to.equal('3bcd:8000000000000000');
      expect(s.fsw & 0xff).to.equal(0x80 | DE);
      // fstp m64 underflow with UM clear: no store, no pop, UE only
      const q = one('Fstp_m64fp', m('rbx', 0)).set([X(0x0001, 1n << 63n)], { fcw: 0x036f });
      q.dv.setBigUint64(MEM, 0x1234n, true);
      s = q.run();
      expect(q.dv.getBigUint64(MEM, true)).to.equal(0x1234n);
      expect(top(s)).to.equal(7);
      expect(s.fsw & 0xff).to.equal(0x80 | UE);
      // fistp of an SNaN with IM clear: no store, no pop
      const r = one('Fistp_m16int', m('rbx', 0)).set([SNAN(1n)], { fcw: 0x037e });
      r.dv.setUint16(MEM, 0x1111, true);
      s = r.run();
      expect(r.dv.getUint16(MEM, true)).to.equal(0x1111);
      expect(top(s)).to.equal(7);
      // compares still report "unordered" but do not pop
      s = one('Fcompp').set([SNAN(1n), ONE], { fcw: 0x037e, fsw: C1 }).run();
      expect(ccOf(s)).to.equal(C3 | C2 | C0);
      expect(top(s)).to.equal(6);
      const c = one('Fucomip_st0_sti', 'st0', 'st1').set([SNAN(1n), ONE], { fcw: 0x037e });
      s = c.run();
      expect(c.ctx.getRflags() & 0x45).to.equal(0x45);
      expect(top(s)).to.equal(6);
    });

    it('a denormal m32/m64 operand raises DE unless a NaN or a division by zero takes precedence', () => {
      const p = one('Fmul_m64fp', m('rbx', 0));
      p.set([ONE]).dv.setBigUint64(MEM, 1n, true);
      expect(flagsOf(p.run())).to.equal(DE); // 2^-1074 is a normal extended value
      p.set([QNAN(1n)]).dv.setBigUint64(MEM, 1n, true);
      expect(flagsOf(p.run())).to.equal(0);
      const q = one('Fdivr_m64fp', m('rbx', 0));
      q.set([PZERO]).dv.setBigUint64(MEM, 1n, true);
      expect(flagsOf(q.run())).to.equal(ZE);
      // fist never raises DE
      expect(flagsOf(one('Fist_m16int', m('rbx', 0)).set([X(0, 1n)]).run())).to.equal(PE);
    });

    it('fldcw fixes the reserved bits; stack underflow wins over overflow; the d9 d8+i alias does not check', () => {
      const p = one('Fldcw_m2byte', m('rbx', 0));
      for (const [v, want] of [[0xffff, 0x1f7f], [0x0000, 0x0040], [0xc0a0, 0x0060]]) {
        p.set([]).dv.setUint16(MEM, v, true);
        expect(p.run().fcw).to.equal(want);
      }
      // fld st(1) with st(1) empty and a full stack otherwise: underflow (C1 = 0), the indefinite pushed
      let s = one('Fld_sti', 'st1').set([ONE, TWO, THREE, ONE, TWO, THREE, ONE, TWO], { tag: 0xff & ~(1 << 1) }).run();
      expect(s.st[0]).to.equal(INDEF);
      expect(s.fsw & (0xff | C1)).to.equal(IE | SF);
      // fstp1 (d9 d8+i): an empty ST(0) just pops, ST(i) untouched, no exception
      s = one('Fstpnce_sti', 'st2').set([ONE, TWO, THREE], { tag: tagsFor(3, 5) & ~(1 << 5) }).run();
      expect(flagsOf(s)).to.equal(0);
      expect(top(s)).to.equal(6);
      expect(s.st.slice(0, 2)).to.deep.equal([TWO, THREE]);
    });

    it('fsin of tiny arguments rounds like the series (RC matters), with UE for denormal results; fptan gives x', () => {
      // sin x is a hair below x: toward zero gives the next value down; near gives x
      let s = one('Fsin').set([X(0x3f00, 1n << 63n)], { fcw: fcw(3) }).run();
      expect(hex80(s.st[0])).to.equal('3eff:ffffffffffffffff');
      s = one('Fsin').set([X(0x3f00, 1n << 63n)], { fcw: fcw(0) }).run();
      expect(hex80(s.st[0])).to.equal('3f00:8000000000000000');
      expect(flagsOf(s)).to.equal(PE);
      s = one('Fsin').set([X(0x0001, 1n << 63n)], { fcw: fcw(1) }).run();
      expect(hex80(s.st[0])).to.equal('0000:7fffffffffffffff');
      expect(flagsOf(s)).to.equal(PE | UE);
      // tan x: x itself, even rounding up
      s = one('Fptan').set([X(0x3f00, 1n << 63n)], { fcw: fcw(2) }).run();
      expect(hex80(s.st[1])).to.equal('3f00:8000000000000000');
      expect(flagsOf(s)).to.equal(PE);
    });
  });

  describe('compares', () => {
    const rels: [bigint, bigint, string][] = [[TWO, ONE, 'gt'], [ONE, TWO, 'lt'], [ONE, ONE, 'eq'], [NZERO, PZERO, 'eq'], [QNAN(1n), ONE, 'un'], [NINF, X(0, 1n), 'lt']];
    const CC: Record<string, number> = { gt: 0, lt: C0, eq: C3, un: C3 | C2 | C0 };
    const FL: Record<string, number> = { gt: 0, lt: 1, eq: 0x40, un: 0x45 };

    it('fcom/fcomp/fcompp/fucom/fucomp/fucompp and aliases set C3 C2 C0 (C1 cleared) and pop', () => {
      const forms: [string, number, boolean, boolean][] = [
        // code, pops, quiet, has operand
        ['Fcom_st0_sti', 0, false, true], ['Fcom_st0_sti_DCD0', 0, false, true], ['Fcomp_st0_sti', 1, false, true],
        ['Fcomp_st0_sti_DCD8', 1, false, true], ['Fcomp_st0_sti_DED0', 1, false, true], ['Fcompp', 2, false, false],
        ['Fucom_st0_sti', 0, true, true], ['Fucomp_st0_sti', 1, true, true], ['Fucompp', 2, true, false],
      ];
      for (const [code, pops, quiet, operand] of forms) {
        const p = operand ? one(code, 'st0', 'st1') : one(code);
        for (const [a, b, rel] of rels) {
          const s = p.set([a, b], { fsw: C1 }).run();
          expect(ccOf(s), `${code} ${rel}`).to.equal(CC[rel]);
          expect(flagsOf(s), `${code} ${rel}`).to.equal(rel === 'un' && !quiet ? IE : rel === 'lt' && b === X(0, 1n) ? DE : 0);
          expect(top(s), code).to.equal((6 + pops) & 7);
        }
        // SNaN: invalid for both kinds
        expect(flagsOf(p.set([SNAN(1n), ONE]).run())).to.equal(IE);
      }
    });

    it('fcom/ficom with memory operands: m32fp, m64fp, m16int, m32int', () => {
      const forms: [string, (dv: DataView) => void, number][] = [
        ['Fcom_m32fp', (dv) => dv.setFloat32(MEM, 2, true), 0], ['Fcomp_m32fp', (dv) => dv.setFloat32(MEM, 2, true), 1],
        ['Fcom_m64fp', (dv) => dv.setFloat64(MEM, 2, true), 0], ['Fcomp_m64fp', (dv) => dv.setFloat64(MEM, 2, true), 1],
        ['Ficom_m16int', (dv) => dv.setInt16(MEM, 2, true), 0], ['Ficomp_m16int', (dv) => dv.setInt16(MEM, 2, true), 1],
        ['Ficom_m32int', (dv) => dv.setInt32(MEM, 2, true), 0], ['Ficomp_m32int', (dv) => dv.setInt32(MEM, 2, true), 1],
      ];
      for (const [code, poke, pops] of forms) {
        const p = one(code, m('rbx', 0));
        for (const [v, rel] of [[THREE, 'gt'], [ONE, 'lt'], [TWO, 'eq'], [INDEF, 'un']] as const) {
          p.set([v]);
          poke(p.dv);
          const s = p.run();
          expect(ccOf(s), `${code} ${rel}`).to.equal(CC[rel]);
          expect(top(s)).to.equal((7 + pops) & 7);
        }
      }
    });

    it('fcomi/fcomip/fucomi/fucomip set ZF PF CF and clear OF SF AF', () => {
      for (const [code, pops, quiet] of [['Fcomi_st0_sti', 0, false], ['Fcomip_st0_sti', 1, false], ['Fucomi_st0_sti', 0, true], ['Fucomip_st0_sti', 1, true]] as const) {
        const p = one(code, 'st0', 'st1');
        for (const [a, b, rel] of rels) {
          p.set([a, b], { fsw: C1 });
          p.run(0x202 | 0x800 | 0x80 | 0x10);
          const fl = p.ctx.getRflags() & 0x8d5;
          const s = p.state();
          expect(fl, `${code} ${rel}`).to.equal(FL[rel]);
          expect(flagsOf(s), `${code} ${rel}`).to.equal(rel === 'un' && !quiet ? IE : rel === 'lt' && b === X(0, 1n) ? DE : 0);
          expect(top(s)).to.equal((6 + pops) & 7);
          // hardware: C1 left as it was
          expect(s.fsw & C1).to.equal(C1);
        }
      }
    });

    it('ftst compares with +0; fxam classifies (hardware: unnormal and pseudo-infinity are unsupported)', () => {
      for (const [v, rel] of [[ONE, 'gt'], [NEG(ONE), 'lt'], [NZERO, 'eq'], [QNAN(0n), 'un']] as const) {
        const s = one('Ftst').set([v]).run();
        expect(ccOf(s), `ftst ${rel}`).to.equal(CC[rel]);
      }
      const classes: [bigint, number][] = [
        [X(0x3fff, 1n << 62n), 0], [X(0x7fff, 0n), 0], [QNAN(1n), C0], [SNAN(1n, true), C0 | C1], [ONE, C2], [NEG(ONE), C2 | C1],
        [PINF, C2 | C0], [NINF, C2 | C0 | C1], [PZERO, C3], [NZERO, C3 | C1], [X(0, 1n), C3 | C2], [X(0x8000, 1n << 63n), C3 | C2 | C1],
      ];
      for (const [v, cc] of classes) {
        expect(ccOf(one('Fxam').set([v]).run()), hex80(v)).to.equal(cc);
      }
      // empty: C3 C0, C1 = sign of the stale register
      const s = one('Fxam').set([NEG(THREE)], { tag: 0 }).run();
      expect(ccOf(s)).to.equal(C3 | C1 | C0);
    });
  });

  describe('transcendental functions (double precision inside)', () => {
    const near = (got: bigint, want: number, ulps: number, what: string) => {
      const d = decode(got);
      const v = d.kind === 'fin' ? (d.v.s ? -1 : 1) * Number(d.v.n) / Number(d.v.d) : d.kind === 'zero' ? 0 : Infinity;
      expect(Math.abs(v - want), `${what}: ${v} vs ${want}`).to.be.at.most(ulps * Math.max(Number.MIN_VALUE, Math.abs(want) * 2 ** -52));
    };
    it('fsin fcos fptan fsincos f2xm1 fyl2x fyl2xp1 fpatan agree with Math', () => {
      for (const x of [0.5, -1.25, 3, 100.5, 1e-3]) {
        near(one('Fsin').set([fromDouble(x)]).run().st[0], Math.sin(x), 2, `sin ${x}`);
        near(one('Fcos').set([fromDouble(x)]).run().st[0], Math.cos(x), 2, `cos ${x}`);
        let s = one('Fptan').set([fromDouble(x)]).run();
        expect(s.st[0]).to.equal(ONE);
        near(s.st[1], Math.tan(x), 4, `tan ${x}`);
        s = one('Fsincos').set([fromDouble(x)]).run();
        near(s.st[0], Math.cos(x), 2, `sincos/cos ${x}`);
        near(s.st[1], Math.sin(x), 2, `sincos/sin ${x}`);
        expect(top(s)).to.equal(6);
      }
      for (const x of [0.5, -0.75, 1e-5, 1]) near(one('F2xm1').set([fromDouble(x)]).run().st[0], Math.expm1(x * Math.LN2), 3, `f2xm1 ${x}`);
      for (const [x, y] of [[8, 1], [10, 3], [0.3, -2], [1.0000001, 1]]) {
        const s = one('Fyl2x').set([fromDouble(x), fromDouble(y)]).run();
        near(s.st[0], y * Math.log2(x), 3, `fyl2x ${x} ${y}`);
        expect(top(s)).to.equal(7);
      }
      for (const [x, y] of [[0.25, 1], [-0.2, 2], [1e-10, 1]]) near(one('Fyl2xp1').set([fromDouble(x), fromDouble(y)]).run().st[0], y * Math.log1p(x) / Math.LN2, 3, `fyl2xp1 ${x}`);
      for (const [y, x] of [[1, 1], [1, -1], [-2, 0.5], [0, -1], [3, 0]]) near(one('Fpatan').set([fromDouble(x), fromDouble(y)]).run().st[0], Math.atan2(y, x), 2, `fpatan ${y} ${x}`);
    });
    it('special cases: out-of-range sets C2, infinities are invalid, log of 0 divides by zero', () => {
      let s = one('Fsin').set([X(16383 + 63, 1n << 63n)]).run();
      expect(s.fsw & C2).to.equal(C2);
      expect(s.st[0]).to.equal(X(16383 + 63, 1n << 63n));
      s = one('Fcos').set([PINF]).run();
      expect(s.st[0]).to.equal(INDEF);
      expect(flagsOf(s)).to.equal(IE);
      s = one('Fyl2x').set([PZERO, fromDouble(2)]).run();
      expect(s.st[0]).to.equal(NINF);
      expect(flagsOf(s)).to.equal(ZE);
      s = one('Fyl2x').set([NEG(ONE), ONE]).run();
      expect(s.st[0]).to.equal(INDEF);
      expect(flagsOf(s)).to.equal(IE);
      s = one('Fyl2x').set([ONE, PINF]).run();
      expect(s.st[0]).to.equal(INDEF);
      s = one('F2xm1').set([NINF]).run();
      expect(s.st[0]).to.equal(NEG(ONE));
      s = one('Fsin').set([NZERO]).run();
      expect(s.st[0]).to.equal(NZERO);
      expect(flagsOf(s)).to.equal(0);
      // logl(1 + 2^-60) via fldln2; fxch; fyl2x keeps its tiny result
      s = new X87(new Asm().i('Fldln2').i('Fxch_st0_sti', 'st0', 'st1').i('Fyl2x')).set([X(0x3fff, (1n << 63n) | 8n)]).run();
      near(s.st[0], 2 ** -60, 4, 'logl(1+2^-60)');
    });
  });

  describe('stack and control', () => {
    it('pushing onto a full stack: IE SF C1, the indefinite pushed; popping wraps TOP', () => {
      const s = one('Fld1').set([ONE, TWO, THREE, ONE, TWO, THREE, ONE, TWO]).run();
      expect(top(s)).to.equal(7);
      expect(s.st[0]).to.equal(INDEF);
      expect(flagsOf(s)).to.equal(IE | SF);
      expect(s.fsw & C1).to.equal(C1);
      // eight pushes from TOP 0 wrap to 0 and fill every register
      const a = new Asm();
      for (let k = 0; k < 8; k++) a.i('Fld1');
      const p = new X87(a).set([], { top: 0 });
      const t = p.run();
      expect(top(t)).to.equal(0);
      expect(t.tag).to.equal(0xff);
      expect(flagsOf(t)).to.equal(0);
      // a ninth overflows
      expect(flagsOf(new X87(new Asm().i('Fld1').i('Fld1')).set([ONE, TWO, THREE, ONE, TWO, THREE, ONE]).run())).to.equal(IE | SF);
    });

    it('reading an empty register: IE SF, C1 = 0, the indefinite as result (hardware)', () => {
      const t: [string, string[], bigint[], number, bigint[], number][] = [
        // code, operands, stack, tag override, expected stack head, expected TOP
        ['Fadd_st0_sti', ['st0', 'st1'], [ONE], -1, [INDEF], 7],
        ['Faddp_sti_st0', ['st1', 'st0'], [ONE], -1, [INDEF], 0],
        ['Fchs', [], [], -1, [INDEF], 0],
        ['Fld_sti', ['st1'], [ONE], -1, [INDEF, ONE], 6],
        ['Fstp_sti', ['st0'], [], -1, [], 1],
      ];
      for (const [code, ops, st, , head, tp] of t) {
        const s = one(code, ...ops).set(st, { fsw: C1 }).run();
        expect(flagsOf(s), code).to.equal(IE | SF);
        expect(s.fsw & C1, code).to.equal(0);
        expect(s.st.slice(0, head.length).map(hex80), code).to.deep.equal(head.map(hex80));
        expect(top(s), code).to.equal(tp);
      }
      // fxch with an empty register: it takes part as the indefinite
      let s = one('Fxch_st0_sti', 'st0', 'st1').set([ONE]).run();
      expect(s.st.slice(0, 2)).to.deep.equal([INDEF, ONE]);
      expect(s.tag).to.equal(0x81);
      // fstp m64 from empty stores the indefinite; fistp m32 the integer indefinite
      let p = one('Fstp_m64fp', m('rbx', 0)).set([]);
      s = p.run();
      expect(p.dv.getBigUint64(MEM, true)).to.equal(0xfff8000000000000n);
      expect(flagsOf(s)).to.equal(IE | SF);
      p = one('Fistp_m32int', m('rbx', 0)).set([]);
      p.run();
      expect(p.dv.getUint32(MEM, true)).to.equal(0x80000000);
      // compares on empty registers: unordered
      s = one('Fcom_st0_sti', 'st0', 'st1').set([ONE]).run();
      expect(ccOf(s)).to.equal(C3 | C2 | C0);
      expect(flagsOf(s)).to.equal(IE | SF);
    });

    it('fxch swaps (all three encodings); fcmovcc moves on each condition', () => {
      for (const code of ['Fxch_st0_sti', 'Fxch_st0_sti_DDC8', 'Fxch_st0_sti_DFC8']) {
        const s = one(code, 'st0', 'st2').set([ONE, TWO, THREE]).run();
        expect(s.st.slice(0, 3), code).to.deep.equal([THREE, TWO, ONE]);
      }
      const CF = 1, PF = 4, ZF = 0x40;
      const conds: [string, (f: number) => boolean][] = [
        ['Fcmovb_st0_sti', (f) => (f & CF) !== 0], ['Fcmovnb_st0_sti', (f) => (f & CF) === 0],
        ['Fcmove_st0_sti', (f) => (f & ZF) !== 0], ['Fcmovne_st0_sti', (f) => (f & ZF) === 0],
        ['Fcmovbe_st0_sti', (f) => (f & (CF | ZF)) !== 0], ['Fcmovnbe_st0_sti', (f) => (f & (CF | ZF)) === 0],
        ['Fcmovu_st0_sti', (f) => (f & PF) !== 0], ['Fcmovnu_st0_sti', (f) => (f & PF) === 0],
      ];
      for (const [code, taken] of conds) {
        const p = one(code, 'st0', 'st1');
        for (const f of [0, CF, ZF, PF, CF | ZF, CF | PF | ZF]) {
          const s = p.set([ONE, TWO], { fsw: C1 }).run(0x202 | f);
          expect(s.st[0], `${code} flags ${f}`).to.equal(taken(f) ? TWO : ONE);
          expect(flagsOf(s)).to.equal(0);
          expect(s.fsw & C1, 'C1 unchanged').to.equal(C1);
        }
        // hardware: an empty source is a stack underflow and gives the indefinite, taken or not
        const s = p.set([ONE, TWO], { tag: tagsFor(1, 6) }).run(0x202);
        expect(s.st[0]).to.equal(INDEF);
        expect(flagsOf(s)).to.equal(IE | SF);
      }
    });

    it('fldcw/fnstcw/fstcw, fnstsw m16/ax and fstsw, fnclex/fclex, fninit/finit, ffree/ffreep, fincstp/fdecstp', () => {
      let p = new X87(new Asm().i('Fldcw_m2byte', m('rbx', 0)).i('Fnstcw_m2byte', m('rbx', 2)).i('Fstcw_m2byte', m('rbx', 4))
        .i('Fnstsw_m2byte', m('rbx', 6)).i('Fstsw_m2byte', m('rbx', 8)).i('Fnstsw_AX', 'ax'));
      p.set([ONE, TWO], { fsw: C3 | PE });
      p.dv.setUint16(MEM, 0x0c7f, true);
      let s = p.run();
      expect(p.dv.getUint16(MEM + 2, true)).to.equal(0x0c7f);
      expect(p.dv.getUint16(MEM + 4, true)).to.equal(0x0c7f);
      const sw = C3 | PE | (6 << 11);
      expect(p.dv.getUint16(MEM + 6, true)).to.equal(sw);
      expect(p.dv.getUint16(MEM + 8, true)).to.equal(sw);
      expect(p.ctx.gpr[0] & 0xffff).to.equal(sw);
      expect(s.fcw).to.equal(0x0c7f);
      s = one('Fstsw_AX', 'ax').set([ONE]).run();
      expect(p.ctx.gpr[0] & 0xffff).to.equal(sw);

      for (const code of ['Fnclex', 'Fclex']) {
        s = one(code).set([ONE], { fsw: 0x47ff & ~0x80 }).run();
        expect(s.fsw & ~0x3800, code).to.equal(0x4700);
      }
      for (const code of ['Fninit', 'Finit']) {
        s = one(code).set([ONE, TWO], { fcw: 0x0f7f, fsw: 0x4723 }).run();
        expect([s.fcw, s.fsw, s.tag], code).to.deep.equal([0x037f, 0, 0]);
      }
      s = one('Ffree_sti', 'st1').set([ONE, TWO], { fsw: C3 | C2 | C1 | C0 }).run();
      expect(s.tag).to.equal(tagsFor(1, 6));
      expect(ccOf(s)).to.equal(C3 | C2 | C0);
      s = one('Ffreep_sti', 'st1').set([ONE, TWO]).run();
      expect(top(s)).to.equal(7);
      expect(s.tag).to.equal(0);
      s = one('Fincstp').set([ONE, TWO], { fsw: C3 | C2 | C1 | C0 }).run();
      expect(top(s)).to.equal(7);
      expect(s.tag).to.equal(tagsFor(2, 6));
      expect(ccOf(s)).to.equal(C3 | C2 | C0);
      s = one('Fdecstp').set([ONE], { top: 0 }).run();
      expect(top(s)).to.equal(7);
      expect(s.st[1]).to.equal(ONE);
      p = new X87(new Asm().i('Fnop').i('Wait'));
      expect(flagsOf(p.set([]).run())).to.equal(0);
    });

    it('fnstenv/fstenv store the 28-byte environment as hardware does and mask exceptions; fldenv loads it', () => {
      // hardware (after fninit; fld1; fldz; fldpi): ffff037f ffff2804 ffff1bff with pi/0 = inf on top
      const p = new X87(new Asm().i('Fninit').i('Fld1').i('Fldz').i('Fldpi').i('Fdiv_st0_sti', 'st0', 'st1').i('Fnstenv_m28byte', m('rbx', 0)));
      p.set([]);
      const s = p.run();
      const words = [0, 1, 2, 3, 4, 5, 6].map((k) => p.dv.getUint32(MEM + 4 * k, true));
      // the instruction and operand pointers are not tracked: 0 (hardware would have fdiv's address here)
      expect(words.map((w) => w.toString(16))).to.deep.equal(['ffff037f', 'ffff2804', 'ffff1bff', '0', '0', '0', 'ffff0000']);
      expect(s.fcw).to.equal(0x037f);

      const q = one('Fstenv_m28byte', m('rbx', 0)).set([ONE], { fcw: 0x0f40, fsw: C2 });
      const t = q.run();
      expect(t.fcw).to.equal(0x0f7f);
      expect(q.dv.getUint32(MEM, true)).to.equal(0xffff0f40);
      expect(q.dv.getUint32(MEM + 8, true)).to.equal(0xffff3fff);
      const p16 = one('Fnstenv_m14byte', m('rbx', 0)).set([]);
      p16.run();
      expect([0, 2, 4, 6].map((k) => p16.dv.getUint16(MEM + k, true))).to.deep.equal([0x037f, 0, 0xffff, 0]);

      // fldenv: control, status (TOP), tags (only empty/non-empty matter)
      const l = one('Fldenv_m28byte', m('rbx', 0)).set([ONE, TWO, THREE]);
      l.dv.setUint32(MEM, 0x0b7f, true);
      l.dv.setUint32(MEM + 4, 0x4120 | (5 << 11), true);
      l.dv.setUint32(MEM + 8, 0xfff0 | 0x0001, true); // physical 0 zero-tagged, 1 valid, rest empty
      const u = l.run();
      expect([u.fcw, u.fsw, u.tag]).to.deep.equal([0x0b7f, 0x4120 | (5 << 11), 0x03]);
      const l16 = one('Fldenv_m14byte', m('rbx', 0)).set([]);
      l16.dv.setUint16(MEM, 0x027f, true);
      l16.dv.setUint16(MEM + 2, 3 << 11, true);
      l16.dv.setUint16(MEM + 4, 0x3fff, true);
      const v = l16.run();
      expect([v.fcw, v.fsw, v.tag]).to.deep.equal([0x027f, 3 << 11, 0x80]);
    });

    it('fnsave/fsave store environment and registers then reinitialize; frstor restores (108 and 94 bytes)', () => {
      const vals = [ONE, NEG(THREE), QNAN(9n), X(0x4005, 0x8123456789abcdefn)];
      for (const [save, rstor, env] of [['Fnsave_m108byte', 'Frstor_m108byte', 28], ['Fsave_m108byte', 'Frstor_m108byte', 28], ['Fnsave_m94byte', 'Frstor_m94byte', 14]] as const) {
        const p = one(save, m('rbx', 0)).set(vals, { fcw: 0x027f, fsw: C1 });
        const s = p.run();
        expect([s.fcw, s.fsw, s.tag]).to.deep.equal([0x037f, 0, 0]);
        for (let k = 0; k < 4; k++) expect(hex80(p.peek80(env + 10 * k)), save).to.equal(hex80(vals[k]));
        const image = p.mc.mem.u8.slice(MEM, MEM + env + 80);
        const r = one(rstor, m('rbx', 0)).set([]);
        r.mc.mem.u8.set(image, MEM);
        const t = r.run();
        expect(t.st.slice(0, 4), rstor).to.deep.equal(vals);
        expect([t.fcw, t.fsw, t.tag]).to.deep.equal([0x027f, C1 | (4 << 11), 0xf0]);
      }
    });

    it('cpu.fxsave/fxrstor carry the exact 80-bit registers, tags, TOP, control and status', () => {
      const vals = [X(0x3fff, (1n << 63n) | 1n), NEG(X(0x0000, 5n)), SNAN(3n), X(0x7ffe, M64)];
      const p = one('Fld1').set(vals, { fcw: 0x0a7f, fsw: C3 | PE });
      const s = p.run();
      expect(s.st.slice(0, 5)).to.deep.equal([ONE, ...vals]);
      expect([s.fcw, s.fsw, s.tag]).to.deep.equal([0x0a7f, C3 | PE | (3 << 11), tagsFor(5, 3)]);
      // the engine's double view follows the exact values
      expect(p.ctx.fpr[3]).to.equal(1);
      expect(p.ctx.fpr[4]).to.equal(1 + 2 ** -63 === 1 ? 1 : NaN);
      // a context copy keeps them exact
      const copy = new CpuContext();
      copy.copyFrom(p.ctx);
      p.mc.cpu.fxsave(copy, FXA);
      expect(p.state().st.slice(0, 5)).to.deep.equal([ONE, ...vals]);
    });

    it('a double written into ctx.fpr directly replaces the register', () => {
      const p = one('Fadd_st0_sti', 'st0', 'st1').set([X(0x3fff, (1n << 63n) | 1n), ONE]);
      p.ctx.fpr[(p.ctx.fpTop) & 7] = 0.5;
      expect(p.run().st[0]).to.equal(fromDouble(1.5));
      const q = one('Fadd_st0_sti', 'st0', 'st1').set([QNAN(1n), ONE]);
      const nan = new Float64Array(new BigUint64Array([0xfff4000000000000n]).buffer)[0];
      q.ctx.fpr[q.ctx.fpTop] = nan;
      expect(hex80(q.run().st[0])).to.equal(hex80(X(0xffff, 0xe000000000000000n)));
    });

    it('unmasked exceptions: the result is suppressed, ES and B set, and the next waiting instruction raises SIGFPE', () => {
      const a = new Asm().i('Fdiv_st0_sti', 'st0', 'st1').i('Fnstsw_m2byte', m('rbx', 0)).i('Fld1');
      const p = new X87(a).set([ONE, PZERO], { fcw: 0x037f & ~ZE });
      const r = p.go();
      expect(r.reason).to.equal(ExitReason.Fault);
      expect(r.signal).to.equal(SIGFPE);
      expect(r.code).to.equal(3); // FPE_FLTDIV
      const fldAddr = CODE_BASE + 2 + 2; // fdiv (2 bytes), fnstsw [rbx] (2 bytes)
      expect(r.addr).to.equal(fldAddr);
      expect(p.ctx.rip).to.equal(fldAddr);
      expect(p.dv.getUint16(MEM, true)).to.equal(0x8000 | 0x80 | ZE | (6 << 11)); // fnstsw does not wait
      const s = p.state();
      expect(s.st[0]).to.equal(ONE); // unchanged
      expect(top(s)).to.equal(6);
      // invalid with IM clear: FPE_FLTINV; fnclex then lets execution continue
      const q = new X87(new Asm().i('Fsqrt').i('Fnclex').i('Fld1')).set([NEG(ONE)], { fcw: 0x037e });
      const t = q.run();
      expect(t.st.slice(0, 2)).to.deep.equal([ONE, NEG(ONE)]);
      const w = new X87(new Asm().i('Fsqrt').i('Wait')).set([NEG(ONE)], { fcw: 0x037e }).go();
      expect([w.signal, w.code, w.addr]).to.deep.equal([SIGFPE, 7, CODE_BASE + 2]);
      // fldcw unmasking an already-set flag makes it pending
      const u = new X87(new Asm().i('Fldcw_m2byte', m('rbx', 0)).i('Fld1'));
      u.set([], { fsw: PE });
      u.dv.setUint16(MEM, 0x035f, true);
      const v = u.go();
      expect([v.signal, v.code]).to.deep.equal([SIGFPE, 6]);
    });

    it('memory faults leave the x87 state untouched', () => {
      const p = new X87(new Asm().i('Fstp_m80fp', m('rsi', 0)));
      p.set([ONE, TWO]);
      p.ctx.setReg(6, 8); // page 0: faults
      const ctx = p.ctx;
      ctx.rip = CODE_BASE;
      const r = p.mc.cpu.run(ctx, 100);
      expect(r).to.equal(ExitReason.Fault);
      expect(ctx.faultSignal).to.equal(11);
      const s = p.state();
      expect(top(s)).to.equal(6);
      expect(s.st.slice(0, 2)).to.deep.equal([ONE, TWO]);
    });
  });

  describe('compiled tier', () => {
    it('runs a long-double loop (sum of 1/k^2) the same in both tiers', () => {
      const build = () => new Asm()
        .i('Fldz')
        .i('Mov_r32_imm32', 'ecx', 200)
        .label('l')
        .i('Mov_rm32_r32', m('rbx', 0), 'ecx')
        .i('Fild_m32int', m('rbx', 0))
        .i('Fmul_st0_sti', 'st0', 'st0')
        .i('Fld1')
        .i('Fdivrp_sti_st0', 'st1', 'st0')
        .i('Faddp_sti_st0', 'st1', 'st0')
        .i('Dec_rm32', 'ecx')
        .i('Jne_rel32_64', { kind: 'label', name: 'l' })
        .i('Fstp_m80fp', m('rbx', 16));
      const results: bigint[] = [];
      for (const tier of ['interp', 'compiled', 'hot'] as const) {
        const p = new X87(build(), tier).set([]);
        p.run();
        p.run();
        results.push(p.peek80(16));
      }
      expect(results[0]).to.equal(results[1]);
      // reference: the same sum with each step rounded to 64 bits
      let acc: Ref = { kind: 'zero', s: 0 };
      for (let k = 200; k >= 1; k--) {
        const sq = refExt(exactMul(decode(fromDouble(k)), decode(fromDouble(k))), 64, 0).x;
        const inv = refExt(exactDiv(decode(ONE), decode(sq)), 64, 0).x;
        acc = decode(refExt(exactAdd(acc, decode(inv), 0), 64, 0).x);
      }
      expect(hex80(results[0])).to.equal(hex80(refExt(acc, 64, 0).x));
    });
  });

  it('registers every x87 form of the census and the brief', () => {
    const want = [
      'Fld_m32fp', 'Fld_m64fp', 'Fld_m80fp', 'Fld_sti', 'Fst_m32fp', 'Fst_m64fp', 'Fstp_m32fp', 'Fstp_m64fp', 'Fstp_m80fp',
      'Fst_sti', 'Fstp_sti', 'Fild_m16int', 'Fild_m32int', 'Fild_m64int', 'Fist_m16int', 'Fist_m32int', 'Fistp_m16int',
      'Fistp_m32int', 'Fistp_m64int', 'Fisttp_m16int', 'Fisttp_m32int', 'Fisttp_m64int', 'Fcomi_st0_sti', 'Fcomip_st0_sti',
      'Fucomi_st0_sti', 'Fucomip_st0_sti', 'Fxam', 'Ftst', 'Fprem', 'Fprem1', 'Fscale', 'Fxtract', 'Fpatan', 'Fptan', 'Fsin',
      'Fcos', 'Fsincos', 'Fyl2x', 'Fyl2xp1', 'F2xm1', 'Fnstcw_m2byte', 'Fldcw_m2byte', 'Fnstsw_AX', 'Fnstsw_m2byte', 'Fnclex',
      'Fninit', 'Ffree_sti', 'Fincstp', 'Fdecstp', 'Fnstenv_m28byte', 'Fldenv_m28byte', 'Wait', 'Fcmovb_st0_sti',
      'Fcmovnu_st0_sti', 'Fxch_st0_sti', 'Fchs', 'Fabs', 'Fsqrt', 'Frndint', 'Fld1', 'Fldz', 'Fldpi', 'Fldl2e', 'Fldl2t',
      'Fldlg2', 'Fldln2', 'Fcompp', 'Fucompp', 'Ficomp_m32int', 'Fidivr_m16int', 'Fsubrp_sti_st0', 'Fnsave_m108byte',
      'Frstor_m108byte',
    ];
    const have = supportedCodes();
    for (const n of want) expect(have.has((Code as unknown as Record<string, number>)[n]), n).to.equal(true);
  });
});

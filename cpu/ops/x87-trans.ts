/**
 * x87 transcendental instructions: fsin fcos fsincos fptan fpatan fyl2x
 * fyl2xp1 f2xm1. Special operands (NaNs, infinities, zeros, the invalid and
 * zero-divide cases of the SDM's tables) are handled exactly; finite
 * results come from JavaScript's Math in double precision, with the
 * operand's low bits fed in as a first-order correction where it matters
 * (docs/cpu.md, "x87 precision").
 */
import type { Core } from '../core.js';
import type { Exec, Insn } from '../insn.js';
import { def, codes } from '../registry.js';
import {
  Ext, FX, DE, IE, PE, UE, ZE, add, copy, div, exponentOf, fromDouble, indefinite, isDenormal, isInf, isZero, mul, nan1, nan2,
  scaledDouble, setInf, setOne, setZero, split, SPLIT, isUnsupported, normalizeTo1, nudge,
} from './x87-float.js';
import {
  A, B, C1, C2, R, R2, begin, rc as rcOf, full, getSt, pop, push, pushRaw, putSt, raiseFx, setC1, stackOverflow, underflow, valid, wait,
} from './x87-state.js';

const LN2 = new Ext(), LOG2E = new Ext();
// ln 2 and log2(e) rounded to 64 bits
LN2.s = 0; LN2.e = 0x3ffe; LN2.h = 0xb17217f7; LN2.l = 0xd1cf79ac;
LOG2E.s = 0; LOG2E.e = 0x3fff; LOG2E.h = 0xb8aa3b29; LOG2E.l = 0x5c17f0bc;

/** |x| >= 2^63: fsin fcos fsincos fptan leave the operand and set C2. */
function outOfRange(x: Ext): boolean { return x.e !== 0x7fff && !isZero(x) && !isUnsupported(x) && exponentOf(x) >= 63; }
/** |x| < 2^-40: sin x and tan x round to x, cos x to 1, at 64 bits. */
function tiny(x: Ext): boolean { return !isZero(x) && exponentOf(x) < -40; }

/** The result of an approximation is inexact even when its last rounding was exact: PE, and UE when denormal. */
function inexactTiny(r: Ext): void {
  FX.exc |= r.e === 0 && !isZero(r) ? PE | UE : PE;
}

/** Result of a finite double computation into r; PE unless exact. */
function fromMath(r: Ext, v: number, exact: boolean): void {
  fromDouble(r, v);
  if (!exact) FX.exc |= PE;
}

/** sin and cos of finite in-range x into rs, rc (either may be null); mode = rounding control for tiny x. */
function sinCos(x: Ext, rs: Ext | null, rc: Ext | null, mode: number): void {
  if (isZero(x)) {
    if (rs) copy(rs, x);
    if (rc) setOne(rc, 0);
    return;
  }
  FX.exc |= PE;
  // a denormal operand: DE, and sin x = x is a tiny inexact result
  if (isDenormal(x)) FX.exc |= DE;
  if (tiny(x)) {
    // sin x = x - x^3/6 and cos x = 1 - x^2/2: a hair below x and 1
    if (rs) nudge(rs, x, -1, mode);
    if (rc) { setOne(T3, 0); nudge(rc, T3, -1, mode); }
    return;
  }
  split(x);
  const h = SPLIT.hi, l = SPLIT.lo;
  const s = Math.sin(h), co = Math.cos(h);
  if (rs) fromDouble(rs, s + co * l);
  if (rc) fromDouble(rc, co - s * l);
}

/** Finite |x| >= 2^63 (not a NaN nor unsupported): C2 = 1 and nothing else. C2 is cleared otherwise, whatever happens. */
function trig(f: (x: Ext, r: Ext, mode: number) => void) {
  return (i: Insn): Exec => {
    i.writes = false;
    return (c: Core, i: Insn) => {
      wait(c, i);
      const ctx = c.ctx;
      begin(ctx);
      getSt(ctx, 0, A);
      if (valid(ctx, 0) && outOfRange(A)) { ctx.fpStatus |= C2; return; }
      ctx.fpStatus &= ~C2;
      if (!valid(ctx, 0)) {
        if (underflow(ctx)) return;
        indefinite(R);
        putSt(ctx, 0, R);
        return;
      }
      if (!nan1(R, A)) {
        if (isInf(A)) { FX.exc |= IE; indefinite(R); } else f(A, R, rcOf(ctx));
      }
      if (raiseFx(ctx)) return;
      ctx.fpStatus &= ~C1;
      putSt(ctx, 0, R);
    };
  };
}
def(codes('Fsin'), trig((x, r, mode) => sinCos(x, r, null, mode)));
def(codes('Fcos'), trig((x, r, mode) => sinCos(x, null, r, mode)));

/** fsincos: ST(0) = sin, then push cos; fptan: ST(0) = tan, then push 1.0. */
function trig2(tan: boolean) {
  return (i: Insn): Exec => {
    i.writes = false;
    return (c: Core, i: Insn) => {
      wait(c, i);
      const ctx = c.ctx;
      begin(ctx);
      getSt(ctx, 0, A);
      if (valid(ctx, 0) && !full(ctx) && outOfRange(A)) { ctx.fpStatus |= C2; return; }
      ctx.fpStatus &= ~C2;
      if (!valid(ctx, 0)) {
        if (underflow(ctx)) return;
        indefinite(R);
        putSt(ctx, 0, R);
        pushRaw(ctx, R);
        return;
      }
      if (full(ctx)) {
        if (stackOverflow(ctx)) return;
        indefinite(R);
        putSt(ctx, 0, R);
        ctx.fpTop = (ctx.fpTop - 1) & 7;
        putSt(ctx, 0, R);
        return;
      }
      if (nan1(R, A)) copy(R2, R);
      else if (isInf(A)) { FX.exc |= IE; indefinite(R); indefinite(R2); } else if (tan) {
        tangent(A, R);
        setOne(R2, 0);
      } else sinCos(A, R, R2, rcOf(ctx));
      if (raiseFx(ctx)) return;
      ctx.fpStatus &= ~C1;
      putSt(ctx, 0, R);
      push(ctx, R2);
    };
  };
}
function tangent(x: Ext, r: Ext): void {
  if (isZero(x)) { copy(r, x); return; }
  FX.exc |= PE;
  if (isDenormal(x)) FX.exc |= DE;
  // tan x = x + x^3/3 rounds to x; the reference processor gives x under every rounding mode
  if (tiny(x)) { copy(r, x); inexactTiny(r); return; }
  split(x);
  const t = Math.tan(SPLIT.hi);
  fromDouble(r, t + (1 + t * t) * SPLIT.lo);
}
def(codes('Fsincos'), trig2(false));
def(codes('Fptan'), trig2(true));

/** Runs f(ST(0), ST(1)) into ST(1) and pops (fpatan, fyl2x, fyl2xp1); mode = rounding control. */
function into1(f: (x: Ext, y: Ext, r: Ext, mode: number) => void) {
  return (i: Insn): Exec => {
    i.writes = false;
    return (c: Core, i: Insn) => {
      wait(c, i);
      const ctx = c.ctx;
      begin(ctx);
      if (!valid(ctx, 0) || !valid(ctx, 1)) {
        if (underflow(ctx)) return;
        indefinite(R);
      } else {
        getSt(ctx, 0, A);
        getSt(ctx, 1, B);
        if (!nan2(R, B, A)) f(A, B, R, rcOf(ctx));
        if (raiseFx(ctx)) return;
        setC1(ctx, 0);
      }
      putSt(ctx, 1, R);
      pop(ctx);
    };
  };
}

/** fpatan: ST(1) = atan2(ST(1), ST(0)). */
def(codes('Fpatan'), into1((x, y, r, mode) => {
  if (isDenormal(x) || isDenormal(y)) FX.exc |= DE;
  const xs = x.s !== 0 ? -1 : 1, ys = y.s !== 0 ? -1 : 1;
  let xv: number, yv: number;
  if (x.e !== 0x7fff && y.e !== 0x7fff && !isZero(x) && !isZero(y)) {
    const ex = exponentOf(x), ey = exponentOf(y);
    if (x.s === 0 && ey - ex < -60) {
      // atan(t) = t to 64 bits for |t| < 2^-60: the quotient itself, whatever the exponents,
      // rounded by RC (the reference processor does; it matters most for denormal results)
      div(r, y, x, 64, mode);
      // only DE can be set before: PE now means the quotient was rounded. An exact one is a
      // hair above atan(t) in magnitude, which the directed modes see.
      if ((FX.exc & PE) === 0) { copy(T3, r); nudge(r, T3, -1, mode); }
      inexactTiny(r);
      return;
    }
    // both scaled by the larger exponent: their ratio survives values beyond double range
    const sh = Math.max(ex, ey);
    xv = scaledDouble(x, sh);
    yv = scaledDouble(y, sh);
  } else {
    xv = xs * (x.e === 0x7fff ? Infinity : isZero(x) ? 0 : 1);
    yv = ys * (y.e === 0x7fff ? Infinity : isZero(y) ? 0 : 1);
  }
  const v = Math.atan2(yv, xv);
  fromMath(r, v, v === 0);
}));

/** log2 of finite positive x as a double, accurate near 1 too. */
function log2(x: Ext): number {
  const E = exponentOf(x);
  if (E === 0 || E === -1) {
    // x in [0.5, 2): log2(x) = log1p(x - 1) / ln 2, with x - 1 exact
    setOne(T1, 1);
    addExact(T2, x, T1);
    if (isZero(T2)) return 0;
    split(T2);
    return (Math.log1p(SPLIT.hi) + SPLIT.lo / (1 + SPLIT.hi)) * Math.LOG2E;
  }
  const m = scaledDouble(x, E); // in [1, 2)
  return E + Math.log2(m);
}
const T1 = new Ext(), T2 = new Ext(), T3 = new Ext();
function addExact(r: Ext, a: Ext, b: Ext): void { add(r, a, b, 0, 64, 0); }

/** r = y * l (l a double), rounded at 64 bits by mode. */
function times(r: Ext, y: Ext, l: number, mode: number): void {
  fromDouble(T1, l);
  mul(r, y, T1, 64, mode);
}

/** fyl2x: ST(1) = ST(1) * log2(ST(0)). */
def(codes('Fyl2x'), into1((x, y, r, mode) => {
  if (x.s !== 0 && !isZero(x)) { FX.exc |= IE; indefinite(r); return; }
  if (isZero(x)) {
    if (isZero(y)) { FX.exc |= IE; indefinite(r); return; }
    if (y.e !== 0x7fff) FX.exc |= ZE; else if (isDenormal(x)) FX.exc |= DE;
    setInf(r, y.s ^ 1);
    return;
  }
  if (isDenormal(x) || isDenormal(y)) FX.exc |= DE;
  if (x.e === 0x7fff) {
    if (isZero(y)) { FX.exc |= IE; indefinite(r); return; }
    setInf(r, y.s);
    return;
  }
  const l = log2(x);
  if (l === 0) {
    if (y.e === 0x7fff) { FX.exc |= IE; indefinite(r); return; }
    setZero(r, y.s);
    return;
  }
  if (y.e === 0x7fff) { setInf(r, y.s ^ (l < 0 ? 1 : 0)); return; }
  if (isZero(y)) { setZero(r, y.s ^ (l < 0 ? 1 : 0)); return; }
  // inexact in principle (UE when denormal), even when the last multiply was exact
  times(r, y, l, mode);
  inexactTiny(r);
}));

/** fyl2xp1: ST(1) = ST(1) * log2(ST(0) + 1). */
def(codes('Fyl2xp1'), into1((x, y, r, mode) => {
  if (isZero(x)) {
    if (y.e === 0x7fff) { FX.exc |= IE; indefinite(r); return; }
    if (isDenormal(y)) FX.exc |= DE;
    setZero(r, x.s ^ y.s);
    return;
  }
  if (isDenormal(x) || isDenormal(y)) FX.exc |= DE;
  if (x.e !== 0x7fff && exponentOf(x) < -60) {
    // log2(1 + x) = x log2(e) to 64 bits: keep it in extended (it may be far below double range)
    if (y.e === 0x7fff) { setInf(r, y.s ^ x.s); return; }
    if (isZero(y)) { setZero(r, y.s ^ x.s); return; }
    // x normalized first, its exponent applied in the last multiply: no spurious underflow in between
    const k = normalizeTo1(T1, x);
    mul(T2, T1, LOG2E, 64, 0);
    mul(r, y, T2, 64, mode, k);
    inexactTiny(r);
    return;
  }
  let l: number;
  if (x.e === 0x7fff) {
    if (x.s !== 0) { FX.exc |= IE; indefinite(r); return; }
    l = Infinity;
  } else {
    split(x);
    l = (Math.log1p(SPLIT.hi) + SPLIT.lo / (1 + SPLIT.hi)) * Math.LOG2E;
    if (SPLIT.hi < -1 || l !== l) { FX.exc |= IE; indefinite(r); return; }
  }
  if (l === -Infinity) {
    if (isZero(y)) { FX.exc |= IE; indefinite(r); return; }
    if (y.e !== 0x7fff) FX.exc |= ZE;
    setInf(r, y.s ^ 1);
    return;
  }
  if (l === Infinity || y.e === 0x7fff) {
    if (isZero(y) || l === 0) { FX.exc |= IE; indefinite(r); return; }
    setInf(r, y.s ^ (l < 0 ? 1 : 0));
    return;
  }
  if (isZero(y)) { setZero(r, y.s ^ (l < 0 ? 1 : 0)); return; }
  // inexact in principle (UE when denormal), even when the last multiply was exact
  times(r, y, l, mode);
  inexactTiny(r);
}));

/** f2xm1: ST(0) = 2^ST(0) - 1. */
def(codes('F2xm1'), (i) => {
  i.writes = false;
  return (c: Core, i: Insn) => {
    wait(c, i);
    const ctx = c.ctx;
    begin(ctx);
    if (!valid(ctx, 0)) {
      if (underflow(ctx)) return;
      indefinite(R);
      putSt(ctx, 0, R);
      return;
    }
    getSt(ctx, 0, A);
    f2xm1(A, R, rcOf(ctx));
    if (raiseFx(ctx)) return;
    setC1(ctx, 0);
    putSt(ctx, 0, R);
  };
});
function f2xm1(x: Ext, r: Ext, mode: number): void {
  if (nan1(r, x)) return;
  if (isZero(x)) { copy(r, x); return; }
  if (x.e === 0x7fff) {
    if (x.s !== 0) { setOne(r, 1); return; }
    copy(r, x);
    return;
  }
  if (isDenormal(x)) FX.exc |= DE;
  FX.exc |= PE;
  if (exponentOf(x) < -60) {
    // 2^x - 1 = x ln 2 to 64 bits
    mul(r, x, LN2, 64, mode);
    inexactTiny(r);
    return;
  }
  split(x);
  const t = SPLIT.hi * Math.LN2;
  const e = Math.expm1(t);
  fromDouble(r, e + (e + 1) * SPLIT.lo * Math.LN2);
}

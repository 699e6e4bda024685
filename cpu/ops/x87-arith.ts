/**
 * x87 arithmetic and compares: fadd fsub fsubr fmul fdiv fdivr in every
 * form (m32, m64, st(0),st(i), st(i),st(0), the p forms, the integer
 * fi* forms), fcom/fucom/ficom and their p/pp forms, fcomi/fucomi(p),
 * ftst, fxam, fchs, fabs, fsqrt, frndint, fscale, fxtract, fprem, fprem1.
 */
import type { Core } from '../core.js';
import type { CpuContext } from '../context.js';
import { K_MEM, type Exec, type Insn } from '../insn.js';
import { def, codes } from '../registry.js';
import { ld16, ld32, ld64 } from '../access.js';
import { CF, PF, ZF } from '../context.js';
import { setArith } from '../flags.js';
import {
  Ext, FX, add, compare, div, extract, fromF32, fromF64, fromInt, indefinite, isDenormal, isInf, isNaN80,
  isUnsupported, isZero, mul, rem, roundInt, scale, setZero, sqrt,
} from './x87-float.js';
import {
  A, B, R, R2, C0, C1, C2, C3, begin, full, getSt, pop, prec, push, pushRaw, putSt, raise, raiseFx, rc, setC1, stackOverflow,
  underflow, valid, wait,
} from './x87-state.js';

const ADD = 0, MUL = 1, SUB = 2, SUBR = 3, DIV = 4, DIVR = 5;

function compute(ctx: CpuContext, op: number, a: Ext, b: Ext, r: Ext): void {
  const p = prec(ctx), m = rc(ctx);
  switch (op) {
    case ADD: add(r, a, b, 0, p, m); break;
    case MUL: mul(r, a, b, p, m); break;
    case SUB: add(r, a, b, 1, p, m); break;
    case SUBR: add(r, b, a, 1, p, m); break;
    case DIV: div(r, a, b, p, m); break;
    default: div(r, b, a, p, m);
  }
}

/** ST(dst) = ST(dst) op ST(src), popping after when asked (i.a = dst, i.b = src, i.op = op, i.x = pop). */
function regOp(c: Core, i: Insn): void {
  wait(c, i);
  const ctx = c.ctx;
  begin(ctx);
  if (!valid(ctx, i.a) || !valid(ctx, i.b)) {
    if (underflow(ctx)) return;
    indefinite(R);
  } else {
    getSt(ctx, i.a, A);
    getSt(ctx, i.b, B);
    compute(ctx, i.op, A, B, R);
    if (raiseFx(ctx)) return;
    setC1(ctx, FX.up);
  }
  putSt(ctx, i.a, R);
  if (i.x !== 0) pop(ctx);
}

/** Memory operand kinds. */
const M32FP = 0, M64FP = 1, M16INT = 2, M32INT = 3;

/** Loads the memory operand of kind k into x (FX.exc may get DE). */
function loadMem(c: Core, i: Insn, k: number, x: Ext): void {
  const a = i.ea(c, i);
  switch (k) {
    case M32FP: fromF32(x, ld32(c, a)); break;
    case M64FP: { const lo = ld64(c, a); fromF64(x, lo, c.hi); break; }
    case M16INT: { const v = (ld16(c, a) << 16) >> 16; fromInt(x, v, v >> 31); break; }
    default: { const v = ld32(c, a); fromInt(x, v, v >> 31); }
  }
}

/** ST(0) = ST(0) op m (i.op = op, i.x = memory kind). */
function memOp(c: Core, i: Insn): void {
  wait(c, i);
  const ctx = c.ctx;
  begin(ctx);
  loadMem(c, i, i.x, B);
  if (!valid(ctx, 0)) {
    FX.exc = 0;
    if (underflow(ctx)) return;
    indefinite(R);
  } else {
    getSt(ctx, 0, A);
    compute(ctx, i.op, A, B, R);
    if (raiseFx(ctx)) return;
    setC1(ctx, FX.up);
  }
  putSt(ctx, 0, R);
}

function regForm(op: number, dstIsI: boolean, popAfter: boolean) {
  return (i: Insn): Exec => {
    const sti = dstIsI ? i.r0 : i.r1;
    i.a = dstIsI ? sti : 0;
    i.b = dstIsI ? 0 : sti;
    i.op = op;
    i.x = popAfter ? 1 : 0;
    i.writes = false;
    return regOp;
  };
}
function memForm(op: number, kind: number) {
  return (i: Insn): Exec | null => {
    if (i.k0 !== K_MEM) return null;
    i.op = op;
    i.x = kind;
    return memOp;
  };
}

const NAMES: [string, number][] = [['Fadd', ADD], ['Fmul', MUL], ['Fsub', SUB], ['Fsubr', SUBR], ['Fdiv', DIV], ['Fdivr', DIVR]];
for (const [n, op] of NAMES) {
  def(codes(`${n}_m32fp`), memForm(op, M32FP));
  def(codes(`${n}_m64fp`), memForm(op, M64FP));
  def(codes(`${n}_st0_sti`), regForm(op, false, false));
  def(codes(`${n}_sti_st0`), regForm(op, true, false));
  def(codes(`${n}p_sti_st0`), regForm(op, true, true));
  const fi = 'Fi' + n.slice(1);
  def(codes(`${fi}_m16int`), memForm(op, M16INT));
  def(codes(`${fi}_m32int`), memForm(op, M32INT));
}

// ---- compares ----

/** Sets C3 C2 C0 from a compare result (0 >, 1 <, 2 =, 3 unordered) and clears C1. */
function setCompareCC(ctx: CpuContext, rel: number): void {
  const cc = rel === 0 ? 0 : rel === 1 ? C0 : rel === 2 ? C3 : C3 | C2 | C0;
  ctx.fpStatus = (ctx.fpStatus & ~(C0 | C1 | C2 | C3)) | cc;
}

/**
 * fcom family on registers: compares ST(0) with ST(i.b) (i.op = quiet,
 * i.x = pops). An empty operand: stack underflow, unordered.
 */
function comReg(c: Core, i: Insn): void {
  wait(c, i);
  const ctx = c.ctx;
  begin(ctx);
  let rel = 3, blocked: boolean;
  if (!valid(ctx, 0) || !valid(ctx, i.b)) blocked = underflow(ctx);
  else {
    getSt(ctx, 0, A);
    getSt(ctx, i.b, B);
    rel = compare(A, B, i.op !== 0);
    blocked = raiseFx(ctx);
  }
  // an unmasked invalid operation still reports "unordered" (reference processor) but does not pop
  setCompareCC(ctx, rel);
  if (!blocked) for (let k = 0; k < i.x; k++) pop(ctx);
}

/** fcom/ficom with a memory operand (i.op = memory kind, i.x = pops). */
function comMem(c: Core, i: Insn): void {
  wait(c, i);
  const ctx = c.ctx;
  begin(ctx);
  loadMem(c, i, i.op, B);
  let rel = 3, blocked: boolean;
  if (!valid(ctx, 0)) {
    FX.exc = 0;
    blocked = underflow(ctx);
  } else {
    getSt(ctx, 0, A);
    rel = compare(A, B, false);
    blocked = raiseFx(ctx);
  }
  setCompareCC(ctx, rel);
  if (!blocked && i.x !== 0) pop(ctx);
}

function comRegForm(quiet: boolean, pops: number, fixed: number) {
  return (i: Insn): Exec => {
    i.b = fixed >= 0 ? fixed : i.r1;
    i.op = quiet ? 1 : 0;
    i.x = pops;
    i.writes = false;
    return comReg;
  };
}
def(codes('Fcom_st0_sti', 'Fcom_st0_sti_DCD0'), comRegForm(false, 0, -1));
def(codes('Fcomp_st0_sti', 'Fcomp_st0_sti_DCD8', 'Fcomp_st0_sti_DED0'), comRegForm(false, 1, -1));
def(codes('Fucom_st0_sti'), comRegForm(true, 0, -1));
def(codes('Fucomp_st0_sti'), comRegForm(true, 1, -1));
def(codes('Fcompp'), comRegForm(false, 2, 1));
def(codes('Fucompp'), comRegForm(true, 2, 1));

for (const [n, kind] of [['m32fp', M32FP], ['m64fp', M64FP]] as const) {
  def(codes(`Fcom_${n}`), (i) => { i.op = kind; i.x = 0; return i.k0 === K_MEM ? comMem : null; });
  def(codes(`Fcomp_${n}`), (i) => { i.op = kind; i.x = 1; return i.k0 === K_MEM ? comMem : null; });
}
for (const [n, kind] of [['m16int', M16INT], ['m32int', M32INT]] as const) {
  def(codes(`Ficom_${n}`), (i) => { i.op = kind; i.x = 0; return i.k0 === K_MEM ? comMem : null; });
  def(codes(`Ficomp_${n}`), (i) => { i.op = kind; i.x = 1; return i.k0 === K_MEM ? comMem : null; });
}

/**
 * fcomi/fucomi(p): ZF PF CF = 000 (>), 001 (<), 100 (=), 111 (unordered);
 * OF SF AF cleared. C1 is left alone (what this project's reference
 * processor does; the SDM says cleared).
 */
function comi(c: Core, i: Insn): void {
  wait(c, i);
  const ctx = c.ctx;
  begin(ctx);
  let rel = 3, blocked: boolean;
  if (!valid(ctx, 0) || !valid(ctx, i.b)) blocked = underflow(ctx);
  else {
    getSt(ctx, 0, A);
    getSt(ctx, i.b, B);
    rel = compare(A, B, i.op !== 0);
    const e = FX.exc;
    FX.exc = 0;
    blocked = raise(ctx, e); // C1 stays
  }
  setArith(c, rel === 0 ? 0 : rel === 1 ? CF : rel === 2 ? ZF : ZF | PF | CF);
  if (!blocked && i.x !== 0) pop(ctx);
}
function comiForm(quiet: boolean, popAfter: boolean) {
  return (i: Insn): Exec => {
    i.b = i.r1;
    i.op = quiet ? 1 : 0;
    i.x = popAfter ? 1 : 0;
    i.writes = false;
    return comi;
  };
}
def(codes('Fcomi_st0_sti'), comiForm(false, false));
def(codes('Fcomip_st0_sti'), comiForm(false, true));
def(codes('Fucomi_st0_sti'), comiForm(true, false));
def(codes('Fucomip_st0_sti'), comiForm(true, true));

/** ftst: compares ST(0) with +0.0. */
def(codes('Ftst'), (i) => {
  i.writes = false;
  return (c, i) => {
    wait(c, i);
    const ctx = c.ctx;
    begin(ctx);
    let rel = 3;
    if (!valid(ctx, 0)) underflow(ctx);
    else {
      getSt(ctx, 0, A);
      setZero(B, 0);
      rel = compare(A, B, false);
      raiseFx(ctx);
    }
    setCompareCC(ctx, rel);
  };
});

/** fxam: C3 C2 C0 = class (000 unsupported, 001 NaN, 010 normal, 011 infinity, 100 zero, 101 empty, 110 denormal), C1 = sign. */
def(codes('Fxam'), (i) => {
  i.writes = false;
  return (c, i) => {
    wait(c, i);
    const ctx = c.ctx;
    getSt(ctx, 0, A);
    let cc: number;
    if (!valid(ctx, 0)) cc = C3 | C0;
    else if (isUnsupported(A)) cc = 0;
    else if (isNaN80(A)) cc = C0;
    else if (isInf(A)) cc = C2 | C0;
    else if (isZero(A)) cc = C3;
    else if (isDenormal(A)) cc = C3 | C2;
    else cc = C2;
    ctx.fpStatus = (ctx.fpStatus & ~(C0 | C1 | C2 | C3)) | cc | (A.s !== 0 ? C1 : 0);
  };
});

// ---- one-operand operations on ST(0) ----

/** Runs f on ST(0) -> R; an empty ST(0) gives the indefinite. C1 = round-up. */
function unary(f: (ctx: CpuContext) => void) {
  return (i: Insn): Exec => {
    i.writes = false;
    return (c, i) => {
      wait(c, i);
      const ctx = c.ctx;
      begin(ctx);
      if (!valid(ctx, 0)) {
        if (underflow(ctx)) return;
        indefinite(R);
      } else {
        getSt(ctx, 0, A);
        f(ctx);
        if (raiseFx(ctx)) return;
        setC1(ctx, FX.up);
      }
      putSt(ctx, 0, R);
    };
  };
}
def(codes('Fchs'), unary(() => { R.s = A.s ^ 1; R.e = A.e; R.h = A.h; R.l = A.l; }));
def(codes('Fabs'), unary(() => { R.s = 0; R.e = A.e; R.h = A.h; R.l = A.l; }));
def(codes('Fsqrt'), unary((ctx) => sqrt(R, A, prec(ctx), rc(ctx))));
def(codes('Frndint'), unary((ctx) => roundInt(R, A, rc(ctx))));

/** Runs f on ST(0), ST(1) -> R into ST(0); `after` sets condition codes, also on stack underflow and suppressed results. */
function binary01(f: (ctx: CpuContext) => void, after?: (ctx: CpuContext, underflow: boolean) => void) {
  return (i: Insn): Exec => {
    i.writes = false;
    return (c, i) => {
      wait(c, i);
      const ctx = c.ctx;
      begin(ctx);
      if (!valid(ctx, 0) || !valid(ctx, 1)) {
        const blocked = underflow(ctx);
        if (!blocked) { indefinite(R); putSt(ctx, 0, R); }
        after?.(ctx, true);
        return;
      }
      getSt(ctx, 0, A);
      getSt(ctx, 1, B);
      f(ctx);
      if (raiseFx(ctx)) { after?.(ctx, true); return; }
      setC1(ctx, FX.up);
      putSt(ctx, 0, R);
      after?.(ctx, false);
    };
  };
}
def(codes('Fscale'), binary01((ctx) => scale(R, A, B, rc(ctx))));

/**
 * fprem / fprem1: C2 = 1 when only a partial reduction was done (C0 C1 C3
 * then cleared, as the reference processor does); else C0 = Q2, C3 = Q1, C1 = Q0.
 * No quotient (stack underflow, NaN or invalid operands, suppressed result):
 * C1 and C2 cleared, C0 and C3 kept (reference processor).
 */
function premCC(ctx: CpuContext, none: boolean): void {
  const q = FX.q;
  if (none || q < 0) { ctx.fpStatus &= ~(C1 | C2); return; }
  const cc = FX.partial ? C2 : ((q & 4) !== 0 ? C0 : 0) | ((q & 2) !== 0 ? C3 : 0) | ((q & 1) !== 0 ? C1 : 0);
  ctx.fpStatus = (ctx.fpStatus & ~(C0 | C1 | C2 | C3)) | cc;
}
def(codes('Fprem'), binary01(() => rem(R, A, B, false), premCC));
def(codes('Fprem1'), binary01(() => rem(R, A, B, true), premCC));

/** fxtract: ST(0) = exponent, then push the significand. */
def(codes('Fxtract'), (i) => {
  i.writes = false;
  return (c, i) => {
    wait(c, i);
    const ctx = c.ctx;
    begin(ctx);
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
    getSt(ctx, 0, A);
    extract(R, R2, A);
    if (raiseFx(ctx)) return;
    putSt(ctx, 0, R);
    push(ctx, R2);
  };
});

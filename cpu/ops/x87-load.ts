/**
 * x87 data movement: fld/fst/fstp (m32, m64, m80, st(i)), fild, fist, fistp,
 * fisttp, the constants (fld1 fldz fldpi fldl2e fldl2t fldlg2 fldln2),
 * fxch and fcmovcc.
 */
import type { Core } from '../core.js';
import { K_MEM, type Exec, type Insn } from '../insn.js';
import { def, codes } from '../registry.js';
import { ld16, ld32, ld64, rchk, st16, st32, st64, wchk } from '../access.js';
import { cond } from '../flags.js';
import {
  Ext, FX, INT, NARROW, fromF32, fromF64, fromInt, indefinite, isSNaN, set, toInt, toNarrow,
} from './x87-float.js';
import {
  A, C1, DE, IE, OE, UE, R, begin, getSt, pop, push, pushRaw, putSt, raise, raiseFx, rc, readExt80, setC1, underflow, valid, wait, writeExt80,
} from './x87-state.js';

// ---- loads ----

function fldM32(c: Core, i: Insn): void {
  wait(c, i);
  begin(c.ctx);
  fromF32(R, ld32(c, i.ea(c, i)));
  quietLoaded();
  push(c.ctx, R);
}
function fldM64(c: Core, i: Insn): void {
  wait(c, i);
  begin(c.ctx);
  const lo = ld64(c, i.ea(c, i));
  fromF64(R, lo, c.hi);
  quietLoaded();
  push(c.ctx, R);
}
/** fld m32/m64: IE for an SNaN (quieted), DE for a denormal source. */
function quietLoaded(): void {
  if (isSNaN(R)) { FX.exc |= IE; R.h = (R.h | 0x40000000) >>> 0; }
  if (FX.den) { FX.exc |= DE; FX.den = false; }
}
/** fld m80: a plain copy, whatever the encoding (no exceptions but stack overflow). */
function fldM80(c: Core, i: Insn): void {
  wait(c, i);
  begin(c.ctx);
  const a = rchk(c, i.ea(c, i), 10);
  readExt80(c.dv, a, R);
  push(c.ctx, R);
}
function fildM16(c: Core, i: Insn): void {
  wait(c, i);
  begin(c.ctx);
  const v = (ld16(c, i.ea(c, i)) << 16) >> 16;
  fromInt(R, v, v >> 31);
  push(c.ctx, R);
}
function fildM32(c: Core, i: Insn): void {
  wait(c, i);
  begin(c.ctx);
  const v = ld32(c, i.ea(c, i));
  fromInt(R, v, v >> 31);
  push(c.ctx, R);
}
function fildM64(c: Core, i: Insn): void {
  wait(c, i);
  begin(c.ctx);
  const lo = ld64(c, i.ea(c, i));
  fromInt(R, lo, c.hi);
  push(c.ctx, R);
}
const mem = (fn: Exec) => (i: Insn): Exec | null => (i.k0 === K_MEM ? fn : null);
def(codes('Fld_m32fp'), mem(fldM32));
def(codes('Fld_m64fp'), mem(fldM64));
def(codes('Fld_m80fp'), mem(fldM80));
def(codes('Fild_m16int'), mem(fildM16));
def(codes('Fild_m32int'), mem(fildM32));
def(codes('Fild_m64int'), mem(fildM64));

/** fld st(i): an empty source gives the indefinite (stack underflow). */
def(codes('Fld_sti'), (i) => {
  i.a = i.r0;
  i.writes = false;
  return (c, i) => {
    wait(c, i);
    const ctx = c.ctx;
    begin(ctx);
    if (!valid(ctx, i.a)) {
      if (underflow(ctx)) return;
      indefinite(R);
      pushRaw(ctx, R);
      return;
    }
    getSt(ctx, i.a, R);
    push(ctx, R);
  };
});

/**
 * Constants. pi, log2(e), log2(10), log10(2) and ln(2) are rounded from 66
 * bits by the rounding control, as on hardware: the extra bits below are
 * what decides (none of them is a tie).
 */
interface Konst { se: number; h: number; l: number; /** the rounding bits beyond the 64th set: round up (nearest) */ half: boolean }
const K1: Konst = { se: 0x3fff, h: 0x80000000, l: 0, half: false };
const KZ: Konst = { se: 0, h: 0, l: 0, half: false };
// truncated 64-bit significands and whether the bits beyond them are >= one half ulp
const KPI: Konst = { se: 0x4000, h: 0xc90fdaa2, l: 0x2168c234, half: true };
const KL2E: Konst = { se: 0x3fff, h: 0xb8aa3b29, l: 0x5c17f0bb, half: true };
const KL2T: Konst = { se: 0x4000, h: 0xd49a784b, l: 0xcd1b8afe, half: false };
const KLG2: Konst = { se: 0x3ffd, h: 0x9a209a84, l: 0xfbcff798, half: true };
const KLN2: Konst = { se: 0x3ffe, h: 0xb17217f7, l: 0xd1cf79ab, half: true };
function fldConst(k: Konst, inexact: boolean) {
  return (i: Insn): Exec => {
    i.writes = false;
    return (c, i) => {
      wait(c, i);
      const ctx = c.ctx;
      begin(ctx);
      let l = k.l;
      if (inexact) {
        // all five are positive: up rounds up, down and zero truncate, nearest follows `half`
        const mode = rc(ctx);
        if (mode === 2 || (mode === 0 && k.half)) l = (l + 1) >>> 0;
      }
      set(R, k.se >>> 15, k.se & 0x7fff, k.h, l);
      push(ctx, R);
    };
  };
}
def(codes('Fld1'), fldConst(K1, false));
def(codes('Fldz'), fldConst(KZ, false));
def(codes('Fldpi'), fldConst(KPI, true));
def(codes('Fldl2e'), fldConst(KL2E, true));
def(codes('Fldl2t'), fldConst(KL2T, true));
def(codes('Fldlg2'), fldConst(KLG2, true));
def(codes('Fldln2'), fldConst(KLN2, true));

// ---- stores ----

/**
 * Reads ST(0) into A for a store; false when it is empty (stack underflow:
 * the masked response stores the indefinite, so A gets it).
 */
function storeSource(c: Core): boolean {
  const ctx = c.ctx;
  if (valid(ctx, 0)) { getSt(ctx, 0, A); return true; }
  indefinite(A);
  return false;
}

/** fst/fstp m32, m64 (i.op = 24 or 53 significand bits, i.x = pop). */
function fstNarrow(c: Core, i: Insn): void {
  wait(c, i);
  const ctx = c.ctx;
  begin(ctx);
  const a = i.ea(c, i);
  const ok = storeSource(c);
  toNarrow(A, i.op, rc(ctx));
  if (i.op === 53) wchk(c, a, 8); else wchk(c, a, 4);
  if (!ok) { FX.exc = 0; FX.up = 0; if (underflow(ctx)) return; } else if (raiseStore(c)) return;
  if (i.op === 53) st64(c, a, NARROW.lo, NARROW.hi); else st32(c, a, NARROW.lo);
  setC1(ctx, ok ? FX.up : 0);
  if (i.x !== 0) pop(ctx);
}
/**
 * Raises FX's exceptions for a store to m32/m64. An unmasked invalid
 * operation, overflow or underflow (tininess alone counts then) suppresses
 * the store and the pop: only that exception is flagged, C1 cleared (as the
 * reference processor does).
 */
function raiseStore(c: Core): boolean {
  const ctx = c.ctx;
  let e = FX.exc;
  FX.exc = 0;
  if (FX.tiny && (ctx.fpControl & UE) === 0) e |= UE;
  const unmasked = e & ~ctx.fpControl & (IE | OE | UE);
  if (unmasked === 0) { raise(ctx, e); return false; }
  raise(ctx, (unmasked & IE) !== 0 ? IE : e & (OE | UE));
  ctx.fpStatus &= ~C1;
  return true;
}
def(codes('Fst_m32fp'), (i) => { i.op = 24; i.x = 0; return i.k0 === K_MEM ? fstNarrow : null; });
def(codes('Fstp_m32fp'), (i) => { i.op = 24; i.x = 1; return i.k0 === K_MEM ? fstNarrow : null; });
def(codes('Fst_m64fp'), (i) => { i.op = 53; i.x = 0; return i.k0 === K_MEM ? fstNarrow : null; });
def(codes('Fstp_m64fp'), (i) => { i.op = 53; i.x = 1; return i.k0 === K_MEM ? fstNarrow : null; });

/** fstp m80: exact. */
def(codes('Fstp_m80fp'), mem((c, i) => {
  wait(c, i);
  const ctx = c.ctx;
  const a = wchk(c, i.ea(c, i), 10);
  if (!storeSource(c)) { if (underflow(ctx)) return; } else ctx.fpStatus &= ~C1;
  writeExt80(c.dv, a, A);
  pop(ctx);
}));

/** fist/fistp/fisttp (i.op = bits, i.x = pop, i.b = truncate). */
function fist(c: Core, i: Insn): void {
  wait(c, i);
  const ctx = c.ctx;
  begin(ctx);
  const a = i.ea(c, i);
  const ok = storeSource(c);
  toInt(A, i.op, i.b !== 0 ? 3 : rc(ctx));
  wchk(c, a, i.op >> 3);
  if (!ok) { FX.exc = 0; FX.up = 0; if (underflow(ctx)) return; } else if (raiseFx(ctx)) return;
  if (i.op === 16) st16(c, a, INT.lo & 0xffff);
  else if (i.op === 32) st32(c, a, INT.lo);
  else st64(c, a, INT.lo, INT.hi);
  setC1(ctx, ok && i.b === 0 ? FX.up : 0);
  if (i.x !== 0) pop(ctx);
}
function fistForm(bits: number, popAfter: boolean, trunc: boolean) {
  return (i: Insn): Exec | null => {
    i.op = bits; i.x = popAfter ? 1 : 0; i.b = trunc ? 1 : 0;
    return i.k0 === K_MEM ? fist : null;
  };
}
def(codes('Fist_m16int'), fistForm(16, false, false));
def(codes('Fist_m32int'), fistForm(32, false, false));
def(codes('Fistp_m16int'), fistForm(16, true, false));
def(codes('Fistp_m32int'), fistForm(32, true, false));
def(codes('Fistp_m64int'), fistForm(64, true, false));
def(codes('Fisttp_m16int'), fistForm(16, true, true));
def(codes('Fisttp_m32int'), fistForm(32, true, true));
def(codes('Fisttp_m64int'), fistForm(64, true, true));

/** fst/fstp st(i) (and the fstp aliases): exact copy; an empty ST(0) stores the indefinite. */
function fstReg(popAfter: boolean) {
  return (i: Insn): Exec => {
    i.a = i.r0;
    i.x = popAfter ? 1 : 0;
    i.writes = false;
    return (c, i) => {
      wait(c, i);
      const ctx = c.ctx;
      if (!storeSource(c)) { if (underflow(ctx)) return; } else ctx.fpStatus &= ~C1;
      putSt(ctx, i.a, A);
      if (i.x !== 0) pop(ctx);
    };
  };
}
def(codes('Fst_sti'), fstReg(false));
def(codes('Fstp_sti', 'Fstp_sti_DFD0', 'Fstp_sti_DFD8'), fstReg(true));

/** d9 d8+i, the "no check" alias: an empty ST(0) is not a fault; it just pops, leaving ST(i) alone. C1 = 0. */
def(codes('Fstpnce_sti'), (i) => {
  i.a = i.r0;
  i.writes = false;
  return (c, i) => {
    wait(c, i);
    const ctx = c.ctx;
    if (valid(ctx, 0)) { getSt(ctx, 0, A); putSt(ctx, i.a, A); }
    ctx.fpStatus &= ~C1;
    pop(ctx);
  };
});

// ---- fxch, fcmovcc ----

/** fxch: an empty register takes part as the indefinite (stack underflow). C1 = 0. */
def(codes('Fxch_st0_sti', 'Fxch_st0_sti_DDC8', 'Fxch_st0_sti_DFC8'), (i) => {
  i.a = i.r1;
  i.writes = false;
  return (c, i) => {
    wait(c, i);
    const ctx = c.ctx;
    const v0 = valid(ctx, 0), vi = valid(ctx, i.a);
    if (!v0 || !vi) { if (underflow(ctx)) return; } else ctx.fpStatus &= ~C1;
    if (v0) getSt(ctx, 0, A); else indefinite(A);
    if (vi) getSt(ctx, i.a, B2); else indefinite(B2);
    putSt(ctx, 0, B2);
    putSt(ctx, i.a, A);
  };
});
const B2 = new Ext();

/**
 * fcmovcc: ST(0) = ST(i) when the condition holds; C1 unchanged. Either
 * register empty: stack underflow and ST(0) = indefinite whatever the
 * condition (as the reference processor does).
 */
function fcmov(cc: number) {
  return (i: Insn): Exec => {
    i.a = i.r1;
    i.op = cc;
    i.writes = false;
    return (c, i) => {
      wait(c, i);
      const ctx = c.ctx;
      if (!valid(ctx, 0) || !valid(ctx, i.a)) {
        if (underflow(ctx)) return;
        indefinite(A);
        putSt(ctx, 0, A);
        return;
      }
      if (cond(c, i.op)) { getSt(ctx, i.a, A); putSt(ctx, 0, A); }
    };
  };
}
// x86 condition numbers: b=2 ae=3 e=4 ne=5 be=6 a=7 p=10 np=11
def(codes('Fcmovb_st0_sti'), fcmov(2));
def(codes('Fcmovnb_st0_sti'), fcmov(3));
def(codes('Fcmove_st0_sti'), fcmov(4));
def(codes('Fcmovne_st0_sti'), fcmov(5));
def(codes('Fcmovbe_st0_sti'), fcmov(6));
def(codes('Fcmovnbe_st0_sti'), fcmov(7));
def(codes('Fcmovu_st0_sti'), fcmov(10));
def(codes('Fcmovnu_st0_sti'), fcmov(11));

/**
 * SSE/SSE2 float compares: cmpps/cmppd/cmpss/cmpsd with the eight legacy
 * predicates (imm8 bits 0-2; the SSE encodings ignore the others), and
 * comiss/ucomiss/comisd/ucomisd, which set ZF PF CF and clear OF SF AF.
 *
 * IE: any signalling NaN; quiet NaNs too for the signalling predicates
 * (lt, le, nlt, nle) and for comis*. DE for a denormal operand when no NaN
 * is involved. DAZ applies before comparing.
 */
import type { Core } from '../core.js';
import type { Exec, Insn } from '../insn.js';
import { def, codes, type Build } from '../registry.js';
import { CF, PF, ZF } from '../context.js';
import { setArith } from '../flags.js';
import {
  begin, finish, fp, DE, IE, R32, S32, SF32, SF64, isSnan32, isSnan64, isDen32, isDen64, z32, z64,
  src128, src32, src64, srcIndex,
} from './sse-float.js';

/** Predicates 1 2 5 6 (lt le nlt nle) signal on quiet NaNs. */
const SIGNALLING = 0x66;
/** Predicates true for unordered operands: unord neq nlt nle. */
const TRUE_UNORDERED = 0x78;

function ordered(p: number, a: number, b: number): boolean {
  switch (p) {
    case 0: return a === b;
    case 1: return a < b;
    case 2: return a <= b;
    case 3: return false;
    case 4: return a !== b;
    case 5: return !(a < b);
    case 6: return !(a <= b);
    default: return true;
  }
}

/** Compares binary32 lanes; returns the mask (-1 or 0). */
function cmp32(p: number, a: number, ab: number, b: number, bb: number): number {
  if (a !== a || b !== b) {
    if (isSnan32(ab) || isSnan32(bb) || ((SIGNALLING >> p) & 1) !== 0) fp.pre |= IE;
    return ((TRUE_UNORDERED >> p) & 1) !== 0 ? -1 : 0;
  }
  a = z32(a); b = z32(b);
  if (isDen32(a) || isDen32(b)) fp.pre |= DE;
  return ordered(p, a, b) ? -1 : 0;
}
function cmp64(p: number, a: number, ahi: number, alo: number, b: number, bhi: number, blo: number): number {
  if (a !== a || b !== b) {
    if (isSnan64(ahi, alo) || isSnan64(bhi, blo) || ((SIGNALLING >> p) & 1) !== 0) fp.pre |= IE;
    return ((TRUE_UNORDERED >> p) & 1) !== 0 ? -1 : 0;
  }
  a = z64(a); b = z64(b);
  if (isDen64(a) || isDen64(b)) fp.pre |= DE;
  return ordered(p, a, b) ? -1 : 0;
}

function setup(load: (c: Core, i: Insn) => void, lanes: 1 | 2 | 4, f64: boolean): Build {
  const exec: Exec = (c, i) => {
    load(c, i);
    begin(c);
    const d = i.a, x = c.x32, p = i.op;
    if (f64) {
      const xf = c.xf64, h = d >> 1;
      for (let j = 0; j < lanes; j++) {
        const k = 2 * j;
        R32[k] = R32[k + 1] = cmp64(p, xf[h + j], x[d + k + 1], x[d + k], SF64[j], S32[k + 1], S32[k]);
      }
      finish(c, i);
      for (let j = 0; j < 2 * lanes; j++) x[d + j] = R32[j];
    } else {
      const xf = c.xf32;
      for (let j = 0; j < lanes; j++) R32[j] = cmp32(p, xf[d + j], x[d + j], SF32[j], S32[j]);
      finish(c, i);
      for (let j = 0; j < lanes; j++) x[d + j] = R32[j];
    }
  };
  return (i: Insn) => {
    i.a = 4 * i.r0;
    i.b = srcIndex(i);
    i.op = i.imm & 7;
    return exec;
  };
}

def(codes('Cmpps_xmm_xmmm128_imm8'), setup(src128, 4, false));
def(codes('Cmpss_xmm_xmmm32_imm8'), setup(src32, 1, false));
def(codes('Cmppd_xmm_xmmm128_imm8'), setup(src128, 2, true));
def(codes('Cmpsd_xmm_xmmm64_imm8'), setup(src64, 1, true));

// ---- comis / ucomis ----

/** ZF PF CF for a compare result; OF SF AF cleared. */
function comiFlags(unordered: boolean, a: number, b: number): number {
  if (unordered) return ZF | PF | CF;
  return a < b ? CF : a === b ? ZF : 0;
}

function comi(f64: boolean, signalQuiet: boolean): Build {
  const exec: Exec = (c, i) => {
    const d = i.a, x = c.x32;
    let a: number, b: number, snan: boolean;
    if (f64) {
      src64(c, i);
      a = c.xf64[d >> 1]; b = SF64[0];
      snan = isSnan64(x[d + 1], x[d]) || isSnan64(S32[1], S32[0]);
    } else {
      src32(c, i);
      a = c.xf32[d]; b = SF32[0];
      snan = isSnan32(x[d]) || isSnan32(S32[0]);
    }
    begin(c);
    const unordered = a !== a || b !== b;
    if (unordered) {
      if (snan || signalQuiet) fp.pre |= IE;
    } else if (f64) {
      a = z64(a); b = z64(b);
      if (isDen64(a) || isDen64(b)) fp.pre |= DE;
    } else {
      a = z32(a); b = z32(b);
      if (isDen32(a) || isDen32(b)) fp.pre |= DE;
    }
    finish(c, i);
    setArith(c, comiFlags(unordered, a, b));
  };
  return (i: Insn) => {
    i.a = 4 * i.r0;
    i.b = srcIndex(i);
    return exec;
  };
}

def(codes('Comiss_xmm_xmmm32'), comi(false, true));
def(codes('Ucomiss_xmm_xmmm32'), comi(false, false));
def(codes('Comisd_xmm_xmmm64'), comi(true, true));
def(codes('Ucomisd_xmm_xmmm64'), comi(true, false));

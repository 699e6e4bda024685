/**
 * Lazy arithmetic flags (DESIGN.md decision 3). A flag-setting operation
 * records its kind and size in Core.fop plus operands and result; a flag is
 * computed only when something reads it (jcc, setcc, cmovcc, adc, pushf...).
 *
 * fop = kind * 4 + sz, sz = 0, 1, 2, 3 for 8, 16, 32, 64 bits. Values of 8-,
 * 16- and 32-bit operations are kept unmasked in fa/fb/fr; shifting left by
 * SH[sz] puts the operand's sign bit at bit 31 and drops the bits above it.
 */
import type { Core } from './core.js';
import { CF, PF, AF, ZF, SF, OF } from './context.js';

export const F_EAGER = 0;
/** Kinds (multiply by 4 and add sz). */
export const KF_ADD = 1, KF_ADC = 2, KF_SUB = 3, KF_SBB = 4, KF_LOGIC = 5;
/** inc/dec: fb = 1, fc = the preserved CF. */
export const KF_INC = 6, KF_DEC = 7;
/** Shifts by a nonzero count: fc = last bit shifted out, fa = the value before (for OF). */
export const KF_SHL = 8, KF_SHR = 9, KF_SAR = 10;

export const ARITH = CF | PF | AF | ZF | SF | OF;
const SH = [24, 16, 0, 0];

/** PF for every byte value. */
const PARITY = new Uint8Array(256);
for (let v = 0; v < 256; v++) {
  let p = 1;
  for (let b = v; b !== 0; b >>= 1) p ^= b & 1;
  PARITY[v] = p ? PF : 0;
}

export function fop(kind: number, sz: number): number { return kind * 4 + sz; }
/** sz code of an operand size in bytes. */
export function szCode(bytes: number): number { return bytes === 1 ? 0 : bytes === 2 ? 1 : bytes === 4 ? 2 : 3; }

/** Unsigned 64-bit a < b from halves. */
function ltu64(al: number, ah: number, bl: number, bh: number): boolean {
  return ah === bh ? (al >>> 0) < (bl >>> 0) : (ah >>> 0) < (bh >>> 0);
}

/** CF, OF of an add and of a sub (or cmp) of size code sz: shared by getCF/getOF and arith's fast kinds. */
function addCF(c: Core, sz: number): boolean {
  return sz === 3 ? ltu64(c.fr, c.frh, c.fa, c.fah) : (c.fr << SH[sz]) >>> 0 < (c.fa << SH[sz]) >>> 0;
}
function subCF(c: Core, sz: number): boolean {
  return sz === 3 ? ltu64(c.fa, c.fah, c.fb, c.fbh) : (c.fa << SH[sz]) >>> 0 < (c.fb << SH[sz]) >>> 0;
}
function addOF(c: Core, sz: number): boolean {
  return sz === 3 ? ((c.fah ^ c.frh) & (c.fbh ^ c.frh)) < 0 : ((c.fa ^ c.fr) & (c.fb ^ c.fr)) << SH[sz] < 0;
}
function subOF(c: Core, sz: number): boolean {
  return sz === 3 ? ((c.fah ^ c.fbh) & (c.fah ^ c.frh)) < 0 : ((c.fa ^ c.fb) & (c.fa ^ c.fr)) << SH[sz] < 0;
}

export function getCF(c: Core): number {
  const op = c.fop;
  const sz = op & 3;
  switch (op >> 2) {
    case 0: return c.flags & CF;
    case KF_ADD: return addCF(c, sz) ? 1 : 0;
    case KF_ADC:
      if (sz === 3) return (c.fc ? !ltu64(c.fa, c.fah, c.fr, c.frh) : ltu64(c.fr, c.frh, c.fa, c.fah)) ? 1 : 0;
      return (c.fc ? (c.fr << SH[sz]) >>> 0 <= (c.fa << SH[sz]) >>> 0 : (c.fr << SH[sz]) >>> 0 < (c.fa << SH[sz]) >>> 0) ? 1 : 0;
    case KF_SUB: return subCF(c, sz) ? 1 : 0;
    case KF_SBB:
      if (sz === 3) return (c.fc ? !ltu64(c.fb, c.fbh, c.fa, c.fah) : ltu64(c.fa, c.fah, c.fb, c.fbh)) ? 1 : 0;
      return (c.fc ? (c.fa << SH[sz]) >>> 0 <= (c.fb << SH[sz]) >>> 0 : (c.fa << SH[sz]) >>> 0 < (c.fb << SH[sz]) >>> 0) ? 1 : 0;
    case KF_LOGIC: return 0;
    default: return c.fc;
  }
}

export function getZF(c: Core): boolean {
  const op = c.fop;
  if (op === F_EAGER) return (c.flags & ZF) !== 0;
  const sz = op & 3;
  return sz === 3 ? (c.fr | c.frh) === 0 : c.fr << SH[sz] === 0;
}

export function getSF(c: Core): boolean {
  const op = c.fop;
  if (op === F_EAGER) return (c.flags & SF) !== 0;
  const sz = op & 3;
  return sz === 3 ? c.frh < 0 : c.fr << SH[sz] < 0;
}

export function getOF(c: Core): boolean {
  const op = c.fop;
  const sz = op & 3;
  switch (op >> 2) {
    case 0: return (c.flags & OF) !== 0;
    case KF_ADD: case KF_ADC: case KF_INC: return addOF(c, sz);
    case KF_SUB: case KF_SBB: case KF_DEC: return subOF(c, sz);
    case KF_SHL:
      // OF = MSB(result) XOR CF (defined for a count of 1; what hardware gives for larger counts too)
      return (sz === 3 ? c.frh < 0 : c.fr << SH[sz] < 0) !== (c.fc !== 0);
    case KF_SHR:
      return sz === 3 ? c.fah < 0 : c.fa << SH[sz] < 0;
    default: return false;
  }
}

export function getPF(c: Core): boolean {
  if (c.fop === F_EAGER) return (c.flags & PF) !== 0;
  return PARITY[c.fr & 0xff] !== 0;
}

export function getAF(c: Core): boolean {
  switch (c.fop >> 2) {
    case 0: return (c.flags & AF) !== 0;
    case KF_ADD: case KF_ADC: case KF_SUB: case KF_SBB: case KF_INC: case KF_DEC:
      return ((c.fa ^ c.fb ^ c.fr) & 0x10) !== 0;
    default: return false;
  }
}

/** The six arithmetic flags as RFLAGS bits. */
export function arith(c: Core): number {
  const op = c.fop;
  if (op === F_EAGER) return c.flags & ARITH;
  // Every lazy kind gives ZF, SF and PF from the result alone (as getZF, getSF and getPF do).
  const sz = op & 3;
  let zs: number;
  if (sz === 3) zs = ((c.fr | c.frh) === 0 ? ZF : 0) | (c.frh < 0 ? SF : 0);
  else { const v = c.fr << SH[sz]; zs = (v === 0 ? ZF : 0) | (v < 0 ? SF : 0); }
  const pf = PARITY[c.fr & 0xff];
  // The commonest kinds without the general getters' switches: every zpoline syscall materializes the flags
  // (for r11), mostly after a sub/cmp, test/and or add (a 64-bit sub, looped: 37-42 ns through the getters, 16-17 here).
  switch (op >> 2) {
    case KF_LOGIC: return pf | zs;
    case KF_SUB: return (subCF(c, sz) ? CF : 0) | pf | ((c.fa ^ c.fb ^ c.fr) & AF) | zs | (subOF(c, sz) ? OF : 0);
    case KF_ADD: return (addCF(c, sz) ? CF : 0) | pf | ((c.fa ^ c.fb ^ c.fr) & AF) | zs | (addOF(c, sz) ? OF : 0);
    default: return getCF(c) | pf | (getAF(c) ? AF : 0) | zs | (getOF(c) ? OF : 0);
  }
}

/** Full RFLAGS value. */
export function rflags(c: Core): number {
  return (c.flags & ~ARITH) | arith(c);
}

/** Turns lazy flags into bits in c.flags (before changing only some of them). */
export function materialize(c: Core): void {
  if (c.fop !== F_EAGER) {
    c.flags = (c.flags & ~ARITH) | arith(c);
    c.fop = F_EAGER;
  }
}

/** Sets all six arithmetic flags eagerly. */
export function setArith(c: Core, bits: number): void {
  c.flags = (c.flags & ~ARITH) | (bits & ARITH);
  c.fop = F_EAGER;
}

/** Sets the bits in `mask` to `bits`, keeping the other arithmetic flags. */
export function setSome(c: Core, mask: number, bits: number): void {
  materialize(c);
  c.flags = (c.flags & ~mask) | (bits & mask);
}

/** PF bit for a result's low byte. */
export function parity(v: number): number { return PARITY[v & 0xff]; }

/**
 * Condition codes in x86 encoding order (the low nibble of jcc/setcc/cmovcc):
 * o no b ae e ne be a s ns p np l ge le g. The common compare-then-branch
 * cases (cmp/sub and test/logic) are answered straight from the operands.
 */
export function cond(c: Core, cc: number): boolean {
  const op = c.fop;
  const kind = op >> 2;
  const sz = op & 3;
  switch (cc) {
    case 0: return getOF(c);
    case 1: return !getOF(c);
    case 2: return getCF(c) !== 0;
    case 3: return getCF(c) === 0;
    case 4: return getZF(c);
    case 5: return !getZF(c);
    case 6: case 7: {
      let be: boolean;
      if (kind === KF_SUB) {
        be = sz === 3 ? !ltu64(c.fb, c.fbh, c.fa, c.fah) : (c.fa << SH[sz]) >>> 0 <= (c.fb << SH[sz]) >>> 0;
      } else {
        be = getCF(c) !== 0 || getZF(c);
      }
      return cc === 6 ? be : !be;
    }
    case 8: return getSF(c);
    case 9: return !getSF(c);
    case 10: return getPF(c);
    case 11: return !getPF(c);
    case 12: case 13: {
      let l: boolean;
      if (kind === KF_SUB) {
        l = sz === 3 ? (c.fah === c.fbh ? (c.fa >>> 0) < (c.fb >>> 0) : c.fah < c.fbh) : c.fa << SH[sz] < c.fb << SH[sz];
      } else if (kind === KF_LOGIC) {
        l = getSF(c);
      } else {
        l = getSF(c) !== getOF(c);
      }
      return cc === 12 ? l : !l;
    }
    default: {
      let le: boolean;
      if (kind === KF_SUB) {
        le = sz === 3 ? (c.fah === c.fbh ? (c.fa >>> 0) <= (c.fb >>> 0) : c.fah < c.fbh) : c.fa << SH[sz] <= c.fb << SH[sz];
      } else {
        le = getZF(c) || getSF(c) !== getOF(c);
      }
      return cc === 14 ? le : !le;
    }
  }
}

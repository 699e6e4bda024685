/**
 * Integer ALU: add or adc sbb and sub xor cmp test, inc dec neg not.
 * Semantics are written once per size class (alu for 8/16/32 bits, alu64 on
 * halves); handlers per operand form only fetch and store.
 */
import type { Core } from '../core.js';
import { K_IMM, K_MEM, K_REG, type Exec, type Insn } from '../insn.js';
import { def, codes } from '../registry.js';
import { fop, getCF, KF_ADC, KF_ADD, KF_DEC, KF_INC, KF_LOGIC, KF_SBB, KF_SUB } from '../flags.js';
import { ld16, ld32, ld64, ld8, st16, st32, st64, st8 } from '../access.js';
import { pure, regIndex, size0, sizeIndex } from './operands.js';
import { emit, type Gen } from '../emit.js';

/** Sub-operations in x86 encoding order (/0../7), plus test. */
export const ADD = 0, OR = 1, ADC = 2, SBB = 3, AND = 4, SUB = 5, XOR = 6, CMP = 7, TEST = 8;
/** cmp and test only set flags. */
const writesResult = (op: number) => op < CMP;

/** a OP b for 8/16/32-bit operands (sz 0..2); sets lazy flags; returns the unmasked result. */
export function alu(c: Core, op: number, a: number, b: number, sz: number): number {
  let r: number;
  switch (op) {
    case ADD: r = (a + b) | 0; c.fop = fop(KF_ADD, sz); break;
    case OR: r = a | b; c.fop = fop(KF_LOGIC, sz); break;
    case ADC: { const ci = getCF(c); r = (a + b + ci) | 0; c.fc = ci; c.fop = fop(KF_ADC, sz); break; }
    case SBB: { const ci = getCF(c); r = (a - b - ci) | 0; c.fc = ci; c.fop = fop(KF_SBB, sz); break; }
    case AND: case TEST: r = a & b; c.fop = fop(KF_LOGIC, sz); break;
    case SUB: case CMP: r = (a - b) | 0; c.fop = fop(KF_SUB, sz); break;
    default: r = a ^ b; c.fop = fop(KF_LOGIC, sz);
  }
  c.fa = a; c.fb = b; c.fr = r;
  return r;
}

/** a OP b on 64-bit halves; returns the low half, high half in c.hi. */
export function alu64(c: Core, op: number, al: number, ah: number, bl: number, bh: number): number {
  let lo: number, hi: number;
  switch (op) {
    case ADD: case ADC: {
      const ci = op === ADC ? getCF(c) : 0;
      const s = (al >>> 0) + (bl >>> 0) + ci;
      lo = s | 0;
      hi = (ah + bh + (s > 0xffffffff ? 1 : 0)) | 0;
      c.fc = ci;
      c.fop = fop(op === ADC ? KF_ADC : KF_ADD, 3);
      break;
    }
    case SUB: case CMP: case SBB: {
      const ci = op === SBB ? getCF(c) : 0;
      const s = (al >>> 0) - (bl >>> 0) - ci;
      lo = s | 0;
      hi = (ah - bh - (s < 0 ? 1 : 0)) | 0;
      c.fc = ci;
      c.fop = fop(op === SBB ? KF_SBB : KF_SUB, 3);
      break;
    }
    case OR: lo = al | bl; hi = ah | bh; c.fop = fop(KF_LOGIC, 3); break;
    case AND: case TEST: lo = al & bl; hi = ah & bh; c.fop = fop(KF_LOGIC, 3); break;
    default: lo = al ^ bl; hi = ah ^ bh; c.fop = fop(KF_LOGIC, 3);
  }
  c.fa = al; c.fah = ah; c.fb = bl; c.fbh = bh; c.fr = lo; c.frh = hi;
  c.hi = hi;
  return lo;
}

// Handlers by form: rr (reg, reg), rm (reg, mem), mr (mem, reg), ri (reg, imm), mi (mem, imm).
// i.a / i.b: view indices of the register operands (regIndex).

const rr8: Exec = (c, i) => { const v = alu(c, i.op, c.r8[i.a], c.r8[i.b], 0); if (writesResult(i.op)) c.r8[i.a] = v; };
const rm8: Exec = (c, i) => { const v = alu(c, i.op, c.r8[i.a], ld8(c, i.ea(c, i)), 0); if (writesResult(i.op)) c.r8[i.a] = v; };
const mr8: Exec = (c, i) => { const a = i.ea(c, i); const v = alu(c, i.op, ld8(c, a), c.r8[i.b], 0); if (writesResult(i.op)) st8(c, a, v); };
const ri8: Exec = (c, i) => { const v = alu(c, i.op, c.r8[i.a], i.imm, 0); if (writesResult(i.op)) c.r8[i.a] = v; };
const mi8: Exec = (c, i) => { const a = i.ea(c, i); const v = alu(c, i.op, ld8(c, a), i.imm, 0); if (writesResult(i.op)) st8(c, a, v); };

const rr16: Exec = (c, i) => { const v = alu(c, i.op, c.r16[i.a], c.r16[i.b], 1); if (writesResult(i.op)) c.r16[i.a] = v; };
const rm16: Exec = (c, i) => { const v = alu(c, i.op, c.r16[i.a], ld16(c, i.ea(c, i)), 1); if (writesResult(i.op)) c.r16[i.a] = v; };
const mr16: Exec = (c, i) => { const a = i.ea(c, i); const v = alu(c, i.op, ld16(c, a), c.r16[i.b], 1); if (writesResult(i.op)) st16(c, a, v); };
const ri16: Exec = (c, i) => { const v = alu(c, i.op, c.r16[i.a], i.imm, 1); if (writesResult(i.op)) c.r16[i.a] = v; };
const mi16: Exec = (c, i) => { const a = i.ea(c, i); const v = alu(c, i.op, ld16(c, a), i.imm, 1); if (writesResult(i.op)) st16(c, a, v); };

const rr32: Exec = (c, i) => {
  const r = c.r, d = i.a;
  const v = alu(c, i.op, r[d], r[i.b], 2);
  if (writesResult(i.op)) { r[d] = v; r[d + 1] = 0; }
};
const rm32: Exec = (c, i) => {
  const r = c.r, d = i.a;
  const v = alu(c, i.op, r[d], ld32(c, i.ea(c, i)), 2);
  if (writesResult(i.op)) { r[d] = v; r[d + 1] = 0; }
};
const mr32: Exec = (c, i) => { const a = i.ea(c, i); const v = alu(c, i.op, ld32(c, a), c.r[i.b], 2); if (writesResult(i.op)) st32(c, a, v); };
const ri32: Exec = (c, i) => {
  const r = c.r, d = i.a;
  const v = alu(c, i.op, r[d], i.imm, 2);
  if (writesResult(i.op)) { r[d] = v; r[d + 1] = 0; }
};
const mi32: Exec = (c, i) => { const a = i.ea(c, i); const v = alu(c, i.op, ld32(c, a), i.imm, 2); if (writesResult(i.op)) st32(c, a, v); };

const rr64: Exec = (c, i) => {
  const r = c.r, d = i.a, s = i.b;
  const lo = alu64(c, i.op, r[d], r[d + 1], r[s], r[s + 1]);
  if (writesResult(i.op)) { r[d] = lo; r[d + 1] = c.hi; }
};
const rm64: Exec = (c, i) => {
  const r = c.r, d = i.a;
  const bl = ld64(c, i.ea(c, i));
  const lo = alu64(c, i.op, r[d], r[d + 1], bl, c.hi);
  if (writesResult(i.op)) { r[d] = lo; r[d + 1] = c.hi; }
};
const mr64: Exec = (c, i) => {
  const a = i.ea(c, i), r = c.r, s = i.b;
  const al = ld64(c, a);
  const lo = alu64(c, i.op, al, c.hi, r[s], r[s + 1]);
  if (writesResult(i.op)) st64(c, a, lo, c.hi);
};
const ri64: Exec = (c, i) => {
  const r = c.r, d = i.a;
  const lo = alu64(c, i.op, r[d], r[d + 1], i.imm, i.immHi);
  if (writesResult(i.op)) { r[d] = lo; r[d + 1] = c.hi; }
};
const mi64: Exec = (c, i) => {
  const a = i.ea(c, i);
  const al = ld64(c, a);
  const lo = alu64(c, i.op, al, c.hi, i.imm, i.immHi);
  if (writesResult(i.op)) st64(c, a, lo, c.hi);
};

const FORMS = {
  rr: [rr8, rr16, rr32, rr64], rm: [rm8, rm16, rm32, rm64], mr: [mr8, mr16, mr32, mr64],
  ri: [ri8, ri16, ri32, ri64], mi: [mi8, mi16, mi32, mi64],
};

function buildAlu(op: number) {
  return (i: Insn): Exec | null => {
    const size = size0(i);
    const sz = sizeIndex(size);
    i.op = op;
    if (i.k0 === K_REG) {
      i.a = regIndex(i.r0, size);
      if (i.k1 === K_REG) { i.b = regIndex(i.r1, size); pure(i); return FORMS.rr[sz]; }
      if (i.k1 === K_MEM) { i.writes = false; return FORMS.rm[sz]; }
      if (i.k1 === K_IMM) { pure(i); return FORMS.ri[sz]; }
      return null;
    }
    if (i.k0 === K_MEM) {
      i.writes = writesResult(op);
      if (i.k1 === K_REG) { i.b = regIndex(i.r1, size); return FORMS.mr[sz]; }
      if (i.k1 === K_IMM) return FORMS.mi[sz];
    }
    return null;
  };
}

const NAMES = ['Add', 'Or', 'Adc', 'Sbb', 'And', 'Sub', 'Xor', 'Cmp'];
NAMES.forEach((name, op) => {
  def(codes(
    `${name}_rm8_r8`, `${name}_rm16_r16`, `${name}_rm32_r32`, `${name}_rm64_r64`,
    `${name}_r8_rm8`, `${name}_r16_rm16`, `${name}_r32_rm32`, `${name}_r64_rm64`,
    `${name}_AL_imm8`, `${name}_AX_imm16`, `${name}_EAX_imm32`, `${name}_RAX_imm32`,
    `${name}_rm8_imm8`, `${name}_rm16_imm16`, `${name}_rm32_imm32`, `${name}_rm64_imm32`,
    `${name}_rm8_imm8_82`, `${name}_rm16_imm8`, `${name}_rm32_imm8`, `${name}_rm64_imm8`,
  ), buildAlu(op));
});
def(codes(
  'Test_rm8_r8', 'Test_rm16_r16', 'Test_rm32_r32', 'Test_rm64_r64',
  'Test_AL_imm8', 'Test_AX_imm16', 'Test_EAX_imm32', 'Test_RAX_imm32',
  'Test_rm8_imm8', 'Test_rm16_imm16', 'Test_rm32_imm32', 'Test_rm64_imm32',
  'Test_rm8_imm8_F6r1', 'Test_rm16_imm16_F7r1', 'Test_rm32_imm32_F7r1', 'Test_rm64_imm32_F7r1',
), buildAlu(TEST));

// inc / dec: like add / sub of 1, but CF is preserved (kept in fc).

function incdec(c: Core, dec: boolean, a: number, sz: number): number {
  c.fc = getCF(c);
  const r = (dec ? a - 1 : a + 1) | 0;
  c.fop = fop(dec ? KF_DEC : KF_INC, sz);
  c.fa = a; c.fb = 1; c.fr = r;
  return r;
}
function incdec64(c: Core, dec: boolean, al: number, ah: number): number {
  c.fc = getCF(c);
  let lo: number, hi: number;
  if (dec) { lo = (al - 1) | 0; hi = al === 0 ? (ah - 1) | 0 : ah; } else { lo = (al + 1) | 0; hi = lo === 0 ? (ah + 1) | 0 : ah; }
  c.fop = fop(dec ? KF_DEC : KF_INC, 3);
  c.fa = al; c.fah = ah; c.fb = 1; c.fbh = 0; c.fr = lo; c.frh = hi;
  c.hi = hi;
  return lo;
}

const incdecR32: Exec = (c, i) => { const r = c.r; r[i.a] = incdec(c, i.op !== 0, r[i.a], 2); r[i.a + 1] = 0; };
const incdecR64: Exec = (c, i) => { const r = c.r; r[i.a] = incdec64(c, i.op !== 0, r[i.a], r[i.a + 1]); r[i.a + 1] = c.hi; };
const incdecR8: Exec = (c, i) => { c.r8[i.a] = incdec(c, i.op !== 0, c.r8[i.a], 0); };
const incdecR16: Exec = (c, i) => { c.r16[i.a] = incdec(c, i.op !== 0, c.r16[i.a], 1); };
const incdecM: Exec = (c, i) => {
  const a = i.ea(c, i), dec = i.op !== 0;
  switch (i.msize) {
    case 1: st8(c, a, incdec(c, dec, ld8(c, a), 0)); break;
    case 2: st16(c, a, incdec(c, dec, ld16(c, a), 1)); break;
    case 4: st32(c, a, incdec(c, dec, ld32(c, a), 2)); break;
    default: { const lo = ld64(c, a); const v = incdec64(c, dec, lo, c.hi); st64(c, a, v, c.hi); }
  }
};

function buildIncDec(dec: number) {
  return (i: Insn): Exec => {
    i.op = dec;
    if (i.k0 === K_MEM) return incdecM;
    i.a = regIndex(i.r0, i.s0);
    pure(i);
    return [incdecR8, incdecR16, incdecR32, incdecR64][sizeIndex(i.s0)];
  };
}
def(codes('Inc_rm8', 'Inc_rm16', 'Inc_rm32', 'Inc_rm64', 'Inc_r16', 'Inc_r32'), buildIncDec(0));
def(codes('Dec_rm8', 'Dec_rm16', 'Dec_rm32', 'Dec_rm64', 'Dec_r16', 'Dec_r32'), buildIncDec(1));

// neg (0 - x, as sub) and not (no flags): generic over size.

const negR: Exec = (c, i) => {
  const r = c.r;
  switch (i.s0) {
    case 1: c.r8[i.a] = alu(c, SUB, 0, c.r8[i.a], 0); break;
    case 2: c.r16[i.a] = alu(c, SUB, 0, c.r16[i.a], 1); break;
    case 4: r[i.a] = alu(c, SUB, 0, r[i.a], 2); r[i.a + 1] = 0; break;
    default: r[i.a] = alu64(c, SUB, 0, 0, r[i.a], r[i.a + 1]); r[i.a + 1] = c.hi;
  }
};
const negM: Exec = (c, i) => {
  const a = i.ea(c, i);
  switch (i.msize) {
    case 1: st8(c, a, alu(c, SUB, 0, ld8(c, a), 0)); break;
    case 2: st16(c, a, alu(c, SUB, 0, ld16(c, a), 1)); break;
    case 4: st32(c, a, alu(c, SUB, 0, ld32(c, a), 2)); break;
    default: { const lo = ld64(c, a); const v = alu64(c, SUB, 0, 0, lo, c.hi); st64(c, a, v, c.hi); }
  }
};
const notR: Exec = (c, i) => {
  const r = c.r;
  switch (i.s0) {
    case 1: c.r8[i.a] = ~c.r8[i.a]; break;
    case 2: c.r16[i.a] = ~c.r16[i.a]; break;
    case 4: r[i.a] = ~r[i.a]; r[i.a + 1] = 0; break;
    default: r[i.a] = ~r[i.a]; r[i.a + 1] = ~r[i.a + 1];
  }
};
const notM: Exec = (c, i) => {
  const a = i.ea(c, i);
  switch (i.msize) {
    case 1: st8(c, a, ~ld8(c, a)); break;
    case 2: st16(c, a, ~ld16(c, a)); break;
    case 4: st32(c, a, ~ld32(c, a)); break;
    default: { const lo = ld64(c, a); st64(c, a, ~lo, ~c.hi); }
  }
};
function buildUnary(reg: Exec, mem: Exec) {
  return (i: Insn): Exec => {
    if (i.k0 === K_MEM) return mem;
    i.a = regIndex(i.r0, i.s0);
    pure(i);
    return reg;
  };
}
def(codes('Neg_rm8', 'Neg_rm16', 'Neg_rm32', 'Neg_rm64'), buildUnary(negR, negM));
def(codes('Not_rm8', 'Not_rm16', 'Not_rm32', 'Not_rm64'), buildUnary(notR, notM));

// ---- compiled-tier emitters (emit.ts): the same semantics as JS source, 32- and 64-bit forms ----

/**
 * Statements computing `v` (and `vh` for 64-bit) = x OP y from locals, and
 * the flag kind; null for adc/sbb (they read CF: left to the handler).
 */
function aluSource(op: number, sz: number, x: string, y: string, xh: string, yh: string, v: string, vh: string): [string, number] | null {
  if (op === ADC || op === SBB) return null;
  const logic = op === OR || op === AND || op === XOR || op === TEST;
  const kind = logic ? KF_LOGIC : op === ADD ? KF_ADD : KF_SUB;
  const sym = op === OR ? '|' : op === AND || op === TEST ? '&' : op === XOR ? '^' : op === ADD ? '+' : '-';
  if (sz <= 2) return [`const ${v} = (${x} ${sym} ${y}) | 0;\n`, kind];
  if (logic) return [`const ${v} = ${x} ${sym} ${y}, ${vh} = ${xh} ${sym} ${yh};\n`, kind];
  const s = `${v}s`;
  const carry = op === ADD ? `(${s} > 4294967295 ? 1 : 0)` : `(${s} < 0 ? 1 : 0)`;
  return [`const ${s} = (${x} >>> 0) ${sym} (${y} >>> 0), ${v} = ${s} | 0, ${vh} = (${xh} ${sym} ${yh} ${sym} ${carry}) | 0;\n`, kind];
}

/** Emitter for one form; `fetch` declares x/xh (destination) and y/yh (source), `put` writes v/vh back. */
function aluEmitter(sz: number, fetch: (i: Insn, g: Gen, x: string, xh: string, y: string, yh: string) => string,
  put: (i: Insn, g: Gen, v: string, vh: string) => string) {
  return (i: Insn, g: Gen): string | null => {
    const x = g.v('x'), xh = g.v('xh'), y = g.v('y'), yh = g.v('yh'), v = g.v('v'), vh = g.v('vh');
    const src = aluSource(i.op, sz, x, y, xh, yh, v, vh);
    if (src === null) return null;
    let s = fetch(i, g, x, xh, y, yh) + src[0];
    if (writesResult(i.op)) s += put(i, g, v, vh);
    return s + (sz <= 2 ? g.setFlags(src[1], sz, x, y, v) : g.setFlags(src[1], 3, x, y, v, xh, yh, vh));
  };
}
const putReg32 = (i: Insn, _g: Gen, v: string) => `r[${i.a}] = ${v}; r[${i.a + 1}] = 0;\n`;
const putReg64 = (i: Insn, _g: Gen, v: string, vh: string) => `r[${i.a}] = ${v}; r[${i.a + 1}] = ${vh};\n`;
const putMem32 = (_i: Insn, g: Gen, v: string) => g.store(g.v('a'), 4, v);
const putMem64 = (_i: Insn, g: Gen, v: string, vh: string) => g.store(g.v('a'), 8, v, vh);

emit(rr32, aluEmitter(2, (i, _g, x, _xh, y) => `const ${x} = r[${i.a}], ${y} = r[${i.b}];\n`, putReg32));
emit(ri32, aluEmitter(2, (i, _g, x, _xh, y) => `const ${x} = r[${i.a}], ${y} = ${i.imm};\n`, putReg32));
emit(rm32, aluEmitter(2, (i, g, x, _xh, y) => `const ${g.v('a')} = ${g.addr(i)};\n${g.load(y, g.v('a'), 4)}const ${x} = r[${i.a}];\n`, putReg32));
emit(mr32, aluEmitter(2, (i, g, x, _xh, y) => `const ${g.v('a')} = ${g.addr(i)};\n${g.load(x, g.v('a'), 4)}const ${y} = r[${i.b}];\n`, putMem32));
emit(mi32, aluEmitter(2, (i, g, x, _xh, y) => `const ${g.v('a')} = ${g.addr(i)};\n${g.load(x, g.v('a'), 4)}const ${y} = ${i.imm};\n`, putMem32));
emit(rr64, aluEmitter(3, (i, _g, x, xh, y, yh) => `const ${x} = r[${i.a}], ${xh} = r[${i.a + 1}], ${y} = r[${i.b}], ${yh} = r[${i.b + 1}];\n`, putReg64));
emit(ri64, aluEmitter(3, (i, _g, x, xh, y, yh) => `const ${x} = r[${i.a}], ${xh} = r[${i.a + 1}], ${y} = ${i.imm}, ${yh} = ${i.immHi};\n`, putReg64));
emit(rm64, aluEmitter(3, (i, g, x, xh, y, yh) =>
  `const ${g.v('a')} = ${g.addr(i)};\n${g.load64(y, yh, g.v('a'))}const ${x} = r[${i.a}], ${xh} = r[${i.a + 1}];\n`, putReg64));
emit(mr64, aluEmitter(3, (i, g, x, xh, y, yh) =>
  `const ${g.v('a')} = ${g.addr(i)};\n${g.load64(x, xh, g.v('a'))}const ${y} = r[${i.b}], ${yh} = r[${i.b + 1}];\n`, putMem64));
emit(mi64, aluEmitter(3, (i, g, x, xh, y, yh) =>
  `const ${g.v('a')} = ${g.addr(i)};\n${g.load64(x, xh, g.v('a'))}const ${y} = ${i.imm}, ${yh} = ${i.immHi};\n`, putMem64));

emit(incdecR32, (i, g) => {
  const x = g.v('x'), v = g.v('v'), dec = i.op !== 0;
  const fc = g.flagsDead ? '' : `c.fc = getCF(c);\n`;
  return `${fc}const ${x} = r[${i.a}], ${v} = (${x} ${dec ? '-' : '+'} 1) | 0;\nr[${i.a}] = ${v}; r[${i.a + 1}] = 0;\n` +
    g.setFlags(dec ? KF_DEC : KF_INC, 2, x, '1', v);
});
emit(incdecR64, (i, g) => {
  const x = g.v('x'), xh = g.v('xh'), v = g.v('v'), vh = g.v('vh'), dec = i.op !== 0;
  const fc = g.flagsDead ? '' : `c.fc = getCF(c);\n`;
  const hi = dec ? `${x} === 0 ? (${xh} - 1) | 0 : ${xh}` : `${v} === 0 ? (${xh} + 1) | 0 : ${xh}`;
  return `${fc}const ${x} = r[${i.a}], ${xh} = r[${i.a + 1}], ${v} = (${x} ${dec ? '-' : '+'} 1) | 0, ${vh} = ${hi};\n` +
    `r[${i.a}] = ${v}; r[${i.a + 1}] = ${vh};\n` + g.setFlags(dec ? KF_DEC : KF_INC, 3, x, '1', v, xh, '0', vh);
});

/** inc/dec of memory: load, CF kept aside and the flags, then the store (the handler's order). */
emit(incdecM, (i, g) => {
  const a = g.v('a'), x = g.v('x'), v = g.v('v'), dec = i.op !== 0, op = dec ? '-' : '+', kind = dec ? KF_DEC : KF_INC;
  const fc = g.flagsDead ? '' : `c.fc = getCF(c);\n`;
  const at = `const ${a} = ${g.addr(i)};\n`;
  if (i.msize === 8) {
    const xh = g.v('xh'), vh = g.v('vh');
    const hi = dec ? `${x} === 0 ? (${xh} - 1) | 0 : ${xh}` : `${v} === 0 ? (${xh} + 1) | 0 : ${xh}`;
    return `${at}${g.load64(x, xh, a)}${fc}const ${v} = (${x} ${op} 1) | 0, ${vh} = ${hi};\n` +
      g.setFlags(kind, 3, x, '1', v, xh, '0', vh) + g.store(a, 8, v, vh);
  }
  const n = i.msize as 1 | 2 | 4;
  return `${at}${g.load(x, a, n)}${fc}const ${v} = (${x} ${op} 1) | 0;\n` + g.setFlags(kind, sizeIndex(n), x, '1', v) + g.store(a, n, v);
});

emit(notR, (i) => {
  switch (i.s0) {
    case 1: return `c.r8[${i.a}] = ~c.r8[${i.a}];\n`;
    case 2: return `c.r16[${i.a}] = ~c.r16[${i.a}];\n`;
    case 4: return `r[${i.a}] = ~r[${i.a}]; r[${i.a + 1}] = 0;\n`;
    default: return `r[${i.a}] = ~r[${i.a}]; r[${i.a + 1}] = ~r[${i.a + 1}];\n`;
  }
});
/** neg of a 32- or 64-bit register: the flags of 0 - x, as the handler (alu SUB) sets them. */
emit(negR, (i, g) => {
  const x = g.v('x'), xh = g.v('xh'), v = g.v('v'), vh = g.v('vh');
  if (i.s0 === 4) return `const ${x} = r[${i.a}], ${v} = (0 - ${x}) | 0;\nr[${i.a}] = ${v}; r[${i.a + 1}] = 0;\n` + g.setFlags(KF_SUB, 2, '0', x, v);
  if (i.s0 !== 8) return null;
  return `const ${x} = r[${i.a}], ${xh} = r[${i.a + 1}], ${v} = (0 - ${x}) | 0, ${vh} = (0 - ${xh} - (${x} !== 0 ? 1 : 0)) | 0;\n` +
    `r[${i.a}] = ${v}; r[${i.a + 1}] = ${vh};\n` + g.setFlags(KF_SUB, 3, '0', x, v, '0', xh, vh);
});

// 8- and 16-bit forms: values are zero-extended (views and loads), results unmasked (the stores truncate).
for (const [sz, view, n] of [[0, 'c.r8', 1], [1, 'c.r16', 2]] as [number, string, 1 | 2][]) {
  const putReg = (i: Insn, _g: Gen, v: string) => `${view}[${i.a}] = ${v};\n`;
  const putMem = (_i: Insn, g: Gen, v: string) => g.store(g.v('a'), n, v);
  const forms = sz === 0 ? [rr8, ri8, rm8, mr8, mi8] : [rr16, ri16, rm16, mr16, mi16];
  emit(forms[0], aluEmitter(sz, (i, _g, x, _xh, y) => `const ${x} = ${view}[${i.a}], ${y} = ${view}[${i.b}];\n`, putReg));
  emit(forms[1], aluEmitter(sz, (i, _g, x, _xh, y) => `const ${x} = ${view}[${i.a}], ${y} = ${i.imm};\n`, putReg));
  emit(forms[2], aluEmitter(sz, (i, g, x, _xh, y) => `const ${g.v('a')} = ${g.addr(i)};\n${g.load(y, g.v('a'), n)}const ${x} = ${view}[${i.a}];\n`, putReg));
  emit(forms[3], aluEmitter(sz, (i, g, x, _xh, y) => `const ${g.v('a')} = ${g.addr(i)};\n${g.load(x, g.v('a'), n)}const ${y} = ${view}[${i.b}];\n`, putMem));
  emit(forms[4], aluEmitter(sz, (i, g, x, _xh, y) => `const ${g.v('a')} = ${g.addr(i)};\n${g.load(x, g.v('a'), n)}const ${y} = ${i.imm};\n`, putMem));
}

/**
 * Data movement without arithmetic flags: mov (all forms), movzx, movsx,
 * movsxd, lea, cmovcc, setcc, bswap, cbw/cwde/cdqe/cwd/cdq/cqo, xlat, movnti.
 */
import type { Core } from '../core.js';
import { K_IMM, K_MEM, K_REG, K_SEG, SEG_FS, SEG_GS, type Exec, type Insn } from '../insn.js';
import { def, codes } from '../registry.js';
import { cond } from '../flags.js';
import { ld16, ld32, ld64, ld8, st16, st32, st64, st8 } from '../access.js';
import { pure, readMem, readReg, regIndex, size0, sizeIndex, writeReg } from './operands.js';
import { emit, type Gen } from '../emit.js';
import { condSource } from './cond-source.js';

/** Condition names in encoding order (cc = 0..15). */
export const CC_NAMES = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];

// ---- mov ----

const movRR: Exec[] = [
  (c, i) => { c.r8[i.a] = c.r8[i.b]; },
  (c, i) => { c.r16[i.a] = c.r16[i.b]; },
  (c, i) => { const r = c.r; r[i.a] = r[i.b]; r[i.a + 1] = 0; },
  (c, i) => { const r = c.r; r[i.a] = r[i.b]; r[i.a + 1] = r[i.b + 1]; },
];
const movRM: Exec[] = [
  (c, i) => { c.r8[i.a] = ld8(c, i.ea(c, i)); },
  (c, i) => { c.r16[i.a] = ld16(c, i.ea(c, i)); },
  (c, i) => { const r = c.r; r[i.a] = ld32(c, i.ea(c, i)); r[i.a + 1] = 0; },
  (c, i) => { const r = c.r; r[i.a] = ld64(c, i.ea(c, i)); r[i.a + 1] = c.hi; },
];
const movMR: Exec[] = [
  (c, i) => { st8(c, i.ea(c, i), c.r8[i.b]); },
  (c, i) => { st16(c, i.ea(c, i), c.r16[i.b]); },
  (c, i) => { st32(c, i.ea(c, i), c.r[i.b]); },
  (c, i) => { st64(c, i.ea(c, i), c.r[i.b], c.r[i.b + 1]); },
];
const movRI: Exec[] = [
  (c, i) => { c.r8[i.a] = i.imm; },
  (c, i) => { c.r16[i.a] = i.imm; },
  (c, i) => { const r = c.r; r[i.a] = i.imm; r[i.a + 1] = 0; },
  (c, i) => { const r = c.r; r[i.a] = i.imm; r[i.a + 1] = i.immHi; },
];
const movMI: Exec[] = [
  (c, i) => { st8(c, i.ea(c, i), i.imm); },
  (c, i) => { st16(c, i.ea(c, i), i.imm); },
  (c, i) => { st32(c, i.ea(c, i), i.imm); },
  (c, i) => { st64(c, i.ea(c, i), i.imm, i.immHi); },
];
/** Segment selectors as a 64-bit Linux process sees them (cs, ss; the rest null). */
const SELECTORS = [0, 0x33, 0x2b, 0, 0, 0];
const movFromSeg: Exec = (c, i) => {
  if (i.k0 === K_REG) writeReg(c, i.a, i.s0, SELECTORS[i.r1], 0);
  else st16(c, i.ea(c, i), SELECTORS[i.r1]);
};

function buildMov(i: Insn): Exec | null {
  if (i.k1 === K_SEG) {
    if (i.k0 === K_REG) i.a = regIndex(i.r0, i.s0);
    return movFromSeg;
  }
  const size = size0(i);
  const sz = sizeIndex(size);
  if (i.k0 === K_REG) {
    i.a = regIndex(i.r0, size);
    if (i.k1 === K_REG) { i.b = regIndex(i.r1, size); pure(i); return movRR[sz]; }
    if (i.k1 === K_MEM) { i.writes = false; return movRM[sz]; }
    if (i.k1 === K_IMM) { pure(i); return movRI[sz]; }
    return null;
  }
  if (i.k0 === K_MEM) {
    if (i.k1 === K_REG) { i.b = regIndex(i.r1, size); return movMR[sz]; }
    if (i.k1 === K_IMM) return movMI[sz];
  }
  return null;
}
def(codes(
  'Mov_rm8_r8', 'Mov_rm16_r16', 'Mov_rm32_r32', 'Mov_rm64_r64',
  'Mov_r8_rm8', 'Mov_r16_rm16', 'Mov_r32_rm32', 'Mov_r64_rm64',
  'Mov_r8_imm8', 'Mov_r16_imm16', 'Mov_r32_imm32', 'Mov_r64_imm64',
  'Mov_rm8_imm8', 'Mov_rm16_imm16', 'Mov_rm32_imm32', 'Mov_rm64_imm32',
  'Mov_AL_moffs8', 'Mov_AX_moffs16', 'Mov_EAX_moffs32', 'Mov_RAX_moffs64',
  'Mov_moffs8_AL', 'Mov_moffs16_AX', 'Mov_moffs32_EAX', 'Mov_moffs64_RAX',
  'Mov_rm16_Sreg', 'Mov_r32m16_Sreg', 'Mov_r64m16_Sreg',
), buildMov);
def(codes('Movnti_m32_r32', 'Movnti_m64_r64'), buildMov);

// ---- movzx / movsx / movsxd: source size s1, destination size s0 ----

/** Reads the source operand (size i.x) zero- or sign-extended to 32 bits. */
function extSource(c: Core, i: Insn): number {
  const v = i.k1 === K_REG ? readReg(c, i.b, i.x) : readMem(c, i.ea(c, i), i.x);
  if (i.op === 0) return v; // zero-extend: loads of 1 and 2 bytes are unsigned already
  return i.x === 1 ? (v << 24) >> 24 : i.x === 2 ? (v << 16) >> 16 : v;
}
const extend: Exec = (c, i) => {
  const v = extSource(c, i);
  writeReg(c, i.a, i.s0, v, i.op === 0 ? 0 : v >> 31);
};
// The common cases: 32-bit destination from a byte or word register or memory.
const movzx32m8: Exec = (c, i) => { const r = c.r; r[i.a] = ld8(c, i.ea(c, i)); r[i.a + 1] = 0; };
const movzx32r8: Exec = (c, i) => { const r = c.r; r[i.a] = c.r8[i.b]; r[i.a + 1] = 0; };
const movzx32m16: Exec = (c, i) => { const r = c.r; r[i.a] = ld16(c, i.ea(c, i)); r[i.a + 1] = 0; };
const movsxd64m: Exec = (c, i) => { const r = c.r; const v = ld32(c, i.ea(c, i)); r[i.a] = v; r[i.a + 1] = v >> 31; };
const movsxd64r: Exec = (c, i) => { const r = c.r; const v = r[i.b]; r[i.a] = v; r[i.a + 1] = v >> 31; };

function buildExtend(signed: boolean) {
  return (i: Insn): Exec => {
    i.op = signed ? 1 : 0;
    i.a = regIndex(i.r0, i.s0);
    const src = i.k1 === K_MEM ? i.msize : i.s1;
    i.x = src;
    if (i.k1 === K_REG) { i.b = regIndex(i.r1, src); pure(i); } else i.writes = false;
    if (i.s0 >= 4 && !signed) {
      if (src === 1) return i.k1 === K_REG ? movzx32r8 : movzx32m8;
      if (src === 2 && i.k1 === K_MEM) return movzx32m16;
    }
    if (signed && i.s0 === 8 && src === 4) return i.k1 === K_REG ? movsxd64r : movsxd64m;
    return extend;
  };
}
def(codes('Movzx_r16_rm8', 'Movzx_r32_rm8', 'Movzx_r64_rm8', 'Movzx_r16_rm16', 'Movzx_r32_rm16', 'Movzx_r64_rm16'), buildExtend(false));
def(codes('Movsx_r16_rm8', 'Movsx_r32_rm8', 'Movsx_r64_rm8', 'Movsx_r16_rm16', 'Movsx_r32_rm16', 'Movsx_r64_rm16',
  'Movsxd_r16_rm16', 'Movsxd_r32_rm32', 'Movsxd_r64_rm32'), buildExtend(true));

// ---- lea: exact 64-bit arithmetic on halves (lea is used for arithmetic, not only addresses) ----

const TWO32 = 4294967296;
const lea64: Exec = (c, i) => {
  const r = c.r;
  let lo = i.md >>> 0;
  let hi = i.md < 0 ? -1 : Math.floor(i.md / TWO32);
  if (i.mb >= 0) {
    const s = lo + (r[i.mb] >>> 0);
    lo = s >>> 0;
    hi = (hi + r[i.mb + 1] + (s >= TWO32 ? 1 : 0)) | 0;
  }
  if (i.mx >= 0) {
    let xl = r[i.mx] >>> 0, xh = r[i.mx + 1];
    const sh = i.ms === 1 ? 0 : i.ms === 2 ? 1 : i.ms === 4 ? 2 : 3;
    if (sh !== 0) { xh = (xh << sh) | (xl >>> (32 - sh)); xl = (xl << sh) >>> 0; }
    const s = lo + xl;
    lo = s >>> 0;
    hi = (hi + xh + (s >= TWO32 ? 1 : 0)) | 0;
  }
  r[i.a] = lo | 0;
  r[i.a + 1] = hi;
};
/** The low 32 bits of base + index*scale + disp (also the 0x67 form, zero-extended). */
function lea32Value(c: Core, i: Insn): number {
  const r = c.r;
  let v = i.md;
  if (i.mb >= 0) v += r[i.mb];
  if (i.mx >= 0) v += Math.imul(r[i.mx], i.ms);
  return v | 0;
}
const lea32: Exec = (c, i) => { const r = c.r; r[i.a] = lea32Value(c, i); r[i.a + 1] = 0; };
const lea16: Exec = (c, i) => { c.r16[i.a] = lea32Value(c, i); };
def(codes('Lea_r16_m', 'Lea_r32_m', 'Lea_r64_m'), (i) => {
  i.a = regIndex(i.r0, i.s0);
  pure(i);
  if (i.s0 === 2) return lea16;
  return i.s0 === 4 || i.m32 ? lea32 : lea64;
});

// ---- cmovcc: the source is always read; a 32-bit destination is always written (zero-extended) ----

const cmovR: Exec[] = [
  (c, i) => { const v = c.r16[i.b]; if (cond(c, i.op)) c.r16[i.a] = v; },
  (c, i) => { const r = c.r; if (cond(c, i.op)) r[i.a] = r[i.b]; r[i.a + 1] = 0; },
  (c, i) => { const r = c.r; if (cond(c, i.op)) { r[i.a] = r[i.b]; r[i.a + 1] = r[i.b + 1]; } },
];
const cmovM: Exec[] = [
  (c, i) => { const v = ld16(c, i.ea(c, i)); if (cond(c, i.op)) c.r16[i.a] = v; },
  (c, i) => { const r = c.r; const v = ld32(c, i.ea(c, i)); if (cond(c, i.op)) r[i.a] = v; r[i.a + 1] = 0; },
  (c, i) => { const r = c.r; const v = ld64(c, i.ea(c, i)); if (cond(c, i.op)) { r[i.a] = v; r[i.a + 1] = c.hi; } },
];
CC_NAMES.forEach((n, cc) => {
  def(codes(`Cmov${n}_r16_rm16`, `Cmov${n}_r32_rm32`, `Cmov${n}_r64_rm64`), (i) => {
    i.op = cc;
    i.a = regIndex(i.r0, i.s0);
    const sz = sizeIndex(i.s0) - 1;
    if (i.k1 === K_REG) { i.b = regIndex(i.r1, i.s0); pure(i); return cmovR[sz]; }
    i.writes = false;
    return cmovM[sz];
  });
});

// ---- setcc ----

const setR: Exec = (c, i) => { c.r8[i.a] = cond(c, i.op) ? 1 : 0; };
const setM: Exec = (c, i) => { st8(c, i.ea(c, i), cond(c, i.op) ? 1 : 0); };
CC_NAMES.forEach((n, cc) => {
  def(codes(`Set${n}_rm8`), (i) => {
    i.op = cc;
    if (i.k0 === K_MEM) return setM;
    i.a = regIndex(i.r0, 1);
    pure(i);
    return setR;
  });
});

// ---- bswap ----

function swap32(v: number): number {
  return (v << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
}
const bswap32: Exec = (c, i) => { const r = c.r; r[i.a] = swap32(r[i.a]); r[i.a + 1] = 0; };
const bswap64: Exec = (c, i) => { const r = c.r; const lo = r[i.a]; r[i.a] = swap32(r[i.a + 1]); r[i.a + 1] = swap32(lo); };
/** bswap of a 16-bit register is undefined; processors clear it. */
const bswap16: Exec = (c, i) => { c.r16[4 * i.r0] = 0; };
def(codes('Bswap_r16', 'Bswap_r32', 'Bswap_r64'), (i) => {
  i.a = 2 * i.r0;
  pure(i);
  return i.s0 === 8 ? bswap64 : i.s0 === 4 ? bswap32 : bswap16;
});

// ---- cbw cwde cdqe / cwd cdq cqo ----

// One handler each (not a closure per instruction), so the compiled tier can find their emitters.
const cbw: Exec = (c) => { c.r16[0] = (c.r8[0] << 24) >> 24; };
const cwde: Exec = (c) => { c.r[0] = (c.r16[0] << 16) >> 16; c.r[1] = 0; };
const cdqe: Exec = (c) => { c.r[1] = c.r[0] >> 31; };
const cwd: Exec = (c) => { c.r16[8] = c.r16[0] & 0x8000 ? 0xffff : 0; };
const cdq: Exec = (c) => { c.r[4] = c.r[0] >> 31; c.r[5] = 0; };
const cqo: Exec = (c) => { const s = c.r[1] >> 31; c.r[4] = s; c.r[5] = s; };
for (const [name, fn] of [['Cbw', cbw], ['Cwde', cwde], ['Cdqe', cdqe], ['Cwd', cwd], ['Cdq', cdq], ['Cqo', cqo]] as const) {
  def(codes(name), (i) => { pure(i); return fn; });
}

// ---- xlat: al = [rbx + al] ----

const TWO32X = 4294967296;
def(codes('Xlat_m8'), (i) => {
  i.writes = false;
  const seg = i.mseg;
  return (c) => {
    const r = c.r;
    let a = (r[6] >>> 0) + r[7] * TWO32X + c.r8[0];
    if (seg === SEG_FS) a += c.ctx.fsBase; else if (seg === SEG_GS) a += c.ctx.gsBase;
    c.r8[0] = ld8(c, a);
  };
});

// ---- compiled-tier emitters ----

const addrLocal = (i: Insn, g: Gen) => `const ${g.v('a')} = ${g.addr(i)};\n`;
emit(movRR[2], (i) => `r[${i.a}] = r[${i.b}]; r[${i.a + 1}] = 0;\n`);
emit(movRR[3], (i) => `r[${i.a}] = r[${i.b}]; r[${i.a + 1}] = r[${i.b + 1}];\n`);
emit(movRI[2], (i) => `r[${i.a}] = ${i.imm}; r[${i.a + 1}] = 0;\n`);
emit(movRI[3], (i) => `r[${i.a}] = ${i.imm}; r[${i.a + 1}] = ${i.immHi};\n`);
emit(movRM[2], (i, g) => addrLocal(i, g) + g.load(g.v('v'), g.v('a'), 4) + `r[${i.a}] = ${g.v('v')}; r[${i.a + 1}] = 0;\n`);
emit(movRM[3], (i, g) => addrLocal(i, g) + g.load64(g.v('v'), g.v('vh'), g.v('a')) + `r[${i.a}] = ${g.v('v')}; r[${i.a + 1}] = ${g.v('vh')};\n`);
emit(movRM[0], (i, g) => addrLocal(i, g) + g.load(g.v('v'), g.v('a'), 1) + `c.r8[${i.a}] = ${g.v('v')};\n`);
emit(movMR[2], (i, g) => addrLocal(i, g) + g.store(g.v('a'), 4, `r[${i.b}]`));
emit(movMR[3], (i, g) => addrLocal(i, g) + g.store(g.v('a'), 8, `r[${i.b}]`, `r[${i.b + 1}]`));
emit(movMR[0], (i, g) => addrLocal(i, g) + g.store(g.v('a'), 1, `c.r8[${i.b}]`));
emit(movMI[2], (i, g) => addrLocal(i, g) + g.store(g.v('a'), 4, `${i.imm}`));
emit(movMI[3], (i, g) => addrLocal(i, g) + g.store(g.v('a'), 8, `${i.imm}`, `${i.immHi}`));
emit(movMI[0], (i, g) => addrLocal(i, g) + g.store(g.v('a'), 1, `${i.imm & 0xff}`));
emit(movRR[0], (i) => `c.r8[${i.a}] = c.r8[${i.b}];\n`);
emit(movRR[1], (i) => `c.r16[${i.a}] = c.r16[${i.b}];\n`);
emit(movRI[0], (i) => `c.r8[${i.a}] = ${i.imm & 0xff};\n`);
emit(movRI[1], (i) => `c.r16[${i.a}] = ${i.imm & 0xffff};\n`);
emit(movRM[1], (i, g) => addrLocal(i, g) + g.load(g.v('v'), g.v('a'), 2) + `c.r16[${i.a}] = ${g.v('v')};\n`);
emit(movMR[1], (i, g) => addrLocal(i, g) + g.store(g.v('a'), 2, `c.r16[${i.b}]`));
emit(movMI[1], (i, g) => addrLocal(i, g) + g.store(g.v('a'), 2, `${i.imm & 0xffff}`));
/** movzx/movsx of any size pair: the source zero-extended (views and loads of 1 and 2 bytes are unsigned), then sign-extended if asked. */
emit(extend, (i, g) => {
  const v = g.v('v'), n = i.x as 1 | 2 | 4;
  let code: string;
  if (i.k1 === K_REG) {
    const view = n === 1 ? 'c.r8' : n === 2 ? 'c.r16' : 'r';
    code = `const ${v} = ${view}[${i.b}];\n`;
  } else code = addrLocal(i, g) + g.load(v, g.v('a'), n);
  const e = g.v('e');
  const ext = i.op === 0 || n === 4 ? v : n === 1 ? `((${v} << 24) >> 24)` : `((${v} << 16) >> 16)`;
  code += `const ${e} = ${ext};\n`;
  if (i.s0 === 2) return code + `c.r16[${i.a}] = ${e};\n`;
  if (i.s0 === 4) return code + `r[${i.a}] = ${e}; r[${i.a + 1}] = 0;\n`;
  return code + `r[${i.a}] = ${e}; r[${i.a + 1}] = ${i.op === 0 ? '0' : `${e} >> 31`};\n`;
});
/** bswap as one expression of the 32-bit value x. */
const swapSource = (x: string) => `((${x} << 24) | ((${x} & 0xff00) << 8) | ((${x} >>> 8) & 0xff00) | (${x} >>> 24))`;
emit(bswap32, (i) => `r[${i.a}] = ${swapSource(`r[${i.a}]`)}; r[${i.a + 1}] = 0;\n`);
emit(bswap64, (i, g) => {
  const lo = g.v('lo');
  return `const ${lo} = r[${i.a}];\nr[${i.a}] = ${swapSource(`r[${i.a + 1}]`)}; r[${i.a + 1}] = ${swapSource(lo)};\n`;
});
emit(cbw, () => 'c.r16[0] = (c.r8[0] << 24) >> 24;\n');
emit(cwde, () => 'r[0] = (c.r16[0] << 16) >> 16; r[1] = 0;\n');
emit(cdqe, () => 'r[1] = r[0] >> 31;\n');
emit(cwd, () => 'c.r16[8] = (c.r16[0] & 0x8000) !== 0 ? 0xffff : 0;\n');
emit(cdq, () => 'r[4] = r[0] >> 31; r[5] = 0;\n');
emit(cqo, () => 'r[4] = r[1] >> 31; r[5] = r[4];\n');
emit(movzx32m8, (i, g) => addrLocal(i, g) + g.load(g.v('v'), g.v('a'), 1) + `r[${i.a}] = ${g.v('v')}; r[${i.a + 1}] = 0;\n`);
emit(movzx32m16, (i, g) => addrLocal(i, g) + g.load(g.v('v'), g.v('a'), 2) + `r[${i.a}] = ${g.v('v')}; r[${i.a + 1}] = 0;\n`);
emit(movzx32r8, (i) => `r[${i.a}] = c.r8[${i.b}]; r[${i.a + 1}] = 0;\n`);
emit(movsxd64r, (i) => `r[${i.a}] = r[${i.b}]; r[${i.a + 1}] = r[${i.b}] >> 31;\n`);
emit(movsxd64m, (i, g) => addrLocal(i, g) + g.load(g.v('v'), g.v('a'), 4) + `r[${i.a}] = ${g.v('v')}; r[${i.a + 1}] = ${g.v('v')} >> 31;\n`);
emit(lea32, (i, g) => {
  const parts = [g.disp(i)];
  if (i.mb >= 0) parts.push(`r[${i.mb}]`);
  if (i.mx >= 0) parts.push(i.ms === 1 ? `r[${i.mx}]` : `Math.imul(r[${i.mx}], ${i.ms})`);
  return `r[${i.a}] = (${parts.join(' + ')}) | 0; r[${i.a + 1}] = 0;\n`;
});
/**
 * lea64 exactly: the low sum stays below 2^36 (exact), its carry goes into
 * the high half. Base + displacement alone (the common `lea d(%rsp)`) has a
 * carry of -1, 0 or 1, found by comparison rather than a division.
 */
emit(lea64, (i, g) => {
  const l = g.v('l'), h = g.v('h');
  const carry = i.mx < 0 ? `(${l} < 0 ? -1 : ${l} >= 4294967296 ? 1 : 0)` : `Math.floor(${l} / 4294967296)`;
  const lo = [g.disp(i)], hi = [carry];
  if (i.mb >= 0) { lo.push(`(r[${i.mb}] >>> 0)`); hi.push(`r[${i.mb + 1}]`); }
  if (i.mx >= 0) { lo.push(`(r[${i.mx}] >>> 0) * ${i.ms}`); hi.push(`r[${i.mx + 1}] * ${i.ms}`); }
  return `const ${l} = ${lo.join(' + ')}, ${h} = (${hi.join(' + ')}) | 0;\nr[${i.a}] = ${l} | 0; r[${i.a + 1}] = ${h};\n`;
});
emit(setR, (i, g) => `c.r8[${i.a}] = ${condSource(i.op, g)} ? 1 : 0;\n`);
emit(setM, (i, g) => addrLocal(i, g) + g.store(g.v('a'), 1, `(${condSource(i.op, g)} ? 1 : 0)`));
emit(cmovR[1], (i, g) => `if (${condSource(i.op, g)}) r[${i.a}] = r[${i.b}];\nr[${i.a + 1}] = 0;\n`);
emit(cmovR[2], (i, g) => `if (${condSource(i.op, g)}) { r[${i.a}] = r[${i.b}]; r[${i.a + 1}] = r[${i.b + 1}]; }\n`);
emit(cmovM[1], (i, g) => addrLocal(i, g) + g.load(g.v('v'), g.v('a'), 4) + `if (${condSource(i.op, g)}) r[${i.a}] = ${g.v('v')};\nr[${i.a + 1}] = 0;\n`);
emit(cmovM[2], (i, g) => addrLocal(i, g) + g.load64(g.v('v'), g.v('vh'), g.v('a')) +
  `if (${condSource(i.op, g)}) { r[${i.a}] = ${g.v('v')}; r[${i.a + 1}] = ${g.v('vh')}; }\n`);

/**
 * Multiplication and division: mul, imul (one, two and three operands), div,
 * idiv, every size. 64-bit products and 128/64 quotients are computed on
 * 32-bit limbs held in doubles (exact below 2^53), no big-integer type.
 *
 * After mul/imul, CF = OF = "the result did not fit"; SF ZF PF (undefined in
 * the manuals) follow the low half of the result, AF is 0. Division leaves
 * the flags unchanged (all undefined). #DE raises SIGFPE FPE_INTDIV.
 */
import type { Core } from '../core.js';
import { K_IMM, K_MEM, K_REG, type Exec, type Insn } from '../insn.js';
import { def, codes } from '../registry.js';
import { CF, OF, SF, ZF } from '../context.js';
import { FPE_INTDIV, SIGFPE } from '../exit.js';
import { fault } from '../access.js';
import { parity, setArith } from '../flags.js';
import { readMem, readReg, regIndex, size0 } from './operands.js';
import { emit } from '../emit.js';

const TWO32 = 4294967296;

/** Scratch results of the limb helpers (module-level: no allocation per instruction). */
let H = 0;
let W3 = 0, W2 = 0, W1 = 0, W0 = 0;
let Q1 = 0, Q0 = 0, R1 = 0, R0 = 0;

/**
 * Unsigned 32x32 -> 64: returns the low word (uint32), high word in H. Only
 * integer steps: `%` and a floor division on doubles above 2^31 are a
 * library call each in V8 (a 64-bit mul took eleven).
 */
export function umul32(a: number, b: number): number {
  a >>>= 0; b >>>= 0;
  const al = a & 0xffff, ah = a >>> 16, bl = b & 0xffff, bh = b >>> 16;
  const ll = al * bl, lh = al * bh, hl = ah * bl; // each < 2^32
  // What the low word carries into the high one, from 16-bit pieces (< 3 * 2^16).
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  H = ah * bh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16);
  return Math.imul(a, b) >>> 0;
}

/** The high word of the last umul32 (pmuludq, sse-int.ts). */
export function umulHigh(): number { return H; }

/** Unsigned 64x64 -> 128 into W3..W0 (uint32 words). Sums stay below 2^35, exact; `>>> 0` takes them mod 2^32. */
function umul64(a1: number, a0: number, b1: number, b0: number): void {
  const l00 = umul32(a0, b0), h00 = H;
  const l01 = umul32(a0, b1), h01 = H;
  const l10 = umul32(a1, b0), h10 = H;
  const l11 = umul32(a1, b1), h11 = H;
  W0 = l00;
  const s1 = h00 + l01 + l10;
  W1 = s1 >>> 0;
  const s2 = h01 + h10 + l11 + (s1 - W1) / TWO32;
  W2 = s2 >>> 0;
  W3 = (h11 + (s2 - W2) / TWO32) >>> 0;
}

/** Signed 64x64 -> 128 into W3..W0: the unsigned product corrected for negative operands. */
function smul64(a1: number, a0: number, b1: number, b0: number): void {
  umul64(a1, a0, b1, b0);
  // high 64 bits -= (a < 0 ? b : 0) + (b < 0 ? a : 0)
  if (a1 < 0) sub64Hi(b1 >>> 0, b0 >>> 0);
  if (b1 < 0) sub64Hi(a1 >>> 0, a0 >>> 0);
}
function sub64Hi(x1: number, x0: number): void {
  const s = W2 - x0;
  const borrow = s < 0 ? 1 : 0;
  W2 = s >>> 0;
  W3 = (W3 - x1 - borrow) >>> 0;
}

/**
 * Unsigned (n3:n2:n1:n0) / (d1:d0), words uint32. Quotient in Q1:Q0, remainder
 * in R1:R0. Returns false when the quotient needs more than 64 bits (or d = 0).
 */
function udiv128(n3: number, n2: number, n1: number, n0: number, d1: number, d0: number): boolean {
  if (n3 > d1 || (n3 === d1 && n2 >= d0)) return false;
  if (d1 === 0) {
    // divisor < 2^32: long division by 16-bit digits, every step exact (< 2^48)
    let r = n2 % d0; // n3 = 0 and n2 < d0 here, so r = n2
    let q = 0;
    Q1 = 0;
    for (let k = 0; k < 4; k++) {
      const w = k < 2 ? n1 : n0;
      const digit = k % 2 === 0 ? w >>> 16 : w & 0xffff;
      const t = r * 65536 + digit;
      const qd = Math.floor(t / d0);
      r = t - qd * d0;
      q = q * 65536 + qd;
      if (k === 1) { Q1 = q; q = 0; }
    }
    Q0 = q;
    R1 = 0; R0 = r;
    return true;
  }
  // divisor >= 2^32: restoring division, one quotient bit per step
  let r1 = n3, r0 = n2, q1 = 0, q0 = 0;
  for (let k = 63; k >= 0; k--) {
    const bit = k >= 32 ? (n1 >>> (k - 32)) & 1 : (n0 >>> k) & 1;
    const top = r1 >>> 31;
    r1 = ((r1 << 1) | (r0 >>> 31)) >>> 0;
    r0 = ((r0 << 1) | bit) >>> 0;
    if (top !== 0 || r1 > d1 || (r1 === d1 && r0 >= d0)) {
      const s = r0 - d0;
      r0 = s < 0 ? s + TWO32 : s;
      r1 = (r1 - d1 - (s < 0 ? 1 : 0)) >>> 0;
      if (k >= 32) q1 |= 1 << (k - 32); else q0 |= 1 << k;
    }
  }
  Q1 = q1 >>> 0; Q0 = q0 >>> 0; R1 = r1; R0 = r0;
  return true;
}

function divideError(c: Core, i: Insn): never {
  return fault(c, SIGFPE, FPE_INTDIV, i.addr, `divide error at 0x${i.addr.toString(16)}`);
}

function mulFlags(c: Core, overflow: boolean, lo: number, hi: number, bits: number): void {
  const top = bits === 64 ? hi : lo << (32 - bits);
  const zero = bits === 64 ? (lo | hi) === 0 : top === 0;
  setArith(c, (overflow ? CF | OF : 0) | (top < 0 ? SF : 0) | (zero ? ZF : 0) | parity(lo));
}

/** Source operand (operand 0 for one-operand forms, i.x = size). */
function source(c: Core, i: Insn): number {
  return i.k0 === K_REG ? readReg(c, i.a, i.x) : readMem(c, i.ea(c, i), i.x);
}

// ---- mul / imul, one operand: rdx:rax (or ax) = rax * src ----

const mul1: Exec = (c, i) => {
  const size = i.x, r = c.r;
  const s = source(c, i), sh = c.hi;
  const signed = i.op === 1;
  switch (size) {
    case 1: {
      const p = signed ? ((c.r8[0] << 24) >> 24) * ((s << 24) >> 24) : c.r8[0] * s;
      c.r16[0] = p;
      mulFlags(c, signed ? p !== ((p << 24) >> 24) : (p >>> 8) !== 0, p, 0, 8);
      break;
    }
    case 2: {
      const p = signed ? ((c.r16[0] << 16) >> 16) * ((s << 16) >> 16) : c.r16[0] * s;
      c.r16[0] = p; c.r16[8] = p >> 16;
      mulFlags(c, signed ? p !== ((p << 16) >> 16) : (p >>> 16) !== 0, p, 0, 16);
      break;
    }
    case 4: {
      let lo: number, hi: number;
      if (signed) {
        smul64(r[0] >> 31, r[0], s >> 31, s);
        lo = W0; hi = W1;
      } else {
        lo = umul32(r[0], s); hi = H;
      }
      r[0] = lo | 0; r[1] = 0; r[4] = hi | 0; r[5] = 0;
      mulFlags(c, signed ? (hi | 0) !== ((lo | 0) >> 31) : hi !== 0, lo | 0, 0, 32);
      break;
    }
    default: {
      if (signed) smul64(r[1], r[0], sh, s); else umul64(r[1] >>> 0, r[0] >>> 0, sh >>> 0, s >>> 0);
      const lo = W0 | 0, hi = W1 | 0, x2 = W2 | 0, x3 = W3 | 0;
      r[0] = lo; r[1] = hi; r[4] = x2; r[5] = x3;
      const overflow = signed ? x2 !== (hi >> 31) || x3 !== (hi >> 31) : (x2 | x3) !== 0;
      mulFlags(c, overflow, lo, hi, 64);
    }
  }
};

// ---- imul, two and three operands: dst = src1 * src2, truncated ----

const imulN: Exec = (c, i) => {
  const size = i.x;
  let al: number, ah: number;
  if (i.k1 === K_REG) { al = readReg(c, i.b, size); ah = c.hi; } else { al = readMem(c, i.ea(c, i), size); ah = c.hi; }
  let bl: number, bh: number;
  if (i.nops === 3) { bl = i.imm; bh = i.immHi; } else { bl = readReg(c, i.a, size); bh = c.hi; }
  switch (size) {
    case 2: {
      const p = ((al << 16) >> 16) * ((bl << 16) >> 16);
      c.r16[i.a] = p;
      mulFlags(c, p !== ((p << 16) >> 16), p, 0, 16);
      break;
    }
    case 4: {
      smul64(al >> 31, al, bl >> 31, bl);
      const lo = W0 | 0, hi = W1 | 0;
      c.r[i.a] = lo; c.r[i.a + 1] = 0;
      mulFlags(c, hi !== (lo >> 31), lo, 0, 32);
      break;
    }
    default: {
      smul64(ah, al, bh, bl);
      const lo = W0 | 0, hi = W1 | 0, x2 = W2 | 0, x3 = W3 | 0;
      c.r[i.a] = lo; c.r[i.a + 1] = hi;
      mulFlags(c, x2 !== (hi >> 31) || x3 !== (hi >> 31), lo, hi, 64);
    }
  }
};

// ---- div / idiv: rdx:rax / src -> rax quotient, rdx remainder ----

const div: Exec = (c, i) => {
  const size = i.x, r = c.r;
  const s = source(c, i), sh = c.hi;
  const signed = i.op === 1;
  switch (size) {
    case 1: {
      const n = signed ? (c.r16[0] << 16) >> 16 : c.r16[0];
      const d = signed ? (s << 24) >> 24 : s;
      if (d === 0) divideError(c, i);
      const q = Math.trunc(n / d);
      if (signed ? q < -128 || q > 127 : q > 255) divideError(c, i);
      c.r8[0] = q; c.r8[1] = n - q * d;
      return;
    }
    case 2: {
      const n = signed ? ((c.r16[8] << 16) | c.r16[0]) : c.r16[8] * 65536 + c.r16[0];
      const d = signed ? (s << 16) >> 16 : s;
      if (d === 0) divideError(c, i);
      const q = Math.trunc(n / d);
      if (signed ? q < -32768 || q > 32767 : q > 65535) divideError(c, i);
      c.r16[0] = q; c.r16[8] = n - q * d;
      return;
    }
    case 4: {
      let n1 = r[4] >>> 0, n0 = r[0] >>> 0, d = s >>> 0;
      const nNeg = signed && r[4] < 0, dNeg = signed && s < 0;
      if (nNeg) { n0 = (TWO32 - n0) >>> 0; n1 = (TWO32 - n1 - (n0 !== 0 ? 1 : 0)) >>> 0; }
      if (dNeg) d = TWO32 - d;
      if (d === 0 || !udiv128(0, 0, n1, n0, 0, d)) divideError(c, i);
      let q = Q0, rem = R0;
      if (Q1 !== 0) divideError(c, i);
      if (signed) {
        const neg = nNeg !== dNeg;
        if (neg ? q > 0x80000000 : q > 0x7fffffff) divideError(c, i);
        if (neg) q = -q;
        if (nNeg) rem = -rem;
      } else if (q > 0xffffffff) divideError(c, i);
      r[0] = q | 0; r[1] = 0; r[4] = rem | 0; r[5] = 0;
      return;
    }
    default: {
      let n3 = r[5] >>> 0, n2 = r[4] >>> 0, n1 = r[1] >>> 0, n0 = r[0] >>> 0;
      let d1 = sh >>> 0, d0 = s >>> 0;
      const nNeg = signed && r[5] < 0, dNeg = signed && sh < 0;
      if (nNeg) {
        // 128-bit two's complement negate
        n0 = (~n0 >>> 0) + 1; let carry = n0 === TWO32 ? 1 : 0; n0 >>>= 0;
        n1 = (~n1 >>> 0) + carry; carry = n1 === TWO32 ? 1 : 0; n1 >>>= 0;
        n2 = (~n2 >>> 0) + carry; carry = n2 === TWO32 ? 1 : 0; n2 >>>= 0;
        n3 = ((~n3 >>> 0) + carry) >>> 0;
      }
      if (dNeg) {
        d0 = (~d0 >>> 0) + 1; const carry = d0 === TWO32 ? 1 : 0; d0 >>>= 0;
        d1 = ((~d1 >>> 0) + carry) >>> 0;
      }
      if ((d1 === 0 && d0 === 0) || !udiv128(n3, n2, n1, n0, d1, d0)) divideError(c, i);
      let q1 = Q1, q0 = Q0, r1 = R1, r0 = R0;
      if (signed) {
        const neg = nNeg !== dNeg;
        // |q| must fit: <= 2^63 - 1, or 2^63 when negative
        if (q1 > 0x80000000 || (q1 === 0x80000000 && (!neg || q0 !== 0))) divideError(c, i);
        if (neg) { q0 = (~q0 >>> 0) + 1; const k = q0 === TWO32 ? 1 : 0; q0 >>>= 0; q1 = ((~q1 >>> 0) + k) >>> 0; }
        if (nNeg) { r0 = (~r0 >>> 0) + 1; const k = r0 === TWO32 ? 1 : 0; r0 >>>= 0; r1 = ((~r1 >>> 0) + k) >>> 0; }
      }
      r[0] = q0 | 0; r[1] = q1 | 0; r[4] = r0 | 0; r[5] = r1 | 0;
    }
  }
};

function buildOne(fn: Exec, signed: boolean) {
  return (i: Insn): Exec => {
    i.op = signed ? 1 : 0;
    i.x = size0(i);
    if (i.k0 === K_REG) i.a = regIndex(i.r0, i.x);
    if (i.k0 === K_REG && fn === mul1) i.mayFault = false;
    i.writes = false;
    return fn;
  };
}
def(codes('Mul_rm8', 'Mul_rm16', 'Mul_rm32', 'Mul_rm64'), buildOne(mul1, false));
def(codes('Imul_rm8', 'Imul_rm16', 'Imul_rm32', 'Imul_rm64'), buildOne(mul1, true));
def(codes('Div_rm8', 'Div_rm16', 'Div_rm32', 'Div_rm64'), buildOne(div, false));
def(codes('Idiv_rm8', 'Idiv_rm16', 'Idiv_rm32', 'Idiv_rm64'), buildOne(div, true));
def(codes(
  'Imul_r16_rm16', 'Imul_r32_rm32', 'Imul_r64_rm64',
  'Imul_r16_rm16_imm16', 'Imul_r32_rm32_imm32', 'Imul_r64_rm64_imm32',
  'Imul_r16_rm16_imm8', 'Imul_r32_rm32_imm8', 'Imul_r64_rm64_imm8',
), (i) => {
  i.x = i.s0;
  i.a = regIndex(i.r0, i.s0);
  if (i.k1 === K_REG) { i.b = regIndex(i.r1, i.s0); i.mayFault = false; }
  i.writes = false;
  if (i.nops === 3 && i.k2 !== K_IMM) return null;
  if (i.k1 !== K_REG && i.k1 !== K_MEM) return null;
  return imulN;
});

// ---- compiled-tier emitters ----

/**
 * imul r32/r64 with two or three operands when nothing reads its flags (the
 * common case: CF/OF are its only defined flags): the low half of the
 * product, inline. 64 bits: the unsigned 32x32 product of the low halves in
 * 16-bit pieces (every step exact in a double), plus the low 32 bits of the
 * cross products in the high half; signedness does not change those bits.
 */
emit(imulN, (i, g) => {
  if (!g.flagsDead || (i.x !== 4 && i.x !== 8)) return null;
  const al = g.v('al'), ah = g.v('ah'), bl = g.v('bl'), bh = g.v('bh');
  let code: string;
  if (i.k1 === K_REG) code = `const ${al} = r[${i.b}], ${ah} = r[${i.b + 1}];\n`;
  else {
    const a = g.v('a');
    code = `const ${a} = ${g.addr(i)};\n` + (i.x === 8 ? g.load64(al, ah, a) : g.load(al, a, 4) + `const ${ah} = 0;\n`);
  }
  code += i.nops === 3 ? `const ${bl} = ${i.imm | 0}, ${bh} = ${i.immHi | 0};\n` : `const ${bl} = r[${i.a}], ${bh} = r[${i.a + 1}];\n`;
  if (i.x === 4) return code + `r[${i.a}] = Math.imul(${al}, ${bl}); r[${i.a + 1}] = 0;\n`;
  const t = g.v('t'), m1 = g.v('m1'), m2 = g.v('m2');
  return code +
    `const ${t} = (${al} & 0xffff) * (${bl} & 0xffff), ${m1} = (${al} >>> 16) * (${bl} & 0xffff) + (${t} >>> 16), ` +
    `${m2} = (${al} & 0xffff) * (${bl} >>> 16) + (${m1} & 0xffff);\n` +
    `r[${i.a + 1}] = ((${al} >>> 16) * (${bl} >>> 16) + (${m1} >>> 16) + (${m2} >>> 16) + Math.imul(${al}, ${bh}) + Math.imul(${ah}, ${bl})) | 0;\n` +
    `r[${i.a}] = Math.imul(${al}, ${bl});\n`;
});

/**
 * One-operand mul/imul r/m32 and r/m64 (rdx:rax = rax * source; how
 * compilers divide by a constant): the handler, with only rax, rdx and the
 * operand's registers written back and reloaded around it in hot code
 * instead of every register the block holds.
 */
emit(mul1, (i, g) => {
  if (i.x !== 4 && i.x !== 8) return null;
  const reads = i.k0 === K_REG ? [i.a, i.a + 1] : g.addrHalves(i);
  return (i.mayFault ? `c.k = ${g.k};\n` : '') + g.narrowCall([0, 1, 4, 5, ...reads], [0, 1, 4, 5]) + '\n';
});

/**
 * Unsigned div r/m32 when edx is 0 and the divisor is not (a hash modulo a
 * table size, edx zeroed first): the quotient and remainder of two uint32
 * values, exact in doubles (floor of the quotient cannot round up below
 * 2^32). Anything else — edx not 0, a zero divisor (#DE) — runs the handler.
 * The flags stay as they were, as the handler leaves them.
 */
emit(div, (i, g) => {
  if (i.op !== 0 || i.x !== 4) return null;
  const d = g.v('d'), n = g.v('n'), q = g.v('q');
  let code: string;
  if (i.k0 === K_REG) code = `const ${d} = r[${i.a}] >>> 0;\n`;
  else {
    const a = g.v('a'), m = g.v('m');
    code = `const ${a} = ${g.addr(i)};\n` + g.load(m, a, 4) + `const ${d} = ${m} >>> 0;\n`;
  }
  return code +
    `if (r[4] === 0 && ${d} !== 0) { const ${n} = r[0] >>> 0, ${q} = Math.floor(${n} / ${d}); ` +
    `r[0] = ${q} | 0; r[1] = 0; r[4] = (${n} - ${q} * ${d}) | 0; r[5] = 0; }\n` +
    `else { c.k = ${g.k}; ${g.handler()} }\n`;
});

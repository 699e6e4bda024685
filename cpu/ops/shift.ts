/**
 * Shifts and rotates: shl/sal shr sar (lazy flags), rol ror rcl rcr and
 * shld shrd (eager flags). The count is masked to 5 bits (6 for 64-bit
 * operands); a masked count of 0 changes no flags.
 *
 * Flags the manuals leave undefined follow the count-1 formulas for any count
 * (OF), AF is 0 after shifts.
 */
import type { Core } from '../core.js';
import { K_MEM, K_REG, type Exec, type Insn } from '../insn.js';
import { def, codes } from '../registry.js';
import { CF, OF, SF, ZF } from '../context.js';
import { fop, getCF, KF_SAR, KF_SHL, KF_SHR, parity, setArith, setSome } from '../flags.js';
import { wchk } from '../access.js';
import { readMem, readReg, regIndex, size0, sizeIndex, writeMem, writeReg } from './operands.js';
import { emit, type Gen } from '../emit.js';

const SHL = 4, SHR = 5, SAR = 7, ROL = 0, ROR = 1, RCL = 2, RCR = 3;

/** Shifted 64-bit values on halves (n in 0..63); results: low half returned, high half in c.hi. */
function shl64(c: Core, lo: number, hi: number, n: number): number {
  if (n === 0) { c.hi = hi; return lo; }
  if (n < 32) { c.hi = (hi << n) | (lo >>> (32 - n)); return lo << n; }
  c.hi = lo << (n - 32);
  return 0;
}
function shr64(c: Core, lo: number, hi: number, n: number): number {
  if (n === 0) { c.hi = hi; return lo; }
  if (n < 32) { c.hi = hi >>> n; return (lo >>> n) | (hi << (32 - n)); }
  c.hi = 0;
  return hi >>> (n - 32);
}
function sar64(c: Core, lo: number, hi: number, n: number): number {
  if (n === 0) { c.hi = hi; return lo; }
  if (n < 32) { c.hi = hi >> n; return (lo >>> n) | (hi << (32 - n)); }
  c.hi = hi >> 31;
  return hi >> (n - 32);
}
/** Bit b (0..63) of a 64-bit value. */
function bit64(lo: number, hi: number, b: number): number {
  return b < 32 ? (lo >>> b) & 1 : (hi >>> (b - 32)) & 1;
}

/** Sign bit and zero test of a value of `bits` bits held in lo (and hi for 64). */
function resultFlags(lo: number, hi: number, bits: number): number {
  const top = bits === 64 ? hi : lo << (32 - bits);
  const zero = bits === 64 ? (lo | hi) === 0 : top === 0;
  return (top < 0 ? SF : 0) | (zero ? ZF : 0) | parity(lo);
}

/**
 * shl/shr/sar/rol/ror/rcl/rcr of (lo, hi) by a masked nonzero count n, size in bytes.
 * Returns the low half of the result (high half in c.hi) and sets the flags.
 */
function shift(c: Core, op: number, lo: number, hi: number, n: number, size: number): number {
  const bits = size * 8;
  const sz = sizeIndex(size);
  if (op === SHL || op === SHR || op === SAR) {
    let r: number, cf: number;
    if (bits === 64) {
      if (op === SHL) { cf = bit64(lo, hi, 64 - n); r = shl64(c, lo, hi, n); } else {
        cf = bit64(lo, hi, n - 1);
        r = op === SHR ? shr64(c, lo, hi, n) : sar64(c, lo, hi, n);
      }
      c.fah = hi; c.frh = c.hi;
    } else {
      const v = op === SAR ? (lo << (32 - bits)) >> (32 - bits) : bits === 32 ? lo : lo & ((1 << bits) - 1);
      if (op === SHL) { cf = n <= bits ? (v >>> (bits - n)) & 1 : 0; r = v << n; } else if (op === SHR) {
        cf = (v >>> (n - 1)) & 1; r = v >>> n;
      } else { cf = (v >> (n - 1)) & 1; r = v >> n; }
      r |= 0;
      c.hi = 0;
      lo = v;
    }
    c.fop = fop(op === SHL ? KF_SHL : op === SHR ? KF_SHR : KF_SAR, sz);
    c.fa = lo; c.fr = r; c.fc = cf;
    return r;
  }
  // Rotates: only CF and OF change.
  if (op === ROL || op === ROR) {
    let rl: number, rh = 0, cf: number, of: number;
    if (bits === 64) {
      const m = op === ROL ? n : 64 - n;
      const al = shl64(c, lo, hi, m), ah = c.hi;
      const bl = shr64(c, lo, hi, 64 - m), bh = c.hi;
      rl = al | bl; rh = ah | bh;
    } else {
      const mask = bits === 32 ? -1 : (1 << bits) - 1;
      const v = lo & mask;
      const e = n % bits;
      const m = op === ROL ? e : (bits - e) % bits;
      rl = m === 0 ? v : ((v << m) | (v >>> (bits - m))) & mask;
    }
    const msb = bits === 64 ? rh >>> 31 : (rl >>> (bits - 1)) & 1;
    if (op === ROL) { cf = rl & 1; of = msb ^ cf; } else {
      cf = msb;
      of = msb ^ (bits === 64 ? (rh >>> 30) & 1 : (rl >>> (bits - 2)) & 1);
    }
    setSome(c, CF | OF, cf | (of ? OF : 0));
    c.hi = rh;
    return rl;
  }
  // rcl / rcr: rotate through carry, one bit at a time (rare).
  const count = bits <= 16 ? n % (bits + 1) : n;
  if (count === 0) { c.hi = hi; return lo; }
  let cf = getCF(c), of = 0;
  let vl = bits === 64 ? lo : lo & (bits === 32 ? -1 : (1 << bits) - 1), vh = bits === 64 ? hi : 0;
  const msbOf = (l: number, h: number) => bits === 64 ? h >>> 31 : (l >>> (bits - 1)) & 1;
  if (op === RCR) of = msbOf(vl, vh) ^ cf;
  for (let k = 0; k < count; k++) {
    if (op === RCL) {
      const out = msbOf(vl, vh);
      if (bits === 64) { vh = (vh << 1) | (vl >>> 31); vl = (vl << 1) | cf; } else vl = ((vl << 1) | cf) & (bits === 32 ? -1 : (1 << bits) - 1);
      cf = out;
    } else {
      const out = vl & 1;
      if (bits === 64) { vl = (vl >>> 1) | (vh << 31); vh = (vh >>> 1) | (cf << 31); } else vl = (vl >>> 1) | (cf << (bits - 1));
      cf = out;
    }
  }
  if (op === RCL) of = msbOf(vl, vh) ^ cf;
  setSome(c, CF | OF, cf | (of ? OF : 0));
  c.hi = vh;
  return vl | 0;
}

/** i.op = sub-operation, i.x = size, i.b = count source: -1 for cl, else the immediate. */
const shiftRm: Exec = (c, i) => {
  const size = i.x;
  const n = (i.b < 0 ? c.r8[8] : i.b) & (size === 8 ? 63 : 31);
  if (i.k0 === K_REG) {
    const lo = readReg(c, i.a, size), hi = c.hi;
    if (n === 0) { if (size === 4) c.r[i.a + 1] = 0; return; }
    const r = shift(c, i.op, lo, hi, n, size);
    writeReg(c, i.a, size, r, c.hi);
  } else {
    const a = i.ea(c, i);
    const lo = readMem(c, a, size), hi = c.hi;
    if (n === 0) return;
    wchk(c, a, size);
    const r = shift(c, i.op, lo, hi, n, size);
    writeMem(c, a, size, r, c.hi);
  }
};
/** Specialised hot forms: 32/64-bit register shifts by an immediate. */
const shl32ri: Exec = (c, i) => {
  const r = c.r, v = r[i.a], n = i.b & 31;
  if (n !== 0) { const res = v << n; c.fop = fop(KF_SHL, 2); c.fa = v; c.fr = res; c.fc = (v >>> (32 - n)) & 1; r[i.a] = res; }
  r[i.a + 1] = 0;
};
const shr32ri: Exec = (c, i) => {
  const r = c.r, v = r[i.a], n = i.b & 31;
  if (n !== 0) { const res = (v >>> n) | 0; c.fop = fop(KF_SHR, 2); c.fa = v; c.fr = res; c.fc = (v >>> (n - 1)) & 1; r[i.a] = res; }
  r[i.a + 1] = 0;
};

/** 32-bit register forms with an immediate count other than shl/shr (same semantics as shiftRm). */
const shiftRm32: Exec = (c, i) => shiftRm(c, i);

function buildShift(op: number) {
  return (i: Insn): Exec | null => {
    const size = size0(i);
    i.op = op;
    i.x = size;
    if (i.k0 === K_REG) { i.a = regIndex(i.r0, size); i.writes = false; i.mayFault = false; }
    i.b = i.k1 === K_REG ? -1 : i.imm & 0xff;
    if (i.k0 === K_REG && i.b >= 0 && size === 4) {
      if (op === SHL) return shl32ri;
      if (op === SHR) return shr32ri;
      return shiftRm32;
    }
    return i.k0 === K_REG || i.k0 === K_MEM ? shiftRm : null;
  };
}
const OPS: [string, number][] = [['Rol', ROL], ['Ror', ROR], ['Rcl', RCL], ['Rcr', RCR], ['Shl', SHL], ['Shr', SHR], ['Sal', SHL], ['Sar', SAR]];
for (const [name, op] of OPS) {
  const list: string[] = [];
  for (const s of ['8', '16', '32', '64']) for (const src of ['imm8', '1', 'CL']) list.push(`${name}_rm${s}_${src}`);
  def(codes(...list), buildShift(op));
}

// ---- shld / shrd: i.op = 0 shld, 1 shrd; i.b = register index of the source; i.x = count (-1 = cl) ----

function doubleShift(c: Core, right: boolean, dl: number, dh: number, sl: number, sh: number, n: number, size: number): number {
  const bits = size * 8;
  let rl: number, rh = 0, cf: number, msbIn: number;
  if (bits === 64) {
    if (right) {
      cf = bit64(dl, dh, n - 1);
      const al = shr64(c, dl, dh, n), ah = c.hi;
      const bl = shl64(c, sl, sh, 64 - n), bh = c.hi;
      rl = al | bl; rh = ah | bh;
    } else {
      cf = bit64(dl, dh, 64 - n);
      const al = shl64(c, dl, dh, n), ah = c.hi;
      const bl = shr64(c, sl, sh, 64 - n), bh = c.hi;
      rl = al | bl; rh = ah | bh;
    }
    msbIn = dh >>> 31;
  } else if (bits === 32) {
    if (right) { cf = (dl >>> (n - 1)) & 1; rl = (dl >>> n) | (sl << (32 - n)); } else {
      cf = (dl >>> (32 - n)) & 1; rl = (dl << n) | (sl >>> (32 - n));
    }
    msbIn = dl >>> 31;
  } else {
    // 16-bit: shift the 32-bit concatenation (counts above 16 are undefined)
    const d = dl & 0xffff, s = sl & 0xffff;
    if (right) {
      const v = (s << 16) | d;
      cf = (v >>> (n - 1)) & 1; rl = (v >>> n) & 0xffff;
    } else {
      const v = (d << 16) | s;
      cf = (v >>> (32 - n)) & 1; rl = ((v << n) >>> 16) & 0xffff;
    }
    msbIn = (d >>> 15) & 1;
  }
  const bitsOut = resultFlags(rl, rh, bits);
  const msbOut = (bitsOut & SF) !== 0 ? 1 : 0;
  setArith(c, bitsOut | cf | (msbOut !== msbIn ? OF : 0));
  c.hi = rh;
  return rl;
}
const shxd: Exec = (c, i) => {
  const size = i.s1;
  const n = (i.x < 0 ? c.r8[8] : i.x) & (size === 8 ? 63 : 31);
  const sl = readReg(c, i.b, size), sh = c.hi;
  if (i.k0 === K_REG) {
    const dl = readReg(c, i.a, size), dh = c.hi;
    if (n === 0) { if (size === 4) c.r[i.a + 1] = 0; return; }
    const r = doubleShift(c, i.op === 1, dl, dh, sl, sh, n, size);
    writeReg(c, i.a, size, r, c.hi);
  } else {
    const a = i.ea(c, i);
    const dl = readMem(c, a, size), dh = c.hi;
    if (n === 0) return;
    wchk(c, a, size);
    const r = doubleShift(c, i.op === 1, dl, dh, sl, sh, n, size);
    writeMem(c, a, size, r, c.hi);
  }
};
function buildShxd(right: number) {
  return (i: Insn): Exec => {
    i.op = right;
    if (i.k0 === K_REG) i.a = regIndex(i.r0, i.s0);
    i.b = regIndex(i.r1, i.s1);
    i.x = i.k2 === K_REG ? -1 : i.imm & 0xff;
    return shxd;
  };
}
def(codes('Shld_rm16_r16_imm8', 'Shld_rm32_r32_imm8', 'Shld_rm64_r64_imm8', 'Shld_rm16_r16_CL', 'Shld_rm32_r32_CL', 'Shld_rm64_r64_CL'), buildShxd(0));
def(codes('Shrd_rm16_r16_imm8', 'Shrd_rm32_r32_imm8', 'Shrd_rm64_r64_imm8', 'Shrd_rm16_r16_CL', 'Shrd_rm32_r32_CL', 'Shrd_rm64_r64_CL'), buildShxd(1));


// ---- compiled-tier emitters ----

emit(shl32ri, (i, g) => {
  const n = i.b & 31, x = g.v('x'), v = g.v('v');
  if (n === 0) return `r[${i.a + 1}] = 0;\n`;
  return `const ${x} = r[${i.a}], ${v} = ${x} << ${n};\nr[${i.a}] = ${v}; r[${i.a + 1}] = 0;\n` +
    g.setFlags(KF_SHL, 2, x, '0', v, '0', '0', '0', `(${x} >>> ${32 - n}) & 1`);
});
emit(shr32ri, (i, g) => {
  const n = i.b & 31, x = g.v('x'), v = g.v('v');
  if (n === 0) return `r[${i.a + 1}] = 0;\n`;
  return `const ${x} = r[${i.a}], ${v} = (${x} >>> ${n}) | 0;\nr[${i.a}] = ${v}; r[${i.a + 1}] = 0;\n` +
    g.setFlags(KF_SHR, 2, x, '0', v, '0', '0', '0', `(${x} >>> ${n - 1}) & 1`);
});
/**
 * shl/shr/sar of a 32- or 64-bit register by cl. A masked count of 0 changes
 * no flags (and, for 32 bits, only clears the high half), so the lazy-flag
 * stores sit inside the count test and no later jcc fuses with them.
 */
function shiftClSource(i: Insn, g: Gen): string | null {
  const op = i.op;
  if (op !== SHL && op !== SHR && op !== SAR) return null;
  const n = g.v('n'), lo = g.v('lo'), hi = g.v('hi'), vl = g.v('vl'), vh = g.v('vh'), cf = g.v('cf');
  const kind = op === SHL ? KF_SHL : op === SHR ? KF_SHR : KF_SAR;
  if (i.x === 4) {
    const v = op === SHL ? `${lo} << ${n}` : op === SHR ? `(${lo} >>> ${n}) | 0` : `${lo} >> ${n}`;
    const c1 = op === SHL ? `(${lo} >>> (32 - ${n})) & 1` : op === SHR ? `(${lo} >>> (${n} - 1)) & 1` : `(${lo} >> (${n} - 1)) & 1`;
    return `const ${n} = r[2] & 31;
` +
      `if (${n} !== 0) { const ${lo} = r[${i.a}], ${vl} = ${v}; r[${i.a}] = ${vl}; ` +
      `c.fop = ${kind * 4 + 2}; c.fa = ${lo}; c.fr = ${vl}; c.fc = ${c1}; }
` +
      `r[${i.a + 1}] = 0;
`;
  }
  // 64 bits: count 1..63 on two halves; cf is bit (64 - n) for shl, bit (n - 1) otherwise.
  const bit = (b: string) => `(${b} < 32 ? (${lo} >>> ${b}) & 1 : (${hi} >>> (${b} - 32)) & 1)`;
  let val: string;
  if (op === SHL) {
    val = `if (${n} < 32) { ${vl} = ${lo} << ${n}; ${vh} = (${hi} << ${n}) | (${lo} >>> (32 - ${n})); } else { ${vl} = 0; ${vh} = ${lo} << (${n} - 32); }`;
  } else if (op === SHR) {
    val = `if (${n} < 32) { ${vl} = (${lo} >>> ${n}) | (${hi} << (32 - ${n})); ${vh} = ${hi} >>> ${n}; } else { ${vl} = ${hi} >>> (${n} - 32); ${vh} = 0; }`;
  } else {
    val = `if (${n} < 32) { ${vl} = (${lo} >>> ${n}) | (${hi} << (32 - ${n})); ${vh} = ${hi} >> ${n}; } else { ${vl} = ${hi} >> (${n} - 32); ${vh} = ${hi} >> 31; }`;
  }
  return `const ${n} = r[2] & 63;
` +
    `if (${n} !== 0) {
` +
    `  const ${lo} = r[${i.a}], ${hi} = r[${i.a + 1}], ${cf} = ${bit(op === SHL ? `(64 - ${n})` : `(${n} - 1)`)};
` +
    `  let ${vl}, ${vh};
  ${val}
` +
    `  ${vl} |= 0; ${vh} |= 0; r[${i.a}] = ${vl}; r[${i.a + 1}] = ${vh};
` +
    `  c.fop = ${kind * 4 + 3}; c.fa = ${lo}; c.fr = ${vl}; c.fc = ${cf}; c.fah = ${hi}; c.frh = ${vh};
` +
    `}
`;
}

/** 64-bit register shifts and rotates by an immediate; rotates only when their flags are dead. */
/**
 * shl/shr/sar of an 8- or 16-bit register by an immediate, as shift() does
 * it: the value zero-extended (sign-extended for sar), CF the last bit out,
 * the flags of the operation on that value. A masked count of 0 changes
 * nothing.
 */
function shiftSmallImmSource(i: Insn, g: Gen): string | null {
  if (i.op !== SHL && i.op !== SHR && i.op !== SAR) return null;
  const n = i.b & 31;
  if (n === 0) return '';
  const bits = i.x * 8, view = i.x === 1 ? 'c.r8' : 'c.r16';
  const v = g.v('v'), res = g.v('res');
  const value = i.op === SAR ? `(${view}[${i.a}] << ${32 - bits}) >> ${32 - bits}` : `${view}[${i.a}]`;
  let out: string, cf: string;
  if (i.op === SHL) { out = `${v} << ${n}`; cf = n <= bits ? `(${v} >>> ${bits - n}) & 1` : '0'; }
  else if (i.op === SHR) { out = `${v} >>> ${n}`; cf = `(${v} >>> ${n - 1}) & 1`; }
  else { out = `${v} >> ${n}`; cf = `(${v} >> ${n - 1}) & 1`; }
  const kind = i.op === SHL ? KF_SHL : i.op === SHR ? KF_SHR : KF_SAR;
  return `const ${v} = ${value}, ${res} = (${out}) | 0;\n${view}[${i.a}] = ${res};\n` +
    g.setFlags(kind, i.x === 1 ? 0 : 1, v, '0', res, '0', '0', '0', cf);
}

emit(shiftRm, (i, g) => {
  if (i.k0 === K_REG && i.b < 0 && (i.x === 4 || i.x === 8)) return shiftClSource(i, g);
  if (i.k0 === K_REG && i.b >= 0 && (i.x === 1 || i.x === 2)) return shiftSmallImmSource(i, g);
  if (i.k0 !== K_REG || i.b < 0 || i.x !== 8) return null;
  const n = i.b & 63;
  if (n === 0) return '';
  const lo = g.v('lo'), hi = g.v('hi'), vl = g.v('vl'), vh = g.v('vh');
  const read = `const ${lo} = r[${i.a}], ${hi} = r[${i.a + 1}];\n`;
  const write = `r[${i.a}] = ${vl}; r[${i.a + 1}] = ${vh};\n`;
  const shl = (m: number, l: string, h: string) => m < 32 ? [`(${l} << ${m})`, `((${h} << ${m}) | (${l} >>> ${32 - m}))`] : [`0`, `(${l} << ${m - 32})`];
  const shr = (m: number, l: string, h: string) => m < 32 ? [`((${l} >>> ${m}) | (${h} << ${32 - m}))`, `(${h} >>> ${m})`] : [`(${h} >>> ${m - 32})`, `0`];
  if (i.op === ROL || i.op === ROR) {
    if (!g.flagsDead) return null;
    const m = i.op === ROL ? n : 64 - n;
    const [al, ah] = shl(m, lo, hi), [bl, bh] = shr(64 - m, lo, hi);
    return read + `const ${vl} = ${al} | ${bl}, ${vh} = ${ah} | ${bh};\n` + write;
  }
  const cf = i.op === SHL ? (n <= 32 ? `(${hi} >>> ${32 - n}) & 1` : `(${lo} >>> ${64 - n}) & 1`)
    : n <= 32 ? `(${lo} >>> ${n - 1}) & 1` : `(${hi} >>> ${n - 33}) & 1`;
  let val: string[];
  if (i.op === SHL) val = shl(n, lo, hi);
  else if (i.op === SHR) val = shr(n, lo, hi);
  else if (i.op === SAR) val = n < 32 ? [`((${lo} >>> ${n}) | (${hi} << ${32 - n}))`, `(${hi} >> ${n})`] : [`(${hi} >> ${n - 32})`, `(${hi} >> 31)`];
  else return null;
  const kind = i.op === SHL ? KF_SHL : i.op === SHR ? KF_SHR : KF_SAR;
  return read + `const ${vl} = ${val[0]} | 0, ${vh} = ${val[1]} | 0;\n` + write + g.setFlags(kind, 3, lo, '0', vl, hi, '0', vh, cf);
});
/** 32-bit register shifts and rotates by an immediate (rotates only when their flags are dead). */
const shift32Source = (i: Insn, g: Gen): string | null => {
  const n = i.b & 31, lo = g.v('x'), v = g.v('v');
  if (n === 0) return `r[${i.a + 1}] = 0;\n`;
  const write = `r[${i.a}] = ${v}; r[${i.a + 1}] = 0;\n`;
  switch (i.op) {
    case ROL: case ROR:
      if (!g.flagsDead) return null;
      return `const ${lo} = r[${i.a}], ${v} = ${i.op === ROL ? `(${lo} << ${n}) | (${lo} >>> ${32 - n})` : `(${lo} >>> ${n}) | (${lo} << ${32 - n})`};\n` + write;
    case SAR:
      return `const ${lo} = r[${i.a}], ${v} = ${lo} >> ${n};\n` + write + g.setFlags(KF_SAR, 2, lo, '0', v, '0', '0', '0', `(${lo} >> ${n - 1}) & 1`);
    default: return null;
  }
};
emit(shiftRm32, shift32Source);

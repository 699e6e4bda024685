/**
 * Bit operations: bt bts btr btc (register, immediate and memory forms; a
 * register bit offset on a memory operand reaches beyond the operand, as on
 * hardware), bsf bsr, and tzcnt/lzcnt, which a processor without BMI1/LZCNT
 * (this one, per CPUID) executes as rep bsf / rep bsr.
 */
import { K_MEM, K_REG, type Exec, type Insn } from '../insn.js';
import { def, codes } from '../registry.js';
import { CF, ZF } from '../context.js';
import { ld8, wchk } from '../access.js';
import { readMem, readReg, regIndex, size0, writeReg } from './operands.js';
import { ARITH, F_EAGER, setArith, setSome } from '../flags.js';
import { emit } from '../emit.js';

const BT = 0, BTS = 1, BTR = 2, BTC = 3;

function applyBit(op: number, v: number, mask: number): number {
  return op === BTS ? v | mask : op === BTR ? v & ~mask : op === BTC ? v ^ mask : v;
}

/** Register destination: bit offset masked to the operand size. */
const btReg: Exec = (c, i) => {
  const size = i.x;
  const off = (i.b < 0 ? i.imm : readReg(c, i.b, size)) & (size * 8 - 1);
  const lo = readReg(c, i.a, size), hi = c.hi;
  const inHi = off >= 32;
  const w = inHi ? hi : lo;
  const mask = 1 << (off & 31);
  setSome(c, CF, (w & mask) !== 0 ? CF : 0);
  if (i.op === BT) return;
  const nw = applyBit(i.op, w, mask);
  writeReg(c, i.a, size, inHi ? lo : nw, inHi ? nw : hi);
};

/** Memory destination: the byte holding the bit; a register offset is signed and unbounded. */
const btMem: Exec = (c, i) => {
  const size = i.x;
  let off: number;
  if (i.b < 0) off = i.imm & (size * 8 - 1);
  else {
    const lo = readReg(c, i.b, size);
    off = size === 8 ? (lo >>> 0) + c.hi * 4294967296 : size === 4 ? lo : size === 2 ? (lo << 16) >> 16 : lo;
  }
  const a = i.ea(c, i) + Math.floor(off / 8);
  const mask = 1 << (off & 7);
  const v = ld8(c, a);
  if (i.op !== BT) wchk(c, a, 1);
  setSome(c, CF, (v & mask) !== 0 ? CF : 0);
  if (i.op !== BT) c.u8[a] = applyBit(i.op, v, mask);
};

function buildBt(op: number) {
  return (i: Insn): Exec | null => {
    const size = size0(i);
    i.op = op;
    i.x = size;
    i.b = i.k1 === K_REG ? regIndex(i.r1, size) : -1;
    if (i.k0 === K_REG) { i.a = regIndex(i.r0, size); i.mayFault = false; i.writes = false; return btReg; }
    if (op === BT) i.writes = false;
    return i.k0 === K_MEM ? btMem : null;
  };
}
[['Bt', BT], ['Bts', BTS], ['Btr', BTR], ['Btc', BTC]].forEach(([n, op]) => {
  def(codes(`${n}_rm16_r16`, `${n}_rm32_r32`, `${n}_rm64_r64`, `${n}_rm16_imm8`, `${n}_rm32_imm8`, `${n}_rm64_imm8`), buildBt(op as number));
});

/** Index of the lowest (bsf) or highest (bsr) set bit of (lo, hi); -1 when zero. */
function scan(reverse: boolean, lo: number, hi: number): number {
  if (reverse) {
    if (hi !== 0) return 63 - Math.clz32(hi);
    return lo !== 0 ? 31 - Math.clz32(lo) : -1;
  }
  if (lo !== 0) return 31 - Math.clz32(lo & -lo);
  return hi !== 0 ? 63 - Math.clz32(hi & -hi) : -1;
}

/** bsf/bsr: source zero -> ZF = 1 and the destination is left unchanged. */
const bitScan: Exec = (c, i) => {
  const size = i.x;
  let lo = i.k1 === K_REG ? readReg(c, i.b, size) : readMem(c, i.ea(c, i), size);
  const hi = size === 8 ? c.hi : 0;
  if (size === 2) lo &= 0xffff;
  const n = scan(i.op === 1, lo, hi);
  if (n < 0) { setArith(c, ZF); return; }
  setArith(c, 0);
  writeReg(c, i.a, size, n, 0);
};
function buildScan(reverse: boolean) {
  return (i: Insn): Exec => {
    i.op = reverse ? 1 : 0;
    i.x = i.s0;
    i.a = regIndex(i.r0, i.s0);
    if (i.k1 === K_REG) { i.b = regIndex(i.r1, i.s0); i.mayFault = false; }
    i.writes = false;
    return bitScan;
  };
}
def(codes('Bsf_r16_rm16', 'Bsf_r32_rm32', 'Bsf_r64_rm64', 'Tzcnt_r16_rm16', 'Tzcnt_r32_rm32', 'Tzcnt_r64_rm64'), buildScan(false));
def(codes('Bsr_r16_rm16', 'Bsr_r32_rm32', 'Bsr_r64_rm64', 'Lzcnt_r16_rm16', 'Lzcnt_r32_rm32', 'Lzcnt_r64_rm64'), buildScan(true));


// ---- compiled-tier emitters (32- and 64-bit forms; the handler does the rest) ----

/** bt/bts/btr/btc of a register: CF is the bit (setSome, as the handler: the other flags stay). */
emit(btReg, (i, g) => {
  const size = i.x;
  if (size !== 4 && size !== 8) return null;
  const off = g.v('off'), w = g.v('w'), m = g.v('m'), nw = g.v('nw');
  const bits = size * 8 - 1;
  let s = `const ${off} = ${i.b < 0 ? `${i.imm & bits}` : `r[${i.b}] & ${bits}`};\n` +
    `const ${w} = ${size === 8 ? `${off} >= 32 ? r[${i.a + 1}] : r[${i.a}]` : `r[${i.a}]`}, ${m} = 1 << (${off} & 31);\n`;
  if (!g.flagsDead) s += `setSome(c, ${CF}, (${w} & ${m}) !== 0 ? ${CF} : 0);\n`;
  if (i.op === BT) return s;
  s += `const ${nw} = ${i.op === BTS ? `${w} | ${m}` : i.op === BTR ? `${w} & ~${m}` : `${w} ^ ${m}`};\n`;
  return s + (size === 8 ? `if (${off} >= 32) r[${i.a + 1}] = ${nw}; else r[${i.a}] = ${nw};\n` : `r[${i.a}] = ${nw}; r[${i.a + 1}] = 0;\n`);
});

/** bt of memory at an immediate bit offset (a bitmap lookup): one byte read. The writing forms keep the handler (it checks the write first). */
emit(btMem, (i, g) => {
  if (i.b >= 0 || i.op !== BT) return null;
  const off = i.imm & (i.x * 8 - 1);
  const a = g.v('a'), v = g.v('v');
  const s = `const ${a} = (${g.addr(i)}) + ${off >> 3};\n${g.load(v, a, 1)}`;
  return g.flagsDead ? s : s + `setSome(c, ${CF}, (${v} & ${1 << (off & 7)}) !== 0 ? ${CF} : 0);\n`;
});

/** bsf/bsr (tzcnt/lzcnt here): ZF alone says whether the source was zero; a zero source leaves the destination. */
emit(bitScan, (i, g) => {
  const size = i.x;
  if (size !== 4 && size !== 8) return null;
  const lo = g.v('lo'), hi = g.v('hi'), n = g.v('n'), a = g.v('a');
  let s: string;
  if (i.k1 === K_REG) s = `const ${lo} = r[${i.b}], ${hi} = ${size === 8 ? `r[${i.b + 1}]` : '0'};\n`;
  else if (size === 8) s = `const ${a} = ${g.addr(i)};\n${g.load64(lo, hi, a)}`;
  else s = `const ${a} = ${g.addr(i)};\n${g.load(lo, a, 4)}const ${hi} = 0;\n`;
  s += `const ${n} = ${i.op === 1
    ? `${hi} !== 0 ? 63 - Math.clz32(${hi}) : ${lo} !== 0 ? 31 - Math.clz32(${lo}) : -1`
    : `${lo} !== 0 ? 31 - Math.clz32(${lo} & -${lo}) : ${hi} !== 0 ? 63 - Math.clz32(${hi} & -${hi}) : -1`};\n`;
  const flags = (z: number): string => g.flagsDead ? '' : `c.flags = (c.flags & ${~ARITH}) | ${z}; c.fop = ${F_EAGER}; `;
  return s + `if (${n} < 0) { ${flags(ZF)}} else { ${flags(0)}r[${i.a}] = ${n}; r[${i.a + 1}] = 0; }\n`;
});

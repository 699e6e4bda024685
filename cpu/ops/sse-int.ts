/**
 * SSE2 integer and shuffle instructions on XMM registers: logic (pand pandn
 * por pxor), add/sub (wrapping and saturating), compares, min/max, averages,
 * multiplies, psadbw, punpck* and packs, shuffles (pshufd pshuflw pshufhw),
 * shifts, pmovmskb, pextrw/pinsrw. (shufps/shufpd/unpck*ps/pd live with the
 * float logic in sse-logic.ts.)
 *
 * The source operand (xmm or 16-byte-aligned m128, as legacy SSE requires)
 * is first copied into a scratch register S; handlers then combine lanes of
 * the destination with S.
 */
import type { Core } from '../core.js';
import { K_IMM, K_REG, K_XMM, type Exec, type Insn } from '../insn.js';
import { def, codes } from '../registry.js';
import { align16, ld16, rchk } from '../access.js';
import { pure } from './operands.js';
import { emit, type Gen } from '../emit.js';
import { umul32, umulHigh } from './muldiv.js';

const SBUF = new ArrayBuffer(16);
const S8 = new Uint8Array(SBUF);
const S16 = new Uint16Array(SBUF);
const S32 = new Int32Array(SBUF);
/** A second scratch for results that must not overwrite the destination while it is read. */
const TBUF = new ArrayBuffer(16);
const T8 = new Uint8Array(TBUF);
const T16 = new Uint16Array(TBUF);
const T32 = new Int32Array(TBUF);

/** Copies the source operand (operand 1) into S. */
function src(c: Core, i: Insn): void {
  if (i.k1 === K_XMM) {
    const x = c.x32, b = 4 * i.r1;
    S32[0] = x[b]; S32[1] = x[b + 1]; S32[2] = x[b + 2]; S32[3] = x[b + 3];
    return;
  }
  const a = rchk(c, align16(c, i.ea(c, i)), 16);
  const dv = c.dv;
  S32[0] = dv.getInt32(a, true); S32[1] = dv.getInt32(a + 4, true);
  S32[2] = dv.getInt32(a + 8, true); S32[3] = dv.getInt32(a + 12, true);
}
/** Copies T into the destination register (operand 0). */
function fromT(c: Core, i: Insn): void {
  const x = c.x32, a = 4 * i.r0;
  x[a] = T32[0]; x[a + 1] = T32[1]; x[a + 2] = T32[2]; x[a + 3] = T32[3];
}

type Lane = (a: number, b: number) => number;
/** Element-wise ops; lane values are unsigned for bytes and words, int32 for dwords. */
function lanes8(f: Lane): Exec {
  return (c, i) => { src(c, i); const d = c.xu8, o = 16 * i.r0; for (let k = 0; k < 16; k++) d[o + k] = f(d[o + k], S8[k]); };
}
function lanes16(f: Lane): Exec {
  return (c, i) => { src(c, i); const d = c.x16, o = 8 * i.r0; for (let k = 0; k < 8; k++) d[o + k] = f(d[o + k], S16[k]); };
}
function lanes32(f: Lane): Exec {
  return (c, i) => { src(c, i); const d = c.x32, o = 4 * i.r0; for (let k = 0; k < 4; k++) d[o + k] = f(d[o + k], S32[k]); };
}

function buildRm(fn: Exec) {
  return (i: Insn): Exec => {
    if (i.k1 === K_XMM) pure(i); else i.writes = false;
    return fn;
  };
}
const reg = (names: string[], fn: Exec) => def(codes(...names), buildRm(fn));

const s8 = (v: number) => (v << 24) >> 24;
const s16 = (v: number) => (v << 16) >> 16;
const sat = (v: number, lo: number, hi: number) => (v < lo ? lo : v > hi ? hi : v);

/**
 * A dword-lane operation with its compiled-tier emitter: `src` gives the same
 * lane function as JavaScript source over two int32 expressions.
 */
function dwordOp(f: Lane, src: (a: string, b: string) => string): Exec {
  const fn = lanes32(f);
  emit(fn, (i: Insn, g: Gen) => {
    const d = 4 * i.r0;
    let pre = '';
    let b: string[];
    if (i.k1 === K_XMM) {
      const sb = 4 * i.r1;
      // copy the source first when it is the destination (lanes are independent, but keep it simple)
      b = [0, 1, 2, 3].map((k) => `x[${sb + k}]`);
    } else {
      const a = g.v('a'), v = g.v('s');
      pre = `const ${a} = ${g.addr(i)};\n` + g.load128(v, a, true);
      b = [0, 1, 2, 3].map((k) => `${v}_${k}`);
    }
    return pre + [0, 1, 2, 3].map((k) => `x[${d + k}] = ${src(`x[${d + k}]`, b[k])};`).join(' ') + '\n';
  });
  return fn;
}

// ---- logic ----
reg(['Pand_xmm_xmmm128'], dwordOp((a, b) => a & b, (a, b) => `${a} & ${b}`));
reg(['Pandn_xmm_xmmm128'], dwordOp((a, b) => ~a & b, (a, b) => `~${a} & ${b}`));
reg(['Por_xmm_xmmm128'], dwordOp((a, b) => a | b, (a, b) => `${a} | ${b}`));
reg(['Pxor_xmm_xmmm128'], dwordOp((a, b) => a ^ b, (a, b) => `${a} ^ ${b}`));

// ---- add / subtract ----
reg(['Paddb_xmm_xmmm128'], lanes8((a, b) => a + b));
reg(['Paddw_xmm_xmmm128'], lanes16((a, b) => a + b));
reg(['Paddd_xmm_xmmm128'], dwordOp((a, b) => (a + b) | 0, (a, b) => `(${a} + ${b}) | 0`));
reg(['Psubb_xmm_xmmm128'], lanes8((a, b) => a - b));
reg(['Psubw_xmm_xmmm128'], lanes16((a, b) => a - b));
reg(['Psubd_xmm_xmmm128'], dwordOp((a, b) => (a - b) | 0, (a, b) => `(${a} - ${b}) | 0`));
reg(['Paddsb_xmm_xmmm128'], lanes8((a, b) => sat(s8(a) + s8(b), -128, 127)));
reg(['Paddsw_xmm_xmmm128'], lanes16((a, b) => sat(s16(a) + s16(b), -32768, 32767)));
reg(['Psubsb_xmm_xmmm128'], lanes8((a, b) => sat(s8(a) - s8(b), -128, 127)));
reg(['Psubsw_xmm_xmmm128'], lanes16((a, b) => sat(s16(a) - s16(b), -32768, 32767)));
reg(['Paddusb_xmm_xmmm128'], lanes8((a, b) => sat(a + b, 0, 255)));
reg(['Paddusw_xmm_xmmm128'], lanes16((a, b) => sat(a + b, 0, 65535)));
reg(['Psubusb_xmm_xmmm128'], lanes8((a, b) => sat(a - b, 0, 255)));
reg(['Psubusw_xmm_xmmm128'], lanes16((a, b) => sat(a - b, 0, 65535)));
/** 64-bit lanes on halves. */
function addq(sub: boolean): Exec {
  return (c, i) => {
    src(c, i);
    const d = c.x32, o = 4 * i.r0;
    for (let k = 0; k < 4; k += 2) {
      const lo = sub ? (d[o + k] >>> 0) - (S32[k] >>> 0) : (d[o + k] >>> 0) + (S32[k] >>> 0);
      const carry = sub ? (lo < 0 ? -1 : 0) : (lo > 0xffffffff ? 1 : 0);
      d[o + k + 1] = (sub ? d[o + k + 1] - S32[k + 1] : d[o + k + 1] + S32[k + 1]) + carry;
      d[o + k] = lo;
    }
  };
}
reg(['Paddq_xmm_xmmm128'], addq(false));
reg(['Psubq_xmm_xmmm128'], addq(true));

// ---- compares ----
reg(['Pcmpeqb_xmm_xmmm128'], lanes8((a, b) => (a === b ? 0xff : 0)));
reg(['Pcmpeqw_xmm_xmmm128'], lanes16((a, b) => (a === b ? 0xffff : 0)));
reg(['Pcmpeqd_xmm_xmmm128'], dwordOp((a, b) => (a === b ? -1 : 0), (a, b) => `${a} === ${b} ? -1 : 0`));
reg(['Pcmpgtb_xmm_xmmm128'], lanes8((a, b) => (s8(a) > s8(b) ? 0xff : 0)));
reg(['Pcmpgtw_xmm_xmmm128'], lanes16((a, b) => (s16(a) > s16(b) ? 0xffff : 0)));
reg(['Pcmpgtd_xmm_xmmm128'], dwordOp((a, b) => (a > b ? -1 : 0), (a, b) => `${a} > ${b} ? -1 : 0`));

// ---- min / max / average ----
reg(['Pminub_xmm_xmmm128'], lanes8((a, b) => (a < b ? a : b)));
reg(['Pmaxub_xmm_xmmm128'], lanes8((a, b) => (a > b ? a : b)));
reg(['Pminsw_xmm_xmmm128'], lanes16((a, b) => (s16(a) < s16(b) ? a : b)));
reg(['Pmaxsw_xmm_xmmm128'], lanes16((a, b) => (s16(a) > s16(b) ? a : b)));
reg(['Pavgb_xmm_xmmm128'], lanes8((a, b) => (a + b + 1) >> 1));
reg(['Pavgw_xmm_xmmm128'], lanes16((a, b) => (a + b + 1) >> 1));

// ---- multiplies ----
reg(['Pmullw_xmm_xmmm128'], lanes16((a, b) => Math.imul(a, b)));
reg(['Pmulhw_xmm_xmmm128'], lanes16((a, b) => (s16(a) * s16(b)) >> 16));
reg(['Pmulhuw_xmm_xmmm128'], lanes16((a, b) => (a * b) >>> 16));
/** pmuludq: lanes 0 and 2 (unsigned dwords) -> two unsigned 64-bit products. */
reg(['Pmuludq_xmm_xmmm128'], (c, i) => {
  src(c, i);
  const d = c.x32, o = 4 * i.r0;
  for (let k = 0; k < 4; k += 2) {
    d[o + k] = umul32(d[o + k], S32[k]);
    d[o + k + 1] = umulHigh();
  }
});
/** pmaddwd: signed word products summed in pairs into dwords. */
reg(['Pmaddwd_xmm_xmmm128'], (c, i) => {
  src(c, i);
  const d = c.x16, o = 8 * i.r0;
  for (let k = 0; k < 8; k += 2) T32[k >> 1] = (s16(d[o + k]) * s16(S16[k]) + s16(d[o + k + 1]) * s16(S16[k + 1])) | 0;
  fromT(c, i);
});
/** psadbw: sums of absolute byte differences of each 64-bit half, in its low word. */
reg(['Psadbw_xmm_xmmm128'], (c, i) => {
  src(c, i);
  const d = c.xu8, o = 16 * i.r0;
  for (let h = 0; h < 2; h++) {
    let s = 0;
    for (let k = 0; k < 8; k++) s += Math.abs(d[o + 8 * h + k] - S8[8 * h + k]);
    T32[2 * h] = s; T32[2 * h + 1] = 0;
  }
  fromT(c, i);
});

// ---- unpacks: interleave the low (or high) halves of destination and source ----
function unpack(size: number, high: boolean): Exec {
  return (c, i) => {
    src(c, i);
    const d = c.xu8, o = 16 * i.r0, base = high ? 8 : 0;
    for (let k = 0; k < 8 / size; k++) {
      for (let b = 0; b < size; b++) {
        T8[2 * k * size + b] = d[o + base + k * size + b];
        T8[(2 * k + 1) * size + b] = S8[base + k * size + b];
      }
    }
    fromT(c, i);
  };
}
/** Unpacks with a register source as straight-line source: every lane read into a local, then written. */
function unpackSource(size: number, high: boolean) {
  return (i: Insn, g: Gen): string | null => {
    if (i.k1 !== K_XMM) return null;
    // lanes of `size` bytes, in the view that fits: dwords for 4 and 8, words, bytes
    const lane = size >= 4 ? 4 : size;
    const view = lane === 4 ? 'x' : lane === 2 ? 'x16' : 'xb';
    const per = 16 / lane, group = size / lane, half = per / 2;
    const d = per * i.r0, s = per * i.r1, t = g.v('t');
    const reads: string[] = [], writes: string[] = [];
    let n = 0;
    for (let k = 0; k < per / (2 * group); k++) {
      for (const base of [d, s]) {
        for (let j = 0; j < group; j++) {
          const from = base + (high ? half : 0) + k * group + j;
          reads.push(`${t}_${n} = ${view}[${from}]`);
          writes.push(`${view}[${d + n}] = ${t}_${n};`);
          n++;
        }
      }
    }
    return `const ${reads.join(', ')};\n${writes.join(' ')}\n`;
  };
}
function unpackOp(size: number, high: boolean): Exec {
  const fn = unpack(size, high);
  emit(fn, unpackSource(size, high));
  return fn;
}
reg(['Punpcklbw_xmm_xmmm128'], unpackOp(1, false));
reg(['Punpcklwd_xmm_xmmm128'], unpackOp(2, false));
reg(['Punpckldq_xmm_xmmm128'], unpackOp(4, false));
reg(['Punpcklqdq_xmm_xmmm128'], unpackOp(8, false));
reg(['Punpckhbw_xmm_xmmm128'], unpackOp(1, true));
reg(['Punpckhwd_xmm_xmmm128'], unpackOp(2, true));
reg(['Punpckhdq_xmm_xmmm128'], unpackOp(4, true));
reg(['Punpckhqdq_xmm_xmmm128'], unpackOp(8, true));

// ---- packs: destination lanes then source lanes, narrowed with saturation ----
reg(['Packsswb_xmm_xmmm128'], (c, i) => {
  src(c, i);
  const d = c.x16, o = 8 * i.r0;
  for (let k = 0; k < 8; k++) { T8[k] = sat(s16(d[o + k]), -128, 127); T8[8 + k] = sat(s16(S16[k]), -128, 127); }
  fromT(c, i);
});
reg(['Packuswb_xmm_xmmm128'], (c, i) => {
  src(c, i);
  const d = c.x16, o = 8 * i.r0;
  for (let k = 0; k < 8; k++) { T8[k] = sat(s16(d[o + k]), 0, 255); T8[8 + k] = sat(s16(S16[k]), 0, 255); }
  fromT(c, i);
});
reg(['Packssdw_xmm_xmmm128'], (c, i) => {
  src(c, i);
  const d = c.x32, o = 4 * i.r0;
  for (let k = 0; k < 4; k++) { T16[k] = sat(d[o + k], -32768, 32767); T16[4 + k] = sat(S32[k], -32768, 32767); }
  fromT(c, i);
});

// ---- shuffles (imm8 in i.imm) ----
function buildShuffle(fn: Exec) {
  return (i: Insn): Exec | null => {
    if (i.k2 !== K_IMM) return null;
    if (i.k1 === K_XMM) pure(i); else i.writes = false;
    return fn;
  };
}
def(codes('Pshufd_xmm_xmmm128_imm8'), buildShuffle((c, i) => {
  src(c, i);
  for (let k = 0; k < 4; k++) T32[k] = S32[(i.imm >> (2 * k)) & 3];
  fromT(c, i);
}));
def(codes('Pshuflw_xmm_xmmm128_imm8'), buildShuffle((c, i) => {
  src(c, i);
  for (let k = 0; k < 4; k++) T16[k] = S16[(i.imm >> (2 * k)) & 3];
  T32[2] = S32[2]; T32[3] = S32[3];
  fromT(c, i);
}));
def(codes('Pshufhw_xmm_xmmm128_imm8'), buildShuffle((c, i) => {
  src(c, i);
  for (let k = 0; k < 4; k++) T16[4 + k] = S16[4 + ((i.imm >> (2 * k)) & 3)];
  T32[0] = S32[0]; T32[1] = S32[1];
  fromT(c, i);
}));
// ---- shifts: by imm8, or by the low 64 bits of xmm/m128 ----
/** Shift count from operand 1 (an immediate, or a 64-bit count in xmm/m128): huge counts clamp to 64. */
function count(c: Core, i: Insn): number {
  if (i.k1 === K_IMM) return i.imm & 0xff;
  src(c, i);
  return S32[1] !== 0 || S32[0] < 0 || S32[0] > 64 ? 64 : S32[0];
}
function shiftWords(kind: 'l' | 'r' | 'a'): Exec {
  return (c, i) => {
    const n = count(c, i);
    const d = c.x16, o = 8 * i.r0;
    for (let k = 0; k < 8; k++) {
      const v = d[o + k];
      d[o + k] = kind === 'a' ? s16(v) >> (n > 15 ? 15 : n) : n > 15 ? 0 : kind === 'l' ? v << n : v >>> n;
    }
  };
}
function shiftDwords(kind: 'l' | 'r' | 'a'): Exec {
  return (c, i) => {
    const n = count(c, i);
    const d = c.x32, o = 4 * i.r0;
    for (let k = 0; k < 4; k++) {
      const v = d[o + k];
      d[o + k] = kind === 'a' ? v >> (n > 31 ? 31 : n) : n > 31 ? 0 : kind === 'l' ? v << n : v >>> n;
    }
  };
}
function shiftQwords(left: boolean): Exec {
  return (c, i) => {
    const n = count(c, i);
    const d = c.x32, o = 4 * i.r0;
    for (let k = 0; k < 4; k += 2) {
      const lo = d[o + k], hi = d[o + k + 1];
      if (n > 63) { d[o + k] = 0; d[o + k + 1] = 0; } else if (n === 0) { /* unchanged */ } else if (left) {
        if (n < 32) { d[o + k + 1] = (hi << n) | (lo >>> (32 - n)); d[o + k] = lo << n; } else { d[o + k + 1] = lo << (n - 32); d[o + k] = 0; }
      } else if (n < 32) { d[o + k] = (lo >>> n) | (hi << (32 - n)); d[o + k + 1] = hi >>> n; } else { d[o + k] = hi >>> (n - 32); d[o + k + 1] = 0; }
    }
  };
}
/** pslldq / psrldq: whole-register byte shifts. */
function shiftBytes(left: boolean): Exec {
  return (c, i) => {
    const n = i.imm & 0xff;
    const d = c.xu8, o = 16 * i.r0;
    for (let k = 0; k < 16; k++) {
      const from = left ? k - n : k + n;
      T8[k] = from >= 0 && from < 16 ? d[o + from] : 0;
    }
    fromT(c, i);
  };
}
const shiftDefs: [string, Exec][] = [
  ['Psllw', shiftWords('l')], ['Psrlw', shiftWords('r')], ['Psraw', shiftWords('a')],
  ['Pslld', shiftDwords('l')], ['Psrld', shiftDwords('r')], ['Psrad', shiftDwords('a')],
  ['Psllq', shiftQwords(true)], ['Psrlq', shiftQwords(false)],
];
for (const [n, fn] of shiftDefs) {
  def(codes(`${n}_xmm_imm8`), (i) => { pure(i); return fn; });
  def(codes(`${n}_xmm_xmmm128`), buildRm(fn));
}
/** Dword and qword shifts by an immediate as straight-line source. */
function shiftSource(kind: string, i: Insn, g: Gen): string | null {
  if (i.k1 !== K_IMM) return null;
  const n = i.imm & 0xff, d = 4 * i.r0;
  const lanes = [0, 1, 2, 3];
  switch (kind) {
    case 'Pslld': return lanes.map((k) => `x[${d + k}] = ${n > 31 ? '0' : `x[${d + k}] << ${n}`};`).join(' ') + '\n';
    case 'Psrld': return lanes.map((k) => `x[${d + k}] = ${n > 31 ? '0' : `x[${d + k}] >>> ${n}`};`).join(' ') + '\n';
    case 'Psrad': return lanes.map((k) => `x[${d + k}] = x[${d + k}] >> ${Math.min(n, 31)};`).join(' ') + '\n';
    case 'Psllq': case 'Psrlq': {
      let out = '';
      for (const q of [d, d + 2]) {
        const lo = `${g.v('l')}_${q}`, hi = `${g.v('h')}_${q}`;
        out += `{ const ${lo} = x[${q}], ${hi} = x[${q + 1}]; `;
        if (n > 63) out += `x[${q}] = 0; x[${q + 1}] = 0; }\n`;
        else if (n === 0) out += '}\n';
        else if (kind === 'Psllq') {
          out += n < 32 ? `x[${q + 1}] = (${hi} << ${n}) | (${lo} >>> ${32 - n}); x[${q}] = ${lo} << ${n}; }\n` : `x[${q + 1}] = ${lo} << ${n - 32}; x[${q}] = 0; }\n`;
        } else {
          out += n < 32 ? `x[${q}] = (${lo} >>> ${n}) | (${hi} << ${32 - n}); x[${q + 1}] = ${hi} >>> ${n}; }\n` : `x[${q}] = ${hi} >>> ${n - 32}; x[${q + 1}] = 0; }\n`;
        }
      }
      return out;
    }
    default: return null;
  }
}
for (const [n, fn] of shiftDefs) emit(fn, (i, g) => shiftSource(n, i, g));
def(codes('Pslldq_xmm_imm8'), (i) => { pure(i); return shiftBytes(true); });
def(codes('Psrldq_xmm_imm8'), (i) => { pure(i); return shiftBytes(false); });

// ---- pmovmskb, pextrw, pinsrw ----
def(codes('Pmovmskb_r32_xmm', 'Pmovmskb_r64_xmm'), (i) => {
  pure(i);
  return (c, ins) => {
    const d = c.xu8, o = 16 * ins.r1;
    let m = 0;
    for (let k = 0; k < 16; k++) m |= (d[o + k] >>> 7) << k;
    c.r[2 * ins.r0] = m; c.r[2 * ins.r0 + 1] = 0;
  };
});
def(codes('Pextrw_r32_xmm_imm8', 'Pextrw_r64_xmm_imm8'), (i) => {
  pure(i);
  return (c, ins) => { c.r[2 * ins.r0] = c.x16[8 * ins.r1 + (ins.imm & 7)]; c.r[2 * ins.r0 + 1] = 0; };
});
def(codes('Pinsrw_xmm_r32m16_imm8', 'Pinsrw_xmm_r64m16_imm8'), (i) => {
  if (i.k1 === K_REG) pure(i); else i.writes = false;
  return (c, ins) => {
    const v = ins.k1 === K_REG ? c.r[2 * ins.r1] : ld16(c, ins.ea(c, ins));
    c.x16[8 * ins.r0 + (ins.imm & 7)] = v;
  };
});


/**
 * String instructions: movs stos lods scas cmps in every size, with rep,
 * repe and repne, honouring DF. Each iteration completes (registers updated)
 * before the next may fault, so a fault leaves rsi/rdi/rcx at the failing
 * element with rip at the instruction, as on hardware. A fault inside a
 * repe/repne cmps or scas also puts the arithmetic flags back as they were
 * before the instruction (Intel SDM, REP: the instruction does not read
 * them, so it can be restarted), not as the last compare left them.
 *
 * Forward rep movs and rep stos over ranges that are valid as a whole, and
 * whose overlap cannot change the result, run as one bulk copy or fill.
 */
import type { Core } from '../core.js';
import { type Exec, type Insn } from '../insn.js';
import { def, codes } from '../registry.js';
import { DF } from '../context.js';
import { getZF, materialize, setArith } from '../flags.js';
import { readMem, writeMem, sizeIndex } from './operands.js';
import { alu, alu64, CMP } from './alu.js';

const TWO32 = 4294967296;
const MOVS = 0, STOS = 1, LODS = 2, SCAS = 3, CMPS = 4;
const RSI = 12, RDI = 14, RCX = 2;

/** Register pair idx as a double; with 32-bit addressing (i.m32) only the low half. */
function reg(c: Core, idx: number, m32: boolean): number {
  const r = c.r;
  return m32 ? r[idx] >>> 0 : (r[idx] >>> 0) + r[idx + 1] * TWO32;
}
function setReg(c: Core, idx: number, v: number, m32: boolean): void {
  const r = c.r;
  if (m32) { r[idx] = v | 0; r[idx + 1] = 0; return; }
  r[idx] = v | 0;
  r[idx + 1] = Math.floor(v / TWO32) | 0;
}
function segBase(c: Core, i: Insn): number {
  return i.mseg === 1 ? c.ctx.fsBase : i.mseg === 2 ? c.ctx.gsBase : 0;
}

/** One element; advances rsi/rdi by step. */
function element(c: Core, i: Insn, step: number): void {
  const size = i.x, m32 = i.m32;
  switch (i.op) {
    case MOVS: {
      const s = reg(c, RSI, m32), d = reg(c, RDI, m32);
      const lo = readMem(c, segBase(c, i) + s, size), hi = c.hi;
      writeMem(c, d, size, lo, hi);
      setReg(c, RSI, s + step, m32); setReg(c, RDI, d + step, m32);
      return;
    }
    case STOS: {
      const d = reg(c, RDI, m32);
      writeMem(c, d, size, c.r[0], c.r[1]);
      setReg(c, RDI, d + step, m32);
      return;
    }
    case LODS: {
      const s = reg(c, RSI, m32);
      const lo = readMem(c, segBase(c, i) + s, size), hi = c.hi;
      const r = c.r;
      if (size === 1) c.r8[0] = lo; else if (size === 2) c.r16[0] = lo; else { r[0] = lo; r[1] = size === 8 ? hi : 0; }
      setReg(c, RSI, s + step, m32);
      return;
    }
    case SCAS: {
      const d = reg(c, RDI, m32);
      const lo = readMem(c, d, size), hi = c.hi;
      const r = c.r;
      if (size === 8) alu64(c, CMP, r[0], r[1], lo, hi);
      else alu(c, CMP, size === 1 ? c.r8[0] : size === 2 ? c.r16[0] : r[0], lo, sizeIndex(size));
      setReg(c, RDI, d + step, m32);
      return;
    }
    default: { // CMPS: [rsi] - [rdi]
      const s = reg(c, RSI, m32), d = reg(c, RDI, m32);
      const al = readMem(c, segBase(c, i) + s, size), ah = c.hi;
      const bl = readMem(c, d, size), bh = c.hi;
      if (size === 8) alu64(c, CMP, al, ah, bl, bh); else alu(c, CMP, al, bl, sizeIndex(size));
      setReg(c, RSI, s + step, m32); setReg(c, RDI, d + step, m32);
    }
  }
}

/** Validates a bulk write range and drops any code on it. */
function bulkWritable(c: Core, a: number, n: number): boolean {
  if (!(a >= 4096 && a + n <= c.size)) return false;
  const cp = c.codePages;
  for (let p = a >>> 12; p <= (a + n - 1) >>> 12; p++) {
    if (cp[p] !== 0) { c.stop = 1; c.mem.pageWritten(p); }
  }
  return true;
}

/** Forward rep movs / rep stos as one copy or fill; false when the element loop must run. */
function bulk(c: Core, i: Insn, count: number): boolean {
  const size = i.x, m32 = i.m32;
  const n = count * size;
  if (n > c.size) return false;
  const d = reg(c, RDI, m32);
  if (i.op === MOVS) {
    const s = segBase(c, i) + reg(c, RSI, m32);
    if (!(s >= 4096 && s + n <= c.size)) return false;
    // an overlap with the destination ahead of the source repeats a pattern: element loop
    if (d > s && d < s + n) return false;
    if (!bulkWritable(c, d, n)) return false;
    c.u8.copyWithin(d, s, s + n);
    setReg(c, RSI, reg(c, RSI, m32) + n, m32);
  } else {
    if (!bulkWritable(c, d, n)) return false;
    const r = c.r;
    if (size === 1) c.u8.fill(r[0] & 0xff, d, d + n);
    else {
      const dv = c.dv;
      for (let a = d; a < d + n; a += size) {
        if (size === 2) dv.setUint16(a, r[0], true);
        else { dv.setInt32(a, r[0], true); if (size === 8) dv.setInt32(a + 4, r[1], true); }
      }
    }
  }
  setReg(c, RDI, d + n, m32);
  setReg(c, RCX, 0, m32);
  return true;
}

const string: Exec = (c, i) => {
  const step = (c.flags & DF) !== 0 ? -i.x : i.x;
  if (i.rep === 0) { element(c, i, step); return; }
  const m32 = i.m32;
  let count = reg(c, RCX, m32);
  if (count === 0) return;
  if (step > 0 && (i.op === MOVS || i.op === STOS) && bulk(c, i, count)) return;
  if (i.op !== SCAS && i.op !== CMPS) {
    while (count !== 0) {
      element(c, i, step);
      count--;
      setReg(c, RCX, count, m32);
    }
    return;
  }
  materialize(c);
  const before = c.flags;
  try {
    while (count !== 0) {
      element(c, i, step);
      count--;
      setReg(c, RCX, count, m32);
      if (getZF(c) !== (i.rep === 1)) break;
    }
  } catch (e) {
    setArith(c, before);
    throw e;
  }
};

function build(op: number) {
  return (i: Insn): Exec => {
    i.op = op;
    i.x = i.msize;
    if (op === LODS || op === SCAS || op === CMPS) i.writes = false;
    return string;
  };
}
def(codes('Movsb_m8_m8', 'Movsw_m16_m16', 'Movsd_m32_m32', 'Movsq_m64_m64'), build(MOVS));
def(codes('Stosb_m8_AL', 'Stosw_m16_AX', 'Stosd_m32_EAX', 'Stosq_m64_RAX'), build(STOS));
def(codes('Lodsb_AL_m8', 'Lodsw_AX_m16', 'Lodsd_EAX_m32', 'Lodsq_RAX_m64'), build(LODS));
def(codes('Scasb_AL_m8', 'Scasw_AX_m16', 'Scasd_EAX_m32', 'Scasq_RAX_m64'), build(SCAS));
def(codes('Cmpsb_m8_m8', 'Cmpsw_m16_m16', 'Cmpsd_m32_m32', 'Cmpsq_m64_m64'), build(CMPS));


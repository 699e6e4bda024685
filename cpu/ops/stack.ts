/**
 * The stack: push, pop (registers, memory, immediates, flags), enter, leave.
 * rsp is a valid pointer whenever a push or pop succeeds, so its high half is
 * then 0; the range check happens before rsp or memory changes.
 */
import type { Core } from '../core.js';
import { K_IMM, K_MEM, K_REG, type Exec, type Insn } from '../insn.js';
import { def, codes } from '../registry.js';
import { RFLAGS_USER_MASK, RSP } from '../context.js';
import { badAccess, ld16, ld64, rchk, wchk } from '../access.js';
import { F_EAGER, rflags } from '../flags.js';
import { readMem, regIndex, writeMem } from './operands.js';
import { STOP_MARK, emit, stackEffect, type Gen } from '../emit.js';

const TWO32 = 4294967296;
const SP = 2 * RSP;

/** rsp as a double. */
export function rspValue(c: Core): number {
  return (c.r[SP] >>> 0) + c.r[SP + 1] * TWO32;
}

/** Pushes a 64-bit value given as halves. */
export function push64(c: Core, lo: number, hi: number): void {
  const r = c.r;
  const sp = (r[SP] >>> 0) + r[SP + 1] * TWO32 - 8;
  if (!(sp >= 4096 && sp + 8 <= c.size)) badAccess(c, sp, 8, true);
  wchk(c, sp, 8);
  c.dv.setInt32(sp, lo, true);
  c.dv.setInt32(sp + 4, hi, true);
  r[SP] = sp | 0;
  r[SP + 1] = 0;
}

/** Pops a 64-bit value: returns the low half, high half in c.hi. */
export function pop64(c: Core): number {
  const r = c.r;
  const sp = (r[SP] >>> 0) + r[SP + 1] * TWO32;
  const lo = ld64(c, sp);
  const nsp = sp + 8;
  r[SP] = nsp | 0;
  r[SP + 1] = nsp >= TWO32 ? 1 : 0;
  return lo;
}

function push16(c: Core, v: number): void {
  const r = c.r;
  const sp = (r[SP] >>> 0) + r[SP + 1] * TWO32 - 2;
  wchk(c, rchk(c, sp, 2), 2);
  c.dv.setUint16(sp, v, true);
  r[SP] = sp | 0;
  r[SP + 1] = 0;
}
function pop16(c: Core): number {
  const r = c.r;
  const sp = (r[SP] >>> 0) + r[SP + 1] * TWO32;
  const v = ld16(c, sp);
  r[SP] = (sp + 2) | 0;
  r[SP + 1] = 0;
  return v;
}

// ---- push ----

const pushR64: Exec = (c, i) => { const r = c.r; push64(c, r[i.a], r[i.a + 1]); };
const pushR16: Exec = (c, i) => { push16(c, c.r16[i.a]); };
const pushM64: Exec = (c, i) => { const lo = ld64(c, i.ea(c, i)); push64(c, lo, c.hi); };
const pushM16: Exec = (c, i) => { push16(c, ld16(c, i.ea(c, i))); };
const pushI64: Exec = (c, i) => { push64(c, i.imm, i.immHi); };
const pushI16: Exec = (c, i) => { push16(c, i.imm); };

function buildPush(i: Insn): Exec | null {
  const size = i.k0 === K_MEM ? i.msize : i.s0;
  if (i.k0 === K_REG) { i.a = regIndex(i.r0, size); return size === 2 ? pushR16 : pushR64; }
  if (i.k0 === K_MEM) return size === 2 ? pushM16 : pushM64;
  if (i.k0 === K_IMM) return size === 2 ? pushI16 : pushI64;
  return null;
}
def(codes('Push_r64', 'Push_r16', 'Push_rm64', 'Push_rm16'), buildPush);
def(codes('Pushq_imm32', 'Pushq_imm8'), (i) => {
  // the immediate is sign-extended to 64 bits
  i.immHi = i.imm < 0 ? -1 : 0;
  return pushI64;
});
def(codes('Push_imm16', 'Pushw_imm8'), () => pushI16);

// ---- pop ----

const popR64: Exec = (c, i) => { const lo = pop64(c); c.r[i.a] = lo; c.r[i.a + 1] = c.hi; };
const popR16: Exec = (c, i) => { const v = pop16(c); c.r16[i.a] = v; };
/** pop to memory: the address is computed with rsp already incremented (as hardware does). */
const popM: Exec = (c, i) => {
  const size = i.msize;
  const r = c.r;
  const sp = rspValue(c);
  const lo = readMem(c, sp, size), hi = c.hi;
  const oldLo = r[SP], oldHi = r[SP + 1];
  const nsp = sp + size;
  r[SP] = nsp | 0; r[SP + 1] = 0;
  const a = i.ea(c, i);
  r[SP] = oldLo; r[SP + 1] = oldHi;
  wchk(c, a, size);
  writeMem(c, a, size, lo, hi);
  r[SP] = nsp | 0; r[SP + 1] = 0;
};
def(codes('Pop_r64', 'Pop_r16', 'Pop_rm64', 'Pop_rm16'), (i) => {
  if (i.k0 === K_MEM) return popM;
  i.a = regIndex(i.r0, i.s0);
  return i.s0 === 2 ? popR16 : popR64;
});

// ---- flags ----

/** pushf stores RFLAGS with RF and VM clear. */
const pushfq: Exec = (c) => { push64(c, rflags(c) & ~0x30000, 0); };
const pushfw: Exec = (c) => { push16(c, rflags(c) & 0xffff); };
function loadFlags(c: Core, v: number, mask: number): void {
  c.flags = (c.flags & ~mask) | (v & mask & RFLAGS_USER_MASK) | 0x202;
  c.fop = F_EAGER;
}
const popfq: Exec = (c) => { const v = pop64(c); loadFlags(c, v, -1); };
const popfw: Exec = (c) => { const v = pop16(c); loadFlags(c, v, 0xffff); };
def(codes('Pushfq'), () => pushfq);
def(codes('Pushfw'), () => pushfw);
def(codes('Popfq'), () => popfq);
def(codes('Popfw'), () => popfw);

// ---- enter / leave ----

/** enter size, level: push rbp, copy level-1 frame pointers, push the new frame, reserve size bytes. */
const enterq: Exec = (c, i) => {
  const r = c.r;
  const size = i.imm & 0xffff;
  const level = i.imm2 & 31;
  const sp0 = rspValue(c);
  // check the whole region written before changing anything
  const total = level > 0 ? 8 * (level + 1) : 8;
  rchk(c, sp0 - total, total);
  wchk(c, sp0 - total, total);
  push64(c, r[10], r[11]);
  const frame = rspValue(c);
  if (level > 0) {
    let bp = (r[10] >>> 0) + r[11] * TWO32;
    for (let k = 1; k < level; k++) {
      bp -= 8;
      const lo = ld64(c, bp);
      push64(c, lo, c.hi);
    }
    push64(c, frame | 0, 0);
  }
  r[10] = frame | 0; r[11] = 0;
  const nsp = frame - (level > 0 ? 8 * level : 0) - size;
  r[SP] = nsp | 0; r[SP + 1] = nsp < 0 ? -1 : 0;
};
/** leave: rsp = rbp, pop rbp. */
const leaveq: Exec = (c) => {
  const r = c.r;
  const bp = (r[10] >>> 0) + r[11] * TWO32;
  const lo = ld64(c, bp);
  const hi = c.hi;
  r[SP] = (bp + 8) | 0; r[SP + 1] = 0;
  r[10] = lo; r[11] = hi;
};
/** leavew: rsp = rbp, pop bp (16 bits). */
const leavew: Exec = (c) => {
  const r = c.r;
  const bp = (r[10] >>> 0) + r[11] * TWO32;
  const v = ld16(c, bp);
  r[SP] = (bp + 2) | 0; r[SP + 1] = 0;
  c.r16[20] = v;
};
/** enterw size, level: as enter with 16-bit pushes of bp and frame pointers. */
const enterw: Exec = (c, i) => {
  const r = c.r;
  const size = i.imm & 0xffff;
  const level = i.imm2 & 31;
  const sp0 = rspValue(c);
  const total = 2 * (level + 1);
  wchk(c, rchk(c, sp0 - total, total), total);
  push16(c, c.r16[20]);
  const frame = rspValue(c);
  let bp = (r[10] >>> 0) + r[11] * TWO32;
  for (let k = 1; k < level; k++) { bp -= 2; push16(c, ld16(c, bp)); }
  if (level > 0) push16(c, frame & 0xffff);
  c.r16[20] = frame & 0xffff;
  const nsp = rspValue(c) - size;
  r[SP] = nsp | 0; r[SP + 1] = Math.floor(nsp / TWO32) | 0;
};
def(codes('Enterq_imm16_imm8'), () => enterq);
def(codes('Leaveq'), () => leaveq);
def(codes('Enterw_imm16_imm8'), () => enterw);
def(codes('Leavew'), () => leavew);


// ---- compiled-tier emitters ----

/**
 * A push of the 64-bit value (lo, hi: JS expressions) inline. The slow path
 * (a bad stack faults in st64, a code page is written and dropped) is the
 * same store through st64: push64's checks in the same order.
 */
function pushSource(g: Gen, lo: string, hi: string): string {
  const sp = g.v('sp');
  const w = g.stackWord(-8);
  const put = `${g.set32(sp, lo, w)} ${g.set32(sp, hi, w, 4)} r[8] = ${sp} | 0; r[9] = 0;`;
  if (g.held) return `const ${sp} = ${g.rsp(-8)};\n${put}\n`;
  g.stored = true;
  return `const ${sp} = ${g.rsp(-8)};\n` +
    `if (${g.writable(sp, 8)}) {\n  ${put}\n` +
    `} else { c.k = ${g.k}; st64(c, ${sp}, ${lo}, ${hi}); r[8] = ${sp} | 0; r[9] = 0; ${STOP_MARK}}\n`;
}
emit(pushR64, (i, g) => pushSource(g, `r[${i.a}]`, `r[${i.a + 1}]`));
emit(pushI64, (i, g) => pushSource(g, `${i.imm | 0}`, `${i.immHi | 0}`));
/** push of memory (a caller's 7th argument): the source is read first, with rsp before the push; a fault there changes nothing. */
emit(pushM64, (i, g) => {
  const a = g.v('a'), lo = g.v('lo'), hi = g.v('hi');
  return `const ${a} = ${g.addr(i)};\n${g.load64(lo, hi, a)}${pushSource(g, lo, hi)}`;
});
/** pop: a stack outside RAM faults in ld64 (pop64's check), before rsp or the register changes. */
emit(popR64, (i, g) => {
  const sp = g.v('sp'), lo = g.v('lo'), hi = g.v('hi');
  return `const ${sp} = ${g.rsp(0)};\n${g.load64(lo, hi, sp, g.stackWord(0))}` +
    `r[8] = (${sp} + 8) | 0; r[9] = 0; r[${i.a}] = ${lo}; r[${i.a + 1}] = ${hi};\n`;
});

// Their stack slots, for the window check (stack-window.ts).
const PUSH = { at: -8, delta: -8 };
for (const fn of [pushR64, pushI64, pushM64]) stackEffect(fn, () => PUSH);
stackEffect(popR64, (i) => (i.a === SP ? null : { at: 0, delta: 8 }));

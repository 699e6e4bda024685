/**
 * Exchanges: xchg, xadd, cmpxchg, cmpxchg8b, cmpxchg16b. The engine runs one
 * guest thread at a time, so the lock prefix needs nothing more.
 */
import type { Core } from '../core.js';
import { K_MEM, type Exec, type Insn } from '../insn.js';
import { def, codes } from '../registry.js';
import { ZF } from '../context.js';
import { KF_SUB, fop, setSome } from '../flags.js';
import { emit, type Gen } from '../emit.js';
import { align16, rchk, wchk } from '../access.js';
import { readMem, readReg, regIndex, size0, sizeIndex, writeMem, writeReg } from './operands.js';
import { ADD, CMP, alu, alu64 } from './alu.js';

// Operand 0 is r/m (i.a = its register index when a register), operand 1 a register (i.b).

const xchg: Exec = (c, i) => {
  const size = i.x;
  const sl = readReg(c, i.b, size), sh = c.hi;
  if (i.k0 === K_MEM) {
    const a = i.ea(c, i);
    const dl = readMem(c, a, size), dh = c.hi;
    writeMem(c, a, size, sl, sh);
    writeReg(c, i.b, size, dl, dh);
  } else {
    const dl = readReg(c, i.a, size), dh = c.hi;
    writeReg(c, i.a, size, sl, sh);
    writeReg(c, i.b, size, dl, dh);
  }
};

const xadd: Exec = (c, i) => {
  const size = i.x;
  const a = i.k0 === K_MEM ? i.ea(c, i) : 0;
  const dl = i.k0 === K_MEM ? readMem(c, a, size) : readReg(c, i.a, size), dh = c.hi;
  const sl = readReg(c, i.b, size), sh = c.hi;
  let rl: number, rh = 0;
  if (size === 8) { rl = alu64(c, ADD, dl, dh, sl, sh); rh = c.hi; } else rl = alu(c, ADD, dl, sl, sizeIndex(size));
  if (i.k0 === K_MEM) writeMem(c, a, size, rl, rh);
  writeReg(c, i.b, size, dl, dh);
  if (i.k0 !== K_MEM) writeReg(c, i.a, size, rl, rh);
};

const cmpxchg: Exec = (c, i) => {
  const size = i.x;
  const a = i.k0 === K_MEM ? i.ea(c, i) : 0;
  if (i.k0 === K_MEM) wchk(c, a, size); // the destination is written (or rewritten) either way
  const dl = i.k0 === K_MEM ? readMem(c, a, size) : readReg(c, i.a, size), dh = c.hi;
  const acc = regIndex(0, size);
  const al = readReg(c, acc, size), ah = c.hi;
  if (size === 8) alu64(c, CMP, al, ah, dl, dh); else alu(c, CMP, al, dl, sizeIndex(size));
  const equal = size === 8 ? al === dl && ah === dh : ((al ^ dl) & (size === 4 ? -1 : size === 2 ? 0xffff : 0xff)) === 0;
  if (equal) {
    const sl = readReg(c, i.b, size), sh = c.hi;
    if (i.k0 === K_MEM) writeMem(c, a, size, sl, sh); else writeReg(c, i.a, size, sl, sh);
  } else {
    writeReg(c, acc, size, dl, dh);
  }
};

function buildRmReg(fn: Exec) {
  return (i: Insn): Exec => {
    const size = size0(i);
    i.x = size;
    if (i.k0 !== K_MEM) i.a = regIndex(i.r0, size);
    i.b = regIndex(i.r1, size);
    return fn;
  };
}
// ---- compiled-tier emitters: a 32-bit word in memory (musl's locks: a_cas, a_swap) ----

/** body runs when the word at the instruction's address is plain RAM outside code (as the handler would find it); else the handler. */
function word32(g: Gen, i: Insn, a: string, body: string): string {
  g.stored = true;
  return `const ${a} = ${g.addr(i)};\n` +
    `if (${a} >= 4096 && ${a} + 4 <= size && (cp[${a} >>> 12] | cp[(${a} + 3) >>> 12]) === 0) {\n  ${body}} else { c.k = ${g.k}; ${g.handler()} }\n`;
}
/** cmpxchg: the flags of cmp eax, [m]; equal: [m] = src, else eax = [m]. */
emit(cmpxchg, (i, g) => {
  if (i.k0 !== K_MEM || i.x !== 4) return null;
  const a = g.v('a'), x = g.v('x'), acc = g.v('acc');
  const flags = g.flagsDead ? '' : ` c.fop = ${fop(KF_SUB, 2)}; c.fa = ${acc}; c.fb = ${x}; c.fr = (${acc} - ${x}) | 0;`;
  return word32(g, i, a, `const ${x} = dv.getInt32(${a}, true), ${acc} = r[0];${flags}\n` +
    `  if (${acc} === ${x}) dv.setInt32(${a}, r[${i.b}], true); else { r[0] = ${x}; r[1] = 0; }\n`);
});
emit(xchg, (i, g) => {
  if (i.k0 !== K_MEM || i.x !== 4) return null;
  const a = g.v('a'), x = g.v('x');
  return word32(g, i, a, `const ${x} = dv.getInt32(${a}, true); dv.setInt32(${a}, r[${i.b}], true); r[${i.b}] = ${x}; r[${i.b + 1}] = 0;\n`);
});

def(codes('Xchg_rm8_r8', 'Xchg_rm16_r16', 'Xchg_rm32_r32', 'Xchg_rm64_r64', 'Xchg_r16_AX', 'Xchg_r32_EAX', 'Xchg_r64_RAX'),
  buildRmReg(xchg));
def(codes('Xadd_rm8_r8', 'Xadd_rm16_r16', 'Xadd_rm32_r32', 'Xadd_rm64_r64'), buildRmReg(xadd));
def(codes('Cmpxchg_rm8_r8', 'Cmpxchg_rm16_r16', 'Cmpxchg_rm32_r32', 'Cmpxchg_rm64_r64'), buildRmReg(cmpxchg));

/** cmpxchg8b m64: edx:eax vs m64; equal -> m64 = ecx:ebx. Only ZF changes. */
const cmpxchg8b: Exec = (c: Core, i: Insn) => {
  const a = wchk(c, i.ea(c, i), 8);
  const dv = c.dv, r = c.r;
  const lo = dv.getInt32(a, true), hi = dv.getInt32(a + 4, true);
  if (lo === r[0] && hi === r[4]) {
    dv.setInt32(a, r[6], true);
    dv.setInt32(a + 4, r[2], true);
    setSome(c, ZF, ZF);
  } else {
    r[0] = lo; r[1] = 0; r[4] = hi; r[5] = 0;
    setSome(c, ZF, 0);
  }
};
/** cmpxchg16b m128 (16-byte aligned): rdx:rax vs m128; equal -> m128 = rcx:rbx. */
const cmpxchg16b: Exec = (c: Core, i: Insn) => {
  const a = wchk(c, align16(c, i.ea(c, i)), 16);
  rchk(c, a, 16);
  const dv = c.dv, r = c.r;
  const m = [dv.getInt32(a, true), dv.getInt32(a + 4, true), dv.getInt32(a + 8, true), dv.getInt32(a + 12, true)];
  if (m[0] === r[0] && m[1] === r[1] && m[2] === r[4] && m[3] === r[5]) {
    dv.setInt32(a, r[6], true); dv.setInt32(a + 4, r[7], true);
    dv.setInt32(a + 8, r[2], true); dv.setInt32(a + 12, r[3], true);
    setSome(c, ZF, ZF);
  } else {
    r[0] = m[0]; r[1] = m[1]; r[4] = m[2]; r[5] = m[3];
    setSome(c, ZF, 0);
  }
};
def(codes('Cmpxchg8b_m64'), () => cmpxchg8b);
def(codes('Cmpxchg16b_m128'), () => cmpxchg16b);

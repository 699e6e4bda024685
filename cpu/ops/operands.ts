/**
 * Shared helpers for family builders: register indices per operand size and
 * reading/writing an r/m operand of any size. Handlers specialised by size
 * use the views directly; these generic forms serve the rarer instructions.
 */
import type { Core } from '../core.js';
import { byteReg, K_MEM, type Insn } from '../insn.js';
import { ld16, ld32, ld64, ld8, st16, st32, st64, st8 } from '../access.js';

/** Index of general register r in the view for its size: r8 (1), r16 (2), r (4 and 8: low half). */
export function regIndex(r: number, size: number): number {
  return size === 1 ? byteReg(r) : size === 2 ? 4 * r : 2 * r;
}

/** Size in bytes of operand 0 (register or memory). */
export function size0(i: Insn): number {
  return i.k0 === K_MEM ? i.msize : i.s0;
}
/** Marks an instruction as touching neither memory nor anything that can fault. */
export function pure(i: Insn): void {
  i.mayFault = false;
  i.writes = false;
}

/** Size code (0..3 for 1, 2, 4, 8 bytes). */
export function sizeIndex(size: number): number {
  return size === 1 ? 0 : size === 2 ? 1 : size === 4 ? 2 : 3;
}

/** Reads a general register of `size` bytes (8: low half; high half left in c.hi). `idx` from regIndex. */
export function readReg(c: Core, idx: number, size: number): number {
  switch (size) {
    case 1: return c.r8[idx];
    case 2: return c.r16[idx];
    case 4: return c.r[idx];
    default: c.hi = c.r[idx + 1]; return c.r[idx];
  }
}

/** Writes a general register: 8/16-bit writes merge, 32-bit writes zero the upper half. */
export function writeReg(c: Core, idx: number, size: number, lo: number, hi: number): void {
  switch (size) {
    case 1: c.r8[idx] = lo; break;
    case 2: c.r16[idx] = lo; break;
    case 4: c.r[idx] = lo; c.r[idx + 1] = 0; break;
    default: c.r[idx] = lo; c.r[idx + 1] = hi;
  }
}

/** Reads memory of `size` bytes at a (8: low half, high half in c.hi). */
export function readMem(c: Core, a: number, size: number): number {
  switch (size) {
    case 1: return ld8(c, a);
    case 2: return ld16(c, a);
    case 4: return ld32(c, a);
    default: return ld64(c, a);
  }
}

export function writeMem(c: Core, a: number, size: number, lo: number, hi: number): void {
  switch (size) {
    case 1: st8(c, a, lo); break;
    case 2: st16(c, a, lo); break;
    case 4: st32(c, a, lo); break;
    default: st64(c, a, lo, hi);
  }
}

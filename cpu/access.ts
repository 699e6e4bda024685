/**
 * Data access to guest RAM for instruction handlers, and fault raising.
 *
 * Fast path: one range check (4096 <= a && a + n <= size) and a DataView
 * access, little-endian, unaligned allowed. Page permissions other than
 * "page 0 and beyond RAM fault" are not consulted on data accesses (the
 * kernel's checked helpers in memory.ts are the strict path).
 *
 * Addresses are doubles: a guest pointer is below 4 GiB, and a register's
 * signed 64-bit value viewed as a double keeps small negative pointers
 * negative, so they fault as they should.
 */
import { FAULT, type Core } from './core.js';
import { SIGSEGV, SEGV_MAPERR, SI_KERNEL } from './exit.js';

/** Records a fault on the core and unwinds to the run loop. */
export function fault(c: Core, signal: number, code: number, addr: number, detail = ''): never {
  const ctx = c.ctx;
  ctx.faultSignal = signal;
  ctx.faultCode = code;
  ctx.faultAddr = addr;
  ctx.faultDetail = detail;
  throw FAULT;
}

/** Canonical 48-bit addresses: bits 63..47 all equal (addresses here are signed doubles). */
export const CANONICAL_LIMIT = 0x8000_0000_0000;
export function canonical(a: number): boolean {
  return a < CANONICAL_LIMIT && a >= -CANONICAL_LIMIT;
}

/**
 * SIGSEGV for an access of n bytes at a that failed the range check: reports
 * the first bad byte; a non-canonical address is #GP instead (SI_KERNEL, 0).
 */
export function badAccess(c: Core, a: number, n: number, write: boolean): never {
  if (!canonical(a) || !canonical(a + n - 1)) gpFault(c, `non-canonical address 0x${a.toString(16)}`);
  const first = a < 4096 ? a : Math.max(a, c.size);
  return fault(c, SIGSEGV, SEGV_MAPERR, first, `${write ? 'write' : 'read'} of ${n} bytes at 0x${a.toString(16)}`);
}

/** #GP in user mode: Linux delivers SIGSEGV with si_code SI_KERNEL and address 0. */
export function gpFault(c: Core, detail: string): never {
  return fault(c, SIGSEGV, SI_KERNEL, 0, detail);
}

/** A store touched a page holding decoded code: drop it and leave the block after this instruction. */
function codeWrite(c: Core, a: number, n: number): void {
  c.stop = 1;
  c.mem.pageWritten(a >>> 12);
  const last = (a + n - 1) >>> 12;
  if (last !== a >>> 12) c.mem.pageWritten(last);
}

/** Checks a read of n bytes at a; returns a. */
export function rchk(c: Core, a: number, n: number): number {
  if (a >= 4096 && a + n <= c.size) return a;
  return badAccess(c, a, n, false);
}

/** Checks a write of n bytes at a (and self-modifying code); returns a. */
export function wchk(c: Core, a: number, n: number): number {
  if (!(a >= 4096 && a + n <= c.size)) badAccess(c, a, n, true);
  const cp = c.codePages;
  if ((cp[a >>> 12] | cp[(a + n - 1) >>> 12]) !== 0) codeWrite(c, a, n);
  return a;
}

export function ld8(c: Core, a: number): number {
  if (a >= 4096 && a < c.size) return c.u8[a];
  return badAccess(c, a, 1, false);
}
export function ld16(c: Core, a: number): number {
  if (a >= 4096 && a + 2 <= c.size) return c.dv.getUint16(a, true);
  return badAccess(c, a, 2, false);
}
/** Signed 32-bit load. */
export function ld32(c: Core, a: number): number {
  if (a >= 4096 && a + 4 <= c.size) return c.dv.getInt32(a, true);
  return badAccess(c, a, 4, false);
}
/** 64-bit load: returns the low half, leaves the high half in c.hi. */
export function ld64(c: Core, a: number): number {
  if (a >= 4096 && a + 8 <= c.size) {
    c.hi = c.dv.getInt32(a + 4, true);
    return c.dv.getInt32(a, true);
  }
  return badAccess(c, a, 8, false);
}

export function st8(c: Core, a: number, v: number): void {
  wchk(c, a, 1);
  c.u8[a] = v;
}
export function st16(c: Core, a: number, v: number): void {
  wchk(c, a, 2);
  c.dv.setUint16(a, v, true);
}
export function st32(c: Core, a: number, v: number): void {
  wchk(c, a, 4);
  c.dv.setInt32(a, v, true);
}
export function st64(c: Core, a: number, lo: number, hi: number): void {
  wchk(c, a, 8);
  c.dv.setInt32(a, lo, true);
  c.dv.setInt32(a + 4, hi, true);
}

/** Loads 16 bytes at a into XMM register x (alignment, if required, is the caller's check). */
export function ldx(c: Core, a: number, x: number): void {
  rchk(c, a, 16);
  const dv = c.dv, d = c.x32, j = x * 4;
  d[j] = dv.getInt32(a, true); d[j + 1] = dv.getInt32(a + 4, true);
  d[j + 2] = dv.getInt32(a + 8, true); d[j + 3] = dv.getInt32(a + 12, true);
}
/** Stores XMM register x to 16 bytes at a. */
export function stx(c: Core, a: number, x: number): void {
  wchk(c, a, 16);
  const dv = c.dv, d = c.x32, j = x * 4;
  dv.setInt32(a, d[j], true); dv.setInt32(a + 4, d[j + 1], true);
  dv.setInt32(a + 8, d[j + 2], true); dv.setInt32(a + 12, d[j + 3], true);
}
/** #GP for a misaligned 16-byte operand of movaps-class instructions. */
export function align16(c: Core, a: number): number {
  if ((a & 15) !== 0) gpFault(c, `misaligned 16-byte access at 0x${a.toString(16)}`);
  return a;
}

/** A 64-bit register as a double (exact below 2^53; addresses and counts). */
export function regv(c: Core, reg: number): number {
  return (c.r[2 * reg] >>> 0) + c.r[2 * reg + 1] * 4294967296;
}

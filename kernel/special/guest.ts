/**
 * The few guest-memory helpers the special-fd handlers share: timespecs,
 * 64-bit signal sets, path strings, little-endian u64 in kernel buffers.
 * Bad pointers throw MemoryFault from GuestMemory; the dispatcher turns that
 * into EFAULT.
 */
import type { GuestMemory } from '../../cpu/memory.js';
import { ENAMETOOLONG, ENOENT } from '../errno.js';
import type { SigMask } from './types.js';

export const NSEC_PER_SEC = 1e9;
const PATH_MAX = 4096;

export interface Timespec { sec: number; nsec: number }

export function readTimespec(mem: GuestMemory, addr: number): Timespec {
  return { sec: mem.readI64(addr), nsec: mem.readI64(addr + 8) };
}

export function writeTimespec(mem: GuestMemory, addr: number, ts: Timespec): void {
  mem.writeU64(addr, ts.sec);
  mem.writeU64(addr + 8, ts.nsec);
}

/** timespec64_valid: a non-negative second count and 0 <= nsec < 1e9. */
export function timespecValid(ts: Timespec): boolean {
  return ts.sec >= 0 && ts.nsec >= 0 && ts.nsec < NSEC_PER_SEC;
}

export function timespecToNs(ts: Timespec): number { return ts.sec * NSEC_PER_SEC + ts.nsec; }

export function nsToTimespec(ns: number): Timespec {
  if (!(ns > 0)) return { sec: 0, nsec: 0 };
  const sec = Math.floor(ns / NSEC_PER_SEC);
  return { sec, nsec: Math.round(ns - sec * NSEC_PER_SEC) };
}

export function readSigMask(mem: GuestMemory, addr: number): SigMask {
  return { lo: mem.readU32(addr), hi: mem.readU32(addr + 4) };
}

/** Bit of signal `sig` (1..64) in a SigMask. */
export function sigBit(sig: number): SigMask {
  return sig <= 32 ? { lo: (1 << (sig - 1)) >>> 0, hi: 0 } : { lo: 0, hi: (1 << (sig - 33)) >>> 0 };
}

/** The mask as 16 hex digits, as render_sigset_t prints it. */
export function sigMaskHex(m: SigMask): string {
  return (m.hi >>> 0).toString(16).padStart(8, '0') + (m.lo >>> 0).toString(16).padStart(8, '0');
}

/**
 * getname(): a guest path as a latin1 string (one char per byte, the VFS's
 * convention), -ENOENT when empty, -ENAMETOOLONG past PATH_MAX.
 */
export function readPath(mem: GuestMemory, addr: number): string | number {
  const n = mem.strlen(addr, PATH_MAX);
  if (n < 0) return -ENAMETOOLONG;
  if (n === 0) return -ENOENT;
  return latin1(mem.u8.subarray(addr, addr + n));
}

export function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.subarray(i, i + 4096));
  return s;
}

export function latin1Bytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
  return b;
}

/** Writes an unsigned 64-bit value (bigint) little-endian into a kernel buffer. */
export function putU64(dst: Uint8Array, off: number, v: bigint): void {
  new DataView(dst.buffer, dst.byteOffset, dst.byteLength).setBigUint64(off, v, true);
}

export function getU64(src: Uint8Array, off: number): bigint {
  return new DataView(src.buffer, src.byteOffset, src.byteLength).getBigUint64(off, true);
}

/**
 * The few checked helpers handlers use to fetch and store arguments (xv6's
 * argint/argptr/argstr): strings, string vectors, timespecs and timevals.
 * Bad pointers surface as MemoryFault, which the dispatcher turns into EFAULT.
 */
import { MemoryFault } from '../../cpu/memory.js';
import type { GuestMemory } from '../../cpu/memory.js';
import { NS_PER_SEC } from '../clock.js';

/** PATH_MAX, including the NUL. */
export const PATH_MAX = 4096;

const dec = new TextDecoder();

/** The NUL-terminated bytes at addr (without the NUL); null when longer than max. */
export function readCBytes(mem: GuestMemory, addr: number, max: number): Uint8Array | null {
  const n = mem.strlen(addr, max);
  if (n < 0) return null;
  return mem.readBytes(addr, n);
}

/** A C string decoded as UTF-8; null when longer than max. */
export function readCString(mem: GuestMemory, addr: number, max = PATH_MAX): string | null {
  const b = readCBytes(mem, addr, max);
  return b === null ? null : dec.decode(b);
}

/**
 * A NULL-terminated array of string pointers (argv, envp); null when a
 * string, the array or the bytes in all (NULs included) exceed the limits.
 */
export function readStrv(mem: GuestMemory, addr: number, maxStrings: number, maxLen: number, maxTotal = Infinity): Uint8Array[] | null {
  const out: Uint8Array[] = [];
  if (addr === 0) return out;
  let total = 0;
  for (let i = 0; ; i++) {
    if (i >= maxStrings) return null;
    const p = mem.readU64(addr + 8 * i);
    if (p === 0) return out;
    const s = readCBytes(mem, p, maxLen);
    if (s === null) return null;
    total += s.length + 1;
    if (total > maxTotal) return null;
    out.push(s);
  }
}

/** struct timespec as nanoseconds; null when tv_nsec is out of range or tv_sec negative (EINVAL). */
export function readTimespec(mem: GuestMemory, addr: number): number | null {
  const sec = mem.readI64(addr);
  const nsec = mem.readI64(addr + 8);
  if (sec < 0 || nsec < 0 || nsec >= NS_PER_SEC) return null;
  return sec * NS_PER_SEC + nsec;
}

/** Like readTimespec, but allows a negative tv_sec (absolute times in the past). */
export function readTimespecRaw(mem: GuestMemory, addr: number): { sec: number; nsec: number } {
  return { sec: mem.readI64(addr), nsec: mem.readI64(addr + 8) };
}

export function writeTimespec(mem: GuestMemory, addr: number, ns: number): void {
  const v = Math.max(0, ns);
  const sec = Math.floor(v / NS_PER_SEC);
  mem.writeU64(addr, sec);
  mem.writeU64(addr + 8, Math.floor(v - sec * NS_PER_SEC));
}

export function writeTimespecParts(mem: GuestMemory, addr: number, sec: number, nsec: number): void {
  mem.writeU64(addr, sec);
  mem.writeU64(addr + 8, nsec);
}

/** struct timeval as nanoseconds; null when tv_usec is out of range. */
export function readTimeval(mem: GuestMemory, addr: number): number | null {
  const sec = mem.readI64(addr);
  const usec = mem.readI64(addr + 8);
  if (sec < 0 || usec < 0 || usec >= 1_000_000) return null;
  return sec * NS_PER_SEC + usec * 1000;
}

export function writeTimeval(mem: GuestMemory, addr: number, ns: number): void {
  const v = Math.max(0, ns);
  const sec = Math.floor(v / NS_PER_SEC);
  mem.writeU64(addr, sec);
  mem.writeU64(addr + 8, Math.floor((v - sec * NS_PER_SEC) / 1000));
}

/** Throws the EFAULT fault for a pointer that must not be NULL. */
export function needPtr(addr: number): void {
  if (addr === 0) throw new MemoryFault(0, false);
}

/** Writes a NUL-terminated string of at most `size` bytes (truncating); returns bytes written with the NUL. */
export function writeCString(mem: GuestMemory, addr: number, s: string, size: number): number {
  const b = new TextEncoder().encode(s);
  const n = Math.min(b.length, size - 1);
  const out = new Uint8Array(n + 1);
  out.set(b.subarray(0, n));
  mem.writeBytes(addr, out);
  return n + 1;
}

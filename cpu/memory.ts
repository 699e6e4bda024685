/**
 * Guest RAM: one fixed-size WebAssembly.Memory, never grown (DESIGN.md decision 1).
 * Guest address == offset in this memory. A per-page permission map makes page 0
 * execute-only (NULL dereferences fault) and everything past the end faults.
 *
 * The helpers here are for the kernel and loader (not per-instruction paths):
 * they check bounds and permissions and return false / throw MemoryFault so that
 * callers can turn a bad pointer into EFAULT in one place.
 */
import { PAGE_SIZE } from '../trampoline/layout.js';
import { DOUBLE_ZERO } from './double-field.js';

export const PERM_R = 1;
export const PERM_W = 2;
export const PERM_X = 4;
export const PERM_RWX = PERM_R | PERM_W | PERM_X;
export const PAGE_SHIFT = 12;

/**
 * A 64-bit value given as a double (negative values two's complement) at
 * dv[at], little-endian, with no check: for writers that checked the whole
 * range first (GuestMemory.writeU64, struct stat, the initial stack).
 */
export function storeU64(dv: DataView, at: number, v: number): void {
  // `>>> 0` is v mod 2^32 for any integer v (negatives too); `%` on a double is a library call in V8.
  dv.setUint32(at, v >>> 0, true);
  dv.setUint32(at + 4, Math.floor(v / 0x1_0000_0000) >>> 0, true);
}

/** Thrown by the checked helpers; the kernel maps it to EFAULT. */
export class MemoryFault extends Error {
  constructor(readonly address: number, readonly write: boolean) {
    super(`guest memory fault at 0x${address.toString(16)} (${write ? 'write' : 'read'})`);
  }
}

const WASM_PAGE = 65536;

/**
 * The part of WebAssembly.Memory used here. The project compiles with lib
 * ES2022 only, which has no WebAssembly types; Node provides the global.
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
const WasmMemoryCtor = (globalThis as unknown as {
  WebAssembly: { Memory: new (d: { initial: number; maximum: number }) => WasmMemory };
}).WebAssembly.Memory;

export class GuestMemory {
  readonly size: number;
  readonly wasm: WasmMemory;
  readonly buffer: ArrayBuffer;
  readonly u8: Uint8Array;
  readonly dv: DataView;
  /** The same bytes as int32 words: generated code's access where the address is known 4-aligned (faster than dv's). */
  readonly m32: Int32Array;
  /** One byte of PERM_* bits per 4 KiB page. */
  readonly perm: Uint8Array;
  /**
   * Nonzero for pages whose writes must be reported (onCodeWrite): pages
   * holding decoded (cached) code, and pages an exec placed (placed).
   */
  readonly codePages: Uint8Array;
  /**
   * Per page, what an exec last put there (loader/image.ts: an image page's
   * token), 0 when unknown. It stays true only while the page is watched
   * (codePages nonzero): whoever clears that clears this (CodeCache).
   */
  readonly placed: Float64Array;
  /**
   * Counts the times a page became watched (codePages set nonzero): a
   * trace remembers the stack pointers its windows held for (trace.ts) and
   * forgets them when this moved during a system call.
   */
  codeMarks = 0;
  /** Installed by the CPU: called with a page number when a cached-code page is written. */
  onCodeWrite: ((page: number) => void) | null = null;

  constructor(sizeBytes: number) {
    if (!Number.isInteger(sizeBytes) || sizeBytes < 1 << 20 || sizeBytes > 0xf000_0000 || sizeBytes % WASM_PAGE !== 0) {
      throw new RangeError(`guest memory size must be a multiple of 64 KiB between 1 MiB and 3.75 GiB, got ${sizeBytes}`);
    }
    const pages = sizeBytes / WASM_PAGE;
    this.size = sizeBytes;
    this.wasm = new WasmMemoryCtor({ initial: pages, maximum: pages });
    this.buffer = this.wasm.buffer;
    this.u8 = new Uint8Array(this.buffer);
    this.dv = new DataView(this.buffer);
    this.m32 = new Int32Array(this.buffer);
    this.perm = new Uint8Array(sizeBytes >>> PAGE_SHIFT).fill(PERM_RWX);
    this.perm[0] = PERM_X;
    this.codePages = new Uint8Array(sizeBytes >>> PAGE_SHIFT);
    this.placed = new Float64Array(sizeBytes >>> PAGE_SHIFT);
  }

  /**
   * A byte view of [addr, addr+len) (the caller checked the range). The last
   * one made is handed out again for the same range: making a view costs
   * more than a 1-byte read(2) itself, and a loop reads into one buffer.
   */
  view(addr: number, len: number): Uint8Array {
    const v = this.lastView;
    if (addr === this.lastViewAt && v.length === len) return v;
    const w = new Uint8Array(this.buffer, addr, len);
    this.lastView = w;
    this.lastViewAt = addr;
    return w;
  }
  private lastView = new Uint8Array(0);
  private lastViewAt = DOUBLE_ZERO;

  /** True when [addr, addr+len) lies in RAM and every page in it grants all of `need`. */
  check(addr: number, len: number, need: number): boolean {
    if (!(addr >= 0) || !(len >= 0) || addr + len > this.size) return false;
    if (len === 0) return true;
    const last = (addr + len - 1) >>> PAGE_SHIFT;
    for (let p = addr >>> PAGE_SHIFT; p <= last; p++) {
      if ((this.perm[p] & need) !== need) return false;
    }
    return true;
  }

  setPerm(addr: number, len: number, perm: number): void {
    const first = Math.floor(addr / PAGE_SIZE);
    const last = Math.floor((addr + len - 1) / PAGE_SIZE);
    for (let p = first; p <= last; p++) this.perm[p] = perm;
  }

  /** Tell the CPU that [addr, addr+len) changed, so cached code there is dropped. */
  notifyWrite(addr: number, len: number): void {
    if (len <= 0 || this.onCodeWrite === null) return;
    const last = (addr + len - 1) >>> PAGE_SHIFT;
    for (let p = addr >>> PAGE_SHIFT; p <= last; p++) {
      if (this.codePages[p] !== 0) this.pageWritten(p);
    }
  }

  /** A watched page (codePages nonzero) was written: what was placed there is unknown now; the CPU drops its code. */
  pageWritten(p: number): void {
    this.placed[p] = 0;
    this.onCodeWrite?.(p);
  }

  private need(addr: number, len: number, perm: number): void {
    if (!this.check(addr, len, perm)) throw new MemoryFault(addr, perm === PERM_W);
  }

  readU8(addr: number): number { this.need(addr, 1, PERM_R); return this.u8[addr]; }
  readU16(addr: number): number { this.need(addr, 2, PERM_R); return this.dv.getUint16(addr, true); }
  readU32(addr: number): number { this.need(addr, 4, PERM_R); return this.dv.getUint32(addr, true); }
  readI32(addr: number): number { this.need(addr, 4, PERM_R); return this.dv.getInt32(addr, true); }
  /** A 64-bit value as a double: exact for |v| < 2^53 (pointers, sizes, counts). */
  readU64(addr: number): number {
    this.need(addr, 8, PERM_R);
    return this.dv.getUint32(addr, true) + this.dv.getUint32(addr + 4, true) * 0x1_0000_0000;
  }
  /** Signed 64-bit read as a double (exact for |v| < 2^53). */
  readI64(addr: number): number {
    this.need(addr, 8, PERM_R);
    return this.dv.getUint32(addr, true) + this.dv.getInt32(addr + 4, true) * 0x1_0000_0000;
  }

  writeU8(addr: number, v: number): void { this.need(addr, 1, PERM_W); this.u8[addr] = v; this.notifyWrite(addr, 1); }
  writeU16(addr: number, v: number): void { this.need(addr, 2, PERM_W); this.dv.setUint16(addr, v, true); this.notifyWrite(addr, 2); }
  writeU32(addr: number, v: number): void { this.need(addr, 4, PERM_W); this.dv.setUint32(addr, v >>> 0, true); this.notifyWrite(addr, 4); }
  /** Writes a 64-bit value given as a double (negative values are two's complement). */
  writeU64(addr: number, v: number): void {
    this.need(addr, 8, PERM_W);
    storeU64(this.dv, addr, v);
    this.notifyWrite(addr, 8);
  }
  writeU64Parts(addr: number, lo: number, hi: number): void {
    this.need(addr, 8, PERM_W);
    this.dv.setUint32(addr, lo >>> 0, true);
    this.dv.setUint32(addr + 4, hi >>> 0, true);
    this.notifyWrite(addr, 8);
  }

  /** A copy of guest bytes. */
  readBytes(addr: number, len: number): Uint8Array {
    this.need(addr, len, PERM_R);
    return this.u8.slice(addr, addr + len);
  }
  writeBytes(addr: number, data: Uint8Array): void {
    this.need(addr, data.length, PERM_W);
    this.u8.set(data, addr);
    this.notifyWrite(addr, data.length);
  }
  fill(addr: number, len: number, value: number): void {
    this.need(addr, len, PERM_W);
    this.u8.fill(value, addr, addr + len);
    this.notifyWrite(addr, len);
  }

  /**
   * Length of the NUL-terminated string at addr, or -1 if none within max
   * bytes. Faults on the first byte it needs that is not readable. Checks
   * each page once (a path is read by every path syscall).
   */
  strlen(addr: number, max: number): number {
    const u8 = this.u8;
    let i = 0;
    while (i < max) {
      const a = addr + i;
      if (!this.check(a, 1, PERM_R)) throw new MemoryFault(a, false);
      // Up to the end of a's page (readable as a whole) or of the bytes allowed. a is below 2^32 (checked):
      // its low 12 bits by `&`, as `%` on a double would be a library call.
      const stop = Math.min(a - (a & (PAGE_SIZE - 1)) + PAGE_SIZE, addr + max);
      for (let j = a; j < stop; j++) if (u8[j] === 0) return j - addr;
      i = stop - addr;
    }
    return -1;
  }
}

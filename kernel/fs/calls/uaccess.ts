/**
 * Fetching syscall arguments from guest memory (xv6's argstr/argptr): a
 * path string, an iovec array, a guest buffer as a view. Bad memory throws
 * MemoryFault (the dispatcher's EFAULT) or returns -EFAULT where a handler
 * must not have side effects first.
 */
import { PERM_R, PERM_W } from '../../../cpu/memory.js';
import { EFAULT, EINVAL, ENAMETOOLONG } from '../../errno.js';
import { PATH_MAX } from '../inode.js';
import { IOVEC, IOVEC_SIZE } from '../layout.js';
import type { FsTask } from '../task.js';

/** Linux caps a single read/write at this many bytes. */
export const MAX_RW_COUNT = 0x7ffff000;
export const UIO_MAXIOV = 1024;

/** A NUL-terminated guest path as a byte string (one char per byte); -ENAMETOOLONG past PATH_MAX. */
export function readPath(t: FsTask, ptr: number): string | number {
  if (ptr === 0) return -EFAULT;
  const len = t.mem.strlen(ptr, PATH_MAX);
  if (len < 0) return -ENAMETOOLONG;
  const u8 = t.mem.u8;
  // The same bytes as the last path: its string again (a program stats or opens one path over and over,
  // and decoding a short string through Buffer costs more than comparing its bytes).
  const last = lastPathBytes;
  if (len === last.length) {
    let j = 0;
    while (j < len && u8[ptr + j] === last[j]) j++;
    if (j === len) return lastPath;
  }
  const bytes = u8.subarray(ptr, ptr + len);
  const path = latin1(bytes);
  if (len <= LAST_PATH_MAX) { lastPathBytes = bytes.slice(); lastPath = path; }
  return path;
}
/** readPath's last path, when short, as bytes and string. */
const LAST_PATH_MAX = 256;
let lastPathBytes = new Uint8Array(0);
let lastPath = '';

export function latin1(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');
}
export function bytesOf(s: string): Uint8Array { return Buffer.from(s, 'latin1'); }

/** A size_t argument: negative doubles are huge values. */
export function sizeArg(v: number): number { return v < 0 ? Number.MAX_SAFE_INTEGER : v; }

/**
 * A view of guest memory for a transfer of up to len bytes at addr, cut at
 * MAX_RW_COUNT and at the end of RAM (a copy would stop there too);
 * -EFAULT when the start is bad.
 */
export function guestBuffer(t: FsTask, addr: number, len: number, write: boolean): Uint8Array | number {
  let n = Math.min(sizeArg(len), MAX_RW_COUNT);
  if (n === 0) return new Uint8Array(0);
  if (addr < 0 || addr >= t.mem.size) return -EFAULT;
  n = Math.min(n, t.mem.size - addr);
  if (!t.mem.check(addr, n, write ? PERM_W : PERM_R)) return -EFAULT;
  return t.mem.view(addr, n);
}

export interface Iovec { base: number; len: number }

/** Reads an iovec array (-EINVAL for a bad count or a total past SSIZE_MAX). */
export function readIovecs(t: FsTask, iov: number, cnt: number): Iovec[] | number {
  if (cnt < 0 || cnt > UIO_MAXIOV) return -EINVAL;
  const out: Iovec[] = [];
  let total = 0;
  for (let i = 0; i < cnt; i++) {
    const base = t.mem.readU64(iov + IOVEC_SIZE * i + IOVEC.iov_base);
    const len = t.mem.readI64(iov + IOVEC_SIZE * i + IOVEC.iov_len);
    if (len < 0) return -EINVAL;
    total += len;
    out.push({ base, len });
  }
  if (total > Number.MAX_SAFE_INTEGER) return -EINVAL;
  return out;
}

/** Writes a byte string and its NUL into guest memory. */
export function writeCString(t: FsTask, addr: number, s: string): void {
  const b = bytesOf(s + '\0');
  t.mem.writeBytes(addr, b);
}

/**
 * Memory syscalls without an MMU (mm/nommu.c): mmap hands out fresh RAM
 * (address hints ignored), file mappings are private copies read through the
 * file's operations, brk never grows, munmap splits only anonymous regions,
 * mremap resizes. mprotect, madvise, msync, mincore and mlock do not exist
 * on a nommu kernel (their code is MMU-only) and give ENOSYS from the table.
 */
import { PAGE_SIZE } from '../../trampoline/layout.js';
import { EACCES, EBADF, EFAULT, EINVAL, EISDIR, ENODEV, ENOMEM, EOVERFLOW, EPERM } from '../errno.js';
import { O_ACCMODE, O_WRONLY, O_PATH } from '../file.js';
import {
  MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, MAP_SHARED, MAP_TYPE, PROT_EXEC, PROT_READ, PROT_WRITE,
} from '../mm.js';
import type { Vma } from '../mm.js';
import type { Task } from '../task.js';

const MAP_SHARED_VALIDATE = 0x03;
const PROT_ALL = PROT_READ | PROT_WRITE | PROT_EXEC | 0x01000000 /* PROT_GROWSDOWN */ | 0x02000000;
/** The largest mapping considered (the guest RAM is far smaller anyway). */
const MAX_MAP = 2 ** 40;

const pageUp = (n: number): number => Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;

export function brk(t: Task): number {
  // nommu: the break never moves (no room is reserved after the image); musl then uses mmap.
  return t.proc.mm.brk;
}

/** Reads the file's bytes [off, off+len) into guest memory at addr; the rest stays zero. Returns 0 or -errno. */
function copyFile(t: Task, fd: number, addr: number, len: number, off: number): number {
  const f = t.files.get(fd);
  if (f === null) return -EBADF;
  const read = f.ops.read;
  // Streams (pipes, ttys, the special fds) have no mmap in Linux.
  if (read === undefined || f.isStream) return -ENODEV;
  let done = 0;
  const chunk = new Uint8Array(Math.min(len, 1 << 20));
  while (done < len) {
    const want = Math.min(chunk.length, len - done);
    const n = read.call(f.ops, f, chunk.subarray(0, want), off + done, t);
    if (n === -EISDIR) return -ENODEV;
    if (n < 0) return n;
    if (n === 0) break;
    t.mem.u8.set(chunk.subarray(0, n), addr + done);
    done += n;
  }
  t.mem.notifyWrite(addr, done);
  return 0;
}

export function mmap(t: Task, addr: number, length: number, prot: number, flags: number, fd: number, off: number): number {
  const k = t.kernel;
  const mm = t.proc.mm;
  const fl = flags >>> 0;
  const pr = prot >>> 0;
  if (off % PAGE_SIZE !== 0 || off < 0) return -EINVAL;
  const type = fl & MAP_TYPE;
  if (type !== MAP_SHARED && type !== MAP_PRIVATE && type !== MAP_SHARED_VALIDATE) return -EINVAL;
  if (length === 0) return -EINVAL;
  if ((pr & ~PROT_ALL) !== 0) return -EINVAL;
  if (length < 0 || length > MAX_MAP) return -ENOMEM;
  const len = pageUp(length);
  if (off + len > Number.MAX_SAFE_INTEGER) return -EOVERFLOW;
  const anon = (fl & MAP_ANONYMOUS) !== 0;
  const shared = type !== MAP_PRIVATE;
  let file = anon ? null : t.files.get(fd | 0);
  if (!anon) {
    if (file === null || (file.flags & O_PATH) !== 0) return -EBADF;
    if ((file.flags & O_ACCMODE) === O_WRONLY) return -EACCES;
    // /dev/zero maps as anonymous memory.
    if (file.path === '/dev/zero') file = null;
    else if (shared && (pr & PROT_WRITE) !== 0) {
      // A writable shared mapping of a file needs the file's own pages (NOMMU_MAP_DIRECT): no.
      if (!file.writable) return -EACCES;
      return -ENODEV;
    }
  }
  if ((fl & MAP_FIXED) !== 0) return mmapFixed(t, addr, len, pr, fl, fd, off, file === null);
  const name = file === null ? '' : file.path;
  const at = mm.map(len, { prot: pr, shared, kind: file === null ? 'anon' : 'file', name, offset: off, dev: 0, ino: 0 });
  if (at < 0) return at;
  t.mem.u8.fill(0, at, at + len);
  t.mem.notifyWrite(at, len);
  k.cpu.invalidate(at, len);
  if (file !== null) {
    const r = copyFile(t, fd | 0, at, len, off);
    if (r < 0) {
      const v = mm.findExact(at);
      if (v !== null) mm.unmapRange(v, v.start, v.end);
      return r;
    }
  }
  return at;
}

/**
 * MAP_FIXED: a nommu kernel cannot place memory at a chosen address and
 * refuses with EINVAL. One case is honoured (docs/nommu.md): a range lying
 * entirely inside a private mapping the process already owns gets the new
 * contents in place — what musl's dynamic linker asks when it loads a
 * library into the region it just reserved.
 */
function mmapFixed(t: Task, addr: number, len: number, prot: number, flags: number, fd: number, off: number, anon: boolean): number {
  if (addr % PAGE_SIZE !== 0) return -EINVAL;
  const v = t.proc.mm.find(addr);
  if (v === null || v.shared || (v.kind !== 'anon' && v.kind !== 'file') || addr + len > v.end || (flags & MAP_TYPE) !== MAP_PRIVATE) {
    return -EINVAL;
  }
  t.mem.u8.fill(0, addr, addr + len);
  t.mem.notifyWrite(addr, len);
  t.kernel.cpu.invalidate(addr, len);
  if (!anon) {
    const r = copyFile(t, fd | 0, addr, len, off);
    if (r < 0) return r;
  }
  v.prot |= prot;
  return addr;
}

/** The region of the caller's mm that [start, end) touches first, by nommu's rules. */
function firstOverlap(t: Task, start: number, end: number): Vma | null {
  for (const v of t.proc.mm.vmas) if (v.end > start && v.start < end) return v;
  return null;
}

export function munmap(t: Task, addr: number, length: number): number {
  if (addr % PAGE_SIZE !== 0 || addr < 0) return -EINVAL;
  if (length <= 0 || length > MAX_MAP) return -EINVAL;
  const start = addr;
  const end = addr + pageUp(length);
  const mm = t.proc.mm;
  const v = firstOverlap(t, start, end);
  if (v === null) return -EINVAL;
  if (v.kind !== 'anon') {
    // File-backed (and image/stack) regions go whole or not at all.
    let cur: Vma | null = v;
    const victims: Vma[] = [];
    while (cur !== null) {
      if (start > cur.start) return -EINVAL;
      victims.push(cur);
      if (end === cur.end) {
        for (const x of victims) mm.unmapRange(x, x.start, x.end);
        return 0;
      }
      cur = firstOverlap(t, cur.end, end);
    }
    return -EINVAL;
  }
  if (start === v.start && end === v.end) { mm.unmapRange(v, start, end); return 0; }
  if (start < v.start || end > v.end) return -EINVAL;
  mm.unmapRange(v, start, end);
  return 0;
}

const MREMAP_MAYMOVE = 1, MREMAP_FIXED = 2, MREMAP_DONTUNMAP = 4;

/**
 * mremap: nommu's rules (the region must be exactly one mapping; shared
 * mappings cannot change) with in-place growth when the next pages are free
 * and, with MREMAP_MAYMOVE, a move when they are not (docs/nommu.md).
 */
export function mremap(t: Task, oldAddr: number, oldLen: number, newLen: number, flags: number, newAddr: number): number {
  const fl = flags >>> 0;
  if ((fl & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)) !== 0) return -EINVAL;
  if ((fl & MREMAP_FIXED) !== 0 && (fl & MREMAP_MAYMOVE) === 0) return -EINVAL;
  if ((fl & MREMAP_DONTUNMAP) !== 0) return -EINVAL;
  if (oldAddr % PAGE_SIZE !== 0) return -EINVAL;
  const ol = pageUp(oldLen), nl = pageUp(newLen);
  if (ol === 0 || nl === 0 || newLen < 0 || newLen > MAX_MAP) return -EINVAL;
  if ((fl & MREMAP_FIXED) !== 0 && newAddr !== oldAddr) return -EINVAL;
  const mm = t.proc.mm;
  const v = mm.findExact(oldAddr);
  if (v === null || v.kind === 'image' || v.kind === 'stack') return -EINVAL;
  // nommu: EFAULT when the old length is not the whole mapping.
  if (v.end !== v.start + ol) return -EFAULT;
  if (v.shared) return -EPERM;
  if (nl === ol) return v.start;
  if (nl < ol) {
    mm.unmapRange(v, v.start + nl, v.end);
    return oldAddr;
  }
  if (mm.growInPlace(v, v.start + nl)) {
    t.mem.u8.fill(0, v.start + ol, v.start + nl);
    t.mem.notifyWrite(v.start + ol, nl - ol);
    return oldAddr;
  }
  if ((fl & MREMAP_MAYMOVE) === 0) return -ENOMEM;
  const to = mm.map(nl, { prot: v.prot, shared: false, kind: v.kind, name: v.name, offset: v.offset, dev: v.dev, ino: v.ino });
  if (to < 0) return to;
  t.mem.u8.copyWithin(to, v.start, v.end);
  t.mem.u8.fill(0, to + ol, to + nl);
  t.mem.notifyWrite(to, nl);
  t.kernel.cpu.invalidate(to, nl);
  mm.unmapRange(v, v.start, v.end);
  return to;
}

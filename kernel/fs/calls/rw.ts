/**
 * read, write and their positioned and vectored forms; lseek; sendfile and
 * copy_file_range; fsync and friends; truncate and fallocate.
 *
 * Positions: a file with a seek operation has a position that read/write
 * advance; a file without one (pipe, tty) or marked `stream` (eventfd and the
 * other anon-inode kinds, whose lseek is a no-op) is a stream and pread on it
 * is ESPIPE. A blocking call that can make no progress sleeps on the
 * file's wait queue and is retried; one that made progress returns it.
 */
import {
  EAGAIN, EBADF, EFAULT, EINVAL, EISDIR, ENODEV, EOPNOTSUPP, EPIPE, ESPIPE,
} from '../../errno.js';
import { O_APPEND, type OpenFile, POLLIN } from '../../file.js';
import { MAY_WRITE, S_IFDIR, S_IFMT, S_IFREG, isDir } from '../inode.js';
import { fileLoc } from '../openfile.js';
import { SEEK_END } from '../seek.js';
import { mayAccess } from '../vfs.js';
import type { FsHandler, FsTask } from '../task.js';
import { blockOn, fdArg, fileAttr, fileOf } from './common.js';
import { boundObj, filePermission, notifyAccess, notifyModify, objOf } from '../fsnotify.js';
import { type Iovec, MAX_RW_COUNT, guestBuffer, readIovecs, readPath, sizeArg } from './uaccess.js';

export const SIGPIPE = 13;
/** preadv2/pwritev2 flags we accept. */
const RWF_HIPRI = 1, RWF_DSYNC = 2, RWF_SYNC = 4, RWF_NOWAIT = 8, RWF_APPEND = 16;
const RWF_SUPPORTED = RWF_HIPRI | RWF_DSYNC | RWF_SYNC | RWF_NOWAIT | RWF_APPEND;

const isStream = (f: OpenFile): boolean => f.isStream;

/** One read by t into dst at pos (null: the file position, advanced). */
function readInto(t: FsTask, f: OpenFile, dst: Uint8Array, pos: number | null): number {
  const read = f.ops.read;
  if (read === undefined) return -EINVAL;
  const p = pos ?? f.pos;
  const n = read.call(f.ops, f, dst, p, t);
  if (n > 0 && pos === null && !isStream(f)) f.pos = p + n;
  return n;
}

/** One write of src at pos (null: the file position, or the end for O_APPEND). */
function writeFrom(t: FsTask, f: OpenFile, src: Uint8Array, pos: number | null, append = false): number {
  const write = f.ops.write;
  if (write === undefined) return -EINVAL;
  let p = pos ?? f.pos;
  if (((f.flags & O_APPEND) !== 0 || append) && !isStream(f)) {
    // Linux appends even for pwrite on an O_APPEND file.
    const end = f.ops.seek!(f, 0, SEEK_END);
    if (end < 0) return end;
    p = end;
  }
  const n = write(f, src, p);
  if (n === -EPIPE) t.sendSignal(SIGPIPE);
  if (n > 0 && pos === null && !isStream(f)) f.pos = p + n;
  return n;
}

/**
 * The file of a read or write at pos (null: at the file position), in the
 * order ksys_pread64/do_preadv check: a negative pos is EINVAL before the fd
 * is looked at, and positioned I/O on a stream is ESPIPE before the access
 * mode is (EBADF).
 */
function positioned(t: FsTask, fd: number, pos: number | null): OpenFile | number {
  if (pos !== null && pos < 0) return -EINVAL;
  const f = fileOf(t, fd);
  if (f === null) return -EBADF;
  if (pos !== null && isStream(f)) return -ESPIPE;
  return f;
}

function readCommon(t: FsTask, fd: number, buf: number, count: number, pos: number | null): number {
  const f = positioned(t, fd, pos);
  if (typeof f === 'number') return f;
  if (!f.readable) return -EBADF;
  const dst = guestBuffer(t, buf, count, true);
  if (typeof dst === 'number') return dst;
  if (dst.length === 0) return 0;
  const perm = filePermission(t, f);
  if (perm !== 0) return perm;
  const n = readInto(t, f, dst, pos);
  if (n > 0) { t.mem.notifyWrite(buf, n); notifyAccess(t, f); }
  if (n === -EAGAIN && !f.nonblocking) return blockOn(t, f);
  return n;
}

function writeCommon(t: FsTask, fd: number, buf: number, count: number, pos: number | null): number {
  const f = positioned(t, fd, pos);
  if (typeof f === 'number') return f;
  if (!f.writable) return -EBADF;
  const src = guestBuffer(t, buf, count, false);
  if (typeof src === 'number') return src;
  if (src.length === 0) return 0;
  const n = writeFrom(t, f, src, pos);
  if (n > 0) notifyModify(t, f);
  if (n === -EAGAIN && !f.nonblocking) return blockOn(t, f);
  return n;
}

export const read: FsHandler = (t, fd, buf, count) => readCommon(t, fdArg(fd), buf, count, null);
export const write: FsHandler = (t, fd, buf, count) => writeCommon(t, fdArg(fd), buf, count, null);
export const pread64: FsHandler = (t, fd, buf, count, pos) => readCommon(t, fdArg(fd), buf, count, pos);
export const pwrite64: FsHandler = (t, fd, buf, count, pos) => writeCommon(t, fdArg(fd), buf, count, pos);

/** Total of an iovec list, capped at MAX_RW_COUNT as rw_copy_check_uvector does. */
function iovTotal(iovs: Iovec[]): number {
  let total = 0;
  for (const v of iovs) total += v.len;
  return Math.min(total, MAX_RW_COUNT);
}

/**
 * readv: one read into a bounce buffer, scattered over the iovecs (so a pipe
 * or tty gives what it has in one go, like a single read).
 */
function readvCommon(t: FsTask, fd: number, iov: number, cnt: number, pos: number | null, flags: number): number {
  if ((flags & ~RWF_SUPPORTED) !== 0) return -EOPNOTSUPP;
  const f = positioned(t, fd, pos);
  if (typeof f === 'number') return f;
  if (!f.readable) return -EBADF;
  const iovs = readIovecs(t, iov, cnt);
  if (typeof iovs === 'number') return iovs;
  for (const v of iovs) if (v.len > 0 && typeof guestBuffer(t, v.base, v.len, true) === 'number') return -EFAULT;
  const total = iovTotal(iovs);
  if (total === 0) return 0;
  const perm = filePermission(t, f);
  if (perm !== 0) return perm;
  const tmp = new Uint8Array(total);
  const n = readInto(t, f, tmp, pos);
  if (n === -EAGAIN && !f.nonblocking && (flags & RWF_NOWAIT) === 0) return blockOn(t, f);
  if (n <= 0) return n;
  notifyAccess(t, f);
  let off = 0;
  for (const v of iovs) {
    if (off >= n) break;
    const take = Math.min(v.len, n - off);
    t.mem.writeBytes(v.base, tmp.subarray(off, off + take));
    off += take;
  }
  return n;
}

/** writev: the iovecs gathered into one write (PIPE_BUF atomicity holds for the whole vector). */
function writevCommon(t: FsTask, fd: number, iov: number, cnt: number, pos: number | null, flags: number): number {
  if ((flags & ~RWF_SUPPORTED) !== 0) return -EOPNOTSUPP;
  const f = positioned(t, fd, pos);
  if (typeof f === 'number') return f;
  if (!f.writable) return -EBADF;
  const iovs = readIovecs(t, iov, cnt);
  if (typeof iovs === 'number') return iovs;
  const total = iovTotal(iovs);
  const tmp = new Uint8Array(total);
  let off = 0;
  for (const v of iovs) {
    if (off >= total) break;
    const take = Math.min(v.len, total - off);
    const src = guestBuffer(t, v.base, take, false);
    if (typeof src === 'number') return src;
    tmp.set(src, off);
    off += take;
  }
  if (total === 0) return 0;
  const n = writeFrom(t, f, tmp, pos, (flags & RWF_APPEND) !== 0);
  if (n > 0) notifyModify(t, f);
  if (n === -EAGAIN && !f.nonblocking && (flags & RWF_NOWAIT) === 0) return blockOn(t, f);
  return n;
}

export const readv: FsHandler = (t, fd, iov, cnt) => readvCommon(t, fdArg(fd), iov, cnt | 0, null, 0);
export const writev: FsHandler = (t, fd, iov, cnt) => writevCommon(t, fdArg(fd), iov, cnt | 0, null, 0);
/** preadv/pwritev take the offset split in two longs (pos_l, pos_h); on x86-64 pos_l holds all of it. */
export const preadv: FsHandler = (t, fd, iov, cnt, posL) => readvCommon(t, fdArg(fd), iov, cnt | 0, posL, 0);
export const pwritev: FsHandler = (t, fd, iov, cnt, posL) => writevCommon(t, fdArg(fd), iov, cnt | 0, posL, 0);
/** preadv2/pwritev2: offset -1 means "the file position". */
export const preadv2: FsHandler = (t, fd, iov, cnt, posL, _posH, flags) =>
  readvCommon(t, fdArg(fd), iov, cnt | 0, posL === -1 ? null : posL, flags | 0);
export const pwritev2: FsHandler = (t, fd, iov, cnt, posL, _posH, flags) =>
  writevCommon(t, fdArg(fd), iov, cnt | 0, posL === -1 ? null : posL, flags | 0);

export const lseek: FsHandler = (t, fdv, offset, whence) => {
  const f = fileOf(t, fdArg(fdv));
  if (f === null) return -EBADF;
  if (f.ops.seek === undefined) return -ESPIPE;
  const r = f.ops.seek(f, offset, whence >>> 0);
  if (r >= 0) f.pos = r;
  return r;
};

/**
 * Moves up to count bytes from `src` to `dst` in chunks: from srcPos (or the
 * file position when null) to the output's position. Stops at EOF, at a
 * short write, or when either side would block after some progress.
 */
function transfer(t: FsTask, src: OpenFile, srcPos: number | null, dst: OpenFile, dstPos: number | null, count: number): { n: number; err: number } {
  const CHUNK = 65536;
  let done = 0;
  let pos = srcPos;
  while (done < count) {
    let want = Math.min(CHUNK, count - done);
    if (isStream(src)) {
      // What a stream gave cannot be put back: read only what the output takes now.
      const room = dst.ops.writeRoom?.(dst) ?? Infinity;
      if (room === 0) return { n: done, err: -EAGAIN };
      want = Math.min(want, 4096, room);
    }
    const buf = new Uint8Array(want);
    const r = readInto(t, src, buf, pos);
    if (r <= 0) return { n: done, err: r };
    const w = writeFrom(t, dst, buf.subarray(0, r), dstPos === null ? null : dstPos + done);
    if (w < 0) {
      if (pos === null && !isStream(src)) src.pos -= r;
      return { n: done, err: w };
    }
    if (w < r && pos === null && !isStream(src)) src.pos -= r - w;
    done += w;
    if (pos !== null) pos += w;
    if (w < r) break;
  }
  return { n: done, err: 0 };
}

/** sendfile(out_fd, in_fd, offset*, count). */
export const sendfile: FsHandler = (t, outFd, inFd, offPtr, count) => {
  const out = fileOf(t, fdArg(outFd));
  const inp = fileOf(t, fdArg(inFd));
  if (out === null || inp === null || !out.writable || !inp.readable) return -EBADF;
  if ((out.flags & O_APPEND) !== 0) return -EINVAL;
  if (inp.ops.read === undefined || out.ops.write === undefined) return -EINVAL;
  let pos: number | null = null;
  if (offPtr !== 0) {
    if (isStream(inp)) return -ESPIPE;
    pos = t.mem.readI64(offPtr);
    if (pos < 0) return -EINVAL;
  }
  const n = Math.min(sizeArg(count), MAX_RW_COUNT);
  if (n === 0) return 0;
  const r = transfer(t, inp, pos, out, null, n);
  if (offPtr !== 0 && pos !== null) t.mem.writeU64(offPtr, pos + r.n);
  if (r.n > 0) { notifyAccess(t, inp); notifyModify(t, out); return r.n; }
  if (r.err !== -EAGAIN || inp.nonblocking || out.nonblocking) return r.err;
  // Nothing moved: wait for whichever side is not ready.
  const inReady = ((inp.ops.poll?.(inp) ?? POLLIN) & POLLIN) !== 0;
  return blockOn(t, inReady ? out : inp);
};

/** copy_file_range(fd_in, off_in*, fd_out, off_out*, len, flags): regular files only. */
export const copy_file_range: FsHandler = (t, inFd, offIn, outFd, offOut, len, flags) => {
  if (flags !== 0) return -EINVAL;
  const inp = fileOf(t, fdArg(inFd));
  const out = fileOf(t, fdArg(outFd));
  if (inp === null || out === null || !inp.readable || !out.writable) return -EBADF;
  if ((out.flags & O_APPEND) !== 0) return -EBADF;
  const ia = fileAttr(inp), oa = fileAttr(out);
  if (typeof ia === 'number') return ia;
  if (typeof oa === 'number') return oa;
  if (isDir(ia.attr.mode) || isDir(oa.attr.mode)) return -EISDIR;
  if ((ia.attr.mode & S_IFMT) !== S_IFREG || (oa.attr.mode & S_IFMT) !== S_IFREG) return -EINVAL;
  const pin = offIn !== 0 ? t.mem.readI64(offIn) : inp.pos;
  const pout = offOut !== 0 ? t.mem.readI64(offOut) : out.pos;
  if (pin < 0 || pout < 0) return -EINVAL;
  let n = Math.min(sizeArg(len), MAX_RW_COUNT);
  if (ia.ino === oa.ino && ia.dev === oa.dev && pin < pout + n && pout < pin + n) return -EINVAL;
  n = Math.max(0, Math.min(n, ia.attr.size - pin));
  if (n === 0) return 0;
  const r = transfer(t, inp, pin, out, pout, n);
  if (r.n > 0) {
    notifyAccess(t, inp);
    notifyModify(t, out);
    if (offIn !== 0) t.mem.writeU64(offIn, pin + r.n); else inp.pos = pin + r.n;
    if (offOut !== 0) t.mem.writeU64(offOut, pout + r.n); else out.pos = pout + r.n;
  }
  return r.n > 0 ? r.n : r.err;
};

function fsyncCommon(t: FsTask, fd: number): number {
  const f = fileOf(t, fd);
  if (f === null) return -EBADF;
  if (f.ops.fsync !== undefined) return f.ops.fsync(f);
  const a = fileAttr(f);
  if (typeof a === 'number') return a;
  const type = a.attr.mode & S_IFMT;
  if (type === S_IFREG || type === S_IFDIR) { t.vfs.flush(); return 0; }
  return -EINVAL;
}
export const fsync: FsHandler = (t, fd) => fsyncCommon(t, fdArg(fd));
export const fdatasync: FsHandler = (t, fd) => fsyncCommon(t, fdArg(fd));
export const sync: FsHandler = (t) => { t.vfs.flush(); return 0; };
export const syncfs: FsHandler = (t, fd) => {
  if (fileOf(t, fdArg(fd)) === null) return -EBADF;
  t.vfs.flush();
  return 0;
};

/** Sets the size of a regular file open for writing (ftruncate, fallocate). */
function resizeOpen(t: FsTask, f: OpenFile, size: number, fsnotify: 'change' | 'modify'): number {
  const loc = fileLoc(f);
  if (loc === undefined || loc.inode.setattr === undefined) return -EINVAL;
  if (loc.mnt.readonly) return -30; // EROFS
  const r = loc.inode.setattr({ size });
  if (r === 0 && t.vfs.notify !== null) {
    if (fsnotify === 'modify') notifyModify(t, f);
    else t.vfs.notify.change(boundObj(f) ?? objOf(loc), { size: true, mtime: true }, t);
  }
  return r;
}

export const ftruncate: FsHandler = (t, fd, length) => {
  if (length < 0) return -EINVAL;
  const f = fileOf(t, fdArg(fd));
  if (f === null) return -EBADF;
  const a = fileAttr(f);
  if (typeof a === 'number') return a;
  if ((a.attr.mode & S_IFMT) !== S_IFREG || !f.writable) return -EINVAL;
  return resizeOpen(t, f, length, 'change');
};

export const truncate: FsHandler = (t, pathPtr, length) => {
  const path = readPath(t, pathPtr);
  if (typeof path === 'number') return path;
  if (length < 0) return -EINVAL;
  const r0 = t.vfs.lookupVia(t, -100, path, 0);
  if (typeof r0 === 'number') return r0;
  const loc = r0.loc;
  if (loc === null) return -EINVAL;
  const a = loc.inode.getattr();
  if (typeof a === 'number') return a;
  if (isDir(a.mode)) return -EISDIR;
  if ((a.mode & S_IFMT) !== S_IFREG) return -EINVAL;
  const r = mayAccess(loc, t.cred, MAY_WRITE);
  if (r < 0) return r;
  const done = loc.inode.setattr?.({ size: length }) ?? -EINVAL;
  if (done === 0) t.vfs.notify?.change(objOf(loc, r0.via), { size: true, mtime: true }, t);
  return done;
};

export const fallocate: FsHandler = (t, fd, mode, offset, len) => {
  const f = fileOf(t, fdArg(fd));
  if (offset < 0 || len <= 0) return -EINVAL;
  if ((mode | 0) !== 0) return -EOPNOTSUPP;
  if (f === null || !f.writable) return -EBADF;
  const a = fileAttr(f);
  if (typeof a === 'number') return a;
  const type = a.attr.mode & S_IFMT;
  if (type === S_IFDIR) return -EISDIR;
  if (type === 0o010000) return -ESPIPE;
  if (type !== S_IFREG) return -ENODEV;
  if (offset + len > Number.MAX_SAFE_INTEGER) return -27; // EFBIG
  return offset + len > a.attr.size ? resizeOpen(t, f, offset + len, 'modify') : 0;
};


/** dup, dup2, dup3, fcntl, ioctl (generic part), flock. */
import { EAGAIN, EBADF, EINVAL, ENOTTY, ERESTARTSYS } from '../../errno.js';
import { O_APPEND, O_ASYNC, O_CLOEXEC, O_DIRECT, O_NOATIME, O_NONBLOCK, type OpenFile } from '../../file.js';
import { BLOCK, type WaitQueue } from '../../wait.js';
import { S_IFMT, S_IFREG } from '../inode.js';
import { F_RDLCK, F_UNLCK, F_WRLCK, LOCK_EX, LOCK_NB, LOCK_SH, LOCK_UN, OFFSET_MAX, type RecordLock, cancelLockWait, flock as flockOp, setLock, testLock } from '../locks.js';
import { FLOCK } from '../layout.js';
import { PipeEnd } from '../pipe.js';
import { SEEK_CUR, SEEK_END, SEEK_SET } from '../seek.js';
import type { FsHandler, FsTask } from '../task.js';
import { fdArg, fileAttr, fileOf, fileRaw } from './common.js';

export const F_DUPFD = 0, F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4;
export const F_GETLK = 5, F_SETLK = 6, F_SETLKW = 7, F_SETOWN = 8, F_GETOWN = 9, F_SETSIG = 10, F_GETSIG = 11;
export const F_SETOWN_EX = 15, F_GETOWN_EX = 16, F_GETOWNER_UIDS = 17;
export const F_OFD_GETLK = 36, F_OFD_SETLK = 37, F_OFD_SETLKW = 38;
export const F_SETLEASE = 1024, F_GETLEASE = 1025, F_NOTIFY = 1026, F_DUPFD_CLOEXEC = 1030;
export const F_SETPIPE_SZ = 1031, F_GETPIPE_SZ = 1032;
export const FD_CLOEXEC = 1;
export const FIONREAD = 0x541b, FIONBIO = 0x5421, FIONCLEX = 0x5450, FIOCLEX = 0x5451, FIOASYNC = 0x5452;

/** Status flags F_SETFL may change. */
const SETFL_MASK = O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME;

export const dup: FsHandler = (t, fd) => {
  const f = fileRaw(t, fdArg(fd));
  if (f === null) return -EBADF;
  return t.files.install(f.get(), false);
};

function dup3Common(t: FsTask, oldfd: number, newfd: number, cloexec: boolean): number {
  const f = fileRaw(t, oldfd);
  if (f === null) return -EBADF;
  if (newfd < 0 || newfd >= t.files.limit) return -EBADF;
  t.files.installAt(newfd, f.get(), cloexec, t);
  return newfd;
}

export const dup2: FsHandler = (t, oldfd, newfd) => {
  const o = fdArg(oldfd), n = fdArg(newfd);
  if (o === n) return fileRaw(t, o) === null ? -EBADF : n;
  return dup3Common(t, o, n, false);
};

export const dup3: FsHandler = (t, oldfd, newfd, flags) => {
  if ((flags & ~O_CLOEXEC) !== 0) return -EINVAL;
  const o = fdArg(oldfd), n = fdArg(newfd);
  if (o === n) return -EINVAL;
  return dup3Common(t, o, n, (flags & O_CLOEXEC) !== 0);
};

const owners = new WeakMap<OpenFile, number>();

/** Reads a struct flock into a lock request (range resolved against whence). */
function readFlock(t: FsTask, f: OpenFile, addr: number, owner: number | OpenFile, ofd: boolean): RecordLock | number {
  const type = t.mem.readU16(addr + FLOCK.l_type) << 16 >> 16;
  const whence = t.mem.readU16(addr + FLOCK.l_whence) << 16 >> 16;
  const start = t.mem.readI64(addr + FLOCK.l_start);
  const len = t.mem.readI64(addr + FLOCK.l_len);
  const pid = t.mem.readI32(addr + FLOCK.l_pid);
  if (type !== F_RDLCK && type !== F_WRLCK && type !== F_UNLCK) return -EINVAL;
  if (ofd && pid !== 0) return -EINVAL;
  let base: number;
  if (whence === SEEK_SET) base = 0;
  else if (whence === SEEK_CUR) base = f.pos;
  else if (whence === SEEK_END) {
    const a = fileAttr(f);
    if (typeof a === 'number') return a;
    base = a.attr.size;
  } else return -EINVAL;
  let s = base + start;
  let e: number;
  if (len > 0) e = s + len - 1;
  else if (len === 0) e = OFFSET_MAX;
  else { e = s - 1; s += len; }
  if (s < 0 || e < s - 1) return -EINVAL;
  return { type, start: s, end: e, owner, pid: ofd ? -1 : t.pid };
}

function getLock(t: FsTask, f: OpenFile, addr: number, ofd: boolean): number {
  const want = readFlock(t, f, addr, ofd ? f : t.pid, ofd);
  if (typeof want === 'number') return want;
  if (want.type === F_UNLCK) return -EINVAL;
  const h = testLock(f, want);
  if (h === null) { t.mem.writeU16(addr + FLOCK.l_type, F_UNLCK); return 0; }
  t.mem.writeU16(addr + FLOCK.l_type, h.type);
  t.mem.writeU16(addr + FLOCK.l_whence, SEEK_SET);
  t.mem.writeU64(addr + FLOCK.l_start, h.start);
  t.mem.writeU64(addr + FLOCK.l_len, h.end === OFFSET_MAX ? 0 : h.end - h.start + 1);
  t.mem.writeU32(addr + FLOCK.l_pid, typeof h.owner === 'number' ? h.pid : -1);
  return 0;
}

function setLockCmd(t: FsTask, f: OpenFile, addr: number, ofd: boolean, wait: boolean): number {
  const want = readFlock(t, f, addr, ofd ? f : t.pid, ofd);
  if (typeof want === 'number') return want;
  if (want.type === F_RDLCK && !f.readable) return -EBADF;
  if (want.type === F_WRLCK && !f.writable) return -EBADF;
  const w: { blockOn: WaitQueue | null } = { blockOn: null };
  const r = setLock(f, want, wait ? w : undefined);
  if (r !== -EAGAIN || !wait || w.blockOn === null) return r;
  if (t.signalPending()) { cancelLockWait(t.pid); return -ERESTARTSYS; }
  t.waitOn(w.blockOn);
  return BLOCK;
}

export const fcntl: FsHandler = (t, fdv, cmdv, arg) => {
  const fd = fdArg(fdv), cmd = cmdv | 0;
  const raw = fileRaw(t, fd);
  if (raw === null) return -EBADF;
  switch (cmd) {
    case F_DUPFD: case F_DUPFD_CLOEXEC: {
      const min = arg | 0;
      if (min < 0 || min >= t.files.limit) return -EINVAL;
      return t.files.install(raw.get(), cmd === F_DUPFD_CLOEXEC, min);
    }
    case F_GETFD: return t.files.getCloexec(fd) ? FD_CLOEXEC : 0;
    case F_SETFD: t.files.setCloexec(fd, (arg & FD_CLOEXEC) !== 0); return 0;
    case F_GETFL: return raw.flags;
  }
  const f = fileOf(t, fd);
  if (f === null) return -EBADF;
  switch (cmd) {
    case F_SETFL:
      f.flags = (f.flags & ~SETFL_MASK) | (arg & SETFL_MASK);
      return 0;
    case F_GETLK: return getLock(t, f, arg, false);
    case F_SETLK: return setLockCmd(t, f, arg, false, false);
    case F_SETLKW: return setLockCmd(t, f, arg, false, true);
    case F_OFD_GETLK: return getLock(t, f, arg, true);
    case F_OFD_SETLK: return setLockCmd(t, f, arg, true, false);
    case F_OFD_SETLKW: return setLockCmd(t, f, arg, true, true);
    case F_SETOWN: owners.set(f, arg | 0); return 0;
    case F_GETOWN: return owners.get(f) ?? 0;
    case F_SETSIG: return (arg | 0) < 0 || (arg | 0) > 64 ? -EINVAL : 0;
    case F_GETSIG: return 0;
    case F_GETLEASE: return F_UNLCK;
    case F_SETLEASE: {
      const a = fileAttr(f);
      if (typeof a === 'number') return a;
      return (a.attr.mode & S_IFMT) === S_IFREG ? -EAGAIN : -EINVAL;
    }
    case F_GETPIPE_SZ: case F_SETPIPE_SZ: {
      if (!(f.priv instanceof PipeEnd)) return -EBADF;
      const pipe = f.priv.pipe;
      if (cmd === F_GETPIPE_SZ) return pipe.capacity;
      return pipe.resize(arg >>> 0 === 0 ? 4096 : arg >>> 0, t.cred.euid === 0);
    }
    default:
      return -EINVAL;
  }
};

export const ioctl: FsHandler = (t, fdv, cmdv, arg) => {
  const fd = fdArg(fdv), cmd = cmdv >>> 0;
  const f = fileOf(t, fd);
  if (f === null) return -EBADF;
  switch (cmd) {
    case FIOCLEX: t.files.setCloexec(fd, true); return 0;
    case FIONCLEX: t.files.setCloexec(fd, false); return 0;
    case FIONBIO:
      if (t.mem.readU32(arg) !== 0) f.flags |= O_NONBLOCK; else f.flags &= ~O_NONBLOCK;
      return 0;
    case FIOASYNC:
      if (t.mem.readU32(arg) !== 0) f.flags |= O_ASYNC; else f.flags &= ~O_ASYNC;
      return 0;
    case FIONREAD: {
      const a = fileAttr(f);
      if (typeof a !== 'number' && (a.attr.mode & S_IFMT) === S_IFREG) {
        t.mem.writeU32(arg, Math.max(0, Math.min(0x7fffffff, a.attr.size - f.pos)));
        return 0;
      }
      break;
    }
  }
  return f.ops.ioctl?.(f, t, cmd, arg) ?? -ENOTTY;
};

export const flock: FsHandler = (t, fdv, opv) => {
  const f = fileOf(t, fdArg(fdv));
  if (f === null) return -EBADF;
  const op = opv | 0;
  const kind = op & ~LOCK_NB;
  if (kind !== LOCK_SH && kind !== LOCK_EX && kind !== LOCK_UN) return -EINVAL;
  const w: { blockOn: WaitQueue | null } = { blockOn: null };
  const r = flockOp(f, op, w);
  if (r !== -EAGAIN || (op & LOCK_NB) !== 0 || w.blockOn === null) return r === -EAGAIN ? -11 : r;
  if (t.signalPending()) return -ERESTARTSYS;
  t.waitOn(w.blockOn);
  return BLOCK;
};

/** chmod, chown and utimes families; umask. Permission rules of fs/attr.c (setattr_prepare). */
import { EACCES, EBADF, EFAULT, EINVAL, EOPNOTSUPP, EPERM, EROFS } from '../../errno.js';
import { MAY_WRITE, type SetAttr, type Timespec, inGroupOf, isDir, isLnk, permission } from '../inode.js';
import type { Loc } from '../mount.js';
import { fileLoc } from '../openfile.js';
import type { OpenFile } from '../../file.js';
import { type AttrChange, type Via, boundObj, objOf } from '../fsnotify.js';
import { AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW } from '../vfs.js';
import type { FsHandler, FsTask } from '../task.js';
import { fdArg, fileOf } from './common.js';
import { readPath } from './uaccess.js';

/** An object to change, and how to name it to fsnotify. */
interface Target { loc: Loc; via?: Via; file?: OpenFile }

function locAt(t: FsTask, dirfd: number, pathPtr: number, flags: number): Target | number {
  const path = readPath(t, pathPtr);
  if (typeof path === 'number') return path;
  const r = t.vfs.lookupVia(t, dirfd, path, flags);
  if (typeof r === 'number') return r;
  if (r.loc === null) {
    // AT_EMPTY_PATH on an fd without a guest object.
    return -EBADF;
  }
  return { loc: r.loc, via: r.via };
}

function locOfFd(t: FsTask, fd: number): Target | number {
  const f = fileOf(t, fd);
  if (f === null) return -EBADF;
  const loc = fileLoc(f);
  return loc === undefined ? -EINVAL : { loc, file: f };
}

/** Reports a successful attribute change to fsnotify. */
function changed(t: FsTask, w: Target, what: AttrChange, r: number): number {
  const hub = t.vfs.notify;
  if (r === 0 && hub !== null) hub.change((w.file !== undefined ? boundObj(w.file) : undefined) ?? objOf(w.loc, w.via), what, t);
  return r;
}

function chmodLoc(t: FsTask, w: Target, mode: number): number {
  const loc = w.loc;
  const a = loc.inode.getattr();
  if (typeof a === 'number') return a;
  if (loc.mnt.readonly) return -EROFS;
  const c = t.cred;
  if (c.fsuid !== 0 && c.fsuid !== a.uid) return -EPERM;
  let m = mode & 0o7777;
  // Without privilege, setgid is dropped on a file whose group the caller is not in.
  if (c.fsuid !== 0 && !isDir(a.mode) && !inGroupOf(c, a.gid)) m &= ~0o2000;
  return changed(t, w, { mode: true }, loc.inode.setattr?.({ mode: m }) ?? -EPERM);
}

export const fchmodat: FsHandler = (t, dirfd, path, mode) => {
  const loc = locAt(t, fdArg(dirfd), path, 0);
  return typeof loc === 'number' ? loc : chmodLoc(t, loc, mode);
};
/** fchmodat2(dirfd, path, mode, flags): changing a symlink's mode is not supported (as on Linux). */
export const fchmodat2: FsHandler = (t, dirfd, path, mode, flags) => {
  if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) !== 0) return -EINVAL;
  const loc = locAt(t, fdArg(dirfd), path, flags);
  if (typeof loc === 'number') return loc;
  const a = loc.loc.inode.getattr();
  if (typeof a !== 'number' && isLnk(a.mode)) return -EOPNOTSUPP;
  return chmodLoc(t, loc, mode);
};
export const chmod: FsHandler = (t, path, mode) => fchmodat(t, AT_FDCWD, path, mode, 0, 0, 0);
export const fchmod: FsHandler = (t, fd, mode) => {
  const loc = locOfFd(t, fdArg(fd));
  return typeof loc === 'number' ? loc : chmodLoc(t, loc, mode);
};

function chownLoc(t: FsTask, w: Target, uidv: number, gidv: number): number {
  const loc = w.loc;
  const a = loc.inode.getattr();
  if (typeof a === 'number') return a;
  if (loc.mnt.readonly) return -EROFS;
  const uid = uidv >>> 0 === 0xffffffff ? undefined : uidv >>> 0;
  const gid = gidv >>> 0 === 0xffffffff ? undefined : gidv >>> 0;
  const c = t.cred;
  // chown_ok / chgrp_ok: without privilege only the owner may "change" the owner to itself or the group to one of its groups.
  if (c.fsuid !== 0) {
    if (uid !== undefined && !(c.fsuid === a.uid && uid === a.uid)) return -EPERM;
    if (gid !== undefined && !(c.fsuid === a.uid && (inGroupOf(c, gid) || gid === a.gid))) return -EPERM;
  }
  const ch: SetAttr = {};
  if (uid !== undefined) ch.uid = uid;
  if (gid !== undefined) ch.gid = gid;
  // chown_common: a non-directory loses setuid, and setgid when group-executable.
  if (!isDir(a.mode) && !isLnk(a.mode) && (uid !== undefined || gid !== undefined)) {
    let m = a.mode & 0o7777;
    if (m & 0o4000) m &= ~0o4000;
    if ((m & 0o2010) === 0o2010) m &= ~0o2000;
    if (m !== (a.mode & 0o7777)) ch.mode = m;
  }
  return changed(t, w, { uid: uid !== undefined, gid: gid !== undefined }, loc.inode.setattr?.(ch) ?? -EPERM);
}

export const fchownat: FsHandler = (t, dirfd, path, uid, gid, flags) => {
  if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) !== 0) return -EINVAL;
  const loc = locAt(t, fdArg(dirfd), path, flags);
  return typeof loc === 'number' ? loc : chownLoc(t, loc, uid, gid);
};
export const chown: FsHandler = (t, path, uid, gid) => fchownat(t, AT_FDCWD, path, uid, gid, 0, 0);
export const lchown: FsHandler = (t, path, uid, gid) => fchownat(t, AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW, 0);
export const fchown: FsHandler = (t, fd, uid, gid) => {
  const loc = locOfFd(t, fdArg(fd));
  return typeof loc === 'number' ? loc : chownLoc(t, loc, uid, gid);
};

const UTIME_NOW = 0x3fffffff, UTIME_OMIT = 0x3ffffffe;
type TimeArg = Timespec | 'now' | 'omit';

/** Sets atime/mtime; explicit times need ownership, "now" needs ownership or write access. */
function utimesLoc(t: FsTask, w: Target, times: [TimeArg, TimeArg] | null): number {
  const loc = w.loc;
  const a = loc.inode.getattr();
  if (typeof a === 'number') return a;
  if (loc.mnt.readonly) return -EROFS;
  const c = t.cred;
  const owner = c.fsuid === 0 || c.fsuid === a.uid;
  const [at, mt] = times ?? ['now', 'now'];
  if (!owner) {
    const explicit = (at !== 'now' && at !== 'omit') || (mt !== 'now' && mt !== 'omit');
    if (explicit) return -EPERM;
    if (!permission(a, c, MAY_WRITE)) return -EACCES;
  }
  const ch: SetAttr = {};
  if (at !== 'omit') ch.atime = at;
  if (mt !== 'omit') ch.mtime = mt;
  if (ch.atime === undefined && ch.mtime === undefined) return 0;
  return changed(t, w, { atime: ch.atime !== undefined, mtime: ch.mtime !== undefined }, loc.inode.setattr?.(ch) ?? -EPERM);
}

function readTimespecs(t: FsTask, ptr: number): [TimeArg, TimeArg] | number {
  const out: TimeArg[] = [];
  for (let i = 0; i < 2; i++) {
    const sec = t.mem.readI64(ptr + 16 * i);
    const nsec = t.mem.readI64(ptr + 16 * i + 8);
    if (nsec === UTIME_NOW) out.push('now');
    else if (nsec === UTIME_OMIT) out.push('omit');
    else if (nsec < 0 || nsec >= 1e9) return -EINVAL;
    else out.push({ sec, nsec });
  }
  return [out[0], out[1]];
}

/** utimensat(dirfd, path, times[2], flags); a NULL path means the file open at dirfd (futimens). */
export const utimensat: FsHandler = (t, dirfd, path, timesPtr, flags) => {
  if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) !== 0) return -EINVAL;
  const times = timesPtr === 0 ? null : readTimespecs(t, timesPtr);
  if (typeof times === 'number') return times;
  let loc: Target | number;
  if (path === 0) {
    if (fdArg(dirfd) === AT_FDCWD) return -EFAULT;
    loc = locOfFd(t, fdArg(dirfd));
  } else loc = locAt(t, fdArg(dirfd), path, flags);
  return typeof loc === 'number' ? loc : utimesLoc(t, loc, times);
};

function readTimevals(t: FsTask, ptr: number): [TimeArg, TimeArg] | number {
  const out: Timespec[] = [];
  for (let i = 0; i < 2; i++) {
    const sec = t.mem.readI64(ptr + 16 * i);
    const usec = t.mem.readI64(ptr + 16 * i + 8);
    if (usec < 0 || usec >= 1e6) return -EINVAL;
    out.push({ sec, nsec: usec * 1000 });
  }
  return [out[0], out[1]];
}

export const futimesat: FsHandler = (t, dirfd, path, tv) => {
  const times = tv === 0 ? null : readTimevals(t, tv);
  if (typeof times === 'number') return times;
  const loc = locAt(t, fdArg(dirfd), path, 0);
  return typeof loc === 'number' ? loc : utimesLoc(t, loc, times);
};
export const utimes: FsHandler = (t, path, tv) => futimesat(t, AT_FDCWD, path, tv, 0, 0, 0);

/** utime(path, struct utimbuf { actime, modtime }). */
export const utime: FsHandler = (t, path, buf) => {
  const times: [TimeArg, TimeArg] | null = buf === 0 ? null
    : [{ sec: t.mem.readI64(buf), nsec: 0 }, { sec: t.mem.readI64(buf + 8), nsec: 0 }];
  const loc = locAt(t, AT_FDCWD, path, 0);
  return typeof loc === 'number' ? loc : utimesLoc(t, loc, times);
};

export const umask: FsHandler = (t, mask) => {
  const old = t.fs.umask;
  t.fs.umask = mask & 0o777;
  return old;
};

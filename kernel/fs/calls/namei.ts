/**
 * Namespace operations: mkdir, mknod (files, FIFOs, sockets, devices),
 * symlink, link, unlink, rmdir, rename, readlink, in their plain and *at forms. Errno order follows
 * fs/namei.c (filename_create, do_unlinkat, do_rmdir, do_renameat2).
 */
import {
  EBUSY, EEXIST, EINVAL, EISDIR, ENOENT, ENOTDIR, ENOTEMPTY, EPERM, EROFS, EXDEV,
} from '../../errno.js';
import {
  RENAME_EXCHANGE, RENAME_NOREPLACE, RENAME_WHITEOUT, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFMT, S_IFREG,
  S_IFSOCK, isDir, isLnk, major, makedev, minor,
} from '../inode.js';
import type { Loc } from '../mount.js';
import { type Found, isAncestor } from '../namei.js';
import { AT_EMPTY_PATH, AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_FOLLOW, AT_SYMLINK_NOFOLLOW, mayCreate, mayDelete } from '../vfs.js';
import type { FsHandler, FsTask } from '../task.js';
import { fdArg } from './common.js';
import { bytesOf, readPath } from './uaccess.js';
import { objOf } from '../fsnotify.js';
import type { Inode } from '../inode.js';

/** fsnotify_create: `name` in the found directory now names `child`. */
function created(t: FsTask, f: Found, child: Inode | number): number {
  if (typeof child === 'number') return child;
  const hub = t.vfs.notify;
  if (hub !== null) {
    const loc = { mnt: f.parent.mnt, inode: child };
    hub.create(objOf(f.parent), f.name, objOf(loc, { parent: f.parent, name: f.name }), t);
  }
  return 0;
}

/** filename_create: the parent and name for a new object, or -errno (EEXIST when it exists). */
function forCreate(t: FsTask, dirfd: number, pathPtr: number, isDirectory: boolean): Found | number {
  const path = readPath(t, pathPtr);
  if (typeof path === 'number') return path;
  const found = t.vfs.walkAt(t, dirfd, path, false);
  if (typeof found === 'number') return found;
  if (found.last !== 'norm') return -EEXIST;
  if (found.loc !== null) return -EEXIST;
  if (found.trailing && !isDirectory) return -ENOENT;
  const r = mayCreate(found.parent, t.cred);
  return r < 0 ? r : found;
}

function mkdirCommon(t: FsTask, dirfd: number, path: number, mode: number): number {
  const f = forCreate(t, dirfd, path, true);
  if (typeof f === 'number') return f;
  const mk = f.parent.inode.mkdir;
  if (mk === undefined) return -EPERM;
  return created(t, f, mk.call(f.parent.inode, f.name, mode & 0o1777 & ~t.fs.umask, t.cred));
}
export const mkdirat: FsHandler = (t, dirfd, path, mode) => mkdirCommon(t, fdArg(dirfd), path, mode);
export const mkdir: FsHandler = (t, path, mode) => mkdirCommon(t, AT_FDCWD, path, mode);

/**
 * do_mknodat: regular files, FIFOs, sockets and device nodes. The mode is a
 * umode_t (16 bits) and dev the 32-bit new_encode_dev number; device nodes
 * need CAP_MKNOD, which is not one of the fs capabilities that follow fsuid:
 * it goes with the effective uid, as CAP_SYS_CHROOT does for chroot.
 */
function mknodCommon(t: FsTask, dirfd: number, path: number, modev: number, devv: number): number {
  let mode = modev & 0xffff;
  const type = mode & S_IFMT;
  // may_mknod
  if (type === 0) mode |= S_IFREG;
  else if (type === S_IFDIR) return -EPERM;
  else if (type !== S_IFREG && type !== S_IFIFO && type !== S_IFSOCK && type !== S_IFCHR && type !== S_IFBLK) return -EINVAL;
  const f = forCreate(t, dirfd, path, false);
  if (typeof f === 'number') return f;
  const perm = mode & 0o7777 & ~t.fs.umask;
  const dir = f.parent.inode;
  const kind = mode & S_IFMT;
  if (kind === S_IFREG) return created(t, f, dir.create?.(f.name, perm, t.cred) ?? -EPERM);
  // vfs_mknod: may_create (done above), then the capability, then the filesystem's support.
  const device = kind === S_IFCHR || kind === S_IFBLK;
  if (device && t.cred.euid !== 0) return -EPERM;
  const mk = dir.mknod;
  if (mk === undefined) return -EPERM;
  const dev = devv >>> 0;
  return created(t, f, mk.call(dir, f.name, kind | perm, t.cred, device ? makedev(major(dev), minor(dev)) : 0));
}
export const mknodat: FsHandler = (t, dirfd, path, mode, dev) => mknodCommon(t, fdArg(dirfd), path, mode, dev);
export const mknod: FsHandler = (t, path, mode, dev) => mknodCommon(t, AT_FDCWD, path, mode, dev);

function symlinkCommon(t: FsTask, targetPtr: number, dirfd: number, path: number): number {
  const target = readPath(t, targetPtr);
  if (typeof target === 'number') return target;
  if (target === '') return -ENOENT;
  const f = forCreate(t, dirfd, path, false);
  if (typeof f === 'number') return f;
  return created(t, f, f.parent.inode.symlink?.(f.name, target, t.cred) ?? -EPERM);
}
export const symlinkat: FsHandler = (t, target, dirfd, path) => symlinkCommon(t, target, fdArg(dirfd), path);
export const symlink: FsHandler = (t, target, path) => symlinkCommon(t, target, AT_FDCWD, path);

function linkCommon(t: FsTask, olddirfd: number, oldPtr: number, newdirfd: number, newPtr: number, flags: number): number {
  if ((flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) !== 0) return -EINVAL;
  const oldPath = readPath(t, oldPtr);
  if (typeof oldPath === 'number') return oldPath;
  const old = t.vfs.lookupAt(t, olddirfd, oldPath, (flags & AT_SYMLINK_FOLLOW ? 0 : AT_SYMLINK_NOFOLLOW) | (flags & AT_EMPTY_PATH));
  if (typeof old === 'number') return old;
  if (old === null) return -ENOENT;
  const f = forCreate(t, newdirfd, newPtr, false);
  if (typeof f === 'number') return f;
  if (f.parent.mnt !== old.mnt) return -EXDEV;
  const a = old.inode.getattr();
  if (typeof a === 'number') return a;
  if (isDir(a.mode)) return -EPERM;
  if (a.nlink === 0) return -ENOENT;
  const r = f.parent.inode.link?.(f.name, old.inode) ?? -EPERM;
  if (r === 0) t.vfs.notify?.link(objOf(f.parent), f.name, objOf(old, { parent: f.parent, name: f.name }), t);
  return r;
}
export const linkat: FsHandler = (t, od, op, nd, np, flags) => linkCommon(t, fdArg(od), op, fdArg(nd), np, flags | 0);
export const link: FsHandler = (t, op, np) => linkCommon(t, AT_FDCWD, op, AT_FDCWD, np, 0);

/** Whether loc is something mounted on, the task's root, or otherwise busy. */
function busy(t: FsTask, parent: Loc, name: string): boolean {
  return t.vfs.mounts.isMountpoint(parent.mnt, parent.inode, name);
}

function unlinkCommon(t: FsTask, dirfd: number, pathPtr: number): number {
  const path = readPath(t, pathPtr);
  if (typeof path === 'number') return path;
  const found = t.vfs.walkAt(t, dirfd, path, false);
  if (typeof found === 'number') return found;
  if (found.last !== 'norm') return -EISDIR;
  if (found.parent.mnt.readonly) return -EROFS;
  if (found.loc === null) return -ENOENT;
  const a = found.loc.inode.getattr();
  if (typeof a === 'number') return a;
  if (found.trailing) return isDir(a.mode) ? -EISDIR : -ENOTDIR;
  if (isDir(a.mode)) return -EISDIR;
  const r = mayDelete(found.parent, a, t.cred);
  if (r < 0) return r;
  if (busy(t, found.parent, found.name)) return -EBUSY;
  const hub = t.vfs.notify;
  const child = hub === null ? null : objOf(found.loc, { parent: found.parent, name: found.name });
  const done = found.parent.inode.unlink?.(found.name) ?? -EPERM;
  if (done === 0 && child !== null) hub!.unlink(objOf(found.parent), found.name, child, t, a.nlink <= 1);
  return done;
}

function rmdirCommon(t: FsTask, dirfd: number, pathPtr: number): number {
  const path = readPath(t, pathPtr);
  if (typeof path === 'number') return path;
  const found = t.vfs.walkAt(t, dirfd, path, false);
  if (typeof found === 'number') return found;
  if (found.last === 'dot') return -EINVAL;
  if (found.last === 'dotdot') return -ENOTEMPTY;
  if (found.last === 'root') return -EBUSY;
  if (found.parent.mnt.readonly) return -EROFS;
  if (found.loc === null) return -ENOENT;
  const a = found.loc.inode.getattr();
  if (typeof a === 'number') return a;
  if (!isDir(a.mode)) return -ENOTDIR;
  const r = mayDelete(found.parent, a, t.cred);
  if (r < 0) return r;
  if (busy(t, found.parent, found.name)) return -EBUSY;
  const hub = t.vfs.notify;
  const child = hub === null ? null : objOf(found.loc, { parent: found.parent, name: found.name });
  const done = found.parent.inode.rmdir?.(found.name) ?? -EPERM;
  if (done === 0 && child !== null) hub!.rmdir(objOf(found.parent), found.name, child, t, true);
  return done;
}

export const unlinkat: FsHandler = (t, dirfd, path, flags) => {
  if ((flags & ~AT_REMOVEDIR) !== 0) return -EINVAL;
  return (flags & AT_REMOVEDIR) !== 0 ? rmdirCommon(t, fdArg(dirfd), path) : unlinkCommon(t, fdArg(dirfd), path);
};
export const unlink: FsHandler = (t, path) => unlinkCommon(t, AT_FDCWD, path);
export const rmdir: FsHandler = (t, path) => rmdirCommon(t, AT_FDCWD, path);

function renameCommon(t: FsTask, od: number, op: number, nd: number, np: number, flags: number): number {
  if ((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) !== 0) return -EINVAL;
  if ((flags & RENAME_NOREPLACE) !== 0 && (flags & RENAME_EXCHANGE) !== 0) return -EINVAL;
  if ((flags & RENAME_WHITEOUT) !== 0) return -EINVAL;
  const oldPath = readPath(t, op);
  if (typeof oldPath === 'number') return oldPath;
  const newPath = readPath(t, np);
  if (typeof newPath === 'number') return newPath;
  const o = t.vfs.walkAt(t, od, oldPath, false);
  if (typeof o === 'number') return o;
  const n = t.vfs.walkAt(t, nd, newPath, false);
  if (typeof n === 'number') return n;
  if (o.parent.mnt !== n.parent.mnt) return -EXDEV;
  if (o.last !== 'norm') return -EBUSY;
  if (n.last !== 'norm') return (flags & RENAME_NOREPLACE) !== 0 ? -EEXIST : -EBUSY;
  if (o.parent.mnt.readonly) return -EROFS;
  if (o.loc === null) return -ENOENT;
  const oa = o.loc.inode.getattr();
  if (typeof oa === 'number') return oa;
  const oldIsDir = isDir(oa.mode);
  if (o.trailing && !oldIsDir) return -ENOTDIR;
  if ((flags & RENAME_NOREPLACE) !== 0 && n.loc !== null) return -EEXIST;
  if ((flags & RENAME_EXCHANGE) !== 0 && n.loc === null) return -ENOENT;
  const na = n.loc === null ? null : n.loc.inode.getattr();
  if (typeof na === 'number') return na;
  const newIsDir = na !== null && isDir(na.mode);
  if ((flags & RENAME_EXCHANGE) !== 0) {
    if (n.trailing && !newIsDir) return -ENOTDIR;
  } else if (n.trailing && !oldIsDir) return -ENOTDIR;
  if (oldIsDir && isAncestor(o.loc, n.parent)) return -EINVAL;
  if (n.loc !== null && newIsDir && isAncestor(n.loc, o.parent)) return (flags & RENAME_EXCHANGE) !== 0 ? -EINVAL : -ENOTEMPTY;
  if (n.loc !== null && n.loc.inode === o.loc.inode) return 0;
  if (n.loc !== null && n.loc.inode.sb === o.loc.inode.sb && n.loc.inode.ino === o.loc.inode.ino && !oldIsDir) return 0;
  let r = mayDelete(o.parent, oa, t.cred);
  if (r < 0) return r;
  r = na === null ? mayCreate(n.parent, t.cred) : mayDelete(n.parent, na, t.cred);
  if (r < 0) return r;
  if ((flags & RENAME_EXCHANGE) === 0 && na !== null) {
    if (oldIsDir && !newIsDir) return -ENOTDIR;
    if (!oldIsDir && newIsDir) return -EISDIR;
  }
  if (busy(t, o.parent, o.name) || busy(t, n.parent, n.name)) return -EBUSY;
  const ren = o.parent.inode.rename;
  if (ren === undefined) return -EPERM;
  const hub = t.vfs.notify;
  const moved = hub === null ? null : objOf(o.loc, { parent: o.parent, name: o.name });
  const other = hub === null || n.loc === null ? null : objOf(n.loc, { parent: n.parent, name: n.name });
  const done = ren.call(o.parent.inode, o.name, n.parent.inode, n.name, flags);
  if (done === 0 && moved !== null) {
    const od = objOf(o.parent), nd = objOf(n.parent);
    if ((flags & RENAME_EXCHANGE) !== 0 && other !== null) {
      hub!.rename(od, o.name, nd, n.name, moved, t);
      hub!.rename(nd, n.name, od, o.name, other, t);
    } else {
      hub!.rename(od, o.name, nd, n.name, moved, t, other === null ? undefined : { obj: other, gone: !newIsDir && na !== null && na.nlink <= 1 || newIsDir });
    }
  }
  return done;
}
export const renameat2: FsHandler = (t, od, op, nd, np, flags) => renameCommon(t, fdArg(od), op, fdArg(nd), np, flags >>> 0);
export const renameat: FsHandler = (t, od, op, nd, np) => renameCommon(t, fdArg(od), op, fdArg(nd), np, 0);
export const rename: FsHandler = (t, op, np) => renameCommon(t, AT_FDCWD, op, AT_FDCWD, np, 0);

function readlinkCommon(t: FsTask, dirfd: number, pathPtr: number, buf: number, size: number): number {
  if ((size | 0) <= 0) return -EINVAL;
  const path = readPath(t, pathPtr);
  if (typeof path === 'number') return path;
  const loc = t.vfs.lookupAt(t, dirfd, path, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH);
  if (typeof loc === 'number') return loc;
  if (loc === null) return -EINVAL;
  const a = loc.inode.getattr();
  if (typeof a === 'number') return a;
  if (!isLnk(a.mode) || loc.inode.readlink === undefined) return path === '' ? -ENOENT : -EINVAL;
  const text = loc.inode.readlink(t);
  if (typeof text === 'number') return text;
  const b = bytesOf(text);
  const n = Math.min(b.length, size | 0);
  t.mem.writeBytes(buf, b.subarray(0, n));
  return n;
}
export const readlinkat: FsHandler = (t, dirfd, path, buf, size) => readlinkCommon(t, fdArg(dirfd), path, buf, size);
export const readlink: FsHandler = (t, path, buf, size) => readlinkCommon(t, AT_FDCWD, path, buf, size);

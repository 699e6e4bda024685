/** stat, fstat, lstat, newfstatat, statx, statfs, fstatfs, access, faccessat, faccessat2. */
import { PERM_W } from '../../../cpu/memory.js';
import { EACCES, EBADF, EFAULT, EINVAL, EROFS } from '../../errno.js';
import { S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, permission } from '../inode.js';
import { STATFS_SIZE, STATX_SIZE, STATX__RESERVED, STAT_SIZE, writeStat, writeStatfs, writeStatx } from '../layout.js';
import type { Loc } from '../mount.js';
import { MNT_NODEV, MNT_NOEXEC, MNT_NOSUID, MNT_RDONLY } from '../mount.js';
import { AT_EACCESS, AT_EMPTY_PATH, AT_FDCWD, AT_NO_AUTOMOUNT, AT_STATX_SYNC_TYPE, AT_SYMLINK_NOFOLLOW } from '../vfs.js';
import type { FsHandler, FsTask } from '../task.js';
import { ANON_DEV, fdArg, fileAttr, fileRaw } from './common.js';
import { readPath } from './uaccess.js';

/** The object named by (dirfd, path, flags), or an fd's own file for AT_EMPTY_PATH with "". */
function target(t: FsTask, dirfd: number, pathPtr: number, flags: number): { loc: Loc | null; fd: number } | number {
  const path = readPath(t, pathPtr);
  if (typeof path === 'number') return path;
  const loc = t.vfs.lookupAt(t, dirfd, path, flags);
  if (typeof loc === 'number') return loc;
  return { loc, fd: dirfd };
}

function statInto(t: FsTask, r: { loc: Loc | null; fd: number }, buf: number): number {
  if (!t.mem.check(buf, STAT_SIZE, PERM_W)) return -EFAULT;
  if (r.loc === null) {
    const f = fileRaw(t, r.fd);
    if (f === null) return -EBADF;
    const a = fileAttr(f);
    if (typeof a === 'number') return a;
    writeStat(t.mem, buf, a.attr, a.dev, a.ino);
    return 0;
  }
  const a = r.loc.inode.getattr();
  if (typeof a === 'number') return a;
  writeStat(t.mem, buf, a, r.loc.inode.sb.dev, r.loc.inode.ino);
  return 0;
}

export const newfstatat: FsHandler = (t, dirfd, path, buf, flags) => {
  if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT)) !== 0) return -EINVAL;
  const r = target(t, fdArg(dirfd), path, flags);
  return typeof r === 'number' ? r : statInto(t, r, buf);
};
export const stat: FsHandler = (t, path, buf) => newfstatat(t, AT_FDCWD, path, buf, 0, 0, 0);
export const lstat: FsHandler = (t, path, buf) => newfstatat(t, AT_FDCWD, path, buf, AT_SYMLINK_NOFOLLOW, 0, 0);
export const fstat: FsHandler = (t, fd, buf) => {
  const f = fileRaw(t, fdArg(fd));
  if (f === null) return -EBADF;
  return statInto(t, { loc: null, fd: fdArg(fd) }, buf);
};

/** statx(dirfd, path, flags, mask, buf). */
export const statx: FsHandler = (t, dirfd, path, flags, mask, buf) => {
  if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE)) !== 0) return -EINVAL;
  if ((flags & AT_STATX_SYNC_TYPE) === AT_STATX_SYNC_TYPE) return -EINVAL;
  if ((mask >>> 0 & STATX__RESERVED) !== 0) return -EINVAL;
  const r = target(t, fdArg(dirfd), path, flags);
  if (typeof r === 'number') return r;
  if (!t.mem.check(buf, STATX_SIZE, PERM_W)) return -EFAULT;
  if (r.loc === null) {
    const f = fileRaw(t, r.fd);
    if (f === null) return -EBADF;
    const a = fileAttr(f);
    if (typeof a === 'number') return a;
    writeStatx(t.mem, buf, a.attr, a.dev, a.ino, a.loc?.mnt.id ?? 15, false);
    return 0;
  }
  const a = r.loc.inode.getattr();
  if (typeof a === 'number') return a;
  writeStatx(t.mem, buf, a, r.loc.inode.sb.dev, r.loc.inode.ino, r.loc.mnt.id, r.loc.mnt.isRoot(r.loc.inode));
  return 0;
};

const ST_RDONLY = 1, ST_NOSUID = 2, ST_NODEV = 4, ST_NOEXEC = 8, ST_RELATIME = 4096, ST_VALID = 0x20;

function statfsOf(t: FsTask, loc: Loc | null, buf: number): number {
  if (!t.mem.check(buf, STATFS_SIZE, PERM_W)) return -EFAULT;
  if (loc === null) {
    writeStatfs(t.mem, buf, { type: 0x09041934, bsize: 4096, blocks: 0, bfree: 0, bavail: 0, files: 0, ffree: 0, namelen: 255, frsize: 4096, flags: ST_VALID }, ANON_DEV);
    return 0;
  }
  const s = loc.inode.sb.statfs();
  const m = loc.mnt.flags;
  s.flags = ST_VALID | ST_RELATIME | (m & MNT_RDONLY ? ST_RDONLY : 0) | (m & MNT_NOSUID ? ST_NOSUID : 0) |
    (m & MNT_NODEV ? ST_NODEV : 0) | (m & MNT_NOEXEC ? ST_NOEXEC : 0);
  writeStatfs(t.mem, buf, s, loc.inode.sb.dev);
  return 0;
}

export const statfs: FsHandler = (t, path, buf) => {
  const r = target(t, AT_FDCWD, path, 0);
  return typeof r === 'number' ? r : statfsOf(t, r.loc, buf);
};
export const fstatfs: FsHandler = (t, fd, buf) => {
  const f = fileRaw(t, fdArg(fd));
  if (f === null) return -EBADF;
  const a = fileAttr(f);
  if (typeof a === 'number') return a;
  return statfsOf(t, a.loc, buf);
};

const R_OK = 4, W_OK = 2, X_OK = 1;

/** faccessat2(dirfd, path, mode, flags): checks with the real ids unless AT_EACCESS. */
export const faccessat2: FsHandler = (t, dirfd, path, modev, flags) => {
  const mode = modev | 0;
  if ((mode & ~(R_OK | W_OK | X_OK)) !== 0) return -EINVAL;
  if ((flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) !== 0) return -EINVAL;
  const r = target(t, fdArg(dirfd), path, flags);
  if (typeof r === 'number') return r;
  if (r.loc === null) return 0;
  const a = r.loc.inode.getattr();
  if (typeof a === 'number') return a;
  if (mode === 0) return 0;
  const c = t.cred;
  const cred = (flags & AT_EACCESS) !== 0 ? c : { ...c, fsuid: c.uid, fsgid: c.gid };
  if ((mode & W_OK) !== 0 && r.loc.mnt.readonly) {
    const type = a.mode & S_IFMT;
    if (type === S_IFREG || type === S_IFDIR || type === S_IFLNK) return -EROFS;
  }
  if ((mode & X_OK) !== 0 && (a.mode & S_IFMT) === S_IFREG && r.loc.mnt.noexec) return -EACCES;
  return permission(a, cred, mode & (R_OK | W_OK | X_OK)) ? 0 : -EACCES;
};
export const faccessat: FsHandler = (t, dirfd, path, mode) => faccessat2(t, dirfd, path, mode, 0, 0, 0);
export const access: FsHandler = (t, path, mode) => faccessat2(t, AT_FDCWD, path, mode, 0, 0, 0);



/** getdents, getdents64, chdir, fchdir, getcwd, chroot. */
import { PERM_W } from '../../../cpu/memory.js';
import { EBADF, EFAULT, EINVAL, ENOENT, ENOTDIR, EPERM, ERANGE } from '../../errno.js';
import { dirHandleOf } from '../dirfile.js';
import { MAY_EXEC, isDir } from '../inode.js';
import { DIRENT, DIRENT64 } from '../layout.js';
import type { Loc } from '../mount.js';
import { pathOf } from '../namei.js';
import { fileLoc } from '../openfile.js';
import { AT_FDCWD, mayAccess } from '../vfs.js';
import type { FsHandler, FsTask } from '../task.js';
import { fdArg, fileOf, fileRaw } from './common.js';
import { bytesOf, readPath } from './uaccess.js';
import { notifyAccess } from '../fsnotify.js';

/** Shared loop of getdents/getdents64: entries from the file position while they fit. */
function getdentsCommon(t: FsTask, fd: number, dirp: number, countv: number, wide: boolean): number {
  const f = fileOf(t, fd);
  if (f === null) return -EBADF;
  const h = dirHandleOf(f);
  if (h === null) return -ENOTDIR;
  const count = countv >>> 0;
  if (!t.mem.check(dirp, Math.min(count, t.mem.size - dirp), PERM_W) || dirp >= t.mem.size) return -EFAULT;
  const entries = h.snapshot(t, t.vfs.mounts);
  if (typeof entries === 'number') return entries;
  let off = 0;
  let i = f.pos;
  for (; i < entries.length; i++) {
    const e = entries[i];
    const name = bytesOf(e.name);
    const base = wide ? DIRENT64.d_name : DIRENT.d_name;
    const reclen = (base + name.length + (wide ? 1 : 2) + 7) & ~7;
    if (off + reclen > count) {
      if (off === 0) return -EINVAL;
      break;
    }
    const p = dirp + off;
    t.mem.fill(p, reclen, 0);
    t.mem.writeU64(p, e.ino);
    t.mem.writeU64(p + 8, i + 1);
    t.mem.writeU16(p + 16, reclen);
    if (wide) t.mem.writeU8(p + DIRENT64.d_type, e.type);
    else t.mem.writeU8(p + reclen - 1, e.type);
    t.mem.writeBytes(p + base, name);
    off += reclen;
  }
  f.pos = i;
  notifyAccess(t, f);
  return off;
}

export const getdents64: FsHandler = (t, fd, dirp, count) => getdentsCommon(t, fdArg(fd), dirp, count, true);
export const getdents: FsHandler = (t, fd, dirp, count) => getdentsCommon(t, fdArg(fd), dirp, count, false);

/** A directory the task may enter. */
function enterable(t: FsTask, loc: Loc): number {
  const a = loc.inode.getattr();
  if (typeof a === 'number') return a;
  if (!isDir(a.mode)) return -ENOTDIR;
  return mayAccess(loc, t.cred, MAY_EXEC);
}

function dirAt(t: FsTask, pathPtr: number): Loc | number {
  const path = readPath(t, pathPtr);
  if (typeof path === 'number') return path;
  const loc = t.vfs.lookupAt(t, AT_FDCWD, path, 0);
  if (typeof loc === 'number') return loc;
  if (loc === null) return -ENOENT;
  const r = enterable(t, loc);
  return r < 0 ? r : loc;
}

export const chdir: FsHandler = (t, path) => {
  const loc = dirAt(t, path);
  if (typeof loc === 'number') return loc;
  t.fs.cwd = loc;
  return 0;
};

export const fchdir: FsHandler = (t, fd) => {
  const f = fileRaw(t, fdArg(fd));
  if (f === null) return -EBADF;
  const loc = fileLoc(f);
  if (loc === undefined) return -ENOTDIR;
  const r = enterable(t, loc);
  if (r < 0) return r;
  t.fs.cwd = loc;
  return 0;
};

export const chroot: FsHandler = (t, path) => {
  const loc = dirAt(t, path);
  if (typeof loc === 'number') return loc;
  if (t.cred.euid !== 0) return -EPERM;
  t.fs.root = loc;
  return 0;
};

/** getcwd(buf, size): the cwd's guest path; ENOENT once it has been removed; ERANGE if it does not fit. */
export const getcwd: FsHandler = (t, buf, sizev) => {
  const a = t.fs.cwd.inode.getattr();
  if (typeof a === 'number' || a.nlink === 0) return -ENOENT;
  const path = bytesOf(pathOf(t.fs.cwd, t.fs.root) + '\0');
  const size = sizev < 0 ? Number.MAX_SAFE_INTEGER : sizev;
  if (path.length > size) return -ERANGE;
  t.mem.writeBytes(buf, path);
  return path.length;
};

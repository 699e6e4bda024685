/**
 * mount(2) and umount2(2): argument fetching, path lookup and dispatch in
 * Linux's order (ksys_mount, path_mount, ksys_umount); the table work is in
 * ../namespace.ts.
 */
import { PERM_R } from '../../../cpu/memory.js';
import { EFAULT, EINVAL, EPERM } from '../../errno.js';
import { PATH_MAX } from '../inode.js';
import { type Loc, setSbReadonly } from '../mount.js';
import {
  MNT_DETACH, MNT_EXPIRE, MNT_FORCE, MS_BIND, MS_MGC_MSK, MS_MGC_VAL, MS_MOVE, MS_NOUSER, MS_PRIVATE, MS_RDONLY,
  MS_REC, MS_REMOUNT, MS_SHARED, MS_SLAVE, MS_UNBINDABLE, UMOUNT_NOFOLLOW, bindMount, changeType, followDown,
  makeSuper, mntFlagsOf, moveMount, newMount, remount, remountBind, umount,
} from '../namespace.js';
import type { Found } from '../namei.js';
import type { FsHandler, FsTask } from '../task.js';
import { AT_FDCWD } from '../vfs.js';
import { latin1, readPath } from './uaccess.js';

/** copy_mount_string: NULL stays null; a bad pointer EFAULT; longer than PATH_MAX EINVAL (strndup_user). */
function mountString(t: FsTask, ptr: number): string | null | number {
  if (ptr === 0) return null;
  const len = t.mem.strlen(ptr, PATH_MAX);
  if (len === -1) return -EINVAL;
  if (len < 0) return -EFAULT;
  return latin1(t.mem.u8.subarray(ptr, ptr + len));
}

/** copy_mount_options: up to a page, cut where readable memory ends; EFAULT only if nothing is readable. */
function mountData(t: FsTask, ptr: number): string | number {
  if (ptr === 0) return '';
  let n = 0;
  while (n < 4095 && ptr + n < t.mem.size && t.mem.check(ptr + n, 1, PERM_R)) {
    if (t.mem.u8[ptr + n] === 0) break;
    n++;
  }
  if (n === 0 && !(ptr < t.mem.size && t.mem.check(ptr, 1, PERM_R))) return -EFAULT;
  return latin1(t.mem.u8.subarray(ptr, ptr + n));
}

/** An existing object by path, with how it was named when it is a plain name in a directory. */
function lookupTarget(t: FsTask, path: string, follow: boolean): { loc: Loc; named?: { dir: Loc['inode']; name: string } } | number {
  const found = t.vfs.walkAt(t, AT_FDCWD, path, follow);
  if (typeof found === 'number') return found;
  const loc = t.vfs.existing(found);
  if (typeof loc === 'number') return loc;
  return { loc, named: namedPlace(found, loc) };
}
function namedPlace(found: Found, loc: Loc): { dir: Loc['inode']; name: string } | undefined {
  if (found.last !== 'norm' || found.path !== undefined || found.parent.mnt !== loc.mnt || loc.mnt.isRoot(loc.inode)) return undefined;
  return { dir: found.parent.inode, name: found.name };
}

export const mount: FsHandler = (t, sourcePtr, targetPtr, typePtr, flagsArg, dataPtr) => {
  const type = mountString(t, typePtr);
  if (typeof type === 'number') return type;
  const source = mountString(t, sourcePtr);
  if (typeof source === 'number') return source;
  const data = mountData(t, dataPtr);
  if (typeof data === 'number') return data;
  const targetPath = readPath(t, targetPtr);
  if (typeof targetPath === 'number') return targetPath;
  const target = lookupTarget(t, targetPath, true);
  if (typeof target === 'number') return target;
  let flags = flagsArg >>> 0;
  if (((flags & MS_MGC_MSK) >>> 0) === MS_MGC_VAL) flags = flags & ~MS_MGC_MSK & 0xffff;
  if ((flags & MS_NOUSER) !== 0) return -EINVAL;
  if (t.cred.euid !== 0) return -EPERM;
  const ns = t.vfs.namespaceOf(t);
  const mntFlags = mntFlagsOf(flags);
  if ((flags & (MS_REMOUNT | MS_BIND)) === (MS_REMOUNT | MS_BIND)) return remountBind(ns, target.loc, mntFlags);
  if ((flags & MS_REMOUNT) !== 0) return remount(ns, target.loc, mntFlags, (flags & MS_RDONLY) !== 0, data);
  if ((flags & MS_BIND) !== 0) {
    const from = sourceLoc(t, source);
    return typeof from === 'number' ? from : bindMount(ns, from.loc, target.loc, target.named, (flags & MS_REC) !== 0);
  }
  if ((flags & (MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE)) !== 0) return changeType(ns, target.loc, flags);
  if ((flags & MS_MOVE) !== 0) {
    const from = sourceLoc(t, source);
    return typeof from === 'number' ? from : moveMount(ns, followDown(ns.mounts, from.loc, from.named), target.loc, target.named);
  }
  if (type === null) return -EINVAL;
  const made = makeSuper(ns, type, data);
  if (typeof made === 'number') return made;
  // The superblock takes MS_RDONLY or the data's ro/rw; the mount's own flag comes from MS_RDONLY alone.
  // A system-wide superblock (proc, devtmpfs) keeps its state.
  if (made.shared !== true) setSbReadonly(made.sb, made.ro ?? (flags & MS_RDONLY) !== 0);
  return newMount(ns, made.sb, mntFlags, source ?? 'none', target.loc, target.named);
};

/** The source path of MS_BIND and MS_MOVE: required, looked up following links. */
function sourceLoc(t: FsTask, source: string | null): ReturnType<typeof lookupTarget> {
  if (source === null || source === '') return -EINVAL;
  return lookupTarget(t, source, true);
}

export const umount2: FsHandler = (t, targetPtr, flagsArg) => {
  const flags = flagsArg | 0;
  if ((flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW)) !== 0) return -EINVAL;
  const path = readPath(t, targetPtr);
  if (typeof path === 'number') return path;
  const target = lookupTarget(t, path, (flags & UMOUNT_NOFOLLOW) === 0);
  if (typeof target === 'number') return target;
  if (t.cred.euid !== 0) return -EPERM;
  const ns = t.vfs.namespaceOf(t);
  return umount(ns, followDown(ns.mounts, target.loc, target.named), flags, t.fs.root);
};

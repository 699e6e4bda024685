/**
 * Permission checks of the namespace and open paths (inode_permission,
 * may_create, may_delete), with the read-only mount check first as Linux
 * orders them.
 */
import { EACCES, EPERM, EROFS } from '../errno.js';
import { type Attr, MAY_EXEC, MAY_WRITE, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, S_ISVTX, permission } from './inode.js';
import type { Loc } from './mount.js';
import type { Cred } from './task.js';

/** inode_permission with the read-only mount check first, as Linux orders them. */
export function mayAccess(loc: Loc, cred: Cred, mask: number): number {
  const a = loc.inode.getattr();
  if (typeof a === 'number') return a;
  if ((mask & MAY_WRITE) !== 0 && loc.mnt.readonly) {
    const type = a.mode & S_IFMT;
    if (type === S_IFREG || type === S_IFDIR || type === S_IFLNK) return -EROFS;
  }
  return permission(a, cred, mask) ? 0 : -EACCES;
}

/** may_create: the directory is writable and searchable. */
export function mayCreate(dir: Loc, cred: Cred): number {
  if (dir.mnt.readonly) return -EROFS;
  return mayAccess(dir, cred, MAY_WRITE | MAY_EXEC);
}

/** may_delete: write+search on the directory, and the sticky-bit rule. */
export function mayDelete(dir: Loc, victim: Attr, cred: Cred): number {
  const r = mayCreate(dir, cred);
  if (r < 0) return r;
  const d = dir.inode.getattr();
  if (typeof d === 'number') return d;
  if ((d.mode & S_ISVTX) !== 0 && cred.fsuid !== 0 && cred.fsuid !== victim.uid && cred.fsuid !== d.uid) return -EPERM;
  return 0;
}


/**
 * Open directories: getdents reads a snapshot of the entries taken when the
 * position is 0 (open, rewinddir), so the position is an index into it and
 * entries added or removed meanwhile neither repeat nor vanish mid-listing.
 */
import { EINVAL, EISDIR } from '../errno.js';
import type { FileOps, OpenFile } from '../file.js';
import { DT_DIR, type DirEntry } from './inode.js';
import { releaseFileLocks } from './locks.js';
import { notifyRelease } from './fsnotify.js';
import type { Loc, MountTable } from './mount.js';
import { type WalkCtx, dotdot, lookupChild } from './namei.js';
import { SEEK_CUR, SEEK_SET } from './seek.js';
import type { FsTask } from './task.js';

export class DirHandle {
  entries: DirEntry[] | null = null;
  constructor(readonly loc: Loc) {}

  /** Entries '.', '..', the directory's own and any mountpoints it lacks. */
  snapshot(t: FsTask, mounts: MountTable): DirEntry[] | number {
    if (this.entries !== null) return this.entries;
    const ctx: WalkCtx = { t, mounts, links: 0 };
    const own = this.loc.inode.readdir?.(t);
    if (own === undefined) return -EINVAL;
    if (typeof own === 'number') return own;
    const up = dotdot(ctx, this.loc);
    const list: DirEntry[] = [
      { name: '.', ino: this.loc.inode.ino, type: DT_DIR },
      { name: '..', ino: up.inode.ino, type: DT_DIR },
    ];
    const names = new Set(own.map((e) => e.name));
    for (const e of own) list.push(e);
    for (const name of mounts.namesIn(this.loc.mnt, this.loc.inode)) {
      if (names.has(name)) continue;
      const m = lookupChild(ctx, this.loc, name);
      if (typeof m !== 'number') list.push({ name, ino: m.inode.ino, type: DT_DIR });
    }
    this.entries = list;
    return list;
  }
}

export const dirOps: FileOps = {
  read() { return -EISDIR; },
  write() { return -EISDIR; },
  seek(f, offset, whence) {
    let p: number;
    if (whence === SEEK_SET) p = offset;
    else if (whence === SEEK_CUR) p = f.pos + offset;
    else return -EINVAL;
    if (p < 0) return -EINVAL;
    if (p === 0) (f.priv as DirHandle).entries = null;
    return p;
  },
  release(f, task) { notifyRelease(f, task); releaseFileLocks(f); },
};

export function dirHandleOf(f: OpenFile): DirHandle | null {
  return f.ops === dirOps ? (f.priv as DirHandle) : null;
}

/**
 * Pieces shared by the file syscalls: fd lookup (with and without O_PATH
 * files), the attributes of any open file, and the blocking rule.
 */
import { EAGAIN, ERESTARTSYS } from '../../errno.js';
import { O_PATH, type OpenFile } from '../../file.js';
import { BLOCK } from '../../wait.js';
import { type Attr, makedev, nowTimespec } from '../inode.js';
import type { Loc } from '../mount.js';
import { anonInodeNumber, fileLoc } from '../openfile.js';
import type { FsTask } from '../task.js';

/** fdget: an open fd that is not an O_PATH file, or null. */
export function fileOf(t: FsTask, fd: number): OpenFile | null {
  const f = t.files.get(fd);
  return f === null || (f.flags & O_PATH) !== 0 ? null : f;
}
/** fdget_raw: any open fd (O_PATH included). */
export function fileRaw(t: FsTask, fd: number): OpenFile | null { return t.files.get(fd); }

/** The fd argument as a C int. */
export const fdArg = (v: number): number => v | 0;

/** anon_inodefs: where files without a guest object (eventfd, epoll...) live. */
export const ANON_DEV = makedev(0, 14);
const anonTime = nowTimespec();

/** Attributes, dev and ino of any open file. */
export function fileAttr(f: OpenFile): { attr: Attr; dev: number; ino: number; loc: Loc | null } | number {
  const loc = fileLoc(f);
  if (loc === undefined) {
    const attr: Attr = {
      mode: 0o600, nlink: 1, uid: 0, gid: 0, rdev: 0, size: 0, blksize: 4096, blocks: 0,
      atime: anonTime, mtime: anonTime, ctime: anonTime,
    };
    return { attr, dev: ANON_DEV, ino: anonInodeNumber(f), loc: null };
  }
  const a = loc.inode.getattr();
  if (typeof a === 'number') return a;
  return { attr: a, dev: loc.inode.sb.dev, ino: loc.inode.ino, loc };
}

/**
 * A file operation said -EAGAIN on a blocking file: sleep on the file's
 * queue and retry, or give up for a pending signal (the signal code turns
 * ERESTARTSYS into EINTR or a restart).
 */
export function blockOn(t: FsTask, f: OpenFile): number {
  const q = f.ops.waitQueue?.(f);
  if (q === undefined) return -EAGAIN;
  if (t.signalPending()) return -ERESTARTSYS;
  t.waitOn(q);
  return BLOCK;
}


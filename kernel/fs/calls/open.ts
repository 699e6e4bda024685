/** open, openat, openat2, creat, close, close_range. */
import { EINVAL, E2BIG } from '../../errno.js';
import { O_CLOEXEC, O_CREAT, O_TRUNC, O_WRONLY } from '../../file.js';
import { AT_FDCWD } from '../vfs.js';
import { OPEN_HOW, OPEN_HOW_SIZE } from '../layout.js';
import type { FsHandler, FsTask } from '../task.js';
import { fdArg } from './common.js';
import { readPath } from './uaccess.js';

/** Flags open(2) knows; others are ignored by open/openat and refused by openat2. */
const VALID_OPEN_FLAGS = 0o37777703;

function doOpen(t: FsTask, dirfd: number, pathPtr: number, flags: number, mode: number): number {
  const path = readPath(t, pathPtr);
  if (typeof path === 'number') return path;
  const f = t.vfs.open(t, dirfd, path, flags & VALID_OPEN_FLAGS, mode & 0o7777);
  if (typeof f === 'number') return f;
  return t.files.install(f, (flags & O_CLOEXEC) !== 0);
}

export const open: FsHandler = (t, path, flags, mode) => doOpen(t, AT_FDCWD, path, flags | 0, mode);
export const openat: FsHandler = (t, dirfd, path, flags, mode) => doOpen(t, fdArg(dirfd), path, flags | 0, mode);
export const creat: FsHandler = (t, path, mode) => doOpen(t, AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);

/** openat2(dirfd, path, struct open_how *, size): RESOLVE_* restrictions are not supported (EINVAL). */
export const openat2: FsHandler = (t, dirfd, path, how, size) => {
  if (size < OPEN_HOW_SIZE) return -EINVAL;
  if (size > 4096) return -E2BIG;
  for (let i = OPEN_HOW_SIZE; i < size; i++) if (t.mem.readU8(how + i) !== 0) return -E2BIG;
  const flags = t.mem.readU64(how + OPEN_HOW.flags);
  const mode = t.mem.readU64(how + OPEN_HOW.mode);
  const resolve = t.mem.readU64(how + OPEN_HOW.resolve);
  if (flags > 0xffffffff || (flags & ~VALID_OPEN_FLAGS) !== 0) return -EINVAL;
  if (mode > 0o7777 || (mode !== 0 && (flags & O_CREAT) === 0)) return -EINVAL;
  if (resolve !== 0) return -EINVAL;
  return doOpen(t, fdArg(dirfd), path, flags, mode);
};

export const close: FsHandler = (t, fd) => t.files.close(fdArg(fd), t);

const CLOSE_RANGE_UNSHARE = 2, CLOSE_RANGE_CLOEXEC = 4;

/** close_range(first, last, flags); CLOSE_RANGE_UNSHARE is accepted but the table stays shared. */
export const close_range: FsHandler = (t, first, last, flags) => {
  const lo = first >>> 0, hi = last >>> 0;
  if ((flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)) !== 0 || lo > hi) return -EINVAL;
  const top = Math.min(hi, t.files.size - 1);
  for (let fd = lo; fd <= top; fd++) {
    if (t.files.get(fd) === null) continue;
    if ((flags & CLOSE_RANGE_CLOEXEC) !== 0) t.files.setCloexec(fd, true);
    else t.files.close(fd, t);
  }
  return 0;
};

/**
 * The file syscalls, by name, for the syscall table (kernel/syscalls). Each
 * is a Handler<FsTask>: raw argument registers in, result or -errno out
 * (BLOCK to sleep and be retried).
 */
import * as attr from './attr.js';
import * as dir from './dir.js';
import * as fd from './fd.js';
import * as mnt from './mount.js';
import * as namei from './namei.js';
import * as open from './open.js';
import * as pipe from './pipe.js';
import * as poll from './poll.js';
import * as rw from './rw.js';
import * as stat from './stat.js';
import type { FsHandler } from '../task.js';

export const fsCalls = {
  // open/close
  open: open.open, openat: open.openat, openat2: open.openat2, creat: open.creat,
  close: open.close, close_range: open.close_range,
  // read/write
  read: rw.read, write: rw.write, pread64: rw.pread64, pwrite64: rw.pwrite64,
  readv: rw.readv, writev: rw.writev, preadv: rw.preadv, pwritev: rw.pwritev,
  preadv2: rw.preadv2, pwritev2: rw.pwritev2, lseek: rw.lseek,
  sendfile: rw.sendfile, copy_file_range: rw.copy_file_range,
  fsync: rw.fsync, fdatasync: rw.fdatasync, sync: rw.sync, syncfs: rw.syncfs,
  truncate: rw.truncate, ftruncate: rw.ftruncate, fallocate: rw.fallocate,
  // descriptors
  dup: fd.dup, dup2: fd.dup2, dup3: fd.dup3, fcntl: fd.fcntl, ioctl: fd.ioctl, flock: fd.flock,
  pipe: pipe.pipe, pipe2: pipe.pipe2,
  poll: poll.poll, ppoll: poll.ppoll, select: poll.select, pselect6: poll.pselect6,
  // metadata
  stat: stat.stat, fstat: stat.fstat, lstat: stat.lstat, newfstatat: stat.newfstatat, statx: stat.statx,
  statfs: stat.statfs, fstatfs: stat.fstatfs,
  access: stat.access, faccessat: stat.faccessat, faccessat2: stat.faccessat2,
  chmod: attr.chmod, fchmod: attr.fchmod, fchmodat: attr.fchmodat, fchmodat2: attr.fchmodat2,
  chown: attr.chown, fchown: attr.fchown, lchown: attr.lchown, fchownat: attr.fchownat,
  utimensat: attr.utimensat, utimes: attr.utimes, futimesat: attr.futimesat, utime: attr.utime,
  umask: attr.umask,
  // namespace
  mkdir: namei.mkdir, mkdirat: namei.mkdirat, rmdir: namei.rmdir, unlink: namei.unlink, unlinkat: namei.unlinkat,
  rename: namei.rename, renameat: namei.renameat, renameat2: namei.renameat2,
  link: namei.link, linkat: namei.linkat, symlink: namei.symlink, symlinkat: namei.symlinkat,
  readlink: namei.readlink, readlinkat: namei.readlinkat, mknod: namei.mknod, mknodat: namei.mknodat,
  // directories
  getdents: dir.getdents, getdents64: dir.getdents64, chdir: dir.chdir, fchdir: dir.fchdir,
  getcwd: dir.getcwd, chroot: dir.chroot,
  // mounts
  mount: mnt.mount, umount2: mnt.umount2,
} satisfies Record<string, FsHandler>;

export type FsCallName = keyof typeof fsCalls;

/** Support notes for the syscall table where a call is partial or refused. */
export const fsCallNotes: Partial<Record<FsCallName, { status: 'partial' | 'error'; note: string }>> = {
  openat2: { status: 'partial', note: 'RESOLVE_* flags are refused with EINVAL' },
  close_range: { status: 'partial', note: 'CLOSE_RANGE_UNSHARE does not unshare the table' },
  fallocate: { status: 'partial', note: 'mode 0 only (others EOPNOTSUPP)' },
  mknod: { status: 'partial', note: 'all types; device nodes on hostfs (root, --bind) are recorded, not made on the host, and do not open (nodev: EACCES)' },
  mknodat: { status: 'partial', note: 'all types; device nodes on hostfs (root, --bind) are recorded, not made on the host, and do not open (nodev: EACCES)' },
  mount: { status: 'partial', note: 'bind (MS_REC), tmpfs/proc/devtmpfs, remount, shared subtrees, MS_MOVE; other types ENODEV' },
  umount2: { status: 'partial', note: 'MNT_FORCE is a plain unmount; MNT_EXPIRE does not track use between calls' },
  fcntl: { status: 'partial', note: 'F_SETLEASE, F_NOTIFY and seals are refused' },
};

/**
 * x86-64 layouts of the structs the file syscalls share with the guest,
 * declared once with their sizes (include/uapi/asm-generic/stat.h is not the
 * x86-64 one: arch/x86/include/uapi/asm/stat.h is, and linux/stat.h for
 * statx, asm-generic/statfs.h for statfs, linux/dirent.h for dirents).
 * test/kernel/fs/layout.test.ts checks every offset against a C program.
 */
import { type GuestMemory, storeU64 } from '../../cpu/memory.js';
import { type Attr, type StatFs, type Timespec, major, minor } from './inode.js';

export const STAT_SIZE = 144;
export const STAT = {
  st_dev: 0, st_ino: 8, st_nlink: 16, st_mode: 24, st_uid: 28, st_gid: 32, st_rdev: 40, st_size: 48,
  st_blksize: 56, st_blocks: 64, st_atim: 72, st_mtim: 88, st_ctim: 104,
} as const;

export const STATX_SIZE = 256;
export const STATX = {
  stx_mask: 0, stx_blksize: 4, stx_attributes: 8, stx_nlink: 16, stx_uid: 20, stx_gid: 24, stx_mode: 28,
  stx_ino: 32, stx_size: 40, stx_blocks: 48, stx_attributes_mask: 56, stx_atime: 64, stx_btime: 80,
  stx_ctime: 96, stx_mtime: 112, stx_rdev_major: 128, stx_rdev_minor: 132, stx_dev_major: 136,
  stx_dev_minor: 140, stx_mnt_id: 144, stx_dio_mem_align: 152, stx_dio_offset_align: 156,
} as const;
/** struct statx_timestamp: tv_sec (s64), tv_nsec (u32), pad. */
export const STATX_TIMESTAMP_SIZE = 16;

export const STATFS_SIZE = 120;
export const STATFS = {
  f_type: 0, f_bsize: 8, f_blocks: 16, f_bfree: 24, f_bavail: 32, f_files: 40, f_ffree: 48, f_fsid: 56,
  f_namelen: 64, f_frsize: 72, f_flags: 80, f_spare: 88,
} as const;

/** struct linux_dirent64: d_ino, d_off, d_reclen, d_type, d_name. */
export const DIRENT64 = { d_ino: 0, d_off: 8, d_reclen: 16, d_type: 18, d_name: 19 } as const;
/** struct linux_dirent (getdents): d_ino, d_off, d_reclen, d_name; d_type in the last byte of the record. */
export const DIRENT = { d_ino: 0, d_off: 8, d_reclen: 16, d_name: 18 } as const;

/** struct flock (x86-64): l_type, l_whence, l_start, l_len, l_pid. */
export const FLOCK_SIZE = 32;
export const FLOCK = { l_type: 0, l_whence: 2, l_start: 8, l_len: 16, l_pid: 24 } as const;

export const STATX_TYPE = 0x1, STATX_MODE = 0x2, STATX_NLINK = 0x4, STATX_UID = 0x8, STATX_GID = 0x10;
export const STATX_ATIME = 0x20, STATX_MTIME = 0x40, STATX_CTIME = 0x80, STATX_INO = 0x100, STATX_SIZE_BIT = 0x200;
export const STATX_BLOCKS = 0x400, STATX_BASIC_STATS = 0x7ff, STATX_BTIME = 0x800, STATX_MNT_ID = 0x1000;
export const STATX__RESERVED = 0x80000000;
export const STATX_ATTR_MOUNT_ROOT = 0x2000;

/*
 * Struct stat and statx are written field by field into a range that
 * mem.fill has just checked (EFAULT before any byte changes), zeroed and
 * reported to the CPU's code-page watch as a whole: plain DataView stores
 * then, not a permission check and a watch notice per field (stat is the
 * syscall that many programs call most).
 */

function put32(dv: DataView, at: number, v: number): void {
  dv.setUint32(at, v >>> 0, true);
}

/** struct timespec: tv_sec, tv_nsec (both 64-bit). */
function putTs(dv: DataView, at: number, t: Timespec): void {
  storeU64(dv, at, t.sec);
  storeU64(dv, at + 8, t.nsec);
}

/** Fills a struct stat. */
export function writeStat(mem: GuestMemory, addr: number, a: Attr, dev: number, ino: number): void {
  mem.fill(addr, STAT_SIZE, 0);
  const dv = mem.dv;
  storeU64(dv, addr + STAT.st_dev, dev);
  storeU64(dv, addr + STAT.st_ino, ino);
  storeU64(dv, addr + STAT.st_nlink, a.nlink);
  put32(dv, addr + STAT.st_mode, a.mode);
  put32(dv, addr + STAT.st_uid, a.uid);
  put32(dv, addr + STAT.st_gid, a.gid);
  storeU64(dv, addr + STAT.st_rdev, a.rdev);
  storeU64(dv, addr + STAT.st_size, a.size);
  storeU64(dv, addr + STAT.st_blksize, a.blksize);
  storeU64(dv, addr + STAT.st_blocks, a.blocks);
  putTs(dv, addr + STAT.st_atim, a.atime);
  putTs(dv, addr + STAT.st_mtim, a.mtime);
  putTs(dv, addr + STAT.st_ctim, a.ctime);
}

function putStatxTs(dv: DataView, at: number, t: Timespec): void {
  storeU64(dv, at, t.sec);
  put32(dv, at + 8, t.nsec);
}

/** Fills a struct statx. */
export function writeStatx(mem: GuestMemory, addr: number, a: Attr, dev: number, ino: number, mntId: number, mountRoot: boolean): void {
  mem.fill(addr, STATX_SIZE, 0);
  const dv = mem.dv;
  const mask = STATX_BASIC_STATS | STATX_MNT_ID | (a.btime !== undefined ? STATX_BTIME : 0);
  put32(dv, addr + STATX.stx_mask, mask);
  put32(dv, addr + STATX.stx_blksize, a.blksize);
  storeU64(dv, addr + STATX.stx_attributes, mountRoot ? STATX_ATTR_MOUNT_ROOT : 0);
  put32(dv, addr + STATX.stx_nlink, a.nlink);
  put32(dv, addr + STATX.stx_uid, a.uid);
  put32(dv, addr + STATX.stx_gid, a.gid);
  dv.setUint16(addr + STATX.stx_mode, a.mode & 0xffff, true);
  storeU64(dv, addr + STATX.stx_ino, ino);
  storeU64(dv, addr + STATX.stx_size, a.size);
  storeU64(dv, addr + STATX.stx_blocks, a.blocks);
  storeU64(dv, addr + STATX.stx_attributes_mask, STATX_ATTR_MOUNT_ROOT);
  putStatxTs(dv, addr + STATX.stx_atime, a.atime);
  if (a.btime !== undefined) putStatxTs(dv, addr + STATX.stx_btime, a.btime);
  putStatxTs(dv, addr + STATX.stx_ctime, a.ctime);
  putStatxTs(dv, addr + STATX.stx_mtime, a.mtime);
  put32(dv, addr + STATX.stx_rdev_major, major(a.rdev));
  put32(dv, addr + STATX.stx_rdev_minor, minor(a.rdev));
  put32(dv, addr + STATX.stx_dev_major, major(dev));
  put32(dv, addr + STATX.stx_dev_minor, minor(dev));
  storeU64(dv, addr + STATX.stx_mnt_id, mntId);
}

/** Fills a struct statfs. */
export function writeStatfs(mem: GuestMemory, addr: number, s: StatFs, dev: number): void {
  mem.fill(addr, STATFS_SIZE, 0);
  mem.writeU64(addr + STATFS.f_type, s.type);
  mem.writeU64(addr + STATFS.f_bsize, s.bsize);
  mem.writeU64(addr + STATFS.f_blocks, s.blocks);
  mem.writeU64(addr + STATFS.f_bfree, s.bfree);
  mem.writeU64(addr + STATFS.f_bavail, s.bavail);
  mem.writeU64(addr + STATFS.f_files, s.files);
  mem.writeU64(addr + STATFS.f_ffree, s.ffree);
  mem.writeU32(addr + STATFS.f_fsid, dev);
  mem.writeU32(addr + STATFS.f_fsid + 4, 0);
  mem.writeU64(addr + STATFS.f_namelen, s.namelen);
  mem.writeU64(addr + STATFS.f_frsize, s.frsize);
  mem.writeU64(addr + STATFS.f_flags, s.flags);
}

/** struct pollfd: fd, events, revents. */
export const POLLFD_SIZE = 8;
export const POLLFD = { fd: 0, events: 4, revents: 6 } as const;
/** struct iovec: iov_base, iov_len. */
export const IOVEC_SIZE = 16;
export const IOVEC = { iov_base: 0, iov_len: 8 } as const;
/** struct open_how (openat2): flags, mode, resolve. */
export const OPEN_HOW_SIZE = 24;
export const OPEN_HOW = { flags: 0, mode: 8, resolve: 16 } as const;
/** struct timespec. */
export const TIMESPEC_SIZE = 16;
export const TIMESPEC = { tv_sec: 0, tv_nsec: 8 } as const;
/** struct winsize (TIOCGWINSZ). */
export const WINSIZE_SIZE = 8;
export const WINSIZE = { ws_row: 0, ws_col: 2, ws_xpixel: 4, ws_ypixel: 6 } as const;

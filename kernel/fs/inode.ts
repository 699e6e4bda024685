/**
 * The common inode abstraction every filesystem implements (hostfs, tmpfs,
 * devfs, procfs, pipefs). An Inode is one file object; its optional methods
 * form the per-filesystem operations table (Linux's inode_operations): a
 * missing directory method on a directory means the filesystem does not
 * support it, and the generic layer picks the errno Linux gives.
 *
 * Names are guest byte strings: one JS char per byte (latin1), so any byte
 * sequence but '/' and NUL survives a round trip to the host and back.
 */
import type { OpenFile } from '../file.js';
import type { Cred, FsTask } from './task.js';
import type { Loc } from './mount.js';

export const S_IFMT = 0o170000, S_IFSOCK = 0o140000, S_IFLNK = 0o120000, S_IFREG = 0o100000;
export const S_IFBLK = 0o060000, S_IFDIR = 0o040000, S_IFCHR = 0o020000, S_IFIFO = 0o010000;
export const S_ISUID = 0o4000, S_ISGID = 0o2000, S_ISVTX = 0o1000;

export const isDir = (mode: number): boolean => (mode & S_IFMT) === S_IFDIR;
export const isReg = (mode: number): boolean => (mode & S_IFMT) === S_IFREG;
export const isLnk = (mode: number): boolean => (mode & S_IFMT) === S_IFLNK;

/** d_type values of getdents64. */
export const DT_UNKNOWN = 0, DT_FIFO = 1, DT_CHR = 2, DT_DIR = 4, DT_BLK = 6, DT_REG = 8, DT_LNK = 10, DT_SOCK = 12;
export const dtype = (mode: number): number => (mode & S_IFMT) >>> 12;

export const NAME_MAX = 255;
export const PATH_MAX = 4096;

export interface Timespec { sec: number; nsec: number }

/** What getattr returns; dev and ino come from the superblock and the inode. */
export interface Attr {
  mode: number; nlink: number; uid: number; gid: number; rdev: number;
  size: number; blksize: number; blocks: number;
  atime: Timespec; mtime: Timespec; ctime: Timespec;
  btime?: Timespec;
}

/** A change requested by chmod/chown/truncate/utimensat; 'now' stands for UTIME_NOW. */
export interface SetAttr {
  mode?: number; uid?: number; gid?: number; size?: number;
  atime?: Timespec | 'now'; mtime?: Timespec | 'now';
}

export interface DirEntry { name: string; ino: number; type: number }

export interface StatFs {
  type: number; bsize: number; blocks: number; bfree: number; bavail: number;
  files: number; ffree: number; namelen: number; frsize: number; flags: number;
}

/** RENAME_* flags of renameat2. */
export const RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2, RENAME_WHITEOUT = 4;

/** What a permission check reads of the attributes. */
export type Access = Pick<Attr, 'mode' | 'uid' | 'gid'>;

export interface Inode {
  readonly sb: SuperBlock;
  readonly ino: number;
  getattr(): Attr | number;
  /**
   * The mode, owner and group getattr would report, without making an Attr
   * (a path walk asks each directory it passes for its type and search
   * permission). Optional: callers fall back to getattr().
   */
  access?(): Access | number;
  setattr?(change: SetAttr): number;

  // Directories. The generic layer has already checked permissions, the
  // read-only flag, and that `name` is a plain component (not '.', '..').
  /** `t` is the caller (procfs answers /proc/self per task); other filesystems ignore it. */
  lookup?(name: string, t: FsTask): Inode | number;
  /** The directory's parent within this filesystem (the root returns itself). */
  parent?(): Inode;
  /** The directory's own name in its parent (for getcwd and /proc paths). */
  dirName?(): string;
  readdir?(t: FsTask): DirEntry[] | number;
  create?(name: string, mode: number, cred: Cred): Inode | number;
  mkdir?(name: string, mode: number, cred: Cred): Inode | number;
  /**
   * FIFOs, sockets and device nodes (`mode` carries the type; rdev is the
   * new_encode_dev number of a S_IFCHR/S_IFBLK node, else 0). The caller
   * has checked CAP_MKNOD.
   */
  mknod?(name: string, mode: number, cred: Cred, rdev: number): Inode | number;
  symlink?(name: string, target: string, cred: Cred): Inode | number;
  link?(name: string, target: Inode): number;
  unlink?(name: string): number;
  rmdir?(name: string): number;
  rename?(oldName: string, newDir: Inode, newName: string, flags: number): number;

  // Symlinks.
  readlink?(t: FsTask): string | number;
  /** Magic links (/proc/PID/fd/N, cwd, root, exe): following jumps to an object instead of resolving text. */
  jump?(t: FsTask): { loc: Loc; path: string } | number;

  /** Opens a non-directory object; directories are opened by the generic layer. */
  open?(flags: number, t: FsTask): OpenFile | number;
}

let nextAnonMinor = 16;

/** One mounted filesystem instance (Linux's super_block). */
export abstract class SuperBlock {
  /** new_encode_dev(major, minor) of this instance. */
  readonly dev: number;
  abstract readonly type: string;
  abstract readonly root: Inode;
  /** Mounted without device nodes (host-backed filesystems never open host devices). */
  readonly nodev: boolean = false;
  constructor(dev?: number) { this.dev = dev ?? makedev(0, nextAnonMinor++); }
  abstract statfs(): StatFs;
}

/** new_encode_dev: the dev_t layout of st_dev and st_rdev. */
export function makedev(major: number, minor: number): number {
  return ((minor & 0xff) | ((major & 0xfff) << 8) | ((minor & ~0xff) << 12)) >>> 0;
}
export function major(dev: number): number { return (dev >>> 8) & 0xfff; }
export function minor(dev: number): number { return (dev & 0xff) | ((dev >>> 12) & 0xfff00); }

/** A stable key for "the same inode": mount keys, lock tables, FIFOs. */
export function inodeKey(i: Inode): string { return `${i.sb.dev}:${i.ino}`; }
export function sameInode(a: Inode, b: Inode): boolean { return a === b || (a.sb === b.sb && a.ino === b.ino); }

/** The kernel's clocks (kernel/clock.ts Clock satisfies this); the default reads the host's. */
export interface FsClock {
  monotonicNs(): number;
  realtime(): Timespec;
}
const hrBoot = process.hrtime.bigint();
const hrBase = BigInt(Date.now()) * 1_000_000n - hrBoot;
const hostClock: FsClock = {
  monotonicNs: () => Number(process.hrtime.bigint() - hrBoot),
  realtime: () => {
    const ns = hrBase + process.hrtime.bigint();
    return { sec: Number(ns / 1_000_000_000n), nsec: Number(ns % 1_000_000_000n) };
  },
};
let clock: FsClock = hostClock;
/** Installs the kernel's clock (timestamps, poll/select deadlines); one kernel per process. */
export function setFsClock(c: FsClock | null): void { clock = c ?? hostClock; }
/** CLOCK_REALTIME for file timestamps. */
export function nowTimespec(): Timespec { const t = clock.realtime(); return { sec: t.sec, nsec: t.nsec }; }
/** CLOCK_MONOTONIC in nanoseconds, the clock of FsTask.waitDeadline. */
export function monotonicNs(): number { return clock.monotonicNs(); }

export const MAY_EXEC = 1, MAY_WRITE = 2, MAY_READ = 4;

/** in_group_p on the fs credentials. */
export function inGroupOf(cred: Cred, gid: number): boolean { return cred.fsgid === gid || cred.groups.includes(gid); }

/**
 * generic_permission: owner/group/other bits against the fs credentials;
 * fsuid 0 has CAP_DAC_OVERRIDE (read/write anything, search any directory,
 * execute a file only when some x bit is set).
 */
export function permission(attr: Access, cred: Cred, mask: number): boolean {
  if (cred.fsuid === 0) {
    if ((mask & MAY_EXEC) === 0 || isDir(attr.mode)) return true;
    return (attr.mode & 0o111) !== 0;
  }
  let bits: number;
  if (cred.fsuid === attr.uid) bits = (attr.mode >> 6) & 7;
  else if (cred.fsgid === attr.gid || cred.groups.includes(attr.gid)) bits = (attr.mode >> 3) & 7;
  else bits = attr.mode & 7;
  return (bits & mask) === mask;
}

/** Kept fixed so every filesystem reports the same preferred I/O size. */
export const BLKSIZE = 4096;
export const blocksFor = (size: number): number => Math.ceil(size / BLKSIZE) * (BLKSIZE / 512);

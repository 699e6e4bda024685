/**
 * devfs: a tmpfs holding the device nodes the guest expects, and the
 * character device drivers behind them (drivers/char/mem.c, random.c,
 * tty_io.c's /dev/tty and /dev/console). A character device node opens
 * the driver of its number wherever it lives, so a node that mknod made on
 * a tmpfs works like the one here; nodes work only where the mount allows
 * them (hostfs is nodev: a host device is never opened).
 */
import { randomFillSync } from 'node:crypto';
import { ENOSPC, ENOTTY, ENXIO } from '../errno.js';
import { type FileOps, O_LARGEFILE, OpenFile } from '../file.js';
import type { ConsoleDevice } from './console.js';
import { notifyRelease } from './fsnotify.js';
import { S_IFCHR, S_IFLNK, makedev } from './inode.js';
import { TmpFs, type TmpNode } from './tmpfs.js';
import type { FsTask } from './task.js';

export const DEV_NULL = makedev(1, 3), DEV_ZERO = makedev(1, 5), DEV_FULL = makedev(1, 7);
export const DEV_RANDOM = makedev(1, 8), DEV_URANDOM = makedev(1, 9);
export const DEV_TTY = makedev(5, 0), DEV_CONSOLE = makedev(5, 1);
const RNDGETENTCNT = 0x80045200;

const nullOps: FileOps = {
  read() { return 0; },
  write(_f, src) { return src.length; },
  seek() { return 0; },
  release(f, task) { notifyRelease(f, task); },
};
const zeroOps: FileOps = {
  read(_f, dst) { dst.fill(0); return dst.length; },
  write(_f, src) { return src.length; },
  seek() { return 0; },
  release(f, task) { notifyRelease(f, task); },
};
const fullOps: FileOps = {
  read(_f, dst) { dst.fill(0); return dst.length; },
  write(_f, src) { return src.length === 0 ? 0 : -ENOSPC; },
  seek() { return 0; },
  release(f, task) { notifyRelease(f, task); },
};
/** Where /dev/random and /dev/urandom bytes come from. */
export type RandomSource = (dst: Uint8Array) => void;

/** The host's generator (randomFillSync accepts at most 2^31-1 bytes per call). */
const hostRandom: RandomSource = (dst) => {
  for (let off = 0; off < dst.length; off += 0x40000000) randomFillSync(dst.subarray(off, Math.min(dst.length, off + 0x40000000)));
};

/** An open random device keeps the source of its Devices (priv). */
const randomOps: FileOps = {
  read(f, dst) {
    (f.priv as RandomSource)(dst);
    return dst.length;
  },
  write(_f, src) { return src.length; },
  seek() { return 0; },
  release(f, task) { notifyRelease(f, task); },
  ioctl(_f, task, cmd, arg) {
    if (cmd !== RNDGETENTCNT) return -ENOTTY;
    (task as FsTask).mem.writeU32(arg, 256);
    return 0;
  },
};

const memDevices = new Map<number, FileOps>([
  [DEV_NULL, nullOps], [DEV_ZERO, zeroOps], [DEV_FULL, fullOps], [DEV_RANDOM, randomOps], [DEV_URANDOM, randomOps],
]);

export class Devices {
  console: ConsoleDevice | null = null;
  /** The generator behind /dev/random and /dev/urandom (the kernel's, so --deterministic runs read the same bytes). */
  random: RandomSource = hostRandom;

  /** Opens the character device rdev; a number with no driver is ENXIO (chrdev_open, memory_open). */
  open(rdev: number, flags: number, path: string): OpenFile | number {
    const ops = memDevices.get(rdev);
    if (ops !== undefined) return new OpenFile(ops, flags | O_LARGEFILE, ops === randomOps ? this.random : null, path);
    if (rdev === DEV_CONSOLE || rdev === DEV_TTY) {
      // /dev/tty is the controlling terminal; the console is the only terminal there is.
      if (this.console === null) return -ENXIO;
      return this.console.open(flags, path);
    }
    return -ENXIO;
  }
}

/** A fresh /dev. */
export function makeDevFs(): TmpFs {
  const fs = new TmpFs('devtmpfs', 64 * 1024 * 1024, 0o755);
  const root = fs.root;
  const chr = (name: string, mode: number, rdev: number): TmpNode => root.mkdev(name, S_IFCHR | mode, rdev);
  chr('null', 0o666, DEV_NULL);
  chr('zero', 0o666, DEV_ZERO);
  chr('full', 0o666, DEV_FULL);
  chr('random', 0o666, DEV_RANDOM);
  chr('urandom', 0o666, DEV_URANDOM);
  chr('tty', 0o666, DEV_TTY);
  chr('console', 0o600, DEV_CONSOLE);
  const link = (name: string, target: string): void => { root.mkdev(name, S_IFLNK | 0o777, 0).target = target; };
  link('fd', '/proc/self/fd');
  link('stdin', '/proc/self/fd/0');
  link('stdout', '/proc/self/fd/1');
  link('stderr', '/proc/self/fd/2');
  const root0 = { fsuid: 0, fsgid: 0, uid: 0, gid: 0, euid: 0, egid: 0, suid: 0, sgid: 0, groups: [] };
  root.mkdir('pts', 0o755, root0);
  root.mkdir('shm', 0o1777, root0);
  return fs;
}

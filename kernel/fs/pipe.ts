/**
 * Pipes and FIFOs (Linux's fs/pipe.c): a byte buffer of 64 KiB by default,
 * writes of at most PIPE_BUF bytes are atomic, a write with no reader is
 * EPIPE (the write syscall adds SIGPIPE), a read with no writer is EOF.
 * FIFO opens follow fifo_open(): a reader or writer counts as soon as it
 * starts opening, and a blocking open waits until the other side has opened.
 */
import { EAGAIN, EBUSY, ENXIO, EPERM, EPIPE, ERESTARTSYS } from '../errno.js';
import {
  type FileOps, O_ACCMODE, O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY, OpenFile,
  POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM,
} from '../file.js';
import { BLOCK, WaitQueue } from '../wait.js';
import {
  type Attr, type Inode, S_IFIFO, SuperBlock, type StatFs, type Timespec, makedev, nowTimespec,
} from './inode.js';
import { setFileLoc } from './openfile.js';
import { notifyRelease } from './fsnotify.js';
import type { Loc, Mount } from './mount.js';
import type { FsTask } from './task.js';

export const PIPE_BUF = 4096;
export const PIPE_DEF_SIZE = 65536;
/** /proc/sys/fs/pipe-max-size: the most an unprivileged F_SETPIPE_SZ may ask. */
export const PIPE_MAX_SIZE = 1048576;
export const FIONREAD = 0x541b;

export class Pipe {
  private chunks: Uint8Array[] = [];
  private head = 0;          // bytes already consumed from chunks[0]
  len = 0;
  capacity = PIPE_DEF_SIZE;
  readers = 0;
  writers = 0;
  /** Bumped on every open for read / write (Linux's r_counter / w_counter). */
  rCounter = 0;
  wCounter = 0;
  readonly wq = new WaitQueue();
  /** Tasks blocked in a FIFO open: already counted as reader/writer; the counter they wait to see change. */
  readonly openWaits = new Map<number, { write: boolean; counter: number }>();
  /** Called when the last end closes (FIFO registry cleanup). */
  onIdle: (() => void) | null = null;

  constructor(readonly isFifo: boolean) {}

  read(dst: Uint8Array): number {
    if (this.len === 0) return this.writers === 0 ? 0 : -EAGAIN;
    let n = 0;
    while (n < dst.length && this.chunks.length > 0) {
      const c = this.chunks[0];
      const take = Math.min(c.length - this.head, dst.length - n);
      dst.set(c.subarray(this.head, this.head + take), n);
      n += take;
      this.head += take;
      if (this.head === c.length) { this.chunks.shift(); this.head = 0; }
    }
    this.len -= n;
    this.wq.wake();
    return n;
  }

  write(src: Uint8Array): number {
    if (src.length === 0) return 0;
    if (this.readers === 0) return -EPIPE;
    const free = this.capacity - this.len;
    if (free <= 0 || (src.length <= PIPE_BUF && free < src.length)) return -EAGAIN;
    const n = Math.min(free, src.length);
    this.chunks.push(src.slice(0, n));
    this.len += n;
    this.wq.wake();
    return n;
  }

  /** F_SETPIPE_SZ: rounds up to a power-of-two number of pages. */
  resize(size: number, privileged: boolean): number {
    let s = 4096;
    while (s < size && s < 0x80000000) s *= 2;
    if (size > PIPE_MAX_SIZE && !privileged) return -EPERM;
    if (s < this.len) return -EBUSY;
    this.capacity = s;
    this.wq.wake();
    return s;
  }

  private idleCheck(): void {
    if (this.readers === 0 && this.writers === 0 && this.openWaits.size === 0) {
      this.chunks = []; this.head = 0; this.len = 0;
      this.onIdle?.();
    }
  }

  closeEnd(read: boolean, write: boolean): void {
    if (read) this.readers--;
    if (write) this.writers--;
    this.wq.wake();
    this.idleCheck();
  }

  /** A blocked FIFO open gave up (signal, task exit): undo its count. */
  abandonOpen(tid: number): void {
    const w = this.openWaits.get(tid);
    if (w === undefined) return;
    this.openWaits.delete(tid);
    if (w.write) this.writers--; else this.readers--;
    this.wq.wake();
    this.idleCheck();
  }
}

/** The per-open-file state of one pipe end. */
export class PipeEnd {
  /** FIFO readers opened without a writer do not see POLLHUP until a writer has come (f_version). */
  constructor(readonly pipe: Pipe, readonly inode: PipeInode | Inode, public wVersion = -1) {}
}

const endOf = (f: OpenFile): PipeEnd => f.priv as PipeEnd;
const accRead = (flags: number): boolean => (flags & O_ACCMODE) !== O_WRONLY;
const accWrite = (flags: number): boolean => (flags & O_ACCMODE) !== O_RDONLY;

export const pipeOps: FileOps = {
  read(f, dst) { return endOf(f).pipe.read(dst); },
  write(f, src) { return endOf(f).pipe.write(src); },
  // No reader: the write fails (EPIPE) whatever its size, so offer it all.
  writeRoom(f) { const p = endOf(f).pipe; return p.readers === 0 ? Infinity : Math.max(0, p.capacity - p.len); },
  poll(f) {
    const e = endOf(f);
    const p = e.pipe;
    let mask = 0;
    if (accRead(f.flags)) {
      if (p.len > 0) mask |= POLLIN | POLLRDNORM;
      if (p.writers === 0 && e.wVersion !== p.wCounter) mask |= POLLHUP;
    }
    if (accWrite(f.flags)) {
      if (p.capacity - p.len >= Math.min(PIPE_BUF, p.capacity)) mask |= POLLOUT | POLLWRNORM;
      if (p.readers === 0) mask |= POLLERR;
    }
    return mask;
  },
  waitQueue(f) { return endOf(f).pipe.wq; },
  ioctl(f, task, cmd, arg) {
    if (cmd !== FIONREAD) return -25; // ENOTTY
    (task as FsTask).mem.writeU32(arg, endOf(f).pipe.len);
    return 0;
  },
  release(f, task) { notifyRelease(f, task); endOf(f).pipe.closeEnd(accRead(f.flags), accWrite(f.flags)); },
};

/** The pseudo filesystem that anonymous pipes live on (what fstat and /proc/PID/fd show). */
export class PipeFs extends SuperBlock {
  readonly type = 'pipefs';
  readonly root: Inode;
  private nextIno = 1;
  mount: Mount | null = null;
  constructor() {
    super(makedev(0, 12));
    this.root = new PipeInode(this, 0, null, 0, 0);
  }
  allocIno(): number { return this.nextIno++; }
  statfs(): StatFs {
    return { type: 0x50495045, bsize: 4096, blocks: 0, bfree: 0, bavail: 0, files: 0, ffree: 0, namelen: 255, frsize: 4096, flags: 0x20 };
  }
}

export class PipeInode implements Inode {
  private readonly time: Timespec = nowTimespec();
  constructor(readonly sb: PipeFs, readonly ino: number, readonly pipe: Pipe | null, readonly uid: number, readonly gid: number) {}
  getattr(): Attr {
    const t = this.time;
    return { mode: S_IFIFO | 0o600, nlink: 1, uid: this.uid, gid: this.gid, rdev: 0, size: 0, blksize: 4096, blocks: 0, atime: t, mtime: t, ctime: t };
  }
  open(flags: number, t: FsTask): OpenFile | number {
    if (this.pipe === null || this.sb.mount === null) return -ENXIO;
    return openFifo(this.pipe, flags, t, { mnt: this.sb.mount, inode: this }, `pipe:[${this.ino}]`);
  }
}

/** pipe2(): a fresh pipe and its two ends (flags: O_NONBLOCK, O_DIRECT accepted). */
export function makePipe(pfs: PipeFs, t: FsTask, flags: number): [OpenFile, OpenFile] {
  const pipe = new Pipe(false);
  const inode = new PipeInode(pfs, pfs.allocIno(), pipe, t.cred.fsuid, t.cred.fsgid);
  pipe.readers = 1;
  pipe.writers = 1;
  pipe.rCounter = pipe.wCounter = 1;
  const name = `pipe:[${inode.ino}]`;
  // create_pipe_files keeps only O_NONBLOCK (and O_DIRECT): no O_LARGEFILE on pipe ends.
  const extra = flags & (O_NONBLOCK | 0o40000);
  const r = new OpenFile(pipeOps, O_RDONLY | extra, new PipeEnd(pipe, inode), name);
  const w = new OpenFile(pipeOps, O_WRONLY | extra, new PipeEnd(pipe, inode), name);
  if (pfs.mount !== null) { setFileLoc(r, { mnt: pfs.mount, inode }); setFileLoc(w, { mnt: pfs.mount, inode }); }
  return [r, w];
}

/**
 * fifo_open(): counts the new end at once, then (blocking opens of one side
 * of a FIFO) waits until the other side's open counter moves. Written to be
 * retried: the first attempt is remembered per task in pipe.openWaits.
 * `flags` are the status flags the OpenFile keeps (O_CREAT etc. stripped).
 */
export function openFifo(pipe: Pipe, flags: number, t: FsTask, loc: Loc, path: string): OpenFile | number {
  const acc = flags & O_ACCMODE;
  const nonblock = (flags & O_NONBLOCK) !== 0;
  const pending = pipe.openWaits.get(t.tid);
  const make = (wVersion: number): OpenFile => {
    const f = new OpenFile(pipeOps, flags, new PipeEnd(pipe, loc.inode, wVersion), path);
    setFileLoc(f, loc);
    return f;
  };
  if (acc === O_RDWR) {
    pipe.readers++; pipe.writers++; pipe.rCounter++; pipe.wCounter++;
    pipe.wq.wake();
    return make(-1);
  }
  const write = acc === O_WRONLY;
  if (pending === undefined) {
    if (write) {
      if (nonblock && pipe.readers === 0) return -ENXIO;
      pipe.wCounter++;
      pipe.writers++;
    } else {
      pipe.rCounter++;
      pipe.readers++;
    }
    pipe.wq.wake();
  }
  const partnerCount = write ? pipe.readers : pipe.writers;
  const partnerCounter = write ? pipe.rCounter : pipe.wCounter;
  const arrived = pending !== undefined && pending.counter !== partnerCounter;
  if (!pipe.isFifo || partnerCount > 0 || arrived) {
    pipe.openWaits.delete(t.tid);
    return make(-1);
  }
  if (nonblock) return make(pipe.wCounter);   // read side only: write side returned ENXIO above
  if (t.signalPending()) {
    if (pending === undefined) pipe.openWaits.set(t.tid, { write, counter: partnerCounter });
    pipe.abandonOpen(t.tid);
    return -ERESTARTSYS;
  }
  if (pending === undefined) pipe.openWaits.set(t.tid, { write, counter: partnerCounter });
  t.waitOn(pipe.wq);
  return BLOCK;
}

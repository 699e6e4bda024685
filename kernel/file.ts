/**
 * One interface per kind of open file (DESIGN.md decision 12, Linux's
 * file_operations). Regular files, directories, pipes, the tty, /dev nodes and
 * the special fds (eventfd, timerfd, signalfd, epoll, inotify, fanotify) all
 * implement FileOps; generic syscalls (read, write, poll, ioctl, lseek, close,
 * fdinfo) call through it and never switch on the kind.
 *
 * Conventions: every operation returns a count >= 0 or -errno. Operations never
 * block: a read or write that would wait returns -EAGAIN, and the generic
 * syscall puts the task to sleep on waitQueue() unless O_NONBLOCK is set, then
 * retries. poll() reports the current readiness mask.
 */
import type { WaitQueue } from './wait.js';
import type { Loc, NotifyBinding } from './fs/index.js';

/** poll(2) event bits (include/uapi/asm-generic/poll.h). */
export const POLLIN = 0x001, POLLPRI = 0x002, POLLOUT = 0x004, POLLERR = 0x008;
export const POLLHUP = 0x010, POLLNVAL = 0x020, POLLRDNORM = 0x040, POLLRDBAND = 0x080;
export const POLLWRNORM = 0x100, POLLWRBAND = 0x200, POLLRDHUP = 0x2000;

/** open(2) flags, x86-64 values (include/uapi/asm-generic/fcntl.h). */
export const O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_ACCMODE = 3;
export const O_CREAT = 0o100, O_EXCL = 0o200, O_NOCTTY = 0o400, O_TRUNC = 0o1000;
export const O_APPEND = 0o2000, O_NONBLOCK = 0o4000, O_DSYNC = 0o10000, O_ASYNC = 0o20000;
export const O_DIRECT = 0o40000, O_LARGEFILE = 0o100000, O_DIRECTORY = 0o200000;
export const O_NOFOLLOW = 0o400000, O_NOATIME = 0o1000000, O_CLOEXEC = 0o2000000;
export const O_SYNC = 0o4010000, O_PATH = 0o10000000, O_TMPFILE = 0o20200000;

/** The operations of one kind of file. Optional members mean "not supported" (the generic code picks the errno Linux gives). */
export interface FileOps {
  /**
   * Reads into dst at file position pos (ignored by stream files); bytes read,
   * 0 at EOF, or -errno. `task` is the reading task when the generic code
   * knows it (signalfd reads the reader's signals, fanotify installs event
   * fds in the reader's table); typed loosely, as for ioctl.
   */
  read?(file: OpenFile, dst: Uint8Array, pos: number, task?: unknown): number;
  /** Writes src at pos; bytes written or -errno. */
  write?(file: OpenFile, src: Uint8Array, pos: number): number;
  /**
   * Bytes a write would take now without blocking, for files that may take
   * fewer than offered (a pipe: its free space). sendfile from a stream reads
   * no more than this, since bytes read from a stream cannot be put back.
   * Without it, a write takes everything.
   */
  writeRoom?(file: OpenFile): number;
  /** Current readiness (POLL* bits). Files without poll are always ready for read and write. */
  poll?(file: OpenFile): number;
  /** Where a task waits for this file's readiness to change. */
  waitQueue?(file: OpenFile): WaitQueue;
  /** ioctl(2); `task` is the caller (typed loosely so this module stays free of the task model). */
  ioctl?(file: OpenFile, task: unknown, cmd: number, arg: number): number;
  /** New position or -errno. Without it lseek is ESPIPE (no_llseek). */
  seek?(file: OpenFile, offset: number, whence: number): number;
  /**
   * A stream: no positioned I/O (pread, pwrite, preadv, pwritev, an explicit
   * sendfile offset give ESPIPE and reads never move the position), even when
   * `seek` exists — Linux's files without FMODE_PREAD/FMODE_PWRITE, such as the
   * anon-inode kinds whose lseek is noop_llseek. Files without `seek` are
   * always streams.
   */
  readonly stream?: boolean;
  /**
   * Called when the last reference to the open file is dropped; `task` is the
   * task that dropped it (the closer fsnotify reports, as __fput runs in the
   * closing task), when known.
   */
  release?(file: OpenFile, task?: unknown): void;
  /** Called on fsync/fdatasync; 0 or -errno. */
  fsync?(file: OpenFile): number;
  /** Extra lines of /proc/PID/fdinfo/N after pos/flags/mnt_id, as Linux prints them for this kind. */
  fdinfo?(file: OpenFile): string;
}

/**
 * An open file description (struct file): shared by dup'ed fds and across
 * fork-like sharing; holds the position and status flags.
 */
export class OpenFile {
  pos = 0;
  private refs = 1;
  /**
   * Set by the VFS (kernel/fs/openfile.ts, fsnotify.ts), read through their
   * functions only: the guest object the file was opened on, and the
   * fsnotify object it reports to. Fields rather than WeakMaps keyed by the
   * file: an open and close of a tmpfs file spent ~10% in those maps and the
   * GC work of their entries.
   */
  vfsLoc: Loc | undefined = undefined;
  notifyBinding: NotifyBinding | undefined = undefined;
  constructor(
    readonly ops: FileOps,
    /** O_* status and access flags (O_CLOEXEC is per-fd and not kept here). */
    public flags: number,
    /** Kind-specific state (inode, pipe end, eventfd counter...). */
    readonly priv: unknown = null,
    /** Guest path for /proc/PID/fd links, or an anon description like "anon_inode:[eventfd]". */
    public path = '',
  ) {}

  get readable(): boolean { return (this.flags & O_ACCMODE) !== O_WRONLY && (this.flags & O_PATH) === 0; }
  get writable(): boolean { return (this.flags & O_ACCMODE) !== O_RDONLY && (this.flags & O_PATH) === 0; }
  get nonblocking(): boolean { return (this.flags & O_NONBLOCK) !== 0; }

  get(): this { this.refs++; return this; }
  /** Drops one reference (`task`: who drops it); releases the file when it was the last. */
  put(task?: unknown): void {
    if (--this.refs === 0) this.ops.release?.(this, task);
  }
  /** No positioned I/O on this file (see FileOps.stream). */
  get isStream(): boolean { return this.ops.seek === undefined || this.ops.stream === true; }
  get refCount(): number { return this.refs; }
}

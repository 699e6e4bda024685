/**
 * The guest's terminal (drivers/tty/tty_io.c, tty_ioctl.c, tty_jobctrl.c and
 * n_tty_read/n_tty_write around the line discipline): one Tty over one
 * TtyHost, opened as the console for fds 0, 1 and 2 and for /dev/tty.
 *
 * When the host input is a terminal the n_tty line discipline runs here,
 * with termios, VMIN/VTIME, window size, the session and foreground process
 * group, SIGTTIN/SIGTTOU and the terminal ioctls. When it is a pipe or a
 * file, bytes pass through unchanged and every terminal ioctl fails with
 * ENOTTY, so the guest sees what a redirected stdin looks like on Linux.
 */
import { MemoryFault } from '../../cpu/index.js';
import { EAGAIN, EFAULT, EIO, ENOTTY } from '../errno.js';
import {
  type FileOps, O_LARGEFILE, OpenFile, POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM,
} from '../file.js';
import { SIGCONT, SIGHUP, SIGTTIN, SIGTTOU, SIGWINCH } from '../signal/defs.js';
import { WaitQueue } from '../wait.js';
import type { TtyHost } from './host.js';
import { terminalIoctl } from './ioctl.js';
import { FIONREAD } from './ioctls.js';
import { type TtyJobControl, type TtyJobState, type TtyTask, checkChange } from './jobctl.js';
import { NTty } from './ldisc.js';
import { ICANON, TOSTOP, VMIN, VTIME, type Winsize } from './termios.js';

/** VTIME counts tenths of a second. */
const DECISECOND_NS = 100_000_000;
/** Host input kept outside the read buffer before the host is asked to pause. */
const BACKLOG_HIGH = 64 * 1024;

export class Tty {
  /** Readers, writers and pollers wait here; woken on input, hangup and settings changes. */
  readonly wq: WaitQueue;
  readonly ldisc: NTty;
  /** Session and foreground process group (tty->session, tty->pgrp); 0 for none. */
  readonly job: TtyJobState = { session: 0, pgrp: 0 };
  winsize: Winsize;
  /** The host input is a terminal: the line discipline runs. */
  readonly terminal: boolean;
  private started = false;
  private inputAttached = false;
  private hungUp = false;
  /** TIOCEXCL (kept and reported; nothing else opens this terminal). */
  exclusive = false;
  /** Monotonic time of the last input byte (the VTIME inter-byte timer). */
  private lastInputNs = 0;
  /** Passthrough mode: host bytes not yet read, and whether the host input ended. */
  private raw: Uint8Array[] = [];
  private rawLen = 0;
  private rawEof = false;

  /** `wq`: a queue to share with whoever else wakes the same readers (kernel/fs's console device). */
  constructor(readonly host: TtyHost, readonly jc: TtyJobControl, opts: { wq?: WaitQueue } = {}) {
    this.wq = opts.wq ?? new WaitQueue();
    this.terminal = host.isTerminal;
    const size = host.windowSize();
    this.winsize = { rows: size.rows, cols: size.cols, xpixel: 0, ypixel: 0 };
    this.ldisc = new NTty({
      output: (bytes) => { this.host.write(bytes); },
      signal: (sig) => { if (this.job.pgrp !== 0) this.jc.signalPgrp(this.job.pgrp, sig); },
    });
  }

  /**
   * Starts the host side: raw mode and input for a terminal (input is echoed
   * as it is typed, as on Linux, whether or not anyone reads yet). For a pipe
   * or a file, input is taken only once the guest reads or polls.
   */
  start(): void {
    if (this.started) return;
    this.started = true;
    if (!this.terminal) return;
    this.host.setRawMode(true);
    this.host.onResize(() => { this.hostResized(); });
    this.attachInput();
  }

  /** Gives the host terminal back (the kernel calls this when it finishes). */
  stop(): void {
    this.host.restore();
  }

  private attachInput(): void {
    if (this.inputAttached) return;
    this.inputAttached = true;
    this.host.onInput((b) => { this.hostInput(b); });
  }

  /** A new open file description of this terminal (fds 0-2 at boot, /dev/tty, /dev/console). */
  open(flags: number, path = '/dev/console'): OpenFile {
    if (!this.started && this.terminal) this.start();
    return new OpenFile(ttyOps, flags | O_LARGEFILE, this, path);
  }

  /**
   * __proc_set_tty: the terminal becomes the controlling terminal of t's
   * session, with t's process group in the foreground (at boot, for the
   * first process; later through TIOCSCTTY).
   */
  makeControllingTerminal(t: TtyTask): void {
    if (!this.terminal) return;
    this.job.session = this.jc.sessionOf(t);
    this.job.pgrp = this.jc.pgrpOf(t);
    this.jc.setCtty(t, this);
  }

  /**
   * disassociate_ctty(1) for a console: when the leader of the session this
   * terminal controls exits, the foreground group gets SIGHUP and SIGCONT
   * and the terminal has no session any more. (Linux hangs up a real
   * terminal here; the console stays usable for a new session.)
   */
  sessionLeaderExited(sid: number): void {
    if (this.job.session !== sid || sid === 0) return;
    const fg = this.job.pgrp;
    this.job.session = 0;
    this.job.pgrp = 0;
    if (fg !== 0) {
      this.jc.signalPgrp(fg, SIGHUP);
      this.jc.signalPgrp(fg, SIGCONT);
    }
    this.wq.wake();
  }

  /** The host terminal went away: reads see EOF, writes EIO, the session leader's group SIGHUP and SIGCONT. */
  hangup(): void {
    if (this.hungUp) return;
    this.hungUp = true;
    const sid = this.job.session;
    this.job.session = 0;
    this.job.pgrp = 0;
    if (sid !== 0) {
      this.jc.signalPgrp(sid, SIGHUP);
      this.jc.signalPgrp(sid, SIGCONT);
    }
    this.wq.wake();
  }

  get isHungUp(): boolean { return this.hungUp; }

  // --- host events ---

  private hostInput(b: Uint8Array | null): void {
    if (!this.terminal) {
      if (b === null) this.rawEof = true;
      else if (b.length > 0) { this.raw.push(b.slice()); this.rawLen += b.length; }
      if (this.rawLen > BACKLOG_HIGH) this.host.throttle(true);
      this.wq.wake();
      return;
    }
    if (b === null) { this.hangup(); return; }
    this.lastInputNs = this.jc.nowNs();
    this.ldisc.receive(b);
    if (this.ldisc.backlogged > BACKLOG_HIGH) this.host.throttle(true);
    this.wq.wake();
  }

  /** tty_do_resize: a new size is kept and the foreground group hears SIGWINCH. */
  private hostResized(): void {
    const s = this.host.windowSize();
    this.resize({ ...this.winsize, rows: s.rows, cols: s.cols });
  }

  /** A new window size; the foreground group hears SIGWINCH when it changed. */
  resize(w: Winsize): void {
    const o = this.winsize;
    if (o.rows === w.rows && o.cols === w.cols && o.xpixel === w.xpixel && o.ypixel === w.ypixel) return;
    this.winsize = { ...w };
    if (this.job.pgrp !== 0) this.jc.signalPgrp(this.job.pgrp, SIGWINCH);
  }

  /** Input was consumed or dropped: let the host send more. */
  afterRead(): void {
    if (this.ldisc.backlogged <= BACKLOG_HIGH / 4) this.host.throttle(false);
  }

  // --- file operations ---

  read(file: OpenFile, dst: Uint8Array): number {
    if (!this.terminal) return this.readPassthrough(dst);
    if (this.hungUp) return 0;
    const t = this.jc.current();
    if (t !== null) {
      const r = checkChange(this.jc, this, this.job, t, SIGTTIN);
      if (r !== 0) return r;
    }
    if (dst.length === 0) return 0;
    const tio = this.ldisc.termios;
    let n: number;
    if ((tio.lflag & ICANON) !== 0) {
      if (!this.ldisc.lineReady) return -EAGAIN;
      n = this.ldisc.readLine(dst);
    } else {
      n = this.readNonCanonical(file, dst, t, tio.cc[VMIN], tio.cc[VTIME]);
    }
    if (n >= 0) this.afterRead();
    return n;
  }

  /**
   * n_tty_read's VMIN/VTIME rules, in the retry style of kernel/wait.ts:
   * nothing is consumed until the read can complete. MIN=0 TIME=0 polls;
   * MIN=0 TIME>0 waits up to TIME from the start of the call; MIN>0 TIME=0
   * waits for MIN bytes; MIN>0 TIME>0 waits for the first byte, then until
   * MIN bytes or TIME since the last byte arrived. A non-blocking read
   * returns whatever is there.
   */
  private readNonCanonical(file: OpenFile, dst: Uint8Array, t: TtyTask | null, min: number, time: number): number {
    const avail = this.ldisc.used;
    if (avail > 0 && (file.nonblocking || avail >= Math.min(min, dst.length))) return this.ldisc.readBytes(dst);
    if (min === 0 && time === 0) return 0;
    let deadline = Infinity;
    if (min === 0) {
      if (t !== null) deadline = t.callStartNs + time * DECISECOND_NS;
      if (this.jc.nowNs() >= deadline) return 0;
    } else if (time > 0 && avail > 0) {
      deadline = this.lastInputNs + time * DECISECOND_NS;
      if (this.jc.nowNs() >= deadline) return this.ldisc.readBytes(dst);
    }
    if (deadline !== Infinity && !file.nonblocking) t?.waitDeadline(deadline);
    return -EAGAIN;
  }

  private readPassthrough(dst: Uint8Array): number {
    this.attachInput();
    if (this.rawLen === 0) return this.rawEof ? 0 : -EAGAIN;
    let n = 0;
    while (n < dst.length && this.raw.length > 0) {
      const c = this.raw[0];
      const take = Math.min(c.length, dst.length - n);
      dst.set(c.subarray(0, take), n);
      n += take;
      if (take === c.length) this.raw.shift(); else this.raw[0] = c.subarray(take);
    }
    this.rawLen -= n;
    if (this.rawLen <= BACKLOG_HIGH / 4) this.host.throttle(false);
    return n;
  }

  write(_file: OpenFile, src: Uint8Array): number {
    // A broken host pipe gives EPIPE; the generic write sends the SIGPIPE.
    if (!this.terminal) return this.host.write(src);
    const t = this.jc.current();
    if (this.hungUp) return -EIO;
    if (t !== null && (this.ldisc.termios.lflag & TOSTOP) !== 0) {
      const r = checkChange(this.jc, this, this.job, t, SIGTTOU);
      if (r !== 0) return r;
    }
    if (src.length === 0) return 0;
    if (this.ldisc.stopped) return -EAGAIN;
    const r = this.host.write(this.ldisc.processOutput(src));
    return r < 0 ? -EIO : src.length;
  }

  poll(): number {
    if (!this.terminal) {
      this.attachInput();
      return (this.rawLen > 0 || this.rawEof ? POLLIN | POLLRDNORM : 0) | (this.rawEof ? POLLHUP : 0) | POLLOUT | POLLWRNORM;
    }
    if (this.hungUp) return POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDNORM | POLLWRNORM;
    let mask = 0;
    if (this.inputAvailable()) mask |= POLLIN | POLLRDNORM;
    if (!this.ldisc.stopped) mask |= POLLOUT | POLLWRNORM;
    return mask;
  }

  /** input_available_p(tty, poll=1): with TIME=0, poll waits for MIN bytes. */
  private inputAvailable(): boolean {
    const tio = this.ldisc.termios;
    if ((tio.lflag & ICANON) !== 0) return this.ldisc.lineReady;
    const amt = tio.cc[VTIME] === 0 && tio.cc[VMIN] > 0 ? tio.cc[VMIN] : 1;
    return this.ldisc.used >= amt;
  }

  /** Terminal ioctls (ioctl.ts); a redirected stdin answers only FIONREAD, as a pipe does. */
  ioctl(file: OpenFile, task: TtyTask, cmd: number, arg: number): number {
    try {
      return this.terminal ? terminalIoctl(this, file, task, cmd >>> 0, arg) : this.pipeIoctl(task, cmd >>> 0, arg);
    } catch (e) {
      if (e instanceof MemoryFault) return -EFAULT;
      throw e;
    }
  }

  private pipeIoctl(t: TtyTask, cmd: number, arg: number): number {
    if (cmd !== FIONREAD) return -ENOTTY;
    this.attachInput();
    t.mem.writeU32(arg, this.rawLen);
    return 0;
  }

  /** /proc/PID/fdinfo: Linux prints nothing beyond pos, flags and mnt_id for a tty. */
  fdinfo(): string { return ''; }
}

const ttyOf = (f: OpenFile): Tty => f.priv as Tty;

/** The FileOps of every open terminal file. */
export const ttyOps: FileOps = {
  read(f, dst) { return ttyOf(f).read(f, dst); },
  write(f, src) { return ttyOf(f).write(f, src); },
  poll(f) { return ttyOf(f).poll(); },
  waitQueue(f) { return ttyOf(f).wq; },
  ioctl(f, task, cmd, arg) { return ttyOf(f).ioctl(f, task as TtyTask, cmd, arg); },
  fdinfo(f) { return ttyOf(f).fdinfo(); },
};

/** The Tty behind an open file, or null when the file is not a terminal. */
export function ttyOfFile(f: OpenFile): Tty | null {
  return f.ops === ttyOps ? ttyOf(f) : null;
}

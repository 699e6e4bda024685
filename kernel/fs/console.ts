/**
 * The console: the guest's fds 0, 1 and 2 at boot and /dev/console, backed
 * by the host's input stream and output fd. Output is written synchronously
 * and in order; input arrives from the host stream and is queued.
 *
 * What happens between the host bytes and the guest's read()/write() is a
 * LineDiscipline. The default passes bytes through unchanged (host stdin is
 * a pipe or a file); the terminal code (another module) installs a tty line
 * discipline with `device.setLdisc(...)` when the host input is a terminal,
 * and takes over the terminal ioctls (TCGETS, TIOCSPGRP...).
 */
import * as nfs from 'node:fs';
import * as ntty from 'node:tty';
import { EAGAIN, ENOTTY } from '../errno.js';
import { type FileOps, O_LARGEFILE, O_RDWR, OpenFile, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM } from '../file.js';
import { WaitQueue } from '../wait.js';
import { hostErr } from './hostio.js';
import { WINSIZE } from './layout.js';
import { notifyRelease } from './fsnotify.js';
import type { FsTask } from './task.js';

export const TCGETS = 0x5401, TIOCGWINSZ = 0x5413, FIONREAD_TTY = 0x541b;

export interface ConsoleIo {
  input: NodeJS.ReadableStream & { fd?: number };
  output: { fd: number };
}

/** The hook for a terminal line discipline. */
export interface LineDiscipline {
  /** Bytes from the host input. */
  receive(dev: ConsoleDevice, data: Uint8Array): void;
  /** The host input ended. */
  hangup(dev: ConsoleDevice): void;
  /** Bytes read, 0 at end of input, -EAGAIN when nothing is ready. */
  read(dev: ConsoleDevice, file: OpenFile, dst: Uint8Array): number;
  write(dev: ConsoleDevice, file: OpenFile, src: Uint8Array): number;
  poll(dev: ConsoleDevice, file: OpenFile): number;
  /** Terminal ioctls; undefined means "not mine" (the console's defaults apply). */
  ioctl?(dev: ConsoleDevice, file: OpenFile, task: FsTask, cmd: number, arg: number): number | undefined;
  /** Bytes available to read (FIONREAD). */
  pending(dev: ConsoleDevice): number;
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** Raw bytes in, raw bytes out: a host pipe or file on stdin. */
export class Passthrough implements LineDiscipline {
  private queue: Uint8Array[] = [];
  private queued = 0;
  private eof = false;
  receive(dev: ConsoleDevice, data: Uint8Array): void {
    this.queue.push(data);
    this.queued += data.length;
    if (this.queued > 65536) dev.throttle(true);
  }
  hangup(): void { this.eof = true; }
  read(dev: ConsoleDevice, _f: OpenFile, dst: Uint8Array): number {
    if (this.queued === 0) return this.eof ? 0 : -EAGAIN;
    let n = 0;
    while (n < dst.length && this.queue.length > 0) {
      const c = this.queue[0];
      const take = Math.min(c.length, dst.length - n);
      dst.set(c.subarray(0, take), n);
      n += take;
      if (take === c.length) this.queue.shift(); else this.queue[0] = c.subarray(take);
    }
    this.queued -= n;
    if (this.queued <= 16384) dev.throttle(false);
    return n;
  }
  write(dev: ConsoleDevice, _f: OpenFile, src: Uint8Array): number { return dev.writeHost(src); }
  poll(): number {
    return (this.queued > 0 || this.eof ? POLLIN | POLLRDNORM : 0) | POLLOUT | POLLWRNORM;
  }
  pending(): number { return this.queued; }
}

export class ConsoleDevice {
  readonly wq = new WaitQueue();
  ldisc: LineDiscipline = new Passthrough();
  private attached = false;
  private ended = false;
  private users = 0;
  private readonly onData = (chunk: Buffer | string): void => {
    const b = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
    this.ldisc.receive(this, new Uint8Array(b.buffer, b.byteOffset, b.length));
    this.wq.wake();
  };
  private readonly onEnd = (): void => {
    this.ended = true;
    this.ldisc.hangup(this);
    this.wq.wake();
  };

  constructor(readonly io: ConsoleIo) {}

  /** Swaps the line discipline (the terminal code calls this). */
  setLdisc(l: LineDiscipline): void { this.ldisc = l; this.wq.wake(); }

  /** Starts taking host input (lazily: a guest that never reads stdin leaves it alone). */
  attach(): void {
    if (this.attached || this.ended) return;
    this.attached = true;
    this.io.input.on('data', this.onData);
    this.io.input.on('end', this.onEnd);
    this.io.input.on('error', this.onEnd);
    this.io.input.resume();
  }

  /** Stops taking host input so the host process can exit. */
  detach(): void {
    if (!this.attached) return;
    this.attached = false;
    this.io.input.off('data', this.onData);
    this.io.input.off('end', this.onEnd);
    this.io.input.off('error', this.onEnd);
    this.io.input.pause();
  }

  /** Backpressure from the line discipline's queue. */
  throttle(stop: boolean): void {
    if (!this.attached) return;
    if (stop) this.io.input.pause(); else this.io.input.resume();
  }

  /** Writes all of src to the host output, synchronously and in order. */
  writeHost(src: Uint8Array): number {
    let off = 0;
    while (off < src.length) {
      try {
        off += nfs.writeSync(this.io.output.fd, src, off, src.length - off);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') { Atomics.wait(sleepCell, 0, 0, 1); continue; }
        return off > 0 ? off : hostErr(e);
      }
    }
    return off;
  }

  /** The host terminal's size, or null when the host output is not a terminal. */
  hostWinsize(): { rows: number; cols: number } | null {
    const fd = this.io.output.fd;
    if (!ntty.isatty(fd)) return null;
    const s = fd === 1 ? process.stdout : fd === 2 ? process.stderr : null;
    if (s !== null && 'getWindowSize' in s) {
      const [cols, rows] = (s as ntty.WriteStream).getWindowSize();
      return { rows, cols };
    }
    return { rows: 24, cols: 80 };
  }

  open(flags: number, path = '/dev/console'): OpenFile {
    this.users++;
    return new OpenFile(consoleOps, flags | O_LARGEFILE, this, path);
  }
  closed(): void { if (--this.users === 0) this.detach(); }
}

const devOf = (f: OpenFile): ConsoleDevice => f.priv as ConsoleDevice;

export const consoleOps: FileOps = {
  read(f, dst) { const d = devOf(f); d.attach(); return d.ldisc.read(d, f, dst); },
  write(f, src) { const d = devOf(f); return d.ldisc.write(d, f, src); },
  poll(f) { const d = devOf(f); d.attach(); return d.ldisc.poll(d, f); },
  waitQueue(f) { return devOf(f).wq; },
  ioctl(f, task, cmd, arg) {
    const d = devOf(f);
    const t = task as FsTask;
    const r = d.ldisc.ioctl?.(d, f, t, cmd, arg);
    if (r !== undefined) return r;
    switch (cmd) {
      case TIOCGWINSZ: {
        const ws = d.hostWinsize();
        if (ws === null) return -ENOTTY;
        t.mem.writeU16(arg + WINSIZE.ws_row, ws.rows);
        t.mem.writeU16(arg + WINSIZE.ws_col, ws.cols);
        t.mem.writeU16(arg + WINSIZE.ws_xpixel, 0);
        t.mem.writeU16(arg + WINSIZE.ws_ypixel, 0);
        return 0;
      }
      case FIONREAD_TTY:
        t.mem.writeU32(arg, d.ldisc.pending(d));
        return 0;
      default:
        return -ENOTTY;
    }
  },
  release(f, task) { notifyRelease(f, task); devOf(f).closed(); },
};

/**
 * The console file for fds 0, 1 and 2 at boot (dup it with get()). Writes go
 * straight to the host fd; reads return what the host input delivered
 * (-EAGAIN when nothing is buffered yet, 0 at host EOF).
 */
export function makeConsole(io: ConsoleIo): OpenFile {
  return new ConsoleDevice(io).open(O_RDWR);
}

export function consoleDeviceOf(f: OpenFile): ConsoleDevice | null {
  return f.ops === consoleOps ? devOf(f) : null;
}

/**
 * The host side of the guest's terminal: where its bytes come from and go
 * to. ProcessTtyHost is the real one (the simulator's stdin and stdout);
 * when stdin is a terminal it puts it in raw mode, because the guest's line
 * discipline does the editing, echo and signals, and it guarantees the host
 * terminal gets its settings back on every way out of the process: normal
 * exit, process.exit, an uncaught exception or unhandled rejection, and
 * SIGTERM, SIGHUP, SIGINT or SIGQUIT from outside (SIGKILL cannot be caught
 * by anyone).
 */
import * as nfs from 'node:fs';
import type * as ntty from 'node:tty';
import { EIO, EPIPE } from '../errno.js';

export interface TtyHost {
  /** The host input is a terminal: the line discipline runs. Otherwise bytes pass through (a pipe or a file). */
  readonly isTerminal: boolean;
  /** Writes all of `bytes` synchronously and in order; the count or -errno (EPIPE when the reader went away). */
  write(bytes: Uint8Array): number;
  /** Starts delivering host input to `cb`; null means the input ended. */
  onInput(cb: (bytes: Uint8Array | null) => void): void;
  /** Stops (true) or resumes (false) taking host input while the guest's buffer is full. */
  throttle(stop: boolean): void;
  setRawMode(on: boolean): void;
  windowSize(): { rows: number; cols: number };
  onResize(cb: () => void): void;
  /** Gives the host terminal its settings back and stops taking input (idempotent). */
  restore(): void;
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
const GUARDED_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGINT', 'SIGQUIT'];

/** The simulator's own stdin and stdout. */
export class ProcessTtyHost implements TtyHost {
  readonly isTerminal: boolean;
  private raw = false;
  private inputCb: ((bytes: Uint8Array | null) => void) | null = null;
  private resizeCb: (() => void) | null = null;
  private guarded = false;
  private readonly onData = (chunk: Buffer | string): void => {
    const b = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
    this.inputCb?.(new Uint8Array(b.buffer, b.byteOffset, b.length));
  };
  private readonly onEnd = (): void => { this.inputCb?.(null); };
  private readonly onResizeEvent = (): void => { this.resizeCb?.(); };
  private readonly restoreNow = (): void => { this.restore(); };
  private readonly onSignal = (sig: NodeJS.Signals): void => {
    // Someone else handles this signal (e.g. forwards it to the guest): they exit through 'exit'.
    if (process.listenerCount(sig) > 1) return;
    this.restore();
    // No listener is left now, so the signal takes its default action and the exit status tells.
    process.kill(process.pid, sig);
  };

  constructor(
    private readonly input: NodeJS.ReadStream = process.stdin,
    private readonly output: NodeJS.WriteStream & { fd: number } = process.stdout,
  ) {
    this.isTerminal = (input as ntty.ReadStream).isTTY === true;
  }

  write(bytes: Uint8Array): number {
    let off = 0;
    while (off < bytes.length) {
      try {
        off += nfs.writeSync(this.output.fd, bytes, off, bytes.length - off);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        // A non-blocking host fd that is full: wait a little rather than lose output.
        if (code === 'EAGAIN') { Atomics.wait(sleepCell, 0, 0, 1); continue; }
        if (off > 0) return off;
        return code === 'EPIPE' ? -EPIPE : -EIO;
      }
    }
    return off;
  }

  onInput(cb: (bytes: Uint8Array | null) => void): void {
    if (this.inputCb === null) {
      this.input.on('data', this.onData);
      this.input.on('end', this.onEnd);
      this.input.on('error', this.onEnd);
    }
    this.inputCb = cb;
    this.input.resume();
  }

  throttle(stop: boolean): void {
    if (this.inputCb === null) return;
    if (stop) this.input.pause(); else this.input.resume();
  }

  setRawMode(on: boolean): void {
    if (!this.isTerminal || on === this.raw) return;
    if (on) this.guard();
    (this.input as ntty.ReadStream).setRawMode(on);
    this.raw = on;
  }

  windowSize(): { rows: number; cols: number } {
    const o = this.output as ntty.WriteStream;
    if (o.isTTY === true && o.rows > 0 && o.columns > 0) return { rows: o.rows, cols: o.columns };
    return { rows: 24, cols: 80 };
  }

  onResize(cb: () => void): void {
    if (this.resizeCb === null && (this.output as ntty.WriteStream).isTTY === true) this.output.on('resize', this.onResizeEvent);
    this.resizeCb = cb;
  }

  restore(): void {
    if (this.raw) {
      // libuv saved the settings it found when raw mode began and puts them back here.
      try { (this.input as ntty.ReadStream).setRawMode(false); } catch { /* the terminal is gone */ }
      this.raw = false;
    }
    if (this.inputCb !== null) {
      this.input.off('data', this.onData);
      this.input.off('end', this.onEnd);
      this.input.off('error', this.onEnd);
      this.input.pause();
      this.inputCb = null;
    }
    if (this.resizeCb !== null) {
      this.output.off('resize', this.onResizeEvent);
      this.resizeCb = null;
    }
    this.unguard();
  }

  /** Installs the exit-path handlers that restore the host terminal. */
  private guard(): void {
    if (this.guarded) return;
    this.guarded = true;
    process.on('exit', this.restoreNow);
    // The monitor runs before Node prints the error and exits, so the trace appears on a sane terminal.
    process.on('uncaughtExceptionMonitor', this.restoreNow);
    for (const s of GUARDED_SIGNALS) process.on(s, this.onSignal);
  }

  private unguard(): void {
    if (!this.guarded) return;
    this.guarded = false;
    process.off('exit', this.restoreNow);
    process.off('uncaughtExceptionMonitor', this.restoreNow);
    for (const s of GUARDED_SIGNALS) process.off(s, this.onSignal);
  }
}

/**
 * An in-memory TtyHost: what a test (or a kernel test harness driving a
 * guest) types, and what the guest's terminal showed. Behaves like the real
 * host: input arrives only after onInput, raw mode and restore are recorded.
 */
import { EPIPE } from '../errno.js';
import type { TtyHost } from './host.js';

export class FakeTtyHost implements TtyHost {
  /** Everything written to the host, in order. */
  readonly written: Uint8Array[] = [];
  raw = false;
  restored = false;
  throttled = false;
  /** When set, writes fail with EPIPE (the reader of host stdout went away). */
  broken = false;
  rows: number;
  cols: number;
  private inputCb: ((bytes: Uint8Array | null) => void) | null = null;
  private resizeCb: (() => void) | null = null;
  private early: Array<Uint8Array | null> = [];
  private taken = 0;

  constructor(readonly isTerminal = true, size: { rows: number; cols: number } = { rows: 24, cols: 80 }) {
    this.rows = size.rows;
    this.cols = size.cols;
  }

  write(bytes: Uint8Array): number {
    if (this.broken) return -EPIPE;
    this.written.push(bytes.slice());
    return bytes.length;
  }

  onInput(cb: (bytes: Uint8Array | null) => void): void {
    this.inputCb = cb;
    const early = this.early;
    this.early = [];
    for (const b of early) cb(b);
  }

  throttle(stop: boolean): void { this.throttled = stop; }
  setRawMode(on: boolean): void { this.raw = on; }
  windowSize(): { rows: number; cols: number } { return { rows: this.rows, cols: this.cols }; }
  onResize(cb: () => void): void { this.resizeCb = cb; }

  restore(): void {
    this.raw = false;
    this.restored = true;
    this.inputCb = null;
    this.resizeCb = null;
  }

  /** Types bytes (a string is taken as Latin-1, so '\x03' is ^C). */
  type(s: string | Uint8Array): void {
    const b = typeof s === 'string' ? Uint8Array.from(Buffer.from(s, 'latin1')) : s;
    if (this.inputCb === null) this.early.push(b); else this.inputCb(b);
  }

  /** The host input ends (a closed terminal, the end of a pipe). */
  end(): void {
    if (this.inputCb === null) this.early.push(null); else this.inputCb(null);
  }

  /** The host window changes size. */
  resize(rows: number, cols: number): void {
    this.rows = rows;
    this.cols = cols;
    this.resizeCb?.();
  }

  /** All output as Latin-1 text. */
  text(): string {
    return Buffer.concat(this.written).toString('latin1');
  }

  /** Output written since the previous call. */
  take(): string {
    const all = this.text();
    const s = all.slice(this.taken);
    this.taken = all.length;
    return s;
  }
}

/**
 * A fake kernel for the terminal tests: processes with process groups,
 * sessions and controlling terminals, a clock the test moves, and a record
 * of every signal the terminal sent.
 */
import { GuestMemory } from '../../../cpu/index.js';
import { O_NONBLOCK, O_RDWR, type OpenFile } from '../../../kernel/file.js';
import {
  FakeTtyHost, TCGETS, TCSETS, type Termios, Tty, type TtyJobControl, type TtyTask, decodeTermios, defaultTermios,
  encodeTermios,
} from '../../../kernel/tty/index.js';

export class FakeProc {
  ctty: unknown = null;
  readonly ignored = new Set<number>();
  readonly blocked = new Set<number>();
  constructor(readonly pid: number, public pgid: number, public sid: number) {}
}

export class FakeTask implements TtyTask {
  callStartNs = 0;
  deadline = Infinity;
  constructor(readonly proc: FakeProc, readonly mem: GuestMemory) {}
  get pid(): number { return this.proc.pid; }
  waitDeadline(ns: number): void { if (ns < this.deadline) this.deadline = ns; }
}

export class FakeJobControl implements TtyJobControl {
  readonly procs = new Map<number, FakeProc>();
  readonly signals: Array<[number, number]> = [];
  readonly orphaned = new Set<number>();
  now = 1_000_000_000;
  cur: FakeTask | null = null;
  privileged = true;

  current(): TtyTask | null { return this.cur; }
  nowNs(): number { return this.now; }
  private p(t: TtyTask): FakeProc { return (t as FakeTask).proc; }
  pgrpOf(t: TtyTask): number { return this.p(t).pgid; }
  sessionOf(t: TtyTask): number { return this.p(t).sid; }
  isSessionLeader(t: TtyTask): boolean { return this.p(t).pid === this.p(t).sid; }
  cttyOf(t: TtyTask): unknown { return this.p(t).ctty; }
  setCtty(t: TtyTask, tty: unknown): void { this.p(t).ctty = tty; }
  sessionOfPgrp(pgrp: number): number {
    for (const p of this.procs.values()) if (p.pgid === pgrp) return p.sid;
    return this.procs.get(pgrp)?.sid ?? -1;
  }
  signalPgrp(pgrp: number, sig: number): void { this.signals.push([pgrp, sig]); }
  isOrphanedPgrp(pgrp: number): boolean { return this.orphaned.has(pgrp); }
  isIgnoredOrBlocked(t: TtyTask, sig: number): boolean { return this.p(t).ignored.has(sig) || this.p(t).blocked.has(sig); }
  isPrivileged(): boolean { return this.privileged; }

  /** Signals sent since the last call. */
  takeSignals(): Array<[number, number]> { return this.signals.splice(0); }
}

/** Guest memory scratch area for ioctl arguments. */
export const ARG = 0x10000;

export interface World {
  host: FakeTtyHost;
  jc: FakeJobControl;
  tty: Tty;
  mem: GuestMemory;
  /** The session leader (a shell): pid 100, pgrp 100, session 100, controlling terminal set. */
  shell: FakeTask;
  file: OpenFile;
  /** A new process (same session unless given) as a task. */
  spawn(pid: number, pgid: number, sid?: number): FakeTask;
  /** read(2) through the file operations as task `t` (default: the current one). */
  read(n?: number, t?: FakeTask, f?: OpenFile): number | string;
  write(s: string, t?: FakeTask, f?: OpenFile): number;
  ioctl(cmd: number, arg?: number, t?: FakeTask): number;
}

let sharedMem: GuestMemory | null = null;

export function world(opts: { terminal?: boolean; rows?: number; cols?: number } = {}): World {
  const host = new FakeTtyHost(opts.terminal ?? true, { rows: opts.rows ?? 24, cols: opts.cols ?? 80 });
  const jc = new FakeJobControl();
  const mem = sharedMem ??= new GuestMemory(1 << 20);
  const tty = new Tty(host, jc);
  const spawn = (pid: number, pgid: number, sid = 100): FakeTask => {
    const p = new FakeProc(pid, pgid, sid);
    jc.procs.set(pid, p);
    return new FakeTask(p, mem);
  };
  const shell = spawn(100, 100, 100);
  const file = tty.open(O_RDWR);
  tty.makeControllingTerminal(shell);
  jc.cur = shell;
  const w: World = {
    host, jc, tty, mem, shell, file, spawn,
    read(n = 256, t, f = file) {
      if (t !== undefined) jc.cur = t;
      const dst = new Uint8Array(n);
      const r = f.ops.read!(f, dst, 0);
      return r < 0 ? r : Buffer.from(dst.subarray(0, r)).toString('latin1');
    },
    write(s, t, f = file) {
      if (t !== undefined) jc.cur = t;
      return f.ops.write!(f, Uint8Array.from(Buffer.from(s, 'latin1')), 0);
    },
    ioctl(cmd, arg = ARG, t = jc.cur ?? shell) {
      return file.ops.ioctl!(file, t, cmd, arg);
    },
  };
  return w;
}

export function nonblocking(w: World): OpenFile {
  return w.tty.open(O_RDWR | O_NONBLOCK);
}

/** tcgetattr, change, tcsetattr(TCSANOW) through guest memory, as the shell does. */
export function tcset(w: World, change: (t: Termios) => void, t: FakeTask = w.shell): number {
  const r = w.ioctl(TCGETS, ARG, t);
  if (r !== 0) return r;
  const tio = decodeTermios(w.mem.readBytes(ARG, 36), defaultTermios());
  change(tio);
  w.mem.writeBytes(ARG, encodeTermios(tio));
  return w.ioctl(TCSETS, ARG, t);
}

/**
 * The tty's view of the kernel core, and the wiring of a Tty as the boot
 * console. The core is described structurally (CoreKernel and friends):
 * the kernel's Kernel, Process and Task classes satisfy these interfaces,
 * so this module does not import the core.
 */
import type { ConsoleDevice, LineDiscipline } from '../fs/index.js';
import { consoleDeviceOf } from '../fs/index.js';
import type { OpenFile } from '../file.js';
import { SIG_IGN, SI_KERNEL } from '../signal/defs.js';
import { ProcessTtyHost, type TtyHost } from './host.js';
import type { TtyJobControl, TtyTask } from './jobctl.js';
import { Tty } from './tty.js';

export interface CoreProcess {
  readonly pid: number;
  pgid: number;
  sid: number;
  /** The controlling terminal (signal->tty). */
  ctty: unknown;
  state: string;
  parent: CoreProcess | null;
  readonly sighand: { get(sig: number): { handler: number } };
}

export interface CoreTask extends TtyTask {
  readonly proc: CoreProcess;
  readonly blocked: { has(sig: number): boolean };
  readonly cred: { euid: number };
  readonly files: { get(fd: number): OpenFile | null };
}

/** The kernel, generic in its process type (onProcessExit takes the kernel's own processes). */
export interface CoreKernel<P extends CoreProcess = CoreProcess> {
  readonly processes: Map<number, P>;
  readonly tasks: Map<number, CoreTask>;
  readonly sched: { readonly current: CoreTask | null; kick(): void };
  readonly clock: { monotonicNs(): number };
  readonly signals: { sendToProcess(p: P, sig: number, info: { signo: number; code: number } | null): void };
  onProcessExit: ((p: P) => void) | null;
}

const alive = (p: CoreProcess): boolean => p.state === 'alive';


/** TtyJobControl over the kernel core. */
export function coreJobControl<P extends CoreProcess>(k: CoreKernel<P>): TtyJobControl {
  const proc = (t: TtyTask): CoreProcess => (t as CoreTask).proc;
  return {
    current: () => k.sched.current,
    nowNs: () => k.clock.monotonicNs(),
    pgrpOf: (t) => proc(t).pgid,
    sessionOf: (t) => proc(t).sid,
    isSessionLeader: (t) => proc(t).pid === proc(t).sid,
    cttyOf: (t) => proc(t).ctty,
    setCtty: (t, tty) => { proc(t).ctty = tty; },
    sessionOfPgrp: (pgrp) => {
      for (const p of k.processes.values()) if (alive(p) && p.pgid === pgrp) return p.sid;
      const p = k.processes.get(pgrp);
      return p !== undefined && alive(p) ? p.sid : -1;
    },
    signalPgrp: (pgrp, sig) => {
      for (const p of [...k.processes.values()]) {
        if (alive(p) && p.pgid === pgrp) k.signals.sendToProcess(p, sig, { signo: sig, code: SI_KERNEL });
      }
      // Terminal input arrives between scheduler slices: an idle scheduler must look again.
      k.sched.kick();
    },
    isOrphanedPgrp: (pgrp) => {
      // will_become_orphaned_pgrp: no member has a parent in another group of the same session
      // (children of init do not count).
      for (const p of k.processes.values()) {
        if (!alive(p) || p.pgid !== pgrp) continue;
        const parent = p.parent;
        if (parent === null || parent.pid === 1) continue;
        if (parent.pgid !== pgrp && parent.sid === p.sid) return false;
      }
      return true;
    },
    isIgnoredOrBlocked: (t, sig) => (t as CoreTask).blocked.has(sig) || proc(t).sighand.get(sig).handler === SIG_IGN,
    isPrivileged: (t) => (t as CoreTask).cred.euid === 0,
  };
}

/**
 * A TtyHost whose bytes go through kernel/fs's console device (its output
 * fd, its input stream, its wait queue) while a terminal host controls raw
 * mode, the window size and restoring the terminal.
 */
class ConsoleHost implements TtyHost {
  private cb: ((bytes: Uint8Array | null) => void) | null = null;
  constructor(private readonly dev: ConsoleDevice, private readonly term: TtyHost) {}
  get isTerminal(): boolean { return this.term.isTerminal; }
  write(bytes: Uint8Array): number { return this.dev.writeHost(bytes); }
  /** Input arrives through the line-discipline hook (deliver). */
  onInput(cb: (bytes: Uint8Array | null) => void): void { this.cb = cb; }
  deliver(bytes: Uint8Array | null): void { this.cb?.(bytes); }
  throttle(stop: boolean): void { this.dev.throttle(stop); }
  setRawMode(on: boolean): void { this.term.setRawMode(on); }
  windowSize(): { rows: number; cols: number } { return this.term.windowSize(); }
  onResize(cb: () => void): void { this.term.onResize(cb); }
  restore(): void { this.term.restore(); }
}

function terminalHostFor(dev: ConsoleDevice): TtyHost {
  const input = dev.io.input as NodeJS.ReadStream;
  const fd = dev.io.output.fd;
  const output = fd === 2 ? process.stderr : process.stdout;
  return new ProcessTtyHost(input, output);
}

/**
 * Runs a Tty as the line discipline of kernel/fs's console device when the
 * host input is a terminal (fds 0-2, /dev/console and /dev/tty all reach
 * it); returns null and leaves the byte-for-byte console alone otherwise.
 */
export function attachConsoleTty(dev: ConsoleDevice, jc: TtyJobControl, term: TtyHost = terminalHostFor(dev)): Tty | null {
  if (!term.isTerminal) return null;
  const host = new ConsoleHost(dev, term);
  const tty = new Tty(host, jc, { wq: dev.wq });
  const ldisc: LineDiscipline = {
    receive: (_d, data) => { host.deliver(data); },
    hangup: () => { host.deliver(null); },
    read: (_d, f, dst) => tty.read(f, dst),
    write: (_d, f, src) => tty.write(f, src),
    poll: () => tty.poll(),
    ioctl: (_d, f, task, cmd, arg) => tty.ioctl(f, task as unknown as TtyTask, cmd, arg),
    pending: () => tty.ldisc.inq(),
  };
  tty.start();
  dev.setLdisc(ldisc);
  return tty;
}

/**
 * Makes the console of the first process a terminal (when the host input
 * is one): the Tty becomes its line discipline and the controlling terminal
 * of the first process's session, with that process's group in the
 * foreground; when a session leader exits, its terminal is released. Call
 * after spawning the first process and before running it; stop() the
 * returned Tty when the kernel is done (the host terminal gets its settings
 * back; exit paths restore it anyway).
 */
export function installConsoleTty<P extends CoreProcess>(k: CoreKernel<P>, first: P, term?: TtyHost): Tty | null {
  const t = k.tasks.get(first.pid);
  const con = t?.files.get(0) ?? null;
  const dev = con === null ? null : consoleDeviceOf(con);
  if (t === undefined || dev === null) return null;
  const tty = attachConsoleTty(dev, coreJobControl(k), term);
  if (tty === null) return null;
  tty.makeControllingTerminal(t);
  const previous = k.onProcessExit;
  k.onProcessExit = (p) => {
    previous?.(p);
    if (p.pid === p.sid) tty.sessionLeaderExited(p.sid);
  };
  return tty;
}

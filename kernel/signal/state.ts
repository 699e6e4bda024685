/**
 * Per-process signal dispositions (sighand_struct) and pending queues
 * (sigpending): one set of actions shared by the threads of a process, a
 * shared pending queue for process-directed signals and one per thread.
 */
import { SIGRTMIN, SIG_DFL, SIG_IGN, NSIG, SYNCHRONOUS } from './defs.js';
import type { SigInfo } from './siginfo.js';
import { SigSet } from './sigset.js';

export interface SigAction {
  handler: number;
  flags: number;
  restorer: number;
  mask: SigSet;
}

export function defaultSigAction(): SigAction {
  return { handler: SIG_DFL, flags: 0, restorer: 0, mask: new SigSet() };
}

export class SigHand {
  /** Index 1..64. */
  readonly actions: SigAction[];

  /** Every action SIG_DFL, or (clone) the given ones. */
  constructor(actions?: SigAction[]) {
    if (actions !== undefined) { this.actions = actions; return; }
    this.actions = [];
    for (let s = 0; s <= NSIG; s++) this.actions.push(defaultSigAction());
  }

  get(sig: number): SigAction { return this.actions[sig]; }

  /** A private copy (vfork child, fork-like sharing without CLONE_SIGHAND); made once per vfork, so not built twice. */
  clone(): SigHand {
    const actions: SigAction[] = new Array(NSIG + 1);
    actions[0] = defaultSigAction();
    for (let s = 1; s <= NSIG; s++) {
      const a = this.actions[s];
      actions[s] = { handler: a.handler, flags: a.flags, restorer: a.restorer, mask: a.mask.copy() };
    }
    return new SigHand(actions);
  }

  /** execve: handled signals go back to SIG_DFL; ignored ones stay ignored (flush_signal_handlers). */
  resetForExec(): void {
    for (let s = 1; s <= NSIG; s++) {
      const a = this.actions[s];
      if (a.handler !== SIG_IGN) a.handler = SIG_DFL;
      a.flags = 0;
      a.restorer = 0;
      a.mask = new SigSet();
    }
  }
}

/** Signals waiting for delivery: a set plus the queued siginfo of each instance. */
export class SigPending {
  readonly set = new SigSet();
  private readonly queue: SigInfo[] = [];

  /** Queues a signal; standard signals already pending are not queued twice (returns false). */
  add(info: SigInfo): boolean {
    if (info.signo < SIGRTMIN && this.set.has(info.signo)) return false;
    this.set.add(info.signo);
    this.queue.push(info);
    return true;
  }

  has(sig: number): boolean { return this.set.has(sig); }

  /** Removes one instance of sig and returns its siginfo. */
  take(sig: number): SigInfo | null {
    const i = this.queue.findIndex((q) => q.signo === sig);
    if (i < 0) { this.set.del(sig); return null; }
    const [info] = this.queue.splice(i, 1);
    if (!this.queue.some((q) => q.signo === sig)) this.set.del(sig);
    return info;
  }

  /** Drops every instance of sig (SIGCONT flushes stop signals and vice versa). */
  flush(sig: number): void {
    this.set.del(sig);
    for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i].signo === sig) this.queue.splice(i, 1);
  }

  get count(): number { return this.queue.length; }

  /**
   * The signal to deliver next among those not in `blocked`: synchronous
   * (fault) signals first, then the lowest number (next_signal in Linux).
   */
  next(blocked: SigSet): number {
    const ready = this.set.copy().andNot(blocked);
    if (ready.isEmpty()) return 0;
    for (const s of SYNCHRONOUS) if (ready.has(s)) return s;
    return ready.first();
  }
}

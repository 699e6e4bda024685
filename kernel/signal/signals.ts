/**
 * Signal generation and delivery (kernel/signal.c, arch/x86/kernel/signal.c).
 *
 * Generation queues the signal on a thread or on the process, applies the
 * SIGCONT/stop side effects at once, drops signals that would be ignored,
 * ends the whole group at once for an unhandled fatal signal, and wakes a
 * thread that can take it. Delivery runs whenever a task is about to return
 * to user mode (after a syscall, at a slice boundary, after a fault): it
 * dequeues, builds rt_sigframes for handlers, performs default actions, and
 * decides between EINTR and restarting the interrupted syscall.
 */
import { RAX } from '../../cpu/context.js';
import { MemoryFault } from '../../cpu/memory.js';
import { EINTR, ERESTARTNOHAND, ERESTARTNOINTR, ERESTARTSYS, ERESTART_RESTARTBLOCK } from '../errno.js';
import type { Kernel } from '../kernel.js';
import type { Process, Task } from '../task.js';
import { TaskState } from '../task.js';
import {
  CLD_CONTINUED, CLD_STOPPED, DefaultAction, SA_NOCLDSTOP, SA_NODEFER, SA_RESETHAND, SA_RESTART, SA_SIGINFO,
  SIGCHLD, SIGCONT, SIGKILL, SIGSEGV, SIGSTOP, SIG_DFL, SIG_IGN, SI_KERNEL, SI_USER, SS_AUTODISARM, SS_DISABLE,
  defaultAction, isStopSignal,
} from './defs.js';
import { isOrphanedPgrp } from '../exit.js';
import { setupRtFrame } from './frame.js';
import type { SigInfo } from './siginfo.js';
import { SigSet } from './sigset.js';
import { defaultSigAction } from './state.js';

/** restart_syscall(2). */
export const NR_RESTART_SYSCALL = 219;

export class Signals {
  constructor(private readonly k: Kernel) {}

  /** Whether `t` has a signal to act on (signal_pending): an unblocked one queued, or its group is dying. */
  pendingFor(t: Task): boolean {
    const p = t.proc;
    if (p.exiting || t.pending.has(SIGKILL)) return true;
    if (t.pending.next(t.blocked) !== 0) return true;
    return p.sharedPending.next(t.blocked) !== 0;
  }

  /** Only SIGKILL or a group exit interrupts a killable wait (vfork, exec). */
  fatalPendingFor(t: Task): boolean {
    return t.proc.exiting || t.pending.has(SIGKILL);
  }

  /** Would `sig` be ignored by `t` right now (sig_ignored)? Blocked signals are never dropped. */
  private ignored(t: Task | null, p: Process, sig: number): boolean {
    if (t !== null && t.blocked.has(sig)) return false;
    const a = p.sighand.get(sig);
    if (a.handler === SIG_IGN) return sig !== SIGKILL && sig !== SIGSTOP;
    return a.handler === SIG_DFL && defaultAction(sig) === DefaultAction.Ignore;
  }

  /** prepare_signal: job-control side effects; false when the signal is to be dropped. */
  private prepare(p: Process, sig: number, target: Task | null): boolean {
    if (p.state !== 'alive') return false;
    if (p.exiting) return sig === SIGKILL;
    if (isStopSignal(sig)) {
      p.sharedPending.flush(SIGCONT);
      for (const t of p.threads) t.pending.flush(SIGCONT);
    } else if (sig === SIGCONT) {
      for (const s of [SIGSTOP, 20, 21, 22]) {
        p.sharedPending.flush(s);
        for (const t of p.threads) t.pending.flush(s);
      }
      if (p.stopped) this.continueGroup(p);
    }
    return !this.ignored(target ?? p.mainThread, p, sig);
  }

  private wantsSignal(t: Task, sig: number): boolean {
    if (t.state === TaskState.Dead) return false;
    if (t.blocked.has(sig)) return false;
    if (sig === SIGKILL) return true;
    return !t.proc.stopped;
  }

  private send(p: Process, t: Task | null, info: SigInfo): void {
    const sig = info.signo;
    if (!this.prepare(p, sig, t)) return;
    const queue = t !== null ? t.pending : p.sharedPending;
    if (!queue.add(info)) return;
    this.complete(p, t, sig);
  }

  /** complete_signal: pick a thread, short-cut fatal signals, wake the taker. */
  private complete(p: Process, target: Task | null, sig: number): void {
    let t: Task | null = null;
    if (target !== null) {
      if (this.wantsSignal(target, sig)) t = target;
    } else {
      t = p.threads.find((x) => this.wantsSignal(x, sig)) ?? null;
    }
    for (const x of p.threads) x.signalWait.wake();
    if (t === null) return;
    const a = p.sighand.get(sig);
    const act = defaultAction(sig);
    if (a.handler === SIG_DFL && (act === DefaultAction.Term || act === DefaultAction.Core) || sig === SIGKILL) {
      if (!p.exiting) {
        this.k.strace?.killed(p, sig, act === DefaultAction.Core && sig !== SIGKILL);
        this.k.groupExit(p, sig | (act === DefaultAction.Core && sig !== SIGKILL ? 0x80 : 0));
      }
      return;
    }
    if (!t.killable) this.k.sched.wake(t);
  }

  sendToThread(t: Task, sig: number, info: SigInfo | null): void {
    if (sig === 0) return;
    this.send(t.proc, t, info ?? this.userInfo(sig));
  }

  sendToProcess(p: Process, sig: number, info: SigInfo | null): void {
    if (sig === 0) return;
    this.send(p, null, info ?? this.userInfo(sig));
  }

  /** A signal raised by the kernel itself (SIGPIPE, SIGCHLD without a sender...). */
  private userInfo(sig: number): SigInfo {
    const cur = this.k.sched.current;
    return { signo: sig, code: SI_USER, pid: cur?.pid ?? 0, uid: cur?.cred.uid ?? 0 };
  }

  /**
   * force_sig_info for CPU faults and bad signal frames: the signal cannot be
   * blocked or ignored; if it is, the disposition goes back to SIG_DFL.
   */
  force(t: Task, info: SigInfo): void {
    const p = t.proc;
    const a = p.sighand.get(info.signo);
    if (a.handler === SIG_IGN || t.blocked.has(info.signo)) {
      p.sighand.actions[info.signo] = defaultSigAction();
      t.blocked.del(info.signo);
    }
    this.send(p, t, info);
  }

  /** Forces SIGSEGV after a failed frame setup or sigreturn (force_sigsegv). */
  forceSigsegv(t: Task): void {
    this.force(t, { signo: SIGSEGV, code: SI_KERNEL, addr: 0 });
  }

  // --- job control ---

  /** do_signal_stop: the whole group stops; the parent hears CLD_STOPPED. */
  stopGroup(p: Process, sig: number): void {
    if (p.stopped || p.exiting) return;
    p.stopped = true;
    p.report = { kind: 'stopped', sig };
    for (const t of p.threads) {
      if (t.state === TaskState.Runnable) { this.k.sched.unqueue(t); t.state = TaskState.Stopped; }
    }
    this.notifyParentJob(p, CLD_STOPPED, sig);
  }

  private continueGroup(p: Process): void {
    p.stopped = false;
    p.report = { kind: 'continued' };
    for (const t of p.threads) {
      if (t.state === TaskState.Stopped) { t.state = TaskState.Runnable; this.k.sched.enqueue(t); }
    }
    this.notifyParentJob(p, CLD_CONTINUED, SIGCONT);
  }

  private notifyParentJob(p: Process, code: number, status: number): void {
    const parent = p.parent;
    if (parent === null) return;
    parent.childWait.wake();
    if ((parent.sighand.get(SIGCHLD).flags & SA_NOCLDSTOP) !== 0) return;
    const { utimeNs, stimeNs } = p.cpuTimes();
    this.sendToProcess(parent, SIGCHLD, {
      signo: SIGCHLD, code, pid: p.pid, uid: p.cred.uid, status,
      utime: Math.floor(utimeNs / 1e7), stime: Math.floor(stimeNs / 1e7),
    });
  }

  // --- delivery ---

  /** Takes the next deliverable signal of t (thread queue first, then the process's). */
  private dequeue(t: Task): SigInfo | null {
    let sig = t.pending.next(t.blocked);
    if (sig !== 0) return t.pending.take(sig) ?? { signo: sig, code: SI_KERNEL };
    sig = t.proc.sharedPending.next(t.blocked);
    if (sig !== 0) return t.proc.sharedPending.take(sig) ?? { signo: sig, code: SI_KERNEL };
    return null;
  }

  /**
   * Work done before t returns to user mode. Returns false when t must not
   * run user code now (it exited, or its group stopped).
   */
  exitToUser(t: Task): boolean {
    const p = t.proc;
    let handled = false;
    for (;;) {
      if (t.state === TaskState.Dead) return false;
      if (p.exiting || t.pending.has(SIGKILL)) {
        if (!p.exiting) this.k.groupExit(p, SIGKILL);
        this.k.exitThread(t);
        return false;
      }
      if (p.stopped) { t.state = TaskState.Stopped; return false; }
      const info = this.dequeue(t);
      if (info === null) break;
      const sig = info.signo;
      const a = p.sighand.get(sig);
      if (a.handler === SIG_IGN) continue;
      if (a.handler !== SIG_DFL) {
        this.k.strace?.signal(t, info);
        this.handle(t, sig, info, a.handler, a.flags, a.restorer, a.mask);
        handled = true;
        continue;
      }
      switch (defaultAction(sig)) {
        case DefaultAction.Ignore:
        case DefaultAction.Cont:
          continue;
        case DefaultAction.Stop:
          // Terminal stop signals do not stop an orphaned process group (nobody could continue it).
          if (sig !== SIGSTOP && isOrphanedPgrp(this.k, p.pgid, null)) continue;
          this.k.strace?.signal(t, info);
          this.stopGroup(p, sig);
          t.state = TaskState.Stopped;
          return false;
        case DefaultAction.Term:
        case DefaultAction.Core: {
          const core = defaultAction(sig) === DefaultAction.Core;
          this.k.strace?.signal(t, info);
          this.k.strace?.killed(p, sig, core);
          this.k.groupExit(p, sig | (core ? 0x80 : 0));
          this.k.exitThread(t);
          return false;
        }
      }
    }
    if (!handled) this.restartWithoutHandler(t);
    t.origRax = -1;
    if (t.savedMask !== null) { t.blocked = t.savedMask; t.savedMask = null; }
    return true;
  }

  /** The no-handler restart rules of arch_do_signal_or_restart. */
  private restartWithoutHandler(t: Task): void {
    if (t.origRax < 0) return;
    const r = t.regs;
    const e = -r.getReg(RAX);
    if (e === ERESTARTNOHAND || e === ERESTARTSYS || e === ERESTARTNOINTR) {
      r.setReg(RAX, t.origRax);
      r.rip -= 2;
    } else if (e === ERESTART_RESTARTBLOCK) {
      r.setReg(RAX, NR_RESTART_SYSCALL);
      r.rip -= 2;
    }
  }

  /** handle_signal: syscall restart for a handler, the frame, the new mask. */
  private handle(t: Task, sig: number, info: SigInfo, handler: number, flags: number, restorer: number, mask: SigSet): void {
    const r = t.regs;
    if (t.origRax >= 0) {
      const e = -r.getReg(RAX);
      if (e === ERESTART_RESTARTBLOCK || e === ERESTARTNOHAND) r.setReg(RAX, -EINTR);
      else if (e === ERESTARTSYS) {
        if ((flags & SA_RESTART) !== 0) { r.setReg(RAX, t.origRax); r.rip -= 2; } else r.setReg(RAX, -EINTR);
      } else if (e === ERESTARTNOINTR) { r.setReg(RAX, t.origRax); r.rip -= 2; }
      t.origRax = -1;
    }
    const oldMask = t.savedMask ?? t.blocked;
    try {
      setupRtFrame(t.mem, this.k.cpu, r, t.altstack, {
        sig, info: (flags & SA_SIGINFO) !== 0 ? info : { ...info }, handler, flags, restorer, oldMask,
        fault: t.fault,
      });
    } catch (e) {
      if (!(e instanceof MemoryFault)) throw e;
      this.forceSigsegv(t);
      return;
    }
    t.savedMask = null;
    if ((t.altstack.flags & SS_AUTODISARM) !== 0) t.altstack = { sp: 0, size: 0, flags: SS_DISABLE };
    const blocked = oldMask.copy().or(mask);
    if ((flags & SA_NODEFER) === 0) blocked.add(sig);
    t.blocked = blocked.dropUnblockable();
    if ((flags & SA_RESETHAND) !== 0) t.proc.sighand.actions[sig] = defaultSigAction();
    t.fault = { trapno: 0, err: 0, cr2: 0 };
  }
}

/**
 * Signal syscalls: rt_sigaction, rt_sigprocmask, rt_sigreturn, rt_sigpending,
 * rt_sigsuspend, rt_sigtimedwait, sigaltstack, pause, alarm, setitimer and
 * getitimer (ITIMER_REAL).
 */
import { RSP } from '../../cpu/context.js';
import { MemoryFault } from '../../cpu/memory.js';
import { NS_PER_SEC } from '../clock.js';
import { EAGAIN, EFAULT, EINTR, EINVAL, ENOMEM, EPERM, ERESTARTNOHAND } from '../errno.js';
import {
  DefaultAction, MINSIGSTKSZ, SA_KNOWN, SIGALRM, SIGKILL, SIGSTOP, SIG_BLOCK, SIG_DFL, SIG_IGN, SIG_SETMASK,
  SIG_UNBLOCK, SI_KERNEL, SS_AUTODISARM, SS_DISABLE, SS_ONSTACK, defaultAction, validSignal,
} from '../signal/defs.js';
import { altStackFlags, onSigStack, restoreRtFrame } from '../signal/frame.js';
import { writeSigInfo } from '../signal/siginfo.js';
import { SigSet } from '../signal/sigset.js';
import type { Process, Task } from '../task.js';
import { BLOCK } from '../wait.js';
import { KEEP_REGS } from './result.js';
import { readTimespec, readTimeval, writeTimeval } from './util.js';

const SIGSET_SIZE = 8;
/** SA_EXPOSE_TAGBITS is part of the uapi flag set Linux reports back. */
const SA_EXPOSE_TAGBITS = 0x800;

export function rtSigaction(t: Task, sig: number, act: number, oact: number, sigsetsize: number): number {
  if (sigsetsize !== SIGSET_SIZE) return -EINVAL;
  const s = sig | 0;
  if (!validSignal(s) || (act !== 0 && (s === SIGKILL || s === SIGSTOP))) return -EINVAL;
  const m = t.mem;
  const hand = t.proc.sighand;
  // Read the new action before writing the old one: they may overlap.
  let next = null;
  if (act !== 0) {
    next = {
      handler: m.readU64(act),
      flags: m.readU32(act + 8) & (SA_KNOWN | SA_EXPOSE_TAGBITS),
      restorer: m.readU64(act + 16),
      mask: SigSet.read(m, act + 24).dropUnblockable(),
    };
  }
  if (oact !== 0) {
    const a = hand.get(s);
    m.writeU64(oact, a.handler);
    m.writeU64(oact + 8, a.flags >>> 0);
    m.writeU64(oact + 16, a.restorer);
    a.mask.write(m, oact + 24);
  }
  if (next !== null) {
    hand.actions[s] = next;
    // POSIX: setting SIG_IGN (or a default that ignores) discards the pending instances.
    if (next.handler === SIG_IGN || (next.handler === SIG_DFL && defaultAction(s) === DefaultAction.Ignore)) {
      discardPending(t.proc, s);
    }
  }
  return 0;
}

function discardPending(p: Process, sig: number): void {
  p.sharedPending.flush(sig);
  for (const x of p.threads) x.pending.flush(sig);
}

export function rtSigprocmask(t: Task, how: number, set: number, oset: number, sigsetsize: number): number {
  if (sigsetsize !== SIGSET_SIZE) return -EINVAL;
  const m = t.mem;
  const old = t.blocked.copy();
  let next: SigSet | null = null;
  if (set !== 0) {
    const s = SigSet.read(m, set);
    switch (how | 0) {
      case SIG_BLOCK: next = old.copy().or(s); break;
      case SIG_UNBLOCK: next = old.copy().andNot(s); break;
      case SIG_SETMASK: next = s; break;
      default: return -EINVAL;
    }
  }
  if (oset !== 0) old.write(m, oset);
  if (next !== null) t.blocked = next.dropUnblockable();
  return 0;
}

export function rtSigpending(t: Task, set: number, sigsetsize: number): number {
  if (sigsetsize > SIGSET_SIZE) return -EINVAL;
  const pending = t.pending.set.copy().or(t.proc.sharedPending.set).and(t.blocked);
  const b = new Uint8Array(8);
  new DataView(b.buffer).setUint32(0, pending.lo, true);
  new DataView(b.buffer).setUint32(4, pending.hi, true);
  t.mem.writeBytes(set, b.subarray(0, sigsetsize));
  return 0;
}

export function rtSigsuspend(t: Task, mask: number, sigsetsize: number): number {
  if (sigsetsize !== SIGSET_SIZE) return -EINVAL;
  if (t.callState === undefined) {
    const s = SigSet.read(t.mem, mask);
    t.setTemporarySigmask(s.lo, s.hi);
    t.callState = true;
  }
  if (t.signalPending()) return -ERESTARTNOHAND;
  return BLOCK;
}

export function pause(t: Task): number {
  if (t.signalPending()) return -ERESTARTNOHAND;
  return BLOCK;
}

export function rtSigtimedwait(t: Task, uthese: number, uinfo: number, uts: number, sigsetsize: number): number {
  if (sigsetsize !== SIGSET_SIZE) return -EINVAL;
  const k = t.kernel;
  const these = SigSet.read(t.mem, uthese).dropUnblockable();
  let deadline = Infinity;
  if (uts !== 0) {
    const ns = readTimespec(t.mem, uts);
    if (ns === null) return -EINVAL;
    deadline = t.callStartNs + ns;
  }
  // Take one of `these` (thread queue first).
  const notThese = new SigSet(~these.lo >>> 0, ~these.hi >>> 0);
  for (const q of [t.pending, t.proc.sharedPending]) {
    const sig = q.next(notThese);
    if (sig !== 0) {
      const info = q.take(sig) ?? { signo: sig, code: SI_KERNEL };
      if (uinfo !== 0) writeSigInfo(t.mem, uinfo, info);
      return sig;
    }
  }
  if (k.clock.monotonicNs() >= deadline) return -EAGAIN;
  if (t.signalPending()) return -EINTR;
  t.waitOn(t.signalWait);
  t.waitDeadline(deadline);
  return BLOCK;
}

export function sigaltstack(t: Task, uss: number, uoss: number): number {
  const m = t.mem;
  const sp = t.regs.getRegU(RSP);
  let next: { sp: number; size: number; flags: number } | null = null;
  if (uss !== 0) {
    const ssSp = m.readU64(uss);
    const flags = m.readI32(uss + 8);
    const size = m.readU64(uss + 16);
    if (onSigStack(t.altstack, sp)) return -EPERM;
    const mode = flags & ~SS_AUTODISARM;
    if (mode !== SS_DISABLE && mode !== SS_ONSTACK && mode !== 0) return -EINVAL;
    if (mode === SS_DISABLE) next = { sp: 0, size: 0, flags: SS_DISABLE };
    else {
      if (size < MINSIGSTKSZ) return -ENOMEM;
      next = { sp: ssSp, size, flags: flags & SS_AUTODISARM };
    }
  }
  if (uoss !== 0) {
    const b = new Uint8Array(24);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, t.altstack.sp >>> 0, true);
    dv.setUint32(4, Math.floor(t.altstack.sp / 0x1_0000_0000), true);
    dv.setInt32(8, altStackFlags(t.altstack, sp) | (t.altstack.flags & SS_AUTODISARM), true);
    dv.setUint32(16, t.altstack.size >>> 0, true);
    dv.setUint32(20, Math.floor(t.altstack.size / 0x1_0000_0000), true);
    m.writeBytes(uoss, b);
  }
  if (next !== null) t.altstack = next;
  return 0;
}

export function rtSigreturn(t: Task): number {
  const k = t.kernel;
  t.origRax = -1;
  t.restartFn = null;
  try {
    const r = restoreRtFrame(t.mem, k.cpu, t.regs);
    t.blocked = r.mask.dropUnblockable();
    t.savedMask = null;
    // restore_altstack: the uc_stack as sigaltstack would take it; errors are ignored.
    const mode = r.stack.flags & ~SS_AUTODISARM;
    if (!onSigStack(t.altstack, t.regs.getRegU(RSP))) {
      if (mode === SS_DISABLE) t.altstack = { sp: 0, size: 0, flags: SS_DISABLE };
      else if ((mode === 0 || mode === SS_ONSTACK) && r.stack.size >= MINSIGSTKSZ) {
        t.altstack = { sp: r.stack.sp, size: r.stack.size, flags: r.stack.flags & SS_AUTODISARM };
      }
    }
  } catch (e) {
    if (!(e instanceof MemoryFault)) throw e;
    k.signals.forceSigsegv(t);
    return -EFAULT;
  }
  return KEEP_REGS;
}

// --- ITIMER_REAL and alarm ---

const ITIMER_REAL = 0, ITIMER_VIRTUAL = 1, ITIMER_PROF = 2;

function armReal(t: Task, p: Process, valueNs: number, intervalNs: number): void {
  const k = t.kernel;
  const it = p.itimerReal;
  it.cancel?.();
  it.cancel = null;
  it.intervalNs = intervalNs;
  if (valueNs <= 0) { it.deadlineNs = Infinity; return; }
  const fire = (): void => {
    it.cancel = null;
    if (p.state !== 'alive') return;
    k.signals.sendToProcess(p, SIGALRM, { signo: SIGALRM, code: SI_KERNEL });
    if (it.intervalNs > 0) {
      it.deadlineNs += it.intervalNs;
      it.cancel = k.timers.add(it.deadlineNs, fire);
    } else {
      it.deadlineNs = Infinity;
    }
    k.sched.kick();
  };
  it.deadlineNs = k.clock.monotonicNs() + valueNs;
  it.cancel = k.timers.add(it.deadlineNs, fire);
}

function remainingReal(t: Task): number {
  const d = t.proc.itimerReal.deadlineNs;
  return d === Infinity ? 0 : Math.max(1000, d - t.kernel.clock.monotonicNs());
}

/** alarm: the seconds left of the previous alarm, rounded as Linux does (never 0 for a pending one). */
export function alarm(t: Task, seconds: number): number {
  const left = remainingReal(t);
  let prev = 0;
  if (left > 0) {
    const sec = Math.floor(left / NS_PER_SEC);
    const rem = left - sec * NS_PER_SEC;
    prev = sec + (rem >= NS_PER_SEC / 2 ? 1 : 0);
    if (prev === 0) prev = 1;
  }
  armReal(t, t.proc, (seconds >>> 0) * NS_PER_SEC, 0);
  return prev;
}

const virtualTimers = new WeakMap<Process, Array<{ value: number; interval: number }>>();

function writeItimerval(t: Task, addr: number, intervalNs: number, valueNs: number): void {
  writeTimeval(t.mem, addr, intervalNs);
  writeTimeval(t.mem, addr + 16, valueNs);
}

export function getitimer(t: Task, which: number, value: number): number {
  switch (which | 0) {
    case ITIMER_REAL:
      writeItimerval(t, value, t.proc.itimerReal.intervalNs, remainingReal(t));
      return 0;
    case ITIMER_VIRTUAL:
    case ITIMER_PROF: {
      const v = virtualTimers.get(t.proc)?.[which | 0] ?? { value: 0, interval: 0 };
      writeItimerval(t, value, v.interval, v.value);
      return 0;
    }
    default:
      return -EINVAL;
  }
}

export function setitimer(t: Task, which: number, value: number, ovalue: number): number {
  let interval = 0, val = 0;
  if (value !== 0) {
    const i = readTimeval(t.mem, value);
    const v = readTimeval(t.mem, value + 16);
    if (i === null || v === null) return -EINVAL;
    interval = i;
    val = v;
  }
  switch (which | 0) {
    case ITIMER_REAL:
      if (ovalue !== 0) writeItimerval(t, ovalue, t.proc.itimerReal.intervalNs, remainingReal(t));
      if (value !== 0) armReal(t, t.proc, val, interval);
      return 0;
    case ITIMER_VIRTUAL:
    case ITIMER_PROF: {
      // Accepted and reported back; CPU-time timers do not fire (docs/syscalls.md).
      let l = virtualTimers.get(t.proc);
      if (l === undefined) { l = [{ value: 0, interval: 0 }, { value: 0, interval: 0 }, { value: 0, interval: 0 }]; virtualTimers.set(t.proc, l); }
      if (ovalue !== 0) writeItimerval(t, ovalue, l[which | 0].interval, l[which | 0].value);
      if (value !== 0) l[which | 0] = { value: val, interval };
      return 0;
    }
    default:
      return -EINVAL;
  }
}

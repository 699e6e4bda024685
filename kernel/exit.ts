/**
 * Ending tasks and processes (kernel/exit.c): a thread's exit (clear_child_tid,
 * robust futexes), the group exit, the zombie and the parent's notification,
 * reparenting orphans to pid 1, and reaping by wait4/waitid.
 */
import { MemoryFault } from '../cpu/memory.js';
import type { Kernel } from './kernel.js';
import { CLD_DUMPED, CLD_EXITED, CLD_KILLED, SA_NOCLDWAIT, SIGCHLD, SIGCONT, SIGHUP, SIGKILL, SIG_IGN, SI_KERNEL } from './signal/defs.js';
import type { Process, Task } from './task.js';
import { TaskState } from './task.js';

/** wait(2) status encodings. */
export const exitedStatus = (code: number): number => (code & 0xff) << 8;
export const stoppedStatus = (sig: number): number => (sig << 8) | 0x7f;
export const CONTINUED_STATUS = 0xffff;

/** The host-facing exit code of a wait status: the code, or 128+N for a signal. */
export function hostExitCode(status: number): number {
  const sig = status & 0x7f;
  return sig === 0 ? (status >> 8) & 0xff : 128 + sig;
}

const FUTEX_OWNER_DIED = 0x40000000;
const FUTEX_WAITERS = 0x80000000;
const FUTEX_TID_MASK = 0x3fffffff;
const ROBUST_LIST_LIMIT = 2048;

/** exit_robust_list: mark futexes held by the dying thread OWNER_DIED and wake one waiter each. */
function exitRobustList(k: Kernel, t: Task): void {
  const head = t.robustList;
  if (head === 0) return;
  const mem = t.mem;
  try {
    let entry = mem.readU64(head);
    const offset = mem.readI64(head + 8);
    const pending = mem.readU64(head + 16);
    const handle = (e: number): void => {
      const uaddr = e + offset;
      const v = mem.readU32(uaddr);
      if ((v & FUTEX_TID_MASK) !== t.tid) return;
      mem.writeU32(uaddr, ((v & FUTEX_WAITERS) | FUTEX_OWNER_DIED) >>> 0);
      if ((v & FUTEX_WAITERS) !== 0) k.futex.wake(uaddr, 1, 0xffffffff);
    };
    for (let n = 0; entry !== head && n < ROBUST_LIST_LIMIT; n++) {
      const next = mem.readU64(entry);
      if (entry !== pending) handle(entry);
      entry = next;
    }
    if (pending !== 0) handle(pending);
  } catch (e) {
    if (!(e instanceof MemoryFault)) throw e;
  }
}

/** mm_release: the child-tid word is cleared and its futex woken (pthread_join waits on it). */
export function releaseChildTid(k: Kernel, t: Task): void {
  const addr = t.clearChildTid;
  if (addr === 0) return;
  t.clearChildTid = 0;
  try {
    t.mem.writeU32(addr, 0);
    k.futex.wake(addr, 1, 0xffffffff);
  } catch (e) {
    if (!(e instanceof MemoryFault)) throw e;
  }
}

/**
 * do_exit for one thread. `status` is the wait status used if this was the
 * last thread of a process that is not already exiting as a group.
 */
export function exitThread(k: Kernel, t: Task, status = 0): void {
  if (t.state === TaskState.Dead) return;
  const p = t.proc;
  t.clearWaits();
  k.sched.unqueue(t);
  t.state = TaskState.Dead;
  t.call = null;
  t.callState = undefined;
  exitRobustList(k, t);
  releaseChildTid(k, t);
  p.deadUtimeNs += t.utimeNs;
  p.deadStimeNs += t.stimeNs;
  t.utimeNs = 0;
  t.stimeNs = 0;
  k.dropFiles(t);
  k.vfs.forgetTask(t.tid);
  // A fanotify permission question it was waiting on is withdrawn.
  k.special.fsnotify.forgetTask(t);
  k.tasks.delete(t.tid);
  // The group leader stays listed until the process is reaped (its tid is the pid).
  if (t.tid !== p.pid) p.threads.splice(p.threads.indexOf(t), 1);
  if (p.threads.some((x) => x.state !== TaskState.Dead)) return;
  if (!p.exiting) {
    p.exiting = true;
    p.exitStatus = status;
  }
  exitProcess(k, p);
}

/** do_group_exit: every thread of p ends; `status` is the wait status. */
export function groupExit(k: Kernel, p: Process, status: number): void {
  if (p.exiting) return;
  p.exiting = true;
  p.exitStatus = status;
  p.stopped = false;
  for (const t of [...p.threads]) {
    // The running task ends itself on its way back to user mode.
    if (t !== k.sched.current) exitThread(k, t);
  }
}

/** will_become_orphaned_pgrp: no member (but `ignore`) has a parent in another group of the same session. */
export function isOrphanedPgrp(k: Kernel, pgrp: number, ignore: Process | null): boolean {
  for (const q of k.processes.values()) {
    if (q === ignore || q.state !== 'alive' || q.pgid !== pgrp) continue;
    const parent = q.parent;
    if (parent !== null && parent !== ignore && parent.state === 'alive' && parent.pgid !== pgrp && parent.sid === q.sid) return false;
  }
  return true;
}

/** kill_orphaned_pgrp: a group that becomes orphaned with stopped members gets SIGHUP then SIGCONT. */
function killOrphanedPgrp(k: Kernel, pgrp: number, ignore: Process): void {
  let stopped = false;
  for (const q of k.processes.values()) if (q.state === 'alive' && q.pgid === pgrp && q.stopped) stopped = true;
  if (!stopped || !isOrphanedPgrp(k, pgrp, ignore)) return;
  for (const q of [...k.processes.values()]) {
    if (q.state !== 'alive' || q.pgid !== pgrp) continue;
    k.signals.sendToProcess(q, SIGHUP, { signo: SIGHUP, code: SI_KERNEL });
    k.signals.sendToProcess(q, SIGCONT, { signo: SIGCONT, code: SI_KERNEL });
  }
}

/** The last thread is gone: release the memory, become a zombie, tell the parent. */
function exitProcess(k: Kernel, p: Process): void {
  k.releaseMm(p.mm);
  p.itimerReal.cancel?.();
  p.itimerReal.cancel = null;
  if (p.vforkDone !== null) {
    const q = p.vforkDone;
    p.vforkDone = null;
    q.wake();
  }
  k.onProcessExit?.(p);
  // Job control: p's own group, and its children's groups, may become orphaned by its exit.
  const par = p.parent;
  if (par !== null && par.pgid !== p.pgid && par.sid === p.sid) killOrphanedPgrp(k, p.pgid, p);
  for (const c of p.children) {
    if (c.state === 'alive' && c.pgid !== p.pgid && c.sid === p.sid) killOrphanedPgrp(k, c.pgid, p);
  }
  // Orphans go to pid 1 (the child reaper).
  const reaper = k.initProcess !== p && k.initProcess !== null && k.initProcess.state === 'alive' ? k.initProcess : null;
  for (const c of [...p.children]) {
    p.children.delete(c);
    c.parent = reaper;
    if (reaper !== null) {
      reaper.children.add(c);
      if (c.state === 'zombie') reaper.childWait.wake();
    } else if (c.state === 'zombie') {
      reap(k, c);
    }
  }
  p.state = 'zombie';
  k.strace?.exited(p);
  const parent = p.parent;
  if (parent === null || parent.state !== 'alive') {
    reap(k, p);
  } else {
    const a = parent.sighand.get(SIGCHLD);
    const autoreap = p.exitSignal === SIGCHLD && (a.handler === SIG_IGN || (a.flags & SA_NOCLDWAIT) !== 0);
    if (p.exitSignal !== 0 && !autoreap) {
      const sig = p.exitStatus & 0x7f;
      const code = sig === 0 ? CLD_EXITED : (p.exitStatus & 0x80) !== 0 ? CLD_DUMPED : CLD_KILLED;
      const { utimeNs, stimeNs } = p.cpuTimes();
      k.signals.sendToProcess(parent, p.exitSignal, {
        signo: p.exitSignal, code, pid: p.pid, uid: p.cred.uid,
        status: sig === 0 ? (p.exitStatus >> 8) & 0xff : sig,
        utime: Math.floor(utimeNs / 1e7), stime: Math.floor(stimeNs / 1e7),
      });
    }
    parent.childWait.wake();
    if (autoreap) reap(k, p);
  }
  if (p === k.initProcess) {
    // zap_pid_ns_processes: the guest is init's pid namespace; what is left of it is killed.
    for (const q of [...k.processes.values()]) if (q !== p && q.state === 'alive') groupExit(k, q, SIGKILL);
    k.finish(p.exitStatus);
  }
}

/** release_task: the zombie disappears; its CPU time is charged to the parent. */
export function reap(k: Kernel, p: Process): void {
  if (p.state === 'reaped') return;
  const parent = p.parent;
  if (parent !== null) {
    parent.children.delete(p);
    const { utimeNs, stimeNs } = p.cpuTimes();
    parent.cutimeNs += utimeNs + p.cutimeNs;
    parent.cstimeNs += stimeNs + p.cstimeNs;
  }
  p.state = 'reaped';
  k.processes.delete(p.pid);
}

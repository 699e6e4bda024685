/**
 * Creating tasks without an MMU (kernel/fork.c). There is one address space,
 * so a new process can only share its parent's memory: vfork and
 * clone(CLONE_VM|CLONE_VFORK) run the child on the shared memory while the
 * parent sleeps until the child execs or exits; threads share everything.
 * fork() and clone without CLONE_VM fail with EINVAL.
 */
import { RAX, RSP } from '../cpu/context.js';
import { EAGAIN, EINVAL } from './errno.js';
import type { Kernel } from './kernel.js';
import { validSignal } from './signal/defs.js';
import type { Task } from './task.js';
import { Process, Task as TaskClass } from './task.js';
import { BLOCK, WaitQueue } from './wait.js';

export const CSIGNAL = 0xff;
export const CLONE_VM = 0x100, CLONE_FS = 0x200, CLONE_FILES = 0x400, CLONE_SIGHAND = 0x800;
export const CLONE_PIDFD = 0x1000, CLONE_PTRACE = 0x2000, CLONE_VFORK = 0x4000, CLONE_PARENT = 0x8000;
export const CLONE_THREAD = 0x10000, CLONE_NEWNS = 0x20000, CLONE_SYSVSEM = 0x40000, CLONE_SETTLS = 0x80000;
export const CLONE_PARENT_SETTID = 0x100000, CLONE_CHILD_CLEARTID = 0x200000, CLONE_DETACHED = 0x400000;
export const CLONE_UNTRACED = 0x800000, CLONE_CHILD_SETTID = 0x1000000, CLONE_NEWCGROUP = 0x2000000;
export const CLONE_NEWUTS = 0x4000000, CLONE_NEWIPC = 0x8000000, CLONE_NEWUSER = 0x10000000;
export const CLONE_NEWPID = 0x20000000, CLONE_NEWNET = 0x40000000, CLONE_IO = 0x80000000;
const CLONE_NEW_ANY = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET;

export interface CloneArgs {
  flags: number;
  exitSignal: number;
  stack: number;
  parentTid: number;
  childTid: number;
  tls: number;
}

/** State kept across retries while a vfork parent waits for its child. */
interface VforkWait { child: Process; tid: number }

/** kernel_clone. Returns the child's tid, -errno, or BLOCK (vfork parent waiting). */
export function doClone(k: Kernel, t: Task, a: CloneArgs): number {
  const vfork = t.callState as VforkWait | undefined;
  if (vfork !== undefined) return waitVfork(k, t, vfork);

  const f = a.flags;
  if ((f & (CLONE_NEWNS | CLONE_FS)) === (CLONE_NEWNS | CLONE_FS)) return -EINVAL;
  if ((f & (CLONE_NEWUSER | CLONE_FS)) === (CLONE_NEWUSER | CLONE_FS)) return -EINVAL;
  if ((f & CLONE_THREAD) !== 0 && (f & CLONE_SIGHAND) === 0) return -EINVAL;
  if ((f & CLONE_SIGHAND) !== 0 && (f & CLONE_VM) === 0) return -EINVAL;
  if (a.exitSignal !== 0 && !validSignal(a.exitSignal)) return -EINVAL;
  // No MMU: a child cannot get a copy of the address space.
  if ((f & CLONE_VM) === 0) return -EINVAL;
  // Namespaces are not implemented.
  if ((f & CLONE_NEW_ANY) !== 0) return -EINVAL;
  if ((f & CLONE_PIDFD) !== 0) return -EINVAL;
  if (k.tasks.size >= 32768) return -EAGAIN;

  const parent = t.proc;
  const tid = k.allocPid();
  let proc: Process;
  if ((f & CLONE_THREAD) !== 0) {
    proc = parent;
  } else {
    parent.mm.users++;
    proc = new Process(k, tid, (f & CLONE_PARENT) !== 0 ? parent.parent : parent, parent.mm,
      (f & CLONE_SIGHAND) !== 0 ? parent.sighand : parent.sighand.clone(),
      { ...parent.cred, groups: [...parent.cred.groups] }, parent.rlimits.map(([c, m]) => [c, m] as [number, number]));
    proc.exitSignal = a.exitSignal;
    proc.exe = parent.exe;
    proc.cmdline = parent.cmdline;
    proc.environ = parent.environ;
    proc.ctty = parent.ctty;
    proc.parent?.children.add(proc);
    k.processes.set(tid, proc);
  }
  const files = (f & CLONE_FILES) !== 0 ? t.files : t.files.clone();
  const fs = (f & CLONE_FS) !== 0 ? t.fs : t.fs.clone();
  const child = new TaskClass(k, tid, proc, files, fs);
  k.holdFiles(files);
  child.ctx.copyFrom(t.regs);
  child.ctx.setReg(RAX, 0);
  if (a.stack !== 0) child.ctx.setReg(RSP, a.stack);
  if ((f & CLONE_SETTLS) !== 0) child.ctx.fsBase = a.tls;
  child.blocked = t.blocked.copy();
  child.comm = t.comm;
  if ((f & (CLONE_VM | CLONE_VFORK)) !== CLONE_VM) child.altstack = { ...t.altstack };
  if ((f & CLONE_CHILD_CLEARTID) !== 0) child.clearChildTid = a.childTid;
  if ((f & CLONE_PARENT_SETTID) !== 0) t.mem.writeU32(a.parentTid, tid);
  if ((f & CLONE_CHILD_SETTID) !== 0) t.mem.writeU32(a.childTid, tid);
  proc.threads.push(child);
  k.tasks.set(tid, child);
  k.stats.clones++;

  if ((f & CLONE_VFORK) !== 0 && proc !== parent) {
    proc.vforkDone = new WaitQueue();
    k.sched.enqueue(child);
    t.callState = { child: proc, tid } satisfies VforkWait;
    return waitVfork(k, t, { child: proc, tid });
  }
  k.sched.enqueue(child);
  return tid;
}

/** The vfork parent sleeps (only a fatal signal interrupts it) until the child execs or exits. */
function waitVfork(k: Kernel, t: Task, w: VforkWait): number {
  const q = w.child.vforkDone;
  if (q === null || k.signals.fatalPendingFor(t)) return w.tid;
  t.waitOn(q);
  t.killable = true;
  return BLOCK;
}

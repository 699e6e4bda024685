/**
 * Process syscalls: clone/vfork/fork, execve, exit, ids, process groups and
 * sessions, set_tid_address, robust lists, restart_syscall. (wait4/waitid:
 * wait.ts; kill and friends: kill.ts; prctl and arch_prctl: prctl.ts.)
 */
import { EACCES, E2BIG, EBADF, EINTR, EINVAL, ENAMETOOLONG, ENOENT, EPERM, ERESTART_RESTARTBLOCK, ESRCH } from '../errno.js';
import { MAX_ARG_BYTES, execve as doExecve } from '../exec.js';
import { exitedStatus } from '../exit.js';
import { CLONE_VFORK, CLONE_VM, CSIGNAL, doClone } from '../fork.js';
import { SIGCHLD } from '../signal/defs.js';
import type { Task } from '../task.js';
import { BLOCK } from '../wait.js';
import { findProcess, findThread } from './lookup.js';
import { PATH_MAX, readCString, readStrv } from './util.js';

const MAX_ARG_STRLEN = 32 * 4096;
const MAX_ARG_STRINGS = 0x7fffffff;

// --- creation and exec ---

export function clone(t: Task, flags: number, stack: number, ptid: number, ctid: number, tls: number): number {
  const f = flags >>> 0;
  return doClone(t.kernel, t, { flags: f & ~CSIGNAL, exitSignal: f & CSIGNAL, stack, parentTid: ptid, childTid: ctid, tls });
}

/** struct clone_args (clone3). */
export function clone3(t: Task, args: number, size: number): number {
  if (size < 64 || size > 4096) return -EINVAL;
  const m = t.mem;
  const flags = m.readU64(args);
  const exitSignal = m.readU64(args + 32);
  const stackLo = m.readU64(args + 40);
  const stackSize = m.readU64(args + 48);
  if (flags >= 0x1_0000_0000 || exitSignal > 64) return -EINVAL;
  if ((stackLo === 0) !== (stackSize === 0)) return -EINVAL;
  if (size >= 80 && m.readU64(args + 72) !== 0) return -EINVAL; // set_tid
  return doClone(t.kernel, t, {
    flags, exitSignal, stack: stackLo === 0 ? 0 : stackLo + stackSize,
    parentTid: m.readU64(args + 24), childTid: m.readU64(args + 16), tls: m.readU64(args + 56),
  });
}

/** fork(2) needs an MMU: Linux without one returns EINVAL. */
export function fork(): number { return -EINVAL; }

export function vfork(t: Task): number {
  return doClone(t.kernel, t, { flags: CLONE_VM | CLONE_VFORK, exitSignal: SIGCHLD, stack: 0, parentTid: 0, childTid: 0, tls: 0 });
}

function execCommon(t: Task, path: string | null, argvp: number, envpp: number): number {
  if (path === null) return -ENAMETOOLONG;
  const argv = readStrv(t.mem, argvp, MAX_ARG_STRINGS, MAX_ARG_STRLEN, MAX_ARG_BYTES);
  const envp = readStrv(t.mem, envpp, MAX_ARG_STRINGS, MAX_ARG_STRLEN, MAX_ARG_BYTES);
  if (argv === null || envp === null) return -E2BIG;
  if (path === '') return -ENOENT;
  return doExecve(t.kernel, t, path, argv, envp);
}

export function execve(t: Task, pathp: number, argvp: number, envpp: number): number {
  return execCommon(t, readCString(t.mem, pathp, PATH_MAX), argvp, envpp);
}

const AT_FDCWD = -100, AT_EMPTY_PATH = 0x1000, AT_SYMLINK_NOFOLLOW = 0x100;

export function execveat(t: Task, dirfd: number, pathp: number, argvp: number, envpp: number, flags: number): number {
  if ((flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) !== 0) return -EINVAL;
  const path = readCString(t.mem, pathp, PATH_MAX);
  if (path === null) return -ENAMETOOLONG;
  const fd = dirfd | 0;
  let full = path;
  if (!path.startsWith('/') && fd !== AT_FDCWD) {
    if (t.files.get(fd) === null) return -EBADF;
    if (path === '') {
      if ((flags & AT_EMPTY_PATH) === 0) return -ENOENT;
      full = `/proc/self/fd/${fd}`;
    } else {
      full = `/proc/self/fd/${fd}/${path}`;
    }
  } else if (path === '' && (flags & AT_EMPTY_PATH) !== 0 && fd !== AT_FDCWD) {
    if (t.files.get(fd) === null) return -EBADF;
    full = `/proc/self/fd/${fd}`;
  }
  return execCommon(t, full, argvp, envpp);
}

// --- exit ---

export function exit(t: Task, code: number): number {
  t.kernel.exitThread(t, exitedStatus(code));
  return 0;
}

export function exitGroup(t: Task, code: number): number {
  t.kernel.groupExit(t.proc, exitedStatus(code));
  t.kernel.exitThread(t);
  return 0;
}

// --- ids, groups, sessions ---

export function getpid(t: Task): number { return t.pid; }
export function gettid(t: Task): number { return t.tid; }
export function getppid(t: Task): number { return t.proc.parent?.pid ?? 0; }


export function getpgid(t: Task, pid: number): number {
  const p = findProcess(t, pid | 0);
  return p === null ? -ESRCH : p.pgid;
}

export function getpgrp(t: Task): number { return t.proc.pgid; }

export function getsid(t: Task, pid: number): number {
  const p = findProcess(t, pid | 0);
  return p === null ? -ESRCH : p.sid;
}

export function setpgid(t: Task, pid: number, pgid: number): number {
  const k = t.kernel;
  const self = t.proc;
  const target = (pid | 0) === 0 ? self : findProcess(t, pid | 0);
  let g = pgid | 0;
  if (g < 0) return -EINVAL;
  if (target === null) return -ESRCH;
  if (target !== self) {
    if (target.parent !== self) return -ESRCH;
    if (target.sid !== self.sid) return -EPERM;
    if (target.didExec) return -EACCES;
  }
  if (target.sid === target.pid) return -EPERM;
  if (g === 0) g = target.pid;
  if (g !== target.pid) {
    let ok = false;
    for (const p of k.processes.values()) if (p.pgid === g && p.sid === self.sid && p.state === 'alive') { ok = true; break; }
    if (!ok) return -EPERM;
  }
  target.pgid = g;
  return 0;
}

export function setsid(t: Task): number {
  const self = t.proc;
  for (const p of t.kernel.processes.values()) if (p.pgid === self.pid && p.state !== 'reaped') return -EPERM;
  self.sid = self.pid;
  self.pgid = self.pid;
  self.ctty = null;
  return self.pid;
}

// --- thread bookkeeping ---

export function setTidAddress(t: Task, addr: number): number {
  t.clearChildTid = addr;
  return t.tid;
}

export function setRobustList(t: Task, head: number, len: number): number {
  if (len !== 24) return -EINVAL;
  t.robustList = head;
  t.robustLen = len;
  return 0;
}

export function getRobustList(t: Task, pid: number, headp: number, lenp: number): number {
  const x = (pid | 0) === 0 ? t : findThread(t, 0, pid | 0);
  if (x === null) return -ESRCH;
  t.mem.writeU64(headp, x.robustList);
  t.mem.writeU64(lenp, 24);
  return 0;
}

/** restart_syscall: continue an interrupted sleep where it left off. */
export function restartSyscall(t: Task): number {
  const f = t.restartFn;
  if (f === null) return -EINTR;
  const r = f(t);
  if (r !== BLOCK && r !== -ERESTART_RESTARTBLOCK) t.restartFn = null;
  return r;
}

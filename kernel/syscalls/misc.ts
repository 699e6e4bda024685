/**
 * Scheduling and miscellany: sched_yield, CPU affinity (one CPU), getcpu,
 * priorities and scheduling policies (SCHED_OTHER only), personality,
 * membarrier.
 */
import { EINVAL, EPERM, ESRCH } from '../errno.js';
import type { Task } from '../task.js';

export function schedYield(t: Task): number {
  t.kernel.sched.yieldCurrent();
  return 0;
}

function taskOrSelf(t: Task, pid: number): Task | null {
  return (pid | 0) === 0 ? t : t.kernel.tasks.get(pid | 0) ?? null;
}

/** One CPU: the mask has bit 0 set; the kernel's cpumask is 8 bytes. */
export function schedGetaffinity(t: Task, pid: number, len: number, mask: number): number {
  if (taskOrSelf(t, pid) === null) return -ESRCH;
  const n = len >>> 0;
  if (n < 8 || (n & 7) !== 0) return -EINVAL;
  const b = new Uint8Array(8);
  b[0] = 1;
  t.mem.writeBytes(mask, b);
  return 8;
}

export function schedSetaffinity(t: Task, pid: number, len: number, mask: number): number {
  if (taskOrSelf(t, pid) === null) return -ESRCH;
  const n = Math.min(len >>> 0, 128);
  if (n === 0) return -EINVAL;
  const b = t.mem.readBytes(mask, n);
  return (b[0] & 1) !== 0 ? 0 : -EINVAL;
}

export function getcpu(t: Task, cpu: number, node: number): number {
  if (cpu !== 0) t.mem.writeU32(cpu, 0);
  if (node !== 0) t.mem.writeU32(node, 0);
  return 0;
}

const PRIO_PROCESS = 0, PRIO_PGRP = 1, PRIO_USER = 2;
const nice = new WeakMap<object, number>();

export function getpriority(t: Task, which: number, who: number): number {
  const w = which | 0;
  if (w !== PRIO_PROCESS && w !== PRIO_PGRP && w !== PRIO_USER) return -EINVAL;
  if (w === PRIO_PROCESS) {
    const x = taskOrSelf(t, who);
    if (x === null) return -ESRCH;
    return 20 - (nice.get(x.proc) ?? 0);
  }
  return 20;
}

export function setpriority(t: Task, which: number, who: number, prio: number): number {
  const w = which | 0;
  if (w !== PRIO_PROCESS && w !== PRIO_PGRP && w !== PRIO_USER) return -EINVAL;
  if (w !== PRIO_PROCESS) return 0;
  const x = taskOrSelf(t, who);
  if (x === null) return -ESRCH;
  const n = Math.max(-20, Math.min(19, prio | 0));
  if (n < (nice.get(x.proc) ?? 0) && t.cred.euid !== 0) return -EPERM;
  nice.set(x.proc, n);
  return 0;
}

const SCHED_OTHER = 0, SCHED_FIFO = 1, SCHED_RR = 2, SCHED_BATCH = 3, SCHED_IDLE = 5;

export function schedGetscheduler(t: Task, pid: number): number {
  if ((pid | 0) < 0) return -EINVAL;
  return taskOrSelf(t, pid) === null ? -ESRCH : SCHED_OTHER;
}

export function schedSetscheduler(t: Task, pid: number, policy: number, param: number): number {
  if ((pid | 0) < 0 || param === 0) return -EINVAL;
  if (taskOrSelf(t, pid) === null) return -ESRCH;
  const p = policy | 0;
  const prio = t.mem.readI32(param);
  if (p === SCHED_OTHER || p === SCHED_BATCH || p === SCHED_IDLE) return prio === 0 ? 0 : -EINVAL;
  if (p === SCHED_FIFO || p === SCHED_RR) return prio >= 1 && prio <= 99 ? -EPERM : -EINVAL;
  return -EINVAL;
}

export function schedGetparam(t: Task, pid: number, param: number): number {
  if ((pid | 0) < 0 || param === 0) return -EINVAL;
  if (taskOrSelf(t, pid) === null) return -ESRCH;
  t.mem.writeU32(param, 0);
  return 0;
}

export function schedSetparam(t: Task, pid: number, param: number): number {
  if ((pid | 0) < 0 || param === 0) return -EINVAL;
  if (taskOrSelf(t, pid) === null) return -ESRCH;
  return t.mem.readI32(param) === 0 ? 0 : -EINVAL;
}

export function schedGetPriorityMax(_t: Task, policy: number): number {
  const p = policy | 0;
  if (p === SCHED_FIFO || p === SCHED_RR) return 99;
  if (p === SCHED_OTHER || p === SCHED_BATCH || p === SCHED_IDLE) return 0;
  return -EINVAL;
}

export function schedGetPriorityMin(_t: Task, policy: number): number {
  const p = policy | 0;
  if (p === SCHED_FIFO || p === SCHED_RR) return 1;
  if (p === SCHED_OTHER || p === SCHED_BATCH || p === SCHED_IDLE) return 0;
  return -EINVAL;
}

export function schedRrGetInterval(t: Task, pid: number, tp: number): number {
  if ((pid | 0) < 0) return -EINVAL;
  if (taskOrSelf(t, pid) === null) return -ESRCH;
  t.mem.writeU64(tp, 0);
  t.mem.writeU64(tp + 8, 100_000_000);
  return 0;
}

const personalities = new WeakMap<object, number>();

export function personality(t: Task, persona: number): number {
  const old = personalities.get(t.proc) ?? 0;
  if ((persona >>> 0) !== 0xffffffff) personalities.set(t.proc, persona >>> 0);
  return old;
}

const MEMBARRIER_CMD_QUERY = 0;
/** Every command is a no-op on one CPU; QUERY reports the common ones. */
const MEMBARRIER_SUPPORTED = 0x1 | 0x8 | 0x10;

export function membarrier(_t: Task, cmd: number, flags: number): number {
  if ((flags | 0) !== 0 && (cmd | 0) !== 0x80) return -EINVAL;
  if ((cmd | 0) === MEMBARRIER_CMD_QUERY) return MEMBARRIER_SUPPORTED;
  if (((cmd | 0) & MEMBARRIER_SUPPORTED) === (cmd | 0) || (cmd | 0) === 0x20) return 0;
  return -EINVAL;
}

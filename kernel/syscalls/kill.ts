/**
 * Signals to other processes and threads: kill (pid, group, everyone),
 * tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo.
 */
import { EINVAL, EPERM, ESRCH } from '../errno.js';
import { SI_QUEUE, SI_TKILL, SI_USER, validSignal } from '../signal/defs.js';
import { readSigInfo } from '../signal/siginfo.js';
import type { Process, Task } from '../task.js';
import { findProcess, findThread } from './lookup.js';

export function kill(t: Task, pid: number, sig: number): number {
  const k = t.kernel;
  const s = sig | 0;
  if (s < 0 || s > 64) return -EINVAL;
  const p = pid | 0;
  const info = { signo: s, code: SI_USER, pid: t.pid, uid: t.cred.uid };
  const targets: Process[] = [];
  if (p > 0) {
    const q = findProcess(t, p);
    if (q === null) return -ESRCH;
    targets.push(q);
  } else {
    if (p === -2147483648) return -ESRCH;
    const g = p === 0 ? t.proc.pgid : -p;
    for (const q of k.processes.values()) {
      if (q.state === 'reaped') continue;
      if (p === -1 ? q.pid !== 1 && q !== t.proc : q.pgid === g) targets.push(q);
    }
    if (targets.length === 0) return -ESRCH;
  }
  if (s !== 0) for (const q of targets) k.signals.sendToProcess(q, s, { ...info });
  return 0;
}


export function tkill(t: Task, tid: number, sig: number): number {
  if ((tid | 0) <= 0) return -EINVAL;
  if (!validSignal(sig | 0) && (sig | 0) !== 0) return -EINVAL;
  const x = findThread(t, 0, tid | 0);
  if (x === null) return -ESRCH;
  if ((sig | 0) !== 0) t.kernel.signals.sendToThread(x, sig | 0, { signo: sig | 0, code: SI_TKILL, pid: t.pid, uid: t.cred.uid });
  return 0;
}

export function tgkill(t: Task, tgid: number, tid: number, sig: number): number {
  if ((tid | 0) <= 0 || (tgid | 0) <= 0) return -EINVAL;
  if (!validSignal(sig | 0) && (sig | 0) !== 0) return -EINVAL;
  const x = findThread(t, tgid | 0, tid | 0);
  if (x === null) return -ESRCH;
  if ((sig | 0) !== 0) t.kernel.signals.sendToThread(x, sig | 0, { signo: sig | 0, code: SI_TKILL, pid: t.pid, uid: t.cred.uid });
  return 0;
}

/** rt_sigqueueinfo: a signal with a caller-supplied siginfo (si_code must be negative, as for sigqueue). */
export function rtSigqueueinfo(t: Task, pid: number, sig: number, uinfo: number): number {
  const info = readSigInfo(t.mem, uinfo);
  if (!validSignal(sig | 0)) return -EINVAL;
  if (info.code >= 0 || info.code === SI_TKILL) return -EPERM;
  const p = findProcess(t, pid | 0);
  if (p === null || (pid | 0) <= 0) return -ESRCH;
  t.kernel.signals.sendToProcess(p, sig | 0, { ...info, signo: sig | 0 });
  return 0;
}

export function rtTgsigqueueinfo(t: Task, tgid: number, tid: number, sig: number, uinfo: number): number {
  const info = readSigInfo(t.mem, uinfo);
  if (!validSignal(sig | 0)) return -EINVAL;
  if ((tid | 0) <= 0 || (tgid | 0) <= 0) return -EINVAL;
  if ((info.code >= 0 || info.code === SI_TKILL) && (tgid | 0) !== t.pid) return -EPERM;
  const x = findThread(t, tgid | 0, tid | 0);
  if (x === null) return -ESRCH;
  t.kernel.signals.sendToThread(x, sig | 0, { ...info, signo: sig | 0, code: info.code === 0 ? SI_QUEUE : info.code });
  return 0;
}


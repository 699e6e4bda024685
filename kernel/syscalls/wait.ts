/**
 * wait4 and waitid (kernel/exit.c do_wait): exited children are reaped,
 * stopped and continued ones reported once (WUNTRACED, WCONTINUED), clone
 * children only with __WCLONE/__WALL; the caller sleeps on its process's
 * child-wait queue until a child changes state.
 */
import { EBADF, ECHILD, EINVAL, ERESTARTSYS, ESRCH } from '../errno.js';
import { CONTINUED_STATUS, reap, stoppedStatus } from '../exit.js';
import { CLD_CONTINUED, CLD_DUMPED, CLD_EXITED, CLD_KILLED, CLD_STOPPED, SIGCHLD } from '../signal/defs.js';
import { writeSigInfo } from '../signal/siginfo.js';
import type { Process, Task } from '../task.js';
import { BLOCK } from '../wait.js';
import { writeTimeval } from './util.js';

const WNOHANG = 1, WUNTRACED = 2, WEXITED = 4, WCONTINUED = 8, WNOWAIT = 0x01000000;
const __WNOTHREAD = 0x20000000, __WALL = 0x40000000, __WCLONE = 0x80000000;

interface WaitOpts {
  /** Which children: by pid, by pgid (negative), or all (null). */
  pid: number | null;
  pgid: number | null;
  options: number;
}

interface WaitResult { child: Process; status: number; code: number; kind: 'exit' | 'stop' | 'cont' }

function eligible(c: Process, w: WaitOpts): boolean {
  if (w.pid !== null && c.pid !== w.pid) return false;
  if (w.pgid !== null && c.pgid !== w.pgid) return false;
  if ((w.options & __WALL) !== 0) return true;
  return (c.exitSignal !== SIGCHLD) === ((w.options & __WCLONE) !== 0);
}

/** do_wait's scan: a child to report, 'none' (no eligible child), or 'wait'. */
function scan(t: Task, w: WaitOpts): WaitResult | 'none' | 'wait' {
  let any = false;
  for (const c of t.proc.children) {
    if (!eligible(c, w)) continue;
    any = true;
    if (c.state === 'zombie' && (w.options & WEXITED) !== 0) {
      const sig = c.exitStatus & 0x7f;
      const code = sig === 0 ? CLD_EXITED : (c.exitStatus & 0x80) !== 0 ? CLD_DUMPED : CLD_KILLED;
      return { child: c, status: c.exitStatus, code, kind: 'exit' };
    }
    if (c.state !== 'alive' || c.report === null) continue;
    if (c.report.kind === 'stopped' && (w.options & WUNTRACED) !== 0 && c.stopped) {
      return { child: c, status: stoppedStatus(c.report.sig), code: CLD_STOPPED, kind: 'stop' };
    }
    if (c.report.kind === 'continued' && (w.options & WCONTINUED) !== 0) {
      return { child: c, status: CONTINUED_STATUS, code: CLD_CONTINUED, kind: 'cont' };
    }
  }
  return any ? 'wait' : 'none';
}

function consume(t: Task, r: WaitResult, nowait: boolean): void {
  if (nowait) return;
  if (r.kind === 'exit') reap(t.kernel, r.child);
  else r.child.report = null;
}

/** struct rusage (x86-64): two timevals, then 14 longs. */
export const RUSAGE = { utime: 0, stime: 16, maxrss: 32, nvcsw: 128, nivcsw: 136, size: 144 } as const;

export function writeRusage(t: Task, addr: number, utimeNs: number, stimeNs: number, maxrssKb: number, nvcsw = 0, nivcsw = 0): void {
  t.mem.writeBytes(addr, new Uint8Array(RUSAGE.size));
  writeTimeval(t.mem, addr + RUSAGE.utime, utimeNs);
  writeTimeval(t.mem, addr + RUSAGE.stime, stimeNs);
  t.mem.writeU64(addr + RUSAGE.maxrss, maxrssKb);
  t.mem.writeU64(addr + RUSAGE.nvcsw, nvcsw);
  t.mem.writeU64(addr + RUSAGE.nivcsw, nivcsw);
}

function waitCommon(t: Task, w: WaitOpts, report: (r: WaitResult) => number): number {
  const r = scan(t, w);
  if (r === 'none') return -ECHILD;
  if (r !== 'wait') return report(r);
  if ((w.options & WNOHANG) !== 0) return 0;
  if (t.signalPending()) return -ERESTARTSYS;
  t.waitOn(t.proc.childWait);
  return BLOCK;
}

export function wait4(t: Task, pid: number, wstatus: number, options: number, rusage: number): number {
  const opt = options >>> 0;
  if ((opt & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL)) !== 0) return -EINVAL;
  const p = pid | 0;
  // INT_MIN cannot be negated into a pgid.
  if (p === -2147483648) return -ESRCH;
  const w: WaitOpts = {
    pid: p > 0 ? p : null,
    pgid: p === 0 ? t.proc.pgid : p < -1 ? -p : null,
    options: opt | WEXITED,
  };
  return waitCommon(t, w, (r) => {
    if (wstatus !== 0) t.mem.writeU32(wstatus, r.status);
    if (rusage !== 0) {
      const { utimeNs, stimeNs } = r.child.cpuTimes();
      writeRusage(t, rusage, utimeNs + r.child.cutimeNs, stimeNs + r.child.cstimeNs, 0);
    }
    consume(t, r, false);
    return r.child.pid;
  });
}

const P_ALL = 0, P_PID = 1, P_PGID = 2, P_PIDFD = 3;

export function waitid(t: Task, idtype: number, id: number, infop: number, options: number, rusage: number): number {
  const opt = options >>> 0;
  if ((opt & ~(WNOHANG | WNOWAIT | WEXITED | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL)) !== 0) return -EINVAL;
  if ((opt & (WEXITED | WUNTRACED | WCONTINUED)) === 0) return -EINVAL;
  let w: WaitOpts;
  switch (idtype | 0) {
    case P_ALL: w = { pid: null, pgid: null, options: opt }; break;
    case P_PID: if ((id | 0) <= 0) return -EINVAL; w = { pid: id | 0, pgid: null, options: opt }; break;
    case P_PGID: if ((id | 0) < 0) return -EINVAL; w = { pid: null, pgid: (id | 0) === 0 ? t.proc.pgid : id | 0, options: opt }; break;
    case P_PIDFD: return -EBADF;
    default: return -EINVAL;
  }
  let reported = false;
  const res = waitCommon(t, w, (r) => {
    reported = true;
    if (infop !== 0) {
      const sig = r.status & 0x7f;
      writeSigInfo(t.mem, infop, {
        signo: SIGCHLD, code: r.code, pid: r.child.pid, uid: r.child.cred.uid,
        status: r.kind === 'exit' ? (sig === 0 ? (r.status >> 8) & 0xff : sig) : r.kind === 'stop' ? (r.status >> 8) & 0xff : SIGCHLD_CONT,
      });
    }
    if (rusage !== 0) {
      const { utimeNs, stimeNs } = r.child.cpuTimes();
      writeRusage(t, rusage, utimeNs, stimeNs, 0);
    }
    consume(t, r, (opt & WNOWAIT) !== 0);
    return 0;
  });
  // WNOHANG with nothing to report: the siginfo is zeroed (si_signo and si_pid 0).
  if (res === 0 && !reported && infop !== 0) writeSigInfo(t.mem, infop, { signo: 0, code: 0, pid: 0, uid: 0 });
  return res;
}
/** waitid reports SIGCONT as the status of a continued child. */
const SIGCHLD_CONT = 18;


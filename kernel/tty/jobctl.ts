/**
 * What the terminal needs from the kernel core: the calling task, process
 * groups and sessions, signal delivery, and the controlling-terminal link.
 * The tty keeps its own side of job control (its session and foreground
 * process group, tty->session and tty->pgrp in Linux); the core keeps each
 * process's side (signal->tty, here Process.ctty).
 */
import type { GuestMemory } from '../../cpu/index.js';
import { EIO, ERESTARTSYS } from '../errno.js';
import { SIGTTIN } from '../signal/defs.js';

/** The task as the tty sees it; the kernel's Task satisfies this structurally. */
export interface TtyTask {
  /** Thread group id. */
  readonly pid: number;
  readonly mem: GuestMemory;
  /** Monotonic time of the first attempt of the current syscall (VTIME timeouts are relative to it). */
  readonly callStartNs: number;
  /** Wake the task at this monotonic time if nothing else did (the BLOCK convention of kernel/wait.ts). */
  waitDeadline(monotonicNs: number): void;
}

/** Implemented by the kernel core (an adapter over Kernel, Process and Signals). */
export interface TtyJobControl {
  /** The task executing the current syscall (FileOps.read/write get no task argument). */
  current(): TtyTask | null;
  /** The kernel's monotonic clock, ns (the one task deadlines use). */
  nowNs(): number;
  /** Process group id of the task's process. */
  pgrpOf(t: TtyTask): number;
  /** Session id of the task's process. */
  sessionOf(t: TtyTask): number;
  /** Whether the task's process leads its session (pid === sid). */
  isSessionLeader(t: TtyTask): boolean;
  /** The process's controlling terminal (Process.ctty), null for none. */
  cttyOf(t: TtyTask): unknown;
  /** Sets or clears the process's controlling terminal. */
  setCtty(t: TtyTask, tty: unknown): void;
  /** The session of process group `pgrp` (or of process `pgrp` when no group has that id, as session_of_pgrp does), -1 when neither exists. */
  sessionOfPgrp(pgrp: number): number;
  /** kill_pgrp(pgrp, sig, 1): a signal from the kernel to every process of the group. */
  signalPgrp(pgrp: number, sig: number): void;
  /** Whether no process of the group has a parent in another group of the same session (will_become_orphaned_pgrp). */
  isOrphanedPgrp(pgrp: number): boolean;
  /** is_ignored: the task blocks `sig` or its disposition is SIG_IGN. */
  isIgnoredOrBlocked(t: TtyTask, sig: number): boolean;
  /** CAP_SYS_ADMIN (the guest's root): may steal a terminal with TIOCSCTTY 1. */
  isPrivileged(t: TtyTask): boolean;
}

/** The job-control state one terminal keeps. */
export interface TtyJobState {
  /** Session the terminal controls, 0 for none (tty->session). */
  session: number;
  /** Foreground process group, 0 for none (tty->pgrp). */
  pgrp: number;
}

/**
 * __tty_check_change: may `t` act on `tty` (read for SIGTTIN; write with
 * TOSTOP, set termios, flush, set the foreground group for SIGTTOU)? 0 when
 * allowed; otherwise the signal goes to the caller's process group and the
 * call ends with -ERESTARTSYS (so it restarts once the job is continued in
 * the foreground), or -EIO when the signal would be lost.
 */
export function checkChange(jc: TtyJobControl, tty: unknown, st: TtyJobState, t: TtyTask, sig: number): number {
  if (jc.cttyOf(t) !== tty || st.session === 0 || jc.sessionOf(t) !== st.session) return 0;
  const pgrp = jc.pgrpOf(t);
  if (st.pgrp === 0 || pgrp === st.pgrp) return 0;
  if (jc.isIgnoredOrBlocked(t, sig)) return sig === SIGTTIN ? -EIO : 0;
  if (jc.isOrphanedPgrp(pgrp)) return -EIO;
  jc.signalPgrp(pgrp, sig);
  return -ERESTARTSYS;
}

/** Whether `tty` is the controlling terminal of t's process (signal->tty == tty, and the session still holds it). */
export function isControlling(jc: TtyJobControl, tty: unknown, st: TtyJobState, t: TtyTask): boolean {
  return st.session !== 0 && jc.cttyOf(t) === tty && jc.sessionOf(t) === st.session;
}

/**
 * Tasks and processes. A Task is one thread of execution (registers, signal
 * mask, thread-directed pending signals, its place in the scheduler); a
 * Process is a thread group (pid = tgid): the memory it owns, signal
 * dispositions, the shared pending queue, parent and children, process group
 * and session, credentials and limits. The Task implements the filesystem's
 * FsTask structurally.
 */
import { CpuContext } from '../cpu/context.js';
import type { GuestMemory } from '../cpu/memory.js';
import type { FdTable, FsState, Vfs } from './fs/index.js';
import type { Kernel } from './kernel.js';
import type { Mm } from './mm.js';
import { SIGCHLD, SS_DISABLE } from './signal/defs.js';
import { SigHand, SigPending } from './signal/state.js';
import { SigSet } from './signal/sigset.js';
import { WaitQueue } from './wait.js';

export interface Cred {
  uid: number; gid: number; euid: number; egid: number; suid: number; sgid: number;
  fsuid: number; fsgid: number; groups: number[];
}

export function rootCred(): Cred {
  return { uid: 0, gid: 0, euid: 0, egid: 0, suid: 0, sgid: 0, fsuid: 0, fsgid: 0, groups: [] };
}

export const enum TaskState {
  Runnable = 0,
  /** Sleeping in a syscall that will be retried when woken. */
  Blocked = 1,
  /** Its process is stopped (SIGSTOP and friends); resumes on SIGCONT. */
  Stopped = 2,
  Dead = 3,
}

/** A syscall in progress: retried with the same arguments after a wake-up. */
export interface SyscallCall {
  nr: number;
  args: [number, number, number, number, number, number];
}

/** Resource limits (include/uapi/asm-generic/resource.h). */
export const RLIMIT_CPU = 0, RLIMIT_FSIZE = 1, RLIMIT_DATA = 2, RLIMIT_STACK = 3, RLIMIT_CORE = 4;
export const RLIMIT_RSS = 5, RLIMIT_NPROC = 6, RLIMIT_NOFILE = 7, RLIMIT_MEMLOCK = 8, RLIMIT_AS = 9;
export const RLIMIT_LOCKS = 10, RLIMIT_SIGPENDING = 11, RLIMIT_MSGQUEUE = 12, RLIMIT_NICE = 13;
export const RLIMIT_RTPRIO = 14, RLIMIT_RTTIME = 15, RLIM_NLIMITS = 16;
/** RLIM_INFINITY as a double (2^64 - 1 is not representable; the syscall layer writes all-ones for it). */
export const RLIM_INFINITY = Infinity;

export function defaultRlimits(stackBytes: number): Array<[number, number]> {
  const r: Array<[number, number]> = [];
  for (let i = 0; i < RLIM_NLIMITS; i++) r.push([RLIM_INFINITY, RLIM_INFINITY]);
  r[RLIMIT_STACK] = [stackBytes, RLIM_INFINITY];
  r[RLIMIT_CORE] = [0, RLIM_INFINITY];
  r[RLIMIT_NOFILE] = [1024, 4096];
  r[RLIMIT_NPROC] = [4096, 4096];
  r[RLIMIT_SIGPENDING] = [4096, 4096];
  r[RLIMIT_MEMLOCK] = [8 << 20, 8 << 20];
  r[RLIMIT_MSGQUEUE] = [819200, 819200];
  return r;
}

/** A pending job-control notification for wait4 (WUNTRACED / WCONTINUED). */
export type JobReport = { kind: 'stopped'; sig: number } | { kind: 'continued' } | null;

export class Process {
  parent: Process | null;
  readonly children = new Set<Process>();
  readonly threads: Task[] = [];
  pgid: number;
  sid: number;
  mm: Mm;
  sighand: SigHand;
  readonly sharedPending = new SigPending();
  cred: Cred;
  /** The signal sent to the parent at exit (clone's low byte; SIGCHLD for vfork and posix_spawn). */
  exitSignal = SIGCHLD;
  state: 'alive' | 'zombie' | 'reaped' = 'alive';
  /** A group exit is under way (exit_group, a fatal signal, exec from another thread). */
  exiting = false;
  /** The wait(2) status once exiting. */
  exitStatus = 0;
  /** Stopped by a stop signal (all threads parked). */
  stopped = false;
  report: JobReport = null;
  /** wait4/waitid callers of this process sleep here; woken when a child changes state. */
  readonly childWait = new WaitQueue();
  /** Set while this process is a vfork child whose parent still waits; woken at exec or exit. */
  vforkDone: WaitQueue | null = null;
  /** Thread name of the main thread is kept on the task; this is the executable's base name (for ps). */
  exe = '';
  cmdline: Uint8Array = new Uint8Array(0);
  environ: Uint8Array = new Uint8Array(0);
  rlimits: Array<[number, number]>;
  /** ITIMER_REAL: interval and the absolute expiry (monotonic ns), Infinity when disarmed. */
  itimerReal = { intervalNs: 0, deadlineNs: Infinity, cancel: null as (() => void) | null };
  /** CPU time of reaped children (for times() and RUSAGE_CHILDREN). */
  cutimeNs = 0;
  cstimeNs = 0;
  /** Exited threads' CPU time, so the process total survives them. */
  deadUtimeNs = 0;
  deadStimeNs = 0;
  readonly startNs: number;
  /** Controlling terminal (opaque to the core; the tty layer sets it). */
  ctty: unknown = null;
  /** Whether this process exec'd since its fork (setpgid on a child after exec gives EACCES). */
  didExec = false;
  /** Number of times the process (image) exec'd — for /proc/PID/stat-like bookkeeping. */
  personality = 0;
  /** Minor faults etc. are meaningless here; kept at 0 for getrusage. */
  nvcsw = 0;
  nivcsw = 0;

  constructor(readonly kernel: Kernel, readonly pid: number, parent: Process | null, mm: Mm, sighand: SigHand,
    cred: Cred, rlimits: Array<[number, number]>) {
    this.parent = parent;
    this.pgid = parent?.pgid ?? pid;
    this.sid = parent?.sid ?? pid;
    this.mm = mm;
    this.sighand = sighand;
    this.cred = cred;
    this.rlimits = rlimits;
    this.startNs = kernel.clock.monotonicNs();
  }

  get mainThread(): Task | null { return this.threads[0] ?? null; }
  get liveThreads(): Task[] { return this.threads.filter((t) => t.state !== TaskState.Dead); }

  /** User and system CPU time of the whole group, ns. */
  cpuTimes(): { utimeNs: number; stimeNs: number } {
    let u = this.deadUtimeNs, s = this.deadStimeNs;
    for (const t of this.threads) { u += t.utimeNs; s += t.stimeNs; }
    return { utimeNs: u, stimeNs: s };
  }
}

export class Task {
  readonly ctx = new CpuContext();
  /**
   * The register file syscalls and signal code work on (Linux's pt_regs).
   * It is ctx itself on the zpoline path; on the trap path it is a saved copy
   * for the duration of the syscall, copied back on return to user mode, as
   * a ptrace-based kernel does with GETREGS/SETREGS.
   */
  regs: CpuContext = this.ctx;
  private trapFrameCtx: CpuContext | null = null;
  state = TaskState.Runnable;
  /** Thread name (comm): 15 bytes at most. */
  comm = '';
  blocked = new SigSet();
  readonly pending = new SigPending();
  /** The mask to restore after a syscall that swapped in a temporary one (sigsuspend, ppoll). */
  savedMask: SigSet | null = null;
  altstack = { sp: 0, size: 0, flags: SS_DISABLE };
  clearChildTid = 0;
  robustList = 0;
  robustLen = 0;
  /** The syscall being executed or retried, null in user mode. */
  call: SyscallCall | null = null;
  /** Per-call scratch kept across retries of the same call (a vfork child, a futex waiter, a deadline). */
  callState: unknown = undefined;
  /**
   * Monotonic time of the first attempt of the current call (timeouts are
   * relative to it), read from the clock when a handler first asks: a clock
   * read costs more than a cheap syscall, and most calls never ask. Entry
   * clears it; retries of the same call keep it.
   */
  get callStartNs(): number {
    if (this.callStart < 0) this.callStart = this.kernel.clock.monotonicNs();
    return this.callStart;
  }
  /** callStartNs once read, -1 before (set by the dispatcher at each call's entry). */
  callStart = -1;
  /** The syscall number for restart decisions (orig_ax); -1 when not returning from a syscall. */
  origRax = -1;
  /** restart_syscall's continuation (restart_block), set by calls returning -ERESTART_RESTARTBLOCK. */
  restartFn: ((t: Task) => number) | null = null;
  /** Trap number / error code / cr2 of the last CPU fault, for the signal frame's sigcontext. */
  fault = { trapno: 0, err: 0, cr2: 0 };
  utimeNs = 0;
  stimeNs = 0;
  readonly startNs: number;
  /** Wake-up registrations of the current sleep. */
  private unwaits: Array<() => void> = [];
  /** Absolute monotonic deadline of the current sleep, Infinity for none. */
  deadline = Infinity;
  /** Woken whenever a signal is queued for this task (rt_sigtimedwait sleeps here). */
  readonly signalWait = new WaitQueue();
  /** Why the task was last woken, for handlers that care (a timeout vs a wake). */
  timedOut = false;
  /** The current sleep is killable only (TASK_KILLABLE: vfork): ordinary signals do not end it. */
  killable = false;
  files: FdTable;
  fs: FsState;
  private readonly waker = (): void => { this.kernel.sched.wake(this); };

  constructor(readonly kernel: Kernel, public tid: number, public proc: Process, files: FdTable, fs: FsState) {
    this.files = files;
    this.fs = fs;
    this.startNs = kernel.clock.monotonicNs();
  }

  get pid(): number { return this.proc.pid; }
  get mem(): GuestMemory { return this.kernel.mem; }
  get cred(): Cred { return this.proc.cred; }
  get vfs(): Vfs { return this.kernel.vfs; }
  get isGroupLeader(): boolean { return this.tid === this.proc.pid; }

  /** The trap-path register copy (allocated once per task). */
  trapFrame(): CpuContext {
    if (this.trapFrameCtx === null) this.trapFrameCtx = new CpuContext();
    return this.trapFrameCtx;
  }

  // --- sleeping (the BLOCK convention of kernel/wait.ts) ---

  waitOn(q: WaitQueue): void { this.unwaits.push(q.add(this.waker)); }

  waitDeadline(monotonicNs: number): void {
    if (monotonicNs < this.deadline) this.deadline = monotonicNs;
  }

  /** Registers a cleanup to run when the current sleep ends (a timer to cancel). */
  onWakeCleanup(f: () => void): void { this.unwaits.push(f); }

  /** Drops every registration of the current sleep (called when woken). */
  clearWaits(): void {
    const u = this.unwaits;
    this.unwaits = [];
    for (const f of u) f();
    this.deadline = Infinity;
    this.killable = false;
  }

  get sleepsOnSomething(): boolean { return this.unwaits.length > 0 || this.deadline !== Infinity; }

  // --- signals as the filesystem code sees them ---

  signalPending(): boolean { return this.kernel.signals.pendingFor(this); }

  sendSignal(sig: number): void { this.kernel.signals.sendToThread(this, sig, null); }

  setTemporarySigmask(maskLo: number, maskHi: number): void {
    if (this.savedMask === null) this.savedMask = this.blocked.copy();
    this.blocked = new SigSet(maskLo >>> 0, maskHi >>> 0).dropUnblockable();
  }
}

/**
 * The cooperative scheduler (DESIGN.md decision 10). One JavaScript thread
 * runs every guest task in instruction-budget slices, handles the CPU's exit
 * reasons (gate, syscall trap, fault, budget, hlt), keeps sleeping tasks on
 * wait queues and deadlines, and when nothing is runnable awaits host events
 * (timers, host I/O) instead of spinning.
 */
import { ExitReason } from '../cpu/exit.js';
import { GATE_CONTINUE, GATE_DEFER, GATE_EXIT, type CpuContext, type GateHandler } from '../cpu/index.js';
import type { Kernel } from './kernel.js';
import type { Task } from './task.js';
import { TaskState } from './task.js';
import { SIGSEGV, SI_KERNEL } from './signal/defs.js';
import { ERESTARTSYS, ERESTART_RESTARTBLOCK } from './errno.js';

/** Instructions per slice before another task gets the CPU. */
export const SLICE_INSNS = 200_000;
/** Host milliseconds of guest execution between yields to the Node event loop. */
const YIELD_MS = 20;

export class Scheduler implements GateHandler {
  /** Runnable tasks in FIFO order (head index avoids O(n) shifts). */
  private queue: Task[] = [];
  private head = 0;
  private readonly queued = new Set<Task>();
  /** The task whose slice is running, null between slices. */
  current: Task | null = null;
  private idleWake: (() => void) | null = null;
  /** Host time spent waiting for events (for stats). */
  idleMs = 0;
  slices = 0;
  /** Set by sched_yield: the current slice ends after the syscall. */
  private yieldNow = false;
  /** Clock at the start of the running slice (or its last accounting), and the task's system time then. */
  private sliceStartNs = 0;
  private sliceStimeNs = 0;

  constructor(private readonly k: Kernel) {}

  /**
   * Cpu.gate: the zpoline call handled inside the CPU's run loop. The call is
   * dispatched as runSlice would; user code goes on without leaving the CPU
   * only when runSlice would have nothing else to do: the task is still the
   * running one, runnable, on its own registers, with no call left to retry,
   * no signal or stop to handle, no general register replaced beyond the
   * call's result, rcx, r11 and the return address's pop (exec, sigreturn
   * replace them: Cpu.gate's promise), and no reason to end the slice.
   */
  onGate(ctx: CpuContext): number {
    const t = this.current;
    if (t === null || t.ctx !== ctx) return GATE_DEFER;
    const replaced = ctx.gprReplaced;
    this.k.syscalls.enterGate(t);
    if (this.current !== t || t.state !== TaskState.Runnable || t.call !== null || t.regs !== ctx || t.ctx !== ctx ||
      ctx.gprReplaced !== replaced || this.yieldNow || this.k.finished || !this.quietReturn(t)) return GATE_EXIT;
    t.origRax = -1;
    return GATE_CONTINUE;
  }

  enqueue(t: Task): void {
    if (this.queued.has(t) || t.state !== TaskState.Runnable) return;
    this.queued.add(t);
    this.queue.push(t);
    this.kick();
  }

  unqueue(t: Task): void {
    if (!this.queued.delete(t)) return;
    const i = this.queue.indexOf(t, this.head);
    if (i >= 0) this.queue.splice(i, 1);
  }

  private dequeue(): Task | null {
    while (this.head < this.queue.length) {
      const t = this.queue[this.head++];
      if (this.head > 1024 && this.head * 2 > this.queue.length) { this.queue = this.queue.slice(this.head); this.head = 0; }
      if (!this.queued.delete(t)) continue;
      return t;
    }
    return null;
  }

  get runnable(): number { return this.queued.size; }

  /** Resolves a pending idle wait: something may be runnable now. */
  kick(): void {
    const w = this.idleWake;
    if (w !== null) { this.idleWake = null; w(); }
  }

  /** A handler returned BLOCK: sleep until a queue wakes, the deadline passes or a signal comes. */
  block(t: Task): void {
    t.state = TaskState.Blocked;
    t.timedOut = false;
    if (t.deadline !== Infinity) {
      const at = t.deadline;
      t.onWakeCleanup(this.k.timers.add(at, () => { t.timedOut = true; this.wake(t); }));
    }
    // A signal that arrived while the handler ran must not be slept through.
    if (t.killable ? this.k.signals.fatalPendingFor(t) : this.k.signals.pendingFor(t)) this.wake(t);
  }

  /** Makes a sleeping task runnable; its syscall is retried when it next runs. */
  wake(t: Task): void {
    if (t.state !== TaskState.Blocked) return;
    t.clearWaits();
    t.state = t.proc.stopped ? TaskState.Stopped : TaskState.Runnable;
    if (t.state === TaskState.Runnable) this.enqueue(t);
  }

  /** Runs until the kernel is finished. */
  async run(): Promise<void> {
    let lastYield = performance.now();
    while (!this.k.finished) {
      this.k.timers.runExpired(this.k.clock.monotonicNs());
      const t = this.dequeue();
      if (t === null) {
        await this.idle();
        lastYield = performance.now();
        continue;
      }
      try {
        this.runSlice(t);
      } catch (e) {
        // A kernel bug outside a syscall handler: report it, end that guest process, keep serving the others.
        process.stderr.write(`nommu-um: kernel bug while running pid ${t.pid} (tid ${t.tid}): ${(e as Error).stack ?? String(e)}\n`);
        this.k.groupExit(t.proc, SIGSEGV);
        this.k.exitThread(t);
      }
      const now = performance.now();
      if (now - lastYield > YIELD_MS) {
        await new Promise<void>((r) => setImmediate(r));
        lastYield = performance.now();
      }
    }
  }

  /** Nothing runnable: wait for the next deadline or a wake from host I/O. */
  private async idle(): Promise<void> {
    const next = this.k.timers.next;
    if (next !== Infinity && this.k.clock.deterministic) {
      this.k.clock.advanceTo(next);
      return;
    }
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | null = null;
      this.idleWake = () => { if (timer !== null) clearTimeout(timer); resolve(); };
      if (next !== Infinity) {
        const ms = Math.max(0, (next - this.k.clock.monotonicNs()) / 1e6);
        timer = setTimeout(() => { this.idleWake = null; resolve(); }, Math.ceil(ms));
      }
    });
    this.idleMs += performance.now() - t0;
  }

  yieldCurrent(): void { this.yieldNow = true; }

  /** Whether the scheduler is waiting with nothing runnable and nothing scheduled (a guest deadlock unless host I/O comes). */
  get stalled(): boolean { return this.idleWake !== null && this.k.timers.next === Infinity; }

  /**
   * One slice of t: finish a blocked syscall, then run guest code until the
   * budget is spent or t sleeps. CPU time is read from the clock at the
   * slice's ends and at syscalls that read or finish it (accountTimes), not
   * around every run of the CPU: a clock read costs more than a cheap syscall.
   */
  runSlice(t: Task): void {
    this.current = t;
    this.slices++;
    this.sliceStartNs = this.k.clock.monotonicNs();
    this.sliceStimeNs = t.stimeNs;
    try {
      if (t.call !== null) {
        this.k.syscalls.resume(t);
        if (t.state !== TaskState.Runnable) return;
      }
      if (!this.toUser(t)) return;
      let budget = SLICE_INSNS;
      const ctx = t.ctx;
      const cpu = this.k.cpu;
      const syscalls = this.k.syscalls;
      cpu.gate = this;
      while (budget > 0) {
        const before = ctx.retired;
        const reason = cpu.run(ctx, budget);
        budget -= ctx.retired - before;
        if (reason === ExitReason.Gate) {
          syscalls.enterGate(t);
        } else if (reason === ExitReason.GateDone) {
          // Dispatched inside cpu.run (onGate): only the return to user mode is left.
        } else if (reason === ExitReason.SyscallTrap) {
          syscalls.enterTrap(t);
        } else if (reason === ExitReason.Fault) {
          this.accountTimes(t);
          this.fault(t);
        } else if (reason === ExitReason.Halt) {
          // hlt is privileged: a general protection fault, SIGSEGV with SI_KERNEL.
          t.fault = { trapno: 13, err: 0, cr2: 0 };
          this.k.signals.force(t, { signo: SIGSEGV, code: SI_KERNEL, addr: 0 });
        }
        if (t.state !== TaskState.Runnable) return;
        if (reason !== ExitReason.Budget) {
          // The common return from a syscall: nothing for exitToUser to do, so skip it.
          if (this.quietReturn(t)) {
            t.origRax = -1;
            if (t.regs !== ctx) syscalls.leaveKernel(t);
          } else {
            this.accountTimes(t);
            if (!this.toUser(t)) return;
          }
        }
        if (this.k.finished) return;
        if (this.yieldNow) { this.yieldNow = false; break; }
      }
      // Slice boundary: signals that arrived meanwhile are delivered here.
      if (!this.toUser(t)) return;
      this.enqueue(t);
    } finally {
      this.accountTimes(t);
      this.current = null;
    }
  }

  /**
   * Charges the running slice's time so far to t: the system time the
   * dispatcher measured (or sampled) meanwhile, the rest as user time. Under
   * --deterministic the clock is the instruction count, so user time is exact.
   */
  accountTimes(t: Task): void {
    if (t !== this.current) return;
    const now = this.k.clock.monotonicNs();
    // A task that exited had its times folded into its process (exitThread): nothing more to charge.
    if (t.state === TaskState.Dead) { this.sliceStartNs = now; this.sliceStimeNs = t.stimeNs; return; }
    const elapsed = Math.max(0, now - this.sliceStartNs);
    let sys = Math.max(0, t.stimeNs - this.sliceStimeNs);
    // Sampled system time is an estimate: never more than the time that passed.
    if (sys > elapsed) { t.stimeNs = this.sliceStimeNs + elapsed; sys = elapsed; }
    t.utimeNs += elapsed - sys;
    this.sliceStartNs = now;
    this.sliceStimeNs = t.stimeNs;
  }

  /**
   * True when signals.exitToUser(t) would change nothing but origRax: no
   * signal pending (queued for t or its process), no group exit or stop, no
   * temporary mask to restore, and no restart code in rax
   * (-ERESTARTSYS .. -ERESTART_RESTARTBLOCK) for the no-handler restart rules.
   */
  private quietReturn(t: Task): boolean {
    const p = t.proc;
    if (p.exiting || p.stopped || t.savedMask !== null) return false;
    if (!t.pending.set.isEmpty() || !p.sharedPending.set.isEmpty()) return false;
    const rax = t.regs.gpr[0];
    return !(t.origRax >= 0 && rax >= -ERESTART_RESTARTBLOCK && rax <= -ERESTARTSYS);
  }

  /** Signal delivery and the trap path's register copy-back; false when t cannot run user code now. */
  private toUser(t: Task): boolean {
    if (!this.k.signals.exitToUser(t)) return false;
    this.k.syscalls.leaveKernel(t);
    return true;
  }

  private fault(t: Task): void {
    const c = t.ctx;
    const sig = c.faultSignal || SIGSEGV;
    t.fault = {
      trapno: sig === SIGSEGV ? 14 : sig === 8 ? 0 : sig === 4 ? 6 : sig === 5 ? 3 : sig === 7 ? 17 : 13,
      err: sig === SIGSEGV ? 4 : 0,
      cr2: sig === SIGSEGV ? c.faultAddr : 0,
    };
    this.k.stats.faults++;
    if (process.env.NOMMU_DEBUG_FAULTS) process.stderr.write(`nommu-um: pid ${t.tid} fault sig ${sig} code ${c.faultCode} addr 0x${c.faultAddr.toString(16)} rip 0x${c.rip.toString(16)} ${c.faultDetail}\n`);
    this.k.signals.force(t, { signo: sig, code: c.faultCode, addr: c.faultAddr });
  }
}

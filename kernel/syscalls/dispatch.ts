/**
 * Kernel entry and exit for syscalls (DESIGN.md decisions 6 and 7).
 *
 * Gate (zpoline): `call *%rax` pushed the return address and the CPU kept the
 * 8 red-zone bytes it overwrote; entry pops the return address into rip, puts
 * those bytes back and restores rsp, so handlers see the caller's exact view.
 * Trap: an unrewritten `syscall`; on the zpoline path the site is rewritten
 * in place so the next call takes the gate (lazypoline); on the trap path
 * every call copies the whole register file out and back, like a ptrace-based
 * kernel. Both reach one table; a handler's BLOCK puts the task to sleep and
 * the same call is retried when it wakes.
 *
 * A cheap call must stay cheap: the path allocates nothing (the arguments
 * are passed as numbers; t.call is built only when a call blocks or is
 * traced), and reads the clock only where needed, since one read costs more
 * than getpid itself: when a handler first asks for the call's start
 * (Task.callStartNs: relative timeouts, a tty read's VTIME), and around the
 * handler for a sample of the calls.
 */
import { R11, RAX, RCX, RDI, RDX, RSI, RSP, R8, R9, R10 } from '../../cpu/context.js';
import { MemoryFault, PERM_R, PERM_W } from '../../cpu/memory.js';
import { rewriteSiteAt } from '../../loader/index.js';
import { copyMethod } from '../../cpu/index.js';
import { SLED_LENGTH } from '../../trampoline/layout.js';
import { EFAULT, ENOSYS } from '../errno.js';
import type { Kernel } from '../kernel.js';
import { SIGSEGV } from '../signal/defs.js';
import type { Task } from '../task.js';
import { TaskState } from '../task.js';
import { BLOCK } from '../wait.js';
import { KEEP_REGS } from './result.js';
import { beginCall, endCall } from '../fs/statmemo.js';
import type { SyscallDef } from './types.js';

/** Calls that read or finish the caller's CPU times: the running slice is accounted first (clock_gettime: CPU clocks only). */
const READS_CPU_TIME = ['times', 'getrusage', 'exit', 'exit_group'];
const NR_CLOCK_GETTIME = 228;
/** A sampled call slower than this is timed on every call from then on (ms). */
const SLOW_MS = 0.02;
/**
 * Cheap calls are timed once every SAMPLE_MIN .. SAMPLE_MIN + SAMPLE_SPREAD - 1
 * calls of their number (~128 on average): a clock read costs ~80 ns on a
 * VM (two per timed call), as much as half of getpid's whole path.
 */
const SAMPLE_MIN = 64;
const SAMPLE_SPREAD = 128;

/** Dispatcher.flags bits. */
const F_READS_CPU_TIME = 2;
/** clock_gettime: reads CPU time for CPU clocks only (its argument decides). */
const F_CLOCK = 4;
/** status 'error': an ENOSYS result counts as an unknown call. */
const F_ERROR = 8;

/** A new call of nr: what the task's previous call left behind goes (restart_syscall, 219, keeps the restart function it runs). */
function newCall(t: Task, nr: number): void {
  t.callState = undefined;
  t.origRax = nr < SLED_LENGTH ? nr : -1;
  if (nr !== 219) t.restartFn = null;
  t.callStart = -1;
}

/** clock_gettime's clock id names a CPU-time clock (process or thread, or a pid/tid-based one). */
function cpuClock(id: number): boolean {
  return id === 2 || id === 3 || (id | 0) < 0;
}

/** Dispatcher.gateCall, as each number's copy runs it. */
type GateCall = (this: Dispatcher, t: Task) => void;
/**
 * Per system call number below SLED_LENGTH (the gate's numbers): its copy of
 * gateCall, once made (Dispatcher.gateFor), shared by every Dispatcher of the
 * process. A copy starts without type feedback, unoptimized: made per kernel,
 * every new kernel (each run of the bench, each `nommu-um run` of a test
 * suite) ran its first few thousand calls of each number in V8's interpreter,
 * which made vfork+sh (20 numbers, one to three calls each per exec) 7%
 * slower on zpoline than on the trap path (docs/benchmarks.md).
 */
const gateCopies = new Array<GateCall | undefined>(SLED_LENGTH).fill(undefined);

/** What Dispatcher.gateCall names besides `this` and t: its copies (gateFor) get them as these. */
const GATE_SCOPE = {
  RAX, RCX, R11, RSP, RDI, RSI, RDX, R10, R8, R9, PERM_R, PERM_W, SIGSEGV, F_READS_CPU_TIME, F_CLOCK, F_ERROR, BLOCK, KEEP_REGS, ENOSYS,
  newCall, cpuClock, beginCall, endCall,
};

export class Dispatcher {
  /** Per syscall number: F_* bits. */
  private readonly flags: Uint8Array;
  /** Per syscall number: the table's handler and name, as arrays (one shape of load on the hot path, whatever the entries' shapes). */
  private readonly handlers: Array<SyscallDef<Task>['handler'] | undefined>;
  private readonly names: string[];
  /**
   * Per syscall number: how many arguments its handler can read (its
   * parameters after the task, or its table arguments if more). Only those
   * are read from the registers: a register holding no argument may hold
   * any 64-bit value, which as a JavaScript number passed to the handler
   * costs a heap allocation.
   */
  private readonly argc: Uint8Array;
  /**
   * Host-time sampling (the clock costs more than a cheap syscall): calls left
   * until the next timed call of each number, and calls since the last one.
   * A timed call's duration stands for every call since the previous sample,
   * like tick-based CPU accounting; a slow call keeps being timed every time.
   */
  private readonly countdown: Int32Array;
  private readonly weight: Int32Array;
  private rng = 0x2545f491;

  constructor(private readonly k: Kernel, private readonly table: ReadonlyArray<SyscallDef<Task> | undefined>) {
    const n = table.length;
    this.flags = new Uint8Array(n);
    this.argc = new Uint8Array(n).fill(6);
    this.countdown = new Int32Array(n);
    this.weight = new Int32Array(n);
    this.handlers = new Array<SyscallDef<Task>['handler'] | undefined>(n).fill(undefined);
    this.names = new Array<string>(n).fill('');
    for (let nr = 0; nr < n; nr++) {
      const def = table[nr];
      if (def === undefined) continue;
      this.handlers[nr] = def.handler;
      this.names[nr] = def.name;
      if (READS_CPU_TIME.includes(def.name)) this.flags[nr] |= F_READS_CPU_TIME;
      if (nr === NR_CLOCK_GETTIME) this.flags[nr] |= F_CLOCK;
      if (def.status === 'error') this.flags[nr] |= F_ERROR;
      this.argc[nr] = Math.min(6, Math.max(def.args.length, def.handler.length - 1));
    }
  }

  /**
   * ExitReason.Gate: undo the trampoline's call, then dispatch. Each
   * number runs its own copy of gateCall (gateFor): V8 keeps type feedback
   * per function, and in one shared by every number the handler's call site
   * sees dozens of targets (it is not inlined) and the checks every kind of
   * result. A copy gets its own feedback only from its own text (closures of
   * one function literal share theirs), hence the copy of the compiled
   * method (cpu/method-copy.ts).
   * Against one shared function, the `syscall` loop's round: 0.949
   * (geometric mean of 8 processes, 7 faster; docs/benchmarks.md).
   */
  enterGate(t: Task): void {
    const g = t.ctx.gpr;
    const nr = g[2 * RAX] >>> 0;
    const f = g[2 * RAX + 1] === 0 && nr < SLED_LENGTH ? gateCopies[nr] ?? Dispatcher.gateFor(nr) : Dispatcher.prototype.gateCall;
    f.call(this, t);
  }

  /** nr's copy of gateCall if one was made (diagnostics, tests). */
  static gateCopy(nr: number): GateCall | undefined {
    return gateCopies[nr];
  }

  /** nr's copy of gateCall, made on its first call in the process (gateCopies). */
  private static gateFor(nr: number): GateCall {
    const f = copyMethod(Dispatcher.prototype.gateCall, `gate_${nr}`, GATE_SCOPE);
    gateCopies[nr] = f;
    return f;
  }

  /** enterGate's work for one call. */
  private gateCall(t: Task): void {
    const c = t.ctx;
    const g = c.gpr;
    let retLo = c.gateRet, retHi = 0;
    if (retLo !== 0) {
      // A trace's call: nothing was pushed (CpuContext.gateRet), stack and rsp are the caller's.
      c.gateRet = 0;
      retLo |= 0;
    } else {
      const mem = t.mem;
      // rsp as the call left it; the stack must be readable and writable (MemoryFault otherwise, as readU64/writeU64 would).
      const rsp = g[2 * RSP] >>> 0;
      if (g[2 * RSP + 1] !== 0 || !mem.check(rsp, 8, PERM_R | PERM_W)) {
        this.k.signals.force(t, { signo: SIGSEGV, code: 1, addr: c.getRegU(RSP) });
        return;
      }
      const dv = mem.dv;
      retLo = dv.getInt32(rsp, true);
      retHi = dv.getInt32(rsp + 4, true);
      dv.setInt32(rsp, c.gateSavedLo, true);
      dv.setInt32(rsp + 4, c.gateSavedHi, true);
      if (mem.codePages[rsp >>> 12] !== 0 || mem.codePages[(rsp + 7) >>> 12] !== 0) mem.notifyWrite(rsp, 8);
      // rsp + 8 <= RAM size < 4 GiB: the high half stays 0.
      g[2 * RSP] = (rsp + 8) | 0;
    }
    c.rip = (retLo >>> 0) + (retHi >>> 0) * 0x1_0000_0000;
    // As `syscall` leaves them.
    g[2 * RCX] = retLo;
    g[2 * RCX + 1] = retHi;
    // RFLAGS fits in the low half.
    g[2 * R11] = c.getRflags();
    g[2 * R11 + 1] = 0;
    // The direct path: the common call in this one function (V8 inlines none
    // of enter -> run -> finish here, and each call costs as much as getpid's
    // handler). Not for a call under --strace, one that reads CPU times, an unknown
    // number, another register file, or the one call in ~128 that is timed.
    const nr = g[2 * RAX] >>> 0;
    if (g[2 * RAX + 1] !== 0 || nr >= this.handlers.length || t.regs !== c || this.k.strace !== null ||
      (this.flags[nr] & F_READS_CPU_TIME) !== 0) {
      this.enter(t);
      return;
    }
    const det = this.k.clock.deterministic;
    if (!det && this.countdown[nr] <= 1) { this.enter(t); return; }
    const handler = this.handlers[nr];
    if (handler === undefined) { this.enter(t); return; }
    if (!det) { this.countdown[nr]--; this.weight[nr]++; }
    const n = this.argc[nr];
    const a0 = n > 0 ? c.getReg(RDI) : 0, a1 = n > 1 ? c.getReg(RSI) : 0, a2 = n > 2 ? c.getReg(RDX) : 0;
    const a3 = n > 3 ? c.getReg(R10) : 0, a4 = n > 4 ? c.getReg(R8) : 0, a5 = n > 5 ? c.getReg(R9) : 0;
    newCall(t, nr);
    if ((this.flags[nr] & F_CLOCK) !== 0 && cpuClock(a0)) this.k.sched.accountTimes(t);
    // invoke's work, written out here so that the handler's call site is this copy's own.
    let result: number;
    beginCall();
    try {
      result = handler(t, a0, a1, a2, a3, a4, a5);
      if (typeof result !== 'number' || !Number.isFinite(result)) throw this.badResult(nr, result);
    } catch (e) {
      result = this.handlerFailed(t, nr, e);
    } finally {
      endCall();
    }
    if (result >= -0x8000_0000 && result <= 0x7fff_ffff && result !== BLOCK && result !== KEEP_REGS &&
      t.state !== TaskState.Dead && !t.killable && !t.sleepsOnSomething && !(result === -ENOSYS && (this.flags[nr] & F_ERROR) !== 0)) {
      this.k.stats.record(nr, this.names[nr], 0, true);
      t.call = null;
      t.callState = undefined;
      g[2 * RAX] = result;
      g[2 * RAX + 1] = result < 0 ? -1 : 0;
      return;
    }
    this.finish(t, nr, this.table[nr], result, 0, a0, a1, a2, a3, a4, a5);
  }

  /** ExitReason.SyscallTrap: rcx/r11 are set and rip is past the instruction. */
  enterTrap(t: Task): void {
    if (this.k.syscallPath === 'zpoline') {
      if (rewriteSiteAt(t.mem, t.ctx.trapSiteAddr)) {
        this.k.cpu.invalidate(t.ctx.trapSiteAddr, 2);
        this.k.stats.lazyRewrites++;
      }
      this.k.stats.trapEntries++;
      this.enter(t);
      return;
    }
    // ptrace-style: the kernel works on a copy of every register (GETREGS) and writes it back (SETREGS).
    this.k.stats.trapEntries++;
    const frame = t.trapFrame();
    frame.copyFrom(t.ctx);
    t.regs = frame;
    this.enter(t);
  }

  /** Back to user mode: on the trap path the saved register file goes back to the CPU context. */
  leaveKernel(t: Task): void {
    if (t.regs !== t.ctx) {
      t.ctx.copyFrom(t.regs);
      t.regs = t.ctx;
    }
  }

  private enter(t: Task): void {
    const r = t.regs;
    const g = r.gpr;
    const nr = g[2 * RAX + 1] === 0 ? g[2 * RAX] >>> 0 : r.getRegU(RAX);
    const known = nr < this.table.length;
    const n = known ? this.argc[nr] : 6;
    const a0 = n > 0 ? r.getReg(RDI) : 0, a1 = n > 1 ? r.getReg(RSI) : 0, a2 = n > 2 ? r.getReg(RDX) : 0;
    const a3 = n > 3 ? r.getReg(R10) : 0, a4 = n > 4 ? r.getReg(R8) : 0, a5 = n > 5 ? r.getReg(R9) : 0;
    newCall(t, nr);
    const def = known ? this.table[nr] : undefined;
    if (known) {
      if ((this.flags[nr] & F_READS_CPU_TIME) !== 0 || ((this.flags[nr] & F_CLOCK) !== 0 && cpuClock(a0))) this.k.sched.accountTimes(t);
    }
    if (this.k.strace !== null) {
      t.call = { nr, args: [a0, a1, a2, a3, a4, a5] };
      this.k.strace.enter(t, nr, def ?? null);
    }
    this.run(t, nr, def, a0, a1, a2, a3, a4, a5);
  }

  /** Retry of a call that blocked. */
  resume(t: Task): void {
    const call = t.call;
    if (call === null) return;
    const a = call.args;
    this.run(t, call.nr, call.nr < this.table.length ? this.table[call.nr] : undefined, a[0], a[1], a[2], a[3], a[4], a[5]);
  }

  private run(t: Task, nr: number, def: SyscallDef<Task> | undefined,
    a0: number, a1: number, a2: number, a3: number, a4: number, a5: number): void {
    // Sampled host timing (every call of a slow number, one in ~128 of a cheap one); none under --deterministic.
    let weight = 0;
    let t0 = 0;
    if (!this.k.clock.deterministic) {
      if (nr < this.table.length) {
        weight = ++this.weight[nr];
        if (--this.countdown[nr] > 0) weight = 0;
      } else weight = 1;
      if (weight !== 0) t0 = performance.now();
    }
    let result: number;
    if (def === undefined) {
      result = -ENOSYS;
      this.k.stats.unknown(nr);
    } else result = this.invoke(t, nr, def.handler, a0, a1, a2, a3, a4, a5);
    let ms = 0;
    if (weight !== 0) {
      const dt = performance.now() - t0;
      ms = dt * weight;
      t.stimeNs += ms * 1e6;
      if (nr < this.table.length) {
        this.weight[nr] = 0;
        this.countdown[nr] = dt >= SLOW_MS ? 1 : SAMPLE_MIN + this.nextRandom() % SAMPLE_SPREAD;
      }
    }
    this.finish(t, nr, def, result, ms, a0, a1, a2, a3, a4, a5);
  }

  /** Runs a handler: a bad user pointer it met is EFAULT; a kernel bug ends only the calling process. */
  private invoke(t: Task, nr: number, handler: SyscallDef<Task>['handler'],
    a0: number, a1: number, a2: number, a3: number, a4: number, a5: number): number {
    let result: number;
    beginCall();
    try {
      result = handler(t, a0, a1, a2, a3, a4, a5);
      if (typeof result !== 'number' || !Number.isFinite(result)) throw this.badResult(nr, result);
    } catch (e) {
      result = this.handlerFailed(t, nr, e);
    } finally {
      endCall();
    }
    return result;
  }

  private badResult(nr: number, result: unknown): Error {
    return new Error(`handler of ${this.names[nr]} returned ${String(result)}`);
  }

  /** A handler threw: a bad user pointer it met is EFAULT; a kernel bug ends only the calling process. */
  private handlerFailed(t: Task, nr: number, e: unknown): number {
    if (e instanceof MemoryFault) return -EFAULT;
    process.stderr.write(`nommu-um: kernel bug in ${this.names[nr]} (pid ${t.pid}): ${(e as Error).stack ?? String(e)}\n`);
    this.k.groupExit(t.proc, SIGSEGV);
    this.k.exitThread(t);
    return -EFAULT;
  }

  /** After the handler: statistics, sleep (the call is retried on wake-up) or the result in rax. */
  private finish(t: Task, nr: number, def: SyscallDef<Task> | undefined, result: number, ms: number,
    a0: number, a1: number, a2: number, a3: number, a4: number, a5: number): void {
    if (def !== undefined && def.status === 'error' && result === -ENOSYS) this.k.stats.unknown(nr);
    const blocked = result === BLOCK && t.state !== TaskState.Dead;
    this.k.stats.record(nr, def !== undefined ? def.name : '', ms, !blocked);
    if (blocked) {
      if (t.call === null) t.call = { nr, args: [a0, a1, a2, a3, a4, a5] };
      this.k.sched.block(t);
      return;
    }
    // A handler may have registered waits and then found it need not sleep.
    if (t.killable || t.sleepsOnSomething) t.clearWaits();
    t.call = null;
    t.callState = undefined;
    const strace = this.k.strace;
    if (t.state === TaskState.Dead) {
      if (strace !== null) strace.exit(t, null);
      return;
    }
    if (result === KEEP_REGS) {
      if (strace !== null) strace.exit(t, t.regs.getReg(RAX));
      return;
    }
    const g = t.regs.gpr;
    if (result >= -0x8000_0000 && result <= 0x7fff_ffff) {
      g[2 * RAX] = result;
      g[2 * RAX + 1] = result < 0 ? -1 : 0;
    } else t.regs.setReg(RAX, result);
    if (strace !== null) strace.exit(t, result);
  }

  /** xorshift32: spreads the sampling so a loop of several calls cannot alias with the period. */
  private nextRandom(): number {
    let x = this.rng;
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    this.rng = x;
    return x >>> 0;
  }
}

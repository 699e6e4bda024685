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
 */
import { R11, RAX, RCX, RDI, RDX, RSI, RSP, R8, R9, R10 } from '../../cpu/context.js';
import { MemoryFault } from '../../cpu/memory.js';
import { rewriteSiteAt } from '../../loader/index.js';
import { SLED_LENGTH } from '../../trampoline/layout.js';
import { EFAULT, ENOSYS } from '../errno.js';
import type { Kernel } from '../kernel.js';
import { SIGSEGV } from '../signal/defs.js';
import type { Task } from '../task.js';
import { TaskState } from '../task.js';
import { BLOCK } from '../wait.js';
import { KEEP_REGS } from './result.js';
import type { SyscallDef } from './types.js';

export class Dispatcher {
  constructor(private readonly k: Kernel, private readonly table: ReadonlyArray<SyscallDef<Task> | undefined>) {}

  /** ExitReason.Gate: undo the trampoline's call, then dispatch. */
  enterGate(t: Task): void {
    const c = t.ctx;
    const rsp = c.getRegU(RSP);
    let ret: number;
    try {
      ret = t.mem.readU64(rsp);
      t.mem.writeU64Parts(rsp, c.gateSavedLo, c.gateSavedHi);
    } catch (e) {
      if (!(e instanceof MemoryFault)) throw e;
      this.k.signals.force(t, { signo: SIGSEGV, code: 1, addr: rsp });
      return;
    }
    c.setReg(RSP, rsp + 8);
    c.rip = ret;
    // As `syscall` leaves them.
    c.setReg(RCX, ret);
    c.setReg(R11, c.getRflags());
    this.enter(t);
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
    const nr = r.getRegU(RAX);
    t.call = { nr, args: [r.getReg(RDI), r.getReg(RSI), r.getReg(RDX), r.getReg(R10), r.getReg(R8), r.getReg(R9)] };
    t.callState = undefined;
    t.callStartNs = this.k.clock.monotonicNs();
    t.origRax = nr < SLED_LENGTH ? nr : -1;
    t.restartFn = nr === 219 ? t.restartFn : null;
    const def = nr < this.table.length ? this.table[nr] : undefined;
    if (this.k.strace !== null) this.k.strace.enter(t, nr, def ?? null);
    this.run(t, nr, def);
  }

  /** Retry of a call that blocked. */
  resume(t: Task): void {
    const call = t.call;
    if (call === null) return;
    this.run(t, call.nr, call.nr < this.table.length ? this.table[call.nr] : undefined);
  }

  private run(t: Task, nr: number, def: SyscallDef<Task> | undefined): void {
    const a = t.call!.args;
    const t0 = performance.now();
    let result: number;
    if (def === undefined) {
      result = -ENOSYS;
      this.k.stats.unknown(nr);
    } else {
      try {
        result = def.handler(t, a[0], a[1], a[2], a[3], a[4], a[5]);
        if (typeof result !== 'number' || !Number.isFinite(result)) {
          throw new Error(`handler of ${def.name} returned ${String(result)}`);
        }
      } catch (e) {
        if (e instanceof MemoryFault) {
          result = -EFAULT;
        } else {
          // A kernel bug: report it on the host, end only this guest process.
          process.stderr.write(`nommu-um: kernel bug in ${def.name} (pid ${t.pid}): ${(e as Error).stack ?? String(e)}\n`);
          this.k.groupExit(t.proc, SIGSEGV);
          this.k.exitThread(t);
          result = -EFAULT;
        }
      }
    }
    if (def !== undefined && def.status === 'error' && result === -ENOSYS) this.k.stats.unknown(nr);
    const dt = performance.now() - t0;
    if (!this.k.clock.deterministic) t.stimeNs += dt * 1e6;
    if (result === BLOCK && t.state !== TaskState.Dead) {
      this.k.stats.record(nr, def?.name ?? `syscall_${nr}`, dt, false);
      this.k.sched.block(t);
      return;
    }
    this.k.stats.record(nr, def?.name ?? `syscall_${nr}`, dt, true);
    // A handler may have registered waits and then found it need not sleep.
    t.clearWaits();
    t.call = null;
    t.callState = undefined;
    if (t.state === TaskState.Dead) {
      this.k.strace?.exit(t, null);
      return;
    }
    if (result === KEEP_REGS) {
      this.k.strace?.exit(t, t.regs.getReg(RAX));
      return;
    }
    t.regs.setReg(RAX, result);
    this.k.strace?.exit(t, result);
  }
}

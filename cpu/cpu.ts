/**
 * The CPU: runs a context until an exit reason (DESIGN.md decision 5).
 *
 * The run loop finds the block at rip (chained successor, else the code
 * cache, else decode), runs it, and counts retired instructions exactly.
 * Control reaching page 0 is the zpoline trampoline: the nop sled retires in
 * O(1) and the gate exits to the kernel.
 */
import { Core, FAULT } from './core.js';
import { Block, CodeCache, interpret, type BlockExec } from './block.js';
import { BlockDecoder } from './decode.js';
import { compileBlock, inlineTargets, skipTargets } from './compile.js';
import { addTemplate, relocatedBlock } from './templates.js';
import { MAX_MEMBERS, MAX_TRACE_INSNS, installTrace, traceable } from './trace.js';
import { F_EAGER, rflags } from './flags.js';
import { ExitReason, SIGSEGV } from './exit.js';
import { RSP, type CpuContext } from './context.js';
import type { GuestMemory } from './memory.js';
import { GATE_ADDRESS, PAGE_SIZE } from '../trampoline/layout.js';
import { fxrstor, fxsave } from './fxsave.js';
import './ops/index.js';
import { DOUBLE_ZERO } from './double-field.js';

/**
 * Execution tiers: the reference interpreter, or blocks compiled to
 * JavaScript once hot (and again, with their registers in locals, once they
 * keep running, and then into traces of the blocks that follow them,
 * trace.ts). `hot` compiles with registers in locals from the first compile
 * and records traces from the next run: the tests and the differential
 * harness run that code on every form without running each block 1024 times.
 */
export type Tier = 'interp' | 'compiled' | 'hot';

/** Cpu.gate's answers. */
export const GATE_DEFER = 0, GATE_CONTINUE = 1, GATE_EXIT = 2;

/** Runs of a block before the compiled tier turns it into a function. */
const HOT = 4;
/**
 * Runs before it is compiled again with its registers in locals (regcache.ts):
 * that source costs more to make and to optimize, and pays off only in code
 * that keeps running (a loop block has them from the start).
 */
const HOTTER = 1024;

/** The kernel's side of the gate (Cpu.gate): onGate(ctx) answers GATE_*. */
export interface GateHandler {
  onGate(ctx: CpuContext): number;
}

/**
 * Block functions (shared by source, compile.ts) of blocks that reached
 * HOTTER: the next block with the same first function is compiled hot at
 * once.
 */
const promoted = new WeakSet<BlockExec>();

export class Cpu {
  readonly mem: GuestMemory;
  /** Total retired instructions, all contexts. */
  retiredTotal = DOUBLE_ZERO;
  /** Which tier runs blocks (both pass the same tests). */
  tier: Tier = 'compiled';
  /**
   * Which recorded traces become functions: only loops through the kernel's
   * gate (false), or all (true: the tests of the trace mechanism). Measured
   * on busybox sort, awk and md5sum, traces of loops without a system call
   * ran 15-60% slower than their separate blocks (alternating runs in one
   * process: sort 2.9 -> 4.0-4.8 s), and traces of code run once per exec
   * made vfork+execve slower; a loop through the gate no longer leaves the
   * run loop at each system call (bench getpid 0.375 -> 0.23-0.33 us,
   * syscall 0.79 -> 0.51).
   */
  traceAll = false;
  /** Traces made so far (diagnostics, tests). */
  tracesMade = 0;
  /** Blocks compiled again to inline a side exit's target that turned hot (inlineSideExit). */
  sideExitCompiles = 0;
  /** Blocks decoded so far (diagnostics: code that stays cached is not decoded again). */
  decodedBlocks = 0;
  /** Blocks made so far, decoded or relocated from a template of the same bytes (templates.ts, shared by every Cpu of the process). */
  builtBlocks = 0;

  private readonly core: Core;
  private readonly cache: CodeCache;
  private readonly decoder: BlockDecoder;
  private readonly lookup = (addr: number) => this.cache.get(addr);
  /**
   * The last block run before run() returned, and where it expected execution
   * to continue (after its call into page 0, or where a budget or trap exit
   * stopped): the next run() that starts there follows that block's chain
   * instead of looking the address up, so a syscall's return is chained too.
   */
  private resumeBlock: Block | null = null;
  /**
   * The trace being recorded (trace.ts): the blocks run since its head, in
   * order; null when none is. A block starts one the first time it is
   * dispatched after reaching HOTTER runs while no other is being recorded.
   */
  private rec: Block[] | null = null;
  /** For each recorded block: whether its exit called into the trampoline and the gate went on (trace.ts). */
  private recGates: boolean[] = [];
  private recInsns = 0;
  private resumeRip = DOUBLE_ZERO;
  /**
   * The kernel's gate, called inside run() when control reaches page 0, with
   * ctx fully written back (rip, flags, retired counts). It returns
   * GATE_CONTINUE when the call is done and user code can go on at ctx.rip
   * without the scheduler (for a trace's call, only when it changed no
   * general register but rax, rcx, r11 and rsp (the pop of a pushed return
   * address): the trace keeps its own copies of the others, trace.ts; a
   * call that replaced them, ctx.gprReplaced, answers GATE_EXIT),
   * GATE_EXIT when it was done but run() must return
   * (ExitReason.GateDone), GATE_DEFER when it did nothing (ExitReason.Gate).
   * The call's return address is on the stack, over the red-zone bytes kept
   * in ctx.gateSavedLo/Hi, or, from a trace, in ctx.gateRet with nothing
   * pushed (the gate takes it and sets 0). On GATE_DEFER the CPU pushes it
   * then, so ExitReason.Gate always finds it on the stack.
   * Without it every gate entry leaves run(): the in-process kernel's call
   * is then as dear as a trap. An object with a method rather than a
   * function, as Core.sys: the call site sees the same target in every
   * kernel of the process, which keeps it inlined.
   */
  gate: GateHandler | null = null;

  constructor(mem: GuestMemory) {
    this.mem = mem;
    this.resumeRip = -1;
    this.core = new Core(mem);
    this.cache = new CodeCache(mem.codePages, mem.placed, mem);
    this.decoder = new BlockDecoder(this.core);
    mem.onCodeWrite = (page: number) => this.cache.invalidatePage(page);
    this.core.owner = this;
  }

  /** Runs ctx until an exit reason; never throws for guest behaviour (bad code/memory -> ExitReason.Fault). */
  run(ctx: CpuContext, budget: number): ExitReason {
    const c = this.core;
    c.bind(ctx);
    const compiled = this.tier !== 'interp';
    const hotNow = this.tier === 'hot';
    c.tscRun = this.retiredTotal;
    let rip = ctx.rip;
    let retired = 0;
    let reason: ExitReason;
    let prev: Block | null = rip === this.resumeRip ? this.resumeBlock : null;
    if (prev !== null && !prev.valid) prev = null;
    // The next block runs its own function rather than its trace (see below).
    let own = false;
    for (;;) {
      if (retired >= budget) { reason = ExitReason.Budget; this.resumeBlock = prev; this.resumeRip = rip; break; }
      if (rip < PAGE_SIZE && rip >= 0) {
        // A recorded trace goes on through the kernel's gate when the gate lets user code go on.
        const rec = this.rec;
        if (rec !== null) {
          if (rec.length > 0 && prev === rec[rec.length - 1] && this.gate !== null) this.recGates[rec.length - 1] = true;
          else this.closeTrace(false);
        }
        // zpoline trampoline: the nops from rip to the gate, then the gate.
        if (rip <= GATE_ADDRESS) retired += GATE_ADDRESS - rip;
        rip = GATE_ADDRESS;
        const g = this.callGate(ctx, retired);
        budget -= retired;
        retired = 0;
        if (g !== GATE_CONTINUE && this.rec !== null) this.closeTrace(false);
        if (g === GATE_CONTINUE) {
          rip = ctx.rip;
          // The block after the call is the caller's chained successor.
          if (prev !== null && rip !== prev.end) prev = null;
          continue;
        }
        if (g === GATE_EXIT) {
          rip = ctx.rip;
          reason = ExitReason.GateDone;
          this.resumeRip = rip;
          this.resumeBlock = prev !== null && prev.end === rip ? prev : null;
          break;
        }
        reason = ExitReason.Gate;
        // The kernel returns to the instruction after the call (when a call brought control here).
        this.resumeRip = prev !== null ? prev.end : -1;
        this.resumeBlock = prev;
        break;
      }
      let b: Block | null = null;
      if (prev !== null) {
        if (prev.next1a === rip) b = prev.next1;
        else if (prev.next2a === rip) b = prev.next2;
        if (b !== null && !b.valid) b = null;
      }
      if (b === null) {
        b = this.cache.get(rip) ?? this.build(rip, ctx);
        if (b === null) { reason = ExitReason.Fault; this.resumeBlock = null; break; }
        if (prev !== null) {
          if (prev.next1a === -1 || prev.next1a === rip) { prev.next1 = b; prev.next1a = rip; } else { prev.next2 = b; prev.next2a = rip; }
        }
      }
      // Counting stops past HOTTER, so a hot block costs no store here.
      if (compiled && b.runs <= HOTTER) this.tierUp(b, hotNow, prev);
      let f = own && b.single !== null ? b.single : b.exec;
      own = false;
      if (this.rec !== null) f = this.record(b);
      c.rip = b.end;
      c.tscBase = retired;
      c.left = budget - retired;
      let n: number;
      try {
        n = f(c, b);
      } catch (e) {
        if (e !== FAULT) throw e;
        if (c.gated !== 0) { budget -= c.gated; retired = 0; c.gated = 0; }
        retired += c.k + c.loopDone;
        c.loopDone = 0;
        rip = b.all[c.k].addr;
        reason = ExitReason.Fault;
        this.resumeBlock = null;
        break;
      }
      // A trace's gate calls counted what ran before them, this run's earlier blocks too (traceGate).
      if (c.gated !== 0) { budget -= c.gated; retired = 0; c.gated = 0; }
      retired += n;
      rip = c.rip;
      if (c.exit !== 0) { reason = c.exit; this.resumeBlock = b; this.resumeRip = rip; break; }
      // A trace that left before its first instruction (its head's stack window does not hold) would be
      // entered again at once, and again: the head's own function makes the progress, testing each access.
      if (n === 0 && rip === b.addr && b.tb !== null) own = true;
      prev = b;
    }
    if (this.rec !== null) {
      // Another task may run next: a recording spans one run. One cut short by the budget or a fault is dropped.
      if (reason === ExitReason.Budget || reason === ExitReason.Fault) this.rec = null; else this.closeTrace(false);
    }
    ctx.rip = rip;
    if (reason !== ExitReason.GateDone) ctx.setRflagsRaw(rflags(c));
    ctx.retired += retired;
    this.retiredTotal += retired;
    return reason;
  }

  /**
   * A block below the last tier runs again: it is compiled at HOT runs, again
   * with its registers in locals at HOTTER, and at its next run after that
   * the trace that starts there is recorded (unless another is being
   * recorded: then at a later run).
   */
  private tierUp(b: Block, hotNow: boolean, prev: Block | null): void {
    if (b.runs === HOTTER) {
      if (this.rec === null) { b.runs = HOTTER + 1; this.rec = []; this.recGates = []; this.recInsns = 0; }
      return;
    }
    const runs = ++b.runs;
    if ((runs === HOT || runs === HOTTER) && prev !== null && prev !== b) this.inlineSideExit(prev, b);
    if (runs === HOT) {
      let f = compileBlock(b, this.lookup, hotNow);
      if (!hotNow && promoted.has(f)) {
        // The same code kept running before (an earlier kernel, a pipeline's other process):
        // compile it hot now rather than warm up a function that would soon be replaced.
        // Its own compile, not that block's function: flag liveness depends on the
        // successors each has seen, which the first source need not show.
        f = compileBlock(b, this.lookup, true);
        b.runs = HOTTER;
      } else if (hotNow) b.runs = HOTTER;
      b.exec = f;
    } else if (runs === HOTTER) {
      promoted.add(b.exec);
      b.exec = compileBlock(b, this.lookup, true);
    }
  }

  /**
   * b, turning hot, was entered from prev, whose function may have left to it
   * through a side exit it could inline but did not: b had not run yet when
   * prev was compiled. Which targets exist when a block is compiled depends on
   * what ran first (in one process of the bench, musl's symbol lookup left to
   * its bloom-filter miss through the run loop 300 times per exec on one
   * syscall path and never on the other). prev is compiled again, at its tier.
   */
  private inlineSideExit(prev: Block, b: Block): void {
    // Not compiled yet, or a trace's head (its function is the trace's).
    if (prev.runs < HOT || prev.tb !== null || !prev.valid || prev.all.includes(b.insns[0])) return;
    if (!inlineTargets(prev, this.lookup, skipTargets(prev)).some((x) => x.s === b)) return;
    prev.exec = compileBlock(prev, this.lookup, prev.runs >= HOTTER);
    this.sideExitCompiles++;
  }

  /**
   * The run loop is about to run b while a trace is recorded: b joins it, or
   * ends it (back at the head: a loop). Returns the function to run b with:
   * its own, not a trace of its own, so that the recording sees each block.
   */
  private record(b: Block): BlockExec {
    const rec = this.rec as Block[];
    if (rec.length > 0) {
      if (b === rec[0]) { this.closeTrace(true); return b.exec; }
      if (!traceable(b) || rec.length >= MAX_MEMBERS || this.recInsns + b.n > MAX_TRACE_INSNS || rec.includes(b)) {
        this.closeTrace(false);
        return b.exec;
      }
    } else if (!traceable(b)) {
      this.rec = null;
      return b.exec;
    }
    rec.push(b);
    this.recInsns += b.n;
    return b.single ?? b.exec;
  }

  /** Ends the recording: two or more blocks (or one that came back to itself) become the head's trace. */
  private closeTrace(loop: boolean): void {
    const rec = this.rec as Block[];
    this.rec = null;
    const gates = this.recGates;
    if (rec.length === 0 || (rec.length === 1 && !loop && gates[0] !== true) || !rec.every((m) => m.valid)) return;
    if (!this.traceAll && !(loop && gates.includes(true))) return;
    // Under the policy a loop that does not fit is not cut down to a prefix: that would no longer be a loop.
    if (!installTrace(rec, rec.map((_, x) => gates[x] === true), loop, this.lookup, HOTTER, this.traceAll)) return;
    this.tracesMade++;
    const head = rec[0];
    for (const m of rec) for (let p = m.firstPage; p <= m.lastPage; p++) this.cache.watch(head, p);
  }

  /**
   * Control reached the gate (ctx's registers current) after n instructions
   * not yet counted into ctx: counts them, hands ctx to the kernel's gate
   * with rip and rflags as a gate exit would show them, and returns its
   * answer (GATE_DEFER without a gate). The run loop and a trace's
   * Core.sys both come here.
   */
  private callGate(ctx: CpuContext, n: number): number {
    const c = this.core;
    ctx.rip = GATE_ADDRESS;
    ctx.setRflagsRaw(rflags(c));
    ctx.retired += n;
    this.retiredTotal += n;
    const gate = this.gate;
    const g = gate === null ? GATE_DEFER : gate.onGate(ctx);
    if (g === GATE_CONTINUE) {
      // A handler may have changed the registers' flags (never under GATE_CONTINUE today, but cheap to honour).
      c.flags = ctx.getRflags();
      c.fop = F_EAGER;
      c.tscRun = this.retiredTotal;
    }
    return g;
  }

  /**
   * Core.sys: a trace's call into the trampoline (c.rip in page 0), after n
   * instructions of its own. Does what the run loop does there: counts those
   * (and the run's earlier blocks, c.tscBase) into the context, runs the
   * gate, and leaves in c.rip where user code goes on; when the gate does
   * not let it go on, c.exit is the reason the run loop stops with.
   */
  traceGate(n: number): number {
    const c = this.core;
    const ctx = c.ctx;
    const sled = c.rip <= GATE_ADDRESS ? GATE_ADDRESS - c.rip : 0;
    const done = c.tscBase + n + sled;
    c.gated += done;
    c.left -= n + sled;
    c.tscBase = 0;
    const g = this.callGate(ctx, done);
    if (g === GATE_DEFER && ctx.gateRet !== 0) this.pushGateReturn(ctx);
    if (g === GATE_CONTINUE) {
      c.rip = ctx.rip;
    } else if (g === GATE_EXIT) {
      c.exit = ExitReason.GateDone;
      c.rip = ctx.rip;
    } else {
      c.exit = ExitReason.Gate;
      c.rip = GATE_ADDRESS;
    }
    return g;
  }

  /**
   * A trace's call into page 0 left its return address in ctx.gateRet rather
   * than on the stack; the kernel did not take the call now (GATE_DEFER), so
   * it will pop it later: the push happens as the call would have done it,
   * red-zone bytes kept (the trace checked the slot is plain RAM).
   */
  private pushGateReturn(ctx: CpuContext): void {
    const dv = this.mem.dv;
    const sp = (ctx.gpr[2 * RSP] >>> 0) - 8;
    ctx.gateSavedLo = dv.getInt32(sp, true);
    ctx.gateSavedHi = dv.getInt32(sp + 4, true);
    dv.setInt32(sp, ctx.gateRet | 0, true);
    dv.setInt32(sp + 4, 0, true);
    ctx.gpr[2 * RSP] = sp | 0;
    ctx.gateRet = 0;
  }

  /** Decodes the block at rip (or relocates a template of its bytes); on a fetch fault records it on ctx and returns null. */
  private build(rip: number, ctx: CpuContext): Block | null {
    // Templates are made with branches followed (the default); a Cpu that does not follow them decodes everything.
    const r = this.decoder.follow ? relocatedBlock(this.mem, rip) : null;
    if (r !== null) {
      const b = new Block(rip, r.end, r.insns, interpret, r.lo, r.hi);
      b.shape = r.shape;
      this.cache.add(b);
      this.builtBlocks++;
      return b;
    }
    const d = this.decoder.decodeBlock(rip);
    if (d.fetchFault !== null) {
      ctx.faultSignal = SIGSEGV;
      ctx.faultCode = d.fetchFault.code;
      ctx.faultAddr = d.fetchFault.addr;
      ctx.faultDetail = `instruction fetch at 0x${d.fetchFault.addr.toString(16)}`;
      return null;
    }
    const b = new Block(rip, d.end, d.insns, interpret, d.lo, d.hi);
    this.cache.add(b);
    this.decodedBlocks++;
    this.builtBlocks++;
    if (d.relocatable && this.decoder.follow) b.shape = addTemplate(this.mem, rip, d.lo, d.hi, d.end, d.insns);
    return b;
  }

  /** Whether new blocks follow short direct jmps and calls on their page (decode.ts); tests of single instructions turn it off. */
  get followBranches(): boolean { return this.decoder.follow; }
  set followBranches(v: boolean) { this.decoder.follow = v; }

  /** Drops decoded code overlapping [addr, addr+len) (exec, munmap, lazy rewrite). */
  invalidate(addr: number, len: number): void {
    this.cache.invalidate(addr, len);
  }

  /** 512-byte FXSAVE (64-bit) image of ctx's x87/SSE state to guest memory at addr (signal frames' fpstate). */
  fxsave(ctx: CpuContext, addr: number): void {
    fxsave(ctx, this.mem, addr);
  }

  fxrstor(ctx: CpuContext, addr: number): void {
    fxrstor(ctx, this.mem, addr);
  }

  /** Decoded blocks in the cache (diagnostics, tests). */
  get cachedBlocks(): number {
    return this.cache.size;
  }

  /** The cached block starting at addr (diagnostics, tests). */
  blockAt(addr: number): Block | undefined {
    return this.cache.get(addr);
  }
}

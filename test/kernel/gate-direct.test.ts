/**
 * The dispatcher's direct path for zpoline gate calls (Dispatcher.enterGate
 * does the common call itself instead of going through enter and run). Every
 * case runs one call through the gate and the same call through the trap
 * entry of an identical kernel, and expects the same outcome: result,
 * sleep, statistics, waits, CPU-time accounting, and for the gate the
 * caller's exact stack (return address popped, red-zone bytes back).
 */
import { expect } from 'chai';
import { Kernel } from '../../kernel/index.js';
import type { SyscallDef, Task } from '../../kernel/index.js';
import { CpuContext, R11, R12, RAX, RBX, RCX, RDI, RDX, RSI, RSP } from '../../cpu/context.js';
import { GATE_CONTINUE, GATE_EXIT } from '../../cpu/index.js';
import { MemoryFault } from '../../cpu/memory.js';
import { Dispatcher } from '../../kernel/syscalls/dispatch.js';
import { KEEP_REGS } from '../../kernel/syscalls/result.js';
import { BLOCK, WaitQueue } from '../../kernel/wait.js';
import { TaskState } from '../../kernel/task.js';
import { EFAULT, ENOSYS } from '../../kernel/errno.js';
import { rootfsDir } from '../../userspace/index.js';

const NR_VALUE = 1, NR_WAITS = 2, NR_BLOCK = 3, NR_ENOSYS = 4, NR_FAULT = 5, NR_KEEP = 6, NR_ARGS = 7, NR_BUG = 10, NR_NAN = 11, NR_CLOCK_GETTIME = 228;
const CLOCK_PROCESS_CPUTIME_ID = 2, CLOCK_MONOTONIC = 1;
const RET = 0x41_2345, SAVED_LO = 0x1122_3344, SAVED_HI = 0x5566_7788;

interface Outcome { rax: number; state: TaskState; call: boolean; waits: boolean; calls: number; unknown: number; accounted: number; origRax: number }

function table(queue: WaitQueue): Array<SyscallDef<Task> | undefined> {
  const t: Array<SyscallDef<Task> | undefined> = new Array(NR_CLOCK_GETTIME + 1).fill(undefined);
  const def = (name: string, handler: SyscallDef<Task>['handler'], status: SyscallDef<Task>['status'] = 'supported'): SyscallDef<Task> =>
    ({ name, args: [], status, handler });
  t[NR_VALUE] = def('value', () => 7);
  // Registers a wait, then finds it need not sleep: the wait must not stay behind.
  t[NR_WAITS] = def('waits', (task) => { task.waitOn(queue); return 8; });
  t[NR_BLOCK] = def('block', () => BLOCK);
  t[NR_ENOSYS] = def('nosys', () => -ENOSYS, 'error');
  t[NR_FAULT] = def('fault', () => { throw new MemoryFault(0x10, false); });
  t[NR_KEEP] = def('keep', (task) => { task.regs.setReg(RAX, 99); return KEEP_REGS; });
  t[NR_ARGS] = def('args', (_task, a0, a1, a2, a3, a4, a5) => a0 + a1 + a2 + a3 + a4 + a5);
  t[NR_CLOCK_GETTIME] = def('clock_gettime', (_task, _clock) => 0);
  // Kernel bugs: the calling process ends, the kernel goes on.
  t[NR_BUG] = def('bug', () => { throw new Error('a kernel bug'); });
  t[NR_NAN] = def('nan', () => NaN);
  return t;
}

/** One call of nr (a0 in rdi) through the gate or the trap, in a fresh kernel. */
function once(path: 'gate' | 'trap', nr: number, a0: number): Outcome & { stack?: number[] } {
  const k = new Kernel({ memBytes: 64 << 20, root: rootfsDir(), siteCacheDir: null, deterministic: true, syscallPath: 'trap' });
  try {
    const task = k.tasks.get(k.spawn('/bin/true', ['true'], []).pid)!;
    k.sched.current = task;
    let accounted = 0;
    k.sched.accountTimes = () => { accounted++; };
    const queue = new WaitQueue();
    const d = new Dispatcher(k, table(queue));
    const ctx = task.ctx;
    ctx.setReg(RAX, nr);
    ctx.setReg(RDI, a0);
    for (const r of [6, 2, 10, 8, 9]) ctx.setReg(r, r === 6 ? 100 : r);
    let stack: number[] | undefined;
    const rsp = ctx.getRegU(RSP);
    if (path === 'gate') {
      // As `call *%rax` leaves it: the return address pushed over red-zone bytes the CPU kept.
      ctx.setReg(RSP, rsp - 8);
      k.mem.writeU32(rsp - 8, RET);
      k.mem.writeU32(rsp - 4, 0);
      ctx.gateSavedLo = SAVED_LO;
      ctx.gateSavedHi = SAVED_HI;
      ctx.rip = 0;
      d.enterGate(task);
      stack = [ctx.getRegU(RSP) - rsp, k.mem.readU32(rsp - 8), k.mem.readU32(rsp - 4), ctx.rip, ctx.getRegU(RCX), ctx.getRegU(R11)];
    } else {
      d.enterTrap(task);
      d.leaveKernel(task);
    }
    const row = k.stats.rows().find((r) => r.nr === nr);
    const out: Outcome & { stack?: number[] } = {
      rax: ctx.getReg(RAX), state: task.state, call: task.call !== null, waits: task.sleepsOnSomething || queue.size > 0 && task.state === TaskState.Runnable,
      calls: row?.calls ?? 0, unknown: k.stats.unknownCalls.get(nr) ?? 0, accounted, origRax: task.origRax,
    };
    if (stack !== undefined) out.stack = stack;
    return out;
  } finally {
    k.shutdown();
  }
}

describe('kernel: the gate\'s direct path does what the general path does', function () {
  this.timeout(60_000);

  const cases: Array<[string, number, number, Partial<Outcome>]> = [
    ['a plain result', NR_VALUE, 0, { rax: 7, calls: 1, state: TaskState.Runnable, call: false }],
    ['a handler that registered a wait and did not sleep: no wait is left', NR_WAITS, 0, { rax: 8, waits: false, calls: 1 }],
    ['BLOCK: the task sleeps with its call kept for the retry, not yet counted', NR_BLOCK, 0, { state: TaskState.Blocked, call: true, calls: 0 }],
    ['ENOSYS from a call the table marks unimplemented counts as unknown', NR_ENOSYS, 0, { rax: -ENOSYS, unknown: 1, calls: 1 }],
    ['a bad user pointer in the handler is EFAULT', NR_FAULT, 0, { rax: -EFAULT, calls: 1 }],
    ['KEEP_REGS leaves the handler\'s rax', NR_KEEP, 0, { rax: 99, calls: 1 }],
    ['arguments come from rdi, rsi, rdx, r10, r8, r9', NR_ARGS, 1, { rax: 1 + 100 + 2 + 10 + 8 + 9 }],
    ['clock_gettime of a CPU clock charges the running slice first', NR_CLOCK_GETTIME, CLOCK_PROCESS_CPUTIME_ID, { rax: 0, accounted: 1 }],
    ['clock_gettime of another clock does not', NR_CLOCK_GETTIME, CLOCK_MONOTONIC, { rax: 0, accounted: 0 }],
  ];

  // Deterministic: no call is the timed sample that takes the general path (the last test covers sampling).
  for (const [what, nr, a0, expected] of cases) {
    it(what, () => {
      const gate = once('gate', nr, a0);
      const trap = once('trap', nr, a0);
      expect(gate).to.include(expected);
      const { stack, ...rest } = gate;
      expect(rest).to.deep.equal({ ...trap, origRax: nr });
      // The caller's stack as before the call; it returns where the call would have.
      expect(stack).to.deep.equal([0, SAVED_LO, SAVED_HI, RET, RET, stack![5]]);
      expect(stack![5] & 0x2).to.equal(0x2);
    });
  }

  it('a handler that throws or returns no number ends the calling process, on both paths, and says so on the host', () => {
    for (const [nr, says] of [[NR_BUG, /kernel bug in bug \(pid \d+\): Error: a kernel bug/], [NR_NAN, /kernel bug in nan \(pid \d+\): Error: handler of nan returned NaN/]] as const) {
      const written: string[] = [];
      const write = process.stderr.write;
      process.stderr.write = ((chunk: string) => { written.push(String(chunk)); return true; }) as typeof process.stderr.write;
      let gate: ReturnType<typeof once>, trap: ReturnType<typeof once>;
      try {
        gate = once('gate', nr, 0);
        trap = once('trap', nr, 0);
      } finally {
        process.stderr.write = write;
      }
      // The result (EFAULT) goes nowhere: the task is gone.
      expect(gate.state, `nr ${nr}`).to.equal(TaskState.Dead);
      const { stack: _stack, ...rest } = gate;
      expect(rest).to.deep.equal({ ...trap, origRax: rest.origRax });
      expect(written.filter((w) => says.test(w)), `nr ${nr}`).to.have.length(2);
    }
  });

  it('each number runs its own copy of the gate\'s call, made once for every kernel of the process', () => {
    once('gate', NR_VALUE, 0);
    const copy = Dispatcher.gateCopy(NR_VALUE);
    expect(copy).to.be.a('function');
    expect(copy!.name).to.equal(`gate_${NR_VALUE}`);
    once('gate', NR_ARGS, 1);
    expect(Dispatcher.gateCopy(NR_ARGS)).to.not.equal(copy);
    // Another kernel, another Dispatcher with its own table: the same copy (warm, not remade).
    const again = once('gate', NR_VALUE, 0);
    expect(again.rax).to.equal(7);
    expect(Dispatcher.gateCopy(NR_VALUE)).to.equal(copy);
  });

  it('takes the direct path for most calls: the general one only for the timed sample', () => {
    // Not a timing test: a spy on the general path's entry counts how often it is used.
    const k = new Kernel({ memBytes: 64 << 20, root: rootfsDir(), siteCacheDir: null, deterministic: false, syscallPath: 'trap' });
    try {
      const task = k.tasks.get(k.spawn('/bin/true', ['true'], []).pid)!;
      k.sched.current = task;
      const d = new Dispatcher(k, table(new WaitQueue()));
      const general = d as unknown as { enter: (t: Task) => void };
      const enter = general.enter.bind(d);
      let slow = 0;
      general.enter = (t: Task) => { slow++; enter(t); };
      const ctx = task.ctx;
      const rsp = ctx.getRegU(RSP);
      for (let i = 0; i < 1000; i++) {
        ctx.setReg(RAX, NR_VALUE);
        ctx.setReg(RSP, rsp - 8);
        k.mem.writeU32(rsp - 8, RET);
        d.enterGate(task);
        expect(ctx.getReg(RAX)).to.equal(7);
      }
      expect(k.stats.rows().find((r) => r.nr === NR_VALUE)?.calls).to.equal(1000);
      // One timed call in 64..191: between 5 and 16 of 1000, the first call included.
      expect(slow).to.be.within(5, 16);
    } finally {
      k.shutdown();
    }
  });
});

describe('kernel: the scheduler\'s gate lets a trace go on only when the call left its other registers alone', function () {
  this.timeout(60_000);
  const NR_RBX = 8, NR_REPLACE = 9;

  /** One call of nr from a trace (return address in ctx.gateRet) through the scheduler's gate; its answer and the task's registers after it. */
  function viaGate(nr: number, setup?: (k: Kernel, task: Task) => void, own = true): { answer: number; ctx: CpuContext; replaced: number } {
    const k = new Kernel({ memBytes: 64 << 20, root: rootfsDir(), siteCacheDir: null, deterministic: true, syscallPath: 'zpoline' });
    try {
      const task = k.tasks.get(k.spawn('/bin/true', ['true'], []).pid)!;
      k.sched.current = task;
      if (own) {
        const t = table(new WaitQueue());
        t[NR_RBX] = { name: 'rbx', args: [], status: 'supported', handler: (tk: Task) => { tk.regs.setReg(RBX, 5); return 0; } };
        t[NR_REPLACE] = { name: 'replace', args: [], status: 'supported', handler: (tk: Task) => { tk.regs.copyFrom(new CpuContext()); return 0; } };
        (k as unknown as { syscalls: Dispatcher }).syscalls = new Dispatcher(k, t);
      }
      const ctx = task.ctx;
      ctx.setReg(RAX, nr);
      ctx.setReg(R12, 0x1234);
      setup?.(k, task);
      ctx.gateRet = RET;
      const replaced = ctx.gprReplaced;
      const answer = k.sched.onGate(ctx);
      return { answer, ctx, replaced: ctx.gprReplaced - replaced };
    } finally {
      k.shutdown();
    }
  }

  it('a call that changed only rax (and rcx, r11 as syscall does): GATE_CONTINUE', () => {
    for (const nr of [NR_VALUE, NR_KEEP]) {
      const { answer, ctx, replaced } = viaGate(nr);
      expect(answer, String(nr)).to.equal(GATE_CONTINUE);
      expect(replaced).to.equal(0);
      expect(ctx.getReg(RCX)).to.equal(RET);
      expect(ctx.getReg(R12)).to.equal(0x1234);
    }
  });

  it('a call that set another register, or replaced them all: GATE_EXIT', () => {
    for (const nr of [NR_RBX, NR_REPLACE]) {
      const { answer, replaced } = viaGate(nr);
      expect(answer, String(nr)).to.equal(GATE_EXIT);
      expect(replaced).to.be.above(0);
    }
  });

  it('execve from a trace: GATE_EXIT, with the new image\'s registers', () => {
    const { answer, ctx, replaced } = viaGate(59, (k, task) => {
      // "/bin/true", argv = { path, NULL }, envp = { NULL } below the stack.
      const at = task.ctx.getRegU(RSP) - 0x400;
      k.mem.writeBytes(at, new TextEncoder().encode('/bin/true\0'));
      k.mem.writeU32(at + 0x20, at); k.mem.writeU32(at + 0x24, 0);
      k.mem.writeU32(at + 0x28, 0); k.mem.writeU32(at + 0x2c, 0);
      task.ctx.setReg(RDI, at);
      task.ctx.setReg(RSI, at + 0x20);
      task.ctx.setReg(RDX, at + 0x28);
    }, false);
    expect(answer).to.equal(GATE_EXIT);
    expect(replaced).to.be.above(0);
    expect(ctx.getReg(RAX)).to.equal(0);
    expect(ctx.getReg(R12)).to.equal(0);
    expect(ctx.rip).to.not.equal(RET);
  });
});

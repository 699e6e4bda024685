/**
 * Traces (cpu/trace.ts): a hot block and the blocks recorded after it run
 * as one function. Each test runs a program whose loop spans blocks on
 * several pages (the decoder follows no branch between them) under the
 * reference interpreter and under the compiled tiers, and compares what a
 * program can see: registers, flags, memory, the fault and its rip, and the
 * exact retired count.
 */
import { expect } from 'chai';
import { Asm, CODE_BASE, DATA, STACK_TOP, L, m, machine, type Machine } from './asm.js';
import {
  ExitReason, GATE_CONTINUE, GATE_DEFER, GATE_EXIT, R11, R12, RAX, RBP, RBX, RCX, RDI, RSI, RSP, SIGILL, SIGSEGV, type Tier,
} from '../../cpu/index.js';

const PAGE = 0x1000;
const A = CODE_BASE + PAGE, B = CODE_BASE + 2 * PAGE, TAIL = CODE_BASE + 3 * PAGE;

/** Pieces of code assembled each at its own address, padded with int3. */
function image(pieces: Array<[number, Asm]>): Uint8Array {
  const end = Math.max(...pieces.map(([at]) => at)) - CODE_BASE + PAGE;
  const out = new Uint8Array(end).fill(0xcc);
  for (const [at, a] of pieces) out.set(a.assemble(at), at - CODE_BASE);
  return out;
}

/** The tail every program below ends its round with: ecx -= 1, back to the head until it is 0, then ud2. */
const tail = () => new Asm().i('Sub_rm32_imm8', 'ecx', 1).i('Je_rel32_64', L('end'))
  .i('Mov_r32_imm32', 'edx', CODE_BASE).i('Jmp_rm64', 'rdx').label('end').i('Ud2');

interface End { reason: ExitReason; signal: number; rip: number; retired: number; rflags: number; regs: number[]; data: number[] }

function runToEnd(mc: Machine, budget = 10_000_000): End {
  const reason = mc.cpu.run(mc.ctx, budget);
  const c = mc.ctx;
  return {
    reason, signal: c.faultSignal, rip: c.rip, retired: c.retired, rflags: c.getRflags(), regs: Array.from(c.gpr),
    data: Array.from(mc.mem.u8.subarray(DATA, DATA + 64)),
  };
}

/** A machine that keeps every trace it records (Cpu.traceAll); by default only loops through the gate are kept. */
function start(bytes: Uint8Array, tier: Tier, regs: Record<number, number>, all = true): Machine {
  const mc = machine(bytes, tier);
  mc.cpu.traceAll = all;
  for (const [n, v] of Object.entries(regs)) mc.ctx.setReg(Number(n), v);
  return mc;
}

/**
 * A loop through the gate: head (eax = 39, ebx -= 1, call rax: the
 * trampoline), after (rsi += the answer, on to the tail), the tail. `after`
 * is its address: the call's return address.
 */
function gateLoop(): { bytes: Uint8Array; after: number } {
  const head = new Asm().i('Mov_r32_imm32', 'eax', 39).i('Sub_rm32_imm8', 'ebx', 1).i('Call_rm64', 'rax');
  const rest = new Asm().i('Add_r64_rm64', 'rsi', 'rax').i('Mov_r32_imm32', 'edx', TAIL).i('Jmp_rm64', 'rdx');
  const after = CODE_BASE + head.assemble(CODE_BASE).length;
  return { bytes: image([[CODE_BASE, head], [after, rest], [TAIL, tail()]]), after };
}

/**
 * What a gate does with the call that brought it (Cpu.gate): the return
 * address from ctx.gateRet (a trace's call, nothing pushed) or popped from
 * the stack, the red-zone bytes under it put back.
 */
function popGate(mc: Machine, ctx: Machine['ctx']): number {
  if (ctx.gateRet !== 0) {
    const ret = ctx.gateRet;
    ctx.gateRet = 0;
    return ret;
  }
  const rsp = ctx.getReg(RSP);
  const ret = Number(mc.mem.readU64(rsp));
  mc.mem.writeU32(rsp, ctx.gateSavedLo);
  mc.mem.writeU32(rsp + 4, ctx.gateSavedHi);
  ctx.setReg(RSP, rsp + 8);
  return ret;
}

/**
 * The trace that goes round `loop` (the blocks of one round, in order): the
 * trace of whichever of them was recorded first (its head depends on which
 * block turned hot first: one whose code ran hot in an earlier test of this
 * process is compiled hot at once), as [head's address, source]; null if none is.
 */
function loopTrace(mc: Machine, loop: number[]): [number, string] | null {
  for (let x = 0; x < loop.length; x++) {
    const b = mc.cpu.blockAt(loop[x]);
    if (b === undefined || b.tb === null) continue;
    const round = loop.slice(x).concat(loop.slice(0, x));
    if (JSON.stringify(Array.from(b.tb)) === JSON.stringify(round)) return [loop[x], b.exec.toString()];
  }
  return null;
}

describe('traces', () => {
  it('a loop through a call and a return runs as one trace, with the interpreter\'s results and counts', () => {
    // head: call A (another page); after the call: add to rsi, on to the tail. A: arithmetic, a store, ret.
    const head = new Asm().i('Mov_r32_imm32', 'edx', A).i('Call_rm64', 'rdx');
    const after = CODE_BASE + head.assemble(CODE_BASE).length;
    const bytes = image([
      [CODE_BASE, head],
      [after, new Asm().i('Add_r64_rm64', 'rsi', 'rax').i('Mov_r32_imm32', 'edx', TAIL).i('Jmp_rm64', 'rdx')],
      [A, new Asm().i('Add_r64_rm64', 'rax', 'rbx').i('Imul_r64_rm64', 'rbx', 'rax').i('Mov_rm64_r64', m(null, DATA + 8), 'rax')
        .i('Retnq')],
      [TAIL, tail()],
    ]);
    const ends: End[] = [];
    for (const tier of ['interp', 'compiled', 'hot'] as const) {
      const mc = start(bytes, tier, { [RAX]: 3, [RBX]: 5, [RCX]: 3000 });
      ends.push(runToEnd(mc));
      if (tier !== 'interp') {
        expect(loopTrace(mc, [CODE_BASE, A, after, TAIL])?.[1], tier).to.match(/^function trace_/);
      }
    }
    expect(ends[0].reason).to.equal(ExitReason.Fault);
    expect(ends[0].signal).to.equal(SIGILL);
    expect(ends[1]).to.deep.equal(ends[0]);
    expect(ends[2]).to.deep.equal(ends[0]);
  });

  it('a guard that misses leaves the trace where execution went; after enough misses the head records the new path', () => {
    // head: the count, then rdx = ecx < 3000 ? B : A; jmp rdx. A adds 1, B adds 2; both jump back to the head.
    const head = new Asm().i('Sub_rm32_imm8', 'ecx', 1).i('Je_rel32_64', L('end'))
      .i('Mov_r32_imm32', 'edx', A).i('Mov_r32_imm32', 'edi', B).i('Cmp_rm32_imm32', 'ecx', 3000)
      .i('Cmovb_r64_rm64', 'rdx', 'rdi').i('Jmp_rm64', 'rdx').label('end').i('Ud2');
    const arm = (n: number) => new Asm().i('Add_rm64_imm32', 'rax', n).i('Mov_r32_imm32', 'edx', CODE_BASE).i('Jmp_rm64', 'rdx');
    const bytes = image([[CODE_BASE, head], [A, arm(1)], [B, arm(2)]]);
    const ends: End[] = [];
    for (const tier of ['interp', 'compiled', 'hot'] as const) {
      const mc = start(bytes, tier, { [RCX]: 6000 });
      // 700 rounds into the second path (10 instructions a round): B alone has not run 1024 times.
      expect(mc.cpu.run(mc.ctx, 3700 * 10)).to.equal(ExitReason.Budget);
      // The compiled tier's head missed 256 times and recorded again; the hot tier's B turned hot at once and leads its own.
      if (tier === 'compiled') expect(Array.from(mc.cpu.blockAt(CODE_BASE)!.tb ?? [])).to.deep.equal([CODE_BASE, B]);
      if (tier === 'hot') expect(loopTrace(mc, [CODE_BASE, B])).to.not.equal(null);
      ends.push(runToEnd(mc));
    }
    expect(ends[0].regs[2 * RAX]).to.equal(3000 * 1 + 2999 * 2);
    expect(ends[1]).to.deep.equal(ends[0]);
    expect(ends[2]).to.deep.equal(ends[0]);
  });

  it('a fault in a later block of a trace stops at that instruction with the exact count', () => {
    // head: rsi += 4096; jmp A. A: a load through rsi (faults past the end of memory), add; jmp to the tail.
    const head = new Asm().i('Add_rm64_imm32', 'rsi', PAGE).i('Mov_r32_imm32', 'edx', A).i('Jmp_rm64', 'rdx');
    const a = new Asm().i('Add_r64_rm64', 'rax', 'rsi').i('Mov_r64_rm64', 'rbx', m('rsi')).i('Add_r64_rm64', 'rax', 'rbx')
      .i('Mov_r32_imm32', 'edx', TAIL).i('Jmp_rm64', 'rdx');
    const bytes = image([[CODE_BASE, head], [A, a], [TAIL, tail()]]);
    const ends: End[] = [];
    for (const tier of ['interp', 'compiled', 'hot'] as const) {
      const mc = start(bytes, tier, { [RSI]: DATA, [RCX]: 100_000 });
      mc.mem.u8.fill(7, DATA, 1 << 20);
      ends.push(runToEnd(mc));
      // Too few rounds (192) for the compiled tier's 1024.
      if (tier === 'hot') expect(loopTrace(mc, [CODE_BASE, A, TAIL]), tier).to.not.equal(null);
    }
    expect(ends[0].reason).to.equal(ExitReason.Fault);
    expect(ends[0].signal).to.equal(SIGSEGV);
    expect(ends[0].rip).to.equal(A + 3);
    expect(ends[1]).to.deep.equal(ends[0]);
    expect(ends[2]).to.deep.equal(ends[0]);
  });

  it('a member whose stack window fails leaves the trace where it starts: each access is tested again, faults and code stores as in a block', () => {
    // head: rsi += 1; at round 2000 rsp = rdi. A: push rax; push rbx; pop rbx; pop rax; rax += 1 — one window, no tests of its own in the trace.
    const head = new Asm().i('Add_rm64_imm8', 'rsi', 1).i('Cmp_rm32_imm32', 'esi', 2000).i('Cmove_r64_rm64', 'rsp', 'rdi')
      .i('Mov_r32_imm32', 'edx', A).i('Jmp_rm64', 'rdx');
    const a = new Asm().i('Push_r64', 'rax').i('Push_r64', 'rbx').i('Pop_r64', 'rbx').i('Pop_r64', 'rax').i('Add_rm64_imm8', 'rax', 1)
      .i('Mov_r32_imm32', 'edx', TAIL).i('Jmp_rm64', 'rdx');
    const bytes = image([[CODE_BASE, head], [A, a], [TAIL, tail()]]);
    // rsp 4104: the first push (at 4096) is in RAM, the second (4088) in page 0. rsp on A's own page: every push is a store to code.
    for (const rdi of [PAGE + 8, A + 0x800]) {
      const ends: End[] = [];
      const low: number[][] = [];
      for (const tier of ['interp', 'compiled', 'hot'] as const) {
        const mc = start(bytes, tier, { [RAX]: 0x1234, [RBX]: 0x55, [RCX]: 3000, [RDI]: rdi });
        ends.push(runToEnd(mc));
        low.push(Array.from(mc.mem.u8.subarray(PAGE - 16, PAGE + 16)), Array.from(mc.mem.u8.subarray(A + 0x7f0, A + 0x800)));
        if (tier !== 'interp' && rdi === PAGE + 8) {
          // The trace ran 1999 rounds and is still there; its member A tests the window where A starts, its accesses nothing.
          const src = loopTrace(mc, [CODE_BASE, A, TAIL])?.[1] ?? '';
          expect(src, tier).to.match(/if \(!\(\$9 === 0 && /);
          expect(src.includes('st64('), tier).to.equal(false);
        }
      }
      if (rdi === PAGE + 8) {
        expect([ends[0].reason, ends[0].signal, ends[0].rip], 'fault').to.deep.equal([ExitReason.Fault, SIGSEGV, A + 1]);
      } else {
        expect([ends[0].reason, ends[0].signal], 'end').to.deep.equal([ExitReason.Fault, SIGILL]);
        expect(ends[0].regs[2 * RAX]).to.equal(0x1234 + 3000);
      }
      expect(ends[1], `compiled, rsp ${rdi}`).to.deep.equal(ends[0]);
      expect(ends[2], `hot, rsp ${rdi}`).to.deep.equal(ends[0]);
      expect(low[2]).to.deep.equal(low[0]);
      expect(low[4]).to.deep.equal(low[0]);
      expect(low[3]).to.deep.equal(low[1]);
      expect(low[5]).to.deep.equal(low[1]);
    }
  });

  it('held stack accesses at 4-aligned offsets go through the word view; an rsp misaligned on purpose leaves the trace, with the same results', () => {
    // head: rsi += 1; at round 2000 rsp = rdi (2 mod 4). A: push rax; sub rsp, 2; mov [rsp+2], ebx (the pushed slot's
    // low half: aligned while rsp is); mov r8d, [rsp+4] (2 bytes of each: never aligned); r9 += r8; add rsp, 2; pop rax; rax += 1.
    // Once rsp is misaligned a trace headed by A (recorded then in the compiled tier) leaves before its first
    // instruction on every entry: the run loop must run A's own function then, or it would enter that trace forever.
    const head = new Asm().i('Add_rm64_imm8', 'rsi', 1).i('Cmp_rm32_imm32', 'esi', 2000).i('Cmove_r64_rm64', 'rsp', 'rdi')
      .i('Mov_r32_imm32', 'edx', A).i('Jmp_rm64', 'rdx');
    const a = new Asm().i('Push_r64', 'rax').i('Sub_rm64_imm8', 'rsp', 2).i('Mov_rm32_r32', m('rsp', 2), 'ebx')
      .i('Mov_r32_rm32', 'r8d', m('rsp', 4)).i('Add_r64_rm64', 'r9', 'r8').i('Add_rm64_imm8', 'rsp', 2).i('Pop_r64', 'rax')
      .i('Add_rm64_imm8', 'rax', 1).i('Add_rm32_imm8', 'ebx', 3).i('Mov_r32_imm32', 'edx', TAIL).i('Jmp_rm64', 'rdx');
    const bytes = image([[CODE_BASE, head], [A, a], [TAIL, tail()]]);
    const ends: End[] = [];
    const stacks: number[][] = [];
    const misaligned = STACK_TOP - 0x202;
    for (const tier of ['interp', 'compiled', 'hot'] as const) {
      const mc = start(bytes, tier, { [RAX]: 0x1122_3344_5566, [RBX]: 0x7788, [RCX]: 3000, [RDI]: misaligned });
      const src: string[] = [];
      if (tier === 'hot') {
        // The trace as recorded while rsp was aligned: A's two aligned slots by word, the misaligned one through the DataView.
        const end = runToEnd(mc, 30_000);
        expect(end.reason).to.equal(ExitReason.Budget);
        src.push(loopTrace(mc, [CODE_BASE, A, TAIL])?.[1] ?? '');
        expect(src[0]).to.match(/\(\$8 & 3\) === 0/);
        expect(src[0].match(/m32\[/g) ?? [], 'word accesses').to.have.length.of.at.least(4);
        expect(src[0]).to.match(/dv\.getInt32\(a_\d+, true\)/);
      }
      ends.push(runToEnd(mc));
      stacks.push(Array.from(mc.mem.u8.subarray(misaligned - 32, misaligned + 8)), Array.from(mc.mem.u8.subarray(STACK_TOP - 32, STACK_TOP)));
    }
    expect([ends[0].reason, ends[0].signal]).to.deep.equal([ExitReason.Fault, SIGILL]);
    expect(ends[0].regs[2 * RSP]).to.equal(misaligned);
    expect(ends[1]).to.deep.equal(ends[0]);
    expect(ends[2]).to.deep.equal(ends[0]);
    expect(stacks[2]).to.deep.equal(stacks[0]);
    expect(stacks[4]).to.deep.equal(stacks[0]);
    expect(stacks[3]).to.deep.equal(stacks[1]);
    expect(stacks[5]).to.deep.equal(stacks[1]);
  });

  it('a trapping syscall ends a trace and the run every round, as the interpreter stops', () => {
    // head: rsi += 1, jmp A. A: syscall (the trap path's exit from the run), rdi += rsi, jmp to the tail.
    const head = new Asm().i('Add_rm64_imm8', 'rsi', 1).i('Mov_r32_imm32', 'edx', A).i('Jmp_rm64', 'rdx');
    const a = new Asm().i('Syscall').i('Add_r64_rm64', 'rdi', 'rsi').i('Mov_r32_imm32', 'edx', TAIL).i('Jmp_rm64', 'rdx');
    // The tail counts in ebp: the syscall overwrites rcx.
    const back = new Asm().i('Sub_rm32_imm8', 'ebp', 1).i('Je_rel32_64', L('end'))
      .i('Mov_r32_imm32', 'edx', CODE_BASE).i('Jmp_rm64', 'rdx').label('end').i('Ud2');
    const bytes = image([[CODE_BASE, head], [A, a], [TAIL, back]]);
    const ends: End[] = [];
    const traps: number[][] = [];
    for (const tier of ['interp', 'compiled', 'hot'] as const) {
      const mc = start(bytes, tier, { [RBP]: 3000 });
      const seen: number[] = [];
      let r: ExitReason;
      // Each run stops at the syscall, right after it: rip, the count, rdi as the syscall left them.
      while ((r = mc.cpu.run(mc.ctx, 10_000_000)) === ExitReason.SyscallTrap && seen.length < 4 * 3000) {
        seen.push(mc.ctx.rip, mc.ctx.retired, mc.ctx.getReg(RDI));
      }
      expect(r, tier).to.equal(ExitReason.Fault);
      ends.push(runToEnd(mc, 0));
      traps.push(seen);
    }
    expect(traps[0]).to.have.length(3 * 3000);
    expect(traps[1]).to.deep.equal(traps[0]);
    expect(traps[2]).to.deep.equal(traps[0]);
    expect(ends[1]).to.deep.equal(ends[0]);
    expect(ends[2]).to.deep.equal(ends[0]);
  });

  it('a store to code drops the trace: the new code runs, in a later block and right after the store', () => {
    // A adds an imm32 to rax; at round 2000 the tail rewrites that immediate to 100, and the one of its own next instruction.
    const a = new Asm().i('Add_rm64_imm32', 'rax', 1).i('Mov_r32_imm32', 'edx', TAIL).i('Jmp_rm64', 'rdx');
    const head = new Asm().i('Mov_r32_imm32', 'edx', A).i('Jmp_rm64', 'rdx');
    const t = (add: number) => new Asm().i('Cmp_rm32_imm32', 'ecx', 2000).i('Jne_rel32_64', L('go'))
      .i('Mov_rm32_imm32', m(null, A + 3), 100).i('Mov_rm32_imm32', m(null, add + 3), 100)
      .label('go').i('Add_rm64_imm32', 'rsi', 1).i('Sub_rm32_imm8', 'ecx', 1).i('Je_rel32_64', L('end'))
      .i('Mov_r32_imm32', 'edx', CODE_BASE).i('Jmp_rm64', 'rdx').label('end').i('Ud2');
    // Where `add rsi, imm32` (48 81 c6) sits: the same bytes whatever address the store names.
    const probe = t(TAIL).assemble(TAIL);
    const add = TAIL + probe.findIndex((v, k) => v === 0x48 && probe[k + 1] === 0x81 && probe[k + 2] === 0xc6);
    const bytes = image([[CODE_BASE, head], [A, a], [TAIL, t(add)]]);
    const ends: End[] = [];
    for (const tier of ['interp', 'compiled', 'hot'] as const) {
      const mc = start(bytes, tier, { [RCX]: 5000 });
      ends.push(runToEnd(mc));
    }
    expect(ends[0].reason).to.equal(ExitReason.Fault);
    expect(ends[0].regs[2 * RAX]).to.equal(3001 + 1999 * 100);
    expect(ends[0].regs[2 * RSI]).to.equal(3000 + 2000 * 100);
    expect(ends[1]).to.deep.equal(ends[0]);
    expect(ends[2]).to.deep.equal(ends[0]);
  });

  it('by default only a loop through the gate is kept as a trace', () => {
    const head = new Asm().i('Add_rm64_imm32', 'rax', 3).i('Mov_r32_imm32', 'edx', A).i('Jmp_rm64', 'rdx');
    const a = new Asm().i('Xor_r64_rm64', 'rbx', 'rax').i('Mov_r32_imm32', 'edx', TAIL).i('Jmp_rm64', 'rdx');
    const bytes = image([[CODE_BASE, head], [A, a], [TAIL, tail()]]);
    for (const all of [false, true]) {
      const mc = start(bytes, 'hot', { [RCX]: 2000 }, all);
      expect(runToEnd(mc).reason).to.equal(ExitReason.Fault);
      expect(loopTrace(mc, [CODE_BASE, A, TAIL]) !== null, String(all)).to.equal(all);
    }
  });

  it('a trace that goes round stops at the run\'s budget like any block, and the totals agree', () => {
    const head = new Asm().i('Add_rm64_imm32', 'rax', 3).i('Mov_r32_imm32', 'edx', A).i('Jmp_rm64', 'rdx');
    const a = new Asm().i('Xor_r64_rm64', 'rbx', 'rax').i('Mov_r32_imm32', 'edx', TAIL).i('Jmp_rm64', 'rdx');
    const bytes = image([[CODE_BASE, head], [A, a], [TAIL, tail()]]);
    const ends: End[] = [];
    for (const tier of ['interp', 'hot'] as const) {
      const mc = start(bytes, tier, { [RCX]: 2000 });
      for (;;) {
        const before = mc.ctx.retired;
        const r = mc.cpu.run(mc.ctx, 1000);
        if (r !== ExitReason.Budget) break;
        // At or past the budget, by less than one round of the trace (10 instructions).
        expect(mc.ctx.retired - before).to.be.at.least(1000).and.below(1010);
      }
      ends.push(runToEnd(mc, 0));
    }
    expect(ends[1]).to.deep.equal(ends[0]);
  });

  it('a trace goes on through the kernel\'s gate: the gate sees what it would see from the run loop', () => {
    const { bytes, after } = gateLoop();
    const seen: number[][] = [[], [], []];
    const ends: End[] = [];
    (['interp', 'compiled', 'hot'] as const).forEach((tier, x) => {
      const mc = start(bytes, tier, { [RCX]: 3000 }, false);
      mc.cpu.gate = { onGate: (ctx) => {
        // What the kernel reads: the return address, rflags, the count so far and the caller's rsp.
        seen[x].push(ctx.retired, ctx.getRflags());
        ctx.rip = popGate(mc, ctx);
        seen[x].push(ctx.rip, ctx.getReg(RSP));
        ctx.setReg(RAX, ctx.getReg(RBX) & 0xff);
        return GATE_CONTINUE;
      } };
      // In runs of 1000 instructions: each stops at or past the budget by less than a round (about 480 with the sled).
      let r: ExitReason;
      do {
        const before = mc.ctx.retired;
        r = mc.cpu.run(mc.ctx, 1000);
        if (r === ExitReason.Budget) expect(mc.ctx.retired - before).to.be.at.least(1000).and.below(1000 + 490);
      } while (r === ExitReason.Budget);
      expect(r).to.equal(ExitReason.Fault);
      ends.push(runToEnd(mc, 0));
      if (tier !== 'interp') {
        const src = loopTrace(mc, [CODE_BASE, after, TAIL])?.[1];
        expect(src, tier).to.include('c.sys(');
        // The call hands the gate its return address: nothing pushed, nothing to restore.
        expect(src, tier).to.include('c.ctx.gateRet = ').and.not.include('gateSavedLo');
        expect(mc.ctx.getReg(RSP)).to.equal(STACK_TOP);
      }
    });
    expect(seen[0]).to.have.length(4 * 3000);
    expect(seen[1]).to.deep.equal(seen[0]);
    expect(seen[2]).to.deep.equal(seen[0]);
    expect(ends[1]).to.deep.equal(ends[0]);
    expect(ends[2]).to.deep.equal(ends[0]);
  });

  /**
   * A loop through the gate that reads what a call leaves in rax, rcx and r11 and counts in ebp:
   * head (eax = 39, ebx -= 1, r12 += 3, call rax), after (rsi += rax + rcx, rdi += r11 + rbx + r12;
   * ebp -= 1, back to the head until 0, then ud2). Returns the image and the call's return address.
   */
  function gateRegsLoop(): { bytes: Uint8Array; after: number } {
    const head = new Asm().i('Mov_r32_imm32', 'eax', 39).i('Sub_rm32_imm8', 'ebx', 1).i('Add_rm64_imm8', 'r12', 3)
      .i('Call_rm64', 'rax');
    const after = CODE_BASE + head.assemble(CODE_BASE).length;
    const rest = new Asm().i('Add_r64_rm64', 'rsi', 'rax').i('Add_r64_rm64', 'rsi', 'rcx').i('Add_r64_rm64', 'rdi', 'r11')
      .i('Add_r64_rm64', 'rdi', 'rbx').i('Add_r64_rm64', 'rdi', 'r12')
      .i('Mov_r32_imm32', 'edx', TAIL).i('Jmp_rm64', 'rdx');
    const loopBack = new Asm().i('Sub_rm32_imm8', 'ebp', 1).i('Je_rel32_64', L('end'))
      .i('Mov_r32_imm32', 'edx', CODE_BASE).i('Jmp_rm64', 'rdx').label('end').i('Ud2');
    return { bytes: image([[CODE_BASE, head], [after, rest], [TAIL, loopBack]]), after };
  }

  it('after a gate call it goes on from, a trace takes rax, rcx and r11 from the gate and keeps its own other registers', () => {
    const { bytes, after } = gateRegsLoop();
    const ends: End[] = [];
    for (const tier of ['interp', 'compiled', 'hot'] as const) {
      const mc = start(bytes, tier, { [RBP]: 3000, [RBX]: 1 << 20 }, false);
      let round = 0;
      mc.cpu.gate = { onGate: (ctx) => {
        ctx.rip = popGate(mc, ctx);
        round++;
        // As a syscall leaves them: the result in rax, rcx and r11 overwritten (here with values that change every round).
        ctx.setReg(RAX, round * 7);
        ctx.setReg(RCX, ctx.rip + round);
        ctx.setReg(R11, 0x202 + (round & 0xff) * 0x10000);
        return GATE_CONTINUE;
      } };
      ends.push(runToEnd(mc));
      if (tier !== 'interp') expect(loopTrace(mc, [CODE_BASE, after, TAIL])?.[1], tier).to.include('c.sys(');
    }
    expect(ends[0].reason).to.equal(ExitReason.Fault);
    expect(ends[0].regs[2 * RBP]).to.equal(0);
    expect(ends[1]).to.deep.equal(ends[0]);
    expect(ends[2]).to.deep.equal(ends[0]);
  });

  it('a window a trace remembers as holding is tested again after a gate call that watched a page: a store there is reported', () => {
    // head (eax = 39, call rax), after (push rbx; pop r13: a held store to the stack; rsi += r13), the tail counting in rcx.
    const head = new Asm().i('Mov_r32_imm32', 'eax', 39).i('Call_rm64', 'rax');
    const after = CODE_BASE + head.assemble(CODE_BASE).length;
    const rest = new Asm().i('Add_rm64_imm8', 'rbx', 5).i('Push_r64', 'rbx').i('Pop_r64', 'r13').i('Add_r64_rm64', 'rsi', 'r13')
      .i('Mov_r32_imm32', 'edx', TAIL).i('Jmp_rm64', 'rdx');
    const bytes = image([[CODE_BASE, head], [after, rest], [TAIL, tail()]]);
    const stackPage = (STACK_TOP - 8) >>> 12;
    const ends: End[] = [];
    for (const tier of ['interp', 'compiled', 'hot'] as const) {
      const mc = start(bytes, tier, { [RCX]: 3000 }, false);
      const cpuWrite = mc.mem.onCodeWrite as (page: number) => void;
      const reported: number[] = [];
      mc.mem.onCodeWrite = (page) => { reported.push(page); cpuWrite(page); };
      let round = 0;
      let src = '';
      mc.cpu.gate = { onGate: (ctx) => {
        ctx.rip = popGate(mc, ctx);
        ctx.setReg(RAX, 0);
        if (++round === 2000) {
          src = loopTrace(mc, [CODE_BASE, after, TAIL])?.[1] ?? '';
          // As an exec or a decode would: the stack's page becomes watched (its writes must be reported).
          mc.mem.codePages[stackPage] = 1;
          mc.mem.codeMarks++;
        }
        return GATE_CONTINUE;
      } };
      ends.push(runToEnd(mc));
      // The push right after that call writes the watched page: reported on every tier (once: the CPU stops watching it).
      expect(reported, tier).to.deep.equal([stackPage]);
      if (tier === 'hot') {
        expect(src).to.include('c.sys(');
        expect(src).to.match(/if \(\$8 !== w_\d+ \|\| \$9 !== 0\)/);
        expect(src).to.include('c.mem.codeMarks !== cm');
      }
    }
    expect(ends[0].reason).to.equal(ExitReason.Fault);
    expect(ends[1]).to.deep.equal(ends[0]);
    expect(ends[2]).to.deep.equal(ends[0]);
  });

  it('a gate call that replaces other registers and answers GATE_EXIT leaves them as the gate set them (the trace writes none back)', () => {
    const { bytes, after } = gateRegsLoop();
    const ends: End[] = [];
    const exits: number[][] = [[], [], []];
    (['interp', 'compiled', 'hot'] as const).forEach((tier, x) => {
      const mc = start(bytes, tier, { [RBP]: 3000, [RBX]: 1 << 20 }, false);
      let round = 0;
      mc.cpu.gate = { onGate: (ctx) => {
        ctx.rip = popGate(mc, ctx);
        ctx.setReg(RAX, 0);
        if (++round % 500 !== 0) return GATE_CONTINUE;
        // As execve or rt_sigreturn would: a new value for registers the trace keeps in its locals.
        ctx.setReg(RBX, round * 1000);
        ctx.setReg(R12, round);
        ctx.setReg(RSI, 5);
        ctx.setReg(RDI, 0);
        return GATE_EXIT;
      } };
      let r: ExitReason;
      for (;;) {
        r = mc.cpu.run(mc.ctx, 10_000_000);
        if (r !== ExitReason.GateDone) break;
        exits[x].push(mc.ctx.getReg(RBX), mc.ctx.getReg(R12), mc.ctx.getReg(RSI), mc.ctx.getReg(RDI), mc.ctx.rip);
      }
      expect(r).to.equal(ExitReason.Fault);
      ends.push(runToEnd(mc, 0));
      if (tier !== 'interp') expect(loopTrace(mc, [CODE_BASE, after, TAIL])?.[1], tier).to.include('c.sys(');
    });
    expect(exits[0]).to.have.length(5 * 6);
    expect(exits[0].slice(0, 5)).to.deep.equal([500_000, 500, 5, 0, after]);
    expect(exits[1]).to.deep.equal(exits[0]);
    expect(exits[2]).to.deep.equal(exits[0]);
    expect(ends[1]).to.deep.equal(ends[0]);
    expect(ends[2]).to.deep.equal(ends[0]);
  });

  it('a gate that defers a traced call finds the call\'s push on the stack, as after the interpreter\'s call', () => {
    // The loop of the gate test; from round 2000 on the gate defers the call (as a kernel without a current task does)
    // and a scheduler pops it before the next run. Red-zone bytes sit below the stack top.
    const { bytes, after } = gateLoop();
    const ends: End[] = [];
    const deferred: number[][] = [[], [], []];
    (['interp', 'compiled', 'hot'] as const).forEach((tier, x) => {
      const mc = start(bytes, tier, { [RCX]: 3000 }, false);
      mc.mem.writeU32(STACK_TOP - 8, 0x1234_5678);
      mc.mem.writeU32(STACK_TOP - 4, 0x9abc_def0);
      let round = 0;
      mc.cpu.gate = { onGate: (ctx) => {
        if (++round >= 2000) return GATE_DEFER;
        ctx.rip = popGate(mc, ctx);
        return GATE_CONTINUE;
      } };
      let r: ExitReason;
      for (;;) {
        r = mc.cpu.run(mc.ctx, 10_000_000);
        if (r !== ExitReason.Gate) break;
        // What the kernel finds at ExitReason.Gate: the pushed return address, the bytes it covered kept aside.
        const rsp = mc.ctx.getReg(RSP);
        deferred[x].push(rsp, Number(mc.mem.readU64(rsp)), mc.ctx.gateSavedLo, mc.ctx.gateSavedHi, mc.ctx.gateRet === 0 ? 0 : mc.ctx.gateRet);
        mc.ctx.rip = popGate(mc, mc.ctx);
      }
      expect(r).to.equal(ExitReason.Fault);
      ends.push(runToEnd(mc, 0));
      expect(mc.mem.readU32(STACK_TOP - 8)).to.equal(0x1234_5678);
    });
    expect(deferred[0]).to.have.length(5 * 1001);
    expect(deferred[0].slice(0, 5)).to.deep.equal([STACK_TOP - 8, after, 0x1234_5678, 0x9abc_def0 | 0, 0]);
    expect(deferred[1]).to.deep.equal(deferred[0]);
    expect(deferred[2]).to.deep.equal(deferred[0]);
    expect(ends[1]).to.deep.equal(ends[0]);
    expect(ends[2]).to.deep.equal(ends[0]);
  });

  it('a gate that rewrites a member\'s code (as read() into it would) drops the trace: the new code runs', () => {
    // head: eax = 39; call rax. After: rsi += imm32; on to the tail. At round 1500 the kernel rewrites that immediate.
    const head = new Asm().i('Mov_r32_imm32', 'eax', 39).i('Call_rm64', 'rax');
    const at = CODE_BASE + head.assemble(CODE_BASE).length;
    const after = new Asm().i('Add_rm64_imm32', 'rsi', 1).i('Mov_r32_imm32', 'edx', TAIL).i('Jmp_rm64', 'rdx');
    const bytes = image([[CODE_BASE, head], [at, after], [TAIL, tail()]]);
    const ends: End[] = [];
    for (const tier of ['interp', 'compiled', 'hot'] as const) {
      const mc = start(bytes, tier, { [RCX]: 3000 }, false);
      mc.cpu.gate = { onGate: (ctx) => {
        ctx.rip = popGate(mc, ctx);
        if (ctx.getReg(RCX) === 1500) mc.mem.writeU32(at + 3, 100);
        return GATE_CONTINUE;
      } };
      ends.push(runToEnd(mc));
    }
    expect(ends[0].reason).to.equal(ExitReason.Fault);
    expect(ends[0].regs[2 * RSI]).to.equal(1500 + 1500 * 100);
    expect(ends[1]).to.deep.equal(ends[0]);
    expect(ends[2]).to.deep.equal(ends[0]);
  });
});

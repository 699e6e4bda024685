/**
 * The stack window of hot code (cpu/stack-window.ts): which run of stack
 * accesses it covers, and that an access outside what it proved is still
 * tested on its own — a fault stays at its instruction, a stack on a code
 * page still drops that code.
 */
import { expect } from 'chai';
import { Asm, CODE_BASE, L, STACK_TOP, getR, m, program, runFrom } from './asm.js';
import { BlockDecoder } from '../../cpu/decode.js';
import { Core } from '../../cpu/core.js';
import { skipTargets } from '../../cpu/compile.js';
import { Block, interpret } from '../../cpu/block.js';
import { stackWindow } from '../../cpu/stack-window.js';
import { ExitReason, RAX, RBX, RCX, RDX, RSP, SIGILL, SIGSEGV, SI_KERNEL } from '../../cpu/index.js';
import type { CpuContext } from '../../cpu/index.js';
import type { Machine } from './asm.js';

/** The window of the block at CODE_BASE of a (followed branches on). */
function windowOf(a: Asm): ReturnType<typeof stackWindow> {
  const mc = program(a.i('Ud2'));
  const d = new BlockDecoder(new Core(mc.mem)).decodeBlock(CODE_BASE);
  return stackWindow(d.insns, skipTargets(new Block(CODE_BASE, d.end, d.insns, interpret)));
}

describe('stack window', () => {
  it('spans the run of pushes, spills and pops at their offsets from rsp at the start', () => {
    const w = windowOf(new Asm().i('Push_r64', 'rbx').i('Sub_rm64_imm8', 'rsp', 16).i('Mov_rm64_r64', m('rsp', 8), 'rax')
      .i('Mov_r64_rm64', 'rcx', m('rsp', 24)).i('Add_rm64_imm8', 'rsp', 16).i('Pop_r64', 'rbx').i('Retnq'));
    // push at -8; [rsp+8] at -24 + 8 = -16; [rsp+24] at 0; pop at -8; ret at 0.
    expect(w).to.not.equal(null);
    expect([w!.lo, w!.hi]).to.deep.equal([-16, 8]);
    expect(w!.covered).to.deep.equal([true, true, true, true, true, true, true]);
  });

  it('follows lea rsp, [rsp+d] and a followed call; an access off rsp is not covered', () => {
    const w = windowOf(new Asm().i('Lea_r64_m', 'rsp', m('rsp', -32)).i('Mov_rm64_r64', m('rsp'), 'rax').i('Mov_r64_rm64', 'rdx', m('rbx', 8))
      .i('Call_rel32_64', L('f')).label('f').i('Mov_r64_rm64', 'rcx', m('rsp', 8)));
    expect([w!.lo, w!.hi]).to.deep.equal([-40, -24]);
    expect(w!.covered).to.deep.equal([true, true, false, true, true, true]);
  });

  it('ends where rsp is set otherwise, or moved on a path a jcc may skip', () => {
    let w = windowOf(new Asm().i('Push_r64', 'rax').i('Push_r64', 'rbx').i('Mov_r64_rm64', 'rsp', 'rbp').i('Mov_r64_rm64', 'rcx', m('rsp')));
    expect(w!.covered).to.deep.equal([true, true, false, false, false]);
    expect([w!.lo, w!.hi]).to.deep.equal([-16, 0]);
    w = windowOf(new Asm().i('Push_r64', 'rax').i('Push_r64', 'rbx').i('Test_rm64_r64', 'rdx', 'rdx').i('Je_rel32_64', L('j')).i('Add_rm64_imm8', 'rsp', 8)
      .label('j').i('Mov_r64_rm64', 'rcx', m('rsp')).i('Pop_r64', 'rbx'));
    expect(w!.covered.slice(0, 4)).to.deep.equal([true, true, true, true]);
    expect(w!.covered.slice(4)).to.deep.equal([false, false, false, false]);
    // pop rsp, and rsp named any other way (and rsp, imm), end it too.
    expect(windowOf(new Asm().i('Push_r64', 'rax').i('Pop_r64', 'rsp').i('Push_r64', 'rbx').i('Push_r64', 'rbx'))).to.equal(null);
    expect(windowOf(new Asm().i('Push_r64', 'rax').i('And_rm64_imm8', 'rsp', -16).i('Push_r64', 'rbx'))).to.equal(null);
  });

  it('is none for a single access or a span past one page', () => {
    expect(windowOf(new Asm().i('Push_r64', 'rax').i('Mov_r64_rm64', 'rcx', 'rdx'))).to.equal(null);
    expect(windowOf(new Asm().i('Push_r64', 'rax').i('Mov_r64_rm64', 'rcx', m('rsp', 0x2000)))).to.equal(null);
  });
});

const start = (mc: Machine, regs: Record<number, bigint>) => runFrom(mc, CODE_BASE, regs);

/** Runs the program hot (five good runs ending at its ud2), then with `bad`. */
function hotThenBad(a: Asm, good: Record<number, bigint>, bad: Record<number, bigint>): { mc: Machine; ctx: CpuContext } {
  const mc = program(a.i('Ud2'), 'hot');
  for (let k = 0; k < 5; k++) {
    const { reason, ctx } = start(mc, good);
    expect([reason, ctx.faultSignal], ctx.faultDetail).to.deep.equal([ExitReason.Fault, SIGILL]);
  }
  return { mc, ctx: start(mc, bad).ctx };
}

const rel = (v: number): bigint => BigInt.asUintN(64, BigInt(v));

describe('stack window in hot code', () => {
  it('an access after rsp is set from a register is checked: it faults at its instruction', () => {
    // push rax; mov rsp, rbx; mov rcx, [rsp] — rbx = 16 is page 0, inside the buffer: only the check faults it.
    const a = new Asm().i('Push_r64', 'rax').i('Push_r64', 'rax').i('Mov_r64_rm64', 'rsp', 'rbx').i('Mov_r64_rm64', 'rcx', m('rsp'));
    const { ctx } = hotThenBad(a, { [RBX]: rel(STACK_TOP) }, { [RBX]: 16n, [RCX]: 5n });
    expect(ctx.faultSignal, ctx.faultDetail).to.equal(SIGSEGV);
    expect(ctx.faultAddr).to.equal(16);
    expect(ctx.rip).to.equal(CODE_BASE + 1 + 1 + 3);
    expect(getR(ctx, RCX)).to.equal(5n);
  });

  it('an access after rsp moved on a skippable path is checked', () => {
    // push rax; push rax; test rdx, rdx; je j; add rsp, rbx; j: mov rcx, [rsp]
    const a = new Asm().i('Push_r64', 'rax').i('Push_r64', 'rax').i('Test_rm64_r64', 'rdx', 'rdx').i('Je_rel32_64', L('j')).i('Add_r64_rm64', 'rsp', 'rbx')
      .label('j').i('Mov_r64_rm64', 'rcx', m('rsp'));
    const { ctx } = hotThenBad(a, { [RBX]: 16n, [RDX]: 1n }, { [RBX]: rel(16 - (STACK_TOP - 16)), [RDX]: 1n });
    expect(ctx.faultSignal, ctx.faultDetail).to.equal(SIGSEGV);
    expect(ctx.faultAddr).to.equal(16);
    expect(getR(ctx, RSP)).to.equal(16n);
  });

  it('a window past the end of RAM fails as a whole: each access is checked and the first bad one faults', () => {
    // sub rsp, 16; mov [rsp+8], rax; add rsp, 0x40; mov rcx, [rsp]: with rsp 0x20 below the top, the load is past it.
    const a = new Asm().i('Sub_rm64_imm8', 'rsp', 16).i('Mov_rm64_r64', m('rsp', 8), 'rax').i('Add_rm64_imm8', 'rsp', 0x40)
      .i('Mov_r64_rm64', 'rcx', m('rsp'));
    const top = 1 << 20;
    const { mc, ctx } = hotThenBad(a, { [RAX]: 7n }, { [RSP]: rel(top - 0x20), [RAX]: 0x99n, [RCX]: 5n });
    expect(ctx.faultSignal, ctx.faultDetail).to.equal(SIGSEGV);
    expect(ctx.faultAddr).to.equal(top + 0x10);
    expect(getR(ctx, RSP)).to.equal(rel(top + 0x10));
    expect(getR(ctx, RCX)).to.equal(5n);
    expect(mc.mem.dv.getUint32(top - 0x28, true)).to.equal(0x99);
  });

  it('a covered movdqa still checks its alignment: #GP on a misaligned stack', () => {
    const a = new Asm().i('Push_r64', 'rax').i('Push_r64', 'rax').i('Movdqa_xmm_xmmm128', 'xmm0', m('rsp'));
    const { ctx } = hotThenBad(a, {}, { [RSP]: rel(STACK_TOP - 8) });
    expect(ctx.faultSignal, ctx.faultDetail).to.equal(SIGSEGV);
    expect(ctx.faultCode).to.equal(SI_KERNEL);
    expect(ctx.rip).to.equal(CODE_BASE + 2);
  });

  it('rsp above 4 GiB fails the window (its low half alone would pass): the first push faults', () => {
    const a = new Asm().i('Push_r64', 'rax').i('Push_r64', 'rbx');
    const sp = 0x1_0000_0000 + STACK_TOP;
    const { ctx } = hotThenBad(a, {}, { [RSP]: rel(sp) });
    expect(ctx.faultSignal, ctx.faultDetail).to.equal(SIGSEGV);
    expect(ctx.faultAddr).to.equal(sp - 8);
    expect([ctx.rip, getR(ctx, RSP)]).to.deep.equal([CODE_BASE, rel(sp)]);
  });

  it('a window over a code page fails: the pushes there go through the store path, which drops that code', () => {
    // push rax; push rbx; pop rcx; pop rdx — with rsp on the code page, under code the block has decoded.
    const a = new Asm().i('Push_r64', 'rax').i('Push_r64', 'rbx').i('Pop_r64', 'rcx').i('Pop_r64', 'rdx');
    const sp = CODE_BASE + 0x800;
    const { mc, ctx } = hotThenBad(a, { [RAX]: 1n, [RBX]: 2n }, { [RSP]: rel(sp), [RAX]: 0x11n, [RBX]: 0x22n });
    expect(ctx.faultSignal, ctx.faultDetail).to.equal(SIGILL);
    expect([getR(ctx, RCX), getR(ctx, RDX), getR(ctx, RSP)]).to.deep.equal([0x22n, 0x11n, rel(sp)]);
    expect(mc.mem.dv.getUint32(sp - 16, true)).to.equal(0x22);
    // The stores on the code page went through the slow path, which drops its decoded code.
    expect(mc.cpu.decodedBlocks).to.be.greaterThan(1);
  });
});

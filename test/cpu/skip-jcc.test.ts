/**
 * A forward jcc whose target is a later instruction of the same block is
 * compiled as a skip (`if (!taken) { ... }`) instead of a side exit
 * (compile.ts, skipTargets). The compiled tier must agree with the
 * interpreter, which always takes the side exit, on every register, the
 * flags, the retired count, and where and after how many instructions a
 * fault happens, whichever way each jcc goes in each round.
 */
import { expect } from 'chai';
import { Asm, L, DATA, m, program, run, type Machine } from './asm.js';
import { ExitReason, RAX, RBX, RCX, RDX, RSI, RDI, blockFunctionStats } from '../../cpu/index.js';
import { Block, interpret } from '../../cpu/block.js';
import { compileBlock } from '../../cpu/compile.js';
import { Core } from '../../cpu/core.js';
import { BlockDecoder } from '../../cpu/decode.js';
import { CODE_BASE } from './asm.js';

const REGS = [RAX, RBX, RCX, RDX, RSI, RDI];

function state(mc: Machine, r: ExitReason) {
  const c = mc.ctx;
  return {
    reason: r, rip: c.rip, retired: c.retired, flags: c.getRflags(), fault: r === ExitReason.Fault ? [c.faultSignal, c.faultAddr] : null,
    regs: REGS.map((n) => c.getReg(n)), mem: [0, 4, 8, 12].map((o) => mc.mem.readU32(DATA + o)),
  };
}

/** Runs the same program on both tiers (the compiled one compiles the loop after a few rounds). */
function both(asm: () => Asm, setup: (mc: Machine) => void = () => {}) {
  const out = (['interp', 'compiled'] as const).map((tier) => {
    const mc = program(asm(), tier);
    setup(mc);
    return state(mc, run(mc));
  });
  return { interp: out[0], compiled: out[1] };
}

/**
 * Loop of `rounds` rounds (ecx counts down). Per round: if bit 0 of ecx is
 * set, skip two adds (nested: if bit 1, skip one more); a flag reader
 * (setc / adc) after each join sees whichever path's flags; a store to DATA.
 */
function loopProgram(rounds: number, faultAt: number | null): () => Asm {
  return () => {
    const a = new Asm()
      .i('Mov_r32_imm32', 'ecx', rounds)
      .i('Xor_r32_rm32', 'eax', 'eax')
      .i('Xor_r32_rm32', 'ebx', 'ebx')
      .i('Xor_r32_rm32', 'esi', 'esi')
      .label('top').i('Test_rm32_imm32', 'ecx', 1)
      .i('Jne_rel8_64', L('odd'))
      .i('Add_rm32_imm32', 'eax', 0x7fffffff) // sets CF on some rounds
      .i('Test_rm32_imm32', 'ecx', 2)
      .i('Jne_rel8_64', L('inner'))
      .i('Add_rm32_imm8', 'ebx', 3)
      .label('inner').i('Add_rm32_imm8', 'ebx', 5)
      .label('odd').i('Setb_rm8', 'dl') // CF from the add, or from test (0) when skipped
      .i('Add_r32_rm32', 'esi', 'edx')
      .i('Mov_rm32_r32', m(null, DATA), 'esi');
    if (faultAt !== null) {
      // In round `faultAt` (ecx == faultAt) read address 8: SIGSEGV inside the loop block, after a join.
      a.i('Cmp_rm32_imm8', 'ecx', faultAt)
        .i('Jne_rel8_64', L('nofault'))
        .i('Mov_r32_rm32', 'edi', m(null, 8))
        .label('nofault');
    }
    return a.i('Sub_rm32_imm8', 'ecx', 1)
      .i('Jne_rel32_64', L('top'))
      .i('Ud2');
  };
}

describe('forward jccs inside a compiled block', () => {
  it('are compiled as skips, nested, and as side exits when they cross', () => {
    const mc = program(loopProgram(5, 3)(), 'compiled');
    const d = new BlockDecoder(new Core(mc.mem)).decodeBlock(CODE_BASE);
    const src = compileBlock(new Block(CODE_BASE, d.end, d.insns, interpret)).toString();
    // jne odd, jne inner (nested in it), jne nofault: three skips. The one side exit is the back
    // edge to `top` (taken, the loop goes on in the block that starts there).
    expect(src.match(/sk \+= /g)).to.have.length(3);
    expect(src.match(/\) \{ (?:c\.f[a-z]+ = [^;]+; )*c\.rip = \(B \+ \d+\); return/g)).to.have.length(1);
    // Crossing ranges: the second jcc's target lies past the first one's, so it stays a side exit.
    const crossing = program(new Asm()
      .i('Test_rm32_imm32', 'ecx', 1).i('Jne_rel8_64', L('a'))
      .i('Test_rm32_imm32', 'ecx', 2).i('Jne_rel8_64', L('b'))
      .i('Add_rm32_imm8', 'eax', 1)
      .label('a').i('Add_rm32_imm8', 'eax', 2)
      .label('b').i('Add_rm32_imm8', 'eax', 4)
      .i('Ud2'), 'compiled');
    const dc = new BlockDecoder(new Core(crossing.mem)).decodeBlock(CODE_BASE);
    const cs = compileBlock(new Block(CODE_BASE, dc.end, dc.insns, interpret)).toString();
    expect(cs.match(/sk \+= /g)).to.have.length(1);
    expect(cs.match(/\) \{ (?:c\.f[a-z]+ = [^;]+; )*c\.rip = \(B \+ \d+\); return/g)).to.have.length(1);
  });

  it('a loop whose rounds take different skips: compiled equals interpreted, state, flags and counts', () => {
    for (const rounds of [1, 3, 4, 7, 16, 37]) {
      const made = blockFunctionStats.made + blockFunctionStats.reused;
      const { interp, compiled } = both(loopProgram(rounds, null));
      expect(compiled, `rounds ${rounds}`).to.deep.equal(interp);
      expect(interp.reason).to.equal(ExitReason.Fault);
      if (rounds >= 7) expect(blockFunctionStats.made + blockFunctionStats.reused).to.be.above(made);
    }
  });

  it('a fault after skipped instructions reports the same rip and retired count as the interpreter', () => {
    for (const faultAt of [1, 2, 5, 6, 9]) {
      const { interp, compiled } = both(loopProgram(12, faultAt));
      expect(interp.reason).to.equal(ExitReason.Fault);
      expect(interp.fault![1]).to.equal(8);
      // At a fault the arithmetic flags may be older in the compiled tier: a faulting instruction does
      // not count as a flag reader (docs/cpu.md, flag liveness); everything else must be equal.
      expect({ ...compiled, flags: 0 }, `fault in round ${faultAt}`).to.deep.equal({ ...interp, flags: 0 });
    }
  });

  it('a straight-line block with a skip that faults after the join, run hot', () => {
    // Called 10 times from a loop: the block `f` compiles; the last call faults after its join.
    const asm = () => new Asm()
      .i('Mov_r32_imm32', 'ecx', 10)
      .label('top').i('Call_rel32_64', L('f'))
      .i('Sub_rm32_imm8', 'ecx', 1)
      .i('Jne_rel32_64', L('top'))
      .i('Ud2')
      .label('f').i('Cmp_rm32_imm8', 'ecx', 4)
      .i('Jb_rel8_64', L('j'))
      .i('Add_rm32_imm8', 'eax', 1)
      .i('Add_rm32_imm8', 'eax', 1)
      .label('j').i('Add_rm32_imm8', 'ebx', 1)
      .i('Cmp_rm32_imm8', 'ecx', 1)
      .i('Jne_rel8_64', L('k'))
      .i('Mov_r32_rm32', 'edi', m(null, 8))
      .label('k').i('Retnq');
    const { interp, compiled } = both(asm);
    expect(interp.reason).to.equal(ExitReason.Fault);
    expect({ ...compiled, flags: 0 }).to.deep.equal({ ...interp, flags: 0 });
    // eax: 2 per call with ecx >= 4 (10..4: 7 calls); ebx: one per call.
    expect(interp.regs[0]).to.equal(14);
    expect(interp.regs[1]).to.equal(10);
  });
});

describe('backward jccs that are not the block\'s own loop', () => {
  // strcmp's shape: the mismatch exit jumps back, the back edge goes to the loop's start.
  const asm = () => new Asm()
    .i('Jmp_rel8_64', L('start'))
    .label('fail').i('Mov_r32_imm32', 'eax', -1)
    .i('Ud2')
    .label('start').i('Xor_r32_rm32', 'ecx', 'ecx')
    .label('loop').i('Movzx_r32_rm8', 'eax', m('rsi', 0, 'rcx'))
    .i('Cmp_r8_rm8', 'al', m('rdi', 0, 'rcx'))
    .i('Jne_rel8_64', L('fail'))
    .i('Add_rm32_imm8', 'ecx', 1)
    .i('Test_rm8_r8', 'al', 'al')
    .i('Jne_rel8_64', L('loop'))
    .i('Xor_r32_rm32', 'eax', 'eax')
    .i('Ud2');

  for (const tier of ['interp', 'compiled', 'hot'] as const) {
    it(`are side exits: a loop that leaves backwards is one loop block (${tier})`, () => {
      for (const [a, b, want] of [['hello, world', 'hello, world', 0], ['hello, world', 'hello, there', -1], ['', 'x', -1]] as const) {
        const mc = program(asm(), tier);
        mc.mem.writeBytes(DATA, new TextEncoder().encode(`${a}\0`));
        mc.mem.writeBytes(DATA + 64, new TextEncoder().encode(`${b}\0`));
        mc.ctx.setReg(RSI, DATA);
        mc.ctx.setReg(RDI, DATA + 64);
        expect(run(mc)).to.equal(ExitReason.Fault);
        expect(mc.ctx.getReg(RAX) | 0, `${a} vs ${b}`).to.equal(want);
        // Common prefix rounds of 6, the last round up to its exit, plus the entry instructions.
        let k = 0;
        while (k < a.length && a[k] === b[k]) k++;
        const rounds = want === 0 ? a.length + 1 : k + 1;
        const last = want === 0 ? 6 + 1 : 3 + 1;
        expect(mc.ctx.retired).to.equal(2 + (rounds - 1) * 6 + last);
      }
      // The entry block (jmp, xor, the first round, past both jccs to the end), the loop block at
      // `loop` (the mismatch exit is a side exit inside it), and the code after the loop.
      const mc = program(asm(), tier);
      mc.mem.writeBytes(DATA, new TextEncoder().encode('ab\0'));
      mc.mem.writeBytes(DATA + 64, new TextEncoder().encode('ab\0'));
      mc.ctx.setReg(RSI, DATA);
      mc.ctx.setReg(RDI, DATA + 64);
      run(mc);
      expect(mc.cpu.cachedBlocks).to.equal(3);
    });
  }
});

describe('a loop whose back edge is a jmp (a while loop)', () => {
  // head: cmp ecx, N; jge out; lea edx, [rcx*8 + 0xfffc0]; mov edx, [rdx] (faults once ecx*8 reaches
  // the end of RAM, with N past 8); add eax, ecx; add ecx, 1; jmp head
  const asm = (n: number, load: boolean) => {
    const a = new Asm()
      .i('Xor_r32_rm32', 'ecx', 'ecx')
      .i('Xor_r32_rm32', 'eax', 'eax')
      .label('head').i('Cmp_rm32_imm8', 'ecx', n)
      .i('Jge_rel32_64', L('out'));
    if (load) a.i('Lea_r32_m', 'edx', m(null, 0xfffc0, 'rcx', 8)).i('Mov_r32_rm32', 'edx', m('rdx'));
    return a.i('Add_r32_rm32', 'eax', 'ecx')
      .i('Add_rm32_imm8', 'ecx', 1)
      .i('Jmp_rel32_64', L('head'))
      .label('out').i('Ud2');
  };

  it('is compiled as a loop block and agrees with the interpreter, whatever the budget', () => {
    const mc0 = program(asm(40, false), 'compiled');
    const head = CODE_BASE + 2 + 2;
    const d = new BlockDecoder(new Core(mc0.mem)).decodeBlock(head);
    expect(compileBlock(new Block(head, d.end, d.insns, interpret)).toString()).to.include('for (;;)');
    for (const budget of [1, 3, 7, 50, 1_000_000]) {
      const out = (['interp', 'compiled'] as const).map((tier) => {
        const mc = program(asm(40, false), tier);
        let r: ExitReason;
        let runs = 0;
        do { r = run(mc, budget); runs++; } while (r === ExitReason.Budget);
        return { r, rax: mc.ctx.getReg(RAX), retired: mc.ctx.retired, rip: mc.ctx.rip, runs: budget === 1_000_000 ? runs : 0 };
      });
      expect(out[1], `budget ${budget}`).to.deep.equal(out[0]);
      expect(out[0].rax).to.equal((40 * 39) / 2);
      // xor, xor; 40 rounds of 5; cmp and the taken jge.
      expect(out[0].retired).to.equal(2 + 40 * 5 + 2);
    }
  });

  it('a fault in a later round reports the same rip and count on both tiers', () => {
    const out = (['interp', 'compiled'] as const).map((tier) => {
      const mc = program(asm(100, true), tier);
      const r = run(mc);
      return { r, rip: mc.ctx.rip, retired: mc.ctx.retired, addr: mc.ctx.faultAddr, rax: mc.ctx.getReg(RAX) };
    });
    expect(out[1]).to.deep.equal(out[0]);
    expect(out[0].r).to.equal(ExitReason.Fault);
    expect(out[0].addr).to.equal(0x100000);
    // xor, xor; 8 rounds of 7; cmp, jge, lea of round 9.
    expect(out[0].retired).to.equal(2 + 8 * 7 + 3);
  });
});

describe('a loop closed by a followed jmp back to its head', () => {
  // jmp test; head: [load]; add eax, ecx; add ecx, 1; test: cmp ecx, N; jge out; jmp head; out: ud2
  // The block at `test` follows `jmp head` and stops when it is back at `test`: a loop falling through to its start.
  const asm = (n: number, load: boolean) => {
    const a = new Asm()
      .i('Xor_r32_rm32', 'ecx', 'ecx')
      .i('Xor_r32_rm32', 'eax', 'eax')
      .i('Jmp_rel32_64', L('test'))
      .label('head');
    if (load) a.i('Lea_r32_m', 'edx', m(null, 0xfffc0, 'rcx', 8)).i('Mov_r32_rm32', 'edx', m('rdx'));
    return a.i('Add_r32_rm32', 'eax', 'ecx')
      .i('Add_rm32_imm8', 'ecx', 1)
      .label('test').i('Cmp_rm32_imm8', 'ecx', n)
      .i('Jge_rel32_64', L('out'))
      .i('Jmp_rel32_64', L('head'))
      .label('out').i('Ud2');
  };

  it('runs as one loop block and agrees with the interpreter, whatever the budget', () => {
    const a = asm(40, false);
    const bytes = a.assemble(CODE_BASE);
    const mc0 = program(asm(40, false), 'compiled');
    // test: the cmp ecx, 40 (83 f9 28; the encoder picks the jmps' sizes).
    const at = bytes.findIndex((v, k) => v === 0x83 && bytes[k + 1] === 0xf9 && bytes[k + 2] === 40);
    expect(at).to.be.above(0);
    const test = CODE_BASE + at;
    const d = new BlockDecoder(new Core(mc0.mem)).decodeBlock(test);
    expect(d.end).to.equal(test);
    expect(compileBlock(new Block(test, d.end, d.insns, interpret, d.lo, d.hi)).toString()).to.include('for (;;)');
    for (const budget of [1, 4, 9, 50, 1_000_000]) {
      const out = (['interp', 'compiled'] as const).map((tier) => {
        const mc = program(asm(40, false), tier);
        let r: ExitReason;
        do { r = run(mc, budget); } while (r === ExitReason.Budget);
        return { r, rax: mc.ctx.getReg(RAX), retired: mc.ctx.retired, rip: mc.ctx.rip };
      });
      expect(out[1], `budget ${budget}`).to.deep.equal(out[0]);
      expect(out[0].rax).to.equal((40 * 39) / 2);
      // xor, xor, jmp; 40 rounds of cmp, jge, jmp, add, add; the last cmp and jge.
      expect(out[0].retired).to.equal(3 + 40 * 5 + 2);
    }
  });

  it('a fault in a later round reports the same rip and count on both tiers', () => {
    const out = (['interp', 'compiled'] as const).map((tier) => {
      const mc = program(asm(100, true), tier);
      const r = run(mc);
      return { r, rip: mc.ctx.rip, retired: mc.ctx.retired, addr: mc.ctx.faultAddr };
    });
    expect(out[1]).to.deep.equal(out[0]);
    expect(out[0].r).to.equal(ExitReason.Fault);
    expect(out[0].addr).to.equal(0x100000);
    // xor, xor, jmp; 8 rounds (ecx 0..7) of cmp, jge, jmp, lea, mov, add, add; cmp, jge, jmp, lea of ecx = 8.
    expect(out[0].retired).to.equal(3 + 8 * 7 + 4);
  });
});

describe('side exits whose target block is compiled into the block (inlined)', () => {
  /**
   * A loop block at `top` whose odd rounds leave through `jne odd` to code
   * before it on the same page; `odd` stores, may fault in round faultAt
   * (reading address 8), and goes back to `top` or ends.
   */
  const head = (a: Asm, rounds: number) => a.i('Mov_r32_imm32', 'ecx', rounds)
    .i('Xor_r32_rm32', 'eax', 'eax')
    .i('Xor_r32_rm32', 'ebx', 'ebx')
    .i('Xor_r32_rm32', 'esi', 'esi')
    .i('Jmp_rel32_64', L('top'));
  const odd = (a: Asm, faultAt: number | null) => a.label('odd').i('Add_rm32_imm8', 'ebx', 5)
    .i('Mov_rm32_r32', m(null, DATA + 4), 'ebx')
    .i('Cmp_rm32_imm8', 'ecx', faultAt ?? -1)
    .i('Jne_rel8_64', L('nofault'))
    .i('Mov_r32_rm32', 'edi', m(null, 8))
    .label('nofault').i('Sub_rm32_imm8', 'ecx', 1)
    .i('Jne_rel32_64', L('top'))
    .i('Ud2');
  const asm = (rounds: number, faultAt: number | null) => () => odd(head(new Asm(), rounds), faultAt)
    .label('top').i('Test_rm32_imm32', 'ecx', 1)
    .i('Jne_rel32_64', L('odd'))
    .i('Add_rm32_imm32', 'eax', 0x7fffffff)
    .i('Setb_rm8', 'dl')
    .i('Add_r32_rm32', 'esi', 'edx')
    .i('Mov_rm32_r32', m(null, DATA), 'esi')
    .i('Sub_rm32_imm8', 'ecx', 1)
    .i('Jne_rel32_64', L('top'))
    .i('Ud2');

  it('is inlined when the target was decoded and lies on the block\'s pages; c.k indices go on past the block', () => {
    const mc = program(asm(9, null)(), 'compiled');
    const dec = new BlockDecoder(new Core(mc.mem));
    const block = (addr: number) => { const d = dec.decodeBlock(addr); return new Block(addr, d.end, d.insns, interpret, d.lo, d.hi); };
    // The entry block's jmp (index 4) goes to `top`, whose jne (index 1) goes to `odd`.
    const topAt = block(CODE_BASE).insns[4].target;
    const top = block(topAt);
    const oddAt = top.insns[1].target;
    expect(oddAt).to.be.below(topAt);
    const target = block(oddAt);
    const src = compileBlock(top, (a) => (a === oddAt ? target : undefined)).toString();
    expect(top.all.length).to.equal(top.n + target.n);
    expect(top.all[top.n].addr).to.equal(oddAt);
    // Taken, the jcc (index 1) runs odd's instructions (indices from top.n on) instead of returning.
    const rel = (a: number) => (a >= topAt ? `(B + ${a - topAt})` : `(B - ${topAt - a})`);
    expect(src).to.include(`sk += ${top.n - 2}; c.rip = ${rel(target.end)};`);
    expect(src).to.include(`// ${top.n}: +-${topAt - oddAt}`);
    // Without the target decoded it stays a side exit.
    const plain = block(topAt);
    expect(compileBlock(plain, () => undefined).toString()).to.include(`c.rip = ${rel(oddAt)}; return`);
    expect(plain.all.length).to.equal(plain.n);
  });

  it('compiled equals interpreted, with the inlined code run in many rounds of the loop', () => {
    for (const rounds of [1, 2, 5, 8, 17, 40]) {
      const { interp, compiled } = both(asm(rounds, null));
      expect(compiled, `rounds ${rounds}`).to.deep.equal(interp);
      expect(interp.reason).to.equal(ExitReason.Fault);
    }
  });

  it('a side exit whose target first runs after the block was compiled is inlined once that target turns hot', () => {
    // `loop` calls f on the next page (f's block: cmp, jb, add, ret; calls and jmps across a page
    // are not followed); f's jb to `odd` is taken only after the 31st round, when f's block was
    // compiled long before (at its fourth run).
    const prog = () => {
      const a = new Asm()
        .i('Mov_r32_imm32', 'ecx', 60)
        .i('Xor_r32_rm32', 'ebx', 'ebx')
        .i('Jmp_rel32_64', L('loop'));
      // Filler decoding never reaches (db takes at most 16 bytes).
      for (let k = 0; k < 0x1000 / 16 - 1; k++) a.db(...new Array<number>(16).fill(0x0b));
      return a.label('loop').i('Call_rel32_64', L('f'))
        .i('Sub_rm32_imm8', 'ecx', 1)
        .i('Jne_rel32_64', L('loop'))
        .i('Ud2')
        .label('f').i('Cmp_rm32_imm8', 'ecx', 30)
        .i('Jb_rel32_64', L('odd'))
        .i('Add_rm32_imm8', 'ebx', 1)
        .i('Retnq')
        .label('odd').i('Add_rm32_imm8', 'ebx', 100)
        .i('Retnq');
    };
    const { interp, compiled } = both(prog);
    expect(compiled).to.deep.equal(interp);
    expect(interp.regs[1]).to.equal(31 + 29 * 100);
    const mc = program(prog(), 'compiled');
    expect(run(mc)).to.equal(ExitReason.Fault);
    const entry = mc.cpu.blockAt(CODE_BASE)!;
    const loop = mc.cpu.blockAt(entry.insns[2].target)!;
    const f = mc.cpu.blockAt(loop.insns[0].target)!;
    expect(f.n).to.equal(4);
    const oddAt = f.insns[1].target;
    const odd = mc.cpu.blockAt(oddAt)!;
    expect(mc.cpu.sideExitCompiles).to.equal(1);
    expect(f.all.slice(f.n).map((i) => i.addr)).to.deep.equal(odd.insns.map((i) => i.addr));
    // The run loop entered odd until its fourth run (HOT), and never after: f's function runs it.
    expect(odd.runs).to.equal(4);
  });

  it('a fault inside the inlined code: same rip, retired count and registers as the interpreter', () => {
    for (const faultAt of [1, 3, 7, 11, 25]) {
      const { interp, compiled } = both(asm(30, faultAt));
      expect(interp.reason).to.equal(ExitReason.Fault);
      expect(interp.fault![1]).to.equal(8);
      expect({ ...compiled, flags: 0 }, `fault in round ${faultAt}`).to.deep.equal({ ...interp, flags: 0 });
    }
  });
});

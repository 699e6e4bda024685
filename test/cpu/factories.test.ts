/**
 * Compiled blocks' functions are shared by every Cpu of the process, by
 * source: a second machine compiling the same code runs the same function,
 * and each block still runs with its own instructions and handlers (read
 * from the block at run time).
 */
import { expect } from 'chai';
import { Asm, L, program, run } from './asm.js';
import { ExitReason, RAX, RBX, blockFunctionStats } from '../../cpu/index.js';

describe('compiled tier: block functions shared across machines', () => {
  // A loop with a handler-called instruction (bt r/m32, r32 has no emitter) so the function reads Insns from its block.
  const asm = () => new Asm()
    .i('Mov_r32_imm32', 'ecx', 40).i('Xor_r32_rm32', 'eax', 'eax')
    .label('top').i('Bt_rm32_r32', 'ecx', 'eax').i('Adc_rm32_imm8', 'ebx', 0).i('Add_rm32_imm8', 'eax', 1)
    .i('Dec_rm32', 'ecx').i('Jne_rel32_64', L('top')).i('Ud2');

  it('a second machine reuses the first one\'s functions and still runs its own code', () => {
    const a = program(asm(), 'compiled');
    const before = { ...blockFunctionStats };
    expect(run(a)).to.equal(ExitReason.Fault);
    const made = blockFunctionStats.made - before.made;
    const b = program(asm(), 'compiled');
    const mid = { ...blockFunctionStats };
    expect(run(b)).to.equal(ExitReason.Fault);
    expect(blockFunctionStats.made - mid.made).to.equal(0);
    expect(blockFunctionStats.reused - mid.reused).to.be.at.least(Math.max(1, made));
    expect(b.ctx.getReg(RBX)).to.equal(a.ctx.getReg(RBX));
    expect(a.ctx.getReg(RAX)).to.equal(40);
    // Machine a's code changes (a write drops its blocks); b keeps running the original.
    a.mem.writeU32(0x10000 + 1, 4); // mov ecx, 4
    a.ctx.rip = 0x10000; b.ctx.rip = 0x10000;
    a.ctx.setReg(RBX, 0); b.ctx.setReg(RBX, 0);
    expect(run(a)).to.equal(ExitReason.Fault);
    expect(run(b)).to.equal(ExitReason.Fault);
    expect(a.ctx.getReg(RAX)).to.equal(4);
    expect(b.ctx.getReg(RAX)).to.equal(40);
  });
});

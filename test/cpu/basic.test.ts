import { expect } from 'chai';
import { Asm, program, run, L, m, DATA, STACK_TOP } from './asm.js';
import { ExitReason, RAX, RCX, RDX, RSP } from '../../cpu/index.js';

for (const tier of ['interp', 'compiled', 'hot'] as const) {
  describe(`cpu basics (${tier})`, () => {
    it('runs a counted loop and stops at syscall', () => {
      const a = new Asm()
        .i('Xor_r32_rm32', 'eax', 'eax')
        .i('Mov_r32_imm32', 'ecx', 10)
        .label('top')
        .i('Add_r64_rm64', 'rax', 'rcx')
        .i('Dec_rm32', 'ecx')
        .i('Jne_rel32_64', L('top'))
        .i('Syscall');
      const mc = program(a, tier);
      expect(run(mc)).to.equal(ExitReason.SyscallTrap);
      expect(mc.ctx.getReg(RAX)).to.equal(55);
      expect(mc.ctx.getReg(RCX)).to.equal(mc.ctx.rip); // syscall: rcx = next rip
      expect(mc.ctx.retired).to.equal(2 + 3 * 10 + 1);
    });

    it('calls and returns through the stack', () => {
      const a = new Asm()
        .i('Mov_r32_imm32', 'edi', 7)
        .i('Call_rel32_64', L('f'))
        .i('Syscall')
        .label('f')
        .i('Lea_r32_m', 'eax', m('rdi', 0, 'rdi', 4))
        .i('Retnq');
      const mc = program(a, tier);
      expect(run(mc)).to.equal(ExitReason.SyscallTrap);
      expect(mc.ctx.getReg(RAX)).to.equal(35);
      expect(mc.ctx.getReg(RSP)).to.equal(STACK_TOP);
    });

    it('stores and loads memory', () => {
      const a = new Asm()
        .i('Mov_r64_imm64', 'rax', -2)
        .i('Mov_r32_imm32', 'ebx', DATA)
        .i('Mov_rm64_r64', m('rbx', 8), 'rax')
        .i('Mov_r32_rm32', 'edx', m('rbx', 12))
        .i('Syscall');
      const mc = program(a, tier);
      expect(run(mc)).to.equal(ExitReason.SyscallTrap);
      expect(mc.ctx.gpr[2 * RDX]).to.equal(-1);
      expect(mc.ctx.gpr[2 * RDX + 1]).to.equal(0);
      expect(mc.mem.readI64(DATA + 8)).to.equal(-2);
    });
  });
}

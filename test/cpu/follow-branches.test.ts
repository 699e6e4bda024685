/**
 * The decoder follows a short forward direct jmp, and a direct call, to code
 * on the block's page: the block goes on at the target (decode.ts). What
 * runs must not change: exact retired counts, RIP-relative operands decoded
 * after the jump, faults at the right instruction, self-modifying stores,
 * compiled loops, and a relocated template must cover the callee's bytes.
 */
import { expect } from 'chai';
import { Asm, L, CODE_BASE, DATA, m, program, run } from './asm.js';
import { ExitReason, RAX, RBX, RCX, RSP, SIGILL, SIGSEGV } from '../../cpu/index.js';
import { STACK_TOP } from './asm.js';

/** iced's BlockEncoder takes a RIP-relative operand's absolute target as its displacement. */
const rip = (target: number) => m('rip', target);
/** Encoded length of one instruction. */
const len = (code: string, ...ops: Parameters<Asm['i']>[1][]) => new Asm().i(code, ...ops).assemble(CODE_BASE).length;

for (const tier of ['interp', 'compiled', 'hot'] as const) {
  describe(`followed jmps (${tier})`, () => {
    it('one block across two jmps; skipped bytes never run; RIP-relative operands after a jump are right', () => {
      const mc = program(new Asm()
        .i('Mov_r32_imm32', 'eax', 1)
        .i('Jmp_rel32_64', L('a'))
        .db(0x0f, 0x0b) // ud2, jumped over
        .label('a').i('Lea_r64_m', 'rbx', rip(DATA))
        .i('Add_rm32_imm8', 'eax', 2)
        .i('Jmp_rel32_64', L('b'))
        .db(0xff, 0xff, 0xff)
        .label('b').i('Mov_r32_rm32', 'ecx', rip(DATA + 8))
        .i('Ud2'), tier);
      mc.mem.writeU32(DATA + 8, 0x1234);
      expect(run(mc)).to.equal(ExitReason.Fault);
      expect(mc.ctx.faultSignal).to.equal(SIGILL);
      expect(mc.ctx.retired).to.equal(6);
      expect(mc.ctx.getReg(RAX)).to.equal(3);
      expect(mc.ctx.getReg(RBX)).to.equal(DATA);
      expect(mc.ctx.getReg(RCX)).to.equal(0x1234);
      expect(mc.cpu.cachedBlocks).to.equal(1);
    });

    it('a fault after a followed jmp is reported at its own instruction with the instructions before it retired', () => {
      const mc = program(new Asm()
        .i('Mov_r32_imm32', 'eax', 1)
        .i('Jmp_rel8_64', L('a'))
        .i('Nopd')
        .label('a').i('Mov_r32_rm32', 'ecx', m(null, 16))
        .i('Ud2'), tier);
      expect(run(mc)).to.equal(ExitReason.Fault);
      expect(mc.ctx.faultSignal).to.equal(SIGSEGV);
      expect(mc.ctx.retired).to.equal(2);
      // mov eax, jmp rel8 (2 bytes), the skipped nop.
      expect(mc.ctx.rip).to.equal(CODE_BASE + len('Mov_r32_imm32', 'eax', 1) + 2 + len('Nopd'));
    });

    it('a loop whose body jumps forward runs as one block, round after round, with exact counts', () => {
      const mc = program(new Asm()
        .i('Mov_r32_imm32', 'edx', 10)
        .i('Xor_r32_rm32', 'eax', 'eax')
        .i('Xor_r32_rm32', 'ebx', 'ebx')
        .label('top').i('Add_rm32_imm8', 'eax', 1)
        .i('Jmp_rel8_64', L('a'))
        .db(0x0f, 0x0b)
        .label('a').i('Lea_r64_m', 'rcx', rip(DATA))
        .i('Add_r64_rm64', 'rbx', 'rcx')
        .i('Dec_rm32', 'edx')
        .i('Jne_rel32_64', L('top'))
        .i('Ud2'), tier);
      expect(run(mc)).to.equal(ExitReason.Fault);
      expect(mc.ctx.faultSignal).to.equal(SIGILL);
      expect(mc.ctx.retired).to.equal(3 + 10 * 6);
      expect(mc.ctx.getReg(RAX)).to.equal(10);
      expect(mc.ctx.getReg(RBX)).to.equal(10 * DATA);
      // The entry block (up to the first back edge), the loop block that starts at `top`, the ud2 after it.
      expect(mc.cpu.cachedBlocks).to.equal(3);
    });

    it('a store into code after a followed jmp: the rewritten instruction runs', () => {
      // mov byte [rip], 9 patches the immediate of the following `mov eax, 7`:
      // jmp rel8 (2 bytes), the skipped nop, mov byte [rip], imm8 (7 bytes), mov eax's opcode (1).
      const imm = CODE_BASE + 2 + len('Nopd') + 7 + 1;
      const patched = new Asm()
        .i('Jmp_rel8_64', L('a'))
        .i('Nopd')
        .label('a').i('Mov_rm8_imm8', rip(imm), 9)
        .i('Mov_r32_imm32', 'eax', 7)
        .i('Ud2');
      expect(len('Mov_rm8_imm8', rip(imm), 9)).to.equal(7);
      const mc = program(patched, tier);
      expect(run(mc)).to.equal(ExitReason.Fault);
      expect(mc.ctx.getReg(RAX)).to.equal(9);
      expect(mc.ctx.retired).to.equal(3);
    });

    it('jmps farther than the follow limit end the block; a jmp back to code the block does not hold is followed', () => {
      const far = new Asm().i('Mov_r32_imm32', 'eax', 1).i('Jmp_rel32_64', L('a'));
      for (let k = 0; k < 600; k++) far.i('Nopd');
      far.label('a').i('Ud2');
      expect(far.assemble(CODE_BASE).length).to.be.above(600);
      const mc = program(far, tier);
      expect(run(mc)).to.equal(ExitReason.Fault);
      expect(mc.ctx.retired).to.equal(2);
      expect(mc.cpu.cachedBlocks).to.equal(2);

      const back = program(new Asm()
        .i('Jmp_rel8_64', L('a'))
        .label('b').i('Ud2')
        .label('a').i('Mov_r32_imm32', 'eax', 5)
        .i('Jmp_rel8_64', L('b')), tier);
      expect(run(back)).to.equal(ExitReason.Fault);
      expect(back.ctx.getReg(RAX)).to.equal(5);
      expect(back.ctx.retired).to.equal(3);
      // jmp a, mov, jmp b (followed back), ud2: one block.
      expect(back.cpu.cachedBlocks).to.equal(1);

      // A jmp back into code the block already holds ends it there (the loop is the block at its target).
      const inner = program(new Asm()
        .i('Mov_r32_imm32', 'ecx', 3)
        .label('top').i('Sub_rm32_imm8', 'ecx', 1)
        .i('Je_rel8_64', L('out'))
        .i('Jmp_rel8_64', L('top'))
        .label('out').i('Ud2'), tier);
      expect(run(inner)).to.equal(ExitReason.Fault);
      expect(inner.ctx.getReg(RCX)).to.equal(0);
      expect(inner.ctx.retired).to.equal(1 + 3 + 3 + 2);
    });
  });
}

/** f: add eax, IMM; ret — then main: mov eax, 1; call f; add eax, 10; ud2. Execution starts at main. */
function callee(imm: number) {
  const a = new Asm()
    .label('f').i('Add_rm32_imm8', 'eax', imm)
    .i('Retnq')
    .label('main').i('Mov_r32_imm32', 'eax', 1)
    .i('Call_rel32_64', L('f'))
    .i('Add_rm32_imm8', 'eax', 10)
    .i('Ud2');
  return { a, main: CODE_BASE + len('Add_rm32_imm8', 'eax', imm) + 1 };
}

for (const tier of ['interp', 'compiled', 'hot'] as const) {
  describe(`followed calls (${tier})`, () => {
    it('a call back to a function on the page: one block from main through the callee; the return address is pushed', () => {
      const { a, main } = callee(5);
      const mc = program(a, tier);
      mc.ctx.rip = main;
      mc.mem.writeU32(STACK_TOP - 8, 0xdeadbeef);
      expect(run(mc)).to.equal(ExitReason.Fault);
      expect(mc.ctx.faultSignal).to.equal(SIGILL);
      expect(mc.ctx.getReg(RAX)).to.equal(16);
      // mov, call, add (f), ret, add
      expect(mc.ctx.retired).to.equal(5);
      expect(mc.ctx.getReg(RSP)).to.equal(STACK_TOP);
      expect(mc.mem.readU32(STACK_TOP - 8)).to.equal(main + 5 + 5);
      // main..callee's ret, then add; ud2
      expect(mc.cpu.cachedBlocks).to.equal(2);
    });

    it('the same caller bytes with another callee are decoded again, not taken from the first one\'s template', () => {
      for (const imm of [5, 9, 5, 13]) {
        const { a, main } = callee(imm);
        const mc = program(a, tier);
        mc.ctx.rip = main;
        expect(run(mc)).to.equal(ExitReason.Fault);
        expect(mc.ctx.getReg(RAX)).to.equal(1 + imm + 10);
      }
    });

    it('a push by a followed call that writes the block\'s own page goes on in the callee', () => {
      const { a, main } = callee(5);
      const mc = program(a, tier);
      mc.ctx.rip = main;
      // The stack is on the code page: the return address is a store to code.
      mc.ctx.setReg(RSP, CODE_BASE + 0x800);
      expect(run(mc)).to.equal(ExitReason.Fault);
      expect(mc.ctx.faultSignal).to.equal(SIGILL);
      expect(mc.ctx.getReg(RAX)).to.equal(16);
      expect(mc.ctx.retired).to.equal(5);
      expect(mc.ctx.getReg(RSP)).to.equal(CODE_BASE + 0x800);
    });

    it('a loop calling a function on its page: compiled rounds agree with the interpreter', () => {
      const asm = () => new Asm()
        .i('Jmp_rel8_64', L('main'))
        .label('f').i('Add_r32_rm32', 'eax', 'ecx')
        .i('Retnq')
        .label('main').i('Mov_r32_imm32', 'ecx', 20)
        .label('top').i('Call_rel32_64', L('f'))
        .i('Sub_rm32_imm8', 'ecx', 1)
        .i('Jne_rel8_64', L('top'))
        .i('Ud2');
      const mc = program(asm(), tier);
      expect(run(mc)).to.equal(ExitReason.Fault);
      expect(mc.ctx.getReg(RAX)).to.equal((20 * 21) / 2);
      expect(mc.ctx.retired).to.equal(1 + 1 + 20 * 5);
      expect(mc.ctx.getReg(RSP)).to.equal(STACK_TOP);
    });
  });
}

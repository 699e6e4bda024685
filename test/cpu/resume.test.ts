/**
 * run() picks up where the previous run() left off: after a syscall through
 * the gate, a budget exit or a syscall trap, the next run starting at the
 * expected address follows the last block's chain instead of looking the
 * address up. Whatever the chain remembers must never outlive the code.
 */
import { expect } from 'chai';
import { Asm, L, CODE_BASE, STACK_TOP, program, run } from './asm.js';
import { ExitReason, RBX, RSP, type CpuContext, type GuestMemory } from '../../cpu/index.js';
import { GATE_ADDRESS } from '../../trampoline/layout.js';

/** What the kernel does at the gate: pop the return address into rip. */
function gateReturn(ctx: CpuContext, mem: GuestMemory): void {
  const rsp = ctx.getReg(RSP);
  ctx.rip = mem.readU64(rsp);
  ctx.setReg(RSP, rsp + 8);
}

for (const tier of ['interp', 'compiled', 'hot'] as const) {
  describe(`run loop resume (${tier})`, () => {
    // top: mov eax, 39; call rax   -> the gate
    // ret: add ebx, 1; jmp top     -> the return site, rewritten below
    const asm = () => new Asm()
      .label('top').i('Mov_r32_imm32', 'eax', 39).i('Call_rm64', 'rax')
      .label('site').i('Add_rm32_imm32', 'ebx', 1).i('Jmp_rel32_64', L('top'));

    it('a syscall loop through the gate runs the return site each time, and new code written there is seen', () => {
      const mc = program(asm(), tier);
      const site = CODE_BASE + 5 + 2;
      for (let i = 0; i < 20; i++) {
        expect(run(mc)).to.equal(ExitReason.Gate);
        expect(mc.ctx.rip).to.equal(GATE_ADDRESS);
        gateReturn(mc.ctx, mc.mem);
        expect(mc.ctx.rip).to.equal(site);
      }
      expect(mc.ctx.getReg(RBX)).to.equal(19);
      // The kernel writes new code at the return site (add ebx, 100: same length) while the task is in a syscall.
      mc.mem.writeU32(site + 2, 100);
      for (let i = 0; i < 5; i++) {
        expect(run(mc)).to.equal(ExitReason.Gate);
        gateReturn(mc.ctx, mc.mem);
      }
      expect(mc.ctx.getReg(RBX)).to.equal(19 + 5 * 100);
      // Dropped explicitly instead (a raw write, then cpu.invalidate): seen as well.
      mc.mem.u8[site + 2] = 7;
      mc.cpu.invalidate(site, 6);
      expect(run(mc)).to.equal(ExitReason.Gate);
      expect(mc.ctx.getReg(RBX)).to.equal(19 + 5 * 100 + 7);
      expect(mc.ctx.getReg(RSP)).to.equal(STACK_TOP - 8);
    });

    it('a run that starts elsewhere than where the last one stopped does not follow the old chain', () => {
      const mc = program(asm(), tier);
      for (let i = 0; i < 10; i++) {
        expect(run(mc)).to.equal(ExitReason.Gate);
        gateReturn(mc.ctx, mc.mem);
      }
      const before = mc.ctx.getReg(RBX);
      // Like a signal handler: the kernel sends the task to `top` instead of the return site.
      mc.ctx.rip = CODE_BASE;
      expect(run(mc)).to.equal(ExitReason.Gate);
      expect(mc.ctx.getReg(RBX)).to.equal(before);
    });

    it('budget exits resume exactly, for any budget', () => {
      for (const budget of [1, 2, 3, 5]) {
        const mc = program(asm(), tier);
        let gates = 0;
        while (gates < 12) {
          const r = run(mc, budget);
          if (r === ExitReason.Gate) { gates++; gateReturn(mc.ctx, mc.mem); } else expect(r).to.equal(ExitReason.Budget);
        }
        expect(mc.ctx.getReg(RBX)).to.equal(11);
      }
    });
  });
}

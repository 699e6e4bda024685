/**
 * Cpu.gate: the kernel's gate called inside run() when control reaches page 0.
 * With GATE_CONTINUE user code goes on in the same run(); the registers, flags,
 * retired counts and red-zone bytes the kernel sees are exactly those of a
 * gate exit (ExitReason.Gate), and the guest's results are the same.
 */
import { expect } from 'chai';
import { Asm, L, STACK_TOP, m, program, run, type Machine } from './asm.js';
import {
  ExitReason, GATE_CONTINUE, GATE_DEFER, GATE_EXIT, RAX, RBX, RCX, RSP, type CpuContext,
} from '../../cpu/index.js';
import { GATE_ADDRESS } from '../../trampoline/layout.js';

/** What the kernel's gate sees on entry, for comparison between the two ways of reaching it. */
interface Seen { rip: number; rsp: number; ret: number; saved: number; rflags: number; retired: number; rbx: number }

function seen(mc: Machine): Seen {
  const c = mc.ctx;
  const rsp = c.getReg(RSP);
  return { rip: c.rip, rsp, ret: Number(mc.mem.readU64(rsp)), saved: c.gateSavedLo, rflags: c.getRflags(), retired: c.retired, rbx: c.getReg(RBX) };
}

/** The kernel's side of the gate: pop the return address, restore the red zone, rax = 1000 + call number. */
function gateReturn(ctx: CpuContext, mc: Machine): void {
  const rsp = ctx.getReg(RSP);
  ctx.rip = Number(mc.mem.readU64(rsp));
  mc.mem.writeU32(rsp, ctx.gateSavedLo);
  mc.mem.writeU32(rsp + 4, ctx.gateSavedHi);
  ctx.setReg(RSP, rsp + 8);
  ctx.setReg(RCX, ctx.rip);
  ctx.setReg(RAX, 1000 + ctx.getReg(RAX));
}

// loop: mov eax, 39; sub ebx, 1 (sets flags); mov [rsp-8], ebx (red zone); call rax;
//       sub eax, 1039; add ebx, eax (0 when the kernel answered 1039); cmp ebx, 0; jne loop; ud2
const asm = () => new Asm()
  .label('loop').i('Mov_r32_imm32', 'eax', 39)
  .i('Sub_rm32_imm8', 'ebx', 1)
  .i('Mov_rm32_r32', m('rsp', -8), 'ebx')
  .i('Call_rm64', 'rax')
  .i('Sub_rm32_imm32', 'eax', 1039)
  .i('Add_r32_rm32', 'ebx', 'eax')
  .i('Cmp_rm32_imm8', 'ebx', 0)
  .i('Jne_rel32_64', L('loop'))
  .i('Ud2');

for (const tier of ['interp', 'compiled', 'hot'] as const) {
  describe(`Cpu.gate (${tier})`, () => {
    const ROUNDS = 40;

    function viaExits(): { seen: Seen[]; end: Machine } {
      const mc = program(asm(), tier);
      mc.ctx.setReg(RBX, ROUNDS);
      const out: Seen[] = [];
      for (;;) {
        const r = run(mc);
        if (r !== ExitReason.Gate) { expect(r).to.equal(ExitReason.Fault); break; }
        out.push(seen(mc));
        gateReturn(mc.ctx, mc);
      }
      return { seen: out, end: mc };
    }

    it('GATE_CONTINUE: the kernel sees what a gate exit shows, and the run goes on to the same end', () => {
      const ref = viaExits();
      const mc = program(asm(), tier);
      mc.ctx.setReg(RBX, ROUNDS);
      const got: Seen[] = [];
      mc.cpu.gate = { onGate: (ctx) => { got.push(seen(mc)); gateReturn(ctx, mc); return GATE_CONTINUE; } };
      // One run() covers every round: the faulting ud2 ends it.
      expect(run(mc)).to.equal(ExitReason.Fault);
      expect(got).to.have.length(ROUNDS);
      expect(got).to.deep.equal(ref.seen);
      expect(got[0].rip).to.equal(GATE_ADDRESS);
      expect(mc.ctx.retired).to.equal(ref.end.ctx.retired);
      expect(mc.cpu.retiredTotal).to.equal(ref.end.cpu.retiredTotal);
      expect(mc.ctx.rip).to.equal(ref.end.ctx.rip);
      expect(mc.ctx.getRflags()).to.equal(ref.end.ctx.getRflags());
      expect(mc.ctx.getReg(RSP)).to.equal(STACK_TOP);
      // The red zone keeps what the last round stored there (ebx = 0), not the return address.
      expect(Number(mc.mem.readU32(STACK_TOP - 8))).to.equal(0);
      expect(got.map((s) => s.saved)).to.deep.equal(Array.from({ length: ROUNDS }, (_, k) => ROUNDS - 1 - k));
    });

    it('budgets are kept exactly across calls handled inside run()', () => {
      const ref = viaExits();
      for (const budget of [1, 3, 7, 500, 1000]) {
        const mc = program(asm(), tier);
        mc.ctx.setReg(RBX, ROUNDS);
        let calls = 0;
        mc.cpu.gate = { onGate: (ctx) => { calls++; gateReturn(ctx, mc); return GATE_CONTINUE; } };
        let runs = 0;
        for (;;) {
          const before = mc.ctx.retired;
          const r = run(mc, budget);
          runs++;
          if (r === ExitReason.Fault) break;
          expect(r).to.equal(ExitReason.Budget);
          // A budget exit stops at the first instruction boundary at or past the budget: the sled counts as one step.
          expect(mc.ctx.retired - before).to.be.at.least(budget);
          expect(mc.ctx.retired - before).to.be.below(budget + 600);
        }
        expect(calls).to.equal(ROUNDS);
        expect(mc.ctx.retired).to.equal(ref.end.ctx.retired);
        expect(mc.ctx.getReg(RBX)).to.equal(0);
        // Several calls per run() once the budget covers more than one round (each about 480 instructions with the sled).
        if (budget === 1000) expect(runs).to.be.below(ROUNDS / 2);
        if (budget === 1) expect(runs).to.be.above(ROUNDS);
      }
    });

    it('GATE_EXIT returns GateDone at the rip the kernel left; GATE_DEFER leaves the gate to the caller', () => {
      const mc = program(asm(), tier);
      mc.ctx.setReg(RBX, 3);
      let mode = GATE_EXIT;
      mc.cpu.gate = { onGate: (ctx) => {
        if (mode === GATE_DEFER) return GATE_DEFER;
        gateReturn(ctx, mc);
        return GATE_EXIT;
      } };
      expect(run(mc)).to.equal(ExitReason.GateDone);
      const back = mc.ctx.rip;
      expect(back).to.be.above(GATE_ADDRESS);
      expect(mc.ctx.getReg(RAX)).to.equal(1039);
      // The next run resumes there and reaches the gate again.
      mode = GATE_DEFER;
      expect(run(mc)).to.equal(ExitReason.Gate);
      expect(mc.ctx.rip).to.equal(GATE_ADDRESS);
      expect(mc.ctx.getReg(RBX)).to.equal(1);
      gateReturn(mc.ctx, mc);
      expect(mc.ctx.rip).to.equal(back);
    });
  });
}

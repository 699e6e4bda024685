/**
 * A compare and branch whose flags only the branch's side exit can read
 * (the fall-through path overwrites them first): the compiled tier stores
 * the lazy-flag update on the exit's path, not on every run (compile.ts,
 * FLAGS_AT_EXIT). The exit's target must still see the compare's flags, and
 * a jcc that cannot evaluate its condition from the compare's locals (jp)
 * gets the update before it.
 */
import { expect } from 'chai';
import { Asm, L, program, run, type Machine } from './asm.js';
import { ExitReason, RBX, RCX, RSI } from '../../cpu/index.js';
import { CODE_BASE } from './asm.js';

/**
 * ecx counts 40 rounds down. Per round: eax = ecx & 3; cmp eax, 2; jcc to
 * `low`, which reads the compare's flags (adc for CF, setp for PF);
 * otherwise sub overwrites every flag. Both paths count into esi.
 */
function loop(jcc: 'Jb_rel32_64' | 'Jp_rel32_64'): Asm {
  const read = jcc === 'Jb_rel32_64'
    ? (a: Asm) => a.i('Adc_rm32_imm8', 'esi', 0)
    : (a: Asm) => a.i('Setp_rm8', 'bl').i('Add_r32_rm32', 'esi', 'ebx');
  const a = new Asm()
    .i('Mov_r32_imm32', 'ecx', 40).i('Xor_r32_rm32', 'esi', 'esi').i('Xor_r32_rm32', 'ebx', 'ebx')
    .label('top').i('Mov_r32_rm32', 'eax', 'ecx').i('And_rm32_imm8', 'eax', 3)
    .i('Cmp_rm32_imm8', 'eax', 2).i(jcc, L('low'))
    .i('Sub_rm32_imm8', 'edx', 1).i('Add_rm32_imm8', 'esi', 10)
    .i('Sub_rm32_imm8', 'ecx', 1).i('Jne_rel32_64', L('top')).i('Ud2')
    .label('low');
  return read(a).i('Sub_rm32_imm8', 'ecx', 1).i('Jne_rel32_64', L('top')).i('Ud2');
}

function finish(mc: Machine) {
  const r = run(mc);
  const c = mc.ctx;
  return { reason: r, rip: c.rip, retired: c.retired, flags: c.getRflags(), esi: c.getReg(RSI), ecx: c.getReg(RCX), ebx: c.getReg(RBX) };
}

describe('flags a side exit alone reads', () => {
  for (const jcc of ['Jb_rel32_64', 'Jp_rel32_64'] as const) {
    it(`reach the exit's target on every tier (${jcc})`, () => {
      const want = finish(program(loop(jcc), 'interp'));
      expect(want.reason).to.equal(ExitReason.Fault);
      expect(want.ecx).to.equal(0);
      // The exit was taken in half the rounds, and its target saw CF (or PF) set there: the sum differs from 20 * 10.
      expect(want.esi).to.not.equal(200);
      for (const tier of ['compiled', 'hot'] as const) {
        const mc = program(loop(jcc), tier);
        expect(finish(mc), tier).to.deep.equal(want);
        // The loop's block (the compare is its instruction 2): the compare's update sits on the exit's
        // path (the side exit, or the target inlined there) for jb, before the jcc for jp.
        const src = mc.cpu.blockAt(CODE_BASE + 9)!.exec.toString();
        if (jcc === 'Jb_rel32_64') expect(src).to.match(/\nif \(\(\(x_2 >>> 0\) < \(y_2 >>> 0\)\)\) \{\s*c\.fop = 14; c\.fa = x_2;/);
        else expect(src).to.match(/\nc\.fop = 14; c\.fa = x_2;[^\n]*\nif \(cond\(c, 10\)\)/);
      }
    });
  }
});

/**
 * The compiled tier against the interpreter on long blocks: every
 * instruction of a block shares one generated function, so locals that
 * emitters name per instruction must never collide with each other or with
 * the block's fixed locals (instruction 16's `x` once clashed with `x16`).
 */
import { expect } from 'chai';
import { Asm, m, program, run, DATA } from './asm.js';
import { ExitReason } from '../../cpu/index.js';

/** Forms whose emitters declare per-instruction locals. */
const FORMS: Array<(a: Asm, k: number) => void> = [
  (a, k) => a.i('Add_rm64_r64', 'rax', k % 2 ? 'rbx' : 'rcx'),
  (a) => a.i('Sub_rm64_r64', 'rbx', 'rdx'),
  (a, k) => a.i('Shl_rm64_imm8', 'rdx', (k % 7) + 1),
  (a, k) => a.i('Rol_rm32_imm8', 'esi', (k % 5) + 1),
  (a) => a.i('Inc_rm64', 'rdi'),
  (a) => a.i('Dec_rm32', 'ecx'),
  (a) => a.i('Xor_rm32_r32', 'esi', 'eax'),
  (a, k) => a.i('Add_r64_rm64', 'r8', m('r12', 8 * (k % 8))),
  (a) => a.i('Punpcklbw_xmm_xmmm128', 'xmm1', 'xmm2'),
  (a) => a.i('Punpckhdq_xmm_xmmm128', 'xmm3', 'xmm1'),
  (a, k) => a.i('Movdqu_xmm_xmmm128', 'xmm2', m('r12', 16 * (k % 4))),
  (a) => a.i('Paddd_xmm_xmmm128', 'xmm4', 'xmm2'),
  (a) => a.i('Pxor_xmm_xmmm128', 'xmm5', 'xmm3'),
];

function longBlock(seed: number, tier: 'interp' | 'compiled') {
  const a = new Asm();
  a.i('Mov_r64_imm64', 'r12', DATA).i('Mov_r32_imm32', 'r15d', 12);
  a.i('Mov_r32_imm32', 'eax', 0x12345).i('Mov_r32_imm32', 'ebx', 0x777).i('Mov_r32_imm32', 'ecx', 0x9abc);
  a.label('top');
  let s = seed;
  for (let k = 0; k < 58; k++) {
    s = (s * 1103515245 + 12345) >>> 0;
    FORMS[(s >>> 8) % FORMS.length](a, k);
  }
  a.i('Dec_rm32', 'r15d').i('Jne_rel32_64', { kind: 'label', name: 'top' }).i('Ud2');
  const mc = program(a, tier);
  for (let b = 0; b < 128; b++) mc.mem.u8[DATA + b] = (b * 37 + seed) & 0xff;
  return mc;
}

describe('compiled tier agrees with the interpreter on long blocks', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`random 58-instruction block, seed ${seed}`, () => {
      const i = longBlock(seed, 'interp');
      const c = longBlock(seed, 'compiled');
      expect(run(i)).to.equal(ExitReason.Fault);
      expect(run(c)).to.equal(ExitReason.Fault); // ud2 after the loop
      expect(Array.from(c.ctx.gpr)).to.deep.equal(Array.from(i.ctx.gpr));
      expect(Array.from(c.ctx.xmmBytes)).to.deep.equal(Array.from(i.ctx.xmmBytes));
      expect(c.ctx.getRflags()).to.equal(i.ctx.getRflags());
      expect(c.ctx.retired).to.equal(i.ctx.retired);
    });
  }
});

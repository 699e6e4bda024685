/**
 * The compiled tier's own machinery: conditions fused with the instruction
 * that set the flags, dead-flag elision, flags crossing block boundaries,
 * and slow paths inside generated code. Expected values come from ref.ts.
 */
import { expect } from 'chai';
import { Asm, Runner, getR, L, m, DATA } from './asm.js';
import { edges, logic, sub, add, mask } from './ref.js';
import { RAX, RBX, RCX, RDX } from '../../cpu/index.js';

const CC = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
function condFrom(cc: number, f: number): boolean {
  const cf = (f & 1) !== 0, pf = (f & 4) !== 0, zf = (f & 64) !== 0, sf = (f & 128) !== 0, of = (f & 2048) !== 0;
  const base = [of, cf, zf, cf || zf, sf, pf, sf !== of, zf || sf !== of][cc >> 1];
  return cc & 1 ? !base : base;
}

describe('compiled tier', () => {
  for (const [op, model] of [['Test', (a: bigint, b: bigint, n: number) => logic('and', a, b, n).flags], ['Sub', (a: bigint, b: bigint, n: number) => sub(a, b, 0, n).flags],
    ['Add', (a: bigint, b: bigint, n: number) => add(a, b, 0, n).flags]] as [string, (a: bigint, b: bigint, n: number) => number][]) {
    for (const [bits, ra, rb] of [[8, 'al', 'bl'], [16, 'ax', 'bx'], [32, 'eax', 'ebx'], [64, 'rax', 'rbx']] as [number, string, string][]) {
      it(`${op.toLowerCase()} r${bits} then jcc, for all 16 conditions`, () => {
        for (let cc = 0; cc < 16; cc++) {
          const name = op === 'Test' ? `Test_rm${bits}_r${bits}` : `${op}_r${bits}_rm${bits}`;
          const a = new Asm().i('Xor_r32_rm32', 'edx', 'edx').i(name, ra, rb).i(`J${CC[cc]}_rel32_64`, L('t')).i('Ud2')
            .label('t').i('Mov_r32_imm32', 'edx', 1);
          const run = new Runner(a, 'compiled');
          for (const x of edges(bits)) {
            for (const y of edges(bits).slice(0, 8)) {
              const ctx = run.exec({ [RAX]: x | (0xabcd_0000_0000_0000n & ~mask(bits)), [RBX]: y | (0x1234_0000_0000_0000n & ~mask(bits)) });
              const taken = getR(ctx, RDX) === 1n;
              expect(taken, `${op}${bits} ${x},${y} j${CC[cc]}`).to.equal(condFrom(cc, model(x & mask(bits), y & mask(bits), bits)));
            }
          }
        }
      });
    }
  }

  it('flags dead inside a block are still right when read by the next block', () => {
    // block 1: sub sets flags, mov keeps them, jmp to block 2 which reads them (setb)
    const a = new Asm().i('Sub_r64_rm64', 'rax', 'rbx').i('Mov_r32_imm32', 'ecx', 5).i('Jmp_rel32_64', L('b2'))
      .label('b2').i('Setb_rm8', 'dl').i('Add_r32_rm32', 'ecx', 'ecx').i('Sete_rm8', 'dh');
    const run = new Runner(a, 'compiled');
    for (const [x, y] of [[1n, 2n], [2n, 1n], [5n, 5n]]) {
      const ctx = run.exec({ [RAX]: x, [RBX]: y });
      expect(getR(ctx, RDX) & 0xffn).to.equal(x < y ? 1n : 0n);
      expect((getR(ctx, RDX) >> 8n) & 0xffn).to.equal(0n);
      expect(getR(ctx, RCX)).to.equal(10n);
    }
  });

  it('inc/dec keep CF for a following adc even when other flags are dead', () => {
    const a = new Asm().i('Add_r64_rm64', 'rax', 'rbx').i('Inc_rm32', 'ecx').i('Adc_r64_rm64', 'rdx', 'rdx');
    const run = new Runner(a, 'compiled');
    const ctx = run.exec({ [RAX]: mask(64), [RBX]: 1n, [RCX]: 7n, [RDX]: 3n });
    expect(getR(ctx, RDX)).to.equal(7n);
    expect(getR(ctx, RCX)).to.equal(8n);
  });

  it('a store into code in the middle of a compiled block ends the block and re-decodes', () => {
    // loop: store an immediate into the next instruction's imm32, then run it
    const a = new Asm().i('Mov_rm32_r32', m('rsi'), 'ebx').i('Mov_r32_imm32', 'eax', 0);
    const run = new Runner(a, 'compiled');
    for (let k = 1; k <= 8; k++) {
      const ctx = run.exec({ [6]: BigInt(0x10000 + 2 + 1), [RBX]: BigInt(k * 11) });
      expect(getR(ctx, RAX), `run ${k}`).to.equal(BigInt(k * 11));
    }
  });

  it('memory slow paths in generated code fault at the right instruction', () => {
    const a = new Asm().i('Mov_r32_imm32', 'ecx', 1).i('Mov_r64_rm64', 'rax', m('rbx', 0)).i('Mov_r32_imm32', 'ecx', 2);
    const run = new Runner(a, 'compiled');
    for (let k = 0; k < 6; k++) run.exec({ [RBX]: BigInt(DATA) });
    const ctx = run.mc.ctx;
    ctx.setReg(RBX, 16);
    ctx.rip = 0x10000;
    expect(run.mc.cpu.run(ctx, 100)).to.equal(3);
    expect(ctx.rip).to.equal(0x10005);
    expect(ctx.faultAddr).to.equal(16);
    expect(ctx.getReg(RCX)).to.equal(1);
  });
});

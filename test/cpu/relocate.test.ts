/**
 * The same code at another address (an image exec'd at another base):
 * blocks are relocated from the first decode (templates.ts) and compile to
 * the same position-independent source; compiled loops go round inside
 * their function with exact retired counts, budgets and faults.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { Asm, L, machine, program, run, CODE_BASE } from './asm.js';
import { ExitReason, RAX, RCX, RDX, RSI, SIGSEGV, compileMemoStats, templateStats } from '../../cpu/index.js';
import { Core } from '../../cpu/core.js';
import { BlockDecoder } from '../../cpu/decode.js';
import { Block, interpret } from '../../cpu/block.js';
import { compileBlock } from '../../cpu/compile.js';
import { relocatedInsn, type Insn } from '../../cpu/insn.js';
import { guestInterpreter, rootfsDir } from '../../userspace/index.js';
import { join } from 'node:path';

/** lea rdx,[rip+0x39]; mov eax,[rip+0x33]; syscall — both operands name offset 0x40 of the copy. */
const RIP_CODE = [0x48, 0x8d, 0x15, 0x39, 0, 0, 0, 0x8b, 0x05, 0x33, 0, 0, 0, 0x0f, 0x05];

function comparable(i: Insn): Record<string, unknown> {
  const o: Record<string, unknown> = { ...i };
  // Builders may return a fresh closure per instruction: the same code is what matters.
  o.fn = i.fn.toString();
  o.ea = i.ea.toString();
  return o;
}

describe('code placed again at another address', () => {
  for (const tier of ['interp', 'compiled', 'hot'] as const) {
    it(`runs a relocated copy with RIP-relative operands naming its own data (${tier})`, () => {
      const B2 = CODE_BASE + 0x3010; // not page-aligned: relocation does not depend on it
      const bytes = new Uint8Array(0x44);
      bytes.set(RIP_CODE);
      const mc = machine(bytes, tier);
      mc.mem.writeU32(CODE_BASE + 0x40, 0x12345678);
      mc.mem.u8.set(bytes.subarray(0, 0x40), B2);
      mc.mem.writeU32(B2 + 0x40, 0x1abcdef0);
      const hits0 = templateStats.hits;
      for (let round = 0; round < 6; round++) {
        for (const [at, want] of [[CODE_BASE, 0x12345678], [B2, 0x1abcdef0]]) {
          mc.ctx.rip = at;
          expect(run(mc)).to.equal(ExitReason.SyscallTrap);
          expect(mc.ctx.getReg(RDX)).to.equal(at + 0x40);
          expect(mc.ctx.getReg(RAX)).to.equal(want);
          expect(mc.ctx.rip).to.equal(at + RIP_CODE.length);
        }
      }
      expect(templateStats.hits - hits0).to.be.at.least(1);
    });
  }

  it('a relocated instruction equals a fresh decode at the new address, field by field', () => {
    const text = readFileSync(join(rootfsDir(), guestInterpreter.slice(1)));
    const mc = machine(new Uint8Array(0));
    const core = new Core(mc.mem);
    const dec = new BlockDecoder(core);
    const len = 0x6000, from = 0x60000; // an arbitrary stretch of musl's text
    const A = 0x20000, delta = 0x31000; // page-aligned, as images are placed (the name keeps the page offset)
    mc.mem.u8.set(text.subarray(from, from + len), A);
    mc.mem.u8.set(text.subarray(from, from + len), A + delta);
    let blocks = 0, relocatable = 0, ripRel = 0;
    for (let at = A; at < A + len - 64;) {
      const a = dec.decodeBlock(at);
      const b = dec.decodeBlock(at + delta);
      expect(b.relocatable).to.equal(a.relocatable);
      expect(b.end - delta).to.equal(a.end);
      if (a.relocatable) {
        relocatable++;
        a.insns.forEach((i, k) => {
          if (i.ripRel) ripRel++;
          expect(comparable(relocatedInsn(i, delta))).to.deep.equal(comparable(b.insns[k]));
        });
        // The compiled source holds no code address: both copies compile to the same text.
        const sa = compileBlock(new Block(at, a.end, a.insns, interpret)).toString();
        const sb = compileBlock(new Block(at + delta, b.end, b.insns, interpret)).toString();
        expect(sb).to.equal(sa);
      }
      blocks++;
      // Past the block's bytes (a followed jmp or call may end it before its start or leave bytes behind).
      at = a.hi > at ? a.hi : at + 1;
    }
    expect(blocks).to.be.greaterThan(300);
    expect(relocatable).to.be.greaterThan(blocks * 0.9);
    expect(ripRel).to.be.greaterThan(20);
  });

  it('bytes that differ are decoded afresh, not taken from a template', () => {
    const mc = program(new Asm().i('Mov_r32_imm32', 'eax', 7).i('Syscall'), 'interp');
    const B2 = CODE_BASE + 0x2000;
    mc.mem.u8.set(mc.mem.u8.subarray(CODE_BASE, CODE_BASE + 7), B2);
    mc.mem.writeU32(B2 + 1, 9); // mov eax, 9
    expect(run(mc)).to.equal(ExitReason.SyscallTrap);
    expect(mc.ctx.getReg(RAX)).to.equal(7);
    mc.ctx.rip = B2;
    expect(run(mc)).to.equal(ExitReason.SyscallTrap);
    expect(mc.ctx.getReg(RAX)).to.equal(9);
  });
});

describe('a compile remembered for the same code placed again', () => {
  // add eax, ecx; jb t; sub edx, 1; syscall; t: <adc eax, 0 | sub edx, 1>; syscall. The side exit's
  // target either reads the carry the add leaves (adc) or overwrites every flag (sub): the add's
  // flags are stored for the first and may be left out for the second, so the two compile differently.
  const code = (readsCarry: boolean) => {
    const a = new Asm().i('Add_r32_rm32', 'eax', 'ecx').i('Jb_rel32_64', L('t')).i('Sub_rm32_imm8', 'edx', 1).i('Syscall').label('t');
    return (readsCarry ? a.i('Adc_rm32_imm8', 'eax', 0) : a.i('Sub_rm32_imm8', 'edx', 1)).i('Syscall').assemble(0);
  };

  for (const tier of ['compiled', 'hot'] as const) {
    it(`serves a copy with the same surroundings, and only such a copy (${tier})`, () => {
      const plain = code(false), carry = code(true);
      expect(carry.length).to.equal(plain.length);
      const mc = machine(plain, tier);
      // Same page offset (at +0x2000 the target reads the carry), and another page offset.
      const copies = [[CODE_BASE, plain], [CODE_BASE + 0x2000, carry], [CODE_BASE + 0x4000, plain], [CODE_BASE + 0x6010, plain]] as const;
      for (const [at, bytes] of copies) mc.mem.u8.set(bytes, at);
      const fns: unknown[] = [];
      for (const [at, bytes] of copies) {
        const hits0 = compileMemoStats.hits;
        for (let round = 0; round < 8; round++) {
          mc.ctx.setReg(RAX, 0xffffffff);
          mc.ctx.setReg(RCX, 2);
          // CF clear before the block: a target that read the carry through left-out flags would see it clear.
          mc.ctx.setRflags(0x202);
          mc.ctx.rip = at;
          expect(run(mc)).to.equal(ExitReason.SyscallTrap);
          // 0xffffffff + 2 carries: eax 1, and adc adds the carry.
          expect(mc.ctx.getReg(RAX)).to.equal(bytes === carry ? 2 : 1);
        }
        const b = mc.cpu.blockAt(at);
        expect(b?.exec.name).to.equal(`block_p${(at & 0xfff).toString(16)}`);
        fns.push(b!.exec);
        if (at === CODE_BASE + 0x4000) expect(compileMemoStats.hits).to.be.greaterThan(hits0);
      }
      expect(fns[2]).to.equal(fns[0]);
      expect(fns[1]).to.not.equal(fns[0]);
      expect(fns[3]).to.not.equal(fns[0]);
    });
  }
});

describe('blocks that go on past a jcc, and loops', () => {
  for (const tier of ['interp', 'compiled', 'hot'] as const) {
    it(`a counted loop retires exactly, and a budget stops it within one round (${tier})`, () => {
      const asm = () => new Asm().i('Mov_r32_imm32', 'ecx', 1000).i('Xor_r32_rm32', 'eax', 'eax')
        .label('top').i('Add_rm64_r64', 'rax', 'rcx').i('Dec_rm32', 'ecx').i('Jne_rel32_64', L('top')).i('Syscall');
      const whole = program(asm(), tier);
      expect(run(whole)).to.equal(ExitReason.SyscallTrap);
      expect(whole.ctx.getReg(RAX)).to.equal(500500);
      expect(whole.ctx.retired).to.equal(2 + 3 * 1000 + 1);
      const sliced = program(asm(), tier);
      let slices = 0;
      for (;;) {
        const before = sliced.ctx.retired;
        const r = run(sliced, 100);
        slices++;
        if (r === ExitReason.SyscallTrap) break;
        expect(r).to.equal(ExitReason.Budget);
        // The budget may be passed by the rest of a block or one round of a loop, no more.
        expect(sliced.ctx.retired - before).to.be.within(100, 100 + 3);
      }
      expect(sliced.ctx.getReg(RAX)).to.equal(500500);
      expect(sliced.ctx.retired).to.equal(whole.ctx.retired);
      expect(slices).to.be.greaterThan(25);
    });

    it(`a fault in a late round of a loop reports the exact rip and retired count (${tier})`, () => {
      // No MMU: reads fault only past the end of RAM, here 1024 words after the start.
      const at = (1 << 20) - 0x1000;
      const mc = program(new Asm().i('Mov_r64_imm64', 'rsi', at).i('Xor_r32_rm32', 'eax', 'eax')
        .label('top').i('Add_r32_rm32', 'eax', { kind: 'mem', base: 'rsi', index: null, scale: 1, disp: 0, seg: null })
        .i('Add_rm64_imm8', 'rsi', 4).i('Cmp_rm64_imm8', 'rsi', 0).i('Jne_rel32_64', L('top')).i('Syscall'), tier);
      for (let k = 0; k < 1024; k++) mc.mem.writeU32(at + 4 * k, 1);
      expect(run(mc)).to.equal(ExitReason.Fault);
      expect(mc.ctx.faultSignal).to.equal(SIGSEGV);
      expect(mc.ctx.faultAddr).to.equal(at + 0x1000);
      expect(mc.ctx.rip).to.equal(CODE_BASE + 10 + 2);
      expect(mc.ctx.retired).to.equal(2 + 4 * 1024);
      expect(mc.ctx.getReg(RAX)).to.equal(1024);
      expect(mc.ctx.getReg(RSI)).to.equal(at + 0x1000);
    });

    it(`a jcc inside a block leaves it when taken, with the flags its target reads (${tier})`, () => {
      // je in the middle: taken when ecx reaches 0; the target reads CF through adc.
      const mc = program(new Asm().i('Mov_r32_imm32', 'ecx', 5).i('Xor_r32_rm32', 'eax', 'eax')
        .label('top').i('Sub_rm32_imm8', 'ecx', 1).i('Je_rel32_64', L('out')).i('Add_rm32_imm8', 'eax', 2).i('Jmp_rel32_64', L('top'))
        .label('out').i('Stc').i('Adc_rm32_imm8', 'eax', 0).i('Syscall'), tier);
      expect(run(mc)).to.equal(ExitReason.SyscallTrap);
      expect(mc.ctx.getReg(RAX)).to.equal(9);
      expect(mc.ctx.retired).to.equal(2 + 4 * 4 + 2 + 3);
    });
  }
});

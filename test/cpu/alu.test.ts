import { expect } from 'chai';
import { Asm, Runner, getR, m, DATA } from './asm.js';
import { add, sub, logic, edges, randoms, mask, AF, CF, OF, PF, SF, ZF, type Result } from './ref.js';
import { RAX, RBX, RSI } from '../../cpu/index.js';

const ARITH = CF | PF | AF | ZF | SF | OF;
const SIZES: [number, string, string][] = [[8, 'al', 'bl'], [16, 'ax', 'bx'], [32, 'eax', 'ebx'], [64, 'rax', 'rbx']];
const GARBAGE = 0xa5a5a5a5_a5a5a5a5n;

type Model = (a: bigint, b: bigint, cf: number, bits: number) => Result;
const OPS: [string, Model, boolean][] = [
  ['Add', (a, b, _c, n) => add(a, b, 0, n), true],
  ['Adc', (a, b, c, n) => add(a, b, c, n), true],
  ['Sub', (a, b, _c, n) => sub(a, b, 0, n), true],
  ['Sbb', (a, b, c, n) => sub(a, b, c, n), true],
  ['Cmp', (a, b, _c, n) => sub(a, b, 0, n), false],
  ['And', (a, b, _c, n) => logic('and', a, b, n), true],
  ['Or', (a, b, _c, n) => logic('or', a, b, n), true],
  ['Xor', (a, b, _c, n) => logic('xor', a, b, n), true],
  ['Test', (a, b, _c, n) => logic('and', a, b, n), false],
];

/** Expected destination register after writing a `bits`-wide result over `old`. */
function merged(old: bigint, r: bigint, bits: number): bigint {
  if (bits === 32) return r;
  if (bits === 64) return r;
  return (old & ~mask(bits) & mask(64)) | r;
}

for (const tier of ['interp', 'compiled', 'hot'] as const) {
  describe(`ALU (${tier})`, () => {
    for (const [name, model, writes] of OPS) {
      for (const [bits, ra, rb] of SIZES) {
        it(`${name.toLowerCase()} r${bits}, r${bits}: result, flags, upper bits`, () => {
          const code = name === 'Test' ? `Test_rm${bits}_r${bits}` : `${name}_r${bits}_rm${bits}`;
          const run = new Runner(new Asm().i(code, ra, rb), tier);
          const vals = [...edges(bits), ...randoms(6).map((v) => v & mask(bits))];
          let cases = 0;
          for (const a of vals) {
            for (const b of vals) {
              for (const cf of [0, 1]) {
                const old = (GARBAGE & ~mask(bits) & mask(64)) | a;
                const ctx = run.exec({ [RAX]: old, [RBX]: b }, 0x202 | cf);
                const want = model(a, b, cf, bits);
                expect(getR(ctx, RAX), `${name} ${a} ${b} cf=${cf}`).to.equal(writes ? merged(old, want.r, bits) : old);
                const fm = name === 'And' || name === 'Or' || name === 'Xor' || name === 'Test' ? ARITH & ~AF : ARITH;
                expect(ctx.rflags & fm, `${name}${bits} flags ${a} ${b} cf=${cf}`).to.equal(want.flags & fm);
                cases++;
              }
            }
          }
          expect(cases).to.be.greaterThan(300);
        });
      }
    }

    it('adds into memory and from immediates (all sizes)', () => {
      for (const [bits] of SIZES) {
        const imm = bits === 8 ? 0x7f : -3;
        const a = new Asm().i('Mov_r32_imm32', 'esi', DATA).i(`Add_rm${bits}_r${bits}`, m('rsi', 8), bits === 8 ? 'bl' : bits === 16 ? 'bx' : bits === 32 ? 'ebx' : 'rbx')
          .i(bits === 8 ? 'Add_rm8_imm8' : `Add_rm${bits}_imm8`, m('rsi', 8), imm);
        const run = new Runner(a, tier);
        for (const [x0, y] of [[0x1234n, 5n], [mask(bits), 1n], [0x8000_0000_0000_0000n, mask(bits)]]) {
          const x = x0 & mask(bits);
          run.mc.mem.writeU64Parts(DATA + 8, Number(0xffffffffn & (x | (GARBAGE & ~mask(bits)))) | 0, Number(((x | (GARBAGE & ~mask(bits))) >> 32n) & 0xffffffffn) | 0);
          const ctx = run.exec({ [RBX]: y });
          const s1 = add(x, y, 0, bits).r;
          const immv = BigInt.asUintN(bits, BigInt(imm));
          const want = add(s1, immv, 0, bits);
          const lo = run.mc.mem.readU32(DATA + 8), hi = run.mc.mem.readU32(DATA + 12);
          const got = ((BigInt(hi) << 32n) | BigInt(lo)) & mask(bits);
          expect(got, `add m${bits}`).to.equal(want.r);
          expect(ctx.rflags & ARITH).to.equal(want.flags);
          // bytes beyond the operand are untouched
          if (bits < 64) expect((((BigInt(hi) << 32n) | BigInt(lo)) & ~mask(bits)) & mask(64)).to.equal(GARBAGE & ~mask(bits) & mask(64));
          expect(getR(ctx, RSI)).to.equal(BigInt(DATA));
        }
      }
    });

    it('uses ah/bh/ch/dh as the second byte of rax..rbx', () => {
      const run = new Runner(new Asm().i('Add_r8_rm8', 'ah', 'bh').i('Sub_r8_rm8', 'bl', 'ah'), tier);
      const ctx = run.exec({ [RAX]: 0x1111_2222_3344_55f0n, [RBX]: 0x9999_8888_7777_2010n });
      // ah = 0x55 + 0x20 = 0x75; bl = 0x10 - 0x75 = 0x9b
      expect(getR(ctx, RAX)).to.equal(0x1111_2222_3344_75f0n);
      expect(getR(ctx, RBX)).to.equal(0x9999_8888_7777_209bn);
      expect(ctx.rflags & CF).to.equal(CF);
    });

    it('inc and dec keep CF; neg sets CF for nonzero; not changes no flags', () => {
      const run = new Runner(new Asm().i('Inc_rm64', 'rax').i('Dec_rm32', 'ebx'), tier);
      for (const cf of [0, 1]) {
        const ctx = run.exec({ [RAX]: 0x7fff_ffff_ffff_ffffn, [RBX]: 0xffff_ffff_0000_0000n }, 0x202 | cf);
        expect(getR(ctx, RAX)).to.equal(0x8000_0000_0000_0000n);
        expect(getR(ctx, RBX)).to.equal(0xffff_ffffn);
        // flags from dec ebx (0 - 1): SF, AF, PF; CF preserved; no OF
        expect(ctx.rflags & ARITH).to.equal(SF | AF | PF | cf);
      }
      const inc64 = new Runner(new Asm().i('Inc_rm64', 'rax'), tier);
      const c1 = inc64.exec({ [RAX]: 0x7fff_ffff_ffff_ffffn });
      expect(c1.rflags & (OF | SF | ZF | CF)).to.equal(OF | SF);
      const c2 = inc64.exec({ [RAX]: 0xffff_ffff_ffff_ffffn }, 0x203);
      expect(getR(c2, RAX)).to.equal(0n);
      expect(c2.rflags & (OF | SF | ZF | CF)).to.equal(ZF | CF);

      const neg = new Runner(new Asm().i('Neg_rm64', 'rax').i('Not_rm16', 'bx'), tier);
      for (const v of edges(64)) {
        const ctx = neg.exec({ [RAX]: v, [RBX]: 0x1234_5678_9abc_def0n });
        const want = sub(0n, v, 0, 64);
        expect(getR(ctx, RAX)).to.equal(want.r);
        expect(ctx.rflags & ARITH).to.equal(want.flags);
        expect(getR(ctx, RBX)).to.equal(0x1234_5678_9abc_210fn);
      }
    });

    it('a 64-bit immediate operand is sign-extended', () => {
      const run = new Runner(new Asm().i('And_rm64_imm32', 'rax', -16).i('Or_rm64_imm8', 'rbx', -1), tier);
      const ctx = run.exec({ [RAX]: 0xffff_ffff_ffff_ffffn, [RBX]: 5n });
      expect(getR(ctx, RAX)).to.equal(0xffff_ffff_ffff_fff0n);
      expect(getR(ctx, RBX)).to.equal(0xffff_ffff_ffff_ffffn);
    });
  });
}

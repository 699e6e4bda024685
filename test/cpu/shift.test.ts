import { expect } from 'chai';
import { Asm, CODE_BASE, Runner, getR } from './asm.js';
import { Block, interpret } from '../../cpu/block.js';
import { compileBlock } from '../../cpu/compile.js';
import { Core } from '../../cpu/core.js';
import { BlockDecoder } from '../../cpu/decode.js';
import { edges, mask, sign, szp, CF, OF, PF, SF, ZF } from './ref.js';
import { RAX, RBX, RCX, RDX } from '../../cpu/index.js';

const SIZES: [number, string, string][] = [[8, 'al', 'bl'], [16, 'ax', 'bx'], [32, 'eax', 'ebx'], [64, 'rax', 'rbx']];
const COUNTS = [0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63];

interface Want { r: bigint; flags: number; care: number }

/** Reference shift/rotate (SDM pseudo-code); `care` = the flags the manual defines for this count. */
function model(op: string, a: bigint, count: number, cfIn: number, bits: number): Want | null {
  const n = count & (bits === 64 ? 63 : 31);
  const m = mask(bits);
  const B = BigInt(bits);
  if (n === 0) return { r: a, flags: cfIn, care: CF };
  const N = BigInt(n);
  const one = n === 1 ? OF : 0;
  switch (op) {
    case 'Shl': {
      const r = (a << N) & m;
      const cf = n <= bits ? Number((a >> (B - N)) & 1n) : 0;
      // CF is undefined for counts >= the operand size
      return { r, flags: szp(r, bits) | cf | ((Number(sign(r, bits)) ^ cf) ? OF : 0), care: (n < bits ? CF : 0) | ZF | SF | PF | one };
    }
    case 'Shr': {
      const r = a >> N;
      const cf = Number((a >> (N - 1n)) & 1n);
      return { r, flags: szp(r, bits) | cf | (sign(a, bits) ? OF : 0), care: (n < bits ? CF : 0) | ZF | SF | PF | one };
    }
    case 'Sar': {
      const s = BigInt.asIntN(bits, a);
      const r = (s >> N) & m;
      const cf = Number((s >> (N - 1n)) & 1n);
      return { r, flags: szp(r, bits) | cf, care: CF | ZF | SF | PF | one };
    }
    case 'Rol': {
      const k = BigInt(n % bits);
      const r = ((a << k) | (a >> (B - k))) & m;
      const cf = Number(r & 1n);
      return { r, flags: cf | ((Number(sign(r, bits)) ^ cf) ? OF : 0), care: CF | one };
    }
    case 'Ror': {
      const k = BigInt(n % bits);
      const r = ((a >> k) | (a << (B - k))) & m;
      const cf = Number(sign(r, bits));
      return { r, flags: cf | ((cf ^ Number((r >> (B - 2n)) & 1n)) ? OF : 0), care: CF | one };
    }
    case 'Rcl': case 'Rcr': {
      const k = bits <= 16 ? n % (bits + 1) : n;
      let v = a, cf = BigInt(cfIn);
      let of = 0;
      if (op === 'Rcr') of = Number(sign(v, bits) ^ cf);
      for (let j = 0; j < k; j++) {
        if (op === 'Rcl') { const out = sign(v, bits); v = ((v << 1n) | cf) & m; cf = out; } else {
          const out = v & 1n; v = (v >> 1n) | (cf << (B - 1n)); cf = out;
        }
      }
      if (op === 'Rcl') of = Number(sign(v, bits) ^ cf);
      return { r: v, flags: Number(cf) | (of ? OF : 0), care: CF | (n === 1 ? OF : 0) };
    }
  }
  return null;
}

for (const tier of ['interp', 'compiled', 'hot'] as const) {
  describe(`shifts and rotates (${tier})`, () => {
    for (const op of ['Shl', 'Shr', 'Sar', 'Rol', 'Ror', 'Rcl', 'Rcr']) {
      for (const [bits, ra] of SIZES) {
        it(`${op.toLowerCase()} r${bits}, cl against the manual`, () => {
          const run = new Runner(new Asm().i(`${op}_rm${bits}_CL`, ra, 'cl'), tier);
          let n = 0;
          for (const a of edges(bits)) {
            for (const count of COUNTS) {
              for (const cf of [0, 1]) {
                const want = model(op, a, count, cf, bits);
                if (want === null) continue;
                const hiGarbage = bits < 32 ? 0xdead_beef_0000_0000n : 0n;
                const ctx = run.exec({ [RAX]: hiGarbage | a, [RCX]: BigInt(count) }, 0x202 | cf);
                const r = getR(ctx, RAX);
                expect(r & mask(bits), `${op}${bits} ${a} by ${count} cf=${cf}`).to.equal(want.r);
                if (bits < 32) expect(r >> BigInt(bits)).to.equal(hiGarbage >> BigInt(bits));
                expect(ctx.rflags & want.care, `${op}${bits} flags ${a} by ${count} cf=${cf}`).to.equal(want.flags & want.care);
                n++;
              }
            }
          }
          expect(n).to.be.greaterThan(100);
        });
      }
    }

    it('shift by immediate and by 1 forms agree with cl forms', () => {
      const run = new Runner(new Asm().i('Shl_rm32_imm8', 'eax', 5).i('Sar_rm64_1', 'rbx', 1).i('Shr_rm16_imm8', 'cx', 3), tier);
      const ctx = run.exec({ [RAX]: 0xffff_ffff_8000_0001n, [RBX]: 0x8000_0000_0000_0003n, [RCX]: 0x1234_5678n });
      expect(getR(ctx, RAX)).to.equal(0x20n); // 32-bit result zero-extends
      expect(getR(ctx, RBX)).to.equal(0xc000_0000_0000_0001n);
      expect(getR(ctx, RCX)).to.equal(0x1234_0acfn);
    });

    it('a 32-bit shift by 0 still zero-extends and keeps flags', () => {
      const run = new Runner(new Asm().i('Shl_rm32_CL', 'eax', 'cl'), tier);
      const ctx = run.exec({ [RAX]: 0xffff_ffff_1234_5678n, [RCX]: 32n }, 0x202 | CF | ZF);
      expect(getR(ctx, RAX)).to.equal(0x1234_5678n);
      expect(ctx.rflags & (CF | ZF)).to.equal(CF | ZF);
    });

    for (const [bits, ra, rb] of SIZES.slice(1)) {
      for (const dir of ['Shld', 'Shrd']) {
        it(`${dir.toLowerCase()} r${bits}, r${bits}, cl`, () => {
          const run = new Runner(new Asm().i(`${dir}_rm${bits}_r${bits}_CL`, ra, rb, 'cl'), tier);
          const m = mask(bits), B = BigInt(bits);
          for (const a of edges(bits)) {
            for (const b of [0n, m, 0x5a5a_5a5a_5a5a_5a5an & m]) {
              for (let n = 1; n < bits && n < 40; n += 3) {
                const N = BigInt(n);
                const r = dir === 'Shld' ? ((a << N) | (b >> (B - N))) & m : ((a >> N) | (b << (B - N))) & m;
                const cf = Number(dir === 'Shld' ? (a >> (B - N)) & 1n : (a >> (N - 1n)) & 1n);
                const care = CF | ZF | SF | PF | (n === 1 ? OF : 0);
                const flags = szp(r, bits) | cf | (sign(r, bits) !== sign(a, bits) ? OF : 0);
                const ctx = run.exec({ [RAX]: a, [RBX]: b, [RCX]: BigInt(n) });
                expect(getR(ctx, RAX) & m, `${dir}${bits} ${a},${b} by ${n}`).to.equal(r);
                expect(ctx.rflags & care).to.equal(flags & care);
              }
            }
          }
        });
      }
    }
  });
}

describe('shl/shr/sar of 32- and 64-bit registers by cl in the compiled tier', () => {
  it('are compiled inline (no handler call)', () => {
    const run = new Runner(new Asm().i('Shl_rm32_CL', 'eax', 'cl').i('Sar_rm64_CL', 'rbx', 'cl').i('Shr_rm64_CL', 'rdx', 'cl').i('Shr_rm32_CL', 'ecx', 'cl'), 'compiled');
    const d = new BlockDecoder(new Core(run.mc.mem)).decodeBlock(CODE_BASE);
    const src = compileBlock(new Block(CODE_BASE, d.end, d.insns, interpret)).toString();
    // Only the ud2 at the end calls its handler.
    expect(src.match(/\bins_\d+\.fn\(c, ins_\d+\)/g)).to.have.length(1);
    for (const count of [0n, 1n, 31n, 32n, 33n, 63n, 64n + 7n]) {
      const ctx = run.exec({ [RAX]: 0x8000_0001n, [RBX]: 0x8000_0000_0000_0003n, [RDX]: 0xf000_0000_0000_000fn, [RCX]: count });
      const n32 = count & 31n, n64 = count & 63n;
      expect(getR(ctx, RAX), `shl eax by ${count}`).to.equal((0x8000_0001n << n32) & 0xffff_ffffn);
      expect(getR(ctx, RBX), `sar rbx by ${count}`).to.equal(BigInt.asUintN(64, BigInt.asIntN(64, 0x8000_0000_0000_0003n) >> n64));
      expect(getR(ctx, RDX), `shr rdx by ${count}`).to.equal(0xf000_0000_0000_000fn >> n64);
      expect(getR(ctx, RCX), `shr ecx by itself (${count})`).to.equal((count & 0xffff_ffffn) >> n32);
    }
  });
});

import { expect } from 'chai';
import { Asm, CODE_BASE, DATA, Runner, getR, m } from './asm.js';
import { Block, interpret } from '../../cpu/block.js';
import { compileBlock } from '../../cpu/compile.js';
import { Core } from '../../cpu/core.js';
import { BlockDecoder } from '../../cpu/decode.js';
import { edges, mask, randoms, CF, OF } from './ref.js';
import { ExitReason, FPE_INTDIV, RAX, RBX, RCX, RDX, RSI, RDI, R8, R9, SIGFPE } from '../../cpu/index.js';

const SIZES: [number, string][] = [[8, 'bl'], [16, 'bx'], [32, 'ebx'], [64, 'rbx']];
const signed = (v: bigint, bits: number) => BigInt.asIntN(bits, v);

/** Dividend / product registers for a size: al/ax use ax only, others rdx:rax. */
function accIn(bits: number, hi: bigint, lo: bigint): Record<number, bigint> {
  if (bits === 8) return { [RAX]: (hi << 8n) | lo, [RDX]: 0x7777n };
  if (bits === 16) return { [RAX]: lo, [RDX]: hi };
  return { [RAX]: lo, [RDX]: hi };
}
function accOut(ctx: Parameters<typeof getR>[0], bits: number): [bigint, bigint] {
  const a = getR(ctx, RAX), d = getR(ctx, RDX);
  if (bits === 8) return [(a >> 8n) & 0xffn, a & 0xffn];
  return [d & mask(bits), a & mask(bits)];
}

for (const tier of ['interp', 'compiled', 'hot'] as const) {
  describe(`mul, imul, div, idiv (${tier})`, () => {
    for (const [bits, rb] of SIZES) {
      const vals = [...edges(bits), ...randoms(8, 77n).map((v) => v & mask(bits))];

      it(`mul and imul r/m${bits} (one operand)`, () => {
        for (const op of ['Mul', 'Imul']) {
          const run = new Runner(new Asm().i(`${op}_rm${bits}`, rb), tier);
          for (const a of vals) {
            for (const b of vals) {
              const ctx = run.exec({ ...accIn(bits, 0x3n, a), [RBX]: b });
              const p = op === 'Mul' ? a * b : signed(a, bits) * signed(b, bits);
              const pu = BigInt.asUintN(2 * bits, p);
              const [hi, lo] = accOut(ctx, bits);
              expect(lo, `${op}${bits} ${a}*${b}`).to.equal(pu & mask(bits));
              expect(hi, `${op}${bits} ${a}*${b} high`).to.equal(pu >> BigInt(bits));
              const overflow = op === 'Mul' ? (pu >> BigInt(bits)) !== 0n : p !== signed(pu & mask(bits), bits);
              expect(ctx.rflags & (CF | OF)).to.equal(overflow ? CF | OF : 0);
              if (bits === 32) expect(getR(ctx, RAX) >> 32n).to.equal(0n);
            }
          }
        }
      });

      if (bits >= 32) {
        it(`mul and imul r/m${bits} between instructions that keep rax, rdx and others in locals`, () => {
          // add rax, r9; mov rdi, rax; mul rbx; add rdx, r8; xor rax, rdi: the product reads the sum and
          // the instructions after it read the product, in one block (hot code: registers in locals).
          for (const op of ['Mul', 'Imul']) {
            const run = new Runner(new Asm().i('Add_rm64_r64', 'rax', 'r9').i('Mov_rm64_r64', 'rdi', 'rax')
              .i(`${op}_rm${bits}`, rb).i('Add_rm64_r64', 'rdx', 'r8').i('Xor_rm64_r64', 'rax', 'rdi'), tier);
            for (const a of vals) {
              for (const b of vals) {
                const ctx = run.exec({ [RAX]: a, [RBX]: b, [R8]: 0x1234n, [R9]: 3n, [RDX]: 0x5555n });
                const sum = BigInt.asUintN(64, a + 3n), x = sum & mask(bits);
                const p = BigInt.asUintN(2 * bits, op === 'Mul' ? x * b : signed(x, bits) * signed(b, bits));
                const lo = p & mask(bits), hi = p >> BigInt(bits);
                expect(getR(ctx, RDX), `${op}${bits} ${a}*${b} rdx`).to.equal(BigInt.asUintN(64, hi + 0x1234n));
                expect(getR(ctx, RAX), `${op}${bits} ${a}*${b} rax`).to.equal(lo ^ sum);
                expect(getR(ctx, RDI)).to.equal(sum);
              }
            }
          }
        });
      }

      if (bits > 8) {
        it(`imul r${bits}, r/m${bits} and imul r, r/m, imm`, () => {
          const ra = bits === 16 ? 'ax' : bits === 32 ? 'eax' : 'rax';
          const two = new Runner(new Asm().i(`Imul_r${bits}_rm${bits}`, ra, rb), tier);
          const three = new Runner(new Asm().i(`Imul_r${bits}_rm${bits}_imm8`, ra, rb, -7), tier);
          for (const a of vals) {
            for (const b of vals) {
              const ctx = two.exec({ [RAX]: a, [RBX]: b });
              const p = signed(a, bits) * signed(b, bits);
              expect(getR(ctx, RAX) & mask(bits)).to.equal(BigInt.asUintN(bits, p));
              expect(ctx.rflags & (CF | OF)).to.equal(p !== signed(BigInt.asUintN(bits, p), bits) ? CF | OF : 0);
            }
            const ctx = three.exec({ [RBX]: a });
            const p = signed(a, bits) * -7n;
            expect(getR(ctx, RAX) & mask(bits)).to.equal(BigInt.asUintN(bits, p));
            expect(ctx.rflags & (CF | OF)).to.equal(p !== signed(BigInt.asUintN(bits, p), bits) ? CF | OF : 0);
          }
        });
      }

      it(`div and idiv r/m${bits}, with #DE on zero and overflow`, () => {
        for (const op of ['Div', 'Idiv']) {
          const run = new Runner(new Asm().i(`${op}_rm${bits}`, rb), tier);
          let ok = 0, de = 0;
          for (const hi of [0n, 1n, mask(bits), 0x12n]) {
            for (const lo of vals) {
              for (const d of vals) {
                const n = (hi << BigInt(bits)) | lo;
                let q: bigint | null = null, r = 0n;
                if (d !== 0n) {
                  if (op === 'Div') { q = n / d; r = n % d; if (q > mask(bits)) q = null; } else {
                    const sn = signed(n, 2 * bits), sd = signed(d, bits);
                    q = sn / sd; r = sn % sd;
                    if (q > mask(bits - 1) || q < -(1n << BigInt(bits - 1))) q = null;
                  }
                }
                const mc = run.mc;
                mc.ctx.gpr.fill(0);
                const ctxBefore = accIn(bits, hi, lo);
                const ctx = (() => {
                  try { return run.exec({ ...ctxBefore, [RBX]: d }); } catch { return null; }
                })();
                if (q === null) {
                  expect(ctx, `${op}${bits} ${n}/${d} must fault`).to.equal(null);
                  expect(mc.ctx.faultSignal).to.equal(SIGFPE);
                  expect(mc.ctx.faultCode).to.equal(FPE_INTDIV);
                  expect(mc.ctx.rip).to.equal(mc.ctx.faultAddr);
                  // state as before the instruction
                  expect(getR(mc.ctx, RAX)).to.equal(BigInt.asUintN(64, ctxBefore[RAX]));
                  de++;
                  continue;
                }
                expect(ctx, `${op}${bits} ${n}/${d}`).to.not.equal(null);
                const [rh, rl] = accOut(ctx!, bits);
                expect(rl, `${op}${bits} ${n}/${d} quotient`).to.equal(BigInt.asUintN(bits, q));
                expect(rh, `${op}${bits} ${n}/${d} remainder`).to.equal(BigInt.asUintN(bits, r));
                ok++;
              }
            }
          }
          expect(ok).to.be.greaterThan(100);
          expect(de).to.be.greaterThan(10);
        }
      });
    }

    it('reports #DE as a fault exit at the div', () => {
      const run = new Runner(new Asm().i('Div_rm32', 'ebx'), tier);
      expect(() => run.exec({ [RAX]: 1n, [RBX]: 0n })).to.throw();
      expect(run.mc.cpu.run(run.mc.ctx, 10)).to.equal(ExitReason.Fault);
    });
  });
}

describe('imul with two and three operands, flags dead (the compiled tier inlines it)', () => {
  // Each imul's flags are overwritten by the next flag writer: the emitter computes only the product.
  const asm = () => new Asm()
    .i('Imul_r64_rm64', 'rax', 'rbx')
    .i('Imul_r32_rm32_imm32', 'ecx', 'edx', -123457)
    .i('Imul_r64_rm64_imm8', 'rsi', m(null, DATA), -7)
    .i('Imul_r64_rm64', 'rdi', m(null, DATA + 8))
    .i('Imul_r32_rm32', 'r8d', m(null, DATA + 16))
    .i('Imul_r64_rm64_imm32', 'r9', 'rbx', 0x7654321)
    .i('Add_rm64_imm8', 'r10', 0);
  it('is compiled inline: no handler call for any of the six', () => {
    const run = new Runner(asm(), 'compiled');
    const d = new BlockDecoder(new Core(run.mc.mem)).decodeBlock(CODE_BASE);
    const src = compileBlock(new Block(CODE_BASE, d.end, d.insns, interpret)).toString();
    expect(src.match(/Math\.imul\(/g)!.length).to.be.at.least(6);
    // Only the ud2 at the end calls its handler.
    expect(src.match(/\bins_\d+\.fn\(c, ins_\d+\)/g)).to.have.length(1);
  });

  it('agrees with the BigInt model on both tiers, compiled or not', () => {
    const vals = [...edges(64), ...randoms(24, 991n)];
    for (const tier of ['interp', 'compiled', 'hot'] as const) {
      const run = new Runner(asm(), tier);
      for (const a of vals) {
        for (const b of vals.slice(0, 12)) {
          run.mc.mem.writeU64Parts(DATA, Number(a & 0xffffffffn), Number(a >> 32n));
          run.mc.mem.writeU64Parts(DATA + 8, Number(b & 0xffffffffn), Number(b >> 32n));
          run.mc.mem.writeU32(DATA + 16, Number(b & 0xffffffffn));
          const ctx = run.exec({ [RAX]: a, [RBX]: b, [RCX]: a, [RDX]: b, [RDI]: a, [R8]: a });
          const lo = (v: bigint, bits: number) => BigInt.asUintN(bits, v);
          expect(getR(ctx, RAX), `${tier} ${a}*${b}`).to.equal(lo(a * b, 64));
          expect(getR(ctx, RCX)).to.equal(lo(signed(b & mask(32), 32) * -123457n, 32));
          expect(getR(ctx, RSI)).to.equal(lo(a * -7n, 64));
          expect(getR(ctx, RDI)).to.equal(lo(a * b, 64));
          expect(getR(ctx, R8)).to.equal(lo(a * b, 32));
          expect(getR(ctx, R9)).to.equal(lo(b * 0x7654321n, 64));
        }
      }
    }
  });
});

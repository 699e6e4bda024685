import { expect } from 'chai';
import { Asm, Runner, getR } from './asm.js';
import { edges, mask, randoms, CF, OF } from './ref.js';
import { ExitReason, FPE_INTDIV, RAX, RBX, RDX, SIGFPE } from '../../cpu/index.js';

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

for (const tier of ['interp', 'compiled'] as const) {
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

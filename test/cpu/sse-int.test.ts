import { expect } from 'chai';
import { Asm, Runner, getR, m, DATA } from './asm.js';
import { RAX, RBX, RSI } from '../../cpu/index.js';

/** XMM register n as 16 bytes. */
function xmm(r: Runner, n: number): number[] {
  return Array.from(r.mc.ctx.xmmBytes.subarray(16 * n, 16 * n + 16));
}
function setXmm(r: Runner, n: number, bytes: number[]): void {
  r.mc.ctx.xmmBytes.set(bytes, 16 * n);
}
const seq = (start: number, step = 1) => Array.from({ length: 16 }, (_, k) => (start + k * step) & 0xff);

for (const tier of ['interp', 'compiled', 'hot'] as const) {
  describe(`SSE moves and SSE2 integer (${tier})`, () => {
    it('movdqu/movups/movdqa load and store 16 bytes; movdqa faults when misaligned', () => {
      const r = new Runner(new Asm().i('Movdqu_xmm_xmmm128', 'xmm3', m('rsi', 1)).i('Movaps_xmmm128_xmm', m('rsi', 32), 'xmm3')
        .i('Movdqa_xmm_xmmm128', 'xmm4', m('rsi', 32)), tier);
      r.mc.mem.u8.set(seq(0x40), DATA + 1);
      r.exec({ [RSI]: BigInt(DATA) });
      expect(xmm(r, 3)).to.deep.equal(seq(0x40));
      expect(xmm(r, 4)).to.deep.equal(seq(0x40));
      expect(Array.from(r.mc.mem.u8.subarray(DATA + 32, DATA + 48))).to.deep.equal(seq(0x40));
    });

    it('movd/movq between general registers and xmm zero the upper lanes', () => {
      const r = new Runner(new Asm().i('Movq_xmm_rm64', 'xmm1', 'rax').i('Movd_xmm_rm32', 'xmm2', 'ebx').i('Movq_rm64_xmm', 'rsi', 'xmm1')
        .i('Movd_rm32_xmm', 'edi', 'xmm1'), tier);
      setXmm(r, 1, seq(0xa0)); setXmm(r, 2, seq(0xb0));
      const ctx = r.exec({ [RAX]: 0x0807_0605_0403_0201n, [RBX]: 0xffff_ffff_dead_beefn });
      expect(xmm(r, 1)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 0]);
      expect(xmm(r, 2)).to.deep.equal([0xef, 0xbe, 0xad, 0xde, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
      expect(getR(ctx, RSI)).to.equal(0x0807_0605_0403_0201n);
      expect(getR(ctx, 7)).to.equal(0x0403_0201n);
    });

    it('movss/movsd merge register to register and zero-extend loads; movq xmm, xmm zeroes the high half', () => {
      const r = new Runner(new Asm().i('Movss_xmm_xmmm32', 'xmm0', 'xmm1').i('Movsd_xmm_xmmm64', 'xmm2', m('rsi'))
        .i('Movq_xmm_xmmm64', 'xmm3', 'xmm1').i('Movsd_xmmm64_xmm', m('rsi', 16), 'xmm1'), tier);
      r.mc.mem.u8.set(seq(0x10), DATA);
      setXmm(r, 0, seq(0x80)); setXmm(r, 1, seq(0x20)); setXmm(r, 2, seq(0x90)); setXmm(r, 3, seq(0x70));
      r.exec({ [RSI]: BigInt(DATA) });
      expect(xmm(r, 0)).to.deep.equal([...seq(0x20).slice(0, 4), ...seq(0x80).slice(4)]);
      expect(xmm(r, 2)).to.deep.equal([...seq(0x10).slice(0, 8), 0, 0, 0, 0, 0, 0, 0, 0]);
      expect(xmm(r, 3)).to.deep.equal([...seq(0x20).slice(0, 8), 0, 0, 0, 0, 0, 0, 0, 0]);
      expect(Array.from(r.mc.mem.u8.subarray(DATA + 16, DATA + 24))).to.deep.equal(seq(0x20).slice(0, 8));
    });

    it('pxor/pcmpeqb/pmovmskb find a zero byte (strlen idiom)', () => {
      const r = new Runner(new Asm().i('Pxor_xmm_xmmm128', 'xmm0', 'xmm0').i('Pcmpeqb_xmm_xmmm128', 'xmm0', m('rsi'))
        .i('Pmovmskb_r32_xmm', 'eax', 'xmm0'), tier);
      const text = [...Buffer.from('hello, world!!')];
      r.mc.mem.u8.set([...text, 0, 0x41], DATA);
      setXmm(r, 0, seq(1));
      const ctx = r.exec({ [RSI]: BigInt(DATA) });
      expect(getR(ctx, RAX)).to.equal(1n << 14n);
    });

    it('padd/psub wrap and saturate; pcmpgt is signed; pmin/pmax; pavg', () => {
      const r = new Runner(new Asm()
        .i('Movdqa_xmm_xmmm128', 'xmm1', 'xmm0').i('Paddb_xmm_xmmm128', 'xmm1', 'xmm7')
        .i('Movdqa_xmm_xmmm128', 'xmm2', 'xmm0').i('Paddusb_xmm_xmmm128', 'xmm2', 'xmm7')
        .i('Movdqa_xmm_xmmm128', 'xmm3', 'xmm0').i('Psubsb_xmm_xmmm128', 'xmm3', 'xmm7')
        .i('Movdqa_xmm_xmmm128', 'xmm4', 'xmm0').i('Pcmpgtb_xmm_xmmm128', 'xmm4', 'xmm7')
        .i('Movdqa_xmm_xmmm128', 'xmm5', 'xmm0').i('Pminub_xmm_xmmm128', 'xmm5', 'xmm7')
        .i('Movdqa_xmm_xmmm128', 'xmm6', 'xmm0').i('Pavgb_xmm_xmmm128', 'xmm6', 'xmm7'), tier);
      const a = seq(0x70, 13), b = seq(0xf0, 29);
      setXmm(r, 0, a); setXmm(r, 7, b);
      r.exec({});
      const s8 = (v: number) => (v << 24) >> 24;
      const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
      expect(xmm(r, 1)).to.deep.equal(a.map((x, k) => (x + b[k]) & 0xff));
      expect(xmm(r, 2)).to.deep.equal(a.map((x, k) => Math.min(255, x + b[k])));
      expect(xmm(r, 3)).to.deep.equal(a.map((x, k) => clamp(s8(x) - s8(b[k]), -128, 127) & 0xff));
      expect(xmm(r, 4)).to.deep.equal(a.map((x, k) => (s8(x) > s8(b[k]) ? 0xff : 0)));
      expect(xmm(r, 5)).to.deep.equal(a.map((x, k) => Math.min(x, b[k])));
      expect(xmm(r, 6)).to.deep.equal(a.map((x, k) => (x + b[k] + 1) >> 1));
    });

    it('punpcklbw, pshufd, psrldq, psllq, paddq carry', () => {
      const r = new Runner(new Asm()
        .i('Movdqa_xmm_xmmm128', 'xmm1', 'xmm0').i('Punpcklbw_xmm_xmmm128', 'xmm1', 'xmm7')
        .i('Pshufd_xmm_xmmm128_imm8', 'xmm2', 'xmm0', 0x1b)
        .i('Movdqa_xmm_xmmm128', 'xmm3', 'xmm0').i('Psrldq_xmm_imm8', 'xmm3', 5)
        .i('Movdqa_xmm_xmmm128', 'xmm4', 'xmm0').i('Psllq_xmm_imm8', 'xmm4', 36)
        .i('Movdqa_xmm_xmmm128', 'xmm5', 'xmm6').i('Paddq_xmm_xmmm128', 'xmm5', 'xmm6'), tier);
      const a = seq(0), b = seq(0x80);
      setXmm(r, 0, a); setXmm(r, 7, b);
      setXmm(r, 6, [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0x80, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
      r.exec({});
      expect(xmm(r, 1)).to.deep.equal(a.slice(0, 8).flatMap((x, k) => [x, b[k]]));
      expect(xmm(r, 2)).to.deep.equal([12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3]);
      expect(xmm(r, 3)).to.deep.equal([...a.slice(5), 0, 0, 0, 0, 0]);
      const q = (bytes: number[], o: number) => bytes.slice(o, o + 8).reduce((acc, x, k) => acc | (BigInt(x) << BigInt(8 * k)), 0n);
      const toBytes = (v: bigint) => Array.from({ length: 8 }, (_, k) => Number((v >> BigInt(8 * k)) & 0xffn));
      const m64 = (1n << 64n) - 1n;
      expect(xmm(r, 4)).to.deep.equal([...toBytes((q(a, 0) << 36n) & m64), ...toBytes((q(a, 8) << 36n) & m64)]);
      const six = xmm(r, 6);
      expect(xmm(r, 5)).to.deep.equal([...toBytes((q(six, 0) * 2n) & m64), ...toBytes((q(six, 8) * 2n) & m64)]);
    });

    it('an SSE integer op with a misaligned m128 operand faults (#GP)', () => {
      const r = new Runner(new Asm().i('Por_xmm_xmmm128', 'xmm0', m('rbx')), tier);
      expect(() => r.exec({ [RBX]: BigInt(DATA + 4) })).to.throw();
      expect(r.mc.ctx.faultCode).to.equal(0x80);
    });
  });
}

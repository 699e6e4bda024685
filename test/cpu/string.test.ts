import { expect } from 'chai';
import { Asm, Runner, getR, DATA } from './asm.js';
import { CF, ZF } from './ref.js';
import { ExitReason, RAX, RCX, RDI, RSI, SIGSEGV, SEGV_MAPERR } from '../../cpu/index.js';

const DF = 0x400;
const SRC = DATA, DST = DATA + 0x1000;

/** Encodings (iced's create() gives string instructions no operands). */
const OPC: Record<string, number[]> = {
  Movsb_m8_m8: [0xa4], Movsw_m16_m16: [0x66, 0xa5], Movsd_m32_m32: [0xa5], Movsq_m64_m64: [0x48, 0xa5],
  Stosb_m8_AL: [0xaa], Stosw_m16_AX: [0x66, 0xab], Stosd_m32_EAX: [0xab], Stosq_m64_RAX: [0x48, 0xab],
  Lodsb_AL_m8: [0xac], Lodsq_RAX_m64: [0x48, 0xad], Scasb_AL_m8: [0xae], Cmpsb_m8_m8: [0xa6],
};
const REP = 0xf3, REPNE = 0xf2;
const str = (name: string, prefix?: number) => new Asm().db(...(prefix ? [prefix] : []), ...OPC[name]);

function fillPattern(u8: Uint8Array, at: number, n: number): void {
  for (let k = 0; k < n; k++) u8[at + k] = (k * 7 + 3) & 0xff;
}

for (const tier of ['interp', 'compiled', 'hot'] as const) {
  describe(`string instructions (${tier})`, () => {
    for (const [name, size] of [['Movsb_m8_m8', 1], ['Movsw_m16_m16', 2], ['Movsd_m32_m32', 4], ['Movsq_m64_m64', 8]] as [string, number][]) {
      it(`rep ${name.slice(0, 5).toLowerCase()} copies forward and backward (DF)`, () => {
        const run = new Runner(str(name, REP), tier);
        const u8 = run.mc.mem.u8;
        for (const count of [0, 1, 5, 300]) {
          fillPattern(u8, SRC, 4096);
          u8.fill(0xee, DST - 16, DST + 4096);
          const ctx = run.exec({ [RSI]: BigInt(SRC), [RDI]: BigInt(DST), [RCX]: BigInt(count) });
          for (let k = 0; k < count * size; k++) expect(u8[DST + k]).to.equal(u8[SRC + k]);
          expect(u8[DST + count * size]).to.equal(0xee);
          expect(getR(ctx, RCX)).to.equal(0n);
          expect(getR(ctx, RSI)).to.equal(BigInt(SRC + count * size));
          expect(getR(ctx, RDI)).to.equal(BigInt(DST + count * size));
          // backward: DF=1, pointers at the last element
          u8.fill(0xee, DST - 16, DST + 4096);
          const last = (count - 1) * size;
          const c2 = run.exec({ [RSI]: BigInt(SRC + last), [RDI]: BigInt(DST + last), [RCX]: BigInt(count) }, 0x202 | DF);
          for (let k = 0; k < count * size; k++) expect(u8[DST + k]).to.equal(u8[SRC + k]);
          expect(getR(c2, RSI)).to.equal(BigInt(SRC + last - count * size));
        }
      });
    }

    it('rep movsb with the destination just ahead of the source repeats the pattern (byte semantics)', () => {
      const run = new Runner(str('Movsb_m8_m8', REP), tier);
      const u8 = run.mc.mem.u8;
      u8.set([1, 2, 3], SRC);
      run.exec({ [RSI]: BigInt(SRC), [RDI]: BigInt(SRC + 3), [RCX]: 9n });
      expect(Array.from(u8.subarray(SRC, SRC + 12))).to.deep.equal([1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3]);
    });

    it('rep stos fills with al/ax/eax/rax', () => {
      for (const [name, size] of [['Stosb_m8_AL', 1], ['Stosw_m16_AX', 2], ['Stosd_m32_EAX', 4], ['Stosq_m64_RAX', 8]] as [string, number][]) {
        const run = new Runner(str(name, REP), tier);
        const u8 = run.mc.mem.u8;
        u8.fill(0, DST, DST + 1024);
        const ctx = run.exec({ [RAX]: 0x8877_6655_4433_2211n, [RDI]: BigInt(DST + 1), [RCX]: 10n });
        const pattern = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88].slice(0, size);
        for (let k = 0; k < 10 * size; k++) expect(u8[DST + 1 + k]).to.equal(pattern[k % size]);
        expect(u8[DST + 1 + 10 * size]).to.equal(0);
        expect(getR(ctx, RDI)).to.equal(BigInt(DST + 1 + 10 * size));
      }
    });

    it('repne scasb finds a byte (strlen) and repe cmpsb finds the first difference', () => {
      const run = new Runner(str('Scasb_AL_m8', REPNE), tier);
      const u8 = run.mc.mem.u8;
      u8.set([...Buffer.from('hello, world'), 0], SRC);
      const ctx = run.exec({ [RAX]: 0n, [RDI]: BigInt(SRC), [RCX]: BigInt.asUintN(64, -1n) });
      // strlen = ~rcx - 1
      expect(BigInt.asUintN(64, ~getR(ctx, RCX)) - 1n).to.equal(12n);
      expect(ctx.rflags & ZF).to.equal(ZF);

      const cmp = new Runner(str('Cmpsb_m8_m8', REP), tier);
      cmp.mc.mem.u8.set([...Buffer.from('abcdef')], SRC);
      cmp.mc.mem.u8.set([...Buffer.from('abcxef')], DST);
      const c2 = cmp.exec({ [RSI]: BigInt(SRC), [RDI]: BigInt(DST), [RCX]: 6n });
      expect(getR(c2, RCX)).to.equal(2n);
      expect(getR(c2, RSI)).to.equal(BigInt(SRC + 4));
      expect(c2.rflags & (ZF | CF)).to.equal(CF); // 'd' < 'x'
      const c3 = cmp.exec({ [RSI]: BigInt(SRC), [RDI]: BigInt(DST), [RCX]: 3n });
      expect(getR(c3, RCX)).to.equal(0n);
      expect(c3.rflags & ZF).to.equal(ZF);
    });

    it('lods and single (unprefixed) forms', () => {
      const run = new Runner(new Asm().db(...OPC.Lodsq_RAX_m64, ...OPC.Lodsb_AL_m8, ...OPC.Stosd_m32_EAX), tier);
      run.mc.mem.writeU64Parts(SRC, 0x44332211, 0x88776655);
      run.mc.mem.writeU8(SRC + 8, 0x99);
      const ctx = run.exec({ [RSI]: BigInt(SRC), [RDI]: BigInt(DST) });
      expect(getR(ctx, RAX)).to.equal(0x8877_6655_4433_2299n);
      expect(getR(ctx, RSI)).to.equal(BigInt(SRC + 9));
      expect(run.mc.mem.readU32(DST)).to.equal(0x44332299);
      expect(getR(ctx, RDI)).to.equal(BigInt(DST + 4));
    });

    it('a fault part way leaves registers at the failing element, rip at the instruction', () => {
      const run = new Runner(str('Movsq_m64_m64', REP), tier);
      const ctx = run.mc.ctx;
      ctx.gpr.fill(0);
      ctx.setReg(RSI, SRC);
      ctx.setReg(RDI, run.mc.mem.size - 16); // two qwords fit, the third does not
      ctx.setReg(RCX, 5);
      ctx.rip = 0x10000;
      expect(run.mc.cpu.run(ctx, 1000)).to.equal(ExitReason.Fault);
      expect(ctx.faultSignal).to.equal(SIGSEGV);
      expect(ctx.faultCode).to.equal(SEGV_MAPERR);
      expect(ctx.faultAddr).to.equal(run.mc.mem.size);
      expect(ctx.getReg(RCX)).to.equal(3);
      expect(ctx.getReg(RDI)).to.equal(run.mc.mem.size);
      expect(ctx.rip).to.equal(0x10000);
    });
  });
}

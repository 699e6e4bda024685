/**
 * A repe/repne cmps or scas that faults part way: the iterations before the
 * fault have happened (rcx, rsi, rdi point at the failing element, rip at the
 * instruction), and the arithmetic flags are back at their value before the
 * instruction (Intel SDM, REP prefix). The differential harness cannot check
 * the flags here because hosts of other vendors keep the last compare's.
 */
import { expect } from 'chai';
import { machine, getR, setR, CODE_BASE, DATA } from './asm.js';
import { ExitReason, RCX, RDI, RSI, RAX, SIGSEGV } from '../../cpu/index.js';

const MEM_END = 1 << 20;
const ARITH = 0x8d5; // CF PF AF ZF SF OF

/** [name, bytes, element size, reads rsi] */
const FORMS: Array<[string, number[], number, boolean]> = [
  ['repne cmpsb', [0xf2, 0xa6], 1, true],
  ['repe cmpsq', [0xf3, 0x48, 0xa7], 8, true],
  ['repne scasw', [0xf2, 0x66, 0xaf], 2, false],
  ['repe scasd', [0xf3, 0xaf], 4, false],
];

for (const tier of ['interp', 'compiled', 'hot'] as const) {
  describe(`rep cmps/scas faulting part way (${tier})`, () => {
    for (const [name, bytes, size, readsRsi] of FORMS) {
      it(`${name}: registers at the failing element, flags as before the instruction`, () => {
        const mc = machine(new Uint8Array([...bytes, 0x0f, 0x0b]), tier);
        const repe = bytes[0] === 0xf3;
        // Three elements fit before the end of memory; they compare equal for repe and unequal for repne.
        const rdi = MEM_END - 3 * size;
        mc.mem.u8.fill(repe ? 0x11 : 0x22, rdi, MEM_END);
        mc.mem.u8.fill(0x11, DATA, DATA + 64);
        // Runs enough times for the compiled tier to compile the block.
        for (let round = 0; round < 8; round++) {
          const ctx = mc.ctx;
          for (const before of [0x202 | 0x80 | 0x1, 0x202 | 0x40 | 0x800, 0x202]) {
            setR(ctx, RCX, 40n);
            setR(ctx, RSI, BigInt(DATA));
            setR(ctx, RDI, BigInt(rdi));
            setR(ctx, RAX, 0x1111111111111111n);
            ctx.setRflags(before);
            ctx.rip = CODE_BASE;
            expect(mc.cpu.run(ctx, 1000)).to.equal(ExitReason.Fault);
            expect(ctx.faultSignal).to.equal(SIGSEGV);
            expect(ctx.rip).to.equal(CODE_BASE);
            expect(getR(ctx, RCX)).to.equal(37n);
            expect(getR(ctx, RDI)).to.equal(BigInt(MEM_END));
            expect(getR(ctx, RSI)).to.equal(BigInt(readsRsi ? DATA + 3 * size : DATA));
            expect(ctx.getRflags() & ARITH, `${name} flags`).to.equal(before & ARITH);
          }
        }
      });
    }

    it('a rep cmps that ends without a fault leaves the last compare\'s flags', () => {
      const mc = machine(new Uint8Array([0xf3, 0xa6, 0x0f, 0x0b]), tier);
      mc.mem.u8.fill(0x11, DATA, DATA + 8);
      mc.mem.u8.fill(0x11, DATA + 0x100, DATA + 0x108);
      mc.mem.u8[DATA + 0x104] = 0x12;
      const ctx = mc.ctx;
      setR(ctx, RCX, 8n);
      setR(ctx, RSI, BigInt(DATA));
      setR(ctx, RDI, BigInt(DATA + 0x100));
      ctx.setRflags(0x202 | 0x40);
      ctx.rip = CODE_BASE;
      expect(mc.cpu.run(ctx, 1000)).to.equal(ExitReason.Fault); // the ud2 after it
      expect(getR(ctx, RCX)).to.equal(3n);
      // 0x11 - 0x12: not equal, borrow, negative
      expect(ctx.getRflags() & (0x1 | 0x40 | 0x80)).to.equal(0x1 | 0x80);
    });
  });
}

import { expect } from 'chai';
import { Cpu, CpuContext, GuestMemory, MemoryFault } from '../../cpu/index.js';
import { runLoopBench, expectedRetired } from '../../cpu/bench-loop.js';

describe('FXSAVE images and 80-bit conversion', () => {
  it('lays out FCW, FSW with TOP, abridged FTW, MXCSR, MXCSR_MASK, ST(i) in stack order, XMM0..15', () => {
    const mem = new GuestMemory(1 << 20);
    const cpu = new Cpu(mem);
    const ctx = new CpuContext();
    ctx.fpControl = 0x027f; ctx.fpStatus = 0x0041; ctx.fpTop = 6; ctx.fpTagValid = 0xc0;
    ctx.fpr[6] = 1; ctx.fpr[7] = -2.5;
    ctx.mxcsr = 0x1fa0;
    for (let k = 0; k < 256; k++) ctx.xmmBytes[k] = (k * 3) & 0xff;
    const at = 0x20000;
    mem.fill(at, 512, 0xcc);
    cpu.fxsave(ctx, at);
    const dv = mem.dv;
    expect(dv.getUint16(at, true)).to.equal(0x027f);
    expect(dv.getUint16(at + 2, true)).to.equal(0x0041 | (6 << 11));
    expect(mem.u8[at + 4]).to.equal(0xc0);
    expect(dv.getUint32(at + 24, true)).to.equal(0x1fa0);
    expect(dv.getUint32(at + 28, true)).to.equal(0xffff);
    // ST0 = physical 6 = 1.0: mantissa 0x8000000000000000, exponent 0x3fff
    expect(Array.from(mem.u8.subarray(at + 32, at + 42))).to.deep.equal([0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x3f]);
    // ST1 = physical 7 = -2.5 = -1.25 * 2^1
    expect(Array.from(mem.u8.subarray(at + 48, at + 58))).to.deep.equal([0, 0, 0, 0, 0, 0, 0, 0xa0, 0x00, 0xc0]);
    expect(Array.from(mem.u8.subarray(at + 160, at + 416))).to.deep.equal(Array.from(ctx.xmmBytes));
    expect(mem.u8[at + 500]).to.equal(0);

    const back = new CpuContext();
    cpu.fxrstor(back, at);
    expect([back.fpControl, back.fpStatus, back.fpTop, back.fpTagValid, back.mxcsr]).to.deep.equal([0x027f, 0x0041, 6, 0xc0, 0x1fa0]);
    expect(back.fpr[6]).to.equal(1);
    expect(back.fpr[7]).to.equal(-2.5);
    expect(Array.from(back.xmmBytes)).to.deep.equal(Array.from(ctx.xmmBytes));
    expect(() => cpu.fxsave(ctx, 0)).to.throw(MemoryFault);
  });

  it('round-trips doubles, specials included, through the 80-bit register images', () => {
    const mem = new GuestMemory(1 << 20);
    const cpu = new Cpu(mem);
    const at = 0x20000;
    const values = [0, -0, 1, -1, 0.1, 1e300, -1e-300, 5e-324, 2.2250738585072014e-308, Infinity, -Infinity, Math.PI, 2 ** 63, NaN];
    for (let k = 0; k < values.length; k += 8) {
      const ctx = new CpuContext();
      const chunk = values.slice(k, k + 8);
      chunk.forEach((v, p) => { ctx.fpr[p] = v; });
      ctx.fpTagValid = (1 << chunk.length) - 1;
      cpu.fxsave(ctx, at);
      const back = new CpuContext();
      cpu.fxrstor(back, at);
      chunk.forEach((v, p) => expect(Object.is(back.fpr[p], v), `${v}`).to.equal(true));
    }
    // 5e-324 (the smallest double denormal) is a normal 80-bit number: exponent 16383 - 1074
    const ctx = new CpuContext();
    ctx.fpr[0] = 5e-324;
    cpu.fxsave(ctx, at);
    expect(mem.dv.getUint16(at + 32 + 8, true)).to.equal(16383 - 1074);
    expect(mem.dv.getUint32(at + 32 + 4, true)).to.equal(0x80000000);
  });
});

describe('cpu/bench-loop', () => {
  /** The loop's work, modelled independently with bigints. */
  function model(iterations: number): bigint {
    const M = (1n << 64n) - 1n;
    const data = new Map<number, bigint>();
    let rax = 0n, rcx = BigInt(iterations), rdi = 0n;
    while (rcx !== 0n) {
      const rdx = Number(rcx & 0xffn);
      // unaligned qword at data + rdx: assemble from bytes
      let q = 0n;
      for (let k = 7; k >= 0; k--) q = (q << 8n) | (data.get(rdx + k) ?? 0n);
      const rbx = (q + rcx) & M;
      for (let k = 0; k < 8; k++) data.set(rdx + k, (rbx >> BigInt(8 * k)) & 0xffn);
      rax ^= rbx;
      rax = ((rax << 5n) | (rax >> 59n)) & M;
      if (rbx < rdi) rdi = rbx;
      rdi = (rdi + 1n) & M;
      rcx -= 1n;
    }
    return rax;
  }

  for (const tier of ['interp', 'compiled', 'hot'] as const) {
    it(`runs the loop to completion with exact retired counts and the modelled result (${tier})`, () => {
      const r = runLoopBench(3000, tier);
      expect(r.retired).to.equal(expectedRetired(3000));
      expect(BigInt(r.checksumHi >>> 0) << 32n | BigInt(r.checksumLo >>> 0)).to.equal(model(3000));
      expect(r.ms).to.be.a('number');
    });
  }
});

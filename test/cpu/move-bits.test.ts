import { expect } from 'chai';
import { Asm, Runner, getR, m, DATA } from './asm.js';
import { edges, mask, sub, CF, ZF } from './ref.js';
import { RAX, RBX, RCX, RDX, RSI, RDI, R8, R9 } from '../../cpu/index.js';

const CC = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
/** Condition from the SDM's flag formulas. */
function condFrom(cc: number, f: number): boolean {
  const cf = (f & 1) !== 0, pf = (f & 4) !== 0, zf = (f & 64) !== 0, sf = (f & 128) !== 0, of = (f & 2048) !== 0;
  const base = [of, cf, zf, cf || zf, sf, pf, sf !== of, zf || sf !== of][cc >> 1];
  return cc & 1 ? !base : base;
}

for (const tier of ['interp', 'compiled', 'hot'] as const) {
  describe(`moves, conditions and bit operations (${tier})`, () => {
    it('setcc and cmovcc after cmp agree with the flag formulas (all 16 conditions, 8/32/64-bit compares)', () => {
      for (const [bits, ra, rb] of [[8, 'al', 'bl'], [32, 'eax', 'ebx'], [64, 'rax', 'rbx']] as [number, string, string][]) {
        const a = new Asm().i(`Cmp_r${bits}_rm${bits}`, ra, rb);
        CC.forEach((n, k) => a.i(`Set${n}_rm8`, k < 8 ? ['cl', 'dl', 'sil', 'dil', 'r8l', 'r9l', 'r10l', 'r11l'][k] : ['r12l', 'r13l', 'r14l', 'r15l', 'ch', 'dh', 'bpl', 'spl'][k - 8]));
        const run = new Runner(a, tier);
        const regs = [RCX, RDX, RSI, RDI, R8, R9, 10, 11, 12, 13, 14, 15];
        for (const x of edges(bits)) {
          for (const y of edges(bits)) {
            const ctx = run.exec({ [RAX]: x, [RBX]: y });
            const f = sub(x, y, 0, bits).flags;
            CC.forEach((_, k) => {
              let got: bigint;
              if (k < 12) got = getR(ctx, regs[k]) & 0xffn;
              else if (k === 12) got = (getR(ctx, RCX) >> 8n) & 0xffn;
              else if (k === 13) got = (getR(ctx, RDX) >> 8n) & 0xffn;
              else if (k === 14) got = getR(ctx, 5) & 0xffn;
              else return; // spl: skip (stack pointer)
              expect(got, `set${CC[k]} after cmp ${x},${y}`).to.equal(condFrom(k, f) ? 1n : 0n);
            });
          }
        }
      }
      // cmov: 32-bit destination is zero-extended even when the condition is false
      const cm = new Runner(new Asm().i('Cmp_r64_rm64', 'rax', 'rbx').i('Cmovl_r32_rm32', 'ecx', 'edx').i('Cmovge_r64_rm64', 'rsi', 'rdx'), tier);
      const ctx = cm.exec({ [RAX]: 5n, [RBX]: 3n, [RCX]: 0xffff_ffff_1111_1111n, [RDX]: 0x2222_2222_3333_3333n, [RSI]: 9n });
      expect(getR(ctx, RCX)).to.equal(0x1111_1111n);
      expect(getR(ctx, RSI)).to.equal(0x2222_2222_3333_3333n);
    });

    it('movzx, movsx, movsxd, cbw family', () => {
      const a = new Asm()
        .i('Movzx_r32_rm8', 'ecx', 'bh').i('Movsx_r64_rm16', 'r8', 'bx').i('Movsxd_r64_rm32', 'rsi', 'ebx')
        .i('Movsx_r16_rm8', 'di', 'bl').i('Cdqe').i('Cqo');
      const run = new Runner(a, tier);
      const ctx = run.exec({ [RAX]: 0x8000_0000n, [RBX]: 0x0000_0000_8765_f1f2n, [RCX]: -1n, [RDI]: 0x1111_2222_3333_4444n });
      expect(getR(ctx, RCX)).to.equal(0xf1n);
      expect(getR(ctx, R8)).to.equal(0xffff_ffff_ffff_f1f2n);
      expect(getR(ctx, RSI)).to.equal(0xffff_ffff_8765_f1f2n);
      expect(getR(ctx, RDI)).to.equal(0x1111_2222_3333_fff2n);
      expect(getR(ctx, RAX)).to.equal(0xffff_ffff_8000_0000n);
      expect(getR(ctx, RDX)).to.equal(mask(64));
      const b = new Runner(new Asm().i('Cbw').i('Cwd'), tier);
      const c2 = b.exec({ [RAX]: 0x1234_0080n, [RDX]: 0x5555n });
      expect(getR(c2, RAX)).to.equal(0x1234_ff80n);
      expect(getR(c2, RDX)).to.equal(0xffffn);
    });

    it('lea computes exact 64-bit arithmetic', () => {
      const run = new Runner(new Asm().i('Lea_r64_m', 'rax', m('rbx', -8, 'rcx', 8)).i('Lea_r32_m', 'edx', m('rbx', 0x10, 'rcx', 2)), tier);
      const pairs = [[0xffff_ffff_ffff_fff0n, 3n], [0x7fff_ffff_ffff_ffffn, 0x1000_0000_0000_0001n], [0x1234n, 0xffff_ffff_ffff_ffffn]];
      // Three times over: the compiled tiers take over after the first runs.
      for (const [b, x] of [...pairs, ...pairs, ...pairs]) {
        const ctx = run.exec({ [RBX]: b, [RCX]: x });
        expect(getR(ctx, RAX)).to.equal(BigInt.asUintN(64, b + x * 8n - 8n));
        expect(getR(ctx, RDX)).to.equal(BigInt.asUintN(32, b + x * 2n + 16n));
      }
    });

    it('lea of a base and a displacement carries into and borrows from the high half', () => {
      const run = new Runner(new Asm().i('Lea_r64_m', 'rax', m('rbx', -16)).i('Lea_r64_m', 'rsi', m('rbx', 0x7ff0)), tier);
      const values = [0x1_0000_0008n, 5n, 0x0_ffff_fff8n, 0xffff_ffff_ffff_fffcn, 0x7fff_ffff_ffff_fff0n, 0x2_8000_0000n];
      // Twice over: the compiled tiers take over after the first runs.
      for (const b of [...values, ...values]) {
        const ctx = run.exec({ [RBX]: b });
        expect(getR(ctx, RAX), b.toString(16)).to.equal(BigInt.asUintN(64, b - 16n));
        expect(getR(ctx, RSI), b.toString(16)).to.equal(BigInt.asUintN(64, b + 0x7ff0n));
      }
    });

    it('mov to and from memory with fs/gs segment bases', () => {
      const run = new Runner(new Asm().i('Mov_r64_rm64', 'rax', m(null, 8, null, 1, 'fs')).i('Mov_rm32_r32', m('rbx', 4, null, 1, 'gs'), 'eax'), tier);
      run.mc.ctx.fsBase = DATA;
      run.mc.ctx.gsBase = DATA + 0x100;
      run.mc.mem.writeU64Parts(DATA + 8, 0x11223344, 0x55667788);
      const ctx = run.exec({ [RBX]: 0x10n });
      expect(getR(ctx, RAX)).to.equal(0x55667788_11223344n);
      expect(run.mc.mem.readU32(DATA + 0x114)).to.equal(0x11223344);
    });

    it('bt/bts/btr/btc on registers and on memory with offsets beyond the operand', () => {
      const a = new Asm()
        .i('Bts_rm64_r64', 'rax', 'rcx')
        .i('Mov_r32_imm32', 'esi', DATA)
        .i('Btc_rm32_r32', m('rsi', 0), 'edx')
        .i('Bt_rm64_imm8', 'rax', 63);
      const run = new Runner(a, tier);
      run.mc.mem.fill(DATA - 16, 48, 0);
      const ctx = run.exec({ [RAX]: 1n, [RCX]: 0x43n /* bit 3 of a 64-bit reg */, [RDX]: BigInt.asUintN(64, -3n) });
      expect(getR(ctx, RAX)).to.equal(0x9n);
      expect(ctx.rflags & CF).to.equal(0); // bit 63 of rax is clear
      // bit -3 of the dword at DATA is bit 5 of the byte at DATA-1
      expect(run.mc.mem.readU8(DATA - 1)).to.equal(0x20);
      const r2 = new Runner(new Asm().i('Btr_rm16_imm8', 'ax', 17), tier);
      const c2 = r2.exec({ [RAX]: 0xffffn });
      expect(getR(c2, RAX)).to.equal(0xfffdn);
      expect(c2.rflags & CF).to.equal(CF);
    });

    it('bsf/bsr and tzcnt/lzcnt (executed as bsf/bsr on this CPU)', () => {
      const run = new Runner(new Asm().i('Bsf_r64_rm64', 'rcx', 'rax').i('Bsr_r32_rm32', 'edx', 'eax').i('Tzcnt_r64_rm64', 'rsi', 'rbx').i('Lzcnt_r64_rm64', 'rdi', 'rbx'), tier);
      for (const v of [1n, 0x80n, 0x8000_0000n, 0x1_0000_0000n, 0x8000_0000_0000_0000n, 0x0100_0000_0000_0100n]) {
        const ctx = run.exec({ [RAX]: v, [RBX]: v });
        let lo = 0n; while (!((v >> lo) & 1n)) lo++;
        let hi = 63n; while (!((v >> hi) & 1n)) hi--;
        expect(getR(ctx, RCX)).to.equal(lo);
        expect(getR(ctx, RSI)).to.equal(lo);
        expect(getR(ctx, RDI)).to.equal(hi);
        const v32 = v & mask(32);
        if (v32 !== 0n) { let h = 31n; while (!((v32 >> h) & 1n)) h--; expect(getR(ctx, RDX)).to.equal(h); }
      }
      // zero source: ZF set, destination unchanged
      const ctx = run.exec({ [RAX]: 0n, [RBX]: 0n, [RCX]: 0x77n, [RSI]: 0x66n, [RDI]: 0x55n, [RDX]: 0xffff_ffff_0000_0044n });
      expect(ctx.rflags & ZF).to.equal(ZF);
      expect(getR(ctx, RCX)).to.equal(0x77n);
      expect(getR(ctx, RSI)).to.equal(0x66n);
      expect(getR(ctx, RDI)).to.equal(0x55n);
      expect(getR(ctx, RDX)).to.equal(0xffff_ffff_0000_0044n);
    });

    it('bswap, xchg, xadd, cmpxchg, cmpxchg8b', () => {
      const a = new Asm().i('Bswap_r64', 'rax').i('Bswap_r32', 'ebx').i('Xchg_rm64_r64', 'rcx', 'rdx').i('Xadd_rm32_r32', 'esi', 'edi');
      const run = new Runner(a, tier);
      const ctx = run.exec({ [RAX]: 0x0102_0304_0506_0708n, [RBX]: 0xffff_ffff_a1b2_c3d4n, [RCX]: 1n, [RDX]: 2n, [RSI]: 10n, [RDI]: 5n });
      expect(getR(ctx, RAX)).to.equal(0x0807_0605_0403_0201n);
      expect(getR(ctx, RBX)).to.equal(0xd4c3_b2a1n);
      expect(getR(ctx, RCX)).to.equal(2n);
      expect(getR(ctx, RDX)).to.equal(1n);
      expect(getR(ctx, RSI)).to.equal(15n);
      expect(getR(ctx, RDI)).to.equal(10n);

      const cx = new Runner(new Asm().i('Mov_r32_imm32', 'esi', DATA).i('Cmpxchg_rm64_r64', m('rsi'), 'rbx'), tier);
      cx.mc.mem.writeU64(DATA, 42);
      let c2 = cx.exec({ [RAX]: 42n, [RBX]: 7n });
      expect(c2.rflags & ZF).to.equal(ZF);
      expect(cx.mc.mem.readU64(DATA)).to.equal(7);
      c2 = cx.exec({ [RAX]: 42n, [RBX]: 9n });
      expect(c2.rflags & ZF).to.equal(0);
      expect(getR(c2, RAX)).to.equal(7n);
      expect(cx.mc.mem.readU64(DATA)).to.equal(7);

      const c8 = new Runner(new Asm().i('Mov_r32_imm32', 'esi', DATA).i('Cmpxchg8b_m64', m('rsi')), tier);
      c8.mc.mem.writeU64Parts(DATA, 0x11, 0x22);
      let c3 = c8.exec({ [RAX]: 0x11n, [RDX]: 0x22n, [RBX]: 0xaan, [RCX]: 0xbbn });
      expect(c3.rflags & ZF).to.equal(ZF);
      expect(c8.mc.mem.readU32(DATA)).to.equal(0xaa);
      expect(c8.mc.mem.readU32(DATA + 4)).to.equal(0xbb);
      c3 = c8.exec({ [RAX]: 0x11n, [RDX]: 0x22n });
      expect(c3.rflags & ZF).to.equal(0);
      expect(getR(c3, RAX)).to.equal(0xaan);
      expect(getR(c3, RDX)).to.equal(0xbbn);
    });
  });
}
